use std::collections::{HashMap, HashSet};

use proptest::prelude::*;

use super::*;
use crate::generate::{GenerateOptions, generate_campaign};

fn spread(ids: &[String], by_id: &HashMap<&str, &Household>) -> f64 {
    let pts: Vec<(f64, f64)> = ids
        .iter()
        .filter_map(|id| Some((by_id[id.as_str()].lat?, by_id[id.as_str()].lon?)))
        .collect();
    let n = pts.len() as f64;
    let c = (
        pts.iter().map(|p| p.0).sum::<f64>() / n,
        pts.iter().map(|p| p.1).sum::<f64>() / n,
    );
    pts.iter()
        .map(|p| ((p.0 - c.0).powi(2) + (p.1 - c.1).powi(2)).sqrt())
        .sum::<f64>()
        / n
}

/// A campaign whose household ids carry no spatial order (as in a real file).
fn shuffled_campaign(households: usize, seed: u64) -> Vec<Household> {
    let mut hs = generate_campaign(&GenerateOptions { households, seed }).households;
    let mut s = seed | 1;
    for h in hs.iter_mut() {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        h.id = format!("H{:016x}", s);
    }
    hs
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn every_household_lands_in_exactly_one_turf_of_a_sensible_size(
        households in 150usize..900, seed in 1u64..1000, target in 40usize..90
    ) {
        let hs = shuffled_campaign(households, seed);
        let turfs = cut_turfs(&hs, target);
        let all: Vec<&String> = turfs.iter().flatten().collect();
        let unique: HashSet<&String> = all.iter().copied().collect();
        prop_assert_eq!(all.len(), hs.len());
        prop_assert_eq!(unique.len(), hs.len());
        // Segments and buildings are never split.
        let turf_of: HashMap<&str, usize> = turfs.iter().enumerate().flat_map(|(i, t)| t.iter().map(move |h| (h.as_str(), i))).collect();
        let mut seg_turf: HashMap<SegmentKey, usize> = HashMap::new();
        for h in &hs {
            let t = turf_of[h.id.as_str()];
            prop_assert_eq!(*seg_turf.entry(segment_key(h)).or_insert(t), t, "segment split: {:?}", segment_key(h));
        }
        // Sizes: never more than target plus one segment; all but the last at least a third of target.
        let biggest_segment = { let mut m: HashMap<SegmentKey, usize> = HashMap::new(); for h in &hs { *m.entry(segment_key(h)).or_default() += 1; } m.into_values().max().unwrap_or(0) };
        for (i, t) in turfs.iter().enumerate() {
            prop_assert!(t.len() <= target + biggest_segment, "turf {} has {} doors", i, t.len());
            if i + 1 < turfs.len() {
                prop_assert!(t.len() * 3 >= target, "turf {} has only {} doors", i, t.len());
            }
        }
        // Compactness: better than cutting the same sizes in id order.
        let by_id: HashMap<&str, &Household> = hs.iter().map(|h| (h.id.as_str(), h)).collect();
        let mut naive_ids: Vec<String> = hs.iter().map(|h| h.id.clone()).collect();
        naive_ids.sort();
        let naive: Vec<Vec<String>> = naive_ids.chunks(target).map(|c| c.to_vec()).collect();
        let ours = turfs.iter().map(|t| spread(t, &by_id)).sum::<f64>() / turfs.len() as f64;
        let theirs = naive.iter().map(|t| spread(t, &by_id)).sum::<f64>() / naive.len() as f64;
        prop_assert!(ours < theirs, "mean spread {} vs naive {}", ours, theirs);
    }
}

#[test]
fn without_coordinates_turfs_follow_streets_within_a_precinct() {
    let mut hs = generate_campaign(&GenerateOptions {
        households: 300,
        seed: 3,
    })
    .households;
    for h in &mut hs {
        h.lat = None;
        h.lon = None;
    }
    let turfs = cut_turfs(&hs, 60);
    let by_id: HashMap<&str, &Household> = hs.iter().map(|h| (h.id.as_str(), h)).collect();
    for t in &turfs {
        let precincts: HashSet<_> = t
            .iter()
            .map(|id| by_id[id.as_str()].precinct.clone())
            .collect();
        assert!(
            precincts.len() <= 2,
            "a turf spans {} precincts",
            precincts.len()
        );
    }
    assert_eq!(turfs.iter().map(Vec::len).sum::<usize>(), hs.len());
}
