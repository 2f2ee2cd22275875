//! The seed: validated fixture records, each kept as compact JSON plus the few string fields
//! that indexing needs, ready to be moved into the collections.

use std::sync::Arc;

use serde_json::Value;

use super::Id;
use crate::schema::{Kind, Record};

/// A validated seed record, kept as compact JSON plus the few string fields that loading
/// and indexing need (id, partition, unique and reference fields). Holding text instead of a
/// parsed map keeps a large seed several times smaller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedRecord {
    json: Box<str>,
    keys: Box<[(&'static str, Box<str>)]>,
}

impl SeedRecord {
    /// Keeps `record` of `kind` (already validated) as compact JSON and its indexed fields.
    pub fn new(kind: Kind, record: &Record) -> Self {
        let mut wanted: Vec<&'static str> = vec!["id"];
        wanted.extend(kind.partition_field());
        wanted.extend(kind.unique_field());
        wanted.extend(kind.references().iter().map(|(field, _)| *field));
        let mut keys: Vec<(&'static str, Box<str>)> = wanted
            .into_iter()
            .filter_map(|field| Some((field, Box::from(record.get(field)?.as_str()?))))
            .collect();
        if record.get("default").and_then(Value::as_bool) == Some(true) {
            keys.push(("default", Box::from("true")));
        }
        // Serializing a JSON map cannot fail.
        let json = serde_json::to_string(record)
            .unwrap_or_default()
            .into_boxed_str();
        Self {
            json,
            keys: keys.into_boxed_slice(),
        }
    }

    /// The record's id.
    pub fn id(&self) -> &str {
        self.text("id").unwrap_or_default()
    }

    /// The string value of an indexed field (`id`, the partition, unique and reference
    /// fields), when the record has one.
    pub fn text(&self, field: &str) -> Option<&str> {
        self.keys
            .iter()
            .find(|(name, _)| *name == field)
            .map(|(_, value)| &**value)
    }

    /// The record as compact JSON.
    pub fn json(&self) -> &str {
        &self.json
    }

    /// Takes the compact JSON out.
    pub fn into_json(self) -> Box<str> {
        self.json
    }

    /// The record, parsed.
    pub fn record(&self) -> Record {
        // The text was written from a valid map, so it parses.
        serde_json::from_str(&self.json).unwrap_or_default()
    }
}

/// Validated seed records, one list per kind in load order, and where they came from.
#[derive(Debug, Clone, Default)]
pub struct Seed {
    records: Vec<Vec<SeedRecord>>,
    origin: String,
}

impl Seed {
    /// A seed of `records` (one list per kind, in [`Kind::ALL`] order) from `origin`.
    pub fn new(records: Vec<Vec<SeedRecord>>, origin: String) -> Self {
        Self { records, origin }
    }

    /// Where the records came from (a directory, a file, or the built-in set).
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Every kind with its records, consuming the seed (the store moves them in).
    pub fn into_records(self) -> impl Iterator<Item = (Kind, Vec<SeedRecord>)> {
        Kind::ALL.into_iter().zip(self.records)
    }

    /// The seed records of `kind`.
    pub fn records(&self, kind: Kind) -> &[SeedRecord] {
        self.records.get(kind.index()).map_or(&[], Vec::as_slice)
    }

    /// The product unknown lenient tokens are bound to: the one marked `"default": true`,
    /// else the first.
    pub fn default_product(&self) -> Option<Id> {
        let products = self.records(Kind::Product);
        let marked = products.iter().find(|p| p.text("default") == Some("true"));
        marked.or(products.first()).map(|p| Arc::from(p.id()))
    }
}
