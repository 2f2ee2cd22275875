//! The benchmark baseline: a bare hyper 1 server that answers every request with the same
//! small JSON envelope, reading (and discarding) any body. It is what prodgy-mock would cost
//! with zero work per request, so `bench/run.sh` reports every figure as a ratio to it.
//!
//! Usage: `prodgy-baseline [--host IP] [--port N]` (port 0 picks a free one). The first
//! stdout line is `prodgy-baseline listening on http://HOST:PORT`, like prodgy-mock's.

use std::convert::Infallible;
use std::io::Write;
use std::net::SocketAddr;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

const ENVELOPE: &[u8] = br#"{"success":true,"message":"Agent retrieved","data":{"id":"a9e1f3b5-0001-4c6d-8e7f-100000000001","name":"Support Triage","is_active":true}}"#;

async fn answer(request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let _ = request.into_body().collect().await;
    let mut response = Response::new(Full::new(Bytes::from_static(ENVELOPE)));
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    Ok(response)
}

fn address() -> Result<SocketAddr, String> {
    let mut host = "127.0.0.1".to_owned();
    let mut port = "0".to_owned();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--host" => host = value,
            "--port" => port = value,
            other => return Err(format!("unknown flag {other} (use --host, --port)")),
        }
    }
    format!("{host}:{port}")
        .parse()
        .map_err(|e| format!("bad address {host}:{port}: {e}"))
}

#[tokio::main]
async fn main() -> Result<(), String> {
    let listener = TcpListener::bind(address()?)
        .await
        .map_err(|e| e.to_string())?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "prodgy-baseline listening on http://{local}");
    let _ = stdout.flush();
    drop(stdout);
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        tokio::spawn(async move {
            let connection =
                http1::Builder::new().serve_connection(TokioIo::new(stream), service_fn(answer));
            let _ = connection.await;
        });
    }
}
