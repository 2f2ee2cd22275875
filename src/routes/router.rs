//! Route recognition: `(method, path)` becomes a [`Route`] once, before any handler runs. One
//! router type serves the API's operations and the admin API's, so 404 and 405 are built in
//! one place.
//!
//! Patterns are split into segments when the router is built; matching a request walks the
//! table comparing segments, with no regex. Literal segments beat `{param}` segments, so
//! `/api/agent-base/triggers` never reaches the `{id}` route. `HEAD` is answered wherever
//! `GET` is (RFC 9110), by the `GET` row. A known path with the wrong method is 405 with
//! `Allow`; an unknown path is 404.

use hyper::{Method, StatusCode};
use percent_encoding::percent_decode_str;

use crate::error::ApiError;
use crate::schema::canonical_id;

/// A row a router can recognize: a method and a path pattern with at most one `{param}`.
pub trait Pattern: 'static {
    /// The row's method.
    fn method(&self) -> &Method;
    /// The row's path pattern.
    fn path(&self) -> &'static str;
}

/// The most segments a path may have; longer paths match no row.
const MAX_SEGMENTS: usize = 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Segment {
    Literal(&'static str),
    Param,
}

/// A recognized request: its row, the row's position, and its decoded path parameter.
#[derive(Debug)]
pub struct Route<R: 'static> {
    /// The matched row.
    pub op: &'static R,
    /// The row's position in the table (scenarios and rate limits index by it).
    pub index: usize,
    /// The path parameter, percent-decoded, with a UUID lowered (UUIDs are
    /// case-insensitive); `None` when the row has none.
    pub param: Option<String>,
}

impl<R> Clone for Route<R> {
    fn clone(&self) -> Self {
        Self {
            op: self.op,
            index: self.index,
            param: self.param.clone(),
        }
    }
}

/// A compiled table of rows.
#[derive(Debug)]
pub struct Router<R: 'static> {
    rows: Vec<(&'static R, Vec<Segment>)>,
}

/// What a path matched: the route for the method asked, and every method of the path.
struct Lookup<R: 'static> {
    route: Option<Route<R>>,
    allowed: Vec<&'static str>,
}

impl<R: Pattern> Router<R> {
    /// Compiles `table`. A pattern with more than one parameter, an unclosed brace, or two
    /// rows with the same method and path are mistakes in the table, refused here, when the
    /// server is built.
    pub fn new(table: &'static [R]) -> Self {
        let rows: Vec<(&'static R, Vec<Segment>)> =
            table.iter().map(|row| (row, compile(row.path()))).collect();
        for (i, (row, _)) in rows.iter().enumerate() {
            let duplicate = rows[..i]
                .iter()
                .any(|(other, _)| other.method() == row.method() && other.path() == row.path());
            assert!(
                !duplicate,
                "route table: {} {} is declared twice",
                row.method(),
                row.path()
            );
        }
        Self { rows }
    }

    /// Finds the route for `method` and `path`.
    pub fn recognize(&self, method: &Method, path: &str) -> Result<Route<R>, ApiError> {
        let trimmed = trim(path);
        let found = self.lookup(method, trimmed);
        if let Some(route) = found.route {
            return Ok(route);
        }
        if found.allowed.is_empty() {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                format!("no route for {method} {trimmed}"),
            ));
        }
        let allow = allow_header(&found.allowed);
        let mut error = ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            format!("method {method} is not allowed on {trimmed}; allowed: {allow}"),
        );
        error.allow = Some(allow);
        Err(error)
    }

    /// The `Allow` value of `path` (`GET, HEAD, PUT, DELETE`), or `None` for an unknown path.
    pub fn allowed(&self, path: &str) -> Option<String> {
        let found = self.lookup(&Method::OPTIONS, trim(path));
        (!found.allowed.is_empty()).then(|| allow_header(&found.allowed))
    }

    /// Every row, in table order.
    pub fn rows(&self) -> impl Iterator<Item = &'static R> + '_ {
        self.rows.iter().map(|(row, _)| *row)
    }

    /// The most specific pattern matching `trimmed`: its route for `method`, and the methods
    /// it has (none when no pattern matches).
    fn lookup(&self, method: &Method, trimmed: &str) -> Lookup<R> {
        let method = if method == Method::HEAD {
            &Method::GET
        } else {
            method
        };
        let mut found = Lookup {
            route: None,
            allowed: Vec::new(),
        };
        // Split once, on the stack: no pattern has more than MAX_SEGMENTS segments.
        let mut parts = [""; MAX_SEGMENTS];
        let mut count = 0;
        for part in trimmed.split('/').skip(1) {
            if count == MAX_SEGMENTS {
                return found;
            }
            parts[count] = part;
            count += 1;
        }
        let parts = &parts[..count];
        let mut best: Option<(u64, &'static str)> = None;
        for (index, &(row, ref pattern)) in self.rows.iter().enumerate() {
            let Some(rank) = rank(pattern, parts) else {
                continue;
            };
            match best {
                Some((r, _)) if rank < r => continue,
                Some((r, p)) if rank == r && p == row.path() => {}
                _ => {
                    best = Some((rank, row.path()));
                    found.route = None;
                    found.allowed.clear();
                }
            }
            found.allowed.push(row.method().as_str());
            if row.method() == method && found.route.is_none() {
                found.route = Some(Route {
                    op: row,
                    index,
                    param: param(pattern, parts),
                });
            }
        }
        found
    }
}

/// `path` without one trailing slash (`/` stays `/`).
fn trim(path: &str) -> &str {
    if path.len() > 1 {
        path.strip_suffix('/').unwrap_or(path)
    } else {
        path
    }
}

/// The methods of one path for `Allow`, with `HEAD` after `GET`.
fn allow_header(methods: &[&'static str]) -> String {
    let mut listed: Vec<&str> = Vec::with_capacity(methods.len() + 1);
    for method in methods {
        if !listed.contains(method) {
            listed.push(method);
        }
        if *method == "GET" && !listed.contains(&"HEAD") {
            listed.push("HEAD");
        }
    }
    listed.join(", ")
}

fn compile(path: &'static str) -> Vec<Segment> {
    let segments: Vec<Segment> = path
        .split('/')
        .skip(1)
        .map(|s| {
            let param = s.starts_with('{') && s.ends_with('}') && s.len() > 2;
            assert!(
                param || !s.contains(['{', '}']),
                "route table: malformed segment '{s}' in {path}"
            );
            if param {
                Segment::Param
            } else {
                Segment::Literal(s)
            }
        })
        .collect();
    let params = segments.iter().filter(|s| **s == Segment::Param).count();
    assert!(
        params <= 1,
        "route table: {path} has more than one parameter"
    );
    assert!(
        segments.len() <= MAX_SEGMENTS,
        "route table: {path} has more than {MAX_SEGMENTS} segments"
    );
    segments
}

/// A score for how specifically `pattern` matches `parts` (higher is more literal, earlier
/// literals weigh more), or `None` when it does not match.
fn rank(pattern: &[Segment], parts: &[&str]) -> Option<u64> {
    if pattern.len() != parts.len() {
        return None;
    }
    let mut score = 0u64;
    for (segment, part) in pattern.iter().zip(parts) {
        score <<= 1;
        match segment {
            Segment::Literal(lit) if lit == part => score |= 1,
            Segment::Literal(_) => return None,
            Segment::Param if part.is_empty() => return None,
            Segment::Param => {}
        }
    }
    Some(score)
}

fn param(pattern: &[Segment], parts: &[&str]) -> Option<String> {
    let at = pattern.iter().position(|s| *s == Segment::Param)?;
    let decoded = percent_decode_str(parts.get(at)?).decode_utf8_lossy();
    Some(canonical_id(&decoded).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routes::{OPERATIONS, Operation};

    fn router() -> Router<Operation> {
        Router::new(OPERATIONS)
    }

    fn name(
        router: &Router<Operation>,
        method: Method,
        path: &str,
    ) -> Result<&'static str, StatusCode> {
        router
            .recognize(&method, path)
            .map(|r| r.op.name)
            .map_err(|e| e.status)
    }

    #[test]
    fn literal_segments_beat_parameters() {
        let router = router();
        assert_eq!(
            name(&router, Method::GET, "/api/agent-base/abc"),
            Ok("agents.get")
        );
        assert_eq!(
            name(&router, Method::POST, "/api/agent-base/install"),
            Ok("agents.install")
        );
        assert_eq!(
            name(&router, Method::GET, "/api/agent-base/abc/executions"),
            Ok("agents.executions")
        );
    }

    #[test]
    fn wrong_methods_are_405_with_allow_and_unknown_paths_404() {
        let router = router();
        let err = router
            .recognize(&Method::PATCH, "/api/agent-base/abc")
            .expect_err("405");
        assert_eq!(err.status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(err.allow.as_deref(), Some("GET, HEAD, PUT, DELETE"));
        assert_eq!(
            name(&router, Method::GET, "/api/nope"),
            Err(StatusCode::NOT_FOUND)
        );
        assert_eq!(
            name(&router, Method::GET, "/api/agent-base//executions"),
            Err(StatusCode::NOT_FOUND)
        );
    }

    #[test]
    fn head_is_answered_by_the_get_route() {
        let router = router();
        assert_eq!(
            name(&router, Method::HEAD, "/api/agent-base/abc"),
            Ok("agents.get")
        );
        assert_eq!(
            name(&router, Method::HEAD, "/api/agent-base/install"),
            Err(StatusCode::METHOD_NOT_ALLOWED)
        );
        assert_eq!(
            router.allowed("/api/agent-base/install").as_deref(),
            Some("POST")
        );
        assert_eq!(router.allowed("/api/nope"), None);
    }

    #[test]
    fn params_are_percent_decoded_and_a_trailing_slash_is_ignored() {
        let route = router()
            .recognize(&Method::GET, "/api/agent-base/a%20b/")
            .expect("route");
        assert_eq!(route.param.as_deref(), Some("a b"));
    }

    #[test]
    fn uuid_params_are_lowered_and_other_ids_kept() {
        let router = router();
        let path = "/api/agent-base/A9E1F3B5-0001-4C6D-8E7F-100000000001/executions";
        let route = router.recognize(&Method::GET, path).expect("route");
        assert_eq!(
            route.param.as_deref(),
            Some("a9e1f3b5-0001-4c6d-8e7f-100000000001")
        );
        let route = router
            .recognize(&Method::GET, "/api/agent-base/Agent-X")
            .expect("route");
        assert_eq!(route.param.as_deref(), Some("Agent-X"));
    }

    struct Row(Method, &'static str);

    impl Pattern for Row {
        fn method(&self) -> &Method {
            &self.0
        }
        fn path(&self) -> &'static str {
            self.1
        }
    }

    #[test]
    #[should_panic(expected = "declared twice")]
    fn a_table_with_a_row_twice_is_refused_when_built() {
        static TWICE: [Row; 2] = [Row(Method::GET, "/a"), Row(Method::GET, "/a")];
        Router::new(&TWICE);
    }

    #[test]
    #[should_panic(expected = "more than one parameter")]
    fn a_pattern_with_two_parameters_is_refused_when_built() {
        static TWO: [Row; 1] = [Row(Method::GET, "/a/{x}/{y}")];
        Router::new(&TWO);
    }
}
