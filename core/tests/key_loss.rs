//! A phone whose database key is gone: the unreadable file is set aside
//! (never deleted), a fresh database starts, and the volunteer is told what
//! happened; a readable database is never moved.

mod common;

use walkbook_core::store::{
    DatabaseKey, DeviceStore, KEY_LOSS_MESSAGE, StoreError, set_aside_unreadable,
};

#[test]
fn an_unreadable_database_is_set_aside_and_its_results_survive_for_the_old_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("campaign.db");
    let old = DatabaseKey::from_slice(&[1; 32]).unwrap();
    let new = DatabaseKey::from_slice(&[2; 32]).unwrap();
    let unsynced = {
        let mut store = DeviceStore::open(&path, Some(&old)).unwrap();
        store
            .install_packet(&common::packet(&common::campaign(), "A-turf", 1))
            .unwrap();
        store
            .record_attempt("A-turf", common::door_result("P1", "refused", 0))
            .unwrap()
            .id
    };
    // The Keystore lost the key: the app has a new one.
    assert!(matches!(
        DeviceStore::open(&path, Some(&new)),
        Err(StoreError::WrongKeyOrNotADatabase { .. })
    ));
    let loss = set_aside_unreadable(&path, Some(&new), 1_700_000_000_000).unwrap();
    assert_eq!(loss.message, KEY_LOSS_MESSAGE);
    assert!(loss.message.contains("new invite"));
    assert!(
        loss.set_aside
            .ends_with("campaign.db.unreadable-1700000000000")
    );
    assert!(!path.exists());
    // A fresh database opens with the new key…
    let fresh = DeviceStore::open(&path, Some(&new)).unwrap();
    assert!(fresh.assignments().unwrap().is_empty());
    // …and the old results are still there for the old key.
    let mut kept = DeviceStore::open(&loss.set_aside, Some(&old)).unwrap();
    let ids: Vec<String> = kept
        .attempts("turf:T1")
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(ids, vec![unsynced]);
}

#[test]
fn a_readable_database_is_never_set_aside() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("campaign.db");
    let key = DatabaseKey::from_slice(&[3; 32]).unwrap();
    DeviceStore::open(&path, Some(&key)).unwrap();
    assert!(set_aside_unreadable(&path, Some(&key), 1).is_err());
    assert!(path.exists());
    assert!(DeviceStore::open(&path, Some(&key)).is_ok());
}
