//! The `rate_limit` section of a scenario file, as written.

use serde::Deserialize;
use serde::de::Error as _;

/// Rate limiting, per §1.5 of the API reference.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitSpec {
    /// The fixed window length in seconds (default 60).
    #[serde(default = "default_window")]
    pub window_seconds: Positive,
    /// What a bucket is keyed by besides the class (default `ip`).
    #[serde(default)]
    pub key: KeyBy,
    /// Requests per window for each class.
    #[serde(default)]
    pub limits: Limits,
    /// Routes in the strict class (default: the documented resource-intensive operations).
    pub strict: Option<Vec<String>>,
    /// Routes that are never limited.
    #[serde(default)]
    pub exempt: Vec<String>,
}

fn default_window() -> Positive {
    Positive(60)
}

/// What a rate-limit bucket is keyed by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyBy {
    /// The client IP address (documented).
    #[default]
    Ip,
    /// The API token (or bearer credential), falling back to the IP without one.
    Token,
}

/// Requests per window, per class.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// The standard class (default 10).
    #[serde(default = "ten")]
    pub standard: Positive,
    /// The strict class (default 5).
    #[serde(default = "five")]
    pub strict: Positive,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            standard: ten(),
            strict: five(),
        }
    }
}

fn ten() -> Positive {
    Positive(10)
}

fn five() -> Positive {
    Positive(5)
}

/// A whole number of at least 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Positive(pub u64);

impl<'de> Deserialize<'de> for Positive {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match u64::deserialize(d)? {
            0 => Err(D::Error::custom("must be 1 or more")),
            n => Ok(Positive(n)),
        }
    }
}

impl Default for RateLimitSpec {
    /// The documented limits: 60 s windows, by client IP, 10 standard and 5 strict calls.
    fn default() -> Self {
        Self {
            window_seconds: default_window(),
            key: KeyBy::default(),
            limits: Limits::default(),
            strict: None,
            exempt: Vec::new(),
        }
    }
}
