//! The turf screen view model: each door shows what is left to do there in
//! words (and an icon name, never colour alone), progress in words, the
//! next door, the map's points, and come-back times in the campaign's zone.

mod common;

use walkbook_core::screens::turf_view;
use walkbook_core::store::DeviceStore;

#[test]
fn doors_show_what_is_left_progress_and_the_next_door() {
    let dir = tempfile::tempdir().unwrap();
    let mut data = common::campaign();
    // H1 has no coordinates (the others do).
    data.households[0].lat = None;
    data.households[0].lon = None;
    let mut store = DeviceStore::open(dir.path().join("c.db"), None).unwrap();
    store
        .install_packet(&common::packet(&data, "A-turf", 1))
        .unwrap();
    let now = common::at(0);
    let v = turf_view(&store, "T1", now).unwrap();
    assert_eq!(v.progress, "0 of 7 doors knocked · 0 conversations");
    assert_eq!(
        v.next_door.as_deref(),
        Some(v.doors[0].household_id.as_str())
    );
    assert_eq!(v.map_points.len(), 6);
    assert!(v.map_points.iter().all(|(h, _, _)| h != "H1"));
    assert_eq!(v.doors_without_coordinates, 1);
    let h1 = v.doors.iter().find(|d| d.household_id == "H1").unwrap();
    assert_eq!(
        (h1.style.label.as_str(), h1.style.icon),
        ("Not yet", "circle")
    );
    assert_eq!(h1.description, "101 Elm St: Not yet, 2 people");

    // Ana talked; Luis is still to do, so the door shows him.
    store
        .record_attempt("A-turf", common::conversation("P1", &[("support", "1")], 1))
        .unwrap();
    let v = turf_view(&store, "T1", now).unwrap();
    let h1 = v.doors.iter().find(|d| d.household_id == "H1").unwrap();
    assert_eq!(h1.style.label, "Not yet");
    assert!(v.progress.ends_with("· 1 conversation"), "{}", v.progress);
    // Luis moved: everyone is done, the door is finished and shows Ana's talk.
    store
        .record_attempt("A-turf", common::door_result("P2", "moved", 2))
        .unwrap();
    let v = turf_view(&store, "T1", now).unwrap();
    let h1 = v.doors.iter().find(|d| d.household_id == "H1").unwrap();
    assert_eq!((h1.style.label.as_str(), h1.style.tone), ("Talked", "done"));
    assert!(h1.finished);
    assert_ne!(v.next_door.as_deref(), Some("H1"));

    // Come back at 18:00 in Springfield: the time in the campaign's zone.
    let six_pm = "2026-10-03T23:00:00Z"
        .parse::<chrono::DateTime<chrono::Utc>>()
        .unwrap()
        .timestamp_millis();
    store
        .record_attempt(
            "A-turf",
            walkbook_core::results::NewAttempt {
                person_id: Some("P3".into()),
                result: Some("come_back".into()),
                callback_at_ms: Some(six_pm),
                at_ms: Some(common::at(3)),
                ..Default::default()
            },
        )
        .unwrap();
    let v = turf_view(&store, "T1", common::at(4)).unwrap();
    let h2 = v.doors.iter().find(|d| d.household_id == "H2").unwrap();
    assert_eq!(h2.style.label, "Come back Sat 18:00");
    assert_eq!(h2.style.icon, "clock");
    assert!(h2.waiting && !h2.finished);
    assert!(v.progress.starts_with("2 of 7"), "{}", v.progress);
}
