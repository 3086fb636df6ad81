//! Recording attempts: validation, durability, derived status, next door.

mod common;

use common::{at, conversation, door_result};
use walkbook_core::results::{NewAttempt, Status, pick_next_call, pick_next_door};
use walkbook_core::store::StoreError;

fn status_of(d: &mut common::Device, person: &str) -> Status {
    common::door_status(&d.store, person)
}

#[test]
fn a_conversation_is_recorded_and_shows_in_the_walk_list() {
    let mut d = common::device();
    let saved = d
        .store
        .record_attempt(
            "A-turf",
            conversation(
                "P1",
                &[
                    ("support", "2"),
                    ("volunteer", "yes"),
                    ("notes", "  likes parks "),
                ],
                0,
            ),
        )
        .unwrap();
    assert_eq!(saved.household_id, "H1");
    assert_eq!(saved.script_version, 1);
    assert_eq!(saved.volunteer_id, "vol-1");
    assert_eq!(saved.device_id, d.store.device_id());
    assert_eq!(saved.text_answers["notes"], "likes parks");
    assert_eq!(
        status_of(&mut d, "P1"),
        Status::Contacted {
            answers: common::answers(&[("support", "2"), ("volunteer", "yes")])
        }
    );
    assert_eq!(status_of(&mut d, "P2"), Status::NotAttempted);

    // The attempt is in the document itself, not only in the index.
    let reopened =
        walkbook_core::store::DeviceStore::open(d.dir.path().join("campaign.db"), None).unwrap();
    let doc = reopened.load_document("turf:T1").unwrap();
    assert_eq!(
        walkbook_core::results::read_attempts(&doc).unwrap(),
        vec![saved]
    );
}

#[test]
fn nobody_home_applies_to_the_whole_household_and_next_door_moves_on() {
    let mut d = common::device();
    let doors = d.store.walk_list("T1").unwrap();
    assert_eq!(pick_next_door(&doors, at(0)), Some(0));
    d.store
        .record_attempt(
            "A-turf",
            NewAttempt {
                household_id: Some("H1".into()),
                result: Some("not_home".into()),
                at_ms: Some(at(0)),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(status_of(&mut d, "P1"), Status::NotHome);
    assert_eq!(status_of(&mut d, "P2"), Status::NotHome);
    let doors = d.store.walk_list("T1").unwrap();
    assert_eq!(doors[0].household_status.door_attempts, 1);
    assert_eq!(
        pick_next_door(&doors, at(1)),
        Some(1),
        "the next door not yet knocked"
    );
}

#[test]
fn come_back_is_honoured_and_then_offered_first() {
    let mut d = common::device();
    let mut back = door_result("P3", "come_back", 0);
    back.callback_at_ms = Some(at(120));
    d.store.record_attempt("A-turf", back).unwrap();
    let doors = d.store.walk_list("T1").unwrap();
    // H2 (index 1) waits: the next door is H1, not yet knocked.
    assert_eq!(pick_next_door(&doors, at(5)), Some(0));
    // Everyone else finished: nothing to do until the come-back time.
    for (p, minute) in [
        ("P1", 1),
        ("P2", 2),
        ("P4", 3),
        ("P5", 4),
        ("P6", 5),
        ("P7", 6),
        ("P8", 7),
    ] {
        d.store
            .record_attempt("A-turf", door_result(p, "refused", minute))
            .unwrap();
    }
    let doors = d.store.walk_list("T1").unwrap();
    assert_eq!(pick_next_door(&doors, at(60)), None);
    assert_eq!(pick_next_door(&doors, at(121)), Some(1));
}

#[test]
fn the_call_queue_skips_finished_people_and_orders_callbacks_first() {
    let mut d = common::device();
    let call = |p: &str, code: &str, min: i64| NewAttempt {
        person_id: Some(p.into()),
        result: Some(code.into()),
        at_ms: Some(at(min)),
        duration_s: Some(20),
        ..Default::default()
    };
    d.store
        .record_attempt("A-calls", call("P1", "do_not_call", 0))
        .unwrap();
    let mut cb = call("P3", "call_back", 1);
    cb.callback_at_ms = Some(at(30));
    d.store.record_attempt("A-calls", cb).unwrap();
    d.store
        .record_attempt("A-calls", call("P2", "no_answer", 2))
        .unwrap();

    let q = d.store.call_queue("L1").unwrap();
    let pick = |now| pick_next_call(&q, now).map(|i| q[i].person.id.clone());
    assert_eq!(
        pick(at(10)).as_deref(),
        Some("P5"),
        "never-called people before retries"
    );
    assert_eq!(
        pick(at(31)).as_deref(),
        Some("P3"),
        "a due call-back comes first"
    );
    assert_eq!(
        q.iter()
            .find(|r| r.person.id == "P1")
            .unwrap()
            .status
            .status,
        Status::DoNotContact
    );
}

#[test]
fn a_correction_supersedes_the_wrong_attempt() {
    let mut d = common::device();
    let wrong = d
        .store
        .record_attempt("A-turf", door_result("P5", "moved", 0))
        .unwrap();
    assert_eq!(status_of(&mut d, "P5"), Status::Moved);
    d.store
        .correct_attempt(
            "A-turf",
            &wrong.id,
            conversation("P5", &[("support", "1")], 1),
        )
        .unwrap();
    assert_eq!(
        status_of(&mut d, "P5"),
        Status::Contacted {
            answers: common::answers(&[("support", "1")])
        }
    );
    // Both attempts are kept for the audit trail.
    assert_eq!(d.store.attempts("turf:T1").unwrap().len(), 2);
}

fn rejected(d: &mut common::Device, assignment: &str, a: NewAttempt) -> String {
    let before =
        common::dump(&rusqlite::Connection::open(d.dir.path().join("campaign.db")).unwrap());
    let err = d
        .store
        .record_attempt(assignment, a)
        .expect_err("must be rejected");
    assert!(matches!(err, StoreError::InvalidAttempt(_)), "{err}");
    let after =
        common::dump(&rusqlite::Connection::open(d.dir.path().join("campaign.db")).unwrap());
    assert_eq!(before, after, "a rejected attempt must write nothing");
    err.to_string()
}

#[test]
fn an_unknown_person_is_a_clear_error() {
    let mut d = common::device();
    let msg = rejected(&mut d, "A-turf", door_result("P99", "not_home", 0));
    assert!(msg.contains("person P99 is not on turf T1"), "{msg}");
    // P7 is on the turf but not on the call list.
    let msg = rejected(&mut d, "A-calls", door_result("P7", "no_answer", 0));
    assert!(msg.contains("person P7 is not on call list L1"), "{msg}");
}

#[test]
fn a_result_code_of_the_wrong_channel_is_a_clear_error() {
    let mut d = common::device();
    let msg = rejected(&mut d, "A-turf", door_result("P1", "wrong_number", 0));
    assert!(
        msg.contains("\"wrong_number\" is not a door result") && msg.contains("not_home"),
        "{msg}"
    );
}

#[test]
fn an_answer_not_in_the_script_is_a_clear_error() {
    let mut d = common::device();
    let msg = rejected(&mut d, "A-turf", conversation("P1", &[("support", "7")], 0));
    assert!(
        msg.contains("\"7\" is not an answer to question support") && msg.contains("1, 2, 3, 4, 5"),
        "{msg}"
    );
    let msg = rejected(
        &mut d,
        "A-turf",
        conversation("P1", &[("favourite_color", "blue")], 0),
    );
    assert!(
        msg.contains("question \"favourite_color\" is not in script canvass v1"),
        "{msg}"
    );
}

#[test]
fn an_empty_attempt_is_a_clear_error() {
    let mut d = common::device();
    let msg = rejected(
        &mut d,
        "A-turf",
        NewAttempt {
            person_id: Some("P1".into()),
            ..Default::default()
        },
    );
    assert!(msg.contains("needs a result code"), "{msg}");
    let msg = rejected(&mut d, "A-turf", conversation("P1", &[("notes", "   ")], 0));
    assert!(msg.contains("every answer was empty"), "{msg}");
    let msg = rejected(
        &mut d,
        "A-turf",
        NewAttempt {
            result: Some("not_home".into()),
            ..Default::default()
        },
    );
    assert!(msg.contains("needs the person"), "{msg}");
}

#[test]
fn other_bad_input_is_refused_with_a_reason() {
    let mut d = common::device();
    let mut both = door_result("P1", "refused", 0);
    both.answers = common::answers(&[("support", "1")]);
    assert!(rejected(&mut d, "A-turf", both).contains("not both"));
    assert!(
        rejected(&mut d, "A-turf", door_result("P1", "come_back", 0)).contains("needs the time")
    );
    let mut far = door_result("P1", "not_home", 0);
    far.lat = Some(123.0);
    far.lon = Some(0.0);
    assert!(rejected(&mut d, "A-turf", far).contains("not on Earth"));
    let mut fake = door_result("P1", "not_home", 0);
    fake.supersedes = vec!["no-such-attempt".into()];
    assert!(rejected(&mut d, "A-turf", fake).contains("no-such-attempt"));
    let other = d
        .store
        .record_attempt("A-turf", door_result("P2", "not_home", 0))
        .unwrap();
    let mut cross = door_result("P1", "not_home", 1);
    cross.supersedes = vec![other.id];
    assert!(rejected(&mut d, "A-turf", cross).contains("about someone else"));
    assert!(matches!(
        d.store
            .record_attempt("A-none", door_result("P1", "not_home", 0)),
        Err(StoreError::NotFound { .. })
    ));
}

#[test]
fn the_index_rebuilds_from_the_document_to_identical_rows() {
    let mut d = common::device();
    d.store
        .record_attempt("A-turf", conversation("P1", &[("support", "1")], 0))
        .unwrap();
    let wrong = d
        .store
        .record_attempt("A-turf", door_result("P3", "moved", 1))
        .unwrap();
    d.store
        .correct_attempt("A-turf", &wrong.id, door_result("P3", "refused", 2))
        .unwrap();
    d.store
        .record_attempt(
            "A-turf",
            NewAttempt {
                household_id: Some("H4".into()),
                result: Some("not_home".into()),
                at_ms: Some(at(3)),
                ..Default::default()
            },
        )
        .unwrap();
    let conn = rusqlite::Connection::open(d.dir.path().join("campaign.db")).unwrap();
    let before = common::index_rows(&conn, "turf:T1");
    assert!(before.len() > 6);
    for table in [
        "attempts",
        "person_status",
        "person_answers",
        "household_status",
    ] {
        conn.execute(&format!("DELETE FROM {table}"), []).unwrap();
    }
    assert!(common::index_rows(&conn, "turf:T1").is_empty());
    d.store.rebuild_index("turf:T1").unwrap();
    assert_eq!(common::index_rows(&conn, "turf:T1"), before);
}

/// A store that takes many attempts at once (a merge or a server upload)
/// derives statuses of people and doors new to it from the attempts in
/// hand, and re-reads those it knew: either way the rows equal a rebuild.
#[test]
fn an_index_built_from_batches_equals_the_rebuilt_one() {
    let mut phone = common::device();
    let mut replica = common::device();
    // First batch: people and doors the replica has never seen, with a
    // correction of an attempt in the same batch.
    phone
        .store
        .record_attempt("A-turf", conversation("P1", &[("support", "1")], 0))
        .unwrap();
    let wrong = phone
        .store
        .record_attempt("A-turf", door_result("P3", "moved", 1))
        .unwrap();
    phone
        .store
        .correct_attempt("A-turf", &wrong.id, door_result("P3", "refused", 2))
        .unwrap();
    // Two attempts for one person new to the replica, no correction.
    phone
        .store
        .record_attempt("A-turf", door_result("P2", "not_home", 3))
        .unwrap();
    phone
        .store
        .record_attempt("A-turf", conversation("P2", &[("support", "3")], 4))
        .unwrap();
    let first = phone.store.changes_since("turf:T1", &[]).unwrap();
    let heads = phone.store.heads("turf:T1").unwrap();
    let merged = replica
        .store
        .merge_remote_changes("turf:T1", &first)
        .unwrap();
    assert_eq!(merged.new_attempts, 5);
    // Second batch: the same people and doors again (their earlier rows
    // count), a correction of an attempt from the first batch, and a new door.
    phone
        .store
        .record_attempt("A-turf", conversation("P1", &[("support", "2")], 5))
        .unwrap();
    let first_p1 = phone
        .store
        .attempts("turf:T1")
        .unwrap()
        .into_iter()
        .find(|a| a.person_id.as_deref() == Some("P1") && a.at_ms == at(0))
        .unwrap();
    phone
        .store
        .correct_attempt("A-turf", &first_p1.id, door_result("P1", "refused", 6))
        .unwrap();
    phone
        .store
        .record_attempt(
            "A-turf",
            NewAttempt {
                household_id: Some("H4".into()),
                result: Some("not_home".into()),
                at_ms: Some(at(7)),
                ..Default::default()
            },
        )
        .unwrap();
    let second = phone.store.changes_since("turf:T1", &heads).unwrap();
    let merged = replica
        .store
        .merge_remote_changes("turf:T1", &second)
        .unwrap();
    assert_eq!(merged.new_attempts, 3);
    // The same bytes again add nothing and change no row.
    let conn = rusqlite::Connection::open(replica.dir.path().join("campaign.db")).unwrap();
    let batched = common::index_rows(&conn, "turf:T1");
    replica
        .store
        .merge_remote_changes("turf:T1", &second)
        .unwrap();
    assert_eq!(common::index_rows(&conn, "turf:T1"), batched);
    // The phone built its index one attempt at a time: the same statuses.
    let phone_conn = rusqlite::Connection::open(phone.dir.path().join("campaign.db")).unwrap();
    let status_rows = |rows: &[String]| -> Vec<String> {
        rows.iter()
            .filter(|r| !r.starts_with("attempts:"))
            .cloned()
            .collect()
    };
    assert_eq!(
        status_rows(&common::index_rows(&phone_conn, "turf:T1")),
        status_rows(&batched)
    );
    assert!(
        batched
            .iter()
            .any(|r| r.starts_with("person_status:") && r.contains("P3"))
    );
    assert!(
        batched
            .iter()
            .any(|r| r.starts_with("household_status:") && r.contains("H4"))
    );
    replica.store.rebuild_index("turf:T1").unwrap();
    assert_eq!(common::index_rows(&conn, "turf:T1"), batched);
}

#[test]
fn a_newer_packet_leaves_results_alone() {
    let mut d = common::device();
    d.store
        .record_attempt("A-turf", conversation("P1", &[("support", "1")], 0))
        .unwrap();
    let mut data = common::campaign();
    data.scripts[0] = common::canvass_script(2);
    d.store
        .install_packet(&common::packet(&data, "A-turf", 2))
        .unwrap();
    assert_eq!(d.store.attempts("turf:T1").unwrap().len(), 1);
    assert!(matches!(status_of(&mut d, "P1"), Status::Contacted { .. }));
}

#[test]
fn a_double_tap_with_the_same_client_id_records_once() {
    let mut d = common::device();
    let tap = NewAttempt {
        id: Some("6f9619ff-8b86-4011-b42d-00c04fc964ff".into()),
        ..door_result("P1", "not_home", 0)
    };
    let first = d.store.record_attempt("A-turf", tap.clone()).unwrap();
    let second = d.store.record_attempt("A-turf", tap).unwrap();
    assert_eq!(first, second, "the second tap returns the first record");
    assert_eq!(first.id, "6f9619ff-8b86-4011-b42d-00c04fc964ff");
    let attempts = d.store.attempts("turf:T1").unwrap();
    assert_eq!(attempts.len(), 1, "one knock, one attempt");
    assert_eq!(d.store.pending_upload_count().unwrap(), 1);
    // A client id that is not an id is refused, nothing written.
    let bad = NewAttempt {
        id: Some("<script>".into()),
        ..door_result("P1", "not_home", 1)
    };
    assert!(rejected(&mut d, "A-turf", bad).contains("UUID"));
    assert_eq!(d.store.attempts("turf:T1").unwrap().len(), 1);
}

mod next_door_matches_the_walk_list {
    use super::common;
    use common::at;
    use proptest::prelude::*;
    use walkbook_core::results::{NewAttempt, pick_next_door};

    /// One step of a shift: a result at a door or for a person, a call
    /// result elsewhere in the campaign, or news from the server.
    #[derive(Debug, Clone)]
    enum Step {
        Person(usize, &'static str, i64),
        Household(usize, &'static str, i64),
        Call(usize, &'static str),
        Suppressed(usize, &'static str),
    }

    fn step() -> impl Strategy<Value = Step> {
        let door_code = prop::sample::select(vec![
            "not_home",
            "refused",
            "moved",
            "come_back",
            "do_not_knock",
        ]);
        prop_oneof![
            (1..=8usize, door_code.clone(), 0..240i64).prop_map(|(p, c, t)| Step::Person(p, c, t)),
            (1..=5usize, door_code, 0..240i64).prop_map(|(h, c, t)| Step::Household(h, c, t)),
            (
                1..=8usize,
                prop::sample::select(vec!["no_answer", "do_not_call"])
            )
                .prop_map(|(p, c)| Step::Call(p, c)),
            (
                1..=8usize,
                prop::sample::select(vec!["contacted", "moved", "not_home"])
            )
                .prop_map(|(p, k)| Step::Suppressed(p, k)),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        #[test]
        fn after_every_result(steps in prop::collection::vec(step(), 1..14)) {
            // P5 asked not to be contacted in the voter file itself.
            let dir = tempfile::tempdir().unwrap();
            let mut store =
                walkbook_core::store::DeviceStore::open(dir.path().join("c.db"), None).unwrap();
            let mut data = common::campaign();
            data.people.iter_mut().find(|p| p.id == "P5").unwrap().do_not_contact = true;
            store.install_packet(&common::packet(&data, "A-turf", 1)).unwrap();
            store.install_packet(&common::packet(&data, "A-calls", 1)).unwrap();
            let mut d = common::Device { dir, store };
            let mut suppressed: Vec<(String, String)> = Vec::new();
            for (minute, s) in steps.into_iter().enumerate() {
                let minute = minute as i64;
                let (assignment, attempt) = match s {
                    Step::Person(p, code, back) => ("A-turf", NewAttempt {
                        person_id: Some(format!("P{p}")),
                        result: Some(code.into()),
                        callback_at_ms: Some(at(minute + back)),
                        at_ms: Some(at(minute)),
                        ..Default::default()
                    }),
                    Step::Household(h, code, back) => ("A-turf", NewAttempt {
                        household_id: Some(format!("H{h}")),
                        result: Some(code.into()),
                        callback_at_ms: Some(at(minute + back)),
                        at_ms: Some(at(minute)),
                        ..Default::default()
                    }),
                    Step::Call(p, code) => ("A-calls", NewAttempt {
                        person_id: Some(format!("P{p}")),
                        result: Some(code.into()),
                        at_ms: Some(at(minute)),
                        ..Default::default()
                    }),
                    Step::Suppressed(p, kind) => {
                        suppressed.push((format!("P{p}"), kind.into()));
                        d.store.replace_suppressions(&suppressed, &[]).unwrap();
                        continue;
                    }
                };
                // Results the rules refuse (someone not on this list) change nothing.
                let _ = d.store.record_attempt(assignment, attempt);
                for now in [at(minute), at(minute + 60), at(minute + 300)] {
                    let doors = d.store.walk_list("T1").unwrap();
                    let expected = pick_next_door(&doors, now).map(|i| doors[i].clone());
                    prop_assert_eq!(d.store.next_door("T1", now).unwrap(), expected);
                }
            }
        }
    }
}

#[test]
fn the_index_keeps_attempts_packed_and_still_reads_rows_kept_whole() {
    let mut d = common::device();
    let wrong = d
        .store
        .record_attempt("A-turf", door_result("P5", "moved", 0))
        .unwrap();
    let conn = rusqlite::Connection::open(d.dir.path().join("campaign.db")).unwrap();
    let body = |conn: &rusqlite::Connection, id: &str| -> String {
        conn.query_row("SELECT body FROM attempts WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .unwrap()
    };
    // The row holds the packed form: no id (the row has it), no unset fields.
    let packed = body(&conn, &wrong.id);
    assert!(
        !packed.contains("\"id\"") && !packed.contains("null"),
        "{packed}"
    );
    assert!(
        packed.len() < serde_json::to_string(&wrong).unwrap().len() * 2 / 3,
        "{packed}"
    );
    assert_eq!(
        walkbook_core::results::unpack_attempt(&wrong.id, &packed).unwrap(),
        wrong
    );
    // A row written whole (as before the index kept the packed form)
    // reads the same, and a correction of it (which reads its row, and
    // re-derives the status from both rows) works.
    conn.execute(
        "UPDATE attempts SET body = ?1 WHERE id = ?2",
        [serde_json::to_string(&wrong).unwrap(), wrong.id.clone()],
    )
    .unwrap();
    assert_eq!(
        d.store.attempts_by_doc().unwrap(),
        vec![("turf:T1".to_string(), vec![wrong.clone()])]
    );
    let fixed = d
        .store
        .correct_attempt(
            "A-turf",
            &wrong.id,
            conversation("P5", &[("support", "1")], 1),
        )
        .unwrap();
    assert_eq!(
        status_of(&mut d, "P5"),
        Status::Contacted {
            answers: common::answers(&[("support", "1")])
        }
    );
    let mut both = vec![wrong.clone(), fixed];
    both.sort_by(|x, y| x.id.cmp(&y.id));
    assert_eq!(d.store.attempts_by_doc().unwrap()[0].1, both);
    // A damaged row is a clear error, never a panic or a made-up attempt.
    conn.execute(
        "UPDATE attempts SET body = '{\"household_id\": 7}' WHERE id = ?1",
        [&wrong.id],
    )
    .unwrap();
    match d.store.attempts_by_doc() {
        Err(StoreError::Corrupt(m)) => assert!(m.contains(&wrong.id), "{m}"),
        other => panic!("expected a corrupt-row error, got {other:?}"),
    }
}
