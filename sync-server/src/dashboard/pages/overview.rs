//! The campaign overview: totals, support tallies, per day, turfs, flags,
//! over the attempts that count (rolled-back and corrected ones left out).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use walkbook_core::model::AssignmentKind;
use walkbook_core::results::Attempt;

use super::{campaign_tz, with_results};
use crate::dashboard::auth::Organizer;
use crate::dashboard::flags::flags;
use crate::dashboard::snapshot::{Snapshot, snapshot};
use crate::dashboard::views::{OverviewPage, TurfRow, render};
use crate::dashboard::{DashboardError, blocking};
use crate::db::{DbError, ResultsStore};
use crate::http::AppState;

/// The numbers of the overview, also served as JSON for the live refresh.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Overview {
    /// Attempts that count, lit drops apart.
    pub attempts: usize,
    /// Doors with a door result that counts, lit drops apart.
    pub doors_knocked: usize,
    /// Literature left at doors (lit drops that count), counted apart.
    pub lit_drops: usize,
    pub contacts: u64,
    pub contact_rate: f64,
    pub support: BTreeMap<String, u64>,
    pub per_day: BTreeMap<String, (u64, u64)>,
    pub conflicts: u64,
}

fn overview_of(
    results: &dyn ResultsStore,
    campaign: &str,
    attempts: &[&Attempt],
    tz: chrono_tz::Tz,
) -> Result<Overview, DbError> {
    let counts = results.status_counts(campaign)?;
    let tallies = results.answer_tallies(campaign)?;
    let is_drop = |a: &Attempt| a.effect == Some(walkbook_core::model::ResultEffect::LitDrop);
    let lit_drops = attempts.iter().filter(|a| is_drop(a)).count();
    let attempts: Vec<&Attempt> = attempts.iter().copied().filter(|a| !is_drop(a)).collect();
    let doors: std::collections::HashSet<&str> = attempts
        .iter()
        .filter(|a| a.channel == walkbook_core::model::Channel::Door)
        .map(|a| a.household_id.as_str())
        .collect();
    let clock = crate::dashboard::clock::LocalClock::new(tz);
    let mut by_day: BTreeMap<i32, (u64, u64)> = BTreeMap::new();
    for a in &attempts {
        let e = by_day
            .entry(clock.day_number(a.at_ms).unwrap_or(i32::MIN))
            .or_default();
        e.0 += 1;
        if !a.responses.is_empty() {
            e.1 += 1;
        }
    }
    let per_day: BTreeMap<String, (u64, u64)> = by_day
        .into_iter()
        .map(|(d, n)| (clock.day_text(d), n))
        .collect();
    let contacts = counts.get("contacted").copied().unwrap_or(0);
    let attempted: u64 = counts
        .iter()
        .filter(|(k, _)| k.as_str() != "not_attempted")
        .map(|(_, v)| v)
        .sum();
    Ok(Overview {
        attempts: attempts.len(),
        doors_knocked: doors.len(),
        lit_drops,
        contacts,
        contact_rate: if attempted == 0 {
            0.0
        } else {
            contacts as f64 / attempted as f64
        },
        support: tallies.get("support").cloned().unwrap_or_default(),
        per_day,
        conflicts: counts.get("conflict").copied().unwrap_or(0),
    })
}

/// The overview's numbers for a snapshot (computed once per revision).
fn overview_numbers(
    state: &AppState,
    campaign: &str,
    s: &Snapshot,
) -> Result<Arc<Overview>, DashboardError> {
    s.memo("overview", |s| {
        let tz = campaign_tz(&s.view);
        let counted: Vec<&Attempt> = s.counted().into_iter().map(|(_, a)| a).collect();
        with_results(state, |r| overview_of(r, campaign, &counted, tz))
    })
}

pub async fn overview_json(
    State(state): State<Arc<AppState>>,
    org: Organizer,
) -> Result<Response, DashboardError> {
    let campaign = org.device.campaign_id;
    let o = blocking(move || {
        let s = snapshot(&state, &campaign)?;
        overview_numbers(&state, &campaign, &s)
    })
    .await?;
    Ok(axum::Json(&*o).into_response())
}

pub async fn overview(
    State(state): State<Arc<AppState>>,
    org: Organizer,
) -> Result<Response, DashboardError> {
    let campaign = org.device.campaign_id;
    let page = blocking(move || {
        let s = snapshot(&state, &campaign)?;
        let o = overview_numbers(&state, &campaign, &s)?;
        s.memo("overview page", |s| {
            let view = &s.view;
            let tz = campaign_tz(view);
            let households = view.households_by_id();
            let counted = s.counted();
            // Doors with a door result that counts, per turf document (the
            // index's `door_attempts > 0`, from memory).
            let mut knocked_in: HashMap<&str, HashSet<&str>> = HashMap::new();
            for (doc, a) in &counted {
                if a.channel == walkbook_core::model::Channel::Door {
                    knocked_in
                        .entry(doc)
                        .or_default()
                        .insert(a.household_id.as_str());
                }
            }
            let mut turfs: Vec<TurfRow> = Vec::new();
            for a in view
                .data
                .assignments
                .iter()
                .filter(|a| a.kind == AssignmentKind::Turf)
            {
                if turfs.iter().any(|t| t.id == a.unit_id) {
                    continue;
                }
                let Some(turf) = view.data.turfs.iter().find(|t| t.id == a.unit_id) else {
                    continue;
                };
                let doc = a.unit_doc_id();
                let knocked = knocked_in.get(doc.as_str()).map_or(0, |doors| {
                    turf.household_ids
                        .iter()
                        .filter(|h| doors.contains(h.as_str()))
                        .count()
                });
                let total = turf.household_ids.len();
                turfs.push(TurfRow {
                    id: a.unit_id.clone(),
                    knocked,
                    total,
                    percent: (knocked * 100).checked_div(total).unwrap_or(0),
                });
            }
            let counted: Vec<&Attempt> = counted.into_iter().map(|(_, a)| a).collect();
            let name = view
                .data
                .campaign
                .as_ref()
                .map(|c| c.name.clone())
                .unwrap_or_default();
            Ok(OverviewPage {
                title: format!("{name}: overview"),
                contact_percent: format!("{:.0}", o.contact_rate * 100.0),
                support: (1..=5u8)
                    .map(|k| (k, o.support.get(&k.to_string()).copied().unwrap_or(0)))
                    .collect(),
                turfs,
                flags: flags(&counted, &households, tz)
                    .iter()
                    .map(|f| f.describe())
                    .collect(),
                o: Overview::clone(&o),
            })
        })
    })
    .await?;
    render(&*page)
}
