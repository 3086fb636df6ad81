//! Convergence: replicas that exchange changes in any order, with losses
//! repaired, duplicates and reordering, end identical.

mod common;

use proptest::prelude::*;
use walkbook_core::results::{NewAttempt, derive_unit_status, read_attempts};

const PEOPLE: [&str; 4] = ["P1", "P2", "P5", "P6"];

#[derive(Debug, Clone)]
enum Step {
    /// Replica records a result or an answer for a person.
    Record {
        replica: usize,
        person: usize,
        kind: u8,
        minute: i64,
    },
    /// Replica corrects one of the attempts it knows about.
    Correct {
        replica: usize,
        pick: usize,
        minute: i64,
    },
    /// Replica `to` receives what `from` had at some earlier moment (maybe again).
    Deliver { from: usize, to: usize, stale: bool },
}

fn step(n: usize) -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (0..n, 0..PEOPLE.len(), 0u8..5, 0i64..300)
            .prop_map(|(replica, person, kind, minute)| Step::Record { replica, person, kind, minute }),
        1 => (0..n, 0usize..50, 0i64..300).prop_map(|(replica, pick, minute)| Step::Correct { replica, pick, minute }),
        3 => (0..n, 0..n, any::<bool>()).prop_map(|(from, to, stale)| Step::Deliver { from, to, stale }),
    ]
}

fn attempt_for(person: &str, kind: u8, minute: i64) -> NewAttempt {
    match kind {
        0 => common::door_result(person, "not_home", minute),
        1 => common::door_result(person, "refused", minute),
        2 => common::door_result(person, "moved", minute),
        3 => common::conversation(person, &[("support", "1")], minute),
        _ => common::conversation(person, &[("support", "5"), ("volunteer", "no")], minute),
    }
}

fn run(n: usize, steps: Vec<Step>) -> Result<(), TestCaseError> {
    let mut replicas: Vec<common::Device> = (0..n).map(|_| common::device()).collect();
    // Earlier snapshots of each replica's changes, for stale and duplicate delivery.
    let mut sent: Vec<Vec<u8>> = vec![Vec::new(); n];
    for s in steps {
        match s {
            Step::Record {
                replica,
                person,
                kind,
                minute,
            } => {
                replicas[replica]
                    .store
                    .record_attempt("A-turf", attempt_for(PEOPLE[person], kind, minute))
                    .unwrap();
            }
            Step::Correct {
                replica,
                pick,
                minute,
            } => {
                let known = replicas[replica]
                    .store
                    .attempts("turf:T1")
                    .unwrap_or_default();
                if known.is_empty() {
                    continue;
                }
                let target = &known[pick % known.len()];
                let Some(person) = target.person_id.clone() else {
                    continue;
                };
                let fix = attempt_for(&person, (pick % 5) as u8, minute);
                replicas[replica]
                    .store
                    .correct_attempt("A-turf", &target.id, fix)
                    .unwrap();
            }
            Step::Deliver { from, to, stale } => {
                let bytes = if stale && !sent[from].is_empty() {
                    sent[from].clone()
                } else {
                    let b = replicas[from].store.changes_since("turf:T1", &[]).unwrap();
                    sent[from] = b.clone();
                    b
                };
                if from != to && !bytes.is_empty() {
                    replicas[to]
                        .store
                        .merge_remote_changes("turf:T1", &bytes)
                        .unwrap();
                }
            }
        }
    }
    // Final full exchange, in both directions, in a ring and then back.
    for round in 0..2 {
        for i in 0..n {
            let j = if round == 0 {
                (i + 1) % n
            } else {
                (i + n - 1) % n
            };
            let bytes = replicas[i].store.changes_since("turf:T1", &[]).unwrap();
            if i != j && !bytes.is_empty() {
                replicas[j]
                    .store
                    .merge_remote_changes("turf:T1", &bytes)
                    .unwrap();
            }
        }
    }
    for _ in 0..n {
        for i in 0..n {
            for j in 0..n {
                let bytes = replicas[i].store.changes_since("turf:T1", &[]).unwrap();
                if i != j && !bytes.is_empty() {
                    replicas[j]
                        .store
                        .merge_remote_changes("turf:T1", &bytes)
                        .unwrap();
                }
            }
        }
    }

    let mut reference = None;
    for r in &mut replicas {
        let mut heads = r.store.heads("turf:T1").unwrap();
        heads.sort();
        let attempts = r.store.attempts("turf:T1").unwrap();
        let status = derive_unit_status(&attempts);
        let doc = r.store.load_document("turf:T1").unwrap();
        prop_assert_eq!(&read_attempts(&doc).unwrap(), &attempts);
        let conn = rusqlite::Connection::open(r.dir.path().join("campaign.db")).unwrap();
        // Device ids differ per replica but are inside attempt rows identically.
        let index = common::index_rows(&conn, "turf:T1");
        let walk: Vec<String> = r
            .store
            .walk_list("T1")
            .unwrap()
            .iter()
            .flat_map(|d| {
                d.people
                    .iter()
                    .map(|p| format!("{}={:?}", p.person.id, p.status))
            })
            .collect();
        let state = (heads, attempts, status, index, walk);
        match &reference {
            None => reference = Some(state),
            Some(expected) => prop_assert_eq!(expected, &state),
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn replicas_converge_to_identical_documents_status_and_index(
        (n, steps) in (2usize..=6).prop_flat_map(|n| (Just(n), prop::collection::vec(step(n), 1..40)))
    ) {
        run(n, steps)?;
    }
}
