use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use std::collections::HashSet;

use walkbook_core::model::AssignmentKind;
use walkbook_core::results::rules::Author;
use walkbook_core::sync::*;

use super::{ApiError, AppState, CampaignView};
use crate::db::{Claim, Device, DocSync, InviteProblem, NewClaim};

/// Runs blocking store work off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(ApiError::internal)?
}

/// Liveness: the process answers.
pub async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") }))
}

/// Readiness, for a load balancer's health check: the process can reach
/// its stores (503 `unavailable` with the reason when it cannot, so the
/// balancer sends requests elsewhere).
pub async fn ready(State(state): State<Arc<AppState>>) -> Response {
    let checked = tokio::task::spawn_blocking(move || state.db.campaign_ids()).await;
    match checked {
        Ok(Ok(_)) => Json(serde_json::json!({ "status": "ready" })).into_response(),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "not ready");
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                format!("the server cannot reach its store: {e}"),
            )
            .into_response()
        }
        Err(e) => ApiError::internal(e).into_response(),
    }
}

/// The protocol as OpenAPI 3.1 (`docs/openapi.json`, prose in `docs/protocol.md`).
pub async fn openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        include_str!("../../../docs/openapi.json"),
    )
        .into_response()
}

fn bearer(headers: &HeaderMap) -> Result<String, ApiError> {
    let value = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    value
        .strip_prefix("Bearer ")
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "no_token",
                "sign in: join with an invite code first",
            )
        })
}

fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Device, ApiError> {
    let token = bearer(headers)?;
    let db = &state.db;
    let device = db
        .device_for_token(&token)
        .map_err(ApiError::fault)?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unknown_token",
                "this device is not signed in; join again with an invite code",
            )
        })?;
    if let Some(reason) = &device.revoked {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            ERROR_DEVICE_REVOKED,
            format!("this device was removed from the campaign: {reason}"),
        ));
    }
    // Last-seen bookkeeping on the reading connection, skipped (never
    // waited for) when the database is locked elsewhere.
    db.touch_device(&token).map_err(ApiError::fault)?;
    Ok(device)
}

/// A trainee (joined with a training invite) may download the training
/// packet and nothing else: no assignments, no sync, no claims.
fn not_trainee(device: &Device) -> Result<(), ApiError> {
    if device.role == Role::Trainee {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            ERROR_TRAINING_ONLY,
            "this phone joined with a training invite: it can practise with the training packet, but it has no assignments and its results never go to the campaign; ask your organizer for a volunteer invite",
        ));
    }
    Ok(())
}

fn assignments_for(
    state: &AppState,
    device: &Device,
) -> Result<(Arc<CampaignView>, Vec<AssignmentInfo>), ApiError> {
    let db = &state.db;
    let data = state
        .campaign_data(&device.campaign_id)
        .map_err(ApiError::fault)?;
    let mut out = Vec::new();
    if device.role == Role::Trainee {
        return Ok((data, out));
    }
    let now = Utc::now();
    for a in &data.data.assignments {
        if device.role == Role::Volunteer && a.volunteer_id != device.volunteer_id {
            continue;
        }
        // An expired assignment gets nothing but uploads (see `sync`).
        if a.expires_at <= now {
            continue;
        }
        let Some((version, _)) = db
            .packet_version(&device.campaign_id, &a.id)
            .map_err(ApiError::fault)?
        else {
            continue;
        };
        out.push(AssignmentInfo {
            assignment: a.clone(),
            packet_version: version,
            doc_id: a.unit_doc_id(),
        });
    }
    Ok((data, out))
}

/// The request body, or a clear JSON error when it is too large or cut off.
fn body_or_error(body: Result<Bytes, BytesRejection>, limit: usize) -> Result<Bytes, ApiError> {
    body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::too_large(limit)
        } else {
            ApiError::bad_request(format!("the request body could not be read: {e}"))
        }
    })
}

pub async fn join(
    State(state): State<Arc<AppState>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<JoinResponse>, ApiError> {
    let body = body_or_error(body, state.max_body_bytes)?;
    let req: JoinRequest = serde_json::from_slice(&body).map_err(|e| {
        ApiError::bad_request(format!(
            "a join request needs invite_code and device_id: {e}"
        ))
    })?;
    let code = req.invite_code.trim().to_ascii_uppercase();
    if code.is_empty() || code.len() > 64 {
        return Err(ApiError::bad_request(
            "the invite code is empty or too long; type it as printed",
        ));
    }
    blocking(move || {
        let token = crate::db::random_secret();
        let redeemed = state.db.redeem_invite(&code, &token, req.device_id.as_deref(), Utc::now()).map_err(ApiError::fault)?;
        let device = redeemed.map_err(|p| {
            let message = match p {
                InviteProblem::Unknown => "this invite code is not valid; check it or ask your organizer for a new one",
                InviteProblem::Used => "this invite code was already used; ask your organizer for a new one",
                InviteProblem::Expired => "this invite code has expired; ask your organizer for a new one",
            };
            ApiError::new(StatusCode::FORBIDDEN, "invite_rejected", message)
        })?;
        let (data, assignments) = assignments_for(&state, &device)?;
        tracing::info!(device = %device.device_id, volunteer = %device.volunteer_id, campaign = %device.campaign_id, "device joined");
        Ok(Json(JoinResponse {
            token,
            campaign_id: device.campaign_id.clone(),
            campaign_name: data.data.campaign.as_ref().map(|c| c.name.clone()).unwrap_or_default(),
            volunteer_id: device.volunteer_id,
            device_id: device.device_id,
            role: device.role,
            assignments,
        }))
    })
    .await
}

pub async fn assignments(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<Json<AssignmentsResponse>, ApiError> {
    blocking(move || {
        let device = authenticate(&state, &headers)?;
        let (_, assignments) = assignments_for(&state, &device)?;
        Ok(Json(AssignmentsResponse { assignments }))
    })
    .await
}

pub async fn packet(
    State(state): State<Arc<AppState>>,
    Path(assignment_id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    blocking(move || {
        let device = authenticate(&state, &headers)?;
        not_trainee(&device)?;
        let (data, assignments) = assignments_for(&state, &device)?;
        let Some(mine) = assignments.iter().find(|a| a.assignment.id == assignment_id) else {
            let expired = data.data.assignments.iter().find(|a| {
                a.id == assignment_id
                    && (device.role == Role::Organizer || a.volunteer_id == device.volunteer_id)
            });
            if let Some(a) = expired {
                return Err(ApiError::new(
                    StatusCode::GONE,
                    "assignment_expired",
                    format!(
                        "assignment {assignment_id} expired at {}; its data is no longer sent to phones (results recorded on it still upload)",
                        a.expires_at.to_rfc3339()
                    ),
                ));
            }
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("assignment {assignment_id} is not yours"),
            ));
        };
        let (version, bytes) = state.db
            .packet(&device.campaign_id, &assignment_id)
            .map_err(ApiError::fault)?
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::NOT_FOUND,
                    "not_found",
                    "the packet is not published yet",
                )
            })?;
        let etag = format!("\"v{version}\"");
        let unchanged = headers
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v == etag);
        if unchanged {
            return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response());
        }
        // The units a device was sent: it may upload to them later, after
        // they expire or are taken away. Written on a download (200), not
        // on every unchanged check (304).
        state.db
            .record_device_unit(&device.device_id, &mine.doc_id)
            .map_err(ApiError::fault)?;
        Ok((
            StatusCode::OK,
            [
                (header::ETAG, etag),
                (
                    header::CONTENT_TYPE,
                    "application/vnd.walkbook.packet".to_string(),
                ),
                (
                    header::HeaderName::from_static(PACKET_VERSION_HEADER),
                    version.to_string(),
                ),
            ],
            bytes,
        )
            .into_response())
    })
    .await
}

pub async fn sync(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body_or_error(body, state.max_body_bytes)?;
    blocking(move || {
        // Who first: an unauthenticated caller learns nothing about the format.
        let device = authenticate(&state, &headers)?;
        not_trainee(&device)?;
        let req: SyncRequest = serde_json::from_slice(&body)
            .map_err(|e| ApiError::bad_request(format!("the sync request is malformed: {e}")))?;
        // Practice results never count: refused by name, before anything
        // of the request is looked at or stored.
        if let Some(d) = req.docs.iter().find(|d| walkbook_core::practice::is_practice_unit(&d.doc_id)) {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ERROR_PRACTICE_RESULTS,
                format!("document {} holds practice results: they stay on the phone and never count; nothing of this request was stored, sync without it", d.doc_id),
            ));
        }
        if req.docs.len() > MAX_DOCS_PER_REQUEST {
            return Err(ApiError::bad_request(format!(
                "a sync request may carry at most {MAX_DOCS_PER_REQUEST} documents; send the rest in the next request"
            )));
        }
        let (data, assignments) = assignments_for(&state, &device)?;
        let results = &state.results;
        let campaign = device.campaign_id.as_str();
        let mut units = Vec::with_capacity(req.docs.len());
        // Documents of units this device held once (expired or taken
        // away): uploads are taken, nothing is sent back.
        let mut upload_only = HashSet::new();
        for d in &req.docs {
            if !assignments.iter().any(|a| a.doc_id == d.doc_id) {
                let held = state.db
                    .device_held_unit(&device.device_id, &d.doc_id)
                    .map_err(ApiError::fault)?
                    || results.has_synced(campaign, &d.doc_id, &device.device_id)?;
                if !held {
                    return Err(ApiError::new(
                        StatusCode::FORBIDDEN,
                        "forbidden",
                        format!("document {} is not part of your assignments", d.doc_id),
                    ));
                }
                upload_only.insert(d.doc_id.clone());
            }
            let unit = data.unit_data(&d.doc_id).ok_or_else(|| {
                ApiError::new(StatusCode::NOT_FOUND, "not_found", format!("document {} has no turf or call list", d.doc_id))
            })?;
            units.push(unit);
        }
        let author = Author {
            volunteer_id: device.volunteer_id.clone(),
            device_id: device.device_id.clone(),
            organizer: device.role == Role::Organizer,
        };
        let peer = device.device_id.as_str();
        let docs: Vec<DocSync<'_>> = req
            .docs
            .iter()
            .zip(&units)
            .map(|(d, unit)| DocSync {
                doc_id: &d.doc_id,
                message: d.message.as_deref(),
                unit,
                upload_only: upload_only.contains(&d.doc_id),
            })
            .collect();
        // Judged change by change; what is accepted is durable before we answer.
        let synced = results.sync_documents(campaign, &author, &docs, Utc::now().timestamp_millis())?;
        let mut refusals = Vec::new();
        let mut replies = Vec::with_capacity(synced.len());
        for s in synced {
            if s.new_changes > 0 {
                tracing::info!(device = peer, doc = %s.doc_id, changes = s.new_changes, attempts = s.new_attempts, "stored changes");
            }
            if let Some(r) = &s.refused {
                tracing::warn!(device = peer, doc = %s.doc_id, change = %r.change, attempt = %r.violation.attempt_id, field = %r.violation.field, rule = %r.violation.rule, "refused a change: {}", r.violation.message);
                refusals.push((s.doc_id.clone(), r.clone()));
            }
            replies.push(DocReply { doc_id: s.doc_id, message: s.message, persisted_heads: s.persisted_heads, refused: s.refused });
        }
        // What the rest of the campaign says about this device's people.
        let people = people_of(&data, &assignments);
        let suppressions = results
            .final_statuses_of(campaign, &people)?
            .into_iter()
            .map(|(person_id, kind)| Suppression { person_id, kind })
            .collect();
        let bad = results.wrong_number_refs_of(campaign, &people)?;
        let mut reply = SyncResponse { error: None, message: None, docs: replies, suppressions: Some(suppressions), bad_phone_refs: Some(bad) };
        if refusals.is_empty() {
            return Ok(Json(reply).into_response());
        }
        reply.error = Some(ERROR_RESULTS_REFUSED.to_string());
        reply.message = Some(
            refusals
                .iter()
                .map(|(doc, r)| format!("document {doc}: {}", r.violation))
                .collect::<Vec<_>>()
                .join("; "),
        );
        Ok((StatusCode::UNPROCESSABLE_ENTITY, Json(reply)).into_response())
    })
    .await
}

/// Everyone on the turfs and call lists of these assignments.
fn people_of(view: &CampaignView, assignments: &[AssignmentInfo]) -> HashSet<String> {
    assignments
        .iter()
        .filter_map(|a| view.people_by_unit.get(&a.doc_id))
        .flatten()
        .cloned()
        .collect()
}

/// Claims a batch of contacts from a shared call list for this device.
pub async fn claim(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<ClaimResponse>, ApiError> {
    let body = body_or_error(body, state.max_body_bytes)?;
    blocking(move || {
        let device = authenticate(&state, &headers)?;
        not_trainee(&device)?;
        let req: ClaimRequest = serde_json::from_slice(&body)
            .map_err(|e| ApiError::bad_request(format!("a claim needs list_id and size: {e}")))?;
        if req.size == 0 || req.size > MAX_CLAIM_SIZE {
            return Err(ApiError::bad_request(format!("claim between 1 and {MAX_CLAIM_SIZE} contacts at a time")));
        }
        let (data, assignments) = assignments_for(&state, &device)?;
        let mine = assignments
            .iter()
            .any(|a| a.assignment.kind == AssignmentKind::CallList && a.assignment.unit_id == req.list_id);
        if !mine {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                format!("call list {} is not assigned to you", req.list_id),
            ));
        }
        let list = data
            .data
            .call_lists
            .iter()
            .find(|l| l.id == req.list_id)
            .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "not_found", format!("call list {} does not exist", req.list_id)))?;
        let listed: HashSet<String> = list.person_ids.iter().cloned().collect();
        let mut excluded: HashSet<String> = state
            .results
            .final_statuses_of(&device.campaign_id, &listed)
            .map_err(ApiError::fault)?
            .into_iter()
            .map(|(p, _)| p)
            .collect();
        excluded.extend(data.data.people.iter().filter(|p| p.do_not_contact && listed.contains(&p.id)).map(|p| p.id.clone()));
        let Claim { claim_id, person_ids, expires_at_ms } = state.db
            .claim(&NewClaim {
                campaign_id: &device.campaign_id,
                list_id: &req.list_id,
                candidates: &list.person_ids,
                excluded: &excluded,
                size: req.size as usize,
                device: &device,
                now: Utc::now(),
                lease: state.claim_lease,
            })
            .map_err(ApiError::fault)?;
        tracing::info!(device = %device.device_id, list = %req.list_id, claimed = person_ids.len(), "claimed batch");
        Ok(Json(ClaimResponse { claim_id, list_id: req.list_id, person_ids, expires_at_ms }))
    })
    .await
}

/// Gives the uncalled contacts of a claim back to the pool.
pub async fn release(
    State(state): State<Arc<AppState>>,
    Path(claim_id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<ReleaseResponse>, ApiError> {
    blocking(move || {
        let device = authenticate(&state, &headers)?;
        not_trainee(&device)?;
        let released = state
            .db
            .release_claim(&claim_id, &device, Utc::now())
            .map_err(ApiError::fault)?;
        Ok(Json(ReleaseResponse {
            released: released as u32,
        }))
    })
    .await
}

/// The campaign's training packet: a sandbox turf of fictional doors worked
/// with the campaign's canvass script (`walkbook_core::practice`). Open to
/// every signed-in device, trainees included; built on each request (ten
/// doors), so it follows the current script.
pub async fn training(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    blocking(move || {
        let device = authenticate(&state, &headers)?;
        let view = state
            .campaign_data(&device.campaign_id)
            .map_err(ApiError::fault)?;
        let body = training_packet(&view.data, Utc::now())?;
        Ok((
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/vnd.walkbook.packet")],
            walkbook_core::packet::encode_packet(&body),
        )
            .into_response())
    })
    .await
}

/// The sandbox of a campaign: its first canvass script (newest version),
/// door result codes, centred on its first door with coordinates.
fn training_packet(
    data: &walkbook_core::model::ReferenceData,
    now: chrono::DateTime<Utc>,
) -> Result<walkbook_core::packet::PacketBody, ApiError> {
    use walkbook_core::model::ScriptKind;
    let no_training = |why: String| ApiError::new(StatusCode::NOT_FOUND, "no_training_packet", why);
    let campaign = data
        .campaign
        .clone()
        .ok_or_else(|| no_training("the campaign has no settings yet".into()))?;
    let first = data
        .scripts
        .iter()
        .find(|s| s.kind == ScriptKind::Canvass)
        .ok_or_else(|| {
            no_training("the campaign has no canvass script to practise with; an organizer adds one with admin add-script".into())
        })?;
    let script = data
        .scripts
        .iter()
        .filter(|s| s.id == first.id)
        .max_by_key(|s| s.version)
        .unwrap_or(first)
        .clone();
    let center = data.households.iter().find_map(|h| h.lat.zip(h.lon));
    let other_language = script.translations.keys().next().cloned();
    walkbook_core::practice::sandbox_packet(walkbook_core::practice::Sandbox {
        campaign,
        script,
        result_codes: data.result_codes.clone(),
        center,
        now,
        other_language: other_language.as_deref(),
    })
    .map_err(|e| no_training(format!("the training packet cannot be built: {e}")))
}

/// Turf near me: checks out the nearest free doors of a universe as a turf
/// of this volunteer's own (`crate::universes::check_out`).
pub async fn turf_near(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<TurfNearResponse>, ApiError> {
    let body = body_or_error(body, state.max_body_bytes)?;
    blocking(move || {
        let device = authenticate(&state, &headers)?;
        not_trainee(&device)?;
        let req: TurfNearRequest = serde_json::from_slice(&body).map_err(|e| {
            ApiError::bad_request(format!(
                "turf near me needs request_id, lat, lon and doors: {e}"
            ))
        })?;
        let id_ok = (8..=64).contains(&req.request_id.len())
            && req
                .request_id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !id_ok {
            return Err(ApiError::bad_request(
                "request_id must be 8 to 64 letters, digits or '-' (a UUID made once per request)",
            ));
        }
        let view = state
            .campaign_data(&device.campaign_id)
            .map_err(ApiError::fault)?;
        let universe = crate::universes::pick_universe(&view.data, req.universe_id.as_deref())
            .map_err(check_out_error)?
            .id
            .clone();
        let days = req
            .days
            .map(i64::from)
            .unwrap_or(crate::universes::DEFAULT_DAYS);
        let now = Utc::now();
        let made = crate::universes::check_out(
            state.as_ref(),
            &device.campaign_id,
            &walkbook_core::turfnear::CheckOutRequest {
                universe_id: &universe,
                volunteer_id: &device.volunteer_id,
                lat: req.lat,
                lon: req.lon,
                doors: req.doors as usize,
                days,
                now,
                checkout_id: &req.request_id.to_ascii_lowercase(),
            },
        )
        .map_err(admin_error)?;
        let c = made.check_out;
        tracing::info!(device = %device.device_id, volunteer = %device.volunteer_id, turf = %c.turf.id, doors = c.turf.household_ids.len(), "checked out a turf near me");
        Ok(Json(TurfNearResponse {
            doors: c.turf.household_ids.len() as u32,
            farthest_m: c.farthest_m,
            assignment: AssignmentInfo {
                doc_id: c.assignment.unit_doc_id(),
                assignment: c.assignment,
                packet_version: made.packet_version,
            },
        }))
    })
    .await
}

/// Ends a turf-near-me check-out; its un-knocked doors go back at once.
pub async fn turf_release(
    State(state): State<Arc<AppState>>,
    Path(assignment_id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<TurfReleaseResponse>, ApiError> {
    blocking(move || {
        let device = authenticate(&state, &headers)?;
        not_trainee(&device)?;
        let returned = crate::universes::release(
            state.as_ref(),
            &device.campaign_id,
            &assignment_id,
            &device.volunteer_id,
            Utc::now(),
        )
        .map_err(admin_error)?;
        tracing::info!(device = %device.device_id, assignment = %assignment_id, returned, "released a turf near me");
        Ok(Json(TurfReleaseResponse {
            returned: returned as u32,
        }))
    })
    .await
}

fn check_out_error(e: walkbook_core::turfnear::CheckOutError) -> ApiError {
    use walkbook_core::turfnear::CheckOutError as E;
    let message = e.to_string();
    match e {
        E::Invalid(_) => ApiError::bad_request(message),
        E::NoUniverse(_) => ApiError::new(StatusCode::NOT_FOUND, "not_found", message),
        E::NoDoorsLeft(_) => ApiError::new(StatusCode::CONFLICT, ERROR_NO_DOORS_LEFT, message),
        E::NotYours(_) => ApiError::new(StatusCode::FORBIDDEN, "forbidden", message),
    }
}

fn admin_error(e: crate::admin::AdminError) -> ApiError {
    use crate::admin::AdminError;
    use crate::db::DbError;
    match e {
        AdminError::Db(DbError::CheckOut(e)) => check_out_error(e),
        AdminError::Db(DbError::Invalid(m)) | AdminError::Invalid(m) => ApiError::bad_request(m),
        other => ApiError::fault(other),
    }
}
