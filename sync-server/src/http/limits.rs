//! Rate limits for the endpoints that take secrets (invite codes, organizer
//! tokens): a token bucket per client address and one for everybody, so
//! guessing is slow from one address and from many. The client address is
//! the TCP peer, or, when told to trust a reverse proxy, the last address
//! of its `X-Forwarded-For`. The buckets live in the server store
//! (`db::sign_in`): on PostgreSQL every replica takes from the same ones.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::{ApiError, AppState};
use crate::db::{DbError, ServerStore};

/// A budget per client address and one for everybody, kept by the server
/// store (shared by every process on a PostgreSQL database).
pub struct RateLimiter {
    per_ip_per_minute: u32,
    global_per_minute: u32,
}

impl RateLimiter {
    pub fn new(per_ip_per_minute: u32, global_per_minute: u32) -> Self {
        RateLimiter {
            per_ip_per_minute,
            global_per_minute,
        }
    }

    /// Takes one attempt for `ip` from its budget and everybody's, or says
    /// how long to wait.
    pub fn check(
        &self,
        store: &dyn ServerStore,
        ip: IpAddr,
    ) -> Result<Result<(), Duration>, DbError> {
        if let Err(wait) = store.take_sign_in(&format!("ip:{ip}"), self.per_ip_per_minute)? {
            return Ok(Err(wait));
        }
        store.take_sign_in("*", self.global_per_minute)
    }
}

/// Applies the limiter to sign-in attempts: `POST /v1/join` and
/// `POST /dashboard/login`.
pub async fn limit_sign_ins(
    State(state): State<std::sync::Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    let guarded = request.method() == Method::POST
        && matches!(request.uri().path(), "/v1/join" | "/dashboard/login");
    if guarded {
        // Behind a trusted proxy, the address it appended last; otherwise
        // the TCP peer (a client can write any X-Forwarded-For it likes).
        let forwarded = state
            .trust_forwarded_for
            .then(|| request.headers().get("x-forwarded-for"))
            .flatten()
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|v| v.trim().parse::<IpAddr>().ok());
        let ip = forwarded
            .or_else(|| {
                request
                    .extensions()
                    .get::<ConnectInfo<SocketAddr>>()
                    .map(|c| c.0.ip())
            })
            .unwrap_or(IpAddr::from([0, 0, 0, 0]));
        let limited =
            tokio::task::spawn_blocking(move || state.sign_in_limiter.check(&*state.db, ip)).await;
        match limited {
            Ok(Ok(Ok(()))) => {}
            Ok(Ok(Err(wait))) => return rate_limited(wait),
            Ok(Err(e)) => return ApiError::from(e).into_response(),
            Err(e) => return ApiError::internal(e).into_response(),
        }
    }
    next.run(request).await
}

/// 429 with how long to wait, in words and in `Retry-After`.
fn rate_limited(wait: Duration) -> Response {
    let secs = wait.as_secs().max(1);
    let mut resp = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        format!("too many sign-in attempts; try again in {secs} s"),
    )
    .into_response();
    if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
        resp.headers_mut().insert(header::RETRY_AFTER, v);
    }
    resp
}

/// The Content-Security-Policy of every page: scripts and styles from this
/// server only (no inline script), images from here.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

/// [`CSP`] with images also allowed from `origin` (a map's tile server).
pub fn csp_with_images_from(origin: &str) -> String {
    CSP.replace(
        "img-src 'self' data:",
        &format!("img-src 'self' data: {origin}"),
    )
}

/// Headers every answer carries: no sniffing, no framing, no referrer, and
/// a Content-Security-Policy without inline scripts; referrers stay on-site.
pub async fn security_headers(request: Request, next: Next) -> Response {
    let mut resp = next.run(request).await;
    let h = resp.headers_mut();
    // A page may widen where images come from (the maps' street tiles).
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        );
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // "same-origin", not "no-referrer": with no-referrer browsers send
    // `Origin: null` on form posts, and the CSRF check needs the origin.
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    resp
}
