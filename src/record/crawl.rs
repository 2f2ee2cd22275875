//! `prodgy-mock record`: reads every list and detail GET row of the route table from an
//! upstream, following pagination, and writes what it read as a fixture directory.
//!
//! The plan comes from the rows alone ([`OPERATIONS`]): a `GET` answering `List` of a stored
//! kind is a listing (paged through; with a path parameter, once per recorded record of the
//! parameter's kind), a `GET` answering `One` of a stored kind by id is a detail (read for
//! every record, and for records other records name but no list showed). A listing filter
//! that has an `all` value (the trigger list's `type`) is asked for it, so nothing is
//! filtered out. Rows the reference only infers may be missing on a real instance: a 4xx
//! there skips the row with a warning, where a documented row's failure stops the recording.

use std::path::PathBuf;

use hyper::Method;
use serde_json::Value;

use super::Recording;
use super::caller::{Caller, Progress, RecordError};
use super::disk::check_out;
use super::write::{WriteOptions, Written, write};
use crate::routes::{Answer, OPERATIONS, Operation, Source};
use crate::schema::{Kind, Shape, Ty};
use crate::upstream::{Answer as Reply, Upstream};

/// What `prodgy-mock record` was asked to do.
#[derive(Debug, Clone)]
pub struct RecordOptions {
    /// The instance's base URL.
    pub upstream: String,
    /// Its API token.
    pub token: String,
    /// The fixture directory to write.
    pub out: PathBuf,
    /// Most records per kind (`None`: all).
    pub max_records: Option<usize>,
    /// Most requests a second (0: no pacing).
    pub rate: f64,
    /// Seed of the generated secrets.
    pub seed: u64,
    /// Replace a directory that is not empty.
    pub force: bool,
}

/// The most pages one listing is followed for, whatever the upstream says.
const MAX_PAGES: u64 = 10_000;

/// Records the upstream into `options.out`, printing a line per row to `progress`.
pub async fn record(
    options: &RecordOptions,
    progress: Progress<'_>,
) -> Result<Written, RecordError> {
    check_rate(options.rate)?;
    check_out(&options.out, options.force)?;
    let upstream = Upstream::new(&options.upstream)?;
    let caller = Caller::new(upstream, Some(options.token.clone()), options.rate);
    let recording = crawl(&caller, options.max_records, progress).await?;
    if recording.is_empty() {
        let url = caller.upstream().url();
        return Err(RecordError::Empty { url });
    }
    let write_options = WriteOptions {
        seed: options.seed,
        secrets: vec![options.token.clone()],
        force: options.force,
    };
    write(recording, &options.out, &write_options)
}

/// Refuses a `--rate` that is not a number of requests a second, 0 or more.
pub fn check_rate(rate: f64) -> Result<(), RecordError> {
    match rate.is_nan() || rate < 0.0 {
        true => Err(RecordError::Flag {
            flag: "--rate",
            why: format!("'{rate}' must be a number of requests a second, 0 or more"),
        }),
        false => Ok(()),
    }
}

/// Reads every listing and detail row from `caller`'s upstream, at most `max` records a kind.
pub async fn crawl(
    caller: &Caller,
    max: Option<usize>,
    progress: Progress<'_>,
) -> Result<Recording, RecordError> {
    let mut crawl = Crawl {
        caller,
        max: max.unwrap_or(usize::MAX),
        recording: Recording::new(),
        progress,
    };
    let mut listings: Vec<(&'static Operation, Kind)> = OPERATIONS
        .iter()
        .filter(|op| op.method == Method::GET)
        .filter_map(|op| match op.answer {
            Answer::List(Shape::Resource(kind)) => Some((op, kind)),
            _ => None,
        })
        .collect();
    // Listings without a parameter first, then those of a parameter, the kinds others
    // name first (products before agents, whose executions come last).
    listings.sort_by_key(|(op, _)| param_kind(op).map_or(0, |k| 1 + k.index()));
    for (op, kind) in listings {
        crawl.listing(op, kind).await?;
    }
    for (op, kind) in detail_rows() {
        let ids = crawl.recording.ids(kind).to_vec();
        let read = crawl.details(op, kind, &ids).await?;
        (crawl.progress)(&format!(
            "{}: {read} of {} read one by one",
            op.name,
            ids.len()
        ));
    }
    crawl.references().await?;
    Ok(crawl.recording)
}

/// The `GET` rows answering one stored record by id, with its kind.
pub fn detail_rows() -> impl Iterator<Item = (&'static Operation, Kind)> {
    OPERATIONS.iter().filter_map(|op| match op.answer {
        Answer::One(Shape::Resource(kind))
            if op.method == Method::GET && op.param_name().is_some() =>
        {
            Some((op, kind))
        }
        _ => None,
    })
}

/// The kind of record a row's path parameter names: the kind of the detail row the path
/// extends (`/api/agent-base/{id}/executions` → agents), else by the parameter's name
/// (`productId` → products, `executionId` → executions).
pub fn param_kind(op: &Operation) -> Option<Kind> {
    let name = op.param_name()?;
    let end = op.path.find('}')? + 1;
    let prefix = &op.path[..end];
    detail_rows()
        .find(|(detail, _)| detail.path == prefix)
        .map(|(_, kind)| kind)
        .or_else(|| {
            Kind::ALL
                .into_iter()
                .find(|k| format!("{}Id", k.singular()) == name)
        })
}

/// The `name=all` filters of a listing row: query fields that take `all` as a value.
fn all_filters(op: &Operation) -> String {
    op.query
        .iter()
        .filter(|f| matches!(f.ty, Ty::OneOf(values) if values.contains(&"all")))
        .map(|f| format!("{}=all&", f.name))
        .collect()
}

struct Crawl<'a> {
    caller: &'a Caller,
    max: usize,
    recording: Recording,
    progress: Progress<'a>,
}

impl Crawl<'_> {
    /// Pages through `op` (once per record of its parameter's kind, when it has one).
    async fn listing(&mut self, op: &'static Operation, kind: Kind) -> Result<(), RecordError> {
        let before = self.recording.len(kind);
        let Some(param) = op.param_name() else {
            let pages = self.pages(op, kind, op.path).await?;
            let got = self.recording.len(kind) - before;
            (self.progress)(&format!(
                "{}: {got} {} (pages read: {pages})",
                op.name,
                kind.plural()
            ));
            return Ok(());
        };
        let Some(of) = param_kind(op) else {
            (self.progress)(&format!(
                "{}: skipped, its {{{param}}} names no record kind",
                op.name
            ));
            return Ok(());
        };
        let ids = match of {
            Kind::Product => self.recording.product_ids(),
            _ => self.recording.ids(of).to_vec(),
        };
        let mut pages = 0;
        for id in &ids {
            let path = op.path.replace(&format!("{{{param}}}"), &encode(id));
            pages += self.pages(op, kind, &path).await?;
        }
        let got = self.recording.len(kind) - before;
        (self.progress)(&format!(
            "{}: {got} more {} from {} {} (pages read: {pages})",
            op.name,
            kind.plural(),
            ids.len(),
            of.plural()
        ));
        Ok(())
    }

    /// Follows the pages of `path`; returns how many were read.
    async fn pages(&mut self, op: &Operation, kind: Kind, path: &str) -> Result<u64, RecordError> {
        let size = op.paging.max_size;
        let mut filters = all_filters(op);
        let mut page = 1;
        while page <= MAX_PAGES && self.recording.len(kind) < self.max {
            let asked = format!("{path}?{filters}page={page}&pageSize={size}");
            let answer = self.caller.get(op.name, &asked, self.progress).await?;
            if answer.status.as_u16() == 400 && !filters.is_empty() {
                (self.progress)(&format!(
                    "{}: the upstream refuses {}; listing without it",
                    op.name,
                    filters.trim_end_matches('&')
                ));
                filters.clear();
                continue;
            }
            let Some(body) = self.judge(op, Method::GET, &asked, &answer)? else {
                return Ok(page - 1);
            };
            let Some(items) = body.get("data").and_then(Value::as_array) else {
                (self.progress)(&format!(
                    "{}: GET {asked} answered no data array; skipped",
                    op.name
                ));
                return Ok(page);
            };
            let room = self.max - self.recording.len(kind);
            let before = self.recording.len(kind);
            self.recording
                .put_all(kind, &items[..items.len().min(room)]);
            let added = self.recording.len(kind) - before;
            let total_pages = body
                .get("pagination")
                .and_then(|p| p.get("totalPages"))
                .and_then(Value::as_u64);
            let more = match total_pages {
                Some(total) => page < total,
                None => items.len() as u64 >= size && added > 0,
            };
            if !more || items.is_empty() {
                return Ok(page);
            }
            page += 1;
        }
        Ok(page - 1)
    }

    /// Reads `ids` of `kind` one by one through `op`; returns how many answered.
    async fn details(
        &mut self,
        op: &Operation,
        kind: Kind,
        ids: &[String],
    ) -> Result<usize, RecordError> {
        let Some(param) = op.param_name() else {
            return Ok(0);
        };
        let mut read = 0;
        for id in ids {
            let path = op.path.replace(&format!("{{{param}}}"), &encode(id));
            let answer = self.caller.get(op.name, &path, self.progress).await?;
            if answer.status.as_u16() == 404 {
                continue;
            }
            let Some(body) = self.judge(op, Method::GET, &path, &answer)? else {
                return Ok(read);
            };
            if let Some(record) = body.get("data").and_then(Value::as_object)
                && record.get("id").and_then(Value::as_str) == Some(id)
            {
                self.recording.put(kind, record.clone());
                read += 1;
            }
        }
        Ok(read)
    }

    /// Reads the records other records name that no list showed, until none is missing
    /// (or the API cannot read them).
    async fn references(&mut self) -> Result<(), RecordError> {
        let mut asked: Vec<(Kind, String)> = Vec::new();
        let mut found = 0;
        loop {
            let missing: Vec<(Kind, String)> = self
                .recording
                .missing_references()
                .into_iter()
                .filter(|m| !asked.contains(m))
                .collect();
            if missing.is_empty() {
                break;
            }
            for (kind, id) in missing {
                if let Some((op, _)) = detail_rows().find(|(_, k)| *k == kind) {
                    found += self.details(op, kind, std::slice::from_ref(&id)).await?;
                }
                asked.push((kind, id));
            }
        }
        if !asked.is_empty() {
            (self.progress)(&format!(
                "references: {found} of {} records named by others read one by one",
                asked.len()
            ));
        }
        Ok(())
    }

    /// The body of a success; `None` (with a warning) for a 4xx of an inferred row; an
    /// error naming the route and status otherwise.
    fn judge(
        &self,
        op: &Operation,
        method: Method,
        path: &str,
        answer: &Reply,
    ) -> Result<Option<Value>, RecordError> {
        let status = answer.status;
        if status.is_success() {
            return Ok(Some(answer.json().unwrap_or(Value::Null)));
        }
        if op.source == Source::Inferred && status.is_client_error() {
            (self.progress)(&format!(
                "{}: {method} {path} answered {}; the reference only infers this route, so it is skipped",
                op.name,
                status.as_u16()
            ));
            return Ok(None);
        }
        Err(RecordError::refused(op.name, method, path, answer))
    }
}

/// `id` made safe for a path segment.
fn encode(id: &str) -> String {
    percent_encoding::utf8_percent_encode(id, percent_encoding::NON_ALPHANUMERIC)
        .to_string()
        .replace("%2D", "-")
        .replace("%5F", "_")
        .replace("%2E", ".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plan_comes_from_the_rows() {
        let named = |name: &str| OPERATIONS.iter().find(|op| op.name == name);
        let of = |name: &str| named(name).and_then(param_kind);
        assert_eq!(of("agents.executions"), Some(Kind::Agent));
        assert_eq!(of("agents.of_product"), Some(Kind::Product));
        assert_eq!(of("workflow.status"), Some(Kind::Execution));
        let details: Vec<&str> = detail_rows().map(|(op, _)| op.name).collect();
        assert!(details.contains(&"agents.get") && details.contains(&"tokens.get"));
        assert!(
            !details.contains(&"workflow.status"),
            "progress is built, not stored"
        );
        let triggers = named("triggers.list").expect("row");
        assert_eq!(all_filters(triggers), "type=all&");
        assert_eq!(encode("a b/c-d_e.f"), "a%20b%2Fc-d_e.f");
    }
}
