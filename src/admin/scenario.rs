//! `/__admin/scenario`: read and switch the active scenarios without a restart.
//!
//! - `GET` answers the active names and every known scenario (name, description, source,
//!   warnings).
//! - `POST` or `PUT` with `{"scenarios": ["flaky", "ratelimit"]}` (or `{"name": "flaky"}`)
//!   activates those, in that order, and restarts the call counters; an unknown name is 400.
//! - `POST /__admin/scenario/reset` restarts the call counters and rate-limit windows.

use hyper::http::request::Parts;
use hyper::{Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::app::App;
use crate::body::Unread;
use crate::envelope::{self, Body, Reply};
use crate::error::ApiError;

/// The path prefix this module answers.
pub const PREFIX: &str = "/__admin/scenario";

/// Whether `path` belongs to this module.
pub fn owns(path: &str) -> bool {
    path.strip_prefix(PREFIX)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Answers one admin request.
pub async fn serve(app: &App, parts: &Parts, body: &mut Unread) -> Response<Body> {
    let rest = parts.uri.path().strip_prefix(PREFIX).unwrap_or_default();
    let rest = rest.trim_end_matches('/');
    let result = match (&parts.method, rest) {
        (&Method::GET, "") => Ok(Reply::ok(describe(app))),
        (&Method::POST | &Method::PUT, "") => {
            match body.read(&parts.headers, app.settings.body_limit).await {
                Ok(bytes) => switch(app, &bytes),
                Err(refused) => return refused.into_response(parts.version),
            }
        }
        (&Method::POST, "/reset") => {
            app.reset_scenarios();
            Ok(Reply::ok(describe(app)))
        }
        (_, "" | "/reset") => Err(not_allowed(&parts.method, rest)),
        (_, _) => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!("no admin route {}{rest}", PREFIX),
        )),
    };
    envelope::respond(result)
}

fn not_allowed(method: &Method, rest: &str) -> ApiError {
    let allow = if rest.is_empty() {
        "GET, POST, PUT"
    } else {
        "POST"
    };
    let mut error = ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("method {method} is not allowed on {PREFIX}{rest}; allowed: {allow}"),
    );
    error.allow = Some(allow.to_owned());
    error
}

fn switch(app: &App, bytes: &[u8]) -> Result<Reply, ApiError> {
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::bad_request(format!("body is not valid JSON: {e}")))?;
    let names: Vec<&str> = match (value.get("scenarios"), value.get("name")) {
        (Some(Value::Array(list)), _) => list
            .iter()
            .map(|v| {
                v.as_str()
                    .ok_or_else(|| ApiError::invalid_field("scenarios", "an array of names"))
            })
            .collect::<Result<_, _>>()?,
        (Some(_), _) => return Err(ApiError::invalid_field("scenarios", "an array of names")),
        (None, Some(Value::String(name))) => vec![name.as_str()],
        (None, Some(_)) => return Err(ApiError::invalid_field("name", "a string")),
        (None, None) => {
            return Err(ApiError::missing_field("scenarios")
                .with_hint("send {\"scenarios\": [\"flaky\"]} or {\"name\": \"flaky\"}"));
        }
    };
    let set = app
        .scenarios
        .catalog()
        .resolve(names)
        .map_err(ApiError::bad_request)?;
    tracing::info!(
        scenarios = ?set.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
        "active scenarios switched"
    );
    app.activate(set);
    Ok(Reply::ok(describe(app)))
}

fn describe(app: &App) -> Value {
    let active: Vec<String> = app
        .scenarios
        .active()
        .iter()
        .map(|s| s.name.clone())
        .collect();
    let catalog = app.scenarios.catalog();
    let available: Vec<Value> = catalog
        .all()
        .iter()
        .map(|s| {
            json!({
                "name": s.name,
                "description": s.description,
                "source": s.source,
                "rules": s.rules.len(),
                "rate_limit": s.rate_limit.is_some(),
                "warnings": s.warnings,
            })
        })
        .collect();
    json!({"active": active, "available": available})
}
