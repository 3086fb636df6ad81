//! Phone banking on the device: the call queue with campaign-wide
//! suppressions, wrong numbers and claims; "next call" within calling hours;
//! the number handed to the dialler only for the contact on screen.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, TimeZone, Utc};
use rusqlite::{OptionalExtension, params};

use super::queries::{
    CallQueueRow, PERSON_COLUMNS, person_from_row, prefixed, with_standing_request,
};
use super::{DeviceStore, StoreError};
use crate::calls::{CallWindow, call_window, dialable_phone, phone_ref, zone_for_postal_code};
use crate::model::{AssignmentKind, Person, Phone};
use crate::results::{NextCall, StatusSummary, next_call};

/// A batch of contacts this device claimed from a shared call list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedBatch {
    pub claim_id: String,
    pub list_id: String,
    pub person_ids: Vec<String>,
    pub expires_at_ms: i64,
}

/// An attempt `a` (of the `attempts` index) recording a wrong number that
/// still counts: no attempt of its document that still acts supersedes it
/// (`results::review::live`: undos and undone rollbacks do not act), so a
/// corrected or rolled-back "wrong number" gives the number back.
const WRONG_NUMBER_THAT_COUNTS: &str = "a.effect = 'wrong_number' AND a.phone_ref IS NOT NULL
    AND NOT EXISTS (
        SELECT 1 FROM attempts r, json_each(r.body, '$.supersedes') rs
        WHERE r.doc_id = a.doc_id AND rs.value = a.id
          AND r.effect IS NOT 'undo_rollback'
          AND NOT EXISTS (
              SELECT 1 FROM attempts u, json_each(u.body, '$.supersedes') us
              WHERE u.doc_id = r.doc_id AND u.effect = 'undo_rollback' AND us.value = r.id))";

impl DeviceStore {
    fn campaign_id(&self) -> Result<String, StoreError> {
        self.conn
            .prepare_cached("SELECT id FROM campaign LIMIT 1")?
            .query_row([], |r| r.get(0))
            .optional()?
            .ok_or_else(|| StoreError::not_found("campaign", "(none installed)"))
    }

    /// Numbers known to be wrong, as phone refs: from this device's own
    /// results that count (not corrected, not rolled back) and from the
    /// server (other lists, other devices).
    pub fn bad_phone_refs(&self) -> Result<HashSet<String>, StoreError> {
        let mut st = self.conn.prepare_cached(&format!(
            "SELECT phone_ref FROM attempts a WHERE {WRONG_NUMBER_THAT_COUNTS}
             UNION SELECT phone_ref FROM bad_numbers"
        ))?;
        let rows = st.query_map([], |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// A person's numbers that must not be dialled.
    pub(crate) fn unusable_numbers(
        &self,
        person: &Person,
        bad: &HashSet<String>,
    ) -> Result<HashSet<String>, StoreError> {
        let campaign = self.campaign_id()?;
        Ok(person
            .phones
            .iter()
            .filter(|p| bad.contains(&phone_ref(&campaign, &p.number)))
            .map(|p| p.number.clone())
            .collect())
    }

    /// The number to dial for a person right now, and its ref.
    pub(crate) fn number_for(
        &self,
        person: &Person,
    ) -> Result<Option<(Phone, String)>, StoreError> {
        let bad = self.bad_phone_refs()?;
        let unusable = self.unusable_numbers(person, &bad)?;
        let campaign = self.campaign_id()?;
        Ok(dialable_phone(person, &unusable).map(|p| (p.clone(), phone_ref(&campaign, &p.number))))
    }

    /// The final status each person of an assignment has anywhere else in
    /// the campaign (in another unit on this device, or reported by the
    /// server), in one query: a walk list or call queue asks for hundreds.
    /// Only people with such a status are in the map.
    pub(crate) fn statuses_elsewhere(
        &self,
        assignment_id: &str,
        doc_id: &str,
    ) -> Result<HashMap<String, StatusSummary>, StoreError> {
        // Driven by the statuses and suppressions, each joined to the
        // assignment by primary key: a phone's own other units first (in
        // document order), then what the server reported.
        let mut st = self.conn.prepare_cached(
            "SELECT ps.person_id, 0, ps.doc_id, ps.summary, NULL FROM person_status ps
               JOIN people p ON p.assignment_id = ?1 AND p.id = ps.person_id
               WHERE ps.doc_id <> ?2
                 AND ps.kind NOT IN ('not_attempted', 'not_home', 'come_back', 'wrong_number', 'conflict')
             UNION ALL
             SELECT s.person_id, 1, NULL, NULL, s.kind FROM suppressions s
               JOIN people p ON p.assignment_id = ?1 AND p.id = s.person_id
             ORDER BY 1, 2, 3",
        )?;
        let mut out = HashMap::new();
        let rows = st.query_map(params![assignment_id, doc_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, Option<String>>(4)?,
            ))
        })?;
        for row in rows {
            let (person_id, local, suppressed) = row?;
            if out.contains_key(&person_id) {
                continue;
            }
            let status = match (local, suppressed) {
                (Some(text), _) => Some(
                    serde_json::from_str(&text)
                        .map_err(|e| StoreError::Corrupt(format!("status of {person_id}: {e}")))?,
                ),
                (None, Some(kind)) => StatusSummary::reported_final(&kind),
                (None, None) => None,
            };
            if let Some(status) = status {
                out.insert(person_id, status);
            }
        }
        Ok(out)
    }
}

/// The person's status on one unit, with a do-not-contact flag and
/// campaign-wide finals on top (`elsewhere`: on a phone from
/// `DeviceStore::statuses_elsewhere`, on the server from the campaign's
/// final statuses).
pub fn campaign_wide_from(
    person_id: &str,
    do_not_contact: bool,
    own: StatusSummary,
    elsewhere: &HashMap<String, StatusSummary>,
) -> StatusSummary {
    let own = with_standing_request(do_not_contact, own);
    if own.status.is_final() {
        return own;
    }
    elsewhere.get(person_id).cloned().unwrap_or(own)
}

impl DeviceStore {
    /// Replaces what the server said about the rest of the campaign.
    pub fn replace_suppressions(
        &mut self,
        people: &[(String, String)],
        bad_refs: &[String],
    ) -> Result<(), StoreError> {
        self.relaxed(|tx| write_suppressions(tx, people, bad_refs))
    }

    /// Keeps a batch claimed on the server; the call queue of a list with
    /// claims shows only the claimed contacts.
    pub fn set_claim(&mut self, batch: &ClaimedBatch) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        tx.prepare_cached("DELETE FROM claims WHERE claim_id = ?1")?
            .execute([&batch.claim_id])?;
        for p in &batch.person_ids {
            tx.prepare_cached("INSERT OR REPLACE INTO claims (claim_id, list_id, person_id, expires_at_ms) VALUES (?1, ?2, ?3, ?4)")?
            .execute(
                params![batch.claim_id, batch.list_id, p, batch.expires_at_ms],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    pub fn drop_claim(&mut self, claim_id: &str) -> Result<(), StoreError> {
        self.conn
            .prepare_cached("DELETE FROM claims WHERE claim_id = ?1")?
            .execute([claim_id])?;
        Ok(())
    }

    /// The call list's name, as the organizer wrote it.
    pub fn call_list_name(&self, list_id: &str) -> Result<String, StoreError> {
        self.conn
            .prepare_cached("SELECT name FROM call_lists WHERE id = ?1 LIMIT 1")?
            .query_row([list_id], |r| r.get(0))
            .optional()?
            .ok_or_else(|| StoreError::not_found("call list", list_id))
    }

    /// The call list's people in list order, each with the number to dial
    /// and their status; people barred from calls or without a usable number
    /// are left out. On a list with claims, only the claimed contacts.
    pub fn call_queue(&self, list_id: &str) -> Result<Vec<CallQueueRow>, StoreError> {
        let aid = self.assignment_for_unit(AssignmentKind::CallList, list_id)?;
        let doc_id = format!("calls:{list_id}");
        let campaign = self
            .campaign()?
            .ok_or_else(|| StoreError::not_found("campaign", "(none installed)"))?;
        let fallback: chrono_tz::Tz = campaign.time_zone.parse().unwrap_or(chrono_tz::UTC);
        let bad = self.bad_phone_refs()?;
        let own_status = self.status_map::<StatusSummary>("person_status", "person_id", &doc_id)?;
        let elsewhere = self.statuses_elsewhere(&aid, &doc_id)?;
        let claims: HashMap<String, i64> = {
            let mut st = self
                .conn
                .prepare_cached("SELECT person_id, expires_at_ms FROM claims WHERE list_id = ?1")?;
            let rows = st.query_map([list_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<Result<_, _>>()?
        };
        let postal: HashMap<String, String> = {
            let mut st = self.conn.prepare_cached(
                "SELECT id, postal_code FROM households WHERE assignment_id = ?1",
            )?;
            let rows = st.query_map([&aid], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<Result<_, _>>()?
        };
        let mut st = self.conn.prepare_cached(&format!(
            "SELECT c.position, {} FROM call_list_people c
             JOIN people p ON p.assignment_id = c.assignment_id AND p.id = c.person_id
             WHERE c.assignment_id = ?1 AND c.list_id = ?2 ORDER BY c.position",
            prefixed("p", PERSON_COLUMNS)
        ))?;
        let mut out = Vec::new();
        for row in st.query_map(params![aid, list_id], |r| {
            let position: i64 = r.get(0)?;
            Ok((position as u32, person_from_row(r, 1)?))
        })? {
            let (position, person) = row?;
            if person.do_not_contact || (!claims.is_empty() && !claims.contains_key(&person.id)) {
                continue;
            }
            let unusable = self.unusable_numbers(&person, &bad)?;
            let Some(phone) = dialable_phone(&person, &unusable).cloned() else {
                continue;
            };
            let own = own_status
                .get(&person.id)
                .cloned()
                .unwrap_or_else(StatusSummary::not_attempted);
            let status = campaign_wide_from(&person.id, person.do_not_contact, own, &elsewhere);
            let time_zone = postal
                .get(&person.household_id)
                .and_then(|z| zone_for_postal_code(z))
                .unwrap_or(fallback);
            let claim_expires_at_ms = claims.get(&person.id).copied();
            out.push(CallQueueRow {
                position,
                person,
                phone,
                status,
                time_zone,
                claim_expires_at_ms,
            });
        }
        Ok(out)
    }

    /// Who to call next on a list at `now`, within the contact's calling
    /// hours, or when the next call becomes possible.
    pub fn next_call(
        &self,
        list_id: &str,
        now: DateTime<Utc>,
    ) -> Result<(NextCall, Vec<CallQueueRow>), StoreError> {
        let hours = self
            .campaign()?
            .map(|c| c.calling_hours)
            .unwrap_or_default();
        let rows = self.call_queue(list_id)?;
        Ok((next_call(&rows, now, hours), rows))
    }

    /// The number to dial for the contact on screen. Refused outside the
    /// contact's calling hours (with when they can next be called), for
    /// someone not in the queue, or for someone already finished.
    pub fn number_to_dial(
        &self,
        list_id: &str,
        person_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Phone, StoreError> {
        let hours = self
            .campaign()?
            .map(|c| c.calling_hours)
            .unwrap_or_default();
        let rows = self.call_queue(list_id)?;
        let Some(row) = rows.iter().find(|r| r.person.id == person_id) else {
            return Err(StoreError::InvalidAttempt(format!(
                "{person_id} is not on your queue for {list_id} (not claimed, barred from calls, or no usable number)"
            )));
        };
        if row.status.status.is_final() {
            return Err(StoreError::InvalidAttempt(format!(
                "{person_id} is already finished ({}); do not call again",
                row.status.status.kind()
            )));
        }
        match call_window(now, row.time_zone, hours) {
            CallWindow::Open { .. } => Ok(row.phone.clone()),
            CallWindow::Closed { opens_at } => Err(StoreError::OutsideCallingHours {
                person: person_id.to_string(),
                opens_at,
                local: row
                    .time_zone
                    .from_utc_datetime(&opens_at.naive_utc())
                    .format("%a %H:%M %Z")
                    .to_string(),
            }),
        }
    }
}

impl DeviceStore {
    /// For the server: the final statuses, anywhere in the campaign, of the
    /// given people (what a device must not call or knock again), sorted
    /// by person. One statement that looks each person up in the index:
    /// the cost follows the device's own lists, not the campaign's size.
    pub fn final_statuses_of(
        &self,
        people: &HashSet<String>,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let wanted = serde_json::to_string(people).expect("strings serialise");
        let mut st = self.conn.prepare_cached(
            "SELECT s.person_id, s.kind FROM json_each(?1) AS j
             CROSS JOIN person_status AS s ON s.person_id = j.value
             WHERE s.kind IN ('do_not_contact', 'contacted', 'refused', 'moved', 'deceased')
             ORDER BY s.person_id, CASE s.kind WHEN 'do_not_contact' THEN 0 ELSE 1 END, s.doc_id",
        )?;
        let mut out: Vec<(String, String)> = Vec::new();
        for row in st.query_map([wanted], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })? {
            let (p, kind) = row?;
            // The first row of each person wins: do-not-contact first.
            if out.last().is_none_or(|(last, _)| *last != p) {
                out.push((p, kind));
            }
        }
        Ok(out)
    }

    /// For the server: refs of numbers recorded as wrong for the given people.
    pub fn wrong_number_refs_of(
        &self,
        people: &HashSet<String>,
    ) -> Result<Vec<String>, StoreError> {
        let mut st = self.conn.prepare_cached(&format!(
            "SELECT DISTINCT person_id, phone_ref FROM attempts a WHERE {WRONG_NUMBER_THAT_COUNTS}"
        ))?;
        let rows = st.query_map([], |r| {
            Ok((r.get::<_, Option<String>>(0)?, r.get::<_, String>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (p, r) = row?;
            if p.is_some_and(|p| people.contains(&p)) {
                out.push(r);
            }
        }
        out.sort();
        out.dedup();
        Ok(out)
    }
}

pub(crate) fn write_suppressions(
    tx: &rusqlite::Transaction<'_>,
    people: &[(String, String)],
    bad_refs: &[String],
) -> Result<(), StoreError> {
    tx.prepare_cached("DELETE FROM suppressions")?.execute([])?;
    tx.prepare_cached("DELETE FROM bad_numbers")?.execute([])?;
    for (person, kind) in people {
        tx.prepare_cached("INSERT OR REPLACE INTO suppressions (person_id, kind) VALUES (?1, ?2)")?
            .execute(params![person, kind])?;
    }
    for r in bad_refs {
        tx.prepare_cached("INSERT OR IGNORE INTO bad_numbers (phone_ref) VALUES (?1)")?
            .execute([r])?;
    }
    Ok(())
}
