//! Concurrency and slow clients: many writers at once lose nothing, and a client that dribbles
//! its headers is cut off by the header timeout while everyone else keeps being served.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use prodgy_mock::MockServer;
use reqwest::Method;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::TestApp;

const TASKS: usize = 64;
/// Acme's default token, whose secret is `helpers::ACME_TOKEN`.
const ACME_TOKEN_ID: &str = "7d0c5e6f-1111-4a2b-9c3d-000000000001";
const RECORDS: usize = 10_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixty_four_tasks_creating_ten_thousand_records_lose_nothing() {
    let app = Arc::new(TestApp::spawn().await);
    let before = app.get("/api/integrations-base").await.body["pagination"]["total"]
        .as_u64()
        .expect("total");
    let mut tasks = Vec::new();
    for task in 0..TASKS {
        let app = Arc::clone(&app);
        tasks.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            for n in (task..RECORDS).step_by(TASKS) {
                let body = json!({"title": format!("load {n}"), "type": "jira"});
                let resp = app.send(Method::POST, "/api/integrations-base", body).await;
                assert_eq!(resp.status, 201, "{}", resp.text);
                ids.push(resp.body["data"]["id"].as_str().expect("id").to_owned());
            }
            ids
        }));
    }
    let mut ids = Vec::new();
    for task in tasks {
        ids.extend(task.await.expect("task finished"));
    }
    assert_eq!(ids.len(), RECORDS);
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), RECORDS, "ids are unique");

    let list = app.get("/api/integrations-base?pageSize=100").await;
    let total = RECORDS as u64 + before;
    assert_eq!(list.body["pagination"]["total"], total);
    assert_eq!(list.body["pagination"]["totalPages"], total.div_ceil(100));

    let mut readers = Vec::new();
    for chunk in ids.chunks(RECORDS / TASKS + 1) {
        let (app, chunk) = (Arc::clone(&app), chunk.to_vec());
        readers.push(tokio::spawn(async move {
            for id in chunk {
                let resp = app.get(&format!("/api/integrations-base/{id}")).await;
                assert_eq!(resp.status, 200, "{id}: {}", resp.text);
                assert_eq!(resp.body["data"]["id"], id.as_str());
            }
        }));
    }
    for reader in readers {
        reader.await.expect("reader finished");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_dribbling_headers_slower_than_the_timeout_is_cut_off_while_others_are_served() {
    let timeout = Duration::from_millis(200);
    let app = Arc::new(TestApp::with(MockServer::builder().header_timeout(timeout)).await);
    let mut slow = TcpStream::connect(app.server.address())
        .await
        .expect("connect");
    let head = b"GET /api/agent-base HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
    let started = Instant::now();
    let mut cut_off = false;
    for byte in head {
        if slow.write_all(&[*byte]).await.is_err() {
            cut_off = true;
            break;
        }
        let fast = app.get("/api/agent-base").await;
        assert_eq!(fast.status, 200, "others keep being served");
        let mut buf = [0u8; 512];
        match tokio::time::timeout(Duration::from_millis(25), slow.read(&mut buf)).await {
            Ok(Ok(0) | Err(_)) => {
                cut_off = true;
                break;
            }
            Ok(Ok(n)) => {
                let text = String::from_utf8_lossy(&buf[..n]);
                assert!(
                    !text.contains(" 200 "),
                    "the slow client was served: {text}"
                );
            }
            Err(_) => {}
        }
    }
    assert!(cut_off, "the slow client was never cut off");
    let elapsed = started.elapsed();
    assert!(
        elapsed >= timeout,
        "cut off before the timeout: {elapsed:?}"
    );
    assert!(elapsed < timeout * 10, "cut off far too late: {elapsed:?}");
    assert_eq!(app.get("/api/agent-base").await.status, 200);
}

#[tokio::test]
async fn a_client_within_the_header_timeout_is_served() {
    let app = TestApp::with(MockServer::builder().header_timeout(Duration::from_secs(5))).await;
    let mut socket = TcpStream::connect(app.server.address())
        .await
        .expect("connect");
    let head = "GET /__admin/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    for chunk in head.as_bytes().chunks(8) {
        socket.write_all(chunk).await.expect("written");
    }
    let mut response = String::new();
    socket.read_to_string(&mut response).await.expect("read");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
}

/// The paths of the newest `n` `used` entries of Acme's default token, newest first.
async fn used_paths(app: &TestApp, n: usize) -> Vec<String> {
    let logs = app
        .get(&format!(
            "/api/api-tokens/{ACME_TOKEN_ID}/audit-logs?pageSize={n}"
        ))
        .await;
    assert_eq!(logs.status, 200, "{}", logs.text);
    logs.body["data"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["details"]["path"].as_str().unwrap_or("-").to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn calls_from_many_threads_are_all_counted_and_one_clients_calls_keep_their_order() {
    let app = Arc::new(TestApp::spawn().await);
    let shown = app.get(&format!("/api/api-tokens/{ACME_TOKEN_ID}")).await;
    let before = shown.body["data"]["usage_count"].as_u64().expect("count");
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let app = Arc::clone(&app);
        tasks.push(tokio::spawn(async move {
            // A client of its own: a connection of its own, served by any worker thread.
            let client = reqwest::Client::new();
            for _ in 0..50 {
                let answer = client
                    .get(app.url("/api/agent-base"))
                    .header("X-API-Token", crate::helpers::ACME_TOKEN)
                    .send()
                    .await
                    .expect("sent");
                assert_eq!(answer.status(), 200);
            }
        }));
    }
    for task in tasks {
        task.await.expect("task finished");
    }
    let shown = app.get(&format!("/api/api-tokens/{ACME_TOKEN_ID}")).await;
    // The 800 calls, and the look that read the count before them.
    assert_eq!(
        shown.body["data"]["usage_count"].as_u64(),
        Some(before + 801)
    );

    // One client alternating between two connections: its calls land on different threads,
    // and the trail still lists them in the order they were made.
    let (first, second) = (reqwest::Client::new(), reqwest::Client::new());
    let paths = ["/api/agent-base", "/api/integrations-base"];
    for i in 0..40 {
        let client = [&first, &second][i % 2];
        let answer = client
            .get(app.url(paths[i % 2]))
            .header("X-API-Token", crate::helpers::ACME_TOKEN)
            .send()
            .await
            .expect("sent");
        assert_eq!(answer.status(), 200);
    }
    let newest = used_paths(&app, 41).await;
    // The first entry is the read of the trail itself.
    let expected: Vec<&str> = (0..40).rev().map(|i| paths[i % 2]).collect();
    assert_eq!(newest[1..], expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_journal_keeps_the_newest_calls_of_many_threads_with_no_id_missing() {
    let app = Arc::new(TestApp::with(MockServer::builder().journal_size(300)).await);
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let app = Arc::clone(&app);
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            for _ in 0..50 {
                let answer = client
                    .get(app.url("/api/agent-base"))
                    .header("X-API-Token", crate::helpers::ACME_TOKEN)
                    .send()
                    .await
                    .expect("sent");
                assert_eq!(answer.status(), 200);
            }
        }));
    }
    for task in tasks {
        task.await.expect("task finished");
    }
    let listed = app.get("/__admin/requests").await.body;
    let ids: Vec<u64> = listed["data"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["id"].as_u64().expect("id"))
        .collect();
    let expected: Vec<u64> = (101..=400).rev().collect();
    assert_eq!(
        ids, expected,
        "the newest 300 of 400, newest first, none missing"
    );
    let since = app.get("/__admin/requests?since=390").await.body;
    assert_eq!(since["data"].as_array().map(Vec::len), Some(10));
}
