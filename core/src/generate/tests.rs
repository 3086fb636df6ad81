use std::collections::{HashMap, HashSet};

use super::*;
use crate::model::{ResultEffect, ScriptKind, validate_reference_data};

fn campaign(households: usize, seed: u64) -> ReferenceData {
    generate_campaign(&GenerateOptions { households, seed })
}

#[test]
fn the_same_seed_gives_the_same_campaign_and_another_seed_a_different_one() {
    assert_eq!(campaign(300, 11), campaign(300, 11));
    let a = campaign(300, 11);
    let b = campaign(300, 12);
    assert_ne!(a, b);
    assert_ne!(a.people[0].full_name(), "");
    assert_eq!(a.campaign.as_ref().map(|c| c.id.as_str()), Some("demo-11"));
    assert_eq!(b.campaign.as_ref().map(|c| c.id.as_str()), Some("demo-12"));
}

#[test]
fn campaigns_of_every_size_pass_validation() {
    for households in [0, 1, 10, 500, 2000] {
        let data = campaign(households, 5);
        validate_reference_data(&data).unwrap_or_else(|e| panic!("{households} doors: {e}"));
        assert_eq!(data.households.len(), households);
        let c = data.campaign.as_ref().expect("a campaign");
        assert_eq!(c.time_zone, "America/Chicago");
        assert_eq!(c.calling_hours.start.to_string(), "09:00:00");
        assert_eq!(c.calling_hours.end.to_string(), "20:00:00");
    }
}

#[test]
fn every_phone_is_in_the_fictional_555_01xx_range() {
    let data = campaign(2000, 9);
    let mut numbers = 0;
    for p in &data.people {
        for phone in &p.phones {
            assert!(
                is_fictional_phone(&phone.number),
                "{} has {}",
                p.id,
                phone.number
            );
            let line: u16 = phone.number[8..].parse().expect("digits");
            assert!((100..=199).contains(&line), "{}", phone.number);
            numbers += 1;
        }
    }
    assert!(numbers > data.people.len() / 2, "most voters have a phone");
    assert!(
        data.people.iter().any(|p| p.phones.is_empty()),
        "some voters have none"
    );
}

#[test]
fn household_members_share_a_landline_but_strangers_do_not_share_numbers() {
    let data = campaign(1000, 2);
    let mut households_of: HashMap<&str, HashSet<&str>> = HashMap::new();
    for p in &data.people {
        for phone in &p.phones {
            households_of
                .entry(&phone.number)
                .or_default()
                .insert(&p.household_id);
        }
    }
    for (number, households) in households_of {
        assert_eq!(
            households.len(),
            1,
            "{number} is shared by households {households:?}"
        );
    }
}

#[test]
fn turfs_hold_50_to_80_doors_and_every_household_is_in_exactly_one() {
    let data = campaign(2000, 3);
    let (last, rest) = data.turfs.split_last().expect("turfs");
    for t in rest {
        let n = t.household_ids.len();
        assert!(
            (MIN_TURF_DOORS..=MAX_TURF_DOORS).contains(&n),
            "{} has {n} doors",
            t.id
        );
    }
    assert!(!last.household_ids.is_empty() && last.household_ids.len() <= MAX_TURF_DOORS);
    let mut seen = HashSet::new();
    for t in &data.turfs {
        for h in &t.household_ids {
            assert!(seen.insert(h.as_str()), "{h} is in two turfs");
        }
    }
    assert_eq!(seen.len(), data.households.len());
}

#[test]
fn a_small_campaign_is_a_single_turf() {
    for households in [1, 10, 80] {
        let data = campaign(households, 4);
        assert_eq!(data.turfs.len(), 1, "{households} doors");
        assert_eq!(data.turfs[0].household_ids.len(), households);
    }
}

#[test]
fn an_apartment_building_lies_in_one_turf() {
    let data = campaign(2000, 8);
    let turf_of: HashMap<&str, &str> = data
        .turfs
        .iter()
        .flat_map(|t| {
            t.household_ids
                .iter()
                .map(move |h| (h.as_str(), t.id.as_str()))
        })
        .collect();
    let mut building_turf: HashMap<(u32, &str), &str> = HashMap::new();
    let mut units = 0;
    for h in data.households.iter().filter(|h| h.unit.is_some()) {
        units += 1;
        let turf = turf_of[h.id.as_str()];
        let first = building_turf
            .entry((h.house_number, &h.street_name))
            .or_insert(turf);
        assert_eq!(*first, turf, "{} is split between turfs", h.address_line());
    }
    assert!(units > 100, "the neighbourhood has flats and apartments");
}

#[test]
fn odd_and_even_sides_of_a_street_face_each_other() {
    let data = campaign(500, 1);
    let street = &data.households[0].street_name;
    let lon_of = |odd: bool| {
        let side: Vec<f64> = data
            .households
            .iter()
            .filter(|h| &h.street_name == street && (h.house_number % 2 == 1) == odd)
            .filter_map(|h| h.lon)
            .collect();
        side.iter().sum::<f64>() / side.len() as f64
    };
    let (odd, even) = (lon_of(true), lon_of(false));
    // Even numbers are on the west side, 20–30 m from the odd side.
    assert!(
        even < odd,
        "even side {even} should be west of odd side {odd}"
    );
    assert!((odd - even) * 82_800.0 > 15.0 && (odd - even) * 82_800.0 < 35.0);
    let h = &data.households[0];
    assert!((41.85..42.0).contains(&h.lat.unwrap_or(0.0)));
    assert!((-87.75..-87.6).contains(&h.lon.unwrap_or(0.0)));
}

#[test]
fn people_are_varied_and_realistic() {
    let data = campaign(2000, 6);
    let languages: HashSet<&str> = data.people.iter().map(|p| p.language.as_str()).collect();
    for lang in ["en", "es", "vi", "zh"] {
        assert!(languages.contains(lang), "someone prefers {lang}");
    }
    let english = data.people.iter().filter(|p| p.language == "en").count();
    assert!(english * 10 > data.people.len() * 7, "most prefer English");
    assert!(data.people.iter().any(|p| p.do_not_contact));
    assert!(data.people.iter().any(|p| p.support_score.is_none()));
    assert!(data.people.iter().any(|p| p.party.is_none()));
    for p in &data.people {
        let year = p.birth_year.expect("voter files carry a birth year");
        assert!((1935..=2006).contains(&year), "{} born {year}", p.id);
    }
    let mut per_household: HashMap<&str, usize> = HashMap::new();
    for p in &data.people {
        *per_household.entry(&p.household_id).or_default() += 1;
    }
    assert_eq!(per_household.len(), data.households.len());
    assert!(per_household.values().all(|n| (1..=4).contains(n)));
    assert_eq!(data.people[0].id, "V000001");
    assert_eq!(data.households[44].id, "H000045");
}

#[test]
fn call_lists_hold_about_200_callable_people() {
    let data = campaign(2000, 7);
    let people: HashMap<&str, &crate::model::Person> =
        data.people.iter().map(|p| (p.id.as_str(), p)).collect();
    assert!(data.call_lists.len() > 5);
    for (i, l) in data.call_lists.iter().enumerate() {
        assert_eq!(l.id, format!("calls-{}", i + 1));
        assert!(
            (50..=250).contains(&l.person_ids.len()),
            "{} has {}",
            l.id,
            l.person_ids.len()
        );
        for id in &l.person_ids {
            let p = people[id.as_str()];
            assert!(
                !p.phones.is_empty() && !p.do_not_contact,
                "{id} cannot be called"
            );
        }
    }
}

#[test]
fn scripts_have_support_volunteer_branch_and_spanish() {
    let data = campaign(10, 1);
    let canvass = data
        .scripts
        .iter()
        .find(|s| s.kind == ScriptKind::Canvass)
        .expect("canvass");
    let phone = data
        .scripts
        .iter()
        .find(|s| s.kind == ScriptKind::Phone)
        .expect("phone");
    for s in [canvass, phone] {
        assert_eq!(s.version, 1);
        let support = s.question("support").expect("support question");
        let ids: Vec<&str> = support.options.iter().map(|o| o.id.as_str()).collect();
        assert_eq!(ids, ["1", "2", "3", "4", "5"]);
        assert!(s.question("vote_plan").is_some() && s.question("notes").is_some());
        let es = s.localized("es");
        assert!(es.intro.contains("Hola"));
        assert_eq!(
            es.question("support").map(|q| q.options[0].label.as_str()),
            Some("Apoyo firme")
        );
    }
    assert_eq!(
        canvass
            .next_question("volunteer", "no")
            .map(|q| q.id.as_str()),
        Some("notes")
    );
    assert_eq!(
        canvass
            .next_question("volunteer", "yes")
            .map(|q| q.id.as_str()),
        Some("volunteer_when")
    );
}

#[test]
fn result_codes_cover_doors_and_phones_with_their_effects() {
    let data = campaign(1, 1);
    let code = |id: &str| data.result_codes.iter().find(|c| c.id == id).expect(id);
    assert_eq!(data.result_codes.len(), 19);
    assert_eq!(code("not_home").effect, ResultEffect::Retry);
    assert!(!code("not_home").is_final);
    assert!(code("do_not_knock").is_final && code("do_not_call").is_final);
    assert_eq!(code("disconnected").effect, ResultEffect::WrongNumber);
    assert_eq!(code("call_back").effect, ResultEffect::ComeBack);
}

#[test]
fn every_turf_and_call_list_is_assigned_with_the_matching_script() {
    let data = campaign(2000, 1);
    assert_eq!(
        data.assignments.len(),
        data.turfs.len() + data.call_lists.len()
    );
    assert!((3..=12).contains(&data.volunteers.len()));
    let busy: HashSet<&str> = data
        .assignments
        .iter()
        .map(|a| a.volunteer_id.as_str())
        .collect();
    assert_eq!(
        busy.len(),
        data.volunteers.len(),
        "work is spread over all volunteers"
    );
    for a in &data.assignments {
        assert_eq!(a.expires_at.to_rfc3339(), "2030-01-01T00:00:00+00:00");
    }
}

#[test]
fn the_voter_csv_has_one_row_per_person_and_parses_back() {
    let data = campaign(500, 4);
    let mut bytes = Vec::new();
    write_voter_csv(&data, &mut bytes).expect("write to memory");
    let mut reader = csv::Reader::from_reader(bytes.as_slice());
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(str::to_string)
        .collect();
    assert_eq!(header, VOTER_CSV_HEADER);
    let rows: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>().expect("rows");
    assert_eq!(rows.len(), data.people.len());
    for (row, p) in rows.iter().zip(&data.people) {
        assert_eq!(&row[0], p.id);
        assert_eq!(&row[2], p.last_name);
        assert_eq!(&row[19], p.household_id);
        assert_eq!(row[7].is_empty(), p.phones.is_empty());
        let lat: f64 = row[17].parse().expect("lat");
        assert!((41.0..43.0).contains(&lat));
    }
}

#[test]
fn a_campaign_cannot_define_the_reserved_review_codes() {
    for (id, effect) in [
        ("rollback", ResultEffect::Refused),
        ("gone", ResultEffect::Rollback),
        ("undo_rollback", ResultEffect::Retry),
        ("restore", ResultEffect::UndoRollback),
    ] {
        let mut data = campaign(10, 5);
        let mut code = data.result_codes[0].clone();
        code.id = id.into();
        code.effect = effect;
        data.result_codes.push(code);
        let e = validate_reference_data(&data).unwrap_err().to_string();
        assert!(e.contains("reserved for organizers' review"), "{id}: {e}");
    }
}
