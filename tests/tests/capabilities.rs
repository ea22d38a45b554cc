//! Capability minimalism: the component imports nothing but wasi:random,
//! and the host refuses, naming it, any component that asks for more —
//! unless full WASI (with nothing granted) is asked for.

use bits_queue_host::{Config, Runtime, SandboxErrorKind};
use bits_queue_hostile::Hostile;
use bits_queue_tests::runtime;

#[test]
fn the_component_imports_only_wasi_random() {
    let imports = runtime().imports();
    assert!(!imports.is_empty(), "GUIDs need wasi:random");
    for import in &imports {
        assert!(
            import.starts_with("wasi:random/random@0.2."),
            "the component imports {import}; only wasi:random/random@0.2.x is allowed"
        );
    }
}

#[test]
fn a_component_importing_more_is_refused_at_load_naming_the_import() {
    // Built with Rust's std: it imports wasi:cli, wasi:io and more.
    let e = Runtime::from_file(Hostile::Panic.path(), Config::new())
        .err()
        .expect("refused without full WASI");
    assert_eq!(e.sandbox_kind(), Some(SandboxErrorKind::Load));
    let message = e.to_string();
    assert!(message.contains("imports `wasi:"), "{message}");
    assert!(!message.contains("imports `wasi:random/"), "{message}");
}

#[test]
fn full_wasi_links_the_rest_with_nothing_granted() {
    let runtime = Runtime::from_file(Hostile::Panic.path(), Config::new().full_wasi(true))
        .expect("loads with full WASI");
    let imports = runtime.imports();
    assert!(
        imports.iter().any(|i| i.starts_with("wasi:cli/")),
        "{imports:?}"
    );
    let queue = runtime.new_queue().expect("instantiate");
    assert_eq!(queue.limits().expect("get-limits").max_jobs, 300);
}
