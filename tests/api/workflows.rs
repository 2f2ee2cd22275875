use std::time::Duration;

use prodgy_mock::MockServer;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::sse::{Sse, story};
use crate::triggers::{TRIAGE, TRIAGE_NOW};

const TRIAGE_FLOW: &str = "b0c1d2e3-0001-4a5b-9c6d-500000000001";
const DIGEST_AGENT: &str = "a9e1f3b5-0002-4c6d-8e7f-100000000002";
const LEAD_FLOW: &str = "b0c1d2e3-0003-4a5b-9c6d-500000000003";
const ECHO_FLOW: &str = "b0c1d2e3-0004-4a5b-9c6d-500000000004";
const PAST_COMPLETED: &str = "e0c1d2e3-0001-4f5a-8b6c-300000000001";
const GLOBEX_PAST: &str = "e0c1d2e3-0005-4f5a-8b6c-300000000005";

/// Starts the triage flow (3 s, nodes start → classify → route); returns the execution id.
async fn run(app: &TestApp, body: Value) -> String {
    let resp = app.send(Method::POST, "/api/workflow/execute", body).await;
    assert_eq!(resp.status, 200, "{}", resp.text);
    assert_eq!(resp.body["data"]["status"], "running");
    resp.body["data"]["execution_id"]
        .as_str()
        .expect("execution id")
        .to_owned()
}

async fn status(app: &TestApp, id: &str) -> Value {
    let resp = app.get(&format!("/api/workflow/{id}/status")).await;
    assert_eq!(resp.status, 200, "{}", resp.text);
    resp.body["data"].clone()
}

async fn action(app: &TestApp, id: &str, verb: &str) -> Resp {
    let path = format!("/api/workflow/{id}/{verb}");
    app.call(Method::POST, &path, Some(ACME_TOKEN), None).await
}

fn advance(app: &TestApp, ms: u64) {
    app.server.clock().advance(Duration::from_millis(ms));
}

async fn events(app: &TestApp, id: &str, last_event_id: Option<&str>) -> reqwest::Response {
    let mut request = app
        .client
        .get(app.url(&format!("/api/workflow/{id}/events")))
        .header("X-API-Token", ACME_TOKEN);
    if let Some(last) = last_event_id {
        request = request.header("Last-Event-ID", last);
    }
    request.send().await.expect("events request")
}

#[tokio::test]
async fn executing_needs_a_workflow_or_agent_that_the_caller_can_see() {
    let app = TestApp::spawn().await;
    let path = "/api/workflow/execute";
    let neither = app.send(Method::POST, path, json!({"input": {}})).await;
    assert!(
        neither
            .assert_error(400, "Bad Request")
            .contains("'workflow_base_id'")
    );
    let unknown = app
        .send(Method::POST, path, json!({"workflow_base_id": "nope"}))
        .await;
    assert_eq!(
        unknown.assert_error(404, "Not Found"),
        "workflow base 'nope' not found"
    );
    let theirs = app
        .send(Method::POST, path, json!({"workflow_base_id": LEAD_FLOW}))
        .await;
    theirs.assert_error(404, "Not Found");
    let agent = app
        .send(Method::POST, path, json!({"agent_base_id": "nope"}))
        .await;
    assert_eq!(
        agent.assert_error(404, "Not Found"),
        "agent 'nope' not found"
    );
    let body = json!({"workflow_base_id": TRIAGE_FLOW, "agent_base_id": DIGEST_AGENT});
    let mismatch = app.send(Method::POST, path, body).await;
    assert!(
        mismatch
            .assert_error(400, "Bad Request")
            .contains("belongs to agent")
    );
    let bad_input = app
        .send(
            Method::POST,
            path,
            json!({"agent_base_id": TRIAGE, "input": "x"}),
        )
        .await;
    assert!(
        bad_input
            .assert_error(400, "Bad Request")
            .contains("'input'")
    );
}

#[tokio::test]
async fn an_agent_runs_its_workflow_and_a_workflow_without_duration_takes_the_default() {
    let app = TestApp::spawn().await;
    let id = run(&app, json!({"agent_base_id": DIGEST_AGENT})).await;
    let first = status(&app, &id).await;
    assert_eq!(
        first["workflow_base_id"],
        "b0c1d2e3-0002-4a5b-9c6d-500000000002"
    );
    assert_eq!(first["current_node"], "start");
    advance(&app, 4999);
    assert_eq!(status(&app, &id).await["status"], "running");
    advance(&app, 1);
    let done = status(&app, &id).await;
    assert_eq!(done["status"], "completed");
    assert_eq!(done["current_node"], "post");
    assert_eq!(done["finished_at"], "2026-03-05T14:30:05Z");
}

#[tokio::test]
async fn a_shared_workflow_without_an_agent_runs_for_the_caller() {
    let app = TestApp::spawn().await;
    let id = run(
        &app,
        json!({"workflow_base_id": ECHO_FLOW, "input": {"x": 1}}),
    )
    .await;
    assert_eq!(status(&app, &id).await["agent_base_id"], Value::Null);
    advance(&app, 2000);
    assert_eq!(status(&app, &id).await["status"], "completed");
    let globex = app
        .call(
            Method::GET,
            &format!("/api/workflow/{id}/status"),
            Some(GLOBEX_TOKEN),
            None,
        )
        .await;
    globex.assert_error(404, "Not Found");
}

#[tokio::test]
async fn status_of_past_and_foreign_executions() {
    let app = TestApp::spawn().await;
    let past = status(&app, PAST_COMPLETED).await;
    assert_eq!(past["status"], "completed");
    assert_eq!(past["output"]["queue"], "technical");
    assert_eq!(past["output"]["ticket"], "Cannot reset my password");
    assert_eq!(past["output"]["triaged_at"], past["finished_at"]);
    assert_eq!(past["current_node"], "route");
    let stopped = status(&app, "e0c1d2e3-0003-4f5a-8b6c-300000000003").await;
    assert_eq!(stopped["status"], "stopped");
    let failed = status(&app, "e0c1d2e3-0002-4f5a-8b6c-300000000002").await;
    assert_eq!(failed["error"], "input 'ticket' is empty");
    app.get(&format!("/api/workflow/{GLOBEX_PAST}/status"))
        .await
        .assert_error(404, "Not Found");
    let unknown = app.get("/api/workflow/nope/status").await;
    assert_eq!(
        unknown.assert_error(404, "Not Found"),
        "execution 'nope' not found"
    );
    app.call(Method::GET, "/api/workflow/nope/status", None, None)
        .await
        .assert_error(401, "Unauthorized");
}

#[tokio::test]
async fn pause_continue_and_stop_follow_the_state_machine() {
    let app = TestApp::spawn().await;
    let id = run(&app, json!({"workflow_base_id": TRIAGE_FLOW})).await;
    let cont = action(&app, &id, "continue").await;
    assert!(
        cont.assert_error(400, "Bad Request")
            .contains("its status is 'running'")
    );
    advance(&app, 1000);
    let paused = action(&app, &id, "pause").await;
    assert_eq!(paused.status, 200, "{}", paused.text);
    assert_eq!(paused.message(), "Execution paused");
    assert_eq!(paused.body["data"]["status"], "paused");
    let again = action(&app, &id, "pause").await;
    assert!(
        again
            .assert_error(400, "Bad Request")
            .contains("its status is 'paused'")
    );

    // Paused time does not count: 10 s later it is still paused and still on "classify".
    advance(&app, 10_000);
    let held = status(&app, &id).await;
    assert_eq!(
        (&held["status"], &held["current_node"]),
        (&json!("paused"), &json!("classify"))
    );
    let resumed = action(&app, &id, "continue").await;
    assert_eq!(resumed.body["data"]["status"], "running");
    advance(&app, 1999);
    assert_eq!(status(&app, &id).await["status"], "running");
    advance(&app, 1);
    let done = status(&app, &id).await;
    assert_eq!(done["status"], "completed");
    assert_eq!(done["finished_at"], "2026-03-05T14:30:13Z");
    let late = action(&app, &id, "stop").await;
    assert!(
        late.assert_error(400, "Bad Request")
            .contains("its status is 'completed'")
    );
}

#[tokio::test]
async fn a_stopped_execution_stays_stopped() {
    let app = TestApp::spawn().await;
    let id = run(&app, json!({"workflow_base_id": TRIAGE_FLOW})).await;
    action(&app, &id, "pause").await;
    let stopped = action(&app, &id, "stop").await;
    assert_eq!(stopped.body["data"]["status"], "stopped");
    assert_eq!(stopped.message(), "Execution stopped");
    advance(&app, 60_000);
    assert_eq!(status(&app, &id).await["status"], "stopped");
    let cont = action(&app, &id, "continue").await;
    assert!(
        cont.assert_error(400, "Bad Request")
            .contains("its status is 'stopped'")
    );
    let past = action(&app, PAST_COMPLETED, "pause").await;
    assert!(
        past.assert_error(400, "Bad Request")
            .contains("'completed'")
    );
    action(&app, "nope", "stop")
        .await
        .assert_error(404, "Not Found");
    let listed = app
        .get(&format!(
            "/api/agent-base/{TRIAGE}/executions?status=stopped"
        ))
        .await;
    assert!(listed.ids().contains(&id.as_str()));
}

#[tokio::test]
async fn an_input_can_make_a_run_fail_deterministically() {
    let app = TestApp::spawn().await;
    let body = json!({"workflow_base_id": TRIAGE_FLOW, "input": {"simulate_failure": "no queue"}});
    let named = run(&app, body).await;
    let body = json!({"workflow_base_id": TRIAGE_FLOW, "input": {"simulate_failure": true}});
    let faked = run(&app, body).await;
    advance(&app, 3000);
    let failed = status(&app, &named).await;
    assert_eq!(
        (&failed["status"], &failed["error"]),
        (&json!("failed"), &json!("no queue"))
    );
    assert_eq!(failed["output"], Value::Null);
    let fake = status(&app, &faked).await;
    assert!(
        fake["error"]
            .as_str()
            .expect("error")
            .starts_with("node 'route' failed: ")
    );
}

#[tokio::test]
async fn the_event_stream_follows_the_clock_and_closes_after_done() {
    let app = TestApp::spawn().await;
    let started = app
        .send(
            Method::POST,
            "/api/agent-base/triggers",
            json!({"trigger_id": TRIAGE_NOW}),
        )
        .await;
    let id = started.body["data"]["execution_id"]
        .as_str()
        .expect("id")
        .to_owned();
    let response = events(&app, &id, None).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let mut sse = Sse::new(response);
    let opening = sse.take(3).await;
    assert_eq!(
        opening[0].raw,
        format!(
            "id: 1\nevent: status\ndata: {{\"execution_id\":\"{id}\",\"status\":\"pending\",\"at\":\"{T0}\"}}\n\n"
        )
    );
    assert_eq!(
        story(&opening[1..]),
        [
            ("status".into(), "running".into()),
            ("node".into(), "start".into())
        ]
    );

    advance(&app, 1000);
    let classify = sse.next().await.expect("node event");
    assert_eq!((classify.id, classify.event.as_str()), (4, "node"));
    assert_eq!(classify.data["node"], "classify");
    assert_eq!(classify.data["at"], "2026-03-05T14:30:01Z");
    assert_eq!(status(&app, &id).await["current_node"], "classify");

    advance(&app, 2000);
    let rest = sse.rest().await;
    assert_eq!(
        story(&rest),
        [
            ("node".into(), "route".into()),
            ("status".into(), "completed".into()),
            ("done".into(), "completed".into())
        ]
    );
    let done = &rest[2].data;
    let polled = status(&app, &id).await;
    assert_eq!(done["output"], polled["output"]);
    assert_eq!(done["finished_at"], polled["finished_at"]);
    assert_eq!(rest.iter().map(|e| e.id).collect::<Vec<_>>(), [5, 6, 7]);
}

#[tokio::test]
async fn reconnecting_with_last_event_id_sends_only_missed_events() {
    let app = TestApp::spawn().await;
    let id = run(&app, json!({"workflow_base_id": TRIAGE_FLOW})).await;
    advance(&app, 1500);
    action(&app, &id, "pause").await;
    let mut first = Sse::new(events(&app, &id, None).await);
    let seen = first.take(5).await;
    assert_eq!(
        story(&seen[3..]),
        [
            ("node".into(), "classify".into()),
            ("status".into(), "paused".into())
        ]
    );
    drop(first);

    action(&app, &id, "continue").await;
    advance(&app, 5000);
    let mut resumed = Sse::new(events(&app, &id, Some("5")).await);
    let missed = resumed.rest().await;
    assert_eq!(missed.first().map(|e| e.id), Some(6));
    assert_eq!(
        story(&missed),
        [
            ("status".into(), "running".into()),
            ("node".into(), "route".into()),
            ("status".into(), "completed".into()),
            ("done".into(), "completed".into())
        ]
    );
    let finished = events(&app, &id, Some("9")).await;
    assert_eq!(
        finished.status().as_u16(),
        204,
        "a reconnect after the last event of a finished run is told to stop"
    );
    assert!(finished.bytes().await.expect("body").is_empty());
    let replay = Sse::new(events(&app, &id, None).await).rest().await;
    assert_eq!(
        replay.len(),
        9,
        "without Last-Event-ID the whole story is replayed"
    );
}

#[tokio::test]
async fn past_executions_stream_their_story_and_errors_stay_json() {
    let app = TestApp::spawn().await;
    let mut past = Sse::new(events(&app, "e0c1d2e3-0002-4f5a-8b6c-300000000002", None).await);
    let all = past.rest().await;
    let last = all.last().expect("events");
    assert_eq!(
        (last.event.as_str(), &last.data["status"]),
        ("done", &json!("failed"))
    );
    assert_eq!(last.data["error"], "input 'ticket' is empty");

    let unknown = Resp::read(events(&app, "nope", None).await).await;
    assert!(
        unknown.headers["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("application/json")
    );
    unknown.assert_error(404, "Not Found");
    let anonymous = app
        .call(
            Method::GET,
            &format!("/api/workflow/{PAST_COMPLETED}/events"),
            None,
            None,
        )
        .await;
    anonymous.assert_error(401, "Unauthorized");
    let bad = Resp::read(events(&app, PAST_COMPLETED, Some("abc")).await).await;
    assert!(
        bad.assert_error(400, "Bad Request")
            .contains("Last-Event-ID")
    );
}

/// One scripted session against a fresh server; returns everything it received.
async fn session(seed: u64) -> String {
    let app = TestApp::with(MockServer::builder().seed(seed)).await;
    let started = app
        .send(
            Method::POST,
            "/api/agent-base/triggers",
            json!({"trigger_id": TRIAGE_NOW}),
        )
        .await;
    let id = started.body["data"]["execution_id"]
        .as_str()
        .expect("id")
        .to_owned();
    advance(&app, 3000);
    let polled = app.get(&format!("/api/workflow/{id}/status")).await;
    let streamed = events(&app, &id, None).await.text().await.expect("stream");
    let listed = app
        .get(&format!("/api/agent-base/{TRIAGE}/executions"))
        .await;
    format!(
        "{}\n{}\n{streamed}\n{}",
        started.text, polled.text, listed.text
    )
}

#[tokio::test]
async fn the_same_seed_gives_byte_identical_executions() {
    let (a, b) = (session(7).await, session(7).await);
    assert_eq!(a, b);
    assert!(a.contains("\"triaged_by\":\"Support Triage\""), "{a}");
    assert_ne!(a, session(8).await);
}
