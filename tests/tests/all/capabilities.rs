//! Capability minimalism: the component imports nothing but wasi:random
//! (GUIDs) and wasi:clocks/wall-clock (job times, retries), and the host
//! refuses, naming it, any component that asks for more — unless full WASI
//! (with nothing granted) is asked for.

use bits_queue_host::{Config, Runtime, SandboxErrorKind};
use bits_queue_hostile::Hostile;
use bits_queue_tests::runtime;

#[test]
fn the_component_imports_only_wasi_random_and_the_wall_clock() {
    let mut imports: Vec<String> = runtime()
        .imports()
        .into_iter()
        .map(|name| {
            name.rsplit_once('@')
                .map_or(name.clone(), |(i, _)| i.to_string())
        })
        .collect();
    imports.sort();
    assert_eq!(
        imports,
        ["wasi:clocks/wall-clock", "wasi:random/random"],
        "GUIDs need wasi:random, times wasi:clocks/wall-clock; nothing else is allowed"
    );
    for import in runtime().imports() {
        assert!(import.contains("@0.2."), "a WASI 0.2 version: {import}");
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
    assert!(
        !message.contains("imports `wasi:clocks/wall-clock"),
        "{message}"
    );
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
