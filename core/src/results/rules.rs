//! The rules every attempt must follow, in one place: `record_attempt` on
//! the phone checks them before writing, and the server checks them again
//! for every attempt a device sends, because a device may run an old build,
//! a bug, or be in hostile hands. Pure: the reference data and the
//! document's existing attempts come in through [`UnitReference`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Attempt;
use crate::model::{Channel, QuestionKind, ResultEffect, Script};

pub const MAX_NOTES: usize = 4000;
pub const MAX_TEXT_ANSWER: usize = 2000;
/// Calls longer than this are a broken clock or a typo, not a conversation.
pub const MAX_CALL_SECONDS: u32 = 6 * 3600;
/// How far ahead of the checking clock an attempt's time may be: phones'
/// clocks drift and time zones get misconfigured, a day covers both.
pub const CLOCK_SKEW_MS: i64 = 24 * 3600 * 1000;
/// No attempt is older than this (2020-01-01T00:00:00Z): an earlier time
/// is a phone whose clock was reset, not a result.
pub const EARLIEST_AT_MS: i64 = 1_577_836_800_000;
/// Longest id (attempt, phone ref) accepted.
pub const MAX_ID_LEN: usize = 64;

/// Why an attempt was refused, naming the attempt, the field and the rule,
/// in words a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("attempt {attempt_id}: {field}: {message} (rule {rule})")]
pub struct RuleViolation {
    pub attempt_id: String,
    pub field: String,
    /// A stable rule name, e.g. `person_on_unit`, `author`, `append_only`.
    pub rule: String,
    pub message: String,
}

impl RuleViolation {
    pub fn new(
        attempt_id: &str,
        field: &str,
        rule: &str,
        message: impl Into<String>,
    ) -> RuleViolation {
        RuleViolation {
            attempt_id: attempt_id.to_string(),
            field: field.to_string(),
            rule: rule.to_string(),
            message: message.into(),
        }
    }
}

/// Who is recording: the authenticated device (on the server) or this
/// device itself (on the phone).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Author {
    pub volunteer_id: String,
    pub device_id: String,
    /// Organizers settle conflicts: they may supersede anyone's attempts.
    pub organizer: bool,
}

/// An attempt already in the document, as far as corrections care.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExistingAttempt {
    pub person_id: Option<String>,
    pub household_id: String,
    pub volunteer_id: String,
    /// Its effect: review actions may only be superseded by review actions.
    pub effect: Option<ResultEffect>,
}

/// What the rules need to know about a unit (one turf or call list) and
/// its campaign. Implemented over the installed packet on the phone and
/// over the campaign's reference data on the server.
pub trait UnitReference {
    /// Door for a turf, phone for a call list.
    fn channel(&self) -> Channel;
    /// The unit's name for messages, e.g. `turf t-12`.
    fn unit_label(&self) -> String;
    /// The household of a person who is on this unit.
    fn household_of(&self, person_id: &str) -> Option<String>;
    /// Whether a household is on this unit (door results without a person).
    fn has_household(&self, household_id: &str) -> bool;
    /// The campaign's effect of a result code of this unit's channel.
    fn result_effect(&self, code: &str) -> Option<ResultEffect>;
    /// A script by id and version.
    fn script(&self, id: &str, version: u32) -> Option<&Script>;
    /// An attempt already in this unit's document.
    fn existing_attempt(&self, id: &str) -> Option<ExistingAttempt>;
}

/// Checks one attempt against every rule. `now_ms` is the checking clock.
pub fn check_attempt(
    a: &Attempt,
    unit: &dyn UnitReference,
    author: &Author,
    now_ms: i64,
) -> Result<(), RuleViolation> {
    let fail = |field: &str, rule: &str, message: String| {
        Err(RuleViolation::new(&a.id, field, rule, message))
    };
    if a.id.is_empty()
        || a.id.len() > MAX_ID_LEN
        || !a.id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return fail(
            "id",
            "attempt_id",
            "an attempt id is a UUID (letters, digits and dashes, at most 64)".into(),
        );
    }

    // Authorship: results carry the ids of the device that sent them.
    if a.volunteer_id != author.volunteer_id {
        return fail(
            "volunteer_id",
            "author",
            format!(
                "names volunteer {:?}, but this device belongs to {:?}; a device records only its own volunteer's results",
                a.volunteer_id, author.volunteer_id
            ),
        );
    }
    if a.device_id != author.device_id {
        return fail(
            "device_id",
            "author",
            format!(
                "names device {:?}, but was sent by device {:?}",
                a.device_id, author.device_id
            ),
        );
    }

    if a.channel != unit.channel() {
        return fail(
            "channel",
            "channel_of_unit",
            format!(
                "is a {} result, but {} takes {} results",
                a.channel.as_str(),
                unit.unit_label(),
                unit.channel().as_str()
            ),
        );
    }

    // Someone not on the list: who they are is checked here; their answers
    // with everyone's below.
    if let Some(np) = &a.new_person {
        if a.channel != Channel::Door {
            return fail(
                "new_person",
                "new_person_at_door",
                "people not on the list are met at doors; record them on a turf".into(),
            );
        }
        if a.person_id.is_some() {
            return fail(
                "person_id",
                "new_person_not_listed",
                "a new person is not on the list yet: leave person_id empty".into(),
            );
        }
        if a.result.is_some() || a.effect.is_some() {
            return fail(
                "result",
                "new_person_answers",
                "a new person is recorded with their answers (or none), not a result code".into(),
            );
        }
        if let Err(problem) = check_new_person(np, now_ms) {
            return fail("new_person", "new_person_fields", problem);
        }
    }

    // Who: the person (or, at a door, the household) is on this unit.
    match &a.person_id {
        Some(p) => match unit.household_of(p) {
            None => {
                return fail(
                    "person_id",
                    "person_on_unit",
                    format!("person {p} is not on {}", unit.unit_label()),
                );
            }
            Some(home) if home != a.household_id => {
                return fail(
                    "household_id",
                    "person_in_household",
                    format!(
                        "person {p} lives in household {home}, not {}",
                        a.household_id
                    ),
                );
            }
            Some(_) => {}
        },
        None => {
            if a.channel == Channel::Phone {
                return fail(
                    "person_id",
                    "person_required",
                    "a call result needs the person who was called".into(),
                );
            }
            if !unit.has_household(&a.household_id) {
                return fail(
                    "household_id",
                    "household_on_unit",
                    format!(
                        "household {} is not on {}",
                        a.household_id,
                        unit.unit_label()
                    ),
                );
            }
            if a.new_person.is_none() && (!a.responses.is_empty() || !a.text_answers.is_empty()) {
                return fail(
                    "responses",
                    "answers_need_person",
                    "answers belong to a person; choose who answered".into(),
                );
            }
        }
    }

    // What: a result code of this channel with its campaign effect, or answers.
    let answered = !a.responses.is_empty() || !a.text_answers.is_empty();
    match (&a.result, answered) {
        (None, false) if a.new_person.is_some() => {}
        (None, false) => {
            return fail(
                "result",
                "result_or_answers",
                "an attempt needs a result code (such as not home) or at least one answer".into(),
            );
        }
        (Some(_), true) => {
            return fail(
                "result",
                "result_or_answers",
                "an attempt has either a result code or answers, not both".into(),
            );
        }
        (Some(code), false) => {
            let review = ResultEffect::parse(code).filter(|e| e.is_review());
            if review.is_some() && !author.organizer {
                return fail(
                    "result",
                    "review_by_organizer",
                    format!(
                        "only an organizer may record {code:?}; volunteers correct their own results instead"
                    ),
                );
            }
            let Some(effect) = review.or_else(|| unit.result_effect(code)) else {
                return fail(
                    "result",
                    "result_code",
                    format!(
                        "result code {code:?} is not a {} result of this campaign",
                        a.channel.as_str()
                    ),
                );
            };
            if a.effect != Some(effect) {
                return fail(
                    "effect",
                    "result_effect",
                    format!(
                        "result {code:?} means {:?} in this campaign, the attempt says {:?}",
                        effect.as_str(),
                        a.effect.map(|e| e.as_str()).unwrap_or("nothing")
                    ),
                );
            }
            if effect == ResultEffect::ComeBack && a.callback_at_ms.is_none() {
                return fail(
                    "callback_at_ms",
                    "come_back_time",
                    format!("result {code:?} needs the time to come back"),
                );
            }
        }
        (None, true) => {
            if a.effect.is_some() {
                return fail(
                    "effect",
                    "result_effect",
                    "an effect belongs to a result code, and this attempt has none".into(),
                );
            }
        }
    }

    let Some(script) = unit.script(&a.script_id, a.script_version) else {
        return fail(
            "script_id",
            "script_exists",
            format!(
                "script {} v{} does not exist in this campaign",
                a.script_id, a.script_version
            ),
        );
    };
    for (qid, answer) in &a.responses {
        match script.question(qid) {
            Some(q) if q.kind == QuestionKind::Choice => {
                if !q.options.iter().any(|o| &o.id == answer) {
                    let options: Vec<&str> = q.options.iter().map(|o| o.id.as_str()).collect();
                    return fail(
                        "responses",
                        "answer_option",
                        format!(
                            "{answer:?} is not an answer to question {qid}; the options are {}",
                            options.join(", ")
                        ),
                    );
                }
            }
            _ => {
                return fail(
                    "responses",
                    "question_exists",
                    format!(
                        "{qid:?} is not a choice question of script {} v{}",
                        script.id, script.version
                    ),
                );
            }
        }
    }
    for (qid, text) in &a.text_answers {
        match script.question(qid) {
            Some(q) if q.kind == QuestionKind::Text => {
                if text.trim().is_empty() {
                    return fail(
                        "text_answers",
                        "text_answer",
                        format!("the answer to {qid} is empty"),
                    );
                }
                if text.chars().count() > MAX_TEXT_ANSWER {
                    return fail(
                        "text_answers",
                        "text_answer",
                        format!("the answer to {qid} is longer than {MAX_TEXT_ANSWER} characters"),
                    );
                }
            }
            _ => {
                return fail(
                    "text_answers",
                    "question_exists",
                    format!(
                        "{qid:?} is not a text question of script {} v{}",
                        script.id, script.version
                    ),
                );
            }
        }
    }

    if a.notes.chars().count() > MAX_NOTES {
        return fail(
            "notes",
            "notes_length",
            format!("notes are longer than {MAX_NOTES} characters"),
        );
    }
    match (a.lat, a.lon) {
        (Some(lat), Some(lon))
            if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) => {}
        (None, None) => {}
        (Some(lat), Some(lon)) => {
            return fail(
                "lat",
                "location",
                format!("location ({lat}, {lon}) is not on Earth"),
            );
        }
        _ => {
            return fail(
                "lat",
                "location",
                "a location needs both latitude and longitude".into(),
            );
        }
    }
    if let Some(acc) = a.accuracy_m
        && !(acc.is_finite() && acc >= 0.0)
    {
        return fail(
            "accuracy_m",
            "location",
            format!("location accuracy {acc} must be a non-negative number of metres"),
        );
    }
    if let Some(d) = a.duration_s {
        if a.channel == Channel::Door {
            return fail(
                "duration_s",
                "duration",
                "call duration belongs to phone results".into(),
            );
        }
        if d > MAX_CALL_SECONDS {
            return fail(
                "duration_s",
                "duration",
                format!("a call of {d} seconds is not plausible"),
            );
        }
    }
    if a.at_ms < EARLIEST_AT_MS || a.at_ms > now_ms + CLOCK_SKEW_MS {
        return fail(
            "at_ms",
            "time",
            format!(
                "the time {} is not plausible (it must be after 2020 and at most a day ahead of the server's clock); check the phone's date and time",
                a.at_ms
            ),
        );
    }
    if let Some(t) = a.callback_at_ms
        && t < a.at_ms - 60_000
    {
        return fail(
            "callback_at_ms",
            "come_back_time",
            "the time to come back is before the attempt".into(),
        );
    }
    if let Some(r) = &a.phone_ref
        && (r.len() > MAX_ID_LEN || a.channel == Channel::Door)
    {
        return fail(
            "phone_ref",
            "phone_ref",
            "a phone ref is a short hash, and only on phone results".into(),
        );
    }

    // Corrections: of attempts in this document, about the same person or
    // door; volunteers correct their own, organizers anyone's.
    for s in &a.supersedes {
        let Some(old) = unit.existing_attempt(s) else {
            return fail(
                "supersedes",
                "supersedes_exists",
                format!(
                    "attempt {s} to correct is not in {} (yet); sync first",
                    unit.unit_label()
                ),
            );
        };
        let same = match &old.person_id {
            Some(p) => Some(p) == a.person_id.as_ref(),
            None => old.household_id == a.household_id,
        };
        if !same {
            return fail(
                "supersedes",
                "supersedes_same_person",
                format!(
                    "attempt {s} is about someone else; a correction must be about the same person"
                ),
            );
        }
        if !author.organizer && old.volunteer_id != author.volunteer_id {
            return fail(
                "supersedes",
                "supersedes_own",
                format!(
                    "attempt {s} was recorded by another volunteer; ask an organizer to settle it"
                ),
            );
        }
        // Review: a rollback acts on results, an undo on rollbacks, and
        // nothing else supersedes either.
        let old_review = old.effect.filter(|e| e.is_review());
        let allowed = match a.effect {
            Some(ResultEffect::Rollback) => old_review.is_none(),
            Some(ResultEffect::UndoRollback) => old_review == Some(ResultEffect::Rollback),
            _ => old_review.is_none(),
        };
        if !allowed {
            return fail(
                "supersedes",
                "supersedes_review",
                format!(
                    "attempt {s} is {}; a rollback supersedes results, an undo supersedes rollbacks, and nothing else supersedes either",
                    match old_review {
                        Some(e) => format!("an organizer's {}", e.as_str()),
                        None => "a result".into(),
                    }
                ),
            );
        }
    }
    if a.effect.is_some_and(ResultEffect::is_review)
        && (a.supersedes.is_empty() || a.callback_at_ms.is_some() || a.duration_s.is_some())
    {
        return fail(
            "supersedes",
            "review_target",
            "a rollback or undo names what it acts on in supersedes, and carries nothing else but a reason in its notes".into(),
        );
    }
    Ok(())
}

/// A [`UnitReference`] over plain maps: how the server holds a unit's
/// reference data, and how tests build one.
#[derive(Debug, Clone, Default)]
pub struct UnitData {
    pub label: String,
    pub channel: Option<Channel>,
    /// Person id -> household id, for everyone on the unit.
    pub people: BTreeMap<String, String>,
    /// Households on the unit (turfs only).
    pub households: std::collections::BTreeSet<String>,
    /// Result code -> effect, for the unit's channel.
    pub result_effects: BTreeMap<String, ResultEffect>,
    /// (script id, version) -> script.
    pub scripts: BTreeMap<(String, u32), Script>,
}

/// Longest name part of a new person.
pub const MAX_NAME_CHARS: usize = 80;

/// The fields of a person met at a door: names present and printable, a
/// plausible birth year, a language tag. The problem, for a person to fix.
pub fn check_new_person(np: &crate::results::NewPerson, now_ms: i64) -> Result<(), String> {
    for (field, value) in [("first name", &np.first_name), ("last name", &np.last_name)] {
        let v = value.trim();
        if v.is_empty() {
            return Err(format!("the {field} is empty; ask how to spell it"));
        }
        if v.chars().count() > MAX_NAME_CHARS {
            return Err(format!(
                "the {field} is longer than {MAX_NAME_CHARS} characters"
            ));
        }
        if v.chars().any(char::is_control) || v != value {
            return Err(format!(
                "the {field} has control characters or surrounding spaces; type it as written"
            ));
        }
    }
    if let Some(y) = np.birth_year {
        let this_year = chrono::DateTime::<chrono::Utc>::from_timestamp_millis(now_ms)
            .map(|t| chrono::Datelike::year(&t))
            .unwrap_or(2100);
        if i32::from(y) < 1900 || i32::from(y) > this_year - 16 {
            return Err(format!(
                "birth year {y} is not plausible for someone met at a door (1900 to {})",
                this_year - 16
            ));
        }
    }
    let tag_ok = (2..=12).contains(&np.language.len())
        && np
            .language
            .split('-')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphanumeric()));
    if !tag_ok {
        return Err(format!(
            "language {:?} is not a language tag such as en or es",
            np.language
        ));
    }
    Ok(())
}
