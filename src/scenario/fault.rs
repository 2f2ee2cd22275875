//! Breaking responses on purpose: connection reset, close without response, truncated body,
//! slow dribble.
//!
//! A reset or close makes the service return [`Aborted`], so hyper drops the connection
//! without writing anything. For a reset, the connection's [`ConnIo`] is flagged first: when
//! hyper drops it, it sets `SO_LINGER` to zero so the kernel sends RST instead of FIN.
//! Truncation and dribbling wrap the body of whatever response was produced (injected or
//! real); pauses use Tokio time.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, StreamBody};
use hyper::Response;
use hyper::body::{Body as _, Frame};
use hyper::header::{CONTENT_LENGTH, HeaderValue};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use super::model::Fault;
use crate::envelope::Body;

/// The service gave up on the connection on purpose (a `reset` or `close` fault).
#[derive(Debug, thiserror::Error)]
#[error("connection {0} by a scenario fault")]
pub struct Aborted(&'static str);

/// A TCP connection that a scenario can ask to reset.
#[derive(Debug)]
pub struct ConnIo {
    inner: TcpStream,
    reset: Arc<AtomicBool>,
}

impl ConnIo {
    /// Wraps `inner`; returns the flag a request sets to reset the connection on drop.
    pub fn new(inner: TcpStream) -> (Self, Arc<AtomicBool>) {
        let reset = Arc::new(AtomicBool::new(false));
        let io = Self {
            inner,
            reset: Arc::clone(&reset),
        };
        (io, reset)
    }
}

impl Drop for ConnIo {
    fn drop(&mut self) {
        if self.reset.load(Ordering::Relaxed) {
            // Zero linger makes the close an RST; failing to set it leaves a plain close.
            let _ = self.inner.set_zero_linger();
        }
    }
}

impl AsyncRead for ConnIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for ConnIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.reset.load(Ordering::Relaxed) {
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Applies `fault` to `response`; `reset` is the connection's reset flag.
pub fn apply(
    fault: Fault,
    response: Response<Body>,
    reset: &AtomicBool,
) -> Result<Response<Body>, Aborted> {
    match fault {
        Fault::Reset => {
            reset.store(true, Ordering::Relaxed);
            Err(Aborted("reset"))
        }
        Fault::Close => Err(Aborted("closed")),
        Fault::Truncate(keep) => Ok(rebody(response, |body| truncate(body, keep))),
        Fault::Dribble(d) => Ok(rebody(response, |body| {
            dribble(
                body,
                d.chunk_bytes.max(1),
                Duration::from_millis(d.interval_ms),
            )
        })),
    }
}

/// Replaces the body, keeping the announced length so clients see a short or slow body.
fn rebody(response: Response<Body>, wrap: impl FnOnce(Body) -> Body) -> Response<Body> {
    let (mut parts, body) = response.into_parts();
    if let Some(len) = body.size_hint().exact() {
        parts.headers.insert(CONTENT_LENGTH, HeaderValue::from(len));
    }
    Response::from_parts(parts, wrap(body))
}

enum Cut {
    Streaming(Body, usize),
    Broken,
    Done,
}

/// Sends the first `keep` bytes of `body`, then fails it (the client sees a short body).
fn truncate(body: Body, keep: usize) -> Body {
    let stream = futures_util::stream::unfold(Cut::Streaming(body, keep), |state| async move {
        match state {
            Cut::Done => None,
            Cut::Broken => {
                // Let hyper flush the head and the kept bytes before the body fails.
                tokio::task::yield_now().await;
                Some((
                    Err(io::Error::other("body truncated by scenario")),
                    Cut::Done,
                ))
            }
            Cut::Streaming(mut body, left) => match body.frame().await? {
                Err(e) => Some((Err(e), Cut::Done)),
                Ok(frame) => match frame.into_data() {
                    Ok(data) if data.len() < left => {
                        let left = left - data.len();
                        Some((Ok(Frame::data(data)), Cut::Streaming(body, left)))
                    }
                    Ok(data) => Some((Ok(Frame::data(data.slice(..left))), Cut::Broken)),
                    Err(frame) => Some((Ok(frame), Cut::Streaming(body, left))),
                },
            },
        }
    });
    Body::stream(StreamBody::new(stream))
}

/// Sends `body` in `chunk`-byte pieces, pausing `every` before each piece after the first.
fn dribble(body: Body, chunk: usize, every: Duration) -> Body {
    let start = (body, Bytes::new(), true);
    let stream =
        futures_util::stream::unfold(start, move |(mut body, mut rest, first)| async move {
            while rest.is_empty() {
                match body.frame().await? {
                    Err(e) => return Some((Err(e), (body, Bytes::new(), first))),
                    Ok(frame) => match frame.into_data() {
                        Ok(data) => rest = data,
                        Err(frame) => return Some((Ok(frame), (body, rest, first))),
                    },
                }
            }
            if !first {
                tokio::time::sleep(every).await;
            }
            let piece = rest.split_to(chunk.min(rest.len()));
            Some((Ok(Frame::data(piece)), (body, rest, false)))
        });
    Body::stream(StreamBody::new(stream))
}
