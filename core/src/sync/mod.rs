//! Sync between devices and the server: the wire types, the I/O-free sync
//! step (shared with the server) and the HTTP client used by the apps.

mod api;
mod client;
mod step;

pub use api::*;
pub use client::{SyncClient, SyncError, SyncProgress, SyncSummary};
