//! Verifying what a client sent: the typed journal, counts, and expectations checked by
//! `verify()` or on drop, failing with the requests that arrived.

use std::panic::{AssertUnwindSafe, catch_unwind};

use prodgy_mock::{Expectation, MockServer, RequestFilter};
use reqwest::Method;
use serde_json::json;

use crate::helpers::*;

const CATALOG_RELEASE_NOTES: &str = "c1a0b2c3-0005-4000-8000-000000000005";

async fn install(app: &TestApp) -> Resp {
    let body = json!({"agent_id": CATALOG_RELEASE_NOTES});
    app.send(Method::POST, "/api/agent-base/install", body)
        .await
}

/// The message of a panic.
fn message(panic: Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_default()
}

#[tokio::test]
async fn received_requests_are_typed_oldest_first_with_tokens_masked() {
    let app = TestApp::spawn().await;
    assert_eq!(install(&app).await.status, 201);
    app.get("/api/agent-base?page=1").await;
    let received = app.server.received_requests();
    assert_eq!(received.len(), 2);
    assert_eq!(
        (
            received[0].route,
            received[0].status,
            received[0].method.as_str()
        ),
        (Some("agents.install"), 201, "POST")
    );
    assert_eq!(
        (received[1].path.as_str(), received[1].query.as_str()),
        ("/api/agent-base", "page=1")
    );
    let token = received[0]
        .headers
        .iter()
        .find(|(name, _)| name == "x-api-token")
        .map(|(_, value)| value.clone());
    assert_eq!(token.as_deref(), Some("prodgy_A********"));
    assert!(
        received[0]
            .body
            .as_deref()
            .is_some_and(|b| b.contains(CATALOG_RELEASE_NOTES))
    );
    let filter = RequestFilter::new().method("GET").status(200);
    assert_eq!(app.server.count(&filter), 1);
    assert_eq!(app.server.requests(&filter)[0].route, Some("agents.list"));
}

#[tokio::test]
async fn met_expectations_pass_and_unmet_ones_list_what_arrived() {
    let app = TestApp::spawn().await;
    app.server.expect(Expectation::route("agents.install", 1));
    app.server
        .expect(Expectation::new(RequestFilter::new().status(201), 1..));
    install(&app).await;
    app.server.verify();

    app.server.expect(Expectation::route("agents.install", 2));
    app.server
        .expect(Expectation::route("integrations.create", ..=0));
    let failed = catch_unwind(AssertUnwindSafe(|| app.server.verify()));
    let text = message(failed.expect_err("one expectation fails"));
    assert!(
        text.contains("expected exactly 2 request(s) matching route agents.install, got 1"),
        "{text}"
    );
    assert!(
        !text.contains("integrations.create"),
        "the met one is not reported: {text}"
    );
    assert!(text.contains("received 1 request(s)"), "{text}");
    assert!(
        text.contains("POST /api/agent-base/install -> 201 (agents.install)"),
        "{text}"
    );
}

#[tokio::test]
async fn dropping_the_server_checks_its_expectations() {
    let server = MockServer::start().await;
    server.expect(Expectation::route("tokens.create", 1));
    let dropped = catch_unwind(AssertUnwindSafe(move || drop(server)));
    let text = message(dropped.expect_err("unmet expectation fails on drop"));
    assert!(text.contains("route tokens.create, got 0"), "{text}");
    assert!(text.contains("received 0 request(s)"), "{text}");
}
