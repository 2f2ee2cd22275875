//! The OpenAPI 3.1 document of every endpoint the mock emulates, generated from the same
//! route table the router uses (so the two cannot drift), served at `/swagger.json` and
//! printed by `prodgy-mock openapi`.

use hyper::{Method, Response, StatusCode};
use serde_json::{Map, Value, json};

use crate::envelope::{self, Body};
use crate::routes::{Access, BodyKind, Op, ROUTES, RouteDef};
use crate::store::Kind;
use crate::store::kind::Ty;

mod bodies;

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
    let declared = bodies::query_fields(def.name);
    if is_list(def) && declared.is_empty() {
        for name in ["page", "pageSize", "limit"] {
            params.push(json!({ "name": name, "in": "query", "required": false, "schema": { "type": "integer", "minimum": 1, "maximum": u64::MAX } }));
        }
    }
    for field in declared {
        params.push(json!({
            "name": field.name, "in": "query", "required": field.required,
            "schema": bodies::field_schema(field.ty),
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

/// Whether the route answers a list: its summary says so ("List …"), or it is a GET on a
/// collection path (one that does not end in a `{param}`).
fn is_list(def: &RouteDef) -> bool {
    if def.method == Method::GET && def.summary.starts_with("List") {
        return true;
    }
    def.method == Method::GET
        && !def.path.ends_with('}')
        && !def.path.ends_with("/status")
        && !def.path.ends_with("/events")
}

fn responses(def: &RouteDef) -> Value {
    let ok = if def.path.ends_with("/events") {
        json!({ "description": "Server-sent events", "content": { "text/event-stream": { "schema": {
            "type": "object",
            "properties": { "event": { "type": "string" }, "data": { "type": "string" }, "id": { "type": "string" } },
        } } } })
    } else {
        json!({ "description": "Success", "content": { "application/json": { "schema": success_schema(def) } } })
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
    let error = json!({ "description": "Error envelope", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } });
    let mut map = Map::new();
    map.insert(status.into(), ok);
    for code in ["400", "401", "404", "413", "429", "500"] {
        map.insert(code.into(), error.clone());
    }
    Value::Object(map)
}

fn success_schema(def: &RouteDef) -> Value {
    let data = match resource_of(def) {
        Some(_) if def.method == Method::DELETE => {
            json!({ "type": "object", "properties": { "id": { "type": "string" } } })
        }
        Some(kind) if is_list(def) => {
            json!({ "type": "array", "items": { "$ref": format!("#/components/schemas/{}", schema_name(kind)) } })
        }
        Some(kind) => json!({ "$ref": format!("#/components/schemas/{}", schema_name(kind)) }),
        None => json!({}),
    };
    let mut properties =
        json!({ "success": { "type": "boolean" }, "message": { "type": "string" }, "data": data });
    if is_list(def) {
        if let Value::Object(p) = &mut properties {
            p.insert(
                "pagination".into(),
                json!({ "$ref": "#/components/schemas/Pagination" }),
            );
        }
    }
    json!({ "type": "object", "required": ["success", "message"], "properties": properties })
}

/// The resource a route answers, when its data is a stored record (or a list of them).
fn resource_of(def: &RouteDef) -> Option<Kind> {
    // Search results, audit entries and started executions are not stored records: their data
    // is left open. The first row whose method (when given) and path prefix match wins.
    let table: &[(Option<Method>, &str, Option<Kind>)] = &[
        (Some(Method::POST), "/api/agent-base/triggers", None),
        (None, "/api/agent-base/triggers", Some(Kind::Trigger)),
        (
            None,
            "/api/agent-base/{id}/executions",
            Some(Kind::Execution),
        ),
        (None, "/api/agent-base", Some(Kind::Agent)),
        (None, "/api/integrations-base", Some(Kind::Integration)),
        (None, "/api/workflow-base", Some(Kind::Workflow)),
        (None, "/api/knowledge-base/search", None),
        (None, "/api/knowledge-base", Some(Kind::Document)),
        (None, "/api/api-tokens/{id}/audit-logs", None),
        (None, "/api/api-tokens", Some(Kind::Token)),
    ];
    table
        .iter()
        .find(|(method, prefix, _)| {
            method.as_ref().is_none_or(|m| *m == def.method) && def.path.starts_with(prefix)
        })
        .and_then(|(_, _, kind)| *kind)
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
    for field in kind.fields() {
        properties.insert(field.name.to_owned(), type_schema(field.ty));
    }
    json!({ "type": "object", "required": ["id"], "properties": properties, "additionalProperties": true })
}

fn type_schema(ty: Ty) -> Value {
    match ty {
        Ty::Str => json!({ "type": "string" }),
        Ty::OptStr => json!({ "type": ["string", "null"] }),
        Ty::Bool => json!({ "type": "boolean" }),
        Ty::Object => json!({ "type": "object" }),
        Ty::Array => json!({ "type": "array" }),
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
