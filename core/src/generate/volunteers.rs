//! Volunteers and their assignments: every turf and call list goes to someone.

use chrono::{DateTime, TimeZone, Utc};

use crate::model::{Assignment, AssignmentKind, CallList, Turf, Volunteer};

use super::names::{HERITAGE_WEIGHTS, Heritage};
use super::rng::SplitMix64;
use super::scripts::{CANVASS_SCRIPT_ID, PHONE_SCRIPT_ID};

const MIN_VOLUNTEERS: usize = 3;
const MAX_VOLUNTEERS: usize = 12;
/// Roughly how many assignments each volunteer gets, before the caps above.
const ASSIGNMENTS_PER_VOLUNTEER: usize = 6;

/// Assignments expire on a fixed date rather than one derived from the clock,
/// so a seed always produces byte-identical output.
pub fn assignment_expiry() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// A handful of volunteers (`vol-01`..), enough for the campaign's turfs and lists.
pub fn generate_volunteers(assignments: usize, rng: &mut SplitMix64) -> Vec<Volunteer> {
    let count = assignments
        .div_ceil(ASSIGNMENTS_PER_VOLUNTEER)
        .clamp(MIN_VOLUNTEERS, MAX_VOLUNTEERS);
    let mut seen = std::collections::HashSet::new();
    let mut volunteers = Vec::with_capacity(count);
    while volunteers.len() < count {
        let heritage: Heritage = *rng.weighted(HERITAGE_WEIGHTS);
        let name = format!("{} {}", heritage.first_name(rng), heritage.last_name(rng));
        // Two volunteers with one name would confuse an organizer's roster.
        if seen.insert(name.clone()) {
            volunteers.push(Volunteer {
                id: format!("vol-{:02}", volunteers.len() + 1),
                display_name: name,
            });
        }
    }
    volunteers
}

/// One assignment per turf (canvass script) and per call list (phone
/// script), dealt round-robin over the volunteers.
pub fn assign(
    turfs: &[Turf],
    call_lists: &[CallList],
    volunteers: &[Volunteer],
) -> Vec<Assignment> {
    let units = turfs
        .iter()
        .map(|t| (AssignmentKind::Turf, t.id.as_str(), CANVASS_SCRIPT_ID))
        .chain(
            call_lists
                .iter()
                .map(|l| (AssignmentKind::CallList, l.id.as_str(), PHONE_SCRIPT_ID)),
        );
    units
        .zip(volunteers.iter().cycle())
        .map(|((kind, unit_id, script_id), v)| Assignment {
            id: format!("assign-{unit_id}"),
            kind,
            unit_id: unit_id.to_string(),
            script_id: script_id.to_string(),
            volunteer_id: v.id.clone(),
            expires_at: assignment_expiry(),
            mode: Default::default(),
        })
        .collect()
}
