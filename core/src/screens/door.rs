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

use std::collections::BTreeMap;

use crate::model::{QuestionKind, ResultEffect, Script};
use crate::results::NewAttempt;
use crate::store::{DeviceStore, StoreError, WalkListDoor};

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
}

/// A person at the door as the screen shows them.
#[derive(Debug, Clone, PartialEq)]
pub struct DoorPerson {
    pub id: String,
    pub name: String,
    pub language: String,
    /// `not_attempted`, `contacted`, `not_home`, … (text beside an icon).
    pub status: String,
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
    assignment_id: String,
    household_id: String,
    person: Option<String>,
    language: String,
    current: Option<String>,
    answers: BTreeMap<String, String>,
    notes: String,
    come_back_at_ms: Option<i64>,
    /// The id of the next save: the same for repeated taps of one intent.
    intent: String,
    replacing: Option<String>,
    last_saved: Option<(String, String)>,
    /// What the last save was (result, person, whole door): the same save
    /// again with nothing changed in between is a double tap.
    last_key: Option<String>,
    dirty: bool,
    message: Option<String>,
    done: bool,
}

fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

impl DoorScreen {
    /// Opens the screen for a door of a turf assignment.
    pub fn open(
        store: &DeviceStore,
        assignment_id: &str,
        household_id: &str,
    ) -> Result<Self, StoreError> {
        let screen = DoorScreen {
            assignment_id: assignment_id.to_string(),
            household_id: household_id.to_string(),
            person: None,
            language: "en".into(),
            current: None,
            answers: BTreeMap::new(),
            notes: String::new(),
            come_back_at_ms: None,
            intent: new_id(),
            replacing: None,
            last_saved: None,
            last_key: None,
            dirty: false,
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
        store.script_for(&self.assignment_id, &self.language)
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

    fn touch(&mut self) {
        self.dirty = true;
    }

    /// Whether a save is the same tap again (nothing changed since).
    fn repeated(&self, key: &str) -> bool {
        !self.dirty && self.replacing.is_none() && self.last_key.as_deref() == Some(key)
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
                    .ok_or_else(|| format!("{person_id} does not live at this door"))?;
                if self.person.as_deref() != Some(&person_id) {
                    self.person = Some(person_id);
                    self.answers.clear();
                    let base = store
                        .script_for(&self.assignment_id, "en")
                        .map_err(|e| e.to_string())?;
                    if base.translations.contains_key(&p.person.language) {
                        self.language = p.person.language.clone();
                    }
                    self.current = script.questions.first().map(|q| q.id.clone());
                    self.intent = new_id();
                    self.touch();
                }
            }
            DoorEvent::Language { language } => self.language = language,
            DoorEvent::Answer {
                question_id,
                option_id,
            } => {
                if self.person.is_none() {
                    return Err("choose who answered the door first".into());
                }
                let q = script
                    .question(&question_id)
                    .ok_or_else(|| format!("question {question_id} is not in the script"))?;
                if q.kind != QuestionKind::Choice || !q.options.iter().any(|o| o.id == option_id) {
                    return Err(format!("{option_id:?} is not an answer to {}", q.prompt));
                }
                self.answers.insert(question_id.clone(), option_id.clone());
                self.current = script
                    .next_question(&question_id, &option_id)
                    .map(|n| n.id.clone());
                self.touch();
            }
            DoorEvent::Text { question_id, text } => {
                if self.person.is_none() {
                    return Err("choose who answered the door first".into());
                }
                match script.question(&question_id) {
                    Some(q) if q.kind == QuestionKind::Text => {}
                    _ => return Err(format!("{question_id} is not a text question")),
                }
                if text.trim().is_empty() {
                    self.answers.remove(&question_id);
                } else {
                    self.answers.insert(question_id.clone(), text);
                }
                self.touch();
            }
            DoorEvent::Notes { text } => {
                self.notes = text;
                self.touch();
            }
            DoorEvent::ComeBackAt { at_ms } => {
                self.come_back_at_ms = Some(at_ms);
                self.touch();
            }
            DoorEvent::Record { code, whole_door } => {
                let key = format!("{code}|{:?}|{whole_door}", self.person);
                if self.repeated(&key) {
                    return Ok(());
                }
                let codes = store
                    .result_codes(&self.assignment_id)
                    .map_err(|e| e.to_string())?;
                let rc = codes
                    .iter()
                    .find(|c| c.id == code)
                    .ok_or_else(|| format!("{code} is not a result here"))?;
                let person = if whole_door {
                    None
                } else {
                    Some(
                        self.person
                            .clone()
                            .ok_or("choose who answered, or record it for the whole door")?,
                    )
                };
                let callback = if rc.effect == ResultEffect::ComeBack {
                    Some(
                        self.come_back_at_ms
                            .ok_or("choose when to come back first")?,
                    )
                } else {
                    None
                };
                let attempt = NewAttempt {
                    person_id: person.clone(),
                    household_id: whole_door.then(|| self.household_id.clone()),
                    result: Some(code.clone()),
                    callback_at_ms: callback,
                    notes: self.notes.clone(),
                    ..Default::default()
                };
                self.save(store, attempt, rc.label.clone(), key)?;
                if whole_door {
                    self.done = true;
                }
            }
            DoorEvent::SaveConversation => {
                let key = format!("conversation|{:?}", self.person);
                if self.repeated(&key) {
                    return Ok(());
                }
                let person = self
                    .person
                    .clone()
                    .ok_or("choose who answered the door first")?;
                if self.answers.is_empty() {
                    return Err("answer at least one question, or record a result".into());
                }
                let attempt = NewAttempt {
                    person_id: Some(person),
                    answers: self.answers.clone(),
                    notes: self.notes.clone(),
                    ..Default::default()
                };
                self.save(store, attempt, "conversation".into(), key)?;
            }
            DoorEvent::Skip => self.done = true,
            DoorEvent::Undo => {
                let (id, _) = self.last_saved.clone().ok_or("there is nothing to undo")?;
                self.replacing = Some(id);
                self.done = false;
                self.dirty = true;
                self.intent = new_id();
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
        let attempt = NewAttempt {
            id: Some(self.intent.clone()),
            ..attempt
        };
        let saved = match &self.replacing {
            Some(old) => store.correct_attempt(&self.assignment_id, old, attempt),
            None => store.record_attempt(&self.assignment_id, attempt),
        }
        .map_err(|e| e.to_string())?;
        self.last_saved = Some((saved.id, what));
        self.last_key = Some(key);
        self.replacing = None;
        self.dirty = false;
        self.intent = new_id();
        self.answers.clear();
        self.notes.clear();
        self.come_back_at_ms = None;
        self.current = None;
        Ok(())
    }

    /// What the screen shows now.
    pub fn view(&self, store: &DeviceStore) -> Result<DoorView, StoreError> {
        let door = self.door(store)?;
        let script = self.script(store)?;
        let codes = store.result_codes(&self.assignment_id)?;
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
        let question = self
            .current
            .as_ref()
            .and_then(|id| script.question(id))
            .map(|q| Prompt {
                id: q.id.clone(),
                text: q.prompt.clone(),
                free_text: q.kind == QuestionKind::Text,
                options: q
                    .options
                    .iter()
                    .map(|o| PromptOption {
                        id: o.id.clone(),
                        label: o.label.clone(),
                        chosen: self.answers.get(&q.id) == Some(&o.id),
                    })
                    .collect(),
                typed: if q.kind == QuestionKind::Text {
                    self.answers.get(&q.id).cloned().unwrap_or_default()
                } else {
                    String::new()
                },
            });
        let answered = script
            .questions
            .iter()
            .filter_map(|q| {
                let a = self.answers.get(&q.id)?;
                let label = q
                    .options
                    .iter()
                    .find(|o| &o.id == a)
                    .map(|o| o.label.clone())
                    .unwrap_or_else(|| a.clone());
                Some((q.prompt.clone(), label))
            })
            .collect();
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
            language: self.language.clone(),
            question,
            answered,
            notes: self.notes.clone(),
            come_back_at_ms: self.come_back_at_ms,
            can_save_conversation: self.person.is_some() && !self.answers.is_empty(),
            saved: self
                .last_saved
                .as_ref()
                .filter(|_| !self.dirty && self.replacing.is_none())
                .map(|(_, what)| format!("Saved ✓ ({what})")),
            can_undo: self.last_saved.is_some() && self.replacing.is_none(),
            correcting: self.replacing.is_some(),
            message: self.message.clone(),
            done: self.done,
        })
    }
}
