//! A voter-file import streamed into PostgreSQL: the same sink as the
//! embedded store's, answered a batch at a time with array statements
//! (one round trip per question per batch of rows), inside one transaction
//! that holds the campaign's row lock, with the import's scratch tables as
//! temporary tables dropped at its end.

use std::collections::HashMap;

use tokio::runtime::Runtime;
use tokio_postgres::{Client, Transaction};
use walkbook_core::import::{
    ImportBatch, ImportError, ImportReport, SinkError, VoterSink, household_key,
};
use walkbook_core::model::Household;

use super::reference::json;
use super::{DbError, ImportRun};

/// Households read per statement when indexing the stored addresses.
const PAGE: i64 = 5_000;

pub(super) fn import(
    client: &mut Client,
    rt: &Runtime,
    campaign_id: &str,
    commit: bool,
    run: &mut ImportRun<'_>,
) -> Result<Result<ImportReport, ImportError>, DbError> {
    let tx = rt.block_on(client.transaction())?;
    // Imports and other updates of one campaign take turns.
    let found = rt.block_on(tx.query_opt(
        "SELECT revision FROM campaigns WHERE id = $1 FOR UPDATE",
        &[&campaign_id],
    ))?;
    if found.is_none() {
        return Err(DbError::NoCampaign(campaign_id.to_string()));
    }
    rt.block_on(tx.batch_execute(
        "CREATE TEMP TABLE import_homes (key text PRIMARY KEY, id text NOT NULL) ON COMMIT DROP;
         CREATE TEMP TABLE import_seen (id text PRIMARY KEY, line int8 NOT NULL) ON COMMIT DROP;",
    ))?;
    index_stored_homes(&tx, rt, campaign_id)?;
    let next = |kind: &str| -> Result<i32, DbError> {
        Ok(rt
            .block_on(tx.query_one(
                "SELECT coalesce(max(position) + 1, 0)::int4 FROM reference_rows WHERE campaign_id = $1 AND kind = $2",
                &[&campaign_id, &kind],
            ))?
            .get(0))
    };
    let mut sink = PgVoterSink {
        tx: &tx,
        rt,
        campaign_id,
        next_household: next("household")?,
        next_person: next("person")?,
    };
    let outcome = run(&mut sink);
    if commit && outcome.is_ok() {
        rt.block_on(tx.execute(
            "UPDATE campaigns SET revision = revision + 1 WHERE id = $1",
            &[&campaign_id],
        ))?;
        rt.block_on(tx.commit())?;
    } else {
        rt.block_on(tx.rollback())?;
    }
    Ok(outcome)
}

/// Fills `import_homes` from the campaign's stored households, a page at a
/// time (keyset pagination: memory bounded by the page).
fn index_stored_homes(
    tx: &Transaction<'_>,
    rt: &Runtime,
    campaign_id: &str,
) -> Result<(), DbError> {
    let mut after = String::new();
    loop {
        let rows = rt.block_on(tx.query(
            "SELECT key, body::text AS body FROM reference_rows
             WHERE campaign_id = $1 AND kind = 'household' AND key > $2 ORDER BY key LIMIT $3",
            &[&campaign_id, &after, &PAGE],
        ))?;
        let Some(last) = rows.last() else {
            return Ok(());
        };
        after = last.get("key");
        let mut keys = Vec::with_capacity(rows.len());
        let mut ids = Vec::with_capacity(rows.len());
        for r in &rows {
            let id: String = r.get("key");
            let h: Household = serde_json::from_str(r.get("body")).map_err(|e| {
                DbError::Invalid(format!(
                    "stored household {id} of {campaign_id} is unreadable: {e}"
                ))
            })?;
            keys.push(household_key(&h));
            ids.push(id);
        }
        rt.block_on(tx.execute(
            "INSERT INTO import_homes (key, id) SELECT * FROM unnest($1::text[], $2::text[])
             ON CONFLICT (key) DO NOTHING",
            &[&keys, &ids],
        ))?;
    }
}

struct PgVoterSink<'a> {
    tx: &'a Transaction<'a>,
    rt: &'a Runtime,
    campaign_id: &'a str,
    next_household: i32,
    next_person: i32,
}

fn store_error(e: tokio_postgres::Error) -> SinkError {
    SinkError(format!("PostgreSQL failed: {}", DbError::from(e)))
}

impl PgVoterSink<'_> {
    fn write_batch(&mut self, batch: ImportBatch) -> Result<u64, SinkError> {
        let (tx, rt) = (self.tx, self.rt);
        if !batch.households.is_empty() {
            let keys: Vec<&str> = batch.households.iter().map(|(k, _)| k.as_str()).collect();
            let ids: Vec<&str> = batch
                .households
                .iter()
                .map(|(_, h)| h.id.as_str())
                .collect();
            let bodies: Vec<String> = batch
                .households
                .iter()
                .map(|(_, h)| json(h).to_string())
                .collect();
            let first = self.next_household;
            let inserted = rt
                .block_on(tx.execute(
                    "INSERT INTO reference_rows (campaign_id, kind, key, position, body)
                     SELECT $1, 'household', id, $2 + (n - 1)::int4, body::jsonb
                     FROM unnest($3::text[], $4::text[]) WITH ORDINALITY AS t(id, body, n)
                     ON CONFLICT (campaign_id, kind, key) DO NOTHING",
                    &[&self.campaign_id, &first, &ids, &bodies],
                ))
                .map_err(store_error)?;
            if inserted != ids.len() as u64 {
                return Err(SinkError(
                    "a new household's id is already used by another address; nothing was imported"
                        .into(),
                ));
            }
            self.next_household += ids.len() as i32;
            rt.block_on(tx.execute(
                "INSERT INTO import_homes (key, id) SELECT * FROM unnest($1::text[], $2::text[])",
                &[&keys, &ids],
            ))
            .map_err(store_error)?;
        }
        let ids: Vec<&str> = batch.people.iter().map(|(_, p)| p.id.as_str()).collect();
        let stored: HashMap<String, serde_json::Value> = rt
            .block_on(tx.query(
                "SELECT key, body::text AS body FROM reference_rows
                 WHERE campaign_id = $1 AND kind = 'person' AND key = ANY($2)",
                &[&self.campaign_id, &ids],
            ))
            .map_err(store_error)?
            .iter()
            .filter_map(|r| {
                let body: &str = r.get("body");
                serde_json::from_str(body).ok().map(|v| (r.get("key"), v))
            })
            .collect();
        let (mut new_ids, mut new_bodies, mut changed_ids, mut changed_bodies) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut replaced = 0;
        for (_, p) in &batch.people {
            let body = json(p);
            match stored.get(&p.id) {
                Some(old) => {
                    replaced += 1;
                    if *old != body {
                        changed_ids.push(p.id.as_str());
                        changed_bodies.push(body.to_string());
                    }
                }
                None => {
                    new_ids.push(p.id.as_str());
                    new_bodies.push(body.to_string());
                }
            }
        }
        if !new_ids.is_empty() {
            rt.block_on(tx.execute(
                "INSERT INTO reference_rows (campaign_id, kind, key, position, body)
                 SELECT $1, 'person', id, $2 + (n - 1)::int4, body::jsonb
                 FROM unnest($3::text[], $4::text[]) WITH ORDINALITY AS t(id, body, n)",
                &[&self.campaign_id, &self.next_person, &new_ids, &new_bodies],
            ))
            .map_err(store_error)?;
            self.next_person += new_ids.len() as i32;
        }
        if !changed_ids.is_empty() {
            rt.block_on(tx.execute(
                "UPDATE reference_rows r SET body = t.body::jsonb
                 FROM unnest($2::text[], $3::text[]) AS t(id, body)
                 WHERE r.campaign_id = $1 AND r.kind = 'person' AND r.key = t.id",
                &[&self.campaign_id, &changed_ids, &changed_bodies],
            ))
            .map_err(store_error)?;
        }
        let lines: Vec<i64> = batch.people.iter().map(|(l, _)| *l as i64).collect();
        rt.block_on(tx.execute(
            "INSERT INTO import_seen (id, line) SELECT * FROM unnest($1::text[], $2::int8[])",
            &[&ids, &lines],
        ))
        .map_err(store_error)?;
        Ok(replaced)
    }
}

impl VoterSink for PgVoterSink<'_> {
    fn households_at(&mut self, keys: &[&str]) -> Result<Vec<Option<String>>, SinkError> {
        let found: HashMap<String, String> = self
            .rt
            .block_on(self.tx.query(
                "SELECT key, id FROM import_homes WHERE key = ANY($1)",
                &[&keys],
            ))
            .map_err(store_error)?
            .iter()
            .map(|r| (r.get("key"), r.get("id")))
            .collect();
        Ok(keys.iter().map(|k| found.get(*k).cloned()).collect())
    }

    fn lines_seen(&mut self, ids: &[&str]) -> Result<Vec<Option<u64>>, SinkError> {
        let found: HashMap<String, i64> = self
            .rt
            .block_on(self.tx.query(
                "SELECT id, line FROM import_seen WHERE id = ANY($1)",
                &[&ids],
            ))
            .map_err(store_error)?
            .iter()
            .map(|r| (r.get("id"), r.get("line")))
            .collect();
        Ok(ids
            .iter()
            .map(|id| found.get(*id).map(|l| *l as u64))
            .collect())
    }

    fn write(&mut self, batch: ImportBatch) -> Result<u64, SinkError> {
        self.write_batch(batch)
    }
}
