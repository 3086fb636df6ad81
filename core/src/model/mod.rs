//! The domain model: reference data authored on the server and read-only on
//! the phone (campaign, people, households, turfs, call lists, scripts, result
//! codes, assignments). Results live in `crate::results`.

mod campaign;
mod phone;
mod reference;
mod script;

pub use campaign::{
    Assignment, AssignmentKind, CallingHours, Campaign, PacketFields, PersonField, TurfMode,
    Volunteer, check_campaign_id,
};
pub use phone::{Phone, PhoneKind, PhoneNumberError, normalize_phone};
pub use reference::{
    CallList, Channel, Household, NewPersonDecision, NewPersonOutcome, Person, ReferenceData,
    ResultCode, ResultEffect, Turf, Universe,
};
pub use script::{
    AnswerOption, Branch, Question, QuestionKind, QuestionTranslation, Script, ScriptKind,
    ScriptTranslation,
};

mod validate;
pub use validate::{ReferenceError, check_household, check_person, validate_reference_data};
