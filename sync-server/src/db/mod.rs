//! The server's own store layer: campaigns and their packets, devices with
//! their invites and sessions, phone-bank claims, and results documents.
//! Four traits, one per concern, implemented by the embedded SQLite stores
//! ([`ServerDb`], `server.db` in the data directory, and [`SqliteResults`],
//! one results file per campaign: the default) and by PostgreSQL
//! ([`PgServerDb`], all four, for several server processes on one database).
//!
//! Every method is a whole operation (its own transaction where it writes
//! more than one row): callers never hold a transaction across calls, so
//! the same code is correct on one process or many. What is durable when a
//! write returns: SQLite commits with `synchronous=FULL`; PostgreSQL with
//! the server's `synchronous_commit` (on by default).

mod migrate;
mod postgres;
mod postgres_import;
mod postgres_results;
mod reference;
pub(crate) mod sign_in;
mod sqlite;
mod sqlite_import;
mod sqlite_results;

pub use migrate::{MoveReport, copy_to_postgres};
pub use postgres::{MAX_CONNECTIONS as PG_MAX_CONNECTIONS, PgServerDb};
pub use sqlite::ServerDb;
pub use sqlite_results::{STORE_BUSY_TIMEOUT, SqliteResults, store_path as sqlite_store_path};

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use walkbook_core::import::{ImportError, ImportReport, VoterSink};
use walkbook_core::model::ReferenceData;
use walkbook_core::results::rules::{Author, RuleViolation, UnitData};
use walkbook_core::results::{Attempt, HouseholdSummary, Refusal, StatusSummary};
use walkbook_core::store::{ConflictRow, StoreError};
use walkbook_core::sync::Role;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("PostgreSQL: {0}")]
    Postgres(String),
    /// The database cannot be reached right now (a retryable 503).
    #[error("{0}; try again shortly")]
    Unavailable(String),
    #[error("campaign {0} does not exist; create it with `walkbook-server admin create-campaign`")]
    NoCampaign(String),
    #[error("campaign {0} already exists")]
    CampaignExists(String),
    #[error("{0}")]
    Invalid(String),
    /// A turf-near-me check-out or release was refused (nothing stored).
    #[error(transparent)]
    CheckOut(#[from] walkbook_core::turfnear::CheckOutError),
}

/// A device that joined, as the server knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub device_id: String,
    pub campaign_id: String,
    pub volunteer_id: String,
    pub role: Role,
    pub revoked: Option<String>,
}

/// Why an invite code was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InviteProblem {
    Unknown,
    Used,
    Expired,
}

/// An organizer's acceptance of a canvasser's day (activity review).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShiftReview {
    pub campaign_id: String,
    pub volunteer_id: String,
    /// Local date, YYYY-MM-DD.
    pub day: String,
    /// The organizer's volunteer id.
    pub accepted_by: String,
    pub at_ms: i64,
    pub note: String,
}

/// A batch of call-list contacts given to one device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub claim_id: String,
    /// In call-list order.
    pub person_ids: Vec<String>,
    pub expires_at_ms: i64,
}

/// What a claim asks for: up to `size` of `candidates` (in that order),
/// skipping `excluded` people and anyone in another live claim.
pub struct NewClaim<'a> {
    pub campaign_id: &'a str,
    pub list_id: &'a str,
    pub candidates: &'a [String],
    pub excluded: &'a std::collections::HashSet<String>,
    pub size: usize,
    pub device: &'a Device,
    pub now: DateTime<Utc>,
    pub lease: chrono::Duration,
}

pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

pub(crate) fn role_str(role: Role) -> &'static str {
    match role {
        Role::Volunteer => "volunteer",
        Role::Organizer => "organizer",
        Role::Trainee => "trainee",
    }
}

pub(crate) fn parse_role(s: &str) -> Role {
    match s {
        "organizer" => Role::Organizer,
        "trainee" => Role::Trainee,
        _ => Role::Volunteer,
    }
}

/// A random secret: two v4 UUIDs, 244 random bits as 64 hex characters
/// (device tokens, session ids, sign-in link codes).
pub(crate) fn random_secret() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

/// An import, run against the sink a store hands it.
pub type ImportRun<'a> = dyn FnMut(&mut dyn VoterSink) -> Result<ImportReport, ImportError> + 'a;

/// A change to a campaign's reference data, run under its write lock.
/// It returns whether there is anything to store (`false`: leave it as it was).
pub type CampaignEdit<'a> = dyn FnMut(&mut ReferenceData) -> Result<bool, DbError> + 'a;

/// Campaigns, their reference data and their published packets.
pub trait CampaignStore {
    /// Validates and stores a new campaign; its id.
    fn insert_campaign(&self, data: &ReferenceData) -> Result<String, DbError>;
    /// Replaces a campaign's reference data (validated) and bumps its
    /// revision.
    fn update_campaign(&self, data: &ReferenceData) -> Result<(), DbError>;
    /// Reads the campaign, lets `edit` change it and stores the result
    /// (validated), all under the campaign's write lock: edits of one
    /// campaign from any number of processes take turns, so none overwrites
    /// another's (a plain read, then `update_campaign`, can). Nothing is
    /// stored when `edit` or the validation fails. Durable when it returns.
    fn edit_campaign(&self, id: &str, edit: &mut CampaignEdit<'_>) -> Result<(), DbError>;
    fn campaign(&self, id: &str) -> Result<ReferenceData, DbError>;
    /// Removes a campaign that failed to be created, with its packets.
    fn delete_campaign(&self, id: &str) -> Result<(), DbError>;
    /// The campaign's revision: changes whenever its data changes, so a
    /// process can cache the parsed campaign and notice edits made by
    /// another process.
    fn campaign_revision(&self, id: &str) -> Result<i64, DbError>;
    fn campaign_ids(&self) -> Result<Vec<String>, DbError>;
    /// The ids of a campaign's assignments (without reading the rest).
    fn assignment_ids(&self, campaign_id: &str) -> Result<Vec<String>, DbError>;
    /// Streams a voter-file import into a campaign's stored people and
    /// households in one transaction: `run` writes through the sink it is
    /// given, which answers from the tables (memory stays bounded by the
    /// import's batch, not by the campaign). When `run` returns a report
    /// and `commit` is true, everything is committed, and durable when this
    /// returns, and the campaign's revision moves; otherwise (a dry run, a
    /// file that cannot be used) it is rolled back and the campaign is
    /// exactly as it was. The outer error is the store's, the inner the
    /// file's.
    fn import_people(
        &self,
        campaign_id: &str,
        commit: bool,
        run: &mut ImportRun<'_>,
    ) -> Result<Result<ImportReport, ImportError>, DbError>;
    /// Records that an organizer looked at a canvasser's day and accepted
    /// it (replacing an earlier acceptance of that day). Durable when it
    /// returns.
    fn accept_shift(&self, review: &ShiftReview) -> Result<(), DbError>;
    /// The campaign's accepted shifts, by volunteer and day.
    fn shift_reviews(&self, campaign_id: &str) -> Result<Vec<ShiftReview>, DbError>;
    /// Stores (or replaces) an assignment's packet.
    fn put_packet(
        &self,
        campaign_id: &str,
        assignment_id: &str,
        version: u64,
        sha256: &str,
        bytes: &[u8],
    ) -> Result<(), DbError>;
    /// (version, sha256) of an assignment's current packet.
    fn packet_version(
        &self,
        campaign_id: &str,
        assignment_id: &str,
    ) -> Result<Option<(u64, String)>, DbError>;
    /// (version, bytes) of an assignment's current packet.
    fn packet(
        &self,
        campaign_id: &str,
        assignment_id: &str,
    ) -> Result<Option<(u64, Vec<u8>)>, DbError>;
}

/// Devices, the invites they join with, dashboard sessions and sign-in
/// links. A revocation, a used invite or a signed-out session takes effect
/// for every process on the same database at once: nothing here is cached.
pub trait AccessStore {
    fn insert_invite(
        &self,
        code: &str,
        campaign_id: &str,
        volunteer_id: &str,
        role: Role,
        expires_at: DateTime<Utc>,
    ) -> Result<(), DbError>;
    /// Uses a one-time invite and registers the device with its token hash,
    /// atomically, so two devices can never both use one code. The device
    /// id is issued here, never taken from the client: no device can take
    /// over another's id (its claims, its revocation, its results).
    ///
    /// `rejoining`: the id this server issued to the same installation
    /// before. It is kept only for the same campaign and volunteer and only
    /// if that device was never revoked, so its unsynced results still
    /// count as its own; anything else gets a fresh id.
    fn redeem_invite(
        &self,
        code: &str,
        token: &str,
        rejoining: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Result<Device, InviteProblem>, DbError>;
    /// The device a bearer token belongs to.
    fn device_for_token(&self, token: &str) -> Result<Option<Device>, DbError>;
    /// Last-seen bookkeeping, at most once a minute per device; best
    /// effort (skipped rather than waited for under contention).
    fn touch_device(&self, token: &str) -> Result<(), DbError>;
    /// Revokes every token of a device in a campaign and ends its
    /// dashboard sessions. Returns how many tokens.
    fn revoke_device(
        &self,
        campaign_id: &str,
        device_id: &str,
        reason: &str,
    ) -> Result<usize, DbError>;
    fn devices(&self, campaign_id: &str) -> Result<Vec<Device>, DbError>;
    /// Remembers that a device was sent a unit's packet (idempotent).
    fn record_device_unit(&self, device_id: &str, doc_id: &str) -> Result<(), DbError>;
    /// Whether a device was ever sent a unit's packet.
    fn device_held_unit(&self, device_id: &str, doc_id: &str) -> Result<bool, DbError>;
    /// Starts a dashboard session for the device holding `token`. Returns
    /// the session id (for the cookie; only its hash is stored) and its
    /// CSRF token.
    fn create_session(&self, token: &str, now: DateTime<Utc>) -> Result<(String, String), DbError>;
    /// The device and CSRF token of a live session: not signed out, not
    /// idle longer than `idle`, not older than `absolute`, its device not
    /// revoked.
    fn session(
        &self,
        id: &str,
        now: DateTime<Utc>,
        idle: chrono::Duration,
        absolute: chrono::Duration,
    ) -> Result<Option<(Device, String)>, DbError>;
    /// A one-time sign-in link code for the device holding `token`.
    fn create_signin_link(
        &self,
        token: &str,
        now: DateTime<Utc>,
        valid_for: chrono::Duration,
    ) -> Result<String, DbError>;
    /// Uses a sign-in link: a new session for its device, or `None` when
    /// the code is unknown, used or expired. Atomic: a link opens one
    /// session, however often (and through however many processes) it is
    /// clicked.
    fn redeem_signin_link(
        &self,
        code: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<(String, String)>, DbError>;
    /// Signs a session out.
    fn delete_session(&self, id: &str) -> Result<(), DbError>;
    /// Takes one sign-in attempt from the budget `bucket` (a client
    /// address, or everybody's): a token bucket of `per_minute` tokens
    /// refilled at `per_minute` a minute. `Ok(Err(wait))` when it is empty.
    /// Shared by every process on the same database (see [`sign_in`]).
    fn take_sign_in(
        &self,
        bucket: &str,
        per_minute: u32,
    ) -> Result<Result<(), std::time::Duration>, DbError>;
}

/// Phone-bank claims: a contact is in at most one live claim (not
/// released, not expired), whichever process takes it.
pub trait ClaimStore {
    fn claim(&self, request: &NewClaim<'_>) -> Result<Claim, DbError>;
    /// Releases the still-live contacts of a device's claim. Returns how many.
    fn release_claim(
        &self,
        claim_id: &str,
        device: &Device,
        now: DateTime<Utc>,
    ) -> Result<usize, DbError>;
}

/// Everything the server keeps besides results documents.
pub trait ServerStore: CampaignStore + AccessStore + ClaimStore + Send + Sync {}

impl<T: CampaignStore + AccessStore + ClaimStore + Send + Sync> ServerStore for T {}

/// One document of a device's sync request, with what the server checks
/// its changes against.
pub struct DocSync<'a> {
    pub doc_id: &'a str,
    /// The device's automerge sync message, if it sent one.
    pub message: Option<&'a [u8]>,
    pub unit: &'a UnitData,
    /// A unit this device held once (expired or taken away): its uploads
    /// are taken, nothing of anyone else's is sent back.
    pub upload_only: bool,
}

/// What the store did with one document of a sync request, and the reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocSynced {
    pub doc_id: String,
    pub message: Option<Vec<u8>>,
    /// Heads stored durably here (upload-only: those of the device's that
    /// are stored here), sorted hex.
    pub persisted_heads: Vec<String>,
    pub refused: Option<Refusal>,
    pub new_changes: usize,
    pub new_attempts: usize,
}

/// A unit's derived statuses: per person and per household.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UnitStatuses {
    pub people: HashMap<String, StatusSummary>,
    pub households: HashMap<String, HouseholdSummary>,
}

/// Results documents (one automerge document per turf or call list) and
/// the index derived from them. A sync of one document is one operation:
/// the document is locked, the device's changes judged
/// (`walkbook_core::results::admit_changes`), the accepted ones and their
/// index rows written durably in one transaction, and the reply built from
/// what is stored, so syncs of one document through several processes
/// take turns and none loses or hides another's change.
pub trait ResultsStore: Send + Sync {
    /// Removes every results document of a campaign (one that failed to be
    /// created).
    fn drop_campaign(&self, campaign_id: &str) -> Result<(), DbError>;
    /// Makes each unit's document with its canonical genesis change, once.
    fn ensure_documents(&self, campaign_id: &str, doc_ids: &[String]) -> Result<(), DbError>;
    /// Receives one device's sync request (in `docs` order) and answers it.
    /// What is accepted is durable when this returns; a refused change and
    /// everything after it in its document is not stored.
    fn sync_documents(
        &self,
        campaign_id: &str,
        author: &Author,
        docs: &[DocSync<'_>],
        now_ms: i64,
    ) -> Result<Vec<DocSynced>, DbError>;
    /// Writes an organizer's review actions (`walkbook_core::results::
    /// review`: rollbacks and their undos) into one document, one change
    /// each, judged by the same admission as a device's changes. All or
    /// nothing: the inner error names the rule an attempt breaks, and then
    /// nothing is stored; otherwise everything is durable when this
    /// returns, and phones receive it at their next sync. How many
    /// attempts were written.
    fn append_reviewed(
        &self,
        campaign_id: &str,
        author: &Author,
        doc_id: &str,
        unit: &UnitData,
        attempts: &[Attempt],
        now_ms: i64,
    ) -> Result<Result<usize, RuleViolation>, DbError>;
    /// Each results document's revision (its heads, and on PostgreSQL its
    /// compaction generation), by document id: an entry changes whenever
    /// its document does, through any process (the dashboard re-reads only
    /// documents that changed).
    fn document_revisions(&self, campaign_id: &str) -> Result<Vec<(String, String)>, DbError>;
    /// The attempts of the given documents (documents without any are left
    /// out).
    fn attempts_of(
        &self,
        campaign_id: &str,
        doc_ids: &[String],
    ) -> Result<Vec<(String, Vec<Attempt>)>, DbError>;
    /// A document's heads as stored (sorted hex; empty for none).
    fn heads(&self, campaign_id: &str, doc_id: &str) -> Result<Vec<String>, DbError>;
    /// Whether this device ever synced this document.
    fn has_synced(&self, campaign_id: &str, doc_id: &str, device_id: &str)
    -> Result<bool, DbError>;
    /// (person, final status kind) of those of `people` with a final
    /// status anywhere in the campaign, do-not-contact first.
    fn final_statuses_of(
        &self,
        campaign_id: &str,
        people: &HashSet<String>,
    ) -> Result<Vec<(String, String)>, DbError>;
    /// Refs of numbers recorded as wrong for any of `people`, sorted.
    fn wrong_number_refs_of(
        &self,
        campaign_id: &str,
        people: &HashSet<String>,
    ) -> Result<Vec<String>, DbError>;
    /// Every results document with all its attempts, by document id.
    fn unit_attempts(&self, campaign_id: &str) -> Result<Vec<(String, Vec<Attempt>)>, DbError>;
    /// People per status kind.
    fn status_counts(&self, campaign_id: &str) -> Result<BTreeMap<String, u64>, DbError>;
    /// Answers per question and option (people whose status is contacted).
    fn answer_tallies(
        &self,
        campaign_id: &str,
    ) -> Result<BTreeMap<String, BTreeMap<String, u64>>, DbError>;
    /// People whose results disagree, with the attempts in question.
    fn conflicts(&self, campaign_id: &str) -> Result<Vec<ConflictRow>, DbError>;
    /// One unit's derived statuses.
    fn unit_statuses(&self, campaign_id: &str, doc_id: &str) -> Result<UnitStatuses, DbError>;
}
