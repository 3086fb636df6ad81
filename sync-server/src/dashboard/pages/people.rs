//! New people at the door: the proposals waiting for an organizer, and the
//! form that accepts, merges or rejects each (`crate::people`).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use walkbook_core::newpeople::{Decision, Proposal};

use super::campaign_tz;
use super::volunteers::path_segment;
use crate::dashboard::auth::Organizer;
use crate::dashboard::views::{NewPeoplePage, NewPersonRow, render};
use crate::dashboard::{DashboardError, blocking};
use crate::http::AppState;

#[derive(serde::Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

pub async fn new_people(
    State(state): State<Arc<AppState>>,
    org: Organizer,
    Query(q): Query<DoneQuery>,
) -> Result<Response, DashboardError> {
    let campaign = org.device.campaign_id.clone();
    let (waiting, decided) = blocking(move || {
        let view = super::campaign_view(&state, &campaign)?;
        let proposals = crate::people::proposals(state.as_ref(), &campaign)
            .map_err(DashboardError::internal)?;
        let tz = campaign_tz(&view);
        let households = view.households_by_id();
        let row = |p: Proposal| {
            let a = p.attempt;
            let np = a.new_person.clone().expect("proposals have a new person");
            let mut residents: Vec<(String, String)> = view
                .data
                .people
                .iter()
                .filter(|x| x.household_id == a.household_id)
                .map(|x| (x.id.clone(), x.full_name()))
                .collect();
            residents.sort();
            NewPersonRow {
                attempt_id: a.id.clone(),
                when: chrono::DateTime::from_timestamp_millis(a.at_ms)
                    .map(|t| t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string())
                    .unwrap_or_default(),
                door: households
                    .get(a.household_id.as_str())
                    .map(|h| h.address_line())
                    .unwrap_or_else(|| a.household_id.clone()),
                name: format!("{} {}", np.first_name, np.last_name),
                born: np.birth_year.map(|y| y.to_string()).unwrap_or_default(),
                language: np.language.clone(),
                reason: np.reason.as_str().replace('_', " "),
                canvasser: a.volunteer_id.clone(),
                answers: a
                    .responses
                    .iter()
                    .map(|(q, v)| format!("{q}: {v}"))
                    .collect::<Vec<_>>()
                    .join("; "),
                decision: p.decision.map(|d| {
                    format!(
                        "{} by {}{}",
                        d.outcome.as_str(),
                        d.by,
                        d.person_id.map(|p| format!(" ({p})")).unwrap_or_default()
                    )
                }),
                residents,
            }
        };
        let (decided, waiting): (Vec<Proposal>, Vec<Proposal>) =
            proposals.into_iter().partition(|p| p.decision.is_some());
        Ok((
            waiting.into_iter().map(row).collect::<Vec<_>>(),
            decided.into_iter().map(row).collect::<Vec<_>>(),
        ))
    })
    .await?;
    render(&NewPeoplePage {
        title: "New people at the door".into(),
        csrf: org.csrf_token(),
        done: q.done.filter(|d| d.len() < 200),
        waiting,
        decided,
    })
}

/// Accepts, merges or rejects one proposal; PRG back to the list.
pub async fn decide_new_person(
    State(state): State<Arc<AppState>>,
    org: Organizer,
    Path(attempt_id): Path<String>,
    body: Bytes,
) -> Result<Response, DashboardError> {
    let mut csrf = String::new();
    let mut action = String::new();
    let mut person = String::new();
    for (k, v) in form_urlencoded::parse(&body) {
        match k.as_ref() {
            "csrf" => csrf = v.into_owned(),
            "action" => action = v.into_owned(),
            "person" => person = v.into_owned(),
            _ => {}
        }
    }
    org.check_form(&state, &csrf)?;
    let decision = match action.as_str() {
        "accept" => Decision::Accept,
        "merge" if !person.is_empty() => Decision::Merge { person_id: person },
        "merge" => {
            return Err(DashboardError::BadInput(
                "choose the listed person to merge into".into(),
            ));
        }
        "reject" => Decision::Reject,
        _ => {
            return Err(DashboardError::BadInput(
                "choose Accept, Merge or Reject".into(),
            ));
        }
    };
    let campaign = org.device.campaign_id.clone();
    let by = org.device.volunteer_id.clone();
    let said = match &decision {
        Decision::Accept => "Accepted: they are in the lists after the next sync",
        Decision::Merge { .. } => "Merged: their answers go to the listed person",
        Decision::Reject => "Rejected",
    };
    blocking(move || {
        crate::people::decide(state.as_ref(), &campaign, &attempt_id, &decision, &by).map_err(|e| {
            match e {
                crate::admin::AdminError::Invalid(m) => DashboardError::BadInput(m),
                other => DashboardError::internal(other),
            }
        })
    })
    .await?;
    let location = format!("/dashboard/people?done={}", path_segment(said));
    Ok((StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response())
}
