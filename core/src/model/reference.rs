use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Assignment, Campaign, Phone, Script, Volunteer};

/// A voter or contact. `id` is the stable voter-file id (state voter id or VAN id).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Person {
    pub id: String,
    pub household_id: String,
    pub first_name: String,
    pub last_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_year: Option<u16>,
    /// BCP 47 language tag of the person's preferred language ("en", "es").
    pub language: String,
    #[serde(default)]
    pub phones: Vec<Phone>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub party: Option<String>,
    /// Modelled or previously recorded support score 1..=5, if the voter file has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub support_score: Option<u8>,
    /// Other voter-file attributes the campaign chose to carry.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, String>,
    /// Never knock or call this person (a standing do-not-contact request).
    #[serde(default)]
    pub do_not_contact: bool,
}

impl Person {
    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }
}

/// One door: an address, possibly a unit in a building.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Household {
    pub id: String,
    pub house_number: u32,
    pub street_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    pub city: String,
    pub postal_code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub precinct: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
}

impl Household {
    /// "123 Elm St Apt 4"
    pub fn address_line(&self) -> String {
        match &self.unit {
            Some(u) => format!("{} {} #{}", self.house_number, self.street_name, u),
            None => format!("{} {}", self.house_number, self.street_name),
        }
    }
}

/// A walkable area: households in the order the canvasser walks them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Turf {
    pub id: String,
    pub name: String,
    pub household_ids: Vec<String>,
    /// Set on a turf checked out of a universe ("turf near me"): its doors
    /// came from that universe, and un-knocked ones go back to it when the
    /// check-out ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub universe: Option<String>,
}

/// A universe for distributed canvassing ("turf near me"): doors not cut
/// into turfs, from which volunteers check out the nearest un-knocked ones
/// as a turf of their own for a few days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Universe {
    pub id: String,
    pub name: String,
    pub household_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallList {
    pub id: String,
    pub name: String,
    pub person_ids: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Door,
    Phone,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Door => "door",
            Channel::Phone => "phone",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "door" => Some(Channel::Door),
            "phone" => Some(Channel::Phone),
            _ => None,
        }
    }
}

/// What a result code means for the person's derived status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResultEffect {
    /// Try again later (not home, no answer, busy, left message, inaccessible, language barrier).
    Retry,
    /// Come back / call back at the attempt's `callback_at`.
    ComeBack,
    Refused,
    Moved,
    Deceased,
    /// The number is wrong or disconnected: never dial it again for this person.
    WrongNumber,
    /// Do not knock / do not call: honoured on every list.
    DoNotContact,
    /// Literature left at the door (a lit drop): the door is done for a lit
    /// drop, still open for canvassing; never a conversation. Door results
    /// only.
    LitDrop,
    /// An organizer's rollback: the attempts it supersedes stop counting,
    /// and it counts as nothing itself. Never a campaign result code; only
    /// organizers write it (`results::review`).
    Rollback,
    /// An organizer undoing rollbacks: the rollbacks it supersedes stop
    /// acting, so what they rolled back counts again.
    UndoRollback,
}

impl ResultEffect {
    pub fn as_str(self) -> &'static str {
        match self {
            ResultEffect::Retry => "retry",
            ResultEffect::ComeBack => "come_back",
            ResultEffect::Refused => "refused",
            ResultEffect::Moved => "moved",
            ResultEffect::Deceased => "deceased",
            ResultEffect::WrongNumber => "wrong_number",
            ResultEffect::DoNotContact => "do_not_contact",
            ResultEffect::LitDrop => "lit_drop",
            ResultEffect::Rollback => "rollback",
            ResultEffect::UndoRollback => "undo_rollback",
        }
    }

    /// An organizer's review action rather than something that happened
    /// at a door or on a call.
    pub fn is_review(self) -> bool {
        matches!(self, ResultEffect::Rollback | ResultEffect::UndoRollback)
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "retry" => ResultEffect::Retry,
            "come_back" => ResultEffect::ComeBack,
            "refused" => ResultEffect::Refused,
            "moved" => ResultEffect::Moved,
            "deceased" => ResultEffect::Deceased,
            "wrong_number" => ResultEffect::WrongNumber,
            "do_not_contact" => ResultEffect::DoNotContact,
            "lit_drop" => ResultEffect::LitDrop,
            "rollback" => ResultEffect::Rollback,
            "undo_rollback" => ResultEffect::UndoRollback,
            _ => return None,
        })
    }
}

/// A contact result that produced no answers ("not home", "wrong number").
/// Whether a code is final (never retry) is campaign data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultCode {
    pub id: String,
    pub label: String,
    pub channel: Channel,
    pub effect: ResultEffect,
    #[serde(rename = "final")]
    pub is_final: bool,
}

/// Everything the server knows about a campaign's reference data. A packet
/// carries the subset one assignment needs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReferenceData {
    pub campaign: Option<Campaign>,
    #[serde(default)]
    pub households: Vec<Household>,
    #[serde(default)]
    pub people: Vec<Person>,
    #[serde(default)]
    pub turfs: Vec<Turf>,
    #[serde(default)]
    pub call_lists: Vec<CallList>,
    #[serde(default)]
    pub scripts: Vec<Script>,
    #[serde(default)]
    pub result_codes: Vec<ResultCode>,
    #[serde(default)]
    pub volunteers: Vec<Volunteer>,
    #[serde(default)]
    pub assignments: Vec<Assignment>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub universes: Vec<Universe>,
    /// Organizers' decisions on people met at doors who were not on the
    /// list (attempts with `new_person`). Never in packets.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub new_people: Vec<NewPersonDecision>,
}

/// What an organizer decided about a person proposed from a door.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewPersonDecision {
    /// The attempt that proposed the person.
    pub attempt_id: String,
    pub outcome: NewPersonOutcome,
    /// Accepted: the new person's id; merged: the listed person's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person_id: Option<String>,
    /// The organizer who decided, and when.
    pub by: String,
    pub at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NewPersonOutcome {
    /// A new person record, living at the door where they were met.
    Accepted,
    /// The same person as one already listed.
    Merged,
    Rejected,
}

impl NewPersonOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            NewPersonOutcome::Accepted => "accepted",
            NewPersonOutcome::Merged => "merged",
            NewPersonOutcome::Rejected => "rejected",
        }
    }
}
