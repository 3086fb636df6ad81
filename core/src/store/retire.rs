//! Expiring data: when an assignment expires or is taken away, its
//! reference data and its results leave the phone. Results the server has
//! not confirmed stay ("waiting to upload") until a sync confirms them.
//!
//! Durability: each call commits one `synchronous=FULL` transaction; what
//! it deleted is overwritten on disk (`secure_delete`), not left in free
//! pages.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use rusqlite::TransactionBehavior;

use super::{DeviceStore, StoreError};

/// How long past its expiry an assignment stays on a phone that has not
/// synced (a shift that runs late, a phone that was off).
pub const EXPIRY_GRACE_MS: i64 = 12 * 3600 * 1000;

/// What retiring assignments did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Retired {
    /// Assignments whose reference data was deleted.
    pub assignments: Vec<String>,
    /// Results documents deleted: every result in them was on the server.
    pub documents_wiped: Vec<String>,
    /// Results of retired assignments kept because the server has not
    /// confirmed them yet.
    pub waiting_to_upload: usize,
}

impl DeviceStore {
    /// Deletes assignments (their packets and every reference row, in one
    /// transaction), then every results document left without an
    /// assignment whose results are all on the server.
    pub fn retire_assignments(&mut self, ids: &[String]) -> Result<Retired, StoreError> {
        let mut retired = Retired::default();
        if !ids.is_empty() {
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            for id in ids {
                if tx.execute("DELETE FROM packets WHERE assignment_id = ?1", [id])? > 0 {
                    retired.assignments.push(id.clone());
                }
            }
            tx.commit()?;
            *self.cache() = Default::default();
        }
        retired.documents_wiped = self.purge_uploaded()?;
        retired.waiting_to_upload = self.waiting_to_upload()?;
        Ok(retired)
    }

    /// The offline timer: retires every assignment past its expiry plus
    /// [`EXPIRY_GRACE_MS`] at `now`.
    pub fn retire_expired(&mut self, now: DateTime<Utc>) -> Result<Retired, StoreError> {
        let expired: Vec<String> = self
            .assignments()?
            .into_iter()
            .filter(|a| {
                a.assignment.expires_at.timestamp_millis() + EXPIRY_GRACE_MS
                    < now.timestamp_millis()
            })
            .map(|a| a.assignment.id)
            .collect();
        self.retire_assignments(&expired)
    }

    /// Retires every installed assignment the server no longer lists for
    /// this device (expired or taken away).
    pub fn retire_all_but(&mut self, live: &HashSet<String>) -> Result<Retired, StoreError> {
        let gone: Vec<String> = self
            .assignments()?
            .into_iter()
            .map(|a| a.assignment.id)
            .filter(|id| !live.contains(id))
            .collect();
        self.retire_assignments(&gone)
    }

    /// Results documents whose unit no longer has an assignment here.
    pub fn retired_documents(&self) -> Result<Vec<String>, StoreError> {
        let mut st = self.conn.prepare_cached(
            "SELECT doc_id FROM result_docs WHERE doc_id NOT IN (
                 SELECT CASE kind WHEN 'turf' THEN 'turf:' ELSE 'calls:' END || unit_id FROM packets)
             ORDER BY doc_id",
        )?;
        let rows = st.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Results on retired assignments the server has not confirmed: what the
    /// app shows as "waiting to upload".
    pub fn waiting_to_upload(&mut self) -> Result<usize, StoreError> {
        let mut total = 0;
        for doc_id in self.retired_documents()? {
            total += self.pending_in(&doc_id)?;
        }
        Ok(total)
    }

    /// Deletes every retired document whose results are all on the server
    /// (with its index rows, sync states and set-aside refusals: a refused
    /// attempt can never be uploaded). Returns the documents deleted.
    pub fn purge_uploaded(&mut self) -> Result<Vec<String>, StoreError> {
        let mut done = Vec::new();
        for doc_id in self.retired_documents()? {
            if self.pending_in(&doc_id)? == 0 {
                done.push(doc_id);
            }
        }
        if done.is_empty() {
            return Ok(done);
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        for doc_id in &done {
            // result_docs cascades to chunks, attempts and status rows.
            for table in [
                "result_docs",
                "sync_states",
                "server_heads",
                "refused_attempts",
            ] {
                tx.execute(&format!("DELETE FROM {table} WHERE doc_id = ?1"), [doc_id])?;
            }
        }
        tx.commit()?;
        for doc_id in &done {
            self.docs.remove(doc_id);
            self.sync_states.retain(|(d, _), _| d != doc_id);
            self.dirty_sync_states.retain(|(d, _)| d != doc_id);
        }
        Ok(done)
    }
}
