//! Routing and the resource handlers.
//!
//! [`table`] lists every operation once; [`router`] recognizes requests from it; each
//! resource has one module of handlers with the same shape,
//! `fn(&Ctx, &Req) -> Result<Reply, ApiError>`; [`dispatch`] is the one flat match.

mod agents;
mod common;
mod events;
mod integrations;
mod knowledge;
pub mod multipart;
pub mod request;
pub mod router;
pub mod table;
mod tokens;
mod transcription;
mod triggers;
mod webhooks;
mod workflow_bases;
mod workflows;

pub use request::Req;
pub use router::{Route, Router};
pub use table::{Access, BodyKind, Op, ROUTES, RouteDef};

use std::sync::Arc;

use crate::auth::Principal;
use crate::clock::Clock;
use crate::config::Settings;
use crate::envelope::Reply;
use crate::error::ApiError;
use crate::executions::{Command, Executions, Runs};
use crate::store::State;

/// What a handler may use besides the request.
#[derive(Debug, Clone, Copy)]
pub struct Ctx<'a> {
    /// The records of the caller's namespace (an `Arc`, so event streams can keep it).
    pub state: &'a Arc<State>,
    /// The execution timelines of the caller's namespace.
    pub runs: &'a Arc<Runs>,
    /// The server clock.
    pub clock: &'a Clock,
    /// Who is calling.
    pub caller: &'a Principal,
    /// Server settings.
    pub settings: &'a Settings,
}

impl Ctx<'_> {
    /// The executions of the caller's namespace.
    pub fn executions(&self) -> Executions<'_> {
        Executions::new(self.state, self.runs, self.settings.seed)
    }
}

/// Runs the handler of `req`'s operation.
pub async fn dispatch(ctx: &Ctx<'_>, req: &Req) -> Result<Reply, ApiError> {
    match req.route.def.op {
        Op::AgentsOfProduct => agents::of_product(ctx, req),
        Op::AgentsList => agents::list_all(ctx, req),
        Op::AgentsInstall => agents::install(ctx, req),
        Op::AgentGet => agents::get(ctx, req),
        Op::AgentUpdate => agents::update(ctx, req),
        Op::AgentDelete => agents::delete(ctx, req),
        Op::AgentsDelete => agents::delete_by_query(ctx, req),
        Op::AgentExecutions => agents::executions(ctx, req),
        Op::TriggersList => triggers::list(ctx, req),
        Op::TriggerExecute => triggers::execute(ctx, req),
        Op::TriggerGet => triggers::get(ctx, req),
        Op::WorkflowExecute => workflows::execute(ctx, req),
        Op::WorkflowStatus => workflows::status(ctx, req),
        Op::WorkflowEvents => events::stream(ctx, req),
        Op::WorkflowStop => workflows::act(ctx, req, Command::Stop),
        Op::WorkflowPause => workflows::act(ctx, req, Command::Pause),
        Op::WorkflowContinue => workflows::act(ctx, req, Command::Continue),
        Op::WorkflowBasesList => workflow_bases::list(ctx, req),
        Op::WorkflowBaseGet => workflow_bases::get(ctx, req),
        Op::WorkflowBaseCreate => workflow_bases::create(ctx, req),
        Op::WorkflowBaseUpdate => workflow_bases::update(ctx, req),
        Op::WorkflowBasesUpdate => workflow_bases::update_by_query(ctx, req),
        Op::WorkflowBaseDelete => workflow_bases::delete(ctx, req),
        Op::WorkflowBasesDelete => workflow_bases::delete_by_query(ctx, req),
        Op::IntegrationsList => integrations::list_all(ctx, req),
        Op::IntegrationGet => integrations::get(ctx, req),
        Op::IntegrationCreate => integrations::create(ctx, req),
        Op::IntegrationUpdate => integrations::update(ctx, req),
        Op::IntegrationDelete => integrations::delete(ctx, req),
        Op::IntegrationsActive => integrations::active(ctx, req),
        Op::KnowledgeList => knowledge::list_all(ctx, req),
        Op::KnowledgeSearch => knowledge::search(ctx, req),
        Op::KnowledgeUpload => knowledge::upload(ctx, req).await,
        Op::KnowledgeGet => knowledge::get(ctx, req),
        Op::KnowledgeDelete => knowledge::delete(ctx, req),
        Op::Transcribe => transcription::transcribe(ctx, req).await,
        Op::TokenCreate => tokens::create(ctx, req),
        Op::TokensList => tokens::list_all(ctx, req),
        Op::TokenGet => tokens::get(ctx, req),
        Op::TokenRegenerate => tokens::regenerate(ctx, req),
        Op::TokenRevoke => tokens::revoke(ctx, req),
        Op::TokenRenew => tokens::renew(ctx, req),
        Op::TokenSetActive => tokens::set_active(ctx, req),
        Op::TokenAuditLogs => tokens::audit_logs(ctx, req),
        Op::Webhook => webhooks::generic(ctx, req),
        Op::CommunicatorWebhook => webhooks::communicator(ctx, req),
        Op::CommunicatorBotframework => webhooks::botframework(ctx, req),
    }
}
