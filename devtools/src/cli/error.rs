use std::path::PathBuf;

use walkbook_core::model::ReferenceError;

/// What went wrong in a command, worded for the person at the terminal.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(
        "cannot create the output directory {path}: {source}. Check the path and that you may write there"
    )]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}. Check free disk space and permissions")]
    WriteFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the generated campaign failed validation ({0}); this is a bug in the generator, please report it with the seed"
    )]
    InvalidCampaign(#[from] ReferenceError),
    #[error(transparent)]
    Admin(#[from] walkbook_server::admin::AdminError),
    #[error(transparent)]
    Store(#[from] walkbook_core::store::StoreError),
    #[error("sync failed: {0}")]
    Sync(#[from] walkbook_core::sync::SyncError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("the demo check failed: {0}")]
    DemoCheck(String),
}
