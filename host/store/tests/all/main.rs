//! The store's tests, in one binary: `suite` holds the checks every store
//! passes alike; `persistence` runs them on memory and SQLite, `postgres`
//! on a real PostgreSQL server, with the checks only a shared queue needs;
//! `errors` follows a store's errors down to SQLite's and PostgreSQL's own.

mod errors;
mod file_modes;
mod persistence;
mod postgres;
mod postgres_errors;
mod postgres_schema;
mod postgres_tombstones;
mod postgres_wakes;
mod settling;
mod suite;
