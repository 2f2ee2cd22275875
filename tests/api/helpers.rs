//! Shared test helpers: spawn a mock on port 0 and talk to it like a client would.

use prodgy_mock::{MockServer, MockServerBuilder, Timestamp};
use reqwest::Method;
use reqwest::header::HeaderMap;
use serde_json::Value;

/// Acme Support: the default product.
pub const ACME: &str = "9b2f4c1e-0a3d-4e5f-8a71-2c4d6e8f0a11";
/// Globex Sales: the second product.
pub const GLOBEX: &str = "3c7e9a52-4b1d-4f26-9e83-5a6b7c8d9e22";
/// Acme's active token.
pub const ACME_TOKEN: &str = "prodgy_AcmeSupportDefaultToken000000001";
/// Globex's active token.
pub const GLOBEX_TOKEN: &str = "prodgy_GlobexSalesDefaultToken0000000002";
/// The clock start used by tests that need byte-identical output.
pub const T0: &str = "2026-03-05T14:30:00Z";

/// A running mock and a client for it.
pub struct TestApp {
    pub server: MockServer,
    pub client: reqwest::Client,
}

/// A response, read whole.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
    pub text: String,
}

impl TestApp {
    /// The default mock, with its clock frozen at [`T0`].
    pub async fn spawn() -> Self {
        Self::with(MockServer::builder()).await
    }

    /// A mock from `builder`, with its clock frozen at [`T0`].
    pub async fn with(builder: MockServerBuilder) -> Self {
        let start = Timestamp::parse(T0).expect("T0 is RFC 3339");
        let server = builder.frozen_clock(start).start().await;
        Self {
            server,
            client: reqwest::Client::new(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.uri())
    }

    /// GET `path` as Acme.
    pub async fn get(&self, path: &str) -> Resp {
        self.call(Method::GET, path, Some(ACME_TOKEN), None).await
    }

    /// `method` `path` as Acme with a JSON body.
    pub async fn send(&self, method: Method, path: &str, body: Value) -> Resp {
        self.call(method, path, Some(ACME_TOKEN), Some(body)).await
    }

    /// Any call: `token` goes in `X-API-Token`, `body` as JSON.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Resp {
        let mut request = self.client.request(method, self.url(path));
        if let Some(token) = token {
            request = request.header("X-API-Token", token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        Resp::read(request.send().await.expect("request sent")).await
    }
}

impl Resp {
    pub async fn read(response: reqwest::Response) -> Self {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.expect("body read");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Self {
            status,
            headers,
            body,
            text,
        }
    }

    /// The envelope `message`.
    pub fn message(&self) -> &str {
        self.body["message"].as_str().unwrap_or_default()
    }

    /// The ids of a list's `data`.
    pub fn ids(&self) -> Vec<&str> {
        self.body["data"]
            .as_array()
            .map(|a| a.iter().filter_map(|i| i["id"].as_str()).collect())
            .unwrap_or_default()
    }

    /// Asserts an error envelope with `status` and `error`, returning the message.
    pub fn assert_error(&self, status: u16, error: &str) -> &str {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.text
        );
        assert_eq!(
            self.body["success"],
            Value::Bool(false),
            "body: {}",
            self.text
        );
        assert_eq!(
            self.body["error"],
            Value::String(error.into()),
            "body: {}",
            self.text
        );
        self.message()
    }
}
