//! A campaign's results as the dashboard reads them, loaded once per
//! results revision (`ResultsStore::results_revision`, which moves with
//! every write to any document, through any process) and campaign
//! revision; what each page computes from them is kept beside them until
//! either moves. Pages are then served from memory: the cost of a page is
//! paid once per change of the data, not once per request.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use walkbook_core::results::{Attempt, review};

use super::DashboardError;
use crate::http::{AppState, CampaignView};

pub struct Snapshot {
    results_revision: String,
    pub view: Arc<CampaignView>,
    /// Every results document with all its attempts.
    pub units: Vec<(String, Vec<Attempt>)>,
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
    /// its document id.
    pub fn counted(&self) -> Vec<(&str, &Attempt)> {
        self.units
            .iter()
            .flat_map(|(doc, attempts)| {
                review::live(attempts)
                    .into_iter()
                    .map(move |a| (doc.as_str(), a))
            })
            .collect()
    }
}

/// The campaign's current snapshot (blocking: call inside `blocking`).
pub fn snapshot(state: &AppState, campaign: &str) -> Result<Arc<Snapshot>, DashboardError> {
    let view = state
        .campaign_data(campaign)
        .map_err(DashboardError::internal)?;
    // The revision is read before the data: a write landing in between is
    // in the data, and the next request sees a new revision and reloads.
    let revision = state
        .results
        .results_revision(campaign)
        .map_err(DashboardError::internal)?;
    if let Some(s) = state
        .dashboard_cache
        .latest
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(campaign)
        && s.results_revision == revision
        && Arc::ptr_eq(&s.view, &view)
    {
        return Ok(s.clone());
    }
    let units = state
        .results
        .unit_attempts(campaign)
        .map_err(DashboardError::internal)?;
    let s = Arc::new(Snapshot {
        results_revision: revision,
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
