//! Tests that spawn the real binary, the way harnesses in other languages do.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_prodgy-mock");

fn spawn(args: &[&str]) -> (Child, String) {
    let mut child = Command::new(BIN)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary starts");
    let stdout = child.stdout.take().expect("stdout piped");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("first line");
    (child, line.trim_end().to_owned())
}

fn terminate(child: &Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
}

#[test]
fn port_zero_prints_the_real_url_first_and_serves_it() {
    let (mut child, line) = spawn(&["--port", "0"]);
    let url = line
        .strip_prefix("prodgy-mock listening on ")
        .expect("listening line");
    let port: u16 = url
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("port");
    assert!(url.starts_with("http://127.0.0.1:") && port != 0, "{line}");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let status = runtime.block_on(async {
        let resp = reqwest::Client::new()
            .get(format!("{url}/api/agent-base"))
            .header("X-API-Token", "prodgy_AcmeSupportDefaultToken000000001")
            .send()
            .await
            .expect("sent");
        resp.status().as_u16()
    });
    assert_eq!(status, 200);
    terminate(&child);
    assert_eq!(child.wait().expect("exits").code(), Some(0));
}

#[test]
fn sigterm_drains_and_exits_zero() {
    let (mut child, line) = spawn(&["--port", "0"]);
    assert!(line.starts_with("prodgy-mock listening on"));
    terminate(&child);
    assert_eq!(child.wait().expect("exits").code(), Some(0));
}

#[test]
fn help_lists_every_flag() {
    let out = Command::new(BIN).arg("--help").output().expect("runs");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--host",
        "--port",
        "--fixtures",
        "--scenario",
        "--seed",
        "--auth",
        "--log-format",
        "--header-timeout",
        "PRODGY_MOCK_PORT",
    ] {
        assert!(text.contains(flag), "--help lacks {flag}");
    }
}

#[test]
fn a_bad_flag_exits_2() {
    let out = Command::new(BIN)
        .arg("--auth=maybe")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("maybe"));
    let out = Command::new(BIN)
        .args(["--host", "not-an-ip", "--port", "0"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let out = Command::new(BIN)
        .args(["--header-timeout", "0s", "--port", "0"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("positive"));
}

#[test]
fn a_bad_fixture_directory_exits_3_naming_file_line_and_column() {
    let dir = std::env::temp_dir().join(format!("prodgy-mock-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(
        dir.join("products.json"),
        "[\n  {\"id\": \"p1\" \"name\": \"x\"}\n]",
    )
    .expect("write");
    let out = Command::new(BIN)
        .args(["--port", "0", "--fixtures"])
        .arg(&dir)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("products.json:2:15: invalid JSON"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty(), "no listening line on failure");
}

#[test]
fn environment_variables_stand_in_for_flags() {
    let out = Command::new(BIN)
        .env("PRODGY_MOCK_AUTH", "sometimes")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let (mut child, line) = {
        let mut child = Command::new(BIN)
            .env("PRODGY_MOCK_PORT", "0")
            .stdout(Stdio::piped())
            .spawn()
            .expect("starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("piped"))
            .read_line(&mut line)
            .expect("line");
        (child, line)
    };
    assert!(
        line.starts_with("prodgy-mock listening on http://127.0.0.1:") && !line.contains(":4010"),
        "{line}"
    );
    terminate(&child);
    assert_eq!(child.wait().expect("exits").code(), Some(0));
}

#[test]
fn ready_file_holds_the_url_once_serving_and_is_removed_on_exit() {
    let path = std::env::temp_dir().join(format!("prodgy-mock-ready-{}", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let (mut child, line) = spawn(&[
        "--port",
        "0",
        "--ready-file",
        path.to_str().expect("utf-8 path"),
    ]);
    let written =
        std::fs::read_to_string(&path).expect("ready file exists once the line is printed");
    assert_eq!(
        format!("prodgy-mock listening on {}", written.trim_end()),
        line
    );
    terminate(&child);
    assert_eq!(child.wait().expect("exits").code(), Some(0));
    assert!(!path.exists(), "the ready file is removed on shutdown");
}

#[test]
fn closing_stdin_stops_the_server_when_asked() {
    let mut child = Command::new(BIN)
        .args(["--port", "0", "--exit-on-stdin-eof"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("piped"))
        .read_line(&mut line)
        .expect("line");
    assert!(line.starts_with("prodgy-mock listening on"));
    drop(child.stdin.take());
    assert_eq!(child.wait().expect("exits").code(), Some(0));
}

#[test]
fn an_idle_server_exits_after_the_idle_timeout() {
    let (mut child, line) = spawn(&["--port", "0", "--idle-timeout", "200ms"]);
    assert!(line.starts_with("prodgy-mock listening on"));
    assert_eq!(child.wait().expect("exits by itself").code(), Some(0));
    let bad = Command::new(BIN)
        .args(["--idle-timeout", "soon"])
        .output()
        .expect("runs");
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn the_openapi_subcommand_prints_the_document() {
    let out = Command::new(BIN).arg("openapi").output().expect("runs");
    assert!(out.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["paths"]["/api/agent-base/{id}"]["get"].is_object());
}

#[test]
fn the_healthcheck_subcommand_reports_a_running_mock() {
    let (mut child, line) = spawn(&["--port", "0"]);
    let url = line.rsplit(' ').next().expect("url").to_owned();
    let ok = Command::new(BIN)
        .args(["healthcheck", "--url", &url])
        .status()
        .expect("runs");
    assert!(ok.success());
    terminate(&child);
    assert_eq!(child.wait().expect("exits").code(), Some(0));
    let down = Command::new(BIN)
        .args(["healthcheck", "--url", &url])
        .output()
        .expect("runs");
    assert_eq!(down.status.code(), Some(1));
}

#[test]
fn limit_flags_read_their_environment_variables() {
    for name in [
        "PRODGY_MOCK_UPLOAD_LIMIT",
        "PRODGY_MOCK_BODY_LIMIT",
        "PRODGY_MOCK_HEADER_TIMEOUT",
    ] {
        let out = Command::new(BIN)
            .env(name, "not-a-number")
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(2), "{name} is read and validated");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("not-a-number"),
            "{name}"
        );
    }
}

/// The lines a child writes to stderr, read on a thread so a test can wait with a deadline.
fn stderr_lines(child: &mut Child) -> std::sync::mpsc::Receiver<String> {
    let stderr = child.stderr.take().expect("stderr piped");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// Reads lines until one contains `needle` (at most 10 s), returning the lines read.
fn read_until(lines: &std::sync::mpsc::Receiver<String>, needle: &str) -> Vec<String> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let mut seen = Vec::new();
    while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
        let Ok(line) = lines.recv_timeout(left) else {
            break;
        };
        let found = line.contains(needle);
        seen.push(line);
        if found {
            return seen;
        }
    }
    panic!("no stderr line with '{needle}' within 10 s; read: {seen:#?}");
}

fn copied_fixtures(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("prodgy-mock-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    for entry in std::fs::read_dir(shipped).expect("fixtures") {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), dir.join(entry.file_name())).expect("copy");
    }
    dir
}

fn shell(tool: &str, args: &[&str]) {
    let status = Command::new(tool).args(args).stdout(Stdio::null()).status();
    assert!(status.expect("tool runs").success(), "{tool} {args:?}");
}

#[test]
fn one_edit_gives_one_reload_line_and_reads_give_none() {
    let dir = copied_fixtures("reload-lines");
    let agents = dir.join("agents.json");
    let agents = agents.to_str().expect("utf-8 path");
    let (mut child, line) = {
        let mut child = Command::new(BIN)
            .args(["--port", "0", "--fixtures", dir.to_str().expect("utf-8")])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("piped"))
            .read_line(&mut line)
            .expect("line");
        (child, line)
    };
    let url = line.trim_end().rsplit(' ').next().expect("url").to_owned();
    let lines = stderr_lines(&mut child);
    shell("sed", &["-i", "s/Support Triage/First edit/", agents]);
    let first = read_until(&lines, "reloaded");
    assert!(
        first.last().expect("line").contains("agents.json"),
        "{first:?}"
    );
    shell("cat", &[agents]);
    shell("touch", &[agents]);
    shell("sed", &["-i", "s/First edit/Second edit/", agents]);
    let second = read_until(&lines, "reloaded");
    assert_eq!(
        second.iter().filter(|l| l.contains("reload")).count(),
        1,
        "one line for the second edit, none for cat or touch: {second:#?}"
    );
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let health: serde_json::Value = runtime.block_on(async {
        let resp = reqwest::get(format!("{url}/__admin/health"))
            .await
            .expect("sent");
        resp.json().await.expect("json")
    });
    assert_eq!(health["data"]["reload"]["attempts"], 2, "{health}");
    assert_eq!(health["data"]["reload"]["applied"], 2, "{health}");
    terminate(&child);
    assert_eq!(child.wait().expect("exits").code(), Some(0));
}
