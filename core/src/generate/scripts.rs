//! The canvass and phone scripts, in English with a Spanish translation.

use std::collections::BTreeMap;

use crate::model::{
    AnswerOption, Branch, Question, QuestionKind, QuestionTranslation, Script, ScriptKind,
    ScriptTranslation,
};

pub const CANVASS_SCRIPT_ID: &str = "door-canvass";
pub const PHONE_SCRIPT_ID: &str = "phone-bank";

/// One question in both languages: (id, English, Spanish) for the prompt and
/// each option, plus branches as (answer, go to).
struct Bilingual {
    id: &'static str,
    prompt: (String, String),
    options: &'static [(&'static str, &'static str, &'static str)],
    branches: &'static [(&'static str, &'static str)],
}

const SUPPORT_OPTIONS: &[(&str, &str, &str)] = &[
    ("1", "Strong support", "Apoyo firme"),
    ("2", "Lean support", "Se inclina a apoyar"),
    ("3", "Undecided", "Indeciso"),
    ("4", "Lean oppose", "Se inclina a oponerse"),
    ("5", "Strong oppose", "Se opone firmemente"),
];
const VOTE_PLAN_OPTIONS: &[(&str, &str, &str)] = &[
    ("mail", "By mail", "Por correo"),
    (
        "early",
        "Early, in person",
        "En persona, antes del día de las elecciones",
    ),
    (
        "election_day",
        "On Election Day",
        "El día de las elecciones",
    ),
    ("already_voted", "Already voted", "Ya votó"),
    ("not_sure", "Not sure yet", "Todavía no sabe"),
];
const YES_NO_MAYBE: &[(&str, &str, &str)] = &[
    ("yes", "Yes", "Sí"),
    ("no", "No", "No"),
    ("maybe", "Maybe", "Tal vez"),
];
const YES_NO: &[(&str, &str, &str)] = &[("yes", "Yes", "Sí"), ("no", "No", "No")];
const VOLUNTEER_WHEN_OPTIONS: &[(&str, &str, &str)] = &[
    (
        "weekday_evenings",
        "Weekday evenings",
        "Entre semana por la tarde",
    ),
    ("weekends", "Weekends", "Fines de semana"),
    ("either", "Either", "Cualquiera de los dos"),
];

fn support(candidate: &str) -> Bilingual {
    Bilingual {
        id: "support",
        prompt: (
            format!("If the election were today, would you support {candidate}?"),
            format!("Si las elecciones fueran hoy, ¿apoyaría a {candidate}?"),
        ),
        options: SUPPORT_OPTIONS,
        // Strong opponents are thanked and not asked to vote or volunteer.
        branches: &[("5", "notes")],
    }
}

fn vote_plan() -> Bilingual {
    Bilingual {
        id: "vote_plan",
        prompt: (
            "How are you planning to vote?".to_string(),
            "¿Cómo piensa votar?".to_string(),
        ),
        options: VOTE_PLAN_OPTIONS,
        branches: &[],
    }
}

fn volunteer(skip_to: &'static [(&'static str, &'static str)]) -> Bilingual {
    Bilingual {
        id: "volunteer",
        prompt: (
            "Would you like to volunteer with the campaign?".to_string(),
            "¿Le gustaría ser voluntario de la campaña?".to_string(),
        ),
        options: YES_NO_MAYBE,
        branches: skip_to,
    }
}

fn volunteer_when() -> Bilingual {
    Bilingual {
        id: "volunteer_when",
        prompt: (
            "When are you usually free to help?".to_string(),
            "¿Cuándo suele tener tiempo para ayudar?".to_string(),
        ),
        options: VOLUNTEER_WHEN_OPTIONS,
        branches: &[],
    }
}

fn text_ok() -> Bilingual {
    Bilingual {
        id: "text_ok",
        prompt: (
            "May we send you text reminders at this number?".to_string(),
            "¿Podemos enviarle recordatorios por mensaje de texto a este número?".to_string(),
        ),
        options: YES_NO,
        branches: &[],
    }
}

fn notes() -> Bilingual {
    Bilingual {
        id: "notes",
        prompt: (
            "Notes for the organizer (issues raised, follow-up needed)".to_string(),
            "Notas para el organizador (temas mencionados, seguimiento necesario)".to_string(),
        ),
        options: &[],
        branches: &[],
    }
}

/// The door script: support ID, vote plan, volunteer recruitment, notes.
pub fn canvass_script(campaign_name: &str, candidate: &str) -> Script {
    build(
        CANVASS_SCRIPT_ID,
        ScriptKind::Canvass,
        "Door canvass",
        (
            format!(
                "Hi! My name is ___ and I'm a volunteer with {campaign_name}. We're talking \
                 with neighbors about the city council election. Do you have a minute?"
            ),
            format!(
                "¡Hola! Me llamo ___ y soy voluntario de {campaign_name}. Estamos hablando con \
                 los vecinos sobre las elecciones del concejo municipal. ¿Tiene un minuto?"
            ),
        ),
        vec![
            support(candidate),
            vote_plan(),
            volunteer(&[("no", "notes")]),
            volunteer_when(),
            notes(),
        ],
    )
}

/// The phone script: the door questions plus consent to text reminders.
pub fn phone_script(campaign_name: &str, candidate: &str) -> Script {
    build(
        PHONE_SCRIPT_ID,
        ScriptKind::Phone,
        "Phone bank",
        (
            format!(
                "Hi, this is ___, a volunteer calling for {campaign_name}. We're calling \
                 neighbors about the city council election. Do you have a minute?"
            ),
            format!(
                "Hola, habla ___, voluntario de {campaign_name}. Estamos llamando a los vecinos \
                 sobre las elecciones del concejo municipal. ¿Tiene un minuto?"
            ),
        ),
        vec![
            support(candidate),
            vote_plan(),
            volunteer(&[("no", "text_ok")]),
            volunteer_when(),
            text_ok(),
            notes(),
        ],
    )
}

fn build(
    id: &str,
    kind: ScriptKind,
    title: &str,
    intro: (String, String),
    questions: Vec<Bilingual>,
) -> Script {
    let mut spanish = ScriptTranslation {
        intro: Some(intro.1),
        questions: BTreeMap::new(),
    };
    let questions = questions
        .into_iter()
        .map(|q| {
            spanish.questions.insert(
                q.id.to_string(),
                QuestionTranslation {
                    prompt: q.prompt.1,
                    options: q
                        .options
                        .iter()
                        .map(|(id, _, es)| (id.to_string(), es.to_string()))
                        .collect(),
                },
            );
            Question {
                id: q.id.to_string(),
                prompt: q.prompt.0,
                kind: if q.options.is_empty() {
                    QuestionKind::Text
                } else {
                    QuestionKind::Choice
                },
                options: q
                    .options
                    .iter()
                    .map(|(id, en, _)| AnswerOption {
                        id: id.to_string(),
                        label: en.to_string(),
                    })
                    .collect(),
                branches: q
                    .branches
                    .iter()
                    .map(|(when, go_to)| Branch {
                        when_answer: when.to_string(),
                        go_to: go_to.to_string(),
                    })
                    .collect(),
            }
        })
        .collect();
    Script {
        id: id.to_string(),
        version: 1,
        kind,
        title: title.to_string(),
        intro: intro.0,
        questions,
        translations: BTreeMap::from([("es".to_string(), spanish)]),
    }
}
