//! Packets: verified, versioned, installed all-or-nothing.

mod common;

use walkbook_core::model::{Branch, Phone, PhoneKind, ReferenceData};
use walkbook_core::packet::{PACKET_FORMAT, PacketBody, decode_packet, encode_packet};
use walkbook_core::store::{DeviceStore, InstallOutcome, StoreError};

fn store() -> (tempfile::TempDir, DeviceStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = DeviceStore::open(dir.path().join("campaign.db"), None).unwrap();
    (dir, store)
}

fn body_for(data: ReferenceData, version: u64) -> PacketBody {
    let assignment = data.assignments[0].clone();
    PacketBody {
        format: PACKET_FORMAT,
        campaign_id: data.campaign.as_ref().unwrap().id.clone(),
        assignment,
        version,
        created_at: common::created(),
        data,
    }
}

/// Installs `bytes` expecting a rejection, and proves the store did not change.
fn rejected(store: &mut DeviceStore, bytes: &[u8]) -> StoreError {
    let before = common::dump(&rusqlite::Connection::open(store.path()).unwrap());
    let err = store
        .install_packet(bytes)
        .expect_err("the packet must be rejected");
    let after = common::dump(&rusqlite::Connection::open(store.path()).unwrap());
    assert_eq!(
        before, after,
        "a rejected packet must leave the store exactly as it was"
    );
    err
}

#[test]
fn installing_a_turf_packet_makes_its_walk_list_available() {
    let (_dir, mut store) = store();
    let data = common::campaign();
    let outcome = store
        .install_packet(&common::packet(&data, "A-turf", 1))
        .unwrap();
    assert_eq!(
        outcome,
        InstallOutcome::Installed {
            assignment_id: "A-turf".into(),
            version: 1
        }
    );

    let doors = store.walk_list("T1").unwrap();
    let ids: Vec<&str> = doors.iter().map(|d| d.household.id.as_str()).collect();
    assert_eq!(ids, ["H1", "H2", "H3", "H4", "H5", "H6", "H7"]);
    let first: Vec<&str> = doors[0]
        .people
        .iter()
        .map(|p| p.person.id.as_str())
        .collect();
    assert_eq!(first, ["P1", "P2"]);
    assert_eq!(
        store.campaign().unwrap().unwrap().time_zone,
        "America/Chicago"
    );
    assert_eq!(store.assignments().unwrap().len(), 1);
    assert_eq!(
        store.script_for("A-turf", "es").unwrap().questions[0].prompt,
        "¿Apoya a nuestra candidata?"
    );
    assert!(
        store
            .result_codes("A-turf")
            .unwrap()
            .iter()
            .all(|r| r.channel == walkbook_core::model::Channel::Door)
    );
}

#[test]
fn a_call_list_packet_carries_only_the_listed_people_and_phone_codes() {
    let (_dir, mut store) = store();
    let data = common::campaign();
    store
        .install_packet(&common::packet(&data, "A-calls", 1))
        .unwrap();
    let queue = store.call_queue("L1").unwrap();
    // P4 has no phone; everyone else is listed in list order.
    let ids: Vec<&str> = queue.iter().map(|q| q.person.id.as_str()).collect();
    assert_eq!(ids, ["P1", "P2", "P3", "P5"]);
    // Mai Nguyen has a landline first and a mobile second: dial the mobile.
    assert_eq!(queue[2].phone.number, "+13125550104");
    assert!(matches!(
        store.walk_list("T1"),
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        store.person("P7"),
        Err(StoreError::NotFound { .. })
    ));
}

#[test]
fn installing_the_same_version_twice_changes_nothing() {
    let (_dir, mut store) = store();
    let bytes = common::packet(&common::campaign(), "A-turf", 3);
    store.install_packet(&bytes).unwrap();
    let before = common::dump(&rusqlite::Connection::open(store.path()).unwrap());
    let outcome = store.install_packet(&bytes).unwrap();
    assert_eq!(
        outcome,
        InstallOutcome::AlreadyInstalled {
            assignment_id: "A-turf".into(),
            version: 3
        }
    );
    assert_eq!(
        before,
        common::dump(&rusqlite::Connection::open(store.path()).unwrap())
    );
}

#[test]
fn a_newer_version_replaces_the_reference_data() {
    let (_dir, mut store) = store();
    let mut data = common::campaign();
    store
        .install_packet(&common::packet(&data, "A-turf", 1))
        .unwrap();

    data.turfs[0].household_ids.retain(|h| h != "H3");
    data.scripts[0] = common::canvass_script(2);
    let outcome = store
        .install_packet(&common::packet(&data, "A-turf", 2))
        .unwrap();
    assert_eq!(
        outcome,
        InstallOutcome::Replaced {
            assignment_id: "A-turf".into(),
            old_version: 1,
            new_version: 2
        }
    );
    let ids: Vec<String> = store
        .walk_list("T1")
        .unwrap()
        .into_iter()
        .map(|d| d.household.id)
        .collect();
    assert!(!ids.contains(&"H3".to_string()));
    assert!(matches!(
        store.household("H3"),
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(store.script_for("A-turf", "en").unwrap().version, 2);
    assert_eq!(store.assignment("A-turf").unwrap().packet_version, 2);
}

#[test]
fn an_older_version_is_refused() {
    let (_dir, mut store) = store();
    let data = common::campaign();
    store
        .install_packet(&common::packet(&data, "A-turf", 5))
        .unwrap();
    let err = rejected(&mut store, &common::packet(&data, "A-turf", 4));
    assert!(
        matches!(
            err,
            StoreError::OlderPacket {
                offered: 4,
                installed: 5,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn the_same_version_with_different_content_is_refused() {
    let (_dir, mut store) = store();
    let mut data = common::campaign();
    store
        .install_packet(&common::packet(&data, "A-turf", 1))
        .unwrap();
    data.households[0].street_name = "Elm Street".into();
    let err = rejected(&mut store, &common::packet(&data, "A-turf", 1));
    assert!(
        matches!(err, StoreError::PacketVersionConflict { version: 1, .. }),
        "{err}"
    );
}

#[test]
fn a_corrupt_packet_is_rejected_and_the_store_is_unchanged() {
    let (_dir, mut store) = store();
    let data = common::campaign();
    store
        .install_packet(&common::packet(&data, "A-calls", 1))
        .unwrap();
    let good = common::packet(&data, "A-turf", 1);
    let original = decode_packet(&good).unwrap();
    let mut refused = 0;
    for i in (0..good.len()).step_by(7) {
        let mut bad = good.clone();
        bad[i] ^= 0x41;
        match decode_packet(&bad) {
            // Bytes of the gzip header that carry no content (mtime, OS) may
            // change without changing the packet: then it must decode identically.
            Ok(same) => assert_eq!(
                same, original,
                "byte {i} changed the content without being caught"
            ),
            Err(_) => {
                let err = rejected(&mut store, &bad);
                assert!(
                    err.to_string().contains("download it again"),
                    "byte {i}: {err}"
                );
                refused += 1;
            }
        }
    }
    assert!(refused > 10);
}

#[test]
fn a_truncated_packet_is_rejected_with_a_clear_error() {
    let (_dir, mut store) = store();
    let good = common::packet(&common::campaign(), "A-turf", 1);
    for len in [0, 5, 20, 38, 39, good.len() / 2, good.len() - 1] {
        let err = rejected(&mut store, &good[..len]);
        assert!(matches!(err, StoreError::Packet(_)), "length {len}: {err}");
        assert!(
            err.to_string().contains("download it again"),
            "length {len}: {err}"
        );
    }
    assert!(store.assignments().unwrap().is_empty());
}

#[test]
fn garbage_with_a_valid_hash_is_a_schema_error() {
    use sha2::Digest;
    use std::io::Write;
    let json = br#"{"format":1,"campaign_id":"x"}"#;
    let mut bytes = walkbook_core::packet::PACKET_MAGIC.to_vec();
    bytes.extend_from_slice(&sha2::Sha256::digest(json));
    let mut gz = flate2::write::GzEncoder::new(bytes, flate2::Compression::default());
    gz.write_all(json).unwrap();
    let bytes = gz.finish().unwrap();
    let err = decode_packet(&bytes).unwrap_err();
    assert!(err.to_string().contains("missing field"), "{err}");
}

#[test]
fn a_packet_for_another_campaign_is_refused() {
    let (_dir, mut store) = store();
    let data = common::campaign();
    store
        .install_packet(&common::packet(&data, "A-turf", 1))
        .unwrap();
    let mut other = common::campaign();
    other.campaign.as_mut().unwrap().id = "camp-2".into();
    let err = rejected(&mut store, &common::packet(&other, "A-calls", 1));
    assert!(matches!(err, StoreError::OtherCampaign { .. }), "{err}");
    assert!(err.to_string().contains("camp-2"), "{err}");
}

#[test]
fn a_script_branch_to_a_missing_question_is_rejected_naming_the_question() {
    let (_dir, mut store) = store();
    let mut data = common::campaign();
    data.scripts[0].questions[1].branches = vec![Branch {
        when_answer: "no".into(),
        go_to: "closing".into(),
    }];
    let err = rejected(&mut store, &encode_packet(&body_for(data, 1)));
    let msg = err.to_string();
    assert!(
        msg.contains("script canvass v1 question volunteer"),
        "{msg}"
    );
    assert!(msg.contains("\"closing\" which does not exist"), "{msg}");
}

#[test]
fn a_household_in_two_turfs_is_rejected_naming_both() {
    let (_dir, mut store) = store();
    let mut data = common::campaign();
    let mut second = data.turfs[0].clone();
    second.id = "T2".into();
    second.household_ids = vec!["H2".into()];
    data.turfs.push(second);
    let err = rejected(&mut store, &encode_packet(&body_for(data, 1)));
    let msg = err.to_string();
    assert!(
        msg.contains("turf T2") && msg.contains("household H2 is also in turf T1"),
        "{msg}"
    );
}

#[test]
fn a_phone_number_that_is_not_a_number_is_rejected_naming_the_person() {
    let (_dir, mut store) = store();
    let mut data = common::campaign();
    data.people[2].phones.push(Phone {
        number: "call me maybe".into(),
        kind: PhoneKind::Mobile,
    });
    let err = rejected(&mut store, &encode_packet(&body_for(data, 1)));
    let msg = err.to_string();
    assert!(
        msg.contains("person P3") && msg.contains("call me maybe"),
        "{msg}"
    );
}

#[test]
fn a_packet_whose_assignment_refers_to_a_missing_turf_is_rejected() {
    let (_dir, mut store) = store();
    let mut data = common::campaign();
    data.turfs.clear();
    let err = rejected(&mut store, &encode_packet(&body_for(data, 1)));
    assert!(err.to_string().contains("assignment A-turf"), "{err}");
}
