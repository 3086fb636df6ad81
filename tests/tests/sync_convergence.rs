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
