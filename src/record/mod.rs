//! Recording an instance as fixtures: `prodgy-mock record`, and proxy mode's `--record`.
//!
//! - [`Recording`] (here): the records seen, by kind and id, in the order first seen.
//! - [`write`]: a recording becomes a fixture directory that `--fixtures` loads: token
//!   secrets masked with generated ones ([`secrets`]), the products and catalog agents that
//!   records name made up, references kept (or the record dropped, with a warning), written
//!   atomically ([`disk`]).
//! - [`caller`]: paced GETs that wait out a 429 and name the route of a failure.
//! - [`crawl`]: the `record` command: every list and detail GET row of the route table,
//!   following pagination.

pub mod caller;
pub mod crawl;
pub mod disk;
pub mod secrets;
pub mod write;

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::schema::Kind;

pub use caller::{Caller, Progress, RecordError};
pub use crawl::{RecordOptions, record};
pub use secrets::TokenSwap;
pub use write::{WriteOptions, Written};

/// Records seen, by kind and id, each kind in the order its records were first seen. A
/// record seen again replaces the earlier one (a detail answer wins over a list item).
#[derive(Debug, Clone, Default)]
pub struct Recording {
    kinds: Vec<Bucket>,
}

#[derive(Debug, Clone, Default)]
struct Bucket {
    order: Vec<String>,
    by_id: HashMap<String, Map<String, Value>>,
}

impl Recording {
    /// An empty recording.
    pub fn new() -> Self {
        Self {
            kinds: vec![Bucket::default(); Kind::ALL.len()],
        }
    }

    /// Keeps `record` of `kind`; one without a string `id` is ignored (returns false).
    pub fn put(&mut self, kind: Kind, record: Map<String, Value>) -> bool {
        let Some(id) = record.get("id").and_then(Value::as_str).map(str::to_owned) else {
            return false;
        };
        let bucket = &mut self.kinds[kind.index()];
        if bucket.by_id.insert(id.clone(), record).is_none() {
            bucket.order.push(id);
        }
        true
    }

    /// Keeps every object of `items` (a list answer's `data`); returns how many had an id.
    pub fn put_all(&mut self, kind: Kind, items: &[Value]) -> usize {
        items
            .iter()
            .filter_map(Value::as_object)
            .filter(|record| self.put(kind, (*record).clone()))
            .count()
    }

    /// Forgets the record `id` of `kind`.
    pub fn remove(&mut self, kind: Kind, id: &str) {
        let bucket = &mut self.kinds[kind.index()];
        if bucket.by_id.remove(id).is_some() {
            bucket.order.retain(|known| known != id);
        }
    }

    /// Whether `id` of `kind` was seen.
    pub fn contains(&self, kind: Kind, id: &str) -> bool {
        self.kinds[kind.index()].by_id.contains_key(id)
    }

    /// How many records of `kind` were seen.
    pub fn len(&self, kind: Kind) -> usize {
        self.kinds[kind.index()].order.len()
    }

    /// Whether nothing was seen at all.
    pub fn is_empty(&self) -> bool {
        self.kinds.iter().all(|b| b.order.is_empty())
    }

    /// The ids of `kind`, in the order first seen.
    pub fn ids(&self, kind: Kind) -> &[String] {
        &self.kinds[kind.index()].order
    }

    /// The records of `kind`, in the order first seen.
    pub fn records(&self, kind: Kind) -> impl Iterator<Item = &Map<String, Value>> {
        let bucket = &self.kinds[kind.index()];
        bucket.order.iter().filter_map(|id| bucket.by_id.get(id))
    }

    /// Takes the records of `kind` out, in order.
    fn take(&mut self, kind: Kind) -> Vec<Map<String, Value>> {
        let bucket = std::mem::take(&mut self.kinds[kind.index()]);
        let mut by_id = bucket.by_id;
        bucket
            .order
            .iter()
            .filter_map(|id| by_id.remove(id))
            .collect()
    }

    /// The product ids its records name (`product_id` of every kind that has one).
    pub fn product_ids(&self) -> Vec<String> {
        let mut seen = Vec::new();
        for kind in Kind::ALL {
            for record in self.records(kind) {
                let id = record.get("product_id").and_then(Value::as_str);
                if let Some(id) = id.filter(|id| !seen.iter().any(|s: &String| s == id)) {
                    seen.push(id.to_owned());
                }
            }
        }
        seen
    }

    /// Records named by a reference but not recorded, as `(kind, id)`, for the kinds the
    /// API can read one at a time (products and catalog agents are made up instead).
    pub fn missing_references(&self) -> Vec<(Kind, String)> {
        let mut missing: Vec<(Kind, String)> = Vec::new();
        for kind in Kind::ALL {
            for record in self.records(kind) {
                for (field, target) in kind.references() {
                    if matches!(target, Kind::Product | Kind::Catalog) {
                        continue;
                    }
                    let Some(id) = record.get(*field).and_then(Value::as_str) else {
                        continue;
                    };
                    let known = self.contains(*target, id)
                        || missing.iter().any(|(k, m)| k == target && m == id);
                    if !known {
                        missing.push((*target, id.to_owned()));
                    }
                }
            }
        }
        missing
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn a_record_seen_again_replaces_the_first_in_its_place() {
        let mut recording = Recording::new();
        recording.put(Kind::Agent, object(json!({"id": "a", "name": "list"})));
        recording.put(Kind::Agent, object(json!({"id": "b", "name": "B"})));
        recording.put(Kind::Agent, object(json!({"id": "a", "name": "detail"})));
        assert_eq!(recording.ids(Kind::Agent), ["a", "b"]);
        let names: Vec<&Value> = recording.records(Kind::Agent).map(|r| &r["name"]).collect();
        assert_eq!(names, [&json!("detail"), &json!("B")]);
        assert!(!recording.put(Kind::Agent, object(json!({"name": "no id"}))));
    }

    #[test]
    fn missing_references_skip_products_and_catalog_agents() {
        let mut recording = Recording::new();
        let trigger = json!({"id": "t", "agent_base_id": "a9", "name": "T", "type": "manual"});
        recording.put(Kind::Trigger, object(trigger));
        let agent = json!({"id": "a1", "product_id": "p", "agent_id": "c", "name": "A"});
        recording.put(Kind::Agent, object(agent));
        assert_eq!(
            recording.missing_references(),
            [(Kind::Trigger.references()[0].1, "a9".to_owned())]
        );
        assert_eq!(recording.product_ids(), ["p"]);
    }
}
