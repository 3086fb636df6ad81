//! Records and enums crossing the FFI boundary: plain data, clear names.

use std::collections::HashMap;

use walkbook_core::model::{AssignmentKind, QuestionKind};
use walkbook_core::results::{DoorState, Status, StatusSummary};

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum UnitKind {
    Turf,
    CallList,
}

impl From<AssignmentKind> for UnitKind {
    fn from(k: AssignmentKind) -> Self {
        match k {
            AssignmentKind::Turf => UnitKind::Turf,
            AssignmentKind::CallList => UnitKind::CallList,
        }
    }
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct AssignmentView {
    pub id: String,
    pub kind: UnitKind,
    /// The turf id or call list id.
    pub unit_id: String,
    pub script_id: String,
    pub expires_at_ms: i64,
    /// A lit drop: leave literature at each door with one tap (result
    /// `lit_drop`, household-level); `next_door` goes in walk order to doors
    /// without literature.
    pub lit_drop: bool,
    /// A practice sandbox: its results stay on this phone and never count
    /// (say so on every screen).
    pub practice: bool,
}

/// A turf checked out near where the volunteer stands.
#[derive(Debug, Clone, uniffi::Record)]
pub struct TurfNearView {
    /// The new assignment, installed on this phone (open it like any turf).
    pub assignment: AssignmentView,
    /// Doors checked out (fewer than asked when the universe runs low).
    pub doors: u32,
    /// Metres from where the volunteer stood to the farthest door.
    pub farthest_m: f64,
}

/// Where a practice shift's sandbox turf comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum PracticeSource {
    /// Built on the phone from the canvass script of an installed turf.
    ThisPhone,
    /// The campaign's training packet, downloaded from the server (the only
    /// source for a phone that joined with a training invite).
    TrainingPacket,
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct JoinResult {
    pub campaign_id: String,
    pub campaign_name: String,
    pub volunteer_id: String,
    pub assignments: Vec<AssignmentView>,
    /// Joined with a training invite: only practice mode opens (start it
    /// with `PracticeSource::TrainingPacket`).
    pub training_only: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum StatusKind {
    NotAttempted,
    NotHome,
    ComeBack,
    Contacted,
    Refused,
    Moved,
    Deceased,
    WrongNumber,
    DoNotContact,
    Conflict,
}

/// A person's status, with a label so the UI never relies on colour alone.
#[derive(Debug, Clone, uniffi::Record)]
pub struct PersonStatus {
    pub kind: StatusKind,
    /// Short text for the screen, e.g. "Not home", "Come back 18:00".
    pub label: String,
    pub is_final: bool,
    pub come_back_at_ms: Option<i64>,
    pub answers: HashMap<String, String>,
    pub conflict_attempt_ids: Vec<String>,
    pub attempts: u32,
}

impl From<&StatusSummary> for PersonStatus {
    fn from(s: &StatusSummary) -> Self {
        let (kind, label) = match &s.status {
            Status::NotAttempted => (StatusKind::NotAttempted, "Not yet".to_string()),
            Status::NotHome => (StatusKind::NotHome, "Not home".into()),
            Status::ComeBack { at_ms } => (
                StatusKind::ComeBack,
                chrono::DateTime::from_timestamp_millis(*at_ms)
                    .map(|t| format!("Come back {}", t.format("%b %d %H:%M UTC")))
                    .unwrap_or_else(|| "Come back".into()),
            ),
            Status::Contacted { .. } => (StatusKind::Contacted, "Talked".into()),
            Status::Refused => (StatusKind::Refused, "Refused".into()),
            Status::Moved => (StatusKind::Moved, "Moved".into()),
            Status::Deceased => (StatusKind::Deceased, "Deceased".into()),
            Status::WrongNumber => (StatusKind::WrongNumber, "Wrong number".into()),
            Status::DoNotContact => (StatusKind::DoNotContact, "Do not contact".into()),
            Status::Conflict { .. } => (StatusKind::Conflict, "Conflicting results".into()),
        };
        PersonStatus {
            kind,
            label,
            is_final: s.status.is_final(),
            come_back_at_ms: match s.status {
                Status::ComeBack { at_ms } => Some(at_ms),
                _ => None,
            },
            answers: match &s.status {
                Status::Contacted { answers } => answers.clone().into_iter().collect(),
                _ => HashMap::new(),
            },
            conflict_attempt_ids: match &s.status {
                Status::Conflict { attempt_ids } => attempt_ids.clone(),
                _ => Vec::new(),
            },
            attempts: s.attempts,
        }
    }
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct PersonView {
    pub id: String,
    pub name: String,
    pub language: String,
    pub birth_year: Option<u16>,
    pub status: PersonStatus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum DoorStateKind {
    Open,
    DueBack,
    WaitingUntil,
    Finished,
}

impl From<DoorState> for DoorStateKind {
    fn from(s: DoorState) -> Self {
        match s {
            DoorState::Open { .. } => DoorStateKind::Open,
            DoorState::DueBack { .. } => DoorStateKind::DueBack,
            DoorState::WaitingUntil { .. } => DoorStateKind::WaitingUntil,
            DoorState::Finished => DoorStateKind::Finished,
        }
    }
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct DoorView {
    pub position: u32,
    pub household_id: String,
    /// "123 N Maple Ave #2"
    pub address: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub knocks: u32,
    pub state: DoorStateKind,
    pub people: Vec<PersonView>,
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct HouseholdView {
    pub id: String,
    pub address: String,
    pub city: String,
    pub postal_code: String,
    pub people: Vec<PersonView>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum AnswerKind {
    Choice,
    Text,
}

impl From<QuestionKind> for AnswerKind {
    fn from(k: QuestionKind) -> Self {
        match k {
            QuestionKind::Choice => AnswerKind::Choice,
            QuestionKind::Text => AnswerKind::Text,
        }
    }
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct AnswerOptionView {
    pub id: String,
    pub label: String,
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct QuestionView {
    pub id: String,
    pub prompt: String,
    pub kind: AnswerKind,
    pub options: Vec<AnswerOptionView>,
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct ScriptView {
    pub id: String,
    pub version: u32,
    pub title: String,
    pub intro: String,
    /// The language shown: the requested one when translated, else the authored one.
    pub language: String,
    pub translated: bool,
    pub questions: Vec<QuestionView>,
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct ResultCodeView {
    pub id: String,
    pub label: String,
    pub is_final: bool,
    /// The result needs a time to come back / call back.
    pub needs_time: bool,
}

/// What a volunteer records. Either `result` or `answers`.
#[derive(Debug, Clone, Default, uniffi::Record)]
pub struct AttemptInput {
    pub person_id: Option<String>,
    /// For a door result about the whole household ("nobody home").
    pub household_id: Option<String>,
    pub result: Option<String>,
    pub answers: HashMap<String, String>,
    pub notes: String,
    pub callback_at_ms: Option<i64>,
    pub duration_s: Option<u32>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub accuracy_m: Option<f64>,
    /// A UUID the screen made when it opened: recording the same id twice
    /// (a double tap, a retry) records once and returns the first save.
    #[uniffi(default = None)]
    pub attempt_id: Option<String>,
    /// Someone met at this door who is not on the list: set `household_id`,
    /// leave `person_id` empty; the answers are theirs. Syncs as a proposal
    /// the organizer accepts, merges or rejects.
    #[uniffi(default = None)]
    pub new_person: Option<NewPersonInput>,
}

/// A person not on the list, as the canvasser types them.
#[derive(Debug, Clone, uniffi::Record)]
pub struct NewPersonInput {
    pub first_name: String,
    pub last_name: String,
    pub birth_year: Option<u16>,
    /// A language tag: "en", "es".
    pub language: String,
    pub reason: NewPersonReason,
}

/// Why they are not on the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum NewPersonReason {
    MovedIn,
    AnotherResident,
    WalkUp,
}

/// An attempt as saved: durable on the phone when this is returned.
#[derive(Debug, Clone, uniffi::Record)]
pub struct SavedAttempt {
    pub id: String,
    pub person_id: Option<String>,
    pub household_id: String,
    pub result: Option<String>,
    pub answers: HashMap<String, String>,
    pub at_ms: i64,
    pub supersedes: Vec<String>,
    pub script_version: u32,
}

/// One contact of a call queue. No phone number: that comes only at dial
/// time from `number_to_dial`.
#[derive(Debug, Clone, uniffi::Record)]
pub struct CallView {
    pub position: u32,
    pub person: PersonView,
    pub time_zone: String,
}

#[derive(Debug, Clone, uniffi::Enum)]
pub enum NextCallView {
    Dial {
        person_id: String,
        closes_at_ms: i64,
    },
    WaitUntil {
        at_ms: i64,
    },
    Done,
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct ClaimView {
    pub claim_id: String,
    pub list_id: String,
    pub person_ids: Vec<String>,
    pub expires_at_ms: i64,
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct TurfProgress {
    pub doors_total: u32,
    pub doors_knocked: u32,
    pub doors_finished: u32,
    pub people_total: u32,
    pub contacts: u32,
    pub conflicts: u32,
}

/// What the sync badge shows, pushed to the listener during a sync.
#[derive(Debug, Clone, uniffi::Record)]
pub struct SyncState {
    pub running: bool,
    pub round: u32,
    pub documents: u32,
    pub bytes_sent: u64,
    pub bytes_received: u64,
    /// Results on this phone the server has not confirmed yet.
    pub pending_upload: u64,
    pub last_error: Option<String>,
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct SyncSummaryView {
    pub rounds: u32,
    pub documents: u32,
    pub bytes_sent: u64,
    pub bytes_received: u64,
    pub changes_received: u64,
    pub pending_upload: u64,
    /// Results the server did not accept in this sync, now in `refused_attempts`.
    pub refused: u32,
    /// Assignments that expired or were taken away: their data left the phone.
    pub assignments_retired: u32,
}

/// A join link read by `read_join_link`.
#[derive(Debug, Clone, uniffi::Record)]
pub struct JoinLinkView {
    pub server_url: String,
    pub invite_code: String,
}

/// What the expiry timer did (`Walkbook::expire_assignments`).
#[derive(Debug, Clone, uniffi::Record)]
pub struct ExpiryView {
    /// Assignments whose data was deleted from the phone.
    pub assignments_retired: Vec<String>,
    /// Results kept because the server does not have them yet; they upload
    /// at the next sync and are deleted then ("waiting to upload").
    pub waiting_to_upload: u64,
}

/// A result the server did not accept, kept on the phone and shown as
/// "not accepted" with the reason.
#[derive(Debug, Clone, uniffi::Record)]
pub struct RefusedAttemptView {
    pub unit_id: String,
    pub attempt_id: String,
    pub person_id: Option<String>,
    pub household_id: Option<String>,
    pub result: Option<String>,
    /// The rule it broke, e.g. `author`, `person_on_unit`.
    pub rule: String,
    /// What was wrong, in words.
    pub reason: String,
    pub refused_at_ms: i64,
}
