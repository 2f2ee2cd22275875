//! [`App`]: everything shared by all requests of one server, and the operations on it that
//! more than one front end needs (reset, scenario switching).

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::clock::Clock;
use crate::config::Settings;
use crate::date::DateHeader;
use crate::journal::Journal;
use crate::namespace::Namespaces;
use crate::reload::ReloadReport;
use crate::routes::Router;
use crate::scenario::{Catalog, Scenario, Scenarios};

/// Everything shared by all requests of one server.
#[derive(Debug)]
pub struct App {
    /// Validated settings.
    pub settings: Settings,
    /// The compiled route table.
    pub router: Router,
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
    /// Requests being answered right now.
    pub in_flight: AtomicUsize,
    /// Milliseconds since `started` when the last request finished.
    pub last_activity_ms: AtomicI64,
}

impl App {
    /// An app over `namespaces` and `scenarios`, with an empty journal.
    pub fn new(
        settings: Settings,
        router: Router,
        clock: Clock,
        namespaces: Namespaces,
        scenarios: Scenarios,
    ) -> Self {
        let journal = Journal::new(settings.journal_size);
        Self {
            settings,
            router,
            clock,
            date: DateHeader::default(),
            namespaces,
            scenarios,
            reloads: watch::channel(ReloadReport::default()).0,
            journal,
            started: Instant::now(),
            in_flight: AtomicUsize::new(0),
            last_activity_ms: AtomicI64::new(0),
        }
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

    /// How long no request has been in flight, or `None` while one is.
    pub fn idle_for(&self) -> Option<Duration> {
        if self.in_flight.load(Ordering::Acquire) > 0 {
            return None;
        }
        let last = u64::try_from(self.last_activity_ms.load(Ordering::Acquire)).unwrap_or(0);
        let now = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        Some(Duration::from_millis(now.saturating_sub(last)))
    }
}
