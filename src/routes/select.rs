//! Selecting operations: a rule's method, path pattern and route name, or a rate-limit
//! selector, become a [`RouteSet`] at load time, one flag per row of the table. Matching a
//! request is then a lookup by the row index the router already found, plus (rarely) a
//! literal segment check. No regex, no string work for a request whose route no rule names.

use hyper::Method;

use super::{Access, ApiRouter, Operation, Route};

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
        router: &ApiRouter,
        method: Option<&Method>,
        path: Option<&str>,
        route: Option<&str>,
        authenticated: Option<bool>,
    ) -> Self {
        let pattern: Option<Vec<&str>> = path.map(split);
        let mut literals = Vec::new();
        let rows = router
            .rows()
            .map(|op| {
                let fits = method.is_none_or(|m| op.method == *m)
                    && route.is_none_or(|name| name_matches(name, op.name))
                    && authenticated.is_none_or(|a| a == (op.access == Access::Token));
                fits && pattern
                    .as_ref()
                    .is_none_or(|p| path_matches(p, op, &mut literals))
            })
            .collect();
        literals.sort();
        literals.dedup();
        Self { rows, literals }
    }

    /// A selector string from a rate-limit list: `"POST /api/workflow/execute"`,
    /// `"/api/knowledge-base/search"` (any method) or a route name `"workflows.execute"`.
    pub fn from_selector(router: &ApiRouter, selector: &str) -> Self {
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

/// Whether the rule `pattern` can match requests of `op`. A `{param}` of the pattern faces
/// only a `{param}` of the route (so `/api/agent-base/{id}` means the agent route, not
/// `/api/agent-base/triggers`); literals facing a `{param}` of the route are remembered in
/// `literals` to be checked per request.
fn path_matches(pattern: &[&str], op: &Operation, literals: &mut Vec<(usize, String)>) -> bool {
    let table = split(op.path);
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

    fn names(set: &RouteSet, router: &ApiRouter) -> Vec<&'static str> {
        router
            .rows()
            .enumerate()
            .filter(|(i, _)| set.contains(*i))
            .map(|(_, d)| d.name)
            .collect()
    }

    #[test]
    fn patterns_select_table_rows_by_segments() {
        let router = ApiRouter::new(crate::routes::OPERATIONS);
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
