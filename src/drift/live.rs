//! `prodgy-mock drift --upstream URL --token T`: the upstream is recorded (as `record` does,
//! at most `--max-records` a kind), an in-process mock is seeded with that recording, and
//! every safe operation of the route table (each `GET` row) is called on both with the same
//! path, a recorded id where the path takes one. Compared: the status, the envelope's keys,
//! the `pagination` object of lists, and the fields and JSON types of `data` against what the
//! mock answers for that shape; then the error answers of both to an unknown id and to a
//! missing token. With `--include-writes`, [`super::writes`] does the same for creates,
//! updates and deletes on records it makes itself.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

use hyper::Method;
use serde_json::Value;

use super::shape::{compare_data, describe, fields};
use super::writes;
use super::{Check, DriftError, Named, Report};
use crate::fixtures::FixtureSet;
use crate::record::caller::{Caller, Progress};
use crate::record::crawl::{crawl, param_kind};
use crate::record::disk::commit;
use crate::record::write::{WriteOptions, prepare};
use crate::routes::{Answer, OPERATIONS, Operation, Source};
use crate::schema::{Kind, Presence, is_api_token};
use crate::server::MockServer;
use crate::upstream::{Answer as Reply, Upstream};

/// What `drift --upstream` was asked to do.
#[derive(Debug, Clone)]
pub struct LiveOptions {
    /// The instance's base URL.
    pub upstream: String,
    /// Its API token.
    pub token: String,
    /// Most records read per kind to seed the mock.
    pub max_records: usize,
    /// Most requests a second to the instance (0: no pacing).
    pub rate: f64,
    /// Also compare create, update and delete (on records drift makes and removes).
    pub include_writes: bool,
}

/// An id no record has.
pub const UNKNOWN_ID: &str = "00000000-0000-4000-8000-000000000000";
/// The token the mock is called with when the recording shows no token of the caller's.
const PROBE_TOKEN: &str = "prodgy_DriftProbeToken000000000000000000";

/// Compares the upstream with a mock seeded from it.
pub async fn drift(options: &LiveOptions, progress: Progress<'_>) -> Result<Report, DriftError> {
    crate::record::crawl::check_rate(options.rate)?;
    let upstream = Upstream::new(&options.upstream).map_err(crate::record::RecordError::from)?;
    let theirs = Caller::new(upstream, Some(options.token.clone()), options.rate);
    progress(&format!("reading {} to seed the mock", options.upstream));
    let recording = crawl(&theirs, Some(options.max_records), progress).await?;
    let write_options = WriteOptions {
        seed: crate::config::DEFAULT_SEED,
        secrets: vec![options.token.clone()],
        force: true,
    };
    let prepared = prepare(recording, &write_options)?;
    let seed = TempDir::new()?;
    commit(&prepared, &seed.0)?;
    let mock = MockServer::builder()
        .fixtures_dir(&seed.0)
        .try_start()
        .await?;
    let token = match prepared.tokens.iter().find(|t| t.yours) {
        Some(yours) => yours.secret.clone(),
        None if is_api_token(&options.token) => options.token.clone(),
        None => PROBE_TOKEN.to_owned(),
    };
    let ours = Upstream::new(&mock.uri()).map_err(crate::record::RecordError::from)?;
    let mut run = Run {
        theirs,
        ours: Caller::new(ours, Some(token), 0.0),
        samples: Samples::of(&prepared.files),
        builtin: FixtureSet::builtin().map_err(crate::error::StartError::from)?,
        report: Report::new("live", options.upstream.clone()),
        confirmed: Vec::new(),
        progress,
    };
    for op in OPERATIONS.iter().filter(|op| op.method == Method::GET) {
        run.operation(op).await?;
    }
    if options.include_writes {
        writes::compare(&mut run).await?;
    }
    run.report.calls = run.theirs.calls() + run.ours.calls();
    mock.shutdown().await;
    let confirmed = run.confirmed.clone();
    run.report.finish(&confirmed);
    Ok(run.report)
}

/// A fresh directory for the seed, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Result<Self, crate::record::RecordError> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let name = format!("prodgy-mock-drift-{}-{nanos}", std::process::id());
        Ok(Self(std::env::temp_dir().join(name).join("seed")))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if let Some(parent) = self.0.parent() {
            let _ = std::fs::remove_dir_all(parent);
        }
    }
}

/// The first recorded id of each kind: what paths with a parameter are called with.
#[derive(Debug, Default)]
pub struct Samples(HashMap<Kind, String>);

impl Samples {
    fn of(files: &[(Kind, String)]) -> Self {
        let first = |text: &str| {
            let records: Vec<Value> = serde_json::from_str(text).ok()?;
            records.first()?.get("id")?.as_str().map(str::to_owned)
        };
        Self(
            files
                .iter()
                .filter_map(|(kind, text)| Some((*kind, first(text)?)))
                .collect(),
        )
    }

    /// `op`'s path with a recorded id in place of its parameter (and a value for each
    /// required query field), or why it cannot be called.
    pub fn path_of(&self, op: &Operation) -> Result<String, String> {
        let mut path = op.path.to_owned();
        if let Some(param) = op.param_name() {
            let kind = param_kind(op).ok_or_else(|| format!("{{{param}}} names no record kind"))?;
            let id = self
                .0
                .get(&kind)
                .ok_or_else(|| format!("no {} was recorded to call it with", kind.singular()))?;
            path = path.replace(&format!("{{{param}}}"), id);
        }
        let required: Vec<String> = op
            .query
            .iter()
            .filter(|f| f.presence == Presence::Required)
            .map(|f| format!("{}=test", f.name))
            .collect();
        if !required.is_empty() {
            path = format!("{path}?{}", required.join("&"));
        }
        Ok(path)
    }
}

/// One drift run: both sides, what was read, and the report being written.
pub struct Run<'a> {
    /// The upstream.
    pub theirs: Caller,
    /// The in-process mock.
    pub ours: Caller,
    /// Ids to call paths with.
    pub samples: Samples,
    /// The shipped fixtures (the fields the mock answers beyond its schema).
    pub builtin: FixtureSet,
    /// The report.
    pub report: Report,
    /// Inferred operations the upstream answered with a success.
    pub confirmed: Vec<&'static str>,
    /// Where progress lines go.
    pub progress: Progress<'a>,
}

impl Run<'_> {
    /// Compares one `GET` row: its answer, then its errors.
    async fn operation(&mut self, op: &'static Operation) -> Result<(), DriftError> {
        let path = match self.samples.path_of(op) {
            Ok(path) => path,
            Err(reason) => {
                self.report.skipped.push(Named::of(op, Some(reason)));
                return Ok(());
            }
        };
        self.report.compared += 1;
        if matches!(op.answer, Answer::Stream) {
            return self.stream(op, &path).await;
        }
        let theirs = self.theirs.get(op.name, &path, self.progress).await?;
        let ours = self.ours.get(op.name, &path, self.progress).await?;
        self.answers(op, &theirs, &ours);
        if let Some(param) = op.param_name() {
            let unknown = op.path.replace(&format!("{{{param}}}"), UNKNOWN_ID);
            self.errors(op, "unknown id", &unknown, true).await?;
        }
        self.errors(op, "no token", &path, false).await?;
        (self.progress)(&format!("{}: compared", op.name));
        Ok(())
    }

    /// An event stream: the status and the media type, the body left unread.
    async fn stream(&mut self, op: &'static Operation, path: &str) -> Result<(), DriftError> {
        let (theirs, their_headers) = self.theirs.head(path, self.theirs.token()).await?;
        let (ours, our_headers) = self.ours.head(path, self.ours.token()).await?;
        if theirs != ours {
            let (a, b) = (theirs.as_u16().to_string(), ours.as_u16().to_string());
            self.report.differ(op.name, Check::Status, "", a, b);
            return Ok(());
        }
        self.confirm(op, theirs.is_success());
        let media = |h: &hyper::HeaderMap| {
            let value = h.get("content-type").and_then(|v| v.to_str().ok());
            value
                .unwrap_or("(none)")
                .split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_owned()
        };
        let (a, b) = (media(&their_headers), media(&our_headers));
        if a != b {
            self.report
                .differ(op.name, Check::Envelope, "content-type", a, b);
        }
        Ok(())
    }

    /// Notes an inferred operation the upstream answered with a success.
    pub fn confirm(&mut self, op: &'static Operation, success: bool) {
        if success && op.source == Source::Inferred && !self.confirmed.contains(&op.name) {
            self.confirmed.push(op.name);
        }
    }

    /// Compares two answers to the same request of `op`.
    pub fn answers(&mut self, op: &'static Operation, theirs: &Reply, ours: &Reply) {
        self.confirm(op, theirs.status.is_success());
        if theirs.status != ours.status {
            let (a, b) = (
                theirs.status.as_u16().to_string(),
                ours.status.as_u16().to_string(),
            );
            self.report.differ(op.name, Check::Status, "", a, b);
            return;
        }
        let (Some(a), Some(b)) = (theirs.json(), ours.json()) else {
            let said = |r: &Reply| {
                if r.json().is_some() {
                    "JSON"
                } else {
                    "not JSON"
                }
            };
            let (a, b) = (said(theirs), said(ours));
            if a != b {
                self.report.differ(op.name, Check::Envelope, "body", a, b);
            }
            return;
        };
        envelope(&mut self.report, op.name, &a, &b);
        if matches!(op.answer, Answer::List(_)) {
            pagination(
                &mut self.report,
                op.name,
                a.get("pagination"),
                b.get("pagination"),
            );
        }
        let shape = match op.answer {
            Answer::One(shape) | Answer::List(shape) => shape,
            Answer::Stream | Answer::OrChallenge(_) => return,
        };
        if theirs.status.is_success() {
            let data = a.get("data").unwrap_or(&Value::Null);
            compare_data(&mut self.report, op.name, data, shape, &self.builtin);
        }
    }

    /// Compares both sides' answer to `path` (with the token, or without when `token` is
    /// false) as error answers of `case`.
    async fn errors(
        &mut self,
        op: &'static Operation,
        case: &str,
        path: &str,
        token: bool,
    ) -> Result<(), DriftError> {
        let (method, progress) = (op.method.clone(), self.progress);
        let [theirs, ours] = [&self.theirs, &self.ours].map(|side| {
            let token = side.token().filter(|_| token);
            side.call(op.name, method.clone(), path, token, None, progress)
        });
        let (theirs, ours) = (theirs.await?, ours.await?);
        error_shape(&mut self.report, op.name, case, &theirs, &ours);
        Ok(())
    }
}

/// Keys of the envelope on one side only (`pagination` is compared on its own).
fn envelope(report: &mut Report, operation: &str, theirs: &Value, ours: &Value) {
    let keys = |v: &Value| -> BTreeSet<String> {
        v.as_object()
            .map(|o| o.keys().filter(|k| *k != "pagination").cloned().collect())
            .unwrap_or_default()
    };
    let (a, b) = (keys(theirs), keys(ours));
    for key in a.difference(&b) {
        report.differ(
            operation,
            Check::Envelope,
            key.clone(),
            "present",
            "(absent)",
        );
    }
    for key in b.difference(&a) {
        report.differ(
            operation,
            Check::Envelope,
            key.clone(),
            "(absent)",
            "present",
        );
    }
}

/// The `pagination` objects of two list answers: presence, keys and kinds.
fn pagination(report: &mut Report, operation: &str, theirs: Option<&Value>, ours: Option<&Value>) {
    let keys = |v: &Value| fields(v).keys().cloned().collect::<Vec<_>>().join(", ");
    match (theirs, ours) {
        (None, None) => {}
        (None, Some(b)) => report.differ(
            operation,
            Check::Pagination,
            "pagination",
            "(absent)",
            keys(b),
        ),
        (Some(a), None) => report.differ(
            operation,
            Check::Pagination,
            "pagination",
            keys(a),
            "(absent)",
        ),
        (Some(a), Some(b)) => {
            let (a, b) = (fields(a), fields(b));
            for (name, kinds) in &a {
                let at = format!("pagination.{name}");
                match b.get(name) {
                    None => report.differ(
                        operation,
                        Check::Pagination,
                        at,
                        describe(kinds),
                        "(absent)",
                    ),
                    Some(mine) if mine != kinds => {
                        report.differ(
                            operation,
                            Check::Pagination,
                            at,
                            describe(kinds),
                            describe(mine),
                        );
                    }
                    Some(_) => {}
                }
            }
            for (name, kinds) in b.iter().filter(|(n, _)| !a.contains_key(*n)) {
                let at = format!("pagination.{name}");
                report.differ(
                    operation,
                    Check::Pagination,
                    at,
                    "(absent)",
                    describe(kinds),
                );
            }
        }
    }
}

/// Two error answers of `case`: the status, the envelope's keys and its `error` string.
pub fn error_shape(report: &mut Report, operation: &str, case: &str, theirs: &Reply, ours: &Reply) {
    if theirs.status != ours.status {
        let (a, b) = (
            theirs.status.as_u16().to_string(),
            ours.status.as_u16().to_string(),
        );
        report.differ(operation, Check::Error, format!("{case}: status"), a, b);
        return;
    }
    let (a, b) = (
        theirs.json().unwrap_or(Value::Null),
        ours.json().unwrap_or(Value::Null),
    );
    let keys = |v: &Value| {
        v.as_object()
            .map(|o| o.keys().cloned().collect::<BTreeSet<_>>())
            .map(|k| k.into_iter().collect::<Vec<_>>().join(", "))
            .unwrap_or_else(|| "(not a JSON object)".to_owned())
    };
    if keys(&a) != keys(&b) {
        report.differ(
            operation,
            Check::Error,
            format!("{case}: keys"),
            keys(&a),
            keys(&b),
        );
    }
    let error = |v: &Value| {
        v.get("error")
            .map_or("(absent)".to_owned(), |e| e.to_string())
    };
    if a.get("error") != b.get("error") {
        report.differ(
            operation,
            Check::Error,
            format!("{case}: error"),
            error(&a),
            error(&b),
        );
    }
}
