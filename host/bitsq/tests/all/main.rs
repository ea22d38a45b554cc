//! bitsq's tests, in one binary (as wasmtime's `tests/all/main.rs`): each
//! runs the real `bitsq` as a child process, so they share nothing but the
//! helpers in `common` (issue-13 input handling) and `stored` (stored
//! queues and service children). `cli_timeout.rs` stays a binary of its
//! own: nothing heavy may run beside it.

mod chaos;
mod cli;
mod cli_hostile;
mod cli_input;
mod cli_survival;
mod client_certs;
mod common;
mod compile_cache;
mod copy_modes;
mod credentials;
mod damaged_rows;
mod digest;
mod download_limits;
mod http_method;
mod line_editing;
mod messages;
mod notify;
mod notify_dead_runs;
mod persistence;
mod postgres;
mod postgres_fence;
mod postgres_outage;
mod postgres_owners;
mod postgres_password;
mod postgres_queues;
mod postgres_roles;
mod postgres_secrets;
mod postgres_start_store;
mod postgres_storage;
mod postgres_tls;
mod progress_bar;
mod proxies;
mod ranges;
mod read_only;
mod redirects;
mod remote_names;
mod robust;
mod shell_fuzz;
mod stored;
mod transfer;
mod transfer_stop;
mod trust;
mod upload;
mod verbs;
mod wrong_codes;
