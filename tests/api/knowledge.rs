use std::time::Duration;

use prodgy_mock::MockServer;
use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::helpers::*;

pub const PASSWORD_GUIDE: &str = "d0c5a1b2-0001-4e3f-9a8b-600000000001";
pub const REFUND_POLICY: &str = "d0c5a1b2-0002-4e3f-9a8b-600000000002";
pub const SYNC_NOTES: &str = "d0c5a1b2-0003-4e3f-9a8b-600000000003";
pub const GLOBEX_ICP: &str = "d0c5a1b2-0004-4e3f-9a8b-600000000004";

pub fn file(name: &str, bytes: impl Into<Vec<u8>>, mime: Option<&str>) -> Part {
    let part = Part::bytes(bytes.into()).file_name(name.to_owned());
    match mime {
        Some(mime) => part.mime_str(mime).expect("valid mime"),
        None => part,
    }
}

pub async fn upload(app: &TestApp, path: &str, form: Form) -> Resp {
    let request = app
        .client
        .post(app.url(path))
        .header("X-API-Token", ACME_TOKEN)
        .multipart(form);
    Resp::read(request.send().await.expect("sent")).await
}

pub async fn search(app: &TestApp, query: &str) -> Resp {
    app.get(&format!("/api/knowledge-base/search?{query}"))
        .await
}

pub fn hit_ids(resp: &Resp) -> Vec<&str> {
    resp.body["data"]
        .as_array()
        .map(|a| a.iter().filter_map(|h| h["document_id"].as_str()).collect())
        .unwrap_or_default()
}

pub fn advance(app: &TestApp, secs: u64) {
    app.server.clock().advance(Duration::from_secs(secs));
}

#[tokio::test]
async fn upload_list_search_delete_tells_one_story_on_the_clock() {
    let app = TestApp::spawn().await;
    let text = "Our onboarding checklist: verify the zephyrine account, then zephyrine billing.";
    let form = Form::new()
        .part("file", file("onboarding.txt", text, Some("text/plain")))
        .text("name", "Onboarding")
        .text("description", "How new customers start")
        .text("source", "manual")
        .text("subject", "onboarding")
        .text("language", "en-US")
        .text("tags", "onboarding, accounts ,onboarding");
    let created = upload(&app, "/api/knowledge-base/upload", form).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let doc = &created.body["data"];
    let id = doc["id"].as_str().expect("id").to_owned();
    assert_eq!(doc["status"], "processing");
    assert_eq!(doc["progress"], 10);
    assert_eq!(doc["product_id"], ACME);
    assert_eq!(doc["name"], "Onboarding");
    assert_eq!(doc["description"], "How new customers start");
    assert_eq!(doc["file_name"], "onboarding.txt");
    assert_eq!(doc["file_type"], "txt");
    assert_eq!(doc["size_bytes"], text.len());
    assert_eq!(doc["created_at"], T0);
    assert_eq!(
        doc["metadata"],
        json!({"source": "manual", "subject": "onboarding", "language": "en-US",
               "tags": ["onboarding", "accounts"]})
    );
    assert!(
        doc.get("content").is_none(),
        "the indexed text is not echoed"
    );

    let listed = app.get("/api/knowledge-base").await;
    assert_eq!(listed.ids().len(), 4);
    assert!(listed.ids().contains(&id.as_str()));
    assert!(
        hit_ids(&search(&app, "q=zephyrine").await).is_empty(),
        "only completed documents are searchable"
    );

    advance(&app, 2);
    let embedding = app.get(&format!("/api/knowledge-base/{id}")).await;
    assert_eq!(embedding.body["data"]["status"], "embedding");
    assert_eq!(embedding.body["data"]["progress"], 50);
    let by_status = app.get("/api/knowledge-base?status=embedding").await;
    assert_eq!(by_status.ids(), [id.as_str()]);

    advance(&app, 3);
    let done = app.get(&format!("/api/knowledge-base/{id}")).await;
    assert_eq!(done.body["data"]["status"], "completed");
    assert_eq!(done.body["data"]["progress"], 100);
    let found = search(&app, "query=Zephyrine").await;
    assert_eq!(hit_ids(&found), [id.as_str()]);
    let hit = &found.body["data"][0];
    assert!(
        hit["content"]
            .as_str()
            .expect("snippet")
            .contains("zephyrine account")
    );
    assert!(hit["score"].as_f64().expect("score") > 0.0);
    assert_eq!(hit["metadata"]["source"], "manual");
    assert_eq!(hit["metadata"]["name"], "Onboarding");

    let deleted = app
        .call(
            Method::DELETE,
            &format!("/api/knowledge-base/{id}"),
            Some(ACME_TOKEN),
            None,
        )
        .await;
    assert_eq!(deleted.status, 200);
    assert_eq!(deleted.body["data"], json!({"id": id}));
    let gone = app.get(&format!("/api/knowledge-base/{id}")).await;
    assert_eq!(
        gone.assert_error(404, "Not Found"),
        format!("knowledge document '{id}' not found")
    );
    assert!(hit_ids(&search(&app, "q=zephyrine").await).is_empty());
    assert_eq!(app.get("/api/knowledge-base").await.ids().len(), 3);
}

#[tokio::test]
async fn the_alias_path_accepts_uploads_and_binary_formats_are_stored_but_not_indexed() {
    let app = TestApp::spawn().await;
    let form = Form::new().part(
        "file",
        file("Report.XLSX", b"PK\x03\x04 zephyrine".to_vec(), None),
    );
    let created = upload(&app, "/api/knowledge-base", form).await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.body["data"]["file_type"], "xlsx");
    assert_eq!(created.body["data"]["name"], "Report.XLSX");
    advance(&app, 10);
    let id = created.body["data"]["id"].as_str().expect("id");
    let stored = app.get(&format!("/api/knowledge-base/{id}")).await;
    assert_eq!(stored.body["data"]["status"], "completed");
    assert!(hit_ids(&search(&app, "q=zephyrine").await).is_empty());
    let markdown = Form::new()
        .part(
            "file",
            file("notes.md", "# Zephyrine", Some("text/markdown")),
        )
        .text("product_id", ACME);
    assert_eq!(
        upload(&app, "/api/knowledge-base", markdown).await.status,
        201
    );
}

#[tokio::test]
async fn uploads_without_a_file_or_in_an_unsupported_format_are_400() {
    let app = TestApp::spawn().await;
    let no_file = Form::new().text("name", "nothing");
    let resp = upload(&app, "/api/knowledge-base/upload", no_file).await;
    assert!(resp.assert_error(400, "Bad Request").contains("'file'"));

    let exe = Form::new().part("file", file("setup.exe", "MZ", None));
    let resp = upload(&app, "/api/knowledge-base/upload", exe).await;
    let message = resp.assert_error(400, "Bad Request");
    assert!(
        message.contains("setup.exe") && message.contains("docx"),
        "{message}"
    );

    let disguised = Form::new().part("file", file("photo.txt", "x", Some("image/png")));
    let resp = upload(&app, "/api/knowledge-base/upload", disguised).await;
    assert!(resp.assert_error(400, "Bad Request").contains("image/png"));

    let bad_language = Form::new()
        .part("file", file("a.txt", "x", None))
        .text("language", "en US!");
    let resp = upload(&app, "/api/knowledge-base/upload", bad_language).await;
    assert!(resp.assert_error(400, "Bad Request").contains("language"));

    let json = app
        .send(
            Method::POST,
            "/api/knowledge-base/upload",
            json!({"file": "a.txt"}),
        )
        .await;
    assert!(
        json.assert_error(400, "Bad Request")
            .contains("multipart/form-data")
    );

    assert_eq!(
        app.get("/api/knowledge-base").await.ids().len(),
        3,
        "refused uploads leave no document behind"
    );
}

#[tokio::test]
async fn uploads_over_the_configured_limit_are_413_while_streaming() {
    let app = TestApp::with(MockServer::builder().upload_limit(1024)).await;
    let big = Form::new().part("file", file("big.txt", vec![b'a'; 4096], None));
    let resp = upload(&app, "/api/knowledge-base/upload", big).await;
    assert!(
        resp.assert_error(413, "Payload Too Large")
            .contains("1024 bytes"),
        "{}",
        resp.text
    );

    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..8).map(|_| Ok(vec![b'b'; 512])).collect();
    let stream = reqwest::Body::wrap_stream(futures_util::stream::iter(chunks));
    let chunked = Form::new().part("file", Part::stream(stream).file_name("stream.txt"));
    let resp = upload(&app, "/api/knowledge-base/upload", chunked).await;
    resp.assert_error(413, "Payload Too Large");

    assert_eq!(app.get("/api/knowledge-base").await.ids().len(), 3);
    let small = Form::new().part("file", file("small.txt", vec![b'c'; 1024], None));
    assert_eq!(
        upload(&app, "/api/knowledge-base/upload", small)
            .await
            .status,
        201
    );
}

#[tokio::test]
async fn a_document_is_uploading_while_its_bytes_stream_in() {
    let app = TestApp::spawn().await;
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(4);
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    let part = Part::stream(reqwest::Body::wrap_stream(stream)).file_name("slow.txt");
    let request = app
        .client
        .post(app.url("/api/knowledge-base/upload"))
        .header("X-API-Token", ACME_TOKEN)
        .multipart(Form::new().part("file", part));
    let pending =
        tokio::spawn(async move { Resp::read(request.send().await.expect("sent")).await });
    tx.send(Ok(b"first half ".to_vec())).await.expect("sent");
    let mut uploading = None;
    for _ in 0..1000 {
        let listed = app.get("/api/knowledge-base?status=uploading").await;
        if let Some(doc) = listed.body["data"].as_array().and_then(|a| a.first()) {
            uploading = Some(doc.clone());
            break;
        }
        tokio::task::yield_now().await;
    }
    let uploading = uploading.expect("the document shows up while uploading");
    assert_eq!(uploading["progress"], 0);
    tx.send(Ok(b"second half".to_vec())).await.expect("sent");
    drop(tx);
    let done = pending.await.expect("joined");
    assert_eq!(done.status, 201, "{}", done.text);
    assert_eq!(done.body["data"]["id"], uploading["id"]);
    assert_eq!(done.body["data"]["status"], "processing");
    assert_eq!(done.body["data"]["size_bytes"], 22);
}

#[tokio::test]
async fn search_ranks_by_score_and_honours_filters_limit_and_products() {
    let app = TestApp::spawn().await;
    let resp = search(&app, "q=password+reset").await;
    assert_eq!(resp.status, 200, "{}", resp.text);
    assert_eq!(hit_ids(&resp), [PASSWORD_GUIDE, SYNC_NOTES]);
    let scores: Vec<f64> = resp.body["data"]
        .as_array()
        .expect("hits")
        .iter()
        .map(|h| h["score"].as_f64().expect("score"))
        .collect();
    assert!(scores[0] > scores[1], "{scores:?}");
    assert_eq!(
        search(&app, "q=password+reset").await.text,
        resp.text,
        "deterministic"
    );
    assert_eq!(
        hit_ids(&search(&app, "q=password&limit=1").await),
        [PASSWORD_GUIDE]
    );

    let post = |body: Value| app.send(Method::POST, "/api/knowledge-base/search", body);
    let meeting = post(json!({"query": "password", "filters": {"source": "meeting"}})).await;
    assert_eq!(hit_ids(&meeting), [SYNC_NOTES]);
    let tagged = post(json!({"q": "refund password", "filters": {"tags": ["billing"]}})).await;
    assert_eq!(hit_ids(&tagged), [REFUND_POLICY]);
    let other_language = post(json!({"query": "password", "filters": {"language": "pt-BR"}})).await;
    assert!(hit_ids(&other_language).is_empty());

    let globex = app
        .call(
            Method::GET,
            "/api/knowledge-base/search?q=enterprise+password",
            Some(GLOBEX_TOKEN),
            None,
        )
        .await;
    assert_eq!(hit_ids(&globex), [GLOBEX_ICP], "only the caller's product");
}

#[tokio::test]
async fn search_needs_a_query_and_a_valid_limit() {
    let app = TestApp::spawn().await;
    for query in ["", "q=", "query=%20%20", "q=x&limit=0", "q=x&limit=many"] {
        let resp = search(&app, query).await;
        resp.assert_error(400, "Bad Request");
    }
    assert!(search(&app, "").await.message().contains("'query'"));
    let post = app
        .send(
            Method::POST,
            "/api/knowledge-base/search",
            json!({"limit": 3}),
        )
        .await;
    assert!(post.assert_error(400, "Bad Request").contains("'query'"));
    let bad_tags = app
        .send(
            Method::POST,
            "/api/knowledge-base/search",
            json!({"query": "x", "filters": {"tags": 5}}),
        )
        .await;
    assert!(
        bad_tags
            .assert_error(400, "Bad Request")
            .contains("filters.tags")
    );
    let clamped = search(&app, "q=the&limit=500").await;
    assert_eq!(clamped.status, 200);
    // Found by scripts/contract.sh (schemathesis): 1.0 is the integer 1 in JSON Schema.
    for (limit, status) in [
        (json!(1.0), 200),
        (json!(1.5), 400),
        (json!(-1.0), 400),
        (json!(1e20), 400),
    ] {
        let body = json!({"query": "password", "limit": limit});
        let resp = app
            .send(Method::POST, "/api/knowledge-base/search", body)
            .await;
        assert_eq!(resp.status, status, "limit {limit}: {:?}", resp.body);
    }
}

#[tokio::test]
async fn lists_filter_by_source_tag_and_status_and_hide_other_products() {
    let app = TestApp::spawn().await;
    assert_eq!(
        app.get("/api/knowledge-base?source=meeting").await.ids(),
        [SYNC_NOTES]
    );
    assert_eq!(
        app.get("/api/knowledge-base?tag=refund").await.ids(),
        [REFUND_POLICY]
    );
    assert_eq!(
        app.get("/api/knowledge-base?status=completed")
            .await
            .ids()
            .len(),
        3
    );
    app.get("/api/knowledge-base?status=done")
        .await
        .assert_error(400, "Bad Request");
    let paged = app.get("/api/knowledge-base?pageSize=2&page=2").await;
    assert_eq!(paged.ids(), [SYNC_NOTES]);
    assert_eq!(
        paged.body["pagination"],
        json!({"page": 2, "pageSize": 2, "total": 3, "totalPages": 2})
    );
    app.get(&format!("/api/knowledge-base?product_id={GLOBEX}"))
        .await
        .assert_error(404, "Not Found");
    app.get(&format!("/api/knowledge-base/{GLOBEX_ICP}"))
        .await
        .assert_error(404, "Not Found");
    app.call(
        Method::DELETE,
        &format!("/api/knowledge-base/{GLOBEX_ICP}"),
        Some(ACME_TOKEN),
        None,
    )
    .await
    .assert_error(404, "Not Found");
    let fixture = app
        .get(&format!("/api/knowledge-base/{PASSWORD_GUIDE}"))
        .await;
    assert_eq!(fixture.body["data"]["status"], "completed");
    assert!(fixture.body["data"].get("content").is_none());
}

#[tokio::test]
async fn an_upload_abandoned_mid_stream_leaves_no_document_behind() {
    let app = TestApp::spawn().await;
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(4);
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    let part = Part::stream(reqwest::Body::wrap_stream(stream)).file_name("broken.txt");
    let request = app
        .client
        .post(app.url("/api/knowledge-base/upload"))
        .header("X-API-Token", ACME_TOKEN)
        .multipart(Form::new().part("file", part));
    let pending = tokio::spawn(async move { request.send().await });
    tx.send(Ok(b"partial ".to_vec())).await.expect("sent");
    let mut seen = false;
    for _ in 0..1000 {
        let listed = app.get("/api/knowledge-base?status=uploading").await;
        if !listed.ids().is_empty() {
            seen = true;
            break;
        }
        tokio::task::yield_now().await;
    }
    assert!(seen, "the upload was under way");
    tx.send(Err(std::io::Error::other("client gave up")))
        .await
        .expect("sent");
    assert!(
        pending.await.expect("joined").is_err(),
        "the client aborted"
    );
    let mut left = usize::MAX;
    for _ in 0..1000 {
        left = app.get("/api/knowledge-base").await.ids().len();
        if left == 3 {
            break;
        }
        tokio::task::yield_now().await;
    }
    assert_eq!(left, 3, "the uploading record was removed");
}

#[test]
fn the_upload_limit_has_a_flag() {
    use clap::Parser;
    let cli = prodgy_mock::cli::Cli::try_parse_from(["prodgy-mock", "--upload-limit", "2048"])
        .expect("parses");
    assert_eq!(cli.settings().expect("valid").upload_limit, 2048);
    let default = prodgy_mock::cli::Cli::try_parse_from(["prodgy-mock"]).expect("parses");
    assert_eq!(
        default.settings().expect("valid").upload_limit,
        25 * 1024 * 1024
    );
}
