//! New people at the door on the server: the proposals waiting in the
//! campaign's results, and organizers' decisions on them
//! (`walkbook_core::newpeople`), each a locked edit of the campaign.

use chrono::Utc;
use walkbook_core::newpeople::{self, Decision, Proposal};

use crate::admin::{AdminError, Home, edit, publish_packets};
use crate::db::DbError;

/// Every person met at a door whose attempt counts, newest first, with the
/// decision on each.
pub fn proposals(home: &impl Home, campaign_id: &str) -> Result<Vec<Proposal>, AdminError> {
    let data = home.server_store()?.campaign(campaign_id)?;
    let units = home.results_store()?.unit_attempts(campaign_id)?;
    Ok(newpeople::proposals(&data, &units))
}

/// Decides on the person proposed by `attempt_id`. Accepting adds them to
/// the campaign at that door and republishes the packets holding it, so
/// they are in phones' lists after the next sync. Durable when it returns;
/// the person the answers belong to (none for a rejection).
pub fn decide(
    home: &impl Home,
    campaign_id: &str,
    attempt_id: &str,
    decision: &Decision,
    by: &str,
) -> Result<Option<String>, AdminError> {
    let proposal = proposals(home, campaign_id)?
        .into_iter()
        .find(|p| p.attempt.id == attempt_id)
        .ok_or_else(|| {
            AdminError::Invalid(
                newpeople::DecisionError::NotAProposal(attempt_id.to_string()).to_string(),
            )
        })?;
    let mut person = None;
    edit(home, campaign_id, &mut |data| {
        person = newpeople::decide(data, &proposal.attempt, decision, by, Utc::now())
            .map_err(|e| DbError::Invalid(e.to_string()))?;
        Ok(true)
    })?;
    if *decision == Decision::Accept {
        publish_packets(home, campaign_id)?;
    }
    Ok(person)
}
