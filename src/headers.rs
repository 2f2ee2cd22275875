//! The request headers the mock reads by name, as ready-made [`HeaderName`]s: looking one up
//! then hashes the name without parsing and lower-casing the text first, on every request.

use hyper::HeaderMap;
use hyper::header::{HeaderName, HeaderValue};

/// `X-API-Token`: an API token (`prodgy_...`).
pub const API_TOKEN: HeaderName = HeaderName::from_static("x-api-token");
/// `X-Organization-Id`: the organization a call acts for (a UUID).
pub const ORGANIZATION_ID: HeaderName = HeaderName::from_static("x-organization-id");
/// `X-Mock-Namespace`: the namespace a request runs in.
pub const MOCK_NAMESPACE: HeaderName = HeaderName::from_static("x-mock-namespace");
/// `X-Mock-Scenario`: the scenarios one request runs under.
pub const MOCK_SCENARIO: HeaderName = HeaderName::from_static("x-mock-scenario");
/// `Prefer`: `code=NNN` asks for that status (Prism's convention).
pub const PREFER: HeaderName = HeaderName::from_static("prefer");
/// `Last-Event-ID`: where an event stream resumes.
pub const LAST_EVENT_ID: HeaderName = HeaderName::from_static("last-event-id");

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
