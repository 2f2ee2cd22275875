//! One generic, concurrent collection of JSON records, reused by every resource.
//!
//! Records live in a `DashMap` keyed by id, so reads by id never contend; a record read
//! again on the same thread, with no write since, comes from that thread's table (see
//! [`super::hot`]) and touches no count another thread writes. A separate order
//! index (creation sequence → id, per partition; see [`super::order`]) keeps lists stable
//! and jumps straight to any page offset. The index sits behind a `RwLock`: writes are short
//! and rare next to reads.
//!
//! Lock order is always index first, then a `DashMap` shard; no `DashMap` guard is ever held
//! while the index lock is taken. Inserts and removals hold the index write lock while they
//! touch the rows, so the index and the rows never disagree about which records exist.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::hash::FastMap;
use dashmap::mapref::entry::Entry;
use serde_json::Value;

use super::Record;
use super::SeedRecord;
use super::hot;
use super::order::{self, Index, SeqList};
use super::stored::{Doc, Stored};

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
    /// How many items come before this page.
    pub fn offset(self) -> usize {
        usize::try_from(self.page.saturating_sub(1).saturating_mul(self.size)).unwrap_or(usize::MAX)
    }

    /// Items per page, as a `usize`.
    pub fn size(self) -> usize {
        usize::try_from(self.size).unwrap_or(usize::MAX)
    }
}

/// One page of records and the size of the whole list.
#[derive(Debug, Clone)]
pub struct Page {
    /// The records of the page, in creation order.
    pub items: Vec<Arc<Doc>>,
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

impl<'a> Scope<'a> {
    /// The records of `parts`, whose first entry is the bound (the caller's product, the
    /// agent asked for); every record when that bound is `None` (an unrestricted caller that
    /// names none). Further entries add partitions, such as `None` for shared records.
    pub fn within(parts: &'a [Option<&'a str>]) -> Self {
        match parts.first() {
            Some(Some(_)) => Scope::In(parts),
            _ => Scope::All,
        }
    }
}

#[derive(Debug, Clone)]
struct Row {
    seq: u64,
    data: Stored,
}

/// A concurrent, ordered collection of records keyed by their `id` field.
#[derive(Debug)]
pub struct Collection {
    partition_field: Option<&'static str>,
    unique_field: Option<&'static str>,
    rows: FastMap<Id, Row>,
    /// Secondary index: value of `unique_field` → id (token secrets, webhook paths).
    unique: FastMap<Arc<str>, Id>,
    index: RwLock<Index>,
    next_seq: AtomicU64,
    /// This collection's number among all collections ever made (see [`hot`]).
    number: u64,
    /// How many writes it has made, bumped after each before the writer answers: what a
    /// thread remembers of a read is current while this has not moved (see [`hot`]).
    writes: AtomicU64,
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
            rows: FastMap::default(),
            unique: FastMap::default(),
            index: RwLock::new(Index::default()),
            next_seq: AtomicU64::new(0),
            number: hot::collection_number(),
            writes: AtomicU64::new(0),
        }
    }

    /// An independent copy: records are shared (`Arc`), indexes are cloned. O(n).
    pub fn deep_copy(&self) -> Self {
        // Inserts and removals hold the index write lock, so under the read lock the rows
        // and the index agree.
        let (index, rows) = {
            let index = self.read_index();
            (index.clone(), self.rows.clone())
        };
        Self {
            partition_field: self.partition_field,
            unique_field: self.unique_field,
            rows,
            unique: self.unique.clone(),
            index: RwLock::new(index),
            next_seq: AtomicU64::new(self.next_seq.load(Ordering::Relaxed)),
            number: hot::collection_number(),
            writes: AtomicU64::new(0),
        }
    }

    /// The record whose unique field equals `value`.
    pub fn by_unique(&self, value: &str) -> Option<Arc<Doc>> {
        let id = self.unique.get(value).map(|id| Arc::clone(&id))?;
        // The index holds stored ids, canonical already.
        self.read(&id)
    }

    fn unique_of(&self, record: &Record) -> Option<Arc<str>> {
        let field = self.unique_field?;
        record.get(field).and_then(Value::as_str).map(Arc::from)
    }

    /// The record with `id` (a UUID in any case).
    pub fn get(&self, id: &str) -> Option<Arc<Doc>> {
        self.read(&crate::schema::canonical_id(id))
    }

    /// The record with the canonical `id`: from what this thread remembers when the
    /// collection has not been written since, else from the rows (and remembered).
    fn read(&self, id: &str) -> Option<Arc<Doc>> {
        // Read before the rows: a write after this makes the next read look again.
        let writes = self.writes.load(Ordering::Acquire);
        hot::with(|table| self.read_in(table, writes, hot::Key::Name(id)))
    }

    /// [`Collection::read`] with this thread's table lent and the write count read.
    fn read_in(
        &self,
        table: Option<&mut hot::Table>,
        writes: u64,
        key: hot::Key<'_>,
    ) -> Option<Arc<Doc>> {
        let id = key.text();
        let Some(table) = table else {
            return self.rows.get(id).map(|row| row.data.record());
        };
        if let Some(doc) = table.get(self.number, writes, key) {
            return Some(doc);
        }
        let row = self.rows.get(id)?;
        let doc = row.data.record();
        table.put(self.number, writes, key, row.key(), &doc);
        Some(doc)
    }

    /// Counts a write, once it is made and before its writer answers.
    fn wrote(&self) {
        self.writes.fetch_add(1, Ordering::Release);
    }

    /// The record with `id`, without caching a compact record's parsed form.
    fn peek(&self, id: &str) -> Option<Arc<Doc>> {
        self.rows.get(id).map(|row| row.data.peek())
    }

    /// Whether a record with `id` (a UUID in any case) exists.
    pub fn contains(&self, id: &str) -> bool {
        self.rows.contains_key(&*crate::schema::canonical_id(id))
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
    pub fn insert(&self, record: Record) -> Result<Arc<Doc>, DuplicateId> {
        let id: Id = Arc::from(record_id(&record));
        let partition = self.partition_of(&record);
        let unique = self.unique_of(&record);
        let (stored, record) = Stored::written(record);
        self.insert_stored(id, partition, unique, stored)?;
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
        {
            // Taking the sequence number under the index lock makes every insert an append.
            let mut index = self.write_index();
            let seq = self.next_seq.fetch_add(1, Ordering::Relaxed);
            match self.rows.entry(Arc::clone(&id)) {
                Entry::Occupied(_) => return Err(DuplicateId(id)),
                Entry::Vacant(slot) => {
                    slot.insert(Row { seq, data });
                }
            }
            index.insert(seq, Arc::clone(&id), partition);
        }
        self.wrote();
        if let Some(value) = unique {
            self.unique.insert(value, id);
        }
        Ok(())
    }

    /// Changes the record with `id` through `change`, which may refuse with its own error.
    ///
    /// Returns `Ok(None)` when there is no such record. The `id` field cannot change.
    pub fn update<E>(
        &self,
        id: &str,
        change: impl FnOnce(&mut Record) -> Result<(), E>,
    ) -> Result<Option<Arc<Doc>>, E> {
        let id = crate::schema::canonical_id(id);
        let id: &str = &id;
        let (seq, old_partition, new_partition, old_unique, record) = {
            let Some(mut row) = self.rows.get_mut(id) else {
                return Ok(None);
            };
            let current = row.data.peek();
            let mut next = Record::clone(&current);
            change(&mut next)?;
            next.insert("id".to_owned(), Value::String(id.to_owned()));
            let old = self.partition_of(&current);
            let new = self.partition_of(&next);
            let old_unique = self.unique_of(&current);
            let (stored, next) = Stored::written(next);
            row.data = stored;
            (row.seq, old, new, old_unique, next)
        };
        self.wrote();
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
            self.move_partition(id, seq, &old_partition);
        }
        Ok(Some(record))
    }

    /// Moves `seq` out of `from` into the partition the record is in now, or drops it when
    /// the record is gone. Reading the current partition under the index lock keeps the
    /// index right whatever order concurrent updates and removals reach this point in.
    fn move_partition(&self, id: &str, seq: u64, from: &Partition) {
        let mut index = self.write_index();
        let current = self
            .rows
            .get(id)
            .filter(|row| row.seq == seq)
            .map(|row| self.partition_of(&row.data.peek()));
        if let Some(moved) = index.remove_from(seq, from)
            && let Some(to) = current
        {
            index.add_to(seq, moved, to);
        }
    }

    /// Removes and returns the record with `id`.
    pub fn remove(&self, id: &str) -> Option<Arc<Doc>> {
        let id = crate::schema::canonical_id(id);
        let id: &str = &id;
        let row = {
            let mut index = self.write_index();
            let (_, row) = self.rows.remove(id)?;
            let record = row.data.peek();
            index.remove(row.seq, &self.partition_of(&record));
            record
        };
        self.wrote();
        if let Some(value) = self.unique_of(&row) {
            self.unique.remove_if(&value, |_, owner| &**owner == id);
        }
        Some(row)
    }

    /// One page of the records in `scope` that pass `filter`, in creation order.
    ///
    /// Without a filter, the cost is the page (plus a binary search when several partitions
    /// are merged), whatever the offset. With one, every record in scope is scanned.
    pub fn page(
        &self,
        scope: Scope<'_>,
        filter: Option<&dyn Fn(&Record) -> bool>,
        request: PageRequest,
    ) -> Page {
        let index = self.read_index();
        let lists = lists_of(&index, scope);
        match filter {
            None => {
                let total: usize = lists.iter().map(|l| l.len()).sum();
                // The rows are read under the index lock, which every writer takes before a
                // row's, so the ids are borrowed rather than copied (each copy of an `Id`
                // is a write to a count the other threads read), and they are canonical.
                // One write-count load and one lending of the table for the whole page.
                let ids = order::window(&lists, request.offset(), request.size());
                let writes = self.writes.load(Ordering::Acquire);
                let items = hot::with(|mut table| {
                    let mut items = Vec::with_capacity(ids.len());
                    items.extend(ids.iter().filter_map(|id| {
                        self.read_in(table.as_deref_mut(), writes, hot::Key::Held(id))
                    }));
                    items
                });
                Page {
                    items,
                    total: total as u64,
                }
            }
            Some(keep) => self.filtered_page(order::merged(&lists), keep, request),
        }
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

    /// Every record in creation order.
    pub fn all(&self) -> Vec<Arc<Doc>> {
        let ids: Vec<Id> = self.read_index().all().ids().cloned().collect();
        ids.iter().filter_map(|id| self.peek(id)).collect()
    }

    /// The records in `scope` that pass `keep`, in creation order.
    pub fn find(&self, scope: Scope<'_>, keep: impl Fn(&Record) -> bool) -> Vec<Arc<Doc>> {
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

/// The index lists `scope` covers.
fn lists_of<'a>(index: &'a Index, scope: Scope<'_>) -> Vec<&'a SeqList> {
    match scope {
        Scope::All => index.lists(None),
        Scope::In(partitions) => index.lists(Some(partitions)),
    }
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

    fn named(id: &str, name: &str) -> Record {
        let mut r = record(id, None);
        r.insert("name".into(), json!(name));
        r
    }

    fn rename(c: &Collection, id: &str, name: &str) {
        c.update::<()>(id, |r| {
            r.insert("name".into(), json!(name));
            Ok(())
        })
        .expect("updated");
    }

    fn name_of(c: &Collection, id: &str) -> Option<String> {
        c.get(id)
            .and_then(|r| r.get("name").and_then(Value::as_str).map(str::to_owned))
    }

    #[test]
    fn a_record_read_many_times_shows_every_write_at_once() {
        let c = Collection::new(None, None);
        c.insert(named("a", "one")).expect("unique");
        // Past the reads after which this thread keeps its own copy.
        for _ in 0..=hot::OWN_AFTER * 2 {
            assert_eq!(name_of(&c, "a").as_deref(), Some("one"));
        }
        rename(&c, "a", "two");
        assert_eq!(name_of(&c, "a").as_deref(), Some("two"));
        let page = c.page(Scope::All, None, PageRequest { page: 1, size: 5 });
        assert_eq!(page.items[0].get("name"), Some(&json!("two")));
        c.remove("a");
        assert!(c.get("a").is_none());
        c.insert(named("a", "three")).expect("unique after removal");
        assert_eq!(name_of(&c, "a").as_deref(), Some("three"));
    }

    #[test]
    fn a_page_read_many_times_shows_every_write_at_once() {
        let c = Collection::new(None, None);
        c.insert(named("a", "one")).expect("unique");
        c.insert(named("b", "one")).expect("unique");
        let names = |c: &Collection| -> Vec<String> {
            let page = c.page(Scope::All, None, PageRequest { page: 1, size: 5 });
            page.items
                .iter()
                .map(|r| {
                    r.get("name")
                        .and_then(Value::as_str)
                        .unwrap_or("?")
                        .to_owned()
                })
                .collect()
        };
        // Past the reads after which this thread keeps its own copies, by page and by id.
        for _ in 0..=hot::OWN_AFTER * 2 {
            assert_eq!(names(&c), ["one", "one"]);
            assert_eq!(name_of(&c, "b").as_deref(), Some("one"));
        }
        rename(&c, "b", "two");
        assert_eq!(names(&c), ["one", "two"]);
        assert_eq!(name_of(&c, "b").as_deref(), Some("two"));
        // A record removed and another given its id: the page shows the new one.
        c.remove("a");
        assert_eq!(names(&c), ["two"]);
        c.insert(named("a", "three")).expect("unique after removal");
        assert_eq!(names(&c), ["two", "three"]);
        // A copy's page reads its own records, not what this thread read of the first.
        let copy = c.deep_copy();
        rename(&copy, "a", "copy");
        assert_eq!(names(&copy), ["two", "copy"]);
        assert_eq!(names(&c), ["two", "three"]);
    }

    #[test]
    fn what_a_thread_remembers_of_one_collection_never_answers_for_another() {
        let first = Collection::new(None, None);
        first.insert(named("a", "first")).expect("unique");
        for _ in 0..=hot::OWN_AFTER {
            assert_eq!(name_of(&first, "a").as_deref(), Some("first"));
        }
        // A copy (a namespace forked from another) starts with the same records...
        let copy = first.deep_copy();
        assert_eq!(name_of(&copy, "a").as_deref(), Some("first"));
        rename(&copy, "a", "copy");
        // ...and from then on each shows its own.
        assert_eq!(name_of(&copy, "a").as_deref(), Some("copy"));
        assert_eq!(name_of(&first, "a").as_deref(), Some("first"));
        let empty = Collection::new(None, None);
        assert!(empty.get("a").is_none());
    }

    #[test]
    fn a_write_on_another_thread_is_seen_by_the_next_read_here() {
        let c = Arc::new(Collection::new(None, None));
        c.insert(named("a", "before")).expect("unique");
        for _ in 0..=hot::OWN_AFTER {
            assert_eq!(name_of(&c, "a").as_deref(), Some("before"));
        }
        let writer = Arc::clone(&c);
        std::thread::spawn(move || {
            rename(&writer, "a", "after");
        })
        .join()
        .expect("writer thread");
        assert_eq!(name_of(&c, "a").as_deref(), Some("after"));
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

    fn page_of(c: &Collection, scope: Scope<'_>, page: u64, size: u64) -> Page {
        c.page(scope, None, PageRequest { page, size })
    }

    /// 1000 records named by number, alternating between partitions p0, p1 and none.
    fn numbered() -> Collection {
        let c = Collection::new(Some("product_id"), None);
        for n in 0..1000 {
            let part = [Some("p0"), Some("p1"), None][n % 3];
            c.insert(record(&n.to_string(), part)).expect("unique");
        }
        c
    }

    fn walk(c: &Collection, scope: Scope<'_>) -> Vec<String> {
        c.find(scope, |_| true)
            .iter()
            .map(|r| record_id(r).to_owned())
            .collect()
    }

    /// Every page of `scope` equals the same slice of a plain filtered walk.
    fn assert_pages_match_walk(c: &Collection, scope: Scope<'_>) {
        let expected = walk(c, scope);
        for size in [1, 7, 20, 1000] {
            for page in 1..=(expected.len() as u64 / size + 2) {
                let got = page_of(c, scope, page, size);
                let offset = ((page - 1) * size) as usize;
                let want: Vec<&str> = expected
                    .iter()
                    .skip(offset)
                    .take(size as usize)
                    .map(String::as_str)
                    .collect();
                assert_eq!(ids(&got), want, "page {page} of {size}");
                assert_eq!(got.total, expected.len() as u64);
            }
        }
    }

    #[test]
    fn deep_offsets_reach_the_end_and_past_it() {
        let c = numbered();
        let last = page_of(&c, Scope::All, 50, 20);
        assert_eq!((ids(&last)[19], last.total), ("999", 1000));
        assert!(page_of(&c, Scope::All, 51, 20).items.is_empty());
        assert!(page_of(&c, Scope::All, u64::MAX, u64::MAX).items.is_empty());
        let merged = page_of(&c, Scope::In(&[Some("p0"), None]), 34, 20);
        assert_eq!((ids(&merged).len(), merged.total), (7, 667));
        assert_eq!(ids(&merged)[6], "999");
        for scope in [
            Scope::All,
            Scope::In(&[Some("p1")]),
            Scope::In(&[Some("p0"), None]),
            Scope::In(&[None, Some("p1"), Some("p0"), Some("nope")]),
        ] {
            assert_pages_match_walk(&c, scope);
        }
    }

    #[test]
    fn pages_stay_exact_after_removals_and_partition_moves() {
        let c = numbered();
        for n in (0..1000).step_by(7) {
            assert!(c.remove(&n.to_string()).is_some());
        }
        for n in (1..1000).step_by(5) {
            let _ = c.update::<()>(&n.to_string(), |r| {
                r.insert("product_id".into(), json!("p2"));
                Ok(())
            });
        }
        assert_eq!(c.len(), 857);
        let moved = page_of(&c, Scope::In(&[Some("p2")]), 1, 3);
        assert_eq!(ids(&moved), ["1", "6", "11"]);
        for scope in [
            Scope::All,
            Scope::In(&[Some("p2")]),
            Scope::In(&[Some("p0"), Some("p2")]),
            Scope::In(&[Some("p0"), Some("p1"), Some("p2"), None]),
        ] {
            assert_pages_match_walk(&c, scope);
        }
        let copy = c.deep_copy();
        copy.insert(record("new", Some("p2"))).expect("unique");
        assert_eq!(page_of(&c, Scope::All, 1, 1).total, 857);
        // 200 moved, less the 28 removed first (n = 21 + 35k), plus the new one.
        let tail = page_of(&copy, Scope::In(&[Some("p2")]), 173, 1);
        assert_eq!((ids(&tail), tail.total), (vec!["new"], 173));
    }

    #[test]
    fn concurrent_writers_leave_an_exact_ordered_index() {
        let c = Arc::new(Collection::new(Some("product_id"), None));
        let writers: Vec<_> = (0..8)
            .map(|t| {
                let c = Arc::clone(&c);
                std::thread::spawn(move || {
                    for n in 0..500 {
                        let id = format!("{t}-{n}");
                        let part = if n % 2 == 0 { "even" } else { "odd" };
                        c.insert(record(&id, Some(part))).expect("unique");
                        if n % 4 == 1 {
                            let _ = c.update::<()>(&id, |r| {
                                r.insert("product_id".into(), json!("even"));
                                Ok(())
                            });
                        }
                        if n % 10 == 0 {
                            assert!(c.remove(&id).is_some());
                        }
                        let _ = page_of(&c, Scope::In(&[Some("even"), Some("odd")]), 3, 20);
                    }
                })
            })
            .collect();
        for writer in writers {
            writer.join().expect("writer finished");
        }
        let every = walk(&c, Scope::All);
        assert_eq!((every.len(), c.len()), (3600, 3600));
        let unique: std::collections::HashSet<&String> = every.iter().collect();
        assert_eq!(unique.len(), 3600);
        // Each writer's records keep their creation order in the list.
        for t in 0..8 {
            let prefix = format!("{t}-");
            let mine: Vec<u32> = every
                .iter()
                .filter_map(|id| id.strip_prefix(&prefix)?.parse().ok())
                .collect();
            assert!(mine.windows(2).all(|w| w[0] < w[1]), "writer {t}");
        }
        let even = page_of(&c, Scope::In(&[Some("even")]), 1, 1).total;
        let odd = page_of(&c, Scope::In(&[Some("odd")]), 1, 1).total;
        assert_eq!((even, odd), (2600, 1000));
        assert_pages_match_walk(&c, Scope::In(&[Some("odd"), Some("even")]));
    }

    #[test]
    fn racing_partition_moves_leave_each_record_in_its_current_partition() {
        let c = Arc::new(Collection::new(Some("product_id"), None));
        for n in 0..50 {
            c.insert(record(&n.to_string(), Some("p0")))
                .expect("unique");
        }
        let movers: Vec<_> = (0..4)
            .map(|t| {
                let c = Arc::clone(&c);
                std::thread::spawn(move || {
                    for round in 0..20_000 {
                        let n = (round * 3 + t) % 8;
                        let _ = c.update::<()>(&n.to_string(), |r| {
                            r.insert("product_id".into(), json!(format!("p{}", (round + t) % 4)));
                            Ok(())
                        });
                        if round % 5000 == 4999 && t == 0 {
                            let _ = c.remove(&n.to_string());
                        }
                    }
                })
            })
            .collect();
        for mover in movers {
            mover.join().expect("mover finished");
        }
        let mut listed = 0;
        for p in ["p0", "p1", "p2", "p3"] {
            let page = page_of(&c, Scope::In(&[Some(p)]), 1, 100);
            for r in &page.items {
                assert_eq!(r.get("product_id"), Some(&json!(p)), "{}", record_id(r));
            }
            assert_eq!(page.items.len() as u64, page.total);
            listed += page.items.len();
        }
        assert_eq!(listed, c.len());
        assert_eq!(page_of(&c, Scope::All, 1, 100).total as usize, c.len());
    }
}
