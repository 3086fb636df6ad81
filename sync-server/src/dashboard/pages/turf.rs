//! One turf: a map of its doors coloured by status, and the door list.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::response::Response;
use walkbook_core::results::Status;

use crate::dashboard::auth::Organizer;
use crate::dashboard::views::{DoorRow, Dot, TurfPage, render};
use crate::dashboard::{DashboardError, blocking};
use crate::http::AppState;

/// A status's colour class and its words (the legend is never colour alone).
fn tone(status: &Status) -> (&'static str, &'static str) {
    match status {
        Status::NotAttempted => ("none", "not yet"),
        Status::NotHome | Status::ComeBack { .. } | Status::WrongNumber => ("retry", "try again"),
        Status::Contacted { .. } | Status::Refused | Status::Moved | Status::Deceased => {
            ("done", "done")
        }
        Status::DoNotContact => ("stop", "do not contact"),
        Status::Conflict { .. } => ("problem", "conflict"),
    }
}

pub async fn turf(
    State(state): State<Arc<AppState>>,
    Path(turf_id): Path<String>,
    org: Organizer,
) -> Result<Response, DashboardError> {
    let campaign = org.device.campaign_id;
    let id = turf_id.clone();
    let doors = blocking(move || {
        let store = state
            .campaign_store(&campaign)
            .map_err(DashboardError::internal)?;
        let guard = store.lock().unwrap_or_else(|p| p.into_inner());
        guard
            .walk_list(&id)
            .map_err(|_| DashboardError::NotFound("This turf is not in your campaign.".into()))
    })
    .await?;
    let located: Vec<(f64, f64)> = doors
        .iter()
        .filter_map(|d| Some((d.household.lat?, d.household.lon?)))
        .collect();
    let (min_lat, max_lat) = located
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.0), b.max(p.0)));
    let (min_lon, max_lon) = located
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.1), b.max(p.1)));
    let (w, h) = (600u32, 400u32);
    let (wf, hf) = (f64::from(w), f64::from(h));
    let mut dots = Vec::new();
    let mut rows = Vec::new();
    let mut missing = 0;
    for d in &doors {
        let worst = d
            .people
            .iter()
            .map(|p| &p.status.status)
            .find(|s| !s.is_final())
            .or(d.people.first().map(|p| &p.status.status));
        let (class, label) = worst.map(tone).unwrap_or(("none", "no one listed"));
        match (d.household.lat, d.household.lon) {
            (Some(lat), Some(lon)) => {
                let x = 10.0 + (lon - min_lon) / (max_lon - min_lon).max(1e-9) * (wf - 20.0);
                let y =
                    10.0 + (1.0 - (lat - min_lat) / (max_lat - min_lat).max(1e-9)) * (hf - 20.0);
                dots.push(Dot {
                    class,
                    x: format!("{x:.1}"),
                    y: format!("{y:.1}"),
                    title: format!("{} — {label}", d.household.address_line()),
                });
            }
            _ => missing += 1,
        }
        rows.push(DoorRow {
            address: d.household.address_line(),
            people: d
                .people
                .iter()
                .map(|p| format!("{} ({})", p.person.full_name(), p.status.status.kind()))
                .collect::<Vec<_>>()
                .join(", "),
            label,
        });
    }
    render(&TurfPage {
        title: format!("Turf {turf_id}"),
        width: w,
        height: h,
        located: located.len(),
        dots,
        missing,
        rows,
    })
}
