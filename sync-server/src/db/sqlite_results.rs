//! Results on the embedded store: one SQLite file per campaign
//! (`campaigns/<id>.db`, a walkbook-core `DeviceStore` holding every
//! document of the campaign), kept open; requests for one campaign take
//! turns on it, except that a sync request judges its uploads (the
//! automerge apply and the rules) with the store free for others, holding
//! only its own documents. Other processes (admin commands) wait on
//! SQLite's lock.
//! A serving process copies committed WAL pages into the campaign files
//! from a background thread (`Checkpoints`), off the requests' path.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use walkbook_core::results::rules::{Author, RuleViolation, UnitData};
use walkbook_core::results::{Attempt, DocumentError};
use walkbook_core::store::{ConflictRow, DeviceStore, StoreError};
use walkbook_core::sync::serve;
use walkbook_core::sync::step::{Incoming, decode_message};

use super::{DbError, DocSync, DocSynced, ResultsStore, UnitStatuses};

/// How long a request waits for a campaign store locked by another process
/// before it is answered 503 (and the client retries).
pub const STORE_BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// How often the serving process's checkpointer copies committed WAL pages
/// into the campaign files.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(250);

/// WAL pages (4 KiB) after which a commit checkpoints by itself when the
/// background checkpointer has not kept up: about 64 MiB.
const CHECKPOINT_BACKSTOP_PAGES: u32 = 16_384;

/// The serving process's background checkpointer: one connection of its
/// own per open campaign file, running passive checkpoints (they never
/// block a writer and never wait for one). Without it, the commit that
/// crosses SQLite's 1,000-page mark copies the WAL into the file while it
/// holds the campaign's lock.
struct Checkpoints {
    files: Mutex<HashMap<String, rusqlite::Connection>>,
}

impl Checkpoints {
    /// Starts the thread; it ends when the returned value is dropped.
    fn start() -> Arc<Checkpoints> {
        let shared = Arc::new(Checkpoints {
            files: Mutex::new(HashMap::new()),
        });
        let weak = Arc::downgrade(&shared);
        let spawned = std::thread::Builder::new()
            .name("wal-checkpoints".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(CHECKPOINT_EVERY);
                    let Some(c) = weak.upgrade() else { break };
                    c.run();
                }
            });
        if let Err(e) = spawned {
            // Commits then checkpoint by themselves at the backstop.
            tracing::warn!("cannot start the WAL checkpointer: {e}");
        }
        shared
    }

    fn watch(&self, campaign_id: &str, path: &Path) {
        match rusqlite::Connection::open(path) {
            Ok(conn) => {
                let mut files = self.files.lock().unwrap_or_else(|p| p.into_inner());
                files.insert(campaign_id.to_string(), conn);
            }
            Err(e) => tracing::warn!(
                campaign = campaign_id,
                "cannot open {} for checkpoints: {e}",
                path.display()
            ),
        }
    }

    fn forget(&self, campaign_id: &str) {
        let mut files = self.files.lock().unwrap_or_else(|p| p.into_inner());
        files.remove(campaign_id);
    }

    fn run(&self) {
        let files = self.files.lock().unwrap_or_else(|p| p.into_inner());
        for (campaign, conn) in files.iter() {
            // A busy file is not an error for a passive checkpoint: it
            // copies what it can and the next round does the rest.
            if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
                tracing::warn!(campaign = %campaign, "WAL checkpoint failed (retried): {e}");
            }
        }
    }
}

/// Page cache per campaign file: a write group of
/// [`GROUP_MAX_MEMBERS`] uploads dirties a few MiB.
const CAMPAIGN_CACHE_KIB: u32 = 64 * 1024;

/// Most sync requests whose writes one commit makes durable together.
const GROUP_MAX_MEMBERS: usize = 32;

/// How long a request whose writes wait in an open group waits before it
/// commits the group itself (the request that should have did not come:
/// a backstop, never the normal path).
const GROUP_WAIT: Duration = Duration::from_millis(50);

/// A campaign's results file, as the serving process shares it: the
/// store, and the write group of the sync requests that have stored their
/// uploads and wait for them to be durable (group commit, ADR 0025).
struct CampaignFile {
    shared: Mutex<Shared>,
    /// Sync requests waiting for `shared` to store what they judged: while
    /// there are any, the request before them leaves the group open.
    writers_waiting: AtomicUsize,
    /// Signalled when a group ends (committed or abandoned).
    group_ended: Condvar,
}

/// What a request holds while it has a campaign's store.
struct Shared {
    store: DeviceStore,
    /// The requests whose writes are in the open group; each learns the
    /// group's outcome here. Never left non-empty with no group open
    /// ([`Shared::check_group`]).
    members: Vec<Arc<OnceLock<Result<(), String>>>>,
}

impl Shared {
    /// Commits the open group and tells its members.
    fn commit_group(&mut self, file: &CampaignFile) {
        let outcome = self.store.commit_group().map_err(|e| e.to_string());
        if let Err(e) = &outcome {
            tracing::error!("a write group failed to commit (its requests are answered 503): {e}");
        }
        self.end_group(file, outcome);
    }

    /// Abandons the open group (nothing of it is stored) and tells its
    /// members why.
    fn fail_group(&mut self, file: &CampaignFile, why: &str) {
        if !self.store.group_open() && self.members.is_empty() {
            return;
        }
        self.store.abandon_group();
        tracing::error!("a write group was abandoned (its requests are answered 503): {why}");
        self.end_group(file, Err(why.to_string()));
    }

    fn end_group(&mut self, file: &CampaignFile, outcome: Result<(), String>) {
        for m in self.members.drain(..) {
            let _ = m.set(outcome.clone());
        }
        file.group_ended.notify_all();
    }

    /// Members whose group's transaction SQLite ended under us (an I/O
    /// error or a full disk in some write) are told it failed, so they are
    /// never counted into a later group.
    fn check_group(&mut self, file: &CampaignFile) {
        if !self.members.is_empty() && !self.store.group_open() {
            self.fail_group(
                file,
                "the write group's transaction was rolled back by SQLite",
            );
        }
    }

    /// Commits the open group, if any, before a write that must be durable
    /// on its own (an organizer's review, a new document).
    fn settle(&mut self, file: &CampaignFile) {
        if self.store.group_open() {
            self.commit_group(file);
        }
    }
}

impl CampaignFile {
    fn enter(&self) -> MutexGuard<'_, Shared> {
        let mut shared = self.shared.lock().unwrap_or_else(|p| p.into_inner());
        shared.check_group(self);
        shared
    }
}

pub struct SqliteResults {
    /// The directory holding one store file per campaign.
    dir: PathBuf,
    /// How long a write waits for another process's lock (`None`: the
    /// store's default, 10 s).
    busy_timeout: Option<std::time::Duration>,
    stores: Mutex<HashMap<String, Arc<CampaignFile>>>,
    /// Serving only: checkpoints off the requests' path.
    checkpoints: Option<Arc<Checkpoints>>,
    /// Documents a sync request is working on: requests for one document
    /// take turns, requests for different documents of a campaign are
    /// judged side by side (only their reads and writes take turns).
    busy: Arc<BusyDocs>,
}

/// (campaign, document) pairs in use by a sync request.
#[derive(Default)]
struct BusyDocs {
    docs: Mutex<HashSet<(String, String)>>,
    freed: Condvar,
}

/// The documents of one sync request, held until dropped.
struct DocsInUse {
    busy: Arc<BusyDocs>,
    held: Vec<(String, String)>,
}

impl BusyDocs {
    /// Waits until none of `doc_ids` is in use, then holds them all (all
    /// at once, so two requests never wait on each other).
    fn hold(self: &Arc<Self>, campaign_id: &str, doc_ids: &[&str]) -> DocsInUse {
        let held: Vec<(String, String)> = doc_ids
            .iter()
            .map(|d| (campaign_id.to_string(), d.to_string()))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let mut docs = self.docs.lock().unwrap_or_else(|p| p.into_inner());
        while held.iter().any(|k| docs.contains(k)) {
            docs = self.freed.wait(docs).unwrap_or_else(|p| p.into_inner());
        }
        docs.extend(held.iter().cloned());
        DocsInUse {
            busy: self.clone(),
            held,
        }
    }
}

impl Drop for DocsInUse {
    fn drop(&mut self) {
        let mut docs = self.busy.docs.lock().unwrap_or_else(|p| p.into_inner());
        for k in &self.held {
            docs.remove(k);
        }
        self.busy.freed.notify_all();
    }
}

/// A campaign's results file in `dir`.
pub fn store_path(dir: &Path, campaign_id: &str) -> PathBuf {
    // New campaign ids are already file-safe (`check_campaign_id`); this
    // keeps ids of campaigns created before that rule tame too.
    let safe: String = campaign_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    dir.join(format!("{safe}.db"))
}

impl SqliteResults {
    /// Results files live in `dir` (`<data dir>/campaigns`).
    pub fn new(dir: PathBuf, busy_timeout: Option<std::time::Duration>) -> Self {
        SqliteResults {
            dir,
            busy_timeout,
            stores: Mutex::new(HashMap::new()),
            checkpoints: None,
            busy: Arc::default(),
        }
    }

    /// For a serving process: WAL checkpoints run on a background thread
    /// instead of inside the commit that crosses SQLite's threshold.
    pub fn serving(dir: PathBuf, busy_timeout: Option<std::time::Duration>) -> Self {
        SqliteResults {
            checkpoints: Some(Checkpoints::start()),
            ..Self::new(dir, busy_timeout)
        }
    }

    fn file(&self, campaign_id: &str) -> Result<Arc<CampaignFile>, DbError> {
        let mut stores = self.stores.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(s) = stores.get(campaign_id) {
            return Ok(s.clone());
        }
        std::fs::create_dir_all(&self.dir)
            .map_err(|e| DbError::Invalid(format!("cannot create {}: {e}", self.dir.display())))?;
        let path = store_path(&self.dir, campaign_id);
        let store = DeviceStore::open(&path, None)?;
        if let Some(t) = self.busy_timeout {
            store.set_busy_timeout(t)?;
        }
        store.set_cache_kib(CAMPAIGN_CACHE_KIB)?;
        if let Some(c) = &self.checkpoints {
            store.defer_checkpoints(CHECKPOINT_BACKSTOP_PAGES)?;
            c.watch(campaign_id, &path);
        }
        let file = Arc::new(CampaignFile {
            shared: Mutex::new(Shared {
                store,
                members: Vec::new(),
            }),
            writers_waiting: AtomicUsize::new(0),
            group_ended: Condvar::new(),
        });
        stores.insert(campaign_id.to_string(), file.clone());
        Ok(file)
    }

    /// Runs `f` on the campaign's store. Reads see the writes of an open
    /// group (stored, durable within milliseconds, gone only if its commit
    /// fails).
    fn with<T>(
        &self,
        campaign_id: &str,
        f: impl FnOnce(&mut DeviceStore) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        let file = self.file(campaign_id)?;
        let mut shared = file.enter();
        let out = f(&mut shared.store);
        shared.check_group(&file);
        out
    }

    /// [`Self::with`] for a write that is durable on its own: the open
    /// group is committed first.
    fn with_write<T>(
        &self,
        campaign_id: &str,
        f: impl FnOnce(&mut DeviceStore) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        let file = self.file(campaign_id)?;
        let mut shared = file.enter();
        shared.settle(&file);
        f(&mut shared.store)
    }
}

impl ResultsStore for SqliteResults {
    fn drop_campaign(&self, campaign_id: &str) -> Result<(), DbError> {
        let mut stores = self.stores.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(file) = stores.remove(campaign_id) {
            // Requests waiting on its group learn how it ended.
            file.enter().settle(&file);
        }
        if let Some(c) = &self.checkpoints {
            c.forget(campaign_id);
        }
        let path = store_path(&self.dir, campaign_id);
        for suffix in ["", "-wal", "-shm"] {
            let mut p = path.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(p);
        }
        Ok(())
    }

    fn ensure_documents(&self, campaign_id: &str, doc_ids: &[String]) -> Result<(), DbError> {
        self.with_write(campaign_id, |s| {
            for d in doc_ids {
                s.ensure_document(d)?;
            }
            Ok(())
        })
    }

    fn sync_documents(
        &self,
        campaign_id: &str,
        author: &Author,
        docs: &[DocSync<'_>],
        now_ms: i64,
    ) -> Result<Vec<DocSynced>, DbError> {
        let peer = author.device_id.as_str();
        // Decoding needs no store.
        let incoming: Vec<Option<Result<Incoming, DocumentError>>> =
            docs.iter().map(|d| d.message.map(decode_message)).collect();
        let doc_ids: Vec<&str> = docs.iter().map(|d| d.doc_id).collect();
        let _in_use = self.busy.hold(campaign_id, &doc_ids);
        let file = self.file(campaign_id)?;
        // 1. Under the campaign's lock: each uploaded document out of the
        //    store (reloaded first if another process wrote the file).
        let mut uploads = Vec::with_capacity(docs.len());
        {
            let mut shared = file.enter();
            let taken = (|| -> Result<(), DbError> {
                for (d, incoming) in docs.iter().zip(incoming) {
                    uploads.push(match incoming {
                        None => None,
                        Some(Ok(incoming)) => Some(serve::take_upload(
                            &mut shared.store,
                            d.doc_id,
                            incoming,
                            author,
                        )?),
                        Some(Err(source)) => {
                            shared.store.forget_sync_state(d.doc_id, peer)?;
                            return Err(StoreError::Document {
                                doc: d.doc_id.to_string(),
                                source,
                            }
                            .into());
                        }
                    });
                }
                Ok(())
            })();
            if taken.is_err() {
                shared.check_group(&file);
            }
            taken?;
        }
        // 2. Without it: admission (automerge apply + the rules), the bulk
        //    of the work, while other requests use the store.
        let judged: Vec<_> = uploads
            .into_iter()
            .zip(docs)
            .map(|(u, d)| u.map(|u| u.judge(d.unit, author, now_ms)))
            .collect();
        // 3. Under the lock again: what was accepted is written and the
        //    replies are made, in the campaign's write group; the group is
        //    committed (synchronous=FULL) by the last request in line, so
        //    uploads that arrive together share one commit. Nothing is
        //    answered before its group is durable.
        file.writers_waiting.fetch_add(1, Ordering::SeqCst);
        let mut shared = file.enter();
        file.writers_waiting.fetch_sub(1, Ordering::SeqCst);
        // The outer error is the store's: the group is abandoned. The inner
        // one is the device's damaged summary: what it uploaded is kept and
        // committed with the group, and the request then fails with it.
        let written = (|| -> Result<Result<Vec<DocSynced>, StoreError>, DbError> {
            if !shared.store.group_open() {
                shared.store.begin_group()?;
            }
            let store = &mut shared.store;
            let mut out = Vec::with_capacity(docs.len());
            for (d, j) in docs.iter().zip(judged) {
                let (receipt, summary) = match j {
                    None => (None, None),
                    Some(j) => {
                        let (r, summary) =
                            serve::put_back_upload(store, j, d.unit, author, now_ms)?;
                        (Some(r), Some(summary))
                    }
                };
                let (message, persisted_heads) = match serve::answer_device(
                    store,
                    d.doc_id,
                    peer,
                    summary,
                    d.message,
                    d.upload_only,
                )? {
                    Ok(answer) => answer,
                    Err(damaged) => return Ok(Err(damaged)),
                };
                out.push(DocSynced {
                    doc_id: d.doc_id.to_string(),
                    message,
                    persisted_heads,
                    new_changes: receipt.as_ref().map_or(0, |r| r.new_changes),
                    new_attempts: receipt.as_ref().map_or(0, |r| r.new_attempts),
                    refused: receipt.and_then(|r| r.refused),
                });
            }
            Ok(Ok(out))
        })();
        let out = match written {
            Ok(out) => out,
            Err(e) => {
                // What this request wrote into the group cannot be taken
                // out alone: the group is abandoned and its requests retry.
                shared.fail_group(&file, &format!("a request's write failed: {e}"));
                return Err(e);
            }
        };
        let mine = Arc::new(OnceLock::new());
        shared.members.push(mine.clone());
        if file.writers_waiting.load(Ordering::SeqCst) == 0
            || shared.members.len() >= GROUP_MAX_MEMBERS
        {
            shared.commit_group(&file);
        }
        let outcome = loop {
            if let Some(outcome) = mine.get() {
                break outcome.clone();
            }
            let (again, waited) = file
                .group_ended
                .wait_timeout(shared, GROUP_WAIT)
                .unwrap_or_else(|p| p.into_inner());
            shared = again;
            shared.check_group(&file);
            if mine.get().is_none() && waited.timed_out() {
                shared.commit_group(&file);
            }
        };
        drop(shared);
        outcome.map_err(|why| {
            DbError::Unavailable(format!(
                "storing this upload failed along with the others committed with it ({why}); nothing of it was stored"
            ))
        })?;
        Ok(out?)
    }

    fn append_reviewed(
        &self,
        campaign_id: &str,
        author: &Author,
        doc_id: &str,
        unit: &UnitData,
        attempts: &[Attempt],
        now_ms: i64,
    ) -> Result<Result<usize, RuleViolation>, DbError> {
        self.with_write(campaign_id, |s| {
            Ok(serve::append_reviewed(
                s, doc_id, attempts, unit, author, now_ms,
            )?)
        })
    }

    fn document_revisions(&self, campaign_id: &str) -> Result<Vec<(String, String)>, DbError> {
        self.with(campaign_id, |s| Ok(s.document_revisions()?))
    }

    fn attempts_of(
        &self,
        campaign_id: &str,
        doc_ids: &[String],
    ) -> Result<Vec<(String, Vec<Attempt>)>, DbError> {
        self.with(campaign_id, |s| Ok(s.attempts_of_docs(doc_ids)?))
    }

    fn heads(&self, campaign_id: &str, doc_id: &str) -> Result<Vec<String>, DbError> {
        self.with(campaign_id, |s| {
            s.forget_if_stale(doc_id)?;
            Ok(s.heads_hex(doc_id)?)
        })
    }

    fn has_synced(
        &self,
        campaign_id: &str,
        doc_id: &str,
        device_id: &str,
    ) -> Result<bool, DbError> {
        self.with(campaign_id, |s| Ok(s.has_sync_state(doc_id, device_id)?))
    }

    fn final_statuses_of(
        &self,
        campaign_id: &str,
        people: &HashSet<String>,
    ) -> Result<Vec<(String, String)>, DbError> {
        self.with(campaign_id, |s| Ok(s.final_statuses_of(people)?))
    }

    fn wrong_number_refs_of(
        &self,
        campaign_id: &str,
        people: &HashSet<String>,
    ) -> Result<Vec<String>, DbError> {
        self.with(campaign_id, |s| Ok(s.wrong_number_refs_of(people)?))
    }

    fn unit_attempts(&self, campaign_id: &str) -> Result<Vec<(String, Vec<Attempt>)>, DbError> {
        self.with(campaign_id, |s| Ok(s.attempts_by_doc()?))
    }

    fn status_counts(&self, campaign_id: &str) -> Result<BTreeMap<String, u64>, DbError> {
        self.with(campaign_id, |s| Ok(s.status_counts()?))
    }

    fn answer_tallies(
        &self,
        campaign_id: &str,
    ) -> Result<BTreeMap<String, BTreeMap<String, u64>>, DbError> {
        self.with(campaign_id, |s| Ok(s.answer_tallies()?))
    }

    fn conflicts(&self, campaign_id: &str) -> Result<Vec<ConflictRow>, DbError> {
        self.with(campaign_id, |s| Ok(s.conflicts()?))
    }

    fn unit_statuses(&self, campaign_id: &str, doc_id: &str) -> Result<UnitStatuses, DbError> {
        self.with(campaign_id, |s| {
            let (people, households) = s.unit_statuses(doc_id)?;
            Ok(UnitStatuses { people, households })
        })
    }
}
