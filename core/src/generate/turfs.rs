//! Cutting households into turfs sized for one canvassing shift.

use std::ops::Range;

use crate::model::{Household, Turf};
use crate::walk::walk_order;

use super::addresses::MAX_UNITS_PER_BUILDING;

/// A turf is closed once it reaches this many doors...
const TARGET_DOORS: usize = 60;
/// ...or at a precinct boundary once it has at least this many.
pub const MIN_DOORS: usize = 50;
/// No turf has more doors than this: a 2–3 hour shift at 15–30 doors an hour.
pub const MAX_DOORS: usize = 80;

// A turf one door short of the target plus the largest building still fits.
const _: () = assert!(TARGET_DOORS - 1 + MAX_UNITS_PER_BUILDING <= MAX_DOORS);

/// Splits households (in generation order: precinct by precinct, street by
/// street) into consecutive ranges of 50–80 doors, never splitting a
/// building. Only the last turf may be smaller, and campaigns of at most
/// 80 doors get a single turf.
///
/// A turf closes at a precinct boundary when it is big enough, so most turfs
/// lie in one precinct. Buildings hold at most 12 units, so a turf closed at
/// the first building that brings it to 60 doors never exceeds 71.
pub fn cut_turfs(households: &[Household]) -> Vec<Range<usize>> {
    let mut turfs: Vec<Range<usize>> = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < households.len() {
        let building_end = building_end(households, i);
        let precinct_changes = i > start && households[i].precinct != households[i - 1].precinct;
        if precinct_changes && i - start >= MIN_DOORS {
            turfs.push(start..i);
            start = i;
        }
        i = building_end;
        if i - start >= TARGET_DOORS {
            turfs.push(start..i);
            start = i;
        }
    }
    if start < households.len() {
        match turfs.last_mut() {
            // A short remainder joins the previous turf when both fit one shift.
            Some(last) if households.len() - last.start <= MAX_DOORS => last.end = households.len(),
            _ => turfs.push(start..households.len()),
        }
    }
    turfs
}

/// The index just past the building that starts at `i` (its units are consecutive).
fn building_end(households: &[Household], i: usize) -> usize {
    let first = &households[i];
    let same_building =
        |h: &Household| h.house_number == first.house_number && h.street_name == first.street_name;
    i + households[i..]
        .iter()
        .take_while(|h| same_building(h))
        .count()
}

/// Builds the turfs, ids `turf-1`.., with `household_ids` in walk order.
pub fn build_turfs(households: &[Household]) -> Vec<Turf> {
    cut_turfs(households)
        .into_iter()
        .enumerate()
        .map(|(i, range)| {
            let doors = &households[range];
            Turf {
                id: format!("turf-{}", i + 1),
                name: turf_name(doors),
                household_ids: walk_order(doors)
                    .into_iter()
                    .map(|h| h.id.clone())
                    .collect(),
                universe: None,
            }
        })
        .collect()
}

/// "32-014: N Maple Ave 1200–1298, N Cedar St 1301–1399": precinct, then
/// each street with its range of house numbers, as organizers name turfs.
fn turf_name(doors: &[Household]) -> String {
    let mut streets: Vec<(&str, u32, u32)> = Vec::new();
    for h in doors {
        match streets.iter_mut().find(|(s, _, _)| *s == h.street_name) {
            Some((_, lo, hi)) => {
                *lo = (*lo).min(h.house_number);
                *hi = (*hi).max(h.house_number);
            }
            None => streets.push((&h.street_name, h.house_number, h.house_number)),
        }
    }
    let streets: Vec<String> = streets
        .into_iter()
        .map(|(s, lo, hi)| {
            if lo == hi {
                format!("{lo} {s}")
            } else {
                format!("{s} {lo}–{hi}")
            }
        })
        .collect();
    match doors.first().and_then(|h| h.precinct.as_deref()) {
        Some(p) => format!("{p}: {}", streets.join(", ")),
        None => streets.join(", "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn door(id: usize, street: &str, number: u32, unit: Option<&str>, precinct: &str) -> Household {
        Household {
            id: format!("H{id:06}"),
            house_number: number,
            street_name: street.to_string(),
            unit: unit.map(str::to_string),
            city: "Chicago".to_string(),
            postal_code: "60622".to_string(),
            precinct: Some(precinct.to_string()),
            lat: None,
            lon: None,
        }
    }

    /// `n` single-family houses on one side of a street.
    fn houses(n: usize, street: &str, precinct: &str, first_id: usize) -> Vec<Household> {
        (0..n)
            .map(|i| door(first_id + i, street, 1200 + 2 * i as u32, None, precinct))
            .collect()
    }

    #[test]
    fn a_small_campaign_is_one_turf() {
        let doors = houses(75, "N Maple Ave", "32-001", 1);
        assert_eq!(cut_turfs(&doors), vec![0..75]);
    }

    #[test]
    fn an_apartment_building_is_never_split_between_turfs() {
        let mut doors = houses(55, "N Maple Ave", "32-001", 1);
        for (i, unit) in ["1A", "1B", "2A", "2B", "3A", "3B", "3C", "3D"]
            .iter()
            .enumerate()
        {
            doors.push(door(56 + i, "N Maple Ave", 1301, Some(unit), "32-001"));
        }
        doors.extend(houses(100, "N Cedar St", "32-001", 100));
        let turfs = cut_turfs(&doors);
        assert_eq!(
            turfs[0],
            0..63,
            "the building's 8 units close the first turf together"
        );
        for t in &turfs {
            assert!(t.len() <= MAX_DOORS);
        }
    }

    #[test]
    fn turfs_close_at_a_precinct_boundary_once_big_enough() {
        let mut doors = houses(52, "N Maple Ave", "32-001", 1);
        doors.extend(houses(58, "N Cedar St", "32-002", 100));
        assert_eq!(cut_turfs(&doors), vec![0..52, 52..110]);
    }

    #[test]
    fn a_short_remainder_joins_the_last_turf_when_it_fits() {
        let doors = houses(70, "N Maple Ave", "32-001", 1);
        // Closes at 60, leaving 10 that fit with the first.
        assert_eq!(cut_turfs(&doors), vec![0..70]);
        let doors = houses(150, "N Maple Ave", "32-001", 1);
        assert_eq!(cut_turfs(&doors), vec![0..60, 60..120, 120..150]);
    }
}
