// Example node:test suite that spawns prodgy-mock on a free port.
// Run: PRODGY_MOCK_BIN=target/release/prodgy-mock node --test recipes/node/
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";

const TOKEN = "prodgy_AcmeSupportDefaultToken000000001";
let mock, base;

before(async () => {
  mock = spawn(process.env.PRODGY_MOCK_BIN ?? "prodgy-mock", ["--port", "0", "--exit-on-stdin-eof"], {
    stdio: ["pipe", "pipe", "inherit"], // our stdin pipe: if this process dies, the mock exits
  });
  const [line] = await Promise.race([
    (async () => { for await (const l of createInterface({ input: mock.stdout })) return [l]; })(),
    new Promise((_, reject) => mock.once("exit", (code) => reject(new Error(`mock exited ${code}`)))),
  ]);
  assert.match(line, /^prodgy-mock listening on http:\/\/127\.0\.0\.1:\d+$/);
  base = line.split(" ").at(-1);
});

after(async () => {
  const exited = new Promise((resolve) => mock.once("exit", resolve));
  mock.stdin.end();
  assert.equal(await exited, 0);
});

const call = (path, init = {}, namespace = "node") =>
  fetch(base + path, {
    ...init,
    headers: { "X-API-Token": TOKEN, "X-Mock-Namespace": namespace, "Content-Type": "application/json", ...init.headers },
  });

test("lists agents in the envelope", async () => {
  const response = await call("/api/agent-base");
  assert.equal(response.status, 200);
  const body = await response.json();
  assert.equal(body.success, true);
  assert.equal(body.pagination.total, 3);
});

test("creates a global integration", async () => {
  const response = await call("/api/integrations-base", { method: "POST", body: JSON.stringify({ title: "Jira" }) });
  assert.equal(response.status, 201);
  assert.equal((await response.json()).data.scope, "global");
});

test("verifies calls through the request journal", async () => {
  const response = await fetch(`${base}/__admin/requests/count?namespace=node&route=integrations.create`);
  assert.equal((await response.json()).data.count, 1);
});
