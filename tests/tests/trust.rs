//! The trust boundary against a real server on 127.0.0.1: a device with a
//! real volunteer token on a shared turf sends real automerge changes
//! crafted to edit, delete, retype or hide other volunteers' results, or to
//! record under someone else's name. Each is refused with 422 naming the
//! document, attempt, field and rule; the export and the honest results do
//! not move; the honest device keeps syncing through it all. A device whose
//! own history holds a refused change sets it aside and its later results
//! still arrive.

use automerge::transaction::Transactable;
use automerge::{Automerge, Change, ObjType, ROOT, ReadDoc, ScalarValue};
use walkbook_core::results::NewAttempt;
use walkbook_core::results::pack_attempt;
use walkbook_core::sync::{DocMessage, Role, SyncRequest, SyncResponse};
use walkbook_e2e::{TestDevice, TestServer, message_carrying};

/// The device's own copy of a unit document (what it synced so far).
fn replica(d: &TestDevice, doc: &str) -> Automerge {
    let bytes = d.store().changes_since(doc, &[]).unwrap();
    Automerge::load(&bytes).unwrap()
}

/// Sends `changes` for `doc` as one sync message with the device's token.
async fn send(
    server: &TestServer,
    token: &str,
    doc: &str,
    changes: &[Change],
) -> (u16, SyncResponse) {
    let req = SyncRequest {
        docs: vec![DocMessage {
            doc_id: doc.to_string(),
            message: Some(message_carrying(changes)),
        }],
    };
    let resp = server.post_sync(token, &req).await;
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap())
}

async fn export(server: &TestServer, org: &str) -> String {
    reqwest::Client::new()
        .get(format!("{}/dashboard/export.csv", server.url))
        .bearer_auth(org)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

fn attempt_obj(doc: &Automerge, id: &str) -> automerge::ObjId {
    let (_, attempts) = doc.get(ROOT, "attempts").unwrap().unwrap();
    doc.get(&attempts, id).unwrap().unwrap().1
}

fn last(doc: &Automerge) -> Change {
    doc.get_last_local_change().unwrap().clone()
}

/// A new value written at an existing attempt's key.
fn rewrite_attempt(doc: &mut Automerge, id: &str, packed: String) {
    let (_, attempts) = doc.get(ROOT, "attempts").unwrap().unwrap();
    let mut tx = doc.transaction();
    tx.put(&attempts, id, packed).unwrap();
    tx.commit();
}

/// A new attempt written by hand with the given fields.
fn crafted_attempt(doc: &mut Automerge, id: &str, fields: &[(&str, ScalarValue)]) -> Change {
    let (_, attempts) = doc.get(ROOT, "attempts").unwrap().unwrap();
    let mut tx = doc.transaction();
    let obj = tx.put_object(&attempts, id, ObjType::Map).unwrap();
    tx.put_object(&obj, "responses", ObjType::Map).unwrap();
    tx.put_object(&obj, "text_answers", ObjType::Map).unwrap();
    tx.put_object(&obj, "supersedes", ObjType::List).unwrap();
    for (k, v) in fields {
        tx.put(&obj, *k, v.clone()).unwrap();
    }
    tx.commit();
    last(doc)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forbidden_changes_are_refused_and_honest_results_stay_intact() {
    let server = TestServer::start(200).await;
    let org = server.organizer_token(&server.campaign_id).await;
    let (turf, _, [honest, hostile]) = server.conflict_on_first_turf().await;
    let doc = format!("turf:{}", turf.id);
    honest.canvass(6);
    honest.client.sync_now(|_| {}).await.unwrap();
    hostile.client.sync_now(|_| {}).await.unwrap();
    let token = hostile.store().meta("token").unwrap().unwrap();
    let hostile_vol = hostile.store().meta("volunteer_id").unwrap().unwrap();
    let hostile_dev = hostile.store().device_id().to_string();
    let honest_vol = honest.store().meta("volunteer_id").unwrap().unwrap();
    let victim = honest.store().attempts(&doc).unwrap()[0].clone();
    assert_eq!(victim.volunteer_id, honest_vol);
    assert!(export(&server, &org).await.lines().count() > 6);

    // A valid attempt as the hostile device would write it.
    let door = hostile.store().walk_list(&turf.id).unwrap()[5]
        .household
        .id
        .clone();
    let (script_id, script_version) = (victim.script_id.clone(), victim.script_version);
    let base = |vol: &str, dev: &str, household: &str| -> Vec<(&'static str, ScalarValue)> {
        vec![
            ("household_id", household.into()),
            ("channel", "door".into()),
            ("result", "not_home".into()),
            ("effect", "retry".into()),
            ("notes", "".into()),
            ("at_ms", chrono::Utc::now().timestamp_millis().into()),
            ("volunteer_id", vol.into()),
            ("device_id", dev.into()),
            ("script_id", script_id.as_str().into()),
            ("script_version", i64::from(script_version).into()),
        ]
    };

    // An honest attempt in the earlier form (a map of fields), which the
    // server still accepts: the edits below are tried against both forms.
    let honest_token = honest.store().meta("token").unwrap().unwrap();
    let honest_door = honest.store().walk_list(&turf.id).unwrap()[4]
        .household
        .id
        .clone();
    let map_victim = "0b5e7d1c-0000-4000-8000-0000000000aa".to_string();
    let c = crafted_attempt(
        &mut replica(&honest, &doc),
        &map_victim,
        &base(&honest_vol, honest.store().device_id(), &honest_door),
    );
    let (status, reply) = send(&server, &honest_token, &doc, &[c]).await;
    assert_eq!(
        (status, reply.error.as_deref()),
        (200, None),
        "{:?}",
        reply.docs
    );
    hostile.client.sync_now(|_| {}).await.unwrap();

    // (what, rule, the attempt the refusal must name, the change)
    let mut cases: Vec<(&str, &str, String, Change)> = Vec::new();
    {
        // The app writes attempts packed (one value): rewriting one is a
        // new value at its key.
        let mut d = replica(&hostile, &doc);
        let mut forged = victim.clone();
        forged.volunteer_id = hostile_vol.clone();
        forged.result = Some("refused".into());
        rewrite_attempt(&mut d, &victim.id, pack_attempt(&forged));
        cases.push((
            "rewrite of another volunteer's packed attempt",
            "append_only",
            victim.id.clone(),
            last(&d),
        ));
    }
    {
        let mut d = replica(&hostile, &doc);
        let mut forged: serde_json::Value = serde_json::from_str(&pack_attempt(&victim)).unwrap();
        forged["at_ms"] = "yesterday".into();
        rewrite_attempt(&mut d, &victim.id, forged.to_string());
        cases.push((
            "at_ms replaced by text",
            "append_only",
            victim.id.clone(),
            last(&d),
        ));
    }
    {
        // The same edits against an attempt written as a map of fields.
        let mut d = replica(&hostile, &doc);
        let obj = attempt_obj(&d, &map_victim);
        let mut tx = d.transaction();
        tx.put(&obj, "volunteer_id", hostile_vol.as_str()).unwrap();
        tx.put(&obj, "result", "refused").unwrap();
        tx.commit();
        cases.push((
            "edit of another volunteer's map attempt",
            "append_only",
            map_victim.clone(),
            last(&d),
        ));
    }
    {
        let mut d = replica(&hostile, &doc);
        let (_, attempts) = d.get(ROOT, "attempts").unwrap().unwrap();
        let mut tx = d.transaction();
        tx.delete(&attempts, victim.id.as_str()).unwrap();
        tx.commit();
        cases.push((
            "deletion of an attempt",
            "append_only",
            victim.id.clone(),
            last(&d),
        ));
    }
    {
        let mut d = replica(&hostile, &doc);
        let obj = attempt_obj(&d, &map_victim);
        let mut tx = d.transaction();
        tx.put(&obj, "at_ms", "yesterday").unwrap();
        tx.commit();
        cases.push((
            "at_ms of a map attempt replaced by text",
            "append_only",
            map_victim.clone(),
            last(&d),
        ));
    }
    {
        let mut d = replica(&hostile, &doc);
        let mut tx = d.transaction();
        tx.delete(ROOT, "attempts").unwrap();
        tx.commit();
        cases.push((
            "deletion of the attempts map",
            "root_fixed",
            String::new(),
            last(&d),
        ));
    }
    {
        let mut d = replica(&hostile, &doc);
        let c = crafted_attempt(
            &mut d,
            "0b5e7d1c-0000-4000-8000-000000000001",
            &base(&honest_vol, &hostile_dev, &door),
        );
        cases.push((
            "an attempt in another volunteer's name",
            "author",
            "0b5e7d1c-0000-4000-8000-000000000001".into(),
            c,
        ));
    }
    {
        let mut d = replica(&hostile, &doc);
        let c = crafted_attempt(
            &mut d,
            "0b5e7d1c-0000-4000-8000-000000000002",
            &base(&hostile_vol, "dev-someone-else", &door),
        );
        cases.push((
            "an attempt with another device's id",
            "author",
            "0b5e7d1c-0000-4000-8000-000000000002".into(),
            c,
        ));
    }
    {
        let mut d = replica(&hostile, &doc);
        let c = crafted_attempt(
            &mut d,
            "0b5e7d1c-0000-4000-8000-000000000003",
            &base(&hostile_vol, &hostile_dev, "H-not-on-this-turf"),
        );
        cases.push((
            "a door not on the turf",
            "household_on_unit",
            "0b5e7d1c-0000-4000-8000-000000000003".into(),
            c,
        ));
    }
    {
        let mut d = replica(&hostile, &doc);
        let mut f = base(&hostile_vol, &hostile_dev, &door);
        f.retain(|(k, _)| *k != "result" && *k != "effect");
        f.push(("result", "made_up".into()));
        f.push(("effect", "do_not_contact".into()));
        let c = crafted_attempt(&mut d, "0b5e7d1c-0000-4000-8000-000000000004", &f);
        cases.push((
            "an unknown code with a do-not-contact effect",
            "result_code",
            "0b5e7d1c-0000-4000-8000-000000000004".into(),
            c,
        ));
    }
    {
        // A root made by the client, not the canonical genesis.
        let mut d = Automerge::new();
        let mut tx = d.transaction();
        tx.put(ROOT, "schema", 1).unwrap();
        tx.put(ROOT, "unit", doc.as_str()).unwrap();
        tx.put_object(ROOT, "attempts", ObjType::Map).unwrap();
        tx.commit();
        cases.push(("a client-made root", "root_fixed", String::new(), last(&d)));
    }

    for (what, rule, attempt, change) in cases {
        let export_before = export(&server, &org).await;
        let ids_before = server.server_attempt_ids();
        let (status, reply) = send(&server, &token, &doc, std::slice::from_ref(&change)).await;
        assert_eq!(status, 422, "{what}");
        assert_eq!(reply.error.as_deref(), Some("results_refused"), "{what}");
        let refused = reply.docs[0]
            .refused
            .as_ref()
            .unwrap_or_else(|| panic!("{what}: no refusal"));
        assert_eq!(refused.violation.rule, rule, "{what}: {refused:?}");
        assert_eq!(refused.change, change.hash().to_string(), "{what}");
        assert_eq!(refused.violation.attempt_id, attempt, "{what}");
        assert!(!refused.violation.field.is_empty(), "{what}");
        assert!(
            reply.message.as_deref().unwrap_or("").contains(&doc),
            "{what}"
        );
        assert_eq!(
            server.server_attempt_ids(),
            ids_before,
            "{what}: nothing stored"
        );
        assert_eq!(
            export(&server, &org).await,
            export_before,
            "{what}: export unchanged"
        );
        // The honest device keeps syncing through it all.
        honest.canvass(1);
        let s = honest.client.sync_now(|_| {}).await.unwrap();
        assert_eq!(s.pending_upload, 0, "{what}");
        assert_eq!(s.refused, 0, "{what}");
    }
    // The honest results are all there, unchanged.
    let on_server = server
        .dir
        .campaign_store(&server.campaign_id)
        .unwrap()
        .attempts(&doc)
        .unwrap();
    let kept = on_server.iter().find(|a| a.id == victim.id).unwrap();
    assert_eq!(kept, &victim);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_with_a_refused_change_recovers_and_its_later_results_arrive() {
    let server = TestServer::start(200).await;
    let (turf, _, [a, b]) = server.conflict_on_first_turf().await;
    let doc = format!("turf:{}", turf.id);
    let vol = b.store().meta("volunteer_id").unwrap().unwrap();
    let assignment = format!("turf-{}-{vol}", turf.id);
    let doors = b.store().walk_list(&turf.id).unwrap();
    // An old app build writes someone else's volunteer id; then two good ones.
    let bad = b
        .store()
        .record_attempt(
            &assignment,
            NewAttempt {
                household_id: Some(doors[1].household.id.clone()),
                result: Some("not_home".into()),
                volunteer_id: Some("somebody-else".into()),
                ..Default::default()
            },
        )
        .unwrap();
    let mut good = Vec::new();
    for door in &doors[2..4] {
        good.push(
            b.store()
                .record_attempt(
                    &assignment,
                    NewAttempt {
                        household_id: Some(door.household.id.clone()),
                        result: Some("not_home".into()),
                        ..Default::default()
                    },
                )
                .unwrap()
                .id,
        );
    }
    let summary = b.client.sync_now(|_| {}).await.unwrap();
    assert_eq!(summary.refused, 1);
    assert_eq!(
        summary.pending_upload, 0,
        "everything else reached the server"
    );
    let on_server = server.server_attempt_ids();
    assert!(
        !on_server.contains(&bad.id),
        "the refused attempt is not stored"
    );
    for id in &good {
        assert!(on_server.contains(id), "later attempt {id} arrived");
    }
    // Moved aside, visibly, with the reason.
    let refused = b.store().refused_attempts().unwrap();
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].attempt_id, bad.id);
    assert_eq!(refused[0].rule, "author");
    assert!(
        refused[0].reason.contains("somebody-else"),
        "{}",
        refused[0].reason
    );
    assert_eq!(
        refused[0].attempt.as_ref().unwrap().household_id,
        doors[1].household.id
    );
    // The phone and the server agree, and the other phone sees the good ones.
    let server_heads = server.server_heads(&doc);
    assert_eq!(b.store().heads_hex(&doc).unwrap(), server_heads);
    a.client.sync_now(|_| {}).await.unwrap();
    let seen: Vec<String> = a
        .store()
        .attempts(&doc)
        .unwrap()
        .into_iter()
        .map(|x| x.id)
        .collect();
    assert!(good.iter().all(|g| seen.contains(g)) && !seen.contains(&bad.id));
    // And it keeps syncing normally afterwards.
    b.canvass(1);
    let again = b.client.sync_now(|_| {}).await.unwrap();
    assert_eq!((again.refused, again.pending_upload), (0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_ids_are_issued_by_the_server_and_revocation_is_exact() {
    let server = TestServer::start(200).await;
    let vols = server.volunteers();
    // Both devices propose the same id; the server ignores proposals.
    let mut joined = Vec::new();
    for v in vols.iter().take(2) {
        let resp: serde_json::Value = reqwest::Client::new()
            .post(format!("{}/v1/join", server.url))
            .json(&serde_json::json!({ "invite_code": server.invite(v, Role::Volunteer), "device_id": "same-id" }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        joined.push(resp);
    }
    let ids: Vec<&str> = joined
        .iter()
        .map(|j| j["device_id"].as_str().unwrap())
        .collect();
    assert_ne!(ids[0], ids[1]);
    assert!(ids.iter().all(|i| *i != "same-id"));
    walkbook_server::admin::revoke_device(&server.dir, &server.campaign_id, ids[0], "lost")
        .unwrap();
    let status = |token: String| {
        let url = format!("{}/v1/assignments", server.url);
        async move {
            reqwest::Client::new()
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(
        status(joined[0]["token"].as_str().unwrap().into()).await,
        401
    );
    assert_eq!(
        status(joined[1]["token"].as_str().unwrap().into()).await,
        200,
        "the other device works"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_under_another_devices_actor_is_refused_and_that_device_keeps_syncing() {
    let server = TestServer::start(200).await;
    let (turf, _, [honest, hostile]) = server.conflict_on_first_turf().await;
    let doc = format!("turf:{}", turf.id);
    honest.client.sync_now(|_| {}).await.unwrap();
    hostile.client.sync_now(|_| {}).await.unwrap();
    let token = hostile.store().meta("token").unwrap().unwrap();
    let hostile_vol = hostile.store().meta("volunteer_id").unwrap().unwrap();
    let hostile_dev = hostile.store().device_id().to_string();
    let honest_dev = honest.store().device_id().to_string();
    // The honest device's actor, from its attempt on the server.
    let seen = replica(&hostile, &doc);
    let theirs = read_attempt_change(&seen, &honest_dev);
    // A change that is valid in every field, but spends the honest device's
    // next sequence number under its actor.
    let mut forged = Automerge::new().with_actor(theirs.actor_id().clone());
    forged.apply_changes(seen.get_changes(&[])).unwrap();
    let door = hostile.store().walk_list(&turf.id).unwrap()[7]
        .household
        .id
        .clone();
    let fields: Vec<(&str, ScalarValue)> = vec![
        ("household_id", door.as_str().into()),
        ("channel", "door".into()),
        ("result", "not_home".into()),
        ("effect", "retry".into()),
        ("notes", "".into()),
        ("at_ms", chrono::Utc::now().timestamp_millis().into()),
        ("volunteer_id", hostile_vol.as_str().into()),
        ("device_id", hostile_dev.as_str().into()),
        ("script_id", "canvass".into()),
        ("script_version", 1i64.into()),
    ];
    let change = crafted_attempt(&mut forged, "0b5e7d1c-0000-4000-8000-0000000000aa", &fields);
    let (status, reply) = send(&server, &token, &doc, std::slice::from_ref(&change)).await;
    assert_eq!(status, 422);
    assert_eq!(
        reply.docs[0].refused.as_ref().unwrap().violation.rule,
        "actor_owner"
    );
    // The honest device's next result (same actor, next sequence number) goes through.
    honest.canvass(2);
    let s = honest.client.sync_now(|_| {}).await.unwrap();
    assert_eq!((s.refused, s.pending_upload), (0, 0));
}

/// The change that added the first attempt recorded by `device`.
fn read_attempt_change(doc: &Automerge, device: &str) -> Change {
    let attempts = walkbook_core::results::read_attempts(doc).unwrap();
    let id = attempts
        .iter()
        .find(|a| a.device_id == device)
        .unwrap()
        .id
        .clone();
    let (_, obj) = doc.get(ROOT, "attempts").unwrap().unwrap();
    let (_, attempt) = doc.get(&obj, id.as_str()).unwrap().unwrap();
    // The object id of the attempt map is "<counter>@<actor>".
    let actor = attempt.to_string().split_once('@').unwrap().1.to_string();
    doc.get_changes(&[])
        .into_iter()
        .find(|c| c.actor_id().to_hex_string() == actor)
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_that_joins_again_keeps_its_id_and_its_unsynced_results_count() {
    let server = TestServer::start(200).await;
    let vols = server.volunteers();
    let d = server.device(&vols[0]).await;
    let first_id = d.store().device_id().to_string();
    let ids = d.canvass(3); // recorded offline, not synced yet
    // A new invite for the same volunteer (say the token was lost).
    d.client
        .join(&server.invite(&vols[0], Role::Volunteer))
        .await
        .unwrap();
    assert_eq!(
        d.store().device_id(),
        first_id,
        "the same installation keeps its id"
    );
    let s = d.client.sync_now(|_| {}).await.unwrap();
    assert_eq!((s.refused, s.pending_upload), (0, 0));
    let on_server = server.server_attempt_ids();
    assert!(ids.iter().all(|i| on_server.contains(i)));
    // Another volunteer cannot claim that id by proposing it.
    let other: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/v1/join", server.url))
        .json(&serde_json::json!({
            "invite_code": server.invite(&vols[1], Role::Volunteer),
            "device_id": first_id,
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_ne!(other["device_id"].as_str().unwrap(), first_id);
}
