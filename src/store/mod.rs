//! The state handle: one [`State`] per namespace, each a set of typed collections.
//!
//! DashMap guards never leave this module; callers get `Arc<Record>` snapshots.

pub mod audit;
mod collection;
pub mod kind;

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use dashmap::DashMap;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;

pub use audit::{AuditAction, AuditEntry, Details, Origin};
pub use collection::{Collection, DuplicateId, Id, Page, PageRequest, Partition, Scope, record_id};
pub use kind::Kind;

use crate::clock::Timestamp;
use crate::fixtures::FixtureSet;
use audit::AuditLog;

/// A stored record: a JSON object. Fields the mock does not know are kept as they are.
pub type Record = serde_json::Map<String, Value>;

/// Per-token usage, kept beside the record so counting a call is one atomic bump.
#[derive(Debug, Default)]
struct Usage {
    count: AtomicU64,
    last_used_ms: AtomicI64,
}

/// The state one namespace sees: every collection, the token secret index, usage counters and
/// token audit trails.
#[derive(Debug)]
pub struct State {
    collections: Vec<Collection>,
    secrets: DashMap<Arc<str>, Id>,
    /// Secrets replaced by a regeneration: refused even where unknown tokens are accepted.
    retired: DashMap<Arc<str>, Id>,
    usage: DashMap<Id, Usage>,
    audit: DashMap<Id, AuditLog>,
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
            retired: DashMap::new(),
            usage: DashMap::new(),
            audit: DashMap::new(),
            default_product: seed.default_product(),
            rng: Mutex::new(ChaCha8Rng::seed_from_u64(rng_seed)),
        };
        for kind in Kind::ALL {
            for record in seed.records(kind) {
                // The fixture loader already refused duplicate ids, so this cannot fail.
                let _ = state.insert(kind, record.clone());
            }
        }
        for token in seed.records(Kind::Token) {
            let at = token
                .get("created_at")
                .and_then(Value::as_str)
                .and_then(Timestamp::parse)
                .unwrap_or(Timestamp::from_millis(0));
            let origin = Origin::default();
            state.audit(
                record_id(token),
                AuditAction::Created,
                at,
                origin,
                Details::None,
            );
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
                self.retired.insert(old, Arc::from(id));
            }
            self.index_secret(record);
        }
        Ok(updated)
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

    /// The token whose secret `secret` was, before a regeneration replaced it.
    pub fn retired_secret(&self, secret: &str) -> Option<Id> {
        self.retired.get(secret).map(|id| Arc::clone(&id))
    }

    /// Counts one authenticated call made with token `id` and appends its `used` entry.
    pub fn record_use(&self, id: &str, at: Timestamp, origin: Origin, details: Details) {
        match self.usage.get(id) {
            Some(usage) => {
                usage.count.fetch_add(1, Ordering::Relaxed);
                usage.last_used_ms.store(at.millis(), Ordering::Relaxed);
            }
            None => {
                let usage = self.usage.entry(Arc::from(id)).or_default();
                usage.count.fetch_add(1, Ordering::Relaxed);
                usage.last_used_ms.store(at.millis(), Ordering::Relaxed);
            }
        }
        self.audit(id, AuditAction::Used, at, origin, details);
    }

    /// Appends an entry to token `id`'s audit trail (a bounded ring).
    pub fn audit(
        &self,
        id: &str,
        action: AuditAction,
        at: Timestamp,
        origin: Origin,
        details: Details,
    ) {
        match self.audit.get_mut(id) {
            Some(mut log) => log.push(action, at, origin, details),
            None => self
                .audit
                .entry(Arc::from(id))
                .or_default()
                .push(action, at, origin, details),
        }
    }

    /// A page of token `id`'s audit trail, newest first, and how many entries are kept.
    pub fn audit_page(&self, id: &str, page: PageRequest) -> (Vec<AuditEntry>, u64) {
        let offset = usize::try_from(page.page.saturating_sub(1).saturating_mul(page.size));
        let size = usize::try_from(page.size).unwrap_or(usize::MAX);
        self.audit.get(id).map_or((Vec::new(), 0), |log| {
            log.newest_first(offset.unwrap_or(usize::MAX), size)
        })
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

    /// Puts the state back to the seed.
    pub fn reset(&self) {
        let fresh = Arc::new(State::from_seed(&self.seed(), self.rng_seed));
        *self.live.write().unwrap_or_else(|p| p.into_inner()) = fresh;
    }
}
