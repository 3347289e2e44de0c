//! One integration-test binary. Each HTTP test runs twice: on its own SQLite file and on its
//! own database in a real PostgreSQL server (see `helpers::postgres`).

mod helpers;

mod admin;
mod auth;
mod browser;
mod cli;
mod climate;
mod errors;
mod exports;
mod faults;
mod feedback;
mod import;
mod oidc;
mod plan;
mod progress;
mod progress_import;
mod reports;
mod round;
mod scheduler;
mod schema;
mod secrets;
mod seed;
mod signin;
mod site;
mod startup;
mod workspace;
