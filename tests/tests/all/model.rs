//! Model-based test: random sequences of calls (long and multibyte names,
//! invalid URLs and paths, zero limits, unknown GUIDs, dropped handles),
//! interleaved with a transferring host's engine calls (polls, reports on
//! files in flight and on wrong ones, slot counts) and steps of the clock,
//! run against the real component and against the reference model in
//! `bits_queue_tests::model`; every answer, every list of actions and, after
//! every call, every job's state must agree. Bounded (see the config below)
//! so it runs in seconds in CI.

use bits_queue_tests::model::{Bytes, Failure, FilePick, GuidPick, JobCall, Op, Report, Run};
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
        1 => Just(JobCall::Times),
        1 => Just(JobCall::Error),
        1 => Just(JobCall::FileProgress),
        1 => Just(JobCall::MinimumRetryDelay),
        2 => prop_oneof![
            3 => 0u32..=7,
            2 => prop::sample::select(vec![10u32, 30, 60, 600, 3600]),
            1 => any::<u32>(),
        ]
        .prop_map(JobCall::SetMinimumRetryDelay),
        1 => Just(JobCall::NoProgressTimeout),
        2 => prop_oneof![
            2 => Just(0u32),
            3 => 1u32..=12,
            2 => prop::sample::select(vec![30u32, 60, 599, 600, 601, 3600, 1_209_600]),
            1 => any::<u32>(),
        ]
        .prop_map(JobCall::SetNoProgressTimeout),
        1 => Just(JobCall::NotifyFlags),
        2 => prop_oneof![
            6 => 0u32..=15,
            1 => 16u32..=64,
            1 => any::<u32>(),
        ]
        .prop_map(JobCall::SetNotifyFlags),
    ]
}

fn guid_pick() -> impl Strategy<Value = GuidPick> {
    prop_oneof![
        3 => any::<u8>().prop_map(GuidPick::Known),
        1 => Just(GuidPick::Nil),
        1 => any::<[u8; 16]>().prop_map(GuidPick::Other),
    ]
}

/// Which file a report names: mostly one in flight.
fn file_pick() -> impl Strategy<Value = FilePick> {
    prop_oneof![
        8 => any::<u8>().prop_map(FilePick::InFlight),
        1 => (guid_pick(), 0u8..3).prop_map(|(job, file_index)| FilePick::Any { job, file_index }),
    ]
}

fn failure() -> impl Strategy<Value = Failure> {
    prop_oneof![
        4 => prop::sample::select(vec![
            0u16, 200, 300, 304, 305, 306, 307, 308, 400, 404, 407, 408, 409, 410, 429, 499,
            500, 501, 502, 503, 504, 505, 599, 65535,
        ])
        .prop_map(Failure::HttpStatus),
        4 => prop::sample::select(vec![408u16, 500, 502, 503, 504]).prop_map(Failure::HttpStatus),
        4 => Just(Failure::ConnectFailed),
        4 => Just(Failure::Interrupted),
        1 => Just(Failure::RangeUnsupported),
        1 => Just(Failure::SizeUnknown),
        1 => Just(Failure::LocalIo),
        1 => Just(Failure::RemoteMissing),
        1 => Just(Failure::Unsupported),
    ]
}

fn report() -> impl Strategy<Value = Report> {
    prop_oneof![
        3 => (
            prop_oneof![1 => Just(None), 3 => (0u16..40).prop_map(Some)],
            prop::option::of(0u8..4),
        )
            .prop_map(|(size, validator)| Report::Connected { size, validator }),
        5 => prop_oneof![
            3 => (0u16..20).prop_map(Bytes::More),
            1 => (0u16..50).prop_map(Bytes::Exactly),
            1 => Just(Bytes::Same),
            1 => (0u8..3).prop_map(Bytes::Fewer),
            2 => Just(Bytes::Size),
            1 => Just(Bytes::PastSize),
        ]
        .prop_map(Report::Progress),
        3 => Just(Report::Done),
        2 => failure().prop_map(Report::Failure),
        1 => Just(Report::Lost),
    ]
}

/// Clock steps: nothing, a little, around the retry floor (5 s), the
/// default retry delay (600 s) and the default timeout (14 days).
fn advance() -> impl Strategy<Value = Op> {
    (
        prop_oneof![
            3 => 0u32..=3,
            2 => 4u32..=6,
            1 => 28u32..=31,
            2 => 595u32..=605,
            1 => 100u32..=700,
            1 => 3_000u32..=90_000,
            1 => 1_209_595u32..=1_209_605,
        ],
        prop_oneof![3 => Just(0u32), 1 => Just(1_000u32), 1 => 0u32..1_000_000_000],
    )
        .prop_map(|(seconds, nanoseconds)| Op::Advance {
            seconds,
            nanoseconds,
        })
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (text(), prop_oneof![3 => Just(0u8), 1 => Just(1u8), 1 => Just(2u8)])
            .prop_map(|(name, job_type)| Op::CreateJob { name, job_type }),
        2 => guid_pick().prop_map(Op::GetJob),
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
        6 => Just(Op::Poll),
        1 => Just(Op::TakeFileActions),
        1 => Just(Op::NextWake),
        1 => prop_oneof![1 => Just(0u32), 4 => 1u32..=3, 1 => any::<u32>()]
            .prop_map(Op::SetBackgroundSlots),
        9 => (file_pick(), report()).prop_map(|(file, report)| Op::Report { file, report }),
        3 => advance(),
    ]
}

/// A download URL and a local path in one of a few directories, always
/// valid, so the transfer-focused sequences get files to transfer.
fn good_file() -> impl Strategy<Value = (String, String)> {
    (
        "(https|http|file)://h/[a-c]{1,2}",
        prop_oneof![
            "/d/[a-c]{1,2}",
            "/d/e/[a-c]",
            "C:\\\\t\\\\[a-c]",
            "c:/t/[a-c]",
            Just("/x".to_owned()),
        ],
    )
}

/// The calls of a client that transfers: add files, resume, change the
/// priority and the retry settings, suspend, complete, cancel, and read.
fn transfer_call() -> impl Strategy<Value = JobCall> {
    prop_oneof![
        6 => good_file().prop_map(|(r, l)| JobCall::AddFile(r, l)),
        1 => prop::collection::vec(good_file(), 0..3).prop_map(JobCall::AddFileSet),
        6 => Just(JobCall::Resume),
        2 => Just(JobCall::Suspend),
        1 => Just(JobCall::Cancel),
        2 => Just(JobCall::Complete),
        4 => any::<u8>().prop_map(JobCall::SetPriority),
        1 => "[a-z]{0,3}".prop_map(JobCall::SetDescription),
        2 => prop_oneof![0u32..=7, Just(30u32), Just(600u32)].prop_map(JobCall::SetMinimumRetryDelay),
        2 => prop_oneof![
            Just(0u32),
            1u32..=12,
            600u32..=1_300,
            prop::sample::select(vec![30u32, 1_209_600]),
        ]
        .prop_map(JobCall::SetNoProgressTimeout),
        2 => prop_oneof![6 => 0u32..=15, 1 => 16u32..=40].prop_map(JobCall::SetNotifyFlags),
        1 => Just(JobCall::Times),
        1 => Just(JobCall::Error),
        1 => Just(JobCall::FileProgress),
        1 => Just(JobCall::Progress),
        1 => Just(JobCall::State),
    ]
}

/// Mostly a transferring host's life: jobs with files, polls, reports on
/// files in flight, clock steps; now and then any other operation.
fn transfer_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => prop_oneof![6 => Just(0u8), 1 => Just(1u8), 1 => Just(2u8)]
            .prop_map(|job_type| Op::CreateJob { name: "t".into(), job_type }),
        14 => (any::<u8>(), transfer_call()).prop_map(|(handle, call)| Op::Job { handle, call }),
        12 => Just(Op::Poll),
        2 => Just(Op::TakeFileActions),
        1 => Just(Op::NextWake),
        1 => prop_oneof![1 => Just(0u32), 6 => 1u32..=3].prop_map(Op::SetBackgroundSlots),
        20 => (file_pick(), report()).prop_map(|(file, report)| Op::Report { file, report }),
        4 => advance(),
        1 => Just(Op::EnumJobs),
        1 => any::<u8>().prop_map(Op::DropHandle),
        2 => op(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 1024,
        // Shrinking re-runs sequences; keep a failure's report quick.
        max_shrink_iters: 2048,
        ..ProptestConfig::default()
    })]

    #[test]
    fn the_component_agrees_with_the_model(
        seed in any::<u64>(),
        ops in prop::collection::vec(op(), 1..=50),
    ) {
        let mut run = Run::new(runtime(), seed).map_err(TestCaseError::fail)?;
        for (step, op) in ops.iter().enumerate() {
            run.apply(op)
                .and_then(|()| run.check_state())
                .map_err(|why| TestCaseError::fail(format!("step {step}, {op:?}: {why}")))?;
        }
    }
}

/// A start for the transfer-focused sequences: one to three jobs (mostly
/// downloads), each with one to three files and a priority, mostly resumed.
fn setup() -> impl Strategy<Value = Vec<Op>> {
    prop::collection::vec(
        (
            prop_oneof![6 => Just(0u8), 1 => Just(1u8), 1 => Just(2u8)],
            prop::collection::vec(good_file(), 1..=3),
            any::<u8>(),
            prop::bool::weighted(0.8),
        ),
        1..=3,
    )
    .prop_map(|jobs| {
        let mut ops = Vec::new();
        for (handle, (job_type, files, priority, resume)) in jobs.into_iter().enumerate() {
            let handle = handle as u8;
            ops.push(Op::CreateJob {
                name: "t".into(),
                job_type,
            });
            for (remote, local) in files {
                ops.push(Op::Job {
                    handle,
                    call: JobCall::AddFile(remote, local),
                });
            }
            ops.push(Op::Job {
                handle,
                call: JobCall::SetPriority(priority),
            });
            if resume {
                ops.push(Op::Job {
                    handle,
                    call: JobCall::Resume,
                });
            }
        }
        ops
    })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 8192,
        max_shrink_iters: 4096,
        ..ProptestConfig::default()
    })]

    /// Transfers: random interleavings of client calls, engine reports and
    /// clock steps agree with the model on every result and state.
    #[test]
    fn transfers_agree_with_the_model(
        seed in any::<u64>(),
        setup in setup(),
        ops in prop::collection::vec(transfer_op(), 1..=100),
    ) {
        let mut run = Run::new(runtime(), seed).map_err(TestCaseError::fail)?;
        for (step, op) in setup.iter().chain(&ops).enumerate() {
            run.apply(op)
                .and_then(|()| run.check_state())
                .map_err(|why| TestCaseError::fail(format!("step {step}, {op:?}: {why}")))?;
        }
    }
}

/// Replays `ops` on a fresh run, comparing every answer and, after each
/// call, the whole state.
fn replay(ops: &[Op]) -> Result<(), String> {
    let mut run = Run::new(runtime(), 1)?;
    for (step, op) in ops.iter().enumerate() {
        run.apply(op)
            .and_then(|()| run.check_state())
            .map_err(|why| format!("step {step}, {op:?}: {why}"))?;
    }
    Ok(())
}

fn on(handle: u8, call: JobCall) -> Op {
    Op::Job { handle, call }
}

fn download() -> Op {
    Op::CreateJob {
        name: "d".into(),
        job_type: 0,
    }
}

fn add_file() -> JobCall {
    JobCall::AddFile("https://h/a".into(), "/d/a".into())
}

fn on_flight(report: Report) -> Op {
    Op::Report {
        file: FilePick::InFlight(0),
        report,
    }
}

/// §10: pending notices are capped at 1,024, the oldest dropped; changes
/// that alternate between two jobs are never folded, so 1,100 of them
/// overflow the cap (no random sequence is that long).
#[test]
fn pending_notices_are_capped_as_the_model_says() {
    let mut ops = vec![
        download(),
        download(),
        on(0, JobCall::SetNotifyFlags(0x8)),
        on(1, JobCall::SetNotifyFlags(0xB)),
    ];
    for i in 0..1_100u32 {
        ops.push(on((i % 2) as u8, JobCall::SetDescription(i.to_string())));
    }
    ops.push(Op::Poll);
    ops.push(Op::Poll);
    replay(&ops).unwrap();
}

/// §10 ("a report that brings no new byte changes nothing"): a progress
/// report of the bytes already there leaves a `connecting` job connecting.
#[test]
fn a_progress_report_without_a_new_byte_changes_nothing() {
    replay(&[
        download(),
        on(0, add_file()),
        on(0, JobCall::Resume),
        Op::Poll,
        on_flight(Report::Progress(Bytes::Same)),
    ])
    .unwrap();
}

/// §10 ("Arriving bytes, and nothing else, reset the no-progress timer"):
/// a file done without a byte arriving leaves the deadline running, so it
/// passes while the next file is connecting.
#[test]
fn report_done_leaves_the_no_progress_deadline_running() {
    replay(&[
        download(),
        on(0, add_file()),
        on(0, add_file()),
        on(0, JobCall::Resume),
        Op::Poll,
        on_flight(Report::Failure(Failure::HttpStatus(503))),
        Op::Advance {
            seconds: 600,
            nanoseconds: 0,
        },
        Op::Poll,
        on_flight(Report::Done),
        Op::Poll,
        Op::Advance {
            seconds: 1_209_000,
            nanoseconds: 0,
        },
        Op::Poll,
    ])
    .unwrap();
}
