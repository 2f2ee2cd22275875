//! The one place a request enters. Each request goes through the same ordered stages:
//!
//! 1. **route**: `(method, path)` → [`Route`] (404 / 405);
//! 2. **body**: read within the limit (413), unless the route streams it;
//! 3. **auth**: credentials → [`Principal`] (401), then `X-Organization-Id` (400);
//! 4. **handler**: one flat dispatch on the operation;
//! 5. **envelope**: the result becomes the documented JSON envelope.
//!
//! A panic anywhere inside becomes a logged 500 envelope; the connection is never dropped.

use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures_util::FutureExt;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::header::CONTENT_LENGTH;
use hyper::{Request, Response};

use crate::auth::{self, Principal};
use crate::clock::Clock;
use crate::config::Settings;
use crate::envelope::{self, Body};
use crate::error::ApiError;
use crate::routes::{self, Access, BodyKind, Ctx, Req, Router};
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
}

/// Answers one request. Never fails and never panics outward.
pub async fn handle(app: Arc<App>, request: Request<Incoming>, peer: SocketAddr) -> Response<Body> {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    match AssertUnwindSafe(pipeline(&app, request, peer))
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
            envelope::failure(&ApiError::internal(format!(
                "the mock failed while handling {method} {path}: {what}"
            )))
        }
    }
}

async fn pipeline(app: &App, request: Request<Incoming>, peer: SocketAddr) -> Response<Body> {
    let (parts, body) = request.into_parts();
    let route = match app.router.recognize(&parts.method, parts.uri.path()) {
        Ok(route) => route,
        Err(error) => return envelope::failure(&error),
    };
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
        path: parts.uri.path().to_owned(),
        peer: Some(peer),
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
        Access::Token => auth::authenticate(app.settings.auth, state, req, app.clock.now())?,
        Access::OptionalToken | Access::Platform => Principal::default(),
    };
    auth::check_organization(&req.headers)?;
    Ok(caller)
}

/// Reads the whole body within `limit` bytes; 413 beyond it, whether announced by
/// `Content-Length` or discovered while reading a chunked body.
async fn read_body(
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
