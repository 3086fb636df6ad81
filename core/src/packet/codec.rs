use std::io::{Read, Write};

use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use sha2::{Digest, Sha256};

use super::{PACKET_FORMAT, Packet, PacketBody, PacketError};
use crate::model::validate_reference_data;

pub const PACKET_MAGIC: &[u8; 6] = b"WBPK1\n";
/// Upper bound on the uncompressed body, so a hostile or broken packet cannot
/// exhaust a phone's memory. A 5,000-door packet is about 4 MB of JSON.
pub const MAX_PACKET_BODY_BYTES: u64 = 128 * 1024 * 1024;

const HEADER_LEN: usize = PACKET_MAGIC.len() + 32;

/// Serialises, hashes and compresses a packet body.
pub fn encode_packet(body: &PacketBody) -> Vec<u8> {
    let json = serde_json::to_vec(body).expect("packet bodies always serialise");
    let hash = Sha256::digest(&json);
    let mut out = Vec::with_capacity(json.len() / 4 + HEADER_LEN);
    out.extend_from_slice(PACKET_MAGIC);
    out.extend_from_slice(&hash);
    let mut gz = GzEncoder::new(out, Compression::default());
    gz.write_all(&json).expect("writing to a Vec cannot fail");
    gz.finish().expect("writing to a Vec cannot fail")
}

/// Checks header, hash, format and every reference inside the packet.
/// Never panics on any input.
pub fn decode_packet(bytes: &[u8]) -> Result<Packet, PacketError> {
    if bytes.len() < HEADER_LEN {
        return Err(PacketError::TooShort(bytes.len()));
    }
    if &bytes[..PACKET_MAGIC.len()] != PACKET_MAGIC {
        return Err(PacketError::BadMagic);
    }
    let expected = &bytes[PACKET_MAGIC.len()..HEADER_LEN];
    let mut json = Vec::new();
    GzDecoder::new(&bytes[HEADER_LEN..])
        .take(MAX_PACKET_BODY_BYTES + 1)
        .read_to_end(&mut json)
        .map_err(|e| PacketError::Damaged(e.to_string()))?;
    if json.len() as u64 > MAX_PACKET_BODY_BYTES {
        return Err(PacketError::TooLarge);
    }
    if Sha256::digest(&json).as_slice() != expected {
        return Err(PacketError::HashMismatch);
    }
    let format = serde_json::from_slice::<serde_json::Value>(&json)
        .ok()
        .and_then(|v| v.get("format").and_then(|f| f.as_u64()));
    if let Some(found) = format
        && found != u64::from(PACKET_FORMAT)
    {
        return Err(PacketError::UnsupportedFormat {
            found: found as u32,
        });
    }
    let body: PacketBody =
        serde_json::from_slice(&json).map_err(|e| PacketError::Schema(e.to_string()))?;
    check_body(&body)?;
    Ok(Packet {
        body,
        sha256: hex::encode(expected),
    })
}

/// A packet must be self-contained: its assignment, its campaign and every
/// record the assignment refers to are inside it.
fn check_body(body: &PacketBody) -> Result<(), PacketError> {
    let assignment = body.assignment.id.clone();
    let invalid = |problem: String| PacketError::Invalid {
        assignment: assignment.clone(),
        source: crate::model::ReferenceError {
            record: format!("packet for assignment {assignment}"),
            problem,
        },
    };
    match &body.data.campaign {
        None => return Err(invalid("the packet has no campaign settings".into())),
        Some(c) if c.id != body.campaign_id => {
            return Err(invalid(format!(
                "the packet says campaign {} but its settings are for campaign {}",
                body.campaign_id, c.id
            )));
        }
        Some(_) => {}
    }
    if !body.data.assignments.iter().any(|a| a == &body.assignment) {
        return Err(invalid(
            "the assignment is not among the packet's assignments".into(),
        ));
    }
    validate_reference_data(&body.data).map_err(|source| PacketError::Invalid {
        assignment: assignment.clone(),
        source,
    })
}
