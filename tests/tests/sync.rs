//! Sync against a real server on loopback: join, packets, scoped sync,
//! durable acknowledgements, revocation, flaky networks.

use std::collections::BTreeSet;

use walkbook_core::sync::{Role, SyncError};
use walkbook_e2e::{TestDevice, TestServer};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn volunteers_recording_offline_all_reach_the_server_exactly_once() {
    let server = TestServer::start(400).await;
    let volunteers = server.volunteers();
    let mut devices = Vec::new();
    let mut recorded = BTreeSet::new();
    for v in volunteers.iter().take(3) {
        let d = TestDevice::new(&server.url);
        let joined = d
            .client
            .join(&server.invite(v, Role::Volunteer))
            .await
            .unwrap();
        assert_eq!(joined.volunteer_id, *v);
        assert!(
            joined
                .assignments
                .iter()
                .all(|a| a.assignment.volunteer_id == *v)
        );
        // Offline: results go to the phone's store only.
        recorded.extend(d.canvass(12));
        assert!(d.store().pending_upload_count().unwrap() >= 12);
        devices.push(d);
    }
    for d in &devices {
        let summary = d.client.sync_now(|_| {}).await.unwrap();
        assert_eq!(
            summary.pending_upload, 0,
            "the server confirmed every result as persisted"
        );
        assert!(summary.rounds >= 1 && summary.bytes_sent > 0);
    }
    // A second sync sends nothing new and changes nothing.
    for d in &devices {
        d.client.sync_now(|_| {}).await.unwrap();
    }
    let on_server = server.server_attempt_ids();
    assert_eq!(
        on_server.len(),
        recorded.len(),
        "every attempt exactly once"
    );
    assert_eq!(on_server.into_iter().collect::<BTreeSet<_>>(), recorded);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_organizer_reads_every_document_of_the_campaign() {
    let server = TestServer::start(300).await;
    let vols = server.volunteers();
    let a = server.device(&vols[0]).await;
    let b = server.device(&vols[1]).await;
    let mut all: BTreeSet<String> = a.canvass(5).into_iter().collect();
    all.extend(b.canvass(7));
    a.client.sync_now(|_| {}).await.unwrap();
    b.client.sync_now(|_| {}).await.unwrap();

    let org = TestDevice::new(&server.url);
    let joined = org
        .client
        .join(&server.invite("organizer-1", Role::Organizer))
        .await
        .unwrap();
    assert_eq!(joined.assignments.len(), server.campaign.assignments.len());
    let mut rounds = Vec::new();
    org.client.sync_now(|p| rounds.push(p.round)).await.unwrap();
    assert!(!rounds.is_empty(), "progress is reported every round");
    let seen = {
        let mut store = org.store();
        let mut seen = BTreeSet::new();
        for doc in store.result_doc_ids().unwrap() {
            seen.extend(store.attempts(&doc).unwrap().into_iter().map(|a| a.id));
        }
        seen
    };
    assert_eq!(seen, all);

    // A volunteer's device never receives another volunteer's turf.
    let a_docs = a.store().result_doc_ids().unwrap();
    let b_units: BTreeSet<String> = b
        .store()
        .assignments()
        .unwrap()
        .into_iter()
        .map(|x| x.assignment.unit_doc_id())
        .collect();
    assert!(a_docs.iter().all(|d| !b_units.contains(d)));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unchanged_packet_is_not_downloaded_again() {
    let server = TestServer::start(200).await;
    let d = server.device(&server.volunteers()[0]).await;
    let installed = d.store().assignments().unwrap().len();
    assert!(installed > 0);
    assert_eq!(d.client.download_packets().await.unwrap(), 0);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invite_works_once_and_a_bad_one_is_explained() {
    let server = TestServer::start(100).await;
    let code = server.invite(&server.volunteers()[0], Role::Volunteer);
    TestDevice::new(&server.url)
        .client
        .join(&code)
        .await
        .unwrap();
    let again = TestDevice::new(&server.url)
        .client
        .join(&code)
        .await
        .unwrap_err();
    assert!(again.to_string().contains("already used"), "{again}");
    let wrong = TestDevice::new(&server.url)
        .client
        .join("AAAA-BBBB-CCCC")
        .await
        .unwrap_err();
    assert!(wrong.to_string().contains("not valid"), "{wrong}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_volunteer_cannot_sync_someone_elses_turf() {
    let server = TestServer::start(300).await;
    let vols = server.volunteers();
    let d = TestDevice::new(&server.url);
    let joined = d
        .client
        .join(&server.invite(&vols[0], Role::Volunteer))
        .await
        .unwrap();
    let other = server
        .campaign
        .assignments
        .iter()
        .find(|a| a.volunteer_id != vols[0])
        .unwrap()
        .unit_doc_id();
    let body = serde_json::json!({ "docs": [{ "doc_id": other, "message": null }] });
    let resp = server.post_sync(&joined.token, &body).await;
    assert_eq!(resp.status(), 403);
    let err: serde_json::Value = resp.json().await.unwrap();
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .contains("not part of your assignments")
    );
    let no_token = reqwest::Client::new()
        .post(format!("{}/v1/sync", server.url))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(no_token.status(), 401);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_device_is_told_and_wipes_the_campaign() {
    let server = TestServer::start(200).await;
    let d = server.device(&server.volunteers()[0]).await;
    d.canvass(3);
    d.client.sync_now(|_| {}).await.unwrap();
    let device_id = d.store().device_id().to_string();
    walkbook_server::admin::revoke_device(
        &server.home,
        &server.campaign_id,
        &device_id,
        "phone reported lost",
    )
    .unwrap();

    let err = d.client.sync_now(|_| {}).await.unwrap_err();
    assert!(matches!(err, SyncError::Revoked(_)), "{err}");
    assert!(
        err.to_string()
            .contains("this device was removed: local campaign data wiped"),
        "{err}"
    );
    {
        let store = d.store();
        assert!(store.assignments().unwrap().is_empty());
        assert!(store.result_doc_ids().unwrap().is_empty());
        assert!(store.campaign().unwrap().is_none());
        assert_eq!(store.meta("token").unwrap(), None);
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_syncs_at_once_on_one_device_take_turns_and_both_succeed() {
    let server = TestServer::start(200).await;
    let d = server.device(&server.volunteers()[0]).await;
    let ids = d.canvass(8);
    let (a, b) = tokio::join!(d.client.sync_now(|_| {}), d.client.sync_now(|_| {}));
    a.unwrap();
    b.unwrap();
    assert_eq!(server.server_attempt_ids().len(), ids.len());
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_health_endpoint_answers() {
    let server = TestServer::start(50).await;
    let body: serde_json::Value = reqwest::get(format!("{}/health", server.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["status"], "ok");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_survives_refused_connections_and_lost_responses() {
    use walkbook_dev::faults::{Fault, FlakyProxy};
    let server = TestServer::start(300).await;
    let upstream: std::net::SocketAddr = server.url.trim_start_matches("http://").parse().unwrap();
    // Join directly, then sync through a proxy. One connection per request:
    // the assignments list passes, the first sync round reaches the server
    // but its answer is lost, the retry is refused, the next retry passes
    // (the server already has those changes), a later round is cut again.
    let plan = vec![
        Fault::Pass,
        Fault::CutResponse,
        Fault::Refuse,
        Fault::Pass,
        Fault::CutResponse,
        Fault::Refuse,
    ];
    let proxy = FlakyProxy::start(upstream, plan).await.unwrap();
    let direct = TestDevice::new(&server.url);
    direct
        .client
        .join(&server.invite(&server.volunteers()[0], Role::Volunteer))
        .await
        .unwrap();
    let ids: BTreeSet<String> = direct.canvass(15).into_iter().collect();
    let flaky = walkbook_core::sync::SyncClient::new(&proxy.url, direct.store.clone())
        .unwrap()
        .without_connection_reuse()
        .unwrap();

    let summary = flaky
        .sync_now(|_| {})
        .await
        .expect("retries carry the sync through");
    assert_eq!(proxy.remaining(), 0, "every fault was hit");
    assert_eq!(summary.pending_upload, 0);
    let on_server: BTreeSet<String> = server.server_attempt_ids().into_iter().collect();
    assert_eq!(on_server, ids);
    assert_eq!(
        server.server_attempt_ids().len(),
        ids.len(),
        "no duplicates after replays"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_server_is_a_clear_error_and_nothing_is_lost() {
    let server = TestServer::start(100).await;
    let d = server.device(&server.volunteers()[0]).await;
    let ids = d.canvass(4);
    let url = server.url.clone();
    server.stop().await;
    let offline = walkbook_core::sync::SyncClient::new(&url, d.store.clone()).unwrap();
    let err = offline.sync_now(|_| {}).await.unwrap_err();
    assert!(matches!(err, SyncError::Network(_)), "{err}");
    assert!(
        err.to_string().contains("results stay safe on this phone"),
        "{err}"
    );
    assert_eq!(d.store().pending_upload_count().unwrap(), ids.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_500_results_behind_catches_up_in_a_few_rounds() {
    let server = TestServer::start(200).await;
    let (turf, _, [busy, behind]) = server.conflict_on_first_turf().await;
    let vol = busy.store().meta("volunteer_id").unwrap().unwrap();
    let assignment = format!("turf-{}-{vol}", turf.id);
    {
        let mut s = busy.store();
        let doors = s.walk_list(&turf.id).unwrap();
        for i in 0..500 {
            let attempt = walkbook_core::results::NewAttempt {
                household_id: Some(doors[i % doors.len()].household.id.clone()),
                result: Some("not_home".into()),
                ..Default::default()
            };
            s.record_attempt(&assignment, attempt).unwrap();
        }
    }
    busy.client.sync_now(|_| {}).await.unwrap();
    let summary = behind.client.sync_now(|_| {}).await.unwrap();
    eprintln!(
        "500 results behind: {} rounds, {} bytes sent, {} bytes received, {} changes",
        summary.rounds, summary.bytes_sent, summary.bytes_received, summary.changes_received
    );
    assert!(summary.rounds <= 3, "{} rounds", summary.rounds);
    let doc = format!("turf:{}", turf.id);
    assert_eq!(
        behind.store().attempts(&doc).unwrap().len(),
        502,
        "500 results and both sides of the first conflict"
    );
    let server_heads = server.server_heads(&doc);
    assert_eq!(behind.store().heads_hex(&doc).unwrap(), server_heads);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_serves_its_protocol_as_openapi() {
    let server = TestServer::start(60).await;
    let resp = reqwest::get(format!("{}/v1/openapi.json", server.url))
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let doc: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    for path in [
        "/v1/join",
        "/v1/assignments",
        "/v1/packets/{assignment_id}",
        "/v1/sync",
        "/v1/claims",
        "/v1/claims/{claim_id}/release",
        "/v1/training",
        "/v1/turfs/near",
        "/v1/turfs/near/{assignment_id}/release",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} is documented");
    }
    // Every rule the server can name is documented.
    let rules = doc["components"]["schemas"]["Refusal"]["properties"]["rule"]["enum"]
        .as_array()
        .unwrap()
        .clone();
    let source = include_str!("../../core/src/results/rules.rs").to_string()
        + include_str!("../../core/src/results/admit.rs");
    for rule in rules {
        let rule = rule.as_str().unwrap();
        assert!(
            source.contains(&format!("\"{rule}\"")),
            "documented rule {rule} exists in the code"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_organizer_with_more_units_than_one_request_carries_syncs_them_all() {
    let server = TestServer::start(4500).await;
    let units: std::collections::BTreeSet<String> = server
        .campaign
        .assignments
        .iter()
        .map(|a| a.unit_doc_id())
        .collect();
    assert!(
        units.len() > walkbook_core::sync::MAX_DOCS_PER_REQUEST,
        "{} units",
        units.len()
    );
    let v = server.device(&server.volunteers()[0]).await;
    let ids = v.canvass(2);
    v.client.sync_now(|_| {}).await.unwrap();
    let org = TestDevice::new(&server.url);
    org.client
        .join(&server.invite("organizer-1", Role::Organizer))
        .await
        .unwrap();
    let s = org.client.sync_now(|_| {}).await.unwrap();
    assert_eq!(s.documents, units.len());
    assert!(s.rounds <= 3, "{} rounds", s.rounds);
    let doc = v
        .store()
        .assignments()
        .unwrap()
        .into_iter()
        .find(|a| a.assignment.kind == walkbook_core::model::AssignmentKind::Turf)
        .unwrap()
        .assignment
        .unit_doc_id();
    let seen: Vec<String> = org
        .store()
        .attempts(&doc)
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect();
    assert!(ids.iter().all(|i| seen.contains(i)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poll_without_a_message_gets_what_changed_since_the_last_sync() {
    let server = TestServer::start(200).await;
    let (turf, _, [a, b]) = server.conflict_on_first_turf().await;
    a.client.sync_now(|_| {}).await.unwrap();
    b.client.sync_now(|_| {}).await.unwrap();
    let new_ids = a.canvass(2);
    a.client.sync_now(|_| {}).await.unwrap();
    // B polls: no message of its own.
    let doc = format!("turf:{}", turf.id);
    let token = b.store().meta("token").unwrap().unwrap();
    let reply: walkbook_core::sync::SyncResponse = server
        .post_sync(
            &token,
            &walkbook_core::sync::SyncRequest {
                docs: vec![walkbook_core::sync::DocMessage {
                    doc_id: doc.clone(),
                    message: None,
                }],
            },
        )
        .await
        .json()
        .await
        .unwrap();
    let message = reply.docs[0].message.clone().expect("the server has news");
    let incoming = walkbook_core::sync::step::decode_message(&message).unwrap();
    assert_eq!(incoming.changes.len(), 2, "exactly A's two new results");
    let applied = b
        .store()
        .receive_sync_message(&doc, "server", &message)
        .unwrap();
    assert_eq!(applied.new_attempts, 2);
    let on_b: Vec<String> = b
        .store()
        .attempts(&doc)
        .unwrap()
        .into_iter()
        .map(|x| x.id)
        .collect();
    assert!(new_ids.iter().all(|i| on_b.contains(i)));
}
