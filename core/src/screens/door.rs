//! The door screen's decisions, once, for every shell: who answered, the
//! script in their language with its branches, per-person and whole-door
//! results, come back at a chosen time, notes, skip, and "Saved ✓ · Undo".
//! Events in, a plain view out (Elm-style); the shells only render
//! [`DoorView`] and forward taps as [`DoorEvent`]s.
//!
//! Saving is idempotent: every save intent carries an attempt id made when
//! the intent began, and a save with nothing changed since the last one is
//! ignored, so a double tap never records twice. Undo does not delete (an
//! attempt is never edited): it makes the next save a correction that
//! supersedes the saved result.

use crate::model::{ResultEffect, Script};
use crate::results::NewAttempt;
use crate::store::{DeviceStore, StoreError, WalkListDoor};

use super::call::TimeChoice;
use super::common::{Conversation, Saves};
use super::turf::status_style_in;
use super::words::Ui;

/// A tap or an entry on the door screen.
#[derive(Debug, Clone, PartialEq)]
pub enum DoorEvent {
    /// This person answered the door (the script switches to their
    /// language when it is translated).
    ChoosePerson {
        person_id: String,
    },
    /// An answer to a choice question (the script follows its branches).
    Answer {
        question_id: String,
        option_id: String,
    },
    /// The text of a free-text question.
    Text {
        question_id: String,
        text: String,
    },
    Notes {
        text: String,
    },
    /// Show the script in another language.
    Language {
        language: String,
    },
    /// When to come back (for a "come back" result).
    ComeBackAt {
        at_ms: i64,
    },
    /// A result code for the chosen person, or for the whole door.
    Record {
        code: String,
        whole_door: bool,
    },
    /// Save the conversation with the chosen person (their answers).
    SaveConversation,
    /// Next door: move on, recording nothing more here.
    Skip,
    /// Change the last save: the next save corrects it.
    Undo,
    /// The phone's latest location fix (when the volunteer allowed it).
    /// Saves carry the latest fix; a save never waits for one.
    Location {
        lat: f64,
        lon: f64,
        accuracy_m: f64,
    },
}

/// A person at the door as the screen shows them.
#[derive(Debug, Clone, PartialEq)]
pub struct DoorPerson {
    pub id: String,
    pub name: String,
    pub language: String,
    /// `not_attempted`, `contacted`, `not_home`, …
    pub status: String,
    /// The status in the volunteer's words (shown beside an icon).
    pub status_label: String,
    pub chosen: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CodeButton {
    pub id: String,
    pub label: String,
    /// Needs a come-back time first.
    pub needs_time: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PromptOption {
    pub id: String,
    pub label: String,
    pub chosen: bool,
}

/// The question on screen.
#[derive(Debug, Clone, PartialEq)]
pub struct Prompt {
    pub id: String,
    pub text: String,
    /// A text box instead of option buttons.
    pub free_text: bool,
    pub options: Vec<PromptOption>,
    /// What was typed so far (free-text questions).
    pub typed: String,
}

/// Everything the door screen shows and allows.
#[derive(Debug, Clone, PartialEq)]
pub struct DoorView {
    pub address: String,
    pub people: Vec<DoorPerson>,
    /// Results for the whole door (nobody home, inaccessible, literature).
    pub door_codes: Vec<CodeButton>,
    /// Results for the chosen person (enabled once someone is chosen).
    pub person_codes: Vec<CodeButton>,
    pub person_chosen: bool,
    pub script_title: String,
    pub intro: String,
    pub language: String,
    pub question: Option<Prompt>,
    /// (question, answer) so far, in the script's words.
    pub answered: Vec<(String, String)>,
    pub notes: String,
    pub come_back_at_ms: Option<i64>,
    /// Times offered for "come back" (in 1, 2 and 4 hours, tomorrow at
    /// this time), in the campaign's zone; any other time is fine too.
    pub come_back_choices: Vec<TimeChoice>,
    pub can_save_conversation: bool,
    /// "Saved ✓ …" after a save, until the next change.
    pub saved: Option<String>,
    pub can_undo: bool,
    /// The next save corrects the last one (after Undo).
    pub correcting: bool,
    /// What went wrong, for the volunteer (the screen stays as it was).
    pub message: Option<String>,
    /// The door is finished or skipped: go to the next door.
    pub done: bool,
}

/// One door's screen state for one assignment.
#[derive(Debug, Clone)]
pub struct DoorScreen {
    ui: Ui,
    assignment_id: String,
    household_id: String,
    person: Option<String>,
    talk: Conversation,
    come_back_at_ms: Option<i64>,
    /// The latest location fix the shell sent (lat, lon, accuracy in m).
    fix: Option<(f64, f64, f64)>,
    saves: Saves,
    message: Option<String>,
    done: bool,
}

impl DoorScreen {
    /// Opens the screen for a door of a turf assignment, in English.
    pub fn open(
        store: &DeviceStore,
        assignment_id: &str,
        household_id: &str,
    ) -> Result<Self, StoreError> {
        Self::open_in(store, assignment_id, household_id, Ui::En)
    }

    /// Opens the screen with its words in `ui`.
    pub fn open_in(
        store: &DeviceStore,
        assignment_id: &str,
        household_id: &str,
        ui: Ui,
    ) -> Result<Self, StoreError> {
        let screen = DoorScreen {
            ui,
            assignment_id: assignment_id.to_string(),
            household_id: household_id.to_string(),
            person: None,
            talk: Conversation::new(ui),
            come_back_at_ms: None,
            fix: None,
            saves: Saves::new(ui),
            message: None,
            done: false,
        };
        // The door must be on the assignment's turf.
        screen.door(store)?;
        Ok(screen)
    }

    fn door(&self, store: &DeviceStore) -> Result<WalkListDoor, StoreError> {
        let a = store.assignment(&self.assignment_id)?;
        store
            .walk_list(&a.assignment.unit_id)?
            .into_iter()
            .find(|d| d.household.id == self.household_id)
            .ok_or_else(|| StoreError::not_found("door", self.household_id.clone()))
    }

    fn script(&self, store: &DeviceStore) -> Result<Script, StoreError> {
        store.script_for(&self.assignment_id, &self.talk.language)
    }

    /// Applies one event and returns what to show. A refused event (a bad
    /// answer, a save the rules refuse) leaves the state as it was and says
    /// why in `message`; only storage failures are errors.
    pub fn send(
        &mut self,
        store: &mut DeviceStore,
        event: DoorEvent,
    ) -> Result<DoorView, StoreError> {
        self.message = None;
        if let Err(message) = self.apply(store, event) {
            self.message = Some(message);
        }
        self.view(store)
    }

    fn chosen(&self) -> Result<(), String> {
        match self.person {
            Some(_) => Ok(()),
            None => Err(self.ui.choose_who_answered()),
        }
    }

    fn apply(&mut self, store: &mut DeviceStore, event: DoorEvent) -> Result<(), String> {
        let script = self.script(store).map_err(|e| e.to_string())?;
        match event {
            DoorEvent::ChoosePerson { person_id } => {
                let door = self.door(store).map_err(|e| e.to_string())?;
                let p = door
                    .people
                    .iter()
                    .find(|p| p.person.id == person_id)
                    .ok_or_else(|| self.ui.not_at_this_door(&person_id))?;
                if self.person.as_deref() != Some(&person_id) {
                    self.person = Some(person_id);
                    let base = store
                        .script_for(&self.assignment_id, "en")
                        .map_err(|e| e.to_string())?;
                    if base.translations.contains_key(&p.person.language) {
                        self.talk.language = p.person.language.clone();
                    }
                    self.talk.restart(&script);
                    self.saves.begin();
                }
            }
            DoorEvent::Language { language } => self.talk.language = language,
            DoorEvent::Answer {
                question_id,
                option_id,
            } => {
                self.chosen()?;
                self.talk.answer(&script, &question_id, &option_id)?;
                self.saves.touch();
            }
            DoorEvent::Text { question_id, text } => {
                self.chosen()?;
                self.talk.text(&script, &question_id, text)?;
                self.saves.touch();
            }
            DoorEvent::Notes { text } => {
                self.talk.notes = text;
                self.saves.touch();
            }
            DoorEvent::ComeBackAt { at_ms } => {
                self.come_back_at_ms = Some(at_ms);
                self.saves.touch();
            }
            DoorEvent::Record { code, whole_door } => {
                let key = format!("{code}|{:?}|{whole_door}", self.person);
                if self.saves.repeated(&key) {
                    return Ok(());
                }
                let codes = store
                    .result_codes(&self.assignment_id)
                    .map_err(|e| e.to_string())?;
                let rc = codes
                    .iter()
                    .find(|c| c.id == code)
                    .ok_or_else(|| self.ui.not_a_result(&code))?;
                let person = if whole_door {
                    None
                } else {
                    Some(
                        self.person
                            .clone()
                            .ok_or_else(|| self.ui.choose_or_whole_door())?,
                    )
                };
                let callback = if rc.effect == ResultEffect::ComeBack {
                    Some(
                        self.come_back_at_ms
                            .ok_or_else(|| self.ui.choose_come_back())?,
                    )
                } else {
                    None
                };
                let attempt = NewAttempt {
                    person_id: person.clone(),
                    household_id: whole_door.then(|| self.household_id.clone()),
                    result: Some(code.clone()),
                    callback_at_ms: callback,
                    notes: self.talk.notes.clone(),
                    ..Default::default()
                };
                self.save(store, attempt, rc.label.clone(), key)?;
                if whole_door {
                    self.done = true;
                }
            }
            DoorEvent::SaveConversation => {
                let key = format!("conversation|{:?}", self.person);
                if self.saves.repeated(&key) {
                    return Ok(());
                }
                let person = self
                    .person
                    .clone()
                    .ok_or_else(|| self.ui.choose_who_answered())?;
                if self.talk.answers.is_empty() {
                    return Err(self.ui.answer_or_record());
                }
                let attempt = NewAttempt {
                    person_id: Some(person),
                    answers: self.talk.answers.clone(),
                    notes: self.talk.notes.clone(),
                    ..Default::default()
                };
                self.save(store, attempt, self.ui.conversation(), key)?;
            }
            DoorEvent::Location {
                lat,
                lon,
                accuracy_m,
            } => {
                let valid = (-90.0..=90.0).contains(&lat)
                    && (-180.0..=180.0).contains(&lon)
                    && accuracy_m.is_finite()
                    && accuracy_m >= 0.0;
                if !valid {
                    return Err(self.ui.impossible_location(lat, lon, accuracy_m));
                }
                self.fix = Some((lat, lon, accuracy_m));
            }
            DoorEvent::Skip => self.done = true,
            DoorEvent::Undo => {
                self.saves.undo()?;
                self.done = false;
            }
        }
        Ok(())
    }

    fn save(
        &mut self,
        store: &mut DeviceStore,
        attempt: NewAttempt,
        what: String,
        key: String,
    ) -> Result<(), String> {
        let (lat, lon, accuracy_m) = match self.fix {
            Some((lat, lon, acc)) => (Some(lat), Some(lon), Some(acc)),
            None => (None, None, None),
        };
        let attempt = NewAttempt {
            lat,
            lon,
            accuracy_m,
            ..attempt
        };
        self.saves
            .save(store, &self.assignment_id, attempt, what, key)?;
        self.talk.clear();
        self.come_back_at_ms = None;
        Ok(())
    }

    /// What the screen shows now.
    pub fn view(&self, store: &DeviceStore) -> Result<DoorView, StoreError> {
        self.view_at(store, chrono::Utc::now().timestamp_millis())
    }

    fn come_back_choices(&self, now_ms: i64, tz: chrono_tz::Tz) -> Vec<TimeChoice> {
        let now = chrono::DateTime::from_timestamp_millis(now_ms).unwrap_or_default();
        [Some(1), Some(2), Some(4), None]
            .into_iter()
            .map(|hours| {
                let at = now + chrono::Duration::hours(hours.unwrap_or(24).into());
                TimeChoice {
                    label: self
                        .ui
                        .call_back_choice(hours, false, &self.ui.local_time(at, tz)),
                    at_ms: at.timestamp_millis(),
                }
            })
            .collect()
    }

    /// What the screen shows at `now_ms` (the come-back choices count from it).
    pub fn view_at(&self, store: &DeviceStore, now_ms: i64) -> Result<DoorView, StoreError> {
        let door = self.door(store)?;
        let script = self.script(store)?;
        let codes = store.result_codes(&self.assignment_id)?;
        let tz: chrono_tz::Tz = store
            .campaign()?
            .and_then(|c| c.time_zone.parse().ok())
            .unwrap_or(chrono_tz::UTC);
        let button = |c: &crate::model::ResultCode| CodeButton {
            id: c.id.clone(),
            label: c.label.clone(),
            needs_time: c.effect == ResultEffect::ComeBack,
        };
        let door_level = |e: ResultEffect| {
            matches!(
                e,
                ResultEffect::Retry | ResultEffect::ComeBack | ResultEffect::LitDrop
            )
        };
        Ok(DoorView {
            address: door.household.address_line(),
            people: door
                .people
                .iter()
                .map(|p| DoorPerson {
                    id: p.person.id.clone(),
                    name: p.person.full_name(),
                    language: p.person.language.clone(),
                    status: p.status.status.kind().to_string(),
                    status_label: status_style_in(&p.status.status, tz, self.ui).label,
                    chosen: self.person.as_deref() == Some(p.person.id.as_str()),
                })
                .collect(),
            door_codes: codes
                .iter()
                .filter(|c| door_level(c.effect))
                .map(button)
                .collect(),
            person_codes: codes
                .iter()
                .filter(|c| c.effect != ResultEffect::LitDrop)
                .map(button)
                .collect(),
            person_chosen: self.person.is_some(),
            script_title: script.title.clone(),
            intro: script.intro.clone(),
            language: self.talk.language.clone(),
            question: self.talk.prompt(&script),
            answered: self.talk.answered(&script),
            notes: self.talk.notes.clone(),
            come_back_at_ms: self.come_back_at_ms,
            come_back_choices: self.come_back_choices(now_ms, tz),
            can_save_conversation: self.person.is_some() && !self.talk.answers.is_empty(),
            saved: self.saves.saved_text(),
            can_undo: self.saves.can_undo(),
            correcting: self.saves.correcting(),
            message: self.message.clone(),
            done: self.done,
        })
    }
}
