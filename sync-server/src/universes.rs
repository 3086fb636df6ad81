//! Turf near me on the server: universes of doors not cut into turfs, and
//! check-outs of their nearest free doors (`walkbook_core::turfnear`), each
//! run as one locked edit of the campaign (`CampaignStore::edit_campaign`)
//! so concurrent requests on any number of processes never share a door.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};
use walkbook_core::model::{AssignmentKind, ReferenceData, Universe};
use walkbook_core::store::EXPIRY_GRACE_MS;
use walkbook_core::turfnear::{self, CheckOut, CheckOutRequest};
use walkbook_core::walk::distance_m;

use crate::admin::{AdminError, Home, edit, publish_assignment};
use crate::db::DbError;

/// Days a check-out lasts when the volunteer does not say.
pub const DEFAULT_DAYS: i64 = 2;

/// Makes a universe of every door not in a turf (optionally only those of
/// the given precincts). Returns how many doors it holds.
pub fn create_universe(
    home: &impl Home,
    campaign_id: &str,
    id: &str,
    name: &str,
    precincts: &[String],
) -> Result<usize, AdminError> {
    if id.is_empty()
        || id.len() > 64
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(AdminError::Invalid(format!(
            "universe id {id:?}: use 1 to 64 letters, digits, '-' or '_'"
        )));
    }
    let mut doors = 0;
    edit(home, campaign_id, &mut |data| {
        if data.universes.iter().any(|u| u.id == id) {
            return Err(DbError::Invalid(format!(
                "universe {id} already exists in campaign {campaign_id}"
            )));
        }
        let in_turfs: HashSet<&str> = data
            .turfs
            .iter()
            .flat_map(|t| t.household_ids.iter().map(String::as_str))
            .collect();
        let household_ids: Vec<String> = data
            .households
            .iter()
            .filter(|h| !in_turfs.contains(h.id.as_str()))
            .filter(|h| {
                precincts.is_empty() || h.precinct.as_ref().is_some_and(|p| precincts.contains(p))
            })
            .map(|h| h.id.clone())
            .collect();
        if household_ids.is_empty() {
            return Err(DbError::Invalid(format!(
                "no door of campaign {campaign_id} is outside every turf{}; a universe is made of doors not cut into turfs",
                if precincts.is_empty() {
                    String::new()
                } else {
                    format!(" in precincts {}", precincts.join(", "))
                }
            )));
        }
        doors = household_ids.len();
        data.universes.push(Universe {
            id: id.to_string(),
            name: name.to_string(),
            household_ids,
        });
        Ok(true)
    })?;
    Ok(doors)
}

/// The universe a request means: the one named, or the campaign's only one.
pub fn pick_universe<'a>(
    data: &'a ReferenceData,
    wanted: Option<&str>,
) -> Result<&'a Universe, turfnear::CheckOutError> {
    match wanted {
        Some(id) => data
            .universes
            .iter()
            .find(|u| u.id == id)
            .ok_or_else(|| turfnear::CheckOutError::NoUniverse(id.to_string())),
        None if data.universes.len() == 1 => Ok(&data.universes[0]),
        None if data.universes.is_empty() => Err(turfnear::CheckOutError::Invalid(
            "this campaign has no universe for turf near me; an organizer makes one with admin create-universe".into(),
        )),
        None => Err(turfnear::CheckOutError::Invalid(format!(
            "this campaign has several universes; name one of: {}",
            data.universes
                .iter()
                .map(|u| u.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// Doors with a door attempt in the documents of the given turfs.
pub fn knocked_doors(
    home: &impl Home,
    campaign_id: &str,
    turf_ids: impl IntoIterator<Item = String>,
) -> Result<HashSet<String>, AdminError> {
    let results = home.results_store()?;
    let mut knocked = HashSet::new();
    for turf in turf_ids {
        let statuses = results.unit_statuses(campaign_id, &format!("turf:{turf}"))?;
        knocked.extend(
            statuses
                .households
                .into_iter()
                .filter(|(_, h)| h.door_attempts > 0)
                .map(|(id, _)| id),
        );
    }
    Ok(knocked)
}

/// A check-out as the device sees it: the assignment and its packet version.
pub struct CheckedOut {
    pub check_out: CheckOut,
    pub packet_version: u64,
}

/// Checks out the nearest free doors for a volunteer (`turfnear::check_out`)
/// after giving back the doors of check-outs that ended (past expiry plus the
/// phones' 12-hour grace, so an offline phone's results still find their
/// turf). A repeated `checkout_id` from the same volunteer returns the
/// check-out it made (a retried request). The new turf's packet is published
/// before this returns.
pub fn check_out(
    home: &impl Home,
    campaign_id: &str,
    req: &CheckOutRequest<'_>,
) -> Result<CheckedOut, AdminError> {
    let db = home.server_store()?;
    // Which doors of ended check-outs were knocked, read before the lock
    // (results live in another store). A door knocked in between stays
    // with its check-out's document anyway: see ADR 18.
    let before = db.campaign(campaign_id)?;
    let universe = pick_universe(&before, Some(req.universe_id)).map_err(DbError::from)?;
    let grace = Duration::milliseconds(EXPIRY_GRACE_MS);
    let ended = turfnear::ended_check_outs(&before, &universe.id, req.now, grace);
    let knocked = knocked_doors(home, campaign_id, ended)?;
    let mut made = None;
    let mut stored = None;
    edit(home, campaign_id, &mut |data| {
        let turf_id = format!("{}{}", turfnear::TURF_PREFIX, req.checkout_id);
        if let Some(t) = data.turfs.iter().find(|t| t.id == turf_id) {
            // A retry of a request that was carried out.
            let a = data
                .assignments
                .iter()
                .find(|a| a.unit_id == t.id && a.volunteer_id == req.volunteer_id)
                .ok_or_else(|| {
                    DbError::Invalid(format!(
                        "request {} was made by someone else",
                        req.checkout_id
                    ))
                })?;
            let doors: HashSet<&str> = t.household_ids.iter().map(String::as_str).collect();
            let farthest_m = data
                .households
                .iter()
                .filter(|h| doors.contains(h.id.as_str()))
                .filter_map(|h| Some(distance_m((req.lat, req.lon), (h.lat?, h.lon?))))
                .fold(0.0, f64::max);
            made = Some(CheckOut {
                turf: t.clone(),
                assignment: a.clone(),
                farthest_m,
            });
            return Ok(false); // nothing to store
        }
        turfnear::return_doors(data, req.universe_id, req.now, grace, &knocked);
        made = Some(turfnear::check_out(data, req)?);
        stored = Some(data.clone());
        Ok(true)
    })?;
    let check_out = made.expect("set on success");
    let data = match stored {
        Some(d) => d,
        None => db.campaign(campaign_id)?,
    };
    let packet_version = publish_assignment(home, campaign_id, &data, &check_out.assignment.id)?;
    Ok(CheckedOut {
        check_out,
        packet_version,
    })
}

/// Ends a volunteer's check-out now (`turfnear::release`): its un-knocked
/// doors go back at once. The phone uploads before it asks. Returns how
/// many doors went back.
pub fn release(
    home: &impl Home,
    campaign_id: &str,
    assignment_id: &str,
    volunteer_id: &str,
    now: DateTime<Utc>,
) -> Result<usize, AdminError> {
    let db = home.server_store()?;
    let before = db.campaign(campaign_id)?;
    let turf = before
        .assignments
        .iter()
        .find(|a| a.id == assignment_id && a.kind == AssignmentKind::Turf)
        .map(|a| a.unit_id.clone());
    let knocked = knocked_doors(home, campaign_id, turf)?;
    let mut returned = 0;
    edit(home, campaign_id, &mut |data| {
        returned = turfnear::release(data, assignment_id, volunteer_id, now, &knocked)?;
        Ok(true)
    })?;
    Ok(returned)
}
