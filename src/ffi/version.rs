//! The runtime version, to compare with the header's `NOOB_VERSION_*` macros.

use super::boundary::guard_value;
use std::ffi::c_char;

const fn parse_component(text: &str) -> u32 {
    let bytes = text.as_bytes();
    let mut value = 0u32;
    let mut i = 0;
    while i < bytes.len() {
        value = value * 10 + (bytes[i] - b'0') as u32;
        i += 1;
    }
    value
}

pub(crate) const VERSION_MAJOR: u32 = parse_component(env!("CARGO_PKG_VERSION_MAJOR"));
pub(crate) const VERSION_MINOR: u32 = parse_component(env!("CARGO_PKG_VERSION_MINOR"));
pub(crate) const VERSION_PATCH: u32 = parse_component(env!("CARGO_PKG_VERSION_PATCH"));
/// `MAJOR * 1000000 + MINOR * 1000 + PATCH`, as `NOOB_VERSION_NUMBER` in the header.
pub(crate) const VERSION_NUMBER: u32 =
    VERSION_MAJOR * 1_000_000 + VERSION_MINOR * 1_000 + VERSION_PATCH;
const VERSION_TEXT: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");

/// The library's version as "MAJOR.MINOR.PATCH", NUL-terminated, static. Never NULL.
///
/// Thread safety: safe from any thread.
#[no_mangle]
pub extern "C" fn noob_version() -> *const c_char {
    guard_value("noob_version", c"".as_ptr(), || {
        VERSION_TEXT.as_ptr().cast()
    })
}

/// The library's version as `MAJOR * 1000000 + MINOR * 1000 + PATCH`; equals the
/// header's `NOOB_VERSION_NUMBER` when header and library match.
///
/// Thread safety: safe from any thread.
#[no_mangle]
pub extern "C" fn noob_version_number() -> u32 {
    guard_value("noob_version_number", 0, || VERSION_NUMBER)
}
