//! Knowledge-base search as a client tests against it: names and tags match, words match by
//! stem, and hits come a page at a time with `pagination`.

use reqwest::Method;
use reqwest::multipart::Form;
use serde_json::json;

use crate::helpers::*;
use crate::knowledge::{
    PASSWORD_GUIDE, REFUND_POLICY, SYNC_NOTES, advance, file, hit_ids, search, upload,
};

#[tokio::test]
async fn search_matches_document_names_and_tags_not_only_their_text() {
    let app = TestApp::spawn().await;
    // "Weekly sync notes": "weekly" is only in the name.
    let by_name = search(&app, "q=weekly").await;
    assert_eq!(hit_ids(&by_name), [SYNC_NOTES], "{}", by_name.text);
    // Tagged "meeting"; the text never says it.
    let by_tag = search(&app, "q=meeting").await;
    assert_eq!(hit_ids(&by_tag), [SYNC_NOTES], "{}", by_tag.text);
    let snippet = by_tag.body["data"][0]["content"].as_str().expect("snippet");
    assert!(
        snippet.starts_with("Decisions:"),
        "a name or tag match shows the start of the text: {snippet}"
    );
    let post = app
        .send(
            Method::POST,
            "/api/knowledge-base/search",
            json!({"query": "Refund policy"}),
        )
        .await;
    assert_eq!(hit_ids(&post)[0], REFUND_POLICY, "{}", post.text);
}

#[tokio::test]
async fn search_lowercases_and_stems_words() {
    let app = TestApp::spawn().await;
    for query in ["q=refunds", "q=REFUNDED", "q=refunding"] {
        let found = search(&app, query).await;
        assert_eq!(hit_ids(&found), [REFUND_POLICY], "{query}: {}", found.text);
    }
    let text = "Card payments are processed every night; chargebacks are disputed by email.";
    let form = Form::new()
        .part("file", file("payments.txt", text, None))
        .text("tags", "payments");
    let created = upload(&app, "/api/knowledge-base/upload", form).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.body["data"]["id"].as_str().expect("id").to_owned();
    advance(&app, 5);
    let processing = search(&app, "q=processing").await;
    assert_eq!(hit_ids(&processing), [id.as_str()], "{}", processing.text);
    let snippet = processing.body["data"][0]["content"]
        .as_str()
        .expect("snip");
    assert!(snippet.contains("processed every night"), "{snippet}");
    assert_eq!(
        hit_ids(&search(&app, "q=disputes+chargeback").await),
        [id.as_str()]
    );
    assert_eq!(
        search(&app, "q=refund+refunds").await.body["data"][0]["score"],
        search(&app, "q=refund").await.body["data"][0]["score"],
        "two words of one stem count once"
    );
}

#[tokio::test]
async fn portuguese_documents_are_stemmed_in_portuguese() {
    let app = TestApp::spawn().await;
    let form = Form::new()
        .part(
            "file",
            file(
                "reembolso.md",
                "Os reembolsos são processados em cinco dias úteis.",
                None,
            ),
        )
        .text("language", "pt-BR");
    let created = upload(&app, "/api/knowledge-base/upload", form).await;
    let id = created.body["data"]["id"].as_str().expect("id").to_owned();
    advance(&app, 5);
    let found = search(&app, "q=reembolso+processado").await;
    assert_eq!(hit_ids(&found), [id.as_str()], "{}", found.text);
}

#[tokio::test]
async fn search_answers_a_page_of_hits_with_pagination() {
    let app = TestApp::spawn().await;
    let all = search(&app, "q=password").await;
    assert_eq!(hit_ids(&all), [PASSWORD_GUIDE, SYNC_NOTES]);
    assert_eq!(
        all.body["pagination"],
        json!({"page": 1, "pageSize": 5, "total": 2, "totalPages": 1}),
        "5 hits a page by default"
    );
    let second = search(&app, "q=password&pageSize=1&page=2").await;
    assert_eq!(hit_ids(&second), [SYNC_NOTES]);
    assert_eq!(
        second.body["pagination"],
        json!({"page": 2, "pageSize": 1, "total": 2, "totalPages": 2})
    );
    assert_eq!(
        hit_ids(&search(&app, "q=password&limit=1").await),
        [PASSWORD_GUIDE],
        "limit is a synonym of pageSize"
    );
    let beyond = search(&app, "q=password&page=9").await;
    assert_eq!((beyond.status, hit_ids(&beyond).len()), (200, 0));
    assert_eq!(beyond.body["pagination"]["total"], 2);
    let clamped = search(&app, "q=password&pageSize=500").await;
    assert_eq!(clamped.body["pagination"]["pageSize"], 50);
    search(&app, "q=password&page=0")
        .await
        .assert_error(400, "Bad Request");

    let post = |body| app.send(Method::POST, "/api/knowledge-base/search", body);
    let paged = post(json!({"query": "password", "page": 2, "pageSize": 1})).await;
    assert_eq!(hit_ids(&paged), [SYNC_NOTES], "{}", paged.text);
    assert_eq!(paged.body["pagination"]["page"], 2);
    let limited = post(json!({"query": "password", "limit": 1})).await;
    assert_eq!(limited.body["pagination"]["pageSize"], 1);
    let from_query = app
        .send(
            Method::POST,
            "/api/knowledge-base/search?page=2&pageSize=1",
            json!({"query": "password"}),
        )
        .await;
    assert_eq!(
        hit_ids(&from_query),
        [SYNC_NOTES],
        "the query string pages too"
    );
    post(json!({"query": "password", "page": 0}))
        .await
        .assert_error(400, "Bad Request");
}
