//! Registered voters living in the generated households.

use std::collections::BTreeMap;

use crate::model::{Household, Person, Phone, PhoneKind};

use super::names::HERITAGE_WEIGHTS;
use super::phones::{Origin, PhonePool};
use super::rng::SplitMix64;

const OLDEST_BIRTH_YEAR: u16 = 1935;
const YOUNGEST_BIRTH_YEAR: u16 = 2006;

/// Voters per household: 1–4, two most often.
const HOUSEHOLD_SIZES: &[(usize, u32)] = &[(1, 30), (2, 36), (3, 20), (4, 14)];
const PARTIES: &[(Option<&str>, u32)] = &[
    (None, 30),
    (Some("D"), 42),
    (Some("R"), 18),
    (Some("I"), 6),
    (Some("G"), 2),
    (Some("L"), 2),
];
/// A modelled support score is known for about half the voters, and leans
/// the way their party does.
const SUPPORT_SCORES_DEMOCRAT: &[(Option<u8>, u32)] = &[
    (None, 45),
    (Some(1), 22),
    (Some(2), 17),
    (Some(3), 10),
    (Some(4), 4),
    (Some(5), 2),
];
const SUPPORT_SCORES_REPUBLICAN: &[(Option<u8>, u32)] = &[
    (None, 45),
    (Some(1), 2),
    (Some(2), 4),
    (Some(3), 10),
    (Some(4), 17),
    (Some(5), 22),
];
const SUPPORT_SCORES_OTHER: &[(Option<u8>, u32)] = &[
    (None, 45),
    (Some(1), 8),
    (Some(2), 11),
    (Some(3), 17),
    (Some(4), 11),
    (Some(5), 8),
];
const DO_NOT_CONTACT_RATE: f64 = 0.02;
const HOUSEHOLD_LANDLINE_RATE: f64 = 0.30;
const USES_HOUSEHOLD_LANDLINE_RATE: f64 = 0.75;
const MOBILE_RATE: f64 = 0.68;
const SECOND_MOBILE_RATE: f64 = 0.05;
const MOBILE_FROM_ELSEWHERE_RATE: f64 = 0.25;

/// Generates the voters of every household, with ids `V000001`.. in
/// household order.
pub fn generate_people(
    households: &[Household],
    rng: &mut SplitMix64,
    phones: &mut PhonePool,
) -> Vec<Person> {
    let mut people = Vec::with_capacity(households.len() * 5 / 2);
    for h in households {
        let size = *rng.weighted(HOUSEHOLD_SIZES);
        let heritage = *rng.weighted(HERITAGE_WEIGHTS);
        let family_name = heritage.last_name(rng);
        let head_year = rng.range(1940, 2004) as u16;
        let landline = rng
            .chance(HOUSEHOLD_LANDLINE_RATE)
            .then(|| phones.issue(Origin::ChicagoLandline));
        for member in 0..size {
            // Most households are a family; some members are roommates or
            // in-laws with a name of their own.
            let (heritage, last_name) = if member == 0 || rng.chance(0.8) {
                (heritage, family_name)
            } else {
                let other = *rng.weighted(HERITAGE_WEIGHTS);
                (other, other.last_name(rng))
            };
            let birth_year = member_birth_year(member, head_year, rng);
            let phones = member_phones(landline.as_deref(), rng, phones);
            let party = *rng.weighted(PARTIES);
            let support_scores = match party {
                Some("D") => SUPPORT_SCORES_DEMOCRAT,
                Some("R") => SUPPORT_SCORES_REPUBLICAN,
                _ => SUPPORT_SCORES_OTHER,
            };
            people.push(Person {
                id: format!("V{:06}", people.len() + 1),
                household_id: h.id.clone(),
                first_name: heritage.first_name(rng).to_string(),
                last_name: last_name.to_string(),
                birth_year: Some(birth_year),
                language: heritage.language(rng).to_string(),
                phones,
                party: party.map(str::to_string),
                support_score: *rng.weighted(support_scores),
                attributes: BTreeMap::new(),
                do_not_contact: rng.chance(DO_NOT_CONTACT_RATE),
            });
        }
    }
    people
}

/// A partner near the head's age, then grown children (or, for young
/// heads, roommates of about the same age).
fn member_birth_year(member: usize, head_year: u16, rng: &mut SplitMix64) -> u16 {
    let year = match member {
        0 => i32::from(head_year),
        1 => i32::from(head_year) + rng.range(0, 12) as i32 - 6,
        _ if head_year <= 1980 => i32::from(head_year) + rng.range(20, 36) as i32,
        _ => i32::from(head_year) + rng.range(0, 16) as i32 - 8,
    };
    year.clamp(i32::from(OLDEST_BIRTH_YEAR), i32::from(YOUNGEST_BIRTH_YEAR)) as u16
}

fn member_phones(landline: Option<&str>, rng: &mut SplitMix64, pool: &mut PhonePool) -> Vec<Phone> {
    let mut phones = Vec::new();
    let mut add_mobile = |rng: &mut SplitMix64, phones: &mut Vec<Phone>| {
        let origin = if rng.chance(MOBILE_FROM_ELSEWHERE_RATE) {
            Origin::MovedHereMobile
        } else {
            Origin::LocalMobile
        };
        phones.push(Phone {
            number: pool.issue(origin),
            kind: PhoneKind::Mobile,
        });
    };
    if rng.chance(MOBILE_RATE) {
        add_mobile(rng, &mut phones);
        if rng.chance(SECOND_MOBILE_RATE) {
            add_mobile(rng, &mut phones);
        }
    }
    if let Some(number) = landline
        && rng.chance(USES_HOUSEHOLD_LANDLINE_RATE)
    {
        phones.push(Phone {
            number: number.to_string(),
            kind: PhoneKind::Landline,
        });
    }
    phones
}
