//! PDF and DOCX uploads become searchable; files that cannot be parsed end `failed` with a
//! reason; documents stay `processing` for the modelled time, which a test skips with the
//! admin clock.

use std::io::Write;

use reqwest::Method;
use reqwest::multipart::Form;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::knowledge::{file, hit_ids, search, upload};

/// A one-page PDF showing `lines` in Helvetica (WinAnsi), with a correct cross-reference table.
fn pdf(lines: &[&str]) -> Vec<u8> {
    let shown: String = lines
        .iter()
        .map(|line| {
            let escaped = line
                .replace('\\', "\\\\")
                .replace('(', "\\(")
                .replace(')', "\\)");
            format!("({escaped}) Tj T* ")
        })
        .collect();
    let stream = format!("BT /F1 12 Tf 14 TL 72 720 Td {shown}ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] \
         /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>"
            .to_owned(),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
            .to_owned(),
        format!(
            "<< /Length {} >>\nstream\n{stream}\nendstream",
            stream.len()
        ),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{object}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    let trailer = format!(
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    );
    out.extend_from_slice(trailer.as_bytes());
    out
}

/// A DOCX (a zip with `word/document.xml`) with one paragraph per item of `paragraphs`.
fn docx(paragraphs: &[&str]) -> Vec<u8> {
    let body: String = paragraphs
        .iter()
        .map(|p| format!("<w:p><w:r><w:t xml:space=\"preserve\">{p}</w:t></w:r></w:p>"))
        .collect();
    let document = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
         <w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">\
         <w:body>{body}</w:body></w:document>"
    );
    zipped(&[
        ("[Content_Types].xml", "<?xml version=\"1.0\"?><Types/>"),
        ("word/document.xml", &document),
    ])
}

fn zipped(files: &[(&str, &str)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, text) in files {
        zip.start_file(*name, options).expect("zip entry");
        zip.write_all(text.as_bytes()).expect("zip write");
    }
    zip.finish().expect("zip finished").into_inner()
}

/// Advances the server clock through the admin API, as a test in any language would.
async fn advance_by_admin(app: &TestApp, seconds: f64) {
    let moved = app
        .call(
            Method::POST,
            "/__admin/clock/advance",
            None,
            Some(json!({ "seconds": seconds })),
        )
        .await;
    assert_eq!(moved.status, 200, "{}", moved.text);
}

async fn upload_file(app: &TestApp, name: &str, bytes: Vec<u8>) -> Value {
    let form = Form::new().part("file", file(name, bytes, None));
    let created = upload(app, "/api/knowledge-base/upload", form).await;
    assert_eq!(created.status, 201, "{}", created.text);
    created.body["data"].clone()
}

async fn document(app: &TestApp, id: &str) -> Value {
    app.get(&format!("/api/knowledge-base/{id}")).await.body["data"].clone()
}

#[tokio::test]
async fn pdf_and_docx_uploads_become_searchable_once_processed() {
    let app = TestApp::spawn().await;
    let report = pdf(&[
        "Quarterly churn report (draft)",
        "Churned accounts rose by 4%.",
    ]);
    let pdf_doc = upload_file(&app, "churn.pdf", report).await;
    let letter = docx(&[
        "Dear customer,",
        "your warranty claim &amp; the replacement are approved.",
    ]);
    let docx_doc = upload_file(&app, "claim.docx", letter).await;
    for doc in [&pdf_doc, &docx_doc] {
        assert_eq!(doc["status"], "processing");
        assert_eq!(doc["failure_reason"], Value::Null);
    }
    assert!(hit_ids(&search(&app, "q=churn").await).is_empty());

    advance_by_admin(&app, 5.0).await;
    let churn = search(&app, "q=churned").await;
    assert_eq!(
        hit_ids(&churn),
        [pdf_doc["id"].as_str().expect("id")],
        "{}",
        churn.text
    );
    let snippet = churn.body["data"][0]["content"].as_str().expect("snippet");
    assert!(snippet.contains("Churned accounts rose by 4%"), "{snippet}");
    assert_eq!(churn.body["data"][0]["metadata"]["file_type"], "pdf");

    let claim = search(&app, "q=warranty+replacement").await;
    assert_eq!(
        hit_ids(&claim),
        [docx_doc["id"].as_str().expect("id")],
        "{}",
        claim.text
    );
    let snippet = claim.body["data"][0]["content"].as_str().expect("snippet");
    assert!(snippet.contains("claim & the replacement"), "{snippet}");
}

#[tokio::test]
async fn files_that_cannot_be_parsed_end_failed_with_a_reason() {
    let app = TestApp::spawn().await;
    let cases = [
        ("scan.pdf", b"%PDF-1.7 truncated".to_vec(), "PDF"),
        ("photo.pdf", b"\x89PNG\r\n\x1a\n".to_vec(), "not a PDF"),
        ("letter.docx", b"not a zip at all".to_vec(), "not a DOCX"),
        (
            "sheet.docx",
            zipped(&[("xl/workbook.xml", "<workbook/>")]),
            "word/document.xml",
        ),
    ];
    let mut ids = Vec::new();
    for (name, bytes, _) in &cases {
        let doc = upload_file(&app, name, bytes.clone()).await;
        assert_eq!(
            doc["status"], "processing",
            "{name}: refused only when processed"
        );
        ids.push(doc["id"].as_str().expect("id").to_owned());
    }
    advance_by_admin(&app, 1.9).await;
    assert_eq!(document(&app, &ids[0]).await["failure_reason"], Value::Null);
    advance_by_admin(&app, 0.1).await;
    for ((name, _, reason), id) in cases.iter().zip(&ids) {
        let doc = document(&app, id).await;
        assert_eq!(doc["status"], "failed", "{name}: {doc}");
        let said = doc["failure_reason"].as_str().expect("a reason");
        assert!(said.contains(reason), "{name}: {said}");
    }
    let failed = app.get("/api/knowledge-base?status=failed").await;
    assert_eq!(failed.ids().len(), 4);
    advance_by_admin(&app, 60.0).await;
    assert_eq!(
        document(&app, &ids[0]).await["status"],
        "failed",
        "for good"
    );
    assert!(hit_ids(&search(&app, "q=truncated").await).is_empty());
}

#[tokio::test]
async fn documents_stay_processing_for_the_modelled_time_unless_the_clock_moves() {
    let app = TestApp::spawn().await;
    let doc = upload_file(
        &app,
        "faq.txt",
        b"Zephyrline parcels take three days.".to_vec(),
    )
    .await;
    let id = doc["id"].as_str().expect("id");
    for _ in 0..3 {
        // Wall time passing changes nothing: the frozen server clock decides.
        tokio::task::yield_now().await;
        assert_eq!(document(&app, id).await["status"], "processing");
    }
    advance_by_admin(&app, 1.5).await;
    assert_eq!(document(&app, id).await["status"], "processing");
    advance_by_admin(&app, 0.5).await;
    assert_eq!(document(&app, id).await["status"], "embedding");
    assert!(hit_ids(&search(&app, "q=zephyrline").await).is_empty());
    // The README's recipe: one call skips the whole pipeline.
    advance_by_admin(&app, 3.0).await;
    let done = document(&app, id).await;
    assert_eq!(
        (done["status"].clone(), done["progress"].clone()),
        (json!("completed"), json!(100))
    );
    assert_eq!(hit_ids(&search(&app, "q=zephyrline").await), [id]);
}
