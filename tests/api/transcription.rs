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

/// The first bytes of each supported container.
pub const WAV: &[u8] = b"RIFF\x24\x00\x00\x00WAVEfmt ";
pub const MP3: &[u8] = b"ID3\x04\x00\x00\x00\x00\x00\x00";
const MP3_FRAME: &[u8] = &[0xFF, 0xFB, 0x90, 0x64];
const M4A: &[u8] = b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00";
const OGG: &[u8] = b"OggS\x00\x02";
const WEBM: &[u8] = &[0x1A, 0x45, 0xDF, 0xA3, 0x9F];
const FLAC: &[u8] = b"fLaC\x00\x00\x00\x22";

/// `len` bytes of a file that starts like `container`.
fn sound(container: &[u8], len: usize, salt: u8) -> Vec<u8> {
    let mut bytes = tone(len, salt);
    bytes[..container.len()].copy_from_slice(container);
    bytes
}

#[tokio::test]
async fn the_same_audio_and_seed_give_a_byte_identical_transcript() {
    let app = TestApp::spawn().await;
    let first = transcribe(
        &app,
        "/api/transcription",
        audio(
            "file",
            "call.mp3",
            sound(MP3, 32_000, 1),
            Some("audio/mpeg"),
        ),
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
        audio(
            "audio",
            "again.mp3",
            sound(MP3, 32_000, 1),
            Some("audio/mpeg"),
        ),
    )
    .await;
    assert_eq!(again.text, first.text, "alias path and field, same bytes");

    let other = transcribe(
        &app,
        "/api/transcription",
        audio("file", "call.mp3", sound(MP3, 32_000, 2), None),
    )
    .await;
    assert_ne!(other.body["data"]["text"], data["text"]);

    let reseeded = TestApp::with(MockServer::builder().seed(7)).await;
    let seeded = transcribe(
        &reseeded,
        "/api/transcription",
        audio("file", "call.mp3", sound(MP3, 32_000, 1), None),
    )
    .await;
    assert_ne!(seeded.body["data"]["text"], data["text"]);

    let hinted = audio("file", "call.ogg", sound(OGG, 100, 3), None).text("language", "PT");
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

    let disguised = audio("file", "song.mp3", sound(MP3, 10, 0), Some("image/png"));
    let disguised = transcribe(&app, "/api/transcription", disguised).await;
    assert!(
        disguised
            .assert_error(400, "Bad Request")
            .contains("image/png")
    );

    let language = audio("file", "a.flac", sound(FLAC, 10, 0), None).text("language", "english");
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
        .multipart(audio("file", "a.mp3", sound(MP3, 10, 0), None));
    Resp::read(anonymous.send().await.expect("sent"))
        .await
        .assert_error(401, "Unauthorized");
}

#[tokio::test]
async fn audio_over_25_mb_is_413() {
    let app = TestApp::spawn().await;
    let big = audio(
        "file",
        "long.wav",
        sound(WAV, 26_214_401, 0),
        Some("audio/wav"),
    );
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
        audio("file", "a.m4a", sound(M4A, 20, 0), None),
    )
    .await;
    assert_eq!(fine.status, 200);
}

#[tokio::test]
async fn audio_of_exactly_25_mb_is_accepted() {
    let app = TestApp::spawn().await;
    let edge = audio(
        "file",
        "edge.flac",
        sound(FLAC, 26_214_400, 7),
        Some("audio/flac"),
    );
    let resp = transcribe(&app, "/api/transcription", edge).await;
    assert_eq!(resp.status, 200, "{}", resp.text);
    assert_eq!(resp.body["data"]["duration"], json!(1638.4));
}

/// Words only the sentences of each language use.
const SPANISH: &[&str] = &[
    "Hola",
    "Tenemos",
    "informe",
    "trimestre",
    "pidió",
    "Gracias",
    "Creo",
    "acordó",
];
const PORTUGUESE: &[&str] = &[
    "Olá",
    "Precisamos",
    "relatório",
    "trimestre",
    "pediu",
    "Obrigado",
    "Acho",
    "concordou",
];
const ENGLISH: &[&str] = &[
    "Hi,", "We need", "report", "quarter", "asked us", "Thanks", "I think", "agreed",
];

/// `text` has a word of `words` for each of its `sentences` (each template has one), and none
/// of `not`.
fn speaks(text: &str, sentences: usize, words: &[&str], not: &[&str]) -> bool {
    let found: usize = words.iter().map(|w| text.matches(w).count()).sum();
    found >= sentences && not.iter().all(|w| !text.contains(w))
}

#[tokio::test]
async fn the_language_field_picks_the_language_of_the_text() {
    let app = TestApp::spawn().await;
    let speech = sound(WAV, 400_000, 5); // 25 s: five sentences
    let say = |language: Option<&str>| {
        let form = audio("file", "call.wav", speech.clone(), Some("audio/wav"));
        let form = match language {
            Some(language) => form.text("language", language.to_owned()),
            None => form,
        };
        transcribe(&app, "/api/transcription", form)
    };
    let english = say(None).await;
    let spanish = say(Some("es")).await;
    let portuguese = say(Some("pt-BR")).await;
    for (resp, code) in [(&english, "en"), (&spanish, "es"), (&portuguese, "pt")] {
        assert_eq!(resp.status, 200, "{}", resp.text);
        assert_eq!(resp.body["data"]["language"], code);
        assert_eq!(resp.body["data"]["duration"], json!(25.0));
    }
    let text = |resp: &Resp| resp.body["data"]["text"].as_str().expect("text").to_owned();
    assert!(
        speaks(&text(&english), 5, ENGLISH, &["Hola", "Olá"]),
        "{}",
        text(&english)
    );
    assert!(
        speaks(&text(&spanish), 5, SPANISH, &["We need", "Olá"]),
        "{}",
        text(&spanish)
    );
    assert!(
        speaks(
            &text(&portuguese),
            5,
            PORTUGUESE,
            &["We need", "Hola", " and "]
        ),
        "{}",
        text(&portuguese)
    );
    assert_eq!(
        say(Some("es")).await.text,
        spanish.text,
        "same bytes, same text"
    );
    assert_eq!(say(Some("ES")).await.text, spanish.text);

    // A language without phrases in the mock: accepted, named, spoken in English.
    let german = say(Some("de")).await;
    assert_eq!(german.body["data"]["language"], "de");
    assert_eq!(german.body["data"]["text"], english.body["data"]["text"]);
    let unknown = say(Some("zz")).await;
    assert!(
        unknown
            .assert_error(400, "Bad Request")
            .contains("ISO-639-1")
    );
}

#[tokio::test]
async fn every_supported_container_is_recognized_by_its_bytes() {
    let app = TestApp::spawn().await;
    let containers = [
        ("a.wav", WAV),
        ("a.mp3", MP3),
        ("b.mp3", MP3_FRAME),
        ("a.m4a", M4A),
        ("a.mp4", M4A),
        ("a.ogg", OGG),
        ("a.webm", WEBM),
        ("a.flac", FLAC),
    ];
    for (name, magic) in containers {
        let resp = transcribe(
            &app,
            "/api/transcription",
            audio("file", name, sound(magic, 64, 9), None),
        )
        .await;
        assert_eq!(resp.status, 200, "{name}: {}", resp.text);
    }
}

#[tokio::test]
async fn bytes_that_are_not_audio_are_refused_naming_what_they_are() {
    let app = TestApp::spawn().await;
    let png = sound(b"\x89PNG\r\n\x1a\n", 64, 0);
    let cases: [(&str, Vec<u8>, Option<&str>, &str); 6] = [
        (
            "song.mp3",
            png.clone(),
            Some("audio/mpeg"),
            "the file is a PNG image, not audio",
        ),
        ("song.wav", png, None, "the file is a PNG image, not audio"),
        (
            "notes.ogg",
            b"just some words\n".to_vec(),
            Some("audio/ogg"),
            "the file is text, not audio",
        ),
        (
            "blob.flac",
            vec![0x00, 0x9C, 0x13, 0x07, 0x42],
            None,
            "the file is unknown binary data, not audio",
        ),
        (
            "doc.m4a",
            b"%PDF-1.7\n".to_vec(),
            Some("audio/mp4"),
            "the file is a PDF document, not audio",
        ),
        (
            "clip.mp3",
            sound(&[0xFF, 0xF1, 0x50, 0x80], 64, 0),
            None,
            "AAC (ADTS) audio, which is not a supported container",
        ),
    ];
    for (name, bytes, mime, expected) in cases {
        let resp = transcribe(&app, "/api/transcription", audio("file", name, bytes, mime)).await;
        let message = resp.assert_error(400, "Bad Request");
        assert!(message.contains(expected), "{name}: {message}");
        assert!(
            message.contains("WAV, MP3, M4A/MP4, OGG, WebM or FLAC"),
            "{message}"
        );
    }
    let empty = transcribe(
        &app,
        "/api/transcribe",
        audio("audio", "a.wav", Vec::new(), None),
    )
    .await;
    assert!(
        empty
            .assert_error(400, "Bad Request")
            .contains("the file is empty")
    );
}
