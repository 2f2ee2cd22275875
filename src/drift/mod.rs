//! `prodgy-mock drift`: where does the mock differ from a real instance?
//!
//! - [`live`]: the same safe operations called on an upstream and on an in-process mock
//!   seeded with what was recorded from it (statuses, envelopes, pagination, fields and
//!   JSON types, error shapes; creates, updates and deletes with `--include-writes`).
//! - [`spec`]: a vendor OpenAPI (or Swagger 2) document compared with the mock's own.
//! - [`shape`]: the JSON kinds and fields both compare.
//!
//! Both produce a [`Report`]: the differences, printed as a table and written as JSON for CI,
//! and the operations the reference only infers, listed as unverified until the upstream
//! confirms them. Exit codes: 0 nothing differs, 1 drift, 2 usage (or nothing to compare
//! with).

pub mod live;
pub mod shape;
pub mod spec;
pub mod writes;

use std::fmt::Write as _;
use std::path::PathBuf;

use serde::Serialize;

use crate::routes::{OPERATIONS, Operation, Source};

/// What a difference is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    /// An operation exists on one side only.
    Operation,
    /// The status answered.
    Status,
    /// The envelope's top-level keys.
    Envelope,
    /// The `pagination` object of a list.
    Pagination,
    /// A field present on one side only.
    Field,
    /// A field's JSON type.
    Type,
    /// The answer to an unknown id or a missing token.
    Error,
    /// A query parameter.
    Parameter,
    /// A field of the request body.
    Request,
}

impl std::fmt::Display for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Check::Operation => "operation",
            Check::Status => "status",
            Check::Envelope => "envelope",
            Check::Pagination => "pagination",
            Check::Field => "field",
            Check::Type => "type",
            Check::Error => "error shape",
            Check::Parameter => "parameter",
            Check::Request => "request body",
        })
    }
}

/// One difference between the upstream and the mock.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Difference {
    /// The operation: its row name, or `METHOD /path` when the mock has no row for it.
    pub operation: String,
    /// What differs.
    pub check: Check,
    /// Where: a field path (`data[].color`), a key, a parameter, or the case
    /// (`unknown id`).
    #[serde(rename = "where")]
    pub location: String,
    /// What the upstream shows (`(absent)` when it lacks it).
    pub upstream: String,
    /// What the mock shows.
    pub mock: String,
}

/// An operation named in a report, without a difference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Named {
    /// The row name.
    pub operation: String,
    /// Its method.
    pub method: String,
    /// Its path pattern.
    pub path: String,
    /// Why it is listed (for skipped operations).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Named {
    /// `op`, with an optional reason.
    pub fn of(op: &Operation, reason: Option<String>) -> Self {
        Self {
            operation: op.name.to_owned(),
            method: op.method.as_str().to_owned(),
            path: op.path.to_owned(),
            reason,
        }
    }
}

/// The outcome of a drift run.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// `live` or `spec`.
    pub mode: &'static str,
    /// The upstream URL, or the spec file.
    pub upstream: String,
    /// Operations compared.
    pub compared: usize,
    /// Requests sent (live mode; to both sides).
    pub calls: u64,
    /// What differs, sorted.
    pub differences: Vec<Difference>,
    /// Operations not compared, with why.
    pub skipped: Vec<Named>,
    /// Operations the reference only infers that this upstream confirmed.
    pub confirmed: Vec<Named>,
    /// Operations the reference only infers that this upstream did not confirm.
    pub unverified: Vec<Named>,
}

impl Report {
    /// An empty report of `mode` against `upstream`.
    pub fn new(mode: &'static str, upstream: String) -> Self {
        Self {
            mode,
            upstream,
            compared: 0,
            calls: 0,
            differences: Vec::new(),
            skipped: Vec::new(),
            confirmed: Vec::new(),
            unverified: Vec::new(),
        }
    }

    /// Records a difference.
    pub fn differ(
        &mut self,
        operation: &str,
        check: Check,
        location: impl Into<String>,
        upstream: impl Into<String>,
        mock: impl Into<String>,
    ) {
        self.differences.push(Difference {
            operation: operation.to_owned(),
            check,
            location: location.into(),
            upstream: upstream.into(),
            mock: mock.into(),
        });
    }

    /// Sorts the lists and splits the inferred operations into confirmed (named in
    /// `confirmed`) and unverified.
    pub fn finish(&mut self, confirmed: &[&str]) {
        self.differences.sort();
        self.differences.dedup();
        for op in OPERATIONS.iter().filter(|op| op.source == Source::Inferred) {
            let named = Named::of(op, None);
            match confirmed.contains(&op.name) {
                true => self.confirmed.push(named),
                false => self.unverified.push(named),
            }
        }
    }

    /// The exit code: 0 when nothing differs, 1 on drift.
    pub fn exit_code(&self) -> u8 {
        u8::from(!self.differences.is_empty())
    }

    /// The report as a readable table.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "drift ({}): {} against prodgy-mock {}",
            self.mode,
            self.upstream,
            env!("CARGO_PKG_VERSION")
        );
        if !self.differences.is_empty() {
            let header = ["OPERATION", "CHECK", "WHERE", "UPSTREAM", "MOCK"];
            let rows: Vec<[String; 5]> = self
                .differences
                .iter()
                .map(|d| {
                    [
                        d.operation.clone(),
                        d.check.to_string(),
                        d.location.clone(),
                        d.upstream.clone(),
                        d.mock.clone(),
                    ]
                })
                .collect();
            let widths: Vec<usize> = (0..5)
                .map(|i| {
                    rows.iter()
                        .map(|r| r[i].chars().count())
                        .chain([header[i].len()])
                        .max()
                        .unwrap_or(0)
                })
                .collect();
            let line = |cells: [&str; 5]| {
                let mut text = String::new();
                for (i, cell) in cells.iter().enumerate() {
                    let pad = widths[i].saturating_sub(cell.chars().count());
                    text.push_str(cell);
                    if i < 4 {
                        text.push_str(&" ".repeat(pad + 2));
                    }
                }
                text.trim_end().to_owned()
            };
            let _ = writeln!(out, "{}", line(header));
            for row in &rows {
                let cells = [&*row[0], &*row[1], &*row[2], &*row[3], &*row[4]];
                let _ = writeln!(out, "{}", line(cells));
            }
        }
        let calls = match self.mode {
            "live" => format!(" ({} requests)", self.calls),
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "{} in {} operations compared{calls}.",
            match self.differences.len() {
                0 => "no differences".to_owned(),
                1 => "1 difference".to_owned(),
                n => format!("{n} differences"),
            },
            self.compared
        );
        for skipped in &self.skipped {
            let reason = skipped.reason.as_deref().unwrap_or_default();
            let _ = writeln!(out, "skipped {}: {reason}", skipped.operation);
        }
        let names = |list: &[Named]| {
            list.iter()
                .map(|n| n.operation.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        if !self.confirmed.is_empty() {
            let _ = writeln!(
                out,
                "confirmed (inferred by the reference, answered by this upstream): {}",
                names(&self.confirmed)
            );
        }
        if !self.unverified.is_empty() {
            let _ = writeln!(
                out,
                "unverified (inferred by the reference, not confirmed here): {}",
                names(&self.unverified)
            );
        }
        out
    }

    /// The report as pretty JSON.
    pub fn json(&self) -> String {
        // A struct of strings and numbers always serializes.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

/// Why drift could not compare anything (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum DriftError {
    /// Flags that do not go together, or a missing one.
    #[error("invalid configuration: {0}")]
    Usage(String),
    /// The spec file cannot be read or is not an OpenAPI document.
    #[error("--spec {}: {why}", path.display())]
    Spec {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        why: String,
    },
    /// The upstream could not be read (unreachable, credentials refused, …).
    #[error("cannot read the upstream: {0}")]
    Upstream(#[from] crate::record::RecordError),
    /// The in-process mock did not start.
    #[error("cannot start the in-process mock: {0}")]
    Mock(#[from] crate::error::StartError),
    /// The JSON report cannot be written.
    #[error("--json {}: {source}", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

impl DriftError {
    /// Every drift error is exit 2: nothing could be compared.
    pub fn exit_code(&self) -> u8 {
        2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_aligns_its_columns_and_counts() {
        let mut report = Report::new("spec", "vendor.json".into());
        report.compared = 3;
        report.differ(
            "agents.get",
            Check::Type,
            "data.is_active",
            "string",
            "boolean",
        );
        report.differ(
            "GET /api/assistants",
            Check::Operation,
            "",
            "present",
            "(absent)",
        );
        report.finish(&["tokens.get"]);
        let table = report.table();
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(
            lines[1],
            "OPERATION            CHECK      WHERE           UPSTREAM  MOCK"
        );
        assert_eq!(
            lines[2],
            "GET /api/assistants  operation                  present   (absent)"
        );
        assert!(lines[4].starts_with("2 differences in 3 operations compared."));
        assert!(report.confirmed.iter().any(|n| n.operation == "tokens.get"));
        assert!(
            !report
                .unverified
                .iter()
                .any(|n| n.operation == "tokens.get")
        );
        assert_eq!(report.exit_code(), 1);
    }
}
