//! Small per-device settings (server URL, token) and wiping a campaign.

use rusqlite::{OptionalExtension, params};

use super::{DeviceStore, StoreError};

impl DeviceStore {
    pub fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    pub fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
            params![key, value],
        )?;
        Ok(())
    }

    /// Deletes every trace of the campaign on this device — reference data,
    /// results, sync state, credentials — in one transaction, then vacuums so
    /// the freed pages do not keep voter data. Keeps only the device id.
    pub fn wipe(&mut self) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        let tables: Vec<String> = tx
            .prepare(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
            )?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        for t in tables {
            if t == "meta" {
                tx.execute("DELETE FROM meta WHERE key <> 'device_id'", [])?;
            } else {
                tx.execute(&format!("DELETE FROM \"{t}\""), [])?;
            }
        }
        tx.commit()?;
        self.docs.clear();
        self.sync_states.clear();
        self.conn
            .execute_batch("VACUUM; PRAGMA wal_checkpoint(TRUNCATE);")?;
        Ok(())
    }
}
