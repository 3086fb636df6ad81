//! Calling hours in the called person's local time, correct across DST.

use chrono::{DateTime, Days, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::model::CallingHours;

/// Whether a contact may be called now, and until or from when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallWindow {
    Open { closes_at: DateTime<Utc> },
    Closed { opens_at: DateTime<Utc> },
}

/// The instant a local wall-clock time happens on `date` in `tz`. In the
/// spring-forward gap the time does not exist: take the first instant after
/// it. In the fall-back overlap it happens twice: take the first.
fn local_instant(tz: Tz, date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    let mut t = date.and_time(time);
    for _ in 0..4 {
        match tz.from_local_datetime(&t) {
            LocalResult::Single(d) => return d.with_timezone(&Utc),
            LocalResult::Ambiguous(first, _) => return first.with_timezone(&Utc),
            LocalResult::None => t += chrono::Duration::minutes(30),
        }
    }
    // No zone skips more than two hours; fall back to reading it as UTC.
    Utc.from_utc_datetime(&date.and_time(time))
}

/// The calling window at `now` for someone in `tz`.
pub fn call_window(now: DateTime<Utc>, tz: Tz, hours: CallingHours) -> CallWindow {
    let today = now.with_timezone(&tz).date_naive();
    let start = local_instant(tz, today, hours.start);
    let end = local_instant(tz, today, hours.end);
    if now < start {
        CallWindow::Closed { opens_at: start }
    } else if now < end {
        CallWindow::Open { closes_at: end }
    } else {
        let tomorrow = today.checked_add_days(Days::new(1)).unwrap_or(today);
        CallWindow::Closed {
            opens_at: local_instant(tz, tomorrow, hours.start),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveTime;

    use super::*;
    use crate::calls::zone_for_postal_code;

    fn hours(start: u32, end: u32) -> CallingHours {
        CallingHours {
            start: NaiveTime::from_hms_opt(start, 0, 0).unwrap(),
            end: NaiveTime::from_hms_opt(end, 0, 0).unwrap(),
        }
    }

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn a_contact_in_another_zone_is_judged_by_their_own_clock() {
        // 13:30 UTC in January: 8:30 in New York, 5:30 in Los Angeles.
        let now = utc("2026-01-15T13:30:00Z");
        let h = hours(8, 21);
        assert_eq!(
            call_window(now, Tz::America__New_York, h),
            CallWindow::Open {
                closes_at: utc("2026-01-16T02:00:00Z")
            }
        );
        assert_eq!(
            call_window(now, Tz::America__Los_Angeles, h),
            CallWindow::Closed {
                opens_at: utc("2026-01-15T16:00:00Z")
            }
        );
    }

    #[test]
    fn after_hours_the_next_window_is_tomorrow_morning() {
        // 21:30 in Chicago (CST).
        let now = utc("2026-02-11T03:30:00Z");
        assert_eq!(
            call_window(now, Tz::America__Chicago, hours(9, 20)),
            CallWindow::Closed {
                opens_at: utc("2026-02-11T15:00:00Z")
            }
        );
    }

    #[test]
    fn the_spring_forward_day_opens_at_local_nine_daylight_time() {
        // US DST starts 2026-03-08 at 2:00 local. 9:00 CDT = 14:00 UTC.
        let before = utc("2026-03-08T13:30:00Z"); // 8:30 CDT
        assert_eq!(
            call_window(before, Tz::America__Chicago, hours(9, 20)),
            CallWindow::Closed {
                opens_at: utc("2026-03-08T14:00:00Z")
            }
        );
        // The evening before still used standard time: 20:00 CST = 02:00 UTC.
        let saturday = utc("2026-03-08T01:59:00Z");
        assert_eq!(
            call_window(saturday, Tz::America__Chicago, hours(9, 20)),
            CallWindow::Open {
                closes_at: utc("2026-03-08T02:00:00Z")
            }
        );
    }

    #[test]
    fn the_fall_back_day_closes_at_local_nine_standard_time() {
        // US DST ends 2026-11-01 at 2:00 local. 21:00 EST = 02:00 UTC next day.
        let evening = utc("2026-11-02T01:30:00Z"); // 20:30 EST
        assert_eq!(
            call_window(evening, Tz::America__New_York, hours(8, 21)),
            CallWindow::Open {
                closes_at: utc("2026-11-02T02:00:00Z")
            }
        );
        let late = utc("2026-11-02T02:00:00Z");
        assert!(matches!(
            call_window(late, Tz::America__New_York, hours(8, 21)),
            CallWindow::Closed { .. }
        ));
    }

    #[test]
    fn a_window_starting_inside_the_dst_gap_opens_when_the_clock_allows() {
        // Hours from 2:30 on the spring-forward night: 2:30 does not exist, 3:00 CDT does.
        let h = CallingHours {
            start: NaiveTime::from_hms_opt(2, 30, 0).unwrap(),
            end: NaiveTime::from_hms_opt(20, 0, 0).unwrap(),
        };
        let now = utc("2026-03-08T07:00:00Z"); // 1:00 CST
        assert_eq!(
            call_window(now, Tz::America__Chicago, h),
            CallWindow::Closed {
                opens_at: utc("2026-03-08T08:00:00Z")
            } // 3:00 CDT
        );
    }

    #[test]
    fn arizona_does_not_change_its_clocks() {
        let h = hours(9, 20);
        for day in ["2026-01-15", "2026-07-15"] {
            let now = utc(&format!("{day}T15:30:00Z")); // 8:30 MST all year
            assert_eq!(
                call_window(now, Tz::America__Phoenix, h),
                CallWindow::Closed {
                    opens_at: utc(&format!("{day}T16:00:00Z"))
                }
            );
        }
    }

    #[test]
    fn zones_come_from_the_postal_code() {
        assert_eq!(zone_for_postal_code("60622"), Some(Tz::America__Chicago));
        assert_eq!(zone_for_postal_code("10001"), Some(Tz::America__New_York));
        assert_eq!(
            zone_for_postal_code("94110-1234"),
            Some(Tz::America__Los_Angeles)
        );
        assert_eq!(zone_for_postal_code("85004"), Some(Tz::America__Phoenix));
        assert_eq!(zone_for_postal_code("32501"), Some(Tz::America__Chicago)); // Pensacola
        assert_eq!(zone_for_postal_code("99501"), Some(Tz::America__Anchorage));
        assert_eq!(zone_for_postal_code("SW1A 1AA"), None);
        assert_eq!(zone_for_postal_code(""), None);
    }
}
