//! The HTTP server: health, join, assignments, packets, sync.

mod connections;
mod error;
pub(crate) mod limits;
mod routes;

pub use connections::ConnectionLimits;
pub use limits::RateLimiter;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use tokio::net::TcpListener;
use walkbook_core::model::Channel;
use walkbook_core::results::rules::UnitData;
use walkbook_core::sync::MAX_SYNC_BODY_BYTES;

pub use error::ApiError;

use crate::admin::{AdminError, DataDir, Deployment};
use crate::db::{ResultsStore, ServerStore};

/// Shared state of a running server.
pub struct AppState {
    /// Campaigns, packets, devices, invites, sessions and claims: the
    /// embedded `server.db` or PostgreSQL.
    pub db: Arc<dyn ServerStore>,
    /// Results documents and their index: a SQLite file per campaign, or
    /// PostgreSQL.
    pub results: Arc<dyn ResultsStore>,
    /// Where the stores are, for logs.
    pub home: String,
    /// Largest request body accepted (413 beyond it).
    pub max_body_bytes: usize,
    /// How long a claimed phone-bank batch stays with a device.
    pub claim_lease: chrono::Duration,
    /// Parsed campaign data by id, with the revision it was read at.
    campaigns: Mutex<HashMap<String, (i64, Arc<CampaignView>)>>,
    /// What the dashboard computed from each campaign's results, per revision.
    pub(crate) dashboard_cache: crate::dashboard::SnapshotCache,
    /// The URL people and phones use to reach this server (behind a TLS
    /// proxy: `https://…`): invite links, the Origin check, cookie flags.
    pub public_url: Option<String>,
    /// Dashboard sessions end after this long without a request…
    pub session_idle: chrono::Duration,
    /// …and this long after sign-in, whatever happens.
    pub session_absolute: chrono::Duration,
    /// Join and dashboard sign-in attempts.
    pub sign_in_limiter: RateLimiter,
    /// Street tiles under the dashboard's maps.
    pub tiles: Option<Tiles>,
    /// Take the client address from the last `X-Forwarded-For` entry (set
    /// only behind a reverse proxy that writes that header).
    pub trust_forwarded_for: bool,
    /// Connection count and read timeouts.
    pub limits: ConnectionLimits,
}

/// The dashboard's admin actions (invites) run on the server's own stores.
impl crate::admin::Home for AppState {
    fn server_store(&self) -> Result<Arc<dyn ServerStore>, AdminError> {
        Ok(self.db.clone())
    }
    fn results_store(&self) -> Result<Arc<dyn ResultsStore>, AdminError> {
        Ok(self.results.clone())
    }
    fn data_dir(&self) -> Option<&DataDir> {
        None
    }
}

/// A campaign's reference data with the lookups every request needs.
pub struct CampaignView {
    pub data: walkbook_core::model::ReferenceData,
    /// Unit document id ("turf:<id>", "calls:<id>") → the people on it.
    pub people_by_unit: HashMap<String, Vec<String>>,
    /// What the results rules need per unit, built on first use.
    units: Mutex<HashMap<String, Arc<UnitData>>>,
}

impl CampaignView {
    /// The campaign's households by id, borrowed (dashboard pages look
    /// them up per attempt).
    pub fn households_by_id(&self) -> HashMap<&str, &walkbook_core::model::Household> {
        self.data
            .households
            .iter()
            .map(|h| (h.id.as_str(), h))
            .collect()
    }

    pub fn new(data: walkbook_core::model::ReferenceData) -> Self {
        let mut by_household: HashMap<&str, Vec<&str>> = HashMap::new();
        for p in &data.people {
            by_household
                .entry(p.household_id.as_str())
                .or_default()
                .push(p.id.as_str());
        }
        let mut people_by_unit = HashMap::new();
        for t in &data.turfs {
            let people = t
                .household_ids
                .iter()
                .flat_map(|h| by_household.get(h.as_str()).into_iter().flatten())
                .map(|p| p.to_string())
                .collect();
            people_by_unit.insert(format!("turf:{}", t.id), people);
        }
        for l in &data.call_lists {
            people_by_unit.insert(format!("calls:{}", l.id), l.person_ids.clone());
        }
        CampaignView {
            data,
            people_by_unit,
            units: Mutex::new(HashMap::new()),
        }
    }

    /// The reference data the results rules check a unit's attempts against.
    pub fn unit_data(&self, doc_id: &str) -> Option<Arc<UnitData>> {
        let mut units = self.units.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(u) = units.get(doc_id) {
            return Some(u.clone());
        }
        let d = &self.data;
        let mut unit = UnitData::default();
        if let Some(turf_id) = doc_id.strip_prefix("turf:") {
            let turf = d.turfs.iter().find(|t| t.id == turf_id)?;
            unit.label = format!("turf {turf_id}");
            unit.channel = Some(Channel::Door);
            unit.households = turf.household_ids.iter().cloned().collect();
            for p in &d.people {
                if unit.households.contains(&p.household_id) {
                    unit.people.insert(p.id.clone(), p.household_id.clone());
                }
            }
        } else if let Some(list_id) = doc_id.strip_prefix("calls:") {
            let list = d.call_lists.iter().find(|l| l.id == list_id)?;
            unit.label = format!("call list {list_id}");
            unit.channel = Some(Channel::Phone);
            let household_of: HashMap<&str, &str> = d
                .people
                .iter()
                .map(|p| (p.id.as_str(), p.household_id.as_str()))
                .collect();
            for p in &list.person_ids {
                if let Some(h) = household_of.get(p.as_str()) {
                    unit.people.insert(p.clone(), h.to_string());
                }
            }
        } else {
            return None;
        }
        let channel = unit.channel.expect("set above");
        unit.result_effects = d
            .result_codes
            .iter()
            .filter(|c| c.channel == channel)
            .map(|c| (c.id.clone(), c.effect))
            .collect();
        unit.scripts = d
            .scripts
            .iter()
            .map(|s| ((s.id.clone(), s.version), s.clone()))
            .collect();
        let unit = Arc::new(unit);
        units.insert(doc_id.to_string(), unit.clone());
        Some(unit)
    }
}

/// Server settings with their defaults.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    pub max_body_bytes: usize,
    pub claim_lease: chrono::Duration,
    pub public_url: Option<String>,
    pub session_idle: chrono::Duration,
    pub session_absolute: chrono::Duration,
    /// Sign-in attempts (join, dashboard login) per client address per minute.
    pub sign_ins_per_ip_per_minute: u32,
    /// Sign-in attempts per minute from everybody together.
    pub sign_ins_per_minute: u32,
    /// Behind a reverse proxy: rate-limit by the address it reports.
    pub trust_forwarded_for: bool,
    pub limits: ConnectionLimits,
    /// Street tiles under the dashboard's maps; `None`: maps without tiles.
    pub tiles: Option<Tiles>,
}

/// A street tile server for the dashboard's maps (Leaflet's URL template).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Tiles {
    /// E.g. `https://tile.openstreetmap.org/{z}/{x}/{y}.png`.
    pub url: String,
    /// Shown on the map, as the tile server's terms ask (HTML allowed:
    /// it is the operator's own configuration).
    pub attribution: String,
}

impl Tiles {
    /// OpenStreetMap's standard tiles, with their attribution.
    pub fn openstreetmap() -> Tiles {
        Tiles {
            url: "https://tile.openstreetmap.org/{z}/{x}/{y}.png".into(),
            attribution: "&copy; <a href=\"https://www.openstreetmap.org/copyright\">OpenStreetMap</a> contributors".into(),
        }
    }

    /// The origin images come from, for the Content-Security-Policy
    /// (`{s}` subdomains become a wildcard); `None` for a URL that is not
    /// http(s).
    pub fn origin(&self) -> Option<String> {
        let (scheme, rest) = self.url.split_once("://")?;
        if scheme != "https" && scheme != "http" {
            return None;
        }
        let host = rest.split('/').next()?.replace("{s}", "*");
        if host.is_empty() || host.contains(['{', '}', ' ', ';', '\'', '"']) {
            return None;
        }
        Some(format!("{scheme}://{host}"))
    }
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            max_body_bytes: MAX_SYNC_BODY_BYTES,
            claim_lease: chrono::Duration::hours(2),
            public_url: None,
            session_idle: chrono::Duration::hours(2),
            session_absolute: chrono::Duration::hours(12),
            sign_ins_per_ip_per_minute: 20,
            sign_ins_per_minute: 600,
            trust_forwarded_for: false,
            limits: ConnectionLimits::default(),
            tiles: Some(Tiles::openstreetmap()),
        }
    }
}

impl ServerOptions {
    /// Defaults for a simulation (demo, benchmarks, tests) in which every
    /// device signs in from one loopback address: no sign-in rate limit.
    pub fn for_simulation() -> Self {
        ServerOptions {
            sign_ins_per_ip_per_minute: 100_000,
            sign_ins_per_minute: 100_000,
            ..ServerOptions::default()
        }
    }
}

impl AppState {
    pub fn new(dir: DataDir) -> Result<Arc<Self>, AdminError> {
        Self::with_options(dir, ServerOptions::default())
    }

    /// A server accepting request bodies up to `max_body_bytes`.
    pub fn with_limit(dir: DataDir, max_body_bytes: usize) -> Result<Arc<Self>, AdminError> {
        Self::with_options(
            dir,
            ServerOptions {
                max_body_bytes,
                ..ServerOptions::default()
            },
        )
    }

    pub fn with_options(dir: DataDir, opts: ServerOptions) -> Result<Arc<Self>, AdminError> {
        Ok(Self::on(Deployment::embedded_serving(dir)?, opts))
    }

    /// A server on a deployment's stores (embedded or PostgreSQL).
    pub fn on(home: Deployment, opts: ServerOptions) -> Arc<Self> {
        Arc::new(AppState {
            db: home.db,
            results: home.results,
            home: home.description,
            max_body_bytes: opts.max_body_bytes,
            claim_lease: opts.claim_lease,
            campaigns: Mutex::new(HashMap::new()),
            dashboard_cache: Default::default(),
            public_url: opts.public_url.map(|u| u.trim_end_matches('/').to_string()),
            session_idle: opts.session_idle,
            session_absolute: opts.session_absolute,
            sign_in_limiter: RateLimiter::new(
                opts.sign_ins_per_ip_per_minute,
                opts.sign_ins_per_minute,
            ),
            trust_forwarded_for: opts.trust_forwarded_for,
            limits: opts.limits,
            tiles: opts.tiles.filter(|t| t.origin().is_some()),
        })
    }

    /// The campaign's reference data, parsed once per revision (a 5,000-door
    /// campaign is megabytes of JSON: not something to parse per request).
    pub fn campaign_data(
        &self,
        campaign_id: &str,
    ) -> Result<Arc<CampaignView>, crate::db::DbError> {
        let db = &self.db;
        let revision = db.campaign_revision(campaign_id)?;
        let mut cache = self.campaigns.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((r, view)) = cache.get(campaign_id)
            && *r == revision
        {
            return Ok(view.clone());
        }
        let view = Arc::new(CampaignView::new(db.campaign(campaign_id)?));
        cache.insert(campaign_id.to_string(), (revision, view.clone()));
        Ok(view)
    }
}

pub fn router(state: Arc<AppState>) -> Router {
    let limit = state.max_body_bytes;
    Router::new()
        .route("/health", get(routes::health))
        .route("/ready", get(routes::ready))
        .route("/v1/openapi.json", get(routes::openapi))
        .route("/v1/join", post(routes::join))
        .route("/v1/assignments", get(routes::assignments))
        .route("/v1/packets/{assignment_id}", get(routes::packet))
        .route("/v1/sync", post(routes::sync))
        .route("/v1/training", get(routes::training))
        .route("/v1/turfs/near", post(routes::turf_near))
        .route(
            "/v1/turfs/near/{assignment_id}/release",
            post(routes::turf_release),
        )
        .route("/v1/claims", post(routes::claim))
        .route("/v1/claims/{claim_id}/release", post(routes::release))
        .merge(crate::dashboard::router())
        .layer(DefaultBodyLimit::max(limit))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            connections::body_timeout,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            limits::limit_sign_ins,
        ))
        .layer(axum::middleware::from_fn(limits::security_headers))
        .with_state(state)
}

/// Serves until `shutdown` resolves, then finishes in-flight requests.
pub async fn serve(
    listener: TcpListener,
    state: Arc<AppState>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let addr: SocketAddr = listener.local_addr()?;
    tracing::info!(%addr, store = %state.home, "walkbook-server listening");
    let limits = state.limits;
    connections::accept_loop(listener, router(state), limits, shutdown).await
}
