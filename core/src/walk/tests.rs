use std::cmp::Ordering;

use proptest::prelude::*;

use super::*;

fn door(
    id: &str,
    number: u32,
    street: &str,
    unit: Option<&str>,
    coords: Option<(f64, f64)>,
) -> Household {
    Household {
        id: id.into(),
        house_number: number,
        street_name: street.into(),
        unit: unit.map(Into::into),
        city: "Springfield".into(),
        postal_code: "62704".into(),
        precinct: None,
        lat: coords.map(|c| c.0),
        lon: coords.map(|c| c.1),
    }
}

fn ids<'a>(order: &[&'a Household]) -> Vec<&'a str> {
    order.iter().map(|h| h.id.as_str()).collect()
}

#[test]
fn a_street_is_walked_up_the_odd_side_and_back_down_the_even_side() {
    let street = [
        door("a", 100, "Elm St", None, None),
        door("b", 101, "Elm St", None, None),
        door("c", 102, "Elm St", None, None),
        door("d", 103, "Elm St", None, None),
        door("e", 105, "Elm St", None, None),
        door("f", 104, "Elm St", None, None),
    ];
    assert_eq!(ids(&walk_order(&street)), ["b", "d", "e", "f", "c", "a"]);
}

#[test]
fn units_of_a_building_stay_together_in_natural_order() {
    let building = [
        door("u10", 7, "Oak Ave", Some("10"), None),
        door("u2", 7, "Oak Ave", Some("2"), None),
        door("lobby", 7, "Oak Ave", None, None),
        door("u1b", 7, "Oak Ave", Some("1B"), None),
        door("next", 9, "Oak Ave", None, None),
        door("prev", 5, "Oak Ave", None, None),
    ];
    assert_eq!(
        ids(&walk_order(&building)),
        ["prev", "lobby", "u1b", "u2", "u10", "next"]
    );
}

#[test]
fn spelling_variants_of_a_street_are_one_street() {
    let doors = [
        door("a", 1, "N  Maple Ave", None, None),
        door("b", 3, "n maple ave ", None, None),
        door("c", 2, "Birch St", None, None),
    ];
    assert_eq!(ids(&walk_order(&doors)), ["c", "a", "b"]);
}

#[test]
fn streets_are_chained_to_their_nearest_neighbour() {
    // Three parallel streets; the middle one is alphabetically last.
    let doors = [
        door("west", 1, "Ash St", None, Some((41.900, -87.690))),
        door("east", 1, "Beech St", None, Some((41.900, -87.670))),
        door("middle", 1, "Zelkova St", None, Some((41.900, -87.680))),
        door("nowhere", 1, "Cedar St", None, None),
    ];
    assert_eq!(
        ids(&walk_order(&doors)),
        ["west", "middle", "east", "nowhere"]
    );
}

#[test]
fn natural_order_compares_numbers_as_numbers() {
    assert_eq!(natural_cmp("2", "10"), Ordering::Less);
    assert_eq!(natural_cmp("1B", "2A"), Ordering::Less);
    assert_eq!(natural_cmp("A", "b"), Ordering::Less);
    assert_eq!(natural_cmp("02", "2"), Ordering::Less); // equal numbers: stable on the raw text
    assert_eq!(natural_cmp("3D", "3D"), Ordering::Equal);
}

fn arb_households() -> impl Strategy<Value = Vec<Household>> {
    let street = prop::sample::select(vec!["Elm St", "ELM ST", "Oak Ave", "Pine Rd", "Birch Ln"]);
    let unit = prop::option::of(prop::sample::select(vec![
        "1", "2", "10", "1A", "1B", "B", "12",
    ]));
    let coords = prop::option::of((41.85f64..41.95, -87.75f64..-87.60));
    prop::collection::vec((street, 1u32..80, unit, coords), 0..60).prop_map(|rows| {
        rows.into_iter()
            .enumerate()
            .map(|(i, (s, n, u, c))| door(&format!("H{i:03}"), n, s, u, c))
            .collect()
    })
}

proptest! {
    #[test]
    fn every_household_appears_exactly_once(hs in arb_households()) {
        let order = walk_order(&hs);
        let mut got: Vec<&str> = ids(&order);
        got.sort();
        let mut want: Vec<&str> = hs.iter().map(|h| h.id.as_str()).collect();
        want.sort();
        prop_assert_eq!(got, want);
    }

    #[test]
    fn sides_never_interleave_and_each_side_runs_one_way(hs in arb_households()) {
        let order = walk_order(&hs);
        // Each street is one contiguous run.
        let mut seen = Vec::<String>::new();
        for h in &order {
            let k = street_key(&h.street_name);
            if seen.last() != Some(&k) {
                prop_assert!(!seen.contains(&k), "street {} visited twice", k);
                seen.push(k);
            }
        }
        for street in seen {
            let run: Vec<&&Household> = order.iter().filter(|h| street_key(&h.street_name) == street).collect();
            let first_even = run.iter().position(|h| h.house_number % 2 == 0).unwrap_or(run.len());
            prop_assert!(run[first_even..].iter().all(|h| h.house_number % 2 == 0), "odd after even on {}", street);
            prop_assert!(run[..first_even].windows(2).all(|w| w[0].house_number <= w[1].house_number));
            prop_assert!(run[first_even..].windows(2).all(|w| w[0].house_number >= w[1].house_number));
        }
    }

    #[test]
    fn units_of_one_building_are_contiguous_and_naturally_ordered(hs in arb_households()) {
        let order = walk_order(&hs);
        let building = |h: &Household| (street_key(&h.street_name), h.house_number);
        let mut done = Vec::new();
        let mut i = 0;
        while i < order.len() {
            let b = building(order[i]);
            prop_assert!(!done.contains(&b), "building {:?} split", b);
            let mut j = i + 1;
            while j < order.len() && building(order[j]) == b {
                prop_assert_ne!(within_building(order[j - 1], order[j]), Ordering::Greater);
                j += 1;
            }
            done.push(b);
            i = j;
        }
    }

    #[test]
    fn the_input_order_does_not_matter(hs in arb_households(), seed in any::<u64>()) {
        let mut shuffled = hs.clone();
        // A deterministic shuffle from the seed.
        let mut s = seed;
        for i in (1..shuffled.len()).rev() {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            shuffled.swap(i, (s >> 33) as usize % (i + 1));
        }
        prop_assert_eq!(ids(&walk_order(&hs)), ids(&walk_order(&shuffled)));
    }
}
