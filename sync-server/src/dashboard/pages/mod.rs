//! The dashboard's pages, one file per page.

mod conflicts;
mod export;
mod invites;
mod login;
mod map;
mod metrics;
mod overview;
mod people;
mod volunteers;

pub use conflicts::conflicts;
pub use export::{export, export_full, export_osdi, metrics_csv, new_records};
pub use invites::{create_invite, invite_form};
pub use login::{app_css, app_js, login, login_form, logout, logout_form, signin_link};
pub use map::{campaign_map, leaflet_css, leaflet_js, map_js, map_json, turf};
pub use metrics::metrics;
pub use overview::{Overview, overview, overview_json};
pub use people::{decide_new_person, new_people};
pub use volunteers::{review_shift, shift_page, volunteers};

use std::sync::Arc;

use super::DashboardError;
use crate::db::ResultsStore;
use crate::http::{AppState, CampaignView};

/// Runs `f` on the campaign's results (blocking: call inside `blocking`).
fn with_results<T, E: std::fmt::Display>(
    state: &AppState,
    f: impl FnOnce(&dyn ResultsStore) -> Result<T, E>,
) -> Result<T, DashboardError> {
    f(state.results.as_ref()).map_err(DashboardError::internal)
}

/// The campaign's reference data (blocking).
fn campaign_view(state: &AppState, campaign: &str) -> Result<Arc<CampaignView>, DashboardError> {
    state
        .campaign_data(campaign)
        .map_err(DashboardError::internal)
}

/// The campaign's time zone, UTC when it has none.
fn campaign_tz(view: &CampaignView) -> chrono_tz::Tz {
    view.data
        .campaign
        .as_ref()
        .and_then(|c| c.time_zone.parse().ok())
        .unwrap_or(chrono_tz::UTC)
}
