//! `walkbook-server serve`: the sync server, on its embedded SQLite stores
//! or on PostgreSQL (`--database-url`, for several processes on one database).

use std::path::PathBuf;

use clap::Args;
use walkbook_server::admin::Deployment;
use walkbook_server::http::{AppState, ServerOptions, Tiles, serve};
use walkbook_server::process::{LogFormat, init_logs, shutdown_signal};

use super::CliError;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Where the server keeps server.db and one database per campaign.
    #[arg(long, env = "WALKBOOK_DATA_DIR", default_value = "walkbook-data")]
    pub data_dir: PathBuf,
    /// Keep everything in PostgreSQL instead of the data directory:
    /// postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE. Several server
    /// processes may share one database (behind one load balancer).
    #[arg(long, env = "WALKBOOK_DATABASE_URL")]
    pub database_url: Option<String>,
    /// The CA certificate(s) (PEM) the database's TLS certificate must chain
    /// to, e.g. a managed database's CA bundle. With it, or with
    /// `sslmode=require` in the URL, the connection is TLS and the server's
    /// certificate and name are always verified (system roots without it).
    #[arg(long, env = "WALKBOOK_DATABASE_CA")]
    pub database_ca: Option<PathBuf>,
    /// TCP port to listen on.
    #[arg(long, env = "PORT", default_value_t = 8080)]
    pub port: u16,
    /// Address to bind; use 0.0.0.0 behind a reverse proxy that terminates TLS.
    #[arg(long, env = "WALKBOOK_BIND", default_value = "127.0.0.1")]
    pub bind: String,
    #[arg(long, value_enum, default_value = "text")]
    pub log_format: LogFormat,
    /// Largest request body accepted, in MiB (sync rounds are split well below it).
    #[arg(long, env = "WALKBOOK_MAX_BODY_MB", default_value_t = 32)]
    pub max_body_mb: usize,
    /// Minutes a claimed phone-bank batch stays with a device before its
    /// uncalled contacts return to the pool.
    #[arg(long, env = "WALKBOOK_CLAIM_MINUTES", default_value_t = 120)]
    pub claim_minutes: i64,
    /// The URL people and phones reach this server at, e.g.
    /// https://walkbook.example.org behind a TLS proxy. Used for invite links,
    /// the dashboard's same-origin check and Secure cookies.
    #[arg(long, env = "WALKBOOK_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Dashboard sessions end after this many idle minutes…
    #[arg(long, default_value_t = 120)]
    pub session_idle_minutes: i64,
    /// …and this many hours after sign-in.
    #[arg(long, default_value_t = 12)]
    pub session_hours: i64,
    /// Join and dashboard sign-in attempts allowed per client address per minute.
    #[arg(long, default_value_t = 20)]
    pub sign_ins_per_ip_per_minute: u32,
    /// Join and dashboard sign-in attempts allowed per minute overall.
    #[arg(long, default_value_t = 600)]
    pub sign_ins_per_minute: u32,
    /// Behind a reverse proxy that appends the client's address to
    /// X-Forwarded-For: rate-limit sign-ins by that address. Never set it
    /// when clients can reach the server directly.
    #[arg(long)]
    pub trust_forwarded_for: bool,
    /// Connections open at once (more wait in the listen backlog).
    #[arg(long, default_value_t = 1024)]
    pub max_connections: usize,
    /// Seconds a client has to send a request's headers.
    #[arg(long, default_value_t = 10)]
    pub header_timeout_secs: u64,
    /// Seconds a client has to send a request's body.
    #[arg(long, default_value_t = 60)]
    pub body_timeout_secs: u64,
    /// Street tiles under the dashboard's maps, as a URL template with
    /// {z}/{x}/{y} (and optionally {s}); `none` draws maps without tiles.
    /// Mind the tile server's usage policy for heavy use.
    #[arg(
        long,
        env = "WALKBOOK_TILE_URL",
        default_value = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    )]
    pub tile_url: String,
    /// The attribution the tile server asks for (HTML).
    #[arg(
        long,
        env = "WALKBOOK_TILE_ATTRIBUTION",
        default_value = "&copy; <a href=\"https://www.openstreetmap.org/copyright\">OpenStreetMap</a> contributors"
    )]
    pub tile_attribution: String,
}

pub fn run(args: &ServeArgs) -> Result<(), CliError> {
    init_logs(args.log_format, "info");
    let tiles = match args.tile_url.as_str() {
        "none" | "" => None,
        url => {
            let t = Tiles {
                url: url.to_string(),
                attribution: args.tile_attribution.clone(),
            };
            if t.origin().is_none() {
                return Err(CliError::Usage(format!(
                    "--tile-url {url:?} is not an http(s) URL template such as https://tile.openstreetmap.org/{{z}}/{{x}}/{{y}}.png (or none)"
                )));
            }
            Some(t)
        }
    };
    let home = Deployment::open(
        &args.data_dir,
        args.database_url.as_deref(),
        args.database_ca.as_deref(),
        true,
    )?;
    let state = AppState::on(
        home,
        ServerOptions {
            max_body_bytes: args.max_body_mb.saturating_mul(1024 * 1024),
            claim_lease: chrono::Duration::minutes(args.claim_minutes.max(1)),
            public_url: args.public_url.clone(),
            session_idle: chrono::Duration::minutes(args.session_idle_minutes.max(1)),
            session_absolute: chrono::Duration::hours(args.session_hours.max(1)),
            sign_ins_per_ip_per_minute: args.sign_ins_per_ip_per_minute,
            sign_ins_per_minute: args.sign_ins_per_minute,
            trust_forwarded_for: args.trust_forwarded_for,
            limits: walkbook_server::http::ConnectionLimits {
                max_connections: args.max_connections,
                header_timeout: std::time::Duration::from_secs(args.header_timeout_secs.max(1)),
                body_timeout: std::time::Duration::from_secs(args.body_timeout_secs.max(1)),
                ..Default::default()
            },
            tiles,
        },
    );
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async {
        let addr = format!("{}:{}", args.bind, args.port);
        let listener = tokio::net::TcpListener::bind(&addr)
            .await
            .map_err(|source| CliError::Listen {
                addr: addr.clone(),
                source,
            })?;
        serve(listener, state, shutdown_signal()).await?;
        tracing::info!("stopped: in-flight requests finished");
        Ok(())
    })
}
