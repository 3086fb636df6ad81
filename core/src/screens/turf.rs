//! The turf screen's decisions, once, for every shell: the doors in walk
//! order, each with the status of what is left to do there (text and an
//! icon name, never colour alone), progress in words, the door the "Next
//! door" button opens, and the points for the map.

use chrono::TimeZone;
use chrono_tz::Tz;

use crate::results::{DoorState, Status, door_state};
use crate::store::{DeviceStore, StoreError, WalkListDoor};

/// How a status shows: words, an icon name and a tone (`neutral`, `retry`,
/// `done`, `stop`, `problem`) the shell maps to its colours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusStyle {
    pub label: String,
    pub icon: &'static str,
    pub tone: &'static str,
}

/// A status in words, with come-back times in the campaign's zone.
pub fn status_style(status: &Status, tz: Tz) -> StatusStyle {
    let style = |label: &str, icon, tone| StatusStyle {
        label: label.to_string(),
        icon,
        tone,
    };
    match status {
        Status::NotAttempted => style("Not yet", "circle", "neutral"),
        Status::NotHome => style("Not home", "door", "retry"),
        Status::WrongNumber => style("Wrong number", "door", "retry"),
        Status::ComeBack { at_ms } => {
            let label = chrono::DateTime::from_timestamp_millis(*at_ms)
                .map(|t| {
                    format!(
                        "Come back {}",
                        tz.from_utc_datetime(&t.naive_utc()).format("%a %H:%M")
                    )
                })
                .unwrap_or_else(|| "Come back".into());
            style(&label, "clock", "retry")
        }
        Status::Contacted { .. } => style("Talked", "check", "done"),
        Status::Refused => style("Refused", "cross", "done"),
        Status::Moved => style("Moved", "cross", "done"),
        Status::Deceased => style("Deceased", "cross", "done"),
        Status::DoNotContact => style("Do not contact", "block", "stop"),
        Status::Conflict { .. } => style("Conflicting results", "warning", "problem"),
    }
}

/// One row of the walk list.
#[derive(Debug, Clone, PartialEq)]
pub struct TurfDoor {
    pub household_id: String,
    pub address: String,
    /// The least-finished person's status: what is left to do here.
    pub style: StatusStyle,
    pub people: u32,
    pub knocks: u32,
    pub finished: bool,
    /// Someone asked us to come back later; the door waits until then.
    pub waiting: bool,
    /// For TalkBack and VoiceOver: address, status and people in words.
    pub description: String,
}

/// Everything the turf screen shows.
#[derive(Debug, Clone, PartialEq)]
pub struct TurfView {
    pub doors: Vec<TurfDoor>,
    /// "3 of 7 doors knocked · 2 conversations".
    pub progress: String,
    /// The door "Next door" opens; none when the turf is done for now.
    pub next_door: Option<String>,
    /// (household id, lat, lon) for the map.
    pub map_points: Vec<(String, f64, f64)>,
    pub doors_without_coordinates: u32,
}

fn row(d: &WalkListDoor, now_ms: i64, tz: Tz) -> TurfDoor {
    let person = d
        .people
        .iter()
        .find(|p| !p.status.status.is_final())
        .or_else(|| d.people.first());
    let style = match person {
        Some(p) => status_style(&p.status.status, tz),
        None => StatusStyle {
            label: "No one listed".into(),
            icon: "circle",
            tone: "neutral",
        },
    };
    let state = door_state(d, now_ms);
    let people = d.people.len() as u32;
    let address = d.household.address_line();
    TurfDoor {
        description: format!(
            "{address}: {}, {people} {}",
            style.label,
            if people == 1 { "person" } else { "people" }
        ),
        household_id: d.household.id.clone(),
        address,
        style,
        people,
        knocks: d.household_status.door_attempts,
        finished: state == DoorState::Finished,
        waiting: matches!(state, DoorState::WaitingUntil { .. }),
    }
}

/// The turf screen for `turf_id` at `now_ms`.
pub fn turf_view(store: &DeviceStore, turf_id: &str, now_ms: i64) -> Result<TurfView, StoreError> {
    let tz: Tz = store
        .campaign()?
        .and_then(|c| c.time_zone.parse().ok())
        .unwrap_or(chrono_tz::UTC);
    let doors = store.walk_list(turf_id)?;
    let next_door = store.next_door(turf_id, now_ms)?.map(|d| d.household.id);
    let knocked = doors
        .iter()
        .filter(|d| d.household_status.door_attempts > 0)
        .count();
    let talks = doors
        .iter()
        .flat_map(|d| &d.people)
        .filter(|p| matches!(p.status.status, Status::Contacted { .. }))
        .count();
    let map_points: Vec<(String, f64, f64)> = doors
        .iter()
        .filter_map(|d| Some((d.household.id.clone(), d.household.lat?, d.household.lon?)))
        .collect();
    Ok(TurfView {
        progress: format!(
            "{knocked} of {} doors knocked · {talks} {}",
            doors.len(),
            if talks == 1 {
                "conversation"
            } else {
                "conversations"
            }
        ),
        doors_without_coordinates: (doors.len() - map_points.len()) as u32,
        doors: doors.iter().map(|d| row(d, now_ms, tz)).collect(),
        next_door,
        map_points,
    })
}
