//! The screens' view models (`walkbook_core::screens`) for the shells:
//! events in, a plain view out. The shells render the view and forward
//! taps; every decision is in Rust and tested there and through Kotlin.

use std::sync::{Arc, Mutex};

use walkbook_core::screens::{self, DoorEvent};

use crate::error::guard;
use crate::{Walkbook, WalkbookError, lock};

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
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct DoorPersonView {
    pub id: String,
    pub name: String,
    pub language: String,
    /// `not_attempted`, `contacted`, `not_home`, `refused`, … (show as text
    /// beside an icon, never colour alone).
    pub status: String,
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
    pub can_save_conversation: bool,
    pub saved: Option<String>,
    pub can_undo: bool,
    pub correcting: bool,
    pub message: Option<String>,
    pub done: bool,
}

impl From<screens::DoorView> for DoorScreenView {
    fn from(v: screens::DoorView) -> Self {
        let button = |c: screens::CodeButton| CodeButtonView {
            id: c.id,
            label: c.label,
            needs_time: c.needs_time,
        };
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
                    chosen: p.chosen,
                })
                .collect(),
            door_codes: v.door_codes.into_iter().map(button).collect(),
            person_codes: v.person_codes.into_iter().map(button).collect(),
            person_chosen: v.person_chosen,
            script_title: v.script_title,
            intro: v.intro,
            language: v.language,
            question: v.question.map(|q| PromptView {
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
            }),
            answered: v
                .answered
                .into_iter()
                .map(|(question, answer)| AnsweredView { question, answer })
                .collect(),
            notes: v.notes,
            come_back_at_ms: v.come_back_at_ms,
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
            let screen = screens::DoorScreen::open(&store, assignment_id, household_id)?;
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
/// state the listener reported (an error clears when a later sync succeeds).
#[uniffi::export]
pub fn badge_for(pending: u64, state: Option<crate::SyncState>) -> BadgeView {
    let (running, error) = state
        .as_ref()
        .map(|s| (s.running, s.last_error.as_deref()))
        .unwrap_or((false, None));
    let b = screens::sync_badge(pending, running, error);
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
