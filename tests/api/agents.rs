use reqwest::Method;
use serde_json::json;

use crate::helpers::*;

const TRIAGE: &str = "a9e1f3b5-0001-4c6d-8e7f-100000000001";
const SALES: &str = "a9e1f3b5-0004-4c6d-8e7f-100000000004";
const CATALOG_RELEASE_NOTES: &str = "c1a0b2c3-0005-4000-8000-000000000005";

#[tokio::test]
async fn listing_agents_shows_only_the_callers_product() {
    let app = TestApp::spawn().await;
    let resp = app.get("/api/agent-base").await;
    assert_eq!(resp.status, 200);
    assert_eq!(resp.body["success"], true);
    assert_eq!(resp.ids().len(), 3);
    assert!(!resp.ids().contains(&SALES));
    assert_eq!(
        resp.body["pagination"],
        json!({"page": 1, "pageSize": 20, "total": 3, "totalPages": 1})
    );
}

#[tokio::test]
async fn listing_by_product_works_for_the_own_product_and_hides_others() {
    let app = TestApp::spawn().await;
    let mine = app.get(&format!("/api/agent-base/product/{ACME}")).await;
    assert_eq!(mine.ids().len(), 3);
    let theirs = app.get(&format!("/api/agent-base/product/{GLOBEX}")).await;
    assert!(theirs.assert_error(404, "Not Found").contains(GLOBEX));
    let unknown = app.get("/api/agent-base/product/nope").await;
    assert_eq!(
        unknown.assert_error(404, "Not Found"),
        "product 'nope' not found"
    );
}

#[tokio::test]
async fn an_installed_agent_is_listed_and_readable_then_gone_after_uninstall() {
    let app = TestApp::spawn().await;
    let body =
        json!({"agent_id": CATALOG_RELEASE_NOTES, "parameters": {"tone": "formal", "extra": 1}});
    let created = app
        .send(Method::POST, "/api/agent-base/install", body)
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let agent = &created.body["data"];
    let id = agent["id"].as_str().expect("id").to_owned();
    assert_eq!(agent["product_id"], ACME);
    assert_eq!(agent["name"], "Release Notes Writer");
    assert_eq!(agent["parameters"], json!({"tone": "formal", "extra": 1}));
    assert_eq!(agent["created_at"], T0);

    assert!(
        app.get("/api/agent-base")
            .await
            .ids()
            .contains(&id.as_str())
    );
    assert_eq!(
        app.get(&format!("/api/agent-base/{id}")).await.body["data"]["id"],
        id.as_str()
    );

    let removed = app
        .call(
            Method::DELETE,
            &format!("/api/agent-base/{id}"),
            Some(ACME_TOKEN),
            None,
        )
        .await;
    assert_eq!(
        (removed.status, &removed.body["data"]),
        (200, &json!({"id": id}))
    );
    app.get(&format!("/api/agent-base/{id}"))
        .await
        .assert_error(404, "Not Found");
    let again = app
        .call(
            Method::DELETE,
            &format!("/api/agent-base/{id}"),
            Some(ACME_TOKEN),
            None,
        )
        .await;
    again.assert_error(404, "Not Found");
}

#[tokio::test]
async fn the_alias_install_path_works_the_same() {
    let app = TestApp::spawn().await;
    let created = app
        .send(
            Method::POST,
            "/api/agent-base",
            json!({"agent_id": CATALOG_RELEASE_NOTES}),
        )
        .await;
    assert_eq!(created.status, 201);
}

#[tokio::test]
async fn install_refuses_bad_bodies_with_the_field_named() {
    let app = TestApp::spawn().await;
    let missing = app
        .send(Method::POST, "/api/agent-base/install", json!({}))
        .await;
    assert_eq!(
        missing.assert_error(400, "Bad Request"),
        "missing required field 'agent_id'"
    );
    let wrong = app
        .send(
            Method::POST,
            "/api/agent-base/install",
            json!({"agent_id": 7}),
        )
        .await;
    assert!(
        wrong
            .assert_error(400, "Bad Request")
            .contains("'agent_id' must be a string")
    );
    let params = app
        .send(
            Method::POST,
            "/api/agent-base/install",
            json!({"agent_id": CATALOG_RELEASE_NOTES, "parameters": []}),
        )
        .await;
    assert!(
        params
            .assert_error(400, "Bad Request")
            .contains("'parameters' must be an object")
    );
    let unknown = app
        .send(
            Method::POST,
            "/api/agent-base/install",
            json!({"agent_id": "nope"}),
        )
        .await;
    assert_eq!(
        unknown.assert_error(404, "Not Found"),
        "catalog agent 'nope' not found"
    );
    let twice = app
        .send(
            Method::POST,
            "/api/agent-base/install",
            json!({"agent_id": "c1a0b2c3-0001-4000-8000-000000000001"}),
        )
        .await;
    assert!(
        twice
            .assert_error(400, "Bad Request")
            .contains("already installed")
    );
    let other = app
        .send(
            Method::POST,
            "/api/agent-base/install",
            json!({"agent_id": CATALOG_RELEASE_NOTES, "product_id": GLOBEX}),
        )
        .await;
    other.assert_error(404, "Not Found");
}

#[tokio::test]
async fn update_changes_only_what_is_sent_and_keeps_unknown_fields() {
    let app = TestApp::spawn().await;
    let before = app.get(&format!("/api/agent-base/{TRIAGE}")).await.body["data"].clone();
    let body = json!({"is_active": false, "name": "Triage v2", "team": "support", "id": TRIAGE});
    let updated = app
        .send(Method::PUT, &format!("/api/agent-base/{TRIAGE}"), body)
        .await;
    assert_eq!(updated.status, 200, "{}", updated.text);
    let after = &updated.body["data"];
    assert_eq!(
        (
            after["is_active"].clone(),
            after["name"].clone(),
            after["team"].clone()
        ),
        (json!(false), json!("Triage v2"), json!("support"))
    );
    assert_eq!(after["parameters"], before["parameters"]);
    assert_eq!(after["updated_at"], T0);
    assert_eq!(
        app.get(&format!("/api/agent-base/{TRIAGE}")).await.body["data"],
        *after
    );
}

#[tokio::test]
async fn update_refuses_bad_fields_and_unknown_ids() {
    let app = TestApp::spawn().await;
    let path = format!("/api/agent-base/{TRIAGE}");
    let cases = [
        (json!({"is_active": "yes"}), "'is_active' must be a boolean"),
        (json!({"name": ""}), "'name' must be a non-empty string"),
        (
            json!({"product_id": GLOBEX}),
            "field 'product_id' cannot be changed",
        ),
        (
            json!({"integrations": [1]}),
            "'integrations' must be an array",
        ),
    ];
    for (body, expected) in cases {
        let resp = app.send(Method::PUT, &path, body).await;
        assert!(
            resp.assert_error(400, "Bad Request").contains(expected),
            "{}",
            resp.text
        );
    }
    app.send(Method::PUT, "/api/agent-base/nope", json!({"name": "x"}))
        .await
        .assert_error(404, "Not Found");
    app.send(
        Method::PUT,
        &format!("/api/agent-base/{SALES}"),
        json!({"name": "x"}),
    )
    .await
    .assert_error(404, "Not Found");
}

#[tokio::test]
async fn uninstall_by_query_or_body_on_the_collection_path() {
    let app = TestApp::spawn().await;
    let by_query = app
        .call(
            Method::DELETE,
            &format!("/api/agent-base?id={TRIAGE}"),
            Some(ACME_TOKEN),
            None,
        )
        .await;
    assert_eq!(by_query.status, 200);
    let second = "a9e1f3b5-0002-4c6d-8e7f-100000000002";
    let by_body = app
        .send(Method::DELETE, "/api/agent-base", json!({"id": second}))
        .await;
    assert_eq!(by_body.status, 200);
    let neither = app
        .call(Method::DELETE, "/api/agent-base", Some(ACME_TOKEN), None)
        .await;
    assert!(neither.assert_error(400, "Bad Request").contains("'id'"));
    assert_eq!(app.get("/api/agent-base").await.ids().len(), 1);
}

#[tokio::test]
async fn executions_are_listed_per_agent_with_a_status_filter() {
    let app = TestApp::spawn().await;
    let all = app
        .get(&format!("/api/agent-base/{TRIAGE}/executions"))
        .await;
    assert_eq!(all.ids().len(), 3);
    let failed = app
        .get(&format!(
            "/api/agent-base/{TRIAGE}/executions?status=failed"
        ))
        .await;
    assert_eq!(failed.ids(), ["e0c1d2e3-0002-4f5a-8b6c-300000000002"]);
    assert_eq!(failed.body["pagination"]["total"], 1);
    let bad = app
        .get(&format!("/api/agent-base/{TRIAGE}/executions?status=weird"))
        .await;
    assert!(bad.assert_error(400, "Bad Request").contains("'status'"));
    app.get("/api/agent-base/nope/executions")
        .await
        .assert_error(404, "Not Found");
    app.get(&format!("/api/agent-base/{SALES}/executions"))
        .await
        .assert_error(404, "Not Found");
}

#[tokio::test]
async fn pagination_pages_are_stable_and_edges_are_checked() {
    let app = TestApp::spawn().await;
    let page1 = app.get("/api/agent-base?pageSize=2").await;
    let page2 = app.get("/api/agent-base?pageSize=2&page=2").await;
    let page3 = app.get("/api/agent-base?limit=2&page=3").await;
    assert_eq!(page1.ids().len() + page2.ids().len(), 3);
    assert_eq!(page3.ids().len(), 0);
    assert_eq!(
        page2.body["pagination"],
        json!({"page": 2, "pageSize": 2, "total": 3, "totalPages": 2})
    );
    assert_eq!(
        app.get("/api/agent-base?pageSize=1&limit=50")
            .await
            .ids()
            .len(),
        1
    );
    assert_eq!(
        app.get("/api/agent-base?pageSize=1000").await.body["pagination"]["pageSize"],
        100
    );
    for bad in [
        "page=0",
        "page=-1",
        "pageSize=abc",
        "limit=0",
        "page=99999999999999999999999",
        "page=",
    ] {
        let resp = app.get(&format!("/api/agent-base?{bad}")).await;
        let name = bad.split('=').next().unwrap_or_default();
        assert!(
            resp.assert_error(400, "Bad Request")
                .contains(&format!("'{name}'")),
            "{bad}: {}",
            resp.text
        );
    }
}

#[tokio::test]
async fn unknown_fixture_fields_are_returned_unchanged() {
    let app =
        TestApp::with(prodgy_mock::MockServer::builder().auth(prodgy_mock::AuthMode::Off)).await;
    let agent = app.get(&format!("/api/agent-base/{SALES}")).await;
    assert_eq!(agent.body["data"]["x_custom_label"], "kept as-is");
}

#[tokio::test]
async fn uninstalling_an_agent_removes_its_executions() {
    let app =
        TestApp::with(prodgy_mock::MockServer::builder().auth(prodgy_mock::AuthMode::Off)).await;
    app.call(
        Method::DELETE,
        &format!("/api/agent-base/{TRIAGE}"),
        None,
        None,
    )
    .await;
    let exported = app
        .call(Method::GET, "/__admin/state", None, None)
        .await
        .body["data"]
        .clone();
    let executions = exported["executions"].as_array().expect("array");
    assert!(executions.iter().all(|e| e["agent_base_id"] != TRIAGE));
    let workflows = exported["workflows"].as_array().expect("array");
    assert!(
        workflows.iter().any(|w| w["agent_base_id"].is_null()),
        "optional references are cleared"
    );
}

#[tokio::test]
async fn uuids_in_paths_and_bodies_match_in_any_case() {
    let app = TestApp::spawn().await;
    let upper = "A9E1F3B5-0001-4C6D-8E7F-100000000001";
    let agent = app.get(&format!("/api/agent-base/{upper}")).await;
    assert_eq!(agent.status, 200, "{}", agent.text);
    assert_eq!(agent.body["data"]["id"], upper.to_ascii_lowercase());
    let runs = app
        .get(&format!("/api/agent-base/{upper}/executions"))
        .await;
    let lower = app
        .get(&format!(
            "/api/agent-base/{}/executions",
            upper.to_ascii_lowercase()
        ))
        .await;
    assert_eq!(runs.body["pagination"], lower.body["pagination"]);
    assert_eq!(runs.ids(), lower.ids());
    let product = app
        .get(&format!(
            "/api/agent-base/product/{}",
            ACME.to_ascii_uppercase()
        ))
        .await;
    assert_eq!(product.status, 200, "{}", product.text);
}
