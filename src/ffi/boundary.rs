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
#[inline(always)]
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

/// Borrows a one-owner handle mutably, refusing NULL.
///
/// # Safety
/// A non-NULL `ptr` must point to a live `T` not used elsewhere during the call.
pub(crate) unsafe fn handle_mut<'a, T>(ptr: *mut T, name: &str) -> Result<&'a mut T, Failure> {
    // SAFETY: the caller guarantees a non-NULL pointer is valid and unaliased; NULL gives None.
    unsafe { ptr.as_mut() }.ok_or_else(|| null_failure(name))
}

/// Writes an optional output: `value` goes to `*ptr` unless `ptr` is NULL.
///
/// # Safety
/// A non-NULL `ptr` must be valid for a write of `T`.
#[inline]
pub(crate) unsafe fn write_optional<T>(ptr: *mut T, value: T) {
    if !ptr.is_null() {
        // SAFETY: non-NULL; validity promised by the caller.
        unsafe { ptr.write(value) };
    }
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

/// The body of every `_free` export: takes back a handle made by `Box::into_raw`
/// (NULL does nothing) and drops it under [`guard`], so nothing unwinds into C.
///
/// # Safety
/// A non-NULL `ptr` must come from `Box::into_raw` in this library, once, and not
/// be used after.
pub(crate) unsafe fn free_handle<T>(function: &'static str, ptr: *mut T) {
    guard(function, || {
        if !ptr.is_null() {
            // SAFETY: ownership passed back by the caller, as promised.
            drop(unsafe { Box::from_raw(ptr) });
        }
        Ok(())
    });
}

/// Borrows `len` bytes; NULL is accepted only with `len == 0`.
///
/// # Safety
/// A non-NULL `ptr` must point to `len` readable bytes for the duration of the call.
#[inline]
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

/// A caller array of up to `cap` `T`s that a call fills with a count it reports
/// separately; NULL only with `cap == 0`, a misaligned pointer is refused. Checked
/// before any work is done, and written once, at the end of a successful call.
/// Unlike [`array_mut`] it never borrows all `cap` items, only those it writes.
#[derive(Debug)]
pub(crate) struct OutArray<T> {
    ptr: *mut T,
    cap: usize,
}

impl<T: Copy> OutArray<T> {
    pub fn new(ptr: *mut T, cap: usize, name: &str) -> Result<Self, Failure> {
        if ptr.is_null() {
            if cap != 0 {
                return Err(null_failure(name));
            }
        } else {
            check_aligned::<T>(ptr as usize, name)?;
        }
        Ok(OutArray { ptr, cap })
    }

    /// Writes item `index` alone, for a call that produces its items one by one.
    ///
    /// # Safety
    /// `ptr` must be valid for writing `cap` items, and `index < cap`.
    pub unsafe fn set(&self, index: usize, value: T) {
        debug_assert!(index < self.cap);
        // SAFETY: index < cap, promised writable.
        unsafe { self.ptr.add(index).write(value) }
    }

    /// # Safety
    /// `ptr` must be valid for writing `cap` items, and `values.len() <= cap`.
    pub unsafe fn write(&self, values: &[T]) {
        debug_assert!(values.len() <= self.cap);
        if values.len() <= 8 {
            // Most writes are a few items: a plain loop beats a call to memmove.
            for (i, &value) in values.iter().enumerate() {
                // SAFETY: i < values.len() <= cap, promised writable.
                unsafe { self.ptr.add(i).write(value) };
            }
        } else {
            // SAFETY: promised by the caller of the export; lengths checked by ours.
            unsafe { std::ptr::copy_nonoverlapping(values.as_ptr(), self.ptr, values.len()) };
        }
    }
}

fn check_aligned<T>(address: usize, name: &str) -> Result<(), Failure> {
    if address % std::mem::align_of::<T>() != 0 {
        return Err(Failure::new(
            noob_result::NOOB_ERR_INVALID_ARGUMENT,
            format!(
                "`{name}` is not aligned to {} bytes",
                std::mem::align_of::<T>()
            ),
        ));
    }
    Ok(())
}

fn check_array<T>(address: usize, count: usize, name: &str) -> Result<(), Failure> {
    check_aligned::<T>(address, name)?;
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
#[inline(always)]
pub(crate) unsafe fn text<'a>(
    ptr: *const c_char,
    len: usize,
    name: &str,
) -> Result<&'a str, Failure> {
    // SAFETY: forwarded contract.
    let raw = unsafe { bytes(ptr.cast(), len, name) }?;
    // Most names and keys are short ASCII: checking that is a few word-wide loads,
    // cheaper than the general validator's setup on a short slice. Anything else
    // gets the full validation.
    if is_ascii(raw) {
        // SAFETY: ASCII bytes are valid UTF-8.
        return Ok(unsafe { std::str::from_utf8_unchecked(raw) });
    }
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

/// `raw.is_ascii()`, with slices shorter than a word (std walks those byte by byte)
/// checked by at most two overlapping loads.
#[inline]
fn is_ascii(raw: &[u8]) -> bool {
    let len = raw.len();
    match len {
        0 => true,
        // Three bytes or fewer: the first, middle and last cover them all.
        1..=3 => (raw[0] | raw[len / 2] | raw[len - 1]) & 0x80 == 0,
        // Four to seven: the first and last four bytes cover them all.
        4..=7 => {
            let head = u32::from_le_bytes(raw[..4].try_into().expect("4 bytes"));
            let tail = u32::from_le_bytes(raw[len - 4..].try_into().expect("4 bytes"));
            (head | tail) & 0x8080_8080 == 0
        }
        _ => raw.is_ascii(),
    }
}

pub(crate) fn null_failure(name: &str) -> Failure {
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
    fn out_array_checks_null_and_alignment_and_writes_only_what_it_is_given() {
        assert!(OutArray::<u32>::new(std::ptr::null_mut(), 0, "ids").is_ok());
        let refused = OutArray::<u32>::new(std::ptr::null_mut(), 3, "ids").unwrap_err();
        assert_eq!(refused.code, noob_result::NOOB_ERR_NULL_POINTER);
        assert_eq!(refused.message, "`ids` is NULL");
        let mut room = [0u32; 20];
        let misaligned = room.as_mut_ptr().cast::<u8>().wrapping_add(1).cast::<u32>();
        let refused = OutArray::new(misaligned, 3, "ids").unwrap_err();
        assert_eq!(refused.code, noob_result::NOOB_ERR_INVALID_ARGUMENT);
        for len in [3, 12] {
            room = [0; 20];
            let out = OutArray::new(room.as_mut_ptr(), 20, "ids").unwrap();
            let values: Vec<u32> = (1..=len).collect();
            // SAFETY: `room` holds 20 writable items and len <= 20.
            unsafe { out.write(&values) };
            assert_eq!(&room[..len as usize], &values[..]);
            assert!(room[len as usize..].iter().all(|&v| v == 0));
        }
        let out = OutArray::new(room.as_mut_ptr(), 20, "ids").unwrap();
        // SAFETY: index 19 < 20.
        unsafe { out.set(19, 7) };
        assert_eq!(room[19], 7);
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
            for len in 0..=20 {
                let ascii: Vec<u8> = (0..len).map(|i| b'a' + i as u8).collect();
                assert!(text(ascii.as_ptr().cast(), len, "name").is_ok());
                // A non-ASCII byte at any position is caught, valid or not.
                for at in 0..len {
                    let mut bad = ascii.clone();
                    bad[at] = 0xff;
                    let failure = text(bad.as_ptr().cast(), len, "name").unwrap_err();
                    assert!(failure.message.contains(&format!("offset {at}")));
                    let mut accented = ascii.clone();
                    accented.splice(at..at + 1, "é".bytes());
                    let got = text(accented.as_ptr().cast(), accented.len(), "name").unwrap();
                    assert_eq!(got.as_bytes(), &accented[..]);
                }
            }
            let bad = b"ab\xffcd";
            let failure = text(bad.as_ptr().cast(), bad.len(), "name").unwrap_err();
            assert_eq!(failure.code, noob_result::NOOB_ERR_INVALID_UTF8);
            assert!(failure.message.contains("offset 2"));
        }
    }
}
