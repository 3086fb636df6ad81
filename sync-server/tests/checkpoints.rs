//! A serving process's campaign stores copy committed WAL pages into their
//! files from a background thread, not inside a request's commit; an
//! admin command's stores leave it to SQLite's own threshold. Either way
//! every committed result is there when the store is opened again.

use std::path::Path;
use std::time::{Duration, Instant};

use walkbook_server::db::{ResultsStore, SqliteResults, sqlite_store_path};

fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

/// Writes `n` documents (one commit each: well under SQLite's 1,000-page
/// automatic checkpoint) and returns the campaign file's size before them.
fn write_documents(store: &SqliteResults, dir: &Path, n: usize) -> u64 {
    store
        .ensure_documents("c1", &["turf:T0".to_string()])
        .unwrap();
    let before = file_len(&sqlite_store_path(dir, "c1"));
    for i in 1..=n {
        store
            .ensure_documents("c1", &[format!("turf:T{i}")])
            .unwrap();
    }
    before
}

#[test]
fn a_serving_store_checkpoints_in_the_background_and_loses_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("campaigns");
    let file = sqlite_store_path(&dir, "c1");

    // Admin-style store: nothing is copied into the file below the threshold.
    let plain = SqliteResults::new(dir.clone(), None);
    let before = write_documents(&plain, &dir, 60);
    std::thread::sleep(Duration::from_millis(600));
    assert_eq!(
        file_len(&file),
        before,
        "no checkpoint below SQLite's threshold"
    );
    drop(plain);
    plain_reopened_has(&dir, 61);

    // Serving store: the checkpointer copies the pages while the store stays open.
    let tmp2 = tempfile::tempdir().unwrap();
    let dir2 = tmp2.path().join("campaigns");
    let file2 = sqlite_store_path(&dir2, "c1");
    let serving = SqliteResults::serving(dir2.clone(), None);
    let before = write_documents(&serving, &dir2, 60);
    let deadline = Instant::now() + Duration::from_secs(30);
    while file_len(&file2) <= before {
        assert!(
            Instant::now() < deadline,
            "the background checkpointer never copied the WAL into {}",
            file2.display()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // Writes go on while it runs; dropping a campaign stops watching it.
    serving
        .ensure_documents("c1", &["turf:T61".to_string()])
        .unwrap();
    assert_eq!(serving.document_revisions("c1").unwrap().len(), 62);
    drop(serving);
    plain_reopened_has(&dir2, 62);

    let serving = SqliteResults::serving(dir2.clone(), None);
    assert_eq!(serving.document_revisions("c1").unwrap().len(), 62);
    serving.drop_campaign("c1").unwrap();
    assert!(!file2.exists());
    std::thread::sleep(Duration::from_millis(600));
    assert!(
        !file2.exists(),
        "the checkpointer must not recreate a dropped campaign"
    );
}

fn plain_reopened_has(dir: &Path, n: usize) {
    let store = SqliteResults::new(dir.to_path_buf(), None);
    assert_eq!(store.document_revisions("c1").unwrap().len(), n);
}
