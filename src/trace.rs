//! What one request leaves behind: its entry in the request journal and, at debug level, one
//! log line (target `prodgy_mock::request`). The stages fill both through the same calls as
//! they learn the namespace, route, rule and status; each part exists only when it is on, so
//! with the journal off and debug logging off a request pays one level check (and the two
//! clock readings every request makes anyway: arrival and answer).

use std::sync::Arc;
use std::time::{Duration, Instant};

use hyper::{HeaderMap, Method, Response, Uri};

use crate::clock::Timestamp;
use crate::envelope::Body;
use crate::journal::{Entry, Journal};
use crate::scenario::Aborted;

/// The log target of the per-request line.
const TARGET: &str = "prodgy_mock::request";

/// The journal entry and log line of one request, filled in as the stages go.
#[derive(Debug)]
pub(crate) struct Trace {
    /// When the request arrived.
    started: Instant,
    /// Present when debug logging is on.
    line: Option<Line>,
    /// Present when the journal is on and the request reached the API stages.
    /// Made where the journal keeps it (only this request holds it until it is recorded),
    /// so the request's own state stays small.
    entry: Option<Arc<Entry>>,
}

/// What the debug log line says besides the method, path and status.
#[derive(Debug)]
struct Line {
    namespace: Option<Arc<str>>,
    route: Option<&'static str>,
    rule: Option<String>,
}

impl Trace {
    /// The entry, while this request alone holds it (always, until it is recorded).
    fn entry_mut(&mut self) -> Option<&mut Entry> {
        self.entry.as_mut().and_then(Arc::get_mut)
    }

    /// A request arrived at `started`.
    pub(crate) fn start(started: Instant) -> Self {
        let line = tracing::enabled!(target: TARGET, tracing::Level::DEBUG).then(|| Line {
            namespace: None,
            route: None,
            rule: None,
        });
        Self {
            started,
            line,
            entry: None,
        }
    }

    /// When the request arrived.
    pub(crate) fn arrived(&self) -> Instant {
        self.started
    }

    /// The request entered the API stages in the namespace named `namespace`, incarnation
    /// `epoch`, at server time `at`; with the journal on, its entry starts here.
    pub(crate) fn enter(
        &mut self,
        journal: &Journal,
        at: Timestamp,
        (namespace, epoch): (&Arc<str>, u64),
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
    ) {
        if let Some(line) = self.line.as_mut() {
            line.namespace = Some(Arc::clone(namespace));
        }
        if journal.enabled() {
            let of = (Arc::clone(namespace), epoch);
            self.entry = Some(Arc::new(Entry::start(at, of, method, uri, headers)));
        }
    }

    /// The route table named the request.
    pub(crate) fn route(&mut self, name: &'static str) {
        if let Some(line) = self.line.as_mut() {
            line.route = Some(name);
        }
        if let Some(entry) = self.entry_mut() {
            entry.route = Some(name);
        }
    }

    /// A scenario rule (or the rate limit) decided the answer.
    pub(crate) fn rule(&mut self, rule: &str) {
        if let Some(line) = self.line.as_mut() {
            line.rule = Some(rule.to_owned());
        }
        if let Some(entry) = self.entry_mut() {
            entry.rule = Some(rule.to_owned());
        }
    }

    /// The request body was read.
    pub(crate) fn body(&mut self, body: &[u8]) {
        if let Some(entry) = self.entry_mut() {
            entry.set_body(body);
        }
    }

    /// Hands the journal entry, if any, to `journal` with what was answered at `finished`
    /// (or status 0 for a connection a scenario aborted on purpose).
    pub(crate) fn record(
        &mut self,
        journal: &Journal,
        outcome: &mut Result<Response<Body>, Aborted>,
        finished: Instant,
    ) {
        let Some(mut shared) = self.entry.take() else {
            return;
        };
        let Some(entry) = Arc::get_mut(&mut shared) else {
            return;
        };
        entry.duration = finished.saturating_duration_since(self.started);
        if let Ok(response) = outcome {
            let kept = response.body_mut().keep();
            entry.set_response(response.status().as_u16(), response.headers(), kept);
        }
        let entry = shared;
        journal.record(entry);
    }

    /// Writes the debug log line, if debug logging is on.
    pub(crate) fn log(
        self,
        method: &Method,
        path: &str,
        outcome: &Result<Response<Body>, Aborted>,
        finished: Instant,
    ) {
        let Some(line) = self.line else {
            return;
        };
        tracing::debug!(
            target: TARGET,
            method = %method,
            path = %path,
            status = status_of(outcome),
            duration_ms = millis(finished.saturating_duration_since(self.started)),
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
