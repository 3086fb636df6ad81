use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScriptKind {
    Canvass,
    Phone,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    /// Pick one of `options` (support ID 1..5, yes/no/maybe).
    Choice,
    /// Free text (a note for the organizer).
    Text,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerOption {
    pub id: String,
    pub label: String,
}

/// "If the answer is `when_answer`, go to question `go_to`" (otherwise the next question).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Branch {
    pub when_answer: String,
    pub go_to: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    pub id: String,
    pub prompt: String,
    pub kind: QuestionKind,
    #[serde(default)]
    pub options: Vec<AnswerOption>,
    #[serde(default)]
    pub branches: Vec<Branch>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuestionTranslation {
    pub prompt: String,
    /// Option id -> translated label.
    #[serde(default)]
    pub options: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScriptTranslation {
    #[serde(default)]
    pub intro: Option<String>,
    /// Question id -> translation.
    #[serde(default)]
    pub questions: BTreeMap<String, QuestionTranslation>,
}

/// A canvass or phone script. Results record the `id` and `version` used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Script {
    pub id: String,
    pub version: u32,
    pub kind: ScriptKind,
    pub title: String,
    /// What the volunteer says first.
    #[serde(default)]
    pub intro: String,
    pub questions: Vec<Question>,
    /// Language tag -> translation.
    #[serde(default)]
    pub translations: BTreeMap<String, ScriptTranslation>,
}

impl Script {
    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.id == id)
    }

    /// The question to ask after `question_id` was answered with `answer`:
    /// the branch target when a branch matches, else the next question in order.
    pub fn next_question(&self, question_id: &str, answer: &str) -> Option<&Question> {
        let idx = self.questions.iter().position(|q| q.id == question_id)?;
        let q = &self.questions[idx];
        if let Some(b) = q.branches.iter().find(|b| b.when_answer == answer) {
            return self.question(&b.go_to);
        }
        self.questions.get(idx + 1)
    }

    /// The script with prompts and labels replaced by the `language`
    /// translation where one exists; untranslated parts stay as authored.
    pub fn localized(&self, language: &str) -> Script {
        let mut out = self.clone();
        let Some(t) = self.translations.get(language) else {
            return out;
        };
        if let Some(intro) = &t.intro {
            out.intro = intro.clone();
        }
        for q in &mut out.questions {
            if let Some(qt) = t.questions.get(&q.id) {
                q.prompt = qt.prompt.clone();
                for o in &mut q.options {
                    if let Some(label) = qt.options.get(&o.id) {
                        o.label = label.clone();
                    }
                }
            }
        }
        out
    }
}
