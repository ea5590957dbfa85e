//! C ABI of the serializer: a value builder, decoding into a read-only value tree,
//! encoding (into a caller buffer or a library-owned blob), and parallel batch encoding.
//!
//! The format is specified in `docs/wire-format.md`.

use super::boundary::{bytes, guard, handle, out_ptr, text, Failure};
use super::result::noob_result;
use crate::serializer::{
    self, Builder, BuilderError, DecodeError, EncodeError, EncodeErrorKind, EncodeIntoError, Value,
};

/// Lists and dicts may nest at most this deep (a scalar root has depth 0, `[1]` depth 1).
pub const NOOB_VALUE_MAX_DEPTH: usize = 256;
const _: () = assert!(NOOB_VALUE_MAX_DEPTH == serializer::format::MAX_DEPTH);

/// The kind of a value node.
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum noob_value_type {
    NOOB_VALUE_NULL = 0,
    NOOB_VALUE_BOOL = 1,
    NOOB_VALUE_INT = 2,
    NOOB_VALUE_FLOAT = 3,
    NOOB_VALUE_STR = 4,
    NOOB_VALUE_BYTES = 5,
    NOOB_VALUE_LIST = 6,
    NOOB_VALUE_DICT = 7,
}

/// Builds one value by pushing scalars and opening and closing lists and dicts,
/// writing the encoded blob as it goes (counts are patched when a container closes,
/// so they need not be known in advance). Inside a dict, each value is preceded by
/// `noob_value_builder_push_key`. A refused call leaves the builder unchanged.
///
/// Thread safety: use a builder from one thread at a time.
#[allow(non_camel_case_types)]
pub struct noob_value_builder {
    builder: Builder,
}

/// A decoded (or built) value: an immutable tree. Read it through
/// `noob_value_get_root` and the `noob_value_node_*` functions.
///
/// Thread safety: every reading function may be called from many threads at once;
/// `noob_value_free` must be the last call on it.
#[allow(non_camel_case_types)]
pub struct noob_value {
    root: Value,
}

/// One node of a `noob_value` tree, borrowed: valid until its `noob_value` is freed.
/// Never pass a node to `noob_value_free`.
///
/// Thread safety: as its `noob_value`.
#[allow(non_camel_case_types)]
pub struct noob_value_node {
    _opaque: [u8; 0],
}

/// An encoded blob owned by the library.
///
/// Thread safety: immutable; read from any thread, free once after the last read.
#[allow(non_camel_case_types)]
pub struct noob_bytes {
    data: Vec<u8>,
}

/// Several encoded blobs owned by the library (the output of a batch encode).
///
/// Thread safety: immutable; read from any thread, free once after the last read.
#[allow(non_camel_case_types)]
pub struct noob_bytes_list {
    blobs: Vec<Vec<u8>>,
}

impl From<BuilderError> for Failure {
    fn from(error: BuilderError) -> Self {
        let code = match error {
            BuilderError::DuplicateKey(_) => noob_result::NOOB_ERR_DUPLICATE_KEY,
            BuilderError::TooLong { .. } | BuilderError::TooDeep { .. } => {
                noob_result::NOOB_ERR_LIMIT_EXCEEDED
            }
            _ => noob_result::NOOB_ERR_BUILDER_STATE,
        };
        Failure::new(code, error.to_string())
    }
}

impl From<DecodeError> for Failure {
    fn from(error: DecodeError) -> Self {
        Failure::new(noob_result::NOOB_ERR_DECODE, error.to_string())
    }
}

impl From<EncodeError> for Failure {
    fn from(error: EncodeError) -> Self {
        let code = match error.kind {
            EncodeErrorKind::DuplicateKey(_) => noob_result::NOOB_ERR_DUPLICATE_KEY,
            EncodeErrorKind::TooLong { .. } | EncodeErrorKind::TooDeep { .. } => {
                noob_result::NOOB_ERR_LIMIT_EXCEEDED
            }
        };
        Failure::new(code, error.to_string())
    }
}

fn node_ptr(value: &Value) -> *const noob_value_node {
    (value as *const Value).cast()
}

/// Borrows a node, refusing NULL.
///
/// # Safety
/// A non-NULL `ptr` must come from this module (a node of a live `noob_value`).
unsafe fn node<'a>(ptr: *const noob_value_node, name: &str) -> Result<&'a Value, Failure> {
    // SAFETY: the caller passes a node pointer, which is the address of a `Value`
    // inside a live tree (see `node_ptr`); NULL is refused by `handle`.
    let checked = unsafe { handle(ptr, name) }?;
    Ok(unsafe { &*(checked as *const noob_value_node).cast::<Value>() })
}

fn wrong_type(value: &Value, wanted: &str) -> Failure {
    Failure::new(
        noob_result::NOOB_ERR_WRONG_TYPE,
        format!("the value is a {}, not {wanted}", value.kind()),
    )
}

// ---------------------------------------------------------------------------
// Builder
// ---------------------------------------------------------------------------

/// Creates an empty value builder. On success `*builder_out` owns it: free it exactly
/// once with `noob_value_builder_free`.
///
/// Errors: `NOOB_ERR_NULL_POINTER` if `builder_out` is NULL.
///
/// # Safety
/// `builder_out` must be NULL or valid for writing a pointer.
#[no_mangle]
pub unsafe extern "C" fn noob_value_builder_new(
    builder_out: *mut *mut noob_value_builder,
) -> noob_result {
    guard("noob_value_builder_new", || {
        let out = out_ptr(builder_out, "builder_out")?;
        let builder = Box::new(noob_value_builder {
            builder: Builder::new(),
        });
        // SAFETY: checked non-NULL; the caller promised it is writable.
        unsafe { out.write(Box::into_raw(builder)) };
        Ok(())
    })
}

/// Runs one builder step on a non-NULL builder.
///
/// # Safety
/// `builder` must be NULL or a live builder not used by another thread.
unsafe fn with_builder(
    function: &'static str,
    builder: *mut noob_value_builder,
    step: impl FnOnce(&mut Builder) -> Result<(), Failure>,
) -> noob_result {
    guard(function, || {
        // SAFETY: the caller promised a live builder used by this thread only, or NULL.
        let builder = unsafe { builder.as_mut() }
            .ok_or_else(|| Failure::new(noob_result::NOOB_ERR_NULL_POINTER, "`builder` is NULL"))?;
        step(&mut builder.builder)
    })
}

/// Pushes a null. Errors (builder unchanged): `NOOB_ERR_NULL_POINTER`,
/// `NOOB_ERR_BUILDER_STATE` (a key is due, or the root value is already complete).
///
/// # Safety
/// `builder` must be NULL or a live builder.
#[no_mangle]
pub unsafe extern "C" fn noob_value_builder_push_null(
    builder: *mut noob_value_builder,
) -> noob_result {
    // SAFETY: forwarded contract.
    unsafe { with_builder("noob_value_builder_push_null", builder, |b| Ok(b.null()?)) }
}

/// Pushes a bool. Errors as `noob_value_builder_push_null`.
///
/// # Safety
/// `builder` must be NULL or a live builder.
#[no_mangle]
pub unsafe extern "C" fn noob_value_builder_push_bool(
    builder: *mut noob_value_builder,
    value: bool,
) -> noob_result {
    // SAFETY: forwarded contract.
    unsafe {
        with_builder("noob_value_builder_push_bool", builder, |b| {
            Ok(b.bool(value)?)
        })
    }
}

/// Pushes a 64-bit signed int. Errors as `noob_value_builder_push_null`.
///
/// # Safety
/// `builder` must be NULL or a live builder.
#[no_mangle]
pub unsafe extern "C" fn noob_value_builder_push_int(
    builder: *mut noob_value_builder,
    value: i64,
) -> noob_result {
    // SAFETY: forwarded contract.
    unsafe {
        with_builder(
            "noob_value_builder_push_int",
            builder,
            |b| Ok(b.int(value)?),
        )
    }
}

/// Pushes a double; every bit pattern (NaN payloads, -0.0) is kept.
/// Errors as `noob_value_builder_push_null`.
///
/// # Safety
/// `builder` must be NULL or a live builder.
#[no_mangle]
pub unsafe extern "C" fn noob_value_builder_push_float(
    builder: *mut noob_value_builder,
    value: f64,
) -> noob_result {
    // SAFETY: forwarded contract.
    unsafe {
        with_builder("noob_value_builder_push_float", builder, |b| {
            Ok(b.float(value)?)
        })
    }
}

/// Pushes a string: `len` bytes of UTF-8 at `text` (not NUL-terminated; NUL bytes are
/// kept; `text` may be NULL only when `len` is 0). The bytes are copied.
///
/// Errors (builder unchanged): as `noob_value_builder_push_null`, plus
/// `NOOB_ERR_INVALID_UTF8` (the message gives the offset of the first bad byte) and
/// `NOOB_ERR_LIMIT_EXCEEDED` (longer than 4294967295 bytes).
///
/// # Safety
/// `builder` must be NULL or a live builder; `text` must point to `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn noob_value_builder_push_str(
    builder: *mut noob_value_builder,
    text_ptr: *const std::ffi::c_char,
    len: usize,
) -> noob_result {
    // SAFETY: forwarded contract.
    unsafe {
        with_builder("noob_value_builder_push_str", builder, |b| {
            let value = text(text_ptr, len, "text")?;
            Ok(b.str(value)?)
        })
    }
}

/// Pushes a byte string of `len` bytes at `data` (NULL only when `len` is 0), copied.
///
/// Errors (builder unchanged): as `noob_value_builder_push_null`, plus
/// `NOOB_ERR_LIMIT_EXCEEDED` (longer than 4294967295 bytes).
///
/// # Safety
/// `builder` must be NULL or a live builder; `data` must point to `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn noob_value_builder_push_bytes(
    builder: *mut noob_value_builder,
    data: *const u8,
    len: usize,
) -> noob_result {
    // SAFETY: forwarded contract.
    unsafe {
        with_builder("noob_value_builder_push_bytes", builder, |b| {
            let value = bytes(data, len, "data")?;
            Ok(b.bytes(value)?)
        })
    }
}

/// Opens a list; push its items, then `noob_value_builder_end_list`.
///
/// Errors (builder unchanged): as `noob_value_builder_push_null`, plus
/// `NOOB_ERR_LIMIT_EXCEEDED` (deeper than `NOOB_VALUE_MAX_DEPTH`).
///
/// # Safety
/// `builder` must be NULL or a live builder.
#[no_mangle]
pub unsafe extern "C" fn noob_value_builder_begin_list(
    builder: *mut noob_value_builder,
) -> noob_result {
    // SAFETY: forwarded contract.
    unsafe {
        with_builder("noob_value_builder_begin_list", builder, |b| {
            Ok(b.begin_list()?)
        })
    }
}

/// Closes the innermost open container, which must be a list.
///
/// Errors (builder unchanged): `NOOB_ERR_NULL_POINTER`, `NOOB_ERR_BUILDER_STATE` (no
/// container open, or the innermost one is a dict).
///
/// # Safety
/// `builder` must be NULL or a live builder.
#[no_mangle]
pub unsafe extern "C" fn noob_value_builder_end_list(
    builder: *mut noob_value_builder,
) -> noob_result {
    // SAFETY: forwarded contract.
    unsafe {
        with_builder(
            "noob_value_builder_end_list",
            builder,
            |b| Ok(b.end_list()?),
        )
    }
}

/// Opens a dict; then, for each entry, `noob_value_builder_push_key` and one value
/// (a scalar, or a container opened and closed); then `noob_value_builder_end_dict`.
///
/// Errors: as `noob_value_builder_begin_list`.
///
/// # Safety
/// `builder` must be NULL or a live builder.
#[no_mangle]
pub unsafe extern "C" fn noob_value_builder_begin_dict(
    builder: *mut noob_value_builder,
) -> noob_result {
    // SAFETY: forwarded contract.
    unsafe {
        with_builder("noob_value_builder_begin_dict", builder, |b| {
            Ok(b.begin_dict()?)
        })
    }
}

/// Pushes the key of the next entry of the innermost open dict: `len` bytes of UTF-8
/// at `key` (NULL only when `len` is 0), copied.
///
/// Errors (builder unchanged): `NOOB_ERR_NULL_POINTER`, `NOOB_ERR_INVALID_UTF8`,
/// `NOOB_ERR_BUILDER_STATE` (no dict is the innermost open container, or the previous
/// key has no value yet), `NOOB_ERR_DUPLICATE_KEY` (the dict already holds this key),
/// `NOOB_ERR_LIMIT_EXCEEDED`.
///
/// # Safety
/// `builder` must be NULL or a live builder; `key` must point to `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn noob_value_builder_push_key(
    builder: *mut noob_value_builder,
    key: *const std::ffi::c_char,
    len: usize,
) -> noob_result {
    // SAFETY: forwarded contract.
    unsafe {
        with_builder("noob_value_builder_push_key", builder, |b| {
            let key = text(key, len, "key")?;
            Ok(b.key(key)?)
        })
    }
}

/// Closes the innermost open container, which must be a dict whose last key has its
/// value. Errors (builder unchanged): `NOOB_ERR_NULL_POINTER`, `NOOB_ERR_BUILDER_STATE`.
///
/// # Safety
/// `builder` must be NULL or a live builder.
#[no_mangle]
pub unsafe extern "C" fn noob_value_builder_end_dict(
    builder: *mut noob_value_builder,
) -> noob_result {
    // SAFETY: forwarded contract.
    unsafe {
        with_builder(
            "noob_value_builder_end_dict",
            builder,
            |b| Ok(b.end_dict()?),
        )
    }
}

/// Forgets everything pushed so far; the builder is empty again.
/// Errors: `NOOB_ERR_NULL_POINTER`.
///
/// # Safety
/// `builder` must be NULL or a live builder.
#[no_mangle]
pub unsafe extern "C" fn noob_value_builder_reset(builder: *mut noob_value_builder) -> noob_result {
    // SAFETY: forwarded contract.
    unsafe {
        with_builder("noob_value_builder_reset", builder, |b| {
            b.reset();
            Ok(())
        })
    }
}

/// Finishes the value as an immutable tree. On success `*value_out` owns it (free it
/// exactly once with `noob_value_free`) and the builder is empty, ready for the next
/// value.
///
/// Errors (builder unchanged): `NOOB_ERR_NULL_POINTER`, `NOOB_ERR_BUILDER_STATE` (no
/// value pushed, or containers still open).
///
/// # Safety
/// `builder` must be NULL or a live builder; `value_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_value_builder_build(
    builder: *mut noob_value_builder,
    value_out: *mut *mut noob_value,
) -> noob_result {
    // SAFETY: forwarded contract.
    unsafe {
        with_builder("noob_value_builder_build", builder, |b| {
            let out = out_ptr(value_out, "value_out")?;
            let root = serializer::decode(b.bytes_so_far()?)?;
            b.reset();
            // SAFETY: checked non-NULL; promised writable.
            out.write(Box::into_raw(Box::new(noob_value { root })));
            Ok(())
        })
    }
}

/// Finishes the value as an encoded blob (no tree is built). On success `*bytes_out`
/// owns the blob (free it exactly once with `noob_bytes_free`) and the builder is
/// empty, ready for the next value.
///
/// Errors: as `noob_value_builder_build`.
///
/// # Safety
/// `builder` must be NULL or a live builder; `bytes_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_value_builder_build_encoded(
    builder: *mut noob_value_builder,
    bytes_out: *mut *mut noob_bytes,
) -> noob_result {
    // SAFETY: forwarded contract.
    unsafe {
        with_builder("noob_value_builder_build_encoded", builder, |b| {
            let out = out_ptr(bytes_out, "bytes_out")?;
            let data = b.finish()?;
            // SAFETY: checked non-NULL; promised writable.
            out.write(Box::into_raw(Box::new(noob_bytes { data })));
            Ok(())
        })
    }
}

/// Frees a builder and anything pushed into it. NULL is accepted and does nothing.
/// Call it exactly once per builder.
///
/// # Safety
/// `builder` must be NULL or a builder from `noob_value_builder_new` not freed before.
#[no_mangle]
pub unsafe extern "C" fn noob_value_builder_free(builder: *mut noob_value_builder) {
    guard("noob_value_builder_free", || {
        if !builder.is_null() {
            // SAFETY: the caller passes ownership of a builder from `noob_value_builder_new`.
            drop(unsafe { Box::from_raw(builder) });
        }
        Ok(())
    });
}

// ---------------------------------------------------------------------------
// Decoding and reading
// ---------------------------------------------------------------------------

/// Decodes the blob of `len` bytes at `data` (NULL only when `len` is 0) into a value
/// tree. The blob is not referenced after the call. On success `*value_out` owns the
/// tree: free it exactly once with `noob_value_free`.
///
/// Any byte string is safe to pass: a blob that is not valid (wrong magic, unknown
/// version, truncated, lying lengths, invalid UTF-8, nesting deeper than
/// `NOOB_VALUE_MAX_DEPTH`, a repeated dict key, trailing bytes) gives
/// `NOOB_ERR_DECODE`, and the detail message names the problem and its byte offset.
/// Memory use is bounded by a small multiple of `len`. Other errors:
/// `NOOB_ERR_NULL_POINTER`.
///
/// # Safety
/// `data` must point to `len` readable bytes; `value_out` must be NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_value_decode(
    data: *const u8,
    len: usize,
    value_out: *mut *mut noob_value,
) -> noob_result {
    guard("noob_value_decode", || {
        let out = out_ptr(value_out, "value_out")?;
        // SAFETY: forwarded contract.
        let blob = unsafe { bytes(data, len, "data") }?;
        let root = serializer::decode(blob)?;
        // SAFETY: checked non-NULL; promised writable.
        unsafe { out.write(Box::into_raw(Box::new(noob_value { root }))) };
        Ok(())
    })
}

/// The root node of a value tree, valid until `noob_value_free(value)`.
///
/// Errors: `NOOB_ERR_NULL_POINTER`.
///
/// # Safety
/// `value` must be NULL or a live value; `node_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_value_get_root(
    value: *const noob_value,
    node_out: *mut *const noob_value_node,
) -> noob_result {
    guard("noob_value_get_root", || {
        // SAFETY: the caller promised a live value or NULL.
        let value = unsafe { handle(value, "value") }?;
        let out = out_ptr(node_out, "node_out")?;
        // SAFETY: checked non-NULL; promised writable.
        unsafe { out.write(node_ptr(&value.root)) };
        Ok(())
    })
}

/// Frees a value tree; every node, string and byte view taken from it becomes
/// invalid. NULL is accepted and does nothing. Call it exactly once per value, after
/// every other call on it has returned; never pass a node.
///
/// # Safety
/// `value` must be NULL or a value from `noob_value_decode` / `noob_value_builder_build`
/// not freed before.
#[no_mangle]
pub unsafe extern "C" fn noob_value_free(value: *mut noob_value) {
    guard("noob_value_free", || {
        if !value.is_null() {
            // SAFETY: the caller passes ownership of a value made by this module.
            drop(unsafe { Box::from_raw(value) });
        }
        Ok(())
    });
}

/// Writes the node's kind to `*type_out`. Errors: `NOOB_ERR_NULL_POINTER`.
///
/// # Safety
/// `node` must be NULL or a node of a live value; `type_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_value_node_type(
    node: *const noob_value_node,
    type_out: *mut noob_value_type,
) -> noob_result {
    guard("noob_value_node_type", || {
        // SAFETY: forwarded contract.
        let value = unsafe { self::node(node, "node") }?;
        let out = out_ptr(type_out, "type_out")?;
        let kind = match value {
            Value::Null => noob_value_type::NOOB_VALUE_NULL,
            Value::Bool(_) => noob_value_type::NOOB_VALUE_BOOL,
            Value::Int(_) => noob_value_type::NOOB_VALUE_INT,
            Value::Float(_) => noob_value_type::NOOB_VALUE_FLOAT,
            Value::Str(_) => noob_value_type::NOOB_VALUE_STR,
            Value::Bytes(_) => noob_value_type::NOOB_VALUE_BYTES,
            Value::List(_) => noob_value_type::NOOB_VALUE_LIST,
            Value::Dict(_) => noob_value_type::NOOB_VALUE_DICT,
        };
        // SAFETY: checked non-NULL; promised writable.
        unsafe { out.write(kind) };
        Ok(())
    })
}

/// Writes the node's length: items of a list, entries of a dict, bytes of a str or
/// bytes value. Errors: `NOOB_ERR_NULL_POINTER`, `NOOB_ERR_WRONG_TYPE` (a null, bool,
/// int or float has no length).
///
/// # Safety
/// `node` must be NULL or a node of a live value; `len_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_value_node_len(
    node: *const noob_value_node,
    len_out: *mut usize,
) -> noob_result {
    guard("noob_value_node_len", || {
        // SAFETY: forwarded contract.
        let value = unsafe { self::node(node, "node") }?;
        let out = out_ptr(len_out, "len_out")?;
        let len = match value {
            Value::Str(text) => text.len(),
            Value::Bytes(bytes) => bytes.len(),
            Value::List(items) => items.len(),
            Value::Dict(entries) => entries.len(),
            other => return Err(wrong_type(other, "a list, dict, str or bytes")),
        };
        // SAFETY: checked non-NULL; promised writable.
        unsafe { out.write(len) };
        Ok(())
    })
}

/// Reads a bool. Errors: `NOOB_ERR_NULL_POINTER`, `NOOB_ERR_WRONG_TYPE`.
///
/// # Safety
/// `node` must be NULL or a node of a live value; `value_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_value_node_get_bool(
    node: *const noob_value_node,
    value_out: *mut bool,
) -> noob_result {
    guard("noob_value_node_get_bool", || {
        // SAFETY: forwarded contract.
        let value = unsafe { self::node(node, "node") }?;
        let out = out_ptr(value_out, "value_out")?;
        match value {
            // SAFETY: checked non-NULL; promised writable.
            Value::Bool(b) => unsafe { out.write(*b) },
            other => return Err(wrong_type(other, "a bool")),
        }
        Ok(())
    })
}

/// Reads an int. Errors: `NOOB_ERR_NULL_POINTER`, `NOOB_ERR_WRONG_TYPE` (floats are
/// not converted).
///
/// # Safety
/// `node` must be NULL or a node of a live value; `value_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_value_node_get_int(
    node: *const noob_value_node,
    value_out: *mut i64,
) -> noob_result {
    guard("noob_value_node_get_int", || {
        // SAFETY: forwarded contract.
        let value = unsafe { self::node(node, "node") }?;
        let out = out_ptr(value_out, "value_out")?;
        match value {
            // SAFETY: checked non-NULL; promised writable.
            Value::Int(n) => unsafe { out.write(*n) },
            other => return Err(wrong_type(other, "an int")),
        }
        Ok(())
    })
}

/// Reads a float. Errors: `NOOB_ERR_NULL_POINTER`, `NOOB_ERR_WRONG_TYPE` (ints are not
/// converted).
///
/// # Safety
/// `node` must be NULL or a node of a live value; `value_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_value_node_get_float(
    node: *const noob_value_node,
    value_out: *mut f64,
) -> noob_result {
    guard("noob_value_node_get_float", || {
        // SAFETY: forwarded contract.
        let value = unsafe { self::node(node, "node") }?;
        let out = out_ptr(value_out, "value_out")?;
        match value {
            // SAFETY: checked non-NULL; promised writable.
            Value::Float(x) => unsafe { out.write(*x) },
            other => return Err(wrong_type(other, "a float")),
        }
        Ok(())
    })
}

/// Borrows a string: `*text_out` points to `*len_out` bytes of UTF-8, not
/// NUL-terminated, valid until the value is freed. Errors: `NOOB_ERR_NULL_POINTER`,
/// `NOOB_ERR_WRONG_TYPE`.
///
/// # Safety
/// `node` must be NULL or a node of a live value; the outputs NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_value_node_get_str(
    node: *const noob_value_node,
    text_out: *mut *const std::ffi::c_char,
    len_out: *mut usize,
) -> noob_result {
    guard("noob_value_node_get_str", || {
        // SAFETY: forwarded contract.
        let value = unsafe { self::node(node, "node") }?;
        let text_slot = out_ptr(text_out, "text_out")?;
        let len_slot = out_ptr(len_out, "len_out")?;
        match value {
            Value::Str(text) => {
                // SAFETY: checked non-NULL; promised writable.
                unsafe {
                    text_slot.write(text.as_ptr().cast());
                    len_slot.write(text.len());
                }
                Ok(())
            }
            other => Err(wrong_type(other, "a str")),
        }
    })
}

/// Borrows a byte string: `*data_out` points to `*len_out` bytes valid until the value
/// is freed (for an empty one, a non-NULL pointer that must not be read).
/// Errors: `NOOB_ERR_NULL_POINTER`, `NOOB_ERR_WRONG_TYPE`.
///
/// # Safety
/// `node` must be NULL or a node of a live value; the outputs NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_value_node_get_bytes(
    node: *const noob_value_node,
    data_out: *mut *const u8,
    len_out: *mut usize,
) -> noob_result {
    guard("noob_value_node_get_bytes", || {
        // SAFETY: forwarded contract.
        let value = unsafe { self::node(node, "node") }?;
        let data_slot = out_ptr(data_out, "data_out")?;
        let len_slot = out_ptr(len_out, "len_out")?;
        match value {
            Value::Bytes(data) => {
                // SAFETY: checked non-NULL; promised writable.
                unsafe {
                    data_slot.write(data.as_ptr());
                    len_slot.write(data.len());
                }
                Ok(())
            }
            other => Err(wrong_type(other, "bytes")),
        }
    })
}

/// Borrows item `index` of a list (valid until the value is freed).
///
/// Errors: `NOOB_ERR_NULL_POINTER`, `NOOB_ERR_WRONG_TYPE` (not a list),
/// `NOOB_ERR_INVALID_ARGUMENT` (`index` is not below the length).
///
/// # Safety
/// `node` must be NULL or a node of a live value; `item_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_value_node_list_get(
    node: *const noob_value_node,
    index: usize,
    item_out: *mut *const noob_value_node,
) -> noob_result {
    guard("noob_value_node_list_get", || {
        // SAFETY: forwarded contract.
        let value = unsafe { self::node(node, "node") }?;
        let out = out_ptr(item_out, "item_out")?;
        let Value::List(items) = value else {
            return Err(wrong_type(value, "a list"));
        };
        let item = items
            .get(index)
            .ok_or_else(|| out_of_range(index, items.len()))?;
        // SAFETY: checked non-NULL; promised writable.
        unsafe { out.write(node_ptr(item)) };
        Ok(())
    })
}

fn out_of_range(index: usize, len: usize) -> Failure {
    Failure::new(
        noob_result::NOOB_ERR_INVALID_ARGUMENT,
        format!("index {index} is out of range for a length of {len}"),
    )
}

/// Borrows entry `index` of a dict (entries keep their encoded order): its key (UTF-8,
/// not NUL-terminated) and its value node, valid until the value is freed.
///
/// Errors: `NOOB_ERR_NULL_POINTER`, `NOOB_ERR_WRONG_TYPE` (not a dict),
/// `NOOB_ERR_INVALID_ARGUMENT` (`index` is not below the length).
///
/// # Safety
/// `node` must be NULL or a node of a live value; the outputs NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_value_node_dict_entry(
    node: *const noob_value_node,
    index: usize,
    key_out: *mut *const std::ffi::c_char,
    key_len_out: *mut usize,
    value_out: *mut *const noob_value_node,
) -> noob_result {
    guard("noob_value_node_dict_entry", || {
        // SAFETY: forwarded contract.
        let value = unsafe { self::node(node, "node") }?;
        let key_slot = out_ptr(key_out, "key_out")?;
        let len_slot = out_ptr(key_len_out, "key_len_out")?;
        let value_slot = out_ptr(value_out, "value_out")?;
        let Value::Dict(entries) = value else {
            return Err(wrong_type(value, "a dict"));
        };
        let (key, item) = entries
            .get(index)
            .ok_or_else(|| out_of_range(index, entries.len()))?;
        // SAFETY: checked non-NULL; promised writable.
        unsafe {
            key_slot.write(key.as_ptr().cast());
            len_slot.write(key.len());
            value_slot.write(node_ptr(item));
        }
        Ok(())
    })
}

/// Borrows the value stored under `key` (`key_len` bytes of UTF-8; NULL only when
/// `key_len` is 0) in a dict, valid until the value is freed. The search is linear in
/// the number of entries.
///
/// Errors: `NOOB_ERR_NULL_POINTER`, `NOOB_ERR_INVALID_UTF8`, `NOOB_ERR_WRONG_TYPE`
/// (not a dict), `NOOB_ERR_NOT_FOUND` (no such key).
///
/// # Safety
/// `node` must be NULL or a node of a live value; `key` must point to `key_len`
/// readable bytes; `value_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_value_node_dict_find(
    node: *const noob_value_node,
    key: *const std::ffi::c_char,
    key_len: usize,
    value_out: *mut *const noob_value_node,
) -> noob_result {
    guard("noob_value_node_dict_find", || {
        // SAFETY: forwarded contract.
        let value = unsafe { self::node(node, "node") }?;
        let out = out_ptr(value_out, "value_out")?;
        // SAFETY: forwarded contract.
        let key = unsafe { text(key, key_len, "key") }?;
        if !matches!(value, Value::Dict(_)) {
            return Err(wrong_type(value, "a dict"));
        }
        let item = value.get(key).ok_or_else(|| {
            Failure::new(
                noob_result::NOOB_ERR_NOT_FOUND,
                format!("the dict has no key {key:?}"),
            )
        })?;
        // SAFETY: checked non-NULL; promised writable.
        unsafe { out.write(node_ptr(item)) };
        Ok(())
    })
}

// ---------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------

/// Writes the exact size in bytes of the blob `noob_value_node_encode_into` would write
/// for `node` (any node, not only a root). This is the bound to size a buffer with.
///
/// Errors: `NOOB_ERR_NULL_POINTER`; `NOOB_ERR_LIMIT_EXCEEDED` if the value cannot be
/// encoded (only possible for a node nested deeper than the limit allows as a root).
///
/// # Safety
/// `node` must be NULL or a node of a live value; `size_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_value_node_encoded_size(
    node: *const noob_value_node,
    size_out: *mut usize,
) -> noob_result {
    guard("noob_value_node_encoded_size", || {
        // SAFETY: forwarded contract.
        let value = unsafe { self::node(node, "node") }?;
        let out = out_ptr(size_out, "size_out")?;
        let size = serializer::encoded_len(value)?;
        // SAFETY: checked non-NULL; promised writable.
        unsafe { out.write(size) };
        Ok(())
    })
}

/// Encodes `node` into the caller's `buffer` of `capacity` bytes (NULL only when
/// `capacity` is 0). On success `*size_out` is the blob's length. If the blob does not
/// fit, nothing is written to `buffer`, the result is `NOOB_ERR_BUFFER_TOO_SMALL` and
/// `*size_out` is the size needed (so a call with `capacity` 0 asks for the size).
///
/// Errors: `NOOB_ERR_NULL_POINTER` (`node` or `size_out`, or `buffer` with a non-zero
/// capacity), `NOOB_ERR_BUFFER_TOO_SMALL`, `NOOB_ERR_LIMIT_EXCEEDED`.
///
/// # Safety
/// `node` must be NULL or a node of a live value; `buffer` must point to `capacity`
/// writable bytes; `size_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_value_node_encode_into(
    node: *const noob_value_node,
    buffer: *mut u8,
    capacity: usize,
    size_out: *mut usize,
) -> noob_result {
    guard("noob_value_node_encode_into", || {
        // SAFETY: forwarded contract.
        let value = unsafe { self::node(node, "node") }?;
        if size_out.is_null() {
            return Err(Failure::new(
                noob_result::NOOB_ERR_NULL_POINTER,
                "`size_out` is NULL",
            ));
        }
        // SAFETY: forwarded contract (checked for NULL with a non-zero capacity).
        let view = unsafe { bytes(buffer, capacity, "buffer") }?;
        let target: &mut [u8] = if view.is_empty() {
            &mut []
        } else {
            // SAFETY: the caller promised `capacity` writable bytes at `buffer`.
            unsafe { std::slice::from_raw_parts_mut(buffer, capacity) }
        };
        match serializer::encode_into(value, target) {
            Ok(written) => {
                // SAFETY: checked non-NULL; promised writable.
                unsafe { size_out.write(written) };
                Ok(())
            }
            Err(EncodeIntoError::BufferTooSmall { needed }) => {
                // SAFETY: as above; this output is documented for this error.
                unsafe { size_out.write(needed) };
                Err(Failure::new(
                    noob_result::NOOB_ERR_BUFFER_TOO_SMALL,
                    format!("the blob needs {needed} bytes, the buffer has {capacity}"),
                ))
            }
            Err(EncodeIntoError::Invalid(error)) => Err(error.into()),
        }
    })
}

/// Encodes `node` into a new library-owned blob. On success `*bytes_out` owns it: free
/// it exactly once with `noob_bytes_free`.
///
/// Errors: `NOOB_ERR_NULL_POINTER`, `NOOB_ERR_LIMIT_EXCEEDED`.
///
/// # Safety
/// `node` must be NULL or a node of a live value; `bytes_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_value_node_encode(
    node: *const noob_value_node,
    bytes_out: *mut *mut noob_bytes,
) -> noob_result {
    guard("noob_value_node_encode", || {
        // SAFETY: forwarded contract.
        let value = unsafe { self::node(node, "node") }?;
        let out = out_ptr(bytes_out, "bytes_out")?;
        let data = serializer::encode(value)?;
        // SAFETY: checked non-NULL; promised writable.
        unsafe { out.write(Box::into_raw(Box::new(noob_bytes { data }))) };
        Ok(())
    })
}

/// Encodes `count` nodes in parallel (on the library's worker threads) into one
/// library-owned list of blobs, in order. `nodes` may be NULL only when `count` is 0.
/// On success `*list_out` owns the list: free it exactly once with
/// `noob_bytes_list_free`. The nodes must stay alive (their values not freed) until
/// the call returns; they may belong to different values.
///
/// Errors (nothing is output): `NOOB_ERR_NULL_POINTER` (`nodes`, any of its entries,
/// or `list_out`; the message gives the index), `NOOB_ERR_LIMIT_EXCEEDED` (the message
/// gives the index).
///
/// # Safety
/// `nodes` must point to `count` readable pointers, each NULL or a node of a live
/// value; `list_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_value_encode_batch(
    nodes: *const *const noob_value_node,
    count: usize,
    list_out: *mut *mut noob_bytes_list,
) -> noob_result {
    guard("noob_value_encode_batch", || {
        let out = out_ptr(list_out, "list_out")?;
        let pointers: &[*const noob_value_node] = if count == 0 {
            &[]
        } else if nodes.is_null() {
            return Err(Failure::new(
                noob_result::NOOB_ERR_NULL_POINTER,
                "`nodes` is NULL",
            ));
        } else {
            // SAFETY: the caller promised `count` readable pointers.
            unsafe { std::slice::from_raw_parts(nodes, count) }
        };
        let mut values = Vec::with_capacity(pointers.len());
        for (index, &pointer) in pointers.iter().enumerate() {
            if pointer.is_null() {
                return Err(Failure::new(
                    noob_result::NOOB_ERR_NULL_POINTER,
                    format!("`nodes[{index}]` is NULL"),
                ));
            }
            // SAFETY: non-NULL node of a live value, as the caller promised.
            values.push(unsafe { self::node(pointer, "nodes[i]") }?);
        }
        let mut blobs = Vec::with_capacity(values.len());
        for (index, result) in serializer::encode_batch(&values).into_iter().enumerate() {
            blobs.push(result.map_err(|error| {
                let mut failure = Failure::from(error);
                failure.message = format!("nodes[{index}]: {}", failure.message);
                failure
            })?);
        }
        // SAFETY: checked non-NULL; promised writable.
        unsafe { out.write(Box::into_raw(Box::new(noob_bytes_list { blobs }))) };
        Ok(())
    })
}

// ---------------------------------------------------------------------------
// Library-owned blobs
// ---------------------------------------------------------------------------

/// Borrows a blob's bytes: `*data_out` points to `*len_out` bytes valid until
/// `noob_bytes_free(bytes)`. Errors: `NOOB_ERR_NULL_POINTER`.
///
/// # Safety
/// `bytes` must be NULL or a live blob; the outputs NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_bytes_get(
    bytes: *const noob_bytes,
    data_out: *mut *const u8,
    len_out: *mut usize,
) -> noob_result {
    guard("noob_bytes_get", || {
        // SAFETY: the caller promised a live blob or NULL.
        let blob = unsafe { handle(bytes, "bytes") }?;
        let data_slot = out_ptr(data_out, "data_out")?;
        let len_slot = out_ptr(len_out, "len_out")?;
        // SAFETY: checked non-NULL; promised writable.
        unsafe {
            data_slot.write(blob.data.as_ptr());
            len_slot.write(blob.data.len());
        }
        Ok(())
    })
}

/// Frees a blob. NULL is accepted and does nothing. Call it exactly once per blob.
///
/// # Safety
/// `bytes` must be NULL or a blob from this library not freed before.
#[no_mangle]
pub unsafe extern "C" fn noob_bytes_free(bytes: *mut noob_bytes) {
    guard("noob_bytes_free", || {
        if !bytes.is_null() {
            // SAFETY: the caller passes ownership of a blob made by this module.
            drop(unsafe { Box::from_raw(bytes) });
        }
        Ok(())
    });
}

/// Writes how many blobs the list holds. Errors: `NOOB_ERR_NULL_POINTER`.
///
/// # Safety
/// `list` must be NULL or a live list; `len_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_bytes_list_len(
    list: *const noob_bytes_list,
    len_out: *mut usize,
) -> noob_result {
    guard("noob_bytes_list_len", || {
        // SAFETY: the caller promised a live list or NULL.
        let list = unsafe { handle(list, "list") }?;
        let out = out_ptr(len_out, "len_out")?;
        // SAFETY: checked non-NULL; promised writable.
        unsafe { out.write(list.blobs.len()) };
        Ok(())
    })
}

/// Borrows blob `index` of the list: `*data_out` points to `*len_out` bytes valid
/// until `noob_bytes_list_free(list)`.
///
/// Errors: `NOOB_ERR_NULL_POINTER`, `NOOB_ERR_INVALID_ARGUMENT` (`index` out of range).
///
/// # Safety
/// `list` must be NULL or a live list; the outputs NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_bytes_list_get(
    list: *const noob_bytes_list,
    index: usize,
    data_out: *mut *const u8,
    len_out: *mut usize,
) -> noob_result {
    guard("noob_bytes_list_get", || {
        // SAFETY: the caller promised a live list or NULL.
        let list = unsafe { handle(list, "list") }?;
        let data_slot = out_ptr(data_out, "data_out")?;
        let len_slot = out_ptr(len_out, "len_out")?;
        let blob = list
            .blobs
            .get(index)
            .ok_or_else(|| out_of_range(index, list.blobs.len()))?;
        // SAFETY: checked non-NULL; promised writable.
        unsafe {
            data_slot.write(blob.as_ptr());
            len_slot.write(blob.len());
        }
        Ok(())
    })
}

/// Frees a list of blobs. NULL is accepted and does nothing. Call it exactly once.
///
/// # Safety
/// `list` must be NULL or a list from `noob_value_encode_batch` not freed before.
#[no_mangle]
pub unsafe extern "C" fn noob_bytes_list_free(list: *mut noob_bytes_list) {
    guard("noob_bytes_list_free", || {
        if !list.is_null() {
            // SAFETY: the caller passes ownership of a list made by this module.
            drop(unsafe { Box::from_raw(list) });
        }
        Ok(())
    });
}
