use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::{Channel, ResultEffect};

/// One contact attempt at a door or on the phone, as stored in the unit's
/// results document. Written once, never edited: a correction is a new
/// attempt that lists the attempts it supersedes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attempt {
    /// A v4 UUID, unique across devices.
    pub id: String,
    /// `None` for a household-level result at the door ("nobody home").
    pub person_id: Option<String>,
    pub household_id: String,
    pub channel: Channel,
    /// Result code id for an attempt that produced no answers.
    pub result: Option<String>,
    /// What the result code meant when recorded. Stored so derived status is
    /// a function of the document alone, even if the campaign later edits codes.
    pub effect: Option<ResultEffect>,
    /// Survey answers to choice questions: question id -> option id.
    pub responses: BTreeMap<String, String>,
    /// Answers to free-text questions: question id -> text. Kept apart from
    /// `responses` so two differently worded notes are never a conflict.
    pub text_answers: BTreeMap<String, String>,
    pub notes: String,
    /// Epoch milliseconds: come back / call back at this time.
    pub callback_at_ms: Option<i64>,
    /// Attempts this one corrects.
    pub supersedes: Vec<String>,
    /// Epoch milliseconds when the attempt was recorded.
    pub at_ms: i64,
    pub duration_s: Option<u32>,
    /// For calls: which of the person's numbers was dialled, as a campaign-
    /// salted hash (`calls::phone_ref`), never the number itself. Lets a
    /// wrong number be skipped on every list without storing numbers in results.
    #[serde(default)]
    pub phone_ref: Option<String>,
    pub volunteer_id: String,
    pub device_id: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub accuracy_m: Option<f64>,
    pub script_id: String,
    pub script_version: u32,
    /// Someone met at this door who is not on the list: a proposal for the
    /// organizer (accept as a new person, merge into a listed one, or
    /// reject). Such an attempt has no `person_id`; its answers are that
    /// person's. Packed attempts only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_person: Option<NewPerson>,
}

/// A person met at a door who is not on the list. Only what an organizer
/// needs to decide and the voter file needs as a new record: no phone
/// number or email (results documents never carry contact details).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewPerson {
    pub first_name: String,
    pub last_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_year: Option<u16>,
    /// BCP 47 language tag ("en", "es").
    pub language: String,
    pub reason: NewPersonReason,
}

/// Why someone not on the list was recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NewPersonReason {
    /// Moved in since the voter file was cut.
    MovedIn,
    /// Lives here, was never on the list.
    AnotherResident,
    /// A supporter who came up to the canvasser.
    WalkUp,
}

impl NewPersonReason {
    pub fn as_str(self) -> &'static str {
        match self {
            NewPersonReason::MovedIn => "moved_in",
            NewPersonReason::AnotherResident => "another_resident",
            NewPersonReason::WalkUp => "walk_up",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "moved_in" => Some(NewPersonReason::MovedIn),
            "another_resident" => Some(NewPersonReason::AnotherResident),
            "walk_up" => Some(NewPersonReason::WalkUp),
            _ => None,
        }
    }
}

/// What a volunteer submits; the store fills in id, device, effect and time.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewAttempt {
    /// A client-made id (a UUID made when the screen opened): recording the
    /// same id again returns the attempt already recorded and writes nothing,
    /// so a double tap or a retried call never records twice. `None`: the
    /// store makes one.
    pub id: Option<String>,
    pub person_id: Option<String>,
    pub household_id: Option<String>,
    pub result: Option<String>,
    /// Answers keyed by question id: an option id for choice questions, the
    /// text for free-text questions.
    pub answers: BTreeMap<String, String>,
    pub notes: String,
    pub callback_at_ms: Option<i64>,
    pub supersedes: Vec<String>,
    /// Defaults to now.
    pub at_ms: Option<i64>,
    pub duration_s: Option<u32>,
    pub volunteer_id: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub accuracy_m: Option<f64>,
    /// Defaults to the newest installed version of the assignment's script.
    pub script_version: Option<u32>,
    /// Someone not on the list (set `household_id`, no `person_id`); the
    /// answers are theirs.
    pub new_person: Option<NewPerson>,
}
