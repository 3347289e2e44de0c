//! klimaspor: keeps a municipality's climate action plan honest.
//!
//! Where each concern lives:
//! - [`domain`]: the plan's rules (deadlines, status, progress, the plan document format);
//!   plain Rust, no web framework, no database.
//! - [`db`]: storage over SQLite or PostgreSQL with one diesel code path; migrations; import.
//! - [`api`]: the REST API (actix-web): handlers, errors as problem+json, auth, OpenAPI.
//! - [`startup`]: wiring a configuration into a running server.
//! - [`cli`]: the `klimaspor` command line.

pub mod api;
pub mod benchdata;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod domain;
pub mod emissions_import;
pub mod export;
pub mod mail;
pub mod memory;
pub mod progress_import;
pub mod report;
pub mod scheduler;
pub mod startup;
pub mod telemetry;
pub mod web;

/// The Ballerup Kommune plan, compiled in so a fresh database can be seeded without files.
pub const BALLERUP_SEED: &str = include_str!("../seeds/ballerup.json");
