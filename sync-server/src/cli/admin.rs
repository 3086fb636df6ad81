//! `walkbook-server admin …`: campaign setup on a data directory or a
//! PostgreSQL database. Safe to run while servers are serving the same
//! deployment (SQLite WAL and busy timeout; PostgreSQL transactions).

use std::path::PathBuf;

use chrono::{DateTime, Duration, Utc};
use clap::{Args, Subcommand};
use walkbook_core::model::{AssignmentKind, TurfMode};
use walkbook_core::sync::Role;
use walkbook_server::admin::{self as ops, Deployment};

use super::CliError;

#[derive(Debug, Args)]
pub struct AdminArgs {
    #[arg(
        long,
        env = "WALKBOOK_DATA_DIR",
        default_value = "walkbook-data",
        global = true
    )]
    pub data_dir: PathBuf,
    /// Use PostgreSQL instead of the data directory:
    /// postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE.
    #[arg(long, env = "WALKBOOK_DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    /// The CA certificate(s) (PEM) the database's TLS certificate must chain
    /// to, e.g. a managed database's CA bundle. With it, or with
    /// `sslmode=require` in the URL, the connection is TLS and the server's
    /// certificate and name are always verified (system roots without it).
    #[arg(long, env = "WALKBOOK_DATABASE_CA", global = true)]
    pub database_ca: Option<PathBuf>,
    #[command(subcommand)]
    pub command: AdminCommand,
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create a campaign from a campaign directory (campaign.json, as written by `generate`).
    CreateCampaign {
        #[arg(long)]
        from: PathBuf,
    },
    /// Assign a turf or a call list to a volunteer.
    Assign {
        #[arg(long)]
        campaign: String,
        #[arg(
            long,
            conflicts_with = "call_list",
            required_unless_present = "call_list"
        )]
        turf: Option<String>,
        #[arg(long)]
        call_list: Option<String>,
        #[arg(long)]
        volunteer: String,
        /// When the assignment (and its data on the phone) expires, RFC 3339.
        #[arg(long)]
        expires: Option<DateTime<Utc>>,
        /// Or: expires this many days from now.
        #[arg(long, default_value_t = 14)]
        days: i64,
        /// A lit drop: the canvasser leaves literature at each door with one
        /// tap (turfs only; the campaign needs a `lit_drop` door result).
        #[arg(long, requires = "turf")]
        lit_drop: bool,
    },
    /// Take an assignment away: the phone deletes its data at its next sync,
    /// after uploading any results recorded there.
    Unassign {
        #[arg(long)]
        campaign: String,
        /// The assignment id, e.g. turf-T3-vol-01 (see `admin packets`).
        #[arg(long)]
        assignment: String,
    },
    /// Create a one-time invite code for a volunteer (or an organizer, or a
    /// trainee).
    Invite {
        #[arg(long)]
        campaign: String,
        /// The volunteer's id (for --training: any name for the trainee).
        #[arg(long)]
        volunteer: String,
        #[arg(long, conflicts_with = "training")]
        organizer: bool,
        /// A training invite: the phone can only practise (the campaign's
        /// training packet, results that stay on the phone); it gets no
        /// assignments and syncs nothing.
        #[arg(long)]
        training: bool,
        /// Hours until the code expires.
        #[arg(long, default_value_t = 48)]
        hours: i64,
        /// Public URL of the server, for the join link.
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        server_url: String,
    },
    /// Make a universe for turf near me: every door not cut into a turf
    /// (optionally only of some precincts), from which volunteers check out
    /// the nearest free doors with their phones.
    CreateUniverse {
        #[arg(long)]
        campaign: String,
        #[arg(long)]
        id: String,
        #[arg(long)]
        name: String,
        /// Only doors of this precinct (repeatable).
        #[arg(long)]
        precinct: Vec<String>,
    },
    /// Revoke a device: its token stops working and the phone wipes the campaign.
    RevokeDevice {
        #[arg(long)]
        campaign: String,
        #[arg(long)]
        device: String,
        #[arg(long, default_value = "revoked by an organizer")]
        reason: String,
    },
    /// List the devices that joined a campaign.
    Devices {
        #[arg(long)]
        campaign: String,
    },
    /// List the published packets of a campaign and the person fields each
    /// carries to phones (data minimisation: see `packet_fields` in
    /// campaign.json).
    Packets {
        #[arg(long)]
        campaign: String,
    },
    /// Import a voter file (CSV or tab-separated) into a campaign.
    Import {
        #[arg(long)]
        campaign: String,
        #[arg(long)]
        file: PathBuf,
        /// auto, comma or tab.
        #[arg(long, default_value = "auto")]
        delimiter: String,
        /// A mapping file naming the file's column for each field (TOML, see
        /// the README); without it a known statewide layout is recognised
        /// from the header, or the usual column names are used.
        #[arg(long, value_name = "MAP.toml")]
        columns: Option<PathBuf>,
        /// Write every rejected row and every warning (line, kind, reason)
        /// to this CSV file; the terminal shows the first 50 warnings.
        #[arg(long, value_name = "FILE")]
        report: Option<PathBuf>,
        /// Print the column mapping, the first rows as they would be
        /// imported and the report; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Join coordinates from a file of voter id or address + Lat/Lon.
    JoinCoordinates {
        #[arg(long)]
        campaign: String,
        #[arg(long)]
        file: PathBuf,
    },
    /// Add a script written in TOML (a changed script becomes a new version).
    AddScript {
        #[arg(long)]
        campaign: String,
        #[arg(long)]
        file: PathBuf,
    },
    /// Cut turfs of about N doors for households not yet in a turf.
    CutTurfs {
        #[arg(long)]
        campaign: String,
        #[arg(long, default_value_t = 60)]
        doors: usize,
    },
    /// Copy an embedded deployment (a data directory) into PostgreSQL
    /// (--database-url), then check that every campaign exports the same
    /// from both. Stop the server first; start it again with --database-url.
    MigrateToPostgres {
        /// The data directory to copy.
        #[arg(long)]
        from: PathBuf,
    },
    /// Export synced results as a voter-file bulk-upload CSV.
    Export {
        #[arg(long)]
        campaign: String,
        #[arg(long)]
        out: PathBuf,
        /// Add notes and free-text answers beside the bulk-upload columns.
        #[arg(long, conflicts_with = "osdi")]
        full: bool,
        /// Write OSDI-shaped JSON (people, canvasses, answers) instead of CSV.
        #[arg(long, conflicts_with = "new_people")]
        osdi: bool,
        /// Write the people accepted from doors as new voter-file records
        /// (their answers are in the results export under the same ids).
        #[arg(long, conflicts_with = "full")]
        new_people: bool,
    },
    /// People met at doors who are not on the list, newest first, with the
    /// decision on each.
    NewPeople {
        #[arg(long)]
        campaign: String,
    },
    /// Decide on a person met at a door: accept them as a new person, merge
    /// them into a listed person, or reject them. Final.
    DecideNewPerson {
        #[arg(long)]
        campaign: String,
        /// The attempt that recorded them (from `admin new-people`).
        #[arg(long)]
        attempt: String,
        #[arg(long, conflicts_with_all = ["merge_into", "reject"])]
        accept: bool,
        #[arg(long, conflicts_with = "reject")]
        merge_into: Option<String>,
        #[arg(long)]
        reject: bool,
        /// Who decides, for the record.
        #[arg(long, default_value = "admin")]
        by: String,
    },
}

pub fn run(args: &AdminArgs) -> Result<(), CliError> {
    if matches!(args.command, AdminCommand::MigrateToPostgres { .. }) && args.database_url.is_none()
    {
        return Err(CliError::Usage(
            "migrate-to-postgres needs --database-url postgres://USER@HOST:PORT/DATABASE (the database to copy into)".into(),
        ));
    }
    let home = Deployment::open(
        &args.data_dir,
        args.database_url.as_deref(),
        args.database_ca.as_deref(),
        false,
    )?;
    let dir = &home;
    match &args.command {
        AdminCommand::CreateCampaign { from } => {
            let data = ops::read_campaign_dir(from)?;
            let id = ops::create_campaign(dir, &data)?;
            println!(
                "created campaign {id}: {} households, {} people, {} turfs, {} call lists, {} assignments published",
                data.households.len(),
                data.people.len(),
                data.turfs.len(),
                data.call_lists.len(),
                data.assignments.len()
            );
        }
        AdminCommand::Assign {
            campaign,
            turf,
            call_list,
            volunteer,
            expires,
            days,
            lit_drop,
        } => {
            let (kind, unit) = match (turf, call_list) {
                (Some(t), None) => (AssignmentKind::Turf, t),
                (None, Some(l)) => (AssignmentKind::CallList, l),
                _ => {
                    return Err(CliError::Usage(
                        "give exactly one of --turf and --call-list".into(),
                    ));
                }
            };
            let expires_at = expires.unwrap_or_else(|| Utc::now() + Duration::days(*days));
            let mode = if *lit_drop {
                TurfMode::LitDrop
            } else {
                TurfMode::Canvass
            };
            let a = ops::assign_with_mode(dir, campaign, kind, unit, volunteer, expires_at, mode)?;
            println!(
                "assignment {} → {} until {}{}",
                a.id,
                a.volunteer_id,
                a.expires_at.to_rfc3339(),
                if *lit_drop { " (lit drop)" } else { "" }
            );
        }
        AdminCommand::Invite {
            campaign,
            volunteer,
            organizer,
            training,
            hours,
            server_url,
        } => {
            let role = if *organizer {
                Role::Organizer
            } else if *training {
                Role::Trainee
            } else {
                Role::Volunteer
            };
            let code = ops::create_invite(dir, campaign, volunteer, role, Duration::hours(*hours))?;
            println!(
                "{}invite code: {code}  (one use, expires in {hours} h)",
                if *training { "training " } else { "" }
            );
            println!(
                "join link:   {}",
                walkbook_core::sync::join_link(server_url, &code)
            );
        }
        AdminCommand::CreateUniverse {
            campaign,
            id,
            name,
            precinct,
        } => {
            let doors =
                walkbook_server::universes::create_universe(dir, campaign, id, name, precinct)?;
            println!("universe {id}: {doors} doors, open for turf near me");
        }
        AdminCommand::RevokeDevice {
            campaign,
            device,
            reason,
        } => {
            ops::revoke_device(dir, campaign, device, reason)?;
            println!("device {device} revoked; it will wipe campaign {campaign} at its next sync");
        }
        AdminCommand::Import {
            campaign,
            file,
            delimiter,
            columns,
            report,
            dry_run,
        } => {
            let delimiter = match delimiter.as_str() {
                "auto" => walkbook_core::import::Delimiter::Auto,
                "comma" => walkbook_core::import::Delimiter::Comma,
                "tab" => walkbook_core::import::Delimiter::Tab,
                other => {
                    return Err(CliError::Usage(format!(
                        "--delimiter {other:?}: use auto, comma or tab"
                    )));
                }
            };
            let size = std::fs::metadata(file).ok().map(|m| m.len());
            let progress = super::progress::Stderr::bytes("importing", size);
            // The report file is written as the import finds things, so a
            // file with millions of warnings needs no memory for them.
            let mut report_file = report
                .as_deref()
                .map(ImportReportFile::create)
                .transpose()?;
            let mut write_failed = None;
            let r = ops::import_voter_file(
                dir,
                campaign,
                file,
                delimiter,
                columns.as_deref(),
                *dry_run,
                &progress,
                &mut |kind, row| {
                    if let Some(f) = report_file.as_mut()
                        && write_failed.is_none()
                        && let Err(e) = f.write(kind, row)
                    {
                        write_failed = Some(e);
                    }
                },
            );
            progress.finish();
            if let Some(e) = write_failed {
                return Err(e);
            }
            let r = r?;
            if let (Some(f), Some(path)) = (report_file, report) {
                f.finish()?;
                println!(
                    "report: {} rejected rows and {} warnings written to {}",
                    r.rejected_count,
                    r.warning_count,
                    path.display()
                );
            }
            if let Some(p) = &r.profile {
                println!("layout: {p} (recognised from the header)");
            }
            if *dry_run {
                println!("dry run: nothing is written");
                println!("columns:");
                for (field, header) in &r.columns {
                    println!("  {field:<16} <- {header}");
                }
                println!("first rows as they would be imported:");
                for line in &r.first_rows {
                    println!("  {line}");
                }
            }
            println!(
                "{} rows: {} imported, {} updated, {} rejected; {} new households ({} merged into existing ones, {} without coordinates)",
                r.rows,
                r.imported,
                r.updated,
                r.rejected_count,
                r.households_created,
                r.merged_into_households,
                r.without_coordinates
            );
            for x in r.rejected.iter().take(50) {
                println!("  line {}: {}", x.line, x.reason);
            }
            if r.rejected_count > 50 {
                println!(
                    "  … and {} more rejected rows (--report FILE lists them all)",
                    r.rejected_count - 50
                );
            }
            if r.warning_count > 0 {
                println!(
                    "{} warnings (imported with something missing):",
                    r.warning_count
                );
                for x in r.warnings.iter().take(50) {
                    println!("  line {}: {}", x.line, x.reason);
                }
                if r.warning_count > 50 {
                    println!(
                        "  … and {} more (--report FILE lists them all)",
                        r.warning_count - 50
                    );
                }
            }
        }
        AdminCommand::JoinCoordinates { campaign, file } => {
            let size = std::fs::metadata(file).ok().map(|m| m.len());
            let progress = super::progress::Stderr::bytes("joining coordinates", size);
            let r = ops::join_coordinates(dir, campaign, file, &progress)?;
            progress.finish();
            println!(
                "{} rows: {} households located, {} unmatched",
                r.rows,
                r.located,
                r.unmatched.len()
            );
            for x in &r.unmatched {
                println!("  line {}: {}", x.line, x.reason);
            }
        }
        AdminCommand::AddScript { campaign, file } => {
            use walkbook_core::scriptfile::AddedScript;
            match ops::add_script_file(dir, campaign, file)? {
                AddedScript::New { id, version } => println!("added script {id} v{version}"),
                AddedScript::NewVersion { id, version } => {
                    println!("script {id} is now v{version} (older versions kept)")
                }
                AddedScript::Unchanged { id, version } => {
                    println!("script {id} v{version} is unchanged")
                }
            }
        }
        AdminCommand::CutTurfs { campaign, doors } => {
            let created = ops::cut_turfs(dir, campaign, *doors)?;
            println!("cut {} new turfs: {}", created.len(), created.join(", "));
        }
        AdminCommand::MigrateToPostgres { from } => migrate_to_postgres(from, args)?,
        AdminCommand::Export {
            campaign,
            out,
            full,
            osdi,
            new_people,
        } => {
            let data = home.db.campaign(campaign).map_err(ops::AdminError::from)?;
            let units = home
                .results
                .unit_attempts(campaign)
                .map_err(ops::AdminError::from)?;
            let file = std::fs::File::create(out).map_err(|source| CliError::WriteFile {
                path: out.clone(),
                source,
            })?;
            if *new_people {
                let rows = walkbook_core::export::export_new_records(
                    &data,
                    &units,
                    std::io::BufWriter::new(file),
                )
                .map_err(|e| CliError::Usage(e.to_string()))?;
                println!("wrote {rows} new records to {}", out.display());
                return Ok(());
            }
            let mut store = walkbook_core::export::CampaignResults::new(&data, units);
            if *osdi {
                let progress = super::progress::Stderr::bytes("exporting", None);
                let counts = walkbook_core::export::export_osdi(
                    &mut store,
                    walkbook_server::progress::ProgressWrite::new(
                        std::io::BufWriter::new(file),
                        &progress,
                    ),
                )
                .map_err(|e| CliError::Usage(e.to_string()))?;
                progress.finish();
                println!(
                    "wrote {} people and {} canvasses to {}",
                    counts.people,
                    counts.canvasses,
                    out.display()
                );
                return Ok(());
            }
            let shape = if *full {
                walkbook_core::export::ExportShape::Full
            } else {
                walkbook_core::export::ExportShape::BulkUpload
            };
            let progress = super::progress::Stderr::bytes("exporting", None);
            let rows = walkbook_core::export::export_results_as(
                &mut store,
                walkbook_server::progress::ProgressWrite::new(
                    std::io::BufWriter::new(file),
                    &progress,
                ),
                shape,
            )
            .map_err(|e| CliError::Usage(e.to_string()))?;
            progress.finish();
            println!("wrote {rows} rows to {}", out.display());
        }
        AdminCommand::NewPeople { campaign } => {
            let proposals = walkbook_server::people::proposals(&home, campaign)?;
            if proposals.is_empty() {
                println!("nobody met at a door is waiting or decided");
            }
            for p in proposals {
                let a = &p.attempt;
                let np = a.new_person.as_ref().expect("proposals have a new person");
                let decision = p
                    .decision
                    .map(|d| {
                        format!(
                            "{} by {}{}",
                            d.outcome.as_str(),
                            d.by,
                            d.person_id.map(|p| format!(" ({p})")).unwrap_or_default()
                        )
                    })
                    .unwrap_or_else(|| "waiting".into());
                println!(
                    "{}  {} {}  at {}  ({}, by {})  {}",
                    a.id,
                    np.first_name,
                    np.last_name,
                    a.household_id,
                    np.reason.as_str(),
                    a.volunteer_id,
                    decision
                );
            }
        }
        AdminCommand::DecideNewPerson {
            campaign,
            attempt,
            accept,
            merge_into,
            reject,
            by,
        } => {
            use walkbook_core::newpeople::Decision;
            let decision = match (accept, merge_into, reject) {
                (true, None, false) => Decision::Accept,
                (false, Some(p), false) => Decision::Merge {
                    person_id: p.clone(),
                },
                (false, None, true) => Decision::Reject,
                _ => {
                    return Err(CliError::Usage(
                        "say one of --accept, --merge-into PERSON or --reject".into(),
                    ));
                }
            };
            match walkbook_server::people::decide(&home, campaign, attempt, &decision, by)? {
                Some(person) => println!("attempt {attempt}: the answers now belong to {person}"),
                None => println!("attempt {attempt}: rejected"),
            }
        }
        AdminCommand::Unassign {
            campaign,
            assignment,
        } => {
            ops::unassign(dir, campaign, assignment)?;
            println!(
                "assignment {assignment} taken away; phones delete its data at their next sync"
            );
        }
        AdminCommand::Packets { campaign } => {
            for p in ops::packet_report(home.db.as_ref(), campaign)? {
                println!(
                    "{}  {} {}  volunteer {}  v{}  {} households, {} people  fields: {}",
                    p.assignment_id,
                    p.kind,
                    p.unit_id,
                    p.volunteer_id,
                    p.version,
                    p.households,
                    p.people,
                    p.fields.join(", ")
                );
            }
        }
        AdminCommand::Devices { campaign } => {
            for d in home.db.devices(campaign).map_err(ops::AdminError::from)? {
                let state = d
                    .revoked
                    .map(|r| format!("revoked: {r}"))
                    .unwrap_or_else(|| "active".into());
                println!(
                    "{}  volunteer {}  {:?}  {state}",
                    d.device_id, d.volunteer_id, d.role
                );
            }
        }
    }
    Ok(())
}

/// `admin migrate-to-postgres`: copies `from` into the --database-url database.
fn migrate_to_postgres(from: &std::path::Path, args: &AdminArgs) -> Result<(), CliError> {
    let url = args.database_url.as_deref().unwrap_or_default();
    let to = walkbook_server::db::PgServerDb::connect_with(url, args.database_ca.as_deref())
        .map_err(ops::AdminError::from)?;
    let r = walkbook_server::db::copy_to_postgres(from, &to).map_err(ops::AdminError::from)?;
    println!(
        "copied {} campaigns ({} packets), {} invite/device/session/claim rows, {} results documents with {} attempts to {}",
        r.campaigns,
        r.packets,
        r.access_rows,
        r.documents,
        r.attempts,
        to.describe()
    );
    println!(
        "checked: {} export rows read the same from both; serve with --database-url now",
        r.export_rows_checked
    );
    Ok(())
}

/// The whole import report as CSV, written as the import goes: line, kind
/// (rejected or warning), reason (formula cells neutralised).
struct ImportReportFile {
    path: std::path::PathBuf,
    w: csv::Writer<std::io::BufWriter<std::fs::File>>,
}

impl ImportReportFile {
    fn create(path: &std::path::Path) -> Result<Self, CliError> {
        let file = std::fs::File::create(path).map_err(|source| CliError::WriteFile {
            path: path.to_path_buf(),
            source,
        })?;
        let mut out = ImportReportFile {
            path: path.to_path_buf(),
            w: csv::Writer::from_writer(std::io::BufWriter::new(file)),
        };
        out.record("line", "kind", "reason")?;
        Ok(out)
    }

    fn wrap(&self, e: impl std::fmt::Display) -> CliError {
        CliError::WriteFile {
            path: self.path.clone(),
            source: std::io::Error::other(e.to_string()),
        }
    }

    fn record(&mut self, line: &str, kind: &str, reason: &str) -> Result<(), CliError> {
        let safe = walkbook_core::export::csv_safe(reason);
        self.w
            .write_record([line, kind, safe.as_ref()])
            .map_err(|e| self.wrap(e))
    }

    fn write(
        &mut self,
        kind: walkbook_core::import::FindingKind,
        row: &walkbook_core::import::RejectedRow,
    ) -> Result<(), CliError> {
        let kind = match kind {
            walkbook_core::import::FindingKind::Rejected => "rejected",
            walkbook_core::import::FindingKind::Warning => "warning",
        };
        self.record(&row.line.to_string(), kind, &row.reason)
    }

    fn finish(mut self) -> Result<(), CliError> {
        self.w.flush().map_err(|e| self.wrap(e))
    }
}
