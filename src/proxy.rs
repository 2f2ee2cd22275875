//! Proxy mode (`--proxy URL`): API requests are forwarded to a real instance and its answers
//! returned as they came. The stages before the answer still run, so a scenario's rules and
//! limits apply on top (a real backend can be given injected 429s); admin routes and
//! `/swagger.json` stay local.
//!
//! What is forwarded: the method, path, query, body and every header except the hop-by-hop
//! ones, `Host` and the mock's own `X-Mock-*`; credentials pass through untouched and are
//! never logged (the journal masks them as it masks every request's). What comes back: the
//! status, headers (less hop-by-hop) and body; an event stream is passed on as it arrives.
//! No answer (refused connection, TLS failure, timeout) becomes a 502 envelope naming the
//! upstream.
//!
//! With `--record DIR`, the records that successful answers carry (by the operation row's
//! answer shape: one record, a page of them; a delete removes its record) are kept in memory
//! and written as a fixture directory, the way `prodgy-mock record` writes one, when the
//! server shuts down or when asked (`POST /__admin/record`, [`Proxy::flush`]).

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use hyper::http::request::Parts;
use hyper::{HeaderMap, Method, Request, Response, StatusCode};
use serde_json::Value;

use crate::envelope::{self, Body};
use crate::error::ApiError;
use crate::record::write::{WriteOptions, Written, write};
use crate::record::{RecordError, Recording};
use crate::routes::{Answer, OPERATIONS, Operation};
use crate::schema::Shape;
use crate::upstream::{BadUrl, Upstream};

/// Headers that belong to one connection, never forwarded either way (RFC 9110 §7.6.1).
const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];
/// The most distinct credentials remembered to mask in a recording.
const MAX_SECRETS: usize = 16;

/// The upstream of proxy mode, and what is recorded from it.
#[derive(Debug)]
pub struct Proxy {
    upstream: Upstream,
    recorder: Option<Recorder>,
}

/// What `--record` keeps: the records seen, and the credentials that passed (in memory
/// only, to mask them wherever a recorded value repeats one).
#[derive(Debug)]
struct Recorder {
    dir: PathBuf,
    seed: u64,
    seen: Mutex<Seen>,
}

#[derive(Debug, Default)]
struct Seen {
    recording: Recording,
    secrets: Vec<String>,
}

impl Proxy {
    /// A proxy to `url`, answering within `timeout`, recording into `record` when given.
    pub fn new(
        url: &str,
        timeout: std::time::Duration,
        record: Option<PathBuf>,
        seed: u64,
    ) -> Result<Self, BadUrl> {
        let upstream = Upstream::new(url)?.with_timeout(timeout);
        let recorder = record.map(|dir| Recorder {
            dir,
            seed,
            seen: Mutex::new(Seen {
                recording: Recording::new(),
                secrets: Vec::new(),
            }),
        });
        Ok(Self { upstream, recorder })
    }

    /// The upstream's base URL.
    pub fn url(&self) -> String {
        self.upstream.url()
    }

    /// Where `--record` writes, when recording.
    pub fn record_dir(&self) -> Option<&Path> {
        self.recorder.as_ref().map(|r| r.dir.as_path())
    }

    /// Forwards the request (`parts` and its whole `body`) and returns the upstream's answer;
    /// `route` is the operation it matched, if any (recording reads its answer shape).
    pub async fn forward(
        &self,
        parts: &Parts,
        body: Bytes,
        route: Option<(&'static Operation, Option<&str>)>,
    ) -> Response<Body> {
        let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
        if let Some(recorder) = &self.recorder {
            recorder.remember_credentials(&parts.headers);
        }
        let request = self.upstream.uri_of(path).map(|uri| {
            let mut request = Request::new(Full::new(body));
            *request.method_mut() = parts.method.clone();
            *request.uri_mut() = uri;
            *request.headers_mut() = forwarded(&parts.headers);
            request
        });
        let answered = match request {
            Ok(request) => self.upstream.send(request).await,
            Err(error) => Err(error),
        };
        let response = match answered {
            Ok(response) => response,
            Err(error) => return bad_gateway(&error),
        };
        let streams = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("text/event-stream"));
        if streams {
            let (mut head, body) = response.into_parts();
            head.headers = owned(&head.headers);
            strip_hop_by_hop(&mut head.headers);
            let body = body.map_err(std::io::Error::other);
            return Response::from_parts(head, Body::stream(body));
        }
        let answer = match self.upstream.read(response).await {
            Ok(answer) => answer,
            Err(error) => return bad_gateway(&error),
        };
        if let (Some(recorder), Some(route)) = (&self.recorder, route)
            && answer.status.is_success()
        {
            recorder.keep(&parts.method, route, &answer.body);
        }
        let mut response = Response::new(Body::full(answer.body));
        *response.status_mut() = answer.status;
        *response.headers_mut() = owned(&answer.headers);
        strip_hop_by_hop(response.headers_mut());
        if parts.method != Method::HEAD {
            // The body is sent whole: hyper writes its length.
            response.headers_mut().remove("content-length");
        }
        response
    }

    /// Writes what was recorded so far (nothing when not recording, or nothing passed).
    pub fn flush(&self) -> Result<Option<Written>, RecordError> {
        let Some(recorder) = &self.recorder else {
            return Ok(None);
        };
        let (recording, secrets) = {
            let seen = recorder.seen.lock().unwrap_or_else(|p| p.into_inner());
            (seen.recording.clone(), seen.secrets.clone())
        };
        if recording.is_empty() {
            return Ok(None);
        }
        let options = WriteOptions {
            seed: recorder.seed,
            secrets,
            force: true,
        };
        write(recording, &recorder.dir, &options).map(Some)
    }
}

impl Recorder {
    /// Keeps the credential values of `headers` (never written: only to mask them).
    fn remember_credentials(&self, headers: &HeaderMap) {
        let presented = ["x-api-token", "authorization"]
            .into_iter()
            .filter_map(|name| {
                let value = headers.get(name)?.to_str().ok()?;
                let secret = value.strip_prefix("Bearer ").unwrap_or(value).trim();
                (!secret.is_empty()).then(|| secret.to_owned())
            });
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        for secret in presented {
            if !seen.secrets.contains(&secret) && seen.secrets.len() < MAX_SECRETS {
                seen.secrets.push(secret);
            }
        }
    }

    /// Keeps the records of a successful answer to `route`.
    fn keep(&self, method: &Method, (op, param): (&'static Operation, Option<&str>), body: &[u8]) {
        let Some(data) = serde_json::from_slice::<Value>(body)
            .ok()
            .and_then(|mut v| v.get_mut("data").map(Value::take))
        else {
            return;
        };
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        match (op.answer, data) {
            (Answer::One(Shape::Resource(kind)), Value::Object(record)) => {
                seen.recording.put(kind, record);
            }
            (Answer::List(Shape::Resource(kind)), Value::Array(items)) => {
                seen.recording.put_all(kind, &items);
            }
            _ if method == Method::DELETE => {
                let kind = OPERATIONS.iter().find_map(|other| match other.answer {
                    Answer::One(Shape::Resource(kind))
                        if other.method == Method::GET && other.path == op.path =>
                    {
                        Some(kind)
                    }
                    _ => None,
                });
                if let (Some(kind), Some(id)) = (kind, param) {
                    seen.recording.remove(kind, id);
                }
            }
            _ => {}
        }
    }
}

/// The request headers to send on: all but hop-by-hop ones, those `Connection` names,
/// `Host` (the client sets the upstream's), `Content-Length` (recomputed) and `X-Mock-*`.
fn forwarded(headers: &HeaderMap) -> HeaderMap {
    let mut out = headers.clone();
    strip_hop_by_hop(&mut out);
    out.remove("host");
    out.remove("content-length");
    let mock: Vec<HeaderName> = out
        .keys()
        .filter(|name| name.as_str().starts_with("x-mock-"))
        .cloned()
        .collect();
    for name in mock {
        out.remove(name);
    }
    out
}

/// `headers` with every value copied out of the upstream connection's read buffer, which a
/// value sharing it would keep alive for as long as the request journal keeps the answer.
fn owned(headers: &HeaderMap) -> HeaderMap {
    let mut out = HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        let copied = HeaderValue::from_bytes(value.as_bytes()).unwrap_or_else(|_| value.clone());
        out.append(name.clone(), copied);
    }
    out
}

/// Removes the hop-by-hop headers, and those the `Connection` header names.
fn strip_hop_by_hop(headers: &mut HeaderMap) {
    let named: Vec<String> = headers
        .get_all("connection")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|name| name.trim().to_ascii_lowercase())
        .collect();
    for name in HOP_BY_HOP
        .iter()
        .copied()
        .chain(named.iter().map(String::as_str))
    {
        headers.remove(name);
    }
}

/// The 502 envelope for an upstream that did not answer.
fn bad_gateway(error: &crate::upstream::Unreachable) -> Response<Body> {
    tracing::warn!(target: "prodgy_mock::proxy", %error, "answered 502");
    envelope::failure(&ApiError::new(StatusCode::BAD_GATEWAY, error.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::header::HeaderValue;

    #[test]
    fn hop_by_hop_host_and_mock_headers_are_not_forwarded() {
        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("connection", "keep-alive, x-secret-hop"),
            ("x-secret-hop", "1"),
            ("transfer-encoding", "chunked"),
            ("host", "127.0.0.1:4010"),
            ("x-mock-namespace", "t1"),
            ("x-api-token", "prodgy_abc"),
            ("accept", "application/json"),
        ] {
            headers.insert(
                HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        }
        let sent = forwarded(&headers);
        let mut names: Vec<&str> = sent.keys().map(HeaderName::as_str).collect();
        names.sort_unstable();
        assert_eq!(names, ["accept", "x-api-token"]);
    }
}
