//! Tests that spawn the real binary, the way harnesses in other languages do.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_prodgy-mock");

fn spawn(args: &[&str]) -> (Child, String) {
    start(Command::new(BIN).args(args))
}

/// Starts `command` with stdout and stderr piped and returns it with its first stdout line
/// (empty when it exited before printing one).
fn start(command: &mut Command) -> (Child, String) {
    let mut child = command
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

/// The base URL from a listening line.
fn url_of(line: &str) -> String {
    line.strip_prefix("prodgy-mock listening on ")
        .unwrap_or_else(|| panic!("not a listening line: {line:?}"))
        .to_owned()
}

/// An empty scratch directory for one test.
fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("prodgy-mock-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// Runs `future` to completion on a fresh runtime.
fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Runtime::new()
        .expect("runtime")
        .block_on(future)
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
        "--verbose",
        "PRODGY_MOCK_VERBOSE",
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
fn inconsistent_fixtures_and_bad_templates_exit_3_naming_file_line_and_column() {
    let dir = scratch("inconsistent");
    let products =
        "[{\"id\": \"p1\", \"name\": \"One\", \"created_at\": \"2025-11-03T09:00:00Z\"}]";
    std::fs::write(dir.join("products.json"), products).expect("write");
    let tokens = "[\n  {\"id\": \"t1\", \"product_id\": \"p1\", \"name\": \"early\", \"token\": \"prodgy_early\", \"created_at\": \"2025-10-01T08:00:00Z\"}\n]";
    std::fs::write(dir.join("tokens.json"), tokens).expect("write");
    let run = || {
        Command::new(BIN)
            .args(["--port", "0", "--fixtures"])
            .arg(&dir)
            .output()
            .expect("runs")
    };
    let out = run();
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("tokens.json:2:3: API token 't1': created_at 2025-10-01T08:00:00Z is before its product 'p1' was created"),
        "{stderr}"
    );

    std::fs::remove_file(dir.join("tokens.json")).expect("remove");
    let agents = "[{\"id\": \"a1\", \"product_id\": \"p1\", \"name\": \"A\", \"output_template\": {\"x\": \"{{input.ok}} {{nope}}\"}}]";
    std::fs::write(dir.join("agents.json"), agents).expect("write");
    let out = run();
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("agents.json:1:2: agent 'a1' (record #1): field 'output_template.x' holds unknown placeholder '{{nope}}'"),
        "{stderr}"
    );
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

#[test]
fn the_readme_state_round_trip_reproduces_the_state() {
    // The README's commands, run as written: the export saved whole by curl, then loaded back.
    let readme = include_str!("../README.md");
    assert!(readme.contains("curl -s $A/state > state.json"));
    assert!(readme.contains("prodgy-mock --fixtures state.json "));
    let dir = scratch("round-trip");
    let (mut first, line) = spawn(&["--port", "0"]);
    let url = url_of(&line);
    let client = reqwest::Client::new();
    let (created, exported) = block_on(async {
        let created: serde_json::Value = client
            .post(format!("{url}/api/integrations-base"))
            .header("X-API-Token", "prodgy_AcmeSupportDefaultToken000000001")
            .json(&serde_json::json!({"title": "Made before the export"}))
            .send()
            .await
            .expect("created")
            .json()
            .await
            .expect("json");
        let response = client.get(format!("{url}/__admin/state")).send().await;
        let bytes = response.expect("state").bytes().await.expect("body");
        (created, bytes)
    });
    std::fs::write(dir.join("state.json"), &exported).expect("state.json written");
    terminate(&first);
    assert_eq!(first.wait().expect("exits").code(), Some(0));

    let (mut second, line) = start(Command::new(BIN).current_dir(&dir).args([
        "--fixtures",
        "state.json",
        "--port",
        "0",
    ]));
    if line.is_empty() {
        let out = second.wait_with_output().expect("exited");
        panic!(
            "--fixtures state.json refused ({:?}): {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let url = url_of(&line);
    let id = created["data"]["id"].as_str().expect("new id").to_owned();
    let (again, integration) = block_on(async {
        let state = client.get(format!("{url}/__admin/state")).send().await;
        let state: serde_json::Value = state.expect("state").json().await.expect("json");
        let integration = client
            .get(format!("{url}/api/integrations-base/{id}"))
            .header("X-API-Token", "prodgy_AcmeSupportDefaultToken000000001")
            .send()
            .await
            .expect("sent");
        let integration: serde_json::Value = integration.json().await.expect("json");
        (state, integration)
    });
    let exported: serde_json::Value = serde_json::from_slice(&exported).expect("json");
    assert_eq!(again["data"], exported["data"], "the same records");
    assert_eq!(integration["data"]["title"], "Made before the export");
    terminate(&second);
    assert_eq!(second.wait().expect("exits").code(), Some(0));
}

#[test]
fn openapi_into_a_pipe_closed_early_exits_zero_quietly() {
    // `prodgy-mock openapi | head -1`: the reader leaves after one line of a ~200 KB document.
    let mut child = Command::new(BIN)
        .arg("openapi")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("piped"))
        .read_line(&mut line)
        .expect("first line");
    assert_eq!(line, "{\n");
    let out = child.wait_with_output().expect("exits");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.is_empty(), "quiet: {stderr}");
}

/// The write end of a pipe nobody will ever read: every write to it fails with EPIPE.
fn broken_pipe() -> Stdio {
    let mut reader = Command::new("true")
        .stdin(Stdio::piped())
        .spawn()
        .expect("`true` runs");
    let write_end = reader.stdin.take().expect("piped");
    reader.wait().expect("`true` exits, closing the read end");
    Stdio::from(write_end)
}

#[test]
fn a_closed_stdout_does_not_stop_the_server() {
    let ready = scratch("closed-stdout").join("ready");
    let mut child = Command::new(BIN)
        .args(["--port", "0", "--ready-file"])
        .arg(&ready)
        .stdout(broken_pipe())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let url = loop {
        if let Ok(url) = std::fs::read_to_string(&ready) {
            break url.trim_end().to_owned();
        }
        assert!(child.try_wait().expect("alive?").is_none(), "exited early");
        assert!(std::time::Instant::now() < deadline, "no ready file");
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    let status = block_on(async {
        let health = reqwest::get(format!("{url}/__admin/health")).await;
        health.expect("answered").status().as_u16()
    });
    assert_eq!(status, 200);
    terminate(&child);
    let out = child.wait_with_output().expect("exits");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn logs_into_a_pipe_have_no_colour_codes() {
    let (child, line) = spawn(&["--port", "0"]);
    assert!(line.starts_with("prodgy-mock listening on"));
    terminate(&child);
    let out = child.wait_with_output().expect("exits");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("shutting down"), "a log line: {stderr}");
    assert!(!stderr.contains("\x1b["), "no ANSI escapes: {stderr:?}");
}

/// Starts the binary with `args` and `env`, sends `GET /api/agent-base` in namespace `ns1`
/// and `GET /__admin/health`, stops it and returns its whole stderr. Each log line is
/// written before its response is sent, and stderr is read after exit: nothing races.
fn stderr_after_two_requests(args: &[&str], env: &[(&str, &str)]) -> String {
    let mut command = Command::new(BIN);
    command.args(["--port", "0"]).args(args);
    for (name, value) in env {
        command.env(name, value);
    }
    let (child, line) = start(&mut command);
    let url = url_of(&line);
    block_on(async {
        let client = reqwest::Client::new();
        client
            .get(format!("{url}/api/agent-base"))
            .header("X-API-Token", "prodgy_AcmeSupportDefaultToken000000001")
            .header("X-Mock-Namespace", "ns1")
            .send()
            .await
            .expect("answered");
        let health = client.get(format!("{url}/__admin/health")).send().await;
        health.expect("answered");
    });
    terminate(&child);
    let out = child.wait_with_output().expect("exits");
    assert_eq!(out.status.code(), Some(0));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn verbose_logs_one_line_per_request_with_its_rule() {
    let stderr = stderr_after_two_requests(&["--verbose", "--scenario", "retry-then-succeed"], &[]);
    let line = stderr
        .lines()
        .find(|l| l.contains("path=/api/agent-base"))
        .unwrap_or_else(|| panic!("no request line in {stderr}"));
    for field in [
        "DEBUG",
        "method=GET",
        "status=500",
        "duration_ms=",
        "namespace=ns1",
        "route=agents.list",
        "rule=retry-then-succeed#1",
    ] {
        assert!(line.contains(field), "{field} missing from {line}");
    }
    let admin = stderr
        .lines()
        .find(|l| l.contains("path=/__admin/health"))
        .unwrap_or_else(|| panic!("admin requests are logged too: {stderr}"));
    assert!(admin.contains("status=200"), "{admin}");
}

#[test]
fn the_verbose_environment_variable_works_and_prodgy_mock_log_wins() {
    let stderr = stderr_after_two_requests(&[], &[("PRODGY_MOCK_VERBOSE", "1")]);
    assert!(stderr.contains("path=/api/agent-base"), "{stderr}");
    let quiet = stderr_after_two_requests(&["--verbose"], &[("PRODGY_MOCK_LOG", "info")]);
    assert!(quiet.contains("shutting down"), "{quiet}");
    assert!(!quiet.contains("path=/api/agent-base"), "{quiet}");
    let silent = stderr_after_two_requests(&[], &[]);
    assert!(
        !silent.contains("path=/api/agent-base"),
        "off by default: {silent}"
    );
}

#[test]
fn switch_variables_accept_1_as_well_as_true() {
    let mut child = Command::new(BIN)
        .args(["--port", "0"])
        .env("PRODGY_MOCK_EXIT_ON_STDIN_EOF", "1")
        .env("PRODGY_MOCK_NO_WATCH", "yes")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("piped"))
        .read_line(&mut line)
        .expect("line");
    drop(child.stdin.take());
    let out = child.wait_with_output().expect("exits");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(line.starts_with("prodgy-mock listening on"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "stdin EOF stopped it: {stderr}");
}

#[test]
fn a_misnamed_fixture_file_exits_3_naming_it_and_the_closest_name() {
    let dir = scratch("misnamed");
    std::fs::write(dir.join("agent.json"), "[]").expect("write");
    let out = Command::new(BIN)
        .args(["--port", "0", "--fixtures"])
        .arg(&dir)
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    let expected = format!(
        "{}: unknown fixture file; did you mean agents.json?",
        dir.join("agent.json").display()
    );
    assert!(stderr.contains(&expected), "{stderr}");
}

/// Runs `prodgy-mock ARGS` with `env` (and no inherited PRODGY_MOCK_* settings) and returns
/// its exit code and stderr.
fn run_with(args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String) {
    let mut command = Command::new(BIN);
    command.args(args);
    for (name, _) in std::env::vars().filter(|(n, _)| n.starts_with("PRODGY_MOCK_")) {
        command.env_remove(name);
    }
    for (name, value) in env {
        command.env(name, value);
    }
    let out = command.output().expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out.status.code(), stderr)
}

#[test]
fn healthcheck_follows_the_port_settings_and_takes_any_url_path() {
    let (mut child, line) = spawn(&["--port", "0"]);
    let url = url_of(&line);
    let port = url.rsplit(':').next().expect("port").to_owned();
    let healthy = [
        run_with(&["healthcheck"], &[("PRODGY_MOCK_PORT", &port)]),
        run_with(
            &["healthcheck"],
            &[("PRODGY_MOCK_PORT", &port), ("PRODGY_MOCK_HOST", "0.0.0.0")],
        ),
        run_with(&["healthcheck", "--port", &port], &[]),
        run_with(&["--port", &port, "healthcheck"], &[]),
        run_with(&["healthcheck", "--url", &format!("{url}/api")], &[]),
        run_with(&["healthcheck", "--url", &format!("{url}/")], &[]),
        run_with(&["healthcheck", "--url", &url.replace("http://", "")], &[]),
    ];
    for (n, (code, stderr)) in healthy.iter().enumerate() {
        assert_eq!(*code, Some(0), "case {n}: {stderr}");
    }
    terminate(&child);
    assert_eq!(child.wait().expect("exits").code(), Some(0));
    let (code, stderr) = run_with(&["healthcheck"], &[("PRODGY_MOCK_PORT", &port)]);
    assert_eq!(code, Some(1));
    assert!(stderr.contains(&format!("127.0.0.1:{port}")), "{stderr}");
}

#[test]
fn healthcheck_works_with_the_admin_api_off() {
    let (mut child, line) = spawn(&["--port", "0", "--admin", "off"]);
    let url = url_of(&line);
    let (code, stderr) = run_with(&["healthcheck", "--url", &url], &[]);
    assert_eq!(code, Some(0), "{stderr}");
    terminate(&child);
    assert_eq!(child.wait().expect("exits").code(), Some(0));
}

#[test]
fn the_dockerfile_runs_as_a_user_and_checks_health_from_the_environment() {
    let dockerfile = include_str!("../Dockerfile");
    let user = dockerfile
        .lines()
        .rfind(|l| l.starts_with("USER "))
        .expect("a USER directive");
    assert!(!user.contains("root") && user.trim() != "USER 0", "{user}");
    assert!(
        dockerfile.contains(r#"CMD ["prodgy-mock", "healthcheck"]"#),
        "the health check reads PRODGY_MOCK_HOST and PRODGY_MOCK_PORT"
    );
}

#[test]
fn faithful_mode_refuses_unknown_tokens_and_limits_the_eleventh_call() {
    let mut child = Command::new(BIN)
        // A frozen clock: the ten calls and the eleventh share one window, always.
        .args([
            "--port",
            "0",
            "--no-watch",
            "--clock",
            "2026-03-05T14:30:00Z",
        ])
        .env("PRODGY_MOCK_FAITHFUL", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("piped"))
        .read_line(&mut line)
        .expect("line");
    let url = line.trim_end().rsplit(' ').next().expect("url").to_owned();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let client = reqwest::Client::new();
        let get = |token: &'static str, ns: &'static str| {
            client
                .get(format!("{url}/api/agent-base"))
                .header("X-API-Token", token)
                .header("X-Mock-Namespace", ns)
                .send()
        };
        let unknown = get("prodgy_NotInAnyFixture000000000000", "strict")
            .await
            .expect("sent");
        assert_eq!(unknown.status(), 401);
        for n in 1..=10 {
            let ok = get("prodgy_AcmeSupportDefaultToken000000001", "limits")
                .await
                .expect("sent");
            assert_eq!(ok.status(), 200, "call {n}");
        }
        let refused = get("prodgy_AcmeSupportDefaultToken000000001", "limits")
            .await
            .expect("sent");
        assert_eq!(refused.status(), 429);
        let header = |name: &str| refused.headers()[name].to_str().expect("text").to_owned();
        assert_eq!(
            (header("ratelimit-limit"), header("ratelimit-remaining")),
            ("10".into(), "0".into())
        );
        assert_eq!(header("retry-after"), "60");
        assert_eq!(header("ratelimit-reset"), "1772721060");
    });
    terminate(&child);
    assert_eq!(child.wait().expect("exits").code(), Some(0));
}

const ACME_TOKEN: &str = "prodgy_AcmeSupportDefaultToken000000001";

/// A mock in this process to play the instance, on a runtime kept with it.
fn upstream(scenario: Option<&str>) -> (tokio::runtime::Runtime, prodgy_mock::MockServer) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let mut builder = prodgy_mock::MockServer::builder();
    if let Some(scenario) = scenario {
        builder = builder.scenario(scenario);
    }
    let server = runtime.block_on(builder.start());
    (runtime, server)
}

/// Runs `prodgy-mock ARGS` (no inherited PRODGY_MOCK_* settings) and returns its exit code,
/// stdout and stderr.
fn outputs(args: &[&str]) -> (Option<i32>, String, String) {
    let mut command = Command::new(BIN);
    for (name, _) in std::env::vars().filter(|(n, _)| n.starts_with("PRODGY_MOCK_")) {
        command.env_remove(name);
    }
    let out = command.args(args).output().expect("runs");
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    (out.status.code(), text(&out.stdout), text(&out.stderr))
}

#[test]
fn record_writes_fixtures_shows_the_token_mapping_once_and_keeps_a_full_directory() {
    let (_runtime, upstream) = upstream(None);
    let out = scratch("record").join("recorded");
    let out_arg = out.display().to_string();
    let uri = upstream.uri();
    let args = [
        "record",
        "--upstream",
        &uri,
        "--token",
        ACME_TOKEN,
        "--out",
        &out_arg,
        "--rate",
        "0",
    ];
    let (code, stdout, stderr) = outputs(&args);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("prodgy-mock: record: agents.list: 3 agents (pages read: 1)"),
        "{stderr}"
    );
    let yours: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains("the token you recorded with"))
        .collect();
    assert_eq!(yours.len(), 1, "{stdout}");
    assert!(yours[0].contains("prodgy_A… -> prodgy_A"), "{stdout}");
    assert!(!stdout.contains(ACME_TOKEN) && !stderr.contains(ACME_TOKEN));
    let (mut child, line) = spawn(&["--port", "0", "--no-watch", "--fixtures", &out_arg]);
    assert!(line.starts_with("prodgy-mock listening on"), "{line}");
    terminate(&child);
    assert_eq!(child.wait().expect("exits").code(), Some(0));

    let (code, _, stderr) = outputs(&args);
    assert_eq!(code, Some(2), "a full directory is kept");
    assert!(
        stderr.contains("--out") && stderr.contains("--force"),
        "{stderr}"
    );
    let mut forced = args.to_vec();
    forced.push("--force");
    assert_eq!(outputs(&forced).0, Some(0));
}

#[test]
fn record_exits_1_naming_the_route_and_2_for_a_bad_url() {
    let (_runtime, upstream) = upstream(Some("server-errors"));
    let out = scratch("record-failing").join("recorded");
    let out_arg = out.display().to_string();
    let uri = upstream.uri();
    let args = [
        "record",
        "--upstream",
        &uri,
        "--token",
        ACME_TOKEN,
        "--out",
        &out_arg,
    ];
    let (code, _, stderr) = outputs(&args);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("agents.list: GET /api/agent-base?page=1&pageSize=100 answered 500"),
        "{stderr}"
    );
    assert!(!out.exists());
    let (code, _, stderr) = outputs(&[
        "record",
        "--upstream",
        "ftp://x",
        "--token",
        "t",
        "--out",
        &out_arg,
    ]);
    assert_eq!(code, Some(2), "{stderr}");
    let (code, _, _) = outputs(&["record", "--upstream", &uri, "--out", &out_arg]);
    assert_eq!(code, Some(2), "no token");
}

#[test]
fn drift_exits_0_when_nothing_differs_1_on_drift_and_2_on_usage() {
    let (_runtime, upstream) = upstream(None);
    let dir = scratch("drift");
    let json_path = dir.join("report.json").display().to_string();
    let uri = upstream.uri();
    let live = [
        "drift",
        "--upstream",
        &uri,
        "--token",
        ACME_TOKEN,
        "--rate",
        "0",
        "--json",
        &json_path,
    ];
    let (code, stdout, stderr) = outputs(&live);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("no differences in"), "{stdout}");
    assert!(stdout.contains("unverified (inferred by the reference, not confirmed here): "));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json_path).expect("json")).expect("JSON");
    assert_eq!(report["differences"], serde_json::json!([]));

    let mut document = prodgy_mock::openapi::document();
    document["paths"]["/api/assistants"] = serde_json::json!({"get": {"responses": {}}});
    let spec = dir.join("swagger.json");
    std::fs::write(&spec, document.to_string()).expect("spec");
    let spec = spec.display().to_string();
    let (code, stdout, _) = outputs(&["drift", "--spec", &spec]);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(
        stdout.contains("GET /api/assistants  operation"),
        "{stdout}"
    );

    assert_eq!(outputs(&["drift"]).0, Some(2), "nothing to compare with");
    assert_eq!(
        outputs(&["drift", "--spec", "/no/such/file.json"]).0,
        Some(2)
    );
    assert_eq!(
        outputs(&["drift", "--upstream", &uri]).0,
        Some(2),
        "no token"
    );
    assert_eq!(
        outputs(&["drift", "--spec", &spec, "--upstream", &uri]).0,
        Some(2)
    );
}

#[test]
fn proxy_mode_records_on_shutdown_and_never_logs_credentials() {
    let (_runtime, upstream) = upstream(None);
    let out = scratch("proxy").join("recorded");
    let out_arg = out.display().to_string();
    let uri = upstream.uri();
    let stderr = stderr_after_two_requests(&["--proxy", &uri, "--record", &out_arg, "-v"], &[]);
    assert!(stderr.contains("route=agents.list"), "{stderr}");
    assert!(!stderr.contains(ACME_TOKEN), "{stderr}");
    assert!(
        stderr.contains("recorded what passed through the proxy"),
        "{stderr}"
    );
    let agents = std::fs::read_to_string(out.join("agents.json")).expect("written on shutdown");
    assert!(agents.contains("Support Triage"));
    let (code, _, stderr) = outputs(&["--port", "0", "--record", &out_arg]);
    assert_eq!(code, Some(2), "--record needs --proxy: {stderr}");
}
