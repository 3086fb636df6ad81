//! The contact's time zone from their address: US ZIP code prefixes mapped
//! to IANA zones. Coarse on purpose — a few counties on zone borders land in
//! the neighbouring zone — and the campaign's zone is the fallback.

use chrono_tz::Tz;

/// (first ZIP3, last ZIP3, zone), checked in order; exceptions come first.
const ZIP3_ZONES: &[(u16, u16, Tz)] = &[
    // Exceptions inside otherwise single-zone ranges.
    (324, 325, Tz::America__Chicago),     // Florida panhandle
    (376, 379, Tz::America__New_York),    // East Tennessee
    (420, 424, Tz::America__Chicago),     // Western Kentucky
    (463, 464, Tz::America__Chicago),     // Northwest Indiana
    (476, 477, Tz::America__Chicago),     // Southwest Indiana
    (577, 577, Tz::America__Denver),      // Western South Dakota
    (690, 693, Tz::America__Denver),      // Western Nebraska
    (798, 799, Tz::America__Denver),      // El Paso
    (835, 835, Tz::America__Los_Angeles), // North Idaho
    (838, 838, Tz::America__Los_Angeles),
    // States by ZIP range.
    (5, 299, Tz::America__New_York), // New England, NY, PA, NJ, DE, DC, MD, VA, WV, NC, SC
    (300, 349, Tz::America__New_York), // GA, FL
    (350, 375, Tz::America__Chicago), // AL, Middle/West TN
    (380, 397, Tz::America__Chicago), // West TN, MS
    (398, 399, Tz::America__New_York), // GA
    (400, 419, Tz::America__New_York), // KY
    (425, 499, Tz::America__New_York), // KY, OH, IN, MI
    (500, 589, Tz::America__Chicago), // IA, WI, MN, SD, ND
    (590, 599, Tz::America__Denver), // MT
    (600, 799, Tz::America__Chicago), // IL, MO, KS, NE, LA, AR, OK, TX
    (800, 847, Tz::America__Denver), // CO, WY, ID, UT
    (850, 865, Tz::America__Phoenix), // AZ (no DST)
    (870, 884, Tz::America__Denver), // NM
    (889, 898, Tz::America__Los_Angeles), // NV
    (900, 966, Tz::America__Los_Angeles), // CA
    (967, 968, Tz::Pacific__Honolulu), // HI
    (969, 969, Tz::Pacific__Guam),
    (970, 994, Tz::America__Los_Angeles), // OR, WA
    (995, 999, Tz::America__Anchorage),   // AK
];

/// The IANA zone of a US postal code, if the code looks like one.
pub fn zone_for_postal_code(postal_code: &str) -> Option<Tz> {
    let digits: String = postal_code
        .trim()
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    if digits.len() != 5 && digits.len() != 9 {
        return None;
    }
    let zip3: u16 = digits[..3].parse().ok()?;
    ZIP3_ZONES
        .iter()
        .find(|(lo, hi, _)| (*lo..=*hi).contains(&zip3))
        .map(|(_, _, tz)| *tz)
}
