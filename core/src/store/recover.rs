//! When the phone can no longer open its campaign database: the key in the
//! Keystore/Keychain is gone (a phone reset, a restore from backup, a
//! security update) or the file is not a walkbook database. The decision,
//! once for both apps: set the unreadable file aside (never delete it: if
//! the key comes back, its unsynced results can still be read), start a
//! fresh database, and tell the volunteer plainly what happened and what to
//! do.

use std::path::{Path, PathBuf};

use super::{DatabaseKey, StoreError, open_database};

/// What was done about an unreadable database, for the volunteer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyLoss {
    /// Where the unreadable database now is (with its `-wal`/`-shm`).
    pub set_aside: PathBuf,
    /// What to tell the volunteer.
    pub message: String,
}

/// What the volunteer is told after [`set_aside_unreadable`].
pub const KEY_LOSS_MESSAGE: &str = "This phone could not open its walkbook data: the key that protects it is gone (after a phone reset, a restore from a backup, or a security update). Results that were already on the server are safe. Results that were not yet synced cannot be read on this phone now; they are kept, locked, in case the key comes back. Ask your organizer for a new invite to join again.";

/// Moves the database at `path` aside (to `<name>.unreadable-<ms>`, with its
/// WAL and shared-memory files) when it does not open with `key`, so a
/// fresh one can be created there. A database that opens is never moved:
/// asking to set aside a readable database is refused.
pub fn set_aside_unreadable(
    path: &Path,
    key: Option<&DatabaseKey>,
    now_ms: i64,
) -> Result<KeyLoss, StoreError> {
    match open_database(path, key) {
        Ok(_) => {
            return Err(StoreError::Corrupt(format!(
                "{} opens with this key; it is not set aside",
                path.display()
            )));
        }
        Err(StoreError::WrongKeyOrNotADatabase { .. }) => {}
        Err(other) => return Err(other),
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "campaign.db".into());
    let set_aside = path.with_file_name(format!("{name}.unreadable-{now_ms}"));
    for suffix in ["", "-wal", "-shm"] {
        let from = PathBuf::from(format!("{}{suffix}", path.display()));
        let to = PathBuf::from(format!("{}{suffix}", set_aside.display()));
        match std::fs::rename(&from, &to) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(StoreError::Corrupt(format!(
                    "cannot move {} aside: {e}",
                    from.display()
                )));
            }
        }
    }
    Ok(KeyLoss {
        set_aside,
        message: KEY_LOSS_MESSAGE.to_string(),
    })
}
