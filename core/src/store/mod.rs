//! The device store: one SQLite database per campaign on the phone, holding
//! the installed packets (reference data) and, from `crate::results`, the
//! results documents and their index tables.

#[cfg(feature = "organizer")]
mod dashboard;
mod error;
mod install;
mod meta;
mod migrations;
mod open;
mod phonebank;
mod queries;
mod recover;
mod retire;

#[cfg(feature = "organizer")]
pub use dashboard::ConflictRow;
pub use error::StoreError;
pub use install::InstallOutcome;
pub use open::{DatabaseKey, open_database, open_database_with};
pub(crate) use phonebank::write_suppressions;
pub use phonebank::{ClaimedBatch, campaign_wide_from};
pub use queries::{CallQueueRow, InstalledAssignment, WalkListDoor, WalkListPerson};
pub use recover::{KEY_LOSS_MESSAGE, KeyLoss, set_aside_unreadable};
pub use retire::{EXPIRY_GRACE_MS, Retired};

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use automerge::{ActorId, Automerge};
use rusqlite::{Connection, OptionalExtension};

/// The device's database for one campaign.
pub struct DeviceStore {
    pub(crate) conn: Connection,
    path: PathBuf,
    /// Stable id of this installation, recorded on every attempt.
    device_id: String,
    /// A fresh automerge actor for every open, so a phone restored from a
    /// backup can never reuse an actor id (and sequence numbers) it already spent.
    pub(crate) actor: ActorId,
    /// Results documents loaded so far, checked against their stored heads.
    pub(crate) docs: HashMap<String, Automerge>,
    /// Sync state per (document, peer), also persisted in `sync_states`.
    pub(crate) sync_states: HashMap<(String, String), automerge::sync::State>,
    /// Sync states changed since they were last written.
    pub(crate) dirty_sync_states: std::collections::HashSet<(String, String)>,
    /// Parsed reference data read on every recorded attempt (scripts and
    /// result codes), cleared whenever a packet is installed.
    pub(crate) reference_cache: std::sync::Mutex<ReferenceCache>,
}

/// One all-or-nothing write: its own `BEGIN IMMEDIATE` transaction, or a
/// part of the write group's transaction while one is open
/// ([`DeviceStore::begin_group`]): durable when it commits, or with the
/// group.
pub(crate) enum WriteTx<'c> {
    Own(rusqlite::Transaction<'c>),
    /// A savepoint in the group: a failure takes back this write alone.
    InGroup(rusqlite::Savepoint<'c>),
    /// Written straight into the group's transaction: a failure may leave
    /// part of this write in the group, so the group must then be
    /// abandoned, never committed (the server abandons a group on any
    /// write error, ADR 25).
    Joined(&'c Connection),
}

impl<'c> WriteTx<'c> {
    pub(crate) fn begin(conn: &'c mut Connection) -> rusqlite::Result<Self> {
        Ok(if conn.is_autocommit() {
            WriteTx::Own(conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?)
        } else {
            WriteTx::InGroup(conn.savepoint()?)
        })
    }

    /// Like [`WriteTx::begin`], but in a write group the write joins the
    /// group's transaction without a savepoint of its own (the statement
    /// journal a savepoint keeps copies every page it touches, ~8% of an
    /// upload's write). For the writes whose failure ends the group.
    pub(crate) fn begin_joined(conn: &'c mut Connection) -> rusqlite::Result<Self> {
        Ok(if conn.is_autocommit() {
            WriteTx::Own(conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?)
        } else {
            WriteTx::Joined(conn)
        })
    }

    pub(crate) fn commit(self) -> rusqlite::Result<()> {
        match self {
            WriteTx::Own(tx) => tx.commit(),
            WriteTx::InGroup(sp) => sp.commit(),
            WriteTx::Joined(_) => Ok(()),
        }
    }
}

impl std::ops::Deref for WriteTx<'_> {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        match self {
            WriteTx::Own(tx) => tx,
            WriteTx::InGroup(sp) => sp,
            WriteTx::Joined(conn) => conn,
        }
    }
}

/// Writes the sync states of `keys` (those still kept) on `conn`, inside
/// whatever transaction is open there.
fn write_sync_states(
    conn: &Connection,
    states: &HashMap<(String, String), automerge::sync::State>,
    keys: &[(String, String)],
) -> Result<(), StoreError> {
    for key in keys {
        if let Some(state) = states.get(key) {
            conn.prepare_cached(
                "INSERT OR REPLACE INTO sync_states (doc_id, peer_id, state) VALUES (?1, ?2, ?3)",
            )?
            .execute(rusqlite::params![key.0, key.1, state.encode()])?;
        }
    }
    Ok(())
}

#[derive(Default)]
pub(crate) struct ReferenceCache {
    pub scripts: HashMap<(String, Option<u32>), crate::model::Script>,
    pub result_codes: HashMap<String, Vec<crate::model::ResultCode>>,
}

impl DeviceStore {
    /// Opens or creates the store at `path` (see [`open_database`]).
    pub fn open(path: impl AsRef<Path>, key: Option<&DatabaseKey>) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        let conn = open_database(&path, key)?;
        let existing: Option<String> = conn
            .query_row("SELECT value FROM meta WHERE key = 'device_id'", [], |r| {
                r.get(0)
            })
            .optional()?;
        let device_id = match existing {
            Some(id) => id,
            None => {
                let id = uuid::Uuid::new_v4().to_string();
                conn.execute(
                    "INSERT INTO meta (key, value) VALUES ('device_id', ?1)",
                    [&id],
                )?;
                id
            }
        };
        Ok(DeviceStore {
            conn,
            path,
            device_id,
            actor: ActorId::random(),
            docs: HashMap::new(),
            sync_states: HashMap::new(),
            dirty_sync_states: Default::default(),
            reference_cache: Default::default(),
        })
    }

    /// The id this installation records on its attempts.
    pub fn device_id(&self) -> &str {
        &self.device_id
    }

    /// How long a write waits for a lock held by another connection before
    /// failing with "busy" (10 s by default; the server uses less and
    /// answers 503 so clients retry).
    pub fn set_busy_timeout(&self, timeout: std::time::Duration) -> Result<(), StoreError> {
        self.conn.busy_timeout(timeout)?;
        Ok(())
    }

    /// Sets the page cache of this connection to `kib` KiB (SQLite's
    /// default is 2 MiB). The server gives each campaign file more, so a
    /// write group's pages stay in memory until it commits instead of
    /// being spilled to the WAL mid-transaction.
    pub fn set_cache_kib(&self, kib: u32) -> Result<(), StoreError> {
        self.conn
            .pragma_update(None, "cache_size", -i64::from(kib))?;
        Ok(())
    }

    /// Leaves WAL checkpoints to another connection (the server's
    /// background checkpointer): a commit then only appends its pages to
    /// the WAL and syncs it, and copying them into the database file
    /// happens off the writer's path. Durability is unchanged (a commit is
    /// durable once its WAL frames are synced). A commit still checkpoints
    /// once the WAL holds `backstop_pages` pages, so the WAL stays bounded
    /// if the other connection stops.
    #[cfg(feature = "organizer")]
    pub fn defer_checkpoints(&self, backstop_pages: u32) -> Result<(), StoreError> {
        self.conn
            .pragma_update(None, "wal_autocheckpoint", backstop_pages)?;
        Ok(())
    }

    /// Adopts the device id the server issued at join.
    pub fn set_device_id(&mut self, device_id: &str) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('device_id', ?1)",
            [device_id],
        )?;
        tx.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('device_id_issued', '1')",
            [],
        )?;
        tx.commit()?;
        self.device_id = device_id.to_string();
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Opens a write group (the server's group commit): every write from
    /// here on (appends, genesis changes, sync states) goes into one
    /// transaction (appends without a savepoint of their own,
    /// `WriteTx::begin_joined`: a failed one means the group must be
    /// abandoned), and nothing of it is durable, or
    /// visible to other connections, until [`DeviceStore::commit_group`].
    /// Reads on this store see the group's writes. Paths that open their
    /// own transaction (recording, installing) fail while a group is open.
    pub fn begin_group(&mut self) -> Result<(), StoreError> {
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        Ok(())
    }

    /// Whether a write group is open (see [`DeviceStore::begin_group`]).
    pub fn group_open(&self) -> bool {
        !self.conn.is_autocommit()
    }

    /// Writes the sync states kept in memory into the group and commits it
    /// with `synchronous=FULL`: everything written since
    /// [`DeviceStore::begin_group`] is durable when this returns `Ok`. On
    /// failure the group is abandoned ([`DeviceStore::abandon_group`]):
    /// nothing of it was stored.
    pub fn commit_group(&mut self) -> Result<(), StoreError> {
        if !self.group_open() {
            // SQLite rolled the transaction back under us (an I/O error
            // or a full disk in one of the group's writes).
            self.abandon_group();
            return Err(StoreError::Corrupt(
                "the write group's transaction was rolled back by SQLite; nothing of it was stored"
                    .into(),
            ));
        }
        let written = self.write_dirty_sync_states().and_then(|()| {
            self.conn.execute_batch("COMMIT")?;
            Ok(())
        });
        if written.is_err() {
            self.abandon_group();
        }
        written
    }

    /// Rolls an open write group back. The documents and sync states held
    /// in memory may hold what was rolled back, so they are dropped: each
    /// is read again from disk when next needed.
    pub fn abandon_group(&mut self) {
        if self.group_open() {
            // A failed rollback leaves nothing to keep: SQLite has already
            // ended the transaction.
            let _ = self.conn.execute_batch("ROLLBACK");
        }
        self.docs.clear();
        self.sync_states.clear();
        self.dirty_sync_states.clear();
    }

    /// Writes the dirty sync states in the transaction already open.
    fn write_dirty_sync_states(&mut self) -> Result<(), StoreError> {
        let dirty: Vec<(String, String)> = self.dirty_sync_states.drain().collect();
        write_sync_states(&self.conn, &self.sync_states, &dirty)
    }

    /// Runs `f` in a transaction committed with `synchronous=NORMAL`: for
    /// bookkeeping whose loss costs a round trip, never data (sync state,
    /// server heads, suppressions). It skips the fsync; the next FULL commit
    /// syncs the WAL, these frames included, and SQLite stays consistent.
    pub(crate) fn relaxed<T>(
        &mut self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.conn
            .prepare_cached("PRAGMA synchronous = NORMAL")?
            .execute([])?;
        let dirty: Vec<(String, String)> = self.dirty_sync_states.drain().collect();
        let states = &self.sync_states;
        let conn = &mut self.conn;
        let result = (|| {
            let tx = conn.transaction()?;
            write_sync_states(&tx, states, &dirty)?;
            let out = f(&tx)?;
            tx.commit()?;
            Ok(out)
        })();
        if result.is_err() {
            self.dirty_sync_states.extend(dirty);
        }
        self.conn
            .prepare_cached("PRAGMA synchronous = FULL")?
            .execute([])?;
        result
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?)
    }
}
