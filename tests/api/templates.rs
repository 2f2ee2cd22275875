//! Execution outputs come from output templates: the workflow base's, else the agent's, else
//! the documented default; templates are checked when written.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::triggers::{TRIAGE, TRIAGE_NOW};

const TRIAGE_FLOW: &str = "b0c1d2e3-0001-4a5b-9c6d-500000000001";
const ECHO_FLOW: &str = "b0c1d2e3-0004-4a5b-9c6d-500000000004";
const NOTES_WRITER: &str = "c1a0b2c3-0005-4000-8000-000000000005";

/// Runs `body` through `POST /api/workflow/execute`, lets it finish and returns its status.
async fn finished(app: &TestApp, body: Value) -> Value {
    let started = app.send(Method::POST, "/api/workflow/execute", body).await;
    assert_eq!(started.status, 200, "{}", started.text);
    let id = started.body["data"]["execution_id"]
        .as_str()
        .expect("execution id")
        .to_owned();
    app.server.clock().advance(Duration::from_secs(10));
    let status = app.get(&format!("/api/workflow/{id}/status")).await;
    assert_eq!(
        status.body["data"]["status"], "completed",
        "{}",
        status.text
    );
    status.body["data"].clone()
}

async fn put(app: &TestApp, path: &str, body: Value) -> Resp {
    app.send(Method::PUT, path, body).await
}

#[tokio::test]
async fn the_agent_template_shapes_its_output_from_the_input() {
    let app = TestApp::spawn().await;
    let input = json!({"ticket": "Printer on fire"});
    let started = app
        .send(
            Method::POST,
            "/api/agent-base/triggers",
            json!({"trigger_id": TRIAGE_NOW, "input": input}),
        )
        .await;
    let id = started.body["data"]["execution_id"].as_str().expect("id");
    app.server.clock().advance(Duration::from_secs(3));
    let done = app.get(&format!("/api/workflow/{id}/status")).await;
    let output = &done.body["data"]["output"];
    assert_eq!(output["ticket"], "Printer on fire");
    assert_eq!(output["queue"], "technical");
    assert_eq!(output["confidence"], 0.91);
    assert_eq!(output["triaged_by"], "Support Triage");
    assert_eq!(output["triaged_at"], "2026-03-05T14:30:03Z");
    let summary = output["summary"].as_str().expect("a sentence");
    assert!(summary.ends_with('.'), "{summary}");
    assert!(
        output.get("contact").is_none() && output.get("label").is_none(),
        "no lorem fields: {output}"
    );
}

#[tokio::test]
async fn the_echo_flow_echoes_its_input() {
    let app = TestApp::spawn().await;
    let input = json!({"text": "hello", "n": 3, "items": [{"name": "a"}], "flag": null});
    let done = finished(
        &app,
        json!({"workflow_base_id": ECHO_FLOW, "input": input.clone()}),
    )
    .await;
    assert_eq!(done["output"], input);
}

#[tokio::test]
async fn a_webhook_payload_reaches_the_template() {
    let app = TestApp::spawn().await;
    let payload = json!({"ticket": "Refund please", "data": {"id": 7}});
    let hit = app
        .call(
            Method::POST,
            "/api/webhook/helpdesk-tickets",
            None,
            Some(payload),
        )
        .await;
    let id = hit.body["data"]["execution_id"].as_str().expect("id");
    app.server.clock().advance(Duration::from_secs(3));
    let done = app.get(&format!("/api/workflow/{id}/status")).await;
    assert_eq!(done.body["data"]["output"]["ticket"], "Refund please");
}

#[tokio::test]
async fn a_template_set_by_put_renders_placeholders_with_their_json_types() {
    let app = TestApp::spawn().await;
    let template = json!({
        "count": "{{input.count}}",
        "first": "{{ input.items.0.name }}",
        "missing": "{{input.nope}}",
        "line": "#{{input.count}} for {{input.nope}}{{agent.name}}",
        "run": "{{execution.id}}",
        "at": "{{now}}",
        "contact": {"name": "{{fake.name}}", "email": "{{fake.email}}", "company": "{{fake.company}}"},
        "literal": [1, true, null],
    });
    let updated = put(
        &app,
        &format!("/api/agent-base/{TRIAGE}"),
        json!({"output_template": template}),
    )
    .await;
    assert_eq!(updated.status, 200, "{}", updated.text);
    assert_eq!(updated.body["data"]["output_template"], template);
    // The triage flow has no template of its own, so the agent's applies.
    let input = json!({"count": 2, "items": [{"name": "printer"}]});
    let done = finished(&app, json!({"agent_base_id": TRIAGE, "input": input})).await;
    let output = &done["output"];
    assert_eq!(output["count"], 2);
    assert_eq!(output["first"], "printer");
    assert_eq!(output["missing"], Value::Null);
    assert_eq!(output["line"], "#2 for Support Triage");
    assert_eq!(output["run"], done["execution_id"]);
    assert_eq!(output["at"], done["finished_at"]);
    assert_eq!(output["literal"], json!([1, true, null]));
    let email = output["contact"]["email"].as_str().expect("email");
    assert!(
        email.contains('@') && email.ends_with(".example"),
        "{email}"
    );
    assert!(output["contact"]["company"].is_string());
}

#[tokio::test]
async fn the_workflow_base_template_wins_over_the_agent_template() {
    let app = TestApp::spawn().await;
    let path = format!("/api/workflow-base/{TRIAGE_FLOW}");
    let set = put(
        &app,
        &path,
        json!({"output_template": {"from": "workflow", "ticket": "{{input.ticket}}"}}),
    )
    .await;
    assert_eq!(set.status, 200, "{}", set.text);
    let input = json!({"ticket": "t-1"});
    let by_agent = finished(
        &app,
        json!({"agent_base_id": TRIAGE, "input": input.clone()}),
    )
    .await;
    assert_eq!(
        by_agent["output"],
        json!({"from": "workflow", "ticket": "t-1"})
    );

    // A null template is none: the agent's applies again.
    put(&app, &path, json!({"output_template": null})).await;
    let again = finished(
        &app,
        json!({"workflow_base_id": TRIAGE_FLOW, "input": input}),
    )
    .await;
    assert_eq!(again["output"]["triaged_by"], "Support Triage");
}

#[tokio::test]
async fn without_any_template_the_output_is_the_documented_default() {
    let app = TestApp::spawn().await;
    let cleared = put(
        &app,
        &format!("/api/agent-base/{TRIAGE}"),
        json!({"output_template": null}),
    )
    .await;
    assert_eq!(cleared.body["data"]["output_template"], Value::Null);
    let done = finished(
        &app,
        json!({"agent_base_id": TRIAGE, "input": {"ticket": "x"}}),
    )
    .await;
    assert_eq!(
        done["output"],
        json!({
            "execution_id": done["execution_id"],
            "agent": "Support Triage",
            "input": {"ticket": "x"},
            "completed_at": done["finished_at"],
        })
    );
}

#[tokio::test]
async fn a_running_execution_keeps_the_template_it_started_with() {
    let app = TestApp::spawn().await;
    let started = app
        .send(
            Method::POST,
            "/api/workflow/execute",
            json!({"agent_base_id": TRIAGE}),
        )
        .await;
    let id = started.body["data"]["execution_id"].as_str().expect("id");
    put(
        &app,
        &format!("/api/agent-base/{TRIAGE}"),
        json!({"output_template": "changed"}),
    )
    .await;
    app.server.clock().advance(Duration::from_secs(3));
    let done = app.get(&format!("/api/workflow/{id}/status")).await;
    assert_eq!(done.body["data"]["output"]["triaged_by"], "Support Triage");
}

#[tokio::test]
async fn installing_copies_the_catalog_template_unless_the_body_gives_one() {
    let app = TestApp::spawn().await;
    let installed = app
        .send(
            Method::POST,
            "/api/agent-base/install",
            json!({"agent_id": NOTES_WRITER}),
        )
        .await;
    assert_eq!(installed.status, 201, "{}", installed.text);
    let agent = installed.body["data"]["id"].as_str().expect("id");
    assert_eq!(
        installed.body["data"]["output_template"]["title"],
        "Release {{input.version}}"
    );
    let done = finished(
        &app,
        json!({"agent_base_id": agent, "input": {"version": "2.1.0"}}),
    )
    .await;
    assert_eq!(done["output"]["title"], "Release 2.1.0");
    assert_eq!(done["output"]["version"], "2.1.0");

    let globex = app
        .call(
            Method::POST,
            "/api/agent-base/install",
            Some(GLOBEX_TOKEN),
            Some(json!({"agent_id": NOTES_WRITER, "output_template": {"notes": "{{input}}"}})),
        )
        .await;
    assert_eq!(globex.status, 201, "{}", globex.text);
    assert_eq!(
        globex.body["data"]["output_template"],
        json!({"notes": "{{input}}"})
    );
}

#[tokio::test]
async fn an_unknown_or_unclosed_placeholder_is_a_400_naming_the_field_and_the_placeholder() {
    let app = TestApp::spawn().await;
    let bad = json!({"summary": "Re {{inptu.ticket}}"});
    let writes = [
        (
            Method::PUT,
            format!("/api/agent-base/{TRIAGE}"),
            json!({"output_template": bad}),
        ),
        (
            Method::PUT,
            format!("/api/workflow-base/{TRIAGE_FLOW}"),
            json!({"output_template": bad}),
        ),
        (
            Method::POST,
            "/api/workflow-base".to_owned(),
            json!({"name": "Flow", "output_template": bad}),
        ),
        (
            Method::POST,
            "/api/agent-base/install".to_owned(),
            json!({"agent_id": NOTES_WRITER, "output_template": bad}),
        ),
    ];
    for (method, path, body) in writes {
        let refused = app.send(method, &path, body).await;
        let message = refused.assert_error(400, "Bad Request");
        assert!(
            message.starts_with(
                "field 'output_template.summary' holds unknown placeholder '{{inptu.ticket}}' (known: {{input}}"
            ),
            "{path}: {message}"
        );
    }
    let unclosed = put(
        &app,
        &format!("/api/agent-base/{TRIAGE}"),
        json!({"output_template": ["ok", "{{now"]}),
    )
    .await;
    assert!(
        unclosed
            .assert_error(400, "Bad Request")
            .starts_with("field 'output_template[1]' has a '{{' without its closing '}}'")
    );
    let kept = app.get(&format!("/api/agent-base/{TRIAGE}")).await;
    assert_eq!(kept.body["data"]["output_template"]["queue"], "technical");
}

#[tokio::test]
async fn fake_values_differ_between_executions_and_repeat_within_one() {
    let app = TestApp::spawn().await;
    put(
        &app,
        &format!("/api/workflow-base/{TRIAGE_FLOW}"),
        json!({"output_template": {"a": "{{fake.name}}", "b": "Call {{fake.name}}"}}),
    )
    .await;
    let one = finished(&app, json!({"workflow_base_id": TRIAGE_FLOW})).await;
    let two = finished(&app, json!({"workflow_base_id": TRIAGE_FLOW})).await;
    let name = one["output"]["a"].as_str().expect("name");
    assert_eq!(one["output"]["b"], format!("Call {name}"));
    assert_ne!(one["output"]["a"], two["output"]["a"]);
}

#[tokio::test]
async fn a_new_workflow_base_shows_its_template_or_null() {
    let app = TestApp::spawn().await;
    let bare = app
        .send(Method::POST, "/api/workflow-base", json!({"name": "Bare"}))
        .await;
    assert_eq!(bare.status, 201, "{}", bare.text);
    assert_eq!(bare.body["data"]["output_template"], Value::Null);
    let body = json!({"name": "Echo too", "output_template": "{{input}}"});
    let echo = app.send(Method::POST, "/api/workflow-base", body).await;
    let id = echo.body["data"]["id"].as_str().expect("id");
    let done = finished(&app, json!({"workflow_base_id": id, "input": {"a": [1]}})).await;
    assert_eq!(done["output"], json!({"a": [1]}));
}
