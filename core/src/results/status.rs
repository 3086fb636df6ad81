//! Derived status: a pure, deterministic function of a unit's attempts, so
//! every replica, the server and the dashboard agree on who is done.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::Attempt;
use crate::model::{Channel, ResultEffect};

/// Where a person (or, for household-level attempts, a door) stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Status {
    NotAttempted,
    /// Not home, no answer, busy, left a message: try again.
    NotHome,
    /// Come back / call back at this time (epoch ms).
    ComeBack {
        at_ms: i64,
    },
    /// Talked to them; their answers to choice questions.
    Contacted {
        answers: BTreeMap<String, String>,
    },
    Refused,
    Moved,
    Deceased,
    WrongNumber,
    DoNotContact,
    /// Attempts that are both still in force disagree; an organizer or a
    /// correcting attempt must settle it.
    Conflict {
        attempt_ids: Vec<String>,
    },
}

impl Status {
    /// Finished statuses are never offered again. A wrong number is not
    /// final for the person: it rules out that number, and another number
    /// may still reach them.
    pub fn is_final(&self) -> bool {
        !matches!(
            self,
            Status::NotAttempted | Status::NotHome | Status::ComeBack { .. } | Status::WrongNumber
        )
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Status::NotAttempted => "not_attempted",
            Status::NotHome => "not_home",
            Status::ComeBack { .. } => "come_back",
            Status::Contacted { .. } => "contacted",
            Status::Refused => "refused",
            Status::Moved => "moved",
            Status::Deceased => "deceased",
            Status::WrongNumber => "wrong_number",
            Status::DoNotContact => "do_not_contact",
            Status::Conflict { .. } => "conflict",
        }
    }
}

/// A status with the facts behind it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusSummary {
    pub status: Status,
    /// Attempts in force (not superseded).
    pub attempts: u32,
    pub last_at_ms: Option<i64>,
}

impl StatusSummary {
    pub fn not_attempted() -> Self {
        StatusSummary {
            status: Status::NotAttempted,
            attempts: 0,
            last_at_ms: None,
        }
    }

    /// A final status reported from elsewhere in the campaign by its kind
    /// (`do_not_contact`, `contacted`, `refused`, `moved`, `deceased`: the
    /// server's suppressions), with no attempts of its own here; `None`
    /// for any other kind.
    pub fn reported_final(kind: &str) -> Option<Self> {
        let status = match kind {
            "do_not_contact" => Status::DoNotContact,
            "contacted" => Status::Contacted {
                answers: Default::default(),
            },
            "refused" => Status::Refused,
            "moved" => Status::Moved,
            "deceased" => Status::Deceased,
            _ => return None,
        };
        Some(StatusSummary {
            status,
            attempts: 0,
            last_at_ms: None,
        })
    }
}

/// Per door: the status of household-level attempts ("nobody home") and
/// how often the door was knocked in total.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HouseholdSummary {
    pub household: StatusSummary,
    pub door_attempts: u32,
    pub last_at_ms: Option<i64>,
    /// Door results that left literature (lit drops) that count.
    #[serde(default)]
    pub lit_drops: u32,
}

/// The derived status of a whole unit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitStatus {
    pub people: BTreeMap<String, StatusSummary>,
    pub households: BTreeMap<String, HouseholdSummary>,
}

/// How one attempt ends, before looking at the others.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    Retry,
    /// The number dialled is wrong; the person may have another.
    WrongNumber,
    ComeBack(i64),
    Final(Status),
}

fn outcome(a: &Attempt) -> Outcome {
    match a.effect {
        Some(ResultEffect::Retry) => Outcome::Retry,
        Some(ResultEffect::ComeBack) => match a.callback_at_ms {
            Some(t) => Outcome::ComeBack(t),
            None => Outcome::Retry,
        },
        Some(ResultEffect::Refused) => Outcome::Final(Status::Refused),
        Some(ResultEffect::Moved) => Outcome::Final(Status::Moved),
        Some(ResultEffect::Deceased) => Outcome::Final(Status::Deceased),
        Some(ResultEffect::WrongNumber) => Outcome::WrongNumber,
        Some(ResultEffect::DoNotContact) => Outcome::Final(Status::DoNotContact),
        // Literature left: the door is still open for a conversation.
        Some(ResultEffect::LitDrop) => Outcome::Retry,
        // Review actions never reach here (`review::live` leaves them out).
        Some(ResultEffect::Rollback | ResultEffect::UndoRollback) => Outcome::Retry,
        None if !a.responses.is_empty() || !a.text_answers.is_empty() => {
            Outcome::Final(Status::Contacted {
                answers: a.responses.clone(),
            })
        }
        // A result code this build does not know, or an empty attempt from an
        // older peer: it was an attempt, nothing more is known.
        None => Outcome::Retry,
    }
}

fn disagree(a: &Status, b: &Status) -> bool {
    match (a, b) {
        (Status::Contacted { answers: x }, Status::Contacted { answers: y }) => {
            x.iter().any(|(q, v)| y.get(q).is_some_and(|w| w != v))
        }
        _ => a != b,
    }
}

fn order(a: &&Attempt, b: &&Attempt) -> std::cmp::Ordering {
    (a.at_ms, &a.id).cmp(&(b.at_ms, &b.id))
}

/// The status of one person (or one door, for household-level attempts)
/// from the attempts about them. Order of the input does not matter.
///
/// Rules: superseded and rolled-back attempts are ignored (`review::live`); a do-not-contact anywhere wins;
/// final outcomes beat retries; final outcomes that disagree are a conflict;
/// otherwise the latest retry or come-back decides.
pub fn derive_status(attempts: &[&Attempt]) -> StatusSummary {
    status_of_live(live_attempts(attempts))
}

/// The attempts that count in a group (`review::live`).
fn live_attempts<'a>(attempts: &[&'a Attempt]) -> Vec<&'a Attempt> {
    super::review::live(attempts.iter().copied())
}

fn status_of_live(mut live: Vec<&Attempt>) -> StatusSummary {
    live.sort_by(order);
    let last_at_ms = live.last().map(|a| a.at_ms);
    let summary = |status| StatusSummary {
        status,
        attempts: live.len() as u32,
        last_at_ms,
    };
    if live.is_empty() {
        return StatusSummary::not_attempted();
    }
    let outcomes: Vec<(&Attempt, Outcome)> = live.iter().map(|a| (*a, outcome(a))).collect();
    if outcomes
        .iter()
        .any(|(_, o)| *o == Outcome::Final(Status::DoNotContact))
    {
        return summary(Status::DoNotContact);
    }
    let finals: Vec<(&Attempt, &Status)> = outcomes
        .iter()
        .filter_map(|(a, o)| match o {
            Outcome::Final(s) => Some((*a, s)),
            _ => None,
        })
        .collect();
    if let Some((_, first)) = finals.first() {
        let conflicting: BTreeSet<&str> = finals
            .iter()
            .enumerate()
            .flat_map(|(i, (a, s))| {
                finals[i + 1..]
                    .iter()
                    .filter(|(_, t)| disagree(s, t))
                    .flat_map(move |(b, _)| [a.id.as_str(), b.id.as_str()])
            })
            .collect();
        if !conflicting.is_empty() {
            return summary(Status::Conflict {
                attempt_ids: conflicting.into_iter().map(String::from).collect(),
            });
        }
        return summary(match first {
            Status::Contacted { .. } => {
                // They agree: the union of every answer given, later ones on top.
                let mut answers = BTreeMap::new();
                for (_, s) in &finals {
                    if let Status::Contacted { answers: a } = s {
                        answers.extend(a.iter().map(|(k, v)| (k.clone(), v.clone())));
                    }
                }
                Status::Contacted { answers }
            }
            other => (*other).clone(),
        });
    }
    match &outcomes.last().expect("live is not empty").1 {
        Outcome::ComeBack(t) => summary(Status::ComeBack { at_ms: *t }),
        Outcome::WrongNumber => summary(Status::WrongNumber),
        _ => summary(Status::NotHome),
    }
}

/// The status of every person and door in a unit. Person-level attempts
/// count for the person; attempts without a person count for the door.
pub fn derive_unit_status(attempts: &[Attempt]) -> UnitStatus {
    let mut by_person: BTreeMap<&str, Vec<&Attempt>> = BTreeMap::new();
    let mut by_household: BTreeMap<&str, Vec<&Attempt>> = BTreeMap::new();
    for a in attempts {
        if let Some(p) = &a.person_id {
            by_person.entry(p).or_default().push(a);
        }
        by_household.entry(&a.household_id).or_default().push(a);
    }
    UnitStatus {
        people: by_person
            .into_iter()
            .map(|(p, v)| (p.to_string(), derive_status(&v)))
            .collect(),
        households: by_household
            .into_iter()
            .map(|(h, v)| (h.to_string(), derive_household(&v)))
            .collect(),
    }
}

/// One door from every attempt recorded there.
pub fn derive_household(attempts: &[&Attempt]) -> HouseholdSummary {
    // A person-level correction may supersede a household-level attempt
    // ("nobody home" was wrong: Ana answered), so supersedes are taken from
    // every attempt at the door.
    let live = live_attempts(attempts);
    let door: Vec<&Attempt> = live
        .iter()
        .copied()
        .filter(|a| a.channel == Channel::Door)
        .collect();
    // Meeting someone not on the list says nothing about who is: such an
    // attempt is a knock, not a household-level result.
    let household_level: Vec<&Attempt> = live
        .iter()
        .copied()
        .filter(|a| a.person_id.is_none() && a.new_person.is_none())
        .collect();
    HouseholdSummary {
        lit_drops: door
            .iter()
            .filter(|a| a.effect == Some(ResultEffect::LitDrop))
            .count() as u32,
        household: status_of_live(household_level),
        door_attempts: door.len() as u32,
        last_at_ms: door.iter().map(|a| a.at_ms).max(),
    }
}

/// What to show for a person at a door: their own status, unless a
/// household-level result says more (the whole family moved, "do not knock",
/// or a later "nobody home" when the person was never reached).
pub fn person_at_door(own: &StatusSummary, household: &StatusSummary) -> StatusSummary {
    if own.status.is_final() && !matches!(household.status, Status::DoNotContact) {
        return own.clone();
    }
    if household.status.is_final() {
        return household.clone();
    }
    match (own.last_at_ms, household.last_at_ms) {
        (_, None) => own.clone(),
        (None, Some(_)) => household.clone(),
        (Some(o), Some(h)) if h > o => household.clone(),
        _ => own.clone(),
    }
}
