//! Turf near me (distributed canvassing): a volunteer asks for N doors near
//! where they stand; the nearest un-knocked doors of a campaign universe
//! become a turf of their own, in walk order, assigned to them for a few
//! days. Doors go back to the universe when the check-out ends.
//!
//! Pure functions over the campaign's reference data. The server runs them
//! inside one locked edit of the campaign (`ServerStore::edit_campaign`), so
//! two check-outs never see the same free door; and a household belongs to
//! one turf (`validate_reference_data`), so no door is in two check-outs even
//! if a caller forgot the lock.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};

use crate::model::{Assignment, AssignmentKind, ReferenceData, ScriptKind, Turf, TurfMode};
use crate::walk::{distance_m, walk_order};

/// Most doors one check-out may take (a long shift).
pub const MAX_DOORS: usize = 120;
/// Longest check-out, in days.
pub const MAX_DAYS: i64 = 14;
/// Prefix of every checked-out turf's id.
pub const TURF_PREFIX: &str = "near-";

/// What a volunteer asks for.
#[derive(Debug, Clone)]
pub struct CheckOutRequest<'a> {
    pub universe_id: &'a str,
    pub volunteer_id: &'a str,
    /// Where the volunteer stands.
    pub lat: f64,
    pub lon: f64,
    pub doors: usize,
    pub days: i64,
    pub now: DateTime<Utc>,
    /// A fresh id for the turf (`near-<id>`), made by the caller.
    pub checkout_id: &'a str,
}

/// A check-out: the new turf and its assignment, already in the data.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckOut {
    pub turf: Turf,
    pub assignment: Assignment,
    /// How far the farthest door is from where the volunteer stands.
    pub farthest_m: f64,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CheckOutError {
    #[error("{0}")]
    Invalid(String),
    #[error("universe {0} does not exist in this campaign; ask your organizer which one to use")]
    NoUniverse(String),
    #[error(
        "every door of universe {0} is checked out or knocked; try again later or ask your organizer for a turf"
    )]
    NoDoorsLeft(String),
    #[error("assignment {0} is not a turf checked out by you")]
    NotYours(String),
}

/// Whether a turf was checked out of a universe.
pub fn is_checked_out(turf: &Turf) -> bool {
    turf.universe.is_some()
}

/// The assignment id of a check-out (the `admin assign` shape).
pub fn assignment_id(turf_id: &str, volunteer_id: &str) -> String {
    format!("turf-{turf_id}-{volunteer_id}")
}

/// Ends check-outs of `universe_id` that expired more than `grace` ago (so
/// an offline phone had time to upload) and gives their un-knocked doors back
/// to the universe: each such turf keeps only its `knocked` doors (their
/// results live in its document), and goes away, with its assignments, when
/// none was knocked. Returns how many doors went back.
pub fn return_doors(
    data: &mut ReferenceData,
    universe_id: &str,
    now: DateTime<Utc>,
    grace: Duration,
    knocked: &HashSet<String>,
) -> usize {
    let ended = ended_check_outs(data, universe_id, now, grace);
    give_back(data, &ended, knocked)
}

/// The check-outs of a universe whose every assignment ended more than
/// `grace` before `now`: the turfs [`return_doors`] shrinks.
pub fn ended_check_outs(
    data: &ReferenceData,
    universe_id: &str,
    now: DateTime<Utc>,
    grace: Duration,
) -> HashSet<String> {
    data.turfs
        .iter()
        .filter(|t| t.universe.as_deref() == Some(universe_id))
        .filter(|t| {
            data.assignments
                .iter()
                .filter(|a| a.kind == AssignmentKind::Turf && a.unit_id == t.id)
                .all(|a| a.expires_at + grace <= now)
        })
        .map(|t| t.id.clone())
        .collect()
}

fn give_back(
    data: &mut ReferenceData,
    turfs: &HashSet<String>,
    knocked: &HashSet<String>,
) -> usize {
    let mut returned = 0;
    for t in data.turfs.iter_mut().filter(|t| turfs.contains(&t.id)) {
        let before = t.household_ids.len();
        t.household_ids.retain(|h| knocked.contains(h));
        returned += before - t.household_ids.len();
    }
    let empty: HashSet<String> = data
        .turfs
        .iter()
        .filter(|t| turfs.contains(&t.id) && t.household_ids.is_empty())
        .map(|t| t.id.clone())
        .collect();
    data.turfs.retain(|t| !empty.contains(&t.id));
    data.assignments
        .retain(|a| !(a.kind == AssignmentKind::Turf && empty.contains(&a.unit_id)));
    returned
}

/// Checks out the `doors` nearest free doors of the universe for the
/// volunteer: doors with coordinates, in no turf (so neither checked out
/// nor knocked on an earlier check-out), nearest first (ties by id), in walk
/// order, with the campaign's newest canvass script, for `days` days.
pub fn check_out(
    data: &mut ReferenceData,
    req: &CheckOutRequest<'_>,
) -> Result<CheckOut, CheckOutError> {
    let invalid = |m: String| Err(CheckOutError::Invalid(m));
    // Ranges hold only finite numbers: NaN and infinities are refused too.
    let on_earth = (-90.0..=90.0).contains(&req.lat) && (-180.0..=180.0).contains(&req.lon);
    if !on_earth {
        return invalid(format!(
            "({}, {}) is not a place on Earth; send the phone's latitude and longitude in degrees",
            req.lat, req.lon
        ));
    }
    if req.doors == 0 || req.doors > MAX_DOORS {
        return invalid(format!(
            "ask for between 1 and {MAX_DOORS} doors (asked for {})",
            req.doors
        ));
    }
    if req.days < 1 || req.days > MAX_DAYS {
        return invalid(format!(
            "a check-out lasts 1 to {MAX_DAYS} days (asked for {})",
            req.days
        ));
    }
    if !data.volunteers.iter().any(|v| v.id == req.volunteer_id) {
        return invalid(format!(
            "volunteer {} is not in this campaign",
            req.volunteer_id
        ));
    }
    let universe = data
        .universes
        .iter()
        .find(|u| u.id == req.universe_id)
        .ok_or_else(|| CheckOutError::NoUniverse(req.universe_id.to_string()))?;
    let script = data
        .scripts
        .iter()
        .filter(|s| s.kind == ScriptKind::Canvass)
        .max_by_key(|s| s.version)
        .ok_or_else(|| {
            CheckOutError::Invalid("the campaign has no canvass script yet".to_string())
        })?
        .id
        .clone();

    let taken: HashSet<&str> = data
        .turfs
        .iter()
        .flat_map(|t| t.household_ids.iter().map(String::as_str))
        .collect();
    let members: HashSet<&str> = universe.household_ids.iter().map(String::as_str).collect();
    let here = (req.lat, req.lon);
    let mut free: Vec<(f64, &crate::model::Household)> = data
        .households
        .iter()
        .filter(|h| members.contains(h.id.as_str()) && !taken.contains(h.id.as_str()))
        .filter_map(|h| Some((distance_m(here, (h.lat?, h.lon?)), h)))
        .collect();
    if free.is_empty() {
        return Err(CheckOutError::NoDoorsLeft(req.universe_id.to_string()));
    }
    free.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.id.cmp(&b.1.id)));
    free.truncate(req.doors);
    let farthest_m = free.last().map(|(d, _)| *d).unwrap_or_default();
    let picked: Vec<crate::model::Household> = free.into_iter().map(|(_, h)| h.clone()).collect();
    let ordered = walk_order(&picked);
    let first_street = ordered
        .first()
        .map(|h| h.street_name.clone())
        .unwrap_or_default();
    let turf = Turf {
        id: format!("{TURF_PREFIX}{}", req.checkout_id),
        name: format!("Near {first_street} ({} doors)", ordered.len()),
        household_ids: ordered.iter().map(|h| h.id.clone()).collect(),
        universe: Some(universe.id.clone()),
    };
    let assignment = Assignment {
        id: assignment_id(&turf.id, req.volunteer_id),
        kind: AssignmentKind::Turf,
        unit_id: turf.id.clone(),
        script_id: script,
        volunteer_id: req.volunteer_id.to_string(),
        expires_at: req.now + Duration::days(req.days),
        mode: TurfMode::Canvass,
    };
    data.turfs.push(turf.clone());
    data.assignments.push(assignment.clone());
    Ok(CheckOut {
        turf,
        assignment,
        farthest_m,
    })
}

/// Ends a volunteer's check-out now (they are done, or cannot go): the
/// assignment expires at `now` (the phone uploads its results and then
/// deletes the turf), and the doors not `knocked` go back to the universe
/// at once. Returns how many went back.
pub fn release(
    data: &mut ReferenceData,
    assignment_id: &str,
    volunteer_id: &str,
    now: DateTime<Utc>,
    knocked: &HashSet<String>,
) -> Result<usize, CheckOutError> {
    let not_yours = || CheckOutError::NotYours(assignment_id.to_string());
    let a = data
        .assignments
        .iter_mut()
        .find(|a| a.id == assignment_id && a.volunteer_id == volunteer_id)
        .ok_or_else(not_yours)?;
    let turf_id = a.unit_id.clone();
    let checked_out = data
        .turfs
        .iter()
        .any(|t| t.id == turf_id && is_checked_out(t));
    if !checked_out || a.kind != AssignmentKind::Turf {
        return Err(not_yours());
    }
    if a.expires_at > now {
        a.expires_at = now;
    }
    Ok(give_back(data, &HashSet::from([turf_id]), knocked))
}
