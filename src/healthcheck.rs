//! `prodgy-mock healthcheck`: is a mock answering at an address? Plain HTTP/1.0 over a
//! `TcpStream`, so a slim container needs neither curl nor a client library.
//!
//! The check asks `GET /__admin/health`. When that is 404 (the mock runs with `--admin off`,
//! which a Docker `HEALTHCHECK` cannot know: flags given to `docker run` reach the server,
//! not the check), it asks `GET /swagger.json` instead, which is served whatever `--admin`
//! and the active scenarios say, and expects the OpenAPI document.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

/// How long connecting, and then reading each answer, may take.
const TIMEOUT: Duration = Duration::from_secs(2);

/// Why the mock is not healthy.
#[derive(Debug, thiserror::Error)]
pub enum HealthError {
    /// The `--url` cannot be used.
    #[error("--url '{url}': {reason}")]
    BadUrl {
        /// What was given.
        url: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Nothing answered at the address.
    #[error("cannot reach {authority}: {source}")]
    Unreachable {
        /// `host:port`.
        authority: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Something answered, but not a healthy mock.
    #[error("unhealthy: GET {path} answered '{status_line}'")]
    Unhealthy {
        /// The path asked.
        path: &'static str,
        /// The first line of the answer.
        status_line: String,
    },
}

/// The `host:port` of a base URL such as `http://127.0.0.1:4010`, `http://host:4010/api`
/// or `localhost:4010/`: any path is ignored (the admin API and the OpenAPI document sit at
/// the server root), and a missing port means 80.
pub fn authority_of(url: &str) -> Result<String, HealthError> {
    let bad = |reason| HealthError::BadUrl {
        url: url.to_owned(),
        reason,
    };
    let rest = match url.split_once("://") {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => rest,
        Some(_) => return Err(bad("only http:// is served by the mock")),
        None => url,
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_end = authority.rfind(']').unwrap_or(0);
    match authority {
        "" => Err(bad("no host")),
        a if a[host_end..].contains(':') => Ok(a.to_owned()),
        a => Ok(format!("{a}:80")),
    }
}

/// Checks the mock at `authority` (`host:port`).
pub fn check(authority: &str) -> Result<(), HealthError> {
    match get(authority, "/__admin/health")? {
        (200, _) => Ok(()),
        (404, _) => match get(authority, "/swagger.json")? {
            (200, body) if body.contains("\"openapi\"") => Ok(()),
            (_, answer) => Err(unhealthy("/swagger.json", &answer)),
        },
        (_, answer) => Err(unhealthy("/__admin/health", &answer)),
    }
}

fn unhealthy(path: &'static str, answer: &str) -> HealthError {
    let status_line = answer.lines().next().unwrap_or_default().to_owned();
    HealthError::Unhealthy { path, status_line }
}

/// GETs `path` and returns the status and the whole answer (head and body).
fn get(authority: &str, path: &str) -> Result<(u16, String), HealthError> {
    let unreachable = |source| HealthError::Unreachable {
        authority: authority.to_owned(),
        source,
    };
    let mut stream = connect(authority).map_err(unreachable)?;
    let mut answer = Vec::new();
    stream
        .set_read_timeout(Some(TIMEOUT))
        .and_then(|()| write!(stream, "GET {path} HTTP/1.0\r\nHost: {authority}\r\n\r\n"))
        .and_then(|()| stream.read_to_end(&mut answer))
        .map_err(unreachable)?;
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    Ok((status, answer))
}

/// Connects to the first address `authority` resolves to that accepts within [`TIMEOUT`].
fn connect(authority: &str) -> std::io::Result<TcpStream> {
    let mut last = None;
    for addr in authority.to_socket_addrs()? {
        match TcpStream::connect_timeout(&addr, TIMEOUT) {
            Ok(stream) => return Ok(stream),
            Err(error) => last = Some(error),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("the host resolves to no address")))
}

/// The address to check when no `--url` is given: where a server started with the same
/// `--host`/`--port` (or their variables) listens, with an unspecified host (`0.0.0.0`,
/// `::`) replaced by loopback.
pub fn local_authority(listen: SocketAddr) -> String {
    let mut addr = listen;
    if addr.ip().is_unspecified() {
        addr.set_ip(match addr {
            SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    addr.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_keep_only_host_and_port() {
        let ok = |url| authority_of(url).expect("usable");
        assert_eq!(ok("http://127.0.0.1:4010"), "127.0.0.1:4010");
        assert_eq!(ok("http://127.0.0.1:4010/"), "127.0.0.1:4010");
        assert_eq!(
            ok("http://localhost:4010/api/agent-base?x=1"),
            "localhost:4010"
        );
        assert_eq!(ok("HTTP://[::1]:4010/api"), "[::1]:4010");
        assert_eq!(ok("127.0.0.1:4010"), "127.0.0.1:4010");
        assert_eq!(ok("http://mock/api"), "mock:80");
        assert_eq!(ok("http://[::1]/"), "[::1]:80");
        assert!(authority_of("https://127.0.0.1:4010").is_err());
        assert!(authority_of("http:///api").is_err());
    }

    #[test]
    fn an_unspecified_listening_host_is_checked_on_loopback() {
        let local = |text: &str| local_authority(text.parse().expect("address"));
        assert_eq!(local("0.0.0.0:5000"), "127.0.0.1:5000");
        assert_eq!(local("[::]:5000"), "[::1]:5000");
        assert_eq!(local("10.1.2.3:4010"), "10.1.2.3:4010");
    }
}
