//! Raw command-line flags (clap derive). `Cli::settings` turns them into [`Settings`].

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use clap::Parser;

use crate::clock::Timestamp;
use crate::config::{
    AuthMode, DEFAULT_BODY_LIMIT, DEFAULT_SEED, FixtureSource, LogFormat, Settings,
};
use crate::error::StartError;

/// A local emulator of the Prodgy REST API, for client and SDK tests.
#[derive(Debug, Parser)]
#[command(name = "prodgy-mock", version, about, long_about = None)]
pub struct Cli {
    /// Interface to listen on.
    #[arg(long, env = "PRODGY_MOCK_HOST", default_value = "127.0.0.1")]
    pub host: String,

    /// Port to listen on; 0 lets the OS pick a free one (printed on the first stdout line).
    #[arg(long, env = "PRODGY_MOCK_PORT", default_value_t = 4010)]
    pub port: u16,

    /// Directory of fixture files that replaces the built-in seed data.
    #[arg(long, env = "PRODGY_MOCK_FIXTURES", value_name = "DIR")]
    pub fixtures: Option<PathBuf>,

    /// Scenario to activate: a built-in name or a JSON file. Repeat to compose.
    #[arg(
        long,
        env = "PRODGY_MOCK_SCENARIO",
        value_name = "NAME|FILE",
        value_delimiter = ','
    )]
    pub scenario: Vec<String>,

    /// Seed for generated ids, secrets and fake data; the same seed gives the same responses.
    #[arg(long, env = "PRODGY_MOCK_SEED", default_value_t = DEFAULT_SEED)]
    pub seed: u64,

    /// Credential checking: lenient, strict or off.
    #[arg(long, env = "PRODGY_MOCK_AUTH", value_enum, default_value_t = AuthMode::Lenient)]
    pub auth: AuthMode,

    /// Log format on stderr.
    #[arg(long, env = "PRODGY_MOCK_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// Largest accepted request body in bytes (larger bodies get 413).
    #[arg(long, env = "PRODGY_MOCK_BODY_LIMIT", default_value_t = DEFAULT_BODY_LIMIT, value_name = "BYTES")]
    pub body_limit: usize,

    /// Freeze the server clock at this RFC 3339 time; it then moves only when advanced.
    #[arg(long, env = "PRODGY_MOCK_CLOCK", value_name = "RFC3339")]
    pub clock: Option<String>,

    /// Do not watch the fixtures directory and scenario files for changes.
    #[arg(long, env = "PRODGY_MOCK_NO_WATCH")]
    pub no_watch: bool,
}

impl Cli {
    /// Validates the flags into typed settings.
    pub fn settings(&self) -> Result<Settings, StartError> {
        let ip: IpAddr = match self.host.as_str() {
            "localhost" => IpAddr::from([127, 0, 0, 1]),
            host => host.parse().map_err(|_| {
                StartError::Config(format!(
                    "--host '{host}' is not an IP address (or 'localhost')"
                ))
            })?,
        };
        let frozen_clock = match &self.clock {
            None => None,
            Some(text) => Some(Timestamp::parse(text).ok_or_else(|| {
                StartError::Config(format!(
                    "--clock '{text}' is not an RFC 3339 time such as 2026-03-05T14:30:00Z"
                ))
            })?),
        };
        Ok(Settings {
            addr: SocketAddr::new(ip, self.port),
            fixtures: self
                .fixtures
                .clone()
                .map_or(FixtureSource::Builtin, FixtureSource::Dir),
            scenarios: self.scenario.clone(),
            seed: self.seed,
            auth: self.auth,
            body_limit: self.body_limit,
            frozen_clock,
            watch: !self.no_watch,
        })
    }
}
