//! The request headers the mock reads by name. [`Known`] finds all of those the request path
//! reads in one pass over a request's headers; the rest are looked up through [`get`] and
//! [`get_all`] by ready-made [`HeaderName`]s.

use hyper::HeaderMap;
use hyper::header::{HeaderName, HeaderValue};

/// `X-Mock-Namespace`: the namespace a request runs in.
pub const MOCK_NAMESPACE: HeaderName = HeaderName::from_static("x-mock-namespace");
/// `Prefer`: `code=NNN` asks for that status (Prism's convention).
pub const PREFER: HeaderName = HeaderName::from_static("prefer");
/// `Last-Event-ID`: where an event stream resumes.
pub const LAST_EVENT_ID: HeaderName = HeaderName::from_static("last-event-id");

/// The headers the request path reads, found in one pass over a request's headers: each
/// stage then reads a field instead of searching the map again (about ten searches per
/// request otherwise). Each field holds the first value of its header, as
/// [`HeaderMap::get`] would give it; `map` is there for anything else.
#[derive(Debug, Clone, Copy)]
pub struct Known<'a> {
    /// All the request's headers.
    pub map: &'a HeaderMap,
    /// `X-API-Token`.
    pub api_token: Option<&'a HeaderValue>,
    /// `Authorization`.
    pub authorization: Option<&'a HeaderValue>,
    /// `X-Mock-Namespace`.
    pub namespace: Option<&'a HeaderValue>,
    /// `X-Mock-Scenario`.
    pub scenario: Option<&'a HeaderValue>,
    /// `Prefer` (its first value; the scenario stage reads them all).
    pub prefer: Option<&'a HeaderValue>,
    /// `Expect`.
    pub expect: Option<&'a HeaderValue>,
    /// `Origin`.
    pub origin: Option<&'a HeaderValue>,
    /// `X-Organization-Id`.
    pub organization: Option<&'a HeaderValue>,
    /// `User-Agent`.
    pub user_agent: Option<&'a HeaderValue>,
    /// `Content-Type`.
    pub content_type: Option<&'a HeaderValue>,
}

impl<'a> Known<'a> {
    /// The known headers of `map`, in one pass.
    pub fn of(map: &'a HeaderMap) -> Self {
        let mut known = Self {
            map,
            api_token: None,
            authorization: None,
            namespace: None,
            scenario: None,
            prefer: None,
            expect: None,
            origin: None,
            organization: None,
            user_agent: None,
            content_type: None,
        };
        for (name, value) in map {
            let slot = match name.as_str() {
                "x-api-token" => &mut known.api_token,
                "authorization" => &mut known.authorization,
                "x-mock-namespace" => &mut known.namespace,
                "x-mock-scenario" => &mut known.scenario,
                "prefer" => &mut known.prefer,
                "expect" => &mut known.expect,
                "origin" => &mut known.origin,
                "x-organization-id" => &mut known.organization,
                "user-agent" => &mut known.user_agent,
                "content-type" => &mut known.content_type,
                _ => continue,
            };
            // The first value wins, as with `HeaderMap::get`.
            slot.get_or_insert(value);
        }
        known
    }

    /// The credential header that counts: `X-API-Token`, else `Authorization`.
    pub fn credential(&self) -> Option<&'a HeaderValue> {
        self.api_token.or(self.authorization)
    }
}

/// Maps with at most this many values are scanned rather than hashed (see [`get`]).
const SCAN: usize = 12;

/// The first value of header `name`, as [`HeaderMap::get`] gives it. A request carries a
/// handful of headers, and comparing a few names costs less than hashing one, so a small map
/// is scanned; a large one is looked up.
#[inline]
pub fn get<'a>(headers: &'a HeaderMap, name: &HeaderName) -> Option<&'a HeaderValue> {
    if headers.len() <= SCAN {
        headers.iter().find_map(|(n, v)| (n == name).then_some(v))
    } else {
        headers.get(name)
    }
}

/// Every value of header `name`, in order, as [`HeaderMap::get_all`] gives them (scanned when
/// the map is small, like [`get`]).
pub fn get_all<'a>(
    headers: &'a HeaderMap,
    name: &'a HeaderName,
) -> impl Iterator<Item = &'a HeaderValue> + 'a {
    let small = headers.len() <= SCAN;
    let scanned = small.then(|| {
        headers
            .iter()
            .filter_map(move |(n, v)| (n == name).then_some(v))
    });
    let hashed = (!small).then(|| headers.get_all(name).iter());
    scanned
        .into_iter()
        .flatten()
        .chain(hashed.into_iter().flatten())
}

#[cfg(test)]
mod tests {
    use super::*;

    const API_TOKEN: HeaderName = HeaderName::from_static("x-api-token");

    fn map(n: usize) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for i in 0..n {
            let name = HeaderName::from_bytes(format!("x-filler-{i}").as_bytes()).expect("name");
            headers.insert(name, HeaderValue::from_static("v"));
        }
        headers.append(PREFER, HeaderValue::from_static("code=429"));
        headers.append(PREFER, HeaderValue::from_static("wait=1"));
        headers.insert(API_TOKEN, HeaderValue::from_static("prodgy_x"));
        headers
    }

    #[test]
    fn one_pass_finds_the_first_value_of_every_known_header() {
        for headers in [map(2), map(40)] {
            let mut headers = headers;
            headers.append(API_TOKEN, HeaderValue::from_static("prodgy_second"));
            headers.insert(hyper::header::USER_AGENT, HeaderValue::from_static("ua"));
            let known = Known::of(&headers);
            assert_eq!(known.api_token, headers.get(API_TOKEN));
            assert_eq!(known.prefer, headers.get(PREFER));
            assert_eq!(known.user_agent, headers.get(hyper::header::USER_AGENT));
            assert_eq!(known.namespace, None);
            assert_eq!(known.credential(), headers.get(API_TOKEN));
        }
    }

    #[test]
    fn scanning_and_hashing_find_the_same_values() {
        // Below and above the scan threshold.
        for headers in [map(2), map(40)] {
            assert_eq!(get(&headers, &API_TOKEN), headers.get(API_TOKEN));
            assert_eq!(get(&headers, &PREFER), headers.get(PREFER));
            assert_eq!(get(&headers, &MOCK_NAMESPACE), None);
            assert_eq!(
                get(&headers, &hyper::header::HOST),
                headers.get(hyper::header::HOST)
            );
            let prefer = PREFER;
            let all: Vec<_> = get_all(&headers, &prefer).collect();
            let expected: Vec<_> = headers.get_all(PREFER).iter().collect();
            assert_eq!(all, expected);
            assert_eq!(all.len(), 2);
        }
    }
}
