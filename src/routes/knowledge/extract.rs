//! The text of an uploaded document, as the processing stage would extract it for indexing.
//!
//! Plain-text formats are read as UTF-8 (invalid bytes replaced). PDF text comes from `lopdf`
//! (the text-showing operators of every page, decoded with each font's encoding or
//! `ToUnicode` map); DOCX text from `word/document.xml`, read out of the zip with `zip` and
//! parsed with `quick-xml` (runs of `w:t`, tabs, breaks, one line per paragraph). A file that
//! cannot be parsed is not an error answer: the document is stored and ends `failed` with
//! the reason, as the real pipeline reports it. Other formats (doc, xls, xlsx, ods) are stored
//! without text.

use std::io::{Cursor, Read};

use quick_xml::Reader;
use quick_xml::events::Event;

use super::document::TEXT_FORMATS;

/// Largest `word/document.xml` read, uncompressed (a zip bomb stops here).
const DOCX_XML_LIMIT: u64 = 64 * 1024 * 1024;

/// What the processing stage gets out of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Extracted {
    /// The text to index (possibly empty).
    Text(String),
    /// A format the mock does not read: stored, listed, never matched.
    Unindexed,
    /// The file cannot be parsed; the reason, for `failure_reason`.
    Failed(String),
}

/// Whether extracting `ext` parses a container (worth running off the async workers).
pub fn is_parsed(ext: &str) -> bool {
    matches!(ext, "pdf" | "docx")
}

/// The text of a file of format `ext`.
pub fn extract(ext: &str, bytes: &[u8]) -> Extracted {
    match ext {
        "pdf" => pdf(bytes),
        "docx" => docx(bytes),
        _ if TEXT_FORMATS.contains(&ext) => {
            Extracted::Text(String::from_utf8_lossy(bytes).into_owned())
        }
        _ => Extracted::Unindexed,
    }
}

fn pdf(bytes: &[u8]) -> Extracted {
    let document = match lopdf::Document::load_mem(bytes) {
        Ok(document) => document,
        Err(e) if matches!(e, lopdf::Error::Decryption(_)) || bytes.starts_with(b"%PDF") => {
            return Extracted::Failed(format!("the PDF could not be read: {e}"));
        }
        Err(_) => return Extracted::Failed("the file is not a PDF document".into()),
    };
    if document.is_encrypted() {
        return Extracted::Failed("the PDF is encrypted with a password".into());
    }
    let pages: Vec<u32> = document.get_pages().keys().copied().collect();
    if pages.is_empty() {
        return Extracted::Failed("the PDF has no pages".into());
    }
    match document.extract_text(&pages) {
        Ok(text) => Extracted::Text(text),
        Err(e) => Extracted::Failed(format!("the PDF's text could not be extracted: {e}")),
    }
}

fn docx(bytes: &[u8]) -> Extracted {
    let mut archive = match zip::ZipArchive::new(Cursor::new(bytes)) {
        Ok(archive) => archive,
        Err(_) => return Extracted::Failed("the file is not a DOCX (zip) document".into()),
    };
    let mut xml = Vec::new();
    let read = match archive.by_name("word/document.xml") {
        Ok(part) => part.take(DOCX_XML_LIMIT).read_to_end(&mut xml),
        Err(_) => {
            return Extracted::Failed(
                "the DOCX has no word/document.xml: it is not a Word document".into(),
            );
        }
    };
    if let Err(e) = read {
        return Extracted::Failed(format!("the DOCX could not be unpacked: {e}"));
    }
    match document_text(&xml) {
        Ok(text) => Extracted::Text(text),
        Err(e) => Extracted::Failed(format!("the DOCX's document.xml is malformed: {e}")),
    }
}

/// The text of a WordprocessingML body: `w:t` runs, `w:tab` as a tab, `w:br`/`w:cr` as a
/// line break, a line break after each paragraph.
fn document_text(xml: &[u8]) -> Result<String, quick_xml::Error> {
    let mut reader = Reader::from_reader(xml);
    let mut text = String::new();
    let mut in_text = false;
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf)? {
            Event::Start(e) if e.local_name().as_ref() == b"t" => in_text = true,
            Event::End(e) => match e.local_name().as_ref() {
                b"t" => in_text = false,
                b"p" => text.push('\n'),
                _ => {}
            },
            Event::Empty(e) => match e.local_name().as_ref() {
                b"tab" => text.push('\t'),
                b"br" | b"cr" => text.push('\n'),
                _ => {}
            },
            // Text events hold no references: those come as `GeneralRef` events.
            Event::Text(t) if in_text => text.push_str(&String::from_utf8_lossy(&t)),
            Event::GeneralRef(r) if in_text => match r.resolve_char_ref()? {
                Some(c) => text.push(c),
                None => text.push_str(entity(&r)),
            },
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Ok(text)
}

/// The text of one of the five predefined XML entities (`amp`, `lt`, …); others are dropped.
fn entity(name: &[u8]) -> &'static str {
    match name {
        b"amp" => "&",
        b"lt" => "<",
        b"gt" => ">",
        b"quot" => "\"",
        b"apos" => "'",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_runs_tabs_and_entities_become_text() {
        let xml = br#"<?xml version="1.0"?><w:document xmlns:w="x"><w:body>
            <w:p><w:r><w:t>Refunds &amp; returns</w:t></w:r><w:r><w:tab/><w:t xml:space="preserve"> caf&#233;</w:t></w:r></w:p>
            <w:p><w:r><w:t>second</w:t><w:br/><w:t>line</w:t></w:r></w:p>
        </w:body></w:document>"#;
        let text = document_text(xml).expect("well-formed");
        assert_eq!(text, "Refunds & returns\t café\nsecond\nline\n");
    }

    #[test]
    fn files_that_are_not_their_format_fail_with_a_reason() {
        let Extracted::Failed(reason) = extract("pdf", b"hello") else {
            panic!("not a PDF")
        };
        assert!(reason.contains("not a PDF"), "{reason}");
        let Extracted::Failed(reason) = extract("docx", b"PK\x03\x04broken") else {
            panic!("not a zip")
        };
        assert!(reason.contains("DOCX"), "{reason}");
        assert_eq!(extract("xlsx", b"PK"), Extracted::Unindexed);
        assert_eq!(
            extract("txt", b"a\xffb"),
            Extracted::Text("a\u{fffd}b".into())
        );
    }
}
