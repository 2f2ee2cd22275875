//! The request journal: a bounded ring of the calls the mock answered, for verification.
//!
//! Appending takes one short hold of the calling thread's own ring (see [`Journal`]) and
//! drops what fell out of the window, so memory stays flat however long the server runs and
//! the threads never wait for each other. Recording is cheap: an entry keeps the request
//! line and headers as raw bytes packed in one buffer (copied, so no connection buffer is
//! kept alive), the first 4 KiB of the body and the time as a [`Timestamp`]; the response's
//! headers are shared, not copied (the mock made them; proxy mode copies an upstream's out of
//! its connection buffer first). Formatting
//! (RFC 3339 time, lossy UTF-8, token masking) happens only when the journal is read, and
//! token values are masked on every way out: serialization and `Debug`.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use hyper::header::{CONTENT_TYPE, DATE, HeaderName, HeaderValue};
use hyper::{HeaderMap, Method, Uri};
use serde::ser::{Serialize, SerializeStruct, Serializer};

use crate::clock::Timestamp;
use crate::envelope::{Kept, Source};
use crate::shard::{Padded, Sharded};

/// The default number of entries kept.
pub const DEFAULT_JOURNAL_SIZE: usize = 1000;
/// How much of a request or response body an entry keeps.
pub const BODY_LIMIT: usize = crate::envelope::KEPT_BODY_LIMIT;

/// One answered request. Serializes to `{id, at, namespace, method, path, query, route,
/// headers: [[name, value], ..], body, body_size, status, rule}` with token values masked.
pub struct Entry {
    /// Increasing sequence number (assigned by [`Journal::record`]).
    pub id: u64,
    /// Server-clock time the request arrived.
    pub at: Timestamp,
    /// The namespace it ran in.
    pub namespace: Arc<str>,
    /// Which incarnation of that namespace (a reset starts a new one, whose journal does not
    /// show the entries of the old).
    pub epoch: u64,
    /// HTTP method.
    pub method: Method,
    /// The route name from the table (`agents.get`), when the path was recognized.
    pub route: Option<&'static str>,
    /// The body's full size in bytes.
    pub body_size: usize,
    /// The status answered.
    pub status: u16,
    /// The scenario rule that fired, if any.
    pub rule: Option<String>,
    /// How long the answer took, from arrival to the response head (wall time).
    pub duration: Duration,
    request: Packed,
    body: Option<Box<[u8]>>,
    response: Option<Answered>,
}

/// What was answered: headers and a body known whole.
struct Answered {
    headers: Answers,
    body: Option<Shown>,
}

/// A response's headers, shared rather than copied (none points into a connection's buffer,
/// unlike a request's). Most answers are a JSON envelope with its `Date`: those two are kept
/// apart, so such an answer keeps nothing else (and allocates nothing).
#[derive(Default)]
struct Answers {
    /// Whether the first header was `Content-Type: application/json`.
    json: bool,
    /// The headers between the two.
    others: Vec<(HeaderName, HeaderValue)>,
    /// The last header, when it was `Date`.
    date: Option<HeaderValue>,
}

impl Answers {
    fn of(headers: &HeaderMap) -> Self {
        let mut answers = Self::default();
        let mut iter = headers.iter().peekable();
        if let Some((name, value)) = iter.peek()
            && *name == CONTENT_TYPE
            && value.as_bytes() == b"application/json"
        {
            answers.json = true;
            iter.next();
        }
        // One header behind, so the last one can be told apart without a second pass.
        let mut last: Option<(&HeaderName, &HeaderValue)> = None;
        for header in iter {
            if let Some((name, value)) = last.replace(header) {
                answers.others.push((name.clone(), value.clone()));
            }
        }
        match last {
            Some((name, value)) if *name == DATE => answers.date = Some(value.clone()),
            Some((name, value)) => answers.others.push((name.clone(), value.clone())),
            None => {}
        }
        answers
    }

    fn iter(&self) -> impl Iterator<Item = (&str, &[u8])> {
        let json = self
            .json
            .then_some(("content-type", b"application/json".as_slice()));
        let others = self
            .others
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_bytes()));
        let date = self.date.iter().map(|value| ("date", value.as_bytes()));
        json.into_iter().chain(others).chain(date)
    }
}

/// A body as kept: its first [`BODY_LIMIT`] bytes (shared when that is all of it), or what
/// wrote it (see [`Body::Envelope`](crate::envelope::Body)).
enum Shown {
    Bytes(Bytes, usize),
    Source(Box<Source>, usize),
}

impl Entry {
    /// An entry for a request that just arrived; route, body, status and rule come later.
    pub fn start(
        at: Timestamp,
        (namespace, epoch): (Arc<str>, u64),
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
    ) -> Self {
        Self {
            id: 0,
            at,
            namespace,
            epoch,
            method: method.clone(),
            route: None,
            body_size: 0,
            status: 0,
            rule: None,
            duration: Duration::ZERO,
            request: Packed::new(uri.path(), uri.query().unwrap_or_default(), headers),
            body: None,
            response: None,
        }
    }

    /// Keeps what was answered: the status, the headers and, for a body known whole, its first
    /// [`BODY_LIMIT`] bytes (or what wrote it) and its size.
    pub fn set_response(&mut self, status: u16, headers: &HeaderMap, body: Option<Kept>) {
        self.status = status;
        let body = body.map(|kept| match kept {
            // A small body is shared, not copied; a large one's prefix is copied, so the
            // journal never holds a large answer alive.
            Kept::Bytes(bytes) => {
                let size = bytes.len();
                match size <= BODY_LIMIT {
                    true => Shown::Bytes(bytes, size),
                    false => Shown::Bytes(Bytes::copy_from_slice(&bytes[..BODY_LIMIT]), size),
                }
            }
            Kept::Source(source, size) => Shown::Source(source, size),
        });
        self.response = Some(Answered {
            headers: Answers::of(headers),
            body,
        });
    }

    /// The response headers as name/value pairs (credential values masked).
    pub fn response_headers(&self) -> Vec<(&str, String)> {
        self.response.as_ref().map_or_else(Vec::new, |r| {
            r.headers
                .iter()
                .map(|(name, value)| (name, shown(name, value)))
                .collect()
        })
    }

    /// The kept response body (first 4 KiB, lossy UTF-8), when there was one known whole.
    pub fn response_body(&self) -> Option<Cow<'_, str>> {
        match self.response.as_ref()?.body.as_ref()? {
            Shown::Bytes(bytes, _) if bytes.is_empty() => None,
            Shown::Bytes(bytes, _) => Some(String::from_utf8_lossy(bytes)),
            Shown::Source(source, _) => {
                let mut bytes = source.write();
                bytes.truncate(BODY_LIMIT);
                Some(Cow::Owned(String::from_utf8_lossy(&bytes).into_owned()))
            }
        }
    }

    /// The response body's full size, when it was known whole.
    pub fn response_size(&self) -> Option<usize> {
        match self.response.as_ref()?.body.as_ref()? {
            Shown::Bytes(_, size) | Shown::Source(_, size) => Some(*size),
        }
    }

    /// Keeps the first [`BODY_LIMIT`] bytes of `body` and its full size.
    pub fn set_body(&mut self, body: &[u8]) {
        self.body_size = body.len();
        self.body = (!body.is_empty()).then(|| body[..body.len().min(BODY_LIMIT)].into());
    }

    /// Path, without the query.
    pub fn path(&self) -> &str {
        self.request.path()
    }

    /// Raw query string (empty when none).
    pub fn query(&self) -> &str {
        self.request.query()
    }

    /// Request headers as name/value pairs, with credential values masked.
    pub fn headers(&self) -> Vec<(&str, String)> {
        self.request
            .headers()
            .map(|(name, value)| (name, shown(name, value)))
            .collect()
    }

    /// The kept body (first 4 KiB, lossy UTF-8), when there was one.
    pub fn body(&self) -> Option<Cow<'_, str>> {
        self.body.as_deref().map(String::from_utf8_lossy)
    }
}

impl Serialize for Entry {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Entry", 14)?;
        s.serialize_field("id", &self.id)?;
        s.serialize_field("at", &self.at.to_string())?;
        s.serialize_field("namespace", &*self.namespace)?;
        s.serialize_field("method", self.method.as_str())?;
        s.serialize_field("path", self.path())?;
        s.serialize_field("query", self.query())?;
        s.serialize_field("route", &self.route)?;
        s.serialize_field("headers", &self.headers())?;
        s.serialize_field("body", &self.body())?;
        s.serialize_field("body_size", &self.body_size)?;
        s.serialize_field("status", &self.status)?;
        s.serialize_field("rule", &self.rule)?;
        s.serialize_field("duration_ms", &(self.duration.as_secs_f64() * 1000.0))?;
        let response = serde_json::json!({
            "status": self.status,
            "headers": self.response_headers(),
            "body": self.response_body(),
            "body_size": self.response_size(),
        });
        s.serialize_field("response", &response)?;
        s.end()
    }
}

impl fmt::Debug for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Entry")
            .field("id", &self.id)
            .field("at", &self.at)
            .field("namespace", &self.namespace)
            .field("method", &self.method)
            .field("path", &self.path())
            .field("query", &self.query())
            .field("route", &self.route)
            .field("headers", &self.headers())
            .field("body_size", &self.body_size)
            .field("status", &self.status)
            .field("rule", &self.rule)
            .finish()
    }
}

/// Path, query and headers packed into one buffer: `path`, `query`, then per header a
/// little-endian `u32` name length, a `u32` value length, the name and the value bytes.
struct Packed {
    buf: Box<[u8]>,
    path_len: usize,
    query_len: usize,
}

impl Packed {
    fn new(path: &str, query: &str, headers: &HeaderMap) -> Self {
        let fits = |n: &str, v: &[u8]| u32::try_from(n.len().max(v.len())).is_ok();
        let size = path.len()
            + query.len()
            + headers
                .iter()
                .map(|(n, v)| 8 + n.as_str().len() + v.as_bytes().len())
                .sum::<usize>();
        let mut buf = Vec::with_capacity(size);
        buf.extend_from_slice(path.as_bytes());
        buf.extend_from_slice(query.as_bytes());
        for (name, value) in headers {
            let (name, value) = (name.as_str(), value.as_bytes());
            if !fits(name, value) {
                continue;
            }
            for len in [name.len(), value.len()] {
                buf.extend_from_slice(&u32::try_from(len).unwrap_or(u32::MAX).to_le_bytes());
            }
            buf.extend_from_slice(name.as_bytes());
            buf.extend_from_slice(value);
        }
        Self {
            buf: buf.into_boxed_slice(),
            path_len: path.len(),
            query_len: query.len(),
        }
    }

    fn text(&self, from: usize, len: usize) -> &str {
        let bytes = self.buf.get(from..from + len).unwrap_or_default();
        std::str::from_utf8(bytes).unwrap_or_default()
    }

    fn path(&self) -> &str {
        self.text(0, self.path_len)
    }

    fn query(&self) -> &str {
        self.text(self.path_len, self.query_len)
    }

    fn headers(&self) -> impl Iterator<Item = (&str, &[u8])> {
        let mut at = self.path_len + self.query_len;
        std::iter::from_fn(move || {
            let len = |from: usize| -> Option<usize> {
                let bytes: [u8; 4] = self.buf.get(from..from + 4)?.try_into().ok()?;
                usize::try_from(u32::from_le_bytes(bytes)).ok()
            };
            let (name_len, value_len) = (len(at)?, len(at + 4)?);
            let name = std::str::from_utf8(self.buf.get(at + 8..at + 8 + name_len)?).ok()?;
            let start = at + 8 + name_len;
            let value = self.buf.get(start..start + value_len)?;
            at = start + value_len;
            Some((name, value))
        })
    }
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
    /// Only this status, or this class of statuses.
    pub status: Option<StatusMatch>,
    /// Only this namespace.
    pub namespace: Option<String>,
    /// Only entries recorded after the one with this id (for polling).
    pub since: Option<u64>,
}

impl Filter {
    fn keeps(&self, entry: &Entry) -> bool {
        self.method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(entry.method.as_str()))
            && self.path.as_deref().is_none_or(|p| p == entry.path())
            && self.route.as_deref().is_none_or(|r| Some(r) == entry.route)
            && self.status.is_none_or(|s| s.keeps(entry.status))
            && self
                .namespace
                .as_deref()
                .is_none_or(|n| n == &*entry.namespace)
            && self.since.is_none_or(|since| entry.id > since)
    }
}

/// A status condition: one code (`404`), or a class (`4xx`: 400 to 499).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusMatch {
    /// Exactly this status.
    Code(u16),
    /// Any status with this first digit (`5` for `5xx`).
    Class(u16),
}

impl StatusMatch {
    /// `404` or `4xx` (also `4XX`); `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        if let Some(digit) = text.strip_suffix("xx").or_else(|| text.strip_suffix("XX")) {
            return match digit.as_bytes() {
                [d @ b'1'..=b'5'] => Some(Self::Class(u16::from(d - b'0'))),
                _ => None,
            };
        }
        text.parse().ok().map(Self::Code)
    }

    fn keeps(self, status: u16) -> bool {
        match self {
            Self::Code(code) => status == code,
            Self::Class(class) => status / 100 == class,
        }
    }
}

impl std::fmt::Display for StatusMatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Code(code) => write!(f, "{code}"),
            Self::Class(class) => write!(f, "{class}xx"),
        }
    }
}

/// The bounded journal.
///
/// Each thread appends to a ring of its own (see `shard`): the journal is written on every
/// request, and one shared ring would move its lock and its slots between cores each time.
/// Ids still come from one counter, taken under the ring's lock, so a reader that holds
/// every ring's lock sees every id handed out so far: polling with `since` never skips an
/// entry that is recorded late. The journal shows the last `capacity` ids; a ring drops its
/// entries once they fall out of that window.
#[derive(Debug)]
pub struct Journal {
    capacity: usize,
    rings: Sharded<Mutex<VecDeque<Arc<Entry>>>>,
    /// On cache lines of its own: every request writes it, from either thread, and while it
    /// shared a line with the app's fields that every request reads, each write made those
    /// reads miss on the other core.
    next_id: Padded<AtomicU64>,
}

impl Journal {
    /// A journal keeping the last `capacity` entries (0 keeps none).
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            rings: Sharded::new(|| Mutex::new(VecDeque::new())),
            next_id: Padded(AtomicU64::new(1)),
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

    /// How many entries were ever recorded (kept or since evicted).
    pub fn recorded(&self) -> u64 {
        self.next_id.0.load(Ordering::Relaxed).saturating_sub(1)
    }

    /// Appends `entry` (its `id` is assigned here), dropping what fell out of the window.
    /// `entry` must be held by its recorder alone (it is, from [`Entry::start`] on), or it
    /// is not recorded.
    pub fn record(&self, mut entry: Arc<Entry>) {
        if self.capacity == 0 {
            return;
        }
        let mut ring = lock(self.rings.mine());
        let Some(unique) = Arc::get_mut(&mut entry) else {
            return;
        };
        unique.id = self.next_id.0.fetch_add(1, Ordering::Relaxed);
        let oldest_kept = self.oldest_kept(unique.id);
        // What fell out is freed on this thread, so the next entry reuses its memory.
        while ring.front().is_some_and(|e| e.id < oldest_kept) {
            ring.pop_front();
        }
        ring.push_back(entry);
    }

    /// The smallest id still shown when `newest` is the newest id.
    fn oldest_kept(&self, newest: u64) -> u64 {
        (newest + 1).saturating_sub(self.capacity as u64)
    }

    /// Every ring, locked (in their fixed order), with the smallest id still shown.
    fn locked(&self) -> (Vec<MutexGuard<'_, VecDeque<Arc<Entry>>>>, u64) {
        let rings: Vec<_> = self.rings.all().map(lock).collect();
        // Under every lock no id is being handed out: the counter is exact.
        let oldest = self.oldest_kept(self.recorded());
        (rings, oldest)
    }

    /// Entries passing `filter` whose namespace incarnation is `live`, newest first, at
    /// most `limit`.
    pub fn list(
        &self,
        filter: &Filter,
        live: impl Fn(&str, u64) -> bool,
        limit: usize,
    ) -> Vec<Arc<Entry>> {
        let (rings, oldest) = self.locked();
        let mut found: Vec<Arc<Entry>> = rings
            .iter()
            .flat_map(|ring| ring.iter())
            .filter(|e| e.id >= oldest && filter.keeps(e) && live(&e.namespace, e.epoch))
            .cloned()
            .collect();
        drop(rings);
        found.sort_unstable_by_key(|e| std::cmp::Reverse(e.id));
        found.truncate(limit);
        found
    }

    /// How many entries pass `filter` and are `live`.
    pub fn count(&self, filter: &Filter, live: impl Fn(&str, u64) -> bool) -> usize {
        let (rings, oldest) = self.locked();
        rings
            .iter()
            .flat_map(|ring| ring.iter())
            .filter(|e| e.id >= oldest && filter.keeps(e) && live(&e.namespace, e.epoch))
            .count()
    }

    /// Removes every entry, or only those of `namespace`.
    pub fn clear(&self, namespace: Option<&str>) {
        let (mut rings, _) = self.locked();
        for ring in &mut rings {
            match namespace {
                None => ring.clear(),
                Some(ns) => ring.retain(|e| &*e.namespace != ns),
            }
        }
    }
}

fn lock(ring: &Mutex<VecDeque<Arc<Entry>>>) -> MutexGuard<'_, VecDeque<Arc<Entry>>> {
    // A panic while holding the lock cannot leave the ring half-updated.
    ring.lock().unwrap_or_else(|p| p.into_inner())
}

/// A header value as shown: lossy UTF-8, with credential values masked.
fn shown(name: &str, value: &[u8]) -> String {
    let value = String::from_utf8_lossy(value);
    match name {
        "x-api-token" | "authorization" | "cookie" => mask(&value),
        _ => value.into_owned(),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str) -> Entry {
        let uri: Uri = path.parse().expect("uri");
        Entry::start(
            Timestamp::from_millis(0),
            (Arc::from("default"), 0),
            &Method::GET,
            &uri,
            &HeaderMap::new(),
        )
    }

    #[test]
    fn the_ring_keeps_the_newest_entries_only() {
        let journal = Journal::new(2);
        for path in ["/a", "/b", "/c"] {
            journal.record(Arc::new(entry(path)));
        }
        let paths: Vec<String> = journal
            .list(&Filter::default(), |_, _| true, 10)
            .iter()
            .map(|e| e.path().to_owned())
            .collect();
        assert_eq!(paths, ["/c", "/b"]);
    }

    #[test]
    fn entries_of_a_namespace_incarnation_that_is_gone_are_not_shown() {
        let journal = Journal::new(10);
        journal.record(Arc::new(entry("/old")));
        let mut newer = entry("/new");
        newer.epoch = 1;
        journal.record(Arc::new(newer));
        let live = |_: &str, epoch: u64| epoch == 1;
        let shown = journal.list(&Filter::default(), live, 10);
        assert_eq!(shown.iter().map(|e| e.path()).collect::<Vec<_>>(), ["/new"]);
        assert_eq!(journal.count(&Filter::default(), live), 1);
    }

    #[test]
    fn a_status_filter_is_a_code_or_a_class() {
        assert_eq!(StatusMatch::parse("404"), Some(StatusMatch::Code(404)));
        assert_eq!(StatusMatch::parse("5xx"), Some(StatusMatch::Class(5)));
        assert_eq!(StatusMatch::parse("2XX"), Some(StatusMatch::Class(2)));
        for bad in ["6xx", "xx", "55xx", "five", "4x"] {
            assert_eq!(StatusMatch::parse(bad), None, "{bad}");
        }
        let class = StatusMatch::Class(4);
        assert!(class.keeps(400) && class.keeps(499) && !class.keeps(500));
        assert_eq!(class.to_string(), "4xx");
    }

    #[test]
    fn tokens_are_masked() {
        assert_eq!(mask("Bearer prodgy_secretvalue"), "Bearer prodgy_s********");
        assert_eq!(mask("prodgy_secretvalue"), "prodgy_s********");
    }

    #[test]
    fn an_entry_serializes_to_the_journal_shape_with_tokens_masked() {
        let mut headers = HeaderMap::new();
        headers.insert("host", "localhost".parse().expect("value"));
        headers.insert("x-api-token", "prodgy_secretvalue".parse().expect("value"));
        headers.append("cookie", "a=b".parse().expect("value"));
        let uri: Uri = "/api/x?a=1&b=%20".parse().expect("uri");
        let mut entry = Entry::start(
            Timestamp::from_millis(0),
            (Arc::from("ns-1"), 3),
            &Method::POST,
            &uri,
            &headers,
        );
        entry.id = 7;
        entry.route = Some("x.create");
        entry.set_body(&[b'y'; 5000]);
        entry.duration = Duration::from_micros(1500);
        let mut answered = HeaderMap::new();
        answered.insert("content-type", "application/json".parse().expect("value"));
        answered.insert("x-extra", "1".parse().expect("value"));
        answered.insert(
            DATE,
            "Thu, 05 Mar 2026 14:30:00 GMT".parse().expect("value"),
        );
        let body = Bytes::from_static(br#"{"success":true}"#);
        entry.set_response(201, &answered, Some(Kept::Bytes(body)));
        let json = serde_json::to_value(&entry).expect("serializes");
        assert_eq!(
            json,
            serde_json::json!({
                "id": 7,
                "at": "1970-01-01T00:00:00Z",
                "namespace": "ns-1",
                "method": "POST",
                "path": "/api/x",
                "query": "a=1&b=%20",
                "route": "x.create",
                "headers": [["host", "localhost"], ["x-api-token", "prodgy_s********"], ["cookie", "a=b********"]],
                "body": "y".repeat(BODY_LIMIT),
                "body_size": 5000,
                "status": 201,
                "rule": null,
                "duration_ms": 1.5,
                "response": {
                    "status": 201,
                    "headers": [
                        ["content-type", "application/json"],
                        ["x-extra", "1"],
                        ["date", "Thu, 05 Mar 2026 14:30:00 GMT"],
                    ],
                    "body": "{\"success\":true}",
                    "body_size": 16,
                },
            })
        );
        assert!(!format!("{entry:?}").contains("secretvalue"));
        entry.set_body(b"");
        assert_eq!((entry.body(), entry.body_size), (None, 0));
    }
}
