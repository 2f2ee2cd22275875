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
