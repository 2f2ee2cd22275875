//! The admin API under `/__admin`: health, reset, the request journal, the clock, a state
//! export, the scenarios ([`scenario`]) and the dashboard that shows them all ([`ui`]). Never under `/api`, never journaled, and switched
//! off by `--admin off`.
//!
//! Its operations are rows ([`ADMIN`]) on the same [`Router`] type as the API's, so 404, 405
//! and `HEAD` behave alike. Answers use the same envelope as the API.

pub mod scenario;
pub mod ui;

use std::borrow::Cow;
use std::time::Duration;

use bytes::Bytes;
use hyper::{HeaderMap, Method, StatusCode};
use serde_json::{Map, Value, json};

use crate::app::App;
use crate::envelope::Reply;
use crate::error::ApiError;
use crate::executions::Executions;
use crate::journal::{Filter, StatusMatch};
use crate::namespace::NamespaceName;
use crate::routes::request::{Fields, json_object};
use crate::routes::{Pattern, Router};

/// What an admin handler returns.
pub type Outcome = Result<Reply, ApiError>;

/// One admin operation.
#[derive(Debug)]
pub struct AdminOp {
    /// A dotted name for logs (`admin.health`).
    pub name: &'static str,
    /// The HTTP method.
    pub method: Method,
    /// The path.
    pub path: &'static str,
    /// The handler.
    pub handler: fn(&App, &AdminReq<'_>) -> Outcome,
}

impl Pattern for AdminOp {
    fn method(&self) -> &Method {
        &self.method
    }

    fn path(&self) -> &'static str {
        self.path
    }
}

const fn admin(
    name: &'static str,
    method: Method,
    path: &'static str,
    handler: fn(&App, &AdminReq<'_>) -> Outcome,
) -> AdminOp {
    AdminOp {
        name,
        method,
        path,
        handler,
    }
}

/// Every admin operation.
pub const ADMIN: &[AdminOp] = &[
    admin("admin.health", Method::GET, "/__admin/health", |app, _| {
        Ok(Reply::ok(health(app)))
    }),
    admin("admin.reset", Method::POST, "/__admin/reset", reset),
    admin("admin.requests", Method::GET, "/__admin/requests", requests),
    admin(
        "admin.requests.clear",
        Method::DELETE,
        "/__admin/requests",
        clear_requests,
    ),
    admin(
        "admin.requests.count",
        Method::GET,
        "/__admin/requests/count",
        count_requests,
    ),
    admin("admin.clock", Method::GET, "/__admin/clock", |app, _| {
        Ok(Reply::ok(clock(app)))
    }),
    admin(
        "admin.clock.advance",
        Method::POST,
        "/__admin/clock/advance",
        advance,
    ),
    admin("admin.state", Method::GET, "/__admin/state", state),
    admin(
        "admin.record",
        Method::POST,
        "/__admin/record",
        flush_recording,
    ),
    admin(
        "admin.namespaces",
        Method::GET,
        "/__admin/namespaces",
        namespaces,
    ),
    admin(
        "admin.ratelimits",
        Method::GET,
        "/__admin/ratelimits",
        ratelimits,
    ),
    admin(
        "admin.scenario",
        Method::GET,
        scenario::PATH,
        scenario::describe,
    ),
    admin(
        "admin.scenario.switch",
        Method::POST,
        scenario::PATH,
        scenario::switch,
    ),
    admin(
        "admin.scenario.replace",
        Method::PUT,
        scenario::PATH,
        scenario::switch,
    ),
    admin(
        "admin.scenario.clear",
        Method::DELETE,
        scenario::PATH,
        scenario::clear,
    ),
    admin(
        "admin.scenario.show",
        Method::GET,
        "/__admin/scenario/{name}",
        scenario::show,
    ),
    admin(
        "admin.scenario.reset",
        Method::POST,
        "/__admin/scenario/reset",
        scenario::reset_counters,
    ),
    admin("admin.ui.home", Method::GET, "/__admin", ui::home),
    admin("admin.ui", Method::GET, "/__admin/ui", ui::index),
    admin("admin.ui.file", Method::GET, "/__admin/ui/{name}", ui::file),
];

/// The router of the admin API.
pub fn router() -> Router<AdminOp> {
    Router::new(ADMIN)
}

/// What an admin handler sees.
#[derive(Debug)]
pub struct AdminReq<'a> {
    /// Query parameters in order.
    pub query: &'a [(Cow<'a, str>, Cow<'a, str>)],
    /// Request headers.
    pub headers: &'a HeaderMap,
    /// The body, read within the limit.
    pub body: &'a Bytes,
    /// The path parameter, when the path has one.
    pub param: Option<&'a str>,
}

impl AdminReq<'_> {
    fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| &**v)
            .filter(|v| !v.is_empty())
    }

    fn json(&self) -> Result<Map<String, Value>, ApiError> {
        Ok(json_object(self.headers, self.body)?.unwrap_or_default())
    }

    /// `namespace` from the query, the JSON body, or the `X-Mock-Namespace` header.
    pub(crate) fn namespace(&self) -> Result<Option<String>, ApiError> {
        if let Some(ns) = self.query("namespace") {
            return Ok(Some(ns.to_owned()));
        }
        if let Some(ns) = self.json()?.opt_str("namespace")? {
            return Ok(Some(ns.to_owned()));
        }
        Ok(self
            .headers
            .get(crate::headers::MOCK_NAMESPACE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned))
    }
}

fn clear_requests(app: &App, req: &AdminReq<'_>) -> Outcome {
    let namespace = req.namespace()?;
    app.journal.clear(namespace.as_deref());
    Ok(Reply::with(
        StatusCode::OK,
        "Request journal cleared",
        json!({ "namespace": namespace }),
    ))
}

fn count_requests(app: &App, req: &AdminReq<'_>) -> Outcome {
    let count = app.journal.count(&filter(req)?, live(app));
    Ok(Reply::ok(json!({ "count": count })))
}

/// `GET /__admin/namespaces`: every live namespace, its record counts and its own scenarios.
fn namespaces(app: &App, _req: &AdminReq<'_>) -> Outcome {
    let mut all = app.namespaces.all();
    all.sort_by(|a, b| a.name().cmp(b.name()));
    let listed: Vec<Value> = all
        .iter()
        .map(|ns| {
            let own = ns
                .rules
                .active()
                .map(|set| set.iter().map(|s| s.name.clone()).collect::<Vec<_>>());
            json!({ "name": ns.name().as_str(), "counts": ns.state.counts(), "scenarios": own })
        })
        .collect();
    Ok(Reply::ok(Value::Array(listed)))
}

/// `GET /__admin/ratelimits`: every live bucket under the limits in force for its namespace,
/// with what remains and when its window resets.
fn ratelimits(app: &App, _req: &AdminReq<'_>) -> Outcome {
    let now = app.clock.now();
    let mut listed = Vec::new();
    let mut all = app.namespaces.all();
    all.sort_by(|a, b| a.name().cmp(b.name()));
    for ns in all {
        let set = ns.rules.active().unwrap_or_else(|| app.scenarios.active());
        let Some(limit) = crate::scenario::Scenarios::rate_limit(&set).or(app.faithful_limit())
        else {
            continue;
        };
        for (class, caller, verdict) in ns.buckets.snapshot(limit, now) {
            listed.push(json!({
                "namespace": ns.name().as_str(),
                "class": format!("{class:?}").to_ascii_lowercase(),
                "caller": caller.to_string(),
                "limit": verdict.limit,
                "remaining": verdict.remaining,
                "reset": verdict.reset,
                "retry_after": verdict.retry_after,
                "exhausted": verdict.refused,
            }));
        }
    }
    Ok(Reply::ok(Value::Array(listed)))
}

/// `GET /__admin/state`: every record of a namespace, in fixture format, with executions
/// settled on the clock first (as the API would show them).
fn state(app: &App, req: &AdminReq<'_>) -> Outcome {
    let namespace = req
        .namespace()?
        .unwrap_or_else(|| NamespaceName::DEFAULT.to_owned());
    let state = match app.namespaces.live_namespace(&namespace) {
        Some(ns) => {
            Executions::new(&ns.state, &ns.runs, app.settings.seed).settle_all(app.clock.now());
            std::sync::Arc::clone(&ns.state)
        }
        None => app.namespaces.peek(&namespace),
    };
    Ok(Reply::ok(Value::Object(state.export())))
}

/// The health document: also what `GET /__admin/health` answers.
pub fn health(app: &App) -> Value {
    json!({
        "ready": true,
        "version": env!("CARGO_PKG_VERSION"),
        "scenario": active_scenarios(app),
        "faithful": app.settings.faithful,
        "auth": format!("{:?}", app.settings.auth_mode()).to_ascii_lowercase(),
        "fixtures": app.namespaces.seeded().origin(),
        "namespaces": app.namespaces.names(),
        "counts": app.namespaces.default_namespace().state.counts(),
        "uptime_seconds": app.started.elapsed().as_secs(),
        "clock": app.clock.now().to_string(),
        "journal": { "size": app.journal.count(&Filter::default(), live(app)), "capacity": app.journal.capacity() },
        "reload": reload(app),
        "proxy": app.proxy.as_ref().map(|p| json!({
            "upstream": p.url(),
            "record": p.record_dir().map(|d| d.display().to_string()),
        })),
    })
}

/// `POST /__admin/record`: proxy mode's recording written now (409 when not recording).
fn flush_recording(app: &App, _: &AdminReq<'_>) -> Outcome {
    let Some(proxy) = app.proxy.as_ref().filter(|p| p.record_dir().is_some()) else {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "not recording: start the mock with --proxy URL --record DIR",
        ));
    };
    match proxy.flush() {
        Ok(Some(written)) => {
            let counts: Map<String, Value> = written
                .counts
                .iter()
                .map(|(kind, n)| (kind.plural().to_owned(), json!(n)))
                .collect();
            Ok(Reply::ok(json!({
                "dir": written.dir.display().to_string(),
                "counts": counts,
                "warnings": written.warnings,
            })))
        }
        Ok(None) => Ok(Reply::ok(
            json!({ "dir": null, "counts": {}, "warnings": [] }),
        )),
        Err(error) => Err(ApiError::internal(error.to_string())),
    }
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
        "seconds_ago": report.latest.map(|at| at.elapsed().as_secs()),
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
        Some(s) => Some(StatusMatch::parse(s).ok_or_else(|| {
            ApiError::bad_request(format!(
                "query parameter 'status' must be an HTTP status code or a class such as 5xx, got '{s}'"
            ))
        })?),
    };
    let since = match req.query("since") {
        None => None,
        Some(s) => Some(s.parse::<u64>().map_err(|_| {
            ApiError::bad_request(format!(
                "query parameter 'since' must be a journal id (a whole number), got '{s}'"
            ))
        })?),
    };
    Ok(Filter {
        method: req.query("method").map(str::to_owned),
        path: req.query("path").map(str::to_owned),
        // `?tool=invoke_agent` is `?route=mcp.invoke_agent`: the MCP gateway's tool calls.
        route: req
            .query("route")
            .map(str::to_owned)
            .or_else(|| req.query("tool").map(|t| format!("mcp.{t}"))),
        status,
        namespace: req.query("namespace").map(str::to_owned),
        since,
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
