//! The scenario file format, as parsed from JSON.
//!
//! Every struct refuses unknown keys and every value is checked while parsing (statuses,
//! counts, probabilities), so a broken file is reported with the file, line and column
//! where the parser stopped. Compiling these specs against the route table happens in
//! [`super::matcher`].

use std::collections::BTreeMap;

use hyper::StatusCode;
use hyper::header::{HeaderName, HeaderValue};
use serde::Deserialize;
use serde::de::Error as _;
use serde_json::Value;

/// One scenario file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioSpec {
    /// The name used by `--scenario`, `X-Mock-Scenario` and the admin API (default: file stem).
    pub name: Option<String>,
    /// One line saying what a client sees.
    #[serde(default)]
    pub description: String,
    /// Ordered rules: the first one that fires answers the request.
    #[serde(default)]
    pub rules: Vec<RuleSpec>,
    /// Rate limiting, off when absent.
    pub rate_limit: Option<crate::ratelimit::RateLimitSpec>,
}

/// One rule: which requests, on which calls, and what happens.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// Which requests the rule looks at (all when empty).
    #[serde(rename = "match", default)]
    pub matches: MatchSpec,
    /// On which of those calls it fires.
    #[serde(default)]
    pub when: When,
    /// What to answer (status, headers, body, delay).
    pub respond: Option<RespondSpec>,
    /// How to break the connection or the body.
    pub fault: Option<Fault>,
}

/// Which requests a rule looks at. Every given part must hold.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatchSpec {
    /// HTTP method, e.g. `POST`.
    pub method: Option<MethodSpec>,
    /// Path pattern with `{param}` segments, e.g. `/api/agent-base/{id}`.
    pub path: Option<String>,
    /// A route name from the table (`agents.get`, `mcp.invoke_agent`), or a prefix ending in
    /// `*` (`agents.*`, `mcp.*`).
    pub route: Option<String>,
    /// An MCP tool name (`invoke_agent`), or a prefix ending in `*`: only calls of that tool.
    pub tool: Option<String>,
    /// Only routes that need a token (`true`) or only those that do not (`false`).
    pub authenticated: Option<bool>,
    /// Request headers that must be present with exactly these values.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Query parameters that must be present with exactly these values.
    #[serde(default)]
    pub query: BTreeMap<String, String>,
    /// The namespace (`X-Mock-Namespace`, `default` when absent).
    pub namespace: Option<String>,
}

/// An HTTP method, checked while parsing.
#[derive(Debug, Clone)]
pub struct MethodSpec(pub hyper::Method);

impl<'de> Deserialize<'de> for MethodSpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        let upper = text.to_ascii_uppercase();
        match upper.as_str() {
            "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS" => {
                hyper::Method::from_bytes(upper.as_bytes())
                    .map(MethodSpec)
                    .map_err(D::Error::custom)
            }
            _ => Err(D::Error::custom(format!(
                "unknown method '{text}': use GET, POST, PUT, PATCH, DELETE, HEAD or OPTIONS"
            ))),
        }
    }
}

/// On which calls a rule fires. Calls are counted per rule, route and namespace, from 1.
#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
#[serde(try_from = "WhenRaw")]
pub enum When {
    /// Every call.
    #[default]
    Always,
    /// Only call n.
    Nth(u64),
    /// Calls n to m, both included.
    Range(u64, u64),
    /// Calls k, 2k, 3k, …
    Every(u64),
    /// Calls 1 to k.
    First(u64),
    /// Each call with probability p, drawn from the seeded generator.
    Probability(f64),
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
enum WhenRaw {
    Always,
    Nth(u64),
    Range([u64; 2]),
    Every(u64),
    First(u64),
    Probability(f64),
}

impl TryFrom<WhenRaw> for When {
    type Error = String;

    fn try_from(raw: WhenRaw) -> Result<Self, String> {
        match raw {
            WhenRaw::Always => Ok(When::Always),
            WhenRaw::Nth(0) | WhenRaw::Every(0) => Err("calls count from 1: use 1 or more".into()),
            WhenRaw::Nth(n) => Ok(When::Nth(n)),
            WhenRaw::Every(k) => Ok(When::Every(k)),
            WhenRaw::First(k) => Ok(When::First(k)),
            WhenRaw::Range([n, m]) if n == 0 || m < n => Err(format!(
                "range [{n}, {m}] is empty: use [n, m] with 1 <= n <= m"
            )),
            WhenRaw::Range([n, m]) => Ok(When::Range(n, m)),
            WhenRaw::Probability(p) if (0.0..=1.0).contains(&p) => Ok(When::Probability(p)),
            WhenRaw::Probability(p) => Err(format!("probability {p} is not between 0 and 1")),
        }
    }
}

/// What a rule answers. Without `status` the real handler answers, after the delay and with
/// the extra headers.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RespondSpec {
    /// The status to answer with.
    pub status: Option<Status>,
    /// Extra response headers.
    #[serde(default)]
    pub headers: HeaderList,
    /// The body (any JSON). Defaults to the documented envelope for the status.
    pub body: Option<Value>,
    /// The envelope `message` when `body` is absent.
    pub message: Option<String>,
    /// Wait before answering: milliseconds, or `[min, max]` drawn from the seeded generator.
    pub delay_ms: Option<Delay>,
}

/// A response status a server can really send (200 to 599).
#[derive(Debug, Clone, Copy)]
pub struct Status(pub StatusCode);

impl<'de> Deserialize<'de> for Status {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let code = u64::deserialize(d)?;
        u16::try_from(code)
            .ok()
            .filter(|c| (200..=599).contains(c))
            .and_then(|c| StatusCode::from_u16(c).ok())
            .map(Status)
            .ok_or_else(|| {
                D::Error::custom(format!(
                    "impossible status {code}: a response status is 200 to 599"
                ))
            })
    }
}

/// Response headers, checked while parsing.
#[derive(Debug, Default, Clone)]
pub struct HeaderList(pub Vec<(HeaderName, HeaderValue)>);

impl<'de> Deserialize<'de> for HeaderList {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = BTreeMap::<String, String>::deserialize(d)?;
        let mut list = Vec::with_capacity(map.len());
        for (name, value) in map {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| D::Error::custom(format!("'{name}' is not a header name")))?;
            let value = HeaderValue::from_str(&value)
                .map_err(|_| D::Error::custom(format!("header '{name}' has an invalid value")))?;
            list.push((name, value));
        }
        Ok(Self(list))
    }
}

/// A delay before answering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "DelayRaw")]
pub enum Delay {
    /// Always this many milliseconds.
    Fixed(u64),
    /// Between min and max milliseconds (inclusive), drawn from the seeded generator.
    Range(u64, u64),
}

#[derive(Deserialize)]
#[serde(untagged)]
enum DelayRaw {
    Fixed(u64),
    Range([u64; 2]),
}

impl TryFrom<DelayRaw> for Delay {
    type Error = String;

    fn try_from(raw: DelayRaw) -> Result<Self, String> {
        match raw {
            DelayRaw::Fixed(ms) => Ok(Delay::Fixed(ms)),
            DelayRaw::Range([a, b]) if a <= b => Ok(Delay::Range(a, b)),
            DelayRaw::Range([a, b]) => Err(format!("delay range [{a}, {b}] has min > max")),
        }
    }
}

/// A broken connection or body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Fault {
    /// The connection is reset (TCP RST) without a response.
    Reset,
    /// The connection is closed (FIN) without a response.
    Close,
    /// The response announces its full length but only this many body bytes are sent.
    Truncate(usize),
    /// The body is sent in small chunks with a pause between them.
    Dribble(Dribble),
}

/// How a dribbled body is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dribble {
    /// Bytes per chunk (at least 1).
    pub chunk_bytes: usize,
    /// Pause between chunks, in milliseconds.
    pub interval_ms: u64,
}
