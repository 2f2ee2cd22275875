//! Logging on stderr for the binary: the level filter, the format, and colour only where a
//! person reads it (a terminal, and never with `NO_COLOR` set; see no-color.org).

use std::ffi::OsStr;
use std::io::IsTerminal;

use crate::config::LogFormat;

/// The filter without `PRODGY_MOCK_LOG`: the MCP SDK (`rmcp`) logs every session and
/// notification at info, so only its warnings show.
const DEFAULT_FILTER: &str = "info,rmcp=warn";
/// The filter `--verbose` stands for: prodgy-mock's own debug lines (one per request among
/// them, `/mcp` included), libraries (h2 and the like) kept at info, the MCP SDK at warn.
const VERBOSE_FILTER: &str = "info,rmcp=warn,prodgy_mock=debug";

/// Installs the global subscriber writing to stderr. The level comes from `PRODGY_MOCK_LOG`
/// (an `EnvFilter` such as `debug` or `prodgy_mock=debug`) when it is set and valid, else
/// from `verbose`.
pub fn init(format: LogFormat, verbose: bool) {
    let env = std::env::var("PRODGY_MOCK_LOG").ok();
    let (filter, rejected) =
        match tracing_subscriber::EnvFilter::try_new(directives(env.as_deref(), verbose)) {
            Ok(filter) => (filter, None),
            Err(error) => {
                let fallback = tracing_subscriber::EnvFilter::new(fallback(verbose));
                (fallback, Some(error))
            }
        };
    let no_color = std::env::var_os("NO_COLOR");
    let ansi = colour(std::io::stderr().is_terminal(), no_color.as_deref());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
    if let Some(error) = rejected {
        let using = fallback(verbose);
        tracing::warn!(%error, "PRODGY_MOCK_LOG is not a valid filter; using '{using}'");
    }
}

/// The filter directives: `PRODGY_MOCK_LOG` wins when set and not empty.
fn directives(env: Option<&str>, verbose: bool) -> &str {
    match env.map(str::trim) {
        Some(env) if !env.is_empty() => env,
        _ => fallback(verbose),
    }
}

fn fallback(verbose: bool) -> &'static str {
    if verbose {
        VERBOSE_FILTER
    } else {
        DEFAULT_FILTER
    }
}

/// Whether log lines get ANSI colours: only on a terminal, and not when `NO_COLOR` holds any
/// non-empty value. Files and pipes (CI logs, pytest, TAP) get plain text.
fn colour(stderr_is_terminal: bool, no_color: Option<&OsStr>) -> bool {
    stderr_is_terminal && no_color.is_none_or(OsStr::is_empty)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_environment_filter_wins_over_verbose() {
        assert_eq!(directives(None, false), "info,rmcp=warn");
        assert_eq!(directives(None, true), "info,rmcp=warn,prodgy_mock=debug");
        assert_eq!(
            directives(Some(""), true),
            "info,rmcp=warn,prodgy_mock=debug"
        );
        assert_eq!(directives(Some("warn"), true), "warn");
        assert_eq!(directives(Some("debug"), false), "debug");
    }

    #[test]
    fn colour_only_on_a_terminal_without_no_color() {
        assert!(colour(true, None));
        assert!(
            colour(true, Some(OsStr::new(""))),
            "an empty NO_COLOR is unset"
        );
        assert!(!colour(true, Some(OsStr::new("1"))));
        assert!(!colour(true, Some(OsStr::new("false"))), "any value counts");
        assert!(!colour(false, None));
    }
}
