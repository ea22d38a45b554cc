//! The notify program (contract §16.1): the command line a job keeps, and
//! the one run it may have pending. When a run is due is decided here; the
//! host only runs what `take-notify-commands` hands it and reports how it
//! ended.
//!
//! A run belongs to the state whose entry made it due (`transferred` or
//! `error`): leaving that state drops it ([`Job::settle_notify_run`], called
//! with every change's time stamp), so a resumed, completed or cancelled
//! job never runs a stale program.

use bits_queue_contract::notify::{MAX_PARAMETERS, MAX_PROGRAM};
use bits_queue_contract::{
    CallError, Datetime, ErrorCode, JobState, NotifyCmdLine, NotifyCommand, NotifyEvent,
};

use crate::job::Job;
use crate::validate::{self, LocalNameFault};

/// A job's pending run: journaled, so two hosts of one queue never both
/// run it, and a restarted host still knows it is due.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct NotifyRun {
    /// `transferred` or `error`.
    pub(crate) event: NotifyEvent,
    /// When it is due (again).
    pub(crate) due: Datetime,
    /// Handed to a host, whose `report-command-exit` has not come yet.
    pub(crate) running: bool,
}

/// The state a run of `event` belongs to; none for `modification`, which
/// never runs the program.
pub(crate) fn state_of(event: NotifyEvent) -> Option<JobState> {
    match event {
        NotifyEvent::Transferred => Some(JobState::Transferred),
        NotifyEvent::Error => Some(JobState::Error),
        NotifyEvent::Modification => None,
    }
}

/// The contract's checks of a command line: lengths first
/// (`string-too-long`), then the program's form (an absolute local name)
/// and no NUL in the parameters (`invalid-argument`).
pub fn check_cmd_line(command: &NotifyCmdLine) -> Result<(), CallError> {
    if !validate::fits_utf16(&command.program, MAX_PROGRAM)
        || !validate::fits_utf16(&command.parameters, MAX_PARAMETERS)
    {
        return Err(CallError::StringTooLong);
    }
    match validate::local_name_fault(&command.program) {
        Some(LocalNameFault::TooLong) => Err(CallError::StringTooLong),
        Some(_) => Err(CallError::InvalidArgument),
        None if command.parameters.contains('\0') => Err(CallError::InvalidArgument),
        None => Ok(()),
    }
}

impl Job {
    /// `get-notify-cmd-line`.
    pub fn notify_cmd_line(&self) -> Option<NotifyCmdLine> {
        self.notify_cmd.clone()
    }

    /// `set-notify-cmd-line`: any job type, any state that is not final.
    /// `None` removes the command line and a run not yet taken; a command
    /// line set while the job sits in a state that runs it is due at once.
    pub(crate) fn set_notify_cmd_line(
        &mut self,
        command: Option<NotifyCmdLine>,
    ) -> Result<(), CallError> {
        self.check_not_final()?;
        if let Some(command) = &command {
            check_cmd_line(command)?;
        }
        self.notify_cmd = command;
        if self.notify_cmd.is_none() {
            self.notify_run = self.notify_run.filter(|run| run.running);
        } else if self.notify_run.is_none() {
            for event in [NotifyEvent::Transferred, NotifyEvent::Error] {
                self.arm_notify_run(event);
            }
        }
        Ok(())
    }

    /// The job just entered the state of `event`: its run is due now if it
    /// has a command line and its notify flags ask for the event. A newer
    /// event replaces a run not yet taken.
    pub(crate) fn arm_notify_run(&mut self, event: NotifyEvent) {
        let wanted = self.notify_cmd.is_some()
            && event.wanted_by(self.notify_flags)
            && state_of(event) == Some(self.state);
        if wanted && !self.notify_run.is_some_and(|run| run.running) {
            self.notify_run = Some(NotifyRun {
                event,
                due: self.times.modification,
                running: false,
            });
        }
    }

    /// Drops a run whose state the job has left (resume, complete,
    /// cancel…).
    pub(crate) fn settle_notify_run(&mut self) {
        if self
            .notify_run
            .is_some_and(|run| state_of(run.event) != Some(self.state))
        {
            self.notify_run = None;
        }
    }

    /// Hands out the job's run if it is due at `now`, marking it running.
    pub(crate) fn take_notify_run(&mut self, now: Datetime) -> Option<NotifyCommand> {
        self.settle_notify_run();
        let run = self.notify_run.as_mut()?;
        let command = self.notify_cmd.clone()?;
        if run.running || run.due > now {
            return None;
        }
        run.running = true;
        Some(NotifyCommand {
            job: self.id,
            event: run.event,
            command,
        })
    }

    /// `report-command-exit` for this job at `now`: 0 ends the run; another
    /// code, or none, makes it due again after the minimum retry delay.
    /// `invalid-state` unless that run is running.
    pub(crate) fn report_command_exit(
        &mut self,
        event: NotifyEvent,
        exit_code: Option<i32>,
        now: Datetime,
    ) -> Result<(), ErrorCode> {
        let run = self
            .notify_run
            .as_mut()
            .filter(|run| run.running && run.event == event)
            .ok_or(ErrorCode::InvalidState)?;
        if exit_code == Some(0) {
            self.notify_run = None;
        } else {
            run.running = false;
            run.due = now.plus_seconds(u64::from(self.minimum_retry_delay));
        }
        Ok(())
    }

    /// When the job's run is due, if one waits for a host.
    pub(crate) fn notify_due(&self) -> Option<Datetime> {
        self.notify_run
            .filter(|run| !run.running && state_of(run.event) == Some(self.state))
            .map(|run| run.due)
    }
}

#[cfg(test)]
mod tests {
    use alloc::vec::Vec;

    use bits_queue_contract::{Action, Change, JobType, TransferFailure, notify_flags};

    use super::*;
    use crate::clock::ManualClock;
    use crate::queue::{JobRef, QueueState};
    use crate::random::SplitMix64;

    fn cmd() -> NotifyCmdLine {
        NotifyCmdLine {
            program: "/usr/bin/logger".into(),
            parameters: "logger done".into(),
        }
    }

    fn queue() -> (QueueState, ManualClock) {
        let clock = ManualClock::at(Datetime::from_seconds(1_000));
        (
            QueueState::with_clock(SplitMix64::new(3), clock.clone()),
            clock,
        )
    }

    /// A resumed one-file download, started: its file's reference.
    fn started(queue: &QueueState, job: &JobRef) -> bits_queue_contract::FileRef {
        job.add_file("http://h/a", "/tmp/a").unwrap();
        job.resume().unwrap();
        let Some(Action::Start(order)) = queue.poll().into_iter().next() else {
            panic!("a start order");
        };
        order.file
    }

    fn transferred(queue: &QueueState, job: &JobRef) {
        let file = started(queue, job);
        queue.report_connected(file, Some(1), None).unwrap();
        queue.report_progress(file, 1).unwrap();
        queue.report_done(file).unwrap();
        assert_eq!(job.state(), JobState::Transferred);
    }

    #[test]
    fn checks_come_in_the_contract_order() {
        let (queue, _) = queue();
        let job = queue.create_job("j", JobType::Download).unwrap();
        let long = NotifyCmdLine {
            program: alloc::format!("/{}", "a".repeat(260)),
            parameters: alloc::string::String::new(),
        };
        assert_eq!(
            job.set_notify_cmd_line(Some(long)),
            Err(CallError::StringTooLong)
        );
        for (program, parameters) in [("bin/x", ""), ("/bin/*", ""), ("/bin/x", "a\0b")] {
            let bad = NotifyCmdLine {
                program: program.into(),
                parameters: parameters.into(),
            };
            assert_eq!(
                job.set_notify_cmd_line(Some(bad)),
                Err(CallError::InvalidArgument)
            );
        }
        assert_eq!(job.notify_cmd_line(), None);
        job.set_notify_cmd_line(Some(cmd())).unwrap();
        assert_eq!(job.notify_cmd_line(), Some(cmd()));
        job.set_notify_cmd_line(None).unwrap();
        assert_eq!(job.notify_cmd_line(), None);
    }

    /// §16.1: entering `transferred` makes one run due; it is handed out
    /// once; exit 0 ends it, another code makes it due again after the
    /// minimum retry delay.
    #[test]
    fn a_transferred_job_runs_its_program_once() {
        let (queue, clock) = queue();
        let job = queue.create_job("j", JobType::Download).unwrap();
        job.set_notify_cmd_line(Some(cmd())).unwrap();
        assert!(queue.take_notify_commands().is_empty());
        transferred(&queue, &job);
        let taken = queue.take_notify_commands();
        assert_eq!(
            taken,
            [NotifyCommand {
                job: job.id(),
                event: NotifyEvent::Transferred,
                command: cmd(),
            }]
        );
        assert!(queue.take_notify_commands().is_empty(), "handed out once");
        queue
            .report_command_exit(job.id(), NotifyEvent::Transferred, Some(1))
            .unwrap();
        assert!(queue.take_notify_commands().is_empty(), "not due yet");
        let due = queue.next_wake().unwrap();
        assert_eq!(due, clock.get().plus_seconds(600));
        clock.advance(600);
        assert_eq!(queue.take_notify_commands().len(), 1);
        queue
            .report_command_exit(job.id(), NotifyEvent::Transferred, Some(0))
            .unwrap();
        assert_eq!(
            queue.report_command_exit(job.id(), NotifyEvent::Transferred, Some(0)),
            Err(ErrorCode::InvalidState)
        );
        clock.advance(10_000);
        assert!(queue.take_notify_commands().is_empty(), "ended for good");
    }

    /// §16.1: flags decide; `0x4` disables; the error event runs it too;
    /// leaving the state drops the run.
    #[test]
    fn flags_and_leaving_the_state_decide() {
        let (queue, _) = queue();
        let job = queue.create_job("j", JobType::Download).unwrap();
        job.set_notify_cmd_line(Some(cmd())).unwrap();
        job.set_notify_flags(notify_flags::TRANSFERRED | notify_flags::DISABLE)
            .unwrap();
        transferred(&queue, &job);
        assert!(queue.take_notify_commands().is_empty(), "disabled");

        let job = queue.create_job("k", JobType::Download).unwrap();
        job.set_notify_cmd_line(Some(cmd())).unwrap();
        job.set_no_progress_timeout(0).unwrap();
        let file = started(&queue, &job);
        queue
            .report_failure(file, &TransferFailure::HttpStatus(404))
            .unwrap();
        assert_eq!(job.state(), JobState::Error);
        job.resume().unwrap();
        assert!(queue.take_notify_commands().is_empty(), "left error");
    }

    /// §16.1: set while the job sits in `transferred`, it runs then; the
    /// run and its running mark are journaled and read back.
    #[test]
    fn a_late_command_line_runs_and_the_run_is_journaled() {
        let (queue, _) = queue();
        let job = queue.create_job("j", JobType::Download).unwrap();
        transferred(&queue, &job);
        let _ = queue.take_changes();
        job.set_notify_cmd_line(Some(cmd())).unwrap();
        assert_eq!(queue.take_notify_commands().len(), 1);
        let changes: Vec<Change> = queue.take_changes();
        let other = QueueState::new(SplitMix64::new(4));
        other.apply(&changes).unwrap_or_else(|e| panic!("{e:?}"));
        let copy = other.get_job(&job.id()).unwrap();
        assert_eq!(copy.snapshot(), job.snapshot());
        assert!(other.take_notify_commands().is_empty(), "running elsewhere");
        other
            .report_command_exit(job.id(), NotifyEvent::Transferred, None)
            .unwrap();
    }
}
