//! Bad input never breaks the mock: every malformed request gets the documented status and,
//! where the mock (not hyper) answers, the error envelope. Raw-socket requests are used where
//! an HTTP client would refuse or normalize what we want to send.

use std::time::Duration;

use futures_util::stream;
use prodgy_mock::MockServer;
use reqwest::Method;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{ACME_TOKEN, Resp, TestApp};

/// A raw response: status code and the body parsed as JSON (`Null` if it is not JSON).
pub struct Raw {
    pub status: u16,
    pub body: Value,
}

/// Sends `head` (without the final blank line), `Connection: close` and `body` over a raw
/// socket and reads the whole response.
pub async fn raw(app: &TestApp, head: &str, body: &[u8]) -> Raw {
    let mut socket = TcpStream::connect(app.server.address())
        .await
        .expect("connect");
    let mut bytes = format!("{head}\r\nConnection: close\r\n\r\n").into_bytes();
    bytes.extend_from_slice(body);
    socket.write_all(&bytes).await.expect("request written");
    let mut response = Vec::new();
    let read = socket.read_to_end(&mut response);
    tokio::time::timeout(Duration::from_secs(10), read)
        .await
        .expect("response within 10s")
        .expect("response read");
    parse_raw(&response)
}

fn parse_raw(response: &[u8]) -> Raw {
    let text = String::from_utf8_lossy(response);
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {text:?}"));
    let body = text
        .split_once("\r\n\r\n")
        .and_then(|(_, body)| serde_json::from_str(body).ok())
        .unwrap_or(Value::Null);
    Raw { status, body }
}

fn assert_envelope(raw: &Raw, status: u16, error: &str) {
    assert_eq!(raw.status, status, "body: {}", raw.body);
    assert_eq!(raw.body["success"], false, "body: {}", raw.body);
    assert_eq!(raw.body["error"], error, "body: {}", raw.body);
    assert!(raw.body["message"].as_str().is_some_and(|m| !m.is_empty()));
}

async fn post_bytes(app: &TestApp, content_type: &str, body: Vec<u8>) -> Resp {
    let request = app
        .client
        .post(app.url("/api/integrations-base"))
        .header("X-API-Token", ACME_TOKEN)
        .header("Content-Type", content_type)
        .body(body);
    Resp::read(request.send().await.expect("sent")).await
}

#[tokio::test]
async fn malformed_json_a_json_string_and_invalid_utf8_are_400_envelopes() {
    let app = TestApp::spawn().await;
    let json = "application/json";
    let malformed = post_bytes(&app, json, b"{\"title\": \"x\",".to_vec()).await;
    assert!(
        malformed
            .assert_error(400, "Bad Request")
            .contains("not valid JSON")
    );
    let string = post_bytes(&app, json, b"\"just a string\"".to_vec()).await;
    assert!(string.assert_error(400, "Bad Request").contains("a string"));
    let utf8 = post_bytes(&app, json, b"{\"title\": \"\xff\xfe\"}".to_vec()).await;
    utf8.assert_error(400, "Bad Request");
    let lone = post_bytes(&app, json, vec![0xc3, 0x28, 0xa0, 0xa1]).await;
    lone.assert_error(400, "Bad Request");
}

#[tokio::test]
async fn a_wrong_content_type_is_a_400_naming_it() {
    let app = TestApp::spawn().await;
    let body = br#"{"title": "Jira", "type": "jira"}"#.to_vec();
    let resp = post_bytes(&app, "text/plain", body).await;
    assert!(resp.assert_error(400, "Bad Request").contains("text/plain"));
}

#[tokio::test]
async fn a_body_over_the_limit_is_413_with_content_length_and_chunked() {
    let app = TestApp::with(MockServer::builder().body_limit(1024)).await;
    let big = format!(
        "{{\"title\": \"{}\", \"type\": \"jira\"}}",
        "x".repeat(4096)
    );
    let sized = post_bytes(&app, "application/json", big.clone().into_bytes()).await;
    sized.assert_error(413, "Payload Too Large");

    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        big.as_bytes().chunks(256).map(|c| Ok(c.to_vec())).collect();
    let request = app
        .client
        .post(app.url("/api/integrations-base"))
        .header("X-API-Token", ACME_TOKEN)
        .header("Content-Type", "application/json")
        .body(reqwest::Body::wrap_stream(stream::iter(chunks)));
    let chunked = Resp::read(request.send().await.expect("sent")).await;
    chunked.assert_error(413, "Payload Too Large");

    let head = "POST /api/integrations-base HTTP/1.1\r\nHost: x\r\nX-API-Token: \
                prodgy_AcmeSupportDefaultToken000000001\r\nContent-Type: application/json\r\n\
                Transfer-Encoding: chunked";
    let body = format!("{:x}\r\n{big}\r\n0\r\n\r\n", big.len());
    assert_envelope(
        &raw(&app, head, body.as_bytes()).await,
        413,
        "Payload Too Large",
    );
    assert_eq!(app.get("/api/agent-base").await.status, 200);
}

#[tokio::test]
async fn an_oversized_header_is_431_and_the_server_keeps_serving() {
    let app = TestApp::spawn().await;
    let request = app
        .client
        .get(app.url("/api/agent-base"))
        .header("X-API-Token", ACME_TOKEN)
        .header("X-Huge", "h".repeat(80 * 1024));
    let resp = request.send().await.expect("sent");
    assert_eq!(resp.status().as_u16(), 431);
    assert_eq!(app.get("/api/agent-base").await.status, 200);
}

#[tokio::test]
async fn thousands_of_query_parameters_are_answered_normally() {
    let app = TestApp::spawn().await;
    let junk: Vec<String> = (0..4000).map(|n| format!("q{n}={n}")).collect();
    let resp = app
        .get(&format!("/api/agent-base?{}&pageSize=2", junk.join("&")))
        .await;
    assert_eq!(resp.status, 200, "{}", resp.text);
    assert_eq!(resp.body["pagination"]["pageSize"], 2);
    let repeated = "page=1&".repeat(3000);
    assert_eq!(
        app.get(&format!("/api/agent-base?{repeated}")).await.status,
        200
    );
}

#[tokio::test]
async fn path_traversal_and_percent_encoding_tricks_are_404_envelopes() {
    let app = TestApp::spawn().await;
    let paths = [
        "/api/agent-base/..%2F..%2Fetc%2Fpasswd",
        "/api/agent-base/%2e%2e",
        "/api/agent-base/..",
        "/api/agent-base/../../etc/passwd",
        "/api/agent-base/%00",
        "/api/agent-base/%ZZ",
        "/api/agent-base/%C0%AE%C0%AE%2F",
        "/api/agent-base/%25%32%65",
        "/api/agent-base/a%2Fb/executions",
        "/api/integrations-base/..%5C..%5Cwindows",
        "/api/webhook/..%2F..%2Fetc",
        "/api/webhook/%2e%2e/%2e%2e/etc/passwd",
        "/api/webhooks/..%2F..%2Fetc",
        "/../../../etc/passwd",
        "/api/%2e%2e/__admin/health",
    ];
    for path in paths {
        // Webhooks only take POST: a traversal attempt there must still be a plain 404.
        let method = if path.starts_with("/api/webhook/") {
            "POST"
        } else {
            "GET"
        };
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: x\r\nX-API-Token: {ACME_TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 2"
        );
        let resp = raw(&app, &head, b"{}").await;
        assert!(
            resp.status == 404 || resp.status == 400,
            "{path}: {} {}",
            resp.status,
            resp.body
        );
        let is_webhook = path.split('/').filter(|p| !p.is_empty()).count() == 3;
        if method == "POST" && resp.status == 404 && is_webhook {
            // A single-segment webhook path reaches the webhook route, whose documented
            // error shape has no `error` key.
            assert_eq!(resp.body["success"], false, "{path}");
            assert!(resp.body.get("error").is_none(), "{path}");
            assert!(
                resp.body["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("not found")),
                "{path}"
            );
            continue;
        }
        let error = if resp.status == 404 {
            "Not Found"
        } else {
            "Bad Request"
        };
        assert_envelope(&resp, resp.status, error);
    }
    let deleted = raw(
        &app,
        &format!(
            "DELETE /api/agent-base/..%2F..%2F HTTP/1.1\r\nHost: x\r\nX-API-Token: {ACME_TOKEN}"
        ),
        b"",
    )
    .await;
    assert_envelope(&deleted, 404, "Not Found");
    assert_eq!(
        app.get("/api/agent-base").await.body["pagination"]["total"],
        3
    );
}

#[tokio::test]
async fn negative_huge_and_non_numeric_pagination_values_are_400_envelopes() {
    let app = TestApp::spawn().await;
    for query in [
        "page=-1",
        "page=0",
        "pageSize=-5",
        "pageSize=abc",
        "page=1e3",
        "page=99999999999999999999999999",
        "limit=NaN",
        "page=%00",
        "page=",
    ] {
        let resp = app.get(&format!("/api/agent-base?{query}")).await;
        let message = resp.assert_error(400, "Bad Request");
        assert!(
            message.contains("page") || message.contains("limit"),
            "{query}: {message}"
        );
    }
    let far = app
        .get("/api/agent-base?page=18446744073709551615&pageSize=18446744073709551615")
        .await;
    assert_eq!(far.status, 200, "{}", far.text);
    assert_eq!(far.body["data"], serde_json::json!([]));
    assert_eq!(far.body["pagination"]["total"], 3);
}

#[tokio::test]
async fn a_body_on_a_get_and_garbage_methods_do_not_break_the_server() {
    let app = TestApp::spawn().await;
    let with_body = app
        .call(
            Method::GET,
            "/api/agent-base",
            Some(ACME_TOKEN),
            Some(serde_json::json!({"x": 1})),
        )
        .await;
    assert_eq!(with_body.status, 200);
    let head = format!("BREW /api/agent-base HTTP/1.1\r\nHost: x\r\nX-API-Token: {ACME_TOKEN}");
    assert_envelope(&raw(&app, &head, b"").await, 405, "Method Not Allowed");
    let garbage = raw(&app, "\u{1}\u{2} nonsense", b"").await;
    assert_eq!(garbage.status, 400);
    assert_eq!(app.get("/api/agent-base").await.status, 200);
}
