//! Results back to the voter file: a CSV in the usual bulk-upload shape —
//! one row per person per result or per survey answer, with contact type,
//! date (in the campaign's zone) and canvasser. Superseded attempts are left
//! out; a household-level result ("nobody home") is written for everyone
//! living there.

mod osdi;

pub use osdi::{OsdiCounts, export_osdi};

use std::collections::{BTreeSet, HashMap};
use std::io::Write;

use chrono::{DateTime, Utc};

use crate::model::{Channel, Household, Person, ReferenceData};
use crate::results::Attempt;
use crate::store::{DeviceStore, StoreError};

/// What an export reads: the campaign's time zone, every unit's attempts,
/// and the people and households they name. A device store is one source
/// (everything synced to it); the server's campaign (reference data from
/// its own store, results from wherever it keeps them) is another.
pub trait ExportSource {
    fn time_zone(&self) -> Result<chrono_tz::Tz, StoreError>;
    /// Every results document's id with all its attempts, by document id.
    fn units(&mut self) -> Result<Vec<(String, Vec<Attempt>)>, StoreError>;
    fn person(&self, id: &str) -> Option<Person>;
    fn household(&self, id: &str) -> Option<Household>;
    fn people_at(&self, household_id: &str) -> Result<Vec<Person>, StoreError>;
    /// Whose record the answers of a person met at a door (an attempt with
    /// `new_person`) go to: the accepted new person or the listed person it
    /// was merged into; `None` while undecided or rejected (left out).
    fn new_person_record(&self, _attempt_id: &str) -> Option<String> {
        None
    }
}

impl ExportSource for DeviceStore {
    fn time_zone(&self) -> Result<chrono_tz::Tz, StoreError> {
        Ok(self
            .campaign()?
            .and_then(|c| c.time_zone.parse().ok())
            .unwrap_or(chrono_tz::UTC))
    }

    fn units(&mut self) -> Result<Vec<(String, Vec<Attempt>)>, StoreError> {
        let mut out = Vec::new();
        for doc in self.result_doc_ids()? {
            let attempts = self.attempts(&doc)?;
            out.push((doc, attempts));
        }
        Ok(out)
    }

    fn person(&self, id: &str) -> Option<Person> {
        DeviceStore::person(self, id).ok()
    }

    fn household(&self, id: &str) -> Option<Household> {
        DeviceStore::household(self, id).ok()
    }

    fn people_at(&self, household_id: &str) -> Result<Vec<Person>, StoreError> {
        DeviceStore::people_at(self, household_id)
    }
}

/// A campaign's reference data with its results, as the server holds them.
pub struct CampaignResults<'a> {
    data: &'a ReferenceData,
    units: Option<Vec<(String, Vec<Attempt>)>>,
    people: HashMap<&'a str, &'a Person>,
    households: HashMap<&'a str, &'a Household>,
    residents: HashMap<&'a str, Vec<&'a Person>>,
    decided: HashMap<&'a str, &'a str>,
}

impl<'a> CampaignResults<'a> {
    /// `units`: every results document's attempts, sorted by document id.
    pub fn new(data: &'a ReferenceData, units: Vec<(String, Vec<Attempt>)>) -> Self {
        let mut residents: HashMap<&str, Vec<&Person>> = HashMap::new();
        for p in &data.people {
            residents
                .entry(p.household_id.as_str())
                .or_default()
                .push(p);
        }
        CampaignResults {
            data,
            units: Some(units),
            people: data.people.iter().map(|p| (p.id.as_str(), p)).collect(),
            households: data.households.iter().map(|h| (h.id.as_str(), h)).collect(),
            residents,
            decided: data
                .new_people
                .iter()
                .filter_map(|d| Some((d.attempt_id.as_str(), d.person_id.as_deref()?)))
                .collect(),
        }
    }
}

impl ExportSource for CampaignResults<'_> {
    fn time_zone(&self) -> Result<chrono_tz::Tz, StoreError> {
        Ok(self
            .data
            .campaign
            .as_ref()
            .and_then(|c| c.time_zone.parse().ok())
            .unwrap_or(chrono_tz::UTC))
    }

    fn units(&mut self) -> Result<Vec<(String, Vec<Attempt>)>, StoreError> {
        Ok(self.units.take().unwrap_or_default())
    }

    fn person(&self, id: &str) -> Option<Person> {
        self.people.get(id).map(|p| (*p).clone())
    }

    fn household(&self, id: &str) -> Option<Household> {
        self.households.get(id).map(|h| (*h).clone())
    }

    fn people_at(&self, household_id: &str) -> Result<Vec<Person>, StoreError> {
        let mut people: Vec<Person> = self
            .residents
            .get(household_id)
            .into_iter()
            .flatten()
            .map(|p| (*p).clone())
            .collect();
        people.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(people)
    }

    fn new_person_record(&self, attempt_id: &str) -> Option<String> {
        self.decided.get(attempt_id).map(|p| p.to_string())
    }
}

pub const EXPORT_HEADER: [&str; 8] = [
    "person_id",
    "contact_type",
    "result_code",
    "question",
    "answer",
    "date",
    "canvasser",
    "attempt_id",
];

/// The full export: the bulk-upload columns, then the attempt's notes and
/// free-text answers (`question: text`, separated by ` | `).
pub const FULL_EXPORT_EXTRA: [&str; 2] = ["notes", "text_answers"];

/// Which columns an export carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportShape {
    /// The voter-file bulk-upload shape.
    BulkUpload,
    /// Bulk upload plus notes and free-text answers, for people and tools
    /// that read everything a canvasser wrote.
    Full,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot write the export: {0}")]
    Write(#[from] csv::Error),
    #[error("cannot write the export: {0}")]
    WriteJson(#[from] serde_json::Error),
}

/// Writes every live attempt of every results document in `store`.
/// Returns the number of rows written.
/// A CSV cell that a spreadsheet will not run: a cell starting with `=`,
/// `+`, `-`, `@`, a tab or a carriage return is a formula to Excel, Calc and
/// Sheets, so it gets a leading `'` (as OWASP recommends). Every cell of
/// every CSV the server writes goes through this.
pub fn csv_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

/// Writes one CSV row with every cell neutralised by [`csv_safe`].
fn safe_row<W: Write>(w: &mut csv::Writer<W>, cells: &[&str]) -> Result<(), csv::Error> {
    w.write_record(cells.iter().map(|c| csv_safe(c).into_owned()))
}

/// A document's attempts that count (`results::review::live`), in order.
pub(crate) fn live_attempts(attempts: Vec<Attempt>) -> Vec<Attempt> {
    let keep: BTreeSet<&str> = crate::results::review::live(&attempts)
        .into_iter()
        .map(|a| a.id.as_str())
        .collect();
    let keep: BTreeSet<String> = keep.into_iter().map(String::from).collect();
    attempts
        .into_iter()
        .filter(|a| keep.contains(&a.id))
        .collect()
}

pub fn export_results<W: Write>(
    store: &mut impl ExportSource,
    out: W,
) -> Result<usize, ExportError> {
    export_results_as(store, out, ExportShape::BulkUpload)
}

/// Writes every live attempt in the given shape. Every cell is
/// formula-safe ([`csv_safe`]). Returns the number of rows written.
pub fn export_results_as<W: Write>(
    store: &mut impl ExportSource,
    out: W,
    shape: ExportShape,
) -> Result<usize, ExportError> {
    let tz = store.time_zone()?;
    let full = shape == ExportShape::Full;
    let mut w = csv::Writer::from_writer(out);
    let mut header: Vec<&str> = EXPORT_HEADER.to_vec();
    if full {
        header.extend(FULL_EXPORT_EXTRA);
    }
    w.write_record(&header)?;
    let mut rows = 0;
    for (_, attempts) in store.units()? {
        for a in live_attempts(attempts) {
            let people: Vec<String> = if let Some(p) = &a.person_id {
                vec![p.clone()]
            } else if a.new_person.is_some() {
                // Someone met at the door: their record once an organizer
                // decided, never the listed residents.
                store.new_person_record(&a.id).into_iter().collect()
            } else {
                store
                    .people_at(&a.household_id)?
                    .into_iter()
                    .map(|p| p.id)
                    .collect()
            };
            let contact = match a.channel {
                Channel::Door => "walk",
                Channel::Phone => "phone",
            };
            let date = DateTime::<Utc>::from_timestamp_millis(a.at_ms)
                .map(|t| t.with_timezone(&tz).format("%Y-%m-%d").to_string())
                .unwrap_or_default();
            let texts = a
                .text_answers
                .iter()
                .map(|(q, t)| format!("{q}: {t}"))
                .collect::<Vec<_>>()
                .join(" | ");
            let extra: Vec<&str> = if full {
                vec![a.notes.as_str(), texts.as_str()]
            } else {
                Vec::new()
            };
            let row = |w: &mut csv::Writer<W>, cells: [&str; 8]| {
                let mut all: Vec<&str> = cells.to_vec();
                all.extend(&extra);
                safe_row(w, &all)
            };
            for person in &people {
                if let Some(code) = &a.result {
                    row(
                        &mut w,
                        [person, contact, code, "", "", &date, &a.volunteer_id, &a.id],
                    )?;
                    rows += 1;
                }
                // Only free text (no code, no choice): the full export still
                // carries it; the bulk upload has nothing to say.
                if full && a.result.is_none() && a.responses.is_empty() {
                    row(
                        &mut w,
                        [person, contact, "", "", "", &date, &a.volunteer_id, &a.id],
                    )?;
                    rows += 1;
                }
                for (q, answer) in &a.responses {
                    row(
                        &mut w,
                        [
                            person,
                            contact,
                            "",
                            q,
                            answer,
                            &date,
                            &a.volunteer_id,
                            &a.id,
                        ],
                    )?;
                    rows += 1;
                }
            }
        }
    }
    w.flush().map_err(csv::Error::from)?;
    Ok(rows)
}

/// Columns of the new-records file (`export_new_records`).
pub const NEW_RECORDS_HEADER: [&str; 14] = [
    "person_id",
    "first_name",
    "last_name",
    "birth_year",
    "language",
    "address",
    "city",
    "postal_code",
    "household_id",
    "reason",
    "date",
    "canvasser",
    "attempt_id",
    "accepted_by",
];

/// The people organizers accepted from doors, as new records for the voter
/// file (their answers are in the results export under the same id): one
/// row per accepted person, formula-safe. Returns the rows written.
pub fn export_new_records<W: Write>(
    data: &ReferenceData,
    units: &[(String, Vec<Attempt>)],
    out: W,
) -> Result<usize, ExportError> {
    let tz: chrono_tz::Tz = data
        .campaign
        .as_ref()
        .and_then(|c| c.time_zone.parse().ok())
        .unwrap_or(chrono_tz::UTC);
    let attempts: HashMap<&str, &Attempt> = units
        .iter()
        .flat_map(|(_, v)| v.iter())
        .map(|a| (a.id.as_str(), a))
        .collect();
    let people: HashMap<&str, &Person> = data.people.iter().map(|p| (p.id.as_str(), p)).collect();
    let households: HashMap<&str, &Household> =
        data.households.iter().map(|h| (h.id.as_str(), h)).collect();
    let mut w = csv::Writer::from_writer(out);
    w.write_record(NEW_RECORDS_HEADER)?;
    let mut rows = 0;
    for d in &data.new_people {
        if d.outcome != crate::model::NewPersonOutcome::Accepted {
            continue;
        }
        let (Some(person), Some(a)) = (
            d.person_id.as_deref().and_then(|p| people.get(p)),
            attempts.get(d.attempt_id.as_str()),
        ) else {
            continue;
        };
        let home = households.get(person.household_id.as_str());
        let date = DateTime::<Utc>::from_timestamp_millis(a.at_ms)
            .map(|t| t.with_timezone(&tz).format("%Y-%m-%d").to_string())
            .unwrap_or_default();
        let born = person.birth_year.map(|y| y.to_string()).unwrap_or_default();
        let reason = a
            .new_person
            .as_ref()
            .map(|n| n.reason.as_str())
            .unwrap_or("");
        safe_row(
            &mut w,
            &[
                &person.id,
                &person.first_name,
                &person.last_name,
                &born,
                &person.language,
                &home.map(|h| h.address_line()).unwrap_or_default(),
                home.map(|h| h.city.as_str()).unwrap_or(""),
                home.map(|h| h.postal_code.as_str()).unwrap_or(""),
                &person.household_id,
                reason,
                &date,
                &a.volunteer_id,
                &a.id,
                &d.by,
            ],
        )?;
        rows += 1;
    }
    w.flush().map_err(csv::Error::from)?;
    Ok(rows)
}
