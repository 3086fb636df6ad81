//! Read queries over the installed reference data.

use std::collections::HashMap;

use chrono::{DateTime, NaiveTime, Utc};
use rusqlite::{OptionalExtension, Row, params};

use super::phonebank::campaign_wide_from;
use super::{DeviceStore, StoreError};
use crate::model::{
    Assignment, AssignmentKind, CallingHours, Campaign, Channel, Household, Person, Phone,
    ResultCode, ResultEffect, Script, TurfMode,
};
use crate::results::{
    HouseholdSummary, Status, StatusSummary, door_state_in, person_at_door, pick_by_state,
};

/// An assignment installed on this device, with its packet version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstalledAssignment {
    pub assignment: Assignment,
    pub packet_version: u64,
}

/// One person at a door in the walk list, with where they stand.
#[derive(Debug, Clone, PartialEq)]
pub struct WalkListPerson {
    pub person: Person,
    /// Derived from results; `do_not_contact` in the voter file shows as such.
    pub status: StatusSummary,
}

/// One door of a walk list, in walk order.
#[derive(Debug, Clone, PartialEq)]
pub struct WalkListDoor {
    /// 0-based position in the turf's walk order.
    pub position: u32,
    pub household: Household,
    pub people: Vec<WalkListPerson>,
    pub household_status: HouseholdSummary,
    /// How the turf is worked (canvassing or a lit drop).
    pub mode: TurfMode,
}

/// One entry of a call queue: who to call and the number to dial.
#[derive(Debug, Clone, PartialEq)]
pub struct CallQueueRow {
    pub position: u32,
    pub person: Person,
    /// The number to dial. The shell gets it only at dial time, through
    /// `number_to_dial`, for the contact on screen.
    pub phone: Phone,
    /// Status on this list, or a final status from elsewhere in the campaign.
    pub status: StatusSummary,
    /// The contact's zone, from their postal code (campaign zone as fallback).
    pub time_zone: chrono_tz::Tz,
    /// When this device's claim on the contact runs out (shared lists).
    pub claim_expires_at_ms: Option<i64>,
}

const HOUSEHOLD_COLUMNS: &str =
    "id, house_number, street_name, unit, city, postal_code, precinct, lat, lon";
pub(crate) const PERSON_COLUMNS: &str = "id, household_id, first_name, last_name, birth_year, language, phones, party, \
     support_score, attributes, do_not_contact";

fn household_from_row(r: &Row<'_>, base: usize) -> rusqlite::Result<Household> {
    Ok(Household {
        id: r.get(base)?,
        house_number: r.get(base + 1)?,
        street_name: r.get(base + 2)?,
        unit: r.get(base + 3)?,
        city: r.get(base + 4)?,
        postal_code: r.get(base + 5)?,
        precinct: r.get(base + 6)?,
        lat: r.get(base + 7)?,
        lon: r.get(base + 8)?,
    })
}

fn json_column<T: serde::de::DeserializeOwned>(r: &Row<'_>, idx: usize) -> rusqlite::Result<T> {
    let text: String = r.get(idx)?;
    serde_json::from_str(&text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, Box::new(e))
    })
}

pub(crate) fn person_from_row(r: &Row<'_>, base: usize) -> rusqlite::Result<Person> {
    let attributes: Option<String> = r.get(base + 9)?;
    Ok(Person {
        id: r.get(base)?,
        household_id: r.get(base + 1)?,
        first_name: r.get(base + 2)?,
        last_name: r.get(base + 3)?,
        birth_year: r.get(base + 4)?,
        language: r.get(base + 5)?,
        phones: json_column(r, base + 6)?,
        party: r.get(base + 7)?,
        support_score: r.get(base + 8)?,
        attributes: match attributes {
            Some(text) => serde_json::from_str(&text).map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(
                    base + 9,
                    rusqlite::types::Type::Text,
                    Box::new(e),
                )
            })?,
            None => Default::default(),
        },
        do_not_contact: r.get(base + 10)?,
    })
}

fn parse_column<T>(idx: usize, text: &str, parsed: Option<T>) -> rusqlite::Result<T> {
    parsed.ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            idx,
            rusqlite::types::Type::Text,
            format!("unexpected stored value {text:?}").into(),
        )
    })
}

fn assignment_from_row(r: &Row<'_>) -> rusqlite::Result<InstalledAssignment> {
    let kind: String = r.get(1)?;
    let expires: String = r.get(5)?;
    let version: i64 = r.get(6)?;
    let mode: String = r.get(7)?;
    Ok(InstalledAssignment {
        assignment: Assignment {
            id: r.get(0)?,
            kind: parse_column(1, &kind, AssignmentKind::parse(&kind))?,
            unit_id: r.get(2)?,
            script_id: r.get(3)?,
            volunteer_id: r.get(4)?,
            expires_at: parse_column(
                5,
                &expires,
                DateTime::parse_from_rfc3339(&expires)
                    .ok()
                    .map(|d| d.with_timezone(&Utc)),
            )?,
            mode: parse_column(7, &mode, TurfMode::parse(&mode))?,
        },
        packet_version: version as u64,
    })
}

impl DeviceStore {
    /// The campaign this device holds, once a packet is installed.
    pub fn campaign(&self) -> Result<Option<Campaign>, StoreError> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT id, name, time_zone, calling_start, calling_end FROM campaign LIMIT 1",
            )?
            .query_row([], |r| {
                let start: String = r.get(3)?;
                let end: String = r.get(4)?;
                Ok(Campaign {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    time_zone: r.get(2)?,
                    calling_hours: CallingHours {
                        start: parse_column(
                            3,
                            &start,
                            NaiveTime::parse_from_str(&start, "%H:%M:%S").ok(),
                        )?,
                        end: parse_column(
                            4,
                            &end,
                            NaiveTime::parse_from_str(&end, "%H:%M:%S").ok(),
                        )?,
                    },
                    // Packets are already cut to their fields.
                    packet_fields: Default::default(),
                })
            })
            .optional()?)
    }

    /// Every installed assignment, ordered by id.
    pub fn assignments(&self) -> Result<Vec<InstalledAssignment>, StoreError> {
        let mut st = self.conn.prepare_cached(
            "SELECT assignment_id, kind, unit_id, script_id, volunteer_id, expires_at, version, mode
             FROM packets ORDER BY assignment_id",
        )?;
        let rows = st.query_map([], assignment_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn assignment(&self, id: &str) -> Result<InstalledAssignment, StoreError> {
        self.conn
            .prepare_cached(
                "SELECT assignment_id, kind, unit_id, script_id, volunteer_id, expires_at, version, mode
                 FROM packets WHERE assignment_id = ?1",
            )?
            .query_row([id], assignment_from_row)
            .optional()?
            .ok_or_else(|| StoreError::not_found("assignment", id))
    }

    /// The assignment that brought the given turf or call list to this device.
    pub(crate) fn assignment_for_unit(
        &self,
        kind: AssignmentKind,
        unit_id: &str,
    ) -> Result<String, StoreError> {
        self.conn
            .prepare_cached("SELECT assignment_id FROM packets WHERE kind = ?1 AND unit_id = ?2 ORDER BY assignment_id LIMIT 1")?
            .query_row(
                params![kind.as_str(), unit_id],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| {
                StoreError::not_found(
                    match kind {
                        AssignmentKind::Turf => "turf",
                        AssignmentKind::CallList => "call list",
                    },
                    unit_id,
                )
            })
    }

    pub fn household(&self, id: &str) -> Result<Household, StoreError> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {HOUSEHOLD_COLUMNS} FROM households WHERE id = ?1 LIMIT 1"
            ))?
            .query_row([id], |r| household_from_row(r, 0))
            .optional()?
            .ok_or_else(|| StoreError::not_found("household", id))
    }

    /// A person as some installed packet carries them. Packets of different
    /// kinds carry different fields (only call lists have phones): use
    /// [`Self::person_in`] where the fields matter.
    pub fn person(&self, id: &str) -> Result<Person, StoreError> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {PERSON_COLUMNS} FROM people WHERE id = ?1 LIMIT 1"
            ))?
            .query_row([id], |r| person_from_row(r, 0))
            .optional()?
            .ok_or_else(|| StoreError::not_found("person", id))
    }

    /// A person as one assignment's packet carries them (packets of
    /// different kinds carry different fields: only call lists have phones).
    pub fn person_in(&self, assignment_id: &str, id: &str) -> Result<Person, StoreError> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {PERSON_COLUMNS} FROM people WHERE assignment_id = ?1 AND id = ?2"
            ))?
            .query_row([assignment_id, id], |r| person_from_row(r, 0))
            .optional()?
            .ok_or_else(|| StoreError::not_found("person", id))
    }

    /// The people living at a household, ordered by id.
    pub fn people_at(&self, household_id: &str) -> Result<Vec<Person>, StoreError> {
        let mut st = self.conn.prepare_cached(&format!(
            "SELECT {PERSON_COLUMNS} FROM people WHERE household_id = ?1
             AND assignment_id = (SELECT assignment_id FROM people WHERE household_id = ?1 LIMIT 1) ORDER BY id"
        ))?;
        let rows = st.query_map([household_id], |r| person_from_row(r, 0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// A script version as stored; `None` for the version means the newest.
    pub fn script(&self, id: &str, version: Option<u32>) -> Result<Script, StoreError> {
        let key = (id.to_string(), version);
        if let Some(s) = self.cache().scripts.get(&key) {
            return Ok(s.clone());
        }
        let body: Option<String> = self
            .conn
            .prepare_cached(
                "SELECT body FROM scripts WHERE id = ?1 AND (?2 IS NULL OR version = ?2)
                 ORDER BY version DESC LIMIT 1",
            )?
            .query_row(params![id, version], |r| r.get(0))
            .optional()?;
        let body = body.ok_or_else(|| {
            StoreError::not_found(
                "script",
                version.map_or(id.to_string(), |v| format!("{id} v{v}")),
            )
        })?;
        let script: Script = serde_json::from_str(&body)
            .map_err(|e| StoreError::Corrupt(format!("script {id}: {e}")))?;
        self.cache().scripts.insert(key, script.clone());
        Ok(script)
    }

    /// The reference cache; a panic elsewhere while it was held leaves
    /// only a cache behind, so a poisoned lock is still usable.
    pub(crate) fn cache(&self) -> std::sync::MutexGuard<'_, super::ReferenceCache> {
        self.reference_cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The newest version of the assignment's script, in `language` where translated.
    pub fn script_for(&self, assignment_id: &str, language: &str) -> Result<Script, StoreError> {
        let a = self.assignment(assignment_id)?;
        Ok(self
            .script(&a.assignment.script_id, None)?
            .localized(language))
    }

    /// The result codes of an assignment (those of its channel).
    pub fn result_codes(&self, assignment_id: &str) -> Result<Vec<ResultCode>, StoreError> {
        if let Some(codes) = self.cache().result_codes.get(assignment_id) {
            return Ok(codes.clone());
        }
        let mut st = self.conn.prepare_cached(
            "SELECT id, label, channel, effect, final FROM result_codes WHERE assignment_id = ?1 ORDER BY position",
        )?;
        let rows = st.query_map([assignment_id], |r| {
            let channel: String = r.get(2)?;
            let effect: String = r.get(3)?;
            Ok(ResultCode {
                id: r.get(0)?,
                label: r.get(1)?,
                channel: parse_column(2, &channel, Channel::parse(&channel))?,
                effect: parse_column(3, &effect, ResultEffect::parse(&effect))?,
                is_final: r.get(4)?,
            })
        })?;
        let codes: Vec<ResultCode> = rows.collect::<Result<_, _>>()?;
        self.cache()
            .result_codes
            .insert(assignment_id.to_string(), codes.clone());
        Ok(codes)
    }

    /// The turf's doors in walk order, each with the people living there.
    pub fn walk_list(&self, turf_id: &str) -> Result<Vec<WalkListDoor>, StoreError> {
        let aid = self.assignment_for_unit(AssignmentKind::Turf, turf_id)?;
        let mut doors_st = self.conn.prepare_cached(&format!(
            "SELECT d.position, {} FROM turf_doors d
             JOIN households h ON h.assignment_id = d.assignment_id AND h.id = d.household_id
             WHERE d.assignment_id = ?1 AND d.turf_id = ?2 ORDER BY d.position",
            prefixed("h", HOUSEHOLD_COLUMNS)
        ))?;
        let doors: Vec<(u32, Household)> = doors_st
            .query_map(params![aid, turf_id], |r| {
                Ok((r.get::<_, i64>(0)? as u32, household_from_row(r, 1)?))
            })?
            .collect::<Result<_, _>>()?;
        let mut people_st = self.conn.prepare_cached(&format!(
            "SELECT {PERSON_COLUMNS} FROM people WHERE assignment_id = ?1"
        ))?;
        let mut statuses = self.turf_statuses(&aid, turf_id)?;
        let mut by_household: HashMap<String, Vec<Person>> = Default::default();
        for p in people_st.query_map([&aid], |r| person_from_row(r, 0))? {
            let person = p?;
            by_household
                .entry(person.household_id.clone())
                .or_default()
                .push(person);
        }
        Ok(doors
            .into_iter()
            .map(|(position, household)| {
                let people = by_household.remove(&household.id).unwrap_or_default();
                statuses.door(position, household, people)
            })
            .collect())
    }

    /// The door to knock next at `now_ms`: the door [`pick_next_door`]
    /// picks from [`Self::walk_list`], read without loading every door's
    /// names and addresses (what the app shows first when it opens).
    ///
    /// [`pick_next_door`]: crate::results::pick_next_door
    pub fn next_door(
        &self,
        turf_id: &str,
        now_ms: i64,
    ) -> Result<Option<WalkListDoor>, StoreError> {
        let aid = self.assignment_for_unit(AssignmentKind::Turf, turf_id)?;
        let doors: Vec<(u32, String)> = self
            .conn
            .prepare_cached(
                "SELECT position, household_id FROM turf_doors
                 WHERE assignment_id = ?1 AND turf_id = ?2 ORDER BY position",
            )?
            .query_map(params![aid, turf_id], |r| {
                Ok((r.get::<_, i64>(0)? as u32, r.get(1)?))
            })?
            .collect::<Result<_, _>>()?;
        let mut residents: HashMap<String, Vec<(String, bool)>> = HashMap::new();
        let mut st = self.conn.prepare_cached(
            "SELECT household_id, id, do_not_contact FROM people WHERE assignment_id = ?1",
        )?;
        for row in st.query_map([&aid], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))? {
            let (household, person, dnc): (String, String, bool) = row?;
            residents.entry(household).or_default().push((person, dnc));
        }
        let mut statuses = self.turf_statuses(&aid, turf_id)?;
        let states = doors.iter().map(|(_, household_id)| {
            let household = statuses.household(household_id);
            let people: Vec<Status> = residents
                .get(household_id)
                .into_iter()
                .flatten()
                .map(|(id, dnc)| statuses.person(id, *dnc, &household.household).status)
                .collect();
            door_state_in(statuses.mode, &household, &people, now_ms)
        });
        let Some(index) = pick_by_state(states) else {
            return Ok(None);
        };
        let (position, household_id) = &doors[index];
        let household = self
            .conn
            .prepare_cached(&format!(
                "SELECT {HOUSEHOLD_COLUMNS} FROM households WHERE assignment_id = ?1 AND id = ?2"
            ))?
            .query_row(params![aid, household_id], |r| household_from_row(r, 0))?;
        let people: Vec<Person> = self
            .conn
            .prepare_cached(&format!(
                "SELECT {PERSON_COLUMNS} FROM people WHERE assignment_id = ?1 AND household_id = ?2"
            ))?
            .query_map(params![aid, household_id], |r| person_from_row(r, 0))?
            .collect::<Result<_, _>>()?;
        Ok(Some(statuses.door(*position, household, people)))
    }

    /// What the statuses of a turf's doors are derived from, read once.
    fn turf_statuses(
        &self,
        assignment_id: &str,
        turf_id: &str,
    ) -> Result<TurfStatuses, StoreError> {
        let doc_id = format!("turf:{turf_id}");
        Ok(TurfStatuses {
            mode: self.assignment(assignment_id)?.assignment.mode,
            people: self.status_map("person_status", "person_id", &doc_id)?,
            households: self.status_map("household_status", "household_id", &doc_id)?,
            elsewhere: self.statuses_elsewhere(assignment_id, &doc_id)?,
        })
    }
}

/// A turf's derived statuses: per person and per household on this turf,
/// and final statuses from elsewhere in the campaign.
struct TurfStatuses {
    mode: TurfMode,
    people: HashMap<String, StatusSummary>,
    households: HashMap<String, HouseholdSummary>,
    elsewhere: HashMap<String, StatusSummary>,
}

impl TurfStatuses {
    fn household(&self, household_id: &str) -> HouseholdSummary {
        self.households
            .get(household_id)
            .cloned()
            .unwrap_or_else(|| HouseholdSummary {
                household: StatusSummary::not_attempted(),
                door_attempts: 0,
                last_at_ms: None,
                lit_drops: 0,
            })
    }

    /// A person's status at the door: their own, the household's results
    /// and campaign-wide finals on top.
    fn person(
        &self,
        person_id: &str,
        do_not_contact: bool,
        level: &StatusSummary,
    ) -> StatusSummary {
        let own = self
            .people
            .get(person_id)
            .cloned()
            .unwrap_or_else(StatusSummary::not_attempted);
        campaign_wide_from(
            person_id,
            do_not_contact,
            person_at_door(&own, level),
            &self.elsewhere,
        )
    }

    /// One door of the walk list; its people in id order.
    fn door(
        &mut self,
        position: u32,
        household: Household,
        mut people: Vec<Person>,
    ) -> WalkListDoor {
        let household_status = self.household(&household.id);
        people.sort_by(|a, b| a.id.cmp(&b.id));
        let people = people
            .into_iter()
            .map(|person| WalkListPerson {
                status: self.person(
                    &person.id,
                    person.do_not_contact,
                    &household_status.household,
                ),
                person,
            })
            .collect();
        WalkListDoor {
            mode: self.mode,
            position,
            household,
            people,
            household_status,
        }
    }
}

/// A do-not-contact flag in the voter file is a standing request: it shows
/// as the person's status whatever the results say.
pub(crate) fn with_standing_request(do_not_contact: bool, status: StatusSummary) -> StatusSummary {
    if do_not_contact {
        StatusSummary {
            status: Status::DoNotContact,
            ..status
        }
    } else {
        status
    }
}

impl DeviceStore {
    /// `summary` JSON of every row of a status table for one document.
    pub(crate) fn status_map<T: serde::de::DeserializeOwned>(
        &self,
        table: &str,
        key: &str,
        doc_id: &str,
    ) -> Result<HashMap<String, T>, StoreError> {
        let mut st = self.conn.prepare_cached(&format!(
            "SELECT {key}, summary FROM {table} WHERE doc_id = ?1"
        ))?;
        let rows = st.query_map([doc_id], |r| {
            Ok((r.get::<_, String>(0)?, json_column::<T>(r, 1)?))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

pub(crate) fn prefixed(table: &str, columns: &str) -> String {
    columns
        .split(',')
        .map(|c| format!("{table}.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}
