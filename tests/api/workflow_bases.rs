use reqwest::Method;
use serde_json::json;

use crate::helpers::*;
use crate::triggers::TRIAGE;

const TRIAGE_FLOW: &str = "b0c1d2e3-0001-4a5b-9c6d-500000000001";
const DIGEST_FLOW: &str = "b0c1d2e3-0002-4a5b-9c6d-500000000002";
const LEAD_FLOW: &str = "b0c1d2e3-0003-4a5b-9c6d-500000000003";
const ECHO_FLOW: &str = "b0c1d2e3-0004-4a5b-9c6d-500000000004";
const SALES: &str = "a9e1f3b5-0004-4c6d-8e7f-100000000004";

fn flow() -> serde_json::Value {
    json!({
        "name": "Escalation flow",
        "agent_base_id": TRIAGE,
        "nodes": [{"id": "in", "type": "trigger"}, {"id": "out", "type": "output"}],
        "connections": [{"from": "in", "to": "out"}],
        "duration_ms": 1500,
        "x_owner": "ops",
    })
}

#[tokio::test]
async fn workflow_bases_list_the_callers_and_the_shared_ones() {
    let app = TestApp::spawn().await;
    let all = app.get("/api/workflow-base").await;
    assert_eq!(all.status, 200);
    assert_eq!(all.ids(), [TRIAGE_FLOW, DIGEST_FLOW, ECHO_FLOW]);
    let by_agent = app
        .get(&format!("/api/workflow-base?agent_base_id={TRIAGE}"))
        .await;
    assert_eq!(by_agent.ids(), [TRIAGE_FLOW]);
    let paged = app.get("/api/workflow-base?pageSize=1&page=3").await;
    assert_eq!(paged.ids(), [ECHO_FLOW]);
    app.get(&format!("/api/workflow-base?product_id={GLOBEX}"))
        .await
        .assert_error(404, "Not Found");
    app.get(&format!("/api/workflow-base?agent_base_id={SALES}"))
        .await
        .assert_error(404, "Not Found");
    let globex = app
        .call(Method::GET, "/api/workflow-base", Some(GLOBEX_TOKEN), None)
        .await;
    assert_eq!(globex.ids(), [LEAD_FLOW, ECHO_FLOW]);
}

#[tokio::test]
async fn a_created_workflow_base_is_readable_updatable_and_deletable() {
    let app = TestApp::spawn().await;
    let created = app.send(Method::POST, "/api/workflow-base", flow()).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let data = &created.body["data"];
    let id = data["id"].as_str().expect("id").to_owned();
    assert_eq!(data["product_id"], ACME);
    assert_eq!(data["x_owner"], "ops");
    assert_eq!(data["created_at"], T0);
    let path = format!("/api/workflow-base/{id}");
    assert_eq!(app.get(&path).await.body["data"]["name"], "Escalation flow");

    let renamed = app
        .send(
            Method::PUT,
            &path,
            json!({"name": "Renamed", "description": "d"}),
        )
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.text);
    assert_eq!(renamed.body["data"]["name"], "Renamed");
    assert_eq!(renamed.body["data"]["nodes"], flow()["nodes"]);

    let run = app
        .send(
            Method::POST,
            "/api/workflow/execute",
            json!({"workflow_base_id": id}),
        )
        .await;
    let execution = run.body["data"]["execution_id"]
        .as_str()
        .expect("id")
        .to_owned();
    app.server
        .clock()
        .advance(std::time::Duration::from_millis(1500));
    let status = app.get(&format!("/api/workflow/{execution}/status")).await;
    assert_eq!(status.body["data"]["status"], "completed");
    assert_eq!(status.body["data"]["current_node"], "out");

    let removed = app
        .call(Method::DELETE, &path, Some(ACME_TOKEN), None)
        .await;
    assert_eq!(removed.body["data"], json!({"id": id}));
    app.get(&path).await.assert_error(404, "Not Found");
    app.call(Method::DELETE, &path, Some(ACME_TOKEN), None)
        .await
        .assert_error(404, "Not Found");
}

#[tokio::test]
async fn workflow_base_bodies_are_validated() {
    let app = TestApp::spawn().await;
    let post = |body| app.send(Method::POST, "/api/workflow-base", body);
    let no_name = post(json!({"nodes": []})).await;
    assert!(no_name.assert_error(400, "Bad Request").contains("'name'"));
    let nodes = post(json!({"name": "x", "nodes": {"id": "a"}})).await;
    assert!(
        nodes
            .assert_error(400, "Bad Request")
            .contains("'nodes' must be an array")
    );
    let links = post(json!({"name": "x", "connections": "a->b"})).await;
    assert!(
        links
            .assert_error(400, "Bad Request")
            .contains("'connections' must be an array")
    );
    let node_id = post(json!({"name": "x", "nodes": [{"type": "trigger"}]})).await;
    assert!(
        node_id
            .assert_error(400, "Bad Request")
            .contains("nodes[0]")
    );
    let dup = post(json!({"name": "x", "nodes": [{"id": "a"}, {"id": "a"}]})).await;
    assert!(
        dup.assert_error(400, "Bad Request")
            .contains("repeats node id 'a'")
    );
    let dangling = post(
        json!({"name": "x", "nodes": [{"id": "a"}], "connections": [{"from": "a", "to": "b"}]}),
    )
    .await;
    assert!(
        dangling
            .assert_error(400, "Bad Request")
            .contains("connections[0].to")
    );
    let duration = post(json!({"name": "x", "duration_ms": "3s"})).await;
    assert!(
        duration
            .assert_error(400, "Bad Request")
            .contains("'duration_ms'")
    );
    post(json!({"name": "x", "agent_base_id": SALES}))
        .await
        .assert_error(404, "Not Found");

    let path = format!("/api/workflow-base/{TRIAGE_FLOW}");
    let empty = app.send(Method::PUT, &path, json!({"name": ""})).await;
    assert!(empty.assert_error(400, "Bad Request").contains("'name'"));
    let moved = app
        .send(Method::PUT, &path, json!({"product_id": GLOBEX}))
        .await;
    assert!(
        moved
            .assert_error(400, "Bad Request")
            .contains("'product_id' cannot be changed")
    );
    let broken = app
        .send(Method::PUT, &path, json!({"nodes": [{"id": "solo"}]}))
        .await;
    assert!(
        broken
            .assert_error(400, "Bad Request")
            .contains("connections[0]")
    );
    app.send(
        Method::PUT,
        &format!("/api/workflow-base/{LEAD_FLOW}"),
        json!({"name": "y"}),
    )
    .await
    .assert_error(404, "Not Found");
}

#[tokio::test]
async fn collection_level_put_and_delete_name_the_workflow_base_by_query_or_body() {
    let app = TestApp::spawn().await;
    let by_body = app
        .send(
            Method::PUT,
            "/api/workflow-base",
            json!({"id": DIGEST_FLOW, "name": "Digest v2"}),
        )
        .await;
    assert_eq!(
        by_body.body["data"]["name"], "Digest v2",
        "{}",
        by_body.text
    );
    let by_query = app
        .send(
            Method::PUT,
            &format!("/api/workflow-base?id={DIGEST_FLOW}"),
            json!({"description": "q"}),
        )
        .await;
    assert_eq!(by_query.body["data"]["description"], "q");
    let nameless = app
        .send(Method::PUT, "/api/workflow-base", json!({"name": "z"}))
        .await;
    assert!(nameless.assert_error(400, "Bad Request").contains("'id'"));
    let removed = app
        .call(
            Method::DELETE,
            &format!("/api/workflow-base?id={DIGEST_FLOW}"),
            Some(ACME_TOKEN),
            None,
        )
        .await;
    assert_eq!(removed.body["data"]["id"], DIGEST_FLOW);
    let body = app
        .send(
            Method::DELETE,
            "/api/workflow-base",
            json!({"id": TRIAGE_FLOW}),
        )
        .await;
    assert_eq!(body.body["data"]["id"], TRIAGE_FLOW);
    assert_eq!(app.get("/api/workflow-base").await.ids(), [ECHO_FLOW]);
}
