// The package from CommonJS: the same API through require().
const { test } = require('node:test');
const assert = require('node:assert/strict');
const prodgyMock = require('prodgy-mock');

test('require() gives start() and a working mock', async () => {
  const mock = await prodgyMock.start({ scenario: 'retry-then-succeed', seed: 3 });
  try {
    const statuses = [];
    for (let i = 0; i < 3; i++) {
      statuses.push((await fetch(`${mock.url}/api/agent-base`, { headers: mock.headers('cjs') })).status);
    }
    assert.deepEqual(statuses, [500, 500, 200]);
    assert.equal(await mock.count({ namespace: 'cjs', status: 500 }), 2);
  } finally {
    assert.equal(await mock.stop(), 0);
  }
});

test('ESM and CommonJS share one module instance', async () => {
  const esm = await import('prodgy-mock');
  assert.equal(esm.start, prodgyMock.start);
});
