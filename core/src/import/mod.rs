//! Voter-file import: CSV or tab-separated files with the usual column names
//! (VanID/FirstName/LastName/Address/City/Zip/Phone/Lat/Lon, or the
//! generator's own header), streamed row by row into a campaign's reference
//! data. Bad rows are reported with their line number and reason, never
//! imported half-way; people sharing a normalised address share a household;
//! re-importing updates people by id instead of duplicating them.

mod address;
mod columns;

pub use address::{
    household_key, is_po_box, normalize_unit, parse_address_line, split_house_number,
};

use std::collections::HashMap;
use std::io::Read;

use sha2::{Digest, Sha256};

use crate::model::{Person, Phone, ReferenceData, normalize_phone};
use columns::ColumnMap;
pub use columns::ColumnMapping;

/// Which separator the file uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delimiter {
    Auto,
    Comma,
    Tab,
}

/// A row that was not imported, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedRow {
    /// 1-based line number in the file (the header is line 1).
    pub line: u64,
    pub reason: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub rows: u64,
    pub imported: u64,
    /// People already in the campaign (same id) whose record was updated.
    pub updated: u64,
    pub rejected: Vec<RejectedRow>,
    /// Rows imported with something missing: placeholders (`N/A`, `NONE`,
    /// `0000000000`), phones that are not numbers, unreadable coordinates.
    pub warnings: Vec<RejectedRow>,
    /// Which column of the file fed which field: (field, header in the
    /// file; `A + B` for a composed field).
    pub columns: Vec<(String, String)>,
    /// The built-in layout recognised from the header, if one was.
    pub profile: Option<String>,
    /// The first rows as they were imported, one line each (for a dry run).
    pub first_rows: Vec<String>,
    pub households_created: u64,
    /// Rows placed in a household that already existed (same normalised address).
    pub merged_into_households: u64,
    pub without_coordinates: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("the file has no header row; the first line must name the columns")]
    NoHeader,
    #[error("the header has no {0} column; add one (accepted names: {1})")]
    MissingColumn(&'static str, String),
    #[error(
        "the mapping names column {column:?} for {field}, but the file has no such column; its columns are: {header}"
    )]
    MappedColumnMissing {
        field: &'static str,
        column: String,
        header: String,
    },
    #[error("the file cannot be read: {0}")]
    Read(String),
}

fn sniff(first: &[u8]) -> u8 {
    let line = first.split(|b| *b == b'\n').next().unwrap_or(first);
    let tabs = line.iter().filter(|b| **b == b'\t').count();
    let commas = line.iter().filter(|b| **b == b',').count();
    if tabs > commas { b'\t' } else { b',' }
}

fn household_id(key: &str) -> String {
    let digest = Sha256::digest(key.as_bytes());
    format!("H-{}", &hex::encode(digest)[..12])
}

/// Imports voters from `input` into `data`, calling `progress(rows)` every
/// 10,000 rows. Rows are read one at a time; a bad row is reported and skipped.
pub fn import_voters<R: Read>(
    data: &mut ReferenceData,
    input: R,
    delimiter: Delimiter,
    progress: impl FnMut(u64),
) -> Result<ImportReport, ImportError> {
    import_voters_mapped(data, input, delimiter, None, progress)
}

/// [`import_voters`] with the organizer's mapping file, when given, instead
/// of built-in layouts and the usual column names.
pub fn import_voters_mapped<R: Read>(
    data: &mut ReferenceData,
    input: R,
    delimiter: Delimiter,
    mapping: Option<&ColumnMapping>,
    mut progress: impl FnMut(u64),
) -> Result<ImportReport, ImportError> {
    let mut input = std::io::BufReader::new(input);
    let peek = {
        use std::io::BufRead;
        input
            .fill_buf()
            .map_err(|e| ImportError::Read(e.to_string()))?
            .to_vec()
    };
    // With Windows line endings the csv reader places each record one line
    // early (the `\n` of the previous `\r\n` is read as the record's
    // start), so line numbers in the report need one more.
    let crlf = peek
        .iter()
        .position(|b| *b == b'\n')
        .is_some_and(|i| i > 0 && peek[i - 1] == b'\r');
    let line_of = |p: Option<&csv::Position>, fallback: u64| {
        p.map(|p| p.line() + u64::from(crlf)).unwrap_or(fallback)
    };
    let sep = match delimiter {
        Delimiter::Comma => b',',
        Delimiter::Tab => b'\t',
        Delimiter::Auto => sniff(&peek),
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(sep)
        .flexible(true)
        .from_reader(input);
    let header = reader
        .byte_headers()
        .map_err(|e| ImportError::Read(e.to_string()))?
        .clone();
    if header.is_empty() {
        return Err(ImportError::NoHeader);
    }
    let columns = ColumnMap::new(&header, mapping)?;

    let mut by_key: HashMap<String, String> = data
        .households
        .iter()
        .map(|h| (household_key(h), h.id.clone()))
        .collect();
    let mut person_index: HashMap<String, usize> = data
        .people
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id.clone(), i))
        .collect();
    let mut seen_in_file: HashMap<String, u64> = HashMap::new();
    let mut report = ImportReport {
        columns: columns.describe(&header),
        profile: columns.profile.map(str::to_string),
        ..ImportReport::default()
    };
    let mut record = csv::ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = line_of(e.position(), report.rows + 2);
                report.rows += 1;
                report.rejected.push(RejectedRow {
                    line,
                    reason: format!("the row cannot be read: {e}"),
                });
                continue;
            }
        }
        report.rows += 1;
        if report.rows.is_multiple_of(10_000) {
            progress(report.rows);
        }
        let line = line_of(record.position(), report.rows + 1);
        match columns.row(&record) {
            Err(reason) => report.rejected.push(RejectedRow { line, reason }),
            Ok(row) => {
                if let Some(first) = seen_in_file.insert(row.id.clone(), line) {
                    report.rejected.push(RejectedRow {
                        line,
                        reason: format!("voter {} appears again (first on line {first}); only the first row is kept", row.id),
                    });
                    continue;
                }
                for reason in &row.warnings {
                    report.warnings.push(RejectedRow {
                        line,
                        reason: reason.clone(),
                    });
                }
                // A phone that is not a number is dropped, the voter kept:
                // they can still be canvassed.
                let mut phones = Vec::new();
                for (raw, kind) in &row.phones {
                    match normalize_phone(raw) {
                        Ok(n) if !phones.iter().any(|p: &Phone| p.number == n) => {
                            phones.push(Phone {
                                number: n,
                                kind: *kind,
                            })
                        }
                        Ok(_) => {}
                        Err(e) => report.warnings.push(RejectedRow {
                            line,
                            reason: format!("{e}; imported without this phone"),
                        }),
                    }
                }
                let mut household = row.household;
                let key = household_key(&household);
                let hid = match by_key.get(&key) {
                    Some(id) => {
                        report.merged_into_households += 1;
                        id.clone()
                    }
                    None => {
                        household.id = household_id(&key);
                        by_key.insert(key, household.id.clone());
                        report.households_created += 1;
                        if household.lat.is_none() {
                            report.without_coordinates += 1;
                        }
                        let id = household.id.clone();
                        data.households.push(household);
                        id
                    }
                };
                let person = Person {
                    id: row.id.clone(),
                    household_id: hid,
                    first_name: row.first_name,
                    last_name: row.last_name,
                    birth_year: row.birth_year,
                    language: row.language,
                    phones,
                    party: row.party,
                    support_score: row.support_score,
                    attributes: Default::default(),
                    do_not_contact: row.do_not_contact,
                };
                if report.first_rows.len() < 5 {
                    let home = data
                        .households
                        .iter()
                        .rev()
                        .find(|h| h.id == person.household_id);
                    report.first_rows.push(format!(
                        "line {line}: {} {} {} at {}; phones: {}",
                        person.id,
                        person.first_name,
                        person.last_name,
                        home.map(|h| h.address_line()).unwrap_or_default(),
                        if person.phones.is_empty() {
                            "none".to_string()
                        } else {
                            person
                                .phones
                                .iter()
                                .map(|p| p.number.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        }
                    ));
                }
                match person_index.get(&row.id) {
                    Some(i) => {
                        data.people[*i] = person;
                        report.updated += 1;
                    }
                    None => {
                        person_index.insert(row.id, data.people.len());
                        data.people.push(person);
                        report.imported += 1;
                    }
                }
            }
        }
    }
    // Households emptied by re-imports (people who moved) stay: turfs may list them.
    Ok(report)
}

#[cfg(test)]
mod tests;

/// What a coordinate join did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CoordinateReport {
    pub rows: u64,
    /// Households that got (or changed) coordinates.
    pub located: u64,
    /// Rows matching no household (by voter id or address).
    pub unmatched: Vec<RejectedRow>,
}

/// Joins coordinates from a second file: each row names a voter id (the
/// household of that voter gets the point) or an address, plus Lat/Lon.
pub fn join_coordinates<R: Read>(
    data: &mut ReferenceData,
    input: R,
    delimiter: Delimiter,
) -> Result<CoordinateReport, ImportError> {
    let mut input = std::io::BufReader::new(input);
    let peek = {
        use std::io::BufRead;
        input
            .fill_buf()
            .map_err(|e| ImportError::Read(e.to_string()))?
            .to_vec()
    };
    let sep = match delimiter {
        Delimiter::Comma => b',',
        Delimiter::Tab => b'\t',
        Delimiter::Auto => sniff(&peek),
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(sep)
        .flexible(true)
        .from_reader(input);
    let header = reader
        .byte_headers()
        .map_err(|e| ImportError::Read(e.to_string()))?
        .clone();
    let columns = columns::CoordinateColumns::new(&header)?;
    let by_key: HashMap<String, usize> = data
        .households
        .iter()
        .enumerate()
        .map(|(i, h)| (household_key(h), i))
        .collect();
    let by_id: HashMap<&str, usize> = data
        .households
        .iter()
        .enumerate()
        .map(|(i, h)| (h.id.as_str(), i))
        .collect();
    let household_of: HashMap<String, usize> = data
        .people
        .iter()
        .filter_map(|p| {
            by_id
                .get(p.household_id.as_str())
                .map(|i| (p.id.clone(), *i))
        })
        .collect();
    let mut report = CoordinateReport::default();
    let mut record = csv::ByteRecord::new();
    let mut updates = Vec::new();
    while reader
        .read_byte_record(&mut record)
        .map_err(|e| ImportError::Read(e.to_string()))?
    {
        report.rows += 1;
        let line = record
            .position()
            .map(|p| p.line())
            .unwrap_or(report.rows + 1);
        match columns.row(&record) {
            Err(reason) => report.unmatched.push(RejectedRow { line, reason }),
            Ok((id, address, lat, lon)) => {
                let target = id
                    .and_then(|v| household_of.get(&v).copied())
                    .or_else(|| address.and_then(|k| by_key.get(&k).copied()));
                match target {
                    Some(i) => updates.push((i, lat, lon)),
                    None => report.unmatched.push(RejectedRow {
                        line,
                        reason: "no voter or household matches this row".into(),
                    }),
                }
            }
        }
    }
    for (i, lat, lon) in updates {
        let h = &mut data.households[i];
        if h.lat != Some(lat) || h.lon != Some(lon) {
            h.lat = Some(lat);
            h.lon = Some(lon);
            report.located += 1;
        }
    }
    Ok(report)
}
