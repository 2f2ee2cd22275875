//! Per-test namespaces: own state, own journal, reset alone; isolation under concurrency.

use std::sync::Arc;

use reqwest::Method;
use serde_json::json;

use crate::helpers::*;

impl TestApp {
    async fn in_ns(
        &self,
        ns: &str,
        method: Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Resp {
        let mut request = self
            .client
            .request(method, self.url(path))
            .header("X-API-Token", ACME_TOKEN)
            .header("X-Mock-Namespace", ns);
        if let Some(body) = body {
            request = request.json(&body);
        }
        Resp::read(request.send().await.expect("sent")).await
    }
}

const TRIAGE: &str = "a9e1f3b5-0001-4c6d-8e7f-100000000001";

#[tokio::test]
async fn a_namespace_starts_from_the_seed_and_keeps_its_changes_to_itself() {
    let app = TestApp::spawn().await;
    let removed = app
        .in_ns(
            "left",
            Method::DELETE,
            &format!("/api/agent-base/{TRIAGE}"),
            None,
        )
        .await;
    assert_eq!(removed.status, 200);
    assert_eq!(
        app.in_ns("left", Method::GET, "/api/agent-base", None)
            .await
            .ids()
            .len(),
        2
    );
    assert_eq!(
        app.in_ns("right", Method::GET, "/api/agent-base", None)
            .await
            .ids()
            .len(),
        3
    );
    assert_eq!(
        app.get("/api/agent-base").await.ids().len(),
        3,
        "the default namespace is untouched"
    );
}

#[tokio::test]
async fn a_namespace_resets_alone_and_has_its_own_journal() {
    let app = TestApp::spawn().await;
    for ns in ["a", "b"] {
        app.in_ns(
            ns,
            Method::DELETE,
            &format!("/api/agent-base/{TRIAGE}"),
            None,
        )
        .await;
    }
    let reset = app
        .call(Method::POST, "/__admin/reset?namespace=a", None, None)
        .await;
    assert_eq!(reset.body["data"]["namespace"], "a");
    assert_eq!(
        app.in_ns("a", Method::GET, "/api/agent-base", None)
            .await
            .ids()
            .len(),
        3
    );
    assert_eq!(
        app.in_ns("b", Method::GET, "/api/agent-base", None)
            .await
            .ids()
            .len(),
        2
    );
    let a = app
        .call(
            Method::GET,
            "/__admin/requests/count?namespace=a",
            None,
            None,
        )
        .await;
    let b = app
        .call(
            Method::GET,
            "/__admin/requests/count?namespace=b",
            None,
            None,
        )
        .await;
    assert_eq!(
        (
            a.body["data"]["count"].clone(),
            b.body["data"]["count"].clone()
        ),
        (json!(1), json!(2))
    );
}

#[tokio::test]
async fn a_malformed_namespace_is_400() {
    let app = TestApp::spawn().await;
    let resp = app
        .in_ns("has space", Method::GET, "/api/agent-base", None)
        .await;
    assert!(
        resp.assert_error(400, "Bad Request")
            .contains("X-Mock-Namespace")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_tests_in_many_namespaces_do_not_see_each_other() {
    let app = Arc::new(TestApp::spawn().await);
    let (namespaces, creates) = (16, 25);
    let tasks: Vec<_> = (0..namespaces)
        .map(|n| {
            let app = Arc::clone(&app);
            tokio::spawn(async move {
                let ns = format!("test-{n}");
                for i in 0..creates {
                    let body = json!({"title": format!("{ns}-{i}"), "product_id": ACME});
                    let resp = app
                        .in_ns(&ns, Method::POST, "/api/integrations-base", Some(body))
                        .await;
                    assert_eq!(resp.status, 201, "{}", resp.text);
                }
                ns
            })
        })
        .collect();
    for task in tasks {
        let ns = task.await.expect("task");
        let listed = app
            .in_ns(
                &ns,
                Method::GET,
                "/api/integrations-base?scope=local&pageSize=100",
                None,
            )
            .await;
        let titles: Vec<String> = listed.body["data"]
            .as_array()
            .expect("array")
            .iter()
            .filter_map(|i| i["title"].as_str().map(str::to_owned))
            .collect();
        let own = titles
            .iter()
            .filter(|t| t.starts_with(&format!("{ns}-")))
            .count();
        assert_eq!(own, creates, "{ns} sees exactly its own records");
        assert_eq!(
            titles.len(),
            creates + 2,
            "{ns} sees no other namespace's records"
        );
        let count = app
            .call(
                Method::GET,
                &format!("/__admin/requests/count?namespace={ns}&method=POST"),
                None,
                None,
            )
            .await;
        assert_eq!(count.body["data"]["count"], creates);
    }
    assert_eq!(
        app.get("/api/integrations-base?scope=local").await.body["pagination"]["total"],
        2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn reset_while_requests_are_in_flight_loses_no_response() {
    let app = Arc::new(TestApp::spawn().await);
    let workers: Vec<_> = (0..8)
        .map(|w| {
            let app = Arc::clone(&app);
            tokio::spawn(async move {
                for i in 0..40 {
                    let resp = if i % 2 == 0 {
                        app.get("/api/agent-base").await
                    } else {
                        app.send(
                            Method::POST,
                            "/api/integrations-base",
                            json!({"title": format!("w{w}-{i}")}),
                        )
                        .await
                    };
                    assert!(resp.status == 200 || resp.status == 201, "{}", resp.text);
                    assert_eq!(resp.body["success"], true);
                }
            })
        })
        .collect();
    let resetter = {
        let app = Arc::clone(&app);
        tokio::spawn(async move {
            for _ in 0..40 {
                let resp = app.call(Method::POST, "/__admin/reset", None, None).await;
                assert_eq!(resp.status, 200);
                tokio::task::yield_now().await;
            }
        })
    };
    for worker in workers {
        worker.await.expect("worker never panicked");
    }
    resetter.await.expect("resetter never panicked");
    let health = app.call(Method::GET, "/__admin/health", None, None).await;
    assert_eq!(health.body["data"]["ready"], true);
}

#[tokio::test]
async fn ids_never_repeat_across_namespaces_and_stay_deterministic() {
    let create = |app: &TestApp, ns: String| {
        let body = json!({"title": "Hook", "type": "webhook"});
        let request = app
            .client
            .post(app.url("/api/integrations-base"))
            .header("X-API-Token", ACME_TOKEN)
            .header("X-Mock-Namespace", ns)
            .json(&body);
        async move {
            let resp = Resp::read(request.send().await.expect("sent")).await;
            assert_eq!(resp.status, 201, "{}", resp.text);
            resp.body["data"]["id"].as_str().expect("id").to_owned()
        }
    };
    let mut runs = Vec::new();
    for _ in 0..2 {
        let app = TestApp::spawn().await;
        let mut ids = Vec::new();
        for ns in 0..20 {
            for _ in 0..10 {
                ids.push(create(&app, format!("ns-{ns}")).await);
            }
        }
        runs.push(ids);
    }
    let distinct: std::collections::HashSet<&String> = runs[0].iter().collect();
    assert_eq!(distinct.len(), 200, "every create got its own id");
    assert_eq!(runs[0], runs[1], "the same seed gives the same ids");
}

#[tokio::test]
async fn test_runner_node_ids_are_namespaces_as_they_are() {
    let app = TestApp::spawn().await;
    let node_id = "tests/test_api.py::test_list[/api/agent-base]";
    let long = format!("tests/{}::test_x", "a".repeat(180));
    for ns in [
        node_id,
        long.as_str(),
        "a~!@#$%^&*()_+{}|:\"<>?`-=[]\\;',./",
    ] {
        let resp = app.in_ns(ns, Method::GET, "/api/agent-base", None).await;
        assert_eq!(resp.status, 200, "{ns}: {}", resp.text);
    }
    let journal = app
        .get(&format!(
            "/__admin/requests?namespace={}",
            urlencode(node_id)
        ))
        .await;
    assert_eq!(journal.body["data"].as_array().map(Vec::len), Some(1));
    let too_long = "n".repeat(201);
    let resp = app
        .in_ns(&too_long, Method::GET, "/api/agent-base", None)
        .await;
    assert!(resp.assert_error(400, "Bad Request").contains("1 to 200"));
}

#[tokio::test]
async fn namespaces_beyond_the_limit_get_503_until_one_is_reset() {
    let app = TestApp::with(prodgy_mock::MockServer::builder().max_namespaces(2)).await;
    for ns in ["one", "two"] {
        assert_eq!(
            app.in_ns(ns, Method::GET, "/api/agent-base", None)
                .await
                .status,
            200
        );
    }
    let refused = app
        .in_ns("three", Method::GET, "/api/agent-base", None)
        .await;
    let message = refused.assert_error(503, "Service Unavailable");
    assert!(
        message.contains("2 namespaces") && message.contains("/__admin/reset"),
        "{message}"
    );
    assert_eq!(
        app.get("/api/agent-base").await.status,
        200,
        "the default namespace still works"
    );
    assert_eq!(
        app.in_ns("one", Method::GET, "/api/agent-base", None)
            .await
            .status,
        200
    );
    let reset = app
        .client
        .post(app.url("/__admin/reset?namespace=two"))
        .send()
        .await
        .expect("sent");
    assert_eq!(reset.status(), 200);
    assert_eq!(
        app.in_ns("three", Method::GET, "/api/agent-base", None)
            .await
            .status,
        200
    );
}

fn urlencode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
