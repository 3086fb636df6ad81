//! Moving an embedded deployment (a data directory) to PostgreSQL:
//! `walkbook-server admin migrate-to-postgres`. Everything is copied as it
//! is, so phones carry on without noticing: campaigns with their packets
//! (same versions, so nothing is downloaded again), invites, devices and
//! their tokens, dashboard sessions and sign-in links, the units each
//! device was sent, claims (live ones stay live), and every results
//! document with its index, actor bindings and sync states. The copy is
//! then checked: each campaign's full export must read the same from both.
//!
//! Run it with the server stopped (or read-only): what changes in the data
//! directory during the copy is not copied.

use std::path::Path;

use automerge::Automerge;
use rusqlite::types::ValueRef;
use tokio_postgres::types::{ToSql, Type};
use walkbook_core::export::{CampaignResults, ExportShape, export_results_as};
use walkbook_core::store::DeviceStore;

use super::{CampaignStore, DbError, PgServerDb, ResultsStore, ServerDb, SqliteResults};

/// What was copied.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MoveReport {
    pub campaigns: usize,
    pub packets: usize,
    /// Rows of invites, devices, sessions, sign-in links, device units,
    /// claims and accepted shifts.
    pub access_rows: usize,
    pub documents: usize,
    pub attempts: usize,
    /// Export rows compared (and found equal) across both homes.
    pub export_rows_checked: usize,
}

/// The server.db tables copied row for row (same columns in both homes).
const ACCESS_TABLES: &[(&str, &str)] = &[
    (
        "invites",
        "code_hash, campaign_id, volunteer_id, role, expires_at_ms, created_at_ms, used_at_ms, used_by_device",
    ),
    (
        "devices",
        "token_hash, device_id, campaign_id, volunteer_id, role, joined_at_ms, last_seen_ms, revoked_at_ms, revoked_reason",
    ),
    (
        "sessions",
        "id_hash, token_hash, csrf, created_at_ms, last_seen_ms",
    ),
    (
        "signin_links",
        "code_hash, token_hash, expires_at_ms, used_at_ms",
    ),
    ("device_units", "device_id, doc_id, first_at_ms"),
    (
        "claims",
        "claim_id, campaign_id, list_id, person_id, device_id, volunteer_id, claimed_at_ms, expires_at_ms, released_at_ms",
    ),
    (
        "shift_reviews",
        "campaign_id, volunteer_id, day, accepted_by, at_ms, note",
    ),
];

/// One SQLite value, typed for the PostgreSQL column it goes to.
#[derive(Debug)]
enum Cell {
    Text(Option<String>),
    Int(Option<i64>),
    Bytes(Option<Vec<u8>>),
}

impl Cell {
    fn of(v: ValueRef<'_>, ty: &Type, what: &str) -> Result<Cell, DbError> {
        let bad = || DbError::Invalid(format!("{what}: a value does not fit the column type {ty}"));
        Ok(
            match (
                *ty == Type::INT8 || *ty == Type::INT4,
                *ty == Type::BYTEA,
                v,
            ) {
                (true, _, ValueRef::Null) => Cell::Int(None),
                (true, _, ValueRef::Integer(i)) => Cell::Int(Some(i)),
                (_, true, ValueRef::Null) => Cell::Bytes(None),
                (_, true, ValueRef::Blob(b)) => Cell::Bytes(Some(b.to_vec())),
                (false, false, ValueRef::Null) => Cell::Text(None),
                (false, false, ValueRef::Text(t)) => {
                    Cell::Text(Some(String::from_utf8(t.to_vec()).map_err(|_| bad())?))
                }
                _ => return Err(bad()),
            },
        )
    }

    fn sql(&self) -> &(dyn ToSql + Sync) {
        match self {
            Cell::Text(v) => v,
            Cell::Int(v) => v,
            Cell::Bytes(v) => v,
        }
    }
}

/// Copies `columns` of every row of `table` (optionally filtered) from a
/// SQLite connection to PostgreSQL; returns how many rows.
fn copy_table(
    from: &rusqlite::Connection,
    to: &PgServerDb,
    table: &str,
    columns: &str,
    pg_table: &str,
    pg_prefix: &[(&str, &str)],
) -> Result<usize, DbError> {
    let n = columns.split(',').count();
    let mut st = from.prepare(&format!("SELECT {columns} FROM {table}"))?;
    let mut raw: Vec<Vec<rusqlite::types::Value>> = Vec::new();
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        raw.push((0..n).map(|i| r.get(i)).collect::<Result<_, _>>()?);
    }
    if raw.is_empty() {
        return Ok(0);
    }
    let prefix_cols: String = pg_prefix.iter().map(|(c, _)| format!("{c}, ")).collect();
    let all = n + pg_prefix.len();
    let placeholders: Vec<String> = (1..=all).map(|i| format!("${i}")).collect();
    let sql = format!(
        "INSERT INTO {pg_table} ({prefix_cols}{columns}) VALUES ({})",
        placeholders.join(", ")
    );
    to.run(async |c| {
        let tx = c.transaction().await?;
        let stmt = tx.prepare(&sql).await?;
        for row in &raw {
            let mut cells: Vec<Cell> = pg_prefix
                .iter()
                .map(|(_, v)| Cell::Text(Some(v.to_string())))
                .collect();
            for (v, ty) in row.iter().zip(&stmt.params()[pg_prefix.len()..]) {
                cells.push(Cell::of(ValueRef::from(v), ty, pg_table)?);
            }
            let params: Vec<&(dyn ToSql + Sync)> = cells.iter().map(Cell::sql).collect();
            tx.execute(&stmt, &params).await?;
        }
        tx.commit().await?;
        Ok(())
    })?;
    Ok(raw.len())
}

/// A campaign's full export from the given results and reference data.
fn full_export(
    db: &dyn CampaignStore,
    results: &dyn ResultsStore,
    campaign: &str,
) -> Result<(Vec<u8>, usize), DbError> {
    let data = db.campaign(campaign)?;
    let units = results.unit_attempts(campaign)?;
    let mut out = Vec::new();
    let rows = export_results_as(
        &mut CampaignResults::new(&data, units),
        &mut out,
        ExportShape::Full,
    )
    .map_err(|e| DbError::Invalid(format!("exporting {campaign}: {e}")))?;
    Ok((out, rows))
}

/// Copies the deployment in `data_dir` into `to` (an empty walkbook
/// database, or one without these campaigns), then checks the copy.
pub fn copy_to_postgres(data_dir: &Path, to: &PgServerDb) -> Result<MoveReport, DbError> {
    let server_db = data_dir.join("server.db");
    if !server_db.exists() {
        return Err(DbError::Invalid(format!(
            "{} has no server.db: is it a walkbook data directory?",
            data_dir.display()
        )));
    }
    let from = ServerDb::open(&server_db)?;
    let ids = from.campaign_ids()?;
    for id in &ids {
        if to.campaign(id).is_ok() {
            return Err(DbError::CampaignExists(format!(
                "{id} in the PostgreSQL database (nothing was copied; move to an empty database)"
            )));
        }
    }
    let mut report = MoveReport::default();
    for id in &ids {
        let data = from.campaign(id)?;
        to.insert_campaign(&data)?;
        for a in &data.assignments {
            if let (Some((version, bytes)), Some((_, sha))) =
                (from.packet(id, &a.id)?, from.packet_version(id, &a.id)?)
            {
                to.put_packet(id, &a.id, version, &sha, &bytes)?;
                report.packets += 1;
            }
        }
        report.campaigns += 1;
    }
    let raw = rusqlite::Connection::open_with_flags(
        &server_db,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )?;
    for (table, columns) in ACCESS_TABLES {
        report.access_rows += copy_table(&raw, to, table, columns, table, &[])?;
    }
    // Live claims are also kept on the call-list rows they lock.
    to.run(async |c| {
        c.execute(
            "UPDATE call_list_people p SET claim_id = c.claim_id, device_id = c.device_id,
                    claim_expires_at_ms = c.expires_at_ms
             FROM claims c
             WHERE c.released_at_ms IS NULL AND c.campaign_id = p.campaign_id
               AND c.list_id = p.list_id AND c.person_id = p.person_id
               AND (p.claim_expires_at_ms IS NULL OR p.claim_expires_at_ms < c.expires_at_ms)",
            &[],
        )
        .await?;
        Ok(())
    })?;
    let results_dir = data_dir.join("campaigns");
    for id in &ids {
        let path = super::sqlite_store_path(&results_dir, id);
        if !path.exists() {
            continue;
        }
        let mut store = DeviceStore::open(&path, None)?;
        for doc_id in store.result_doc_ids()? {
            let bytes = store.changes_since(&doc_id, &[])?;
            let doc = Automerge::load(&bytes).map_err(|e| {
                DbError::Invalid(format!("results {doc_id} of {id} do not load ({e})"))
            })?;
            let attempts = store.attempts(&doc_id)?;
            report.attempts += attempts.len();
            to.import_document(id, &doc_id, doc.get_changes(&[]), &attempts)?;
            report.documents += 1;
        }
        drop(store);
        let raw = rusqlite::Connection::open_with_flags(
            &path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )?;
        let campaign = [("campaign_id", id.as_str())];
        copy_table(
            &raw,
            to,
            "actor_devices",
            "actor, device_id",
            "actor_devices",
            &campaign,
        )?;
        copy_table(
            &raw,
            to,
            "sync_states",
            "doc_id, peer_id, state",
            "sync_states",
            &campaign,
        )?;
    }
    // The check: every campaign exports the same from both homes.
    let embedded = SqliteResults::new(results_dir, None);
    for id in &ids {
        let (before, rows) = full_export(&from, &embedded, id)?;
        let (after, _) = full_export(to, to, id)?;
        if before != after {
            return Err(DbError::Invalid(format!(
                "campaign {id} exports differently from PostgreSQL than from the data directory; the copy is not trustworthy: drop the database and report this"
            )));
        }
        report.export_rows_checked += rows;
    }
    Ok(report)
}
