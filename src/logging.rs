//! Logging on stderr for the binary: the level filter, the format, and colour only where a
//! person reads it (a terminal, and never with `NO_COLOR` set; see no-color.org).

use std::ffi::OsStr;
use std::io::IsTerminal;

use crate::config::LogFormat;

/// Installs the global subscriber writing to stderr. The level comes from `PRODGY_MOCK_LOG`
/// (an `EnvFilter` such as `debug` or `prodgy_mock=debug`), else `info`.
pub fn init(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("PRODGY_MOCK_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
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
