//! The success answers of the OpenAPI document: what each operation answers, as one flat
//! `match` on [`Op`], and the named schemas of the answers that are not stored records
//! (started executions, execution status, search hits, audit entries, …).
//!
//! Every schema here is closed over the fields its handler always sends (all `required`), so
//! a generated client gets plain typed attributes; `additionalProperties` stays open, as
//! the mock may add fields.

use serde_json::{Map, Value, json};

use crate::routes::Op;
use crate::schema::EXECUTION_STATUSES;
use crate::store::AuditAction;

/// What an operation answers on success.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// The envelope with one value of the named schema under `data`.
    One(&'static str),
    /// The envelope with a page of the named schema under `data`, and `pagination`.
    Page(&'static str),
    /// The envelope with every match (an array of the named schema), without `pagination`.
    All(&'static str),
    /// A `text/event-stream` (the workflow events).
    Events,
    /// The envelope with a `CommunicatorEvent`, or Slack's bare `{"challenge": …}` answer to a
    /// `url_verification` event.
    EventOrChallenge,
}

/// The answer of `op` (see each handler in `src/routes/`).
pub fn answer(op: Op) -> Answer {
    use Answer::*;
    match op {
        Op::AgentsOfProduct | Op::AgentsList => Page("Agent"),
        Op::AgentsInstall | Op::AgentGet | Op::AgentUpdate => One("Agent"),
        Op::AgentDelete
        | Op::AgentsDelete
        | Op::WorkflowBaseDelete
        | Op::WorkflowBasesDelete
        | Op::IntegrationDelete
        | Op::KnowledgeDelete => One("Deleted"),
        Op::AgentExecutions => Page("Execution"),
        Op::TriggersList => Page("Trigger"),
        Op::TriggerGet => One("Trigger"),
        Op::TriggerExecute | Op::WorkflowExecute => One("ExecutionStarted"),
        Op::WorkflowStatus | Op::WorkflowStop | Op::WorkflowPause | Op::WorkflowContinue => {
            One("ExecutionProgress")
        }
        Op::WorkflowEvents => Events,
        Op::WorkflowBasesList => Page("WorkflowBase"),
        Op::WorkflowBaseGet
        | Op::WorkflowBaseCreate
        | Op::WorkflowBaseUpdate
        | Op::WorkflowBasesUpdate => One("WorkflowBase"),
        Op::IntegrationsList | Op::IntegrationsActive => Page("Integration"),
        Op::IntegrationGet | Op::IntegrationCreate | Op::IntegrationUpdate => One("Integration"),
        Op::KnowledgeList => Page("KnowledgeDocument"),
        Op::KnowledgeSearch => All("SearchHit"),
        Op::KnowledgeUpload | Op::KnowledgeGet => One("KnowledgeDocument"),
        Op::Transcribe => One("Transcription"),
        Op::TokensList => Page("ApiToken"),
        Op::TokenCreate
        | Op::TokenGet
        | Op::TokenRegenerate
        | Op::TokenRevoke
        | Op::TokenRenew
        | Op::TokenSetActive => One("ApiToken"),
        Op::TokenAuditLogs => Page("AuditEntry"),
        Op::Webhook => One("WebhookAccepted"),
        Op::CommunicatorWebhook => EventOrChallenge,
        Op::CommunicatorBotframework => One("CommunicatorEvent"),
    }
}

/// The named answer schemas, for `components.schemas`.
pub fn schemas() -> Map<String, Value> {
    let statuses = json!({ "type": "string", "enum": EXECUTION_STATUSES });
    let actions: Vec<&str> = AuditAction::ALL.iter().map(|a| a.as_str()).collect();
    let id = json!({ "type": "string" });
    let opt_id = json!({ "type": ["string", "null"] });
    let time = json!({ "type": "string", "format": "date-time" });
    let opt_time = json!({ "type": ["string", "null"], "format": "date-time" });
    let rows = [
        (
            "Deleted",
            "The id of the deleted record.",
            json!({ "id": id }),
        ),
        (
            "ExecutionStarted",
            "A just-started execution.",
            json!({
                "execution_id": id, "status": statuses, "agent_base_id": opt_id,
                "workflow_base_id": opt_id, "trigger_id": opt_id, "started_at": time,
            }),
        ),
        (
            "ExecutionProgress",
            "An execution as it stands now (progress in percent).",
            json!({
                "execution_id": id, "agent_base_id": opt_id, "workflow_base_id": opt_id,
                "trigger_id": opt_id, "status": statuses, "started_at": time,
                "finished_at": opt_time, "current_node": opt_id,
                "progress": { "type": "integer", "minimum": 0, "maximum": 100 },
                "output": {}, "error": opt_id,
            }),
        ),
        (
            "WebhookAccepted",
            "The execution an inbound webhook started.",
            json!({ "execution_id": id }),
        ),
        (
            "SearchHit",
            "One knowledge-base search result, best first.",
            json!({
                "document_id": id, "content": { "type": "string" }, "score": { "type": "number" },
                "metadata": { "type": "object" },
            }),
        ),
        (
            "AuditEntry",
            "One entry of a token's audit trail.",
            json!({
                "id": id, "token_id": id, "action": { "type": "string", "enum": actions },
                "created_at": time, "ip": opt_id, "user_agent": opt_id,
                "details": { "type": "object" },
            }),
        ),
        (
            "Transcription",
            "A transcript (duration in seconds).",
            json!({
                "text": { "type": "string" }, "language": { "type": "string" },
                "duration": { "type": "number" },
            }),
        ),
        (
            "CommunicatorEvent",
            "A platform event or activity that was received.",
            json!({ "integration_base_id": id, "type": opt_id }),
        ),
    ];
    let mut schemas = Map::new();
    for (name, description, properties) in rows {
        schemas.insert(name.into(), closed(description, properties));
    }
    schemas.insert(
        "SlackChallenge".into(),
        json!({
            "type": "object",
            "description": "The answer to a Slack url_verification event: its challenge, echoed (no envelope).",
            "required": ["challenge"],
            "properties": { "challenge": { "type": "string" } },
        }),
    );
    schemas
}

/// An object schema whose every property is required.
fn closed(description: &str, properties: Value) -> Value {
    let required: Vec<String> = properties
        .as_object()
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    json!({
        "type": "object",
        "description": description,
        "required": required,
        "properties": properties,
        "additionalProperties": true,
    })
}
