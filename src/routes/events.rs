//! `GET /api/workflow/{executionId}/events`: the execution's events as a `text/event-stream`.
//!
//! The stream replays the same [`Executions::settle`] view that `status` shows: it first sends
//! every event after `Last-Event-ID` (all of them without the header), then polls the settled
//! state every [`POLL`] of real time, so it notices clock advances, and closes after the
//! terminal `done` event. A client that reconnects after that (its `Last-Event-ID` is the last
//! event of a finished execution) gets `204 No Content`, the SSE signal to stop reconnecting.
//! Errors (401/404) are decided before the stream starts and stay JSON.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use http_body_util::StreamBody;
use hyper::body::Frame;
use hyper::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderValue};
use hyper::{Response, StatusCode};

use super::workflows::settled;
use super::{Ctx, Req};
use crate::clock::Clock;
use crate::envelope::{Body, Reply};
use crate::error::ApiError;
use crate::executions::{self, Executions, Runs, Settled};
use crate::store::State;

/// How often an open stream re-reads the execution.
pub const POLL: Duration = Duration::from_millis(50);

/// `GET /api/workflow/{executionId}/events`
pub fn stream(ctx: &Ctx<'_>, req: &Req, id: &str) -> Result<Reply, ApiError> {
    let first = settled(ctx, id)?;
    let after = last_event_id(req)?;
    if first.view.status.is_terminal() && first.view.events.iter().all(|e| e.id <= after) {
        // Nothing left to send, ever: 204 tells an EventSource to stop reconnecting.
        let mut done = Response::new(crate::envelope::full(Bytes::new()));
        *done.status_mut() = StatusCode::NO_CONTENT;
        return Ok(Reply::Raw(done));
    }
    let cursor = Cursor {
        state: Arc::clone(ctx.state),
        runs: Arc::clone(ctx.runs),
        clock: ctx.clock.clone(),
        seed: ctx.settings.seed,
        id: id.to_owned(),
        sent: after,
        queue: VecDeque::new(),
        closing: false,
        first: Some(first),
    };
    let frames = futures_util::stream::unfold(cursor, next_frame)
        .map(|bytes| Ok::<_, std::io::Error>(Frame::data(bytes)));
    let body = Body::stream(StreamBody::new(frames));
    let mut response = Response::new(body);
    *response.status_mut() = StatusCode::OK;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(Reply::Raw(response))
}

/// The `Last-Event-ID` header as a number (0 without it); 400 when it is not one.
fn last_event_id(req: &Req) -> Result<u64, ApiError> {
    let Some(value) = req.headers.get(crate::headers::LAST_EVENT_ID) else {
        return Ok(0);
    };
    let text = value.to_str().unwrap_or_default().trim();
    if text.is_empty() {
        return Ok(0);
    }
    text.parse().map_err(|_| {
        ApiError::bad_request(format!(
            "header 'Last-Event-ID' must be an event id from this stream (a whole number), got '{text}'"
        ))
    })
}

struct Cursor {
    state: Arc<State>,
    runs: Arc<Runs>,
    clock: Clock,
    seed: u64,
    id: String,
    sent: u64,
    queue: VecDeque<Bytes>,
    closing: bool,
    first: Option<Settled>,
}

async fn next_frame(mut cursor: Cursor) -> Option<(Bytes, Cursor)> {
    loop {
        if let Some(frame) = cursor.queue.pop_front() {
            return Some((frame, cursor));
        }
        if cursor.closing {
            return None;
        }
        let settled = match cursor.first.take() {
            Some(first) => first,
            None => {
                tokio::time::sleep(POLL).await;
                let now = cursor.clock.now();
                Executions::new(&cursor.state, &cursor.runs, cursor.seed).settle(&cursor.id, now)?
            }
        };
        let after = cursor.sent;
        for event in settled.view.events.iter().filter(|e| e.id > after) {
            let (name, data) = executions::event_data(&settled, event);
            cursor.queue.push_back(frame(event.id, name, &data));
            cursor.sent = event.id;
        }
        cursor.closing = settled.view.status.is_terminal();
    }
}

/// One SSE frame: `id:`, `event:`, `data:` and a blank line.
fn frame(id: u64, name: &str, data: &serde_json::Value) -> Bytes {
    Bytes::from(format!("id: {id}\nevent: {name}\ndata: {data}\n\n"))
}
