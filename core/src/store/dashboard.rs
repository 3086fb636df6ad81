//! Read-only questions an organizer asks of a campaign's store (on the
//! server, where every result document is synced).

use std::collections::BTreeMap;

use rusqlite::params;

use super::{DeviceStore, StoreError};
use crate::results::{Attempt, StatusSummary, read_index_body};

/// One person whose results disagree, with the attempts in question.
#[derive(Debug, Clone, PartialEq)]
pub struct ConflictRow {
    pub doc_id: String,
    pub person_id: String,
    pub attempts: Vec<Attempt>,
}

impl DeviceStore {
    /// Each results document's heads (its revision): a document's entry
    /// changes whenever it does, whoever wrote it, so the dashboard can
    /// keep what it read from the others.
    pub fn document_revisions(&self) -> Result<Vec<(String, String)>, StoreError> {
        let mut st = self
            .conn
            .prepare_cached("SELECT doc_id, heads FROM result_docs ORDER BY doc_id")?;
        let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The attempts of the given documents (those with none are left out).
    pub fn attempts_of_docs(
        &self,
        doc_ids: &[String],
    ) -> Result<Vec<(String, Vec<Attempt>)>, StoreError> {
        let mut st = self
            .conn
            .prepare_cached("SELECT id, body FROM attempts WHERE doc_id = ?1 ORDER BY id")?;
        let mut out = Vec::new();
        for d in doc_ids {
            let mut list = Vec::new();
            let rows = st.query_map([d], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })?;
            for row in rows {
                let (id, body) = row?;
                list.push(
                    read_index_body(&id, &body)
                        .map_err(|e| StoreError::Corrupt(format!("attempt row: {e}")))?,
                );
            }
            if !list.is_empty() {
                out.push((d.clone(), list));
            }
        }
        Ok(out)
    }

    /// Count of people per status kind, all documents together.
    pub fn status_counts(&self) -> Result<BTreeMap<String, u64>, StoreError> {
        let mut st = self
            .conn
            .prepare_cached("SELECT kind, count(*) FROM person_status GROUP BY kind")?;
        let rows = st.query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Answers given per question and option (people whose status is contacted).
    pub fn answer_tallies(&self) -> Result<BTreeMap<String, BTreeMap<String, u64>>, StoreError> {
        let mut st = self.conn.prepare_cached(
            "SELECT question_id, answer, count(*) FROM person_answers GROUP BY question_id, answer",
        )?;
        let mut out: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
        for row in st.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })? {
            let (q, a, n) = row?;
            out.entry(q).or_default().insert(a, n as u64);
        }
        Ok(out)
    }

    /// People with conflicting results, with the attempts that disagree.
    pub fn conflicts(&self) -> Result<Vec<ConflictRow>, StoreError> {
        let mut st = self.conn.prepare_cached(
            "SELECT doc_id, person_id, summary FROM person_status WHERE kind = 'conflict' ORDER BY doc_id, person_id",
        )?;
        let rows: Vec<(String, String, String)> = st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?;
        let mut get = self
            .conn
            .prepare_cached("SELECT body FROM attempts WHERE doc_id = ?1 AND id = ?2")?;
        let mut out = Vec::new();
        for (doc_id, person_id, summary) in rows {
            let summary: StatusSummary = serde_json::from_str(&summary)
                .map_err(|e| StoreError::Corrupt(format!("status of {person_id}: {e}")))?;
            let ids = match summary.status {
                crate::results::Status::Conflict { attempt_ids } => attempt_ids,
                _ => Vec::new(),
            };
            let mut attempts = Vec::new();
            for id in ids {
                let body: String = get.query_row(params![doc_id, id], |r| r.get(0))?;
                attempts.push(
                    read_index_body(&id, &body)
                        .map_err(|e| StoreError::Corrupt(format!("attempt {id}: {e}")))?,
                );
            }
            out.push(ConflictRow {
                doc_id,
                person_id,
                attempts,
            });
        }
        Ok(out)
    }
}

impl DeviceStore {
    /// Every attempt by results document (from the index), documents and
    /// attempts in id order.
    pub fn attempts_by_doc(&self) -> Result<Vec<(String, Vec<Attempt>)>, StoreError> {
        let mut st = self
            .conn
            .prepare_cached("SELECT doc_id, id, body FROM attempts ORDER BY doc_id, id")?;
        let rows = st.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        let mut out: Vec<(String, Vec<Attempt>)> = Vec::new();
        for row in rows {
            let (doc, id, body) = row?;
            let a: Attempt = read_index_body(&id, &body)
                .map_err(|e| StoreError::Corrupt(format!("attempt row: {e}")))?;
            match out.last_mut() {
                Some((d, list)) if *d == doc => list.push(a),
                _ => out.push((doc, vec![a])),
            }
        }
        Ok(out)
    }

    /// One document's derived statuses: per person and per household.
    #[allow(clippy::type_complexity)]
    pub fn unit_statuses(
        &self,
        doc_id: &str,
    ) -> Result<
        (
            std::collections::HashMap<String, StatusSummary>,
            std::collections::HashMap<String, crate::results::HouseholdSummary>,
        ),
        StoreError,
    > {
        Ok((
            self.status_map("person_status", "person_id", doc_id)?,
            self.status_map("household_status", "household_id", doc_id)?,
        ))
    }
}
