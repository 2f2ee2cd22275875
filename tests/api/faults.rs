//! Fault kinds through raw sockets: reset, close, truncated body, slow dribble.

use std::time::{Duration, Instant};

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{ACME_TOKEN, TestApp};
use crate::scenarios::{scenario_file, with_scenarios};

/// Sends a raw HTTP/1.1 GET and returns every byte read until EOF, or the read error kind.
async fn raw_get(app: &TestApp, path: &str) -> Result<Vec<u8>, std::io::ErrorKind> {
    let mut stream = tokio::net::TcpStream::connect(app.server.address())
        .await
        .expect("connect");
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: mock\r\nX-API-Token: {ACME_TOKEN}\r\nConnection: close\r\n\r\n"
    );
    stream
        .write_all(request.as_bytes())
        .await
        .expect("write request");
    let mut bytes = Vec::new();
    match stream.read_to_end(&mut bytes).await {
        Ok(_) => Ok(bytes),
        Err(e) => Err(e.kind()),
    }
}

/// The fault scenario, written under a scratch name unique to the calling test.
fn fault_app_file(test: &str) -> String {
    scenario_file(
        test,
        &json!({"rules": [
            {"match": {"route": "agents.list"}, "fault": "reset"},
            {"match": {"route": "integrations.list"}, "fault": "close"},
            {"match": {"route": "agents.get"}, "respond": {"status": 500}, "fault": {"truncate": 20}},
            {"match": {"route": "integrations.get"}, "respond": {"status": 404},
             "fault": {"dribble": {"chunk_bytes": 16, "interval_ms": 5}}}
        ]}),
    )
}

#[tokio::test]
async fn reset_and_close_faults_break_the_connection_without_a_response() {
    let app = with_scenarios(&[&fault_app_file("faults-reset-close")]).await;
    assert_eq!(
        raw_get(&app, "/api/agent-base").await,
        Err(std::io::ErrorKind::ConnectionReset)
    );
    assert_eq!(
        raw_get(&app, "/api/integrations-base").await,
        Ok(Vec::new())
    );
    let err = app
        .client
        .get(app.url("/api/agent-base"))
        .send()
        .await
        .expect_err("no response");
    assert!(!err.is_status());
}

#[tokio::test]
async fn truncate_sends_the_announced_length_but_fewer_bytes() {
    let app = with_scenarios(&[&fault_app_file("faults-truncate")]).await;
    let bytes = raw_get(&app, "/api/agent-base/x").await.expect("read");
    let text = String::from_utf8(bytes).expect("utf8");
    let (head, body) = text.split_once("\r\n\r\n").expect("head");
    assert!(head.starts_with("HTTP/1.1 500"), "{head}");
    let full = "{\"success\":false,\"error\":\"Internal Server Error\",\"message\":\"500 Internal Server Error injected by scenario 'faults-truncate'\"}";
    assert!(
        head.to_ascii_lowercase()
            .contains(&format!("content-length: {}", full.len())),
        "{head}"
    );
    assert_eq!(body, &full[..20]);
    assert_eq!(
        raw_get(&app, "/api/agent-base/x").await.expect("again"),
        text.as_bytes()
    );
}

#[tokio::test]
async fn dribble_delivers_the_whole_body_slowly() {
    let app = with_scenarios(&[&fault_app_file("faults-dribble")]).await;
    let started = Instant::now();
    let resp = app.get("/api/integrations-base/x").await;
    assert!(started.elapsed() >= Duration::from_millis(20));
    resp.assert_error(404, "Not Found");
}
