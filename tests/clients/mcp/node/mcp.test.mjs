// The official TypeScript MCP SDK (@modelcontextprotocol/sdk) against the mock's /mcp, over
// the Streamable HTTP transport with a session (protocol 2025-11-25). Run by
// scripts/mcp-clients.sh, which starts the mock with a frozen clock and sets PRODGY_MOCK_URL.
// Each test works in its own namespace, so the tests share one mock.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const base = process.env.PRODGY_MOCK_URL;
assert.ok(base, "PRODGY_MOCK_URL must be set (scripts/mcp-clients.sh starts the mock)");
const ACME = "9b2f4c1e-0a3d-4e5f-8a71-2c4d6e8f0a11";
const ACME_TOKEN = "prodgy_AcmeSupportDefaultToken000000001"; // role admin
const GLOBEX_TOKEN = "prodgy_GlobexSalesDefaultToken0000000002"; // role member
const SUPPORT_TRIAGE = "a9e1f3b5-0001-4c6d-8e7f-100000000001";
const RELEASE_NOTES = "c1a0b2c3-0005-4000-8000-000000000005";

const fresh = (name) => `ts-${name}-${randomUUID().slice(0, 8)}`;

/** A connected SDK client calling as `token` with extra `headers`; close it when done. */
async function connect({ token = ACME_TOKEN, headers = {} } = {}) {
  const sent = { ...headers };
  if (token) sent.Authorization = `Bearer ${token}`;
  const transport = new StreamableHTTPClientTransport(new URL(`${base}/mcp`), {
    requestInit: { headers: sent },
  });
  const client = new Client({ name: "prodgy-mock-ts-tests", version: "1.0.0" });
  await client.connect(transport);
  return { client, transport };
}

/** The REST envelope a successful tool result carries. */
function envelope(result) {
  assert.equal(result.isError, false, JSON.stringify(result));
  assert.deepEqual(JSON.parse(result.content[0].text), result.structuredContent);
  return result.structuredContent;
}

/** The message of a failed tool result whose envelope has `error`. */
function refusal(result, error) {
  assert.equal(result.isError, true, JSON.stringify(result));
  assert.equal(result.structuredContent.error, error, JSON.stringify(result.structuredContent));
  return result.structuredContent.message;
}

async function rest(method, path, namespace, body, token = ACME_TOKEN) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { "X-API-Token": token, "X-Mock-Namespace": namespace, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

async function advance(seconds) {
  const response = await fetch(`${base}/__admin/clock/advance`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ seconds }),
  });
  assert.equal(response.status, 200);
}

const call = (client, name, args = {}) => client.callTool({ name, arguments: args });

test("the handshake gives a session id, the workspace's instructions and every tool", async () => {
  const { client, transport } = await connect({ headers: { "X-Mock-Namespace": fresh("list") } });
  assert.match(transport.sessionId, /^[0-9a-f-]{36}$/);
  assert.match(client.getInstructions(), /Acme Support/);
  const { tools } = await client.listTools();
  assert.equal(tools.length, 16);
  const invoke = tools.find((t) => t.name === "invoke_agent");
  assert.deepEqual(invoke.inputSchema.required, ["agent_id"]);
  assert.equal(invoke.annotations.readOnlyHint, false);
  await transport.terminateSession();
  await client.close();
});

test("an unauthorized client is refused with HTTP 401 and the REST reason", async () => {
  await assert.rejects(
    connect({ token: "prodgy_ExpiredAcmeToken000000000000004" }),
    (error) => error.code === 401 && /expired token/.test(error.message),
  );
  await assert.rejects(connect({ token: null }), (error) => error.code === 401 && /missing credentials/.test(error.message));
});

test("an agent installed through REST is listed and invoked; REST polling follows the run", async () => {
  const ns = fresh("agents");
  const installed = await rest("POST", "/api/agent-base/install", ns, { agent_id: RELEASE_NOTES });
  assert.equal(installed.status, 201);
  const { client } = await connect({ headers: { "X-Mock-Namespace": ns } });
  const agents = envelope(await call(client, "list_agents", { page_size: 10 }));
  assert.ok(agents.data.some((a) => a.id === installed.body.data.id));
  const started = envelope(
    await call(client, "invoke_agent", { agent_id: SUPPORT_TRIAGE, input: { ticket: "T-9" } }),
  );
  const id = started.data.execution_id;
  assert.equal((await rest("GET", `/api/workflow/${id}/status`, ns)).body.data.status, "running");
  await advance(3600);
  const done = await rest("GET", `/api/workflow/${id}/status`, ns);
  assert.equal(done.body.data.status, "completed");
  assert.equal(done.body.data.output.ticket, "T-9");
  const events = await fetch(`${base}/api/workflow/${id}/events`, {
    headers: { "X-API-Token": ACME_TOKEN, "X-Mock-Namespace": ns },
  });
  assert.match(await events.text(), /event: done/);
  await client.close();
});

test("install_integration shows up in GET /api/integrations-base", async () => {
  const ns = fresh("install");
  const { client } = await connect({ headers: { "X-Mock-Namespace": ns } });
  const catalog = envelope(await call(client, "list_integration_catalog"));
  assert.ok(catalog.data.some((t) => t.type === "jira"));
  const template = envelope(await call(client, "get_integration", { id: "jira" }));
  assert.deepEqual(template.data.credential_fields, ["email", "apiToken"]);
  const installed = envelope(
    await call(client, "install_integration", {
      template_id: "jira",
      credentials: { email: "bot@acme.example", apiToken: "secret" },
      settings: { site_url: "https://acme.atlassian.net", project_key: "SUP" },
    }),
  );
  assert.equal(installed.data.credentials.apiToken, "********");
  const listed = await rest("GET", `/api/integrations-base?product_id=${ACME}&pageSize=100`, ns);
  assert.ok(listed.body.data.some((i) => i.id === installed.data.id));
  const mine = envelope(await call(client, "list_installed_integrations", { type: "jira" }));
  assert.equal(mine.pagination.total, 1);
  const active = envelope(await call(client, "get_active_integrations"));
  assert.ok(active.data.some((i) => i.id === installed.data.id));
  await client.close();
});

test("search_knowledge answers what REST search answers", async () => {
  const ns = fresh("search");
  const expected = await rest("POST", "/api/knowledge-base/search", ns, { query: "password reset" });
  const { client } = await connect({ headers: { "X-Mock-Namespace": ns } });
  assert.deepEqual(envelope(await call(client, "search_knowledge", { query: "password reset" })), expected.body);
  const bad = await call(client, "search_knowledge", { query: "x", limit: 0 });
  assert.match(refusal(bad, "Bad Request"), /'limit'/);
  await client.close();
});

test("profile, preferences, workspace and MCP settings", async () => {
  const ns = fresh("profile");
  const { client } = await connect({ headers: { "X-Mock-Namespace": ns } });
  const profile = envelope(await call(client, "get_my_profile")).data;
  assert.equal(profile.user.role, "admin");
  assert.equal(profile.user.token_prefix, "prodgy_A");
  const prefs = envelope(
    await call(client, "update_my_ai_preferences", { confirm_destructive_actions: false }),
  ).data;
  assert.deepEqual(prefs, { directive: "", confirm_destructive_actions: false });
  const info = envelope(await call(client, "get_workspace_info")).data;
  assert.equal(info.name, "Acme Support");
  assert.ok(Array.isArray(info.active_integrations));
  envelope(await call(client, "get_mcp_settings"));
  envelope(await call(client, "update_mcp_settings", { instructions: "TypeScript was here." }));
  await client.close();
  const again = await connect({ headers: { "X-Mock-Namespace": ns } });
  assert.equal(again.client.getInstructions(), "TypeScript was here.");
  await again.client.close();
});

test("admin tools are refused to a member token, and work for an admin", async () => {
  const ns = fresh("admin");
  const member = await connect({ token: GLOBEX_TOKEN, headers: { "X-Mock-Namespace": ns } });
  for (const [name, args] of [
    ["create_integration", { name: "Linear", type: "linear" }],
    ["update_integration", { id: "slack", name: "Slack!" }],
    ["delete_integration", { id: "slack" }],
    ["update_mcp_settings", { rules: [] }],
  ]) {
    assert.match(refusal(await call(member.client, name, args), "Forbidden"), /admin or superadmin role/, name);
  }
  await member.client.close();
  const admin = await connect({ headers: { "X-Mock-Namespace": ns } });
  const created = envelope(await call(admin.client, "create_integration", { name: "Linear", type: "linear" })).data;
  envelope(await call(admin.client, "update_integration", { id: created.id, tools: ["create_issue"] }));
  envelope(await call(admin.client, "delete_integration", { id: "linear" }));
  await admin.client.close();
});

test("two sessions in two namespaces do not see each other's state", async () => {
  const a = await connect({ headers: { "X-Mock-Namespace": fresh("ns-a") } });
  const b = await connect({ headers: { "X-Mock-Namespace": fresh("ns-b") } });
  assert.notEqual(a.transport.sessionId, b.transport.sessionId);
  envelope(await call(a.client, "install_integration", { template_id: "github", credentials: { token: "t" }, settings: { org: "acme" } }));
  const inA = envelope(await call(a.client, "list_installed_integrations", { type: "github" }));
  const inB = envelope(await call(b.client, "list_installed_integrations", { type: "github" }));
  assert.equal(inA.pagination.total, 2, "the fixture's disabled one and the new one");
  assert.equal(inB.pagination.total, 1);
  await a.client.close();
  await b.client.close();
});

test("a scenario rule injects a failure into one tool call", async () => {
  const ns = fresh("scenario");
  const { client } = await connect({ headers: { "X-Mock-Namespace": ns, "X-Mock-Scenario": "retry-then-succeed" } });
  for (let i = 0; i < 2; i++) {
    assert.match(refusal(await call(client, "list_agents"), "Internal Server Error"), /injected by scenario/);
  }
  envelope(await call(client, "list_agents"));
  await client.close();
});

test("over the rate limit a tool call fails with HTTP 429", async () => {
  const ns = fresh("ratelimit");
  const { client } = await connect({ headers: { "X-Mock-Namespace": ns, "X-Mock-Scenario": "ratelimit" } });
  for (let i = 0; i < 5; i++) envelope(await call(client, "invoke_agent", { agent_id: SUPPORT_TRIAGE }));
  await assert.rejects(call(client, "invoke_agent", { agent_id: SUPPORT_TRIAGE }), (error) => /429/.test(error.message) && /rate limit of 5/.test(error.message));
  await client.close();
});
