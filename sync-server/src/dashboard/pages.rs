use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use walkbook_core::model::AssignmentKind;
use walkbook_core::results::Status;
use walkbook_core::store::DeviceStore;
use walkbook_core::sync::Role;

use super::flags::flags;
use crate::db::Device;
use crate::http::AppState;

/// The session cookie: `__Host-` (Secure, whole site) when the server's
/// public URL is https, a plain name otherwise (plain-HTTP loopback demos).
const COOKIE: &str = "wb_session";
const HOST_COOKIE: &str = "__Host-wb_session";

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t} · walkbook</title>\
         <meta name=\"viewport\" content=\"width=device-width\">\
         <style>body{{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem}}table{{border-collapse:collapse}}\
         td,th{{border:1px solid #999;padding:.25rem .5rem;text-align:left}}nav a{{margin-right:1rem}}\
         .done{{fill:#1b5e20}}.retry{{fill:#e08a00}}.none{{fill:#607d8b}}.stop{{fill:#b00020}}.problem{{fill:#6a1b9a}}</style>\
         <script src=\"/dashboard/app.js\" defer></script>\
         </head><body><nav><a href=\"/dashboard\">Overview</a><a href=\"/dashboard/volunteers\">Volunteers</a>\
         <a href=\"/dashboard/conflicts\">Conflicts</a><a href=\"/dashboard/export.csv\">Export CSV</a><a href=\"/dashboard/invites\">Invite</a>\
         <a href=\"/dashboard/logout\">Sign out</a></nav>\
         <h1>{t}</h1>{body}</body></html>",
        t = esc(title)
    ))
}

/// The dashboard's only script (live totals, the print button): served as
/// a file so the Content-Security-Policy allows no inline script at all.
pub async fn app_js() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        "document.addEventListener('DOMContentLoaded',()=>{\n\
         const p=document.getElementById('print');if(p){p.addEventListener('click',()=>window.print());}\n\
         if(document.getElementById('totals')){setInterval(async()=>{const r=await fetch('/dashboard/overview.json');\n\
         if(r.ok){const o=await r.json();document.getElementById('doors').textContent=o.doors_knocked;\n\
         document.getElementById('contacts').textContent=o.contacts;}},15000);}});\n",
    )
        .into_response()
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|b| b.trim().to_string())
}

fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|c| c.split(';'))
        .find_map(|kv| {
            let kv = kv.trim();
            kv.strip_prefix(&format!("{HOST_COOKIE}="))
                .or_else(|| kv.strip_prefix(&format!("{COOKIE}=")))
                .map(str::to_string)
        })
}

fn secure(state: &AppState) -> bool {
    state
        .public_url
        .as_deref()
        .is_some_and(|u| u.starts_with("https://"))
}

/// The `Set-Cookie` value for a session id (empty and expired to clear it).
fn session_cookie_header(state: &AppState, id: Option<&str>) -> String {
    let name = if secure(state) { HOST_COOKIE } else { COOKIE };
    let flags = if secure(state) {
        "HttpOnly; SameSite=Strict; Path=/; Secure"
    } else {
        "HttpOnly; SameSite=Strict; Path=/"
    };
    match id {
        Some(id) => format!(
            "{name}={id}; {flags}; Max-Age={}",
            state.session_absolute.num_seconds()
        ),
        None => format!("{name}=; {flags}; Max-Age=0"),
    }
}

/// The signed-in organizer. Signed in by session cookie (a browser: forms
/// must carry `csrf`) or by bearer token (a script: nothing ambient).
struct Signed {
    device: Device,
    csrf: Option<String>,
}

/// The signed-in organizer, or the response that refuses the request.
/// A refusal, boxed: responses are large and the happy path should not pay.
type Refused = Box<Response>;

fn refuse(status: StatusCode, title: &str, body: &str) -> Refused {
    Box::new((status, page(title, body)).into_response())
}

fn internal(e: impl std::fmt::Display) -> Refused {
    tracing::error!(error = %e, "dashboard: internal error");
    refuse(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Server error",
        "<p>The server hit an internal error and logged it; try again.</p>",
    )
}

fn organizer(state: &AppState, headers: &HeaderMap) -> Result<Signed, Refused> {
    let db = state.db.lock().unwrap_or_else(|p| p.into_inner());
    let signed = if let Some(t) = bearer(headers) {
        match db.device_for_token(&t).map_err(internal)? {
            None => {
                return Err(refuse(
                    StatusCode::UNAUTHORIZED,
                    "Not signed in",
                    "<p>This token is not valid. <a href=\"/dashboard/login\">Sign in</a> with an organizer token.</p>",
                ));
            }
            Some(d) => Signed {
                device: d,
                csrf: None,
            },
        }
    } else if let Some(id) = session_cookie(headers) {
        match db
            .session(&id, Utc::now(), state.session_idle, state.session_absolute)
            .map_err(internal)?
        {
            None => return Err(Box::new(Redirect::to("/dashboard/login").into_response())),
            Some((d, csrf)) => Signed {
                device: d,
                csrf: Some(csrf),
            },
        }
    } else {
        return Err(Box::new(Redirect::to("/dashboard/login").into_response()));
    };
    if signed.device.revoked.is_some() {
        return Err(refuse(
            StatusCode::UNAUTHORIZED,
            "Access removed",
            "<p>This token was revoked.</p>",
        ));
    }
    if signed.device.role != Role::Organizer {
        return Err(refuse(
            StatusCode::FORBIDDEN,
            "Organizers only",
            "<p>The dashboard is for organizers; a volunteer token cannot open it.</p>",
        ));
    }
    Ok(signed)
}

/// Whether a state-changing request comes from the dashboard's own pages:
/// browsers say where a request comes from (`Sec-Fetch-Site`, `Origin`);
/// anything cross-site is refused. `SameSite=Strict` alone does not cover
/// another port or subdomain of the same site.
fn same_origin(state: &AppState, headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && site != "same-origin"
        && site != "none"
    {
        return false;
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true; // not a browser form; a session still needs its form token
    };
    match &state.public_url {
        Some(url) => {
            let own = url
                .split_once("://")
                .map(|(scheme, rest)| {
                    format!("{scheme}://{}", rest.split('/').next().unwrap_or(""))
                })
                .unwrap_or_default();
            origin == own
        }
        None => headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .is_some_and(|host| {
                origin == format!("http://{host}") || origin == format!("https://{host}")
            }),
    }
}

/// The CSRF checks of a dashboard form post.
fn check_form(
    state: &AppState,
    headers: &HeaderMap,
    signed: &Signed,
    csrf: &str,
) -> Result<(), Refused> {
    let forged = || {
        refuse(
            StatusCode::FORBIDDEN,
            "Refused",
            "<p>This request did not come from a dashboard page. Open the page again and retry.</p>",
        )
    };
    if !same_origin(state, headers) {
        return Err(forged());
    }
    match &signed.csrf {
        Some(expected) if expected != csrf => Err(forged()),
        _ => Ok(()),
    }
}

fn csrf_input(signed: &Signed) -> String {
    signed
        .csrf
        .as_deref()
        .map(|c| format!("<input type=\"hidden\" name=\"csrf\" value=\"{}\">", esc(c)))
        .unwrap_or_default()
}

fn with_store<T>(
    state: &AppState,
    campaign: &str,
    f: impl FnOnce(&mut DeviceStore) -> T,
) -> Result<T, Refused> {
    let store = state
        .campaign_store(campaign)
        .map_err(|_| Box::new(StatusCode::INTERNAL_SERVER_ERROR.into_response()))?;
    let mut guard = store.lock().unwrap_or_else(|p| p.into_inner());
    Ok(f(&mut guard))
}

pub async fn login_form() -> Html<String> {
    page(
        "Organizer sign-in",
        "<form method=\"post\" action=\"/dashboard/login\"><label>Organizer token \
         <input name=\"token\" type=\"password\" autocomplete=\"off\" required></label> \
         <button type=\"submit\">Sign in</button></form>\
         <p>Get a token by joining with an organizer invite (<code>walkbook-server admin invite --organizer</code>).</p>",
    )
}

#[derive(Deserialize)]
pub struct LoginForm {
    token: String,
}

pub async fn login(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    if !same_origin(&state, &headers) {
        return *refuse(
            StatusCode::FORBIDDEN,
            "Refused",
            "<p>Sign in from the dashboard's own sign-in page.</p>",
        );
    }
    let t = form.token.trim().to_string();
    let mut as_bearer = HeaderMap::new();
    if let Ok(v) = format!("Bearer {t}").parse() {
        as_bearer.insert(header::AUTHORIZATION, v);
    }
    if let Err(r) = organizer(&state, &as_bearer) {
        return *r;
    }
    // The long-lived token is exchanged for a session; only its hash is kept.
    let created = state
        .db
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .create_session(&t, Utc::now());
    match created {
        Ok((id, _)) => (
            StatusCode::SEE_OTHER,
            [
                (header::SET_COOKIE, session_cookie_header(&state, Some(&id))),
                (header::LOCATION, "/dashboard".to_string()),
            ],
        )
            .into_response(),
        Err(e) => *internal(e),
    }
}

pub async fn logout_form(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let signed = match organizer(&state, &headers) {
        Ok(s) => s,
        Err(r) => return *r,
    };
    page(
        "Sign out",
        &format!(
            "<form method=\"post\" action=\"/dashboard/logout\">{}<button type=\"submit\">Sign out of the dashboard</button></form>",
            csrf_input(&signed)
        ),
    )
    .into_response()
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub async fn logout(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    let signed = match organizer(&state, &headers) {
        Ok(s) => s,
        Err(r) => return *r,
    };
    if let Err(r) = check_form(&state, &headers, &signed, &form.csrf) {
        return *r;
    }
    if let Some(id) = session_cookie(&headers)
        && let Err(e) = state
            .db
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .delete_session(&id)
    {
        return *internal(e);
    }
    (
        StatusCode::SEE_OTHER,
        [
            (header::SET_COOKIE, session_cookie_header(&state, None)),
            (header::LOCATION, "/dashboard/login".to_string()),
        ],
    )
        .into_response()
}

/// The numbers of the overview, also served as JSON for the live refresh.
#[derive(Debug, serde::Serialize)]
pub struct Overview {
    pub attempts: usize,
    pub doors_knocked: usize,
    pub contacts: u64,
    pub contact_rate: f64,
    pub support: BTreeMap<String, u64>,
    pub per_day: BTreeMap<String, (u64, u64)>,
    pub conflicts: u64,
}

fn overview_of(store: &mut DeviceStore, tz: chrono_tz::Tz) -> Result<Overview, Refused> {
    let err = |_| Box::new(StatusCode::INTERNAL_SERVER_ERROR.into_response());
    let attempts = store.all_attempts().map_err(err)?;
    let counts = store.status_counts().map_err(err)?;
    let tallies = store.answer_tallies().map_err(err)?;
    let doors: std::collections::HashSet<&str> = attempts
        .iter()
        .filter(|a| a.channel == walkbook_core::model::Channel::Door)
        .map(|a| a.household_id.as_str())
        .collect();
    let mut per_day: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for a in &attempts {
        let day = DateTime::<Utc>::from_timestamp_millis(a.at_ms)
            .map(|t| t.with_timezone(&tz).format("%Y-%m-%d").to_string())
            .unwrap_or_default();
        let e = per_day.entry(day).or_default();
        e.0 += 1;
        if !a.responses.is_empty() {
            e.1 += 1;
        }
    }
    let contacts = counts.get("contacted").copied().unwrap_or(0);
    let attempted: u64 = counts
        .iter()
        .filter(|(k, _)| k.as_str() != "not_attempted")
        .map(|(_, v)| v)
        .sum();
    Ok(Overview {
        attempts: attempts.len(),
        doors_knocked: doors.len(),
        contacts,
        contact_rate: if attempted == 0 {
            0.0
        } else {
            contacts as f64 / attempted as f64
        },
        support: tallies.get("support").cloned().unwrap_or_default(),
        per_day,
        conflicts: counts.get("conflict").copied().unwrap_or(0),
    })
}

fn campaign_tz(state: &AppState, campaign: &str) -> chrono_tz::Tz {
    let db = state.db.lock().unwrap_or_else(|p| p.into_inner());
    state
        .campaign_data(&db, campaign)
        .ok()
        .and_then(|v| {
            v.data
                .campaign
                .as_ref()
                .and_then(|c| c.time_zone.parse().ok())
        })
        .unwrap_or(chrono_tz::UTC)
}

pub async fn overview_json(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let signed = match organizer(&state, &headers) {
        Ok(s) => s,
        Err(r) => return *r,
    };
    let me = &signed.device;
    let tz = campaign_tz(&state, &me.campaign_id);
    match with_store(&state, &me.campaign_id, |s| overview_of(s, tz)) {
        Ok(Ok(o)) => axum::Json(o).into_response(),
        Ok(Err(r)) | Err(r) => *r,
    }
}

pub async fn overview(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let signed = match organizer(&state, &headers) {
        Ok(s) => s,
        Err(r) => return *r,
    };
    let me = &signed.device;
    let tz = campaign_tz(&state, &me.campaign_id);
    let view = {
        let db = state.db.lock().unwrap_or_else(|p| p.into_inner());
        match state.campaign_data(&db, &me.campaign_id) {
            Ok(v) => v,
            Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        }
    };
    let households: HashMap<String, walkbook_core::model::Household> = view
        .data
        .households
        .iter()
        .map(|h| (h.id.clone(), h.clone()))
        .collect();
    let result = with_store(&state, &me.campaign_id, |s| {
        let o = overview_of(s, tz)?;
        let attempts = s
            .all_attempts()
            .map_err(|_| Box::new(StatusCode::INTERNAL_SERVER_ERROR.into_response()))?;
        let mut turfs = String::new();
        for a in view
            .data
            .assignments
            .iter()
            .filter(|a| a.kind == AssignmentKind::Turf)
        {
            if turfs.contains(&format!("/turfs/{}\"", esc(&a.unit_id))) {
                continue;
            }
            if let Ok(doors) = s.walk_list(&a.unit_id) {
                let knocked = doors
                    .iter()
                    .filter(|d| d.household_status.door_attempts > 0)
                    .count();
                turfs.push_str(&format!(
                    "<tr><td><a href=\"/dashboard/turfs/{id}\">{id}</a></td><td>{knocked} / {total}</td></tr>",
                    id = esc(&a.unit_id),
                    total = doors.len()
                ));
            }
        }
        Ok::<_, Refused>((o, flags(&attempts, &households, tz), turfs))
    });
    let (o, flags, turfs) = match result {
        Ok(Ok(x)) => x,
        Ok(Err(r)) | Err(r) => return *r,
    };
    let support: String = (1..=5)
        .map(|k| {
            format!(
                "<tr><td>{k}</td><td id=\"support-{k}\">{}</td></tr>",
                o.support.get(&k.to_string()).copied().unwrap_or(0)
            )
        })
        .collect();
    let days: String = o
        .per_day
        .iter()
        .map(|(d, (a, c))| format!("<tr><td>{}</td><td>{a}</td><td>{c}</td></tr>", esc(d)))
        .collect();
    let flag_items: String = flags
        .iter()
        .map(|f| format!("<li>{}</li>", esc(&f.describe())))
        .collect();
    let name = view
        .data
        .campaign
        .as_ref()
        .map(|c| c.name.clone())
        .unwrap_or_default();
    page(
        &format!("{name}: overview"),
        &format!(
            "<p id=\"totals\"><span id=\"doors\">{}</span> doors knocked · <span id=\"contacts\">{}</span> conversations · \
             contact rate {:.0}% · {} attempts · <a href=\"/dashboard/conflicts\">{} conflicts</a></p>\
             <h2>Support ID</h2><table><tr><th>Answer</th><th>People</th></tr>{support}</table>\
             <h2>Per day</h2><table><tr><th>Day</th><th>Attempts</th><th>Conversations</th></tr>{days}</table>\
             <h2>Turfs</h2><table><tr><th>Turf</th><th>Doors knocked</th></tr>{turfs}</table>\
             <h2>Suspicious data</h2><ul id=\"flags\">{}</ul>",
            o.doors_knocked,
            o.contacts,
            o.contact_rate * 100.0,
            o.attempts,
            o.conflicts,
            if flag_items.is_empty() { "<li>None</li>".to_string() } else { flag_items }
        ),
    )
    .into_response()
}

fn tone(status: &Status) -> (&'static str, &'static str) {
    match status {
        Status::NotAttempted => ("none", "not yet"),
        Status::NotHome | Status::ComeBack { .. } | Status::WrongNumber => ("retry", "try again"),
        Status::Contacted { .. } | Status::Refused | Status::Moved | Status::Deceased => {
            ("done", "done")
        }
        Status::DoNotContact => ("stop", "do not contact"),
        Status::Conflict { .. } => ("problem", "conflict"),
    }
}

pub async fn turf(
    State(state): State<Arc<AppState>>,
    Path(turf_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let signed = match organizer(&state, &headers) {
        Ok(s) => s,
        Err(r) => return *r,
    };
    let me = &signed.device;
    let doors = match with_store(&state, &me.campaign_id, |s| s.walk_list(&turf_id)) {
        Ok(Ok(d)) => d,
        Ok(Err(_)) => {
            return (
                StatusCode::NOT_FOUND,
                page("No such turf", "<p>This turf is not in your campaign.</p>"),
            )
                .into_response();
        }
        Err(r) => return *r,
    };
    let located: Vec<(f64, f64)> = doors
        .iter()
        .filter_map(|d| Some((d.household.lat?, d.household.lon?)))
        .collect();
    let (min_lat, max_lat) = located
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.0), b.max(p.0)));
    let (min_lon, max_lon) = located
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.1), b.max(p.1)));
    let (w, h) = (600.0, 400.0);
    let mut dots = String::new();
    let mut rows = String::new();
    let mut missing = 0;
    for d in &doors {
        let worst = d
            .people
            .iter()
            .map(|p| &p.status.status)
            .find(|s| !s.is_final())
            .or(d.people.first().map(|p| &p.status.status));
        let (class, label) = worst.map(tone).unwrap_or(("none", "no one listed"));
        match (d.household.lat, d.household.lon) {
            (Some(lat), Some(lon)) => {
                let x = 10.0 + (lon - min_lon) / (max_lon - min_lon).max(1e-9) * (w - 20.0);
                let y = 10.0 + (1.0 - (lat - min_lat) / (max_lat - min_lat).max(1e-9)) * (h - 20.0);
                dots.push_str(&format!(
                    "<circle class=\"door {class}\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"5\"><title>{} — {label}</title></circle>",
                    esc(&d.household.address_line())
                ));
            }
            _ => missing += 1,
        }
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{label}</td></tr>",
            esc(&d.household.address_line()),
            d.people
                .iter()
                .map(|p| format!(
                    "{} ({})",
                    esc(&p.person.full_name()),
                    p.status.status.kind()
                ))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    page(
        &format!("Turf {turf_id}"),
        &format!(
            "<svg id=\"map\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"Map of {} doors coloured by status\">{dots}</svg>\
             <p>{missing} doors without coordinates are not drawn. Legend: green done, orange try again, grey not yet, red do not contact, purple conflict.</p>\
             <table><tr><th>Door</th><th>People</th><th>Status</th></tr>{rows}</table>",
            located.len()
        ),
    )
    .into_response()
}

pub async fn volunteers(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let signed = match organizer(&state, &headers) {
        Ok(s) => s,
        Err(r) => return *r,
    };
    let me = &signed.device;
    let attempts = match with_store(&state, &me.campaign_id, |s| s.all_attempts()) {
        Ok(Ok(a)) => a,
        _ => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    let mut by: BTreeMap<&str, (u64, u64, i64, i64)> = BTreeMap::new();
    for a in &attempts {
        let e = by
            .entry(&a.volunteer_id)
            .or_insert((0, 0, i64::MAX, i64::MIN));
        e.0 += 1;
        if !a.responses.is_empty() {
            e.1 += 1;
        }
        e.2 = e.2.min(a.at_ms);
        e.3 = e.3.max(a.at_ms);
    }
    let fmt = |ms: i64| {
        DateTime::<Utc>::from_timestamp_millis(ms)
            .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
            .unwrap_or_default()
    };
    let rows: String = by
        .iter()
        .map(|(v, (n, c, first, last))| {
            format!(
                "<tr><td>{}</td><td>{n}</td><td>{c}</td><td>{}</td><td>{}</td></tr>",
                esc(v),
                fmt(*first),
                fmt(*last)
            )
        })
        .collect();
    page(
        "Volunteers",
        &format!("<table id=\"volunteers\"><tr><th>Volunteer</th><th>Attempts</th><th>Conversations</th><th>First</th><th>Last</th></tr>{rows}</table>"),
    )
    .into_response()
}

pub async fn conflicts(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let signed = match organizer(&state, &headers) {
        Ok(s) => s,
        Err(r) => return *r,
    };
    let me = &signed.device;
    let list = match with_store(&state, &me.campaign_id, |s| s.conflicts()) {
        Ok(Ok(c)) => c,
        _ => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    let mut body = String::from(
        "<p>The same person, outcomes that disagree. Settle each by recording a correction that supersedes both.</p><ul id=\"conflicts\">",
    );
    for c in &list {
        let parts: Vec<String> = c
            .attempts
            .iter()
            .map(|a| {
                let what = a.result.clone().unwrap_or_else(|| {
                    a.responses
                        .iter()
                        .map(|(q, v)| format!("{q}={v}"))
                        .collect::<Vec<_>>()
                        .join(" ")
                });
                format!(
                    "{} by {} ({})",
                    esc(&what),
                    esc(&a.volunteer_id),
                    esc(&a.id)
                )
            })
            .collect();
        body.push_str(&format!(
            "<li class=\"conflict\">{} in {}: {}</li>",
            esc(&c.person_id),
            esc(&c.doc_id),
            parts.join(" vs ")
        ));
    }
    body.push_str("</ul>");
    page("Conflict inbox", &body).into_response()
}

pub async fn export(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let signed = match organizer(&state, &headers) {
        Ok(s) => s,
        Err(r) => return *r,
    };
    let me = &signed.device;
    let mut out = Vec::new();
    match with_store(&state, &me.campaign_id, |s| {
        walkbook_core::export::export_results(s, &mut out)
    }) {
        Ok(Ok(_)) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!(
                        "attachment; filename=\"{}-results.csv\"",
                        me.campaign_id
                            .chars()
                            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
                            .collect::<String>()
                    ),
                ),
            ],
            out,
        )
            .into_response(),
        _ => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

pub async fn invite_form(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let signed = match organizer(&state, &headers) {
        Ok(s) => s,
        Err(r) => return *r,
    };
    let me = &signed.device;
    let view = {
        let db = state.db.lock().unwrap_or_else(|p| p.into_inner());
        match state.campaign_data(&db, &me.campaign_id) {
            Ok(v) => v,
            Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        }
    };
    let options: String = view
        .data
        .volunteers
        .iter()
        .map(|v| {
            format!(
                "<option value=\"{id}\">{name} ({id})</option>",
                id = esc(&v.id),
                name = esc(&v.display_name)
            )
        })
        .collect();
    page(
        "Invite a volunteer",
        &format!(
            "<form method=\"post\" action=\"/dashboard/invites\">{csrf}<label>Volunteer <select name=\"volunteer\">{options}</select></label> \
             <label>Valid for <input name=\"hours\" type=\"number\" value=\"48\" min=\"1\" max=\"720\"> hours</label> \
             <button type=\"submit\">Create a one-time invite</button></form>",
            csrf = csrf_input(&signed)
        ),
    )
    .into_response()
}

#[derive(Deserialize)]
pub struct InviteForm {
    volunteer: String,
    hours: i64,
    #[serde(default)]
    csrf: String,
}

/// A printable invite: the code in large type, the join link, and a QR code
/// of the link that the app's scanner reads.
pub async fn create_invite(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Form(form): Form<InviteForm>,
) -> Response {
    let signed = match organizer(&state, &headers) {
        Ok(s) => s,
        Err(r) => return *r,
    };
    let me = &signed.device;
    if let Err(r) = check_form(&state, &headers, &signed, &form.csrf) {
        return *r;
    }
    let hours = form.hours.clamp(1, 720);
    let code = match crate::admin::create_invite(
        &state.dir,
        &me.campaign_id,
        &form.volunteer,
        Role::Volunteer,
        chrono::Duration::hours(hours),
    ) {
        Ok(c) => c,
        Err(e) => {
            return (
                StatusCode::BAD_REQUEST,
                page(
                    "Invite not created",
                    &format!("<p>{}</p>", esc(&e.to_string())),
                ),
            )
                .into_response();
        }
    };
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
    let link = format!(
        "walkbook://join?server={}&code={code}",
        server.replace(':', "%3A").replace('/', "%2F")
    );
    let qr = qrcode::QrCode::new(link.as_bytes())
        .map(|c| {
            c.render::<qrcode::render::svg::Color>()
                .min_dimensions(240, 240)
                .build()
        })
        .unwrap_or_default();
    page(
        "Join walkbook",
        &format!(
            "<p>Volunteer: <strong>{}</strong> · one use · valid {hours} h</p>\
             <div id=\"qr\" aria-label=\"QR code of the join link\">{qr}</div>\
             <p style=\"font-size:2.5rem;font-family:monospace\" id=\"code\">{code}</p>\
             <p>Server: <code>{}</code></p><p>Link: <code id=\"link\">{}</code></p>\
             <p><button id=\"print\" type=\"button\">Print</button></p>",
            esc(&form.volunteer),
            esc(&server),
            esc(&link)
        ),
    )
    .into_response()
}
