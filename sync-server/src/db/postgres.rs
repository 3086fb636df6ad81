//! The server's store on PostgreSQL: the same three traits as `server.db`,
//! for several server processes on one database (ADR 0011).
//!
//! - Reference data lives in rows (`reference_rows`, one per household,
//!   person, turf, …); an update writes the rows that changed, not the
//!   whole campaign.
//! - Every operation is one transaction on a pooled connection, so nothing
//!   is cached between calls: an invite used, a device revoked or a session
//!   ended through one process is seen by every other at once.
//! - Claims lock call-list rows `FOR UPDATE SKIP LOCKED`, and the live
//!   claim is written on the locked row, so two claims at once (on any
//!   processes) take different contacts and neither waits for the other.
//!
//! The driver is tokio-postgres on a small runtime of the store's own: the
//! server calls its stores from blocking sections (`spawn_blocking`), the
//! admin commands from plain threads; both block on this runtime.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde_json::Value;
use tokio_postgres::config::SslMode;
use tokio_postgres::{Client, Config, GenericClient, NoTls};
use tokio_postgres_rustls::MakeRustlsConnect;
use walkbook_core::model::ReferenceData;
use walkbook_core::sync::Role;

use super::reference::{Assemble, Placed, Rows, json, stored_body};
use super::sign_in;
use super::{
    AccessStore, CampaignEdit, CampaignStore, Claim, ClaimStore, DbError, Device, ImportRun,
    InviteProblem, NewClaim, ShiftReview, hash_secret, parse_role, postgres_import, random_secret,
    role_str,
};
use walkbook_core::import::{ImportError, ImportReport};

const MIGRATIONS: &[&str] = &[
    include_str!("pg_schema_v1.sql"),
    include_str!("pg_schema_v2.sql"),
    include_str!("pg_schema_v3.sql"),
    include_str!("pg_schema_v4.sql"),
];

/// The advisory lock migrations take, so processes starting together
/// migrate one at a time ("walkbook" in ASCII).
const MIGRATION_LOCK: i64 = 0x7761_6c6b_626f_6f6b;

/// Connections one process opens at most, and keeps open for reuse;
/// requests beyond them wait for one. Several processes on one database
/// need (processes × this) below PostgreSQL's `max_connections` (100 by
/// default). Opening a connection starts a PostgreSQL backend, whose
/// catalog caches start cold: a burst of syncs used to open one per
/// request and drop most of them after.
pub const MAX_CONNECTIONS: usize = 16;

/// How long a request waits for a free connection before it is answered
/// 503 (`DbError::Unavailable`).
const CONNECTION_WAIT: Duration = Duration::from_secs(10);

/// The connections of one process: idle ones, and how many are open.
#[derive(Default)]
struct Pool {
    idle: Vec<Conn>,
    open: usize,
}

/// A pooled connection with the statements prepared on it.
struct Conn {
    client: Client,
    statements: Statements,
}

/// Statements prepared once per connection and reused: `query("…")` with
/// text parses and plans the statement again each time, one more round
/// trip per statement. For the statements of the sync path, run a few
/// dozen times per second per connection.
#[derive(Default)]
pub(crate) struct Statements(Mutex<HashMap<&'static str, tokio_postgres::Statement>>);

impl Statements {
    async fn prepared(
        &self,
        client: &impl GenericClient,
        sql: &'static str,
    ) -> Result<tokio_postgres::Statement, DbError> {
        if let Some(s) = self.0.lock().unwrap_or_else(|p| p.into_inner()).get(sql) {
            return Ok(s.clone());
        }
        let statement = client.prepare(sql).await?;
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(sql, statement.clone());
        Ok(statement)
    }
}

/// A transaction whose statements are prepared once per connection
/// ([`Statements`]); the same calls as a `Transaction`, for fixed SQL.
pub(crate) struct Tx<'t, 'c> {
    pub(crate) tx: &'t tokio_postgres::Transaction<'c>,
    pub(crate) statements: &'t Statements,
}

type Params<'a> = [&'a (dyn tokio_postgres::types::ToSql + Sync)];

impl<'t, 'c> Tx<'t, 'c> {
    pub(crate) fn new(tx: &'t tokio_postgres::Transaction<'c>, statements: &'t Statements) -> Self {
        Tx { tx, statements }
    }

    pub(crate) async fn execute(
        &self,
        sql: &'static str,
        params: &Params<'_>,
    ) -> Result<u64, DbError> {
        let s = self.statements.prepared(self.tx, sql).await?;
        Ok(self.tx.execute(&s, params).await?)
    }

    pub(crate) async fn query(
        &self,
        sql: &'static str,
        params: &Params<'_>,
    ) -> Result<Vec<tokio_postgres::Row>, DbError> {
        let s = self.statements.prepared(self.tx, sql).await?;
        Ok(self.tx.query(&s, params).await?)
    }

    pub(crate) async fn query_one(
        &self,
        sql: &'static str,
        params: &Params<'_>,
    ) -> Result<tokio_postgres::Row, DbError> {
        let s = self.statements.prepared(self.tx, sql).await?;
        Ok(self.tx.query_one(&s, params).await?)
    }

    pub(crate) async fn query_opt(
        &self,
        sql: &'static str,
        params: &Params<'_>,
    ) -> Result<Option<tokio_postgres::Row>, DbError> {
        let s = self.statements.prepared(self.tx, sql).await?;
        Ok(self.tx.query_opt(&s, params).await?)
    }
}

impl From<tokio_postgres::Error> for DbError {
    fn from(e: tokio_postgres::Error) -> Self {
        match e.as_db_error() {
            Some(d) => DbError::Postgres(format!("{} (SQLSTATE {})", d.message(), d.code().code())),
            None if e.is_closed() => {
                DbError::Unavailable(format!("the connection to PostgreSQL closed ({e})"))
            }
            None => DbError::Postgres(e.to_string()),
        }
    }
}

pub struct PgServerDb {
    /// `Some` until dropped.
    runtime: Option<tokio::runtime::Runtime>,
    config: Config,
    /// TLS to the database (`sslmode=require` or a CA file), verifying the
    /// server's certificate and name; `None`: plain TCP.
    tls: Option<MakeRustlsConnect>,
    pool: Mutex<Pool>,
    /// Signalled when a connection goes back to the pool or closes.
    returned: Condvar,
    /// Results documents as this process last saw them (`postgres_results`).
    pub(crate) docs: Mutex<HashMap<(String, String), super::postgres_results::CachedDoc>>,
    /// Sign-in attempts this process has counted, to sweep full buckets
    /// now and then.
    sign_ins_taken: AtomicU32,
}

impl Drop for PgServerDb {
    fn drop(&mut self) {
        // Never blocks, so the store may be dropped anywhere (also inside
        // the server's async tasks).
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

impl PgServerDb {
    /// Connects to `url` (`postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`)
    /// and brings the schema up to date.
    pub fn connect(url: &str) -> Result<Self, DbError> {
        Self::connect_with(url, None)
    }

    /// [`Self::connect`], with TLS when the URL says `sslmode=require` or a
    /// CA file is given: the server's certificate must chain to `ca` (PEM,
    /// e.g. the managed database's CA bundle), or to the system's roots
    /// without one, and name the host. Unlike libpq's `require`, the
    /// certificate is always verified. Without either, plain TCP.
    pub fn connect_with(url: &str, ca: Option<&std::path::Path>) -> Result<Self, DbError> {
        let mut config: Config = url.parse().map_err(|e| {
            DbError::Invalid(format!(
                "the database URL is not a PostgreSQL URL ({e}); expected postgres://USER@HOST:PORT/DATABASE"
            ))
        })?;
        let tls = if ca.is_some() || config.get_ssl_mode() == SslMode::Require {
            config.ssl_mode(SslMode::Require);
            Some(tls_connector(ca)?)
        } else {
            None
        };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("walkbook-postgres")
            .enable_all()
            .build()
            .map_err(|e| {
                DbError::Unavailable(format!("could not start the database runtime: {e}"))
            })?;
        let db = PgServerDb {
            runtime: Some(runtime),
            config,
            tls,
            pool: Mutex::new(Pool::default()),
            returned: Condvar::new(),
            docs: Mutex::new(HashMap::new()),
            sign_ins_taken: AtomicU32::new(0),
        };
        db.run(async |c| migrate(c).await)?;
        Ok(db)
    }

    /// The database as `user@host:port/dbname`, never with its password.
    pub fn describe(&self) -> String {
        let host = match self.config.get_hosts().first() {
            Some(tokio_postgres::config::Host::Tcp(h)) => h.clone(),
            #[cfg(unix)]
            Some(tokio_postgres::config::Host::Unix(p)) => p.display().to_string(),
            None => "localhost".into(),
        };
        let port = self.config.get_ports().first().copied().unwrap_or(5432);
        format!(
            "{}@{host}:{port}/{}",
            self.config.get_user().unwrap_or("?"),
            self.config.get_dbname().unwrap_or("?")
        )
    }

    /// Whether this store's connections are encrypted, as the server sees
    /// them (`pg_stat_ssl`).
    pub fn uses_tls(&self) -> Result<bool, DbError> {
        self.run(async |c| {
            Ok(c.query_one(
                "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                &[],
            )
            .await?
            .get(0))
        })
    }

    /// The schema version this build migrates to.
    pub const SCHEMA_VERSION: i32 = MIGRATIONS.len() as i32;

    /// The schema version this database is at.
    pub fn schema_version(&self) -> Result<i32, DbError> {
        self.run(async |c| {
            Ok(c.query_one(
                "SELECT COALESCE(MAX(version), 0) FROM walkbook_migrations",
                &[],
            )
            .await?
            .get(0))
        })
    }

    /// Runs `f` on a pooled connection, blocking the calling thread (on an
    /// async worker through `block_in_place`; refused on a single-threaded
    /// runtime, which it would stall).
    pub(crate) fn run<T>(
        &self,
        f: impl AsyncFnOnce(&mut Client) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        self.with_client(|client, rt| rt.block_on(f(client)))
    }

    /// Lends a pooled connection and the store's runtime to synchronous
    /// code that drives several statements itself (`rt.block_on` each), as
    /// a streamed import does between reading rows of its file.
    pub(crate) fn with_client<T>(
        &self,
        f: impl FnOnce(&mut Client, &tokio::runtime::Runtime) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        self.with_conn(|client, _, rt| f(client, rt))
    }

    /// [`Self::with_client`], with the connection's prepared statements.
    pub(crate) fn with_conn<T>(
        &self,
        f: impl FnOnce(&mut Client, &Statements, &tokio::runtime::Runtime) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        use tokio::runtime::{Handle, RuntimeFlavor};
        match Handle::try_current().map(|h| h.runtime_flavor()) {
            // Blocking a single-threaded runtime's only thread would stall it.
            Ok(RuntimeFlavor::CurrentThread) => Err(DbError::Invalid(
                "the PostgreSQL store was called on a single-threaded async runtime; call it from spawn_blocking or a plain thread".into(),
            )),
            // On an async worker (a test body, a tool): give the worker's
            // other tasks to other threads while this one blocks.
            Ok(_) => tokio::task::block_in_place(|| self.with_conn_blocking(f)),
            Err(_) => self.with_conn_blocking(f),
        }
    }

    /// [`Self::run`], with the connection's prepared statements.
    pub(crate) fn run_prepared<T>(
        &self,
        f: impl AsyncFnOnce(&mut Client, &Statements) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        self.with_conn(|client, statements, rt| rt.block_on(f(client, statements)))
    }

    fn with_conn_blocking<T>(
        &self,
        f: impl FnOnce(&mut Client, &Statements, &tokio::runtime::Runtime) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        let rt = self.runtime.as_ref().expect("open until dropped");
        let mut lent = Lent {
            db: self,
            conn: self.take_connection()?,
        };
        if lent.conn.is_none() {
            // A slot is ours; dropping `lent` gives it back if this fails.
            lent.conn = Some(Conn {
                client: rt.block_on(self.open_connection())?,
                statements: Statements::default(),
            });
        }
        let conn = lent.conn.as_mut().expect("set above");
        f(&mut conn.client, &conn.statements, rt)
    }

    /// An idle connection, or `None` with a slot counted for a new one;
    /// waits while all [`MAX_CONNECTIONS`] are lent.
    fn take_connection(&self) -> Result<Option<Conn>, DbError> {
        let deadline = Instant::now() + CONNECTION_WAIT;
        let mut pool = self.pool.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            while let Some(c) = pool.idle.pop() {
                if !c.client.is_closed() {
                    return Ok(Some(c));
                }
                pool.open -= 1;
            }
            if pool.open < MAX_CONNECTIONS {
                pool.open += 1;
                return Ok(None);
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(DbError::Unavailable(format!(
                    "all {MAX_CONNECTIONS} connections to PostgreSQL stayed busy for {} s",
                    CONNECTION_WAIT.as_secs()
                )));
            }
            pool = self
                .returned
                .wait_timeout(pool, deadline - now)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }
}

/// A connection (or a slot for one being opened) lent from the pool; it
/// goes back when dropped, also when the work panicked. A closed one
/// frees its slot.
struct Lent<'a> {
    db: &'a PgServerDb,
    conn: Option<Conn>,
}

impl Drop for Lent<'_> {
    fn drop(&mut self) {
        let mut pool = self.db.pool.lock().unwrap_or_else(|p| p.into_inner());
        match self.conn.take() {
            Some(c) if !c.client.is_closed() => pool.idle.push(c),
            _ => pool.open -= 1,
        }
        drop(pool);
        self.db.returned.notify_one();
    }
}

impl PgServerDb {
    /// A new connection, its I/O driven by a task on the store's runtime.
    async fn open_connection(&self) -> Result<Client, DbError> {
        let failed = |e: tokio_postgres::Error| {
            // The cause (a refused certificate, a rejected host) is in the
            // source chain, not in the error's own words.
            let mut text = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                text.push_str(&format!(": {s}"));
                source = s.source();
            }
            // A refused certificate, password or host entry will not get
            // better by retrying: say what to fix instead.
            let refused = e
                .as_db_error()
                .is_some_and(|d| d.code().code().starts_with("28"))
                || text.contains("certificate")
                || text.contains("pg_hba.conf");
            if refused {
                DbError::Invalid(format!(
                    "could not connect to PostgreSQL: {text}; check the user and password in the database URL, the server's pg_hba.conf, and for TLS --database-ca"
                ))
            } else {
                DbError::Unavailable(format!("could not connect to PostgreSQL: {text}"))
            }
        };
        let ended = |e: tokio_postgres::Error| tracing::warn!("PostgreSQL connection ended: {e}");
        Ok(match &self.tls {
            Some(tls) => {
                let (client, connection) =
                    self.config.connect(tls.clone()).await.map_err(failed)?;
                tokio::spawn(async move { connection.await.unwrap_or_else(ended) });
                client
            }
            None => {
                let (client, connection) = self.config.connect(NoTls).await.map_err(failed)?;
                tokio::spawn(async move { connection.await.unwrap_or_else(ended) });
                client
            }
        })
    }
}

/// A rustls connector trusting `ca` (PEM certificates), or the system's
/// roots without one.
fn tls_connector(ca: Option<&std::path::Path>) -> Result<MakeRustlsConnect, DbError> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    use tokio_rustls::rustls;
    let mut roots = rustls::RootCertStore::empty();
    match ca {
        Some(path) => {
            let unreadable = |e: String| {
                DbError::Invalid(format!(
                    "the database CA file {} is not readable as PEM certificates ({e})",
                    path.display()
                ))
            };
            for cert in
                CertificateDer::pem_file_iter(path).map_err(|e| unreadable(e.to_string()))?
            {
                roots
                    .add(cert.map_err(|e| unreadable(e.to_string()))?)
                    .map_err(|e| unreadable(e.to_string()))?;
            }
            if roots.is_empty() {
                return Err(unreadable("it holds no certificate".into()));
            }
        }
        None => {
            for cert in rustls_native_certs::load_native_certs().certs {
                let _ = roots.add(cert);
            }
        }
    }
    let provider = std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| DbError::Invalid(format!("TLS setup: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}

async fn migrate(c: &mut Client) -> Result<(), DbError> {
    let tx = c.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS walkbook_migrations (
             version       INTEGER PRIMARY KEY,
             applied_at_ms BIGINT NOT NULL
         )",
    )
    .await?;
    let current: i32 = tx
        .query_one(
            "SELECT COALESCE(MAX(version), 0) FROM walkbook_migrations",
            &[],
        )
        .await?
        .get(0);
    if current as usize > MIGRATIONS.len() {
        return Err(DbError::Invalid(format!(
            "the database is at schema version {current}, newer than this walkbook-server knows ({}); run a newer walkbook-server",
            MIGRATIONS.len()
        )));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        tx.batch_execute(sql).await?;
        tx.execute(
            "INSERT INTO walkbook_migrations (version, applied_at_ms) VALUES ($1, $2)",
            &[&(i as i32 + 1), &Utc::now().timestamp_millis()],
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Each call list's people in order: (list, person, position).
fn call_list_people(data: &ReferenceData) -> Vec<(String, String, i32)> {
    let mut out = Vec::new();
    for l in &data.call_lists {
        let mut seen = HashSet::new();
        for (i, p) in l.person_ids.iter().enumerate() {
            if seen.insert(p.as_str()) {
                out.push((l.id.clone(), p.clone(), i as i32));
            }
        }
    }
    out
}

/// Takes a campaign's row lock for the rest of the transaction: updates of
/// one campaign take turns, so the revision and the rows move together.
async fn lock_campaign(c: &impl GenericClient, id: &str) -> Result<(), DbError> {
    let found = c
        .query_opt(
            "SELECT revision FROM campaigns WHERE id = $1 FOR UPDATE",
            &[&id],
        )
        .await?;
    if found.is_none() {
        return Err(DbError::NoCampaign(id.to_string()));
    }
    Ok(())
}

/// A campaign's settings and reference rows, read in the caller's transaction.
async fn read_campaign(c: &impl GenericClient, id: &str) -> Result<ReferenceData, DbError> {
    let settings = c
        .query_opt(
            "SELECT settings::text AS settings FROM campaigns WHERE id = $1",
            &[&id],
        )
        .await?
        .ok_or_else(|| DbError::NoCampaign(id.to_string()))?;
    let mut data = Assemble::new(id, settings.get("settings"))?;
    for r in c
        .query(
            "SELECT kind, key, body::text AS body FROM reference_rows WHERE campaign_id = $1 ORDER BY kind, position",
            &[&id],
        )
        .await?
    {
        data.push(r.get("kind"), r.get("key"), r.get("body"))?;
    }
    Ok(data.data)
}

/// Validates `data` and writes what changed (rows, call-list members, the
/// settings, the revision bumped) in the caller's transaction, which holds
/// the campaign's row lock.
async fn store_campaign(c: &impl GenericClient, data: &ReferenceData) -> Result<(), DbError> {
    let (settings, rows) = Rows::checked(data)?;
    let id = settings.id.as_str();
    let mut stored: HashMap<(String, String), (i32, Value)> = HashMap::new();
    for r in c
        .query(
            "SELECT kind, key, position, body::text AS body FROM reference_rows WHERE campaign_id = $1",
            &[&id],
        )
        .await?
    {
        let body = stored_body(id, r.get("body"))?;
        stored.insert((r.get("kind"), r.get("key")), (r.get("position"), body));
    }
    let (changed, gone) = rows.changes(stored);
    write_changes(c, settings, data, &changed, gone).await
}

/// Writes changed rows, deletes gone ones, refreshes call-list members,
/// stores the settings and bumps the revision, in the caller's transaction.
async fn write_changes(
    c: &impl GenericClient,
    settings: &walkbook_core::model::Campaign,
    data: &ReferenceData,
    changed: &[Placed<'_>],
    gone: Vec<(String, String)>,
) -> Result<(), DbError> {
    let id = settings.id.as_str();
    // Call-list members move only when a call list changed or went away.
    let lists_moved = changed.iter().any(|r| r.0 == "call_list")
        || gone.iter().any(|(kind, _)| kind == "call_list");
    upsert_rows(c, id, changed).await?;
    let (gone_kinds, gone_keys): (Vec<String>, Vec<String>) = gone.into_iter().unzip();
    if !gone_kinds.is_empty() {
        c.execute(
            "DELETE FROM reference_rows r USING unnest($2::text[], $3::text[]) AS t(kind, key)
             WHERE r.campaign_id = $1 AND r.kind = t.kind AND r.key = t.key",
            &[&id, &gone_kinds, &gone_keys],
        )
        .await?;
    }
    if lists_moved {
        put_call_list_people(c, id, data).await?;
    }
    c.execute(
        "UPDATE campaigns SET name = $2, settings = $3::text::jsonb, revision = revision + 1 WHERE id = $1",
        &[&id, &settings.name, &json(settings).to_string()],
    )
    .await?;
    Ok(())
}

async fn upsert_rows(
    c: &impl GenericClient,
    campaign_id: &str,
    rows: &[Placed<'_>],
) -> Result<(), DbError> {
    if rows.is_empty() {
        return Ok(());
    }
    let kinds: Vec<&str> = rows.iter().map(|r| r.0).collect();
    let keys: Vec<&str> = rows.iter().map(|r| r.1).collect();
    let positions: Vec<i32> = rows.iter().map(|r| r.2).collect();
    let bodies: Vec<String> = rows.iter().map(|r| r.3.to_string()).collect();
    c.execute(
        "INSERT INTO reference_rows (campaign_id, kind, key, position, body)
         SELECT $1, k, key, pos, body::jsonb
         FROM unnest($2::text[], $3::text[], $4::int4[], $5::text[]) AS t(k, key, pos, body)
         ON CONFLICT (campaign_id, kind, key)
         DO UPDATE SET position = EXCLUDED.position, body = EXCLUDED.body",
        &[&campaign_id, &kinds, &keys, &positions, &bodies],
    )
    .await?;
    Ok(())
}

async fn put_call_list_people(
    c: &impl GenericClient,
    campaign_id: &str,
    data: &ReferenceData,
) -> Result<(), DbError> {
    let members = call_list_people(data);
    let lists: Vec<&str> = members.iter().map(|m| m.0.as_str()).collect();
    let people: Vec<&str> = members.iter().map(|m| m.1.as_str()).collect();
    let positions: Vec<i32> = members.iter().map(|m| m.2).collect();
    // People no longer on a list leave it (with any claim on them);
    // everyone else keeps their live claim and takes their new place.
    c.execute(
        "DELETE FROM call_list_people c WHERE c.campaign_id = $1 AND NOT EXISTS (
             SELECT 1 FROM unnest($2::text[], $3::text[]) AS t(list_id, person_id)
             WHERE t.list_id = c.list_id AND t.person_id = c.person_id)",
        &[&campaign_id, &lists, &people],
    )
    .await?;
    c.execute(
        "INSERT INTO call_list_people (campaign_id, list_id, person_id, position)
         SELECT $1, list_id, person_id, pos
         FROM unnest($2::text[], $3::text[], $4::int4[]) AS t(list_id, person_id, pos)
         ON CONFLICT (campaign_id, list_id, person_id) DO UPDATE SET position = EXCLUDED.position",
        &[&campaign_id, &lists, &people, &positions],
    )
    .await?;
    Ok(())
}

fn device_of(r: &tokio_postgres::Row) -> Device {
    let revoked_at: Option<i64> = r.get("revoked_at_ms");
    let reason: Option<String> = r.get("revoked_reason");
    Device {
        device_id: r.get("device_id"),
        campaign_id: r.get("campaign_id"),
        volunteer_id: r.get("volunteer_id"),
        role: parse_role(r.get("role")),
        revoked: revoked_at.map(|_| reason.unwrap_or_else(|| "revoked by an organizer".into())),
    }
}

const DEVICE_COLUMNS: &str =
    "d.device_id, d.campaign_id, d.volunteer_id, d.role, d.revoked_at_ms, d.revoked_reason";

async fn insert_session(
    c: &impl GenericClient,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<(String, String), DbError> {
    let id = random_secret();
    let csrf = uuid::Uuid::new_v4().simple().to_string();
    c.execute(
        "INSERT INTO sessions (id_hash, token_hash, csrf, created_at_ms, last_seen_ms) VALUES ($1, $2, $3, $4, $4)",
        &[&hash_secret(&id), &token_hash, &csrf, &now.timestamp_millis()],
    )
    .await?;
    Ok((id, csrf))
}

impl CampaignStore for PgServerDb {
    fn insert_campaign(&self, data: &ReferenceData) -> Result<String, DbError> {
        let (c, rows) = Rows::checked(data)?;
        walkbook_core::model::check_campaign_id(&c.id).map_err(DbError::Invalid)?;
        self.run(async |client| {
            let tx = client.transaction().await?;
            let inserted = tx
                .execute(
                    "INSERT INTO campaigns (id, name, settings, created_at_ms) VALUES ($1, $2, $3::text::jsonb, $4)
                     ON CONFLICT (id) DO NOTHING",
                    &[&c.id, &c.name, &json(c).to_string(), &Utc::now().timestamp_millis()],
                )
                .await?;
            if inserted == 0 {
                return Err(DbError::CampaignExists(c.id.clone()));
            }
            upsert_rows(&tx, &c.id, &rows.all()).await?;
            put_call_list_people(&tx, &c.id, data).await?;
            tx.commit().await?;
            Ok(c.id.clone())
        })
    }

    fn update_campaign(&self, data: &ReferenceData) -> Result<(), DbError> {
        // Checked before a connection is taken (and again under the lock).
        let id = Rows::checked(data)?.0.id.clone();
        self.run(async |client| {
            let tx = client.transaction().await?;
            lock_campaign(&tx, &id).await?;
            store_campaign(&tx, data).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    fn edit_campaign(&self, id: &str, edit: &mut CampaignEdit<'_>) -> Result<(), DbError> {
        self.run(async |client| {
            let tx = client.transaction().await?;
            // The row lock first: edits of one campaign on any process
            // take turns, each reading what the one before wrote.
            lock_campaign(&tx, id).await?;
            let before = read_campaign(&tx, id).await?;
            let mut data = before.clone();
            if edit(&mut data)? {
                let (c, changed, gone) = Rows::between(&before, &data)?;
                write_changes(&tx, c, &data, &changed.all(), gone).await?;
                tx.commit().await?;
            }
            Ok(())
        })
    }

    fn campaign(&self, id: &str) -> Result<ReferenceData, DbError> {
        self.run(async |client| {
            // One snapshot for the settings and the rows.
            let tx = client
                .build_transaction()
                .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()
                .await?;
            let data = read_campaign(&tx, id).await?;
            tx.commit().await?;
            Ok(data)
        })
    }

    fn delete_campaign(&self, id: &str) -> Result<(), DbError> {
        self.run(async |client| {
            // Reference rows, call-list rows and packets go with it (cascade).
            client
                .execute("DELETE FROM campaigns WHERE id = $1", &[&id])
                .await?;
            Ok(())
        })
    }

    fn campaign_revision(&self, id: &str) -> Result<i64, DbError> {
        self.run(async |client| {
            client
                .query_opt("SELECT revision FROM campaigns WHERE id = $1", &[&id])
                .await?
                .map(|r| r.get(0))
                .ok_or_else(|| DbError::NoCampaign(id.to_string()))
        })
    }

    fn campaign_ids(&self) -> Result<Vec<String>, DbError> {
        self.run(async |client| {
            Ok(client
                .query("SELECT id FROM campaigns ORDER BY id", &[])
                .await?
                .iter()
                .map(|r| r.get(0))
                .collect())
        })
    }

    fn assignment_ids(&self, campaign_id: &str) -> Result<Vec<String>, DbError> {
        self.run(async |client| {
            Ok(client
                .query(
                    "SELECT key FROM reference_rows WHERE campaign_id = $1 AND kind = 'assignment' ORDER BY position",
                    &[&campaign_id],
                )
                .await?
                .iter()
                .map(|r| r.get(0))
                .collect())
        })
    }

    fn accept_shift(&self, review: &ShiftReview) -> Result<(), DbError> {
        self.run(async |client| {
            client
                .execute(
                    "INSERT INTO shift_reviews (campaign_id, volunteer_id, day, accepted_by, at_ms, note)
                     VALUES ($1, $2, $3, $4, $5, $6)
                     ON CONFLICT (campaign_id, volunteer_id, day) DO UPDATE SET
                         accepted_by = excluded.accepted_by, at_ms = excluded.at_ms, note = excluded.note",
                    &[
                        &review.campaign_id,
                        &review.volunteer_id,
                        &review.day,
                        &review.accepted_by,
                        &review.at_ms,
                        &review.note,
                    ],
                )
                .await?;
            Ok(())
        })
    }

    fn shift_reviews(&self, campaign_id: &str) -> Result<Vec<ShiftReview>, DbError> {
        self.run(async |client| {
            Ok(client
                .query(
                    "SELECT campaign_id, volunteer_id, day, accepted_by, at_ms, note FROM shift_reviews
                     WHERE campaign_id = $1 ORDER BY volunteer_id, day",
                    &[&campaign_id],
                )
                .await?
                .iter()
                .map(|r| ShiftReview {
                    campaign_id: r.get(0),
                    volunteer_id: r.get(1),
                    day: r.get(2),
                    accepted_by: r.get(3),
                    at_ms: r.get(4),
                    note: r.get(5),
                })
                .collect())
        })
    }

    fn import_people(
        &self,
        campaign_id: &str,
        commit: bool,
        run: &mut ImportRun<'_>,
    ) -> Result<Result<ImportReport, ImportError>, DbError> {
        self.with_client(|client, rt| postgres_import::import(client, rt, campaign_id, commit, run))
    }

    fn put_packet(
        &self,
        campaign_id: &str,
        assignment_id: &str,
        version: u64,
        sha256: &str,
        bytes: &[u8],
    ) -> Result<(), DbError> {
        self.run(async |client| {
            client
                .execute(
                    "INSERT INTO packets (campaign_id, assignment_id, version, sha256, bytes) VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (campaign_id, assignment_id)
                     DO UPDATE SET version = EXCLUDED.version, sha256 = EXCLUDED.sha256, bytes = EXCLUDED.bytes",
                    &[&campaign_id, &assignment_id, &(version as i64), &sha256, &bytes],
                )
                .await?;
            Ok(())
        })
    }

    fn packet_version(
        &self,
        campaign_id: &str,
        assignment_id: &str,
    ) -> Result<Option<(u64, String)>, DbError> {
        self.run(async |client| {
            Ok(client
                .query_opt(
                    "SELECT version, sha256 FROM packets WHERE campaign_id = $1 AND assignment_id = $2",
                    &[&campaign_id, &assignment_id],
                )
                .await?
                .map(|r| (r.get::<_, i64>(0) as u64, r.get(1))))
        })
    }

    fn packet(
        &self,
        campaign_id: &str,
        assignment_id: &str,
    ) -> Result<Option<(u64, Vec<u8>)>, DbError> {
        self.run(async |client| {
            Ok(client
                .query_opt(
                    "SELECT version, bytes FROM packets WHERE campaign_id = $1 AND assignment_id = $2",
                    &[&campaign_id, &assignment_id],
                )
                .await?
                .map(|r| (r.get::<_, i64>(0) as u64, r.get(1))))
        })
    }
}

impl AccessStore for PgServerDb {
    fn insert_invite(
        &self,
        code: &str,
        campaign_id: &str,
        volunteer_id: &str,
        role: Role,
        expires_at: DateTime<Utc>,
    ) -> Result<(), DbError> {
        self.run(async |client| {
            client
                .execute(
                    "INSERT INTO invites (code_hash, campaign_id, volunteer_id, role, expires_at_ms, created_at_ms)
                     VALUES ($1, $2, $3, $4, $5, $6)",
                    &[
                        &hash_secret(code),
                        &campaign_id,
                        &volunteer_id,
                        &role_str(role),
                        &expires_at.timestamp_millis(),
                        &Utc::now().timestamp_millis(),
                    ],
                )
                .await?;
            Ok(())
        })
    }

    fn redeem_invite(
        &self,
        code: &str,
        token: &str,
        rejoining: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Result<Device, InviteProblem>, DbError> {
        let code_hash = hash_secret(code);
        self.run(async |client| {
            let tx = client.transaction().await?;
            // The row lock makes a second redeemer of the same code wait,
            // then read it as used.
            let Some(row) = tx
                .query_opt(
                    "SELECT campaign_id, volunteer_id, role, expires_at_ms, used_at_ms FROM invites
                     WHERE code_hash = $1 FOR UPDATE",
                    &[&code_hash],
                )
                .await?
            else {
                return Ok(Err(InviteProblem::Unknown));
            };
            let campaign_id: String = row.get("campaign_id");
            let volunteer_id: String = row.get("volunteer_id");
            let role: String = row.get("role");
            if row.get::<_, Option<i64>>("used_at_ms").is_some() {
                return Ok(Err(InviteProblem::Used));
            }
            let now_ms = now.timestamp_millis();
            if row.get::<_, i64>("expires_at_ms") <= now_ms {
                return Ok(Err(InviteProblem::Expired));
            }
            let kept: Option<String> = match rejoining {
                Some(d) => tx
                    .query_opt(
                        "SELECT device_id FROM devices WHERE device_id = $1 AND campaign_id = $2 AND volunteer_id = $3
                         AND NOT EXISTS (SELECT 1 FROM devices r WHERE r.device_id = $1 AND r.revoked_at_ms IS NOT NULL)
                         LIMIT 1",
                        &[&d, &campaign_id, &volunteer_id],
                    )
                    .await?
                    .map(|r| r.get(0)),
                None => None,
            };
            let device_id = kept.unwrap_or_else(|| format!("dev-{}", uuid::Uuid::new_v4()));
            tx.execute(
                "UPDATE invites SET used_at_ms = $2, used_by_device = $3 WHERE code_hash = $1",
                &[&code_hash, &now_ms, &device_id],
            )
            .await?;
            tx.execute(
                "INSERT INTO devices (token_hash, device_id, campaign_id, volunteer_id, role, joined_at_ms)
                 VALUES ($1, $2, $3, $4, $5, $6)",
                &[&hash_secret(token), &device_id, &campaign_id, &volunteer_id, &role, &now_ms],
            )
            .await?;
            tx.commit().await?;
            Ok(Ok(Device {
                device_id,
                campaign_id,
                volunteer_id,
                role: parse_role(&role),
                revoked: None,
            }))
        })
    }

    fn device_for_token(&self, token: &str) -> Result<Option<Device>, DbError> {
        self.run(async |client| {
            Ok(client
                .query_opt(
                    &format!("SELECT {DEVICE_COLUMNS} FROM devices d WHERE d.token_hash = $1"),
                    &[&hash_secret(token)],
                )
                .await?
                .map(|r| device_of(&r)))
        })
    }

    fn touch_device(&self, token: &str) -> Result<(), DbError> {
        // Bookkeeping: at most once a minute per device, and a failure is
        // not the request's failure (it is logged).
        let touched = self.run(async |client| {
            client
                .execute(
                    // $2 typed: `$2 - 60000` alone would make it an int4.
                    "UPDATE devices SET last_seen_ms = $2::BIGINT WHERE token_hash = $1
                     AND (last_seen_ms IS NULL OR last_seen_ms < $2::BIGINT - 60000)",
                    &[&hash_secret(token), &Utc::now().timestamp_millis()],
                )
                .await?;
            Ok(())
        });
        if let Err(e) = touched {
            tracing::warn!("could not note when a device was last seen: {e}");
        }
        Ok(())
    }

    fn revoke_device(
        &self,
        campaign_id: &str,
        device_id: &str,
        reason: &str,
    ) -> Result<usize, DbError> {
        self.run(async |client| {
            let tx = client.transaction().await?;
            let n = tx
                .execute(
                    "UPDATE devices SET revoked_at_ms = $3, revoked_reason = $4
                     WHERE campaign_id = $1 AND device_id = $2 AND revoked_at_ms IS NULL",
                    &[
                        &campaign_id,
                        &device_id,
                        &Utc::now().timestamp_millis(),
                        &reason,
                    ],
                )
                .await?;
            // Its dashboard sessions end with it.
            tx.execute(
                "DELETE FROM sessions WHERE token_hash IN
                     (SELECT token_hash FROM devices WHERE campaign_id = $1 AND device_id = $2)",
                &[&campaign_id, &device_id],
            )
            .await?;
            tx.commit().await?;
            Ok(n as usize)
        })
    }

    fn devices(&self, campaign_id: &str) -> Result<Vec<Device>, DbError> {
        self.run(async |client| {
            Ok(client
                .query(
                    &format!(
                        "SELECT {DEVICE_COLUMNS} FROM devices d WHERE d.campaign_id = $1 ORDER BY d.joined_at_ms, d.token_hash"
                    ),
                    &[&campaign_id],
                )
                .await?
                .iter()
                .map(device_of)
                .collect())
        })
    }

    fn record_device_unit(&self, device_id: &str, doc_id: &str) -> Result<(), DbError> {
        self.run(async |client| {
            client
                .execute(
                    "INSERT INTO device_units (device_id, doc_id, first_at_ms) VALUES ($1, $2, $3)
                     ON CONFLICT DO NOTHING",
                    &[&device_id, &doc_id, &Utc::now().timestamp_millis()],
                )
                .await?;
            Ok(())
        })
    }

    fn device_held_unit(&self, device_id: &str, doc_id: &str) -> Result<bool, DbError> {
        self.run(async |client| {
            Ok(client
                .query_one(
                    "SELECT EXISTS (SELECT 1 FROM device_units WHERE device_id = $1 AND doc_id = $2)",
                    &[&device_id, &doc_id],
                )
                .await?
                .get(0))
        })
    }

    fn create_session(&self, token: &str, now: DateTime<Utc>) -> Result<(String, String), DbError> {
        self.run(async |client| insert_session(client, &hash_secret(token), now).await)
    }

    fn session(
        &self,
        id: &str,
        now: DateTime<Utc>,
        idle: chrono::Duration,
        absolute: chrono::Duration,
    ) -> Result<Option<(Device, String)>, DbError> {
        let id_hash = hash_secret(id);
        let now_ms = now.timestamp_millis();
        self.run(async |client| {
            let Some(r) = client
                .query_opt(
                    &format!(
                        "SELECT {DEVICE_COLUMNS}, s.csrf, s.created_at_ms, s.last_seen_ms
                         FROM sessions s JOIN devices d ON d.token_hash = s.token_hash WHERE s.id_hash = $1"
                    ),
                    &[&id_hash],
                )
                .await?
            else {
                return Ok(None);
            };
            let device = device_of(&r);
            let csrf: String = r.get("csrf");
            let created: i64 = r.get("created_at_ms");
            let seen: i64 = r.get("last_seen_ms");
            if device.revoked.is_some()
                || now_ms - seen > idle.num_milliseconds()
                || now_ms - created > absolute.num_milliseconds()
            {
                client
                    .execute("DELETE FROM sessions WHERE id_hash = $1", &[&id_hash])
                    .await?;
                return Ok(None);
            }
            if now_ms - seen > 60_000 {
                client
                    .execute(
                        "UPDATE sessions SET last_seen_ms = $2 WHERE id_hash = $1",
                        &[&id_hash, &now_ms],
                    )
                    .await?;
            }
            Ok(Some((device, csrf)))
        })
    }

    fn create_signin_link(
        &self,
        token: &str,
        now: DateTime<Utc>,
        valid_for: chrono::Duration,
    ) -> Result<String, DbError> {
        let code = random_secret();
        self.run(async |client| {
            client
                .execute(
                    "INSERT INTO signin_links (code_hash, token_hash, expires_at_ms) VALUES ($1, $2, $3)",
                    &[&hash_secret(&code), &hash_secret(token), &(now + valid_for).timestamp_millis()],
                )
                .await?;
            Ok(())
        })?;
        Ok(code)
    }

    fn redeem_signin_link(
        &self,
        code: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<(String, String)>, DbError> {
        self.run(async |client| {
            let tx = client.transaction().await?;
            // A concurrent redeemer waits on the row, then finds it used.
            let Some(r) = tx
                .query_opt(
                    "UPDATE signin_links SET used_at_ms = $2
                     WHERE code_hash = $1 AND used_at_ms IS NULL AND expires_at_ms > $2
                     RETURNING token_hash",
                    &[&hash_secret(code), &now.timestamp_millis()],
                )
                .await?
            else {
                return Ok(None);
            };
            let token_hash: String = r.get(0);
            let session = insert_session(&tx, &token_hash, now).await?;
            tx.commit().await?;
            Ok(Some(session))
        })
    }

    fn delete_session(&self, id: &str) -> Result<(), DbError> {
        self.run(async |client| {
            client
                .execute(
                    "DELETE FROM sessions WHERE id_hash = $1",
                    &[&hash_secret(id)],
                )
                .await?;
            Ok(())
        })
    }

    /// One statement, so attempts through any process at once each see
    /// the other's token gone (the row is locked by the upsert). The
    /// database's clock, not the processes', measures the refill.
    fn take_sign_in(&self, bucket: &str, per_minute: u32) -> Result<Result<(), Duration>, DbError> {
        let per_minute = f64::from(per_minute.max(1));
        let sweep = self.sign_ins_taken.fetch_add(1, Ordering::Relaxed) % 64 == 63;
        let (took, tokens) = self.run(async |client| {
            if sweep {
                client
                    .execute(
                        "DELETE FROM sign_in_buckets WHERE at < now() - make_interval(secs => $1)",
                        &[&sign_in::FORGET_AFTER.as_secs_f64()],
                    )
                    .await?;
            }
            let row = client
                .query_one(
                    "INSERT INTO sign_in_buckets AS b (bucket, tokens, at, took)
                     VALUES ($1, $2::float8 - 1, now(), true)
                     ON CONFLICT (bucket) DO UPDATE SET (tokens, took, at) = (
                         SELECT CASE WHEN r >= 1 THEN r - 1 ELSE r END, r >= 1, now()
                         FROM (SELECT LEAST($2::float8, b.tokens
                                   + GREATEST(0, EXTRACT(EPOCH FROM now() - b.at)::float8) * $2::float8 / 60) AS r) refill
                     )
                     RETURNING took, tokens",
                    &[&bucket, &per_minute],
                )
                .await?;
            Ok((row.get::<_, bool>(0), row.get::<_, f64>(1)))
        })?;
        Ok(if took {
            Ok(())
        } else {
            Err(sign_in::wait_for_token(tokens, per_minute))
        })
    }
}

impl ClaimStore for PgServerDb {
    fn claim(&self, q: &NewClaim<'_>) -> Result<Claim, DbError> {
        let claim_id = uuid::Uuid::new_v4().to_string();
        let now_ms = q.now.timestamp_millis();
        let expires_at_ms = (q.now + q.lease).timestamp_millis();
        let candidates: Vec<&str> = q.candidates.iter().map(String::as_str).collect();
        let excluded: Vec<&str> = q.excluded.iter().map(String::as_str).collect();
        let size = q.size as i64;
        self.run(async |client| {
            let tx = client.transaction().await?;
            // Rows another claim holds right now are skipped, not waited
            // for; a row claimed and committed meanwhile is re-checked
            // against its new claim and left out.
            let mut won: Vec<(i32, String)> = tx
                .query(
                    "WITH picked AS (
                         SELECT person_id FROM call_list_people
                         WHERE campaign_id = $1 AND list_id = $2
                           AND person_id = ANY($3) AND NOT (person_id = ANY($4))
                           AND (claim_expires_at_ms IS NULL OR claim_expires_at_ms <= $5)
                         ORDER BY position
                         LIMIT $6
                         FOR UPDATE SKIP LOCKED)
                     UPDATE call_list_people c
                     SET claim_id = $7, device_id = $8, claim_expires_at_ms = $9
                     FROM picked
                     WHERE c.campaign_id = $1 AND c.list_id = $2 AND c.person_id = picked.person_id
                     RETURNING c.position, c.person_id",
                    &[
                        &q.campaign_id,
                        &q.list_id,
                        &candidates,
                        &excluded,
                        &now_ms,
                        &size,
                        &claim_id,
                        &q.device.device_id,
                        &expires_at_ms,
                    ],
                )
                .await?
                .iter()
                .map(|r| (r.get(0), r.get(1)))
                .collect();
            won.sort();
            let person_ids: Vec<String> = won.into_iter().map(|(_, p)| p).collect();
            tx.execute(
                "INSERT INTO claims (claim_id, campaign_id, list_id, person_id, device_id, volunteer_id, claimed_at_ms, expires_at_ms)
                 SELECT $1, $2, $3, p, $4, $5, $6, $7 FROM unnest($8::text[]) AS t(p)",
                &[
                    &claim_id,
                    &q.campaign_id,
                    &q.list_id,
                    &q.device.device_id,
                    &q.device.volunteer_id,
                    &now_ms,
                    &expires_at_ms,
                    &person_ids,
                ],
            )
            .await?;
            tx.commit().await?;
            Ok(Claim {
                claim_id: claim_id.clone(),
                person_ids,
                expires_at_ms,
            })
        })
    }

    fn release_claim(
        &self,
        claim_id: &str,
        device: &Device,
        now: DateTime<Utc>,
    ) -> Result<usize, DbError> {
        let now_ms = now.timestamp_millis();
        self.run(async |client| {
            let n = client
                .execute(
                    "WITH freed AS (
                         UPDATE call_list_people
                         SET claim_id = NULL, device_id = NULL, claim_expires_at_ms = NULL
                         WHERE claim_id = $1 AND device_id = $2 AND claim_expires_at_ms > $3
                         RETURNING campaign_id, list_id, person_id)
                     UPDATE claims c SET released_at_ms = $3 FROM freed
                     WHERE c.claim_id = $1 AND c.person_id = freed.person_id",
                    &[&claim_id, &device.device_id, &now_ms],
                )
                .await?;
            Ok(n as usize)
        })
    }
}
