use std::time::Duration;

use reqwest::Method;
use serde_json::json;

use crate::helpers::*;

pub const TRIAGE: &str = "a9e1f3b5-0001-4c6d-8e7f-100000000001";
pub const TRIAGE_NOW: &str = "f1a2b3c4-0001-4d5e-8f60-400000000001";
const HELPDESK_WEBHOOK: &str = "f1a2b3c4-0002-4d5e-8f60-400000000002";
const PAUSED_MANUAL: &str = "f1a2b3c4-0005-4d5e-8f60-400000000005";
const REVIEW_NOW: &str = "f1a2b3c4-0009-4d5e-8f60-400000000009";
const QUALIFY_LEAD: &str = "f1a2b3c4-0007-4d5e-8f60-400000000007";

async fn execute(app: &TestApp, body: serde_json::Value) -> Resp {
    app.send(Method::POST, "/api/agent-base/triggers", body)
        .await
}

#[tokio::test]
async fn listing_triggers_shows_only_the_callers_product() {
    let app = TestApp::spawn().await;
    let acme = app.get("/api/agent-base/triggers?type=all").await;
    assert_eq!(acme.status, 200, "{}", acme.text);
    assert_eq!(acme.ids().len(), 7);
    assert!(!acme.ids().contains(&QUALIFY_LEAD));
    assert_eq!(acme.body["pagination"]["total"], 7);
    let globex = app
        .call(
            Method::GET,
            "/api/agent-base/triggers?type=all",
            Some(GLOBEX_TOKEN),
            None,
        )
        .await;
    assert_eq!(globex.ids().len(), 2);
    assert!(globex.ids().contains(&QUALIFY_LEAD));
}

#[tokio::test]
async fn the_trigger_list_shows_manual_triggers_unless_a_type_is_asked_for() {
    let app = TestApp::spawn().await;
    let manual = [
        TRIAGE_NOW,
        "f1a2b3c4-0003-4d5e-8f60-400000000003",
        PAUSED_MANUAL,
        REVIEW_NOW,
    ];
    let listed = app.get("/api/agent-base/triggers").await;
    assert_eq!(listed.ids(), manual, "as documented: list manual triggers");
    assert_eq!(listed.body["pagination"]["total"], 4);
    assert_eq!(
        app.get("/api/agent-base/triggers?type=manual").await.ids(),
        manual
    );
    assert_eq!(
        app.get("/api/agent-base/triggers?type=webhook").await.ids(),
        [HELPDESK_WEBHOOK, "f1a2b3c4-0008-4d5e-8f60-400000000008"]
    );
    assert_eq!(
        app.get("/api/agent-base/triggers?type=schedule")
            .await
            .ids(),
        ["f1a2b3c4-0004-4d5e-8f60-400000000004"]
    );
    assert_eq!(
        app.get("/api/agent-base/triggers?type=").await.ids(),
        manual,
        "an empty type is no type"
    );
    let globex = app
        .call(
            Method::GET,
            "/api/agent-base/triggers",
            Some(GLOBEX_TOKEN),
            None,
        )
        .await;
    assert_eq!(globex.ids(), [QUALIFY_LEAD]);
}

#[tokio::test]
async fn trigger_lists_filter_by_agent_type_activity_and_page() {
    let app = TestApp::spawn().await;
    let triage = app
        .get(&format!(
            "/api/agent-base/triggers?agent_base_id={TRIAGE}&is_active=false"
        ))
        .await;
    assert_eq!(triage.ids(), [PAUSED_MANUAL]);
    let every_type = app
        .get(&format!(
            "/api/agent-base/triggers?agent_base_id={TRIAGE}&is_active=false&type=all"
        ))
        .await;
    assert_eq!(
        every_type.ids(),
        [PAUSED_MANUAL, "f1a2b3c4-0008-4d5e-8f60-400000000008"]
    );
    let own = app
        .get(&format!(
            "/api/agent-base/triggers?product_id={ACME}&type=all&pageSize=2&page=2"
        ))
        .await;
    assert_eq!(own.ids().len(), 2);
    assert_eq!(
        own.body["pagination"],
        json!({"page": 2, "pageSize": 2, "total": 7, "totalPages": 4})
    );
    let bad_type = app.get("/api/agent-base/triggers?type=cron").await;
    assert!(bad_type.assert_error(400, "Bad Request").contains("'type'"));
    let bad_bool = app.get("/api/agent-base/triggers?is_active=yes").await;
    assert!(
        bad_bool
            .assert_error(400, "Bad Request")
            .contains("'is_active'")
    );
    app.get(&format!("/api/agent-base/triggers?product_id={GLOBEX}"))
        .await
        .assert_error(404, "Not Found");
    app.get("/api/agent-base/triggers?agent_base_id=a9e1f3b5-0004-4c6d-8e7f-100000000004")
        .await
        .assert_error(404, "Not Found");
}

#[tokio::test]
async fn trigger_details_are_readable_only_by_their_product() {
    let app = TestApp::spawn().await;
    let got = app
        .get(&format!("/api/agent-base/triggers/{HELPDESK_WEBHOOK}"))
        .await;
    assert_eq!(got.status, 200);
    assert_eq!(got.body["data"]["custom_path"], "helpdesk-tickets");
    assert_eq!(got.body["data"]["type"], "webhook");
    let theirs = app
        .get(&format!("/api/agent-base/triggers/{QUALIFY_LEAD}"))
        .await;
    assert!(theirs.assert_error(404, "Not Found").contains(QUALIFY_LEAD));
    let unknown = app.get("/api/agent-base/triggers/nope").await;
    assert_eq!(
        unknown.assert_error(404, "Not Found"),
        "trigger 'nope' not found"
    );
    app.call(Method::GET, "/api/agent-base/triggers", None, None)
        .await
        .assert_error(401, "Unauthorized");
}

#[tokio::test]
async fn executing_a_trigger_refuses_every_documented_error() {
    let app = TestApp::spawn().await;
    let missing = execute(&app, json!({"input": {}})).await;
    assert!(
        missing
            .assert_error(400, "Bad Request")
            .contains("'trigger_id'")
    );
    let no_body = app
        .call(
            Method::POST,
            "/api/agent-base/triggers",
            Some(ACME_TOKEN),
            None,
        )
        .await;
    no_body.assert_error(400, "Bad Request");
    let bad_input = execute(&app, json!({"trigger_id": TRIAGE_NOW, "input": [1]})).await;
    assert!(
        bad_input
            .assert_error(400, "Bad Request")
            .contains("'input'")
    );
    let unknown = execute(&app, json!({"trigger_id": "nope"})).await;
    assert_eq!(
        unknown.assert_error(404, "Not Found"),
        "trigger 'nope' not found"
    );
    execute(&app, json!({"trigger_id": QUALIFY_LEAD}))
        .await
        .assert_error(404, "Not Found");
    let webhook = execute(&app, json!({"trigger_id": HELPDESK_WEBHOOK})).await;
    assert!(
        webhook
            .assert_error(400, "Bad Request")
            .contains("webhook trigger")
    );
    let inactive = execute(&app, json!({"trigger_id": PAUSED_MANUAL})).await;
    assert!(
        inactive
            .assert_error(400, "Bad Request")
            .contains("inactive")
    );
    let agent_off = execute(&app, json!({"trigger_id": REVIEW_NOW})).await;
    assert!(
        agent_off
            .assert_error(400, "Bad Request")
            .contains("agent 'a9e1f3b5-0003")
    );
}

#[tokio::test]
async fn a_manual_trigger_starts_an_execution_that_completes_on_the_clock() {
    let app = TestApp::spawn().await;
    let input = json!({"ticket": "Printer on fire"});
    let started = execute(&app, json!({"trigger_id": TRIAGE_NOW, "input": input})).await;
    assert_eq!(started.status, 200, "{}", started.text);
    let data = &started.body["data"];
    assert_eq!(data["status"], "running");
    assert_eq!(data["agent_base_id"], TRIAGE);
    assert_eq!(data["trigger_id"], TRIAGE_NOW);
    assert_eq!(
        data["workflow_base_id"],
        "b0c1d2e3-0001-4a5b-9c6d-500000000001"
    );
    let id = data["execution_id"]
        .as_str()
        .expect("execution id")
        .to_owned();

    let executions = format!("/api/agent-base/{TRIAGE}/executions");
    let running = app.get(&format!("{executions}?status=running")).await;
    assert_eq!(running.ids(), [id.as_str()]);
    let record = &running.body["data"][0];
    assert_eq!(record["input"], input);
    assert_eq!(record["trigger_type"], "manual");
    assert_eq!(record["started_at"], T0);
    assert_eq!(record["current_node"], "start");

    let status = app.get(&format!("/api/workflow/{id}/status")).await;
    assert_eq!(status.body["data"]["status"], "running");
    assert_eq!(status.body["data"]["current_node"], "start");

    // The triage flow takes 3 s of running time (its workflow base's duration_ms).
    app.server.clock().advance(Duration::from_millis(2999));
    let almost = app.get(&format!("/api/workflow/{id}/status")).await;
    assert_eq!(almost.body["data"]["status"], "running");
    assert_eq!(almost.body["data"]["current_node"], "route");
    app.server.clock().advance(Duration::from_millis(1));

    let completed = app.get(&format!("{executions}?status=completed")).await;
    assert!(completed.ids().contains(&id.as_str()));
    let record = completed.body["data"]
        .as_array()
        .and_then(|a| a.iter().find(|r| r["id"] == id.as_str()))
        .expect("listed")
        .clone();
    assert_eq!(record["finished_at"], "2026-03-05T14:30:03Z");
    assert_eq!(record["duration_ms"], 3000);
    assert_eq!(record["output"]["triaged_by"], "Support Triage");
    assert_eq!(record["output"]["triaged_at"], "2026-03-05T14:30:03Z");
    assert!(
        app.get(&format!("{executions}?status=running"))
            .await
            .ids()
            .is_empty()
    );

    let status = app.get(&format!("/api/workflow/{id}/status")).await;
    assert_eq!(status.body["data"]["status"], "completed");
    assert_eq!(status.body["data"]["output"], record["output"]);
    assert_eq!(status.body["data"]["progress"], 100);
}
