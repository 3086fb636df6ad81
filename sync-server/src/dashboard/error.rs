//! One error type for the dashboard: every refusal and fault becomes a page
//! that says what happened and what to do; server faults are logged here.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};

use super::views::MessagePage;

#[derive(Debug)]
pub enum DashboardError {
    /// No session or token: go to the sign-in page.
    SignIn,
    /// A token that is not (or no longer) valid.
    BadToken,
    /// The device behind the token or session was revoked.
    Revoked,
    /// A volunteer's token: the dashboard is for organizers.
    NotOrganizer,
    /// A form post that did not come from the dashboard's own pages.
    CrossSite,
    NotFound(String),
    BadInput(String),
    /// A server fault; the text goes to the log, not to the page.
    Internal(String),
}

impl DashboardError {
    pub fn internal(e: impl std::fmt::Display) -> Self {
        DashboardError::Internal(e.to_string())
    }
}

impl IntoResponse for DashboardError {
    fn into_response(self) -> Response {
        let (status, title, text, link): (StatusCode, &str, String, Option<(&str, &str)>) =
            match self {
                DashboardError::SignIn => return Redirect::to("/dashboard/login").into_response(),
                DashboardError::BadToken => (
                    StatusCode::UNAUTHORIZED,
                    "Not signed in",
                    "This token is not valid.".into(),
                    Some(("/dashboard/login", "Sign in with an organizer token.")),
                ),
                DashboardError::Revoked => (
                    StatusCode::UNAUTHORIZED,
                    "Access removed",
                    "This token was revoked.".into(),
                    None,
                ),
                DashboardError::NotOrganizer => (
                    StatusCode::FORBIDDEN,
                    "Organizers only",
                    "The dashboard is for organizers; a volunteer token cannot open it.".into(),
                    None,
                ),
                DashboardError::CrossSite => (
                    StatusCode::FORBIDDEN,
                    "Refused",
                    "This request did not come from a dashboard page. Open the page again and retry."
                        .into(),
                    None,
                ),
                DashboardError::NotFound(what) => {
                    (StatusCode::NOT_FOUND, "Not found", what, None)
                }
                DashboardError::BadInput(what) => {
                    (StatusCode::BAD_REQUEST, "Not done", what, None)
                }
                DashboardError::Internal(e) => {
                    tracing::error!(error = %e, "dashboard: internal error");
                    (
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "Server error",
                        "The server hit an internal error and logged it; try again.".into(),
                        None,
                    )
                }
            };
        let page = MessagePage {
            title,
            text,
            link: link.map(|(a, b)| (a.to_string(), b.to_string())),
        };
        match askama::Template::render(&page) {
            Ok(html) => (status, Html(html)).into_response(),
            Err(_) => status.into_response(),
        }
    }
}
