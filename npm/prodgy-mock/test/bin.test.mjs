// `npx prodgy-mock` runs the platform binary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';

const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';

test('npx prodgy-mock --version prints the version', () => {
  const result = spawnSync(npx, ['--no-install', 'prodgy-mock', '--version'], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /^prodgy-mock \d+\.\d+\.\d+/);
});

test('npx prodgy-mock --port 0 listens, and exits 0 when its stdin closes', async () => {
  const child = spawn(npx, ['--no-install', 'prodgy-mock', '--port', '0', '--exit-on-stdin-eof'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  let out = '';
  for await (const chunk of child.stdout) {
    out += chunk;
    if (out.includes('\n')) break;
  }
  const url = out.match(/^prodgy-mock listening on (http:\/\/127\.0\.0\.1:\d+)$/m)?.[1];
  assert.ok(url, out);
  assert.equal((await fetch(`${url}/__admin/health`)).status, 200);
  child.stdin.end();
  assert.equal(await exited, 0);
});

test('npx prodgy-mock passes exit codes through', () => {
  const result = spawnSync(npx, ['--no-install', 'prodgy-mock', '--auth', 'bogus'], { encoding: 'utf8' });
  assert.equal(result.status, 2);
  assert.match(result.stderr, /invalid value 'bogus'/);
});
