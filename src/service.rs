//! The one place a request enters. Each request goes through the same ordered stages:
//!
//! 0. **preflight**: with CORS on, an `OPTIONS` request is answered 204 at once;
//! 1. **admin**: `/__admin/*` (the admin operations' rows, on the same router type) and
//!    `/swagger.json` are answered aside, never journaled; `/mcp` goes to the MCP gateway
//!    (`mcp`), whose stages mirror these;
//! 2. **namespace**: `X-Mock-Namespace` picks the [`Namespace`] (400 when malformed, 503 when
//!    one too many);
//! 3. **route**: `(method, path)` → [`Route`] (404 / 405);
//! 4. **scenarios**: the active set, or the one `X-Mock-Scenario` names (400 if unknown);
//! 5. **rate limit**: count the call when a scenario enables limits (429 over the limit);
//! 6. **inject**: `Prefer: code=NNN`, else the first scenario rule that fires;
//! 7. **delay**: wait as the rule says (Tokio time);
//! 8. **answer**: the injected status, or body (413) → auth (401/400) → query and body
//!    checked against the operation's row (400) → handler → envelope; in proxy mode
//!    (`--proxy`), the body (413) → the upstream's answer (any path the router does not
//!    know is forwarded too);
//! 9. **headers**: rate-limit and rule headers are added;
//! 10. **fault**: reset, close, truncate or dribble as the rule says;
//! 11. **journal**: the exchange is appended to the bounded request journal;
//! 12. **date**: `Date` from the server clock, on every response (admin and errors too);
//! 13. **log**: at debug level, one line per request, admin and `/swagger.json` included
//!     (method, path, status, duration, namespace, route, rule; see `trace`).
//!
//! Every answer then gets what a connection needs: the unread rest of the body is drained
//! (or the close announced; see `body`) and CORS headers are added. A panic anywhere inside
//! becomes a logged 500 envelope; the connection is only dropped when a scenario asks for it.

use std::any::Any;
use std::borrow::Cow;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use bytes::Bytes;
use futures_util::FutureExt;
use hyper::body::Incoming;
use hyper::http::request::Parts;
use hyper::{Method, Request, Response, StatusCode, Uri};

use crate::admin::{AdminOp, AdminReq};
use crate::app::App;
use crate::auth::{self, Principal};
use crate::body::{self, Unread};
use crate::clock::Timestamp;
use crate::envelope::{self, Body};
use crate::error::ApiError;
use crate::headers::Known;
use crate::namespace::{Held, Holder, Namespace};
use crate::ratelimit::{Class, Verdict};
use crate::routes::request::Query;
use crate::routes::{self, Access, Ctx, Req, Route, Router};
use crate::scenario::{self, Aborted, Call, Decision, Scenario, Scenarios, fault};
use crate::schema;
use crate::store::State;
use crate::trace::Trace;
use crate::{admin, cors, mcp, openapi};

/// The connection a request arrived on, and the service answering it: made once per
/// connection and shared by its requests, so starting a request copies one count that only
/// this connection's thread writes (not the service's, which every connection shares).
#[derive(Debug)]
pub struct Conn {
    /// What answers the requests.
    pub service: Arc<Service>,
    /// The client address.
    pub peer: SocketAddr,
    /// Set to make the connection end with a reset when it is dropped.
    pub reset: Arc<AtomicBool>,
    /// The token this connection last authenticated with (see [`auth::TokenCache`]).
    pub tokens: auth::TokenCache,
    /// The namespace and scenarios of its last request (see [`Namespaces::hold`]).
    ///
    /// [`Namespaces::hold`]: crate::namespace::Namespaces::hold
    pub held: Holder,
}

/// What answers requests: the app, the admin API's router and the MCP gateway (both sit
/// above the app, so the app cannot hold them).
#[derive(Debug)]
pub struct Service {
    /// Everything shared by all requests.
    pub app: Arc<App>,
    admin: Router<AdminOp>,
    mcp: mcp::Gateway,
}

impl Service {
    /// The service of `app`.
    pub fn new(app: Arc<App>) -> Self {
        let mcp = mcp::Gateway::new(app.settings.body_limit);
        Self {
            app,
            admin: admin::router(),
            mcp,
        }
    }

    /// Ends what would outlive the server's connections: the MCP sessions and their streams.
    pub fn close(&self) {
        self.mcp.close();
    }
}

/// Answers one request. Never panics outward; fails only when a scenario aborts the
/// connection on purpose.
pub async fn handle(
    conn: Arc<Conn>,
    request: Request<Incoming>,
) -> Result<Response<Body>, Aborted> {
    let service = &*conn.service;
    let app = &service.app;
    // The one wall-clock reading of the request's start (a second one ends it).
    let arrived = Instant::now();
    app.request_started();
    let (mut parts, body) = request.into_parts();
    // The URI stays here, lent to the stages, so a panic can still name the request.
    let uri = std::mem::take(&mut parts.uri);
    let method = parts.method.clone();
    let mut trace = Trace::start(arrived);
    // Not boxed: the pipeline's state is about 2 KB (see `pipeline`), which hyper copies once
    // into its connection's slot for the future; boxing it cost an allocation and a copy more.
    let answer = AssertUnwindSafe(pipeline(service, parts, body, &uri, &conn, &mut trace))
        .catch_unwind()
        .await;
    let mut response = answer.unwrap_or_else(|panic| Ok(panicked(&method, uri.path(), &*panic)));
    let finished = Instant::now();
    if let Ok(response) = response.as_mut() {
        app.date
            .stamp(response.headers_mut(), app.clock.at(finished));
    }
    trace.record(&app.journal, &mut response, finished);
    trace.log(&method, uri.path(), &response, finished);
    app.request_finished(finished);
    response
}

/// The answer to a request whose handling panicked: a logged 500 envelope instead of a
/// dropped connection.
fn panicked(method: &Method, path: &str, panic: &(dyn Any + Send)) -> Response<Body> {
    let what = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned());
    tracing::error!(%method, %path, panic = %what, "handler panicked; answered 500");
    let message = format!("the mock failed while handling {method} {path}: {what}");
    envelope::failure(&ApiError::internal(message))
}

/// Stages 1–11, then what every answer gets: the unread rest of the body is drained (or the
/// connection announced closed) and CORS headers are added.
///
/// The stages are written flat on purpose: an `async fn` that awaits another keeps the
/// callee's whole state inside its own and copies it there, so each level of nesting roughly
/// doubles what every request allocates and moves. Nothing nests here; the rare branches
/// (admin API, MCP gateway, proxy, delays, draining) are boxed.
async fn pipeline(
    service: &Service,
    parts: Parts,
    body: Incoming,
    uri: &Uri,
    conn: &Conn,
    trace: &mut Trace,
) -> Result<Response<Body>, Aborted> {
    let app = &*service.app;
    let mut unread = Unread::new(body);
    let version = parts.version;
    // The headers the stages read, found in one pass.
    let known = Known::of(&parts.headers);
    let waits_for_continue = body::is_continue(known.expect);
    let origin = known.origin.filter(|_| app.settings.cors).cloned();
    let path = uri.path();
    let mut response = if app.settings.cors && parts.method == Method::OPTIONS {
        let allow = match is_admin(app, path) {
            true => service.admin.allowed(path),
            false if mcp::is_mcp(path) => Some(mcp::ALLOW.to_owned()),
            false => app.router.allowed(path),
        };
        cors::preflight(&parts.headers, allow)
    } else if is_admin(app, path) {
        // Boxed (see `boxed`): the admin API is rare on the hot path.
        boxed(serve_admin(
            app,
            &service.admin,
            with_uri(parts, uri),
            &mut unread,
            trace,
        ))
        .await
    } else if let Some(document) = openapi::serve(&parts.method, path) {
        document
    } else if mcp::is_mcp(path) {
        // Boxed like the admin API. Served from the mock's state in proxy mode too.
        let conn = (conn.peer, &*conn.reset);
        boxed(mcp::serve(
            &service.mcp,
            &service.app,
            with_uri(parts, uri),
            &mut unread,
            conn,
            trace,
        ))
        .await?
    } else {
        // Stages 2–10 for an `/api` request, inline (see above).
        'api: {
            let held = match app.namespaces.hold(&known, &app.scenarios, &conn.held) {
                Ok(held) => held,
                Err(error) => break 'api envelope::failure(&error),
            };
            let ns = &*held.namespace;
            let now = app.clock.at(trace.arrived());
            let of = (&held.name, ns.epoch());
            trace.enter(&app.journal, now, of, &parts.method, uri, &parts.headers);
            let plan = match plan(app, &held, (&parts, &known), uri, conn.peer, now, trace) {
                Planned::Go(plan) => plan,
                Planned::Forward => {
                    let parts = with_uri(parts, uri);
                    break 'api boxed(forward(app, parts, &mut unread, None, trace)).await;
                }
                Planned::Answered(response) => break 'api response,
            };
            if let Some(delay) = plan.decision.as_ref().and_then(|d| d.delay) {
                boxed(tokio::time::sleep(delay)).await;
            }
            let route_index = plan.route.index;
            let injected = plan.decision.as_ref().and_then(injected);
            let mut response = match (injected, app.proxy.is_some()) {
                (Some(response), _) => response,
                (None, true) => {
                    let parts = with_uri(parts, uri);
                    boxed(forward(app, parts, &mut unread, Some(&plan.route), trace)).await
                }
                (None, false) => {
                    // Stage 8, the real answer: body (413) → auth (401/400) → query and
                    // body checked against the operation's row (400) → handler → envelope.
                    let asked = Asked {
                        app,
                        ns,
                        parts: &parts,
                        known: &known,
                        uri,
                        conn,
                        now,
                    };
                    if matches!(plan.route.op.body, routes::Body::Form { .. }) {
                        // Uploads: boxed, as they are rare and their future is large.
                        boxed(answer_streaming(asked, plan.route, &mut unread, trace)).await
                    } else {
                        match unread.read(&parts.headers, app.settings.body_limit).await {
                            Ok(body) => {
                                trace.body(&body);
                                answer_now(&asked, plan.route, body)
                            }
                            Err(refused) => break 'api refused.into_response(parts.version),
                        }
                    }
                }
            };
            let set = plan.named.as_deref().unwrap_or(&held.scenarios);
            let exhausted = exhausted(app, set, route_index, response.status());
            finish_headers(
                &mut response,
                exhausted.or(plan.limit),
                plan.decision.as_ref(),
            );
            match plan.decision.and_then(|d| d.effect.fault) {
                Some(f) => fault::apply(f, response, &conn.reset)?,
                None => response,
            }
        }
    };
    unread
        .settle(
            waits_for_continue,
            version,
            app.settings.body_limit,
            &mut response,
        )
        .await;
    if let Some(origin) = origin {
        cors::allow(origin, &mut response);
    }
    Ok(response)
}

/// `parts` with the URI the stages borrowed put back, for a branch that takes the whole
/// request (admin API, MCP gateway, proxy).
fn with_uri(mut parts: Parts, uri: &Uri) -> Parts {
    parts.uri = uri.clone();
    parts
}

/// `future` on the heap, for a branch few requests take. Its state is then no part of every
/// request's future. This must be a plain function: a future built inside an `async fn`
/// occupies that function's state even when it is boxed at once, because rustc keeps a
/// temporary across the await that ends its statement.
#[inline(never)]
fn boxed<F: Future>(future: F) -> Pin<Box<F>> {
    Box::pin(future)
}

/// Whether `path` is the admin API's (and it is served).
fn is_admin(app: &App, path: &str) -> bool {
    app.settings.admin && (path == "/__admin" || path.starts_with("/__admin/"))
}

async fn serve_admin(
    app: &App,
    router: &Router<AdminOp>,
    parts: Parts,
    body: &mut Unread,
    trace: &mut Trace,
) -> Response<Body> {
    let route = match router.recognize(&parts.method, parts.uri.path()) {
        Ok(route) => route,
        Err(error) => return envelope::failure(&error),
    };
    trace.route(route.op.name);
    let body = match body.read(&parts.headers, app.settings.body_limit).await {
        Ok(bytes) => bytes,
        Err(refused) => return refused.into_response(parts.version),
    };
    let query = parts.uri.query().map(parse_query).unwrap_or_default();
    let req = AdminReq {
        query: &query,
        headers: &parts.headers,
        body: &body,
        param: route.param.as_deref(),
    };
    envelope::respond((route.op.handler)(app, &req))
}

/// What stages 3–6 decided for an `/api` request that goes on.
struct Plan<'p> {
    route: Route<'p>,
    /// The scenarios `X-Mock-Scenario` named, when it named any (else the held ones).
    named: Option<Arc<[Arc<Scenario>]>>,
    limit: Option<Verdict>,
    decision: Option<Decision>,
}

/// Where stages 3–6 leave an `/api` request.
enum Planned<'p> {
    /// It goes on.
    Go(Plan<'p>),
    /// Proxy mode, a path the router does not know: it is forwarded as it is.
    Forward,
    /// A stage answered it (404/405, 400, 429).
    Answered(Response<Body>),
}

/// Stages 3–6, which never wait: the route (404/405), the scenarios (400), the rate limit
/// (429) and the rule that fires.
fn plan<'p>(
    app: &App,
    held: &Held,
    (parts, known): (&Parts, &Known<'_>),
    uri: &'p Uri,
    peer: SocketAddr,
    now: Timestamp,
    trace: &mut Trace,
) -> Planned<'p> {
    let route = match app.router.recognize(&parts.method, uri.path()) {
        Ok(route) => route,
        Err(_) if app.proxy.is_some() => return Planned::Forward,
        Err(error) => return Planned::Answered(envelope::failure(&error)),
    };
    trace.route(route.op.name);
    let ns = &*held.namespace;
    let named = match known.scenario {
        None => None,
        Some(_) => match app.scenarios.for_request(known, &ns.rules) {
            Ok(set) => Some(set),
            Err(error) => return Planned::Answered(envelope::failure(&error)),
        },
    };
    let set = named.as_deref().unwrap_or(&held.scenarios);
    let limit = rate_limit(app, ns, set, &route, known, peer, now);
    if let Some(refused) = limit.filter(|v| v.refused) {
        trace.rule("rate-limit");
        return Planned::Answered(refused.refusal());
    }
    let call = Call {
        route: &route,
        path: uri.path(),
        headers: &parts.headers,
        prefer: known.prefer.is_some(),
        query: uri.query(),
        namespace: ns.name().as_str(),
    };
    let decision = prefer(&call).or_else(|| Scenarios::decide(set, &call, &ns.rules));
    if let Some(decision) = decision.as_ref() {
        trace.rule(&decision.rule);
    }
    Planned::Go(Plan {
        route,
        named,
        limit,
        decision,
    })
}

/// A 429 a rule or `Prefer` injected carries what a real limit would send with it.
fn exhausted(
    app: &App,
    set: &[Arc<Scenario>],
    route_index: usize,
    status: StatusCode,
) -> Option<Verdict> {
    (status == StatusCode::TOO_MANY_REQUESTS).then(|| {
        let limit = Scenarios::rate_limit(set)
            .or(app.faithful_limit())
            .map_or(&*app.documented_limit, |l| &**l);
        let class = limit.class_of(route_index).unwrap_or(Class::Standard);
        Verdict::exhausted(limit, class, app.clock.now())
    })
}

/// Counts the call against its bucket when the scenarios enable limits and the route is
/// limited.
fn rate_limit(
    app: &App,
    ns: &Namespace,
    set: &[Arc<Scenario>],
    route: &Route,
    known: &Known<'_>,
    peer: SocketAddr,
    now: Timestamp,
) -> Option<Verdict> {
    let limit = Scenarios::rate_limit(set).or(app.faithful_limit())?;
    let class = limit.class_of(route.index)?;
    let key = limit.key_of(peer, known);
    Some(ns.buckets.check(limit, class, key, now))
}

/// Prism-style `Prefer: code=NNN` (200 to 599): answers that status with its envelope; a
/// 429 also carries the rate-limit headers.
fn prefer(call: &Call<'_>) -> Option<Decision> {
    scenario::prefer::decide(call)
}

fn injected(decision: &Decision) -> Option<Response<Body>> {
    let status = decision.effect.status?;
    Some(envelope::json(status, decision.effect.body.to_vec()))
}

/// The rate-limit headers of `verdict`, then the headers of the rule that fired (which win).
fn finish_headers(response: &mut Response<Body>, verdict: Option<Verdict>, d: Option<&Decision>) {
    let headers = response.headers_mut();
    if let Some(verdict) = verdict {
        verdict.apply(headers);
    }
    for (name, value) in d.map(|d| d.effect.headers.as_slice()).unwrap_or_default() {
        headers.insert(name.clone(), value.clone());
    }
}

/// What stage 8 reads of a request that goes on to its handler.
struct Asked<'a> {
    app: &'a App,
    ns: &'a Namespace,
    parts: &'a Parts,
    known: &'a Known<'a>,
    uri: &'a Uri,
    conn: &'a Conn,
    now: Timestamp,
}

impl<'a> Asked<'a> {
    /// The request as its handler sees it.
    fn req(&self, route: Route<'a>, body: Bytes, stream: Option<Incoming>) -> Req<'a> {
        Req {
            route,
            query: self.uri.query().map(parse_query).unwrap_or_default(),
            path: self.uri.path(),
            peer: Some(self.conn.peer),
            headers: &self.parts.headers,
            known: self.known,
            body,
            object: None,
            stream: Mutex::new(stream),
        }
    }

    /// Auth and the request's checks (see [`admit`]): the caller.
    fn admit(&self, req: &mut Req<'_>) -> Result<Principal, ApiError> {
        admit(self.app, (&self.ns.state, &self.conn.tokens), req, self.now)
    }

    /// What a handler works with, for `caller`.
    fn ctx<'c>(&'c self, caller: &'c Principal) -> Ctx<'c> {
        Ctx {
            state: &self.ns.state,
            runs: &self.ns.runs,
            clock: &self.app.clock,
            caller,
            settings: &self.app.settings,
        }
    }
}

/// Stage 8 for an operation answered at once (all but uploads). It never waits, so the
/// request, the caller and the result live on the stack, not in every request's future.
fn answer_now<'a>(asked: &Asked<'a>, route: Route<'a>, body: Bytes) -> Response<Body> {
    let op = route.op;
    let mut req = asked.req(route, body, None);
    let result = asked.admit(&mut req).and_then(|caller| {
        let param = req.route.param.as_deref();
        op.handler.call_now(&asked.ctx(&caller), &req, param)
    });
    envelope::respond(result.map_err(|error| bare_if(op, error)))
}

/// Stage 8 for an upload: its handler streams the body itself.
async fn answer_streaming(
    asked: Asked<'_>,
    route: Route<'_>,
    unread: &mut Unread,
    trace: &mut Trace,
) -> Response<Body> {
    let op = route.op;
    trace.body(&[]);
    let mut req = asked.req(route, Bytes::new(), unread.take());
    let result = match asked.admit(&mut req) {
        Ok(caller) => {
            let param = req.route.param.as_deref();
            op.handler.call(asked.ctx(&caller), &req, param).await
        }
        Err(error) => Err(error),
    };
    // A handler that refused early leaves the rest of the body to be drained.
    unread.put_back(req.take_stream());
    envelope::respond(result.map_err(|error| bare_if(op, error)))
}

/// Credentials first (401), then what the operation's row says it reads (400): its query and
/// its JSON body, parsed into `req.object`.
fn admit(
    app: &App,
    (state, tokens): (&Arc<State>, &auth::TokenCache),
    req: &mut Req,
    now: Timestamp,
) -> Result<Principal, ApiError> {
    let op = req.route.op;
    let caller = authorize(app, (state, tokens), req, now)?;
    schema::check_query(op.query, &req.query)?;
    req.object = routes::request::json_body(op, req.known.content_type, &req.body)?;
    Ok(caller)
}

/// Proxy mode's answer: the body read (413 over the limit), then the upstream's.
async fn forward(
    app: &App,
    parts: Parts,
    unread: &mut Unread,
    route: Option<&Route<'_>>,
    trace: &mut Trace,
) -> Response<Body> {
    let Some(proxy) = app.proxy.as_ref() else {
        return envelope::failure(&ApiError::internal(
            "nothing to forward to: proxy mode is off",
        ));
    };
    let body = match unread.read(&parts.headers, app.settings.body_limit).await {
        Ok(bytes) => bytes,
        Err(refused) => return refused.into_response(parts.version),
    };
    trace.body(&body);
    let route = route.map(|r| (r.op, r.param.as_deref()));
    proxy.forward(&parts, body, route).await
}

/// `error` without its `error` key when `op` documents its errors so.
fn bare_if(op: &routes::Operation, error: ApiError) -> ApiError {
    if op.bare_errors { error.bare() } else { error }
}

fn authorize(
    app: &App,
    (state, tokens): (&Arc<State>, &auth::TokenCache),
    req: &Req,
    now: Timestamp,
) -> Result<Principal, ApiError> {
    let caller = match req.route.op.access {
        Access::Token => {
            let mode = app.settings.auth_mode();
            auth::authenticate(mode, state, req.presented(), now, Some(tokens))?
        }
        Access::OptionalToken | Access::Platform => Principal::default(),
    };
    auth::check_organization(req.known)?;
    Ok(caller)
}

/// The query's name/value pairs in order, decoded as a form (`+` is a space, `%XX` a byte).
fn parse_query(query: &str) -> Query<'_> {
    // Most queries have nothing to decode (`page=2&pageSize=20`): split them the way
    // `form_urlencoded::parse` does, by byte scans (`str::split` sets up a searcher for each
    // piece), without its per-byte decoding.
    if !query.bytes().any(|b| b == b'%' || b == b'+') {
        let mut pairs = Vec::new();
        let mut rest = query;
        while !rest.is_empty() {
            let end = rest.bytes().position(|b| b == b'&').unwrap_or(rest.len());
            let (pair, next) = rest.split_at(end);
            rest = next.get(1..).unwrap_or_default();
            if pair.is_empty() {
                continue;
            }
            let (name, value) = match pair.bytes().position(|b| b == b'=') {
                Some(at) => (&pair[..at], &pair[at + 1..]),
                None => (pair, ""),
            };
            pairs.push((Cow::Borrowed(name), Cow::Borrowed(value)));
        }
        return pairs;
    }
    form_urlencoded::parse(query.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    #[test]
    fn a_query_splits_as_a_form_decoder_would() {
        let queries = [
            "",
            "&",
            "a",
            "a=",
            "=b",
            "a=1&b=2",
            "a=1&&b=2&",
            "a=1=2",
            "a&b=c",
            "page=2&pageSize=20",
            "a+b=c+d",
            "a%20b=%7E%zz",
            "q=%F0%9F%98%80",
            "x=1&x=2",
            "é=ü",
        ];
        for query in queries {
            let decoded: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect();
            let parsed: Vec<(String, String)> = parse_query(query)
                .into_iter()
                .map(|(name, value)| (name.into_owned(), value.into_owned()))
                .collect();
            assert_eq!(parsed, decoded, "query {query:?}");
        }
    }

    #[tokio::test]
    async fn a_panicking_handler_becomes_a_500_envelope() {
        let panic = AssertUnwindSafe(async { panic!("boom") })
            .catch_unwind()
            .await
            .expect_err("panicked");
        let response = panicked(&Method::GET, "/api/x", &*panic);
        assert_eq!(response.status(), hyper::StatusCode::INTERNAL_SERVER_ERROR);
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        let body: serde_json::Value = serde_json::from_slice(&body).expect("json");
        assert_eq!(body["error"], "Internal Server Error");
        assert_eq!(
            body["message"],
            "the mock failed while handling GET /api/x: boom"
        );
    }
}
