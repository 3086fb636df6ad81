//! New people at the door: recorded with the real rules, kept apart from
//! the listed residents' status, decided once, exported as new records.

mod common;

use chrono::{TimeZone, Utc};
use walkbook_core::export::{CampaignResults, export_new_records, export_results};
use walkbook_core::model::{NewPersonOutcome, validate_reference_data};
use walkbook_core::newpeople::{Decision, DecisionError, decide, new_person_id, proposals};
use walkbook_core::results::{NewAttempt, NewPerson, NewPersonReason};
use walkbook_core::store::{DeviceStore, StoreError};

fn rosa() -> NewPerson {
    NewPerson {
        first_name: "Rosa".into(),
        last_name: "Quintero".into(),
        birth_year: Some(1984),
        language: "es".into(),
        reason: NewPersonReason::MovedIn,
    }
}

fn store() -> (tempfile::TempDir, DeviceStore) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = DeviceStore::open(dir.path().join("c.db"), None).unwrap();
    store
        .install_packet(&common::packet(&common::campaign(), "A-turf", 1))
        .unwrap();
    (dir, store)
}

fn met(who: NewPerson, answers: &[(&str, &str)]) -> NewAttempt {
    NewAttempt {
        household_id: Some("H1".into()),
        new_person: Some(who),
        answers: common::answers(answers),
        at_ms: Some(common::at(0)),
        ..Default::default()
    }
}

#[test]
fn a_person_met_at_a_door_is_recorded_without_touching_the_residents() {
    let (_dir, mut store) = store();
    let saved = store
        .record_attempt("A-turf", met(rosa(), &[("support", "1")]))
        .unwrap();
    assert_eq!(saved.person_id, None);
    let doors = store.walk_list("T1").unwrap();
    let h1 = doors.iter().find(|d| d.household.id == "H1").unwrap();
    assert_eq!(h1.household_status.door_attempts, 1, "a knock");
    assert!(
        h1.people
            .iter()
            .all(|p| p.status.status.kind() == "not_attempted"),
        "Ana and Luis were not contacted"
    );
    // A person with no answers is fine too: the proposal is the point.
    store.record_attempt("A-turf", met(rosa(), &[])).unwrap();
    // The rules that hold everywhere.
    for (bad, needle) in [
        (
            NewPerson {
                first_name: " ".into(),
                ..rosa()
            },
            "first name is empty",
        ),
        (
            NewPerson {
                last_name: "Q\u{0}".into(),
                ..rosa()
            },
            "control characters",
        ),
        (
            NewPerson {
                birth_year: Some(1850),
                ..rosa()
            },
            "not plausible",
        ),
        (
            NewPerson {
                language: "spanish!".into(),
                ..rosa()
            },
            "language tag",
        ),
    ] {
        let e = store.record_attempt("A-turf", met(bad, &[])).unwrap_err();
        assert!(e.to_string().contains(needle), "{e}");
    }
    let with_person = NewAttempt {
        person_id: Some("P1".into()),
        ..met(rosa(), &[("support", "1")])
    };
    assert!(matches!(
        store.record_attempt("A-turf", with_person),
        Err(StoreError::InvalidAttempt(_))
    ));
    let with_code = NewAttempt {
        result: Some("not_home".into()),
        ..met(rosa(), &[])
    };
    assert!(store.record_attempt("A-turf", with_code).is_err());
    // The device's own export leaves undecided people out (never the residents).
    let mut out = Vec::new();
    export_results(&mut store, &mut out).unwrap();
    let csv = String::from_utf8(out).unwrap();
    assert_eq!(csv.lines().count(), 1, "{csv}");
}

#[test]
fn decisions_are_final_and_accepted_people_become_new_records() {
    let (_dir, mut store) = store();
    let accepted = store
        .record_attempt("A-turf", met(rosa(), &[("support", "1")]))
        .unwrap()
        .id;
    let merged = store
        .record_attempt(
            "A-turf",
            met(
                NewPerson {
                    first_name: "Analisa".into(),
                    ..rosa()
                },
                &[("support", "2")],
            ),
        )
        .unwrap()
        .id;
    let rejected = store.record_attempt("A-turf", met(rosa(), &[])).unwrap().id;
    let units = vec![("turf:T1".to_string(), store.attempts("turf:T1").unwrap())];
    let mut data = common::campaign();
    let waiting = proposals(&data, &units);
    assert_eq!(waiting.len(), 3);
    assert!(waiting.iter().all(|p| p.decision.is_none()));
    let at = Utc.with_ymd_and_hms(2026, 10, 2, 9, 0, 0).unwrap();
    let get = |id: &str| units[0].1.iter().find(|a| a.id == id).unwrap().clone();

    let id = decide(&mut data, &get(&accepted), &Decision::Accept, "org-1", at).unwrap();
    assert_eq!(id, Some(new_person_id(&accepted)));
    let person = data
        .people
        .iter()
        .find(|p| Some(&p.id) == id.as_ref())
        .unwrap();
    assert_eq!(
        (person.household_id.as_str(), person.full_name()),
        ("H1", "Rosa Quintero".into())
    );
    assert!(person.phones.is_empty());
    let merge = Decision::Merge {
        person_id: "P1".into(),
    };
    assert_eq!(
        decide(&mut data, &get(&merged), &merge, "org-1", at)
            .unwrap()
            .as_deref(),
        Some("P1")
    );
    assert_eq!(
        decide(&mut data, &get(&rejected), &Decision::Reject, "org-1", at).unwrap(),
        None
    );
    validate_reference_data(&data).unwrap();
    // Final: a second decision on any of them is refused.
    assert!(matches!(
        decide(&mut data, &get(&rejected), &Decision::Accept, "org-2", at),
        Err(DecisionError::AlreadyDecided {
            outcome: "rejected",
            ..
        })
    ));
    assert!(matches!(
        decide(
            &mut data,
            &get(&merged),
            &Decision::Merge {
                person_id: "P404".into()
            },
            "o",
            at
        ),
        Err(DecisionError::AlreadyDecided { .. })
    ));
    assert_eq!(
        proposals(&data, &units)
            .iter()
            .filter_map(|p| p.decision.as_ref().map(|d| d.outcome))
            .collect::<Vec<_>>()
            .len(),
        3
    );
    assert!(
        data.new_people
            .iter()
            .any(|d| d.outcome == NewPersonOutcome::Merged)
    );

    // Results export: Rosa's answer under her new id, Analisa's under P1,
    // the rejected one nowhere; the new-records file holds Rosa alone.
    let mut out = Vec::new();
    export_results(&mut CampaignResults::new(&data, units.clone()), &mut out).unwrap();
    let csv = String::from_utf8(out).unwrap();
    assert!(
        csv.contains(&format!("{},walk,,support,1,", new_person_id(&accepted))),
        "{csv}"
    );
    assert!(csv.contains("P1,walk,,support,2,"), "{csv}");
    assert!(!csv.contains(&rejected), "{csv}");
    let mut out = Vec::new();
    assert_eq!(export_new_records(&data, &units, &mut out).unwrap(), 1);
    let records = String::from_utf8(out).unwrap();
    assert!(
        records.contains("Rosa,Quintero,1984,es,101 Elm St,Springfield,62704,H1,moved_in,"),
        "{records}"
    );
}

#[test]
fn a_merge_needs_a_listed_person_and_decisions_are_validated() {
    let (_dir, mut store) = store();
    let id = store.record_attempt("A-turf", met(rosa(), &[])).unwrap().id;
    let attempt = store.attempts("turf:T1").unwrap().remove(0);
    assert_eq!(attempt.id, id);
    let mut data = common::campaign();
    let at = Utc::now();
    assert_eq!(
        decide(
            &mut data,
            &attempt,
            &Decision::Merge {
                person_id: "P404".into()
            },
            "o",
            at
        ),
        Err(DecisionError::NoSuchPerson("P404".into()))
    );
    assert!(
        data.new_people.is_empty(),
        "a refused decision changes nothing"
    );
    // Reference data with a decision naming nobody is refused.
    decide(&mut data, &attempt, &Decision::Accept, "o", at).unwrap();
    data.people.retain(|p| !p.id.starts_with("new-"));
    assert!(
        validate_reference_data(&data)
            .unwrap_err()
            .to_string()
            .contains("not in the data")
    );
}

#[test]
fn a_formula_typed_as_a_name_is_neutralised_in_the_new_records_file() {
    let (_dir, mut store) = store();
    let hostile = NewPerson {
        first_name: "=HYPERLINK(\"http://x\")".into(),
        last_name: "@SUM(A1)".into(),
        ..rosa()
    };
    let id = store
        .record_attempt("A-turf", met(hostile, &[]))
        .unwrap()
        .id;
    let units = vec![("turf:T1".to_string(), store.attempts("turf:T1").unwrap())];
    let mut data = common::campaign();
    let attempt = units[0].1[0].clone();
    assert_eq!(attempt.id, id);
    decide(&mut data, &attempt, &Decision::Accept, "org-1", Utc::now()).unwrap();
    let mut out = Vec::new();
    export_new_records(&data, &units, &mut out).unwrap();
    let csv = String::from_utf8(out).unwrap();
    assert!(
        csv.contains(",\"'=HYPERLINK(\"\"http://x\"\")\",'@SUM(A1),"),
        "{csv}"
    );
}
