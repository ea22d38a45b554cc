//! Model-based test: random sequences of calls (long and multibyte names,
//! invalid URLs and paths, zero limits, unknown GUIDs, dropped handles) run
//! against the real component and against the reference model in
//! `bits_queue_tests::model`; every answer and, after every call, every
//! job's state must agree. Bounded (256 sequences of at most 50 calls) so it
//! runs in seconds in CI.

use bits_queue_tests::model::{GuidPick, JobCall, Op, Run};
use bits_queue_tests::runtime;
use proptest::prelude::*;

/// `count` copies of `unit`.
fn repeat(unit: &'static str, lengths: std::ops::RangeInclusive<usize>) -> BoxedStrategy<String> {
    lengths.prop_map(move |n| unit.repeat(n)).boxed()
}

/// Names and descriptions: short, any text, and right around the 256 and
/// 1,024 UTF-16 unit limits in one-unit and two-unit characters.
fn text() -> BoxedStrategy<String> {
    prop_oneof![
        4 => "[a-zA-Z é]{0,12}",
        2 => "\\PC{0,16}",
        1 => repeat("a", 254..=258),
        1 => repeat("é", 254..=258),
        1 => repeat("😀", 126..=130),
        1 => repeat("x", 1022..=1026),
        1 => repeat("😀", 510..=514),
    ]
    .boxed()
}

/// Remote names: mostly good URLs, so files get added and jobs move on;
/// then near-misses and garbage.
fn remote() -> BoxedStrategy<String> {
    prop_oneof![
        6 => "(http|HTTPS|https|FiLe)://[a-z]{1,6}(/[a-z0-9é]{0,6}){0,2}",
        3 => (
            "(http|https|file|ftp|htp)",
            "(://|:/|//)",
            "[a-z.]{0,3}",
            "[/a-z?# é\t]{0,6}"
        )
            .prop_map(|(s, sep, host, path)| format!("{s}{sep}{host}{path}")),
        1 => (2185usize..=2205).prop_map(|n| format!("https://h/{}", "a".repeat(n - 10))),
        1 => "\\PC{0,12}",
        1 => Just(String::new()),
    ]
    .boxed()
}

/// Local names: mostly good absolute and drive paths; then relative ones,
/// wildcards, control characters and lengths around 260.
fn local() -> BoxedStrategy<String> {
    prop_oneof![
        5 => "/[a-z/é]{0,10}",
        3 => "[A-Za-z1]:[\\\\/][a-z*?\\\\]{0,6}",
        1 => "[a-z]{0,5}",
        1 => "/[a-z]\t[a-z]",
        1 => (255usize..=265).prop_map(|n| format!("/{}", "p".repeat(n - 1))),
        1 => "\\PC{0,8}",
    ]
    .boxed()
}

fn job_call() -> impl Strategy<Value = JobCall> {
    prop_oneof![
        1 => Just(JobCall::Id),
        1 => Just(JobCall::Type),
        1 => Just(JobCall::State),
        1 => Just(JobCall::DisplayName),
        1 => text().prop_map(JobCall::SetDisplayName),
        1 => Just(JobCall::Description),
        1 => text().prop_map(JobCall::SetDescription),
        1 => Just(JobCall::Priority),
        1 => any::<u8>().prop_map(JobCall::SetPriority),
        1 => Just(JobCall::Progress),
        6 => (remote(), local()).prop_map(|(r, l)| JobCall::AddFile(r, l)),
        2 => prop::collection::vec((remote(), local()), 0..4).prop_map(JobCall::AddFileSet),
        1 => Just(JobCall::Files),
        1 => Just(JobCall::Suspend),
        3 => Just(JobCall::Resume),
        1 => Just(JobCall::Cancel),
        1 => Just(JobCall::Complete),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (text(), prop_oneof![3 => Just(0u8), 1 => Just(1u8), 1 => Just(2u8)])
            .prop_map(|(name, job_type)| Op::CreateJob { name, job_type }),
        2 => prop_oneof![
            3 => any::<u8>().prop_map(GuidPick::Known),
            1 => Just(GuidPick::Nil),
            1 => any::<[u8; 16]>().prop_map(GuidPick::Other),
        ]
        .prop_map(Op::GetJob),
        1 => Just(Op::EnumJobs),
        1 => Just(Op::NewManager),
        1 => any::<u8>().prop_map(Op::DropHandle),
        10 => (any::<u8>(), job_call()).prop_map(|(handle, call)| Op::Job { handle, call }),
        1 => (0u32..6, 0u32..4).prop_map(|(max_jobs, max_files_per_job)| Op::SetLimits {
            max_jobs,
            max_files_per_job,
        }),
        1 => Just(Op::GetLimits),
        1 => "[{]?[0-9a-fA-F-]{30,38}[}]?".prop_map(Op::ParseGuid),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        // Shrinking re-runs sequences; keep a failure's report quick.
        max_shrink_iters: 2048,
        ..ProptestConfig::default()
    })]

    #[test]
    fn the_component_agrees_with_the_model(ops in prop::collection::vec(op(), 1..=50)) {
        let queue = runtime().new_queue().expect("instantiate");
        let mut run = Run::new(queue).map_err(TestCaseError::fail)?;
        for (step, op) in ops.iter().enumerate() {
            run.apply(op)
                .and_then(|()| run.check_state())
                .map_err(|why| TestCaseError::fail(format!("step {step}, {op:?}: {why}")))?;
        }
    }
}
