//! Route recognition: `(method, path)` becomes a [`Route`] once, before any handler runs.
//!
//! Patterns are split into segments when the router is built; matching a request walks the
//! table comparing segments, with no regex. Literal segments beat `{param}` segments, so
//! `/api/agent-base/triggers` never reaches the `{id}` route. A known path with the wrong
//! method is 405 with `Allow`; an unknown path is 404.

use hyper::{Method, StatusCode};
use percent_encoding::percent_decode_str;

use super::table::{ROUTES, RouteDef};
use crate::error::ApiError;
use crate::store::canonical_id;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Segment {
    Literal(&'static str),
    Param(&'static str),
}

/// A recognized request: its table row and its decoded path parameters.
#[derive(Debug, Clone)]
pub struct Route {
    /// The matched row.
    pub def: &'static RouteDef,
    /// The row's position in the table (scenarios and rate limits index by it).
    pub index: usize,
    /// Path parameters by name, percent-decoded.
    pub params: Vec<(&'static str, String)>,
}

impl Route {
    /// The path parameter `name` (empty when the route has none by that name).
    pub fn param(&self, name: &str) -> &str {
        self.params
            .iter()
            .find(|(n, _)| *n == name)
            .map_or("", |(_, v)| v.as_str())
    }
}

/// What a path matched: the route for the method asked, and every method of the path.
#[derive(Default)]
struct Lookup {
    route: Option<Route>,
    allowed: Vec<&'static str>,
}

/// The compiled route table.
#[derive(Debug)]
pub struct Router {
    routes: Vec<(&'static RouteDef, Vec<Segment>)>,
}

impl Default for Router {
    fn default() -> Self {
        Self::new(ROUTES)
    }
}

impl Router {
    /// Compiles `table`.
    pub fn new(table: &'static [RouteDef]) -> Self {
        let routes = table.iter().map(|def| (def, compile(def.path))).collect();
        Self { routes }
    }

    /// Finds the route for `method` and `path`. `HEAD` is answered wherever `GET` is (RFC
    /// 9110), by the `GET` route; the server sends its headers without the body.
    pub fn recognize(&self, method: &Method, path: &str) -> Result<Route, ApiError> {
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

    /// The most specific pattern matching `trimmed`: its route for `method`, and the methods
    /// it has (none when no pattern matches).
    fn lookup(&self, method: &Method, trimmed: &str) -> Lookup {
        let method = if method == Method::HEAD {
            &Method::GET
        } else {
            method
        };
        let parts: Vec<&str> = trimmed.split('/').skip(1).collect();
        let mut best: Option<(u64, &'static str)> = None;
        let mut found = Lookup::default();
        for (index, (def, pattern)) in self.routes.iter().enumerate() {
            let Some(rank) = rank(pattern, &parts) else {
                continue;
            };
            match best {
                Some((r, _)) if rank < r => continue,
                Some((r, p)) if rank == r && p == def.path => {}
                _ => {
                    best = Some((rank, def.path));
                    found = Lookup::default();
                }
            }
            found.allowed.push(def.method.as_str());
            if def.method == *method && found.route.is_none() {
                found.route = Some(Route {
                    def,
                    index,
                    params: params(pattern, &parts),
                });
            }
        }
        found
    }

    /// Every compiled route, in table order.
    pub fn routes(&self) -> impl Iterator<Item = &'static RouteDef> + '_ {
        self.routes.iter().map(|(def, _)| *def)
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
    path.split('/')
        .skip(1)
        .map(
            |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) => Segment::Param(name),
                None => Segment::Literal(s),
            },
        )
        .collect()
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
            Segment::Param(_) if part.is_empty() => return None,
            Segment::Param(_) => {}
        }
    }
    Some(score)
}

fn params(pattern: &[Segment], parts: &[&str]) -> Vec<(&'static str, String)> {
    pattern
        .iter()
        .zip(parts)
        .filter_map(|(segment, part)| match segment {
            Segment::Param(name) => {
                let decoded = percent_decode_str(part).decode_utf8_lossy();
                Some((*name, canonical_id(&decoded).into_owned()))
            }
            Segment::Literal(_) => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(router: &Router, method: Method, path: &str) -> Result<&'static str, StatusCode> {
        router
            .recognize(&method, path)
            .map(|r| r.def.name)
            .map_err(|e| e.status)
    }

    #[test]
    fn literal_segments_beat_parameters() {
        let router = Router::default();
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
        let router = Router::default();
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
        let router = Router::default();
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
        let router = Router::default();
        let route = router
            .recognize(&Method::GET, "/api/agent-base/a%20b/")
            .expect("route");
        assert_eq!(route.param("id"), "a b");
    }

    #[test]
    fn uuid_params_are_lowered_and_other_ids_kept() {
        let router = Router::default();
        let path = "/api/agent-base/A9E1F3B5-0001-4C6D-8E7F-100000000001/executions";
        let route = router.recognize(&Method::GET, path).expect("route");
        assert_eq!(route.param("id"), "a9e1f3b5-0001-4c6d-8e7f-100000000001");
        let route = router
            .recognize(&Method::GET, "/api/agent-base/Agent-X")
            .expect("route");
        assert_eq!(route.param("id"), "Agent-X");
    }
}
