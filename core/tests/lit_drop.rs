//! Lit drop: a turf worked by leaving literature at each door, one tap per
//! door. The door is done for the lit drop and still open for canvassing;
//! a lit drop is never a conversation.

mod common;

use walkbook_core::model::{Channel, ResultCode, ResultEffect, TurfMode, validate_reference_data};
use walkbook_core::results::{DoorState, NewAttempt, door_state};

fn lit_drop_code() -> ResultCode {
    ResultCode {
        id: "lit_drop".into(),
        label: "Literature dropped".into(),
        channel: Channel::Door,
        effect: ResultEffect::LitDrop,
        is_final: false,
    }
}

fn drop_at(household: &str, minutes: i64) -> NewAttempt {
    NewAttempt {
        household_id: Some(household.into()),
        result: Some("lit_drop".into()),
        at_ms: Some(common::at(minutes)),
        ..Default::default()
    }
}

#[test]
fn a_lit_drop_turf_moves_on_after_each_drop_and_a_canvass_turf_does_not() {
    for mode in [TurfMode::LitDrop, TurfMode::Canvass] {
        let mut data = common::campaign();
        data.result_codes.push(lit_drop_code());
        data.assignments[0].mode = mode;
        validate_reference_data(&data).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let mut store =
            walkbook_core::store::DeviceStore::open(dir.path().join("c.db"), None).unwrap();
        store
            .install_packet(&common::packet(&data, "A-turf", 1))
            .unwrap();
        assert_eq!(store.assignment("A-turf").unwrap().assignment.mode, mode);
        let first = store.next_door("T1", common::at(0)).unwrap().unwrap();
        store
            .record_attempt("A-turf", drop_at(&first.household.id, 0))
            .unwrap();
        let next = store.next_door("T1", common::at(1)).unwrap().unwrap();
        let doors = store.walk_list("T1").unwrap();
        let dropped = doors
            .iter()
            .find(|d| d.household.id == first.household.id)
            .unwrap();
        assert_eq!(dropped.household_status.lit_drops, 1);
        assert_eq!(dropped.household_status.door_attempts, 1);
        // Nobody there was contacted by a flyer.
        assert!(dropped.people.iter().all(|p| !p.status.status.is_final()));
        match mode {
            TurfMode::LitDrop => {
                assert_eq!(door_state(dropped, common::at(1)), DoorState::Finished);
                assert_ne!(next.household.id, first.household.id, "on to the next door");
                assert_eq!(next.position, first.position + 1, "in walk order");
                // Every door dropped: nothing left.
                for d in &doors {
                    if d.household.id != first.household.id {
                        store
                            .record_attempt("A-turf", drop_at(&d.household.id, 2))
                            .unwrap();
                    }
                }
                assert!(store.next_door("T1", common::at(3)).unwrap().is_none());
            }
            TurfMode::Canvass => {
                assert_eq!(
                    door_state(dropped, common::at(1)),
                    DoorState::Open { knocks: 1 },
                    "still to canvass"
                );
            }
        }
    }
}

#[test]
fn a_lit_drop_needs_a_turf_and_a_lit_drop_door_code() {
    let mut data = common::campaign();
    data.assignments[0].mode = TurfMode::LitDrop;
    let e = validate_reference_data(&data).unwrap_err().to_string();
    assert!(
        e.contains("no door result code with effect lit_drop"),
        "{e}"
    );
    data.result_codes.push(lit_drop_code());
    validate_reference_data(&data).unwrap();
    data.assignments[1].mode = TurfMode::LitDrop;
    let e = validate_reference_data(&data).unwrap_err().to_string();
    assert!(e.contains("only a turf can be a lit drop"), "{e}");
    data.assignments[1].mode = TurfMode::Canvass;
    let mut phone_drop = lit_drop_code();
    phone_drop.id = "lit_call".into();
    phone_drop.channel = Channel::Phone;
    data.result_codes.push(phone_drop);
    let e = validate_reference_data(&data).unwrap_err().to_string();
    assert!(e.contains("make it a door result"), "{e}");
}
