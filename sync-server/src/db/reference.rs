//! A campaign's reference data as rows, one per item, for both homes: one
//! row per household, person, turf, call list, script (`id@version`),
//! result code (`channel:id`), volunteer and assignment, with its place in
//! the campaign's list. An update writes the rows that changed and deletes
//! the rows gone; nothing rewrites the whole campaign.

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use walkbook_core::model::{Campaign, ReferenceData, validate_reference_data};

use super::DbError;

/// The (kind, key) of rows an edit removed.
pub(crate) type Gone = Vec<(String, String)>;

/// A row to write: (kind, key, position, body).
pub(crate) type Placed<'a> = (&'static str, &'a str, i32, &'a Value);

/// Every row of a campaign, in list order per kind.
pub(crate) struct Rows(Vec<(&'static str, String, i32, Value)>);

pub(crate) fn json<T: Serialize>(item: &T) -> Value {
    serde_json::to_value(item).expect("reference data serialises")
}

impl Rows {
    /// What both homes check before storing a campaign: the reference data
    /// is valid and has its settings. The settings and the rows.
    pub(crate) fn checked(data: &ReferenceData) -> Result<(&Campaign, Self), DbError> {
        validate_reference_data(data).map_err(|e| DbError::Invalid(e.to_string()))?;
        walkbook_core::practice::check_no_practice_units(data)
            .map_err(|e| DbError::Invalid(e.to_string()))?;
        let c = data
            .campaign
            .as_ref()
            .ok_or_else(|| DbError::Invalid("the campaign file has no campaign settings".into()))?;
        Ok((c, Rows::of(data)?))
    }

    /// Keys are unique per kind: a duplicate is refused, as it could not be
    /// stored as a row of its own.
    fn of(data: &ReferenceData) -> Result<Self, DbError> {
        let mut rows = Vec::new();
        let mut positions: HashMap<&'static str, i32> = HashMap::new();
        let mut add = |kind: &'static str, key: String, body: Value| {
            let p = positions.entry(kind).or_default();
            rows.push((kind, key, *p, body));
            *p += 1;
        };
        for h in &data.households {
            add("household", h.id.clone(), json(h));
        }
        for p in &data.people {
            add("person", p.id.clone(), json(p));
        }
        for t in &data.turfs {
            add("turf", t.id.clone(), json(t));
        }
        for l in &data.call_lists {
            add("call_list", l.id.clone(), json(l));
        }
        for s in &data.scripts {
            add("script", format!("{}@{}", s.id, s.version), json(s));
        }
        for c in &data.result_codes {
            let channel = json(&c.channel);
            let channel = channel.as_str().unwrap_or_default();
            add("result_code", format!("{channel}:{}", c.id), json(c));
        }
        for v in &data.volunteers {
            add("volunteer", v.id.clone(), json(v));
        }
        for a in &data.assignments {
            add("assignment", a.id.clone(), json(a));
        }
        for u in &data.universes {
            add("universe", u.id.clone(), json(u));
        }
        for d in &data.new_people {
            add("new_person", d.attempt_id.clone(), json(d));
        }
        let mut seen = HashSet::new();
        for (kind, key, _, _) in &rows {
            if !seen.insert((*kind, key.as_str())) {
                return Err(DbError::Invalid(format!(
                    "the campaign has two {kind} entries with the id {key}; give each its own id"
                )));
            }
        }
        Ok(Rows(rows))
    }

    /// What an edit changed, without serialising or re-reading what it
    /// left alone: `after` is checked as [`Rows::checked`] does, then
    /// compared with `before` item by item (typed); the rows new, moved or
    /// changed, and the (kind, key) of rows gone.
    pub(crate) fn between<'a>(
        before: &ReferenceData,
        after: &'a ReferenceData,
    ) -> Result<(&'a Campaign, Self, Gone), DbError> {
        validate_reference_data(after).map_err(|e| DbError::Invalid(e.to_string()))?;
        walkbook_core::practice::check_no_practice_units(after)
            .map_err(|e| DbError::Invalid(e.to_string()))?;
        let c = after
            .campaign
            .as_ref()
            .ok_or_else(|| DbError::Invalid("the campaign file has no campaign settings".into()))?;
        let mut rows = Vec::new();
        let mut gone = Vec::new();
        let (b, a) = (before, after);
        diff(
            "household",
            &b.households,
            &a.households,
            |h| h.id.clone(),
            &mut rows,
            &mut gone,
        );
        diff(
            "person",
            &b.people,
            &a.people,
            |p| p.id.clone(),
            &mut rows,
            &mut gone,
        );
        diff(
            "turf",
            &b.turfs,
            &a.turfs,
            |t| t.id.clone(),
            &mut rows,
            &mut gone,
        );
        diff(
            "call_list",
            &b.call_lists,
            &a.call_lists,
            |l| l.id.clone(),
            &mut rows,
            &mut gone,
        );
        diff(
            "script",
            &b.scripts,
            &a.scripts,
            |s| format!("{}@{}", s.id, s.version),
            &mut rows,
            &mut gone,
        );
        diff(
            "result_code",
            &b.result_codes,
            &a.result_codes,
            |r| format!("{}:{}", r.channel.as_str(), r.id),
            &mut rows,
            &mut gone,
        );
        diff(
            "volunteer",
            &b.volunteers,
            &a.volunteers,
            |v| v.id.clone(),
            &mut rows,
            &mut gone,
        );
        diff(
            "assignment",
            &b.assignments,
            &a.assignments,
            |x| x.id.clone(),
            &mut rows,
            &mut gone,
        );
        diff(
            "universe",
            &b.universes,
            &a.universes,
            |u| u.id.clone(),
            &mut rows,
            &mut gone,
        );
        diff(
            "new_person",
            &b.new_people,
            &a.new_people,
            |d| d.attempt_id.clone(),
            &mut rows,
            &mut gone,
        );
        Ok((c, Rows(rows), gone))
    }

    pub(crate) fn all(&self) -> Vec<Placed<'_>> {
        self.0
            .iter()
            .map(|(kind, key, pos, body)| (*kind, key.as_str(), *pos, body))
            .collect()
    }

    /// What to write given what is stored ((kind, key) → (position,
    /// body)): the rows new or changed, and the (kind, key) of rows gone.
    pub(crate) fn changes(
        &self,
        mut stored: HashMap<(String, String), (i32, Value)>,
    ) -> (Vec<Placed<'_>>, Vec<(String, String)>) {
        let mut changed = Vec::new();
        for (kind, key, pos, body) in &self.0 {
            let same = stored
                .remove(&(kind.to_string(), key.clone()))
                .is_some_and(|(p, old)| p == *pos && &old == body);
            if !same {
                changed.push((*kind, key.as_str(), *pos, body));
            }
        }
        (changed, stored.into_keys().collect())
    }
}

fn parse<T: DeserializeOwned>(kind: &str, key: &str, text: &str) -> Result<T, DbError> {
    serde_json::from_str(text)
        .map_err(|e| DbError::Invalid(format!("stored {kind} {key} is unreadable: {e}")))
}

/// A stored row's body, parsed for comparison.
pub(crate) fn stored_body(campaign_id: &str, text: &str) -> Result<Value, DbError> {
    serde_json::from_str(text).map_err(|e| {
        DbError::Invalid(format!(
            "a stored reference row of {campaign_id} is unreadable: {e}"
        ))
    })
}

/// Builds a campaign back from its settings and its rows (read in kind,
/// position order).
pub(crate) struct Assemble {
    pub(crate) data: ReferenceData,
    id: String,
}

impl Assemble {
    pub(crate) fn new(id: &str, settings: &str) -> Result<Self, DbError> {
        Ok(Assemble {
            data: ReferenceData {
                campaign: Some(parse("campaign", id, settings)?),
                ..ReferenceData::default()
            },
            id: id.to_string(),
        })
    }

    pub(crate) fn push(&mut self, kind: &str, key: &str, body: &str) -> Result<(), DbError> {
        let d = &mut self.data;
        match kind {
            "household" => d.households.push(parse(kind, key, body)?),
            "person" => d.people.push(parse(kind, key, body)?),
            "turf" => d.turfs.push(parse(kind, key, body)?),
            "call_list" => d.call_lists.push(parse(kind, key, body)?),
            "script" => d.scripts.push(parse(kind, key, body)?),
            "result_code" => d.result_codes.push(parse(kind, key, body)?),
            "volunteer" => d.volunteers.push(parse(kind, key, body)?),
            "assignment" => d.assignments.push(parse(kind, key, body)?),
            "universe" => d.universes.push(parse(kind, key, body)?),
            "new_person" => d.new_people.push(parse(kind, key, body)?),
            other => {
                return Err(DbError::Invalid(format!(
                    "campaign {} has reference rows of an unknown kind {other:?}; run a newer walkbook-server",
                    self.id
                )));
            }
        }
        Ok(())
    }
}

/// One kind's rows that differ between two versions of a campaign (at a
/// new position, or with a new body), and the keys no longer there.
fn diff<T: PartialEq + Serialize>(
    kind: &'static str,
    before: &[T],
    after: &[T],
    key: impl Fn(&T) -> String,
    rows: &mut Vec<(&'static str, String, i32, Value)>,
    gone: &mut Vec<(String, String)>,
) {
    let mut old: HashMap<String, (usize, &T)> = before
        .iter()
        .enumerate()
        .map(|(i, t)| (key(t), (i, t)))
        .collect();
    for (i, t) in after.iter().enumerate() {
        let k = key(t);
        let same = old.remove(&k).is_some_and(|(j, u)| j == i && u == t);
        if !same {
            rows.push((kind, k, i as i32, json(t)));
        }
    }
    gone.extend(old.into_keys().map(|k| (kind.to_string(), k)));
}
