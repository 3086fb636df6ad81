//! Turf near me: the nearest free doors of a universe become a turf of the
//! volunteer's own, in walk order; doors go back when the check-out ends.

mod common;

use std::collections::HashSet;

use chrono::{Duration, TimeZone, Utc};
use walkbook_core::model::{ReferenceData, Universe, validate_reference_data};
use walkbook_core::turfnear::{
    CheckOutError, CheckOutRequest, MAX_DOORS, check_out, release, return_doors,
};

/// The fixture campaign with its turf dissolved into a universe of seven
/// doors along Elm St (house numbers 100..=105, lat grows with the number).
fn campaign() -> ReferenceData {
    let mut data = common::campaign();
    let doors = data.turfs.remove(0).household_ids;
    data.assignments.retain(|a| a.unit_id != "T1");
    data.universes.push(Universe {
        id: "U1".into(),
        name: "Elm St walk-ups".into(),
        household_ids: doors,
    });
    validate_reference_data(&data).unwrap();
    data
}

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 10, 3, 15, 0, 0).unwrap()
}

fn ask<'a>(id: &'a str, lat: f64, doors: usize) -> CheckOutRequest<'a> {
    CheckOutRequest {
        universe_id: "U1",
        volunteer_id: "vol-1",
        lat,
        lon: -89.65,
        doors,
        days: 2,
        now: now(),
        checkout_id: id,
    }
}

/// Latitude of house number `n` in the fixture.
fn at_number(n: u32) -> f64 {
    39.78 + f64::from(n) * 0.0001
}

#[test]
fn the_nearest_free_doors_become_a_turf_in_walk_order() {
    let mut data = campaign();
    // Standing at 105: the three nearest are 105, 104 #1/#2 (same spot) or 103.
    let out = check_out(&mut data, &ask("a", at_number(105), 3)).unwrap();
    assert_eq!(out.turf.id, "near-a");
    assert_eq!(out.turf.universe.as_deref(), Some("U1"));
    assert_eq!(out.assignment.unit_id, "near-a");
    assert_eq!(out.assignment.volunteer_id, "vol-1");
    assert_eq!(out.assignment.script_id, "canvass");
    assert_eq!(out.assignment.expires_at, now() + Duration::days(2));
    let picked: HashSet<&str> = out.turf.household_ids.iter().map(String::as_str).collect();
    assert_eq!(
        picked,
        HashSet::from(["H3", "H4", "H5"]),
        "105, 104 #1, 104 #2"
    );
    // Walk order, not distance order: odd side first, then even, by number.
    assert_eq!(out.turf.household_ids, ["H3", "H4", "H5"]);
    assert!(
        out.farthest_m > 10.0 && out.farthest_m < 12.0,
        "{}",
        out.farthest_m
    );
    validate_reference_data(&data).unwrap();

    // The next volunteer standing at the same spot gets the next doors.
    let next = check_out(&mut data, &ask("b", at_number(105), 3)).unwrap();
    let second: HashSet<&str> = next.turf.household_ids.iter().map(String::as_str).collect();
    assert!(second.is_disjoint(&picked), "no door in two check-outs");
    assert_eq!(second, HashSet::from(["H2", "H6", "H1"]));
    let last = check_out(&mut data, &ask("c", at_number(105), 10)).unwrap();
    assert_eq!(
        last.turf.household_ids,
        ["H7"],
        "fewer than asked when few are left"
    );
    assert_eq!(
        check_out(&mut data, &ask("d", at_number(105), 1)),
        Err(CheckOutError::NoDoorsLeft("U1".into()))
    );
    validate_reference_data(&data).unwrap();
}

#[test]
fn doors_go_back_after_expiry_and_grace_or_release_unless_knocked() {
    let mut data = campaign();
    let a = check_out(&mut data, &ask("a", at_number(100), 4)).unwrap();
    let knocked: HashSet<String> = HashSet::from([a.turf.household_ids[0].clone()]);
    let grace = Duration::hours(12);
    // Not yet: the check-out is live, then within its grace period.
    assert_eq!(return_doors(&mut data, "U1", now(), grace, &knocked), 0);
    let expired = now() + Duration::days(2) + Duration::hours(1);
    assert_eq!(return_doors(&mut data, "U1", expired, grace, &knocked), 0);
    let later = now() + Duration::days(3);
    assert_eq!(return_doors(&mut data, "U1", later, grace, &knocked), 3);
    let turf = data.turfs.iter().find(|t| t.id == "near-a").unwrap();
    assert_eq!(
        turf.household_ids,
        vec![a.turf.household_ids[0].clone()],
        "the knocked door keeps its results"
    );
    validate_reference_data(&data).unwrap();
    // The three returned doors are free again; the knocked one is not.
    let again = check_out(
        &mut data,
        &CheckOutRequest {
            now: later,
            ..ask("b", at_number(100), 7)
        },
    )
    .unwrap();
    assert_eq!(again.turf.household_ids.len(), 6);
    assert!(!again.turf.household_ids.contains(&a.turf.household_ids[0]));

    // Release: at once, every un-knocked door; an empty turf goes away.
    let released = release(
        &mut data,
        &again.assignment.id,
        "vol-1",
        later,
        &HashSet::new(),
    )
    .unwrap();
    assert_eq!(released, 6);
    assert!(!data.turfs.iter().any(|t| t.id == "near-b"));
    assert!(!data.assignments.iter().any(|x| x.id == again.assignment.id));
    validate_reference_data(&data).unwrap();
    // Only the volunteer who holds it may release it, and only a check-out.
    let c = check_out(
        &mut data,
        &CheckOutRequest {
            now: later,
            ..ask("c", at_number(100), 2)
        },
    )
    .unwrap();
    assert!(matches!(
        release(&mut data, &c.assignment.id, "vol-2", later, &HashSet::new()),
        Err(CheckOutError::NotYours(_))
    ));
    assert!(matches!(
        release(&mut data, "A-calls", "vol-1", later, &HashSet::new()),
        Err(CheckOutError::NotYours(_))
    ));
}

#[test]
fn bad_requests_are_refused_with_what_to_fix() {
    let mut data = campaign();
    let before = data.clone();
    for (req, needle) in [
        (
            CheckOutRequest {
                lat: f64::NAN,
                ..ask("x", 0.0, 3)
            },
            "not a place on Earth",
        ),
        (
            CheckOutRequest {
                lat: 91.0,
                ..ask("x", 0.0, 3)
            },
            "not a place on Earth",
        ),
        (ask("x", at_number(100), 0), "between 1 and"),
        (ask("x", at_number(100), MAX_DOORS + 1), "between 1 and"),
        (
            CheckOutRequest {
                days: 0,
                ..ask("x", at_number(100), 3)
            },
            "1 to 14 days",
        ),
        (
            CheckOutRequest {
                volunteer_id: "nobody",
                ..ask("x", at_number(100), 3)
            },
            "not in this campaign",
        ),
        (
            CheckOutRequest {
                universe_id: "U9",
                ..ask("x", at_number(100), 3)
            },
            "does not exist",
        ),
    ] {
        let e = check_out(&mut data, &req).unwrap_err();
        assert!(e.to_string().contains(needle), "{e} should say {needle}");
    }
    assert_eq!(data, before, "a refused request changes nothing");
}

#[test]
fn universes_are_validated() {
    let mut data = campaign();
    data.universes[0].household_ids.push("H404".into());
    assert!(
        validate_reference_data(&data)
            .unwrap_err()
            .to_string()
            .contains("H404")
    );
    let mut data = campaign();
    data.universes[0].household_ids.push("H1".into());
    assert!(
        validate_reference_data(&data)
            .unwrap_err()
            .to_string()
            .contains("twice")
    );
    // A checked-out turf's doors must come from its universe.
    let mut data = campaign();
    check_out(&mut data, &ask("a", at_number(100), 2)).unwrap();
    data.universes[0]
        .household_ids
        .retain(|h| h != &data.turfs[0].household_ids[0]);
    assert!(
        validate_reference_data(&data)
            .unwrap_err()
            .to_string()
            .contains("is not in it")
    );
}
