//! The served OpenAPI document and the router agree, operation for operation.

use prodgy_mock::routes::{ROUTES, Router};
use reqwest::Method;

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
    assert!(data.get("$ref").is_none(), "{data}");
}
