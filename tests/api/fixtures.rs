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
