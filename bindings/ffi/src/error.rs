use walkbook_core::store::StoreError;
use walkbook_core::sync::SyncError;

/// The one error the apps see. Every message is written for a person: what
/// went wrong and what to do.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum WalkbookError {
    /// The input was refused (bad answer, unknown person, wrong result code...).
    #[error("{detail}")]
    InvalidInput { detail: String },
    #[error("{detail}")]
    NotFound { detail: String },
    /// Not now: the contact's calling hours are closed until `opens_at_ms`.
    #[error("{detail}")]
    OutsideCallingHours { detail: String, opens_at_ms: i64 },
    /// The phone's database could not be read or written.
    #[error("{detail}")]
    Storage { detail: String },
    /// The server could not be reached; everything stays safe on the phone.
    #[error("{detail}")]
    Network { detail: String },
    /// An organizer removed this device; the campaign's data was wiped.
    #[error("{detail}")]
    DeviceRevoked { detail: String },
    #[error("{detail}")]
    NotJoined { detail: String },
    /// The campaign database does not open with this key (the Keystore or
    /// Keychain lost it, or the file is not a walkbook database): call
    /// `recover_unreadable_campaign`, then open again and tell the volunteer.
    #[error("{detail}")]
    KeyLost { detail: String },
    /// Practice and the campaign's real data were about to meet: a practice
    /// store never syncs, a real store never holds a sandbox.
    #[error("{detail}")]
    Practice { detail: String },
    /// A bug in walkbook (including a panic caught at the boundary).
    #[error("{detail}")]
    Internal { detail: String },
}

impl From<StoreError> for WalkbookError {
    fn from(e: StoreError) -> Self {
        let message = e.to_string();
        match e {
            StoreError::InvalidAttempt(_) | StoreError::Packet(_) | StoreError::Reference(_) => {
                WalkbookError::InvalidInput { detail: message }
            }
            StoreError::OlderPacket { .. }
            | StoreError::PacketVersionConflict { .. }
            | StoreError::OtherCampaign { .. } => WalkbookError::InvalidInput { detail: message },
            StoreError::NotFound { .. } => WalkbookError::NotFound { detail: message },
            StoreError::OutsideCallingHours { opens_at, .. } => {
                WalkbookError::OutsideCallingHours {
                    detail: message,
                    opens_at_ms: opens_at.timestamp_millis(),
                }
            }
            StoreError::Document { .. } => WalkbookError::InvalidInput { detail: message },
            StoreError::Practice(_) => WalkbookError::Practice { detail: message },
            StoreError::WrongKeyOrNotADatabase { .. } => WalkbookError::KeyLost { detail: message },
            _ => WalkbookError::Storage { detail: message },
        }
    }
}

impl From<SyncError> for WalkbookError {
    fn from(e: SyncError) -> Self {
        let message = e.to_string();
        match e {
            SyncError::Network(_) | SyncError::NotConverged(_) => {
                WalkbookError::Network { detail: message }
            }
            SyncError::Revoked(_) => WalkbookError::DeviceRevoked { detail: message },
            SyncError::NotJoined => WalkbookError::NotJoined { detail: message },
            SyncError::Practice => WalkbookError::Practice { detail: message },
            SyncError::Insecure(_) => WalkbookError::InvalidInput { detail: message },
            SyncError::Server { status, .. } if (400..500).contains(&status) => {
                WalkbookError::InvalidInput { detail: message }
            }
            SyncError::Server { .. } => WalkbookError::Network { detail: message },
            SyncError::Store(s) => s.into(),
        }
    }
}

/// Runs `f`, turning a panic into `WalkbookError::Internal` so no panic ever
/// unwinds into Kotlin or Swift.
pub(crate) fn guard<T>(f: impl FnOnce() -> Result<T, WalkbookError>) -> Result<T, WalkbookError> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            Err(WalkbookError::Internal {
                detail: format!("walkbook hit an internal error ({what}); please report it"),
            })
        }
    }
}

/// What to show the volunteer for an error: its words alone. (Kotlin's
/// `message` reads `detail=…` and Swift's `localizedDescription` the enum
/// case; screens show this instead.)
#[uniffi::export]
pub fn error_text(error: WalkbookError) -> String {
    error.to_string()
}
