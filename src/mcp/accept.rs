//! SSE where the client asks for it. The Streamable HTTP transport lets a server answer a
//! request with JSON or with an event stream, and the SDK always streams inside a session;
//! SDK clients accept both. A client that accepts only JSON (`curl -H 'Accept:
//! application/json'`, a hand-written test) gets the SDK's answer read off the stream and sent
//! as one `application/json` body, instead of the SDK's 406.

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::header::{ACCEPT, CONTENT_LENGTH, CONTENT_TYPE, HeaderMap, HeaderValue};
use hyper::{Response, StatusCode};
use serde_json::Value;

use crate::envelope::Body;

/// What the SDK requires a `POST` to accept.
const BOTH: &str = "application/json, text/event-stream";

/// Whether a `POST` with `headers` asks for JSON only: its `Accept` names JSON (or any type)
/// but not `text/event-stream`, or there is no `Accept` at all. Its `Accept` is then widened
/// for the SDK.
pub fn json_only(headers: &mut HeaderMap) -> bool {
    let types: Vec<String> = headers
        .get_all(ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| {
            t.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
        .collect();
    let streams = types.iter().any(|t| t == "text/event-stream");
    let takes_json = types.is_empty()
        || types
            .iter()
            .any(|t| matches!(t.as_str(), "application/json" | "application/*" | "*/*"));
    let only = !streams && takes_json;
    if only {
        headers.insert(ACCEPT, HeaderValue::from_static(BOTH));
    }
    only
}

/// `response` as one JSON body: the message answering request `id`, read off its event
/// stream (a response that is no stream is returned as it is).
pub async fn as_json(response: Response<Body>, id: &Value) -> Response<Body> {
    let is_stream = response
        .headers()
        .get(CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/event-stream"));
    if !is_stream || response.status() != StatusCode::OK {
        return response;
    }
    let (mut parts, mut body) = response.into_parts();
    let mut text = String::new();
    let mut consumed = 0;
    let found = loop {
        if let Some(message) = next_answer(&text, &mut consumed, id) {
            break Some(message);
        }
        match body.frame().await {
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    text.push_str(&String::from_utf8_lossy(&data));
                }
            }
            _ => break None,
        }
    };
    let Some(message) = found else {
        parts.status = StatusCode::BAD_GATEWAY;
        parts.headers.remove(CONTENT_LENGTH);
        return Response::from_parts(parts, Body::full(Bytes::from_static(b"")));
    };
    parts
        .headers
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    for stream_only in ["cache-control", "x-accel-buffering"] {
        parts.headers.remove(stream_only);
    }
    Response::from_parts(parts, Body::full(Bytes::from(message)))
}

/// The data of the next complete event in `text` after `consumed` that answers `id`.
fn next_answer(text: &str, consumed: &mut usize, id: &Value) -> Option<String> {
    while let Some(end) = text[*consumed..].find("\n\n") {
        let frame = &text[*consumed..*consumed + end];
        *consumed += end + 2;
        let data: Vec<&str> = frame
            .lines()
            .filter_map(|line| line.strip_prefix("data:"))
            .map(|d| d.strip_prefix(' ').unwrap_or(d))
            .collect();
        let data = data.join("\n");
        let Ok(message) = serde_json::from_str::<Value>(&data) else {
            continue;
        };
        let answers = message.get("id") == Some(id)
            && (message.get("result").is_some() || message.get("error").is_some());
        if answers {
            return Some(data);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_a_client_that_does_not_ask_for_a_stream_gets_json() {
        let only = |accept: Option<&str>| {
            let mut headers = HeaderMap::new();
            if let Some(accept) = accept {
                headers.insert(ACCEPT, HeaderValue::from_str(accept).expect("header"));
            }
            (json_only(&mut headers), headers.get(ACCEPT).cloned())
        };
        assert_eq!(
            only(Some("application/json")),
            (true, Some(HeaderValue::from_static(BOTH)))
        );
        assert!(only(None).0);
        assert!(only(Some("*/*")).0);
        assert!(!only(Some("application/json, text/event-stream")).0);
        assert!(!only(Some("text/event-stream")).0);
        assert!(!only(Some("text/plain")).0, "left for the SDK to refuse");
    }

    #[test]
    fn the_answer_is_the_event_whose_message_answers_the_request() {
        let stream = "data: \nid: 0\nretry: 3000\n\n\
                      data: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\"}\n\n\
                      id: 1\ndata: {\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{}}\n\n";
        let mut consumed = 0;
        let found = next_answer(stream, &mut consumed, &json!(7));
        assert_eq!(
            found.as_deref(),
            Some("{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{}}")
        );
        let mut consumed = 0;
        assert_eq!(next_answer(stream, &mut consumed, &json!(8)), None);
    }
}
