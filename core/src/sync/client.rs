//! The HTTP sync client used by the apps: join with an invite, download
//! packets, and `sync_now` — one request per round carrying every document.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use reqwest::StatusCode;

use super::api::*;
use crate::store::{ClaimedBatch, DeviceStore, InstallOutcome, Retired, StoreError};
use chrono::Utc;

/// The peer name the device uses for the server's sync state.
const SERVER_PEER: &str = "server";
/// A sync that has not converged after this many rounds stops and reports it.
const MAX_ROUNDS: u32 = 16;
const RETRIES: u32 = 4;
/// How often a stalled sync starts over with the server before giving up.
const MAX_RESETS: u32 = 2;

/// What is still missing, per document, in words and hashes.
fn describe_gap(doc_ids: &[String], position: &[(Vec<String>, Vec<String>)]) -> String {
    let short = |h: &[String]| {
        h.iter()
            .map(|h| h.get(..12).unwrap_or(h))
            .collect::<Vec<_>>()
            .join(", ")
    };
    doc_ids
        .iter()
        .zip(position)
        .filter(|(_, (mine, theirs))| mine != theirs)
        .map(|(doc, (mine, theirs))| {
            format!(
                "{doc}: this phone is at [{}], the server at [{}]",
                short(mine),
                short(theirs)
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(
        "cannot reach the server ({0}); results stay safe on this phone, sync again when you have signal"
    )]
    Network(String),
    #[error("this device was removed: local campaign data wiped ({0})")]
    Revoked(String),
    #[error("the server refused the request ({status}): {message}")]
    Server { status: u16, message: String },
    #[error("this device has not joined a campaign yet; join with an invite code first")]
    NotJoined,
    /// The sync stopped making progress (after resetting its state with the
    /// server) or ran out of rounds; the text says what is still missing.
    #[error("sync did not converge: {0}; results stay safe on this phone, try again later")]
    NotConverged(String),
    #[error(
        "practice mode never syncs: practice results stay on this phone, marked as practice, and never count"
    )]
    Practice,
    /// The server address would carry voter data unprotected (plain
    /// `http://` to another machine), or the campaign's CA does not read.
    #[error("{0}")]
    Insecure(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Progress reported after every round trip.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncProgress {
    pub round: u32,
    pub documents: usize,
    pub bytes_sent: usize,
    pub bytes_received: usize,
}

/// What one `sync_now` did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncSummary {
    pub rounds: u32,
    pub documents: usize,
    pub bytes_sent: usize,
    pub bytes_received: usize,
    /// Changes received from the server that were new here.
    pub changes_received: usize,
    /// Results the server has not yet confirmed (0 after a full sync).
    pub pending_upload: usize,
    pub packets_installed: usize,
    /// Changes the server refused in this sync, now set aside (see
    /// `DeviceStore::refused_attempts`).
    pub refused: usize,
    /// Assignments that expired or were taken away, whose reference data
    /// this sync deleted from the device.
    pub assignments_retired: usize,
    /// Results of such assignments deleted after the server confirmed them.
    pub documents_wiped: usize,
}

/// A device's connection to its campaign's server.
pub struct SyncClient {
    base_url: String,
    http: reqwest::Client,
    /// A campaign's private CA, trusted beside the bundled roots.
    extra_roots: Vec<reqwest::Certificate>,
    store: Arc<Mutex<DeviceStore>>,
    /// One sync at a time per campaign: a second caller waits its turn.
    running: tokio::sync::Mutex<()>,
}

fn lock(store: &Mutex<DeviceStore>) -> MutexGuard<'_, DeviceStore> {
    // A panic while holding the lock cannot leave SQLite half-written (every
    // write is a transaction), so a poisoned lock is still safe to use.
    store.lock().unwrap_or_else(|p| p.into_inner())
}

/// Meta key: the campaign's private CA (PEM), when its server has one.
const SERVER_CA: &str = "server_ca_pem";

/// The Mozilla roots bundled into the app (ADR 21): the same certificate
/// check on Android, iOS and the JVM tests, with no platform verifier to
/// initialise through JNI, plus the campaign's own CA if it has one.
fn bundled_roots() -> impl Iterator<Item = reqwest::Certificate> {
    webpki_root_certs::TLS_SERVER_ROOT_CERTS
        .iter()
        .filter_map(|c| reqwest::Certificate::from_der(c.as_ref()).ok())
}

/// The certificates in a CA file: at least one, or an error saying what
/// is wrong.
pub fn read_ca_pem(ca_pem: &[u8]) -> Result<Vec<reqwest::Certificate>, SyncError> {
    let certs = reqwest::Certificate::from_pem_bundle(ca_pem)
        .map_err(|e| SyncError::Insecure(format!("the CA certificate does not read: {e}")))?;
    if certs.is_empty() {
        return Err(SyncError::Insecure(
            "the CA file holds no PEM certificate (-----BEGIN CERTIFICATE-----)".into(),
        ));
    }
    Ok(certs)
}

/// The HTTP client's settings every `SyncClient` shares.
fn http_builder(extra_roots: &[reqwest::Certificate]) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(60))
        .tls_certs_only(bundled_roots().chain(extra_roots.iter().cloned()))
}

fn build(builder: reqwest::ClientBuilder) -> Result<reqwest::Client, SyncError> {
    builder
        .build()
        .map_err(|e| SyncError::Network(e.to_string()))
}

impl SyncClient {
    /// A client for `store`; refused for a practice store (see
    /// `crate::practice`), whose results must never reach a server.
    pub fn new(base_url: &str, store: Arc<Mutex<DeviceStore>>) -> Result<Self, SyncError> {
        if lock(&store).is_practice()? {
            return Err(SyncError::Practice);
        }
        let base_url = base_url.trim().trim_end_matches('/').to_string();
        if let Some(problem) = super::server_url_problem(&base_url) {
            return Err(SyncError::Insecure(problem));
        }
        let extra_roots = match lock(&store).meta(SERVER_CA)? {
            Some(pem) => read_ca_pem(pem.as_bytes())?,
            None => Vec::new(),
        };
        let http = build(http_builder(&extra_roots))?;
        Ok(SyncClient {
            base_url,
            http,
            extra_roots,
            store,
            running: Default::default(),
        })
    }

    /// Trusts the campaign's private CA (PEM) beside the bundled roots, on
    /// this phone from now on (kept in the encrypted store). For a campaign
    /// server whose certificate no public CA signed. A PEM that does not
    /// read is an error and changes nothing.
    pub fn trust_campaign_ca(store: &DeviceStore, ca_pem: &str) -> Result<(), SyncError> {
        read_ca_pem(ca_pem.as_bytes())?;
        store.set_meta(SERVER_CA, ca_pem)?;
        Ok(())
    }

    /// Opens a new connection for every request instead of reusing one.
    /// Costs a handshake per round trip; on networks that silently kill idle
    /// connections (and in fault-injection tests) it fails faster and cleaner.
    pub fn without_connection_reuse(mut self) -> Result<Self, SyncError> {
        self.http = build(http_builder(&self.extra_roots).pool_max_idle_per_host(0))?;
        Ok(self)
    }

    /// Also trusts the certificate authority in `ca_pem` (PEM), beside the
    /// bundled roots, for this client only (tests; phones use
    /// [`Self::trust_campaign_ca`]). A PEM that does not read is an error.
    pub fn trusting(mut self, ca_pem: &[u8]) -> Result<Self, SyncError> {
        self.extra_roots.extend(read_ca_pem(ca_pem)?);
        self.http = build(http_builder(&self.extra_roots))?;
        Ok(self)
    }

    /// A client for a store that already joined (server URL kept in the store).
    pub fn for_joined(store: Arc<Mutex<DeviceStore>>) -> Result<Self, SyncError> {
        if lock(&store).is_practice()? {
            return Err(SyncError::Practice);
        }
        let url = lock(&store)
            .meta("server_url")?
            .ok_or(SyncError::NotJoined)?;
        Self::new(&url, store)
    }

    pub fn store(&self) -> &Arc<Mutex<DeviceStore>> {
        &self.store
    }

    /// Joins the campaign with an invite code, keeps the token in the
    /// (encrypted) store, and downloads every assignment's packet.
    pub async fn join(&self, invite_code: &str) -> Result<JoinResponse, SyncError> {
        let rejoining = {
            let store = lock(&self.store);
            store
                .meta("device_id_issued")?
                .map(|_| store.device_id().to_string())
        };
        let body = JoinRequest {
            invite_code: invite_code.trim().to_string(),
            device_id: rejoining,
        };
        let url = format!("{}/v1/join", self.base_url);
        // Retried like every request: a busy server (503) or a lost
        // connection is not the volunteer's fault.
        let resp = self.send(|| self.http.post(&url).json(&body)).await?;
        let joined: JoinResponse = resp
            .json()
            .await
            .map_err(|e| SyncError::Network(e.to_string()))?;
        {
            let mut store = lock(&self.store);
            store.set_meta("server_url", &self.base_url)?;
            store.set_meta("token", &joined.token)?;
            store.set_meta("volunteer_id", &joined.volunteer_id)?;
            store.set_meta(
                "role",
                match joined.role {
                    Role::Organizer => "organizer",
                    Role::Volunteer => "volunteer",
                    Role::Trainee => "trainee",
                },
            )?;
            store.set_device_id(&joined.device_id)?;
        }
        self.download_packets().await?;
        Ok(joined)
    }

    fn token(&self) -> Result<String, SyncError> {
        lock(&self.store).meta("token")?.ok_or(SyncError::NotJoined)
    }

    /// Turns an error response into a `SyncError`; a revoked device wipes
    /// the campaign's data before reporting it.
    async fn check(&self, resp: reqwest::Response) -> Result<reqwest::Response, SyncError> {
        let status = resp.status();
        if status.is_success() || status == StatusCode::NOT_MODIFIED {
            return Ok(resp);
        }
        let body: Option<ErrorBody> = resp.json().await.ok();
        let message = body
            .as_ref()
            .map(|b| b.message.clone())
            .unwrap_or_else(|| status.to_string());
        if status == StatusCode::UNAUTHORIZED
            && body
                .as_ref()
                .is_some_and(|b| b.error == ERROR_DEVICE_REVOKED)
        {
            lock(&self.store).wipe()?;
            return Err(SyncError::Revoked(message));
        }
        Err(SyncError::Server {
            status: status.as_u16(),
            message,
        })
    }

    /// Sends a request, retrying network failures with exponential backoff.
    async fn send(
        &self,
        build: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, SyncError> {
        let mut delay = Duration::from_millis(200);
        let mut attempt = 0;
        loop {
            match build().send().await {
                Ok(resp) if resp.status().is_server_error() && attempt < RETRIES => {}
                Ok(resp) => return self.check(resp).await,
                Err(e) if attempt >= RETRIES => return Err(SyncError::Network(e.to_string())),
                Err(_) => {}
            }
            attempt += 1;
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(5));
        }
    }

    /// Downloads the campaign's training packet: a sandbox turf with the
    /// campaign's canvass script, for a practice store (see
    /// `crate::practice`). Checked (header, hash, schema) and known to be a
    /// practice sandbox before it is returned.
    pub async fn training_packet(&self) -> Result<Vec<u8>, SyncError> {
        let token = self.token()?;
        let url = format!("{}/v1/training", self.base_url);
        let resp = self
            .send(|| self.http.get(&url).bearer_auth(&token))
            .await?;
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| SyncError::Network(e.to_string()))?
            .to_vec();
        let packet = crate::packet::decode_packet(&bytes).map_err(StoreError::from)?;
        if !crate::practice::is_practice_unit(&packet.body.assignment.unit_id) {
            return Err(SyncError::Store(StoreError::Practice(format!(
                "the server's training packet holds assignment {}, which is not a practice sandbox; it was not installed",
                packet.body.assignment.id
            ))));
        }
        Ok(bytes)
    }

    /// Downloads the assignments list and every packet that changed
    /// (unchanged packets answer 304 and are not re-sent). Assignments the
    /// server no longer lists (expired or taken away) are retired: their
    /// reference data is deleted, their results once the server has them.
    pub async fn download_packets(&self) -> Result<usize, SyncError> {
        Ok(self.refresh_assignments().await?.0)
    }

    async fn refresh_assignments(&self) -> Result<(usize, Retired), SyncError> {
        let token = self.token()?;
        let url = format!("{}/v1/assignments", self.base_url);
        let resp = self
            .send(|| self.http.get(&url).bearer_auth(&token))
            .await?;
        let list: AssignmentsResponse = resp
            .json()
            .await
            .map_err(|e| SyncError::Network(e.to_string()))?;
        // Expired or taken away: the server no longer lists it.
        let live: std::collections::HashSet<String> = list
            .assignments
            .iter()
            .map(|a| a.assignment.id.clone())
            .collect();
        let retired = lock(&self.store).retire_all_but(&live)?;
        let mut installed = 0;
        for info in list.assignments {
            let have = lock(&self.store)
                .assignment(&info.assignment.id)
                .ok()
                .map(|a| a.packet_version);
            if have == Some(info.packet_version) {
                continue;
            }
            let url = format!("{}/v1/packets/{}", self.base_url, info.assignment.id);
            let etag = have.map(|v| format!("\"v{v}\"")).unwrap_or_default();
            let resp = self
                .send(|| {
                    let r = self.http.get(&url).bearer_auth(&token);
                    if etag.is_empty() {
                        r
                    } else {
                        r.header(reqwest::header::IF_NONE_MATCH, &etag)
                    }
                })
                .await?;
            if resp.status() == StatusCode::NOT_MODIFIED {
                continue;
            }
            let bytes = resp
                .bytes()
                .await
                .map_err(|e| SyncError::Network(e.to_string()))?;
            let outcome = lock(&self.store).install_packet(&bytes)?;
            if !matches!(outcome, InstallOutcome::AlreadyInstalled { .. }) {
                installed += 1;
            }
        }
        Ok((installed, retired))
    }

    /// Syncs every results document of this device with the server until
    /// both hold the same heads. Safe to call from several tasks: calls run
    /// one after the other. Cancelling (dropping the future) is safe:
    /// everything received so far is already durable.
    ///
    /// Each round is one request. A round whose request or reply is lost or
    /// cut (even mid-body, after the server acted on it) is sent again;
    /// applying a reply twice changes nothing. A round that makes no
    /// progress twice in a row resets the sync state with the server (at
    /// most `MAX_RESETS` times) before giving up with what is still missing.
    pub async fn sync_now(
        &self,
        mut progress: impl FnMut(&SyncProgress),
    ) -> Result<SyncSummary, SyncError> {
        let _one_at_a_time = self.running.lock().await;
        let token = self.token()?;
        // Past expiry and grace: gone even if the server cannot be reached.
        let expired = lock(&self.store).retire_expired(Utc::now())?;
        let (packets_installed, retired) = self.refresh_assignments().await?;
        let mut summary = SyncSummary {
            packets_installed,
            assignments_retired: expired.assignments.len() + retired.assignments.len(),
            documents_wiped: expired.documents_wiped.len() + retired.documents_wiped.len(),
            ..Default::default()
        };
        let url = format!("{}/v1/sync", self.base_url);
        let doc_ids: Vec<String> = {
            let mut store = lock(&self.store);
            let mut ids: Vec<String> = store
                .assignments()?
                .iter()
                .map(|a| a.assignment.unit_doc_id())
                .collect();
            // Retired assignments' results still waiting to upload: the
            // server takes uploads for them and sends nothing back.
            ids.extend(store.retired_documents()?);
            // Several assignments can share a unit (an organizer sees them all).
            ids.sort();
            ids.dedup();
            for d in &ids {
                store.begin_sync_session(d, SERVER_PEER)?;
            }
            ids
        };
        let mut last_position: Option<Vec<(Vec<String>, Vec<String>)>> = None;
        let mut stalled = 0;
        let mut resets = 0;
        for round in 1..=MAX_ROUNDS {
            // One request per MAX_DOCS_PER_REQUEST documents (an organizer
            // may hold every unit of the campaign).
            let mut confirmed: Vec<(String, Vec<String>)> = Vec::with_capacity(doc_ids.len());
            summary.documents = doc_ids.len();
            for chunk in doc_ids.chunks(MAX_DOCS_PER_REQUEST) {
                let request = {
                    let mut store = lock(&self.store);
                    let mut docs = Vec::with_capacity(chunk.len());
                    for doc_id in chunk {
                        let message = store.generate_server_sync_message(doc_id, SERVER_PEER)?;
                        docs.push(DocMessage {
                            doc_id: doc_id.clone(),
                            message,
                        });
                    }
                    SyncRequest { docs }
                };
                let body = serde_json::to_vec(&request).expect("requests serialise");
                summary.bytes_sent += body.len();
                let (reply, received) = self.sync_round_trip(&url, &token, body).await?;
                summary.bytes_received += received;
                let mut store = lock(&self.store);
                let mut heads = Vec::with_capacity(reply.docs.len());
                for d in &reply.docs {
                    if !chunk.contains(&d.doc_id) {
                        continue; // not asked about: ignore rather than trust
                    }
                    if let Some(m) = &d.message {
                        let outcome = store.receive_sync_message(&d.doc_id, SERVER_PEER, m)?;
                        summary.changes_received += outcome.new_changes;
                    }
                    if let Some(r) = &d.refused {
                        // Move it aside; this device's later attempts go
                        // again as new changes in the next round.
                        store.set_aside_refused(&d.doc_id, r)?;
                        summary.refused += 1;
                    }
                    heads.push((d.doc_id.clone(), d.persisted_heads.clone()));
                }
                let people: Option<Vec<(String, String)>> = reply.suppressions.as_ref().map(|s| {
                    s.iter()
                        .map(|s| (s.person_id.clone(), s.kind.clone()))
                        .collect()
                });
                let suppressions = match (&people, &reply.bad_phone_refs) {
                    (Some(p), Some(b)) => Some((p.as_slice(), b.as_slice())),
                    _ => None,
                };
                store.finish_sync_round(&heads, suppressions)?;
                confirmed.extend(heads);
            }
            let position = {
                let mut store = lock(&self.store);
                let mut position = Vec::with_capacity(doc_ids.len());
                for doc_id in &doc_ids {
                    let mine = store.heads_hex(doc_id)?;
                    let mut theirs = confirmed
                        .iter()
                        .find(|(d, _)| d == doc_id)
                        .map(|(_, h)| h.clone())
                        .unwrap_or_default();
                    theirs.sort();
                    position.push((mine, theirs));
                }
                position
            };
            summary.rounds = round;
            progress(&SyncProgress {
                round,
                documents: summary.documents,
                bytes_sent: summary.bytes_sent,
                bytes_received: summary.bytes_received,
            });
            if position.iter().all(|(mine, theirs)| mine == theirs) {
                let mut store = lock(&self.store);
                summary.documents_wiped += store.purge_uploaded()?.len();
                summary.pending_upload = store.pending_upload_count()?;
                return Ok(summary);
            }
            if last_position.as_ref() == Some(&position) {
                stalled += 1;
            } else {
                stalled = 0;
            }
            if stalled >= 2 {
                if resets >= MAX_RESETS {
                    return Err(SyncError::NotConverged(describe_gap(&doc_ids, &position)));
                }
                resets += 1;
                stalled = 0;
                let mut store = lock(&self.store);
                for (doc_id, (mine, theirs)) in doc_ids.iter().zip(&position) {
                    if mine != theirs {
                        tracing::warn!(doc = %doc_id, "sync made no progress; starting over with the server");
                        store.forget_sync_state(doc_id, SERVER_PEER)?;
                    }
                }
            }
            last_position = Some(position);
        }
        let position: Vec<(Vec<String>, Vec<String>)> = {
            let mut store = lock(&self.store);
            let mut out = Vec::new();
            for doc_id in &doc_ids {
                out.push((
                    store.heads_hex(doc_id)?,
                    store.confirmed_server_heads(doc_id)?,
                ));
            }
            out
        };
        Err(SyncError::NotConverged(format!(
            "still exchanging after {MAX_ROUNDS} rounds; {}",
            describe_gap(&doc_ids, &position)
        )))
    }

    /// One sync round trip, sent again (with backoff) when the connection
    /// fails, the server answers 5xx or the reply is cut or unreadable.
    /// Returns the reply and its size in bytes.
    async fn sync_round_trip(
        &self,
        url: &str,
        token: &str,
        body: Vec<u8>,
    ) -> Result<(SyncResponse, usize), SyncError> {
        let mut delay = Duration::from_millis(200);
        let mut attempt = 0;
        loop {
            let failure = match self
                .http
                .post(url)
                .bearer_auth(token)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.clone())
                .send()
                .await
            {
                Ok(resp) if resp.status().is_server_error() => {
                    format!("the server answered {}", resp.status())
                }
                Ok(resp) => {
                    // 422 results_refused still carries a whole sync reply.
                    let resp = if resp.status() == StatusCode::UNPROCESSABLE_ENTITY {
                        resp
                    } else {
                        self.check(resp).await?
                    };
                    match resp.bytes().await {
                        Ok(bytes) => match serde_json::from_slice::<SyncResponse>(&bytes) {
                            Ok(reply) => return Ok((reply, bytes.len())),
                            Err(e) => format!("the reply was unreadable ({e})"),
                        },
                        Err(e) => format!("the reply was cut off ({e})"),
                    }
                }
                Err(e) => e.to_string(),
            };
            if attempt >= RETRIES {
                return Err(SyncError::Network(failure));
            }
            tracing::debug!(%failure, attempt, "sync round failed; sending it again");
            attempt += 1;
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(5));
        }
    }

    /// "Turf near me": checks out the `doors` nearest free doors of a
    /// universe as a turf of this volunteer's own for `days` days (default 2)
    /// and installs its packet. Safe to retry: the request carries one id,
    /// and the server answers a repeated request with the same check-out.
    pub async fn turf_near_me(
        &self,
        universe_id: Option<&str>,
        lat: f64,
        lon: f64,
        doors: u32,
        days: Option<u32>,
    ) -> Result<TurfNearResponse, SyncError> {
        let token = self.token()?;
        let url = format!("{}/v1/turfs/near", self.base_url);
        let req = TurfNearRequest {
            request_id: uuid::Uuid::new_v4().simple().to_string(),
            universe_id: universe_id.map(str::to_string),
            lat,
            lon,
            doors,
            days,
        };
        let resp = self
            .send(|| self.http.post(&url).bearer_auth(&token).json(&req))
            .await?;
        let out: TurfNearResponse = resp
            .json()
            .await
            .map_err(|e| SyncError::Network(e.to_string()))?;
        self.download_packets().await?;
        Ok(out)
    }

    /// Ends a turf-near-me check-out: uploads its results first (so every
    /// knocked door stays with its results), then gives the un-knocked doors
    /// back and deletes the turf from this phone. The returned count is
    /// the doors given back.
    pub async fn release_turf(&self, assignment_id: &str) -> Result<u32, SyncError> {
        self.sync_now(|_| {}).await?;
        let token = self.token()?;
        let url = format!("{}/v1/turfs/near/{assignment_id}/release", self.base_url);
        let resp = self
            .send(|| self.http.post(&url).bearer_auth(&token))
            .await?;
        let out: TurfReleaseResponse = resp
            .json()
            .await
            .map_err(|e| SyncError::Network(e.to_string()))?;
        self.download_packets().await?;
        Ok(out.returned)
    }

    /// Claims a batch of contacts from a shared call list; the device's call
    /// queue for that list then shows exactly that batch until it expires.
    pub async fn claim_batch(&self, list_id: &str, size: u32) -> Result<ClaimedBatch, SyncError> {
        let token = self.token()?;
        let url = format!("{}/v1/claims", self.base_url);
        let req = ClaimRequest {
            list_id: list_id.to_string(),
            size,
        };
        let resp = self
            .send(|| self.http.post(&url).bearer_auth(&token).json(&req))
            .await?;
        let claim: ClaimResponse = resp
            .json()
            .await
            .map_err(|e| SyncError::Network(e.to_string()))?;
        let batch = ClaimedBatch {
            claim_id: claim.claim_id,
            list_id: claim.list_id,
            person_ids: claim.person_ids,
            expires_at_ms: claim.expires_at_ms,
        };
        lock(&self.store).set_claim(&batch)?;
        Ok(batch)
    }

    /// Gives the batch's uncalled contacts back to the pool.
    pub async fn release_claim(&self, claim_id: &str) -> Result<u32, SyncError> {
        let token = self.token()?;
        let url = format!("{}/v1/claims/{claim_id}/release", self.base_url);
        let resp = self
            .send(|| self.http.post(&url).bearer_auth(&token))
            .await?;
        let released: ReleaseResponse = resp
            .json()
            .await
            .map_err(|e| SyncError::Network(e.to_string()))?;
        lock(&self.store).drop_claim(claim_id)?;
        Ok(released.released)
    }
}
