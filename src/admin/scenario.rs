//! `/__admin/scenario`: read and switch the active scenarios without a restart.
//!
//! - `GET` answers the active names and every known scenario (name, description, source,
//!   warnings).
//! - `POST` or `PUT` with `{"scenarios": ["flaky", "ratelimit"]}` (or `{"name": "flaky"}`)
//!   activates those, in that order, and restarts the call counters; an unknown name is 400.
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
    tracing::info!(
        scenarios = ?set.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
        "active scenarios switched"
    );
    app.activate(set);
    describe(app, req)
}

/// `GET /__admin/scenario`: the active names and every known scenario.
pub fn describe(app: &App, _req: &AdminReq<'_>) -> Outcome {
    Ok(Reply::ok(description(app)))
}

fn description(app: &App) -> Value {
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
