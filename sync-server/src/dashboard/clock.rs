//! Local time in the campaign's zone, fast enough for every attempt of a
//! campaign: the zone's offset is looked up once per 15 minutes of UTC
//! (offsets are whole quarter hours and change on quarter-hour instants),
//! instead of a time-zone conversion per attempt.

use std::cell::RefCell;
use std::collections::HashMap;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDateTime, Offset};

const BUCKET_MS: i64 = 15 * 60 * 1000;

pub struct LocalClock {
    tz: chrono_tz::Tz,
    offsets: RefCell<HashMap<i64, Option<FixedOffset>>>,
}

impl LocalClock {
    pub fn new(tz: chrono_tz::Tz) -> LocalClock {
        LocalClock {
            tz,
            offsets: RefCell::new(HashMap::new()),
        }
    }

    /// Local date and time of an epoch-ms instant; `None` out of range.
    pub fn local(&self, ms: i64) -> Option<NaiveDateTime> {
        let bucket = ms.div_euclid(BUCKET_MS);
        let offset = *self.offsets.borrow_mut().entry(bucket).or_insert_with(|| {
            DateTime::from_timestamp_millis(bucket * BUCKET_MS)
                .map(|t| t.with_timezone(&self.tz).offset().fix())
        });
        Some(DateTime::from_timestamp_millis(ms)?.naive_utc() + offset?)
    }

    /// YYYY-MM-DD, empty out of range.
    pub fn day(&self, ms: i64) -> String {
        self.local(ms)
            .map(|t| format!("{:04}-{:02}-{:02}", t.year(), t.month(), t.day()))
            .unwrap_or_default()
    }

    /// YYYY-MM-DD of a day number (days since the common era).
    pub fn day_text(&self, days_from_ce: i32) -> String {
        chrono::NaiveDate::from_num_days_from_ce_opt(days_from_ce)
            .map(|d| format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day()))
            .unwrap_or_default()
    }

    /// The local day number (days since the common era).
    pub fn day_number(&self, ms: i64) -> Option<i32> {
        self.local(ms).map(|t| t.date().num_days_from_ce())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_the_time_zone_database_across_a_dst_change() {
        let tz: chrono_tz::Tz = "America/Chicago".parse().unwrap();
        let clock = LocalClock::new(tz);
        // 2026-11-01 02:00 CDT -> 01:00 CST; every 7 minutes over two days.
        let start = DateTime::parse_from_rfc3339("2026-10-31T00:00:00Z")
            .unwrap()
            .timestamp_millis();
        for i in 0..(2 * 24 * 60 / 7) {
            let ms = start + i * 7 * 60 * 1000;
            let want = DateTime::from_timestamp_millis(ms)
                .unwrap()
                .with_timezone(&tz);
            assert_eq!(clock.local(ms), Some(want.naive_local()), "{want}");
            assert_eq!(clock.day(ms), want.format("%Y-%m-%d").to_string());
        }
    }
}
