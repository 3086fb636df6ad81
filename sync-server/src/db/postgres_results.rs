//! Results documents on PostgreSQL (schema v2): the same operations as
//! the embedded results store, for several server processes on one
//! database.
//!
//! Every sync of a document is one transaction holding the document's row
//! lock (`SELECT … FOR UPDATE` on `result_docs`): the document is loaded
//! (from this process's cache when its heads and compaction generation
//! still match the row, otherwise from the snapshot and chunks), the
//! device's changes are judged by the same `admit_changes` as everywhere,
//! the accepted ones are appended with their index rows and actor
//! bindings, the reply is built, and the sync state is stored. Two
//! processes syncing one document take turns on the lock, and the second
//! sees what the first wrote: no change is lost or hidden.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use automerge::sync::State;
use automerge::{Automerge, Change, LoadOptions, OnPartialLoad};
use chrono::Utc;
use walkbook_core::results::rules::{Author, RuleViolation, UnitData};
use walkbook_core::results::{
    Attempt, COMPACT_AFTER_CHUNKS, DocumentError, HouseholdSummary, Status, StatusSummary,
    derive_household, derive_status, heads_json, index_body, init_document, read_index_body,
};
use walkbook_core::store::{ConflictRow, StoreError};
use walkbook_core::sync::serve::{self, ResultsStorage};
use walkbook_core::sync::step::{confirmed_only, decode_message};

use super::postgres::{PgServerDb, Tx};
use super::{DbError, DocSync, DocSynced, ResultsStore, UnitStatuses};

/// A document as this process last saw it, reused while the stored row
/// still says the same (same heads, no compaction since).
pub(crate) struct CachedDoc {
    doc: Automerge,
    meta: DocMeta,
}

/// What the row said about a document when it was loaded, kept up to date
/// by this process's own appends.
struct DocMeta {
    heads: String,
    generation: i64,
    /// The last chunk sequence number applied.
    seq: i64,
}

fn corrupt(campaign: &str, doc_id: &str, what: impl std::fmt::Display) -> DbError {
    DbError::Store(StoreError::Corrupt(format!(
        "results for {doc_id} of campaign {campaign}: {what}"
    )))
}

fn bad_input(doc_id: &str, source: DocumentError) -> DbError {
    DbError::Store(StoreError::Document {
        doc: doc_id.to_string(),
        source,
    })
}

/// The attempt of an `attempts` row whose `id` and `body` are its columns
/// `at` and `at + 1`.
fn attempt_of(r: &tokio_postgres::Row, at: usize) -> Result<Attempt, DbError> {
    let id: &str = r.get(at);
    read_index_body(id, r.get(at + 1)).map_err(|e| {
        DbError::Store(StoreError::Corrupt(format!(
            "an attempt row is unreadable ({e})"
        )))
    })
}

fn parse_json<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> Result<T, DbError> {
    serde_json::from_str(text)
        .map_err(|e| DbError::Store(StoreError::Corrupt(format!("{what} is unreadable ({e})"))))
}

/// Locks a document's row (making it when missing) and returns it loaded,
/// reusing `cached` when the row says nothing changed since.
async fn lock_document(
    tx: &Tx<'_, '_>,
    campaign: &str,
    doc_id: &str,
    cached: Option<CachedDoc>,
) -> Result<CachedDoc, DbError> {
    let select = "SELECT heads, generation, snapshot IS NOT NULL FROM result_docs
                  WHERE campaign_id = $1 AND doc_id = $2 FOR UPDATE";
    let mut row = tx.query_opt(select, &[&campaign, &doc_id]).await?;
    if row.is_none() {
        tx.execute(
            "INSERT INTO result_docs (campaign_id, doc_id, heads, updated_at_ms)
             VALUES ($1, $2, '[]', $3) ON CONFLICT DO NOTHING",
            &[&campaign, &doc_id, &Utc::now().timestamp_millis()],
        )
        .await?;
        row = tx.query_opt(select, &[&campaign, &doc_id]).await?;
    }
    let row = row.ok_or_else(|| corrupt(campaign, doc_id, "its row vanished"))?;
    let heads: String = row.get(0);
    let generation: i64 = row.get(1);
    let has_snapshot: bool = row.get(2);
    let (mut doc, mut seq) = match cached {
        Some(c) if c.meta.generation == generation && c.meta.heads == heads => return Ok(c),
        // Same snapshot: only the chunks appended since are new.
        Some(c) if c.meta.generation == generation => (c.doc, c.meta.seq),
        _ => {
            let doc = if has_snapshot {
                let r = tx
                    .query_one(
                        "SELECT snapshot FROM result_docs WHERE campaign_id = $1 AND doc_id = $2",
                        &[&campaign, &doc_id],
                    )
                    .await?;
                let bytes: Vec<u8> = r.get(0);
                Automerge::load_with_options(
                    &bytes,
                    LoadOptions::new().on_partial_load(OnPartialLoad::Error),
                )
                .map_err(|e| corrupt(campaign, doc_id, format!("the snapshot is damaged ({e})")))?
            } else {
                Automerge::new()
            };
            (doc, 0)
        }
    };
    let rows = tx
        .query(
            "SELECT seq, hash, bytes FROM result_chunks
             WHERE campaign_id = $1 AND doc_id = $2 AND seq > $3 ORDER BY seq",
            &[&campaign, &doc_id, &seq],
        )
        .await?;
    let mut changes = Vec::with_capacity(rows.len());
    for r in rows {
        let hash: String = r.get(1);
        let bytes: Vec<u8> = r.get(2);
        let change = Change::try_from(bytes.as_slice())
            .map_err(|e| corrupt(campaign, doc_id, format!("change {hash} is damaged ({e})")))?;
        if change.hash().to_string() != hash {
            return Err(corrupt(
                campaign,
                doc_id,
                format!(
                    "change {hash} is damaged (its content hashes to {})",
                    change.hash()
                ),
            ));
        }
        seq = r.get(0);
        changes.push(change);
    }
    doc.apply_changes(changes)
        .map_err(|e| corrupt(campaign, doc_id, format!("changes do not apply ({e})")))?;
    let loaded = heads_json(&doc.get_heads());
    if loaded != heads {
        return Err(corrupt(
            campaign,
            doc_id,
            format!(
                "the stored history is incomplete: it ends at {loaded} but {heads} was written"
            ),
        ));
    }
    Ok(CachedDoc {
        doc,
        meta: DocMeta {
            heads,
            generation,
            seq,
        },
    })
}

/// Appends `changes` (already applied to `doc`) with the index rows of
/// `attempts` and the actor bindings, and compacts when chunks pile up.
#[allow(clippy::too_many_arguments)]
async fn append(
    tx: &Tx<'_, '_>,
    campaign: &str,
    doc_id: &str,
    doc: &Automerge,
    meta: &mut DocMeta,
    changes: &[Change],
    attempts: &[Attempt],
    bindings: &[(String, String)],
) -> Result<(), DbError> {
    if changes.is_empty() {
        return Ok(());
    }
    let seqs: Vec<i64> = (1..=changes.len() as i64).map(|i| meta.seq + i).collect();
    let hashes: Vec<String> = changes.iter().map(|c| c.hash().to_string()).collect();
    let bytes: Vec<Vec<u8>> = changes.iter().map(|c| c.raw_bytes().to_vec()).collect();
    tx.execute(
        "INSERT INTO result_chunks (campaign_id, doc_id, seq, hash, bytes)
         SELECT $1, $2, s, h, b FROM UNNEST($3::BIGINT[], $4::TEXT[], $5::BYTEA[]) AS t(s, h, b)
         ON CONFLICT (campaign_id, doc_id, hash) DO NOTHING",
        &[&campaign, &doc_id, &seqs, &hashes, &bytes],
    )
    .await?;
    meta.seq += changes.len() as i64;
    meta.heads = heads_json(&doc.get_heads());
    tx.execute(
        "UPDATE result_docs SET heads = $3, updated_at_ms = $4 WHERE campaign_id = $1 AND doc_id = $2",
        &[&campaign, &doc_id, &meta.heads, &Utc::now().timestamp_millis()],
    )
    .await?;
    update_index(tx, campaign, doc_id, attempts).await?;
    for (actor, device) in bindings {
        tx.execute(
            "INSERT INTO actor_devices (campaign_id, actor, device_id) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING",
            &[&campaign, actor, device],
        )
        .await?;
    }
    if meta.seq >= COMPACT_AFTER_CHUNKS {
        compact(tx, campaign, doc_id, doc, meta).await?;
    }
    Ok(())
}

/// Replaces a document's chunks by one snapshot, verified by loading it
/// back before anything is deleted; same transaction as the write.
async fn compact(
    tx: &Tx<'_, '_>,
    campaign: &str,
    doc_id: &str,
    doc: &Automerge,
    meta: &mut DocMeta,
) -> Result<(), DbError> {
    let heads = doc.get_heads();
    let snapshot = doc.save();
    let reloaded = Automerge::load_with_options(
        &snapshot,
        LoadOptions::new().on_partial_load(OnPartialLoad::Error),
    )
    .map_err(|e| {
        corrupt(
            campaign,
            doc_id,
            format!("the new snapshot does not load ({e})"),
        )
    })?;
    if reloaded.get_heads() != heads {
        return Err(corrupt(campaign, doc_id, "the new snapshot lost changes"));
    }
    let generation: i64 = tx
        .query_one(
            "UPDATE result_docs SET snapshot = $3, generation = generation + 1
             WHERE campaign_id = $1 AND doc_id = $2 RETURNING generation",
            &[&campaign, &doc_id, &snapshot],
        )
        .await?
        .get(0);
    tx.execute(
        "DELETE FROM result_chunks WHERE campaign_id = $1 AND doc_id = $2",
        &[&campaign, &doc_id],
    )
    .await?;
    meta.generation = generation;
    meta.seq = 0;
    Ok(())
}

/// The attempt columns the index groups by.
#[derive(Clone, Copy)]
enum Column {
    Person,
    Household,
}

/// The attempts of `doc_id` whose `column` is one of `keys`, grouped by it.
async fn attempts_by(
    tx: &Tx<'_, '_>,
    campaign: &str,
    doc_id: &str,
    column: Column,
    keys: &[String],
) -> Result<HashMap<String, Vec<Attempt>>, DbError> {
    let sql = match column {
        Column::Person => {
            "SELECT person_id, id, body FROM attempts
             WHERE campaign_id = $1 AND doc_id = $2 AND person_id = ANY($3)"
        }
        Column::Household => {
            "SELECT household_id, id, body FROM attempts
             WHERE campaign_id = $1 AND doc_id = $2 AND household_id = ANY($3)"
        }
    };
    let rows = tx.query(sql, &[&campaign, &doc_id, &keys]).await?;
    let mut out: HashMap<String, Vec<Attempt>> = HashMap::new();
    for r in rows {
        let attempt = attempt_of(&r, 1)?;
        out.entry(r.get(0)).or_default().push(attempt);
    }
    Ok(out)
}

/// Adds `new_attempts` to the index and re-derives the status of every
/// person and door they touch (and of those their supersedes touch), as
/// the embedded store does. A fixed number of statements per call, not
/// per attempt: each step is one statement over arrays.
async fn update_index(
    tx: &Tx<'_, '_>,
    campaign: &str,
    doc_id: &str,
    new_attempts: &[Attempt],
) -> Result<(), DbError> {
    if new_attempts.is_empty() {
        return Ok(());
    }
    let col = |f: fn(&Attempt) -> Option<String>| -> Vec<Option<String>> {
        new_attempts.iter().map(f).collect()
    };
    let ids = col(|a| Some(a.id.clone()));
    let people_col = col(|a| a.person_id.clone());
    let households_col = col(|a| Some(a.household_id.clone()));
    let channels = col(|a| Some(a.channel.as_str().to_string()));
    let at: Vec<i64> = new_attempts.iter().map(|a| a.at_ms).collect();
    let volunteers = col(|a| Some(a.volunteer_id.clone()));
    let devices = col(|a| Some(a.device_id.clone()));
    let bodies = col(|a| Some(index_body(a)));
    let effects = col(|a| a.effect.map(|e| e.as_str().to_string()));
    let phone_refs = col(|a| a.phone_ref.clone());
    tx.execute(
        "INSERT INTO attempts (campaign_id, doc_id, id, person_id, household_id, channel, at_ms,
                               volunteer_id, device_id, body, effect, phone_ref)
         SELECT $1, $2, * FROM UNNEST($3::TEXT[], $4::TEXT[], $5::TEXT[], $6::TEXT[], $7::BIGINT[],
                                      $8::TEXT[], $9::TEXT[], $10::TEXT[], $11::TEXT[], $12::TEXT[])
         ON CONFLICT DO NOTHING",
        &[
            &campaign,
            &doc_id,
            &ids,
            &people_col,
            &households_col,
            &channels,
            &at,
            &volunteers,
            &devices,
            &bodies,
            &effects,
            &phone_refs,
        ],
    )
    .await?;
    let mut people: BTreeSet<String> = people_col.into_iter().flatten().collect();
    let mut households: BTreeSet<String> = households_col.into_iter().flatten().collect();
    let superseded: Vec<String> = new_attempts
        .iter()
        .flat_map(|a| a.supersedes.iter().cloned())
        .collect();
    if !superseded.is_empty() {
        for r in tx
            .query(
                "SELECT person_id, household_id FROM attempts
                 WHERE campaign_id = $1 AND doc_id = $2 AND id = ANY($3)",
                &[&campaign, &doc_id, &superseded],
            )
            .await?
        {
            people.extend(r.get::<_, Option<String>>(0));
            households.insert(r.get::<_, String>(1));
        }
    }
    let people: Vec<String> = people.into_iter().collect();
    let households: Vec<String> = households.into_iter().collect();

    // People: status rows, and the answers of those contacted.
    let by_person = attempts_by(tx, campaign, doc_id, Column::Person, &people).await?;
    let mut kinds = Vec::new();
    let mut come_backs = Vec::new();
    let mut counts = Vec::new();
    let mut lasts = Vec::new();
    let mut summaries = Vec::new();
    let (mut answer_people, mut questions, mut answers) = (Vec::new(), Vec::new(), Vec::new());
    for p in &people {
        let attempts = by_person.get(p).map(Vec::as_slice).unwrap_or_default();
        let s = derive_status(&attempts.iter().collect::<Vec<_>>());
        kinds.push(s.status.kind().to_string());
        come_backs.push(match s.status {
            Status::ComeBack { at_ms } => Some(at_ms),
            _ => None,
        });
        counts.push(s.attempts as i32);
        lasts.push(s.last_at_ms);
        summaries.push(serde_json::to_string(&s).expect("status serialises"));
        if let Status::Contacted { answers: given } = &s.status {
            for (q, v) in given {
                answer_people.push(p.clone());
                questions.push(q.clone());
                answers.push(v.clone());
            }
        }
    }
    tx.execute(
        "INSERT INTO person_status (campaign_id, doc_id, person_id, kind, come_back_at_ms, attempts, last_at_ms, summary)
         SELECT $1, $2, * FROM UNNEST($3::TEXT[], $4::TEXT[], $5::BIGINT[], $6::INT[], $7::BIGINT[], $8::TEXT[])
         ON CONFLICT (campaign_id, doc_id, person_id) DO UPDATE SET
             kind = excluded.kind, come_back_at_ms = excluded.come_back_at_ms,
             attempts = excluded.attempts, last_at_ms = excluded.last_at_ms, summary = excluded.summary",
        &[&campaign, &doc_id, &people, &kinds, &come_backs, &counts, &lasts, &summaries],
    )
    .await?;
    tx.execute(
        "DELETE FROM person_answers WHERE campaign_id = $1 AND doc_id = $2 AND person_id = ANY($3)",
        &[&campaign, &doc_id, &people],
    )
    .await?;
    if !answer_people.is_empty() {
        tx.execute(
            "INSERT INTO person_answers (campaign_id, doc_id, person_id, question_id, answer)
             SELECT $1, $2, * FROM UNNEST($3::TEXT[], $4::TEXT[], $5::TEXT[])",
            &[&campaign, &doc_id, &answer_people, &questions, &answers],
        )
        .await?;
    }

    // Doors.
    let by_household = attempts_by(tx, campaign, doc_id, Column::Household, &households).await?;
    let mut kinds = Vec::new();
    let mut door_attempts = Vec::new();
    let mut lasts = Vec::new();
    let mut summaries = Vec::new();
    for h in &households {
        let attempts = by_household.get(h).map(Vec::as_slice).unwrap_or_default();
        let s = derive_household(&attempts.iter().collect::<Vec<_>>());
        kinds.push(s.household.status.kind().to_string());
        door_attempts.push(s.door_attempts as i32);
        lasts.push(s.last_at_ms);
        summaries.push(serde_json::to_string(&s).expect("status serialises"));
    }
    tx.execute(
        "INSERT INTO household_status (campaign_id, doc_id, household_id, kind, door_attempts, last_at_ms, summary)
         SELECT $1, $2, * FROM UNNEST($3::TEXT[], $4::TEXT[], $5::INT[], $6::BIGINT[], $7::TEXT[])
         ON CONFLICT (campaign_id, doc_id, household_id) DO UPDATE SET
             kind = excluded.kind, door_attempts = excluded.door_attempts,
             last_at_ms = excluded.last_at_ms, summary = excluded.summary",
        &[&campaign, &doc_id, &households, &kinds, &door_attempts, &lasts, &summaries],
    )
    .await?;
    Ok(())
}

/// Makes sure the document holds its canonical genesis (written here).
async fn ensure_genesis(
    tx: &Tx<'_, '_>,
    campaign: &str,
    doc_id: &str,
    loaded: &mut CachedDoc,
) -> Result<(), DbError> {
    let before = loaded.doc.get_heads();
    init_document(&mut loaded.doc, doc_id).map_err(|e| bad_input(doc_id, e))?;
    let genesis = loaded.doc.get_changes(&before);
    append(
        tx,
        campaign,
        doc_id,
        &loaded.doc,
        &mut loaded.meta,
        &genesis,
        &[],
        &[],
    )
    .await
}

async fn load_state(
    tx: &Tx<'_, '_>,
    campaign: &str,
    doc_id: &str,
    peer: &str,
) -> Result<State, DbError> {
    let stored = tx
        .query_opt(
            "SELECT state FROM sync_states WHERE campaign_id = $1 AND doc_id = $2 AND peer_id = $3",
            &[&campaign, &doc_id, &peer],
        )
        .await?;
    // A state that does not decode is only an optimisation lost: start over.
    Ok(stored
        .and_then(|r| State::decode(r.get::<_, &[u8]>(0)).ok())
        .unwrap_or_default())
}

async fn store_state(
    tx: &Tx<'_, '_>,
    campaign: &str,
    doc_id: &str,
    peer: &str,
    state: &State,
) -> Result<(), DbError> {
    tx.execute(
        "INSERT INTO sync_states (campaign_id, doc_id, peer_id, state) VALUES ($1, $2, $3, $4)
         ON CONFLICT (campaign_id, doc_id, peer_id) DO UPDATE SET state = excluded.state",
        &[&campaign, &doc_id, &peer, &state.encode()],
    )
    .await?;
    Ok(())
}

async fn forget_state(
    c: &impl tokio_postgres::GenericClient,
    campaign: &str,
    doc_id: &str,
    peer: &str,
) -> Result<(), DbError> {
    c.execute(
        "DELETE FROM sync_states WHERE campaign_id = $1 AND doc_id = $2 AND peer_id = $3",
        &[&campaign, &doc_id, &peer],
    )
    .await?;
    Ok(())
}

/// One document's sync on PostgreSQL as a [`ResultsStorage`]: the
/// transaction that holds the document's row lock (taken by the first
/// `take_document`), committed by the caller when the sync is done.
struct PgDocument<'t, 'c> {
    tx: Tx<'t, 'c>,
    rt: &'t tokio::runtime::Runtime,
    campaign: &'t str,
    /// This process's copy from an earlier request, reused by the first
    /// load when the row still says the same.
    cached: Option<CachedDoc>,
    /// The document while it is not taken out, with what its row says.
    loaded: Option<CachedDoc>,
    /// The row while the document is taken out.
    meta: Option<DocMeta>,
}

impl<'t, 'c> PgDocument<'t, 'c> {
    fn new(
        tx: Tx<'t, 'c>,
        rt: &'t tokio::runtime::Runtime,
        campaign: &'t str,
        cached: Option<CachedDoc>,
    ) -> Self {
        PgDocument {
            tx,
            rt,
            campaign,
            cached,
            loaded: None,
            meta: None,
        }
    }
}

impl ResultsStorage for PgDocument<'_, '_> {
    type Error = DbError;

    fn take_document(&mut self, doc_id: &str) -> Result<Automerge, DbError> {
        if let Some(loaded) = self.loaded.take() {
            self.meta = Some(loaded.meta);
            return Ok(loaded.doc);
        }
        // The first load (the row is locked here), or again after a taken
        // copy was dropped: from the cache when the row still matches it,
        // otherwise from what this transaction sees stored.
        let mut loaded = self.rt.block_on(lock_document(
            &self.tx,
            self.campaign,
            doc_id,
            self.cached.take(),
        ))?;
        self.rt
            .block_on(ensure_genesis(&self.tx, self.campaign, doc_id, &mut loaded))?;
        self.meta = Some(loaded.meta);
        Ok(loaded.doc)
    }

    fn put_document(&mut self, _doc_id: &str, doc: Automerge) {
        if let Some(meta) = self.meta.take() {
            self.loaded = Some(CachedDoc { doc, meta });
        }
    }

    fn stored_heads(&mut self, doc_id: &str) -> Result<Option<String>, DbError> {
        // Under the row lock nobody else writes: the row is what this
        // transaction last read or wrote.
        if let Some(meta) = &self.meta {
            return Ok(Some(meta.heads.clone()));
        }
        let campaign = self.campaign;
        Ok(self
            .rt
            .block_on(self.tx.query_opt(
                "SELECT heads FROM result_docs WHERE campaign_id = $1 AND doc_id = $2",
                &[&campaign, &doc_id],
            ))?
            .map(|r| r.get(0)))
    }

    fn actors_bound_elsewhere(
        &mut self,
        actors: &BTreeSet<String>,
        device_id: &str,
    ) -> Result<BTreeSet<String>, DbError> {
        let actors: Vec<&String> = actors.iter().collect();
        let campaign = self.campaign;
        Ok(self
            .rt
            .block_on(self.tx.query(
                "SELECT actor FROM actor_devices
                 WHERE campaign_id = $1 AND actor = ANY($2) AND device_id <> $3",
                &[&campaign, &actors, &device_id],
            ))?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }

    fn append(
        &mut self,
        doc_id: &str,
        doc: &Automerge,
        changes: &[Change],
        attempts: &[Attempt],
        bindings: &[(String, String)],
    ) -> Result<(), DbError> {
        let meta = self
            .meta
            .as_mut()
            .ok_or_else(|| corrupt(self.campaign, doc_id, "appended to before it was loaded"))?;
        self.rt.block_on(append(
            &self.tx,
            self.campaign,
            doc_id,
            doc,
            meta,
            changes,
            attempts,
            bindings,
        ))
    }

    fn confirmed_sync_state(&mut self, doc_id: &str, peer: &str) -> Result<State, DbError> {
        Ok(confirmed_only(&self.rt.block_on(load_state(
            &self.tx,
            self.campaign,
            doc_id,
            peer,
        ))?))
    }

    fn keep_sync_state(&mut self, doc_id: &str, peer: &str, state: State) -> Result<(), DbError> {
        self.rt
            .block_on(store_state(&self.tx, self.campaign, doc_id, peer, &state))
    }

    fn forget_sync_state(&mut self, doc_id: &str, peer: &str) -> Result<(), DbError> {
        self.rt
            .block_on(forget_state(self.tx.tx, self.campaign, doc_id, peer))
    }
}

impl PgServerDb {
    fn take_cached(&self, campaign: &str, doc_id: &str) -> Option<CachedDoc> {
        let mut docs = self.docs.lock().unwrap_or_else(|p| p.into_inner());
        docs.remove(&(campaign.to_string(), doc_id.to_string()))
    }

    fn keep_cached(&self, campaign: &str, doc_id: &str, doc: CachedDoc) {
        let mut docs = self.docs.lock().unwrap_or_else(|p| p.into_inner());
        docs.insert((campaign.to_string(), doc_id.to_string()), doc);
    }

    /// One document of a sync request, in one transaction on its row lock:
    /// the same steps as the embedded store (`walkbook_core::sync::serve`)
    /// on a [`PgDocument`].
    fn sync_one(
        &self,
        campaign: &str,
        author: &Author,
        d: &DocSync<'_>,
        now_ms: i64,
    ) -> Result<DocSynced, DbError> {
        let peer = author.device_id.as_str();
        let doc_id = d.doc_id;
        // Pure work first: a damaged message is refused before any lock.
        let incoming = match d.message.map(decode_message).transpose() {
            Ok(m) => m,
            Err(e) => {
                self.run(async |c| forget_state(c, campaign, doc_id, peer).await)?;
                return Err(bad_input(doc_id, e));
            }
        };
        let cached = self.take_cached(campaign, doc_id);
        let (result, loaded) = self.with_conn(|client, statements, rt| {
            let tx = rt.block_on(client.transaction())?;
            let mut storage = PgDocument::new(Tx::new(&tx, statements), rt, campaign, cached);
            let receipt = match incoming {
                None => None,
                Some(incoming) => {
                    let upload = serve::take_upload(&mut storage, doc_id, incoming, author)?;
                    let judged = upload.judge(d.unit, author, now_ms);
                    Some(serve::put_back_upload(
                        &mut storage,
                        judged,
                        d.unit,
                        author,
                        now_ms,
                    )?)
                }
            };
            let (receipt, summary) = match receipt {
                Some((r, s)) => (Some(r), Some(s)),
                None => (None, None),
            };
            // A damaged summary: what was accepted stays, the session
            // starts over (`answer_device` dropped the sync state).
            let answered = serve::answer_device(
                &mut storage,
                doc_id,
                peer,
                summary,
                d.message,
                d.upload_only,
            )?;
            let loaded = storage.loaded;
            rt.block_on(tx.commit())?;
            let synced = answered
                .map(|(message, persisted_heads)| DocSynced {
                    doc_id: doc_id.to_string(),
                    message,
                    persisted_heads,
                    new_changes: receipt.as_ref().map_or(0, |r| r.new_changes),
                    new_attempts: receipt.as_ref().map_or(0, |r| r.new_attempts),
                    refused: receipt.and_then(|r| r.refused),
                })
                .map_err(DbError::Store);
            Ok((synced, loaded))
        })?;
        // Only a committed document is kept for the next request.
        if let Some(loaded) = loaded {
            self.keep_cached(campaign, doc_id, loaded);
        }
        result
    }

    /// An organizer's review actions into one document, in one transaction
    /// on its row lock (see `ResultsStore::append_reviewed`).
    fn review_one(
        &self,
        campaign: &str,
        author: &Author,
        doc_id: &str,
        unit: &UnitData,
        attempts: &[Attempt],
        now_ms: i64,
    ) -> Result<Result<usize, RuleViolation>, DbError> {
        let cached = self.take_cached(campaign, doc_id);
        let (result, loaded) = self.with_conn(|client, statements, rt| {
            let tx = rt.block_on(client.transaction())?;
            let mut storage = PgDocument::new(Tx::new(&tx, statements), rt, campaign, cached);
            let result =
                serve::append_reviewed(&mut storage, doc_id, attempts, unit, author, now_ms)?;
            let loaded = storage.loaded;
            if result.is_err() {
                // Nothing to keep: the transaction rolls back when dropped.
                return Ok((result, None));
            }
            rt.block_on(tx.commit())?;
            Ok((result, loaded))
        })?;
        // Only a committed document is kept for the next request.
        if let Some(loaded) = loaded {
            self.keep_cached(campaign, doc_id, loaded);
        }
        Ok(result)
    }

    /// Stores a whole document moved from another home (`migrate`): its
    /// changes and the index of its attempts, in one transaction.
    pub(crate) fn import_document(
        &self,
        campaign: &str,
        doc_id: &str,
        changes: Vec<Change>,
        attempts: &[Attempt],
    ) -> Result<(), DbError> {
        self.run_prepared(async |c, statements| {
            let t = c.transaction().await?;
            let tx = Tx::new(&t, statements);
            let mut loaded = lock_document(&tx, campaign, doc_id, None).await?;
            let before = loaded.doc.get_heads();
            loaded
                .doc
                .apply_changes(changes)
                .map_err(|e| bad_input(doc_id, DocumentError::Automerge(e.to_string())))?;
            let new = loaded.doc.get_changes(&before);
            append(
                &tx,
                campaign,
                doc_id,
                &loaded.doc,
                &mut loaded.meta,
                &new,
                attempts,
                &[],
            )
            .await?;
            t.commit().await?;
            Ok(())
        })
    }

    fn query_attempts(&self, sql: &str, campaign: &str) -> Result<Vec<(String, Attempt)>, DbError> {
        self.run(async |c| {
            let rows = c.query(sql, &[&campaign]).await?;
            rows.iter()
                .map(|r| Ok((r.get::<_, String>(0), attempt_of(r, 1)?)))
                .collect()
        })
    }
}

impl ResultsStore for PgServerDb {
    fn drop_campaign(&self, campaign_id: &str) -> Result<(), DbError> {
        self.docs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|(c, _), _| c != campaign_id);
        self.run(async |c| {
            let tx = c.transaction().await?;
            tx.execute(
                "DELETE FROM result_docs WHERE campaign_id = $1",
                &[&campaign_id],
            )
            .await?;
            tx.execute(
                "DELETE FROM actor_devices WHERE campaign_id = $1",
                &[&campaign_id],
            )
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    fn ensure_documents(&self, campaign_id: &str, doc_ids: &[String]) -> Result<(), DbError> {
        for doc_id in doc_ids {
            let cached = self.take_cached(campaign_id, doc_id);
            let loaded = self.run_prepared(async |c, statements| {
                let t = c.transaction().await?;
                let tx = Tx::new(&t, statements);
                let mut loaded = lock_document(&tx, campaign_id, doc_id, cached).await?;
                ensure_genesis(&tx, campaign_id, doc_id, &mut loaded).await?;
                t.commit().await?;
                Ok(loaded)
            })?;
            self.keep_cached(campaign_id, doc_id, loaded);
        }
        Ok(())
    }

    fn sync_documents(
        &self,
        campaign_id: &str,
        author: &Author,
        docs: &[DocSync<'_>],
        now_ms: i64,
    ) -> Result<Vec<DocSynced>, DbError> {
        docs.iter()
            .map(|d| self.sync_one(campaign_id, author, d, now_ms))
            .collect()
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
        self.review_one(campaign_id, author, doc_id, unit, attempts, now_ms)
    }

    fn document_revisions(&self, campaign_id: &str) -> Result<Vec<(String, String)>, DbError> {
        self.run(async |c| {
            Ok(c.query(
                "SELECT doc_id, heads || ' ' || generation FROM result_docs
                 WHERE campaign_id = $1 ORDER BY doc_id",
                &[&campaign_id],
            )
            .await?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect())
        })
    }

    fn attempts_of(
        &self,
        campaign_id: &str,
        doc_ids: &[String],
    ) -> Result<Vec<(String, Vec<Attempt>)>, DbError> {
        let rows: Vec<(String, Attempt)> = self.run(async |c| {
            c.query(
                "SELECT doc_id, id, body FROM attempts WHERE campaign_id = $1 AND doc_id = ANY($2)
                 ORDER BY doc_id, id",
                &[&campaign_id, &doc_ids],
            )
            .await?
            .iter()
            .map(|r| Ok((r.get::<_, String>(0), attempt_of(r, 1)?)))
            .collect()
        })?;
        let mut out: Vec<(String, Vec<Attempt>)> = Vec::new();
        for (doc, a) in rows {
            match out.last_mut() {
                Some((d, list)) if *d == doc => list.push(a),
                _ => out.push((doc, vec![a])),
            }
        }
        Ok(out)
    }

    fn heads(&self, campaign_id: &str, doc_id: &str) -> Result<Vec<String>, DbError> {
        let stored: Option<String> = self.run(async |c| {
            Ok(c.query_opt(
                "SELECT heads FROM result_docs WHERE campaign_id = $1 AND doc_id = $2",
                &[&campaign_id, &doc_id],
            )
            .await?
            .map(|r| r.get(0)))
        })?;
        match stored {
            Some(text) => parse_json(&format!("the heads of {doc_id}"), &text),
            None => Ok(Vec::new()),
        }
    }

    fn has_synced(
        &self,
        campaign_id: &str,
        doc_id: &str,
        device_id: &str,
    ) -> Result<bool, DbError> {
        self.run(async |c| {
            Ok(c.query_one(
                "SELECT EXISTS (SELECT 1 FROM sync_states
                                WHERE campaign_id = $1 AND doc_id = $2 AND peer_id = $3)",
                &[&campaign_id, &doc_id, &device_id],
            )
            .await?
            .get(0))
        })
    }

    fn final_statuses_of(
        &self,
        campaign_id: &str,
        people: &HashSet<String>,
    ) -> Result<Vec<(String, String)>, DbError> {
        let people: Vec<&str> = people.iter().map(String::as_str).collect();
        let rows = self.run(async |c| {
            Ok(c.query(
                "SELECT person_id, kind FROM person_status
                 WHERE campaign_id = $1 AND person_id = ANY($2)
                   AND kind IN ('do_not_contact', 'contacted', 'refused', 'moved', 'deceased')
                 ORDER BY CASE kind WHEN 'do_not_contact' THEN 0 ELSE 1 END, doc_id",
                &[&campaign_id, &people],
            )
            .await?)
        })?;
        let mut seen = HashSet::new();
        Ok(rows
            .iter()
            .map(|r| (r.get::<_, String>(0), r.get::<_, String>(1)))
            .filter(|(p, _)| seen.insert(p.clone()))
            .collect())
    }

    fn wrong_number_refs_of(
        &self,
        campaign_id: &str,
        people: &HashSet<String>,
    ) -> Result<Vec<String>, DbError> {
        let people: Vec<&str> = people.iter().map(String::as_str).collect();
        self.run(async |c| {
            Ok(c.query(
                // Only wrong numbers that still count: not superseded by an
                // attempt that acts (`review::live`, as on the embedded store).
                "SELECT DISTINCT a.phone_ref FROM attempts a
                 WHERE a.campaign_id = $1 AND a.effect = 'wrong_number' AND a.phone_ref IS NOT NULL
                   AND a.person_id = ANY($2)
                   AND NOT EXISTS (
                       SELECT 1 FROM attempts r
                       WHERE r.campaign_id = a.campaign_id AND r.doc_id = a.doc_id
                         AND r.body::jsonb -> 'supersedes' ? a.id
                         AND r.effect IS DISTINCT FROM 'undo_rollback'
                         AND NOT EXISTS (
                             SELECT 1 FROM attempts u
                             WHERE u.campaign_id = r.campaign_id AND u.doc_id = r.doc_id
                               AND u.effect = 'undo_rollback'
                               AND u.body::jsonb -> 'supersedes' ? r.id))
                 ORDER BY a.phone_ref",
                &[&campaign_id, &people],
            )
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect())
        })
    }

    fn unit_attempts(&self, campaign_id: &str) -> Result<Vec<(String, Vec<Attempt>)>, DbError> {
        let mut out: Vec<(String, Vec<Attempt>)> = Vec::new();
        for (doc, a) in self.query_attempts(
            "SELECT doc_id, id, body FROM attempts WHERE campaign_id = $1 ORDER BY doc_id, id",
            campaign_id,
        )? {
            match out.last_mut() {
                Some((d, list)) if *d == doc => list.push(a),
                _ => out.push((doc, vec![a])),
            }
        }
        Ok(out)
    }

    fn status_counts(&self, campaign_id: &str) -> Result<BTreeMap<String, u64>, DbError> {
        self.run(async |c| {
            Ok(c.query(
                "SELECT kind, count(*) FROM person_status WHERE campaign_id = $1 GROUP BY kind",
                &[&campaign_id],
            )
            .await?
            .iter()
            .map(|r| (r.get::<_, String>(0), r.get::<_, i64>(1) as u64))
            .collect())
        })
    }

    fn answer_tallies(
        &self,
        campaign_id: &str,
    ) -> Result<BTreeMap<String, BTreeMap<String, u64>>, DbError> {
        let rows = self.run(async |c| {
            Ok(c.query(
                "SELECT question_id, answer, count(*) FROM person_answers
                 WHERE campaign_id = $1 GROUP BY question_id, answer",
                &[&campaign_id],
            )
            .await?)
        })?;
        let mut out: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
        for r in rows {
            out.entry(r.get(0))
                .or_default()
                .insert(r.get(1), r.get::<_, i64>(2) as u64);
        }
        Ok(out)
    }

    fn conflicts(&self, campaign_id: &str) -> Result<Vec<ConflictRow>, DbError> {
        self.run(async |c| {
            let rows = c
                .query(
                    "SELECT doc_id, person_id, summary FROM person_status
                     WHERE campaign_id = $1 AND kind = 'conflict' ORDER BY doc_id, person_id",
                    &[&campaign_id],
                )
                .await?;
            let mut out = Vec::new();
            for r in rows {
                let doc_id: String = r.get(0);
                let person_id: String = r.get(1);
                let summary: StatusSummary =
                    parse_json(&format!("status of {person_id}"), r.get(2))?;
                let ids = match summary.status {
                    Status::Conflict { attempt_ids } => attempt_ids,
                    _ => Vec::new(),
                };
                let bodies = c
                    .query(
                        "SELECT id, body FROM attempts
                         WHERE campaign_id = $1 AND doc_id = $2 AND id = ANY($3) ORDER BY id",
                        &[&campaign_id, &doc_id, &ids],
                    )
                    .await?;
                let attempts = bodies
                    .iter()
                    .map(|b| attempt_of(b, 0))
                    .collect::<Result<_, _>>()?;
                out.push(ConflictRow {
                    doc_id,
                    person_id,
                    attempts,
                });
            }
            Ok(out)
        })
    }

    fn unit_statuses(&self, campaign_id: &str, doc_id: &str) -> Result<UnitStatuses, DbError> {
        self.run(async |c| {
            let mut people: HashMap<String, StatusSummary> = HashMap::new();
            for r in c
                .query(
                    "SELECT person_id, summary FROM person_status WHERE campaign_id = $1 AND doc_id = $2",
                    &[&campaign_id, &doc_id],
                )
                .await?
            {
                people.insert(r.get(0), parse_json("a person status", r.get(1))?);
            }
            let mut households: HashMap<String, HouseholdSummary> = HashMap::new();
            for r in c
                .query(
                    "SELECT household_id, summary FROM household_status WHERE campaign_id = $1 AND doc_id = $2",
                    &[&campaign_id, &doc_id],
                )
                .await?
            {
                households.insert(r.get(0), parse_json("a household status", r.get(1))?);
            }
            Ok(UnitStatuses { people, households })
        })
    }
}
