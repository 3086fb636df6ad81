//! Results back to the voter file: a CSV in the usual bulk-upload shape —
//! one row per person per result or per survey answer, with contact type,
//! date (in the campaign's zone) and canvasser. Superseded attempts are left
//! out; a household-level result ("nobody home") is written for everyone
//! living there.

use std::collections::BTreeSet;
use std::io::Write;

use chrono::{DateTime, Utc};

use crate::model::Channel;
use crate::store::{DeviceStore, StoreError};

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

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot write the export: {0}")]
    Write(#[from] csv::Error),
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

pub fn export_results<W: Write>(store: &mut DeviceStore, out: W) -> Result<usize, ExportError> {
    let tz: chrono_tz::Tz = store
        .campaign()?
        .and_then(|c| c.time_zone.parse().ok())
        .unwrap_or(chrono_tz::UTC);
    let mut w = csv::Writer::from_writer(out);
    w.write_record(EXPORT_HEADER)?;
    let mut rows = 0;
    for doc in store.result_doc_ids()? {
        let attempts = store.attempts(&doc)?;
        let superseded: BTreeSet<&str> = attempts
            .iter()
            .flat_map(|a| a.supersedes.iter().map(String::as_str))
            .collect();
        for a in attempts
            .iter()
            .filter(|a| !superseded.contains(a.id.as_str()))
        {
            let people = match &a.person_id {
                Some(p) => vec![p.clone()],
                None => store
                    .people_at(&a.household_id)?
                    .into_iter()
                    .map(|p| p.id)
                    .collect(),
            };
            let contact = match a.channel {
                Channel::Door => "walk",
                Channel::Phone => "phone",
            };
            let date = DateTime::<Utc>::from_timestamp_millis(a.at_ms)
                .map(|t| t.with_timezone(&tz).format("%Y-%m-%d").to_string())
                .unwrap_or_default();
            for person in &people {
                if let Some(code) = &a.result {
                    safe_row(
                        &mut w,
                        &[person, contact, code, "", "", &date, &a.volunteer_id, &a.id],
                    )?;
                    rows += 1;
                }
                for (q, answer) in &a.responses {
                    safe_row(
                        &mut w,
                        &[
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
