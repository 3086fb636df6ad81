//! Packets: the versioned, content-hashed bundle of reference data for one
//! assignment, built on the server and installed on the device in one
//! transaction.
//!
//! Wire format: `WBPK1\n`, then the 32-byte SHA-256 of the body JSON, then
//! the gzip-compressed body JSON. The hash covers the uncompressed bytes, so
//! a corrupt or truncated download is caught whichever layer it hits.

#[cfg(feature = "organizer")]
mod build;
mod codec;

#[cfg(feature = "organizer")]
pub use build::{PacketIndex, build_packet, carried_fields, packet_body, packet_body_indexed};
pub use codec::{MAX_PACKET_BODY_BYTES, PACKET_MAGIC, decode_packet, encode_packet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{Assignment, ReferenceData, ReferenceError};

/// The body of a packet: one assignment and the reference data it needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PacketBody {
    /// Format of the body; bumped when the shape changes incompatibly.
    pub format: u32,
    pub campaign_id: String,
    pub assignment: Assignment,
    /// Increases every time the server changes this assignment's data.
    pub version: u64,
    pub created_at: DateTime<Utc>,
    pub data: ReferenceData,
}

/// The body format this build writes and reads.
pub const PACKET_FORMAT: u32 = 1;

/// A decoded, verified packet and the hash it was verified against.
#[derive(Debug, Clone, PartialEq)]
pub struct Packet {
    pub body: PacketBody,
    /// Hex SHA-256 of the body JSON.
    pub sha256: String,
}

#[derive(Debug, thiserror::Error)]
pub enum PacketError {
    #[error("the packet is {0} bytes long, too short to be a packet; download it again")]
    TooShort(usize),
    #[error("the data is not a walkbook packet (bad header); download it again")]
    BadMagic,
    #[error("the packet is damaged or truncated ({0}); download it again")]
    Damaged(String),
    #[error(
        "the packet content does not match its hash; it was corrupted in transit, download it again"
    )]
    HashMismatch,
    #[error("the packet unpacks to more than {MAX_PACKET_BODY_BYTES} bytes; refusing it")]
    TooLarge,
    #[error("the packet body is not valid: {0}")]
    Schema(String),
    #[error(
        "packet format {found} is not supported (this build reads format {PACKET_FORMAT}); update the app"
    )]
    UnsupportedFormat { found: u32 },
    #[error("packet for assignment {assignment}: {source}")]
    Invalid {
        assignment: String,
        #[source]
        source: ReferenceError,
    },
    #[error("assignment {0} is not in the campaign data")]
    UnknownAssignment(String),
}
