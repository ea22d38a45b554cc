//! The transfer service's tests, in one binary: transfers against the
//! in-process HTTP server with injected faults, uploads against the
//! in-process BITS server, and a service riding out a
//! shared (PostgreSQL) store that goes away.

mod client_certs;
mod download_limits;
mod grouped_endings;
mod idle_hosts;
mod liveness;
mod lost_bytes;
mod methods;
mod ranges;
mod redirects;
mod remote_names;
mod security_flags;
mod shared_store;
mod stalls;
mod transfers;
mod trust;
mod uploads;
mod wrong_codes;
