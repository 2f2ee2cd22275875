//! Scenarios through a real client: built-ins, every `when`/`respond`/`fault` kind, runtime
//! selection, and file errors. Each determinism test runs the same calls on two fresh
//! servers with the same seed and compares the bytes.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use prodgy_mock::MockServer;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{ACME, ACME_TOKEN, Resp, TestApp};

/// A scratch directory unique to this test process and `name`.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("prodgy-mock-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// Writes `scenario` to a scratch file and returns its path.
pub fn scenario_file(name: &str, scenario: &Value) -> String {
    let path = scratch(name).join(format!("{name}.json"));
    let text = serde_json::to_string_pretty(scenario).expect("json");
    std::fs::write(&path, text).expect("write scenario");
    path.display().to_string()
}

/// A mock with the given scenarios active and seed 42.
pub async fn with_scenarios(names: &[&str]) -> TestApp {
    let mut builder = MockServer::builder().seed(42);
    for name in names {
        builder = builder.scenario(*name);
    }
    TestApp::with(builder).await
}

/// GET `path` as Acme with extra headers.
pub async fn get_with(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> Resp {
    let mut request = app
        .client
        .get(app.url(path))
        .header("X-API-Token", ACME_TOKEN);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    Resp::read(request.send().await.expect("request sent")).await
}

/// `n` GETs of `path`, each summarized as `status body`, or `fault` when the connection broke.
async fn outcomes(app: &TestApp, path: &str, n: usize) -> Vec<String> {
    let mut seen = Vec::new();
    for _ in 0..n {
        let sent = app
            .client
            .get(app.url(path))
            .header("X-API-Token", ACME_TOKEN)
            .send()
            .await;
        seen.push(match sent {
            Ok(response) => {
                let status = response.status().as_u16();
                format!("{status} {}", response.text().await.unwrap_or_default())
            }
            Err(_) => "fault".to_owned(),
        });
    }
    seen
}

#[tokio::test]
async fn the_default_scenario_injects_nothing() {
    let app = with_scenarios(&["default"]).await;
    let resp = app.get("/api/agent-base").await;
    assert_eq!(resp.status, 200, "{}", resp.text);
    assert!(resp.headers.get("ratelimit-limit").is_none());
}

#[tokio::test]
async fn server_errors_answers_500_envelopes_on_every_route() {
    let app = with_scenarios(&["server-errors"]).await;
    for path in ["/api/agent-base", "/api/integrations-base"] {
        let resp = app.get(path).await;
        let message = resp.assert_error(500, "Internal Server Error");
        assert_eq!(
            message,
            "500 Internal Server Error injected by scenario 'server-errors'"
        );
    }
}

#[tokio::test]
async fn unauthorized_answers_401_even_with_a_valid_token() {
    let app = with_scenarios(&["unauthorized"]).await;
    let resp = app.get("/api/agent-base").await;
    assert_eq!(
        resp.assert_error(401, "Unauthorized"),
        "Invalid or missing API token"
    );
}

#[tokio::test]
async fn retry_then_succeed_fails_the_first_two_calls_of_each_route_per_namespace() {
    let app = with_scenarios(&["retry-then-succeed"]).await;
    let statuses =
        |rs: Vec<String>| -> Vec<String> { rs.iter().map(|r| r[..3].to_owned()).collect() };
    assert_eq!(
        statuses(outcomes(&app, "/api/agent-base", 3).await),
        ["500", "500", "200"]
    );
    assert_eq!(
        statuses(outcomes(&app, "/api/integrations-base", 3).await),
        ["500", "500", "200"]
    );
    let other = get_with(&app, "/api/agent-base", &[("X-Mock-Namespace", "other")]).await;
    assert_eq!(other.status, 500, "a new namespace counts from 1");
    app.server.reset();
    assert_eq!(
        app.get("/api/agent-base").await.status,
        500,
        "reset restarts counts"
    );
}

#[tokio::test]
async fn flaky_gives_the_same_failures_for_the_same_seed() {
    let first = outcomes(&with_scenarios(&["flaky"]).await, "/api/agent-base", 60).await;
    let second = outcomes(&with_scenarios(&["flaky"]).await, "/api/agent-base", 60).await;
    assert_eq!(first, second);
    assert!(first.iter().any(|o| o == "fault"), "{first:?}");
    assert!(first.iter().any(|o| o.starts_with("500 ")), "{first:?}");
    assert!(first.iter().filter(|o| o.starts_with("200 ")).count() > 40);
}

#[tokio::test]
async fn slow_answers_normally_after_a_seeded_delay() {
    let app = with_scenarios(&["slow"]).await;
    let started = Instant::now();
    let first = outcomes(&app, "/api/agent-base", 3).await;
    assert!(started.elapsed() >= Duration::from_millis(60));
    assert!(first.iter().all(|o| o.starts_with("200 ")));
    let again = outcomes(&with_scenarios(&["slow"]).await, "/api/agent-base", 3).await;
    assert_eq!(first, again);
}

fn when_scenario() -> Value {
    json!({
        "name": "when-kinds",
        "rules": [
            {"match": {"route": "agents.list"}, "when": {"nth": 2}, "respond": {"status": 500}},
            {"match": {"method": "GET", "path": "/api/integrations-base"},
             "when": {"range": [2, 3]}, "respond": {"status": 400}},
            {"match": {"path": "/api/agent-base/product/{productId}"},
             "when": {"every": 2}, "respond": {"status": 500}},
            {"match": {"route": "integrations.active"}, "when": {"first": 1},
             "respond": {"status": 404}},
            {"match": {"route": "agents.get"}, "when": {"probability": 0.5},
             "respond": {"status": 500}},
            {"match": {"headers": {"X-Test": "boom"}}, "respond": {"status": 418}},
            {"match": {"query": {"fail": "yes"}}, "respond": {"status": 503}},
            {"match": {"namespace": "broken"}, "respond": {"status": 502}}
        ]
    })
}

async fn when_statuses(file: &str) -> Vec<u16> {
    let app = with_scenarios(&[file]).await;
    let mut seen = Vec::new();
    let paths = [
        "/api/agent-base".to_owned(),
        "/api/integrations-base".to_owned(),
        format!("/api/agent-base/product/{ACME}"),
        format!("/api/integrations-base/product/{ACME}/active"),
        "/api/agent-base/a9e1f3b5-0001-4c6d-8e7f-100000000001".to_owned(),
    ];
    for path in &paths {
        for _ in 0..4 {
            seen.push(app.get(path).await.status);
        }
    }
    seen.push(
        get_with(&app, "/api/agent-base", &[("X-Test", "boom")])
            .await
            .status,
    );
    seen.push(app.get("/api/agent-base?fail=yes").await.status);
    seen.push(
        get_with(&app, "/api/agent-base", &[("X-Mock-Namespace", "broken")])
            .await
            .status,
    );
    seen
}

#[tokio::test]
async fn every_when_kind_fires_on_the_documented_calls() {
    let file = scenario_file("when-kinds", &when_scenario());
    let seen = when_statuses(&file).await;
    assert_eq!(
        &seen[..16],
        [
            200, 500, 200, 200, // nth 2
            200, 400, 400, 200, // range [2, 3]
            200, 500, 200, 500, // every 2
            404, 200, 200, 200, // first 1
        ]
    );
    assert!(seen[16..20].iter().all(|s| *s == 200 || *s == 500));
    assert_eq!(&seen[20..], [418, 503, 502]);
    assert_eq!(seen, when_statuses(&file).await, "same seed, same sequence");
}

#[tokio::test]
async fn respond_sets_status_headers_body_and_delay() {
    let file = scenario_file(
        "respond-kinds",
        &json!({"rules": [
            {"match": {"route": "agents.list"},
             "respond": {"status": 200, "headers": {"X-Injected": "yes"},
                         "body": {"custom": true}, "delay_ms": 30}},
            {"match": {"route": "integrations.list"},
             "respond": {"headers": {"X-Extra": "1"}, "delay_ms": [5, 15]}},
            {"match": {"route": "agents.get"},
             "respond": {"status": 404, "message": "gone for the test"}}
        ]}),
    );
    let app = with_scenarios(&[&file]).await;
    let started = Instant::now();
    let resp = app.get("/api/agent-base").await;
    assert!(started.elapsed() >= Duration::from_millis(30));
    assert_eq!(resp.status, 200);
    assert_eq!(resp.text, r#"{"custom":true}"#);
    assert_eq!(resp.headers["x-injected"], "yes");
    let real = app.get("/api/integrations-base").await;
    assert_eq!(real.status, 200);
    assert_eq!(real.body["success"], true, "the real handler answered");
    assert_eq!(real.headers["x-extra"], "1");
    let missing = app.get("/api/agent-base/anything").await;
    assert_eq!(missing.assert_error(404, "Not Found"), "gone for the test");
}

#[tokio::test]
async fn x_mock_scenario_picks_a_scenario_for_one_request() {
    let app = with_scenarios(&[]).await;
    let forced = get_with(
        &app,
        "/api/agent-base",
        &[("X-Mock-Scenario", "server-errors")],
    )
    .await;
    forced.assert_error(500, "Internal Server Error");
    assert_eq!(app.get("/api/agent-base").await.status, 200);
    let unknown = get_with(&app, "/api/agent-base", &[("X-Mock-Scenario", "nope")]).await;
    assert!(
        unknown
            .assert_error(400, "Bad Request")
            .contains("unknown scenario 'nope'")
    );
}

#[tokio::test]
async fn prefer_code_answers_the_envelope_for_that_status() {
    let app = with_scenarios(&[]).await;
    for (code, error) in [
        (500, "Internal Server Error"),
        (401, "Unauthorized"),
        (404, "Not Found"),
    ] {
        let resp = get_with(
            &app,
            "/api/agent-base",
            &[("Prefer", &format!("code={code}"))],
        )
        .await;
        resp.assert_error(code, error);
    }
    let limited = get_with(&app, "/api/agent-base", &[("Prefer", "code=429")]).await;
    limited.assert_error(429, "Too Many Requests");
    assert_eq!(limited.headers["ratelimit-limit"], "10");
    assert_eq!(limited.headers["ratelimit-remaining"], "0");
    assert_eq!(limited.headers["ratelimit-reset"], "1772721060");
    assert_eq!(limited.headers["retry-after"], "60");
}

#[tokio::test]
async fn the_admin_api_reads_and_switches_the_active_scenario() {
    let app = with_scenarios(&["default"]).await;
    let listed = app.get("/__admin/scenario").await;
    assert_eq!(listed.body["data"]["active"], json!(["default"]));
    assert_eq!(
        listed.body["data"]["available"].as_array().map(Vec::len),
        Some(7)
    );
    let switched = app
        .send(
            Method::POST,
            "/__admin/scenario",
            json!({"scenarios": ["server-errors"]}),
        )
        .await;
    assert_eq!(switched.body["data"]["active"], json!(["server-errors"]));
    assert_eq!(app.get("/api/agent-base").await.status, 500);
    app.send(Method::PUT, "/__admin/scenario", json!({"name": "default"}))
        .await;
    assert_eq!(app.get("/api/agent-base").await.status, 200);
    let bad = app
        .send(Method::POST, "/__admin/scenario", json!({"name": "nope"}))
        .await;
    assert!(
        bad.assert_error(400, "Bad Request")
            .contains("available: default")
    );
    let wrong = app
        .send(Method::PATCH, "/__admin/scenario", json!({}))
        .await;
    wrong.assert_error(405, "Method Not Allowed");
    assert_eq!(wrong.headers["allow"], "GET, HEAD, POST, PUT, DELETE");
}

#[tokio::test]
async fn the_admin_reset_restarts_call_counters() {
    let app = with_scenarios(&["retry-then-succeed"]).await;
    outcomes(&app, "/api/agent-base", 2).await;
    assert_eq!(app.get("/api/agent-base").await.status, 200);
    let reset = app
        .send(Method::POST, "/__admin/scenario/reset", json!({}))
        .await;
    assert_eq!(reset.status, 200, "{}", reset.text);
    assert_eq!(app.get("/api/agent-base").await.status, 500);
}

#[tokio::test]
async fn scenarios_compose_with_the_first_matching_rule_winning() {
    let file = scenario_file(
        "compose-first",
        &json!({"rules": [{"match": {"route": "agents.list"}, "respond": {"status": 404}}]}),
    );
    let app = with_scenarios(&[&file, "server-errors"]).await;
    app.get("/api/agent-base")
        .await
        .assert_error(404, "Not Found");
    app.get("/api/integrations-base")
        .await
        .assert_error(500, "Internal Server Error");
    app.server
        .set_scenarios(&["server-errors", "compose-first"])
        .expect("known names");
    app.get("/api/agent-base")
        .await
        .assert_error(500, "Internal Server Error");
}

#[tokio::test]
async fn one_namespace_can_run_its_own_scenarios_while_others_run_the_servers() {
    let app = TestApp::spawn().await;
    let switch = app
        .send(
            Method::POST,
            "/__admin/scenario",
            json!({"scenarios": ["server-errors"], "namespace": "broken"}),
        )
        .await;
    assert_eq!(
        switch.body["data"]["active"],
        json!(["server-errors"]),
        "{}",
        switch.text
    );
    assert_eq!(switch.body["data"]["own"], true);
    let broken = get_with(&app, "/api/agent-base", &[("X-Mock-Namespace", "broken")]).await;
    assert_eq!(broken.status, 500);
    assert_eq!(
        app.get("/api/agent-base").await.status,
        200,
        "other namespaces are untouched"
    );
    let described = app.get("/__admin/scenario?namespace=broken").await;
    assert_eq!(described.body["data"]["server"], json!([]));
    let cleared = app
        .call(
            Method::DELETE,
            "/__admin/scenario?namespace=broken",
            None,
            None,
        )
        .await;
    assert_eq!(cleared.body["data"]["own"], false);
    let healed = get_with(&app, "/api/agent-base", &[("X-Mock-Namespace", "broken")]).await;
    assert_eq!(healed.status, 200);
}

#[tokio::test]
async fn a_scenario_can_be_read_as_written() {
    let app = TestApp::spawn().await;
    let shown = app.get("/__admin/scenario/retry-then-succeed").await;
    assert_eq!(shown.status, 200, "{}", shown.text);
    assert_eq!(shown.body["data"]["file"]["rules"][0]["when"]["first"], 2);
    assert_eq!(shown.body["data"]["source"], "built-in");
    app.get("/__admin/scenario/nope")
        .await
        .assert_error(404, "Not Found");
}
