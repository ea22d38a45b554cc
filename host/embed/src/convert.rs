//! Conversions between the types `bindgen!` generates and the contract's,
//! which the public API uses, from the contract crate's lists of cases and
//! fields (exhaustive both ways).

use crate::bindings::wit;

bits_queue_contract::wit_conversions! {
    types: crate::bindings::wit,
    clocks: crate::bindings::wasi::clocks::wall_clock,
    engine: crate::bindings::engine,
    journal: crate::bindings::exports::bits::queue::journal,
}

/// A WIT `result<T, error-code>` as this crate's result.
pub(crate) fn queue_result<T, U: From<T>>(r: Result<T, wit::ErrorCode>) -> crate::Result<U> {
    r.map(U::from)
        .map_err(|code| crate::Error::Queue(code.into()))
}

/// A WIT `result<T, call-error>` as this crate's result.
pub(crate) fn call_result<T, U: From<T>>(r: Result<T, wit::CallError>) -> crate::Result<U> {
    r.map(U::from)
        .map_err(|code| crate::Error::Call(code.into()))
}
