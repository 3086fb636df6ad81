//! Several devices canvass the same turf offline, with overlapping and
//! disagreeing results, sync in a shuffled order, and end up agreeing with
//! each other and with the server on every person's status.

use chrono::{Duration, Utc};
use walkbook_core::model::AssignmentKind;
use walkbook_core::results::{NewAttempt, derive_unit_status};
use walkbook_e2e::TestServer;

fn statuses(store: &walkbook_core::store::DeviceStore, turf: &str) -> Vec<String> {
    store
        .walk_list(turf)
        .unwrap()
        .iter()
        .flat_map(|d| {
            d.people
                .iter()
                .map(move |p| format!("{} {}={:?}", d.household.id, p.person.id, p.status))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_devices_on_one_turf_converge_with_the_server() {
    let server = TestServer::start(300).await;
    let turf = server.campaign.turfs[0].id.clone();
    let vols: Vec<String> = server.volunteers().into_iter().take(3).collect();
    for v in &vols {
        walkbook_server::admin::assign(
            &server.dir,
            &server.campaign_id,
            AssignmentKind::Turf,
            &turf,
            v,
            Utc::now() + Duration::days(3),
        )
        .unwrap();
    }
    let mut devices = Vec::new();
    for v in &vols {
        let d = server.device(v).await;
        devices.push(d);
    }
    let aid = |v: &str| format!("turf-{turf}-{v}");

    // Offline: each device walks the same doors; some people get different
    // answers on different devices (a conflict), some get the same.
    let doors = devices[0].store().walk_list(&turf).unwrap();
    for (k, d) in devices.iter().enumerate() {
        let mut store = d.store();
        for (i, door) in doors.iter().take(20).enumerate() {
            let person = door.people[0].person.id.clone();
            let attempt = match (i + k) % 4 {
                0 => NewAttempt {
                    household_id: Some(door.household.id.clone()),
                    result: Some("not_home".into()),
                    ..Default::default()
                },
                1 => NewAttempt {
                    person_id: Some(person),
                    answers: [(
                        "support".to_string(),
                        if i % 2 == 0 {
                            "1".into()
                        } else {
                            (k + 1).to_string()
                        },
                    )]
                    .into(),
                    ..Default::default()
                },
                2 => NewAttempt {
                    person_id: Some(person),
                    result: Some("refused".into()),
                    ..Default::default()
                },
                _ => NewAttempt {
                    person_id: Some(person),
                    result: Some("moved".into()),
                    ..Default::default()
                },
            };
            store.record_attempt(&aid(&vols[k]), attempt).unwrap();
        }
    }

    // Sync in a shuffled order, twice round, so everyone hears everyone.
    for order in [[2, 0, 1], [1, 2, 0], [0, 2, 1]] {
        for i in order {
            devices[i].client.sync_now(|_| {}).await.unwrap();
        }
    }

    let doc = format!("turf:{turf}");
    // The server's store holds results only (reference data lives in the
    // server's own store): compare what it derived from them.
    let mut server_store = server.dir.campaign_store(&server.campaign_id).unwrap();
    let server_index = server_store.unit_statuses(&doc).unwrap();
    let server_status = derive_unit_status(&server_store.attempts(&doc).unwrap());
    assert_eq!(server_store.attempts(&doc).unwrap().len(), 60);
    assert!(
        server_index
            .0
            .values()
            .any(|s| matches!(s.status, walkbook_core::results::Status::Conflict { .. })),
        "the disagreeing answers show as conflicts"
    );
    let expected = statuses(&devices[0].store(), &turf);
    assert!(
        expected.iter().any(|s| s.contains("Conflict")),
        "the walk list shows the conflicts"
    );
    for d in &devices {
        let mut store = d.store();
        assert_eq!(statuses(&store, &turf), expected);
        assert_eq!(store.unit_statuses(&doc).unwrap(), server_index);
        assert_eq!(
            derive_unit_status(&store.attempts(&doc).unwrap()),
            server_status
        );
        assert_eq!(store.pending_upload_count().unwrap(), 0);
    }
    server.stop().await;
}

/// Six devices of three volunteers, each volunteer on two shared turfs,
/// all sync at the same moment, twice: uploads of different turfs are
/// judged side by side on the server, uploads of one turf take turns, and
/// nothing is lost, doubled or left behind. The server's store, opened
/// again from disk, agrees with every device.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devices_syncing_at_the_same_moment_on_shared_turfs_all_converge() {
    let server = TestServer::start(300).await;
    let turfs: Vec<String> = server
        .campaign
        .turfs
        .iter()
        .take(2)
        .map(|t| t.id.clone())
        .collect();
    let vols: Vec<String> = server.volunteers().into_iter().take(3).collect();
    assert_eq!(
        (turfs.len(), vols.len()),
        (2, 3),
        "the test campaign is big enough"
    );
    for v in &vols {
        for turf in &turfs {
            walkbook_server::admin::assign(
                &server.dir,
                &server.campaign_id,
                AssignmentKind::Turf,
                turf,
                v,
                Utc::now() + Duration::days(3),
            )
            .unwrap();
        }
    }
    // Device i belongs to volunteer i % 3 and records on turf i % 2: each
    // volunteer records on both turfs, from two phones.
    let mut devices = Vec::new();
    for i in 0..6 {
        devices.push(server.device(&vols[i % 3]).await);
    }
    // Two waves of 7 and 8 attempts per device: record, then everyone
    // syncs at once; the second wave's uploads meet the first wave's
    // results on the server.
    const WAVES: [usize; 2] = [7, 8];
    for (wave, per_device) in WAVES.into_iter().enumerate() {
        for (i, d) in devices.iter().enumerate() {
            let turf = &turfs[i % 2];
            let aid = format!("turf-{turf}-{}", vols[i % 3]);
            let mut store = d.store();
            let doors = store.walk_list(turf).unwrap();
            for k in 0..per_device {
                let door = &doors[(i * 7 + k + wave * 3) % doors.len()];
                store
                    .record_attempt(
                        &aid,
                        NewAttempt {
                            household_id: Some(door.household.id.clone()),
                            result: Some("not_home".into()),
                            ..Default::default()
                        },
                    )
                    .unwrap();
            }
        }
        let syncs = devices.iter().map(|d| d.client.sync_now(|_| {}));
        for (i, s) in walkbook_dev::join_all(syncs).await.into_iter().enumerate() {
            s.unwrap_or_else(|e| panic!("device {i} in wave {wave}: {e}"));
        }
    }
    // One more round, one after the other, so every device has heard every
    // other's last upload.
    for d in &devices {
        d.client.sync_now(|_| {}).await.unwrap();
    }

    let per_device: usize = WAVES.iter().sum();
    let device_ids: Vec<String> = devices
        .iter()
        .map(|d| d.store().device_id().to_string())
        .collect();
    let mut reopened = server.dir.campaign_store(&server.campaign_id).unwrap();
    for (t, turf) in turfs.iter().enumerate() {
        let doc = format!("turf:{turf}");
        let on_server = reopened.attempts(&doc).unwrap();
        let mut ids: Vec<&str> = on_server.iter().map(|a| a.id.as_str()).collect();
        let total = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), total, "no attempt twice on {doc}");
        assert_eq!(
            total,
            3 * per_device,
            "every device's attempts on {doc} are stored"
        );
        for (i, id) in device_ids.iter().enumerate().filter(|(i, _)| i % 2 == t) {
            let theirs = on_server.iter().filter(|a| &a.device_id == id).count();
            assert_eq!(theirs, per_device, "device {i}'s attempts on {doc}");
        }
        let server_index = reopened.unit_statuses(&doc).unwrap();
        let server_status = derive_unit_status(&on_server);
        for (i, d) in devices.iter().enumerate() {
            let mut store = d.store();
            assert_eq!(
                store.attempts(&doc).unwrap().len(),
                total,
                "device {i} has all of {doc}"
            );
            assert_eq!(
                store.unit_statuses(&doc).unwrap(),
                server_index,
                "device {i}"
            );
            assert_eq!(
                derive_unit_status(&store.attempts(&doc).unwrap()),
                server_status
            );
        }
    }
    for (i, d) in devices.iter().enumerate() {
        assert_eq!(d.store().pending_upload_count().unwrap(), 0, "device {i}");
    }
    server.stop().await;
}
