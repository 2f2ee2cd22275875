//! GETs to the upstream as `record` and `drift` make them: at most `--rate` a second, a 429
//! waited out as its `Retry-After` (or `RateLimit-Reset`) says, and every failure naming the
//! route, the path and the status.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hyper::{Method, StatusCode};
use tokio::time::Instant;

use crate::upstream::{Answer, BadUrl, Unreachable, Upstream};

/// Where progress lines go (stderr for the binary).
pub type Progress<'a> = &'a (dyn Fn(&str) + Send + Sync);

/// How many 429s in a row one call waits out before giving up.
const MAX_WAITS: u32 = 10;
/// The longest single wait a 429 may ask for.
const LONGEST_WAIT: Duration = Duration::from_secs(120);
/// The wait when a 429 says nothing about how long.
const UNSAID_WAIT: Duration = Duration::from_secs(5);

/// Why recording (or reading the upstream for drift) stopped.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// The upstream answered a status that is not a success.
    #[error("{route}: {method} {path} answered {status}{}", said(message))]
    Upstream {
        /// The route table's name of the operation.
        route: String,
        /// The method.
        method: Method,
        /// The path and query asked.
        path: String,
        /// The status answered.
        status: u16,
        /// The envelope's message, when it had one.
        message: String,
    },
    /// The upstream kept answering 429.
    #[error("{route}: GET {path} was still rate-limited (429) after {waits} waits")]
    RateLimited {
        /// The route table's name of the operation.
        route: String,
        /// The path and query asked.
        path: String,
        /// How many 429s were waited out.
        waits: u32,
    },
    /// No answer at all.
    #[error(transparent)]
    Unreachable(#[from] Unreachable),
    /// `--upstream` is not a URL the client can call.
    #[error("invalid configuration: --upstream {0}")]
    BadUrl(#[from] BadUrl),
    /// `--out` cannot take the recording.
    #[error("invalid configuration: --out {}: {why}", path.display())]
    OutDir {
        /// The directory.
        path: PathBuf,
        /// Why not.
        why: String,
    },
    /// A flag's value is not one it takes.
    #[error("invalid configuration: {flag} {why}")]
    Flag {
        /// The flag.
        flag: &'static str,
        /// What is wrong.
        why: String,
    },
    /// Writing the directory failed (nothing half-written is left).
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// What could not be written.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Nothing at all was recorded (a wrong base URL answering 200 with no data, most often).
    #[error(
        "upstream {url} showed no records: check that --upstream is the instance's base URL and that --token sees a workspace"
    )]
    Empty {
        /// The upstream's base URL.
        url: String,
    },
    /// The records could not be made into fixtures the mock loads.
    #[error("the recorded records do not load as fixtures: {0}")]
    Unloadable(String),
}

fn said(message: &str) -> String {
    if message.is_empty() {
        String::new()
    } else {
        format!(": {message}")
    }
}

impl RecordError {
    /// The exit code: 2 for usage errors, 1 for everything else.
    pub fn exit_code(&self) -> u8 {
        match self {
            RecordError::BadUrl(_) | RecordError::OutDir { .. } | RecordError::Flag { .. } => 2,
            _ => 1,
        }
    }

    /// The failure of `route` from a non-success `answer` to `method path`.
    pub fn refused(route: &str, method: Method, path: &str, answer: &Answer) -> Self {
        let message = answer
            .json()
            .and_then(|body| body.get("message")?.as_str().map(str::to_owned))
            .unwrap_or_default();
        RecordError::Upstream {
            route: route.to_owned(),
            method,
            path: path.to_owned(),
            status: answer.status.as_u16(),
            message,
        }
    }
}

/// Paced, rate-limit-aware calls to one upstream with one token.
#[derive(Debug)]
pub struct Caller {
    upstream: Upstream,
    token: Option<String>,
    interval: Option<Duration>,
    next: Mutex<Option<Instant>>,
    calls: std::sync::atomic::AtomicU64,
}

impl Caller {
    /// Calls to `upstream` with `token`, at most `rate` a second (0 for no pacing).
    pub fn new(upstream: Upstream, token: Option<String>, rate: f64) -> Self {
        let interval = (rate > 0.0).then(|| Duration::from_secs_f64(1.0 / rate));
        Self {
            upstream,
            token,
            interval,
            next: Mutex::new(None),
            calls: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// The upstream called.
    pub fn upstream(&self) -> &Upstream {
        &self.upstream
    }

    /// How many requests were sent.
    pub fn calls(&self) -> u64 {
        self.calls.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// `GET path` for `route`, with the token; a 429 is waited out. Any other status is
    /// returned for the caller to judge.
    pub async fn get(
        &self,
        route: &str,
        path: &str,
        progress: Progress<'_>,
    ) -> Result<Answer, RecordError> {
        self.call(
            route,
            Method::GET,
            path,
            self.token.as_deref(),
            None,
            progress,
        )
        .await
    }

    /// `method path` for `route` with this caller's token and an optional JSON body.
    pub async fn send(
        &self,
        route: &str,
        method: Method,
        path: &str,
        body: Option<&serde_json::Value>,
        progress: Progress<'_>,
    ) -> Result<Answer, RecordError> {
        let token = self.token.as_deref();
        self.call(route, method, path, token, body, progress).await
    }

    /// `method path` for `route` with `token` and an optional JSON body; a 429 is waited out.
    pub async fn call(
        &self,
        route: &str,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&serde_json::Value>,
        progress: Progress<'_>,
    ) -> Result<Answer, RecordError> {
        for waits in 0..=MAX_WAITS {
            self.pace().await;
            self.calls
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let answer = self
                .upstream
                .call(method.clone(), path, token, body)
                .await?;
            if answer.status != StatusCode::TOO_MANY_REQUESTS || waits == MAX_WAITS {
                if answer.status == StatusCode::TOO_MANY_REQUESTS {
                    break;
                }
                return Ok(answer);
            }
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            let (wait, why) = match answer.retry_after(now) {
                Some(wait) => (wait.min(LONGEST_WAIT), "as the upstream asks"),
                None => (UNSAID_WAIT, "(the upstream did not say how long)"),
            };
            progress(&format!(
                "{route}: {method} {path} was rate-limited (429); waiting {}s {why}",
                wait.as_secs()
            ));
            tokio::time::sleep(wait).await;
        }
        Err(RecordError::RateLimited {
            route: route.to_owned(),
            path: path.to_owned(),
            waits: MAX_WAITS,
        })
    }

    /// `GET path` for `route` with `token`, paced, reading only the status and headers (for
    /// event streams).
    pub async fn head(
        &self,
        path: &str,
        token: Option<&str>,
    ) -> Result<(StatusCode, hyper::HeaderMap), RecordError> {
        self.pace().await;
        self.calls
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(self.upstream.head_of(path, token).await?)
    }

    /// The token calls are made with.
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// Waits for this call's slot: calls are at least `1 / rate` seconds apart.
    async fn pace(&self) {
        let Some(interval) = self.interval else {
            return;
        };
        let slot = {
            let mut next = self.next.lock().unwrap_or_else(|p| p.into_inner());
            let now = Instant::now();
            let slot = next.map_or(now, |n| n.max(now));
            *next = Some(slot + interval);
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}
