//! `walkbook-server bench-sync`: end-to-end sync benchmark (see ADR and README).

use clap::Args;
use walkbook_server::bench::bench_sync;

use super::CliError;

#[derive(Debug, Args)]
pub struct BenchArgs {
    #[arg(long, default_value_t = 50)]
    pub devices: usize,
    #[arg(long, default_value_t = 200)]
    pub attempts: usize,
}

pub fn run(args: &BenchArgs) -> Result<(), CliError> {
    super::serve::init_logs(super::serve::LogFormat::Text, "warn");
    let root = std::env::temp_dir().join(format!("walkbook-bench-{}", std::process::id()));
    std::fs::create_dir_all(&root)?;
    let rt = tokio::runtime::Runtime::new()?;
    let r = rt.block_on(bench_sync(&root, args.devices, args.attempts));
    let _ = std::fs::remove_dir_all(&root);
    let r = r.map_err(|e| CliError::DemoCheck(e.to_string()))?;
    println!(
        "{} devices x {} attempts = {} changes in {} documents",
        r.devices, r.attempts_per_device, r.changes, r.documents
    );
    println!(
        "server ingest (HTTP + fsync): {:.0} changes/s ({:.2} s)",
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
        "server store receive only:    {:.0} changes/s ({:.3} s; apply + validate + index + fsync, no HTTP)",
        r.store_rate(),
        r.store_receive_time.as_secs_f64()
    );
    println!(
        "ratio to automerge: end to end {:.3}, store only {:.3} (target >= 0.5)",
        r.server_rate() / r.automerge_rate(),
        r.store_rate() / r.automerge_rate()
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
