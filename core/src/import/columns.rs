//! Which column is which: common voter-file names mapped to our fields.

use csv::ByteRecord;

use super::ImportError;
use super::address::{is_po_box, normalize_unit, parse_address_line, split_house_number};
use crate::model::{Household, PhoneKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Column {
    Id,
    First,
    Middle,
    Last,
    BirthYear,
    Age,
    Language,
    Party,
    Support,
    Phone,
    PhoneType,
    Phone2,
    Phone2Type,
    Cell,
    HouseNumber,
    Street,
    Address,
    Unit,
    City,
    Zip,
    Precinct,
    Lat,
    Lon,
    DoNotContact,
}

impl Column {
    /// The field's name in a mapping file (`--columns map.toml`).
    fn field(self) -> &'static str {
        match self {
            Column::Id => "voter_id",
            Column::First => "first_name",
            Column::Middle => "middle_name",
            Column::Last => "last_name",
            Column::BirthYear => "birth_year",
            Column::Age => "age",
            Column::Language => "language",
            Column::Party => "party",
            Column::Support => "support_score",
            Column::Phone => "phones",
            Column::PhoneType => "phone_type",
            Column::Phone2 => "phone2",
            Column::Phone2Type => "phone2_type",
            Column::Cell => "cell",
            Column::HouseNumber => "house_number",
            Column::Street => "street",
            Column::Address => "address",
            Column::Unit => "unit",
            Column::City => "city",
            Column::Zip => "zip",
            Column::Precinct => "precinct",
            Column::Lat => "lat",
            Column::Lon => "lon",
            Column::DoNotContact => "do_not_contact",
        }
    }

    const ALL: [Column; 24] = [
        Column::Id,
        Column::First,
        Column::Middle,
        Column::Last,
        Column::BirthYear,
        Column::Age,
        Column::Language,
        Column::Party,
        Column::Support,
        Column::Phone,
        Column::PhoneType,
        Column::Phone2,
        Column::Phone2Type,
        Column::Cell,
        Column::HouseNumber,
        Column::Street,
        Column::Address,
        Column::Unit,
        Column::City,
        Column::Zip,
        Column::Precinct,
        Column::Lat,
        Column::Lon,
        Column::DoNotContact,
    ];

    /// How a person names the column in a message.
    fn name(self) -> &'static str {
        match self {
            Column::Id => "voter id",
            Column::First => "first name",
            Column::Middle => "middle name",
            Column::Last => "last name",
            Column::BirthYear => "birth year",
            Column::Age => "age",
            Column::Language => "language",
            Column::Party => "party",
            Column::Support => "support score",
            Column::Phone => "phone",
            Column::PhoneType => "phone type",
            Column::Phone2 => "second phone",
            Column::Phone2Type => "second phone type",
            Column::Cell => "cell phone",
            Column::HouseNumber => "house number",
            Column::Street => "street",
            Column::Address => "address",
            Column::Unit => "unit",
            Column::City => "city",
            Column::Zip => "ZIP",
            Column::Precinct => "precinct",
            Column::Lat => "latitude",
            Column::Lon => "longitude",
            Column::DoNotContact => "do not contact",
        }
    }
}

const NAMES: &[(Column, &[&str])] = &[
    (
        Column::Id,
        &[
            "voterid",
            "vanid",
            "stateid",
            "stateVoterId",
            "id",
            "personid",
            "sosid",
        ],
    ),
    (Column::First, &["firstname", "first", "fname"]),
    (Column::Middle, &["middlename", "middle", "mname"]),
    (Column::Last, &["lastname", "last", "lname", "surname"]),
    (Column::BirthYear, &["birthyear", "yob", "yearofbirth"]),
    (Column::Age, &["age"]),
    (Column::Language, &["language", "lang", "preferredlanguage"]),
    (Column::Party, &["party"]),
    (Column::Support, &["supportscore", "support"]),
    (
        Column::Phone,
        &["phone", "phone1", "homephone", "phonenumber", "landline"],
    ),
    (Column::PhoneType, &["phonetype", "phone1type"]),
    (Column::Phone2, &["phone2"]),
    (Column::Phone2Type, &["phone2type"]),
    (
        Column::Cell,
        &["cell", "cellphone", "mobile", "mobilephone"],
    ),
    (
        Column::HouseNumber,
        &["housenumber", "streetnumber", "streetno", "houseno"],
    ),
    (Column::Street, &["streetname", "street"]),
    (
        Column::Address,
        &["address", "address1", "streetaddress", "addressline1"],
    ),
    (
        Column::Unit,
        &["unit", "apt", "apartment", "address2", "unitnumber"],
    ),
    (Column::City, &["city"]),
    (
        Column::Zip,
        &["zip", "zipcode", "zip5", "postalcode", "postcode"],
    ),
    (Column::Precinct, &["precinct", "precinctname"]),
    (Column::Lat, &["lat", "latitude"]),
    (Column::Lon, &["lon", "lng", "long", "longitude"]),
    (Column::DoNotContact, &["donotcontact", "dnc"]),
];

fn key(name: &[u8]) -> String {
    String::from_utf8_lossy(name)
        .trim_start_matches('\u{feff}')
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_lowercase()
}

/// Which columns of the file feed which field. A field fed by several
/// columns is composed: text parts joined by a space (house number and its
/// suffix, street direction, name and type, unit type and number, first
/// and middle name), or, for `phones`, one phone per column in order.
pub(crate) struct ColumnMap {
    index: Vec<(Column, Vec<usize>)>,
    /// The built-in layout recognised from the header, if one was.
    pub(crate) profile: Option<&'static str>,
}

impl ColumnMap {
    /// Which column of the file feeds which field: (field, the file's header).
    pub(crate) fn describe(&self, header: &ByteRecord) -> Vec<(String, String)> {
        self.index
            .iter()
            .map(|(c, cols)| {
                let names: Vec<String> = cols
                    .iter()
                    .map(|i| {
                        header
                            .get(*i)
                            .map(|h| String::from_utf8_lossy(h).into_owned())
                            .unwrap_or_default()
                    })
                    .collect();
                (c.name().to_string(), names.join(" + "))
            })
            .collect()
    }
}

/// One row, checked and typed.
pub(crate) struct Row {
    pub id: String,
    pub first_name: String,
    pub last_name: String,
    pub birth_year: Option<u16>,
    pub language: String,
    pub party: Option<String>,
    pub support_score: Option<u8>,
    pub phones: Vec<(String, PhoneKind)>,
    /// Placeholder or unreadable optional values, imported as missing.
    pub warnings: Vec<String>,
    pub household: Household,
    pub do_not_contact: bool,
}

impl ColumnMap {
    /// The map for a file: from `mapping` when given, else from a built-in
    /// layout recognised by its header, else from the usual column names.
    pub(crate) fn new(
        header: &ByteRecord,
        mapping: Option<&ColumnMapping>,
    ) -> Result<Self, ImportError> {
        let map = match mapping {
            Some(m) => m.resolve(header, None)?,
            None => match PROFILES.iter().find(|p| p.matches(header)) {
                // A layout's columns where the file has them, the usual
                // names for the rest (exports differ in what they include).
                Some(p) => {
                    let mut map = p.mapping().resolve(header, Some(p.name))?;
                    for (col, cols) in Self::by_names(header).index {
                        if !map.has(col) {
                            map.index.push((col, cols));
                        }
                    }
                    map
                }
                None => Self::by_names(header),
            },
        };
        map.check()
    }

    fn by_names(header: &ByteRecord) -> Self {
        let mut index: Vec<(Column, Vec<usize>)> = Vec::new();
        for (i, name) in header.iter().enumerate() {
            let k = key(name);
            if let Some((col, _)) = NAMES
                .iter()
                .find(|(_, names)| names.iter().any(|n| n.to_lowercase() == k))
                && !index.iter().any(|(c, _)| c == col)
            {
                index.push((*col, vec![i]));
            }
        }
        ColumnMap {
            index,
            profile: None,
        }
    }

    fn check(self) -> Result<Self, ImportError> {
        let map = self;
        let names = |c: Column| {
            NAMES
                .iter()
                .find(|(x, _)| *x == c)
                .map(|(_, n)| n.join(", "))
                .unwrap_or_default()
        };
        if !map.has(Column::Id) {
            return Err(ImportError::MissingColumn("voter id", names(Column::Id)));
        }
        let split_address = map.has(Column::HouseNumber) && map.has(Column::Street);
        if !(map.has(Column::Address) || split_address) {
            return Err(ImportError::MissingColumn(
                "address",
                names(Column::Address),
            ));
        }
        Ok(map)
    }

    fn has(&self, c: Column) -> bool {
        self.index.iter().any(|(x, _)| *x == c)
    }

    fn columns(&self, c: Column) -> &[usize] {
        self.index
            .iter()
            .find(|(x, _)| *x == c)
            .map(|(_, cols)| cols.as_slice())
            .unwrap_or_default()
    }

    /// The text of a field in a row, its columns' text joined by a space
    /// (placeholder parts of a composed field are left out); non-UTF-8
    /// bytes are an error for the row.
    fn get(&self, r: &ByteRecord, c: Column) -> Result<Option<String>, String> {
        let cols = self.columns(c);
        let mut parts = Vec::with_capacity(cols.len());
        for i in cols {
            if let Some(text) = cell(r, *i)?
                && !(cols.len() > 1 && is_placeholder(&text))
            {
                parts.push(text);
            }
        }
        Ok((!parts.is_empty()).then(|| parts.join(" ")))
    }

    /// An optional column: a placeholder (`N/A`, `NONE`, `0000000000`, …)
    /// is missing data, noted as a warning, never a reason to drop the row.
    fn optional(
        &self,
        r: &ByteRecord,
        c: Column,
        warnings: &mut Vec<String>,
    ) -> Result<Option<String>, String> {
        let value = self.get(r, c)?;
        match value {
            Some(v) if is_placeholder(&v) => {
                warnings.push(format!(
                    "{} {v:?} is a placeholder; imported as missing",
                    c.name()
                ));
                Ok(None)
            }
            other => Ok(other),
        }
    }

    pub(crate) fn row(&self, r: &ByteRecord) -> Result<Row, String> {
        let mut warnings = Vec::new();
        // Files exported on Windows are often Windows-1252 (Latin-1 with
        // extras), not UTF-8: such a row is read as Windows-1252, noted.
        let decoded;
        let r = if r.iter().all(|f| std::str::from_utf8(f).is_ok()) {
            r
        } else {
            decoded = windows_1252(r);
            warnings.push(
                "the row is not UTF-8; read as Windows-1252 (Latin-1), check its accents".into(),
            );
            &decoded
        };
        let id = self
            .get(r, Column::Id)?
            .filter(|v| !is_placeholder(v))
            .ok_or("the voter id is empty")?;
        let (house_number, street_name, mut unit) = match (
            self.get(r, Column::HouseNumber)?,
            self.get(r, Column::Street)?,
        ) {
            (Some(n), Some(s)) => {
                // "12 1/2", "123 B", "123-B": the number, and the rest
                // kept as the unit so the doors stay apart.
                let (number, rest) = split_house_number(&n)
                    .ok_or_else(|| format!("house number {n:?} is not a number"))?;
                (number, s, rest)
            }
            _ => match self.get(r, Column::Address)? {
                Some(a) if is_po_box(&a) => {
                    return Err(format!(
                        "address {a:?} is a post office box, not a door; the voter is not put in a turf"
                    ));
                }
                Some(a) => parse_address_line(&a)
                    .ok_or_else(|| format!("address {a:?} has no house number and street"))?,
                None => return Err(
                    "no address (house number and street); the voter cannot be placed at a door"
                        .into(),
                ),
            },
        };
        if let Some(u) = self.optional(r, Column::Unit, &mut warnings)? {
            unit = match (unit, normalize_unit(&u)) {
                (Some(suffix), Some(u)) => Some(format!("{suffix} {u}")),
                (a, b) => b.or(a),
            };
        }
        // Coordinates that do not read are missing coordinates: the door is
        // still canvassable (it is placed by its address).
        let lat = self.optional(r, Column::Lat, &mut warnings)?;
        let lon = self.optional(r, Column::Lon, &mut warnings)?;
        let (lat, lon) = match (
            lat.as_deref().map(str::parse::<f64>),
            lon.as_deref().map(str::parse::<f64>),
        ) {
            (None, None) => (None, None),
            (Some(Ok(a)), Some(Ok(o)))
                if (-90.0..=90.0).contains(&a) && (-180.0..=180.0).contains(&o) =>
            {
                (Some(a), Some(o))
            }
            _ => {
                warnings.push(format!(
                    "coordinates {:?}, {:?} are incomplete or out of range; imported without coordinates",
                    lat.unwrap_or_default(),
                    lon.unwrap_or_default()
                ));
                (None, None)
            }
        };
        let kind = |t: Option<String>, default: PhoneKind| {
            t.and_then(|t| PhoneKind::parse(&t.to_lowercase()))
                .unwrap_or(default)
        };
        let mut phones = Vec::new();
        if let Some(p) = self.optional(r, Column::Cell, &mut warnings)? {
            phones.push((p, PhoneKind::Mobile));
        }
        let phone_type = kind(self.get(r, Column::PhoneType)?, PhoneKind::Unknown);
        for i in self.columns(Column::Phone) {
            match cell(r, *i)? {
                Some(p) if is_placeholder(&p) => {
                    warnings.push(format!("phone {p:?} is a placeholder; imported as missing"))
                }
                Some(p) => phones.push((p, phone_type)),
                None => {}
            }
        }
        if let Some(p) = self.optional(r, Column::Phone2, &mut warnings)? {
            phones.push((
                p,
                kind(self.get(r, Column::Phone2Type)?, PhoneKind::Unknown),
            ));
        }
        let flag = |v: Option<String>| {
            v.is_some_and(|v| matches!(v.to_lowercase().as_str(), "true" | "yes" | "y" | "1" | "x"))
        };
        let birth_year = match self.optional(r, Column::BirthYear, &mut warnings)? {
            Some(y) => y.parse().ok(),
            None => self
                .optional(r, Column::Age, &mut warnings)?
                .and_then(|a| a.parse::<u16>().ok())
                .filter(|a| *a < 130)
                .map(|a| this_year() - a),
        };
        let first_name = [self.get(r, Column::First)?, self.get(r, Column::Middle)?]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        Ok(Row {
            first_name,
            last_name: self.get(r, Column::Last)?.unwrap_or_default(),
            birth_year: birth_year.filter(|y| (1880..=2030).contains(y)),
            language: self
                .get(r, Column::Language)?
                .map(|l| l.to_lowercase())
                .unwrap_or_else(|| "en".into()),
            party: self.get(r, Column::Party)?,
            support_score: self
                .get(r, Column::Support)?
                .and_then(|s| s.parse().ok())
                .filter(|s| (1..=5).contains(s)),
            phones,
            household: Household {
                id: String::new(),
                house_number,
                street_name,
                unit,
                city: self
                    .optional(r, Column::City, &mut warnings)?
                    .unwrap_or_default(),
                postal_code: self
                    .optional(r, Column::Zip, &mut warnings)?
                    .unwrap_or_default(),
                precinct: self.get(r, Column::Precinct)?,
                lat,
                lon,
            },
            do_not_contact: flag(self.get(r, Column::DoNotContact)?),
            id,
            warnings,
        })
    }
}

/// Columns of a coordinate file: a voter id or an address, and Lat/Lon.
pub(crate) struct CoordinateColumns(ColumnMap);

impl CoordinateColumns {
    pub(crate) fn new(header: &ByteRecord) -> Result<Self, ImportError> {
        let mut index = Vec::new();
        for (i, name) in header.iter().enumerate() {
            let k = key(name);
            if let Some((col, _)) = NAMES
                .iter()
                .find(|(_, names)| names.iter().any(|n| n.to_lowercase() == k))
                && !index.iter().any(|(c, _)| c == col)
            {
                index.push((*col, vec![i]));
            }
        }
        let map = ColumnMap {
            index,
            profile: None,
        };
        if !(map.has(Column::Lat) && map.has(Column::Lon)) {
            return Err(ImportError::MissingColumn(
                "latitude and longitude",
                "lat/latitude, lon/lng/longitude".into(),
            ));
        }
        let split_address = map.has(Column::HouseNumber) && map.has(Column::Street);
        if !(map.has(Column::Id) || map.has(Column::Address) || split_address) {
            return Err(ImportError::MissingColumn(
                "voter id or address",
                "VanID/voter_id, or Address/house number + street".into(),
            ));
        }
        Ok(CoordinateColumns(map))
    }

    /// (voter id, household key, lat, lon) of a row.
    pub(crate) fn row(
        &self,
        r: &ByteRecord,
    ) -> Result<(Option<String>, Option<String>, f64, f64), String> {
        let m = &self.0;
        let lat: f64 = m
            .get(r, Column::Lat)?
            .ok_or("latitude is empty")?
            .parse()
            .map_err(|_| "latitude is not a number")?;
        let lon: f64 = m
            .get(r, Column::Lon)?
            .ok_or("longitude is empty")?
            .parse()
            .map_err(|_| "longitude is not a number")?;
        if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
            return Err(format!("coordinates ({lat}, {lon}) are out of range"));
        }
        let id = m.get(r, Column::Id)?;
        let address = match (
            m.get(r, Column::HouseNumber)?,
            m.get(r, Column::Street)?,
            m.get(r, Column::Address)?,
        ) {
            (Some(n), Some(s), _) => n.parse::<u32>().ok().map(|n| (n, s, None)),
            (_, _, Some(a)) => parse_address_line(&a),
            _ => None,
        };
        let key = address.map(|(n, street, unit)| {
            let unit = m
                .get(r, Column::Unit)
                .ok()
                .flatten()
                .and_then(|u| normalize_unit(&u))
                .or(unit);
            let h = Household {
                id: String::new(),
                house_number: n,
                street_name: street,
                unit,
                city: String::new(),
                postal_code: m.get(r, Column::Zip).ok().flatten().unwrap_or_default(),
                precinct: None,
                lat: None,
                lon: None,
            };
            super::address::household_key(&h)
        });
        Ok((id, key, lat, lon))
    }
}

/// Values voter files use for "nothing here": empty-ish words, dashes,
/// question marks, and numbers made only of zeros (`0000000000`, `00000`).
pub(crate) fn is_placeholder(v: &str) -> bool {
    let t = v.trim();
    let lower = t.to_ascii_lowercase();
    matches!(
        lower.as_str(),
        "" | "n/a"
            | "na"
            | "n.a."
            | "none"
            | "null"
            | "nil"
            | "unknown"
            | "unk"
            | "-"
            | "--"
            | "?"
            | "x"
    ) || (!t.is_empty()
        && t.bytes().all(|b| b == b'0' || b == b'-' || b == b' ')
        && t.contains('0'))
}

/// One cell as trimmed text with inner whitespace collapsed; `None` when
/// empty. Non-UTF-8 bytes are an error for the row.
fn cell(r: &ByteRecord, i: usize) -> Result<Option<String>, String> {
    let Some(bytes) = r.get(i) else {
        return Ok(None);
    };
    let text = std::str::from_utf8(bytes).map_err(|_| {
        "the row has bytes that are not UTF-8 text; save the file as UTF-8 and import again"
            .to_string()
    })?;
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    Ok((!text.is_empty()).then_some(text))
}

fn this_year() -> u16 {
    use chrono::Datelike;
    u16::try_from(chrono::Utc::now().year()).unwrap_or(2026)
}

/// A mapping file (`--columns map.toml`): which of the file's columns feed
/// which field, several columns for a composed field.
///
/// ```toml
/// [columns]
/// voter_id = "SOS_VOTERID"
/// first_name = "FIRST_NAME"
/// middle_name = "MIDDLE_NAME"
/// last_name = "LAST_NAME"
/// house_number = ["HOUSE_NUM", "HOUSE_SUFFIX"]
/// street = ["STREET_DIR", "STREET_NAME", "STREET_TYPE"]
/// unit = ["UNIT_TYPE", "UNIT_NUM"]
/// phones = ["CELL_PHONE", "HOME_PHONE"]   # in priority order
/// age = "AGE"                             # or birth_year
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnMapping(Vec<(Column, Vec<String>)>);

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct MappingFile {
    columns: std::collections::BTreeMap<String, OneOrMany>,
}

#[derive(serde::Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl ColumnMapping {
    /// Reads a mapping file; an unknown field or an empty column list is an
    /// error that names it and lists the fields.
    pub fn parse(text: &str) -> Result<Self, String> {
        let file: MappingFile =
            toml::from_str(text).map_err(|e| format!("the mapping file is not valid: {e}"))?;
        let mut out = Vec::new();
        for (field, cols) in file.columns {
            let Some(col) = Column::ALL.iter().find(|c| c.field() == field) else {
                let known: Vec<&str> = Column::ALL.iter().map(|c| c.field()).collect();
                return Err(format!(
                    "the mapping file names a field {field:?} walkbook does not have; fields: {}",
                    known.join(", ")
                ));
            };
            let cols = match cols {
                OneOrMany::One(c) => vec![c],
                OneOrMany::Many(cs) => cs,
            };
            if cols.is_empty() {
                return Err(format!("field {field} in the mapping file lists no column"));
            }
            out.push((*col, cols));
        }
        Ok(ColumnMapping(out))
    }

    /// Which of the file's columns feed each field. For a mapping file
    /// (`profile` is `None`) a named column the file lacks is an error; a
    /// built-in layout keeps only the columns the file has.
    fn resolve(
        &self,
        header: &ByteRecord,
        profile: Option<&'static str>,
    ) -> Result<ColumnMap, ImportError> {
        let keys: Vec<String> = header.iter().map(key).collect();
        let mut index = Vec::new();
        for (col, names) in &self.0 {
            let mut cols = Vec::new();
            for name in names {
                match keys.iter().position(|k| *k == key(name.as_bytes())) {
                    Some(i) => cols.push(i),
                    None if profile.is_some() => {}
                    None => {
                        let shown: Vec<String> = header
                            .iter()
                            .map(|h| String::from_utf8_lossy(h).trim().to_string())
                            .collect();
                        return Err(ImportError::MappedColumnMissing {
                            field: col.field(),
                            column: name.clone(),
                            header: shown.join(", "),
                        });
                    }
                }
            }
            if !cols.is_empty() {
                index.push((*col, cols));
            }
        }
        Ok(ColumnMap { index, profile })
    }
}

/// A built-in layout, recognised when the header has every `detect` column.
struct Profile {
    name: &'static str,
    detect: &'static [&'static str],
    columns: &'static [(Column, &'static [&'static str])],
}

impl Profile {
    fn matches(&self, header: &ByteRecord) -> bool {
        let keys: Vec<String> = header.iter().map(key).collect();
        self.detect
            .iter()
            .all(|d| keys.contains(&key(d.as_bytes())))
    }

    fn mapping(&self) -> ColumnMapping {
        ColumnMapping(
            self.columns
                .iter()
                .map(|(c, names)| (*c, names.iter().map(|n| n.to_string()).collect()))
                .collect(),
        )
    }
}

/// Layouts recognised from their header. Written from the states'
/// published layout descriptions; a file whose header differs falls back
/// to the usual column names, or takes a mapping file.
const PROFILES: &[Profile] = &[
    Profile {
        name: "North Carolina State Board of Elections statewide voter file (ncvoter)",
        detect: &[
            "ncid",
            "res_street_address",
            "res_city_desc",
            "precinct_desc",
        ],
        columns: &[
            (Column::Id, &["ncid"]),
            (Column::First, &["first_name"]),
            (Column::Middle, &["middle_name"]),
            (Column::Last, &["last_name"]),
            (Column::Address, &["res_street_address"]),
            (Column::City, &["res_city_desc"]),
            (Column::Zip, &["zip_code"]),
            (Column::Phone, &["full_phone_number"]),
            (Column::Party, &["party_cd"]),
            (Column::BirthYear, &["birth_year"]),
            (Column::Precinct, &["precinct_desc"]),
        ],
    },
    Profile {
        name: "VAN / VoteBuilder export",
        detect: &["vanid", "firstname", "lastname"],
        columns: &[
            (Column::Id, &["vanid"]),
            (Column::First, &["firstname"]),
            (Column::Middle, &["middlename"]),
            (Column::Last, &["lastname"]),
            (Column::Address, &["address"]),
            (Column::City, &["city"]),
            (Column::Zip, &["zip5"]),
            (Column::Phone, &["cellphone", "homephone"]),
            (Column::Age, &["age"]),
            (Column::Precinct, &["precinctname"]),
        ],
    },
    Profile {
        name: "L2-style vendor export",
        detect: &["lalvoterid", "residence_addresses_addressline"],
        columns: &[
            (Column::Id, &["lalvoterid"]),
            (Column::First, &["voters_firstname"]),
            (Column::Middle, &["voters_middlename"]),
            (Column::Last, &["voters_lastname"]),
            (Column::Address, &["residence_addresses_addressline"]),
            (Column::Unit, &["residence_addresses_apartmentnumber"]),
            (Column::City, &["residence_addresses_city"]),
            (Column::Zip, &["residence_addresses_zip"]),
            (Column::Lat, &["residence_addresses_latitude"]),
            (Column::Lon, &["residence_addresses_longitude"]),
            (
                Column::Phone,
                &[
                    "votertelephones_cellphoneformatted",
                    "votertelephones_landlineformatted",
                ],
            ),
            (Column::Age, &["voters_age"]),
            (Column::Party, &["parties_description"]),
            (Column::Precinct, &["precinct"]),
        ],
    },
    Profile {
        name: "Ohio Secretary of State statewide voter file",
        detect: &["sos_voterid", "residential_address1", "residential_city"],
        columns: &[
            (Column::Id, &["sos_voterid"]),
            (Column::First, &["first_name"]),
            (Column::Middle, &["middle_name"]),
            (Column::Last, &["last_name"]),
            (Column::Address, &["residential_address1"]),
            (Column::Unit, &["residential_secondary_addr"]),
            (Column::City, &["residential_city"]),
            (Column::Zip, &["residential_zip"]),
            (Column::Party, &["party_affiliation"]),
            (Column::Precinct, &["precinct_name"]),
        ],
    },
];

/// Windows-1252 code points for bytes 0x80–0x9F (where it differs from
/// Latin-1); `\0` marks the five bytes it leaves undefined (kept as the
/// Latin-1 control character).
const CP1252_HIGH: [char; 32] = [
    '€', '\0', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\0', 'Ž', '\0', '\0', '‘',
    '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\0', 'ž', 'Ÿ',
];

/// A record's fields decoded from Windows-1252 to UTF-8 (fields already
/// valid UTF-8 are kept as they are).
fn windows_1252(r: &ByteRecord) -> ByteRecord {
    let mut out = ByteRecord::new();
    for field in r {
        if std::str::from_utf8(field).is_ok() {
            out.push_field(field);
            continue;
        }
        let text: String = field
            .iter()
            .map(|&b| match b {
                0x80..=0x9f if CP1252_HIGH[usize::from(b - 0x80)] != '\0' => {
                    CP1252_HIGH[usize::from(b - 0x80)]
                }
                _ => char::from(b),
            })
            .collect();
        out.push_field(text.as_bytes());
    }
    out
}
