//! The served OpenAPI document and the router agree, operation for operation.

use prodgy_mock::routes::{ROUTES, Router};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;

#[tokio::test]
async fn every_routed_operation_is_documented() {
    let app = TestApp::spawn().await;
    let doc = app.call(Method::GET, "/swagger.json", None, None).await;
    assert_eq!(doc.status, 200);
    assert_eq!(doc.body["openapi"], "3.1.0");
    for def in ROUTES {
        let op = &doc.body["paths"][def.path][def.method.as_str().to_ascii_lowercase()];
        assert_eq!(
            op["operationId"], def.name,
            "{} {} is missing from the document",
            def.method, def.path
        );
    }
}

#[tokio::test]
async fn every_documented_operation_is_routed() {
    let doc = prodgy_mock::openapi::document();
    let router = Router::default();
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        let concrete: String = path
            .split('/')
            .map(|s| if s.starts_with('{') { "sample-id" } else { s })
            .collect::<Vec<_>>()
            .join("/");
        for (method, op) in item.as_object().expect("path item") {
            let method: hyper::Method = method.to_ascii_uppercase().parse().expect("method");
            let route = router
                .recognize(&method, &concrete)
                .expect("documented operations are routed");
            assert_eq!(route.def.name, op["operationId"], "{method} {path}");
            operations += 1;
        }
    }
    assert_eq!(operations, ROUTES.len());
}

#[tokio::test]
async fn a_list_under_a_param_path_is_documented_as_an_array() {
    // Found by scripts/contract.sh (schemathesis): the product's agents came back as an array
    // while the document promised one Agent.
    let doc = prodgy_mock::openapi::document();
    let op = &doc["paths"]["/api/agent-base/product/{productId}"]["get"];
    let data =
        &op["responses"]["200"]["content"]["application/json"]["schema"]["properties"]["data"];
    assert_eq!(data["type"], "array", "{data}");
    let app = TestApp::spawn().await;
    let served = app.get(&format!("/api/agent-base/product/{ACME}")).await;
    assert!(served.body["data"].is_array());
}

/// The body schema the document declares for operation `name`.
fn body_schema(doc: &serde_json::Value, name: &str) -> serde_json::Value {
    let def = ROUTES.iter().find(|d| d.name == name).expect("route");
    let op = &doc["paths"][def.path][def.method.as_str().to_ascii_lowercase()];
    op["requestBody"]["content"]["application/json"]["schema"].clone()
}

#[tokio::test]
async fn json_bodies_declare_their_fields_and_the_required_ones() {
    let doc = prodgy_mock::openapi::document();
    for (name, field) in [
        ("agents.install", "agent_id"),
        ("integrations.create", "title"),
        ("workflow_bases.create", "name"),
        ("tokens.create", "name"),
        ("triggers.execute", "trigger_id"),
        ("knowledge.search_post", "query"),
        ("tokens.set_active", "is_active"),
    ] {
        let schema = body_schema(&doc, name);
        assert!(
            schema["required"]
                .as_array()
                .expect("required list")
                .contains(&serde_json::json!(field)),
            "{name} should require {field}: {schema}"
        );
        assert!(schema["properties"][field].is_object(), "{name}: {schema}");
    }
    // Optional fields the handler reads as absent when null are nullable; arrays are not.
    let agent = body_schema(&doc, "agents.install");
    assert_eq!(
        agent["properties"]["product_id"]["type"],
        serde_json::json!(["string", "null"])
    );
    let update = body_schema(&doc, "agents.update");
    assert_eq!(update["properties"]["integrations"]["type"], "array");
}

#[tokio::test]
async fn a_null_for_a_field_that_cannot_be_null_leaves_the_field_unset() {
    // Found by scripts/contract.sh (schemathesis): `"settings": null` was stored, and the
    // integration then violated its own schema (settings is an object) on every read.
    let app = TestApp::spawn().await;
    let created = app
        .send(
            Method::POST,
            "/api/integrations-base",
            serde_json::json!({"title": "Ops", "settings": null, "credentials": null, "is_active": null}),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    assert_eq!(created.body["data"]["settings"], serde_json::json!({}));
    assert_eq!(created.body["data"]["credentials"], serde_json::json!({}));
    assert_eq!(created.body["data"]["is_active"], true);
    let id = created.body["data"]["id"].as_str().expect("id").to_owned();
    let updated = app
        .send(
            Method::PUT,
            &format!("/api/integrations-base/{id}"),
            serde_json::json!({"settings": null, "title": "Ops 2"}),
        )
        .await;
    assert_eq!(updated.status, 200, "{:?}", updated.body);
    assert_eq!(updated.body["data"]["settings"], serde_json::json!({}));
    assert_eq!(updated.body["data"]["title"], "Ops 2");
    let base = app
        .send(
            Method::POST,
            "/api/workflow-base",
            serde_json::json!({"name": "Flow", "description": null, "duration_ms": null}),
        )
        .await;
    assert_eq!(base.status, 201, "{:?}", base.body);
    assert_eq!(base.body["data"]["description"], "");
    assert_eq!(base.body["data"]["duration_ms"], serde_json::Value::Null);
}

#[tokio::test]
async fn statuses_and_data_shapes_follow_what_the_handlers_answer() {
    // Found by scripts/contract.sh: the upload alias answers 201 but was documented as 200,
    // and executing a trigger answers an execution, not the Trigger record.
    let doc = prodgy_mock::openapi::document();
    let upload = &doc["paths"]["/api/knowledge-base"]["post"]["responses"];
    assert!(
        upload["201"].is_object() && upload["200"].is_null(),
        "{upload}"
    );
    let execute = &doc["paths"]["/api/agent-base/triggers"]["post"]["responses"]["200"];
    let data = &execute["content"]["application/json"]["schema"]["properties"]["data"];
    assert_eq!(
        data["$ref"], "#/components/schemas/ExecutionStarted",
        "{data}"
    );
}

/// Every subschema of `value` (itself included), with its JSON pointer.
fn walk<'a>(pointer: String, value: &'a Value, out: &mut Vec<(String, &'a Value)>) {
    match value {
        Value::Object(map) => {
            out.push((pointer.clone(), value));
            for (key, child) in map {
                walk(format!("{pointer}/{key}"), child, out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                walk(format!("{pointer}/{i}"), child, out);
            }
        }
        _ => {}
    }
}

fn is_array_type(ty: &Value) -> bool {
    ty == "array" || ty.as_array().is_some_and(|t| t.contains(&json!("array")))
}

#[tokio::test]
async fn no_array_schema_in_the_document_lacks_items() {
    // openapi-python-client drops a model with an array property that has no `items`
    // ("type array must have items or prefixItems defined"), and with it every operation that
    // answers that model: the WorkflowBase of nodes and connections was dropped so.
    let doc = prodgy_mock::openapi::document();
    let mut nodes = Vec::new();
    walk(String::new(), &doc, &mut nodes);
    let arrays: Vec<_> = nodes
        .iter()
        .filter(|(_, n)| n.get("type").is_some_and(is_array_type))
        .collect();
    assert!(
        arrays.len() > 20,
        "the walk found only {} arrays",
        arrays.len()
    );
    for (pointer, schema) in arrays {
        assert!(
            schema["items"].is_object(),
            "{pointer} is an array without items: {schema}"
        );
    }
}

#[tokio::test]
async fn every_reference_in_the_document_resolves() {
    let doc = prodgy_mock::openapi::document();
    let mut nodes = Vec::new();
    walk(String::new(), &doc, &mut nodes);
    let mut references = 0;
    for (pointer, node) in nodes {
        let Some(target) = node.get("$ref").and_then(Value::as_str) else {
            continue;
        };
        let path = target.strip_prefix('#').expect("local reference");
        assert!(
            doc.pointer(path).is_some_and(Value::is_object),
            "{pointer} refers to {target}, which is not in the document"
        );
        references += 1;
    }
    assert!(references > 50, "only {references} references");
}

#[tokio::test]
async fn workflow_nodes_and_connections_are_arrays_of_typed_objects() {
    let doc = prodgy_mock::openapi::document();
    let schemas = &doc["components"]["schemas"];
    let base = &schemas["WorkflowBase"]["properties"];
    assert_eq!(
        base["nodes"]["items"]["$ref"],
        "#/components/schemas/WorkflowNode"
    );
    assert_eq!(
        base["connections"]["items"]["$ref"],
        "#/components/schemas/WorkflowConnection"
    );
    assert_eq!(schemas["WorkflowNode"]["required"], json!(["id"]));
    assert_eq!(
        schemas["WorkflowConnection"]["required"],
        json!(["from", "to"])
    );
    let create = body_schema(&doc, "workflow_bases.create");
    assert_eq!(
        create["properties"]["nodes"]["items"],
        base["nodes"]["items"]
    );
}

#[tokio::test]
async fn the_communicator_webhook_documents_the_slack_challenge_answer() {
    let doc = prodgy_mock::openapi::document();
    let op = &doc["paths"]["/api/communicator/webhook/{integration_base_id}"]["post"];
    let schema = &op["responses"]["200"]["content"]["application/json"]["schema"];
    let choices = schema["oneOf"].as_array().expect("oneOf");
    assert_eq!(choices.len(), 2, "{schema}");
    assert_eq!(
        choices[0]["required"],
        json!(["success", "message", "data"])
    );
    assert_eq!(choices[1]["$ref"], "#/components/schemas/SlackChallenge");
    let challenge = &doc["components"]["schemas"]["SlackChallenge"];
    assert_eq!(challenge["required"], json!(["challenge"]));
    // What the handler really answers: the bare challenge, none of the envelope's keys.
    let app = TestApp::spawn().await;
    let slack = "e5f6a7b8-0001-4c2d-9e3f-200000000001";
    let answer = app
        .send(
            Method::POST,
            &format!("/api/communicator/webhook/{slack}"),
            json!({"type": "url_verification", "challenge": "abc"}),
        )
        .await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body, json!({"challenge": "abc"}));
}

#[tokio::test]
async fn the_event_stream_is_documented_as_text_not_as_a_json_object() {
    let doc = prodgy_mock::openapi::document();
    let op = &doc["paths"]["/api/workflow/{executionId}/events"]["get"];
    let ok = &op["responses"]["200"];
    let content = ok["content"].as_object().expect("content");
    assert_eq!(content.len(), 1, "{ok}");
    assert_eq!(
        content["text/event-stream"]["schema"],
        json!({"type": "string"})
    );
    let description = ok["description"].as_str().expect("description");
    for part in [
        "id:",
        "event:",
        "data:",
        "status",
        "node",
        "done",
        "Last-Event-ID",
    ] {
        assert!(
            description.contains(part),
            "{part} is not described: {description}"
        );
    }
    let resume = op["parameters"]
        .as_array()
        .expect("parameters")
        .iter()
        .any(|p| p["name"] == "Last-Event-ID" && p["in"] == "header");
    assert!(resume, "{op}");
}

/// The component schema `name` refers to, for a `$ref` value.
fn component<'a>(doc: &'a Value, reference: &Value) -> &'a Value {
    let path = reference.as_str().expect("$ref").trim_start_matches('#');
    doc.pointer(path).expect("component")
}

#[tokio::test]
async fn every_listed_record_has_every_field_its_schema_requires() {
    // Required fields are what lets a generated client type them as plain attributes; a record
    // that lacks one would not parse.
    let doc = prodgy_mock::openapi::document();
    let app = TestApp::spawn().await;
    let mut checked = 0;
    for def in ROUTES.iter().filter(|d| d.method == Method::GET) {
        let schema = &doc["paths"][def.path]["get"]["responses"]["200"]["content"]["application/json"]
            ["schema"];
        let path = def.path.replace("{productId}", ACME).replace(
            "{id}/executions",
            "a9e1f3b5-0001-4c6d-8e7f-100000000001/executions",
        );
        if path.contains('{') || schema["properties"]["data"]["type"] != "array" {
            continue;
        }
        let query = if def.name == "knowledge.search" {
            "?query=refund"
        } else {
            ""
        };
        let served = app.get(&format!("{path}{query}")).await;
        assert_eq!(served.status, 200, "{}: {:?}", def.name, served.body);
        let item = component(&doc, &schema["properties"]["data"]["items"]["$ref"]);
        let required = item["required"].as_array().expect("required");
        let items = served.body["data"].as_array().expect("data");
        assert!(!items.is_empty(), "{} listed nothing", def.name);
        for record in items {
            for field in required {
                let field = field.as_str().expect("field name");
                assert!(
                    record.get(field).is_some(),
                    "{}: an item lacks required '{field}': {record}",
                    def.name
                );
            }
        }
        for key in schema["required"].as_array().expect("envelope required") {
            assert!(
                served.body.get(key.as_str().expect("key")).is_some(),
                "{}",
                def.name
            );
        }
        checked += 1;
    }
    assert!(checked >= 8, "only {checked} lists checked");
}
