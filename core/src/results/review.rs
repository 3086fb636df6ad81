//! Organizer review: rolling back a canvasser's results before they count,
//! and undoing a rollback, without ever editing or deleting an attempt.
//!
//! Both are attempts an organizer writes, as the document model wants
//! (written once, corrections supersede), so the audit trail stays and
//! every replica derives the same status:
//!
//! - a **rollback** (result `rollback`, effect [`ResultEffect::Rollback`],
//!   the reason in its notes) supersedes one attempt; that attempt stops
//!   counting, and the rollback counts as nothing itself;
//! - an **undo** (result `undo_rollback`) supersedes rollbacks; they stop
//!   acting, so what they rolled back counts again. Rolling back again is a
//!   new rollback.
//!
//! [`live`] is the one rule for what counts, used by derived status, the
//! exports and the dashboard. Rolling back a correction does not revive the
//! attempt it corrected: both were that canvasser's word.

use std::collections::{BTreeSet, HashMap};

use super::Attempt;
use super::rules::Author;
use crate::model::ResultEffect;

/// The result code of a rollback (reserved: no campaign may define it).
pub const ROLLBACK: &str = "rollback";
/// The result code of an undo of rollbacks (reserved).
pub const UNDO_ROLLBACK: &str = "undo_rollback";

/// Whether an attempt is an organizer's review action (counts as nothing).
pub fn is_review(a: &Attempt) -> bool {
    a.effect.is_some_and(ResultEffect::is_review)
}

/// Which attempts act on which: `undone` are rollbacks an undo supersedes;
/// `superseded` are attempts superseded by one that still acts (neither an
/// undo nor an undone rollback).
struct Acting<'a> {
    undone: BTreeSet<&'a str>,
    superseded: BTreeSet<&'a str>,
}

fn acting<'a>(attempts: &[&'a Attempt]) -> Acting<'a> {
    let undone: BTreeSet<&str> = attempts
        .iter()
        .filter(|a| a.effect == Some(ResultEffect::UndoRollback))
        .flat_map(|a| a.supersedes.iter().map(String::as_str))
        .collect();
    let superseded = attempts
        .iter()
        .filter(|a| a.effect != Some(ResultEffect::UndoRollback) && !undone.contains(a.id.as_str()))
        .flat_map(|a| a.supersedes.iter().map(String::as_str))
        .collect();
    Acting { undone, superseded }
}

/// The attempts that count, in input order: not review actions, and not
/// superseded by an attempt that still acts (undone rollbacks and undos do
/// not). Order of the input does not matter.
pub fn live<'a>(attempts: impl IntoIterator<Item = &'a Attempt>) -> Vec<&'a Attempt> {
    let attempts: Vec<&Attempt> = attempts.into_iter().collect();
    let superseded = acting(&attempts).superseded;
    attempts
        .into_iter()
        .filter(|a| !is_review(a) && !superseded.contains(a.id.as_str()))
        .collect()
}

/// Where one attempt stands after corrections and review.
#[derive(Debug, Clone, PartialEq)]
pub enum Standing<'a> {
    /// It counts.
    Counts,
    /// A later attempt corrected it.
    Corrected,
    /// An organizer rolled it back (the acting rollback).
    RolledBack(&'a Attempt),
    /// An organizer's review action itself.
    Review,
}

/// The standing of every attempt of one document (or any set holding each
/// attempt together with everything that supersedes it), by attempt id.
pub fn standings(attempts: &[Attempt]) -> HashMap<&str, Standing<'_>> {
    let all: Vec<&Attempt> = attempts.iter().collect();
    let Acting { undone, superseded } = acting(&all);
    let mut rolled_back: HashMap<&str, &Attempt> = HashMap::new();
    for r in attempts
        .iter()
        .filter(|a| a.effect == Some(ResultEffect::Rollback) && !undone.contains(a.id.as_str()))
    {
        for s in &r.supersedes {
            rolled_back.insert(s.as_str(), r);
        }
    }
    attempts
        .iter()
        .map(|a| {
            let standing = if is_review(a) {
                Standing::Review
            } else if !superseded.contains(a.id.as_str()) {
                Standing::Counts
            } else if let Some(r) = rolled_back.get(a.id.as_str()) {
                Standing::RolledBack(r)
            } else {
                Standing::Corrected
            };
            (a.id.as_str(), standing)
        })
        .collect()
}

/// An organizer's rollback of `target`, recorded now with `reason`. The
/// caller gives it a fresh id.
pub fn rollback_of(
    target: &Attempt,
    id: String,
    organizer: &Author,
    reason: &str,
    at_ms: i64,
) -> Attempt {
    review_attempt(
        target,
        id,
        organizer,
        ROLLBACK,
        ResultEffect::Rollback,
        reason,
        at_ms,
    )
}

/// An organizer's undo of `rollback` (a rollback attempt), recorded now.
pub fn undo_of(
    rollback: &Attempt,
    id: String,
    organizer: &Author,
    reason: &str,
    at_ms: i64,
) -> Attempt {
    review_attempt(
        rollback,
        id,
        organizer,
        UNDO_ROLLBACK,
        ResultEffect::UndoRollback,
        reason,
        at_ms,
    )
}

fn review_attempt(
    target: &Attempt,
    id: String,
    organizer: &Author,
    code: &str,
    effect: ResultEffect,
    reason: &str,
    at_ms: i64,
) -> Attempt {
    Attempt {
        id,
        person_id: target.person_id.clone(),
        household_id: target.household_id.clone(),
        channel: target.channel,
        result: Some(code.to_string()),
        effect: Some(effect),
        responses: Default::default(),
        text_answers: Default::default(),
        notes: reason.to_string(),
        callback_at_ms: None,
        supersedes: vec![target.id.clone()],
        at_ms,
        duration_s: None,
        phone_ref: None,
        volunteer_id: organizer.volunteer_id.clone(),
        device_id: organizer.device_id.clone(),
        lat: None,
        lon: None,
        accuracy_m: None,
        script_id: target.script_id.clone(),
        script_version: target.script_version,
        new_person: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Channel;

    fn attempt(id: &str, effect: Option<ResultEffect>, supersedes: &[&str]) -> Attempt {
        Attempt {
            id: id.into(),
            person_id: Some("p1".into()),
            household_id: "h1".into(),
            channel: Channel::Door,
            result: effect.map(|e| e.as_str().to_string()),
            effect,
            responses: Default::default(),
            text_answers: Default::default(),
            notes: String::new(),
            callback_at_ms: None,
            supersedes: supersedes.iter().map(|s| s.to_string()).collect(),
            at_ms: 1_700_000_000_000,
            duration_s: None,
            phone_ref: None,
            volunteer_id: "v1".into(),
            device_id: "d1".into(),
            lat: None,
            lon: None,
            accuracy_m: None,
            script_id: "s".into(),
            script_version: 1,
            new_person: None,
        }
    }

    fn live_ids(attempts: &[Attempt]) -> Vec<&str> {
        live(attempts).into_iter().map(|a| a.id.as_str()).collect()
    }

    #[test]
    fn a_rollback_stops_its_target_counting_and_counts_as_nothing() {
        let x = attempt("x", Some(ResultEffect::Refused), &[]);
        let y = attempt("y", Some(ResultEffect::Retry), &[]);
        let r = attempt("r", Some(ResultEffect::Rollback), &["x"]);
        assert_eq!(live_ids(&[x.clone(), y.clone(), r.clone()]), ["y"]);
        let all = [x, y, r.clone()];
        let s = standings(&all);
        assert_eq!(s["x"], Standing::RolledBack(&r));
        assert_eq!(s["y"], Standing::Counts);
        assert_eq!(s["r"], Standing::Review);
    }

    #[test]
    fn an_undo_restores_and_a_second_rollback_rolls_back_again() {
        let x = attempt("x", Some(ResultEffect::Refused), &[]);
        let r = attempt("r", Some(ResultEffect::Rollback), &["x"]);
        let u = attempt("u", Some(ResultEffect::UndoRollback), &["r"]);
        assert_eq!(live_ids(&[x.clone(), r.clone(), u.clone()]), ["x"]);
        // Order of the input does not matter.
        assert_eq!(live_ids(&[u.clone(), r.clone(), x.clone()]), ["x"]);
        let r2 = attempt("r2", Some(ResultEffect::Rollback), &["x"]);
        let all = [x, r, u, r2.clone()];
        assert!(live_ids(&all).is_empty());
        assert_eq!(standings(&all)["x"], Standing::RolledBack(&r2));
    }

    #[test]
    fn corrections_still_supersede_and_rolling_one_back_revives_nothing() {
        let x = attempt("x", Some(ResultEffect::Retry), &[]);
        let c = attempt("c", Some(ResultEffect::Refused), &["x"]);
        assert_eq!(live_ids(&[x.clone(), c.clone()]), ["c"]);
        let r = attempt("r", Some(ResultEffect::Rollback), &["c"]);
        let all = [x, c, r];
        assert!(live_ids(&all).is_empty());
        let s = standings(&all);
        assert_eq!(s["x"], Standing::Corrected);
        assert!(matches!(s["c"], Standing::RolledBack(_)));
    }
}
