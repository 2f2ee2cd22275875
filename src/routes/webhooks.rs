//! Inbound webhooks: the generic `/api/webhook/{custom_path}` (which starts the agent of the
//! matching webhook trigger, checking its token when the trigger requires one) and the
//! communicator callbacks, which take only integrations of their platform: Slack and Google
//! Chat on `/api/communicator/webhook/{id}`, Microsoft Teams on the Bot Framework route.

use std::sync::Arc;

use hyper::StatusCode;
use serde_json::{Value, json};

use super::common::{owner, text};
use super::launch;
use super::{Ctx, Req};
use crate::auth;
use crate::config::AuthMode;
use crate::envelope::{self, Reply};
use crate::error::ApiError;
use crate::store::{Doc, Kind, Record, Scope};

/// `POST /api/webhook/{custom_path}` (its errors have no `error` key, as documented: see its
/// row).
pub fn generic(ctx: &Ctx<'_>, req: &Req, path: &str) -> Result<Reply, ApiError> {
    let trigger = webhook_trigger(ctx, path)?;
    if trigger.get("require_token").and_then(Value::as_bool) == Some(true) {
        check_token(ctx, req, &trigger, path)?;
    }
    let payload = req.json()?;
    let data = launch::trigger(ctx, &trigger, "webhook", payload.clone())?;
    let data = json!({ "execution_id": data.get("execution_id") });
    Ok(Reply::with(
        StatusCode::OK,
        "Webhook processed successfully",
        data,
    ))
}

/// A webhook trigger with `require_token`: the call needs a known, usable API token of the
/// trigger's product (401 otherwise). `--auth off` checks no credentials, here too.
fn check_token(ctx: &Ctx<'_>, req: &Req, trigger: &Record, path: &str) -> Result<(), ApiError> {
    if ctx.settings.auth_mode() == AuthMode::Off {
        return Ok(());
    }
    let caller = auth::known_token(ctx.state, req.presented(), ctx.clock.now())
        .map_err(|e| e.with_hint(&format!("webhook '{path}' requires an API token")))?;
    let product = owner(ctx, Kind::Trigger, trigger);
    if caller.sees(product.as_deref()) {
        return Ok(());
    }
    Err(ApiError::unauthorized(format!(
        "wrong product: API token '{}' belongs to another product than webhook '{path}'",
        caller.token_id.as_deref().unwrap_or_default()
    )))
}

/// The active webhook trigger whose `custom_path` is `path`; a bare 404 otherwise.
fn webhook_trigger(ctx: &Ctx<'_>, path: &str) -> Result<Arc<Doc>, ApiError> {
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
    let integration = integration(ctx, id, Platform::Chat)?;
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
        json!({ "integration_base_id": text(&integration, "id"), "type": kind }),
    ))
}

/// `POST /api/communicator/botframework/{integration_base_id}/messages` (Microsoft Teams).
pub fn botframework(ctx: &Ctx<'_>, req: &Req, id: &str) -> Result<Reply, ApiError> {
    let integration = integration(ctx, id, Platform::Teams)?;
    let body = req.json()?;
    let kind = body.get("type").and_then(Value::as_str);
    Ok(Reply::with(
        StatusCode::OK,
        "Activity received",
        json!({ "integration_base_id": text(&integration, "id"), "type": kind }),
    ))
}

/// The platforms whose callbacks the mock receives, each on its own route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Platform {
    /// Slack and Google Chat: `/api/communicator/webhook/{id}`.
    Chat,
    /// Microsoft Teams: `/api/communicator/botframework/{id}/messages`.
    Teams,
}

impl Platform {
    /// The platform of an integration `type`, compared without case and separators, so
    /// `slack`, `google_chat`, `Google Chat`, `teams` and `microsoft_teams` are all recognized.
    fn of(kind: &str) -> Option<Platform> {
        let key: String = kind
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect();
        match key.as_str() {
            "slack" | "googlechat" => Some(Platform::Chat),
            "teams" | "msteams" | "microsoftteams" => Some(Platform::Teams),
            _ => None,
        }
    }

    /// What the route takes, for messages.
    fn takes(self) -> &'static str {
        match self {
            Platform::Chat => {
                "Slack and Google Chat integrations (Teams activities go to /api/communicator/botframework/{id}/messages)"
            }
            Platform::Teams => {
                "Microsoft Teams integrations (Slack and Google Chat events go to /api/communicator/webhook/{id})"
            }
        }
    }
}

/// The integration `id` names (of any product: platform callbacks carry no Prodgy token):
/// 404 when there is none, 400 when it is not of `platform` or is inactive.
fn integration(ctx: &Ctx<'_>, id: &str, platform: Platform) -> Result<Arc<Doc>, ApiError> {
    let integration = ctx
        .state
        .get(Kind::Integration, id)
        .ok_or_else(|| ApiError::not_found("integration", id))?;
    let kind = text(&integration, "type").unwrap_or_default();
    if Platform::of(kind) != Some(platform) {
        return Err(ApiError::bad_request(format!(
            "integration '{id}' is of type '{kind}': this route takes only {}",
            platform.takes()
        )));
    }
    if integration.get("is_active").and_then(Value::as_bool) != Some(true) {
        return Err(ApiError::bad_request(format!(
            "integration '{id}' is inactive: activate it (PUT /api/integrations-base/{id} with is_active true) to receive its events"
        )));
    }
    Ok(integration)
}
