//! `drift` against a second mock playing the instance (nothing against itself; each planted
//! difference and nothing else against the planted one), and `drift --spec` on the mock's
//! own document and on edited copies of it.

use std::path::Path;

use prodgy_mock::MockServer;
use prodgy_mock::drift::{Check, Report, live, spec};
use serde_json::{Value, json};

use crate::helpers::ACME_TOKEN;
use crate::planted::{frozen, planted_upstream, scratch};

async fn drift_of(upstream: &MockServer, include_writes: bool) -> Report {
    let options = live::LiveOptions {
        upstream: upstream.uri(),
        token: ACME_TOKEN.into(),
        max_records: 20,
        rate: 0.0,
        include_writes,
    };
    live::drift(&options, &|_| {}).await.expect("compared")
}

/// The differences as `(operation, check, where, upstream, mock)`.
fn found(report: &Report) -> Vec<(String, Check, String, String, String)> {
    report
        .differences
        .iter()
        .map(|d| {
            let d = d.clone();
            (d.operation, d.check, d.location, d.upstream, d.mock)
        })
        .collect()
}

fn row(
    op: &str,
    check: Check,
    at: &str,
    upstream: &str,
    mock: &str,
) -> (String, Check, String, String, String) {
    (op.into(), check, at.into(), upstream.into(), mock.into())
}

#[tokio::test]
async fn drift_of_the_mock_against_itself_is_empty() {
    let upstream = frozen(MockServer::builder()).await;
    let report = drift_of(&upstream, true).await;
    assert_eq!(found(&report), [], "{}", report.table());
    assert_eq!(report.exit_code(), 0);
    assert!(report.compared >= 25, "{}", report.compared);
    assert!(report.skipped.is_empty(), "{:?}", report.skipped);
    let unverified: Vec<&str> = report
        .unverified
        .iter()
        .map(|n| n.operation.as_str())
        .collect();
    assert!(unverified.contains(&"tokens.create"), "{unverified:?}");
    let confirmed: Vec<&str> = report
        .confirmed
        .iter()
        .map(|n| n.operation.as_str())
        .collect();
    assert!(
        confirmed.contains(&"workflow_bases.update"),
        "writes confirm: {confirmed:?}"
    );
    let probes = upstream
        .received_requests()
        .iter()
        .filter(|r| r.method == "POST" && r.status == 201)
        .count();
    assert_eq!(probes, 2, "a workflow base and an integration were made");
    let left =
        crate::record::get(&upstream, "/api/integrations-base?pageSize=100", ACME_TOKEN).await;
    assert!(!left.text.contains("drift probe"), "and removed again");
}

#[tokio::test]
async fn drift_finds_each_planted_difference_and_nothing_else() {
    let upstream = planted_upstream("drift", true).await;
    let report = drift_of(&upstream, false).await;
    let page = "page, pageSize, total, totalPages";
    let expected = vec![
        // The extra field, on every agent answer.
        row(
            "agents.get",
            Check::Field,
            "data.color",
            "string",
            "(absent)",
        ),
        // The field of another type (a scenario answers it, before any check of the token).
        row(
            "agents.get",
            Check::Type,
            "data.is_active",
            "string",
            "boolean",
        ),
        row("agents.get", Check::Error, "no token: status", "200", "401"),
        row(
            "agents.list",
            Check::Field,
            "data[].color",
            "string",
            "(absent)",
        ),
        row(
            "agents.of_product",
            Check::Field,
            "data[].color",
            "string",
            "(absent)",
        ),
        // The route the scenario changes: no pagination but a meta object, and (a scenario
        // answering before any check) a 200 where the mock refuses.
        row(
            "integrations.active",
            Check::Envelope,
            "meta",
            "present",
            "(absent)",
        ),
        row(
            "integrations.active",
            Check::Pagination,
            "pagination",
            "(absent)",
            page,
        ),
        row(
            "integrations.active",
            Check::Error,
            "no token: status",
            "200",
            "401",
        ),
        row(
            "integrations.active",
            Check::Error,
            "unknown id: status",
            "200",
            "404",
        ),
    ];
    let mut expected = expected;
    expected.sort();
    assert_eq!(found(&report), expected, "{}", report.table());
    assert_eq!(report.exit_code(), 1);
    let json: Value = serde_json::from_str(&report.json()).expect("JSON report");
    assert_eq!(json["differences"][0]["where"], json!("data.color"));
    assert_eq!(json["mode"], json!("live"));
}

fn spec_file(name: &str, edit: impl FnOnce(&mut Value)) -> std::path::PathBuf {
    let mut document = prodgy_mock::openapi::document();
    edit(&mut document);
    let path = scratch(name).join("swagger.json");
    std::fs::write(&path, document.to_string()).expect("written");
    path
}

fn spec_drift(path: &Path) -> Report {
    spec::drift(path).expect("compared")
}

#[test]
fn drift_spec_of_the_mocks_own_document_is_empty() {
    let path = spec_file("spec-self", |_| {});
    let report = spec_drift(&path);
    assert_eq!(found(&report), [], "{}", report.table());
    assert_eq!(
        report.unverified.len(),
        23,
        "x-inferred rows stay unverified"
    );
}

#[test]
fn drift_spec_finds_an_added_operation() {
    let path = spec_file("spec-added", |doc| {
        doc["paths"]["/api/assistants/{id}"] = json!({"get": {"operationId": "assistants.get", "responses": {"200": {"description": "ok"}}}});
    });
    let report = spec_drift(&path);
    let added = row(
        "GET /api/assistants/{id}",
        Check::Operation,
        "",
        "present",
        "(absent)",
    );
    assert_eq!(found(&report), [added]);
}

#[test]
fn drift_spec_finds_a_removed_field_in_every_answer_that_has_it() {
    let path = spec_file("spec-removed", |doc| {
        let agent = &mut doc["components"]["schemas"]["Agent"]["properties"];
        agent
            .as_object_mut()
            .expect("properties")
            .remove("description");
    });
    let report = spec_drift(&path);
    let differences = found(&report);
    assert!(differences.len() >= 6, "{}", report.table());
    for (op, check, at, upstream, mock) in &differences {
        assert!(op.starts_with("agents."), "{op}");
        assert_eq!(*check, Check::Field);
        assert!(
            at == "data.description" || at == "data[].description",
            "{at}"
        );
        assert_eq!((upstream.as_str(), mock.as_str()), ("(absent)", "string"));
    }
}

#[test]
fn drift_spec_finds_a_changed_type() {
    let path = spec_file("spec-retyped", |doc| {
        doc["components"]["schemas"]["Integration"]["properties"]["is_active"] =
            json!({"type": "string"});
    });
    let report = spec_drift(&path);
    let differences = found(&report);
    assert!(!differences.is_empty());
    for (op, check, at, upstream, mock) in &differences {
        assert!(op.starts_with("integrations."), "{op}");
        assert_eq!(*check, Check::Type);
        assert!(at.ends_with(".is_active"), "{at}");
        assert_eq!((upstream.as_str(), mock.as_str()), ("string", "boolean"));
    }
}

#[test]
fn drift_spec_reads_swagger_2_and_confirms_what_it_documents() {
    let swagger = json!({
        "swagger": "2.0", "basePath": "/api",
        "paths": {"/api-tokens/{tokenId}": {"get": {"parameters": [
            {"name": "tokenId", "in": "path", "type": "string", "required": true},
            {"name": "verbose", "in": "query", "type": "boolean"}
        ], "responses": {"200": {"description": "ok", "schema": {"type": "object"}}}}}}
    });
    let path = scratch("spec-swagger").join("swagger.json");
    std::fs::write(&path, swagger.to_string()).expect("written");
    let report = spec_drift(&path);
    assert!(report.confirmed.iter().any(|n| n.operation == "tokens.get"));
    let differences = found(&report);
    assert!(differences.contains(&row(
        "tokens.get",
        Check::Parameter,
        "query.verbose",
        "boolean",
        "(absent)"
    )));
    assert!(differences.contains(&row(
        "agents.list",
        Check::Operation,
        "",
        "(absent)",
        "present"
    )));
}
