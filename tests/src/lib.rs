//! Harness for end-to-end tests: a real `walkbook-server` listening on
//! 127.0.0.1 with a temporary data directory, and devices with their own
//! stores talking to it over HTTP.
//!
//! `WALKBOOK_TEST_STORE=postgres` puts the server (and `TestServer::home`)
//! on a throwaway PostgreSQL cluster instead of the embedded stores;
//! `scripts/test` runs the sync and phone-bank suites both ways.

use std::sync::{Arc, Mutex};

use chrono::Duration;
use tokio::net::TcpListener;
use walkbook_core::generate::{GenerateOptions, generate_campaign};
use walkbook_core::model::ReferenceData;
use walkbook_core::store::DeviceStore;
use walkbook_core::sync::{Role, SyncClient};
use walkbook_server::admin::{self, DataDir, Deployment};
use walkbook_server::http::{self, AppState};

/// An automerge sync message carrying exactly `changes` and claiming no
/// heads: what a hand-made (forged, hostile, buggy) upload sends.
pub fn message_carrying(changes: &[automerge::Change]) -> Vec<u8> {
    use automerge::sync::{ChunkList, Message, MessageVersion};
    Message {
        heads: vec![],
        need: vec![],
        have: vec![],
        changes: ChunkList::from(
            changes
                .iter()
                .map(|c| c.raw_bytes().to_vec())
                .collect::<Vec<_>>(),
        ),
        flags: None,
        version: MessageVersion::V1,
    }
    .encode()
}

/// An HTTP client that does not follow redirects, to see a 303 and where
/// it points.
pub fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A sign-in attempt with a wrong invite code at `server`: the status,
/// the seconds `Retry-After` asks for (when rate limited), and the error
/// code of the answer.
pub async fn guess_invite(server: &str, code: &str) -> (u16, Option<u64>, Option<String>) {
    let resp = reqwest::Client::new()
        .post(format!("{server}/v1/join"))
        .header("content-type", "application/json")
        .body(format!("{{\"invite_code\":\"{code}\"}}"))
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let wait = resp
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().parse().unwrap());
    let error = resp
        .json::<walkbook_core::sync::ErrorBody>()
        .await
        .ok()
        .map(|b| b.error);
    (status, wait, error)
}

/// A running server and the campaign it serves.
pub struct TestServer {
    pub url: String,
    /// The server's stores (embedded or PostgreSQL): admin operations and
    /// inspections go through it.
    pub home: Deployment,
    /// The data directory: where the embedded stores are (unused on
    /// PostgreSQL; tests that read its files run on the embedded stores).
    pub dir: DataDir,
    pub campaign: ReferenceData,
    pub campaign_id: String,
    _tmp: tempfile::TempDir,
    _cluster: Option<walkbook_dev::postgres::TestCluster>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl TestServer {
    /// Generates a campaign of `households` doors and serves it.
    pub async fn start(households: usize) -> TestServer {
        Self::start_with_limit(households, walkbook_core::sync::MAX_SYNC_BODY_BYTES).await
    }

    /// Like `start`, with a request body limit.
    pub async fn start_with_limit(households: usize, max_body_bytes: usize) -> TestServer {
        let opts = http::ServerOptions {
            max_body_bytes,
            // Tests reach nothing beyond loopback: map tiles come from a
            // port where nothing listens, so maps are tested without tiles.
            tiles: Some(http::Tiles {
                url: "http://127.0.0.1:9/{z}/{x}/{y}.png".into(),
                attribution: "no tiles in tests".into(),
            }),
            ..http::ServerOptions::for_simulation()
        };
        Self::start_with_options(households, opts).await
    }

    /// Like `start`, with server options (body limit, claim lease).
    pub async fn start_with_options(households: usize, opts: http::ServerOptions) -> TestServer {
        let campaign = generate_campaign(&GenerateOptions {
            households,
            seed: 11,
        });
        Self::start_campaign(campaign, opts).await
    }

    /// Serves the given campaign.
    pub async fn start_campaign(campaign: ReferenceData, opts: http::ServerOptions) -> TestServer {
        let tmp = tempfile::tempdir().unwrap();
        let dir = DataDir::open(tmp.path().join("server")).unwrap();
        let (home, cluster) = match std::env::var("WALKBOOK_TEST_STORE").as_deref() {
            Ok("postgres") => {
                let cluster = walkbook_dev::postgres::TestCluster::start().unwrap();
                let url = cluster.create_database("e2e").unwrap();
                (Deployment::postgres(&url).unwrap(), Some(cluster))
            }
            Ok("sqlite") | Err(_) => (Deployment::embedded_serving(dir.clone()).unwrap(), None),
            Ok(other) => panic!("WALKBOOK_TEST_STORE={other}: use sqlite or postgres"),
        };
        let campaign_id = admin::create_campaign(&home, &campaign).unwrap();
        let state = AppState::on(home.clone(), opts);
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(http::serve(listener, state, async move {
            let _ = rx.await;
        }));
        TestServer {
            url,
            home,
            dir,
            campaign,
            campaign_id,
            _tmp: tmp,
            _cluster: cluster,
            shutdown: Some(tx),
            task: Some(task),
        }
    }

    pub fn invite(&self, volunteer: &str, role: Role) -> String {
        admin::create_invite(
            &self.home,
            &self.campaign_id,
            volunteer,
            role,
            Duration::hours(2),
        )
        .unwrap()
    }

    /// A new device that joined as `volunteer`.
    pub async fn device(&self, volunteer: &str) -> TestDevice {
        let d = TestDevice::new(&self.url);
        d.client
            .join(&self.invite(volunteer, Role::Volunteer))
            .await
            .unwrap();
        d
    }

    /// Gives the first turf to two volunteers, whose devices then disagree
    /// about its first voter (support 1 vs 5) and sync: a conflict on the
    /// server. Returns the turf, the person and both devices (not yet synced
    /// again after the conflict was recorded: the caller syncs when it wants).
    pub async fn conflict_on_first_turf(
        &self,
    ) -> (walkbook_core::model::Turf, String, [TestDevice; 2]) {
        let turf = self.campaign.turfs[0].clone();
        let vols: Vec<String> = self.volunteers().into_iter().take(2).collect();
        for v in &vols {
            let expires = chrono::Utc::now() + Duration::days(1);
            admin::assign(
                &self.home,
                &self.campaign_id,
                walkbook_core::model::AssignmentKind::Turf,
                &turf.id,
                v,
                expires,
            )
            .unwrap();
        }
        let devices = [self.device(&vols[0]).await, self.device(&vols[1]).await];
        let person = devices[0].store().walk_list(&turf.id).unwrap()[0].people[0]
            .person
            .id
            .clone();
        for (d, (v, support)) in devices.iter().zip([(&vols[0], "1"), (&vols[1], "5")]) {
            let answers = [("support".to_string(), support.to_string())].into();
            let attempt = walkbook_core::results::NewAttempt {
                person_id: Some(person.clone()),
                answers,
                ..Default::default()
            };
            d.store()
                .record_attempt(&format!("turf-{}-{v}", turf.id), attempt)
                .unwrap();
        }
        (turf, person, devices)
    }

    /// A bearer token of an organizer of `campaign` (an organizer's laptop joins).
    pub async fn organizer_token(&self, campaign: &str) -> String {
        let code = admin::create_invite(
            &self.home,
            campaign,
            "organizer-1",
            Role::Organizer,
            Duration::hours(1),
        )
        .unwrap();
        let laptop = TestDevice::new(&self.url);
        laptop.client.join(&code).await.unwrap();
        laptop.store().meta("token").unwrap().unwrap()
    }

    pub fn volunteers(&self) -> Vec<String> {
        self.campaign
            .volunteers
            .iter()
            .map(|v| v.id.clone())
            .collect()
    }

    /// Stops accepting, finishes in-flight requests, and waits. Returns
    /// the temporary directory holding the data directory: it is deleted
    /// when that is dropped.
    pub async fn stop(mut self) -> tempfile::TempDir {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.unwrap().unwrap();
        }
        self._tmp
    }

    /// `POST /v1/sync` with a body the test writes itself (forged,
    /// malformed, for someone else's document), as the device holding
    /// `token`.
    pub async fn post_sync(&self, token: &str, body: &impl serde::Serialize) -> reqwest::Response {
        reqwest::Client::new()
            .post(format!("{}/v1/sync", self.url))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// The heads the server has stored for a document.
    pub fn server_heads(&self, doc: &str) -> Vec<String> {
        self.home.results.heads(&self.campaign_id, doc).unwrap()
    }

    /// Every attempt the server holds, across all documents.
    pub fn server_attempt_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .home
            .results
            .unit_attempts(&self.campaign_id)
            .unwrap()
            .into_iter()
            .flat_map(|(_, attempts)| attempts.into_iter().map(|a| a.id))
            .collect();
        ids.sort();
        ids
    }
}

/// A phone: its own store file and a sync client.
pub struct TestDevice {
    pub client: SyncClient,
    pub store: Arc<Mutex<DeviceStore>>,
    pub tmp: tempfile::TempDir,
}

impl TestDevice {
    pub fn new(url: &str) -> TestDevice {
        let tmp = tempfile::tempdir().unwrap();
        let store = Arc::new(Mutex::new(
            DeviceStore::open(tmp.path().join("campaign.db"), None).unwrap(),
        ));
        let client = SyncClient::new(url, store.clone()).unwrap();
        TestDevice { client, store, tmp }
    }

    pub fn store(&self) -> std::sync::MutexGuard<'_, DeviceStore> {
        self.store.lock().unwrap()
    }

    /// Opens the same store file again, as the app does after a restart.
    pub fn reopen(&self) -> TestDevice {
        let tmp = tempfile::tempdir().unwrap();
        let path = self.tmp.path().join("campaign.db");
        let store = Arc::new(Mutex::new(DeviceStore::open(&path, None).unwrap()));
        let client = SyncClient::for_joined(store.clone()).unwrap();
        TestDevice { client, store, tmp }
    }

    /// The device's first turf assignment.
    pub fn first_turf(&self) -> walkbook_core::model::Assignment {
        self.store()
            .assignments()
            .unwrap()
            .into_iter()
            .find(|a| a.assignment.kind == walkbook_core::model::AssignmentKind::Turf)
            .expect("the device has a turf")
            .assignment
    }

    /// Records results for the first `n` doors of the device's first turf:
    /// a mix of conversations and "not home". Returns the attempt ids.
    pub fn canvass(&self, n: usize) -> Vec<String> {
        let assignment = self.first_turf();
        let mut store = self.store();
        let doors = store.walk_list(&assignment.unit_id).unwrap();
        let mut ids = Vec::new();
        for (i, door) in doors.iter().take(n).enumerate() {
            let person = door.people[0].person.id.clone();
            let attempt = if i % 3 == 0 {
                walkbook_core::results::NewAttempt {
                    household_id: Some(door.household.id.clone()),
                    result: Some("not_home".into()),
                    ..Default::default()
                }
            } else {
                walkbook_core::results::NewAttempt {
                    person_id: Some(person),
                    answers: [("support".to_string(), ((i % 5) + 1).to_string())]
                        .into_iter()
                        .collect(),
                    ..Default::default()
                }
            };
            ids.push(store.record_attempt(&assignment.id, attempt).unwrap().id);
        }
        ids
    }
}
