//! How a collection keeps one record in memory.
//!
//! Seed records start compact: their JSON text, parsed the first time something reads them
//! and cached from then on. A parsed `serde_json::Map` costs several times its JSON size, so a
//! 100k-record seed that is mostly never read stays small. Records written at run time are
//! kept parsed.

use std::sync::{Arc, OnceLock};

use super::Record;

/// One stored record.
#[derive(Debug, Clone)]
pub(super) enum Stored {
    /// Parsed and ready.
    Parsed(Arc<Record>),
    /// Compact JSON, parsed on first read.
    Compact(Arc<Compact>),
}

/// A record's JSON text and, once read, its parsed form.
#[derive(Debug)]
pub(super) struct Compact {
    json: Box<str>,
    parsed: OnceLock<Arc<Record>>,
}

impl Stored {
    /// A record kept as its compact JSON text (which must encode an object).
    pub(super) fn compact(json: Box<str>) -> Self {
        Stored::Compact(Arc::new(Compact {
            json,
            parsed: OnceLock::new(),
        }))
    }

    /// The record, parsing it if needed without keeping the parsed form (for scans).
    pub(super) fn peek(&self) -> Arc<Record> {
        match self {
            Stored::Compact(compact) if compact.parsed.get().is_none() => {
                Arc::new(serde_json::from_str(&compact.json).unwrap_or_default())
            }
            _ => self.record(),
        }
    }

    /// The record, parsing (once) if needed.
    pub(super) fn record(&self) -> Arc<Record> {
        match self {
            Stored::Parsed(record) => Arc::clone(record),
            Stored::Compact(compact) => Arc::clone(compact.parsed.get_or_init(|| {
                // The text was written by `compact` from a valid map, so it parses.
                Arc::new(serde_json::from_str(&compact.json).unwrap_or_default())
            })),
        }
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
        assert_eq!(*first, record);
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
