//! A change the server refused, moved aside on the device. The device's
//! later attempts were built on top of it (automerge changes depend on the
//! heads they were made at), so the server can never accept them either
//! while it stays in the history. Setting it aside rebuilds the document
//! without it: everything that does not descend from it is kept as is, and
//! this device's own attempts that do are written again as new changes
//! (same attempt ids and content, new hashes). The refused attempt is kept
//! in `refused_attempts`, visible, never silently dropped.

use std::collections::BTreeSet;

use automerge::{ActorId, Automerge, ChangeHash};
use chrono::Utc;
use rusqlite::{TransactionBehavior, params};

use super::document::{attempt_ids, put_attempt, read_attempts, read_attempts_by_id};
use super::persist::{heads_json, replace_index};
use super::{Attempt, Refusal};
use crate::store::{DeviceStore, StoreError};
use crate::sync::step::has_change;

/// An attempt this device recorded that the server did not accept.
#[derive(Debug, Clone, PartialEq)]
pub struct RefusedAttempt {
    pub doc_id: String,
    pub attempt_id: String,
    /// The attempt as recorded, when it was readable.
    pub attempt: Option<Attempt>,
    pub field: String,
    pub rule: String,
    pub reason: String,
    pub refused_at_ms: i64,
}

impl DeviceStore {
    /// Moves a refused change aside and rebuilds the document without it
    /// (see the module comment). Durable when it returns: the new history,
    /// the index and the refused attempt are one `synchronous=FULL`
    /// transaction. Returns how many of this device's attempts were written
    /// again. A refusal naming a change this device does not have is ignored.
    pub fn set_aside_refused(
        &mut self,
        doc_id: &str,
        refusal: &Refusal,
    ) -> Result<usize, StoreError> {
        let Ok(bad) = refusal.change.parse::<ChangeHash>() else {
            return Ok(0);
        };
        let doc = self.document(doc_id)?;
        if !has_change(doc, &bad) {
            return Ok(0);
        }
        let all = doc.get_changes(&[]);
        let mut dropped: BTreeSet<ChangeHash> = BTreeSet::from([bad]);
        for c in &all {
            if c.deps().iter().any(|d| dropped.contains(d)) {
                dropped.insert(c.hash());
            }
        }
        let kept: Vec<_> = all
            .iter()
            .filter(|c| !dropped.contains(&c.hash()))
            .cloned()
            .collect();
        let refused_change = all
            .iter()
            .find(|c| c.hash() == bad)
            .cloned()
            .expect("found above");
        let corrupt = |what: String| StoreError::Corrupt(format!("results for {doc_id}: {what}"));
        // A fresh actor: the dropped changes spent sequence numbers of the old one.
        self.actor = ActorId::random();
        let mut rebuilt = Automerge::new().with_actor(self.actor.clone());
        rebuilt
            .apply_changes(kept)
            .map_err(|e| corrupt(format!("the kept history does not apply ({e})")))?;
        let doc_err = |source| StoreError::Document {
            doc: doc_id.to_string(),
            source,
        };
        let kept_ids = attempt_ids(&rebuilt).map_err(doc_err)?;
        let mut probe = rebuilt.clone();
        let refused_ids: BTreeSet<String> = match probe.apply_changes([refused_change]) {
            Ok(()) => attempt_ids(&probe)
                .map(|ids| ids.difference(&kept_ids).cloned().collect())
                .unwrap_or_default(),
            Err(_) => BTreeSet::new(),
        };
        let old = &self.docs[doc_id];
        let old_ids = attempt_ids(old).map_err(doc_err)?;
        let mut set_aside: Vec<(String, Option<Attempt>)> = Vec::new();
        let mut rewritten = 0;
        for id in old_ids.difference(&kept_ids) {
            let attempt = read_attempts_by_id(old, std::slice::from_ref(id))
                .ok()
                .and_then(|mut a| a.pop());
            match attempt {
                Some(a) if !refused_ids.contains(id) && a.device_id == self.device_id() => {
                    put_attempt(&mut rebuilt, &a).map_err(doc_err)?;
                    rewritten += 1;
                }
                other => set_aside.push((id.clone(), other)),
            }
        }
        if set_aside.is_empty() {
            // The refused change added no attempt (a root or an edit): keep a record of it.
            set_aside.push((refusal.violation.attempt_id.clone(), None));
        }
        let attempts = read_attempts(&rebuilt).map_err(doc_err)?;
        let heads = heads_json(&rebuilt.get_heads());
        let snapshot = rebuilt.save();
        let now = Utc::now().timestamp_millis();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "UPDATE result_docs SET snapshot = ?2, heads = ?3, updated_at_ms = ?4 WHERE doc_id = ?1",
            params![doc_id, snapshot, heads, now],
        )?;
        tx.execute("DELETE FROM result_chunks WHERE doc_id = ?1", [doc_id])?;
        replace_index(&tx, doc_id, &attempts)?;
        for (id, attempt) in &set_aside {
            tx.execute(
                "INSERT OR REPLACE INTO refused_attempts
                     (doc_id, attempt_id, change_hash, body, field, rule, reason, refused_at_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    doc_id,
                    id,
                    format!("{}:{id}", refusal.change),
                    attempt
                        .as_ref()
                        .map(|a| serde_json::to_string(a).expect("attempts serialise")),
                    refusal.violation.field,
                    refusal.violation.rule,
                    refusal.violation.message,
                    now
                ],
            )?;
        }
        tx.execute("DELETE FROM sync_states WHERE doc_id = ?1", [doc_id])?;
        tx.commit()?;
        self.sync_states.retain(|(d, _), _| d != doc_id);
        self.docs.insert(doc_id.to_string(), rebuilt);
        tracing::warn!(doc = doc_id, change = %refusal.change, rule = %refusal.violation.rule, rewritten, "set aside a change the server refused");
        Ok(rewritten)
    }

    /// Attempts the server did not accept, newest first: shown to the
    /// volunteer as "not accepted", with the reason.
    pub fn refused_attempts(&self) -> Result<Vec<RefusedAttempt>, StoreError> {
        let mut st = self.conn.prepare_cached(
            "SELECT doc_id, attempt_id, body, field, rule, reason, refused_at_ms
             FROM refused_attempts ORDER BY refused_at_ms DESC, attempt_id",
        )?;
        let rows = st.query_map([], |r| {
            let body: Option<String> = r.get(2)?;
            Ok(RefusedAttempt {
                doc_id: r.get(0)?,
                attempt_id: r.get(1)?,
                attempt: body.and_then(|b| serde_json::from_str(&b).ok()),
                field: r.get(3)?,
                rule: r.get(4)?,
                reason: r.get(5)?,
                refused_at_ms: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
