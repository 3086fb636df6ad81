//! A voter-file import streamed into `server.db`: the sink answers from
//! `reference_rows` and two temporary tables (addresses → household ids,
//! voter ids seen in this import), which SQLite keeps on disk, so an
//! 8,000,000-row file imports in bounded memory. Everything happens in one
//! IMMEDIATE transaction: committed whole, or rolled back whole.

use rusqlite::{Connection, OptionalExtension, params};
use walkbook_core::import::{ImportBatch, SinkError, VoterSink, household_key};
use walkbook_core::model::Household;

use super::DbError;
use super::reference::json;

/// Creates the import's scratch tables (empty) and fills the address index
/// from the campaign's stored households, streamed.
/// The bundled SQLite keeps temporary tables in memory by default; an index
/// of every voter id in a statewide file must go to disk, with a bounded
/// cache (64 MiB) in front of it. Set outside a transaction, before the
/// scratch tables exist.
pub(super) fn scratch_on_disk(conn: &Connection) -> Result<(), DbError> {
    conn.execute_batch("PRAGMA temp_store = FILE; PRAGMA temp.cache_size = -65536;")?;
    Ok(())
}

pub(super) fn prepare(conn: &Connection, campaign_id: &str) -> Result<(), DbError> {
    conn.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS import_homes (key TEXT PRIMARY KEY, id TEXT NOT NULL) WITHOUT ROWID;
         CREATE TEMP TABLE IF NOT EXISTS import_seen (id TEXT PRIMARY KEY, line INTEGER NOT NULL) WITHOUT ROWID;
         DELETE FROM temp.import_homes;
         DELETE FROM temp.import_seen;",
    )?;
    let mut read = conn.prepare(
        "SELECT key, body FROM reference_rows WHERE campaign_id = ?1 AND kind = 'household'",
    )?;
    let mut add =
        conn.prepare("INSERT OR IGNORE INTO temp.import_homes (key, id) VALUES (?1, ?2)")?;
    let mut rows = read.query([campaign_id])?;
    while let Some(r) = rows.next()? {
        let id: String = r.get(0)?;
        let body: String = r.get(1)?;
        let h: Household = serde_json::from_str(&body).map_err(|e| {
            DbError::Invalid(format!(
                "stored household {id} of {campaign_id} is unreadable: {e}"
            ))
        })?;
        add.execute(params![household_key(&h), id])?;
    }
    Ok(())
}

/// Drops the scratch tables' contents (they live as long as the connection).
pub(super) fn clear(conn: &Connection) {
    let _ = conn.execute_batch("DELETE FROM temp.import_homes; DELETE FROM temp.import_seen;");
}

pub(super) struct SqliteVoterSink<'c> {
    conn: &'c Connection,
    campaign_id: &'c str,
    next_household: i64,
    next_person: i64,
}

impl<'c> SqliteVoterSink<'c> {
    pub(super) fn new(conn: &'c Connection, campaign_id: &'c str) -> Result<Self, DbError> {
        let next = |kind: &str| -> Result<i64, DbError> {
            Ok(conn.query_row(
                "SELECT coalesce(max(position) + 1, 0) FROM reference_rows WHERE campaign_id = ?1 AND kind = ?2",
                params![campaign_id, kind],
                |r| r.get(0),
            )?)
        };
        Ok(SqliteVoterSink {
            conn,
            campaign_id,
            next_household: next("household")?,
            next_person: next("person")?,
        })
    }

    fn write_batch(&mut self, batch: ImportBatch) -> rusqlite::Result<Result<u64, SinkError>> {
        let c = self.conn;
        let mut insert = c.prepare_cached(
            "INSERT INTO reference_rows (campaign_id, kind, key, position, body) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (campaign_id, kind, key) DO NOTHING",
        )?;
        let mut home =
            c.prepare_cached("INSERT INTO temp.import_homes (key, id) VALUES (?1, ?2)")?;
        for (key, h) in &batch.households {
            let n = insert.execute(params![
                self.campaign_id,
                "household",
                h.id,
                self.next_household,
                json(h).to_string()
            ])?;
            if n == 0 {
                return Ok(Err(SinkError(format!(
                    "household id {} is already used by another address; nothing was imported",
                    h.id
                ))));
            }
            self.next_household += 1;
            home.execute(params![key, h.id])?;
        }
        let mut stored = c.prepare_cached(
            "SELECT body FROM reference_rows WHERE campaign_id = ?1 AND kind = 'person' AND key = ?2",
        )?;
        let mut update = c.prepare_cached(
            "UPDATE reference_rows SET body = ?3 WHERE campaign_id = ?1 AND kind = 'person' AND key = ?2",
        )?;
        let mut seen =
            c.prepare_cached("INSERT INTO temp.import_seen (id, line) VALUES (?1, ?2)")?;
        let mut replaced = 0;
        for (line, p) in &batch.people {
            let body = json(p).to_string();
            let old: Option<String> = stored
                .query_row(params![self.campaign_id, p.id], |r| r.get(0))
                .optional()?;
            match old {
                // An unchanged person is not rewritten (a re-import of the
                // same file writes next to nothing). Bodies are canonical
                // JSON (sorted keys), so equal people have equal text.
                Some(old) => {
                    replaced += 1;
                    if old != body {
                        update.execute(params![self.campaign_id, p.id, body])?;
                    }
                }
                None => {
                    insert.execute(params![
                        self.campaign_id,
                        "person",
                        p.id,
                        self.next_person,
                        body
                    ])?;
                    self.next_person += 1;
                }
            }
            seen.execute(params![p.id, *line as i64])?;
        }
        Ok(Ok(replaced))
    }
}

fn store_error(e: rusqlite::Error) -> SinkError {
    SinkError(format!("the server database failed: {e}"))
}

impl VoterSink for SqliteVoterSink<'_> {
    fn households_at(&mut self, keys: &[&str]) -> Result<Vec<Option<String>>, SinkError> {
        let mut st = self
            .conn
            .prepare_cached("SELECT id FROM temp.import_homes WHERE key = ?1")
            .map_err(store_error)?;
        keys.iter()
            .map(|k| {
                st.query_row([k], |r| r.get(0))
                    .optional()
                    .map_err(store_error)
            })
            .collect()
    }

    fn lines_seen(&mut self, ids: &[&str]) -> Result<Vec<Option<u64>>, SinkError> {
        let mut st = self
            .conn
            .prepare_cached("SELECT line FROM temp.import_seen WHERE id = ?1")
            .map_err(store_error)?;
        ids.iter()
            .map(|id| {
                st.query_row([id], |r| r.get::<_, i64>(0))
                    .optional()
                    .map(|l| l.map(|l| l as u64))
                    .map_err(store_error)
            })
            .collect()
    }

    fn write(&mut self, batch: ImportBatch) -> Result<u64, SinkError> {
        self.write_batch(batch).map_err(store_error)?
    }
}
