//! Fixture loading errors: each kind names the file, line and column.

use std::path::{Path, PathBuf};

use prodgy_mock::{MockServer, StartError};

fn dir_with(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "prodgy-mock-fixtures-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    for (file, text) in files {
        std::fs::write(dir.join(file), text).expect("write fixture");
    }
    dir
}

async fn start_error(dir: &Path) -> String {
    let err = MockServer::builder()
        .fixtures_dir(dir)
        .try_start()
        .await
        .expect_err("must refuse");
    assert!(matches!(err, StartError::Fixture(_)), "{err}");
    assert_eq!(err.exit_code(), 3);
    err.to_string()
}

const PRODUCTS: &str = "[\n  {\"id\": \"p1\", \"name\": \"One\"}\n]\n";

#[tokio::test]
async fn invalid_json_names_file_line_and_column() {
    let dir = dir_with(
        "json",
        &[("products.json", "[\n  {\"id\": \"p1\",\n   \"name\": }\n]")],
    );
    let message = start_error(&dir).await;
    assert!(
        message.contains("products.json:3:12: invalid JSON"),
        "{message}"
    );
}

#[tokio::test]
async fn a_file_that_is_not_an_array_is_refused() {
    let dir = dir_with("notarray", &[("products.json", "\n  {\"id\": \"p1\"}")]);
    let message = start_error(&dir).await;
    assert!(
        message.contains("products.json:2:3: expected a JSON array of product records"),
        "{message}"
    );
}

#[tokio::test]
async fn a_missing_required_field_points_at_its_record() {
    let agents = "[\n  {\"id\": \"a1\", \"product_id\": \"p1\", \"name\": \"ok\"},\n  {\"id\": \"a2\", \"product_id\": \"p1\"}\n]";
    let dir = dir_with(
        "missing",
        &[("products.json", PRODUCTS), ("agents.json", agents)],
    );
    let message = start_error(&dir).await;
    assert!(
        message.contains("agents.json:3:3: agent 'a2' (record #2): missing required field 'name'"),
        "{message}"
    );
}

#[tokio::test]
async fn a_wrongly_typed_field_is_named() {
    let agents =
        "[{\"id\": \"a1\", \"product_id\": \"p1\", \"name\": \"ok\", \"is_active\": \"yes\"}]";
    let dir = dir_with(
        "typed",
        &[("products.json", PRODUCTS), ("agents.json", agents)],
    );
    let message = start_error(&dir).await;
    assert!(
        message.contains("agents.json:1:2:")
            && message.contains("field 'is_active' must be a boolean"),
        "{message}"
    );
}

#[tokio::test]
async fn a_dangling_reference_is_refused() {
    let agents = "[\n\n    {\"id\": \"a1\", \"product_id\": \"p404\", \"name\": \"orphan\"}]";
    let dir = dir_with(
        "dangling",
        &[("products.json", PRODUCTS), ("agents.json", agents)],
    );
    let message = start_error(&dir).await;
    assert!(message.contains("agents.json:3:5: agent 'a1': field 'product_id' names product 'p404', which does not exist in products.json"), "{message}");
}

#[tokio::test]
async fn duplicate_ids_are_refused() {
    let products = "[{\"id\": \"p1\", \"name\": \"One\"},\n {\"id\": \"p1\", \"name\": \"Again\"}]";
    let dir = dir_with("dupes", &[("products.json", products)]);
    let message = start_error(&dir).await;
    assert!(
        message.contains("products.json:2:2: duplicate product id 'p1'"),
        "{message}"
    );
}

#[tokio::test]
async fn a_missing_directory_is_refused() {
    let message = start_error(Path::new("/definitely/not/here")).await;
    assert!(
        message.contains("/definitely/not/here: cannot read"),
        "{message}"
    );
}

#[tokio::test]
async fn a_minimal_directory_loads_and_serves() {
    let tokens = "[{\"id\": \"t1\", \"product_id\": \"p1\", \"name\": \"ci\", \"token\": \"prodgy_minimal\"}]";
    let dir = dir_with(
        "minimal",
        &[("products.json", PRODUCTS), ("tokens.json", tokens)],
    );
    let server = MockServer::builder().fixtures_dir(&dir).start().await;
    let resp = reqwest::Client::new()
        .get(format!("{}/api/agent-base", server.uri()))
        .header("X-API-Token", "prodgy_minimal")
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn a_misnamed_json_file_is_refused_naming_the_closest_known_name() {
    let dir = dir_with(
        "misnamed",
        &[("products.json", PRODUCTS), ("agent.json", "[]")],
    );
    let message = start_error(&dir).await;
    let expected = format!(
        "{}: unknown fixture file; did you mean agents.json? Known files: products.json,",
        dir.join("agent.json").display()
    );
    assert!(message.starts_with(&expected), "{message}");
}

#[tokio::test]
async fn files_that_do_not_end_in_json_and_hidden_files_are_ignored() {
    let dir = dir_with(
        "ignored",
        &[
            ("products.json", PRODUCTS),
            ("README", "notes"),
            ("README.md", "# notes"),
            (".gitkeep", ""),
            (".agents.json.swp", "vim swap"),
            (".products.json", "hidden"),
            ("agents.json~", "backup"),
            ("4913", ""),
        ],
    );
    std::fs::create_dir_all(dir.join("archive.json")).expect("a directory named like a file");
    let server = MockServer::builder().fixtures_dir(&dir).try_start().await;
    let server = server.expect("starts");
    let health = reqwest::get(format!("{}/__admin/health", server.uri())).await;
    let health: serde_json::Value = health.expect("sent").json().await.expect("json");
    assert_eq!(health["data"]["counts"]["products"], 1);
}

const TOKENS: &str =
    "[{\"id\": \"t1\", \"product_id\": \"p1\", \"name\": \"ci\", \"token\": \"prodgy_minimal\"}]";

#[tokio::test]
async fn an_unknown_placeholder_in_a_fixture_template_names_file_line_and_column() {
    let agents = "[\n  {\"id\": \"a1\", \"product_id\": \"p1\", \"name\": \"ok\", \"output_template\": \"{{input}}\"},\n  {\"id\": \"a2\", \"product_id\": \"p1\", \"name\": \"Bad\",\n   \"output_template\": {\"summary\": \"{{fake.nam}}\"}}\n]";
    let dir = dir_with(
        "template",
        &[("products.json", PRODUCTS), ("agents.json", agents)],
    );
    let message = start_error(&dir).await;
    assert!(
        message.contains(
            "agents.json:3:3: agent 'a2' (record #2): field 'output_template.summary' holds unknown placeholder '{{fake.nam}}' (known: {{input}}"
        ),
        "{message}"
    );
    let workflows = "[{\"id\": \"w1\", \"name\": \"Flow\", \"output_template\": [\"{{now\"]}]";
    let dir = dir_with("template-unclosed", &[("workflows.json", workflows)]);
    let message = start_error(&dir).await;
    assert!(
        message.contains("workflows.json:1:2: workflow base 'w1' (record #1): field 'output_template[0]' has a '{{' without its closing '}}'"),
        "{message}"
    );
    let catalog = "[{\"id\": \"c1\", \"name\": \"Cat\", \"output_template\": \"{{agent.id}}\"}]";
    let dir = dir_with("template-catalog", &[("catalog.json", catalog)]);
    let message = start_error(&dir).await;
    assert!(
        message.contains("catalog.json:1:2: catalog agent 'c1' (record #1): field 'output_template' holds unknown placeholder '{{agent.id}}'"),
        "{message}"
    );
}

#[tokio::test]
async fn a_record_created_before_what_it_belongs_to_is_refused() {
    let products =
        "[{\"id\": \"p1\", \"name\": \"One\", \"created_at\": \"2025-11-03T09:00:00Z\"}]";
    let tokens = "[\n  {\"id\": \"t1\", \"product_id\": \"p1\", \"name\": \"early\", \"token\": \"prodgy_early\",\n   \"created_at\": \"2025-10-01T08:00:00Z\"}\n]";
    let dir = dir_with(
        "token-before-product",
        &[("products.json", products), ("tokens.json", tokens)],
    );
    let message = start_error(&dir).await;
    assert!(
        message.contains("tokens.json:2:3: API token 't1': created_at 2025-10-01T08:00:00Z is before its product 'p1' was created (2025-11-03T09:00:00Z)"),
        "{message}"
    );

    let agents = "[{\"id\": \"a1\", \"product_id\": \"p1\", \"name\": \"A\", \"created_at\": \"2026-01-10T12:00:00Z\"}]";
    let triggers = "[{\"id\": \"f1\", \"agent_base_id\": \"a1\", \"name\": \"Now\", \"type\": \"manual\", \"created_at\": \"2026-01-10T12:05:00Z\"}]";
    let executions = "[\n\n  {\"id\": \"e1\", \"agent_base_id\": \"a1\", \"trigger_id\": \"f1\", \"status\": \"stopped\", \"started_at\": \"2026-01-10T12:01:00Z\"}]";
    let dir = dir_with(
        "execution-before-trigger",
        &[
            ("products.json", products),
            ("agents.json", agents),
            ("triggers.json", triggers),
            ("executions.json", executions),
        ],
    );
    let message = start_error(&dir).await;
    assert!(
        message.contains("executions.json:3:3: execution 'e1': started_at 2026-01-10T12:01:00Z is before its trigger 'f1' was created (2026-01-10T12:05:00Z)"),
        "{message}"
    );

    // Only times the fixture gives are compared: a product without created_at (the default
    // 2026-01-01) does not make an earlier token inconsistent.
    let undated = dir_with(
        "undated-product",
        &[("products.json", PRODUCTS), ("tokens.json", tokens)],
    );
    MockServer::builder()
        .fixtures_dir(&undated)
        .try_start()
        .await
        .expect("starts");
}

#[tokio::test]
async fn a_document_size_that_is_not_its_content_length_is_refused() {
    let documents = "[\n  {\"id\": \"d1\", \"product_id\": \"p1\", \"name\": \"Notes\", \"file_type\": \"md\",\n   \"content\": \"h\u{e9}llo\", \"size_bytes\": 5}\n]";
    let dir = dir_with(
        "size",
        &[("products.json", PRODUCTS), ("documents.json", documents)],
    );
    let message = start_error(&dir).await;
    assert!(
        message.contains("documents.json:2:3: knowledge document 'd1' (record #1): field 'size_bytes' is 5, but the md content is 6 bytes (UTF-8)"),
        "{message}"
    );

    // Left out, the size is the content's; a PDF's extracted text has no size to match.
    let documents = "[{\"id\": \"d1\", \"product_id\": \"p1\", \"name\": \"Notes\", \"content\": \"h\u{e9}llo\"},\n {\"id\": \"d2\", \"product_id\": \"p1\", \"name\": \"Scan\", \"file_type\": \"pdf\", \"content\": \"text\", \"size_bytes\": 90000}]";
    let dir = dir_with(
        "size-derived",
        &[
            ("products.json", PRODUCTS),
            ("tokens.json", TOKENS),
            ("documents.json", documents),
        ],
    );
    let server = MockServer::builder().fixtures_dir(&dir).start().await;
    let resp = reqwest::Client::new()
        .get(format!("{}/api/knowledge-base/d1", server.uri()))
        .header("X-API-Token", "prodgy_minimal")
        .send()
        .await
        .expect("sent");
    let body: serde_json::Value = resp.json().await.expect("json");
    assert_eq!(body["data"]["size_bytes"], 6);
}

/// A product, an agent, a workflow base of 3 s and `executions`.
fn run_dir(name: &str, executions: &str) -> PathBuf {
    let agents = "[{\"id\": \"a1\", \"product_id\": \"p1\", \"name\": \"A\"}, {\"id\": \"a2\", \"product_id\": \"p1\", \"name\": \"B\"}]";
    let workflows =
        "[{\"id\": \"w1\", \"name\": \"Flow\", \"agent_base_id\": \"a1\", \"duration_ms\": 3000}]";
    let triggers = "[{\"id\": \"f1\", \"agent_base_id\": \"a2\", \"name\": \"Nightly\", \"type\": \"schedule\", \"config\": {\"cron\": \"0 2 * * *\"}},\n {\"id\": \"f2\", \"agent_base_id\": \"a2\", \"name\": \"Local\", \"type\": \"schedule\", \"config\": {\"cron\": \"0 2 * * *\", \"timezone\": \"America/Sao_Paulo\"}}]";
    dir_with(
        name,
        &[
            ("products.json", PRODUCTS),
            ("agents.json", agents),
            ("workflows.json", workflows),
            ("triggers.json", triggers),
            ("executions.json", executions),
        ],
    )
}

#[tokio::test]
async fn an_execution_longer_than_its_run_is_refused() {
    let cases = [
        (
            "{\"id\": \"e1\", \"agent_base_id\": \"a1\", \"status\": \"completed\", \"started_at\": \"2026-02-02T09:00:00Z\", \"finished_at\": \"2026-02-02T09:00:04Z\", \"duration_ms\": 4000}",
            "execution 'e1': duration_ms 4000 is longer than its run takes: 3000 ms (the duration_ms of its workflow base 'w1')",
        ),
        (
            "{\"id\": \"e1\", \"agent_base_id\": \"a2\", \"status\": \"completed\", \"duration_ms\": 6000}",
            "execution 'e1': duration_ms 6000 is longer than its run takes: 5000 ms (the default, as neither its workflow base nor its agent sets duration_ms)",
        ),
        (
            "{\"id\": \"e1\", \"agent_base_id\": \"a1\", \"status\": \"completed\", \"started_at\": \"2026-02-02T09:00:00Z\", \"finished_at\": \"2026-02-02T09:00:02Z\", \"duration_ms\": 3000}",
            "execution 'e1' (record #1): duration_ms 3000 is longer than the 2000 ms from started_at to finished_at",
        ),
        (
            "{\"id\": \"e1\", \"agent_base_id\": \"a1\", \"status\": \"failed\", \"started_at\": \"2026-02-02T09:00:00Z\", \"finished_at\": \"2026-02-02T08:00:00Z\"}",
            "execution 'e1' (record #1): finished_at 2026-02-02T08:00:00Z is before started_at 2026-02-02T09:00:00Z",
        ),
    ];
    for (n, (execution, expected)) in cases.into_iter().enumerate() {
        let dir = run_dir(&format!("duration-{n}"), &format!("[\n  {execution}\n]"));
        let message = start_error(&dir).await;
        assert!(
            message.contains(&format!("executions.json:2:3: {expected}")),
            "{message}"
        );
    }
    let fine = "[{\"id\": \"e1\", \"agent_base_id\": \"a1\", \"status\": \"stopped\", \"started_at\": \"2026-02-02T09:00:00Z\", \"finished_at\": \"2026-02-02T09:10:00Z\", \"duration_ms\": 1000}]";
    let dir = run_dir("duration-fine", fine);
    MockServer::builder()
        .fixtures_dir(&dir)
        .try_start()
        .await
        .expect("a shorter run, paused for a while, is consistent");
}

#[tokio::test]
async fn a_scheduled_execution_off_its_cron_is_refused() {
    let off = "[\n  {\"id\": \"e1\", \"agent_base_id\": \"a2\", \"trigger_id\": \"f1\", \"trigger_type\": \"schedule\", \"status\": \"running\", \"started_at\": \"2026-02-05T16:00:00Z\"}\n]";
    let message = start_error(&run_dir("cron-off", off)).await;
    assert!(
        message.contains("executions.json:2:3: execution 'e1': started_at 2026-02-05T16:00:00Z is not a time its schedule trigger 'f1' fires (cron '0 2 * * *', in UTC)"),
        "{message}"
    );
    let on = "[{\"id\": \"e1\", \"agent_base_id\": \"a2\", \"trigger_id\": \"f1\", \"trigger_type\": \"schedule\", \"status\": \"completed\", \"started_at\": \"2026-02-05T02:00:00Z\"},\n {\"id\": \"e2\", \"agent_base_id\": \"a2\", \"trigger_id\": \"f2\", \"trigger_type\": \"schedule\", \"status\": \"completed\", \"started_at\": \"2026-02-05T05:00:00Z\"}]";
    MockServer::builder()
        .fixtures_dir(run_dir("cron-on", on))
        .try_start()
        .await
        .expect("on schedule, or in another time zone (not compared)");

    let triggers = "[\n  {\"id\": \"f1\", \"agent_base_id\": \"a1\", \"name\": \"Nightly\", \"type\": \"schedule\", \"config\": {\"cron\": \"0 2 * *\"}}\n]";
    let agents = "[{\"id\": \"a1\", \"product_id\": \"p1\", \"name\": \"A\"}]";
    let dir = dir_with(
        "cron-bad",
        &[
            ("products.json", PRODUCTS),
            ("agents.json", agents),
            ("triggers.json", triggers),
        ],
    );
    let message = start_error(&dir).await;
    assert!(
        message.contains("triggers.json:2:3: trigger 'f1' (record #1): field 'config.cron' is not a cron expression the mock can read: 4 fields; expected 5"),
        "{message}"
    );
}

#[tokio::test]
async fn the_shipped_fixtures_look_like_a_real_workspace() {
    let server = MockServer::builder().start().await;
    let state: serde_json::Value = reqwest::get(format!("{}/__admin/state", server.uri()))
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    let state = &state["data"];
    let list = |kind: &str| state[kind].as_array().cloned().unwrap_or_default();
    let by_id = |kind: &str, id: &serde_json::Value| {
        list(kind)
            .into_iter()
            .find(|r| &r["id"] == id)
            .unwrap_or_else(|| panic!("{kind} {id}"))
    };

    let categories: std::collections::HashSet<String> = list("catalog")
        .iter()
        .map(|c| c["category"].as_str().expect("category").to_owned())
        .collect();
    assert!(categories.len() >= 3, "{categories:?}");

    let tokens = list("tokens");
    let prefixes: std::collections::HashSet<&str> = tokens
        .iter()
        .map(|t| t["prefix"].as_str().expect("prefix"))
        .collect();
    assert_eq!(prefixes.len(), tokens.len(), "{prefixes:?}");
    for token in &tokens {
        let product = by_id("products", &token["product_id"]);
        let (made, born) = (token["created_at"].as_str(), product["created_at"].as_str());
        assert!(made >= born, "{} before its product", token["id"]);
    }

    for document in list("documents") {
        let content = document["content"].as_str().expect("content");
        assert_eq!(document["size_bytes"], content.len(), "{}", document["id"]);
    }

    // Every agent outputs from a template of its own; past outputs have its shape.
    for agent in list("agents").iter().chain(&list("catalog")) {
        assert!(agent["output_template"].is_object(), "{}", agent["id"]);
    }
    for execution in list("executions") {
        let workflow = by_id("workflows", &execution["workflow_base_id"]);
        let started = execution["started_at"].as_str().expect("started");
        let finished = execution["finished_at"].as_str().expect("finished");
        assert!(started <= finished);
        let planned = workflow["duration_ms"].as_u64().unwrap_or(5000);
        assert!(
            execution["duration_ms"].as_u64() <= Some(planned),
            "{}",
            execution["id"]
        );
        if execution["status"] == "completed" {
            let agent = by_id("agents", &execution["agent_base_id"]);
            let keys = |v: &serde_json::Value| {
                v.as_object()
                    .map(|o| o.keys().cloned().collect::<Vec<_>>())
                    .unwrap_or_default()
            };
            assert_eq!(
                keys(&execution["output"]),
                keys(&agent["output_template"]),
                "{}",
                execution["id"]
            );
        }
        let trigger = by_id("triggers", &execution["trigger_id"]);
        if trigger["type"] == "schedule" {
            assert_eq!(trigger["config"]["cron"], "0 2 * * *");
            assert_eq!(&started[11..], "02:00:00Z");
        }
    }
    let echo = by_id(
        "workflows",
        &serde_json::json!("b0c1d2e3-0004-4a5b-9c6d-500000000004"),
    );
    assert_eq!(echo["output_template"], "{{input}}");
}

#[tokio::test]
async fn token_roles_scopes_and_integration_templates_are_checked_naming_the_field() {
    let token = |extra: &str| {
        format!(
            "[\n  {{\"id\": \"t1\", \"product_id\": \"p1\", \"name\": \"T\", \"token\": \"prodgy_T1\", {extra}}}\n]\n"
        )
    };
    let role = dir_with(
        "role",
        &[
            ("products.json", PRODUCTS),
            ("tokens.json", &token("\"role\": \"owner\"")),
        ],
    );
    let message = start_error(&role).await;
    assert!(message.contains("tokens.json:2:3"), "{message}");
    assert!(
        message.contains("field 'role' must be one of \"member\", \"admin\", \"superadmin\""),
        "{message}"
    );
    let scopes = dir_with(
        "scopes",
        &[
            ("products.json", PRODUCTS),
            (
                "tokens.json",
                &token("\"scopes\": [\"mcp:read\", \"api:read\"]"),
            ),
        ],
    );
    let message = start_error(&scopes).await;
    assert!(
        message.contains("field 'scopes' must be an array of strings, each one of \"mcp:read\""),
        "{message}"
    );
    let twice = "[\n  {\"id\": \"i1\", \"type\": \"jira\", \"name\": \"Jira\"},\n  {\"id\": \"i2\", \"type\": \"jira\", \"name\": \"Jira 2\"}\n]\n";
    let duplicate = dir_with("templates", &[("integration_templates.json", twice)]);
    let message = start_error(&duplicate).await;
    assert!(
        message.contains("integration_templates.json:3:3"),
        "{message}"
    );
    assert!(
        message.contains("field 'type' value 'jira' is already used"),
        "{message}"
    );
    let slug = "[\n  {\"id\": \"i1\", \"type\": \"Azure DevOps\", \"name\": \"Azure\"}\n]\n";
    let message = start_error(&dir_with("slug", &[("integration_templates.json", slug)])).await;
    assert!(
        message.contains("field 'type' must be a lower-case identifier"),
        "{message}"
    );
}
