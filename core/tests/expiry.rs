//! Expiring data on the phone, without a server: the offline timer deletes
//! an assignment's data once past expiry and grace; results the server has
//! not confirmed stay until it does.

mod common;

use chrono::{Duration, TimeZone, Utc};
use common::door_result;
use walkbook_core::store::EXPIRY_GRACE_MS;

/// Rows of results tables that mention a document.
fn rows_about(d: &common::Device, doc: &str) -> i64 {
    let conn = rusqlite::Connection::open(d.dir.path().join("campaign.db")).unwrap();
    [
        "result_docs",
        "result_chunks",
        "attempts",
        "person_status",
        "household_status",
        "sync_states",
        "server_heads",
    ]
    .iter()
    .map(|t| {
        conn.query_row(
            &format!("SELECT count(*) FROM {t} WHERE doc_id = ?1"),
            [doc],
            |r| r.get::<_, i64>(0),
        )
        .unwrap()
    })
    .sum()
}

#[test]
fn past_expiry_and_grace_the_turf_goes_and_unsynced_results_wait() {
    let mut d = common::device();
    let expiry = d.store.assignment("A-turf").unwrap().assignment.expires_at;
    d.store
        .record_attempt("A-turf", door_result("P1", "refused", 0))
        .unwrap();
    d.store
        .record_attempt("A-turf", door_result("P3", "not_home", 1))
        .unwrap();

    // Within the grace period nothing happens.
    let r = d.store.retire_expired(expiry + Duration::hours(1)).unwrap();
    assert!(r.assignments.is_empty());
    assert_eq!(d.store.walk_list("T1").unwrap().len(), 7);

    let late = expiry + Duration::milliseconds(EXPIRY_GRACE_MS) + Duration::minutes(1);
    let r = d.store.retire_expired(late).unwrap();
    // Both fixture assignments end at the same time.
    assert_eq!(r.assignments, ["A-calls", "A-turf"]);
    assert_eq!(
        r.waiting_to_upload, 2,
        "both results stay: the server has neither"
    );
    assert!(r.documents_wiped.is_empty());
    // The reference data is gone: no doors, no names.
    assert!(d.store.walk_list("T1").is_err());
    assert!(d.store.assignment("A-turf").is_err());
    assert_eq!(d.store.retired_documents().unwrap(), ["turf:T1"]);
    assert_eq!(d.store.attempts("turf:T1").unwrap().len(), 2);
    assert!(d.store.call_queue("L1").is_err());

    // A sync confirms them: then they go too, with every index row.
    let heads = d.store.heads_hex("turf:T1").unwrap();
    d.store
        .finish_sync_round(&[("turf:T1".into(), heads)], None)
        .unwrap();
    assert_eq!(d.store.waiting_to_upload().unwrap(), 0);
    assert_eq!(d.store.purge_uploaded().unwrap(), ["turf:T1"]);
    assert_eq!(rows_about(&d, "turf:T1"), 0);
    assert!(d.store.retired_documents().unwrap().is_empty());
}

#[test]
fn a_retired_turf_with_everything_synced_is_wiped_at_once() {
    let mut d = common::device();
    d.store
        .record_attempt("A-turf", door_result("P1", "refused", 0))
        .unwrap();
    let heads = d.store.heads_hex("turf:T1").unwrap();
    d.store
        .finish_sync_round(&[("turf:T1".into(), heads)], None)
        .unwrap();
    let r = d
        .store
        .retire_all_but(&["A-calls".to_string()].into())
        .unwrap();
    assert_eq!(r.assignments, ["A-turf"]);
    assert_eq!(r.documents_wiped, ["turf:T1"]);
    assert_eq!(r.waiting_to_upload, 0);
    assert_eq!(rows_about(&d, "turf:T1"), 0);
    // Reopened, nothing comes back.
    let reopened =
        walkbook_core::store::DeviceStore::open(d.dir.path().join("campaign.db"), None).unwrap();
    assert!(reopened.walk_list("T1").is_err());
    assert!(
        reopened
            .result_doc_ids()
            .unwrap()
            .iter()
            .all(|d| d != "turf:T1")
    );
}

#[test]
fn the_timer_uses_the_assignment_expiry_not_the_install_time() {
    let mut d = common::device();
    let now = Utc.with_ymd_and_hms(2026, 10, 3, 12, 0, 0).unwrap();
    assert!(d.store.retire_expired(now).unwrap().assignments.is_empty());
    assert_eq!(d.store.assignments().unwrap().len(), 2);
}
