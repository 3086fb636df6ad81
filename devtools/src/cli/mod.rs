//! The command line: one subcommand per tool.

mod bench;
mod demo;
mod error;
mod generate;
mod summary;

use clap::{Parser, Subcommand};

pub use error::CliError;

#[derive(Debug, Parser)]
#[command(
    name = "walkbook-dev",
    version,
    about = "walkbook demo, synthetic campaigns and benchmarks"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate a synthetic campaign: DIR/campaign.json and DIR/voters.csv.
    Generate(generate::GenerateArgs),
    /// Run a self-contained demo: a server on loopback, simulated volunteers
    /// recording offline and syncing over a flaky network, and a check that
    /// the server holds every result exactly once.
    Demo(demo::DemoArgs),
    /// Benchmark sync end to end: devices x attempts over loopback HTTP.
    BenchSync(bench::BenchArgs),
    /// Benchmark the device store: packet install, walk list, durable record, storage.
    BenchStore(bench::StoreBenchArgs),
    /// Benchmark organizer tools: a statewide voter file imported and
    /// re-imported (--voters, default 100,000), turf cutting, dashboard
    /// with 50k attempts.
    BenchOrganizer(bench::OrganizerBenchArgs),
    /// One voter-file import into a data directory, in a process of its own
    /// so its peak memory is measured alone (used by bench-organizer).
    #[command(hide = true)]
    ImportOnce(bench::ImportOnceArgs),
    /// A TLS proxy on 127.0.0.1 with a throwaway test CA, in front of a
    /// plain-HTTP server, for HTTPS tests: prints its https:// URL, writes
    /// the CA's PEM, serves until stopped.
    TlsProxy(TlsProxyArgs),
}

#[derive(Debug, clap::Args)]
pub struct TlsProxyArgs {
    /// The server behind the proxy, e.g. http://127.0.0.1:8080.
    #[arg(long)]
    pub upstream: String,
    /// Where to write the test CA's certificate (PEM).
    #[arg(long)]
    pub ca_out: std::path::PathBuf,
}

fn tls_proxy(args: &TlsProxyArgs) -> Result<(), CliError> {
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let proxy = walkbook_dev::tls::start(&args.upstream).await?;
        std::fs::write(&args.ca_out, &proxy.ca_pem).map_err(|source| CliError::WriteFile {
            path: args.ca_out.clone(),
            source,
        })?;
        println!("{}", proxy.url);
        use std::io::Write;
        let _ = std::io::stdout().flush();
        std::future::pending::<()>().await;
        Ok(())
    })
}

pub fn run(command: Command) -> Result<(), CliError> {
    match command {
        Command::Generate(args) => generate::run(&args),
        Command::Demo(args) => demo::run(&args),
        Command::BenchSync(args) => bench::run(&args),
        Command::BenchStore(args) => bench::run_store(&args),
        Command::BenchOrganizer(args) => bench::run_organizer(&args),
        Command::ImportOnce(args) => bench::run_import_once(&args),
        Command::TlsProxy(args) => tls_proxy(&args),
    }
}
