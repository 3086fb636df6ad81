//! Phone banking on the device: calling hours in the contact's zone,
//! call-backs, wrong numbers, finished elsewhere, claims, number privacy.

mod common;

use chrono::{DateTime, Utc};
use walkbook_core::model::ReferenceData;
use walkbook_core::results::{NewAttempt, NextCall, Status};
use walkbook_core::store::{ClaimedBatch, DeviceStore, StoreError};

fn utc(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// The fixture with Ana and Luis (H1) in Los Angeles and Mai (H2) in New York;
/// everyone else stays in Springfield, Illinois (Central time).
fn spread_out() -> ReferenceData {
    let mut data = common::campaign();
    for h in &mut data.households {
        match h.id.as_str() {
            "H1" => h.postal_code = "90012".into(),
            "H2" => h.postal_code = "10001".into(),
            _ => {}
        }
    }
    data
}

fn device_with(data: &ReferenceData) -> (tempfile::TempDir, DeviceStore) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = DeviceStore::open(dir.path().join("c.db"), None).unwrap();
    store
        .install_packet(&common::packet(data, "A-calls", 1))
        .unwrap();
    store
        .install_packet(&common::packet(data, "A-turf", 1))
        .unwrap();
    (dir, store)
}

fn call(person: &str, code: &str, at: DateTime<Utc>) -> NewAttempt {
    NewAttempt {
        person_id: Some(person.into()),
        result: Some(code.into()),
        at_ms: Some(at.timestamp_millis()),
        duration_s: Some(30),
        ..Default::default()
    }
}

fn next_person(store: &DeviceStore, now: DateTime<Utc>) -> Result<String, NextCall> {
    match store.next_call("L1", now).unwrap() {
        (NextCall::Dial { index, .. }, rows) => Ok(rows[index].person.id.clone()),
        (other, _) => Err(other),
    }
}

#[test]
fn the_next_call_is_someone_whose_own_clock_allows_it() {
    let (_dir, store) = device_with(&spread_out());
    // 14:30 UTC in January: 9:30 in New York, 8:30 in Illinois, 6:30 in LA.
    let now = utc("2026-01-15T14:30:00Z");
    assert_eq!(
        next_person(&store, now).unwrap(),
        "P3",
        "Mai in New York is the only one inside 9:00-20:00"
    );
    let refused = store.number_to_dial("L1", "P1", now).unwrap_err();
    assert!(
        matches!(refused, StoreError::OutsideCallingHours { .. }),
        "{refused}"
    );
    assert!(refused.to_string().contains("09:00 PST"), "{refused}");
    assert_eq!(
        store.number_to_dial("L1", "P3", now).unwrap().number,
        "+13125550104"
    );
    // At 17:30 UTC Los Angeles opens too, and list order decides again.
    assert_eq!(
        next_person(&store, utc("2026-01-15T17:30:00Z")).unwrap(),
        "P1"
    );
    // At 5:00 UTC nobody may be called; the answer says when someone may.
    assert_eq!(
        next_person(&store, utc("2026-01-15T05:00:00Z")),
        Err(NextCall::WaitUntil {
            at: utc("2026-01-15T14:00:00Z")
        })
    );
}

#[test]
fn calling_hours_follow_the_contacts_clock_across_the_dst_switch() {
    let (_dir, store) = device_with(&spread_out());
    // Sunday 2026-03-08, New York switched to EDT at 2:00: 9:00 EDT is 13:00 UTC.
    assert_eq!(
        next_person(&store, utc("2026-03-08T13:05:00Z")).unwrap(),
        "P3"
    );
    // The same UTC time a week earlier was 8:05 EST: nobody yet.
    assert!(next_person(&store, utc("2026-03-01T13:05:00Z")).is_err());
}

#[test]
fn call_backs_wait_for_their_time_then_come_first_earliest_first() {
    let (_dir, mut store) = device_with(&common::campaign());
    let t0 = utc("2026-10-05T15:00:00Z"); // 10:00 CDT
    let mut later = call("P2", "call_back", t0);
    later.callback_at_ms = Some(utc("2026-10-05T18:00:00Z").timestamp_millis());
    store.record_attempt("A-calls", later).unwrap();
    let mut sooner = call("P5", "call_back", t0);
    sooner.callback_at_ms = Some(utc("2026-10-05T17:00:00Z").timestamp_millis());
    store.record_attempt("A-calls", sooner).unwrap();

    assert_eq!(
        next_person(&store, utc("2026-10-05T16:00:00Z")).unwrap(),
        "P1",
        "call-backs not yet due are not offered"
    );
    assert_eq!(
        next_person(&store, utc("2026-10-05T17:30:00Z")).unwrap(),
        "P5"
    );
    assert_eq!(
        next_person(&store, utc("2026-10-05T18:30:00Z")).unwrap(),
        "P5",
        "the earliest due first"
    );
}

#[test]
fn a_wrong_number_is_skipped_and_the_next_number_is_offered() {
    let (_dir, mut store) = device_with(&common::campaign());
    let now = utc("2026-10-05T16:00:00Z");
    // Mai has a landline and a mobile: the mobile is dialled first.
    assert_eq!(
        store.number_to_dial("L1", "P3", now).unwrap().number,
        "+13125550104"
    );
    let wrong = store
        .record_attempt("A-calls", call("P3", "wrong_number", now))
        .unwrap();
    assert!(wrong.phone_ref.is_some());
    // The result carries a ref, never the number itself.
    let json = serde_json::to_string(&wrong).unwrap();
    assert!(
        !json.contains("5550104") && !json.contains("5550103"),
        "{json}"
    );
    assert_eq!(
        store.number_to_dial("L1", "P3", now).unwrap().number,
        "+13125550103"
    );
    let row = store
        .call_queue("L1")
        .unwrap()
        .into_iter()
        .find(|r| r.person.id == "P3")
        .unwrap();
    assert_eq!(row.status.status, Status::WrongNumber);
    // Both numbers wrong: Mai leaves the queue.
    store
        .record_attempt("A-calls", call("P3", "wrong_number", now))
        .unwrap();
    assert!(
        store
            .call_queue("L1")
            .unwrap()
            .iter()
            .all(|r| r.person.id != "P3")
    );
}

#[test]
fn someone_finished_at_the_door_is_not_called() {
    let (_dir, mut store) = device_with(&common::campaign());
    store
        .record_attempt("A-turf", common::door_result("P1", "refused", 0))
        .unwrap();
    store
        .record_attempt("A-turf", common::door_result("P2", "do_not_knock", 1))
        .unwrap();
    let queue = store.call_queue("L1").unwrap();
    let status = |p: &str| {
        queue
            .iter()
            .find(|r| r.person.id == p)
            .unwrap()
            .status
            .status
            .clone()
    };
    assert_eq!(status("P1"), Status::Refused);
    assert_eq!(status("P2"), Status::DoNotContact);
    let err = store
        .number_to_dial("L1", "P2", utc("2026-10-05T16:00:00Z"))
        .unwrap_err();
    assert!(err.to_string().contains("do not call again"), "{err}");
    assert_eq!(
        next_person(&store, utc("2026-10-05T16:00:00Z")).unwrap(),
        "P3"
    );
}

#[test]
fn suppressions_from_the_server_bar_calls_and_doors() {
    let (_dir, mut store) = device_with(&common::campaign());
    store
        .replace_suppressions(&[("P5".into(), "do_not_contact".into())], &[])
        .unwrap();
    let queue = store.call_queue("L1").unwrap();
    assert_eq!(
        queue
            .iter()
            .find(|r| r.person.id == "P5")
            .unwrap()
            .status
            .status,
        Status::DoNotContact
    );
    let doors = store.walk_list("T1").unwrap();
    let p5 = doors
        .iter()
        .flat_map(|d| &d.people)
        .find(|p| p.person.id == "P5")
        .unwrap();
    assert_eq!(p5.status.status, Status::DoNotContact);
}

#[test]
fn a_claimed_batch_is_the_whole_queue_until_it_expires() {
    let (_dir, mut store) = device_with(&common::campaign());
    let expires = utc("2026-10-05T18:00:00Z").timestamp_millis();
    let batch = ClaimedBatch {
        claim_id: "c1".into(),
        list_id: "L1".into(),
        person_ids: vec!["P2".into(), "P5".into()],
        expires_at_ms: expires,
    };
    store.set_claim(&batch).unwrap();
    let ids: Vec<String> = store
        .call_queue("L1")
        .unwrap()
        .into_iter()
        .map(|r| r.person.id)
        .collect();
    assert_eq!(ids, ["P2", "P5"]);
    assert_eq!(
        next_person(&store, utc("2026-10-05T16:00:00Z")).unwrap(),
        "P2"
    );
    assert_eq!(
        next_person(&store, utc("2026-10-05T18:30:00Z")),
        Err(NextCall::Done),
        "an expired claim offers nobody"
    );
    store.drop_claim("c1").unwrap();
    assert_eq!(store.call_queue("L1").unwrap().len(), 4);
}

/// What the admission rules know of call list L1 (as the server builds it).
fn list_unit(data: &ReferenceData) -> walkbook_core::results::rules::UnitData {
    let mut unit = walkbook_core::results::rules::UnitData {
        label: "call list L1".into(),
        channel: Some(walkbook_core::model::Channel::Phone),
        ..Default::default()
    };
    for p in &data.people {
        if data.call_lists[0].person_ids.contains(&p.id) {
            unit.people.insert(p.id.clone(), p.household_id.clone());
        }
    }
    for c in &data.result_codes {
        if c.channel == walkbook_core::model::Channel::Phone {
            unit.result_effects.insert(c.id.clone(), c.effect);
        }
    }
    for s in &data.scripts {
        unit.scripts.insert((s.id.clone(), s.version), s.clone());
    }
    unit
}

#[test]
fn a_rolled_back_wrong_number_can_be_dialled_again_and_its_undo_bars_it_again() {
    use walkbook_core::results::review::{rollback_of, undo_of};
    use walkbook_core::results::rules::Author;
    let data = common::campaign();
    let (_dir, mut store) = device_with(&data);
    let now = utc("2026-10-05T16:00:00Z");
    let wrong = store
        .record_attempt("A-calls", call("P3", "wrong_number", now))
        .unwrap();
    let bad = wrong.phone_ref.clone().unwrap();
    let people: std::collections::HashSet<String> = ["P3".to_string()].into();
    assert!(store.bad_phone_refs().unwrap().contains(&bad));
    assert_eq!(
        store.wrong_number_refs_of(&people).unwrap(),
        std::slice::from_ref(&bad)
    );
    assert_eq!(
        store.number_to_dial("L1", "P3", now).unwrap().number,
        "+13125550103"
    );

    // An organizer rolls the call back: the number is good again.
    let organizer = Author {
        volunteer_id: "org".into(),
        device_id: "dev-org".into(),
        organizer: true,
    };
    let at = now.timestamp_millis() + 60_000;
    let rollback = rollback_of(&wrong, "r-1".into(), &organizer, "misdialled", at);
    let unit = list_unit(&data);
    store
        .append_reviewed(
            "calls:L1",
            std::slice::from_ref(&rollback),
            &unit,
            &organizer,
            at,
        )
        .unwrap()
        .unwrap();
    assert!(!store.bad_phone_refs().unwrap().contains(&bad));
    assert!(store.wrong_number_refs_of(&people).unwrap().is_empty());
    assert_eq!(
        store.number_to_dial("L1", "P3", now).unwrap().number,
        "+13125550104"
    );

    // Undone: wrong again.
    let undo = undo_of(&rollback, "u-1".into(), &organizer, "it was wrong", at + 1);
    store
        .append_reviewed("calls:L1", &[undo], &unit, &organizer, at + 1)
        .unwrap()
        .unwrap();
    assert_eq!(store.wrong_number_refs_of(&people).unwrap(), [bad]);
    assert_eq!(
        store.number_to_dial("L1", "P3", now).unwrap().number,
        "+13125550103"
    );
}
