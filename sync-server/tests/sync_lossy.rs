//! Convergence on a lossy network: 24 phones, four on each of six shared
//! turfs, record results offline in batches and sync through a proxy that
//! refuses connections, cuts replies after the server answered (before and
//! in the middle of the body) and delays some; a server process is killed
//! with SIGKILL mid-run and restarted. Once the faults stop, every sync
//! succeeds, every phone holds exactly the server's heads, and every
//! attempt is on the server exactly once. Run on the embedded stores (one
//! process) and on PostgreSQL (three processes, each request to one of
//! them at random).

use std::collections::{BTreeMap, BTreeSet};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use walkbook_core::generate::{GenerateOptions, generate_campaign};
use walkbook_core::model::AssignmentKind;
use walkbook_core::results::NewAttempt;
use walkbook_core::store::DeviceStore;
use walkbook_core::sync::{Role, SyncClient};
use walkbook_dev::faults::{FaultRates, FlakyProxy};
use walkbook_dev::postgres::TestCluster;
use walkbook_server::admin::{self, DataDir, Deployment};

const TURFS: usize = 6;
const PHONES_PER_TURF: usize = 4;
const BATCHES: usize = 3;
const ATTEMPTS_PER_BATCH: usize = 4;

/// Where the servers keep everything: `--data-dir DIR` or `--database-url URL`.
struct Store {
    flag: &'static str,
    value: String,
}

async fn serve(store: &Store, port: u16) -> Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_walkbook-server"))
        .args([
            "serve",
            "--sign-ins-per-ip-per-minute",
            "1000",
            "--port",
            &port.to_string(),
            store.flag,
            &store.value,
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    for _ in 0..200 {
        if reqwest::get(format!("http://127.0.0.1:{port}/health"))
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return child;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the server did not come up on port {port}");
}

struct Phone {
    client: SyncClient,
    store: Arc<Mutex<DeviceStore>>,
    turf: String,
    assignment: String,
    _tmp: tempfile::TempDir,
}

impl Phone {
    /// Records the next results on its turf, offline.
    fn knock(&self, batch: usize, phone: usize) -> Vec<String> {
        let mut s = self.store.lock().unwrap();
        let doors = s.walk_list(&self.turf).unwrap();
        let mut ids = Vec::new();
        for k in 0..ATTEMPTS_PER_BATCH {
            let door = &doors[(batch * ATTEMPTS_PER_BATCH + k + phone * 3) % doors.len()];
            let attempt = NewAttempt {
                household_id: Some(door.household.id.clone()),
                result: Some("not_home".into()),
                ..Default::default()
            };
            ids.push(s.record_attempt(&self.assignment, attempt).unwrap().id);
        }
        ids
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shared_turfs_converge_through_lost_replies_and_a_server_kill() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let home = Deployment::embedded(DataDir::open(&data).unwrap()).unwrap();
    let store = Store {
        flag: "--data-dir",
        value: data.to_str().unwrap().to_string(),
    };
    converge_through_faults(&home, &store, 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_processes_on_postgres_converge_through_lost_replies_and_a_kill() {
    let cluster = TestCluster::start().unwrap();
    let url = cluster.create_database("lossy").unwrap();
    let home = Deployment::postgres(&url).unwrap();
    let store = Store {
        flag: "--database-url",
        value: url,
    };
    converge_through_faults(&home, &store, 3).await;
}

/// The run: `processes` servers on `store`, the proxy sending each
/// connection to one of them at random; process 0 is killed mid-run.
async fn converge_through_faults(home: &Deployment, store: &Store, processes: usize) {
    let campaign = generate_campaign(&GenerateOptions {
        households: 400,
        seed: 21,
    });
    let campaign_id = admin::create_campaign(home, &campaign).unwrap();
    let call_list = campaign.call_lists[0].id.clone();
    let turfs: Vec<String> = campaign
        .turfs
        .iter()
        .take(TURFS)
        .map(|t| t.id.clone())
        .collect();
    assert_eq!(turfs.len(), TURFS, "the campaign has enough turfs");
    // Four volunteers of their own per turf.
    let expires = chrono::Utc::now() + chrono::Duration::days(1);
    let mut invites = Vec::new();
    for (t, turf) in turfs.iter().enumerate() {
        for p in 0..PHONES_PER_TURF {
            let volunteer = format!("lossy-{t}-{p}");
            let db = &home.db;
            let mut data = db.campaign(&campaign_id).unwrap();
            data.volunteers.push(walkbook_core::model::Volunteer {
                id: volunteer.clone(),
                display_name: format!("Volunteer {t}-{p}"),
            });
            db.update_campaign(&data).unwrap();
            admin::assign(
                home,
                &campaign_id,
                AssignmentKind::Turf,
                turf,
                &volunteer,
                expires,
            )
            .unwrap();
            let code = admin::create_invite(
                home,
                &campaign_id,
                &volunteer,
                Role::Volunteer,
                chrono::Duration::hours(2),
            )
            .unwrap();
            // The first turf's phones also phone-bank the first call list.
            if t == 0 {
                admin::assign(
                    home,
                    &campaign_id,
                    AssignmentKind::CallList,
                    &call_list,
                    &volunteer,
                    expires,
                )
                .unwrap();
            }
            invites.push((turf.clone(), code));
        }
    }

    let mut servers = Vec::new();
    for _ in 0..processes {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        servers.push((port, serve(store, port).await));
    }
    let upstreams = servers
        .iter()
        .map(|(port, _)| format!("127.0.0.1:{port}").parse().unwrap())
        .collect();
    let proxy = FlakyProxy::start_balanced(upstreams, vec![], 3)
        .await
        .unwrap();

    let mut phones = Vec::new();
    for (turf, code) in &invites {
        let tmp = tempfile::tempdir().unwrap();
        let store = Arc::new(Mutex::new(
            DeviceStore::open(tmp.path().join("phone.db"), None).unwrap(),
        ));
        let client = SyncClient::new(&proxy.url, store.clone())
            .unwrap()
            .without_connection_reuse()
            .unwrap();
        client.join(code).await.unwrap();
        let assignment = store
            .lock()
            .unwrap()
            .assignments()
            .unwrap()
            .into_iter()
            .find(|a| &a.assignment.unit_id == turf)
            .unwrap()
            .assignment
            .id;
        phones.push(Phone {
            client,
            store,
            turf: turf.clone(),
            assignment,
            _tmp: tmp,
        });
    }

    proxy.set_random_faults(
        FaultRates {
            refuse: 0.08,
            cut_response: 0.10,
            cut_mid_body: 0.10,
            max_delay_ms: 150,
        },
        7,
    );
    let mut recorded: BTreeSet<String> = BTreeSet::new();
    let mut recorded_by_turf: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut failed_under_faults = 0;
    let mut claimed = Vec::new();
    for batch in 0..BATCHES {
        for (i, phone) in phones.iter().enumerate() {
            let ids = phone.knock(batch, i);
            recorded_by_turf
                .entry(phone.turf.clone())
                .or_default()
                .extend(ids.iter().cloned());
            recorded.extend(ids);
        }
        let results =
            walkbook_dev::join_all(phones.iter().map(|p| p.client.sync_now(|_| {}))).await;
        failed_under_faults += results.iter().filter(|r| r.is_err()).count();
        // The phone bankers claim contacts at once, through the same faults.
        let claims = walkbook_dev::join_all(
            phones[..PHONES_PER_TURF]
                .iter()
                .map(|p| p.client.claim_batch(&call_list, 3)),
        )
        .await;
        claimed.extend(claims.into_iter().flatten());
        if batch == 1 {
            // Killed without warning, restarted on the same port.
            let (port, server) = &mut servers[0];
            server.kill().unwrap();
            server.wait().unwrap();
            *server = serve(store, *port).await;
        }
    }
    eprintln!("{failed_under_faults} syncs failed while faults were on");
    // Every claim lasts longer than the run: no contact in two of them,
    // whichever process made each.
    let mut holders = BTreeMap::new();
    for batch in &claimed {
        for person in &batch.person_ids {
            if let Some(other) = holders.insert(person.clone(), batch.claim_id.clone()) {
                panic!("{person} is in claims {other} and {}", batch.claim_id);
            }
        }
    }
    assert!(
        claimed.len() >= PHONES_PER_TURF,
        "claims went through ({} of {})",
        claimed.len(),
        BATCHES * PHONES_PER_TURF
    );

    proxy.stop_random_faults();
    // Two passes: the second carries what others uploaded during the first.
    for pass in 0..2 {
        let results =
            walkbook_dev::join_all(phones.iter().map(|p| p.client.sync_now(|_| {}))).await;
        for (i, r) in results.into_iter().enumerate() {
            let summary =
                r.unwrap_or_else(|e| panic!("pass {pass}: phone {i} failed with faults off: {e}"));
            assert!(
                summary.rounds <= 6,
                "phone {i} needed {} rounds",
                summary.rounds
            );
        }
    }

    // Read what the servers stored through this process's own stores,
    // opened before the servers wrote: a stale copy must not be served.
    let fresh = home;
    let mut server_ids = Vec::new();
    let mut server_heads = BTreeMap::new();
    for (doc, attempts) in fresh.results.unit_attempts(&campaign_id).unwrap() {
        server_ids.extend(attempts.into_iter().map(|a| a.id));
        server_heads.insert(
            doc.clone(),
            fresh.results.heads(&campaign_id, &doc).unwrap(),
        );
    }
    let unique: BTreeSet<String> = server_ids.iter().cloned().collect();
    assert_eq!(
        unique.len(),
        server_ids.len(),
        "no attempt is on the server twice"
    );
    assert_eq!(unique, recorded, "every recorded attempt is on the server");
    for (i, phone) in phones.iter().enumerate() {
        let doc = format!("turf:{}", phone.turf);
        let mut s = phone.store.lock().unwrap();
        assert_eq!(
            s.heads_hex(&doc).unwrap(),
            server_heads[&doc],
            "phone {i} holds exactly the server's heads for {doc}"
        );
        assert_eq!(s.pending_upload_count().unwrap(), 0, "phone {i}");
        let on_phone: BTreeSet<String> = s
            .attempts(&doc)
            .unwrap()
            .into_iter()
            .map(|a| a.id)
            .collect();
        assert_eq!(
            on_phone, recorded_by_turf[&phone.turf],
            "phone {i} has every result of its turf, from all four phones"
        );
    }
    for (_, mut server) in servers {
        server.kill().unwrap();
        server.wait().unwrap();
    }
}
