//! What a handler sees of a request, with the parsing every handler shares: query
//! parameters, pagination and the JSON body.

use std::borrow::Cow;
use std::sync::Mutex;

use bytes::Bytes;
use hyper::HeaderMap;
use hyper::body::Incoming;
use hyper::header::CONTENT_TYPE;
use hyper::header::HeaderValue;
use serde_json::{Map, Value};

use super::{Body, Route};
use crate::error::ApiError;
use crate::headers::Known;
use crate::store::PageRequest;

/// Query parameters in order (a name may repeat), borrowed from the URI unless decoding
/// (`+`, `%XX`) changed them.
pub type Query<'a> = Vec<(Cow<'a, str>, Cow<'a, str>)>;

/// A recognized request, ready for its handler.
#[derive(Debug)]
pub struct Req<'a> {
    /// The matched route and its path parameters.
    pub route: Route<'a>,
    /// Query parameters in order (a name may repeat).
    pub query: Query<'a>,
    /// Request headers.
    pub headers: &'a HeaderMap,
    /// The headers the mock reads, found once.
    pub known: &'a Known<'a>,
    /// The body, already read within the limit (empty for streamed routes).
    pub body: Bytes,
    /// The body of a [`Body::Json`] operation, parsed and checked against its fields; `None`
    /// when none was sent.
    pub object: Option<Map<String, Value>>,
    /// The request path, as sent (without the query).
    pub path: &'a str,
    /// The client's address, when known.
    pub peer: Option<std::net::SocketAddr>,
    /// The unread body of a [`Body::Form`] operation, for its handler to stream (with its own
    /// limit) through [`Req::take_stream`].
    pub stream: Mutex<Option<Incoming>>,
}

impl<'a> Req<'a> {
    /// The request as auth sees it.
    pub fn presented(&self) -> crate::auth::Presented<'_> {
        crate::auth::Presented {
            headers: *self.known,
            peer: self.peer,
            method: &self.route.op.method,
            path: self.path,
        }
    }

    /// Takes the unread body stream (only once; `None` for non-streaming routes).
    pub fn take_stream(&self) -> Option<Incoming> {
        self.stream.lock().unwrap_or_else(|p| p.into_inner()).take()
    }

    /// The first query parameter called `name`.
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| &**v)
    }

    /// The first non-empty query parameter called `name`.
    pub fn query_nonempty(&self, name: &str) -> Option<&str> {
        self.query(name).filter(|v| !v.is_empty())
    }

    /// A boolean query parameter (`true`/`false`), 400 otherwise.
    pub fn query_bool(&self, name: &str) -> Result<Option<bool>, ApiError> {
        match self.query_nonempty(name) {
            None => Ok(None),
            Some("true") => Ok(Some(true)),
            Some("false") => Ok(Some(false)),
            Some(other) => Err(ApiError::bad_request(format!(
                "query parameter '{name}' must be true or false, got '{other}'"
            ))),
        }
    }

    /// `page`, `pageSize` and `limit` (a synonym; `pageSize` wins), validated, with the
    /// default and largest page size of the operation's [`Paging`](super::operation::Paging).
    pub fn page(&self) -> Result<PageRequest, ApiError> {
        let paging = self.route.op.paging;
        let page = self.positive("page")?.unwrap_or(1);
        let size = match (self.positive("pageSize")?, self.positive("limit")?) {
            (Some(size), _) | (None, Some(size)) => size,
            (None, None) => paging.default_size,
        };
        Ok(PageRequest {
            page,
            size: size.min(paging.max_size),
        })
    }

    fn positive(&self, name: &str) -> Result<Option<u64>, ApiError> {
        let Some(raw) = self.query(name) else {
            return Ok(None);
        };
        match raw.parse::<u64>() {
            Ok(n) if n >= 1 => Ok(Some(n)),
            _ => Err(ApiError::bad_request(format!(
                "query parameter '{name}' must be a whole number from 1 to {}, got '{}'",
                u64::MAX,
                raw.chars().take(40).collect::<String>()
            ))),
        }
    }

    /// The body as a JSON object; 400 when it is absent, not JSON, or not an object.
    pub fn json(&self) -> Result<&Map<String, Value>, ApiError> {
        self.json_opt()?.ok_or_else(|| {
            ApiError::bad_request(
                "request body is required: send a JSON object with Content-Type: application/json",
            )
        })
    }

    /// The body as a JSON object (already checked against the operation's fields), or
    /// `None` when there is no body.
    pub fn json_opt(&self) -> Result<Option<&Map<String, Value>>, ApiError> {
        Ok(self.object.as_ref())
    }
}

/// The JSON body of a request for `op`: parsed and checked against the fields it declares
/// (400 naming the first wrong one); `None` when no body was sent (400 when one is required).
pub fn json_body(
    op: &super::Operation,
    content_type: Option<&HeaderValue>,
    body: &[u8],
) -> Result<Option<Map<String, Value>>, ApiError> {
    let Body::Json { fields, required } = op.body else {
        return Ok(None);
    };
    match json_object_of(content_type, body)? {
        Some(object) => {
            crate::schema::check_object(fields, &object)?;
            Ok(Some(object))
        }
        None if required => Err(ApiError::bad_request(
            "request body is required: send a JSON object with Content-Type: application/json",
        )),
        None => Ok(None),
    }
}

/// Parses `body` as a JSON object: `None` when it is empty, 400 when the content type is
/// not JSON, the JSON is malformed, or the value is not an object.
pub fn json_object(
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Option<Map<String, Value>>, ApiError> {
    json_object_of(crate::headers::get(headers, &CONTENT_TYPE), body)
}

/// [`json_object`] for a request whose `Content-Type` is `content_type`.
fn json_object_of(
    content_type: Option<&HeaderValue>,
    body: &[u8],
) -> Result<Option<Map<String, Value>>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    if let Some(kind) = content_type {
        let kind = kind.to_str().unwrap_or_default();
        let essence = kind.split(';').next().unwrap_or_default().trim();
        let json = essence.eq_ignore_ascii_case("application/json")
            || essence
                .len()
                .checked_sub(5)
                .and_then(|cut| essence.get(cut..))
                .is_some_and(|end| end.eq_ignore_ascii_case("+json"));
        if !json {
            return Err(ApiError::bad_request(format!(
                "unsupported Content-Type '{kind}': send the body as application/json"
            )));
        }
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("request body is not valid JSON: {e}")))?;
    match value {
        Value::Object(map) => Ok(Some(map)),
        other => Err(ApiError::bad_request(format!(
            "request body must be a JSON object, got {}",
            json_type(&other)
        ))),
    }
}

pub use crate::schema::json_type;

/// Typed reads of body fields, each failing with a 400 that names the field.
pub trait Fields {
    /// A required, non-empty string.
    fn required_str(&self, name: &str) -> Result<&str, ApiError>;
    /// An optional string (absent or null is `None`).
    fn opt_str(&self, name: &str) -> Result<Option<&str>, ApiError>;
    /// An optional boolean.
    fn opt_bool(&self, name: &str) -> Result<Option<bool>, ApiError>;
    /// An optional object.
    fn opt_object(&self, name: &str) -> Result<Option<&Map<String, Value>>, ApiError>;
}

impl Fields for Map<String, Value> {
    fn required_str(&self, name: &str) -> Result<&str, ApiError> {
        match self.get(name) {
            None | Some(Value::Null) => Err(ApiError::missing_field(name)),
            Some(Value::String(s)) if s.trim().is_empty() => {
                Err(ApiError::invalid_field(name, "a non-empty string"))
            }
            Some(Value::String(s)) => Ok(s),
            Some(other) => Err(wrong(name, "a string", other)),
        }
    }

    fn opt_str(&self, name: &str) -> Result<Option<&str>, ApiError> {
        match self.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(wrong(name, "a string", other)),
        }
    }

    fn opt_bool(&self, name: &str) -> Result<Option<bool>, ApiError> {
        match self.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(other) => Err(wrong(name, "a boolean", other)),
        }
    }

    fn opt_object(&self, name: &str) -> Result<Option<&Map<String, Value>>, ApiError> {
        match self.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Object(o)) => Ok(Some(o)),
            Some(other) => Err(wrong(name, "an object", other)),
        }
    }
}

fn wrong(name: &str, expected: &str, got: &Value) -> ApiError {
    ApiError::bad_request(format!(
        "field '{name}' must be {expected}, got {}",
        json_type(got)
    ))
}
