//! The parameters of a knowledge-base search, from the query string (GET) or a JSON body
//! (POST), validated with 400s that name the field.

use hyper::Method;
use serde_json::{Map, Value};

use super::super::request::Fields;
use super::Req;
use super::document::split_tags;
use crate::error::ApiError;

/// Default number of search results.
pub const DEFAULT_LIMIT: u64 = 5;
/// Largest number of search results; larger requests are clamped.
pub const MAX_LIMIT: u64 = 50;

/// A search request, from the query string (GET) or a JSON body (POST).
pub struct Search {
    /// The search text, trimmed.
    pub query: String,
    /// Most hits to return.
    pub limit: u64,
    /// The product named, if any.
    pub product: Option<String>,
    /// Only documents from this source.
    pub source: Option<String>,
    /// Only documents in this language (case-insensitive).
    pub language: Option<String>,
    /// Only documents with at least one of these tags.
    pub tags: Vec<String>,
}

/// The search of `req`: a JSON body for POST, the query string otherwise.
pub fn parse(req: &Req) -> Result<Search, ApiError> {
    if req.route.op.method == Method::POST {
        from_body(&req.json()?)
    } else {
        from_query(req)
    }
}

fn from_query(req: &Req) -> Result<Search, ApiError> {
    let query = req.query("query").or_else(|| req.query("q"));
    let limit = match req.query("limit") {
        None => None,
        Some(raw) => Some(raw.parse::<u64>().ok().filter(|n| *n >= 1).ok_or_else(|| {
            ApiError::bad_request(format!(
                "query parameter 'limit' must be a whole number from 1 to {MAX_LIMIT}, got '{raw}'"
            ))
        })?),
    };
    let tags = req
        .query_nonempty("tags")
        .or_else(|| req.query_nonempty("tag"))
        .map(split_tags)
        .unwrap_or_default();
    Ok(Search {
        query: required_query(query)?,
        limit: limit.unwrap_or(DEFAULT_LIMIT).min(MAX_LIMIT),
        product: req.query_nonempty("product_id").map(str::to_owned),
        source: req.query_nonempty("source").map(str::to_owned),
        language: req.query_nonempty("language").map(str::to_owned),
        tags,
    })
}

fn from_body(body: &Map<String, Value>) -> Result<Search, ApiError> {
    let query = match body.opt_str("query")? {
        Some(q) => Some(q),
        None => body.opt_str("q")?,
    };
    let limit = match body.get("limit") {
        None | Some(Value::Null) => DEFAULT_LIMIT,
        // 1.0 is the integer 1 in JSON (and JSON Schema), so a whole float counts.
        Some(v) => v
            .as_u64()
            .or_else(|| whole(v.as_f64()?))
            .filter(|n| *n >= 1)
            .ok_or_else(|| ApiError::invalid_field("limit", "a whole number from 1 to 50"))?
            .min(MAX_LIMIT),
    };
    let filters = body.opt_object("filters")?.cloned().unwrap_or_default();
    let tags = match filters.get("tags") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) => split_tags(s),
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        Some(_) => {
            return Err(ApiError::invalid_field(
                "filters.tags",
                "an array of strings or a comma-separated string",
            ));
        }
    };
    let filter = |name: &str| {
        filters
            .opt_str(name)
            .map_err(|_| ApiError::invalid_field(&format!("filters.{name}"), "a string"))
            .map(|v| v.filter(|s| !s.is_empty()).map(str::to_owned))
    };
    Ok(Search {
        query: required_query(query)?,
        limit,
        product: body.opt_str("product_id")?.map(str::to_owned),
        source: filter("source")?,
        language: filter("language")?,
        tags,
    })
}

/// `f` as a whole number, when it is one that fits a `u64` (`u64::MAX as f64` is 2^64).
fn whole(f: f64) -> Option<u64> {
    (f.fract() == 0.0 && f >= 0.0 && f < u64::MAX as f64).then_some(f as u64)
}

fn required_query(query: Option<&str>) -> Result<String, ApiError> {
    match query {
        None => {
            Err(ApiError::missing_field("query")
                .with_hint("send the search text as 'query' (or 'q')"))
        }
        Some(q) if q.trim().is_empty() => {
            Err(ApiError::invalid_field("query", "a non-empty string"))
        }
        Some(q) => Ok(q.trim().to_owned()),
    }
}
