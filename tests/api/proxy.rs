//! Proxy mode against a second mock playing the instance: answers come back unchanged,
//! scenarios apply on top, credentials pass through (masked in the journal), admin stays
//! local, a dead upstream is a 502 envelope, and `record` saves what passed through.

use std::time::Duration;

use prodgy_mock::{MockServer, RequestFilter};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{ACME_TOKEN, GLOBEX_TOKEN, Resp};
use crate::planted::{EXTRA_AGENT, frozen, planted_fixtures, planted_upstream, scratch};
use crate::record::get;

/// `method path` to `server` with `token`, an optional JSON body and extra headers.
async fn call(
    server: &MockServer,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
    headers: &[(&str, &str)],
) -> Resp {
    let mut request = reqwest::Client::new().request(method, format!("{}{path}", server.uri()));
    if let Some(token) = token {
        request = request.header("X-API-Token", token);
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    Resp::read(request.send().await.expect("sent")).await
}

async fn proxy_to(upstream: &MockServer) -> MockServer {
    frozen(MockServer::builder().proxy(upstream.uri())).await
}

#[tokio::test]
async fn the_upstreams_answers_come_back_unchanged() {
    let upstream = planted_upstream("unchanged", false).await;
    let proxy = proxy_to(&upstream).await;
    for path in [
        "/api/agent-base".to_owned(),
        format!("/api/agent-base/{EXTRA_AGENT}"),
        "/api/integrations-base?page=2&pageSize=50".to_owned(),
        "/api/agent-base/00000000-0000-4000-8000-000000000000".to_owned(),
        "/api/no-such-route".to_owned(),
    ] {
        let (direct, proxied) = (
            get(&upstream, &path, ACME_TOKEN).await,
            get(&proxy, &path, ACME_TOKEN).await,
        );
        assert_eq!(direct.status, proxied.status, "{path}");
        assert_eq!(direct.text, proxied.text, "{path}");
        assert_eq!(
            direct.headers.get("content-type"),
            proxied.headers.get("content-type")
        );
    }
    let created = call(
        &proxy,
        Method::POST,
        "/api/integrations-base",
        Some(ACME_TOKEN),
        Some(json!({"title": "Made through the proxy"})),
        &[],
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.body["data"]["id"].as_str().expect("id");
    let stored = get(
        &upstream,
        &format!("/api/integrations-base/{id}"),
        ACME_TOKEN,
    )
    .await;
    assert_eq!(
        stored.body["data"]["title"],
        json!("Made through the proxy")
    );
    let forwarded = upstream.count(&RequestFilter::new().path("/api/no-such-route"));
    assert_eq!(forwarded, 2, "asked directly once, and forwarded");
}

#[tokio::test]
async fn scenarios_apply_on_top_of_the_upstream() {
    let upstream = planted_upstream("scenarios", false).await;
    let dir = scratch("proxy-scenario");
    let scenario = dir.join("first-429.json");
    let rules = json!({"name": "first-429", "rules": [
        {"match": {"route": "agents.list"}, "when": {"first": 1}, "respond": {"status": 429}}
    ]});
    std::fs::write(&scenario, rules.to_string()).expect("scenario");
    let proxy = frozen(
        MockServer::builder()
            .proxy(upstream.uri())
            .scenario(scenario.display().to_string()),
    )
    .await;
    let first = get(&proxy, "/api/agent-base", ACME_TOKEN).await;
    first.assert_error(429, "Too Many Requests");
    assert!(first.headers.contains_key("retry-after"));
    let second = get(&proxy, "/api/agent-base", ACME_TOKEN).await;
    assert_eq!(second.status, 200);
    assert_eq!(
        second.ids().len(),
        4,
        "the upstream's agents, planted one included"
    );
    assert_eq!(
        upstream.count(&RequestFilter::new().route("agents.list")),
        1
    );
}

#[tokio::test]
async fn credentials_pass_through_and_the_journal_masks_them() {
    let upstream = planted_upstream("credentials", false).await;
    let proxy = proxy_to(&upstream).await;
    let globex = call(
        &proxy,
        Method::GET,
        "/api/agent-base",
        None,
        None,
        &[
            ("Authorization", &format!("Bearer {GLOBEX_TOKEN}")),
            ("X-Mock-Namespace", "mine"),
        ],
    )
    .await;
    assert_eq!(globex.status, 200);
    assert_eq!(globex.ids(), ["a9e1f3b5-0004-4c6d-8e7f-100000000004"]);
    let missing = get(&proxy, "/api/agent-base", "").await;
    assert_eq!(missing.status, 401, "the upstream judges credentials");
    let seen = &upstream.received_requests()[0];
    assert_eq!(seen.namespace, "default", "X-Mock-* stays with the proxy");
    for request in proxy.received_requests() {
        let text = format!("{request:?} {:?}", request.headers);
        assert!(!text.contains(GLOBEX_TOKEN), "{text}");
    }
    let journaled = &proxy.received_requests()[0];
    let auth = journaled
        .headers
        .iter()
        .find(|(name, _)| name == "authorization")
        .map(|(_, value)| value.as_str());
    assert_eq!(auth, Some("Bearer prodgy_G********"));
}

#[tokio::test]
async fn admin_routes_stay_local() {
    let upstream = planted_upstream("admin", false).await;
    let proxy = proxy_to(&upstream).await;
    let health = get(&proxy, "/__admin/health", ACME_TOKEN).await;
    assert_eq!(
        health.body["data"]["proxy"]["upstream"],
        json!(upstream.uri())
    );
    let document = get(&proxy, "/swagger.json", ACME_TOKEN).await;
    assert_eq!(document.status, 200);
    assert!(upstream.received_requests().is_empty());
}

#[tokio::test]
async fn an_upstream_that_does_not_answer_is_a_502_envelope_naming_it() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", closed.local_addr().expect("addr"));
    drop(closed);
    let proxy = frozen(MockServer::builder().proxy(&url)).await;
    let answer = get(&proxy, "/api/agent-base", ACME_TOKEN).await;
    let message = answer.assert_error(502, "Bad Gateway");
    assert!(
        message.starts_with(&format!("upstream {url} unreachable: ")),
        "{message}"
    );

    let dir = planted_fixtures("slow");
    let scenario = dir.with_extension("slow.json");
    let rules = json!({"name": "slow", "rules": [{"respond": {"delay_ms": 5000}}]});
    std::fs::write(&scenario, rules.to_string()).expect("scenario");
    let slow = frozen(
        MockServer::builder()
            .fixtures_dir(&dir)
            .scenario(scenario.display().to_string()),
    )
    .await;
    let proxy = frozen(
        MockServer::builder()
            .proxy(slow.uri())
            .proxy_timeout(Duration::from_millis(100)),
    )
    .await;
    let answer = get(&proxy, "/api/agent-base", ACME_TOKEN).await;
    let message = answer.assert_error(502, "Bad Gateway");
    assert_eq!(
        message,
        format!("upstream {} unreachable: no answer within 0.1s", slow.uri())
    );
}

#[tokio::test]
async fn record_saves_what_passed_through_as_fixtures() {
    let upstream = planted_upstream("proxy-record", false).await;
    let out = scratch("proxy-record-out").join("recorded");
    let proxy = frozen(MockServer::builder().proxy(upstream.uri()).record(&out)).await;
    for path in [
        "/api/agent-base",
        "/api/integrations-base",
        "/api/api-tokens",
    ] {
        assert_eq!(get(&proxy, path, ACME_TOKEN).await.status, 200);
    }
    let detail = format!("/api/agent-base/{EXTRA_AGENT}");
    assert_eq!(get(&proxy, &detail, ACME_TOKEN).await.status, 200);
    let gone = "e5f6a7b8-9000-4c2d-9e3f-000000000000";
    let path = format!("/api/integrations-base/{gone}");
    let deleted = call(&proxy, Method::DELETE, &path, Some(ACME_TOKEN), None, &[]).await;
    assert_eq!(deleted.status, 200, "{}", deleted.text);
    let flushed = call(&proxy, Method::POST, "/__admin/record", None, None, &[]).await;
    assert_eq!(flushed.status, 200, "{}", flushed.text);
    assert_eq!(flushed.body["data"]["counts"]["agents"], json!(4));
    proxy.shutdown().await;

    let written = std::fs::read_to_string(out.join("tokens.json")).expect("tokens written");
    assert!(!written.contains(ACME_TOKEN), "secrets are masked");
    let tokens: Vec<Value> = serde_json::from_str(&written).expect("JSON");
    let mine = tokens
        .iter()
        .find(|t| t["name"] == json!("CI pipeline (Acme)"))
        .and_then(|t| t["token"].as_str())
        .expect("the caller's token, masked");
    let served = frozen(MockServer::builder().fixtures_dir(&out)).await;
    let theirs = get(&upstream, "/api/agent-base", ACME_TOKEN).await;
    let ours = get(&served, "/api/agent-base", mine).await;
    assert_eq!(theirs.body["data"], ours.body["data"]);
    let ours = get(&served, &path, mine).await;
    ours.assert_error(404, "Not Found");
}

#[tokio::test]
async fn record_without_proxy_or_into_a_full_directory_is_refused() {
    let dir = scratch("proxy-record-full");
    std::fs::write(dir.join("agents.json"), "[]").expect("file");
    let full = MockServer::builder()
        .proxy("http://127.0.0.1:9")
        .record(&dir)
        .try_start()
        .await
        .expect_err("refused");
    assert_eq!(full.exit_code(), 2);
    assert!(full.to_string().contains("--record"), "{full}");
    let alone = MockServer::builder()
        .record(scratch("proxy-record-alone"))
        .try_start()
        .await
        .expect_err("refused");
    assert_eq!(alone.exit_code(), 2);
    let bad = MockServer::builder()
        .proxy("ftp://nowhere")
        .try_start()
        .await
        .expect_err("refused");
    assert_eq!(
        bad.to_string(),
        "invalid configuration: --proxy 'ftp://nowhere' is not an http:// or https:// URL with a host"
    );
}
