//! Results: door-knock and call attempts recorded as automerge documents,
//! one per turf or call list, stored durably on the device with index
//! tables for the questions a canvasser asks ("next door", "who is left").

mod admit;
mod attempt;
mod document;
mod next;
mod persist;
mod record;
mod refused;
pub mod review;
pub mod rules;
mod status;

pub use admit::{Admission, ChangeShape, Refusal, admit_changes, check_change_shape};
#[cfg(feature = "organizer")]
pub use admit::{Reviewed, admit_reviewed};
pub use attempt::{Attempt, NewAttempt, NewPerson, NewPersonReason};
pub use document::{
    DocumentError, RESULTS_SCHEMA, genesis_changes, index_body, init_document, pack_attempt,
    read_attempts, read_attempts_by_id, read_index_body, split_changes, unpack_attempt,
};
pub use next::{
    DoorState, NextCall, door_state, door_state_in, door_state_of, lit_drop_state, next_call,
    pick_by_state, pick_next_call, pick_next_door,
};
pub use persist::{COMPACT_AFTER_CHUNKS, MergeOutcome, heads_json};
pub use refused::RefusedAttempt;
pub use status::{
    HouseholdSummary, Status, StatusSummary, UnitStatus, derive_household, derive_status,
    derive_unit_status, person_at_door,
};
