//! New people at the door against a real server on 127.0.0.1: a canvasser
//! records people who are not on the list; they sync as proposals; an
//! organizer accepts one (they reach every phone's list and the exports as
//! a new record), merges one into a listed person and rejects one; forged
//! proposals are refused whole.

use automerge::transaction::Transactable;
use automerge::{Automerge, ROOT, ReadDoc};
use walkbook_core::results::{NewAttempt, NewPerson, NewPersonReason, pack_attempt};
use walkbook_core::sync::{DocMessage, SyncRequest};
use walkbook_e2e::{TestDevice, TestServer, message_carrying, no_redirects};

fn person(first: &str, last: &str, reason: NewPersonReason) -> NewPerson {
    NewPerson {
        first_name: first.into(),
        last_name: last.into(),
        birth_year: Some(1990),
        language: "en".into(),
        reason,
    }
}

/// Records a person met at `household` (with `answers`); the attempt id.
fn meet(
    d: &TestDevice,
    assignment: &str,
    household: &str,
    who: NewPerson,
    answers: &[(&str, &str)],
) -> String {
    d.store()
        .record_attempt(
            assignment,
            NewAttempt {
                household_id: Some(household.into()),
                new_person: Some(who),
                answers: answers
                    .iter()
                    .map(|(q, a)| (q.to_string(), a.to_string()))
                    .collect(),
                ..Default::default()
            },
        )
        .unwrap()
        .id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_met_at_doors_are_proposed_decided_and_exported_as_new_records() {
    let server = TestServer::start(200).await;
    let vol = server.volunteers()[0].clone();
    let a = server.device(&vol).await;
    let assignment = a.first_turf();
    let doors = a.store().walk_list(&assignment.unit_id).unwrap();
    let (door1, door2) = (&doors[0], &doors[1]);
    let listed = door2.people[0].person.id.clone();

    let walk_up = meet(
        &a,
        &assignment.id,
        &door1.household.id,
        person("Rosa", "Quintero", NewPersonReason::WalkUp),
        &[("support", "1")],
    );
    let same = meet(
        &a,
        &assignment.id,
        &door2.household.id,
        person("Bobby", "Listed", NewPersonReason::AnotherResident),
        &[("support", "2")],
    );
    let nobody = meet(
        &a,
        &assignment.id,
        &door2.household.id,
        person("Not", "Real", NewPersonReason::MovedIn),
        &[],
    );
    // Meeting someone new says nothing about the listed residents.
    let after = a.store().walk_list(&assignment.unit_id).unwrap();
    assert_eq!(after[0].household_status.door_attempts, 1);
    assert!(
        after[0]
            .people
            .iter()
            .all(|p| p.status.status.kind() == "not_attempted")
    );
    a.client.sync_now(|_| {}).await.unwrap();

    // Waiting for the organizer, on the dashboard and from the admin side.
    let org = server.organizer_token(&server.campaign_id).await;
    let http = no_redirects();
    let get = |path: &str| {
        let req = http
            .get(format!("{}{path}", server.url))
            .bearer_auth(&org)
            .send();
        async move { req.await.unwrap().text().await.unwrap() }
    };
    let page = get("/dashboard/people").await;
    assert!(page.contains("Waiting (3)"), "{page}");
    assert!(
        page.contains("Rosa Quintero") && page.contains("walk up"),
        "{page}"
    );
    // Before any decision the exports leave them out (never the residents).
    let export = get("/dashboard/export.csv").await;
    assert!(
        !export.contains(&walk_up) && !export.contains(&same),
        "{export}"
    );

    let decide = |attempt: &str, form: Vec<(&'static str, String)>| {
        let req = http
            .post(format!("{}/dashboard/people/{attempt}", server.url))
            .bearer_auth(&org)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(
                form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(form)
                    .finish(),
            )
            .send();
        async move { req.await.unwrap() }
    };
    let accepted = decide(&walk_up, vec![("action", "accept".into())]).await;
    assert_eq!(accepted.status(), 303);
    assert!(
        accepted.headers()["location"]
            .to_str()
            .unwrap()
            .contains("Accepted")
    );
    let merged = decide(
        &same,
        vec![("action", "merge".into()), ("person", listed.clone())],
    )
    .await;
    assert_eq!(merged.status(), 303);
    assert_eq!(
        decide(&nobody, vec![("action", "reject".into())])
            .await
            .status(),
        303
    );
    // A decision is final; a merge names a listed person; a volunteer cannot decide.
    let again = decide(&walk_up, vec![("action", "reject".into())]).await;
    assert_eq!(again.status(), 400);
    assert!(again.text().await.unwrap().contains("already accepted"));
    let vol_token = a.store().meta("token").unwrap().unwrap();
    let by_volunteer = http
        .post(format!("{}/dashboard/people/{walk_up}", server.url))
        .bearer_auth(&vol_token)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("action=reject")
        .send()
        .await
        .unwrap();
    assert!(by_volunteer.status().is_client_error());
    let page = get("/dashboard/people").await;
    assert!(
        page.contains("Decided (3)") && page.contains("Nobody is waiting"),
        "{page}"
    );

    // Accepted: a new record at that door, in the new-records file and in
    // the results export with their answer; merged: the answer goes to the
    // listed person; rejected: nowhere.
    let new_id = walkbook_core::newpeople::new_person_id(&walk_up);
    let records = get("/dashboard/new-people.csv").await;
    let lines: Vec<&str> = records.lines().collect();
    assert_eq!(lines.len(), 2, "{records}");
    assert!(
        lines[1].starts_with(&format!("{new_id},Rosa,Quintero,1990,en,")),
        "{records}"
    );
    assert!(
        lines[1].contains(&door1.household.id) && lines[1].contains(",walk_up,"),
        "{records}"
    );
    let export = get("/dashboard/export.csv").await;
    assert!(
        export.contains(&format!("{new_id},walk,,support,1,")),
        "{export}"
    );
    assert!(
        export.contains(&format!("{listed},walk,,support,2,")),
        "{export}"
    );
    assert!(!export.contains(&nobody), "{export}");

    // Every phone on that turf has the new person at the door after a sync.
    a.client.sync_now(|_| {}).await.unwrap();
    let door = a.store().walk_list(&assignment.unit_id).unwrap()[0].clone();
    let rosa = door
        .people
        .iter()
        .find(|p| p.person.id == new_id)
        .expect("in the list");
    assert_eq!(rosa.person.full_name(), "Rosa Quintero");
    // And results about them are ordinary results now.
    a.store()
        .record_attempt(&assignment.id, common_answer(&new_id, "3"))
        .unwrap();
    a.client.sync_now(|_| {}).await.unwrap();
    assert_eq!(a.store().pending_upload_count().unwrap(), 0);
    server.stop().await;
}

fn common_answer(person: &str, support: &str) -> NewAttempt {
    NewAttempt {
        person_id: Some(person.into()),
        answers: [("support".to_string(), support.to_string())]
            .into_iter()
            .collect(),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_proposals_are_refused_whole_and_name_the_rule() {
    let server = TestServer::start(120).await;
    let vol = server.volunteers()[0].clone();
    let a = server.device(&vol).await;
    let assignment = a.first_turf();
    let doc_id = assignment.unit_doc_id();
    let door = a.store().walk_list(&assignment.unit_id).unwrap()[0].clone();
    let honest = meet(
        &a,
        &assignment.id,
        &door.household.id,
        person("Ann", "Lee", NewPersonReason::MovedIn),
        &[],
    );
    a.client.sync_now(|_| {}).await.unwrap();
    let template = a
        .store()
        .attempts(&doc_id)
        .unwrap()
        .into_iter()
        .find(|x| x.id == honest)
        .unwrap();
    let token = a.store().meta("token").unwrap().unwrap();

    type Forge<'a> = Box<dyn Fn(&mut walkbook_core::results::Attempt) + 'a>;
    let cases: Vec<(&str, Forge<'_>)> = vec![
        (
            "new_person_fields",
            Box::new(|x| x.new_person.as_mut().unwrap().first_name = "Ann\u{7}".into()),
        ),
        (
            "new_person_fields",
            Box::new(|x| x.new_person.as_mut().unwrap().last_name = String::new()),
        ),
        (
            "new_person_fields",
            Box::new(|x| x.new_person.as_mut().unwrap().birth_year = Some(2031)),
        ),
        (
            "new_person_fields",
            Box::new(|x| x.new_person.as_mut().unwrap().language = "english please".into()),
        ),
        (
            "new_person_not_listed",
            Box::new(|x| x.person_id = Some(door.people[0].person.id.clone())),
        ),
        (
            "new_person_answers",
            Box::new(|x| {
                x.result = Some("not_home".into());
                x.effect = Some(walkbook_core::model::ResultEffect::Retry);
            }),
        ),
    ];
    let before = server.server_attempt_ids();
    for (i, (rule, forge)) in cases.into_iter().enumerate() {
        let bytes = a.store().changes_since(&doc_id, &[]).unwrap();
        let mut doc = Automerge::load(&bytes).unwrap();
        let mut forged = template.clone();
        forged.id = format!("forged-{i}-0000-4000-8000-000000000000");
        forge(&mut forged);
        let (_, attempts) = doc.get(ROOT, "attempts").unwrap().unwrap();
        let mut tx = doc.transaction();
        tx.put(&attempts, &forged.id, pack_attempt(&forged))
            .unwrap();
        tx.commit();
        let change = doc.get_last_local_change().unwrap().clone();

        let resp = server
            .post_sync(
                &token,
                &SyncRequest {
                    docs: vec![DocMessage {
                        doc_id: doc_id.clone(),
                        message: Some(message_carrying(&[change])),
                    }],
                },
            )
            .await;
        assert_eq!(resp.status().as_u16(), 422, "{rule}");
        let body: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(body["docs"][0]["refused"]["rule"], rule, "{body}");
    }
    assert_eq!(
        server.server_attempt_ids(),
        before,
        "nothing forged was stored"
    );
    // The honest device keeps syncing.
    meet(
        &a,
        &assignment.id,
        &door.household.id,
        person("Ben", "Lee", NewPersonReason::AnotherResident),
        &[("support", "4")],
    );
    a.client.sync_now(|_| {}).await.unwrap();
    assert_eq!(server.server_attempt_ids().len(), before.len() + 1);
    server.stop().await;
}
