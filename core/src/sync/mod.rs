//! Sync between devices and the server: the wire types, the I/O-free sync
//! step (shared with the server), the sync state kept per peer, and the HTTP
//! client used by the apps.

mod api;
mod client;
mod peer;
pub mod step;

pub use api::*;
pub use client::{SyncClient, SyncError, SyncProgress, SyncSummary};
pub use peer::{DeviceReceipt, Suppressions};
