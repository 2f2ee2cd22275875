//! Namespaces: one object per `X-Mock-Namespace` value, holding everything that belongs to it.
//!
//! A [`Namespace`] keeps its records ([`State`]), the timelines of its executions ([`Runs`]),
//! its scenario call counters and generator ([`RuleState`]) and its rate-limit buckets
//! ([`Buckets`]) together, under one validated [`NamespaceName`]. Its journal entries carry its
//! [`epoch`](Namespace::epoch), so the journal shows only the entries of the namespace as it is
//! now. Resetting a namespace is therefore one removal from [`Namespaces`]: the next request
//! naming it gets a fresh one from the seed, and requests already holding the old one finish
//! against it.
//!
//! The seed is built once and shared: a namespace reads it until it first writes to a kind,
//! so creating one costs nothing however large the seed is.

use std::borrow::Borrow;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use crate::hash::FastMap;
use hyper::StatusCode;
use hyper::header::HeaderValue;

use crate::error::ApiError;
use crate::executions::Runs;
use crate::headers::Known;
use crate::ratelimit::Buckets;
use crate::scenario::{RuleState, Scenario, Scenarios};
use crate::store::{Seed, Seeded, State};

/// Mixed into a namespace's seed for its scenario draws, apart from its ids.
const RULE_STREAM: u64 = 0x9e37_79b9_7f4a_7c15;

/// The longest namespace name.
pub const MAX_NAME_LEN: usize = 200;

/// A valid namespace name: 1 to [`MAX_NAME_LEN`] visible ASCII characters (0x21 to 0x7E), so
/// a test runner's node id such as `tests/a.py::test_x[/api/agent-base]` can be used as it is.
/// Cheap to clone (shared text).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NamespaceName(Arc<str>);

impl NamespaceName {
    /// The name of requests without `X-Mock-Namespace`.
    pub const DEFAULT: &'static str = "default";

    /// The default namespace's name.
    pub fn default_name() -> Self {
        Self(Arc::from(Self::DEFAULT))
    }

    /// Checks `name` (the raw header or parameter bytes).
    pub fn parse(name: &[u8]) -> Result<Self, ApiError> {
        let visible = name.iter().all(|b| (0x21..=0x7e).contains(b));
        match std::str::from_utf8(name) {
            Ok(text) if visible && (1..=MAX_NAME_LEN).contains(&text.len()) => {
                Ok(Self(Arc::from(text)))
            }
            _ => Err(ApiError::bad_request(format!(
                "namespace names (X-Mock-Namespace) must be 1 to {MAX_NAME_LEN} visible ASCII \
                 characters (no spaces or control characters), got {} bytes",
                name.len()
            ))),
        }
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The shared text, for records that keep the name (the journal).
    pub fn shared(&self) -> Arc<str> {
        Arc::clone(&self.0)
    }
}

impl Borrow<str> for NamespaceName {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for NamespaceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Everything one namespace owns.
#[derive(Debug)]
pub struct Namespace {
    name: NamespaceName,
    epoch: u64,
    /// Its records.
    pub state: Arc<State>,
    /// The timelines of its executions.
    pub runs: Arc<Runs>,
    /// Its scenario call counters and random draws.
    pub rules: RuleState,
    /// Its rate-limit windows.
    pub buckets: Buckets,
}

impl Namespace {
    /// Its name.
    pub fn name(&self) -> &NamespaceName {
        &self.name
    }

    /// Which incarnation of the name this is: a reset makes a new one with a higher epoch.
    pub fn epoch(&self) -> u64 {
        self.epoch
    }
}

/// The generator seed of namespace `name` under the server seed `seed`: the default
/// namespace uses `seed` itself, every other name its own stream, so ids and draws stay
/// deterministic per namespace and never repeat across namespaces.
pub fn namespace_seed(seed: u64, name: &str) -> u64 {
    if name == NamespaceName::DEFAULT {
        seed
    } else {
        seed ^ crate::hash::fnv1a(name.as_bytes()).rotate_left(17)
    }
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

impl TooManyNamespaces {
    /// The 503 a request naming one namespace too many gets.
    pub fn to_api_error(self) -> ApiError {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, self.to_string())
    }
}

/// A namespace and its scenarios as one connection holds them between requests. Requests
/// get it through their connection's [`Holder`], and cloning it touches only that
/// connection's memory: a namespace shared by every connection would otherwise have its
/// reference count (and the scenario set's, and the name's) move between cores on every
/// request.
#[derive(Debug)]
pub struct Held {
    /// The namespace.
    pub namespace: Arc<Namespace>,
    /// Its name, in text of this connection's own (journal entries keep it).
    pub name: Arc<str>,
    /// The scenarios its requests run under when they name none.
    pub scenarios: Arc<[Arc<Scenario>]>,
    /// The `X-Mock-Namespace` it answers (`None`: no header).
    header: Option<Box<[u8]>>,
    /// [`Namespaces::hold`]'s counters when it was looked up.
    removals: u64,
    switches: (u64, u64),
}

/// What one connection holds between its requests (see [`Namespaces::hold`]).
#[derive(Debug, Default)]
pub struct Holder {
    last: Mutex<Option<Arc<Held>>>,
}

impl Holder {
    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Arc<Held>>> {
        // Replaced whole: a panic cannot leave it half written.
        self.last.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The seed and the live namespaces built over it.
#[derive(Debug)]
pub struct Namespaces {
    seed: RwLock<Arc<Seeded>>,
    live: FastMap<NamespaceName, Arc<Namespace>>,
    rng_seed: u64,
    max: usize,
    epochs: AtomicU64,
    /// Bumped after every removal of a namespace, so a namespace a connection holds (see
    /// [`Held`]) knows it is still the live one.
    removals: AtomicU64,
}

impl Namespaces {
    /// Namespaces over `seed`; ids and draws come from `rng_seed` (each namespace its own
    /// stream, see [`namespace_seed`]); at most `max` namespaces besides the default one exist
    /// at a time.
    pub fn new(seed: Seed, rng_seed: u64, max: usize) -> Self {
        Self {
            seed: RwLock::new(Arc::new(Seeded::new(seed))),
            live: FastMap::default(),
            rng_seed,
            max,
            epochs: AtomicU64::new(0),
            removals: AtomicU64::new(0),
        }
    }

    /// The default namespace.
    pub fn default_namespace(&self) -> Arc<Namespace> {
        match self.live.get(NamespaceName::DEFAULT) {
            Some(ns) => Arc::clone(&ns),
            None => self.create(&NamespaceName::default_name()),
        }
    }

    /// Namespace `name`, created from the seed on first use; refused when that would make
    /// more namespaces than the limit. Nothing already stored is ever evicted.
    pub fn get(&self, name: &NamespaceName) -> Result<Arc<Namespace>, TooManyNamespaces> {
        if let Some(ns) = self.live.get(name.as_str()) {
            return Ok(Arc::clone(&ns));
        }
        // Two reads a concurrent reset may separate: saturate rather than trust them.
        let named = self
            .live
            .len()
            .saturating_sub(usize::from(self.live.contains_key(NamespaceName::DEFAULT)));
        if name.as_str() != NamespaceName::DEFAULT && named >= self.max {
            return Err(TooManyNamespaces { limit: self.max });
        }
        Ok(self.create(name))
    }

    /// The namespace a request's `X-Mock-Namespace` names (400 when malformed), or the default
    /// one; 503 when it would be one namespace too many.
    pub fn of_request(
        &self,
        headers: &crate::headers::Known<'_>,
    ) -> Result<Arc<Namespace>, ApiError> {
        match headers.namespace {
            None => Ok(self.default_namespace()),
            Some(value) => {
                let name = NamespaceName::parse(value.as_bytes())?;
                self.get(&name).map_err(TooManyNamespaces::to_api_error)
            }
        }
    }

    /// The records of namespace `name` if it is live, else a fresh state over the seed that is
    /// not kept (what a read-only look at a namespace no request has named yet sees).
    pub fn peek(&self, name: &str) -> Arc<State> {
        match self.live.get(name) {
            Some(ns) => Arc::clone(&ns.state),
            None => Arc::new(State::over(
                self.seeded(),
                namespace_seed(self.rng_seed, name),
            )),
        }
    }

    /// Namespace `name`, if it is live.
    pub fn live_namespace(&self, name: &str) -> Option<Arc<Namespace>> {
        self.live.get(name).map(|ns| Arc::clone(&ns))
    }

    /// The scenarios live namespace `name` runs instead of the server's, if it has its own.
    pub fn live_rules(&self, name: &str) -> Option<Arc<[Arc<crate::scenario::Scenario>]>> {
        self.live.get(name)?.rules.active()
    }

    /// Whether an entry made in namespace `name` at `epoch` belongs to its live incarnation.
    pub fn is_current(&self, name: &str, epoch: u64) -> bool {
        self.live.get(name).is_some_and(|ns| ns.epoch == epoch)
    }

    fn create(&self, name: &NamespaceName) -> Arc<Namespace> {
        let fresh = || {
            Arc::new(Namespace {
                name: name.clone(),
                epoch: self.epochs.fetch_add(1, Ordering::Relaxed),
                state: Arc::new(State::over(
                    self.seeded(),
                    namespace_seed(self.rng_seed, name.as_str()),
                )),
                runs: Arc::default(),
                // Its own stream: the same seed as the ids would repeat their draws.
                rules: RuleState::new(namespace_seed(self.rng_seed, name.as_str()) ^ RULE_STREAM),
                buckets: Buckets::default(),
            })
        };
        Arc::clone(&self.live.entry(name.clone()).or_insert_with(fresh))
    }

    /// The names of the live namespaces, sorted.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.live.iter().map(|e| e.key().to_string()).collect();
        names.sort();
        names
    }

    /// Every live namespace.
    pub fn all(&self) -> Vec<Arc<Namespace>> {
        self.live.iter().map(|e| Arc::clone(e.value())).collect()
    }

    /// The built seed every namespace starts from.
    pub fn seeded(&self) -> Arc<Seeded> {
        Arc::clone(&self.seed.read().unwrap_or_else(|p| p.into_inner()))
    }

    /// Replaces the seed with `next` (a hot reload). Namespaces created from now on (and
    /// after a reset) start from it; every live namespace gets the difference merged in (see
    /// [`State::apply`]).
    pub fn replace_seed(&self, next: Seed) {
        let diff = self.seeded().diff(&next);
        for ns in self.all() {
            ns.state.apply(&diff);
        }
        *self.seed.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(Seeded::new(next));
    }

    /// Drops every namespace: each starts again from the seed when next named.
    pub fn reset(&self) {
        self.live.clear();
        self.removals.fetch_add(1, Ordering::Release);
    }

    /// Drops namespace `name`; whether it was live.
    pub fn reset_one(&self, name: &str) -> bool {
        let removed = self.live.remove(name).is_some();
        self.removals.fetch_add(1, Ordering::Release);
        removed
    }

    /// The namespace and the scenarios of a request, through what its connection `held`
    /// for its previous request: the same `X-Mock-Namespace` (or none) and no `X-Mock-Scenario`
    /// get that again, as long as no namespace was removed and no scenarios were switched
    /// since. Anything else is looked up (and held for the next request).
    pub fn hold(
        &self,
        headers: &Known<'_>,
        scenarios: &Scenarios,
        held: &Holder,
    ) -> Result<Arc<Held>, ApiError> {
        let header = headers.namespace.map(HeaderValue::as_bytes);
        // Read before the look-ups: a change after them makes the next request look again.
        let (removals, switches) = (self.removals.load(Ordering::Acquire), scenarios.version());
        let mut last = held.lock();
        if let Some(same) = last.as_ref().filter(|h| {
            h.removals == removals
                && h.switches == (switches, h.namespace.rules.version())
                && h.header.as_deref() == header
        }) {
            return Ok(Arc::clone(same));
        }
        let namespace = self.of_request(headers)?;
        let rules = namespace.rules.version();
        let set = namespace
            .rules
            .active()
            .unwrap_or_else(|| scenarios.active());
        let fresh = Arc::new(Held {
            name: Arc::from(namespace.name().as_str()),
            namespace,
            scenarios: set,
            header: header.map(Box::from),
            removals,
            switches: (switches, rules),
        });
        *last = Some(Arc::clone(&fresh));
        Ok(fresh)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use serde_json::json;

    use super::*;
    use crate::schema::{Kind, Record};

    fn namespaces() -> Namespaces {
        let seed = crate::fixtures::FixtureSet::builtin().expect("builtin");
        Namespaces::new(seed.into_seed(), 1, 2)
    }

    fn get(all: &Namespaces, name: &str) -> Arc<Namespace> {
        let name = NamespaceName::parse(name.as_bytes()).expect("valid");
        all.get(&name).expect("under the limit")
    }

    #[test]
    fn names_are_visible_ascii_up_to_200_characters() {
        assert!(NamespaceName::parse(b"tests/a.py::test_x[/api/agent-base]").is_ok());
        assert!(NamespaceName::parse("n".repeat(200).as_bytes()).is_ok());
        for bad in [&b""[..], b"has space", b"tab\t", "é".as_bytes()] {
            assert!(NamespaceName::parse(bad).is_err(), "{bad:?}");
        }
        assert!(NamespaceName::parse("n".repeat(201).as_bytes()).is_err());
    }

    #[test]
    fn namespaces_share_the_seed_until_they_write() {
        let all = namespaces();
        let (a, b) = (get(&all, "a"), get(&all, "b"));
        let agents = a.state.collection(Kind::Agent).len();
        let record = json!({"id": "new", "product_id": "p", "name": "n"});
        a.state
            .insert(Kind::Agent, record.as_object().cloned().unwrap_or_default())
            .expect("unique");
        assert_eq!(a.state.collection(Kind::Agent).len(), agents + 1);
        assert_eq!(b.state.collection(Kind::Agent).len(), agents);
        assert_eq!(
            all.default_namespace().state.collection(Kind::Agent).len(),
            agents
        );
        assert!(all.reset_one("a"));
        assert_eq!(get(&all, "a").state.collection(Kind::Agent).len(), agents);
    }

    #[test]
    fn namespaces_beyond_the_limit_are_refused_and_nothing_is_evicted() {
        let all = namespaces();
        let a = get(&all, "a");
        let kept = Record::from_iter([("id".into(), json!("kept"))]);
        a.state.insert(Kind::Agent, kept).expect("unique");
        get(&all, "b");
        let c = NamespaceName::parse(b"c").expect("valid");
        assert_eq!(all.get(&c).err(), Some(TooManyNamespaces { limit: 2 }));
        all.default_namespace();
        assert!(get(&all, "a").state.get(Kind::Agent, "kept").is_some());
        assert!(all.peek("c").get(Kind::Agent, "kept").is_none());
        assert_eq!(all.names(), ["a", "b", "default"]);
        all.reset_one("b");
        get(&all, "c");
    }

    #[test]
    fn a_reset_makes_a_new_epoch() {
        let all = namespaces();
        let first = get(&all, "a").epoch();
        assert!(all.is_current("a", first));
        all.reset_one("a");
        assert!(!all.is_current("a", first));
        assert!(get(&all, "a").epoch() > first);
    }

    #[test]
    fn namespaces_draw_distinct_ids_and_the_same_ones_again_from_the_same_seed() {
        let all = namespaces();
        let ids: HashSet<String> = ["a", "b"]
            .iter()
            .flat_map(|n| {
                let ns = get(&all, n);
                (0..3).map(move |_| ns.state.new_id()).collect::<Vec<_>>()
            })
            .collect();
        assert_eq!(ids.len(), 6);
        let again = namespaces();
        let first: Vec<String> = (0..3).map(|_| get(&again, "a").state.new_id()).collect();
        assert!(
            first.iter().all(|id| ids.contains(id)),
            "same seed, same ids"
        );
    }

    #[test]
    fn namespaces_get_their_own_seed_and_the_default_keeps_the_server_seed() {
        assert_eq!(namespace_seed(42, "default"), 42);
        assert_ne!(namespace_seed(42, "a"), namespace_seed(42, "b"));
        assert_ne!(namespace_seed(42, "a"), 42);
    }
}
