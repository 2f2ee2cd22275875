//! The OpenAPI 3.1 document of every endpoint the mock emulates, generated from the same
//! route table the router uses (so the two cannot drift), served at `/swagger.json` and
//! printed by `prodgy-mock openapi`.

use hyper::{Method, Response, StatusCode};
use serde_json::{Map, Value, json};

use crate::envelope::{self, Body};
use crate::routes::{Access, BodyKind, Op, ROUTES, RouteDef};
use crate::schema::Ty;
use crate::store::Kind;

mod answers;
mod bodies;

use answers::{Answer, answer};

/// The document, as JSON.
pub fn document() -> Value {
    let mut paths = Map::new();
    for def in ROUTES {
        let item = paths
            .entry(def.path.to_owned())
            .or_insert_with(|| json!({}));
        if let Value::Object(item) = item {
            item.insert(def.method.as_str().to_ascii_lowercase(), operation(def));
        }
    }
    let mut schemas = Map::new();
    for kind in Kind::ALL {
        schemas.insert(schema_name(kind).to_owned(), resource_schema(kind));
    }
    schemas.extend(answers::schemas());
    schemas.extend(bodies::workflow_schemas());
    schemas.insert("Error".into(), error_schema());
    schemas.insert("Pagination".into(), pagination_schema());
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Prodgy REST API (prodgy-mock)",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The endpoints prodgy-mock emulates. Shapes marked INFERRED in the reference are the mock's choices.",
        },
        "servers": [{ "url": "/" }],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "apiToken": { "type": "apiKey", "in": "header", "name": "X-API-Token" },
                "bearer": { "type": "http", "scheme": "bearer" },
            },
        },
    })
}

/// Answers `GET /swagger.json` (and `/openapi.json`); `None` for any other request.
pub fn serve(method: &Method, path: &str) -> Option<Response<Body>> {
    if !matches!(path, "/swagger.json" | "/openapi.json")
        || !matches!(*method, Method::GET | Method::HEAD)
    {
        return None;
    }
    let bytes = serde_json::to_vec(&document()).unwrap_or_default();
    Some(envelope::json(StatusCode::OK, bytes))
}

fn operation(def: &RouteDef) -> Value {
    let mut op = json!({
        "operationId": def.name,
        "summary": def.summary,
        "tags": [def.name.split('.').next().unwrap_or("api")],
        "parameters": parameters(def),
        "responses": responses(def),
    });
    if let (Value::Object(map), Some(body)) = (&mut op, request_body(def)) {
        map.insert("requestBody".into(), body);
    }
    if let Value::Object(map) = &mut op {
        let security = match def.access {
            Access::Token => json!([{ "apiToken": [] }, { "bearer": [] }]),
            Access::OptionalToken => json!([{}, { "apiToken": [] }, { "bearer": [] }]),
            Access::Platform => json!([]),
        };
        map.insert("security".into(), security);
    }
    op
}

fn parameters(def: &RouteDef) -> Vec<Value> {
    let mut params: Vec<Value> = def
        .path
        .split('/')
        .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } }))
        .collect();
    if matches!(answer(def.op), Answer::Page(_)) {
        for name in ["page", "pageSize", "limit"] {
            params.push(json!({ "name": name, "in": "query", "required": false, "schema": { "type": "integer", "minimum": 1, "maximum": u64::MAX } }));
        }
    }
    for field in bodies::query_fields(def.name) {
        params.push(json!({
            "name": field.name, "in": "query", "required": field.required,
            "schema": bodies::field_schema(field.ty),
        }));
    }
    if answer(def.op) == Answer::Events {
        params.push(json!({
            "name": "Last-Event-ID", "in": "header", "required": false,
            "description": "resume after this event id (the `id:` of an event already received)",
            "schema": { "type": "integer", "minimum": 0, "maximum": u64::MAX },
        }));
    }
    params.push(json!({
        "name": "X-Organization-Id", "in": "header", "required": false,
        "schema": { "type": "string", "format": "uuid" },
    }));
    params
}

fn request_body(def: &RouteDef) -> Option<Value> {
    match def.body {
        BodyKind::None => None,
        BodyKind::Json => Some(json!({
            "required": bodies::required(def.name),
            "content": { "application/json": { "schema": bodies::schema(def.name) } },
        })),
        BodyKind::Multipart => Some(json!({
            "required": true,
            "content": { "multipart/form-data": { "schema": {
                "type": "object",
                "properties": { "file": { "type": "string", "format": "binary" } },
                "required": ["file"],
            } } },
        })),
    }
}

/// How the event stream is framed (see `routes::events`).
const EVENTS: &str = "Server-sent events, one frame per event: `id: <n>` (a whole number, \
increasing), `event: <name>` and `data: <one JSON object>`, then a blank line. Events: \
`status` {execution_id, status, at}; `node` {execution_id, node, index, total, at}; and last \
`done` {execution_id, status, finished_at, output, error}, after which the stream closes. \
Send `Last-Event-ID` to resume after an event. Errors (401, 404, 400) are JSON envelopes.";

fn responses(def: &RouteDef) -> Value {
    let json_content = |schema: Value| json!({ "application/json": { "schema": schema } });
    let ok = match answer(def.op) {
        Answer::Events => json!({
            "description": EVENTS,
            "content": { "text/event-stream": { "schema": { "type": "string" } } },
        }),
        Answer::EventOrChallenge => json!({
            "description": "The envelope for an event; Slack's url_verification is answered with its bare challenge",
            "content": json_content(json!({ "oneOf": [
                envelope(reference("CommunicatorEvent"), false),
                reference("SlackChallenge"),
            ] })),
        }),
        Answer::One(name) => json!({
            "description": "Success",
            "content": json_content(envelope(reference(name), false)),
        }),
        Answer::Page(name) => json!({
            "description": "One page of the list",
            "content": json_content(envelope(array_of(name), true)),
        }),
        Answer::All(name) => json!({
            "description": "Every match",
            "content": json_content(envelope(array_of(name), false)),
        }),
    };
    // The operations whose handlers answer 201 Created; every other success is 200.
    let created = matches!(
        def.op,
        Op::AgentsInstall
            | Op::WorkflowBaseCreate
            | Op::IntegrationCreate
            | Op::KnowledgeUpload
            | Op::TokenCreate
    );
    let status = if created { "201" } else { "200" };
    let error =
        json!({ "description": "Error envelope", "content": json_content(reference("Error")) });
    let mut map = Map::new();
    map.insert(status.into(), ok);
    for code in ["400", "401", "404", "413", "429", "500"] {
        map.insert(code.into(), error.clone());
    }
    // Changing a record every workspace shares, with a workspace token.
    let guarded = matches!(
        def.op,
        Op::IntegrationUpdate
            | Op::IntegrationDelete
            | Op::WorkflowBaseUpdate
            | Op::WorkflowBasesUpdate
            | Op::WorkflowBaseDelete
            | Op::WorkflowBasesDelete
    );
    if guarded {
        map.insert("403".into(), error.clone());
    }
    if def.op == Op::WorkflowEvents {
        map.insert(
            "204".into(),
            json!({ "description": "The execution has finished and Last-Event-ID names its last event: nothing more will come, and an EventSource stops reconnecting" }),
        );
    }
    map.insert(
        "503".into(),
        json!({ "description": "Too many namespaces (X-Mock-Namespace)", "content": json_content(reference("Error")) }),
    );
    Value::Object(map)
}

/// The success envelope around `data`, with the `pagination` of a page.
fn envelope(data: Value, paged: bool) -> Value {
    let mut properties = json!({
        "success": { "type": "boolean", "const": true },
        "message": { "type": "string" },
        "data": data,
    });
    let mut required = vec!["success", "message", "data"];
    if paged {
        properties["pagination"] = reference("Pagination");
        required.push("pagination");
    }
    json!({ "type": "object", "required": required, "properties": properties })
}

fn reference(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn array_of(name: &str) -> Value {
    json!({ "type": "array", "items": reference(name) })
}

fn schema_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Product => "Product",
        Kind::Catalog => "CatalogAgent",
        Kind::Token => "ApiToken",
        Kind::Agent => "Agent",
        Kind::Execution => "Execution",
        Kind::Integration => "Integration",
        Kind::Trigger => "Trigger",
        Kind::Workflow => "WorkflowBase",
        Kind::Document => "KnowledgeDocument",
    }
}

fn resource_schema(kind: Kind) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for field in kind.fields() {
        properties.insert(field.name.to_owned(), type_schema(field.ty));
        if !withheld(kind).contains(&field.name) {
            required.push(field.name);
        }
    }
    for (name, schema) in derived(kind) {
        properties.insert(name.to_owned(), schema);
        required.push(name);
    }
    json!({ "type": "object", "required": required, "properties": properties, "additionalProperties": true })
}

/// Fields stored on every record (defaults fill them) that responses still leave out: a
/// token's secret outside create and regenerate, a document's extracted text.
fn withheld(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Token => &["token"],
        Kind::Document => &["content"],
        _ => &[],
    }
}

/// The fields [`Kind::derive`] adds to every stored record of `kind`.
fn derived(kind: Kind) -> Vec<(&'static str, Value)> {
    match kind {
        Kind::Integration => vec![(
            "scope",
            json!({ "type": "string", "enum": ["local", "global"] }),
        )],
        Kind::Token => vec![
            ("prefix", json!({ "type": "string" })),
            ("is_active", json!({ "type": "boolean" })),
        ],
        _ => Vec::new(),
    }
}

fn type_schema(ty: Ty) -> Value {
    match ty {
        Ty::Str => json!({ "type": "string" }),
        Ty::OptStr => json!({ "type": ["string", "null"] }),
        Ty::Bool => json!({ "type": "boolean" }),
        Ty::Object => json!({ "type": "object" }),
        Ty::Nodes => bodies::field_schema(bodies::FieldTy::Nodes),
        Ty::Connections => bodies::field_schema(bodies::FieldTy::Connections),
        Ty::Strings => json!({ "type": "array", "items": { "type": "string" } }),
        Ty::Count => json!({ "type": "integer", "minimum": 0 }),
        Ty::OptCount => json!({ "type": ["integer", "null"], "minimum": 0 }),
        Ty::Time => json!({ "type": "string", "format": "date-time" }),
        Ty::OptTime => json!({ "type": ["string", "null"], "format": "date-time" }),
        Ty::OneOf(values) => json!({ "type": "string", "enum": values }),
        Ty::Any => json!({}),
    }
}

fn error_schema() -> Value {
    json!({
        "type": "object",
        "required": ["success", "message"],
        "properties": {
            "success": { "const": false },
            "error": { "type": "string" },
            "message": { "type": "string" },
        },
    })
}

fn pagination_schema() -> Value {
    json!({
        "type": "object",
        "required": ["page", "pageSize", "total", "totalPages"],
        "properties": {
            "page": { "type": "integer" }, "pageSize": { "type": "integer" },
            "total": { "type": "integer" }, "totalPages": { "type": "integer" },
        },
    })
}
