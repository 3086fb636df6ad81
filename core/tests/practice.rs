//! Practice mode: a sandbox turf worked with the campaign's real script, in
//! a store of its own that never syncs; practice and real data never meet.

mod common;

use std::sync::{Arc, Mutex};

use chrono::{TimeZone, Utc};
use walkbook_core::packet::{decode_packet, encode_packet};
use walkbook_core::practice::{
    PRACTICE_ASSIGNMENT, PRACTICE_TURF, PRACTICE_VOLUNTEER, Sandbox, check_no_practice_units,
    is_practice_unit, sandbox_packet,
};
use walkbook_core::store::{DeviceStore, StoreError};
use walkbook_core::sync::{SyncClient, SyncError};

fn real_store(dir: &std::path::Path) -> DeviceStore {
    let mut store = DeviceStore::open(dir.join("campaign.db"), None).unwrap();
    store
        .install_packet(&common::packet(&common::campaign(), "A-turf", 1))
        .unwrap();
    store
}

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 10, 3, 15, 0, 0).unwrap()
}

#[test]
fn a_sandbox_built_on_the_phone_uses_the_real_script_and_fictional_doors() {
    let dir = tempfile::tempdir().unwrap();
    let real = real_store(dir.path());
    let body = real.sandbox_from_installed(None, now()).unwrap();
    assert_eq!(body.assignment.id, PRACTICE_ASSIGNMENT);
    assert_eq!(body.assignment.unit_id, PRACTICE_TURF);
    assert_eq!(body.assignment.volunteer_id, PRACTICE_VOLUNTEER);
    assert_eq!(body.campaign_id, "camp-1");
    // The campaign's real canvass script, exactly as installed.
    assert_eq!(body.data.scripts, vec![common::canvass_script(1)]);
    assert!(!body.data.result_codes.is_empty());
    assert!(
        body.data
            .result_codes
            .iter()
            .all(|r| r.channel == walkbook_core::model::Channel::Door)
    );
    // Ten fictional doors near the real turf, nobody from the voter file,
    // no phone numbers; one resident speaks the script's other language.
    assert_eq!(body.data.households.len(), 10);
    assert!(
        body.data
            .households
            .iter()
            .all(|h| h.id.starts_with("practice-")
                && h.street_name == "Practice Lane"
                && (h.lat.unwrap() - 39.79).abs() < 0.01)
    );
    let real_people: Vec<String> = common::campaign()
        .people
        .iter()
        .map(|p| p.id.clone())
        .collect();
    assert!(body.data.people.iter().all(|p| !real_people.contains(&p.id)
        && p.phones.is_empty()
        && p.id.starts_with("practice-")));
    assert!(body.data.people.iter().any(|p| p.language == "es"));
    // It round-trips as a packet.
    let bytes = encode_packet(&body);
    assert_eq!(decode_packet(&bytes).unwrap().body, body);
}

#[test]
fn practice_results_are_recorded_with_the_real_rules_in_a_store_that_never_syncs() {
    let dir = tempfile::tempdir().unwrap();
    let mut real = real_store(dir.path());
    let packet = encode_packet(&real.sandbox_from_installed(None, now()).unwrap());
    let mut practice = DeviceStore::open(dir.path().join("practice.db"), None).unwrap();
    practice.mark_practice().unwrap();
    assert!(practice.is_practice().unwrap());
    practice.install_packet(&packet).unwrap();

    let door = practice
        .next_door(PRACTICE_TURF, common::at(0))
        .unwrap()
        .unwrap();
    let person = door.people[0].person.id.clone();
    // The script's rules hold in practice: a wrong answer is refused.
    let bad = practice.record_attempt(
        PRACTICE_ASSIGNMENT,
        common::conversation(&person, &[("support", "9")], 0),
    );
    assert!(matches!(bad, Err(StoreError::InvalidAttempt(_))), "{bad:?}");
    let saved = practice
        .record_attempt(
            PRACTICE_ASSIGNMENT,
            common::conversation(&person, &[("support", "1")], 1),
        )
        .unwrap();
    assert_eq!(saved.person_id.as_deref(), Some(person.as_str()));
    let attempts = practice.attempts(&format!("turf:{PRACTICE_TURF}")).unwrap();
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].volunteer_id, PRACTICE_VOLUNTEER);
    assert!(is_practice_unit(&format!("turf:{PRACTICE_TURF}")));

    // No sync client opens a practice store, whatever its meta says.
    practice
        .set_meta("server_url", "http://127.0.0.1:9")
        .unwrap();
    practice.set_meta("token", "stolen").unwrap();
    let store = Arc::new(Mutex::new(practice));
    assert!(matches!(
        SyncClient::for_joined(store.clone()),
        Err(SyncError::Practice)
    ));
    assert!(matches!(
        SyncClient::new("http://127.0.0.1:9", store),
        Err(SyncError::Practice)
    ));
    // The real store is untouched by any of it.
    assert!(real.attempts("turf:T1").unwrap().is_empty());
}

#[test]
fn practice_and_real_packets_never_share_a_store() {
    let dir = tempfile::tempdir().unwrap();
    let mut real = real_store(dir.path());
    let sandbox = encode_packet(&real.sandbox_from_installed(None, now()).unwrap());
    let before = common::dump(&rusqlite::Connection::open(real.path()).unwrap());
    let refused = real.install_packet(&sandbox);
    assert!(
        matches!(refused, Err(StoreError::Practice(_))),
        "{refused:?}"
    );
    assert_eq!(
        common::dump(&rusqlite::Connection::open(real.path()).unwrap()),
        before,
        "nothing changed"
    );
    // A store holding real data cannot be turned into a practice store.
    assert!(matches!(real.mark_practice(), Err(StoreError::Practice(_))));

    let mut practice = DeviceStore::open(dir.path().join("practice.db"), None).unwrap();
    practice.mark_practice().unwrap();
    let real_packet = common::packet(&common::campaign(), "A-turf", 1);
    let refused = practice.install_packet(&real_packet);
    assert!(
        matches!(refused, Err(StoreError::Practice(_))),
        "{refused:?}"
    );
    assert!(practice.assignments().unwrap().is_empty());
}

#[test]
fn a_campaign_may_not_name_its_turfs_or_lists_like_practice() {
    let mut data = common::campaign();
    check_no_practice_units(&data).unwrap();
    data.turfs[0].id = "practice-T1".into();
    let e = check_no_practice_units(&data).unwrap_err();
    assert!(e.to_string().contains("reserved for practice mode"), "{e}");
    let mut data = common::campaign();
    data.call_lists[0].id = "practice-L1".into();
    assert!(check_no_practice_units(&data).is_err());
}

#[test]
fn a_sandbox_needs_a_canvass_script_and_door_codes() {
    let data = common::campaign();
    let base = || Sandbox {
        campaign: data.campaign.clone().unwrap(),
        script: common::canvass_script(2),
        result_codes: data.result_codes.clone(),
        center: None,
        now: now(),
        other_language: None,
    };
    let ok = sandbox_packet(base()).unwrap();
    assert!(ok.data.households.iter().all(|h| h.lat.is_none()));
    assert!(ok.data.people.iter().all(|p| p.language == "en"));
    let phone = sandbox_packet(Sandbox {
        script: common::phone_script(),
        ..base()
    });
    assert!(phone.unwrap_err().to_string().contains("canvass script"));
    let no_codes = sandbox_packet(Sandbox {
        result_codes: data
            .result_codes
            .iter()
            .filter(|r| r.channel == walkbook_core::model::Channel::Phone)
            .cloned()
            .collect(),
        ..base()
    });
    assert!(
        no_codes
            .unwrap_err()
            .to_string()
            .contains("door result codes")
    );
    // A phone with no turf has nothing to build from.
    let dir = tempfile::tempdir().unwrap();
    let mut calls_only = DeviceStore::open(dir.path().join("c.db"), None).unwrap();
    calls_only
        .install_packet(&common::packet(&data, "A-calls", 1))
        .unwrap();
    assert!(matches!(
        calls_only.sandbox_from_installed(None, now()),
        Err(StoreError::NotFound { .. })
    ));
}
