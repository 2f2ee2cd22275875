//! `/__admin/scenario`: read and switch scenarios without a restart, for the whole server or
//! for one namespace.
//!
//! - `GET` answers the active names and every known scenario (name, description, source,
//!   warnings); with a namespace (`?namespace=` or `X-Mock-Namespace`), that namespace's.
//! - `POST` or `PUT` with `{"scenarios": ["flaky", "ratelimit"]}` (or `{"name": "flaky"}`)
//!   activates those, in that order, and restarts the call counters; an unknown name is 400.
//!   With a namespace (also `"namespace"` in the body), only that namespace runs them.
//! - `DELETE` with a namespace gives it the server's scenarios back; without, the server runs
//!   none.
//! - `GET /__admin/scenario/{name}` answers one scenario's file as written.
//! - `POST /__admin/scenario/reset` restarts the call counters and rate-limit windows.

use serde_json::{Value, json};

use super::{AdminReq, Outcome};
use crate::app::App;
use crate::envelope::Reply;
use crate::error::ApiError;

/// The path of the scenario switch.
pub const PATH: &str = "/__admin/scenario";

/// `POST /__admin/scenario/reset`: restarts the call counters and rate-limit windows.
pub fn reset_counters(app: &App, req: &AdminReq<'_>) -> Outcome {
    app.reset_scenarios();
    describe(app, req)
}

/// `POST` or `PUT /__admin/scenario`: activates the scenarios named.
pub fn switch(app: &App, req: &AdminReq<'_>) -> Outcome {
    let bytes: &[u8] = req.body;
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
        .map_err(|unknown| ApiError::bad_request(unknown.to_string()))?;
    let names: Vec<&str> = set.iter().map(|s| s.name.as_str()).collect();
    match req.namespace()? {
        Some(namespace) => {
            tracing::info!(?names, %namespace, "a namespace's scenarios switched");
            namespace_of(app, &namespace)?.rules.activate(Some(set));
        }
        None => {
            tracing::info!(?names, "active scenarios switched");
            app.activate(set);
        }
    }
    describe(app, req)
}

/// `DELETE /__admin/scenario`: a namespace gets the server's scenarios back; without one, the
/// server runs none.
pub fn clear(app: &App, req: &AdminReq<'_>) -> Outcome {
    match req.namespace()? {
        Some(namespace) => namespace_of(app, &namespace)?.rules.activate(None),
        None => app.activate(Vec::new()),
    }
    describe(app, req)
}

/// `GET /__admin/scenario/{name}`: one scenario, with its file as written.
pub fn show(app: &App, req: &AdminReq<'_>) -> Outcome {
    let name = req.param.unwrap_or_default();
    let scenario = app
        .scenarios
        .catalog()
        .get(name)
        .ok_or_else(|| ApiError::not_found("scenario", name))?;
    let file: Value = serde_json::from_str(&scenario.text).unwrap_or(Value::Null);
    let mut data = summary(&scenario);
    data["file"] = file;
    Ok(Reply::ok(data))
}

/// Namespace `name`, created when needed (a switch for a namespace no request named yet).
fn namespace_of(
    app: &App,
    name: &str,
) -> Result<std::sync::Arc<crate::namespace::Namespace>, ApiError> {
    let name = crate::namespace::NamespaceName::parse(name.as_bytes())?;
    app.namespaces
        .get(&name)
        .map_err(crate::namespace::TooManyNamespaces::to_api_error)
}

/// `GET /__admin/scenario`: the active names (of a namespace, when one is named) and every
/// known scenario.
pub fn describe(app: &App, req: &AdminReq<'_>) -> Outcome {
    let server: Vec<String> = names(&app.scenarios.active());
    let namespace = req.namespace()?;
    let own = namespace
        .as_deref()
        .and_then(|name| app.namespaces.live_rules(name))
        .map(|set| names(&set));
    let catalog = app.scenarios.catalog();
    let available: Vec<Value> = catalog.all().iter().map(|s| summary(s)).collect();
    Ok(Reply::ok(json!({
        "active": own.clone().unwrap_or_else(|| server.clone()),
        "namespace": namespace,
        "own": own.is_some(),
        "server": server,
        "available": available,
    })))
}

fn names(set: &[std::sync::Arc<crate::scenario::Scenario>]) -> Vec<String> {
    set.iter().map(|s| s.name.clone()).collect()
}

fn summary(s: &crate::scenario::Scenario) -> Value {
    json!({
        "name": s.name,
        "description": s.description,
        "source": s.source,
        "rules": s.rules.len(),
        "rate_limit": s.rate_limit.is_some(),
        "warnings": s.warnings,
    })
}
