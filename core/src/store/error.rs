use std::path::PathBuf;

use crate::model::ReferenceError;
use crate::packet::PacketError;

/// Everything that can go wrong in the device store. Each message says what
/// happened and, where there is one, what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "cannot open the database {path}: {source}. Check that the directory exists and is writable"
    )]
    Open {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error(
        "the database {path} cannot be read: the encryption key is wrong, a key is missing, or the file is not a walkbook database"
    )]
    WrongKeyOrNotADatabase { path: PathBuf },
    #[error(
        "the database was written by a newer walkbook (schema {found}, this build knows up to {known}); update the app to open it"
    )]
    NewerSchema { found: i64, known: i64 },
    #[error("schema migration to version {version} failed: {source}")]
    Migration {
        version: i64,
        #[source]
        source: rusqlite::Error,
    },
    #[error("the packet was rejected, nothing was changed: {0}")]
    Packet(#[from] PacketError),
    #[error(
        "packet for assignment {assignment} is version {offered}, older than the installed version {installed}; nothing was changed"
    )]
    OlderPacket {
        assignment: String,
        offered: u64,
        installed: u64,
    },
    #[error(
        "packet for assignment {assignment} claims version {version}, which is installed with different content; the server must issue a new version"
    )]
    PacketVersionConflict { assignment: String, version: u64 },
    #[error(
        "this device holds campaign {store}, but the packet is for campaign {packet}; join that campaign with its own data directory"
    )]
    OtherCampaign { store: String, packet: String },
    #[error("{0}")]
    Reference(#[from] ReferenceError),
    #[error("{kind} {id} is not on this device; sync to download your assignments")]
    NotFound { kind: &'static str, id: String },
    #[error(
        "do not call {person} now: it is outside their calling hours; they can be called from {local}"
    )]
    OutsideCallingHours {
        person: String,
        opens_at: chrono::DateTime<chrono::Utc>,
        /// The opening time in the contact's own zone, for people.
        local: String,
    },
    #[error("the attempt was not saved: {0}")]
    InvalidAttempt(String),
    /// Practice and real data were about to meet (see `crate::practice`).
    #[error("{0}")]
    Practice(String),
    #[error("results for {doc}: {source}")]
    Document {
        doc: String,
        #[source]
        source: crate::results::DocumentError,
    },
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

impl StoreError {
    pub(crate) fn not_found(kind: &'static str, id: impl Into<String>) -> Self {
        StoreError::NotFound {
            kind,
            id: id.into(),
        }
    }
}
