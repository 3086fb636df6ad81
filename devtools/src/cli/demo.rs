//! `walkbook-dev demo`: the README's main job. Generates a campaign,
//! serves it on loopback, simulates volunteers recording offline and syncing
//! over a flaky network, proves the server holds every result exactly once,
//! then keeps the dashboard up until Ctrl-C (`--exit` ends it for scripts).

use clap::Args;
use walkbook_dev::demo::{DemoOptions, run_demo};

use super::CliError;

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Number of households in the demo campaign.
    #[arg(long, default_value_t = 2400)]
    pub households: usize,
    /// Seed of the demo campaign.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Simulated volunteers.
    #[arg(long, default_value_t = 24)]
    pub volunteers: usize,
    /// Port for the demo server (0: any free port).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// End right after the simulation and its check (for scripts and CI)
    /// instead of keeping the dashboard up until Ctrl-C.
    #[arg(long)]
    pub exit: bool,
}

pub fn run(args: &DemoArgs) -> Result<(), CliError> {
    walkbook_server::process::init_logs(walkbook_server::process::LogFormat::Text, "warn");
    let root = std::env::temp_dir().join(format!("walkbook-demo-{}", std::process::id()));
    std::fs::create_dir_all(&root)?;
    let opts = DemoOptions {
        households: args.households,
        seed: args.seed,
        volunteers: args.volunteers,
        port: args.port,
        ..DemoOptions::default()
    };
    let rt = tokio::runtime::Runtime::new()?;
    let result = rt.block_on(async {
        println!("walkbook demo\n");
        let (report, server) = run_demo(&opts, &root, |line| println!("{line}"))
            .await
            .map_err(|e| CliError::DemoCheck(e.to_string()))?;
        println!();
        println!("recorded on devices:  {} attempts", report.recorded);
        println!("held by the server:   {} attempts", report.on_server);
        if report.exactly_once() {
            println!("OK: the server holds every attempt exactly once");
        } else {
            println!(
                "MISSING on server: {:?}\nUNEXPECTED on server: {:?}",
                report.missing, report.unexpected
            );
        }
        println!(
            "conflicts: {} people heard differently on a second visit (the conflict inbox)",
            report.conflicts
        );
        println!("health:    {}/health", report.url);
        println!(
            "dashboard: {}/dashboard/login  (organizer token: {})",
            report.url, report.organizer_token
        );
        println!(
            "sign in:   {}  (opens the dashboard once, within 15 minutes)",
            report.signin_url
        );
        println!(
            "data dir:  {} (removed when the demo stops)",
            root.display()
        );
        if !args.exit {
            println!("\nthe dashboard stays up: open the link above; press Ctrl-C to stop");
            walkbook_server::process::shutdown_signal().await;
        }
        server.stop().await?;
        if report.exactly_once() {
            Ok(())
        } else {
            Err(CliError::DemoCheck(
                "the server does not hold every attempt exactly once".into(),
            ))
        }
    });
    let _ = std::fs::remove_dir_all(&root);
    result
}
