//! The resource kinds the mock stores, and the schema of each one's records.
//!
//! One table drives fixture validation, defaults and the served OpenAPI schemas, so a
//! resource's shape is changed in one place.

use serde_json::{Value, json};

/// A stored record: a JSON object. Fields the mock does not know are kept as they are.
pub type Record = serde_json::Map<String, Value>;

/// Whether `value` has the API token form `prodgy_[A-Za-z0-9_-]+`.
pub fn is_api_token(value: &str) -> bool {
    value.strip_prefix("prodgy_").is_some_and(|rest| {
        !rest.is_empty()
            && rest
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    })
}

/// `id` as stored: a UUID in upper or mixed case is lowered (UUIDs are case-insensitive, RFC
/// 9562), anything else is kept as it is. Allocates only for a UUID with upper-case digits.
pub fn canonical_id(id: &str) -> std::borrow::Cow<'_, str> {
    let bytes = id.as_bytes();
    let shaped = bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_hexdigit(),
        });
    if shaped && bytes.iter().any(u8::is_ascii_uppercase) {
        std::borrow::Cow::Owned(id.to_ascii_lowercase())
    } else {
        std::borrow::Cow::Borrowed(id)
    }
}

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
}

/// The JSON type a field must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    /// A string.
    Str,
    /// A string or null.
    OptStr,
    /// `true` or `false`.
    Bool,
    /// A JSON object.
    Object,
    /// Workflow nodes: an array of objects, each with a non-empty string `id`.
    Nodes,
    /// Workflow connections: an array of objects with string `from` and `to`.
    Connections,
    /// An array of strings.
    Strings,
    /// A non-negative integer.
    Count,
    /// A non-negative integer or null.
    OptCount,
    /// An RFC 3339 timestamp.
    Time,
    /// An RFC 3339 timestamp or null.
    OptTime,
    /// One of the listed strings.
    OneOf(&'static [&'static str]),
    /// Any JSON value.
    Any,
}

impl Ty {
    /// Whether `null` is a value of this type.
    pub fn nullable(self) -> bool {
        matches!(self, Ty::OptStr | Ty::OptCount | Ty::OptTime | Ty::Any)
    }
}

/// What happens when a field is absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Absent {
    /// The record is invalid.
    Required,
    /// The field is filled with this JSON literal.
    Default(&'static str),
}

/// One field of a record schema.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// The JSON key.
    pub name: &'static str,
    /// Its type.
    pub ty: Ty,
    /// What to do when it is missing.
    pub absent: Absent,
}

const fn req(name: &'static str, ty: Ty) -> Field {
    Field {
        name,
        ty,
        absent: Absent::Required,
    }
}

const fn opt(name: &'static str, ty: Ty, default: &'static str) -> Field {
    Field {
        name,
        ty,
        absent: Absent::Default(default),
    }
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
/// Trigger types.
pub const TRIGGER_TYPES: &[&str] = &["manual", "webhook", "schedule"];
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
    pub const ALL: [Kind; 9] = [
        Kind::Product,
        Kind::Catalog,
        Kind::Token,
        Kind::Agent,
        Kind::Execution,
        Kind::Integration,
        Kind::Trigger,
        Kind::Workflow,
        Kind::Document,
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
        }
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
        }
    }

    /// The field whose value partitions the order index (lists are read per partition).
    pub fn partition_field(self) -> Option<&'static str> {
        match self {
            Kind::Product | Kind::Catalog => None,
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
            _ => None,
        }
    }

    /// Fields that name a record of another kind; a dangling one is a fixture error.
    pub fn references(self) -> &'static [(&'static str, Kind)] {
        match self {
            Kind::Product | Kind::Catalog => &[],
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
        use Ty::*;
        const EPOCH: &str = FIXTURE_EPOCH;
        match self {
            Kind::Product => {
                const F: &[Field] = &[
                    req("id", Str),
                    req("name", Str),
                    opt("organization_id", OptStr, "null"),
                    opt("created_at", Time, EPOCH),
                ];
                F
            }
            Kind::Token => {
                const F: &[Field] = &[
                    req("id", Str),
                    req("product_id", Str),
                    req("name", Str),
                    req("token", Str),
                    opt("status", OneOf(TOKEN_STATUSES), "\"active\""),
                    opt("expires_at", OptTime, "null"),
                    opt("usage_count", Count, "0"),
                    opt("last_used_at", OptTime, "null"),
                    opt("created_at", Time, EPOCH),
                ];
                F
            }
            Kind::Catalog => {
                const F: &[Field] = &[
                    req("id", Str),
                    req("name", Str),
                    opt("description", Str, "\"\""),
                    opt("parameters", Object, "{}"),
                ];
                F
            }
            Kind::Agent => {
                const F: &[Field] = &[
                    req("id", Str),
                    req("product_id", Str),
                    req("name", Str),
                    opt("agent_id", OptStr, "null"),
                    opt("description", Str, "\"\""),
                    opt("is_active", Bool, "true"),
                    opt("active_version", OptStr, "null"),
                    opt("parameters", Object, "{}"),
                    opt("integrations", Strings, "[]"),
                    opt("created_at", Time, EPOCH),
                    opt("updated_at", Time, EPOCH),
                ];
                F
            }
            Kind::Execution => {
                const F: &[Field] = &[
                    req("id", Str),
                    req("agent_base_id", Str),
                    req("status", OneOf(EXECUTION_STATUSES)),
                    opt("workflow_base_id", OptStr, "null"),
                    opt("trigger_id", OptStr, "null"),
                    opt("trigger_type", OneOf(TRIGGER_TYPES), "\"manual\""),
                    opt("input", Object, "{}"),
                    opt("output", Any, "null"),
                    opt("error", OptStr, "null"),
                    opt("started_at", Time, EPOCH),
                    opt("finished_at", OptTime, "null"),
                    opt("duration_ms", Any, "null"),
                    opt("current_node", OptStr, "null"),
                ];
                F
            }
            Kind::Integration => {
                const F: &[Field] = &[
                    req("id", Str),
                    req("title", Str),
                    opt("product_id", OptStr, "null"),
                    opt("type", Str, "\"custom\""),
                    opt("settings", Object, "{}"),
                    opt("credentials", Object, "{}"),
                    opt("is_active", Bool, "true"),
                    opt("created_at", Time, EPOCH),
                    opt("updated_at", Time, EPOCH),
                ];
                F
            }
            Kind::Trigger => {
                const F: &[Field] = &[
                    req("id", Str),
                    req("agent_base_id", Str),
                    req("name", Str),
                    req("type", OneOf(TRIGGER_TYPES)),
                    opt("custom_path", OptStr, "null"),
                    opt("is_active", Bool, "true"),
                    opt("config", Object, "{}"),
                    opt("created_at", Time, EPOCH),
                ];
                F
            }
            Kind::Workflow => {
                const F: &[Field] = &[
                    req("id", Str),
                    req("name", Str),
                    opt("product_id", OptStr, "null"),
                    opt("agent_base_id", OptStr, "null"),
                    opt("description", Str, "\"\""),
                    opt("nodes", Nodes, "[]"),
                    opt("connections", Connections, "[]"),
                    opt("duration_ms", OptCount, "null"),
                    opt("created_at", Time, EPOCH),
                    opt("updated_at", Time, EPOCH),
                ];
                F
            }
            Kind::Document => {
                const F: &[Field] = &[
                    req("id", Str),
                    req("product_id", Str),
                    req("name", Str),
                    opt("description", Str, "\"\""),
                    opt("file_name", Str, "\"\""),
                    opt("file_type", Str, "\"txt\""),
                    opt("size_bytes", Count, "0"),
                    opt("status", OneOf(DOCUMENT_STATUSES), "\"completed\""),
                    opt("progress", Count, "100"),
                    opt("metadata", Object, "{}"),
                    opt("content", Str, "\"\""),
                    opt("created_at", Time, EPOCH),
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
            _ => {}
        }
    }
}

impl Ty {
    /// Whether `value` has this type.
    pub fn accepts(self, value: &Value) -> bool {
        match self {
            Ty::Str => value.is_string(),
            Ty::OptStr => value.is_string() || value.is_null(),
            Ty::Bool => value.is_boolean(),
            Ty::Object => value.is_object(),
            Ty::Nodes => every_item(value, |node| {
                node.get("id")
                    .and_then(Value::as_str)
                    .is_some_and(|id| !id.is_empty())
            }),
            Ty::Connections => every_item(value, |link| {
                ["from", "to"]
                    .iter()
                    .all(|end| link.get(*end).is_some_and(Value::is_string))
            }),
            Ty::Strings => value
                .as_array()
                .is_some_and(|a| a.iter().all(Value::is_string)),
            Ty::Count => value.is_u64(),
            Ty::OptCount => value.is_u64() || value.is_null(),
            Ty::Time => value
                .as_str()
                .is_some_and(|s| crate::clock::Timestamp::parse(s).is_some()),
            Ty::OptTime => value.is_null() || Ty::Time.accepts(value),
            Ty::OneOf(options) => value.as_str().is_some_and(|s| options.contains(&s)),
            Ty::Any => true,
        }
    }

    /// What this type expects, for error messages.
    pub fn describe(self) -> String {
        match self {
            Ty::Str => "a string".into(),
            Ty::OptStr => "a string or null".into(),
            Ty::Bool => "a boolean".into(),
            Ty::Object => "an object".into(),
            Ty::Nodes => "an array of objects, each with a non-empty string 'id'".into(),
            Ty::Connections => "an array of objects with string 'from' and 'to'".into(),
            Ty::Strings => "an array of strings".into(),
            Ty::Count => "a non-negative integer".into(),
            Ty::OptCount => "a non-negative integer or null".into(),
            Ty::Time => "an RFC 3339 timestamp such as \"2026-03-05T14:30:00Z\"".into(),
            Ty::OptTime => "an RFC 3339 timestamp or null".into(),
            Ty::OneOf(options) => format!(
                "one of {}",
                options
                    .iter()
                    .map(|o| format!("\"{o}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Ty::Any => "any JSON value".into(),
        }
    }
}

/// Whether `value` is an array whose items are all objects passing `check`.
fn every_item(value: &Value, check: impl Fn(&serde_json::Map<String, Value>) -> bool) -> bool {
    value
        .as_array()
        .is_some_and(|items| items.iter().all(|i| i.as_object().is_some_and(&check)))
}

/// Checks `record` against `kind`'s schema, filling defaults and derived fields.
///
/// On failure the message names the field and what it must be.
pub fn conform(kind: Kind, record: &mut Record) -> Result<(), String> {
    for field in kind.fields() {
        match (record.get(field.name), field.absent) {
            (None, Absent::Required) => {
                return Err(format!("missing required field '{}'", field.name));
            }
            (None, Absent::Default(literal)) => {
                let value = serde_json::from_str(literal)
                    .map_err(|e| format!("bad default for '{}': {e}", field.name))?;
                record.insert(field.name.to_owned(), value);
            }
            (Some(value), _) if !field.ty.accepts(value) => {
                return Err(format!(
                    "field '{}' must be {}",
                    field.name,
                    field.ty.describe()
                ));
            }
            (Some(_), _) => {}
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
        if let Some(Value::String(id)) = record.get_mut(field) {
            if let std::borrow::Cow::Owned(lower) = canonical_id(id) {
                *id = lower;
            }
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
