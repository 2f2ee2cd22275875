use reqwest::Method;
use serde_json::json;

use crate::helpers::*;
use crate::triggers::TRIAGE;

const SLACK: &str = "e5f6a7b8-0001-4c2d-9e3f-200000000001";

async fn post_raw(app: &TestApp, path: &str, body: &str) -> Resp {
    let response = app
        .client
        .post(app.url(path))
        .header("Content-Type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .expect("sent");
    Resp::read(response).await
}

#[tokio::test]
async fn a_webhook_hit_starts_the_triggers_agent_with_the_payload_as_input() {
    let app = TestApp::spawn().await;
    let payload = json!({
        "event": "ticket.created",
        "data": {"id": 42},
        "repository": "acme/helpdesk",
        "timestamp": "2026-03-05T14:30:00Z",
    });
    let hit = app
        .call(
            Method::POST,
            "/api/webhook/helpdesk-tickets",
            None,
            Some(payload.clone()),
        )
        .await;
    assert_eq!(hit.status, 200, "{}", hit.text);
    assert_eq!(hit.body["success"], true);
    assert_eq!(hit.message(), "Webhook processed successfully");
    let id = hit.body["data"]["execution_id"]
        .as_str()
        .expect("execution id");
    assert_eq!(hit.body["data"].as_object().map(|d| d.len()), Some(1));

    let listed = app
        .get(&format!(
            "/api/agent-base/{TRIAGE}/executions?status=running"
        ))
        .await;
    assert_eq!(listed.ids(), [id]);
    assert_eq!(listed.body["data"][0]["input"], payload);
    assert_eq!(listed.body["data"][0]["trigger_type"], "webhook");
    assert_eq!(
        listed.body["data"][0]["trigger_id"],
        "f1a2b3c4-0002-4d5e-8f60-400000000002"
    );

    let with_token = app
        .call(
            Method::POST,
            "/api/webhook/helpdesk-tickets",
            Some(ACME_TOKEN),
            Some(json!({})),
        )
        .await;
    assert_eq!(with_token.status, 200);
}

#[tokio::test]
async fn webhook_errors_have_no_error_key() {
    let app = TestApp::spawn().await;
    let unknown = app
        .call(Method::POST, "/api/webhook/nope", None, Some(json!({})))
        .await;
    assert_eq!(unknown.status, 404);
    assert_eq!(
        unknown.body,
        json!({"success": false, "message": "webhook path 'nope' not found"})
    );
    let inactive = app
        .call(
            Method::POST,
            "/api/webhook/legacy-alerts",
            None,
            Some(json!({})),
        )
        .await;
    assert_eq!(inactive.status, 404);
    assert!(inactive.body.get("error").is_none());
    let malformed = post_raw(&app, "/api/webhook/helpdesk-tickets", "{\"event\": ").await;
    assert_eq!(malformed.status, 400);
    assert!(malformed.body.get("error").is_none(), "{}", malformed.text);
    assert!(malformed.message().contains("not valid JSON"));
    let array = post_raw(&app, "/api/webhook/helpdesk-tickets", "[1]").await;
    assert_eq!((array.status, array.body.get("error")), (400, None));
    let empty = post_raw(&app, "/api/webhook/helpdesk-tickets", "").await;
    assert_eq!((empty.status, empty.body.get("error")), (400, None));
}

#[tokio::test]
async fn slack_url_verification_is_answered_with_its_challenge() {
    let app = TestApp::spawn().await;
    let path = format!("/api/communicator/webhook/{SLACK}");
    let challenge = json!({"type": "url_verification", "token": "t", "challenge": "3eZbrw1aB"});
    let answered = app.call(Method::POST, &path, None, Some(challenge)).await;
    assert_eq!(answered.status, 200);
    assert_eq!(answered.body, json!({"challenge": "3eZbrw1aB"}));
    let event = json!({"type": "event_callback", "event": {"type": "message", "text": "hi"}});
    let received = app.call(Method::POST, &path, None, Some(event)).await;
    assert_eq!(received.status, 200);
    assert_eq!(received.body["success"], true);
    assert_eq!(received.body["data"]["type"], "event_callback");
    let no_challenge = app
        .call(
            Method::POST,
            &path,
            None,
            Some(json!({"type": "url_verification"})),
        )
        .await;
    assert!(
        no_challenge
            .assert_error(400, "Bad Request")
            .contains("'challenge'")
    );
    let unknown = app
        .call(
            Method::POST,
            "/api/communicator/webhook/nope",
            None,
            Some(json!({})),
        )
        .await;
    assert_eq!(
        unknown.assert_error(404, "Not Found"),
        "integration 'nope' not found"
    );
}

#[tokio::test]
async fn teams_activities_are_accepted_for_known_integrations() {
    let app = TestApp::spawn().await;
    let activity = json!({"type": "message", "text": "hello", "from": {"id": "29:1"}});
    let path = format!("/api/communicator/botframework/{SLACK}/messages");
    let ok = app
        .call(Method::POST, &path, None, Some(activity.clone()))
        .await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    assert_eq!(ok.body["data"]["type"], "message");
    app.call(
        Method::POST,
        "/api/communicator/botframework/nope/messages",
        None,
        Some(activity),
    )
    .await
    .assert_error(404, "Not Found");
    let wrong = app.call(Method::GET, &path, None, None).await;
    wrong.assert_error(405, "Method Not Allowed");
}
