//! The call screen's decisions, once, for every shell: who to call next
//! (within their own calling hours), a one-time notice that the volunteer's
//! own number shows as caller ID, the number only when they tap Call, a
//! call timer whose duration is recorded, the script and its answers, a
//! call-back time from a few sensible choices or the shell's picker, skip,
//! and "Saved ✓ · Undo". Events carry the clock (`now_ms`) so every
//! decision is testable.

use std::collections::HashSet;

use chrono::{DateTime, Duration, TimeZone, Utc};
use chrono_tz::Tz;

use crate::calls::{CallWindow, call_window};
use crate::model::{AssignmentKind, CallingHours, ResultEffect, Script};
use crate::results::{NewAttempt, NextCall, StatusSummary, next_call};
use crate::store::{CallQueueRow, DeviceStore, StoreError};

use super::common::{Conversation, Saves};
use super::door::{CodeButton, Prompt};
use super::words::Ui;

/// Meta key: the volunteer has read the caller-ID notice on this phone.
const CALLER_ID_READ: &str = "caller_id_notice_read";

/// A tap or an entry on the call screen.
#[derive(Debug, Clone, PartialEq)]
pub enum CallEvent {
    /// Show the next contact (the first one the screen has not skipped).
    Next {
        now_ms: i64,
    },
    /// The volunteer read the caller-ID notice (asked once per phone).
    ReadCallerIdNotice,
    /// Tapped Call: the view carries the `tel:` URI to open once, and the
    /// timer starts.
    Dial {
        now_ms: i64,
    },
    /// The call ended: the timer stops.
    HangUp {
        now_ms: i64,
    },
    Answer {
        question_id: String,
        option_id: String,
    },
    Text {
        question_id: String,
        text: String,
    },
    Notes {
        text: String,
    },
    Language {
        language: String,
    },
    /// When to call back (a choice from the view, or the shell's picker).
    CallBackAt {
        at_ms: i64,
    },
    /// How the call went (ends the call if it is still on).
    Record {
        code: String,
        now_ms: i64,
    },
    /// Save the conversation (the answers) and its duration.
    SaveConversation {
        now_ms: i64,
    },
    /// Move on without a result; this contact is not offered again on this
    /// screen.
    Skip {
        now_ms: i64,
    },
    /// Change the last save: the next save corrects it.
    Undo,
}

/// The contact on screen (never their number until Call).
#[derive(Debug, Clone, PartialEq)]
pub struct CallContact {
    pub person_id: String,
    pub name: String,
    pub language: String,
    /// Their local time now, e.g. "Thu 10:30 EST".
    pub local_time: String,
    /// Their calling hours end then.
    pub closes_at_ms: i64,
    /// `not_attempted`, `not_home`, `come_back`, …
    pub status: String,
    /// The status in the volunteer's words.
    pub status_label: String,
}

/// A call-back time offered as a button.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeChoice {
    pub label: String,
    pub at_ms: i64,
}

/// Everything the call screen shows and allows.
#[derive(Debug, Clone, PartialEq)]
pub struct CallView {
    pub list_name: String,
    pub contact: Option<CallContact>,
    /// Nobody can be called now; the next possibility (and in words).
    pub wait_until_ms: Option<i64>,
    pub wait_text: Option<String>,
    /// Everyone on the list is finished (or skipped here).
    pub finished: bool,
    /// Shown until read (`ReadCallerIdNotice`); Call is disabled until then.
    pub caller_id_notice: Option<String>,
    pub can_dial: bool,
    /// Open this `tel:` URI now: only in the view `send(Dial)` returns,
    /// never in `view()`.
    pub open_dialler: Option<String>,
    pub in_call: bool,
    /// "3:07": the call so far (or its length once ended).
    pub timer: Option<String>,
    pub duration_s: Option<u32>,
    pub script_title: String,
    pub intro: String,
    pub language: String,
    pub question: Option<Prompt>,
    pub answered: Vec<(String, String)>,
    pub notes: String,
    pub codes: Vec<CodeButton>,
    pub call_back_choices: Vec<TimeChoice>,
    pub call_back_at_ms: Option<i64>,
    pub can_save_conversation: bool,
    pub saved: Option<String>,
    pub can_undo: bool,
    pub correcting: bool,
    pub message: Option<String>,
}

/// The call screen for one call-list assignment.
#[derive(Debug, Clone)]
pub struct CallScreen {
    ui: Ui,
    assignment_id: String,
    list_id: String,
    list_name: String,
    /// The contact on screen, as the queue had them when they came up.
    contact: Option<CallQueueRow>,
    closes_at_ms: i64,
    wait_until_ms: Option<i64>,
    skipped: HashSet<String>,
    talk: Conversation,
    started_ms: Option<i64>,
    ended_ms: Option<i64>,
    dialled: Option<String>,
    call_back_at_ms: Option<i64>,
    saves: Saves,
    message: Option<String>,
}

fn instant(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

fn clock(seconds: i64) -> String {
    let s = seconds.max(0);
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

impl CallScreen {
    /// Opens the call screen of a call-list assignment on its first
    /// contact, in English.
    pub fn open(store: &DeviceStore, assignment_id: &str, now_ms: i64) -> Result<Self, StoreError> {
        Self::open_in(store, assignment_id, now_ms, Ui::En)
    }

    /// Opens the call screen with its words in `ui`.
    pub fn open_in(
        store: &DeviceStore,
        assignment_id: &str,
        now_ms: i64,
        ui: Ui,
    ) -> Result<Self, StoreError> {
        let a = store.assignment(assignment_id)?;
        if a.assignment.kind != AssignmentKind::CallList {
            return Err(StoreError::InvalidAttempt(format!(
                "{assignment_id} is a turf; open a door instead"
            )));
        }
        let list_name = store.call_list_name(&a.assignment.unit_id)?;
        let mut screen = CallScreen {
            ui,
            assignment_id: assignment_id.to_string(),
            list_id: a.assignment.unit_id,
            list_name,
            contact: None,
            closes_at_ms: 0,
            wait_until_ms: None,
            skipped: HashSet::new(),
            talk: Conversation::new(ui),
            started_ms: None,
            ended_ms: None,
            dialled: None,
            call_back_at_ms: None,
            saves: Saves::new(ui),
            message: None,
        };
        screen.advance(store, now_ms)?;
        Ok(screen)
    }

    fn hours(store: &DeviceStore) -> Result<CallingHours, StoreError> {
        Ok(store
            .campaign()?
            .map(|c| c.calling_hours)
            .unwrap_or_default())
    }

    fn script(&self, store: &DeviceStore) -> Result<Script, StoreError> {
        store.script_for(&self.assignment_id, &self.talk.language)
    }

    /// The contact on screen with their status now (a result just saved
    /// may have taken them off the queue; they stay on screen until Next).
    fn row(&self, store: &DeviceStore) -> Result<Option<CallQueueRow>, StoreError> {
        let Some(shown) = &self.contact else {
            return Ok(None);
        };
        if let Some(row) = store
            .call_queue(&self.list_id)?
            .into_iter()
            .find(|r| r.person.id == shown.person.id)
        {
            return Ok(Some(row));
        }
        let mut row = shown.clone();
        let statuses = store.status_map::<StatusSummary>(
            "person_status",
            "person_id",
            &format!("calls:{}", self.list_id),
        )?;
        if let Some(status) = statuses.get(&row.person.id) {
            row.status = status.clone();
        }
        Ok(Some(row))
    }

    /// Moves to the next contact not skipped here.
    fn advance(&mut self, store: &DeviceStore, now_ms: i64) -> Result<(), StoreError> {
        let rows: Vec<CallQueueRow> = store
            .call_queue(&self.list_id)?
            .into_iter()
            .filter(|r| !self.skipped.contains(&r.person.id))
            .collect();
        self.contact = None;
        self.wait_until_ms = None;
        match next_call(&rows, instant(now_ms), Self::hours(store)?) {
            NextCall::Dial { index, closes_at } => {
                let person = &rows[index].person;
                self.contact = Some(rows[index].clone());
                self.closes_at_ms = closes_at.timestamp_millis();
                let base = store.script_for(&self.assignment_id, "en")?;
                self.talk.language = if base.translations.contains_key(&person.language) {
                    person.language.clone()
                } else {
                    "en".into()
                };
            }
            NextCall::WaitUntil { at } => self.wait_until_ms = Some(at.timestamp_millis()),
            NextCall::Done => {}
        }
        let script = self.script(store)?;
        self.talk.clear();
        if self.contact.is_some() {
            self.talk.restart(&script);
        }
        self.started_ms = None;
        self.ended_ms = None;
        self.dialled = None;
        self.call_back_at_ms = None;
        self.saves.forget();
        Ok(())
    }

    /// Applies one event and returns what to show. A refused event leaves
    /// the state as it was and says why in `message`; a save is on disk
    /// when this returns; only storage failures are errors.
    pub fn send(
        &mut self,
        store: &mut DeviceStore,
        event: CallEvent,
    ) -> Result<CallView, StoreError> {
        self.message = None;
        self.dialled = None;
        let now_ms = match &event {
            CallEvent::Next { now_ms }
            | CallEvent::Dial { now_ms }
            | CallEvent::HangUp { now_ms }
            | CallEvent::Record { now_ms, .. }
            | CallEvent::SaveConversation { now_ms }
            | CallEvent::Skip { now_ms } => Some(*now_ms),
            _ => None,
        };
        if let Err(message) = self.apply(store, event) {
            self.message = Some(message);
        }
        let mut view = self.view(
            store,
            now_ms.unwrap_or_else(|| Utc::now().timestamp_millis()),
        )?;
        view.open_dialler = self.dialled.take();
        Ok(view)
    }

    fn on_screen(&self) -> Result<String, String> {
        self.contact
            .as_ref()
            .map(|r| r.person.id.clone())
            .ok_or_else(|| self.ui.nobody_to_call())
    }

    /// The call's length in seconds, if it was dialled (ending it at `now`).
    fn duration(&mut self, now_ms: i64) -> Option<u32> {
        let start = self.started_ms?;
        let end = *self.ended_ms.get_or_insert(now_ms.max(start));
        Some(((end - start) / 1000).clamp(0, u32::MAX as i64) as u32)
    }

    fn apply(&mut self, store: &mut DeviceStore, event: CallEvent) -> Result<(), String> {
        let script = self.script(store).map_err(|e| e.to_string())?;
        let in_call = self.started_ms.is_some() && self.ended_ms.is_none();
        match event {
            CallEvent::Next { now_ms } | CallEvent::Skip { now_ms } => {
                if in_call {
                    return Err(self.ui.hang_up_first());
                }
                let skip = matches!(event, CallEvent::Skip { .. });
                if skip && let Some(row) = &self.contact {
                    self.skipped.insert(row.person.id.clone());
                }
                self.advance(store, now_ms).map_err(|e| e.to_string())?;
            }
            CallEvent::ReadCallerIdNotice => store
                .set_meta(CALLER_ID_READ, "1")
                .map_err(|e| e.to_string())?,
            CallEvent::Dial { now_ms } => {
                let person = self.on_screen()?;
                if !Self::notice_read(store) {
                    return Err(self.ui.read_caller_id_first());
                }
                if in_call {
                    return Err(self.ui.on_a_call());
                }
                let phone = store
                    .number_to_dial(&self.list_id, &person, instant(now_ms))
                    .map_err(|e| e.to_string())?;
                self.dialled = Some(format!("tel:{}", phone.number));
                self.started_ms = Some(now_ms);
                self.ended_ms = None;
                self.saves.touch();
            }
            CallEvent::HangUp { now_ms } => {
                if !in_call {
                    return Err(self.ui.no_call());
                }
                self.duration(now_ms);
            }
            CallEvent::Answer {
                question_id,
                option_id,
            } => {
                self.on_screen()?;
                self.talk.answer(&script, &question_id, &option_id)?;
                self.saves.touch();
            }
            CallEvent::Text { question_id, text } => {
                self.on_screen()?;
                self.talk.text(&script, &question_id, text)?;
                self.saves.touch();
            }
            CallEvent::Notes { text } => {
                self.talk.notes = text;
                self.saves.touch();
            }
            CallEvent::Language { language } => self.talk.language = language,
            CallEvent::CallBackAt { at_ms } => {
                self.call_back_at_ms = Some(at_ms);
                self.saves.touch();
            }
            CallEvent::Record { code, now_ms } => {
                let person = self.on_screen()?;
                let key = format!("{code}|{person}");
                if self.saves.repeated(&key) {
                    return Ok(());
                }
                let codes = store
                    .result_codes(&self.assignment_id)
                    .map_err(|e| e.to_string())?;
                let rc = codes
                    .iter()
                    .find(|c| c.id == code)
                    .ok_or_else(|| self.ui.not_on_list(&code))?;
                let callback = if rc.effect == ResultEffect::ComeBack {
                    let at = self
                        .call_back_at_ms
                        .ok_or_else(|| self.ui.choose_call_back())?;
                    if at <= now_ms {
                        return Err(self.ui.call_back_later());
                    }
                    Some(at)
                } else {
                    None
                };
                let attempt = NewAttempt {
                    person_id: Some(person),
                    result: Some(code.clone()),
                    callback_at_ms: callback,
                    answers: self.talk.answers.clone(),
                    notes: self.talk.notes.clone(),
                    at_ms: Some(now_ms),
                    duration_s: self.duration(now_ms),
                    ..Default::default()
                };
                self.save(store, attempt, rc.label.clone(), key)?;
            }
            CallEvent::SaveConversation { now_ms } => {
                let person = self.on_screen()?;
                let key = format!("conversation|{person}");
                if self.saves.repeated(&key) {
                    return Ok(());
                }
                if self.talk.answers.is_empty() {
                    return Err(self.ui.answer_or_record_call());
                }
                let attempt = NewAttempt {
                    person_id: Some(person),
                    answers: self.talk.answers.clone(),
                    notes: self.talk.notes.clone(),
                    at_ms: Some(now_ms),
                    duration_s: self.duration(now_ms),
                    ..Default::default()
                };
                self.save(store, attempt, self.ui.conversation(), key)?;
            }
            CallEvent::Undo => self.saves.undo()?,
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
        self.saves
            .save(store, &self.assignment_id, attempt, what, key)?;
        self.talk.clear();
        self.call_back_at_ms = None;
        Ok(())
    }

    fn notice_read(store: &DeviceStore) -> bool {
        matches!(store.meta(CALLER_ID_READ), Ok(Some(_)))
    }

    /// Call-back times offered as buttons: in an hour, in three hours,
    /// tomorrow when calling opens; each moved into the contact's calling
    /// hours, each once.
    fn call_back_choices(&self, now_ms: i64, tz: Tz, hours: CallingHours) -> Vec<TimeChoice> {
        let now = instant(now_ms);
        let tomorrow = tz
            .from_utc_datetime(&now.naive_utc())
            .date_naive()
            .succ_opt()
            .and_then(|d| d.and_time(hours.start).and_local_timezone(tz).earliest())
            .map(|t| t.with_timezone(&Utc));
        let candidates = [
            (Some(1), Some(now + Duration::hours(1))),
            (Some(3), Some(now + Duration::hours(3))),
            (None, tomorrow),
        ];
        let mut out: Vec<TimeChoice> = Vec::new();
        for (in_hours, at) in candidates {
            let Some(at) = at else { continue };
            let (at, moved) = match call_window(at, tz, hours) {
                CallWindow::Open { .. } => (at, false),
                CallWindow::Closed { opens_at } => (opens_at, true),
            };
            if out.iter().any(|c| c.at_ms == at.timestamp_millis()) {
                continue;
            }
            out.push(TimeChoice {
                label: self
                    .ui
                    .call_back_choice(in_hours, moved, &self.ui.local_time(at, tz)),
                at_ms: at.timestamp_millis(),
            });
        }
        out
    }

    /// What the screen shows at `now_ms`.
    pub fn view(&self, store: &DeviceStore, now_ms: i64) -> Result<CallView, StoreError> {
        let script = self.script(store)?;
        let hours = Self::hours(store)?;
        let campaign_tz: Tz = store
            .campaign()?
            .and_then(|c| c.time_zone.parse().ok())
            .unwrap_or(chrono_tz::UTC);
        let row = self.row(store)?;
        let in_call = self.started_ms.is_some() && self.ended_ms.is_none();
        let elapsed = self
            .started_ms
            .map(|s| (self.ended_ms.unwrap_or(now_ms) - s) / 1000);
        let notice_read = Self::notice_read(store);
        let codes = store
            .result_codes(&self.assignment_id)?
            .into_iter()
            .map(|c| CodeButton {
                needs_time: c.effect == ResultEffect::ComeBack,
                id: c.id,
                label: c.label,
            })
            .collect();
        Ok(CallView {
            list_name: self.list_name.clone(),
            contact: row.as_ref().map(|r| CallContact {
                person_id: r.person.id.clone(),
                name: r.person.full_name(),
                language: r.person.language.clone(),
                local_time: self.ui.local_time(instant(now_ms), r.time_zone),
                closes_at_ms: self.closes_at_ms,
                status: r.status.status.kind().to_string(),
                status_label: self.ui.status(&r.status.status, campaign_tz),
            }),
            wait_until_ms: self.wait_until_ms,
            wait_text: self.wait_until_ms.map(|at| {
                self.ui
                    .wait_until(&self.ui.local_time(instant(at), campaign_tz))
            }),
            finished: self.contact.is_none() && self.wait_until_ms.is_none(),
            caller_id_notice: (!notice_read).then(|| self.ui.caller_id_notice()),
            can_dial: notice_read && row.is_some() && !in_call,
            open_dialler: None,
            in_call,
            timer: elapsed.map(clock),
            duration_s: self
                .ended_ms
                .zip(self.started_ms)
                .map(|(e, s)| ((e - s) / 1000) as u32),
            script_title: script.title.clone(),
            intro: script.intro.clone(),
            language: self.talk.language.clone(),
            question: self.talk.prompt(&script),
            answered: self.talk.answered(&script),
            notes: self.talk.notes.clone(),
            codes,
            call_back_choices: row
                .as_ref()
                .map(|r| self.call_back_choices(now_ms, r.time_zone, hours))
                .unwrap_or_default(),
            call_back_at_ms: self.call_back_at_ms,
            can_save_conversation: row.is_some() && !self.talk.answers.is_empty(),
            saved: self.saves.saved_text(),
            can_undo: self.saves.can_undo(),
            correcting: self.saves.correcting(),
            message: self.message.clone(),
        })
    }
}
