use prodgy_mock::{AuthMode, MockServer};
use reqwest::Method;

use crate::helpers::*;

const JWT: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.c2lnbmF0dXJl";

async fn status_with(app: &TestApp, header: (&str, &str)) -> Resp {
    let request = app
        .client
        .get(app.url("/api/agent-base"))
        .header(header.0, header.1);
    Resp::read(request.send().await.expect("sent")).await
}

#[tokio::test]
async fn every_401_says_why() {
    let app = TestApp::spawn().await;
    let missing = app.call(Method::GET, "/api/agent-base", None, None).await;
    assert!(
        missing
            .assert_error(401, "Unauthorized")
            .starts_with("missing credentials")
    );
    let cases = [
        ("X-API-Token", "not-a-token", "malformed token"),
        (
            "Authorization",
            "Basic dXNlcjpwYXNz",
            "malformed credentials",
        ),
        ("Authorization", "Bearer prodgy_", "malformed token"),
        (
            "X-API-Token",
            "prodgy_RevokedAcmeToken000000000000005",
            "revoked token",
        ),
        (
            "X-API-Token",
            "prodgy_InactiveAcmeToken00000000000003",
            "inactive token",
        ),
        (
            "X-API-Token",
            "prodgy_ExpiredAcmeToken000000000000004",
            "expired token",
        ),
    ];
    for (name, value, why) in cases {
        let resp = status_with(&app, (name, value)).await;
        assert!(
            resp.assert_error(401, "Unauthorized").starts_with(why),
            "{value}: {}",
            resp.text
        );
    }
}

#[tokio::test]
async fn lenient_mode_accepts_unknown_well_formed_tokens_and_jwts_as_the_default_product() {
    let app = TestApp::spawn().await;
    let unknown = status_with(&app, ("X-API-Token", "prodgy_SomethingNobodyIssued")).await;
    assert_eq!(unknown.ids().len(), 3);
    let bearer = status_with(
        &app,
        ("Authorization", "Bearer prodgy_SomethingNobodyIssued"),
    )
    .await;
    assert_eq!(bearer.status, 200);
    let jwt = status_with(&app, ("Authorization", &format!("Bearer {JWT}"))).await;
    assert_eq!(jwt.ids().len(), 3);
}

#[tokio::test]
async fn strict_mode_accepts_only_known_tokens() {
    let app = TestApp::with(MockServer::builder().auth(AuthMode::Strict)).await;
    let unknown = status_with(&app, ("X-API-Token", "prodgy_SomethingNobodyIssued")).await;
    assert!(
        unknown
            .assert_error(401, "Unauthorized")
            .starts_with("unknown token")
    );
    let jwt = status_with(&app, ("Authorization", &format!("Bearer {JWT}"))).await;
    assert!(
        jwt.assert_error(401, "Unauthorized")
            .starts_with("unknown token")
    );
    assert_eq!(
        status_with(&app, ("Authorization", &format!("Bearer {ACME_TOKEN}")))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn auth_off_needs_no_token_and_sees_every_product() {
    let app = TestApp::with(MockServer::builder().auth(AuthMode::Off)).await;
    let all = app.call(Method::GET, "/api/agent-base", None, None).await;
    assert_eq!(all.ids().len(), 4);
    let globex = app
        .call(
            Method::GET,
            &format!("/api/agent-base/product/{GLOBEX}"),
            None,
            None,
        )
        .await;
    assert_eq!(globex.ids().len(), 1);
}

#[tokio::test]
async fn x_api_token_wins_when_both_headers_are_sent() {
    let app = TestApp::spawn().await;
    let request = app
        .client
        .get(app.url("/api/agent-base"))
        .header("X-API-Token", GLOBEX_TOKEN)
        .header("Authorization", format!("Bearer {ACME_TOKEN}"));
    let resp = Resp::read(request.send().await.expect("sent")).await;
    assert_eq!(resp.ids(), ["a9e1f3b5-0004-4c6d-8e7f-100000000004"]);
}

#[tokio::test]
async fn products_are_isolated_from_each_other() {
    let app = TestApp::spawn().await;
    let acme_agent = "a9e1f3b5-0001-4c6d-8e7f-100000000001";
    let as_globex = app
        .call(
            Method::GET,
            &format!("/api/agent-base/{acme_agent}"),
            Some(GLOBEX_TOKEN),
            None,
        )
        .await;
    assert_eq!(
        as_globex.assert_error(404, "Not Found"),
        format!("agent '{acme_agent}' not found")
    );
    let delete = app
        .call(
            Method::DELETE,
            &format!("/api/agent-base/{acme_agent}"),
            Some(GLOBEX_TOKEN),
            None,
        )
        .await;
    delete.assert_error(404, "Not Found");
    assert_eq!(
        app.get(&format!("/api/agent-base/{acme_agent}"))
            .await
            .status,
        200,
        "still there for Acme"
    );
}

#[tokio::test]
async fn a_token_past_its_expiry_on_the_server_clock_is_refused() {
    let app = TestApp::with(MockServer::builder().fixtures_dir("tests/fixtures/expiring")).await;
    let token = "prodgy_ExpiresAnHourAfterT0xxxxxxxxxxx";
    assert_eq!(
        app.call(Method::GET, "/api/agent-base", Some(token), None)
            .await
            .status,
        200
    );
    app.server
        .clock()
        .advance(std::time::Duration::from_secs(3600));
    let resp = app
        .call(Method::GET, "/api/agent-base", Some(token), None)
        .await;
    assert!(
        resp.assert_error(401, "Unauthorized")
            .starts_with("expired token")
    );
}

#[tokio::test]
async fn x_organization_id_must_be_a_uuid() {
    let app = TestApp::spawn().await;
    let request = |value: &str| {
        app.client
            .get(app.url("/api/agent-base"))
            .header("X-API-Token", ACME_TOKEN)
            .header("X-Organization-Id", value.to_owned())
    };
    let bad = Resp::read(request("acme").send().await.expect("sent")).await;
    assert!(
        bad.assert_error(400, "Bad Request")
            .contains("X-Organization-Id")
    );
    let good = Resp::read(
        request("6480d1ad-5535-40e1-95b0-05774d3dc4b0")
            .send()
            .await
            .expect("sent"),
    )
    .await;
    assert_eq!(good.status, 200);
}
