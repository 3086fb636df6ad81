//! Post-mortem metrics (see `dashboard::metrics`): charts and tables by
//! turf or call list, volunteer, script version, day and hour of day.

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;

use super::campaign_tz;
use crate::dashboard::auth::Organizer;
use crate::dashboard::metrics::{Dimension, Metrics, bar_chart_svg, metrics as compute};
use crate::dashboard::snapshot::{Snapshot, snapshot};
use crate::dashboard::views::{Chart, MetricsPage, MetricsTable, render};
use crate::dashboard::{DashboardError, blocking};
use crate::http::AppState;

/// The metrics of a snapshot's counted attempts (once per revision).
pub(super) fn campaign_metrics(s: &Snapshot) -> Result<Arc<Metrics>, DashboardError> {
    s.memo("metrics", |s| {
        Ok(compute(&s.counted(), campaign_tz(&s.view)))
    })
}

pub async fn metrics(
    State(state): State<Arc<AppState>>,
    org: Organizer,
) -> Result<Response, DashboardError> {
    let campaign = org.device.campaign_id;
    let page = blocking(move || {
        let s = snapshot(&state, &campaign)?;
        let m = campaign_metrics(&s)?;
        s.memo("metrics page", |_| Ok(page(&m)))
    })
    .await?;
    render(&*page)
}

fn page(m: &Metrics) -> MetricsPage {
    let rows = |d: Dimension| m.by.get(&d).map(Vec::as_slice).unwrap_or_default();
    let bars = |d: Dimension, f: fn(&crate::dashboard::MetricRow) -> u64| -> Vec<(String, u64)> {
        rows(d).iter().map(|r| (r.key.clone(), f(r))).collect()
    };
    MetricsPage {
        title: "Metrics",
        total: m.total.clone(),
        charts: [
            (
                "Attempts by hour of day",
                bars(Dimension::Hour, |r| r.attempts),
            ),
            (
                "Conversations by hour of day",
                bars(Dimension::Hour, |r| r.contacts),
            ),
            (
                "Support ID given (1 strong support … 5 strong opposition)",
                (1..=5)
                    .map(|k| (k.to_string(), m.total.support[k - 1]))
                    .collect::<Vec<_>>(),
            ),
            ("Attempts by day", bars(Dimension::Day, |r| r.attempts)),
        ]
        .into_iter()
        .map(|(title, bars)| Chart {
            title,
            svg: bar_chart_svg(title, &bars),
        })
        .collect(),
        tables: Dimension::ALL
            .iter()
            .map(|d| MetricsTable {
                id: d.id(),
                title: d.heading(),
                rows: rows(*d).to_vec(),
            })
            .collect(),
    }
}
