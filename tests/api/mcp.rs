//! The MCP gateway's protocol and stages: sessions, auth, namespaces, scenarios, rate limits,
//! the journal. The tools themselves are in `mcp_tools.rs`.

use std::time::Duration;

use prodgy_mock::{AuthMode, Expectation, MockServer, RequestFilter};
use serde_json::{Value, json};

use crate::helpers::{GLOBEX_TOKEN, TestApp};
use crate::mcp_client::{Mcp, failed, ok};

const SUPPORT_TRIAGE: &str = "a9e1f3b5-0001-4c6d-8e7f-100000000001";

#[tokio::test]
async fn initialize_opens_a_session_with_the_workspace_instructions() {
    let app = TestApp::spawn().await;
    let mut mcp = Mcp::new(&app);
    let answer = mcp.initialize().await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert!(
        answer
            .header("mcp-session-id")
            .is_some_and(|s| !s.is_empty())
    );
    let result = answer.result();
    assert_eq!(result["protocolVersion"], "2025-06-18");
    assert_eq!(result["serverInfo"]["name"], "prodgy-mock");
    assert!(result["capabilities"]["tools"].is_object());
    let instructions = result["instructions"].as_str().expect("instructions");
    assert!(
        instructions.contains("Acme Support workspace"),
        "{instructions}"
    );

    let globex = Mcp::new(&app).token(Some(GLOBEX_TOKEN)).initialize().await;
    let instructions = globex.result()["instructions"]
        .as_str()
        .expect("instructions");
    assert!(
        instructions.contains("'Globex Sales'"),
        "default: {instructions}"
    );
}

#[tokio::test]
async fn tools_list_gives_every_documented_tool_with_a_closed_schema() {
    let app = TestApp::spawn().await;
    let mut mcp = Mcp::new(&app);
    mcp.initialize().await;
    let listed = mcp.send("tools/list", json!({})).await;
    let tools = listed.result()["tools"].as_array().expect("tools").clone();
    let names: Vec<&str> = tools.iter().filter_map(|t| t["name"].as_str()).collect();
    assert_eq!(
        names,
        [
            "get_my_profile",
            "get_workspace_info",
            "update_my_ai_preferences",
            "search_knowledge",
            "list_agents",
            "invoke_agent",
            "list_integration_catalog",
            "get_integration",
            "list_installed_integrations",
            "install_integration",
            "create_integration",
            "update_integration",
            "delete_integration",
            "get_active_integrations",
            "get_mcp_settings",
            "update_mcp_settings",
        ]
    );
    for tool in &tools {
        let schema = &tool["inputSchema"];
        assert_eq!(schema["type"], "object", "{tool}");
        assert_eq!(schema["additionalProperties"], false, "{tool}");
        assert!(
            tool["description"].as_str().is_some_and(|d| d.len() > 40),
            "{tool}"
        );
    }
    let invoke = tools
        .iter()
        .find(|t| t["name"] == "invoke_agent")
        .expect("tool");
    assert_eq!(invoke["inputSchema"]["required"], json!(["agent_id"]));
    assert_eq!(
        invoke["inputSchema"]["properties"]["input"]["type"],
        json!(["object", "null"])
    );
    assert_eq!(invoke["annotations"]["readOnlyHint"], false);
    let delete = tools
        .iter()
        .find(|t| t["name"] == "delete_integration")
        .expect("tool");
    assert_eq!(delete["annotations"]["destructiveHint"], true);
}

#[tokio::test]
async fn missing_and_refused_credentials_are_http_401_with_the_rest_reasons() {
    let app = TestApp::spawn().await;
    let missing = Mcp::new(&app).token(None).initialize().await;
    assert_eq!(missing.status, 401);
    assert_eq!(
        missing.header("www-authenticate"),
        Some("Bearer realm=\"prodgy-mock\"")
    );
    assert_eq!(missing.error()["code"], -32001);
    assert_eq!(missing.error()["data"]["error"], "Unauthorized");
    assert_eq!(
        missing.message()["id"],
        1,
        "the refusal answers the request's id"
    );

    let revoked = "prodgy_RevokedAcmeToken000000000000005";
    let refused = Mcp::new(&app).token(Some(revoked)).initialize().await;
    assert_eq!(refused.status, 401);
    let message = refused.error()["message"].as_str().expect("message");
    assert!(message.starts_with("revoked token: "), "{message}");
    let challenge = refused.header("www-authenticate").expect("challenge");
    assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
    assert!(challenge.contains("revoked token"), "{challenge}");
    let rest = app
        .call(reqwest::Method::GET, "/api/agent-base", Some(revoked), None)
        .await;
    assert_eq!(rest.message(), message, "the same reason as REST");

    for (token, reason) in [
        ("prodgy_InactiveAcmeToken00000000000003", "inactive token: "),
        ("prodgy_ExpiredAcmeToken000000000000004", "expired token: "),
        ("not-a-token", "malformed token: "),
    ] {
        let refused = Mcp::new(&app).token(Some(token)).initialize().await;
        assert_eq!(refused.status, 401, "{token}");
        let message = refused.error()["message"].as_str().expect("message");
        assert!(message.starts_with(reason), "{token}: {message}");
    }
}

#[tokio::test]
async fn a_session_is_checked_on_every_request_and_ends_with_delete() {
    let app = TestApp::spawn().await;
    let mut mcp = Mcp::new(&app);
    mcp.initialize().await;
    let session = mcp.session.clone().expect("session");
    let mut thief = Mcp::new(&app).token(None);
    thief.session = Some(session);
    let refused = thief.call_answer("list_agents", json!({})).await;
    assert_eq!(refused.status, 401, "a session id is no credential");

    assert_eq!(mcp.end().await, 204);
    let gone = mcp.call_answer("list_agents", json!({})).await;
    assert_eq!(gone.status, 404, "{}", gone.text);
}

#[tokio::test]
async fn strict_auth_refuses_unknown_tokens_and_off_lets_anyone_act_as_admin() {
    let strict = TestApp::with(MockServer::builder().auth(AuthMode::Strict)).await;
    let unknown = "prodgy_NotInTheFixtures000000000000001";
    let refused = Mcp::new(&strict).token(Some(unknown)).initialize().await;
    assert_eq!(refused.status, 401);
    let message = refused.error()["message"].as_str().expect("message");
    assert!(message.starts_with("unknown token: "), "{message}");

    let off = TestApp::with(MockServer::builder().auth(AuthMode::Off)).await;
    let mut anyone = Mcp::new(&off).token(None);
    assert_eq!(anyone.initialize().await.status, 200);
    let profile = anyone.call("get_my_profile", json!({})).await;
    assert_eq!(ok(&profile)["data"]["user"]["role"], "admin");
    assert_eq!(ok(&profile)["data"]["user"]["credential"], "none");
}

#[tokio::test]
async fn namespaces_isolate_two_sessions_of_the_same_token() {
    let app = TestApp::spawn().await;
    let mut a = Mcp::new(&app).namespace("mcp-a");
    let mut b = Mcp::new(&app).namespace("mcp-b");
    a.initialize().await;
    b.initialize().await;
    let installed = a
        .call(
            "install_integration",
            json!({"template_id": "jira", "credentials": {"email": "a@acme.example", "apiToken": "t"},
                   "settings": {"site_url": "https://acme.atlassian.net", "project_key": "SUP"}}),
        )
        .await;
    let id = ok(&installed)["data"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let in_a = a
        .call("list_installed_integrations", json!({"type": "jira"}))
        .await;
    let in_b = b
        .call("list_installed_integrations", json!({"type": "jira"}))
        .await;
    assert_eq!(ok(&in_a)["data"][0]["id"], id.as_str());
    assert_eq!(ok(&in_b)["pagination"]["total"], 0, "{in_b}");
    let rest_b = app
        .client
        .get(app.url(&format!("/api/integrations-base/{id}")))
        .header("X-API-Token", crate::helpers::ACME_TOKEN)
        .header("X-Mock-Namespace", "mcp-b")
        .send()
        .await
        .expect("sent");
    assert_eq!(rest_b.status(), 404);
    let journal = app
        .server
        .requests(&RequestFilter::new().tool("install_integration"));
    assert_eq!(journal.len(), 1);
    assert_eq!(journal[0].namespace, "mcp-a");
}

#[tokio::test]
async fn a_scenario_rule_can_make_one_tool_fail_or_slow_down() {
    let dir = std::env::temp_dir().join(format!("prodgy-mcp-scenario-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("mcp-faults.json");
    let rules = json!({"rules": [
        {"match": {"tool": "invoke_agent"}, "when": {"first": 1}, "respond": {"status": 503}},
        {"match": {"route": "mcp.list_*"}, "respond": {"delay_ms": 30, "headers": {"X-Slow": "yes"}}},
        {"match": {"tool": "get_my_profile"}, "respond": {"status": 200, "body": {"stubbed": true}}}
    ]});
    std::fs::write(&file, rules.to_string()).expect("scenario written");
    let app = TestApp::with(MockServer::builder().scenario(file.display().to_string())).await;
    let mut mcp = Mcp::new(&app);
    mcp.initialize().await;

    let first = mcp
        .call("invoke_agent", json!({"agent_id": SUPPORT_TRIAGE}))
        .await;
    let message = failed(&first, "Service Unavailable");
    assert!(
        message.contains("injected by scenario 'mcp-faults'"),
        "{message}"
    );
    let second = mcp
        .call("invoke_agent", json!({"agent_id": SUPPORT_TRIAGE}))
        .await;
    assert_eq!(ok(&second)["data"]["status"], "running");

    let slow = mcp.call_answer("list_agents", json!({})).await;
    assert_eq!(slow.header("x-slow"), Some("yes"));
    assert!(ok(slow.result())["data"].is_array());
    let stubbed = mcp.call("get_my_profile", json!({})).await;
    assert_eq!(ok(&stubbed), &json!({"stubbed": true}));

    let injected = app
        .server
        .requests(&RequestFilter::new().tool("invoke_agent"));
    assert_eq!(injected.len(), 2);
    assert_eq!(injected[0].rule.as_deref(), Some("mcp-faults#1"));
    assert_eq!(injected[1].rule, None);
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn a_fault_breaks_the_http_exchange_of_a_tool_call() {
    let dir = std::env::temp_dir().join(format!("prodgy-mcp-fault-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("mcp-reset.json");
    let rules = json!({"rules": [{"match": {"tool": "list_agents"}, "fault": "reset"}]});
    std::fs::write(&file, rules.to_string()).expect("scenario written");
    let app = TestApp::with(MockServer::builder().scenario(file.display().to_string())).await;
    let mut mcp = Mcp::new(&app);
    mcp.initialize().await;
    let body = json!({"jsonrpc": "2.0", "id": 9, "method": "tools/call",
                      "params": {"name": "list_agents", "arguments": {}}});
    let sent = app
        .client
        .post(app.url("/mcp"))
        .header(
            "Authorization",
            format!("Bearer {}", crate::helpers::ACME_TOKEN),
        )
        .header("Accept", "application/json, text/event-stream")
        .header("Mcp-Session-Id", mcp.session.as_deref().unwrap_or_default())
        .json(&body)
        .send()
        .await;
    assert!(sent.is_err(), "the connection is reset: {sent:?}");
    let profile = mcp.call("get_my_profile", json!({})).await;
    assert_eq!(
        ok(&profile)["data"]["user"]["role"],
        "admin",
        "other tools answer"
    );
    let reset = &app
        .server
        .requests(&RequestFilter::new().tool("list_agents"))[0];
    assert_eq!(
        (reset.status, reset.rule.as_deref()),
        (0, Some("mcp-reset#1"))
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn built_in_scenarios_and_prefer_apply_to_tool_calls() {
    let app = TestApp::spawn().await;
    let mut mcp = Mcp::new(&app).header("X-Mock-Scenario", "server-errors");
    assert_eq!(
        mcp.initialize().await.status,
        200,
        "only tool calls are injected"
    );
    let broken = mcp.call("list_agents", json!({})).await;
    failed(&broken, "Internal Server Error");

    let mut prefer = Mcp::new(&app).header("Prefer", "code=404");
    prefer.initialize().await;
    let answer = prefer.call("list_agents", json!({})).await;
    let message = failed(&answer, "Not Found");
    assert!(message.contains("Prefer: code=404"), "{message}");
}

#[tokio::test]
async fn tool_calls_count_against_the_rate_limits_with_their_rest_twins_class() {
    let app = TestApp::with(MockServer::builder().scenario("ratelimit")).await;
    let mut mcp = Mcp::new(&app);
    assert_eq!(mcp.initialize().await.status, 200);
    for n in 1..=5 {
        let answer = mcp
            .call_answer("invoke_agent", json!({"agent_id": SUPPORT_TRIAGE}))
            .await;
        assert_eq!(answer.status, 200, "call {n}: {}", answer.text);
        assert_eq!(
            answer.header("ratelimit-limit"),
            Some("5"),
            "strict, like workflow.execute"
        );
        assert_eq!(
            answer.header("ratelimit-remaining"),
            Some(&*(5 - n).to_string())
        );
    }
    let refused = mcp
        .call_answer("invoke_agent", json!({"agent_id": SUPPORT_TRIAGE}))
        .await;
    assert_eq!(refused.status, 429, "{}", refused.text);
    assert!(refused.header("retry-after").is_some());
    assert_eq!(refused.error()["code"], -32029);
    assert_eq!(refused.error()["data"]["error"], "Too Many Requests");
    assert_eq!(
        refused.message()["id"],
        7,
        "the refusal answers the call's id"
    );
    let standard = mcp.call_answer("list_agents", json!({})).await;
    assert_eq!(standard.header("ratelimit-limit"), Some("10"));

    app.server.clock().advance(Duration::from_secs(60));
    let again = mcp
        .call_answer("invoke_agent", json!({"agent_id": SUPPORT_TRIAGE}))
        .await;
    assert_eq!(again.status, 200, "a new window on the server clock");
    let limited = app
        .server
        .requests(&RequestFilter::new().tool("invoke_agent").status(429));
    assert_eq!(limited[0].rule.as_deref(), Some("rate-limit"));
}

#[tokio::test]
async fn faithful_mode_limits_tool_calls_too() {
    let app = TestApp::with(MockServer::builder().faithful(true)).await;
    let mut mcp = Mcp::new(&app);
    mcp.initialize().await;
    let answer = mcp.call_answer("get_my_profile", json!({})).await;
    assert_eq!(answer.header("ratelimit-limit"), Some("10"));
}

#[tokio::test]
async fn every_exchange_is_journaled_with_its_tool_or_message() {
    let app = TestApp::spawn().await;
    app.server.expect(Expectation::tool("list_agents", 1));
    app.server.expect(Expectation::route("mcp.initialize", 1));
    let mut mcp = Mcp::new(&app);
    mcp.initialize().await;
    mcp.call("list_agents", json!({})).await;
    let routes: Vec<Option<&str>> = app
        .server
        .received_requests()
        .iter()
        .map(|r| r.route)
        .collect();
    assert_eq!(
        routes,
        [
            Some("mcp.initialize"),
            Some("mcp.notification"),
            Some("mcp.list_agents")
        ]
    );
    let call = &app
        .server
        .requests(&RequestFilter::new().tool("list_agents"))[0];
    assert_eq!((call.method.as_str(), call.path.as_str()), ("POST", "/mcp"));
    assert!(
        call.body
            .as_deref()
            .is_some_and(|b| b.contains("\"list_agents\""))
    );
    let admin: Value = app
        .client
        .get(app.url("/__admin/requests?tool=list_agents"))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(admin["data"].as_array().map(Vec::len), Some(1));
    assert_eq!(admin["data"][0]["route"], "mcp.list_agents");
}

#[tokio::test]
async fn an_unknown_tool_is_a_json_rpc_error_and_bad_arguments_a_tool_error() {
    let app = TestApp::spawn().await;
    let mut mcp = Mcp::new(&app);
    mcp.initialize().await;
    let unknown = mcp.call_answer("launch_rockets", json!({})).await;
    assert_eq!(unknown.error()["code"], -32602);
    let message = unknown.error()["message"].as_str().expect("message");
    assert!(
        message.contains("unknown tool 'launch_rockets'"),
        "{message}"
    );

    let extra = mcp.call("list_agents", json!({"pageSize": 2})).await;
    let message = failed(&extra, "Bad Request");
    assert!(message.contains("unknown argument 'pageSize'"), "{message}");
    assert!(message.contains("page_size"), "{message}");
    let wrong = mcp.call("list_agents", json!({"page": 0})).await;
    let message = failed(&wrong, "Bad Request");
    assert!(message.contains("'page'"), "{message}");
    let missing = mcp.call("search_knowledge", json!({})).await;
    let message = failed(&missing, "Bad Request");
    assert_eq!(message, "missing required field 'query'");
}

#[tokio::test]
async fn a_client_that_does_not_ask_for_a_stream_gets_json() {
    let app = TestApp::spawn().await;
    let mut mcp = Mcp::new(&app).accept("application/json");
    let answer = mcp.initialize().await;
    assert_eq!(answer.header("content-type"), Some("application/json"));
    assert!(answer.header("mcp-session-id").is_some());
    let call = mcp.call_answer("get_my_profile", json!({})).await;
    assert_eq!(call.header("content-type"), Some("application/json"));
    assert_eq!(ok(call.result())["data"]["user"]["role"], "admin");
    let journaled = &app
        .server
        .requests(&RequestFilter::new().tool("get_my_profile"))[0];
    let headers = &journaled.headers;
    assert!(
        headers
            .iter()
            .any(|(n, v)| n == "accept" && v == "application/json")
    );

    let streamed = Mcp::new(&app).initialize().await;
    assert_eq!(streamed.header("content-type"), Some("text/event-stream"));
}

#[tokio::test]
async fn roles_and_scopes_come_from_the_token_records() {
    let fixtures = MockServer::builder().fixtures_dir("tests/fixtures/mcp-roles");
    let app = TestApp::with(fixtures).await;
    let mut reader = Mcp::new(&app).token(Some("prodgy_ReadOnlyScopedToken00000000000001"));
    reader.initialize().await;
    let profile = reader.call("get_my_profile", json!({})).await;
    assert_eq!(ok(&profile)["data"]["user"]["scopes"], json!(["mcp:read"]));
    let refused = reader
        .call("invoke_agent", json!({"agent_id": "a-1"}))
        .await;
    let message = failed(&refused, "Forbidden");
    assert!(
        message.contains("needs the scope 'mcp:execute'"),
        "{message}"
    );
    assert!(message.contains("holds mcp:read"), "{message}");
    let settings = reader.call("get_mcp_settings", json!({})).await;
    assert!(
        failed(&settings, "Forbidden").contains("'mcp:admin'"),
        "an admin, but not scoped"
    );

    let mut superadmin = Mcp::new(&app).token(Some("prodgy_SuperadminToken000000000000000002"));
    superadmin.initialize().await;
    let settings = superadmin.call("get_mcp_settings", json!({})).await;
    assert!(
        ok(&settings)["data"]["instructions"]
            .as_str()
            .is_some_and(|i| i.contains("'Only product'"))
    );
    let catalog = superadmin.call("list_integration_catalog", json!({})).await;
    assert_eq!(
        ok(&catalog)["pagination"]["total"],
        0,
        "no integration_templates.json"
    );

    let mut member = Mcp::new(&app).token(Some("prodgy_MemberTokenWithoutRole00000000003"));
    member.initialize().await;
    let refused = member.call("delete_integration", json!({"id": "x"})).await;
    assert!(
        failed(&refused, "Forbidden").contains("'member'"),
        "the default role"
    );
    let started = member
        .call("invoke_agent", json!({"agent_id": "a-1"}))
        .await;
    assert_eq!(ok(&started)["data"]["status"], "running");
}

#[tokio::test]
async fn swagger_stays_rest_only() {
    let app = TestApp::spawn().await;
    let doc = app.get("/swagger.json").await.body;
    let text = doc.to_string();
    assert!(doc["paths"].get("/mcp").is_none());
    assert!(
        !text.contains("IntegrationTemplate"),
        "no MCP-only component"
    );
}

#[tokio::test]
async fn a_preflight_allows_the_gateways_methods() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/mcp"))
        .header("Origin", "http://localhost:6274")
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "authorization, mcp-session-id",
        )
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 204);
    assert_eq!(response.headers()["allow"], "GET, POST, DELETE");
    let mut mcp = Mcp::new(&app).header("Origin", "http://localhost:6274");
    let answer = mcp.initialize().await;
    let exposed = answer
        .header("access-control-expose-headers")
        .unwrap_or_default();
    assert!(exposed.contains("mcp-session-id"), "{exposed}");
}

#[tokio::test]
async fn an_open_get_stream_does_not_hold_up_shutdown() {
    let app = TestApp::spawn().await;
    let mut mcp = Mcp::new(&app);
    mcp.initialize().await;
    let stream = app
        .client
        .get(app.url("/mcp"))
        .header(
            "Authorization",
            format!("Bearer {}", crate::helpers::ACME_TOKEN),
        )
        .header("Accept", "text/event-stream")
        .header("Mcp-Session-Id", mcp.session.as_deref().unwrap_or_default())
        .send()
        .await
        .expect("stream opened");
    assert_eq!(stream.status(), 200);
    assert_eq!(stream.headers()["content-type"], "text/event-stream");
    drop(mcp);
    let TestApp { server, .. } = app;
    tokio::time::timeout(Duration::from_secs(3), server.shutdown())
        .await
        .expect("the server stops without waiting for the stream's drain timeout");
    drop(stream);
}
