//! `walkbook-server bench-sync`: the sync targets measured end to end — many
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
use tokio::net::TcpListener;
use walkbook_core::generate::{GenerateOptions, generate_campaign};
use walkbook_core::model::AssignmentKind;
use walkbook_core::results::{NewAttempt, split_changes};
use walkbook_core::store::DeviceStore;
use walkbook_core::sync::{Role, SyncClient};

use crate::admin::{self, DataDir};
use crate::demo::DemoError;
use crate::http::{self, AppState};

#[derive(Debug, Clone)]
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
    /// Time the server store spent receiving the same uploads directly (no
    /// HTTP): automerge apply + attempt validation + index + fsync'd commit.
    pub store_receive_time: Duration,
}

impl SyncBenchReport {
    pub fn server_rate(&self) -> f64 {
        self.changes as f64 / self.sync_time.as_secs_f64()
    }
    pub fn automerge_rate(&self) -> f64 {
        self.changes as f64 / self.automerge_time.as_secs_f64()
    }
    pub fn store_rate(&self) -> f64 {
        self.changes as f64 / self.store_receive_time.as_secs_f64()
    }
    pub fn wire_budget(&self) -> f64 {
        1.5 * self.raw_change_bytes as f64 + 1024.0 * self.documents as f64
    }
}

/// Runs the benchmark under `root`.
pub async fn bench_sync(
    root: &Path,
    devices: usize,
    attempts: usize,
) -> Result<SyncBenchReport, DemoError> {
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
    let dir = DataDir::open(root.join("server"))?;
    let campaign_id = admin::create_campaign(&dir, &data)?;
    let turfs: Vec<String> = data.turfs.iter().map(|t| t.id.clone()).collect();
    let volunteers: Vec<String> = (0..devices).map(|i| format!("bench-{i:03}")).collect();
    let expires = Utc::now() + chrono::Duration::days(1);
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(http::serve(
        listener,
        AppState::new(dir.clone())?,
        async move {
            let _ = rx.await;
        },
    ));

    let mut clients = Vec::new();
    let mut device_stores = Vec::new();
    let mut raw_change_bytes = 0;
    let mut all_changes: Vec<Vec<Change>> = Vec::new();
    for i in 0..devices {
        let turf = &turfs[i % turfs.len()];
        let volunteer = &volunteers[i % volunteers.len()];
        let a = admin::assign(
            &dir,
            &campaign_id,
            AssignmentKind::Turf,
            turf,
            volunteer,
            expires,
        )?;
        let store = DeviceStore::open(root.join(format!("device-{i}.db")), None)?;
        let store = Arc::new(Mutex::new(store));
        let client = SyncClient::new(&url, store.clone())?;
        client
            .join(&admin::create_invite(
                &dir,
                &campaign_id,
                volunteer,
                Role::Volunteer,
                chrono::Duration::hours(1),
            )?)
            .await?;
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
        drop(s);
        device_stores.push((store.clone(), doc));
        clients.push(client);
    }
    let changes: usize = all_changes.iter().map(Vec::len).sum();

    // Server ingest: every device syncs, one after the other, over HTTP.
    let mut wire_bytes = 0;
    let mut rounds = 0;
    let started = Instant::now();
    for c in &clients {
        let summary = c.sync_now(|_| {}).await?;
        wire_bytes += summary.bytes_sent + summary.bytes_received;
        rounds += summary.rounds;
    }
    let sync_time = started.elapsed();

    // Automerge alone: the same changes applied in memory, one document each.
    let started = Instant::now();
    for doc_changes in &all_changes {
        let mut doc = Automerge::new();
        doc.apply_changes(doc_changes.iter().cloned())
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        std::hint::black_box(doc.get_heads());
    }
    let automerge_time = started.elapsed();

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

    let _ = tx.send(());
    let _ = server.await;
    Ok(SyncBenchReport {
        devices,
        attempts_per_device: attempts,
        changes,
        raw_change_bytes,
        wire_bytes,
        documents: devices,
        sync_time,
        rounds,
        automerge_time,
        store_receive_time,
    })
}
