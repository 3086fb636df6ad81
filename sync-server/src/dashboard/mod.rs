//! The organizer dashboard: server-rendered HTML (askama templates, escaped
//! by construction) behind an organizer token. Signing in exchanges the
//! token for a session (random id, stored hashed, idle and absolute expiry,
//! ended by sign-out or revocation) kept in an HttpOnly, SameSite=Strict
//! cookie (`__Host-`, Secure behind https); every form post is checked for
//! a same-origin request and the session's CSRF token. Scripts may send
//! `Authorization: Bearer` instead. Volunteer tokens and anonymous requests
//! are refused; an organizer only ever sees their own campaign. All SQLite
//! work runs on the blocking pool, never on the async workers.

mod auth;
mod clock;
mod error;
mod flags;
mod metrics;
mod pages;
mod review;
mod snapshot;
mod views;

pub use error::DashboardError;
pub use flags::{Flag, flags, haversine_m};
pub use metrics::{Dimension, MetricRow, Metrics, metrics};
pub use review::{ActivityRow, activity};
pub use snapshot::SnapshotCache;

use std::sync::Arc;

use axum::Router;
use axum::routing::get;

use crate::http::AppState;

/// Runs blocking work (SQLite, locks) off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, DashboardError> + Send + 'static,
) -> Result<T, DashboardError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(DashboardError::internal)?
}

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route(
            "/dashboard/login",
            get(pages::login_form).post(pages::login),
        )
        .route(
            "/dashboard/logout",
            get(pages::logout_form).post(pages::logout),
        )
        .route("/dashboard/app.js", get(pages::app_js))
        .route("/dashboard/app.css", get(pages::app_css))
        .route("/dashboard/signin/{code}", get(pages::signin_link))
        .route("/dashboard", get(pages::overview))
        .route("/dashboard/overview.json", get(pages::overview_json))
        .route("/dashboard/turfs/{turf_id}", get(pages::turf))
        .route("/dashboard/map", get(pages::campaign_map))
        .route("/dashboard/map.json", get(pages::map_json))
        .route("/dashboard/map.js", get(pages::map_js))
        .route("/dashboard/vendor/leaflet.js", get(pages::leaflet_js))
        .route("/dashboard/vendor/leaflet.css", get(pages::leaflet_css))
        .route("/dashboard/volunteers", get(pages::volunteers))
        .route(
            "/dashboard/volunteers/{volunteer}/{day}",
            get(pages::shift_page).post(pages::review_shift),
        )
        .route("/dashboard/conflicts", get(pages::conflicts))
        .route("/dashboard/people", get(pages::new_people))
        .route(
            "/dashboard/people/{attempt_id}",
            axum::routing::post(pages::decide_new_person),
        )
        .route("/dashboard/new-people.csv", get(pages::new_records))
        .route("/dashboard/metrics", get(pages::metrics))
        .route("/dashboard/metrics.csv", get(pages::metrics_csv))
        .route("/dashboard/export.csv", get(pages::export))
        .route("/dashboard/export-full.csv", get(pages::export_full))
        .route("/dashboard/export-osdi.json", get(pages::export_osdi))
        .route(
            "/dashboard/invites",
            get(pages::invite_form).post(pages::create_invite),
        )
}
