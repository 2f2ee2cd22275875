//! The state handle: one [`State`] per namespace, each a set of typed collections.
//!
//! DashMap guards never leave this module; callers get `Arc<Record>` snapshots.

mod collection;
pub mod kind;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use dashmap::DashMap;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;

pub use collection::{Collection, DuplicateId, Id, Page, PageRequest, Partition, Scope, record_id};
pub use kind::Kind;

use crate::clock::Timestamp;
use crate::fixtures::FixtureSet;

/// A stored record: a JSON object. Fields the mock does not know are kept as they are.
pub type Record = serde_json::Map<String, Value>;

/// Per-token usage, kept beside the record so counting a call is one atomic bump.
#[derive(Debug, Default)]
struct Usage {
    count: AtomicU64,
    last_used_ms: AtomicI64,
}

/// The state one namespace sees: every collection, the token secret index and usage counters.
#[derive(Debug)]
pub struct State {
    collections: Vec<Collection>,
    secrets: DashMap<Arc<str>, Id>,
    usage: DashMap<Id, Usage>,
    default_product: Option<Id>,
    rng: Mutex<ChaCha8Rng>,
}

impl State {
    /// A state holding exactly the records of `seed`, with ids drawn from `rng_seed`.
    pub fn from_seed(seed: &FixtureSet, rng_seed: u64) -> Self {
        let collections = Kind::ALL
            .iter()
            .map(|k| Collection::new(k.partition_field()))
            .collect();
        let state = Self {
            collections,
            secrets: DashMap::new(),
            usage: DashMap::new(),
            default_product: seed.default_product(),
            rng: Mutex::new(ChaCha8Rng::seed_from_u64(rng_seed)),
        };
        for kind in Kind::ALL {
            for record in seed.records(kind) {
                // The fixture loader already refused duplicate ids, so this cannot fail.
                let _ = state.insert(kind, record.clone());
            }
        }
        state
    }

    /// The collection of `kind`.
    pub fn collection(&self, kind: Kind) -> &Collection {
        &self.collections[kind.index()]
    }

    /// The record of `kind` with `id`.
    pub fn get(&self, kind: Kind, id: &str) -> Option<Arc<Record>> {
        self.collection(kind).get(id)
    }

    /// Stores a new record, keeping the token secret index in step.
    pub fn insert(&self, kind: Kind, mut record: Record) -> Result<Arc<Record>, DuplicateId> {
        kind.derive(&mut record);
        let stored = self.collection(kind).insert(record)?;
        if kind == Kind::Token {
            self.index_secret(&stored);
        }
        Ok(stored)
    }

    /// Changes a record through `change`; `Ok(None)` when it does not exist.
    pub fn update<E>(
        &self,
        kind: Kind,
        id: &str,
        change: impl FnOnce(&mut Record) -> Result<(), E>,
    ) -> Result<Option<Arc<Record>>, E> {
        let old_secret = (kind == Kind::Token)
            .then(|| self.get(kind, id))
            .flatten()
            .and_then(|r| secret_of(&r));
        let updated = self.collection(kind).update(id, |record| {
            change(record)?;
            kind.derive(record);
            Ok(())
        })?;
        if let (Some(record), true) = (&updated, kind == Kind::Token) {
            if let Some(old) = old_secret.filter(|old| Some(old) != secret_of(record).as_ref()) {
                self.secrets.remove(&*old);
            }
            self.index_secret(record);
        }
        Ok(updated)
    }

    /// Stores `record`, replacing the one with the same id if there is one.
    pub fn put(&self, kind: Kind, record: Record) {
        let id = record_id(&record).to_owned();
        let mut pending = Some(record);
        let replaced = self.update(kind, &id, |current| {
            if let Some(next) = pending.take() {
                *current = next;
            }
            Ok::<(), std::convert::Infallible>(())
        });
        if let (Ok(None), Some(record)) = (replaced, pending) {
            // Absent a moment ago; a racing insert of the same id wins and this one is dropped.
            let _ = self.insert(kind, record);
        }
    }

    /// Removes a record.
    pub fn remove(&self, kind: Kind, id: &str) -> Option<Arc<Record>> {
        let removed = self.collection(kind).remove(id)?;
        if let (Kind::Token, Some(secret)) = (kind, secret_of(&removed)) {
            self.secrets.remove(&*secret);
        }
        Some(removed)
    }

    /// The token record whose secret is `secret`.
    pub fn token_by_secret(&self, secret: &str) -> Option<Arc<Record>> {
        let id = self.secrets.get(secret).map(|id| Arc::clone(&id))?;
        self.get(Kind::Token, &id)
    }

    /// Counts one authenticated call made with token `id`.
    pub fn record_use(&self, id: &str, at: Timestamp) {
        if let Some(usage) = self.usage.get(id) {
            usage.count.fetch_add(1, Ordering::Relaxed);
            usage.last_used_ms.store(at.millis(), Ordering::Relaxed);
            return;
        }
        let usage = self.usage.entry(Arc::from(id)).or_default();
        usage.count.fetch_add(1, Ordering::Relaxed);
        usage.last_used_ms.store(at.millis(), Ordering::Relaxed);
    }

    /// Calls counted for token `id` since the state was seeded, and the last one's time.
    pub fn usage_of(&self, id: &str) -> (u64, Option<Timestamp>) {
        self.usage.get(id).map_or((0, None), |u| {
            (
                u.count.load(Ordering::Relaxed),
                Some(Timestamp::from_millis(
                    u.last_used_ms.load(Ordering::Relaxed),
                )),
            )
        })
    }

    /// The product that lenient-mode tokens unknown to the fixtures are bound to.
    pub fn default_product(&self) -> Option<&str> {
        self.default_product.as_deref()
    }

    /// A fresh UUID (v4 layout) from the seeded generator.
    pub fn new_id(&self) -> String {
        let bytes: [u8; 16] = self.with_rng(|rng| rng.random());
        uuid::Builder::from_random_bytes(bytes)
            .into_uuid()
            .to_string()
    }

    /// A fresh API token secret: `prodgy_` and 32 alphanumeric characters.
    pub fn new_secret(&self) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        let tail: String = self.with_rng(|rng| {
            (0..32)
                .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
                .collect()
        });
        format!("prodgy_{tail}")
    }

    fn with_rng<T>(&self, draw: impl FnOnce(&mut ChaCha8Rng) -> T) -> T {
        // Poisoning cannot leave the generator inconsistent: every draw is a single call.
        let mut rng = self
            .rng
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        draw(&mut rng)
    }

    fn index_secret(&self, token: &Record) {
        if let Some(secret) = secret_of(token) {
            self.secrets.insert(secret, Arc::from(record_id(token)));
        }
    }
}

fn secret_of(token: &Record) -> Option<Arc<str>> {
    token.get("token").and_then(Value::as_str).map(Arc::from)
}

/// The handle to all state: the validated seed and the live state built from it.
///
/// Resetting swaps in a fresh state built from the seed; requests already holding the old
/// one finish against it.
#[derive(Debug)]
pub struct Store {
    seed: RwLock<Arc<FixtureSet>>,
    live: RwLock<Arc<State>>,
    rng_seed: u64,
}

impl Store {
    /// A store seeded with `seed`; generated ids come from `rng_seed`.
    pub fn new(seed: FixtureSet, rng_seed: u64) -> Self {
        let live = Arc::new(State::from_seed(&seed, rng_seed));
        Self {
            seed: RwLock::new(Arc::new(seed)),
            live: RwLock::new(live),
            rng_seed,
        }
    }

    /// The live state.
    pub fn state(&self) -> Arc<State> {
        Arc::clone(&self.live.read().unwrap_or_else(|p| p.into_inner()))
    }

    /// The seed the state was (or will be) built from.
    pub fn seed(&self) -> Arc<FixtureSet> {
        Arc::clone(&self.seed.read().unwrap_or_else(|p| p.into_inner()))
    }

    /// Replaces the seed with `next` (a hot reload) and merges the difference into the live
    /// state: records the new seed adds, changes or drops are inserted, replaced or removed;
    /// records clients created, and seed records `next` leaves as they were, stay.
    pub fn replace_seed(&self, next: FixtureSet) {
        let old = self.seed();
        let state = self.state();
        for kind in Kind::ALL {
            let before: HashMap<&str, &Record> = old
                .records(kind)
                .iter()
                .map(|r| (record_id(r), r))
                .collect();
            for record in next.records(kind) {
                if before.get(record_id(record)) != Some(&record) {
                    state.put(kind, record.clone());
                }
            }
            let after: HashSet<&str> = next.records(kind).iter().map(record_id).collect();
            for id in before.keys().filter(|id| !after.contains(*id)) {
                state.remove(kind, id);
            }
        }
        *self.seed.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(next);
    }

    /// Puts the state back to the seed.
    pub fn reset(&self) {
        let fresh = Arc::new(State::from_seed(&self.seed(), self.rng_seed));
        *self.live.write().unwrap_or_else(|p| p.into_inner()) = fresh;
    }
}
