use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;

const INACTIVE: &str = "7d0c5e6f-3333-4a2b-9c3d-000000000003";
const EXPIRED: &str = "7d0c5e6f-4444-4a2b-9c3d-000000000004";
const EXPIRED_SECRET: &str = "prodgy_ExpiredAcmeToken000000000000004";
const REVOKED: &str = "7d0c5e6f-5555-4a2b-9c3d-000000000005";
const GLOBEX_TOKEN_ID: &str = "7d0c5e6f-2222-4a2b-9c3d-000000000002";
const ACTIONS: [&str; 6] = [
    "created",
    "used",
    "revoked",
    "expired",
    "renewed",
    "regenerated",
];

/// Creates a token as Acme: (id, secret).
async fn create(app: &TestApp, body: Value) -> (String, String) {
    let resp = app.send(Method::POST, "/api/api-tokens", body).await;
    assert_eq!(resp.status, 201, "{}", resp.text);
    let data = &resp.body["data"];
    (
        data["id"].as_str().expect("id").to_owned(),
        data["token"].as_str().expect("secret").to_owned(),
    )
}

async fn use_token(app: &TestApp, secret: &str) -> Resp {
    app.call(Method::GET, "/api/agent-base", Some(secret), None)
        .await
}

async fn post(app: &TestApp, path: &str, body: Option<Value>) -> Resp {
    app.call(Method::POST, path, Some(ACME_TOKEN), body).await
}

async fn actions(app: &TestApp, id: &str) -> Vec<String> {
    let resp = app
        .get(&format!("/api/api-tokens/{id}/audit-logs?pageSize=100"))
        .await;
    assert_eq!(resp.status, 200, "{}", resp.text);
    resp.body["data"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["action"].as_str().expect("action").to_owned())
        .collect()
}

#[tokio::test]
async fn a_created_token_works_until_regenerated_and_then_the_old_secret_is_refused() {
    let app = TestApp::spawn().await;
    let resp = app
        .send(
            Method::POST,
            "/api/api-tokens",
            json!({"name": "Deploy bot", "expires_at": null}),
        )
        .await;
    assert_eq!(resp.status, 201, "{}", resp.text);
    let data = &resp.body["data"];
    let id = data["id"].as_str().expect("id").to_owned();
    let old = data["token"].as_str().expect("secret").to_owned();
    assert!(old.starts_with("prodgy_") && old.len() == 39, "{old}");
    assert_eq!(data["prefix"], old[..8]);
    assert_eq!(data["status"], "active");
    assert_eq!(data["is_active"], true);
    assert_eq!(data["product_id"], ACME);
    assert_eq!(data["usage_count"], 0);
    assert_eq!(data["expires_at"], Value::Null);
    assert_eq!(data["created_at"], T0);

    let used = use_token(&app, &old).await;
    assert_eq!(used.ids().len(), 3, "sees Acme's agents");
    let shown = app.get(&format!("/api/api-tokens/{id}")).await;
    assert!(shown.body["data"].get("token").is_none(), "{}", shown.text);
    assert_eq!(shown.body["data"]["usage_count"], 1);
    assert_eq!(shown.body["data"]["last_used_at"], T0);

    let regenerated = post(&app, &format!("/api/api-tokens/{id}/regenerate"), None).await;
    assert_eq!(regenerated.status, 200, "{}", regenerated.text);
    let new = regenerated.body["data"]["token"]
        .as_str()
        .expect("secret")
        .to_owned();
    assert_ne!(new, old);
    assert_eq!(regenerated.body["data"]["id"], id.as_str());
    assert_eq!(regenerated.body["data"]["name"], "Deploy bot");
    assert_eq!(regenerated.body["data"]["prefix"], new[..8]);

    let refused = use_token(&app, &old).await;
    assert!(
        refused
            .assert_error(401, "Unauthorized")
            .starts_with("regenerated token")
    );
    assert_eq!(use_token(&app, &new).await.status, 200);
    assert_eq!(
        actions(&app, &id).await,
        ["used", "regenerated", "used", "created"]
    );

    let logs = app.get(&format!("/api/api-tokens/{id}/audit-logs")).await;
    let newest = &logs.body["data"][0];
    assert_eq!(newest["token_id"], id.as_str());
    assert_eq!(
        newest["details"],
        json!({"method": "GET", "path": "/api/agent-base"})
    );
    assert_eq!(newest["ip"], "127.0.0.1");
    assert_eq!(newest["created_at"], T0);
}

#[tokio::test]
async fn lists_show_prefixes_never_secrets_and_filter_by_status() {
    let app = TestApp::spawn().await;
    let all = app.get("/api/api-tokens").await;
    assert_eq!(all.status, 200, "{}", all.text);
    assert_eq!(all.ids().len(), 4, "{}", all.text);
    for token in all.body["data"].as_array().expect("tokens") {
        assert!(token.get("token").is_none(), "{token}");
        assert_eq!(token["prefix"].as_str().map(str::len), Some(8));
    }
    assert!(!all.text.contains("prodgy_AcmeSupportDefaultToken"));
    assert_eq!(
        app.get("/api/api-tokens?status=revoked").await.ids(),
        [REVOKED]
    );
    assert_eq!(
        app.get("/api/api-tokens?status=inactive").await.ids(),
        [INACTIVE]
    );
    assert_eq!(
        app.get("/api/api-tokens?status=expired").await.ids(),
        [EXPIRED],
        "the fixture token past its expiry is settled on read"
    );
    app.get("/api/api-tokens?status=gone")
        .await
        .assert_error(400, "Bad Request");
    app.get(&format!("/api/api-tokens?product_id={GLOBEX}"))
        .await
        .assert_error(404, "Not Found");
    let paged = app.get("/api/api-tokens?pageSize=3&page=2").await;
    assert_eq!(paged.body["pagination"]["total"], 4);
    assert_eq!(paged.ids().len(), 1);
    app.get(&format!("/api/api-tokens/{GLOBEX_TOKEN_ID}"))
        .await
        .assert_error(404, "Not Found");
}

#[tokio::test]
async fn an_expired_token_is_refused_and_audited_once_until_renewed() {
    let app = TestApp::spawn().await;
    let (id, secret) = create(
        &app,
        json!({"name": "hourly", "expires_at": "2026-03-05T15:30:00Z"}),
    )
    .await;
    assert_eq!(use_token(&app, &secret).await.status, 200);
    app.server.clock().advance(Duration::from_secs(3600));
    for _ in 0..2 {
        let refused = use_token(&app, &secret).await;
        assert!(
            refused
                .assert_error(401, "Unauthorized")
                .starts_with("expired token")
        );
    }
    let shown = app.get(&format!("/api/api-tokens/{id}")).await;
    assert_eq!(shown.body["data"]["status"], "expired");
    assert_eq!(shown.body["data"]["is_active"], false);
    assert_eq!(actions(&app, &id).await, ["expired", "used", "created"]);

    let patch = app
        .send(
            Method::PATCH,
            &format!("/api/api-tokens/{id}"),
            json!({"is_active": true}),
        )
        .await;
    assert!(patch.assert_error(400, "Bad Request").contains("expired"));

    let past = post(
        &app,
        &format!("/api/api-tokens/{id}/renew"),
        Some(json!({"expires_at": T0})),
    )
    .await;
    assert!(past.assert_error(400, "Bad Request").contains("future"));
    let renewed = post(&app, &format!("/api/api-tokens/{id}/renew"), None).await;
    assert_eq!(renewed.status, 200, "{}", renewed.text);
    assert_eq!(renewed.body["data"]["status"], "active");
    assert_eq!(renewed.body["data"]["expires_at"], Value::Null);
    assert!(renewed.body["data"].get("token").is_none());
    assert_eq!(use_token(&app, &secret).await.status, 200);
    assert_eq!(
        actions(&app, &id).await,
        ["used", "renewed", "expired", "used", "created"]
    );
}

#[tokio::test]
async fn the_fixture_token_past_its_expiry_writes_one_expired_entry() {
    let app = TestApp::spawn().await;
    for _ in 0..3 {
        use_token(&app, EXPIRED_SECRET)
            .await
            .assert_error(401, "Unauthorized");
    }
    assert_eq!(actions(&app, EXPIRED).await, ["expired", "created"]);
    let logs = app
        .get(&format!("/api/api-tokens/{EXPIRED}/audit-logs"))
        .await;
    assert_eq!(
        logs.body["data"][0]["details"]["expires_at"],
        "2026-01-01T00:00:00Z"
    );
    assert_eq!(logs.body["data"][1]["created_at"], "2025-11-20T08:00:00Z");
}

#[tokio::test]
async fn revocation_is_permanent() {
    let app = TestApp::spawn().await;
    let (id, secret) = create(&app, json!({"name": "temp"})).await;
    let revoked = post(&app, &format!("/api/api-tokens/{id}/revoke"), None).await;
    assert_eq!(revoked.status, 200, "{}", revoked.text);
    assert_eq!(revoked.body["data"]["status"], "revoked");
    assert!(
        use_token(&app, &secret)
            .await
            .assert_error(401, "Unauthorized")
            .starts_with("revoked token")
    );
    let again = post(&app, &format!("/api/api-tokens/{id}/revoke"), None).await;
    assert!(again.assert_error(400, "Bad Request").contains("revoked"));
    for action in ["regenerate", "renew"] {
        post(&app, &format!("/api/api-tokens/{id}/{action}"), None)
            .await
            .assert_error(400, "Bad Request");
    }
    app.send(
        Method::PATCH,
        &format!("/api/api-tokens/{id}"),
        json!({"is_active": true}),
    )
    .await
    .assert_error(400, "Bad Request");
    assert_eq!(actions(&app, &id).await, ["revoked", "created"]);

    let (other, _) = create(&app, json!({"name": "temp 2"})).await;
    let deleted = app
        .call(
            Method::DELETE,
            &format!("/api/api-tokens/{other}"),
            Some(ACME_TOKEN),
            None,
        )
        .await;
    assert_eq!(deleted.body["data"]["status"], "revoked");
    app.call(
        Method::DELETE,
        &format!("/api/api-tokens/{other}"),
        Some(ACME_TOKEN),
        None,
    )
    .await
    .assert_error(400, "Bad Request");
}

#[tokio::test]
async fn deactivated_tokens_are_refused_until_reactivated_without_audit_entries() {
    let app = TestApp::spawn().await;
    let (id, secret) = create(&app, json!({"name": "toggle"})).await;
    let path = format!("/api/api-tokens/{id}");
    let off = app
        .send(Method::PATCH, &path, json!({"is_active": false}))
        .await;
    assert_eq!(off.body["data"]["status"], "inactive");
    assert_eq!(off.body["data"]["is_active"], false);
    assert!(
        use_token(&app, &secret)
            .await
            .assert_error(401, "Unauthorized")
            .starts_with("inactive token")
    );
    let on = app
        .send(Method::PATCH, &path, json!({"is_active": true}))
        .await;
    assert_eq!(on.body["data"]["status"], "active");
    assert_eq!(use_token(&app, &secret).await.status, 200);
    let trail = actions(&app, &id).await;
    assert_eq!(trail, ["used", "created"]);
    assert!(trail.iter().all(|a| ACTIONS.contains(&a.as_str())));
    app.send(Method::PATCH, &path, json!({}))
        .await
        .assert_error(400, "Bad Request");
    app.send(Method::PATCH, &path, json!({"is_active": "yes"}))
        .await
        .assert_error(400, "Bad Request");
}

#[tokio::test]
async fn token_creation_validates_its_fields() {
    let app = TestApp::spawn().await;
    let cases = [
        (json!({}), "'name'"),
        (json!({"name": "  "}), "'name'"),
        (json!({"name": "x", "expires_at": "tomorrow"}), "expires_at"),
        (json!({"name": "x", "expires_at": 5}), "expires_at"),
        (
            json!({"name": "x", "expires_at": "2026-03-05T14:29:59Z"}),
            "future",
        ),
    ];
    for (body, named) in cases {
        let resp = app
            .send(Method::POST, "/api/api-tokens", body.clone())
            .await;
        assert!(
            resp.assert_error(400, "Bad Request").contains(named),
            "{body}: {}",
            resp.text
        );
    }
    app.send(
        Method::POST,
        "/api/api-tokens",
        json!({"name": "x", "product_id": GLOBEX}),
    )
    .await
    .assert_error(404, "Not Found");
    let unknown = app.get("/api/api-tokens/nope").await;
    assert_eq!(
        unknown.assert_error(404, "Not Found"),
        "API token 'nope' not found"
    );
}

#[tokio::test]
async fn audit_logs_are_paginated_newest_first() {
    let app = TestApp::spawn().await;
    let (id, secret) = create(&app, json!({"name": "busy"})).await;
    for _ in 0..3 {
        use_token(&app, &secret).await;
    }
    let page = app
        .get(&format!(
            "/api/api-tokens/{id}/audit-logs?pageSize=2&page=2"
        ))
        .await;
    assert_eq!(
        page.body["pagination"],
        json!({"page": 2, "pageSize": 2, "total": 4, "totalPages": 2})
    );
    let trail: Vec<&str> = page.body["data"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(trail, ["used", "created"]);
    app.get(&format!("/api/api-tokens/{GLOBEX_TOKEN_ID}/audit-logs"))
        .await
        .assert_error(404, "Not Found");
}

#[tokio::test]
async fn concurrent_calls_after_expiry_write_one_expired_entry() {
    let app = TestApp::spawn().await;
    let (id, secret) = create(
        &app,
        json!({"name": "racy", "expires_at": "2026-03-05T14:31:00Z"}),
    )
    .await;
    app.server.clock().advance(Duration::from_secs(60));
    let calls = (0..16).map(|_| use_token(&app, &secret));
    for resp in futures_util::future::join_all(calls).await {
        resp.assert_error(401, "Unauthorized");
    }
    assert_eq!(actions(&app, &id).await, ["expired", "created"]);
}

#[tokio::test]
async fn usage_is_counted_per_authenticated_call() {
    let app = TestApp::spawn().await;
    let (id, secret) = create(&app, json!({"name": "counter"})).await;
    let calls = (0..10).map(|_| use_token(&app, &secret));
    futures_util::future::join_all(calls).await;
    app.server.clock().advance(Duration::from_secs(5));
    use_token(&app, &secret).await;
    let shown = app.get(&format!("/api/api-tokens/{id}")).await;
    assert_eq!(shown.body["data"]["usage_count"], 11);
    assert_eq!(shown.body["data"]["last_used_at"], "2026-03-05T14:30:05Z");
    let used = actions(&app, &id).await;
    assert_eq!(used.iter().filter(|a| *a == "used").count(), 11);
}

#[tokio::test]
async fn the_first_list_after_an_expiry_already_shows_it_expired() {
    let app = TestApp::spawn().await;
    let active = app.get("/api/api-tokens?status=active").await;
    assert!(
        !active.ids().contains(&EXPIRED),
        "an expired token is not active: {}",
        active.text
    );
    let fresh = TestApp::spawn().await;
    let all = fresh.get("/api/api-tokens").await;
    let expired = all.body["data"]
        .as_array()
        .expect("tokens")
        .iter()
        .find(|t| t["id"] == EXPIRED)
        .expect("listed");
    assert_eq!(expired["status"], "expired", "{}", all.text);
    assert_eq!(actions(&fresh, EXPIRED).await, ["expired", "created"]);
}

#[tokio::test]
async fn each_use_is_audited_with_the_user_agent_it_came_with_on_a_kept_alive_connection() {
    let app = TestApp::spawn().await;
    let (id, secret) = create(&app, json!({"name": "ua"})).await;
    // One client, so the calls share a kept-alive connection (and its remembered agent).
    for agent in ["sdk/1.0", "sdk/1.0", "other-sdk/2.0", "sdk/1.0"] {
        let resp = app
            .client
            .get(app.url("/api/agent-base"))
            .header("X-API-Token", &secret)
            .header("User-Agent", agent)
            .send()
            .await
            .expect("sent");
        assert_eq!(resp.status(), 200);
    }
    let logs = app
        .get(&format!("/api/api-tokens/{id}/audit-logs?pageSize=100"))
        .await;
    let used: Vec<&str> = logs.body["data"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["action"] == "used")
        .map(|e| e["user_agent"].as_str().expect("a user agent"))
        .collect();
    assert_eq!(used, ["sdk/1.0", "other-sdk/2.0", "sdk/1.0", "sdk/1.0"]);
}
