//! Every operation the mock serves, once, in the order of the reference's §4 checklist. Rows
//! whose path the checklist marks D* or I say `.inferred()`.
//!
//! To add an endpoint: write its handler beside the others of its resource and add its row
//! here; the router, dispatch, validation, rate-limit class and OpenAPI document follow.

use hyper::Method;

use super::operation::{Access, Answer, Handler, Operation, Paging, op};
use super::{
    agents, events, integrations, knowledge, tokens, transcription, triggers, webhooks,
    workflow_bases, workflows,
};
use crate::schema::answers::{
    AUDIT_ENTRY, COMMUNICATOR_EVENT, DELETED, EXECUTION_PROGRESS, EXECUTION_STARTED, SEARCH_HIT,
    TRANSCRIPTION, WEBHOOK_ACCEPTED,
};
use crate::schema::{
    COUNT, DOCUMENT_STATUSES, EXECUTION_STATUSES, Field, Kind, Shape, TEMPLATE_NOTE,
    TOKEN_STATUSES, Ty, opt, req,
};

use Answer::{List, One, OrChallenge, Stream};
use Handler::{ById, Plain, Streaming};

const AGENT: Shape = Shape::Resource(Kind::Agent);
const EXECUTION: Shape = Shape::Resource(Kind::Execution);
const TRIGGER: Shape = Shape::Resource(Kind::Trigger);
const WORKFLOW_BASE: Shape = Shape::Resource(Kind::Workflow);
const INTEGRATION: Shape = Shape::Resource(Kind::Integration);
const DOCUMENT: Shape = Shape::Resource(Kind::Document);
const TOKEN: Shape = Shape::Resource(Kind::Token);
const GONE: Shape = Shape::Built(&DELETED);
const STARTED: Shape = Shape::Built(&EXECUTION_STARTED);
const PROGRESS: Shape = Shape::Built(&EXECUTION_PROGRESS);

/// A non-blank string that may be left out (but not sent as null).
const fn text(name: &'static str) -> Field {
    opt(name, Ty::Text).not_null()
}

const PRODUCT: Field = opt("product_id", Ty::Str);
const TEMPLATE: Field = opt("output_template", Ty::Template).noted(TEMPLATE_NOTE);
const ACTIVE: Field = opt("is_active", Ty::Bool);
const BY_ID: &[Field] = &[text("id").noted("or ?id=")];
const NAME_IT: &str = "name the record with ?id= or a JSON body's id";
const QUERY_ID: &[Field] = &[opt("id", Ty::Str).noted("or the JSON body's id")];

const INSTALL: &[Field] = &[
    req("agent_id", Ty::Text),
    PRODUCT,
    opt("name", Ty::Str),
    opt("parameters", Ty::Object),
    TEMPLATE,
];
const AGENT_UPDATE: &[Field] = &[
    text("name"),
    opt("description", Ty::Str),
    ACTIVE,
    opt("parameters", Ty::Object),
    opt("active_version", Ty::Str),
    opt("integrations", Ty::Strings).not_null(),
    TEMPLATE,
];
const WORKFLOW_FIELDS: [Field; 7] = [
    opt("description", Ty::Str),
    opt("agent_base_id", Ty::Str),
    PRODUCT,
    opt("nodes", Ty::Nodes).not_null(),
    opt("connections", Ty::Connections).not_null(),
    opt("duration_ms", COUNT),
    TEMPLATE,
];
const WORKFLOW_CREATE: &[Field] = &[
    req("name", Ty::Text),
    WORKFLOW_FIELDS[0],
    WORKFLOW_FIELDS[1],
    WORKFLOW_FIELDS[2],
    WORKFLOW_FIELDS[3],
    WORKFLOW_FIELDS[4],
    WORKFLOW_FIELDS[5],
    WORKFLOW_FIELDS[6],
];
const WORKFLOW_UPDATE: &[Field] = &[
    text("name"),
    WORKFLOW_FIELDS[0],
    WORKFLOW_FIELDS[1],
    WORKFLOW_FIELDS[2],
    WORKFLOW_FIELDS[3],
    WORKFLOW_FIELDS[4],
    WORKFLOW_FIELDS[5],
    WORKFLOW_FIELDS[6],
];
const WORKFLOW_UPDATE_BY_QUERY: &[Field] = &[
    text("id").noted("or ?id="),
    text("name"),
    WORKFLOW_FIELDS[0],
    WORKFLOW_FIELDS[1],
    WORKFLOW_FIELDS[2],
    WORKFLOW_FIELDS[3],
    WORKFLOW_FIELDS[4],
    WORKFLOW_FIELDS[5],
    WORKFLOW_FIELDS[6],
];
const INTEGRATION_FIELDS: [Field; 4] = [
    text("type"),
    opt("settings", Ty::Object),
    opt("credentials", Ty::Object),
    ACTIVE,
];
const INTEGRATION_CREATE: &[Field] = &[
    req("title", Ty::Text),
    PRODUCT,
    INTEGRATION_FIELDS[0],
    INTEGRATION_FIELDS[1],
    INTEGRATION_FIELDS[2],
    INTEGRATION_FIELDS[3],
];
const INTEGRATION_UPDATE: &[Field] = &[
    text("title"),
    INTEGRATION_FIELDS[0],
    INTEGRATION_FIELDS[1],
    INTEGRATION_FIELDS[2],
    INTEGRATION_FIELDS[3],
];
/// Search hits come a page at a time: 5 by default, at most 50.
const HITS: Paging = Paging {
    default_size: 5,
    max_size: 50,
};
const HIT: Shape = Shape::Built(&SEARCH_HIT);
const SEARCH_FILTERS: &[Field] = &[
    opt("tags", Ty::Tags),
    opt("source", Ty::Str),
    opt("language", Ty::Str),
];
const SEARCH_BODY: &[Field] = &[
    req("query", Ty::Text).or_alias("q").noted("or q"),
    opt("limit", Ty::Int { min: 1 })
        .noted("hits per page (default 5; above 50 is read as 50); a synonym of pageSize"),
    opt("pageSize", Ty::Int { min: 1 }).noted("hits per page; wins over limit"),
    opt("page", Ty::Int { min: 1 }).noted("1-based; default 1"),
    opt("filters", Ty::Shape(SEARCH_FILTERS)),
    PRODUCT,
];
const SEARCH_QUERY: &[Field] = &[
    req("query", Ty::Text).or_alias("q").noted("or q"),
    PRODUCT,
    opt("source", Ty::Str),
    opt("language", Ty::Str),
    opt("tags", Ty::Str)
        .or_alias("tag")
        .noted("comma-separated (or tag)"),
];
const EXPIRY: Field = opt("expires_at", Ty::Time).noted("a future time; null or absent for never");
const DOCUMENT_FORM: &[Field] = &[
    PRODUCT,
    opt("name", Ty::Str),
    opt("description", Ty::Str),
    opt("language", Ty::Str),
    opt("source", Ty::Str),
    opt("subject", Ty::Str),
    opt("tags", Ty::Str).noted("comma-separated"),
];

const INSTALLED: &str = "an agent already installed in the product cannot be installed again; output_template may use only the known placeholders";
const WORKFLOW_RULES: &str = "connections must name nodes of the record; product_id cannot be changed; output_template may use only the known placeholders";
const RUN_RULES: &str =
    "pause only a running execution, continue only a paused one, stop only one of those two";
const TOKEN_RULES: &str = "a revoked or expired token cannot be changed";
const FILE_RULES: &str = "the file name must have a supported extension";
const AUDIO_RULES: &str =
    "the file name must have a supported extension and its bytes be a supported audio container";
/// What `?type=` of the trigger list accepts.
const TRIGGER_LIST_TYPES: &[&str] = &["manual", "webhook", "schedule", "all"];

/// Every operation, in checklist order.
pub const OPERATIONS: &[Operation] = &[
    op(
        "agents.of_product",
        Method::GET,
        "/api/agent-base/product/{productId}",
        "List a product's installed agents",
        List(AGENT),
        ById(agents::of_product),
    )
    .query(&[ACTIVE]),
    op(
        "agents.list",
        Method::GET,
        "/api/agent-base",
        "List the agents of a workspace",
        List(AGENT),
        Plain(agents::list_all),
    )
    .query(&[PRODUCT, ACTIVE]),
    op(
        "agents.install",
        Method::POST,
        "/api/agent-base/install",
        "Install an agent from the catalog",
        One(AGENT),
        Plain(agents::install),
    )
    .created()
    .json(INSTALL)
    .rule(INSTALLED),
    op(
        "agents.install_alias",
        Method::POST,
        "/api/agent-base",
        "Install an agent (alternate path)",
        One(AGENT),
        Plain(agents::install),
    )
    .created()
    .json(INSTALL)
    .rule(INSTALLED),
    op(
        "agents.get",
        Method::GET,
        "/api/agent-base/{id}",
        "Get an installed agent",
        One(AGENT),
        ById(agents::get),
    ),
    op(
        "agents.update",
        Method::PUT,
        "/api/agent-base/{id}",
        "Update an installed agent",
        One(AGENT),
        ById(agents::update),
    )
    .inferred()
    .json(AGENT_UPDATE)
    .rule("output_template may use only the known placeholders"),
    op(
        "agents.delete",
        Method::DELETE,
        "/api/agent-base/{id}",
        "Uninstall an agent",
        One(GONE),
        ById(agents::delete),
    )
    .inferred(),
    op(
        "agents.delete_by_query",
        Method::DELETE,
        "/api/agent-base",
        "Uninstall an agent named by ?id= or a JSON body",
        One(GONE),
        Plain(agents::delete_by_query),
    )
    .json_optional(BY_ID)
    .query(QUERY_ID)
    .rule(NAME_IT),
    op(
        "agents.executions",
        Method::GET,
        "/api/agent-base/{id}/executions",
        "List an agent's executions",
        List(EXECUTION),
        ById(agents::executions),
    )
    .query(&[opt("status", Ty::OneOf(EXECUTION_STATUSES))]),
    op(
        "triggers.list",
        Method::GET,
        "/api/agent-base/triggers",
        "List manual triggers (or ?type=webhook, schedule or all)",
        List(TRIGGER),
        Plain(triggers::list),
    )
    .query(&[
        PRODUCT,
        opt("agent_base_id", Ty::Str),
        opt("type", Ty::OneOf(TRIGGER_LIST_TYPES))
            .noted("default manual, as documented; all lists every type"),
        ACTIVE,
    ]),
    op(
        "triggers.execute",
        Method::POST,
        "/api/agent-base/triggers",
        "Execute a manual trigger",
        One(STARTED),
        Plain(triggers::execute),
    )
    .json(&[req("trigger_id", Ty::Text), opt("input", Ty::Object)])
    .strict()
    .rule("only an active manual trigger of an active agent can be executed"),
    op(
        "triggers.get",
        Method::GET,
        "/api/agent-base/triggers/{id}",
        "Get a trigger",
        One(TRIGGER),
        ById(triggers::get),
    )
    .inferred(),
    op(
        "workflow.execute",
        Method::POST,
        "/api/workflow/execute",
        "Execute a workflow base or an agent's workflow",
        One(STARTED),
        Plain(workflows::execute),
    )
    .json(&[
        opt("workflow_base_id", Ty::Str),
        opt("agent_base_id", Ty::Str),
        opt("input", Ty::Object),
    ])
    .strict()
    .rule("the workflow base must belong to the agent named beside it, and the agent be active"),
    op(
        "workflow.status",
        Method::GET,
        "/api/workflow/{executionId}/status",
        "Execution status",
        One(PROGRESS),
        ById(workflows::status),
    ),
    op(
        "workflow.events",
        Method::GET,
        "/api/workflow/{executionId}/events",
        "Execution events as a text/event-stream",
        Stream,
        ById(events::stream),
    )
    .refuses(&[204]),
    op(
        "workflow.stop",
        Method::POST,
        "/api/workflow/{executionId}/stop",
        "Stop a running or paused execution",
        One(PROGRESS),
        ById(workflows::stop),
    )
    .rule(RUN_RULES),
    op(
        "workflow.pause",
        Method::POST,
        "/api/workflow/{executionId}/pause",
        "Pause a running execution",
        One(PROGRESS),
        ById(workflows::pause),
    )
    .rule(RUN_RULES),
    op(
        "workflow.continue",
        Method::POST,
        "/api/workflow/{executionId}/continue",
        "Resume a paused execution",
        One(PROGRESS),
        ById(workflows::resume),
    )
    .rule(RUN_RULES),
    op(
        "workflow_bases.list",
        Method::GET,
        "/api/workflow-base",
        "List workflow base definitions",
        List(WORKFLOW_BASE),
        Plain(workflow_bases::list),
    )
    .query(&[PRODUCT, opt("agent_base_id", Ty::Str)]),
    op(
        "workflow_bases.get",
        Method::GET,
        "/api/workflow-base/{id}",
        "Get a workflow base definition",
        One(WORKFLOW_BASE),
        ById(workflow_bases::get),
    )
    .inferred(),
    op(
        "workflow_bases.create",
        Method::POST,
        "/api/workflow-base",
        "Create a workflow base definition",
        One(WORKFLOW_BASE),
        Plain(workflow_bases::create),
    )
    .created()
    .json(WORKFLOW_CREATE)
    .rule(WORKFLOW_RULES),
    op(
        "workflow_bases.update",
        Method::PUT,
        "/api/workflow-base/{id}",
        "Update a workflow base definition",
        One(WORKFLOW_BASE),
        ById(workflow_bases::update),
    )
    .inferred()
    .json(WORKFLOW_UPDATE)
    .refuses(&[403])
    .rule(WORKFLOW_RULES),
    op(
        "workflow_bases.update_by_query",
        Method::PUT,
        "/api/workflow-base",
        "Update a workflow base named by ?id= or the body's id",
        One(WORKFLOW_BASE),
        Plain(workflow_bases::update_by_query),
    )
    .json(WORKFLOW_UPDATE_BY_QUERY)
    .query(QUERY_ID)
    .refuses(&[403])
    .rule("connections must name nodes of the record; product_id cannot be changed; output_template may use only the known placeholders; name the record with ?id= or the body's id"),
    op(
        "workflow_bases.delete",
        Method::DELETE,
        "/api/workflow-base/{id}",
        "Delete a workflow base definition",
        One(GONE),
        ById(workflow_bases::delete),
    )
    .inferred()
    .refuses(&[403]),
    op(
        "workflow_bases.delete_by_query",
        Method::DELETE,
        "/api/workflow-base",
        "Delete a workflow base named by ?id= or a JSON body",
        One(GONE),
        Plain(workflow_bases::delete_by_query),
    )
    .json_optional(BY_ID)
    .query(QUERY_ID)
    .refuses(&[403])
    .rule(NAME_IT),
    op(
        "integrations.list",
        Method::GET,
        "/api/integrations-base",
        "List integrations",
        List(INTEGRATION),
        Plain(integrations::list_all),
    )
    .query(&[
        PRODUCT,
        opt("type", Ty::Str),
        opt("scope", Ty::OneOf(&["local", "global"])),
        ACTIVE,
    ]),
    op(
        "integrations.get",
        Method::GET,
        "/api/integrations-base/{id}",
        "Get an integration",
        One(INTEGRATION),
        ById(integrations::get),
    ),
    op(
        "integrations.create",
        Method::POST,
        "/api/integrations-base",
        "Create an integration",
        One(INTEGRATION),
        Plain(integrations::create),
    )
    .created()
    .json(INTEGRATION_CREATE),
    op(
        "integrations.update",
        Method::PUT,
        "/api/integrations-base/{id}",
        "Update an integration",
        One(INTEGRATION),
        ById(integrations::update),
    )
    .json(INTEGRATION_UPDATE)
    .refuses(&[403]),
    op(
        "integrations.delete",
        Method::DELETE,
        "/api/integrations-base/{id}",
        "Delete an integration",
        One(GONE),
        ById(integrations::delete),
    )
    .refuses(&[403]),
    op(
        "integrations.active",
        Method::GET,
        "/api/integrations-base/product/{productId}/active",
        "Active integrations of a workspace, after the shadow rule",
        List(INTEGRATION),
        ById(integrations::active),
    ),
    op(
        "knowledge.list",
        Method::GET,
        "/api/knowledge-base",
        "List knowledge-base documents",
        List(DOCUMENT),
        Plain(knowledge::list_all),
    )
    .query(&[PRODUCT, opt("status", Ty::OneOf(DOCUMENT_STATUSES))]),
    op(
        "knowledge.search",
        Method::GET,
        "/api/knowledge-base/search",
        "Search completed documents (query parameters), best first",
        List(HIT),
        Plain(knowledge::search),
    )
    .inferred()
    .query(SEARCH_QUERY)
    .paged(HITS)
    .strict(),
    op(
        "knowledge.search_post",
        Method::POST,
        "/api/knowledge-base/search",
        "Search completed documents (JSON body with filters), best first",
        List(HIT),
        Plain(knowledge::search),
    )
    .inferred()
    .json(SEARCH_BODY)
    .paged(HITS)
    .strict(),
    op(
        "knowledge.upload",
        Method::POST,
        "/api/knowledge-base/upload",
        "Upload a document (multipart/form-data)",
        One(DOCUMENT),
        Streaming(knowledge::upload),
    )
    .inferred()
    .created()
    .form("file", DOCUMENT_FORM)
    .strict()
    .rule(FILE_RULES),
    op(
        "knowledge.upload_alias",
        Method::POST,
        "/api/knowledge-base",
        "Upload a document (alternate path)",
        One(DOCUMENT),
        Streaming(knowledge::upload),
    )
    .inferred()
    .created()
    .form("file", DOCUMENT_FORM)
    .strict()
    .rule(FILE_RULES),
    op(
        "knowledge.get",
        Method::GET,
        "/api/knowledge-base/{id}",
        "Get a knowledge-base document",
        One(DOCUMENT),
        ById(knowledge::get),
    )
    .inferred(),
    op(
        "knowledge.delete",
        Method::DELETE,
        "/api/knowledge-base/{id}",
        "Delete a knowledge-base document",
        One(GONE),
        ById(knowledge::delete),
    )
    .inferred(),
    op(
        "transcription.create",
        Method::POST,
        "/api/transcription",
        "Transcribe an audio file (multipart/form-data)",
        One(Shape::Built(&TRANSCRIPTION)),
        Streaming(transcription::transcribe),
    )
    .inferred()
    .form(
        "file",
        &[opt("language", Ty::Str).noted("ISO 639-1, e.g. en, pt or es (pt-BR is read as pt)")],
    )
    .strict()
    .rule(AUDIO_RULES),
    op(
        "transcription.create_alias",
        Method::POST,
        "/api/transcribe",
        "Transcribe an audio file (alternate path)",
        One(Shape::Built(&TRANSCRIPTION)),
        Streaming(transcription::transcribe),
    )
    .inferred()
    .form(
        "file",
        &[opt("language", Ty::Str).noted("ISO 639-1, e.g. en, pt or es (pt-BR is read as pt)")],
    )
    .strict()
    .rule(AUDIO_RULES),
    op(
        "tokens.create",
        Method::POST,
        "/api/api-tokens",
        "Create an API token (the secret is shown once)",
        One(TOKEN),
        Plain(tokens::create),
    )
    .inferred()
    .created()
    .json(&[req("name", Ty::Text), EXPIRY, PRODUCT])
    .rule("expires_at must be in the future"),
    op(
        "tokens.list",
        Method::GET,
        "/api/api-tokens",
        "List API tokens (prefix only)",
        List(TOKEN),
        Plain(tokens::list_all),
    )
    .inferred()
    .query(&[PRODUCT, opt("status", Ty::OneOf(TOKEN_STATUSES))]),
    op(
        "tokens.get",
        Method::GET,
        "/api/api-tokens/{id}",
        "Get an API token",
        One(TOKEN),
        ById(tokens::get),
    )
    .inferred(),
    op(
        "tokens.regenerate",
        Method::POST,
        "/api/api-tokens/{id}/regenerate",
        "Regenerate a token's secret",
        One(TOKEN),
        ById(tokens::regenerate),
    )
    .inferred()
    .rule(TOKEN_RULES),
    op(
        "tokens.revoke",
        Method::POST,
        "/api/api-tokens/{id}/revoke",
        "Revoke a token permanently",
        One(TOKEN),
        ById(tokens::revoke),
    )
    .inferred()
    .rule(TOKEN_RULES),
    op(
        "tokens.revoke_alias",
        Method::DELETE,
        "/api/api-tokens/{id}",
        "Revoke a token (alternate form)",
        One(TOKEN),
        ById(tokens::revoke),
    )
    .inferred()
    .rule(TOKEN_RULES),
    op(
        "tokens.renew",
        Method::POST,
        "/api/api-tokens/{id}/renew",
        "Renew a token with a new expiry",
        One(TOKEN),
        ById(tokens::renew),
    )
    .inferred()
    .json_optional(&[EXPIRY])
    .rule("expires_at must be in the future; a revoked token cannot be renewed"),
    op(
        "tokens.set_active",
        Method::PATCH,
        "/api/api-tokens/{id}",
        "Activate or deactivate a token",
        One(TOKEN),
        ById(tokens::set_active),
    )
    .inferred()
    .json(&[req("is_active", Ty::Bool)])
    .rule(TOKEN_RULES),
    op(
        "tokens.audit_logs",
        Method::GET,
        "/api/api-tokens/{id}/audit-logs",
        "A token's audit trail, newest first",
        List(Shape::Built(&AUDIT_ENTRY)),
        ById(tokens::audit_logs),
    )
    .inferred(),
    op(
        "webhooks.generic",
        Method::POST,
        "/api/webhook/{custom_path}",
        "Generic inbound webhook: starts the agent of the webhook trigger",
        One(Shape::Built(&WEBHOOK_ACCEPTED)),
        ById(webhooks::generic),
    )
    .json(&[])
    .access(Access::OptionalToken)
    .bare_errors(),
    op(
        "communicator.webhook",
        Method::POST,
        "/api/communicator/webhook/{integration_base_id}",
        "Slack / Google Chat events (answers Slack url_verification)",
        OrChallenge(Shape::Built(&COMMUNICATOR_EVENT)),
        ById(webhooks::communicator),
    )
    .json(&[
        opt("type", Ty::Str),
        opt("challenge", Ty::Str),
        opt("event", Ty::Any),
    ])
    .access(Access::Platform)
    .rule("only an active Slack or Google Chat integration receives these events"),
    op(
        "communicator.botframework",
        Method::POST,
        "/api/communicator/botframework/{integration_base_id}/messages",
        "Microsoft Teams (Bot Framework) activities",
        One(Shape::Built(&COMMUNICATOR_EVENT)),
        ById(webhooks::botframework),
    )
    .json(&[opt("type", Ty::Str), opt("text", Ty::Any)])
    .access(Access::Platform)
    .rule("only an active Microsoft Teams integration receives activities"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_dotted() {
        for (i, op) in OPERATIONS.iter().enumerate() {
            assert!(op.name.contains('.'), "{}", op.name);
            assert!(
                OPERATIONS[..i].iter().all(|other| other.name != op.name),
                "{} is named twice",
                op.name
            );
        }
    }

    #[test]
    fn an_operation_streams_its_body_exactly_when_its_body_is_a_form() {
        // The request path answers form operations through their streaming handler and every
        // other one at once (service::answer_now): the two must agree.
        for op in OPERATIONS {
            let form = matches!(op.body, super::super::Body::Form { .. });
            let streaming = matches!(op.handler, Streaming(_));
            assert_eq!(form, streaming, "{}", op.name);
        }
    }
}
