//! Households on a Chicago-style street grid.
//!
//! Houses face north–south streets spaced 1/16 mile apart (50 address
//! numbers); blocks run 1/8 mile (100 numbers) between east–west cross
//! streets, which have no front doors of their own. Even numbers are on the west side, odd on the east, as in Chicago,
//! and 800 address numbers make a mile, so coordinates follow the numbers.
//! A precinct is a square tile of 4 streets by 2 blocks (about 550 doors).

use crate::model::Household;

use super::names::{NORTH_SOUTH_STREETS, street_name};
use super::rng::SplitMix64;

/// State & Madison, where Chicago's address grid has its zero point.
const ORIGIN_LAT: f64 = 41.8819;
const ORIGIN_LON: f64 = -87.6278;
const ADDRESS_NUMBERS_PER_MILE: f64 = 800.0;
const METRES_PER_MILE: f64 = 1609.344;
const METRES_PER_DEGREE_LAT: f64 = 111_132.0;

/// The neighbourhood starts at 1200 N, 1800 W (West Town).
const FIRST_NORTH_NUMBER: u32 = 1200;
const FIRST_WEST_NUMBER: u32 = 1800;
const STREET_SPACING: u32 = 50;
const BLOCK_LENGTH: u32 = 100;
/// Houses sit about 12 m back from the street's centre line.
const SETBACK_METRES: f64 = 12.0;

const STREETS_PER_PRECINCT: u32 = 4;
const BLOCKS_PER_PRECINCT: u32 = 2;
/// Used only to make the grid of precincts roughly square.
const EXPECTED_DOORS_PER_PRECINCT: usize = 550;
/// Chicago has 50 wards; a ward here holds at most this many precincts.
const PRECINCTS_PER_WARD: u32 = 60;

const CITY: &str = "Chicago";
const POSTAL_CODES: &[&str] = &[
    "60622", "60647", "60612", "60642", "60618", "60639", "60651", "60614", "60657", "60613",
    "60625", "60641",
];

/// What stands on a lot. Every unit of a building is its own household (door).
#[derive(Debug, Clone, Copy)]
enum Building {
    Vacant,
    House,
    /// A two- or three-flat: units "1", "2", "3".
    Flats(u32),
    /// Courtyard building: units "1A".."3D" (floors × letters).
    LetteredUnits {
        floors: u32,
        per_floor: u32,
    },
    /// Walk-up with units "1".."n".
    NumberedUnits(u32),
}

impl Building {
    fn draw(rng: &mut SplitMix64) -> Building {
        match rng.below(100) {
            0..=8 => Building::Vacant,
            9..=74 => Building::House,
            75..=88 => Building::Flats(2),
            89..=94 => Building::Flats(3),
            95..=97 => Building::LetteredUnits {
                floors: rng.range(2, 3) as u32,
                per_floor: rng.range(2, 4) as u32,
            },
            _ => Building::NumberedUnits(rng.range(6, 12) as u32),
        }
    }

    fn units(self) -> Vec<Option<String>> {
        match self {
            Building::Vacant => Vec::new(),
            Building::House => vec![None],
            Building::Flats(n) | Building::NumberedUnits(n) => {
                (1..=n).map(|u| Some(u.to_string())).collect()
            }
            Building::LetteredUnits { floors, per_floor } => (1..=floors)
                .flat_map(|f| {
                    (0..per_floor).map(move |l| Some(format!("{f}{}", char::from(b'A' + l as u8))))
                })
                .collect(),
        }
    }
}

/// The largest number of households one building can hold; turf cutting
/// relies on it to keep turfs within their size bounds.
pub const MAX_UNITS_PER_BUILDING: usize = 12;

/// Street names for this seed: the same grid shape, differently named.
struct StreetNames {
    north_south: Vec<&'static str>,
}

impl StreetNames {
    fn shuffled(rng: &mut SplitMix64) -> Self {
        let mut north_south = NORTH_SOUTH_STREETS.to_vec();
        rng.shuffle(&mut north_south);
        StreetNames { north_south }
    }

    fn north_south(&self, x: u32) -> String {
        format!("N {}", street_name(&self.north_south, x as usize))
    }
}

/// One precinct tile's position in the grid of tiles.
#[derive(Debug, Clone, Copy)]
struct Tile {
    col: u32,
    row: u32,
    index: u32,
}

/// The tiles in serpentine order (left to right, then right to left), so
/// consecutive precincts are neighbours.
fn tile(index: u32, cols: u32) -> Tile {
    let row = index / cols;
    let in_row = index % cols;
    let col = if row.is_multiple_of(2) {
        in_row
    } else {
        cols - 1 - in_row
    };
    Tile { col, row, index }
}

/// Generates exactly `count` households in walkable order: precinct by
/// precinct, street by street (alternately northbound and southbound), and
/// along each block by house number with both sides interleaved. Units of
/// one building are consecutive.
pub fn generate_households(count: usize, rng: &mut SplitMix64) -> Vec<Household> {
    let names = StreetNames::shuffled(rng);
    let ward_base = rng.range(1, 50) as u32;
    let tiles_expected = count.div_ceil(EXPECTED_DOORS_PER_PRECINCT).max(1);
    let cols = (tiles_expected as f64).sqrt().ceil() as u32;

    let mut out = Vec::with_capacity(count);
    let mut tile_index = 0;
    while out.len() < count {
        let t = tile(tile_index, cols);
        let precinct = precinct_id(ward_base, t.index);
        let postal_code =
            POSTAL_CODES[((t.col / 3 + 7 * (t.row / 3)) as usize) % POSTAL_CODES.len()];
        for s in 0..STREETS_PER_PRECINCT {
            let x = t.col * STREETS_PER_PRECINCT + s;
            let northbound = s % 2 == 0;
            let blocks: Vec<u32> = (0..BLOCKS_PER_PRECINCT)
                .map(|b| t.row * BLOCKS_PER_PRECINCT + b)
                .collect();
            let blocks: Vec<u32> = if northbound {
                blocks
            } else {
                blocks.into_iter().rev().collect()
            };
            for y in blocks {
                let mut lots = block_lots(y, rng);
                if !northbound {
                    lots.reverse();
                }
                for lot in lots {
                    let (lat, lon) = coordinates(x, lot.number, rng);
                    for unit in lot.building.units() {
                        if out.len() == count {
                            return out;
                        }
                        out.push(Household {
                            id: format!("H{:06}", out.len() + 1),
                            house_number: lot.number,
                            street_name: names.north_south(x),
                            unit,
                            city: CITY.to_string(),
                            postal_code: postal_code.to_string(),
                            precinct: Some(precinct.clone()),
                            lat: Some(lat),
                            lon: Some(lon),
                        });
                    }
                }
            }
        }
        tile_index += 1;
    }
    out
}

/// "32-014": ward and precinct, as Chicago writes them.
fn precinct_id(ward_base: u32, tile_index: u32) -> String {
    let ward = (ward_base - 1 + tile_index / PRECINCTS_PER_WARD) % 50 + 1;
    let precinct = tile_index % PRECINCTS_PER_WARD + 1;
    format!("{ward:02}-{precinct:03}")
}

struct Lot {
    number: u32,
    building: Building,
}

/// The lots of one block on both sides of the street, by ascending house
/// number (so even and odd sides interleave as a canvasser sees them).
fn block_lots(y: u32, rng: &mut SplitMix64) -> Vec<Lot> {
    let base = FIRST_NORTH_NUMBER + y * BLOCK_LENGTH;
    let mut lots = Vec::new();
    for parity in [0, 1] {
        let mut n = base + parity + 2 * rng.below(3) as u32;
        while n < base + BLOCK_LENGTH {
            lots.push(Lot {
                number: n,
                building: Building::draw(rng),
            });
            n += 2 * *rng.weighted(&[(1u32, 20), (2, 50), (3, 30)]);
        }
    }
    lots.sort_by_key(|l| l.number);
    lots
}

/// Coordinates of house `number` on north–south street `x`: the street's
/// longitude, offset west for even numbers and east for odd, plus about a
/// metre of jitter so buildings do not sit on a perfect line.
fn coordinates(x: u32, number: u32, rng: &mut SplitMix64) -> (f64, f64) {
    let metres_per_degree_lon = METRES_PER_DEGREE_LAT * ORIGIN_LAT.to_radians().cos();
    let miles_north = f64::from(number) / ADDRESS_NUMBERS_PER_MILE;
    let west_number = FIRST_WEST_NUMBER + x * STREET_SPACING;
    let miles_west = f64::from(west_number) / ADDRESS_NUMBERS_PER_MILE;
    let side = if number.is_multiple_of(2) { -1.0 } else { 1.0 };
    let east_metres = side * SETBACK_METRES + (rng.unit() - 0.5) * 2.0;
    let north_metres = (rng.unit() - 0.5) * 2.0;
    let lat = ORIGIN_LAT
        + miles_north * METRES_PER_MILE / METRES_PER_DEGREE_LAT
        + north_metres / METRES_PER_DEGREE_LAT;
    let lon = ORIGIN_LON - miles_west * METRES_PER_MILE / metres_per_degree_lon
        + east_metres / metres_per_degree_lon;
    (round6(lat), round6(lon))
}

/// Six decimals is about 10 cm: plenty for a door, and it keeps files small.
fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}
