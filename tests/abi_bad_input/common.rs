//! Result texts, the error message and the version functions.

use noob_core::ffi::result::{
    noob_last_error_detail, noob_last_error_message, noob_result, noob_result_str,
};
use noob_core::ffi::version::{noob_version, noob_version_number};
use std::ffi::CStr;

pub const CHECKS: super::Checks = &[
    ("noob_result_str", result_str),
    ("noob_last_error_message", last_error_message),
    ("noob_last_error_detail", last_error_detail),
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

fn last_error_detail() {
    std::thread::spawn(|| {
        let read = || {
            let mut len = usize::MAX;
            // SAFETY: valid out pointer; never NULL, `len` bytes then a NUL byte.
            unsafe {
                let text = noob_last_error_detail(&mut len);
                assert!(!text.is_null());
                assert_eq!(*text.add(len), 0);
                std::slice::from_raw_parts(text.cast::<u8>(), len).to_vec()
            }
        };
        // A fresh thread: empty; a NULL `len_out` is accepted.
        assert_eq!(read(), b"");
        // SAFETY: NULL `len_out` is documented as accepted.
        assert!(!unsafe { noob_last_error_detail(std::ptr::null_mut()) }.is_null());
        // A message quoting a name with a NUL byte: kept whole here, `\0` in the C string.
        let name = b"detail\0name";
        let mut id = 0u32;
        // SAFETY: valid text and out pointer.
        let code = unsafe {
            noob_core::ffi::noob::noob_item_lookup_node(name.as_ptr().cast(), name.len(), &mut id)
        };
        assert_eq!(code, noob_result::NOOB_ERR_ITEM_NOT_ADDED);
        let expected = "noob_item_lookup_node: Node 'detail\0name' was not added when creating \
                        the scheduler";
        assert_eq!(read(), expected.as_bytes());
        assert_eq!(last_error(), expected.replace('\0', "\\0"));
    })
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
