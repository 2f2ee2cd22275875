//! The resource kinds the mock stores and the fields of each one's records: fixture
//! validation, defaults, the fields the mock derives, and the OpenAPI component of each.

use serde_json::{Value, json};

use super::{COUNT, Field, Presence, Record, Ty, canonical_id, dflt, is_api_token, opt, req};

/// A kind of stored record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// A workspace (the docs say "product" and "workspace" interchangeably).
    Product,
    /// An agent of the catalog that can be installed.
    Catalog,
    /// An API token bound to one product.
    Token,
    /// An agent installed in a product (`agent-base`).
    Agent,
    /// One run of an agent.
    Execution,
    /// An integration, local to a product or global.
    Integration,
    /// A trigger that starts an agent.
    Trigger,
    /// A workflow base definition.
    Workflow,
    /// A knowledge-base document.
    Document,
    /// An integration template of the catalog the MCP gateway installs from (Azure DevOps,
    /// Slack, …); installing one creates an [`Kind::Integration`].
    IntegrationTemplate,
}

/// The timestamp fixtures get when they give none, so seeded data is byte-identical.
pub const FIXTURE_EPOCH: &str = "\"2026-01-01T00:00:00Z\"";

/// Execution statuses (workflow state machine plus `stopped`).
pub const EXECUTION_STATUSES: &[&str] = &[
    "pending",
    "running",
    "paused",
    "stopped",
    "completed",
    "failed",
];
/// Token statuses, as documented.
pub const TOKEN_STATUSES: &[&str] = &["active", "inactive", "expired", "revoked"];
/// The roles a token acts with on the MCP gateway (INFERRED names; the docs say only that
/// some tools need the SUPERADMIN or ADMIN role).
pub const TOKEN_ROLES: &[&str] = &["member", "admin", "superadmin"];
/// The OAuth 2.1 scopes of the MCP gateway, as documented (MCP-USE).
pub const MCP_SCOPES: &[&str] = &["mcp:read", "mcp:write", "mcp:execute", "mcp:admin"];
/// Trigger types.
pub const TRIGGER_TYPES: &[&str] = &["manual", "webhook", "schedule"];
/// The `output_template` of the kinds that have one (null: none of its own).
const OUTPUT_TEMPLATE: Field = dflt("output_template", Ty::Template, "null")
    .or_null()
    .noted(TEMPLATE_NOTE);
/// What an `output_template` is, for the OpenAPI document.
pub const TEMPLATE_NOTE: &str = "what a completed execution outputs: any JSON value whose strings may hold {{input}}, {{input.PATH}}, {{execution.id}}, {{agent.name}}, {{now}}, {{fake.name}}, {{fake.email}}, {{fake.company}} and {{fake.sentence}}; a string that is exactly one placeholder takes the JSON type of its value; null for none";
/// Document formats whose `content` is the file itself (so `size_bytes` is its length).
pub const TEXT_FORMATS: &[&str] = &["txt", "md", "markdown", "csv", "tsv", "json", "xml"];
/// Knowledge-document pipeline statuses.
pub const DOCUMENT_STATUSES: &[&str] = &[
    "uploading",
    "processing",
    "embedding",
    "completed",
    "failed",
];

impl Kind {
    /// Every kind, in the order fixtures are loaded (referenced kinds first).
    pub const ALL: [Kind; 10] = [
        Kind::Product,
        Kind::Catalog,
        Kind::Token,
        Kind::Agent,
        Kind::Execution,
        Kind::Integration,
        Kind::Trigger,
        Kind::Workflow,
        Kind::Document,
        Kind::IntegrationTemplate,
    ];

    /// Position in [`Kind::ALL`] (the declaration order).
    pub fn index(self) -> usize {
        match self {
            Kind::Product => 0,
            Kind::Catalog => 1,
            Kind::Token => 2,
            Kind::Agent => 3,
            Kind::Execution => 4,
            Kind::Integration => 5,
            Kind::Trigger => 6,
            Kind::Workflow => 7,
            Kind::Document => 8,
            Kind::IntegrationTemplate => 9,
        }
    }

    /// Its name in the OpenAPI components.
    pub fn schema_name(self) -> &'static str {
        match self {
            Kind::Product => "Product",
            Kind::Catalog => "CatalogAgent",
            Kind::Token => "ApiToken",
            Kind::Agent => "Agent",
            Kind::Execution => "Execution",
            Kind::Integration => "Integration",
            Kind::Trigger => "Trigger",
            Kind::Workflow => "WorkflowBase",
            Kind::Document => "KnowledgeDocument",
            Kind::IntegrationTemplate => "IntegrationTemplate",
        }
    }

    /// Fields stored on every record (defaults fill them) that answers still leave out: a
    /// token's secret outside create and regenerate, a document's extracted text.
    pub fn withheld(self) -> &'static [&'static str] {
        match self {
            Kind::Token => &["token"],
            Kind::Document => &["content"],
            _ => &[],
        }
    }

    /// The fields [`Kind::derive`] adds to every stored record of this kind.
    pub fn derived_fields(self) -> &'static [Field] {
        const SCOPE: &[Field] = &[req("scope", Ty::OneOf(&["local", "global"]))];
        const TOKEN: &[Field] = &[req("prefix", Ty::Str), req("is_active", Ty::Bool)];
        match self {
            Kind::Integration => SCOPE,
            Kind::Token => TOKEN,
            _ => &[],
        }
    }

    /// The JSON Schema of this kind's records as answers show them.
    pub fn json_schema(self) -> Value {
        let mut properties = serde_json::Map::new();
        let mut required = Vec::new();
        for field in self.fields().iter().chain(self.derived_fields()) {
            properties.insert(field.name.to_owned(), field.json_schema());
            if !self.withheld().contains(&field.name) {
                required.push(field.name);
            }
        }
        json!({
            "type": "object",
            "required": required,
            "properties": properties,
            "additionalProperties": true,
        })
    }

    /// The fixture file holding this kind's records.
    pub fn file_name(self) -> &'static str {
        match self {
            Kind::Product => "products.json",
            Kind::Token => "tokens.json",
            Kind::Catalog => "catalog.json",
            Kind::Agent => "agents.json",
            Kind::Execution => "executions.json",
            Kind::Integration => "integrations.json",
            Kind::Trigger => "triggers.json",
            Kind::Workflow => "workflows.json",
            Kind::Document => "documents.json",
            Kind::IntegrationTemplate => "integration_templates.json",
        }
    }

    /// The key of this kind in a state export, e.g. `agents`.
    pub fn plural(self) -> &'static str {
        self.file_name().trim_end_matches(".json")
    }

    /// The name used in messages, e.g. "agent".
    pub fn singular(self) -> &'static str {
        match self {
            Kind::Product => "product",
            Kind::Token => "API token",
            Kind::Catalog => "catalog agent",
            Kind::Agent => "agent",
            Kind::Execution => "execution",
            Kind::Integration => "integration",
            Kind::Trigger => "trigger",
            Kind::Workflow => "workflow base",
            Kind::Document => "knowledge document",
            Kind::IntegrationTemplate => "integration template",
        }
    }

    /// The field whose value partitions the order index (lists are read per partition).
    pub fn partition_field(self) -> Option<&'static str> {
        match self {
            Kind::Product | Kind::Catalog | Kind::IntegrationTemplate => None,
            Kind::Execution | Kind::Trigger => Some("agent_base_id"),
            Kind::Token | Kind::Agent | Kind::Integration | Kind::Workflow | Kind::Document => {
                Some("product_id")
            }
        }
    }

    /// A field whose string values are unique and looked up directly (token secrets,
    /// webhook paths).
    pub fn unique_field(self) -> Option<&'static str> {
        match self {
            Kind::Token => Some("token"),
            Kind::Trigger => Some("custom_path"),
            Kind::IntegrationTemplate => Some("type"),
            _ => None,
        }
    }

    /// Fields that name a record of another kind; a dangling one is a fixture error.
    pub fn references(self) -> &'static [(&'static str, Kind)] {
        match self {
            Kind::Product | Kind::Catalog | Kind::IntegrationTemplate => &[],
            Kind::Token | Kind::Integration | Kind::Document => &[("product_id", Kind::Product)],
            Kind::Agent => &[("product_id", Kind::Product), ("agent_id", Kind::Catalog)],
            Kind::Execution => &[
                ("agent_base_id", Kind::Agent),
                ("workflow_base_id", Kind::Workflow),
                ("trigger_id", Kind::Trigger),
            ],
            Kind::Trigger => &[("agent_base_id", Kind::Agent)],
            Kind::Workflow => &[
                ("product_id", Kind::Product),
                ("agent_base_id", Kind::Agent),
            ],
        }
    }

    /// The known fields of this kind's records. Unknown fields are kept as they are.
    pub fn fields(self) -> &'static [Field] {
        const EPOCH: &str = FIXTURE_EPOCH;
        match self {
            Kind::Product => {
                const F: &[Field] = &[
                    req("id", Ty::Str),
                    req("name", Ty::Str),
                    dflt("organization_id", Ty::Str, "null").or_null(),
                    dflt("created_at", Ty::Time, EPOCH),
                    // What the MCP gateway's get_workspace_info and settings tools read.
                    dflt("vision", Ty::Str, "null").or_null(),
                    dflt("target_audience", Ty::Str, "null").or_null(),
                    dflt("okrs", Ty::Any, "null").or_null(),
                    dflt("mcp_settings", Ty::Shape(MCP_SETTINGS), "null").or_null(),
                ];
                F
            }
            Kind::Token => {
                const F: &[Field] = &[
                    req("id", Ty::Str),
                    req("product_id", Ty::Str),
                    req("name", Ty::Str),
                    req("token", Ty::Str),
                    dflt("status", Ty::OneOf(TOKEN_STATUSES), "\"active\""),
                    dflt("expires_at", Ty::Time, "null").or_null(),
                    dflt("usage_count", COUNT, "0"),
                    dflt("last_used_at", Ty::Time, "null").or_null(),
                    dflt("created_at", Ty::Time, EPOCH),
                    // How the token acts on the MCP gateway: its role, and the scopes it is
                    // limited to (null: not limited).
                    dflt("role", Ty::OneOf(TOKEN_ROLES), "\"member\""),
                    dflt("scopes", Ty::SomeOf(MCP_SCOPES), "null").or_null(),
                    dflt("ai_preferences", Ty::Shape(AI_PREFERENCES), "null").or_null(),
                ];
                F
            }
            Kind::Catalog => {
                const F: &[Field] = &[
                    req("id", Ty::Str),
                    req("name", Ty::Str),
                    dflt("description", Ty::Str, "\"\""),
                    dflt("parameters", Ty::Object, "{}"),
                    OUTPUT_TEMPLATE,
                ];
                F
            }
            Kind::Agent => {
                const F: &[Field] = &[
                    req("id", Ty::Str),
                    req("product_id", Ty::Str),
                    req("name", Ty::Str),
                    dflt("agent_id", Ty::Str, "null").or_null(),
                    dflt("description", Ty::Str, "\"\""),
                    dflt("is_active", Ty::Bool, "true"),
                    dflt("active_version", Ty::Str, "null").or_null(),
                    dflt("parameters", Ty::Object, "{}"),
                    dflt("integrations", Ty::Strings, "[]"),
                    OUTPUT_TEMPLATE,
                    dflt("created_at", Ty::Time, EPOCH),
                    dflt("updated_at", Ty::Time, EPOCH),
                ];
                F
            }
            Kind::Execution => {
                const F: &[Field] = &[
                    req("id", Ty::Str),
                    req("agent_base_id", Ty::Str).or_null(),
                    req("status", Ty::OneOf(EXECUTION_STATUSES)),
                    dflt("workflow_base_id", Ty::Str, "null").or_null(),
                    dflt("trigger_id", Ty::Str, "null").or_null(),
                    dflt("trigger_type", Ty::OneOf(TRIGGER_TYPES), "\"manual\""),
                    dflt("input", Ty::Object, "{}"),
                    dflt("output", Ty::Any, "null").or_null(),
                    dflt("error", Ty::Str, "null").or_null(),
                    dflt("started_at", Ty::Time, EPOCH),
                    dflt("finished_at", Ty::Time, "null").or_null(),
                    dflt("duration_ms", COUNT, "null").or_null(),
                    dflt("current_node", Ty::Str, "null").or_null(),
                ];
                F
            }
            Kind::Integration => {
                const F: &[Field] = &[
                    req("id", Ty::Str),
                    req("title", Ty::Str),
                    dflt("product_id", Ty::Str, "null").or_null(),
                    dflt("type", Ty::Str, "\"custom\""),
                    dflt("settings", Ty::Object, "{}"),
                    dflt("credentials", Ty::Object, "{}"),
                    dflt("is_active", Ty::Bool, "true"),
                    dflt("created_at", Ty::Time, EPOCH),
                    dflt("updated_at", Ty::Time, EPOCH),
                ];
                F
            }
            Kind::Trigger => {
                const F: &[Field] = &[
                    req("id", Ty::Str),
                    req("agent_base_id", Ty::Str),
                    req("name", Ty::Str),
                    req("type", Ty::OneOf(TRIGGER_TYPES)),
                    dflt("custom_path", Ty::Str, "null").or_null(),
                    dflt("require_token", Ty::Bool, "false"),
                    dflt("is_active", Ty::Bool, "true"),
                    dflt("config", Ty::Object, "{}"),
                    dflt("created_at", Ty::Time, EPOCH),
                ];
                F
            }
            Kind::Workflow => {
                const F: &[Field] = &[
                    req("id", Ty::Str),
                    req("name", Ty::Str),
                    dflt("product_id", Ty::Str, "null").or_null(),
                    dflt("agent_base_id", Ty::Str, "null").or_null(),
                    dflt("description", Ty::Str, "\"\""),
                    dflt("nodes", Ty::Nodes, "[]"),
                    dflt("connections", Ty::Connections, "[]"),
                    dflt("duration_ms", COUNT, "null").or_null(),
                    OUTPUT_TEMPLATE,
                    dflt("created_at", Ty::Time, EPOCH),
                    dflt("updated_at", Ty::Time, EPOCH),
                ];
                F
            }
            Kind::Document => {
                const F: &[Field] = &[
                    req("id", Ty::Str),
                    req("product_id", Ty::Str),
                    req("name", Ty::Str),
                    dflt("description", Ty::Str, "\"\""),
                    dflt("file_name", Ty::Str, "\"\""),
                    dflt("file_type", Ty::Str, "\"txt\""),
                    // Left out, it is the byte length of `content` (see `derive`).
                    opt("size_bytes", COUNT).not_null(),
                    dflt("status", Ty::OneOf(DOCUMENT_STATUSES), "\"completed\""),
                    dflt("progress", COUNT, "100"),
                    dflt("failure_reason", Ty::Str, "null").or_null(),
                    dflt("metadata", Ty::Object, "{}"),
                    dflt("content", Ty::Str, "\"\""),
                    dflt("created_at", Ty::Time, EPOCH),
                ];
                F
            }
            Kind::IntegrationTemplate => {
                const F: &[Field] = &[
                    req("id", Ty::Str),
                    req("type", Ty::Slug),
                    req("name", Ty::Text),
                    dflt("description", Ty::Str, "\"\""),
                    dflt("category", Ty::Str, "\"custom\""),
                    dflt("credential_fields", Ty::Strings, "[]"),
                    dflt("settings_fields", Ty::Strings, "[]"),
                    dflt("tools", Ty::Strings, "[]"),
                    dflt("created_at", Ty::Time, EPOCH),
                    dflt("updated_at", Ty::Time, EPOCH),
                ];
                F
            }
        }
    }

    /// Fields derived from others, recomputed whenever a record is stored.
    pub fn derive(self, record: &mut Record) {
        match self {
            Kind::Integration => {
                let local = record.get("product_id").is_some_and(Value::is_string);
                record.insert(
                    "scope".into(),
                    json!(if local { "local" } else { "global" }),
                );
            }
            Kind::Token => {
                let prefix: String = record
                    .get("token")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .chars()
                    .take(8)
                    .collect();
                let active = record.get("status").and_then(Value::as_str) == Some("active");
                record.insert("prefix".into(), json!(prefix));
                record.insert("is_active".into(), json!(active));
            }
            Kind::Document if !record.contains_key("size_bytes") => {
                let content = record.get("content").and_then(Value::as_str);
                let size = content.map_or(0, str::len);
                record.insert("size_bytes".into(), json!(size));
            }
            _ => {}
        }
    }
}

/// The MCP gateway's settings of a product (`get_mcp_settings`): instructions sent to clients
/// when they connect, and rules (INFERRED shape).
pub const MCP_SETTINGS: &[Field] = &[opt("instructions", Ty::Str), opt("rules", Ty::Strings)];

/// A token user's personal AI preferences (`update_my_ai_preferences`, INFERRED names).
pub const AI_PREFERENCES: &[Field] = &[
    opt("directive", Ty::Str),
    opt("confirm_destructive_actions", Ty::Bool),
];

/// Checks `record` against `kind`'s schema, filling defaults and derived fields.
///
/// On failure the message names the field and what it must be.
pub fn conform(kind: Kind, record: &mut Record) -> Result<(), String> {
    for field in kind.fields() {
        match (record.get(field.name), field.presence) {
            (None, Presence::Required) => {
                return Err(format!("missing required field '{}'", field.name));
            }
            (None, Presence::Default(literal)) => {
                let value = serde_json::from_str(literal)
                    .map_err(|e| format!("bad default for '{}': {e}", field.name))?;
                record.insert(field.name.to_owned(), value);
            }
            (Some(value), _) if !field.accepts(value) => {
                return Err(field.ty.problem(field.name, value).unwrap_or_else(|| {
                    format!("field '{}' must be {}", field.name, field.describe())
                }));
            }
            (None, Presence::Optional) | (Some(_), _) => {}
        }
    }
    if record
        .get("id")
        .and_then(Value::as_str)
        .is_some_and(str::is_empty)
    {
        return Err("field 'id' must not be empty".into());
    }
    // UUIDs are case-insensitive (RFC 9562) and stored in lower case, as generated ones are.
    let id_fields = std::iter::once("id").chain(kind.references().iter().map(|(f, _)| *f));
    for field in id_fields {
        if let Some(Value::String(id)) = record.get_mut(field)
            && let std::borrow::Cow::Owned(lower) = canonical_id(id)
        {
            *id = lower;
        }
    }
    let token = record.get("token").and_then(Value::as_str);
    if kind == Kind::Token && !token.is_some_and(is_api_token) {
        return Err(
            "field 'token' must look like prodgy_ followed by letters, digits, '_' or '-'".into(),
        );
    }
    kind.derive(record);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_nodes_and_connections_must_have_the_shape_the_document_promises() {
        let workflow = |nodes: Value, connections: Value| {
            let record =
                json!({"id": "w", "name": "Flow", "nodes": nodes, "connections": connections});
            let mut record = record.as_object().cloned().unwrap_or_default();
            conform(Kind::Workflow, &mut record)
        };
        assert!(
            workflow(
                json!([{"id": "a", "type": "trigger"}]),
                json!([{"from": "a", "to": "a"}])
            )
            .is_ok()
        );
        let nameless = workflow(json!([{"type": "trigger"}]), json!([])).expect_err("no id");
        assert!(
            nameless.contains("'nodes'") && nameless.contains("'id'"),
            "{nameless}"
        );
        assert!(workflow(json!(["a"]), json!([])).is_err());
        let dangling = workflow(json!([]), json!([{"from": "a"}])).expect_err("no to");
        assert!(dangling.contains("'connections'"), "{dangling}");
    }

    #[test]
    fn index_is_the_position_in_all() {
        for (position, kind) in Kind::ALL.iter().enumerate() {
            assert_eq!(kind.index(), position, "{kind:?}");
        }
    }
}
