//! [`App`]: everything shared by all requests of one server, and the operations on it that
//! more than one front end needs (reset, scenario switching).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::clock::Clock;
use crate::config::Settings;
use crate::date::DateHeader;
use crate::journal::Journal;
use crate::namespace::Namespaces;
use crate::proxy::Proxy;
use crate::ratelimit::RateLimit;
use crate::routes::ApiRouter;
use crate::scenario::{Catalog, Scenario, Scenarios};
use crate::shard::Sharded;

/// The outcome of the latest reload attempt.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReloadReport {
    /// How many reloads were attempted (0 before the first).
    pub attempts: u64,
    /// How many succeeded.
    pub applied: u64,
    /// How many bursts of file events were ignored because no watched file's content had
    /// changed (an editor saving an unchanged buffer, a copy of the same bytes).
    pub unchanged: u64,
    /// The files whose content changed in the latest attempt.
    pub changed: Vec<PathBuf>,
    /// Why the latest attempt was refused (`file:line:column: what`), if it was.
    pub error: Option<String>,
    /// When the latest attempt was made (wall time: the server clock may be frozen).
    pub latest: Option<std::time::Instant>,
}

/// Everything shared by all requests of one server.
#[derive(Debug)]
pub struct App {
    /// Validated settings.
    pub settings: Settings,
    /// The compiled route table.
    pub router: ApiRouter,
    /// The server clock.
    pub clock: Clock,
    /// The `Date` header, from the server clock.
    pub date: DateHeader,
    /// The namespaces and the seed they start from.
    pub namespaces: Namespaces,
    /// Scenarios: catalog and active set.
    pub scenarios: Scenarios,
    /// The outcome of the latest hot reload.
    pub reloads: watch::Sender<ReloadReport>,
    /// The request journal.
    pub journal: Journal,
    /// When the server started (for uptime and idle tracking).
    pub started: Instant,
    /// Requests in flight and when the last one finished, per shard (every request writes
    /// them; see `shard`).
    activity: Sharded<Activity>,
    /// The documented rate limits, compiled: counted on every operation under `--faithful`,
    /// and the source of the headers of an injected 429.
    pub documented_limit: Arc<RateLimit>,
    /// Proxy mode's upstream (`--proxy`): when set, API answers come from it.
    pub proxy: Option<Proxy>,
}

impl App {
    /// An app over `namespaces` and `scenarios`, with an empty journal.
    pub fn new(
        settings: Settings,
        router: ApiRouter,
        clock: Clock,
        namespaces: Namespaces,
        scenarios: Scenarios,
    ) -> Self {
        let journal = Journal::new(settings.journal_size);
        let documented_limit = Arc::new(RateLimit::documented(&router));
        Self {
            settings,
            router,
            clock,
            date: DateHeader,
            namespaces,
            scenarios,
            reloads: watch::channel(ReloadReport::default()).0,
            journal,
            started: Instant::now(),
            activity: Sharded::new(Activity::default),
            documented_limit,
            proxy: None,
        }
    }

    /// The limits every operation counts against when no active scenario sets its own: the
    /// documented ones under `--faithful`, none otherwise.
    pub fn faithful_limit(&self) -> Option<&Arc<RateLimit>> {
        self.settings.faithful.then_some(&self.documented_limit)
    }

    /// Puts one namespace, or all, back to the seed: with it go its journal entries, scenario
    /// counters and rate-limit windows (they live in the namespace).
    pub fn reset(&self, namespace: Option<&str>) {
        match namespace {
            Some(namespace) => {
                self.namespaces.reset_one(namespace);
            }
            None => self.namespaces.reset(),
        }
    }

    /// Restarts every namespace's scenario call counters, generators and rate-limit windows.
    pub fn reset_scenarios(&self) {
        for ns in self.namespaces.all() {
            ns.rules.clear();
            ns.buckets.clear();
        }
    }

    /// Makes `set` the active scenarios and restarts the counters.
    pub fn activate(&self, set: Vec<Arc<Scenario>>) {
        self.scenarios.activate(set);
        self.reset_scenarios();
    }

    /// Swaps in a reloaded catalog: scenarios whose file did not change keep their counters.
    pub fn replace_catalog(&self, catalog: Catalog) {
        let catalog = self.scenarios.replace_catalog(catalog);
        for ns in self.namespaces.all() {
            ns.rules.keep_rules_of(&catalog);
        }
    }

    /// A request arrived.
    pub fn request_started(&self) {
        self.activity
            .mine()
            .in_flight
            .fetch_add(1, Ordering::AcqRel);
    }

    /// A request that arrived was answered at `at`.
    pub fn request_finished(&self, at: Instant) {
        let shard = self.activity.mine();
        let ms = i64::try_from(at.saturating_duration_since(self.started).as_millis());
        shard
            .last_ms
            .fetch_max(ms.unwrap_or(i64::MAX), Ordering::AcqRel);
        // A request may finish on another thread than it started on: only the sum counts.
        shard.in_flight.fetch_sub(1, Ordering::AcqRel);
    }

    /// How long no request has been in flight, or `None` while one is.
    pub fn idle_for(&self) -> Option<Duration> {
        let in_flight: i64 = self
            .activity
            .all()
            .map(|a| a.in_flight.load(Ordering::Acquire))
            .sum();
        if in_flight > 0 {
            return None;
        }
        let last = self
            .activity
            .all()
            .map(|a| a.last_ms.load(Ordering::Acquire))
            .max()
            .unwrap_or(0);
        let last = u64::try_from(last).unwrap_or(0);
        let now = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        Some(Duration::from_millis(now.saturating_sub(last)))
    }
}

/// One shard's share of [`App::idle_for`]'s facts.
#[derive(Debug, Default)]
struct Activity {
    /// Requests started here minus requests finished here (negative when requests moved
    /// between threads; only the sum over shards means anything).
    in_flight: AtomicI64,
    /// Milliseconds since `started` when the last request finished here.
    last_ms: AtomicI64,
}
