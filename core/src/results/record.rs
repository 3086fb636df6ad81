//! Recording an attempt: validate against the installed reference data,
//! then one automerge change and its index rows in one durable transaction.

use std::collections::BTreeMap;

use chrono::Utc;
use rusqlite::{OptionalExtension, params};

use super::document::{init_document, put_attempt};
use super::rules::{Author, ExistingAttempt, UnitReference, check_attempt};
use super::{Attempt, NewAttempt};
use crate::model::{
    Assignment, AssignmentKind, Channel, QuestionKind, ResultCode, ResultEffect, Script,
};
use crate::store::{DeviceStore, StoreError};

use super::rules::MAX_TEXT_ANSWER;

fn invalid<T>(problem: impl Into<String>) -> Result<T, StoreError> {
    Err(StoreError::InvalidAttempt(problem.into()))
}

impl DeviceStore {
    /// Records one attempt for an assignment. When this returns `Ok`, the
    /// attempt is on disk (`synchronous=FULL` commit): it survives the app
    /// being killed or the phone losing power. Bad input writes nothing.
    pub fn record_attempt(
        &mut self,
        assignment_id: &str,
        new: NewAttempt,
    ) -> Result<Attempt, StoreError> {
        let doc_id = self.assignment(assignment_id)?.assignment.unit_doc_id();
        if let Some(id) = &new.id
            && let Some(existing) = self.recorded_attempt(&doc_id, id)?
        {
            // Already recorded (a double tap, a retried call): nothing new.
            return Ok(existing);
        }
        let attempt = self.validate_attempt(assignment_id, new)?;
        let doc = self.document(&doc_id)?;
        let before = doc.get_heads();
        let written = (|| {
            init_document(doc, &doc_id)?;
            let genesis_new = doc.get_heads() != before;
            let change = put_attempt(doc, &attempt)?;
            Ok::<_, super::DocumentError>((genesis_new, change))
        })();
        let (genesis_new, change) = match written {
            Ok(w) => w,
            Err(source) => {
                self.docs.remove(&doc_id);
                return Err(StoreError::Document {
                    doc: doc_id,
                    source,
                });
            }
        };
        if genesis_new {
            self.persist(&doc_id, &before, std::slice::from_ref(&attempt))?;
        } else {
            self.persist_changes(&doc_id, &[change], std::slice::from_ref(&attempt))?;
        }
        // The attempt is durable; compaction is housekeeping and may fail
        // without losing anything.
        let _ = self.maybe_compact(&doc_id);
        Ok(attempt)
    }

    /// An attempt already in a document's index, by id.
    fn recorded_attempt(&self, doc_id: &str, id: &str) -> Result<Option<Attempt>, StoreError> {
        let body: Option<String> = self
            .conn
            .prepare_cached("SELECT body FROM attempts WHERE doc_id = ?1 AND id = ?2")?
            .query_row(params![doc_id, id], |r| r.get(0))
            .optional()?;
        body.map(|b| {
            crate::results::read_index_body(id, &b).map_err(|e| {
                StoreError::Corrupt(format!(
                    "results index for {doc_id}: attempt row unreadable ({e})"
                ))
            })
        })
        .transpose()
    }

    /// Records a correction: a new attempt that supersedes `replaces`.
    pub fn correct_attempt(
        &mut self,
        assignment_id: &str,
        replaces: &str,
        mut new: NewAttempt,
    ) -> Result<Attempt, StoreError> {
        if !new.supersedes.iter().any(|s| s == replaces) {
            new.supersedes.push(replaces.to_string());
        }
        self.record_attempt(assignment_id, new)
    }

    fn validate_attempt(
        &mut self,
        assignment_id: &str,
        new: NewAttempt,
    ) -> Result<Attempt, StoreError> {
        let installed = self.assignment(assignment_id)?;
        let a = &installed.assignment;
        let doc_id = a.unit_doc_id();
        let channel = match a.kind {
            AssignmentKind::Turf => Channel::Door,
            AssignmentKind::CallList => Channel::Phone,
        };
        if new.result.is_none() && new.answers.is_empty() && new.new_person.is_none() {
            return invalid(
                "an attempt needs a result code (such as not home) or at least one answer",
            );
        }
        if new.result.is_some() && !new.answers.is_empty() {
            return invalid(
                "an attempt has either a result code or answers, not both; record answers for a conversation, a result code otherwise",
            );
        }

        // Who: the person must be on this turf or call list.
        let household_id = match (&new.person_id, &new.household_id) {
            (Some(p), given) => {
                let home = self.unit_person_household(&a.id, a.kind, &a.unit_id, p)?;
                let Some(home) = home else {
                    return invalid(format!(
                        "person {p} is not on {} {}",
                        a.kind.as_str().replace('_', " "),
                        a.unit_id
                    ));
                };
                if let Some(h) = given
                    && h != &home
                {
                    return invalid(format!("person {p} lives in household {home}, not {h}"));
                }
                home
            }
            (None, Some(h)) => {
                if channel == Channel::Phone {
                    return invalid("a call result needs the person who was called");
                }
                let on_turf: bool = self.conn.prepare_cached("SELECT EXISTS (SELECT 1 FROM turf_doors WHERE assignment_id = ?1 AND turf_id = ?2 AND household_id = ?3)")?
            .query_row(
                    params![a.id, a.unit_id, h],
                    |r| r.get(0),
                )?;
                if !on_turf {
                    return invalid(format!("household {h} is not on turf {}", a.unit_id));
                }
                if !new.answers.is_empty() && new.new_person.is_none() {
                    return invalid("answers belong to a person; choose who answered");
                }
                h.clone()
            }
            (None, None) => {
                return invalid(
                    "an attempt needs the person (or, at a door, the household) it is about",
                );
            }
        };

        // What: a result code of this channel, or answers that fit the script.
        let codes = self.result_codes(&a.id)?;
        let effect = match &new.result {
            None => None,
            Some(code) => {
                let Some(rc) = codes.iter().find(|c| &c.id == code) else {
                    let known: Vec<&str> = codes.iter().map(|c| c.id.as_str()).collect();
                    return invalid(format!(
                        "result code {code:?} is not a {} result here; use one of: {}",
                        channel.as_str(),
                        known.join(", ")
                    ));
                };
                if rc.effect == ResultEffect::ComeBack && new.callback_at_ms.is_none() {
                    return invalid(format!("result {code:?} needs the time to come back"));
                }
                Some(rc.effect)
            }
        };
        let script = self.script(&a.script_id, new.script_version)?;
        let mut responses = BTreeMap::new();
        let mut text_answers = BTreeMap::new();
        for (qid, answer) in &new.answers {
            let Some(q) = script.question(qid) else {
                return invalid(format!(
                    "question {qid:?} is not in script {} v{}",
                    script.id, script.version
                ));
            };
            match q.kind {
                QuestionKind::Choice => {
                    if !q.options.iter().any(|o| &o.id == answer) {
                        let options: Vec<&str> = q.options.iter().map(|o| o.id.as_str()).collect();
                        return invalid(format!(
                            "{answer:?} is not an answer to question {qid}; choose one of: {}",
                            options.join(", ")
                        ));
                    }
                    responses.insert(qid.clone(), answer.clone());
                }
                QuestionKind::Text => {
                    let text = answer.trim();
                    if text.is_empty() {
                        continue;
                    }
                    if text.chars().count() > MAX_TEXT_ANSWER {
                        return invalid(format!(
                            "the answer to {qid} is longer than {MAX_TEXT_ANSWER} characters"
                        ));
                    }
                    text_answers.insert(qid.clone(), text.to_string());
                }
            }
        }
        if new.result.is_none()
            && responses.is_empty()
            && text_answers.is_empty()
            && new.new_person.is_none()
        {
            return invalid("every answer was empty; record a result code or at least one answer");
        }

        let at_ms = new.at_ms.unwrap_or_else(|| Utc::now().timestamp_millis());
        // Which number was dialled, as a ref: the one `number_to_dial` gives
        // for this person now. Never the number itself.
        let phone_ref = match (&channel, &new.person_id) {
            // The call list's own copy of the person: packets are cut to
            // their kind, and only call lists carry numbers.
            (Channel::Phone, Some(p)) => {
                self.number_for(&self.person_in(&a.id, p)?)?.map(|(_, r)| r)
            }
            _ => None,
        };

        let volunteer_id = match new.volunteer_id {
            Some(v) => v,
            None => self
                .meta("volunteer_id")?
                .unwrap_or_else(|| a.volunteer_id.clone()),
        };
        let attempt = Attempt {
            id: new
                .id
                .clone()
                .unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
            phone_ref,
            person_id: new.person_id,
            household_id,
            channel,
            result: new.result,
            effect,
            responses,
            text_answers,
            notes: new.notes,
            callback_at_ms: new.callback_at_ms,
            supersedes: new.supersedes,
            at_ms,
            duration_s: new.duration_s,
            volunteer_id,
            device_id: self.device_id().to_string(),
            lat: new.lat,
            lon: new.lon,
            accuracy_m: new.accuracy_m,
            script_id: script.id.clone(),
            script_version: script.version,
            new_person: new.new_person,
        };
        // The same rules the server applies to every attempt it receives.
        let author = Author {
            volunteer_id: attempt.volunteer_id.clone(),
            device_id: self.device_id().to_string(),
            organizer: self.meta("role")?.as_deref() == Some("organizer"),
        };
        let unit = InstalledUnit {
            store: self,
            assignment: a,
            channel,
            codes,
            looked_up: (attempt.person_id.clone(), attempt.household_id.clone()),
            script,
            doc_id: &doc_id,
        };
        check_attempt(&attempt, &unit, &author, Utc::now().timestamp_millis())
            .map_err(|v| StoreError::InvalidAttempt(v.message))?;
        Ok(attempt)
    }

    /// The household of a person on a turf or call list, if they are on it.
    fn unit_person_household(
        &self,
        assignment_id: &str,
        kind: AssignmentKind,
        unit_id: &str,
        person_id: &str,
    ) -> Result<Option<String>, StoreError> {
        let sql = match kind {
            AssignmentKind::Turf => {
                "SELECT p.household_id FROM people p
                 JOIN turf_doors d ON d.assignment_id = p.assignment_id AND d.household_id = p.household_id
                 WHERE p.assignment_id = ?1 AND d.turf_id = ?2 AND p.id = ?3"
            }
            AssignmentKind::CallList => {
                "SELECT p.household_id FROM people p
                 JOIN call_list_people c ON c.assignment_id = p.assignment_id AND c.person_id = p.id
                 WHERE p.assignment_id = ?1 AND c.list_id = ?2 AND p.id = ?3"
            }
        };
        Ok(self
            .conn
            .prepare_cached(sql)?
            .query_row(params![assignment_id, unit_id, person_id], |r| r.get(0))
            .optional()?)
    }
}

/// The rules' view of an installed assignment on the phone.
struct InstalledUnit<'a> {
    store: &'a DeviceStore,
    /// (person, household) just looked up for this attempt: on the unit,
    /// so the rules need not ask SQLite again.
    looked_up: (Option<String>, String),
    assignment: &'a Assignment,
    channel: Channel,
    codes: Vec<ResultCode>,
    script: Script,
    doc_id: &'a str,
}

impl UnitReference for InstalledUnit<'_> {
    fn channel(&self) -> Channel {
        self.channel
    }
    fn unit_label(&self) -> String {
        format!(
            "{} {}",
            self.assignment.kind.as_str().replace('_', " "),
            self.assignment.unit_id
        )
    }
    fn household_of(&self, person_id: &str) -> Option<String> {
        if self.looked_up.0.as_deref() == Some(person_id) {
            return Some(self.looked_up.1.clone());
        }
        self.store
            .unit_person_household(
                &self.assignment.id,
                self.assignment.kind,
                &self.assignment.unit_id,
                person_id,
            )
            .ok()
            .flatten()
    }
    fn has_household(&self, household_id: &str) -> bool {
        if self.looked_up.1 == household_id {
            return true;
        }
        self.store
            .conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM turf_doors WHERE assignment_id = ?1 AND turf_id = ?2 AND household_id = ?3)")
            .and_then(|mut st| {
                st.query_row(
                    params![self.assignment.id, self.assignment.unit_id, household_id],
                    |r| r.get(0),
                )
            })
            .unwrap_or(false)
    }
    fn result_effect(&self, code: &str) -> Option<ResultEffect> {
        self.codes
            .iter()
            .find(|c| c.id == code && c.channel == self.channel)
            .map(|c| c.effect)
    }
    fn script(&self, id: &str, version: u32) -> Option<&Script> {
        (self.script.id == id && self.script.version == version).then_some(&self.script)
    }
    fn existing_attempt(&self, id: &str) -> Option<ExistingAttempt> {
        self.store
            .conn
            .prepare_cached("SELECT person_id, household_id, volunteer_id, effect FROM attempts WHERE doc_id = ?1 AND id = ?2")
            .ok()?
            .query_row(
                params![self.doc_id, id],
                |r| {
                    Ok(ExistingAttempt {
                        person_id: r.get(0)?,
                        household_id: r.get(1)?,
                        volunteer_id: r.get(2)?,
                        effect: r
                            .get::<_, Option<String>>(3)?
                            .as_deref()
                            .and_then(ResultEffect::parse),
                    })
                },
            )
            .optional()
            .ok()
            .flatten()
    }
}
