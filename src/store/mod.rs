//! The state handle: the seed, and one [`State`] per namespace built over it.
//!
//! The seed's collections are built once ([`Seeded`]) and shared. A namespace's [`State`]
//! reads them until it first writes to a kind; only then is that one collection copied for
//! it (copy-on-write per collection). So creating a namespace, and resetting one, costs
//! nothing however large the seed is. DashMap guards never leave this module; callers get
//! `Arc<Doc>` snapshots.

pub mod audit;
mod collection;
mod hot;
mod order;
mod seed;
mod stored;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Instant;

use crate::hash::FastMap;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;

pub use crate::schema::{Kind, Record};
pub use audit::{AuditAction, AuditEntry, Details, Origin};
pub use collection::{Collection, DuplicateId, Id, Page, PageRequest, Scope, record_id};
pub use seed::{Seed, SeedRecord};

use crate::clock::Timestamp;
use crate::shard::Sharded;
use audit::AuditLog;
pub use stored::Doc;

/// The seed's collections, built once and never written.
///
/// The seed records are moved in, not copied: keeping the loaded records beside the
/// collections doubled the memory of a large seed.
#[derive(Debug)]
pub struct Seeded {
    collections: Vec<Collection>,
    default_product: Option<Id>,
    origin: String,
}

impl Seeded {
    /// Builds the collections of `fixtures`, consuming it.
    pub fn new(fixtures: Seed) -> Self {
        let collections: Vec<Collection> = Kind::ALL
            .iter()
            .map(|k| Collection::new(k.partition_field(), k.unique_field()))
            .collect();
        let default_product = fixtures.default_product();
        let origin = fixtures.origin().to_owned();
        for (kind, records) in fixtures.into_records() {
            for record in records {
                // The fixture loader already refused duplicate ids (and conformed and derived
                // every record), so this cannot fail.
                let _ = collections[kind.index()].insert_seed(record);
            }
        }
        Self {
            collections,
            default_product,
            origin,
        }
    }

    /// Where the fixture set came from (a directory, a file, or the built-in set).
    pub fn origin(&self) -> &str {
        &self.origin
    }
}

/// The state one namespace sees.
#[derive(Debug)]
pub struct State {
    seed: Arc<Seeded>,
    own: Vec<OnceLock<Collection>>,
    /// Token audit trails (bounded rings) and use counts, created on first use.
    audit: FastMap<Id, AuditLog>,
    /// Calls counted against tokens and not yet in their trails, per shard: every
    /// authenticated call makes one, so each thread appends to its own list, and whoever
    /// reads a trail or a count first moves them all in, in the order they were made.
    uses: Sharded<Mutex<Vec<Use>>>,
    /// Serializes moving pending uses into the trails, so batches land in order; holds the
    /// emptied lists that are swapped for full ones (so settling allocates nothing).
    settling: Mutex<Vec<Vec<Use>>>,
    /// Bumped after every write to the tokens, so a cached look-up of one (see
    /// `auth::TokenCache`) knows it is still true.
    token_writes: AtomicU64,
    /// Secrets replaced by a regeneration: refused even where unknown tokens are accepted.
    retired: FastMap<Arc<str>, Id>,
    /// The product that created each shared record through the API (record id → product).
    creators: FastMap<Id, Arc<str>>,
    rng: Mutex<ChaCha8Rng>,
}

impl State {
    /// A state that reads `seed` until it writes; ids are drawn from `rng_seed`.
    pub fn over(seed: Arc<Seeded>, rng_seed: u64) -> Self {
        Self {
            seed,
            own: Kind::ALL.iter().map(|_| OnceLock::new()).collect(),
            audit: FastMap::default(),
            uses: Sharded::new(|| Mutex::new(Vec::new())),
            settling: Mutex::new(Vec::new()),
            token_writes: AtomicU64::new(0),
            retired: FastMap::default(),
            creators: FastMap::default(),
            rng: Mutex::new(ChaCha8Rng::seed_from_u64(rng_seed)),
        }
    }

    /// The collection of `kind`, for reading.
    pub fn collection(&self, kind: Kind) -> &Collection {
        self.own[kind.index()]
            .get()
            .unwrap_or(&self.seed.collections[kind.index()])
    }

    /// This namespace's own copy of `kind`, made on first write.
    fn writable(&self, kind: Kind) -> &Collection {
        self.own[kind.index()].get_or_init(|| self.seed.collections[kind.index()].deep_copy())
    }

    /// The record of `kind` with `id`.
    pub fn get(&self, kind: Kind, id: &str) -> Option<Arc<Doc>> {
        self.collection(kind).get(id)
    }

    /// The record of `kind` whose unique field (token secret, webhook path) is `value`.
    pub fn by_unique(&self, kind: Kind, value: &str) -> Option<Arc<Doc>> {
        self.collection(kind).by_unique(value)
    }

    /// Stores a new record.
    pub fn insert(&self, kind: Kind, mut record: Record) -> Result<Arc<Doc>, DuplicateId> {
        kind.derive(&mut record);
        let inserted = self.writable(kind).insert(record);
        self.wrote(kind);
        inserted
    }

    /// Notes a write to `kind` (after it happened).
    fn wrote(&self, kind: Kind) {
        if kind == Kind::Token {
            self.token_writes.fetch_add(1, Ordering::Release);
        }
    }

    /// How many writes the tokens have seen: equal counts mean equal tokens.
    pub fn token_writes(&self) -> u64 {
        self.token_writes.load(Ordering::Acquire)
    }

    /// Changes a record through `change`; `Ok(None)` when it does not exist.
    pub fn update<E>(
        &self,
        kind: Kind,
        id: &str,
        change: impl FnOnce(&mut Record) -> Result<(), E>,
    ) -> Result<Option<Arc<Doc>>, E> {
        let Some(before) = self.collection(kind).get(id) else {
            return Ok(None);
        };
        let updated = self.writable(kind).update(id, |record| {
            change(record)?;
            kind.derive(record);
            Ok(())
        });
        self.wrote(kind);
        let updated = updated?;
        if let (Kind::Token, Some(after)) = (kind, &updated) {
            let secret = |r: &Record| r.get("token").and_then(Value::as_str).map(Arc::<str>::from);
            if let Some(old) = secret(&before).filter(|old| secret(after).as_ref() != Some(old)) {
                self.retired.insert(old, Arc::from(id));
                self.wrote(kind);
            }
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
    pub fn remove(&self, kind: Kind, id: &str) -> Option<Arc<Doc>> {
        if !self.collection(kind).contains(id) {
            return None;
        }
        let removed = self.writable(kind).remove(id);
        self.wrote(kind);
        removed
    }

    /// Removes a record and what depends on it: records that require a reference to it are
    /// removed too (an agent's executions and triggers); optional references are set to
    /// null (a workflow base's `agent_base_id`). Returns the removed record.
    pub fn remove_cascading(&self, kind: Kind, id: &str) -> Option<Arc<Doc>> {
        let removed = self.remove(kind, id)?;
        for dependent in Kind::ALL {
            for (field, target) in dependent.references() {
                if *target != kind {
                    continue;
                }
                let required = dependent
                    .fields()
                    .iter()
                    .any(|f| f.name == *field && f.presence == crate::schema::Presence::Required);
                let linked = self.collection(dependent).find(Scope::All, |r| {
                    r.get(*field).and_then(Value::as_str) == Some(id)
                });
                for record in linked {
                    let dependent_id = record_id(&record);
                    if required {
                        self.remove_cascading(dependent, dependent_id);
                    } else {
                        let _ = self.update::<()>(dependent, dependent_id, |r| {
                            r.insert((*field).to_owned(), Value::Null);
                            Ok(())
                        });
                    }
                }
            }
        }
        Some(removed)
    }

    /// Remembers that `product` created the shared record `id`.
    pub fn set_creator(&self, id: &str, product: &Arc<str>) {
        self.creators.insert(Arc::from(id), Arc::clone(product));
    }

    /// The product that created the shared record `id` through the API, if one did.
    pub fn creator(&self, id: &str) -> Option<Arc<str>> {
        self.creators.get(id).map(|p| Arc::clone(&p))
    }

    /// The token record whose secret is `secret`.
    pub fn token_by_secret(&self, secret: &str) -> Option<Arc<Doc>> {
        self.by_unique(Kind::Token, secret)
    }

    /// The token whose secret `secret` was, before a regeneration replaced it.
    pub fn retired_secret(&self, secret: &str) -> Option<Id> {
        self.retired.get(secret).map(|id| Arc::clone(&id))
    }

    /// Counts one authenticated call made with token `id` and appends its `used` entry: to
    /// this thread's pending list (see `uses`), which readers of trails and counts settle.
    pub fn record_use(&self, id: Arc<str>, at: Timestamp, origin: Origin, details: Details) {
        let use_ = Use {
            made: Instant::now(),
            token: id,
            at,
            origin,
            details,
        };
        let pending = {
            let mut mine = lock(self.uses.mine());
            mine.push(use_);
            mine.len()
        };
        if pending >= PENDING_USES {
            self.settle_uses();
        }
    }

    /// Moves every pending use into its token's trail and count, oldest first.
    fn settle_uses(&self) {
        let mut spares = lock(&self.settling);
        let mut runs: Vec<Vec<Use>> = Vec::new();
        for shard in self.uses.all() {
            let mut pending = lock(shard);
            if !pending.is_empty() {
                let spare = spares.pop().unwrap_or_default();
                runs.push(std::mem::replace(&mut *pending, spare));
            }
        }
        if runs.is_empty() {
            return;
        }
        {
            let mut uses = in_order(&mut runs).peekable();
            while let Some(first) = uses.next() {
                // One lookup for each stretch of uses of one token (usually the whole batch).
                let mut log = match self.audit.get_mut(&*first.token) {
                    Some(log) => log,
                    None => self
                        .audit
                        .entry(Arc::clone(&first.token))
                        .or_insert_with(|| self.fresh_log(&first.token)),
                };
                let token = Arc::clone(&first.token);
                first.apply(&mut log);
                while let Some(next) = uses.next_if(|u| u.token == token) {
                    next.apply(&mut log);
                }
            }
        }
        spares.extend(runs);
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
        // Calls made before this entry come before it.
        self.settle_uses();
        match self.audit.get_mut(id) {
            Some(mut log) => log.push(action, at, origin, details),
            None => self
                .audit
                .entry(Arc::from(id))
                .or_insert_with(|| self.fresh_log(id))
                .push(action, at, origin, details),
        }
    }

    /// A page of token `id`'s audit trail, newest first, and how many entries are kept.
    pub fn audit_page(&self, id: &str, page: PageRequest) -> (Vec<AuditEntry>, u64) {
        let offset = usize::try_from(page.page.saturating_sub(1).saturating_mul(page.size));
        let size = usize::try_from(page.size).unwrap_or(usize::MAX);
        let read = |log: &AuditLog| log.newest_first(offset.unwrap_or(usize::MAX), size);
        self.settle_uses();
        match self.audit.get(id) {
            Some(log) => read(&log),
            None => read(&self.fresh_log(id)),
        }
    }

    /// The trail a token starts with: seed tokens begin with their `created` entry (made
    /// lazily, so creating a namespace stays free); tokens created through the API write
    /// their own.
    fn fresh_log(&self, id: &str) -> AuditLog {
        let mut log = AuditLog::default();
        let seeded = self.seed.collections[Kind::Token.index()].get(id);
        if let Some(token) = seeded {
            let at = token
                .get("created_at")
                .and_then(Value::as_str)
                .and_then(Timestamp::parse);
            let at = at.unwrap_or(Timestamp::from_millis(0));
            log.push(AuditAction::Created, at, Origin::default(), Details::None);
        }
        log
    }

    /// Calls counted for token `id` in this state, and the last one's time.
    pub fn usage_of(&self, id: &str) -> (u64, Option<Timestamp>) {
        self.settle_uses();
        self.audit
            .get(id)
            .map_or((0, None), |log| (log.uses, log.last_used))
    }

    /// The product that lenient-mode tokens unknown to the fixtures are bound to.
    pub fn default_product(&self) -> Option<&str> {
        self.seed.default_product.as_deref()
    }

    /// [`State::default_product`], shared.
    pub fn default_product_id(&self) -> Option<Id> {
        self.seed.default_product.clone()
    }

    /// Record counts per kind, keyed by the fixture name (`agents`, …).
    pub fn counts(&self) -> BTreeMap<&'static str, usize> {
        Kind::ALL
            .iter()
            .map(|k| (k.plural(), self.collection(*k).len()))
            .collect()
    }

    /// Every record of every kind, in fixture format (`{"agents": [...], ...}`).
    pub fn export(&self) -> serde_json::Map<String, Value> {
        Kind::ALL
            .iter()
            .map(|k| {
                let records = self.collection(*k).all();
                let values = records
                    .iter()
                    .map(|r| Value::Object(Record::clone(r)))
                    .collect();
                (k.plural().to_owned(), Value::Array(values))
            })
            .collect()
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
}

/// How many uses a thread keeps pending before it settles them all itself (so pending uses
/// stay few however long nobody reads a trail).
const PENDING_USES: usize = 256;

/// One authenticated call, not yet in its token's trail.
#[derive(Debug)]
struct Use {
    /// When it was counted (orders uses across shards).
    made: Instant,
    token: Arc<str>,
    at: Timestamp,
    origin: Origin,
    details: Details,
}

impl Use {
    /// Counts this call in `log` and appends its `used` entry.
    fn apply(self, log: &mut AuditLog) {
        log.uses += 1;
        log.last_used = Some(self.at);
        log.push(AuditAction::Used, self.at, self.origin, self.details);
    }
}

/// The uses of `runs`, each already in order, merged in the order they were made: across
/// runs, the monotonic clock orders any two calls of which one ended before the other
/// began. Each use is moved once; the runs are left empty, with their capacity.
fn in_order(runs: &mut [Vec<Use>]) -> impl Iterator<Item = Use> + '_ {
    let mut drains: Vec<_> = runs.iter_mut().map(|r| r.drain(..).peekable()).collect();
    std::iter::from_fn(move || {
        let (_, run) = drains
            .iter_mut()
            .enumerate()
            .filter_map(|(i, d)| d.peek().map(|u| (u.made, i)))
            .min()?;
        drains[run].next()
    })
}

/// `mutex`, locked; a panic while it was held cannot leave a list or a token half-updated.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// What a new seed changes, kind by kind: the records it adds or changes, and the ids of those
/// it drops. Applied to every live namespace by a hot reload.
#[derive(Debug, Default)]
pub struct SeedDiff {
    kinds: Vec<(Kind, Vec<Record>, Vec<String>)>,
}

impl Seeded {
    /// What `next` changes relative to this seed.
    pub fn diff(&self, next: &Seed) -> SeedDiff {
        let mut kinds = Vec::new();
        for kind in Kind::ALL {
            let old_records = self.collections[kind.index()].all();
            let before: HashMap<&str, String> = old_records
                .iter()
                .map(|r| (record_id(r), String::from_utf8_lossy(r.json()).into_owned()))
                .collect();
            let after: HashSet<&str> = next.records(kind).iter().map(SeedRecord::id).collect();
            let changed: Vec<Record> = next
                .records(kind)
                .iter()
                .filter(|r| before.get(r.id()).map(String::as_str) != Some(r.json()))
                .map(SeedRecord::record)
                .collect();
            let dropped: Vec<String> = before
                .keys()
                .filter(|id| !after.contains(**id))
                .map(|id| (*id).to_owned())
                .collect();
            kinds.push((kind, changed, dropped));
        }
        SeedDiff { kinds }
    }
}

impl State {
    /// Merges a seed change into this state: added and changed seed records are put, dropped
    /// ones removed; records clients created, and seed records the change leaves alone, stay.
    pub fn apply(&self, diff: &SeedDiff) {
        for (kind, changed, dropped) in &diff.kinds {
            for record in changed {
                self.put(*kind, record.clone());
            }
            for id in dropped {
                self.remove(*kind, id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn state() -> State {
        let seed = crate::fixtures::FixtureSet::builtin().expect("builtin");
        State::over(Arc::new(Seeded::new(seed.into_seed())), 1)
    }

    #[test]
    fn token_secrets_follow_updates_in_a_copy() {
        let state = state();
        let token = state
            .token_by_secret("prodgy_AcmeSupportDefaultToken000000001")
            .expect("seeded");
        let id = record_id(&token).to_owned();
        let changed = state.update::<()>(Kind::Token, &id, |t| {
            t.insert("token".into(), json!("prodgy_rotated"));
            Ok(())
        });
        assert!(matches!(changed, Ok(Some(_))));
        assert!(
            state
                .token_by_secret("prodgy_AcmeSupportDefaultToken000000001")
                .is_none()
        );
        assert!(state.token_by_secret("prodgy_rotated").is_some());
        assert!(
            state
                .retired_secret("prodgy_AcmeSupportDefaultToken000000001")
                .is_some()
        );
    }
}
