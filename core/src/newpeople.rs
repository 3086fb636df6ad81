//! New people at the door: a canvasser records someone who is not on the
//! list (an attempt with `new_person`); it syncs like any result and waits
//! as a proposal until an organizer accepts it (a new person record at that
//! door, in lists and exports from then on), merges it into a listed person
//! (the answers go to that record), or rejects it. Pure functions over the
//! campaign's reference data and its results; the server runs `decide` as a
//! locked edit of the campaign.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::model::{NewPersonDecision, NewPersonOutcome, Person, ReferenceData};
use crate::results::Attempt;

/// A person met at a door, as the organizer reviews them.
#[derive(Debug, Clone, PartialEq)]
pub struct Proposal {
    /// The attempt that recorded them (it counts: not superseded or rolled
    /// back).
    pub attempt: Attempt,
    /// Its results document.
    pub doc_id: String,
    pub decision: Option<NewPersonDecision>,
}

/// What the organizer decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Accept,
    /// The same person as this listed one.
    Merge {
        person_id: String,
    },
    Reject,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecisionError {
    #[error("attempt {0} is not a person met at a door (or it was corrected or rolled back)")]
    NotAProposal(String),
    #[error("the person of attempt {attempt} was already {outcome} by {by}; a decision is final")]
    AlreadyDecided {
        attempt: String,
        outcome: &'static str,
        by: String,
    },
    #[error("person {0} is not in this campaign; merge into a listed person")]
    NoSuchPerson(String),
    #[error("household {0} is not in this campaign")]
    NoSuchHousehold(String),
}

/// Every person met at a door whose attempt counts, newest first, with the
/// decision made on each (if any).
pub fn proposals(data: &ReferenceData, units: &[(String, Vec<Attempt>)]) -> Vec<Proposal> {
    let decided: HashMap<&str, &NewPersonDecision> = data
        .new_people
        .iter()
        .map(|d| (d.attempt_id.as_str(), d))
        .collect();
    let mut out = Vec::new();
    for (doc, attempts) in units {
        for a in crate::results::review::live(attempts) {
            if a.new_person.is_some() {
                out.push(Proposal {
                    attempt: a.clone(),
                    doc_id: doc.clone(),
                    decision: decided.get(a.id.as_str()).map(|d| (*d).clone()),
                });
            }
        }
    }
    out.sort_by(|a, b| {
        b.attempt
            .at_ms
            .cmp(&a.attempt.at_ms)
            .then_with(|| a.attempt.id.cmp(&b.attempt.id))
    });
    out
}

/// The id an accepted person gets: stable, from the attempt that met them.
pub fn new_person_id(attempt_id: &str) -> String {
    format!("new-{attempt_id}")
}

/// Records the organizer's decision on `proposal` in `data` (accepting adds
/// the person at the door where they were met). Returns the person the
/// answers now belong to (none for a rejection). A decision is final.
pub fn decide(
    data: &mut ReferenceData,
    proposal: &Attempt,
    decision: &Decision,
    by: &str,
    at: DateTime<Utc>,
) -> Result<Option<String>, DecisionError> {
    let Some(np) = &proposal.new_person else {
        return Err(DecisionError::NotAProposal(proposal.id.clone()));
    };
    if let Some(d) = data.new_people.iter().find(|d| d.attempt_id == proposal.id) {
        return Err(DecisionError::AlreadyDecided {
            attempt: proposal.id.clone(),
            outcome: d.outcome.as_str(),
            by: d.by.clone(),
        });
    }
    let (outcome, person_id) = match decision {
        Decision::Accept => {
            if !data
                .households
                .iter()
                .any(|h| h.id == proposal.household_id)
            {
                return Err(DecisionError::NoSuchHousehold(
                    proposal.household_id.clone(),
                ));
            }
            let id = new_person_id(&proposal.id);
            data.people.push(Person {
                id: id.clone(),
                household_id: proposal.household_id.clone(),
                first_name: np.first_name.clone(),
                last_name: np.last_name.clone(),
                birth_year: np.birth_year,
                language: np.language.clone(),
                phones: Vec::new(),
                party: None,
                support_score: None,
                attributes: Default::default(),
                do_not_contact: false,
            });
            (NewPersonOutcome::Accepted, Some(id))
        }
        Decision::Merge { person_id } => {
            if !data.people.iter().any(|p| &p.id == person_id) {
                return Err(DecisionError::NoSuchPerson(person_id.clone()));
            }
            (NewPersonOutcome::Merged, Some(person_id.clone()))
        }
        Decision::Reject => (NewPersonOutcome::Rejected, None),
    };
    data.new_people.push(NewPersonDecision {
        attempt_id: proposal.id.clone(),
        outcome,
        person_id: person_id.clone(),
        by: by.to_string(),
        at,
    });
    Ok(person_id)
}
