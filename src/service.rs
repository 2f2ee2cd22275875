//! The one place a request enters. Each request goes through the same ordered stages:
//!
//! 1. **admin**: `/__admin/scenario` is answered by [`scenario::admin`];
//! 2. **route**: `(method, path)` → [`Route`] (404 / 405);
//! 3. **scenarios**: the active set, or the one `X-Mock-Scenario` names (400 if unknown);
//! 4. **rate limit**: count the call when a scenario enables limits (429 over the limit);
//! 5. **inject**: `Prefer: code=NNN`, else the first scenario rule that fires;
//! 6. **delay**: wait as the rule says (Tokio time);
//! 7. **answer**: the injected status, or body (413) → auth (401/400) → handler → envelope;
//! 8. **headers**: rate-limit and rule headers are added;
//! 9. **fault**: reset, close, truncate or dribble as the rule says.
//!
//! A panic anywhere inside becomes a logged 500 envelope; the connection is only dropped
//! when a scenario asks for it.

use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures_util::FutureExt;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::header::CONTENT_LENGTH;
use hyper::http::request::Parts;
use hyper::{Request, Response};
use tokio::sync::watch;

use crate::auth::{self, Principal};
use crate::clock::Clock;
use crate::config::Settings;
use crate::envelope::{self, Body};
use crate::error::ApiError;
use crate::ratelimit::{RateLimiter, Verdict};
use crate::reload::ReloadReport;
use crate::routes::{self, Access, BodyKind, Ctx, Req, Route, Router};
use crate::scenario::{self, Aborted, Call, Decision, Scenario, Scenarios, fault};
use crate::store::Store;

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
    /// Scenarios: catalog, active set, call counters.
    pub scenarios: Scenarios,
    /// Rate-limit windows.
    pub limiter: RateLimiter,
    /// The outcome of the latest hot reload.
    pub reloads: watch::Sender<ReloadReport>,
}

impl App {
    /// Restarts scenario call counters, generators and rate-limit windows.
    pub fn reset_scenarios(&self) {
        self.scenarios.reset();
        self.limiter.reset();
    }
}

/// The connection a request arrived on.
#[derive(Debug, Clone)]
pub struct Conn {
    /// The client address.
    pub peer: SocketAddr,
    /// Set to make the connection end with a reset when it is dropped.
    pub reset: Arc<AtomicBool>,
}

/// Answers one request. Never panics outward; fails only when a scenario aborts the
/// connection on purpose.
pub async fn handle(
    app: Arc<App>,
    request: Request<Incoming>,
    conn: Conn,
) -> Result<Response<Body>, Aborted> {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    match AssertUnwindSafe(pipeline(&app, request, &conn))
        .catch_unwind()
        .await
    {
        Ok(response) => response,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_owned());
            tracing::error!(%method, %path, panic = %what, "handler panicked; answered 500");
            Ok(envelope::failure(&ApiError::internal(format!(
                "the mock failed while handling {method} {path}: {what}"
            ))))
        }
    }
}

async fn pipeline(
    app: &App,
    request: Request<Incoming>,
    conn: &Conn,
) -> Result<Response<Body>, Aborted> {
    let (parts, body) = request.into_parts();
    if scenario::admin::owns(parts.uri.path()) {
        return Ok(scenario::admin::serve(app, &parts, body).await);
    }
    let route = match app.router.recognize(&parts.method, parts.uri.path()) {
        Ok(route) => route,
        Err(error) => return Ok(envelope::failure(&error)),
    };
    let namespace = scenario::namespace_of(&parts.headers);
    let set = match app.scenarios.for_request(&parts.headers) {
        Ok(set) => set,
        Err(error) => return Ok(envelope::failure(&error)),
    };
    let limit = rate_limit(app, &set, &route, &parts, namespace, conn.peer);
    if let Some(refused) = limit.filter(|v| v.refused) {
        return Ok(refused.refusal());
    }
    let call = Call {
        route: &route,
        path: parts.uri.path(),
        headers: &parts.headers,
        query: parts.uri.query(),
        namespace,
    };
    let decision = prefer(app, &set, &call).or_else(|| app.scenarios.decide(&set, &call));
    if let Some(delay) = decision.as_ref().and_then(|d| d.delay) {
        tokio::time::sleep(delay).await;
    }
    let mut response = match decision.as_ref().and_then(injected) {
        Some(response) => response,
        None => answer(app, parts, body, route).await,
    };
    finish_headers(&mut response, limit, decision.as_ref());
    match decision.and_then(|d| d.action.fault) {
        Some(f) => fault::apply(f, response, &conn.reset),
        None => Ok(response),
    }
}

/// Counts the call against its bucket when the scenarios enable limits and the route is
/// limited.
fn rate_limit(
    app: &App,
    set: &[Arc<Scenario>],
    route: &Route,
    parts: &Parts,
    namespace: &str,
    peer: SocketAddr,
) -> Option<Verdict> {
    let limit = Scenarios::rate_limit(set)?;
    let class = limit.class_of(route.index)?;
    let key = limit.key_of(peer, &parts.headers);
    Some(
        app.limiter
            .check(limit, class, namespace, key, app.clock.now()),
    )
}

/// Prism-style `Prefer: code=NNN` (200 to 599): answers that status with its envelope; a
/// 429 also carries the rate-limit headers.
fn prefer(app: &App, set: &[Arc<Scenario>], call: &Call<'_>) -> Option<Decision> {
    scenario::prefer::decide(&app.scenarios, set, call, app.clock.now())
}

fn injected(decision: &Decision) -> Option<Response<Body>> {
    let status = decision.action.status?;
    Some(envelope::json(status, decision.action.body.to_vec()))
}

fn finish_headers(response: &mut Response<Body>, limit: Option<Verdict>, d: Option<&Decision>) {
    let headers = response.headers_mut();
    if let Some(verdict) = limit {
        verdict.apply(headers);
    }
    for (name, value) in d.map(|d| d.action.headers.as_slice()).unwrap_or_default() {
        headers.insert(name.clone(), value.clone());
    }
}

/// The real answer: body → auth → handler → envelope.
async fn answer(app: &App, parts: Parts, body: Incoming, route: Route) -> Response<Body> {
    let (body, stream) = if route.def.body == BodyKind::Multipart {
        (Bytes::new(), Some(body))
    } else {
        match read_body(&parts.headers, body, app.settings.body_limit).await {
            Ok(bytes) => (bytes, None),
            Err(error) => return envelope::failure(&error),
        }
    };
    let query = parts.uri.query().map(parse_query).unwrap_or_default();
    let req = Req {
        route,
        query,
        headers: parts.headers,
        body,
        stream: Mutex::new(stream),
    };
    let state = app.store.state();
    let result = match authorize(app, &state, &req) {
        Ok(caller) => {
            let ctx = Ctx {
                state: &state,
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

fn authorize(app: &App, state: &crate::store::State, req: &Req) -> Result<Principal, ApiError> {
    let caller = match req.route.def.access {
        Access::Token => {
            auth::authenticate(app.settings.auth, state, &req.headers, app.clock.now())?
        }
        Access::OptionalToken | Access::Platform => Principal::default(),
    };
    auth::check_organization(&req.headers)?;
    Ok(caller)
}

/// Reads the whole body within `limit` bytes; 413 beyond it, whether announced by
/// `Content-Length` or discovered while reading a chunked body.
pub(crate) async fn read_body(
    headers: &hyper::HeaderMap,
    body: Incoming,
    limit: usize,
) -> Result<Bytes, ApiError> {
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
