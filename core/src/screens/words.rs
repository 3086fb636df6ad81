//! Every word the screens' view models show, in English and Spanish, in
//! one place. The shells pass the phone's language tag ("es-US", "en");
//! anything that is not Spanish is English. Campaign content (scripts,
//! result labels, names) is shown as the organizer wrote it, and errors
//! from the store keep their (English) words.

use chrono::{DateTime, Datelike, TimeZone, Timelike, Utc};
use chrono_tz::Tz;

use crate::results::Status;

/// The language of the screens' own words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Ui {
    #[default]
    En,
    Es,
}

impl Ui {
    /// From a language tag: `es`, `es-US`, `es_MX` → Spanish; else English.
    pub fn from_tag(tag: &str) -> Ui {
        let primary = tag.split(['-', '_']).next().unwrap_or("");
        if primary.eq_ignore_ascii_case("es") {
            Ui::Es
        } else {
            Ui::En
        }
    }

    fn pick(self, en: &str, es: &str) -> String {
        match self {
            Ui::En => en.to_string(),
            Ui::Es => es.to_string(),
        }
    }

    /// "Thu 10:30 CST" / "jue 10:30 CST" in `tz`.
    pub fn local_time(self, at: DateTime<Utc>, tz: Tz) -> String {
        let local = tz.from_utc_datetime(&at.naive_utc());
        let day = local.weekday().num_days_from_monday() as usize;
        let name = match self {
            Ui::En => ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][day],
            Ui::Es => ["lun", "mar", "mié", "jue", "vie", "sáb", "dom"][day],
        };
        format!(
            "{name} {:02}:{:02} {}",
            local.hour(),
            local.minute(),
            local.format("%Z")
        )
    }

    /// A status in words, with come-back times in the campaign's zone.
    pub fn status(self, status: &Status, tz: Tz) -> String {
        match status {
            Status::NotAttempted => self.pick("Not yet", "Todavía no"),
            Status::NotHome => self.pick("Not home", "No estaba"),
            Status::WrongNumber => self.pick("Wrong number", "Número equivocado"),
            Status::ComeBack { at_ms } => match DateTime::from_timestamp_millis(*at_ms) {
                Some(t) => {
                    let when = self.local_time(t, tz);
                    // Without the zone: the volunteer is in it.
                    let when = when.rsplit_once(' ').map_or(when.as_str(), |(w, _)| w);
                    match self {
                        Ui::En => format!("Come back {when}"),
                        Ui::Es => format!("Volver {when}"),
                    }
                }
                None => self.pick("Come back", "Volver"),
            },
            Status::Contacted { .. } => self.pick("Talked", "Conversó"),
            Status::Refused => self.pick("Refused", "Rechazó"),
            Status::Moved => self.pick("Moved", "Se mudó"),
            Status::Deceased => self.pick("Deceased", "Falleció"),
            Status::DoNotContact => self.pick("Do not contact", "No contactar"),
            Status::Conflict { .. } => self.pick("Conflicting results", "Resultados en conflicto"),
        }
    }

    pub fn no_one_listed(self) -> String {
        self.pick("No one listed", "Nadie en la lista")
    }

    pub fn progress(self, knocked: usize, doors: usize, talks: usize) -> String {
        match (self, talks == 1) {
            (Ui::En, true) => format!("{knocked} of {doors} doors knocked · 1 conversation"),
            (Ui::En, false) => {
                format!("{knocked} of {doors} doors knocked · {talks} conversations")
            }
            (Ui::Es, true) => format!("{knocked} de {doors} puertas tocadas · 1 conversación"),
            (Ui::Es, false) => {
                format!("{knocked} de {doors} puertas tocadas · {talks} conversaciones")
            }
        }
    }

    pub fn door_description(self, address: &str, status: &str, people: u32) -> String {
        match (self, people == 1) {
            (Ui::En, true) => format!("{address}: {status}, 1 person"),
            (Ui::En, false) => format!("{address}: {status}, {people} people"),
            (Ui::Es, true) => format!("{address}: {status}, 1 persona"),
            (Ui::Es, false) => format!("{address}: {status}, {people} personas"),
        }
    }

    pub fn saved(self, what: &str) -> String {
        match self {
            Ui::En => format!("Saved ✓ ({what})"),
            Ui::Es => format!("Guardado ✓ ({what})"),
        }
    }

    pub fn conversation(self) -> String {
        self.pick("conversation", "conversación")
    }

    pub fn nothing_to_undo(self) -> String {
        self.pick("there is nothing to undo", "no hay nada que deshacer")
    }

    pub fn not_in_script(self, question: &str) -> String {
        match self {
            Ui::En => format!("question {question} is not in the script"),
            Ui::Es => format!("la pregunta {question} no está en el guion"),
        }
    }

    pub fn not_an_answer(self, option: &str, prompt: &str) -> String {
        match self {
            Ui::En => format!("{option:?} is not an answer to {prompt}"),
            Ui::Es => format!("{option:?} no es una respuesta a {prompt}"),
        }
    }

    pub fn not_text(self, question: &str) -> String {
        match self {
            Ui::En => format!("{question} is not a text question"),
            Ui::Es => format!("{question} no es una pregunta de texto"),
        }
    }

    pub fn choose_who_answered(self) -> String {
        self.pick(
            "choose who answered the door first",
            "primero elija quién abrió la puerta",
        )
    }

    pub fn choose_or_whole_door(self) -> String {
        self.pick(
            "choose who answered, or record it for the whole door",
            "elija quién abrió, o regístrelo para toda la puerta",
        )
    }

    pub fn not_at_this_door(self, person: &str) -> String {
        match self {
            Ui::En => format!("{person} does not live at this door"),
            Ui::Es => format!("{person} no vive en esta puerta"),
        }
    }

    pub fn not_a_result(self, code: &str) -> String {
        match self {
            Ui::En => format!("{code} is not a result here"),
            Ui::Es => format!("{code} no es un resultado aquí"),
        }
    }

    pub fn choose_come_back(self) -> String {
        self.pick(
            "choose when to come back first",
            "primero elija cuándo volver",
        )
    }

    pub fn answer_or_record(self) -> String {
        self.pick(
            "answer at least one question, or record a result",
            "responda al menos una pregunta, o registre un resultado",
        )
    }

    pub fn impossible_location(self, lat: f64, lon: f64, accuracy_m: f64) -> String {
        match self {
            Ui::En => format!(
                "the phone reported an impossible location ({lat}, {lon} ±{accuracy_m} m); it was ignored"
            ),
            Ui::Es => format!(
                "el teléfono dio una ubicación imposible ({lat}, {lon} ±{accuracy_m} m); se ignoró"
            ),
        }
    }

    /// What the volunteer is told once, before their first call.
    pub fn caller_id_notice(self) -> String {
        self.pick(
            "Calls go out from your own phone, so the people you call will see your phone \
             number. If you would rather they did not, turn off caller ID in your phone's \
             settings before you start.",
            "Las llamadas salen de su propio teléfono, así que las personas a quienes llame \
             verán su número. Si prefiere que no lo vean, desactive la identificación de \
             llamadas en los ajustes de su teléfono antes de empezar.",
        )
    }

    pub fn read_caller_id_first(self) -> String {
        self.pick(
            "read the note about your caller ID first",
            "primero lea la nota sobre la identificación de llamadas",
        )
    }

    pub fn hang_up_first(self) -> String {
        self.pick(
            "hang up first, then say how the call went",
            "cuelgue primero y luego diga cómo fue la llamada",
        )
    }

    pub fn on_a_call(self) -> String {
        self.pick(
            "you are on a call; hang up first",
            "está en una llamada; cuelgue primero",
        )
    }

    pub fn no_call(self) -> String {
        self.pick(
            "there is no call to hang up",
            "no hay ninguna llamada que colgar",
        )
    }

    pub fn nobody_to_call(self) -> String {
        self.pick(
            "there is nobody to call right now",
            "no hay nadie a quien llamar ahora",
        )
    }

    pub fn not_on_list(self, code: &str) -> String {
        match self {
            Ui::En => format!("{code} is not a result on this list"),
            Ui::Es => format!("{code} no es un resultado de esta lista"),
        }
    }

    pub fn choose_call_back(self) -> String {
        self.pick(
            "choose when to call back first",
            "primero elija cuándo volver a llamar",
        )
    }

    pub fn call_back_later(self) -> String {
        self.pick(
            "choose a call-back time later than now",
            "elija una hora para volver a llamar posterior a ahora",
        )
    }

    pub fn answer_or_record_call(self) -> String {
        self.pick(
            "answer at least one question, or record how the call went",
            "responda al menos una pregunta, o registre cómo fue la llamada",
        )
    }

    pub fn wait_until(self, when: &str) -> String {
        match self {
            Ui::En => {
                format!("Nobody can be called right now; the next call can be made at {when}")
            }
            Ui::Es => format!("Ahora no se puede llamar a nadie; la próxima llamada será {when}"),
        }
    }

    /// A call-back choice: `hours` from now (None: tomorrow), `moved` when
    /// it had to wait for calling hours.
    pub fn call_back_choice(self, hours: Option<u32>, moved: bool, when: &str) -> String {
        match (self, hours, moved) {
            (Ui::En, Some(_), true) => format!("When calling opens ({when})"),
            (Ui::Es, Some(_), true) => format!("Cuando se pueda llamar ({when})"),
            (Ui::En, Some(1), false) => format!("In 1 hour ({when})"),
            (Ui::En, Some(h), false) => format!("In {h} hours ({when})"),
            (Ui::Es, Some(1), false) => format!("En 1 hora ({when})"),
            (Ui::Es, Some(h), false) => format!("En {h} horas ({when})"),
            (Ui::En, None, _) => format!("Tomorrow ({when})"),
            (Ui::Es, None, _) => format!("Mañana ({when})"),
        }
    }

    pub fn syncing(self) -> (String, String) {
        (
            self.pick("Syncing…", "Sincronizando…"),
            self.pick("Sync in progress", "Sincronización en curso"),
        )
    }

    pub fn sync_failed(self, error: &str, pending: u64) -> (String, String) {
        match (self, pending) {
            (Ui::En, 0) => ("Sync failed".into(), format!("Sync failed: {error}")),
            (Ui::Es, 0) => (
                "Falló la sincronización".into(),
                format!("Falló la sincronización: {error}"),
            ),
            (Ui::En, n) => (
                format!("{n} not on the server yet"),
                format!("Sync failed: {error}. {n} results are safe on this phone."),
            ),
            (Ui::Es, n) => (
                format!("{n} aún no están en el servidor"),
                format!(
                    "Falló la sincronización: {error}. {n} resultados están a salvo en este teléfono."
                ),
            ),
        }
    }

    pub fn all_synced(self) -> (String, String) {
        (
            self.pick(
                "All results on the server",
                "Todos los resultados en el servidor",
            ),
            self.pick(
                "All results are on the server",
                "Todos los resultados están en el servidor",
            ),
        )
    }

    pub fn waiting(self, pending: u64) -> (String, String) {
        match (self, pending) {
            (Ui::En, 1) => (
                "1 result not on the server yet".into(),
                "1 result saved on this phone, not yet on the server".into(),
            ),
            (Ui::Es, 1) => (
                "1 resultado aún no está en el servidor".into(),
                "1 resultado guardado en este teléfono, aún no en el servidor".into(),
            ),
            (Ui::En, n) => (
                format!("{n} results not on the server yet"),
                format!("{n} results saved on this phone, not yet on the server"),
            ),
            (Ui::Es, n) => (
                format!("{n} resultados aún no están en el servidor"),
                format!("{n} resultados guardados en este teléfono, aún no en el servidor"),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_pick_spanish_or_english() {
        for es in ["es", "es-US", "es_MX", "ES"] {
            assert_eq!(Ui::from_tag(es), Ui::Es, "{es}");
        }
        for en in ["en", "en-US", "", "fr", "esp"] {
            assert_eq!(Ui::from_tag(en), Ui::En, "{en}");
        }
    }

    #[test]
    fn times_and_statuses_in_both_languages() {
        let tz: Tz = "America/Chicago".parse().unwrap();
        let at: DateTime<Utc> = "2026-01-15T16:30:00Z".parse().unwrap();
        assert_eq!(Ui::En.local_time(at, tz), "Thu 10:30 CST");
        assert_eq!(Ui::Es.local_time(at, tz), "jue 10:30 CST");
        let back = Status::ComeBack {
            at_ms: at.timestamp_millis(),
        };
        assert_eq!(Ui::En.status(&back, tz), "Come back Thu 10:30");
        assert_eq!(Ui::Es.status(&back, tz), "Volver jue 10:30");
        assert_eq!(
            Ui::Es.progress(2, 7, 1),
            "2 de 7 puertas tocadas · 1 conversación"
        );
    }
}
