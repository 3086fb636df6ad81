//! `walkbook-dev bench-sync`: end-to-end sync benchmark (see ADR and README).

use clap::Args;
use walkbook_dev::bench::{SyncBenchOptions, bench_organizer, bench_store, bench_sync};

use super::CliError;

#[derive(Debug, Args)]
pub struct BenchArgs {
    #[arg(long, default_value_t = 50)]
    pub devices: usize,
    #[arg(long, default_value_t = 200)]
    pub attempts: usize,
    /// Run the server on PostgreSQL: a throwaway cluster on loopback
    /// (needs the Debian postgresql package).
    #[arg(long)]
    pub postgres: bool,
    /// Every device syncs at the same time (default: one after the other).
    #[arg(long)]
    pub concurrent: bool,
    /// Server processes on the one database (with --postgres).
    #[arg(long, default_value_t = 1)]
    pub processes: usize,
    /// Build every device's upload before the clock starts and post them
    /// all at once: the server's side alone, as if the devices were other
    /// machines (implies --concurrent).
    #[arg(long)]
    pub prebuilt: bool,
    /// With --postgres: the database one network hop away, this many
    /// microseconds each way (a relay on loopback; 250 is a round trip of
    /// about half a millisecond, as to a managed database nearby).
    #[arg(long, default_value_t = 0)]
    pub database_latency_us: u64,
}

pub fn run(args: &BenchArgs) -> Result<(), CliError> {
    walkbook_server::process::init_logs(walkbook_server::process::LogFormat::Text, "warn");
    let root = std::env::temp_dir().join(format!("walkbook-bench-{}", std::process::id()));
    std::fs::create_dir_all(&root)?;
    let cluster = if args.postgres {
        let c = walkbook_dev::postgres::TestCluster::start()
            .map_err(|e| CliError::DemoCheck(e.to_string()))?;
        let mut url = c
            .create_database("bench")
            .map_err(|e| CliError::DemoCheck(e.to_string()))?;
        if args.database_latency_us > 0 {
            let relay = walkbook_dev::postgres::start_latency_relay(
                c.port(),
                std::time::Duration::from_micros(args.database_latency_us),
            )
            .map_err(|e| CliError::DemoCheck(e.to_string()))?;
            url = url.replace(&format!(":{}/", c.port()), &format!(":{relay}/"));
        }
        Some((c, url))
    } else {
        None
    };
    let rt = tokio::runtime::Runtime::new()?;
    let options = SyncBenchOptions {
        devices: args.devices,
        attempts: args.attempts,
        database_url: cluster.as_ref().map(|(_, u)| u.clone()),
        concurrent: args.concurrent || args.prebuilt,
        processes: args.processes,
        prebuilt: args.prebuilt,
    };
    let r = rt.block_on(bench_sync(&root, &options));
    drop(cluster);
    let _ = std::fs::remove_dir_all(&root);
    let r = r.map_err(|e| CliError::DemoCheck(e.to_string()))?;
    println!(
        "{} devices x {} attempts = {} changes in {} documents; {}, {} server process(es) on {}",
        r.devices,
        r.attempts_per_device,
        r.changes,
        r.documents,
        if args.prebuilt {
            "uploads built beforehand and posted at once (the server's side only)"
        } else if args.concurrent {
            "all syncing at once"
        } else {
            "syncing one after the other"
        },
        args.processes,
        match (args.postgres, args.database_latency_us) {
            (true, 0) => "PostgreSQL".to_string(),
            (true, us) => format!("PostgreSQL {us} µs away each way"),
            (false, _) => "the embedded stores".to_string(),
        }
    );
    println!(
        "server ingest (HTTP + {}): {:.0} changes/s ({:.2} s)",
        if args.postgres {
            "PostgreSQL commit"
        } else {
            "fsync"
        },
        r.server_rate(),
        r.sync_time.as_secs_f64()
    );
    println!(
        "round trips: {} ({:.1} per device sync)",
        r.rounds,
        r.rounds as f64 / r.devices as f64
    );
    println!(
        "automerge in memory:          {:.0} changes/s ({:.3} s)",
        r.automerge_rate(),
        r.automerge_time.as_secs_f64()
    );
    println!(
        "automerge from bytes:         {:.0} changes/s ({:.3} s; the same changes parsed and hash-checked first, then applied)",
        r.automerge_from_bytes_rate(),
        r.automerge_from_bytes_time.as_secs_f64()
    );
    if args.postgres {
        println!("(the in-process store timings below are of the embedded SQLite store)");
    }
    println!(
        "server store receive only:    {:.0} changes/s ({:.3} s; apply + validate + index + fsync, no HTTP)",
        r.store_rate(),
        r.store_receive_time.as_secs_f64()
    );
    println!(
        "server store receive, checked: {:.0} changes/s ({:.3} s; the same plus admission: effect + rules)",
        r.checked_rate(),
        r.checked_receive_time.as_secs_f64()
    );
    println!(
        "cost of the checks: checked rate = {:.2} x unchecked (issue budget: >= 0.85)",
        r.checked_rate() / r.store_rate()
    );
    println!(
        "ratio to automerge: end to end {:.3}, store only {:.3}, checked store {:.3} (target >= 0.5)",
        r.server_rate() / r.automerge_rate(),
        r.store_rate() / r.automerge_rate(),
        r.checked_rate() / r.automerge_rate()
    );
    println!(
        "ratio to automerge from bytes: end to end {:.3}, checked store {:.3} (for context; the design's baseline is the line above)",
        r.server_rate() / r.automerge_from_bytes_rate(),
        r.checked_rate() / r.automerge_from_bytes_rate()
    );
    println!(
        "wire bytes {} vs raw change bytes {}: {:.2}x; budget 1.5x + 1 KB/doc = {:.0} bytes ({})",
        r.wire_bytes,
        r.raw_change_bytes,
        r.wire_bytes as f64 / r.raw_change_bytes as f64,
        r.wire_budget(),
        if (r.wire_bytes as f64) <= r.wire_budget() {
            "within"
        } else {
            "over"
        }
    );
    Ok(())
}

#[derive(Debug, Args)]
pub struct StoreBenchArgs {}

pub fn run_store(_args: &StoreBenchArgs) -> Result<(), CliError> {
    let root = std::env::temp_dir().join(format!("walkbook-bench-store-{}", std::process::id()));
    std::fs::create_dir_all(&root)?;
    let r = bench_store(&root);
    let _ = std::fs::remove_dir_all(&root);
    let r = r.map_err(|e| CliError::DemoCheck(e.to_string()))?;
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
    println!(
        "install a {}-household packet:      {:.1} ms",
        r.households,
        ms(r.install_5000)
    );
    println!(
        "database size per household:         {:.0} bytes",
        r.bytes_per_household
    );
    println!(
        "walk list of a 500-door turf (open):  {:.2} ms",
        ms(r.walk_list_500)
    );
    println!(
        "open store + next door:               {:.2} ms (target < 2 ms)",
        ms(r.open_and_next_door_500)
    );
    println!(
        "record_attempt (durable):             {:.3} ms vs bare FULL insert+commit {:.3} ms: {:.2}x (target <= 2x)",
        ms(r.record_attempt),
        ms(r.bare_commit),
        r.record_attempt.as_secs_f64() / r.bare_commit.as_secs_f64()
    );
    println!(
        "  encrypted (SQLCipher, as on phones): open+next door {:.2} ms, record_attempt {:.3} ms ({:.2}x)",
        ms(r.open_and_next_door_500_encrypted),
        ms(r.record_attempt_encrypted),
        r.record_attempt_encrypted.as_secs_f64() / r.bare_commit.as_secs_f64()
    );
    println!(
        "compacted document, 2,000 attempts:   {:.0} bytes per attempt",
        r.bytes_per_attempt_compacted
    );
    println!(
        "load a 2,000-attempt document:        {:.1} ms",
        ms(r.load_2000)
    );
    println!(
        "phone with every turf of a 5,000-door campaign: {:.1} MB (target < 20 MB)",
        r.campaign_storage_bytes as f64 / 1e6
    );
    Ok(())
}

#[derive(Debug, Args)]
pub struct OrganizerBenchArgs {
    /// Rows of the synthetic statewide voter file (NC `ncvoter` layout,
    /// tab-separated); a statewide file has 5-8 million.
    #[arg(long, default_value_t = 100_000)]
    pub voters: u64,
    /// Run only these parts (repeatable): import, cut, dashboard, checkout.
    #[arg(long = "part", value_parser = ["import", "cut", "dashboard", "checkout"])]
    pub parts: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ImportOnceArgs {
    #[arg(long)]
    pub data_dir: std::path::PathBuf,
    #[arg(long)]
    pub campaign: String,
    #[arg(long)]
    pub file: std::path::PathBuf,
}

pub fn run_import_once(args: &ImportOnceArgs) -> Result<(), CliError> {
    let r = walkbook_dev::bench::import_once(&args.data_dir, &args.campaign, &args.file)
        .map_err(|e| CliError::DemoCheck(e.to_string()))?;
    println!("{}", r.line());
    Ok(())
}

pub fn run_organizer(args: &OrganizerBenchArgs) -> Result<(), CliError> {
    walkbook_server::process::init_logs(walkbook_server::process::LogFormat::Text, "warn");
    let root = std::env::temp_dir().join(format!("walkbook-bench-org-{}", std::process::id()));
    std::fs::create_dir_all(&root)?;
    let rt = tokio::runtime::Runtime::new()?;
    let all = args.parts.is_empty();
    let part = |p: &str| all || args.parts.iter().any(|x| x == p);
    let parts = walkbook_dev::bench::OrganizerParts {
        import: part("import"),
        cut: part("cut"),
        dashboard: part("dashboard"),
        checkout: part("checkout"),
    };
    let r = rt.block_on(bench_organizer(&root, args.voters, parts));
    let _ = std::fs::remove_dir_all(&root);
    let r = r.map_err(|e| CliError::DemoCheck(e.to_string()))?;
    if let Some(c) = &r.cut {
        println!(
            "cut {} households into {} turfs: {:.2} s",
            c.households,
            c.turfs,
            c.time.as_secs_f64()
        );
    }
    if let Some(c) = &r.checkout {
        println!(
            "turf near me: {} check-outs of 30 doors from a universe of {} in a campaign of {} households: min {:.1} ms, median {:.1} ms",
            c.checkouts,
            c.universe,
            c.households,
            c.min.as_secs_f64() * 1000.0,
            c.median.as_secs_f64() * 1000.0
        );
    }
    if let Some(d) = &r.dashboard {
        println!(
            "dashboard with {} attempts (over HTTP; first request after a new result / median of the next 5):",
            d.attempts
        );
        println!(
            "  first request after the server started (every document read): {:.1} ms",
            d.after_start.as_secs_f64() * 1000.0
        );
        for (path, first, warm) in &d.pages {
            println!(
                "  {path:<24} {:>7.1} ms / {:>5.1} ms",
                first.as_secs_f64() * 1000.0,
                warm.as_secs_f64() * 1000.0
            );
        }
    }
    Ok(())
}
