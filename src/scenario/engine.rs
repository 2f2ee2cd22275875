//! The per-call decision: which rule fires for a request, with its counters and seeded RNG.
//!
//! Calls are counted per namespace, rule and route, so `first: 2` means "the first two calls
//! to each route" and tests in different namespaces never see each other's counts. A rule
//! counts only the requests that reach it: a request already answered by an earlier rule is
//! not counted by later ones. Probabilities and delay ranges draw from one generator per
//! namespace seeded by `--seed`, so a sequence of calls gives the same answers every run.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use dashmap::DashMap;
use hyper::HeaderMap;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::catalog::{Action, Catalog, Rule, Scenario};
use super::model::{Delay, When};
use crate::error::ApiError;
use crate::hash::namespace_seed;
use crate::ratelimit::RateLimit;
use crate::routes::Route;

/// The header that picks scenarios for one request.
pub const SCENARIO_HEADER: &str = "x-mock-scenario";

/// What the engine needs to know about a request.
#[derive(Debug, Clone, Copy)]
pub struct Call<'a> {
    /// The recognized route.
    pub route: &'a Route,
    /// The request path.
    pub path: &'a str,
    /// The request headers.
    pub headers: &'a HeaderMap,
    /// The raw query string.
    pub query: Option<&'a str>,
    /// The namespace.
    pub namespace: &'a str,
}

/// A rule that fired.
#[derive(Debug, Clone)]
pub struct Decision {
    /// Which rule fired (`scenario#n`, or `prefer` for a `Prefer` header).
    pub rule: Arc<str>,
    /// What to do.
    pub action: Arc<Action>,
    /// The delay, already drawn.
    pub delay: Option<Duration>,
}

/// The scenario state of one server: the catalog, the active set, counters and generators.
#[derive(Debug)]
pub struct Scenarios {
    catalog: RwLock<Arc<Catalog>>,
    active: RwLock<Arc<[Arc<Scenario>]>>,
    counters: DashMap<(String, u32, usize), u64>,
    rngs: Mutex<HashMap<String, ChaCha8Rng>>,
    seed: u64,
}

impl Scenarios {
    /// Scenario state over `catalog`, activating its start set; draws come from `seed`.
    pub fn new(catalog: Catalog, seed: u64) -> Self {
        let active: Arc<[Arc<Scenario>]> = catalog.active.clone().into();
        Self {
            catalog: RwLock::new(Arc::new(catalog)),
            active: RwLock::new(active),
            counters: DashMap::new(),
            rngs: Mutex::new(HashMap::new()),
            seed,
        }
    }

    /// The catalog.
    pub fn catalog(&self) -> Arc<Catalog> {
        Arc::clone(&self.catalog.read().unwrap_or_else(|p| p.into_inner()))
    }

    /// The active scenarios, in order.
    pub fn active(&self) -> Arc<[Arc<Scenario>]> {
        Arc::clone(&self.active.read().unwrap_or_else(|p| p.into_inner()))
    }

    /// Makes `set` the active scenarios and restarts the counters.
    pub fn activate(&self, set: Vec<Arc<Scenario>>) {
        *self.active.write().unwrap_or_else(|p| p.into_inner()) = set.into();
        self.reset();
    }

    /// Replaces the catalog after a reload: the active scenarios are looked up again by name
    /// (a name the new catalog lacks is dropped). Rules the reload kept (their file did not
    /// change) keep their call counters; the counters of rules it replaced are dropped.
    pub fn replace_catalog(&self, catalog: Catalog) {
        let set: Vec<Arc<Scenario>> = self
            .active()
            .iter()
            .filter_map(|s| catalog.get(&s.name))
            .collect();
        self.counters
            .retain(|(_, rule, _), _| catalog.has_rule(*rule));
        *self.catalog.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(catalog);
        *self.active.write().unwrap_or_else(|p| p.into_inner()) = set.into();
    }

    /// Forgets every call counter and restarts every generator from the seed.
    pub fn reset(&self) {
        self.counters.clear();
        self.rngs.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }

    /// Restarts the call counters and generator of one namespace.
    pub fn reset_namespace(&self, namespace: &str) {
        self.counters.retain(|(ns, _, _), _| ns != namespace);
        self.rngs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(namespace);
    }

    /// The scenarios for one request: `X-Mock-Scenario` when present (400 for an unknown
    /// name), else the active set.
    pub fn for_request(&self, headers: &HeaderMap) -> Result<Arc<[Arc<Scenario>]>, ApiError> {
        let Some(value) = headers.get(SCENARIO_HEADER) else {
            return Ok(self.active());
        };
        let names = value
            .to_str()
            .map_err(|_| ApiError::bad_request("header 'X-Mock-Scenario' must be plain text"))?;
        self.catalog()
            .resolve([names])
            .map(Into::into)
            .map_err(|m| ApiError::bad_request(format!("header 'X-Mock-Scenario': {m}")))
    }

    /// The rate limit of `set`: the first scenario that has one.
    pub fn rate_limit(set: &[Arc<Scenario>]) -> Option<&Arc<RateLimit>> {
        set.iter().find_map(|s| s.rate_limit.as_ref())
    }

    /// The first rule of `set` that fires for `call`, if any.
    pub fn decide(&self, set: &[Arc<Scenario>], call: &Call<'_>) -> Option<Decision> {
        let rule = set
            .iter()
            .flat_map(|s| s.rules.iter())
            .find(|rule| self.fires(rule, call))?;
        let delay = rule
            .action
            .delay
            .map(|d| self.draw_delay(d, call.namespace));
        Some(Decision {
            rule: Arc::clone(&rule.label),
            action: Arc::clone(&rule.action),
            delay,
        })
    }

    fn fires(&self, rule: &Rule, call: &Call<'_>) -> bool {
        if !rule.routes.matches(call.route, call.path) {
            return false;
        }
        if let Some(extra) = &rule.extra {
            if !extra.matches(call.headers, call.query, call.namespace) {
                return false;
            }
        }
        match rule.when {
            When::Always => true,
            When::Probability(p) => self.draw(call.namespace, |rng| rng.random_bool(p)),
            when => {
                let n = self.count(call.namespace, rule.id, call.route.index);
                match when {
                    When::Nth(k) => n == k,
                    When::Range(from, to) => (from..=to).contains(&n),
                    When::Every(k) => n % k == 0,
                    When::First(k) => n <= k,
                    When::Always | When::Probability(_) => true,
                }
            }
        }
    }

    fn count(&self, namespace: &str, rule: u32, route: usize) -> u64 {
        let mut entry = self
            .counters
            .entry((namespace.to_owned(), rule, route))
            .or_insert(0);
        *entry += 1;
        *entry
    }

    fn draw_delay(&self, delay: Delay, namespace: &str) -> Duration {
        let ms = match delay {
            Delay::Fixed(ms) => ms,
            Delay::Range(lo, hi) => self.draw(namespace, |rng| rng.random_range(lo..=hi)),
        };
        Duration::from_millis(ms)
    }

    fn draw<T>(&self, namespace: &str, f: impl FnOnce(&mut ChaCha8Rng) -> T) -> T {
        let mut rngs = self.rngs.lock().unwrap_or_else(|p| p.into_inner());
        let rng = rngs
            .entry(namespace.to_owned())
            .or_insert_with(|| ChaCha8Rng::seed_from_u64(namespace_seed(self.seed, namespace)));
        f(rng)
    }
}
