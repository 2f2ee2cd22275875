//! Knowledge documents: accepted formats, the processing pipeline on the server clock, and the
//! response shape.
//!
//! A document is `uploading` while its bytes stream in. Once the body is complete it is
//! `processing` for [`PROCESSING`], then `embedding` for [`EMBEDDING`], then `completed`; a
//! file whose text could not be extracted ends `failed` instead, when processing ends, with
//! its `failure_reason` (null until then). The status is settled on read from `uploaded_at`
//! and the server clock, so advancing the clock moves every document along without a
//! background task. Records without `uploaded_at` (fixtures) keep the status they were given.

use std::time::Duration;

use serde_json::{Map, Value, json};

use super::super::multipart::Format;
use crate::clock::Timestamp;
use crate::store::Record;

/// How long a received document stays `processing`.
pub const PROCESSING: Duration = Duration::from_secs(2);
/// How long it then stays `embedding` before it is `completed`.
pub const EMBEDDING: Duration = Duration::from_secs(3);

/// The documented formats (CSV, XLSX, XLS, PDF, DOC, DOCX, TXT, MD/Markdown, JSON, XML, TSV,
/// ODS) and the part content types accepted for each.
pub const FORMATS: &[Format] = &[
    fmt("csv", &["text/csv", "application/csv", "text/plain"]),
    fmt(
        "xlsx",
        &["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"],
    ),
    fmt("xls", &["application/vnd.ms-excel"]),
    fmt("pdf", &["application/pdf"]),
    fmt("doc", &["application/msword"]),
    fmt(
        "docx",
        &["application/vnd.openxmlformats-officedocument.wordprocessingml.document"],
    ),
    fmt("txt", &["text/plain"]),
    fmt("md", MARKDOWN),
    fmt("markdown", MARKDOWN),
    fmt("json", &["application/json", "text/json", "text/plain"]),
    fmt("xml", &["application/xml", "text/xml"]),
    fmt("tsv", &["text/tab-separated-values", "text/plain"]),
    fmt("ods", &["application/vnd.oasis.opendocument.spreadsheet"]),
];

const MARKDOWN: &[&str] = &["text/markdown", "text/x-markdown", "text/plain"];

/// Formats whose bytes are indexed as text for search (one list with the fixture check of
/// `size_bytes`; PDF and DOCX text is extracted, see `extract`).
pub use crate::schema::TEXT_FORMATS;

const fn fmt(ext: &'static str, types: &'static [&'static str]) -> Format {
    Format { ext, types }
}

/// A document's status and progress at `now`.
pub fn settle(record: &Record, now: Timestamp) -> (&str, u64) {
    let stored = record
        .get("status")
        .and_then(Value::as_str)
        .unwrap_or("completed");
    let uploaded = record
        .get("uploaded_at")
        .and_then(Value::as_str)
        .and_then(Timestamp::parse);
    let Some(uploaded) = uploaded.filter(|_| stored == "processing") else {
        let progress = record.get("progress").and_then(Value::as_u64).unwrap_or(0);
        return (stored, progress);
    };
    let elapsed = now.since(uploaded);
    let share = |part: Duration, of: Duration| (part.as_millis() * 100 / of.as_millis()) as u64;
    if elapsed < PROCESSING {
        ("processing", 10 + share(elapsed, PROCESSING) * 40 / 100)
    } else if failure(record).is_some() {
        ("failed", 50)
    } else if elapsed < PROCESSING + EMBEDDING {
        (
            "embedding",
            50 + share(elapsed - PROCESSING, EMBEDDING) * 49 / 100,
        )
    } else {
        ("completed", 100)
    }
}

/// Why the document's processing failed, when it did (or will, once processing ends).
fn failure(record: &Record) -> Option<&str> {
    record.get("failure_reason").and_then(Value::as_str)
}

/// The response shape: the record with its settled status, its `failure_reason` once it has
/// failed (null before), and without the indexed text.
pub fn render(record: &Record, now: Timestamp) -> Value {
    let (status, progress) = settle(record, now);
    let reason = failure(record).filter(|_| status == "failed");
    let (status, progress, reason) = (status.to_owned(), progress, reason.map(str::to_owned));
    let mut out: Map<String, Value> = record
        .iter()
        .filter(|(k, _)| k.as_str() != "content")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    out.insert("status".into(), json!(status));
    out.insert("progress".into(), json!(progress));
    out.insert("failure_reason".into(), json!(reason));
    Value::Object(out)
}

/// The `metadata` of a search hit: the document's metadata plus its name and file.
pub fn hit_metadata(record: &Record) -> Value {
    let mut meta = record
        .get("metadata")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for key in ["name", "file_name", "file_type"] {
        if let Some(value) = record.get(key) {
            meta.insert(key.into(), value.clone());
        }
    }
    Value::Object(meta)
}

/// The tags of a comma-separated list: trimmed, non-empty, first occurrence kept.
pub fn split_tags(text: &str) -> Vec<String> {
    let mut tags: Vec<String> = Vec::new();
    for tag in text.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        if !tags.iter().any(|t| t == tag) {
            tags.push(tag.to_owned());
        }
    }
    tags
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn received_documents_move_through_the_pipeline_on_the_clock() {
        let t0 = Timestamp::parse("2026-03-05T14:30:00Z").expect("valid");
        let record = json!({"status": "processing", "uploaded_at": "2026-03-05T14:30:00Z"});
        let record = record.as_object().cloned().unwrap_or_default();
        let at = |secs: f64| settle(&record, t0.plus(Duration::from_secs_f64(secs)));
        assert_eq!(at(0.0), ("processing", 10));
        assert_eq!(at(1.0), ("processing", 30));
        assert_eq!(at(2.0), ("embedding", 50));
        assert_eq!(at(5.0), ("completed", 100));
    }

    #[test]
    fn an_unparseable_document_fails_when_processing_ends() {
        let t0 = Timestamp::parse("2026-03-05T14:30:00Z").expect("valid");
        let record = json!({"status": "processing", "uploaded_at": "2026-03-05T14:30:00Z",
                            "failure_reason": "the file is not a PDF document"});
        let record = record.as_object().cloned().unwrap_or_default();
        let at = |secs: u64| render(&record, t0.plus(Duration::from_secs(secs)));
        assert_eq!(at(1)["status"], "processing");
        assert_eq!(at(1)["failure_reason"], Value::Null);
        assert_eq!(at(2)["status"], "failed");
        assert_eq!(at(2)["failure_reason"], "the file is not a PDF document");
        assert_eq!(at(60)["progress"], 50);
    }

    #[test]
    fn tags_are_split_trimmed_and_deduplicated() {
        assert_eq!(split_tags(" a, b ,,a,c "), ["a", "b", "c"]);
    }
}
