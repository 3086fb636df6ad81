//! Downloads: the results in voter-file bulk-upload shape and in full
//! (formula-safe CSV), OSDI-shaped JSON, and the post-mortem metrics.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use walkbook_core::export::{CampaignResults, ExportShape, export_results_as};

use super::{campaign_view, with_results};
use crate::dashboard::auth::Organizer;
use crate::dashboard::snapshot::snapshot;
use crate::dashboard::{DashboardError, blocking};
use crate::http::AppState;

pub async fn export(
    State(state): State<Arc<AppState>>,
    org: Organizer,
) -> Result<Response, DashboardError> {
    export_as(state, org, ExportShape::BulkUpload, "results").await
}

/// The bulk-upload columns plus notes and free-text answers.
pub async fn export_full(
    State(state): State<Arc<AppState>>,
    org: Organizer,
) -> Result<Response, DashboardError> {
    export_as(state, org, ExportShape::Full, "results-full").await
}

/// The file of one export: written on the blocking pool from the
/// campaign's store, sent as a download.
#[derive(Clone, Copy)]
enum Kind {
    Csv(ExportShape, &'static str),
    Osdi,
    /// People accepted from doors, as new voter-file records.
    NewRecords,
    Metrics,
}

/// The post-mortem metrics as CSV (`dashboard::metrics`).
pub async fn metrics_csv(
    State(state): State<Arc<AppState>>,
    org: Organizer,
) -> Result<Response, DashboardError> {
    download(state, org, Kind::Metrics).await
}

async fn export_as(
    state: Arc<AppState>,
    org: Organizer,
    shape: ExportShape,
    suffix: &'static str,
) -> Result<Response, DashboardError> {
    download(state, org, Kind::Csv(shape, suffix)).await
}

/// The people organizers accepted from doors, as new records
/// (`walkbook_core::export::export_new_records`).
pub async fn new_records(
    State(state): State<Arc<AppState>>,
    org: Organizer,
) -> Result<Response, DashboardError> {
    download(state, org, Kind::NewRecords).await
}

/// The OSDI-shaped JSON export (people, canvasses, answers) for other tools.
pub async fn export_osdi(
    State(state): State<Arc<AppState>>,
    org: Organizer,
) -> Result<Response, DashboardError> {
    download(state, org, Kind::Osdi).await
}

async fn download(
    state: Arc<AppState>,
    org: Organizer,
    kind: Kind,
) -> Result<Response, DashboardError> {
    let campaign = org.device.campaign_id;
    // The file name is the campaign id, reduced to characters no browser
    // or shell treats specially.
    let file: String = campaign
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    let out = blocking(move || {
        if let Kind::Metrics = kind {
            let s = snapshot(&state, &campaign)?;
            let m = super::metrics::campaign_metrics(&s)?;
            return crate::dashboard::metrics::metrics_csv(&m).map_err(DashboardError::internal);
        }
        let view = campaign_view(&state, &campaign)?;
        let units = with_results(&state, |r| r.unit_attempts(&campaign))?;
        if let Kind::NewRecords = kind {
            let mut out = Vec::new();
            walkbook_core::export::export_new_records(&view.data, &units, &mut out)
                .map_err(DashboardError::internal)?;
            return Ok(out);
        }
        let mut source = CampaignResults::new(&view.data, units);
        let mut out = Vec::new();
        match kind {
            Kind::Csv(shape, _) => export_results_as(&mut source, &mut out, shape).map(|_| ()),
            Kind::Osdi => walkbook_core::export::export_osdi(&mut source, &mut out).map(|_| ()),
            Kind::Metrics | Kind::NewRecords => unreachable!("answered above"),
        }
        .map_err(DashboardError::internal)?;
        Ok(out)
    })
    .await?;
    let (content_type, name) = match kind {
        Kind::Csv(_, suffix) => ("text/csv; charset=utf-8", format!("{file}-{suffix}.csv")),
        Kind::Osdi => ("application/hal+json", format!("{file}-osdi.json")),
        Kind::Metrics => ("text/csv; charset=utf-8", format!("{file}-metrics.csv")),
        Kind::NewRecords => ("text/csv; charset=utf-8", format!("{file}-new-people.csv")),
    };
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        out,
    )
        .into_response())
}
