//! Walk order: the order in which a canvasser visits the doors of a turf.
//!
//! Street by street; on each street up one side (odd numbers, ascending) and
//! back down the other (even numbers, descending), so nobody zig-zags across
//! traffic; the units of one building together, in natural order.

mod natural;

pub use natural::natural_cmp;

use std::cmp::Ordering;
use std::collections::BTreeMap;

use crate::model::Household;

/// How streets are compared: case, spacing and surrounding blanks do not
/// make "N  Maple Ave" and "n maple ave" two streets.
pub fn street_key(name: &str) -> String {
    name.split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Great-circle distance in metres between two (lat, lon) points.
pub fn distance_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (la1, lo1, la2, lo2) = (
        a.0.to_radians(),
        a.1.to_radians(),
        b.0.to_radians(),
        b.1.to_radians(),
    );
    let h = ((la2 - la1) / 2.0).sin().powi(2)
        + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
    2.0 * 6_371_000.0 * h.sqrt().asin()
}

/// Households in walk order. Deterministic: the input order never matters.
pub fn walk_order(households: &[Household]) -> Vec<&Household> {
    let mut streets: BTreeMap<String, Vec<&Household>> = BTreeMap::new();
    for h in households {
        streets
            .entry(street_key(&h.street_name))
            .or_default()
            .push(h);
    }
    let mut out = Vec::with_capacity(households.len());
    for key in street_sequence(&streets) {
        let doors = &streets[&key];
        let (mut odd, mut even): (Vec<&Household>, Vec<&Household>) =
            doors.iter().copied().partition(|h| h.house_number % 2 == 1);
        odd.sort_by(|a, b| {
            a.house_number
                .cmp(&b.house_number)
                .then_with(|| within_building(a, b))
        });
        even.sort_by(|a, b| {
            b.house_number
                .cmp(&a.house_number)
                .then_with(|| within_building(a, b))
        });
        out.extend(odd);
        out.extend(even);
    }
    out
}

/// Units of one building: no unit first, then natural order ("2" < "10"),
/// ties by id.
fn within_building(a: &Household, b: &Household) -> Ordering {
    match (&a.unit, &b.unit) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(x), Some(y)) => natural_cmp(x, y),
    }
    .then_with(|| a.id.cmp(&b.id))
}

/// Streets with coordinates first, chained nearest-neighbour from the most
/// south-westerly one so the walker moves to the next street over rather than
/// across the turf; streets without coordinates follow alphabetically.
fn street_sequence(streets: &BTreeMap<String, Vec<&Household>>) -> Vec<String> {
    let mut located: Vec<(String, (f64, f64))> = Vec::new();
    let mut unlocated: Vec<String> = Vec::new();
    for (key, doors) in streets {
        let coords: Vec<(f64, f64)> = doors
            .iter()
            .filter_map(|h| Some((h.lat?, h.lon?)))
            .collect();
        if coords.is_empty() {
            unlocated.push(key.clone());
        } else {
            let n = coords.len() as f64;
            let lat = coords.iter().map(|c| c.0).sum::<f64>() / n;
            let lon = coords.iter().map(|c| c.1).sum::<f64>() / n;
            located.push((key.clone(), (lat, lon)));
        }
    }
    let mut order = Vec::with_capacity(streets.len());
    let start = located
        .iter()
        .enumerate()
        .min_by(|(_, a), (_, b)| {
            (a.1.0 + a.1.1)
                .total_cmp(&(b.1.0 + b.1.1))
                .then_with(|| a.0.cmp(&b.0))
        })
        .map(|(i, _)| i);
    if let Some(mut current) = start {
        let mut left = located;
        loop {
            let (key, here) = left.swap_remove(current);
            order.push(key);
            let Some(next) = left
                .iter()
                .enumerate()
                .min_by(|(_, a), (_, b)| {
                    distance(here, a.1)
                        .total_cmp(&distance(here, b.1))
                        .then_with(|| a.0.cmp(&b.0))
                })
                .map(|(i, _)| i)
            else {
                break;
            };
            current = next;
        }
    }
    order.extend(unlocated);
    order
}

/// Squared equirectangular distance: enough to compare neighbours.
fn distance(a: (f64, f64), b: (f64, f64)) -> f64 {
    let dlat = a.0 - b.0;
    let dlon = (a.1 - b.1) * a.0.to_radians().cos();
    dlat * dlat + dlon * dlon
}

#[cfg(test)]
mod tests;
