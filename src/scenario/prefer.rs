//! Prism-style `Prefer: code=NNN`: one request asks for an error status.
//!
//! Codes 400 to 599 are answered with the documented error envelope for that status (a 429
//! then gets `RateLimit-*` and `Retry-After` like every injected 429, see `service`). Other
//! codes are ignored.

use std::sync::Arc;

use hyper::{HeaderMap, StatusCode};

use super::catalog::{Effect, default_body};
use super::model::Fault;
use super::rules::{Call, Decision};

/// The status asked for by `Prefer: code=NNN`, when it is an error status.
pub fn code(headers: &HeaderMap) -> Option<StatusCode> {
    // Most requests carry no `Prefer`: one scan says so.
    crate::headers::get(headers, &crate::headers::PREFER)?;
    crate::headers::get_all(headers, &crate::headers::PREFER)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split([',', ';']))
        .find_map(|pref| pref.trim().strip_prefix("code="))
        .and_then(|code| code.trim().trim_matches('"').parse::<u16>().ok())
        .filter(|code| (400..=599).contains(code))
        .and_then(|code| StatusCode::from_u16(code).ok())
}

/// The decision for a `Prefer` header on `call`, if it carries one.
pub fn decide(call: &Call<'_>) -> Option<Decision> {
    // Most requests carry no `Prefer`, and the known headers say so already.
    call.prefer.then(|| for_headers(call.headers)).flatten()
}

/// The decision for a `Prefer` header among `headers` (an MCP tool call's), if they carry one.
pub fn for_headers(headers: &HeaderMap) -> Option<Decision> {
    let status = code(headers)?;
    let message = format!(
        "{} answered as asked by the request header 'Prefer: code={}'",
        status.as_u16(),
        status.as_u16()
    );
    let effect = Effect {
        status: Some(status),
        body: default_body(status, Some(message), "prefer"),
        headers: Vec::new(),
        delay: None,
        fault: None::<Fault>,
    };
    Some(Decision {
        rule: Arc::from("prefer"),
        effect: Arc::new(effect),
        delay: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::header::HeaderValue;

    fn prefer(value: &str) -> Option<u16> {
        let mut headers = HeaderMap::new();
        headers.insert("prefer", HeaderValue::from_str(value).expect("header"));
        code(&headers).map(|s| s.as_u16())
    }

    #[test]
    fn only_error_codes_are_taken_from_prefer() {
        assert_eq!(prefer("code=429"), Some(429));
        assert_eq!(prefer("dynamic=true, code=\"500\""), Some(500));
        assert_eq!(prefer("code=200"), None);
        assert_eq!(prefer("code=abc"), None);
    }
}
