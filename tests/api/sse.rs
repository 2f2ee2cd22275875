//! A minimal streaming SSE reader over reqwest's `bytes_stream`, for the events tests.

use std::time::Duration;

use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use serde_json::Value;

/// Upper bound on waiting for one event (real time); the server polls every 50 ms.
const EVENT_TIMEOUT: Duration = Duration::from_secs(5);

/// One parsed SSE event.
#[derive(Debug, Clone, PartialEq)]
pub struct SseEvent {
    pub id: u64,
    pub event: String,
    pub data: Value,
    /// The frame exactly as sent, blank line included.
    pub raw: String,
}

/// An open event stream.
pub struct Sse {
    stream: BoxStream<'static, reqwest::Result<bytes::Bytes>>,
    buffer: String,
}

impl Sse {
    /// Wraps a response whose body is an event stream.
    pub fn new(response: reqwest::Response) -> Self {
        Self {
            stream: response.bytes_stream().boxed(),
            buffer: String::new(),
        }
    }

    /// The next event, or `None` when the server closed the stream.
    pub async fn next(&mut self) -> Option<SseEvent> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let raw: String = self.buffer.drain(..end + 2).collect();
                return Some(parse(raw));
            }
            let chunk = tokio::time::timeout(EVENT_TIMEOUT, self.stream.next())
                .await
                .expect("an event (or the end of the stream) within the timeout");
            match chunk {
                Some(bytes) => {
                    let bytes = bytes.expect("stream chunk");
                    self.buffer
                        .push_str(std::str::from_utf8(&bytes).expect("utf-8"));
                }
                None => {
                    assert!(
                        self.buffer.is_empty(),
                        "partial frame at end: {:?}",
                        self.buffer
                    );
                    return None;
                }
            }
        }
    }

    /// The next `n` events.
    pub async fn take(&mut self, n: usize) -> Vec<SseEvent> {
        let mut events = Vec::new();
        for _ in 0..n {
            events.push(self.next().await.expect("stream still open"));
        }
        events
    }

    /// Every remaining event until the server closes the stream.
    pub async fn rest(&mut self) -> Vec<SseEvent> {
        let mut events = Vec::new();
        while let Some(event) = self.next().await {
            events.push(event);
        }
        events
    }
}

fn parse(raw: String) -> SseEvent {
    let mut id = None;
    let mut event = None;
    let mut data = None;
    for line in raw.lines().filter(|l| !l.is_empty()) {
        let (field, value) = line.split_once(": ").expect("field: value");
        match field {
            "id" => id = Some(value.parse().expect("numeric id")),
            "event" => event = Some(value.to_owned()),
            "data" => data = Some(serde_json::from_str(value).expect("JSON data")),
            other => panic!("unexpected SSE field {other}"),
        }
    }
    SseEvent {
        id: id.expect("id line"),
        event: event.expect("event line"),
        data: data.expect("data line"),
        raw,
    }
}

/// `(event, status-or-node)` pairs, for compact assertions.
pub fn story(events: &[SseEvent]) -> Vec<(String, String)> {
    events
        .iter()
        .map(|e| {
            let what = e.data["status"]
                .as_str()
                .or(e.data["node"].as_str())
                .unwrap_or_default();
            (e.event.clone(), what.to_owned())
        })
        .collect()
}
