//! "Next door" and "next call": pure choices over the walk list or call
//! queue with their derived status.

use super::Status;
use crate::store::{CallQueueRow, WalkListDoor};

/// Where a door stands for the canvasser right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DoorState {
    /// Still to do; `knocks` is how often it was knocked already.
    Open { knocks: u32 },
    /// Someone asked us to come back at this time, and it has come.
    DueBack { at_ms: i64 },
    /// Someone asked us to come back later; skip until then.
    WaitingUntil { at_ms: i64 },
    /// Everyone here is done (contacted, refused, moved, do not knock...).
    Finished,
}

/// The state of one door at `now_ms`.
pub fn door_state(door: &WalkListDoor, now_ms: i64) -> DoorState {
    let household = &door.household_status.household.status;
    if household.is_final() {
        return DoorState::Finished;
    }
    let mut open: Vec<&Status> = door
        .people
        .iter()
        .map(|p| &p.status.status)
        .filter(|s| !s.is_final())
        .collect();
    if door.people.is_empty() {
        open.push(household);
    } else if open.is_empty() {
        return DoorState::Finished;
    }
    if let Status::ComeBack { at_ms } = household
        && *at_ms <= now_ms
    {
        return DoorState::DueBack { at_ms: *at_ms };
    }
    let due = open.iter().filter_map(|s| match s {
        Status::ComeBack { at_ms } if *at_ms <= now_ms => Some(*at_ms),
        _ => None,
    });
    if let Some(at_ms) = due.min() {
        return DoorState::DueBack { at_ms };
    }
    let later: Vec<i64> = open
        .iter()
        .filter_map(|s| match s {
            Status::ComeBack { at_ms } => Some(*at_ms),
            _ => None,
        })
        .collect();
    if later.len() == open.len() {
        return DoorState::WaitingUntil {
            at_ms: later.into_iter().min().expect("open is not empty"),
        };
    }
    DoorState::Open {
        knocks: door.household_status.door_attempts,
    }
}

/// Index of the door to knock next: a due come-back first, then doors never
/// knocked in walk order, then doors to retry (fewest knocks first, in walk
/// order). `None` when every door is finished or waiting for its time.
pub fn pick_next_door(doors: &[WalkListDoor], now_ms: i64) -> Option<usize> {
    doors
        .iter()
        .enumerate()
        .filter_map(|(i, d)| match door_state(d, now_ms) {
            DoorState::DueBack { at_ms } => Some(((0, at_ms, 0), i)),
            DoorState::Open { knocks: 0 } => Some(((1, 0, 0), i)),
            DoorState::Open { knocks } => Some(((2, 0, knocks), i)),
            DoorState::WaitingUntil { .. } | DoorState::Finished => None,
        })
        .min()
        .map(|(_, i)| i)
}

/// Index of the person to call next: a due call-back first (earliest first),
/// then people never called in list order, then people to retry with the
/// fewest attempts. Finished people and call-backs not yet due are skipped.
pub fn pick_next_call(rows: &[CallQueueRow], now_ms: i64) -> Option<usize> {
    rows.iter()
        .enumerate()
        .filter_map(|(i, r)| match &r.status.status {
            s if s.is_final() => None,
            Status::ComeBack { at_ms } if *at_ms > now_ms => None,
            Status::ComeBack { at_ms } => Some(((0, *at_ms, 0), i)),
            Status::NotAttempted => Some(((1, 0, 0), i)),
            _ => Some(((2, 0, r.status.attempts), i)),
        })
        .min()
        .map(|(_, i)| i)
}
