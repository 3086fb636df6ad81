//! Activity review: per volunteer and day (see `dashboard::review`).

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;

use super::{campaign_tz, campaign_view, with_results};
use crate::dashboard::auth::Organizer;
use crate::dashboard::views::{VolunteerRow, VolunteersPage, render};
use crate::dashboard::{DashboardError, activity, blocking, flags};
use crate::http::AppState;

pub async fn volunteers(
    State(state): State<Arc<AppState>>,
    org: Organizer,
) -> Result<Response, DashboardError> {
    let campaign = org.device.campaign_id;
    let rows = blocking(move || {
        let view = campaign_view(&state, &campaign)?;
        let tz = campaign_tz(&view);
        let households = view.households_by_id();
        let attempts = with_results(&state, |r| r.all_attempts(&campaign))?;
        let flags = flags(&attempts, &households, tz);
        Ok(activity(&attempts, &households, &flags, tz))
    })
    .await?;
    render(&VolunteersPage {
        title: "Activity review",
        rows: rows
            .into_iter()
            .map(|r| VolunteerRow {
                contact_percent: r.contact_rate_percent(),
                gaps: r
                    .gap_seconds
                    .map(|[q1, m, q3]| format!("{q1} / {m} / {q3}"))
                    .unwrap_or_else(|| "—".into()),
                distance: r
                    .median_distance_m
                    .map(|d| format!("{d:.0} m"))
                    .unwrap_or_else(|| "—".into()),
                volunteer: r.volunteer_id,
                day: r.day,
                attempts: r.attempts,
                doors: r.doors,
                conversations: r.conversations,
                first: r.first,
                last: r.last,
                flags: r.flags,
            })
            .collect(),
    })
}
