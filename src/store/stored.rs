//! How a collection keeps one record in memory.
//!
//! Seed records start compact: their JSON text, parsed the first time something reads them
//! and cached from then on. A parsed `serde_json::Map` costs several times its JSON size, so a
//! 100k-record seed that is mostly never read stays small. Records written at run time are
//! kept parsed.
//!
//! Every record handed out is a [`Doc`]: the record and, once an answer needs it, its JSON
//! text, written once and then copied into every answer that shows the record unchanged (a
//! seed record's text is the one it was loaded from).

use std::ops::Deref;
use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use serde_json::Value;

use super::Record;
use crate::clock::Timestamp;

/// A stored record and, once needed, its JSON text.
#[derive(Debug)]
pub struct Doc {
    record: Record,
    json: OnceLock<Bytes>,
    token: OnceLock<Box<TokenFacts>>,
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
    /// A record whose text is written when first needed.
    pub fn new(record: Record) -> Self {
        Self {
            record,
            json: OnceLock::new(),
            token: OnceLock::new(),
        }
    }

    fn with_json(record: Record, json: Bytes) -> Self {
        Self {
            record,
            json: OnceLock::from(json),
            token: OnceLock::new(),
        }
    }

    /// The record as compact JSON, written once.
    pub fn json(&self) -> &Bytes {
        self.json.get_or_init(|| {
            // Serializing a JSON map cannot fail.
            Bytes::from(serde_json::to_vec(&self.record).unwrap_or_default())
        })
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

/// One stored record.
#[derive(Debug, Clone)]
pub(super) enum Stored {
    /// Parsed and ready.
    Parsed(Arc<Doc>),
    /// Compact JSON, parsed on first read.
    Compact(Arc<Compact>),
}

/// A record's JSON text and, once read, its parsed form.
#[derive(Debug)]
pub(super) struct Compact {
    json: Bytes,
    parsed: OnceLock<Arc<Doc>>,
}

impl Stored {
    /// A record kept as its compact JSON text (which must encode an object).
    pub(super) fn compact(json: Box<str>) -> Self {
        Stored::Compact(Arc::new(Compact {
            json: Bytes::from(json.into_boxed_bytes()),
            parsed: OnceLock::new(),
        }))
    }

    /// The record, parsing it if needed without keeping the parsed form (for scans).
    pub(super) fn peek(&self) -> Arc<Doc> {
        match self {
            Stored::Compact(compact) if compact.parsed.get().is_none() => Arc::new(compact.parse()),
            _ => self.record(),
        }
    }

    /// The record, parsing (once) if needed.
    pub(super) fn record(&self) -> Arc<Doc> {
        match self {
            Stored::Parsed(record) => Arc::clone(record),
            Stored::Compact(compact) => {
                Arc::clone(compact.parsed.get_or_init(|| Arc::new(compact.parse())))
            }
        }
    }
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
