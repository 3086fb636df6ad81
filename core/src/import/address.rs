//! Address normalisation: voter files spell one door many ways ("APT 4",
//! "#4", "Unit 4"; "Street"/"ST"; double spaces; upper case).

use crate::model::Household;
use crate::walk::street_key;

/// USPS street suffixes (Publication 28, C1) and directionals, spelled out
/// → standard abbreviation, plus common variants. Used only to build the
/// key two spellings of one door share; what the file says is what the
/// canvasser reads.
const SUFFIXES: &[(&str, &str)] = &[
    ("alley", "aly"),
    ("allee", "aly"),
    ("ally", "aly"),
    ("avenue", "ave"),
    ("av", "ave"),
    ("aven", "ave"),
    ("avenu", "ave"),
    ("avn", "ave"),
    ("boulevard", "blvd"),
    ("boul", "blvd"),
    ("boulv", "blvd"),
    ("circle", "cir"),
    ("circ", "cir"),
    ("crcl", "cir"),
    ("court", "ct"),
    ("cove", "cv"),
    ("crescent", "cres"),
    ("creek", "crk"),
    ("crossing", "xing"),
    ("crssng", "xing"),
    ("drive", "dr"),
    ("drv", "dr"),
    ("driv", "dr"),
    ("expressway", "expy"),
    ("freeway", "fwy"),
    ("highway", "hwy"),
    ("highwy", "hwy"),
    ("hill", "hl"),
    ("heights", "hts"),
    ("hollow", "holw"),
    ("junction", "jct"),
    ("lake", "lk"),
    ("lane", "ln"),
    ("loop", "loop"),
    ("mount", "mt"),
    ("mountain", "mtn"),
    ("parkway", "pkwy"),
    ("pkway", "pkwy"),
    ("parkwy", "pkwy"),
    ("place", "pl"),
    ("plaza", "plz"),
    ("point", "pt"),
    ("ridge", "rdg"),
    ("road", "rd"),
    ("route", "rte"),
    ("square", "sq"),
    ("sqr", "sq"),
    ("street", "st"),
    ("str", "st"),
    ("strt", "st"),
    ("terrace", "ter"),
    ("terr", "ter"),
    ("trace", "trce"),
    ("trail", "trl"),
    ("turnpike", "tpke"),
    ("valley", "vly"),
    ("view", "vw"),
    ("village", "vlg"),
    ("way", "way"),
    ("north", "n"),
    ("south", "s"),
    ("east", "e"),
    ("west", "w"),
    ("northeast", "ne"),
    ("northwest", "nw"),
    ("southeast", "se"),
    ("southwest", "sw"),
];

/// Secondary unit designators (USPS Publication 28, C2) a unit may start
/// with; the key keeps only what follows.
const UNIT_DESIGNATORS: &[&str] = &[
    "APARTMENT",
    "APT",
    "UNIT",
    "SUITE",
    "STE",
    "LOT",
    "TRAILER",
    "TRLR",
    "SPACE",
    "SPC",
    "ROOM",
    "RM",
    "FLOOR",
    "FL",
    "BUILDING",
    "BLDG",
    "NO",
    "#",
];

/// "S.W." → "SW" (initials lose their dots); other dots and commas are
/// word breaks ("St." → "St").
fn undot(street: &str) -> String {
    street
        .split_whitespace()
        .map(|w| {
            let initials = w.len() >= 2
                && w.as_bytes()
                    .chunks(2)
                    .all(|c| c.len() == 2 && c[0].is_ascii_alphabetic() && c[1] == b'.');
            if initials {
                w.replace('.', "")
            } else {
                w.replace(['.', ','], " ")
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn street_words(street: &str) -> String {
    street_key(&undot(street))
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

/// "APT 4", "#4", "Unit 4", "apt. 4", "TRLR 4" → "4"; empty → None.
pub fn normalize_unit(unit: &str) -> Option<String> {
    let mut u = unit.trim().to_uppercase().replace('.', " ");
    loop {
        let before = u.clone();
        for d in UNIT_DESIGNATORS {
            if let Some(rest) = u.strip_prefix(d)
                && (*d == "#"
                    || rest.is_empty()
                    || rest.starts_with([' ', '#'])
                    || rest.starts_with(|c: char| c.is_ascii_digit()))
            {
                u = rest.trim_start_matches([' ', '#']).to_string();
                break;
            }
        }
        if u == before {
            break;
        }
    }
    let u = u.split_whitespace().collect::<Vec<_>>().join(" ");
    (!u.is_empty()).then_some(u)
}

/// Whether an address line is a post office box (a mailbox, not a door).
pub fn is_po_box(line: &str) -> bool {
    let squeezed: String = line
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_uppercase();
    squeezed.starts_with("POBOX")
        || squeezed.starts_with("POSTOFFICEBOX")
        || squeezed.starts_with("BOX") && squeezed[3..].starts_with(|c: char| c.is_ascii_digit())
}

/// A house number as files spell it: "12", "12B", "123-B", "12 1/2".
/// The number, and what follows it (kept with the unit, so "12" and
/// "12 1/2" stay two doors).
pub fn split_house_number(text: &str) -> Option<(u32, Option<String>)> {
    let text = text.trim();
    let digits: String = text.chars().take_while(char::is_ascii_digit).collect();
    let number: u32 = digits.parse().ok()?;
    let rest = text[digits.len()..]
        .trim_matches(|c: char| c == ' ' || c == '-')
        .to_uppercase();
    Some((number, (!rest.is_empty()).then_some(rest)))
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
/// A lettered or fractional number ("12B", "123-B", "12 1/2") keeps its
/// letter or fraction at the front of the unit. `None` without a house
/// number and street, and for a PO box (see [`is_po_box`]).
pub fn parse_address_line(line: &str) -> Option<(u32, String, Option<String>)> {
    if is_po_box(line) {
        return None;
    }
    let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
    let (first, mut rest) = line.split_once(' ')?;
    let (number, mut suffix) = split_house_number(first)?;
    // "12 1/2 Main St": the fraction is the second word.
    if let Some((word, after)) = rest.split_once(' ')
        && word.contains('/')
        && word.chars().all(|c| c.is_ascii_digit() || c == '/')
    {
        suffix = Some(match suffix {
            Some(s) => format!("{s} {word}"),
            None => word.to_string(),
        });
        rest = after;
    }
    // ASCII upper case keeps byte offsets, so `cut` indexes `rest` too.
    let upper = format!(" {} ", rest.to_ascii_uppercase());
    let cut = UNIT_DESIGNATORS
        .iter()
        .filter_map(|d| {
            if *d == "#" {
                upper.find(" #")
            } else {
                upper
                    .find(&format!(" {d} "))
                    .or_else(|| upper.find(&format!(" {d}. ")))
            }
        })
        .filter(|i| *i > 0)
        .min();
    let (street, unit) = match cut {
        Some(i) => (
            rest[..i - 1].trim().to_string(),
            normalize_unit(&rest[i - 1..]),
        ),
        None => (rest.trim().to_string(), None),
    };
    let unit = match (suffix, unit) {
        (Some(s), Some(u)) => Some(format!("{s} {u}")),
        (s, u) => u.or(s),
    };
    (!street.is_empty()).then_some((number, street, unit))
}
