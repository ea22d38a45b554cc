//! [`wit_conversions`](crate::wit_conversions)'s share for contract §14:
//! the records and variants uploads and order details pass, field by
//! field and case by case, both ways.

/// Implements `From` both ways for a record, each field converted by its
/// tag: `into` (`Into`), `opt` (an option's value), `list` (each element),
/// `same` (as it is).
#[doc(hidden)]
#[macro_export]
macro_rules! __wit_record_into {
    ($wit:ident :: $name:ident { $($field:ident: $how:ident),+ $(,)? }) => {
        impl From<$crate::$name> for $wit::$name {
            fn from(value: $crate::$name) -> $wit::$name {
                $wit::$name { $($field: $crate::__wit_field!($how, value.$field),)+ }
            }
        }
        impl From<$wit::$name> for $crate::$name {
            fn from(value: $wit::$name) -> $crate::$name {
                $crate::$name { $($field: $crate::__wit_field!($how, value.$field),)+ }
            }
        }
    };
}

/// One field of [`__wit_record_into`].
#[doc(hidden)]
#[macro_export]
macro_rules! __wit_field {
    (into, $value:expr) => {
        $value.into()
    };
    (opt, $value:expr) => {
        $value.map(Into::into)
    };
    (list, $value:expr) => {
        $value.into_iter().map(Into::into).collect()
    };
    (same, $value:expr) => {
        $value
    };
}

/// The §14 conversions for the generated `types` and `engine` modules.
#[doc(hidden)]
#[macro_export]
macro_rules! __wit_upload_conversions {
    ($wit:path, $engine:path) => {
        $crate::with_wit_engine_enums!([$crate::__wit_enum_conversions][$engine]);
        const _: () = {
            use $engine as engine;
            use $wit as wit;

            $crate::__wit_record_into!(wit::CredentialSlot {
                target: into,
                scheme: into
            });
            $crate::__wit_record_into!(wit::Credentials {
                target: into,
                scheme: into,
                user_name: same,
                password: same
            });
            $crate::__wit_record_into!(engine::Secret {
                job: into,
                slot: into,
                user_name: same,
                value: same
            });
            impl From<$crate::SecretSlot> for engine::SecretSlot {
                fn from(slot: $crate::SecretSlot) -> engine::SecretSlot {
                    match slot {
                        $crate::SecretSlot::Credential(c) => {
                            engine::SecretSlot::Credential(c.into())
                        }
                        $crate::SecretSlot::CustomHeaders => engine::SecretSlot::CustomHeaders,
                    }
                }
            }
            impl From<engine::SecretSlot> for $crate::SecretSlot {
                fn from(slot: engine::SecretSlot) -> $crate::SecretSlot {
                    match slot {
                        engine::SecretSlot::Credential(c) => {
                            $crate::SecretSlot::Credential(c.into())
                        }
                        engine::SecretSlot::CustomHeaders => $crate::SecretSlot::CustomHeaders,
                    }
                }
            }
            impl From<$crate::SecretOp> for engine::SecretOp {
                fn from(op: $crate::SecretOp) -> engine::SecretOp {
                    match op {
                        $crate::SecretOp::Put(s) => engine::SecretOp::Put(s.into()),
                        $crate::SecretOp::Delete(job, slot) => {
                            engine::SecretOp::Delete((job.into(), slot.into()))
                        }
                    }
                }
            }
            impl From<engine::SecretOp> for $crate::SecretOp {
                fn from(op: engine::SecretOp) -> $crate::SecretOp {
                    match op {
                        engine::SecretOp::Put(s) => $crate::SecretOp::Put(s.into()),
                        engine::SecretOp::Delete((job, slot)) => {
                            $crate::SecretOp::Delete(job.into(), slot.into())
                        }
                    }
                }
            }
            $crate::__wit_record_into!(wit::ProxySettings {
                usage: into,
                proxy_list: same,
                bypass_list: same
            });
            $crate::__wit_record_into!(wit::ClientCertificate {
                store: same,
                id: into
            });
            $crate::__wit_record_into!(wit::NotifyCmdLine {
                program: same,
                parameters: same
            });
            $crate::__wit_record_into!(engine::NotifyCommand {
                job: into,
                event: into,
                command: into
            });
            $crate::__wit_record_into!(wit::FileRange {
                offset: same,
                length: same
            });
            $crate::__wit_record_into!(engine::HttpSettings {
                method: same,
                custom_headers: same,
                secret_headers: same,
                credentials: list,
                security_flags: same,
                proxy: into,
                client_certificate: opt,
            });
            $crate::__wit_record_into!(engine::UploadDetails {
                protocol: into,
                target_url: same,
                session_id: same,
                phase: into,
                reply_url: same,
                reply_temporary_name: same,
                reply_offset: same,
                reply_size: same,
                reply_validator: same,
            });
            $crate::__wit_record_into!(engine::ServerError {
                status: same,
                hresult: same,
                context: same,
                description: same,
            });
            $crate::__wit_record_into!(engine::SessionCancel {
                job: into,
                protocol: into,
                target_url: same,
                session_id: same,
                http: into,
                until: into,
                retry_delay: same,
            });
            $crate::__wit_record_into!(engine::OrderDetails {
                upload: opt,
                ranges: list,
                dynamic: same,
                http: into,
                deadline: opt,
            });

            impl From<$crate::CertificateId> for wit::CertificateId {
                fn from(id: $crate::CertificateId) -> wit::CertificateId {
                    match id {
                        $crate::CertificateId::Sha1(hash) => wit::CertificateId::Sha1(hash),
                        $crate::CertificateId::Subject(s) => wit::CertificateId::Subject(s),
                    }
                }
            }
            impl From<wit::CertificateId> for $crate::CertificateId {
                fn from(id: wit::CertificateId) -> $crate::CertificateId {
                    match id {
                        wit::CertificateId::Sha1(hash) => $crate::CertificateId::Sha1(hash),
                        wit::CertificateId::Subject(s) => $crate::CertificateId::Subject(s),
                    }
                }
            }

            impl From<$crate::FailureDetail> for engine::FailureDetail {
                fn from(f: $crate::FailureDetail) -> engine::FailureDetail {
                    use $crate::FailureDetail as F;
                    match f {
                        F::ServerError(e) => engine::FailureDetail::ServerError(e.into()),
                        F::ProtocolMismatch(s) => engine::FailureDetail::ProtocolMismatch(s),
                        F::InvalidResponse(s) => engine::FailureDetail::InvalidResponse(s),
                        F::ReplyUrlMissing => engine::FailureDetail::ReplyUrlMissing,
                        F::LocalFileChanged => engine::FailureDetail::LocalFileChanged,
                        F::RetryAfter(n, s) => engine::FailureDetail::RetryAfter((n, s)),
                        F::Tls(k, s) => engine::FailureDetail::Tls((k.into(), s)),
                        F::RedirectFailed(s) => engine::FailureDetail::RedirectFailed(s),
                        F::RedirectRefused(n, s) => engine::FailureDetail::RedirectRefused((n, s)),
                        F::Stalled(s) => engine::FailureDetail::Stalled(s),
                    }
                }
            }
            impl From<engine::FailureDetail> for $crate::FailureDetail {
                fn from(f: engine::FailureDetail) -> $crate::FailureDetail {
                    use $crate::FailureDetail as F;
                    match f {
                        engine::FailureDetail::ServerError(e) => F::ServerError(e.into()),
                        engine::FailureDetail::ProtocolMismatch(s) => F::ProtocolMismatch(s),
                        engine::FailureDetail::InvalidResponse(s) => F::InvalidResponse(s),
                        engine::FailureDetail::ReplyUrlMissing => F::ReplyUrlMissing,
                        engine::FailureDetail::LocalFileChanged => F::LocalFileChanged,
                        engine::FailureDetail::RetryAfter((n, s)) => F::RetryAfter(n, s),
                        engine::FailureDetail::Tls((k, s)) => F::Tls(k.into(), s),
                        engine::FailureDetail::RedirectFailed(s) => F::RedirectFailed(s),
                        engine::FailureDetail::RedirectRefused((n, s)) => F::RedirectRefused(n, s),
                        engine::FailureDetail::Stalled(s) => F::Stalled(s),
                    }
                }
            }
        };
    };
}
