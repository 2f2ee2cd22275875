//! The admin API: health, reset, journal, clock and state export.

use prodgy_mock::MockServer;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;

impl TestApp {
    async fn admin(&self, method: Method, path: &str, body: Option<Value>) -> Resp {
        self.call(method, path, None, body).await
    }
}

const TRIAGE: &str = "a9e1f3b5-0001-4c6d-8e7f-100000000001";

#[tokio::test]
async fn health_reports_readiness_version_counts_and_clock() {
    let app = TestApp::spawn().await;
    let health = app.admin(Method::GET, "/__admin/health", None).await;
    assert_eq!(health.status, 200);
    let data = &health.body["data"];
    assert_eq!(data["ready"], true);
    assert_eq!(data["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(data["counts"]["agents"], 4);
    assert_eq!(data["counts"]["products"], 2);
    assert_eq!(data["clock"], T0);
    assert_eq!(data["scenario"], json!(["default"]));
    assert!(data["uptime_seconds"].is_u64());
}

#[tokio::test]
async fn reset_puts_state_back_to_the_seed_and_clears_the_journal() {
    let app = TestApp::spawn().await;
    app.call(
        Method::DELETE,
        &format!("/api/agent-base/{TRIAGE}"),
        Some(ACME_TOKEN),
        None,
    )
    .await;
    assert_eq!(app.get("/api/agent-base").await.ids().len(), 2);
    let reset = app.admin(Method::POST, "/__admin/reset", None).await;
    assert_eq!(reset.status, 200, "{}", reset.text);
    assert_eq!(
        app.admin(Method::GET, "/__admin/requests/count", None)
            .await
            .body["data"]["count"],
        0
    );
    assert_eq!(app.get("/api/agent-base").await.ids().len(), 3);
}

#[tokio::test]
async fn the_journal_lists_newest_first_with_filters_and_masked_tokens() {
    let app = TestApp::spawn().await;
    app.get("/api/agent-base").await;
    app.get("/api/agent-base/nope").await;
    app.send(
        Method::POST,
        "/api/integrations-base",
        json!({"title": "Jira"}),
    )
    .await;
    let all = app.admin(Method::GET, "/__admin/requests", None).await;
    let entries = all.body["data"].as_array().expect("array").clone();
    assert_eq!(entries.len(), 3);
    assert_eq!(entries[0]["method"], "POST");
    assert_eq!(entries[0]["route"], "integrations.create");
    assert_eq!(entries[0]["status"], 201);
    assert_eq!(entries[0]["body"], "{\"title\":\"Jira\"}");
    assert_eq!(entries[2]["path"], "/api/agent-base");
    let token = entries[2]["headers"]
        .as_array()
        .expect("headers")
        .iter()
        .find(|h| h[0] == "x-api-token")
        .expect("token header")
        .clone();
    assert_eq!(token[1], "prodgy_A********");
    assert!(!all.text.contains(ACME_TOKEN));

    let not_found = app
        .admin(Method::GET, "/__admin/requests?status=404", None)
        .await;
    assert_eq!(not_found.body["data"][0]["path"], "/api/agent-base/nope");
    let by_route = app
        .admin(Method::GET, "/__admin/requests?route=agents.get", None)
        .await;
    assert_eq!(by_route.body["data"].as_array().map(Vec::len), Some(1));
    let by_method = app
        .admin(Method::GET, "/__admin/requests/count?method=get", None)
        .await;
    assert_eq!(by_method.body["data"]["count"], 2);
    let by_path = app
        .admin(
            Method::GET,
            "/__admin/requests/count?path=/api/agent-base",
            None,
        )
        .await;
    assert_eq!(by_path.body["data"]["count"], 1);
    let bad = app
        .admin(Method::GET, "/__admin/requests?status=abc", None)
        .await;
    assert!(bad.assert_error(400, "Bad Request").contains("'status'"));

    assert_eq!(
        app.admin(Method::DELETE, "/__admin/requests", None)
            .await
            .status,
        200
    );
    assert_eq!(
        app.admin(Method::GET, "/__admin/requests/count", None)
            .await
            .body["data"]["count"],
        0
    );
}

#[tokio::test]
async fn the_journal_is_a_bounded_ring() {
    let app = TestApp::with(MockServer::builder().journal_size(5)).await;
    for page in 1..=12 {
        app.get(&format!("/api/agent-base?page={page}")).await;
    }
    let entries = app.admin(Method::GET, "/__admin/requests", None).await.body["data"].clone();
    let queries: Vec<&str> = entries
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|e| e["query"].as_str())
        .collect();
    assert_eq!(
        queries,
        ["page=12", "page=11", "page=10", "page=9", "page=8"]
    );
}

#[tokio::test]
async fn the_journal_keeps_only_the_start_of_a_large_body() {
    let app = TestApp::spawn().await;
    let title = "x".repeat(10_000);
    app.send(
        Method::POST,
        "/api/integrations-base",
        json!({"title": title}),
    )
    .await;
    let entry = app.admin(Method::GET, "/__admin/requests", None).await.body["data"][0].clone();
    assert_eq!(entry["body"].as_str().map(str::len), Some(4096));
    assert_eq!(entry["body_size"], 10_012);
}

#[tokio::test]
async fn the_clock_can_be_read_and_advanced() {
    let app = TestApp::with(MockServer::builder().fixtures_dir("tests/fixtures/expiring")).await;
    let clock = app.admin(Method::GET, "/__admin/clock", None).await;
    assert_eq!(
        (
            clock.body["data"]["now"].clone(),
            clock.body["data"]["frozen"].clone()
        ),
        (json!(T0), json!(true))
    );
    let token = "prodgy_ExpiresAnHourAfterT0xxxxxxxxxxx";
    assert_eq!(
        app.call(Method::GET, "/api/agent-base", Some(token), None)
            .await
            .status,
        200
    );
    let advanced = app
        .admin(
            Method::POST,
            "/__admin/clock/advance",
            Some(json!({"seconds": 3600})),
        )
        .await;
    assert_eq!(advanced.body["data"]["now"], "2026-03-05T15:30:00Z");
    app.call(Method::GET, "/api/agent-base", Some(token), None)
        .await
        .assert_error(401, "Unauthorized");
    let bad = app
        .admin(
            Method::POST,
            "/__admin/clock/advance",
            Some(json!({"seconds": -1})),
        )
        .await;
    assert!(bad.assert_error(400, "Bad Request").contains("'seconds'"));
    let missing = app
        .admin(Method::POST, "/__admin/clock/advance", Some(json!({})))
        .await;
    assert!(
        missing
            .assert_error(400, "Bad Request")
            .contains("'seconds'")
    );
}

#[tokio::test]
async fn the_state_export_reloads_into_the_same_state() {
    let app = TestApp::spawn().await;
    app.send(
        Method::POST,
        "/api/integrations-base",
        json!({"title": "Exported", "x_extra": [1, 2]}),
    )
    .await;
    app.call(
        Method::DELETE,
        &format!("/api/agent-base/{TRIAGE}"),
        Some(ACME_TOKEN),
        None,
    )
    .await;
    let exported = app.admin(Method::GET, "/__admin/state", None).await.body["data"].clone();
    assert_eq!(exported["agents"].as_array().map(Vec::len), Some(3));

    let file = std::env::temp_dir().join(format!("prodgy-mock-export-{}.json", std::process::id()));
    std::fs::write(&file, serde_json::to_vec_pretty(&exported).expect("json")).expect("write");
    let again = TestApp::with(MockServer::builder().fixtures_dir(&file)).await;
    let reexported = again.admin(Method::GET, "/__admin/state", None).await.body["data"].clone();
    assert_eq!(reexported, exported);
    let _ = std::fs::remove_file(file);
}

#[tokio::test]
async fn a_broken_export_file_is_refused_with_its_position() {
    let file = std::env::temp_dir().join(format!(
        "prodgy-mock-bad-export-{}.json",
        std::process::id()
    ));
    std::fs::write(&file, "{\n  \"products\": [\n    {\"id\": \"p1\"}\n  ]\n}").expect("write");
    let err = MockServer::builder()
        .fixtures_dir(&file)
        .try_start()
        .await
        .expect_err("refused");
    assert!(
        err.to_string()
            .contains(":3:5: product 'p1' (record #1): missing required field 'name'"),
        "{err}"
    );
    let _ = std::fs::remove_file(file);
}

#[tokio::test]
async fn unknown_admin_routes_are_404_and_wrong_methods_405() {
    let app = TestApp::spawn().await;
    app.admin(Method::GET, "/__admin/nope", None)
        .await
        .assert_error(404, "Not Found");
    let wrong = app.admin(Method::GET, "/__admin/reset", None).await;
    wrong.assert_error(405, "Method Not Allowed");
    assert_eq!(wrong.headers["allow"], "POST");
}

#[tokio::test]
async fn admin_off_hides_the_admin_api() {
    let app = TestApp::with(MockServer::builder().admin(false)).await;
    let resp = app.admin(Method::GET, "/__admin/health", None).await;
    resp.assert_error(404, "Not Found");
}

#[tokio::test]
async fn the_journal_names_the_rule_that_fired_and_reset_restarts_scenario_counters() {
    let app = TestApp::with(MockServer::builder().scenario("retry-then-succeed")).await;
    assert_eq!(three_statuses(&app).await, [500, 500, 200]);
    let entries = app.admin(Method::GET, "/__admin/requests", None).await.body["data"].clone();
    assert_eq!(entries[2]["rule"], "retry-then-succeed#1");
    assert_eq!(entries[0]["rule"], Value::Null);
    app.admin(Method::POST, "/__admin/reset", None).await;
    assert_eq!(
        three_statuses(&app).await,
        [500, 500, 200],
        "counters start again after a reset"
    );
}

async fn three_statuses(app: &TestApp) -> Vec<u16> {
    let mut seen = Vec::new();
    for _ in 0..3 {
        seen.push(app.get("/api/agent-base").await.status);
    }
    seen
}

#[tokio::test]
async fn the_journal_keeps_what_was_answered_and_can_be_polled_since_an_id() {
    let app = TestApp::spawn().await;
    app.get("/api/agent-base?pageSize=1").await;
    let first = app.get("/__admin/requests").await;
    let entry = &first.body["data"][0];
    assert_eq!(entry["response"]["status"], 200);
    assert!(
        entry["response"]["body"]
            .as_str()
            .is_some_and(|b| b.contains("\"pagination\""))
    );
    assert!(
        entry["response"]["body_size"]
            .as_u64()
            .is_some_and(|n| n > 0)
    );
    let headers = entry["response"]["headers"].as_array().expect("headers");
    let names: Vec<&str> = headers.iter().filter_map(|h| h[0].as_str()).collect();
    assert!(
        names.contains(&"content-type") && names.contains(&"date"),
        "{names:?}"
    );
    assert!(entry["duration_ms"].as_f64().is_some_and(|ms| ms >= 0.0));

    let seen = entry["id"].as_u64().expect("id");
    app.get("/api/integrations-base").await;
    let newer = app.get(&format!("/__admin/requests?since={seen}")).await;
    let paths: Vec<&str> = newer.body["data"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["path"].as_str())
        .collect();
    assert_eq!(paths, ["/api/integrations-base"]);
    app.get("/__admin/requests?since=x")
        .await
        .assert_error(400, "Bad Request");
}

#[tokio::test]
async fn namespaces_and_live_rate_limit_buckets_are_listed() {
    let app = TestApp::with(prodgy_mock::MockServer::builder().scenario("ratelimit")).await;
    app.get("/api/agent-base").await;
    app.get("/api/agent-base").await;
    let other = app
        .client
        .get(app.url("/api/knowledge-base/search?query=password"))
        .header("X-API-Token", ACME_TOKEN)
        .header("X-Mock-Namespace", "t1")
        .send()
        .await
        .expect("sent");
    assert_eq!(other.status(), 200);
    let names = app.get("/__admin/namespaces").await;
    let listed: Vec<&str> = names.body["data"]
        .as_array()
        .expect("namespaces")
        .iter()
        .filter_map(|n| n["name"].as_str())
        .collect();
    assert_eq!(listed, ["default", "t1"]);
    assert!(names.body["data"][0]["counts"]["agents"].as_u64().is_some());
    let buckets = app.get("/__admin/ratelimits").await;
    let rows = buckets.body["data"].as_array().expect("buckets");
    assert_eq!(rows.len(), 2, "{}", buckets.text);
    assert_eq!(
        (
            rows[0]["namespace"].clone(),
            rows[0]["class"].clone(),
            rows[0]["limit"].clone(),
            rows[0]["remaining"].clone()
        ),
        (json!("default"), json!("standard"), json!(10), json!(8))
    );
    assert!(
        rows[0]["caller"]
            .as_str()
            .is_some_and(|c| c.starts_with("ip "))
    );
    assert_eq!(
        (rows[1]["class"].clone(), rows[1]["remaining"].clone()),
        (json!("strict"), json!(4))
    );
    assert_eq!(rows[0]["reset"], 1_772_721_060);
}

#[tokio::test]
async fn the_state_export_shows_executions_as_the_clock_has_moved_them() {
    let app = TestApp::spawn().await;
    let started = app
        .send(
            Method::POST,
            "/api/workflow/execute",
            json!({"workflow_base_id": "b0c1d2e3-0001-4a5b-9c6d-500000000001"}),
        )
        .await;
    let id = started.body["data"]["execution_id"]
        .as_str()
        .expect("id")
        .to_owned();
    let status = |export: &Resp| {
        export.body["data"]["executions"]
            .as_array()
            .expect("executions")
            .iter()
            .find(|e| e["id"] == id.as_str())
            .map(|e| e["status"].clone())
    };
    assert_eq!(
        status(&app.get("/__admin/state").await),
        Some(json!("running"))
    );
    app.server
        .clock()
        .advance(std::time::Duration::from_secs(3600));
    assert_eq!(
        status(&app.get("/__admin/state").await),
        Some(json!("completed"))
    );
}

#[tokio::test]
async fn the_dashboard_and_its_files_are_served_with_types_and_etags() {
    let app = TestApp::spawn().await;
    for (path, kind) in [
        ("/__admin/ui", "text/html; charset=utf-8"),
        ("/__admin/ui/", "text/html; charset=utf-8"),
        ("/__admin/ui/app.js", "text/javascript; charset=utf-8"),
        ("/__admin/ui/app.css", "text/css; charset=utf-8"),
        ("/__admin/ui/favicon.svg", "image/svg+xml"),
    ] {
        let page = app.admin(Method::GET, path, None).await;
        assert_eq!(page.status, 200, "{path}");
        assert_eq!(page.headers["content-type"], kind, "{path}");
        assert_eq!(page.headers["cache-control"], "no-cache", "{path}");
        assert!(
            page.headers["content-security-policy"]
                .to_str()
                .is_ok_and(|csp| csp.contains("script-src 'self'")),
            "{path}"
        );
        let etag = page.headers["etag"].to_str().expect("etag").to_owned();
        assert!(etag.starts_with('"') && etag.len() == 18, "{path}: {etag}");
        let again = app
            .client
            .get(app.url(path))
            .header("If-None-Match", &etag)
            .send()
            .await
            .expect("sent");
        assert_eq!(again.status(), 304, "{path}");
        assert_eq!(again.headers()["etag"], etag.as_str());
        assert!(again.bytes().await.expect("body").is_empty());
        let stale = app
            .client
            .get(app.url(path))
            .header("If-None-Match", "\"0000000000000000\"")
            .send()
            .await
            .expect("sent");
        assert_eq!(stale.status(), 200, "{path}");
    }
    let page = app.admin(Method::GET, "/__admin/ui", None).await;
    assert!(
        page.text
            .contains("<script type=\"module\" src=\"/__admin/ui/app.js\">")
    );
    let head = app
        .client
        .head(app.url("/__admin/ui/app.js"))
        .send()
        .await
        .expect("sent");
    assert_eq!(head.status(), 200);
    assert!(head.bytes().await.expect("body").is_empty());
    app.admin(Method::GET, "/__admin/ui/nope.js", None)
        .await
        .assert_error(404, "Not Found");
    let home = app
        .client
        .get(app.url("/__admin"))
        .send()
        .await
        .expect("sent");
    assert_eq!(
        home.url().path(),
        "/__admin/ui",
        "/__admin leads to the page"
    );
    let count = app
        .admin(Method::GET, "/__admin/requests/count", None)
        .await;
    assert_eq!(count.body["data"]["count"], 0, "the page is not journaled");
}

#[tokio::test]
async fn admin_off_turns_the_dashboard_off_too() {
    let app = TestApp::with(MockServer::builder().admin(false)).await;
    for path in ["/__admin/ui", "/__admin/ui/app.js", "/__admin"] {
        app.admin(Method::GET, path, None)
            .await
            .assert_error(404, "Not Found");
    }
}

#[tokio::test]
async fn the_journal_filters_by_status_class() {
    let app = TestApp::spawn().await;
    app.get("/api/agent-base").await;
    app.get("/api/agent-base/nope").await;
    app.call(Method::GET, "/api/agent-base", None, None).await;
    let statuses = |resp: &Resp| -> Vec<u64> {
        resp.body["data"]
            .as_array()
            .expect("entries")
            .iter()
            .filter_map(|e| e["status"].as_u64())
            .collect()
    };
    let client_errors = app.get("/__admin/requests?status=4xx").await;
    assert_eq!(statuses(&client_errors), [401, 404]);
    assert_eq!(
        statuses(&app.get("/__admin/requests?status=2xx").await),
        [200]
    );
    let count = app.get("/__admin/requests/count?status=4XX").await;
    assert_eq!(count.body["data"]["count"], 2);
    app.get("/__admin/requests?status=7xx")
        .await
        .assert_error(400, "Bad Request");
}

#[tokio::test]
async fn the_journal_shows_the_very_bytes_each_answer_had_even_after_the_record_changed() {
    let app = TestApp::spawn().await;
    for n in 0..20 {
        let body = json!({"title": format!("Jira {n}"), "type": "jira", "credentials": {"token": "s3cret"}});
        let created = app.send(Method::POST, "/api/integrations-base", body).await;
        assert_eq!(created.status, 201, "{}", created.text);
    }
    let record = app.get(&format!("/api/agent-base/{TRIAGE}")).await;
    let page = app.get("/api/integrations-base?pageSize=50").await;
    assert!(page.text.len() > 4096, "a page larger than the kept prefix");
    let renamed = app
        .send(
            Method::PUT,
            &format!("/api/agent-base/{TRIAGE}"),
            json!({"name": "Renamed"}),
        )
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.text);
    let journal = app.get("/__admin/requests?route=agents.get").await;
    let kept = &journal.body["data"][0]["response"];
    assert_eq!(
        kept["body"],
        record.text.as_str(),
        "the answer before the change"
    );
    assert_eq!(kept["body_size"], record.text.len());
    let date = record.headers["date"].to_str().expect("date");
    assert_eq!(
        kept["headers"],
        json!([["content-type", "application/json"], ["date", date]])
    );
    let journal = app.get("/__admin/requests?route=integrations.list").await;
    let kept = &journal.body["data"][0]["response"];
    assert_eq!(kept["body"], &page.text[..4096]);
    assert_eq!(kept["body_size"], page.text.len());
}

#[tokio::test]
async fn a_record_read_again_answers_the_same_bytes_and_the_journal_keeps_them() {
    let app = TestApp::spawn().await;
    let path = format!("/api/agent-base/{TRIAGE}");
    let first = app.get(&path).await;
    let second = app.get(&path).await;
    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!(first.text, second.text);
    assert_eq!(
        (first.body["success"].clone(), first.message()),
        (json!(true), "Operation completed successfully")
    );
    assert_eq!(first.body["data"]["id"], TRIAGE);
    let length = first.headers["content-length"].to_str().expect("ascii");
    assert_eq!(length, first.text.len().to_string());
    let journal = app.admin(Method::GET, "/__admin/requests", None).await;
    let newest = &journal.body["data"][0];
    assert_eq!(newest["path"], path.as_str());
    assert_eq!(newest["response"]["body"], second.text.as_str());
}
