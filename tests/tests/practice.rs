//! Practice mode against a real server on 127.0.0.1: a trainee joins with a
//! training invite, downloads the campaign's training packet and practises
//! with the real script, and can reach nothing else; practice results sent
//! by any device (a bug, an old build, a forged request) are refused whole
//! and never count.

use automerge::{Automerge, Change};
use walkbook_core::practice::{PRACTICE_ASSIGNMENT, PRACTICE_TURF};
use walkbook_core::store::DeviceStore;
use walkbook_core::sync::{
    DocMessage, ERROR_PRACTICE_RESULTS, ERROR_TRAINING_ONLY, Role, SyncRequest,
};
use walkbook_e2e::{TestDevice, TestServer, message_carrying};

/// Every change of a document in `store`.
fn changes_of(store: &mut DeviceStore, doc: &str) -> Vec<Change> {
    let bytes = store.changes_since(doc, &[]).unwrap();
    Automerge::load(&bytes).unwrap().get_changes(&[])
}

/// Opens a practice store beside the device's store and installs `packet`.
fn practice_store(device: &TestDevice, packet: &[u8]) -> DeviceStore {
    let mut store = DeviceStore::open(device.tmp.path().join("practice.db"), None).unwrap();
    store.mark_practice().unwrap();
    store.install_packet(packet).unwrap();
    store
}

/// Records a conversation at each of the sandbox's first `n` doors.
fn practise(store: &mut DeviceStore, n: usize) -> Vec<String> {
    let doors = store.walk_list(PRACTICE_TURF).unwrap();
    doors
        .iter()
        .take(n)
        .map(|d| {
            store
                .record_attempt(
                    PRACTICE_ASSIGNMENT,
                    walkbook_core::results::NewAttempt {
                        person_id: Some(d.people[0].person.id.clone()),
                        answers: [("support".to_string(), "2".to_string())]
                            .into_iter()
                            .collect(),
                        ..Default::default()
                    },
                )
                .unwrap()
                .id
        })
        .collect()
}

async fn status_and_code(resp: reqwest::Response) -> (u16, String, String) {
    let status = resp.status().as_u16();
    let body: serde_json::Value = resp.json().await.unwrap();
    (
        status,
        body["error"].as_str().unwrap_or_default().to_string(),
        body["message"].as_str().unwrap_or_default().to_string(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trainee_practises_with_the_training_packet_and_reaches_nothing_else() {
    let server = TestServer::start(80).await;
    let code = server.invite("trainee-sam", Role::Trainee);
    let trainee = TestDevice::new(&server.url);
    let joined = trainee.client.join(&code).await.unwrap();
    assert_eq!(joined.role, Role::Trainee);
    assert!(
        joined.assignments.is_empty(),
        "a trainee has no assignments"
    );
    assert!(trainee.store().assignments().unwrap().is_empty());
    assert_eq!(
        trainee.store().meta("role").unwrap().as_deref(),
        Some("trainee")
    );

    // The training packet: the campaign's canvass script on fictional doors.
    let packet = trainee.client.training_packet().await.unwrap();
    let body = walkbook_core::packet::decode_packet(&packet).unwrap().body;
    let script = server
        .campaign
        .scripts
        .iter()
        .find(|s| s.kind == walkbook_core::model::ScriptKind::Canvass)
        .unwrap();
    assert_eq!(body.data.scripts[0].id, script.id);
    assert_eq!(body.data.scripts[0].questions, script.questions);
    let voters: std::collections::HashSet<&str> = server
        .campaign
        .people
        .iter()
        .map(|p| p.id.as_str())
        .collect();
    assert!(
        body.data
            .people
            .iter()
            .all(|p| !voters.contains(p.id.as_str()) && p.phones.is_empty()),
        "no voter of the campaign is in a training packet"
    );
    // The real store will not take it; a practice store does.
    assert!(trainee.store().install_packet(&packet).is_err());
    let mut practice = practice_store(&trainee, &packet);
    let ids = practise(&mut practice, 3);
    assert_eq!(ids.len(), 3);

    // Everything else is closed to a trainee, with a clear reason.
    let token = trainee.store().meta("token").unwrap().unwrap();
    let forged = SyncRequest {
        docs: vec![DocMessage {
            doc_id: server.campaign.assignments[0].unit_doc_id(),
            message: None,
        }],
    };
    let (status, code, message) = status_and_code(server.post_sync(&token, &forged).await).await;
    assert_eq!((status, code.as_str()), (403, ERROR_TRAINING_ONLY));
    assert!(message.contains("training invite"), "{message}");
    let http = reqwest::Client::new();
    let packet_of_real = http
        .get(format!(
            "{}/v1/packets/{}",
            server.url, server.campaign.assignments[0].id
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(status_and_code(packet_of_real).await.0, 403);
    let claim = http
        .post(format!("{}/v1/claims", server.url))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "list_id": "any", "size": 5 }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        status_and_code(claim).await.1,
        ERROR_TRAINING_ONLY.to_string()
    );
    // Sending the practice results anyway changes nothing on the server.
    let doc = format!("turf:{PRACTICE_TURF}");
    let smuggled = SyncRequest {
        docs: vec![DocMessage {
            doc_id: doc.clone(),
            message: Some(message_carrying(&changes_of(&mut practice, &doc))),
        }],
    };
    assert_eq!(
        status_and_code(server.post_sync(&token, &smuggled).await)
            .await
            .0,
        403
    );
    assert!(server.server_attempt_ids().is_empty());
    // The trainee's phone syncs (nothing to send) without error and without
    // touching the practice store.
    trainee.client.sync_now(|_| {}).await.unwrap();
    assert_eq!(practice.attempts(&doc).unwrap().len(), 3);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn practice_results_from_a_volunteer_are_refused_whole_and_never_count() {
    let server = TestServer::start(120).await;
    let volunteer = server.volunteers()[0].clone();
    let device = server.device(&volunteer).await;
    let real_ids = device.canvass(4);
    // A practice shift built on the phone from the volunteer's own turf.
    let sandbox = device
        .store()
        .sandbox_from_installed(None, chrono::Utc::now())
        .unwrap();
    let mut practice = practice_store(&device, &walkbook_core::packet::encode_packet(&sandbox));
    let practice_ids = practise(&mut practice, 2);

    // A buggy build sends the practice document beside the real one.
    let token = device.store().meta("token").unwrap().unwrap();
    let real_doc = device.store().assignments().unwrap()[0]
        .assignment
        .unit_doc_id();
    let practice_doc = format!("turf:{PRACTICE_TURF}");
    let real_changes = changes_of(&mut device.store(), &real_doc);
    let mixed = SyncRequest {
        docs: vec![
            DocMessage {
                doc_id: real_doc.clone(),
                message: Some(message_carrying(&real_changes)),
            },
            DocMessage {
                doc_id: practice_doc.clone(),
                message: Some(message_carrying(&changes_of(&mut practice, &practice_doc))),
            },
        ],
    };
    let (status, code, message) = status_and_code(server.post_sync(&token, &mixed).await).await;
    assert_eq!((status, code.as_str()), (422, ERROR_PRACTICE_RESULTS));
    assert!(message.contains(&practice_doc), "{message}");
    assert!(message.contains("never count"), "{message}");
    // Refused whole: not even the real results of that request were stored.
    assert!(server.server_attempt_ids().is_empty());
    assert!(server.server_heads(&practice_doc).is_empty());

    // The honest sync carries the real results only.
    device.client.sync_now(|_| {}).await.unwrap();
    let mut expected = real_ids.clone();
    expected.sort();
    assert_eq!(server.server_attempt_ids(), expected);
    for id in &practice_ids {
        assert!(!server.server_attempt_ids().contains(id));
    }
    assert_eq!(practice.attempts(&practice_doc).unwrap().len(), 2);

    // A campaign cannot be created (or replaced) with a turf named like practice.
    let mut data = server.campaign.clone();
    if let Some(c) = data.campaign.as_mut() {
        c.id = "camp-practice-names".into();
    }
    let old = data.turfs[0].id.clone();
    data.turfs[0].id = "practice-north".into();
    for a in &mut data.assignments {
        if a.unit_id == old {
            a.unit_id = "practice-north".into();
        }
    }
    let refused = walkbook_server::admin::create_campaign(&server.home, &data).unwrap_err();
    assert!(
        refused.to_string().contains("reserved for practice mode"),
        "{refused}"
    );
    server.stop().await;
}
