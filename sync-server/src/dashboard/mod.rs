//! The organizer dashboard: server-rendered HTML behind an organizer token
//! (a login form sets an HttpOnly cookie; scripts may send `Authorization:
//! Bearer`). Volunteer tokens and anonymous requests are refused; an
//! organizer only ever sees their own campaign.

mod flags;
mod pages;

pub use flags::{Flag, flags, haversine_m};

use std::sync::Arc;

use axum::Router;
use axum::routing::get;

use crate::http::AppState;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route(
            "/dashboard/login",
            get(pages::login_form).post(pages::login),
        )
        .route("/dashboard", get(pages::overview))
        .route("/dashboard/overview.json", get(pages::overview_json))
        .route("/dashboard/turfs/{turf_id}", get(pages::turf))
        .route("/dashboard/volunteers", get(pages::volunteers))
        .route("/dashboard/conflicts", get(pages::conflicts))
        .route("/dashboard/export.csv", get(pages::export))
        .route(
            "/dashboard/invites",
            get(pages::invite_form).post(pages::create_invite),
        )
}
