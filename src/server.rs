//! [`MockServer`] and its builder: the listener, the accept loop and graceful shutdown.
//!
//! The server binds `127.0.0.1:0` unless told otherwise, so parallel tests never fight over
//! a port. Dropping a [`MockServer`] stops it; [`MockServer::shutdown`] also waits for
//! in-flight requests to drain.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::app::App;
use crate::app::ReloadReport;
use crate::auth;
use crate::clock::{Clock, Timestamp};
use crate::config::{AuthMode, FixtureSource, Settings};
use crate::error::{StartError, UnknownScenario};
use crate::fixtures::FixtureSet;
use crate::namespace::{Holder, Namespaces};
use crate::proxy::Proxy;
use crate::record::{RecordError, Written};
use crate::reload;
use crate::routes::{ApiRouter, OPERATIONS};
use crate::scenario::{Catalog, ConnIo, Scenarios};
use crate::service::{self, Conn, Service};
use crate::timer::HeadTimer;
use crate::verify::{Expectation, ReceivedRequest, RequestFilter};

/// How long shutdown waits for in-flight requests before closing connections.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);
/// Largest request head (request line plus headers); larger ones get 431.
const MAX_HEAD_BYTES: usize = 64 * 1024;

/// Configures and starts a [`MockServer`].
#[derive(Debug, Default)]
pub struct MockServerBuilder {
    settings: Settings,
    listener: Option<std::net::TcpListener>,
}

impl MockServerBuilder {
    /// Seed from a fixtures directory (or an exported state file) instead of the built-in
    /// fixtures.
    pub fn fixtures_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.settings.fixtures = FixtureSource::Dir(dir.into());
        self
    }

    /// Activate a scenario (a built-in name or a file). Repeat to compose.
    pub fn scenario(mut self, name_or_file: impl Into<String>) -> Self {
        self.settings.scenarios.push(name_or_file.into());
        self
    }

    /// Watch the fixtures directory and scenario files and hot-reload them (off by default
    /// in the library, on by default in the CLI).
    pub fn watch(mut self, on: bool) -> Self {
        self.settings.watch = on;
        self
    }

    /// The seed for generated ids, secrets and fake data.
    pub fn seed(mut self, seed: u64) -> Self {
        self.settings.seed = seed;
        self
    }

    /// How credentials are checked.
    pub fn auth(mut self, mode: AuthMode) -> Self {
        self.settings.auth = mode;
        self
    }

    /// The largest accepted request body, in bytes.
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.settings.body_limit = bytes;
        self
    }

    /// The largest accepted knowledge-base upload (the file part), in bytes.
    pub fn upload_limit(mut self, bytes: usize) -> Self {
        self.settings.upload_limit = bytes;
        self
    }

    /// Freeze the server clock at `start`; it then moves only through [`Clock::advance`].
    pub fn frozen_clock(mut self, start: Timestamp) -> Self {
        self.settings.frozen_clock = Some(start);
        self
    }

    /// Serve the admin API under `/__admin` (default on).
    pub fn admin(mut self, enabled: bool) -> Self {
        self.settings.admin = enabled;
        self
    }

    /// How many requests the journal keeps (default 1000; 0 turns it off).
    pub fn journal_size(mut self, entries: usize) -> Self {
        self.settings.journal_size = entries;
        self
    }

    /// How long a client may take to send its request head (default 10 s); slower
    /// connections are closed without a response.
    pub fn header_timeout(mut self, timeout: Duration) -> Self {
        self.settings.header_timeout = timeout;
        self
    }

    /// How many namespaces (besides the default one) may exist at a time (default 10000);
    /// a request naming one more gets 503 until namespaces are reset.
    pub fn max_namespaces(mut self, limit: usize) -> Self {
        self.settings.max_namespaces = limit;
        self
    }

    /// Behave like the real API at once: strict auth (only tokens in the state) and the
    /// documented rate limits (10 a minute, 5 on strict operations) on every operation. A
    /// scenario may still add rules, or set limits of its own.
    pub fn faithful(mut self, on: bool) -> Self {
        self.settings.faithful = on;
        self
    }

    /// Answer CORS preflights and let any origin read the answers (default on).
    pub fn cors(mut self, enabled: bool) -> Self {
        self.settings.cors = enabled;
        self
    }

    /// Proxy mode: forward API requests to the instance at `url` (`http://` or `https://`)
    /// and return its answers; scenarios still apply on top, admin routes stay local, and an
    /// upstream that does not answer gets a 502 envelope naming it.
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.settings.proxy = Some(url.into());
        self
    }

    /// With [`MockServerBuilder::proxy`]: how long to wait for the upstream (default 30 s).
    pub fn proxy_timeout(mut self, timeout: Duration) -> Self {
        self.settings.proxy_timeout = timeout;
        self
    }

    /// With [`MockServerBuilder::proxy`]: save the records that pass through as a fixture
    /// directory (new or empty), written on shutdown or by [`MockServer::flush_recording`].
    pub fn record(mut self, dir: impl Into<PathBuf>) -> Self {
        self.settings.record = Some(dir.into());
        self
    }

    /// Listen on `addr` (default `127.0.0.1:0`).
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.settings.addr = addr;
        self
    }

    /// Serve on an already-bound listener (it must be non-blocking or will be made so).
    pub fn listener(mut self, listener: std::net::TcpListener) -> Self {
        self.listener = Some(listener);
        self
    }

    /// All settings at once (used by the CLI).
    pub fn settings(mut self, settings: Settings) -> Self {
        self.settings = settings;
        self
    }

    /// Starts the server, panicking with the reason if it cannot. Meant for tests.
    pub async fn start(self) -> MockServer {
        match self.try_start().await {
            Ok(server) => server,
            Err(error) => panic!("prodgy-mock failed to start: {error}"),
        }
    }

    /// Starts the server: loads fixtures, binds, and serves until shut down.
    pub async fn try_start(self) -> Result<MockServer, StartError> {
        let app = Arc::new(build_app(self.settings)?);
        let listener = match self.listener {
            Some(std) => {
                let addr = std.local_addr().map(|a| a.to_string()).unwrap_or_default();
                std.set_nonblocking(true)
                    .and_then(|()| TcpListener::from_std(std))
                    .map_err(|source| StartError::Bind { addr, source })?
            }
            None => {
                let addr = app.settings.addr;
                TcpListener::bind(addr)
                    .await
                    .map_err(|source| StartError::Bind {
                        addr: addr.to_string(),
                        source,
                    })?
            }
        };
        let address = listener.local_addr().map_err(|source| StartError::Bind {
            addr: "listener".into(),
            source,
        })?;
        let watcher = if app.settings.watch {
            reload::watch(&app)?
        } else {
            None
        };
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(serve(listener, Arc::clone(&app), stopped));
        Ok(MockServer {
            address,
            app,
            stop,
            task: Some(task),
            expectations: Mutex::new(Vec::new()),
            _watcher: watcher,
        })
    }
}

fn build_app(settings: Settings) -> Result<App, StartError> {
    let fixtures = match &settings.fixtures {
        FixtureSource::Builtin => FixtureSet::builtin()?,
        FixtureSource::Dir(dir) => FixtureSet::load(dir)?,
    };
    let router = ApiRouter::new(OPERATIONS);
    let catalog = Catalog::load(&settings.scenarios, &router)?;
    let clock = settings
        .frozen_clock
        .map_or_else(Clock::system, Clock::frozen);
    let namespaces = Namespaces::new(fixtures.into_seed(), settings.seed, settings.max_namespaces);
    let scenarios = Scenarios::new(catalog);
    let proxy = proxy_of(&settings)?;
    let mut app = App::new(settings, router, clock, namespaces, scenarios);
    app.proxy = proxy;
    Ok(app)
}

/// The proxy `--proxy` and `--record` ask for: a usable URL, and a record directory that is
/// new or empty (so shutdown never overwrites one).
fn proxy_of(settings: &Settings) -> Result<Option<Proxy>, StartError> {
    let Some(url) = &settings.proxy else {
        return match &settings.record {
            Some(dir) => Err(StartError::InvalidFlag {
                flag: "--record",
                value: dir.display().to_string(),
                expected: "usable without --proxy (record a whole instance with prodgy-mock record)",
            }),
            None => Ok(None),
        };
    };
    if let Some(dir) = &settings.record {
        crate::record::disk::check_out(dir, false).map_err(|_| StartError::InvalidFlag {
            flag: "--record",
            value: dir.display().to_string(),
            expected: "a new or empty directory",
        })?;
    }
    let timeout = settings.proxy_timeout;
    Proxy::new(url, timeout, settings.record.clone(), settings.seed)
        .map(Some)
        .map_err(|_| StartError::InvalidFlag {
            flag: "--proxy",
            value: url.clone(),
            expected: "an http:// or https:// URL with a host",
        })
}

/// A running mock. Dropping it stops the server, after checking the expectations set with
/// [`MockServer::expect`] (a failed one panics, unless the test is already panicking).
#[derive(Debug)]
pub struct MockServer {
    address: SocketAddr,
    app: Arc<App>,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
    expectations: Mutex<Vec<Expectation>>,
    _watcher: Option<reload::Watcher>,
}

impl MockServer {
    /// A builder with the defaults: built-in fixtures, lenient auth, seed 42, `127.0.0.1:0`.
    pub fn builder() -> MockServerBuilder {
        MockServerBuilder::default()
    }

    /// Starts a server with the defaults.
    pub async fn start() -> MockServer {
        Self::builder().start().await
    }

    /// The base URL, e.g. `http://127.0.0.1:49152`. API paths start with `/api`.
    pub fn uri(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The bound socket address.
    pub fn address(&self) -> &SocketAddr {
        &self.address
    }

    /// The server clock: advance it to expire tokens or finish executions without sleeping.
    pub fn clock(&self) -> &Clock {
        &self.app.clock
    }

    /// How long no request has been in flight (`None` while one is).
    pub fn idle_for(&self) -> Option<Duration> {
        self.app.idle_for()
    }

    /// Puts all state back to the seed, clears the journal and restarts scenario counters
    /// and rate-limit windows (what `POST /__admin/reset` does).
    pub fn reset(&self) {
        self.app.reset(None);
    }

    /// The outcome of hot reloads: await `changed()` on it to see the next one.
    pub fn reloads(&self) -> watch::Receiver<ReloadReport> {
        self.app.reloads.subscribe()
    }

    /// Switches the active scenarios (built-in or loaded names), as `POST /__admin/scenario`
    /// does.
    pub fn set_scenarios(&self, names: &[&str]) -> Result<(), UnknownScenario> {
        let set = self
            .app
            .scenarios
            .catalog()
            .resolve(names.iter().copied())?;
        self.app.activate(set);
        Ok(())
    }

    /// Every request the journal holds (the last `journal_size`, 1000 by default), oldest
    /// first, as answered. Requests of a namespace reset since are left out.
    pub fn received_requests(&self) -> Vec<ReceivedRequest> {
        self.requests(&RequestFilter::new())
    }

    /// The received requests passing `filter`, oldest first.
    pub fn requests(&self, filter: &RequestFilter) -> Vec<ReceivedRequest> {
        let live = |name: &str, epoch| self.app.namespaces.is_current(name, epoch);
        let mut entries: Vec<ReceivedRequest> = self
            .app
            .journal
            .list(&filter.inner, live, usize::MAX)
            .iter()
            .map(|e| ReceivedRequest::from_entry(e))
            .collect();
        entries.reverse();
        entries
    }

    /// How many received requests pass `filter`.
    pub fn count(&self, filter: &RequestFilter) -> usize {
        let live = |name: &str, epoch| self.app.namespaces.is_current(name, epoch);
        self.app.journal.count(&filter.inner, live)
    }

    /// Expects requests: checked by [`MockServer::verify`], and when the server is dropped.
    ///
    /// ```no_run
    /// # async fn demo() {
    /// use prodgy_mock::{Expectation, MockServer};
    /// let server = MockServer::start().await;
    /// server.expect(Expectation::route("agents.install", 1));
    /// // … the code under test installs exactly one agent …
    /// server.verify();
    /// # }
    /// ```
    pub fn expect(&self, expectation: Expectation) {
        self.expectations
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(expectation);
    }

    /// Checks every expectation now and forgets them; panics with the ones that failed and
    /// the requests that did arrive.
    pub fn verify(&self) {
        let expectations =
            std::mem::take(&mut *self.expectations.lock().unwrap_or_else(|p| p.into_inner()));
        let failures: Vec<String> = expectations
            .iter()
            .filter_map(|e| e.failure(self.count(&e.filter) as u64))
            .collect();
        if failures.is_empty() {
            return;
        }
        let received = self.received_requests();
        let mut report = format!("prodgy-mock: {}", failures.join("; "));
        if !self.app.journal.enabled() {
            report.push_str("\n(the journal is off: start the server with journal_size > 0)");
        } else if self.app.journal.recorded() > self.app.journal.capacity() as u64 {
            report.push_str(&format!(
                "\n(the journal keeps the last {} of {} requests: raise journal_size)",
                self.app.journal.capacity(),
                self.app.journal.recorded()
            ));
        }
        report.push_str(&format!("\nreceived {} request(s):", received.len()));
        for request in &received {
            report.push_str(&format!("\n  {request}"));
        }
        panic!("{report}");
    }

    /// Proxy mode with `record`: writes what passed through so far as a fixture directory
    /// (replacing the previous flush). `Ok(None)` when not recording or nothing passed yet.
    pub fn flush_recording(&self) -> Result<Option<Written>, RecordError> {
        self.app.proxy.as_ref().map_or(Ok(None), Proxy::flush)
    }

    /// Stops accepting, waits for in-flight requests (up to a few seconds), then returns
    /// (in proxy mode with `record`, after writing the recording).
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if !std::thread::panicking() {
            self.verify();
        }
    }
}

async fn serve(listener: TcpListener, app: Arc<App>, mut stopped: watch::Receiver<bool>) {
    let answers = Arc::new(Service::new(Arc::clone(&app)));
    let mut template = auto::Builder::new(TokioExecutor::new());
    template
        .http1()
        .header_read_timeout(app.settings.header_timeout)
        .max_buf_size(MAX_HEAD_BYTES);
    let graceful = GracefulShutdown::new();
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stopped.wait_for(|stop| *stop) => break,
        };
        let (stream, peer) = match accepted {
            Ok(pair) => pair,
            Err(error) => {
                tracing::warn!(%error, "accept failed");
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let (stream, reset) = ConnIo::new(stream);
        let conn = Arc::new(Conn {
            service: Arc::clone(&answers),
            peer,
            reset,
            tokens: auth::TokenCache::default(),
            held: Holder::default(),
        });
        let service = service_fn(move |request| service::handle(Arc::clone(&conn), request));
        // Each connection gets its own header-read timer (see `timer`).
        let mut builder = template.clone();
        builder.http1().timer(HeadTimer::new());
        let connection = builder
            .serve_connection(TokioIo::new(stream), service)
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%peer, %error, "connection ended with an error");
            }
        });
    }
    drop(listener);
    answers.close();
    if tokio::time::timeout(DRAIN_TIMEOUT, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            "in-flight requests did not finish within {DRAIN_TIMEOUT:?}; closing their connections"
        );
    }
    write_recording(&app);
}

/// Proxy mode with `--record`: writes what passed through, once the last answer is out.
fn write_recording(app: &App) {
    let Some(proxy) = &app.proxy else { return };
    match proxy.flush() {
        Ok(Some(written)) => {
            tracing::info!(dir = %written.dir.display(), "recorded what passed through the proxy")
        }
        Ok(None) => {
            if let Some(dir) = proxy.record_dir() {
                tracing::info!(dir = %dir.display(), "nothing passed through the proxy to record");
            }
        }
        Err(error) => tracing::error!(%error, "cannot write the proxy's recording"),
    }
}
