//! The request journal: a bounded ring of the calls the mock answered, for verification.
//!
//! Appending takes one short mutex hold and evicts the oldest entry when full, so memory
//! stays flat however long the server runs. Token values are masked before they are stored.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use hyper::HeaderMap;
use serde::Serialize;

/// The default number of entries kept.
pub const DEFAULT_JOURNAL_SIZE: usize = 1000;
/// How much of a request body an entry keeps.
pub const BODY_LIMIT: usize = 4096;

/// One answered request.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    /// Increasing sequence number.
    pub id: u64,
    /// Server-clock time the request arrived (RFC 3339).
    pub at: String,
    /// The namespace it ran in.
    pub namespace: String,
    /// HTTP method.
    pub method: String,
    /// Path, without the query.
    pub path: String,
    /// Raw query string (empty when none).
    pub query: String,
    /// The route name from the table (`agents.get`), when the path was recognized.
    pub route: Option<&'static str>,
    /// Request headers, with token values masked.
    pub headers: Vec<(String, String)>,
    /// The body (first 4 KiB, lossy UTF-8), when there was one.
    pub body: Option<String>,
    /// The body's full size in bytes.
    pub body_size: usize,
    /// The status answered.
    pub status: u16,
    /// The scenario rule that fired, if any.
    pub rule: Option<String>,
}

/// Which entries to read.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only this method (case-insensitive).
    pub method: Option<String>,
    /// Only this exact path.
    pub path: Option<String>,
    /// Only this route name.
    pub route: Option<String>,
    /// Only this status.
    pub status: Option<u16>,
    /// Only this namespace.
    pub namespace: Option<String>,
}

impl Filter {
    fn keeps(&self, entry: &Entry) -> bool {
        self.method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(&entry.method))
            && self.path.as_deref().is_none_or(|p| p == entry.path)
            && self.route.as_deref().is_none_or(|r| Some(r) == entry.route)
            && self.status.is_none_or(|s| s == entry.status)
            && self
                .namespace
                .as_deref()
                .is_none_or(|n| n == entry.namespace)
    }
}

/// The bounded journal.
#[derive(Debug)]
pub struct Journal {
    capacity: usize,
    entries: Mutex<VecDeque<Arc<Entry>>>,
    next_id: AtomicU64,
}

impl Journal {
    /// A journal keeping the last `capacity` entries (0 keeps none).
    pub fn new(capacity: usize) -> Self {
        let entries = Mutex::new(VecDeque::with_capacity(capacity.min(4096)));
        Self {
            capacity,
            entries,
            next_id: AtomicU64::new(1),
        }
    }

    /// Whether entries are kept at all.
    pub fn enabled(&self) -> bool {
        self.capacity > 0
    }

    /// How many entries it keeps at most.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Appends `entry` (its `id` is assigned here), evicting the oldest when full.
    pub fn record(&self, mut entry: Entry) {
        if self.capacity == 0 {
            return;
        }
        entry.id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut entries = self.lock();
        if entries.len() == self.capacity {
            entries.pop_front();
        }
        entries.push_back(Arc::new(entry));
    }

    /// Entries passing `filter`, newest first, at most `limit`.
    pub fn list(&self, filter: &Filter, limit: usize) -> Vec<Arc<Entry>> {
        let entries = self.lock();
        entries
            .iter()
            .rev()
            .filter(|e| filter.keeps(e))
            .take(limit)
            .cloned()
            .collect()
    }

    /// How many entries pass `filter`.
    pub fn count(&self, filter: &Filter) -> usize {
        self.lock().iter().filter(|e| filter.keeps(e)).count()
    }

    /// Removes every entry, or only those of `namespace`.
    pub fn clear(&self, namespace: Option<&str>) {
        let mut entries = self.lock();
        match namespace {
            None => entries.clear(),
            Some(ns) => entries.retain(|e| e.namespace != ns),
        }
    }

    fn lock(&self) -> MutexGuard<'_, VecDeque<Arc<Entry>>> {
        // A panic while holding the lock cannot leave the ring half-updated.
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Headers as name/value pairs, with credential values masked.
pub fn masked_headers(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            let value = String::from_utf8_lossy(value.as_bytes());
            let shown = match name.as_str() {
                "x-api-token" | "authorization" | "cookie" => mask(&value),
                _ => value.into_owned(),
            };
            (name.as_str().to_owned(), shown)
        })
        .collect()
}

/// Keeps a short prefix (enough to tell tokens apart) and hides the rest.
fn mask(value: &str) -> String {
    let (scheme, secret) = match value.split_once(' ') {
        Some((scheme, rest)) => (format!("{scheme} "), rest),
        None => (String::new(), value),
    };
    let prefix: String = secret.chars().take(8).collect();
    format!("{scheme}{prefix}********")
}

/// The first [`BODY_LIMIT`] bytes of `body` as text, or `None` when it is empty.
pub fn bounded_body(body: &[u8]) -> Option<String> {
    if body.is_empty() {
        return None;
    }
    Some(String::from_utf8_lossy(&body[..body.len().min(BODY_LIMIT)]).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str) -> Entry {
        Entry {
            id: 0,
            at: String::new(),
            namespace: "default".into(),
            method: "GET".into(),
            path: path.into(),
            query: String::new(),
            route: None,
            headers: Vec::new(),
            body: None,
            body_size: 0,
            status: 200,
            rule: None,
        }
    }

    #[test]
    fn the_ring_keeps_the_newest_entries_only() {
        let journal = Journal::new(2);
        for path in ["/a", "/b", "/c"] {
            journal.record(entry(path));
        }
        let paths: Vec<String> = journal
            .list(&Filter::default(), 10)
            .iter()
            .map(|e| e.path.clone())
            .collect();
        assert_eq!(paths, ["/c", "/b"]);
    }

    #[test]
    fn tokens_are_masked() {
        assert_eq!(mask("Bearer prodgy_secretvalue"), "Bearer prodgy_s********");
        assert_eq!(mask("prodgy_secretvalue"), "prodgy_s********");
    }
}
