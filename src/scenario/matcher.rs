//! Precompiled request matching.
//!
//! At load time every rule's method, path pattern and route name become a [`RouteSet`]: one
//! flag per row of the route table. Matching a request is then a lookup by the route index
//! the router already found, plus (rarely) a literal segment check and header/query
//! comparisons. No regex, no string work for a request whose route no rule names.

use hyper::{HeaderMap, Method};

use super::model::MatchSpec;
use crate::routes::{Access, Route, RouteDef, Router};

/// The routes a rule or rate-limit class applies to, as one flag per table row.
#[derive(Debug, Clone, Default)]
pub struct RouteSet {
    rows: Box<[bool]>,
    /// `(segment index, literal)` pairs a concrete path in the pattern adds, checked on the
    /// request path (e.g. `/api/agent-base/abc` against the `{id}` route).
    literals: Vec<(usize, String)>,
}

impl RouteSet {
    /// The rows of `router` selected by `method`, `path` pattern, `route` name and access.
    pub fn select(
        router: &Router,
        method: Option<&Method>,
        path: Option<&str>,
        route: Option<&str>,
        authenticated: Option<bool>,
    ) -> Self {
        let pattern: Option<Vec<&str>> = path.map(split);
        let mut literals = Vec::new();
        let rows = router
            .routes()
            .map(|def| {
                let fits = method.is_none_or(|m| def.method == *m)
                    && route.is_none_or(|name| name_matches(name, def.name))
                    && authenticated.is_none_or(|a| a == (def.access == Access::Token));
                fits && pattern
                    .as_ref()
                    .is_none_or(|p| path_matches(p, def, &mut literals))
            })
            .collect();
        literals.sort();
        literals.dedup();
        Self { rows, literals }
    }

    /// A selector string from a rate-limit list: `"POST /api/workflow/execute"`,
    /// `"/api/knowledge-base/search"` (any method) or a route name `"workflows.execute"`.
    pub fn from_selector(router: &Router, selector: &str) -> Self {
        let selector = selector.trim();
        match selector.split_once(' ') {
            Some((method, path)) => {
                let method = Method::from_bytes(method.to_ascii_uppercase().as_bytes()).ok();
                Self::select(router, method.as_ref(), Some(path.trim()), None, None)
            }
            None if selector.starts_with('/') => {
                Self::select(router, None, Some(selector), None, None)
            }
            None => Self::select(router, None, None, Some(selector), None),
        }
    }

    /// Whether no route is selected.
    pub fn is_empty(&self) -> bool {
        !self.rows.iter().any(|r| *r)
    }

    /// Whether the route at table index `index` is selected.
    pub fn contains(&self, index: usize) -> bool {
        self.rows.get(index).copied().unwrap_or(false)
    }

    /// Whether the recognized `route` at `path` is selected.
    pub fn matches(&self, route: &Route, path: &str) -> bool {
        if !self.contains(route.index) {
            return false;
        }
        if self.literals.is_empty() {
            return true;
        }
        let parts = split(path);
        self.literals
            .iter()
            .all(|(i, lit)| parts.get(*i).is_some_and(|p| p == lit))
    }
}

/// The extra conditions of a rule beyond its routes.
#[derive(Debug, Clone, Default)]
pub struct Extra {
    headers: Vec<(String, String)>,
    query: Vec<(String, String)>,
    namespace: Option<String>,
}

impl Extra {
    /// The header, query and namespace conditions of `spec`.
    pub fn from_spec(spec: &MatchSpec) -> Self {
        let headers = spec
            .headers
            .iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
            .collect();
        let query = spec
            .query
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        Self {
            headers,
            query,
            namespace: spec.namespace.clone(),
        }
    }

    /// Whether the request passes every condition.
    pub fn matches(&self, headers: &HeaderMap, query: Option<&str>, namespace: &str) -> bool {
        if self.namespace.as_deref().is_some_and(|ns| ns != namespace) {
            return false;
        }
        let headers_ok = self.headers.iter().all(|(name, value)| {
            headers
                .get_all(name.as_str())
                .iter()
                .any(|v| v.to_str().is_ok_and(|v| v == value))
        });
        headers_ok
            && self.query.iter().all(|(name, value)| {
                query.is_some_and(|q| {
                    form_urlencoded::parse(q.as_bytes()).any(|(k, v)| k == *name && v == *value)
                })
            })
    }
}

fn split(path: &str) -> Vec<&str> {
    let trimmed = if path.len() > 1 {
        path.strip_suffix('/').unwrap_or(path)
    } else {
        path
    };
    trimmed.split('/').skip(1).collect()
}

fn name_matches(wanted: &str, name: &str) -> bool {
    match wanted.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => wanted == name,
    }
}

fn is_param(segment: &str) -> bool {
    segment.starts_with('{') && segment.ends_with('}')
}

/// Whether the rule `pattern` can match requests of `def`. A `{param}` of the pattern faces
/// only a `{param}` of the route (so `/api/agent-base/{id}` means the agent route, not
/// `/api/agent-base/triggers`); literals facing a `{param}` of the route are remembered in
/// `literals` to be checked per request.
fn path_matches(pattern: &[&str], def: &RouteDef, literals: &mut Vec<(usize, String)>) -> bool {
    let table = split(def.path);
    if table.len() != pattern.len() {
        return false;
    }
    let mut extra = Vec::new();
    for (i, (p, t)) in pattern.iter().zip(&table).enumerate() {
        match (is_param(p), is_param(t)) {
            (true, true) => {}
            (true, false) => return false,
            (false, true) => extra.push((i, (*p).to_owned())),
            (false, false) if p == t => {}
            (false, false) => return false,
        }
    }
    literals.extend(extra);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(set: &RouteSet, router: &Router) -> Vec<&'static str> {
        router
            .routes()
            .enumerate()
            .filter(|(i, _)| set.contains(*i))
            .map(|(_, d)| d.name)
            .collect()
    }

    #[test]
    fn patterns_select_table_rows_by_segments() {
        let router = Router::default();
        let set = RouteSet::select(
            &router,
            Some(&Method::GET),
            Some("/api/agent-base/{x}"),
            None,
            None,
        );
        assert_eq!(names(&set, &router), ["agents.get"]);
        let set = RouteSet::from_selector(&router, "agents.*");
        assert!(names(&set, &router).len() > 5);
        let set = RouteSet::from_selector(&router, "POST /api/nowhere");
        assert!(set.is_empty());
    }
}
