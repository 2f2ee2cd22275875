//! How a collection keeps one record in memory.
//!
//! Records are kept compact: their JSON text, parsed the first time something reads them
//! and cached from then on. A parsed `serde_json::Map` costs several times its JSON size, so a
//! 100k-record seed that is mostly never read stays small, and so do the records a client
//! writes (one created through the API is answered from the map it was made as, and parsed
//! again only when read).
//!
//! Every record handed out is a [`Doc`]: the record and its JSON text, copied into every
//! answer that shows the record unchanged (a seed record's text is the one it was loaded
//! from; a written record's, the one it was stored as). The answer that shows it alone (a
//! GET by id) is written once and kept with it, so reading it again copies nothing.

use std::cell::RefCell;
use std::ops::Deref;
use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use serde_json::Value;

use super::Record;
use crate::clock::Timestamp;

/// A stored record and its JSON text (the text it was parsed from, or was written as when
/// stored: every record is stored as text, see [`Stored`]).
#[derive(Debug)]
pub struct Doc {
    record: Record,
    json: Bytes,
    token: OnceLock<Box<TokenFacts>>,
    /// The whole answer that shows this record as it is (a GET by id's envelope), written
    /// the first time it is asked for (see [`Doc::answer`]).
    answer: OnceLock<Box<[u8]>>,
}

/// What authenticating with a token reads from its record, on every call: taken from the
/// record once (a record never changes; an update stores a new one).
#[derive(Debug, Clone, PartialEq)]
pub struct TokenFacts {
    /// The token's id.
    pub id: Arc<str>,
    /// Its `status`, when it has one.
    pub status: Option<Box<str>>,
    /// Its `expires_at`, when set and a valid timestamp.
    pub expires_at: Option<Timestamp>,
    /// Its `product_id`, when set.
    pub product: Option<Arc<str>>,
}

impl Doc {
    fn with_json(record: Record, json: Bytes) -> Self {
        Self {
            record,
            json,
            token: OnceLock::new(),
            answer: OnceLock::new(),
        }
    }

    /// A copy that shares nothing with this one, for a thread to keep as its own (see
    /// [`super::hot`]): every count its handles touch is then written by that thread alone.
    /// The answer, when already written, is copied too; the token facts are read again.
    pub(super) fn own_copy(&self) -> Self {
        let copy = Self::with_json(self.record.clone(), Bytes::copy_from_slice(&self.json));
        if let Some(answer) = self.answer.get() {
            let _ = copy.answer.set(answer.clone());
        }
        copy
    }

    /// The answer showing this record, written by `write` the first time (a record never
    /// changes, so neither does its answer; an update stores a new record).
    pub fn answer(&self, write: impl FnOnce() -> Box<[u8]>) -> &[u8] {
        self.answer.get_or_init(write)
    }

    /// The record as compact JSON.
    pub fn json(&self) -> &Bytes {
        &self.json
    }

    /// The record read as an API token, once.
    pub fn token(&self) -> &TokenFacts {
        self.token.get_or_init(|| {
            let text = |key: &str| self.record.get(key).and_then(Value::as_str);
            Box::new(TokenFacts {
                id: Arc::from(text("id").unwrap_or_default()),
                status: text("status").map(Box::from),
                expires_at: text("expires_at").and_then(Timestamp::parse),
                product: text("product_id").map(Arc::from),
            })
        })
    }

    /// The record itself.
    pub fn record(&self) -> &Record {
        &self.record
    }
}

impl Deref for Doc {
    type Target = Record;

    fn deref(&self) -> &Record {
        &self.record
    }
}

impl PartialEq for Doc {
    fn eq(&self, other: &Self) -> bool {
        self.record == other.record
    }
}

/// One stored record: its compact JSON text, parsed on first read (and kept parsed from
/// then on). Seed records and records written at run time are kept alike: a parsed map costs
/// several times its text, and a client that creates records by the hundred thousand would
/// otherwise pay for each in memory and, as the heap grows, in page faults.
#[derive(Debug, Clone)]
pub(super) struct Stored(Arc<Compact>);

/// A record's JSON text and, once read, its parsed form.
#[derive(Debug)]
pub(super) struct Compact {
    json: Bytes,
    parsed: OnceLock<Arc<Doc>>,
}

impl Stored {
    /// A record kept as its compact JSON text (which must encode an object).
    pub(super) fn compact(json: Box<str>) -> Self {
        Self::of_json(Bytes::from(json.into_boxed_bytes()))
    }

    fn of_json(json: Bytes) -> Self {
        Stored(Arc::new(Compact {
            json,
            parsed: OnceLock::new(),
        }))
    }

    /// A record written at run time, as stored, and the parsed record to answer with now,
    /// which shares its text (the stored one is parsed again when next read).
    pub(super) fn written(record: Record) -> (Self, Arc<Doc>) {
        let json = compact_json(&record);
        let stored = Self::of_json(json.clone());
        (stored, Arc::new(Doc::with_json(record, json)))
    }

    /// The record, parsing it if needed without keeping the parsed form (for scans).
    pub(super) fn peek(&self) -> Arc<Doc> {
        match self.0.parsed.get() {
            Some(parsed) => Arc::clone(parsed),
            None => Arc::new(self.0.parse()),
        }
    }

    /// The record, parsing (once) if needed.
    pub(super) fn record(&self) -> Arc<Doc> {
        let compact = &self.0;
        Arc::clone(compact.parsed.get_or_init(|| Arc::new(compact.parse())))
    }
}

thread_local! {
    /// Where this thread writes a record's text before copying it out at its exact size.
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// The most [`SCRATCH`] keeps between records (a larger one is freed after use).
const SCRATCH_KEPT: usize = 64 * 1024;

/// `record` as compact JSON, in an allocation of exactly its size. Written straight into a
/// new `Vec`, it grew by doubling (two reallocations for a 330-byte integration) and was kept
/// with its spare capacity (512 bytes for those 330).
fn compact_json(record: &Record) -> Bytes {
    SCRATCH.with_borrow_mut(|scratch| {
        scratch.clear();
        // Serializing a JSON map into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *scratch, record);
        let json = Bytes::copy_from_slice(scratch);
        if scratch.capacity() > SCRATCH_KEPT {
            *scratch = Vec::new();
        }
        json
    })
}

impl Compact {
    /// The record, parsed, with the text it came from as its JSON.
    fn parse(&self) -> Doc {
        // The text was written by `compact` from a valid map, so it parses.
        let record = serde_json::from_slice(&self.json).unwrap_or_default();
        Doc::with_json(record, self.json.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_compact_record_reads_back_equal_and_is_parsed_once() {
        let record = json!({"id": "a", "n": [1, {"b": null}]})
            .as_object()
            .cloned()
            .unwrap_or_default();
        let stored = Stored::compact(
            serde_json::to_string(&record)
                .unwrap_or_default()
                .into_boxed_str(),
        );
        let first = stored.record();
        assert_eq!(*first.record(), record);
        assert_eq!(
            first.json().as_ref(),
            serde_json::to_string(&record)
                .unwrap_or_default()
                .as_bytes()
        );
        assert!(Arc::ptr_eq(&first, &stored.record()));
    }

    #[test]
    fn a_written_record_is_kept_as_text_and_reads_back_equal_floats_included() {
        let record = json!({
            "id": "a",
            "floats": [0.30000000000000004, 1e-7, 123456789.12345679, 2.2250738585072014e-308,
                       9007199254740993.0, -0.0, 1.7976931348623157e308],
            "big": 18446744073709551615u64, "neg": -9223372036854775808i64,
            "text": "é\" \\ \n", "nested": [1, {"b": null, "c": true}]
        })
        .as_object()
        .cloned()
        .unwrap_or_default();
        let (stored, answered) = Stored::written(record.clone());
        assert_eq!(*answered.record(), record);
        assert!(stored.0.parsed.get().is_none(), "kept as text until read");
        let read = stored.record();
        assert_eq!(
            *read.record(),
            record,
            "parsed back from its text, unchanged"
        );
        assert_eq!(
            read.json(),
            answered.json(),
            "and shown with the same bytes"
        );
    }

    #[test]
    fn peeking_does_not_cache_the_parsed_form() {
        let stored = Stored::compact(Box::from(r#"{"id":"a"}"#));
        let peeked = stored.peek();
        assert!(!Arc::ptr_eq(&peeked, &stored.peek()));
        let read = stored.record();
        assert!(
            Arc::ptr_eq(&read, &stored.peek()),
            "once read, scans share the cached form"
        );
    }
}
