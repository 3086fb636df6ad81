//! Phone banking against a real server: concurrent claims, expiring leases,
//! releases, and do-not-call / wrong numbers / finished people propagating
//! across lists after sync.

use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;

use chrono::{Duration, Utc};
use walkbook_core::model::{AssignmentKind, CallList};
use walkbook_core::results::{NewAttempt, Status};
use walkbook_e2e::TestServer;
use walkbook_server::http::ServerOptions;

fn share_list(server: &TestServer, list: &str, volunteers: &[String]) {
    for v in volunteers {
        walkbook_server::admin::assign(
            &server.home,
            &server.campaign_id,
            AssignmentKind::CallList,
            list,
            v,
            Utc::now() + Duration::days(1),
        )
        .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_phone_bankers_claiming_at_once_never_get_the_same_contact() {
    let server = TestServer::start(600).await;
    let list = server.campaign.call_lists[0].clone();
    let vols: Vec<String> = server.volunteers().into_iter().take(2).collect();
    share_list(&server, &list.id, &vols);
    let mut devices = Vec::new();
    for i in 0..8 {
        let d = server.device(&vols[i % 2]).await;
        devices.push(Arc::new(d));
    }
    // Every device claims batches of 7 at the same time until the pool is dry.
    let tasks: Vec<_> = devices
        .iter()
        .cloned()
        .map(|d| {
            let list = list.id.clone();
            tokio::spawn(async move {
                let mut mine = Vec::new();
                loop {
                    let batch = d.client.claim_batch(&list, 7).await.unwrap();
                    if batch.person_ids.is_empty() {
                        return mine;
                    }
                    mine.extend(batch.person_ids);
                }
            })
        })
        .collect();
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let unique: HashSet<&String> = all.iter().collect();
    assert_eq!(unique.len(), all.len(), "a contact was handed out twice");
    let dnc: HashSet<&str> = server
        .campaign
        .people
        .iter()
        .filter(|p| p.do_not_contact)
        .map(|p| p.id.as_str())
        .collect();
    let eligible: BTreeSet<&String> = list
        .person_ids
        .iter()
        .filter(|p| !dnc.contains(p.as_str()))
        .collect();
    assert_eq!(
        unique.into_iter().collect::<BTreeSet<_>>(),
        eligible,
        "everyone callable was claimed once"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_and_released_claims_go_back_to_the_pool() {
    let opts = ServerOptions {
        claim_lease: Duration::milliseconds(600),
        ..ServerOptions::default()
    };
    let server = TestServer::start_with_options(300, opts).await;
    let list = server.campaign.call_lists[0].clone();
    let vols: Vec<String> = server.volunteers().into_iter().take(2).collect();
    share_list(&server, &list.id, &vols);
    let a = server.device(&vols[0]).await;
    let b = server.device(&vols[1]).await;

    let first = a.client.claim_batch(&list.id, 5).await.unwrap();
    assert_eq!(first.person_ids.len(), 5);
    assert_eq!(
        a.store().call_queue(&list.id).unwrap().len(),
        5,
        "the device works through its batch"
    );
    // A calls one of them; the result syncs.
    let called = first.person_ids[0].clone();
    let attempt = NewAttempt {
        person_id: Some(called.clone()),
        answers: [("support".to_string(), "2".to_string())].into(),
        ..Default::default()
    };
    let aid = a
        .store()
        .assignments()
        .unwrap()
        .into_iter()
        .find(|x| x.assignment.unit_id == list.id)
        .unwrap()
        .assignment
        .id;
    a.store().record_attempt(&aid, attempt).unwrap();
    a.client.sync_now(|_| {}).await.unwrap();

    let during = b.client.claim_batch(&list.id, 5).await.unwrap();
    assert!(
        during
            .person_ids
            .iter()
            .all(|p| !first.person_ids.contains(p)),
        "live claims are not handed out"
    );
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    let after = b.client.claim_batch(&list.id, 5).await.unwrap();
    let recycled: Vec<&String> = first.person_ids.iter().skip(1).collect();
    assert!(
        recycled.iter().all(|p| after.person_ids.contains(p)),
        "uncalled contacts of the expired claim return: {after:?}"
    );
    assert!(
        !after.person_ids.contains(&called),
        "the contact already reached is not handed out again"
    );

    let released = b.client.release_claim(&after.claim_id).await.unwrap();
    assert_eq!(released as usize, after.person_ids.len());
    assert!(
        b.store()
            .call_queue(&list.id)
            .unwrap()
            .iter()
            .all(|r| !after.person_ids.contains(&r.person.id))
    );
    let again = a
        .client
        .claim_batch(&list.id, after.person_ids.len() as u32)
        .await
        .unwrap();
    assert_eq!(
        again.person_ids, after.person_ids,
        "released contacts are next in line"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn do_not_call_wrong_numbers_and_finished_people_reach_every_list_after_sync() {
    let server = TestServer::start(300).await;
    // A second list overlapping the first: the same people on two lists.
    let db = server.home.db.clone();
    let mut data = db.campaign(&server.campaign_id).unwrap();
    let first = data.call_lists[0].clone();
    let with_two_phones: Vec<String> = first
        .person_ids
        .iter()
        .filter(|p| {
            data.people
                .iter()
                .any(|x| &x.id == *p && x.phones.len() >= 2)
        })
        .take(1)
        .cloned()
        .collect();
    assert_eq!(
        with_two_phones.len(),
        1,
        "the generated list has someone with two numbers"
    );
    let mut overlap: Vec<String> = first.person_ids.iter().take(6).cloned().collect();
    for p in &with_two_phones {
        if !overlap.contains(p) {
            overlap.push(p.clone());
        }
    }
    data.call_lists.push(CallList {
        id: "calls-overlap".into(),
        name: "Overlap".into(),
        person_ids: overlap.clone(),
    });
    db.update_campaign(&data).unwrap();
    walkbook_server::admin::publish_packets(&server.home, &server.campaign_id).unwrap();
    let vols: Vec<String> = server.volunteers().into_iter().take(2).collect();
    share_list(&server, &first.id, &vols[..1]);
    share_list(&server, "calls-overlap", &vols[1..2]);

    let a = server.device(&vols[0]).await;
    let b = server.device(&vols[1]).await;
    let aid = a
        .store()
        .assignments()
        .unwrap()
        .into_iter()
        .find(|x| x.assignment.unit_id == first.id)
        .unwrap()
        .assignment
        .id;
    let callable: Vec<String> = a
        .store()
        .call_queue(&first.id)
        .unwrap()
        .into_iter()
        .map(|r| r.person.id)
        .collect();
    let in_both: Vec<&String> = overlap.iter().filter(|p| callable.contains(p)).collect();
    let (dnc, done) = (in_both[0].clone(), in_both[1].clone());
    let call = |p: &str, code: &str| NewAttempt {
        person_id: Some(p.into()),
        result: Some(code.into()),
        duration_s: Some(12),
        ..Default::default()
    };
    a.store()
        .record_attempt(&aid, call(&dnc, "do_not_call"))
        .unwrap();
    a.store()
        .record_attempt(
            &aid,
            NewAttempt {
                person_id: Some(done.clone()),
                answers: [("support".to_string(), "1".to_string())].into(),
                ..Default::default()
            },
        )
        .unwrap();
    let wrong = with_two_phones.first().cloned();
    let before = match &wrong {
        Some(w) => {
            let number = b
                .store()
                .call_queue("calls-overlap")
                .unwrap()
                .into_iter()
                .find(|r| &r.person.id == w)
                .map(|r| r.phone.number);
            a.store()
                .record_attempt(&aid, call(w, "wrong_number"))
                .unwrap();
            number
        }
        None => None,
    };
    a.client.sync_now(|_| {}).await.unwrap();
    // B never syncs A's list, yet after its own sync it knows.
    b.client.sync_now(|_| {}).await.unwrap();
    let queue = b.store().call_queue("calls-overlap").unwrap();
    let status = |p: &str| {
        queue
            .iter()
            .find(|r| r.person.id == p)
            .map(|r| r.status.status.clone())
    };
    assert_eq!(status(&dnc), Some(Status::DoNotContact));
    assert!(matches!(status(&done), Some(Status::Contacted { .. })));
    let (Some(w), Some(old)) = (wrong, before) else {
        panic!("the wrong-number case must run")
    };
    {
        let now = b
            .store()
            .call_queue("calls-overlap")
            .unwrap()
            .into_iter()
            .find(|r| r.person.id == w)
            .map(|r| r.phone.number);
        assert_ne!(
            now,
            Some(old),
            "the wrong number is not offered on the other list"
        );
    }
    server.stop().await;
}
