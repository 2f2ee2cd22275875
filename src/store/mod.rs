//! The state handle: the seed, and one [`State`] per namespace built over it.
//!
//! The seed's collections are built once ([`Seeded`]) and shared. A namespace's [`State`]
//! reads them until it first writes to a kind; only then is that one collection copied for
//! it (copy-on-write per collection). So creating a namespace, and resetting one, costs
//! nothing however large the seed is. DashMap guards never leave this module; callers get
//! `Arc<Record>` snapshots.

pub mod audit;
mod collection;
pub mod kind;
mod order;
mod runs;
mod stored;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};

use dashmap::DashMap;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;

pub use audit::{AuditAction, AuditEntry, Details, Origin};
pub use collection::{Collection, DuplicateId, Id, Page, PageRequest, Partition, Scope, record_id};
pub use kind::Kind;
pub use runs::Runs;

use crate::clock::Timestamp;
use crate::fixtures::{FixtureSet, SeedRecord};
use audit::AuditLog;

/// A stored record: a JSON object. Fields the mock does not know are kept as they are.
pub type Record = serde_json::Map<String, Value>;

/// `id` as stored: a UUID in upper or mixed case is lowered (UUIDs are case-insensitive, RFC
/// 9562), anything else is kept as it is. Allocates only for a UUID with upper-case digits.
pub fn canonical_id(id: &str) -> std::borrow::Cow<'_, str> {
    let bytes = id.as_bytes();
    let shaped = bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_hexdigit(),
        });
    if shaped && bytes.iter().any(u8::is_ascii_uppercase) {
        std::borrow::Cow::Owned(id.to_ascii_lowercase())
    } else {
        std::borrow::Cow::Borrowed(id)
    }
}

/// The name of the namespace used by requests without `X-Mock-Namespace`.
pub const DEFAULT_NAMESPACE: &str = "default";

/// The seed's collections, built once and never written.
///
/// The fixture records are moved in, not copied: keeping the loaded [`FixtureSet`] beside
/// its collections doubled the memory of a large seed.
#[derive(Debug)]
pub struct Seeded {
    collections: Vec<Collection>,
    default_product: Option<Id>,
    origin: String,
}

impl Seeded {
    /// Builds the collections of `fixtures`, consuming it.
    pub fn new(fixtures: FixtureSet) -> Self {
        let collections: Vec<Collection> = Kind::ALL
            .iter()
            .map(|k| Collection::new(k.partition_field(), k.unique_field()))
            .collect();
        let default_product = fixtures.default_product();
        let origin = fixtures.origin.clone();
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

/// Per-token usage, kept beside the record so counting a call is one atomic bump.
#[derive(Debug, Default)]
struct Usage {
    count: AtomicU64,
    last_used_ms: AtomicI64,
}

/// The state one namespace sees.
#[derive(Debug)]
pub struct State {
    seed: Arc<Seeded>,
    own: Vec<OnceLock<Collection>>,
    usage: DashMap<Id, Usage>,
    /// Token audit trails (bounded rings), created on first use.
    audit: DashMap<Id, AuditLog>,
    /// Secrets replaced by a regeneration: refused even where unknown tokens are accepted.
    retired: DashMap<Arc<str>, Id>,
    /// The product that created each shared record through the API (record id → product).
    creators: DashMap<Id, Arc<str>>,
    rng: Mutex<ChaCha8Rng>,
    runs: Runs,
}

impl State {
    /// A state that reads `seed` until it writes; ids are drawn from `rng_seed`.
    pub fn over(seed: Arc<Seeded>, rng_seed: u64) -> Self {
        Self {
            seed,
            own: Kind::ALL.iter().map(|_| OnceLock::new()).collect(),
            usage: DashMap::new(),
            audit: DashMap::new(),
            retired: DashMap::new(),
            creators: DashMap::new(),
            rng: Mutex::new(ChaCha8Rng::seed_from_u64(rng_seed)),
            runs: Runs::default(),
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

    /// The timelines of live executions (driven by `crate::engine`).
    pub fn runs(&self) -> &Runs {
        &self.runs
    }

    /// The record of `kind` with `id`.
    pub fn get(&self, kind: Kind, id: &str) -> Option<Arc<Record>> {
        self.collection(kind).get(id)
    }

    /// The record of `kind` whose unique field (token secret, webhook path) is `value`.
    pub fn by_unique(&self, kind: Kind, value: &str) -> Option<Arc<Record>> {
        self.collection(kind).by_unique(value)
    }

    /// Stores a new record.
    pub fn insert(&self, kind: Kind, mut record: Record) -> Result<Arc<Record>, DuplicateId> {
        kind.derive(&mut record);
        self.writable(kind).insert(record)
    }

    /// Changes a record through `change`; `Ok(None)` when it does not exist.
    pub fn update<E>(
        &self,
        kind: Kind,
        id: &str,
        change: impl FnOnce(&mut Record) -> Result<(), E>,
    ) -> Result<Option<Arc<Record>>, E> {
        let Some(before) = self.collection(kind).get(id) else {
            return Ok(None);
        };
        let updated = self.writable(kind).update(id, |record| {
            change(record)?;
            kind.derive(record);
            Ok(())
        })?;
        if let (Kind::Token, Some(after)) = (kind, &updated) {
            let secret = |r: &Record| r.get("token").and_then(Value::as_str).map(Arc::<str>::from);
            if let Some(old) = secret(&before).filter(|old| secret(after).as_ref() != Some(old)) {
                self.retired.insert(old, Arc::from(id));
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
    pub fn remove(&self, kind: Kind, id: &str) -> Option<Arc<Record>> {
        if !self.collection(kind).contains(id) {
            return None;
        }
        self.writable(kind).remove(id)
    }

    /// Removes a record and what depends on it: records that require a reference to it are
    /// removed too (an agent's executions and triggers); optional references are set to
    /// null (a workflow base's `agent_base_id`). Returns the removed record.
    pub fn remove_cascading(&self, kind: Kind, id: &str) -> Option<Arc<Record>> {
        let removed = self.remove(kind, id)?;
        for dependent in Kind::ALL {
            for (field, target) in dependent.references() {
                if *target != kind {
                    continue;
                }
                let required = dependent
                    .fields()
                    .iter()
                    .any(|f| f.name == *field && f.absent == kind::Absent::Required);
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
    pub fn token_by_secret(&self, secret: &str) -> Option<Arc<Record>> {
        self.by_unique(Kind::Token, secret)
    }

    /// The token whose secret `secret` was, before a regeneration replaced it.
    pub fn retired_secret(&self, secret: &str) -> Option<Id> {
        self.retired.get(secret).map(|id| Arc::clone(&id))
    }

    /// Counts one authenticated call made with token `id` and appends its `used` entry.
    pub fn record_use(&self, id: &str, at: Timestamp, origin: Origin, details: Details) {
        let bump = |usage: &Usage| {
            usage.count.fetch_add(1, Ordering::Relaxed);
            usage.last_used_ms.store(at.millis(), Ordering::Relaxed);
        };
        match self.usage.get(id) {
            Some(usage) => bump(&usage),
            None => bump(&self.usage.entry(Arc::from(id)).or_default()),
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
                .or_insert_with(|| self.fresh_log(id))
                .push(action, at, origin, details),
        }
    }

    /// A page of token `id`'s audit trail, newest first, and how many entries are kept.
    pub fn audit_page(&self, id: &str, page: PageRequest) -> (Vec<AuditEntry>, u64) {
        let offset = usize::try_from(page.page.saturating_sub(1).saturating_mul(page.size));
        let size = usize::try_from(page.size).unwrap_or(usize::MAX);
        let read = |log: &AuditLog| log.newest_first(offset.unwrap_or(usize::MAX), size);
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
        self.usage.get(id).map_or((0, None), |u| {
            let at = Timestamp::from_millis(u.last_used_ms.load(Ordering::Relaxed));
            (u.count.load(Ordering::Relaxed), Some(at))
        })
    }

    /// The product that lenient-mode tokens unknown to the fixtures are bound to.
    pub fn default_product(&self) -> Option<&str> {
        self.seed.default_product.as_deref()
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

/// All state: the seed and the namespaces built over it.
///
/// A namespace is created from the seed the first time it is named, and reset alone.
/// Resetting swaps in a fresh state; requests already holding the old one finish against it.
#[derive(Debug)]
pub struct Store {
    seed: RwLock<Arc<Seeded>>,
    namespaces: DashMap<Arc<str>, Arc<State>>,
    rng_seed: u64,
    max_namespaces: usize,
}

/// Naming one namespace more than `--max-namespaces` allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "{limit} namespaces are in use, the most --max-namespaces allows: reset the namespaces your \
     tests are done with (POST /__admin/reset?namespace=NAME, or POST /__admin/reset for all) \
     or start the mock with a higher --max-namespaces"
)]
pub struct TooManyNamespaces {
    /// The limit.
    pub limit: usize,
}

impl Store {
    /// A store seeded with `fixtures`; generated ids come from `rng_seed` (each namespace
    /// draws its own stream, see [`namespace_seed`](crate::hash::namespace_seed)); at most
    /// `max_namespaces` namespaces besides the default one exist at a time.
    pub fn new(fixtures: FixtureSet, rng_seed: u64, max_namespaces: usize) -> Self {
        let seed = Arc::new(Seeded::new(fixtures));
        Self {
            seed: RwLock::new(seed),
            namespaces: DashMap::new(),
            rng_seed,
            max_namespaces,
        }
    }

    /// The state of the default namespace.
    pub fn state(&self) -> Arc<State> {
        if let Some(state) = self.namespaces.get(DEFAULT_NAMESPACE) {
            return Arc::clone(&state);
        }
        self.create(DEFAULT_NAMESPACE)
    }

    /// The state of namespace `name`, created from the seed on first use; refused when that
    /// would make more namespaces than the limit. Nothing already stored is ever evicted.
    pub fn namespace(&self, name: &str) -> Result<Arc<State>, TooManyNamespaces> {
        if let Some(state) = self.namespaces.get(name) {
            return Ok(Arc::clone(&state));
        }
        // Two reads that a concurrent reset may separate: saturate rather than trust them.
        let named = self
            .namespaces
            .len()
            .saturating_sub(usize::from(self.namespaces.contains_key(DEFAULT_NAMESPACE)));
        if name != DEFAULT_NAMESPACE && named >= self.max_namespaces {
            return Err(TooManyNamespaces {
                limit: self.max_namespaces,
            });
        }
        Ok(self.create(name))
    }

    /// The state of namespace `name` if it exists, else a fresh one over the seed that is
    /// not kept (what a read-only look at a namespace no request has named yet sees).
    pub fn peek(&self, name: &str) -> Arc<State> {
        match self.namespaces.get(name) {
            Some(state) => Arc::clone(&state),
            None => Arc::new(self.fresh(name)),
        }
    }

    fn create(&self, name: &str) -> Arc<State> {
        let fresh = || Arc::new(self.fresh(name));
        Arc::clone(&self.namespaces.entry(Arc::from(name)).or_insert_with(fresh))
    }

    fn fresh(&self, name: &str) -> State {
        State::over(
            self.seeded(),
            crate::hash::namespace_seed(self.rng_seed, name),
        )
    }

    /// The names of the namespaces in use, sorted.
    pub fn namespace_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .namespaces
            .iter()
            .map(|e| e.key().to_string())
            .collect();
        names.sort();
        names
    }

    /// The built seed every namespace starts from.
    pub fn seeded(&self) -> Arc<Seeded> {
        Arc::clone(&self.seed.read().unwrap_or_else(|p| p.into_inner()))
    }

    /// Where the seed's fixtures came from.
    pub fn origin(&self) -> String {
        self.seeded().origin().to_owned()
    }

    /// Replaces the seed with `next` (a hot reload). Namespaces created from now on (and
    /// after a reset) start from it; every live namespace gets the difference merged in:
    /// records `next` adds, changes or drops are inserted, replaced or removed, while
    /// records clients created, and seed records `next` leaves as they were, stay.
    pub fn replace_seed(&self, next: FixtureSet) {
        let old = self.seeded();
        let live: Vec<Arc<State>> = self
            .namespaces
            .iter()
            .map(|e| Arc::clone(e.value()))
            .collect();
        for kind in Kind::ALL {
            let old_records = old.collections[kind.index()].all();
            let before: HashMap<&str, String> = old_records
                .iter()
                .map(|r| {
                    (
                        record_id(r),
                        serde_json::to_string(&**r).unwrap_or_default(),
                    )
                })
                .collect();
            let after: HashSet<&str> = next.records(kind).iter().map(SeedRecord::id).collect();
            let changed: Vec<Record> = next
                .records(kind)
                .iter()
                .filter(|r| before.get(r.id()).map(String::as_str) != Some(r.json()))
                .map(SeedRecord::record)
                .collect();
            let dropped: Vec<&&str> = before.keys().filter(|id| !after.contains(**id)).collect();
            for state in &live {
                for record in &changed {
                    state.put(kind, record.clone());
                }
                for id in &dropped {
                    state.remove(kind, id);
                }
            }
        }
        let seeded = Arc::new(Seeded::new(next));
        *self.seed.write().unwrap_or_else(|p| p.into_inner()) = seeded;
    }

    /// Puts every namespace back to the seed.
    pub fn reset(&self) {
        self.namespaces.clear();
    }

    /// Puts one namespace back to the seed.
    pub fn reset_namespace(&self, name: &str) {
        self.namespaces.remove(name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn store() -> Store {
        Store::new(FixtureSet::builtin().expect("builtin"), 1, 2)
    }

    fn namespace(store: &Store, name: &str) -> Arc<State> {
        store.namespace(name).expect("under the limit")
    }

    #[test]
    fn namespaces_beyond_the_limit_are_refused_and_nothing_is_evicted() {
        let store = store();
        let a = namespace(&store, "a");
        a.insert(
            Kind::Agent,
            Record::from_iter([("id".into(), json!("kept"))]),
        )
        .expect("unique");
        namespace(&store, "b");
        assert_eq!(
            store.namespace("c").err(),
            Some(TooManyNamespaces { limit: 2 })
        );
        store.state();
        assert!(namespace(&store, "a").get(Kind::Agent, "kept").is_some());
        assert!(store.peek("c").get(Kind::Agent, "kept").is_none());
        assert_eq!(store.namespace_names(), ["a", "b", "default"]);
        store.reset_namespace("b");
        namespace(&store, "c");
    }

    #[test]
    fn namespaces_draw_distinct_ids() {
        let store = store();
        let ids: HashSet<String> = ["a", "b"]
            .iter()
            .flat_map(|n| {
                let state = namespace(&store, n);
                (0..3).map(move |_| state.new_id()).collect::<Vec<_>>()
            })
            .collect();
        assert_eq!(ids.len(), 6);
        let again = self::store();
        let first: Vec<String> = (0..3).map(|_| namespace(&again, "a").new_id()).collect();
        assert!(
            first.iter().all(|id| ids.contains(id)),
            "same seed, same ids"
        );
    }

    #[test]
    fn namespaces_share_the_seed_until_they_write() {
        let store = store();
        let (a, b) = (namespace(&store, "a"), namespace(&store, "b"));
        let agents = a.collection(Kind::Agent).len();
        let record = json!({"id": "new", "product_id": "p", "name": "n"});
        a.insert(Kind::Agent, record.as_object().cloned().unwrap_or_default())
            .expect("unique");
        assert_eq!(a.collection(Kind::Agent).len(), agents + 1);
        assert_eq!(b.collection(Kind::Agent).len(), agents);
        assert_eq!(store.state().collection(Kind::Agent).len(), agents);
        store.reset_namespace("a");
        assert_eq!(namespace(&store, "a").collection(Kind::Agent).len(), agents);
    }

    #[test]
    fn token_secrets_follow_updates_in_a_namespace_copy() {
        let store = store();
        let state = namespace(&store, "t");
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
            store
                .state()
                .token_by_secret("prodgy_AcmeSupportDefaultToken000000001")
                .is_some()
        );
    }
}
