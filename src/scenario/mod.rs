//! Scenarios: deterministic fault injection and rate-limit configuration.
//!
//! A scenario is a JSON file of ordered rules (`match`, `when`, `respond`, `fault`) and an
//! optional `rate_limit` section. The shipped ones ([`builtin`]) are compiled in; files given
//! with `--scenario` are loaded beside them. Several active scenarios compose: the rules are
//! tried in the order the scenarios were given, then in file order, and the first rule that
//! fires answers; the first scenario with a `rate_limit` section sets the limits.
//!
//! Layout: [`model`] is the file format, [`matcher`] the precompiled matching, [`catalog`]
//! loading and compiling, [`engine`] the per-call decision with its counters, [`fault`] how
//! responses are delayed and broken.

pub mod builtin;
pub mod catalog;
pub mod engine;
pub mod fault;
pub mod matcher;
pub mod model;
pub mod prefer;

pub use catalog::{Catalog, Scenario};
pub use engine::{Call, Decision, RuleState, Scenarios};
pub use fault::{Aborted, ConnIo};

use hyper::HeaderMap;

/// The header that names the namespace a request belongs to.
pub const NAMESPACE_HEADER: &str = "x-mock-namespace";

/// The namespace of a request: `X-Mock-Namespace`, or `default`.
pub fn namespace_of(headers: &HeaderMap) -> &str {
    headers
        .get(NAMESPACE_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
        .unwrap_or("default")
}
