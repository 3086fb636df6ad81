//! The command line: one subcommand per admin task, one function per subcommand.

mod admin;
mod error;
mod progress;
mod serve;

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
    /// Run the sync server.
    Serve(serve::ServeArgs),
    /// Campaign administration: create campaigns, assign, invite, revoke.
    Admin(admin::AdminArgs),
}

pub fn run(command: Command) -> Result<(), CliError> {
    match command {
        Command::Serve(args) => serve::run(&args),
        Command::Admin(args) => admin::run(&args),
    }
}
