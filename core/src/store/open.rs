//! The one way to open a walkbook database, on the device and on the server.

use std::path::Path;
use std::sync::Once;
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags};

use super::{StoreError, migrations};

/// Prepared statements kept per connection.
const STATEMENT_CACHE: usize = 128;

/// A raw 32-byte SQLCipher key, handed in by the shell from Android Keystore
/// or the iOS Keychain. Never derived from a passphrase here.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseKey([u8; 32]);

impl DatabaseKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        DatabaseKey(bytes)
    }

    /// Accepts exactly 32 bytes; anything else is a shell bug worth a clear error.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, String> {
        let arr: [u8; 32] = bytes.try_into().map_err(|_| {
            format!(
                "a database key must be exactly 32 bytes, got {}",
                bytes.len()
            )
        })?;
        Ok(DatabaseKey(arr))
    }
}

impl std::fmt::Debug for DatabaseKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DatabaseKey(<redacted>)")
    }
}

/// Lets SQLite and SQLCipher finish setting up once, before any database
/// is opened. SQLite marks itself initialised and lets go of its lock
/// *before* SQLCipher's own set-up (`sqlcipher_extra_init`) runs, so a
/// thread opening its first connection in that window found SQLCipher not
/// ready and its `PRAGMA key` failed ("An error occurred with PRAGMA key or
/// rekey…", seen in CI with two tests opening at once; on a server it would
/// be two requests at start-up). Opening a connection in memory runs both
/// set-ups to the end in this thread; the `Once` makes the others wait.
/// If it fails, the real open below reports its own error.
fn finish_sqlite_setup() {
    static SETUP: Once = Once::new();
    SETUP.call_once(|| drop(Connection::open_in_memory()));
}

/// Opens (creating if needed) the device database at `path`: applies the key
/// first, proves the file is readable, turns on WAL, foreign keys and
/// `synchronous=FULL`, then runs pending migrations.
pub fn open_database(path: &Path, key: Option<&DatabaseKey>) -> Result<Connection, StoreError> {
    open_database_with(path, key, migrations::MIGRATIONS)
}

/// [`open_database`] with another list of migrations (the server's own
/// tables live in a separate file opened this way).
pub fn open_database_with(
    path: &Path,
    key: Option<&DatabaseKey>,
    migrations: &[&str],
) -> Result<Connection, StoreError> {
    finish_sqlite_setup();
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    let mut conn = Connection::open_with_flags(path, flags).map_err(|source| StoreError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    if let Some(key) = key {
        // The key must be the first statement on the connection. Hex of our
        // own bytes, so the string cannot carry SQL.
        conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", hex::encode(key.0)))?;
    }
    let readable = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    });
    match readable {
        Ok(_) => {}
        Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == ErrorCode::NotADatabase => {
            return Err(StoreError::WrongKeyOrNotADatabase {
                path: path.to_path_buf(),
            });
        }
        Err(e) => {
            return Err(StoreError::Open {
                path: path.to_path_buf(),
                source: e,
            });
        }
    }
    conn.busy_timeout(Duration::from_secs(10))?;
    // A sync step uses a few dozen distinct statements; with rusqlite's
    // default of 16 the cache evicts and re-parses them on every request.
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    let mode: String = conn.pragma_update_and_check(None, "journal_mode", "wal", |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Corrupt(format!(
            "could not switch the database to WAL mode (got {mode})"
        )));
    }
    conn.pragma_update(None, "foreign_keys", true)?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    // Deleted voter data is overwritten, not left in free pages.
    conn.pragma_update(None, "secure_delete", true)?;
    migrations::migrate(&mut conn, migrations)?;
    Ok(conn)
}
