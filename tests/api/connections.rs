//! What HTTP clients rely on at the connection level: a connection stays usable after any
//! answer (early 404/405, 401 before an upload is read, 413), HEAD works wherever GET does,
//! and browsers get CORS. Raw sockets play the client that writes its whole request before
//! reading, on one kept-alive connection, as Node's fetch and Python's `http.client` do.

use prodgy_mock::{AuthMode, MockServer};
use reqwest::Method;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use crate::helpers::{ACME_TOKEN, GLOBEX_TOKEN, TestApp};

/// One kept-alive HTTP/1.1 connection that writes whole requests and reads whole answers.
struct Conn {
    reader: BufReader<TcpStream>,
}

/// An answer read off a [`Conn`].
#[derive(Debug)]
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl Conn {
    async fn open(app: &TestApp) -> Self {
        let socket = TcpStream::connect(app.server.address())
            .await
            .expect("connect");
        Self {
            reader: BufReader::new(socket),
        }
    }

    /// Writes `method path` with `headers` and `body` (all of it, before reading), then reads
    /// the answer; `head_only` for answers to HEAD, which have no body.
    async fn send(&mut self, method: &str, path: &str, headers: &[&str], body: &[u8]) -> Answer {
        let mut request = format!(
            "{method} {path} HTTP/1.1\r\nHost: mock\r\nContent-Length: {}\r\n",
            body.len()
        );
        if !headers.iter().any(|h| h.starts_with("X-API-Token")) {
            request.push_str(&format!("X-API-Token: {ACME_TOKEN}\r\n"));
        }
        for header in headers {
            request.push_str(header);
            request.push_str("\r\n");
        }
        request.push_str("\r\n");
        let mut bytes = request.into_bytes();
        bytes.extend_from_slice(body);
        self.reader
            .get_mut()
            .write_all(&bytes)
            .await
            .expect("the whole request is written");
        self.read(method == "HEAD").await
    }

    async fn read(&mut self, head_only: bool) -> Answer {
        let mut line = String::new();
        self.reader.read_line(&mut line).await.expect("status line");
        let status = line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no status line, got {line:?}"));
        let mut headers = Vec::new();
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line).await.expect("header line");
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            let (name, value) = line.split_once(':').expect("name: value");
            headers.push((name.to_owned(), value.trim().to_owned()));
        }
        let mut answer = Answer {
            status,
            headers,
            body: Vec::new(),
        };
        let length: usize = answer
            .header("content-length")
            .map_or(0, |v| v.parse().expect("length"));
        if !head_only {
            answer.body = vec![0; length];
            self.reader
                .read_exact(&mut answer.body)
                .await
                .expect("body");
        }
        answer
    }
}

const JSON: &str = "Content-Type: application/json";

#[tokio::test]
async fn early_answers_keep_the_connection_usable() {
    let app = TestApp::spawn().await;
    let mut conn = Conn::open(&app).await;
    let body = br#"{"title": "Jira", "type": "jira"}"#;
    let cases = [
        ("POST", "/api/nope", 404),
        ("PATCH", "/api/integrations-base", 405),
        ("POST", "/__admin/nope", 404),
    ];
    for (method, path, status) in cases {
        let answer = conn.send(method, path, &[JSON], body).await;
        assert_eq!(answer.status, status, "{method} {path}");
        assert_eq!(answer.header("connection"), None);
        let next = conn.send("GET", "/api/agent-base", &[], b"").await;
        assert_eq!(next.status, 200, "the next request after {method} {path}");
    }
    let injected = conn
        .send(
            "POST",
            "/api/integrations-base",
            &[JSON, "X-Mock-Scenario: server-errors"],
            body,
        )
        .await;
    assert_eq!(injected.status, 500);
    let next = conn.send("GET", "/api/agent-base", &[], b"").await;
    assert_eq!(next.status, 200, "the next request after an injected 500");
}

#[tokio::test]
async fn an_upload_refused_before_it_is_read_keeps_the_connection_usable() {
    let app = TestApp::spawn().await;
    let mut conn = Conn::open(&app).await;
    let form = "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\
                Content-Type: text/plain\r\n\r\nhello\r\n--b--\r\n";
    let unauthorized = conn
        .send(
            "POST",
            "/api/knowledge-base/upload",
            &[
                "Content-Type: multipart/form-data; boundary=b",
                "X-API-Token: prodgy_RevokedAcmeToken000000000000005",
            ],
            form.as_bytes(),
        )
        .await;
    assert_eq!(unauthorized.status, 401);
    let next = conn.send("GET", "/api/agent-base", &[], b"").await;
    assert_eq!(next.status, 200);
    let injected = conn
        .send(
            "POST",
            "/api/knowledge-base/upload",
            &[
                "Content-Type: multipart/form-data; boundary=b",
                "X-Mock-Scenario: unauthorized",
            ],
            form.as_bytes(),
        )
        .await;
    assert_eq!(injected.status, 401);
    let next = conn.send("GET", "/api/agent-base", &[], b"").await;
    assert_eq!(next.status, 200);
}

#[tokio::test]
async fn a_body_over_the_limit_is_read_then_answered_413_on_a_kept_connection() {
    let app = TestApp::with(MockServer::builder().body_limit(1024)).await;
    let mut conn = Conn::open(&app).await;
    let big = format!(
        "{{\"title\": \"{}\", \"type\": \"jira\"}}",
        "x".repeat(512 * 1024)
    );
    let refused = conn
        .send("POST", "/api/integrations-base", &[JSON], big.as_bytes())
        .await;
    assert_eq!(refused.status, 413);
    assert_eq!(refused.header("connection"), None, "the body was drained");
    let next = conn.send("GET", "/api/agent-base", &[], b"").await;
    assert_eq!(next.status, 200);
}

#[tokio::test]
async fn a_client_waiting_for_100_continue_gets_413_at_once_and_a_close() {
    let app = TestApp::with(MockServer::builder().body_limit(1024)).await;
    let mut conn = Conn::open(&app).await;
    let head = "POST /api/integrations-base HTTP/1.1\r\nHost: mock\r\nContent-Type: \
                application/json\r\nContent-Length: 1000000\r\nExpect: 100-continue\r\n\r\n";
    conn.reader
        .get_mut()
        .write_all(head.as_bytes())
        .await
        .expect("head written");
    let answer = conn.read(false).await;
    assert_eq!(answer.status, 413);
    assert_eq!(answer.header("connection"), Some("close"));
}

#[tokio::test]
async fn head_works_wherever_get_does_without_a_body() {
    let app = TestApp::spawn().await;
    let mut conn = Conn::open(&app).await;
    for path in [
        "/api/agent-base",
        "/api/integrations-base",
        "/__admin/health",
        "/swagger.json",
    ] {
        let get = conn.send("GET", path, &[], b"").await;
        let head = conn.send("HEAD", path, &[], b"").await;
        assert_eq!((get.status, head.status), (200, 200), "{path}");
        assert_eq!(
            head.header("content-type"),
            get.header("content-type"),
            "{path}"
        );
    }
    let after = conn.send("GET", "/api/agent-base", &[], b"").await;
    assert_eq!(
        after.status, 200,
        "no stray body bytes were left on the wire"
    );
    let post_only = app
        .call(
            Method::HEAD,
            "/api/agent-base/install",
            Some(ACME_TOKEN),
            None,
        )
        .await;
    assert_eq!(post_only.status, 405);
    assert_eq!(post_only.headers["allow"], "POST");
    let get_route = app
        .call(Method::DELETE, "/api/agent-base", Some(ACME_TOKEN), None)
        .await;
    assert_eq!(
        get_route.status, 400,
        "DELETE without an id is the route's own 400"
    );
}

#[tokio::test]
async fn a_browser_preflight_is_allowed_and_answers_expose_their_headers() {
    let app = TestApp::with(MockServer::builder().scenario("ratelimit")).await;
    let preflight = app
        .client
        .request(Method::OPTIONS, app.url("/api/agent-base"))
        .header("Origin", "http://localhost:5173")
        .header("Access-Control-Request-Method", "GET")
        .header(
            "Access-Control-Request-Headers",
            "x-api-token, x-mock-namespace",
        )
        .send()
        .await
        .expect("sent");
    assert_eq!(preflight.status(), 204);
    let header = |name: &str| {
        preflight
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(
        header("access-control-allow-origin"),
        "http://localhost:5173"
    );
    assert_eq!(
        header("access-control-allow-headers"),
        "x-api-token, x-mock-namespace"
    );
    assert!(header("access-control-allow-methods").contains("DELETE"));
    assert_eq!(header("allow"), "GET, HEAD, POST, DELETE");
    let journal = app.get("/__admin/requests/count").await;
    assert_eq!(
        journal.body["data"]["count"], 0,
        "preflights are not journaled"
    );

    let get = app
        .client
        .get(app.url("/api/agent-base"))
        .header("Origin", "http://localhost:5173")
        .header("X-API-Token", ACME_TOKEN)
        .send()
        .await
        .expect("sent");
    let allowed = get.headers()["access-control-allow-origin"].clone();
    assert_eq!(allowed, "http://localhost:5173");
    let exposed = get.headers()["access-control-expose-headers"]
        .to_str()
        .expect("text")
        .to_owned();
    for name in ["ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"] {
        assert!(exposed.contains(name), "{name} in {exposed}");
    }
}

#[tokio::test]
async fn cors_off_sends_no_cors_headers() {
    let app = TestApp::with(MockServer::builder().cors(false)).await;
    let preflight = app
        .client
        .request(Method::OPTIONS, app.url("/api/agent-base"))
        .header("Origin", "http://localhost:5173")
        .header("Access-Control-Request-Method", "GET")
        .send()
        .await
        .expect("sent");
    assert_eq!(preflight.status(), 405);
    let get = app
        .client
        .get(app.url("/api/agent-base"))
        .header("Origin", "http://localhost:5173")
        .header("X-API-Token", ACME_TOKEN)
        .send()
        .await
        .expect("sent");
    assert!(get.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn a_token_a_connection_used_is_refused_there_once_expired_regenerated_or_revoked() {
    let app = TestApp::spawn().await;
    let created = app
        .send(
            Method::POST,
            "/api/api-tokens",
            serde_json::json!({"name": "kept-alive", "expires_at": "2026-03-05T15:30:00Z"}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.body["data"]["id"].as_str().expect("id").to_owned();
    let secret = created.body["data"]["token"].as_str().expect("secret");
    let header = |secret: &str| format!("X-API-Token: {secret}");
    // Everything below on one kept-alive connection, which remembers the token it used.
    let mut conn = Conn::open(&app).await;
    let mut get = async |secret: &str| {
        let answer = conn
            .send("GET", "/api/agent-base", &[&header(secret)], b"")
            .await;
        let body: serde_json::Value = serde_json::from_slice(&answer.body).expect("json");
        (
            answer.status,
            body["message"].as_str().unwrap_or_default().to_owned(),
        )
    };
    let mut served = 0;
    for _ in 0..3 {
        assert_eq!(get(secret).await.0, 200);
        served += 1;
    }

    app.server
        .clock()
        .advance(std::time::Duration::from_secs(3600));
    let (status, message) = get(secret).await;
    assert_eq!(status, 401);
    assert!(message.starts_with("expired token"), "{message}");

    let renew = format!("/api/api-tokens/{id}/renew");
    assert_eq!(
        app.call(Method::POST, &renew, Some(ACME_TOKEN), None)
            .await
            .status,
        200
    );
    assert_eq!(get(secret).await.0, 200, "renewed");
    served += 1;

    let regenerate = format!("/api/api-tokens/{id}/regenerate");
    let regenerated = app
        .call(Method::POST, &regenerate, Some(ACME_TOKEN), None)
        .await;
    let new = regenerated.body["data"]["token"]
        .as_str()
        .expect("new secret")
        .to_owned();
    let (status, message) = get(secret).await;
    assert_eq!(status, 401);
    assert!(message.starts_with("regenerated token"), "{message}");
    assert_eq!(get(&new).await.0, 200);
    served += 1;

    let revoke = format!("/api/api-tokens/{id}/revoke");
    assert_eq!(
        app.call(Method::POST, &revoke, Some(ACME_TOKEN), None)
            .await
            .status,
        200
    );
    let (status, message) = get(&new).await;
    assert_eq!(status, 401);
    assert!(message.starts_with("revoked token"), "{message}");

    let shown = app.get(&format!("/api/api-tokens/{id}")).await;
    assert_eq!(shown.body["data"]["usage_count"], served, "{}", shown.text);
}

#[tokio::test]
async fn a_connection_that_switches_namespaces_or_tokens_is_authenticated_for_each() {
    let app = TestApp::with(MockServer::builder().auth(AuthMode::Strict)).await;
    let mut conn = Conn::open(&app).await;
    let globex = format!("X-API-Token: {GLOBEX_TOKEN}");
    for _ in 0..2 {
        let acme = conn.send("GET", "/api/agent-base", &[], b"").await;
        let theirs = conn.send("GET", "/api/agent-base", &[&globex], b"").await;
        assert_eq!((acme.status, theirs.status), (200, 200));
        assert_ne!(acme.body, theirs.body, "each token sees its own product");
    }
    // A token created in a namespace works there, on this connection, until that namespace
    // is reset: then strict auth no longer knows it.
    let ns = "X-Mock-Namespace: tests/a.py::test_one";
    let created = conn
        .send(
            "POST",
            "/api/api-tokens",
            &[JSON, ns],
            br#"{"name": "local"}"#,
        )
        .await;
    assert_eq!(created.status, 201);
    let body: serde_json::Value = serde_json::from_slice(&created.body).expect("json");
    let secret = format!(
        "X-API-Token: {}",
        body["data"]["token"].as_str().expect("secret")
    );
    for _ in 0..2 {
        let here = conn
            .send("GET", "/api/agent-base", &[&secret, ns], b"")
            .await;
        assert_eq!(here.status, 200);
    }
    // Another namespace with as many token writes still does not know it.
    let other = "X-Mock-Namespace: tests/a.py::test_two";
    let made = conn
        .send(
            "POST",
            "/api/api-tokens",
            &[JSON, other],
            br#"{"name": "theirs"}"#,
        )
        .await;
    assert_eq!(made.status, 201);
    let here = conn
        .send("GET", "/api/agent-base", &[&secret, ns], b"")
        .await;
    assert_eq!(here.status, 200);
    let elsewhere = conn
        .send("GET", "/api/agent-base", &[&secret, other], b"")
        .await;
    assert_eq!(elsewhere.status, 401, "unknown in the other namespace");
    let default = conn.send("GET", "/api/agent-base", &[&secret], b"").await;
    assert_eq!(default.status, 401, "unknown in the default namespace");
    let reset = app
        .client
        .post(app.url("/__admin/reset?namespace=tests/a.py::test_one"))
        .send()
        .await
        .expect("reset");
    assert_eq!(reset.status(), 200);
    let after = conn
        .send("GET", "/api/agent-base", &[&secret, ns], b"")
        .await;
    assert_eq!(after.status, 401, "the reset namespace forgot the token");
}
