//! The dashboard's pages as askama templates (`sync-server/templates/`):
//! every value is HTML-escaped by construction; the only markup passed
//! through is SVG the server draws itself: the QR code, and the metrics
//! charts (whose labels `metrics::bar_chart_svg` escapes).

use askama::Template;
use axum::response::{Html, IntoResponse, Response};

use super::DashboardError;
use super::pages::Overview;

/// Renders a page, or a logged 500 if the template fails.
pub fn render(page: &impl Template) -> Result<Response, DashboardError> {
    page.render()
        .map(|html| Html(html).into_response())
        .map_err(DashboardError::internal)
}

#[derive(Template)]
#[template(path = "message.html")]
pub struct MessagePage<'a> {
    pub title: &'a str,
    pub text: String,
    pub link: Option<(String, String)>,
}

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub title: &'static str,
}

#[derive(Template)]
#[template(path = "logout.html")]
pub struct LogoutPage {
    pub title: &'static str,
    pub csrf: String,
}

pub struct TurfRow {
    pub id: String,
    pub knocked: usize,
    pub total: usize,
    /// knocked / total, whole percent (the progress bar).
    pub percent: usize,
}

#[derive(Template)]
#[template(path = "overview.html")]
pub struct OverviewPage {
    pub title: String,
    pub o: Overview,
    pub contact_percent: String,
    pub support: Vec<(u8, u64)>,
    pub turfs: Vec<TurfRow>,
    pub flags: Vec<String>,
}

pub struct DoorRow {
    pub address: String,
    pub people: String,
    pub class: &'static str,
    pub symbol: &'static str,
    pub label: &'static str,
}

/// One line of a map's legend: symbol, colour class and words.
pub struct LegendItem {
    pub class: &'static str,
    pub symbol: &'static str,
    pub words: &'static str,
}

#[derive(Template)]
#[template(path = "turf.html")]
pub struct TurfPage {
    pub title: String,
    /// Where the map script reads the doors.
    pub src: String,
    pub legend: Vec<LegendItem>,
    pub placed: usize,
    pub unplaced: usize,
    pub rows: Vec<DoorRow>,
}

#[derive(Template)]
#[template(path = "map.html")]
pub struct MapPage {
    pub title: String,
    pub src: String,
    pub legend: Vec<LegendItem>,
    pub placed: usize,
    pub unplaced: usize,
}

pub struct VolunteerRow {
    pub volunteer: String,
    /// The shift page of this volunteer and day.
    pub link: String,
    /// "accepted by …" or "not yet".
    pub review: String,
    pub rolled_back: usize,
    pub day: String,
    pub attempts: usize,
    pub doors: usize,
    pub conversations: usize,
    pub contact_percent: u64,
    /// "25th / median / 75th" seconds between doors, or "—".
    pub gaps: String,
    pub first: String,
    pub last: String,
    /// Median metres from the address, or "—".
    pub distance: String,
    pub flags: usize,
}

#[derive(Template)]
#[template(path = "volunteers.html")]
pub struct VolunteersPage {
    pub title: &'static str,
    pub rows: Vec<VolunteerRow>,
}

/// One person met at a door, for the new-people page.
pub struct NewPersonRow {
    pub attempt_id: String,
    pub when: String,
    pub door: String,
    pub name: String,
    pub born: String,
    pub language: String,
    pub reason: String,
    pub canvasser: String,
    pub answers: String,
    /// "accepted by …", … once decided.
    pub decision: Option<String>,
    /// Listed residents of that door, to merge into: (id, name).
    pub residents: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "new_people.html")]
pub struct NewPeoplePage {
    pub title: String,
    pub csrf: String,
    pub done: Option<String>,
    pub waiting: Vec<NewPersonRow>,
    pub decided: Vec<NewPersonRow>,
}

pub struct ShiftRow {
    pub id: String,
    pub time: String,
    pub door: String,
    pub person: String,
    pub what: String,
    pub distance: String,
    pub standing: String,
    pub counts: bool,
}

#[derive(Template)]
#[template(path = "shift.html")]
pub struct ShiftPage {
    pub title: String,
    pub csrf: String,
    /// Where the form posts.
    pub action: String,
    pub counting: usize,
    /// "Accepted by … at …: note", when the day was accepted.
    pub accepted: Option<String>,
    pub done: Option<String>,
    pub rows: Vec<ShiftRow>,
}

pub struct Chart {
    pub title: &'static str,
    /// Inline SVG drawn by `metrics::bar_chart_svg` (labels escaped there).
    pub svg: String,
}

pub struct MetricsTable {
    pub id: &'static str,
    pub title: &'static str,
    pub rows: Vec<super::MetricRow>,
}

#[derive(Template)]
#[template(path = "metrics.html")]
pub struct MetricsPage {
    pub title: &'static str,
    pub total: super::MetricRow,
    pub charts: Vec<Chart>,
    pub tables: Vec<MetricsTable>,
}

pub struct ConflictItem {
    pub person: String,
    pub doc: String,
    pub parts: Vec<String>,
}

#[derive(Template)]
#[template(path = "conflicts.html")]
pub struct ConflictsPage {
    pub title: &'static str,
    pub items: Vec<ConflictItem>,
}

#[derive(Template)]
#[template(path = "invite_form.html")]
pub struct InviteFormPage {
    pub title: &'static str,
    pub csrf: String,
    /// (id, display name)
    pub volunteers: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "invite.html")]
pub struct InvitePage {
    pub title: &'static str,
    /// A training invite: practice mode only.
    pub training: bool,
    pub volunteer: String,
    pub hours: i64,
    pub qr_svg: String,
    pub code: String,
    pub server: String,
    pub link: String,
}
