//! The JSON request bodies of the OpenAPI document: one table, keyed by route name, of the
//! fields each handler reads, with their types and which are required. A test checks that
//! every JSON route has a row and every row names a JSON route.

use serde_json::{Map, Value, json};

/// The type of one body field, as the handler checks it.
#[derive(Debug, Clone, Copy)]
pub enum FieldTy {
    /// Any string.
    Str,
    /// A string with at least one non-blank character (`required_str` rejects blanks).
    Text,
    /// A boolean.
    Bool,
    /// A JSON object.
    Object,
    /// An array of strings.
    Strings,
    /// A whole number from 1 (search `limit`, capped at 50).
    Limit,
    /// A whole number of milliseconds, or null.
    Millis,
    /// A future RFC 3339 time, or null for never.
    Expiry,
    /// Workflow nodes: objects with a unique non-empty `id`.
    Nodes,
    /// Workflow connections: `{from, to}` objects naming nodes.
    Connections,
    /// Knowledge search filters.
    SearchFilters,
    /// Anything (webhook payloads).
    Any,
}

/// One field of a body.
#[derive(Debug, Clone, Copy)]
pub struct BodyField {
    /// The JSON key.
    pub name: &'static str,
    /// Its type.
    pub ty: FieldTy,
    /// Whether the handler answers 400 without it.
    pub required: bool,
}

const fn req(name: &'static str, ty: FieldTy) -> BodyField {
    BodyField {
        name,
        ty,
        required: true,
    }
}

const fn opt(name: &'static str, ty: FieldTy) -> BodyField {
    BodyField {
        name,
        ty,
        required: false,
    }
}

use FieldTy::*;

const AGENT_UPDATE: &[BodyField] = &[
    opt("name", Text),
    opt("description", Str),
    opt("is_active", Bool),
    opt("parameters", Object),
    opt("active_version", Str),
    opt("integrations", Strings),
];
const WORKFLOW_BASE: &[BodyField] = &[
    opt("description", Str),
    opt("agent_base_id", Str),
    opt("product_id", Str),
    opt("nodes", Nodes),
    opt("connections", Connections),
    opt("duration_ms", Millis),
];
const INTEGRATION_UPDATE: &[BodyField] = &[
    opt("title", Text),
    opt("type", Text),
    opt("settings", Object),
    opt("credentials", Object),
    opt("is_active", Bool),
];
const BY_ID: &[BodyField] = &[req("id", Text)];

/// Route name → the fields of its JSON body: its own, then a list it shares with other
/// routes. Undeclared keys are allowed (records keep unknown fields).
pub const BODIES: &[(&str, &[BodyField], &[BodyField])] = &[
    (
        "agents.install",
        &[
            req("agent_id", Text),
            opt("product_id", Str),
            opt("name", Str),
            opt("parameters", Object),
        ],
        &[],
    ),
    (
        "agents.install_alias",
        &[
            req("agent_id", Text),
            opt("product_id", Str),
            opt("name", Str),
            opt("parameters", Object),
        ],
        &[],
    ),
    ("agents.update", AGENT_UPDATE, &[]),
    ("agents.delete_by_query", BY_ID, &[]),
    (
        "triggers.execute",
        &[req("trigger_id", Text), opt("input", Object)],
        &[],
    ),
    (
        "workflow.execute",
        &[
            opt("workflow_base_id", Str),
            opt("agent_base_id", Str),
            opt("input", Object),
        ],
        &[],
    ),
    ("workflow_bases.create", &[req("name", Text)], WORKFLOW_BASE),
    ("workflow_bases.update", &[opt("name", Text)], WORKFLOW_BASE),
    (
        "workflow_bases.update_by_query",
        &[req("id", Text), opt("name", Text)],
        WORKFLOW_BASE,
    ),
    ("workflow_bases.delete_by_query", BY_ID, &[]),
    (
        "integrations.create",
        &[req("title", Text), opt("product_id", Str)],
        INTEGRATION_UPDATE,
    ),
    ("integrations.update", INTEGRATION_UPDATE, &[]),
    (
        "knowledge.search_post",
        &[
            req("query", Text),
            opt("limit", Limit),
            opt("filters", SearchFilters),
            opt("product_id", Str),
        ],
        &[],
    ),
    (
        "tokens.create",
        &[
            req("name", Text),
            opt("expires_at", Expiry),
            opt("product_id", Str),
        ],
        &[],
    ),
    ("tokens.renew", &[opt("expires_at", Expiry)], &[]),
    ("tokens.set_active", &[req("is_active", Bool)], &[]),
    ("webhooks.generic", &[], &[]),
    (
        "communicator.webhook",
        &[opt("type", Str), opt("challenge", Str), opt("event", Any)],
        &[],
    ),
    (
        "communicator.botframework",
        &[opt("type", Str), opt("text", Any)],
        &[],
    ),
];

/// Route name → the query parameters its handler reads, declared instead of the pagination
/// parameters every other list gets.
pub const QUERIES: &[(&str, &[BodyField])] = &[(
    "knowledge.search",
    &[
        req("query", Text),
        opt("limit", Limit),
        opt("product_id", Str),
        opt("source", Str),
        opt("language", Str),
        opt("tags", Str),
    ],
)];

/// The query parameters of route `name` from [`QUERIES`].
pub fn query_fields(name: &str) -> &'static [BodyField] {
    QUERIES
        .iter()
        .find(|(n, _)| *n == name)
        .map_or(&[], |(_, fields)| fields)
}

/// Routes whose handler also accepts a request without a body (every field optional).
const OPTIONAL_BODIES: &[&str] = &["tokens.renew"];

/// Whether route `name` must be sent a body.
pub fn required(name: &str) -> bool {
    !OPTIONAL_BODIES.contains(&name)
}

/// The JSON schema of the body of route `name`, or an open object when it has no row.
pub fn schema(name: &str) -> Value {
    let Some((_, fields, more)) = BODIES.iter().find(|(n, _, _)| *n == name) else {
        return json!({ "type": "object", "additionalProperties": true });
    };
    let mut properties = Map::new();
    let mut required = Vec::new();
    for field in fields.iter().chain(more.iter()) {
        let mut schema = field_schema(field.ty);
        if !field.required && nullable(field.ty) {
            if let Some(Value::String(ty)) = schema.get("type").cloned() {
                schema["type"] = json!([ty, "null"]);
            }
        }
        properties.insert(field.name.to_owned(), schema);
        if field.required {
            required.push(field.name);
        }
    }
    json!({
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": true,
    })
}

/// Whether an optional field of this type may be sent as `null` (the `opt_*` readers treat null
/// as absent; `required_str` on a present key and the array checks do not).
fn nullable(ty: FieldTy) -> bool {
    matches!(ty, Str | Bool | Object | Limit | SearchFilters)
}

/// The JSON schema of one field type.
pub fn field_schema(ty: FieldTy) -> Value {
    match ty {
        Str => json!({ "type": "string" }),
        Text => json!({ "type": "string", "minLength": 1, "pattern": "\\S" }),
        Bool => json!({ "type": "boolean" }),
        Object => json!({ "type": "object" }),
        Strings => json!({ "type": "array", "items": { "type": "string" } }),
        Limit => json!({
            "type": "integer", "minimum": 1, "maximum": u64::MAX,
            "description": "values above 50 are read as 50",
        }),
        Millis => json!({ "type": ["integer", "null"], "minimum": 0 }),
        Expiry => json!({
            "type": ["string", "null"], "format": "date-time",
            "description": "a future time; null or absent for never",
        }),
        Nodes => json!({
            "type": "array",
            "items": { "$ref": "#/components/schemas/WorkflowNode" },
            "description": "node ids must be unique; other node keys (type, config, …) are stored as sent",
        }),
        Connections => json!({
            "type": "array",
            "items": { "$ref": "#/components/schemas/WorkflowConnection" },
            "description": "from and to name nodes of the same record",
        }),
        SearchFilters => json!({
            "type": "object",
            "properties": {
                "tags": { "type": ["array", "string", "null"], "items": { "type": "string" } },
                "source": { "type": ["string", "null"] },
                "language": { "type": ["string", "null"] },
            },
        }),
        Any => json!({}),
    }
}

/// The item schemas of workflow `nodes` and `connections`, for `components.schemas` (shared by
/// the request bodies and the `WorkflowBase` record).
pub fn workflow_schemas() -> Map<String, Value> {
    let mut schemas = Map::new();
    schemas.insert(
        "WorkflowNode".into(),
        json!({
            "type": "object",
            "description": "A workflow node: its id, and any other keys (type, config, …) as sent.",
            "required": ["id"],
            "properties": { "id": { "type": "string", "minLength": 1 } },
            "additionalProperties": true,
        }),
    );
    schemas.insert(
        "WorkflowConnection".into(),
        json!({
            "type": "object",
            "description": "An edge between two nodes of the same workflow base, by node id.",
            "required": ["from", "to"],
            "properties": { "from": { "type": "string" }, "to": { "type": "string" } },
            "additionalProperties": true,
        }),
    );
    schemas
}

#[cfg(test)]
mod tests {
    use super::BODIES;
    use crate::routes::{BodyKind, ROUTES};

    #[test]
    fn every_json_route_has_exactly_one_body_row_and_every_row_names_a_json_route() {
        for def in ROUTES.iter().filter(|d| d.body == BodyKind::Json) {
            let rows = BODIES.iter().filter(|(n, _, _)| *n == def.name).count();
            assert_eq!(rows, 1, "{} has {rows} body rows", def.name);
        }
        for (name, _, _) in BODIES {
            let def = ROUTES.iter().find(|d| d.name == *name);
            assert!(
                def.is_some_and(|d| d.body == BodyKind::Json),
                "{name} is not a JSON route"
            );
        }
    }
}
