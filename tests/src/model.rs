//! Model-based testing: a reference model of the contract ([`spec`]), the
//! operations a client, a transferring host and the clock can send ([`ops`]),
//! and a runner that sends each to the real component (on a manual clock)
//! and to the model and compares every answer, every list of engine actions
//! and, on request, every job's state ([`run`]). Used by tests/all/model.rs
//! (proptest) and the fuzz target `operations` (arbitrary).

pub mod download_time;
pub mod ops;
pub mod run;
pub mod spec;

pub use ops::{Bytes, Failure, FilePick, GuidPick, JobCall, Op, Report};
pub use run::Run;
pub use spec::Model;
