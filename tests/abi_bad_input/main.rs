//! Every function declared in `include/noob_core.h` is called here with bad input:
//! NULL handles and pointers, zero lengths, invalid UTF-8 where it takes text,
//! unknown ids. Each must answer with its documented result code, never crash.
//!
//! `every_exported_function_has_a_bad_input_check` reads the header, so a new
//! export without an entry in some component's `CHECKS` fails the suite.

mod buffer_pool;
mod common;
mod event_store;
mod noob;
mod scheduler;
mod serializer;

use std::collections::BTreeSet;

/// One bad-input check per exported function, named after it.
pub type Checks = &'static [(&'static str, fn())];

fn all_checks() -> Vec<(&'static str, fn())> {
    [
        common::CHECKS,
        buffer_pool::CHECKS,
        scheduler::CHECKS,
        event_store::CHECKS,
        serializer::CHECKS,
        noob::CHECKS,
    ]
    .concat()
}

fn header_functions() -> BTreeSet<String> {
    let header =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/include/noob_core.h"))
            .expect("include/noob_core.h is readable");
    let mut code = String::new();
    let mut rest = header.as_str();
    while let Some(start) = rest.find("/*") {
        code.push_str(&rest[..start]);
        rest = rest[start..]
            .split_once("*/")
            .map_or("", |(_, after)| after);
    }
    code.push_str(rest);
    let mut names = BTreeSet::new();
    for line in code
        .lines()
        .filter(|line| !line.trim_start().starts_with('#'))
    {
        let mut text = line;
        while let Some(at) = text.find("noob_") {
            let tail = &text[at..];
            let end = tail
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(tail.len());
            if tail[end..].trim_start().starts_with('(') {
                names.insert(tail[..end].to_string());
            }
            text = &tail[end..];
        }
    }
    names
}

#[test]
fn every_exported_function_has_a_bad_input_check() {
    let functions = header_functions();
    assert!(
        functions.len() >= 10,
        "header parse found only {functions:?}"
    );
    let checked: BTreeSet<String> = all_checks()
        .iter()
        .map(|(name, _)| name.to_string())
        .collect();
    let missing: Vec<_> = functions.difference(&checked).collect();
    assert!(
        missing.is_empty(),
        "exports without a bad-input check: {missing:?}"
    );
    let stale: Vec<_> = checked.difference(&functions).collect();
    assert!(
        stale.is_empty(),
        "checks for functions not in the header: {stale:?}"
    );
}

#[test]
fn bad_input_checks_pass() {
    for (name, check) in all_checks() {
        eprintln!("bad input: {name}");
        check();
    }
}
