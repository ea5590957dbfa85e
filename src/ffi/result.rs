//! Result codes, their static texts and the per-thread detail message.

use super::boundary::{guard_value, write_optional};
use std::cell::RefCell;
use std::ffi::{c_char, CString};

/// The result of every fallible call. `NOOB_OK` is 0; a code's value never changes
/// and is never reused for another meaning.
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum noob_result {
    /// Success.
    NOOB_OK = 0,
    /// A required pointer argument was NULL.
    NOOB_ERR_NULL_POINTER = 1,
    /// An argument is out of its documented range.
    NOOB_ERR_INVALID_ARGUMENT = 2,
    /// A text argument is not valid UTF-8.
    NOOB_ERR_INVALID_UTF8 = 3,
    /// The named item does not exist.
    NOOB_ERR_NOT_FOUND = 4,
    /// Memory could not be allocated.
    NOOB_ERR_OUT_OF_MEMORY = 5,
    /// The library hit an internal bug (a Rust panic); the call had no effect that
    /// can be relied on, but the library is still usable.
    NOOB_ERR_PANIC = 6,
    /// An output buffer is too small; the call reports the size needed.
    NOOB_ERR_BUFFER_TOO_SMALL = 7,
    /// A fixed capacity of the library would be exceeded.
    NOOB_ERR_LIMIT_EXCEEDED = 8,
    /// The buffer token belongs to another pool.
    NOOB_ERR_WRONG_POOL = 9,
    /// The buffer token names no buffer currently lent (released twice, or never acquired).
    NOOB_ERR_NOT_OUTSTANDING = 10,
    /// The graph has a cycle; the detail message names its nodes.
    NOOB_ERR_CYCLE = 11,
    /// The node id or name is not in the graph.
    NOOB_ERR_UNKNOWN_NODE = 12,
    /// The node is already marked done in this run.
    NOOB_ERR_ALREADY_DONE = 13,
    /// The node was never handed out by `noob_scheduler_get_ready` in this run.
    NOOB_ERR_NOT_HANDED_OUT = 14,
    /// A node callback of a parallel run reported failure.
    NOOB_ERR_CALLBACK_FAILED = 15,
    /// The event store was closed: it holds no events and refuses every call but
    /// `noob_event_store_close` and `noob_event_store_free`.
    NOOB_ERR_STORE_CLOSED = 20,
    /// A name id (or name) that was never interned in this event store.
    NOOB_ERR_UNKNOWN_NAME = 21,
    /// The event store has handed out all its event ids (after 2^63 events).
    NOOB_ERR_IDS_EXHAUSTED = 22,
    /// The operating system's random source failed (needed for the event id prefix).
    NOOB_ERR_NO_RANDOMNESS = 23,
    /// A blob is not a valid serialized value; the detail message gives the byte offset.
    NOOB_ERR_DECODE = 30,
    /// A value builder call came out of order (a value where a key is due, an `end`
    /// that matches no open container, a build before the value is complete, ...).
    NOOB_ERR_BUILDER_STATE = 31,
    /// A value was read as a kind it is not (e.g. the int of a str).
    NOOB_ERR_WRONG_TYPE = 32,
    /// A dict would hold the same key twice.
    NOOB_ERR_DUPLICATE_KEY = 33,
    /// A caller's callback asked to stop (returned non-zero); the detail message says
    /// which callback and what it returned.
    NOOB_ERR_CALLBACK = 34,
    /// noob drop-in: the epoch is already completed (`EpochCompletedError`).
    NOOB_ERR_EPOCH_COMPLETED = 40,
    /// noob drop-in: the epoch already exists (`EpochExistsError`).
    NOOB_ERR_EPOCH_EXISTS = 41,
    /// noob drop-in: an item or epoch the graph does not have (`NotAddedError`).
    NOOB_ERR_ITEM_NOT_ADDED = 42,
    /// noob drop-in: the item is already done in that epoch (`AlreadyDoneError`).
    NOOB_ERR_ITEM_ALREADY_DONE = 43,
    /// noob drop-in: an invalid epoch value, e.g. a subepoch of a root made from a root
    /// (`ValueError`).
    NOOB_ERR_EPOCH_VALUE = 44,
}

/// Every code (used by `noob_result_str` and by tests). Values are grouped by
/// component: 1-10 general and buffer pool, 11-19 scheduler, 20-29 event store,
/// 30-39 serializer, 40-49 noob drop-in.
pub(crate) const ALL_RESULTS: [noob_result; 30] = [
    noob_result::NOOB_OK,
    noob_result::NOOB_ERR_NULL_POINTER,
    noob_result::NOOB_ERR_INVALID_ARGUMENT,
    noob_result::NOOB_ERR_INVALID_UTF8,
    noob_result::NOOB_ERR_NOT_FOUND,
    noob_result::NOOB_ERR_OUT_OF_MEMORY,
    noob_result::NOOB_ERR_PANIC,
    noob_result::NOOB_ERR_BUFFER_TOO_SMALL,
    noob_result::NOOB_ERR_LIMIT_EXCEEDED,
    noob_result::NOOB_ERR_WRONG_POOL,
    noob_result::NOOB_ERR_NOT_OUTSTANDING,
    noob_result::NOOB_ERR_CYCLE,
    noob_result::NOOB_ERR_UNKNOWN_NODE,
    noob_result::NOOB_ERR_ALREADY_DONE,
    noob_result::NOOB_ERR_NOT_HANDED_OUT,
    noob_result::NOOB_ERR_CALLBACK_FAILED,
    noob_result::NOOB_ERR_STORE_CLOSED,
    noob_result::NOOB_ERR_UNKNOWN_NAME,
    noob_result::NOOB_ERR_IDS_EXHAUSTED,
    noob_result::NOOB_ERR_NO_RANDOMNESS,
    noob_result::NOOB_ERR_DECODE,
    noob_result::NOOB_ERR_BUILDER_STATE,
    noob_result::NOOB_ERR_WRONG_TYPE,
    noob_result::NOOB_ERR_DUPLICATE_KEY,
    noob_result::NOOB_ERR_CALLBACK,
    noob_result::NOOB_ERR_EPOCH_COMPLETED,
    noob_result::NOOB_ERR_EPOCH_EXISTS,
    noob_result::NOOB_ERR_ITEM_NOT_ADDED,
    noob_result::NOOB_ERR_ITEM_ALREADY_DONE,
    noob_result::NOOB_ERR_EPOCH_VALUE,
];

impl noob_result {
    /// The static description, NUL-terminated.
    pub fn text(self) -> &'static str {
        match self {
            noob_result::NOOB_OK => "ok\0",
            noob_result::NOOB_ERR_NULL_POINTER => "a required pointer argument was NULL\0",
            noob_result::NOOB_ERR_INVALID_ARGUMENT => "invalid argument\0",
            noob_result::NOOB_ERR_INVALID_UTF8 => "text is not valid UTF-8\0",
            noob_result::NOOB_ERR_NOT_FOUND => "not found\0",
            noob_result::NOOB_ERR_OUT_OF_MEMORY => "out of memory\0",
            noob_result::NOOB_ERR_PANIC => "internal error (a Rust panic was caught)\0",
            noob_result::NOOB_ERR_BUFFER_TOO_SMALL => "output buffer too small\0",
            noob_result::NOOB_ERR_LIMIT_EXCEEDED => "a capacity limit would be exceeded\0",
            noob_result::NOOB_ERR_WRONG_POOL => "buffer belongs to another pool\0",
            noob_result::NOOB_ERR_NOT_OUTSTANDING => {
                "buffer is not lent (released twice, or never acquired)\0"
            }
            noob_result::NOOB_ERR_CYCLE => "the graph has a cycle\0",
            noob_result::NOOB_ERR_UNKNOWN_NODE => "no such node in the graph\0",
            noob_result::NOOB_ERR_ALREADY_DONE => "node already marked done\0",
            noob_result::NOOB_ERR_NOT_HANDED_OUT => "node was not handed out by get_ready\0",
            noob_result::NOOB_ERR_CALLBACK_FAILED => "a node callback failed\0",
            noob_result::NOOB_ERR_STORE_CLOSED => "the event store is closed\0",
            noob_result::NOOB_ERR_UNKNOWN_NAME => "name was never interned in this event store\0",
            noob_result::NOOB_ERR_IDS_EXHAUSTED => "the event store has used up its event ids\0",
            noob_result::NOOB_ERR_NO_RANDOMNESS => "the OS random source failed\0",
            noob_result::NOOB_ERR_DECODE => "invalid serialized value\0",
            noob_result::NOOB_ERR_BUILDER_STATE => "value builder call out of order\0",
            noob_result::NOOB_ERR_WRONG_TYPE => "value is of another type\0",
            noob_result::NOOB_ERR_DUPLICATE_KEY => "duplicate dict key\0",
            noob_result::NOOB_ERR_CALLBACK => "a callback asked to stop\0",
            noob_result::NOOB_ERR_EPOCH_COMPLETED => "the epoch is already completed\0",
            noob_result::NOOB_ERR_EPOCH_EXISTS => "the epoch already exists\0",
            noob_result::NOOB_ERR_ITEM_NOT_ADDED => "not added to the scheduler\0",
            noob_result::NOOB_ERR_ITEM_ALREADY_DONE => "already marked done in this epoch\0",
            noob_result::NOOB_ERR_EPOCH_VALUE => "invalid epoch value\0",
        }
    }
}

const UNKNOWN_CODE: &str = "unknown result code\0";

/// This thread's latest detail message.
struct LastError {
    /// The message and a NUL terminator (empty before the first failure).
    raw: Vec<u8>,
    /// The message with each NUL byte shown as `\0`, only when it holds any (a name can).
    escaped: Option<CString>,
}

thread_local! {
    static LAST_ERROR: RefCell<LastError> = const {
        RefCell::new(LastError {
            raw: Vec::new(),
            escaped: None,
        })
    };
}

/// Records the detail message of this thread's latest failure.
pub(crate) fn set_last_error(message: String) {
    // An interior NUL would truncate the C string: `noob_last_error_message` shows it as
    // `\0` rather than lose the rest; `noob_last_error_detail` gives the bytes as they are.
    let escaped = message
        .contains('\0')
        .then(|| CString::new(message.replace('\0', "\\0")).unwrap_or_default());
    let mut raw = message.into_bytes();
    raw.push(0);
    // `try_with` fails only while the thread is being torn down: then there is no one to read it.
    let _ = LAST_ERROR.try_with(|slot| *slot.borrow_mut() = LastError { raw, escaped });
}

/// The static, NUL-terminated description of a result code. Unknown codes
/// (from a newer header, or garbage) give "unknown result code". Never NULL.
///
/// Thread safety: safe from any thread.
#[no_mangle]
pub extern "C" fn noob_result_str(code: u32) -> *const c_char {
    guard_value("noob_result_str", UNKNOWN_CODE.as_ptr().cast(), || {
        let text = ALL_RESULTS
            .iter()
            .find(|result| **result as u32 == code)
            .map_or(UNKNOWN_CODE, |result| result.text());
        text.as_ptr().cast()
    })
}

/// The detail message of the latest failed call made by this thread, NUL-terminated,
/// or "" if none failed yet. Read it right away, on the failing thread: the pointer
/// stays valid only until this thread's next failing call into the library.
/// Successful calls leave it unchanged. Never NULL.
///
/// Thread safety: each thread has its own message.
#[no_mangle]
pub extern "C" fn noob_last_error_message() -> *const c_char {
    guard_value("noob_last_error_message", c"".as_ptr(), || {
        LAST_ERROR
            .try_with(|slot| {
                let last = slot.borrow();
                match (&last.escaped, last.raw.is_empty()) {
                    (Some(escaped), _) => escaped.as_ptr(),
                    (None, true) => c"".as_ptr(),
                    (None, false) => last.raw.as_ptr().cast(),
                }
            })
            .unwrap_or(c"".as_ptr())
    })
}

/// The same detail message as `noob_last_error_message`, whole: `*len_out` bytes of UTF-8
/// (NUL terminator not counted), in which NUL bytes quoted from names are kept as they
/// are (`noob_last_error_message` shows each as the two characters `\0`). A NUL byte
/// follows the text. Same lifetime as `noob_last_error_message`; `len_out` NULL is
/// accepted (only the pointer is returned). Never NULL.
///
/// Thread safety: each thread has its own message.
///
/// # Safety
/// `len_out` must be NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_last_error_detail(len_out: *mut usize) -> *const c_char {
    guard_value("noob_last_error_detail", c"".as_ptr(), || {
        let (text, len) = LAST_ERROR
            .try_with(|slot| {
                let last = slot.borrow();
                match last.raw.split_last() {
                    Some((_, message)) => (last.raw.as_ptr().cast(), message.len()),
                    None => (c"".as_ptr(), 0),
                }
            })
            .unwrap_or((c"".as_ptr(), 0));
        // SAFETY: NULL or promised writable.
        unsafe { write_optional(len_out, len) };
        text
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_its_own_text() {
        let mut seen = std::collections::HashSet::new();
        for code in ALL_RESULTS {
            assert!(seen.insert(code as u32), "{code:?} listed twice");
            assert!(code.text().ends_with('\0'));
            // SAFETY: the function returns a static NUL-terminated string.
            let text = unsafe { std::ffi::CStr::from_ptr(noob_result_str(code as u32)) };
            assert_eq!(text.to_bytes_with_nul(), code.text().as_bytes());
        }
        // SAFETY: as above.
        let unknown = unsafe { std::ffi::CStr::from_ptr(noob_result_str(9999)) };
        assert_eq!(unknown.to_str().unwrap(), "unknown result code");
    }

    #[test]
    fn a_message_with_nul_bytes_is_kept_whole_by_the_detail_accessor() {
        let read = || {
            let mut len = usize::MAX;
            // SAFETY: valid out pointer; the texts are read before the next failing call.
            unsafe {
                let detail = noob_last_error_detail(&mut len);
                let bytes = std::slice::from_raw_parts(detail.cast::<u8>(), len + 1).to_vec();
                let message = std::ffi::CStr::from_ptr(noob_last_error_message());
                (bytes, message.to_str().unwrap().to_string())
            }
        };
        set_last_error("f: Node 'a\0b' was not added".to_string());
        let (bytes, message) = read();
        assert_eq!(bytes, b"f: Node 'a\0b' was not added\0");
        assert_eq!(message, "f: Node 'a\\0b' was not added");
        set_last_error("f: plain".to_string());
        assert_eq!(read(), (b"f: plain\0".to_vec(), "f: plain".to_string()));
        // SAFETY: NULL `len_out` is accepted.
        let text =
            unsafe { std::ffi::CStr::from_ptr(noob_last_error_detail(std::ptr::null_mut())) };
        assert_eq!(text.to_str().unwrap(), "f: plain");
    }
}
