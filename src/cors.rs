//! CORS, on by default (`--cors off` turns it off), so a browser app under development can
//! call the mock from its own dev server.
//!
//! Every origin is allowed, with credentials: a preflight (`OPTIONS`) is answered `204` at
//! once, before auth, scenarios and the journal, allowing the API's methods and whatever
//! headers the browser asks for (`Authorization`, `X-API-Token`, `X-Mock-Namespace`, …); and
//! every answer to a request that carries `Origin` allows that origin and exposes its headers,
//! so `RateLimit-*`, `Retry-After` and headers a scenario sets are readable from JavaScript.

use hyper::header::{
    ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE,
    ACCESS_CONTROL_REQUEST_HEADERS, ALLOW, HeaderName, HeaderValue, ORIGIN, VARY,
};
use hyper::{HeaderMap, Response, StatusCode};

use crate::envelope::{self, Body};

/// The methods a preflight allows: every method the API uses.
const METHODS: &str = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";
/// The request headers a preflight allows when the browser does not list its own.
const HEADERS: &str = "Authorization, Content-Type, X-API-Token, X-Organization-Id, \
                       X-Mock-Namespace, X-Mock-Scenario, Prefer, Last-Event-ID";
/// How long a browser may cache a preflight, in seconds.
const MAX_AGE: &str = "600";
/// Response headers a browser shows to scripts without being told.
const SAFELISTED: [HeaderName; 4] = [
    hyper::header::CONTENT_TYPE,
    hyper::header::CONTENT_LENGTH,
    hyper::header::CACHE_CONTROL,
    hyper::header::DATE,
];

/// Answers a preflight (or any `OPTIONS`): 204 with what the browser may send, and `allow`
/// (the methods of the path, when it is a known route).
pub fn preflight(headers: &HeaderMap, allow: Option<String>) -> Response<Body> {
    let mut response = Response::new(envelope::full(bytes::Bytes::new()));
    *response.status_mut() = StatusCode::NO_CONTENT;
    let out = response.headers_mut();
    let origin = headers
        .get(ORIGIN)
        .cloned()
        .unwrap_or(HeaderValue::from_static("*"));
    out.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    out.insert(
        ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static(METHODS),
    );
    let asked = headers.get(ACCESS_CONTROL_REQUEST_HEADERS).cloned();
    out.insert(
        ACCESS_CONTROL_ALLOW_HEADERS,
        asked.unwrap_or(HeaderValue::from_static(HEADERS)),
    );
    out.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static(MAX_AGE));
    out.insert(
        ACCESS_CONTROL_ALLOW_CREDENTIALS,
        HeaderValue::from_static("true"),
    );
    // Chrome's Private Network Access: a page on a public origin calling localhost.
    if headers.contains_key("access-control-request-private-network") {
        out.insert(
            HeaderName::from_static("access-control-allow-private-network"),
            HeaderValue::from_static("true"),
        );
    }
    out.insert(
        VARY,
        HeaderValue::from_static("Origin, Access-Control-Request-Headers"),
    );
    if let Some(allow) = allow.and_then(|a| HeaderValue::from_str(&a).ok()) {
        out.insert(ALLOW, allow);
    }
    response
}

/// Lets `origin` read `response`: allows the origin with credentials and exposes every header
/// the response carries beyond the safelisted ones.
pub fn allow(origin: HeaderValue, response: &mut Response<Body>) {
    let headers = response.headers_mut();
    let exposed: Vec<&str> = headers
        .keys()
        .filter(|name| !SAFELISTED.contains(name))
        .map(HeaderName::as_str)
        .collect();
    if !exposed.is_empty()
        && let Ok(value) = HeaderValue::from_str(&exposed.join(", "))
    {
        headers.insert(ACCESS_CONTROL_EXPOSE_HEADERS, value);
    }
    headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    headers.insert(
        ACCESS_CONTROL_ALLOW_CREDENTIALS,
        HeaderValue::from_static("true"),
    );
    headers.append(VARY, HeaderValue::from_static("Origin"));
}
