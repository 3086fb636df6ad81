//! `server.db`, the embedded store: campaigns, packets, invites, devices,
//! sessions and claims. Opened through walkbook-core's one
//! `open_database_with`, with the server's migrations. Two connections:
//! writes take turns on one; reads (tokens, assignments, packets, campaign
//! data) use the other, so with WAL they never wait behind a writer.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use walkbook_core::model::ReferenceData;
use walkbook_core::store::open_database_with;
use walkbook_core::sync::Role;

use super::reference::{Assemble, Placed, Rows, json, stored_body};
use super::sign_in::LocalBuckets;
use super::{
    AccessStore, CampaignEdit, CampaignStore, Claim, ClaimStore, DbError, Device, ImportRun,
    InviteProblem, NewClaim, ShiftReview, hash_secret, parse_role, random_secret, role_str,
    sqlite_import,
};
use walkbook_core::import::{ImportError, ImportReport};

const MIGRATIONS: &[&str] = &[
    include_str!("schema_v1.sql"),
    include_str!("schema_v2.sql"),
    include_str!("schema_v3.sql"),
    include_str!("schema_v4.sql"),
    include_str!("schema_v5.sql"),
    include_str!("schema_v6.sql"),
    include_str!("schema_v7.sql"),
    include_str!("schema_v8.sql"),
];

/// A new dashboard session for the device whose token hashes to
/// `token_hash`: (session id, CSRF token); only the id's hash is stored.
fn insert_session(
    conn: &Connection,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<(String, String), DbError> {
    let id = random_secret();
    let csrf = uuid::Uuid::new_v4().simple().to_string();
    conn.execute(
        "INSERT INTO sessions (id_hash, token_hash, csrf, created_at_ms, last_seen_ms) VALUES (?1, ?2, ?3, ?4, ?4)",
        params![hash_secret(&id), token_hash, csrf, now.timestamp_millis()],
    )?;
    Ok((id, csrf))
}

pub struct ServerDb {
    writer: Mutex<Connection>,
    reader: Mutex<Connection>,
    /// Sign-in budgets, in this process's memory (one process serves a
    /// data directory).
    sign_ins: LocalBuckets,
}

fn lock(conn: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    conn.lock().unwrap_or_else(|p| p.into_inner())
}

impl ServerDb {
    pub fn open(path: &Path) -> Result<Self, DbError> {
        Ok(ServerDb {
            writer: Mutex::new(open_database_with(path, None, MIGRATIONS)?),
            reader: Mutex::new(open_database_with(path, None, MIGRATIONS)?),
            sign_ins: LocalBuckets::default(),
        })
    }

    /// How long writes wait for a lock held by another process (the server
    /// keeps it short and answers 503; admin commands wait longer).
    pub fn set_busy_timeout(&self, timeout: std::time::Duration) -> Result<(), DbError> {
        lock(&self.writer).busy_timeout(timeout)?;
        lock(&self.reader).busy_timeout(timeout)?;
        Ok(())
    }

    fn write(&self) -> MutexGuard<'_, Connection> {
        lock(&self.writer)
    }

    fn read(&self) -> MutexGuard<'_, Connection> {
        lock(&self.reader)
    }
}

/// Runs a bookkeeping write that is skipped, not waited for, when the
/// database is locked elsewhere.
fn without_waiting<T>(
    conn: &Connection,
    f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
) -> Option<T> {
    let previous: i64 = conn
        .query_row("PRAGMA busy_timeout", [], |r| r.get(0))
        .unwrap_or(2000);
    let _ = conn.busy_timeout(std::time::Duration::ZERO);
    let out = f(conn);
    let _ = conn.busy_timeout(std::time::Duration::from_millis(previous.max(0) as u64));
    out.ok()
}

fn device_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Device> {
    let revoked_at: Option<i64> = r.get(4)?;
    let reason: Option<String> = r.get(5)?;
    Ok(Device {
        device_id: r.get(0)?,
        campaign_id: r.get(1)?,
        volunteer_id: r.get(2)?,
        role: parse_role(&r.get::<_, String>(3)?),
        revoked: revoked_at.map(|_| reason.unwrap_or_else(|| "revoked by an organizer".into())),
    })
}

/// A campaign's settings and reference rows, read in the caller's transaction.
fn read_campaign(tx: &Connection, id: &str) -> Result<ReferenceData, DbError> {
    let settings: Option<String> = tx
        .query_row("SELECT settings FROM campaigns WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .optional()?;
    let settings = settings.ok_or_else(|| DbError::NoCampaign(id.to_string()))?;
    let mut data = Assemble::new(id, &settings)?;
    let mut st = tx.prepare_cached(
        "SELECT kind, key, body FROM reference_rows WHERE campaign_id = ?1 ORDER BY kind, position",
    )?;
    let mut q = st.query([id])?;
    while let Some(r) = q.next()? {
        let text = |i: usize| -> rusqlite::Result<&str> {
            r.get_ref(i)?.as_str().map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, e.into())
            })
        };
        data.push(text(0)?, text(1)?, text(2)?)?;
    }
    Ok(data.data)
}

/// Validates `data` and writes what changed (rows upserted or deleted, the
/// settings, the revision bumped) in the caller's write transaction.
fn store_campaign(tx: &Connection, data: &ReferenceData) -> Result<(), DbError> {
    let (c, rows) = Rows::checked(data)?;
    let mut stored: HashMap<(String, String), (i32, serde_json::Value)> = HashMap::new();
    {
        let mut st = tx.prepare(
            "SELECT kind, key, position, body FROM reference_rows WHERE campaign_id = ?1",
        )?;
        let mut q = st.query([&c.id])?;
        while let Some(r) = q.next()? {
            let body: String = r.get(3)?;
            stored.insert(
                (r.get(0)?, r.get(1)?),
                (r.get(2)?, stored_body(&c.id, &body)?),
            );
        }
    }
    let (changed, gone) = rows.changes(stored);
    write_changes(tx, c, &changed, &gone)
}

/// Writes changed rows, deletes gone ones, stores the settings and bumps the
/// revision, in the caller's write transaction.
fn write_changes(
    tx: &Connection,
    c: &walkbook_core::model::Campaign,
    changed: &[Placed<'_>],
    gone: &[(String, String)],
) -> Result<(), DbError> {
    let n = tx.execute(
        "UPDATE campaigns SET settings = ?2, name = ?3, revision = revision + 1 WHERE id = ?1",
        params![c.id, json(c).to_string(), c.name],
    )?;
    if n == 0 {
        return Err(DbError::NoCampaign(c.id.clone()));
    }
    upsert_rows(tx, &c.id, changed)?;
    let mut st =
        tx.prepare("DELETE FROM reference_rows WHERE campaign_id = ?1 AND kind = ?2 AND key = ?3")?;
    for (kind, key) in gone {
        st.execute(params![c.id, kind, key])?;
    }
    Ok(())
}

fn upsert_rows(conn: &Connection, campaign_id: &str, rows: &[Placed<'_>]) -> Result<(), DbError> {
    let mut st = conn.prepare_cached(
        "INSERT INTO reference_rows (campaign_id, kind, key, position, body) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (campaign_id, kind, key) DO UPDATE SET position = excluded.position, body = excluded.body",
    )?;
    for (kind, key, position, body) in rows {
        st.execute(params![campaign_id, kind, key, position, body.to_string()])?;
    }
    Ok(())
}

impl CampaignStore for ServerDb {
    fn insert_campaign(&self, data: &ReferenceData) -> Result<String, DbError> {
        let (c, rows) = Rows::checked(data)?;
        walkbook_core::model::check_campaign_id(&c.id).map_err(DbError::Invalid)?;
        let mut conn = self.write();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let inserted = tx.execute(
            "INSERT INTO campaigns (id, name, settings, created_at_ms) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (id) DO NOTHING",
            params![
                c.id,
                c.name,
                json(c).to_string(),
                Utc::now().timestamp_millis()
            ],
        )?;
        if inserted == 0 {
            return Err(DbError::CampaignExists(c.id.clone()));
        }
        upsert_rows(&tx, &c.id, &rows.all())?;
        tx.commit()?;
        Ok(c.id.clone())
    }

    fn update_campaign(&self, data: &ReferenceData) -> Result<(), DbError> {
        let mut conn = self.write();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        store_campaign(&tx, data)?;
        tx.commit()?;
        Ok(())
    }

    fn edit_campaign(&self, id: &str, edit: &mut CampaignEdit<'_>) -> Result<(), DbError> {
        let mut conn = self.write();
        // Immediate: the write lock is taken before the read, so no other
        // edit can slip in between.
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let before = read_campaign(&tx, id)?;
        let mut data = before.clone();
        if edit(&mut data)? {
            let (c, changed, gone) = Rows::between(&before, &data)?;
            write_changes(&tx, c, &changed.all(), &gone)?;
            tx.commit()?;
        }
        Ok(())
    }

    fn campaign(&self, id: &str) -> Result<ReferenceData, DbError> {
        let mut conn = self.read();
        // One snapshot for the settings and the rows.
        let tx = conn.transaction()?;
        let data = read_campaign(&tx, id)?;
        tx.commit()?;
        Ok(data)
    }

    fn delete_campaign(&self, id: &str) -> Result<(), DbError> {
        let mut conn = self.write();
        let tx = conn.transaction()?;
        tx.execute("DELETE FROM packets WHERE campaign_id = ?1", [id])?;
        tx.execute("DELETE FROM reference_rows WHERE campaign_id = ?1", [id])?;
        tx.execute("DELETE FROM campaigns WHERE id = ?1", [id])?;
        tx.commit()?;
        Ok(())
    }

    fn campaign_revision(&self, id: &str) -> Result<i64, DbError> {
        self.read()
            .query_row("SELECT revision FROM campaigns WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()?
            .ok_or_else(|| DbError::NoCampaign(id.to_string()))
    }

    fn campaign_ids(&self) -> Result<Vec<String>, DbError> {
        let conn = self.read();
        let mut st = conn.prepare("SELECT id FROM campaigns ORDER BY id")?;
        let rows = st.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn assignment_ids(&self, campaign_id: &str) -> Result<Vec<String>, DbError> {
        let conn = self.read();
        let mut st = conn.prepare_cached(
            "SELECT key FROM reference_rows WHERE campaign_id = ?1 AND kind = 'assignment' ORDER BY position",
        )?;
        let rows = st.query_map([campaign_id], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn accept_shift(&self, review: &ShiftReview) -> Result<(), DbError> {
        self.write().execute(
            "INSERT INTO shift_reviews (campaign_id, volunteer_id, day, accepted_by, at_ms, note)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (campaign_id, volunteer_id, day) DO UPDATE SET
                 accepted_by = excluded.accepted_by, at_ms = excluded.at_ms, note = excluded.note",
            params![
                review.campaign_id,
                review.volunteer_id,
                review.day,
                review.accepted_by,
                review.at_ms,
                review.note
            ],
        )?;
        Ok(())
    }

    fn shift_reviews(&self, campaign_id: &str) -> Result<Vec<ShiftReview>, DbError> {
        let conn = self.read();
        let mut st = conn.prepare_cached(
            "SELECT campaign_id, volunteer_id, day, accepted_by, at_ms, note FROM shift_reviews
             WHERE campaign_id = ?1 ORDER BY volunteer_id, day",
        )?;
        let rows = st.query_map([campaign_id], |r| {
            Ok(ShiftReview {
                campaign_id: r.get(0)?,
                volunteer_id: r.get(1)?,
                day: r.get(2)?,
                accepted_by: r.get(3)?,
                at_ms: r.get(4)?,
                note: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn import_people(
        &self,
        campaign_id: &str,
        commit: bool,
        run: &mut ImportRun<'_>,
    ) -> Result<Result<ImportReport, ImportError>, DbError> {
        let mut conn = self.write();
        sqlite_import::scratch_on_disk(&conn)?;
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let exists: Option<i64> = tx
            .query_row(
                "SELECT 1 FROM campaigns WHERE id = ?1",
                [campaign_id],
                |r| r.get(0),
            )
            .optional()?;
        if exists.is_none() {
            return Err(DbError::NoCampaign(campaign_id.to_string()));
        }
        sqlite_import::prepare(&tx, campaign_id)?;
        let outcome = {
            let mut sink = sqlite_import::SqliteVoterSink::new(&tx, campaign_id)?;
            run(&mut sink)
        };
        sqlite_import::clear(&tx);
        if commit && outcome.is_ok() {
            tx.execute(
                "UPDATE campaigns SET revision = revision + 1 WHERE id = ?1",
                [campaign_id],
            )?;
            tx.commit()?;
        }
        // Otherwise the transaction rolls back when dropped.
        Ok(outcome)
    }

    fn put_packet(
        &self,
        campaign_id: &str,
        assignment_id: &str,
        version: u64,
        sha256: &str,
        bytes: &[u8],
    ) -> Result<(), DbError> {
        self.write().execute(
            "INSERT OR REPLACE INTO packets (campaign_id, assignment_id, version, sha256, bytes) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![campaign_id, assignment_id, version as i64, sha256, bytes],
        )?;
        Ok(())
    }

    fn packet_version(
        &self,
        campaign_id: &str,
        assignment_id: &str,
    ) -> Result<Option<(u64, String)>, DbError> {
        Ok(self
            .read()
            .query_row(
                "SELECT version, sha256 FROM packets WHERE campaign_id = ?1 AND assignment_id = ?2",
                params![campaign_id, assignment_id],
                |r| Ok((r.get::<_, i64>(0)? as u64, r.get(1)?)),
            )
            .optional()?)
    }

    fn packet(
        &self,
        campaign_id: &str,
        assignment_id: &str,
    ) -> Result<Option<(u64, Vec<u8>)>, DbError> {
        Ok(self
            .read()
            .query_row(
                "SELECT version, bytes FROM packets WHERE campaign_id = ?1 AND assignment_id = ?2",
                params![campaign_id, assignment_id],
                |r| Ok((r.get::<_, i64>(0)? as u64, r.get(1)?)),
            )
            .optional()?)
    }
}

impl AccessStore for ServerDb {
    fn insert_invite(
        &self,
        code: &str,
        campaign_id: &str,
        volunteer_id: &str,
        role: Role,
        expires_at: DateTime<Utc>,
    ) -> Result<(), DbError> {
        self.write().execute(
            "INSERT INTO invites (code_hash, campaign_id, volunteer_id, role, expires_at_ms, created_at_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                hash_secret(code),
                campaign_id,
                volunteer_id,
                role_str(role),
                expires_at.timestamp_millis(),
                Utc::now().timestamp_millis()
            ],
        )?;
        Ok(())
    }

    fn redeem_invite(
        &self,
        code: &str,
        token: &str,
        rejoining: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Result<Device, InviteProblem>, DbError> {
        let mut conn = self.write();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let row: Option<(String, String, String, i64, Option<i64>)> = tx
            .query_row(
                "SELECT campaign_id, volunteer_id, role, expires_at_ms, used_at_ms FROM invites WHERE code_hash = ?1",
                [hash_secret(code)],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .optional()?;
        let Some((campaign_id, volunteer_id, role, expires, used)) = row else {
            return Ok(Err(InviteProblem::Unknown));
        };
        if used.is_some() {
            return Ok(Err(InviteProblem::Used));
        }
        if expires <= now.timestamp_millis() {
            return Ok(Err(InviteProblem::Expired));
        }
        let now_ms = now.timestamp_millis();
        let kept: Option<String> = match rejoining {
            Some(d) => tx
                .query_row(
                    "SELECT device_id FROM devices WHERE device_id = ?1 AND campaign_id = ?2 AND volunteer_id = ?3
                     AND NOT EXISTS (SELECT 1 FROM devices r WHERE r.device_id = ?1 AND r.revoked_at_ms IS NOT NULL)
                     LIMIT 1",
                    params![d, campaign_id, volunteer_id],
                    |r| r.get(0),
                )
                .optional()?,
            None => None,
        };
        let device_id = kept.unwrap_or_else(|| format!("dev-{}", uuid::Uuid::new_v4()));
        let device_id = device_id.as_str();
        tx.execute(
            "UPDATE invites SET used_at_ms = ?2, used_by_device = ?3 WHERE code_hash = ?1",
            params![hash_secret(code), now_ms, device_id],
        )?;
        tx.execute(
            "INSERT INTO devices (token_hash, device_id, campaign_id, volunteer_id, role, joined_at_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![hash_secret(token), device_id, campaign_id, volunteer_id, role, now_ms],
        )?;
        tx.commit()?;
        Ok(Ok(Device {
            device_id: device_id.into(),
            campaign_id,
            volunteer_id,
            role: parse_role(&role),
            revoked: None,
        }))
    }

    fn device_for_token(&self, token: &str) -> Result<Option<Device>, DbError> {
        Ok(self
            .read()
            .query_row(
                "SELECT device_id, campaign_id, volunteer_id, role, revoked_at_ms, revoked_reason FROM devices WHERE token_hash = ?1",
                [hash_secret(token)],
                device_row,
            )
            .optional()?)
    }

    fn touch_device(&self, token: &str) -> Result<(), DbError> {
        // A write (and its fsync) on every request would cost more than the
        // request: at most once a minute, on the reading connection, and
        // skipped when another process holds the write lock.
        without_waiting(&self.read(), |conn| {
            conn.execute(
                "UPDATE devices SET last_seen_ms = ?2 WHERE token_hash = ?1
                 AND (last_seen_ms IS NULL OR last_seen_ms < ?2 - 60000)",
                params![hash_secret(token), Utc::now().timestamp_millis()],
            )
        });
        Ok(())
    }

    fn revoke_device(
        &self,
        campaign_id: &str,
        device_id: &str,
        reason: &str,
    ) -> Result<usize, DbError> {
        let mut conn = self.write();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let n = tx.execute(
            "UPDATE devices SET revoked_at_ms = ?3, revoked_reason = ?4
             WHERE campaign_id = ?1 AND device_id = ?2 AND revoked_at_ms IS NULL",
            params![
                campaign_id,
                device_id,
                Utc::now().timestamp_millis(),
                reason
            ],
        )?;
        // Its dashboard sessions end with it.
        tx.execute(
            "DELETE FROM sessions WHERE token_hash IN
                 (SELECT token_hash FROM devices WHERE campaign_id = ?1 AND device_id = ?2)",
            params![campaign_id, device_id],
        )?;
        tx.commit()?;
        Ok(n)
    }

    fn devices(&self, campaign_id: &str) -> Result<Vec<Device>, DbError> {
        let conn = self.read();
        let mut st = conn.prepare(
            "SELECT device_id, campaign_id, volunteer_id, role, revoked_at_ms, revoked_reason FROM devices
             WHERE campaign_id = ?1 ORDER BY joined_at_ms",
        )?;
        let rows = st.query_map([campaign_id], device_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn record_device_unit(&self, device_id: &str, doc_id: &str) -> Result<(), DbError> {
        self.write().execute(
            "INSERT OR IGNORE INTO device_units (device_id, doc_id, first_at_ms) VALUES (?1, ?2, ?3)",
            params![device_id, doc_id, Utc::now().timestamp_millis()],
        )?;
        Ok(())
    }

    fn device_held_unit(&self, device_id: &str, doc_id: &str) -> Result<bool, DbError> {
        Ok(self.read().query_row(
            "SELECT EXISTS (SELECT 1 FROM device_units WHERE device_id = ?1 AND doc_id = ?2)",
            params![device_id, doc_id],
            |r| r.get(0),
        )?)
    }

    fn create_session(&self, token: &str, now: DateTime<Utc>) -> Result<(String, String), DbError> {
        insert_session(&self.write(), &hash_secret(token), now)
    }

    fn session(
        &self,
        id: &str,
        now: DateTime<Utc>,
        idle: chrono::Duration,
        absolute: chrono::Duration,
    ) -> Result<Option<(Device, String)>, DbError> {
        let now_ms = now.timestamp_millis();
        let conn = self.read();
        let row: Option<(Device, String, i64, i64)> = conn
            .query_row(
                "SELECT d.device_id, d.campaign_id, d.volunteer_id, d.role, d.revoked_at_ms, d.revoked_reason,
                        s.csrf, s.created_at_ms, s.last_seen_ms
                 FROM sessions s JOIN devices d ON d.token_hash = s.token_hash WHERE s.id_hash = ?1",
                [hash_secret(id)],
                |r| Ok((device_row(r)?, r.get(6)?, r.get(7)?, r.get(8)?)),
            )
            .optional()?;
        let Some((device, csrf, created, seen)) = row else {
            return Ok(None);
        };
        if device.revoked.is_some()
            || now_ms - seen > idle.num_milliseconds()
            || now_ms - created > absolute.num_milliseconds()
        {
            // Dead either way; removing the row can wait for a free lock.
            without_waiting(&conn, |conn| {
                conn.execute("DELETE FROM sessions WHERE id_hash = ?1", [hash_secret(id)])
            });
            return Ok(None);
        }
        if now_ms - seen > 60_000 {
            without_waiting(&conn, |conn| {
                conn.execute(
                    "UPDATE sessions SET last_seen_ms = ?2 WHERE id_hash = ?1",
                    params![hash_secret(id), now_ms],
                )
            });
        }
        Ok(Some((device, csrf)))
    }

    fn create_signin_link(
        &self,
        token: &str,
        now: DateTime<Utc>,
        valid_for: chrono::Duration,
    ) -> Result<String, DbError> {
        let code = random_secret();
        self.write().execute(
            "INSERT INTO signin_links (code_hash, token_hash, expires_at_ms) VALUES (?1, ?2, ?3)",
            params![
                hash_secret(&code),
                hash_secret(token),
                (now + valid_for).timestamp_millis()
            ],
        )?;
        Ok(code)
    }

    fn redeem_signin_link(
        &self,
        code: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<(String, String)>, DbError> {
        let mut conn = self.write();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let token_hash: Option<String> = tx
            .query_row(
                "UPDATE signin_links SET used_at_ms = ?2
                 WHERE code_hash = ?1 AND used_at_ms IS NULL AND expires_at_ms > ?2
                 RETURNING token_hash",
                params![hash_secret(code), now.timestamp_millis()],
                |r| r.get(0),
            )
            .optional()?;
        let Some(token_hash) = token_hash else {
            return Ok(None);
        };
        let session = insert_session(&tx, &token_hash, now)?;
        tx.commit()?;
        Ok(Some(session))
    }

    fn delete_session(&self, id: &str) -> Result<(), DbError> {
        self.write()
            .execute("DELETE FROM sessions WHERE id_hash = ?1", [hash_secret(id)])?;
        Ok(())
    }

    fn take_sign_in(
        &self,
        bucket: &str,
        per_minute: u32,
    ) -> Result<Result<(), std::time::Duration>, DbError> {
        Ok(self.sign_ins.take(bucket, per_minute))
    }
}

impl ClaimStore for ServerDb {
    /// One IMMEDIATE transaction: two claims (from any process on this
    /// file) can never take the same contact.
    fn claim(&self, q: &NewClaim<'_>) -> Result<Claim, DbError> {
        let mut conn = self.write();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let now_ms = q.now.timestamp_millis();
        let live: std::collections::HashSet<String> = {
            let mut st = tx.prepare(
                "SELECT person_id FROM claims WHERE campaign_id = ?1 AND list_id = ?2
                 AND released_at_ms IS NULL AND expires_at_ms > ?3",
            )?;
            let rows = st.query_map(params![q.campaign_id, q.list_id, now_ms], |r| r.get(0))?;
            rows.collect::<Result<_, _>>()?
        };
        let claim_id = uuid::Uuid::new_v4().to_string();
        let expires_at_ms = (q.now + q.lease).timestamp_millis();
        let person_ids: Vec<String> = q
            .candidates
            .iter()
            .filter(|p| !live.contains(*p) && !q.excluded.contains(*p))
            .take(q.size)
            .cloned()
            .collect();
        {
            let mut st = tx.prepare(
                "INSERT INTO claims (claim_id, campaign_id, list_id, person_id, device_id, volunteer_id, claimed_at_ms, expires_at_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?;
            for p in &person_ids {
                st.execute(params![
                    claim_id,
                    q.campaign_id,
                    q.list_id,
                    p,
                    q.device.device_id,
                    q.device.volunteer_id,
                    now_ms,
                    expires_at_ms
                ])?;
            }
        }
        tx.commit()?;
        Ok(Claim {
            claim_id,
            person_ids,
            expires_at_ms,
        })
    }

    fn release_claim(
        &self,
        claim_id: &str,
        device: &Device,
        now: DateTime<Utc>,
    ) -> Result<usize, DbError> {
        Ok(self.write().execute(
            "UPDATE claims SET released_at_ms = ?3
             WHERE claim_id = ?1 AND device_id = ?2 AND released_at_ms IS NULL AND expires_at_ms > ?3",
            params![claim_id, device.device_id, now.timestamp_millis()],
        )?)
    }
}
