//! Address normalisation: voter files spell one door many ways ("APT 4",
//! "#4", "Unit 4"; "Street"/"ST"; double spaces; upper case).

use crate::model::Household;
use crate::walk::street_key;

const SUFFIXES: &[(&str, &str)] = &[
    ("street", "st"),
    ("avenue", "ave"),
    ("av", "ave"),
    ("road", "rd"),
    ("drive", "dr"),
    ("boulevard", "blvd"),
    ("lane", "ln"),
    ("court", "ct"),
    ("place", "pl"),
    ("terrace", "ter"),
    ("parkway", "pkwy"),
    ("north", "n"),
    ("south", "s"),
    ("east", "e"),
    ("west", "w"),
];

fn street_words(street: &str) -> String {
    street_key(&street.replace('.', " "))
        .split(' ')
        .map(|w| {
            SUFFIXES
                .iter()
                .find(|(long, _)| *long == w)
                .map_or(w, |(_, short)| short)
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// "APT 4", "#4", "Unit 4", "apt. 4" → "4"; empty → None.
pub fn normalize_unit(unit: &str) -> Option<String> {
    let mut u = unit.trim().to_uppercase();
    for prefix in ["APARTMENT", "APT.", "APT", "UNIT", "STE", "SUITE", "#"] {
        if let Some(rest) = u.strip_prefix(prefix) {
            u = rest.trim().to_string();
        }
    }
    let u = u.trim_start_matches('#').trim().to_string();
    (!u.is_empty()).then_some(u)
}

/// The key under which two spellings of one door meet.
pub fn household_key(h: &Household) -> String {
    let zip: String = h
        .postal_code
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .take(5)
        .collect();
    format!(
        "{}|{}|{}|{}",
        h.house_number,
        street_words(&h.street_name),
        h.unit
            .as_deref()
            .and_then(normalize_unit)
            .unwrap_or_default(),
        zip
    )
}

/// Splits "1234 N Maple Ave Apt 2B" into (1234, "N Maple Ave", Some("2B")).
pub fn parse_address_line(line: &str) -> Option<(u32, String, Option<String>)> {
    let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
    let (number, rest) = line.split_once(' ')?;
    let number: u32 = number
        .trim_end_matches(|c: char| c.is_ascii_alphabetic())
        .parse()
        .ok()?;
    let upper = rest.to_uppercase();
    let cut = [" APT ", " APT. ", " UNIT ", " #", " APARTMENT ", " STE "]
        .iter()
        .filter_map(|m| upper.find(m))
        .min();
    let (street, unit) = match cut {
        Some(i) => (rest[..i].trim().to_string(), normalize_unit(&rest[i..])),
        None => (rest.trim().to_string(), None),
    };
    (!street.is_empty()).then_some((number, street, unit))
}
