//! The admin API under `/__admin`: health, reset, the request journal, the clock and a
//! state export. Never under `/api`, never journaled, and switched off by `--admin off`.
//!
//! Answers use the same envelope as the API.

use std::time::Duration;

use bytes::Bytes;
use hyper::{HeaderMap, Method, Response, StatusCode};
use serde_json::{Map, Value, json};

pub mod scenario;

use crate::app::App;
use crate::envelope::{self, Body, Reply};
use crate::error::ApiError;
use crate::journal::Filter;
use crate::namespace::NamespaceName;
use crate::routes::request::{Fields, json_object};

/// One admin operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AdminOp {
    Health,
    Reset,
    Requests,
    ClearRequests,
    CountRequests,
    Clock,
    AdvanceClock,
    State,
}

const ADMIN_ROUTES: &[(Method, &str, AdminOp)] = &[
    (Method::GET, "/__admin/health", AdminOp::Health),
    (Method::POST, "/__admin/reset", AdminOp::Reset),
    (Method::GET, "/__admin/requests", AdminOp::Requests),
    (Method::DELETE, "/__admin/requests", AdminOp::ClearRequests),
    (
        Method::GET,
        "/__admin/requests/count",
        AdminOp::CountRequests,
    ),
    (Method::GET, "/__admin/clock", AdminOp::Clock),
    (
        Method::POST,
        "/__admin/clock/advance",
        AdminOp::AdvanceClock,
    ),
    (Method::GET, "/__admin/state", AdminOp::State),
];

/// What an admin handler sees.
struct AdminReq<'a> {
    query: &'a [(String, String)],
    headers: &'a HeaderMap,
    body: &'a Bytes,
}

impl AdminReq<'_> {
    fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    fn json(&self) -> Result<Map<String, Value>, ApiError> {
        Ok(json_object(self.headers, self.body)?.unwrap_or_default())
    }

    /// `namespace` from the query, the JSON body, or the `X-Mock-Namespace` header.
    fn namespace(&self) -> Result<Option<String>, ApiError> {
        if let Some(ns) = self.query("namespace") {
            return Ok(Some(ns.to_owned()));
        }
        if let Some(ns) = self.json()?.opt_str("namespace")? {
            return Ok(Some(ns.to_owned()));
        }
        Ok(self
            .headers
            .get("x-mock-namespace")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned))
    }
}

/// Answers an admin request (`path` starts with `/__admin`).
pub fn handle(
    app: &App,
    method: &Method,
    path: &str,
    query: &[(String, String)],
    headers: &HeaderMap,
    body: &Bytes,
) -> Response<Body> {
    let path = if path.len() > 1 {
        path.trim_end_matches('/')
    } else {
        path
    };
    let matching: Vec<&(Method, &str, AdminOp)> =
        ADMIN_ROUTES.iter().filter(|(_, p, _)| *p == path).collect();
    // HEAD is answered wherever GET is; the server leaves the body out.
    let wanted = if method == Method::HEAD {
        &Method::GET
    } else {
        method
    };
    let Some((_, _, op)) = matching.iter().find(|(m, _, _)| m == wanted) else {
        if matching.is_empty() {
            return envelope::failure(&ApiError::new(
                StatusCode::NOT_FOUND,
                format!("no admin route for {method} {path}"),
            ));
        }
        let allow = matching
            .iter()
            .map(|(m, _, _)| m.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let mut error = ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            format!("method {method} is not allowed on {path}; allowed: {allow}"),
        );
        error.allow = Some(allow);
        return envelope::failure(&error);
    };
    let req = AdminReq {
        query,
        headers,
        body,
    };
    envelope::respond(dispatch(app, *op, &req))
}

fn dispatch(app: &App, op: AdminOp, req: &AdminReq<'_>) -> Result<Reply, ApiError> {
    match op {
        AdminOp::Health => Ok(Reply::ok(health(app))),
        AdminOp::Reset => reset(app, req),
        AdminOp::Requests => requests(app, req),
        AdminOp::ClearRequests => {
            let namespace = req.namespace()?;
            app.journal.clear(namespace.as_deref());
            Ok(Reply::with(
                StatusCode::OK,
                "Request journal cleared",
                json!({ "namespace": namespace }),
            ))
        }
        AdminOp::CountRequests => Ok(Reply::ok(
            json!({ "count": app.journal.count(&filter(req)?, live(app)) }),
        )),
        AdminOp::Clock => Ok(Reply::ok(clock(app))),
        AdminOp::AdvanceClock => advance(app, req),
        AdminOp::State => {
            let namespace = req
                .namespace()?
                .unwrap_or_else(|| NamespaceName::DEFAULT.to_owned());
            Ok(Reply::ok(Value::Object(
                app.namespaces.peek(&namespace).export(),
            )))
        }
    }
}

/// The health document: also what `GET /__admin/health` answers.
pub fn health(app: &App) -> Value {
    json!({
        "ready": true,
        "version": env!("CARGO_PKG_VERSION"),
        "scenario": active_scenarios(app),
        "fixtures": app.namespaces.seeded().origin(),
        "namespaces": app.namespaces.names(),
        "counts": app.namespaces.default_namespace().state.counts(),
        "uptime_seconds": app.started.elapsed().as_secs(),
        "clock": app.clock.now().to_string(),
        "journal": { "size": app.journal.count(&Filter::default(), live(app)), "capacity": app.journal.capacity() },
        "reload": reload(app),
    })
}

/// The hot-reload counters and the outcome of the latest attempt.
fn reload(app: &App) -> Value {
    let report = app.reloads.borrow();
    json!({
        "watching": app.settings.watch,
        "attempts": report.attempts,
        "applied": report.applied,
        "unchanged": report.unchanged,
        "changed": report.changed.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
        "error": report.error,
    })
}

/// The names of the active scenarios; `["default"]` when none is (nothing is injected).
fn active_scenarios(app: &App) -> Vec<String> {
    let active: Vec<String> = app
        .scenarios
        .active()
        .iter()
        .map(|s| s.name.clone())
        .collect();
    if active.is_empty() {
        vec!["default".to_owned()]
    } else {
        active
    }
}

fn reset(app: &App, req: &AdminReq<'_>) -> Result<Reply, ApiError> {
    match req.namespace()? {
        Some(namespace) => {
            app.reset(Some(&namespace));
            Ok(Reply::with(
                StatusCode::OK,
                "Namespace reset to the seed",
                json!({ "namespace": namespace }),
            ))
        }
        None => {
            app.reset(None);
            Ok(Reply::with(
                StatusCode::OK,
                "All state reset to the seed",
                json!({ "namespace": Value::Null }),
            ))
        }
    }
}

/// Whether a journal entry belongs to a namespace as it is now (not one reset since).
fn live(app: &App) -> impl Fn(&str, u64) -> bool + '_ {
    |name, epoch| app.namespaces.is_current(name, epoch)
}

fn filter(req: &AdminReq<'_>) -> Result<Filter, ApiError> {
    let status = match req.query("status") {
        None => None,
        Some(s) => Some(s.parse::<u16>().map_err(|_| {
            ApiError::bad_request(format!(
                "query parameter 'status' must be an HTTP status code, got '{s}'"
            ))
        })?),
    };
    Ok(Filter {
        method: req.query("method").map(str::to_owned),
        path: req.query("path").map(str::to_owned),
        route: req.query("route").map(str::to_owned),
        status,
        namespace: req.query("namespace").map(str::to_owned),
    })
}

fn requests(app: &App, req: &AdminReq<'_>) -> Result<Reply, ApiError> {
    let limit = match req.query("limit") {
        None => usize::MAX,
        Some(l) => l.parse::<usize>().map_err(|_| {
            ApiError::bad_request(format!(
                "query parameter 'limit' must be a whole number, got '{l}'"
            ))
        })?,
    };
    let entries = app.journal.list(&filter(req)?, live(app), limit);
    let entries: Vec<&crate::journal::Entry> = entries.iter().map(|e| &**e).collect();
    let data = serde_json::to_value(&entries).map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(Reply::ok(data))
}

fn clock(app: &App) -> Value {
    let now = app.clock.now();
    json!({ "now": now.to_string(), "unix": now.unix_seconds(), "unix_ms": now.millis(), "frozen": app.clock.is_frozen() })
}

fn advance(app: &App, req: &AdminReq<'_>) -> Result<Reply, ApiError> {
    let body = req.json()?;
    let seconds = match body.get("seconds") {
        Some(Value::Number(n)) => n.as_f64().filter(|s| s.is_finite() && *s >= 0.0),
        None => return Err(ApiError::missing_field("seconds")),
        Some(_) => None,
    };
    let seconds =
        seconds.ok_or_else(|| ApiError::invalid_field("seconds", "a non-negative number"))?;
    app.clock
        .advance(Duration::from_secs_f64(seconds.min(1e12)));
    Ok(Reply::with(StatusCode::OK, "Clock advanced", clock(app)))
}
