//! Running a job's notify program (contract §16.1) when the component hands
//! it out: directly, never through a shell, as the service's own user.
//!
//! The parameters are split into argv as Windows' CommandLineToArgvW splits
//! them (`winsplit`); their first word is argv[0]. Nothing is substituted:
//! the client wrote the job's GUID into the parameters when it set them.
//! The program also finds `BITSQ_JOB_ID` and `BITSQ_JOB_EVENT` in its
//! environment. stdin, stdout and stderr are `/dev/null`, the working
//! directory is `/`, and a program still running after 600 s is killed.
//! Whatever happens is reported with `report-command-exit`: a program that
//! cannot start, is killed or fails never stops the service.

use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use bits_queue_host::{NotifyCmdLine, NotifyEvent};

/// How long a program may run before it is killed.
pub(crate) const LIMIT: Duration = Duration::from_secs(600);

/// How often a running program is looked at.
const POLL: Duration = Duration::from_millis(50);

/// The word `BITSQ_JOB_EVENT` holds for `event`.
fn event_word(event: NotifyEvent) -> &'static str {
    match event {
        NotifyEvent::Transferred => "transferred",
        NotifyEvent::Error => "error",
        NotifyEvent::Modification => "modification",
    }
}

/// The argv `command` runs with: its parameters split as
/// CommandLineToArgvW splits them, or the program alone when they hold
/// no word.
pub(crate) fn argv(command: &NotifyCmdLine) -> Vec<String> {
    let words = winsplit::split(&command.parameters);
    if words.is_empty() {
        vec![command.program.clone()]
    } else {
        words
    }
}

/// Runs `command` for `job`'s `event` and waits for it, at most `limit`:
/// its exit code, or `None` with the reason when it did not start, was
/// killed by a signal, or ran out of time (and was killed).
pub(crate) fn run(
    command: &NotifyCmdLine,
    job: &str,
    event: NotifyEvent,
    limit: Duration,
) -> Result<i32, String> {
    let argv = argv(command);
    let mut child = Command::new(&command.program)
        .arg0(&argv[0])
        .args(&argv[1..])
        .env("BITSQ_JOB_ID", job)
        .env("BITSQ_JOB_EVENT", event_word(event))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .current_dir("/")
        .spawn()
        .map_err(|e| format!("{} cannot be started: {e}", command.program))?;
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                return status
                    .code()
                    .ok_or_else(|| format!("{} was killed ({status})", command.program));
            }
            Ok(None) if started.elapsed() >= limit => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "{} ran longer than {} s and was killed",
                    command.program,
                    limit.as_secs()
                ));
            }
            Ok(None) => thread::sleep(POLL),
            Err(e) => return Err(format!("{} cannot be waited for: {e}", command.program)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmd(parameters: &str) -> NotifyCmdLine {
        NotifyCmdLine {
            program: "/bin/sh".into(),
            parameters: parameters.into(),
        }
    }

    #[test]
    fn parameters_split_as_windows_splits_them() {
        assert_eq!(argv(&cmd("")), ["/bin/sh"]);
        assert_eq!(argv(&cmd("  ")), ["/bin/sh"]);
        assert_eq!(
            argv(&cmd(r#"sh -c "echo a b" \"q\" x\\y"#)),
            ["sh", "-c", "echo a b", "\"q\"", r"x\\y"]
        );
    }

    #[test]
    fn exit_codes_failures_and_the_time_limit() {
        let second = Duration::from_secs(1);
        assert_eq!(
            run(&cmd(r#"sh -c "exit 3""#), "{J}", NotifyEvent::Error, LIMIT),
            Ok(3)
        );
        let missing = NotifyCmdLine {
            program: "/nonexistent/notify".into(),
            parameters: String::new(),
        };
        let why = run(&missing, "{J}", NotifyEvent::Transferred, LIMIT).unwrap_err();
        assert!(why.contains("cannot be started"), "{why}");
        let why = run(
            &cmd(r#"sh -c "sleep 30""#),
            "{J}",
            NotifyEvent::Error,
            second,
        )
        .unwrap_err();
        assert!(why.contains("was killed"), "{why}");
    }
}
