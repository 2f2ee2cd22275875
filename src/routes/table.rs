//! The route table: every operation the mock serves, once.
//!
//! The router recognizes requests from this table, and the OpenAPI document is generated
//! from it, so the two cannot drift.

use hyper::Method;

/// Every operation the mock serves. Dispatch is one flat `match` on this enum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    /// `GET /api/agent-base/product/{productId}`
    AgentsOfProduct,
    /// `GET /api/agent-base`
    AgentsList,
    /// `POST /api/agent-base/install and POST /api/agent-base`
    AgentsInstall,
    /// `GET /api/agent-base/{id}`
    AgentGet,
    /// `PUT /api/agent-base/{id}`
    AgentUpdate,
    /// `DELETE /api/agent-base/{id}`
    AgentDelete,
    /// `DELETE /api/agent-base?id=`
    AgentsDelete,
    /// `GET /api/agent-base/{id}/executions`
    AgentExecutions,
    /// `GET /api/agent-base/triggers`
    TriggersList,
    /// `POST /api/agent-base/triggers`
    TriggerExecute,
    /// `GET /api/agent-base/triggers/{id}`
    TriggerGet,
    /// `POST /api/workflow/execute`
    WorkflowExecute,
    /// `GET /api/workflow/{executionId}/status`
    WorkflowStatus,
    /// `GET /api/workflow/{executionId}/events`
    WorkflowEvents,
    /// `POST /api/workflow/{executionId}/stop`
    WorkflowStop,
    /// `POST /api/workflow/{executionId}/pause`
    WorkflowPause,
    /// `POST /api/workflow/{executionId}/continue`
    WorkflowContinue,
    /// `GET /api/workflow-base`
    WorkflowBasesList,
    /// `GET /api/workflow-base/{id}`
    WorkflowBaseGet,
    /// `POST /api/workflow-base`
    WorkflowBaseCreate,
    /// `PUT /api/workflow-base/{id}`
    WorkflowBaseUpdate,
    /// `PUT /api/workflow-base` with the id in `?id=` or the body
    WorkflowBasesUpdate,
    /// `DELETE /api/workflow-base/{id}`
    WorkflowBaseDelete,
    /// `DELETE /api/workflow-base?id=`
    WorkflowBasesDelete,
    /// `GET /api/integrations-base`
    IntegrationsList,
    /// `GET /api/integrations-base/{id}`
    IntegrationGet,
    /// `POST /api/integrations-base`
    IntegrationCreate,
    /// `PUT /api/integrations-base/{id}`
    IntegrationUpdate,
    /// `DELETE /api/integrations-base/{id}`
    IntegrationDelete,
    /// `GET /api/integrations-base/product/{productId}/active`
    IntegrationsActive,
    /// `GET /api/knowledge-base`
    KnowledgeList,
    /// `GET` and `POST /api/knowledge-base/search`
    KnowledgeSearch,
    /// `POST /api/knowledge-base/upload` and `POST /api/knowledge-base`
    KnowledgeUpload,
    /// `GET /api/knowledge-base/{id}`
    KnowledgeGet,
    /// `DELETE /api/knowledge-base/{id}`
    KnowledgeDelete,
    /// `POST /api/transcription` and `POST /api/transcribe`
    Transcribe,
    /// `POST /api/api-tokens`
    TokenCreate,
    /// `GET /api/api-tokens`
    TokensList,
    /// `GET /api/api-tokens/{id}`
    TokenGet,
    /// `POST /api/api-tokens/{id}/regenerate`
    TokenRegenerate,
    /// `POST /api/api-tokens/{id}/revoke` and `DELETE /api/api-tokens/{id}`
    TokenRevoke,
    /// `POST /api/api-tokens/{id}/renew`
    TokenRenew,
    /// `PATCH /api/api-tokens/{id}`
    TokenSetActive,
    /// `GET /api/api-tokens/{id}/audit-logs`
    TokenAuditLogs,
    /// `POST /api/webhook/{custom_path}`
    Webhook,
    /// `POST /api/communicator/webhook/{integration_base_id}`
    CommunicatorWebhook,
    /// `POST /api/communicator/botframework/{integration_base_id}/messages`
    CommunicatorBotframework,
}

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// An API token or JWT is required.
    Token,
    /// A token is optional (inbound webhooks).
    OptionalToken,
    /// A platform callback: no Prodgy token is checked.
    Platform,
}

/// What body a route reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    /// None (a body, if sent, is ignored).
    None,
    /// A JSON object.
    Json,
    /// `multipart/form-data`, streamed by the handler.
    Multipart,
}

/// One row of the table.
#[derive(Debug, Clone)]
pub struct RouteDef {
    /// The operation.
    pub op: Op,
    /// A stable dotted name, usable in scenarios and the journal (`agents.get`).
    pub name: &'static str,
    /// The HTTP method.
    pub method: Method,
    /// The path pattern, with `{param}` segments.
    pub path: &'static str,
    /// Who may call it.
    pub access: Access,
    /// Its body.
    pub body: BodyKind,
    /// One line for docs and OpenAPI.
    pub summary: &'static str,
}

const fn route(
    op: Op,
    name: &'static str,
    method: Method,
    path: &'static str,
    body: BodyKind,
    summary: &'static str,
) -> RouteDef {
    RouteDef {
        op,
        name,
        method,
        path,
        access: Access::Token,
        body,
        summary,
    }
}

/// `def` with another [`Access`] (inbound callbacks).
const fn open(mut def: RouteDef, access: Access) -> RouteDef {
    def.access = access;
    def
}

use BodyKind::{Json, Multipart, None as NoBody};

/// Every route, in checklist order.
pub const ROUTES: &[RouteDef] = &[
    route(
        Op::AgentsOfProduct,
        "agents.of_product",
        Method::GET,
        "/api/agent-base/product/{productId}",
        NoBody,
        "List a product's installed agents",
    ),
    route(
        Op::AgentsList,
        "agents.list",
        Method::GET,
        "/api/agent-base",
        NoBody,
        "List the agents of a workspace",
    ),
    route(
        Op::AgentsInstall,
        "agents.install",
        Method::POST,
        "/api/agent-base/install",
        Json,
        "Install an agent from the catalog",
    ),
    route(
        Op::AgentsInstall,
        "agents.install_alias",
        Method::POST,
        "/api/agent-base",
        Json,
        "Install an agent (alternate path)",
    ),
    route(
        Op::AgentGet,
        "agents.get",
        Method::GET,
        "/api/agent-base/{id}",
        NoBody,
        "Get an installed agent",
    ),
    route(
        Op::AgentUpdate,
        "agents.update",
        Method::PUT,
        "/api/agent-base/{id}",
        Json,
        "Update an installed agent",
    ),
    route(
        Op::AgentDelete,
        "agents.delete",
        Method::DELETE,
        "/api/agent-base/{id}",
        NoBody,
        "Uninstall an agent",
    ),
    route(
        Op::AgentsDelete,
        "agents.delete_by_query",
        Method::DELETE,
        "/api/agent-base",
        Json,
        "Uninstall an agent named by ?id= or a JSON body",
    ),
    route(
        Op::AgentExecutions,
        "agents.executions",
        Method::GET,
        "/api/agent-base/{id}/executions",
        NoBody,
        "List an agent's executions",
    ),
    route(
        Op::TriggersList,
        "triggers.list",
        Method::GET,
        "/api/agent-base/triggers",
        NoBody,
        "List triggers (filters: product_id, agent_base_id, type, is_active)",
    ),
    route(
        Op::TriggerExecute,
        "triggers.execute",
        Method::POST,
        "/api/agent-base/triggers",
        Json,
        "Execute a manual trigger",
    ),
    route(
        Op::TriggerGet,
        "triggers.get",
        Method::GET,
        "/api/agent-base/triggers/{id}",
        NoBody,
        "Get a trigger",
    ),
    route(
        Op::WorkflowExecute,
        "workflow.execute",
        Method::POST,
        "/api/workflow/execute",
        Json,
        "Execute a workflow base or an agent's workflow",
    ),
    route(
        Op::WorkflowStatus,
        "workflow.status",
        Method::GET,
        "/api/workflow/{executionId}/status",
        NoBody,
        "Execution status",
    ),
    route(
        Op::WorkflowEvents,
        "workflow.events",
        Method::GET,
        "/api/workflow/{executionId}/events",
        NoBody,
        "Execution events as a text/event-stream",
    ),
    route(
        Op::WorkflowStop,
        "workflow.stop",
        Method::POST,
        "/api/workflow/{executionId}/stop",
        NoBody,
        "Stop a running or paused execution",
    ),
    route(
        Op::WorkflowPause,
        "workflow.pause",
        Method::POST,
        "/api/workflow/{executionId}/pause",
        NoBody,
        "Pause a running execution",
    ),
    route(
        Op::WorkflowContinue,
        "workflow.continue",
        Method::POST,
        "/api/workflow/{executionId}/continue",
        NoBody,
        "Resume a paused execution",
    ),
    route(
        Op::WorkflowBasesList,
        "workflow_bases.list",
        Method::GET,
        "/api/workflow-base",
        NoBody,
        "List workflow base definitions",
    ),
    route(
        Op::WorkflowBaseGet,
        "workflow_bases.get",
        Method::GET,
        "/api/workflow-base/{id}",
        NoBody,
        "Get a workflow base definition",
    ),
    route(
        Op::WorkflowBaseCreate,
        "workflow_bases.create",
        Method::POST,
        "/api/workflow-base",
        Json,
        "Create a workflow base definition",
    ),
    route(
        Op::WorkflowBaseUpdate,
        "workflow_bases.update",
        Method::PUT,
        "/api/workflow-base/{id}",
        Json,
        "Update a workflow base definition",
    ),
    route(
        Op::WorkflowBasesUpdate,
        "workflow_bases.update_by_query",
        Method::PUT,
        "/api/workflow-base",
        Json,
        "Update a workflow base named by ?id= or the body's id",
    ),
    route(
        Op::WorkflowBaseDelete,
        "workflow_bases.delete",
        Method::DELETE,
        "/api/workflow-base/{id}",
        NoBody,
        "Delete a workflow base definition",
    ),
    route(
        Op::WorkflowBasesDelete,
        "workflow_bases.delete_by_query",
        Method::DELETE,
        "/api/workflow-base",
        Json,
        "Delete a workflow base named by ?id= or a JSON body",
    ),
    route(
        Op::IntegrationsList,
        "integrations.list",
        Method::GET,
        "/api/integrations-base",
        NoBody,
        "List integrations",
    ),
    route(
        Op::IntegrationGet,
        "integrations.get",
        Method::GET,
        "/api/integrations-base/{id}",
        NoBody,
        "Get an integration",
    ),
    route(
        Op::IntegrationCreate,
        "integrations.create",
        Method::POST,
        "/api/integrations-base",
        Json,
        "Create an integration",
    ),
    route(
        Op::IntegrationUpdate,
        "integrations.update",
        Method::PUT,
        "/api/integrations-base/{id}",
        Json,
        "Update an integration",
    ),
    route(
        Op::IntegrationDelete,
        "integrations.delete",
        Method::DELETE,
        "/api/integrations-base/{id}",
        NoBody,
        "Delete an integration",
    ),
    route(
        Op::IntegrationsActive,
        "integrations.active",
        Method::GET,
        "/api/integrations-base/product/{productId}/active",
        NoBody,
        "Active integrations of a workspace, after the shadow rule",
    ),
    route(
        Op::KnowledgeList,
        "knowledge.list",
        Method::GET,
        "/api/knowledge-base",
        NoBody,
        "List knowledge-base documents",
    ),
    route(
        Op::KnowledgeSearch,
        "knowledge.search",
        Method::GET,
        "/api/knowledge-base/search",
        NoBody,
        "Search completed documents (query parameters)",
    ),
    route(
        Op::KnowledgeSearch,
        "knowledge.search_post",
        Method::POST,
        "/api/knowledge-base/search",
        Json,
        "Search completed documents (JSON body with filters)",
    ),
    route(
        Op::KnowledgeUpload,
        "knowledge.upload",
        Method::POST,
        "/api/knowledge-base/upload",
        Multipart,
        "Upload a document (multipart/form-data)",
    ),
    route(
        Op::KnowledgeUpload,
        "knowledge.upload_alias",
        Method::POST,
        "/api/knowledge-base",
        Multipart,
        "Upload a document (alternate path)",
    ),
    route(
        Op::KnowledgeGet,
        "knowledge.get",
        Method::GET,
        "/api/knowledge-base/{id}",
        NoBody,
        "Get a knowledge-base document",
    ),
    route(
        Op::KnowledgeDelete,
        "knowledge.delete",
        Method::DELETE,
        "/api/knowledge-base/{id}",
        NoBody,
        "Delete a knowledge-base document",
    ),
    route(
        Op::Transcribe,
        "transcription.create",
        Method::POST,
        "/api/transcription",
        Multipart,
        "Transcribe an audio file (multipart/form-data)",
    ),
    route(
        Op::Transcribe,
        "transcription.create_alias",
        Method::POST,
        "/api/transcribe",
        Multipart,
        "Transcribe an audio file (alternate path)",
    ),
    route(
        Op::TokenCreate,
        "tokens.create",
        Method::POST,
        "/api/api-tokens",
        Json,
        "Create an API token (the secret is shown once)",
    ),
    route(
        Op::TokensList,
        "tokens.list",
        Method::GET,
        "/api/api-tokens",
        NoBody,
        "List API tokens (prefix only)",
    ),
    route(
        Op::TokenGet,
        "tokens.get",
        Method::GET,
        "/api/api-tokens/{id}",
        NoBody,
        "Get an API token",
    ),
    route(
        Op::TokenRegenerate,
        "tokens.regenerate",
        Method::POST,
        "/api/api-tokens/{id}/regenerate",
        NoBody,
        "Regenerate a token's secret",
    ),
    route(
        Op::TokenRevoke,
        "tokens.revoke",
        Method::POST,
        "/api/api-tokens/{id}/revoke",
        NoBody,
        "Revoke a token permanently",
    ),
    route(
        Op::TokenRevoke,
        "tokens.revoke_alias",
        Method::DELETE,
        "/api/api-tokens/{id}",
        NoBody,
        "Revoke a token (alternate form)",
    ),
    route(
        Op::TokenRenew,
        "tokens.renew",
        Method::POST,
        "/api/api-tokens/{id}/renew",
        Json,
        "Renew a token with a new expiry",
    ),
    route(
        Op::TokenSetActive,
        "tokens.set_active",
        Method::PATCH,
        "/api/api-tokens/{id}",
        Json,
        "Activate or deactivate a token",
    ),
    route(
        Op::TokenAuditLogs,
        "tokens.audit_logs",
        Method::GET,
        "/api/api-tokens/{id}/audit-logs",
        NoBody,
        "A token's audit trail, newest first",
    ),
    open(
        route(
            Op::Webhook,
            "webhooks.generic",
            Method::POST,
            "/api/webhook/{custom_path}",
            Json,
            "Generic inbound webhook: starts the agent of the webhook trigger",
        ),
        Access::OptionalToken,
    ),
    open(
        route(
            Op::CommunicatorWebhook,
            "communicator.webhook",
            Method::POST,
            "/api/communicator/webhook/{integration_base_id}",
            Json,
            "Slack / Google Chat events (answers Slack url_verification)",
        ),
        Access::Platform,
    ),
    open(
        route(
            Op::CommunicatorBotframework,
            "communicator.botframework",
            Method::POST,
            "/api/communicator/botframework/{integration_base_id}/messages",
            Json,
            "Microsoft Teams (Bot Framework) activities",
        ),
        Access::Platform,
    ),
];
