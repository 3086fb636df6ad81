//! Results: door-knock and call attempts recorded as automerge documents,
//! one per turf or call list, stored durably on the device with index
//! tables for the questions a canvasser asks ("next door", "who is left").

mod attempt;
mod document;
mod next;
mod persist;
mod record;
mod status;

pub use attempt::{Attempt, NewAttempt};
pub use document::{DocumentError, RESULTS_SCHEMA, read_attempts, split_changes};
pub use next::{DoorState, NextCall, door_state, next_call, pick_next_call, pick_next_door};
pub use persist::{COMPACT_AFTER_CHUNKS, MergeOutcome};
pub use status::{
    HouseholdSummary, Status, StatusSummary, UnitStatus, derive_household, derive_status,
    derive_unit_status, person_at_door,
};
