//! The commands that work on the stored queue — the shell, the service
//! and the one-shot verbs: the queue opened from its location, with its
//! file actions carried out inside the confinement asked for.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use bits_queue_host::{QueueOptions, Runtime};
use bits_queue_store::{
    PersistentQueue, PostgresOptions, open_location_reading, open_location_with,
};

use crate::cli::Command;
use crate::exit::Status;
use crate::output::tell;
use crate::{budget, confinement, location, service_cmd, shell, trust};

/// The commands that work on the stored queue: the shell, the service and
/// the one-shot verbs.
pub fn run_stored(
    runtime: &Runtime,
    grant: budget::Grant,
    seed: Option<u64>,
    location: &str,
    command: Command,
) -> ExitCode {
    // A command on the location itself (`admin migrate`) opens the queue
    // its own way.
    if let Command::Verb(words) = &command
        && let Some((name, args)) = words.split_first()
        && let Some(crate::verbs::Verb {
            action: crate::verbs::Action::Location(run),
            ..
        }) = crate::verbs::find(name)
    {
        return run(location, args).into();
    }
    // The location as messages show it: without a password.
    let shown = bits_queue_store::redact(location);
    // One transfer host per queue file: the service, or a shell that
    // transfers, holds its lock. A shell that finds it held runs no
    // transfers of its own and says so.
    let mut shell_transfers = true;
    let _lock = match &command {
        Command::Service(_) => match service_cmd::lock(location) {
            Ok(lock) => lock,
            Err(message) => {
                tell!("bitsq: {message}");
                return Status::Store.into();
            }
        },
        Command::Shell(args) if !args.no_transfer => match service_cmd::lock(location) {
            Ok(lock) => lock,
            Err(message) => {
                tell!("bitsq: {message}; this shell runs no transfers of its own");
                shell_transfers = false;
                None
            }
        },
        _ => None,
    };
    let mut postgres = PostgresOptions {
        application_name: "bitsq".into(),
        ..PostgresOptions::default()
    };
    if let Command::Service(args) = &command {
        postgres.lease = Duration::from_secs(args.lease);
    }
    if let Err(message) = location::create_default_dir(location) {
        tell!("bitsq: the queue {shown}: {message}");
        return Status::Store.into();
    }
    let (write, read) = match &command {
        Command::Shell(args) => (&args.allow_write[..], &args.allow_read[..]),
        Command::Service(args) => (&args.allow_write[..], &args.allow_read[..]),
        _ => (&[][..], &[][..]),
    };
    let confinement = match confinement(write, read) {
        Ok(confinement) => confinement,
        Err(message) => {
            tell!("bitsq: {message}");
            return Status::Usage.into();
        }
    };
    // Trust is read only where transfers run, so a verb never fails for it.
    let transports = match &command {
        Command::Shell(args) if !args.no_transfer => trust::transports(&args.tls).map(Some),
        Command::Service(args) => trust::transports(&args.tls).map(Some),
        _ => Ok(None),
    };
    let transports = match transports {
        Ok(transports) => transports.unwrap_or_else(bits_queue_service::Transports::none),
        Err(message) => {
            tell!("bitsq: {message}");
            return Status::Usage.into();
        }
    };
    let reading = matches!(&command, Command::Verb(words)
    if words.split_first().is_some_and(|(name, args)| {
        crate::verbs::find(name).is_some_and(|verb| verb.reads(args))
    }));
    let opening = Opening {
        runtime,
        location,
        postgres,
        seed,
        confinement: &confinement,
        grant,
        reading,
    };
    if let Command::Service(args) = &command
        && args.all_queues
    {
        let stop = crate::interrupt::catch_stop();
        let config = service_config(confinement.clone(), transports);
        let open = |store: Box<dyn bits_queue_store::Store>| {
            opening.open_store(store).map_err(|failure| failure.message)
        };
        return match crate::service_all::run(
            location,
            opening.postgres.clone(),
            &open,
            config,
            &stop,
        ) {
            Ok(()) => Status::Done.into(),
            Err(message) => {
                tell!("bitsq: {message}");
                Status::Failed.into()
            }
        };
    }
    if let Command::Service(_) = command {
        // A service outlives its store's outages, the first one too: it
        // may start before its server does, or while it restarts.
        let stop = crate::interrupt::catch_stop();
        let Some(backend) = open_waiting(&opening, &shown, &stop) else {
            return Status::Done.into();
        };
        let backend = match backend {
            Ok(backend) => backend,
            Err(status) => return status.into(),
        };
        return match service_cmd::run(&backend, service_config(confinement, transports), &stop) {
            Ok(()) => Status::Done.into(),
            Err(message) => {
                tell!("bitsq: {message}");
                Status::Failed.into()
            }
        };
    }
    let backend = match opening.open() {
        Ok(backend) => backend,
        Err(failure) => {
            tell!("bitsq: the queue {shown}: {}", failure.message);
            return failure.status.into();
        }
    };
    match command {
        Command::Shell(args) => {
            let transfers = (!args.no_transfer && shell_transfers)
                .then(|| service_config(confinement, transports));
            shell::run(&backend, grant, transfers).into()
        }
        Command::Verb(words) => {
            let status = shell::one_shot(&backend, grant, &words);
            if status == Status::Done {
                warn_if_kept_nowhere(location, &words);
            }
            status.into()
        }
        Command::Demo | Command::Transfer(_) | Command::Service(_) => {
            unreachable!("in-memory commands, and the service above")
        }
    }
}

/// A changing one-shot command on `memory:` changes a queue that is gone
/// when bitsq exits: the GUID `create` prints names no job anyone can
/// reach. Said on stderr once such a command ran.
fn warn_if_kept_nowhere(location: &str, words: &[String]) {
    let Some((name, args)) = words.split_first() else {
        return;
    };
    if location == "memory:"
        && let Some(verb) = crate::verbs::find(name)
        && !verb.reads(args)
    {
        tell!(
            "warning: --queue memory: keeps nothing after this command: whatever `{name}` changes is gone when bitsq exits (use a queue file, or `bitsq --queue memory: shell`)"
        );
    }
}

/// What opening the stored queue needs.
struct Opening<'a> {
    runtime: &'a Runtime,
    location: &'a str,
    postgres: PostgresOptions,
    seed: Option<u64>,
    confinement: &'a bits_queue_service::Confinement,
    grant: budget::Grant,
    /// A one-shot verb that only reads: a queue file it cannot write is
    /// opened read-only rather than refused (issue 21 case 11).
    reading: bool,
}

/// Why the stored queue could not be opened.
struct OpenFailure {
    message: String,
    status: Status,
    /// The store's server could not be reached (a later try may succeed).
    disconnected: bool,
}

impl OpenFailure {
    fn store(e: &bits_queue_store::StoreError) -> Self {
        OpenFailure {
            message: e.to_string(),
            status: Status::Store,
            disconnected: e.is_disconnected(),
        }
    }
}

impl Opening<'_> {
    /// The queue, from its store, with its file actions carried out inside
    /// the confinement.
    fn open(&self) -> Result<Arc<PersistentQueue>, OpenFailure> {
        let store: Box<dyn bits_queue_store::Store> = if self.reading {
            let (store, read_only) = open_location_reading(self.location, self.postgres.clone())
                .map_err(|e| OpenFailure::store(&e))?;
            if let Some(why) = read_only {
                tell!("note: {why}; this command changes nothing");
            }
            store
        } else {
            open_location_with(self.location, self.postgres.clone())
                .map_err(|e| OpenFailure::store(&e))?
        };
        self.open_store(store)
    }

    /// The queue `store` keeps, opened as [`Opening::open`] opens its own.
    fn open_store(
        &self,
        store: Box<dyn bits_queue_store::Store>,
    ) -> Result<Arc<PersistentQueue>, OpenFailure> {
        // bitsq's service reads every order's details and honours them
        // (custom headers, credentials) or reports them unsupported.
        let options = match self.seed {
            Some(seed) => QueueOptions::new().seed(seed),
            None => QueueOptions::new(),
        }
        .declare_order_details();
        // `commit` and `discard` are carried out before a call's changes are
        // stored (contract §11), inside the same confinement as the transfers.
        let actions_confinement = self.confinement.clone();
        // A `commit` that fails undoes the call (the job stays `transferred`);
        // a `discard` that fails leaves a temporary file behind, and says so.
        let file_actions = Box::new(move |action: &bits_queue_host::Action| {
            let failures = bits_queue_service::carry_out(action, &actions_confinement);
            if matches!(action, bits_queue_host::Action::Commit(_)) && !failures.is_empty() {
                let failures: Vec<String> = failures.iter().map(ToString::to_string).collect();
                return Err(failures.join("; "));
            }
            for failure in failures {
                tell!("warning: {failure}");
            }
            Ok(())
        });
        // Where hosts share the queue, this one takes only the files its
        // confinement lets it write (or read, for uploads).
        let confinement = self.confinement.clone();
        let may_take =
            Box::new(move |order: &bits_queue_host::TransferOrder| confinement.may_take(order));
        match PersistentQueue::open_checked(self.runtime, options, store, file_actions)
            .map(|(queue, warnings)| (queue.taking_only(may_take), warnings))
        {
            Ok((backend, warnings)) => {
                for warning in warnings {
                    tell!("warning: {warning}");
                }
                warn_if_unservable(&backend, self.grant);
                Ok(Arc::new(backend))
            }
            Err(bits_queue_store::PersistError::Store(e)) => Err(OpenFailure::store(&e)),
            Err(e @ bits_queue_store::PersistError::Queue(_)) => Err(OpenFailure {
                message: e.to_string(),
                status: Status::Component,
                disconnected: false,
            }),
            // Only transfer reports are made under a lease; opening makes none.
            Err(
                e @ (bits_queue_store::PersistError::LeaseLost(_)
                | bits_queue_store::PersistError::FileActions(_)),
            ) => Err(OpenFailure {
                message: e.to_string(),
                status: Status::Store,
                disconnected: false,
            }),
        }
    }
}

/// The service's queue, opened once its store's server answers: while it
/// cannot be reached the service says so once and tries again with
/// backoff (100 ms doubling to 5 s). A store that refuses (a wrong
/// password, a schema too new) ends it at once. `None` when a stop signal
/// came first.
fn open_waiting(
    opening: &Opening<'_>,
    shown: &str,
    stop: &crate::interrupt::Caught,
) -> Option<Result<Arc<PersistentQueue>, Status>> {
    let mut failed = 0u32;
    loop {
        match opening.open() {
            Ok(backend) => {
                if failed > 0 {
                    tell!("bitsq service: the queue {shown} answers again");
                }
                return Some(Ok(backend));
            }
            Err(failure) if failure.disconnected => {
                if failed == 0 {
                    tell!(
                        "bitsq service: the queue {shown} cannot be reached: {}; waiting for it (trying again with backoff)",
                        failure.message
                    );
                }
                failed = failed.saturating_add(1);
                if !service_cmd::wait(bits_queue_service::store_backoff(failed), stop) {
                    return None;
                }
            }
            Err(failure) => {
                tell!("bitsq: the queue {shown}: {}", failure.message);
                return Some(Err(failure.status));
            }
        }
    }
}

fn service_config(
    confinement: bits_queue_service::Confinement,
    transports: bits_queue_service::Transports,
) -> bits_queue_service::ServiceConfig {
    bits_queue_service::ServiceConfig {
        transports,
        context: bits_queue_service::Context {
            confinement,
            ..Default::default()
        },
        ..Default::default()
    }
}

/// Warns when the queue's stored limits are more than the sandbox flags
/// can serve (limits set under larger flags, or flags lowered since): a
/// job at those limits could run the component out of memory, or be too
/// large to load back from the store (it would be left out, with a
/// warning, until bitsq runs with larger flags).
fn warn_if_unservable(backend: &PersistentQueue, grant: budget::Grant) {
    if let Ok(limits) = backend.read(|queue| queue.limits())
        && let Some(why) = budget::refusal(limits, grant)
    {
        tell!(
            "warning: the queue's limits (max-jobs {}, max-files-per-job {}) are more than \
             these flags serve: {why}",
            limits.max_jobs,
            limits.max_files_per_job
        );
    }
}
