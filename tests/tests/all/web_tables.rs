//! The web page's copies of the contract's facts say exactly what the
//! contract crate says: its tables of refusals (web/public/errors.js: every
//! error code, its Windows name and its meaning, word for word), the names
//! of job errors' HRESULTs (web/public/job-errors.js), and the display
//! name's limit (`MAX_NAME` in web/public/app.js, and the field's
//! `maxlength` and hint in web/public/index.html). The page cannot import
//! Rust, so it keeps copies; these tests are what keep the copies honest.

use std::collections::BTreeMap;

use bits_queue_contract::error::hresult;
use bits_queue_contract::limits::MAX_DISPLAY_NAME;
use bits_queue_contract::{TransferFailure, hresult_name};
use bits_queue_host::ErrorCode;
use bits_queue_logic::failure::classify;

const ERRORS_JS: &str = include_str!("../../../web/public/errors.js");
const JOB_ERRORS_JS: &str = include_str!("../../../web/public/job-errors.js");
const APP_JS: &str = include_str!("../../../web/public/app.js");
const INDEX_HTML: &str = include_str!("../../../web/public/index.html");

/// The `key: 'value'` entries of `const NAME = Object.freeze({ … });` (or
/// `export const …`) in `source`, keys and values unquoted.
fn js_table(source: &str, name: &str) -> BTreeMap<String, String> {
    let start = format!("const {name} = Object.freeze({{");
    let body = source
        .split_once(&start)
        .unwrap_or_else(|| panic!("no table {name}"))
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
fn the_pages_call_error_names_are_the_contracts() {
    let contract: BTreeMap<String, String> = bits_queue_contract::CallError::ALL
        .into_iter()
        .filter(|code| code.error_code().is_none())
        .map(|code| (code.wit_name().to_string(), code.windows_name().to_string()))
        .collect();
    assert_eq!(js_table(ERRORS_JS, "CALL_ERROR_NAMES"), contract);
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

/// The value of `const NAME = value;` in `source`.
fn js_const<'a>(source: &'a str, name: &str) -> &'a str {
    let start = format!("const {name} = ");
    let rest = source
        .split_once(&start)
        .unwrap_or_else(|| panic!("no `const {name}`"))
        .1;
    rest.split_once(';').expect("the constant ends").0.trim()
}

/// A JavaScript number: decimal, or hexadecimal with `0x`, with or without
/// `_` separators.
fn js_number(text: &str) -> u64 {
    let text = text.replace('_', "");
    let parsed = match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => text.parse(),
    };
    parsed.unwrap_or_else(|e| panic!("not a number: {text}: {e}"))
}

/// One failure of each kind the host can report. The match has no
/// wildcard: a new kind fails to compile here until it is listed.
fn one_failure_of_each_kind() -> Vec<TransferFailure> {
    let all = vec![
        TransferFailure::HttpStatus(404),
        TransferFailure::ConnectFailed("refused".into()),
        TransferFailure::Interrupted("reset".into()),
        TransferFailure::RangeUnsupported,
        TransferFailure::SizeUnknown,
        TransferFailure::LocalIo("read-only".into()),
        TransferFailure::RemoteMissing,
        TransferFailure::Unsupported("ftp".into()),
    ];
    for failure in &all {
        match failure {
            TransferFailure::HttpStatus(_)
            | TransferFailure::ConnectFailed(_)
            | TransferFailure::Interrupted(_)
            | TransferFailure::RangeUnsupported
            | TransferFailure::SizeUnknown
            | TransferFailure::LocalIo(_)
            | TransferFailure::RemoteMissing
            | TransferFailure::Unsupported(_) => {}
        }
    }
    all
}

/// The page names every HRESULT a job error can carry, except the HTTP
/// statuses it shows as such, exactly as the contract names it: no name
/// missing, none extra, none different.
#[test]
fn the_pages_job_error_names_are_the_contracts() {
    // Keyed by the HRESULT in hex, as both sides write it.
    let page: BTreeMap<String, String> = js_table(JOB_ERRORS_JS, "NAMES")
        .into_iter()
        .map(|(key, name)| (format!("{:#x}", js_number(&key)), name))
        .collect();
    let contract: BTreeMap<String, String> = one_failure_of_each_kind()
        .iter()
        .map(|failure| classify(failure).hresult)
        .filter(|&code| code & 0xFFFF_0000 != hresult::HTTP_BASE)
        .map(|code| {
            let name = hresult_name(code).unwrap_or_else(|| panic!("{code:#x} has no name"));
            (format!("{code:#x}"), name)
        })
        .collect();
    assert_eq!(page, contract);
}

#[test]
fn the_page_reads_http_statuses_from_the_contracts_base() {
    assert_eq!(
        js_number(js_const(JOB_ERRORS_JS, "HTTP_BASE")),
        u64::from(hresult::HTTP_BASE)
    );
}

#[test]
fn the_pages_display_name_limit_is_the_contracts() {
    assert_eq!(
        js_number(js_const(APP_JS, "MAX_NAME")),
        MAX_DISPLAY_NAME as u64
    );
}

/// The attributes of the `<input>` whose id is `id` in `html`.
fn input_attributes(html: &str, id: &str) -> BTreeMap<String, String> {
    let tag = html
        .split("<input")
        .skip(1)
        .map(|rest| rest.split_once('>').expect("the tag ends").0)
        .find(|tag| tag.contains(&format!("id=\"{id}\"")))
        .unwrap_or_else(|| panic!("no <input id=\"{id}\">"));
    tag.split('"')
        .collect::<Vec<_>>()
        .chunks(2)
        .filter_map(|pair| match pair {
            [name, value] => Some((
                name.trim().trim_end_matches('=').to_string(),
                value.to_string(),
            )),
            _ => None,
        })
        .collect()
}

/// Every `maxlength` on the page is a contract limit: the display name's
/// field has the contract's, and its hint says the same number.
#[test]
fn the_pages_name_field_holds_what_the_contract_allows() {
    let limit = MAX_DISPLAY_NAME.to_string();
    assert_eq!(
        input_attributes(INDEX_HTML, "create-name")
            .get("maxlength")
            .map(String::as_str),
        Some(limit.as_str())
    );
    assert_eq!(
        INDEX_HTML.matches("maxlength=").count(),
        1,
        "a new maxlength on the page: tie it to its contract limit here"
    );
    let hint = INDEX_HTML
        .split_once("id=\"create-name-hint\"")
        .and_then(|(_, rest)| rest.split_once("</span>\n"))
        .expect("the name field's hint")
        .0;
    assert!(
        hint.contains(&format!("at most {limit} characters"))
            && hint.contains(&format!("/{limit}")),
        "the hint says another limit: {hint}"
    );
}

#[test]
fn the_html_reader_reads_an_inputs_attributes() {
    let html = r#"<p><input id="a" maxlength="9" placeholder="x y"><input id="b" required></p>"#;
    let a = input_attributes(html, "a");
    assert_eq!(a["maxlength"], "9");
    assert_eq!(a["placeholder"], "x y");
    assert_eq!(a["id"], "a");
    assert_eq!(js_number("0x8019_0000"), 0x8019_0000);
    assert_eq!(js_number("256"), 256);
}
