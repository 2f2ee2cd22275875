//! A [`Recording`] becomes a fixture directory that `--fixtures` loads unchanged.
//!
//! 1. **Fields the mock knows** must have its types: a record whose value does not fit loses
//!    that field (the mock's default fills it), or is dropped when the field is required,
//!    with a warning each time. Derived fields (`scope`, a token's `prefix` and `is_active`)
//!    are left for the mock to compute; unknown fields are kept as they are.
//! 2. **Secrets**: every token gets a generated secret with the same visible prefix (its
//!    first 8 characters), so answers show the prefix the instance showed; the upstream
//!    secrets given (the token recorded with) are replaced wherever a value holds them.
//! 3. **What the API cannot list** is made up: a product for each `product_id` named
//!    (the recording token's product marked `"default": true`), a catalog agent for each
//!    `agent_id`, named after the agent.
//! 4. **References** that point nowhere become `null` where the field may be null; a
//!    record whose required reference points nowhere is dropped, with a warning.
//! 5. **Checked before written**: the files are loaded as `--fixtures` would load them; a
//!    record the loader refuses (say, an execution longer than its run) is dropped with the
//!    loader's reason, until the set loads. Then the directory is written beside the target
//!    and renamed into place, so a failure never leaves a half-written directory.

use std::path::{Path, PathBuf};

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde_json::{Map, Value, json};

use super::disk::{check_out, commit};
use super::secrets::{TokenSwap, generated_secret, mask_tokens, replace_secrets};
use super::{RecordError, Recording};
use crate::error::FixtureError;
use crate::fixtures::FixtureSet;
use crate::schema::{Kind, Presence, json_type};

/// How a recording is written.
#[derive(Debug, Clone, Default)]
pub struct WriteOptions {
    /// Seed of the generated secrets: the same recording and seed give the same files.
    pub seed: u64,
    /// Upstream secrets (the token recorded with): replaced wherever a value holds one. The
    /// first also tells which token record is the caller's own.
    pub secrets: Vec<String>,
    /// Replace a directory that is not empty.
    pub force: bool,
}

/// What was written.
#[derive(Debug, Clone)]
pub struct Written {
    /// The fixture directory.
    pub dir: PathBuf,
    /// Records written, per kind.
    pub counts: Vec<(Kind, usize)>,
    /// The generated token secrets.
    pub tokens: Vec<TokenSwap>,
    /// What was changed or left out, one line each.
    pub warnings: Vec<String>,
}

/// The fixture files of a recording, checked to load, not yet on disk.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// One JSON array per kind, in [`Kind::ALL`] order.
    pub files: Vec<(Kind, String)>,
    /// Records per kind.
    pub counts: Vec<(Kind, usize)>,
    /// The generated token secrets.
    pub tokens: Vec<TokenSwap>,
    /// What was changed or left out.
    pub warnings: Vec<String>,
}

/// Prepares `recording` and writes it to `out` atomically.
pub fn write(
    recording: Recording,
    out: &Path,
    options: &WriteOptions,
) -> Result<Written, RecordError> {
    check_out(out, options.force)?;
    let prepared = prepare(recording, options)?;
    commit(&prepared, out)?;
    Ok(Written {
        dir: out.to_owned(),
        counts: prepared.counts,
        tokens: prepared.tokens,
        warnings: prepared.warnings,
    })
}

/// Turns `recording` into fixture files that load (steps 1 to 5 of the module docs).
pub fn prepare(mut recording: Recording, options: &WriteOptions) -> Result<Prepared, RecordError> {
    let mut warnings = Vec::new();
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    for kind in Kind::ALL {
        let records = recording.take(kind);
        for record in records {
            if let Some(record) = known_fields(kind, record, &mut warnings) {
                recording.put(kind, record);
            }
        }
    }
    let tokens = mask_tokens(&mut recording, &options.secrets, &mut rng);
    let default_product = tokens
        .iter()
        .find(|t| t.yours)
        .and_then(|t| {
            recording
                .records(Kind::Token)
                .find(|r| r["id"] == json!(t.id))
        })
        .and_then(|r| r.get("product_id")?.as_str().map(str::to_owned));
    make_up_products(&mut recording, default_product.as_deref());
    make_up_catalog(&mut recording);
    let swaps: Vec<(String, String)> = options
        .secrets
        .iter()
        .map(|secret| {
            let yours = tokens.iter().find(|t| t.yours).map(|t| t.secret.clone());
            let masked = yours.unwrap_or_else(|| generated_secret("prodgy_", &mut rng, &[]));
            (secret.clone(), masked)
        })
        .collect();
    replace_secrets(&mut recording, &swaps);
    for _ in 0..=Kind::ALL.iter().map(|k| recording.len(*k)).sum::<usize>() {
        keep_references(&mut recording, &mut warnings);
        let (files, lines) = serialize(&recording);
        let texts: Vec<(Kind, &str)> = files.iter().map(|(k, t)| (*k, t.as_str())).collect();
        match FixtureSet::from_texts(&texts) {
            Ok(_) => {
                let counts = Kind::ALL.iter().map(|k| (*k, recording.len(*k))).collect();
                let tokens = tokens
                    .into_iter()
                    .filter(|t| recording.contains(Kind::Token, &t.id))
                    .collect();
                return Ok(Prepared {
                    files,
                    counts,
                    tokens,
                    warnings,
                });
            }
            Err(error) => drop_refused(&mut recording, &lines, error, &mut warnings)?,
        }
    }
    Err(RecordError::Unloadable(
        "the recorded records kept failing the fixture checks".into(),
    ))
}

/// Step 1: `record` of `kind` with only values the mock's schema accepts, or `None` when a
/// required field is missing or unusable.
fn known_fields(
    kind: Kind,
    mut record: Map<String, Value>,
    warnings: &mut Vec<String>,
) -> Option<Map<String, Value>> {
    let id = record
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let name = format!("{} '{id}'", kind.singular());
    for field in kind.derived_fields() {
        if kind == Kind::Token && field.name == "prefix" {
            continue; // read by mask_tokens, which removes it
        }
        record.remove(field.name);
    }
    for field in kind.fields() {
        if kind == Kind::Token && field.name == "token" {
            continue; // every secret is generated
        }
        let value = record.get(field.name);
        let fits = value.is_none_or(|v| field.accepts(v));
        match (value, fits, field.presence) {
            (None, _, Presence::Required) => {
                warnings.push(format!(
                    "{name}: left out, it has no '{}' and the mock needs one",
                    field.name
                ));
                return None;
            }
            (Some(value), false, Presence::Required) => {
                warnings.push(format!(
                    "{name}: left out, its '{}' is {} and the mock needs {}",
                    field.name,
                    json_type(value),
                    field.describe()
                ));
                return None;
            }
            (Some(value), false, _) => {
                warnings.push(format!(
                    "{name}: field '{}' left out (the mock's default instead): it is {} and the mock needs {}",
                    field.name,
                    json_type(value),
                    field.describe()
                ));
                record.remove(field.name);
            }
            _ => {}
        }
    }
    Some(record)
}

/// Step 3: a product for every `product_id` named (the API lists none).
fn make_up_products(recording: &mut Recording, default: Option<&str>) {
    let mut ids = recording.product_ids();
    if let Some(default) = default {
        ids.retain(|id| id != default);
        ids.insert(0, default.to_owned());
    }
    for id in ids {
        if recording.contains(Kind::Product, &id) {
            continue;
        }
        let short: String = id.chars().take(8).collect();
        let mut product = json!({"id": id, "name": format!("Recorded product {short}")});
        if default == Some(id.as_str()) {
            product["default"] = json!(true);
        }
        if let Value::Object(product) = product {
            recording.put(Kind::Product, product);
        }
    }
}

/// Step 3: a catalog agent for every `agent_id` an agent names, called as the agent is.
fn make_up_catalog(recording: &mut Recording) {
    let named: Vec<(String, Value)> = recording
        .records(Kind::Agent)
        .filter_map(|agent| {
            let id = agent.get("agent_id")?.as_str()?.to_owned();
            Some((id, agent.get("name").cloned().unwrap_or(json!("Agent"))))
        })
        .collect();
    for (id, name) in named {
        if !recording.contains(Kind::Catalog, &id)
            && let Value::Object(agent) = json!({"id": id, "name": name})
        {
            recording.put(Kind::Catalog, agent);
        }
    }
}

/// Step 4: references that point nowhere become `null`, or drop their record, until none is
/// left.
fn keep_references(recording: &mut Recording, warnings: &mut Vec<String>) {
    loop {
        let mut changed = false;
        for kind in Kind::ALL {
            for mut record in recording.take(kind) {
                let keep = reference_fix(recording, kind, &mut record, warnings);
                changed |= !keep;
                if keep {
                    recording.put(kind, record);
                }
            }
        }
        if !changed {
            return;
        }
    }
}

/// Nulls the dangling nullable references of `record`; false when a required one dangles.
fn reference_fix(
    recording: &Recording,
    kind: Kind,
    record: &mut Map<String, Value>,
    warnings: &mut Vec<String>,
) -> bool {
    let id = record
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    for (field, target) in kind.references() {
        let Some(to) = record
            .get(*field)
            .and_then(Value::as_str)
            .map(str::to_owned)
        else {
            continue;
        };
        if recording.contains(*target, &to) {
            continue;
        }
        let nullable = kind
            .fields()
            .iter()
            .find(|f| f.name == *field)
            .is_some_and(|f| f.nullable);
        let what = format!(
            "{} '{id}': its '{field}' names {} '{to}', which was not recorded",
            kind.singular(),
            target.singular()
        );
        if nullable {
            warnings.push(format!("{what}: set to null"));
            record.insert((*field).to_owned(), Value::Null);
        } else {
            warnings.push(format!("{what}: left out"));
            return false;
        }
    }
    true
}

/// The fixture files, and for each kind the line each record starts on.
fn serialize(recording: &Recording) -> (Vec<(Kind, String)>, Vec<Vec<usize>>) {
    let mut files = Vec::new();
    let mut starts = Vec::new();
    for kind in Kind::ALL {
        let mut text = String::from("[\n");
        let mut lines = Vec::new();
        let mut line = 2;
        for (n, record) in recording.records(kind).enumerate() {
            if n > 0 {
                text.push_str(",\n");
            }
            // A JSON map always serializes.
            let pretty = serde_json::to_string_pretty(record).unwrap_or_default();
            lines.push(line);
            for (i, part) in pretty.lines().enumerate() {
                if i > 0 {
                    text.push('\n');
                }
                text.push_str("  ");
                text.push_str(part);
                line += 1;
            }
        }
        match lines.is_empty() {
            true => text = "[]\n".into(),
            false => text.push_str("\n]\n"),
        }
        files.push((kind, text));
        starts.push(lines);
    }
    (files, starts)
}

/// Step 5: drops the record the loader refused, with its reason; an error that names no
/// record is the mock's own failure.
fn drop_refused(
    recording: &mut Recording,
    lines: &[Vec<usize>],
    error: FixtureError,
    warnings: &mut Vec<String>,
) -> Result<(), RecordError> {
    let FixtureError::InvalidRecord { at, message } = &error else {
        return Err(RecordError::Unloadable(error.to_string()));
    };
    let file = at.path.file_name().and_then(|n| n.to_str());
    let kind = Kind::ALL.into_iter().find(|k| Some(k.file_name()) == file);
    let Some(kind) = kind else {
        return Err(RecordError::Unloadable(error.to_string()));
    };
    let starts = &lines[kind.index()];
    let index = starts.iter().rposition(|start| *start <= at.line);
    let id = index.and_then(|n| recording.ids(kind).get(n).cloned());
    let Some(id) = id else {
        return Err(RecordError::Unloadable(error.to_string()));
    };
    warnings.push(format!("left out because the mock refuses it: {message}"));
    recording.remove(kind, &id);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    const P: &str = "9b2f4c1e-0a3d-4e5f-8a71-2c4d6e8f0a11";

    fn recording() -> Recording {
        let mut recording = Recording::new();
        recording.put(
            Kind::Token,
            object(
                json!({"id": "t1", "product_id": P, "name": "CI", "prefix": "prodgy_A",
                          "status": "active", "is_active": true, "usage_count": 3}),
            ),
        );
        recording.put(
            Kind::Agent,
            object(
                json!({"id": "a1", "product_id": P, "agent_id": "c1", "name": "Triage",
                          "is_active": "yes", "color": "teal",
                          "parameters": {"key": "prodgy_AUpstreamSecret000000000000000001"}}),
            ),
        );
        recording.put(
            Kind::Trigger,
            object(json!({"id": "t9", "agent_base_id": "gone", "name": "T", "type": "manual"})),
        );
        recording.put(
            Kind::Execution,
            object(
                json!({"id": "e1", "agent_base_id": "a1", "status": "completed",
                          "trigger_id": "gone"}),
            ),
        );
        recording
    }

    fn options() -> WriteOptions {
        WriteOptions {
            seed: 7,
            secrets: vec!["prodgy_AUpstreamSecret000000000000000001".into()],
            force: false,
        }
    }

    #[test]
    fn a_recording_becomes_fixtures_that_load() {
        let prepared = prepare(recording(), &options()).expect("prepared");
        let texts: Vec<(Kind, &str)> = prepared
            .files
            .iter()
            .map(|(k, t)| (*k, t.as_str()))
            .collect();
        let set = FixtureSet::from_texts(&texts).expect("loads");
        let product = set.records(Kind::Product)[0].record();
        assert_eq!(product["id"], json!(P));
        assert_eq!(product["default"], json!(true));
        assert_eq!(
            set.records(Kind::Catalog)[0].record()["name"],
            json!("Triage")
        );
        let agent = set.records(Kind::Agent)[0].record();
        assert_eq!(agent["is_active"], json!(true), "the mock's default");
        assert_eq!(agent["color"], json!("teal"), "unknown fields are kept");
        let swap = &prepared.tokens[0];
        assert!(swap.yours && swap.secret.starts_with("prodgy_A") && swap.secret.len() == 39);
        assert_eq!(agent["parameters"]["key"], json!(swap.secret));
        assert!(set.records(Kind::Trigger).is_empty());
        assert_eq!(
            set.records(Kind::Execution)[0].record()["trigger_id"],
            Value::Null
        );
        let warnings = prepared.warnings.join("\n");
        assert!(
            warnings.contains("agent 'a1': field 'is_active' left out"),
            "{warnings}"
        );
        assert!(warnings.contains("trigger 't9': its 'agent_base_id' names agent 'gone'"));
    }

    #[test]
    fn the_same_recording_and_seed_give_the_same_files() {
        let first = prepare(recording(), &options()).expect("prepared");
        let second = prepare(recording(), &options()).expect("prepared");
        assert_eq!(first.files, second.files);
    }

    #[test]
    fn a_record_the_loader_refuses_is_dropped_with_its_reason() {
        let mut recording = recording();
        recording.put(
            Kind::Execution,
            object(
                json!({"id": "e2", "agent_base_id": "a1", "status": "completed",
                          "started_at": "2026-01-02T00:00:00Z",
                          "finished_at": "2026-01-01T00:00:00Z"}),
            ),
        );
        let prepared = prepare(recording, &options()).expect("prepared");
        let executions = prepared.counts[Kind::Execution.index()].1;
        assert_eq!(executions, 1);
        assert!(
            prepared
                .warnings
                .iter()
                .any(|w| w.contains("before started_at"))
        );
    }
}
