//! Fixture loading and validation: the seed every namespace starts from.
//!
//! A fixture set is one JSON array per resource kind (`products.json`, `agents.json`, …). The
//! shipped set is compiled into the binary; `--fixtures DIR` replaces it. Loading is
//! all-or-nothing: every file is parsed and every record checked (types, required fields,
//! duplicate ids, references between kinds, the consistency a real workspace has: see
//! `fixtures/consistency.rs`) before a set exists, and every error names the file, line and column.

mod consistency;
mod cron;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;

use consistency::Facts;

use crate::error::{FixtureError, Location};
use crate::schema::conform;
use crate::store::{Kind, Seed, SeedRecord};

/// A record as read: validated, where it is, and what the checks across records need of it.
type Loaded = (SeedRecord, Location, Facts);

/// The shipped fixture files, compiled in.
const BUILTIN: [(Kind, &str); 10] = [
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
    (
        Kind::IntegrationTemplate,
        include_str!("../fixtures/integration_templates.json"),
    ),
];

/// A validated set of seed records, one list per kind, in file order.
#[derive(Debug, Clone, Default)]
pub struct FixtureSet {
    records: Vec<Vec<SeedRecord>>,
    locations: Vec<Vec<Location>>,
    /// Read while parsing for [`consistency::check_set`], dropped once it passed.
    facts: Vec<Vec<Facts>>,
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

    /// The fixture set at `path`: a directory of per-kind files, or one JSON file holding
    /// an object keyed by kind (`{"products": [...], "agents": [...]}`), the format
    /// `GET /__admin/state` exports.
    pub fn load(path: &Path) -> Result<Self, FixtureError> {
        if path.is_file() {
            Self::load_file(path)
        } else {
            Self::load_dir(path)
        }
    }

    /// The fixture set in one exported file.
    pub fn load_file(path: &Path) -> Result<Self, FixtureError> {
        let unreadable = |source| FixtureError::Unreadable {
            path: path.to_owned(),
            source,
        };
        let text = std::fs::read_to_string(path).map_err(unreadable)?;
        Self::from_export(path, &text)
    }

    /// Parses fixture files held in memory, as if they were the per-kind files of a
    /// directory: each `(kind, text)` is that kind's JSON array (used by the fuzz targets).
    pub fn from_texts(texts: &[(Kind, &str)]) -> Result<Self, FixtureError> {
        let sources = texts.iter().map(|(kind, text)| {
            let path = PathBuf::from("<memory>").join(kind.file_name());
            (*kind, path, Some((*text).to_owned()))
        });
        Self::from_sources(sources.collect(), "in-memory fixtures".into())
    }

    /// Parses an exported state held in memory (the `GET /__admin/state` format: the whole
    /// answer as `curl` saves it, `{"success": true, "message": …, "data": {…}}`, or its
    /// `data` alone); `path` only names it in errors.
    pub fn from_export(path: &Path, text: &str) -> Result<Self, FixtureError> {
        let sections = match serde_json::from_str::<Sections>(text) {
            Ok(Sections(sections)) => sections,
            Err(e) if e.classify() == serde_json::error::Category::Data && e.line() <= 1 => {
                let message =
                    "expected a JSON object keyed by kind, e.g. {\"products\": [...]}".to_owned();
                let at = locate(path, text, first_token(text));
                return Err(FixtureError::InvalidRecord { at, message });
            }
            Err(_) => {
                parse_json(path, text)?;
                let message =
                    "expected a JSON object keyed by kind, e.g. {\"products\": [...]}".to_owned();
                let at = locate(path, text, first_token(text));
                return Err(FixtureError::InvalidRecord { at, message });
            }
        };
        // Sections sit at depth 2 of a bare export, at depth 3 inside an envelope's `data`.
        let (sections, depth) = match unwrap_envelope(path, text, sections)? {
            Envelope::Bare(sections) => (sections, 2),
            Envelope::Data(sections) => (sections, 3),
        };
        let offsets = element_offsets(text, depth);
        let mut set = FixtureSet::empty(path.display().to_string());
        for (n, (key, value)) in sections.into_iter().enumerate() {
            let at = locate(path, text, first_token(text));
            let Some(kind) = Kind::ALL.into_iter().find(|k| k.plural() == key) else {
                let known: Vec<&str> = Kind::ALL.iter().map(|k| k.plural()).collect();
                let message = format!(
                    "unknown section '{key}' (expected one of {})",
                    known.join(", ")
                );
                return Err(FixtureError::InvalidRecord { at, message });
            };
            let Value::Array(items) = value else {
                let message = format!(
                    "section '{key}' must be an array of {} records",
                    kind.singular()
                );
                return Err(FixtureError::InvalidRecord { at, message });
            };
            let here = offsets.get(n).map(Vec::as_slice).unwrap_or_default();
            set.add(kind, conform_all(kind, path, text, items, here)?)?;
        }
        set.check_across()?;
        Ok(set)
    }

    /// The fixture set in `dir`. A missing file means no records of that kind; a `*.json`
    /// file that is not a fixture file is refused (README, editor and hidden files are not).
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
        check_file_names(dir)?;
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
        let mut set = FixtureSet::empty(origin);
        for (kind, path, text) in sources {
            let Some(text) = text else { continue };
            set.add(kind, parse_file(kind, &path, &text)?)?;
        }
        set.check_across()?;
        Ok(set)
    }

    fn empty(origin: String) -> Self {
        FixtureSet {
            records: vec![Vec::new(); Kind::ALL.len()],
            locations: vec![Vec::new(); Kind::ALL.len()],
            facts: vec![Vec::new(); Kind::ALL.len()],
            origin,
        }
    }

    /// The checks that need the whole set: references, then consistency. The facts the
    /// latter read are dropped afterwards.
    fn check_across(&mut self) -> Result<(), FixtureError> {
        self.check_references()?;
        consistency::check_set(self)?;
        self.facts = vec![Vec::new(); Kind::ALL.len()];
        Ok(())
    }

    /// Adds `kind`'s records, refusing duplicate ids and duplicate unique values.
    fn add(&mut self, kind: Kind, records: Vec<Loaded>) -> Result<(), FixtureError> {
        let mut seen = HashSet::new();
        let mut unique_values = HashSet::new();
        for (record, at, facts) in records {
            if !seen.insert(record.id().to_owned()) {
                let message = format!("duplicate {} id '{}'", kind.singular(), record.id());
                return Err(FixtureError::InvalidRecord { at, message });
            }
            let field = kind.unique_field();
            if let (Some(field), Some(value)) = (field, field.and_then(|f| record.text(f)))
                && !unique_values.insert(value.to_owned())
            {
                let message = format!(
                    "{} '{}': field '{field}' value '{value}' is already used by another record",
                    kind.singular(),
                    record.id()
                );
                return Err(FixtureError::InvalidRecord { at, message });
            }
            self.records[kind.index()].push(record);
            self.locations[kind.index()].push(at);
            self.facts[kind.index()].push(facts);
        }
        Ok(())
    }

    /// The validated records, for the store.
    pub fn into_seed(self) -> Seed {
        Seed::new(self.records, self.origin)
    }

    /// The seed records of `kind`.
    pub fn records(&self, kind: Kind) -> &[SeedRecord] {
        &self.records[kind.index()]
    }

    fn check_references(&self) -> Result<(), FixtureError> {
        let ids: Vec<HashSet<&str>> = self
            .records
            .iter()
            .map(|rs| rs.iter().map(SeedRecord::id).collect())
            .collect();
        for kind in Kind::ALL {
            let located = self.records(kind).iter().zip(&self.locations[kind.index()]);
            for (record, at) in located {
                for (field, target) in kind.references() {
                    let Some(id) = record.text(field) else {
                        continue;
                    };
                    if !ids[target.index()].contains(id) {
                        let message = format!(
                            "{} '{}': field '{field}' names {} '{id}', which does not exist in {}",
                            kind.singular(),
                            record.id(),
                            target.singular(),
                            target.file_name()
                        );
                        return Err(FixtureError::InvalidRecord {
                            at: at.clone(),
                            message,
                        });
                    }
                }
            }
        }
        Ok(())
    }
}

/// Refuses a `*.json` file in `dir` whose name is not a fixture file: a typo (`agent.json`)
/// must not start a server silently missing those records. Everything else is ignored, so
/// a README, `.gitkeep`, editor swap and backup files (`.agents.json.swp`, `agents.json~`,
/// vim's `4913` probe) and hidden files (Emacs's `.#agents.json` lock) never fail a start
/// or a reload. With several unknown files, the first by name is reported.
fn check_file_names(dir: &Path) -> Result<(), FixtureError> {
    let unreadable = |source| FixtureError::Unreadable {
        path: dir.to_owned(),
        source,
    };
    let mut unknown: Vec<PathBuf> = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(unreadable)? {
        let path = entry.map_err(unreadable)?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let json = Path::new(name)
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"));
        let known = Kind::ALL.iter().any(|k| k.file_name() == name);
        if json && !known && !name.starts_with('.') && !path.is_dir() {
            unknown.push(path);
        }
    }
    unknown.sort();
    match unknown.into_iter().next() {
        None => Ok(()),
        Some(path) => {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            let suggestion = closest_file_name(name);
            let known: Vec<&str> = Kind::ALL.iter().map(|k| k.file_name()).collect();
            Err(FixtureError::UnknownFile {
                path,
                suggestion,
                known: known.join(", "),
            })
        }
    }
}

/// The fixture file name closest to `name` (by edit distance, ignoring case), when it is
/// close enough to be a typo: at most a third of the longer name, and at least 2 edits.
fn closest_file_name(name: &str) -> Option<&'static str> {
    let name = name.to_ascii_lowercase();
    Kind::ALL
        .iter()
        .map(|k| (edit_distance(&name, k.file_name()), k.file_name()))
        .filter(|(distance, known)| *distance <= (name.len().max(known.len()) / 3).max(2))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, known)| known)
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous[j] + usize::from(ca != *cb);
            current.push(substitute.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

/// Parses one fixture file into conformed records with their positions, one element at a
/// time: a large file never exists as one parsed tree.
fn parse_file(kind: Kind, path: &Path, text: &str) -> Result<Vec<Loaded>, FixtureError> {
    let offsets = element_offsets(text, 1)
        .into_iter()
        .next()
        .unwrap_or_default();
    let mut locator = Locator::new(path, text);
    let mut records = Vec::with_capacity(offsets.len());
    let mut failure = None;
    let mut each = |n: usize, item: Value| -> Result<(), FixtureError> {
        let here = locator.at(offsets.get(n).copied().unwrap_or(0));
        records.push(conform_one(kind, n, item, here)?);
        Ok(())
    };
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let visitor = Elements {
        each: &mut each,
        failure: &mut failure,
    };
    let parsed = serde::Deserializer::deserialize_seq(&mut deserializer, visitor)
        .and_then(|()| deserializer.end());
    if let Some(failure) = failure {
        return Err(failure);
    }
    match parsed {
        Ok(()) => Ok(records),
        Err(e) if e.classify() == serde_json::error::Category::Data => {
            let message = format!("expected a JSON array of {} records", kind.singular());
            Err(FixtureError::InvalidRecord {
                at: locate(path, text, first_token(text)),
                message,
            })
        }
        Err(e) => Err(json_error(path, &e)),
    }
}

/// Hands each element of a JSON array to `each`; the first error it returns stops parsing
/// and is kept in `failure`.
struct Elements<'a, F> {
    each: &'a mut F,
    failure: &'a mut Option<FixtureError>,
}

impl<'de, F: FnMut(usize, Value) -> Result<(), FixtureError>> serde::de::Visitor<'de>
    for Elements<'_, F>
{
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON array of records")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut n = 0;
        while let Some(item) = seq.next_element::<Value>()? {
            if let Err(failure) = (self.each)(n, item) {
                *self.failure = Some(failure);
                return Err(serde::de::Error::custom("invalid record"));
            }
            n += 1;
        }
        Ok(())
    }
}

/// The sections of an exported state, in document order (record positions are matched to
/// sections by that order).
struct Sections(Vec<(String, Value)>);

impl<'de> serde::Deserialize<'de> for Sections {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Sections;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object keyed by kind")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Sections, A::Error> {
                let mut sections = Vec::new();
                while let Some(entry) = map.next_entry::<String, Value>()? {
                    sections.push(entry);
                }
                Ok(Sections(sections))
            }
        }
        deserializer.deserialize_map(Visit)
    }
}

/// The top-level object of an export file: the sections themselves, or the success
/// envelope `GET /__admin/state` answers with (then its `data` holds them).
enum Envelope {
    Bare(Vec<(String, Value)>),
    Data(Vec<(String, Value)>),
}

/// Recognizes the envelope by its `success` key (never a kind name) and takes out `data`.
fn unwrap_envelope(
    path: &Path,
    text: &str,
    sections: Vec<(String, Value)>,
) -> Result<Envelope, FixtureError> {
    if !sections.iter().any(|(key, _)| key == "success") {
        return Ok(Envelope::Bare(sections));
    }
    let field = |name: &str| sections.iter().find(|(key, _)| key == name).map(|(_, v)| v);
    let at = || locate(path, text, first_token(text));
    if field("success") != Some(&Value::Bool(true)) {
        let said = field("message").and_then(Value::as_str).unwrap_or_default();
        let message = format!(
            "this is an error answer, not a state export (its message: '{said}'); save the answer of GET /__admin/state"
        );
        return Err(FixtureError::InvalidRecord { at: at(), message });
    }
    let data = sections.into_iter().find(|(key, _)| key == "data");
    match data {
        Some((_, Value::Object(data))) => Ok(Envelope::Data(data.into_iter().collect())),
        _ => {
            let message =
                "the envelope's 'data' must be an object keyed by kind, e.g. {\"products\": [...]}"
                    .to_owned();
            Err(FixtureError::InvalidRecord { at: at(), message })
        }
    }
}

/// Parses `text` as JSON, naming the position of a syntax error.
fn parse_json(path: &Path, text: &str) -> Result<Value, FixtureError> {
    serde_json::from_str(text).map_err(|e| json_error(path, &e))
}

/// A JSON syntax error at its position.
fn json_error(path: &Path, e: &serde_json::Error) -> FixtureError {
    let message = e.to_string();
    let message = message
        .split(" at line")
        .next()
        .unwrap_or_default()
        .to_owned();
    let at = Location {
        path: Arc::from(path),
        line: e.line(),
        column: e.column(),
    };
    FixtureError::InvalidJson { at, message }
}

/// Conforms each record of `items`; `offsets` are where they start in `text`.
fn conform_all(
    kind: Kind,
    path: &Path,
    text: &str,
    items: Vec<Value>,
    offsets: &[usize],
) -> Result<Vec<Loaded>, FixtureError> {
    let mut locator = Locator::new(path, text);
    let mut records = Vec::with_capacity(items.len());
    for (n, item) in items.into_iter().enumerate() {
        let here = locator.at(offsets.get(n).copied().unwrap_or(0));
        records.push(conform_one(kind, n, item, here)?);
    }
    Ok(records)
}

/// Checks record number `n` (from 0) found at `here` and keeps it compact.
fn conform_one(kind: Kind, n: usize, item: Value, here: Location) -> Result<Loaded, FixtureError> {
    let Value::Object(mut record) = item else {
        let message = format!("record #{} must be a JSON object", n + 1);
        return Err(FixtureError::InvalidRecord { at: here, message });
    };
    let facts = Facts::of(kind, &record);
    let checked =
        conform(kind, &mut record).and_then(|()| consistency::check_record(kind, &record, &facts));
    if let Err(problem) = checked {
        let name = record
            .get("id")
            .and_then(Value::as_str)
            .map(|id| format!(" '{id}'"))
            .unwrap_or_default();
        let message = format!("{}{name} (record #{}): {problem}", kind.singular(), n + 1);
        return Err(FixtureError::InvalidRecord { at: here, message });
    }
    Ok((SeedRecord::new(kind, &record), here, facts))
}

fn first_token(text: &str) -> usize {
    text.find(|c: char| !c.is_whitespace()).unwrap_or(0)
}

/// Byte offsets where each element starts, for every array opened at nesting `depth`
/// (1 = the top-level array; 2 = arrays inside the top-level object), in document order.
/// `text` is valid JSON.
fn element_offsets(text: &str, depth: usize) -> Vec<Vec<usize>> {
    let mut arrays: Vec<Vec<usize>> = Vec::new();
    let mut stack: Vec<u8> = Vec::new();
    let (mut in_string, mut escaped, mut expect_element) = (false, false, false);
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
            if let Some(current) = arrays.last_mut() {
                current.push(i);
            }
            expect_element = false;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                stack.push(b);
                if b == b'[' && stack.len() == depth {
                    arrays.push(Vec::new());
                    expect_element = true;
                }
            }
            b']' | b'}' => {
                stack.pop();
            }
            b',' if stack.len() == depth && stack.last() == Some(&b'[') => expect_element = true,
            _ => {}
        }
    }
    arrays
}

/// The 1-based line and column of byte `offset` in `text`.
fn locate(path: &Path, text: &str, offset: usize) -> Location {
    Locator::new(path, text).at(offset)
}

/// Turns byte offsets into line and column in one forward pass, so locating every record
/// of a large file is linear (each record scanning from the start was quadratic: 11 s to
/// load 20k agents).
struct Locator<'a> {
    path: Arc<Path>,
    text: &'a str,
    offset: usize,
    line: usize,
    column: usize,
}

impl<'a> Locator<'a> {
    fn new(path: &Path, text: &'a str) -> Self {
        Self {
            path: Arc::from(path),
            text,
            offset: 0,
            line: 1,
            column: 1,
        }
    }

    /// The location of byte `offset`; offsets are usually increasing (a smaller one
    /// rescans from the start).
    fn at(&mut self, offset: usize) -> Location {
        let offset = offset.min(self.text.len());
        if offset < self.offset {
            (self.offset, self.line, self.column) = (0, 1, 1);
        }
        for b in self.text.as_bytes()[self.offset..offset].iter().copied() {
            if b == b'\n' {
                self.line += 1;
                self.column = 1;
            } else if b & 0xC0 != 0x80 {
                self.column += 1;
            }
        }
        self.offset = offset;
        Location {
            path: Arc::clone(&self.path),
            line: self.line,
            column: self.column,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_fixtures_are_valid() {
        let set = FixtureSet::builtin().expect("shipped fixtures load");
        assert!(set.records(Kind::Product).len() >= 2);
        assert!(set.into_seed().default_product().is_some());
    }

    #[test]
    fn element_offsets_skip_strings_and_nesting() {
        let text = "[\n  {\"a\": \"],{\"},\n  {\"b\": [1, {\"c\": 2}]}\n]";
        let offsets = &element_offsets(text, 1)[0];
        assert_eq!(offsets.len(), 2);
        assert_eq!(&text[offsets[1]..offsets[1] + 4], "{\"b\"");
    }

    #[test]
    fn the_locator_counts_lines_and_characters_not_bytes() {
        let text = "[\n  {\"é\": 1}, {\"b\": 2}\n]";
        let mut locator = Locator::new(Path::new("x.json"), text);
        let first = locator.at(text.find('{').expect("brace"));
        assert_eq!((first.line, first.column), (2, 3));
        let second = locator.at(text.rfind('{').expect("brace"));
        assert_eq!((second.line, second.column), (2, 13));
        let back = locator.at(0);
        assert_eq!((back.line, back.column), (1, 1));
    }

    #[test]
    fn an_enveloped_export_loads_and_its_errors_point_into_data() {
        let good = "{\"success\": true, \"message\": \"ok\", \"data\": {\"products\": [{\"id\": \"p1\", \"name\": \"A\"}]}}";
        let set = FixtureSet::from_export(Path::new("state.json"), good).expect("loads");
        assert_eq!(set.records(Kind::Product)[0].id(), "p1");
        let bad = "{\n  \"success\": true,\n  \"data\": {\n    \"products\": [\n      {\"id\": \"p1\", \"tags\": [1]},\n      {\"id\": \"p2\"}\n    ]\n  }\n}";
        let err = FixtureSet::from_export(Path::new("state.json"), bad).expect_err("no name");
        assert_eq!(
            err.to_string(),
            "state.json:5:7: product 'p1' (record #1): missing required field 'name'"
        );
    }

    #[test]
    fn an_error_envelope_is_not_a_state_export() {
        let text = "{\"success\": false, \"error\": \"Not Found\", \"message\": \"nope\"}";
        let err = FixtureSet::from_export(Path::new("state.json"), text).expect_err("refused");
        assert!(
            err.to_string()
                .starts_with("state.json:1:1: this is an error answer, not a state export"),
            "{err}"
        );
    }

    #[test]
    fn typos_of_fixture_file_names_find_the_intended_one() {
        assert_eq!(closest_file_name("agent.json"), Some("agents.json"));
        assert_eq!(closest_file_name("Agents.JSON"), Some("agents.json"));
        assert_eq!(closest_file_name("catalogs.json"), Some("catalog.json"));
        assert_eq!(closest_file_name("workflow.json"), Some("workflows.json"));
        assert_eq!(
            closest_file_name("integration.json"),
            Some("integrations.json")
        );
        assert_eq!(closest_file_name("knowledge.json"), None);
        assert_eq!(closest_file_name("scenario.json"), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
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
