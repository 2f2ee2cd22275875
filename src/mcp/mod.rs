//! The MCP gateway at `/mcp`: the Streamable HTTP transport of the official Rust SDK (`rmcp`)
//! behind the same stages as the REST API, answering the documented tools from the same
//! namespaces.
//!
//! The SDK speaks the protocol: JSON-RPC over `POST`, `Mcp-Session-Id` sessions (created by
//! `initialize`, ended by `DELETE`), SSE answers and the `GET` stream, and the stateless
//! revision without sessions. Around it, one request goes through these stages, as an `/api`
//! request goes through `service`'s:
//!
//! 1. **namespace**: `X-Mock-Namespace` picks the namespace (400, 503);
//! 2. **message**: the JSON-RPC message is looked at, not parsed for good ([`message`]): its
//!    tool (`mcp.<tool>` in the journal and log), its id;
//! 3. **auth**: the REST credentials, modes and reasons; a refusal is HTTP 401 with
//!    `WWW-Authenticate`, before any session, as the MCP authorization spec prescribes;
//! 4. for a tool call, **scenarios**, **rate limit** (HTTP 429 with the `RateLimit-*` headers)
//!    and **inject** (`Prefer: code=` or the first rule that fires for `mcp.<tool>`), then the
//!    rule's **delay**;
//! 5. **answer**: the SDK, which calls [`server::Server`] with the request's [`Exchange`]; a
//!    client that does not accept `text/event-stream` gets the answer as JSON ([`accept`]);
//! 6. **headers** and **fault**, as on REST.
//!
//! Refusals before the SDK are JSON-RPC error objects (with the request's id) at the HTTP
//! status, so SDK clients show the reason; the REST envelope is in the error's `data`.

mod accept;
mod message;
mod server;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::header::{CONTENT_TYPE, HeaderValue, WWW_AUTHENTICATE};
use hyper::http::request::Parts;
use hyper::{Method, Request, Response, StatusCode};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use serde_json::{Value, json};

use crate::app::App;
use crate::auth::{self, Presented, Principal};
use crate::body::Unread;
use crate::envelope::{self, Body, error_name};
use crate::error::ApiError;
use crate::headers::Known;
use crate::namespace::Namespace;
use crate::ratelimit::Verdict;
use crate::routes::{MCP_PATH, tool_row};
use crate::scenario::{Aborted, Decision, Scenarios, ToolCall, fault, prefer};
use crate::trace::Trace;
use message::Message;
use server::Server;

/// JSON-RPC error codes of the refusals before the SDK (implementation-defined server errors).
const UNAUTHORIZED: i32 = -32001;
const RATE_LIMITED: i32 = -32029;
const REFUSED: i32 = -32000;
const INVALID_REQUEST: i32 = -32600;

/// The methods `/mcp` answers.
pub const ALLOW: &str = "GET, POST, DELETE";

/// Whether `path` is the gateway's.
pub fn is_mcp(path: &str) -> bool {
    path == MCP_PATH || path == "/mcp/"
}

/// What one `/mcp` request carries to the tools: the app, the namespace, the caller and the
/// scenario decision of its tool call. Put in the request's extensions, which the SDK hands to
/// [`server::Server`].
#[derive(Debug, Clone)]
pub struct Exchange {
    app: Arc<App>,
    namespace: Arc<Namespace>,
    caller: Principal,
    decision: Option<Decision>,
}

/// The SDK's Streamable HTTP service, built once per server.
pub struct Gateway {
    service: StreamableHttpService<Server, LocalSessionManager>,
}

impl std::fmt::Debug for Gateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Gateway")
    }
}

impl Gateway {
    /// The gateway of a server that accepts bodies of up to `body_limit` bytes. Any `Host` is
    /// served (a mock is reached as `localhost`, by its IP or by a container's name), as the
    /// REST API is.
    pub fn new(body_limit: usize) -> Self {
        let config = StreamableHttpServerConfig::default()
            .disable_allowed_hosts()
            .with_max_request_body_bytes(body_limit)
            .with_sse_keep_alive(Some(Duration::from_secs(15)));
        let service = StreamableHttpService::new(
            || Ok(Server),
            Arc::new(LocalSessionManager::default()),
            config,
        );
        Self { service }
    }

    /// Ends every session and open stream (the server is stopping).
    pub fn close(&self) {
        self.service.config.cancellation_token.cancel();
    }
}

/// Answers one `/mcp` request (see the module docs for the stages).
pub async fn serve(
    gateway: &Gateway,
    app: &Arc<App>,
    mut parts: Parts,
    unread: &mut Unread,
    (peer, reset): (SocketAddr, &AtomicBool),
    trace: &mut Trace,
) -> Result<Response<Body>, Aborted> {
    let namespace = match app.namespaces.of_request(&Known::of(&parts.headers)) {
        Ok(namespace) => namespace,
        Err(error) => return Ok(refusal(&error, REFUSED, &Value::Null)),
    };
    let at = app.clock.at(trace.arrived());
    let of = (&namespace.name().shared(), namespace.epoch());
    trace.enter(
        &app.journal,
        at,
        of,
        &parts.method,
        &parts.uri,
        &parts.headers,
    );
    let body = match parts.method {
        Method::POST => match unread.read(&parts.headers, app.settings.body_limit).await {
            Ok(bytes) => bytes,
            Err(refused) => return Ok(refused.into_response(parts.version)),
        },
        _ => Bytes::new(),
    };
    let message = Message::peek(&parts.method, &body);
    trace.route(message.route);
    trace.body(&body);
    let caller = match authorize(app, &namespace, &parts, peer) {
        Ok(caller) => caller,
        Err(error) => return Ok(unauthorized(&error, &message.id)),
    };
    let mut verdict = None;
    let mut decision = None;
    if let Some(tool) = message.tool {
        let set = match app
            .scenarios
            .for_request(&Known::of(&parts.headers), &namespace.rules)
        {
            Ok(set) => set,
            Err(error) => return Ok(refusal(&error, INVALID_REQUEST, &message.id)),
        };
        let row = tool_row(&app.router, tool.position());
        verdict = Scenarios::rate_limit(&set)
            .or(app.faithful_limit())
            .and_then(|limit| {
                let class = limit.class_of(row)?;
                let key = limit.key_of(peer, &Known::of(&parts.headers));
                Some(namespace.buckets.check(limit, class, key, app.clock.now()))
            });
        if let Some(refused) = verdict.filter(|v| v.refused) {
            trace.rule("rate-limit");
            return Ok(rate_limited(&refused, &message.id));
        }
        let call = ToolCall {
            row,
            headers: &parts.headers,
            query: parts.uri.query(),
            namespace: namespace.name().as_str(),
        };
        decision = prefer::for_headers(&parts.headers)
            .or_else(|| Scenarios::decide_tool(&set, &call, &namespace.rules));
    }
    if let Some(decision) = decision.as_ref() {
        trace.rule(&decision.rule);
        if let Some(delay) = decision.delay {
            tokio::time::sleep(delay).await;
        }
    }
    let exchange = Exchange {
        app: Arc::clone(app),
        namespace,
        caller,
        decision: decision.clone(),
    };
    let ends_session = parts.method == Method::DELETE;
    let json_only = parts.method == Method::POST && accept::json_only(&mut parts.headers);
    parts.extensions.insert(exchange);
    let answered = gateway
        .service
        .handle(Request::from_parts(parts, Full::new(body)))
        .await;
    let mut response = into_response(answered).await;
    if json_only {
        response = accept::as_json(response, &message.id).await;
    }
    if ends_session && response.status() == StatusCode::ACCEPTED {
        // The session is gone: nothing is pending, so 204 as clients expect (Python's SDK
        // warns on 202).
        *response.status_mut() = StatusCode::NO_CONTENT;
    }
    let headers = response.headers_mut();
    if let Some(verdict) = verdict {
        verdict.apply(headers);
    }
    for (name, value) in decision.iter().flat_map(|d| d.effect.headers.iter()) {
        headers.insert(name.clone(), value.clone());
    }
    match decision.and_then(|d| d.effect.fault) {
        Some(f) => fault::apply(f, response, reset),
        None => Ok(response),
    }
}

/// The caller, as `/api` authenticates it (the same tokens, modes and reasons); the call
/// counts as a use of its token.
fn authorize(
    app: &App,
    namespace: &Namespace,
    parts: &Parts,
    peer: SocketAddr,
) -> Result<Principal, ApiError> {
    let known = Known::of(&parts.headers);
    let presented = Presented {
        headers: known,
        peer: Some(peer),
        method: &parts.method,
        path: MCP_PATH,
    };
    let caller = auth::authenticate(
        app.settings.auth_mode(),
        &namespace.state,
        presented,
        app.clock.now(),
        None,
    )?;
    auth::check_organization(&known)?;
    Ok(caller)
}

/// The SDK's response with the mock's body type: an event stream stays a stream, anything
/// else is read whole (so the journal keeps it).
async fn into_response(
    answered: Response<http_body_util::combinators::BoxBody<Bytes, std::convert::Infallible>>,
) -> Response<Body> {
    let (parts, body) = answered.into_parts();
    let streamed = parts
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/event-stream"));
    let body = match streamed {
        true => Body::stream(body.map_err(|never| match never {})),
        false => match body.collect().await {
            Ok(collected) => Body::full(collected.to_bytes()),
            Err(never) => match never {},
        },
    };
    Response::from_parts(parts, body)
}

/// A refusal before the SDK: a JSON-RPC error object answering request `id`, at `error`'s
/// HTTP status, with the REST envelope in its `data`.
fn refusal(error: &ApiError, code: i32, id: &Value) -> Response<Body> {
    let body = json!({
        "jsonrpc": "2.0",
        "id": id,
        "error": {
            "code": code,
            "message": error.message,
            "data": {
                "status": error.status.as_u16(),
                "success": false,
                "error": error_name(error.status),
                "message": error.message,
            },
        },
    });
    envelope::json(error.status, body.to_string().into_bytes())
}

/// HTTP 401 with `WWW-Authenticate: Bearer` (RFC 6750), saying why as `/api` does.
fn unauthorized(error: &ApiError, id: &Value) -> Response<Body> {
    let code = match error.status {
        StatusCode::UNAUTHORIZED => UNAUTHORIZED,
        _ => INVALID_REQUEST,
    };
    let mut response = refusal(error, code, id);
    if error.status == StatusCode::UNAUTHORIZED {
        response
            .headers_mut()
            .insert(WWW_AUTHENTICATE, challenge(&error.message));
    }
    response
}

/// The `WWW-Authenticate` value for a 401 saying `why`: no error code when no credentials
/// were sent (RFC 6750, section 3.1), else `invalid_token` with the reason.
fn challenge(why: &str) -> HeaderValue {
    const REALM: &str = "Bearer realm=\"prodgy-mock\"";
    if why.starts_with("missing credentials") {
        return HeaderValue::from_static(REALM);
    }
    let description: String = why
        .chars()
        .filter(|c| c.is_ascii() && !c.is_ascii_control())
        .map(|c| if c == '"' || c == '\\' { '\'' } else { c })
        .collect();
    HeaderValue::from_str(&format!(
        "{REALM}, error=\"invalid_token\", error_description=\"{description}\""
    ))
    .unwrap_or(HeaderValue::from_static(REALM))
}

/// HTTP 429 with `RateLimit-*` and `Retry-After`, as `/api` answers over the limit.
fn rate_limited(verdict: &Verdict, id: &Value) -> Response<Body> {
    let error = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        format!(
            "rate limit of {} requests per window exceeded; retry after {} s",
            verdict.limit, verdict.retry_after
        ),
    );
    let mut response = refusal(&error, RATE_LIMITED, id);
    verdict.apply(response.headers_mut());
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_challenge_names_the_reason_only_when_credentials_were_sent() {
        assert_eq!(
            challenge("missing credentials: send a token"),
            "Bearer realm=\"prodgy-mock\""
        );
        let revoked = challenge("revoked token: API token 'x' has been \"revoked\"");
        assert_eq!(
            revoked,
            "Bearer realm=\"prodgy-mock\", error=\"invalid_token\", error_description=\"revoked \
             token: API token 'x' has been 'revoked'\""
        );
        assert!(challenge("expired token: é…").to_str().is_ok());
    }
}
