//! Raw command-line flags (clap derive). `Cli::settings` turns them into [`Settings`].

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use clap::builder::BoolishValueParser;
use clap::{Parser, Subcommand};

use crate::clock::Timestamp;
use crate::config::{
    AuthMode, DEFAULT_BODY_LIMIT, DEFAULT_MAX_NAMESPACES, DEFAULT_SEED, DEFAULT_UPLOAD_LIMIT,
    FixtureSource, LogFormat, Settings,
};
use crate::error::StartError;
use crate::journal::DEFAULT_JOURNAL_SIZE;

/// A local emulator of the Prodgy REST API, for client and SDK tests.
#[derive(Debug, Parser)]
#[command(name = "prodgy-mock", version, about, long_about = None)]
pub struct Cli {
    /// Something other than serving.
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Interface to listen on (healthcheck: where to look, 0.0.0.0 meaning 127.0.0.1).
    #[arg(
        long,
        env = "PRODGY_MOCK_HOST",
        default_value = "127.0.0.1",
        global = true
    )]
    pub host: String,

    /// Port to listen on; 0 lets the OS pick a free one (printed on the first stdout line).
    #[arg(long, env = "PRODGY_MOCK_PORT", default_value_t = 4010, global = true)]
    pub port: u16,

    /// Directory of fixture files (or a saved GET /__admin/state answer) that replaces the
    /// built-in seed data.
    #[arg(long, env = "PRODGY_MOCK_FIXTURES", value_name = "DIR|FILE")]
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

    /// Behave like the real API: strict auth and the documented rate limits on every route.
    #[arg(long, env = "PRODGY_MOCK_FAITHFUL", value_parser = BoolishValueParser::new())]
    pub faithful: bool,

    /// Log format on stderr.
    #[arg(long, env = "PRODGY_MOCK_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// Log at debug level, one line per request among them (PRODGY_MOCK_LOG still wins).
    #[arg(short, long, env = "PRODGY_MOCK_VERBOSE", value_parser = BoolishValueParser::new())]
    pub verbose: bool,

    /// Largest accepted request body in bytes (larger bodies get 413).
    #[arg(long, env = "PRODGY_MOCK_BODY_LIMIT", default_value_t = DEFAULT_BODY_LIMIT, value_name = "BYTES")]
    pub body_limit: usize,

    /// Largest accepted knowledge-base upload in bytes (larger files get 413).
    #[arg(long, env = "PRODGY_MOCK_UPLOAD_LIMIT", default_value_t = DEFAULT_UPLOAD_LIMIT, value_name = "BYTES")]
    pub upload_limit: usize,

    /// Freeze the server clock at this RFC 3339 time; it then moves only when advanced.
    #[arg(long, env = "PRODGY_MOCK_CLOCK", value_name = "RFC3339")]
    pub clock: Option<String>,

    /// Serve the admin API under /__admin, and the dashboard at /__admin/ui (on or off).
    #[arg(long, env = "PRODGY_MOCK_ADMIN", value_enum, default_value_t = Switch::On)]
    pub admin: Switch,

    /// Answer CORS preflights and allow any origin (on or off).
    #[arg(long, env = "PRODGY_MOCK_CORS", value_enum, default_value_t = Switch::On)]
    pub cors: Switch,

    /// How many requests the journal keeps (0 turns it off).
    #[arg(long, env = "PRODGY_MOCK_JOURNAL_SIZE", default_value_t = DEFAULT_JOURNAL_SIZE, value_name = "N")]
    pub journal_size: usize,

    /// Most namespaces (X-Mock-Namespace values) alive at once; one more gets 503 until a reset.
    #[arg(long, env = "PRODGY_MOCK_MAX_NAMESPACES", default_value_t = DEFAULT_MAX_NAMESPACES, value_name = "N")]
    pub max_namespaces: usize,

    /// Close connections whose request head takes longer than this to arrive (slow clients).
    #[arg(long, env = "PRODGY_MOCK_HEADER_TIMEOUT", value_name = "DURATION", value_parser = parse_duration, default_value = "10s")]
    pub header_timeout: Duration,

    /// Once serving, atomically write the base URL to this file.
    #[arg(long, env = "PRODGY_MOCK_READY_FILE", value_name = "PATH")]
    pub ready_file: Option<PathBuf>,

    /// Exit (0) when standard input closes, so a parent that dies leaves no orphan.
    #[arg(long, env = "PRODGY_MOCK_EXIT_ON_STDIN_EOF", value_parser = BoolishValueParser::new())]
    pub exit_on_stdin_eof: bool,

    /// Exit (0) after this long without requests, e.g. 30s, 5m, 1h, 250ms.
    #[arg(long, env = "PRODGY_MOCK_IDLE_TIMEOUT", value_name = "DURATION", value_parser = parse_duration)]
    pub idle_timeout: Option<Duration>,

    /// Do not watch the fixtures directory and scenario files for changes.
    #[arg(long, env = "PRODGY_MOCK_NO_WATCH", value_parser = BoolishValueParser::new())]
    pub no_watch: bool,

    /// Proxy mode: forward API requests to this Prodgy instance and return its answers
    /// (scenarios still apply on top; admin routes stay local).
    #[arg(long, env = "PRODGY_MOCK_PROXY", value_name = "URL")]
    pub proxy: Option<String>,

    /// With --proxy: save the records that pass through as a fixture directory, written when
    /// the mock stops (or on POST /__admin/record).
    #[arg(
        long,
        env = "PRODGY_MOCK_RECORD",
        value_name = "DIR",
        requires = "proxy"
    )]
    pub record: Option<PathBuf>,

    /// With --proxy: how long to wait for the upstream's answer before answering 502.
    #[arg(long, env = "PRODGY_MOCK_PROXY_TIMEOUT", value_name = "DURATION", value_parser = parse_duration, default_value = "30s")]
    pub proxy_timeout: Duration,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the OpenAPI 3.1 document of every emulated endpoint and exit.
    Openapi,
    /// Exit 0 if a running mock answers its health check (for Docker HEALTHCHECK): GET
    /// /__admin/health, or /swagger.json when the admin API is off.
    Healthcheck {
        /// The mock's base URL, any path ignored (default: from --host and --port).
        #[arg(long)]
        url: Option<String>,
    },
    /// Read every list and detail GET route of a Prodgy instance (following pagination) and
    /// write what it shows as a fixture directory for --fixtures, token secrets masked.
    Record(RecordArgs),
    /// Where does the mock differ from a Prodgy instance (--upstream, --token) or from its
    /// OpenAPI document (--spec)? Exit 0: nothing differs; 1: drift; 2: usage.
    Drift(DriftArgs),
}

/// The flags of `prodgy-mock drift`.
#[derive(Debug, clap::Args)]
pub struct DriftArgs {
    /// The instance to compare with (read as `record` reads it, then called with the mock).
    #[arg(
        long,
        value_name = "URL",
        conflicts_with = "spec",
        required_unless_present = "spec",
        requires = "token"
    )]
    pub upstream: Option<String>,
    /// An API token of the instance (sent as X-API-Token; never written or logged).
    #[arg(
        long,
        env = "PRODGY_MOCK_UPSTREAM_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub token: Option<String>,
    /// A vendor OpenAPI 3 or Swagger 2 document (JSON) to compare with the mock's own.
    #[arg(long, value_name = "FILE")]
    pub spec: Option<PathBuf>,
    /// Also write the report as JSON to this file (for CI).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// With --upstream: most records read per resource kind to seed the mock.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub max_records: usize,
    /// With --upstream: most requests a second to the instance (0: as fast as it answers).
    #[arg(long, default_value_t = 5.0, value_name = "PER_SECOND")]
    pub rate: f64,
    /// With --upstream: also compare create, update and delete, on records drift makes and
    /// then removes (on the instance too).
    #[arg(long, requires = "upstream")]
    pub include_writes: bool,
}

/// The flags of `prodgy-mock record`.
#[derive(Debug, clap::Args)]
pub struct RecordArgs {
    /// The instance's base URL, http or https, with its host (a trailing /api is fine).
    #[arg(long, value_name = "URL")]
    pub upstream: String,
    /// An API token of the instance (sent as X-API-Token; never written or logged).
    #[arg(
        long,
        env = "PRODGY_MOCK_UPSTREAM_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub token: String,
    /// The fixture directory to write (created; an existing one must be empty, or --force).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Most records per resource kind.
    #[arg(long, value_name = "N")]
    pub max_records: Option<usize>,
    /// Most requests a second to the instance (0: as fast as it answers).
    #[arg(long, default_value_t = 5.0, value_name = "PER_SECOND")]
    pub rate: f64,
    /// Seed of the generated token secrets (the same data and seed give the same files).
    #[arg(long, default_value_t = DEFAULT_SEED)]
    pub seed: u64,
    /// Replace --out when it is not empty.
    #[arg(long)]
    pub force: bool,
}

impl RecordArgs {
    /// The options of the recording.
    pub fn options(&self) -> crate::record::RecordOptions {
        crate::record::RecordOptions {
            upstream: self.upstream.clone(),
            token: self.token.clone(),
            out: self.out.clone(),
            max_records: self.max_records,
            rate: self.rate,
            seed: self.seed,
            force: self.force,
        }
    }
}

/// An on/off flag value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Switch {
    /// Enabled.
    On,
    /// Disabled.
    Off,
}

/// Parses `30s`, `5m`, `1h`, `250ms`, or a bare number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("'{text}' is not a duration such as 30s, 5m, 1h or 250ms"))?;
    let seconds = match unit {
        "" | "s" => value,
        "ms" => value / 1000.0,
        "m" => value * 60.0,
        "h" => value * 3600.0,
        other => {
            return Err(format!(
                "unknown duration unit '{other}' (use ms, s, m or h)"
            ));
        }
    };
    if !seconds.is_finite() || seconds <= 0.0 {
        return Err(format!("'{text}' must be a positive duration"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

impl Cli {
    /// The address `--host` and `--port` name.
    pub fn listen_addr(&self) -> Result<SocketAddr, StartError> {
        let ip: IpAddr = match self.host.as_str() {
            "localhost" => IpAddr::from([127, 0, 0, 1]),
            host => host.parse().map_err(|_| StartError::InvalidFlag {
                flag: "--host",
                value: host.to_owned(),
                expected: "an IP address (or 'localhost')",
            })?,
        };
        Ok(SocketAddr::new(ip, self.port))
    }

    /// Validates the flags into typed settings.
    pub fn settings(&self) -> Result<Settings, StartError> {
        let addr = self.listen_addr()?;
        let frozen_clock = match &self.clock {
            None => None,
            Some(text) => Some(
                Timestamp::parse(text).ok_or_else(|| StartError::InvalidFlag {
                    flag: "--clock",
                    value: text.clone(),
                    expected: "an RFC 3339 time such as 2026-03-05T14:30:00Z",
                })?,
            ),
        };
        Ok(Settings {
            addr,
            fixtures: self
                .fixtures
                .clone()
                .map_or(FixtureSource::Builtin, FixtureSource::Dir),
            scenarios: self.scenario.clone(),
            seed: self.seed,
            auth: self.auth,
            body_limit: self.body_limit,
            upload_limit: self.upload_limit,
            frozen_clock,
            admin: self.admin == Switch::On,
            journal_size: self.journal_size,
            watch: !self.no_watch,
            header_timeout: self.header_timeout,
            max_namespaces: self.max_namespaces,
            cors: self.cors == Switch::On,
            faithful: self.faithful,
            proxy: self.proxy.clone(),
            proxy_timeout: self.proxy_timeout,
            record: self.record.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_take_common_units() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("2"), Ok(Duration::from_secs(2)));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("5 parsecs").is_err());
    }
}
