//! The door screen view model: per-person and whole-door results, the
//! script in the person's language with branches, come back at a chosen
//! time, double taps, undo as a correction, skip.

mod common;

use walkbook_core::screens::{DoorEvent, DoorScreen, DoorView};
use walkbook_core::store::DeviceStore;

fn store() -> (tempfile::TempDir, DeviceStore) {
    let dir = tempfile::tempdir().unwrap();
    let mut data = common::campaign();
    // Luis (P2, at H1 with Ana) speaks Spanish.
    data.people
        .iter_mut()
        .find(|p| p.id == "P2")
        .unwrap()
        .language = "es".into();
    let mut store = DeviceStore::open(dir.path().join("c.db"), None).unwrap();
    store
        .install_packet(&common::packet(&data, "A-turf", 1))
        .unwrap();
    (dir, store)
}

fn send(screen: &mut DoorScreen, store: &mut DeviceStore, e: DoorEvent) -> DoorView {
    screen.send(store, e).unwrap()
}

fn choose(p: &str) -> DoorEvent {
    DoorEvent::ChoosePerson {
        person_id: p.into(),
    }
}

fn answer(q: &str, o: &str) -> DoorEvent {
    DoorEvent::Answer {
        question_id: q.into(),
        option_id: o.into(),
    }
}

fn record(code: &str, whole_door: bool) -> DoorEvent {
    DoorEvent::Record {
        code: code.into(),
        whole_door,
    }
}

#[test]
fn each_person_at_a_door_gets_their_own_result_in_their_own_language() {
    let (_dir, mut store) = store();
    let mut s = DoorScreen::open(&store, "A-turf", "H1").unwrap();
    let v = s.view(&store).unwrap();
    assert_eq!(v.address, "101 Elm St");
    assert_eq!(v.people.len(), 2);
    assert!(!v.person_chosen && v.question.is_none());
    let door_codes: Vec<&str> = v.door_codes.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(
        door_codes,
        ["not_home", "come_back"],
        "whole-door results only"
    );
    assert!(v.person_codes.iter().any(|c| c.id == "refused"));

    // Ana answers: the script starts in English, follows its branch.
    let v = send(&mut s, &mut store, choose("P1"));
    assert_eq!(
        (
            v.language.as_str(),
            v.question.as_ref().unwrap().id.as_str()
        ),
        ("en", "support")
    );
    let v = send(&mut s, &mut store, answer("support", "1"));
    assert_eq!(v.question.as_ref().unwrap().id, "volunteer");
    let v = send(&mut s, &mut store, answer("volunteer", "no"));
    assert_eq!(
        v.question.as_ref().unwrap().id,
        "notes",
        "'no' skips to notes"
    );
    assert!(v.question.as_ref().unwrap().free_text);
    let v = send(
        &mut s,
        &mut store,
        DoorEvent::Text {
            question_id: "notes".into(),
            text: "Loves the park".into(),
        },
    );
    assert_eq!(v.answered.len(), 3);
    assert!(v.can_save_conversation);
    let v = send(&mut s, &mut store, DoorEvent::SaveConversation);
    assert_eq!(v.saved.as_deref(), Some("Saved ✓ (conversation)"));
    assert!(!v.done, "Luis may still come to the door");
    // Luis: the script switches to Spanish; he refuses, for himself only.
    let v = send(&mut s, &mut store, choose("P2"));
    assert_eq!(v.language, "es");
    assert_eq!(
        v.question.as_ref().unwrap().text,
        "¿Apoya a nuestra candidata?"
    );
    let v = send(&mut s, &mut store, record("refused", false));
    assert!(v.message.is_none(), "{:?}", v.message);
    let statuses: Vec<(String, String)> = v
        .people
        .iter()
        .map(|p| (p.id.clone(), p.status.clone()))
        .collect();
    assert_eq!(
        statuses,
        [
            ("P1".to_string(), "contacted".to_string()),
            ("P2".to_string(), "refused".to_string())
        ]
    );
    let attempts = store.attempts("turf:T1").unwrap();
    assert_eq!(attempts.len(), 2);
    assert_eq!(
        attempts
            .iter()
            .find(|a| a.person_id.as_deref() == Some("P1"))
            .unwrap()
            .text_answers["notes"],
        "Loves the park"
    );
}

#[test]
fn a_double_tap_records_once_and_undo_corrects_instead_of_adding() {
    let (_dir, mut store) = store();
    let mut s = DoorScreen::open(&store, "A-turf", "H2").unwrap();
    send(&mut s, &mut store, choose("P3"));
    send(&mut s, &mut store, answer("support", "2"));
    let first = send(&mut s, &mut store, DoorEvent::SaveConversation);
    let again = send(&mut s, &mut store, DoorEvent::SaveConversation);
    assert_eq!(first.saved, again.saved);
    assert_eq!(
        store.attempts("turf:T2").unwrap_or_default().len()
            + store.attempts("turf:T1").unwrap().len(),
        1,
        "one attempt"
    );
    // Undo: the next save supersedes the first.
    let v = send(&mut s, &mut store, DoorEvent::Undo);
    assert!(v.correcting && v.saved.is_none());
    send(&mut s, &mut store, answer("support", "1"));
    let v = send(&mut s, &mut store, DoorEvent::SaveConversation);
    assert!(!v.correcting && v.saved.is_some());
    let attempts = store.attempts("turf:T1").unwrap();
    assert_eq!(attempts.len(), 2);
    let correction = attempts.iter().find(|a| !a.supersedes.is_empty()).unwrap();
    assert_eq!(correction.responses["support"], "1");
    // Status follows the correction.
    assert_eq!(v.people[0].status, "contacted");
    // The same whole-door result tapped twice: one attempt.
    let mut s = DoorScreen::open(&store, "A-turf", "H3").unwrap();
    let v = send(&mut s, &mut store, record("not_home", true));
    assert!(v.done, "nobody home: on to the next door");
    send(&mut s, &mut store, record("not_home", true));
    let at_h3 = store
        .attempts("turf:T1")
        .unwrap()
        .into_iter()
        .filter(|a| a.household_id == "H3")
        .count();
    assert_eq!(at_h3, 1);
}

#[test]
fn come_back_needs_a_time_bad_taps_explain_and_skip_records_nothing() {
    let (_dir, mut store) = store();
    let mut s = DoorScreen::open(&store, "A-turf", "H4").unwrap();
    let v = send(&mut s, &mut store, record("come_back", true));
    assert_eq!(v.message.as_deref(), Some("choose when to come back first"));
    let later = chrono::Utc::now().timestamp_millis() + 2 * 3_600_000;
    send(&mut s, &mut store, DoorEvent::ComeBackAt { at_ms: later });
    let v = send(&mut s, &mut store, record("come_back", true));
    assert!(v.message.is_none() && v.done, "{:?}", v.message);
    let a = store.attempts("turf:T1").unwrap().remove(0);
    assert_eq!(a.callback_at_ms, Some(later));
    // Refused taps say why and record nothing.
    let mut s = DoorScreen::open(&store, "A-turf", "H6").unwrap();
    for (e, needle) in [
        (answer("support", "1"), "choose who answered"),
        (record("refused", false), "choose who answered"),
        (DoorEvent::SaveConversation, "choose who answered"),
        (choose("P1"), "does not live at this door"),
        (DoorEvent::Undo, "nothing to undo"),
    ] {
        let v = send(&mut s, &mut store, e);
        assert!(
            v.message.as_deref().unwrap_or("").contains(needle),
            "{:?} should say {needle}",
            v.message
        );
    }
    send(&mut s, &mut store, choose("P7"));
    let v = send(&mut s, &mut store, answer("support", "9"));
    assert!(v.message.unwrap().contains("is not an answer"));
    let v = send(&mut s, &mut store, DoorEvent::Skip);
    assert!(v.done);
    assert_eq!(
        store.attempts("turf:T1").unwrap().len(),
        1,
        "only H4's come back"
    );
    // A door that is not on the turf does not open.
    assert!(DoorScreen::open(&store, "A-turf", "H404").is_err());
}

#[test]
fn saves_carry_the_latest_location_fix_and_never_wait_for_one() {
    let (_dir, mut store) = store();
    // No fix yet: the save goes through without a location.
    let mut s = DoorScreen::open(&store, "A-turf", "H3").unwrap();
    let v = send(&mut s, &mut store, record("not_home", true));
    assert!(v.done && v.message.is_none(), "{:?}", v.message);
    // Fixes arrive; the save carries the latest.
    let mut s = DoorScreen::open(&store, "A-turf", "H6").unwrap();
    for (lat, lon, acc) in [(39.80, -89.64, 65.0), (39.7817, -89.6501, 8.0)] {
        send(
            &mut s,
            &mut store,
            DoorEvent::Location {
                lat,
                lon,
                accuracy_m: acc,
            },
        );
    }
    // An impossible fix is refused in words and the good one kept.
    let v = send(
        &mut s,
        &mut store,
        DoorEvent::Location {
            lat: 123.0,
            lon: 0.0,
            accuracy_m: 5.0,
        },
    );
    assert!(v.message.unwrap().contains("impossible location"));
    send(&mut s, &mut store, choose("P7"));
    send(&mut s, &mut store, record("refused", false));
    let attempts = store.attempts("turf:T1").unwrap();
    let h3 = attempts.iter().find(|a| a.household_id == "H3").unwrap();
    assert_eq!((h3.lat, h3.lon, h3.accuracy_m), (None, None, None));
    let p7 = attempts
        .iter()
        .find(|a| a.person_id.as_deref() == Some("P7"))
        .unwrap();
    assert_eq!(
        (p7.lat, p7.lon, p7.accuracy_m),
        (Some(39.7817), Some(-89.6501), Some(8.0))
    );
}

#[test]
fn the_door_screen_speaks_spanish_when_the_phone_does() {
    use walkbook_core::screens::{Ui, turf_view_in};
    let (_dir, mut store) = store();
    let mut s = DoorScreen::open_in(&store, "A-turf", "H1", Ui::Es).unwrap();
    let v = send(&mut s, &mut store, answer("support", "1"));
    assert_eq!(
        v.message.as_deref(),
        Some("primero elija quién abrió la puerta")
    );
    assert_eq!(v.people[0].status_label, "Todavía no");
    send(&mut s, &mut store, choose("P1"));
    send(&mut s, &mut store, answer("support", "1"));
    let v = send(&mut s, &mut store, DoorEvent::SaveConversation);
    assert_eq!(v.saved.as_deref(), Some("Guardado ✓ (conversación)"));
    assert_eq!(v.people[0].status_label, "Conversó");
    let t = turf_view_in(&store, "T1", common::at(0), Ui::Es).unwrap();
    assert_eq!(t.progress, "1 de 7 puertas tocadas · 1 conversación");
    assert_eq!(t.doors[0].description, "101 Elm St: Todavía no, 2 personas");
}

#[test]
fn come_back_choices_are_offered_in_the_campaigns_zone() {
    let (_dir, store) = store();
    let s = DoorScreen::open(&store, "A-turf", "H1").unwrap();
    // 9:30 in Springfield.
    let now = "2026-01-15T15:30:00Z"
        .parse::<chrono::DateTime<chrono::Utc>>()
        .unwrap()
        .timestamp_millis();
    let v = s.view_at(&store, now).unwrap();
    let labels: Vec<&str> = v
        .come_back_choices
        .iter()
        .map(|c| c.label.as_str())
        .collect();
    assert_eq!(
        labels,
        [
            "In 1 hour (Thu 10:30 CST)",
            "In 2 hours (Thu 11:30 CST)",
            "In 4 hours (Thu 13:30 CST)",
            "Tomorrow (Fri 09:30 CST)"
        ]
    );
    assert_eq!(v.come_back_choices[0].at_ms, now + 3_600_000);
}
