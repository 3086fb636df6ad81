//! Admin operations on a deployment (a data directory with the embedded
//! stores, or PostgreSQL), shared by the CLI, the demo and the tests:
//! create a campaign, publish packets, assign, invite, revoke.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};
use walkbook_core::model::{
    Assignment, AssignmentKind, ReferenceData, ScriptKind, TurfMode, validate_reference_data,
};
use walkbook_core::packet::{PacketIndex, encode_packet, packet_body_indexed};
use walkbook_core::store::{DeviceStore, StoreError};
use walkbook_core::sync::Role;

use crate::db::{DbError, PgServerDb, ResultsStore, ServerDb, ServerStore, SqliteResults};

/// Where a deployment keeps everything: its server store and its results.
/// A [`DataDir`] opens its embedded stores on each call (an admin command
/// next to a running server); a [`Deployment`] holds them open.
pub trait Home {
    fn server_store(&self) -> Result<Arc<dyn ServerStore>, AdminError>;
    fn results_store(&self) -> Result<Arc<dyn ResultsStore>, AdminError>;
    /// The data directory, for the embedded stores.
    fn data_dir(&self) -> Option<&DataDir>;
}

/// A deployment's stores, open: the embedded SQLite stores of a data
/// directory (the default) or one PostgreSQL database.
#[derive(Clone)]
pub struct Deployment {
    pub db: Arc<dyn ServerStore>,
    pub results: Arc<dyn ResultsStore>,
    dir: Option<DataDir>,
    /// For logs: the data directory, or the database without its password.
    pub description: String,
}

impl Deployment {
    /// The embedded stores in `dir`: `server.db` and `campaigns/<id>.db`,
    /// for admin work: a lock held by the server is waited for (up to
    /// SQLite's default 10 s).
    pub fn embedded(dir: DataDir) -> Result<Self, AdminError> {
        Self::embedded_with(dir, None, false)
    }

    /// The embedded stores for a serving process: a lock held by another
    /// process (an admin command) is waited out at most 2 s, then the
    /// request is answered 503 and the client retries. WAL checkpoints run
    /// on a background thread, off the requests' path.
    pub fn embedded_serving(dir: DataDir) -> Result<Self, AdminError> {
        Self::embedded_with(dir, Some(crate::db::STORE_BUSY_TIMEOUT), true)
    }

    fn embedded_with(
        dir: DataDir,
        busy_timeout: Option<std::time::Duration>,
        serving: bool,
    ) -> Result<Self, AdminError> {
        let db = dir.server_db()?;
        if let Some(t) = busy_timeout {
            db.set_busy_timeout(t)?;
        }
        let campaigns = dir.root.join("campaigns");
        // A serving process checkpoints in the background; admin commands
        // are short and leave it to their commits.
        let results = if serving {
            SqliteResults::serving(campaigns, busy_timeout)
        } else {
            SqliteResults::new(campaigns, busy_timeout)
        };
        Ok(Deployment {
            db: Arc::new(db),
            results: Arc::new(results),
            description: format!("data directory {}", dir.root.display()),
            dir: Some(dir),
        })
    }

    /// PostgreSQL at `url` (migrated to this version's schema on connect).
    pub fn postgres(url: &str) -> Result<Self, AdminError> {
        Self::postgres_with(url, None)
    }

    /// PostgreSQL over TLS verified against `ca` (see
    /// [`PgServerDb::connect_with`]).
    pub fn postgres_with(url: &str, ca: Option<&Path>) -> Result<Self, AdminError> {
        let db = Arc::new(PgServerDb::connect_with(url, ca)?);
        Ok(Deployment {
            description: format!("PostgreSQL {}", db.describe()),
            db: db.clone(),
            results: db,
            dir: None,
        })
    }

    /// PostgreSQL when `database_url` is given (over TLS with `ca` or
    /// `sslmode=require`), else the data directory (`serving`: with the
    /// short lock waits of a server process).
    pub fn open(
        data_dir: &Path,
        database_url: Option<&str>,
        ca: Option<&Path>,
        serving: bool,
    ) -> Result<Self, AdminError> {
        match database_url {
            Some(url) => Self::postgres_with(url, ca),
            None if ca.is_some() => Err(AdminError::Invalid(
                "--database-ca is for PostgreSQL: give --database-url too".into(),
            )),
            None if serving => Self::embedded_serving(DataDir::open(data_dir)?),
            None => Self::embedded(DataDir::open(data_dir)?),
        }
    }
}

impl Home for Deployment {
    fn server_store(&self) -> Result<Arc<dyn ServerStore>, AdminError> {
        Ok(self.db.clone())
    }
    fn results_store(&self) -> Result<Arc<dyn ResultsStore>, AdminError> {
        Ok(self.results.clone())
    }
    fn data_dir(&self) -> Option<&DataDir> {
        self.dir.as_ref()
    }
}

impl Home for DataDir {
    fn server_store(&self) -> Result<Arc<dyn ServerStore>, AdminError> {
        Ok(Arc::new(self.server_db()?))
    }
    fn results_store(&self) -> Result<Arc<dyn ResultsStore>, AdminError> {
        Ok(Arc::new(SqliteResults::new(
            self.root.join("campaigns"),
            None,
        )))
    }
    fn data_dir(&self) -> Option<&DataDir> {
        Some(self)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("cannot use data directory {path}: {source}")]
    DataDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is not a valid campaign file: {problem}")]
    BadCampaignFile { path: PathBuf, problem: String },
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Invalid(String),
}

/// The server's data directory: `server.db` plus one store per campaign.
#[derive(Debug, Clone)]
pub struct DataDir {
    root: PathBuf,
}

impl DataDir {
    pub fn open(root: impl Into<PathBuf>) -> Result<Self, AdminError> {
        let root = root.into();
        std::fs::create_dir_all(root.join("campaigns")).map_err(|source| AdminError::DataDir {
            path: root.clone(),
            source,
        })?;
        Ok(DataDir { root })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn server_db(&self) -> Result<ServerDb, AdminError> {
        Ok(ServerDb::open(&self.root.join("server.db"))?)
    }

    pub fn campaign_store_path(&self, campaign_id: &str) -> PathBuf {
        crate::db::sqlite_store_path(&self.root.join("campaigns"), campaign_id)
    }

    pub fn campaign_store(&self, campaign_id: &str) -> Result<DeviceStore, AdminError> {
        Ok(DeviceStore::open(
            self.campaign_store_path(campaign_id),
            None,
        )?)
    }
}

/// Reads `campaign.json` from a generated (or hand-written) campaign directory.
pub fn read_campaign_dir(dir: &Path) -> Result<ReferenceData, AdminError> {
    let path = if dir.is_dir() {
        dir.join("campaign.json")
    } else {
        dir.to_path_buf()
    };
    let text = std::fs::read_to_string(&path).map_err(|source| AdminError::Read {
        path: path.clone(),
        source,
    })?;
    let data: ReferenceData =
        serde_json::from_str(&text).map_err(|e| AdminError::BadCampaignFile {
            path: path.clone(),
            problem: e.to_string(),
        })?;
    validate_reference_data(&data).map_err(|e| AdminError::BadCampaignFile {
        path,
        problem: e.to_string(),
    })?;
    Ok(data)
}

/// Creates a campaign from its reference data and publishes every packet.
/// Creates a campaign and publishes its packets. All or nothing: a create
/// that fails at any step leaves no campaign row, packet or store file.
pub fn create_campaign(home: &impl Home, data: &ReferenceData) -> Result<String, AdminError> {
    let db = home.server_store()?;
    if let (Some(c), Some(dir)) = (&data.campaign, home.data_dir())
        && walkbook_core::model::check_campaign_id(&c.id).is_ok()
        && dir.campaign_store_path(&c.id).exists()
        && db.campaign(&c.id).is_err()
    {
        return Err(AdminError::Invalid(format!(
            "a store file for campaign {} already exists at {} without a campaign; move it away or pick another id",
            c.id,
            dir.campaign_store_path(&c.id).display()
        )));
    }
    let id = db.insert_campaign(data)?;
    if let Err(e) = publish_packets(home, &id) {
        home.results_store()?.drop_campaign(&id)?;
        db.delete_campaign(&id)?;
        return Err(e);
    }
    Ok(id)
}

fn content_hash(data: &ReferenceData, assignment: &Assignment) -> String {
    let mut h = Sha256::new();
    h.update(serde_json::to_vec(data).expect("serialises"));
    h.update(serde_json::to_vec(assignment).expect("serialises"));
    hex::encode(h.finalize())
}

/// Builds the packet of every assignment whose content changed (new version)
/// and stores it. Returns how many changed.
pub fn publish_packets(home: &impl Home, campaign_id: &str) -> Result<usize, AdminError> {
    let db = home.server_store()?;
    let data = db.campaign(campaign_id)?;
    let mut changed = 0;
    let index = PacketIndex::new(&data);
    for a in &data.assignments {
        changed += usize::from(publish_one(db.as_ref(), &index, campaign_id, &a.id)?);
    }
    // The server makes every unit's document root (the canonical genesis)
    // when the unit is published; no device ever creates one.
    let docs: Vec<String> = data.assignments.iter().map(|a| a.unit_doc_id()).collect();
    home.results_store()?.ensure_documents(campaign_id, &docs)?;
    Ok(changed)
}

/// Publishes one assignment's packet (and its unit's document) from
/// `data`, the campaign as just stored: for an assignment made at run time
/// (a turf-near-me check-out) without rebuilding every other packet. The
/// packet version; durable when it returns.
pub fn publish_assignment(
    home: &impl Home,
    campaign_id: &str,
    data: &ReferenceData,
    assignment_id: &str,
) -> Result<u64, AdminError> {
    let db = home.server_store()?;
    let index = PacketIndex::new(data);
    publish_one(db.as_ref(), &index, campaign_id, assignment_id)?;
    let a = data
        .assignments
        .iter()
        .find(|a| a.id == assignment_id)
        .ok_or_else(|| AdminError::Invalid(format!("assignment {assignment_id} does not exist")))?;
    home.results_store()?
        .ensure_documents(campaign_id, &[a.unit_doc_id()])?;
    Ok(db
        .packet_version(campaign_id, assignment_id)?
        .map(|(v, _)| v)
        .unwrap_or_default())
}

/// Stores a new version of one assignment's packet when its content
/// changed; whether it did.
fn publish_one(
    db: &dyn ServerStore,
    index: &PacketIndex<'_>,
    campaign_id: &str,
    assignment_id: &str,
) -> Result<bool, AdminError> {
    // Compare contents first; only a changed packet is encoded.
    let mut body = packet_body_indexed(index, assignment_id, 0, Utc::now())
        .map_err(|e| AdminError::Invalid(e.to_string()))?;
    let hash = content_hash(&body.data, &body.assignment);
    body.version = match db.packet_version(campaign_id, assignment_id)? {
        Some((_, h)) if h == hash => return Ok(false),
        Some((v, _)) => v + 1,
        None => 1,
    };
    let bytes = encode_packet(&body);
    db.put_packet(campaign_id, assignment_id, body.version, &hash, &bytes)?;
    Ok(true)
}

/// What one published packet carries: for `admin packets`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PacketReport {
    pub assignment_id: String,
    pub kind: &'static str,
    pub unit_id: String,
    pub volunteer_id: String,
    pub version: u64,
    pub households: usize,
    pub people: usize,
    /// The person fields its people carry (`packet::carried_fields`).
    pub fields: Vec<&'static str>,
}

/// Every published packet of a campaign and the fields it carries, read
/// from the stored packet bytes (what phones actually download).
pub fn packet_report(
    db: &dyn ServerStore,
    campaign_id: &str,
) -> Result<Vec<PacketReport>, AdminError> {
    let data = db.campaign(campaign_id)?;
    let mut out = Vec::new();
    for a in &data.assignments {
        let Some((version, bytes)) = db.packet(campaign_id, &a.id)? else {
            continue;
        };
        let body = walkbook_core::packet::decode_packet(&bytes)
            .map_err(|e| AdminError::Invalid(format!("stored packet of {}: {e}", a.id)))?
            .body;
        out.push(PacketReport {
            assignment_id: a.id.clone(),
            kind: a.kind.as_str(),
            unit_id: a.unit_id.clone(),
            volunteer_id: a.volunteer_id.clone(),
            version,
            households: body.data.households.len(),
            people: body.data.people.len(),
            fields: walkbook_core::packet::carried_fields(&body.data),
        });
    }
    Ok(out)
}

/// Adds (or replaces) an assignment to canvass or call and publishes its
/// packet.
pub fn assign(
    home: &impl Home,
    campaign_id: &str,
    kind: AssignmentKind,
    unit_id: &str,
    volunteer_id: &str,
    expires_at: DateTime<Utc>,
) -> Result<Assignment, AdminError> {
    assign_with_mode(
        home,
        campaign_id,
        kind,
        unit_id,
        volunteer_id,
        expires_at,
        TurfMode::Canvass,
    )
}

/// [`assign`], saying how a turf is worked (a lit drop or canvassing).
pub fn assign_with_mode(
    home: &impl Home,
    campaign_id: &str,
    kind: AssignmentKind,
    unit_id: &str,
    volunteer_id: &str,
    expires_at: DateTime<Utc>,
    mode: TurfMode,
) -> Result<Assignment, AdminError> {
    let wanted = match kind {
        AssignmentKind::Turf => ScriptKind::Canvass,
        AssignmentKind::CallList => ScriptKind::Phone,
    };
    let id = format!("{}-{}-{}", kind.as_str(), unit_id, volunteer_id);
    let mut made = None;
    // Under the campaign's lock: a check-out or another assign running at
    // the same time is not overwritten.
    edit(home, campaign_id, &mut |data| {
        let script = data
            .scripts
            .iter()
            .filter(|s| s.kind == wanted)
            .max_by_key(|s| s.version)
            .ok_or_else(|| {
                DbError::Invalid(format!("campaign {campaign_id} has no {wanted:?} script"))
            })?
            .id
            .clone();
        if !data.volunteers.iter().any(|v| v.id == volunteer_id) {
            return Err(DbError::Invalid(format!(
                "volunteer {volunteer_id} is not in campaign {campaign_id}"
            )));
        }
        let assignment = Assignment {
            id: id.clone(),
            kind,
            unit_id: unit_id.into(),
            script_id: script,
            volunteer_id: volunteer_id.into(),
            expires_at,
            mode,
        };
        data.assignments.retain(|a| a.id != id);
        data.assignments.push(assignment.clone());
        made = Some(assignment);
        Ok(true)
    })?;
    let assignment = made.expect("set when the edit succeeds");
    publish_packets(home, campaign_id)?;
    Ok(assignment)
}

/// Takes an assignment away: phones delete its data at their next sync
/// (results recorded there still upload first). Its packet stays stored,
/// so a later assignment of the unit continues its version numbers.
pub fn unassign(
    home: &impl Home,
    campaign_id: &str,
    assignment_id: &str,
) -> Result<(), AdminError> {
    edit(home, campaign_id, &mut |data| {
        let before = data.assignments.len();
        data.assignments.retain(|a| a.id != assignment_id);
        if data.assignments.len() == before {
            return Err(DbError::Invalid(format!(
                "campaign {campaign_id} has no assignment {assignment_id}; `walkbook-server admin packets --campaign {campaign_id}` lists them"
            )));
        }
        Ok(true)
    })
}

/// Runs `f` on the campaign under its lock (`CampaignStore::edit_campaign`),
/// with the store's refusals as `AdminError::Invalid`.
pub(crate) fn edit(
    home: &impl Home,
    campaign_id: &str,
    f: &mut crate::db::CampaignEdit<'_>,
) -> Result<(), AdminError> {
    home.server_store()?
        .edit_campaign(campaign_id, f)
        .map_err(refused)
}

/// A store error as an admin error: a refusal of the data (`Invalid`)
/// says what to fix; anything else is the store's own failure.
fn refused(e: DbError) -> AdminError {
    match e {
        DbError::Invalid(problem) => AdminError::Invalid(problem),
        other => other.into(),
    }
}

const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// A one-time code a person can type: 12 characters in groups of four, no
/// look-alike letters, ~60 bits of randomness.
pub fn new_invite_code() -> String {
    let bytes = *uuid::Uuid::new_v4().as_bytes();
    let chars: Vec<char> = bytes[..12]
        .iter()
        .map(|b| CODE_ALPHABET[(*b as usize) % CODE_ALPHABET.len()] as char)
        .collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// Creates a one-time invite for a volunteer (or organizer); returns the code.
pub fn create_invite(
    home: &impl Home,
    campaign_id: &str,
    volunteer_id: &str,
    role: Role,
    valid_for: Duration,
) -> Result<String, AdminError> {
    let db = home.server_store()?;
    let data = db.campaign(campaign_id)?;
    if role == Role::Volunteer && !data.volunteers.iter().any(|v| v.id == volunteer_id) {
        return Err(AdminError::Invalid(format!(
            "volunteer {volunteer_id} is not in campaign {campaign_id}"
        )));
    }
    if role == Role::Trainee
        && (volunteer_id.trim().is_empty()
            || volunteer_id.len() > 64
            || volunteer_id.chars().any(char::is_control))
    {
        return Err(AdminError::Invalid(
            "a trainee needs a name of 1 to 64 characters (--volunteer)".into(),
        ));
    }
    if valid_for <= Duration::zero() {
        return Err(AdminError::Invalid(
            "an invite must be valid for a positive time".into(),
        ));
    }
    let code = new_invite_code();
    db.insert_invite(
        &code,
        campaign_id,
        volunteer_id,
        role,
        Utc::now() + valid_for,
    )?;
    Ok(code)
}

/// Revokes a device: its token stops working and the phone wipes the campaign.
pub fn revoke_device(
    home: &impl Home,
    campaign_id: &str,
    device_id: &str,
    reason: &str,
) -> Result<usize, AdminError> {
    let n = home
        .server_store()?
        .revoke_device(campaign_id, device_id, reason)?;
    if n == 0 {
        return Err(AdminError::Invalid(format!(
            "no active device {device_id} in campaign {campaign_id}"
        )));
    }
    Ok(n)
}

/// Imports a voter file into a campaign (people by id, households by
/// normalised address), streamed into the store in one transaction: memory
/// stays bounded whatever the size of the file or the campaign. Every
/// rejection and warning goes to `findings` as it is found. When the import
/// commits it is durable; then packets are republished if the campaign has
/// assignments (their doors may have new or changed people). Nothing is
/// saved when the file as a whole is unusable. With `dry_run` it only
/// reports what it would do and writes nothing (the transaction is rolled
/// back). `columns` is a mapping file (see
/// `walkbook_core::import::ColumnMapping`); without one a built-in layout
/// is recognised from the header, or the usual names.
#[allow(clippy::too_many_arguments)]
pub fn import_voter_file(
    home: &impl Home,
    campaign_id: &str,
    path: &Path,
    delimiter: walkbook_core::import::Delimiter,
    columns: Option<&Path>,
    dry_run: bool,
    progress: &dyn crate::progress::Progress,
    findings: &mut dyn FnMut(
        walkbook_core::import::FindingKind,
        &walkbook_core::import::RejectedRow,
    ),
) -> Result<walkbook_core::import::ImportReport, AdminError> {
    let mapping = match columns {
        None => None,
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|source| AdminError::Read {
                path: p.to_path_buf(),
                source,
            })?;
            Some(
                walkbook_core::import::ColumnMapping::parse(&text).map_err(|problem| {
                    AdminError::BadCampaignFile {
                        path: p.to_path_buf(),
                        problem,
                    }
                })?,
            )
        }
    };
    let db = home.server_store()?;
    let file = std::fs::File::open(path).map_err(|source| AdminError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let mut file = Some(file);
    let options = walkbook_core::import::ImportOptions {
        delimiter,
        mapping: mapping.as_ref(),
    };
    let report = db
        .import_people(campaign_id, !dry_run, &mut |sink| {
            let file = file.take().ok_or_else(|| {
                walkbook_core::import::ImportError::Read("the file was already read".into())
            })?;
            walkbook_core::import::import_into(
                sink,
                crate::progress::ProgressRead::new(file, progress),
                &options,
                findings,
                &mut |_| {},
            )
        })?
        .map_err(|e| AdminError::BadCampaignFile {
            path: path.to_path_buf(),
            problem: e.to_string(),
        })?;
    if !dry_run && !db.assignment_ids(campaign_id)?.is_empty() {
        publish_packets(home, campaign_id)?;
    }
    Ok(report)
}

/// Cuts turfs of about `doors` doors for every household not yet in a turf
/// (e.g. just imported). Existing turfs and their assignments stay as they
/// are. Returns the new turfs' ids.
pub fn cut_turfs(
    home: &impl Home,
    campaign_id: &str,
    doors: usize,
) -> Result<Vec<String>, AdminError> {
    if doors == 0 {
        return Err(AdminError::Invalid("--doors must be at least 1".into()));
    }
    let mut created = Vec::new();
    edit(home, campaign_id, &mut |data| {
        created.clear();
        // Doors of a universe are left for turf near me.
        let in_turf: std::collections::HashSet<&str> = data
            .turfs
            .iter()
            .flat_map(|t| t.household_ids.iter().map(String::as_str))
            .chain(
                data.universes
                    .iter()
                    .flat_map(|u| u.household_ids.iter().map(String::as_str)),
            )
            .collect();
        let loose: Vec<walkbook_core::model::Household> = data
            .households
            .iter()
            .filter(|h| !in_turf.contains(h.id.as_str()))
            .cloned()
            .collect();
        let mut next = data.turfs.len() + 1;
        for household_ids in walkbook_core::turfcut::cut_turfs(&loose, doors) {
            while data.turfs.iter().any(|t| t.id == format!("turf-{next}")) {
                next += 1;
            }
            let id = format!("turf-{next}");
            data.turfs.push(walkbook_core::model::Turf {
                id: id.clone(),
                name: format!("Cut turf {next} ({} doors)", household_ids.len()),
                household_ids,
                universe: None,
            });
            created.push(id);
        }
        Ok(true)
    })?;
    Ok(created)
}

/// Adds a script authored in TOML to a campaign (a changed script becomes
/// its next version) and republishes the packets that use it.
pub fn add_script_file(
    home: &impl Home,
    campaign_id: &str,
    path: &Path,
) -> Result<walkbook_core::scriptfile::AddedScript, AdminError> {
    let db = home.server_store()?;
    let mut data = db.campaign(campaign_id)?;
    let text = std::fs::read_to_string(path).map_err(|source| AdminError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let added =
        walkbook_core::scriptfile::add_script(&mut data, &path.display().to_string(), &text)
            .map_err(|e| AdminError::Invalid(e.to_string()))?;
    db.update_campaign(&data).map_err(refused)?;
    publish_packets(home, campaign_id)?;
    Ok(added)
}

/// Joins coordinates from a second file into a campaign's households and
/// republishes packets whose doors moved.
pub fn join_coordinates(
    home: &impl Home,
    campaign_id: &str,
    path: &Path,
    progress: &dyn crate::progress::Progress,
) -> Result<walkbook_core::import::CoordinateReport, AdminError> {
    let db = home.server_store()?;
    let mut data = db.campaign(campaign_id)?;
    let file = std::fs::File::open(path).map_err(|source| AdminError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let report = walkbook_core::import::join_coordinates(
        &mut data,
        crate::progress::ProgressRead::new(file, progress),
        walkbook_core::import::Delimiter::Auto,
    )
    .map_err(|e| AdminError::BadCampaignFile {
        path: path.to_path_buf(),
        problem: e.to_string(),
    })?;
    db.update_campaign(&data).map_err(refused)?;
    publish_packets(home, campaign_id)?;
    Ok(report)
}
