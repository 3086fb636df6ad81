//! Opening the device database: migrations, schema versions, encryption.

mod common;

use walkbook_core::store::{DatabaseKey, DeviceStore, StoreError};

#[test]
fn a_new_store_is_migrated_to_the_latest_schema_and_reopens_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.db");
    let v = DeviceStore::open(&path, None)
        .unwrap()
        .schema_version()
        .unwrap();
    assert!(v >= 1);
    assert_eq!(
        DeviceStore::open(&path, None)
            .unwrap()
            .schema_version()
            .unwrap(),
        v
    );
    let conn = rusqlite::Connection::open(&path).unwrap();
    let mode: String = conn
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn a_database_from_a_newer_walkbook_is_refused_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.db");
    let v = DeviceStore::open(&path, None)
        .unwrap()
        .schema_version()
        .unwrap();
    rusqlite::Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", v + 1)
        .unwrap();
    let err = DeviceStore::open(&path, None)
        .err()
        .expect("newer schema must be refused");
    assert!(matches!(err, StoreError::NewerSchema { .. }), "{err}");
    assert!(err.to_string().contains("update the app"), "{err}");
}

#[test]
fn an_encrypted_store_needs_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.db");
    let key = DatabaseKey::from_bytes([7; 32]);
    let mut store = DeviceStore::open(&path, Some(&key)).unwrap();
    store
        .install_packet(&common::packet(&common::campaign(), "A-turf", 1))
        .unwrap();
    drop(store);

    // The file on disk carries no plaintext: no SQLite header, no voter names.
    let bytes = std::fs::read(&path).unwrap();
    assert!(!bytes.starts_with(b"SQLite format 3"));
    let wal = std::fs::read(dir.path().join("c.db-wal")).unwrap_or_default();
    for file in [&bytes, &wal] {
        assert!(
            !file.windows(5).any(|w| w == b"Reyes"),
            "a voter's name is readable on disk"
        );
    }

    let no_key = DeviceStore::open(&path, None)
        .err()
        .expect("opening without the key must fail");
    assert!(
        matches!(no_key, StoreError::WrongKeyOrNotADatabase { .. }),
        "{no_key}"
    );
    let wrong = DeviceStore::open(&path, Some(&DatabaseKey::from_bytes([8; 32])))
        .err()
        .expect("wrong key must fail");
    assert!(
        wrong.to_string().contains("encryption key is wrong"),
        "{wrong}"
    );

    let store = DeviceStore::open(&path, Some(&key)).unwrap();
    assert_eq!(store.walk_list("T1").unwrap().len(), 7);
}

#[test]
fn a_key_of_the_wrong_length_is_a_clear_error() {
    let err = DatabaseKey::from_slice(&[1; 16]).unwrap_err();
    assert!(err.contains("exactly 32 bytes"), "{err}");
}

#[test]
fn a_file_that_is_not_a_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.db");
    std::fs::write(&path, vec![0x5a; 8192]).unwrap();
    let err = DeviceStore::open(&path, None)
        .err()
        .expect("not a database");
    assert!(
        matches!(err, StoreError::WrongKeyOrNotADatabase { .. }),
        "{err}"
    );
}
