//! The per-call decision: which rule fires for a request, with its counters and seeded RNG.
//!
//! Calls are counted per namespace, rule and route, so `first: 2` means "the first two calls
//! to each route" and tests in different namespaces never see each other's counts. A rule
//! counts only the requests that reach it: a request already answered by an earlier rule is
//! not counted by later ones. Probabilities and delay ranges draw from one generator per
//! namespace seeded by `--seed`, so a sequence of calls gives the same answers every run.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use crate::hash::FastMap;
use hyper::HeaderMap;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::catalog::{Catalog, Effect, Rule, Scenario};
use super::model::{Delay, When};
use crate::error::ApiError;
use crate::headers::Known;
use crate::ratelimit::RateLimit;
use crate::routes::Route;

/// What the engine needs to know about a request.
#[derive(Debug, Clone, Copy)]
pub struct Call<'a> {
    /// The recognized route.
    pub route: &'a Route<'a>,
    /// The request path.
    pub path: &'a str,
    /// The request headers.
    pub headers: &'a HeaderMap,
    /// Whether they hold a `Prefer` header (found with the other known headers).
    pub prefer: bool,
    /// The raw query string.
    pub query: Option<&'a str>,
    /// The namespace.
    pub namespace: &'a str,
}

/// What the engine needs to know about an MCP tool call (a `POST /mcp` carrying
/// `tools/call`).
#[derive(Debug, Clone, Copy)]
pub struct ToolCall<'a> {
    /// The tool's row (see [`crate::routes::tool_row`]).
    pub row: usize,
    /// The HTTP request headers.
    pub headers: &'a HeaderMap,
    /// The raw query string of the request.
    pub query: Option<&'a str>,
    /// The namespace.
    pub namespace: &'a str,
}

/// A call as the rules see it: a row, where it was sent, and the request.
#[derive(Debug, Clone, Copy)]
struct Target<'a> {
    row: usize,
    path: &'a str,
    headers: &'a HeaderMap,
    query: Option<&'a str>,
    namespace: &'a str,
}

impl<'a> From<&Call<'a>> for Target<'a> {
    fn from(call: &Call<'a>) -> Self {
        Self {
            row: call.route.index,
            path: call.path,
            headers: call.headers,
            query: call.query,
            namespace: call.namespace,
        }
    }
}

impl<'a> From<&ToolCall<'a>> for Target<'a> {
    fn from(call: &ToolCall<'a>) -> Self {
        Self {
            row: call.row,
            path: crate::routes::MCP_PATH,
            headers: call.headers,
            query: call.query,
            namespace: call.namespace,
        }
    }
}

/// A rule that fired.
#[derive(Debug, Clone)]
pub struct Decision {
    /// Which rule fired (`scenario#n`, or `prefer` for a `Prefer` header).
    pub rule: Arc<str>,
    /// What to do.
    pub effect: Arc<Effect>,
    /// The delay, already drawn.
    pub delay: Option<Duration>,
}

/// The scenario state of one namespace: the scenarios it runs when they differ from the
/// server's, call counters per rule and route, and the generator of its probabilities and
/// delays.
#[derive(Debug)]
pub struct RuleState {
    active: RwLock<Option<Arc<[Arc<Scenario>]>>>,
    /// Bumped after every change of `active`.
    version: AtomicU64,
    counters: FastMap<(u32, usize), u64>,
    rng: Mutex<ChaCha8Rng>,
    seed: u64,
}

impl RuleState {
    /// Fresh counters, and a generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            active: RwLock::new(None),
            version: AtomicU64::new(0),
            counters: FastMap::default(),
            rng: Mutex::new(ChaCha8Rng::seed_from_u64(seed)),
            seed,
        }
    }

    /// The scenarios this namespace runs instead of the server's, if it has its own.
    pub fn active(&self) -> Option<Arc<[Arc<Scenario>]>> {
        self.active
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Gives this namespace its own scenarios (`None`: the server's again) and restarts its
    /// counters.
    pub fn activate(&self, set: Option<Vec<Arc<Scenario>>>) {
        *self.active.write().unwrap_or_else(|p| p.into_inner()) = set.map(Into::into);
        self.version.fetch_add(1, Ordering::Release);
        self.clear();
    }

    /// How many times its scenarios were switched: equal counts mean the same scenarios.
    pub fn version(&self) -> u64 {
        self.version.load(Ordering::Acquire)
    }

    /// Forgets every counter and restarts the generator.
    pub fn clear(&self) {
        self.counters.clear();
        *self.rng.lock().unwrap_or_else(|p| p.into_inner()) = ChaCha8Rng::seed_from_u64(self.seed);
    }

    /// After a reload: looks its own scenarios up again by name in `catalog`, and forgets the
    /// counters of rules `catalog` no longer has.
    pub fn keep_rules_of(&self, catalog: &Catalog) {
        let mut active = self.active.write().unwrap_or_else(|p| p.into_inner());
        if let Some(set) = active.as_ref() {
            let again: Vec<Arc<Scenario>> =
                set.iter().filter_map(|s| catalog.get(&s.name)).collect();
            *active = Some(again.into());
        }
        drop(active);
        self.version.fetch_add(1, Ordering::Release);
        self.counters.retain(|(rule, _), _| catalog.has_rule(*rule));
    }

    fn count(&self, rule: u32, route: usize) -> u64 {
        let mut entry = self.counters.entry((rule, route)).or_insert(0);
        *entry += 1;
        *entry
    }

    fn draw<T>(&self, f: impl FnOnce(&mut ChaCha8Rng) -> T) -> T {
        f(&mut self.rng.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

/// The scenarios of one server: the catalog and the active set (per-namespace counters live in
/// each namespace's [`RuleState`]).
#[derive(Debug)]
pub struct Scenarios {
    catalog: RwLock<Arc<Catalog>>,
    active: RwLock<Arc<[Arc<Scenario>]>>,
    /// Bumped after every change of `active`.
    version: AtomicU64,
}

impl Scenarios {
    /// Scenario state over `catalog`, activating its start set.
    pub fn new(catalog: Catalog) -> Self {
        let active: Arc<[Arc<Scenario>]> = catalog.active.clone().into();
        Self {
            catalog: RwLock::new(Arc::new(catalog)),
            active: RwLock::new(active),
            version: AtomicU64::new(0),
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

    /// Makes `set` the active scenarios (the caller restarts the namespaces' counters).
    pub fn activate(&self, set: Vec<Arc<Scenario>>) {
        *self.active.write().unwrap_or_else(|p| p.into_inner()) = set.into();
        self.version.fetch_add(1, Ordering::Release);
    }

    /// How many times the active scenarios were switched: equal counts mean the same set.
    pub fn version(&self) -> u64 {
        self.version.load(Ordering::Acquire)
    }

    /// Replaces the catalog after a reload: the active scenarios are looked up again by name
    /// (a name the new catalog lacks is dropped). Rules the reload kept (their file did not
    /// change) keep their call counters; the caller drops the counters of rules it replaced
    /// ([`RuleState::keep_rules_of`]).
    pub fn replace_catalog(&self, catalog: Catalog) -> Arc<Catalog> {
        let set: Vec<Arc<Scenario>> = self
            .active()
            .iter()
            .filter_map(|s| catalog.get(&s.name))
            .collect();
        let catalog = Arc::new(catalog);
        *self.catalog.write().unwrap_or_else(|p| p.into_inner()) = Arc::clone(&catalog);
        *self.active.write().unwrap_or_else(|p| p.into_inner()) = set.into();
        self.version.fetch_add(1, Ordering::Release);
        catalog
    }

    /// The scenarios for one request: `X-Mock-Scenario` when present (400 for an unknown
    /// name), else its namespace's own, else the server's active set.
    pub fn for_request(
        &self,
        headers: &Known<'_>,
        namespace: &RuleState,
    ) -> Result<Arc<[Arc<Scenario>]>, ApiError> {
        let Some(value) = headers.scenario else {
            return Ok(namespace.active().unwrap_or_else(|| self.active()));
        };
        let names = value
            .to_str()
            .map_err(|_| ApiError::bad_request("header 'X-Mock-Scenario' must be plain text"))?;
        self.catalog()
            .resolve([names])
            .map(Into::into)
            .map_err(|unknown| {
                ApiError::bad_request(format!("header 'X-Mock-Scenario': {unknown}"))
            })
    }

    /// The rate limit of `set`: the first scenario that has one.
    pub fn rate_limit(set: &[Arc<Scenario>]) -> Option<&Arc<RateLimit>> {
        set.iter().find_map(|s| s.rate_limit.as_ref())
    }

    /// The first rule of `set` that fires for `call`, counted and drawn in `rules`.
    pub fn decide(set: &[Arc<Scenario>], call: &Call<'_>, rules: &RuleState) -> Option<Decision> {
        Self::first_firing(set, Target::from(call), rules)
    }

    /// The first rule of `set` that fires for the MCP tool call `call`, counted (per rule,
    /// tool and namespace) and drawn in `rules`.
    pub fn decide_tool(
        set: &[Arc<Scenario>],
        call: &ToolCall<'_>,
        rules: &RuleState,
    ) -> Option<Decision> {
        Self::first_firing(set, Target::from(call), rules)
    }

    fn first_firing(
        set: &[Arc<Scenario>],
        call: Target<'_>,
        rules: &RuleState,
    ) -> Option<Decision> {
        let rule = set
            .iter()
            .flat_map(|s| s.rules.iter())
            .find(|rule| fires(rule, &call, rules))?;
        let delay = rule.effect.delay.map(|d| draw_delay(d, rules));
        Some(Decision {
            rule: Arc::clone(&rule.label),
            effect: Arc::clone(&rule.effect),
            delay,
        })
    }
}

fn fires(rule: &Rule, call: &Target<'_>, rules: &RuleState) -> bool {
    if !rule.routes.matches_row(call.row, call.path) {
        return false;
    }
    if let Some(extra) = &rule.extra
        && !extra.matches(call.headers, call.query, call.namespace)
    {
        return false;
    }
    match rule.when {
        When::Always => true,
        When::Probability(p) => rules.draw(|rng| rng.random_bool(p)),
        when => {
            let n = rules.count(rule.id, call.row);
            match when {
                When::Nth(k) => n == k,
                When::Range(from, to) => (from..=to).contains(&n),
                When::Every(k) => n.is_multiple_of(k),
                When::First(k) => n <= k,
                When::Always | When::Probability(_) => true,
            }
        }
    }
}

fn draw_delay(delay: Delay, rules: &RuleState) -> Duration {
    let ms = match delay {
        Delay::Fixed(ms) => ms,
        Delay::Range(lo, hi) => rules.draw(|rng| rng.random_range(lo..=hi)),
    };
    Duration::from_millis(ms)
}
