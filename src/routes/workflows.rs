//! Workflow executions (`/api/workflow`): execute, status, and the stop/pause/continue
//! actions. The event stream lives in `events.rs`; progress comes from [`crate::executions`].

use std::sync::Arc;

use super::common::{text, visible};
use super::launch::{require_active_agent, started};
use super::request::Fields;
use super::{Ctx, Req};
use crate::envelope::Reply;
use crate::error::ApiError;
use crate::executions::{self, Command, Launch, Settled};
use crate::store::Doc;
use crate::store::{Kind, Record};

/// `POST /api/workflow/execute`: runs a workflow base (`workflow_base_id`) or an agent's
/// workflow (`agent_base_id`) with `input`.
pub fn execute(ctx: &Ctx<'_>, req: &Req) -> Result<Reply, ApiError> {
    let body = req.json()?;
    let input = body.opt_object("input")?.cloned().unwrap_or_default();
    let (workflow, agent) = match (
        body.opt_str("workflow_base_id")?,
        body.opt_str("agent_base_id")?,
    ) {
        (None, None) => {
            return Err(ApiError::missing_field("workflow_base_id").with_hint(
                "send workflow_base_id, or agent_base_id to run that agent's workflow",
            ));
        }
        (Some(workflow), named_agent) => {
            let workflow = visible(ctx, Kind::Workflow, workflow)?;
            let own = text(&workflow, "agent_base_id");
            if let (Some(named), Some(own)) = (named_agent, own)
                && named != own
            {
                return Err(ApiError::bad_request(format!(
                    "workflow base '{}' belongs to agent '{own}', not '{named}'",
                    text(&workflow, "id").unwrap_or_default()
                )));
            }
            let agent = match named_agent.or(own) {
                Some(agent) => Some(visible(ctx, Kind::Agent, agent)?),
                None => None,
            };
            (Some(workflow), agent)
        }
        (None, Some(agent)) => {
            let agent = visible(ctx, Kind::Agent, agent)?;
            (
                executions::workflow_of_agent(ctx.state, agent_id(&agent)),
                Some(agent),
            )
        }
    };
    if let Some(agent) = &agent {
        require_active_agent(agent)?;
    }
    let product = agent
        .as_deref()
        .and_then(|a| text(a, "product_id"))
        .or_else(|| workflow.as_deref().and_then(|w| text(w, "product_id")))
        .map(Arc::<str>::from)
        .or_else(|| ctx.caller.product.clone());
    let launch = Launch {
        agent: agent.as_deref().map(Doc::record),
        workflow: workflow.as_deref().map(Doc::record),
        trigger: None,
        trigger_type: "manual",
        input,
        product: product.as_deref(),
    };
    let execution = ctx.executions().start(ctx.clock.now(), launch)?;
    Ok(Reply::ok(started(&execution)))
}

fn agent_id(agent: &Record) -> &str {
    text(agent, "id").unwrap_or_default()
}

/// The execution `{executionId}` settled at the current time, if the caller may see it.
pub fn settled(ctx: &Ctx<'_>, id: &str) -> Result<Settled, ApiError> {
    visible(ctx, Kind::Execution, id)?;
    ctx.executions()
        .settle(id, ctx.clock.now())
        .ok_or_else(|| ApiError::not_found("execution", id))
}

/// `GET /api/workflow/{executionId}/status`
pub fn status(ctx: &Ctx<'_>, _req: &Req, id: &str) -> Result<Reply, ApiError> {
    Ok(Reply::ok(executions::status_data(&settled(ctx, id)?)))
}

/// `POST /api/workflow/{executionId}/stop`
pub fn stop(ctx: &Ctx<'_>, _req: &Req, id: &str) -> Result<Reply, ApiError> {
    act(ctx, id, Command::Stop)
}

/// `POST /api/workflow/{executionId}/pause`
pub fn pause(ctx: &Ctx<'_>, _req: &Req, id: &str) -> Result<Reply, ApiError> {
    act(ctx, id, Command::Pause)
}

/// `POST /api/workflow/{executionId}/continue`
pub fn resume(ctx: &Ctx<'_>, _req: &Req, id: &str) -> Result<Reply, ApiError> {
    act(ctx, id, Command::Continue)
}

/// Applies `action`; 400 naming the current status when the transition is illegal.
fn act(ctx: &Ctx<'_>, id: &str, action: Command) -> Result<Reply, ApiError> {
    visible(ctx, Kind::Execution, id)?;
    let settled = ctx.executions().act(id, ctx.clock.now(), action)?;
    let message = match action {
        Command::Stop => "Execution stopped",
        Command::Pause => "Execution paused",
        Command::Continue => "Execution resumed",
    };
    Ok(Reply::with(
        hyper::StatusCode::OK,
        message,
        executions::status_data(&settled),
    ))
}
