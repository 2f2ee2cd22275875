//! Fixture executions the engine picks up, agent-level durations, and the fixture checks on
//! the references and fields this engine adds.

use std::path::PathBuf;
use std::time::Duration;

use prodgy_mock::MockServer;
use reqwest::Method;
use serde_json::json;

use crate::helpers::*;

const TOKEN: &str = "prodgy_LiveFixturesToken00000000000001";

fn dir_with(name: &str, files: &[(&str, String)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("prodgy-mock-live-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    for (file, text) in files {
        std::fs::write(dir.join(file), text).expect("write fixture");
    }
    dir
}

fn base(
    executions: serde_json::Value,
    workflows: serde_json::Value,
) -> Vec<(&'static str, String)> {
    vec![
        (
            "products.json",
            json!([{"id": "p1", "name": "One"}]).to_string(),
        ),
        (
            "tokens.json",
            json!([{"id": "t1", "product_id": "p1", "name": "t", "token": TOKEN}]).to_string(),
        ),
        (
            "agents.json",
            json!([{"id": "a1", "product_id": "p1", "name": "Quick", "duration_ms": 1000}])
                .to_string(),
        ),
        (
            "triggers.json",
            json!([{"id": "tr1", "agent_base_id": "a1", "name": "go", "type": "manual"}])
                .to_string(),
        ),
        ("executions.json", executions.to_string()),
        ("workflows.json", workflows.to_string()),
    ]
}

async fn status(app: &TestApp, id: &str) -> serde_json::Value {
    let path = format!("/api/workflow/{id}/status");
    app.call(Method::GET, &path, Some(TOKEN), None).await.body["data"].clone()
}

#[tokio::test]
async fn unfinished_fixture_executions_progress_and_agents_set_their_duration() {
    let executions = json!([
        {"id": "x-run", "agent_base_id": "a1", "status": "running", "started_at": "2026-03-05T14:29:59.500Z"},
        {"id": "x-held", "agent_base_id": "a1", "status": "paused", "started_at": T0},
    ]);
    let dir = dir_with("progress", &base(executions, json!([])));
    let app = TestApp::with(MockServer::builder().fixtures_dir(&dir)).await;
    assert_eq!(status(&app, "x-run").await["current_node"], "processing");
    let held = status(&app, "x-held").await;
    assert_eq!(
        (&held["status"], &held["current_node"]),
        (&json!("paused"), &json!("trigger"))
    );

    app.server.clock().advance(Duration::from_millis(500));
    let run = status(&app, "x-run").await;
    assert_eq!(
        (&run["status"], &run["finished_at"]),
        (&json!("completed"), &json!("2026-03-05T14:30:00.500Z"))
    );
    let resumed = app
        .call(
            Method::POST,
            "/api/workflow/x-held/continue",
            Some(TOKEN),
            None,
        )
        .await;
    assert_eq!(
        resumed.body["data"]["status"], "running",
        "{}",
        resumed.text
    );
    let started = app
        .call(
            Method::POST,
            "/api/agent-base/triggers",
            Some(TOKEN),
            Some(json!({"trigger_id": "tr1"})),
        )
        .await;
    let id = started.body["data"]["execution_id"]
        .as_str()
        .expect("id")
        .to_owned();
    app.server.clock().advance(Duration::from_millis(1000));
    let listed = app
        .call(
            Method::GET,
            "/api/agent-base/a1/executions?status=completed",
            Some(TOKEN),
            None,
        )
        .await;
    assert_eq!(listed.ids(), ["x-run", "x-held", id.as_str()]);
}

#[tokio::test]
async fn execution_references_and_workflow_durations_are_checked_at_startup() {
    let dangling = json!([{"id": "x", "agent_base_id": "a1", "status": "completed", "workflow_base_id": "w-gone"}]);
    let dir = dir_with("dangling", &base(dangling, json!([])));
    let err = MockServer::builder()
        .fixtures_dir(&dir)
        .try_start()
        .await
        .expect_err("refused");
    assert!(
        err.to_string()
            .contains("field 'workflow_base_id' names workflow base 'w-gone'"),
        "{err}"
    );

    let workflows = json!([{"id": "w1", "name": "w", "duration_ms": "3s"}]);
    let dir = dir_with("duration", &base(json!([]), workflows));
    let err = MockServer::builder()
        .fixtures_dir(&dir)
        .try_start()
        .await
        .expect_err("refused");
    assert!(
        err.to_string()
            .contains("field 'duration_ms' must be a non-negative integer or null"),
        "{err}"
    );
}
