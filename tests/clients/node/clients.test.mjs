// Third-party Node clients against the real binary: the failures users met showed only
// through these clients (EPIPE on a refused body, a reused connection after an early 404,
// an EventSource reconnecting forever). Run by scripts/clients.sh with PRODGY_MOCK_URL set.
import { test } from "node:test";
import assert from "node:assert/strict";
import axios from "axios";
import { EventSource } from "eventsource";

const base = process.env.PRODGY_MOCK_URL;
assert.ok(base, "PRODGY_MOCK_URL must be set (scripts/clients.sh starts the mock)");
const TOKEN = "prodgy_AcmeSupportDefaultToken000000001";
const headers = { "X-API-Token": TOKEN, "Content-Type": "application/json" };
const TRIES = 20;

/** A JSON body over the default 25 MiB limit: 27 MiB. */
const hugeBody = () => JSON.stringify({ title: "x".repeat(27 * 1024 * 1024), type: "jira" });

test("fetch reads the 413 of a 27 MiB JSON POST in 20 of 20 tries", async () => {
  const body = hugeBody();
  for (let i = 0; i < TRIES; i++) {
    const response = await fetch(`${base}/api/integrations-base`, { method: "POST", headers, body });
    assert.equal(response.status, 413, `try ${i + 1}`);
    assert.equal((await response.json()).error, "Payload Too Large");
  }
  const after = await fetch(`${base}/api/agent-base`, { headers });
  assert.equal(after.status, 200);
});

test("axios reads the 413 of a 27 MiB JSON POST in 20 of 20 tries", async () => {
  const body = hugeBody();
  for (let i = 0; i < TRIES; i++) {
    const response = await axios.post(`${base}/api/integrations-base`, body, {
      headers,
      maxBodyLength: Infinity,
      validateStatus: () => true,
    });
    assert.equal(response.status, 413, `try ${i + 1}`);
    assert.equal(response.data.error, "Payload Too Large");
  }
});

test("fetch reuses its connection after an early 404 or 405 with a body", async () => {
  const body = JSON.stringify({ title: "Jira", type: "jira" });
  for (let i = 0; i < TRIES; i++) {
    const missing = await fetch(`${base}/api/nope`, { method: "POST", headers, body });
    assert.equal(missing.status, 404);
    await missing.arrayBuffer();
    const wrong = await fetch(`${base}/api/integrations-base`, { method: "PATCH", headers, body });
    assert.equal(wrong.status, 405);
    await wrong.arrayBuffer();
    const next = await fetch(`${base}/api/agent-base`, { headers });
    assert.equal(next.status, 200, `request after the early answers, try ${i + 1}`);
    await next.arrayBuffer();
  }
});

test("axios reuses its keep-alive connection after an early 404", async () => {
  const { Agent } = await import("node:http");
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const client = axios.create({ httpAgent: agent, validateStatus: () => true, headers });
  for (let i = 0; i < TRIES; i++) {
    const missing = await client.post(`${base}/api/nope`, { title: "Jira" });
    assert.equal(missing.status, 404);
    const next = await client.get(`${base}/api/agent-base`);
    assert.equal(next.status, 200, `try ${i + 1}`);
  }
  agent.destroy();
});

test("HEAD answers like GET without a body", async () => {
  const get = await fetch(`${base}/api/agent-base`, { headers });
  const head = await fetch(`${base}/api/agent-base`, { method: "HEAD", headers });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get("content-type"), get.headers.get("content-type"));
  assert.equal((await head.arrayBuffer()).byteLength, 0);
});

test("an EventSource stops after a finished execution instead of reconnecting forever", async () => {
  const namespace = "node-eventsource";
  const scoped = { ...headers, "X-Mock-Namespace": namespace };
  const started = await fetch(`${base}/api/workflow/execute`, {
    method: "POST",
    headers: scoped,
    body: JSON.stringify({ workflow_base_id: "b0c1d2e3-0001-4a5b-9c6d-500000000001" }),
  });
  assert.equal(started.status, 200);
  const { data } = await started.json();
  const id = data.execution_id ?? data.id;
  const advance = await fetch(`${base}/__admin/clock/advance`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ seconds: 3600 }),
  });
  assert.equal(advance.status, 200);

  const statuses = [];
  const source = new EventSource(`${base}/api/workflow/${id}/events`, {
    fetch: async (input, init) => {
      const response = await fetch(input, { ...init, headers: { ...init.headers, ...scoped } });
      statuses.push(response.status);
      return response;
    },
  });
  const names = [];
  source.addEventListener("done", () => names.push("done"));
  await new Promise((resolve, reject) => {
    const deadline = setTimeout(() => reject(new Error(`still open; responses: ${statuses}`)), 15000);
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED) {
        clearTimeout(deadline);
        resolve();
      }
    };
  });
  source.close();
  assert.deepEqual(names, ["done"]);
  assert.deepEqual(statuses, [200, 204], "one stream, then the reconnect is told to stop");
});
