//! The HTTP client of a real Prodgy instance (or another mock): what `record`, `drift` and
//! proxy mode call. One [`Upstream`] is a base URL (`http://` or `https://`, through rustls
//! with the system's roots, or the bundled webpki roots when the system has none) and a
//! pooled hyper client; every call is bounded by a timeout, and every failure names the
//! upstream.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, RETRY_AFTER};
use hyper::{HeaderMap, Method, Request, Response, StatusCode, Uri};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

/// How long a TCP (and TLS) connection may take to open.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long an answer may take, head and body, unless the caller sets another bound.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// A Prodgy instance (or another mock) to call.
#[derive(Clone)]
pub struct Upstream {
    /// Scheme and authority, e.g. `https://acme.prodgy.app`, without a trailing slash.
    origin: String,
    /// A path prefix the URL named (`/prodgy` of `https://host/prodgy`), without a trailing
    /// slash; empty for none. An `/api` suffix is dropped: API paths start with it.
    prefix: String,
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    timeout: Duration,
}

impl std::fmt::Debug for Upstream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Upstream")
            .field("url", &self.url())
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// A URL that cannot name an upstream.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{url}' is not an upstream URL: {why}")]
pub struct BadUrl {
    /// What was given.
    pub url: String,
    /// What is wrong with it.
    pub why: &'static str,
}

/// A call that got no answer.
#[derive(Debug, thiserror::Error)]
pub enum Unreachable {
    /// Connecting, sending or reading failed.
    #[error("upstream {url} unreachable: {why}")]
    Failed {
        /// The upstream's base URL.
        url: String,
        /// The client's error chain, in one line.
        why: String,
    },
    /// No whole answer within the timeout.
    #[error("upstream {url} unreachable: no answer within {}s", after.as_secs_f64())]
    TimedOut {
        /// The upstream's base URL.
        url: String,
        /// The timeout.
        after: Duration,
    },
}

/// An answer, read whole.
#[derive(Debug, Clone)]
pub struct Answer {
    /// Its status.
    pub status: StatusCode,
    /// Its headers.
    pub headers: HeaderMap,
    /// Its body.
    pub body: Bytes,
}

impl Answer {
    /// The body as JSON, when it is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// How long a 429 asks to wait: `Retry-After` (seconds or an HTTP date), else
    /// `RateLimit-Reset` (the epoch second of the next window; a small number is read as
    /// seconds from now). `now` is the Unix time in seconds.
    pub fn retry_after(&self, now: u64) -> Option<Duration> {
        let header = |name| {
            self.headers
                .get(name)
                .and_then(|v: &HeaderValue| v.to_str().ok())
        };
        if let Some(text) = header(RETRY_AFTER.as_str()) {
            if let Ok(seconds) = text.trim().parse::<u64>() {
                return Some(Duration::from_secs(seconds));
            }
            if let Some(at) = http_date(text.trim()) {
                return Some(Duration::from_secs(at.saturating_sub(now)));
            }
        }
        let reset: u64 = header("ratelimit-reset")?.trim().parse().ok()?;
        // A reset far below "now" is a delta in seconds, not an epoch second.
        let wait = if reset > 1_000_000_000 {
            reset.saturating_sub(now)
        } else {
            reset
        };
        Some(Duration::from_secs(wait))
    }
}

impl Upstream {
    /// An upstream at `url` (`http://host:port`, `https://host/base`), answering within
    /// [`DEFAULT_TIMEOUT`].
    pub fn new(url: &str) -> Result<Self, BadUrl> {
        let bad = |why| BadUrl {
            url: url.to_owned(),
            why,
        };
        let uri: Uri = url
            .trim()
            .parse()
            .map_err(|_| bad("it does not parse as a URL"))?;
        let scheme = match uri.scheme_str() {
            Some("http") => "http",
            Some("https") => "https",
            Some(_) => return Err(bad("only http:// and https:// are supported")),
            None => return Err(bad("it needs a scheme, e.g. https://acme.prodgy.app")),
        };
        let authority = uri.authority().ok_or_else(|| bad("it names no host"))?;
        if uri.query().is_some() {
            return Err(bad("it must not have a query string"));
        }
        let path = uri.path().trim_end_matches('/');
        let prefix = path.strip_suffix("/api").unwrap_or(path).to_owned();
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_connect_timeout(Some(CONNECT_TIMEOUT));
        http.set_nodelay(true);
        let tls = hyper_rustls::HttpsConnectorBuilder::new();
        let tls = match tls.with_native_roots() {
            Ok(builder) => builder,
            Err(_) => hyper_rustls::HttpsConnectorBuilder::new().with_webpki_roots(),
        };
        let connector = tls.https_or_http().enable_http1().wrap_connector(http);
        let client = Client::builder(TokioExecutor::new()).build(connector);
        Ok(Self {
            origin: format!("{scheme}://{authority}"),
            prefix,
            client,
            timeout: DEFAULT_TIMEOUT,
        })
    }

    /// The same upstream, answering within `timeout`.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The base URL, as errors and reports name it.
    pub fn url(&self) -> String {
        format!("{}{}", self.origin, self.prefix)
    }

    /// The absolute URI of `path_and_query` (which starts with `/`).
    pub fn uri_of(&self, path_and_query: &str) -> Result<Uri, Unreachable> {
        format!("{}{}{path_and_query}", self.origin, self.prefix)
            .parse()
            .map_err(|e: hyper::http::uri::InvalidUri| self.failed(&e))
    }

    /// `GET path_and_query` with `token` in `X-API-Token` (none when `None`), read whole.
    pub async fn get(
        &self,
        path_and_query: &str,
        token: Option<&str>,
    ) -> Result<Answer, Unreachable> {
        self.call(Method::GET, path_and_query, token, None).await
    }

    /// `method path_and_query` with `token` and an optional JSON `body`, read whole.
    pub async fn call(
        &self,
        method: Method,
        path_and_query: &str,
        token: Option<&str>,
        body: Option<&serde_json::Value>,
    ) -> Result<Answer, Unreachable> {
        let mut request = Request::builder()
            .method(method)
            .uri(self.uri_of(path_and_query)?)
            .header("accept", "application/json");
        if let Some(token) = token {
            request = request.header("x-api-token", token);
        }
        let bytes = match body {
            Some(body) => {
                request = request.header("content-type", "application/json");
                Bytes::from(serde_json::to_vec(body).unwrap_or_default())
            }
            None => Bytes::new(),
        };
        let request = request
            .body(Full::new(bytes))
            .map_err(|e| self.failed(&e))?;
        let response = self.send(request).await?;
        self.read(response).await
    }

    /// `GET path_and_query` with `token`, reading only the status and headers: the body (an
    /// event stream that may never end) is dropped unread.
    pub async fn head_of(
        &self,
        path_and_query: &str,
        token: Option<&str>,
    ) -> Result<(StatusCode, HeaderMap), Unreachable> {
        let mut request = Request::builder()
            .method(Method::GET)
            .uri(self.uri_of(path_and_query)?);
        if let Some(token) = token {
            request = request.header("x-api-token", token);
        }
        let request = request
            .body(Full::new(Bytes::new()))
            .map_err(|e| self.failed(&e))?;
        let response = self.send(request).await?;
        let (parts, _unread) = response.into_parts();
        Ok((parts.status, parts.headers))
    }

    /// Sends `request` (its URI already this upstream's) and waits for the answer's head.
    pub async fn send(
        &self,
        request: Request<Full<Bytes>>,
    ) -> Result<Response<Incoming>, Unreachable> {
        match tokio::time::timeout(self.timeout, self.client.request(request)).await {
            Ok(Ok(response)) => Ok(response),
            Ok(Err(error)) => Err(self.failed(&error)),
            Err(_) => Err(self.timed_out()),
        }
    }

    /// Reads the body of `response` whole, within the timeout.
    pub async fn read(&self, response: Response<Incoming>) -> Result<Answer, Unreachable> {
        let (parts, body) = response.into_parts();
        let body = match tokio::time::timeout(self.timeout, body.collect()).await {
            Ok(Ok(collected)) => collected.to_bytes(),
            Ok(Err(error)) => return Err(self.failed(&error)),
            Err(_) => return Err(self.timed_out()),
        };
        Ok(Answer {
            status: parts.status,
            headers: parts.headers,
            body,
        })
    }

    fn failed(&self, error: &dyn std::error::Error) -> Unreachable {
        Unreachable::Failed {
            url: self.url(),
            why: chain(error),
        }
    }

    fn timed_out(&self) -> Unreachable {
        Unreachable::TimedOut {
            url: self.url(),
            after: self.timeout,
        }
    }
}

/// The Unix second of an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`).
fn http_date(text: &str) -> Option<u64> {
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    let at = time::PrimitiveDateTime::parse(text, format).ok()?;
    u64::try_from(at.assume_utc().unix_timestamp()).ok()
}

/// An error and its sources in one line: "client error (Connect): tcp connect error: …".
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        let said = inner.to_string();
        if !text.contains(&said) {
            text.push_str(": ");
            text.push_str(&said);
        }
        source = inner.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_keep_a_base_path_and_drop_a_trailing_api() {
        let up = Upstream::new("https://acme.prodgy.app/api/").expect("valid");
        assert_eq!(up.url(), "https://acme.prodgy.app");
        let up = Upstream::new("http://127.0.0.1:4010/prodgy").expect("valid");
        assert_eq!(
            up.uri_of("/api/agent-base?page=2")
                .expect("uri")
                .to_string(),
            "http://127.0.0.1:4010/prodgy/api/agent-base?page=2"
        );
        assert!(Upstream::new("ftp://host").is_err());
        assert!(Upstream::new("acme.prodgy.app").is_err());
        assert!(Upstream::new("http://host/?a=1").is_err());
    }

    #[test]
    fn retry_after_reads_seconds_then_the_reset_header() {
        let mut answer = Answer {
            status: StatusCode::TOO_MANY_REQUESTS,
            headers: HeaderMap::new(),
            body: Bytes::new(),
        };
        assert_eq!(answer.retry_after(1_000), None);
        answer
            .headers
            .insert("ratelimit-reset", HeaderValue::from_static("1772721060"));
        assert_eq!(
            answer.retry_after(1_772_721_000),
            Some(Duration::from_secs(60))
        );
        answer
            .headers
            .insert(RETRY_AFTER, HeaderValue::from_static("2"));
        assert_eq!(answer.retry_after(0), Some(Duration::from_secs(2)));
        answer.headers.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Thu, 05 Mar 2026 14:31:00 GMT"),
        );
        let t0 = 1_772_721_000; // 2026-03-05T14:30:00Z
        assert_eq!(answer.retry_after(t0), Some(Duration::from_secs(60)));
    }
}
