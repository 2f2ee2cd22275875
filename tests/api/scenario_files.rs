//! Scenario files that cannot be used stop startup with exit code 4 and `file:line:column`.

use prodgy_mock::{MockServer, StartError};
use serde_json::json;

use crate::scenarios::{scenario_file, scratch, with_scenarios};

async fn scenario_error(text: &str, name: &str) -> String {
    let path = scratch(name).join("bad.json");
    std::fs::write(&path, text).expect("write");
    let err = MockServer::builder()
        .scenario(path.display().to_string())
        .try_start()
        .await
        .expect_err("must refuse");
    assert!(matches!(err, StartError::Scenario(_)), "{err}");
    assert_eq!(err.exit_code(), 4);
    err.to_string()
        .replace(&path.display().to_string(), "bad.json")
}

#[tokio::test]
async fn a_bad_scenario_file_stops_startup_with_file_line_and_column() {
    let unknown_key = "{\n  \"rules\": [\n    {\"respnd\": {\"status\": 500}}\n  ]\n}\n";
    let message = scenario_error(unknown_key, "unknown-key").await;
    assert!(
        message.starts_with("bad.json:3:13: unknown field `respnd`"),
        "{message}"
    );
    let status = "{\"rules\": [\n  {\"respond\": {\"status\": 700}}\n]}\n";
    let message = scenario_error(status, "bad-status").await;
    assert!(
        message.starts_with("bad.json:2:29: impossible status 700"),
        "{message}"
    );
    let when = "{\"rules\": [{\"when\": {\"probability\": 2.5}}]}";
    let message = scenario_error(when, "bad-when").await;
    assert!(
        message.contains("probability 2.5 is not between 0 and 1"),
        "{message}"
    );
}

#[tokio::test]
async fn an_unknown_scenario_name_stops_startup_listing_the_built_ins() {
    let err = MockServer::builder()
        .scenario("nope")
        .try_start()
        .await
        .expect_err("must refuse");
    assert_eq!(err.exit_code(), 4);
    assert!(err.to_string().contains("unknown scenario 'nope'"), "{err}");
    assert!(err.to_string().contains("retry-then-succeed"), "{err}");
}

#[tokio::test]
async fn a_pattern_matching_no_route_is_a_warning_naming_it() {
    let file = scenario_file(
        "no-route",
        &json!({"rules": [{"match": {"path": "/api/nowhere"}, "respond": {"status": 500}}]}),
    );
    let app = with_scenarios(&[&file]).await;
    let listed = app.get("/__admin/scenario").await;
    let mine = listed.body["data"]["available"]
        .as_array()
        .and_then(|a| a.iter().find(|s| s["name"] == "no-route").cloned())
        .expect("listed");
    let warning = mine["warnings"][0].as_str().unwrap_or_default();
    assert!(
        warning.ends_with("rule 1 of scenario 'no-route' (/api/nowhere) matches no known route"),
        "{warning}"
    );
}

#[test]
fn the_binary_exits_with_code_4_naming_the_bad_file() {
    let path = scratch("cli-bad").join("bad.json");
    std::fs::write(&path, "{\"rules\": [], \"ruels\": []}").expect("write");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_prodgy-mock"))
        .args(["--port", "0", "--scenario"])
        .arg(&path)
        .output()
        .expect("binary runs");
    assert_eq!(output.status.code(), Some(4));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let expected = format!(
        "prodgy-mock: {}:1:21: unknown field `ruels`",
        path.display()
    );
    assert!(stderr.starts_with(&expected), "{stderr}");
}
