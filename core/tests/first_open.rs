//! The first keyed opens in a fresh process, from several threads at once.
//!
//! SQLCipher finishes its own set-up after SQLite marks itself initialised
//! and lets go of its lock, so a thread whose first `PRAGMA key` lands in
//! that window used to fail with "An error occurred with PRAGMA key or
//! rekey" (seen in CI, `key_loss.rs`, two tests opening at once). This file
//! holds one test so that nothing else in the process has opened a database
//! before the threads start. The race is narrow, so the test cannot prove
//! its absence: with 64 threads it failed 4 runs in 200 before the fix
//! (`store::open::finish_sqlite_setup`) and 0 in 200 after.

use std::sync::{Arc, Barrier};

use walkbook_core::store::{DatabaseKey, DeviceStore};

#[test]
fn keyed_stores_opened_at_once_by_many_threads_all_open() {
    const THREADS: usize = 32;
    let dir = tempfile::tempdir().unwrap();
    let start = Arc::new(Barrier::new(THREADS));
    let opened: Vec<Result<(), String>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|i| {
                let path = dir.path().join(format!("phone-{i}.db"));
                let start = Arc::clone(&start);
                s.spawn(move || {
                    let key = DatabaseKey::from_bytes([i as u8 + 1; 32]);
                    start.wait();
                    DeviceStore::open(&path, Some(&key))
                        .map(|_| ())
                        .map_err(|e| format!("phone {i}: {e}"))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let failed: Vec<&String> = opened.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(failed.is_empty(), "{failed:#?}");
}
