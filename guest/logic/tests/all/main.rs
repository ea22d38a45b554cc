//! The queue logic's tests, natively with a settable clock, in one binary:
//! the transfer engine's rules and the journal's records.

mod credentials;
mod download_limits;
mod engine;
mod http_method;
mod journal;
mod proxy_settings;
mod ranges;
mod redirects;
mod remote_names;
mod security;
mod upload;
