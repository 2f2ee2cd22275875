use reqwest::Method;
use serde_json::json;

use crate::helpers::*;
use crate::triggers::TRIAGE;

const SLACK: &str = "e5f6a7b8-0001-4c2d-9e3f-200000000001";
const AZURE_DEVOPS: &str = "e5f6a7b8-0002-4c2d-9e3f-200000000002";
const TEAMS: &str = "e5f6a7b8-0005-4c2d-9e3f-200000000005";
const GOOGLE_CHAT: &str = "e5f6a7b8-0006-4c2d-9e3f-200000000006";
const CRM_LEADS: &str = "/api/webhook/crm-leads";

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
    let path = format!("/api/communicator/botframework/{TEAMS}/messages");
    let ok = app
        .call(Method::POST, &path, None, Some(activity.clone()))
        .await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    assert_eq!(ok.body["data"]["type"], "message");
    assert_eq!(ok.body["data"]["integration_base_id"], TEAMS);
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

/// Creates an integration as Acme and returns its id.
async fn integration(app: &TestApp, title: &str, kind: &str, active: bool) -> String {
    let body = json!({"title": title, "type": kind, "is_active": active, "product_id": ACME});
    let created = app.send(Method::POST, "/api/integrations-base", body).await;
    assert_eq!(created.status, 201, "{}", created.text);
    created.body["data"]["id"].as_str().expect("id").to_owned()
}

#[tokio::test]
async fn each_callback_route_takes_only_its_platforms_integrations() {
    let app = TestApp::spawn().await;
    let event = json!({"type": "event_callback", "event": {"type": "message"}});
    let chat = |id: &str| format!("/api/communicator/webhook/{id}");
    let teams = |id: &str| format!("/api/communicator/botframework/{id}/messages");
    for id in [SLACK, GOOGLE_CHAT] {
        let ok = app
            .call(Method::POST, &chat(id), None, Some(event.clone()))
            .await;
        assert_eq!(ok.status, 200, "{id}: {}", ok.text);
        let refused = app
            .call(Method::POST, &teams(id), None, Some(event.clone()))
            .await;
        let message = refused.assert_error(400, "Bad Request");
        assert!(message.contains("only Microsoft Teams"), "{message}");
    }
    let teams_on_chat = app
        .call(Method::POST, &chat(TEAMS), None, Some(event.clone()))
        .await;
    assert_eq!(
        teams_on_chat.body,
        json!({
            "success": false,
            "error": "Bad Request",
            "message": format!(
                "integration '{TEAMS}' is of type 'teams': this route takes only Slack and Google \
                 Chat integrations (Teams activities go to /api/communicator/botframework/{{id}}/messages)"
            ),
        }),
        "the documented error envelope"
    );
    let devops = app
        .call(Method::POST, &chat(AZURE_DEVOPS), None, Some(event.clone()))
        .await;
    assert!(
        devops
            .assert_error(400, "Bad Request")
            .contains("'azure_devops'")
    );
    let challenge = json!({"type": "url_verification", "challenge": "c"});
    let devops = app
        .call(Method::POST, &chat(AZURE_DEVOPS), None, Some(challenge))
        .await;
    devops.assert_error(400, "Bad Request");

    // Type names are read without case or separators.
    let spelled = integration(&app, "Chat", "Google Chat", true).await;
    let ok = app
        .call(Method::POST, &chat(&spelled), None, Some(event.clone()))
        .await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    let ms = integration(&app, "MS Teams", "microsoft_teams", true).await;
    let ok = app.call(Method::POST, &teams(&ms), None, Some(event)).await;
    assert_eq!(ok.status, 200, "{}", ok.text);
}

#[tokio::test]
async fn an_inactive_integration_receives_no_events() {
    let app = TestApp::spawn().await;
    let slack = integration(&app, "Slack (paused)", "slack", false).await;
    let path = format!("/api/communicator/webhook/{slack}");
    let challenge = json!({"type": "url_verification", "challenge": "3eZbrw1aB"});
    let refused = app
        .call(Method::POST, &path, None, Some(challenge.clone()))
        .await;
    let message = refused.assert_error(400, "Bad Request");
    assert!(message.contains("is inactive"), "{message}");
    let teams = integration(&app, "Teams (paused)", "teams", false).await;
    let activity = json!({"type": "message"});
    let teams_path = format!("/api/communicator/botframework/{teams}/messages");
    let refused = app
        .call(Method::POST, &teams_path, None, Some(activity.clone()))
        .await;
    assert!(
        refused
            .assert_error(400, "Bad Request")
            .contains("is inactive")
    );

    let activate = json!({"is_active": true});
    for id in [&slack, &teams] {
        let updated = app
            .send(
                Method::PUT,
                &format!("/api/integrations-base/{id}"),
                activate.clone(),
            )
            .await;
        assert_eq!(updated.status, 200, "{}", updated.text);
    }
    let answered = app.call(Method::POST, &path, None, Some(challenge)).await;
    assert_eq!(answered.body, json!({"challenge": "3eZbrw1aB"}));
    let ok = app
        .call(Method::POST, &teams_path, None, Some(activity))
        .await;
    assert_eq!(ok.status, 200, "{}", ok.text);
}

#[tokio::test]
async fn a_webhook_that_requires_a_token_refuses_missing_unknown_and_revoked_ones() {
    let app = TestApp::spawn().await;
    let trigger = app
        .call(
            Method::GET,
            "/api/agent-base/triggers/f1a2b3c4-0006-4d5e-8f60-400000000006",
            Some(GLOBEX_TOKEN),
            None,
        )
        .await;
    assert_eq!(trigger.body["data"]["require_token"], true);
    let hit = |token: Option<&'static str>| {
        app.call(Method::POST, CRM_LEADS, token, Some(json!({"lead": 7})))
    };

    let ok = hit(Some(GLOBEX_TOKEN)).await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    assert!(ok.body["data"]["execution_id"].is_string());

    let refusals = [
        (None, "missing credentials"),
        (
            Some("prodgy_NeverIssuedByTheMock000000000000"),
            "unknown token",
        ),
        (
            Some("prodgy_RevokedAcmeToken000000000000005"),
            "revoked token",
        ),
        (
            Some("prodgy_InactiveAcmeToken00000000000003"),
            "inactive token",
        ),
        (
            Some("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln"),
            "not a JWT",
        ),
        (Some(ACME_TOKEN), "belongs to another product"),
    ];
    for (token, why) in refusals {
        let refused = hit(token).await;
        assert_eq!(refused.status, 401, "{token:?}: {}", refused.text);
        assert!(
            refused.body.get("error").is_none(),
            "bare, as documented: {}",
            refused.text
        );
        assert_eq!(refused.body["success"], false);
        let message = refused.message();
        assert!(message.contains(why), "{token:?}: {message}");
        assert!(message.contains("crm-leads"), "{message}");
    }

    // A token created and then revoked through the API stops working at once.
    let created = app
        .call(
            Method::POST,
            "/api/api-tokens",
            Some(GLOBEX_TOKEN),
            Some(json!({"name": "CRM sender"})),
        )
        .await;
    let secret = created.body["data"]["token"]
        .as_str()
        .expect("secret")
        .to_owned();
    let id = created.body["data"]["id"].as_str().expect("id").to_owned();
    let with_new = app
        .call(Method::POST, CRM_LEADS, Some(&secret), Some(json!({})))
        .await;
    assert_eq!(with_new.status, 200, "{}", with_new.text);
    app.call(
        Method::POST,
        &format!("/api/api-tokens/{id}/revoke"),
        Some(GLOBEX_TOKEN),
        None,
    )
    .await;
    let revoked = app
        .call(Method::POST, CRM_LEADS, Some(&secret), Some(json!({})))
        .await;
    assert_eq!(revoked.status, 401);
    assert!(
        revoked.message().contains("revoked token"),
        "{}",
        revoked.text
    );
    let used = app
        .call(
            Method::GET,
            &format!("/api/api-tokens/{id}"),
            Some(GLOBEX_TOKEN),
            None,
        )
        .await;
    assert_eq!(
        used.body["data"]["usage_count"], 1,
        "the accepted call was counted"
    );

    // Webhooks without require_token still take calls without a token.
    let open = app
        .call(
            Method::POST,
            "/api/webhook/helpdesk-tickets",
            None,
            Some(json!({})),
        )
        .await;
    assert_eq!(open.status, 200);
}

#[tokio::test]
async fn with_auth_off_a_webhook_checks_no_token() {
    let app =
        TestApp::with(prodgy_mock::MockServer::builder().auth(prodgy_mock::AuthMode::Off)).await;
    let hit = app
        .call(Method::POST, CRM_LEADS, None, Some(json!({})))
        .await;
    assert_eq!(hit.status, 200, "{}", hit.text);
}
