//! Sync state per (document, peer) in the device store, and the device's
//! side of a sync round: the I/O-free step (`step.rs`) with storage around it.

use std::collections::BTreeSet;

use automerge::sync::State;
use automerge::{Automerge, Change, ChangeHash};
use rusqlite::{OptionalExtension, params};

use super::serve::{self, DeviceReceipt, ResultsStorage};
use super::step::{
    MAX_MESSAGE_CHANGE_BYTES, confirmed_only, decode_message, has_change, next_message,
    receive_summary,
};
use crate::results::rules::{Author, UnitData};
use crate::results::{Attempt, COMPACT_AFTER_CHUNKS, DocumentError, MergeOutcome};
use crate::store::{DeviceStore, StoreError};

/// What the server says about the rest of the campaign: (person, final
/// status kind) pairs and refs of wrong numbers.
pub type Suppressions<'a> = (&'a [(String, String)], &'a [String]);

impl DeviceStore {
    pub(crate) fn sync_state(&mut self, doc_id: &str, peer: &str) -> Result<State, StoreError> {
        let key = (doc_id.to_string(), peer.to_string());
        if let Some(s) = self.sync_states.remove(&key) {
            return Ok(s);
        }
        let stored: Option<Vec<u8>> = self
            .conn
            .query_row(
                "SELECT state FROM sync_states WHERE doc_id = ?1 AND peer_id = ?2",
                params![doc_id, peer],
                |r| r.get(0),
            )
            .optional()?;
        // A state that does not decode is only an optimisation lost: start over.
        Ok(stored
            .and_then(|b| State::decode(&b).ok())
            .unwrap_or_default())
    }

    pub(crate) fn keep_sync_state(&mut self, doc_id: &str, peer: &str, state: State) {
        let key = (doc_id.to_string(), peer.to_string());
        self.dirty_sync_states.insert(key.clone());
        self.sync_states.insert(key, state);
    }

    /// Starts a new session with `peer` on `doc_id`: of the state kept in
    /// memory only the heads both sides confirmed survive (what is stored on
    /// disk never holds more). The server calls this for every request.
    pub fn begin_sync_session(&mut self, doc_id: &str, peer: &str) -> Result<(), StoreError> {
        let state = self.sync_state(doc_id, peer)?;
        // Not marked dirty: the stored form is the shared heads, unchanged.
        self.sync_states.insert(
            (doc_id.to_string(), peer.to_string()),
            confirmed_only(&state),
        );
        Ok(())
    }

    /// The next sync message for `peer` about `doc_id`, or `None` when there
    /// is nothing to say.
    pub fn generate_sync_message(
        &mut self,
        doc_id: &str,
        peer: &str,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        self.generate_sync_message_with(doc_id, peer, &[])
    }

    /// The next message for the server this device syncs with: the heads
    /// the server last confirmed as persisted are known to be there, so
    /// even the first message of a session carries what the server lacks.
    pub fn generate_server_sync_message(
        &mut self,
        doc_id: &str,
        peer: &str,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let confirmed: Vec<ChangeHash> = self
            .confirmed_server_heads(doc_id)?
            .iter()
            .filter_map(|h| h.parse().ok())
            .collect();
        self.generate_sync_message_with(doc_id, peer, &confirmed)
    }

    fn generate_sync_message_with(
        &mut self,
        doc_id: &str,
        peer: &str,
        peer_known: &[ChangeHash],
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let mut state = self.sync_state(doc_id, peer)?;
        let message = next_message(
            self.document(doc_id)?,
            &mut state,
            peer_known,
            MAX_MESSAGE_CHANGE_BYTES,
        );
        self.keep_sync_state(doc_id, peer, state);
        Ok(message.map(|m| m.encode()))
    }

    /// Applies a sync message from `peer`. Any changes it carries are written
    /// and fsync'd before this returns; changes whose history has not arrived
    /// yet wait in memory for a later round. A damaged message resets the
    /// sync state with that peer (the next round starts over) and is an error.
    pub fn receive_sync_message(
        &mut self,
        doc_id: &str,
        peer: &str,
        bytes: &[u8],
    ) -> Result<MergeOutcome, StoreError> {
        let doc_err = |source: DocumentError| StoreError::Document {
            doc: doc_id.to_string(),
            source,
        };
        let incoming = match decode_message(bytes) {
            Ok(m) => m,
            Err(e) => {
                self.forget_sync_state(doc_id, peer)?;
                return Err(doc_err(e));
            }
        };
        let changes = incoming.changes;
        let carried_changes = !changes.is_empty();
        let outcome = self.apply_remote(doc_id, true, changes);
        let outcome = match outcome {
            Ok(o) => o,
            Err(e) => {
                self.forget_sync_state(doc_id, peer)?;
                return Err(e);
            }
        };
        self.receive_peer_summary(doc_id, peer, incoming.summary, carried_changes)?;
        Ok(outcome)
    }

    /// Makes sure a unit's document exists with its canonical genesis
    /// change, written durably. The server calls this before it accepts
    /// anything for a unit, so no device ever creates a root.
    pub fn ensure_document(&mut self, doc_id: &str) -> Result<(), StoreError> {
        let doc = self.document(doc_id)?;
        let before = doc.get_heads();
        if let Err(source) = crate::results::init_document(doc, doc_id) {
            self.docs.remove(doc_id);
            return Err(StoreError::Document {
                doc: doc_id.to_string(),
                source,
            });
        }
        if self.docs[doc_id].get_heads() != before {
            self.persist(doc_id, &before, &[])?;
        }
        Ok(())
    }

    /// The server's receive path: a sync message from an authenticated
    /// device, judged change by change (`results::admit`) before anything
    /// is stored. Accepted changes and their index rows are written in one
    /// `synchronous=FULL` transaction before this returns; a refused change
    /// and everything after it is not stored, and the refusal says why.
    /// The device's summary is taken in for the next message to it.
    ///
    /// `serve::take_upload`, `Upload::judge` and `serve::put_back_upload`
    /// in a row; a server that serves several documents at once judges
    /// between them, without the store.
    pub fn receive_device_message(
        &mut self,
        doc_id: &str,
        peer: &str,
        bytes: &[u8],
        unit: &UnitData,
        author: &Author,
        now_ms: i64,
    ) -> Result<DeviceReceipt, StoreError> {
        let incoming = match decode_message(bytes) {
            Ok(m) => m,
            Err(source) => {
                self.forget_sync_state(doc_id, peer)?;
                return Err(StoreError::Document {
                    doc: doc_id.to_string(),
                    source,
                });
            }
        };
        let upload = serve::take_upload(self, doc_id, incoming, author)?;
        let judged = upload.judge(unit, author, now_ms);
        let (receipt, summary) = serve::put_back_upload(self, judged, unit, author, now_ms)?;
        // The server's way: devices learn what is stored from the heads it
        // reports, not from its next message (`serve::answer_device`).
        self.receive_peer_summary(doc_id, peer, summary, false)?;
        Ok(receipt)
    }

    /// Takes in the peer's heads and summary (a message without changes;
    /// `carried_changes`: the message had changes, applied just before).
    pub(crate) fn receive_peer_summary(
        &mut self,
        doc_id: &str,
        peer: &str,
        summary: automerge::sync::Message,
        carried_changes: bool,
    ) -> Result<(), StoreError> {
        let mut state = self.sync_state(doc_id, peer)?;
        let last_sent = state.last_sent_heads.clone();
        let doc = self.document(doc_id)?;
        match receive_summary(doc, &mut state, summary) {
            Ok(()) => {
                if carried_changes {
                    // Automerge, handed a message without changes whose
                    // heads equal ours, takes those heads as already sent to
                    // the peer and then stays silent. The changes were
                    // applied just before, so the equality only means we
                    // caught up: the peer has not heard our heads, and
                    // without a reply it resends everything every round.
                    // (Given the whole message, automerge infers nothing.)
                    state.last_sent_heads = last_sent;
                }
                self.keep_sync_state(doc_id, peer, state);
                Ok(())
            }
            Err(source) => {
                self.forget_sync_state(doc_id, peer)?;
                Err(StoreError::Document {
                    doc: doc_id.to_string(),
                    source,
                })
            }
        }
    }

    /// Drops the sync state with a peer, e.g. after a gap or a damaged message.
    pub fn forget_sync_state(&mut self, doc_id: &str, peer: &str) -> Result<(), StoreError> {
        self.sync_states
            .remove(&(doc_id.to_string(), peer.to_string()));
        self.dirty_sync_states
            .remove(&(doc_id.to_string(), peer.to_string()));
        self.conn.execute(
            "DELETE FROM sync_states WHERE doc_id = ?1 AND peer_id = ?2",
            params![doc_id, peer],
        )?;
        Ok(())
    }

    /// Whether a sync state with `peer` was ever stored for `doc_id` (the
    /// server: this device synced the document before).
    pub fn has_sync_state(&self, doc_id: &str, peer: &str) -> Result<bool, StoreError> {
        if self
            .sync_states
            .contains_key(&(doc_id.to_string(), peer.to_string()))
        {
            return Ok(true);
        }
        Ok(self
            .conn
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM sync_states WHERE doc_id = ?1 AND peer_id = ?2)",
            )?
            .query_row(params![doc_id, peer], |r| r.get(0))?)
    }

    /// Current heads as hex strings (what the server reports as persisted).
    pub fn heads_hex(&mut self, doc_id: &str) -> Result<Vec<String>, StoreError> {
        let mut h: Vec<String> = self.heads(doc_id)?.iter().map(|h| h.to_string()).collect();
        h.sort();
        Ok(h)
    }

    /// Writes the sync states changed since the last flush, in one relaxed
    /// transaction. Called once per request or round, not per document.
    pub fn flush_sync_states(&mut self) -> Result<(), StoreError> {
        if self.group_open() {
            // Written with the group, by `commit_group`.
            return Ok(());
        }
        self.relaxed(|_| Ok(()))
    }

    /// The heads the server last said it has persisted for a document.
    pub fn confirmed_server_heads(&self, doc_id: &str) -> Result<Vec<String>, StoreError> {
        let stored: Option<String> = self
            .conn
            .query_row(
                "SELECT heads FROM server_heads WHERE doc_id = ?1",
                [doc_id],
                |r| r.get(0),
            )
            .optional()?;
        Ok(stored
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default())
    }

    /// Ends a round on the device: the heads the server confirmed, what it
    /// said about the rest of the campaign, and the sync states, in one write.
    pub fn finish_sync_round(
        &mut self,
        server_heads: &[(String, Vec<String>)],
        suppressions: Option<Suppressions<'_>>,
    ) -> Result<(), StoreError> {
        self.relaxed(|tx| {
            for (doc_id, heads) in server_heads {
                tx.prepare_cached(
                    "INSERT OR REPLACE INTO server_heads (doc_id, heads) VALUES (?1, ?2)",
                )?
                .execute(params![
                    doc_id,
                    serde_json::to_string(heads).expect("strings serialise")
                ])?;
            }
            if let Some((people, bad)) = suppressions {
                crate::store::write_suppressions(tx, people, bad)?;
            }
            Ok(())
        })
    }

    /// Results recorded here (or received from elsewhere) that the server
    /// has not confirmed as persisted: "N results not yet on the server".
    pub fn pending_upload_count(&mut self) -> Result<usize, StoreError> {
        let mut total = 0;
        for doc_id in self.result_doc_ids()? {
            total += self.pending_in(&doc_id)?;
        }
        Ok(total)
    }

    /// [`Self::pending_upload_count`] for one document.
    pub(crate) fn pending_in(&mut self, doc_id: &str) -> Result<usize, StoreError> {
        let server = self.confirmed_server_heads(doc_id)?;
        let doc = self.document(doc_id)?;
        let known: Vec<ChangeHash> = server
            .iter()
            .filter_map(|h| h.parse::<ChangeHash>().ok())
            .filter(|h| has_change(doc, h))
            .collect();
        // Every attempt is one change; the shared genesis is not a result.
        // Counted from the change graph (no change is rebuilt).
        Ok(doc
            .get_changes_meta(&known)
            .iter()
            .filter(|c| c.message.as_deref() != Some("genesis"))
            .count())
    }

    /// Writes attempts made here by an organizer (review actions) into a
    /// document, one change each, judged by the same admission as a
    /// device's changes. All or nothing: a refused attempt leaves the
    /// document as it was (the violation is the inner error); otherwise
    /// everything is durable (`synchronous=FULL`) when this returns.
    /// Returns how many attempts were written.
    #[cfg(feature = "organizer")]
    pub fn append_reviewed(
        &mut self,
        doc_id: &str,
        attempts: &[crate::results::Attempt],
        unit: &UnitData,
        author: &Author,
        now_ms: i64,
    ) -> Result<Result<usize, crate::results::rules::RuleViolation>, StoreError> {
        serve::append_reviewed(self, doc_id, attempts, unit, author, now_ms)
    }
}

/// The device store as a home for results documents: the embedded server
/// keeps a campaign's documents in one, and judges uploads through it
/// (`serve`). Documents are cached in memory; every append is one
/// `synchronous=FULL` transaction, or part of the open write group's
/// (durable when the group commits, [`DeviceStore::begin_group`]); sync
/// states are kept in memory and written by
/// [`DeviceStore::flush_sync_states`] or with the group.
impl ResultsStorage for DeviceStore {
    type Error = StoreError;

    fn take_document(&mut self, doc_id: &str) -> Result<Automerge, StoreError> {
        // Another process may have written the file since it was loaded.
        self.forget_if_stale(doc_id)?;
        self.ensure_document(doc_id)?;
        self.document(doc_id)?;
        Ok(self.docs.remove(doc_id).expect("loaded above"))
    }

    fn put_document(&mut self, doc_id: &str, doc: Automerge) {
        self.docs.insert(doc_id.to_string(), doc);
    }

    fn stored_heads(&mut self, doc_id: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT heads FROM result_docs WHERE doc_id = ?1")?
            .query_row([doc_id], |r| r.get(0))
            .optional()?)
    }

    fn actors_bound_elsewhere(
        &mut self,
        actors: &BTreeSet<String>,
        device_id: &str,
    ) -> Result<BTreeSet<String>, StoreError> {
        let mut foreign = BTreeSet::new();
        let mut st = self
            .conn
            .prepare_cached("SELECT device_id FROM actor_devices WHERE actor = ?1")?;
        for a in actors {
            let owner: Option<String> = st.query_row([a], |r| r.get(0)).optional()?;
            if owner.is_some_and(|o| o != device_id) {
                foreign.insert(a.clone());
            }
        }
        Ok(foreign)
    }

    fn append(
        &mut self,
        doc_id: &str,
        doc: &Automerge,
        changes: &[Change],
        attempts: &[Attempt],
        bindings: &[(String, String)],
    ) -> Result<(), StoreError> {
        self.write_changes(doc_id, &doc.get_heads(), changes, attempts, bindings)?;
        if self.chunk_count(doc_id)? >= COMPACT_AFTER_CHUNKS {
            // A failed compaction leaves the chunks: nothing is lost.
            let _ = self.write_snapshot(doc_id, doc);
        }
        Ok(())
    }

    fn confirmed_sync_state(&mut self, doc_id: &str, peer: &str) -> Result<State, StoreError> {
        Ok(confirmed_only(&self.sync_state(doc_id, peer)?))
    }

    fn keep_sync_state(
        &mut self,
        doc_id: &str,
        peer: &str,
        state: State,
    ) -> Result<(), StoreError> {
        DeviceStore::keep_sync_state(self, doc_id, peer, state);
        Ok(())
    }

    fn forget_sync_state(&mut self, doc_id: &str, peer: &str) -> Result<(), StoreError> {
        DeviceStore::forget_sync_state(self, doc_id, peer)
    }
}
