//! Every MCP tool, on the same state as the REST API: what REST changes a tool sees, and what
//! a tool changes REST sees.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{ACME, ACME_TOKEN, GLOBEX_TOKEN, TestApp};
use crate::mcp_client::{Mcp, failed, ok};

const SUPPORT_TRIAGE: &str = "a9e1f3b5-0001-4c6d-8e7f-100000000001";
const RELEASE_NOTES: &str = "c1a0b2c3-0005-4000-8000-000000000005";

/// An initialized client calling as Acme (admin).
async fn acme(app: &TestApp) -> Mcp<'_> {
    let mut mcp = Mcp::new(app);
    assert_eq!(mcp.initialize().await.status, 200);
    mcp
}

/// The `data` of a successful tool call.
async fn data(mcp: &mut Mcp<'_>, tool: &str, args: Value) -> Value {
    let result = mcp.call(tool, args).await;
    ok(&result)["data"].clone()
}

#[tokio::test]
async fn an_agent_installed_through_rest_is_listed_by_list_agents() {
    let app = TestApp::spawn().await;
    let mut mcp = acme(&app).await;
    let before = mcp.call("list_agents", json!({})).await;
    assert_eq!(ok(&before)["pagination"]["total"], 3);
    let installed = app
        .send(
            Method::POST,
            "/api/agent-base/install",
            json!({"agent_id": RELEASE_NOTES}),
        )
        .await;
    assert_eq!(installed.status, 201, "{}", installed.text);
    let id = installed.body["data"]["id"].as_str().expect("id");
    let after = mcp.call("list_agents", json!({"page_size": 10})).await;
    let listed = ok(&after);
    assert_eq!(listed["pagination"]["total"], 4);
    assert_eq!(
        listed["data"][3], installed.body["data"],
        "the record REST answered"
    );
    assert!(listed["data"][3]["id"] == id);
    let inactive = data(&mut mcp, "list_agents", json!({"is_active": false})).await;
    assert_eq!(inactive.as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn invoke_agent_starts_an_execution_rest_polling_and_sse_follow() {
    let app = TestApp::spawn().await;
    let mut mcp = acme(&app).await;
    let started = mcp
        .call(
            "invoke_agent",
            json!({"agent_id": SUPPORT_TRIAGE, "input": {"ticket": "T-1"}}),
        )
        .await;
    let started = ok(&started);
    assert!(
        started["message"]
            .as_str()
            .is_some_and(|m| m.contains("/status"))
    );
    assert_eq!(started["data"]["status"], "running");
    assert_eq!(started["data"]["agent_base_id"], SUPPORT_TRIAGE);
    let id = started["data"]["execution_id"]
        .as_str()
        .expect("id")
        .to_owned();

    let status = app.get(&format!("/api/workflow/{id}/status")).await;
    assert_eq!(status.body["data"]["status"], "running", "{}", status.text);
    app.server.clock().advance(Duration::from_secs(3600));
    let status = app.get(&format!("/api/workflow/{id}/status")).await;
    assert_eq!(status.body["data"]["status"], "completed");
    assert_eq!(status.body["data"]["output"]["ticket"], "T-1");

    let events = app
        .client
        .get(app.url(&format!("/api/workflow/{id}/events")))
        .header("X-API-Token", ACME_TOKEN)
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("events");
    assert!(events.contains("event: done"), "{events}");
    let listed = app
        .get(&format!(
            "/api/agent-base/{SUPPORT_TRIAGE}/executions?status=completed"
        ))
        .await;
    assert!(listed.ids().contains(&id.as_str()));

    let inactive = mcp
        .call(
            "invoke_agent",
            json!({"agent_id": "a9e1f3b5-0003-4c6d-8e7f-100000000003"}),
        )
        .await;
    let message = failed(&inactive, "Bad Request");
    assert!(message.contains("is inactive"), "the REST rule: {message}");
    let globex = mcp
        .call(
            "invoke_agent",
            json!({"agent_id": "a9e1f3b5-0004-4c6d-8e7f-100000000004"}),
        )
        .await;
    failed(&globex, "Not Found");
}

#[tokio::test]
async fn install_integration_shows_up_in_the_rest_list_with_credentials_masked() {
    let app = TestApp::spawn().await;
    let mut mcp = acme(&app).await;
    let missing = mcp
        .call(
            "install_integration",
            json!({"template_id": "azure_devops", "credentials": {},
                   "settings": {"project_url": "https://dev.azure.com/acme/x", "project_name": "x"}}),
        )
        .await;
    let message = failed(&missing, "Bad Request");
    assert!(
        message.starts_with("missing required field 'credentials.personalAccessToken'"),
        "{message}"
    );
    let installed = mcp
        .call(
            "install_integration",
            json!({"type": "azure_devops", "title": "Azure DevOps — Backend",
                   "credentials": {"personalAccessToken": "xyz123"},
                   "settings": {"project_url": "https://dev.azure.com/acme/backend", "project_name": "backend"}}),
        )
        .await;
    let integration = ok(&installed)["data"].clone();
    assert_eq!(integration["scope"], "local");
    assert_eq!(integration["product_id"], ACME);
    assert_eq!(
        integration["credentials"]["personalAccessToken"],
        "********"
    );
    assert_eq!(integration["is_active"], true);
    let id = integration["id"].as_str().expect("id");

    let rest = app
        .get(&format!(
            "/api/integrations-base?product_id={ACME}&pageSize=100"
        ))
        .await;
    assert!(rest.ids().contains(&id), "{}", rest.text);
    let active = app
        .get(&format!("/api/integrations-base/product/{ACME}/active"))
        .await;
    assert!(active.ids().contains(&id));

    let global = mcp
        .call(
            "install_integration",
            json!({"template_id": "hubspot", "scope": "global", "credentials": {"accessToken": "h"}}),
        )
        .await;
    assert_eq!(ok(&global)["data"]["scope"], "global");
}

#[tokio::test]
async fn search_knowledge_answers_what_rest_search_answers() {
    let app = TestApp::spawn().await;
    let mut mcp = acme(&app).await;
    let rest = app
        .send(
            Method::POST,
            "/api/knowledge-base/search",
            json!({"query": "refunds", "limit": 3, "filters": {"tags": ["billing"]}}),
        )
        .await;
    let tool = mcp
        .call(
            "search_knowledge",
            json!({"query": "refunds", "limit": 3, "tags": ["billing"]}),
        )
        .await;
    assert_eq!(ok(&tool), &rest.body);
    assert!(!rest.ids().is_empty() || rest.body["data"].as_array().is_some_and(|d| !d.is_empty()));
    let blank = mcp.call("search_knowledge", json!({"query": "  "})).await;
    failed(&blank, "Bad Request");
}

#[tokio::test]
async fn the_catalog_tools_read_and_manage_integration_templates() {
    let app = TestApp::spawn().await;
    let mut mcp = acme(&app).await;
    let catalog = mcp.call("list_integration_catalog", json!({})).await;
    assert_eq!(ok(&catalog)["pagination"]["total"], 7);
    let devops = data(
        &mut mcp,
        "list_integration_catalog",
        json!({"category": "devops"}),
    )
    .await;
    assert_eq!(devops.as_array().map(Vec::len), Some(3));

    let template = data(&mut mcp, "get_integration", json!({"id": "azure_devops"})).await;
    assert_eq!(
        template["credential_fields"],
        json!(["personalAccessToken"])
    );
    assert_eq!(
        template["settings_fields"],
        json!(["project_url", "project_name"])
    );
    let by_id = data(&mut mcp, "get_integration", json!({"id": template["id"]})).await;
    assert_eq!(by_id, template);
    let installed = "e5f6a7b8-0003-4c2d-9e3f-200000000003";
    let instance = data(&mut mcp, "get_integration", json!({"id": installed})).await;
    assert_eq!(instance["credentials"]["personalAccessToken"], "********");
    let nothing = mcp.call("get_integration", json!({"id": "nope"})).await;
    failed(&nothing, "Not Found");

    let created = mcp
        .call(
            "create_integration",
            json!({"name": "Linear", "type": "linear", "category": "devops",
                   "credential_fields": ["apiKey"], "tools": ["create_work_item"]}),
        )
        .await;
    let linear = ok(&created)["data"].clone();
    assert_eq!(linear["type"], "linear");
    let taken = mcp
        .call(
            "create_integration",
            json!({"name": "Linear again", "type": "linear"}),
        )
        .await;
    assert!(failed(&taken, "Bad Request").contains("already exists"));
    let bad_type = mcp
        .call(
            "create_integration",
            json!({"name": "X", "type": "Not A Slug"}),
        )
        .await;
    assert!(failed(&bad_type, "Bad Request").contains("'type'"));
    let updated = mcp
        .call(
            "update_integration",
            json!({"id": "linear", "description": "Issues in Linear"}),
        )
        .await;
    assert_eq!(ok(&updated)["data"]["description"], "Issues in Linear");
    let installed = mcp
        .call(
            "install_integration",
            json!({"template_id": "linear", "credentials": {"apiKey": "k"}}),
        )
        .await;
    let instance = ok(&installed)["data"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let deleted = mcp
        .call("delete_integration", json!({"id": linear["id"]}))
        .await;
    assert_eq!(ok(&deleted)["data"]["id"], linear["id"]);
    let gone = mcp.call("get_integration", json!({"id": "linear"})).await;
    failed(&gone, "Not Found");
    let rest = app.get(&format!("/api/integrations-base/{instance}")).await;
    assert_eq!(
        rest.status, 200,
        "installations stay when their template goes"
    );
}

#[tokio::test]
async fn admin_tools_are_refused_to_a_member_token() {
    let app = TestApp::spawn().await;
    let mut member = Mcp::new(&app).token(Some(GLOBEX_TOKEN));
    member.initialize().await;
    for (tool, args) in [
        (
            "create_integration",
            json!({"name": "Linear", "type": "linear"}),
        ),
        (
            "update_integration",
            json!({"id": "slack", "name": "Slack!"}),
        ),
        ("delete_integration", json!({"id": "slack"})),
        ("get_mcp_settings", json!({})),
        ("update_mcp_settings", json!({"instructions": "x"})),
    ] {
        let refused = member.call(tool, args).await;
        let message = failed(&refused, "Forbidden");
        assert!(
            message.contains("needs the admin or superadmin role"),
            "{tool}: {message}"
        );
        assert!(message.contains("'member'"), "{message}");
    }
    let catalog = member.call("list_integration_catalog", json!({})).await;
    assert_eq!(
        ok(&catalog)["pagination"]["total"],
        7,
        "nothing was changed"
    );
    let profile = data(&mut member, "get_my_profile", json!({})).await;
    assert_eq!(profile["user"]["role"], "member");
}

#[tokio::test]
async fn the_profile_tools_read_and_keep_the_callers_preferences() {
    let app = TestApp::spawn().await;
    let mut mcp = acme(&app).await;
    let profile = data(&mut mcp, "get_my_profile", json!({})).await;
    assert_eq!(
        profile["user"]["token_id"],
        "7d0c5e6f-1111-4a2b-9c3d-000000000001"
    );
    assert_eq!(profile["user"]["token_prefix"], "prodgy_A");
    assert_eq!(profile["user"]["role"], "admin");
    assert_eq!(
        profile["user"]["scopes"],
        json!(["mcp:read", "mcp:write", "mcp:execute", "mcp:admin"])
    );
    assert_eq!(
        profile["organization"]["id"],
        "6480d1ad-5535-40e1-95b0-05774d3dc4b0"
    );
    assert_eq!(profile["workspace"]["name"], "Acme Support");
    assert_eq!(
        profile["ai_preferences"],
        json!({"directive": "", "confirm_destructive_actions": true})
    );
    let nothing = mcp.call("update_my_ai_preferences", json!({})).await;
    assert!(failed(&nothing, "Bad Request").contains("nothing to change"));
    let set = data(
        &mut mcp,
        "update_my_ai_preferences",
        json!({"directive": "Answer in **English**.", "confirm_destructive_actions": false}),
    )
    .await;
    assert_eq!(set["directive"], "Answer in **English**.");
    let profile = data(&mut mcp, "get_my_profile", json!({})).await;
    assert_eq!(profile["ai_preferences"], set);
    let token = app
        .get("/api/api-tokens/7d0c5e6f-1111-4a2b-9c3d-000000000001")
        .await;
    assert_eq!(
        token.body["data"]["ai_preferences"], set,
        "kept on the token record"
    );
}

#[tokio::test]
async fn the_workspace_tools_show_its_context_and_active_integrations() {
    let app = TestApp::spawn().await;
    let mut mcp = acme(&app).await;
    let info = data(&mut mcp, "get_workspace_info", json!({})).await;
    assert_eq!(info["name"], "Acme Support");
    assert!(info["vision"].as_str().is_some_and(|v| !v.is_empty()));
    assert_eq!(info["okrs"][0]["objective"], "Faster first replies");
    let rest = app
        .get(&format!("/api/integrations-base/product/{ACME}/active"))
        .await;
    assert_eq!(info["active_integrations"], rest.body["data"]);
    let active = mcp.call("get_active_integrations", json!({})).await;
    assert_eq!(ok(&active), &rest.body);
    let installed = mcp
        .call("list_installed_integrations", json!({"scope": "global"}))
        .await;
    let rest = app.get("/api/integrations-base?scope=global").await;
    assert_eq!(ok(&installed), &rest.body);
}

#[tokio::test]
async fn the_settings_tools_change_what_a_new_session_is_told() {
    let app = TestApp::spawn().await;
    let mut mcp = acme(&app).await;
    let settings = data(&mut mcp, "get_mcp_settings", json!({})).await;
    assert!(
        settings["instructions"]
            .as_str()
            .is_some_and(|i| i.contains("Acme Support"))
    );
    assert_eq!(
        settings["rules"],
        json!(["Never paste customer data into public channels."])
    );
    let changed = data(
        &mut mcp,
        "update_mcp_settings",
        json!({"instructions": "Be brief.", "rules": ["No secrets in chat."]}),
    )
    .await;
    assert_eq!(changed["instructions"], "Be brief.");
    let fresh = Mcp::new(&app).initialize().await;
    assert_eq!(fresh.result()["instructions"], "Be brief.");
    let other = Mcp::new(&app).namespace("untouched").initialize().await;
    assert_ne!(other.result()["instructions"], "Be brief.");
}
