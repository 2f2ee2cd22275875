//! Scenarios: deterministic fault injection and rate-limit configuration.
//!
//! A scenario is a JSON file of ordered rules (`match`, `when`, `respond`, `fault`) and an
//! optional `rate_limit` section. The shipped ones ([`builtin`]) are compiled in; files given
//! with `--scenario` are loaded beside them. Several active scenarios compose: the rules are
//! tried in the order the scenarios were given, then in file order, and the first rule that
//! fires answers; the first scenario with a `rate_limit` section sets the limits.
//!
//! Layout: [`model`] is the file format, [`matcher`] the conditions beyond a rule's routes,
//! [`catalog`] loading and compiling, [`rules`] the per-call decision (with each namespace's
//! counters, [`RuleState`]), [`prefer`] the `Prefer: code=` header, [`fault`] how responses
//! are delayed and broken. The `/__admin/scenario` endpoint is the admin API's.

pub mod builtin;
pub mod catalog;
pub mod fault;
pub mod matcher;
pub mod model;
pub mod prefer;
pub mod rules;

pub use catalog::{Catalog, Scenario};
pub use fault::{Aborted, ConnIo};
pub use rules::{Call, Decision, RuleState, Scenarios, ToolCall};

use hyper::HeaderMap;

/// The namespace of a request: `X-Mock-Namespace`, or `default`.
pub fn namespace_of(headers: &HeaderMap) -> &str {
    crate::headers::get(headers, &crate::headers::MOCK_NAMESPACE)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
        .unwrap_or("default")
}
