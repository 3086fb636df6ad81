//! The conflict inbox: one person, outcomes that disagree.

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;

use super::with_results;
use crate::dashboard::auth::Organizer;
use crate::dashboard::views::{ConflictItem, ConflictsPage, render};
use crate::dashboard::{DashboardError, blocking};
use crate::http::AppState;

pub async fn conflicts(
    State(state): State<Arc<AppState>>,
    org: Organizer,
) -> Result<Response, DashboardError> {
    let campaign = org.device.campaign_id;
    let list = blocking(move || with_results(&state, |r| r.conflicts(&campaign))).await?;
    let items = list
        .iter()
        .map(|c| ConflictItem {
            person: c.person_id.clone(),
            doc: c.doc_id.clone(),
            parts: c
                .attempts
                .iter()
                .map(|a| {
                    let what = a.result.clone().unwrap_or_else(|| {
                        a.responses
                            .iter()
                            .map(|(q, v)| format!("{q}={v}"))
                            .collect::<Vec<_>>()
                            .join(" ")
                    });
                    format!("{what} by {} ({})", a.volunteer_id, a.id)
                })
                .collect(),
        })
        .collect();
    render(&ConflictsPage {
        title: "Conflict inbox",
        items,
    })
}
