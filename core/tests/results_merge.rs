//! Merging results between replicas: conflicts, idempotence, corruption.

mod common;

use common::{conversation, door_result};
use walkbook_core::results::{Status, read_attempts};
use walkbook_core::store::{DeviceStore, StoreError};

/// Sends everything `from` has for the turf to `to`.
fn send(
    from: &mut common::Device,
    to: &mut common::Device,
) -> walkbook_core::results::MergeOutcome {
    let bytes = from.store.changes_since("turf:T1", &[]).unwrap();
    to.store.merge_remote_changes("turf:T1", &bytes).unwrap()
}

fn person_status(d: &common::Device, person: &str) -> Status {
    common::door_status(&d.store, person)
}

#[test]
fn disagreeing_outcomes_from_two_devices_become_a_conflict_until_corrected() {
    let mut a = common::device();
    let mut b = common::device();
    let one = a
        .store
        .record_attempt("A-turf", conversation("P1", &[("support", "1")], 0))
        .unwrap();
    let five = b
        .store
        .record_attempt("A-turf", conversation("P1", &[("support", "5")], 1))
        .unwrap();
    send(&mut a, &mut b);
    send(&mut b, &mut a);
    let mut both = vec![one.id.clone(), five.id.clone()];
    both.sort();
    for d in [&a, &b] {
        assert_eq!(
            person_status(d, "P1"),
            Status::Conflict {
                attempt_ids: both.clone()
            }
        );
    }
    // An organizer settles it with an attempt superseding both.
    let mut fix = conversation("P1", &[("support", "2")], 5);
    fix.supersedes = vec![one.id, five.id];
    a.store.record_attempt("A-turf", fix).unwrap();
    send(&mut a, &mut b);
    assert_eq!(
        person_status(&b, "P1"),
        Status::Contacted {
            answers: common::answers(&[("support", "2")])
        }
    );
}

#[test]
fn contacted_and_moved_for_the_same_person_is_a_conflict() {
    let mut a = common::device();
    let mut b = common::device();
    a.store
        .record_attempt("A-turf", conversation("P6", &[("support", "3")], 0))
        .unwrap();
    b.store
        .record_attempt("A-turf", door_result("P6", "moved", 2))
        .unwrap();
    send(&mut b, &mut a);
    assert!(matches!(person_status(&a, "P6"), Status::Conflict { .. }));
}

#[test]
fn agreeing_attempts_are_not_a_conflict() {
    let mut a = common::device();
    let mut b = common::device();
    a.store
        .record_attempt("A-turf", conversation("P6", &[("support", "3")], 0))
        .unwrap();
    b.store
        .record_attempt(
            "A-turf",
            conversation("P6", &[("support", "3"), ("volunteer", "yes")], 2),
        )
        .unwrap();
    b.store
        .record_attempt("A-turf", door_result("P6", "not_home", 3))
        .unwrap();
    send(&mut b, &mut a);
    assert_eq!(
        person_status(&a, "P6"),
        Status::Contacted {
            answers: common::answers(&[("support", "3"), ("volunteer", "yes")])
        }
    );
}

#[test]
fn applying_the_same_changes_twice_changes_nothing() {
    let mut a = common::device();
    let mut b = common::device();
    a.store
        .record_attempt("A-turf", conversation("P1", &[("support", "1")], 0))
        .unwrap();
    a.store
        .record_attempt("A-turf", door_result("P7", "refused", 1))
        .unwrap();
    let first = send(&mut a, &mut b);
    assert_eq!(first.new_attempts, 2);
    let db = b.dir.path().join("campaign.db");
    let before = common::dump(&rusqlite::Connection::open(&db).unwrap());
    let again = send(&mut a, &mut b);
    assert_eq!(
        again,
        walkbook_core::results::MergeOutcome {
            new_changes: 0,
            new_attempts: 0
        }
    );
    assert_eq!(
        before,
        common::dump(&rusqlite::Connection::open(&db).unwrap())
    );
    // One more: only the attempt that was not there before counts as new
    // and is indexed, next to the two already held.
    a.store
        .record_attempt("A-turf", door_result("P8", "not_home", 2))
        .unwrap();
    let third = send(&mut a, &mut b);
    assert_eq!((third.new_changes, third.new_attempts), (1, 1));
    let indexed: i64 = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row("SELECT count(*) FROM attempts", [], |r| r.get(0))
        .unwrap();
    assert_eq!(indexed, 3);
}

#[test]
fn damaged_remote_changes_are_refused_and_nothing_is_written() {
    let mut a = common::device();
    let mut b = common::device();
    a.store
        .record_attempt("A-turf", conversation("P1", &[("support", "1")], 0))
        .unwrap();
    let good = a.store.changes_since("turf:T1", &[]).unwrap();
    let db = b.dir.path().join("campaign.db");
    let before = common::dump(&rusqlite::Connection::open(&db).unwrap());
    for bad in [
        good[..good.len() - 3].to_vec(),
        {
            let mut x = good.clone();
            x[40] ^= 0xff;
            x
        },
        b"hello".to_vec(),
    ] {
        assert!(b.store.merge_remote_changes("turf:T1", &bad).is_err());
        assert_eq!(
            before,
            common::dump(&rusqlite::Connection::open(&db).unwrap())
        );
    }
    // A document for another unit is refused too.
    assert!(b.store.merge_remote_changes("calls:L1", &good).is_err());
    assert_eq!(send(&mut a, &mut b).new_attempts, 1);
}

fn corrupt_first_chunk(d: &common::Device, damage: impl Fn(&mut Vec<u8>)) {
    let conn = rusqlite::Connection::open(d.dir.path().join("campaign.db")).unwrap();
    let (hash, mut bytes): (String, Vec<u8>) = conn
        .query_row("SELECT hash, bytes FROM result_chunks WHERE doc_id = 'turf:T1' ORDER BY seq DESC LIMIT 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    damage(&mut bytes);
    conn.execute(
        "UPDATE result_chunks SET bytes = ?1 WHERE hash = ?2",
        rusqlite::params![bytes, hash],
    )
    .unwrap();
}

#[test]
fn a_flipped_byte_in_a_stored_chunk_is_reported_on_load() {
    let mut d = common::device();
    for (i, p) in ["P1", "P2", "P3"].iter().enumerate() {
        d.store
            .record_attempt("A-turf", door_result(p, "not_home", i as i64))
            .unwrap();
    }
    corrupt_first_chunk(&d, |b| {
        let i = b.len() / 2;
        b[i] ^= 0x01;
    });
    let reopened = DeviceStore::open(d.dir.path().join("campaign.db"), None).unwrap();
    let err = reopened.load_document("turf:T1").unwrap_err();
    assert!(matches!(err, StoreError::Corrupt(_)), "{err}");
    assert!(err.to_string().contains("damaged"), "{err}");
}

#[test]
fn a_truncated_or_missing_chunk_is_reported_not_silently_dropped() {
    let mut d = common::device();
    for (i, p) in ["P1", "P2", "P3"].iter().enumerate() {
        d.store
            .record_attempt("A-turf", door_result(p, "not_home", i as i64))
            .unwrap();
    }
    corrupt_first_chunk(&d, |b| b.truncate(b.len() - 5));
    let err = DeviceStore::open(d.dir.path().join("campaign.db"), None)
        .unwrap()
        .load_document("turf:T1")
        .unwrap_err();
    assert!(err.to_string().contains("damaged"), "{err}");

    let conn = rusqlite::Connection::open(d.dir.path().join("campaign.db")).unwrap();
    conn.execute(
        "DELETE FROM result_chunks WHERE seq = (SELECT max(seq) FROM result_chunks WHERE doc_id = 'turf:T1')",
        [],
    )
    .unwrap();
    let err = DeviceStore::open(d.dir.path().join("campaign.db"), None)
        .unwrap()
        .load_document("turf:T1")
        .unwrap_err();
    assert!(err.to_string().contains("history is incomplete"), "{err}");
}

#[test]
fn compaction_keeps_every_attempt_and_shrinks_the_chunk_list() {
    let mut d = common::device();
    let n = walkbook_core::results::COMPACT_AFTER_CHUNKS + 10;
    for i in 0..n {
        d.store
            .record_attempt("A-turf", door_result("P8", "not_home", i))
            .unwrap();
    }
    assert!(d.store.chunk_count("turf:T1").unwrap() < walkbook_core::results::COMPACT_AFTER_CHUNKS);
    let reopened = DeviceStore::open(d.dir.path().join("campaign.db"), None).unwrap();
    let doc = reopened.load_document("turf:T1").unwrap();
    assert_eq!(
        walkbook_core::results::read_attempts(&doc).unwrap().len() as i64,
        n
    );
}

/// A sync message carrying `changes` (and nothing else worth reading).
fn message_with(changes: &[&automerge::Change]) -> Vec<u8> {
    use automerge::sync::{ChunkList, Message, MessageVersion};
    Message {
        heads: Vec::new(),
        need: Vec::new(),
        have: Vec::new(),
        changes: ChunkList::from(
            changes
                .iter()
                .map(|c| c.raw_bytes().to_vec())
                .collect::<Vec<_>>(),
        ),
        flags: None,
        version: MessageVersion::V1,
    }
    .encode()
}

#[test]
fn a_change_that_waited_for_its_history_is_stored_when_the_history_comes() {
    let mut a = common::device();
    let mut b = common::device();
    for (i, p) in ["P1", "P2", "P5"].iter().enumerate() {
        a.store
            .record_attempt("A-turf", door_result(p, "not_home", i as i64))
            .unwrap();
    }
    let all =
        walkbook_core::results::split_changes(&a.store.changes_since("turf:T1", &[]).unwrap())
            .unwrap();
    let (last, earlier) = all.split_last().unwrap();
    // The newest attempt first: its history is missing, so it waits.
    let waited = b
        .store
        .receive_sync_message("turf:T1", "a", &message_with(&[last]))
        .unwrap();
    assert_eq!((waited.new_changes, waited.new_attempts), (0, 0));
    // Then its history: everything applies, the waiting change too.
    let rest: Vec<&automerge::Change> = earlier.iter().collect();
    let merged = b
        .store
        .receive_sync_message("turf:T1", "a", &message_with(&rest))
        .unwrap();
    assert_eq!(merged.new_attempts, 3);
    // And every one of them is on disk.
    let reopened = DeviceStore::open(b.dir.path().join("campaign.db"), None).unwrap();
    let mut stored: Vec<String> = reopened
        .load_document("turf:T1")
        .map(|doc| read_attempts(&doc).unwrap())
        .unwrap()
        .into_iter()
        .map(|a| a.person_id.unwrap_or_default())
        .collect();
    stored.sort();
    assert_eq!(stored, ["P1", "P2", "P5"]);
}

#[test]
fn two_stores_syncing_as_peers_send_the_changes_once_and_fall_silent() {
    let mut a = common::device();
    for i in 0..5 {
        a.store
            .record_attempt("A-turf", door_result("P1", "refused", i))
            .unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let mut b = DeviceStore::open(dir.path().join("b.db"), None).unwrap();
    let mut with_changes = 0;
    let mut rounds = 0;
    for _ in 0..8 {
        let up = a.store.generate_sync_message("turf:T1", "b").unwrap();
        if let Some(m) = &up
            && b.receive_sync_message("turf:T1", "a", m)
                .unwrap()
                .new_changes
                > 0
        {
            with_changes += 1;
        }
        let down = b.generate_sync_message("turf:T1", "a").unwrap();
        if let Some(m) = &down {
            a.store.receive_sync_message("turf:T1", "b", m).unwrap();
        }
        if up.is_none() && down.is_none() {
            break;
        }
        rounds += 1;
    }
    assert_eq!(b.attempts("turf:T1").unwrap().len(), 5);
    assert_eq!(with_changes, 1);
    // Hello, changes and b's heads, then silence (it used to resend the
    // changes every round: b never told a it had caught up).
    assert_eq!(rounds, 2);
    assert_eq!(
        a.store.heads_hex("turf:T1").unwrap(),
        b.heads_hex("turf:T1").unwrap()
    );
}

fn chunk_rows(d: &common::Device) -> Vec<(String, i64, i64)> {
    let conn = rusqlite::Connection::open(d.dir.path().join("campaign.db")).unwrap();
    let mut st = conn
        .prepare("SELECT hash, changes, length(bytes) FROM result_chunks WHERE doc_id = 'turf:T1' ORDER BY seq")
        .unwrap();
    st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn the_changes_of_one_write_are_one_row_and_load_back_with_rows_of_one() {
    let mut a = common::device();
    for (i, p) in ["P1", "P2", "P3", "P4"].iter().enumerate() {
        a.store
            .record_attempt("A-turf", door_result(p, "not_home", i as i64))
            .unwrap();
    }
    // The recording device wrote a row per attempt (the first with the
    // document's genesis): 5 changes in 4 rows.
    let rows_a = chunk_rows(&a);
    let counts: Vec<i64> = rows_a.iter().map(|r| r.1).collect();
    assert_eq!(counts, [2, 1, 1, 1], "{rows_a:?}");
    assert_eq!(a.store.chunk_count("turf:T1").unwrap(), 5);
    // The receiver stores what one merge added as one row, keyed by its
    // first change.
    let mut b = common::device();
    assert!(chunk_rows(&b).is_empty());
    assert_eq!(send(&mut a, &mut b).new_attempts, 4);
    let rows_b = chunk_rows(&b);
    assert_eq!(rows_b.len(), 1, "{rows_b:?}");
    let (hash, n, len) = rows_b[0].clone();
    assert_eq!(n, 5);
    assert_eq!(hash, rows_a[0].0);
    assert_eq!(len, rows_a.iter().map(|r| r.2).sum::<i64>());
    // Rows of one and of several mix: b records one more of its own.
    b.store
        .record_attempt("A-turf", door_result("P5", "not_home", 9))
        .unwrap();
    assert_eq!(chunk_rows(&b).last().unwrap().1, 1);
    assert_eq!(b.store.chunk_count("turf:T1").unwrap(), 6);
    let reopened = DeviceStore::open(b.dir.path().join("campaign.db"), None).unwrap();
    let doc = reopened.load_document("turf:T1").unwrap();
    assert_eq!(read_attempts(&doc).unwrap().len(), 5);
}

#[test]
fn a_row_of_several_changes_that_is_damaged_or_miscounted_is_reported_on_load() {
    let mut a = common::device();
    for (i, p) in ["P1", "P2", "P3"].iter().enumerate() {
        a.store
            .record_attempt("A-turf", door_result(p, "not_home", i as i64))
            .unwrap();
    }
    for damage in ["flip", "count", "first"] {
        let mut b = common::device();
        send(&mut a, &mut b);
        // One row, holding the four changes (genesis and three attempts).
        let rows = chunk_rows(&b);
        assert_eq!(rows.iter().map(|r| r.1).collect::<Vec<_>>(), [4]);
        let hash = rows[0].0.clone();
        let conn = rusqlite::Connection::open(b.dir.path().join("campaign.db")).unwrap();
        match damage {
            // A byte in the last change, not the first.
            "flip" => corrupt_first_chunk(&b, |bytes| {
                let i = bytes.len() - 20;
                bytes[i] ^= 0x01;
            }),
            "count" => {
                conn.execute(
                    "UPDATE result_chunks SET changes = 3 WHERE hash = ?1",
                    [&hash],
                )
                .unwrap();
            }
            _ => {
                conn.execute(
                    "UPDATE result_chunks SET hash = ?1 WHERE hash = ?2",
                    rusqlite::params![format!("{:0>64}", "1"), hash],
                )
                .unwrap();
            }
        }
        let err = DeviceStore::open(b.dir.path().join("campaign.db"), None)
            .unwrap()
            .load_document("turf:T1")
            .unwrap_err();
        assert!(matches!(err, StoreError::Corrupt(_)), "{damage}: {err}");
        assert!(err.to_string().contains("damaged"), "{damage}: {err}");
    }
}

#[test]
fn a_write_whose_first_change_is_stored_already_keeps_the_rest_one_row_each() {
    let mut a = common::device();
    for (i, p) in ["P1", "P2", "P3"].iter().enumerate() {
        a.store
            .record_attempt("A-turf", door_result(p, "not_home", i as i64))
            .unwrap();
    }
    let changes = a.store.load_document("turf:T1").unwrap().get_changes(&[]);
    assert_eq!(changes.len(), 4);
    let (genesis, first) = (&changes[0], &changes[1]);
    let mut b = common::device();
    b.store
        .merge_remote_changes("turf:T1", genesis.raw_bytes())
        .unwrap();
    // b holds the document in memory; then the first attempt's change
    // reaches b's file behind its back, as a row of its own.
    let conn = rusqlite::Connection::open(b.dir.path().join("campaign.db")).unwrap();
    conn.execute(
        "INSERT INTO result_chunks (doc_id, hash, seq, bytes) VALUES ('turf:T1', ?1, 1000, ?2)",
        rusqlite::params![first.hash().to_string(), first.raw_bytes()],
    )
    .unwrap();
    let rest: Vec<u8> = changes[1..]
        .iter()
        .flat_map(|c| c.raw_bytes().to_vec())
        .collect();
    assert_eq!(
        b.store
            .merge_remote_changes("turf:T1", &rest)
            .unwrap()
            .new_attempts,
        3
    );
    // Nothing was lost: the write's row could not go in under the stored
    // first change, so its changes went in one row each (the first kept
    // once).
    let rows = chunk_rows(&b);
    assert_eq!(rows.len(), 4, "{rows:?}");
    assert!(rows.iter().all(|r| r.1 == 1), "{rows:?}");
    let reopened = DeviceStore::open(b.dir.path().join("campaign.db"), None).unwrap();
    let doc = reopened.load_document("turf:T1").unwrap();
    assert_eq!(read_attempts(&doc).unwrap().len(), 3);
}
