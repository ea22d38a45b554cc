//! `From` both ways between the contract's types and the ones a bindings
//! generator makes from the WIT (wit-bindgen in the component, `bindgen!`
//! in the host), in the glue crate:
//!
//! ```ignore
//! bits_queue_contract::wit_conversions! {
//!     types: path::to::generated::types,
//!     clocks: path::to::generated::wall_clock,
//!     engine: path::to::generated::engine,
//! }
//! ```
//!
//! Every `match` is exhaustive both ways and every record is built field by
//! field, so a case or field that differs between the WIT and this crate
//! fails to compile there.

/// Implements the conversions for the generated modules named.
#[macro_export]
macro_rules! wit_conversions {
    (types: $wit:path, clocks: $clocks:path, engine: $engine:path, journal: $journal:path $(,)?) => {
        $crate::wit_conversions!(types: $wit, clocks: $clocks, engine: $engine);
        $crate::__wit_journal_conversions!($journal);
    };
    (types: $wit:path, clocks: $clocks:path, engine: $engine:path $(,)?) => {
        $crate::wit_conversions!($wit);
        $crate::__wit_transfer_conversions!($wit, $clocks, $engine);
        $crate::__wit_upload_conversions!($wit, $engine);
    };
    ($wit:path) => {
        $crate::with_wit_enums!([$crate::__wit_enum_conversions][$wit]);
        $crate::with_wit_records!([$crate::__wit_record_conversions][$wit]);
        const _: () = {
            use $wit as wit;

            impl From<$crate::Guid> for wit::Guid {
                fn from(id: $crate::Guid) -> wit::Guid {
                    let [a, b, c, d, e, f, g, h] = id.data4;
                    wit::Guid {
                        data1: id.data1,
                        data2: id.data2,
                        data3: id.data3,
                        data4: (a, b, c, d, e, f, g, h),
                    }
                }
            }

            impl From<wit::Guid> for $crate::Guid {
                fn from(id: wit::Guid) -> $crate::Guid {
                    let (a, b, c, d, e, f, g, h) = id.data4;
                    $crate::Guid {
                        data1: id.data1,
                        data2: id.data2,
                        data3: id.data3,
                        data4: [a, b, c, d, e, f, g, h],
                    }
                }
            }
        };
    };
}

/// [`wit_conversions`]'s enums, case by case.
#[doc(hidden)]
#[macro_export]
macro_rules! __wit_enum_conversions {
    ([$wit:path] $($(#[$meta:meta])* $name:ident { $($(#[$cmeta:meta])* $case:ident => $wit_name:literal,)+ })+) => {
        const _: () = {
            use $wit as wit;
            $(
                impl From<$crate::$name> for wit::$name {
                    fn from(value: $crate::$name) -> wit::$name {
                        match value { $($crate::$name::$case => wit::$name::$case,)+ }
                    }
                }
                impl From<wit::$name> for $crate::$name {
                    fn from(value: wit::$name) -> $crate::$name {
                        match value { $(wit::$name::$case => $crate::$name::$case,)+ }
                    }
                }
            )+
        };
    };
}

/// [`wit_conversions`]'s records, field by field.
#[doc(hidden)]
#[macro_export]
macro_rules! __wit_record_conversions {
    ([$wit:path] $($name:ident { $($field:ident),+ })+) => {
        const _: () = {
            use $wit as wit;
            $(
                impl From<$crate::$name> for wit::$name {
                    fn from(value: $crate::$name) -> wit::$name {
                        wit::$name { $($field: value.$field,)+ }
                    }
                }
                impl From<wit::$name> for $crate::$name {
                    fn from(value: wit::$name) -> $crate::$name {
                        $crate::$name { $($field: value.$field,)+ }
                    }
                }
            )+
        };
    };
}

/// [`wit_conversions`]'s time and transfer types (contract §8–§10).
#[doc(hidden)]
#[macro_export]
macro_rules! __wit_transfer_conversions {
    ($wit:path, $clocks:path, $engine:path) => {
        const _: () = {
            use $clocks as clocks;
            use $engine as engine;
            use $wit as wit;

            impl From<$crate::Datetime> for clocks::Datetime {
                fn from(t: $crate::Datetime) -> clocks::Datetime {
                    clocks::Datetime {
                        seconds: t.seconds,
                        nanoseconds: t.nanoseconds,
                    }
                }
            }
            impl From<clocks::Datetime> for $crate::Datetime {
                fn from(t: clocks::Datetime) -> $crate::Datetime {
                    $crate::Datetime {
                        seconds: t.seconds,
                        nanoseconds: t.nanoseconds,
                    }
                }
            }

            impl From<$crate::JobError> for wit::JobError {
                fn from(e: $crate::JobError) -> wit::JobError {
                    wit::JobError {
                        context: e.context.into(),
                        hresult: e.hresult,
                        file_index: e.file_index,
                        description: e.description,
                    }
                }
            }
            impl From<wit::JobError> for $crate::JobError {
                fn from(e: wit::JobError) -> $crate::JobError {
                    $crate::JobError {
                        context: e.context.into(),
                        hresult: e.hresult,
                        file_index: e.file_index,
                        description: e.description,
                    }
                }
            }

            impl From<$crate::JobTimes> for wit::JobTimes {
                fn from(t: $crate::JobTimes) -> wit::JobTimes {
                    wit::JobTimes {
                        creation: t.creation.into(),
                        modification: t.modification.into(),
                        transfer_completion: t.transfer_completion.map(Into::into),
                    }
                }
            }
            impl From<wit::JobTimes> for $crate::JobTimes {
                fn from(t: wit::JobTimes) -> $crate::JobTimes {
                    $crate::JobTimes {
                        creation: t.creation.into(),
                        modification: t.modification.into(),
                        transfer_completion: t.transfer_completion.map(Into::into),
                    }
                }
            }

            impl From<$crate::FileRef> for engine::FileRef {
                fn from(f: $crate::FileRef) -> engine::FileRef {
                    engine::FileRef {
                        job: f.job.into(),
                        file_index: f.file_index,
                    }
                }
            }
            impl From<engine::FileRef> for $crate::FileRef {
                fn from(f: engine::FileRef) -> $crate::FileRef {
                    $crate::FileRef {
                        job: f.job.into(),
                        file_index: f.file_index,
                    }
                }
            }

            impl From<$crate::TransferOrder> for engine::TransferOrder {
                fn from(o: $crate::TransferOrder) -> engine::TransferOrder {
                    engine::TransferOrder {
                        file: o.file.into(),
                        job_type: o.job_type.into(),
                        remote_name: o.remote_name,
                        local_name: o.local_name,
                        temporary_name: o.temporary_name,
                        offset: o.offset,
                        size: o.size,
                        validator: o.validator,
                    }
                }
            }
            impl From<engine::TransferOrder> for $crate::TransferOrder {
                fn from(o: engine::TransferOrder) -> $crate::TransferOrder {
                    $crate::TransferOrder {
                        file: o.file.into(),
                        job_type: o.job_type.into(),
                        remote_name: o.remote_name,
                        local_name: o.local_name,
                        temporary_name: o.temporary_name,
                        offset: o.offset,
                        size: o.size,
                        validator: o.validator,
                    }
                }
            }

            impl From<$crate::FileMove> for engine::FileMove {
                fn from(m: $crate::FileMove) -> engine::FileMove {
                    engine::FileMove {
                        temporary_name: m.temporary_name,
                        local_name: m.local_name,
                    }
                }
            }
            impl From<engine::FileMove> for $crate::FileMove {
                fn from(m: engine::FileMove) -> $crate::FileMove {
                    $crate::FileMove {
                        temporary_name: m.temporary_name,
                        local_name: m.local_name,
                    }
                }
            }

            impl From<$crate::NotifyEvent> for engine::NotifyEvent {
                fn from(e: $crate::NotifyEvent) -> engine::NotifyEvent {
                    match e {
                        $crate::NotifyEvent::Transferred => engine::NotifyEvent::Transferred,
                        $crate::NotifyEvent::Error => engine::NotifyEvent::Error,
                        $crate::NotifyEvent::Modification => engine::NotifyEvent::Modification,
                    }
                }
            }
            impl From<engine::NotifyEvent> for $crate::NotifyEvent {
                fn from(e: engine::NotifyEvent) -> $crate::NotifyEvent {
                    match e {
                        engine::NotifyEvent::Transferred => $crate::NotifyEvent::Transferred,
                        engine::NotifyEvent::Error => $crate::NotifyEvent::Error,
                        engine::NotifyEvent::Modification => $crate::NotifyEvent::Modification,
                    }
                }
            }

            impl From<$crate::Action> for engine::Action {
                fn from(a: $crate::Action) -> engine::Action {
                    match a {
                        $crate::Action::Start(o) => engine::Action::Start(o.into()),
                        $crate::Action::Stop(f) => engine::Action::Stop(f.into()),
                        $crate::Action::Commit(m) => {
                            engine::Action::Commit(m.into_iter().map(Into::into).collect())
                        }
                        $crate::Action::Discard(names) => engine::Action::Discard(names),
                        $crate::Action::Notify(id, e) => {
                            engine::Action::Notify((id.into(), e.into()))
                        }
                    }
                }
            }
            impl From<engine::Action> for $crate::Action {
                fn from(a: engine::Action) -> $crate::Action {
                    match a {
                        engine::Action::Start(o) => $crate::Action::Start(o.into()),
                        engine::Action::Stop(f) => $crate::Action::Stop(f.into()),
                        engine::Action::Commit(m) => {
                            $crate::Action::Commit(m.into_iter().map(Into::into).collect())
                        }
                        engine::Action::Discard(names) => $crate::Action::Discard(names),
                        engine::Action::Notify((id, e)) => {
                            $crate::Action::Notify(id.into(), e.into())
                        }
                    }
                }
            }

            impl From<$crate::TransferFailure> for engine::TransferFailure {
                fn from(f: $crate::TransferFailure) -> engine::TransferFailure {
                    match f {
                        $crate::TransferFailure::HttpStatus(n) => {
                            engine::TransferFailure::HttpStatus(n)
                        }
                        $crate::TransferFailure::ConnectFailed(s) => {
                            engine::TransferFailure::ConnectFailed(s)
                        }
                        $crate::TransferFailure::Interrupted(s) => {
                            engine::TransferFailure::Interrupted(s)
                        }
                        $crate::TransferFailure::RangeUnsupported => {
                            engine::TransferFailure::RangeUnsupported
                        }
                        $crate::TransferFailure::SizeUnknown => {
                            engine::TransferFailure::SizeUnknown
                        }
                        $crate::TransferFailure::LocalIo(s) => engine::TransferFailure::LocalIo(s),
                        $crate::TransferFailure::RemoteMissing => {
                            engine::TransferFailure::RemoteMissing
                        }
                        $crate::TransferFailure::Unsupported(s) => {
                            engine::TransferFailure::Unsupported(s)
                        }
                    }
                }
            }
            impl From<engine::TransferFailure> for $crate::TransferFailure {
                fn from(f: engine::TransferFailure) -> $crate::TransferFailure {
                    match f {
                        engine::TransferFailure::HttpStatus(n) => {
                            $crate::TransferFailure::HttpStatus(n)
                        }
                        engine::TransferFailure::ConnectFailed(s) => {
                            $crate::TransferFailure::ConnectFailed(s)
                        }
                        engine::TransferFailure::Interrupted(s) => {
                            $crate::TransferFailure::Interrupted(s)
                        }
                        engine::TransferFailure::RangeUnsupported => {
                            $crate::TransferFailure::RangeUnsupported
                        }
                        engine::TransferFailure::SizeUnknown => {
                            $crate::TransferFailure::SizeUnknown
                        }
                        engine::TransferFailure::LocalIo(s) => $crate::TransferFailure::LocalIo(s),
                        engine::TransferFailure::RemoteMissing => {
                            $crate::TransferFailure::RemoteMissing
                        }
                        engine::TransferFailure::Unsupported(s) => {
                            $crate::TransferFailure::Unsupported(s)
                        }
                    }
                }
            }
        };
    };
}

/// [`wit_conversions`]'s journal types (contract §11).
#[doc(hidden)]
#[macro_export]
macro_rules! __wit_journal_conversions {
    ($journal:path) => {
        const _: () = {
            use $journal as journal;

            impl From<$crate::JobRecord> for journal::JobRecord {
                fn from(r: $crate::JobRecord) -> journal::JobRecord {
                    journal::JobRecord {
                        id: r.id.into(),
                        bytes: r.bytes,
                    }
                }
            }
            impl From<journal::JobRecord> for $crate::JobRecord {
                fn from(r: journal::JobRecord) -> $crate::JobRecord {
                    $crate::JobRecord {
                        id: r.id.into(),
                        bytes: r.bytes,
                    }
                }
            }

            impl From<$crate::Change> for journal::Change {
                fn from(c: $crate::Change) -> journal::Change {
                    match c {
                        $crate::Change::Put(r) => journal::Change::Put(r.into()),
                        $crate::Change::Remove(id) => journal::Change::Remove(id.into()),
                        $crate::Change::Limits(l) => journal::Change::Limits(l.into()),
                    }
                }
            }
            impl From<journal::Change> for $crate::Change {
                fn from(c: journal::Change) -> $crate::Change {
                    match c {
                        journal::Change::Put(r) => $crate::Change::Put(r.into()),
                        journal::Change::Remove(id) => $crate::Change::Remove(id.into()),
                        journal::Change::Limits(l) => $crate::Change::Limits(l.into()),
                    }
                }
            }
        };
    };
}
