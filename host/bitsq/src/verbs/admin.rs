//! `admin migrate`: the queue's tables created or migrated, as a step of
//! its own. On PostgreSQL every other command only checks the schema's
//! version, so a role that may only read and write rows (and a read-only
//! database, for the reading verbs) can use a queue once a role that may
//! create tables has run this.

use crate::exit::Status;
use crate::output::{say, tell};

/// Runs `admin ARGS` on the queue at `location`, which it opens itself.
pub fn admin(location: &str, args: &[String]) -> Status {
    match args {
        [what] if what.eq_ignore_ascii_case("migrate") => {
            match bits_queue_store::migrate_location(location) {
                Ok(done) => {
                    say!("{done}");
                    Status::Done
                }
                Err(e) => {
                    tell!(
                        "bitsq: the queue {}: {e}",
                        bits_queue_store::redact(location)
                    );
                    Status::Store
                }
            }
        }
        _ => {
            tell!("usage: admin migrate");
            Status::Usage
        }
    }
}
