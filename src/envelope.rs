//! The only place a handler result or an [`ApiError`] becomes an HTTP response.
//!
//! Success is `{"success":true,"message":…,"data":…}` (lists add a top-level `pagination`);
//! errors are `{"success":false,"error":…,"message":…}` with the exact `error` strings the
//! API reference fixes.

use std::borrow::Cow;
use std::io;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::BodyExt;
use http_body_util::combinators::UnsyncBoxBody;
use hyper::header::{ALLOW, CONTENT_TYPE, HeaderValue};
use hyper::{Response, StatusCode};
use serde::Serialize;
use serde_json::Value;

use crate::error::ApiError;
use crate::store::Doc;

/// The body of every response the mock sends: bytes it knows whole (every envelope, so the
/// journal can keep what was sent and no box is allocated), or a stream (events, faults).
pub enum Body {
    /// The whole body, until it is sent.
    Full(Option<Bytes>),
    /// An envelope of stored records: the bytes, until they are sent, and what they were
    /// written from. The journal keeps the latter (a few shared records) rather than the
    /// bytes, so the bytes are freed as soon as they are sent and the next answer reuses
    /// memory still in the cache: a journal holding 1000 answers' bytes made every request
    /// write its answer into memory that had long left it.
    Envelope(Option<Bytes>, Option<Box<Source>>),
    /// A body produced as it is sent.
    Stream(UnsyncBoxBody<Bytes, io::Error>),
}

/// What a success envelope of stored records was written from; [`Source::write`] writes the
/// same bytes again.
#[derive(Debug)]
pub struct Source {
    message: Cow<'static, str>,
    data: Payload,
    pagination: Option<Pagination>,
}

impl Source {
    /// The envelope's bytes, as they were sent.
    pub fn write(&self) -> Vec<u8> {
        success_bytes(&self.message, &self.data, self.pagination)
    }
}

impl Body {
    /// A body of these bytes.
    pub fn full(bytes: impl Into<Bytes>) -> Self {
        Body::Full(Some(bytes.into()))
    }

    /// A streamed body.
    pub fn stream<B>(body: B) -> Self
    where
        B: hyper::body::Body<Data = Bytes, Error = io::Error> + Send + 'static,
    {
        Body::Stream(body.boxed_unsync())
    }

    /// The bytes, when the body is known whole and not yet sent.
    pub fn bytes(&self) -> Option<&Bytes> {
        match self {
            Body::Full(bytes) | Body::Envelope(bytes, _) => bytes.as_ref(),
            Body::Stream(_) => None,
        }
    }

    /// What the journal keeps of this body: its source, taken out (the bytes are sent
    /// without it), or a clone of its bytes; `None` for a stream.
    pub fn keep(&mut self) -> Option<Kept> {
        match self {
            Body::Envelope(bytes, source) => {
                let size = bytes.as_ref().map_or(0, Bytes::len);
                match source.take() {
                    Some(source) => Some(Kept::Source(source, size)),
                    None => Some(Kept::Bytes(bytes.clone().unwrap_or_default())),
                }
            }
            Body::Full(bytes) => Some(Kept::Bytes(bytes.clone().unwrap_or_default())),
            Body::Stream(_) => None,
        }
    }
}

/// A body as the journal keeps it.
#[derive(Debug)]
pub enum Kept {
    /// The bytes sent (shared, not copied).
    Bytes(Bytes),
    /// What the bytes were written from, and their size.
    Source(Box<Source>, usize),
}

impl std::fmt::Debug for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Body::Full(bytes) | Body::Envelope(bytes, _) => write!(
                f,
                "Body::Full({} bytes)",
                bytes.as_ref().map_or(0, Bytes::len)
            ),
            Body::Stream(_) => f.write_str("Body::Stream"),
        }
    }
}

impl hyper::body::Body for Body {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Bytes>, io::Error>>> {
        match self.get_mut() {
            Body::Full(bytes) | Body::Envelope(bytes, _) => std::task::Poll::Ready(
                bytes
                    .take()
                    .filter(|b| !b.is_empty())
                    .map(|b| Ok(hyper::body::Frame::data(b))),
            ),
            Body::Stream(body) => std::pin::Pin::new(body).poll_frame(cx),
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            Body::Full(bytes) | Body::Envelope(bytes, _) => {
                bytes.as_ref().is_none_or(Bytes::is_empty)
            }
            Body::Stream(body) => body.is_end_stream(),
        }
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        match self {
            Body::Full(bytes) | Body::Envelope(bytes, _) => {
                hyper::body::SizeHint::with_exact(bytes.as_ref().map_or(0, |b| b.len() as u64))
            }
            Body::Stream(body) => body.size_hint(),
        }
    }
}

/// What a handler returns on success.
pub enum Reply {
    /// A single payload under `data`.
    Data {
        /// 200 or 201.
        status: StatusCode,
        /// The envelope `message`.
        message: Cow<'static, str>,
        /// The envelope `data`.
        data: Payload,
    },
    /// A page of a list, with the `pagination` object.
    List {
        /// The items of this page.
        items: Payload,
        /// Where this page sits in the whole list.
        pagination: Pagination,
    },
    /// A response built elsewhere (event streams, platform challenges).
    Raw(Response<Body>),
}

impl Reply {
    /// 200 with the default message.
    pub fn ok(data: impl Into<Payload>) -> Self {
        Self::with(StatusCode::OK, OK_MESSAGE, data)
    }

    /// 201 with the default message.
    pub fn created(data: impl Into<Payload>) -> Self {
        Self::with(StatusCode::CREATED, "Resource created successfully", data)
    }

    /// Any status and message.
    pub fn with(
        status: StatusCode,
        message: impl Into<Cow<'static, str>>,
        data: impl Into<Payload>,
    ) -> Self {
        Self::Data {
            status,
            message: message.into(),
            data: data.into(),
        }
    }
}

/// The `data` of an envelope: built JSON, or stored records serialized without copying.
#[derive(Debug)]
pub enum Payload {
    /// Any JSON value.
    Json(Value),
    /// One stored record.
    Record(Arc<Doc>),
    /// Several stored records.
    Records(Vec<Arc<Doc>>),
    /// JSON text a handler wrote itself (a record shown other than as stored).
    Text(Vec<u8>),
}

impl Payload {
    /// Appends the payload's JSON to `out`: a stored record's text is copied, not written
    /// again.
    fn write(&self, out: &mut Vec<u8>) {
        match self {
            // Writing a JSON value into a Vec cannot fail.
            Payload::Json(value) => {
                let _ = serde_json::to_writer(&mut *out, value);
            }
            Payload::Record(doc) => out.extend_from_slice(doc.json()),
            Payload::Records(docs) => {
                out.push(b'[');
                for (i, doc) in docs.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    out.extend_from_slice(doc.json());
                }
                out.push(b']');
            }
            Payload::Text(text) => out.extend_from_slice(text),
        }
    }

    /// About how many bytes [`Payload::write`] appends (to size the buffer once).
    fn size_hint(&self) -> usize {
        match self {
            Payload::Json(_) => 256,
            Payload::Record(doc) => doc.json().len(),
            Payload::Records(docs) => docs.iter().map(|d| d.json().len() + 1).sum::<usize>() + 2,
            Payload::Text(text) => text.len(),
        }
    }
}

impl From<Value> for Payload {
    fn from(v: Value) -> Self {
        Payload::Json(v)
    }
}

impl From<Arc<Doc>> for Payload {
    fn from(r: Arc<Doc>) -> Self {
        Payload::Record(r)
    }
}

impl From<Vec<Arc<Doc>>> for Payload {
    fn from(rs: Vec<Arc<Doc>>) -> Self {
        Payload::Records(rs)
    }
}

impl From<Vec<Value>> for Payload {
    fn from(vs: Vec<Value>) -> Self {
        Payload::Json(Value::Array(vs))
    }
}

/// The documented paging object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Pagination {
    /// 1-based page number.
    pub page: u64,
    /// Items per page.
    #[serde(rename = "pageSize")]
    pub page_size: u64,
    /// Items in the whole (filtered) list.
    pub total: u64,
    /// Pages in the whole list.
    #[serde(rename = "totalPages")]
    pub total_pages: u64,
}

impl Pagination {
    /// Writes the object exactly as its `Serialize` does, with integer formatting in place of
    /// serde's four field calls (they were a quarter of writing the envelope of a page of 20).
    fn write(self, out: &mut Vec<u8>) {
        let mut digits = itoa::Buffer::new();
        let fields: [(&[u8], u64); 4] = [
            (b"{\"page\":", self.page),
            (b",\"pageSize\":", self.page_size),
            (b",\"total\":", self.total),
            (b",\"totalPages\":", self.total_pages),
        ];
        for (key, value) in fields {
            out.extend_from_slice(key);
            out.extend_from_slice(digits.format(value).as_bytes());
        }
        out.push(b'}');
    }
}

#[derive(Serialize)]
struct Failure<'a> {
    success: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
    message: &'a str,
}

/// The documented `error` string for a status.
pub fn error_name(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Payload Too Large",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        _ => status.canonical_reason().unwrap_or("Error"),
    }
}

/// Turns a handler result into the HTTP response.
pub fn respond(result: Result<Reply, ApiError>) -> Response<Body> {
    match result {
        Ok(reply) => success(reply),
        Err(error) => failure(&error),
    }
}

fn success(reply: Reply) -> Response<Body> {
    let (status, message, data, pagination) = match reply {
        Reply::Raw(response) => return response,
        // A stored record shown as it is (a GET by id): the answer the record caches.
        Reply::Data {
            status: StatusCode::OK,
            message,
            data: Payload::Record(doc),
        } if message == OK_MESSAGE
            && HEAD_ROOM + OK_MESSAGE.len() + doc.json().len() <= KEPT_BODY_LIMIT =>
        {
            let bytes = Bytes::from_owner(Cached(doc));
            return with_json_type(StatusCode::OK, Body::full(bytes));
        }
        Reply::Data {
            status,
            message,
            data,
        } => (status, message, data, None),
        Reply::List { items, pagination } => (
            StatusCode::OK,
            Cow::Borrowed(OK_MESSAGE),
            items,
            Some(pagination),
        ),
    };
    let bytes = success_bytes(&message, &data, pagination);
    match data {
        // Stored records: the journal keeps them instead of the bytes (see `Body::Envelope`).
        Payload::Record(_) | Payload::Records(_) => {
            let source = Source {
                message,
                data,
                pagination,
            };
            let body = Body::Envelope(Some(Bytes::from(bytes)), Some(Box::new(source)));
            with_json_type(status, body)
        }
        Payload::Json(_) | Payload::Text(_) => json(status, bytes),
    }
}

/// How much of a body the journal keeps: an answer up to this size is kept shared, a longer
/// one as its first this many bytes (so the journal never holds a large answer alive).
pub const KEPT_BODY_LIMIT: usize = 4096;

/// The message of a 200 envelope that says nothing more.
const OK_MESSAGE: &str = "Operation completed successfully";

/// What a success envelope adds besides its message and data, with room to spare (its keys
/// and punctuation take 37 bytes).
const HEAD_ROOM: usize = 64;

/// A stored record's answer, as the record caches it (see [`Doc::answer`]): sent without
/// being written or copied, and shared with the journal. Holding the record keeps it alive.
struct Cached(Arc<Doc>);

impl AsRef<[u8]> for Cached {
    fn as_ref(&self) -> &[u8] {
        // Written once per record, as any envelope is; the record shares itself for that.
        self.0.answer(|| {
            let data = Payload::Record(Arc::clone(&self.0));
            success_bytes(OK_MESSAGE, &data, None).into_boxed_slice()
        })
    }
}

/// The most `,"pagination":{…}` takes: four `u64`s of 20 digits and their keys.
const PAGINATION_ROOM: usize = 140;

/// `{"success":true,"message":…,"data":…[,"pagination":…]}`, written in one buffer.
fn success_bytes(message: &str, data: &Payload, pagination: Option<Pagination>) -> Vec<u8> {
    // Sized once: a list page's pagination written past a buffer sized for its items moved
    // the whole page (10 KB for 20 agents) into a buffer twice its size.
    let room = pagination.map_or(0, |_| PAGINATION_ROOM);
    let mut out = Vec::with_capacity(HEAD_ROOM + message.len() + data.size_hint() + room);
    out.extend_from_slice(b"{\"success\":true,\"message\":");
    write_str(&mut out, message);
    out.extend_from_slice(b",\"data\":");
    data.write(&mut out);
    if let Some(pagination) = pagination {
        out.extend_from_slice(b",\"pagination\":");
        pagination.write(&mut out);
    }
    out.push(b'}');
    out
}

/// Appends `text` as a JSON string: copied as it is when nothing in it needs escaping (every
/// fixed message), else written by serde_json.
fn write_str(out: &mut Vec<u8>, text: &str) {
    let plain = text
        .bytes()
        .fold(true, |ok, b| ok & (b >= 0x20) & (b != b'"') & (b != b'\\'));
    if plain {
        out.push(b'"');
        out.extend_from_slice(text.as_bytes());
        out.push(b'"');
    } else {
        // Writing a string into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *out, text);
    }
}

/// The error envelope for `error`, with an `Allow` header on 405.
pub fn failure(error: &ApiError) -> Response<Body> {
    let name = (!error.bare).then(|| error_name(error.status));
    let envelope = Failure {
        success: false,
        error: name,
        message: &error.message,
    };
    let bytes = serde_json::to_vec(&envelope).unwrap_or_else(|_| b"{\"success\":false}".to_vec());
    let mut response = json(error.status, bytes);
    if let Some(allow) = error
        .allow
        .as_deref()
        .and_then(|a| HeaderValue::from_str(a).ok())
    {
        response.headers_mut().insert(ALLOW, allow);
    }
    response
}

/// A JSON response with `bytes` as its body.
pub fn json(status: StatusCode, bytes: Vec<u8>) -> Response<Body> {
    with_json_type(status, full(Bytes::from(bytes)))
}

fn with_json_type(status: StatusCode, body: Body) -> Response<Body> {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// A body holding `bytes` in one frame.
pub fn full(bytes: Bytes) -> Body {
    Body::full(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pagination_is_written_as_serde_writes_it() {
        for (page, page_size, total, total_pages) in [
            (1, 20, 0, 0),
            (2, 20, 100, 5),
            (7, 1, 9, 9),
            (u64::MAX, u64::MAX, u64::MAX, 1),
        ] {
            let pagination = Pagination {
                page,
                page_size,
                total,
                total_pages,
            };
            let mut written = Vec::new();
            pagination.write(&mut written);
            let expected = serde_json::to_vec(&pagination).expect("serializes");
            assert_eq!(
                String::from_utf8_lossy(&written),
                String::from_utf8_lossy(&expected)
            );
            let with_key = written.len() + br#","pagination":"#.len();
            assert!(with_key <= PAGINATION_ROOM, "fits the room kept for it");
        }
    }

    async fn body_json(response: Response<Body>) -> Value {
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        serde_json::from_slice(&bytes).expect("json")
    }

    #[tokio::test]
    async fn errors_carry_the_documented_error_string() {
        let response = respond(Err(ApiError::not_found("agent", "x")));
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        let body = body_json(response).await;
        assert_eq!(
            body,
            json!({"success": false, "error": "Not Found", "message": "agent 'x' not found"})
        );
    }

    #[test]
    fn messages_are_json_strings_whatever_they_hold() {
        for message in [
            "Agent retrieved",
            "",
            "a \"quoted\" \\ path\n\u{1}",
            "ünïcode ✓",
        ] {
            let mut out = Vec::new();
            write_str(&mut out, message);
            let back: String = serde_json::from_slice(&out).expect("a JSON string");
            assert_eq!(back, message);
        }
    }

    #[test]
    fn a_list_envelope_is_written_without_growing_its_buffer() {
        let widest = Pagination {
            page: u64::MAX,
            page_size: u64::MAX,
            total: u64::MAX,
            total_pages: u64::MAX,
        };
        let data = Payload::Text(b"[{\"id\":\"a\"}]".to_vec());
        let message = "Operation completed successfully";
        let out = success_bytes(message, &data, Some(widest));
        let sized = 64 + message.len() + data.size_hint() + PAGINATION_ROOM;
        assert_eq!(out.capacity(), sized, "the buffer grew");
        let back: Value = serde_json::from_slice(&out).expect("json");
        assert_eq!(back["pagination"]["totalPages"], json!(u64::MAX));
    }

    #[tokio::test]
    async fn bare_errors_have_no_error_key() {
        let body = body_json(failure(&ApiError::bad_request("nope").bare())).await;
        assert_eq!(body, json!({"success": false, "message": "nope"}));
    }

    #[tokio::test]
    async fn lists_carry_a_pagination_object() {
        let pagination = Pagination {
            page: 1,
            page_size: 20,
            total: 0,
            total_pages: 0,
        };
        let body = body_json(respond(Ok(Reply::List {
            items: Vec::<Value>::new().into(),
            pagination,
        })))
        .await;
        assert_eq!(
            body["pagination"],
            json!({"page": 1, "pageSize": 20, "total": 0, "totalPages": 0})
        );
        assert_eq!(body["data"], json!([]));
    }
}
