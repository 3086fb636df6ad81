//! The results document of one unit (a turf or a call list) in automerge:
//! `{ schema: 1, unit: "turf:<id>", attempts: { <uuid>: { ...fields } } }`.

use std::collections::{BTreeMap, HashMap};

use automerge::transaction::{CommitOptions, Transactable};
use automerge::{ActorId, Automerge, Change, ObjId, ObjType, ROOT, ReadDoc, ScalarValue, Value};

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

/// Adds one attempt as one automerge change and returns that change.
pub(crate) fn put_attempt(doc: &mut Automerge, a: &Attempt) -> Result<Change, DocumentError> {
    let attempts = attempts_obj(doc)?.ok_or(DocumentError::Missing("attempts map"))?;
    doc.transact_with::<_, _, automerge::AutomergeError, _>(
        |_| CommitOptions::default().with_time(a.at_ms / 1000),
        |tx| {
            let obj = tx.put_object(&attempts, a.id.as_str(), ObjType::Map)?;
            if let Some(p) = &a.person_id {
                tx.put(&obj, "person_id", p.as_str())?;
            }
            tx.put(&obj, "household_id", a.household_id.as_str())?;
            tx.put(&obj, "channel", a.channel.as_str())?;
            if let Some(r) = &a.result {
                tx.put(&obj, "result", r.as_str())?;
            }
            if let Some(e) = a.effect {
                tx.put(&obj, "effect", e.as_str())?;
            }
            for (key, answers) in [
                ("responses", &a.responses),
                ("text_answers", &a.text_answers),
            ] {
                let map = tx.put_object(&obj, key, ObjType::Map)?;
                for (q, v) in answers {
                    tx.put(&map, q.as_str(), v.as_str())?;
                }
            }
            tx.put(&obj, "notes", a.notes.as_str())?;
            if let Some(t) = a.callback_at_ms {
                tx.put(&obj, "callback_at_ms", t)?;
            }
            let sup = tx.put_object(&obj, "supersedes", ObjType::List)?;
            for (i, s) in a.supersedes.iter().enumerate() {
                tx.insert(&sup, i, s.as_str())?;
            }
            tx.put(&obj, "at_ms", a.at_ms)?;
            if let Some(d) = a.duration_s {
                tx.put(&obj, "duration_s", u64::from(d))?;
            }
            if let Some(r) = &a.phone_ref {
                tx.put(&obj, "phone_ref", r.as_str())?;
            }
            tx.put(&obj, "volunteer_id", a.volunteer_id.as_str())?;
            tx.put(&obj, "device_id", a.device_id.as_str())?;
            for (key, v) in [("lat", a.lat), ("lon", a.lon), ("accuracy_m", a.accuracy_m)] {
                if let Some(v) = v {
                    tx.put(&obj, key, v)?;
                }
            }
            tx.put(&obj, "script_id", a.script_id.as_str())?;
            tx.put(&obj, "script_version", u64::from(a.script_version))?;
            Ok(())
        },
    )
    .map_err(|f| am(f.error))?;
    doc.get_last_local_change()
        .ok_or_else(|| am("the change just made is missing"))
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
        let Some((Value::Object(ObjType::Map), obj)) =
            doc.get(&attempts, id.as_str()).map_err(am)?
        else {
            return Err(DocumentError::BadAttempt {
                id,
                problem: "is not a map".into(),
            });
        };
        out.push(read_attempt(doc, id, &obj)?);
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
        .map(|id| match doc.get(&attempts, id.as_str()).map_err(am)? {
            Some((Value::Object(ObjType::Map), obj)) => read_attempt(doc, id.clone(), &obj),
            _ => Err(DocumentError::BadAttempt {
                id: id.clone(),
                problem: "is missing".into(),
            }),
        })
        .collect()
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
