//! The call screen view model: the caller-ID notice once, the number only
//! at Call, the timer's duration recorded, the script's answers, call-back
//! times inside the contact's calling hours, skip, double taps and undo.

mod common;

use chrono::{DateTime, Utc};
use walkbook_core::screens::{CallEvent, CallScreen, CallView};
use walkbook_core::store::DeviceStore;

fn ms(s: &str) -> i64 {
    s.parse::<DateTime<Utc>>().unwrap().timestamp_millis()
}

/// 9:30 in Springfield, Illinois (everyone on the list lives there).
const MORNING: &str = "2026-01-15T15:30:00Z";

fn store() -> (tempfile::TempDir, DeviceStore) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = DeviceStore::open(dir.path().join("c.db"), None).unwrap();
    let data = common::campaign();
    store
        .install_packet(&common::packet(&data, "A-calls", 1))
        .unwrap();
    store
        .install_packet(&common::packet(&data, "A-turf", 1))
        .unwrap();
    (dir, store)
}

fn send(s: &mut CallScreen, store: &mut DeviceStore, e: CallEvent) -> CallView {
    s.send(store, e).unwrap()
}

fn ready(store: &mut DeviceStore, now: i64) -> CallScreen {
    let mut s = CallScreen::open(store, "A-calls", now).unwrap();
    send(&mut s, store, CallEvent::ReadCallerIdNotice);
    s
}

fn record(code: &str, now_ms: i64) -> CallEvent {
    CallEvent::Record {
        code: code.into(),
        now_ms,
    }
}

fn contact(v: &CallView) -> &str {
    &v.contact.as_ref().expect("a contact on screen").person_id
}

#[test]
fn the_caller_id_notice_comes_once_and_call_waits_for_it() {
    let (_dir, mut store) = store();
    let now = ms(MORNING);
    let mut s = CallScreen::open(&store, "A-calls", now).unwrap();
    let v = s.view(&store, now).unwrap();
    assert_eq!(v.list_name, "Elm St callers");
    assert_eq!(contact(&v), "P1");
    assert_eq!(v.contact.as_ref().unwrap().local_time, "Thu 09:30 CST");
    assert!(
        v.caller_id_notice
            .unwrap()
            .contains("see your phone number")
    );
    assert!(!v.can_dial);
    let v = send(&mut s, &mut store, CallEvent::Dial { now_ms: now });
    assert!(v.message.unwrap().contains("caller ID"));
    assert!(v.open_dialler.is_none() && !v.in_call);
    let v = send(&mut s, &mut store, CallEvent::ReadCallerIdNotice);
    assert!(v.caller_id_notice.is_none() && v.can_dial);
    // Read once per phone: a new screen does not ask again.
    let v = CallScreen::open(&store, "A-calls", now)
        .unwrap()
        .view(&store, now)
        .unwrap();
    assert!(v.caller_id_notice.is_none() && v.can_dial);
}

#[test]
fn a_call_is_timed_and_its_length_and_answers_are_recorded() {
    let (_dir, mut store) = store();
    let now = ms(MORNING);
    let mut s = ready(&mut store, now);
    let v = s.view(&store, now).unwrap();
    assert_eq!(v.script_title, "Call script");
    assert_eq!(v.question.as_ref().unwrap().id, "support");
    assert!(v.timer.is_none() && v.open_dialler.is_none());
    let v = send(&mut s, &mut store, CallEvent::Dial { now_ms: now });
    assert_eq!(v.open_dialler.as_deref(), Some("tel:+13125550101"));
    assert!(v.in_call && !v.can_dial);
    assert_eq!(v.timer.as_deref(), Some("0:00"));
    // The dialler is opened once: the next view does not carry it again.
    assert!(s.view(&store, now + 42_000).unwrap().open_dialler.is_none());
    assert_eq!(
        s.view(&store, now + 42_000).unwrap().timer.as_deref(),
        Some("0:42")
    );
    let v = send(
        &mut s,
        &mut store,
        CallEvent::Answer {
            question_id: "support".into(),
            option_id: "2".into(),
        },
    );
    assert_eq!(
        v.answered,
        [("Do you support our candidate?".into(), "label 2".into())]
    );
    // Moving on mid-call is refused.
    let v = send(
        &mut s,
        &mut store,
        CallEvent::Next {
            now_ms: now + 60_000,
        },
    );
    assert!(v.message.as_deref().unwrap().contains("hang up first"));
    assert_eq!(contact(&v), "P1");
    let v = send(
        &mut s,
        &mut store,
        CallEvent::HangUp {
            now_ms: now + 185_000,
        },
    );
    assert!(!v.in_call);
    assert_eq!(v.duration_s, Some(185));
    assert_eq!(v.timer.as_deref(), Some("3:05"));
    send(
        &mut s,
        &mut store,
        CallEvent::Notes {
            text: "Wants a yard sign".into(),
        },
    );
    let v = send(
        &mut s,
        &mut store,
        CallEvent::SaveConversation {
            now_ms: now + 200_000,
        },
    );
    assert!(v.message.is_none(), "{:?}", v.message);
    assert_eq!(v.saved.as_deref(), Some("Saved ✓ (conversation)"));
    assert_eq!(v.contact.as_ref().unwrap().status, "contacted");
    let attempts = store.attempts("calls:L1").unwrap();
    assert_eq!(attempts.len(), 1);
    let a = &attempts[0];
    assert_eq!(
        (a.person_id.as_deref(), a.duration_s),
        (Some("P1"), Some(185))
    );
    assert_eq!(a.responses["support"], "2");
    assert_eq!(a.notes, "Wants a yard sign");
    // Next: Ana is finished, Luis comes up.
    let v = send(
        &mut s,
        &mut store,
        CallEvent::Next {
            now_ms: now + 210_000,
        },
    );
    assert_eq!(contact(&v), "P2");
    assert!(v.saved.is_none() && !v.can_undo && v.answered.is_empty());
}

#[test]
fn a_double_tap_records_once_and_undo_corrects() {
    let (_dir, mut store) = store();
    let now = ms(MORNING);
    let mut s = ready(&mut store, now);
    send(&mut s, &mut store, CallEvent::Dial { now_ms: now });
    let first = send(&mut s, &mut store, record("no_answer", now + 30_000));
    let again = send(&mut s, &mut store, record("no_answer", now + 31_000));
    assert_eq!(first.saved.as_deref(), Some("Saved ✓ (no answer)"));
    assert_eq!(again.saved, first.saved);
    assert_eq!(store.attempts("calls:L1").unwrap().len(), 1);
    assert_eq!(store.attempts("calls:L1").unwrap()[0].duration_s, Some(30));
    // Undo, then the right result: a correction, not a second attempt.
    let v = send(&mut s, &mut store, CallEvent::Undo);
    assert!(v.correcting && v.saved.is_none() && !v.can_undo);
    let v = send(&mut s, &mut store, record("wrong_number", now + 40_000));
    assert!(v.message.is_none(), "{:?}", v.message);
    let attempts = store.attempts("calls:L1").unwrap();
    assert_eq!(attempts.len(), 2);
    let correction = attempts.iter().find(|a| !a.supersedes.is_empty()).unwrap();
    assert_eq!(correction.result.as_deref(), Some("wrong_number"));
    assert_eq!(correction.supersedes, [first_id(&attempts)]);
    assert_eq!(v.contact.as_ref().unwrap().status, "wrong_number");
}

fn first_id(attempts: &[walkbook_core::results::Attempt]) -> String {
    attempts
        .iter()
        .find(|a| a.supersedes.is_empty())
        .unwrap()
        .id
        .clone()
}

#[test]
fn call_backs_need_a_time_later_than_now_inside_calling_hours() {
    let (_dir, mut store) = store();
    let now = ms(MORNING);
    let mut s = ready(&mut store, now);
    let v = send(&mut s, &mut store, record("call_back", now));
    assert_eq!(v.message.as_deref(), Some("choose when to call back first"));
    let v = send(&mut s, &mut store, CallEvent::CallBackAt { at_ms: now - 1 });
    assert_eq!(v.call_back_at_ms, Some(now - 1));
    let v = send(&mut s, &mut store, record("call_back", now));
    assert_eq!(
        v.message.as_deref(),
        Some("choose a call-back time later than now")
    );
    let labels: Vec<&str> = v
        .call_back_choices
        .iter()
        .map(|c| c.label.as_str())
        .collect();
    assert_eq!(
        labels,
        [
            "In 1 hour (Thu 10:30 CST)",
            "In 3 hours (Thu 12:30 CST)",
            "Tomorrow (Fri 09:00 CST)"
        ]
    );
    let pick = v.call_back_choices[0].at_ms;
    send(&mut s, &mut store, CallEvent::CallBackAt { at_ms: pick });
    let v = send(&mut s, &mut store, record("call_back", now + 1_000));
    assert!(v.message.is_none(), "{:?}", v.message);
    assert_eq!(
        store.attempts("calls:L1").unwrap()[0].callback_at_ms,
        Some(pick)
    );
    // At 19:30 an hour from now is after calling hours: the choices move to
    // when calling opens, and the same time is offered once.
    let evening = ms("2026-01-16T01:30:00Z");
    let v = CallScreen::open(&store, "A-calls", evening)
        .unwrap()
        .view(&store, evening)
        .unwrap();
    let labels: Vec<&str> = v
        .call_back_choices
        .iter()
        .map(|c| c.label.as_str())
        .collect();
    assert_eq!(labels, ["When calling opens (Fri 09:00 CST)"]);
}

#[test]
fn skip_moves_on_and_nobody_is_offered_outside_their_hours() {
    let (_dir, mut store) = store();
    let now = ms(MORNING);
    let mut s = ready(&mut store, now);
    let mut seen = vec![contact(&s.view(&store, now).unwrap()).to_string()];
    loop {
        let v = send(&mut s, &mut store, CallEvent::Skip { now_ms: now });
        match &v.contact {
            Some(c) => seen.push(c.person_id.clone()),
            None => {
                assert!(v.finished && !v.can_dial);
                break;
            }
        }
    }
    // P4 has no phone number: never on the queue.
    assert_eq!(seen, ["P1", "P2", "P3", "P5"]);
    assert!(store.attempts("calls:L1").unwrap_or_default().is_empty());
    // Skipping mid-call is refused.
    let mut s = ready(&mut store, now);
    send(&mut s, &mut store, CallEvent::Dial { now_ms: now });
    let v = send(&mut s, &mut store, CallEvent::Skip { now_ms: now });
    assert!(v.message.as_deref().unwrap().contains("hang up first"));
    // At 3:00 in Illinois nobody can be called; the screen says when.
    let night = ms("2026-01-15T09:00:00Z");
    let mut s = ready(&mut store, night);
    let v = s.view(&store, night).unwrap();
    assert!(v.contact.is_none() && !v.finished && !v.can_dial);
    assert_eq!(v.wait_until_ms, Some(ms("2026-01-15T15:00:00Z")));
    assert!(v.wait_text.unwrap().contains("Thu 09:00 CST"));
    let v = send(&mut s, &mut store, CallEvent::Dial { now_ms: night });
    assert_eq!(
        v.message.as_deref(),
        Some("there is nobody to call right now")
    );
}

#[test]
fn bad_taps_explain_and_change_nothing() {
    let (_dir, mut store) = store();
    let now = ms(MORNING);
    assert!(
        CallScreen::open(&store, "A-turf", now)
            .unwrap_err()
            .to_string()
            .contains("is a turf")
    );
    let mut s = ready(&mut store, now);
    for (e, needle) in [
        (CallEvent::HangUp { now_ms: now }, "no call to hang up"),
        (CallEvent::Undo, "nothing to undo"),
        (record("not_home", now), "not a result on this list"),
        (
            CallEvent::Answer {
                question_id: "support".into(),
                option_id: "9".into(),
            },
            "is not an answer",
        ),
        (
            CallEvent::SaveConversation { now_ms: now },
            "answer at least one question",
        ),
    ] {
        let v = send(&mut s, &mut store, e);
        assert!(
            v.message.as_deref().unwrap_or("").contains(needle),
            "{:?} should say {needle}",
            v.message
        );
    }
    assert!(store.attempts("calls:L1").unwrap_or_default().is_empty());
}

#[test]
fn a_spanish_speaking_volunteer_reads_the_screen_in_spanish() {
    use walkbook_core::screens::Ui;
    let (_dir, mut store) = store();
    let now = ms(MORNING);
    let mut s = CallScreen::open_in(&store, "A-calls", now, Ui::Es).unwrap();
    let v = s.view(&store, now).unwrap();
    assert!(v.caller_id_notice.unwrap().contains("verán su número"));
    assert_eq!(v.contact.as_ref().unwrap().local_time, "jue 09:30 CST");
    assert_eq!(v.call_back_choices[0].label, "En 1 hora (jue 10:30 CST)");
    assert_eq!(v.call_back_choices[2].label, "Mañana (vie 09:00 CST)");
    let v = send(&mut s, &mut store, CallEvent::Dial { now_ms: now });
    assert_eq!(
        v.message.as_deref(),
        Some("primero lea la nota sobre la identificación de llamadas")
    );
    send(&mut s, &mut store, CallEvent::ReadCallerIdNotice);
    let v = send(&mut s, &mut store, record("call_back", now));
    assert_eq!(
        v.message.as_deref(),
        Some("primero elija cuándo volver a llamar")
    );
    // Campaign content (result labels, the script) stays as written.
    let v = send(&mut s, &mut store, record("no_answer", now));
    assert_eq!(v.saved.as_deref(), Some("Guardado ✓ (no answer)"));
}
