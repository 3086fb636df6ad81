//! The server is killed with SIGKILL right after it acknowledged a sync; on
//! restart every acknowledged change is there.

use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use walkbook_core::generate::{GenerateOptions, generate_campaign};
use walkbook_core::model::AssignmentKind;
use walkbook_core::results::NewAttempt;
use walkbook_core::store::DeviceStore;
use walkbook_core::sync::{Role, SyncClient};
use walkbook_server::admin::{self, DataDir};

async fn start(data: &std::path::Path) -> (Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_walkbook-server"))
        .args(["serve", "--port", &port.to_string(), "--data-dir"])
        .arg(data)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        if reqwest::get(format!("{url}/health"))
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return (child, url);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the server did not come up");
}

/// Records "not home" at `take` doors of the device's first turf, from the
/// `skip`th on; returns the attempt ids.
fn knock(store: &Mutex<DeviceStore>, skip: usize, take: usize) -> Vec<String> {
    let mut s = store.lock().unwrap();
    let a = s
        .assignments()
        .unwrap()
        .into_iter()
        .find(|a| a.assignment.kind == AssignmentKind::Turf)
        .unwrap();
    let doors = s.walk_list(&a.assignment.unit_id).unwrap();
    doors
        .iter()
        .skip(skip)
        .take(take)
        .map(|door| {
            let attempt = NewAttempt {
                household_id: Some(door.household.id.clone()),
                result: Some("not_home".into()),
                ..Default::default()
            };
            s.record_attempt(&a.assignment.id, attempt).unwrap().id
        })
        .collect()
}

/// Every attempt id in the campaign's store as it is on disk.
fn stored_attempt_ids(dir: &DataDir, campaign_id: &str) -> Vec<String> {
    let mut on_disk = dir.campaign_store(campaign_id).unwrap();
    let mut ids = Vec::new();
    for doc in on_disk.result_doc_ids().unwrap() {
        ids.extend(
            on_disk
                .attempts(&doc)
                .expect("documents load cleanly after SIGKILL")
                .into_iter()
                .map(|a| a.id),
        );
    }
    ids
}

/// A 200-household campaign in a new data directory at `data`, with an
/// invite for vol-01: (the directory, the campaign's id, the invite code).
fn one_volunteer_campaign(data: &std::path::Path) -> (DataDir, String, String) {
    let dir = DataDir::open(data).unwrap();
    let campaign = generate_campaign(&GenerateOptions {
        households: 200,
        seed: 5,
    });
    let campaign_id = admin::create_campaign(&dir, &campaign).unwrap();
    let code = admin::create_invite(
        &dir,
        &campaign_id,
        "vol-01",
        Role::Volunteer,
        chrono::Duration::hours(1),
    )
    .unwrap();
    (dir, campaign_id, code)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_changes_survive_a_sigkill_of_the_server() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let (dir, campaign_id, code) = one_volunteer_campaign(&data);

    let (mut server, url) = start(&data).await;
    let store = Arc::new(Mutex::new(
        DeviceStore::open(tmp.path().join("phone.db"), None).unwrap(),
    ));
    let mut client = SyncClient::new(&url, store.clone()).unwrap();
    client.join(&code).await.unwrap();

    let mut acknowledged = Vec::new();
    for round in 0..3 {
        acknowledged.extend(knock(&store, round * 7, 7));
        let summary = client.sync_now(|_| {}).await.unwrap();
        assert_eq!(
            summary.pending_upload, 0,
            "the server acknowledged every change as persisted"
        );
        // Killed the moment after it answered: no chance to flush anything more.
        server.kill().unwrap();
        server.wait().unwrap();
        let ids = stored_attempt_ids(&dir, &campaign_id);
        for id in &acknowledged {
            assert!(
                ids.contains(id),
                "round {round}: acknowledged attempt {id} lost"
            );
        }
        let (next, next_url) = start(&data).await;
        server = next;
        client = SyncClient::new(&next_url, store.clone()).unwrap();
        assert_eq!(client.sync_now(|_| {}).await.unwrap().pending_upload, 0);
    }
    server.kill().unwrap();
    server.wait().unwrap();
}

/// Several devices sync at the same moment, so their uploads share write
/// groups (ADR 25): every one acknowledged is on disk after a SIGKILL
/// that comes the moment the last reply is in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_acknowledged_together_survive_a_sigkill_of_the_server() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let dir = DataDir::open(&data).unwrap();
    let campaign = generate_campaign(&GenerateOptions {
        households: 2_000,
        seed: 11,
    });
    let campaign_id = admin::create_campaign(&dir, &campaign).unwrap();
    // Volunteers with a turf of their own, one device each.
    let mut volunteers: Vec<String> = campaign
        .assignments
        .iter()
        .filter(|a| a.kind == AssignmentKind::Turf)
        .map(|a| a.volunteer_id.clone())
        .collect();
    volunteers.sort();
    volunteers.dedup();
    volunteers.truncate(6);
    assert!(
        volunteers.len() >= 3,
        "the campaign has turfs for several volunteers"
    );

    let (mut server, url) = start(&data).await;
    let mut devices = Vec::new();
    for (i, v) in volunteers.iter().enumerate() {
        let code = admin::create_invite(
            &dir,
            &campaign_id,
            v,
            Role::Volunteer,
            chrono::Duration::hours(1),
        )
        .unwrap();
        let store = Arc::new(Mutex::new(
            DeviceStore::open(tmp.path().join(format!("phone-{i}.db")), None).unwrap(),
        ));
        let client = SyncClient::new(&url, store.clone()).unwrap();
        client.join(&code).await.unwrap();
        devices.push((store, client));
    }
    let acknowledged: Vec<String> = devices
        .iter()
        .flat_map(|(store, _)| knock(store, 0, 12))
        .collect();
    let syncs = devices.iter().map(|(_, c)| c.sync_now(|_| {}));
    for (i, summary) in walkbook_dev::join_all(syncs).await.into_iter().enumerate() {
        assert_eq!(
            summary.unwrap().pending_upload,
            0,
            "device {i}: the server acknowledged every change as persisted"
        );
    }
    server.kill().unwrap();
    server.wait().unwrap();

    let ids = stored_attempt_ids(&dir, &campaign_id);
    for id in &acknowledged {
        assert!(ids.contains(id), "acknowledged attempt {id} lost");
    }
    assert_eq!(acknowledged.len(), volunteers.len() * 12);
}

/// A write that fails half-way through an upload (an injected failure on
/// its door statuses, after its changes and attempt rows are written into
/// the write group, which takes no savepoint per upload) abandons the
/// group: the device is answered a server error, nothing of the upload
/// is on disk, the server's memory follows the disk, and once the fault
/// is gone the same upload is stored whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_that_fails_half_way_leaves_nothing_of_its_upload() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let (dir, campaign_id, code) = one_volunteer_campaign(&data);
    drop(dir.campaign_store(&campaign_id).unwrap());
    let file = rusqlite::Connection::open(dir.campaign_store_path(&campaign_id)).unwrap();
    file.execute_batch(
        "CREATE TRIGGER injected_failure BEFORE INSERT ON household_status
         BEGIN SELECT RAISE(ABORT, 'injected storage failure'); END;",
    )
    .unwrap();
    let index_rows = |table: &str| -> i64 {
        file.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .unwrap()
    };

    let (mut server, url) = start(&data).await;
    let store = Arc::new(Mutex::new(
        DeviceStore::open(tmp.path().join("phone.db"), None).unwrap(),
    ));
    let client = SyncClient::new(&url, store.clone()).unwrap();
    client.join(&code).await.unwrap();
    let mut knocked = knock(&store, 0, 3);

    // A server error (5xx, retried by the client, then reported).
    match client.sync_now(|_| {}).await {
        Err(e) => assert!(
            e.to_string().contains("answered 5"),
            "a storage failure is the server's: {e}"
        ),
        Ok(s) => panic!("the upload must fail while its writes fail, got {s:?}"),
    }
    assert!(
        stored_attempt_ids(&dir, &campaign_id).is_empty(),
        "nothing of the failed upload's document is on disk"
    );
    assert_eq!(index_rows("attempts"), 0, "no attempt row of it either");

    file.execute_batch("DROP TRIGGER injected_failure").unwrap();
    assert_eq!(client.sync_now(|_| {}).await.unwrap().pending_upload, 0);
    let mut stored = stored_attempt_ids(&dir, &campaign_id);
    stored.sort();
    knocked.sort();
    assert_eq!(stored, knocked, "the same upload, stored whole");
    assert_eq!(index_rows("attempts"), 3);
    assert_eq!(index_rows("household_status"), 3);
    server.kill().unwrap();
    server.wait().unwrap();
}
