//! Admission: the server's judgement of the changes a device sends, before
//! anything is stored. I/O-free: a document in memory and the changes in,
//! the accepted attempts (or one refusal) out.
//!
//! The results model is append-only: the only effect a device's change may
//! have is to add one new, complete attempt under `attempts`. Each change
//! is judged twice:
//!
//! 1. **What it can touch.** Every operation is read: it must write the one
//!    new attempt, packed or as a map (at a key that exists nowhere in the
//!    document, not even as a losing concurrent value), or write inside
//!    objects created by the same change. No operation may overwrite or delete anything (an
//!    empty `pred`), touch the root, or create text or counters. So no
//!    existing attempt can have changed, visibly or hidden in a conflict.
//! 2. **What it did.** The change is applied and the new attempt is read
//!    back from the document with the same strict reader every replica uses,
//!    then checked against the campaign's rules (`rules.rs`): author,
//!    person and household on the unit, result code and its effect, script
//!    and answers, times, corrections.
//!
//! The first change that fails stops the batch: it and everything after it
//! (which, on a device, depends on it) are not stored.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Mutex, OnceLock};

use automerge::legacy::{Key, ObjectId, OpId, OpType};
use automerge::{Automerge, Change, ChangeHash, ROOT, ReadDoc, ScalarValue, Value};
use serde::{Deserialize, Serialize};

use super::Attempt;
use super::document::{genesis_changes, read_attempt_in, read_attempts_by_id, unpack_attempt};
use super::rules::{
    Author, ExistingAttempt, RuleViolation, UnitData, UnitReference, check_attempt,
};
use crate::model::{Channel, ResultEffect, Script};
use crate::sync::step::new_changes_in_order;

/// The fields an attempt map may hold; anything else is refused.
const ATTEMPT_FIELDS: &[&str] = &[
    "person_id",
    "household_id",
    "channel",
    "result",
    "effect",
    "responses",
    "text_answers",
    "notes",
    "callback_at_ms",
    "supersedes",
    "at_ms",
    "duration_s",
    "phone_ref",
    "volunteer_id",
    "device_id",
    "lat",
    "lon",
    "accuracy_m",
    "script_id",
    "script_version",
];

/// A refused change: which change, and the rule it broke.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    /// Hex hash of the refused change.
    pub change: String,
    #[serde(flatten)]
    pub violation: RuleViolation,
}

/// What admission decided about one batch of changes for one document.
#[derive(Debug, Default)]
pub struct Admission {
    /// Accepted changes in the order applied, each with its attempt (none
    /// for the canonical genesis).
    pub accepted: Vec<(Change, Option<Attempt>)>,
    /// The first change refused; nothing after it in the batch was applied.
    pub refused: Option<Refusal>,
    /// Changes whose history has not arrived; they are sent again later.
    pub deferred: usize,
    /// The in-memory document holds a refused change: the caller must drop
    /// it, reload from storage and re-apply `accepted`.
    pub tainted: bool,
}

impl Admission {
    /// The automerge actors to bind to the device that sent the changes:
    /// those of its accepted changes that added an attempt (the shared
    /// genesis belongs to no device). As (actor hex, device id).
    pub fn actor_bindings(&self, device_id: &str) -> Vec<(String, String)> {
        self.accepted
            .iter()
            .filter(|(_, attempt)| attempt.is_some())
            .map(|(c, _)| c.actor_id().to_hex_string())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .map(|a| (a, device_id.to_string()))
            .collect()
    }
}

/// Units whose canonical genesis is kept in memory; past this the cache
/// starts over (a server holds a few thousand units per campaign).
const GENESIS_CACHE_UNITS: usize = 16_384;

/// A unit's canonical genesis hash and the id of the `attempts` object it
/// creates. Building the genesis costs a fresh automerge document and a
/// commit, so each unit's is built once per process.
fn canonical_genesis(unit: &str) -> Option<(ChangeHash, Option<OpId>)> {
    type Cache = HashMap<String, (ChangeHash, Option<OpId>)>;
    static CACHE: OnceLock<Mutex<Cache>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(hit) = cache.lock().unwrap_or_else(|p| p.into_inner()).get(unit) {
        return Some(hit.clone());
    }
    let genesis = genesis_changes(unit).ok()?.into_iter().next()?;
    let built = (genesis.hash(), attempts_object(&genesis));
    let mut cache = cache.lock().unwrap_or_else(|p| p.into_inner());
    if cache.len() >= GENESIS_CACHE_UNITS {
        cache.clear();
    }
    cache.insert(unit.to_string(), built.clone());
    Some(built)
}

/// The object id of `attempts` as the canonical genesis creates it.
fn attempts_object(genesis: &Change) -> Option<OpId> {
    let start = genesis.start_op().get();
    let expanded = genesis.decode();
    expanded
        .operations
        .iter()
        .enumerate()
        .find(|(_, op)| matches!(&op.key, Key::Map(k) if k.as_str() == "attempts"))
        .map(|(i, _)| OpId(start + i as u64, genesis.actor_id().clone()))
}

/// The document's unit reference: campaign data plus the attempts already
/// in the document (read on demand).
struct DocUnit<'a> {
    data: &'a UnitData,
    doc: &'a Automerge,
}

impl UnitReference for DocUnit<'_> {
    fn channel(&self) -> Channel {
        self.data.channel.unwrap_or(Channel::Door)
    }
    fn unit_label(&self) -> String {
        self.data.label.clone()
    }
    fn household_of(&self, person_id: &str) -> Option<String> {
        self.data.people.get(person_id).cloned()
    }
    fn has_household(&self, household_id: &str) -> bool {
        self.data.households.contains(household_id)
    }
    fn result_effect(&self, code: &str) -> Option<ResultEffect> {
        self.data.result_effects.get(code).copied()
    }
    fn script(&self, id: &str, version: u32) -> Option<&Script> {
        self.data.scripts.get(&(id.to_string(), version))
    }
    fn existing_attempt(&self, id: &str) -> Option<ExistingAttempt> {
        let a = read_attempts_by_id(self.doc, &[id.to_string()])
            .ok()?
            .pop()?;
        Some(ExistingAttempt {
            person_id: a.person_id,
            household_id: a.household_id,
            volunteer_id: a.volunteer_id,
            effect: a.effect,
        })
    }
}

/// Which objects of a change are the new attempt and its parts.
#[derive(PartialEq)]
enum Part {
    Attempt,
    AnswerMap,
    Supersedes,
}

/// The one attempt a change adds, as its operations say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeShape {
    pub attempt_id: String,
    /// The packed attempt text the change puts under the id (ADR 8), or
    /// `None` for an attempt written as a map of fields.
    pub packed: Option<String>,
}

/// Checks what a change can touch (see the module comment) and returns the
/// one attempt it adds.
pub fn check_change_shape(
    doc: &Automerge,
    change: &Change,
    attempts: &OpId,
    attempts_exid: &automerge::ObjId,
) -> Result<ChangeShape, RuleViolation> {
    let expanded = change.decode();
    let start = change.start_op().get();
    let actor = change.actor_id().clone();
    let mut attempt_id: Option<String> = None;
    let mut packed_text: Option<String> = None;
    let mut parts: Vec<(OpId, Part)> = Vec::new();
    // (index of the object in `parts`, key): a key written twice is refused.
    let mut keys_written: BTreeSet<(usize, String)> = BTreeSet::new();
    let refuse = |id: &Option<String>, field: &str, rule: &str, message: String| {
        RuleViolation::new(id.as_deref().unwrap_or(""), field, rule, message)
    };
    for (i, op) in expanded.operations.iter().enumerate() {
        let op_id = OpId(start + i as u64, actor.clone());
        let target = match &op.obj {
            ObjectId::Root => {
                return Err(refuse(
                    &attempt_id,
                    "(root)",
                    "root_fixed",
                    "the change writes to the document root; only the server's genesis change creates it".into(),
                ));
            }
            ObjectId::Id(id) => id,
        };
        if !op.pred.is_empty() || matches!(op.action, OpType::Delete) {
            let touched = match (&op.key, target == attempts) {
                (Key::Map(k), true) => Some(k.to_string()),
                _ => attempt_owning(doc, attempts_exid, target),
            };
            let field = match &op.key {
                Key::Map(k) if target != attempts => k.to_string(),
                _ => "attempts".to_string(),
            };
            return Err(refuse(
                &touched.or(attempt_id.clone()),
                &field,
                "append_only",
                "the change edits or deletes something already written; attempts are written once and corrected by a new attempt that supersedes them".into(),
            ));
        }
        if target == attempts {
            let Key::Map(key) = &op.key else {
                return Err(refuse(
                    &attempt_id,
                    "attempts",
                    "shape",
                    "attempts is a map".into(),
                ));
            };
            if attempt_id.is_some() {
                return Err(refuse(
                    &attempt_id,
                    "attempts",
                    "one_attempt_per_change",
                    "the change adds more than one attempt; record each attempt as its own change"
                        .into(),
                ));
            }
            attempt_id = Some(key.to_string());
            packed_text = match &op.action {
                OpType::Put(ScalarValue::Str(text)) => Some(text.to_string()),
                _ => None,
            };
            let packed = packed_text.is_some();
            if !packed && !matches!(op.action, OpType::Make(automerge::ObjType::Map)) {
                return Err(refuse(
                    &attempt_id,
                    "attempts",
                    "shape",
                    "an attempt is packed attempt text or a map of fields".into(),
                ));
            }
            if !doc
                .get_all(attempts_exid, key.as_str())
                .map(|v| v.is_empty())
                .unwrap_or(false)
            {
                return Err(refuse(
                    &attempt_id,
                    "attempts",
                    "append_only",
                    format!("attempt {key} already exists; attempts are written once"),
                ));
            }
            if !packed {
                parts.push((op_id, Part::Attempt));
            }
            continue;
        }
        let Some((part_index, (_, part))) =
            parts.iter().enumerate().find(|(_, (id, _))| id == target)
        else {
            return Err(refuse(
                &attempt_id,
                "attempts",
                "append_only",
                "the change writes into an object it did not create (an existing attempt or its answers); attempts are written once".into(),
            ));
        };
        match part {
            Part::Attempt => {
                let Key::Map(key) = &op.key else {
                    return Err(refuse(
                        &attempt_id,
                        "(attempt)",
                        "shape",
                        "an attempt is a map".into(),
                    ));
                };
                let key = key.as_str();
                if !ATTEMPT_FIELDS.contains(&key) {
                    return Err(refuse(
                        &attempt_id,
                        key,
                        "known_fields",
                        format!("{key:?} is not a field of an attempt (see docs/protocol.md)"),
                    ));
                }
                if !keys_written.insert((part_index, key.to_string())) {
                    return Err(refuse(
                        &attempt_id,
                        key,
                        "shape",
                        format!("field {key} is written twice"),
                    ));
                }
                match (&op.action, key) {
                    (OpType::Make(automerge::ObjType::Map), "responses" | "text_answers") => {
                        parts.push((op_id, Part::AnswerMap));
                    }
                    (OpType::Make(automerge::ObjType::List), "supersedes") => {
                        parts.push((op_id, Part::Supersedes));
                    }
                    (OpType::Put(_), "responses" | "text_answers" | "supersedes")
                    | (OpType::Make(_), _) => {
                        return Err(refuse(
                            &attempt_id,
                            key,
                            "value_types",
                            format!(
                                "field {key} has the wrong kind of value (see docs/protocol.md)"
                            ),
                        ));
                    }
                    (OpType::Put(_), _) => {}
                    _ => {
                        return Err(refuse(
                            &attempt_id,
                            key,
                            "value_types",
                            format!("field {key} has an operation that is not a plain write"),
                        ));
                    }
                }
            }
            Part::AnswerMap => match (&op.action, &op.key) {
                (OpType::Put(v), Key::Map(q)) if v.is_str() => {
                    if !keys_written.insert((part_index, q.to_string())) {
                        return Err(refuse(
                            &attempt_id,
                            "responses",
                            "shape",
                            format!("question {q} is answered twice"),
                        ));
                    }
                }
                _ => {
                    return Err(refuse(
                        &attempt_id,
                        "responses",
                        "value_types",
                        "answers are text values keyed by question id".into(),
                    ));
                }
            },
            Part::Supersedes => match &op.action {
                OpType::Put(v) if op.insert && v.is_str() => {}
                _ => {
                    return Err(refuse(
                        &attempt_id,
                        "supersedes",
                        "value_types",
                        "supersedes is a list of attempt ids".into(),
                    ));
                }
            },
        }
    }
    match attempt_id {
        Some(attempt_id) => Ok(ChangeShape {
            attempt_id,
            packed: packed_text,
        }),
        None => Err(RuleViolation::new(
            "",
            "attempts",
            "one_attempt_per_change",
            "the change adds no attempt; every change a device sends adds exactly one",
        )),
    }
}

/// The attempt an existing object belongs to (the attempt's map itself, or
/// one of its answer maps or its supersedes list), to name it in a refusal.
fn attempt_owning(doc: &Automerge, attempts: &automerge::ObjId, target: &OpId) -> Option<String> {
    let wanted = target.to_string();
    for item in doc.map_range(attempts, ..) {
        let obj = item.id();
        if obj.to_string() == wanted {
            return Some(item.key.to_string());
        }
        for part in doc.map_range(&obj, ..) {
            if matches!(part.value, automerge::ValueRef::Object(_))
                && part.id().to_string() == wanted
            {
                return Some(item.key.to_string());
            }
        }
    }
    None
}

/// An organizer's review attempts, admitted (see [`admit_reviewed`]): the
/// document with them applied, and what a store writes.
#[cfg(feature = "organizer")]
pub struct Reviewed {
    pub doc: Automerge,
    pub changes: Vec<Change>,
    pub attempts: Vec<Attempt>,
    /// (actor, device) to bind.
    pub bindings: Vec<(String, String)>,
}

/// Writes `attempts` (an organizer's review actions) as one change each on
/// a copy of `doc` with a fresh actor, and judges them as a device's
/// changes are judged. All or nothing: the inner error is the rule the
/// first refused attempt breaks, and then `doc` is as it was. Both server
/// stores write through this.
#[cfg(feature = "organizer")]
pub fn admit_reviewed(
    doc: &Automerge,
    doc_id: &str,
    attempts: &[Attempt],
    unit: &UnitData,
    author: &Author,
    now_ms: i64,
) -> Result<Result<Reviewed, RuleViolation>, super::DocumentError> {
    let changes = super::document::attempt_changes(doc, attempts)?;
    let mut trial = doc.clone();
    let admission = admit_changes(
        &mut trial,
        doc_id,
        changes,
        unit,
        author,
        &BTreeSet::new(),
        now_ms,
    );
    if let Some(r) = admission.refused {
        return Ok(Err(r.violation));
    }
    Ok(Ok(Reviewed {
        attempts: admission
            .accepted
            .iter()
            .filter_map(|(_, a)| a.clone())
            .collect(),
        bindings: admission.actor_bindings(&author.device_id),
        changes: admission.accepted.into_iter().map(|(c, _)| c).collect(),
        doc: trial,
    }))
}

/// Judges `changes` from a device (`foreign_actors`: actor ids, in hex,
/// already bound to other devices) against `doc` (a unit's document that
/// already holds its genesis), applying the accepted ones to `doc`.
pub fn admit_changes(
    doc: &mut Automerge,
    unit: &str,
    changes: Vec<Change>,
    data: &UnitData,
    author: &Author,
    foreign_actors: &BTreeSet<String>,
    now_ms: i64,
) -> Admission {
    let mut out = Admission::default();
    // The canonical genesis: its hash and its `attempts` object.
    let (genesis, attempts) = match canonical_genesis(unit) {
        Some((hash, attempts)) => (Some(hash), attempts),
        None => (None, None),
    };
    let (ready, waiting) = new_changes_in_order(doc, changes);
    out.deferred = waiting.len();
    let attempts_exid = match doc.get(ROOT, "attempts") {
        Ok(Some((Value::Object(_), id))) => Some(id),
        _ => None,
    };
    let refusal = |change: &Change, v: RuleViolation| Refusal {
        change: change.hash().to_string(),
        violation: v,
    };

    // 1. What each change can touch, read from its operations, before
    //    anything is applied; the batch stops at the first bad one.
    let mut shaped: Vec<(Change, Option<ChangeShape>)> = Vec::with_capacity(ready.len());
    let mut keys_in_batch: BTreeSet<String> = BTreeSet::new();
    for change in ready {
        if Some(change.hash()) == genesis {
            shaped.push((change, None));
            continue;
        }
        if foreign_actors.contains(&change.actor_id().to_hex_string()) {
            out.refused = Some(refusal(
                &change,
                RuleViolation::new(
                    "",
                    "(actor)",
                    "actor_owner",
                    format!(
                        "the change is written under actor {}, which belongs to another device; a device writes only under its own actors",
                        change.actor_id()
                    ),
                ),
            ));
            break;
        }
        let (Some(attempts), Some(attempts_exid)) = (&attempts, &attempts_exid) else {
            out.refused = Some(refusal(
                &change,
                RuleViolation::new(
                    "",
                    "(root)",
                    "root_fixed",
                    "the document has no canonical genesis yet; sync again",
                ),
            ));
            break;
        };
        match check_change_shape(doc, &change, attempts, attempts_exid) {
            Ok(shape) if keys_in_batch.insert(shape.attempt_id.clone()) => {
                shaped.push((change, Some(shape)))
            }
            Ok(ChangeShape { attempt_id: id, .. }) => {
                out.refused = Some(refusal(
                    &change,
                    RuleViolation::new(
                        &id,
                        "attempts",
                        "append_only",
                        format!("attempt {id} is added twice"),
                    ),
                ));
                break;
            }
            Err(v) => {
                out.refused = Some(refusal(&change, v));
                break;
            }
        }
    }
    if shaped.is_empty() {
        return out;
    }

    // 2. What they did: applied in one batch (automerge applies a batch far
    //    faster than one change at a time), then every new attempt is read
    //    back whole and checked against the rules. The first failure taints
    //    the document: the caller reloads it and re-applies `accepted`.
    out.tainted = true;
    if let Err(e) = doc.apply_changes(shaped.iter().map(|(c, _)| c.clone())) {
        let (first, shape) = &shaped[0];
        out.refused = Some(refusal(
            first,
            RuleViolation::new(
                shape.as_ref().map_or("", |s| s.attempt_id.as_str()),
                "attempts",
                "applies",
                format!("the changes do not apply: {e}"),
            ),
        ));
        return out;
    }
    let failed_before = out.refused.take();
    out.accepted.reserve_exact(shaped.len());
    for (change, shape) in shaped {
        let Some(shape) = shape else {
            out.accepted.push((change, None));
            continue;
        };
        match judge_applied(doc, attempts_exid.as_ref(), shape, data, author, now_ms) {
            Ok(attempt) => out.accepted.push((change, Some(attempt))),
            Err(v) => {
                out.refused = Some(refusal(&change, v));
                return out;
            }
        }
    }
    out.refused = failed_before;
    // Everything applied was accepted: the document holds nothing refused.
    out.tainted = false;
    out
}

/// Reads a just-applied attempt whole and checks it against the rules.
/// One value at the new key is guaranteed: the key was absent from the
/// document (`get_all` in the operation check) and unique in the batch, so
/// a packed attempt is the text its change put there and is read from the
/// change; an attempt written as a map is read back from the document.
fn judge_applied(
    doc: &Automerge,
    attempts: Option<&automerge::ObjId>,
    shape: ChangeShape,
    data: &UnitData,
    author: &Author,
    now_ms: i64,
) -> Result<Attempt, RuleViolation> {
    let attempt_id = shape.attempt_id.as_str();
    let violation = |field: &str, rule: &str, message: String| {
        RuleViolation::new(attempt_id, field, rule, message)
    };
    let Some(attempts) = attempts else {
        return Err(violation(
            "attempts",
            "shape",
            "the attempt is not readable after the change".into(),
        ));
    };
    let read = match &shape.packed {
        Some(text) => unpack_attempt(attempt_id, text),
        None => read_attempt_in(doc, attempts, attempt_id),
    };
    let attempt = match read {
        Ok(a) => a,
        Err(e) => return Err(violation("attempts", "value_types", e.to_string())),
    };
    if attempt.supersedes.iter().any(|s| s == &attempt.id) {
        return Err(violation(
            "supersedes",
            "supersedes_exists",
            "an attempt cannot correct itself".into(),
        ));
    }
    let reference = DocUnit { data, doc };
    check_attempt(&attempt, &reference, author, now_ms)?;
    Ok(attempt)
}
