//! Storing results documents: incremental change chunks keyed by hash, a
//! snapshot after compaction, stored heads checked on every load, and the
//! index tables updated in the same transaction as the chunks.

use std::collections::{BTreeMap, BTreeSet};

use automerge::{Automerge, Change, ChangeHash, LoadOptions, OnPartialLoad, ReadDoc};
use chrono::Utc;
use rusqlite::{Connection, OptionalExtension, params};

use super::document::{
    check_root, index_body, read_attempts, read_attempts_by_id, read_index_body, split_changes,
};
use super::status::{derive_household, derive_status};
use super::{Attempt, DocumentError};
use crate::store::{DeviceStore, StoreError, WriteTx};

/// Compact a document once this many change chunks have piled up.
pub const COMPACT_AFTER_CHUNKS: i64 = 256;

/// What `merge_remote_changes` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeOutcome {
    /// Changes that were new to this replica (0 when the bytes were already applied).
    pub new_changes: usize,
    /// Attempts that were new to this replica.
    pub new_attempts: usize,
}

/// Heads as stored in `result_docs.heads`: sorted hex hashes, as JSON (the
/// same form in every home, so stores compare and migrate one to one).
pub fn heads_json(heads: &[ChangeHash]) -> String {
    let mut hex: Vec<String> = heads.iter().map(|h| h.to_string()).collect();
    hex.sort();
    serde_json::to_string(&hex).expect("strings serialise")
}

fn doc_err(doc: &str) -> impl Fn(DocumentError) -> StoreError + '_ {
    move |source| StoreError::Document {
        doc: doc.to_string(),
        source,
    }
}

impl DeviceStore {
    /// The unit's document, loaded from disk on first use and checked
    /// against the heads stored with the last write.
    pub(crate) fn document(&mut self, doc_id: &str) -> Result<&mut Automerge, StoreError> {
        if !self.docs.contains_key(doc_id) {
            let doc = self.load_document(doc_id)?;
            self.docs.insert(doc_id.to_string(), doc);
        }
        Ok(self.docs.get_mut(doc_id).expect("inserted above"))
    }

    /// Drops the in-memory copy of a document when the store holds other
    /// heads than it (another process wrote to this file since it was
    /// loaded), so the next use reloads it. Returns whether it was stale.
    /// The server calls this before every sync of a document; a phone is
    /// the only writer of its store and does not need to.
    pub fn forget_if_stale(&mut self, doc_id: &str) -> Result<bool, StoreError> {
        let Some(doc) = self.docs.get(doc_id) else {
            return Ok(false);
        };
        let stored: Option<String> = self
            .conn
            .prepare_cached("SELECT heads FROM result_docs WHERE doc_id = ?1")?
            .query_row([doc_id], |r| r.get(0))
            .optional()?;
        let stale = stored.is_some_and(|h| h != heads_json(&doc.get_heads()));
        if stale {
            self.docs.remove(doc_id);
        }
        Ok(stale)
    }

    /// Loads a document strictly: a damaged snapshot or chunk, or a history
    /// that ends short of the stored heads, is reported, never papered over.
    pub fn load_document(&self, doc_id: &str) -> Result<Automerge, StoreError> {
        let corrupt = |what: String| StoreError::Corrupt(format!("results for {doc_id}: {what}"));
        let row: Option<(Option<Vec<u8>>, String)> = self
            .conn
            .prepare_cached("SELECT snapshot, heads FROM result_docs WHERE doc_id = ?1")?
            .query_row([doc_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let Some((snapshot, heads)) = row else {
            return Ok(Automerge::new().with_actor(self.actor.clone()));
        };
        let mut doc = match snapshot {
            Some(bytes) => Automerge::load_with_options(
                &bytes,
                LoadOptions::new().on_partial_load(OnPartialLoad::Error),
            )
            .map_err(|e| corrupt(format!("the snapshot is damaged ({e})")))?,
            None => Automerge::new(),
        };
        let mut st = self.conn.prepare_cached(
            "SELECT hash, bytes, changes FROM result_chunks WHERE doc_id = ?1 ORDER BY seq",
        )?;
        let mut changes = Vec::new();
        for row in st.query_map([doc_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Vec<u8>>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })? {
            let (hash, bytes, count) = row?;
            // A row holds the changes one write stored together (ADR 28):
            // each is checked against its header's checksum, the row's
            // first against the row's hash, and the count against the row.
            let row_changes = split_changes(&bytes)
                .map_err(|e| corrupt(format!("the chunk of change {hash} is damaged ({e})")))?;
            match row_changes.first() {
                Some(first) if first.hash().to_string() == hash => {}
                Some(first) => {
                    return Err(corrupt(format!(
                        "change {hash} is damaged (its content hashes to {})",
                        first.hash()
                    )));
                }
                None => return Err(corrupt(format!("the chunk of change {hash} is empty"))),
            }
            if row_changes.len() as i64 != count {
                return Err(corrupt(format!(
                    "the chunk of change {hash} is damaged: it holds {} changes, {count} were written",
                    row_changes.len()
                )));
            }
            changes.extend(row_changes);
        }
        doc.apply_changes(changes)
            .map_err(|e| corrupt(format!("changes do not apply ({e})")))?;
        let loaded = heads_json(&doc.get_heads());
        if loaded != heads {
            return Err(corrupt(format!(
                "the stored history is incomplete: it ends at {loaded} but {heads} was written"
            )));
        }
        Ok(doc.with_actor(self.actor.clone()))
    }

    /// Writes the changes made to `doc_id` since `before` and updates the
    /// index for `new_attempts`, all in one `synchronous=FULL` transaction.
    /// On failure the in-memory document is dropped, so it is reloaded from
    /// what is really on disk.
    pub(crate) fn persist(
        &mut self,
        doc_id: &str,
        before: &[ChangeHash],
        new_attempts: &[Attempt],
    ) -> Result<(), StoreError> {
        let changes = self
            .docs
            .get(doc_id)
            .expect("persist is called on a loaded document")
            .get_changes(before);
        self.persist_changes(doc_id, &changes, new_attempts)
    }

    /// Like `persist`, for callers that already hold the new changes (the
    /// change just made, or the changes just admitted): automerge need not
    /// rebuild them from its op set.
    pub(crate) fn persist_changes(
        &mut self,
        doc_id: &str,
        changes: &[Change],
        new_attempts: &[Attempt],
    ) -> Result<(), StoreError> {
        self.persist_changes_binding(doc_id, changes, new_attempts, &[])
    }

    /// `persist_changes` that also binds automerge actors to the device that
    /// first wrote under them (server side), in the same transaction.
    pub(crate) fn persist_changes_binding(
        &mut self,
        doc_id: &str,
        changes: &[Change],
        new_attempts: &[Attempt],
        actor_bindings: &[(String, String)],
    ) -> Result<(), StoreError> {
        let result = self.persist_inner(doc_id, changes, new_attempts, actor_bindings);
        if result.is_err() {
            self.docs.remove(doc_id);
        }
        result
    }

    fn persist_inner(
        &mut self,
        doc_id: &str,
        changes: &[Change],
        new_attempts: &[Attempt],
        actor_bindings: &[(String, String)],
    ) -> Result<(), StoreError> {
        let heads = self
            .docs
            .get(doc_id)
            .expect("persist is called on a loaded document")
            .get_heads();
        self.write_changes(doc_id, &heads, changes, new_attempts, actor_bindings)
    }

    /// Appends `changes` (the document's heads are then `heads`), the index
    /// rows of `new_attempts` and the actor bindings in one
    /// `synchronous=FULL` transaction: durable when this returns, nothing
    /// of it written when it fails. In an open write group (the server,
    /// `DeviceStore::begin_group`) it joins the group's transaction
    /// instead, durable when the group commits; a failure there may leave
    /// part of it in the group, which must then be abandoned.
    pub(crate) fn write_changes(
        &mut self,
        doc_id: &str,
        heads: &[ChangeHash],
        changes: &[Change],
        new_attempts: &[Attempt],
        actor_bindings: &[(String, String)],
    ) -> Result<(), StoreError> {
        let heads = heads_json(heads);
        let tx = WriteTx::begin_joined(&mut self.conn)?;
        tx.prepare_cached("INSERT INTO result_docs (doc_id, heads, updated_at_ms) VALUES (?1, ?2, ?3)
             ON CONFLICT (doc_id) DO UPDATE SET heads = excluded.heads, updated_at_ms = excluded.updated_at_ms")?
            .execute(
            params![doc_id, heads, Utc::now().timestamp_millis()],
        )?;
        if let Some(first) = changes.first() {
            let last: i64 = tx
                .prepare_cached(
                    "SELECT coalesce(max(seq), 0) FROM result_chunks WHERE doc_id = ?1",
                )?
                .query_row([doc_id], |r| r.get(0))?;
            // One row for the write (ADR 28): a device's upload of 200
            // changes is one row with its bytes on overflow pages, not 200
            // rows of ~400 bytes splitting the table's pages.
            let mut bytes = Vec::with_capacity(changes.iter().map(|c| c.raw_bytes().len()).sum());
            for c in changes {
                bytes.extend_from_slice(c.raw_bytes());
            }
            let stored = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO result_chunks (doc_id, hash, seq, bytes, changes)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )?
                .execute(params![
                    doc_id,
                    first.hash().to_string(),
                    last + 1,
                    bytes,
                    changes.len() as i64
                ])?;
            if stored == 0 {
                // The first change is stored already (written by an earlier
                // write that was not in memory here): one row per change,
                // each kept once under its hash, as before ADR 28.
                let mut st = tx.prepare_cached(
                    "INSERT OR IGNORE INTO result_chunks (doc_id, hash, seq, bytes) VALUES (?1, ?2, ?3, ?4)",
                )?;
                for (i, c) in changes.iter().enumerate() {
                    st.execute(params![
                        doc_id,
                        c.hash().to_string(),
                        last + 1 + i as i64,
                        c.raw_bytes()
                    ])?;
                }
            }
        }
        update_index(&tx, doc_id, new_attempts)?;
        for (actor, device) in actor_bindings {
            tx.prepare_cached(
                "INSERT OR IGNORE INTO actor_devices (actor, device_id) VALUES (?1, ?2)",
            )?
            .execute(params![actor, device])?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Applies changes received from another replica (automerge change
    /// chunks, as produced by `save_after`). Applying the same bytes twice
    /// changes nothing. Damaged input, changes whose history this device
    /// lacks, or malformed attempts are refused and nothing is written.
    pub fn merge_remote_changes(
        &mut self,
        doc_id: &str,
        bytes: &[u8],
    ) -> Result<MergeOutcome, StoreError> {
        let changes = split_changes(bytes).map_err(doc_err(doc_id))?;
        self.apply_remote(doc_id, false, changes)
    }

    /// Applies `changes` to the document and persists whatever they added,
    /// after checking the result is a well-formed document for this unit.
    /// `allow_pending` lets changes wait for missing dependencies, as the
    /// sync protocol fetches those in a later round; raw merges are strict.
    pub(crate) fn apply_remote(
        &mut self,
        doc_id: &str,
        allow_pending: bool,
        changes: Vec<Change>,
    ) -> Result<MergeOutcome, StoreError> {
        let doc = self.document(doc_id)?;
        let before = doc.get_heads();
        // The changes new here, each after its dependencies; those waiting
        // for history go to automerge's queue.
        let (ready, waiting) = crate::sync::step::new_changes_in_order(doc, changes);
        let checked = (|| {
            doc.apply_changes(ready.iter().cloned().chain(waiting))
                .map_err(|e| {
                    StoreError::Corrupt(format!("results for {doc_id}: changes do not apply ({e})"))
                })?;
            if !allow_pending && !doc.get_missing_deps(&[]).is_empty() {
                return Err(StoreError::Document {
                    doc: doc_id.to_string(),
                    source: DocumentError::BadChange(
                        "the changes build on history this device does not have yet; sync to fetch it".into(),
                    ),
                });
            }
            if doc.get_heads() == before {
                // Nothing applied (a reply that only confirms, changes
                // already here, or changes waiting for their history):
                // nothing to check, nothing to write.
                return Ok(None);
            }
            check_root(doc, doc_id).map_err(doc_err(doc_id))?;
            // The attempts that were not there before: the ids now, less
            // the ids at the old heads (read from history, so a reply that
            // adds nothing costs no scan at all).
            let all = super::document::attempt_ids(doc).map_err(doc_err(doc_id))?;
            let known = super::document::attempt_ids_at(doc, &before).map_err(doc_err(doc_id))?;
            let fresh: Vec<String> = all.difference(&known).cloned().collect();
            read_attempts_by_id(doc, &fresh)
                .map(Some)
                .map_err(doc_err(doc_id))
        })();
        let new_attempts = match checked {
            Ok(Some(a)) => a,
            Ok(None) => {
                return Ok(MergeOutcome {
                    new_changes: 0,
                    new_attempts: 0,
                });
            }
            Err(e) => {
                self.docs.remove(doc_id);
                return Err(e);
            }
        };
        // What the apply added (at least one change: the heads moved): the
        // ready changes as received, unless changes queued by an earlier
        // message came in with them (then everything added is rebuilt once
        // from the op set). Counted from the change graph, which rebuilds
        // nothing.
        let doc = &self.docs[doc_id];
        let added = doc.get_changes_meta(&before).len();
        let changes = if added == ready.len() {
            ready
        } else {
            doc.get_changes(&before)
        };
        self.persist_changes(doc_id, &changes, &new_attempts)?;
        self.maybe_compact(doc_id)?;
        Ok(MergeOutcome {
            new_changes: changes.len(),
            new_attempts: new_attempts.len(),
        })
    }

    /// The changes of a document after `heads` (all of it for `&[]`), as
    /// concatenated change chunks for `merge_remote_changes` on another replica.
    pub fn changes_since(
        &mut self,
        doc_id: &str,
        heads: &[ChangeHash],
    ) -> Result<Vec<u8>, StoreError> {
        Ok(self.document(doc_id)?.save_after(heads))
    }

    /// The current heads of a document.
    pub fn heads(&mut self, doc_id: &str) -> Result<Vec<ChangeHash>, StoreError> {
        Ok(self.document(doc_id)?.get_heads())
    }

    /// Every attempt in a unit's document.
    pub fn attempts(&mut self, doc_id: &str) -> Result<Vec<Attempt>, StoreError> {
        read_attempts(self.document(doc_id)?).map_err(doc_err(doc_id))
    }

    /// Number of changes stored for a document since its snapshot (before
    /// compaction), however many rows hold them.
    pub fn chunk_count(&self, doc_id: &str) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT coalesce(sum(changes), 0) FROM result_chunks WHERE doc_id = ?1",
            )?
            .query_row([doc_id], |r| r.get(0))?)
    }

    pub(crate) fn maybe_compact(&mut self, doc_id: &str) -> Result<(), StoreError> {
        if self.chunk_count(doc_id)? >= COMPACT_AFTER_CHUNKS {
            self.compact(doc_id)?;
        }
        Ok(())
    }

    /// Replaces the stored chunks of a document by one snapshot. The snapshot
    /// is verified by loading it back before anything is deleted, and the
    /// write and the delete are one transaction.
    pub fn compact(&mut self, doc_id: &str) -> Result<(), StoreError> {
        self.document(doc_id)?;
        let doc = self.docs.remove(doc_id).expect("loaded above");
        let written = self.write_snapshot(doc_id, &doc);
        self.docs.insert(doc_id.to_string(), doc);
        written
    }

    /// `compact` with the document in hand (it must be all that is stored).
    pub(crate) fn write_snapshot(
        &mut self,
        doc_id: &str,
        doc: &Automerge,
    ) -> Result<(), StoreError> {
        let heads = doc.get_heads();
        let snapshot = doc.save();
        let reloaded = Automerge::load_with_options(
            &snapshot,
            LoadOptions::new().on_partial_load(OnPartialLoad::Error),
        )
        .map_err(|e| {
            StoreError::Corrupt(format!(
                "results for {doc_id}: the new snapshot does not load ({e})"
            ))
        })?;
        if reloaded.get_heads() != heads {
            return Err(StoreError::Corrupt(format!(
                "results for {doc_id}: the new snapshot lost changes"
            )));
        }
        let tx = WriteTx::begin(&mut self.conn)?;
        tx.prepare_cached("UPDATE result_docs SET snapshot = ?2, heads = ?3 WHERE doc_id = ?1")?
            .execute(params![doc_id, snapshot, heads_json(&heads)])?;
        tx.prepare_cached("DELETE FROM result_chunks WHERE doc_id = ?1")?
            .execute([doc_id])?;
        tx.commit()?;
        Ok(())
    }

    /// Drops and rebuilds a document's index rows from the document alone.
    pub fn rebuild_index(&mut self, doc_id: &str) -> Result<(), StoreError> {
        let attempts = self.attempts(doc_id)?;
        let tx = WriteTx::begin(&mut self.conn)?;
        replace_index(&tx, doc_id, &attempts)?;
        tx.commit()?;
        Ok(())
    }

    /// Ids of every results document on this device.
    pub fn result_doc_ids(&self) -> Result<Vec<String>, StoreError> {
        let mut st = self
            .conn
            .prepare_cached("SELECT doc_id FROM result_docs ORDER BY doc_id")?;
        let rows = st.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// Puts `a` in the group of its person or door `key`: a group is started
/// with the attempts in hand when the index held none under `key` before
/// (`seen` asks), and left to be re-read whole (`None`) otherwise.
fn add_to_group<'a>(
    groups: &mut BTreeMap<String, Option<Vec<&'a Attempt>>>,
    seen: &mut rusqlite::CachedStatement<'_>,
    doc_id: &str,
    key: &str,
    a: &'a Attempt,
) -> Result<(), StoreError> {
    if !groups.contains_key(key) {
        let earlier = seen.exists(params![doc_id, key])?;
        groups.insert(key.to_string(), (!earlier).then(Vec::new));
    }
    if let Some(Some(group)) = groups.get_mut(key) {
        group.push(a);
    }
    Ok(())
}

/// The attempts a person's or door's status is derived from: the ones in
/// hand for a fresh group, otherwise every row under `key`, read into
/// `loaded`.
fn group_attempts<'a>(
    tx: &Connection,
    doc_id: &str,
    column: &str,
    key: &str,
    fresh: &Option<Vec<&'a Attempt>>,
    loaded: &'a mut Vec<Attempt>,
) -> Result<Vec<&'a Attempt>, StoreError> {
    Ok(match fresh {
        Some(group) => group.clone(),
        None => {
            *loaded = load_group(tx, doc_id, column, key)?;
            let loaded: &'a Vec<Attempt> = loaded;
            loaded.iter().collect()
        }
    })
}

fn load_group(
    tx: &Connection,
    doc_id: &str,
    column: &str,
    key: &str,
) -> Result<Vec<Attempt>, StoreError> {
    let mut st = tx.prepare_cached(&format!(
        "SELECT id, body FROM attempts WHERE doc_id = ?1 AND {column} = ?2"
    ))?;
    let rows = st.query_map(params![doc_id, key], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, body) = row?;
        out.push(read_index_body(&id, &body).map_err(|e| {
            StoreError::Corrupt(format!(
                "results index for {doc_id}: attempt row unreadable ({e})"
            ))
        })?);
    }
    Ok(out)
}

/// Replaces every index row of a document by rows derived from `attempts`
/// (all of the document's attempts).
pub(crate) fn replace_index(
    tx: &Connection,
    doc_id: &str,
    attempts: &[Attempt],
) -> Result<(), StoreError> {
    for table in [
        "attempts",
        "person_status",
        "person_answers",
        "household_status",
    ] {
        tx.prepare_cached(&format!("DELETE FROM {table} WHERE doc_id = ?1"))?
            .execute([doc_id])?;
    }
    update_index(tx, doc_id, attempts)
}

/// Adds `new_attempts` to the index and re-derives the status of every
/// person and door they touch (including those of attempts they supersede).
/// A person or door with no attempts in the index before this call is
/// derived from `new_attempts` alone, without reading back the rows just
/// written (on the server most doors of an upload are new to it).
pub(crate) fn update_index(
    tx: &Connection,
    doc_id: &str,
    new_attempts: &[Attempt],
) -> Result<(), StoreError> {
    // Who had attempts before: those are re-read whole from the index.
    let mut seen_person =
        tx.prepare_cached("SELECT 1 FROM attempts WHERE doc_id = ?1 AND person_id = ?2 LIMIT 1")?;
    let mut seen_household = tx
        .prepare_cached("SELECT 1 FROM attempts WHERE doc_id = ?1 AND household_id = ?2 LIMIT 1")?;
    // Key -> the new attempts under it, or None when earlier rows exist.
    let mut people: BTreeMap<String, Option<Vec<&Attempt>>> = BTreeMap::new();
    let mut households: BTreeMap<String, Option<Vec<&Attempt>>> = BTreeMap::new();
    let mut ids = BTreeSet::new();
    for a in new_attempts {
        if !ids.insert(a.id.as_str()) {
            continue;
        }
        if let Some(p) = &a.person_id {
            add_to_group(&mut people, &mut seen_person, doc_id, p, a)?;
        }
        add_to_group(
            &mut households,
            &mut seen_household,
            doc_id,
            &a.household_id,
            a,
        )?;
    }
    {
        let mut insert = tx.prepare_cached(
            "INSERT OR IGNORE INTO attempts
                 (doc_id, id, person_id, household_id, channel, at_ms, volunteer_id, device_id, body, effect, phone_ref)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )?;
        let mut owner = tx.prepare_cached(
            "SELECT person_id, household_id FROM attempts WHERE doc_id = ?1 AND id = ?2",
        )?;
        // In key order, like the chunks; a correction's target is looked
        // up once every row of the batch is in.
        let mut in_key_order: Vec<&Attempt> = new_attempts.iter().collect();
        in_key_order.sort_by(|a, b| a.id.cmp(&b.id));
        for a in in_key_order {
            let inserted = insert.execute(params![
                doc_id,
                a.id,
                a.person_id,
                a.household_id,
                a.channel.as_str(),
                a.at_ms,
                a.volunteer_id,
                a.device_id,
                index_body(a),
                a.effect.map(|e| e.as_str()),
                a.phone_ref
            ])?;
            if inserted == 0 {
                // Already in the index (under this id): what counts is the
                // stored row, so its person and door are re-read whole.
                if let Some(p) = &a.person_id {
                    people.insert(p.clone(), None);
                }
                households.insert(a.household_id.clone(), None);
            }
        }
        for a in new_attempts {
            for s in &a.supersedes {
                if let Some((p, h)) = owner
                    .query_row(params![doc_id, s], |r| {
                        Ok((r.get::<_, Option<String>>(0)?, r.get::<_, String>(1)?))
                    })
                    .optional()?
                {
                    // The corrected attempt's person and door: re-read whole.
                    if let Some(p) = p {
                        people.insert(p, None);
                    }
                    households.insert(h, None);
                }
            }
        }
    }
    let mut person_row = tx.prepare_cached(
        "INSERT OR REPLACE INTO person_status (doc_id, person_id, kind, come_back_at_ms, attempts, last_at_ms, summary)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    let mut clear_answers =
        tx.prepare_cached("DELETE FROM person_answers WHERE doc_id = ?1 AND person_id = ?2")?;
    let mut answer_row = tx.prepare_cached(
        "INSERT INTO person_answers (doc_id, person_id, question_id, answer) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (p, fresh) in &people {
        let mut loaded = Vec::new();
        let refs = group_attempts(tx, doc_id, "person_id", p, fresh, &mut loaded)?;
        let s = derive_status(&refs);
        let come_back = match s.status {
            super::Status::ComeBack { at_ms } => Some(at_ms),
            _ => None,
        };
        person_row.execute(params![
            doc_id,
            p,
            s.status.kind(),
            come_back,
            s.attempts,
            s.last_at_ms,
            serde_json::to_string(&s).expect("status serialises")
        ])?;
        // A person new to the index has no answers to clear.
        if fresh.is_none() {
            clear_answers.execute(params![doc_id, p])?;
        }
        if let super::Status::Contacted { answers } = &s.status {
            let answers: &BTreeMap<String, String> = answers;
            for (q, v) in answers {
                answer_row.execute(params![doc_id, p, q, v])?;
            }
        }
    }
    let mut household_row = tx.prepare_cached(
        "INSERT OR REPLACE INTO household_status (doc_id, household_id, kind, door_attempts, last_at_ms, summary)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for (h, fresh) in &households {
        let mut loaded = Vec::new();
        let refs = group_attempts(tx, doc_id, "household_id", h, fresh, &mut loaded)?;
        let s = derive_household(&refs);
        household_row.execute(params![
            doc_id,
            h,
            s.household.status.kind(),
            s.door_attempts,
            s.last_at_ms,
            serde_json::to_string(&s).expect("status serialises")
        ])?;
    }
    Ok(())
}
