//! What one request leaves behind: its entry in the request journal and, at debug level, one
//! log line (target `prodgy_mock::request`). The stages fill both through the same calls as
//! they learn the namespace, route, rule and status; each part exists only when it is on, so
//! with the journal off and debug logging off a request pays one level check.

use std::sync::Arc;
use std::time::{Duration, Instant};

use hyper::http::request::Parts;
use hyper::{Method, Response};

use crate::clock::Clock;
use crate::envelope::Body;
use crate::journal::{Entry, Journal};
use crate::namespace::Namespace;
use crate::scenario::Aborted;

/// The log target of the per-request line.
const TARGET: &str = "prodgy_mock::request";

/// The journal entry and log line of one request, filled in as the stages go.
#[derive(Debug)]
pub(crate) struct Trace {
    /// When the request arrived, when anything will need its duration.
    started: Option<Instant>,
    /// Present when debug logging is on.
    line: Option<Line>,
    /// Present when the journal is on and the request reached the API stages.
    entry: Option<Entry>,
}

/// What the debug log line says besides the method, path and status.
#[derive(Debug)]
struct Line {
    namespace: Option<Arc<str>>,
    route: Option<&'static str>,
    rule: Option<String>,
}

impl Trace {
    /// A request just arrived; `journal_on` says whether it may be journaled.
    pub(crate) fn start(journal_on: bool) -> Self {
        let line = tracing::enabled!(target: TARGET, tracing::Level::DEBUG).then(|| Line {
            namespace: None,
            route: None,
            rule: None,
        });
        let started = (journal_on || line.is_some()).then(Instant::now);
        Self {
            started,
            line,
            entry: None,
        }
    }

    /// The request entered the API stages in `namespace`; with the journal on, its entry
    /// starts here, stamped by `clock`.
    pub(crate) fn enter(
        &mut self,
        journal: &Journal,
        clock: &Clock,
        namespace: &Namespace,
        parts: &Parts,
    ) {
        if let Some(line) = self.line.as_mut() {
            line.namespace = Some(namespace.name().shared());
        }
        if journal.enabled() {
            let at = clock.now();
            let of = (namespace.name().shared(), namespace.epoch());
            let entry = Entry::start(at, of, &parts.method, &parts.uri, &parts.headers);
            self.entry = Some(entry);
        }
    }

    /// The route table named the request.
    pub(crate) fn route(&mut self, name: &'static str) {
        if let Some(line) = self.line.as_mut() {
            line.route = Some(name);
        }
        if let Some(entry) = self.entry.as_mut() {
            entry.route = Some(name);
        }
    }

    /// A scenario rule (or the rate limit) decided the answer.
    pub(crate) fn rule(&mut self, rule: &str) {
        if let Some(line) = self.line.as_mut() {
            line.rule = Some(rule.to_owned());
        }
        if let Some(entry) = self.entry.as_mut() {
            entry.rule = Some(rule.to_owned());
        }
    }

    /// The request body was read.
    pub(crate) fn body(&mut self, body: &[u8]) {
        if let Some(entry) = self.entry.as_mut() {
            entry.set_body(body);
        }
    }

    /// Hands the journal entry, if any, to `journal` with what was answered (or status 0 for
    /// a connection a scenario aborted on purpose).
    pub(crate) fn record(&mut self, journal: &Journal, outcome: &Result<Response<Body>, Aborted>) {
        let Some(mut entry) = self.entry.take() else {
            return;
        };
        entry.duration = self.started.map_or(Duration::ZERO, |s| s.elapsed());
        if let Ok(response) = outcome {
            let empty = bytes::Bytes::new();
            let body = response.body().bytes();
            let body = body.or(matches!(response.body(), Body::Full(_)).then_some(&empty));
            entry.set_response(response.status().as_u16(), response.headers(), body);
        }
        journal.record(entry);
    }

    /// Writes the debug log line, if debug logging is on.
    pub(crate) fn log(
        self,
        method: &Method,
        path: &str,
        outcome: &Result<Response<Body>, Aborted>,
    ) {
        let Some(line) = self.line else {
            return;
        };
        tracing::debug!(
            target: TARGET,
            method = %method,
            path = %path,
            status = status_of(outcome),
            duration_ms = millis(self.started.map_or(Duration::ZERO, |s| s.elapsed())),
            namespace = line.namespace.as_deref().map(tracing::field::display),
            route = line.route.map(tracing::field::display),
            rule = line.rule.as_deref().map(tracing::field::display),
            "request"
        );
    }
}

/// The status answered; 0 for a connection a scenario aborted on purpose.
fn status_of(outcome: &Result<Response<Body>, Aborted>) -> u16 {
    outcome.as_ref().map_or(0, |r| r.status().as_u16())
}

/// `elapsed` in milliseconds, to the microsecond.
fn millis(elapsed: Duration) -> f64 {
    let micros = u32::try_from(elapsed.as_micros()).unwrap_or(u32::MAX);
    f64::from(micros) / 1000.0
}
