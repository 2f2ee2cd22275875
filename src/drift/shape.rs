//! What drift compares of an answer: the JSON kind of each value, the fields of `data`, and
//! the fields the mock answers for a shape (its schema, and the fields its shipped fixtures
//! carry beyond it, which it answers too).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::{Check, Report};
use crate::fixtures::FixtureSet;
use crate::schema::{Kind, Shape, Ty};

/// The JSON kind of `value`, as JSON Schema names it (`integer` for whole numbers).
pub fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Field name → the kinds its values have, over an object or every object of an array.
pub fn fields(data: &Value) -> BTreeMap<String, BTreeSet<&'static str>> {
    let mut fields: BTreeMap<String, BTreeSet<&'static str>> = BTreeMap::new();
    let objects: Vec<&serde_json::Map<String, Value>> = match data {
        Value::Object(object) => vec![object],
        Value::Array(items) => items.iter().filter_map(Value::as_object).collect(),
        _ => Vec::new(),
    };
    for object in objects {
        for (name, value) in object {
            fields
                .entry(name.clone())
                .or_default()
                .insert(kind_of(value));
        }
    }
    fields
}

/// What the mock answers for one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declared {
    /// The kinds its values may have (`None`: any).
    pub kinds: Option<BTreeSet<&'static str>>,
    /// Whether it may be `null`.
    pub nullable: bool,
    /// Whether every answer has it.
    pub always: bool,
}

/// The JSON kinds a value of `ty` has (`None`: any).
pub fn ty_kinds(ty: Ty) -> Option<BTreeSet<&'static str>> {
    let kinds: &[&'static str] = match ty {
        Ty::Str | Ty::Text | Ty::NonEmpty | Ty::Time | Ty::OneOf(_) | Ty::Slug => &["string"],
        Ty::Tags => &["array", "string"],
        Ty::Bool => &["boolean"],
        Ty::Object | Ty::Shape(_) => &["object"],
        Ty::Strings | Ty::SomeOf(_) | Ty::Nodes | Ty::Connections => &["array"],
        Ty::Number => &["integer", "number"],
        Ty::Int { .. } => &["integer"],
        Ty::Any | Ty::Template => return None,
    };
    Some(kinds.iter().copied().collect())
}

/// The fields the mock answers for `shape`.
pub fn declared(shape: Shape, builtin: &FixtureSet) -> BTreeMap<String, Declared> {
    let mut out = BTreeMap::new();
    match shape {
        Shape::Built(built) => {
            for field in built.fields {
                let declared = Declared {
                    kinds: ty_kinds(field.ty),
                    nullable: field.nullable,
                    always: true,
                };
                out.insert(field.name.to_owned(), declared);
            }
        }
        Shape::Resource(kind) => {
            for field in kind.fields().iter().chain(kind.derived_fields()) {
                if kind.withheld().contains(&field.name) {
                    continue;
                }
                let declared = Declared {
                    kinds: ty_kinds(field.ty),
                    nullable: field.nullable,
                    always: true,
                };
                out.insert(field.name.to_owned(), declared);
            }
            shipped_extras(kind, builtin, &mut out);
        }
    }
    out
}

/// Adds the fields the shipped fixtures of `kind` carry beyond its schema (the mock answers
/// them), with the kinds seen, as sometimes present.
fn shipped_extras(kind: Kind, builtin: &FixtureSet, out: &mut BTreeMap<String, Declared>) {
    for record in builtin.records(kind) {
        for (name, value) in record.record() {
            if out.get(&name).is_some_and(|d| d.always) || kind.withheld().contains(&&*name) {
                continue;
            }
            let entry = out.entry(name).or_insert(Declared {
                kinds: Some(BTreeSet::new()),
                nullable: false,
                always: false,
            });
            match kind_of(&value) {
                "null" => entry.nullable = true,
                seen => {
                    if let Some(kinds) = entry.kinds.as_mut() {
                        kinds.insert(seen);
                    }
                }
            }
        }
    }
}

/// The kinds of a set, for a report: `string`, `boolean or null`.
pub fn describe(kinds: &BTreeSet<&'static str>) -> String {
    kinds.iter().copied().collect::<Vec<_>>().join(" or ")
}

/// Compares the `data` an upstream answered for `operation` with what the mock answers for
/// `shape`: fields on one side only, and values of a kind the mock never answers there.
pub fn compare_data(
    report: &mut Report,
    operation: &str,
    data: &Value,
    shape: Shape,
    builtin: &FixtureSet,
) {
    let (at, empty) = match data {
        Value::Array(items) => ("data[]", items.is_empty()),
        _ => ("data", false),
    };
    if empty || !(data.is_object() || data.is_array()) {
        return;
    }
    let seen = fields(data);
    let mock = declared(shape, builtin);
    for (name, kinds) in &seen {
        let location = format!("{at}.{name}");
        let Some(declared) = mock.get(name) else {
            report.differ(
                operation,
                Check::Field,
                location,
                describe(kinds),
                "(absent)",
            );
            continue;
        };
        let wrong: BTreeSet<&'static str> = kinds
            .iter()
            .copied()
            .filter(|k| match (*k, &declared.kinds) {
                ("null", _) => !declared.nullable,
                (_, None) => false,
                (kind, Some(allowed)) => !allowed.contains(kind),
            })
            .collect();
        if !wrong.is_empty() {
            let mut mock_kinds = declared.kinds.clone().unwrap_or_default();
            if declared.nullable {
                mock_kinds.insert("null");
            }
            report.differ(
                operation,
                Check::Type,
                location,
                describe(&wrong),
                describe(&mock_kinds),
            );
        }
    }
    for (name, declared) in mock.iter().filter(|(_, d)| d.always) {
        if !seen.contains_key(name) {
            let kinds = declared
                .kinds
                .as_ref()
                .map_or_else(|| "any".to_owned(), describe);
            report.differ(
                operation,
                Check::Field,
                format!("{at}.{name}"),
                "(absent)",
                kinds,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fields_of_a_list_collect_every_kind_seen() {
        let data = json!([{"a": 1, "b": null}, {"a": 1.5, "c": "x"}]);
        let fields = fields(&data);
        assert_eq!(describe(&fields["a"]), "integer or number");
        assert_eq!(describe(&fields["b"]), "null");
        assert_eq!(fields.len(), 3);
    }

    #[test]
    fn an_agent_with_an_extra_field_and_a_string_flag_differs_twice() {
        let builtin = FixtureSet::builtin().expect("shipped fixtures");
        let mut agent = json!({});
        for (name, declared) in declared(Shape::Resource(Kind::Agent), &builtin) {
            let value = match declared.kinds.as_ref().and_then(|k| k.first().copied()) {
                Some("boolean") => json!(true),
                Some("object") => json!({}),
                Some("array") => json!([]),
                _ => json!("text"),
            };
            if declared.always {
                agent[name] = value;
            }
        }
        let mut report = Report::new("live", "test".into());
        let shape = Shape::Resource(Kind::Agent);
        compare_data(&mut report, "agents.get", &agent, shape, &builtin);
        assert!(report.differences.is_empty(), "{:?}", report.differences);
        agent["color"] = json!("teal");
        agent["is_active"] = json!("yes");
        compare_data(&mut report, "agents.get", &agent, shape, &builtin);
        let found: Vec<(Check, &str, &str, &str)> = report
            .differences
            .iter()
            .map(|d| (d.check, &*d.location, &*d.upstream, &*d.mock))
            .collect();
        assert_eq!(
            found,
            [
                (Check::Field, "data.color", "string", "(absent)"),
                (Check::Type, "data.is_active", "string", "boolean"),
            ]
        );
    }
}
