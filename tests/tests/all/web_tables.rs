//! The page's tables of refusals (web/public/errors.js) say exactly what
//! the contract crate says: every error code, its Windows name and its
//! meaning, word for word. The page cannot import Rust, so it keeps a copy;
//! this test is what keeps the copy honest.

use std::collections::BTreeMap;

use bits_queue_host::ErrorCode;

const ERRORS_JS: &str = include_str!("../../../web/public/errors.js");

/// The `key: 'value'` entries of `export const NAME = Object.freeze({ … });`
/// in `source`, keys and values unquoted.
fn js_table(source: &str, name: &str) -> BTreeMap<String, String> {
    let start = format!("export const {name} = Object.freeze({{");
    let body = source
        .split_once(&start)
        .unwrap_or_else(|| panic!("errors.js has no table {name}"))
        .1;
    let body = body.split_once("});").expect("the table ends").0;
    body.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(|line| {
            let (key, value) = line
                .split_once(": ")
                .unwrap_or_else(|| panic!("{name}: not `key: value`: {line}"));
            let value = value.strip_suffix(',').unwrap_or(value);
            (unquote(key).to_string(), unquote(value).to_string())
        })
        .collect()
}

/// `'x'`, `"x"` or `x` → `x`.
fn unquote(text: &str) -> &str {
    for quote in ['\'', '"'] {
        if let Some(inner) = text.strip_prefix(quote).and_then(|t| t.strip_suffix(quote)) {
            return inner;
        }
    }
    text
}

/// The contract's table, keyed by WIT name, with `fact` for each code.
fn contract_table(fact: fn(ErrorCode) -> &'static str) -> BTreeMap<String, String> {
    ErrorCode::ALL
        .into_iter()
        .map(|code| (code.wit_name().to_string(), fact(code).to_string()))
        .collect()
}

#[test]
fn the_pages_windows_names_are_the_contracts() {
    assert_eq!(
        js_table(ERRORS_JS, "WINDOWS_NAMES"),
        contract_table(ErrorCode::windows_name)
    );
}

#[test]
fn the_pages_explanations_are_the_contracts_meanings() {
    assert_eq!(
        js_table(ERRORS_JS, "EXPLANATIONS"),
        contract_table(ErrorCode::meaning)
    );
}

#[test]
fn the_table_reader_reads_both_quotes_and_bare_keys() {
    let source = "export const T = Object.freeze({\n  empty: 'a',\n  'x-y': \"it's\",\n});";
    let table = js_table(source, "T");
    assert_eq!(table["empty"], "a");
    assert_eq!(table["x-y"], "it's");
    assert_eq!(table.len(), 2);
}
