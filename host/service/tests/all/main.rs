//! The transfer service's tests, in one binary: transfers against the
//! in-process HTTP server with injected faults, and a service riding out a
//! shared (PostgreSQL) store that goes away.

mod liveness;
mod redirects;
mod shared_store;
mod transfers;
mod trust;
