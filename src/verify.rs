//! Verifying what a test's client sent, in the spirit of wiremock-rs: the requests the mock
//! received ([`ReceivedRequest`], read from the journal), counts by [`RequestFilter`], and
//! [`Expectation`]s checked by [`MockServer::verify`](crate::MockServer::verify) or when the
//! server is dropped, failing with the list of requests that did arrive.

use std::fmt;
use std::ops::{Bound, RangeBounds};

use crate::clock::Timestamp;
use crate::journal::{Entry, Filter, StatusMatch};
use crate::routes::OPERATIONS;
use crate::routes::tools::{MESSAGES, TOOLS};

/// A request the mock answered, as the journal kept it (credential values masked, the first
/// 4 KiB of the body).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedRequest {
    /// Its journal id (increasing).
    pub id: u64,
    /// When it arrived, on the server clock.
    pub at: Timestamp,
    /// The namespace it ran in.
    pub namespace: String,
    /// The HTTP method.
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The raw query string (empty when none).
    pub query: String,
    /// The operation's name (`agents.install`), when the path was recognized.
    pub route: Option<&'static str>,
    /// The headers, with credential values masked.
    pub headers: Vec<(String, String)>,
    /// The first 4 KiB of the body (lossy UTF-8), when there was one.
    pub body: Option<String>,
    /// The body's full size in bytes.
    pub body_size: usize,
    /// The status answered (0 when a scenario aborted the connection).
    pub status: u16,
    /// The scenario rule that fired, if any.
    pub rule: Option<String>,
}

impl ReceivedRequest {
    pub(crate) fn from_entry(entry: &Entry) -> Self {
        Self {
            id: entry.id,
            at: entry.at,
            namespace: entry.namespace.to_string(),
            method: entry.method.to_string(),
            path: entry.path().to_owned(),
            query: entry.query().to_owned(),
            route: entry.route,
            headers: entry
                .headers()
                .into_iter()
                .map(|(name, value)| (name.to_owned(), value))
                .collect(),
            body: entry.body().map(|b| b.into_owned()),
            body_size: entry.body_size,
            status: entry.status,
            rule: entry.rule.clone(),
        }
    }
}

impl fmt::Display for ReceivedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.path)?;
        if !self.query.is_empty() {
            write!(f, "?{}", self.query)?;
        }
        write!(f, " -> {}", self.status)?;
        if let Some(route) = self.route {
            write!(f, " ({route})")?;
        }
        if self.namespace != "default" {
            write!(f, " [namespace {}]", self.namespace)?;
        }
        Ok(())
    }
}

/// Which received requests to count or list. Every condition set must hold.
#[derive(Debug, Clone, Default)]
pub struct RequestFilter {
    pub(crate) inner: Filter,
}

impl RequestFilter {
    /// Every request.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only the operation named `name` (as in scenarios: `agents.install`, or
    /// `mcp.invoke_agent` for an MCP tool call).
    pub fn route(mut self, name: &str) -> Self {
        self.inner.route = Some(name.to_owned());
        self
    }

    /// Only calls of the MCP gateway's tool `name` (`invoke_agent`): the same as
    /// `route("mcp.invoke_agent")`.
    pub fn tool(self, name: &str) -> Self {
        self.route(&format!("mcp.{name}"))
    }

    /// Only this method.
    pub fn method(mut self, method: &str) -> Self {
        self.inner.method = Some(method.to_owned());
        self
    }

    /// Only this exact path.
    pub fn path(mut self, path: &str) -> Self {
        self.inner.path = Some(path.to_owned());
        self
    }

    /// Only requests answered with `status`.
    pub fn status(mut self, status: u16) -> Self {
        self.inner.status = Some(StatusMatch::Code(status));
        self
    }

    /// Only requests of namespace `name`.
    pub fn namespace(mut self, name: &str) -> Self {
        self.inner.namespace = Some(name.to_owned());
        self
    }
}

impl fmt::Display for RequestFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let filter = &self.inner;
        let parts: Vec<String> = [
            filter.route.as_ref().map(|r| format!("route {r}")),
            filter.method.as_ref().map(|m| format!("method {m}")),
            filter.path.as_ref().map(|p| format!("path {p}")),
            filter.status.map(|s| format!("status {s}")),
            filter.namespace.as_ref().map(|n| format!("namespace {n}")),
        ]
        .into_iter()
        .flatten()
        .collect();
        match parts.is_empty() {
            true => f.write_str("any request"),
            false => f.write_str(&parts.join(", ")),
        }
    }
}

/// How many times an expectation wants its requests: an exact number (`1`) or a range
/// (`1..`, `..=3`, `2..5`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Times {
    min: u64,
    max: Option<u64>,
}

impl Times {
    fn allows(self, n: u64) -> bool {
        n >= self.min && self.max.is_none_or(|max| n <= max)
    }
}

impl fmt::Display for Times {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.max {
            Some(max) if max == self.min => write!(f, "exactly {max}"),
            Some(max) => write!(f, "between {} and {max}", self.min),
            None => write!(f, "at least {}", self.min),
        }
    }
}

impl From<u64> for Times {
    fn from(n: u64) -> Self {
        Self {
            min: n,
            max: Some(n),
        }
    }
}

macro_rules! times_from_range {
    ($($range:ty),*) => {$(
        impl From<$range> for Times {
            fn from(range: $range) -> Self {
                let min = match range.start_bound() {
                    Bound::Included(n) => *n,
                    Bound::Excluded(n) => n.saturating_add(1),
                    Bound::Unbounded => 0,
                };
                let max = match range.end_bound() {
                    Bound::Included(n) => Some(*n),
                    Bound::Excluded(n) => Some(n.saturating_sub(1)),
                    Bound::Unbounded => None,
                };
                Self { min, max }
            }
        }
    )*};
}

times_from_range!(
    std::ops::Range<u64>,
    std::ops::RangeInclusive<u64>,
    std::ops::RangeFrom<u64>,
    std::ops::RangeTo<u64>,
    std::ops::RangeToInclusive<u64>
);

/// Requests a test expects, and how many.
#[derive(Debug, Clone)]
pub struct Expectation {
    pub(crate) filter: RequestFilter,
    pub(crate) times: Times,
}

impl Expectation {
    /// Expects `times` requests passing `filter`.
    pub fn new(filter: RequestFilter, times: impl Into<Times>) -> Self {
        Self {
            filter,
            times: times.into(),
        }
    }

    /// Expects `times` calls of the operation named `route` (an MCP tool's is
    /// `mcp.<tool>`, other MCP messages `mcp.initialize`, …). Panics when no operation has
    /// that name (a typo would otherwise expect requests that can never come).
    pub fn route(route: &str, times: impl Into<Times>) -> Self {
        let names = || {
            OPERATIONS
                .iter()
                .map(|op| op.name)
                .chain(TOOLS.iter().map(|t| t.route()))
                .chain(MESSAGES.iter().copied())
        };
        assert!(
            names().any(|name| name == route),
            "no operation is named '{route}'; the names are: {}",
            names().collect::<Vec<_>>().join(", ")
        );
        Self::new(RequestFilter::new().route(route), times)
    }

    /// Expects `times` calls of the MCP gateway's tool `name`. Panics when no tool has that
    /// name.
    pub fn tool(name: &str, times: impl Into<Times>) -> Self {
        Self::route(&format!("mcp.{name}"), times)
    }

    /// Why the `matched` count breaks it, if it does.
    pub(crate) fn failure(&self, matched: u64) -> Option<String> {
        (!self.times.allows(matched)).then(|| {
            format!(
                "expected {} request(s) matching {}, got {matched}",
                self.times, self.filter
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_take_numbers_and_ranges() {
        assert!(Times::from(2).allows(2) && !Times::from(2).allows(3));
        assert!(Times::from(1..).allows(9) && !Times::from(1..).allows(0));
        assert!(Times::from(..=2).allows(0) && !Times::from(..=2).allows(3));
        assert!(Times::from(2..4).allows(3) && !Times::from(2..4).allows(4));
        assert_eq!(Times::from(1..=3).to_string(), "between 1 and 3");
    }

    #[test]
    fn tool_filters_and_expectations_name_the_tools_route() {
        assert_eq!(
            RequestFilter::new().tool("invoke_agent").to_string(),
            "route mcp.invoke_agent"
        );
        let expected = Expectation::tool("invoke_agent", 1);
        assert_eq!(
            expected.filter.inner.route.as_deref(),
            Some("mcp.invoke_agent")
        );
        Expectation::route("mcp.initialize", 1..);
    }

    #[test]
    #[should_panic(expected = "no operation is named 'mcp.invoke_agents'")]
    fn an_expectation_on_a_misspelled_tool_is_refused() {
        Expectation::tool("invoke_agents", 1);
    }

    #[test]
    #[should_panic(expected = "no operation is named 'agents.instal'")]
    fn an_expectation_on_a_misspelled_route_is_refused() {
        Expectation::route("agents.instal", 1);
    }
}
