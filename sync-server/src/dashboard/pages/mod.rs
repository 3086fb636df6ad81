//! The dashboard's pages, one file per page.

mod conflicts;
mod export;
mod invites;
mod login;
mod overview;
mod turf;
mod volunteers;

pub use conflicts::conflicts;
pub use export::{export, export_full, export_osdi};
pub use invites::{create_invite, invite_form};
pub use login::{app_js, login, login_form, logout, logout_form, signin_link};
pub use overview::{Overview, overview, overview_json};
pub use turf::turf;
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

/// The campaign's attempts that count (`review::live`, per document):
/// what the overview and the metrics add up.
fn counted_attempts(
    results: &dyn ResultsStore,
    campaign: &str,
) -> Result<Vec<walkbook_core::results::Attempt>, crate::db::DbError> {
    Ok(results
        .unit_attempts(campaign)?
        .into_iter()
        .flat_map(|(_, attempts)| {
            let live: std::collections::HashSet<String> =
                walkbook_core::results::review::live(&attempts)
                    .into_iter()
                    .map(|a| a.id.clone())
                    .collect();
            attempts.into_iter().filter(move |a| live.contains(&a.id))
        })
        .collect())
}
