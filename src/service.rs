//! The one place a request enters. Each request goes through the same ordered stages:
//!
//! 1. **admin**: `/__admin/*` and `/swagger.json` are answered aside (never journaled);
//! 2. **namespace**: `X-Mock-Namespace` picks the state (400 when malformed);
//! 3. **route**: `(method, path)` → [`Route`](crate::routes::Route) (404 / 405);
//! 4. **body**: read within the limit (413), unless the route streams it;
//! 5. **auth**: credentials → [`Principal`] (401), then `X-Organization-Id` (400);
//! 6. **handler**: one flat dispatch on the operation;
//! 7. **envelope**: the result becomes the documented JSON envelope;
//! 8. **journal**: the exchange is appended to the bounded request journal.
//!
//! A panic anywhere inside becomes a logged 500 envelope; the connection is never dropped.

use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use bytes::Bytes;
use futures_util::FutureExt;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::header::CONTENT_LENGTH;
use hyper::http::request::Parts;
use hyper::{HeaderMap, Method, Request, Response};

use crate::auth::{self, Principal};
use crate::clock::Clock;
use crate::config::Settings;
use crate::envelope::{self, Body};
use crate::error::ApiError;
use crate::journal::{self, Entry, Journal};
use crate::routes::{self, Access, BodyKind, Ctx, Req, Router};
use crate::store::{DEFAULT_NAMESPACE, State, Store};
use crate::{admin, openapi};

/// Everything shared by all requests of one server.
#[derive(Debug)]
pub struct App {
    /// Validated settings.
    pub settings: Settings,
    /// The compiled route table.
    pub router: Router,
    /// The server clock.
    pub clock: Clock,
    /// All state.
    pub store: Store,
    /// The request journal.
    pub journal: Journal,
    /// When the server started (for uptime and idle tracking).
    pub started: Instant,
    /// Requests being answered right now.
    pub in_flight: AtomicUsize,
    /// Milliseconds since `started` when the last request finished.
    pub last_activity_ms: AtomicI64,
}

impl App {
    /// An app over `store`, with an empty journal.
    pub fn new(settings: Settings, clock: Clock, store: Store) -> Self {
        let journal = Journal::new(settings.journal_size);
        Self {
            settings,
            router: Router::default(),
            clock,
            store,
            journal,
            started: Instant::now(),
            in_flight: AtomicUsize::new(0),
            last_activity_ms: AtomicI64::new(0),
        }
    }

    /// How long no request has been in flight, or `None` while one is.
    pub fn idle_for(&self) -> Option<std::time::Duration> {
        if self.in_flight.load(Ordering::Acquire) > 0 {
            return None;
        }
        let last = u64::try_from(self.last_activity_ms.load(Ordering::Acquire)).unwrap_or(0);
        let now = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        Some(std::time::Duration::from_millis(now.saturating_sub(last)))
    }
}

/// Answers one request. Never fails and never panics outward.
pub async fn handle(app: Arc<App>, request: Request<Incoming>, peer: SocketAddr) -> Response<Body> {
    app.in_flight.fetch_add(1, Ordering::AcqRel);
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = catch_panics(&method, &path, pipeline(&app, request, peer)).await;
    let now = i64::try_from(app.started.elapsed().as_millis()).unwrap_or(i64::MAX);
    app.last_activity_ms.store(now, Ordering::Release);
    app.in_flight.fetch_sub(1, Ordering::AcqRel);
    response
}

/// Runs `answer`; a panic inside becomes a logged 500 envelope instead of a dropped
/// connection.
async fn catch_panics(
    method: &Method,
    path: &str,
    answer: impl Future<Output = Response<Body>>,
) -> Response<Body> {
    match AssertUnwindSafe(answer).catch_unwind().await {
        Ok(response) => response,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_owned());
            tracing::error!(%method, %path, panic = %what, "handler panicked; answered 500");
            let message = format!("the mock failed while handling {method} {path}: {what}");
            envelope::failure(&ApiError::internal(message))
        }
    }
}

async fn pipeline(app: &App, request: Request<Incoming>, peer: SocketAddr) -> Response<Body> {
    let (parts, body) = request.into_parts();
    let query = parts.uri.query().map(parse_query).unwrap_or_default();
    if parts.uri.path().starts_with("/__admin") && app.settings.admin {
        let body = match read_body(&parts.headers, body, app.settings.body_limit).await {
            Ok(bytes) => bytes,
            Err(error) => return envelope::failure(&error),
        };
        return admin::handle(
            app,
            &parts.method,
            parts.uri.path(),
            &query,
            &parts.headers,
            &body,
        );
    }
    if let Some(document) = openapi::serve(&parts.method, parts.uri.path()) {
        return document;
    }
    let namespace = match namespace_of(&parts.headers) {
        Ok(namespace) => namespace,
        Err(error) => return envelope::failure(&error),
    };
    let state = app.store.namespace(&namespace);
    let mut trace = app
        .journal
        .enabled()
        .then(|| start_entry(app, &parts, &namespace));
    let response = api(app, &state, parts, query, body, peer, &mut trace).await;
    if let Some(mut entry) = trace {
        entry.status = response.status().as_u16();
        app.journal.record(entry);
    }
    response
}

/// Stages 3–7 for an `/api` request.
async fn api(
    app: &App,
    state: &Arc<State>,
    parts: Parts,
    query: Vec<(String, String)>,
    body: Incoming,
    peer: SocketAddr,
    trace: &mut Option<Entry>,
) -> Response<Body> {
    let route = match app.router.recognize(&parts.method, parts.uri.path()) {
        Ok(route) => route,
        Err(error) => return envelope::failure(&error),
    };
    if let Some(entry) = trace.as_mut() {
        entry.route = Some(route.def.name);
    }
    let (body, stream) = if route.def.body == BodyKind::Multipart {
        (Bytes::new(), Some(body))
    } else {
        match read_body(&parts.headers, body, app.settings.body_limit).await {
            Ok(bytes) => (bytes, None),
            Err(error) => return envelope::failure(&error),
        }
    };
    if let Some(entry) = trace.as_mut() {
        entry.body = journal::bounded_body(&body);
        entry.body_size = body.len();
    }
    let req = Req {
        route,
        query,
        path: parts.uri.path().to_owned(),
        peer: Some(peer),
        headers: parts.headers,
        body,
        stream: Mutex::new(stream),
    };
    let result = match authorize(app, state, &req) {
        Ok(caller) => {
            let ctx = Ctx {
                state,
                clock: &app.clock,
                caller: &caller,
                settings: &app.settings,
            };
            routes::dispatch(&ctx, &req).await
        }
        Err(error) => Err(error),
    };
    envelope::respond(result)
}

fn start_entry(app: &App, parts: &Parts, namespace: &str) -> Entry {
    Entry {
        id: 0,
        at: app.clock.now().to_string(),
        namespace: namespace.to_owned(),
        method: parts.method.as_str().to_owned(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().unwrap_or_default().to_owned(),
        route: None,
        headers: journal::masked_headers(&parts.headers),
        body: None,
        body_size: 0,
        status: 0,
        rule: None,
    }
}

/// The namespace named by `X-Mock-Namespace`: 1 to 64 letters, digits, `-`, `_` or `.`.
fn namespace_of(headers: &HeaderMap) -> Result<String, ApiError> {
    let Some(value) = headers.get("x-mock-namespace") else {
        return Ok(DEFAULT_NAMESPACE.to_owned());
    };
    let name = value.to_str().unwrap_or_default();
    let valid = (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
    if valid {
        Ok(name.to_owned())
    } else {
        Err(ApiError::bad_request(
            "header 'X-Mock-Namespace' must be 1 to 64 letters, digits, '-', '_' or '.'",
        ))
    }
}

fn authorize(app: &App, state: &State, req: &Req) -> Result<Principal, ApiError> {
    let caller = match req.route.def.access {
        Access::Token => auth::authenticate(app.settings.auth, state, req, app.clock.now())?,
        Access::OptionalToken | Access::Platform => Principal::default(),
    };
    auth::check_organization(&req.headers)?;
    Ok(caller)
}

/// Reads the whole body within `limit` bytes; 413 beyond it, whether announced by
/// `Content-Length` or discovered while reading a chunked body.
async fn read_body(headers: &HeaderMap, body: Incoming, limit: usize) -> Result<Bytes, ApiError> {
    let announced = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > limit as u64) {
        return Err(ApiError::too_large(limit));
    }
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(error) if error.is::<http_body_util::LengthLimitError>() => {
            Err(ApiError::too_large(limit))
        }
        Err(error) => Err(ApiError::bad_request(format!(
            "request body could not be read: {error}"
        ))),
    }
}

fn parse_query(query: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panicking_handler_becomes_a_500_envelope() {
        let response = catch_panics(&Method::GET, "/api/x", async { panic!("boom") }).await;
        assert_eq!(response.status(), hyper::StatusCode::INTERNAL_SERVER_ERROR);
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        let body: serde_json::Value = serde_json::from_slice(&body).expect("json");
        assert_eq!(body["error"], "Internal Server Error");
        assert_eq!(
            body["message"],
            "the mock failed while handling GET /api/x: boom"
        );
    }
}
