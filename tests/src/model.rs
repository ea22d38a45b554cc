//! Model-based testing: a reference model of the contract ([`spec`]), the
//! operations a client can send ([`ops`]), and a runner that sends each to
//! the real component and to the model and compares every answer and, on
//! request, every job's state ([`run`]). Used by tests/model.rs (proptest)
//! and the fuzz target `operations` (arbitrary).

pub mod ops;
pub mod run;
pub mod spec;

pub use ops::{GuidPick, JobCall, Op};
pub use run::Run;
pub use spec::Model;
