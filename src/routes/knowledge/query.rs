//! The parameters of a knowledge-base search, from the query string (GET) or a JSON body
//! (POST), validated with 400s that name the field.
//!
//! Hits come a page at a time, as every list does (`page`, `pageSize`, and `limit` as its
//! synonym), with the row's paging (5 hits by default, at most 50). A POST reads them from its
//! body, or from the query string when the body has none.

use hyper::Method;
use serde_json::{Map, Value};

use super::super::request::Fields;
use super::Req;
use super::document::split_tags;
use crate::error::ApiError;
use crate::store::PageRequest;

/// A search request, from the query string (GET) or a JSON body (POST).
pub struct Search {
    /// The search text, trimmed.
    pub query: String,
    /// Which page of hits to return.
    pub page: PageRequest,
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
        from_body(req, req.json()?)
    } else {
        from_query(req)
    }
}

fn from_query(req: &Req) -> Result<Search, ApiError> {
    let query = req.query("query").or_else(|| req.query("q"));
    let page = req.page()?;
    let tags = req
        .query_nonempty("tags")
        .or_else(|| req.query_nonempty("tag"))
        .map(split_tags)
        .unwrap_or_default();
    Ok(Search {
        query: required_query(query)?,
        page,
        product: req.query_nonempty("product_id").map(str::to_owned),
        source: req.query_nonempty("source").map(str::to_owned),
        language: req.query_nonempty("language").map(str::to_owned),
        tags,
    })
}

fn from_body(req: &Req, body: &Map<String, Value>) -> Result<Search, ApiError> {
    let query = match body.opt_str("query")? {
        Some(q) => Some(q),
        None => body.opt_str("q")?,
    };
    let from_query = req.page()?;
    let size = match positive(body, "pageSize")? {
        Some(size) => Some(size),
        None => positive(body, "limit")?,
    };
    let page = PageRequest {
        page: positive(body, "page")?.unwrap_or(from_query.page),
        size: size.map_or(from_query.size, |s| s.min(req.route.op.paging.max_size)),
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
        page,
        product: body.opt_str("product_id")?.map(str::to_owned),
        source: filter("source")?,
        language: filter("language")?,
        tags,
    })
}

/// The body's `name`, a whole number of at least 1 when sent (400 otherwise).
fn positive(body: &Map<String, Value>, name: &str) -> Result<Option<u64>, ApiError> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        // 1.0 is the integer 1 in JSON (and JSON Schema), so a whole float counts.
        Some(v) => v
            .as_u64()
            .or_else(|| whole(v.as_f64()?))
            .filter(|n| *n >= 1)
            .map(Some)
            .ok_or_else(|| ApiError::invalid_field(name, "a whole number of at least 1")),
    }
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
