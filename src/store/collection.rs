//! One generic, concurrent collection of JSON records, reused by every resource.
//!
//! Records live in a `DashMap` keyed by id, so reads by id never contend. A separate order
//! index (creation sequence → id, per partition) keeps lists stable and lets a page be read
//! without walking the whole collection. The index sits behind a `RwLock`: writes are short
//! and rare next to reads, and no DashMap guard is ever held while it is taken.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use dashmap::DashMap;
use dashmap::mapref::entry::Entry;
use serde_json::Value;

use super::Record;
use super::stored::Stored;
use crate::fixtures::SeedRecord;

/// A record id.
pub type Id = Arc<str>;

/// The partition a record belongs to (its product, its agent, …); `None` for none.
pub type Partition = Option<Arc<str>>;

/// Which page of a list to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// 1-based page number.
    pub page: u64,
    /// Items per page.
    pub size: u64,
}

impl PageRequest {
    fn offset(self) -> usize {
        usize::try_from(self.page.saturating_sub(1).saturating_mul(self.size)).unwrap_or(usize::MAX)
    }

    fn size(self) -> usize {
        usize::try_from(self.size).unwrap_or(usize::MAX)
    }
}

/// One page of records and the size of the whole list.
#[derive(Debug, Clone)]
pub struct Page {
    /// The records of the page, in creation order.
    pub items: Vec<Arc<Record>>,
    /// How many records the whole (filtered) list holds.
    pub total: u64,
}

/// Which partitions a list covers.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    /// Every record.
    All,
    /// The records of these partitions, merged in creation order.
    In(&'a [Option<&'a str>]),
}

#[derive(Debug, Clone)]
struct Row {
    seq: u64,
    data: Stored,
}

#[derive(Debug, Default, Clone)]
struct Index {
    all: BTreeMap<u64, Id>,
    parts: HashMap<Partition, BTreeMap<u64, Id>>,
}

/// A concurrent, ordered collection of records keyed by their `id` field.
#[derive(Debug)]
pub struct Collection {
    partition_field: Option<&'static str>,
    unique_field: Option<&'static str>,
    rows: DashMap<Id, Row>,
    /// Secondary index: value of `unique_field` → id (token secrets, webhook paths).
    unique: DashMap<Arc<str>, Id>,
    index: RwLock<Index>,
    next_seq: AtomicU64,
}

/// Inserting a record whose id is already taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateId(pub Id);

impl Collection {
    /// An empty collection, partitioned by `partition_field` and looked up by the string
    /// values of `unique_field`, when given.
    pub fn new(partition_field: Option<&'static str>, unique_field: Option<&'static str>) -> Self {
        Self {
            partition_field,
            unique_field,
            rows: DashMap::new(),
            unique: DashMap::new(),
            index: RwLock::new(Index::default()),
            next_seq: AtomicU64::new(0),
        }
    }

    /// An independent copy: records are shared (`Arc`), indexes are cloned. O(n).
    pub fn deep_copy(&self) -> Self {
        let index = self.read_index().clone();
        Self {
            partition_field: self.partition_field,
            unique_field: self.unique_field,
            rows: self.rows.clone(),
            unique: self.unique.clone(),
            index: RwLock::new(index),
            next_seq: AtomicU64::new(self.next_seq.load(Ordering::Relaxed)),
        }
    }

    /// The record whose unique field equals `value`.
    pub fn by_unique(&self, value: &str) -> Option<Arc<Record>> {
        let id = self.unique.get(value).map(|id| Arc::clone(&id))?;
        self.get(&id)
    }

    fn unique_of(&self, record: &Record) -> Option<Arc<str>> {
        let field = self.unique_field?;
        record.get(field).and_then(Value::as_str).map(Arc::from)
    }

    /// The record with `id`.
    pub fn get(&self, id: &str) -> Option<Arc<Record>> {
        self.rows.get(id).map(|row| row.data.record())
    }

    /// The record with `id`, without caching a compact record's parsed form.
    fn peek(&self, id: &str) -> Option<Arc<Record>> {
        self.rows.get(id).map(|row| row.data.peek())
    }

    /// Whether a record with `id` exists.
    pub fn contains(&self, id: &str) -> bool {
        self.rows.contains_key(id)
    }

    /// How many records there are.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether there are no records.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Adds `record`, which must carry a string `id`.
    pub fn insert(&self, record: Record) -> Result<Arc<Record>, DuplicateId> {
        let (id, partition, unique) = (
            Arc::from(record_id(&record)),
            self.partition_of(&record),
            self.unique_of(&record),
        );
        let record = Arc::new(record);
        self.insert_stored(id, partition, unique, Stored::Parsed(Arc::clone(&record)))?;
        Ok(record)
    }

    /// Adds a seed record kept as compact JSON, parsed on first read (most of a large seed
    /// is never read).
    pub fn insert_seed(&self, seed: SeedRecord) -> Result<(), DuplicateId> {
        let field = |name: Option<&'static str>| name.and_then(|f| seed.text(f)).map(Arc::from);
        let (id, partition, unique) = (
            Arc::from(seed.id()),
            field(self.partition_field),
            field(self.unique_field),
        );
        self.insert_stored(id, partition, unique, Stored::compact(seed.into_json()))
    }

    fn insert_stored(
        &self,
        id: Id,
        partition: Partition,
        unique: Option<Arc<str>>,
        data: Stored,
    ) -> Result<(), DuplicateId> {
        let seq = self.next_seq.fetch_add(1, Ordering::Relaxed);
        match self.rows.entry(Arc::clone(&id)) {
            Entry::Occupied(_) => return Err(DuplicateId(id)),
            Entry::Vacant(slot) => {
                slot.insert(Row { seq, data });
            }
        }
        if let Some(value) = unique {
            self.unique.insert(value, Arc::clone(&id));
        }
        let mut index = self.write_index();
        index.all.insert(seq, Arc::clone(&id));
        index.parts.entry(partition).or_default().insert(seq, id);
        Ok(())
    }

    /// Changes the record with `id` through `change`, which may refuse with its own error.
    ///
    /// Returns `Ok(None)` when there is no such record. The `id` field cannot change.
    pub fn update<E>(
        &self,
        id: &str,
        change: impl FnOnce(&mut Record) -> Result<(), E>,
    ) -> Result<Option<Arc<Record>>, E> {
        let (seq, old_partition, new_partition, old_unique, record) = {
            let Some(mut row) = self.rows.get_mut(id) else {
                return Ok(None);
            };
            let current = row.data.record();
            let mut next = Record::clone(&current);
            change(&mut next)?;
            next.insert("id".to_owned(), Value::String(id.to_owned()));
            let old = self.partition_of(&current);
            let new = self.partition_of(&next);
            let old_unique = self.unique_of(&current);
            let next = Arc::new(next);
            row.data = Stored::Parsed(Arc::clone(&next));
            (row.seq, old, new, old_unique, next)
        };
        let new_unique = self.unique_of(&record);
        if old_unique != new_unique {
            if let Some(old) = old_unique {
                self.unique.remove(&old);
            }
            if let Some(new) = new_unique {
                self.unique.insert(new, Arc::from(id));
            }
        }
        if old_partition != new_partition {
            let mut index = self.write_index();
            let moved = index
                .parts
                .get_mut(&old_partition)
                .and_then(|part| part.remove(&seq));
            if let Some(moved) = moved {
                index
                    .parts
                    .entry(new_partition)
                    .or_default()
                    .insert(seq, moved);
            }
        }
        Ok(Some(record))
    }

    /// Removes and returns the record with `id`.
    pub fn remove(&self, id: &str) -> Option<Arc<Record>> {
        let (_, row) = self.rows.remove(id)?;
        let record = row.data.record();
        if let Some(value) = self.unique_of(&record) {
            self.unique.remove(&value);
        }
        let partition = self.partition_of(&record);
        let mut index = self.write_index();
        index.all.remove(&row.seq);
        if let Some(part) = index.parts.get_mut(&partition) {
            part.remove(&row.seq);
        }
        Some(record)
    }

    /// One page of the records in `scope` that pass `filter`, in creation order.
    ///
    /// Without a filter, the cost is the page plus the offset, not the whole collection.
    pub fn page(
        &self,
        scope: Scope<'_>,
        filter: Option<&dyn Fn(&Record) -> bool>,
        request: PageRequest,
    ) -> Page {
        let (ids, total) = {
            let index = self.read_index();
            let ordered = ordered_ids(&index, scope);
            match filter {
                None => {
                    let total = ordered.len;
                    let ids: Vec<Id> = ordered
                        .iter
                        .skip(request.offset())
                        .take(request.size())
                        .cloned()
                        .collect();
                    (ids, total as u64)
                }
                Some(keep) => return self.filtered_page(ordered.iter, keep, request),
            }
        };
        let items = ids.iter().filter_map(|id| self.get(id)).collect();
        Page { items, total }
    }

    fn filtered_page<'a>(
        &self,
        ids: impl Iterator<Item = &'a Id>,
        keep: &dyn Fn(&Record) -> bool,
        request: PageRequest,
    ) -> Page {
        let (offset, size) = (request.offset(), request.size());
        let mut items = Vec::new();
        let mut total = 0usize;
        // A scan reads records without caching their parsed form, so filtering a large
        // compact seed does not inflate it.
        for record in ids.filter_map(|id| self.peek(id)) {
            if !keep(&record) {
                continue;
            }
            if total >= offset && items.len() < size {
                items.push(record);
            }
            total += 1;
        }
        Page {
            items,
            total: total as u64,
        }
    }

    /// Every record in creation order (compact records are parsed but not cached).
    pub fn all(&self) -> Vec<Arc<Record>> {
        let ids: Vec<Id> = self.read_index().all.values().cloned().collect();
        ids.iter().filter_map(|id| self.peek(id)).collect()
    }

    /// The records in `scope` that pass `keep`, in creation order.
    pub fn find(&self, scope: Scope<'_>, keep: impl Fn(&Record) -> bool) -> Vec<Arc<Record>> {
        let page = PageRequest {
            page: 1,
            size: u64::MAX,
        };
        self.page(scope, Some(&keep), page).items
    }

    fn partition_of(&self, record: &Record) -> Partition {
        let field = self.partition_field?;
        record.get(field).and_then(Value::as_str).map(Arc::from)
    }

    // A poisoned lock only means a writer panicked mid-update; the index is still usable.
    fn read_index(&self) -> RwLockReadGuard<'_, Index> {
        self.index
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write_index(&self) -> RwLockWriteGuard<'_, Index> {
        self.index
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The `id` of a record (empty when it has none).
pub fn record_id(record: &Record) -> &str {
    record.get("id").and_then(Value::as_str).unwrap_or_default()
}

struct Ordered<'a> {
    iter: Box<dyn Iterator<Item = &'a Id> + 'a>,
    len: usize,
}

fn ordered_ids<'a>(index: &'a Index, scope: Scope<'_>) -> Ordered<'a> {
    let Scope::In(partitions) = scope else {
        return Ordered {
            iter: Box::new(index.all.values()),
            len: index.all.len(),
        };
    };
    let parts: Vec<&BTreeMap<u64, Id>> = partitions
        .iter()
        .filter_map(|p| index.parts.get(&p.map(Arc::from)))
        .collect();
    let len = parts.iter().map(|p| p.len()).sum();
    match parts.as_slice() {
        [] => Ordered {
            iter: Box::new(std::iter::empty()),
            len,
        },
        [one] => Ordered {
            iter: Box::new(one.values()),
            len,
        },
        _ => Ordered {
            iter: Box::new(merge_by_seq(parts)),
            len,
        },
    }
}

/// Merges several seq-ordered maps into one seq-ordered stream.
fn merge_by_seq<'a>(parts: Vec<&'a BTreeMap<u64, Id>>) -> impl Iterator<Item = &'a Id> + 'a {
    let mut heads: Vec<_> = parts.into_iter().map(|p| p.iter().peekable()).collect();
    std::iter::from_fn(move || {
        let next = heads
            .iter_mut()
            .enumerate()
            .filter_map(|(i, it)| it.peek().map(|(seq, _)| (**seq, i)))
            .min()?;
        heads[next.1].next().map(|(_, id)| id)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(id: &str, product: Option<&str>) -> Record {
        let mut r = json!({"id": id}).as_object().cloned().unwrap_or_default();
        if let Some(p) = product {
            r.insert("product_id".into(), json!(p));
        }
        r
    }

    fn ids(page: &Page) -> Vec<&str> {
        page.items.iter().map(|r| record_id(r)).collect()
    }

    #[test]
    fn pages_follow_creation_order_within_and_across_partitions() {
        let c = Collection::new(Some("product_id"), None);
        for (id, p) in [
            ("a", Some("p1")),
            ("b", None),
            ("c", Some("p2")),
            ("d", Some("p1")),
            ("e", None),
        ] {
            c.insert(record(id, p)).expect("unique");
        }
        let first = PageRequest { page: 1, size: 2 };
        let second = PageRequest { page: 2, size: 2 };
        assert_eq!(ids(&c.page(Scope::All, None, first)), ["a", "b"]);
        let mine = c.page(Scope::In(&[Some("p1"), None]), None, first);
        assert_eq!((ids(&mine), mine.total), (vec!["a", "b"], 4));
        assert_eq!(
            ids(&c.page(Scope::In(&[Some("p1"), None]), None, second)),
            ["d", "e"]
        );
    }

    #[test]
    fn updates_move_records_between_partitions_and_keep_their_place() {
        let c = Collection::new(Some("product_id"), None);
        c.insert(record("a", Some("p1"))).expect("unique");
        c.insert(record("b", Some("p1"))).expect("unique");
        let moved = c.update::<()>("a", |r| {
            r.insert("product_id".into(), json!("p2"));
            Ok(())
        });
        assert!(matches!(moved, Ok(Some(_))));
        let all = PageRequest { page: 1, size: 10 };
        assert_eq!(ids(&c.page(Scope::In(&[Some("p1")]), None, all)), ["b"]);
        assert_eq!(ids(&c.page(Scope::In(&[Some("p2")]), None, all)), ["a"]);
        assert_eq!(ids(&c.page(Scope::All, None, all)), ["a", "b"]);
    }

    #[test]
    fn duplicate_ids_are_refused_and_removal_updates_the_index() {
        let c = Collection::new(None, Some("token"));
        c.insert(record("a", None)).expect("unique");
        assert_eq!(
            c.insert(record("a", None)).err(),
            Some(DuplicateId(Arc::from("a")))
        );
        assert!(c.remove("a").is_some());
        assert_eq!(
            c.page(Scope::All, None, PageRequest { page: 1, size: 10 })
                .total,
            0
        );
        assert!(c.get("a").is_none());
    }
}
