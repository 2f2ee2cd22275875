//! Request bodies: read within a limit, and never left half-read.
//!
//! HTTP/1.1 clients write the whole body before they read the answer (Node's fetch and axios,
//! Python's `http.client`, `requests`). A server that answers early and stops reading makes
//! them fail with `EPIPE` or a reset instead of seeing the status, and a connection whose body
//! was not read to its end cannot carry another request. So whatever the answer (413, 404,
//! 401, an injected fault), the rest of the body is read and thrown away, up to a bound in
//! bytes ([`drain_cap`]) and in time ([`DRAIN_TIMEOUT`]). Only when that bound is reached, or
//! when the client asked to wait (`Expect: 100-continue`) and will not send the body, is the
//! connection closed, and then the answer says so with `Connection: close`.

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::header::{CONNECTION, CONTENT_LENGTH, EXPECT, HeaderValue};
use hyper::{HeaderMap, Response, Version};

use crate::error::ApiError;

/// How long the rest of a refused or unread body may take to arrive before the connection
/// is closed.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// The least a refused body is read and discarded for, whatever the limit: 64 MiB.
const DRAIN_FLOOR: u64 = 64 * 1024 * 1024;

/// How many bytes of a body are read and discarded after refusing it: the larger of twice the
/// `limit` and 64 MiB.
pub fn drain_cap(limit: usize) -> u64 {
    (limit as u64).saturating_mul(2).max(DRAIN_FLOOR)
}

/// A body the server gave up on: the error to answer, and whether the connection must close
/// because the body's end was not reached.
#[derive(Debug)]
pub struct Refused {
    /// What to answer.
    pub error: ApiError,
    /// Whether the rest of the body is still on the wire.
    pub close: bool,
}

/// A request body that has not been read yet: taken by whoever reads it, drained by
/// [`Unread::settle`] when no one did.
#[derive(Debug)]
pub struct Unread(Option<Incoming>);

impl Unread {
    /// Holds `body` until someone reads it.
    pub fn new(body: Incoming) -> Self {
        Self(Some(body))
    }

    /// Takes the body to read it.
    pub fn take(&mut self) -> Option<Incoming> {
        self.0.take()
    }

    /// Gives back a body a handler did not read (or did not read to its end).
    pub fn put_back(&mut self, body: Option<Incoming>) {
        if body.is_some() {
            self.0 = body;
        }
    }

    /// Reads the whole body within `limit` bytes; see [`read`]. A body known to be empty
    /// (most reads) is answered at once, without the reading future: that one is boxed, so
    /// the futures of every request that awaits this stay small.
    pub async fn read(&mut self, headers: &HeaderMap, limit: usize) -> Result<Bytes, Refused> {
        match self.take() {
            Some(body) if hyper::body::Body::is_end_stream(&body) => Ok(Bytes::new()),
            Some(body) => Box::pin(read(headers, body, limit)).await,
            None => Ok(Bytes::new()),
        }
    }

    /// Before `response` is sent: reads and discards what is left of the body so the
    /// connection can carry the next request, or marks the response `Connection: close` when
    /// that is not possible (the client `waits_for_continue`, or the bound was reached).
    pub async fn settle<B>(
        &mut self,
        waits_for_continue: bool,
        version: Version,
        limit: usize,
        response: &mut Response<B>,
    ) {
        let Some(body) = self.take() else { return };
        if hyper::body::Body::is_end_stream(&body) {
            return;
        }
        // Boxed, as in `read`: rarely needed, and it would grow every request's future.
        let complete = !waits_for_continue && Box::pin(drain(body, drain_cap(limit))).await;
        if !complete {
            close(version, response);
        }
    }
}

impl Refused {
    /// The error envelope, announcing the close when the body was not read to its end.
    pub fn into_response(self, version: Version) -> Response<crate::envelope::Body> {
        let mut response = crate::envelope::failure(&self.error);
        if self.close {
            close(version, &mut response);
        }
        response
    }
}

/// Whether the client waits for `100 Continue` before sending its body: it then sends nothing
/// unless the body is read, so an early answer closes the connection instead of draining.
pub fn expects_continue(headers: &HeaderMap) -> bool {
    is_continue(crate::headers::get(headers, &EXPECT))
}

/// Whether an `Expect` header's value (if any) asks for `100 Continue`.
pub fn is_continue(expect: Option<&HeaderValue>) -> bool {
    expect.is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"))
}

/// Announces that the connection ends after `response` (HTTP/1 only; HTTP/2 streams end on
/// their own).
pub fn close<B>(version: Version, response: &mut Response<B>) {
    if version <= Version::HTTP_11 {
        response
            .headers_mut()
            .insert(CONNECTION, HeaderValue::from_static("close"));
    }
}

/// Reads the whole body within `limit` bytes. Beyond it (announced by `Content-Length` or
/// found while reading a chunked body) the answer is 413, after the rest of the body has been
/// read and discarded up to [`drain_cap`].
pub async fn read(headers: &HeaderMap, mut body: Incoming, limit: usize) -> Result<Bytes, Refused> {
    let announced = crate::headers::get(headers, &CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let too_large = |complete: bool| Refused {
        error: ApiError::too_large(limit),
        close: !complete,
    };
    if let Some(announced) = announced.filter(|n| *n > limit as u64) {
        // A body longer than the drain cap would be cut off anyway: close at once.
        let drainable = !expects_continue(headers) && announced <= drain_cap(limit);
        let complete = drainable && drain(body, drain_cap(limit)).await;
        return Err(too_large(complete));
    }
    let mut bytes = BytesMut::new();
    loop {
        match body.frame().await {
            None => return Ok(bytes.freeze()),
            Some(Ok(frame)) => {
                let Ok(data) = frame.into_data() else {
                    continue;
                };
                if bytes.len() + data.len() > limit {
                    let cap = drain_cap(limit).saturating_sub((bytes.len() + data.len()) as u64);
                    return Err(too_large(drain(body, cap).await));
                }
                bytes.extend_from_slice(&data);
            }
            Some(Err(error)) => {
                return Err(Refused {
                    error: ApiError::bad_request(format!(
                        "request body could not be read: {error}"
                    )),
                    close: true,
                });
            }
        }
    }
}

/// Reads and discards `body` until it ends (true), or until `cap` bytes, [`DRAIN_TIMEOUT`] or
/// a read error (false).
pub async fn drain(mut body: Incoming, cap: u64) -> bool {
    let discard = async {
        let mut left = cap;
        loop {
            match body.frame().await {
                None => return true,
                Some(Ok(frame)) => {
                    let size = frame.data_ref().map_or(0, |d| d.len() as u64);
                    match left.checked_sub(size) {
                        Some(rest) => left = rest,
                        None => return false,
                    }
                }
                Some(Err(_)) => return false,
            }
        }
    };
    tokio::time::timeout(DRAIN_TIMEOUT, discard)
        .await
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_drain_cap_is_twice_the_limit_or_64_mib() {
        assert_eq!(drain_cap(1024), 64 * 1024 * 1024);
        assert_eq!(drain_cap(50 * 1024 * 1024), 100 * 1024 * 1024);
    }

    #[test]
    fn only_an_expected_continue_counts() {
        let mut headers = HeaderMap::new();
        assert!(!expects_continue(&headers));
        headers.insert(EXPECT, HeaderValue::from_static("100-Continue"));
        assert!(expects_continue(&headers));
    }
}
