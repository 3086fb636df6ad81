//! The server's write group (group commit): writes made while a group is
//! open are one transaction, invisible to other connections and not on
//! disk until the group commits; an abandoned group leaves nothing, and
//! the documents held in memory are read again from disk.

mod common;

use common::door_result;
use walkbook_core::store::DeviceStore;

fn attempts_on_disk(path: &std::path::Path) -> usize {
    DeviceStore::open(path, None)
        .unwrap()
        .attempts("turf:T1")
        .unwrap()
        .len()
}

/// `server` takes in everything `phone` has for the turf.
fn merge_from(phone: &mut common::Device, server: &mut DeviceStore) -> usize {
    let bytes = phone.store.changes_since("turf:T1", &[]).unwrap();
    server
        .merge_remote_changes("turf:T1", &bytes)
        .unwrap()
        .new_attempts
}

#[test]
fn writes_in_a_group_are_stored_together_when_it_commits() {
    let mut a = common::device();
    let mut b = common::device();
    a.store
        .record_attempt("A-turf", door_result("P1", "refused", 0))
        .unwrap();
    b.store
        .record_attempt("A-turf", door_result("P6", "not_home", 1))
        .unwrap();
    let server_dir = tempfile::tempdir().unwrap();
    let path = server_dir.path().join("server.db");
    let mut server = DeviceStore::open(&path, None).unwrap();

    server.begin_group().unwrap();
    assert!(server.group_open());
    assert_eq!(merge_from(&mut a, &mut server), 1);
    assert_eq!(merge_from(&mut b, &mut server), 1);
    // Reads on the store see the group's writes…
    assert_eq!(server.attempts("turf:T1").unwrap().len(), 2);
    // …another connection sees nothing of it yet.
    assert_eq!(attempts_on_disk(&path), 0);
    server.commit_group().unwrap();
    assert!(!server.group_open());
    assert_eq!(attempts_on_disk(&path), 2);
}

#[test]
fn an_abandoned_group_leaves_nothing_and_memory_follows_the_disk() {
    let mut a = common::device();
    a.store
        .record_attempt("A-turf", door_result("P1", "refused", 0))
        .unwrap();
    let server_dir = tempfile::tempdir().unwrap();
    let path = server_dir.path().join("server.db");
    let mut server = DeviceStore::open(&path, None).unwrap();
    assert_eq!(merge_from(&mut a, &mut server), 1);

    a.store
        .record_attempt("A-turf", door_result("P6", "not_home", 1))
        .unwrap();
    server.begin_group().unwrap();
    assert_eq!(merge_from(&mut a, &mut server), 1);
    assert_eq!(server.attempts("turf:T1").unwrap().len(), 2);
    server.abandon_group();
    assert!(!server.group_open());
    // The document in memory was dropped with the group: the store reads
    // what is on disk, and the rolled-back attempt comes again as new.
    assert_eq!(server.attempts("turf:T1").unwrap().len(), 1);
    assert_eq!(attempts_on_disk(&path), 1);
    assert_eq!(merge_from(&mut a, &mut server), 1);
    assert_eq!(attempts_on_disk(&path), 2);
}

#[test]
fn a_write_that_needs_its_own_transaction_is_refused_while_a_group_is_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("server.db");
    let mut server = DeviceStore::open(&path, None).unwrap();
    server.begin_group().unwrap();
    // Installing a packet commits on its own: it cannot run inside the
    // group, and says so instead of committing the group's writes.
    let packet = common::packet(&common::campaign(), "A-turf", 1);
    assert!(server.install_packet(&packet).is_err());
    server.commit_group().unwrap();
    server.install_packet(&packet).unwrap();
    assert_eq!(
        DeviceStore::open(&path, None)
            .unwrap()
            .assignments()
            .unwrap()
            .len(),
        1
    );
}
