//! Addresses as real files spell them: one door, many spellings, one
//! household key; different doors never share one. Property tests over
//! USPS suffixes and directionals, unit designators, lettered and
//! fractional house numbers, case and spacing.

use proptest::prelude::*;
use walkbook_core::import::{household_key, is_po_box, normalize_unit, parse_address_line};
use walkbook_core::model::Household;

fn key_of(line: &str, zip: &str) -> Option<String> {
    let (house_number, street_name, unit) = parse_address_line(line)?;
    Some(household_key(&Household {
        id: String::new(),
        house_number,
        street_name,
        unit,
        city: String::new(),
        postal_code: zip.into(),
        precinct: None,
        lat: None,
        lon: None,
    }))
}

/// (spellings of the same word)
const DIRECTIONS: &[&[&str]] = &[&["N", "North", "N."], &["SW", "Southwest", "S.W."], &[""]];
const SUFFIXES: &[&[&str]] = &[
    &["St", "Street", "ST.", "Str"],
    &["Ave", "Avenue", "Av"],
    &["Blvd", "Boulevard"],
    &["Cir", "Circle"],
    &["Ct", "Court"],
    &["Hwy", "Highway"],
    &["Pkwy", "Parkway"],
    &["Trl", "Trail"],
];
const UNITS: &[&str] = &[
    "Apt {}", "APT. {}", "#{}", "Unit {}", "# {}", "Ste {}", "Lot {}", "TRLR {}",
];

fn respell(word: &str, upper: bool) -> String {
    if upper {
        word.to_uppercase()
    } else {
        word.to_lowercase()
    }
}

prop_compose! {
    fn door()(
        number in 1u32..20000,
        letter in prop::option::of(prop::sample::select(vec!["B", "1/2"])),
        dir in 0..DIRECTIONS.len(),
        name in prop::sample::select(vec!["Maple", "Martin Luther King", "Elm", "5th", "Oak Hill"]),
        suffix in 0..SUFFIXES.len(),
        unit in prop::option::of(1u32..400),
    ) -> (u32, Option<&'static str>, usize, &'static str, usize, Option<u32>) {
        (number, letter, dir, name, suffix, unit)
    }
}

/// One spelling of a door: which variant of each word, case, spacing.
fn spell(
    d: &(
        u32,
        Option<&'static str>,
        usize,
        &'static str,
        usize,
        Option<u32>,
    ),
    pick: usize,
    upper: bool,
    spaces: usize,
) -> String {
    let (number, letter, dir, name, suffix, unit) = *d;
    let gap = " ".repeat(1 + spaces % 3);
    let number = match letter {
        Some("1/2") => format!("{number} 1/2"),
        Some(l) if pick.is_multiple_of(2) => format!("{number}{l}"),
        Some(l) => format!("{number}-{l}"),
        None => number.to_string(),
    };
    let dirs = DIRECTIONS[dir];
    let sufs = SUFFIXES[suffix];
    let mut words = vec![number];
    let d = dirs[pick % dirs.len()];
    if !d.is_empty() {
        words.push(respell(d, upper));
    }
    words.push(respell(name, upper));
    words.push(respell(sufs[pick % sufs.len()], upper));
    if let Some(u) = unit {
        words.push(respell(
            &UNITS[pick % UNITS.len()].replace("{}", &u.to_string()),
            upper,
        ));
    }
    words.join(&gap)
}

proptest! {
    #[test]
    fn every_spelling_of_a_door_has_one_key(
        d in door(),
        a in 0usize..8, b in 0usize..8,
        ua: bool, ub: bool,
        sa in 0usize..3, sb in 0usize..3,
    ) {
        let one = spell(&d, a, ua, sa);
        let other = spell(&d, b, ub, sb);
        let k1 = key_of(&one, "62704");
        prop_assert!(k1.is_some(), "{one:?} parses");
        prop_assert_eq!(&k1, &key_of(&other, "62704-1234"), "{:?} vs {:?}", one, other);
        let (number, _, unit) = parse_address_line(&one).unwrap();
        prop_assert_eq!(number, d.0);
        // The unit number survives whatever the designator was.
        if let Some(u) = d.5 {
            prop_assert!(unit.as_deref().is_some_and(|x| x.ends_with(&u.to_string())), "{one:?} -> {unit:?}");
        }
    }

    #[test]
    fn different_doors_have_different_keys(d in door(), pick in 0usize..8, bump in 1u32..3) {
        let mut other = d;
        other.0 += bump;
        prop_assert_ne!(key_of(&spell(&d, pick, false, 0), "62704"), key_of(&spell(&other, pick, false, 0), "62704"));
        // 12 and 12 1/2, 12 and 12B are different doors.
        let mut plain = d;
        plain.1 = None;
        if d.1.is_some() {
            prop_assert_ne!(key_of(&spell(&d, pick, false, 0), "62704"), key_of(&spell(&plain, pick, false, 0), "62704"));
        }
        // Another unit in the same building is another door.
        if let Some(u) = d.5 {
            let mut next = d;
            next.5 = Some(u + 1);
            prop_assert_ne!(key_of(&spell(&d, pick, false, 0), "62704"), key_of(&spell(&next, pick, false, 0), "62704"));
        }
    }

    #[test]
    fn any_text_parses_without_panicking(line in "\\PC{0,60}") {
        let _ = parse_address_line(&line);
        let _ = normalize_unit(&line);
        let _ = is_po_box(&line);
    }
}

#[test]
fn po_boxes_are_not_doors() {
    for line in [
        "PO Box 123",
        "P.O. BOX 9",
        "Post Office Box 4",
        "box 12",
        "POB0X",
    ] {
        let expected = !line.ends_with("X");
        assert_eq!(is_po_box(line), expected, "{line}");
    }
    assert_eq!(parse_address_line("P.O. Box 77"), None);
    assert!(!is_po_box("12 Boxwood Ln"));
    assert!(parse_address_line("12 Boxwood Ln").is_some());
}

#[test]
fn lettered_and_fractional_numbers_keep_their_letter() {
    assert_eq!(
        parse_address_line("123B Main St Apt 4"),
        Some((123, "Main St".into(), Some("B 4".into())))
    );
    assert_eq!(
        parse_address_line("123-B Main St"),
        Some((123, "Main St".into(), Some("B".into())))
    );
    assert_eq!(
        parse_address_line("12 1/2 Main St"),
        Some((12, "Main St".into(), Some("1/2".into())))
    );
    assert_eq!(normalize_unit("TRLR 14"), Some("14".into()));
    assert_eq!(normalize_unit("Lot 7"), Some("7".into()));
    assert_eq!(normalize_unit("Building C"), Some("C".into()));
}
