//! Maps on street tiles: the campaign's doors and turf outlines, and one
//! turf's doors with its door list. Leaflet is vendored into the binary
//! (`sync-server/assets/`, served under `/dashboard/vendor/`); the tile
//! server is configurable (`serve --tile-url`, OpenStreetMap by default)
//! and the maps work without it: markers, outlines, legend and popups
//! come from this server alone (`/dashboard/map.json`).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use walkbook_core::model::{Household, Person};
use walkbook_core::results::{Status, StatusSummary, person_at_door};
use walkbook_core::store::campaign_wide_from;

use crate::dashboard::auth::Organizer;
use crate::dashboard::snapshot::{Snapshot, snapshot};
use crate::dashboard::views::{DoorRow, LegendItem, MapPage, TurfPage, render};
use crate::dashboard::{DashboardError, blocking};
use crate::http::AppState;

/// A status's class, its symbol and its words: the legend and the markers
/// never rely on colour alone.
fn tone(status: &Status) -> (&'static str, &'static str, &'static str) {
    match status {
        Status::NotAttempted => ("none", "·", "not yet"),
        Status::NotHome | Status::ComeBack { .. } | Status::WrongNumber => {
            ("retry", "↻", "try again")
        }
        Status::Contacted { .. } | Status::Refused | Status::Moved | Status::Deceased => {
            ("done", "✓", "done")
        }
        Status::DoNotContact => ("stop", "✕", "do not contact"),
        Status::Conflict { .. } => ("problem", "!", "conflict"),
    }
}

fn legend() -> Vec<LegendItem> {
    [
        Status::NotAttempted,
        Status::NotHome,
        Status::Refused,
        Status::DoNotContact,
        Status::Conflict {
            attempt_ids: vec![],
        },
    ]
    .iter()
    .map(tone)
    .chain([LITERATURE])
    .map(|(class, symbol, words)| LegendItem {
        class,
        symbol,
        words,
    })
    .collect()
}

/// What the map script draws.
#[derive(Debug, Clone, Serialize)]
pub struct MapData {
    pub tiles: Option<crate::http::Tiles>,
    pub doors: Vec<MapDoor>,
    pub turfs: Vec<MapTurf>,
    /// Doors without coordinates (not drawn).
    pub unplaced: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct MapDoor {
    pub turf: String,
    pub lat: f64,
    pub lon: f64,
    pub class: &'static str,
    pub symbol: &'static str,
    pub label: &'static str,
    pub address: String,
    /// (name, status in words) of each resident.
    pub people: Vec<(String, String)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MapTurf {
    pub id: String,
    /// The convex hull of its doors, [lat, lon] corners.
    pub outline: Vec<[f64; 2]>,
    pub knocked: usize,
    pub total: usize,
}

/// Each turf's id and doors, in the campaign's order.
type TurfDoors = Vec<(String, Vec<Door>)>;

/// One door with its people and what the results say of each.
pub(super) struct Door {
    pub household: Household,
    pub people: Vec<(Person, StatusSummary)>,
    /// Lit drops that count at this door.
    pub lit_drops: u32,
}

/// The legend line of a door with literature left and nobody reached yet.
const LITERATURE: (&str, &str, &str) = ("lit", "✉", "literature left");

impl Door {
    /// The door's status for the map: the first person still to reach, or
    /// the first person's; literature left where nobody was reached yet.
    fn tone(&self) -> (&'static str, &'static str, &'static str) {
        let t = self
            .people
            .iter()
            .map(|p| &p.1.status)
            .find(|s| !s.is_final())
            .or(self.people.first().map(|p| &p.1.status))
            .map(tone)
            .unwrap_or(("none", "·", "no one listed"));
        if self.lit_drops > 0 && matches!(t.0, "none" | "retry") {
            LITERATURE
        } else {
            t
        }
    }
}

/// Every turf's doors (in walk order), each person's status at the door:
/// their own results, the household's, a do-not-contact flag, and a final
/// status from elsewhere in the campaign (a call) on top.
fn doors_by_turf(
    state: &AppState,
    campaign: &str,
    s: &Snapshot,
) -> Result<Vec<(String, Vec<Door>)>, DashboardError> {
    let view = &s.view;
    let households = view.households_by_id();
    let mut residents: HashMap<&str, Vec<&Person>> = HashMap::new();
    for p in &view.data.people {
        residents
            .entry(p.household_id.as_str())
            .or_default()
            .push(p);
    }
    for list in residents.values_mut() {
        list.sort_by(|a, b| a.id.cmp(&b.id));
    }
    let mut out = Vec::new();
    for turf in &view.data.turfs {
        let doc_id = format!("turf:{}", turf.id);
        let statuses = super::with_results(state, |r| r.unit_statuses(campaign, &doc_id))?;
        let on_turf: HashSet<String> = view
            .people_by_unit
            .get(&doc_id)
            .into_iter()
            .flatten()
            .cloned()
            .collect();
        let elsewhere: HashMap<String, StatusSummary> =
            super::with_results(state, |r| r.final_statuses_of(campaign, &on_turf))?
                .into_iter()
                .filter_map(|(person, kind)| Some((person, StatusSummary::reported_final(&kind)?)))
                .collect();
        let mut doors = Vec::new();
        for h in &turf.household_ids {
            let Some(household) = households.get(h.as_str()) else {
                continue;
            };
            let level = statuses
                .households
                .get(h)
                .map(|s| s.household.clone())
                .unwrap_or_else(StatusSummary::not_attempted);
            let people = residents
                .get(h.as_str())
                .into_iter()
                .flatten()
                .map(|p| {
                    let own = statuses
                        .people
                        .get(&p.id)
                        .cloned()
                        .unwrap_or_else(StatusSummary::not_attempted);
                    let at_door = person_at_door(&own, &level);
                    let status = campaign_wide_from(&p.id, p.do_not_contact, at_door, &elsewhere);
                    ((*p).clone(), status)
                })
                .collect();
            doors.push(Door {
                household: (*household).clone(),
                people,
                lit_drops: statuses.households.get(h).map_or(0, |s| s.lit_drops),
            });
        }
        out.push((turf.id.clone(), doors));
    }
    Ok(out)
}

/// The campaign's doors by turf for this snapshot (computed once).
fn campaign_doors(
    state: &AppState,
    campaign: &str,
    s: &Snapshot,
) -> Result<Arc<TurfDoors>, DashboardError> {
    s.memo("doors by turf", |s| doors_by_turf(state, campaign, s))
}

/// The convex hull of points (Andrew's monotone chain), counter-clockwise.
fn hull(mut pts: Vec<[f64; 2]>) -> Vec<[f64; 2]> {
    pts.sort_by(|a, b| a[0].total_cmp(&b[0]).then(a[1].total_cmp(&b[1])));
    pts.dedup();
    if pts.len() < 3 {
        return pts;
    }
    let cross = |o: [f64; 2], a: [f64; 2], b: [f64; 2]| {
        (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])
    };
    let mut lower: Vec<[f64; 2]> = Vec::new();
    for &p in &pts {
        while lower.len() >= 2 && cross(lower[lower.len() - 2], lower[lower.len() - 1], p) <= 0.0 {
            lower.pop();
        }
        lower.push(p);
    }
    let mut upper: Vec<[f64; 2]> = Vec::new();
    for &p in pts.iter().rev() {
        while upper.len() >= 2 && cross(upper[upper.len() - 2], upper[upper.len() - 1], p) <= 0.0 {
            upper.pop();
        }
        upper.push(p);
    }
    lower.pop();
    upper.pop();
    lower.extend(upper);
    lower
}

fn map_data(
    state: &AppState,
    campaign: &str,
    s: &Snapshot,
) -> Result<Arc<MapData>, DashboardError> {
    s.memo("map data", |s| {
        let by_turf = campaign_doors(state, campaign, s)?;
        let mut data = MapData {
            tiles: state.tiles.clone(),
            doors: Vec::new(),
            turfs: Vec::new(),
            unplaced: 0,
        };
        for (turf, doors) in by_turf.iter() {
            let mut corners = Vec::new();
            let mut knocked = 0;
            for d in doors {
                let (class, symbol, label) = d.tone();
                if class != "none" {
                    knocked += 1;
                }
                let (Some(lat), Some(lon)) = (d.household.lat, d.household.lon) else {
                    data.unplaced += 1;
                    continue;
                };
                corners.push([lat, lon]);
                data.doors.push(MapDoor {
                    turf: turf.clone(),
                    lat,
                    lon,
                    class,
                    symbol,
                    label,
                    address: d.household.address_line(),
                    people: d
                        .people
                        .iter()
                        .map(|(p, s)| (p.full_name(), tone(&s.status).2.to_string()))
                        .collect(),
                });
            }
            data.turfs.push(MapTurf {
                id: turf.clone(),
                outline: hull(corners),
                knocked,
                total: doors.len(),
            });
        }
        Ok(data)
    })
}

#[derive(serde::Deserialize)]
pub struct MapQuery {
    turf: Option<String>,
}

/// The doors, outlines and tile settings the map script draws; `?turf=ID`
/// for one turf.
pub async fn map_json(
    State(state): State<Arc<AppState>>,
    org: Organizer,
    Query(q): Query<MapQuery>,
) -> Result<Response, DashboardError> {
    let campaign = org.device.campaign_id;
    let data = blocking(move || {
        let s = snapshot(&state, &campaign)?;
        map_data(&state, &campaign, &s)
    })
    .await?;
    Ok(match q.turf {
        None => axum::Json(&*data).into_response(),
        Some(t) => {
            if !data.turfs.iter().any(|x| x.id == t) {
                return Err(DashboardError::NotFound(
                    "This turf is not in your campaign.".into(),
                ));
            }
            axum::Json(MapData {
                tiles: data.tiles.clone(),
                doors: data.doors.iter().filter(|d| d.turf == t).cloned().collect(),
                turfs: data.turfs.iter().filter(|x| x.id == t).cloned().collect(),
                unplaced: 0,
            })
            .into_response()
        }
    })
}

/// A page with a map: images may also come from the tile server.
fn with_tiles_csp(state: &AppState, mut resp: Response) -> Response {
    if let Some(origin) = state.tiles.as_ref().and_then(|t| t.origin())
        && let Ok(v) = HeaderValue::from_str(&crate::http::limits::csp_with_images_from(&origin))
    {
        resp.headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, v);
    }
    resp
}

/// The campaign map: every door coloured by status, turf outlines.
pub async fn campaign_map(
    State(state): State<Arc<AppState>>,
    org: Organizer,
) -> Result<Response, DashboardError> {
    let campaign = org.device.campaign_id;
    let st = state.clone();
    let data = blocking(move || {
        let s = snapshot(&st, &campaign)?;
        map_data(&st, &campaign, &s)
    })
    .await?;
    let resp = render(&MapPage {
        title: "Map".into(),
        src: "/dashboard/map.json".into(),
        legend: legend(),
        placed: data.doors.len(),
        unplaced: data.unplaced,
    })?;
    Ok(with_tiles_csp(&state, resp))
}

/// One turf: its map and its door list.
pub async fn turf(
    State(state): State<Arc<AppState>>,
    Path(turf_id): Path<String>,
    org: Organizer,
) -> Result<Response, DashboardError> {
    let campaign = org.device.campaign_id;
    let (st, id) = (state.clone(), turf_id.clone());
    let (rows, placed, unplaced) = blocking(move || {
        let s = snapshot(&st, &campaign)?;
        let by_turf = campaign_doors(&st, &campaign, &s)?;
        let doors = by_turf
            .iter()
            .find(|(t, _)| *t == id)
            .map(|(_, d)| d)
            .ok_or_else(|| DashboardError::NotFound("This turf is not in your campaign.".into()))?;
        let placed = doors
            .iter()
            .filter(|d| d.household.lat.is_some() && d.household.lon.is_some())
            .count();
        let rows: Vec<DoorRow> = doors
            .iter()
            .map(|d| {
                let (class, symbol, label) = d.tone();
                DoorRow {
                    address: d.household.address_line(),
                    people: d
                        .people
                        .iter()
                        .map(|(person, status)| {
                            format!("{} ({})", person.full_name(), tone(&status.status).2)
                        })
                        .collect::<Vec<_>>()
                        .join(", "),
                    class,
                    symbol,
                    label,
                }
            })
            .collect();
        Ok((rows, placed, doors.len() - placed))
    })
    .await?;
    let resp = render(&TurfPage {
        title: format!("Turf {turf_id}"),
        src: format!(
            "/dashboard/map.json?turf={}",
            super::volunteers::path_segment(&turf_id)
        ),
        legend: legend(),
        placed,
        unplaced,
        rows,
    })?;
    Ok(with_tiles_csp(&state, resp))
}

/// Leaflet, vendored (see `sync-server/assets/leaflet-1.9.4/README.md`).
pub async fn leaflet_js() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        include_str!("../../../assets/leaflet-1.9.4/leaflet.js"),
    )
        .into_response()
}

pub async fn leaflet_css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        include_str!("../../../assets/leaflet-1.9.4/leaflet.css"),
    )
        .into_response()
}

/// The script that draws a map from `map.json`.
pub async fn map_js() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("../../../templates/map.js"),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::hull;

    #[test]
    fn the_hull_of_a_square_with_a_point_inside_is_the_square() {
        let h = hull(vec![
            [0.0, 0.0],
            [1.0, 0.0],
            [0.5, 0.5],
            [1.0, 1.0],
            [0.0, 1.0],
            [0.0, 0.0],
        ]);
        assert_eq!(h.len(), 4);
        assert!(!h.contains(&[0.5, 0.5]));
    }
}
