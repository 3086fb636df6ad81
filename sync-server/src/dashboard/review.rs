//! Activity review: per canvasser and per day (the campaign's time zone),
//! what an organizer checks before results count. Pure over the attempts.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Utc};
use walkbook_core::model::{Channel, Household};
use walkbook_core::results::review::Standing;
use walkbook_core::results::rules::Author;
use walkbook_core::results::{Attempt, review};

use super::clock::LocalClock;
use super::flags::{Flag, haversine_m};

/// One canvasser's day.
#[derive(Debug, Clone, PartialEq)]
pub struct ActivityRow {
    pub volunteer_id: String,
    /// Local date, YYYY-MM-DD.
    pub day: String,
    pub attempts: usize,
    /// Distinct doors with a door result.
    pub doors: usize,
    /// Attempts with answers (a conversation).
    pub conversations: usize,
    /// Seconds between consecutive results at different doors: quartiles.
    pub gap_seconds: Option<[i64; 3]>,
    /// Local time of the first and last result, HH:MM.
    pub first: String,
    pub last: String,
    /// Median metres between where a result was recorded and its door,
    /// over results with both positions.
    pub median_distance_m: Option<f64>,
    /// Flags raised on this canvasser's results that day.
    pub flags: usize,
    /// Of `attempts`, how many an organizer rolled back.
    pub rolled_back: usize,
}

impl ActivityRow {
    pub fn contact_rate_percent(&self) -> u64 {
        (self.conversations * 100)
            .checked_div(self.attempts)
            .unwrap_or(0) as u64
    }
}

/// One result of a canvasser's shift, where it stands, and its document.
#[derive(Debug, Clone)]
pub struct ShiftAttempt<'a> {
    pub doc_id: &'a str,
    pub attempt: &'a Attempt,
    pub standing: Standing<'a>,
}

/// The results `volunteer` recorded on local `day`, oldest first, each with
/// its standing (judged within its own document).
pub fn shift<'a>(
    units: &'a super::snapshot::Units,
    volunteer: &str,
    day: &str,
    tz: chrono_tz::Tz,
) -> Vec<ShiftAttempt<'a>> {
    let clock = LocalClock::new(tz);
    let mut out = Vec::new();
    for (doc_id, attempts) in units {
        let theirs: Vec<&Attempt> = attempts
            .iter()
            .filter(|a| {
                a.volunteer_id == volunteer && !review::is_review(a) && clock.day(a.at_ms) == day
            })
            .collect();
        if theirs.is_empty() {
            continue;
        }
        let standings = review::standings(attempts);
        for a in theirs {
            out.push(ShiftAttempt {
                doc_id,
                attempt: a,
                standing: standings
                    .get(a.id.as_str())
                    .cloned()
                    .unwrap_or(Standing::Counts),
            });
        }
    }
    out.sort_by(|a, b| (a.attempt.at_ms, &a.attempt.id).cmp(&(b.attempt.at_ms, &b.attempt.id)));
    out
}

/// What an organizer does with selected results of a shift.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewAction {
    /// Those that count stop counting.
    Rollback,
    /// Those rolled back count again.
    Undo,
}

/// The review attempts that carry out `action` on the `selected` results
/// of a shift, by document, and how many selected results it does not
/// apply to (already rolled back, corrected, or not rolled back for an
/// undo). `new_id` makes attempt ids.
pub fn review_attempts(
    shift: &[ShiftAttempt<'_>],
    selected: &dyn Fn(&str) -> bool,
    action: ReviewAction,
    organizer: &Author,
    reason: &str,
    now_ms: i64,
    new_id: &mut dyn FnMut() -> String,
) -> (BTreeMap<String, Vec<Attempt>>, usize) {
    let mut by_doc: BTreeMap<String, Vec<Attempt>> = BTreeMap::new();
    let mut skipped = 0;
    let mut undone = HashSet::new();
    for s in shift.iter().filter(|s| selected(&s.attempt.id)) {
        let made = match (action, &s.standing) {
            (ReviewAction::Rollback, Standing::Counts) => Some(review::rollback_of(
                s.attempt,
                new_id(),
                organizer,
                reason,
                now_ms,
            )),
            (ReviewAction::Undo, Standing::RolledBack(r)) if undone.insert(r.id.as_str()) => {
                Some(review::undo_of(r, new_id(), organizer, reason, now_ms))
            }
            _ => None,
        };
        match made {
            Some(a) => by_doc.entry(s.doc_id.to_string()).or_default().push(a),
            None => skipped += 1,
        }
    }
    (by_doc, skipped)
}

/// Quartiles (25th, 50th, 75th percentile) of a sorted, non-empty list.
fn quartiles(sorted: &[i64]) -> [i64; 3] {
    let at = |q: usize| sorted[(sorted.len() - 1) * q / 4];
    [at(1), at(2), at(3)]
}

/// One row per canvasser and local day over `attempts` (review actions are
/// left out: an organizer is not a canvasser); `rolled_back` holds the ids
/// of attempts an organizer rolled back.
pub fn activity(
    attempts: &[&Attempt],
    rolled_back: &HashSet<&str>,
    households: &HashMap<&str, &Household>,
    flags: &[Flag],
    tz: chrono_tz::Tz,
) -> Vec<ActivityRow> {
    let clock = LocalClock::new(tz);
    let mut days: HashMap<(&str, i32), Vec<&Attempt>> = HashMap::new();
    for a in attempts.iter().copied().filter(|a| !review::is_review(a)) {
        let day = clock.day_number(a.at_ms).unwrap_or(i32::MIN);
        days.entry((a.volunteer_id.as_str(), day))
            .or_default()
            .push(a);
    }
    let mut days: Vec<((&str, i32), Vec<&Attempt>)> = days.into_iter().collect();
    days.sort_by_key(|(k, _)| *k);
    let flagged: HashMap<&str, &str> = flags
        .iter()
        .filter_map(|f| match f {
            Flag::FarFromAddress {
                attempt_id,
                volunteer_id,
                ..
            }
            | Flag::OutsideHours {
                attempt_id,
                volunteer_id,
                ..
            } => Some((attempt_id.as_str(), volunteer_id.as_str())),
            Flag::RapidDoors { .. } => None,
        })
        .collect();
    days.into_iter()
        .map(|((volunteer_id, day), mut list)| {
            let day = clock.day_text(day);
            list.sort_by_key(|a| a.at_ms);
            let doors: Vec<&&Attempt> =
                list.iter().filter(|a| a.channel == Channel::Door).collect();
            let mut gaps: Vec<i64> = doors
                .windows(2)
                .filter(|w| w[0].household_id != w[1].household_id)
                .map(|w| (w[1].at_ms - w[0].at_ms) / 1000)
                .collect();
            gaps.sort_unstable();
            let mut distances: Vec<f64> = list
                .iter()
                .filter_map(|a| {
                    let h = households.get(a.household_id.as_str())?;
                    Some(haversine_m((a.lat?, a.lon?), (h.lat?, h.lon?)))
                })
                .collect();
            distances.sort_by(f64::total_cmp);
            let hhmm = |ms: i64| {
                DateTime::<Utc>::from_timestamp_millis(ms)
                    .map(|t| t.with_timezone(&tz))
                    .map(|t| t.format("%H:%M").to_string())
                    .unwrap_or_default()
            };
            let rapid = gaps
                .iter()
                .filter(|g| **g < super::flags::RAPID_SECONDS)
                .count();
            ActivityRow {
                attempts: list.len(),
                rolled_back: list
                    .iter()
                    .filter(|a| rolled_back.contains(a.id.as_str()))
                    .count(),
                doors: doors
                    .iter()
                    .map(|a| &a.household_id)
                    .collect::<BTreeSet<_>>()
                    .len(),
                conversations: list
                    .iter()
                    .filter(|a| !a.responses.is_empty() || !a.text_answers.is_empty())
                    .count(),
                gap_seconds: (!gaps.is_empty()).then(|| quartiles(&gaps)),
                first: list.first().map(|a| hhmm(a.at_ms)).unwrap_or_default(),
                last: list.last().map(|a| hhmm(a.at_ms)).unwrap_or_default(),
                median_distance_m: (!distances.is_empty())
                    .then(|| distances[(distances.len() - 1) / 2]),
                flags: list
                    .iter()
                    .filter(|a| flagged.get(a.id.as_str()) == Some(&volunteer_id))
                    .count()
                    + usize::from(rapid >= super::flags::RAPID_PAIRS),
                volunteer_id: volunteer_id.to_string(),
                day,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use walkbook_core::model::Channel;

    fn door(vol: &str, house: &str, at_s: i64, pos: Option<(f64, f64)>, talk: bool) -> Attempt {
        Attempt {
            id: format!("{vol}-{at_s}"),
            person_id: None,
            household_id: house.into(),
            channel: Channel::Door,
            result: (!talk).then(|| "not_home".into()),
            effect: None,
            responses: if talk {
                [("support".to_string(), "1".to_string())].into()
            } else {
                Default::default()
            },
            text_answers: Default::default(),
            notes: String::new(),
            callback_at_ms: None,
            supersedes: vec![],
            // 2026-10-03 15:00 UTC = 10:00 in Chicago.
            at_ms: 1_791_039_600_000 + at_s * 1000,
            duration_s: None,
            phone_ref: None,
            volunteer_id: vol.into(),
            device_id: format!("dev-{vol}"),
            lat: pos.map(|p| p.0),
            lon: pos.map(|p| p.1),
            accuracy_m: None,
            script_id: "canvass".into(),
            script_version: 1,
            new_person: None,
        }
    }

    fn home(id: &str, lat: f64) -> Household {
        Household {
            id: id.into(),
            house_number: 1,
            street_name: "Elm St".into(),
            unit: None,
            city: String::new(),
            postal_code: String::new(),
            precinct: None,
            lat: Some(lat),
            lon: Some(-89.65),
        }
    }

    #[test]
    fn an_honest_day_and_a_suspicious_one_read_differently() {
        let owned: Vec<Household> = (0..12)
            .map(|i| home(&format!("H{i}"), 39.78 + i as f64 * 0.0005))
            .collect();
        let homes: HashMap<&str, &Household> = owned.iter().map(|h| (h.id.as_str(), h)).collect();
        let mut attempts = Vec::new();
        // Honest: a door every ~3 minutes, at the door, half conversations.
        for i in 0..6 {
            let pos = (39.78 + i as f64 * 0.0005, -89.65);
            attempts.push(door(
                "vol-a",
                &format!("H{i}"),
                i * 180,
                Some(pos),
                i % 2 == 0,
            ));
        }
        // Suspicious: six doors 5 s apart, from 3 km away.
        for i in 0..6 {
            attempts.push(door(
                "vol-b",
                &format!("H{}", i + 6),
                i * 5,
                Some((39.81, -89.65)),
                true,
            ));
        }
        let tz: chrono_tz::Tz = "America/Chicago".parse().unwrap();
        let attempts: Vec<&Attempt> = attempts.iter().collect();
        let flags = super::super::flags(&attempts, &homes, tz);
        let rows = activity(&attempts, &HashSet::new(), &homes, &flags, tz);
        assert_eq!(rows.len(), 2);
        let (a, b) = (&rows[0], &rows[1]);
        assert_eq!(
            (a.volunteer_id.as_str(), a.day.as_str()),
            ("vol-a", "2026-10-03")
        );
        assert_eq!((a.attempts, a.doors, a.conversations), (6, 6, 3));
        assert_eq!(a.contact_rate_percent(), 50);
        assert_eq!(a.gap_seconds, Some([180, 180, 180]));
        assert_eq!((a.first.as_str(), a.last.as_str()), ("10:00", "10:15"));
        assert!(a.median_distance_m.unwrap() < 1.0);
        assert_eq!(a.flags, 0);
        assert_eq!(b.gap_seconds, Some([5, 5, 5]));
        assert!(b.median_distance_m.unwrap() > 2000.0);
        assert_eq!(b.contact_rate_percent(), 100);
        assert_eq!(b.flags, 6 + 1, "six far results and the rapid doors");
    }
}
