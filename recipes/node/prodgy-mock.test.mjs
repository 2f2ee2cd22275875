// Example node:test suite of a client project, with `npm install --save-dev prodgy-mock`.
// Run: node --test
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start } from 'prodgy-mock';

let mock;

before(async () => {
  // A free port, the built-in fixtures, a frozen clock; stop() in after(). Even without it,
  // the mock exits with this process.
  mock = await start({ seed: 42, clock: '2026-03-05T14:30:00Z' });
});

after(async () => {
  assert.equal(await mock.stop(), 0);
});

const call = (path, init = {}) =>
  fetch(`${mock.url}/api${path}`, {
    ...init,
    headers: { ...mock.headers('node'), 'Content-Type': 'application/json', ...init.headers },
  });

test('lists agents in the envelope', async () => {
  const response = await call('/agent-base');
  assert.equal(response.status, 200);
  const body = await response.json();
  assert.equal(body.success, true);
  assert.equal(body.pagination.total, 3);
});

test('creates a global integration', async () => {
  const response = await call('/integrations-base', { method: 'POST', body: JSON.stringify({ title: 'Jira' }) });
  assert.equal(response.status, 201);
  assert.equal((await response.json()).data.scope, 'global');
});

test('verifies calls through the request journal', async () => {
  assert.equal(await mock.count({ namespace: 'node', route: 'integrations.create' }), 1);
  const [entry] = await mock.requests({ namespace: 'node', method: 'POST' });
  assert.equal(entry.status, 201);
});

test('moves the clock instead of sleeping', async () => {
  const clock = await mock.advance(3600);
  assert.equal(clock.now, '2026-03-05T15:30:00Z');
});
