//! The shapes of what the mock answers: a stored resource, or one of the objects it builds
//! (a started execution, a search hit, an audit entry, …). Every built field is always sent,
//! so the OpenAPI document lists them all as required and a generated client gets plain
//! attributes; other fields may be added.

use serde_json::{Value, json};

use super::{COUNT, EXECUTION_STATUSES, Field, Kind, Ty, object_schema, req};

/// What an answer's `data` holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A stored resource, as clients see it.
    Resource(Kind),
    /// An object the handler builds.
    Built(&'static Built),
}

impl Shape {
    /// Its name in the OpenAPI components.
    pub fn name(self) -> &'static str {
        match self {
            Shape::Resource(kind) => kind.schema_name(),
            Shape::Built(built) => built.name,
        }
    }
}

impl PartialEq for Built {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for Built {}

/// An object a handler builds: its name, what it is, and its fields.
#[derive(Debug)]
pub struct Built {
    /// The component name (`ExecutionStarted`).
    pub name: &'static str,
    /// What it is.
    pub description: &'static str,
    /// Its fields, all always sent.
    pub fields: &'static [Field],
}

impl Built {
    /// Its JSON Schema.
    pub fn json_schema(&self) -> Value {
        let mut schema = object_schema(self.fields, true);
        schema["description"] = json!(self.description);
        schema
    }
}

/// The audit actions of a token's trail, as written.
pub const AUDIT_ACTIONS: &[&str] = &[
    "created",
    "used",
    "revoked",
    "expired",
    "renewed",
    "regenerated",
];

const ID: Ty = Ty::Str;
const STATUS: Ty = Ty::OneOf(EXECUTION_STATUSES);

/// The id of a deleted record.
pub static DELETED: Built = Built {
    name: "Deleted",
    description: "The id of the deleted record.",
    fields: &[req("id", ID)],
};

/// A just-started execution.
pub static EXECUTION_STARTED: Built = Built {
    name: "ExecutionStarted",
    description: "A just-started execution.",
    fields: &[
        req("execution_id", ID),
        req("status", STATUS),
        req("agent_base_id", ID).or_null(),
        req("workflow_base_id", ID).or_null(),
        req("trigger_id", ID).or_null(),
        req("started_at", Ty::Time),
    ],
};

/// An execution as it stands now.
pub static EXECUTION_PROGRESS: Built = Built {
    name: "ExecutionProgress",
    description: "An execution as it stands now (progress in percent).",
    fields: &[
        req("execution_id", ID),
        req("agent_base_id", ID).or_null(),
        req("workflow_base_id", ID).or_null(),
        req("trigger_id", ID).or_null(),
        req("status", STATUS),
        req("started_at", Ty::Time),
        req("finished_at", Ty::Time).or_null(),
        req("current_node", ID).or_null(),
        req("progress", Ty::Int { min: 0 }).noted("0 to 100"),
        req("output", Ty::Any),
        req("error", ID).or_null(),
    ],
};

/// The execution an inbound webhook started.
pub static WEBHOOK_ACCEPTED: Built = Built {
    name: "WebhookAccepted",
    description: "The execution an inbound webhook started.",
    fields: &[req("execution_id", ID)],
};

/// One knowledge-base search result.
pub static SEARCH_HIT: Built = Built {
    name: "SearchHit",
    description: "One knowledge-base search result, best first.",
    fields: &[
        req("document_id", ID),
        req("content", Ty::Str),
        req("score", Ty::Number),
        req("metadata", Ty::Object),
    ],
};

/// One entry of a token's audit trail.
pub static AUDIT_ENTRY: Built = Built {
    name: "AuditEntry",
    description: "One entry of a token's audit trail.",
    fields: &[
        req("id", ID),
        req("token_id", ID),
        req("action", Ty::OneOf(AUDIT_ACTIONS)),
        req("created_at", Ty::Time),
        req("ip", ID).or_null(),
        req("user_agent", ID).or_null(),
        req("details", Ty::Object),
    ],
};

/// A transcript.
pub static TRANSCRIPTION: Built = Built {
    name: "Transcription",
    description: "A transcript (duration in seconds).",
    fields: &[
        req("text", Ty::Str),
        req("language", Ty::Str),
        req("duration", Ty::Number),
    ],
};

/// A platform event that was received.
pub static COMMUNICATOR_EVENT: Built = Built {
    name: "CommunicatorEvent",
    description: "A platform event or activity that was received.",
    fields: &[req("integration_base_id", ID), req("type", ID).or_null()],
};

/// Slack's url_verification answer.
pub static SLACK_CHALLENGE: Built = Built {
    name: "SlackChallenge",
    description: "The answer to a Slack url_verification event: its challenge, echoed (no envelope).",
    fields: &[req("challenge", Ty::Str)],
};

/// A workflow node (the items of `nodes`).
pub static WORKFLOW_NODE: Built = Built {
    name: "WorkflowNode",
    description: "A workflow node: its id, and any other keys (type, config, …) as sent.",
    fields: &[req("id", Ty::NonEmpty)],
};

/// A workflow connection (the items of `connections`).
pub static WORKFLOW_CONNECTION: Built = Built {
    name: "WorkflowConnection",
    description: "An edge between two nodes of the same workflow base, by node id.",
    fields: &[req("from", Ty::Str), req("to", Ty::Str)],
};

/// A page's position in the whole list.
pub static PAGINATION: Built = Built {
    name: "Pagination",
    description: "Where a page sits in the whole list.",
    fields: &[
        req("page", COUNT),
        req("pageSize", COUNT),
        req("total", COUNT),
        req("totalPages", COUNT),
    ],
};

/// Every built shape, for the OpenAPI components.
pub static ALL: &[&Built] = &[
    &DELETED,
    &EXECUTION_STARTED,
    &EXECUTION_PROGRESS,
    &WEBHOOK_ACCEPTED,
    &SEARCH_HIT,
    &AUDIT_ENTRY,
    &TRANSCRIPTION,
    &COMMUNICATOR_EVENT,
    &SLACK_CHALLENGE,
    &WORKFLOW_NODE,
    &WORKFLOW_CONNECTION,
    &PAGINATION,
];
