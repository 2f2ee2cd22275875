//! The dashboard at `/__admin/ui`: one page of plain HTML, CSS and JavaScript, embedded in the
//! binary (no build step, no CDN, works offline). The page reads only the admin API, so all it
//! shows can also be scripted.
//!
//! Every asset is answered with its type, `Cache-Control: no-cache` (the browser keeps it and
//! asks again, so a new binary is picked up at once), a strong `ETag` (FNV-1a of the bytes,
//! computed at compile time) that turns a matching `If-None-Match` into 304, and a
//! Content-Security-Policy that allows only the mock's own origin.

use bytes::Bytes;
use hyper::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, ETAG, HeaderMap, HeaderValue,
    IF_NONE_MATCH, LOCATION, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS,
};
use hyper::{Response, StatusCode};

use super::{AdminReq, Outcome};
use crate::app::App;
use crate::envelope::{self, Reply};
use crate::error::ApiError;

/// One embedded file of the page.
#[derive(Debug)]
pub struct Asset {
    /// Its name under `/__admin/ui/`.
    pub name: &'static str,
    /// Its `Content-Type`.
    pub content_type: &'static str,
    /// Its bytes.
    pub bytes: &'static [u8],
    /// FNV-1a of the bytes: the strong `ETag`.
    pub hash: u64,
}

const fn asset(name: &'static str, content_type: &'static str, bytes: &'static [u8]) -> Asset {
    Asset {
        name,
        content_type,
        bytes,
        hash: crate::hash::fnv1a(bytes),
    }
}

const HTML: &str = "text/html; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";

/// Only the mock's own origin: no inline script, no remote anything.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
    connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The page (`/__admin/ui`).
pub const INDEX: Asset = asset("index.html", HTML, include_bytes!("ui/index.html"));

/// The files the page loads (`/__admin/ui/{name}`).
pub const ASSETS: &[Asset] = &[
    INDEX,
    asset(
        "app.css",
        "text/css; charset=utf-8",
        include_bytes!("ui/app.css"),
    ),
    asset("app.js", JS, include_bytes!("ui/app.js")),
    asset("lib.js", JS, include_bytes!("ui/lib.js")),
    asset("requests.js", JS, include_bytes!("ui/requests.js")),
    asset("detail.js", JS, include_bytes!("ui/detail.js")),
    asset("scenarios.js", JS, include_bytes!("ui/scenarios.js")),
    asset("state.js", JS, include_bytes!("ui/state.js")),
    asset("panels.js", JS, include_bytes!("ui/panels.js")),
    asset(
        "favicon.svg",
        "image/svg+xml",
        include_bytes!("ui/favicon.svg"),
    ),
];

/// `GET /__admin`: a redirect to the page, for a developer who types the short address.
pub fn home(_app: &App, _req: &AdminReq<'_>) -> Outcome {
    let mut response = Response::new(envelope::full(Bytes::new()));
    *response.status_mut() = StatusCode::FOUND;
    response
        .headers_mut()
        .insert(LOCATION, HeaderValue::from_static("/__admin/ui"));
    Ok(Reply::Raw(response))
}

/// `GET /__admin/ui`: the page.
pub fn index(_app: &App, req: &AdminReq<'_>) -> Outcome {
    Ok(Reply::Raw(serve(&INDEX, req.headers)))
}

/// `GET /__admin/ui/{name}`: one of the page's files; 404 for any other name.
pub fn file(_app: &App, req: &AdminReq<'_>) -> Outcome {
    let name = req.param.unwrap_or_default();
    let found = ASSETS
        .iter()
        .find(|a| a.name == name)
        .ok_or_else(|| ApiError::not_found("dashboard file", name))?;
    Ok(Reply::Raw(serve(found, req.headers)))
}

/// The asset, or 304 when the request already holds these bytes.
fn serve(asset: &Asset, headers: &HeaderMap) -> Response<envelope::Body> {
    let etag = format!("\"{:016x}\"", asset.hash);
    let fresh = headers
        .get_all(IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| matches(v, &etag));
    let (status, bytes) = match fresh {
        true => (StatusCode::NOT_MODIFIED, Bytes::new()),
        false => (StatusCode::OK, Bytes::from_static(asset.bytes)),
    };
    let mut response = Response::new(envelope::full(bytes));
    *response.status_mut() = status;
    let out = response.headers_mut();
    if !fresh {
        out.insert(CONTENT_TYPE, HeaderValue::from_static(asset.content_type));
    }
    if let Ok(value) = HeaderValue::from_str(&etag) {
        out.insert(ETAG, value);
    }
    out.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    out.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    out.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    out.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    response
}

/// Whether an `If-None-Match` value names `etag` (weak comparison, as RFC 9110 asks, or `*`).
fn matches(if_none_match: &str, etag: &str) -> bool {
    if_none_match
        .split(',')
        .map(str::trim)
        .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_compares_weakly_and_accepts_lists_and_a_star() {
        let etag = "\"00000000000000ab\"";
        assert!(matches(etag, etag));
        assert!(matches("W/\"00000000000000ab\"", etag));
        assert!(matches("\"x\", \"00000000000000ab\"", etag));
        assert!(matches("*", etag));
        assert!(!matches("\"00000000000000ac\"", etag));
    }

    #[test]
    fn every_asset_the_page_names_is_served_and_names_are_unique() {
        let page = std::str::from_utf8(INDEX.bytes).expect("utf-8 page");
        for (i, a) in ASSETS.iter().enumerate() {
            assert!(
                !ASSETS[..i].iter().any(|b| b.name == a.name),
                "{} twice",
                a.name
            );
            assert_eq!(a.hash, crate::hash::fnv1a(a.bytes));
        }
        for name in ["app.css", "app.js", "favicon.svg"] {
            assert!(page.contains(&format!("/__admin/ui/{name}")), "{name}");
        }
        for script in ASSETS.iter().filter(|a| a.content_type == JS) {
            let text = std::str::from_utf8(script.bytes).expect("utf-8 script");
            for import in text.split("from './").skip(1) {
                let name = &import[..import.find('\'').expect("closing quote")];
                assert!(
                    ASSETS.iter().any(|a| a.name == name),
                    "{} imports {name}, which is not served",
                    script.name
                );
            }
        }
    }
}
