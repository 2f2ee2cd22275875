//! Rate limiting per §1.5: exact header values call by call, classes, windows on the server
//! clock, keys and namespaces.

use std::time::Duration;

use reqwest::Method;
use serde_json::json;

use crate::helpers::{ACME_TOKEN, GLOBEX_TOKEN, Resp, TestApp};
use crate::scenarios::{get_with, scenario_file, with_scenarios};

/// `RateLimit-Reset` of the first window: T0 + 60 s, in Unix seconds.
const RESET: &str = "1772721060";

fn header<'a>(resp: &'a Resp, name: &str) -> &'a str {
    resp.headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
}

fn limits(resp: &Resp) -> (u16, String, String, String) {
    (
        resp.status,
        header(resp, "ratelimit-limit").to_owned(),
        header(resp, "ratelimit-remaining").to_owned(),
        header(resp, "ratelimit-reset").to_owned(),
    )
}

/// A scenario that puts `POST /api/integrations-base` in the strict class (this build has
/// none of the default strict routes).
fn strict_integrations() -> String {
    scenario_file(
        "strict-integrations",
        &json!({"rate_limit": {"strict": ["POST /api/integrations-base"]}}),
    )
}

#[tokio::test]
async fn limiting_is_off_unless_a_scenario_enables_it() {
    let app = with_scenarios(&[]).await;
    for _ in 0..12 {
        let resp = app.get("/api/agent-base").await;
        assert_eq!(resp.status, 200);
        assert!(resp.headers.get("ratelimit-limit").is_none());
    }
}

#[tokio::test]
async fn standard_routes_count_down_ten_calls_then_answer_429() {
    let app = with_scenarios(&["ratelimit"]).await;
    for n in 1..=10u64 {
        let resp = app.get("/api/agent-base").await;
        let expected = (200, "10".into(), (10 - n).to_string(), RESET.into());
        assert_eq!(limits(&resp), expected, "call {n}");
        assert!(resp.headers.get("retry-after").is_none());
    }
    let refused = app.get("/api/agent-base").await;
    assert_eq!(
        limits(&refused),
        (429, "10".into(), "0".into(), RESET.into())
    );
    assert_eq!(header(&refused, "retry-after"), "60");
    assert_eq!(
        refused.assert_error(429, "Too Many Requests"),
        "rate limit of 10 requests per window exceeded; retry after 60 s"
    );
}

#[tokio::test]
async fn a_strict_route_refuses_call_six_while_standard_allows_ten() {
    let app = with_scenarios(&[&strict_integrations()]).await;
    let create = |n: usize| json!({"title": format!("Hook {n}"), "type": "webhook"});
    for n in 1..=5 {
        let resp = app
            .send(Method::POST, "/api/integrations-base", create(n))
            .await;
        assert_eq!(resp.status, 201, "strict call {n}: {}", resp.text);
        assert_eq!(header(&resp, "ratelimit-limit"), "5");
    }
    let sixth = app
        .send(Method::POST, "/api/integrations-base", create(6))
        .await;
    sixth.assert_error(429, "Too Many Requests");
    assert_eq!(header(&sixth, "ratelimit-remaining"), "0");
    for n in 1..=10 {
        let resp = app.get("/api/integrations-base").await;
        assert_eq!(resp.status, 200, "standard call {n}");
        assert_eq!(header(&resp, "ratelimit-limit"), "10");
    }
    app.get("/api/integrations-base")
        .await
        .assert_error(429, "Too Many Requests");
}

#[tokio::test]
async fn the_window_reopens_once_the_clock_passes_ratelimit_reset() {
    let app = with_scenarios(&["ratelimit"]).await;
    for _ in 0..10 {
        app.get("/api/agent-base").await;
    }
    app.server.clock().advance(Duration::from_secs(30));
    let still = app.get("/api/agent-base").await;
    still.assert_error(429, "Too Many Requests");
    assert_eq!(header(&still, "retry-after"), "30");
    app.server.clock().advance(Duration::from_secs(30));
    let reopened = app.get("/api/agent-base").await;
    assert_eq!(
        limits(&reopened),
        (200, "10".into(), "9".into(), "1772721120".into())
    );
}

#[tokio::test]
async fn limits_classes_and_window_length_come_from_the_scenario_file() {
    let file = scenario_file(
        "custom-limits",
        &json!({"rate_limit": {
            "window_seconds": 10,
            "limits": {"standard": 2, "strict": 1},
            "strict": ["agents.get"],
            "exempt": ["/api/integrations-base"]
        }}),
    );
    let app = with_scenarios(&[&file]).await;
    assert_eq!(
        header(&app.get("/api/agent-base").await, "ratelimit-reset"),
        "1772721010"
    );
    app.get("/api/agent-base").await;
    app.get("/api/agent-base")
        .await
        .assert_error(429, "Too Many Requests");
    assert_eq!(
        app.get("/api/agent-base/x").await.status,
        404,
        "strict call 1"
    );
    app.get("/api/agent-base/x")
        .await
        .assert_error(429, "Too Many Requests");
    for _ in 0..5 {
        let free = app.get("/api/integrations-base").await;
        assert_eq!(free.status, 200);
        assert!(free.headers.get("ratelimit-limit").is_none(), "exempt");
    }
    app.server.clock().advance(Duration::from_secs(10));
    assert_eq!(app.get("/api/agent-base").await.status, 200);
}

#[tokio::test]
async fn keying_by_token_gives_each_token_its_own_bucket() {
    let file = scenario_file(
        "per-token",
        &json!({"rate_limit": {"key": "token", "limits": {"standard": 1}}}),
    );
    let app = with_scenarios(&[&file]).await;
    let call = |token| app.call(Method::GET, "/api/agent-base", Some(token), None);
    assert_eq!(call(ACME_TOKEN).await.status, 200);
    assert_eq!(call(GLOBEX_TOKEN).await.status, 200);
    call(ACME_TOKEN)
        .await
        .assert_error(429, "Too Many Requests");
}

#[tokio::test]
async fn namespaces_and_reset_get_fresh_windows() {
    let file = scenario_file(
        "one-per-window",
        &json!({"rate_limit": {"limits": {"standard": 1}}}),
    );
    let app = with_scenarios(&[&file]).await;
    assert_eq!(app.get("/api/agent-base").await.status, 200);
    app.get("/api/agent-base")
        .await
        .assert_error(429, "Too Many Requests");
    let other = get_with(&app, "/api/agent-base", &[("X-Mock-Namespace", "t2")]).await;
    assert_eq!(other.status, 200);
    app.server.reset();
    assert_eq!(app.get("/api/agent-base").await.status, 200);
}

#[tokio::test]
async fn prefer_429_carries_the_active_limits() {
    let app = with_scenarios(&["ratelimit"]).await;
    app.get("/api/agent-base").await;
    let forced = get_with(&app, "/api/agent-base", &[("Prefer", "code=429")]).await;
    forced.assert_error(429, "Too Many Requests");
    assert_eq!(
        limits(&forced),
        (429, "10".into(), "0".into(), RESET.into())
    );
}

#[tokio::test]
async fn rate_limit_headers_are_the_same_on_a_second_run() {
    async fn run() -> Vec<(u16, String, String, String)> {
        let app = TestApp::with(prodgy_mock::MockServer::builder().scenario("ratelimit")).await;
        let mut seen = Vec::new();
        for _ in 0..12 {
            seen.push(limits(&app.get("/api/agent-base").await));
        }
        seen
    }
    assert_eq!(run().await, run().await);
}

fn faithful() -> prodgy_mock::MockServerBuilder {
    prodgy_mock::MockServer::builder().faithful(true)
}

#[tokio::test]
async fn faithful_mode_limits_every_operation_as_documented_and_checks_tokens_strictly() {
    let app = TestApp::with(faithful()).await;
    let unknown = app
        .client
        .get(app.url("/api/agent-base"))
        .header("X-API-Token", "prodgy_NotInTheFixtures0000000000")
        .header("X-Mock-Namespace", "strict-auth")
        .send()
        .await
        .expect("sent");
    let unknown = Resp::read(unknown).await;
    assert!(
        unknown
            .assert_error(401, "Unauthorized")
            .starts_with("unknown token")
    );
    for n in 1..=10u64 {
        let resp = app.get("/api/agent-base").await;
        assert_eq!(
            limits(&resp),
            (200, "10".into(), (10 - n).to_string(), RESET.into()),
            "call {n}"
        );
    }
    let refused = app.get("/api/agent-base").await;
    refused.assert_error(429, "Too Many Requests");
    assert_eq!(
        limits(&refused),
        (429, "10".into(), "0".into(), RESET.into())
    );
    assert_eq!(header(&refused, "retry-after"), "60");
    let search = "/api/knowledge-base/search?query=password";
    for _ in 0..5 {
        assert_eq!(app.get(search).await.status, 200);
    }
    let strict = app.get(search).await;
    assert_eq!(limits(&strict), (429, "5".into(), "0".into(), RESET.into()));
    let health = app.get("/__admin/health").await;
    assert_eq!(
        (
            health.body["data"]["faithful"].clone(),
            health.body["data"]["auth"].clone()
        ),
        (json!(true), json!("strict"))
    );
}

#[tokio::test]
async fn faithful_mode_composes_with_scenarios() {
    let app = TestApp::with(faithful().scenario("server-errors")).await;
    let first = app.get("/api/agent-base").await;
    assert_eq!(
        limits(&first),
        (500, "10".into(), "9".into(), RESET.into()),
        "the rule answers, the limit counts"
    );
    let own = scenario_file(
        "own-limit",
        &json!({"rate_limit": {"limits": {"standard": 2}}}),
    );
    let app = TestApp::with(faithful().scenario(own)).await;
    assert_eq!(
        limits(&app.get("/api/agent-base").await).1,
        "2",
        "a scenario's own limits win"
    );
}

#[tokio::test]
async fn an_injected_429_carries_the_headers_a_real_limit_would() {
    let file = scenario_file(
        "injected-429",
        &json!({"rules": [
            {"match": {"route": "agents.list"}, "respond": {"status": 429}},
            {"match": {"route": "integrations.list"}, "respond": {"status": 429, "headers": {"Retry-After": "120"}}}
        ]}),
    );
    let app = with_scenarios(&[&file]).await;
    let injected = app.get("/api/agent-base").await;
    assert_eq!(
        limits(&injected),
        (429, "10".into(), "0".into(), RESET.into())
    );
    assert_eq!(header(&injected, "retry-after"), "60");
    let own = app.get("/api/integrations-base").await;
    assert_eq!(
        header(&own, "retry-after"),
        "120",
        "a rule's own header wins"
    );
    assert_eq!(header(&own, "ratelimit-remaining"), "0");
}
