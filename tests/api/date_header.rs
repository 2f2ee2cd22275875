//! The `Date` header tells the server clock's time, on every kind of response.

use prodgy_mock::MockServer;
use reqwest::Method;
use serde_json::json;

use crate::helpers::*;

/// The clock start [`T0`] (2026-03-05T14:30:00Z, a Thursday) as an HTTP date.
const T0_DATE: &str = "Thu, 05 Mar 2026 14:30:00 GMT";

async fn date_of(app: &TestApp, method: Method, path: &str, token: Option<&str>) -> String {
    let resp = app.call(method, path, token, None).await;
    let date = resp.headers.get("date").expect("a Date header");
    date.to_str().expect("ASCII").to_owned()
}

async fn advance(app: &TestApp, seconds: f64) -> String {
    let resp = app
        .call(
            Method::POST,
            "/__admin/clock/advance",
            None,
            Some(json!({ "seconds": seconds })),
        )
        .await;
    assert_eq!(resp.status, 200, "{}", resp.text);
    resp.headers["date"].to_str().expect("ASCII").to_owned()
}

#[tokio::test]
async fn every_response_is_dated_by_the_frozen_clock() {
    let app = TestApp::with(MockServer::builder().scenario("server-errors")).await;
    let calls = [
        (Method::GET, "/api/agent-base", Some(ACME_TOKEN)), // injected 500
        (Method::GET, "/api/no-such-route", Some(ACME_TOKEN)), // 404
        (Method::PATCH, "/api/agent-base", Some(ACME_TOKEN)), // 405
        (Method::GET, "/__admin/health", None),             // admin
        (Method::GET, "/__admin/nope", None),               // admin error
        (Method::GET, "/__admin/scenario", None),           // scenario admin
        (Method::GET, "/swagger.json", None),               // OpenAPI document
    ];
    for (method, path, token) in calls {
        let date = date_of(&app, method.clone(), path, token).await;
        assert_eq!(date, T0_DATE, "{method} {path}");
    }
    let plain = TestApp::spawn().await;
    assert_eq!(
        date_of(&plain, Method::GET, "/api/agent-base", Some(ACME_TOKEN)).await,
        T0_DATE
    );
    assert_eq!(
        date_of(&plain, Method::GET, "/api/agent-base", None).await,
        T0_DATE,
        "401"
    );
}

#[tokio::test]
async fn advancing_the_clock_moves_the_date_to_the_second() {
    let app = TestApp::spawn().await;
    assert_eq!(advance(&app, 0.5).await, T0_DATE, "still the same second");
    assert_eq!(advance(&app, 0.5).await, "Thu, 05 Mar 2026 14:30:01 GMT");
    assert_eq!(advance(&app, 89.0).await, "Thu, 05 Mar 2026 14:31:30 GMT");
    assert_eq!(
        date_of(&app, Method::GET, "/api/agent-base", Some(ACME_TOKEN)).await,
        "Thu, 05 Mar 2026 14:31:30 GMT"
    );
    assert_eq!(
        advance(&app, 3.0 * 86_400.0).await,
        "Sun, 08 Mar 2026 14:31:30 GMT"
    );
}

#[tokio::test]
async fn a_date_a_scenario_sets_on_purpose_is_kept() {
    let skewed = "Mon, 01 Jan 2001 00:00:00 GMT";
    let file = crate::scenarios::scenario_file(
        "skewed-date",
        &json!({"rules": [{"match": {"route": "agents.list"}, "respond": {"headers": {"Date": skewed}}}]}),
    );
    let app = TestApp::with(MockServer::builder().scenario(file)).await;
    let list = date_of(&app, Method::GET, "/api/agent-base", Some(ACME_TOKEN)).await;
    assert_eq!(list, skewed);
    let other = date_of(
        &app,
        Method::GET,
        "/api/integrations-base",
        Some(ACME_TOKEN),
    )
    .await;
    assert_eq!(other, T0_DATE);
}
