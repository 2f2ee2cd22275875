// Runs the action's main and post steps the way the runner does (inputs as INPUT_*, files
// for GITHUB_ENV / GITHUB_OUTPUT / GITHUB_STATE, state back as STATE_*), against the binary
// named by ACTION_TEST_BINARY. scripts/package-test.sh points it at the installed wheel's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const here = path.dirname(new URL(import.meta.url).pathname);
const binary = process.env.ACTION_TEST_BINARY;

const readKeyValues = (file) =>
  Object.fromEntries(
    fs.readFileSync(file, 'utf8').split(/\r?\n/).filter(Boolean).map((line) => {
      const at = line.indexOf('=');
      return [line.slice(0, at), line.slice(at + 1)];
    }),
  );

test('main starts the mock and exports its URL; post stops it', { skip: !binary && 'ACTION_TEST_BINARY is not set' }, async () => {
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'prodgy-mock-action-'));
  const files = Object.fromEntries(['GITHUB_ENV', 'GITHUB_OUTPUT', 'GITHUB_STATE'].map((n) => [n, path.join(temp, n)]));
  const env = {
    ...process.env,
    ...files,
    RUNNER_TEMP: temp,
    INPUT_BINARY: binary,
    INPUT_SCENARIO: 'ratelimit',
    INPUT_CLOCK: '2026-03-05T14:30:00Z',
    INPUT_ARGS: '--journal-size 50',
  };
  execFileSync(process.execPath, [path.join(here, 'main.cjs')], { env, stdio: 'inherit' });
  const exported = readKeyValues(files.GITHUB_ENV);
  assert.match(exported.PRODGY_MOCK_URL, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(exported.PRODGY_MOCK_TOKEN, 'prodgy_AcmeSupportDefaultToken000000001');
  assert.equal(readKeyValues(files.GITHUB_OUTPUT).url, exported.PRODGY_MOCK_URL);

  const health = (await (await fetch(`${exported.PRODGY_MOCK_URL}/__admin/health`)).json()).data;
  assert.deepEqual(health.scenario, ['ratelimit']);
  assert.equal(health.clock, '2026-03-05T14:30:00Z');
  assert.equal(health.journal.capacity, 50);

  const state = Object.fromEntries(Object.entries(readKeyValues(files.GITHUB_STATE)).map(([k, v]) => [`STATE_${k}`, v]));
  const post = execFileSync(process.execPath, [path.join(here, 'post.cjs')], { env: { ...process.env, ...state }, encoding: 'utf8' });
  assert.match(post, /prodgy-mock stopped/);
  assert.ok(!fs.existsSync(state.STATE_ready_file), 'the mock removes its ready file when it exits');
  await assert.rejects(fetch(`${exported.PRODGY_MOCK_URL}/__admin/health`));
  fs.rmSync(temp, { recursive: true, force: true });
});

test('main fails with the mock log when the mock cannot start', { skip: !binary && 'ACTION_TEST_BINARY is not set' }, () => {
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'prodgy-mock-action-'));
  const env = { ...process.env, RUNNER_TEMP: temp, INPUT_BINARY: binary, INPUT_AUTH: 'bogus' };
  assert.throws(
    () => execFileSync(process.execPath, [path.join(here, 'main.cjs')], { env, encoding: 'utf8', stdio: 'pipe' }),
    (error) => error.status === 1 && /exited with code 2[\s\S]*invalid value 'bogus'/.test(error.stderr),
  );
  fs.rmSync(temp, { recursive: true, force: true });
});

test('action.yml names the step files, and declares every input main.cjs reads', () => {
  const manifest = fs.readFileSync(path.join(here, '..', 'action.yml'), 'utf8');
  for (const step of ['main', 'post']) {
    const file = manifest.match(new RegExp(`^  ${step}: (\\S+)$`, 'm'))?.[1];
    assert.ok(file && fs.existsSync(path.join(here, '..', file)), `runs.${step}: ${file}`);
  }
  const declared = new Set([...manifest.matchAll(/^  ([a-z-]+):$/gm)].map((m) => m[1]));
  const read = [...fs.readFileSync(path.join(here, 'main.cjs'), 'utf8').matchAll(/input\('([a-z-]+)'\)/g)].map((m) => m[1]);
  const named = fs.readFileSync(path.join(here, 'main.cjs'), 'utf8').match(/for \(const name of \[([^\]]+)\]/)[1];
  for (const name of [...read, ...named.match(/[a-z-]+/g)]) assert.ok(declared.has(name), `input ${name} is not in action.yml`);
});
