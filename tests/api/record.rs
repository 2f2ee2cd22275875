//! `record` against a second mock playing the instance: what it writes loads with
//! `--fixtures` and answers as the upstream did; a rate limit is waited out; a failure names
//! the route and leaves nothing behind.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use hyper::Method;
use prodgy_mock::MockServer;
use prodgy_mock::record::{RecordError, RecordOptions, Written, crawl, record};
use prodgy_mock::routes::{Answer, OPERATIONS};
use prodgy_mock::schema::Kind;
use serde_json::{Value, json};

use crate::helpers::{ACME_TOKEN, Resp};
use crate::planted::{EXTRA_AGENT, frozen, planted_fixtures, planted_upstream, scratch};

/// Records `upstream` into `out` as fast as it answers; returns the outcome and the progress
/// lines.
pub async fn record_into(
    upstream: &MockServer,
    out: &Path,
    max_records: Option<usize>,
) -> (Result<Written, RecordError>, Vec<String>) {
    let lines = Mutex::new(Vec::new());
    let progress = |line: &str| lines.lock().expect("lines").push(line.to_owned());
    let options = RecordOptions {
        upstream: upstream.uri(),
        token: ACME_TOKEN.into(),
        out: out.to_owned(),
        max_records,
        rate: 0.0,
        seed: 42,
        force: false,
    };
    let outcome = record(&options, &progress).await;
    (outcome, lines.into_inner().expect("lines"))
}

/// GET `path` from `server` with `token`.
pub async fn get(server: &MockServer, path: &str, token: &str) -> Resp {
    let response = reqwest::Client::new()
        .get(format!("{}{path}", server.uri()))
        .header("X-API-Token", token)
        .send()
        .await
        .expect("sent");
    Resp::read(response).await
}

/// The ids in the recorded file of `kind`.
fn recorded_ids(dir: &Path, kind: Kind) -> Vec<String> {
    let text = std::fs::read_to_string(dir.join(kind.file_name())).expect("recorded file");
    let records: Vec<Value> = serde_json::from_str(&text).expect("JSON");
    records
        .iter()
        .filter_map(|r| r["id"].as_str().map(str::to_owned))
        .collect()
}

/// Every GET the recording covers, with the ids it recorded: lists (first and second page)
/// and each record's detail. Search (it reads text answers never show) and audit trails
/// (not fixture data) are left out.
fn recorded_paths(dir: &Path) -> Vec<String> {
    let mut paths = Vec::new();
    for op in OPERATIONS.iter().filter(|op| op.method == Method::GET) {
        if matches!(op.answer, Answer::Stream)
            || ["knowledge.search", "tokens.audit_logs"].contains(&op.name)
        {
            continue;
        }
        let concrete: Vec<String> = match (op.param_name(), crawl::param_kind(op)) {
            (Some(param), Some(kind)) => recorded_ids(dir, kind)
                .iter()
                .map(|id| op.path.replace(&format!("{{{param}}}"), id))
                .collect(),
            _ => vec![op.path.to_owned()],
        };
        for path in concrete {
            if matches!(op.answer, Answer::List(_)) {
                paths.push(format!("{path}?page=2&pageSize=50"));
            }
            paths.push(path);
        }
    }
    paths
}

/// A token's usage changes with every call it makes: left out of the comparison.
fn without_usage(mut body: Value) -> Value {
    fn walk(value: &mut Value) {
        match value {
            Value::Object(map) if map.contains_key("prefix") => {
                map.remove("usage_count");
                map.remove("last_used_at");
            }
            Value::Object(map) => map.values_mut().for_each(walk),
            Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    walk(&mut body);
    body
}

fn scenario_file(dir: &Path, rules: Value) -> PathBuf {
    let path = dir.with_extension("scenario.json");
    let text = json!({"name": "upstream", "rules": rules}).to_string();
    std::fs::write(&path, text).expect("scenario written");
    path
}

#[tokio::test]
async fn what_record_writes_answers_as_the_upstream_did() {
    let upstream = planted_upstream("same", false).await;
    let out = scratch("same-out").join("recorded");
    let (written, lines) = record_into(&upstream, &out, None).await;
    let written = written.expect("recorded");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("integrations.list: 110 integrations (pages read: 2)")),
        "{lines:?}"
    );
    let mine = written.tokens.iter().find(|t| t.yours).expect("your token");
    assert!(mine.secret.starts_with("prodgy_A") && mine.secret != ACME_TOKEN);
    let served = frozen(MockServer::builder().fixtures_dir(&out)).await;
    let paths = recorded_paths(&out);
    assert!(paths.len() > 150, "{}", paths.len());
    for path in &paths {
        let (theirs, ours) = (
            get(&upstream, path, ACME_TOKEN).await,
            get(&served, path, &mine.secret).await,
        );
        assert_eq!(theirs.status, ours.status, "{path}: {}", ours.text);
        assert_eq!(
            without_usage(theirs.body),
            without_usage(ours.body),
            "{path}"
        );
    }
    let agent = get(
        &served,
        &format!("/api/agent-base/{EXTRA_AGENT}"),
        &mine.secret,
    )
    .await;
    assert_eq!(
        agent.body["data"]["color"],
        json!("plum"),
        "extra records and fields kept"
    );
    let tokens = std::fs::read_to_string(out.join("tokens.json")).expect("tokens");
    assert!(
        !tokens.contains(ACME_TOKEN),
        "the upstream secret is not written"
    );
}

#[tokio::test]
async fn record_waits_out_the_upstreams_rate_limit() {
    let dir = planted_fixtures("ratelimited");
    let rules = json!([{ "match": {"route": "agents.list"}, "when": {"first": 2},
                         "respond": {"status": 429, "headers": {"Retry-After": "0"}} }]);
    let scenario = scenario_file(&dir, rules);
    let upstream = frozen(
        MockServer::builder()
            .fixtures_dir(&dir)
            .scenario(scenario.display().to_string()),
    )
    .await;
    let out = scratch("ratelimited-out").join("recorded");
    let (written, lines) = record_into(&upstream, &out, None).await;
    written.expect("recorded after waiting");
    let waits = lines
        .iter()
        .filter(|l| l.contains("agents.list: GET /api/agent-base?page=1&pageSize=100 was rate-limited (429); waiting 0s"))
        .count();
    assert_eq!(waits, 2, "{lines:?}");
}

#[tokio::test]
async fn an_upstream_failure_names_the_route_and_leaves_no_directory() {
    let dir = planted_fixtures("failing");
    let rules = json!([{ "match": {"route": "integrations.list"}, "respond": {"status": 500} }]);
    let scenario = scenario_file(&dir, rules);
    let upstream = frozen(
        MockServer::builder()
            .fixtures_dir(&dir)
            .scenario(scenario.display().to_string()),
    )
    .await;
    let out = scratch("failing-out").join("recorded");
    let (written, _) = record_into(&upstream, &out, None).await;
    let error = written.expect_err("a 500 stops the recording");
    assert_eq!(error.exit_code(), 1);
    assert!(
        error.to_string().starts_with(
            "integrations.list: GET /api/integrations-base?page=1&pageSize=100 answered 500"
        ),
        "{error}"
    );
    assert!(!out.exists(), "nothing half-written");
    let parent = out.parent().expect("parent");
    assert_eq!(
        std::fs::read_dir(parent).expect("dir").count(),
        0,
        "no temporary left"
    );
}

#[tokio::test]
async fn max_records_bounds_each_kind_and_the_result_still_loads() {
    let upstream = planted_upstream("bounded", false).await;
    let out = scratch("bounded-out").join("recorded");
    let (written, _) = record_into(&upstream, &out, Some(3)).await;
    let written = written.expect("recorded");
    let count = |kind: Kind| written.counts[kind.index()].1;
    assert_eq!(count(Kind::Integration), 3);
    assert_eq!(count(Kind::Token), 3);
    assert!(
        MockServer::builder()
            .fixtures_dir(&out)
            .try_start()
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn an_unreachable_upstream_is_named() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", closed.local_addr().expect("addr"));
    drop(closed);
    let lines = Mutex::new(Vec::new());
    let progress = |line: &str| lines.lock().expect("lines").push(line.to_owned());
    let options = RecordOptions {
        upstream: url.clone(),
        token: ACME_TOKEN.into(),
        out: scratch("unreachable-out").join("recorded"),
        max_records: None,
        rate: 0.0,
        seed: 42,
        force: false,
    };
    let error = record(&options, &progress)
        .await
        .expect_err("nobody listens");
    assert!(
        error
            .to_string()
            .starts_with(&format!("upstream {url} unreachable: ")),
        "{error}"
    );
}
