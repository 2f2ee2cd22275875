//! Selecting operations: a rule's method, path pattern, route name and tool name, or a
//! rate-limit selector, become a [`RouteSet`] at load time, one flag per row of the table and
//! one per MCP tool after them (tool `i` is row `rows + i`, see [`tool_row`]). Matching a
//! request is then a lookup by the row index the router already found, plus (rarely) a
//! literal segment check. No regex, no string work for a request whose route no rule names.
//!
//! A tool call is a `POST /mcp` that needs a token, named `mcp.<tool>`: a selector of no
//! method or `POST`, no path or `/mcp`, a route pattern that fits `mcp.<tool>` (`mcp.*`), a
//! tool pattern that fits the tool's name (`invoke_agent`, `list_*`) and not `authenticated:
//! false` selects it. A tool pattern selects no REST row.

use hyper::Method;

use super::tools::TOOLS;
use super::{Access, ApiRouter, Operation, Route};

/// The path every tool call is sent to.
pub const MCP_PATH: &str = "/mcp";

/// The row of tool `position` (in [`TOOLS`]) in a [`RouteSet`] over `router`: after the
/// router's rows.
pub fn tool_row(router: &ApiRouter, position: usize) -> usize {
    router.rows().count() + position
}

/// What a selector asks for; every part given must hold.
#[derive(Debug, Clone, Copy, Default)]
pub struct Selector<'a> {
    /// The HTTP method.
    pub method: Option<&'a Method>,
    /// A path pattern with `{param}` segments.
    pub path: Option<&'a str>,
    /// A route name, or a prefix ending in `*`.
    pub route: Option<&'a str>,
    /// An MCP tool name, or a prefix ending in `*`.
    pub tool: Option<&'a str>,
    /// Only routes that need a token (`true`) or only those that do not.
    pub authenticated: Option<bool>,
}

/// The routes a rule or rate-limit class applies to, as one flag per table row.
#[derive(Debug, Clone, Default)]
pub struct RouteSet {
    rows: Box<[bool]>,
    /// `(segment index, literal)` pairs a concrete path in the pattern adds, checked on the
    /// request path (e.g. `/api/agent-base/abc` against the `{id}` route).
    literals: Vec<(usize, String)>,
}

impl RouteSet {
    /// The rows of `router`, and the tools after them, that `selector` selects.
    pub fn select(router: &ApiRouter, selector: Selector<'_>) -> Self {
        let Selector {
            method,
            path,
            route,
            tool,
            authenticated,
        } = selector;
        let pattern: Option<Vec<&str>> = path.map(split);
        let mut literals = Vec::new();
        let rest = router.rows().map(|op| {
            let fits = tool.is_none()
                && method.is_none_or(|m| op.method == *m)
                && route.is_none_or(|name| name_matches(name, op.name))
                && authenticated.is_none_or(|a| a == (op.access == Access::Token));
            fits && pattern
                .as_ref()
                .is_none_or(|p| path_matches(p, op, &mut literals))
        });
        let tools = TOOLS.iter().map(|t| {
            method.is_none_or(|m| *m == Method::POST)
                && path.is_none_or(|p| split(p) == split(MCP_PATH))
                && route.is_none_or(|name| name_matches(name, t.route()))
                && tool.is_none_or(|name| name_matches(name, t.name))
                && authenticated != Some(false)
        });
        let rows = rest.collect::<Vec<_>>().into_iter().chain(tools).collect();
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
                let path = Some(path.trim());
                Self::select(
                    router,
                    Selector {
                        method: method.as_ref(),
                        path,
                        ..Selector::default()
                    },
                )
            }
            None if selector.starts_with('/') => Self::select(
                router,
                Selector {
                    path: Some(selector),
                    ..Selector::default()
                },
            ),
            None => Self::select(
                router,
                Selector {
                    route: Some(selector),
                    ..Selector::default()
                },
            ),
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
        self.matches_row(route.index, path)
    }

    /// Whether row `index` (a route's, or a tool's from [`tool_row`]) at `path` is selected.
    pub fn matches_row(&self, index: usize, path: &str) -> bool {
        if !self.contains(index) {
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
            Selector {
                method: Some(&Method::GET),
                path: Some("/api/agent-base/{x}"),
                ..Selector::default()
            },
        );
        assert_eq!(names(&set, &router), ["agents.get"]);
        let set = RouteSet::from_selector(&router, "agents.*");
        assert!(names(&set, &router).len() > 5);
        let set = RouteSet::from_selector(&router, "POST /api/nowhere");
        assert!(set.is_empty());
    }

    #[test]
    fn tools_are_selected_by_tool_name_route_name_or_the_mcp_path() {
        let router = ApiRouter::new(crate::routes::OPERATIONS);
        let invoke = TOOLS.iter().position(|t| t.name == "invoke_agent");
        let row = tool_row(&router, invoke.expect("a tool"));
        let by_tool = |tool| {
            RouteSet::select(
                &router,
                Selector {
                    tool: Some(tool),
                    ..Selector::default()
                },
            )
        };
        assert!(by_tool("invoke_agent").contains(row));
        assert!(
            names(&by_tool("invoke_agent"), &router).is_empty(),
            "no REST row"
        );
        assert!(!by_tool("list_*").contains(row));
        assert!(RouteSet::from_selector(&router, "mcp.invoke_agent").contains(row));
        assert!(RouteSet::from_selector(&router, "mcp.*").contains(row));
        assert!(RouteSet::from_selector(&router, "POST /mcp").contains(row));
        assert!(!RouteSet::from_selector(&router, "GET /mcp").contains(row));
        assert!(!RouteSet::from_selector(&router, "agents.*").contains(row));
        let everything = RouteSet::select(&router, Selector::default());
        assert!(
            everything.contains(row),
            "an empty match takes tool calls too"
        );
    }
}
