//! A second prodgy-mock to play a real instance, with what the built-ins do not have:
//! extra records (105 more integrations, so lists take two pages of 100, and one more agent),
//! an extra field (`color` on every agent), a field of another type (one agent's detail
//! answers `is_active: "yes"`) and a route that answers differently under a scenario
//! (`integrations.active` without `pagination`, a `meta` object instead).

use std::path::{Path, PathBuf};

use prodgy_mock::{MockServer, MockServerBuilder, Timestamp};
use serde_json::{Value, json};

use crate::helpers::{ACME, T0};

/// The agent whose detail answers a string `is_active`.
pub const RETYPED_AGENT: &str = "a9e1f3b5-0001-4c6d-8e7f-100000000001";
/// The planted extra agent.
pub const EXTRA_AGENT: &str = "a9e1f3b5-0009-4c6d-8e7f-100000000009";

/// An empty scratch directory for one test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("prodgy-mock-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn read(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("readable")).expect("JSON")
}

fn write(path: &Path, value: &Value) {
    let text = serde_json::to_string_pretty(value).expect("serializable");
    std::fs::write(path, text).expect("writable");
}

/// The built-in fixtures with extra records and an extra field, in a directory of their own.
pub fn planted_fixtures(name: &str) -> PathBuf {
    let dir = scratch(&format!("{name}-upstream"));
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    for entry in std::fs::read_dir(&shipped).expect("fixtures/") {
        let path = entry.expect("entry").path();
        std::fs::copy(&path, dir.join(path.file_name().expect("name"))).expect("copied");
    }
    let mut agents = read(&dir.join("agents.json"));
    let list = agents.as_array_mut().expect("an array");
    for agent in list.iter_mut() {
        agent["color"] = json!("teal");
    }
    list.push(json!({
        "id": EXTRA_AGENT, "product_id": ACME, "agent_id": "c1a0b2c3-0005-4000-8000-000000000005",
        "name": "Planted Agent", "color": "plum", "created_at": "2026-02-01T00:00:00Z",
    }));
    write(&dir.join("agents.json"), &agents);
    let mut integrations = read(&dir.join("integrations.json"));
    let list = integrations.as_array_mut().expect("an array");
    for n in 0..105 {
        list.push(json!({
            "id": format!("e5f6a7b8-9000-4c2d-9e3f-{n:012}"), "title": format!("Planted {n}"),
            "product_id": ACME, "type": "custom", "created_at": "2026-02-01T00:00:00Z",
        }));
    }
    write(&dir.join("integrations.json"), &integrations);
    dir
}

/// The scenario (a file beside the fixtures `dir`) under which the upstream answers differently from the mock: one agent's
/// detail has a string `is_active`, and the active integrations come without pagination.
pub fn planted_scenario(dir: &Path) -> PathBuf {
    let agent = json!({
        "id": RETYPED_AGENT, "product_id": ACME, "agent_id": "c1a0b2c3-0001-4000-8000-000000000001",
        "name": "Support Triage", "description": "", "is_active": "yes", "active_version": "1.4.0",
        "parameters": {}, "integrations": [], "output_template": null, "color": "teal",
        "created_at": "2026-01-10T12:00:00Z", "updated_at": "2026-02-01T12:00:00Z",
    });
    let scenario = json!({
        "name": "planted",
        "description": "what a real instance might do differently",
        "rules": [
            {
                "match": {"method": "GET", "path": format!("/api/agent-base/{RETYPED_AGENT}")},
                "respond": {"status": 200, "body": {"success": true, "message": "ok", "data": agent}},
            },
            {
                "match": {"route": "integrations.active"},
                "respond": {"status": 200, "body": {"success": true, "message": "ok", "data": [], "meta": {"count": 0}}},
            },
        ],
    });
    let path = dir.with_extension("planted-scenario.json");
    write(&path, &scenario);
    path
}

/// A mock on port 0 with its clock frozen at [`T0`].
pub async fn frozen(builder: MockServerBuilder) -> MockServer {
    builder
        .frozen_clock(Timestamp::parse(T0).expect("T0"))
        .start()
        .await
}

/// The planted upstream: extra records and field; with `scenario`, the planted answers too.
pub async fn planted_upstream(name: &str, scenario: bool) -> MockServer {
    let fixtures = planted_fixtures(name);
    let mut builder = MockServer::builder().fixtures_dir(&fixtures);
    if scenario {
        builder = builder.scenario(planted_scenario(&fixtures).display().to_string());
    }
    frozen(builder).await
}
