use prodgy_mock::MockServer;
use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde_json::json;

use crate::helpers::*;

fn audio(field: &str, name: &str, bytes: Vec<u8>, mime: Option<&str>) -> Form {
    let part = Part::bytes(bytes).file_name(name.to_owned());
    let part = match mime {
        Some(mime) => part.mime_str(mime).expect("valid mime"),
        None => part,
    };
    Form::new().part(field.to_owned(), part)
}

async fn transcribe(app: &TestApp, path: &str, form: Form) -> Resp {
    let request = app
        .client
        .post(app.url(path))
        .header("X-API-Token", ACME_TOKEN)
        .multipart(form);
    Resp::read(request.send().await.expect("sent")).await
}

fn tone(len: usize, salt: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31) ^ salt)
        .collect()
}

#[tokio::test]
async fn the_same_audio_and_seed_give_a_byte_identical_transcript() {
    let app = TestApp::spawn().await;
    let first = transcribe(
        &app,
        "/api/transcription",
        audio("file", "call.mp3", tone(32_000, 1), Some("audio/mpeg")),
    )
    .await;
    assert_eq!(first.status, 200, "{}", first.text);
    let data = &first.body["data"];
    assert!(data["text"].as_str().is_some_and(|t| !t.is_empty()));
    assert_eq!(data["language"], "en");
    assert_eq!(data["duration"], json!(2.0));

    let again = transcribe(
        &app,
        "/api/transcribe",
        audio("audio", "again.wav", tone(32_000, 1), Some("audio/wav")),
    )
    .await;
    assert_eq!(again.text, first.text, "alias path and field, same bytes");

    let other = transcribe(
        &app,
        "/api/transcription",
        audio("file", "call.mp3", tone(32_000, 2), None),
    )
    .await;
    assert_ne!(other.body["data"]["text"], data["text"]);

    let reseeded = TestApp::with(MockServer::builder().seed(7)).await;
    let seeded = transcribe(
        &reseeded,
        "/api/transcription",
        audio("file", "call.mp3", tone(32_000, 1), None),
    )
    .await;
    assert_ne!(seeded.body["data"]["text"], data["text"]);

    let hinted = audio("file", "call.ogg", tone(100, 3), None).text("language", "PT");
    let hinted = transcribe(&app, "/api/transcription", hinted).await;
    assert_eq!(hinted.body["data"]["language"], "pt");
    assert_eq!(hinted.body["data"]["duration"], json!(1.0));
}

#[tokio::test]
async fn transcription_refuses_missing_files_unsupported_formats_and_bad_languages() {
    let app = TestApp::spawn().await;
    let none = transcribe(
        &app,
        "/api/transcription",
        Form::new().text("language", "en"),
    )
    .await;
    let message = none.assert_error(400, "Bad Request");
    assert!(
        message.contains("'file'") && message.contains("'audio'"),
        "{message}"
    );

    let text = transcribe(
        &app,
        "/api/transcription",
        audio("file", "notes.txt", tone(10, 0), None),
    )
    .await;
    assert!(text.assert_error(400, "Bad Request").contains("flac"));

    let disguised = audio("file", "song.mp3", tone(10, 0), Some("image/png"));
    let disguised = transcribe(&app, "/api/transcription", disguised).await;
    assert!(
        disguised
            .assert_error(400, "Bad Request")
            .contains("image/png")
    );

    let language = audio("file", "a.flac", tone(10, 0), None).text("language", "english");
    let language = transcribe(&app, "/api/transcription", language).await;
    assert!(
        language
            .assert_error(400, "Bad Request")
            .contains("ISO-639-1")
    );

    let json = app
        .send(Method::POST, "/api/transcription", json!({"file": "a.mp3"}))
        .await;
    assert!(
        json.assert_error(400, "Bad Request")
            .contains("multipart/form-data")
    );

    let anonymous = app
        .client
        .post(app.url("/api/transcription"))
        .multipart(audio("file", "a.mp3", tone(10, 0), None));
    Resp::read(anonymous.send().await.expect("sent"))
        .await
        .assert_error(401, "Unauthorized");
}

#[tokio::test]
async fn audio_over_25_mb_is_413() {
    let app = TestApp::spawn().await;
    let big = audio("file", "long.wav", vec![0; 26_214_401], Some("audio/wav"));
    let resp = transcribe(&app, "/api/transcription", big).await;
    assert!(
        resp.assert_error(413, "Payload Too Large")
            .contains("26214400 bytes"),
        "{}",
        resp.text
    );
    let fine = transcribe(
        &app,
        "/api/transcription",
        audio("file", "a.m4a", tone(10, 0), None),
    )
    .await;
    assert_eq!(fine.status, 200);
}

#[tokio::test]
async fn audio_of_exactly_25_mb_is_accepted() {
    let app = TestApp::spawn().await;
    let edge = audio("file", "edge.flac", vec![7; 26_214_400], Some("audio/flac"));
    let resp = transcribe(&app, "/api/transcription", edge).await;
    assert_eq!(resp.status, 200, "{}", resp.text);
    assert_eq!(resp.body["data"]["duration"], json!(1638.4));
}
