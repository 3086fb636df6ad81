//! A campaign's results as the dashboard reads them, kept per document
//! revision (`ResultsStore::document_revisions`, which move with every
//! write to a document, through any process): when some documents change,
//! only those are read again. What each page computes from the results is
//! kept beside them until a document or the campaign's reference data
//! changes. Pages are then served from memory: the cost of a page is paid
//! once per change of the data, not once per request.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use walkbook_core::results::{Attempt, review};

use super::DashboardError;
use crate::http::{AppState, CampaignView};

/// Results documents with all their attempts, by document id.
pub type Units = [(String, Arc<Vec<Attempt>>)];

pub struct Snapshot {
    /// (document id, revision) of every document, in id order.
    revisions: Vec<(String, String)>,
    pub view: Arc<CampaignView>,
    /// Every results document that has attempts, with all of them.
    pub units: Vec<(String, Arc<Vec<Attempt>>)>,
    memo: Mutex<HashMap<&'static str, Arc<dyn Any + Send + Sync>>>,
}

/// The latest snapshot per campaign.
#[derive(Default)]
pub struct SnapshotCache {
    latest: Mutex<HashMap<String, Arc<Snapshot>>>,
}

impl Snapshot {
    /// What `compute` makes from this snapshot, computed once and kept
    /// under `key` (one type per key).
    pub fn memo<T: Any + Send + Sync>(
        &self,
        key: &'static str,
        compute: impl FnOnce(&Snapshot) -> Result<T, DashboardError>,
    ) -> Result<Arc<T>, DashboardError> {
        if let Some(v) = self.memo.lock().unwrap_or_else(|p| p.into_inner()).get(key)
            && let Ok(v) = v.clone().downcast::<T>()
        {
            return Ok(v);
        }
        let v = Arc::new(compute(self)?);
        self.memo
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key, v.clone());
        Ok(v)
    }

    /// The attempts that count (`review::live`, per document), each with
    /// its document id. Judged once per snapshot, whichever page asks.
    pub fn counted(&self) -> Vec<(&str, &Attempt)> {
        let places = self
            .memo("counted", |s| {
                Ok(s.units
                    .iter()
                    .enumerate()
                    .flat_map(|(u, (_, attempts))| {
                        // `live` keeps its input's order: walk both together.
                        let mut live = review::live(attempts.iter()).into_iter().peekable();
                        attempts
                            .iter()
                            .enumerate()
                            .filter(move |(_, a)| live.next_if(|l| std::ptr::eq(*l, *a)).is_some())
                            .map(move |(i, _)| (u, i))
                    })
                    .collect::<Vec<(usize, usize)>>())
            })
            .unwrap_or_default();
        places
            .iter()
            .map(|&(u, i)| (self.units[u].0.as_str(), &self.units[u].1[i]))
            .collect()
    }
}

/// The campaign's current snapshot (blocking: call inside `blocking`).
pub fn snapshot(state: &AppState, campaign: &str) -> Result<Arc<Snapshot>, DashboardError> {
    let view = state
        .campaign_data(campaign)
        .map_err(DashboardError::internal)?;
    // Revisions are read before the data: a write landing in between is in
    // the data, and the next request sees a new revision and reads again.
    let revisions = state
        .results
        .document_revisions(campaign)
        .map_err(DashboardError::internal)?;
    let previous = state
        .dashboard_cache
        .latest
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(campaign)
        .cloned();
    if let Some(s) = &previous
        && s.revisions == revisions
        && Arc::ptr_eq(&s.view, &view)
    {
        return Ok(s.clone());
    }
    // Documents unchanged since the previous snapshot keep their attempts.
    let old_revisions: HashMap<&str, &str> = previous
        .iter()
        .flat_map(|p| p.revisions.iter().map(|(d, r)| (d.as_str(), r.as_str())))
        .collect();
    let old_units: HashMap<&str, &Arc<Vec<Attempt>>> = previous
        .iter()
        .flat_map(|p| p.units.iter().map(|(d, a)| (d.as_str(), a)))
        .collect();
    let changed: Vec<String> = revisions
        .iter()
        .filter(|(d, r)| old_revisions.get(d.as_str()) != Some(&r.as_str()))
        .map(|(d, _)| d.clone())
        .collect();
    let mut fresh: HashMap<String, Vec<Attempt>> = state
        .results
        .attempts_of(campaign, &changed)
        .map_err(DashboardError::internal)?
        .into_iter()
        .collect();
    let units = revisions
        .iter()
        .filter_map(|(d, _)| match fresh.remove(d) {
            Some(attempts) => Some((d.clone(), Arc::new(attempts))),
            None if changed.contains(d) => None,
            None => old_units
                .get(d.as_str())
                .map(|a| (d.clone(), Arc::clone(a))),
        })
        .collect();
    let s = Arc::new(Snapshot {
        revisions,
        view,
        units,
        memo: Mutex::new(HashMap::new()),
    });
    state
        .dashboard_cache
        .latest
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(campaign.to_string(), s.clone());
    Ok(s)
}
