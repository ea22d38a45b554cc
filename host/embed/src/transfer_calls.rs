//! The calls of the contract's `engine` interface on a [`Queue`] (contract
//! §10): for hosts that move bytes. Clients never need them; the transfer
//! service makes them.
//!
//! A component built before the engine existed lacks these functions: each
//! call then fails with [`SandboxErrorKind::NotExported`], naming the
//! function, and the instance goes on working.
//!
//! [`SandboxErrorKind::NotExported`]: crate::SandboxErrorKind::NotExported

use bits_queue_contract::{
    Action, Datetime, FailureDetail, FileRef, Guid, NotifyCommand, NotifyEvent, OrderDetails,
    SecretOp, SessionCancel, TransferFailure,
};

use crate::bindings::engine as wit;
use crate::convert::queue_result;
use crate::{Queue, Result};

impl Queue {
    /// The actions due now, in order (`poll`): `start` and `stop` orders,
    /// `commit` and `discard` file actions, notifications.
    pub fn poll(&self) -> Result<Vec<Action>> {
        let actions = self.instance().call(|store, guest| guest.poll(store))?;
        Ok(actions.into_iter().map(Action::from).collect())
    }

    /// The pending `commit` and `discard` actions only, never a `start`
    /// (`take-file-actions`): for a host that does not transfer, which
    /// carries them out before it answers its caller.
    pub fn take_file_actions(&self) -> Result<Vec<Action>> {
        let actions = self
            .instance()
            .call(|store, guest| guest.take_file_actions(store))?;
        Ok(actions.into_iter().map(Action::from).collect())
    }

    /// When `poll` next has something to do on its own (`next-wake`).
    pub fn next_wake(&self) -> Result<Option<Datetime>> {
        let at = self
            .instance()
            .call(|store, guest| guest.next_wake(store))?;
        Ok(at.map(Datetime::from))
    }

    /// How many background jobs this instance transfers at once
    /// (`set-background-slots`; default 1, 0 refused).
    pub fn set_background_slots(&self, slots: u32) -> Result<()> {
        queue_result(
            self.instance()
                .call(|store, guest| guest.set_background_slots(store, slots))?,
        )
    }

    /// The server answered for `file` (`report-connected`).
    pub fn report_connected(
        &self,
        file: FileRef,
        size: Option<u64>,
        validator: Option<&str>,
    ) -> Result<()> {
        let validator = validator.map(str::to_owned);
        if let Some(v) = &validator {
            self.instance().check_argument_bytes(v.len())?;
        }
        queue_result(self.instance().call(|store, guest| {
            guest.report_connected(store, wit::FileRef::from(file), size, validator)
        })?)
    }

    /// The bytes of `file` that have arrived so far (`report-progress`).
    pub fn report_progress(&self, file: FileRef, bytes_transferred: u64) -> Result<()> {
        queue_result(self.instance().call(|store, guest| {
            guest.report_progress(store, wit::FileRef::from(file), bytes_transferred)
        })?)
    }

    /// The whole of `file` has arrived (`report-done`).
    pub fn report_done(&self, file: FileRef) -> Result<()> {
        queue_result(
            self.instance()
                .call(|store, guest| guest.report_done(store, wit::FileRef::from(file)))?,
        )
    }

    /// The transfer of `file` failed (`report-failure`).
    pub fn report_failure(&self, file: FileRef, failure: &TransferFailure) -> Result<()> {
        // Its text is an argument like any other: sized before the guest
        // sees it.
        let text = match failure {
            TransferFailure::ConnectFailed(why)
            | TransferFailure::Interrupted(why)
            | TransferFailure::LocalIo(why)
            | TransferFailure::Unsupported(why) => why.len(),
            _ => 0,
        };
        self.instance().check_argument_bytes(text)?;
        let failure = wit::TransferFailure::from(failure.clone());
        queue_result(
            self.instance().call(|store, guest| {
                guest.report_failure(store, wit::FileRef::from(file), failure)
            })?,
        )
    }

    /// This host reads every order's details (`declare-order-details`,
    /// contract §14.1).
    pub fn declare_order_details(&self) -> Result<()> {
        self.instance()
            .call(|store, guest| guest.declare_order_details(store))
    }

    /// What the order in flight for `file` needs beyond its
    /// `transfer-order` (`get-order-details`); none when not in flight.
    pub fn order_details(&self, file: FileRef) -> Result<Option<OrderDetails>> {
        let details = self
            .instance()
            .call(|store, guest| guest.get_order_details(store, wit::FileRef::from(file)))?;
        Ok(details.map(OrderDetails::from))
    }

    /// A failure beyond `transfer-failure` (`report-failure-detail`).
    pub fn report_failure_detail(&self, file: FileRef, failure: &FailureDetail) -> Result<()> {
        let failure = wit::FailureDetail::from(failure.clone());
        queue_result(self.instance().call(|store, guest| {
            guest.report_failure_detail(store, wit::FileRef::from(file), failure)
        })?)
    }

    /// The local disk is full (`report-disk-full`). A component without
    /// the function gives [`Error::MissingExport`](crate::Error); the
    /// caller then reports `local-io`.
    pub fn report_disk_full(&self, file: FileRef, why: &str) -> Result<()> {
        self.instance().check_argument_bytes(why.len())?;
        queue_result(
            self.instance().call(|store, guest| {
                guest.report_disk_full(store, wit::FileRef::from(file), why)
            })?,
        )
    }

    /// The upload's session (`report-session`, contract §14.2).
    pub fn report_session(
        &self,
        file: FileRef,
        session_id: &str,
        host_id: Option<&str>,
        host_id_fallback: Option<u32>,
    ) -> Result<()> {
        self.instance()
            .check_argument_bytes(session_id.len() + host_id.map_or(0, str::len))?;
        let host_id = host_id.map(str::to_owned);
        queue_result(self.instance().call(|store, guest| {
            guest.report_session(
                store,
                wit::FileRef::from(file),
                session_id,
                host_id,
                host_id_fallback,
            )
        })?)
    }

    /// The reply's URL (`report-reply-url`, contract §14.5).
    pub fn report_reply_url(&self, file: FileRef, url: &str) -> Result<()> {
        self.instance().check_argument_bytes(url.len())?;
        queue_result(
            self.instance().call(|store, guest| {
                guest.report_reply_url(store, wit::FileRef::from(file), url)
            })?,
        )
    }

    /// The reply's server answered (`report-reply-connected`).
    pub fn report_reply_connected(
        &self,
        file: FileRef,
        size: Option<u64>,
        validator: Option<&str>,
        offset: u64,
    ) -> Result<()> {
        self.instance()
            .check_argument_bytes(validator.map_or(0, str::len))?;
        let validator = validator.map(str::to_owned);
        queue_result(self.instance().call(|store, guest| {
            guest.report_reply_connected(store, wit::FileRef::from(file), size, validator, offset)
        })?)
    }

    /// The reply's bytes so far (`report-reply-progress`).
    pub fn report_reply_progress(&self, file: FileRef, bytes_transferred: u64) -> Result<()> {
        queue_result(self.instance().call(|store, guest| {
            guest.report_reply_progress(store, wit::FileRef::from(file), bytes_transferred)
        })?)
    }

    /// The whole reply arrived (`report-reply-done`), with its bytes when
    /// at most 1 MiB.
    pub fn report_reply_done(&self, file: FileRef, data: Option<&[u8]>) -> Result<()> {
        self.instance()
            .check_argument_bytes(data.map_or(0, <[u8]>::len))?;
        let data = data.map(<[u8]>::to_vec);
        queue_result(
            self.instance().call(|store, guest| {
                guest.report_reply_done(store, wit::FileRef::from(file), data)
            })?,
        )
    }

    /// Sessions of cancelled uploads to end with Cancel-Session
    /// (`take-session-cancels`), each returned once.
    pub fn take_session_cancels(&self) -> Result<Vec<SessionCancel>> {
        let cancels = self
            .instance()
            .call(|store, guest| guest.take_session_cancels(store))?;
        Ok(cancels.into_iter().map(SessionCancel::from).collect())
    }

    /// The secret-store operations due (`take-secret-ops`), in call order,
    /// each returned once: the host carries them out before it stores the
    /// call's changes (contract §15.2).
    pub fn take_secret_ops(&self) -> Result<Vec<SecretOp>> {
        let ops = self
            .instance()
            .call(|store, guest| guest.take_secret_ops(store))?;
        Ok(ops.into_iter().map(SecretOp::from).collect())
    }

    /// The notify programs due (`take-notify-commands`, contract §16.1),
    /// each handed out once and marked running in the journal.
    pub fn take_notify_commands(&self) -> Result<Vec<NotifyCommand>> {
        let commands = self
            .instance()
            .call(|store, guest| guest.take_notify_commands(store))?;
        Ok(commands.into_iter().map(NotifyCommand::from).collect())
    }

    /// How a notify program's run ended (`report-command-exit`): `Some(0)`
    /// ends it; another code, or none, runs it again later.
    pub fn report_command_exit(
        &self,
        job: Guid,
        event: NotifyEvent,
        exit_code: Option<i32>,
    ) -> Result<()> {
        queue_result(self.instance().call(|store, guest| {
            guest.report_command_exit(store, job.into(), event.into(), exit_code)
        })?)
    }

    /// A download's request followed redirects to `url`
    /// (`report-redirected`, contract §15.4: the security flags' policy
    /// ALLOW_REPORT), before its `report-connected`: the file's remote
    /// name becomes `url`. A URL the name cannot become is
    /// `invalid-argument`, and the name stays.
    pub fn report_redirected(&self, file: FileRef, url: &str) -> Result<()> {
        self.instance().check_argument_bytes(url.len())?;
        queue_result(
            self.instance().call(|store, guest| {
                guest.report_redirected(store, wit::FileRef::from(file), url)
            })?,
        )
    }

    /// The transfer of `file` died with its host (`report-lost`).
    pub fn report_lost(&self, file: FileRef) -> Result<()> {
        queue_result(
            self.instance()
                .call(|store, guest| guest.report_lost(store, wit::FileRef::from(file)))?,
        )
    }

    /// This host cannot take `file`, whose `start` this instance just
    /// ordered (`decline`): queued again, and never ordered here again.
    pub fn decline(&self, file: FileRef) -> Result<()> {
        queue_result(
            self.instance()
                .call(|store, guest| guest.decline(store, wit::FileRef::from(file)))?,
        )
    }
}
