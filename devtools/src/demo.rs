//! The demo: a real server on loopback, simulated volunteers each recording a
//! shift offline on their own device store, syncing (some twice, some through
//! a network that cuts responses), and a check that the server holds every
//! attempt exactly once. Used by `walkbook-dev demo` and by the tests.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::{Arc, Mutex};

use chrono::{Duration, TimeZone, Utc};
use tokio::net::TcpListener;
use walkbook_core::generate::{GenerateOptions, SplitMix64, generate_campaign};
use walkbook_core::model::{AssignmentKind, TurfMode};
use walkbook_core::results::{
    NewAttempt, NewPerson, NewPersonReason, pick_next_call, pick_next_door,
};
use walkbook_core::store::DeviceStore;
use walkbook_core::sync::{Role, SyncClient, SyncError};

use crate::faults::{Fault, FlakyProxy};
use walkbook_server::admin::{self, AdminError, DataDir};
use walkbook_server::db::AccessStore;
use walkbook_server::http::{self, AppState};

#[derive(Debug, Clone)]
pub struct DemoOptions {
    pub households: usize,
    pub seed: u64,
    /// How many volunteers go out (at most the campaign's volunteers).
    pub volunteers: usize,
    /// Doors each canvasser knocks in their shift.
    pub doors_per_shift: usize,
    /// Calls each phone banker makes.
    pub calls_per_shift: usize,
    /// 0 picks a free port.
    pub port: u16,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            households: 2400,
            seed: 7,
            volunteers: 24,
            doors_per_shift: 60,
            calls_per_shift: 40,
            port: 0,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(transparent)]
    Admin(#[from] AdminError),
    #[error(transparent)]
    Store(#[from] walkbook_core::store::StoreError),
    #[error(transparent)]
    Sync(#[from] SyncError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// What one simulated volunteer did.
#[derive(Debug, Clone)]
pub struct VolunteerReport {
    pub volunteer_id: String,
    pub device_id: String,
    pub doors: usize,
    pub calls: usize,
    pub syncs: usize,
    /// Faults (refused connections, lost responses) this device synced through.
    pub faults_survived: usize,
    pub pending_after: usize,
}

#[derive(Debug, Clone)]
pub struct DemoReport {
    pub url: String,
    pub campaign_id: String,
    pub volunteers: Vec<VolunteerReport>,
    /// Distinct attempts recorded on all devices.
    pub recorded: usize,
    /// Attempts the server holds.
    pub on_server: usize,
    /// Recorded attempts the server does not hold (must be empty).
    pub missing: Vec<String>,
    /// Attempts on the server no device recorded (must be empty).
    pub unexpected: Vec<String>,
    /// People whose results disagree (second visits that heard otherwise).
    pub conflicts: u64,
    /// An organizer's token for the dashboard (`/dashboard/login`).
    pub organizer_token: String,
    /// A one-time link that opens the dashboard signed in (15 minutes).
    pub signin_url: String,
}

impl DemoReport {
    /// Every attempt recorded on a device is on the server, exactly once.
    pub fn exactly_once(&self) -> bool {
        self.missing.is_empty() && self.unexpected.is_empty() && self.recorded == self.on_server
    }
}

/// A demo server that keeps running until stopped.
pub struct DemoServer {
    pub url: String,
    shutdown: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl DemoServer {
    /// Stops accepting and waits for in-flight requests to finish.
    pub async fn stop(self) -> std::io::Result<()> {
        let _ = self.shutdown.send(());
        self.task.await.map_err(std::io::Error::other)?
    }
}

/// What one simulated volunteer does on the demo day.
#[derive(Debug, Clone)]
struct Plan {
    volunteer_id: String,
    job: Job,
    how: Canvasser,
    signal: Signal,
    /// Their turf (canvassers) or call list (phone bankers).
    unit_id: String,
    /// A canvasser who re-knocks a few doors of an earlier canvasser's turf
    /// in the afternoon and hears different answers: a conflict.
    follow_up: Option<String>,
    /// When their shift starts (epoch ms).
    start_ms: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Job {
    Canvass,
    /// Leaves literature at each door of their turf (a lit drop).
    LitDrop,
    Phone,
}

/// How a device reaches the server during the shift.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Signal {
    /// Syncs every [`SYNC_EVERY`] results.
    Good,
    /// Syncs at the end through a network that refuses and cuts replies
    /// after the server stored the changes, then again on a good one.
    Flaky,
    /// No signal the whole shift: everything syncs hours later, at the end.
    Offline,
}

/// Results between two syncs of a device with good signal.
const SYNC_EVERY: usize = 10;

/// Names for the volunteers the demo adds beyond the generated campaign's
/// (fictional).
const EXTRA_FIRST: [&str; 14] = [
    "Rosa", "Dmitri", "Keisha", "Tomás", "Mei", "Olu", "Hannah", "Arjun", "Lucía", "Grant",
    "Fatima", "Noah", "Ingrid", "Malik",
];
const EXTRA_LAST: [&str; 14] = [
    "Delacroix",
    "Varga",
    "Okafor",
    "Lindqvist",
    "Haruna",
    "Bennett",
    "Castellano",
    "Pruitt",
    "Nakamura",
    "Osei",
    "Whitlock",
    "Ferraro",
    "Abernathy",
    "Quintero",
];

/// 10:00 on the demo day (Saturday 2026-10-17, campaign time, UTC-5).
fn demo_morning_ms() -> i64 {
    Utc.with_ymd_and_hms(2026, 10, 17, 15, 0, 0)
        .single()
        .expect("valid time")
        .timestamp_millis()
}

/// Staffs the generated campaign for the demo: `n` volunteers (adding
/// fictional ones beyond the generated), two canvassers for every phone
/// banker, each with a turf or call list of their own, and what each does.
fn staff(
    data: &mut walkbook_core::model::ReferenceData,
    n: usize,
    rng: &mut SplitMix64,
) -> Vec<Plan> {
    use walkbook_core::generate::{CANVASS_SCRIPT_ID, PHONE_SCRIPT_ID};
    use walkbook_core::model::{Assignment, Volunteer};
    let mut extra = 0;
    while data.volunteers.len() < n {
        let id = format!("vol-{:02}", data.volunteers.len() + 1);
        data.volunteers.push(Volunteer {
            id,
            display_name: format!(
                "{} {}",
                EXTRA_FIRST[extra % EXTRA_FIRST.len()],
                EXTRA_LAST[(extra * 5 + 3) % EXTRA_LAST.len()]
            ),
        });
        extra += 1;
    }
    let expires = data
        .assignments
        .first()
        .map(|a| a.expires_at)
        .unwrap_or_else(|| Utc::now() + Duration::days(365));
    let volunteers: Vec<String> = data
        .volunteers
        .iter()
        .take(n)
        .map(|v| v.id.clone())
        .collect();
    let last_canvasser = (0..volunteers.len()).rev().find(|i| i % 3 != 1);
    let morning = demo_morning_ms();
    let (mut canvassers, mut bankers) = (0usize, 0usize);
    let mut plans: Vec<Plan> = Vec::new();
    for (i, v) in volunteers.iter().enumerate() {
        let job = if i % 3 == 1 { Job::Phone } else { Job::Canvass };
        let how = if job == Job::Canvass && volunteers.len() >= 3 && Some(i) == last_canvasser {
            Canvasser::Suspicious
        } else {
            Canvasser::Honest
        };
        let signal = match i % 4 {
            1 => Signal::Flaky,
            3 => Signal::Offline,
            _ => Signal::Good,
        };
        let plan = match job {
            Job::Canvass | Job::LitDrop => {
                let c = canvassers;
                canvassers += 1;
                let unit_id = data.turfs[c % data.turfs.len()].id.clone();
                // Every fifth canvasser re-knocks part of the turf of the one
                // before them in the afternoon.
                let follow_up = (c % 5 == 3)
                    .then(|| {
                        plans
                            .iter()
                            .rev()
                            .find(|p| p.job == Job::Canvass && p.how == Canvasser::Honest)
                    })
                    .flatten()
                    .map(|p| p.unit_id.clone())
                    .filter(|t| *t != unit_id);
                // Every sixth canvasser does a lit drop instead.
                let job = if c % 6 == 5 && how == Canvasser::Honest {
                    Job::LitDrop
                } else {
                    job
                };
                Plan {
                    volunteer_id: v.clone(),
                    job,
                    how,
                    signal,
                    unit_id,
                    follow_up: follow_up.filter(|_| job == Job::Canvass),
                    // Shifts start between 10:00 and 13:45.
                    start_ms: morning + (c % 4) as i64 * 3_600_000 + rng.below(4) as i64 * 900_000,
                }
            }
            Job::Phone => {
                let b = bankers;
                bankers += 1;
                Plan {
                    volunteer_id: v.clone(),
                    job,
                    how,
                    signal,
                    unit_id: data.call_lists[b % data.call_lists.len().max(1)].id.clone(),
                    follow_up: None,
                    // The phone bank runs from 17:00 (calling hours end at 20:00).
                    start_ms: morning + 7 * 3_600_000 + (b % 3) as i64 * 1_200_000,
                }
            }
        };
        plans.push(plan);
    }
    let assignment = |kind: AssignmentKind, unit: &str, v: &str, mode: TurfMode| Assignment {
        id: format!("demo-{unit}-{v}"),
        kind,
        unit_id: unit.to_string(),
        script_id: match kind {
            AssignmentKind::Turf => CANVASS_SCRIPT_ID,
            AssignmentKind::CallList => PHONE_SCRIPT_ID,
        }
        .to_string(),
        volunteer_id: v.to_string(),
        expires_at: expires,
        mode,
    };
    data.assignments = plans
        .iter()
        .flat_map(|p| {
            let (kind, mode) = match p.job {
                Job::Canvass => (AssignmentKind::Turf, TurfMode::Canvass),
                Job::LitDrop => (AssignmentKind::Turf, TurfMode::LitDrop),
                Job::Phone => (AssignmentKind::CallList, TurfMode::Canvass),
            };
            std::iter::once(assignment(kind, &p.unit_id, &p.volunteer_id, mode)).chain(
                p.follow_up.iter().map(|t| {
                    assignment(AssignmentKind::Turf, t, &p.volunteer_id, TurfMode::Canvass)
                }),
            )
        })
        .collect();
    plans
}

/// Runs the whole demo under `root` (server data and device stores).
pub async fn run_demo(
    opts: &DemoOptions,
    root: &Path,
    mut say: impl FnMut(&str),
) -> Result<(DemoReport, DemoServer), DemoError> {
    let mut data = generate_campaign(&GenerateOptions {
        households: opts.households,
        seed: opts.seed,
    });
    let mut rng = SplitMix64::new(opts.seed ^ 0xdead_beef);
    let plans = staff(&mut data, opts.volunteers, &mut rng);
    let dir = DataDir::open(root.join("server"))?;
    let campaign_id = admin::create_campaign(&dir, &data)?;
    say(&format!(
        "campaign {campaign_id}: {} doors, {} people, {} turfs, {} call lists, {} volunteers out on Saturday 2026-10-17",
        data.households.len(),
        data.people.len(),
        data.turfs.len(),
        data.call_lists.len(),
        plans.len()
    ));

    let (addr, tx, task) = start_simulation_server(&dir, opts.port).await?;
    let url = format!("http://{addr}");
    let server = DemoServer {
        url: url.clone(),
        shutdown: tx,
        task,
    };
    say(&format!(
        "server listening on {url} (data in {})",
        dir.root().display()
    ));

    let mut reports = Vec::new();
    let mut recorded = BTreeSet::new();
    // What each canvasser heard: turf -> (person, support answer).
    let mut heard: std::collections::HashMap<String, Vec<Heard>> = Default::default();
    for (i, plan) in plans.iter().enumerate() {
        let volunteer = &plan.volunteer_id;
        let device_dir = root.join(format!("device-{i}"));
        std::fs::create_dir_all(&device_dir)?;
        let store = Arc::new(Mutex::new(DeviceStore::open(
            device_dir.join("campaign.db"),
            None,
        )?));
        let client = SyncClient::new(&url, store.clone())?;
        let code = admin::create_invite(
            &dir,
            &campaign_id,
            volunteer,
            Role::Volunteer,
            Duration::hours(2),
        )?;
        client.join(&code).await?;
        let device_id = lock(&store).device_id().to_string();
        if plan.how == Canvasser::Suspicious {
            say(&format!(
                "{volunteer} canvasses suspiciously in this demo (doors seconds apart, recorded ~2 km from the addresses): the dashboard's activity review flags it"
            ));
        }
        let mut report = VolunteerReport {
            volunteer_id: volunteer.clone(),
            device_id,
            doors: 0,
            calls: 0,
            syncs: 0,
            faults_survived: 0,
            pending_after: 0,
        };
        let limit = match plan.job {
            Job::Canvass | Job::LitDrop => opts.doors_per_shift,
            Job::Phone => opts.calls_per_shift,
        };
        // The shift, in stretches between syncs (the whole shift for a
        // device with no signal).
        let stretch = match plan.signal {
            Signal::Good => SYNC_EVERY,
            Signal::Flaky | Signal::Offline => limit,
        };
        let mut now = plan.start_ms;
        let mut done = 0;
        while done < limit {
            let n = stretch.min(limit - done);
            let ids = {
                let mut s = lock(&store);
                match plan.job {
                    Job::Canvass => {
                        let (ids, talks) =
                            canvass_shift(&mut s, &mut rng, &plan.unit_id, n, &mut now, plan.how)?;
                        heard.entry(plan.unit_id.clone()).or_default().extend(talks);
                        report.doors += ids.len();
                        ids
                    }
                    Job::LitDrop => {
                        let ids = lit_drop_shift(&mut s, &mut rng, &plan.unit_id, n, &mut now)?;
                        report.doors += ids.len();
                        ids
                    }
                    Job::Phone => {
                        let ids = phone_shift(&mut s, &mut rng, &plan.unit_id, n, &mut now)?;
                        report.calls += ids.len();
                        ids
                    }
                }
            };
            let stop = ids.len() < n;
            done += ids.len();
            recorded.extend(ids);
            if plan.signal == Signal::Good {
                client.sync_now(|_| {}).await?;
                report.syncs += 1;
            }
            if stop {
                break; // nobody left to reach
            }
        }
        // The afternoon's second visit: a few people another canvasser
        // talked to this morning answer differently now.
        if let Some(turf) = &plan.follow_up {
            let earlier = heard.get(turf).cloned().unwrap_or_default();
            let mut s = lock(&store);
            let assignment = format!("demo-{turf}-{volunteer}");
            let mut t = demo_morning_ms() + 6 * 3_600_000;
            for (person, support) in earlier.iter().take(3) {
                t += rng.range(120, 400) as i64 * 1000;
                let other = if support.as_str() == "1" { "4" } else { "1" };
                let a = s.record_attempt(
                    &assignment,
                    NewAttempt {
                        person_id: Some(person.clone()),
                        answers: [("support".to_string(), other.to_string())].into(),
                        at_ms: Some(t),
                        ..Default::default()
                    },
                )?;
                recorded.insert(a.id);
                report.doors += 1;
            }
        }
        match plan.signal {
            Signal::Good => {
                client.sync_now(|_| {}).await?;
                report.syncs += 1;
            }
            Signal::Offline => {
                client.sync_now(|_| {}).await?;
                report.syncs = 1;
            }
            Signal::Flaky => {
                let plan = vec![
                    Fault::Pass,
                    Fault::CutResponse,
                    Fault::Refuse,
                    Fault::Pass,
                    Fault::CutResponse,
                ];
                let faults = plan.iter().filter(|f| **f != Fault::Pass).count();
                let proxy = FlakyProxy::start(addr, plan).await?;
                let flaky =
                    SyncClient::new(&proxy.url, store.clone())?.without_connection_reuse()?;
                flaky.sync_now(|_| {}).await?;
                report.faults_survived = faults - proxy.remaining().min(faults);
                client.sync_now(|_| {}).await?;
                report.syncs = 2;
            }
        }
        report.pending_after = lock(&store).pending_upload_count()?;
        say(&format!(
            "  {:<8} {:<9} device {}…  {:>3} doors  {:>3} calls  {} sync(s){}{}  not yet on server: {}",
            report.volunteer_id,
            match (plan.job, plan.signal) {
                (Job::Canvass, _) => "canvass",
                (Job::LitDrop, _) => "lit drop",
                (Job::Phone, _) => "phones",
            },
            &report.device_id[..8],
            report.doors,
            report.calls,
            report.syncs,
            match plan.signal {
                Signal::Offline => " after a shift with no signal",
                _ => "",
            },
            if report.faults_survived > 0 {
                format!(" through {} network faults", report.faults_survived)
            } else {
                String::new()
            },
            report.pending_after
        ));
        reports.push(report);
    }
    // An organizer joins too, for the dashboard.
    let org_store = Arc::new(Mutex::new(DeviceStore::open(
        root.join("organizer.db"),
        None,
    )?));
    let org_code = admin::create_invite(
        &dir,
        &campaign_id,
        "organizer",
        Role::Organizer,
        Duration::hours(12),
    )?;
    SyncClient::new(&url, org_store.clone())?
        .join(&org_code)
        .await?;
    let organizer_token = lock(&org_store).meta("token")?.unwrap_or_default();
    let signin_code = dir
        .server_db()?
        .create_signin_link(&organizer_token, Utc::now(), Duration::minutes(15))
        .map_err(AdminError::from)?;
    let signin_url = format!("{url}/dashboard/signin/{signin_code}");

    let mut server_store = dir.campaign_store(&campaign_id)?;
    let mut on_server = Vec::new();
    for doc in server_store.result_doc_ids()? {
        on_server.extend(server_store.attempts(&doc)?.into_iter().map(|a| a.id));
    }
    let server_set: BTreeSet<String> = on_server.iter().cloned().collect();
    let report = DemoReport {
        url,
        campaign_id,
        volunteers: reports,
        recorded: recorded.len(),
        on_server: on_server.len(),
        missing: recorded.difference(&server_set).cloned().collect(),
        unexpected: server_set.difference(&recorded).cloned().collect(),
        conflicts: server_store
            .status_counts()?
            .get("conflict")
            .copied()
            .unwrap_or(0),
        organizer_token,
        signin_url,
    };
    Ok((report, server))
}

/// A server on 127.0.0.1:`port` (0: any free port) for a simulation, with
/// no sign-in rate limit (every simulated device joins from one address),
/// the sender that stops it, and its task.
/// A server started for a simulation: its address, the sender that stops
/// it, and its task.
pub(crate) type Running = (
    std::net::SocketAddr,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<std::io::Result<()>>,
);

pub(crate) async fn start_simulation_server(
    dir: &DataDir,
    port: u16,
) -> Result<Running, DemoError> {
    start_server_on(
        walkbook_server::admin::Deployment::embedded_serving(dir.clone())?,
        port,
    )
    .await
}

/// A server with simulation limits on `home`'s stores, on loopback.
pub(crate) async fn start_server_on(
    home: walkbook_server::admin::Deployment,
    port: u16,
) -> Result<Running, DemoError> {
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    let addr = listener.local_addr()?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(http::serve(
        listener,
        AppState::on(home, walkbook_server::http::ServerOptions::for_simulation()),
        async move {
            let _ = rx.await;
        },
    ));
    Ok((addr, tx, task))
}

fn lock(store: &Mutex<DeviceStore>) -> std::sync::MutexGuard<'_, DeviceStore> {
    store.lock().unwrap_or_else(|p| p.into_inner())
}

/// How a canvasser works: honestly (a door every few minutes, results
/// recorded at the door), or the way an organizer must catch (doors seconds
/// apart, recorded about 2 km from the addresses).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Canvasser {
    Honest,
    Suspicious,
}

/// (person, support answer) a canvasser heard.
type Heard = (String, String);

/// Up to `doors` doors of `turf`, following "next door" from `now` (moved
/// on as the canvasser walks). The attempt ids, and who said what to the
/// support question.
fn canvass_shift(
    store: &mut DeviceStore,
    rng: &mut SplitMix64,
    turf: &str,
    doors: usize,
    now: &mut i64,
    how: Canvasser,
) -> Result<(Vec<String>, Vec<Heard>), DemoError> {
    let Some(a) = store
        .assignments()?
        .into_iter()
        .find(|a| a.assignment.kind == AssignmentKind::Turf && a.assignment.unit_id == turf)
    else {
        return Ok((Vec::new(), Vec::new()));
    };
    let mut ids = Vec::new();
    let mut heard = Vec::new();
    for _ in 0..doors {
        let list = store.walk_list(&a.assignment.unit_id)?;
        let Some(i) = pick_next_door(&list, *now) else {
            break;
        };
        let door = &list[i];
        *now += match how {
            Canvasser::Honest => rng.range(90, 300),
            Canvasser::Suspicious => rng.range(4, 20),
        } as i64
            * 1000;
        // Where the phone says it was: at the door (a few metres off), or
        // far from it.
        let (lat, lon) = match (door.household.lat, door.household.lon, how) {
            (Some(la), Some(lo), Canvasser::Honest) => (
                Some(la + rng.below(20) as f64 * 0.000_01),
                Some(lo - rng.below(20) as f64 * 0.000_01),
            ),
            (Some(la), Some(lo), Canvasser::Suspicious) => (Some(la + 0.02), Some(lo)),
            _ => (None, None),
        };
        let roll = rng.below(100);
        let person = door
            .people
            .iter()
            .find(|p| !p.status.status.is_final())
            .map(|p| p.person.id.clone());
        let attempt = match (roll, person) {
            (0..=59, _) | (_, None) => NewAttempt {
                household_id: Some(door.household.id.clone()),
                result: Some("not_home".into()),
                at_ms: Some(*now),
                ..Default::default()
            },
            (60..=84, Some(p)) => {
                let support = ["1", "1", "2", "2", "3", "3", "3", "4", "5"][rng.below(9) as usize];
                heard.push((p.clone(), support.to_string()));
                let mut answers = vec![("support".to_string(), support.to_string())];
                if support != "5" {
                    answers.push((
                        "volunteer".into(),
                        ["yes", "no", "maybe", "no"][rng.below(4) as usize].into(),
                    ));
                }
                NewAttempt {
                    person_id: Some(p),
                    answers: answers.into_iter().collect(),
                    at_ms: Some(*now),
                    ..Default::default()
                }
            }
            (85..=91, Some(p)) => NewAttempt {
                person_id: Some(p),
                result: Some("refused".into()),
                at_ms: Some(*now),
                ..Default::default()
            },
            (92..=95, Some(p)) => NewAttempt {
                person_id: Some(p),
                result: Some("come_back".into()),
                callback_at_ms: Some(*now + 2 * 3_600_000),
                at_ms: Some(*now),
                ..Default::default()
            },
            (_, Some(p)) => NewAttempt {
                person_id: Some(p),
                result: Some("moved".into()),
                at_ms: Some(*now),
                ..Default::default()
            },
        };
        let attempt = NewAttempt {
            lat,
            lon,
            accuracy_m: lat.map(|_| 8.0),
            ..attempt
        };
        ids.push(store.record_attempt(&a.assignment.id, attempt)?.id);
        // Now and then someone who is not on the list: a proposal waiting
        // on the dashboard's New people page.
        if how == Canvasser::Honest && rng.below(100) < 4 {
            let (first, last) = NEW_FACES[rng.below(NEW_FACES.len() as u64) as usize];
            let met = NewAttempt {
                household_id: Some(door.household.id.clone()),
                new_person: Some(NewPerson {
                    first_name: first.into(),
                    last_name: last.into(),
                    birth_year: Some(1950 + rng.below(55) as u16),
                    language: "en".into(),
                    reason: if rng.below(2) == 0 {
                        NewPersonReason::MovedIn
                    } else {
                        NewPersonReason::AnotherResident
                    },
                }),
                at_ms: Some(*now + 30_000),
                lat,
                lon,
                accuracy_m: lat.map(|_| 8.0),
                ..Default::default()
            };
            ids.push(store.record_attempt(&a.assignment.id, met)?.id);
        }
    }
    Ok((ids, heard))
}

/// Made-up people canvassers meet who are not on the list.
const NEW_FACES: &[(&str, &str)] = &[
    ("Marisol", "Arceneaux"),
    ("Desmond", "Kowalczyk"),
    ("Priya", "Halvorsen"),
    ("Tobias", "Nwachukwu"),
    ("Greta", "Villanueva"),
    ("Omar", "Lindgren"),
];

/// Up to `doors` doors of a lit-drop `turf`, in walk order from `now`:
/// literature left at each, one tap per door.
fn lit_drop_shift(
    store: &mut DeviceStore,
    rng: &mut SplitMix64,
    turf: &str,
    doors: usize,
    now: &mut i64,
) -> Result<Vec<String>, DemoError> {
    let Some(a) = store
        .assignments()?
        .into_iter()
        .find(|a| a.assignment.kind == AssignmentKind::Turf && a.assignment.unit_id == turf)
    else {
        return Ok(Vec::new());
    };
    let mut ids = Vec::new();
    for _ in 0..doors {
        let Some(door) = store.next_door(turf, *now)? else {
            break;
        };
        *now += rng.range(30, 90) as i64 * 1000;
        let attempt = NewAttempt {
            household_id: Some(door.household.id.clone()),
            result: Some("lit_drop".into()),
            at_ms: Some(*now),
            lat: door.household.lat,
            lon: door.household.lon,
            accuracy_m: door.household.lat.map(|_| 10.0),
            ..Default::default()
        };
        ids.push(store.record_attempt(&a.assignment.id, attempt)?.id);
    }
    Ok(ids)
}

/// Up to `calls` calls of `list`, following "next call" from `now`.
fn phone_shift(
    store: &mut DeviceStore,
    rng: &mut SplitMix64,
    list: &str,
    calls: usize,
    now: &mut i64,
) -> Result<Vec<String>, DemoError> {
    let Some(a) = store
        .assignments()?
        .into_iter()
        .find(|a| a.assignment.kind == AssignmentKind::CallList && a.assignment.unit_id == list)
    else {
        return Ok(Vec::new());
    };
    let mut ids = Vec::new();
    for _ in 0..calls {
        let queue = store.call_queue(&a.assignment.unit_id)?;
        let Some(i) = pick_next_call(&queue, *now) else {
            break;
        };
        let person = queue[i].person.id.clone();
        *now += rng.range(60, 180) as i64 * 1000;
        let roll = rng.below(100);
        let mut attempt = NewAttempt {
            person_id: Some(person),
            at_ms: Some(*now),
            duration_s: Some(rng.range(5, 240) as u32),
            ..Default::default()
        };
        match roll {
            0..=49 => attempt.result = Some("no_answer".into()),
            50..=64 => attempt.result = Some("left_message".into()),
            65..=69 => attempt.result = Some("wrong_number".into()),
            70..=89 => {
                attempt.answers = [(
                    "support".to_string(),
                    ["1", "2", "3", "4", "5"][rng.below(5) as usize].to_string(),
                )]
                .into_iter()
                .collect();
            }
            _ => attempt.result = Some("refused_call".into()),
        }
        ids.push(store.record_attempt(&a.assignment.id, attempt)?.id);
    }
    Ok(ids)
}
