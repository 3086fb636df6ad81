//! A voter-file-style CSV of the generated people, the shape an admin
//! imports: one row per person with their household's address.

use std::collections::HashMap;
use std::io::Write;

use crate::model::{Household, Phone, ReferenceData};

pub const VOTER_CSV_HEADER: [&str; 21] = [
    "voter_id",
    "first_name",
    "last_name",
    "birth_year",
    "language",
    "party",
    "support_score",
    "phone",
    "phone_type",
    "phone2",
    "phone2_type",
    "house_number",
    "street_name",
    "unit",
    "city",
    "postal_code",
    "precinct",
    "lat",
    "lon",
    "household_id",
    "do_not_contact",
];

/// Writes one row per person, in person order. Missing values are empty
/// cells; phones are E.164; `do_not_contact` is `true` or `false`.
pub fn write_voter_csv<W: Write>(data: &ReferenceData, out: W) -> Result<(), csv::Error> {
    let households: HashMap<&str, &Household> =
        data.households.iter().map(|h| (h.id.as_str(), h)).collect();
    let mut w = csv::Writer::from_writer(out);
    w.write_record(VOTER_CSV_HEADER)?;
    for p in &data.people {
        let h = households.get(p.household_id.as_str()).copied();
        let phone = |i: usize| -> (String, String) {
            p.phones
                .get(i)
                .map(|Phone { number, kind }| (number.clone(), kind.as_str().to_string()))
                .unwrap_or_default()
        };
        let (phone1, phone1_kind) = phone(0);
        let (phone2, phone2_kind) = phone(1);
        let opt = |v: Option<String>| v.unwrap_or_default();
        w.write_record([
            p.id.clone(),
            p.first_name.clone(),
            p.last_name.clone(),
            opt(p.birth_year.map(|y| y.to_string())),
            p.language.clone(),
            opt(p.party.clone()),
            opt(p.support_score.map(|s| s.to_string())),
            phone1,
            phone1_kind,
            phone2,
            phone2_kind,
            opt(h.map(|h| h.house_number.to_string())),
            opt(h.map(|h| h.street_name.clone())),
            opt(h.and_then(|h| h.unit.clone())),
            opt(h.map(|h| h.city.clone())),
            opt(h.map(|h| h.postal_code.clone())),
            opt(h.and_then(|h| h.precinct.clone())),
            opt(h.and_then(|h| h.lat).map(|x| x.to_string())),
            opt(h.and_then(|h| h.lon).map(|x| x.to_string())),
            p.household_id.clone(),
            p.do_not_contact.to_string(),
        ])?;
    }
    w.flush()?;
    Ok(())
}
