//! A synthetic statewide voter file in the layout of the North Carolina
//! State Board of Elections' `ncvoter` files (tab-separated, upper case,
//! no coordinates, many columns walkbook does not use), written row by row
//! so a file of any size takes no memory. Every name is drawn from the
//! generator's lists, every phone is a fictional 555-01xx number, and a
//! third of the phone cells hold a placeholder (`N/A`, empty, zeros), as
//! real files do.

use std::io::Write;

use walkbook_core::generate::SplitMix64;

/// The columns, in the published order of the `ncvoter` layout (a subset of
/// its 67: the identifying, address, phone, party and district columns).
pub const STATEWIDE_HEADER: [&str; 44] = [
    "county_id",
    "county_desc",
    "voter_reg_num",
    "ncid",
    "last_name",
    "first_name",
    "middle_name",
    "name_suffix_lbl",
    "status_cd",
    "voter_status_desc",
    "reason_cd",
    "voter_status_reason_desc",
    "res_street_address",
    "res_city_desc",
    "state_cd",
    "zip_code",
    "mail_addr1",
    "mail_addr2",
    "mail_city",
    "mail_state",
    "mail_zipcode",
    "full_phone_number",
    "confidential_ind",
    "registr_dt",
    "race_code",
    "ethnic_code",
    "party_cd",
    "gender_code",
    "birth_year",
    "age_at_year_end",
    "birth_state",
    "drivers_lic",
    "precinct_abbrv",
    "precinct_desc",
    "municipality_abbrv",
    "municipality_desc",
    "ward_abbrv",
    "ward_desc",
    "cong_dist_abbrv",
    "super_court_abbrv",
    "judic_dist_abbrv",
    "nc_senate_abbrv",
    "nc_house_abbrv",
    "school_dist_desc",
];

const FIRST: &[&str] = &[
    "ANA", "JOSE", "MARIA", "JAMES", "LINDA", "CHIDI", "MEI", "OMAR", "GRACE", "DMITRI", "AISHA",
    "ROBERT", "FATIMA", "LUIS", "HANNAH", "KWAME", "SOFIA", "DAVID", "NGOC", "PRIYA",
];
const LAST: &[&str] = &[
    "RIVERA", "SMITH", "NGUYEN", "OKAFOR", "JOHNSON", "GARCIA", "PATEL", "WILLIAMS", "KIM",
    "BROWN", "HASSAN", "LOPEZ", "MILLER", "CHEN", "DAVIS", "MARTINEZ", "WILSON", "ADEYEMI",
];
const STREETS: &[&str] = &[
    "OAK", "MAPLE", "CEDAR", "PINE", "ELM", "WALNUT", "HICKORY", "MAGNOLIA", "DOGWOOD", "BIRCH",
    "WILLOW", "POPLAR", "SYCAMORE", "CHESTNUT", "LAUREL",
];
const SUFFIXES: &[&str] = &["ST", "AVE", "RD", "DR", "LN", "CT", "WAY", "BLVD"];
const CITIES: &[(&str, &str, &str)] = &[
    ("RALEIGH", "27601", "919"),
    ("DURHAM", "27701", "919"),
    ("CHARLOTTE", "28202", "704"),
    ("GREENSBORO", "27401", "336"),
    ("ASHEVILLE", "28801", "828"),
    ("WILMINGTON", "28401", "910"),
];
const PARTIES: &[&str] = &["DEM", "REP", "UNA", "LIB", "GRE"];

/// Writes a header and `rows` voters; about 2.2 voters share each door.
/// Returns the number of bytes written.
pub fn write_statewide_file(rows: u64, seed: u64, out: impl Write) -> std::io::Result<u64> {
    let mut out = std::io::BufWriter::with_capacity(1 << 20, CountingWriter { inner: out, n: 0 });
    let mut rng = SplitMix64::new(seed);
    writeln!(out, "{}", STATEWIDE_HEADER.join("\t"))?;
    let mut door = String::new();
    let mut city = CITIES[0];
    let mut left_at_door = 0;
    let mut precinct = 0;
    for i in 0..rows {
        if left_at_door == 0 {
            left_at_door = 1 + rng.below(4);
            city = rng.pick(CITIES);
            precinct = rng.below(2_700);
            let unit = if rng.chance(0.15) {
                format!("  APT {}", 1 + rng.below(40))
            } else {
                String::new()
            };
            // Upper case and double spaces, as the state publishes them.
            door = format!(
                "{}  {} {}{unit}",
                1 + rng.below(9_000),
                rng.pick(STREETS),
                rng.pick(SUFFIXES)
            );
        }
        left_at_door -= 1;
        let phone = match rng.below(6) {
            0 => "N/A".to_string(),
            1 => String::new(),
            _ => format!("({}) 555-01{:02}", city.2, rng.below(100)),
        };
        let birth = 1930 + rng.below(76);
        let county = 1 + (i % 100);
        writeln!(
            out,
            "{county}\tCOUNTY {county}\t{reg}\tAA{i:09}\t{last}\t{first}\t{middle}\t\tA\tACTIVE\tAV\tVERIFIED\t{door}\t{city}\tNC\t{zip}\t{door}\t\t{city}\tNC\t{zip}\t{phone}\tN\t01/15/2004\tW\tNL\t{party}\tU\t{birth}\t{age}\tNC\tN\tP{precinct:04}\tPRECINCT {precinct:04}\t\t\t\t\t{cd:02}\t{sc}\t{jd}\t{sen:02}\t{house:03}\tSCHOOL DISTRICT {county}",
            reg = 100_000 + i,
            last = rng.pick(LAST),
            first = rng.pick(FIRST),
            middle = rng.pick(FIRST),
            city = city.0,
            zip = city.1,
            party = rng.pick(PARTIES),
            age = 2026 - birth,
            cd = 1 + rng.below(14),
            sc = 1 + rng.below(30),
            jd = 1 + rng.below(40),
            sen = 1 + rng.below(50),
            house = 1 + rng.below(120),
        )?;
    }
    out.flush()?;
    let counting = out.into_inner().map_err(|e| e.into_error())?;
    Ok(counting.n)
}

struct CountingWriter<W> {
    inner: W,
    n: u64,
}

impl<W: Write> Write for CountingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.n += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}
