//! walkbook-ffi: the app-shaped API of walkbook-core for Kotlin, Swift and
//! Python, through uniffi. Coarse calls, plain records, one error type; no
//! panic crosses the boundary; listeners are called outside every lock.

mod error;
mod records;
mod screens;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::Utc;
use walkbook_core::model::{AssignmentKind, Person, ResultEffect};
use walkbook_core::practice::is_practice_unit;
use walkbook_core::results::{NewAttempt, NextCall, door_state, next_call};
use walkbook_core::store::{DatabaseKey, DeviceStore, WalkListDoor};
use walkbook_core::sync::SyncClient;

pub use error::WalkbookError;
use error::guard;
pub use records::*;
pub use screens::*;

uniffi::setup_scaffolding!();

/// Implemented by the app to hear about changes. Called outside any lock
/// and never inside a database transaction.
#[uniffi::export(with_foreign)]
pub trait WalkbookListener: Send + Sync {
    /// Results of a turf or call list changed (recorded here or synced in).
    fn on_results_changed(&self, unit_id: String);
    /// Progress of a sync, and its end (`running == false`).
    fn on_sync_state(&self, state: SyncState);
}

/// Reads a scanned or typed join link (`walkbook://join?server=…&code=…`).
/// A link that is not one, repeats a key, or lacks the server or the code
/// is `InvalidInput` saying what is wrong, never a crash.
#[uniffi::export]
pub fn read_join_link(link: String) -> Result<JoinLinkView, WalkbookError> {
    walkbook_core::sync::parse_join_link(&link)
        .map(|l| JoinLinkView {
            server_url: l.server_url,
            invite_code: l.invite_code,
        })
        .map_err(|detail| WalkbookError::InvalidInput { detail })
}

/// One campaign on this phone: its encrypted database and its server.
#[derive(uniffi::Object)]
pub struct Walkbook {
    store: Arc<Mutex<DeviceStore>>,
    /// Where the campaign's files live and their key: the practice store
    /// opens beside the real one with the same key.
    data_dir: PathBuf,
    key: Option<DatabaseKey>,
    /// A practice store (see `walkbook_core::practice`).
    practice: bool,
    listener: Mutex<Option<Arc<dyn WalkbookListener>>>,
    /// The language of the screens' own words (`set_ui_language`).
    ui: Mutex<walkbook_core::screens::Ui>,
    /// One sync client per Walkbook, so concurrent syncs take turns.
    client: Mutex<Option<Arc<SyncClient>>>,
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn now_or(now_ms: Option<i64>) -> i64 {
    now_ms.unwrap_or_else(|| Utc::now().timestamp_millis())
}

fn person_view(person: &Person, status: &walkbook_core::results::StatusSummary) -> PersonView {
    PersonView {
        id: person.id.clone(),
        name: person.full_name(),
        language: person.language.clone(),
        birth_year: person.birth_year,
        status: status.into(),
    }
}

fn door_view(d: &WalkListDoor, now_ms: i64) -> DoorView {
    DoorView {
        position: d.position,
        household_id: d.household.id.clone(),
        address: d.household.address_line(),
        lat: d.household.lat,
        lon: d.household.lon,
        knocks: d.household_status.door_attempts,
        state: door_state(d, now_ms).into(),
        people: d
            .people
            .iter()
            .map(|p| person_view(&p.person, &p.status))
            .collect(),
    }
}

/// What was done about a campaign database the phone could not open.
#[derive(Debug, Clone, uniffi::Record)]
pub struct KeyLossView {
    /// What to tell the volunteer (then show the join screen).
    pub message: String,
    /// Where the unreadable database was kept (locked; never deleted).
    pub set_aside_path: String,
}

/// After `open` failed with `KeyLost`: sets the unreadable campaign
/// database aside (kept, in case the key comes back), deletes the practice
/// shift (fictional data), and says what to tell the volunteer. Open again
/// afterwards: a fresh database starts. Refused for a database that opens.
#[uniffi::export]
pub fn recover_unreadable_campaign(
    data_dir: String,
    key: Option<Vec<u8>>,
) -> Result<KeyLossView, WalkbookError> {
    guard(|| {
        let key = key
            .map(|k| DatabaseKey::from_slice(&k))
            .transpose()
            .map_err(|message| WalkbookError::InvalidInput { detail: message })?;
        let dir = PathBuf::from(&data_dir);
        let loss = walkbook_core::store::set_aside_unreadable(
            &dir.join(CAMPAIGN_DB),
            key.as_ref(),
            Utc::now().timestamp_millis(),
        )?;
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let _ = std::fs::remove_file(dir.join(format!("{PRACTICE_DB}{suffix}")));
        }
        Ok(KeyLossView {
            message: loss.message,
            set_aside_path: loss.set_aside.display().to_string(),
        })
    })
}

/// The campaign's database, and the practice store beside it.
const CAMPAIGN_DB: &str = "campaign.db";
const PRACTICE_DB: &str = "practice.db";

impl Walkbook {
    fn practice_walkbook(&self, store: DeviceStore) -> Arc<Walkbook> {
        Arc::new(Walkbook {
            store: Arc::new(Mutex::new(store)),
            data_dir: self.data_dir.clone(),
            key: self.key.clone(),
            practice: true,
            listener: Mutex::new(None),
            ui: Mutex::new(self.ui()),
            client: Mutex::new(None),
        })
    }

    pub(crate) fn store(&self) -> MutexGuard<'_, DeviceStore> {
        lock(&self.store)
    }

    pub(crate) fn ui(&self) -> walkbook_core::screens::Ui {
        *lock(&self.ui)
    }

    pub(crate) fn listener(&self) -> Option<Arc<dyn WalkbookListener>> {
        lock(&self.listener).clone()
    }

    fn client(&self) -> Result<Arc<SyncClient>, WalkbookError> {
        if self.practice {
            return Err(walkbook_core::sync::SyncError::Practice.into());
        }
        let mut slot = lock(&self.client);
        if let Some(c) = slot.as_ref() {
            return Ok(c.clone());
        }
        let c = Arc::new(SyncClient::for_joined(self.store.clone())?);
        *slot = Some(c.clone());
        Ok(c)
    }

    fn unit_of(&self, assignment_id: &str) -> Result<String, WalkbookError> {
        Ok(self.store().assignment(assignment_id)?.assignment.unit_id)
    }

    fn record(
        &self,
        assignment_id: &str,
        replaces: Option<&str>,
        input: AttemptInput,
    ) -> Result<SavedAttempt, WalkbookError> {
        let new = NewAttempt {
            person_id: input.person_id,
            household_id: input.household_id,
            result: input.result.filter(|r| !r.is_empty()),
            answers: input.answers.into_iter().collect(),
            notes: input.notes,
            callback_at_ms: input.callback_at_ms,
            duration_s: input.duration_s,
            lat: input.lat,
            lon: input.lon,
            accuracy_m: input.accuracy_m,
            id: input.attempt_id,
            new_person: input.new_person.map(|n| walkbook_core::results::NewPerson {
                first_name: n.first_name,
                last_name: n.last_name,
                birth_year: n.birth_year,
                language: n.language,
                reason: match n.reason {
                    NewPersonReason::MovedIn => walkbook_core::results::NewPersonReason::MovedIn,
                    NewPersonReason::AnotherResident => {
                        walkbook_core::results::NewPersonReason::AnotherResident
                    }
                    NewPersonReason::WalkUp => walkbook_core::results::NewPersonReason::WalkUp,
                },
            }),
            ..Default::default()
        };
        let saved = {
            let mut store = self.store();
            match replaces {
                Some(r) => store.correct_attempt(assignment_id, r, new)?,
                None => store.record_attempt(assignment_id, new)?,
            }
        };
        let unit = self.unit_of(assignment_id)?;
        // The lock is released and the transaction committed: safe to call out.
        if let Some(l) = self.listener() {
            l.on_results_changed(unit);
        }
        let mut answers: HashMap<String, String> = saved.responses.into_iter().collect();
        answers.extend(saved.text_answers);
        Ok(SavedAttempt {
            id: saved.id,
            person_id: saved.person_id,
            household_id: saved.household_id,
            result: saved.result,
            answers,
            at_ms: saved.at_ms,
            supersedes: saved.supersedes,
            script_version: saved.script_version,
        })
    }

    fn emit(&self, state: SyncState) {
        if let Some(l) = self.listener() {
            l.on_sync_state(state);
        }
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl Walkbook {
    /// Opens (or creates) the campaign database in `data_dir`, encrypted
    /// with `key` (32 raw bytes from Android Keystore / iOS Keychain).
    #[uniffi::constructor]
    pub fn open(data_dir: String, key: Option<Vec<u8>>) -> Result<Arc<Self>, WalkbookError> {
        guard(|| {
            let dir = PathBuf::from(&data_dir);
            std::fs::create_dir_all(&dir).map_err(|e| WalkbookError::Storage {
                detail: format!("cannot create the data directory {data_dir}: {e}"),
            })?;
            let key = key
                .map(|k| DatabaseKey::from_slice(&k))
                .transpose()
                .map_err(|message| WalkbookError::InvalidInput { detail: message })?;
            let store = DeviceStore::open(dir.join(CAMPAIGN_DB), key.as_ref())?;
            if store.is_practice()? {
                return Err(WalkbookError::Practice {
                    detail: format!("{data_dir}/{CAMPAIGN_DB} is a practice store, not a campaign"),
                });
            }
            Ok(Arc::new(Walkbook {
                store: Arc::new(Mutex::new(store)),
                data_dir: dir,
                key,
                practice: false,
                listener: Mutex::new(None),
                ui: Mutex::new(Default::default()),
                client: Mutex::new(None),
            }))
        })
    }

    /// Whether this is practice mode: a sandbox whose results stay on this
    /// phone, marked as practice, and never count. The app says so on every
    /// screen while it is true.
    pub fn is_practice(&self) -> bool {
        self.practice
    }

    /// Whether this phone joined with a training invite: it can only
    /// practise (`start_practice(PracticeSource::TrainingPacket)`).
    pub fn training_only(&self) -> Result<bool, WalkbookError> {
        guard(|| Ok(self.store().meta("role")?.as_deref() == Some("trainee")))
    }

    /// Starts a fresh practice shift and returns its Walkbook (same calls as
    /// the campaign's: walk list, next door, script, record attempt; `sync_now`
    /// is refused). Any earlier practice shift and its results are deleted
    /// first. The sandbox is ten fictional doors worked with the campaign's
    /// real canvass script, built on this phone or downloaded as the
    /// campaign's training packet.
    pub async fn start_practice(
        &self,
        source: PracticeSource,
    ) -> Result<Arc<Walkbook>, WalkbookError> {
        if self.practice {
            return Err(WalkbookError::Practice {
                detail:
                    "this is already practice mode; start a new practice shift from the campaign"
                        .into(),
            });
        }
        let packet = match source {
            PracticeSource::ThisPhone => guard(|| {
                let body = self.store().sandbox_from_installed(None, Utc::now())?;
                Ok(walkbook_core::packet::encode_packet(&body))
            })?,
            PracticeSource::TrainingPacket => self.client()?.training_packet().await?,
        };
        guard(|| {
            self.end_practice()?;
            let mut store = DeviceStore::open(self.data_dir.join(PRACTICE_DB), self.key.as_ref())?;
            store.mark_practice()?;
            store.install_packet(&packet)?;
            Ok(self.practice_walkbook(store))
        })
    }

    /// The practice shift started earlier, with its results, or none.
    pub fn practice(&self) -> Result<Option<Arc<Walkbook>>, WalkbookError> {
        guard(|| {
            let path = self.data_dir.join(PRACTICE_DB);
            if self.practice || !path.exists() {
                return Ok(None);
            }
            let store = DeviceStore::open(path, self.key.as_ref())?;
            if !store.is_practice()? {
                return Ok(None);
            }
            Ok(Some(self.practice_walkbook(store)))
        })
    }

    /// Deletes the practice shift and its results from this phone.
    pub fn end_practice(&self) -> Result<(), WalkbookError> {
        guard(|| {
            for suffix in ["", "-wal", "-shm", "-journal"] {
                let path = self.data_dir.join(format!("{PRACTICE_DB}{suffix}"));
                match std::fs::remove_file(&path) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => {
                        return Err(WalkbookError::Storage {
                            detail: format!("cannot delete {}: {e}", path.display()),
                        });
                    }
                }
            }
            Ok(())
        })
    }

    /// Registers (or removes) the app's listener.
    pub fn set_listener(&self, listener: Option<Arc<dyn WalkbookListener>>) {
        *lock(&self.listener) = listener;
    }

    /// The id this phone records on its results.
    pub fn device_id(&self) -> String {
        self.store().device_id().to_string()
    }

    /// Joins a campaign with an invite code and downloads the assignments.
    pub async fn join(
        &self,
        server_url: String,
        invite_code: String,
    ) -> Result<JoinResult, WalkbookError> {
        // The client refuses an address that is not https:// (or this
        // phone's own loopback) before anything is sent.
        let client = Arc::new(SyncClient::new(&server_url, self.store.clone())?);
        let joined = client.join(&invite_code).await?;
        *lock(&self.client) = Some(client);
        Ok(JoinResult {
            campaign_id: joined.campaign_id,
            campaign_name: joined.campaign_name,
            volunteer_id: joined.volunteer_id,
            assignments: self.assignments()?,
            training_only: joined.role == walkbook_core::sync::Role::Trainee,
        })
    }

    /// The assignments on this phone.
    pub fn assignments(&self) -> Result<Vec<AssignmentView>, WalkbookError> {
        guard(|| {
            Ok(self
                .store()
                .assignments()?
                .into_iter()
                .map(|a| AssignmentView {
                    practice: is_practice_unit(&a.assignment.unit_id),
                    id: a.assignment.id,
                    kind: a.assignment.kind.into(),
                    unit_id: a.assignment.unit_id,
                    script_id: a.assignment.script_id,
                    expires_at_ms: a.assignment.expires_at.timestamp_millis(),
                    lit_drop: a.assignment.mode == walkbook_core::model::TurfMode::LitDrop,
                })
                .collect())
        })
    }

    /// The turf's doors in walk order with everyone's status.
    pub fn walk_list(
        &self,
        turf_id: String,
        now_ms: Option<i64>,
    ) -> Result<Vec<DoorView>, WalkbookError> {
        guard(|| {
            let now = now_or(now_ms);
            Ok(self
                .store()
                .walk_list(&turf_id)?
                .iter()
                .map(|d| door_view(d, now))
                .collect())
        })
    }

    /// The door to knock next, or none when the turf is done for now.
    pub fn next_door(
        &self,
        turf_id: String,
        now_ms: Option<i64>,
    ) -> Result<Option<DoorView>, WalkbookError> {
        guard(|| {
            let now = now_or(now_ms);
            Ok(self
                .store()
                .next_door(&turf_id, now)?
                .map(|d| door_view(&d, now)))
        })
    }

    /// One door with its people and their status.
    pub fn household(&self, household_id: String) -> Result<HouseholdView, WalkbookError> {
        guard(|| {
            let store = self.store();
            let h = store.household(&household_id)?;
            let now = now_or(None);
            for a in store
                .assignments()?
                .into_iter()
                .filter(|a| a.assignment.kind == AssignmentKind::Turf)
            {
                if let Some(d) = store
                    .walk_list(&a.assignment.unit_id)?
                    .iter()
                    .find(|d| d.household.id == household_id)
                {
                    let v = door_view(d, now);
                    return Ok(HouseholdView {
                        id: h.id,
                        address: v.address,
                        city: h.city,
                        postal_code: h.postal_code,
                        people: v.people,
                    });
                }
            }
            let people = store
                .people_at(&household_id)?
                .iter()
                .map(|p| person_view(p, &walkbook_core::results::StatusSummary::not_attempted()))
                .collect();
            Ok(HouseholdView {
                id: h.id.clone(),
                address: h.address_line(),
                city: h.city,
                postal_code: h.postal_code,
                people,
            })
        })
    }

    /// The assignment's script in `language` where translated.
    pub fn script_for(
        &self,
        assignment_id: String,
        language: String,
    ) -> Result<ScriptView, WalkbookError> {
        guard(|| {
            let store = self.store();
            let a = store.assignment(&assignment_id)?;
            let authored = store.script(&a.assignment.script_id, None)?;
            let translated = authored.translations.contains_key(&language);
            let s = authored.localized(&language);
            Ok(ScriptView {
                id: s.id,
                version: s.version,
                title: s.title,
                intro: s.intro,
                language: if translated { language } else { "en".into() },
                translated,
                questions: s
                    .questions
                    .into_iter()
                    .map(|q| QuestionView {
                        id: q.id,
                        prompt: q.prompt,
                        kind: q.kind.into(),
                        options: q
                            .options
                            .into_iter()
                            .map(|o| AnswerOptionView {
                                id: o.id,
                                label: o.label,
                            })
                            .collect(),
                    })
                    .collect(),
            })
        })
    }

    /// The question after `question_id` was answered `answer`, following the
    /// script's branches; none at the end of the script.
    pub fn next_question(
        &self,
        assignment_id: String,
        question_id: String,
        answer: String,
    ) -> Result<Option<String>, WalkbookError> {
        guard(|| {
            let store = self.store();
            let a = store.assignment(&assignment_id)?;
            let s = store.script(&a.assignment.script_id, None)?;
            if s.question(&question_id).is_none() {
                return Err(WalkbookError::InvalidInput {
                    detail: format!("question {question_id} is not in the script"),
                });
            }
            Ok(s.next_question(&question_id, &answer).map(|q| q.id.clone()))
        })
    }

    /// The result buttons for an assignment, in the campaign's order.
    pub fn result_codes(
        &self,
        assignment_id: String,
    ) -> Result<Vec<ResultCodeView>, WalkbookError> {
        guard(|| {
            Ok(self
                .store()
                .result_codes(&assignment_id)?
                .into_iter()
                .map(|r| ResultCodeView {
                    needs_time: r.effect == ResultEffect::ComeBack,
                    id: r.id,
                    label: r.label,
                    is_final: r.is_final,
                })
                .collect())
        })
    }

    /// Records an attempt. When this returns, it is on the phone's disk.
    pub fn record_attempt(
        &self,
        assignment_id: String,
        attempt: AttemptInput,
    ) -> Result<SavedAttempt, WalkbookError> {
        guard(|| self.record(&assignment_id, None, attempt))
    }

    /// The door screen's view model for a door of a turf assignment: send
    /// it the volunteer's taps (`DoorInput`), render the `DoorScreenView`
    /// it returns.
    pub fn open_door(
        self: Arc<Self>,
        assignment_id: String,
        household_id: String,
    ) -> Result<Arc<DoorScreen>, WalkbookError> {
        guard(|| DoorScreen::open(self.clone(), &assignment_id, &household_id))
    }

    /// The language of the screens' own words from now on: the phone's
    /// language tag (`es`, `es-US` → Spanish; anything else → English).
    /// Campaign content (scripts, result labels) stays as the organizer
    /// wrote it.
    pub fn set_ui_language(&self, tag: String) {
        *lock(&self.ui) = walkbook_core::screens::Ui::from_tag(&tag);
    }

    /// The call screen of a call-list assignment, on its first contact at
    /// `now_ms` (None: now).
    pub fn open_call(
        self: Arc<Self>,
        assignment_id: String,
        now_ms: Option<i64>,
    ) -> Result<Arc<CallScreen>, WalkbookError> {
        guard(|| CallScreen::open(self.clone(), &assignment_id, now_ms))
    }

    /// The turf screen: doors in walk order with their status in words,
    /// progress, the next door and the map's points.
    pub fn turf_screen(
        &self,
        turf_id: String,
        now_ms: Option<i64>,
    ) -> Result<TurfScreenView, WalkbookError> {
        guard(|| {
            Ok(walkbook_core::screens::turf_view_in(
                &self.store(),
                &turf_id,
                now_or(now_ms),
                self.ui(),
            )?
            .into())
        })
    }

    /// Trusts the campaign's private certificate authority (PEM) beside the
    /// bundled public roots, on this phone from now on. Only for a campaign
    /// server whose certificate no public CA signed; a PEM that does not
    /// read is refused and changes nothing.
    pub fn trust_campaign_ca(&self, ca_pem: String) -> Result<(), WalkbookError> {
        guard(|| Ok(SyncClient::trust_campaign_ca(&self.store(), &ca_pem)?))
    }

    /// Records a correction that supersedes `replaces_attempt_id`.
    pub fn correct_attempt(
        &self,
        assignment_id: String,
        replaces_attempt_id: String,
        attempt: AttemptInput,
    ) -> Result<SavedAttempt, WalkbookError> {
        guard(|| self.record(&assignment_id, Some(&replaces_attempt_id), attempt))
    }

    /// The call list's contacts with status (never their numbers).
    pub fn call_queue(&self, list_id: String) -> Result<Vec<CallView>, WalkbookError> {
        guard(|| {
            Ok(self
                .store()
                .call_queue(&list_id)?
                .iter()
                .map(|r| CallView {
                    position: r.position,
                    person: person_view(&r.person, &r.status),
                    time_zone: r.time_zone.name().into(),
                })
                .collect())
        })
    }

    /// Who to call next, within their calling hours, or when to try again.
    pub fn next_call(
        &self,
        list_id: String,
        now_ms: Option<i64>,
    ) -> Result<NextCallView, WalkbookError> {
        guard(|| {
            let now =
                chrono::DateTime::from_timestamp_millis(now_or(now_ms)).unwrap_or_else(Utc::now);
            let store = self.store();
            let hours = store
                .campaign()?
                .map(|c| c.calling_hours)
                .unwrap_or_default();
            let rows = store.call_queue(&list_id)?;
            Ok(match next_call(&rows, now, hours) {
                NextCall::Dial { index, closes_at } => NextCallView::Dial {
                    person_id: rows[index].person.id.clone(),
                    closes_at_ms: closes_at.timestamp_millis(),
                },
                NextCall::WaitUntil { at } => NextCallView::WaitUntil {
                    at_ms: at.timestamp_millis(),
                },
                NextCall::Done => NextCallView::Done,
            })
        })
    }

    /// The number to put in the dialler, for the contact on screen only,
    /// and only inside their calling hours.
    pub fn number_to_dial(
        &self,
        list_id: String,
        person_id: String,
        now_ms: Option<i64>,
    ) -> Result<String, WalkbookError> {
        guard(|| {
            let now =
                chrono::DateTime::from_timestamp_millis(now_or(now_ms)).unwrap_or_else(Utc::now);
            Ok(self
                .store()
                .number_to_dial(&list_id, &person_id, now)?
                .number)
        })
    }

    /// Turf near me: checks out the `doors` nearest un-knocked doors of the
    /// campaign's universe (or `universe_id`) around (`lat`, `lon`) as a turf
    /// of this volunteer's own for `days` days (default 2), in walk order,
    /// and installs it. Needs signal; safe to call again after a failure.
    pub async fn turf_near_me(
        &self,
        lat: f64,
        lon: f64,
        doors: u32,
        days: Option<u32>,
        universe_id: Option<String>,
    ) -> Result<TurfNearView, WalkbookError> {
        let out = self
            .client()?
            .turf_near_me(universe_id.as_deref(), lat, lon, doors, days)
            .await?;
        let id = out.assignment.assignment.id.clone();
        let assignment = self
            .assignments()?
            .into_iter()
            .find(|a| a.id == id)
            .ok_or_else(|| WalkbookError::NotFound {
                detail: format!("the server checked out {id}, but its packet did not install; sync and try again"),
            })?;
        Ok(TurfNearView {
            assignment,
            doors: out.doors,
            farthest_m: out.farthest_m,
        })
    }

    /// Ends a turf-near-me check-out: uploads its results, gives the
    /// un-knocked doors back to the campaign and deletes the turf from this
    /// phone. Returns how many doors went back.
    pub async fn release_turf(&self, assignment_id: String) -> Result<u32, WalkbookError> {
        Ok(self.client()?.release_turf(&assignment_id).await?)
    }

    /// Claims a batch of contacts from a shared call list on the server.
    pub async fn claim_batch(
        &self,
        list_id: String,
        size: u32,
    ) -> Result<ClaimView, WalkbookError> {
        let b = self.client()?.claim_batch(&list_id, size).await?;
        Ok(ClaimView {
            claim_id: b.claim_id,
            list_id: b.list_id,
            person_ids: b.person_ids,
            expires_at_ms: b.expires_at_ms,
        })
    }

    /// Gives a batch's uncalled contacts back to the pool.
    pub async fn release_claim(&self, claim_id: String) -> Result<u32, WalkbookError> {
        Ok(self.client()?.release_claim(&claim_id).await?)
    }

    /// Progress of a turf for the assignments screen.
    pub fn turf_progress(&self, turf_id: String) -> Result<TurfProgress, WalkbookError> {
        guard(|| {
            let now = now_or(None);
            let doors = self.store().walk_list(&turf_id)?;
            let people = doors.iter().flat_map(|d| &d.people);
            Ok(TurfProgress {
                doors_total: doors.len() as u32,
                doors_knocked: doors
                    .iter()
                    .filter(|d| d.household_status.door_attempts > 0)
                    .count() as u32,
                doors_finished: doors
                    .iter()
                    .filter(|d| door_state(d, now) == walkbook_core::results::DoorState::Finished)
                    .count() as u32,
                people_total: people.clone().count() as u32,
                contacts: people
                    .clone()
                    .filter(|p| {
                        matches!(
                            p.status.status,
                            walkbook_core::results::Status::Contacted { .. }
                        )
                    })
                    .count() as u32,
                conflicts: people
                    .filter(|p| {
                        matches!(
                            p.status.status,
                            walkbook_core::results::Status::Conflict { .. }
                        )
                    })
                    .count() as u32,
            })
        })
    }

    /// The offline expiry timer: deletes every assignment past its expiry
    /// plus the grace period (12 h), with its synced results. Call it when
    /// the app starts and on a timer; sync does the same, and also deletes
    /// assignments the server took away.
    pub fn expire_assignments(&self, now_ms: Option<i64>) -> Result<ExpiryView, WalkbookError> {
        guard(|| {
            let now = chrono::DateTime::from_timestamp_millis(now_or(now_ms)).ok_or_else(|| {
                WalkbookError::InvalidInput {
                    detail: "now_ms is not a valid time".into(),
                }
            })?;
            let r = self.store().retire_expired(now)?;
            Ok(ExpiryView {
                assignments_retired: r.assignments,
                waiting_to_upload: r.waiting_to_upload as u64,
            })
        })
    }

    /// Results of expired or taken-away assignments still waiting to upload.
    pub fn waiting_to_upload(&self) -> Result<u64, WalkbookError> {
        guard(|| Ok(self.store().waiting_to_upload()? as u64))
    }

    /// Results on this phone the server has not confirmed yet (the badge).
    /// Always 0 in practice mode: practice results never upload.
    pub fn pending_upload_count(&self) -> Result<u64, WalkbookError> {
        if self.practice {
            return Ok(0);
        }
        guard(|| Ok(self.store().pending_upload_count()? as u64))
    }

    /// Syncs with the server until both sides are up to date. Progress goes
    /// to the listener. Cancelling (dropping the call) is safe: everything
    /// received so far is already on disk.
    pub async fn sync_now(&self) -> Result<SyncSummaryView, WalkbookError> {
        let pending = self.pending_upload_count().unwrap_or(0);
        let base = SyncState {
            running: true,
            round: 0,
            documents: 0,
            bytes_sent: 0,
            bytes_received: 0,
            pending_upload: pending,
            last_error: None,
        };
        self.emit(base.clone());
        let client = self.client()?;
        let result = client
            .sync_now(|p| {
                self.emit(SyncState {
                    round: p.round,
                    documents: p.documents as u32,
                    bytes_sent: p.bytes_sent as u64,
                    bytes_received: p.bytes_received as u64,
                    ..base.clone()
                })
            })
            .await;
        match result {
            Ok(s) => {
                let summary = SyncSummaryView {
                    rounds: s.rounds,
                    documents: s.documents as u32,
                    bytes_sent: s.bytes_sent as u64,
                    bytes_received: s.bytes_received as u64,
                    changes_received: s.changes_received as u64,
                    pending_upload: s.pending_upload as u64,
                    refused: s.refused as u32,
                    assignments_retired: s.assignments_retired as u32,
                };
                self.emit(SyncState {
                    running: false,
                    round: s.rounds,
                    documents: summary.documents,
                    bytes_sent: summary.bytes_sent,
                    bytes_received: summary.bytes_received,
                    pending_upload: summary.pending_upload,
                    last_error: None,
                });
                if s.changes_received > 0
                    && let Some(l) = self.listener()
                {
                    for a in self.assignments().unwrap_or_default() {
                        l.on_results_changed(a.unit_id);
                    }
                }
                Ok(summary)
            }
            Err(e) => {
                let e: WalkbookError = e.into();
                if matches!(e, WalkbookError::DeviceRevoked { .. }) {
                    // The campaign store is wiped already; its practice
                    // shift (which holds the campaign's script) goes too.
                    let _ = self.end_practice();
                }
                self.emit(SyncState {
                    running: false,
                    pending_upload: self.pending_upload_count().unwrap_or(pending),
                    last_error: Some(e.to_string()),
                    ..base
                });
                Err(e)
            }
        }
    }

    /// Results the server did not accept, newest first, with the reason.
    pub fn refused_attempts(&self) -> Result<Vec<RefusedAttemptView>, WalkbookError> {
        guard(|| {
            Ok(self
                .store()
                .refused_attempts()?
                .into_iter()
                .map(|r| RefusedAttemptView {
                    unit_id: r
                        .doc_id
                        .split_once(':')
                        .map(|(_, u)| u.to_string())
                        .unwrap_or(r.doc_id.clone()),
                    attempt_id: r.attempt_id,
                    person_id: r.attempt.as_ref().and_then(|a| a.person_id.clone()),
                    household_id: r.attempt.as_ref().map(|a| a.household_id.clone()),
                    result: r.attempt.as_ref().and_then(|a| a.result.clone()),
                    rule: r.rule,
                    reason: r.reason,
                    refused_at_ms: r.refused_at_ms,
                })
                .collect())
        })
    }

    /// Deletes every trace of the campaign from this phone (its practice
    /// shift too).
    pub fn wipe(&self) -> Result<(), WalkbookError> {
        guard(|| {
            if !self.practice {
                self.end_practice()?;
            }
            self.store().wipe()?;
            *lock(&self.client) = None;
            Ok(())
        })
    }

    /// For tests of the boundary: panics inside, returns an Internal error.
    pub fn debug_panic(&self) -> Result<(), WalkbookError> {
        guard(|| panic!("deliberate panic to test the FFI boundary"))
    }
}
