//! The generator's decision of which exports a component must have
//! (host/embed/build/export_need.rs, which the host's build script
//! includes; a build script's own tests never run), on small WIT texts
//! shaped like the contract: the first release's functions are required,
//! those added since — `@since` at or above the first release, on the
//! function, its interface or the world's export — are optional, as are
//! `@unstable` ones; a gate below the first release is refused.

#[path = "../../../host/embed/build/export_need.rs"]
mod export_need;

use std::collections::BTreeMap;

use export_need::{FIRST_RELEASE, Need, need_of};
use wit_parser::{Resolve, WorldItem};

/// `function name → need` for every function the world `queue` in `wit`
/// exports, with the `@unstable` feature `later` enabled; or the first
/// refusal.
fn needs(wit: &str) -> Result<BTreeMap<String, Need>, String> {
    let mut resolve = Resolve::new();
    resolve.features.insert("later".to_string());
    let package = resolve.push_str("test.wit", wit).expect("the WIT parses");
    let world = resolve
        .select_world(&[package], Some("queue"))
        .expect("a world `queue`");
    let mut out = BTreeMap::new();
    for item in resolve.worlds[world].exports.values() {
        let WorldItem::Interface { id, .. } = item else {
            panic!("the test exports interfaces only");
        };
        for function in resolve.interfaces[*id].functions.values() {
            out.insert(function.name.clone(), need_of(&resolve, item, function)?);
        }
    }
    Ok(out)
}

fn need(wit: &str, function: &str) -> Need {
    needs(wit).unwrap()[function]
}

/// A package at `version` whose world exports `manager` (with `gates` in
/// front of its `added` function) and `engine` (with `engine_gate` on the
/// world's export).
fn contract(version: &str, gate: &str, engine_gate: &str) -> String {
    format!(
        "package bits:queue@{version};
        interface manager {{
            create-job: func(name: string) -> u32;
            {gate}
            added: func() -> u32;
        }}
        interface engine {{
            poll: func() -> u32;
        }}
        world queue {{
            export manager;
            {engine_gate}
            export engine;
        }}"
    )
}

#[test]
fn the_first_releases_functions_are_required() {
    let wit = contract("0.1.0", "", "");
    assert_eq!(
        needs(&wit).unwrap(),
        BTreeMap::from([
            ("added".to_string(), Need::Required),
            ("create-job".to_string(), Need::Required),
            ("poll".to_string(), Need::Required),
        ])
    );
}

/// The additions of `wit` (`added` and the `engine` interface) are
/// optional, and the first release's `create-job` is required.
fn assert_additions_optional(wit: &str) {
    assert_eq!(
        needs(wit).unwrap(),
        BTreeMap::from([
            ("added".to_string(), Need::Optional),
            ("create-job".to_string(), Need::Required),
            ("poll".to_string(), Need::Optional),
        ])
    );
}

#[test]
fn an_addition_at_the_first_releases_version_is_optional() {
    // How the contract grows inside 0.1.0 (wit-parser refuses a gate above
    // the package's version).
    let gate = "@since(version = 0.1.0)";
    assert_additions_optional(&contract("0.1.0", gate, gate));
}

#[test]
fn an_addition_of_a_later_release_is_optional() {
    assert_additions_optional(&contract(
        "0.3.0",
        "@since(version = 0.2.0)",
        "@since(version = 0.3.0)",
    ));
}

#[test]
fn a_gate_on_the_interface_itself_makes_its_functions_optional() {
    let wit = "package bits:queue@0.1.0;
        interface manager { create-job: func() -> u32; }
        @since(version = 0.1.0)
        interface journal { apply: func() -> u32; }
        world queue { export manager; export journal; }";
    assert_eq!(need(wit, "apply"), Need::Optional);
    assert_eq!(need(wit, "create-job"), Need::Required);
}

#[test]
fn an_unstable_export_is_optional() {
    let wit = contract("0.1.0", "@unstable(feature = later)", "");
    assert_eq!(need(&wit, "added"), Need::Optional);
    let wit = contract("0.1.0", "", "@unstable(feature = later)");
    assert_eq!(need(&wit, "poll"), Need::Optional);
    assert_eq!(need(&wit, "create-job"), Need::Required);
}

#[test]
fn a_gate_below_the_first_release_is_refused_naming_it() {
    assert_eq!(FIRST_RELEASE.to_string(), "0.1.0");
    let wit = contract("0.1.0", "@since(version = 0.0.9)", "");
    let refusal = needs(&wit).unwrap_err();
    assert!(refusal.contains("`added`"), "{refusal}");
    assert!(refusal.contains("0.0.9"), "{refusal}");
    assert!(refusal.contains("first release 0.1.0"), "{refusal}");
}

#[test]
fn the_table_says_required_and_optional() {
    assert_eq!(Need::Required.keyword(), "required");
    assert_eq!(Need::Optional.keyword(), "optional");
}

#[test]
fn in_the_contracts_own_wit_the_base_is_required_and_the_additions_optional() {
    let mut resolve = Resolve::new();
    let wit = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../wit");
    let (package, _) = resolve.push_dir(&wit).expect("wit/ parses");
    let world = resolve.select_world(&[package], Some("queue")).unwrap();
    let mut seen = BTreeMap::new();
    for item in resolve.worlds[world].exports.values() {
        let WorldItem::Interface { id, .. } = item else {
            continue;
        };
        for function in resolve.interfaces[*id].functions.values() {
            seen.insert(
                function.name.clone(),
                need_of(&resolve, item, function).unwrap(),
            );
        }
    }
    assert_eq!(seen["[method]job-manager.create-job"], Need::Required);
    assert_eq!(seen["[method]job.resume"], Need::Required);
    assert_eq!(seen["hresult"], Need::Required);
    assert_eq!(seen["[method]job.get-times"], Need::Optional);
    assert_eq!(seen["poll"], Need::Optional);
    assert_eq!(seen["apply"], Need::Optional);
}
