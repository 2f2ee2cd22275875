//! Triggers (`/api/agent-base/triggers`): list, details, and executing a manual trigger.

use serde_json::{Value, json};

use super::common::{list as list_reply, one_of, owner, product_scope, text, visible};
use super::request::Fields;
use super::{Ctx, Req};
use crate::envelope::Reply;
use crate::error::ApiError;
use crate::executions::{self, Launch};
use crate::schema::TRIGGER_TYPES;
use crate::store::{Kind, Record, Scope};

/// `GET /api/agent-base/triggers`: the caller's triggers, filtered by `product_id`,
/// `agent_base_id`, `type` and `is_active`.
pub fn list(ctx: &Ctx<'_>, req: &Req) -> Result<Reply, ApiError> {
    let request = req.page()?;
    let product = product_scope(ctx, req.query_nonempty("product_id"))?;
    let agent = req.query_nonempty("agent_base_id");
    if let Some(agent) = agent {
        visible(ctx, Kind::Agent, agent)?;
    }
    let kind = one_of(req, "type", TRIGGER_TYPES)?;
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
pub fn get(ctx: &Ctx<'_>, req: &Req) -> Result<Reply, ApiError> {
    Ok(Reply::ok(visible(ctx, Kind::Trigger, req.param("id"))?))
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
    let started = start_for_trigger(ctx, &trigger, "manual", input)?;
    Ok(Reply::ok(started))
}

/// Starts the agent of `trigger` (and the agent's workflow base, if any) with `input`;
/// returns the `data` both trigger execution and webhooks answer with.
pub fn start_for_trigger(
    ctx: &Ctx<'_>,
    trigger: &Record,
    trigger_type: &'static str,
    input: serde_json::Map<String, Value>,
) -> Result<Value, ApiError> {
    let agent_id = text(trigger, "agent_base_id").unwrap_or_default();
    let agent = ctx
        .state
        .get(Kind::Agent, agent_id)
        .ok_or_else(|| ApiError::not_found("agent", agent_id))?;
    require_active_agent(&agent)?;
    let workflow = executions::workflow_of_agent(ctx.state, agent_id);
    let product = text(&agent, "product_id");
    let launch = Launch {
        agent: Some(&agent),
        workflow: workflow.as_deref(),
        trigger: Some(trigger),
        trigger_type,
        input,
        product,
    };
    let execution = ctx.executions().start(ctx.clock.now(), launch)?;
    Ok(started_data(&execution))
}

/// 400 when `agent` is not active.
pub fn require_active_agent(agent: &Record) -> Result<(), ApiError> {
    if agent.get("is_active").and_then(Value::as_bool) == Some(false) {
        let id = text(agent, "id").unwrap_or_default();
        return Err(ApiError::bad_request(format!(
            "agent '{id}' is inactive: activate it (PUT /api/agent-base/{id} with is_active true) before running it"
        )));
    }
    Ok(())
}

/// `{execution_id, status, …}` for a just-started execution.
pub fn started_data(execution: &Record) -> Value {
    json!({
        "execution_id": execution.get("id"),
        "status": execution.get("status"),
        "agent_base_id": execution.get("agent_base_id"),
        "workflow_base_id": execution.get("workflow_base_id"),
        "trigger_id": execution.get("trigger_id"),
        "started_at": execution.get("started_at"),
    })
}
