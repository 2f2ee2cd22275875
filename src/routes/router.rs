//! Route recognition: `(method, path)` becomes a [`Route`] once, before any handler runs. One
//! router type serves the API's operations and the admin API's, so 404 and 405 are built in
//! one place.
//!
//! Patterns are split into segments when the router is built, into a tree; matching a request
//! walks it one segment at a time (a few comparisons each), with no regex. Literal segments beat
//! `{param}` segments, so `/api/agent-base/triggers` never reaches the `{id}` route. `HEAD` is answered wherever
//! `GET` is (RFC 9110), by the `GET` row. A known path with the wrong method is 405 with
//! `Allow`; an unknown path is 404.

use std::borrow::Cow;

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

/// A recognized request: its row, the row's position, and its decoded path parameter
/// (borrowed from the path `'p` when it needs no decoding, as most ids do).
#[derive(Debug)]
pub struct Route<'p, R: 'static> {
    /// The matched row.
    pub op: &'static R,
    /// The row's position in the table (scenarios and rate limits index by it).
    pub index: usize,
    /// The path parameter, percent-decoded, with a UUID lowered (UUIDs are
    /// case-insensitive); `None` when the row has none.
    pub param: Option<Cow<'p, str>>,
}

impl<R> Clone for Route<'_, R> {
    fn clone(&self) -> Self {
        Self {
            op: self.op,
            index: self.index,
            param: self.param.clone(),
        }
    }
}

/// A compiled table of rows, as a tree of segments: matching a path walks it one segment at
/// a time, literal children before the parameter child, so the first complete match is the
/// best one (literals beat parameters from the left).
#[derive(Debug)]
pub struct Router<R: 'static> {
    rows: Vec<(&'static R, Vec<Segment>)>,
    /// The tree's nodes; the root is the first.
    nodes: Vec<Node>,
}

/// One node of the tree: the patterns that share a prefix of segments.
#[derive(Debug, Default)]
struct Node {
    /// The children by literal segment. A node has a few, which differ in length more often
    /// than not: comparing each costs less than hashing the segment.
    literals: Vec<(&'static str, usize)>,
    /// The child for a `{param}` segment.
    param: Option<usize>,
    /// The rows whose pattern ends here (one per method), in table order.
    rows: Vec<usize>,
}

/// How a path matched: its segments and the node of the best pattern.
struct Best<'a, 'p> {
    parts: &'a [&'p str],
    node: usize,
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
        let mut nodes = vec![Node::default()];
        for (index, (_, pattern)) in rows.iter().enumerate() {
            let mut at = 0;
            for segment in pattern {
                let next = nodes.len();
                let child = match segment {
                    Segment::Literal(text) => {
                        let literals = &mut nodes[at].literals;
                        match literals.iter().find(|(known, _)| known == text) {
                            Some(&(_, child)) => child,
                            None => {
                                literals.push((text, next));
                                next
                            }
                        }
                    }
                    Segment::Param => *nodes[at].param.get_or_insert(next),
                };
                if child == next {
                    nodes.push(Node::default());
                }
                at = child;
            }
            nodes[at].rows.push(index);
        }
        Self { rows, nodes }
    }

    /// The route for `method` and `path`: 404 when no pattern matches the path, 405 with
    /// `Allow` when patterns match but none for this method.
    pub fn recognize<'p>(&self, method: &Method, path: &'p str) -> Result<Route<'p, R>, ApiError> {
        let trimmed = trim(path);
        let method = if method == Method::HEAD {
            &Method::GET
        } else {
            method
        };
        let mut parts = [""; MAX_SEGMENTS];
        let Some(best) = self.best(trimmed, &mut parts) else {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                format!("no route for {method} {trimmed}"),
            ));
        };
        let found = self.nodes[best.node]
            .rows
            .iter()
            .map(|&index| (index, &self.rows[index]))
            .find(|(_, (row, _))| row.method() == method);
        if let Some((index, &(op, ref pattern))) = found {
            return Ok(Route {
                op,
                index,
                param: param(pattern, best.parts),
            });
        }
        let allow = self.allow_header(&best);
        let mut error = ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            format!("method {method} is not allowed on {trimmed}; allowed: {allow}"),
        );
        error.allow = Some(allow);
        Err(error)
    }

    /// The `Allow` header of `path` (for CORS preflights), or `None` when no route matches.
    pub fn allowed(&self, path: &str) -> Option<String> {
        let mut parts = [""; MAX_SEGMENTS];
        let best = self.best(trim(path), &mut parts)?;
        Some(self.allow_header(&best))
    }

    /// Every row, in table order.
    pub fn rows(&self) -> impl Iterator<Item = &'static R> + '_ {
        self.rows.iter().map(|(row, _)| *row)
    }

    /// The best pattern for `trimmed`, splitting it into `parts`; `None` when no pattern
    /// matches (or the path has too many segments for any).
    fn best<'a, 'p>(
        &self,
        trimmed: &'p str,
        parts: &'a mut [&'p str; MAX_SEGMENTS],
    ) -> Option<Best<'a, 'p>> {
        let count = split(trimmed, parts)?;
        let parts = &parts[..count];
        let node = self.walk(0, parts)?;
        Some(Best { parts, node })
    }

    /// The node where `parts` end, from node `at`: literal children first, then the
    /// parameter child (which takes any non-empty segment); `None` when no pattern ends there.
    fn walk(&self, at: usize, parts: &[&str]) -> Option<usize> {
        let node = &self.nodes[at];
        let Some((part, rest)) = parts.split_first() else {
            return (!node.rows.is_empty()).then_some(at);
        };
        let literal = node
            .literals
            .iter()
            .find(|(text, _)| text == part)
            .and_then(|&(_, child)| self.walk(child, rest));
        literal.or_else(|| {
            let child = node.param.filter(|_| !part.is_empty())?;
            self.walk(child, rest)
        })
    }

    /// The methods of the best pattern, for `Allow`.
    fn allow_header(&self, best: &Best<'_, '_>) -> String {
        let methods: Vec<&'static str> = self.nodes[best.node]
            .rows
            .iter()
            .map(|&index| self.rows[index].0.method().as_str())
            .collect();
        allow_header(&methods)
    }
}

/// Splits `path` into the segments after each `/` (what precedes the first is skipped, as a
/// pattern's empty start is), into `parts`; how many, or `None` when there are too many for
/// any pattern. Each segment's end is one tight scan for the next `/` (ASCII, so every cut is
/// a char boundary).
fn split<'p>(path: &'p str, parts: &mut [&'p str; MAX_SEGMENTS]) -> Option<usize> {
    let bytes = path.as_bytes();
    let Some(first) = bytes.iter().position(|&b| b == b'/') else {
        return Some(0);
    };
    let mut start = first + 1;
    let mut count = 0;
    loop {
        let end = bytes
            .get(start..)
            .and_then(|rest| rest.iter().position(|&b| b == b'/'))
            .map_or(bytes.len(), |at| start + at);
        *parts.get_mut(count)? = path.get(start..end).unwrap_or_default();
        count += 1;
        if end == bytes.len() {
            return Some(count);
        }
        start = end + 1;
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

fn param<'p>(pattern: &[Segment], parts: &[&'p str]) -> Option<Cow<'p, str>> {
    let at = pattern.iter().position(|s| *s == Segment::Param)?;
    let raw = *parts.get(at)?;
    // Most ids need neither decoding nor lowering: one scan says so.
    if !raw
        .bytes()
        .fold(false, |seen, b| seen | (b == b'%') | b.is_ascii_uppercase())
    {
        return Some(Cow::Borrowed(raw));
    }
    let decoded = percent_decode_str(raw).decode_utf8_lossy();
    Some(Cow::Owned(canonical_id(&decoded).into_owned()))
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
    fn paths_split_into_the_segments_after_each_slash() {
        let split_all = |path: &'static str| {
            let mut parts = [""; MAX_SEGMENTS];
            split(path, &mut parts).map(|n| parts[..n].to_vec())
        };
        assert_eq!(split_all("/"), Some(vec![""]));
        assert_eq!(
            split_all("/api/agent-base"),
            Some(vec!["api", "agent-base"])
        );
        assert_eq!(split_all("/api//x"), Some(vec!["api", "", "x"]));
        assert_eq!(split_all("*"), Some(vec![]));
        assert_eq!(split_all(&*"/a".repeat(MAX_SEGMENTS + 1).leak()), None);
    }

    #[test]
    fn an_empty_segment_is_no_parameter() {
        let router = router();
        assert_eq!(
            name(&router, Method::GET, "/api/agent-base//executions"),
            Err(StatusCode::NOT_FOUND)
        );
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
