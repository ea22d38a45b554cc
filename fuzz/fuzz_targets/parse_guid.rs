//! parse-guid on any text: the guest's parser run natively and through the
//! component must agree with each other and with the spec's grammar (§2:
//! the registry form, braces optional but balanced, any case, nothing
//! else), and what parses must print back as the same GUID.

#![no_main]

use std::sync::OnceLock;

use bits_queue_host::{Error, Queue, Runtime};
use libfuzzer_sys::fuzz_target;

/// One instance for the whole run: parse-guid changes no state.
fn queue() -> &'static Queue {
    static QUEUE: OnceLock<Queue> = OnceLock::new();
    QUEUE.get_or_init(|| {
        Runtime::new()
            .and_then(|r| r.new_queue())
            .expect("the embedded component loads")
    })
}

/// The spec's grammar, written independently of the guest: 8-4-4-4-12 hex
/// digits, optionally inside one pair of braces.
fn spec_accepts(text: &str) -> bool {
    let inner = match text.strip_prefix('{') {
        Some(rest) => match rest.strip_suffix('}') {
            Some(inner) => inner,
            None => return false,
        },
        None => text,
    };
    let groups: Vec<&str> = inner.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

fuzz_target!(|text: &str| {
    let native = bits_queue_contract::guid::parse(text);
    let sandboxed = queue().parse_guid(text);
    assert_eq!(
        native.is_ok(),
        spec_accepts(text),
        "native parse of {text:?}: {native:?}"
    );
    match (native, sandboxed) {
        (Ok(native), Ok(sandboxed)) => {
            let printed = bits_queue_contract::guid::to_string(&native);
            assert_eq!(
                printed.trim_matches(['{', '}']),
                text.trim_matches(['{', '}']).to_ascii_uppercase()
            );
            assert_eq!(bits_queue_contract::guid::parse(&printed), Ok(native));
            assert_eq!(
                (
                    sandboxed.data1,
                    sandboxed.data2,
                    sandboxed.data3,
                    sandboxed.data4
                ),
                (native.data1, native.data2, native.data3, native.data4)
            );
        }
        (Err(native), Err(Error::Queue(sandboxed))) => assert_eq!(native, sandboxed),
        (native, sandboxed) => {
            panic!("{text:?}: native {native:?}, through the component {sandboxed:?}")
        }
    }
});
