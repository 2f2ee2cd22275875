//! Rate limiting as the API reference (§1.5) describes it: a fixed window on the server
//! clock, two classes (standard 10/min, strict 5/min), keyed by client IP or by token.
//!
//! Limits are off unless an active scenario has a `rate_limit` section. While on, every
//! response of a limited route carries `RateLimit-Limit`, `RateLimit-Remaining` and
//! `RateLimit-Reset` (Unix seconds); a refused call is a 429 error envelope with
//! `Retry-After`. Windows are kept per namespace ([`Buckets`]), class and key.

use std::cell::RefCell;
use std::net::{IpAddr, SocketAddr};

use crate::hash::FastMap;
use hyper::header::{HeaderName, HeaderValue, RETRY_AFTER};
use hyper::{HeaderMap, Response};

use crate::clock::Timestamp;
use crate::envelope::{self, Body};
use crate::error::ApiError;
pub use crate::routes::Class;
use crate::routes::tools::TOOLS;
use crate::routes::{ApiRouter, RouteSet};
pub use spec::{KeyBy, RateLimitSpec};

mod spec;

/// Whom a bucket counts, besides its class: a client IP (no allocation per call), or a
/// credential when the scenario keys by token.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Caller {
    /// Keyed by client IP.
    Ip(IpAddr),
    /// Keyed by the `X-API-Token` or `Authorization` value.
    Token(Box<str>),
}

impl std::fmt::Display for Caller {
    /// `ip 127.0.0.1`, or `token prodgy_A********` (masked, as in the journal).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Caller::Ip(ip) => write!(f, "ip {ip}"),
            Caller::Token(token) => {
                let shown: String = token.chars().take(8).collect();
                write!(f, "token {shown}********")
            }
        }
    }
}

/// Compiled limits: the class of every route, the limits and the window.
#[derive(Debug)]
pub struct RateLimit {
    window_ms: i64,
    key: KeyBy,
    standard: u64,
    strict: u64,
    /// The class of each table row; `None` is exempt.
    classes: Box<[Option<Class>]>,
}

impl RateLimit {
    /// Compiles `spec` against the route table (each operation's documented class, unless
    /// the spec lists its own strict routes); also returns the selectors that matched no
    /// route.
    pub fn compile(spec: &RateLimitSpec, router: &ApiRouter) -> (Self, Vec<String>) {
        let mut unmatched = Vec::new();
        let mut set_of = |selector: &str, warn: bool| {
            let set = RouteSet::from_selector(router, selector);
            if warn && set.is_empty() {
                unmatched.push(selector.to_owned());
            }
            set
        };
        let strict: Option<Vec<RouteSet>> = spec
            .strict
            .as_ref()
            .map(|list| list.iter().map(|s| set_of(s, true)).collect());
        let exempt: Vec<RouteSet> = spec.exempt.iter().map(|s| set_of(s, true)).collect();
        // The routes' rows, then the MCP tools' (see `routes::tool_row`).
        let documented = router
            .rows()
            .map(|op| op.class)
            .chain(TOOLS.iter().map(|tool| tool.class));
        let classes = documented
            .enumerate()
            .map(|(i, class)| {
                if exempt.iter().any(|s| s.contains(i)) {
                    return None;
                }
                Some(match &strict {
                    None => class,
                    Some(sets) if sets.iter().any(|s| s.contains(i)) => Class::Strict,
                    Some(_) => Class::Standard,
                })
            })
            .collect();
        let limit = Self {
            window_ms: i64::try_from(spec.window_seconds.0.saturating_mul(1000))
                .unwrap_or(i64::MAX),
            key: spec.key,
            standard: spec.limits.standard.0,
            strict: spec.limits.strict.0,
            classes,
        };
        (limit, unmatched)
    }

    /// The documented limits (§1.5): 10 calls a minute on standard operations and 5 on
    /// strict ones, per client IP, in fixed windows.
    pub fn documented(router: &ApiRouter) -> Self {
        Self::compile(&RateLimitSpec::default(), router).0
    }

    /// The class of the route at table index `index` (`None`: not limited).
    pub fn class_of(&self, index: usize) -> Option<Class> {
        self.classes.get(index).copied().flatten()
    }

    /// The limit of `class`.
    pub fn limit_of(&self, class: Class) -> u64 {
        match class {
            Class::Standard => self.standard,
            Class::Strict => self.strict,
        }
    }

    /// The bucket key of a caller: its IP, or its credential when keyed by token.
    pub fn key_of(&self, peer: SocketAddr, headers: &crate::headers::Known<'_>) -> Caller {
        let token = (self.key == KeyBy::Token)
            .then(|| headers.credential())
            .flatten()
            .and_then(|v| v.to_str().ok());
        match token {
            Some(token) => Caller::Token(token.into()),
            None => Caller::Ip(peer.ip()),
        }
    }

    fn window_start(&self, now: Timestamp) -> i64 {
        now.millis() - now.millis().rem_euclid(self.window_ms)
    }
}

/// The `RateLimit-*` names, checked at compile time rather than on every answer.
const LIMIT: HeaderName = HeaderName::from_static("ratelimit-limit");
const REMAINING: HeaderName = HeaderName::from_static("ratelimit-remaining");
const RESET: HeaderName = HeaderName::from_static("ratelimit-reset");

/// The outcome of counting one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    /// Requests allowed per window.
    pub limit: u64,
    /// Requests left in this window.
    pub remaining: u64,
    /// When the window ends, in Unix seconds.
    pub reset: i64,
    /// Seconds until the window ends (at least 1).
    pub retry_after: i64,
    /// Whether the call is over the limit.
    pub refused: bool,
}

impl Verdict {
    /// A refusal with `limit`, as if the window ending after `now` were used up.
    pub fn exhausted(limit: &RateLimit, class: Class, now: Timestamp) -> Self {
        let end = limit.window_start(now) + limit.window_ms;
        Self::at(limit.limit_of(class), 0, end, now, true)
    }

    fn at(limit: u64, remaining: u64, end_ms: i64, now: Timestamp, refused: bool) -> Self {
        Self {
            limit,
            remaining,
            reset: end_ms.div_euclid(1000),
            retry_after: ((end_ms - now.millis() + 999) / 1000).max(1),
            refused,
        }
    }

    /// Adds the `RateLimit-*` headers (and `Retry-After` on a refusal) to `headers`.
    ///
    /// `RateLimit-Limit` and `RateLimit-Reset` change once a window, so the thread keeps the
    /// last value of each and most answers clone it (a count) instead of formatting and
    /// allocating; `RateLimit-Remaining` is written fresh.
    pub fn apply(&self, headers: &mut HeaderMap) {
        let clamp = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        headers.insert(LIMIT, recent(Slot::Limit, clamp(self.limit)));
        headers.insert(REMAINING, HeaderValue::from(clamp(self.remaining)));
        headers.insert(RESET, recent(Slot::Reset, self.reset));
        if self.refused {
            headers.insert(RETRY_AFTER, HeaderValue::from(self.retry_after));
        }
    }

    /// The 429 error envelope with every header.
    pub fn refusal(&self) -> Response<Body> {
        let message = format!(
            "rate limit of {} requests per window exceeded; retry after {} s",
            self.limit, self.retry_after
        );
        let error = ApiError::new(hyper::StatusCode::TOO_MANY_REQUESTS, message);
        let mut response = envelope::failure(&error);
        self.apply(response.headers_mut());
        response
    }
}

/// Which of the thread's remembered values [`recent`] reads.
#[derive(Clone, Copy)]
enum Slot {
    Limit = 0,
    Reset = 1,
}

thread_local! {
    /// The last `RateLimit-Limit` and `RateLimit-Reset` values this thread wrote.
    static RECENT: RefCell<[Option<(i64, HeaderValue)>; 2]> = const { RefCell::new([None, None]) };
}

/// `n` as a header value: the remembered one of `slot` when it is `n`, else a new one that
/// is remembered in its place.
fn recent(slot: Slot, n: i64) -> HeaderValue {
    RECENT
        .try_with(|recent| {
            let mut recent = recent.borrow_mut();
            let kept = &mut recent[slot as usize];
            match kept {
                Some((at, value)) if *at == n => value.clone(),
                _ => kept.insert((n, HeaderValue::from(n))).1.clone(),
            }
        })
        .unwrap_or_else(|_| HeaderValue::from(n))
}

#[derive(Debug, Clone, Copy)]
struct Window {
    start_ms: i64,
    count: u64,
}

/// The fixed windows of one namespace, per class and caller.
#[derive(Debug, Default)]
pub struct Buckets {
    /// (class, caller) → window; a call allocates nothing once its (IP-keyed) bucket exists.
    windows: FastMap<(Class, Caller), Window>,
}

impl Buckets {
    /// Counts one call and says whether it may proceed.
    pub fn check(&self, limit: &RateLimit, class: Class, key: Caller, now: Timestamp) -> Verdict {
        let start = limit.window_start(now);
        let count = {
            let mut window = self.windows.entry((class, key)).or_insert(Window {
                start_ms: start,
                count: 0,
            });
            if window.start_ms != start {
                *window = Window {
                    start_ms: start,
                    count: 0,
                };
            }
            window.count += 1;
            window.count
        };
        let max = limit.limit_of(class);
        Verdict::at(
            max,
            max.saturating_sub(count),
            start + limit.window_ms,
            now,
            count > max,
        )
    }

    /// Forgets every window.
    pub fn clear(&self) {
        self.windows.clear();
    }

    /// Every bucket as it stands at `now` under `limit`: its class, whom it counts, and the
    /// verdict a call would see (without counting one).
    pub fn snapshot(&self, limit: &RateLimit, now: Timestamp) -> Vec<(Class, Caller, Verdict)> {
        let start = limit.window_start(now);
        let mut buckets: Vec<(Class, Caller, Verdict)> = self
            .windows
            .iter()
            .map(|entry| {
                let ((class, caller), window) = (entry.key(), entry.value());
                let used = if window.start_ms == start {
                    window.count
                } else {
                    0
                };
                let max = limit.limit_of(*class);
                let verdict = Verdict::at(
                    max,
                    max.saturating_sub(used),
                    start + limit.window_ms,
                    now,
                    used >= max,
                );
                (*class, caller.clone(), verdict)
            })
            .collect();
        buckets.sort_by_key(|(class, caller, _)| (*class == Class::Strict, caller.to_string()));
        buckets
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limit(json: &str) -> RateLimit {
        let spec: RateLimitSpec = serde_json::from_str(json).expect("valid spec");
        RateLimit::compile(&spec, &ApiRouter::new(crate::routes::OPERATIONS)).0
    }

    #[test]
    fn a_fixed_window_counts_down_and_reopens_on_the_boundary() {
        let limit = limit(r#"{"window_seconds": 60, "limits": {"standard": 2}}"#);
        let buckets = Buckets::default();
        let t0 = Timestamp::from_millis(1_772_721_030_000);
        let check =
            |at: Timestamp| buckets.check(&limit, Class::Standard, Caller::Token("x".into()), at);
        let first = check(t0);
        assert_eq!(
            (first.remaining, first.reset, first.refused),
            (1, 1_772_721_060, false)
        );
        assert_eq!(check(t0).remaining, 0);
        let third = check(t0);
        assert_eq!((third.refused, third.retry_after), (true, 30));
        let next = check(Timestamp::from_millis(1_772_721_060_000));
        assert_eq!(
            (next.remaining, next.reset, next.refused),
            (1, 1_772_721_120, false)
        );
    }

    #[test]
    fn applied_headers_carry_each_number_and_retry_after_only_on_a_refusal() {
        let shown = |verdict: Verdict| {
            let mut headers = HeaderMap::new();
            verdict.apply(&mut headers);
            let mut pairs: Vec<(String, String)> = headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or("?").to_owned()))
                .collect();
            pairs.sort();
            pairs
        };
        let pair = |n: &str, v: &str| (n.to_owned(), v.to_owned());
        let verdict = Verdict {
            limit: u64::MAX,
            remaining: 0,
            reset: 1_772_721_060,
            retry_after: 7,
            refused: true,
        };
        assert_eq!(
            shown(verdict),
            [
                pair("ratelimit-limit", &i64::MAX.to_string()),
                pair("ratelimit-remaining", "0"),
                pair("ratelimit-reset", "1772721060"),
                pair("retry-after", "7"),
            ]
        );
        let allowed = Verdict {
            limit: 10,
            remaining: 9,
            refused: false,
            ..verdict
        };
        assert_eq!(
            shown(allowed),
            [
                pair("ratelimit-limit", "10"),
                pair("ratelimit-remaining", "9"),
                pair("ratelimit-reset", "1772721060"),
            ]
        );
        // The thread remembers the last limit and reset: a new window or another limit shows
        // its own numbers, and going back shows the old ones again.
        let next_window = Verdict {
            limit: 5,
            reset: 1_772_721_120,
            ..allowed
        };
        assert_eq!(
            shown(next_window),
            [
                pair("ratelimit-limit", "5"),
                pair("ratelimit-remaining", "9"),
                pair("ratelimit-reset", "1772721120"),
            ]
        );
        assert_eq!(shown(allowed)[2], pair("ratelimit-reset", "1772721060"));
        assert_eq!(shown(allowed)[0], pair("ratelimit-limit", "10"));
    }

    #[test]
    fn buckets_are_separate_per_class_and_caller_and_clear_at_once() {
        let limit = limit(r#"{"limits": {"standard": 5, "strict": 5}}"#);
        let buckets = Buckets::default();
        let t0 = Timestamp::from_millis(1_772_721_030_000);
        let ip = |last: u8| Caller::Ip(IpAddr::from([127, 0, 0, last]));
        let left = |class, who: Caller| buckets.check(&limit, class, who, t0).remaining;
        assert_eq!(left(Class::Standard, ip(1)), 4);
        assert_eq!(left(Class::Standard, ip(1)), 3);
        assert_eq!(left(Class::Strict, ip(1)), 4);
        assert_eq!(left(Class::Standard, ip(2)), 4);
        assert_eq!(left(Class::Standard, Caller::Token("t".into())), 4);
        buckets.clear();
        assert_eq!(left(Class::Standard, ip(1)), 4);
    }

    #[test]
    fn without_a_strict_list_each_operation_has_its_documented_class() {
        let router = ApiRouter::new(crate::routes::OPERATIONS);
        let limit = limit("{}");
        let class = |name: &str| {
            let index = router.rows().position(|d| d.name == name).expect("route");
            limit.class_of(index)
        };
        assert_eq!(class("transcription.create"), Some(Class::Strict));
        assert_eq!(class("knowledge.search"), Some(Class::Strict));
        assert_eq!(class("agents.get"), Some(Class::Standard));
    }

    #[test]
    fn strict_and_exempt_lists_classify_routes() {
        let router = ApiRouter::new(crate::routes::OPERATIONS);
        let limit = limit(r#"{"strict": ["agents.get"], "exempt": ["GET /api/agent-base"]}"#);
        let class = |name: &str| {
            let index = router.rows().position(|d| d.name == name).expect("route");
            limit.class_of(index)
        };
        assert_eq!(class("agents.get"), Some(Class::Strict));
        assert_eq!(class("agents.list"), None);
        assert_eq!(class("integrations.list"), Some(Class::Standard));
    }
}
