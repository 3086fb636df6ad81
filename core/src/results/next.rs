//! "Next door" and "next call": pure choices over the walk list or call
//! queue with their derived status.

use super::{HouseholdSummary, Status};
use crate::model::TurfMode;
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

/// The state of one door at `now_ms`, for the way its turf is worked.
pub fn door_state(door: &WalkListDoor, now_ms: i64) -> DoorState {
    let people: Vec<Status> = door
        .people
        .iter()
        .map(|p| p.status.status.clone())
        .collect();
    door_state_in(door.mode, &door.household_status, &people, now_ms)
}

/// [`door_state_of`] for a canvass, [`lit_drop_state`] for a lit drop.
pub fn door_state_in(
    mode: TurfMode,
    household: &HouseholdSummary,
    people: &[Status],
    now_ms: i64,
) -> DoorState {
    match mode {
        TurfMode::Canvass => door_state_of(household, people, now_ms),
        TurfMode::LitDrop => lit_drop_state(household, people),
    }
}

/// A door on a lit drop: finished once literature was left there (or no
/// one there may be contacted); otherwise open, so doors go in walk order.
pub fn lit_drop_state(household: &HouseholdSummary, people: &[Status]) -> DoorState {
    let no_contact = household.household.status == Status::DoNotContact
        || (!people.is_empty() && people.iter().all(|s| *s == Status::DoNotContact));
    if household.lit_drops > 0 || no_contact {
        DoorState::Finished
    } else {
        DoorState::Open { knocks: 0 }
    }
}

/// [`door_state`] from the household's summary and the status of each
/// person living there (at the door, campaign-wide finals included).
pub fn door_state_of(household: &HouseholdSummary, people: &[Status], now_ms: i64) -> DoorState {
    let knocks = household.door_attempts;
    let household = &household.household.status;
    if household.is_final() {
        return DoorState::Finished;
    }
    let mut open: Vec<&Status> = people.iter().filter(|s| !s.is_final()).collect();
    if people.is_empty() {
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
    DoorState::Open { knocks }
}

/// Index of the door to knock next: a due come-back first, then doors never
/// knocked in walk order, then doors to retry (fewest knocks first, in walk
/// order). `None` when every door is finished or waiting for its time.
pub fn pick_next_door(doors: &[WalkListDoor], now_ms: i64) -> Option<usize> {
    pick_by_state(doors.iter().map(|d| door_state(d, now_ms)))
}

/// [`pick_next_door`] over the doors' states, in walk order.
pub fn pick_by_state(states: impl Iterator<Item = DoorState>) -> Option<usize> {
    states
        .enumerate()
        .filter_map(|(i, state)| match state {
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

/// What the phone banker should do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextCall {
    /// Call the contact at this index of the queue; their window closes then.
    Dial {
        index: usize,
        closes_at: chrono::DateTime<chrono::Utc>,
    },
    /// Nobody can be called right now; the earliest next possibility.
    WaitUntil { at: chrono::DateTime<chrono::Utc> },
    /// Everyone on the queue is finished.
    Done,
}

/// The next call at `now`: the first contact in "next call" order whose
/// own calling hours are open and whose claim has not run out; otherwise the
/// earliest time someone becomes callable (a window opening or a call-back
/// coming due).
pub fn next_call(
    rows: &[CallQueueRow],
    now: chrono::DateTime<chrono::Utc>,
    hours: crate::model::CallingHours,
) -> NextCall {
    use crate::calls::{CallWindow, call_window};
    let now_ms = now.timestamp_millis();
    let mut ordered: Vec<((u8, i64, u32), usize)> = Vec::new();
    let mut later: Option<chrono::DateTime<chrono::Utc>> = None;
    let mut sooner = |t: chrono::DateTime<chrono::Utc>| {
        later = Some(later.map_or(t, |l: chrono::DateTime<chrono::Utc>| l.min(t)))
    };
    for (i, r) in rows.iter().enumerate() {
        if r.claim_expires_at_ms.is_some_and(|t| t <= now_ms) {
            continue;
        }
        match &r.status.status {
            s if s.is_final() => {}
            Status::ComeBack { at_ms } if *at_ms > now_ms => {
                if let Some(t) = chrono::DateTime::from_timestamp_millis(*at_ms) {
                    // Due then, but only once their window is open too.
                    sooner(match call_window(t, r.time_zone, hours) {
                        CallWindow::Open { .. } => t,
                        CallWindow::Closed { opens_at } => opens_at,
                    });
                }
            }
            Status::ComeBack { at_ms } => ordered.push(((0, *at_ms, 0), i)),
            Status::NotAttempted => ordered.push(((1, 0, 0), i)),
            _ => ordered.push(((2, 0, r.status.attempts), i)),
        }
    }
    ordered.sort();
    for (_, i) in &ordered {
        match call_window(now, rows[*i].time_zone, hours) {
            CallWindow::Open { closes_at } => {
                return NextCall::Dial {
                    index: *i,
                    closes_at,
                };
            }
            CallWindow::Closed { opens_at } => sooner(opens_at),
        }
    }
    match later {
        Some(at) => NextCall::WaitUntil { at },
        None => NextCall::Done,
    }
}
