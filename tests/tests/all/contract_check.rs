//! The host calls the guest's functions without type-checking each instance
//! (host/src/exports.rs): it finds and checks them once, when a `Runtime`
//! loads. So a component that has every name of the contract but a
//! different type, or lacks one function, must be refused right there, as a
//! `Load` error naming what is wrong — never loaded and called with the
//! wrong types.
//!
//! The components are written here in the component text format: the
//! contract's names with the simplest types the component model allows for
//! them (no parameters and no results, or only the resource handle), so
//! every function's type differs from the contract's.

use bits_queue_host::{Config, Runtime, SandboxErrorKind};

const TYPES: &str = "bits:queue/types@0.1.0";
const MANAGER: &str = "bits:queue/manager@0.1.0";

/// The contract's functions, as contract §1 and wit/queue.wit name them.
const TYPES_FUNCTIONS: [&str; 3] = ["hresult", "guid-to-string", "parse-guid"];
const MANAGER_FUNCTIONS: [&str; 2] = ["set-limits", "get-limits"];
const JOB_MANAGER_METHODS: [&str; 3] = ["create-job", "get-job", "enum-jobs"];
const JOB_METHODS: [&str; 17] = [
    "get-id",
    "get-type",
    "get-state",
    "get-display-name",
    "set-display-name",
    "get-description",
    "set-description",
    "get-priority",
    "set-priority",
    "get-progress",
    "add-file",
    "add-file-set",
    "enum-files",
    "suspend",
    "resume",
    "cancel",
    "complete",
];

/// A component exporting every name of the contract except `omit`, each with
/// the wrong type.
fn misshapen(omit: Option<&str>) -> Vec<u8> {
    let kept = |name: &str| Some(name) != omit;
    let mut types = String::new();
    for name in TYPES_FUNCTIONS.into_iter().filter(|n| kept(n)) {
        types += &format!("    (export \"{name}\" (func $unit))\n");
    }
    // Inside `$shape` a function that uses a resource is exported with its
    // type ascribed, naming the resource as the shape exports it.
    let mut manager = String::new();
    for name in MANAGER_FUNCTIONS.into_iter().filter(|n| kept(n)) {
        manager += &format!("    (export \"{name}\" (func $u))\n");
    }
    let constructor = "[constructor]job-manager";
    if kept(constructor) {
        manager +=
            &format!("    (export \"{constructor}\" (func $mn) (func (result (own $ge))))\n");
    }
    for (resource, methods, func, ty) in [
        ("job-manager", &JOB_MANAGER_METHODS[..], "$ms", "$ge"),
        ("job", &JOB_METHODS[..], "$js", "$je"),
    ] {
        for method in methods {
            let name = format!("[method]{resource}.{method}");
            if kept(&name) {
                manager += &format!(
                    "    (export \"{name}\" (func {func}) (func (param \"self\" (borrow {ty}))))\n"
                );
            }
        }
    }
    // A resource's functions must name it through the instance that exports
    // it, so the manager interface is an instance of a nested component that
    // imports the resources and functions and exports them under their names.
    let text = format!(
        r#"(component
  (core module $m
    (func (export "unit"))
    (func (export "self") (param i32))
    (func (export "new") (result i32) i32.const 0))
  (core instance $i (instantiate $m))
  (type $job (resource (rep i32)))
  (type $manager (resource (rep i32)))
  (func $unit (canon lift (core func $i "unit")))
  (func $job-self (param "self" (borrow $job)) (canon lift (core func $i "self")))
  (func $manager-self (param "self" (borrow $manager)) (canon lift (core func $i "self")))
  (func $new-manager (result (own $manager)) (canon lift (core func $i "new")))
  (instance $types
{types}  )
  (export "{TYPES}" (instance $types))
  (component $shape
    (import "job" (type $j (sub resource)))
    (import "manager" (type $g (sub resource)))
    (import "unit" (func $u))
    (import "job-self" (func $js (param "self" (borrow $j))))
    (import "manager-self" (func $ms (param "self" (borrow $g))))
    (import "new-manager" (func $mn (result (own $g))))
    (export $je "job" (type $j))
    (export $ge "job-manager" (type $g))
{manager}  )
  (instance $manager (instantiate $shape
    (with "job" (type $job))
    (with "manager" (type $manager))
    (with "unit" (func $unit))
    (with "job-self" (func $job-self))
    (with "manager-self" (func $manager-self))
    (with "new-manager" (func $new-manager))))
  (export "{MANAGER}" (instance $manager))
)"#
    );
    wat::parse_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn load_error(bytes: &[u8]) -> String {
    let err = Runtime::from_bytes(bytes, Config::new())
        .err()
        .expect("a component unlike the contract must not load");
    assert_eq!(err.sandbox_kind(), Some(SandboxErrorKind::Load), "{err}");
    assert_eq!(err.code(), None);
    err.to_string()
}

#[test]
fn every_name_with_the_wrong_types_is_refused_at_load() {
    let message = load_error(&misshapen(None));
    assert!(message.contains("bits:queue@0.1.0 contract"), "{message}");
    assert!(message.contains("has the wrong type"), "{message}");
    // It says which function and which interface.
    assert!(
        message.contains(&format!("`hresult` in `{TYPES}`")),
        "{message}"
    );
}

#[test]
fn each_missing_function_is_refused_at_load_by_name() {
    let every = TYPES_FUNCTIONS
        .into_iter()
        .map(|n| (TYPES, n.to_string()))
        .chain(
            MANAGER_FUNCTIONS
                .into_iter()
                .map(|n| (MANAGER, n.to_string())),
        )
        .chain([(MANAGER, "[constructor]job-manager".to_string())])
        .chain(JOB_MANAGER_METHODS.map(|m| (MANAGER, format!("[method]job-manager.{m}"))))
        .chain(JOB_METHODS.map(|m| (MANAGER, format!("[method]job.{m}"))));
    let mut checked = 0;
    for (interface, name) in every {
        let message = load_error(&misshapen(Some(&name)));
        assert!(
            message.contains(&format!("its `{interface}` has no `{name}`")),
            "{message}"
        );
        checked += 1;
    }
    assert_eq!(checked, 26, "the contract exports 26 functions");
}

#[test]
fn the_real_component_passes_the_same_check() {
    // The check is not so strict that nothing passes it: the embedded
    // component loads, from bytes as from the embedded copy.
    let runtime = Runtime::from_bytes(bits_queue_host::EMBEDDED_COMPONENT, Config::new())
        .expect("the guest's component matches its own contract");
    let queue = runtime.new_queue_seeded(1).unwrap();
    assert_eq!(
        queue.hresult(bits_queue_host::ErrorCode::Empty).unwrap(),
        0x8020_0003
    );
}
