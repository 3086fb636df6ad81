//! The screens' view models (`walkbook_core::screens`) for the shells:
//! events in, a plain view out. The shells render the view and forward
//! taps; every decision is in Rust and tested there and through Kotlin.

use std::sync::{Arc, Mutex};

use walkbook_core::screens::{self, CallEvent, DoorEvent};

use crate::error::guard;
use crate::{Walkbook, WalkbookError, lock, now_or};

/// A tap or an entry on the door screen.
#[derive(Debug, Clone, uniffi::Enum)]
pub enum DoorInput {
    ChoosePerson {
        person_id: String,
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
    ComeBackAt {
        at_ms: i64,
    },
    Record {
        code: String,
        whole_door: bool,
    },
    SaveConversation,
    /// Next door: move on, recording nothing more here.
    Skip,
    /// Change the last save: the next save corrects it.
    Undo,
    /// The phone's latest location fix, when the volunteer allowed it.
    /// Saves carry the latest fix; a save never waits for one.
    Location {
        lat: f64,
        lon: f64,
        accuracy_m: f64,
    },
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct DoorPersonView {
    pub id: String,
    pub name: String,
    pub language: String,
    /// `not_attempted`, `contacted`, `not_home`, `refused`, …
    pub status: String,
    /// The status in the volunteer's words (show beside an icon, never
    /// colour alone).
    pub status_label: String,
    pub chosen: bool,
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct CodeButtonView {
    pub id: String,
    pub label: String,
    pub needs_time: bool,
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct PromptOptionView {
    pub id: String,
    pub label: String,
    pub chosen: bool,
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct PromptView {
    pub id: String,
    pub text: String,
    pub free_text: bool,
    pub options: Vec<PromptOptionView>,
    pub typed: String,
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct AnsweredView {
    pub question: String,
    pub answer: String,
}

/// Everything the door screen shows and allows.
#[derive(Debug, Clone, uniffi::Record)]
pub struct DoorScreenView {
    pub address: String,
    pub people: Vec<DoorPersonView>,
    pub door_codes: Vec<CodeButtonView>,
    pub person_codes: Vec<CodeButtonView>,
    pub person_chosen: bool,
    pub script_title: String,
    pub intro: String,
    pub language: String,
    pub question: Option<PromptView>,
    pub answered: Vec<AnsweredView>,
    pub notes: String,
    pub come_back_at_ms: Option<i64>,
    /// Times offered for "come back"; `ComeBackAt` takes any other too.
    pub come_back_choices: Vec<TimeChoiceView>,
    pub can_save_conversation: bool,
    pub saved: Option<String>,
    pub can_undo: bool,
    pub correcting: bool,
    pub message: Option<String>,
    pub done: bool,
}

impl From<screens::DoorView> for DoorScreenView {
    fn from(v: screens::DoorView) -> Self {
        DoorScreenView {
            address: v.address,
            people: v
                .people
                .into_iter()
                .map(|p| DoorPersonView {
                    id: p.id,
                    name: p.name,
                    language: p.language,
                    status: p.status,
                    status_label: p.status_label,
                    chosen: p.chosen,
                })
                .collect(),
            door_codes: v.door_codes.into_iter().map(button).collect(),
            person_codes: v.person_codes.into_iter().map(button).collect(),
            person_chosen: v.person_chosen,
            script_title: v.script_title,
            intro: v.intro,
            language: v.language,
            question: v.question.map(prompt),
            answered: answered(v.answered),
            notes: v.notes,
            come_back_at_ms: v.come_back_at_ms,
            come_back_choices: v.come_back_choices.into_iter().map(time_choice).collect(),
            can_save_conversation: v.can_save_conversation,
            saved: v.saved,
            can_undo: v.can_undo,
            correcting: v.correcting,
            message: v.message,
            done: v.done,
        }
    }
}

impl From<DoorInput> for DoorEvent {
    fn from(e: DoorInput) -> Self {
        match e {
            DoorInput::ChoosePerson { person_id } => DoorEvent::ChoosePerson { person_id },
            DoorInput::Answer {
                question_id,
                option_id,
            } => DoorEvent::Answer {
                question_id,
                option_id,
            },
            DoorInput::Text { question_id, text } => DoorEvent::Text { question_id, text },
            DoorInput::Notes { text } => DoorEvent::Notes { text },
            DoorInput::Language { language } => DoorEvent::Language { language },
            DoorInput::ComeBackAt { at_ms } => DoorEvent::ComeBackAt { at_ms },
            DoorInput::Record { code, whole_door } => DoorEvent::Record { code, whole_door },
            DoorInput::SaveConversation => DoorEvent::SaveConversation,
            DoorInput::Skip => DoorEvent::Skip,
            DoorInput::Undo => DoorEvent::Undo,
            DoorInput::Location {
                lat,
                lon,
                accuracy_m,
            } => DoorEvent::Location {
                lat,
                lon,
                accuracy_m,
            },
        }
    }
}

/// One door's screen: send it the volunteer's taps, render what it returns.
#[derive(uniffi::Object)]
pub struct DoorScreen {
    book: Arc<Walkbook>,
    /// The turf the door is on, for the listener.
    unit_id: String,
    screen: Mutex<screens::DoorScreen>,
}

impl DoorScreen {
    pub(crate) fn open(
        book: Arc<Walkbook>,
        assignment_id: &str,
        household_id: &str,
    ) -> Result<Arc<Self>, WalkbookError> {
        let (screen, unit_id) = {
            let store = book.store();
            let screen =
                screens::DoorScreen::open_in(&store, assignment_id, household_id, book.ui())?;
            (screen, store.assignment(assignment_id)?.assignment.unit_id)
        };
        Ok(Arc::new(DoorScreen {
            book,
            unit_id,
            screen: Mutex::new(screen),
        }))
    }
}

#[uniffi::export]
impl DoorScreen {
    /// What the screen shows now.
    pub fn view(&self) -> Result<DoorScreenView, WalkbookError> {
        guard(|| Ok(lock(&self.screen).view(&self.book.store())?.into()))
    }

    /// Applies a tap and returns what to show. A refused tap says why in
    /// `message` and changes nothing; a save is on disk when this returns.
    pub fn send(&self, input: DoorInput) -> Result<DoorScreenView, WalkbookError> {
        let (view, saved) = guard(|| {
            let mut store = self.book.store();
            let before = store.pending_upload_count()?;
            let view = lock(&self.screen).send(&mut store, input.into())?;
            let saved = store.pending_upload_count()? != before;
            Ok((view, saved))
        })?;
        // Outside every lock: the badge and lists refresh after each save.
        if saved && let Some(l) = self.book.listener() {
            l.on_results_changed(self.unit_id.clone());
        }
        Ok(view.into())
    }
}

/// How the sync badge looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum BadgeTone {
    Good,
    Waiting,
    Working,
    Problem,
}

/// The sync badge: words first, a tone beside them.
#[derive(Debug, Clone, uniffi::Record)]
pub struct BadgeView {
    pub text: String,
    pub tone: BadgeTone,
    /// For TalkBack and VoiceOver.
    pub description: String,
}

/// The badge for `pending` results not on the server and the latest sync
/// state the listener reported (an error clears when a later sync
/// succeeds), worded in `language` (a language tag: `es-US`, `en`).
#[uniffi::export]
pub fn badge_for(pending: u64, state: Option<crate::SyncState>, language: String) -> BadgeView {
    let (running, error) = state
        .as_ref()
        .map(|s| (s.running, s.last_error.as_deref()))
        .unwrap_or((false, None));
    let b = screens::sync_badge_in(pending, running, error, screens::Ui::from_tag(&language));
    BadgeView {
        text: b.text,
        tone: match b.tone {
            screens::Tone::Good => BadgeTone::Good,
            screens::Tone::Waiting => BadgeTone::Waiting,
            screens::Tone::Working => BadgeTone::Working,
            screens::Tone::Problem => BadgeTone::Problem,
        },
        description: b.description,
    }
}

/// A tap or an entry on the call screen. `now_ms` is the phone's clock
/// (None: now); tests pass a fixed one.
#[derive(Debug, Clone, uniffi::Enum)]
pub enum CallInput {
    /// The next contact.
    Next {
        now_ms: Option<i64>,
    },
    /// The volunteer read the caller-ID notice (asked once per phone).
    ReadCallerIdNotice,
    /// Tapped Call: the returned view's `open_dialler` is the `tel:` URI to
    /// open, once; the timer starts.
    Dial {
        now_ms: Option<i64>,
    },
    HangUp {
        now_ms: Option<i64>,
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
    CallBackAt {
        at_ms: i64,
    },
    Record {
        code: String,
        now_ms: Option<i64>,
    },
    SaveConversation {
        now_ms: Option<i64>,
    },
    /// Next contact without a result; this one is not offered again here.
    Skip {
        now_ms: Option<i64>,
    },
    Undo,
}

impl From<CallInput> for CallEvent {
    fn from(e: CallInput) -> Self {
        match e {
            CallInput::Next { now_ms } => CallEvent::Next {
                now_ms: now_or(now_ms),
            },
            CallInput::ReadCallerIdNotice => CallEvent::ReadCallerIdNotice,
            CallInput::Dial { now_ms } => CallEvent::Dial {
                now_ms: now_or(now_ms),
            },
            CallInput::HangUp { now_ms } => CallEvent::HangUp {
                now_ms: now_or(now_ms),
            },
            CallInput::Answer {
                question_id,
                option_id,
            } => CallEvent::Answer {
                question_id,
                option_id,
            },
            CallInput::Text { question_id, text } => CallEvent::Text { question_id, text },
            CallInput::Notes { text } => CallEvent::Notes { text },
            CallInput::Language { language } => CallEvent::Language { language },
            CallInput::CallBackAt { at_ms } => CallEvent::CallBackAt { at_ms },
            CallInput::Record { code, now_ms } => CallEvent::Record {
                code,
                now_ms: now_or(now_ms),
            },
            CallInput::SaveConversation { now_ms } => CallEvent::SaveConversation {
                now_ms: now_or(now_ms),
            },
            CallInput::Skip { now_ms } => CallEvent::Skip {
                now_ms: now_or(now_ms),
            },
            CallInput::Undo => CallEvent::Undo,
        }
    }
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct CallContactView {
    pub person_id: String,
    pub name: String,
    pub language: String,
    /// Their local time, e.g. "Thu 10:30 EST".
    pub local_time: String,
    pub closes_at_ms: i64,
    pub status: String,
    /// The status in the volunteer's words.
    pub status_label: String,
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct TimeChoiceView {
    pub label: String,
    pub at_ms: i64,
}

/// Everything the call screen shows and allows.
#[derive(Debug, Clone, uniffi::Record)]
pub struct CallScreenView {
    pub list_name: String,
    pub contact: Option<CallContactView>,
    pub wait_until_ms: Option<i64>,
    pub wait_text: Option<String>,
    pub finished: bool,
    pub caller_id_notice: Option<String>,
    pub can_dial: bool,
    pub open_dialler: Option<String>,
    pub in_call: bool,
    pub timer: Option<String>,
    pub duration_s: Option<u32>,
    pub script_title: String,
    pub intro: String,
    pub language: String,
    pub question: Option<PromptView>,
    pub answered: Vec<AnsweredView>,
    pub notes: String,
    pub codes: Vec<CodeButtonView>,
    pub call_back_choices: Vec<TimeChoiceView>,
    pub call_back_at_ms: Option<i64>,
    pub can_save_conversation: bool,
    pub saved: Option<String>,
    pub can_undo: bool,
    pub correcting: bool,
    pub message: Option<String>,
}

fn prompt(q: screens::Prompt) -> PromptView {
    PromptView {
        id: q.id,
        text: q.text,
        free_text: q.free_text,
        options: q
            .options
            .into_iter()
            .map(|o| PromptOptionView {
                id: o.id,
                label: o.label,
                chosen: o.chosen,
            })
            .collect(),
        typed: q.typed,
    }
}

fn time_choice(c: screens::TimeChoice) -> TimeChoiceView {
    TimeChoiceView {
        label: c.label,
        at_ms: c.at_ms,
    }
}

fn button(c: screens::CodeButton) -> CodeButtonView {
    CodeButtonView {
        id: c.id,
        label: c.label,
        needs_time: c.needs_time,
    }
}

fn answered(a: Vec<(String, String)>) -> Vec<AnsweredView> {
    a.into_iter()
        .map(|(question, answer)| AnsweredView { question, answer })
        .collect()
}

impl From<screens::CallView> for CallScreenView {
    fn from(v: screens::CallView) -> Self {
        CallScreenView {
            list_name: v.list_name,
            contact: v.contact.map(|c| CallContactView {
                person_id: c.person_id,
                name: c.name,
                language: c.language,
                local_time: c.local_time,
                closes_at_ms: c.closes_at_ms,
                status: c.status,
                status_label: c.status_label,
            }),
            wait_until_ms: v.wait_until_ms,
            wait_text: v.wait_text,
            finished: v.finished,
            caller_id_notice: v.caller_id_notice,
            can_dial: v.can_dial,
            open_dialler: v.open_dialler,
            in_call: v.in_call,
            timer: v.timer,
            duration_s: v.duration_s,
            script_title: v.script_title,
            intro: v.intro,
            language: v.language,
            question: v.question.map(prompt),
            answered: answered(v.answered),
            notes: v.notes,
            codes: v.codes.into_iter().map(button).collect(),
            call_back_choices: v.call_back_choices.into_iter().map(time_choice).collect(),
            call_back_at_ms: v.call_back_at_ms,
            can_save_conversation: v.can_save_conversation,
            saved: v.saved,
            can_undo: v.can_undo,
            correcting: v.correcting,
            message: v.message,
        }
    }
}

/// The call screen of one call-list assignment: send it the volunteer's
/// taps, render what it returns.
#[derive(uniffi::Object)]
pub struct CallScreen {
    book: Arc<Walkbook>,
    list_id: String,
    screen: Mutex<screens::CallScreen>,
}

impl CallScreen {
    pub(crate) fn open(
        book: Arc<Walkbook>,
        assignment_id: &str,
        now_ms: Option<i64>,
    ) -> Result<Arc<Self>, WalkbookError> {
        let (screen, list_id) = {
            let store = book.store();
            let screen =
                screens::CallScreen::open_in(&store, assignment_id, now_or(now_ms), book.ui())?;
            (screen, store.assignment(assignment_id)?.assignment.unit_id)
        };
        Ok(Arc::new(CallScreen {
            book,
            list_id,
            screen: Mutex::new(screen),
        }))
    }
}

#[uniffi::export]
impl CallScreen {
    /// What the screen shows at `now_ms` (None: now); call it every second
    /// during a call for the timer.
    pub fn view(&self, now_ms: Option<i64>) -> Result<CallScreenView, WalkbookError> {
        guard(|| {
            Ok(lock(&self.screen)
                .view(&self.book.store(), now_or(now_ms))?
                .into())
        })
    }

    /// Applies a tap and returns what to show. A refused tap says why in
    /// `message` and changes nothing; a save is on disk when this returns.
    pub fn send(&self, input: CallInput) -> Result<CallScreenView, WalkbookError> {
        let (view, saved) = guard(|| {
            let mut store = self.book.store();
            let before = store.pending_upload_count()?;
            let view = lock(&self.screen).send(&mut store, input.into())?;
            let saved = store.pending_upload_count()? != before;
            Ok((view, saved))
        })?;
        if saved && let Some(l) = self.book.listener() {
            l.on_results_changed(self.list_id.clone());
        }
        Ok(view.into())
    }
}

/// One row of the turf screen's walk list.
#[derive(Debug, Clone, uniffi::Record)]
pub struct TurfDoorView {
    pub household_id: String,
    pub address: String,
    /// The status of what is left to do here, in words.
    pub status: String,
    /// An icon name: circle, door, clock, check, cross, block, warning.
    pub icon: String,
    /// neutral, retry, done, stop or problem (the shell picks colours).
    pub tone: String,
    pub people: u32,
    pub knocks: u32,
    pub finished: bool,
    pub waiting: bool,
    /// For TalkBack and VoiceOver.
    pub description: String,
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct MapPointView {
    pub household_id: String,
    pub lat: f64,
    pub lon: f64,
}

/// Everything the turf screen shows.
#[derive(Debug, Clone, uniffi::Record)]
pub struct TurfScreenView {
    pub doors: Vec<TurfDoorView>,
    pub progress: String,
    /// The door "Next door" opens; none when the turf is done for now.
    pub next_door: Option<String>,
    pub map_points: Vec<MapPointView>,
    pub doors_without_coordinates: u32,
}

impl From<screens::TurfView> for TurfScreenView {
    fn from(v: screens::TurfView) -> Self {
        TurfScreenView {
            doors: v
                .doors
                .into_iter()
                .map(|d| TurfDoorView {
                    household_id: d.household_id,
                    address: d.address,
                    status: d.style.label,
                    icon: d.style.icon.into(),
                    tone: d.style.tone.into(),
                    people: d.people,
                    knocks: d.knocks,
                    finished: d.finished,
                    waiting: d.waiting,
                    description: d.description,
                })
                .collect(),
            progress: v.progress,
            next_door: v.next_door,
            map_points: v
                .map_points
                .into_iter()
                .map(|(household_id, lat, lon)| MapPointView {
                    household_id,
                    lat,
                    lon,
                })
                .collect(),
            doors_without_coordinates: v.doors_without_coordinates,
        }
    }
}

/// What the join screen shows for a scanned, deep-linked or typed link.
#[derive(Debug, Clone, uniffi::Record)]
pub struct JoinScreenView {
    pub server_url: Option<String>,
    pub server_host: Option<String>,
    pub invite_code: Option<String>,
    pub can_join: bool,
    pub problem: Option<String>,
}

/// The join screen for `text` (a QR code's contents, a deep link, or what
/// the volunteer pasted): where it joins, whether Join is allowed, and what
/// is wrong in words (in `language`, a language tag). Plain http:// is
/// refused except to this phone itself.
#[uniffi::export]
pub fn join_screen(text: String, language: String) -> JoinScreenView {
    let v = screens::join_view_in(&text, screens::Ui::from_tag(&language));
    JoinScreenView {
        server_url: v.server_url,
        server_host: v.server_host,
        invite_code: v.invite_code,
        can_join: v.can_join,
        problem: v.problem,
    }
}
