//! Hot reload: good edits take effect, broken edits keep the old set, renames are picked up.
//! Tests wait on the server's reload notifications (up to 10 s), never on wall time.

use std::path::{Path, PathBuf};
use std::time::Duration;

use prodgy_mock::{MockServer, ReloadReport};
use reqwest::Method;
use serde_json::{Value, json};
use tokio::sync::watch;

use crate::helpers::TestApp;
use crate::scenarios::scratch;

const AGENT: &str = "a9e1f3b5-0001-4c6d-8e7f-100000000001";

fn rule(status: u16) -> String {
    json!({"name": "watched", "rules": [
        {"match": {"route": "agents.list"}, "respond": {"status": status}}
    ]})
    .to_string()
}

/// Waits until `attempts` reloads have been tried, and returns the latest report.
async fn reloaded(reports: &mut watch::Receiver<ReloadReport>, attempts: u64) -> ReloadReport {
    let waited = tokio::time::timeout(
        Duration::from_secs(10),
        reports.wait_for(|r| r.attempts >= attempts),
    )
    .await;
    waited
        .expect("a reload within 10 s")
        .expect("server alive")
        .clone()
}

async fn watched_scenario(name: &str, status: u16) -> (TestApp, PathBuf) {
    let path = scratch(name).join("watched.json");
    std::fs::write(&path, rule(status)).expect("write");
    let builder = MockServer::builder()
        .scenario(path.display().to_string())
        .watch(true);
    (TestApp::with(builder).await, path)
}

#[tokio::test]
async fn a_good_scenario_edit_takes_effect() {
    let (app, path) = watched_scenario("reload-good", 500).await;
    let mut reports = app.server.reloads();
    assert_eq!(app.get("/api/agent-base").await.status, 500);
    std::fs::write(&path, rule(404)).expect("edit");
    let report = reloaded(&mut reports, 1).await;
    assert_eq!(report.error, None);
    assert_eq!(app.get("/api/agent-base").await.status, 404);
}

#[tokio::test]
async fn a_broken_edit_keeps_the_old_behaviour_and_reports_where() {
    let (app, path) = watched_scenario("reload-broken", 500).await;
    let mut reports = app.server.reloads();
    std::fs::write(
        &path,
        "{\"rules\": [\n  {\"respond\": {\"status\": 99}}\n]}",
    )
    .expect("edit");
    let report = reloaded(&mut reports, 1).await;
    let error = report.error.expect("refused");
    let expected = format!("{}:2:28: impossible status 99", path.display());
    assert!(error.starts_with(&expected), "{error}");
    assert_eq!(report.applied, 0);
    assert_eq!(app.get("/api/agent-base").await.status, 500);
}

#[tokio::test]
async fn a_file_replaced_by_rename_is_picked_up() {
    let (app, path) = watched_scenario("reload-rename", 500).await;
    let mut reports = app.server.reloads();
    let temp = path.with_file_name(".watched.json.swp");
    std::fs::write(&temp, rule(401)).expect("write temp");
    std::fs::rename(&temp, &path).expect("rename");
    let report = reloaded(&mut reports, 1).await;
    assert_eq!(report.error, None);
    assert_eq!(app.get("/api/agent-base").await.status, 401);
}

fn copy_fixtures(name: &str) -> PathBuf {
    let dir = scratch(name);
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    for entry in std::fs::read_dir(shipped).expect("fixtures") {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), dir.join(entry.file_name())).expect("copy");
    }
    dir
}

fn rename_agent(dir: &Path, name: &str) {
    let file = dir.join("agents.json");
    let text = std::fs::read_to_string(&file).expect("read");
    let mut agents: Value = serde_json::from_str(&text).expect("json");
    agents[0]["name"] = json!(name);
    std::fs::write(&file, serde_json::to_string_pretty(&agents).expect("json")).expect("write");
}

#[tokio::test]
async fn a_fixture_edit_replaces_the_seed_and_keeps_client_state() {
    let dir = copy_fixtures("reload-fixtures");
    let app = TestApp::with(MockServer::builder().fixtures_dir(&dir).watch(true)).await;
    let mut reports = app.server.reloads();
    let created = app
        .send(
            Method::POST,
            "/api/integrations-base",
            json!({"title": "Mine", "type": "webhook"}),
        )
        .await;
    let mine = created.body["data"]["id"].as_str().expect("id").to_owned();
    rename_agent(&dir, "Renamed Triage");
    assert_eq!(reloaded(&mut reports, 1).await.error, None);
    let agent = app.get(&format!("/api/agent-base/{AGENT}")).await;
    assert_eq!(agent.body["data"]["name"], "Renamed Triage");
    let kept = app.get(&format!("/api/integrations-base/{mine}")).await;
    assert_eq!(kept.status, 200, "client state survives a reload");

    std::fs::write(dir.join("agents.json"), "[\n  {\"id\": 5}\n]").expect("break");
    let report = reloaded(&mut reports, 2).await;
    assert!(report.error.expect("refused").contains("agents.json:2:"));
    let agent = app.get(&format!("/api/agent-base/{AGENT}")).await;
    assert_eq!(
        agent.body["data"]["name"], "Renamed Triage",
        "old seed serves"
    );

    app.server.reset();
    let gone = app.get(&format!("/api/integrations-base/{mine}")).await;
    assert_eq!(gone.status, 404, "an explicit reset drops client state");
}

#[tokio::test]
async fn without_watch_nothing_is_reloaded() {
    let path = scratch("reload-off").join("watched.json");
    std::fs::write(&path, rule(500)).expect("write");
    let app = TestApp::with(MockServer::builder().scenario(path.display().to_string())).await;
    std::fs::write(&path, rule(404)).expect("edit");
    assert_eq!(app.server.reloads().borrow().attempts, 0);
    assert_eq!(app.get("/api/agent-base").await.status, 500);
}

/// Runs a shell tool on `file` the way a user at a terminal would.
fn run(tool: &str, args: &[&str], file: &Path) {
    let status = std::process::Command::new(tool)
        .args(args)
        .arg(file)
        .stdout(std::process::Stdio::null())
        .status()
        .expect("tool runs");
    assert!(status.success(), "{tool} {args:?} failed");
}

/// Waits until a burst of events was found to change nothing, and returns the latest report.
async fn unchanged(reports: &mut watch::Receiver<ReloadReport>, bursts: u64) -> ReloadReport {
    let waited = tokio::time::timeout(
        Duration::from_secs(10),
        reports.wait_for(|r| r.unchanged >= bursts),
    )
    .await;
    waited
        .expect("the watcher looked within 10 s")
        .expect("server alive")
        .clone()
}

#[tokio::test]
async fn sed_reloads_once_and_cat_touch_or_an_unchanged_save_reload_nothing() {
    let dir = copy_fixtures("reload-editors");
    let app = TestApp::with(MockServer::builder().fixtures_dir(&dir).watch(true)).await;
    let mut reports = app.server.reloads();
    let agents = dir.join("agents.json");
    run("sed", &["-i", "s/Support Triage/Triage by sed/"], &agents);
    let report = reloaded(&mut reports, 1).await;
    assert_eq!(
        (report.error, report.changed),
        (None, vec![agents.canonicalize().expect("path")])
    );
    let agent = app.get(&format!("/api/agent-base/{AGENT}")).await;
    assert_eq!(agent.body["data"]["name"], "Triage by sed");

    run("cat", &[], &agents);
    run("touch", &[], &agents);
    let same = std::fs::read(&agents).expect("read");
    std::fs::write(&agents, same).expect("save unchanged");
    let report = unchanged(&mut reports, 1).await;
    assert_eq!(
        (report.attempts, report.applied),
        (1, 1),
        "nothing reloaded"
    );
}

#[tokio::test]
async fn a_scenario_whose_file_did_not_change_keeps_its_counters() {
    let dir = copy_fixtures("reload-counters");
    let retry = dir.join("retry.scenario");
    let retry_rules = json!({"name": "retry", "rules": [
        {"match": {"route": "agents.list"}, "when": {"first": 2}, "respond": {"status": 500}}
    ]});
    std::fs::write(&retry, retry_rules.to_string()).expect("write");
    let other = scratch("reload-counters-other").join("other.json");
    std::fs::write(&other, rule(418)).expect("write");
    let builder = MockServer::builder()
        .fixtures_dir(&dir)
        .scenario(retry.display().to_string())
        .scenario(other.display().to_string())
        .watch(true);
    let app = TestApp::with(builder).await;
    let mut reports = app.server.reloads();
    assert_eq!(app.get("/api/agent-base").await.status, 500, "first call");

    rename_agent(&dir, "Edited while counting");
    assert_eq!(reloaded(&mut reports, 1).await.error, None);
    std::fs::write(&other, json!({"name": "watched", "rules": []}).to_string()).expect("edit");
    assert_eq!(reloaded(&mut reports, 2).await.error, None);

    assert_eq!(app.get("/api/agent-base").await.status, 500, "second call");
    assert_eq!(
        app.get("/api/agent-base").await.status,
        200,
        "third call succeeds"
    );
}

#[tokio::test]
async fn a_misnamed_file_is_refused_on_reload_and_editor_files_are_not() {
    let dir = copy_fixtures("reload-misnamed");
    let app = TestApp::with(MockServer::builder().fixtures_dir(&dir).watch(true)).await;
    let mut reports = app.server.reloads();
    for junk in ["4913", "agents.json~", ".agents.json.swp", "README"] {
        std::fs::write(dir.join(junk), "not a fixture").expect("editor file");
    }
    rename_agent(&dir, "Saved by vim");
    assert_eq!(reloaded(&mut reports, 1).await.error, None);

    std::fs::write(dir.join("agent.json"), "[]").expect("misnamed");
    let report = reloaded(&mut reports, 2).await;
    let error = report.error.expect("refused");
    assert!(
        error.contains("agent.json: unknown fixture file; did you mean agents.json?"),
        "{error}"
    );
    let agent = app.get(&format!("/api/agent-base/{AGENT}")).await;
    assert_eq!(
        agent.body["data"]["name"], "Saved by vim",
        "old state serves"
    );
}

#[tokio::test]
async fn an_exported_state_file_given_as_fixtures_is_watched_too() {
    let source = TestApp::spawn().await;
    let export = source.get("/__admin/state").await;
    let file = scratch("reload-export").join("state.json");
    std::fs::write(&file, &export.text).expect("write export");
    let app = TestApp::with(MockServer::builder().fixtures_dir(&file).watch(true)).await;
    let mut reports = app.server.reloads();
    let mut state: Value = serde_json::from_str(&export.text).expect("json");
    state["data"]["agents"][0]["name"] = json!("Edited in the export");
    std::fs::write(&file, state.to_string()).expect("edit");
    assert_eq!(reloaded(&mut reports, 1).await.error, None);
    let agent = app.get(&format!("/api/agent-base/{AGENT}")).await;
    assert_eq!(agent.body["data"]["name"], "Edited in the export");
}
