//! Each thread's copies of the records it reads again and again.
//!
//! Reading a record from a collection takes a `DashMap` shard's read lock and a new handle
//! on the record: three writes to counts that every thread reading that record writes too.
//! On a machine with more than one core those counts move between the cores' caches on
//! nearly every read of a record many clients read (the one a load test hammers, a fixture
//! every test reads). Measured on 2 cores, a list page of 20 such records costs 4% less CPU
//! with this table; a GET by id, whose one read is a small part of its cost, the same.
//!
//! So each thread keeps a small table of the records it read last: collection, id, the
//! collection's write count when the record was read, and the record. An entry is found by
//! the id's text (a GET by id) or, for the ids of a list page, by the address of the id the
//! index holds, which saves hashing and comparing 36 bytes a row. A read whose entry is
//! still current (the collection has not been written since) is answered from the table,
//! touching nothing another thread writes. A record read [`OWN_AFTER`] times is replaced in
//! the table by a copy of this thread's own, whose handle count only this thread writes;
//! until then the table holds the shared record, so a record read once or twice costs no
//! copy.
//!
//! A write to a collection bumps its write count after the change, before the writer
//! answers: every read that begins after a write has answered sees the count move and
//! reads the collection again.

use std::cell::RefCell;
use std::hash::Hasher;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::collection::Id;
use super::stored::Doc;

/// Entries in each thread's table (a power of two).
const SLOTS: usize = 256;

/// Reads of one record, at one write count, after which this thread keeps its own copy.
pub const OWN_AFTER: u32 = 4;

/// The next collection's number: every collection gets its own, never reused, so an entry
/// of a collection that is gone cannot answer for a newer one.
static NEXT_COLLECTION: AtomicU64 = AtomicU64::new(1);

/// A number no other collection has or will have.
pub fn collection_number() -> u64 {
    NEXT_COLLECTION.fetch_add(1, Ordering::Relaxed)
}

/// One remembered read.
struct Slot {
    collection: u64,
    writes: u64,
    id: Id,
    doc: Arc<Doc>,
    reads: u32,
}

/// This thread's table, lent by [`with`] for one or many reads.
pub struct Table(Vec<Option<Slot>>);

thread_local! {
    static TABLE: RefCell<Table> = const { RefCell::new(Table(Vec::new())) };
}

/// Runs `f` with this thread's table, or with `None` when it cannot be had (the thread is
/// ending, or `f` is already running on it). A page borrows it once for all its rows.
pub fn with<R>(mut f: impl FnMut(Option<&mut Table>) -> R) -> R {
    TABLE
        .try_with(|table| {
            table
                .try_borrow_mut()
                .ok()
                .map(|mut table| f(Some(&mut table)))
        })
        .ok()
        .flatten()
        .unwrap_or_else(|| f(None))
}

/// How a read names its record.
#[derive(Clone, Copy)]
pub enum Key<'k> {
    /// By the id's text (a GET's path parameter).
    Name(&'k str),
    /// By an id the collection holds (a page's ids, from the index): the very allocation of
    /// the row's key, so it is placed by its address and matched by it, with no hash or
    /// comparison of its text. The entry holds the id it was put under, so that address
    /// cannot be reused by another id while the entry names it.
    Held(&'k Id),
}

impl<'k> Key<'k> {
    /// The id's text.
    pub fn text(self) -> &'k str {
        match self {
            Key::Name(id) => id,
            Key::Held(id) => id,
        }
    }

    fn slot(self, collection: u64) -> usize {
        let mut hasher = rustc_hash::FxHasher::default();
        hasher.write_u64(collection);
        match self {
            Key::Name(id) => hasher.write(id.as_bytes()),
            Key::Held(id) => hasher.write_usize(Arc::as_ptr(id).cast::<u8>() as usize),
        }
        // FxHash's high bits are its best mixed.
        (hasher.finish() >> 32) as usize & (SLOTS - 1)
    }

    fn names(self, id: &Id) -> bool {
        match self {
            Key::Name(name) => **id == *name,
            Key::Held(held) => Arc::ptr_eq(held, id),
        }
    }
}

impl Table {
    /// The record `key` of collection `collection`, as this thread last read it, if the
    /// collection has made no write since (`writes` is its write count now).
    pub fn get(&mut self, collection: u64, writes: u64, key: Key<'_>) -> Option<Arc<Doc>> {
        let slot = self.0.get_mut(key.slot(collection))?.as_mut()?;
        if slot.collection != collection || slot.writes != writes || !key.names(&slot.id) {
            return None;
        }
        if slot.reads < OWN_AFTER {
            slot.reads += 1;
            if slot.reads == OWN_AFTER {
                slot.doc = Arc::new(slot.doc.own_copy());
            }
        }
        Some(Arc::clone(&slot.doc))
    }

    /// Remembers that this thread read `doc` as record `id` (found by `key`) of
    /// `collection` when the collection had made `writes` writes.
    pub fn put(&mut self, collection: u64, writes: u64, key: Key<'_>, id: &Id, doc: &Arc<Doc>) {
        if self.0.is_empty() {
            self.0.resize_with(SLOTS, || None);
        }
        let fresh = Slot {
            collection,
            writes,
            id: Arc::clone(id),
            doc: Arc::clone(doc),
            reads: 1,
        };
        if let Some(slot) = self.0.get_mut(key.slot(collection)) {
            *slot = Some(fresh);
        }
    }
}
