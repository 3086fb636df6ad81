//! The results export in voter-file bulk-upload shape (formula-safe CSV).

use std::sync::Arc;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use walkbook_core::export::ExportShape;

use super::with_store;
use crate::dashboard::auth::Organizer;
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

async fn export_as(
    state: Arc<AppState>,
    org: Organizer,
    shape: ExportShape,
    suffix: &'static str,
) -> Result<Response, DashboardError> {
    let campaign = org.device.campaign_id;
    // The file name is the campaign id, reduced to characters no browser
    // or shell treats specially.
    let file: String = campaign
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    let out = blocking(move || {
        let mut out = Vec::new();
        with_store(&state, &campaign, |s| {
            walkbook_core::export::export_results_as(s, &mut out, shape)
        })?;
        Ok(out)
    })
    .await?;
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}-{suffix}.csv\""),
            ),
        ],
        out,
    )
        .into_response())
}

/// The OSDI-shaped JSON export (people, canvasses, answers) for other tools.
pub async fn export_osdi(
    State(state): State<Arc<AppState>>,
    org: Organizer,
) -> Result<Response, DashboardError> {
    let campaign = org.device.campaign_id;
    let file: String = campaign
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    let out = blocking(move || {
        let mut out = Vec::new();
        with_store(&state, &campaign, |s| {
            walkbook_core::export::export_osdi(s, &mut out)
        })?;
        Ok(out)
    })
    .await?;
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "application/hal+json".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}-osdi.json\""),
            ),
        ],
        out,
    )
        .into_response())
}
