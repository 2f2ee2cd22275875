//! The OpenAPI 3.1 document of every endpoint the mock emulates, served at `/swagger.json` and
//! printed by `prodgy-mock openapi`. Every part of it is derived: operations, parameters,
//! bodies, statuses and answers from the operation rows ([`OPERATIONS`]), components from the
//! schema ([`crate::schema`]). Nothing here knows a route by its path.
//!
//! Two extensions carry what the contract test needs: `x-business-rule` (a documented 400 that
//! no schema can express) and the `text/event-stream` answer of streams. A third,
//! `x-inferred: true`, marks the operations whose path the reference could only infer (drift
//! lists them as unverified until an upstream confirms them).

use hyper::{Method, Response, StatusCode};
use serde_json::{Map, Value, json};

use crate::envelope::{self, Body as ResponseBody};
use crate::routes::{Access, Answer, Body, OPERATIONS, Operation, Paging, Source};
use crate::schema::{self, Kind, Shape, answers, object_schema};

/// The document, as JSON.
pub fn document() -> Value {
    let mut paths = Map::new();
    for op in OPERATIONS {
        let item = paths.entry(op.path.to_owned()).or_insert_with(|| json!({}));
        if let Value::Object(item) = item {
            item.insert(op.method.as_str().to_ascii_lowercase(), operation(op));
        }
    }
    let mut schemas = Map::new();
    // Integration templates are served by the MCP gateway only: the document stays REST's.
    for kind in Kind::ALL
        .into_iter()
        .filter(|k| *k != Kind::IntegrationTemplate)
    {
        schemas.insert(kind.schema_name().to_owned(), kind.json_schema());
    }
    for built in answers::ALL {
        schemas.insert(built.name.to_owned(), built.json_schema());
    }
    schemas.insert("Error".into(), error_schema());
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

/// Answers `GET /swagger.json` (and `/openapi.json`, and `HEAD`); `None` for any other
/// request.
pub fn serve(method: &Method, path: &str) -> Option<Response<ResponseBody>> {
    if !matches!(path, "/swagger.json" | "/openapi.json")
        || !matches!(*method, Method::GET | Method::HEAD)
    {
        return None;
    }
    let bytes = serde_json::to_vec(&document()).unwrap_or_default();
    Some(envelope::json(StatusCode::OK, bytes))
}

fn operation(op: &Operation) -> Value {
    let mut doc = Map::new();
    doc.insert("operationId".into(), json!(op.name));
    doc.insert("summary".into(), json!(op.summary));
    doc.insert(
        "tags".into(),
        json!([op.name.split('.').next().unwrap_or("api")]),
    );
    doc.insert("parameters".into(), Value::Array(parameters(op)));
    if let Some(body) = request_body(op) {
        doc.insert("requestBody".into(), body);
    }
    doc.insert("responses".into(), responses(op));
    let security = match op.access {
        Access::Token => json!([{ "apiToken": [] }, { "bearer": [] }]),
        Access::OptionalToken => json!([{}, { "apiToken": [] }, { "bearer": [] }]),
        Access::Platform => json!([]),
    };
    doc.insert("security".into(), security);
    if let Some(rule) = op.business_rule {
        doc.insert("x-business-rule".into(), json!(rule));
    }
    if op.source == Source::Inferred {
        doc.insert("x-inferred".into(), json!(true));
    }
    Value::Object(doc)
}

/// The paging parameters of a list paged by `paging`.
fn paging_parameters(paging: Paging) -> Vec<Value> {
    let int = || schema::Ty::Int { min: 1 }.json_schema();
    let described = |text: String| {
        let mut schema = int();
        schema["description"] = json!(text);
        schema
    };
    let sizes = format!(
        "default {}; larger than {} is read as {}",
        paging.default_size, paging.max_size, paging.max_size
    );
    vec![
        json!({ "name": "page", "in": "query", "required": false,
                "schema": described("1-based; default 1".into()) }),
        json!({ "name": "pageSize", "in": "query", "required": false,
                "schema": described(sizes) }),
        json!({ "name": "limit", "in": "query", "required": false,
                "schema": described("a synonym of pageSize".into()) }),
    ]
}

fn parameters(op: &Operation) -> Vec<Value> {
    let mut params = Vec::new();
    if let Some(name) = op.param_name() {
        params.push(
            json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } }),
        );
    }
    for field in op.query {
        let mut schema = field.ty.json_schema();
        if let (Some(note), Value::Object(map)) = (field.note, &mut schema) {
            map.insert("description".into(), json!(note));
        }
        params.push(json!({
            "name": field.name, "in": "query",
            "required": field.presence == schema::Presence::Required,
            "schema": schema,
        }));
    }
    if let Answer::List(_) = op.answer {
        params.extend(paging_parameters(op.paging));
    }
    if matches!(op.answer, Answer::Stream) {
        params.push(json!({
            "name": "Last-Event-ID", "in": "header", "required": false,
            "schema": { "type": "string", "pattern": "^[0-9]*$" },
            "description": "resume after this event id",
        }));
    }
    params.push(json!({
        "name": "X-Organization-Id", "in": "header", "required": false,
        "schema": { "type": "string", "format": "uuid" },
    }));
    params
}

fn request_body(op: &Operation) -> Option<Value> {
    match op.body {
        Body::None => None,
        Body::Json { fields, required } => Some(json!({
            "required": required,
            "content": { "application/json": { "schema": object_schema(fields, false) } },
        })),
        Body::Form { file, fields } => {
            let mut schema = object_schema(fields, false);
            schema["properties"][file] = json!({ "type": "string", "format": "binary" });
            schema["required"] = json!([file]);
            Some(json!({
                "required": true,
                "content": { "multipart/form-data": { "schema": schema } },
            }))
        }
    }
}

/// How the event stream is framed (see `routes::events`).
const EVENTS: &str = "Server-sent events, one frame per event: `id: <n>` (a whole number, \
increasing), `event: <name>` and `data: <one JSON object>`, then a blank line. Events: \
`status` {execution_id, status, at}; `node` {execution_id, node, index, total, at}; and last \
`done` {execution_id, status, finished_at, output, error}, after which the stream closes. \
Send `Last-Event-ID` to resume after an event. Errors (401, 404, 400) are JSON envelopes.";

/// The error statuses every operation may answer: bad input, credentials, an unknown id, a
/// body over the limit, a rate limit, a bug, and a namespace too many.
const ERRORS: [u16; 7] = [400, 401, 404, 413, 429, 500, 503];

fn responses(op: &Operation) -> Value {
    let json_content = |schema: Value| json!({ "application/json": { "schema": schema } });
    let ok = match op.answer {
        Answer::Stream => json!({
            "description": EVENTS,
            "content": { "text/event-stream": { "schema": { "type": "string" } } },
        }),
        Answer::OrChallenge(shape) => json!({
            "description": "The envelope for an event; Slack's url_verification is answered with its bare challenge",
            "content": json_content(json!({ "oneOf": [
                envelope(reference(shape), false),
                reference(Shape::Built(&answers::SLACK_CHALLENGE)),
            ] })),
        }),
        Answer::One(shape) => json!({
            "description": "Success",
            "content": json_content(envelope(reference(shape), false)),
        }),
        Answer::List(shape) => json!({
            "description": "One page of the list",
            "content": json_content(envelope(array_of(shape), true)),
        }),
    };
    let error = json!({ "description": "Error envelope", "content": json_content(json!({ "$ref": "#/components/schemas/Error" })) });
    let mut map = Map::new();
    map.insert(op.status.as_u16().to_string(), ok);
    for code in ERRORS.iter().chain(op.refusals) {
        let answer = match code {
            204 => {
                json!({ "description": "No Content: nothing (more) to send; an EventSource stops reconnecting" })
            }
            _ => error.clone(),
        };
        map.insert(code.to_string(), answer);
    }
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
        properties["pagination"] = reference(Shape::Built(&answers::PAGINATION));
        required.push("pagination");
    }
    json!({ "type": "object", "required": required, "properties": properties })
}

fn reference(shape: Shape) -> Value {
    json!({ "$ref": format!("#/components/schemas/{}", shape.name()) })
}

fn array_of(shape: Shape) -> Value {
    json!({ "type": "array", "items": reference(shape) })
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
