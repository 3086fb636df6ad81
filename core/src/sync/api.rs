//! The HTTP API between a device and `walkbook-server`: JSON envelopes, with
//! automerge sync messages as base64. Shared by the client and the server so
//! the two can never disagree on a field name.

use serde::{Deserialize, Serialize};

use crate::model::Assignment;

/// Header carrying the packet version tag (also used as the ETag).
pub const PACKET_VERSION_HEADER: &str = "x-walkbook-packet-version";
/// Error code of a 422 sync reply in which a document refused a change.
pub const ERROR_RESULTS_REFUSED: &str = "results_refused";
/// Error code the server sends with 401 when the device was revoked.
pub const ERROR_DEVICE_REVOKED: &str = "device_revoked";
/// Error code of a 422 sync reply naming a practice document.
pub const ERROR_PRACTICE_RESULTS: &str = "practice_results";
/// Error code of a 403 for a trainee asking for anything but practice.
pub const ERROR_TRAINING_ONLY: &str = "training_only";
/// Most documents one sync request may carry.
pub const MAX_DOCS_PER_REQUEST: usize = 64;
/// Largest sync request body the server accepts.
pub const MAX_SYNC_BODY_BYTES: usize = 32 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Syncs only the documents of their own assignments.
    Volunteer,
    /// Reads every document of the campaign.
    Organizer,
    /// Joined with a training invite: downloads the training packet and
    /// practises; has no assignments and syncs nothing.
    Trainee,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JoinRequest {
    pub invite_code: String,
    /// The device id this server issued to this installation at an earlier
    /// join, when joining again (a new invite, a lost token). The server
    /// keeps it only for the same campaign and volunteer and a device never
    /// revoked; otherwise it issues a new one. A first join sends none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JoinResponse {
    /// Bearer token bound to this volunteer and device. Shown once.
    pub token: String,
    pub campaign_id: String,
    pub campaign_name: String,
    pub volunteer_id: String,
    /// The id the server issued to this device: every attempt it records
    /// carries it, and the server refuses attempts naming another.
    pub device_id: String,
    pub role: Role,
    pub assignments: Vec<AssignmentInfo>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssignmentInfo {
    pub assignment: Assignment,
    pub packet_version: u64,
    /// The results document of the assignment's unit.
    pub doc_id: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AssignmentsResponse {
    pub assignments: Vec<AssignmentInfo>,
}

/// One round of sync from the device: a message (or just a poll) per document.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SyncRequest {
    pub docs: Vec<DocMessage>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocMessage {
    pub doc_id: String,
    /// An automerge sync message, base64; `None` asks "anything new for me?".
    #[serde(default, with = "b64_opt")]
    pub message: Option<Vec<u8>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SyncResponse {
    /// `results_refused` when a document refused a change (status 422);
    /// the per-document `refused` fields say which and why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    pub docs: Vec<DocReply>,
    /// People of this device's assignments finished or barred elsewhere in
    /// the campaign: never call or knock them again. `None`: not sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppressions: Option<Vec<Suppression>>,
    /// Refs (`calls::phone_ref`) of numbers known to be wrong.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bad_phone_refs: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suppression {
    pub person_id: String,
    /// A final status kind: do_not_contact, contacted, refused, moved, deceased.
    pub kind: String,
}

/// Claim a batch of contacts from a shared call list.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClaimRequest {
    pub list_id: String,
    pub size: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimResponse {
    pub claim_id: String,
    pub list_id: String,
    /// In list order; may be fewer than asked (or none) when the pool runs low.
    pub person_ids: Vec<String>,
    pub expires_at_ms: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReleaseResponse {
    pub released: u32,
}

/// "Turf near me": check out the nearest free doors of a universe.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TurfNearRequest {
    /// Made by the client (a UUID) and kept across retries: the same
    /// request sent twice (a lost reply) returns the same check-out.
    pub request_id: String,
    /// The universe to draw from; may be left out when the campaign has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub universe_id: Option<String>,
    /// Where the volunteer stands, in degrees.
    pub lat: f64,
    pub lon: f64,
    pub doors: u32,
    /// How many days the turf is the volunteer's (default 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TurfNearResponse {
    /// The new assignment: download its packet as for any assignment.
    pub assignment: AssignmentInfo,
    /// Doors checked out (fewer than asked when the universe runs low).
    pub doors: u32,
    /// Distance from where the volunteer stands to the farthest door.
    pub farthest_m: f64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TurfReleaseResponse {
    /// Un-knocked doors given back to the universe.
    pub returned: u32,
}

/// Error code of a 409 when a universe has no free door left.
pub const ERROR_NO_DOORS_LEFT: &str = "no_doors_left";

/// Largest batch one claim may take.
pub const MAX_CLAIM_SIZE: u32 = 200;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocReply {
    pub doc_id: String,
    #[serde(default, with = "b64_opt")]
    pub message: Option<Vec<u8>>,
    /// The server's heads for this document, written and fsync'd before
    /// this response was sent: everything they cover is safe on the server.
    pub persisted_heads: Vec<String>,
    /// Set when a change the device sent for this document broke a rule:
    /// that change and everything after it in the message were not stored.
    /// The reply status is then 422 (`results_refused`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused: Option<crate::results::Refusal>,
}

/// Body of every error response.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Machine-readable code, e.g. `device_revoked`, `bad_request`.
    pub error: String,
    /// What went wrong and what to do, for a person.
    pub message: String,
}

mod b64_opt {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(bytes) => s.serialize_some(&STANDARD.encode(bytes)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
        let text: Option<String> = Option::deserialize(d)?;
        text.map(|t| {
            STANDARD
                .decode(t.as_bytes())
                .map_err(serde::de::Error::custom)
        })
        .transpose()
    }
}
