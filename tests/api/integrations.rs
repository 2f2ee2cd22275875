use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;

const SLACK_GLOBAL: &str = "e5f6a7b8-0001-4c2d-9e3f-200000000001";
const ADO_GLOBAL: &str = "e5f6a7b8-0002-4c2d-9e3f-200000000002";
const ADO_ACME: &str = "e5f6a7b8-0003-4c2d-9e3f-200000000003";
const TEAMS_GLOBEX: &str = "e5f6a7b8-0005-4c2d-9e3f-200000000005";

#[tokio::test]
async fn a_product_sees_its_local_and_all_global_integrations() {
    let app = TestApp::spawn().await;
    let resp = app.get("/api/integrations-base").await;
    assert_eq!(resp.status, 200);
    let ids = resp.ids();
    assert!(ids.contains(&SLACK_GLOBAL) && ids.contains(&ADO_ACME));
    assert!(!ids.contains(&TEAMS_GLOBEX));
    assert_eq!(resp.body["pagination"]["total"], 5);
    let by_product = app
        .get(&format!("/api/integrations-base?product_id={ACME}"))
        .await;
    assert_eq!(by_product.ids(), ids);
    app.get(&format!("/api/integrations-base?product_id={GLOBEX}"))
        .await
        .assert_error(404, "Not Found");
    let local = app.get("/api/integrations-base?scope=local").await;
    assert_eq!(local.body["pagination"]["total"], 2);
    let slack = app.get("/api/integrations-base?type=slack").await;
    assert_eq!(slack.ids(), [SLACK_GLOBAL]);
}

#[tokio::test]
async fn credentials_are_never_echoed() {
    let app = TestApp::spawn().await;
    let one = app
        .get(&format!("/api/integrations-base/{SLACK_GLOBAL}"))
        .await;
    assert_eq!(
        one.body["data"]["credentials"],
        json!({"bot_token": "********"})
    );
    assert!(
        !app.get("/api/integrations-base")
            .await
            .text
            .contains("xoxb-global-secret")
    );
}

#[tokio::test]
async fn scope_is_computed_from_product_id_and_client_scope_is_ignored() {
    let app = TestApp::spawn().await;
    let global = app
        .send(
            Method::POST,
            "/api/integrations-base",
            json!({"title": "Jira", "type": "jira", "scope": "local"}),
        )
        .await;
    assert_eq!(global.status, 201, "{}", global.text);
    assert_eq!(
        (
            global.body["data"]["scope"].clone(),
            global.body["data"]["product_id"].clone()
        ),
        (json!("global"), Value::Null)
    );
    let body = json!({"title": "Jira (Acme)", "type": "jira", "product_id": ACME, "credentials": {"token": "s3cret"}});
    let local = app.send(Method::POST, "/api/integrations-base", body).await;
    assert_eq!(local.body["data"]["scope"], "local");
    assert_eq!(
        local.body["data"]["credentials"],
        json!({"token": "********"})
    );

    let id = global.body["data"]["id"].as_str().expect("id");
    let moved = app
        .send(
            Method::PUT,
            &format!("/api/integrations-base/{id}"),
            json!({"product_id": ACME}),
        )
        .await;
    assert_eq!(moved.body["data"]["scope"], "local");
    let refused = app
        .send(
            Method::PUT,
            &format!("/api/integrations-base/{id}"),
            json!({"product_id": null}),
        )
        .await;
    refused.assert_error(403, "Forbidden");
    let back = app
        .client
        .put(app.url(&format!("/api/integrations-base/{id}")))
        .header("Authorization", format!("Bearer {A_JWT}"))
        .json(&json!({"product_id": null}))
        .send()
        .await
        .expect("sent");
    let back = Resp::read(back).await;
    assert_eq!(
        back.body["data"]["scope"], "global",
        "a JWT may make it global"
    );
}

#[tokio::test]
async fn create_update_delete_round_trip() {
    let app = TestApp::spawn().await;
    let created = app
        .send(
            Method::POST,
            "/api/integrations-base",
            json!({"title": "GitLab", "product_id": ACME, "settings": {"group": "acme"}}),
        )
        .await;
    let id = created.body["data"]["id"].as_str().expect("id").to_owned();
    let path = format!("/api/integrations-base/{id}");
    assert_eq!(
        app.get(&path).await.body["data"]["settings"],
        json!({"group": "acme"})
    );
    let updated = app
        .send(
            Method::PUT,
            &path,
            json!({"title": "GitLab EE", "is_active": false}),
        )
        .await;
    assert_eq!(
        (updated.status, updated.body["data"]["title"].clone()),
        (200, json!("GitLab EE"))
    );
    assert_eq!(app.get(&path).await.body["data"]["is_active"], false);
    let deleted = app
        .call(Method::DELETE, &path, Some(ACME_TOKEN), None)
        .await;
    assert_eq!(deleted.body["data"], json!({"id": id}));
    app.get(&path).await.assert_error(404, "Not Found");
}

#[tokio::test]
async fn create_and_update_refuse_bad_input() {
    let app = TestApp::spawn().await;
    let missing = app
        .send(
            Method::POST,
            "/api/integrations-base",
            json!({"type": "jira"}),
        )
        .await;
    assert_eq!(
        missing.assert_error(400, "Bad Request"),
        "missing required field 'title'"
    );
    let bad = app
        .send(
            Method::POST,
            "/api/integrations-base",
            json!({"title": "x", "settings": "no"}),
        )
        .await;
    assert!(
        bad.assert_error(400, "Bad Request")
            .contains("'settings' must be an object")
    );
    let foreign = app
        .send(
            Method::POST,
            "/api/integrations-base",
            json!({"title": "x", "product_id": GLOBEX}),
        )
        .await;
    foreign.assert_error(404, "Not Found");
    let path = format!("/api/integrations-base/{ADO_ACME}");
    let empty = app.send(Method::PUT, &path, json!({"title": ""})).await;
    empty.assert_error(400, "Bad Request");
    let created_at = app
        .send(
            Method::PUT,
            &path,
            json!({"created_at": "2020-01-01T00:00:00Z"}),
        )
        .await;
    assert!(
        created_at
            .assert_error(400, "Bad Request")
            .contains("'created_at' cannot be changed")
    );
    app.send(
        Method::PUT,
        "/api/integrations-base/nope",
        json!({"title": "x"}),
    )
    .await
    .assert_error(404, "Not Found");
    app.get(&format!("/api/integrations-base/{TEAMS_GLOBEX}"))
        .await
        .assert_error(404, "Not Found");
}

#[tokio::test]
async fn active_applies_the_shadow_rule_per_type() {
    let app = TestApp::spawn().await;
    let active = app
        .get(&format!("/api/integrations-base/product/{ACME}/active"))
        .await;
    let ids = active.ids();
    assert!(ids.contains(&ADO_ACME), "local Azure DevOps is active");
    assert!(
        !ids.contains(&ADO_GLOBAL),
        "the global Azure DevOps is shadowed"
    );
    assert!(
        ids.contains(&SLACK_GLOBAL),
        "no local Slack, so the global one shows"
    );
    assert!(
        !ids.contains(&"e5f6a7b8-0004-4c2d-9e3f-200000000004"),
        "inactive integrations are left out"
    );
    // Deactivating the local one lets the global one show again.
    app.send(
        Method::PUT,
        &format!("/api/integrations-base/{ADO_ACME}"),
        json!({"is_active": false}),
    )
    .await;
    let after = app
        .get(&format!("/api/integrations-base/product/{ACME}/active"))
        .await;
    assert!(after.ids().contains(&ADO_GLOBAL));
    app.get(&format!("/api/integrations-base/product/{GLOBEX}/active"))
        .await
        .assert_error(404, "Not Found");
}

const ACME_DEVOPS: &str = "e5f6a7b8-0003-4c2d-9e3f-200000000003";
const ECHO_FLOW: &str = "b0c1d2e3-0004-4a5b-9c6d-500000000004";
const A_JWT: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.c2lnbmF0dXJl";

#[tokio::test]
async fn a_workspace_token_cannot_change_or_delete_shared_records_it_did_not_create() {
    let app = TestApp::spawn().await;
    let path = format!("/api/integrations-base/{SLACK_GLOBAL}");
    let delete = app
        .call(Method::DELETE, &path, Some(ACME_TOKEN), None)
        .await;
    let message = delete.assert_error(403, "Forbidden");
    assert!(
        message.contains(SLACK_GLOBAL) && message.contains("shared"),
        "{message}"
    );
    let edit = app
        .send(Method::PUT, &path, json!({"title": "Mine now"}))
        .await;
    edit.assert_error(403, "Forbidden");
    let flow = format!("/api/workflow-base/{ECHO_FLOW}");
    app.send(Method::PUT, &flow, json!({"description": "changed"}))
        .await
        .assert_error(403, "Forbidden");
    app.call(Method::DELETE, &flow, Some(ACME_TOKEN), None)
        .await
        .assert_error(403, "Forbidden");
    let local = format!("/api/integrations-base/{ACME_DEVOPS}");
    let to_global = app
        .send(Method::PUT, &local, json!({"product_id": null}))
        .await;
    assert!(to_global.assert_error(403, "Forbidden").contains("global"));
    assert_eq!(
        app.get(&path).await.body["data"]["title"],
        "Slack (company-wide)"
    );
    assert_eq!(app.get(&local).await.body["data"]["scope"], "local");
}

#[tokio::test]
async fn a_product_may_change_the_global_records_it_created_and_unrestricted_callers_anything() {
    let app = TestApp::spawn().await;
    let created = app
        .send(
            Method::POST,
            "/api/integrations-base",
            json!({"title": "Acme's global Jira", "type": "jira"}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let path = format!(
        "/api/integrations-base/{}",
        created.body["data"]["id"].as_str().expect("id")
    );
    app.call(
        Method::PUT,
        &path,
        Some(GLOBEX_TOKEN),
        Some(json!({"title": "x"})),
    )
    .await
    .assert_error(403, "Forbidden");
    let renamed = app
        .send(Method::PUT, &path, json!({"title": "Renamed"}))
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.text);
    let deleted = app
        .call(Method::DELETE, &path, Some(ACME_TOKEN), None)
        .await;
    assert_eq!(deleted.status, 200, "{}", deleted.text);

    let bearer = app
        .client
        .delete(app.url(&format!("/api/integrations-base/{SLACK_GLOBAL}")))
        .header("Authorization", format!("Bearer {A_JWT}"))
        .send()
        .await
        .expect("sent");
    assert_eq!(bearer.status(), 200, "a JWT may delete a shared record");
    let open =
        TestApp::with(prodgy_mock::MockServer::builder().auth(prodgy_mock::AuthMode::Off)).await;
    let flow = format!("/api/workflow-base/{ECHO_FLOW}");
    let edited = open
        .call(
            Method::PUT,
            &flow,
            None,
            Some(json!({"description": "changed"})),
        )
        .await;
    assert_eq!(edited.status, 200, "{}", edited.text);
}
