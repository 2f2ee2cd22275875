//! `prodgy-mock drift --spec swagger.json`: a vendor OpenAPI 3 (or Swagger 2) document
//! compared with the mock's own ([`crate::openapi::document`], made from the rows).
//!
//! Operations are matched by method and path, with the base path (`basePath`, or the path of
//! the first `servers` URL) put in front and parameter names ignored (`{productId}` matches
//! `{id}`). For each operation on both sides: the query parameters by name and type, the
//! request body's top-level fields by name and type, and the success answer's schema by
//! field path (`data[].is_active`) and type. `$ref`s are followed, `allOf` merged and `oneOf`
//! and `anyOf` joined. An operation the vendor document has, and does not itself mark
//! `x-inferred`, confirms an inferred row.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

use super::{Check, DriftError, Report};

/// How deep field paths are followed (`data[].nodes[].id` is four).
const MAX_DEPTH: usize = 4;
/// HTTP methods an OpenAPI path item may hold.
const METHODS: [&str; 7] = ["get", "put", "post", "delete", "patch", "head", "options"];

/// Compares the document at `path` with the mock's.
pub fn drift(path: &Path) -> Result<Report, DriftError> {
    let fail = |why: String| DriftError::Spec {
        path: path.to_owned(),
        why,
    };
    let text = std::fs::read_to_string(path).map_err(|e| fail(format!("cannot read: {e}")))?;
    let vendor: Value = serde_json::from_str(&text).map_err(|e| {
        fail(format!(
            "not JSON ({e}); a YAML document must be converted to JSON first"
        ))
    })?;
    if vendor.get("openapi").is_none() && vendor.get("swagger").is_none() {
        return Err(fail(
            "not an OpenAPI 3 or Swagger 2 document (it has no 'openapi' or 'swagger' key)".into(),
        ));
    }
    let ours = crate::openapi::document();
    Ok(compare(&vendor, &ours, path.display().to_string()))
}

/// The report of `vendor` against `ours`, naming the vendor document `name`.
pub fn compare(vendor: &Value, ours: &Value, name: String) -> Report {
    let mut report = Report::new("spec", name);
    let (theirs, mine) = (operations(vendor), operations(ours));
    let mut confirmed = Vec::new();
    for (key, op) in &mine {
        let Some(their) = theirs.get(key) else {
            report.differ(&op.name, Check::Operation, "", "(absent)", "present");
            continue;
        };
        report.compared += 1;
        if their.op.get("x-inferred") != Some(&Value::Bool(true)) {
            confirmed.push(op.name.clone());
        }
        parameters(&mut report, &op.name, (vendor, their), (ours, op));
        request(&mut report, &op.name, (vendor, their), (ours, op));
        response(&mut report, &op.name, (vendor, their), (ours, op));
    }
    for (key, op) in theirs.iter().filter(|(k, _)| !mine.contains_key(*k)) {
        let name = format!("{} {}", key.0, op.path);
        report.differ(&name, Check::Operation, "", "present", "(absent)");
    }
    let confirmed: Vec<&str> = crate::routes::OPERATIONS
        .iter()
        .filter(|row| confirmed.contains(&row.name.to_owned()))
        .map(|row| row.name)
        .collect();
    report.finish(&confirmed);
    report
}

/// One operation of a document.
#[derive(Debug)]
struct Op<'a> {
    /// Its operationId, or `METHOD /path`.
    name: String,
    /// Its full path, as written (with the base).
    path: String,
    /// The operation object.
    op: &'a Value,
    /// The path item's parameters, which the operation's override.
    shared: Option<&'a Value>,
}

/// The operations of `doc`, keyed by method and path with parameter names removed.
fn operations(doc: &Value) -> BTreeMap<(String, String), Op<'_>> {
    let base = base_path(doc);
    let mut out = BTreeMap::new();
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return out;
    };
    for (path, item) in paths {
        let full = format!("{base}{path}");
        let full = match full.trim_end_matches('/') {
            "" => "/".to_owned(),
            trimmed => trimmed.to_owned(),
        };
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let upper = method.to_ascii_uppercase();
            let name = op
                .get("operationId")
                .and_then(Value::as_str)
                .map_or_else(|| format!("{upper} {full}"), str::to_owned);
            let key = (upper, anonymous(&full));
            let shared = item.get("parameters");
            out.insert(
                key,
                Op {
                    name,
                    path: full.clone(),
                    op,
                    shared,
                },
            );
        }
    }
    out
}

/// The base path: Swagger 2's `basePath`, or the path of OpenAPI 3's first server URL.
fn base_path(doc: &Value) -> String {
    let base = match doc.get("basePath").and_then(Value::as_str) {
        Some(base) => base.to_owned(),
        None => {
            let url = doc
                .pointer("/servers/0/url")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
            match url.contains("://") {
                true => after_scheme
                    .find('/')
                    .map_or("", |i| &after_scheme[i..])
                    .to_owned(),
                false => url.to_owned(),
            }
        }
    };
    base.trim_end_matches('/').to_owned()
}

/// `path` with every `{name}` made `{}`.
fn anonymous(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut inside = false;
    for c in path.chars() {
        match c {
            '{' => {
                inside = true;
                out.push_str("{}");
            }
            '}' => inside = false,
            _ if inside => {}
            _ => out.push(c),
        }
    }
    out
}

/// Follows `value`'s `$ref` (within `doc`), a few times at most.
fn resolve<'a>(doc: &'a Value, mut value: &'a Value) -> &'a Value {
    for _ in 0..8 {
        let Some(reference) = value.get("$ref").and_then(Value::as_str) else {
            return value;
        };
        let Some(pointer) = reference.strip_prefix('#') else {
            return value;
        };
        match doc.pointer(pointer) {
            Some(target) => value = target,
            None => return &Value::Null,
        }
    }
    value
}

/// The parts of a schema's `allOf`, `oneOf` and `anyOf`.
fn composed(schema: &Value) -> impl Iterator<Item = &Value> {
    ["allOf", "oneOf", "anyOf"]
        .into_iter()
        .filter_map(|key| schema.get(key)?.as_array())
        .flatten()
}

/// The JSON types a schema names (`null` left out); empty when it says nothing.
fn types_of(doc: &Value, schema: &Value) -> BTreeSet<String> {
    let schema = resolve(doc, schema);
    let mut types: BTreeSet<String> = match schema.get("type") {
        Some(Value::String(ty)) => [ty.clone()].into(),
        Some(Value::Array(types)) => types
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => BTreeSet::new(),
    };
    for part in composed(schema) {
        types.extend(types_of(doc, part));
    }
    if types.is_empty() && schema.get("properties").is_some() {
        types.insert("object".into());
    }
    if types.is_empty() && schema.get("items").is_some() {
        types.insert("array".into());
    }
    types.remove("null");
    types
}

/// Field path → types, for every property under `schema` (`data[].id`), to [`MAX_DEPTH`].
fn flatten(
    doc: &Value,
    schema: &Value,
    prefix: &str,
    depth: usize,
    out: &mut BTreeMap<String, BTreeSet<String>>,
) {
    let schema = resolve(doc, schema);
    if !prefix.is_empty() {
        out.entry(prefix.to_owned())
            .or_default()
            .extend(types_of(doc, schema));
    }
    if depth >= MAX_DEPTH {
        return;
    }
    for part in composed(schema) {
        flatten(doc, part, prefix, depth, out);
    }
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        for (name, property) in properties {
            let path = match prefix {
                "" => name.clone(),
                _ => format!("{prefix}.{name}"),
            };
            flatten(doc, property, &path, depth + 1, out);
        }
    }
    if let Some(items) = schema.get("items") {
        flatten(doc, items, &format!("{prefix}[]"), depth, out);
    }
}

/// The query parameters of an operation: name → types.
fn query_parameters(doc: &Value, op: &Op<'_>) -> BTreeMap<String, BTreeSet<String>> {
    let mut out = BTreeMap::new();
    let lists = [op.shared, op.op.get("parameters")];
    for param in lists
        .into_iter()
        .flatten()
        .filter_map(Value::as_array)
        .flatten()
    {
        let param = resolve(doc, param);
        if param.get("in").and_then(Value::as_str) != Some("query") {
            continue;
        }
        let Some(name) = param.get("name").and_then(Value::as_str) else {
            continue;
        };
        let schema = param.get("schema").unwrap_or(param);
        out.insert(name.to_owned(), types_of(doc, schema));
    }
    out
}

/// Reports names on one side only, and names whose types differ, as `check` at `prefix`.
fn fields_differ(
    report: &mut Report,
    operation: &str,
    check: Check,
    prefix: &str,
    theirs: &BTreeMap<String, BTreeSet<String>>,
    ours: &BTreeMap<String, BTreeSet<String>>,
) {
    let join = |types: &BTreeSet<String>| match types.is_empty() {
        true => "any".to_owned(),
        false => types.iter().cloned().collect::<Vec<_>>().join(" or "),
    };
    let at = |name: &str| format!("{prefix}{name}");
    for (name, types) in theirs {
        match ours.get(name) {
            None => report.differ(operation, check, at(name), join(types), "(absent)"),
            Some(mine) if !types.is_empty() && !mine.is_empty() && mine != types => {
                let check = if check == Check::Field {
                    Check::Type
                } else {
                    check
                };
                report.differ(operation, check, at(name), join(types), join(mine));
            }
            Some(_) => {}
        }
    }
    for (name, types) in ours.iter().filter(|(n, _)| !theirs.contains_key(*n)) {
        report.differ(operation, check, at(name), "(absent)", join(types));
    }
}

type Side<'d, 'a> = (&'d Value, &'a Op<'d>);

fn parameters(
    report: &mut Report,
    name: &str,
    (vdoc, theirs): Side<'_, '_>,
    (odoc, ours): Side<'_, '_>,
) {
    let (a, b) = (query_parameters(vdoc, theirs), query_parameters(odoc, ours));
    fields_differ(report, name, Check::Parameter, "query.", &a, &b);
}

/// The top-level fields of an operation's request body (`None`: it takes none).
fn body_fields(doc: &Value, op: &Op<'_>) -> Option<BTreeMap<String, BTreeSet<String>>> {
    let mut out = BTreeMap::new();
    if let Some(body) = op.op.get("requestBody") {
        let content = resolve(doc, body).get("content")?;
        let media = ["application/json", "multipart/form-data"]
            .iter()
            .find_map(|m| content.get(*m))
            .or_else(|| content.as_object()?.values().next())?;
        let schema = resolve(doc, media.get("schema")?);
        for (name, property) in schema.get("properties").and_then(Value::as_object)? {
            out.insert(name.clone(), types_of(doc, property));
        }
        return Some(out);
    }
    let params = op.op.get("parameters").and_then(Value::as_array)?;
    for param in params.iter().map(|p| resolve(doc, p)) {
        match param.get("in").and_then(Value::as_str) {
            Some("body") => {
                let mut fields = BTreeMap::new();
                flatten(doc, param.get("schema")?, "", MAX_DEPTH - 1, &mut fields);
                out.extend(fields);
            }
            Some("formData") => {
                let name = param.get("name").and_then(Value::as_str)?;
                out.insert(name.to_owned(), types_of(doc, param));
            }
            _ => {}
        }
    }
    (!out.is_empty()).then_some(out)
}

fn request(
    report: &mut Report,
    name: &str,
    (vdoc, theirs): Side<'_, '_>,
    (odoc, ours): Side<'_, '_>,
) {
    match (body_fields(vdoc, theirs), body_fields(odoc, ours)) {
        (None, None) => {}
        (Some(_), None) => report.differ(name, Check::Request, "body", "present", "(absent)"),
        (None, Some(_)) => report.differ(name, Check::Request, "body", "(absent)", "present"),
        (Some(a), Some(b)) => fields_differ(report, name, Check::Request, "body.", &a, &b),
    }
}

/// The success status codes an operation declares.
fn successes(op: &Op<'_>) -> Vec<String> {
    op.op
        .get("responses")
        .and_then(Value::as_object)
        .map(|r| r.keys().filter(|k| k.starts_with('2')).cloned().collect())
        .unwrap_or_default()
}

/// The field paths of the answer with `status`: OpenAPI 3 `content`, or Swagger 2 `schema`.
fn answer_fields(doc: &Value, op: &Op<'_>, status: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut out = BTreeMap::new();
    let Some(answer) = op.op.get("responses").and_then(|r| r.get(status)) else {
        return out;
    };
    let answer = resolve(doc, answer);
    let schema = match answer.get("content") {
        Some(content) => content
            .get("application/json")
            .or_else(|| content.as_object().and_then(|c| c.values().next()))
            .and_then(|media| media.get("schema")),
        None => answer.get("schema"),
    };
    if let Some(schema) = schema {
        flatten(doc, schema, "", 0, &mut out);
    }
    out
}

fn response(
    report: &mut Report,
    name: &str,
    (vdoc, theirs): Side<'_, '_>,
    (odoc, ours): Side<'_, '_>,
) {
    let (vendor, mock) = (successes(theirs), successes(ours));
    let Some(status) = mock.first() else { return };
    if !vendor.contains(status) {
        let said = match vendor.is_empty() {
            true => "(none)".to_owned(),
            false => vendor.join(", "),
        };
        report.differ(name, Check::Status, "success", said, status.clone());
    }
    let their_status = vendor.iter().find(|s| *s == status).or(vendor.first());
    let Some(their_status) = their_status else {
        return;
    };
    let (a, b) = (
        answer_fields(vdoc, theirs, their_status),
        answer_fields(odoc, ours, status),
    );
    fields_differ(report, name, Check::Field, "", &a, &b);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_match_whatever_their_parameters_are_called() {
        assert_eq!(
            anonymous("/api/agent-base/{productId}/x/{id}"),
            "/api/agent-base/{}/x/{}"
        );
        let swagger =
            json!({"swagger": "2.0", "basePath": "/api/", "paths": {"/agent-base": {"get": {}}}});
        let ops = operations(&swagger);
        assert!(ops.contains_key(&("GET".to_owned(), "/api/agent-base".to_owned())));
        let servers = json!({"openapi": "3.0.0", "servers": [{"url": "https://x.prodgy.app/api"}], "paths": {}});
        assert_eq!(base_path(&servers), "/api");
    }

    #[test]
    fn the_mocks_own_document_shows_no_drift() {
        let ours = crate::openapi::document();
        let report = compare(&ours, &ours, "self".into());
        assert!(report.differences.is_empty(), "{:?}", report.differences);
        assert!(
            report.confirmed.is_empty(),
            "x-inferred rows confirm nothing"
        );
        assert!(report.compared > 40);
    }
}
