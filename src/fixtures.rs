//! Fixture loading and validation: the seed every namespace starts from.
//!
//! A fixture set is one JSON array per resource kind (`products.json`, `agents.json`, …). The
//! shipped set is compiled into the binary; `--fixtures DIR` replaces it. Loading is
//! all-or-nothing: every file is parsed and every record checked (types, required fields,
//! duplicate ids, references between kinds) before a set exists, and every error names the
//! file, line and column.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;

use crate::error::{FixtureError, Location};
use crate::store::kind::conform;
use crate::store::{Id, Kind, Record, record_id};

/// The shipped fixture files, compiled in.
const BUILTIN: [(Kind, &str); 9] = [
    (Kind::Product, include_str!("../fixtures/products.json")),
    (Kind::Catalog, include_str!("../fixtures/catalog.json")),
    (Kind::Token, include_str!("../fixtures/tokens.json")),
    (Kind::Agent, include_str!("../fixtures/agents.json")),
    (Kind::Execution, include_str!("../fixtures/executions.json")),
    (
        Kind::Integration,
        include_str!("../fixtures/integrations.json"),
    ),
    (Kind::Trigger, include_str!("../fixtures/triggers.json")),
    (Kind::Workflow, include_str!("../fixtures/workflows.json")),
    (Kind::Document, include_str!("../fixtures/documents.json")),
];

/// A validated set of seed records, one list per kind, in file order.
#[derive(Debug, Clone, Default)]
pub struct FixtureSet {
    records: Vec<Vec<Record>>,
    /// Where the set came from, for logs and health output.
    pub origin: String,
}

impl FixtureSet {
    /// The shipped defaults.
    pub fn builtin() -> Result<Self, FixtureError> {
        let sources = BUILTIN.iter().map(|(kind, text)| {
            let path = PathBuf::from("fixtures").join(kind.file_name());
            (*kind, path, Some((*text).to_owned()))
        });
        Self::from_sources(sources.collect(), "built-in fixtures".into())
    }

    /// The fixture set in `dir`. A missing file means no records of that kind.
    pub fn load_dir(dir: &Path) -> Result<Self, FixtureError> {
        let meta = std::fs::metadata(dir).map_err(|source| FixtureError::Unreadable {
            path: dir.to_owned(),
            source,
        })?;
        if !meta.is_dir() {
            let source = std::io::Error::new(std::io::ErrorKind::NotADirectory, "not a directory");
            return Err(FixtureError::Unreadable {
                path: dir.to_owned(),
                source,
            });
        }
        let mut sources = Vec::new();
        for kind in Kind::ALL {
            let path = dir.join(kind.file_name());
            let text = match std::fs::read_to_string(&path) {
                Ok(text) => Some(text),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                Err(source) => return Err(FixtureError::Unreadable { path, source }),
            };
            sources.push((kind, path, text));
        }
        Self::from_sources(sources, dir.display().to_string())
    }

    fn from_sources(
        sources: Vec<(Kind, PathBuf, Option<String>)>,
        origin: String,
    ) -> Result<Self, FixtureError> {
        let mut set = FixtureSet {
            records: vec![Vec::new(); Kind::ALL.len()],
            origin,
        };
        let mut located = Vec::new();
        for (kind, path, text) in sources {
            let Some(text) = text else { continue };
            let records = parse_file(kind, &path, &text)?;
            let mut seen = HashSet::new();
            let mut unique_values = HashSet::new();
            for (record, at) in records {
                if !seen.insert(record_id(&record).to_owned()) {
                    let message =
                        format!("duplicate {} id '{}'", kind.singular(), record_id(&record));
                    return Err(FixtureError::InvalidRecord { at, message });
                }
                let field = kind.unique_field();
                let value = field.and_then(|f| record.get(f)).and_then(Value::as_str);
                if let (Some(field), Some(value)) = (field, value) {
                    if !unique_values.insert(value.to_owned()) {
                        let message = format!(
                            "{} '{}': field '{field}' value '{value}' is already used by another record",
                            kind.singular(),
                            record_id(&record)
                        );
                        return Err(FixtureError::InvalidRecord { at, message });
                    }
                }
                located.push((kind, at));
                set.records[kind.index()].push(record);
            }
        }
        set.check_references(&located)?;
        Ok(set)
    }

    /// The seed records of `kind`.
    pub fn records(&self, kind: Kind) -> &[Record] {
        &self.records[kind.index()]
    }

    /// The product unknown lenient tokens are bound to: the one marked `"default": true`,
    /// else the first.
    pub fn default_product(&self) -> Option<Id> {
        let products = self.records(Kind::Product);
        let marked = products
            .iter()
            .find(|p| p.get("default").and_then(Value::as_bool) == Some(true));
        marked.or(products.first()).map(|p| Arc::from(record_id(p)))
    }

    fn check_references(&self, located: &[(Kind, Location)]) -> Result<(), FixtureError> {
        let ids: Vec<HashSet<&str>> = self
            .records
            .iter()
            .map(|rs| rs.iter().map(record_id).collect())
            .collect();
        let mut positions = located.iter();
        for kind in Kind::ALL {
            for record in self.records(kind) {
                let at = positions
                    .next()
                    .filter(|(k, _)| *k == kind)
                    .map(|(_, at)| at.clone());
                for (field, target) in kind.references() {
                    let Some(id) = record.get(*field).and_then(Value::as_str) else {
                        continue;
                    };
                    if !ids[target.index()].contains(id) {
                        let message = format!(
                            "{} '{}': field '{field}' names {} '{id}', which does not exist in {}",
                            kind.singular(),
                            record_id(record),
                            target.singular(),
                            target.file_name()
                        );
                        let at = at.unwrap_or_else(|| Location {
                            path: kind.file_name().into(),
                            line: 1,
                            column: 1,
                        });
                        return Err(FixtureError::InvalidRecord { at, message });
                    }
                }
            }
        }
        Ok(())
    }
}

/// Parses one fixture file into conformed records with their positions.
fn parse_file(
    kind: Kind,
    path: &Path,
    text: &str,
) -> Result<Vec<(Record, Location)>, FixtureError> {
    let value: Value = serde_json::from_str(text).map_err(|e| FixtureError::InvalidJson {
        at: Location {
            path: path.to_owned(),
            line: e.line(),
            column: e.column(),
        },
        message: e
            .to_string()
            .split(" at line")
            .next()
            .unwrap_or_default()
            .to_owned(),
    })?;
    let at = |offset: usize| locate(path, text, offset);
    let Value::Array(items) = value else {
        let message = format!("expected a JSON array of {} records", kind.singular());
        return Err(FixtureError::InvalidRecord {
            at: at(first_token(text)),
            message,
        });
    };
    let offsets = element_offsets(text);
    let mut records = Vec::with_capacity(items.len());
    for (n, item) in items.into_iter().enumerate() {
        let here = at(offsets.get(n).copied().unwrap_or(0));
        let Value::Object(mut record) = item else {
            let message = format!("record #{} must be a JSON object", n + 1);
            return Err(FixtureError::InvalidRecord { at: here, message });
        };
        if let Err(problem) = conform(kind, &mut record) {
            let name = record
                .get("id")
                .and_then(Value::as_str)
                .map(|id| format!(" '{id}'"))
                .unwrap_or_default();
            let message = format!("{}{name} (record #{}): {problem}", kind.singular(), n + 1);
            return Err(FixtureError::InvalidRecord { at: here, message });
        }
        records.push((record, here));
    }
    Ok(records)
}

fn first_token(text: &str) -> usize {
    text.find(|c: char| !c.is_whitespace()).unwrap_or(0)
}

/// Byte offsets where each element of the top-level array starts. `text` is valid JSON.
fn element_offsets(text: &str) -> Vec<usize> {
    let mut offsets = Vec::new();
    let (mut depth, mut in_string, mut escaped, mut expect_element) = (0usize, false, false, false);
    for (i, b) in text.bytes().enumerate() {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        if expect_element && !b.is_ascii_whitespace() && b != b']' {
            offsets.push(i);
            expect_element = false;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                expect_element = depth == 1 && b == b'[';
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            b',' if depth == 1 => expect_element = true,
            _ => {}
        }
    }
    offsets
}

/// The 1-based line and column of byte `offset` in `text`.
fn locate(path: &Path, text: &str, offset: usize) -> Location {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    Location {
        path: path.to_owned(),
        line,
        column,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_fixtures_are_valid() {
        let set = FixtureSet::builtin().expect("shipped fixtures load");
        assert!(set.records(Kind::Product).len() >= 2);
        assert!(set.default_product().is_some());
    }

    #[test]
    fn element_offsets_skip_strings_and_nesting() {
        let text = "[\n  {\"a\": \"],{\"},\n  {\"b\": [1, {\"c\": 2}]}\n]";
        let offsets = element_offsets(text);
        assert_eq!(offsets.len(), 2);
        assert_eq!(&text[offsets[1]..offsets[1] + 4], "{\"b\"");
    }

    #[test]
    fn a_missing_field_points_at_the_record() {
        let text = "[\n  {\"id\": \"p1\", \"name\": \"A\"},\n  {\"id\": \"p2\"}\n]";
        let err =
            parse_file(Kind::Product, Path::new("products.json"), text).expect_err("missing name");
        assert_eq!(
            err.to_string(),
            "products.json:3:3: product 'p2' (record #2): missing required field 'name'"
        );
    }
}
