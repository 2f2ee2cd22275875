//! The benchmark baseline: a bare hyper 1 server that reads each request's body in full and
//! answers every request with the same bytes. It is what prodgy-mock would cost with zero work
//! per request, so `bench/bench.py` reports every figure as a ratio to it.
//!
//! Usage:
//!
//! ```text
//! prodgy-baseline [--host IP] [--port N] [--body FILE [--status N] [--header 'Name: value']...]
//! ```
//!
//! `--body FILE` answers the bytes of FILE with `--status` (default 200) and exactly the headers
//! given with `--header` (repeatable, in order; `--content-type X` is short for
//! `--header 'Content-Type: X'`); hyper adds Date and Content-Length as it does for the mock.
//! bench.py captures the mock's answer to a workload's request and replays it here, so header
//! formatting and body writing cost the same on both sides. Without `--body` it answers a small
//! fixed JSON envelope with `Content-Type: application/json` (enough for a startup check).
//!
//! Port 0 picks a free port. The first stdout line is
//! `prodgy-baseline listening on http://HOST:PORT`, like prodgy-mock's.

use std::convert::Infallible;
use std::fmt;
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{HeaderMap, HeaderName, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

/// The allocator prodgy-mock's binary uses (see Cargo.toml).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const ENVELOPE: &[u8] = br#"{"success":true,"message":"Agent retrieved","data":{"id":"a9e1f3b5-0001-4c6d-8e7f-100000000001","name":"Support Triage","is_active":true}}"#;

/// The one answer this server gives, built once at startup. Names and values are backed by
/// static bytes, so cloning them per request copies no header text.
struct Answer {
    status: StatusCode,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Bytes,
}

/// What went wrong before serving, named by how it fails.
enum Failure {
    /// A bad command line: the message says which flag and why.
    Usage(String),
    /// The `--body` file could not be read.
    Body(PathBuf, std::io::Error),
    /// The address could not be bound.
    Bind(SocketAddr, std::io::Error),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Usage(message) => write!(
                f,
                "{message} (flags: --host, --port, --body FILE, --status N, --header 'Name: value', --content-type X)"
            ),
            Failure::Body(path, e) => write!(f, "cannot read --body {}: {e}", path.display()),
            Failure::Bind(addr, e) => write!(f, "cannot listen on {addr}: {e}"),
        }
    }
}

async fn respond(
    answer: Arc<Answer>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let _ = request.into_body().collect().await;
    let mut headers = HeaderMap::with_capacity(answer.headers.len());
    for (name, value) in &answer.headers {
        headers.append(name.clone(), value.clone());
    }
    let mut response = Response::new(Full::new(answer.body.clone()));
    *response.status_mut() = answer.status;
    *response.headers_mut() = headers;
    Ok(response)
}

/// A `Name: value` header with both halves leaked to `'static`, once, at startup.
fn header(text: &str) -> Result<(HeaderName, HeaderValue), Failure> {
    let bad = |why: &str| Failure::Usage(format!("--header {text:?}: {why}"));
    let (name, value) = text.split_once(':').ok_or_else(|| bad("no ':'"))?;
    let name = HeaderName::from_bytes(name.trim().as_bytes()).map_err(|_| bad("bad name"))?;
    let name = HeaderName::from_static(String::leak(name.as_str().to_owned()));
    let value = Bytes::from_static(String::leak(value.trim().to_owned()).as_bytes());
    let value = HeaderValue::from_maybe_shared(value).map_err(|_| bad("bad value"))?;
    Ok((name, value))
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<(SocketAddr, Answer), Failure> {
    let (mut host, mut port) = ("127.0.0.1".to_owned(), "0".to_owned());
    let (mut body, mut status, mut headers) = (None, StatusCode::OK, Vec::new());
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .ok_or_else(|| Failure::Usage(format!("{flag} needs a value")))?;
        match flag.as_str() {
            "--host" => host = value,
            "--port" => port = value,
            "--body" => body = Some(PathBuf::from(value)),
            "--status" => {
                status = value
                    .parse::<u16>()
                    .ok()
                    .and_then(|code| StatusCode::from_u16(code).ok())
                    .ok_or_else(|| Failure::Usage(format!("--status {value}: not a status")))?;
            }
            "--header" => headers.push(header(&value)?),
            "--content-type" => headers.push(header(&format!("content-type: {value}"))?),
            other => return Err(Failure::Usage(format!("unknown flag {other}"))),
        }
    }
    let addr = format!("{host}:{port}")
        .parse()
        .map_err(|e| Failure::Usage(format!("bad address {host}:{port}: {e}")))?;
    let answer = match body {
        Some(path) => {
            let bytes = std::fs::read(&path).map_err(|e| Failure::Body(path, e))?;
            Answer {
                status,
                headers,
                body: Bytes::from(bytes),
            }
        }
        None if headers.is_empty() && status == StatusCode::OK => Answer {
            status,
            headers: vec![header("content-type: application/json")?],
            body: Bytes::from_static(ENVELOPE),
        },
        None => return Err(Failure::Usage("--status and --header need --body".into())),
    };
    Ok((addr, answer))
}

async fn serve(addr: SocketAddr, answer: Answer) -> Result<(), Failure> {
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|e| Failure::Bind(addr, e))?;
    let local = listener.local_addr().map_err(|e| Failure::Bind(addr, e))?;
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "prodgy-baseline listening on http://{local}");
    let _ = stdout.flush();
    drop(stdout);
    let answer = Arc::new(answer);
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let answer = Arc::clone(&answer);
        tokio::spawn(async move {
            let service = service_fn(move |request| respond(Arc::clone(&answer), request));
            let connection = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
            let _ = connection.await;
        });
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let result = match parse(std::env::args().skip(1)) {
        Ok((addr, answer)) => serve(addr, answer).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("prodgy-baseline: {e}");
            ExitCode::from(if matches!(e, Failure::Usage(_)) { 2 } else { 1 })
        }
    }
}
