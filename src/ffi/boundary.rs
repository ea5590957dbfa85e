//! What every export needs at the boundary: panic capture, NULL checks, text
//! and byte views, and writing outputs only on success.

use super::result::{noob_result, set_last_error};
use std::any::Any;
use std::ffi::c_char;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Why a call failed: its code and a detail message for `noob_last_error_message`.
#[derive(Debug)]
pub(crate) struct Failure {
    pub code: noob_result,
    pub message: String,
}

impl Failure {
    pub fn new(code: noob_result, message: impl Into<String>) -> Self {
        Failure {
            code,
            message: message.into(),
        }
    }
}

pub(crate) type Outcome = Result<(), Failure>;

/// Runs the body of an export: an `Err` or a panic becomes its result code and
/// the thread's detail message; nothing unwinds into C.
pub(crate) fn guard(function: &'static str, body: impl FnOnce() -> Outcome) -> noob_result {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => noob_result::NOOB_OK,
        Ok(Err(failure)) => {
            set_last_error(format!("{function}: {}", failure.message));
            failure.code
        }
        Err(payload) => {
            set_last_error(format!("{function}: panic: {}", panic_text(&*payload)));
            noob_result::NOOB_ERR_PANIC
        }
    }
}

/// For the few infallible exports that return a value: a panic gives `fallback`.
pub(crate) fn guard_value<T>(function: &'static str, fallback: T, body: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or_else(|payload| {
        set_last_error(format!("{function}: panic: {}", panic_text(&*payload)));
        fallback
    })
}

fn panic_text(payload: &(dyn Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)")
}

/// Borrows a handle, refusing NULL.
///
/// # Safety
/// A non-NULL `ptr` must point to a live `T` for the duration of the call.
pub(crate) unsafe fn handle<'a, T>(ptr: *const T, name: &str) -> Result<&'a T, Failure> {
    // SAFETY: the caller guarantees a non-NULL pointer is valid; NULL gives None.
    unsafe { ptr.as_ref() }.ok_or_else(|| null_failure(name))
}

/// Checks an output pointer before any work is done, so a NULL one has no side effect.
pub(crate) fn out_ptr<T>(ptr: *mut T, name: &str) -> Result<OutPtr<T>, Failure> {
    if ptr.is_null() {
        Err(null_failure(name))
    } else {
        Ok(OutPtr(ptr))
    }
}

/// A checked, non-NULL output pointer; written once, at the end of a successful call.
pub(crate) struct OutPtr<T>(*mut T);

impl<T> OutPtr<T> {
    /// # Safety
    /// The pointer must be valid for a write of `T` (the caller of the export promised so).
    pub unsafe fn write(self, value: T) {
        // SAFETY: non-NULL by construction; validity promised by the caller.
        unsafe { self.0.write(value) }
    }
}

/// Borrows `len` bytes; NULL is accepted only with `len == 0`.
///
/// # Safety
/// A non-NULL `ptr` must point to `len` readable bytes for the duration of the call.
#[allow(dead_code)] // for the components that take values; tested below
pub(crate) unsafe fn bytes<'a>(
    ptr: *const u8,
    len: usize,
    name: &str,
) -> Result<&'a [u8], Failure> {
    if ptr.is_null() {
        return if len == 0 {
            Ok(&[])
        } else {
            Err(null_failure(name))
        };
    }
    if len > isize::MAX as usize {
        return Err(Failure::new(
            noob_result::NOOB_ERR_INVALID_ARGUMENT,
            format!("`{name}` length {len} is larger than any object can be"),
        ));
    }
    // SAFETY: non-NULL, and the caller guarantees `len` readable bytes.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// Borrows an array of `count` `T`s; NULL is accepted only with `count == 0`.
/// A misaligned pointer is refused rather than read.
///
/// # Safety
/// A non-NULL `ptr` must point to `count` readable, initialised `T`s for the
/// duration of the call.
#[allow(dead_code)] // for the components that take arrays
pub(crate) unsafe fn array<'a, T>(
    ptr: *const T,
    count: usize,
    name: &str,
) -> Result<&'a [T], Failure> {
    if ptr.is_null() {
        return if count == 0 {
            Ok(&[])
        } else {
            Err(null_failure(name))
        };
    }
    check_array::<T>(ptr as usize, count, name)?;
    // SAFETY: non-NULL, aligned, size checked; the caller guarantees `count` readable items.
    Ok(unsafe { std::slice::from_raw_parts(ptr, count) })
}

/// As [`array`], for an output array the call fills (only on success, by convention).
///
/// # Safety
/// A non-NULL `ptr` must point to `count` writable `T`s for the duration of the
/// call, not aliased by any other argument.
#[allow(dead_code)] // for the components that fill arrays
pub(crate) unsafe fn array_mut<'a, T>(
    ptr: *mut T,
    count: usize,
    name: &str,
) -> Result<&'a mut [T], Failure> {
    if ptr.is_null() {
        return if count == 0 {
            Ok(&mut [])
        } else {
            Err(null_failure(name))
        };
    }
    check_array::<T>(ptr as usize, count, name)?;
    // SAFETY: as for `array`, and the caller guarantees exclusive, writable memory.
    Ok(unsafe { std::slice::from_raw_parts_mut(ptr, count) })
}

fn check_array<T>(address: usize, count: usize, name: &str) -> Result<(), Failure> {
    if address % std::mem::align_of::<T>() != 0 {
        return Err(Failure::new(
            noob_result::NOOB_ERR_INVALID_ARGUMENT,
            format!(
                "`{name}` is not aligned to {} bytes",
                std::mem::align_of::<T>()
            ),
        ));
    }
    if count
        .checked_mul(std::mem::size_of::<T>())
        .map_or(true, |size| size > isize::MAX as usize)
    {
        return Err(Failure::new(
            noob_result::NOOB_ERR_INVALID_ARGUMENT,
            format!("`{name}` count {count} is larger than any array can be"),
        ));
    }
    Ok(())
}

/// Borrows `len` bytes of UTF-8 text (not NUL-terminated); NULL only with `len == 0`.
///
/// # Safety
/// As for [`bytes`].
#[allow(dead_code)] // for the components that take names; tested below
pub(crate) unsafe fn text<'a>(
    ptr: *const c_char,
    len: usize,
    name: &str,
) -> Result<&'a str, Failure> {
    // SAFETY: forwarded contract.
    let raw = unsafe { bytes(ptr.cast(), len, name) }?;
    std::str::from_utf8(raw).map_err(|error| {
        Failure::new(
            noob_result::NOOB_ERR_INVALID_UTF8,
            format!(
                "`{name}` is not valid UTF-8 (first bad byte at offset {})",
                error.valid_up_to()
            ),
        )
    })
}

fn null_failure(name: &str) -> Failure {
    Failure::new(
        noob_result::NOOB_ERR_NULL_POINTER,
        format!("`{name}` is NULL"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    fn last_message() -> String {
        // SAFETY: the library returns a valid NUL-terminated string.
        unsafe { CStr::from_ptr(super::super::result::noob_last_error_message()) }
            .to_string_lossy()
            .into_owned()
    }

    #[test]
    fn a_panic_becomes_a_result_code_with_its_message() {
        let code = guard("noob_test", || panic!("boom {}", 42));
        assert_eq!(code, noob_result::NOOB_ERR_PANIC);
        assert_eq!(last_message(), "noob_test: panic: boom 42");
        let value = guard_value("noob_test_value", 7, || panic!("static text"));
        assert_eq!(value, 7);
        assert_eq!(last_message(), "noob_test_value: panic: static text");
    }

    #[test]
    fn a_failure_sets_the_detail_and_success_keeps_it() {
        let code = guard("noob_test", || {
            Err(Failure::new(
                noob_result::NOOB_ERR_NOT_FOUND,
                "no such thing",
            ))
        });
        assert_eq!(code, noob_result::NOOB_ERR_NOT_FOUND);
        assert_eq!(guard("noob_test", || Ok(())), noob_result::NOOB_OK);
        assert_eq!(last_message(), "noob_test: no such thing");
    }

    #[test]
    fn text_checks_null_and_utf8() {
        // SAFETY: pointers and lengths below describe live buffers (or are NULL).
        unsafe {
            assert_eq!(text(std::ptr::null(), 0, "name").unwrap(), "");
            assert_eq!(
                text(std::ptr::null(), 3, "name").unwrap_err().code,
                noob_result::NOOB_ERR_NULL_POINTER
            );
            let bad = b"ab\xffcd";
            let failure = text(bad.as_ptr().cast(), bad.len(), "name").unwrap_err();
            assert_eq!(failure.code, noob_result::NOOB_ERR_INVALID_UTF8);
            assert!(failure.message.contains("offset 2"));
        }
    }
}
