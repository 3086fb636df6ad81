//! Practice mode: a sandbox turf worked with the campaign's real script,
//! whose results stay on the phone, are marked as practice and never count.
//!
//! Three walls keep practice results out of the campaign's record:
//!
//! 1. They live in a **practice store**, a database file of its own
//!    ([`DeviceStore::mark_practice`]) that installs only practice packets
//!    and that no sync client will open ([`crate::sync::SyncClient`] refuses).
//!    A campaign's real store refuses practice packets in turn.
//! 2. Every practice unit id starts with [`PRACTICE_PREFIX`], so a practice
//!    document names itself (`turf:practice-…`) wherever it goes.
//! 3. The server refuses any document so named (`practice_results`), and no
//!    campaign may name a real turf or call list that way
//!    ([`check_no_practice_units`]), so the two can never be confused.
//!
//! The sandbox is fictional: doors on "Practice Lane" in "Sandbox", people
//! with made-up names, no phones. It is built by [`sandbox_packet`], on the
//! phone from a script it already holds or on the server from the campaign's
//! canvass script (the training packet).

use chrono::{DateTime, Duration, Utc};

use crate::model::{
    Assignment, AssignmentKind, Campaign, Channel, Household, Person, ReferenceData,
    ReferenceError, ResultCode, Script, ScriptKind, Turf, TurfMode, Volunteer,
    validate_reference_data,
};
use crate::packet::{PACKET_FORMAT, PacketBody, PacketError};
use crate::store::{DeviceStore, StoreError};

/// Every practice turf, assignment and volunteer id starts with this.
pub const PRACTICE_PREFIX: &str = "practice-";
/// The id practice results are recorded under (never a real volunteer).
pub const PRACTICE_VOLUNTEER: &str = "practice-volunteer";
/// The sandbox turf's id.
pub const PRACTICE_TURF: &str = "practice-turf";
/// The sandbox assignment's id.
pub const PRACTICE_ASSIGNMENT: &str = "practice-shift";
/// How long a sandbox stays usable on the phone.
pub const PRACTICE_DAYS: i64 = 30;
/// Meta key marking a practice store.
const PRACTICE_META: &str = "practice";

/// Whether a results document id (`turf:<id>` / `calls:<id>`) or a bare unit
/// id names a practice unit.
pub fn is_practice_unit(doc_or_unit_id: &str) -> bool {
    let unit = doc_or_unit_id
        .strip_prefix("turf:")
        .or_else(|| doc_or_unit_id.strip_prefix("calls:"))
        .unwrap_or(doc_or_unit_id);
    unit.starts_with(PRACTICE_PREFIX)
}

/// A campaign's real data may not use the practice prefix for its turfs,
/// call lists or assignments: those names are how practice results are told
/// apart (and refused) everywhere.
pub fn check_no_practice_units(data: &ReferenceData) -> Result<(), ReferenceError> {
    let named = data
        .turfs
        .iter()
        .map(|t| ("turf", t.id.as_str()))
        .chain(data.call_lists.iter().map(|l| ("call list", l.id.as_str())))
        .chain(
            data.assignments
                .iter()
                .map(|a| ("assignment", a.id.as_str())),
        );
    for (kind, id) in named {
        if id.starts_with(PRACTICE_PREFIX) {
            return Err(ReferenceError {
                record: format!("{kind} {id}"),
                problem: format!(
                    "ids starting with {PRACTICE_PREFIX:?} are reserved for practice mode; rename it"
                ),
            });
        }
    }
    Ok(())
}

/// Where a sandbox's doors are drawn: around `center` when known (the
/// volunteer's real turf, so the map looks like home), else without
/// coordinates.
pub struct Sandbox<'a> {
    pub campaign: Campaign,
    /// The campaign's canvass script, used as it is.
    pub script: Script,
    /// The campaign's door result codes.
    pub result_codes: Vec<ResultCode>,
    pub center: Option<(f64, f64)>,
    pub now: DateTime<Utc>,
    /// Languages the script is translated into: one sandbox resident
    /// speaks the first, so the translated script gets practised too.
    pub other_language: Option<&'a str>,
}

/// A fictional resident: first name, last name, birth year.
type Resident = (&'static str, &'static str, u16);

/// The sandbox's doors: house number and residents.
const DOORS: &[(u32, &[Resident])] = &[
    (
        101,
        &[("Avery", "Sandoval", 1961), ("Jordan", "Sandoval", 1964)],
    ),
    (103, &[("Casey", "Whitlow", 1988)]),
    (105, &[("Morgan", "Tibbs", 1975), ("Riley", "Tibbs", 2001)]),
    (107, &[("Quinn", "Alvarado", 1993)]),
    (109, &[("Harper", "Nakagawa", 1957)]),
    (
        111,
        &[("Rowan", "Pettigrew", 1982), ("Sage", "Pettigrew", 1984)],
    ),
    (113, &[("Emerson", "Okonkwo", 1970)]),
    (115, &[("Dakota", "Lindqvist", 1999)]),
    (
        117,
        &[("Reese", "Castellano", 1948), ("Blair", "Castellano", 1950)],
    ),
    (119, &[("Finley", "Abernathy", 1979)]),
];

/// The packet of a sandbox turf: ten fictional doors worked with the
/// campaign's real canvass script and door result codes. Checked like any
/// packet; a script that is not a canvass script is refused.
pub fn sandbox_packet(sandbox: Sandbox<'_>) -> Result<PacketBody, PacketError> {
    let invalid = |problem: String| PacketError::Invalid {
        assignment: PRACTICE_ASSIGNMENT.into(),
        source: ReferenceError {
            record: format!("script {}", sandbox.script.id),
            problem,
        },
    };
    if sandbox.script.kind != ScriptKind::Canvass {
        return Err(invalid(
            "practice shifts knock doors: choose a canvass script".into(),
        ));
    }
    let result_codes: Vec<ResultCode> = sandbox
        .result_codes
        .into_iter()
        .filter(|r| r.channel == Channel::Door)
        .collect();
    if result_codes.is_empty() {
        return Err(invalid(
            "the campaign has no door result codes to practise with".into(),
        ));
    }
    let mut data = ReferenceData {
        campaign: Some(sandbox.campaign.clone()),
        ..Default::default()
    };
    for (i, (number, residents)) in DOORS.iter().enumerate() {
        let household_id = format!("{PRACTICE_PREFIX}door-{number}");
        // A short street: ~25 m between doors, odd side only.
        let (lat, lon) = match sandbox.center {
            Some((lat, lon)) => (Some(lat + 0.0002 * i as f64), Some(lon)),
            None => (None, None),
        };
        data.households.push(Household {
            id: household_id.clone(),
            house_number: *number,
            street_name: "Practice Lane".into(),
            unit: None,
            city: "Sandbox".into(),
            postal_code: "00000".into(),
            precinct: None,
            lat,
            lon,
        });
        for (j, (first, last, born)) in residents.iter().enumerate() {
            let language = match (i, sandbox.other_language) {
                (4, Some(l)) => l.to_string(),
                _ => "en".to_string(),
            };
            data.people.push(Person {
                id: format!("{PRACTICE_PREFIX}person-{number}-{}", j + 1),
                household_id: household_id.clone(),
                first_name: (*first).into(),
                last_name: (*last).into(),
                birth_year: Some(*born),
                language,
                phones: Vec::new(),
                party: None,
                support_score: None,
                attributes: Default::default(),
                do_not_contact: false,
            });
        }
    }
    data.turfs.push(Turf {
        id: PRACTICE_TURF.into(),
        name: "Practice Lane (sandbox)".into(),
        household_ids: data.households.iter().map(|h| h.id.clone()).collect(),
        universe: None,
    });
    data.volunteers.push(Volunteer {
        id: PRACTICE_VOLUNTEER.into(),
        display_name: "Practice".into(),
    });
    let assignment = Assignment {
        id: PRACTICE_ASSIGNMENT.into(),
        kind: AssignmentKind::Turf,
        unit_id: PRACTICE_TURF.into(),
        script_id: sandbox.script.id.clone(),
        volunteer_id: PRACTICE_VOLUNTEER.into(),
        expires_at: sandbox.now + Duration::days(PRACTICE_DAYS),
        mode: TurfMode::Canvass,
    };
    data.assignments.push(assignment.clone());
    data.scripts.push(sandbox.script);
    data.result_codes = result_codes;
    validate_reference_data(&data).map_err(|source| PacketError::Invalid {
        assignment: PRACTICE_ASSIGNMENT.into(),
        source,
    })?;
    Ok(PacketBody {
        format: PACKET_FORMAT,
        campaign_id: sandbox.campaign.id,
        assignment,
        // The time makes a rebuilt sandbox a newer packet, so starting over
        // replaces the old one.
        version: sandbox.now.timestamp_millis().max(1) as u64,
        created_at: sandbox.now,
        data,
    })
}

impl DeviceStore {
    /// Makes this (empty) store a practice store: from now on it installs
    /// only practice packets and no sync client opens it. Refused on a store
    /// that already holds a campaign's real data.
    pub fn mark_practice(&mut self) -> Result<(), StoreError> {
        if self.is_practice()? {
            return Ok(());
        }
        let real = self.assignments()?.into_iter().next();
        if let Some(a) = real {
            return Err(StoreError::Practice(format!(
                "this store holds assignment {} of a real campaign; practice runs in a store of its own",
                a.assignment.id
            )));
        }
        self.set_meta(PRACTICE_META, "1")
    }

    /// Whether this is a practice store (see [`DeviceStore::mark_practice`]).
    pub fn is_practice(&self) -> Result<bool, StoreError> {
        Ok(self.meta(PRACTICE_META)?.as_deref() == Some("1"))
    }

    /// The sandbox a phone can build by itself: the campaign's canvass
    /// script from an installed turf assignment (the first, or `script_id`),
    /// its door result codes, centred on that turf's first door.
    pub fn sandbox_from_installed(
        &self,
        script_id: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<PacketBody, StoreError> {
        let campaign = self.campaign()?.ok_or_else(|| {
            StoreError::not_found(
                "campaign",
                "(none: join a campaign or use the training packet)",
            )
        })?;
        let turf = self
            .assignments()?
            .into_iter()
            .find(|a| {
                a.assignment.kind == AssignmentKind::Turf
                    && script_id.is_none_or(|s| s == a.assignment.script_id)
            })
            .ok_or_else(|| {
                StoreError::not_found(
                    "canvass script",
                    script_id.unwrap_or(
                        "(none: no turf assignment on this phone; use the training packet)",
                    ),
                )
            })?
            .assignment;
        let script = self.script(&turf.script_id, None)?;
        let result_codes = self.result_codes(&turf.id)?;
        let center = self
            .walk_list(&turf.unit_id)?
            .iter()
            .find_map(|d| d.household.lat.zip(d.household.lon));
        let other_language = script.translations.keys().next().cloned();
        Ok(sandbox_packet(Sandbox {
            campaign,
            script,
            result_codes,
            center,
            now,
            other_language: other_language.as_deref(),
        })?)
    }
}
