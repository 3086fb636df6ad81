//! Accepting connections: a cap on how many are open at once, a timeout for
//! reading a request's headers (slow or half-sent requests are cut), a
//! timeout for reading its body, a lifetime cap for keep-alive connections
//! (closed gracefully: a request in flight is finished), and a graceful
//! shutdown that lets in-flight requests finish.
//! `axum::serve` has none of the timeouts, so the loop is written here on
//! hyper directly.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

use super::ApiError;

/// Limits on connections, with their defaults.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// Connections open at once; more wait in the listen backlog.
    pub max_connections: usize,
    /// A request's headers must arrive within this.
    pub header_timeout: Duration,
    /// A request's body must arrive within this.
    pub body_timeout: Duration,
    /// A connection is closed after this long, whatever it does (keep-alive
    /// connections may not idle forever; a request in flight is finished).
    pub max_connection_age: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            max_connections: 1024,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(60),
            max_connection_age: Duration::from_secs(300),
        }
    }
}

/// Serves `app` on `listener` until `shutdown` resolves, then waits for
/// in-flight requests.
pub async fn accept_loop(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let max = limits.max_connections.clamp(1, u32::MAX as usize);
    let permits = Arc::new(Semaphore::new(max));
    // Flips to true on shutdown: every connection finishes its request in
    // flight, then closes.
    let (stopping, stop) = tokio::sync::watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            p = permits.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
            _ = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: back off, go on.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
            req.extensions_mut().insert(ConnectInfo(peer));
            app.clone().oneshot(req.map(Body::new))
        });
        let conn = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_timeout)
            .serve_connection(TokioIo::new(stream), service);
        let age = limits.max_connection_age;
        let mut stop = stop.clone();
        tokio::spawn(async move {
            tokio::pin!(conn);
            let aged = tokio::time::sleep(age);
            tokio::pin!(aged);
            let mut closing = false;
            loop {
                tokio::select! {
                    _ = conn.as_mut() => break,
                    // Too old, or the server stops: finish the request in
                    // flight (if any), then close.
                    _ = &mut aged, if !closing => {
                        closing = true;
                        conn.as_mut().graceful_shutdown();
                    }
                    _ = stop.changed(), if !closing => {
                        closing = true;
                        conn.as_mut().graceful_shutdown();
                    }
                }
            }
            drop(permit);
        });
    }
    drop(listener);
    let _ = stopping.send(true);
    // Wait until every connection has closed: all permits are back (bounded,
    // as a stuck client must not hold the shutdown forever).
    let _ = tokio::time::timeout(Duration::from_secs(30), permits.acquire_many(max as u32)).await;
    Ok(())
}

/// How many bytes past the limit the server still reads (and throws away)
/// so that a client sending an oversized body gets to read the 413. A
/// server that answers before the body is read and closes the connection
/// makes the client's kernel reset it, and the client sees "connection
/// closed" instead of the reason. Bodies declared larger than this are
/// refused at once.
const DRAIN_PAST_LIMIT: usize = 16 * 1024 * 1024;

/// What reading a request body gave.
enum BodyRead {
    Whole(axum::body::Bytes),
    /// Over the limit; the rest was read and discarded (up to
    /// [`DRAIN_PAST_LIMIT`]).
    TooLarge,
    Failed(String),
}

/// Reads a body, keeping at most `limit` bytes; past that, keeps reading
/// and discarding up to [`DRAIN_PAST_LIMIT`] more.
async fn read_body(mut body: Body, limit: usize) -> BodyRead {
    use hyper::body::Body as _;
    let mut kept = Vec::new();
    let mut seen = 0usize;
    loop {
        let frame = std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx)).await;
        let Some(frame) = frame else { break };
        let frame = match frame {
            Ok(frame) => frame,
            Err(e) => return BodyRead::Failed(e.to_string()),
        };
        let Ok(data) = frame.into_data() else {
            continue; // trailers
        };
        seen = seen.saturating_add(data.len());
        if seen <= limit {
            kept.extend_from_slice(&data);
        } else if seen > limit.saturating_add(DRAIN_PAST_LIMIT) {
            break;
        }
    }
    if seen > limit {
        BodyRead::TooLarge
    } else {
        BodyRead::Whole(kept.into())
    }
}

/// Reads the whole request body within the body timeout (408 otherwise), so
/// a client that sends its body byte by byte cannot hold a worker. A body
/// over the limit gets a 413 and the connection is closed.
pub async fn body_timeout(
    axum::extract::State(state): axum::extract::State<Arc<super::AppState>>,
    request: Request,
    next: Next,
) -> Response {
    let (parts, body) = request.into_parts();
    let limit = state.max_body_bytes;
    let too_large = || {
        let mut response = ApiError::too_large(limit).into_response();
        response.headers_mut().insert(
            axum::http::header::CONNECTION,
            axum::http::HeaderValue::from_static("close"),
        );
        response
    };
    let declared = parts
        .headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit.saturating_add(DRAIN_PAST_LIMIT)) {
        return too_large();
    }
    match tokio::time::timeout(state.limits.body_timeout, read_body(body, limit)).await {
        Ok(BodyRead::Whole(bytes)) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Ok(BodyRead::TooLarge) => too_large(),
        Ok(BodyRead::Failed(e)) => {
            ApiError::bad_request(format!("the request body could not be read: {e}"))
                .into_response()
        }
        Err(_) => ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "timeout",
            "the request body did not arrive in time; try again on a better connection",
        )
        .into_response(),
    }
}
