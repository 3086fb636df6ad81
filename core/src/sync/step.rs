//! The I/O-free sync step: turn a document and a peer's sync state into the
//! next message, and apply a received message durably. The device and the
//! server both run exactly this code; only the transport differs.

use automerge::sync::{Message, State, SyncDoc};
use automerge::{ChangeHash, ReadDoc};
use rusqlite::{OptionalExtension, params};

use crate::results::{DocumentError, MergeOutcome};
use crate::store::{DeviceStore, StoreError};

/// What the server says about the rest of the campaign: (person, final
/// status kind) pairs and refs of wrong numbers.
pub type Suppressions<'a> = (&'a [(String, String)], &'a [String]);

impl DeviceStore {
    fn sync_state(&mut self, doc_id: &str, peer: &str) -> Result<State, StoreError> {
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

    fn keep_sync_state(
        &mut self,
        doc_id: &str,
        peer: &str,
        state: State,
    ) -> Result<(), StoreError> {
        let key = (doc_id.to_string(), peer.to_string());
        self.dirty_sync_states.insert(key.clone());
        self.sync_states.insert(key, state);
        Ok(())
    }

    /// The next sync message for `peer` about `doc_id`, or `None` when there
    /// is nothing to say.
    pub fn generate_sync_message(
        &mut self,
        doc_id: &str,
        peer: &str,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let mut state = self.sync_state(doc_id, peer)?;
        let message = self.document(doc_id)?.generate_sync_message(&mut state);
        self.keep_sync_state(doc_id, peer, state)?;
        Ok(message.map(Message::encode))
    }

    /// Applies a sync message from `peer`. Any changes it carries are written
    /// and fsync'd before this returns. A damaged message resets the sync
    /// state with that peer (the next round starts over) and is an error.
    pub fn receive_sync_message(
        &mut self,
        doc_id: &str,
        peer: &str,
        bytes: &[u8],
    ) -> Result<MergeOutcome, StoreError> {
        let message = match Message::decode(bytes) {
            Ok(m) => m,
            Err(e) => {
                self.forget_sync_state(doc_id, peer)?;
                return Err(StoreError::Document {
                    doc: doc_id.to_string(),
                    source: DocumentError::BadChange(format!("the sync message is damaged ({e})")),
                });
            }
        };
        let mut state = self.sync_state(doc_id, peer)?;
        let outcome = self.apply_remote(doc_id, true, |doc| {
            doc.receive_sync_message(&mut state, message)
                .map_err(|e| e.to_string())
        });
        match outcome {
            Ok(o) => {
                self.keep_sync_state(doc_id, peer, state)?;
                Ok(o)
            }
            Err(e) => {
                self.forget_sync_state(doc_id, peer)?;
                Err(e)
            }
        }
    }

    /// Drops the sync state with a peer, e.g. after a gap or a damaged message.
    pub fn forget_sync_state(&mut self, doc_id: &str, peer: &str) -> Result<(), StoreError> {
        self.sync_states
            .remove(&(doc_id.to_string(), peer.to_string()));
        self.conn.execute(
            "DELETE FROM sync_states WHERE doc_id = ?1 AND peer_id = ?2",
            params![doc_id, peer],
        )?;
        Ok(())
    }

    /// Current heads as hex strings (what the server reports as persisted).
    pub fn heads_hex(&mut self, doc_id: &str) -> Result<Vec<String>, StoreError> {
        let mut h: Vec<String> = self.heads(doc_id)?.iter().map(|h| h.to_string()).collect();
        h.sort();
        Ok(h)
    }

    /// Remembers the heads the server said it has persisted for a document.
    /// Writes the sync states changed since the last flush, in one relaxed
    /// transaction. Called once per request or round, not per document.
    pub fn flush_sync_states(&mut self) -> Result<(), StoreError> {
        self.relaxed(|_| Ok(()))
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
            let stored: Option<String> = self
                .conn
                .query_row(
                    "SELECT heads FROM server_heads WHERE doc_id = ?1",
                    [&doc_id],
                    |r| r.get(0),
                )
                .optional()?;
            let server: Vec<String> = stored
                .and_then(|s| serde_json::from_str(&s).ok())
                .unwrap_or_default();
            let doc = self.document(&doc_id)?;
            let known: Vec<ChangeHash> = server
                .iter()
                .filter_map(|h| h.parse::<ChangeHash>().ok())
                .filter(|h| doc.get_change_by_hash(h).is_some())
                .collect();
            // Every attempt is one change; the shared genesis is not a result.
            total += doc
                .get_changes(&known)
                .iter()
                .filter(|c| c.message() != Some("genesis"))
                .count();
        }
        Ok(total)
    }
}
