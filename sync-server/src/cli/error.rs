use std::path::PathBuf;

/// What went wrong in a command, worded for the person at the terminal.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("cannot write {path}: {source}. Check free disk space and permissions")]
    WriteFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Admin(#[from] walkbook_server::admin::AdminError),
    #[error(transparent)]
    Store(#[from] walkbook_core::store::StoreError),
    #[error("sync failed: {0}")]
    Sync(#[from] walkbook_core::sync::SyncError),
    #[error(
        "cannot listen on {addr}: {source}. Is another server using the port? Pick another with --port"
    )]
    Listen {
        addr: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Usage(String),
}
