//! Validated, typed settings shared by the library builder and the CLI.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::clock::Timestamp;

/// How strictly credentials are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum AuthMode {
    /// Well-formed tokens are accepted; known tokens must be usable (default).
    #[default]
    Lenient,
    /// Only tokens present in the state (fixtures or created through the API) are accepted.
    Strict,
    /// No checks at all; the caller sees every product.
    Off,
}

/// How log lines are written to stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// Where the seed data comes from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum FixtureSource {
    /// The fixtures compiled into the binary.
    #[default]
    Builtin,
    /// A directory of fixture files that replaces the built-in set.
    Dir(PathBuf),
}

/// Everything a running server needs to know, already validated.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The address to listen on (port 0 picks a free one).
    pub addr: SocketAddr,
    /// The seed data.
    pub fixtures: FixtureSource,
    /// Scenario names or files, in the order given.
    pub scenarios: Vec<String>,
    /// Seed for every generated id, secret and fake value.
    pub seed: u64,
    /// Credential checking.
    pub auth: AuthMode,
    /// Largest accepted request body, in bytes.
    pub body_limit: usize,
    /// Largest accepted knowledge-base upload (the file part), in bytes.
    pub upload_limit: usize,
    /// Start the clock frozen at this time instead of following wall time.
    pub frozen_clock: Option<Timestamp>,
    /// Whether `/__admin` is served.
    pub admin: bool,
    /// How many requests the journal keeps (0 turns it off).
    pub journal_size: usize,
    /// Hot-reload the fixtures directory and scenario files when they change.
    pub watch: bool,
    /// How long a client may take to send its request head before the connection is closed.
    pub header_timeout: Duration,
    /// How many namespaces besides the default one may exist at a time.
    pub max_namespaces: usize,
    /// Whether CORS preflights are answered and responses allow any origin.
    pub cors: bool,
    /// Production-like behaviour at once: strict auth and the documented rate limits on
    /// every operation (a scenario may still add rules, or set limits of its own).
    pub faithful: bool,
    /// Proxy mode: forward API requests to this upstream URL instead of answering them.
    pub proxy: Option<String>,
    /// How long proxy mode waits for the upstream's answer before a 502.
    pub proxy_timeout: Duration,
    /// With `proxy`: save the records that pass through as fixtures in this directory.
    pub record: Option<PathBuf>,
}

impl Settings {
    /// How credentials are checked: strict under `faithful`, else as set.
    pub fn auth_mode(&self) -> AuthMode {
        if self.faithful {
            AuthMode::Strict
        } else {
            self.auth
        }
    }
}

/// The default body limit: 25 MiB.
pub const DEFAULT_BODY_LIMIT: usize = 25 * 1024 * 1024;

/// The default knowledge-base upload limit: 25 MiB.
pub const DEFAULT_UPLOAD_LIMIT: usize = 25 * 1024 * 1024;
/// The default header read timeout: 10 s.
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// How long proxy mode waits for an upstream answer by default: 30 s.
pub const DEFAULT_PROXY_TIMEOUT: Duration = Duration::from_secs(30);

/// The default namespace limit.
pub const DEFAULT_MAX_NAMESPACES: usize = 10_000;

/// The default seed.
pub const DEFAULT_SEED: u64 = 42;

impl Default for Settings {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            fixtures: FixtureSource::Builtin,
            scenarios: Vec::new(),
            seed: DEFAULT_SEED,
            auth: AuthMode::Lenient,
            body_limit: DEFAULT_BODY_LIMIT,
            upload_limit: DEFAULT_UPLOAD_LIMIT,
            frozen_clock: None,
            admin: true,
            journal_size: crate::journal::DEFAULT_JOURNAL_SIZE,
            watch: false,
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            max_namespaces: DEFAULT_MAX_NAMESPACES,
            cors: true,
            faithful: false,
            proxy: None,
            proxy_timeout: DEFAULT_PROXY_TIMEOUT,
            record: None,
        }
    }
}
