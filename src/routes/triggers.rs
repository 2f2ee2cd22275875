//! Triggers (`/api/agent-base/triggers`): list, details, and executing a manual trigger.

use serde_json::Value;

use super::common::{list as list_reply, owner, product_scope, text, visible};
use super::request::Fields;
use super::{Ctx, Req, launch};
use crate::envelope::Reply;
use crate::error::ApiError;
use crate::store::{Kind, Record, Scope};

/// `GET /api/agent-base/triggers`: the caller's manual triggers, as documented ("list manual
/// triggers"), or those of the type `?type=` names (`all` for every type); filtered by
/// `product_id`, `agent_base_id` and `is_active`.
pub fn list(ctx: &Ctx<'_>, req: &Req) -> Result<Reply, ApiError> {
    let request = req.page()?;
    let product = product_scope(ctx, req.query_nonempty("product_id"))?;
    let agent = req.query_nonempty("agent_base_id");
    if let Some(agent) = agent {
        visible(ctx, Kind::Agent, agent)?;
    }
    // The row has checked `type` against manual, webhook, schedule and all.
    let kind = match req.query_nonempty("type").unwrap_or("manual") {
        "all" => None,
        kind => Some(kind),
    };
    let active = req.query_bool("is_active")?;
    let keep = |r: &Record| {
        product
            .as_deref()
            .is_none_or(|p| owner(ctx, Kind::Trigger, r).as_deref() == Some(p))
            && kind.is_none_or(|k| text(r, "type") == Some(k))
            && active.is_none_or(|a| r.get("is_active").and_then(Value::as_bool) == Some(a))
    };
    let parts = [agent];
    let scope = Scope::within(&parts);
    let page = ctx
        .state
        .collection(Kind::Trigger)
        .page(scope, Some(&keep), request);
    Ok(list_reply(page, request, None))
}

/// `GET /api/agent-base/triggers/{id}`
pub fn get(ctx: &Ctx<'_>, _req: &Req, id: &str) -> Result<Reply, ApiError> {
    Ok(Reply::ok(visible(ctx, Kind::Trigger, id)?))
}

/// `POST /api/agent-base/triggers`: runs a manual, active trigger's agent with `input`.
pub fn execute(ctx: &Ctx<'_>, req: &Req) -> Result<Reply, ApiError> {
    let body = req.json()?;
    let id = body.required_str("trigger_id")?;
    let input = body.opt_object("input")?.cloned().unwrap_or_default();
    let trigger = visible(ctx, Kind::Trigger, id)?;
    let kind = text(&trigger, "type").unwrap_or_default();
    if kind != "manual" {
        return Err(ApiError::bad_request(format!(
            "trigger '{id}' is a {kind} trigger: only manual triggers can be executed"
        )));
    }
    if trigger.get("is_active").and_then(Value::as_bool) != Some(true) {
        return Err(ApiError::bad_request(format!(
            "trigger '{id}' is inactive: activate it before executing it"
        )));
    }
    let started = launch::trigger(ctx, &trigger, "manual", input)?;
    Ok(Reply::ok(started))
}
