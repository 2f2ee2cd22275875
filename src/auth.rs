//! The auth stage: who is calling, and which product they may see.
//!
//! Credentials come from `X-API-Token` or `Authorization: Bearer`; when both are sent,
//! `X-API-Token` wins. Every refusal is a 401 whose message says why.

use std::sync::{Arc, Mutex, PoisonError, Weak};

use crate::headers::Known;
use serde_json::{Value, json};

use crate::clock::Timestamp;
use crate::config::AuthMode;
use crate::error::ApiError;
use crate::schema::is_api_token;
use crate::store::{AuditAction, Details, Doc, Kind, Origin, Record, State, record_id};

/// Longest `User-Agent` kept in audit entries, in bytes.
const USER_AGENT_CHARS: usize = 256;

/// The caller of an authenticated route.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Principal {
    /// The only product this caller may see; `None` sees every product (auth off).
    pub product: Option<Arc<str>>,
    /// The stored token used, when it is one the mock knows.
    pub token_id: Option<Arc<str>>,
    /// Whether the caller used an API token, which acts for one workspace only (a JWT acts
    /// for a user, and `--auth off` for anyone): only such callers are refused changes to
    /// records every workspace shares.
    pub workspace_token: bool,
}

impl Principal {
    /// Whether this caller may see records of `product`.
    pub fn sees(&self, product: Option<&str>) -> bool {
        match (&self.product, product) {
            (None, _) => true,
            (Some(mine), Some(theirs)) => &**mine == theirs,
            (Some(_), None) => false,
        }
    }
}

/// A credential as presented, before it is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Credential<'a> {
    ApiToken(&'a str),
    Jwt,
}

fn is_jwt(value: &str) -> bool {
    let parts: Vec<&str> = value.split('.').collect();
    parts.len() == 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'=')
        })
}

fn credential<'a>(headers: &Known<'a>) -> Result<Credential<'a>, ApiError> {
    let raw = if let Some(token) = headers.api_token {
        // The common case, checked on the bytes: a well-formed token is ASCII.
        let bytes = token.as_bytes().trim_ascii();
        if let Some(token) = crate::schema::is_api_token_bytes(bytes)
            .then(|| std::str::from_utf8(bytes).ok())
            .flatten()
        {
            return Ok(Credential::ApiToken(token));
        }
        token.to_str().map_err(|_| malformed("X-API-Token"))?.trim()
    } else if let Some(auth) = headers.authorization {
        let auth = auth
            .to_str()
            .map_err(|_| malformed("Authorization"))?
            .trim();
        let (scheme, value) = auth
            .split_once(' ')
            .ok_or_else(|| malformed("Authorization"))?;
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(ApiError::unauthorized(format!(
                "malformed credentials: Authorization scheme '{scheme}' is not supported; use 'Bearer prodgy_...' or the X-API-Token header"
            )));
        }
        value.trim()
    } else {
        return Err(ApiError::unauthorized(
            "missing credentials: send an API token in the X-API-Token header or as 'Authorization: Bearer prodgy_...'",
        ));
    };
    if is_api_token(raw) {
        Ok(Credential::ApiToken(raw))
    } else if is_jwt(raw) {
        Ok(Credential::Jwt)
    } else {
        Err(malformed("the token"))
    }
}

fn malformed(what: &str) -> ApiError {
    ApiError::unauthorized(format!(
        "malformed token: {what} is not of the form prodgy_<letters and digits> (or a JWT)"
    ))
}

/// A request as auth sees it: its headers, its client and the call it makes (for audit
/// entries).
#[derive(Debug, Clone, Copy)]
pub struct Presented<'a> {
    /// The request headers (credentials, user agent).
    pub headers: Known<'a>,
    /// The client's address, when known.
    pub peer: Option<std::net::SocketAddr>,
    /// The operation's method.
    pub method: &'a hyper::Method,
    /// The request path.
    pub path: &'a str,
}

/// Who sent the request, for audit entries.
pub fn origin(req: Presented<'_>) -> Origin {
    origin_with(req, |ua| Arc::from(ua))
}

/// Who sent the request, with its `User-Agent` (its first [`USER_AGENT_CHARS`] characters)
/// made shared text by `share`.
fn origin_with(req: Presented<'_>, share: impl FnOnce(&str) -> Arc<str>) -> Origin {
    let user_agent = req.headers.user_agent.and_then(|v| v.to_str().ok());
    Origin {
        ip: req.peer.map(|p| p.ip()),
        user_agent: user_agent.map(|ua| {
            let cut = ua
                .char_indices()
                .nth(USER_AGENT_CHARS)
                .map_or(ua.len(), |(i, _)| i);
            share(&ua[..cut])
        }),
    }
}

/// Checks the caller's credentials under `mode` and counts the call against its token (one
/// counter bump and one bounded `used` audit entry). With a connection's `cache`, a
/// connection that presents the same credential again skips the look-up (see
/// [`TokenCache`]).
pub fn authenticate(
    mode: AuthMode,
    state: &Arc<State>,
    req: Presented<'_>,
    now: Timestamp,
    cache: Option<&TokenCache>,
) -> Result<Principal, ApiError> {
    if mode == AuthMode::Off {
        return Ok(Principal::default());
    }
    if let Some(hit) = cache.and_then(|c| c.recall(state, mode, &req.headers, now)) {
        if let Some(id) = &hit.token_id {
            count_use(state, Arc::clone(id), now, req, cache);
        }
        return Ok(hit);
    }
    let headers = req.headers;
    // Read before the look-up: a write after it makes the remembered answer miss next time.
    let writes = state.token_writes();
    let default = |workspace_token| Principal {
        product: state.default_product_id(),
        token_id: None,
        workspace_token,
    };
    let (principal, expires_at) = match (credential(&headers)?, mode) {
        (Credential::Jwt, AuthMode::Strict) => {
            return Err(ApiError::unauthorized(
                "unknown token: strict auth accepts only API tokens from the fixtures, not JWTs",
            ));
        }
        (Credential::Jwt, _) => return Ok(default(false)),
        (Credential::ApiToken(secret), _) => match state.token_by_secret(secret) {
            Some(token) => (
                admit(state, &token, now, req, cache)?,
                token.token().expires_at,
            ),
            None if state.retired_secret(secret).is_some() => return Err(regenerated()),
            None if mode == AuthMode::Strict => {
                return Err(ApiError::unauthorized(
                    "unknown token: strict auth accepts only tokens present in the fixtures or created through /api/api-tokens",
                ));
            }
            None => (default(true), None),
        },
    };
    if let Some(cache) = cache {
        cache.remember((state, writes), mode, &headers, &principal, expires_at);
    }
    Ok(principal)
}

/// What one connection last authenticated, so that the next request presenting the very same
/// credential bytes (a client reuses its connection and its token) is answered without
/// looking the token up again. The memory holds only while the namespace's tokens are as
/// they were (no token written since, the same namespace incarnation and auth mode) and the
/// token has not expired; anything else takes the full path. Its principal holds copies of
/// its text of its own, so handing it out touches nothing another connection touches.
#[derive(Debug, Default)]
pub struct TokenCache {
    last: Mutex<Option<Remembered>>,
    /// The path of the connection's last counted call, shared by the audit entries of the
    /// calls to it that follow.
    path: Mutex<Option<Arc<str>>>,
    /// Its user agent, shared the same way (a client sends the same one on every call).
    user_agent: Mutex<Option<Arc<str>>>,
}

#[derive(Debug)]
struct Remembered {
    /// The namespace state it was found in (only compared, never upgraded).
    state: Weak<State>,
    /// That state's token writes at the time.
    writes: u64,
    mode: AuthMode,
    /// Whether the credential came in `X-API-Token` (else `Authorization`).
    api_token: bool,
    /// The credential header's bytes.
    raw: Box<[u8]>,
    principal: Principal,
    expires_at: Option<Timestamp>,
}

impl TokenCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Remembered>> {
        // Replaced whole: a panic cannot leave it half written.
        self.last.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// `path` as shared text: the last one's when it is the same.
    fn path(&self, path: &str) -> Arc<str> {
        shared(&self.path, path)
    }

    /// [`origin`], with the user agent shared like [`TokenCache::path`].
    fn origin(&self, req: Presented<'_>) -> Origin {
        origin_with(req, |ua| shared(&self.user_agent, ua))
    }

    /// The principal remembered for this credential, if still true at `now`.
    fn recall(
        &self,
        state: &Arc<State>,
        mode: AuthMode,
        headers: &Known<'_>,
        now: Timestamp,
    ) -> Option<Principal> {
        let last = self.lock();
        let last = last.as_ref()?;
        let raw = match last.api_token {
            true => headers.api_token?,
            false if headers.api_token.is_none() => headers.authorization?,
            false => return None,
        };
        let same = last.raw[..] == *raw.as_bytes()
            && last.mode == mode
            && std::ptr::eq(last.state.as_ptr(), Arc::as_ptr(state))
            && last.writes == state.token_writes()
            && last.expires_at.is_none_or(|at| at > now);
        same.then(|| last.principal.clone())
    }

    /// Remembers that this credential made `principal` in `state`.
    fn remember(
        &self,
        (state, writes): (&Arc<State>, u64),
        mode: AuthMode,
        headers: &Known<'_>,
        principal: &Principal,
        expires_at: Option<Timestamp>,
    ) {
        let (api_token, raw) = match (headers.api_token, headers.authorization) {
            (Some(raw), _) => (true, raw),
            (None, Some(raw)) => (false, raw),
            (None, None) => return,
        };
        let own = |text: &Option<Arc<str>>| text.as_deref().map(Arc::from);
        *self.lock() = Some(Remembered {
            state: Arc::downgrade(state),
            writes,
            mode,
            api_token,
            raw: raw.as_bytes().into(),
            principal: Principal {
                product: own(&principal.product),
                token_id: own(&principal.token_id),
                workspace_token: principal.workspace_token,
            },
            expires_at,
        });
    }
}

/// Checks the credentials of a call that must carry an API token the state knows (a webhook
/// with `require_token`): the token must be in the fixtures or created through the API, and
/// usable (not inactive, expired or revoked); the call counts as a use, as any other does.
/// Unlike [`authenticate`] in lenient mode, unknown tokens and JWTs are refused: a sender
/// proves itself only with a token its workspace issued.
pub fn known_token(
    state: &State,
    req: Presented<'_>,
    now: Timestamp,
) -> Result<Principal, ApiError> {
    match credential(&req.headers)? {
        Credential::Jwt => Err(ApiError::unauthorized(
            "malformed credentials: this route needs an API token (prodgy_...), not a JWT",
        )),
        Credential::ApiToken(secret) => match state.token_by_secret(secret) {
            Some(token) => admit(state, &token, now, req, None),
            None if state.retired_secret(secret).is_some() => Err(regenerated()),
            None => Err(ApiError::unauthorized(
                "unknown token: this route needs an API token the mock knows (from the fixtures or created through /api/api-tokens)",
            )),
        },
    }
}

fn regenerated() -> ApiError {
    ApiError::unauthorized(
        "regenerated token: this secret was replaced by a regeneration and no longer works",
    )
}

/// Admits a known token if its status allows it, expiring it first when its time has passed.
fn admit(
    state: &State,
    token: &Doc,
    now: Timestamp,
    req: Presented<'_>,
    cache: Option<&TokenCache>,
) -> Result<Principal, ApiError> {
    let facts = token.token();
    let id = &*facts.id;
    let expires_at = facts.expires_at;
    match facts.status.as_deref().unwrap_or("active") {
        "revoked" => {
            return Err(ApiError::unauthorized(format!(
                "revoked token: API token '{id}' has been revoked"
            )));
        }
        "inactive" => {
            return Err(ApiError::unauthorized(format!(
                "inactive token: API token '{id}' is deactivated"
            )));
        }
        "expired" => return Err(expired(id, expires_at)),
        _ => {}
    }
    if let Some(at) = expires_at.filter(|at| *at <= now) {
        expire(state, id, now, origin(req));
        return Err(expired(id, Some(at)));
    }
    count_use(state, Arc::clone(&facts.id), now, req, cache);
    Ok(Principal {
        product: facts.product.clone(),
        token_id: Some(Arc::clone(&facts.id)),
        workspace_token: true,
    })
}

/// Counts `req` as a use of token `id`.
fn count_use(
    state: &State,
    id: Arc<str>,
    now: Timestamp,
    req: Presented<'_>,
    cache: Option<&TokenCache>,
) {
    let (path, origin) = match cache {
        Some(cache) => (cache.path(req.path), cache.origin(req)),
        None => (Arc::from(req.path), origin(req)),
    };
    let call = Details::Call {
        method: req.method.clone(),
        path,
    };
    state.record_use(id, now, origin, call);
}

/// Marks token `id` expired and writes its one `expired` audit entry; only the call that
/// changes the status reports `true`, so concurrent callers write the entry once.
pub fn expire(state: &State, id: &str, now: Timestamp, origin: Origin) -> bool {
    let changed = state.update::<()>(Kind::Token, id, |token| {
        if token.get("status").and_then(Value::as_str) != Some("active") {
            return Err(());
        }
        token.insert("status".into(), json!("expired"));
        Ok(())
    });
    let Ok(Some(token)) = changed else {
        return false;
    };
    let expires_at = token.get("expires_at").cloned().unwrap_or(Value::Null);
    let details = Details::Json(Box::new(json!({ "expires_at": expires_at })));
    state.audit(id, AuditAction::Expired, now, origin, details);
    true
}

/// Expires token `record` if its `expires_at` has passed at `now` (see [`expire`]).
pub fn settle_expiry(state: &State, record: &Record, now: Timestamp, origin: &Origin) -> bool {
    let due = record
        .get("expires_at")
        .and_then(Value::as_str)
        .and_then(Timestamp::parse)
        .is_some_and(|at| at <= now);
    let active = record.get("status").and_then(Value::as_str) == Some("active");
    due && active && expire(state, record_id(record), now, origin.clone())
}

fn expired(id: &str, at: Option<Timestamp>) -> ApiError {
    let when = at.map(|t| format!(" at {t}")).unwrap_or_default();
    ApiError::unauthorized(format!("expired token: API token '{id}' expired{when}"))
}

/// Checks `X-Organization-Id`: when present it must be a UUID.
pub fn check_organization(headers: &Known<'_>) -> Result<(), ApiError> {
    let Some(value) = headers.organization else {
        return Ok(());
    };
    let text = value.to_str().unwrap_or_default();
    if uuid::Uuid::parse_str(text).is_ok() {
        return Ok(());
    }
    Err(ApiError::bad_request(format!(
        "header 'X-Organization-Id' must be a UUID such as 6480d1ad-5535-40e1-95b0-05774d3dc4b0, got '{}'",
        text.chars().take(64).collect::<String>()
    )))
}

/// `text` as shared text: the one kept in `last` when it is the same, else a new one kept
/// there for the next call.
fn shared(last: &Mutex<Option<Arc<str>>>, text: &str) -> Arc<str> {
    let mut last = last.lock().unwrap_or_else(PoisonError::into_inner);
    match last.as_ref() {
        Some(kept) if **kept == *text => Arc::clone(kept),
        _ => Arc::clone(last.insert(Arc::from(text))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::HeaderMap;
    use hyper::header::AUTHORIZATION;

    #[test]
    fn api_tokens_and_jwts_are_told_apart() {
        assert!(is_api_token("prodgy_abcDEF123"));
        assert!(!is_api_token("prodgy_"));
        assert!(!is_api_token("prodgy_has space"));
        assert!(is_jwt("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig-nature_"));
        assert!(!is_jwt("not.a"));
    }

    /// A GET of `/api/agent-base` carrying `headers`.
    fn presented(headers: Known<'_>) -> Presented<'_> {
        Presented {
            headers,
            peer: None,
            method: &hyper::Method::GET,
            path: "/api/agent-base",
        }
    }

    /// Headers with this `User-Agent`.
    fn with_agent(agent: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("user-agent", agent.parse().expect("header"));
        headers
    }

    #[test]
    fn a_connection_shares_its_user_agent_between_calls_and_keeps_it_cut() {
        let cache = TokenCache::default();
        let sdk = with_agent("python-requests/2.32");
        let req = presented(Known::of(&sdk));
        let (first, second) = (cache.origin(req), cache.origin(req));
        let (a, b) = (
            first.user_agent.expect("kept"),
            second.user_agent.expect("kept"),
        );
        assert!(
            Arc::ptr_eq(&a, &b),
            "the second call shares the first's text"
        );
        assert_eq!(&*a, "python-requests/2.32");
        let curl = with_agent("curl/8.5");
        let third = cache.origin(presented(Known::of(&curl)));
        assert_eq!(third.user_agent.as_deref(), Some("curl/8.5"));
        let long = with_agent(&"x".repeat(USER_AGENT_CHARS + 50));
        let req = presented(Known::of(&long));
        let (plain, cached) = (origin(req), TokenCache::default().origin(req));
        assert_eq!(plain, cached);
        assert_eq!(plain.user_agent.map(|ua| ua.len()), Some(USER_AGENT_CHARS));
    }

    #[test]
    fn x_api_token_wins_over_bearer() {
        let mut headers = HeaderMap::new();
        headers.insert("x-api-token", "prodgy_first".parse().expect("header"));
        headers.insert(
            AUTHORIZATION,
            "Bearer prodgy_second".parse().expect("header"),
        );
        assert_eq!(
            credential(&Known::of(&headers)),
            Ok(Credential::ApiToken("prodgy_first"))
        );
    }
}
