//! Voter-file import: CSV or tab-separated files with the usual column names
//! (VanID/FirstName/LastName/Address/City/Zip/Phone/Lat/Lon, or the
//! generator's own header), streamed a batch of rows at a time into a
//! [`VoterSink`]: a server store's tables, or a campaign in memory. Bad rows
//! are reported with their line number and reason, never imported half-way;
//! people sharing a normalised address share a household; re-importing
//! updates people by id instead of duplicating them.

mod address;
mod columns;
mod sink;

pub use address::{
    household_key, is_po_box, normalize_unit, parse_address_line, split_house_number,
};

use std::collections::HashMap;
use std::io::Read;

use sha2::{Digest, Sha256};

use crate::model::{Person, Phone, ReferenceData, check_household, check_person, normalize_phone};
pub use columns::ColumnMapping;
use columns::{ColumnMap, Row};
pub use sink::{ImportBatch, MemorySink, SinkError, VoterSink};

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
    /// The first [`LISTED`] rejected rows, in file order.
    pub rejected: Vec<RejectedRow>,
    /// Every rejected row.
    pub rejected_count: u64,
    /// The first [`LISTED`] warnings: rows imported with something missing
    /// (placeholders such as `N/A`, `NONE`, `0000000000`; phones that are
    /// not numbers; unreadable coordinates).
    pub warnings: Vec<RejectedRow>,
    /// Every warning.
    pub warning_count: u64,
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
    #[error("the import could not be stored: {0}")]
    Store(SinkError),
}

fn sniff(first: &[u8]) -> u8 {
    let line = first.split(|b| *b == b'\n').next().unwrap_or(first);
    let tabs = line.iter().filter(|b| **b == b'\t').count();
    let commas = line.iter().filter(|b| **b == b',').count();
    if tabs > commas { b'\t' } else { b',' }
}

/// A new household's id, from its normalised address: 64 bits of its
/// hash, so a statewide file's millions of doors do not collide (a store
/// refuses an id that another address already holds).
fn household_id(key: &str) -> String {
    let digest = Sha256::digest(key.as_bytes());
    format!("H-{}", &hex::encode(digest)[..16])
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
    import_into(
        &mut MemorySink::new(data),
        input,
        &ImportOptions { delimiter, mapping },
        &mut |_, _| {},
        &mut progress,
    )
}

/// How to read a voter file.
#[derive(Debug, Clone, Copy)]
pub struct ImportOptions<'a> {
    pub delimiter: Delimiter,
    /// The organizer's mapping file; without it a built-in layout is
    /// recognised from the header, or the usual column names are used.
    pub mapping: Option<&'a ColumnMapping>,
}

/// Whether a finding dropped the row or only something in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FindingKind {
    Rejected,
    Warning,
}

/// How many rejections and how many warnings an [`ImportReport`] lists; its
/// counts are always whole, and `findings` sees every one.
pub const LISTED: usize = 1_000;

/// Rows resolved against the sink together: big enough that a store
/// answers a batch in a few statements, small enough to hold in memory.
const BATCH_ROWS: usize = 2_048;

/// Streams a voter file into `sink`, a batch of rows at a time: memory is
/// bounded by the batch, whatever the size of the file or the campaign.
/// Every rejection and warning goes to `findings` as it is found (the
/// report keeps the first [`LISTED`] of each and whole counts); `progress`
/// gets the number of rows read every 10,000 rows. People sharing a
/// normalised address share a household; a voter id already stored is
/// updated; a voter id twice in the file keeps its first row. Each person
/// and household passes the same checks as a whole campaign
/// (`check_person`, `check_household`) before it reaches the sink.
pub fn import_into<R: Read>(
    sink: &mut dyn VoterSink,
    input: R,
    options: &ImportOptions<'_>,
    findings: &mut dyn FnMut(FindingKind, &RejectedRow),
    progress: &mut dyn FnMut(u64),
) -> Result<ImportReport, ImportError> {
    let mut input = std::io::BufReader::with_capacity(1 << 16, input);
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
    let sep = match options.delimiter {
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
    let columns = ColumnMap::new(&header, options.mapping)?;

    let mut out = Findings {
        report: ImportReport {
            columns: columns.describe(&header),
            profile: columns.profile.map(str::to_string),
            ..ImportReport::default()
        },
        sink: findings,
    };
    let mut batch: Vec<(u64, Row)> = Vec::with_capacity(BATCH_ROWS);
    let mut record = csv::ByteRecord::new();
    loop {
        let more = match reader.read_byte_record(&mut record) {
            Ok(more) => more,
            Err(e) => {
                let line = line_of(e.position(), out.report.rows + 2);
                out.report.rows += 1;
                out.reject(line, format!("the row cannot be read: {e}"));
                continue;
            }
        };
        if more {
            out.report.rows += 1;
            if out.report.rows.is_multiple_of(10_000) {
                progress(out.report.rows);
            }
            let line = line_of(record.position(), out.report.rows + 1);
            match columns.row(&record) {
                Err(reason) => out.reject(line, reason),
                Ok(row) => batch.push((line, row)),
            }
        }
        if batch.len() >= BATCH_ROWS || (!more && !batch.is_empty()) {
            write_batch(sink, std::mem::take(&mut batch), &mut out)?;
        }
        if !more {
            break;
        }
    }
    // Households emptied by re-imports (people who moved) stay: turfs may list them.
    Ok(out.report)
}

/// The report being built, and where every finding also goes.
struct Findings<'a> {
    report: ImportReport,
    sink: &'a mut dyn FnMut(FindingKind, &RejectedRow),
}

impl Findings<'_> {
    fn reject(&mut self, line: u64, reason: String) {
        let row = RejectedRow { line, reason };
        (self.sink)(FindingKind::Rejected, &row);
        self.report.rejected_count += 1;
        if self.report.rejected.len() < LISTED {
            self.report.rejected.push(row);
        }
    }

    fn warn(&mut self, line: u64, reason: String) {
        let row = RejectedRow { line, reason };
        (self.sink)(FindingKind::Warning, &row);
        self.report.warning_count += 1;
        if self.report.warnings.len() < LISTED {
            self.report.warnings.push(row);
        }
    }
}

/// Resolves one batch of parsed rows against the sink (households by
/// address, ids already in the file) and writes it.
fn write_batch(
    sink: &mut dyn VoterSink,
    rows: Vec<(u64, Row)>,
    out: &mut Findings<'_>,
) -> Result<(), ImportError> {
    let keys: Vec<String> = rows
        .iter()
        .map(|(_, r)| household_key(&r.household))
        .collect();
    let stored_homes = sink
        .households_at(&keys.iter().map(String::as_str).collect::<Vec<_>>())
        .map_err(ImportError::Store)?;
    let seen_before = sink
        .lines_seen(&rows.iter().map(|(_, r)| r.id.as_str()).collect::<Vec<_>>())
        .map_err(ImportError::Store)?;
    let mut new_homes: HashMap<&str, String> = HashMap::new();
    let mut seen_here: HashMap<String, u64> = HashMap::new();
    let mut batch = ImportBatch::default();
    for (((line, row), key), (stored_home, seen)) in rows
        .into_iter()
        .zip(&keys)
        .zip(stored_homes.into_iter().zip(seen_before))
    {
        if let Some(first) = seen.or_else(|| seen_here.get(&row.id).copied()) {
            out.reject(
                line,
                format!(
                    "voter {} appears again (first on line {first}); only the first row is kept",
                    row.id
                ),
            );
            continue;
        }
        // A phone that is not a number is dropped, the voter kept: they can
        // still be canvassed.
        let mut phones = Vec::new();
        let mut warnings = row.warnings;
        for (raw, kind) in &row.phones {
            match normalize_phone(raw) {
                Ok(n) if !phones.iter().any(|p: &Phone| p.number == n) => phones.push(Phone {
                    number: n,
                    kind: *kind,
                }),
                Ok(_) => {}
                Err(e) => warnings.push(format!("{e}; imported without this phone")),
            }
        }
        let mut household = row.household;
        let existing = stored_home.or_else(|| new_homes.get(key.as_str()).cloned());
        let is_new_home = existing.is_none();
        household.id = existing.unwrap_or_else(|| household_id(key));
        let person = Person {
            id: row.id,
            household_id: household.id.clone(),
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
        // The same checks a whole campaign gets, one record at a time.
        if let Err(e) = check_household(&household).and_then(|()| check_person(&person)) {
            out.reject(line, format!("{e}; the row is not imported"));
            continue;
        }
        for reason in warnings {
            out.warn(line, reason);
        }
        if out.report.first_rows.len() < 5 {
            out.report.first_rows.push(format!(
                "line {line}: {} {} {} at {}; phones: {}",
                person.id,
                person.first_name,
                person.last_name,
                household.address_line(),
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
        if is_new_home {
            out.report.households_created += 1;
            if household.lat.is_none() {
                out.report.without_coordinates += 1;
            }
            new_homes.insert(key, household.id.clone());
            batch.households.push((key.clone(), household));
        } else {
            out.report.merged_into_households += 1;
        }
        seen_here.insert(person.id.clone(), line);
        batch.people.push((line, person));
    }
    let people = batch.people.len() as u64;
    let replaced = sink.write(batch).map_err(ImportError::Store)?;
    out.report.updated += replaced;
    out.report.imported += people - replaced;
    Ok(())
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
