//! Signing in and out, and the dashboard's one script file.

use std::sync::Arc;

use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::Deserialize;

use crate::dashboard::auth::{Organizer, check_token, same_origin, session_cookie_header};
use crate::dashboard::views::{LoginPage, LogoutPage, render};
use crate::dashboard::{DashboardError, blocking};
use crate::http::AppState;

pub async fn login_form() -> Result<Response, DashboardError> {
    render(&LoginPage {
        title: "Organizer sign-in",
    })
}

#[derive(Deserialize)]
pub struct LoginForm {
    token: String,
}

/// Exchanges the organizer's long-lived token for a session; only the
/// session id's hash is stored.
pub async fn login(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, DashboardError> {
    if !same_origin(&state, &headers) {
        return Err(DashboardError::CrossSite);
    }
    let token = form.token.trim().to_string();
    let st = state.clone();
    let id = blocking(move || {
        check_token(&st, &token)?;
        let db = &st.db;
        let (id, _) = db
            .create_session(&token, Utc::now())
            .map_err(DashboardError::internal)?;
        Ok(id)
    })
    .await?;
    Ok((
        StatusCode::SEE_OTHER,
        [
            (header::SET_COOKIE, session_cookie_header(&state, Some(&id))),
            (header::LOCATION, "/dashboard".to_string()),
        ],
    )
        .into_response())
}

/// A one-time sign-in link (the demo prints one): opens a session once,
/// then the link is spent. The session is only as good as its device: a
/// revoked organizer gets nothing.
pub async fn signin_link(
    State(state): State<Arc<AppState>>,
    axum::extract::Path(code): axum::extract::Path<String>,
) -> Result<Response, DashboardError> {
    let st = state.clone();
    let opened = blocking(move || {
        st.db
            .redeem_signin_link(&code, Utc::now())
            .map_err(DashboardError::internal)
    })
    .await?;
    let Some((id, _)) = opened else {
        return Err(DashboardError::NotFound(
            "This sign-in link was already used or has expired; sign in with an organizer token."
                .into(),
        ));
    };
    Ok((
        StatusCode::SEE_OTHER,
        [
            (header::SET_COOKIE, session_cookie_header(&state, Some(&id))),
            (header::LOCATION, "/dashboard".to_string()),
        ],
    )
        .into_response())
}

pub async fn logout_form(org: Organizer) -> Result<Response, DashboardError> {
    render(&LogoutPage {
        title: "Sign out",
        csrf: org.csrf_token(),
    })
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub async fn logout(
    State(state): State<Arc<AppState>>,
    org: Organizer,
    Form(form): Form<CsrfForm>,
) -> Result<Response, DashboardError> {
    org.check_form(&state, &form.csrf)?;
    if let Some(id) = org.session_id() {
        let st = state.clone();
        blocking(move || st.db.delete_session(&id).map_err(DashboardError::internal)).await?;
    }
    Ok((
        StatusCode::SEE_OTHER,
        [
            (header::SET_COOKIE, session_cookie_header(&state, None)),
            (header::LOCATION, "/dashboard/login".to_string()),
        ],
    )
        .into_response())
}

/// The dashboard's stylesheet.
pub async fn app_css() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("../../../templates/app.css"),
    )
        .into_response()
}

/// The dashboard's only script (live totals, the print button): served as
/// a file so the Content-Security-Policy allows no inline script at all.
pub async fn app_js() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("../../../templates/app.js"),
    )
        .into_response()
}
