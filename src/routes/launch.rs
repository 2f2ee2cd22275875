//! Starting executions on behalf of a request: the checks every way of starting one shares
//! (an active agent), the launch of a trigger's agent (manual execution and inbound webhooks),
//! and the `data` a just-started execution is answered with. The simulation itself is
//! [`crate::executions`].

use serde_json::{Value, json};

use super::Ctx;
use super::common::text;
use crate::error::ApiError;
use crate::executions::{self, Launch};
use crate::store::Doc;
use crate::store::{Kind, Record};

/// Starts the agent of `trigger` (and the agent's workflow base, if any) with `input`;
/// returns the `data` both trigger execution and webhooks answer with.
pub fn trigger(
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
        workflow: workflow.as_deref().map(Doc::record),
        trigger: Some(trigger),
        trigger_type,
        input,
        product,
    };
    let execution = ctx.executions().start(ctx.clock.now(), launch)?;
    Ok(started(&execution))
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
pub fn started(execution: &Record) -> Value {
    json!({
        "execution_id": execution.get("id"),
        "status": execution.get("status"),
        "agent_base_id": execution.get("agent_base_id"),
        "workflow_base_id": execution.get("workflow_base_id"),
        "trigger_id": execution.get("trigger_id"),
        "started_at": execution.get("started_at"),
    })
}
