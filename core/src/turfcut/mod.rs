//! Turf cutting: households grouped into walkable turfs of about `target`
//! doors. Turfs are built from street segments (one side of one block of one
//! street), so a segment or an apartment building is never split, and the
//! segments are taken in a space-filling order (Z-order of their centroids,
//! or precinct/street/block order without coordinates) so turfs stay compact.

use std::collections::BTreeMap;

use crate::model::Household;
use crate::walk::{street_key, walk_order};

/// (precinct, street, block, side): the unit a turf never splits.
type SegmentKey = (String, String, u32, u32);

fn segment_key(h: &Household) -> SegmentKey {
    (
        h.precinct.clone().unwrap_or_default(),
        street_key(&h.street_name),
        h.house_number / 100,
        h.house_number % 2,
    )
}

/// Interleaves the bits of two 16-bit cell coordinates (Z-order curve).
fn morton(x: u32, y: u32) -> u64 {
    let mut z = 0u64;
    for i in 0..16 {
        z |= (((x >> i) & 1) as u64) << (2 * i) | (((y >> i) & 1) as u64) << (2 * i + 1);
    }
    z
}

/// Cuts `households` into turfs of about `target` doors, each in walk order.
/// Every household is in exactly one turf.
pub fn cut_turfs(households: &[Household], target: usize) -> Vec<Vec<String>> {
    let target = target.max(1);
    let mut segments: BTreeMap<SegmentKey, Vec<&Household>> = BTreeMap::new();
    for h in households {
        segments.entry(segment_key(h)).or_default().push(h);
    }
    let coords: Vec<(f64, f64)> = households
        .iter()
        .filter_map(|h| Some((h.lat?, h.lon?)))
        .collect();
    let (min_lat, max_lat) = coords
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), c| (a.min(c.0), b.max(c.0)));
    let (min_lon, max_lon) = coords
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), c| (a.min(c.1), b.max(c.1)));
    let cell = |lat: f64, lon: f64| {
        let x = ((lon - min_lon) / (max_lon - min_lon).max(1e-12) * 65535.0) as u32;
        let y = ((lat - min_lat) / (max_lat - min_lat).max(1e-12) * 65535.0) as u32;
        morton(x, y)
    };
    // Segments with coordinates in Z-order; the rest by precinct, street, block, side.
    let mut ordered: Vec<(Option<u64>, SegmentKey, Vec<&Household>)> = segments
        .into_iter()
        .map(|(k, hs)| {
            let located: Vec<(f64, f64)> =
                hs.iter().filter_map(|h| Some((h.lat?, h.lon?))).collect();
            let z = (!located.is_empty()).then(|| {
                let n = located.len() as f64;
                cell(
                    located.iter().map(|c| c.0).sum::<f64>() / n,
                    located.iter().map(|c| c.1).sum::<f64>() / n,
                )
            });
            (z, k, hs)
        })
        .collect();
    ordered.sort_by(|a, b| match (a.0, b.0) {
        (Some(x), Some(y)) => x.cmp(&y).then_with(|| a.1.cmp(&b.1)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.1.cmp(&b.1),
    });

    let mut turfs: Vec<Vec<Household>> = Vec::new();
    let mut current: Vec<Household> = Vec::new();
    let mut precinct: Option<String> = None;
    for (_, key, hs) in ordered {
        let changes_precinct = precinct.as_ref().is_some_and(|p| *p != key.0);
        let would_be = current.len() + hs.len();
        // Close the turf when the next segment would overfill it (and it is
        // at least half full), or at a precinct boundary once half full.
        if !current.is_empty()
            && ((would_be > target && current.len() * 2 >= target)
                || (changes_precinct && current.len() * 2 >= target))
        {
            turfs.push(std::mem::take(&mut current));
        }
        precinct = Some(key.0.clone());
        current.extend(hs.into_iter().cloned());
    }
    if !current.is_empty() {
        turfs.push(current);
    }
    turfs
        .into_iter()
        .map(|t| walk_order(&t).into_iter().map(|h| h.id.clone()).collect())
        .collect()
}

#[cfg(test)]
mod tests;
