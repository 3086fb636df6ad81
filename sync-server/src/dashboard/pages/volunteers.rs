//! Per-volunteer activity.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use chrono::{DateTime, Utc};

use super::with_store;
use crate::dashboard::auth::Organizer;
use crate::dashboard::views::{VolunteerRow, VolunteersPage, render};
use crate::dashboard::{DashboardError, blocking};
use crate::http::AppState;

pub async fn volunteers(
    State(state): State<Arc<AppState>>,
    org: Organizer,
) -> Result<Response, DashboardError> {
    let campaign = org.device.campaign_id;
    let attempts = blocking(move || with_store(&state, &campaign, |s| s.all_attempts())).await?;
    let mut by: BTreeMap<&str, (u64, u64, i64, i64)> = BTreeMap::new();
    for a in &attempts {
        let e = by
            .entry(&a.volunteer_id)
            .or_insert((0, 0, i64::MAX, i64::MIN));
        e.0 += 1;
        if !a.responses.is_empty() {
            e.1 += 1;
        }
        e.2 = e.2.min(a.at_ms);
        e.3 = e.3.max(a.at_ms);
    }
    let fmt = |ms: i64| {
        DateTime::<Utc>::from_timestamp_millis(ms)
            .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
            .unwrap_or_default()
    };
    render(&VolunteersPage {
        title: "Volunteers",
        rows: by
            .iter()
            .map(|(v, (n, c, first, last))| VolunteerRow {
                volunteer: v.to_string(),
                attempts: *n,
                conversations: *c,
                first: fmt(*first),
                last: fmt(*last),
            })
            .collect(),
    })
}
