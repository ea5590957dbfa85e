//! Result texts, the error message and the version functions.

use noob_core::ffi::result::{noob_last_error_message, noob_result, noob_result_str};
use noob_core::ffi::version::{noob_version, noob_version_number};
use std::ffi::CStr;

pub const CHECKS: super::Checks = &[
    ("noob_result_str", result_str),
    ("noob_last_error_message", last_error_message),
    ("noob_version", version),
    ("noob_version_number", version_number),
];

/// The thread's detail message after a failure.
pub fn last_error() -> String {
    // SAFETY: the library always returns a valid NUL-terminated string.
    unsafe { CStr::from_ptr(noob_last_error_message()) }
        .to_string_lossy()
        .into_owned()
}

/// Asserts a call failed with `expected` and left a message naming the function.
pub fn assert_fails(actual: noob_result, expected: noob_result, function: &str) {
    assert_eq!(actual, expected, "{function}: {}", last_error());
    assert!(
        last_error().starts_with(function),
        "{function} left message {:?}",
        last_error()
    );
}

fn result_str() {
    for code in [0u32, 1, 10, 11, 12345, u32::MAX] {
        // SAFETY: never NULL, always NUL-terminated.
        let text = unsafe { CStr::from_ptr(noob_result_str(code)) };
        assert!(!text.to_bytes().is_empty());
    }
    // SAFETY: as above.
    let unknown = unsafe { CStr::from_ptr(noob_result_str(u32::MAX)) };
    assert_eq!(unknown.to_str().unwrap(), "unknown result code");
}

fn last_error_message() {
    // Takes no input; a fresh thread has an empty message, never NULL.
    std::thread::spawn(|| assert_eq!(last_error(), ""))
        .join()
        .unwrap();
}

fn version() {
    // SAFETY: static NUL-terminated string.
    let text = unsafe { CStr::from_ptr(noob_version()) };
    assert_eq!(text.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
}

fn version_number() {
    let expected: u32 = env!("CARGO_PKG_VERSION_MAJOR").parse::<u32>().unwrap() * 1_000_000
        + env!("CARGO_PKG_VERSION_MINOR").parse::<u32>().unwrap() * 1_000
        + env!("CARGO_PKG_VERSION_PATCH").parse::<u32>().unwrap();
    assert_eq!(noob_version_number(), expected);
}
