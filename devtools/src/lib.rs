//! walkbook-dev: the tools around walkbook that are not the product: the
//! demo (a simulated day of volunteers against a real server), the
//! benchmarks and the fault-injecting proxy the tests use. The synthetic
//! campaign generator itself lives in `walkbook_core::generate` (behind the
//! `organizer` feature), because core's own import and turf-cutting tests
//! use it.

pub mod bench;
pub mod demo;
pub mod faults;
pub mod postgres;
