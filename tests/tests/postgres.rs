//! Several walkbook-server instances on one PostgreSQL database (a real
//! throwaway cluster on loopback), as replicas behind a load balancer:
//! each has its own connection pool and its own cache of documents, so
//! they share nothing but the database. Phones sync the same turf through
//! different servers at once; nothing is lost or hidden, a device can move
//! between servers mid-sync, hostile changes are refused whichever server
//! takes them, and the dashboard export reads the same results.

use std::collections::BTreeSet;

use automerge::transaction::Transactable;
use automerge::{Automerge, ROOT, ReadDoc};
use chrono::{Duration, Utc};
use tokio::net::TcpListener;
use walkbook_core::generate::{GenerateOptions, generate_campaign};
use walkbook_core::model::{AssignmentKind, ReferenceData};
use walkbook_core::results::NewAttempt;
use walkbook_core::sync::{DocMessage, Role, SyncClient, SyncRequest, SyncResponse};
use walkbook_dev::postgres::TestCluster;
use walkbook_e2e::{TestDevice, guess_invite};
use walkbook_server::admin::{self, Deployment};
use walkbook_server::http::{self, AppState, ServerOptions};

/// Blocking store work from a test's async body (the PostgreSQL store
/// blocks on a runtime of its own).
fn blocking<T>(f: impl FnOnce() -> T) -> T {
    tokio::task::block_in_place(f)
}

/// Two servers on one database, and the campaign they serve.
struct Replicas {
    home: Deployment,
    urls: Vec<String>,
    campaign: ReferenceData,
    campaign_id: String,
    stops: Vec<tokio::sync::oneshot::Sender<()>>,
    cluster: TestCluster,
}

impl Replicas {
    async fn start(servers: usize, households: usize) -> Replicas {
        Self::start_with(servers, households, ServerOptions::for_simulation()).await
    }

    async fn start_with(servers: usize, households: usize, opts: ServerOptions) -> Replicas {
        let (cluster, url) = blocking(|| {
            let cluster = TestCluster::start().unwrap();
            let url = cluster.create_database("replicas").unwrap();
            (cluster, url)
        });
        let campaign = generate_campaign(&GenerateOptions {
            households,
            seed: 5,
        });
        let (home, campaign_id) = blocking(|| {
            let home = Deployment::postgres(&url).unwrap();
            let id = admin::create_campaign(&home, &campaign).unwrap();
            (home, id)
        });
        let mut urls = Vec::new();
        let mut stops = Vec::new();
        for _ in 0..servers {
            let (server, stop) = Self::serve(&url, opts.clone()).await;
            urls.push(server);
            stops.push(stop);
        }
        Replicas {
            home,
            urls,
            campaign,
            campaign_id,
            stops,
            cluster,
        }
    }

    /// One more server on the database at `url`, with its own pool and
    /// document cache: its URL and what stops it.
    async fn serve(url: &str, opts: ServerOptions) -> (String, tokio::sync::oneshot::Sender<()>) {
        let state = blocking(|| AppState::on(Deployment::postgres(url).unwrap(), opts));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let server = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(http::serve(listener, state, async move {
            let _ = rx.await;
        }));
        (server, tx)
    }

    /// The first turf, given to the first `volunteers` volunteers: (turf
    /// id, its document id, the volunteers).
    fn shared_turf(&self, volunteers: usize) -> (String, String, Vec<String>) {
        let turf = self.campaign.turfs[0].id.clone();
        let vols: Vec<String> = self
            .campaign
            .volunteers
            .iter()
            .take(volunteers)
            .map(|v| v.id.clone())
            .collect();
        for v in &vols {
            self.assign_turf(&turf, v);
        }
        let doc = format!("turf:{turf}");
        (turf, doc, vols)
    }

    fn assign_turf(&self, turf: &str, volunteer: &str) {
        blocking(|| {
            admin::assign(
                &self.home,
                &self.campaign_id,
                AssignmentKind::Turf,
                turf,
                volunteer,
                Utc::now() + Duration::days(1),
            )
            .unwrap()
        });
    }

    /// A device that joined through server `server` as `volunteer`.
    async fn device(&self, server: usize, volunteer: &str, role: Role) -> TestDevice {
        let code = blocking(|| {
            admin::create_invite(
                &self.home,
                &self.campaign_id,
                volunteer,
                role,
                Duration::hours(1),
            )
            .unwrap()
        });
        let d = TestDevice::new(&self.urls[server]);
        d.client.join(&code).await.unwrap();
        d
    }

    /// Every attempt id the database holds for `doc`.
    fn stored_ids(&self, doc: &str) -> BTreeSet<String> {
        blocking(|| self.home.results.unit_attempts(&self.campaign_id).unwrap())
            .into_iter()
            .filter(|(d, _)| d == doc)
            .flat_map(|(_, attempts)| attempts.into_iter().map(|a| a.id))
            .collect()
    }

    fn stop(self) {
        for s in self.stops {
            let _ = s.send(());
        }
    }
}

/// Records results at the first `n` doors of `turf` on a device that
/// holds it (`volunteer`'s assignment): conversations and "not home".
fn canvass(d: &TestDevice, turf: &str, volunteer: &str, n: usize) -> Vec<String> {
    let mut store = d.store();
    let doors = store.walk_list(turf).unwrap();
    let mut ids = Vec::new();
    for (i, door) in doors.iter().take(n).enumerate() {
        let attempt = if i % 3 == 0 {
            NewAttempt {
                household_id: Some(door.household.id.clone()),
                result: Some("not_home".into()),
                ..Default::default()
            }
        } else {
            NewAttempt {
                person_id: Some(door.people[0].person.id.clone()),
                answers: [("support".to_string(), ((i % 5) + 1).to_string())].into(),
                ..Default::default()
            }
        };
        let id = store
            .record_attempt(&format!("turf-{turf}-{volunteer}"), attempt)
            .unwrap()
            .id;
        ids.push(id);
    }
    ids
}

fn device_ids(d: &TestDevice, doc: &str) -> BTreeSet<String> {
    d.store()
        .attempts(doc)
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_turf_synced_through_two_servers_at_once_loses_and_hides_nothing() {
    let r = Replicas::start(2, 200).await;
    let (turf, doc, vols) = r.shared_turf(6);
    // Three phones on each server.
    let mut devices = Vec::new();
    for (i, v) in vols.iter().enumerate() {
        devices.push(r.device(i % 2, v, Role::Volunteer).await);
    }
    let mut recorded = BTreeSet::new();
    for round in 0..6 {
        for (d, v) in devices.iter().zip(&vols) {
            recorded.extend(canvass(d, &turf, v, 4 + round));
        }
        // Everyone syncs at once: six syncs of one document, through two
        // servers, each holding the document's row lock in turn.
        let syncs: Vec<_> = devices.iter().map(|d| d.client.sync_now(|_| {})).collect();
        for (i, s) in walkbook_dev::join_all(syncs).await.into_iter().enumerate() {
            let s = s.unwrap_or_else(|e| panic!("device {i}, round {round}: {e}"));
            assert_eq!(s.refused, 0, "device {i}, round {round}");
        }
    }
    // A correction: the first phone's first conversation recorded the
    // wrong support level. Its person's status is re-derived on the server
    // from the superseded attempt's row and the correction.
    let first = devices[0].store().attempts(&doc).unwrap();
    let wrong = first
        .iter()
        .find(|a| a.person_id.is_some() && a.volunteer_id == vols[0])
        .expect("a conversation by the first phone")
        .clone();
    let fixed = devices[0]
        .store()
        .correct_attempt(
            &format!("turf-{turf}-{}", vols[0]),
            &wrong.id,
            NewAttempt {
                person_id: wrong.person_id.clone(),
                answers: [("support".to_string(), "1".to_string())].into(),
                ..Default::default()
            },
        )
        .unwrap();
    recorded.insert(fixed.id);
    // A last quiet round so every phone hears the others' last results.
    for d in &devices {
        let s = d.client.sync_now(|_| {}).await.unwrap();
        assert_eq!(s.pending_upload, 0);
    }
    let stored = r.stored_ids(&doc);
    assert_eq!(
        stored, recorded,
        "every acknowledged result is in the database, once"
    );
    for (i, d) in devices.iter().enumerate() {
        assert_eq!(
            device_ids(d, &doc),
            recorded,
            "device {i} holds everyone's results"
        );
    }
    // The index agrees with what the phones derive from the same attempts.
    let server_index = blocking(|| r.home.results.unit_statuses(&r.campaign_id, &doc).unwrap());
    let (people, households) = devices[0].store().unit_statuses(&doc).unwrap();
    assert_eq!(server_index.people, people);
    assert_eq!(server_index.households, households);
    // The superseded conversation no longer counts for its person.
    let person = wrong.person_id.as_deref().unwrap();
    let all = devices[0].store().attempts(&doc).unwrap();
    let superseded: BTreeSet<&str> = all
        .iter()
        .flat_map(|a| a.supersedes.iter().map(String::as_str))
        .collect();
    assert!(superseded.contains(wrong.id.as_str()));
    let in_force = all
        .iter()
        .filter(|a| a.person_id.as_deref() == Some(person) && !superseded.contains(a.id.as_str()))
        .count();
    assert_eq!(server_index.people[person].attempts as usize, in_force);
    r.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_uploads_to_one_document_wait_for_each_other_and_none_fails() {
    // Raw requests, no client retries: every concurrent upload of new
    // results to one document, through either server, must be a 200.
    // (Without the document's row lock two would append under the same
    // sequence number and one would fail.)
    let r = Replicas::start(2, 150).await;
    let (turf, doc, vols) = r.shared_turf(6);
    let mut devices = Vec::new();
    for (i, v) in vols.iter().enumerate() {
        let d = r.device(i % 2, v, Role::Volunteer).await;
        // The packets and the document's genesis.
        d.client.sync_now(|_| {}).await.unwrap();
        devices.push(d);
    }
    let http = reqwest::Client::new();
    let mut recorded = BTreeSet::new();
    for round in 0..5 {
        let mut requests = Vec::new();
        for (i, (d, v)) in devices.iter().zip(&vols).enumerate() {
            recorded.extend(canvass(d, &turf, v, 3 + round));
            // Every change since the heads the server last confirmed to
            // this phone (its first sync): all of its new results.
            let message = d
                .store()
                .generate_server_sync_message(&doc, &format!("raw-{round}"))
                .unwrap()
                .unwrap();
            let token = d.store().meta("token").unwrap().unwrap();
            let body = SyncRequest {
                docs: vec![DocMessage {
                    doc_id: doc.clone(),
                    message: Some(message),
                }],
            };
            requests.push(
                http.post(format!("{}/v1/sync", r.urls[i % 2]))
                    .bearer_auth(token)
                    .json(&body)
                    .send(),
            );
        }
        for (i, resp) in walkbook_dev::join_all(requests)
            .await
            .into_iter()
            .enumerate()
        {
            let resp = resp.unwrap();
            assert_eq!(resp.status(), 200, "device {i}, round {round}");
        }
    }
    assert_eq!(r.stored_ids(&doc), recorded);
    r.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_phone_moving_between_servers_mid_shift_keeps_converging() {
    let r = Replicas::start(2, 150).await;
    let (turf, doc, vols) = r.shared_turf(2);
    let a = r.device(0, &vols[0], Role::Volunteer).await;
    let b = r.device(1, &vols[1], Role::Volunteer).await;
    // The load balancer sends A's next requests to the other server: the
    // sync state it built with server 0 is in the database, not in server
    // 0's memory.
    let a_elsewhere = SyncClient::new(&r.urls[1], a.store.clone()).unwrap();
    let mut recorded = BTreeSet::new();
    recorded.extend(canvass(&a, &turf, &vols[0], 5));
    a.client.sync_now(|_| {}).await.unwrap();
    recorded.extend(canvass(&b, &turf, &vols[1], 6));
    b.client.sync_now(|_| {}).await.unwrap();
    recorded.extend(canvass(&a, &turf, &vols[0], 7));
    let s = a_elsewhere.sync_now(|_| {}).await.unwrap();
    assert_eq!((s.pending_upload, s.refused), (0, 0));
    // Back on server 0, whose cached copy of the document is now stale.
    a.client.sync_now(|_| {}).await.unwrap();
    b.client.sync_now(|_| {}).await.unwrap();
    assert_eq!(r.stored_ids(&doc), recorded);
    assert_eq!(device_ids(&a, &doc), recorded);
    assert_eq!(device_ids(&b, &doc), recorded);
    // Both phones' requests were noted (the organizer's "last seen").
    let seen = blocking(|| {
        r.cluster
            .psql(
                "replicas",
                "SELECT count(*) FROM devices WHERE last_seen_ms IS NOT NULL",
            )
            .unwrap()
    });
    assert_eq!(seen.trim(), "2");
    r.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_change_deleting_someone_elses_result_is_refused_whichever_server_takes_it() {
    let r = Replicas::start(2, 150).await;
    let (turf, doc, vols) = r.shared_turf(2);
    let honest = r.device(0, &vols[0], Role::Volunteer).await;
    let hostile = r.device(1, &vols[1], Role::Volunteer).await;
    let honest_ids = canvass(&honest, &turf, &vols[0], 4);
    honest.client.sync_now(|_| {}).await.unwrap();
    hostile.client.sync_now(|_| {}).await.unwrap();
    // A well-formed automerge change, under the hostile phone's own actor,
    // that deletes the honest canvasser's first result.
    let bytes = hostile.store().changes_since(&doc, &[]).unwrap();
    let mut replica = Automerge::load(&bytes).unwrap();
    let (_, attempts) = replica.get(ROOT, "attempts").unwrap().unwrap();
    let before = replica.get_heads();
    let mut tx = replica.transaction();
    tx.delete(&attempts, honest_ids[0].as_str()).unwrap();
    tx.commit();
    let change = replica.get_changes(&before).pop().unwrap();
    let message = walkbook_e2e::message_carrying(std::slice::from_ref(&change));
    let token = hostile.store().meta("token").unwrap().unwrap();
    for url in &r.urls {
        let resp = reqwest::Client::new()
            .post(format!("{url}/v1/sync"))
            .bearer_auth(&token)
            .json(&SyncRequest {
                docs: vec![DocMessage {
                    doc_id: doc.clone(),
                    message: Some(message.clone()),
                }],
            })
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 422, "{url}");
        let reply: SyncResponse = resp.json().await.unwrap();
        let refused = reply.docs[0].refused.as_ref().expect("a refusal");
        assert_eq!(refused.change, change.hash().to_string());
    }
    let stored = r.stored_ids(&doc);
    assert!(
        honest_ids.iter().all(|id| stored.contains(id)),
        "nothing deleted"
    );
    // The honest phone keeps syncing, through either server.
    canvass(&honest, &turf, &vols[0], 6);
    let s = honest.client.sync_now(|_| {}).await.unwrap();
    assert_eq!((s.pending_upload, s.refused), (0, 0));
    r.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_dashboard_export_reads_the_shared_results() {
    let r = Replicas::start(2, 150).await;
    let turf = r.campaign.turfs[0].id.clone();
    let vol = r.campaign.volunteers[0].id.clone();
    r.assign_turf(&turf, &vol);
    let phone = r.device(0, &vol, Role::Volunteer).await;
    let ids = canvass(&phone, &turf, &vol, 6);
    phone.client.sync_now(|_| {}).await.unwrap();
    // The organizer's laptop reaches the other server.
    let laptop = r.device(1, "organizer-1", Role::Organizer).await;
    let token = laptop.store().meta("token").unwrap().unwrap();
    let csv = reqwest::Client::new()
        .get(format!("{}/dashboard/export.csv", r.urls[1]))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    let body = csv.text().await.unwrap();
    for id in &ids {
        assert!(body.contains(id.as_str()), "attempt {id} in the export");
    }
    r.stop();
}

/// Doors of `turf` with a door result, as a phone derives them.
fn knocked_on(d: &TestDevice, turf: &str) -> usize {
    d.store()
        .walk_list(turf)
        .unwrap()
        .iter()
        .filter(|door| door.household_status.door_attempts > 0)
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_rollback_written_through_one_server_reaches_phones_through_another() {
    let r = Replicas::start(2, 150).await;
    let (turf, doc, vols) = r.shared_turf(2);
    let phone = r.device(0, &vols[0], Role::Volunteer).await;
    let watcher = r.device(0, &vols[1], Role::Volunteer).await;
    canvass(&phone, &turf, &vols[0], 6);
    phone.client.sync_now(|_| {}).await.unwrap();
    watcher.client.sync_now(|_| {}).await.unwrap();
    assert_eq!(knocked_on(&watcher, &turf), 6);

    let laptop = r.device(1, "organizer-1", Role::Organizer).await;
    let token = laptop.store().meta("token").unwrap().unwrap();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let day = chrono::Utc::now()
        .with_timezone(
            &r.campaign
                .campaign
                .as_ref()
                .unwrap()
                .time_zone
                .parse::<chrono_tz::Tz>()
                .unwrap(),
        )
        .format("%Y-%m-%d")
        .to_string();
    let act = |action: &'static str| {
        let req = http
            .post(format!(
                "{}/dashboard/volunteers/{}/{day}",
                r.urls[1], vols[0]
            ))
            .bearer_auth(&token)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("action={action}&all=1&reason=review"))
            .send();
        async move { req.await.unwrap() }
    };
    let stored_before = r.stored_ids(&doc).len();
    assert_eq!(act("rollback").await.status(), 303);
    assert_eq!(
        r.stored_ids(&doc).len(),
        stored_before + 6,
        "six rollbacks stored, nothing removed"
    );
    watcher.client.sync_now(|_| {}).await.unwrap();
    assert_eq!(
        knocked_on(&watcher, &turf),
        0,
        "rolled back on the phone of another server"
    );
    phone.client.sync_now(|_| {}).await.unwrap();
    assert_eq!(knocked_on(&phone, &turf), 0);

    assert_eq!(act("undo").await.status(), 303);
    watcher.client.sync_now(|_| {}).await.unwrap();
    assert_eq!(knocked_on(&watcher, &turf), 6, "the undo restores it");
    r.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_embedded_deployment_moves_to_postgres_and_its_phones_carry_on() {
    // A season on the embedded store: two phones on one turf with a conflict.
    let server = walkbook_e2e::TestServer::start(150).await;
    let (turf, _, [a, b]) = server.conflict_on_first_turf().await;
    let vols: Vec<String> = server.volunteers().into_iter().take(2).collect();
    canvass(&a, &turf.id, &vols[0], 5);
    a.client.sync_now(|_| {}).await.unwrap();
    b.client.sync_now(|_| {}).await.unwrap();
    let doc = format!("turf:{}", turf.id);
    let embedded = server.dir.clone();
    let campaign = server.campaign_id.clone();
    let _kept = server.stop().await;

    let (cluster, url) = blocking(|| {
        let cluster = TestCluster::start().unwrap();
        let url = cluster.create_database("moved").unwrap();
        (cluster, url)
    });
    let pg = blocking(|| walkbook_server::db::PgServerDb::connect(&url).unwrap());
    let report = blocking(|| walkbook_server::db::copy_to_postgres(embedded.root(), &pg).unwrap());
    assert_eq!(report.campaigns, 1);
    assert!(report.documents >= 1 && report.attempts >= 7, "{report:?}");
    assert!(report.export_rows_checked > 0, "{report:?}");
    // The same full export, byte for byte, from both homes.
    let export = |home: &dyn walkbook_server::admin::Home| {
        let db = home.server_store().unwrap();
        let results = home.results_store().unwrap();
        let data = db.campaign(&campaign).unwrap();
        let mut out = Vec::new();
        walkbook_core::export::export_results_as(
            &mut walkbook_core::export::CampaignResults::new(
                &data,
                results.unit_attempts(&campaign).unwrap(),
            ),
            &mut out,
            walkbook_core::export::ExportShape::Full,
        )
        .unwrap();
        out
    };
    let moved = blocking(|| Deployment::postgres(&url).unwrap());
    let (before, after) = blocking(|| (export(&embedded), export(&moved)));
    assert_eq!(
        String::from_utf8(before).unwrap(),
        String::from_utf8(after).unwrap()
    );
    // A second copy into the same database is refused, and changes nothing.
    let again = blocking(|| walkbook_server::db::copy_to_postgres(embedded.root(), &pg));
    assert!(
        matches!(again, Err(walkbook_server::db::DbError::CampaignExists(_))),
        "{again:?}"
    );

    // The phones, with their tokens, now reach a server on PostgreSQL.
    let state = blocking(|| {
        AppState::on(
            Deployment::postgres(&url).unwrap(),
            ServerOptions::for_simulation(),
        )
    });
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let pg_url = format!("http://{}", listener.local_addr().unwrap());
    let (stop, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(http::serve(listener, state, async move {
        let _ = rx.await;
    }));
    let a2 = SyncClient::new(&pg_url, a.store.clone()).unwrap();
    let b2 = SyncClient::new(&pg_url, b.store.clone()).unwrap();
    let new_ids = canvass(&b, &turf.id, &vols[1], 3);
    let s = b2.sync_now(|_| {}).await.unwrap();
    assert_eq!(
        (s.refused, s.pending_upload, s.packets_installed),
        (0, 0, 0),
        "same packets, same versions"
    );
    a2.sync_now(|_| {}).await.unwrap();
    let on_a = device_ids(&a, &doc);
    assert!(
        new_ids.iter().all(|id| on_a.contains(id)),
        "b's new results reach a through PostgreSQL"
    );
    assert_eq!(device_ids(&a, &doc), device_ids(&b, &doc));
    let _ = stop.send(());
    drop(cluster);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn replicas_share_one_sign_in_budget() {
    // Behind a load balancer a guesser's attempts land on every replica in
    // turn: three replicas must not grant three budgets.
    let limited = || ServerOptions {
        sign_ins_per_ip_per_minute: 5,
        ..ServerOptions::default()
    };
    let r = Replicas::start_with(3, 20, limited()).await;
    let http = reqwest::Client::new();
    let mut statuses = Vec::new();
    for i in 0..9 {
        let (status, wait, _) = guess_invite(&r.urls[i % 3], &format!("WRONG-{i:04}")).await;
        statuses.push(status);
        if status == 429 {
            // A token comes back every 12 s at 5 a minute.
            assert!(wait.is_some_and(|w| (1..=12).contains(&w)), "{wait:?}");
        }
    }
    assert_eq!(
        statuses,
        [403, 403, 403, 403, 403, 429, 429, 429, 429],
        "five guesses in all, whichever replica takes them"
    );
    // A dashboard sign-in through any replica takes from the same budget.
    let login = http
        .post(format!("{}/dashboard/login", r.urls[1]))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("token=guess")
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 429);
    // The budget is the database's: a replica started now finds it spent.
    let (late, stop_late) = Replicas::serve(&r.cluster.url("replicas"), limited()).await;
    assert_eq!(guess_invite(&late, "WRONG-LATE").await.0, 429);
    let _ = stop_late.send(());
    let buckets = blocking(|| {
        r.cluster
            .psql(
                "replicas",
                "SELECT bucket FROM sign_in_buckets ORDER BY bucket",
            )
            .unwrap()
    });
    assert_eq!(
        buckets.lines().collect::<Vec<_>>(),
        ["*", "ip:127.0.0.1"],
        "one bucket for the address, one for everybody"
    );
    // The database's clock refills the buckets: three minutes on (the rows
    // made older), a guess is refused as a wrong code again.
    blocking(|| {
        r.cluster
            .psql(
                "replicas",
                "UPDATE sign_in_buckets SET at = at - interval '3 minutes'",
            )
            .unwrap()
    });
    assert_eq!(guess_invite(&r.urls[2], "WRONG-AGAIN").await.0, 403);
    r.stop();
}
