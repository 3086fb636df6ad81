//! Printable one-time invites: the code, the join link and its QR code.

use std::sync::Arc;

use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::Response;
use serde::Deserialize;
use walkbook_core::sync::Role;

use super::campaign_view;
use crate::dashboard::auth::Organizer;
use crate::dashboard::views::{InviteFormPage, InvitePage, render};
use crate::dashboard::{DashboardError, blocking};
use crate::http::AppState;

pub async fn invite_form(
    State(state): State<Arc<AppState>>,
    org: Organizer,
) -> Result<Response, DashboardError> {
    let campaign = org.device.campaign_id.clone();
    let view = blocking(move || campaign_view(&state, &campaign)).await?;
    render(&InviteFormPage {
        title: "Invite a volunteer",
        csrf: org.csrf_token(),
        volunteers: view
            .data
            .volunteers
            .iter()
            .map(|v| (v.id.clone(), v.display_name.clone()))
            .collect(),
    })
}

#[derive(Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    volunteer: String,
    hours: i64,
    #[serde(default)]
    csrf: String,
    /// A training invite for a walk-in (`trainee` names them): the phone
    /// opens practice mode only.
    #[serde(default)]
    training: bool,
    #[serde(default)]
    trainee: String,
}

/// A printable invite: the code in large type, the join link, and a QR code
/// of the link that the app's scanner reads.
pub async fn create_invite(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    org: Organizer,
    Form(form): Form<InviteForm>,
) -> Result<Response, DashboardError> {
    org.check_form(&state, &form.csrf)?;
    let hours = form.hours.clamp(1, 720);
    // The public URL when configured; otherwise what the browser used.
    let server = match &state.public_url {
        Some(u) => u.clone(),
        None => {
            let host = headers
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .unwrap_or("127.0.0.1");
            format!("http://{host}")
        }
    };
    let campaign = org.device.campaign_id.clone();
    let (role, volunteer) = if form.training {
        (Role::Trainee, form.trainee.trim().to_string())
    } else {
        (Role::Volunteer, form.volunteer.clone())
    };
    let shown = volunteer.clone();
    let st = state.clone();
    let code = blocking(move || {
        crate::admin::create_invite(
            st.as_ref(),
            &campaign,
            &volunteer,
            role,
            chrono::Duration::hours(hours),
        )
        .map_err(|e| DashboardError::BadInput(e.to_string()))
    })
    .await?;
    let link = walkbook_core::sync::join_link(&server, &code);
    let qr_svg = qrcode::QrCode::new(link.as_bytes())
        .map(|c| {
            c.render::<qrcode::render::svg::Color>()
                .min_dimensions(240, 240)
                .build()
        })
        .unwrap_or_default();
    render(&InvitePage {
        title: "Join walkbook",
        training: form.training,
        volunteer: shown,
        hours,
        qr_svg,
        code,
        server,
        link,
    })
}
