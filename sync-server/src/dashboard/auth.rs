//! Who is asking: the `Organizer` extractor (session cookie or bearer
//! token), sessions' cookies, and the CSRF checks of form posts.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use chrono::Utc;
use walkbook_core::sync::Role;

use super::{DashboardError, blocking};
use crate::db::Device;
use crate::http::AppState;

/// The session cookie: `__Host-` (Secure, whole site) when the server's
/// public URL is https, a plain name otherwise (plain-HTTP loopback demos).
const COOKIE: &str = "wb_session";
const HOST_COOKIE: &str = "__Host-wb_session";

/// A signed-in organizer of one campaign. Signed in by session cookie (a
/// browser: forms must carry the session's `csrf`) or by bearer token (a
/// script: nothing ambient to forge).
pub struct Organizer {
    pub device: Device,
    /// The session's CSRF token; `None` when signed in by bearer token.
    pub csrf: Option<String>,
    headers: HeaderMap,
}

impl FromRequestParts<Arc<AppState>> for Organizer {
    type Rejection = DashboardError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let headers = parts.headers.clone();
        let state = state.clone();
        blocking(move || signed_in(&state, headers)).await
    }
}

fn signed_in(state: &AppState, headers: HeaderMap) -> Result<Organizer, DashboardError> {
    // The reading connection: session bookkeeping is never waited for.
    let db = &state.db;
    let (device, csrf) = if let Some(t) = bearer(&headers) {
        let device = db
            .device_for_token(&t)
            .map_err(DashboardError::internal)?
            .ok_or(DashboardError::BadToken)?;
        (device, None)
    } else if let Some(id) = session_cookie(&headers) {
        let (device, csrf) = db
            .session(&id, Utc::now(), state.session_idle, state.session_absolute)
            .map_err(DashboardError::internal)?
            .ok_or(DashboardError::SignIn)?;
        (device, Some(csrf))
    } else {
        return Err(DashboardError::SignIn);
    };
    if device.revoked.is_some() {
        return Err(DashboardError::Revoked);
    }
    if device.role != Role::Organizer {
        return Err(DashboardError::NotOrganizer);
    }
    Ok(Organizer {
        device,
        csrf,
        headers,
    })
}

/// Checks an organizer's token (the sign-in form) without a request.
pub fn check_token(state: &AppState, token: &str) -> Result<Device, DashboardError> {
    let mut headers = HeaderMap::new();
    let value = format!("Bearer {token}")
        .parse()
        .map_err(|_| DashboardError::BadToken)?;
    headers.insert(header::AUTHORIZATION, value);
    signed_in(state, headers).map(|o| o.device)
}

impl Organizer {
    /// The CSRF checks of a form post: same origin, and the session's token.
    pub fn check_form(&self, state: &AppState, csrf: &str) -> Result<(), DashboardError> {
        if !same_origin(state, &self.headers) {
            return Err(DashboardError::CrossSite);
        }
        match &self.csrf {
            Some(expected) if expected != csrf => Err(DashboardError::CrossSite),
            _ => Ok(()),
        }
    }

    /// The session id of a cookie-signed organizer.
    pub fn session_id(&self) -> Option<String> {
        session_cookie(&self.headers)
    }

    pub fn csrf_token(&self) -> String {
        self.csrf.clone().unwrap_or_default()
    }
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|b| b.trim().to_string())
}

fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|c| c.split(';'))
        .find_map(|kv| {
            let kv = kv.trim();
            kv.strip_prefix(&format!("{HOST_COOKIE}="))
                .or_else(|| kv.strip_prefix(&format!("{COOKIE}=")))
                .map(str::to_string)
        })
}

fn secure(state: &AppState) -> bool {
    state
        .public_url
        .as_deref()
        .is_some_and(|u| u.starts_with("https://"))
}

/// The `Set-Cookie` value for a session id (empty and expired to clear it).
pub fn session_cookie_header(state: &AppState, id: Option<&str>) -> String {
    let name = if secure(state) { HOST_COOKIE } else { COOKIE };
    let flags = if secure(state) {
        "HttpOnly; SameSite=Strict; Path=/; Secure"
    } else {
        "HttpOnly; SameSite=Strict; Path=/"
    };
    match id {
        Some(id) => format!(
            "{name}={id}; {flags}; Max-Age={}",
            state.session_absolute.num_seconds()
        ),
        None => format!("{name}=; {flags}; Max-Age=0"),
    }
}

/// Whether a state-changing request comes from the dashboard's own pages:
/// browsers say where a request comes from (`Sec-Fetch-Site`, `Origin`);
/// anything cross-site is refused. `SameSite=Strict` alone does not cover
/// another port or subdomain of the same site.
pub fn same_origin(state: &AppState, headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && site != "same-origin"
        && site != "none"
    {
        return false;
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true; // not a browser form; a session still needs its form token
    };
    match &state.public_url {
        Some(url) => {
            let own = url
                .split_once("://")
                .map(|(scheme, rest)| {
                    format!("{scheme}://{}", rest.split('/').next().unwrap_or(""))
                })
                .unwrap_or_default();
            origin == own
        }
        None => headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .is_some_and(|host| {
                origin == format!("http://{host}") || origin == format!("https://{host}")
            }),
    }
}
