//! The results document of one unit (a turf or a call list) in automerge:
//! `{ schema: 1, unit: "turf:<id>", attempts: { <uuid>: <attempt> } }`.
//!
//! An attempt is written once and never edited, so it is stored as one
//! value: its fields as a JSON object in a text value (the *packed* form,
//! one automerge operation). Documents may also hold attempts in the
//! earlier form, a map with one operation per field; every reader accepts
//! both, and both carry the same fields (`docs/protocol.md`). See ADR 8.

use std::collections::{BTreeMap, HashMap};

use automerge::transaction::{CommitOptions, Transactable};
use automerge::{
    ActorId, Automerge, Change, ChangeHash, ObjId, ObjType, ROOT, ReadDoc, ScalarValue, Value,
};

use super::Attempt;
use crate::model::{Channel, ResultEffect};

pub const RESULTS_SCHEMA: i64 = 1;

/// Problems reading a results document. A remote peer can send anything, so
/// every field is checked rather than trusted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentError {
    #[error("attempt {id}: {problem}")]
    BadAttempt { id: String, problem: String },
    #[error("the results document has no {0}")]
    Missing(&'static str),
    #[error(
        "the results document uses schema {0}; this build reads schema {RESULTS_SCHEMA}, update the app"
    )]
    Schema(i64),
    #[error("the results document is for {found}, expected {expected}")]
    WrongUnit { expected: String, found: String },
    #[error("automerge: {0}")]
    Automerge(String),
    #[error("damaged change data: {0}")]
    BadChange(String),
}

fn am(e: impl std::fmt::Display) -> DocumentError {
    DocumentError::Automerge(e.to_string())
}

/// Creates the root of a unit's document. Every replica must create the
/// *same* root: if two devices each made their own `attempts` map, automerge
/// would keep one and hide the other's attempts. So the root is one genesis
/// change with an actor id and time derived from the unit name alone, byte
/// for byte identical on every replica, and applying it twice is a no-op.
pub fn init_document(doc: &mut Automerge, unit: &str) -> Result<(), DocumentError> {
    if doc.get(ROOT, "attempts").map_err(am)?.is_some() {
        return Ok(());
    }
    doc.apply_changes(genesis_changes(unit)?).map_err(am)?;
    Ok(())
}

/// The genesis change of a unit's document.
pub fn genesis_changes(unit: &str) -> Result<Vec<Change>, DocumentError> {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(format!("walkbook results genesis {unit}").as_bytes());
    let mut genesis = Automerge::new().with_actor(ActorId::from(&digest[..16]));
    genesis
        .transact_with::<_, _, automerge::AutomergeError, _>(
            |_| {
                CommitOptions::default()
                    .with_message("genesis")
                    .with_time(0)
            },
            |tx| {
                tx.put(ROOT, "schema", RESULTS_SCHEMA)?;
                tx.put(ROOT, "unit", unit)?;
                tx.put_object(ROOT, "attempts", ObjType::Map)?;
                Ok(())
            },
        )
        .map_err(|f| am(f.error))?;
    Ok(genesis.get_changes(&[]))
}

fn attempts_obj(doc: &Automerge) -> Result<Option<ObjId>, DocumentError> {
    match doc.get(ROOT, "attempts").map_err(am)? {
        Some((Value::Object(ObjType::Map), id)) => Ok(Some(id)),
        Some(_) => Err(DocumentError::Missing("attempts map")),
        None => Ok(None),
    }
}

/// The fields of a packed attempt: every field of [`Attempt`] but its id,
/// which is the key it is stored under. Unknown fields are refused, like
/// unknown keys of the map form.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PackedAttempt {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    person_id: Option<String>,
    household_id: String,
    channel: Channel,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    result: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    effect: Option<ResultEffect>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    responses: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    text_answers: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    notes: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    callback_at_ms: Option<i64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    supersedes: Vec<String>,
    at_ms: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    duration_s: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    phone_ref: Option<String>,
    volunteer_id: String,
    device_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    lat: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    lon: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    accuracy_m: Option<f64>,
    script_id: String,
    #[serde(default)]
    script_version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    new_person: Option<super::NewPerson>,
}

impl PackedAttempt {
    fn of(a: &Attempt) -> Self {
        let a = a.clone();
        PackedAttempt {
            person_id: a.person_id,
            household_id: a.household_id,
            channel: a.channel,
            result: a.result,
            effect: a.effect,
            responses: a.responses,
            text_answers: a.text_answers,
            notes: a.notes,
            callback_at_ms: a.callback_at_ms,
            supersedes: a.supersedes,
            at_ms: a.at_ms,
            duration_s: a.duration_s,
            phone_ref: a.phone_ref,
            volunteer_id: a.volunteer_id,
            device_id: a.device_id,
            lat: a.lat,
            lon: a.lon,
            accuracy_m: a.accuracy_m,
            script_id: a.script_id,
            script_version: a.script_version,
            new_person: a.new_person,
        }
    }

    fn into_attempt(self, id: String) -> Attempt {
        Attempt {
            id,
            person_id: self.person_id,
            household_id: self.household_id,
            channel: self.channel,
            result: self.result,
            effect: self.effect,
            responses: self.responses,
            text_answers: self.text_answers,
            notes: self.notes,
            callback_at_ms: self.callback_at_ms,
            supersedes: self.supersedes,
            at_ms: self.at_ms,
            duration_s: self.duration_s,
            phone_ref: self.phone_ref,
            volunteer_id: self.volunteer_id,
            device_id: self.device_id,
            lat: self.lat,
            lon: self.lon,
            accuracy_m: self.accuracy_m,
            script_id: self.script_id,
            script_version: self.script_version,
            new_person: self.new_person,
        }
    }
}

/// An attempt in the packed form: the JSON text stored under its id.
pub fn pack_attempt(a: &Attempt) -> String {
    serde_json::to_string(&PackedAttempt::of(a)).expect("attempts serialise")
}

/// The text an attempt is kept as in a store's index (`attempts.body`):
/// its packed form, without the id the row holds beside it (about half
/// the bytes of the whole attempt as JSON, whose unset fields are nulls).
pub fn index_body(a: &Attempt) -> String {
    pack_attempt(a)
}

/// An index row's attempt: the packed form under the row's `id`, or the
/// whole attempt as JSON (rows written before the index kept the packed
/// form; its `"id"` key makes the packed reader refuse it at once).
pub fn read_index_body(id: &str, body: &str) -> Result<Attempt, String> {
    match serde_json::from_str::<PackedAttempt>(body) {
        Ok(p) => Ok(p.into_attempt(id.to_string())),
        Err(packed) => serde_json::from_str::<Attempt>(body).map_err(|whole| {
            format!("attempt {id} reads neither packed ({packed}) nor whole ({whole})")
        }),
    }
}

/// Reads a packed attempt strictly: malformed JSON, a missing or unknown
/// field, or a value of the wrong type is an error naming the attempt.
pub fn unpack_attempt(id: &str, text: &str) -> Result<Attempt, DocumentError> {
    serde_json::from_str::<PackedAttempt>(text)
        .map(|p| p.into_attempt(id.to_string()))
        .map_err(|e| DocumentError::BadAttempt {
            id: id.to_string(),
            problem: format!(
                "its fields do not read: {}",
                packed_problem(text).unwrap_or_else(|| e.to_string())
            ),
        })
}

/// Which field of a packed attempt is wrong, in the words the map form's
/// reader uses (serde's own message does not name the field of a type error).
fn packed_problem(text: &str) -> Option<String> {
    use serde_json::Value as J;
    let Ok(J::Object(fields)) = serde_json::from_str::<J>(text) else {
        return Some("it is not a JSON object".into());
    };
    let text_map = |v: &J| v.as_object().is_some_and(|m| m.values().all(J::is_string));
    for (key, v) in &fields {
        let fits = match key.as_str() {
            "person_id" | "result" | "effect" | "phone_ref" => v.is_string() || v.is_null(),
            "household_id" | "channel" | "volunteer_id" | "device_id" | "script_id" | "notes" => {
                v.is_string()
            }
            "responses" | "text_answers" => text_map(v),
            "supersedes" => v.as_array().is_some_and(|a| a.iter().all(J::is_string)),
            "at_ms" => v.is_i64(),
            "callback_at_ms" => v.is_i64() || v.is_null(),
            "duration_s" | "script_version" => {
                v.as_u64().is_some_and(|n| u32::try_from(n).is_ok()) || v.is_null()
            }
            "lat" | "lon" | "accuracy_m" => v.is_number() || v.is_null(),
            "new_person" => v.is_object() || v.is_null(),
            _ => {
                return Some(format!(
                    "{key:?} is not a field of an attempt (see docs/protocol.md)"
                ));
            }
        };
        if !fits {
            return Some(format!("field {key} has the wrong kind of value"));
        }
    }
    None
}

/// Adds one attempt as one automerge change (one operation: the packed
/// attempt under its id) and returns that change.
pub(crate) fn put_attempt(doc: &mut Automerge, a: &Attempt) -> Result<Change, DocumentError> {
    let attempts = attempts_obj(doc)?.ok_or(DocumentError::Missing("attempts map"))?;
    let packed = pack_attempt(a);
    doc.transact_with::<_, _, automerge::AutomergeError, _>(
        |_| CommitOptions::default().with_time(a.at_ms / 1000),
        |tx| tx.put(&attempts, a.id.as_str(), packed.as_str()),
    )
    .map_err(|f| am(f.error))?;
    doc.get_last_local_change()
        .ok_or_else(|| am("the change just made is missing"))
}

/// Changes adding `attempts` to a copy of `doc` made by a fresh actor, one
/// change per attempt, as a device writes them: how the server writes an
/// organizer's review actions, judged by the same admission as a device's.
#[cfg(feature = "organizer")]
pub(crate) fn attempt_changes(
    doc: &Automerge,
    attempts: &[Attempt],
) -> Result<Vec<Change>, DocumentError> {
    let mut fork = doc.fork();
    attempts.iter().map(|a| put_attempt(&mut fork, a)).collect()
}

/// Checks the root of a loaded document: schema and unit.
pub(crate) fn check_root(doc: &Automerge, unit: &str) -> Result<(), DocumentError> {
    if attempts_obj(doc)?.is_none() {
        return Ok(()); // not initialised yet: nothing recorded here
    }
    match doc.get(ROOT, "schema").map_err(am)? {
        Some((Value::Scalar(s), _)) => match s.as_ref() {
            ScalarValue::Int(RESULTS_SCHEMA) | ScalarValue::Uint(1) => {}
            ScalarValue::Int(v) => return Err(DocumentError::Schema(*v)),
            _ => return Err(DocumentError::Missing("valid schema number")),
        },
        _ => return Err(DocumentError::Missing("schema number")),
    }
    match doc.get(ROOT, "unit").map_err(am)? {
        Some((Value::Scalar(s), _)) => match s.as_ref() {
            ScalarValue::Str(found) if found.as_str() == unit => Ok(()),
            ScalarValue::Str(found) => Err(DocumentError::WrongUnit {
                expected: unit.to_string(),
                found: found.to_string(),
            }),
            _ => Err(DocumentError::Missing("unit name")),
        },
        _ => Err(DocumentError::Missing("unit name")),
    }
}

/// Every attempt in the document, sorted by id. Any malformed attempt is an error.
pub fn read_attempts(doc: &Automerge) -> Result<Vec<Attempt>, DocumentError> {
    let Some(attempts) = attempts_obj(doc)? else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for id in doc.keys(&attempts) {
        let value = doc.get(&attempts, id.as_str()).map_err(am)?;
        out.push(attempt_from_value(doc, id, value)?);
    }
    Ok(out)
}

/// The attempts whose ids are given, in the order given.
pub fn read_attempts_by_id(doc: &Automerge, ids: &[String]) -> Result<Vec<Attempt>, DocumentError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let attempts = attempts_obj(doc)?.ok_or(DocumentError::Missing("attempts map"))?;
    ids.iter()
        .map(|id| read_attempt_in(doc, &attempts, id))
        .collect()
}

/// The attempt stored under `id` in `attempts` (the document's attempts
/// map, looked up once by the caller); missing is an error.
pub fn read_attempt_in(
    doc: &Automerge,
    attempts: &ObjId,
    id: &str,
) -> Result<Attempt, DocumentError> {
    match doc.get(attempts, id).map_err(am)? {
        None => Err(DocumentError::BadAttempt {
            id: id.to_string(),
            problem: "is missing".into(),
        }),
        value => attempt_from_value(doc, id.to_string(), value),
    }
}

/// One attempt from the value under its id: packed text or a map of fields.
fn attempt_from_value(
    doc: &Automerge,
    id: String,
    value: Option<(Value<'_>, ObjId)>,
) -> Result<Attempt, DocumentError> {
    match value {
        Some((Value::Scalar(s), _)) if s.is_str() => {
            unpack_attempt(&id, s.as_str().unwrap_or_default())
        }
        Some((Value::Object(ObjType::Map), obj)) => read_attempt(doc, id, &obj),
        _ => Err(DocumentError::BadAttempt {
            id,
            problem: "is neither packed attempt text nor a map of fields".into(),
        }),
    }
}

/// An attempt's fields, read in one pass over its map (one `get` per field
/// costs several times more on a large document).
struct Fields<'a> {
    doc: &'a Automerge,
    id: &'a str,
    values: HashMap<String, (Value<'static>, Option<ObjId>)>,
}

impl<'a> Fields<'a> {
    fn bad(&self, problem: String) -> DocumentError {
        DocumentError::BadAttempt {
            id: self.id.to_string(),
            problem,
        }
    }

    fn load(doc: &'a Automerge, obj: &ObjId, id: &'a str) -> Self {
        let values = doc
            .map_range(obj, ..)
            .map(|item| {
                let object =
                    matches!(item.value, automerge::ValueRef::Object(_)).then(|| item.id());
                (item.key.into_owned(), (Value::from(item.value), object))
            })
            .collect();
        Fields { doc, id, values }
    }

    fn scalar(&self, key: &str) -> Result<Option<ScalarValue>, DocumentError> {
        match self.values.get(key) {
            None => Ok(None),
            Some((Value::Scalar(s), _)) => Ok(Some(s.clone().into_owned())),
            Some(_) => Err(self.bad(format!("field {key} is not a plain value"))),
        }
    }

    /// The object id of a nested map or list field.
    fn object(&self, key: &str, kind: ObjType) -> Option<&ObjId> {
        match self.values.get(key) {
            Some((Value::Object(t), Some(id))) if *t == kind => Some(id),
            _ => None,
        }
    }

    fn string_map(&self, key: &str) -> Result<BTreeMap<String, String>, DocumentError> {
        let mut out = BTreeMap::new();
        let Some(map) = self.object(key, ObjType::Map) else {
            return Ok(out);
        };
        for item in self.doc.map_range(map, ..) {
            match Value::from(item.value) {
                Value::Scalar(s) if s.is_str() => {
                    out.insert(
                        item.key.into_owned(),
                        s.as_str().unwrap_or_default().to_string(),
                    );
                }
                _ => return Err(self.bad(format!("{key}: answer to {} is not text", item.key))),
            }
        }
        Ok(out)
    }

    fn opt_str(&self, key: &str) -> Result<Option<String>, DocumentError> {
        match self.scalar(key)? {
            None => Ok(None),
            Some(ScalarValue::Str(s)) => Ok(Some(s.to_string())),
            Some(_) => Err(self.bad(format!("field {key} is not text"))),
        }
    }

    fn str(&self, key: &str) -> Result<String, DocumentError> {
        self.opt_str(key)?
            .ok_or_else(|| self.bad(format!("field {key} is missing")))
    }

    fn opt_int(&self, key: &str) -> Result<Option<i64>, DocumentError> {
        match self.scalar(key)? {
            None => Ok(None),
            Some(ScalarValue::Int(v)) => Ok(Some(v)),
            Some(ScalarValue::Uint(v)) => i64::try_from(v)
                .map(Some)
                .map_err(|_| self.bad(format!("field {key} is out of range"))),
            Some(_) => Err(self.bad(format!("field {key} is not a number"))),
        }
    }

    fn opt_u32(&self, key: &str) -> Result<Option<u32>, DocumentError> {
        self.opt_int(key)?
            .map(|v| u32::try_from(v).map_err(|_| self.bad(format!("field {key} is out of range"))))
            .transpose()
    }

    fn opt_f64(&self, key: &str) -> Result<Option<f64>, DocumentError> {
        match self.scalar(key)? {
            None => Ok(None),
            Some(ScalarValue::F64(v)) if v.is_finite() => Ok(Some(v)),
            Some(ScalarValue::Int(v)) => Ok(Some(v as f64)),
            Some(_) => Err(self.bad(format!("field {key} is not a finite number"))),
        }
    }
}

fn read_attempt(doc: &Automerge, id: String, obj: &ObjId) -> Result<Attempt, DocumentError> {
    let f = Fields::load(doc, obj, &id);
    let channel = f.str("channel")?;
    let channel =
        Channel::parse(&channel).ok_or_else(|| f.bad(format!("unknown channel {channel:?}")))?;
    let effect = match f.opt_str("effect")? {
        None => None,
        Some(e) => {
            Some(ResultEffect::parse(&e).ok_or_else(|| f.bad(format!("unknown effect {e:?}")))?)
        }
    };
    let responses = f.string_map("responses")?;
    let text_answers = f.string_map("text_answers")?;
    let mut supersedes = Vec::new();
    if let Some(l) = f.object("supersedes", ObjType::List) {
        for i in 0..doc.length(l) {
            match doc.get(l, i).map_err(am)? {
                Some((Value::Scalar(s), _)) => match s.as_ref() {
                    ScalarValue::Str(v) => supersedes.push(v.to_string()),
                    _ => return Err(f.bad("supersedes holds a non-text entry".into())),
                },
                _ => return Err(f.bad("supersedes holds a non-text entry".into())),
            }
        }
    }
    Ok(Attempt {
        person_id: f.opt_str("person_id")?,
        household_id: f.str("household_id")?,
        channel,
        result: f.opt_str("result")?,
        effect,
        responses,
        text_answers,
        notes: f.opt_str("notes")?.unwrap_or_default(),
        callback_at_ms: f.opt_int("callback_at_ms")?,
        supersedes,
        at_ms: f
            .opt_int("at_ms")?
            .ok_or_else(|| f.bad("field at_ms is missing".into()))?,
        duration_s: f.opt_u32("duration_s")?,
        phone_ref: f.opt_str("phone_ref")?,
        volunteer_id: f.str("volunteer_id")?,
        device_id: f.str("device_id")?,
        lat: f.opt_f64("lat")?,
        lon: f.opt_f64("lon")?,
        accuracy_m: f.opt_f64("accuracy_m")?,
        script_id: f.str("script_id")?,
        script_version: f.opt_u32("script_version")?.unwrap_or(0),
        id,
        // Map-form attempts cannot carry a new person (packed only).
        new_person: None,
    })
}

const CHUNK_MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];

/// Splits concatenated automerge change chunks (the output of `save_after`)
/// strictly: a damaged or truncated chunk is an error, never silently skipped
/// the way automerge's incremental loader would.
pub fn split_changes(bytes: &[u8]) -> Result<Vec<Change>, DocumentError> {
    let mut out = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let bad = |what: &str| {
            DocumentError::BadChange(format!("{what} at byte {}", bytes.len() - rest.len()))
        };
        if rest.len() < 9 || rest[..4] != CHUNK_MAGIC {
            return Err(bad("no change header"));
        }
        let mut len: u64 = 0;
        let mut shift = 0;
        let mut idx = 9;
        loop {
            let Some(&b) = rest.get(idx) else {
                return Err(bad("truncated change length"));
            };
            if shift > 56 {
                return Err(bad("change length too large"));
            }
            len |= u64::from(b & 0x7f) << shift;
            shift += 7;
            idx += 1;
            if b & 0x80 == 0 {
                break;
            }
        }
        let end = usize::try_from(len)
            .ok()
            .and_then(|l| idx.checked_add(l))
            .filter(|e| *e <= rest.len());
        let Some(end) = end else {
            return Err(bad("truncated change"));
        };
        let change = Change::try_from(&rest[..end]).map_err(|e| bad(&e.to_string()))?;
        // The header checksum is the first four bytes of the change hash.
        if change.hash().0[..4] != rest[4..8] {
            return Err(bad("checksum mismatch"));
        }
        out.push(change);
        rest = &rest[end..];
    }
    Ok(out)
}

/// The ids of every attempt in the document.
pub(crate) fn attempt_ids(
    doc: &Automerge,
) -> Result<std::collections::BTreeSet<String>, DocumentError> {
    Ok(match attempts_obj(doc)? {
        Some(obj) => doc.keys(&obj).collect(),
        None => Default::default(),
    })
}

/// The ids of the attempts the document held at `heads` (none for `&[]`,
/// the empty document).
pub(crate) fn attempt_ids_at(
    doc: &Automerge,
    heads: &[ChangeHash],
) -> Result<std::collections::BTreeSet<String>, DocumentError> {
    if heads.is_empty() {
        return Ok(Default::default());
    }
    Ok(match attempts_obj(doc)? {
        Some(obj) => doc.keys_at(&obj, heads).collect(),
        None => Default::default(),
    })
}
