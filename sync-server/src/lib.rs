//! walkbook-server: merges results from every device, serves packets, the
//! admin commands and (later) the organizer dashboard.

pub mod admin;
pub mod dashboard;
pub mod db;
pub mod http;
pub mod people;
pub mod process;
pub mod progress;
pub mod universes;
