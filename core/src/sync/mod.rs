//! Sync between devices and the server: the wire types, the I/O-free sync
//! step (shared with the server), the sync state kept per peer, and the HTTP
//! client used by the apps.

mod api;
mod client;
mod link;
mod peer;
pub mod serve;
pub mod step;

pub use api::*;
pub use client::{SyncClient, SyncError, SyncProgress, SyncSummary};
pub use link::{
    JoinLink, LinkProblem, check_server_url, join_link, parse_join_link, read_join_link,
    server_url_problem, url_host,
};
pub use peer::Suppressions;
pub use serve::{
    Answer, DeviceReceipt, JudgedUpload, ResultsStorage, Upload, answer_device, put_back_upload,
    take_upload,
};
