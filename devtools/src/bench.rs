//! `walkbook-dev bench-sync`: the sync targets measured end to end — many
//! devices, each with a shift of attempts recorded offline, syncing over real
//! HTTP on loopback into a server that fsyncs before it answers.
//!
//! Reports the server's ingest rate against automerge applying the same
//! changes in memory (target ≥ 0.5), and the bytes on the wire against the raw
//! change bytes (target ≤ 1.5× + 1 KB per document).

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use automerge::{Automerge, Change};
use chrono::Utc;
use walkbook_core::generate::{GenerateOptions, generate_campaign};
use walkbook_core::model::AssignmentKind;
use walkbook_core::results::{NewAttempt, split_changes};
use walkbook_core::store::DeviceStore;
use walkbook_core::sync::{DocMessage, Role, SyncClient, SyncRequest, SyncResponse};

use walkbook_core::results::rules::Author;

use crate::demo::DemoError;
use walkbook_server::admin::{self, DataDir, Deployment};
use walkbook_server::http;

/// Store work from an async body: the PostgreSQL store blocks on a runtime
/// of its own, so it must not run on an async worker as is.
fn blocking<T>(f: impl FnOnce() -> T) -> T {
    tokio::task::block_in_place(f)
}

#[derive(Debug, Clone, Default)]
pub struct SyncBenchReport {
    pub devices: usize,
    pub attempts_per_device: usize,
    pub changes: usize,
    pub raw_change_bytes: usize,
    pub wire_bytes: usize,
    pub documents: usize,
    pub sync_time: Duration,
    /// Round trips over all device syncs.
    pub rounds: u32,
    pub automerge_time: Duration,
    /// The same changes decoded from their bytes first (automerge's
    /// parse and hash check), as anything receiving them over a wire must.
    pub automerge_from_bytes_time: Duration,
    /// Time the server store spent receiving the same uploads directly (no
    /// HTTP): automerge apply + index + fsync'd commit, without the results
    /// rules (the device's receive path).
    pub store_receive_time: Duration,
    /// The same with the server's admission (every change judged by effect
    /// and the rules): what the server really runs.
    pub checked_receive_time: Duration,
}

impl SyncBenchReport {
    pub fn server_rate(&self) -> f64 {
        self.changes as f64 / self.sync_time.as_secs_f64()
    }
    pub fn automerge_rate(&self) -> f64 {
        self.changes as f64 / self.automerge_time.as_secs_f64()
    }
    pub fn automerge_from_bytes_rate(&self) -> f64 {
        self.changes as f64 / self.automerge_from_bytes_time.as_secs_f64()
    }
    pub fn store_rate(&self) -> f64 {
        self.changes as f64 / self.store_receive_time.as_secs_f64()
    }
    pub fn checked_rate(&self) -> f64 {
        self.changes as f64 / self.checked_receive_time.as_secs_f64()
    }
    pub fn wire_budget(&self) -> f64 {
        1.5 * self.raw_change_bytes as f64 + 1024.0 * self.documents as f64
    }
}

/// How `bench_sync` runs.
#[derive(Debug, Clone, Default)]
pub struct SyncBenchOptions {
    pub devices: usize,
    pub attempts: usize,
    /// The server on PostgreSQL instead of the embedded stores (the
    /// in-process store timings are of the embedded store either way).
    pub database_url: Option<String>,
    /// Every device syncs at the same time (else one after the other).
    pub concurrent: bool,
    /// Each device's upload is built before the clock starts and posted
    /// as it is, all at once: the server's side alone, as if the devices
    /// were other machines (the clock stops when every upload is answered
    /// as stored; the devices' own work, reading the reply and the second
    /// round that confirms it, is not timed).
    pub prebuilt: bool,
    /// Server processes (in-process servers with their own stores) on the
    /// one database, devices spread over them; 1 on the embedded stores.
    pub processes: usize,
}

/// Runs the benchmark under `root`. Needs a multi-threaded runtime.
pub async fn bench_sync(root: &Path, o: &SyncBenchOptions) -> Result<SyncBenchReport, DemoError> {
    let (devices, attempts) = (o.devices, o.attempts);
    let database_url = o.database_url.as_deref();
    let processes = o.processes.max(1);
    if processes > 1 && database_url.is_none() {
        return Err(std::io::Error::other(
            "several server processes need PostgreSQL (--postgres): the embedded stores are one process's",
        )
        .into());
    }
    // Enough turfs for one per device.
    let mut data = generate_campaign(&GenerateOptions {
        households: devices * 70 + 200,
        seed: 99,
    });
    // One volunteer per device with exactly one turf, so every device
    // uploads its own document and nothing else: pure ingest.
    for i in 0..devices {
        data.volunteers.push(walkbook_core::model::Volunteer {
            id: format!("bench-{i:03}"),
            display_name: format!("Bench {i}"),
        });
    }
    let home = blocking(|| match database_url {
        Some(url) => Deployment::postgres(url),
        None => Deployment::embedded_serving(DataDir::open(root.join("server"))?),
    })?;
    let campaign_id = blocking(|| admin::create_campaign(&home, &data))?;
    let turfs: Vec<String> = data.turfs.iter().map(|t| t.id.clone()).collect();
    let volunteers: Vec<String> = (0..devices).map(|i| format!("bench-{i:03}")).collect();
    let expires = Utc::now() + chrono::Duration::days(1);
    let mut urls = Vec::new();
    let mut stops = Vec::new();
    for p in 0..processes {
        let own = match (p, database_url) {
            (0, _) | (_, None) => home.clone(),
            (_, Some(url)) => blocking(|| Deployment::postgres(url))?,
        };
        let (addr, tx, server) = crate::demo::start_server_on(own, 0).await?;
        urls.push(format!("http://{addr}"));
        stops.push((tx, server));
    }

    let mut clients = Vec::new();
    let mut device_stores = Vec::new();
    let mut raw_change_bytes = 0;
    let mut all_changes: Vec<Vec<Change>> = Vec::new();
    let mut all_bytes: Vec<Vec<u8>> = Vec::new();
    for i in 0..devices {
        let turf = &turfs[i % turfs.len()];
        let volunteer = &volunteers[i % volunteers.len()];
        let a = blocking(|| {
            admin::assign(
                &home,
                &campaign_id,
                AssignmentKind::Turf,
                turf,
                volunteer,
                expires,
            )
        })?;
        let store = DeviceStore::open(root.join(format!("device-{i}.db")), None)?;
        let store = Arc::new(Mutex::new(store));
        let client = SyncClient::new(&urls[i % urls.len()], store.clone())?;
        let code = blocking(|| {
            admin::create_invite(
                &home,
                &campaign_id,
                volunteer,
                Role::Volunteer,
                chrono::Duration::hours(1),
            )
        })?;
        client.join(&code).await?;
        let mut s = store.lock().unwrap_or_else(|p| p.into_inner());
        let doors = s.walk_list(turf)?;
        for k in 0..attempts {
            let door = &doors[k % doors.len()];
            let attempt = if k % 4 == 0 {
                NewAttempt {
                    person_id: Some(door.people[0].person.id.clone()),
                    answers: [("support".to_string(), ((k % 5) + 1).to_string())].into(),
                    ..Default::default()
                }
            } else {
                NewAttempt {
                    household_id: Some(door.household.id.clone()),
                    result: Some("not_home".into()),
                    ..Default::default()
                }
            };
            s.record_attempt(&a.id, attempt)?;
        }
        let doc = a.unit_doc_id();
        let bytes = s.changes_since(&doc, &[])?;
        raw_change_bytes += bytes.len();
        all_changes.push(split_changes(&bytes).map_err(|e| std::io::Error::other(e.to_string()))?);
        all_bytes.push(bytes);
        drop(s);
        device_stores.push((store.clone(), doc));
        clients.push(client);
    }
    let changes: usize = all_changes.iter().map(Vec::len).sum();

    // Server ingest: every device syncs over HTTP, one after the other or
    // all at once, or (pre-built) only the uploads are posted, all at once.
    let mut wire_bytes = 0;
    let mut rounds = 0;
    let sync_time = if o.prebuilt {
        let http = reqwest::Client::new();
        let ready = prebuilt_uploads(&http, &urls, &device_stores).await?;
        let started = Instant::now();
        let replies = crate::join_all(ready.iter().map(|(url, token, body, _)| {
            let http = &http;
            async move {
                let resp = http
                    .post(url)
                    .bearer_auth(token)
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(body.clone())
                    .send()
                    .await?;
                let status = resp.status();
                Ok::<_, reqwest::Error>((status, resp.bytes().await?))
            }
        }))
        .await;
        let sync_time = started.elapsed();
        for ((_, _, body, heads), reply) in ready.iter().zip(replies) {
            let (status, bytes) = reply.map_err(|e| std::io::Error::other(e.to_string()))?;
            let reply: SyncResponse = serde_json::from_slice(&bytes).map_err(|e| {
                std::io::Error::other(format!(
                    "sync answered {status} with an unreadable reply: {e}"
                ))
            })?;
            // Every change of every device is stored: the server's
            // persisted heads are the device's heads, nothing refused.
            match reply.docs.as_slice() {
                [d] if d.refused.is_none() && &d.persisted_heads == heads => {}
                _ => {
                    return Err(std::io::Error::other(format!(
                        "a pre-built upload was not stored whole ({status}): {reply:?}"
                    ))
                    .into());
                }
            }
            wire_bytes += body.len() + bytes.len();
            rounds += 1;
        }
        sync_time
    } else {
        let started = Instant::now();
        let summaries = if o.concurrent {
            crate::join_all(clients.iter().map(|c| c.sync_now(|_| {}))).await
        } else {
            let mut out = Vec::new();
            for c in &clients {
                out.push(c.sync_now(|_| {}).await);
            }
            out
        };
        for summary in summaries {
            let summary = summary?;
            wire_bytes += summary.bytes_sent + summary.bytes_received;
            rounds += summary.rounds;
        }
        started.elapsed()
    };
    finish_sync_bench(
        root,
        &home,
        &campaign_id,
        &device_stores,
        stops,
        SyncBenchReport {
            devices,
            attempts_per_device: attempts,
            changes,
            raw_change_bytes,
            wire_bytes,
            documents: devices,
            sync_time,
            rounds,
            ..Default::default()
        },
        &all_changes,
        &all_bytes,
    )
    .await
}

type ServerStop = (
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<std::io::Result<()>>,
);

/// The same devices' uploads, one request each, as `SyncClient::sync_now`
/// sends them once the server has said what it holds (the first round, a
/// device's heads and the server's, is exchanged here, untimed): (url,
/// token, request body, the device's heads in sorted hex).
async fn prebuilt_uploads(
    http: &reqwest::Client,
    urls: &[String],
    device_stores: &[(Arc<Mutex<DeviceStore>>, String)],
) -> Result<Vec<(String, String, Vec<u8>, Vec<String>)>, DemoError> {
    let body = |doc: &str, message: Option<Vec<u8>>| {
        serde_json::to_vec(&SyncRequest {
            docs: vec![DocMessage {
                doc_id: doc.to_string(),
                message,
            }],
        })
        .expect("requests serialise")
    };
    let mut out = Vec::with_capacity(device_stores.len());
    for (i, (store, doc)) in device_stores.iter().enumerate() {
        let url = format!("{}/v1/sync", urls[i % urls.len()]);
        let (token, hello) = {
            let mut s = store.lock().unwrap_or_else(|p| p.into_inner());
            let token = s
                .meta("token")?
                .ok_or_else(|| std::io::Error::other("a bench device has not joined"))?;
            s.begin_sync_session(doc, "server")?;
            let hello = s.generate_server_sync_message(doc, "server")?;
            (token, body(doc, hello))
        };
        let reply: SyncResponse = http
            .post(&url)
            .bearer_auth(&token)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(hello)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .map_err(|e| std::io::Error::other(e.to_string()))?
            .json()
            .await
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        let mut s = store.lock().unwrap_or_else(|p| p.into_inner());
        for d in &reply.docs {
            if let Some(m) = &d.message {
                s.receive_sync_message(&d.doc_id, "server", m)?;
            }
        }
        let upload = s.generate_server_sync_message(doc, "server")?;
        let mut heads = s.heads_hex(doc)?;
        heads.sort();
        out.push((url, token, body(doc, upload), heads));
    }
    Ok(out)
}

/// The timings that need no server (automerge alone, the server's store
/// in process), then the servers stopped.
#[allow(clippy::too_many_arguments)]
async fn finish_sync_bench(
    root: &Path,
    home: &Deployment,
    campaign_id: &str,
    device_stores: &[(Arc<Mutex<DeviceStore>>, String)],
    stops: Vec<ServerStop>,
    report: SyncBenchReport,
    all_changes: &[Vec<Change>],
    all_bytes: &[Vec<u8>],
) -> Result<SyncBenchReport, DemoError> {
    // Automerge alone: the same changes applied in memory, one document each.
    let started = Instant::now();
    for doc_changes in all_changes {
        let mut doc = Automerge::new();
        doc.apply_changes(doc_changes.iter().cloned())
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        std::hint::black_box(doc.get_heads());
    }
    let automerge_time = started.elapsed();

    // The same from bytes, as a server receives them: each change parsed
    // and its hash checked (automerge's own decoding), then applied.
    let started = Instant::now();
    for bytes in all_bytes {
        let changes = split_changes(bytes).map_err(|e| std::io::Error::other(e.to_string()))?;
        let mut doc = Automerge::new();
        doc.apply_changes(changes)
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        std::hint::black_box(doc.get_heads());
    }
    let automerge_from_bytes_time = started.elapsed();

    // The same uploads into a fresh server store, in process: only the
    // server's receive is timed.
    let mut direct = DeviceStore::open(root.join("direct-server.db"), None)?;
    let mut store_receive_time = Duration::ZERO;
    for (i, (store, doc)) in device_stores.iter().enumerate() {
        let mut device = store.lock().unwrap_or_else(|p| p.into_inner());
        let peer = format!("direct-{i}");
        for _ in 0..16 {
            let up = device.generate_sync_message(doc, "direct")?;
            if let Some(m) = &up {
                let t = Instant::now();
                direct.receive_sync_message(doc, &peer, m)?;
                store_receive_time += t.elapsed();
            }
            let down = direct.generate_sync_message(doc, &peer)?;
            if let Some(m) = &down {
                device.receive_sync_message(doc, "direct", m)?;
            }
            if up.is_none() && down.is_none() {
                break;
            }
        }
    }

    // Once more into another fresh store, through the server's admission.
    let view = {
        http::CampaignView::new(
            blocking(|| home.db.campaign(campaign_id))
                .map_err(|e| std::io::Error::other(e.to_string()))?,
        )
    };
    let mut checked = DeviceStore::open(root.join("checked-server.db"), None)?;
    let mut checked_receive_time = Duration::ZERO;
    let now_ms = Utc::now().timestamp_millis();
    for (i, (store, doc)) in device_stores.iter().enumerate() {
        let mut device = store.lock().unwrap_or_else(|p| p.into_inner());
        device.forget_sync_state(doc, "checked")?;
        let author = Author {
            volunteer_id: device.meta("volunteer_id")?.unwrap_or_default(),
            device_id: device.device_id().to_string(),
            organizer: false,
        };
        let unit = view
            .unit_data(doc)
            .ok_or_else(|| std::io::Error::other(format!("no unit for {doc}")))?;
        let peer = format!("checked-{i}");
        for _ in 0..16 {
            let up = device.generate_sync_message(doc, "checked")?;
            if let Some(m) = &up {
                let t = Instant::now();
                checked.begin_sync_session(doc, &peer)?;
                let receipt =
                    checked.receive_device_message(doc, &peer, m, &unit, &author, now_ms)?;
                checked_receive_time += t.elapsed();
                if let Some(r) = receipt.refused {
                    return Err(std::io::Error::other(format!(
                        "bench upload refused: {}",
                        r.violation
                    ))
                    .into());
                }
            }
            let down = checked.generate_sync_message(doc, &peer)?;
            if let Some(m) = &down {
                device.receive_sync_message(doc, "checked", m)?;
            }
            if up.is_none() && down.is_none() {
                break;
            }
        }
    }

    for (tx, server) in stops {
        let _ = tx.send(());
        let _ = server.await;
    }
    Ok(SyncBenchReport {
        automerge_time,
        automerge_from_bytes_time,
        store_receive_time,
        checked_receive_time,
        ..report
    })
}

/// `walkbook-dev bench-store`: the device store's design targets.
#[derive(Debug, Clone)]
pub struct StoreBenchReport {
    pub households: usize,
    pub install_5000: Duration,
    pub bytes_per_household: f64,
    pub walk_list_500: Duration,
    pub open_and_next_door_500: Duration,
    /// The same with the store encrypted (SQLCipher), as on a phone.
    pub open_and_next_door_500_encrypted: Duration,
    pub record_attempt: Duration,
    pub record_attempt_encrypted: Duration,
    pub bare_commit: Duration,
    pub bytes_per_attempt_compacted: f64,
    pub load_2000: Duration,
    pub campaign_storage_bytes: u64,
}

fn db_bytes(path: &Path) -> u64 {
    ["", "-wal"]
        .iter()
        .filter_map(|s| std::fs::metadata(format!("{}{s}", path.display())).ok())
        .map(|m| m.len())
        .sum()
}

fn checkpoint(path: &Path) -> Result<(), DemoError> {
    let c = rusqlite::Connection::open(path).map_err(|e| std::io::Error::other(e.to_string()))?;
    c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    Ok(())
}

/// One turf holding the first `n` households of `data`, in walk order, as
/// the only assignment.
fn single_turf(
    data: &walkbook_core::model::ReferenceData,
    n: usize,
) -> walkbook_core::model::ReferenceData {
    let mut d = data.clone();
    d.households.truncate(n);
    let ids: std::collections::HashSet<String> =
        d.households.iter().map(|h| h.id.clone()).collect();
    d.people.retain(|p| ids.contains(&p.household_id));
    let order: Vec<String> = walkbook_core::walk::walk_order(&d.households)
        .into_iter()
        .map(|h| h.id.clone())
        .collect();
    d.turfs = vec![walkbook_core::model::Turf {
        id: "bench".into(),
        name: "Bench".into(),
        household_ids: order,
        universe: None,
    }];
    d.call_lists.clear();
    let mut a = d
        .assignments
        .iter()
        .find(|a| a.kind == AssignmentKind::Turf)
        .cloned()
        .expect("a turf assignment");
    a.id = "bench".into();
    a.unit_id = "bench".into();
    d.assignments = vec![a];
    d
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

pub fn bench_store(root: &Path) -> Result<StoreBenchReport, DemoError> {
    let io = |e: walkbook_core::packet::PacketError| std::io::Error::other(e.to_string());
    let data = generate_campaign(&GenerateOptions {
        households: 5000,
        seed: 1,
    });
    let now = Utc::now();

    // Install a 5,000-household packet.
    let big = single_turf(&data, 5000);
    let (_, packet) = walkbook_core::packet::build_packet(&big, "bench", 1, now).map_err(io)?;
    let mut installs = Vec::new();
    let mut path = root.join("install-0.db");
    for i in 0..3 {
        path = root.join(format!("install-{i}.db"));
        let mut store = DeviceStore::open(&path, None)?;
        let t = Instant::now();
        store.install_packet(&packet)?;
        installs.push(t.elapsed());
    }
    checkpoint(&path)?;
    let bytes_per_household = db_bytes(&path) as f64 / 5000.0;

    // A 500-door turf: walk list, and open + next door.
    let small = single_turf(&data, 500);
    let (_, packet) = walkbook_core::packet::build_packet(&small, "bench", 1, now).map_err(io)?;
    let turf_path = root.join("turf-500.db");
    DeviceStore::open(&turf_path, None)?.install_packet(&packet)?;
    let mut walks = Vec::new();
    let mut opens = Vec::new();
    for _ in 0..7 {
        let t = Instant::now();
        let store = DeviceStore::open(&turf_path, None)?;
        std::hint::black_box(store.next_door("bench", now.timestamp_millis())?);
        opens.push(t.elapsed());
        let t = Instant::now();
        std::hint::black_box(store.walk_list("bench")?);
        walks.push(t.elapsed());
    }

    // The same turf in an encrypted store, as the apps open it.
    let key = walkbook_core::store::DatabaseKey::from_bytes([7; 32]);
    let enc_path = root.join("turf-500-encrypted.db");
    DeviceStore::open(&enc_path, Some(&key))?.install_packet(&packet)?;
    let mut opens_encrypted = Vec::new();
    for _ in 0..7 {
        let t = Instant::now();
        let store = DeviceStore::open(&enc_path, Some(&key))?;
        std::hint::black_box(store.next_door("bench", now.timestamp_millis())?);
        opens_encrypted.push(t.elapsed());
    }

    // Durable record_attempt vs a bare synchronous=FULL insert + commit.
    let record_many = |store: &mut DeviceStore, n: usize| -> Result<Vec<Duration>, DemoError> {
        let doors = store.walk_list("bench")?;
        let mut records = Vec::new();
        for k in 0..n {
            let door = &doors[k % doors.len()];
            let attempt = NewAttempt {
                household_id: Some(door.household.id.clone()),
                result: Some("not_home".into()),
                ..Default::default()
            };
            let t = Instant::now();
            store.record_attempt("bench", attempt)?;
            records.push(t.elapsed());
        }
        Ok(records)
    };
    let records_encrypted = record_many(&mut DeviceStore::open(&enc_path, Some(&key))?, 500)?;
    let mut store = DeviceStore::open(&turf_path, None)?;
    let records = record_many(&mut store, 2000)?;
    let bare_path = root.join("bare.db");
    let bare =
        rusqlite::Connection::open(&bare_path).map_err(|e| std::io::Error::other(e.to_string()))?;
    bare.execute_batch("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE t (id TEXT PRIMARY KEY, body BLOB);")
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    let mut commits = Vec::new();
    for k in 0..500 {
        let t = Instant::now();
        bare.execute(
            "INSERT INTO t (id, body) VALUES (?1, ?2)",
            rusqlite::params![format!("row-{k}"), vec![7u8; 400]],
        )
        .map_err(|e| std::io::Error::other(e.to_string()))?;
        commits.push(t.elapsed());
    }

    // 2,000 attempts compacted: bytes per attempt, and load time.
    store.compact("turf:bench")?;
    let snapshot: i64 = rusqlite::Connection::open(&turf_path)
        .and_then(|c| {
            c.query_row(
                "SELECT length(snapshot) FROM result_docs WHERE doc_id = 'turf:bench'",
                [],
                |r| r.get(0),
            )
        })
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    let mut loads = Vec::new();
    for _ in 0..5 {
        let fresh = DeviceStore::open(&turf_path, None)?;
        let t = Instant::now();
        std::hint::black_box(fresh.load_document("turf:bench")?);
        loads.push(t.elapsed());
    }

    // A phone holding every turf packet of a 5,000-door campaign.
    let campaign_path = root.join("campaign.db");
    let mut phone = DeviceStore::open(&campaign_path, None)?;
    for a in data
        .assignments
        .iter()
        .filter(|a| a.kind == AssignmentKind::Turf)
    {
        let (_, p) = walkbook_core::packet::build_packet(&data, &a.id, 1, now).map_err(io)?;
        phone.install_packet(&p)?;
    }
    drop(phone);
    checkpoint(&campaign_path)?;

    Ok(StoreBenchReport {
        households: 5000,
        install_5000: median(installs),
        bytes_per_household,
        walk_list_500: median(walks),
        open_and_next_door_500: median(opens),
        open_and_next_door_500_encrypted: median(opens_encrypted),
        record_attempt: median(records),
        record_attempt_encrypted: median(records_encrypted),
        bare_commit: median(commits),
        bytes_per_attempt_compacted: snapshot as f64 / 2000.0,
        load_2000: median(loads),
        campaign_storage_bytes: db_bytes(&campaign_path),
    })
}

/// `walkbook-dev bench-organizer`: import, turf cutting, dashboard (each
/// part when asked for).
#[derive(Debug, Clone, Default)]
pub struct OrganizerBenchReport {
    pub import: Option<ImportBench>,
    pub cut: Option<CutBench>,
    pub dashboard: Option<DashboardBench>,
    pub checkout: Option<CheckoutBench>,
}

/// Turf near me on the embedded stores: check-outs of 30 doors one after
/// another (each a locked campaign edit plus one packet), in a campaign of
/// `households` doors whose `universe` doors are uncut.
#[derive(Debug, Clone)]
pub struct CheckoutBench {
    pub households: usize,
    pub universe: usize,
    pub checkouts: usize,
    pub min: Duration,
    pub median: Duration,
}

#[derive(Debug, Clone)]
pub struct CutBench {
    pub households: usize,
    pub turfs: usize,
    pub time: Duration,
}

/// Dashboard pages over HTTP with a campaign of many synced attempts.
#[derive(Debug, Clone)]
pub struct DashboardBench {
    pub attempts: usize,
    /// The overview, first request after the server started (every
    /// document read).
    pub after_start: Duration,
    /// (path, first request after start: computed from the store, median
    /// of the next five: served from the snapshot).
    pub pages: Vec<(String, Duration, Duration)>,
}

/// Which parts `bench_organizer` runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrganizerParts {
    pub import: bool,
    pub cut: bool,
    pub dashboard: bool,
    pub checkout: bool,
}

/// A statewide file imported into a data directory by `walkbook-dev
/// import-once` (a process of its own, so its peak memory is the import's
/// alone), then imported again (every voter an update).
#[derive(Debug, Clone)]
pub struct ImportBench {
    pub rows: u64,
    pub file_bytes: u64,
    pub first: ImportRun,
    pub again: ImportRun,
}

/// What one `import-once` process reported.
#[derive(Debug, Clone, Default)]
pub struct ImportRun {
    pub imported: u64,
    pub updated: u64,
    pub rejected: u64,
    pub warnings: u64,
    pub time: Duration,
    pub peak_rss_mb: f64,
}

/// This process's peak resident memory so far, in MB.
pub fn vm_hwm_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l.split_whitespace().nth(1).unwrap_or("0").to_string())
        })
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// One import of `file` into campaign `campaign_id` of the data directory
/// `dir`, as `admin import` runs it; the caller prints the line
/// `import-once` answers with.
pub fn import_once(dir: &Path, campaign_id: &str, file: &Path) -> Result<ImportRun, DemoError> {
    let home = Deployment::embedded(DataDir::open(dir)?)?;
    let t = Instant::now();
    let r = admin::import_voter_file(
        &home,
        campaign_id,
        file,
        walkbook_core::import::Delimiter::Auto,
        None,
        false,
        &walkbook_server::progress::NoProgress,
        &mut |_, _| {},
    )?;
    Ok(ImportRun {
        imported: r.imported,
        updated: r.updated,
        rejected: r.rejected_count,
        warnings: r.warning_count,
        time: t.elapsed(),
        peak_rss_mb: vm_hwm_mb(),
    })
}

impl ImportRun {
    /// The line `import-once` prints, read back by [`ImportRun::parse`].
    pub fn line(&self) -> String {
        format!(
            "imported={} updated={} rejected={} warnings={} secs={:.3} peak_rss_mb={:.1}",
            self.imported,
            self.updated,
            self.rejected,
            self.warnings,
            self.time.as_secs_f64(),
            self.peak_rss_mb
        )
    }

    fn parse(line: &str) -> Option<Self> {
        let field = |name: &str| {
            line.split_whitespace()
                .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
        };
        Some(ImportRun {
            imported: field("imported")?.parse().ok()?,
            updated: field("updated")?.parse().ok()?,
            rejected: field("rejected")?.parse().ok()?,
            warnings: field("warnings")?.parse().ok()?,
            time: Duration::from_secs_f64(field("secs")?.parse().ok()?),
            peak_rss_mb: field("peak_rss_mb")?.parse().ok()?,
        })
    }
}

/// Writes a statewide-layout file of `rows` voters, creates an empty
/// campaign in a data directory and imports the file twice, each time in
/// a child process.
pub fn bench_import(root: &Path, rows: u64) -> Result<ImportBench, DemoError> {
    let io = |e: String| std::io::Error::other(e);
    let file = root.join("statewide.tsv");
    let file_bytes =
        crate::statewide::write_statewide_file(rows, 7, std::fs::File::create(&file)?)?;
    let dir = root.join("import-server");
    let campaign = walkbook_core::generate::empty_campaign();
    let campaign_id = admin::create_campaign(&DataDir::open(&dir)?, &campaign)?;
    let run = || -> Result<ImportRun, DemoError> {
        let out = std::process::Command::new(std::env::current_exe()?)
            .arg("import-once")
            .arg("--data-dir")
            .arg(&dir)
            .args(["--campaign", &campaign_id, "--file"])
            .arg(&file)
            .output()?;
        let text = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() {
            return Err(io(format!(
                "import-once failed: {}{}",
                text,
                String::from_utf8_lossy(&out.stderr)
            ))
            .into());
        }
        ImportRun::parse(&text).ok_or_else(|| io(format!("import-once printed {text:?}")).into())
    };
    let first = run()?;
    let again = run()?;
    let _ = std::fs::remove_file(&file);
    Ok(ImportBench {
        rows,
        file_bytes,
        first,
        again,
    })
}

impl ImportBench {
    /// What the bench prints about the import, as soon as it is measured.
    pub fn summary(&self) -> String {
        let mut out = format!(
            "statewide file: {} rows, {:.0} MB (NC ncvoter layout, tab-separated)",
            self.rows,
            self.file_bytes as f64 / 1e6
        );
        for (what, run) in [("import", &self.first), ("re-import", &self.again)] {
            out.push_str(&format!(
                "\n{what:<9}: {:.1} s ({:.0} rows/s), peak memory {:.0} MB (target < 300 MB); {} new, {} updated, {} rejected, {} warnings",
                run.time.as_secs_f64(),
                self.rows as f64 / run.time.as_secs_f64(),
                run.peak_rss_mb,
                run.imported,
                run.updated,
                run.rejected,
                run.warnings
            ));
        }
        out
    }
}

pub async fn bench_organizer(
    root: &Path,
    voters: u64,
    parts: OrganizerParts,
) -> Result<OrganizerBenchReport, DemoError> {
    let mut report = OrganizerBenchReport::default();
    if parts.import {
        let import = blocking(|| bench_import(root, voters))?;
        println!("{}", import.summary());
        report.import = Some(import);
    }
    if parts.cut {
        // Turf cutting of 100,000 households (a bigger generated campaign).
        let big = generate_campaign(&GenerateOptions {
            households: 100_000,
            seed: 6,
        })
        .households;
        let t = Instant::now();
        let turfs = walkbook_core::turfcut::cut_turfs(&big, 60);
        report.cut = Some(CutBench {
            time: t.elapsed(),
            households: big.len(),
            turfs: turfs.len(),
        });
    }
    if parts.dashboard {
        report.dashboard = Some(bench_dashboard(root).await?);
    }
    if parts.checkout {
        let root = root.to_path_buf();
        report.checkout = Some(blocking(move || bench_checkout(&root))?);
    }
    Ok(report)
}

fn bench_checkout(root: &Path) -> Result<CheckoutBench, DemoError> {
    let mut data = generate_campaign(&GenerateOptions {
        households: 20_000,
        seed: 8,
    });
    // A fifth of the turfs left uncut: the universe.
    let keep = data.turfs.len() * 4 / 5;
    let uncut: std::collections::HashSet<String> = data.turfs.drain(keep..).map(|t| t.id).collect();
    data.assignments.retain(|a| !uncut.contains(&a.unit_id));
    let home = Deployment::embedded(DataDir::open(root.join("checkout"))?)?;
    let campaign = admin::create_campaign(&home, &data)?;
    let universe = walkbook_server::universes::create_universe(&home, &campaign, "u", "U", &[])?;
    let centre = data
        .households
        .iter()
        .find_map(|h| h.lat.zip(h.lon))
        .unwrap_or_default();
    let volunteer = data.volunteers[0].id.clone();
    let mut times = Vec::new();
    for i in 0..20 {
        let id = format!("bench-{i:04}");
        let t = Instant::now();
        walkbook_server::universes::check_out(
            &home,
            &campaign,
            &walkbook_core::turfnear::CheckOutRequest {
                universe_id: "u",
                volunteer_id: &volunteer,
                lat: centre.0,
                lon: centre.1,
                doors: 30,
                days: 2,
                now: Utc::now(),
                checkout_id: &id,
            },
        )?;
        times.push(t.elapsed());
    }
    times.sort();
    Ok(CheckoutBench {
        households: data.households.len(),
        universe,
        checkouts: times.len(),
        min: times[0],
        median: times[times.len() / 2],
    })
}

/// The overview, activity review, metrics and map data with 50,000
/// attempts: the first request after the server starts (everything read
/// and derived from the store) and the median of the next five (served
/// from the per-revision snapshot).
async fn bench_dashboard(root: &Path) -> Result<DashboardBench, DemoError> {
    let io = |e: String| std::io::Error::other(e);
    // Dashboard: a campaign with 50,000 attempts in its store.
    let campaign = generate_campaign(&GenerateOptions {
        households: 6000,
        seed: 8,
    });
    let dir = DataDir::open(root.join("server"))?;
    let campaign_id = admin::create_campaign(&dir, &campaign)?;
    let mut attempts = 0;
    let mut store = dir.campaign_store(&campaign_id)?;
    let turf_assignments: Vec<_> = campaign
        .assignments
        .iter()
        .filter(|a| a.kind == AssignmentKind::Turf)
        .cloned()
        .collect();
    {
        // The server keeps no reference data in its results files: the
        // bench records as an organizer's device would, from the packets.
        let server = admin::Home::server_store(&dir)?;
        for a in &campaign.assignments {
            if let Some((_, bytes)) = server
                .packet(&campaign_id, &a.id)
                .map_err(|e| io(e.to_string()))?
            {
                store.install_packet(&bytes)?;
            }
        }
        'fill: for round in 0.. {
            for a in &turf_assignments {
                let doors = store.walk_list(&a.unit_id)?;
                for (k, d) in doors.iter().enumerate() {
                    if attempts >= 50_000 {
                        break 'fill;
                    }
                    let attempt = if (k + round) % 4 == 0 {
                        NewAttempt {
                            person_id: Some(d.people[0].person.id.clone()),
                            answers: [("support".to_string(), (((k + round) % 5) + 1).to_string())]
                                .into(),
                            ..Default::default()
                        }
                    } else {
                        NewAttempt {
                            household_id: Some(d.household.id.clone()),
                            result: Some("not_home".into()),
                            ..Default::default()
                        }
                    };
                    store.record_attempt(&a.id, attempt)?;
                    attempts += 1;
                }
            }
        }
    }
    let (addr, tx, server) = crate::demo::start_simulation_server(&dir, 0).await?;
    let url = format!("http://{addr}");
    let org = Arc::new(Mutex::new(DeviceStore::open(
        root.join("organizer.db"),
        None,
    )?));
    let code = admin::create_invite(
        &dir,
        &campaign_id,
        "organizer",
        Role::Organizer,
        chrono::Duration::hours(1),
    )?;
    SyncClient::new(&url, org.clone())?.join(&code).await?;
    let token = org
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .meta("token")?
        .unwrap_or_default();
    // One timed GET of a dashboard path, which must answer 200.
    let timed_get = async |path: &str| -> Result<Duration, DemoError> {
        let t = Instant::now();
        let status = tokio::task::spawn_blocking({
            let u = format!("{url}{path}");
            let tok = token.clone();
            move || http_get_status(&u, &tok)
        })
        .await
        .map_err(|e| io(e.to_string()))??;
        if status != 200 {
            return Err(io(format!("{path} answered {status}")).into());
        }
        Ok(t.elapsed())
    };
    // The first request after the server starts reads every document.
    let after_start = timed_get("/dashboard").await?;
    let mut pages = Vec::new();
    for path in [
        "/dashboard",
        "/dashboard/volunteers",
        "/dashboard/metrics",
        "/dashboard/map.json",
    ] {
        // A result lands first (as a sync would): the first request reads
        // and derives everything again.
        let a = &turf_assignments[0];
        let door = store.walk_list(&a.unit_id)?[0].household.id.clone();
        store.record_attempt(
            &a.id,
            NewAttempt {
                household_id: Some(door),
                result: Some("not_home".into()),
                ..Default::default()
            },
        )?;
        attempts += 1;
        let mut times = Vec::new();
        for _ in 0..6 {
            times.push(timed_get(path).await?);
        }
        let first = times.remove(0);
        pages.push((path.to_string(), first, median(times)));
    }
    let _ = tx.send(());
    let _ = server.await;
    Ok(DashboardBench {
        attempts,
        after_start,
        pages,
    })
}

/// A minimal blocking HTTP GET over loopback (the server crate has no HTTP
/// client outside tests): returns the status code, reading the whole body.
fn http_get_status(url: &str, token: &str) -> std::io::Result<u16> {
    use std::io::{Read, Write};
    let rest = url.trim_start_matches("http://");
    let (host, path) = rest
        .split_once('/')
        .map(|(h, p)| (h, format!("/{p}")))
        .unwrap_or((rest, "/".into()));
    let mut s = std::net::TcpStream::connect(host)?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    )?;
    let mut body = Vec::new();
    s.read_to_end(&mut body)?;
    let text = String::from_utf8_lossy(&body);
    Ok(text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0))
}
