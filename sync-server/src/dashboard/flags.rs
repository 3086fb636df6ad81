//! Suspicious-data flags: pure checks over a campaign's attempts.

use std::collections::{BTreeMap, HashMap};

use chrono::Timelike;
use walkbook_core::model::{Channel, Household};
use walkbook_core::results::{Attempt, review};

/// Two door results this close together (different doors) are hard to believe.
pub const RAPID_SECONDS: i64 = 15;
/// A volunteer with this many rapid pairs is flagged.
pub const RAPID_PAIRS: usize = 5;
/// A result recorded this far from the door's address is flagged.
pub const FAR_METRES: f64 = 250.0;

#[derive(Debug, Clone, PartialEq)]
pub enum Flag {
    RapidDoors {
        volunteer_id: String,
        pairs: usize,
    },
    FarFromAddress {
        attempt_id: String,
        volunteer_id: String,
        household_id: String,
        metres: f64,
    },
    OutsideHours {
        attempt_id: String,
        volunteer_id: String,
        local_time: String,
    },
}

impl Flag {
    pub fn describe(&self) -> String {
        match self {
            Flag::RapidDoors {
                volunteer_id,
                pairs,
            } => {
                format!(
                    "{volunteer_id}: {pairs} doors recorded less than {RAPID_SECONDS} s after the previous one"
                )
            }
            Flag::FarFromAddress {
                volunteer_id,
                household_id,
                metres,
                ..
            } => {
                format!(
                    "{volunteer_id}: result for {household_id} recorded {metres:.0} m from the address"
                )
            }
            Flag::OutsideHours {
                volunteer_id,
                local_time,
                ..
            } => {
                format!("{volunteer_id}: result recorded at {local_time}, outside 8:00–21:00")
            }
        }
    }
}

pub use walkbook_core::walk::distance_m as haversine_m;

pub fn flags(
    attempts: &[&Attempt],
    households: &HashMap<&str, &Household>,
    tz: chrono_tz::Tz,
) -> Vec<Flag> {
    let mut out = Vec::new();
    let clock = super::clock::LocalClock::new(tz);
    // An organizer's review actions happen at a desk, many at once.
    let attempts: Vec<&Attempt> = attempts
        .iter()
        .copied()
        .filter(|a| !review::is_review(a))
        .collect();
    let mut by_volunteer: BTreeMap<&str, Vec<&Attempt>> = BTreeMap::new();
    for a in attempts
        .iter()
        .copied()
        .filter(|a| a.channel == Channel::Door)
    {
        by_volunteer.entry(&a.volunteer_id).or_default().push(a);
    }
    for (v, mut list) in by_volunteer {
        list.sort_by_key(|a| a.at_ms);
        let pairs = list
            .windows(2)
            .filter(|w| {
                w[0].household_id != w[1].household_id
                    && w[1].at_ms - w[0].at_ms < RAPID_SECONDS * 1000
            })
            .count();
        if pairs >= RAPID_PAIRS {
            out.push(Flag::RapidDoors {
                volunteer_id: v.to_string(),
                pairs,
            });
        }
    }
    for a in attempts {
        if let (Some(lat), Some(lon), Some(h)) =
            (a.lat, a.lon, households.get(a.household_id.as_str()))
            && let (Some(hl), Some(ho)) = (h.lat, h.lon)
        {
            let metres = haversine_m((lat, lon), (hl, ho));
            if metres > FAR_METRES {
                out.push(Flag::FarFromAddress {
                    attempt_id: a.id.clone(),
                    volunteer_id: a.volunteer_id.clone(),
                    household_id: a.household_id.clone(),
                    metres,
                });
            }
        }
        if let Some(local) = clock.local(a.at_ms)
            && (local.hour() < 8 || local.hour() >= 21)
        {
            out.push(Flag::OutsideHours {
                attempt_id: a.id.clone(),
                volunteer_id: a.volunteer_id.clone(),
                local_time: local.format("%a %H:%M").to_string(),
            });
        }
    }
    out
}
