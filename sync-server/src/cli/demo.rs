//! `walkbook-server demo`: a self-contained run on a synthetic campaign.
//! For now it generates the campaign and shows its turfs; serving it and
//! simulating volunteers come next.

use std::path::PathBuf;

use clap::Args;
use walkbook_core::generate::GenerateOptions;

use super::CliError;
use super::generate::{generate_validated, write_campaign_files};
use super::summary::{print_files, print_summary, print_turfs};

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Number of households in the demo campaign.
    #[arg(long, default_value_t = 600)]
    pub households: usize,
    /// Seed of the demo campaign.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
}

pub fn run(args: &DemoArgs) -> Result<(), CliError> {
    let data = generate_validated(&GenerateOptions {
        households: args.households,
        seed: args.seed,
    })?;
    let files = write_campaign_files(&data, &demo_dir())?;
    print_summary(&data);
    print_files(&files);
    println!();
    print_turfs(&data);
    Ok(())
}

/// A fresh directory per run, so two demos never share files.
fn demo_dir() -> PathBuf {
    std::env::temp_dir().join(format!("walkbook-demo-{}", std::process::id()))
}
