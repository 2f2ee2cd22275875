//! A small MCP client over reqwest for the gateway's tests: JSON-RPC over `POST /mcp`, the
//! answer read from JSON or from the SSE stream until the response to the request arrives.
//! The real SDK clients (Python, TypeScript) are driven by `scripts/mcp-clients.sh`; this one
//! shows the wire: statuses, headers, ids.

use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{Value, json};

use crate::helpers::{ACME_TOKEN, TestApp};

/// Upper bound on waiting for an answer (real time; nothing here waits for the clock).
const ANSWER_TIMEOUT: Duration = Duration::from_secs(10);

/// One `/mcp` exchange: the HTTP status and headers, and the JSON-RPC messages received.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub messages: Vec<Value>,
    pub text: String,
}

impl Answer {
    /// The one response (or error) message.
    pub fn message(&self) -> &Value {
        self.messages
            .iter()
            .rev()
            .find(|m| m.get("result").is_some() || m.get("error").is_some())
            .unwrap_or_else(|| panic!("no JSON-RPC response in {}: {}", self.status, self.text))
    }

    /// The response's `result`.
    pub fn result(&self) -> &Value {
        let message = self.message();
        assert!(
            message.get("result").is_some(),
            "expected a result: {message}"
        );
        &message["result"]
    }

    /// The error object of the response.
    pub fn error(&self) -> &Value {
        let message = self.message();
        assert!(
            message.get("error").is_some(),
            "expected an error: {message}"
        );
        &message["error"]
    }

    /// A response header, as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// A client of one mock's `/mcp`: a token, a namespace, and the session once initialized.
pub struct Mcp<'a> {
    app: &'a TestApp,
    token: Option<String>,
    accept: &'static str,
    headers: Vec<(String, String)>,
    pub session: Option<String>,
    next_id: u64,
}

impl<'a> Mcp<'a> {
    /// A client calling as Acme (an admin token).
    pub fn new(app: &'a TestApp) -> Self {
        Self {
            app,
            token: Some(ACME_TOKEN.to_owned()),
            accept: "application/json, text/event-stream",
            headers: Vec::new(),
            session: None,
            next_id: 0,
        }
    }

    /// Calls with `token` as `Authorization: Bearer` (none: no credentials).
    pub fn token(mut self, token: Option<&str>) -> Self {
        self.token = token.map(str::to_owned);
        self
    }

    /// Sends `Accept: accept` instead of both JSON and event streams.
    pub fn accept(mut self, accept: &'static str) -> Self {
        self.accept = accept;
        self
    }

    /// Sends `name: value` with every request (`X-Mock-Namespace`, `X-Mock-Scenario`, …).
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Sends `X-Mock-Namespace: name`.
    pub fn namespace(self, name: &str) -> Self {
        self.header("X-Mock-Namespace", name)
    }

    /// A request with this client's headers.
    fn request(&self, method: reqwest::Method) -> reqwest::RequestBuilder {
        let mut request = self
            .app
            .client
            .request(method, self.app.url("/mcp"))
            .header("Accept", self.accept);
        if let Some(token) = &self.token {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        if let Some(session) = &self.session {
            request = request.header("Mcp-Session-Id", session);
        }
        for (name, value) in &self.headers {
            request = request.header(name, value);
        }
        request
    }

    /// POSTs `message` and reads the answer (until the response to `message`'s id, if any).
    pub async fn post(&mut self, message: Value) -> Answer {
        let wanted = message.get("id").cloned();
        let response = self
            .request(reqwest::Method::POST)
            .json(&message)
            .send()
            .await
            .expect("request sent");
        read(response, wanted).await
    }

    /// A JSON-RPC request of `method` with `params`.
    pub async fn send(&mut self, method: &str, params: Value) -> Answer {
        self.next_id += 1;
        let message =
            json!({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params});
        self.post(message).await
    }

    /// The handshake: `initialize` (keeping the session id), then `notifications/initialized`.
    pub async fn initialize(&mut self) -> Answer {
        let answer = self
            .send(
                "initialize",
                json!({
                    "protocolVersion": "2025-06-18",
                    "capabilities": {},
                    "clientInfo": {"name": "prodgy-mock tests", "version": "1"},
                }),
            )
            .await;
        if let Some(session) = answer.header("mcp-session-id") {
            self.session = Some(session.to_owned());
            let note = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
            let accepted = self.post(note).await;
            assert_eq!(accepted.status, 202, "{}", accepted.text);
        }
        answer
    }

    /// `tools/call` of `tool` with `arguments`: the whole answer.
    pub async fn call_answer(&mut self, tool: &str, arguments: Value) -> Answer {
        self.send("tools/call", json!({"name": tool, "arguments": arguments}))
            .await
    }

    /// `tools/call` of `tool` with `arguments`: the tool result.
    pub async fn call(&mut self, tool: &str, arguments: Value) -> Value {
        let answer = self.call_answer(tool, arguments).await;
        assert_eq!(answer.status, 200, "{}", answer.text);
        answer.result().clone()
    }

    /// `DELETE /mcp`: ends the session.
    pub async fn end(&mut self) -> u16 {
        let response = self
            .request(reqwest::Method::DELETE)
            .send()
            .await
            .expect("request sent");
        response.status().as_u16()
    }
}

/// The structured content of a successful tool result (the REST envelope).
pub fn ok(result: &Value) -> &Value {
    assert_eq!(result["isError"], false, "expected success: {result}");
    &result["structuredContent"]
}

/// The structured content of a failed tool result, checked to be an envelope with `error`.
pub fn failed<'v>(result: &'v Value, error: &str) -> &'v str {
    assert_eq!(result["isError"], true, "expected an error: {result}");
    let envelope = &result["structuredContent"];
    assert_eq!(envelope["error"], error, "{result}");
    let text = result["content"][0]["text"].as_str().expect("text content");
    assert_eq!(
        serde_json::from_str::<Value>(text).expect("JSON text"),
        *envelope
    );
    envelope["message"].as_str().expect("message")
}

/// Reads `response`: a JSON body, or SSE frames until the response with id `wanted`.
async fn read(response: reqwest::Response, wanted: Option<Value>) -> Answer {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let is_sse = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/event-stream"));
    if !is_sse {
        let text = response.text().await.expect("body");
        let messages = serde_json::from_str(&text)
            .map(|m| vec![m])
            .unwrap_or_default();
        return Answer {
            status,
            headers,
            messages,
            text,
        };
    }
    let mut stream = response.bytes_stream();
    let (mut text, mut messages) = (String::new(), Vec::new());
    let mut consumed = 0;
    loop {
        while let Some(end) = text[consumed..].find("\n\n") {
            let frame = &text[consumed..consumed + end];
            consumed += end + 2;
            let data: Vec<&str> = frame
                .lines()
                .filter_map(|l| l.strip_prefix("data:"))
                .map(str::trim_start)
                .collect();
            let Ok(message) = serde_json::from_str::<Value>(&data.join("\n")) else {
                continue;
            };
            let done = wanted.is_none() || message.get("id") == wanted.as_ref();
            messages.push(message);
            if done {
                return Answer {
                    status,
                    headers,
                    messages,
                    text,
                };
            }
        }
        let chunk = tokio::time::timeout(ANSWER_TIMEOUT, stream.next())
            .await
            .expect("an answer within the timeout");
        match chunk {
            Some(bytes) => {
                text.push_str(std::str::from_utf8(&bytes.expect("chunk")).expect("utf-8"))
            }
            None => {
                return Answer {
                    status,
                    headers,
                    messages,
                    text,
                };
            }
        }
    }
}
