//! Activity review: per volunteer and day (see `dashboard::review`), and
//! each shift's results, where an organizer rolls back what should not
//! count (or undoes a rollback).

use std::collections::HashSet;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use walkbook_core::results::Attempt;
use walkbook_core::results::review::{self, Standing};
use walkbook_core::results::rules::{Author, MAX_NOTES};

use super::{campaign_tz, with_results};
use crate::dashboard::auth::Organizer;
use crate::dashboard::review::{ReviewAction, review_attempts, shift};
use crate::dashboard::snapshot::{Units, snapshot};
use crate::dashboard::views::{ShiftPage, ShiftRow, VolunteerRow, VolunteersPage, render};
use crate::dashboard::{DashboardError, activity, blocking, flags, haversine_m};
use crate::db::ShiftReview;
use crate::http::AppState;

/// What a path segment or query value keeps as is: RFC 3986's unreserved
/// characters.
const UNRESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A path segment (or query value), percent-encoded.
pub(crate) fn path_segment(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, UNRESERVED).to_string()
}

/// The ids of attempts rolled back (and not undone), judged per document.
fn rolled_back(units: &Units) -> HashSet<&str> {
    units
        .iter()
        // Only a document with a review action has anything rolled back.
        .filter(|(_, attempts)| attempts.iter().any(review::is_review))
        .flat_map(|(_, attempts)| {
            review::standings(attempts)
                .into_iter()
                .filter(|(_, s)| matches!(s, Standing::RolledBack(_)))
                .map(|(id, _)| id)
        })
        .collect()
}

pub async fn volunteers(
    State(state): State<Arc<AppState>>,
    org: Organizer,
) -> Result<Response, DashboardError> {
    let campaign = org.device.campaign_id;
    let page = blocking(move || {
        let s = snapshot(&state, &campaign)?;
        let rows = s.memo("activity", |s| {
            let tz = campaign_tz(&s.view);
            let households = s.view.households_by_id();
            let attempts: Vec<&Attempt> = s.units.iter().flat_map(|(_, a)| a.iter()).collect();
            let flags = flags(&attempts, &households, tz);
            Ok(activity(
                &attempts,
                &rolled_back(&s.units),
                &households,
                &flags,
                tz,
            ))
        })?;
        // Acceptances are not results: read fresh on every request.
        let accepted = state
            .db
            .shift_reviews(&campaign)
            .map_err(DashboardError::internal)?;
        Ok(volunteers_page(&rows, &accepted))
    })
    .await?;
    render(&page)
}

fn volunteers_page(
    rows: &[crate::dashboard::ActivityRow],
    accepted: &[ShiftReview],
) -> VolunteersPage {
    VolunteersPage {
        title: "Activity review",
        rows: rows
            .iter()
            .map(|r| VolunteerRow {
                contact_percent: r.contact_rate_percent(),
                gaps: r
                    .gap_seconds
                    .map(|[q1, m, q3]| format!("{q1} / {m} / {q3}"))
                    .unwrap_or_else(|| "—".into()),
                distance: r
                    .median_distance_m
                    .map(|d| format!("{d:.0} m"))
                    .unwrap_or_else(|| "—".into()),
                link: format!(
                    "/dashboard/volunteers/{}/{}",
                    path_segment(&r.volunteer_id),
                    path_segment(&r.day)
                ),
                review: accepted
                    .iter()
                    .find(|a| a.volunteer_id == r.volunteer_id && a.day == r.day)
                    .map(|a| format!("accepted by {}", a.accepted_by))
                    .unwrap_or_else(|| "not yet".into()),
                volunteer: r.volunteer_id.clone(),
                day: r.day.clone(),
                attempts: r.attempts,
                rolled_back: r.rolled_back,
                doors: r.doors,
                conversations: r.conversations,
                first: r.first.clone(),
                last: r.last.clone(),
                flags: r.flags,
            })
            .collect(),
    }
}

#[derive(serde::Deserialize)]
pub struct ShiftQuery {
    /// What the last action did, shown once after the redirect.
    #[serde(default)]
    done: Option<String>,
}

/// One canvasser's shift: every result with where it stands, and the
/// form to roll results back or undo a rollback.
pub async fn shift_page(
    State(state): State<Arc<AppState>>,
    org: Organizer,
    Path((volunteer, day)): Path<(String, String)>,
    Query(q): Query<ShiftQuery>,
) -> Result<Response, DashboardError> {
    let campaign = org.device.campaign_id.clone();
    let (v, d) = (volunteer.clone(), day.clone());
    let (rows, accepted) = blocking(move || {
        let s = snapshot(&state, &campaign)?;
        let accepted = state
            .db
            .shift_reviews(&campaign)
            .map_err(DashboardError::internal)?
            .into_iter()
            .find(|a| a.volunteer_id == v && a.day == d);
        let tz = campaign_tz(&s.view);
        let households = s.view.households_by_id();
        let people: std::collections::HashMap<&str, &walkbook_core::model::Person> = s
            .view
            .data
            .people
            .iter()
            .map(|p| (p.id.as_str(), p))
            .collect();
        let rows: Vec<ShiftRow> = shift(&s.units, &v, &d, tz)
            .into_iter()
            .map(|s| {
                let a = s.attempt;
                let home = households.get(a.household_id.as_str());
                ShiftRow {
                    id: a.id.clone(),
                    time: chrono::DateTime::from_timestamp_millis(a.at_ms)
                        .map(|t| t.with_timezone(&tz).format("%H:%M:%S").to_string())
                        .unwrap_or_default(),
                    door: home
                        .map(|h| h.address_line())
                        .unwrap_or_else(|| a.household_id.clone()),
                    person: a
                        .person_id
                        .as_deref()
                        .map(|p| {
                            people
                                .get(p)
                                .map(|x| format!("{} {}", x.first_name, x.last_name))
                                .unwrap_or_else(|| p.to_string())
                        })
                        .unwrap_or_else(|| "whole household".into()),
                    what: describe(a),
                    distance: home
                        .and_then(|h| Some(haversine_m((a.lat?, a.lon?), (h.lat?, h.lon?))))
                        .map(|m| format!("{m:.0} m"))
                        .unwrap_or_else(|| "—".into()),
                    standing: match &s.standing {
                        Standing::Counts => "counts".into(),
                        Standing::Corrected => "corrected by a later result".into(),
                        Standing::RolledBack(r) => format!(
                            "rolled back by {} at {}: {}",
                            r.volunteer_id,
                            chrono::DateTime::from_timestamp_millis(r.at_ms)
                                .map(|t| t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string())
                                .unwrap_or_default(),
                            r.notes
                        ),
                        Standing::Review => "review action".into(),
                    },
                    counts: s.standing == Standing::Counts,
                }
            })
            .collect();
        let accepted = accepted.map(|a| {
            format!(
                "Accepted by {} at {}{}",
                a.accepted_by,
                chrono::DateTime::from_timestamp_millis(a.at_ms)
                    .map(|t| t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string())
                    .unwrap_or_default(),
                if a.note.is_empty() {
                    String::new()
                } else {
                    format!(": {}", a.note)
                }
            )
        });
        Ok((rows, accepted))
    })
    .await?;
    if rows.is_empty() {
        return Err(DashboardError::NotFound(format!(
            "{volunteer} recorded no results on {day}"
        )));
    }
    render(&ShiftPage {
        title: format!("{volunteer} on {day}"),
        csrf: org.csrf_token(),
        action: format!(
            "/dashboard/volunteers/{}/{}",
            path_segment(&volunteer),
            path_segment(&day)
        ),
        counting: rows.iter().filter(|r| r.counts).count(),
        accepted,
        done: q.done.filter(|d| d.len() < 200),
        rows,
    })
}

/// What a result says, in a few words.
fn describe(a: &Attempt) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(r) = &a.result {
        parts.push(r.replace('_', " "));
    }
    parts.extend(a.responses.iter().map(|(q, v)| format!("{q}: {v}")));
    parts.extend(a.text_answers.iter().map(|(q, v)| format!("{q}: “{v}”")));
    if !a.notes.is_empty() {
        parts.push(format!("note: “{}”", a.notes));
    }
    parts.join("; ")
}

/// The shift form, read by hand: `attempt` repeats.
/// What the shift form asks for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum FormAction {
    Results(ReviewAction),
    /// The day was looked at and stands as it is.
    Accept,
}

struct ReviewForm {
    csrf: String,
    action: Option<FormAction>,
    reason: String,
    all: bool,
    attempts: HashSet<String>,
}

fn read_form(body: &[u8]) -> ReviewForm {
    let mut f = ReviewForm {
        csrf: String::new(),
        action: None,
        reason: String::new(),
        all: false,
        attempts: HashSet::new(),
    };
    for (k, v) in form_urlencoded::parse(body) {
        match k.as_ref() {
            "csrf" => f.csrf = v.into_owned(),
            "action" => {
                f.action = match v.as_ref() {
                    "rollback" => Some(FormAction::Results(ReviewAction::Rollback)),
                    "undo" => Some(FormAction::Results(ReviewAction::Undo)),
                    "accept" => Some(FormAction::Accept),
                    _ => None,
                }
            }
            "reason" => f.reason = v.trim().to_string(),
            "all" => f.all = v == "1",
            "attempt" => {
                f.attempts.insert(v.into_owned());
            }
            _ => {}
        }
    }
    f
}

/// Rolls back (or undoes the rollback of) selected results of a shift, as
/// organizer attempts written into each result's document: durable when
/// the redirect is sent, on every phone after its next sync.
pub async fn review_shift(
    State(state): State<Arc<AppState>>,
    org: Organizer,
    Path((volunteer, day)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, DashboardError> {
    let form = read_form(&body);
    org.check_form(&state, &form.csrf)?;
    let action = match form.action {
        None => {
            return Err(DashboardError::BadInput(
                "choose Accept, Roll back or Undo rollback".into(),
            ));
        }
        Some(FormAction::Accept) => {
            return accept(state, org, volunteer, day, form.reason).await;
        }
        Some(FormAction::Results(a)) => a,
    };
    if form.reason.is_empty() || form.reason.chars().count() > MAX_NOTES {
        return Err(DashboardError::BadInput(format!(
            "give a reason (at most {MAX_NOTES} characters): it stays with the results for everyone who reviews them later"
        )));
    }
    if !form.all && form.attempts.is_empty() {
        return Err(DashboardError::BadInput(
            "select the results to act on, or tick “every result of this shift”".into(),
        ));
    }
    let organizer = Author {
        volunteer_id: org.device.volunteer_id.clone(),
        device_id: org.device.device_id.clone(),
        organizer: true,
    };
    let campaign = org.device.campaign_id.clone();
    let (v, d) = (volunteer.clone(), day.clone());
    let (written, skipped) = blocking(move || {
        let s = snapshot(&state, &campaign)?;
        let view = &s.view;
        let tz = campaign_tz(view);
        let shift = shift(&s.units, &v, &d, tz);
        let now = chrono::Utc::now().timestamp_millis();
        let selected = |id: &str| form.all || form.attempts.contains(id);
        let (by_doc, skipped) = review_attempts(
            &shift,
            &selected,
            action,
            &organizer,
            &form.reason,
            now,
            &mut || uuid::Uuid::new_v4().to_string(),
        );
        let mut written = 0;
        for (doc_id, attempts) in &by_doc {
            let unit = view.unit_data(doc_id).ok_or_else(|| {
                DashboardError::BadInput(format!(
                    "{doc_id} is no longer part of the campaign; its results cannot be reviewed here"
                ))
            })?;
            match with_results(&state, |r| {
                r.append_reviewed(&campaign, &organizer, doc_id, &unit, attempts, now)
            })? {
                Ok(n) => written += n,
                Err(v) => {
                    return Err(DashboardError::BadInput(format!(
                        "{written} written, then refused: {v}"
                    )));
                }
            }
        }
        Ok((written, skipped))
    })
    .await?;
    let did = match action {
        ReviewAction::Rollback => "rolled back",
        ReviewAction::Undo => "restored",
    };
    let mut done = format!("{written} results {did}");
    if skipped > 0 {
        done.push_str(&format!(
            "; {skipped} selected results were left as they were (nothing to {})",
            match action {
                ReviewAction::Rollback => "roll back",
                ReviewAction::Undo => "undo",
            }
        ));
    }
    let location = format!(
        "/dashboard/volunteers/{}/{}?done={}",
        path_segment(&volunteer),
        path_segment(&day),
        path_segment(&done)
    );
    Ok((StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response())
}

/// Records that the organizer accepted the shift as it is.
async fn accept(
    state: Arc<AppState>,
    org: Organizer,
    volunteer: String,
    day: String,
    note: String,
) -> Result<Response, DashboardError> {
    if note.chars().count() > MAX_NOTES {
        return Err(DashboardError::BadInput(format!(
            "the note is longer than {MAX_NOTES} characters"
        )));
    }
    let review = ShiftReview {
        campaign_id: org.device.campaign_id.clone(),
        volunteer_id: volunteer.clone(),
        day: day.clone(),
        accepted_by: org.device.volunteer_id.clone(),
        at_ms: chrono::Utc::now().timestamp_millis(),
        note,
    };
    blocking(move || {
        let s = snapshot(&state, &review.campaign_id)?;
        let tz = campaign_tz(&s.view);
        if shift(&s.units, &review.volunteer_id, &review.day, tz).is_empty() {
            return Err(DashboardError::NotFound(format!(
                "{} recorded no results on {}",
                review.volunteer_id, review.day
            )));
        }
        state
            .db
            .accept_shift(&review)
            .map_err(DashboardError::internal)
    })
    .await?;
    let location = format!(
        "/dashboard/volunteers/{}/{}?done={}",
        path_segment(&volunteer),
        path_segment(&day),
        path_segment("Shift accepted")
    );
    Ok((StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response())
}
