//! Expiring data with the real server: an assignment that expires or is
//! taken away leaves the phone at its next sync, after the results recorded
//! there are uploaded; the server sends it nothing more.

use chrono::{Duration, Utc};
use walkbook_core::model::AssignmentKind;
use walkbook_core::results::NewAttempt;
use walkbook_core::sync::{DocMessage, SyncRequest, SyncResponse};
use walkbook_e2e::{TestDevice, TestServer};
use walkbook_server::admin;

/// Turf `i` of the campaign with the generator's assignments on it taken
/// away, so a test decides who holds it.
fn fresh_turf(server: &TestServer, i: usize) -> walkbook_core::model::Turf {
    let turf = server.campaign.turfs[i].clone();
    for a in &server.campaign.assignments {
        if a.unit_id == turf.id {
            admin::unassign(&server.dir, &server.campaign_id, &a.id).unwrap();
        }
    }
    turf
}

/// "Not home" at the first `n` doors of one assignment's turf; the ids.
fn knock(device: &TestDevice, assignment: &str, n: usize) -> Vec<String> {
    let mut store = device.store();
    let unit = store.assignment(assignment).unwrap().assignment.unit_id;
    let doors = store.walk_list(&unit).unwrap();
    doors
        .iter()
        .take(n)
        .map(|d| {
            let a = NewAttempt {
                household_id: Some(d.household.id.clone()),
                result: Some("not_home".into()),
                ..Default::default()
            };
            store.record_attempt(assignment, a).unwrap().id
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_turf_uploads_what_is_left_then_leaves_the_phone() {
    let server = TestServer::start(200).await;
    fresh_turf(&server, 0);
    let (turf, _, [a, b]) = server.conflict_on_first_turf().await;
    a.client.sync_now(|_| {}).await.unwrap();
    b.client.sync_now(|_| {}).await.unwrap();
    let vol_a = a.store().meta("volunteer_id").unwrap().unwrap();
    let vol_b = b.store().meta("volunteer_id").unwrap().unwrap();
    let token_a = a.store().meta("token").unwrap().unwrap();
    let assignment = format!("turf-{}-{vol_a}", turf.id);
    let doc = format!("turf:{}", turf.id);
    let offline = knock(&a, &assignment, 4);

    // The organizer ends A's shift; B keeps going and syncs.
    admin::assign(
        &server.dir,
        &server.campaign_id,
        AssignmentKind::Turf,
        &turf.id,
        &vol_a,
        Utc::now() - Duration::minutes(1),
    )
    .unwrap();
    let from_b = knock(&b, &format!("turf-{}-{vol_b}", turf.id), 6);
    b.client.sync_now(|_| {}).await.unwrap();

    // Everything but uploads is refused: the packet, a claim, the list.
    let packet = reqwest::Client::new()
        .get(format!("{}/v1/packets/{assignment}", server.url))
        .bearer_auth(&token_a)
        .send()
        .await
        .unwrap();
    assert_eq!(packet.status(), 410);
    let body: serde_json::Value = packet.json().await.unwrap();
    assert_eq!(body["error"], "assignment_expired", "{body}");
    assert!(body["message"].as_str().unwrap().contains("still upload"));

    assert_eq!(a.store().pending_upload_count().unwrap(), 4);
    // Sync asks the server for the turf's document like any other: the
    // server takes A's results and sends nothing of B's back.
    let message = a
        .store()
        .generate_server_sync_message(&doc, "probe")
        .unwrap();
    let request = SyncRequest {
        docs: vec![DocMessage {
            doc_id: doc.clone(),
            message,
        }],
    };
    let reply: SyncResponse = server
        .post_sync(&token_a, &request)
        .await
        .json()
        .await
        .unwrap();
    // The reply says what the server holds, and carries no change.
    let sent = automerge::sync::Message::decode(reply.docs[0].message.as_deref().unwrap()).unwrap();
    assert!(sent.changes.is_empty(), "nothing is sent back");
    assert!(
        !sent.heads.is_empty()
            && !sent
                .heads
                .iter()
                .all(|h| a.store().heads(&doc).unwrap().contains(h)),
        "the server holds results A does not have"
    );

    let s = a.client.sync_now(|_| {}).await.unwrap();
    assert_eq!(s.assignments_retired, 1, "{s:?}");
    assert_eq!(s.documents_wiped, 1, "{s:?}");
    assert_eq!(s.pending_upload, 0);
    let on_server = server.server_attempt_ids();
    for id in offline.iter().chain(&from_b) {
        assert!(on_server.contains(id), "{id} is on the server");
    }
    // The phone holds nothing of the turf any more.
    {
        let store = a.store();
        assert!(store.assignment(&assignment).is_err());
        assert!(!store.result_doc_ids().unwrap().contains(&doc));
        assert!(store.walk_list(&turf.id).is_err());
    }
    // Later syncs work and do not bring it back.
    a.client.sync_now(|_| {}).await.unwrap();
    assert!(!a.store().result_doc_ids().unwrap().contains(&doc));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_turf_taken_away_before_its_first_sync_still_uploads_its_results() {
    let server = TestServer::start(200).await;
    let turf = fresh_turf(&server, 1);
    let vol = server.volunteers()[2].clone();
    let a = admin::assign(
        &server.dir,
        &server.campaign_id,
        AssignmentKind::Turf,
        &turf.id,
        &vol,
        Utc::now() + Duration::days(1),
    )
    .unwrap();
    let phone = server.device(&vol).await;
    let offline = knock(&phone, &a.id, 3);
    // Reassigned before the phone ever synced its results.
    admin::unassign(&server.dir, &server.campaign_id, &a.id).unwrap();

    let s = phone.client.sync_now(|_| {}).await.unwrap();
    assert_eq!((s.assignments_retired, s.documents_wiped), (1, 1), "{s:?}");
    let on_server = server.server_attempt_ids();
    assert!(offline.iter().all(|id| on_server.contains(id)));
    assert!(
        !phone
            .store()
            .result_doc_ids()
            .unwrap()
            .contains(&format!("turf:{}", turf.id))
    );

    // A device that never held a unit still cannot write to it.
    let other = fresh_turf(&server, 2);
    let stranger = server.device(&server.volunteers()[0]).await;
    let token = stranger.store().meta("token").unwrap().unwrap();
    let reply = server
        .post_sync(
            &token,
            &serde_json::json!({"docs": [{"doc_id": format!("turf:{}", other.id)}]}),
        )
        .await;
    assert_eq!(reply.status(), 403);
    server.stop().await;
}
