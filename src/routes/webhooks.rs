//! Inbound webhooks: the generic `/api/webhook/{custom_path}` (which starts the agent of the
//! matching webhook trigger) and the communicator callbacks for Slack / Google Chat and
//! Microsoft Teams.

use hyper::StatusCode;
use serde_json::{Value, json};

use super::common::text;
use super::launch;
use super::{Ctx, Req};
use crate::envelope::{self, Reply};
use crate::error::ApiError;
use crate::store::{Doc, Kind, Scope};

/// `POST /api/webhook/{custom_path}` (its errors have no `error` key, as documented: see its
/// row).
pub fn generic(ctx: &Ctx<'_>, req: &Req, path: &str) -> Result<Reply, ApiError> {
    let trigger = webhook_trigger(ctx, path)?;
    let payload = req.json()?;
    let data = launch::trigger(ctx, &trigger, "webhook", payload)?;
    let data = json!({ "execution_id": data.get("execution_id") });
    Ok(Reply::with(
        StatusCode::OK,
        "Webhook processed successfully",
        data,
    ))
}

/// The active webhook trigger whose `custom_path` is `path`; a bare 404 otherwise.
fn webhook_trigger(ctx: &Ctx<'_>, path: &str) -> Result<std::sync::Arc<Doc>, ApiError> {
    let found = ctx.state.collection(Kind::Trigger).find(Scope::All, |t| {
        text(t, "type") == Some("webhook") && text(t, "custom_path") == Some(path)
    });
    let not_found = |why: &str| ApiError::new(StatusCode::NOT_FOUND, why.to_owned());
    let Some(trigger) = found.into_iter().next() else {
        return Err(not_found(&format!("webhook path '{path}' not found")));
    };
    if trigger.get("is_active").and_then(Value::as_bool) != Some(true) {
        return Err(not_found(&format!(
            "webhook path '{path}' not found: its trigger is inactive"
        )));
    }
    Ok(trigger)
}

/// `POST /api/communicator/webhook/{integration_base_id}` (Slack / Google Chat).
///
/// A Slack `url_verification` body is answered with `{"challenge": …}`, as Slack expects;
/// any other event gets the success envelope.
pub fn communicator(ctx: &Ctx<'_>, req: &Req, id: &str) -> Result<Reply, ApiError> {
    let integration = integration(ctx, id)?;
    let body = req.json()?;
    let kind = body.get("type").and_then(Value::as_str);
    if kind == Some("url_verification") {
        let Some(challenge) = body.get("challenge").and_then(Value::as_str) else {
            return Err(ApiError::missing_field("challenge")
                .with_hint("a Slack url_verification event carries the challenge to echo"));
        };
        let bytes = serde_json::to_vec(&json!({ "challenge": challenge }))
            .map_err(|e| ApiError::internal(format!("challenge could not be encoded: {e}")))?;
        return Ok(Reply::Raw(envelope::json(StatusCode::OK, bytes)));
    }
    Ok(Reply::with(
        StatusCode::OK,
        "Event received",
        json!({ "integration_base_id": integration, "type": kind }),
    ))
}

/// `POST /api/communicator/botframework/{integration_base_id}/messages` (Microsoft Teams).
pub fn botframework(ctx: &Ctx<'_>, req: &Req, id: &str) -> Result<Reply, ApiError> {
    let integration = integration(ctx, id)?;
    let body = req.json()?;
    let kind = body.get("type").and_then(Value::as_str);
    Ok(Reply::with(
        StatusCode::OK,
        "Activity received",
        json!({ "integration_base_id": integration, "type": kind }),
    ))
}

/// The `integration_base_id` of the path, which must name an integration (of any product:
/// platform callbacks carry no Prodgy token).
fn integration<'r>(ctx: &Ctx<'_>, id: &'r str) -> Result<&'r str, ApiError> {
    if ctx.state.get(Kind::Integration, id).is_none() {
        return Err(ApiError::not_found("integration", id));
    }
    Ok(id)
}
