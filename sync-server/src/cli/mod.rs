//! The command line: one subcommand per admin task, one function per subcommand.

mod demo;
mod error;
mod generate;
mod summary;

use clap::{Parser, Subcommand};

pub use error::CliError;

#[derive(Debug, Parser)]
#[command(
    name = "walkbook-server",
    version,
    about = "walkbook sync server, admin CLI and organizer dashboard"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate a synthetic campaign: DIR/campaign.json and DIR/voters.csv.
    Generate(generate::GenerateArgs),
    /// Run a self-contained demo on a synthetic campaign.
    Demo(demo::DemoArgs),
}

pub fn run(command: Command) -> Result<(), CliError> {
    match command {
        Command::Generate(args) => generate::run(&args),
        Command::Demo(args) => demo::run(&args),
    }
}
