//! Data minimisation: a packet carries only what its shift needs. A lost
//! phone with a canvass packet holds no phone numbers, party or support.

mod common;

use walkbook_core::model::{AssignmentKind, PersonField, ReferenceData};
use walkbook_core::packet::{build_packet, carried_fields, decode_packet};

/// The fixture campaign with every optional field filled in for everyone.
fn full_voter_file() -> ReferenceData {
    let mut data = common::campaign();
    for (i, p) in data.people.iter_mut().enumerate() {
        p.party = Some("DEM".into());
        p.support_score = Some((i % 5) as u8 + 1);
        p.attributes
            .insert("congressional_district".into(), "13".into());
    }
    assert!(data.people.iter().filter(|p| !p.phones.is_empty()).count() >= 5);
    data
}

fn packet_of(data: &ReferenceData, assignment: &str) -> (ReferenceData, String) {
    let (_, bytes) = build_packet(data, assignment, 1, common::created()).unwrap();
    let body = decode_packet(&bytes).unwrap().body;
    let json = serde_json::to_string(&body).unwrap();
    (body.data, json)
}

#[test]
fn a_default_canvass_packet_holds_no_phone_numbers_party_or_support() {
    let data = full_voter_file();
    let (turf, json) = packet_of(&data, "A-turf");
    assert!(!turf.people.is_empty());
    for p in &turf.people {
        assert!(p.phones.is_empty(), "{} carries phones", p.id);
        assert_eq!(
            (p.party.as_deref(), p.support_score),
            (None, None),
            "{}",
            p.id
        );
        assert!(p.attributes.is_empty(), "{}", p.id);
        // What the door needs is still there.
        assert!(!p.first_name.is_empty() && p.birth_year.is_some());
    }
    // Not a number anywhere in the packet, in any form.
    for p in &data.people {
        for phone in &p.phones {
            let digits = phone.number.trim_start_matches('+');
            assert!(!json.contains(digits), "{digits} is in the canvass packet");
        }
    }
    assert!(!json.contains("DEM") && !json.contains("congressional_district"));
    assert_eq!(
        carried_fields(&turf),
        [
            "name",
            "household",
            "language",
            "do_not_contact",
            "birth_year"
        ]
    );

    // Installed on a phone, the walk list has nobody's number either.
    let dir = tempfile::tempdir().unwrap();
    let mut store = walkbook_core::store::DeviceStore::open(dir.path().join("c.db"), None).unwrap();
    store
        .install_packet(&common::packet(&data, "A-turf", 1))
        .unwrap();
    let doors = store.walk_list("T1").unwrap();
    assert!(
        doors
            .iter()
            .flat_map(|d| &d.people)
            .all(|p| p.person.phones.is_empty())
    );
}

#[test]
fn a_call_list_packet_carries_phones_and_nothing_else_optional() {
    let data = full_voter_file();
    let (list, _) = packet_of(&data, "A-calls");
    assert!(list.people.iter().any(|p| !p.phones.is_empty()));
    for p in &list.people {
        let source = data.people.iter().find(|s| s.id == p.id).unwrap();
        assert_eq!(p.phones, source.phones, "{} keeps every number", p.id);
    }
    assert!(
        list.people
            .iter()
            .all(|p| p.party.is_none() && p.support_score.is_none())
    );
    assert!(carried_fields(&list).contains(&"phones"));
    assert!(!carried_fields(&list).contains(&"party"));
}

#[test]
fn a_campaign_opts_in_per_field_and_per_kind() {
    let mut data = full_voter_file();
    let settings = data.campaign.as_mut().unwrap();
    settings.packet_fields.turf = [PersonField::Party, PersonField::SupportScore].into();
    settings.packet_fields.call_list = [PersonField::Attributes].into();
    let (turf, _) = packet_of(&data, "A-turf");
    assert!(
        turf.people
            .iter()
            .all(|p| p.party.as_deref() == Some("DEM"))
    );
    assert!(turf.people.iter().all(|p| p.support_score.is_some()));
    assert!(
        turf.people.iter().all(|p| p.phones.is_empty()),
        "phones were not asked for"
    );
    let (list, _) = packet_of(&data, "A-calls");
    assert!(
        list.people
            .iter()
            .all(|p| !p.attributes.is_empty() && p.party.is_none())
    );
    assert_eq!(
        carried_fields(&list),
        [
            "name",
            "household",
            "language",
            "do_not_contact",
            "birth_year",
            "phones",
            "attributes"
        ]
    );
    assert!(
        data.campaign
            .as_ref()
            .unwrap()
            .packet_fields
            .carries(AssignmentKind::CallList, PersonField::Phones)
    );
}

#[test]
fn an_unknown_packet_field_is_refused_when_the_campaign_is_read() {
    let text = r#"{"turf": ["phones", "ssn"]}"#;
    let err = serde_json::from_str::<walkbook_core::model::PacketFields>(text).unwrap_err();
    assert!(err.to_string().contains("ssn"), "{err}");
}
