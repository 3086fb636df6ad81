//! Fictional phone numbers. Only 555-0100 through 555-0199 are reserved for
//! fiction in every North American area code, so generated numbers can never
//! ring a real person. Each number is handed out once while the pool lasts
//! (about 100 per area code), so two unrelated people rarely share a number;
//! household members do share their landline, as in real voter files.

use std::collections::BTreeMap;

use super::rng::SplitMix64;

/// Chicago's own area codes: where landlines in the neighbourhood live.
const CHICAGO: &[u16] = &[312, 773, 872];
/// Chicago and its suburbs: where most residents' mobile numbers come from.
const CHICAGO_AREA: &[u16] = &[312, 773, 872, 708, 847, 630, 224, 331, 779, 815];
/// Area codes across the US: people keep their mobile number when they move.
const ELSEWHERE: &[u16] = &[
    201, 202, 203, 205, 206, 207, 208, 209, 210, 212, 213, 214, 215, 216, 217, 218, 219, 248, 262,
    267, 281, 301, 303, 304, 305, 309, 310, 313, 314, 315, 317, 318, 319, 320, 321, 323, 330, 334,
    336, 337, 347, 352, 360, 385, 402, 404, 405, 406, 407, 408, 409, 410, 412, 414, 415, 417, 419,
    423, 425, 469, 470, 478, 479, 480, 484, 501, 502, 503, 504, 505, 507, 508, 509, 510, 512, 513,
    515, 516, 517, 518, 520, 530, 541, 551, 559, 561, 562, 563, 567, 570, 571, 573, 574, 585, 586,
    601, 602, 603, 605, 606, 607, 608, 609, 610, 612, 614, 615, 616, 617, 618, 619, 620, 623, 626,
    631, 636, 641, 646, 651, 657, 660, 661, 662, 678, 682, 701, 702, 703, 704, 706, 707, 712, 713,
    714, 715, 716, 717, 718, 719, 720, 724, 727, 731, 732, 734, 740, 754, 757, 760, 763, 765, 770,
    772, 774, 775, 781, 785, 786, 801, 802, 803, 804, 805, 806, 808, 810, 812, 813, 814, 816, 817,
    818, 828, 830, 831, 832, 843, 845, 850, 856, 857, 858, 859, 860, 862, 863, 864, 865, 870, 901,
    903, 904, 906, 907, 908, 909, 910, 912, 913, 914, 915, 916, 917, 918, 919, 920, 925, 928, 931,
    936, 937, 940, 941, 947, 949, 951, 952, 954, 956, 970, 971, 972, 973, 978, 979, 980, 985, 989,
];

/// The first and last fictional line numbers (555-0100 .. 555-0199).
pub const FIRST_FICTIONAL_LINE: u16 = 100;
pub const LAST_FICTIONAL_LINE: u16 = 199;

/// Which area codes a number should come from.
#[derive(Debug, Clone, Copy)]
pub enum Origin {
    ChicagoLandline,
    LocalMobile,
    MovedHereMobile,
}

/// Hands out fictional numbers in E.164 form, each once while any are left.
pub struct PhonePool {
    rng: SplitMix64,
    /// Area code -> unused line numbers, shuffled on first use.
    unused: BTreeMap<u16, Vec<u16>>,
}

impl PhonePool {
    pub fn new(rng: SplitMix64) -> Self {
        PhonePool {
            rng,
            unused: BTreeMap::new(),
        }
    }

    pub fn issue(&mut self, origin: Origin) -> String {
        let preferred = match origin {
            Origin::ChicagoLandline => CHICAGO,
            Origin::LocalMobile => CHICAGO_AREA,
            Origin::MovedHereMobile => ELSEWHERE,
        };
        let first_choice = self.rng.pick(preferred);
        let area = std::iter::once(first_choice)
            .chain(preferred.iter().copied())
            .chain(CHICAGO_AREA.iter().copied())
            .chain(ELSEWHERE.iter().copied())
            .find(|code| self.has_unused(*code));
        match area {
            Some(code) => {
                let line = self
                    .unused
                    .get_mut(&code)
                    .and_then(Vec::pop)
                    .unwrap_or(FIRST_FICTIONAL_LINE);
                format_number(code, line)
            }
            // Every fictional number is taken (campaigns of well over 10,000
            // doors): reuse one rather than ever leave the fictional range.
            None => {
                let line = self.rng.range(
                    u64::from(FIRST_FICTIONAL_LINE),
                    u64::from(LAST_FICTIONAL_LINE),
                );
                format_number(first_choice, line as u16)
            }
        }
    }

    fn has_unused(&mut self, code: u16) -> bool {
        let rng = &mut self.rng;
        let lines = self.unused.entry(code).or_insert_with(|| {
            let mut lines: Vec<u16> = (FIRST_FICTIONAL_LINE..=LAST_FICTIONAL_LINE).collect();
            rng.shuffle(&mut lines);
            lines
        });
        !lines.is_empty()
    }
}

fn format_number(area_code: u16, line: u16) -> String {
    format!("+1{area_code}555{line:04}")
}

/// True for numbers this module can produce: `+1`, an area code, `555-01xx`.
pub fn is_fictional(e164: &str) -> bool {
    let b = e164.as_bytes();
    b.len() == 12
        && e164.starts_with("+1")
        && b[2..].iter().all(u8::is_ascii_digit)
        && matches!(b[2], b'2'..=b'9')
        && &e164[5..10] == "55501"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_fictional_and_unique_until_the_pool_runs_out() {
        let mut pool = PhonePool::new(SplitMix64::new(3));
        let mut seen = std::collections::HashSet::new();
        for i in 0..5_000 {
            let origin = [
                Origin::ChicagoLandline,
                Origin::LocalMobile,
                Origin::MovedHereMobile,
            ][i % 3];
            let n = pool.issue(origin);
            assert!(is_fictional(&n), "{n}");
            assert!(seen.insert(n.clone()), "{n} issued twice");
        }
    }

    #[test]
    fn landlines_start_in_chicago_area_codes() {
        let mut pool = PhonePool::new(SplitMix64::new(1));
        let n = pool.issue(Origin::ChicagoLandline);
        assert!(
            ["+1312", "+1773", "+1872"].iter().any(|p| n.starts_with(p)),
            "{n}"
        );
    }

    #[test]
    fn the_fictional_check_rejects_real_looking_numbers() {
        assert!(is_fictional("+13125550123"));
        assert!(!is_fictional("+13125550200"));
        assert!(!is_fictional("+13125551234"));
        assert!(!is_fictional("3125550123"));
    }
}
