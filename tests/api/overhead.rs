//! The cost of scenario matching and rate-limit counting when nothing fires. Timing-based,
//! so ignored by default: run with `cargo test --release --test api overhead -- --ignored
//! --nocapture`.

use std::time::Instant;

use prodgy_mock::MockServer;
use serde_json::json;

use crate::helpers::{ACME_TOKEN, TestApp};
use crate::scenarios::scenario_file;

const TASKS: usize = 8;
const CALLS: usize = 400;

async fn throughput(app: &TestApp) -> f64 {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..TASKS {
        let client = app.client.clone();
        let url = app.url("/api/agent-base");
        tasks.push(tokio::spawn(async move {
            for _ in 0..CALLS {
                let resp = client
                    .get(&url)
                    .header("X-API-Token", ACME_TOKEN)
                    .send()
                    .await
                    .expect("sent");
                assert_eq!(resp.status(), 200);
                resp.bytes().await.expect("body");
            }
        }));
    }
    for task in tasks {
        task.await.expect("task");
    }
    (TASKS * CALLS) as f64 / started.elapsed().as_secs_f64()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "timing measurement; run explicitly"]
async fn rate_limiting_that_never_triggers_keeps_most_of_the_throughput() {
    let high = scenario_file(
        "overhead-high-limits",
        &json!({"rate_limit": {"limits": {"standard": 1_000_000_000u64, "strict": 1_000_000_000u64}},
                "rules": [{"match": {"route": "agents.get"}, "respond": {"status": 500}}]}),
    );
    let plain = TestApp::with(MockServer::builder()).await;
    let limited = TestApp::with(MockServer::builder().scenario(high)).await;
    throughput(&plain).await;
    let base = throughput(&plain).await;
    throughput(&limited).await;
    let with = throughput(&limited).await;
    println!(
        "default: {base:.0} req/s, ratelimit + rule: {with:.0} req/s, ratio {:.2}",
        with / base
    );
    assert!(with / base >= 0.9, "ratio {:.2}", with / base);
}
