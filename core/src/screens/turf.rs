//! The turf screen's decisions, once, for every shell: the doors in walk
//! order, each with the status of what is left to do there (text and an
//! icon name, never colour alone), progress in words, the door the "Next
//! door" button opens, and the points for the map.

use chrono_tz::Tz;

use crate::results::{DoorState, Status, door_state};
use crate::store::{DeviceStore, StoreError, WalkListDoor};

use super::words::Ui;

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
    status_style_in(status, tz, Ui::En)
}

/// [`status_style`] worded in `ui`.
pub fn status_style_in(status: &Status, tz: Tz, ui: Ui) -> StatusStyle {
    let (icon, tone) = match status {
        Status::NotAttempted => ("circle", "neutral"),
        Status::NotHome | Status::WrongNumber => ("door", "retry"),
        Status::ComeBack { .. } => ("clock", "retry"),
        Status::Contacted { .. } => ("check", "done"),
        Status::Refused | Status::Moved | Status::Deceased => ("cross", "done"),
        Status::DoNotContact => ("block", "stop"),
        Status::Conflict { .. } => ("warning", "problem"),
    };
    StatusStyle {
        label: ui.status(status, tz),
        icon,
        tone,
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

fn row(d: &WalkListDoor, now_ms: i64, tz: Tz, ui: Ui) -> TurfDoor {
    let person = d
        .people
        .iter()
        .find(|p| !p.status.status.is_final())
        .or_else(|| d.people.first());
    let style = match person {
        Some(p) => status_style_in(&p.status.status, tz, ui),
        None => StatusStyle {
            label: ui.no_one_listed(),
            icon: "circle",
            tone: "neutral",
        },
    };
    let state = door_state(d, now_ms);
    let people = d.people.len() as u32;
    let address = d.household.address_line();
    TurfDoor {
        description: ui.door_description(&address, &style.label, people),
        household_id: d.household.id.clone(),
        address,
        style,
        people,
        knocks: d.household_status.door_attempts,
        finished: state == DoorState::Finished,
        waiting: matches!(state, DoorState::WaitingUntil { .. }),
    }
}

/// The turf screen for `turf_id` at `now_ms`, in English.
pub fn turf_view(store: &DeviceStore, turf_id: &str, now_ms: i64) -> Result<TurfView, StoreError> {
    turf_view_in(store, turf_id, now_ms, Ui::En)
}

/// The turf screen worded in `ui`.
pub fn turf_view_in(
    store: &DeviceStore,
    turf_id: &str,
    now_ms: i64,
    ui: Ui,
) -> Result<TurfView, StoreError> {
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
        progress: ui.progress(knocked, doors.len(), talks),
        doors_without_coordinates: (doors.len() - map_points.len()) as u32,
        doors: doors.iter().map(|d| row(d, now_ms, tz, ui)).collect(),
        next_door,
        map_points,
    })
}
