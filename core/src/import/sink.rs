//! Where an import writes. The import reads the file a batch of rows at a
//! time and asks its sink only about those rows (is there a household at
//! this address? was this voter id already in the file?), so memory stays
//! bounded by the batch, not by the file or the campaign: the server's
//! stores answer from their tables, [`MemorySink`] from a campaign in
//! memory (tests, small tools).

use std::collections::{HashMap, HashSet};

use crate::model::{Household, Person, ReferenceData};

/// A store's refusal or failure while an import writes into it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SinkError(pub String);

/// One batch of rows, resolved: the households new in this batch (with the
/// normalised address key each was made for) and the people to store, each
/// with the line of the file it came from.
#[derive(Debug, Default)]
pub struct ImportBatch {
    pub households: Vec<(String, Household)>,
    pub people: Vec<(u64, Person)>,
}

/// A campaign's people and households as an import sees them.
pub trait VoterSink {
    /// For each normalised address key, the id of the household already at
    /// that address (stored before the import, or written earlier in it).
    fn households_at(&mut self, keys: &[&str]) -> Result<Vec<Option<String>>, SinkError>;
    /// For each voter id, the line of an earlier row of this import with
    /// that id.
    fn lines_seen(&mut self, ids: &[&str]) -> Result<Vec<Option<u64>>, SinkError>;
    /// Stores a batch: its households under their keys, its people by id
    /// (a person stored before is replaced, keeping their place), and
    /// remembers each person's line. Returns how many people replaced one
    /// stored before the import.
    fn write(&mut self, batch: ImportBatch) -> Result<u64, SinkError>;
}

/// A sink over a campaign held in memory.
pub struct MemorySink<'a> {
    data: &'a mut ReferenceData,
    by_key: HashMap<String, String>,
    household_ids: HashSet<String>,
    person_index: HashMap<String, usize>,
    seen: HashMap<String, u64>,
}

impl<'a> MemorySink<'a> {
    pub fn new(data: &'a mut ReferenceData) -> Self {
        let mut by_key = HashMap::new();
        for h in &data.households {
            by_key
                .entry(super::household_key(h))
                .or_insert_with(|| h.id.clone());
        }
        let household_ids = data.households.iter().map(|h| h.id.clone()).collect();
        let person_index = data
            .people
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id.clone(), i))
            .collect();
        MemorySink {
            data,
            by_key,
            household_ids,
            person_index,
            seen: HashMap::new(),
        }
    }
}

impl VoterSink for MemorySink<'_> {
    fn households_at(&mut self, keys: &[&str]) -> Result<Vec<Option<String>>, SinkError> {
        Ok(keys.iter().map(|k| self.by_key.get(*k).cloned()).collect())
    }

    fn lines_seen(&mut self, ids: &[&str]) -> Result<Vec<Option<u64>>, SinkError> {
        Ok(ids.iter().map(|id| self.seen.get(*id).copied()).collect())
    }

    fn write(&mut self, batch: ImportBatch) -> Result<u64, SinkError> {
        for (key, h) in batch.households {
            if !self.household_ids.insert(h.id.clone()) {
                return Err(SinkError(format!(
                    "household id {} is already used by another address",
                    h.id
                )));
            }
            self.by_key.insert(key, h.id.clone());
            self.data.households.push(h);
        }
        let mut replaced = 0;
        for (line, p) in batch.people {
            self.seen.insert(p.id.clone(), line);
            match self.person_index.get(&p.id) {
                Some(i) => {
                    self.data.people[*i] = p;
                    replaced += 1;
                }
                None => {
                    self.person_index
                        .insert(p.id.clone(), self.data.people.len());
                    self.data.people.push(p);
                }
            }
        }
        Ok(replaced)
    }
}
