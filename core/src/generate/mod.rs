//! Synthetic campaign generator: realistic fake reference data for demos,
//! tests and benchmarks. Deterministic for a seed.
