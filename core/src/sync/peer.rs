//! Sync state per (document, peer) in the device store, and the device's
//! side of a sync round: the I/O-free step (`step.rs`) with storage around it.

use std::collections::BTreeSet;

use automerge::sync::State;
use automerge::{Automerge, ChangeHash, ReadDoc};
use rusqlite::{OptionalExtension, params};

use super::step::{
    Incoming, MAX_MESSAGE_CHANGE_BYTES, confirmed_only, decode_message, next_message,
    receive_summary, reply_to_device,
};
use crate::results::rules::{Author, UnitData};
use crate::results::{Admission, DocumentError, MergeOutcome, Refusal, admit_changes, heads_json};
use crate::store::{DeviceStore, StoreError};

/// What the server says about the rest of the campaign: (person, final
/// status kind) pairs and refs of wrong numbers.
pub type Suppressions<'a> = (&'a [(String, String)], &'a [String]);

/// What the server's receive path did with one device message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceReceipt {
    pub new_changes: usize,
    pub new_attempts: usize,
    /// The change refused (nothing from it on was stored), and why.
    pub refused: Option<Refusal>,
    /// Changes whose history has not arrived; the device sends them again.
    pub deferred: usize,
}

/// A device's message for one document with the document itself, out of
/// the store: see [`DeviceStore::take_upload`].
pub struct Upload {
    doc_id: String,
    doc: Automerge,
    /// The document's heads when it was taken out.
    base_heads: Vec<ChangeHash>,
    incoming: Incoming,
    /// Actors of the message bound to other devices when it was taken out.
    foreign: BTreeSet<String>,
}

impl Upload {
    /// Judges the changes (`results::admit`). I/O-free: needs no store, so
    /// a server judges one document's upload while the store serves others.
    pub fn judge(mut self, unit: &UnitData, author: &Author, now_ms: i64) -> JudgedUpload {
        let changes = std::mem::take(&mut self.incoming.changes);
        let admission = admit_changes(
            &mut self.doc,
            &self.doc_id,
            changes,
            unit,
            author,
            &self.foreign,
            now_ms,
        );
        JudgedUpload {
            upload: self,
            admission,
        }
    }
}

/// An [`Upload`] after admission, to be stored by
/// [`DeviceStore::put_back_upload`].
pub struct JudgedUpload {
    upload: Upload,
    admission: Admission,
}

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
        let outcome = self.apply_remote(doc_id, true, |doc| {
            doc.apply_changes(changes).map_err(|e| e.to_string())
        });
        let outcome = match outcome {
            Ok(o) => o,
            Err(e) => {
                self.forget_sync_state(doc_id, peer)?;
                return Err(e);
            }
        };
        self.receive_peer_summary(doc_id, peer, incoming.summary)?;
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
    ///
    /// The same as [`DeviceStore::take_upload`], [`Upload::judge`] and
    /// [`DeviceStore::put_back_upload`] in a row; a server that serves
    /// several documents at once judges between the two, without the store.
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
        let upload = self.take_upload(doc_id, incoming, author)?;
        let judged = upload.judge(unit, author, now_ms);
        self.put_back_upload(peer, judged, unit, author, now_ms)
    }

    /// Takes a document out of the store's memory, with a device's decoded
    /// message for it, to be judged without the store ([`Upload::judge`]).
    /// Until [`DeviceStore::put_back_upload`] the store reloads the
    /// document from disk if anything else needs it; put back finds out
    /// whether anything was written meanwhile and judges again if so.
    /// Dropping the upload instead stores nothing of it.
    pub fn take_upload(
        &mut self,
        doc_id: &str,
        incoming: Incoming,
        author: &Author,
    ) -> Result<Upload, StoreError> {
        self.ensure_document(doc_id)?;
        let foreign = self.foreign_actors(incoming.changes.iter(), author)?;
        self.document(doc_id)?;
        let doc = self.docs.remove(doc_id).expect("loaded above");
        Ok(Upload {
            doc_id: doc_id.to_string(),
            base_heads: doc.get_heads(),
            doc,
            incoming,
            foreign,
        })
    }

    /// Actors of `changes`, in hex, already bound to a device other than
    /// the author's: their changes are refused.
    fn foreign_actors<'c>(
        &self,
        changes: impl Iterator<Item = &'c automerge::Change>,
        author: &Author,
    ) -> Result<BTreeSet<String>, StoreError> {
        let actors: BTreeSet<String> = changes.map(|c| c.actor_id().to_hex_string()).collect();
        let mut foreign = BTreeSet::new();
        let mut st = self
            .conn
            .prepare_cached("SELECT device_id FROM actor_devices WHERE actor = ?1")?;
        for a in actors {
            let owner: Option<String> = st.query_row([&a], |r| r.get(0)).optional()?;
            if owner.is_some_and(|o| o != author.device_id) {
                foreign.insert(a);
            }
        }
        Ok(foreign)
    }

    /// Stores what [`Upload::judge`] accepted (one `synchronous=FULL`
    /// transaction, durable when this returns) and takes in the device's
    /// summary. If the document or the binding of the upload's actors
    /// changed on disk since [`DeviceStore::take_upload`] (another request
    /// or process wrote), the accepted changes are judged again here,
    /// against what is stored now.
    pub fn put_back_upload(
        &mut self,
        peer: &str,
        judged: JudgedUpload,
        unit: &UnitData,
        author: &Author,
        now_ms: i64,
    ) -> Result<DeviceReceipt, StoreError> {
        let JudgedUpload {
            upload,
            mut admission,
        } = judged;
        let Upload {
            doc_id,
            doc,
            base_heads,
            incoming,
            foreign,
        } = upload;
        let doc_id = doc_id.as_str();
        let stored_heads: Option<String> = self
            .conn
            .prepare_cached("SELECT heads FROM result_docs WHERE doc_id = ?1")?
            .query_row([doc_id], |r| r.get(0))
            .optional()?;
        let moved = stored_heads.is_none_or(|h| h != heads_json(&base_heads))
            || self.foreign_actors(admission.accepted.iter().map(|(c, _)| c), author)? != foreign;
        if moved {
            // Judged against a copy that is no longer what is stored: the
            // accepted changes are judged again on the stored document. A
            // refusal from the first judgement still ends the batch.
            self.docs.remove(doc_id);
            let accepted_changes: Vec<automerge::Change> = std::mem::take(&mut admission.accepted)
                .into_iter()
                .map(|(c, _)| c)
                .collect();
            let foreign = self.foreign_actors(accepted_changes.iter(), author)?;
            let refused_before = admission.refused.take();
            let doc = self.document(doc_id)?;
            let mut again = admit_changes(
                doc,
                doc_id,
                accepted_changes,
                unit,
                author,
                &foreign,
                now_ms,
            );
            if again.refused.is_none() {
                again.refused = refused_before;
            }
            again.deferred += admission.deferred;
            admission = again;
            if admission.tainted {
                self.docs.remove(doc_id);
            }
        } else if !admission.tainted {
            self.docs.insert(doc_id.to_string(), doc);
        }
        if admission.tainted {
            // Drop the document that saw the refused change; rebuild it from
            // disk plus the accepted changes.
            let doc = self.document(doc_id)?;
            doc.apply_changes(admission.accepted.iter().map(|(c, _)| c.clone()))
                .map_err(|e| {
                    StoreError::Corrupt(format!(
                        "results for {doc_id}: accepted changes no longer apply ({e})"
                    ))
                })?;
        }
        let bindings = admission.actor_bindings(&author.device_id);
        let (changes, attempts): (Vec<_>, Vec<_>) = admission.accepted.into_iter().unzip();
        let attempts: Vec<_> = attempts.into_iter().flatten().collect();
        if !changes.is_empty() {
            self.persist_changes_binding(doc_id, &changes, &attempts, &bindings)?;
            let _ = self.maybe_compact(doc_id);
        }
        self.receive_peer_summary(doc_id, peer, incoming.summary)?;
        Ok(DeviceReceipt {
            new_changes: changes.len(),
            new_attempts: attempts.len(),
            refused: admission.refused,
            deferred: admission.deferred,
        })
    }

    /// Takes in the peer's heads and summary (a message without changes).
    pub(crate) fn receive_peer_summary(
        &mut self,
        doc_id: &str,
        peer: &str,
        summary: automerge::sync::Message,
    ) -> Result<(), StoreError> {
        let mut state = self.sync_state(doc_id, peer)?;
        let doc = self.document(doc_id)?;
        match receive_summary(doc, &mut state, summary) {
            Ok(()) => {
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

    /// The server's reply to a device about one document, from the state
    /// kept with it ([`super::step::reply_to_device`]: the next message and
    /// the heads the device may count as stored; upload-only units get no
    /// changes of anyone else's).
    pub fn reply_to_device(
        &mut self,
        doc_id: &str,
        peer: &str,
        sent: Option<&[u8]>,
        upload_only: bool,
    ) -> Result<(Option<Vec<u8>>, Vec<String>), StoreError> {
        let mut state = self.sync_state(doc_id, peer)?;
        let reply = reply_to_device(self.document(doc_id)?, &mut state, sent, upload_only);
        self.keep_sync_state(doc_id, peer, state);
        Ok(reply)
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
                tx.execute(
                    "INSERT OR REPLACE INTO server_heads (doc_id, heads) VALUES (?1, ?2)",
                    params![
                        doc_id,
                        serde_json::to_string(heads).expect("strings serialise")
                    ],
                )?;
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
            .filter(|h| doc.get_change_by_hash(h).is_some())
            .collect();
        // Every attempt is one change; the shared genesis is not a result.
        Ok(doc
            .get_changes(&known)
            .iter()
            .filter(|c| c.message() != Some("genesis"))
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
        self.ensure_document(doc_id)?;
        let doc = self.document(doc_id)?;
        let reviewed =
            match crate::results::admit_reviewed(doc, doc_id, attempts, unit, author, now_ms)
                .map_err(|source| StoreError::Document {
                    doc: doc_id.to_string(),
                    source,
                })? {
                Ok(r) => r,
                Err(violation) => return Ok(Err(violation)),
            };
        self.docs.insert(doc_id.to_string(), reviewed.doc);
        self.persist_changes_binding(
            doc_id,
            &reviewed.changes,
            &reviewed.attempts,
            &reviewed.bindings,
        )?;
        Ok(Ok(reviewed.attempts.len()))
    }
}
