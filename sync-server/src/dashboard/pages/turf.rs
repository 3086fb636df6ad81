//! One turf: a map of its doors coloured by status, and the door list.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::response::Response;
use std::collections::HashSet;

use walkbook_core::model::{Household, Person};
use walkbook_core::results::{Status, StatusSummary, person_at_door};
use walkbook_core::store::campaign_wide_from;

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
    let doors = blocking(move || doors_of(&state, &campaign, &id)).await?;
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
            .map(|p| &p.1.status)
            .find(|s| !s.is_final())
            .or(d.people.first().map(|p| &p.1.status));
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
                .map(|(person, status)| {
                    format!("{} ({})", person.full_name(), status.status.kind())
                })
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

/// One door of the turf with its people and what the results say of each.
struct Door {
    household: Household,
    people: Vec<(Person, StatusSummary)>,
}

/// The turf's doors (in the turf's order), each person's status at the
/// door: their own results, the household's, a do-not-contact flag, and a
/// final status from elsewhere in the campaign (a call) on top.
fn doors_of(state: &AppState, campaign: &str, turf_id: &str) -> Result<Vec<Door>, DashboardError> {
    let view = super::campaign_view(state, campaign)?;
    let turf = view
        .data
        .turfs
        .iter()
        .find(|t| t.id == turf_id)
        .ok_or_else(|| DashboardError::NotFound("This turf is not in your campaign.".into()))?;
    let doc_id = format!("turf:{turf_id}");
    let statuses = super::with_results(state, |r| r.unit_statuses(campaign, &doc_id))?;
    let on_turf: HashSet<String> = view
        .people_by_unit
        .get(&doc_id)
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    let elsewhere: std::collections::HashMap<String, StatusSummary> =
        super::with_results(state, |r| r.final_statuses_of(campaign, &on_turf))?
            .into_iter()
            .filter_map(|(person, kind)| Some((person, StatusSummary::reported_final(&kind)?)))
            .collect();
    let households = view.households_by_id();
    let mut residents: std::collections::HashMap<&str, Vec<&Person>> = Default::default();
    for p in &view.data.people {
        residents
            .entry(p.household_id.as_str())
            .or_default()
            .push(p);
    }
    let mut doors = Vec::new();
    for h in &turf.household_ids {
        let Some(household) = households.get(h.as_str()) else {
            continue;
        };
        let level = statuses
            .households
            .get(h)
            .map(|s| s.household.clone())
            .unwrap_or_else(StatusSummary::not_attempted);
        let mut people: Vec<&Person> = residents.remove(h.as_str()).unwrap_or_default();
        people.sort_by(|a, b| a.id.cmp(&b.id));
        let people = people
            .into_iter()
            .map(|p| {
                let own = statuses
                    .people
                    .get(&p.id)
                    .cloned()
                    .unwrap_or_else(StatusSummary::not_attempted);
                let at_door = person_at_door(&own, &level);
                let status = campaign_wide_from(&p.id, p.do_not_contact, at_door, &elsewhere);
                (p.clone(), status)
            })
            .collect();
        doors.push(Door {
            household: (*household).clone(),
            people,
        });
    }
    Ok(doors)
}
