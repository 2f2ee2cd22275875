//! The one schema of everything the mock reads and answers: the fields of stored records
//! (`records`), of request bodies and query strings (declared on each operation's row), and
//! of the answers it builds ([`answers`]), all in one type system ([`Ty`], [`Field`]).
//!
//! One description serves three purposes: it validates what comes in (a fixture record, a
//! request body, a query parameter) with a message naming the field, it fills fixture
//! defaults, and it renders the JSON Schema of the OpenAPI document. A field's shape is
//! therefore changed in one place.

pub mod answers;
mod records;
pub mod template;

use std::borrow::Cow;

use serde_json::{Map, Value, json};

pub use answers::{Built, Shape};
pub use records::{
    AI_PREFERENCES, DOCUMENT_STATUSES, EXECUTION_STATUSES, FIXTURE_EPOCH, Kind, MCP_SCOPES,
    MCP_SETTINGS, TEMPLATE_NOTE, TEXT_FORMATS, TOKEN_ROLES, TOKEN_STATUSES, TRIGGER_TYPES, conform,
};

use crate::clock::Timestamp;
use crate::error::ApiError;

/// A stored record: a JSON object. Fields the mock does not know are kept as they are.
pub type Record = Map<String, Value>;

/// Whether `value` has the API token form `prodgy_[A-Za-z0-9_-]+`.
pub fn is_api_token(value: &str) -> bool {
    is_api_token_bytes(value.as_bytes())
}

/// [`is_api_token`] on raw bytes (a header value), which then are ASCII.
pub fn is_api_token_bytes(value: &[u8]) -> bool {
    value.strip_prefix(b"prodgy_").is_some_and(|rest| {
        // A fold, not `all`: every byte is checked, so the compiler can check many at once.
        !rest.is_empty()
            && rest.iter().fold(true, |ok, &b| {
                ok & (b.is_ascii_alphanumeric() | (b == b'_') | (b == b'-'))
            })
    })
}

/// `id` as stored: a UUID in upper or mixed case is lowered (UUIDs are case-insensitive, RFC
/// 9562), anything else is kept as it is. Allocates only for a UUID with upper-case digits.
pub fn canonical_id(id: &str) -> Cow<'_, str> {
    let bytes = id.as_bytes();
    // Most ids are lower case already: one quick scan decides (a fold, not `any`, so the
    // compiler can check many bytes at a time).
    if !bytes
        .iter()
        .fold(false, |seen, b| seen | b.is_ascii_uppercase())
    {
        return Cow::Borrowed(id);
    }
    let shaped = bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_hexdigit(),
        });
    if shaped && bytes.iter().any(u8::is_ascii_uppercase) {
        Cow::Owned(id.to_ascii_lowercase())
    } else {
        Cow::Borrowed(id)
    }
}

/// The JSON type a field must have (nullability is the field's, see [`Field::nullable`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    /// Any string.
    Str,
    /// A string with at least one non-blank character.
    Text,
    /// A string of at least one character (blanks allowed).
    NonEmpty,
    /// Tags: an array of strings, or one comma-separated string.
    Tags,
    /// `true` or `false`.
    Bool,
    /// A JSON object.
    Object,
    /// An array of strings.
    Strings,
    /// Any number.
    Number,
    /// A whole number of at least `min`.
    Int {
        /// The least value.
        min: u64,
    },
    /// An RFC 3339 timestamp.
    Time,
    /// One of the listed strings.
    OneOf(&'static [&'static str]),
    /// An array of strings, each one of the listed ones.
    SomeOf(&'static [&'static str]),
    /// A lower-case identifier: a letter, then letters, digits or `_` (`azure_devops`), at
    /// most 64 characters.
    Slug,
    /// Workflow nodes: objects with a non-empty string `id`.
    Nodes,
    /// Workflow connections: objects with string `from` and `to`.
    Connections,
    /// An object of these fields (others allowed).
    Shape(&'static [Field]),
    /// Any JSON value.
    Any,
    /// An output template: any JSON value whose strings use only known placeholders
    /// (checked by [`template::check`]).
    Template,
}

/// A non-negative integer.
pub const COUNT: Ty = Ty::Int { min: 0 };

/// Whether a field must be present.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// Refused without it.
    Required,
    /// May be left out.
    Optional,
    /// Filled with this JSON literal when left out (fixture records).
    Default(&'static str),
}

/// One field of a record, a body, a query string or an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// The JSON key (or query parameter name).
    pub name: &'static str,
    /// Its type.
    pub ty: Ty,
    /// Whether it must be present.
    pub presence: Presence,
    /// Whether `null` is a value of it.
    pub nullable: bool,
    /// A note for the OpenAPI document.
    pub note: Option<&'static str>,
    /// Another name clients may send it under (`q` for `query`).
    pub alias: Option<&'static str>,
}

/// A required field.
pub const fn req(name: &'static str, ty: Ty) -> Field {
    Field {
        name,
        ty,
        presence: Presence::Required,
        nullable: false,
        note: None,
        alias: None,
    }
}

/// An optional field, absent or `null` alike (as clients send it).
pub const fn opt(name: &'static str, ty: Ty) -> Field {
    Field {
        name,
        ty,
        presence: Presence::Optional,
        nullable: true,
        note: None,
        alias: None,
    }
}

/// A record field filled with the JSON literal `default` when a fixture leaves it out.
pub const fn dflt(name: &'static str, ty: Ty, default: &'static str) -> Field {
    Field {
        name,
        ty,
        presence: Presence::Default(default),
        nullable: false,
        note: None,
        alias: None,
    }
}

impl Field {
    /// The same field, where `null` is a value (`null` for "none").
    pub const fn or_null(mut self) -> Self {
        self.nullable = true;
        self
    }

    /// The same field, where `null` is not accepted.
    pub const fn not_null(mut self) -> Self {
        self.nullable = false;
        self
    }

    /// The same field with a note for the OpenAPI document.
    pub const fn noted(mut self, note: &'static str) -> Self {
        self.note = Some(note);
        self
    }

    /// The same field, also accepted under `alias`.
    pub const fn or_alias(mut self, alias: &'static str) -> Self {
        self.alias = Some(alias);
        self
    }

    /// Its value in `object`, under its name or its alias.
    pub fn get<'v>(&self, object: &'v Map<String, Value>) -> Option<&'v Value> {
        object
            .get(self.name)
            .or_else(|| self.alias.and_then(|a| object.get(a)))
    }

    /// Whether `value` is a value of this field.
    pub fn accepts(&self, value: &Value) -> bool {
        (self.nullable && value.is_null()) || self.ty.accepts(value)
    }

    /// What the field must be, for messages: "a string or null".
    pub fn describe(&self) -> String {
        let ty = self.ty.describe();
        if self.nullable {
            format!("{ty} or null")
        } else {
            ty
        }
    }

    /// The JSON Schema of its values.
    pub fn json_schema(&self) -> Value {
        let mut schema = self.ty.json_schema();
        if self.nullable {
            match schema.get("type").cloned() {
                Some(Value::String(ty)) => schema["type"] = json!([ty, "null"]),
                Some(Value::Array(mut types)) => {
                    types.push(json!("null"));
                    schema["type"] = Value::Array(types);
                }
                Some(_) => {}
                None if schema.as_object().is_some_and(Map::is_empty) => {}
                None => schema = json!({ "anyOf": [schema, { "type": "null" }] }),
            }
        }
        if let (Some(note), Value::Object(map)) = (self.note, &mut schema) {
            map.insert("description".into(), json!(note));
        }
        schema
    }
}

impl Ty {
    /// Whether `value` is of this type.
    pub fn accepts(self, value: &Value) -> bool {
        match self {
            Ty::Str => value.is_string(),
            Ty::Text => value.as_str().is_some_and(|s| !s.trim().is_empty()),
            Ty::NonEmpty => value.as_str().is_some_and(|s| !s.is_empty()),
            Ty::Tags => value.is_string() || Ty::Strings.accepts(value),
            Ty::Bool => value.is_boolean(),
            Ty::Object => value.is_object(),
            Ty::Strings => value
                .as_array()
                .is_some_and(|a| a.iter().all(Value::is_string)),
            Ty::Number => value.is_number(),
            Ty::Int { min } => whole(value).is_some_and(|n| n >= min),
            Ty::Time => value
                .as_str()
                .is_some_and(|s| Timestamp::parse(s).is_some()),
            Ty::OneOf(options) => value.as_str().is_some_and(|s| options.contains(&s)),
            Ty::SomeOf(options) => value.as_array().is_some_and(|items| {
                items
                    .iter()
                    .all(|item| item.as_str().is_some_and(|s| options.contains(&s)))
            }),
            Ty::Slug => value.as_str().is_some_and(is_slug),
            Ty::Nodes | Ty::Connections => value.is_array() && self.first_bad_item(value).is_none(),
            Ty::Shape(fields) => value
                .as_object()
                .is_some_and(|object| check_object(fields, object).is_ok()),
            Ty::Any => true,
            Ty::Template => template::check(value).is_ok(),
        }
    }

    /// What a value must be, for messages: "an array of strings".
    pub fn describe(self) -> String {
        match self {
            Ty::Str => "a string".into(),
            Ty::Text => "a non-empty string".into(),
            Ty::NonEmpty => "a string of at least one character".into(),
            Ty::Tags => "an array of strings or one comma-separated string".into(),
            Ty::Bool => "a boolean".into(),
            Ty::Object => "an object".into(),
            Ty::Strings => "an array of strings".into(),
            Ty::Number => "a number".into(),
            Ty::Int { min: 0 } => "a non-negative integer".into(),
            Ty::Int { min } => format!("a whole number from {min}"),
            Ty::Time => "an RFC 3339 timestamp such as \"2026-03-05T14:30:00Z\"".into(),
            Ty::OneOf(options) => format!(
                "one of {}",
                options
                    .iter()
                    .map(|o| format!("\"{o}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Ty::SomeOf(options) => format!(
                "an array of strings, each one of {}",
                options
                    .iter()
                    .map(|o| format!("\"{o}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Ty::Slug => {
                "a lower-case identifier such as \"azure_devops\" (a letter, then letters, \
                         digits or '_', at most 64)"
                    .into()
            }
            Ty::Nodes => "an array of objects, each with a non-empty string 'id'".into(),
            Ty::Connections => "an array of objects with string 'from' and 'to'".into(),
            Ty::Shape(fields) => format!(
                "an object with {}",
                fields
                    .iter()
                    .map(|f| format!("'{}' ({})", f.name, f.describe()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Ty::Any => "any JSON value".into(),
            Ty::Template => format!(
                "any JSON value whose strings use only the placeholders {}",
                template::PLACEHOLDERS
            ),
        }
    }

    /// The JSON Schema of this type.
    pub fn json_schema(self) -> Value {
        match self {
            Ty::Str => json!({ "type": "string" }),
            Ty::Text => json!({ "type": "string", "minLength": 1, "pattern": "\\S" }),
            Ty::NonEmpty => json!({ "type": "string", "minLength": 1 }),
            Ty::Tags => json!({ "type": ["array", "string"], "items": { "type": "string" } }),
            Ty::Bool => json!({ "type": "boolean" }),
            Ty::Object => json!({ "type": "object" }),
            Ty::Strings => json!({ "type": "array", "items": { "type": "string" } }),
            Ty::Number => json!({ "type": "number" }),
            Ty::Int { min } => json!({ "type": "integer", "minimum": min, "maximum": u64::MAX }),
            Ty::Time => json!({ "type": "string", "format": "date-time" }),
            Ty::OneOf(values) => json!({ "type": "string", "enum": values }),
            Ty::SomeOf(values) => {
                json!({ "type": "array", "items": { "type": "string", "enum": values } })
            }
            Ty::Slug => json!({ "type": "string", "pattern": "^[a-z][a-z0-9_]{0,63}$" }),
            Ty::Nodes => json!({
                "type": "array",
                "items": { "$ref": "#/components/schemas/WorkflowNode" },
                "description": "node ids must be unique; other node keys (type, config, …) are stored as sent",
            }),
            Ty::Connections => json!({
                "type": "array",
                "items": { "$ref": "#/components/schemas/WorkflowConnection" },
                "description": "from and to name nodes of the same record",
            }),
            Ty::Shape(fields) => object_schema(fields, false),
            Ty::Any | Ty::Template => json!({}),
        }
    }

    /// A message more precise than "must be …" for a `value` of this type stored at `name`,
    /// when it has one (the unknown placeholder of a template).
    pub fn problem(self, name: &str, value: &Value) -> Option<String> {
        match self {
            Ty::Template => template::check(value).err().map(|e| e.message(name)),
            _ => None,
        }
    }

    /// Reads a query parameter's text as a value of this type, when it is one.
    fn parse_query(self, text: &str) -> Option<Value> {
        let value = match self {
            Ty::Bool => match text {
                "true" => json!(true),
                "false" => json!(false),
                _ => return None,
            },
            Ty::Int { .. } => json!(parse_whole(text)?),
            Ty::Number => json!(text.parse::<f64>().ok()?),
            _ => json!(text),
        };
        self.accepts(&value).then_some(value)
    }
}

/// A whole number in a query string; `1.0` and `2e1` are read as the numbers they are (JSON
/// clients and generators send them so).
fn parse_whole(text: &str) -> Option<u64> {
    if let Ok(n) = text.parse::<u64>() {
        return Some(n);
    }
    let float: f64 = text.parse().ok()?;
    let whole = float.is_finite() && float >= 0.0 && float.fract() == 0.0;
    whole.then(|| format!("{float:.0}").parse().ok()).flatten()
}

impl Ty {
    /// For the arrays of objects (workflow nodes and connections): the index of the first item
    /// that is not a valid one, and what an item must be.
    fn first_bad_item(self, value: &Value) -> Option<(usize, &'static str)> {
        type Check = fn(&Map<String, Value>) -> bool;
        let (valid, what): (Check, &'static str) = match self {
            Ty::Nodes => (
                |node| {
                    node.get("id")
                        .and_then(Value::as_str)
                        .is_some_and(|id| !id.is_empty())
                },
                "an object with a non-empty string 'id'",
            ),
            Ty::Connections => (
                |link| {
                    ["from", "to"]
                        .iter()
                        .all(|end| link.get(*end).is_some_and(Value::is_string))
                },
                "an object with string 'from' and 'to'",
            ),
            _ => return None,
        };
        let items = value.as_array()?;
        let bad = items
            .iter()
            .position(|item| !item.as_object().is_some_and(valid))?;
        Some((bad, what))
    }
}

/// A whole number, also when a client sends it as `1.0`.
fn whole(value: &Value) -> Option<u64> {
    value.as_u64().or_else(|| {
        let float = value.as_f64()?;
        (float >= 0.0 && float.fract() == 0.0)
            .then(|| format!("{float:.0}").parse().ok())
            .flatten()
    })
}

/// Whether `text` is a [`Ty::Slug`]: a lower-case letter, then lower-case letters, digits or
/// `_`, 64 characters at most.
pub fn is_slug(text: &str) -> bool {
    let mut bytes = text.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_lowercase())
        && text.len() <= 64
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// "a string", "an array", … for messages about what was sent.
pub fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Checks `object` against `fields`: every required field present, every present field of
/// its type. Fields not listed are allowed (records keep fields the mock does not know). The
/// error names the first field that is wrong and what it must be.
pub fn check_object(fields: &[Field], object: &Map<String, Value>) -> Result<(), ApiError> {
    check_at("", fields, object)
}

/// [`check_object`] for the object at `prefix` (`filters.` for a nested one).
fn check_at(prefix: &str, fields: &[Field], object: &Map<String, Value>) -> Result<(), ApiError> {
    // Which fields the object names, from one pass over its (few) keys: an absent optional
    // field then costs no hash lookup.
    let mut named = 0u128;
    let known = fields.len() <= 128;
    if known {
        for key in object.keys() {
            for (i, field) in fields.iter().enumerate() {
                if field.name == key || field.alias == Some(key.as_str()) {
                    named |= 1 << i;
                }
            }
        }
    }
    for (i, field) in fields.iter().enumerate() {
        if known && named & (1 << i) == 0 && field.presence != Presence::Required {
            continue;
        }
        let name = || format!("{prefix}{}", field.name);
        match field.get(object) {
            None if field.presence == Presence::Required => {
                return Err(ApiError::missing_field(&name()));
            }
            Some(Value::Null) if field.presence == Presence::Required && !field.nullable => {
                return Err(ApiError::missing_field(&name()));
            }
            Some(Value::Object(inner)) if matches!(field.ty, Ty::Shape(_)) => {
                if let Ty::Shape(nested) = field.ty {
                    check_at(&format!("{}.", name()), nested, inner)?;
                }
            }
            Some(value) if !field.accepts(value) => return Err(refusal(&name(), field, value)),
            _ => {}
        }
    }
    Ok(())
}

/// The 400 for `value` of `field` (at `name`), naming the field (and the item, in an array of
/// objects).
fn refusal(name: &str, field: &Field, value: &Value) -> ApiError {
    if let Some(problem) = field.ty.problem(name, value) {
        return ApiError::bad_request(problem);
    }
    if let Some((index, what)) = field.ty.first_bad_item(value) {
        return ApiError::bad_request(format!("field '{name}[{index}]' must be {what}"));
    }
    let expected = match (field.ty, value) {
        // A blank string is told apart from a value that is no string at all.
        (Ty::Text, v) if !v.is_string() => "a string".to_owned(),
        _ => field.describe(),
    };
    ApiError::bad_request(format!(
        "field '{name}' must be {expected}, got {}",
        json_type(value)
    ))
}

/// Checks query parameters against `fields` (the first value of each name counts; an empty
/// value counts as absent) and returns the typed values of those present.
pub fn check_query(
    fields: &[Field],
    query: &[(Cow<'_, str>, Cow<'_, str>)],
) -> Result<Map<String, Value>, ApiError> {
    let mut typed = Map::new();
    for field in fields {
        let given = query
            .iter()
            .find(|(name, _)| name == field.name || Some(&**name) == field.alias)
            .map(|(_, value)| &**value)
            .filter(|value| !value.is_empty());
        let Some(text) = given else {
            if field.presence == Presence::Required {
                return Err(ApiError::bad_request(format!(
                    "missing required query parameter '{}'",
                    field.name
                )));
            }
            continue;
        };
        let value = field.ty.parse_query(text).ok_or_else(|| {
            ApiError::bad_request(format!(
                "query parameter '{}' must be {}, got '{}'",
                field.name,
                field.ty.describe(),
                text.chars().take(40).collect::<String>()
            ))
        })?;
        typed.insert(field.name.to_owned(), value);
    }
    Ok(typed)
}

/// The JSON Schema of an object with `fields` (others allowed); with `all_required`, every
/// field is listed as required (answers the mock always fills).
pub fn object_schema(fields: &[Field], all_required: bool) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for field in fields {
        properties.insert(field.name.to_owned(), field.json_schema());
        if all_required || field.presence == Presence::Required {
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

#[cfg(test)]
mod tests {
    use super::*;

    const FIELDS: &[Field] = &[
        req("name", Ty::Text),
        opt("limit", Ty::Int { min: 1 }),
        opt("tags", Ty::Strings),
        dflt("state", Ty::OneOf(&["on", "off"]), "\"on\"").or_null(),
    ];

    fn check(body: Value) -> Result<(), String> {
        let object = body.as_object().cloned().unwrap_or_default();
        check_object(FIELDS, &object).map_err(|e| e.message)
    }

    #[test]
    fn bodies_are_checked_field_by_field_with_the_field_named() {
        assert_eq!(check(json!({"name": "x"})), Ok(()));
        assert_eq!(
            check(json!({"name": "x", "limit": null, "other": 1})),
            Ok(())
        );
        assert_eq!(
            check(json!({})),
            Err("missing required field 'name'".into())
        );
        assert_eq!(
            check(json!({"name": " "})),
            Err("field 'name' must be a non-empty string, got a string".into())
        );
        assert_eq!(
            check(json!({"name": "x", "limit": 0})),
            Err("field 'limit' must be a whole number from 1 or null, got a number".into())
        );
        assert_eq!(
            check(json!({"name": "x", "state": "maybe"})),
            Err("field 'state' must be one of \"on\", \"off\" or null, got a string".into())
        );
    }

    #[test]
    fn query_values_are_typed_or_refused_naming_the_parameter() {
        let fields = [opt("active", Ty::Bool), opt("limit", Ty::Int { min: 1 })];
        let query = |pairs: &[(&str, &str)]| {
            let pairs: Vec<(Cow<str>, Cow<str>)> = pairs
                .iter()
                .map(|(k, v)| (Cow::Borrowed(*k), Cow::Borrowed(*v)))
                .collect();
            check_query(&fields, &pairs)
        };
        let typed = query(&[("active", "true"), ("limit", "1.0")]).expect("valid");
        assert_eq!(
            typed,
            json!({"active": true, "limit": 1})
                .as_object()
                .cloned()
                .expect("map")
        );
        let error = query(&[("active", "yes")]).expect_err("not a boolean");
        assert!(
            error.message.contains("'active' must be a boolean"),
            "{}",
            error.message
        );
        assert!(
            query(&[("active", "")])
                .expect("empty is absent")
                .is_empty()
        );
    }

    #[test]
    fn nullable_fields_render_as_type_lists() {
        let schema = opt("name", Ty::Str).json_schema();
        assert_eq!(schema, json!({"type": ["string", "null"]}));
        assert_eq!(req("any", Ty::Any).or_null().json_schema(), json!({}));
    }
}
