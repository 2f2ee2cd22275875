// The package from ESM: start(), the admin helpers, errors, and no orphan or hang when a
// script forgets stop(). Run by scripts/package-test.sh in a fresh npm project.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BINARY_ENV, DEFAULT_TOKEN, binaryPath, platformPackage, start } from 'prodgy-mock';

const CLOCK = '2026-03-05T14:30:00Z';
let mock;

before(async () => {
  mock = await start({ seed: 7, clock: new Date(CLOCK) });
});

after(async () => {
  assert.equal(await mock.stop(), 0);
});

const call = async (path, { namespace, method = 'GET', body } = {}) => {
  const response = await fetch(mock.url + path, {
    method,
    headers: { ...mock.headers(namespace), 'Content-Type': 'application/json' },
    body: body && JSON.stringify(body),
  });
  return [response.status, await response.json()];
};

test('starts on a free port with the default product token', async () => {
  assert.match(mock.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(mock.token, DEFAULT_TOKEN);
  assert.deepEqual(mock.headers('ns'), { 'X-API-Token': DEFAULT_TOKEN, 'X-Mock-Namespace': 'ns' });
  const [status, body] = await call('/api/agent-base');
  assert.equal(status, 200);
  assert.equal(body.pagination.total, 3);
});

test('namespaces keep state apart and reset puts one back', async () => {
  const list = '/api/integrations-base?scope=global';
  const [, seed] = await call(list, { namespace: 'esm-a' });
  for (const namespace of ['esm-a', 'esm-b']) {
    assert.equal((await call('/api/integrations-base', { namespace, method: 'POST', body: { title: 'Jira' } }))[0], 201);
  }
  await mock.reset('esm-a');
  assert.equal((await call(list, { namespace: 'esm-a' }))[1].pagination.total, seed.pagination.total);
  assert.equal((await call(list, { namespace: 'esm-b' }))[1].pagination.total, seed.pagination.total + 1);
});

test('the journal answers requests and count with filters', async () => {
  await call('/api/agent-base', { namespace: 'esm-journal' });
  await call('/api/agent-base/missing', { namespace: 'esm-journal' });
  const [newest] = await mock.requests({ namespace: 'esm-journal', limit: 1 });
  assert.equal(newest.path, '/api/agent-base/missing');
  assert.equal(newest.status, 404);
  assert.equal(await mock.count({ namespace: 'esm-journal', route: 'agents.list' }), 1);
  await assert.rejects(mock.requests({ colour: 'red' }), /unknown filter colour/);
});

test('advance moves the frozen clock', async () => {
  const before = await mock.advance(0);
  assert.equal(before.frozen, true);
  const after = await mock.advance(90);
  assert.equal(after.unix - before.unix, 90);
});

test('a scenario can be scoped to one namespace', async () => {
  await mock.useScenario('server-errors', 'esm-broken');
  assert.equal((await call('/api/agent-base', { namespace: 'esm-broken' }))[0], 500);
  assert.equal((await call('/api/agent-base', { namespace: 'esm-fine' }))[0], 200);
  await assert.rejects(mock.useScenario('nope', 'esm-broken'), /unknown scenario nope/);
  await mock.useScenario('unauthorized');
  assert.equal((await call('/api/agent-base'))[0], 401);
  await mock.useScenario('default');
  assert.equal((await call('/api/agent-base'))[0], 200);
});

test('a mock that cannot start says why', async () => {
  await assert.rejects(start({ auth: 'bogus' }), /exit 2[\s\S]*invalid value 'bogus'/);
  await assert.rejects(start({ fixtures: 'nowhere' }), /exit 3[\s\S]*nowhere/);
  await assert.rejects(start({ colour: 'red' }), /unknown option colour/);
});

test('a binary that is not prodgy-mock is stopped and named', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prodgy-mock-impostor-'));
  const impostor = path.join(dir, 'impostor');
  fs.writeFileSync(impostor, '#!/bin/sh\necho hello\nexec sleep 600\n', { mode: 0o755 });
  await assert.rejects(start({ binary: impostor }), /first line "hello"/);
  fs.rmSync(dir, { recursive: true });
});

test('the binary comes from the platform package', () => {
  assert.equal(process.env[BINARY_ENV], undefined);
  assert.equal(platformPackage('linux', 'x64'), '@prodgy-mock/linux-x64');
  assert.ok(binaryPath().includes(`node_modules/${platformPackage()}/bin/`), binaryPath());
});

test('a platform without a package gets an error naming the package', () => {
  const script = "Object.defineProperty(process, 'arch', { value: 'mips' }); require('prodgy-mock').binaryPath()";
  const result = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  assert.notEqual(result.status, 0);
  assert.match(result.stderr, /no binary for \w+-mips: the package @prodgy-mock\/\w+-mips is not installed/);
});

test('a script that never calls stop() exits, and so does its mock', async () => {
  const script = "import('prodgy-mock').then(async ({ start }) => console.log((await start()).url))";
  const result = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(result.status, 0, result.stderr);
  const url = result.stdout.trim();
  // stdin closed with the script: the mock drains and exits. Wait for that (bounded).
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    try {
      await fetch(`${url}/__admin/health`);
    } catch (error) {
      if (error.cause?.code === 'ECONNREFUSED') return; // nothing listens there any more
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.fail(`the mock at ${url} outlived its parent`);
});
