//! Call queue: who to call next on a call list, which number to dial, and
//! whether the calling hours in the contact's own time zone allow it now.

mod hours;
mod zones;

pub use hours::{CallWindow, call_window};
pub use zones::zone_for_postal_code;

use std::collections::HashSet;

use sha2::{Digest, Sha256};

use crate::model::{Person, Phone, PhoneKind, normalize_phone};

/// A stand-in for a contact's number in results: a campaign-salted hash, so
/// "this number is wrong" can travel to every list and device without any
/// result ever carrying the number itself.
pub fn phone_ref(campaign_id: &str, number: &str) -> String {
    let digest = Sha256::digest(format!("walkbook phone v1|{campaign_id}|{number}").as_bytes());
    hex::encode(&digest[..12])
}

/// One person to call and the number to dial.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedCall {
    pub person_id: String,
    pub household_id: String,
    pub phone: Phone,
}

fn preference(kind: PhoneKind) -> u8 {
    match kind {
        PhoneKind::Mobile => 0,
        PhoneKind::Landline => 1,
        PhoneKind::Unknown => 2,
    }
}

/// The number to dial for a person: a mobile first (people answer those),
/// then a landline, then a number of unknown kind; never a number known to
/// be wrong (`unusable`, E.164) or one that does not validate.
pub fn dialable_phone<'a>(person: &'a Person, unusable: &HashSet<String>) -> Option<&'a Phone> {
    person
        .phones
        .iter()
        .filter(|p| !unusable.contains(&p.number))
        .filter(|p| normalize_phone(&p.number).is_ok_and(|n| n == p.number))
        .min_by_key(|p| preference(p.kind))
}

/// People of a call list in list order, each with the number to dial.
/// Do-not-contact people and people without a dialable number are left out.
pub fn call_queue<'a>(
    people: impl IntoIterator<Item = &'a Person>,
    unusable: &HashSet<String>,
) -> Vec<QueuedCall> {
    people
        .into_iter()
        .filter(|p| !p.do_not_contact)
        .filter_map(|p| {
            dialable_phone(p, unusable).map(|phone| QueuedCall {
                person_id: p.id.clone(),
                household_id: p.household_id.clone(),
                phone: phone.clone(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn person(id: &str, phones: &[(&str, PhoneKind)]) -> Person {
        Person {
            id: id.into(),
            household_id: format!("H-{id}"),
            first_name: "Test".into(),
            last_name: id.into(),
            birth_year: None,
            language: "en".into(),
            phones: phones
                .iter()
                .map(|(n, k)| Phone {
                    number: (*n).into(),
                    kind: *k,
                })
                .collect(),
            party: None,
            support_score: None,
            attributes: BTreeMap::new(),
            do_not_contact: false,
        }
    }

    fn numbers(q: &[QueuedCall]) -> Vec<(&str, &str)> {
        q.iter()
            .map(|c| (c.person_id.as_str(), c.phone.number.as_str()))
            .collect()
    }

    #[test]
    fn a_mobile_is_dialled_before_a_landline_and_list_order_is_kept() {
        let people = [
            person(
                "b",
                &[
                    ("+13125550101", PhoneKind::Landline),
                    ("+13125550102", PhoneKind::Mobile),
                ],
            ),
            person(
                "a",
                &[
                    ("+13125550103", PhoneKind::Unknown),
                    ("+13125550104", PhoneKind::Landline),
                ],
            ),
        ];
        let q = call_queue(&people, &HashSet::new());
        assert_eq!(numbers(&q), [("b", "+13125550102"), ("a", "+13125550104")]);
    }

    #[test]
    fn do_not_contact_and_people_without_a_phone_are_skipped() {
        let mut dnc = person("dnc", &[("+13125550105", PhoneKind::Mobile)]);
        dnc.do_not_contact = true;
        let people = [
            dnc,
            person("none", &[]),
            person("ok", &[("+13125550106", PhoneKind::Mobile)]),
        ];
        assert_eq!(
            numbers(&call_queue(&people, &HashSet::new())),
            [("ok", "+13125550106")]
        );
    }

    #[test]
    fn an_invalid_number_is_never_dialled() {
        let people = [
            person("bad", &[("555-CALL-NOW", PhoneKind::Mobile)]),
            person(
                "unnormalised",
                &[
                    ("(312) 555-0107", PhoneKind::Mobile),
                    ("+13125550108", PhoneKind::Landline),
                ],
            ),
        ];
        assert_eq!(
            numbers(&call_queue(&people, &HashSet::new())),
            [("unnormalised", "+13125550108")]
        );
    }

    #[test]
    fn a_number_known_to_be_wrong_falls_back_to_the_next_one() {
        let people = [person(
            "p",
            &[
                ("+13125550109", PhoneKind::Mobile),
                ("+13125550110", PhoneKind::Landline),
            ],
        )];
        let wrong: HashSet<String> = ["+13125550109".to_string()].into();
        assert_eq!(
            numbers(&call_queue(&people, &wrong)),
            [("p", "+13125550110")]
        );
        let both: HashSet<String> = ["+13125550109".to_string(), "+13125550110".to_string()].into();
        assert!(call_queue(&people, &both).is_empty());
    }
}
