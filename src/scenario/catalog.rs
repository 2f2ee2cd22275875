//! Loading and compiling scenarios: the built-ins plus the files given on the command line.
//!
//! Compiling turns every rule into a precomputed [`RouteSet`] and a ready-made response body,
//! so nothing is parsed per request. A pattern that selects no route is a warning (it may
//! name a route another build has), logged once with the file and the pattern.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use hyper::StatusCode;
use hyper::header::{HeaderName, HeaderValue};
use serde_json::json;

use super::builtin::BUILTIN;
use super::matcher::Extra;
use super::model::{Delay, Fault, MatchSpec, RuleSpec, ScenarioSpec, When};
use crate::envelope::error_name;
use crate::error::{Location, ScenarioError, UnknownScenario};
use crate::ratelimit::RateLimit;
use crate::routes::{ApiRouter, RouteSet, Selector};

/// What a rule does when it fires.
#[derive(Debug, Default)]
pub struct Effect {
    /// The status to answer with; `None` lets the real handler answer.
    pub status: Option<StatusCode>,
    /// The body for `status`, built at load time.
    pub body: Bytes,
    /// Extra response headers.
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// A wait before answering.
    pub delay: Option<Delay>,
    /// How to break the connection or body.
    pub fault: Option<Fault>,
}

/// One compiled rule.
#[derive(Debug)]
pub struct Rule {
    /// Unique within its catalog; keys the call counters.
    pub id: u32,
    /// `scenario#n` (n counts from 1), shown in the request journal when it fires.
    pub label: Arc<str>,
    /// The routes it looks at.
    pub routes: RouteSet,
    /// Header, query and namespace conditions, when any.
    pub extra: Option<Extra>,
    /// On which calls it fires.
    pub when: When,
    /// What happens then.
    pub effect: Arc<Effect>,
}

/// One compiled scenario.
#[derive(Debug)]
pub struct Scenario {
    /// Its name.
    pub name: String,
    /// What a client sees.
    pub description: String,
    /// `built-in` or the file it came from.
    pub source: String,
    /// Ordered rules.
    pub rules: Vec<Rule>,
    /// Rate limiting, when the scenario turns it on.
    pub rate_limit: Option<Arc<RateLimit>>,
    /// Patterns that select no route, for logs and the admin API.
    pub warnings: Vec<String>,
    /// A fingerprint of the text it was compiled from: a reload keeps a scenario whose text
    /// did not change (and with it its rule ids, so its call counters go on).
    pub fingerprint: u64,
    /// The file's text, as written (the admin API shows it).
    pub text: Arc<str>,
}

/// Every scenario a server knows, and the active names.
#[derive(Debug, Default)]
pub struct Catalog {
    scenarios: Vec<Arc<Scenario>>,
    /// The scenarios activated at start (or by the last reload), in order.
    pub active: Vec<Arc<Scenario>>,
    /// The id the next compiled rule gets: ids are never reused, so counters kept across a
    /// reload cannot be mistaken for a new rule's.
    next_rule_id: u32,
}

impl Catalog {
    /// The built-ins plus every file among `wanted`; `wanted` becomes the active set.
    pub fn load(wanted: &[String], router: &ApiRouter) -> Result<Self, ScenarioError> {
        Self::build(wanted, router, None)
    }

    /// Loads again what `previous` was loaded from: scenarios whose text is unchanged are
    /// kept as they are (same rules, same counters), the others are compiled anew.
    pub fn reload(
        wanted: &[String],
        router: &ApiRouter,
        previous: &Catalog,
    ) -> Result<Self, ScenarioError> {
        Self::build(wanted, router, Some(previous))
    }

    fn build(
        wanted: &[String],
        router: &ApiRouter,
        previous: Option<&Catalog>,
    ) -> Result<Self, ScenarioError> {
        let mut catalog = Self {
            scenarios: Vec::new(),
            active: Vec::new(),
            next_rule_id: previous.map_or(0, |p| p.next_rule_id),
        };
        for (name, text) in BUILTIN {
            let path = PathBuf::from(format!("scenarios/{name}.json"));
            let scenario =
                catalog.reuse_or_compile(&path, name, "built-in", text, router, previous)?;
            catalog.scenarios.push(scenario);
        }
        for want in wanted.iter().filter(|w| !w.trim().is_empty()) {
            let scenario = match catalog.get(want.trim()) {
                Some(found) if !is_path(want) => found,
                _ => {
                    let path = Path::new(want.trim());
                    let text = read_file(path, &catalog)?;
                    let source = path.display().to_string();
                    let loaded = catalog.reuse_or_compile(
                        path,
                        &stem_of(path),
                        &source,
                        &text,
                        router,
                        previous,
                    )?;
                    catalog.scenarios.retain(|s| s.name != loaded.name);
                    catalog.scenarios.push(Arc::clone(&loaded));
                    loaded
                }
            };
            catalog.active.push(scenario);
        }
        Ok(catalog)
    }

    /// The scenario of `previous` from the same source and text, else `text` compiled.
    fn reuse_or_compile(
        &mut self,
        path: &Path,
        default_name: &str,
        source: &str,
        text: &str,
        router: &ApiRouter,
        previous: Option<&Catalog>,
    ) -> Result<Arc<Scenario>, ScenarioError> {
        let fingerprint = crate::hash::fnv1a(text.as_bytes());
        let kept = previous.and_then(|p| {
            p.scenarios
                .iter()
                .find(|s| s.source == source && s.fingerprint == fingerprint)
        });
        if let Some(kept) = kept {
            return Ok(Arc::clone(kept));
        }
        let spec = parse(path, text)?;
        let mut compiled = compile(spec, default_name, source, router, &mut self.next_rule_id);
        compiled.fingerprint = fingerprint;
        compiled.text = Arc::from(text);
        Ok(Arc::new(compiled))
    }

    /// Whether a rule with this id is in the catalog.
    pub fn has_rule(&self, id: u32) -> bool {
        self.scenarios
            .iter()
            .any(|s| s.rules.iter().any(|r| r.id == id))
    }

    /// The scenario called `name`.
    pub fn get(&self, name: &str) -> Option<Arc<Scenario>> {
        self.scenarios.iter().find(|s| s.name == name).cloned()
    }

    /// Every known scenario.
    pub fn all(&self) -> &[Arc<Scenario>] {
        &self.scenarios
    }

    /// The scenarios named in `names` (comma-separated lists allowed), or the unknown one.
    pub fn resolve<'a>(
        &self,
        names: impl IntoIterator<Item = &'a str>,
    ) -> Result<Vec<Arc<Scenario>>, UnknownScenario> {
        let mut set = Vec::new();
        for name in names.into_iter().flat_map(|n| n.split(',')).map(str::trim) {
            if name.is_empty() {
                continue;
            }
            let found = self.get(name).ok_or_else(|| UnknownScenario {
                name: name.to_owned(),
                available: self.names(),
            })?;
            set.push(found);
        }
        Ok(set)
    }

    /// The known names, comma-separated.
    pub fn names(&self) -> String {
        let names: Vec<&str> = self.scenarios.iter().map(|s| s.name.as_str()).collect();
        names.join(", ")
    }
}

fn is_path(want: &str) -> bool {
    want.contains('/') || want.contains('\\') || want.ends_with(".json")
}

fn read_file(path: &Path, catalog: &Catalog) -> Result<String, ScenarioError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !is_path(&path.to_string_lossy()) => {
            Err(ScenarioError::Unknown {
                name: path.display().to_string(),
                available: catalog.names(),
            })
        }
        Err(source) => Err(ScenarioError::Unreadable {
            path: path.to_owned(),
            source,
        }),
    }
}

impl Scenario {
    /// Parses and compiles one scenario file's `text` as if it were read from `path` (which
    /// names it in errors and gives the default name): what `--scenario FILE` does after
    /// reading the file. Used by the fuzz target; any input gives a scenario or an error.
    pub fn from_text(path: &Path, text: &str, router: &ApiRouter) -> Result<Self, ScenarioError> {
        let spec = parse(path, text)?;
        let source = path.display().to_string();
        Ok(compile(spec, &stem_of(path), &source, router, &mut 0))
    }
}

/// The default scenario name of a file: its stem.
fn stem_of(path: &Path) -> String {
    path.file_stem().map_or_else(
        || "scenario".to_owned(),
        |s| s.to_string_lossy().into_owned(),
    )
}

/// Parses one scenario file, reporting the first problem with its line and column.
pub fn parse(path: &Path, text: &str) -> Result<ScenarioSpec, ScenarioError> {
    serde_json::from_str(text).map_err(|e| {
        let message = e.to_string();
        let message = match message.rfind(" at line ") {
            Some(cut) => message[..cut].to_owned(),
            None => message,
        };
        ScenarioError::Invalid {
            at: Location {
                path: Arc::from(path),
                line: e.line(),
                column: e.column(),
            },
            message,
        }
    })
}

fn compile(
    spec: ScenarioSpec,
    default_name: &str,
    source: &str,
    router: &ApiRouter,
    next_id: &mut u32,
) -> Scenario {
    let name = spec.name.unwrap_or_else(|| default_name.to_owned());
    let mut warnings = Vec::new();
    let mut rules = Vec::with_capacity(spec.rules.len());
    for (index, rule) in spec.rules.into_iter().enumerate() {
        let pattern = describe(&rule.matches);
        let mut compiled = compile_rule(rule, &name, *next_id, router);
        compiled.label = Arc::from(format!("{name}#{}", index + 1));
        *next_id += 1;
        if compiled.routes.is_empty() {
            warnings.push(format!(
                "{source}: rule {} of scenario '{name}' ({pattern}) matches no known route",
                index + 1
            ));
        }
        rules.push(compiled);
    }
    let rate_limit = spec.rate_limit.map(|rl| {
        let (limit, unmatched) = RateLimit::compile(&rl, router);
        for selector in unmatched {
            warnings.push(format!(
                "{source}: rate_limit route '{selector}' of scenario '{name}' matches no known route"
            ));
        }
        Arc::new(limit)
    });
    for warning in &warnings {
        tracing::warn!("{warning}");
    }
    Scenario {
        name,
        description: spec.description,
        source: source.to_owned(),
        rules,
        rate_limit,
        warnings,
        fingerprint: 0,
        text: Arc::from(""),
    }
}

/// The route part of a `match`, as written: `GET /api/x`, `route agents.get`.
fn describe(m: &MatchSpec) -> String {
    let mut parts = Vec::new();
    if let Some(method) = &m.method {
        parts.push(method.0.to_string());
    }
    if let Some(path) = &m.path {
        parts.push(path.clone());
    }
    if let Some(route) = &m.route {
        parts.push(format!("route {route}"));
    }
    if let Some(tool) = &m.tool {
        parts.push(format!("tool {tool}"));
    }
    if let Some(auth) = m.authenticated {
        parts.push(format!("authenticated {auth}"));
    }
    parts.join(" ")
}

fn compile_rule(rule: RuleSpec, scenario: &str, id: u32, router: &ApiRouter) -> Rule {
    let m = &rule.matches;
    let routes = RouteSet::select(
        router,
        Selector {
            method: m.method.as_ref().map(|m| &m.0),
            path: m.path.as_deref(),
            route: m.route.as_deref(),
            tool: m.tool.as_deref(),
            authenticated: m.authenticated,
        },
    );
    let has_extra = !m.headers.is_empty() || !m.query.is_empty() || m.namespace.is_some();
    let extra = has_extra.then(|| Extra::from_spec(m));
    let respond = rule.respond.unwrap_or_default();
    let status = respond.status.map(|s| s.0);
    let body = match (status, respond.body) {
        (_, Some(body)) => Bytes::from(body.to_string()),
        (Some(status), None) => default_body(status, respond.message, scenario),
        (None, None) => Bytes::new(),
    };
    let effect = Effect {
        status,
        body,
        headers: respond.headers.0,
        delay: respond.delay_ms,
        fault: rule.fault,
    };
    Rule {
        id,
        label: Arc::from(scenario),
        routes,
        extra,
        when: rule.when,
        effect: Arc::new(effect),
    }
}

/// The documented envelope for `status`: the error envelope from 400 up, else a success.
pub fn default_body(status: StatusCode, message: Option<String>, scenario: &str) -> Bytes {
    let value = if status.as_u16() >= 400 {
        let message = message.unwrap_or_else(|| {
            format!(
                "{} {} injected by scenario '{scenario}'",
                status.as_u16(),
                error_name(status)
            )
        });
        json!({"success": false, "error": error_name(status), "message": message})
    } else {
        let message = message.unwrap_or_else(|| "Operation completed successfully".to_owned());
        json!({"success": true, "message": message, "data": {}})
    };
    Bytes::from(value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_text_compiles_a_file_or_reports_where_it_is_wrong() {
        let router = ApiRouter::new(crate::routes::OPERATIONS);
        let path = Path::new("dir/retry.json");
        let text = r#"{"rules": [{"match": {"route": "agents.get"}, "respond": {"status": 503}}]}"#;
        let scenario = Scenario::from_text(path, text, &router).expect("valid scenario");
        assert_eq!((scenario.name.as_str(), scenario.rules.len()), ("retry", 1));
        let error = Scenario::from_text(path, "{\n  \"rulez\": []\n}", &router)
            .expect_err("unknown key")
            .to_string();
        assert!(error.contains("dir/retry.json:2:"), "{error}");
    }
}
