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

#[test]
fn attempts_indexed_before_schema_9_survive_the_move_to_a_rowid_table() {
    // The schema as walkbook shipped it before version 9.
    const UP_TO_V8: [&str; 8] = [
        include_str!("../src/store/schema_v1.sql"),
        include_str!("../src/store/schema_v2.sql"),
        include_str!("../src/store/schema_v3.sql"),
        include_str!("../src/store/schema_v4.sql"),
        include_str!("../src/store/schema_v5.sql"),
        include_str!("../src/store/schema_v6.sql"),
        include_str!("../src/store/schema_v7.sql"),
        include_str!("../src/store/schema_v8.sql"),
    ];
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.db");
    {
        let conn = walkbook_core::store::open_database_with(&path, None, &UP_TO_V8).unwrap();
        conn.execute(
            "INSERT INTO result_docs (doc_id, heads, updated_at_ms) VALUES ('turf:T1', '[]', 1)",
            [],
        )
        .unwrap();
        for (id, person, effect) in [
            ("a2", "P1", Some("wrong_number")),
            ("a1", "P2", None),
            ("a3", "P1", None),
        ] {
            conn.execute(
                "INSERT INTO attempts (doc_id, id, person_id, household_id, channel, at_ms, volunteer_id, device_id, body, effect, phone_ref)
                 VALUES ('turf:T1', ?1, ?2, 'H1', 'door', 5, 'V1', 'D1', '{}', ?3, 'ref-1')",
                rusqlite::params![id, person, effect],
            )
            .unwrap();
        }
    }
    let v = DeviceStore::open(&path, None)
        .unwrap()
        .schema_version()
        .unwrap();
    assert!(v >= 9);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let rows: Vec<(i64, String, Option<String>)> = conn
        .prepare("SELECT rowid, id, effect FROM attempts ORDER BY rowid")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let ids: Vec<&str> = rows.iter().map(|r| r.1.as_str()).collect();
    assert_eq!(ids, ["a1", "a2", "a3"]);
    assert_eq!(rows[1].2.as_deref(), Some("wrong_number"));
    // The key still holds: the same attempt is not indexed twice.
    let again = conn
        .execute(
            "INSERT OR IGNORE INTO attempts (doc_id, id, household_id, channel, at_ms, volunteer_id, device_id, body)
             VALUES ('turf:T1', 'a1', 'H1', 'door', 5, 'V1', 'D1', '{}')",
            [],
        )
        .unwrap();
    assert_eq!(again, 0);
    let indexes: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'attempts' AND name NOT LIKE 'sqlite_autoindex%' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        indexes,
        [
            "attempts_by_household",
            "attempts_by_person",
            "attempts_wrong_numbers"
        ]
    );
}
