//! Conversions between the types wit-bindgen generates and the contract's
//! own, from the contract crate's lists of cases and fields: exhaustive
//! both ways, so a case added on either side fails to compile here instead
//! of being mapped wrongly.

bits_queue_contract::wit_conversions! {
    types: crate::bindings::exports::bits::queue::types,
    clocks: crate::bindings::wasi::clocks::wall_clock,
    engine: crate::bindings::exports::bits::queue::engine,
    journal: crate::bindings::exports::bits::queue::journal,
}
