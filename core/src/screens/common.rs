//! What the door and call screens share: walking a script with a person
//! (answers, branches, notes, language) and saving once per intent with
//! undo as a correction.

use std::collections::BTreeMap;

use crate::model::{QuestionKind, Script};
use crate::results::NewAttempt;
use crate::store::DeviceStore;

use super::door::{Prompt, PromptOption};
use super::words::Ui;

pub(crate) fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The script part of a screen: the question on screen and the answers
/// and notes so far.
#[derive(Debug, Clone)]
pub(crate) struct Conversation {
    ui: Ui,
    pub language: String,
    pub current: Option<String>,
    pub answers: BTreeMap<String, String>,
    pub notes: String,
}

impl Conversation {
    pub fn new(ui: Ui) -> Self {
        Conversation {
            ui,
            language: "en".into(),
            current: None,
            answers: BTreeMap::new(),
            notes: String::new(),
        }
    }

    /// A new person: no answers, the script's first question.
    pub fn restart(&mut self, script: &Script) {
        self.answers.clear();
        self.current = script.questions.first().map(|q| q.id.clone());
    }

    /// After a save: nothing typed or answered, no question on screen.
    pub fn clear(&mut self) {
        self.answers.clear();
        self.notes.clear();
        self.current = None;
    }

    pub fn answer(
        &mut self,
        script: &Script,
        question_id: &str,
        option_id: &str,
    ) -> Result<(), String> {
        let q = script
            .question(question_id)
            .ok_or_else(|| self.ui.not_in_script(question_id))?;
        if q.kind != QuestionKind::Choice || !q.options.iter().any(|o| o.id == option_id) {
            return Err(self.ui.not_an_answer(option_id, &q.prompt));
        }
        self.answers.insert(question_id.into(), option_id.into());
        self.current = script
            .next_question(question_id, option_id)
            .map(|n| n.id.clone());
        Ok(())
    }

    pub fn text(&mut self, script: &Script, question_id: &str, text: String) -> Result<(), String> {
        match script.question(question_id) {
            Some(q) if q.kind == QuestionKind::Text => {}
            _ => return Err(self.ui.not_text(question_id)),
        }
        if text.trim().is_empty() {
            self.answers.remove(question_id);
        } else {
            self.answers.insert(question_id.into(), text);
        }
        Ok(())
    }

    /// The question on screen with its options.
    pub fn prompt(&self, script: &Script) -> Option<Prompt> {
        let q = script.question(self.current.as_ref()?)?;
        Some(Prompt {
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
        })
    }

    /// (question, answer) so far, in the script's words and order.
    pub fn answered(&self, script: &Script) -> Vec<(String, String)> {
        script
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
            .collect()
    }
}

/// Saving once per intent: every save carries an attempt id made when the
/// intent began, and the same save again with nothing changed in between
/// (a double tap) is ignored. Undo makes the next save a correction.
#[derive(Debug, Clone)]
pub(crate) struct Saves {
    ui: Ui,
    /// The id of the next save: the same for repeated taps of one intent.
    intent: String,
    replacing: Option<String>,
    /// The last save's attempt id and what it was, in words.
    last_saved: Option<(String, String)>,
    /// What the last save was (result, person, …).
    last_key: Option<String>,
    dirty: bool,
}

impl Saves {
    pub fn new(ui: Ui) -> Self {
        Saves {
            ui,
            intent: new_id(),
            replacing: None,
            last_saved: None,
            last_key: None,
            dirty: false,
        }
    }

    /// Something changed since the last save.
    pub fn touch(&mut self) {
        self.dirty = true;
    }

    /// A new intent (another person, another contact).
    pub fn begin(&mut self) {
        self.intent = new_id();
        self.dirty = true;
    }

    /// Forgets the last save (the screen moved on to someone else).
    pub fn forget(&mut self) {
        *self = Saves::new(self.ui);
    }

    /// Whether a save with this key is the same tap again.
    pub fn repeated(&self, key: &str) -> bool {
        !self.dirty && self.replacing.is_none() && self.last_key.as_deref() == Some(key)
    }

    /// Records (or, after undo, corrects) with the intent's id; durable when
    /// it returns Ok.
    pub fn save(
        &mut self,
        store: &mut DeviceStore,
        assignment_id: &str,
        attempt: NewAttempt,
        what: String,
        key: String,
    ) -> Result<(), String> {
        let attempt = NewAttempt {
            id: Some(self.intent.clone()),
            ..attempt
        };
        let saved = match &self.replacing {
            Some(old) => store.correct_attempt(assignment_id, old, attempt),
            None => store.record_attempt(assignment_id, attempt),
        }
        .map_err(|e| e.to_string())?;
        self.last_saved = Some((saved.id, what));
        self.last_key = Some(key);
        self.replacing = None;
        self.dirty = false;
        self.intent = new_id();
        Ok(())
    }

    pub fn undo(&mut self) -> Result<(), String> {
        let (id, _) = self
            .last_saved
            .clone()
            .ok_or_else(|| self.ui.nothing_to_undo())?;
        self.replacing = Some(id);
        self.dirty = true;
        self.intent = new_id();
        Ok(())
    }

    /// "Saved ✓ (…)" after a save, until the next change.
    pub fn saved_text(&self) -> Option<String> {
        self.last_saved
            .as_ref()
            .filter(|_| !self.dirty && self.replacing.is_none())
            .map(|(_, what)| self.ui.saved(what))
    }

    pub fn can_undo(&self) -> bool {
        self.last_saved.is_some() && self.replacing.is_none()
    }

    /// The next save corrects the last one.
    pub fn correcting(&self) -> bool {
        self.replacing.is_some()
    }
}
