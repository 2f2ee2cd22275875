use prodgy_mock::MockServer;
use reqwest::Method;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn unknown_paths_are_404_in_the_envelope() {
    let app = TestApp::spawn().await;
    let resp = app.get("/api/assistants").await;
    assert_eq!(
        resp.assert_error(404, "Not Found"),
        "no route for GET /api/assistants"
    );
    app.get("/").await.assert_error(404, "Not Found");
}

#[tokio::test]
async fn wrong_methods_are_405_with_allow() {
    let app = TestApp::spawn().await;
    let resp = app
        .call(
            Method::PATCH,
            "/api/integrations-base",
            Some(ACME_TOKEN),
            None,
        )
        .await;
    resp.assert_error(405, "Method Not Allowed");
    assert_eq!(resp.headers["allow"], "GET, HEAD, POST");
}

#[tokio::test]
async fn malformed_json_wrong_types_and_content_types_are_400() {
    let app = TestApp::spawn().await;
    let raw = |body: &'static [u8], kind: &'static str| {
        app.client
            .post(app.url("/api/integrations-base"))
            .header("X-API-Token", ACME_TOKEN)
            .header("Content-Type", kind)
            .body(body)
            .send()
    };
    let cases: [(&[u8], &str, &str); 5] = [
        (b"{\"title\": ", "application/json", "not valid JSON"),
        (
            b"\"just a string\"",
            "application/json",
            "must be a JSON object, got a string",
        ),
        (
            b"{\"title\": \"\xff\xfe\"}",
            "application/json",
            "not valid JSON",
        ),
        (
            b"title=x",
            "application/x-www-form-urlencoded",
            "unsupported Content-Type",
        ),
        (b"", "application/json", "request body is required"),
    ];
    for (body, kind, expected) in cases {
        let resp = Resp::read(raw(body, kind).await.expect("sent")).await;
        assert!(
            resp.assert_error(400, "Bad Request").contains(expected),
            "{}",
            resp.text
        );
    }
}

#[tokio::test]
async fn bodies_over_the_limit_are_413_with_content_length_or_chunked() {
    let app = TestApp::with(MockServer::builder().body_limit(1024)).await;
    let big = format!("{{\"title\": \"{}\"}}", "x".repeat(4096));
    let sized = app
        .client
        .post(app.url("/api/integrations-base"))
        .header("X-API-Token", ACME_TOKEN)
        .body(big.clone());
    let resp = Resp::read(sized.send().await.expect("sent")).await;
    assert!(
        resp.assert_error(413, "Payload Too Large")
            .contains("1024 bytes")
    );

    let chunks: Vec<Result<String, std::io::Error>> = big
        .as_bytes()
        .chunks(512)
        .map(|c| Ok(String::from_utf8_lossy(c).into_owned()))
        .collect();
    let stream = futures_util::stream::iter(chunks);
    let chunked = app
        .client
        .post(app.url("/api/integrations-base"))
        .header("X-API-Token", ACME_TOKEN)
        .header("Content-Type", "application/json")
        .body(reqwest::Body::wrap_stream(stream));
    let resp = Resp::read(chunked.send().await.expect("sent")).await;
    resp.assert_error(413, "Payload Too Large");
}

#[tokio::test]
async fn a_body_within_the_limit_still_works_after_a_413() {
    let app = TestApp::with(MockServer::builder().body_limit(64)).await;
    let too_big = app
        .send(
            Method::POST,
            "/api/integrations-base",
            serde_json::json!({"title": "x".repeat(100)}),
        )
        .await;
    too_big.assert_error(413, "Payload Too Large");
    let fine = app
        .send(
            Method::POST,
            "/api/integrations-base",
            serde_json::json!({"title": "ok"}),
        )
        .await;
    assert_eq!(fine.status, 201);
}

#[tokio::test]
async fn credentials_are_checked_before_the_body() {
    let app = TestApp::spawn().await;
    let revoked = "prodgy_RevokedAcmeToken000000000000005";
    let resp = app
        .call(
            Method::POST,
            "/api/integrations-base",
            Some(revoked),
            Some(json!({"title": 5})),
        )
        .await;
    resp.assert_error(401, "Unauthorized");
}
