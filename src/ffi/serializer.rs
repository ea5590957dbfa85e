//! C ABI of the serializer: a value builder, decoding into a read-only value,
//! encoding (into a caller buffer or a library-owned blob), and parallel batch encoding.
//!
//! The format is specified in `docs/wire-format.md`.

use super::boundary::{array, bytes, free_handle, guard, handle, out_ptr, text, Failure, Outcome};
use super::result::noob_result;
use crate::serializer::{
    BorrowedDocument, Builder, BuilderError, DecodeError, Document, Kind, NodeRef,
};
use rayon::prelude::*;
use std::ffi::{c_char, c_void};

/// Lists and dicts may nest at most this deep (a scalar root has depth 0, `[1]` depth 1).
pub const NOOB_VALUE_MAX_DEPTH: usize = 256;
const _: () = assert!(NOOB_VALUE_MAX_DEPTH == crate::serializer::format::MAX_DEPTH);

/// The node number of a value's root. Nodes are numbered in the order they appear in
/// the blob, from 0 to the node count minus one.
pub const NOOB_VALUE_ROOT: usize = 0;

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

/// A decoded (or built) value: the validated blob kept as it is, with an index over
/// it. Its parts are *nodes*, named by number (`size_t`): the root is
/// `NOOB_VALUE_ROOT` (0), and the list, dict and lookup functions give the numbers of
/// the others. A node number is only meaningful with the value it came from; an
/// unknown number is refused with `NOOB_ERR_INVALID_ARGUMENT`.
///
/// Thread safety: every reading function may be called from many threads at once;
/// `noob_value_free` must be the last call on it.
#[allow(non_camel_case_types)]
pub struct noob_value {
    document: Document,
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

/// Borrows node `index` of a value, refusing a NULL value and unknown node numbers.
///
/// # Safety
/// A non-NULL `value` must be a live value.
unsafe fn node<'a>(value: *const noob_value, index: usize) -> Result<NodeRef<'a>, Failure> {
    // SAFETY: forwarded contract.
    let value = unsafe { handle(value, "value") }?;
    value.document.node(index).ok_or_else(|| {
        Failure::new(
            noob_result::NOOB_ERR_INVALID_ARGUMENT,
            format!(
                "node {index} does not exist (the value has {} nodes)",
                value.document.node_count()
            ),
        )
    })
}

fn wrong_type(node: NodeRef<'_>, wanted: &str) -> Failure {
    Failure::new(
        noob_result::NOOB_ERR_WRONG_TYPE,
        format!("node {} is a {}, not {wanted}", node.index(), node.kind()),
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
#[inline(always)]
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
            let document = Document::from_vec(b.finish()?)?;
            // SAFETY: checked non-NULL; promised writable.
            out.write(Box::into_raw(Box::new(noob_value { document })));
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
    // SAFETY: the caller passes ownership of a builder from `noob_value_builder_new`.
    unsafe { free_handle("noob_value_builder_free", builder) };
}

// ---------------------------------------------------------------------------
// Decoding and reading
// ---------------------------------------------------------------------------

/// Decodes the blob of `len` bytes at `data` (NULL only when `len` is 0). The blob is
/// validated, then copied (it is not referenced after the call). On success
/// `*value_out` owns the value: free it exactly once with `noob_value_free`.
///
/// Any byte string is safe to pass: a blob that is not valid (wrong magic, unknown
/// version, truncated, lying lengths, invalid UTF-8, nesting deeper than
/// `NOOB_VALUE_MAX_DEPTH`, a repeated dict key, trailing bytes) gives
/// `NOOB_ERR_DECODE`, and the detail message names the problem and its byte offset.
/// Memory use is bounded by a small multiple of `len` (about 50 bytes per node; each
/// node takes at least one byte of blob). Other errors: `NOOB_ERR_NULL_POINTER`.
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
        let document = Document::from_slice(blob)?;
        // SAFETY: checked non-NULL; promised writable.
        unsafe { out.write(Box::into_raw(Box::new(noob_value { document }))) };
        Ok(())
    })
}

/// Writes how many nodes the value has (node numbers run from 0 to this minus one).
/// Errors: `NOOB_ERR_NULL_POINTER`.
///
/// # Safety
/// `value` must be NULL or a live value; `count_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_value_node_count(
    value: *const noob_value,
    count_out: *mut usize,
) -> noob_result {
    guard("noob_value_node_count", || {
        // SAFETY: the caller promised a live value or NULL.
        let value = unsafe { handle(value, "value") }?;
        let out = out_ptr(count_out, "count_out")?;
        // SAFETY: checked non-NULL; promised writable.
        unsafe { out.write(value.document.node_count()) };
        Ok(())
    })
}

/// Frees a value; every string and byte view taken from it becomes invalid. NULL is
/// accepted and does nothing. Call it exactly once per value, after every other call
/// on it has returned.
///
/// # Safety
/// `value` must be NULL or a value from `noob_value_decode` / `noob_value_builder_build`
/// not freed before.
#[no_mangle]
pub unsafe extern "C" fn noob_value_free(value: *mut noob_value) {
    // SAFETY: the caller passes ownership of a value made by this module.
    unsafe { free_handle("noob_value_free", value) };
}

/// Writes the kind of node `node`.
///
/// Errors: `NOOB_ERR_NULL_POINTER`, `NOOB_ERR_INVALID_ARGUMENT` (no such node).
///
/// # Safety
/// `value` must be NULL or a live value; `type_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_value_node_type(
    value: *const noob_value,
    node: usize,
    type_out: *mut noob_value_type,
) -> noob_result {
    guard("noob_value_node_type", || {
        // SAFETY: forwarded contract.
        let node = unsafe { self::node(value, node) }?;
        let out = out_ptr(type_out, "type_out")?;
        let kind = match node.kind() {
            Kind::Null => noob_value_type::NOOB_VALUE_NULL,
            Kind::Bool => noob_value_type::NOOB_VALUE_BOOL,
            Kind::Int => noob_value_type::NOOB_VALUE_INT,
            Kind::Float => noob_value_type::NOOB_VALUE_FLOAT,
            Kind::Str => noob_value_type::NOOB_VALUE_STR,
            Kind::Bytes => noob_value_type::NOOB_VALUE_BYTES,
            Kind::List => noob_value_type::NOOB_VALUE_LIST,
            Kind::Dict => noob_value_type::NOOB_VALUE_DICT,
        };
        // SAFETY: checked non-NULL; promised writable.
        unsafe { out.write(kind) };
        Ok(())
    })
}

/// Writes the node's length: items of a list, entries of a dict, bytes of a str or
/// bytes value.
///
/// Errors: `NOOB_ERR_NULL_POINTER`, `NOOB_ERR_INVALID_ARGUMENT` (no such node),
/// `NOOB_ERR_WRONG_TYPE` (a null, bool, int or float has no length).
///
/// # Safety
/// `value` must be NULL or a live value; `len_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_value_node_len(
    value: *const noob_value,
    node: usize,
    len_out: *mut usize,
) -> noob_result {
    guard("noob_value_node_len", || {
        // SAFETY: forwarded contract.
        let node = unsafe { self::node(value, node) }?;
        let out = out_ptr(len_out, "len_out")?;
        let len = node
            .len()
            .ok_or_else(|| wrong_type(node, "a list, dict, str or bytes"))?;
        // SAFETY: checked non-NULL; promised writable.
        unsafe { out.write(len) };
        Ok(())
    })
}

/// Reads a bool.
///
/// Errors: `NOOB_ERR_NULL_POINTER`, `NOOB_ERR_INVALID_ARGUMENT` (no such node),
/// `NOOB_ERR_WRONG_TYPE`.
///
/// # Safety
/// `value` must be NULL or a live value; `bool_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_value_node_get_bool(
    value: *const noob_value,
    node: usize,
    bool_out: *mut bool,
) -> noob_result {
    guard("noob_value_node_get_bool", || {
        // SAFETY: forwarded contract.
        let node = unsafe { self::node(value, node) }?;
        let out = out_ptr(bool_out, "bool_out")?;
        let b = node.as_bool().ok_or_else(|| wrong_type(node, "a bool"))?;
        // SAFETY: checked non-NULL; promised writable.
        unsafe { out.write(b) };
        Ok(())
    })
}

/// Reads an int (a float is not converted).
///
/// Errors: `NOOB_ERR_NULL_POINTER`, `NOOB_ERR_INVALID_ARGUMENT` (no such node),
/// `NOOB_ERR_WRONG_TYPE`.
///
/// # Safety
/// `value` must be NULL or a live value; `int_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_value_node_get_int(
    value: *const noob_value,
    node: usize,
    int_out: *mut i64,
) -> noob_result {
    guard("noob_value_node_get_int", || {
        // SAFETY: forwarded contract.
        let node = unsafe { self::node(value, node) }?;
        let out = out_ptr(int_out, "int_out")?;
        let n = node.as_int().ok_or_else(|| wrong_type(node, "an int"))?;
        // SAFETY: checked non-NULL; promised writable.
        unsafe { out.write(n) };
        Ok(())
    })
}

/// Reads a float (an int is not converted).
///
/// Errors: `NOOB_ERR_NULL_POINTER`, `NOOB_ERR_INVALID_ARGUMENT` (no such node),
/// `NOOB_ERR_WRONG_TYPE`.
///
/// # Safety
/// `value` must be NULL or a live value; `float_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_value_node_get_float(
    value: *const noob_value,
    node: usize,
    float_out: *mut f64,
) -> noob_result {
    guard("noob_value_node_get_float", || {
        // SAFETY: forwarded contract.
        let node = unsafe { self::node(value, node) }?;
        let out = out_ptr(float_out, "float_out")?;
        let x = node.as_float().ok_or_else(|| wrong_type(node, "a float"))?;
        // SAFETY: checked non-NULL; promised writable.
        unsafe { out.write(x) };
        Ok(())
    })
}

/// Borrows a string: `*text_out` points to `*len_out` bytes of UTF-8, not
/// NUL-terminated, valid until the value is freed.
///
/// Errors: `NOOB_ERR_NULL_POINTER`, `NOOB_ERR_INVALID_ARGUMENT` (no such node),
/// `NOOB_ERR_WRONG_TYPE`.
///
/// # Safety
/// `value` must be NULL or a live value; the outputs NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_value_node_get_str(
    value: *const noob_value,
    node: usize,
    text_out: *mut *const std::ffi::c_char,
    len_out: *mut usize,
) -> noob_result {
    guard("noob_value_node_get_str", || {
        // SAFETY: forwarded contract.
        let node = unsafe { self::node(value, node) }?;
        let text_slot = out_ptr(text_out, "text_out")?;
        let len_slot = out_ptr(len_out, "len_out")?;
        let text = node.as_str().ok_or_else(|| wrong_type(node, "a str"))?;
        // SAFETY: checked non-NULL; promised writable.
        unsafe {
            text_slot.write(text.as_ptr().cast());
            len_slot.write(text.len());
        }
        Ok(())
    })
}

/// Borrows a byte string: `*data_out` points to `*len_out` bytes valid until the value
/// is freed. The bytes are where the blob holds them: no alignment is promised.
///
/// Errors: `NOOB_ERR_NULL_POINTER`, `NOOB_ERR_INVALID_ARGUMENT` (no such node),
/// `NOOB_ERR_WRONG_TYPE`.
///
/// # Safety
/// `value` must be NULL or a live value; the outputs NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_value_node_get_bytes(
    value: *const noob_value,
    node: usize,
    data_out: *mut *const u8,
    len_out: *mut usize,
) -> noob_result {
    guard("noob_value_node_get_bytes", || {
        // SAFETY: forwarded contract.
        let node = unsafe { self::node(value, node) }?;
        let data_slot = out_ptr(data_out, "data_out")?;
        let len_slot = out_ptr(len_out, "len_out")?;
        let data = node.as_bytes().ok_or_else(|| wrong_type(node, "bytes"))?;
        // SAFETY: checked non-NULL; promised writable.
        unsafe {
            data_slot.write(data.as_ptr());
            len_slot.write(data.len());
        }
        Ok(())
    })
}

fn out_of_range(node: NodeRef<'_>, index: usize) -> Failure {
    Failure::new(
        noob_result::NOOB_ERR_INVALID_ARGUMENT,
        format!(
            "index {index} is out of range for node {} of length {}",
            node.index(),
            node.len().unwrap_or(0)
        ),
    )
}

/// Writes the node number of item `index` of a list.
///
/// Errors: `NOOB_ERR_NULL_POINTER`, `NOOB_ERR_INVALID_ARGUMENT` (no such node, or
/// `index` is not below the length), `NOOB_ERR_WRONG_TYPE` (not a list).
///
/// # Safety
/// `value` must be NULL or a live value; `item_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_value_node_list_get(
    value: *const noob_value,
    node: usize,
    index: usize,
    item_out: *mut usize,
) -> noob_result {
    guard("noob_value_node_list_get", || {
        // SAFETY: forwarded contract.
        let node = unsafe { self::node(value, node) }?;
        let out = out_ptr(item_out, "item_out")?;
        if node.kind() != Kind::List {
            return Err(wrong_type(node, "a list"));
        }
        let item = node.item(index).ok_or_else(|| out_of_range(node, index))?;
        // SAFETY: checked non-NULL; promised writable.
        unsafe { out.write(item.index()) };
        Ok(())
    })
}

/// Borrows entry `index` of a dict (entries keep their encoded order): its key (UTF-8,
/// not NUL-terminated, valid until the value is freed) and its value's node number.
///
/// Errors: `NOOB_ERR_NULL_POINTER`, `NOOB_ERR_INVALID_ARGUMENT` (no such node, or
/// `index` is not below the length), `NOOB_ERR_WRONG_TYPE` (not a dict).
///
/// # Safety
/// `value` must be NULL or a live value; the outputs NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_value_node_dict_entry(
    value: *const noob_value,
    node: usize,
    index: usize,
    key_out: *mut *const std::ffi::c_char,
    key_len_out: *mut usize,
    item_out: *mut usize,
) -> noob_result {
    guard("noob_value_node_dict_entry", || {
        // SAFETY: forwarded contract.
        let node = unsafe { self::node(value, node) }?;
        let key_slot = out_ptr(key_out, "key_out")?;
        let len_slot = out_ptr(key_len_out, "key_len_out")?;
        let item_slot = out_ptr(item_out, "item_out")?;
        if node.kind() != Kind::Dict {
            return Err(wrong_type(node, "a dict"));
        }
        let (key, item) = node.entry(index).ok_or_else(|| out_of_range(node, index))?;
        // SAFETY: checked non-NULL; promised writable.
        unsafe {
            key_slot.write(key.as_ptr().cast());
            len_slot.write(key.len());
            item_slot.write(item.index());
        }
        Ok(())
    })
}

/// Writes the node number of the value stored under `key` (`key_len` bytes of UTF-8;
/// NULL only when `key_len` is 0) in a dict. The search is linear in the number of
/// entries.
///
/// Errors: `NOOB_ERR_NULL_POINTER`, `NOOB_ERR_INVALID_UTF8`,
/// `NOOB_ERR_INVALID_ARGUMENT` (no such node), `NOOB_ERR_WRONG_TYPE` (not a dict),
/// `NOOB_ERR_NOT_FOUND` (no such key).
///
/// # Safety
/// `value` must be NULL or a live value; `key` must point to `key_len` readable
/// bytes; `item_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_value_node_dict_find(
    value: *const noob_value,
    node: usize,
    key: *const std::ffi::c_char,
    key_len: usize,
    item_out: *mut usize,
) -> noob_result {
    guard("noob_value_node_dict_find", || {
        // SAFETY: forwarded contract.
        let node = unsafe { self::node(value, node) }?;
        let out = out_ptr(item_out, "item_out")?;
        // SAFETY: forwarded contract.
        let key = unsafe { text(key, key_len, "key") }?;
        if node.kind() != Kind::Dict {
            return Err(wrong_type(node, "a dict"));
        }
        let item = node.get(key).ok_or_else(|| {
            Failure::new(
                noob_result::NOOB_ERR_NOT_FOUND,
                format!("the dict has no key {key:?}"),
            )
        })?;
        // SAFETY: checked non-NULL; promised writable.
        unsafe { out.write(item.index()) };
        Ok(())
    })
}

/// Callbacks for `noob_value_visit`, one per event of a depth-first walk
/// (zero-initialise the struct and set the ones you need). Each gets
/// the caller's `userdata` first and returns 0 to go on, anything else to stop the
/// walk (`noob_value_visit` then returns `NOOB_ERR_CALLBACK`). A NULL callback skips
/// its events. Strings and bytes are borrowed views valid until the value is freed
/// (strings are UTF-8, not NUL-terminated). Containers: `on_begin_list(count)`, the
/// items, `on_end_list`; `on_begin_dict(count)`, then for each entry `on_key` and the
/// value, then `on_end_dict`.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct noob_value_visitor {
    pub on_null: Option<unsafe extern "C" fn(userdata: *mut c_void) -> i32>,
    pub on_bool: Option<unsafe extern "C" fn(userdata: *mut c_void, value: bool) -> i32>,
    pub on_int: Option<unsafe extern "C" fn(userdata: *mut c_void, value: i64) -> i32>,
    pub on_float: Option<unsafe extern "C" fn(userdata: *mut c_void, value: f64) -> i32>,
    pub on_str:
        Option<unsafe extern "C" fn(userdata: *mut c_void, text: *const c_char, len: usize) -> i32>,
    pub on_bytes:
        Option<unsafe extern "C" fn(userdata: *mut c_void, data: *const u8, len: usize) -> i32>,
    pub on_begin_list: Option<unsafe extern "C" fn(userdata: *mut c_void, count: usize) -> i32>,
    pub on_end_list: Option<unsafe extern "C" fn(userdata: *mut c_void) -> i32>,
    pub on_begin_dict: Option<unsafe extern "C" fn(userdata: *mut c_void, count: usize) -> i32>,
    pub on_key:
        Option<unsafe extern "C" fn(userdata: *mut c_void, key: *const c_char, len: usize) -> i32>,
    pub on_end_dict: Option<unsafe extern "C" fn(userdata: *mut c_void) -> i32>,
}

/// Runs one callback (if set); a non-zero answer becomes the walk's failure.
macro_rules! call {
    ($visitor:expr, $name:ident, $userdata:expr $(, $arg:expr)*) => {
        if let Some(callback) = $visitor.$name {
            // SAFETY: the caller of `noob_value_visit` supplied the callback and its
            // userdata, and promised the callback may be called with these arguments.
            let answer = unsafe { callback($userdata $(, $arg)*) };
            if answer != 0 {
                return Err(Failure::new(
                    noob_result::NOOB_ERR_CALLBACK,
                    format!("callback `{}` returned {answer}", stringify!($name)),
                ));
            }
        }
    };
}

fn visit(node: NodeRef<'_>, visitor: &noob_value_visitor, userdata: *mut c_void) -> Outcome {
    match node.kind() {
        Kind::Null => call!(visitor, on_null, userdata),
        Kind::Bool => call!(
            visitor,
            on_bool,
            userdata,
            node.as_bool().unwrap_or_default()
        ),
        Kind::Int => call!(visitor, on_int, userdata, node.as_int().unwrap_or_default()),
        Kind::Float => call!(
            visitor,
            on_float,
            userdata,
            node.as_float().unwrap_or_default()
        ),
        Kind::Str => {
            let text = node.as_str().unwrap_or_default();
            call!(visitor, on_str, userdata, text.as_ptr().cast(), text.len())
        }
        Kind::Bytes => {
            let data = node.as_bytes().unwrap_or_default();
            call!(visitor, on_bytes, userdata, data.as_ptr(), data.len())
        }
        Kind::List => {
            let count = node.len().unwrap_or_default();
            call!(visitor, on_begin_list, userdata, count);
            for index in 0..count {
                if let Some(item) = node.item(index) {
                    visit(item, visitor, userdata)?;
                }
            }
            call!(visitor, on_end_list, userdata)
        }
        Kind::Dict => {
            let count = node.len().unwrap_or_default();
            call!(visitor, on_begin_dict, userdata, count);
            for index in 0..count {
                if let Some((key, item)) = node.entry(index) {
                    call!(visitor, on_key, userdata, key.as_ptr().cast(), key.len());
                    visit(item, visitor, userdata)?;
                }
            }
            call!(visitor, on_end_dict, userdata)
        }
    }
    Ok(())
}

/// Walks node `node` of `value` depth first in one call, reporting each part to the
/// `visitor`'s callbacks (on this thread, one at a time, in blob order) with
/// `userdata`. This is the fast way to convert a whole value: one library call per
/// value instead of one per node. Callbacks may call the library's reading functions
/// on `value` but must not free it.
///
/// Errors: `NOOB_ERR_NULL_POINTER` (`value` or `visitor`), `NOOB_ERR_INVALID_ARGUMENT`
/// (no such node), `NOOB_ERR_CALLBACK` (a callback returned non-zero: the walk stopped
/// there; the message names the callback and its answer).
///
/// # Safety
/// `value` must be NULL or a live value; `visitor` NULL or a valid visitor whose
/// callbacks are safe to call with `userdata`.
#[no_mangle]
pub unsafe extern "C" fn noob_value_visit(
    value: *const noob_value,
    node: usize,
    visitor: *const noob_value_visitor,
    userdata: *mut c_void,
) -> noob_result {
    guard("noob_value_visit", || {
        // SAFETY: forwarded contract.
        let node = unsafe { self::node(value, node) }?;
        // SAFETY: the caller promised a valid visitor or NULL.
        let visitor = unsafe { handle(visitor, "visitor") }?;
        visit(node, visitor, userdata)
    })
}

/// Validates the blob of `len` bytes at `data` (NULL only when `len` is 0) and walks
/// its value in place, as `noob_value_visit` does, without copying the blob and
/// without keeping anything: the fast way to convert a blob once. No callback runs
/// unless the whole blob is valid; the views passed to callbacks point into `data`
/// and are valid as long as the caller keeps `data`.
///
/// Errors: `NOOB_ERR_NULL_POINTER` (`data` with a non-zero `len`, or `visitor`),
/// `NOOB_ERR_DECODE` (as `noob_value_decode`; no callback was called),
/// `NOOB_ERR_CALLBACK` (a callback returned non-zero).
///
/// # Safety
/// `data` must point to `len` readable bytes that do not change during the call;
/// `visitor` NULL or a valid visitor whose callbacks are safe to call with `userdata`.
#[no_mangle]
pub unsafe extern "C" fn noob_value_visit_blob(
    data: *const u8,
    len: usize,
    visitor: *const noob_value_visitor,
    userdata: *mut c_void,
) -> noob_result {
    guard("noob_value_visit_blob", || {
        // SAFETY: the caller promised a valid visitor or NULL.
        let visitor = unsafe { handle(visitor, "visitor") }?;
        // SAFETY: forwarded contract.
        let blob = unsafe { bytes(data, len, "data") }?;
        let document = BorrowedDocument::parse(blob)?;
        visit(document.root(), visitor, userdata)
    })
}

// ---------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------

/// Writes the exact size in bytes of the blob that `noob_value_node_encode_into`
/// writes for node `node` (any node, not only the root): the bound to size a buffer
/// with.
///
/// Errors: `NOOB_ERR_NULL_POINTER`, `NOOB_ERR_INVALID_ARGUMENT` (no such node).
///
/// # Safety
/// `value` must be NULL or a live value; `size_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_value_node_encoded_size(
    value: *const noob_value,
    node: usize,
    size_out: *mut usize,
) -> noob_result {
    guard("noob_value_node_encoded_size", || {
        // SAFETY: forwarded contract.
        let node = unsafe { self::node(value, node) }?;
        let out = out_ptr(size_out, "size_out")?;
        // SAFETY: checked non-NULL; promised writable.
        unsafe { out.write(node.encoded_len()) };
        Ok(())
    })
}

/// Encodes node `node` as a blob of its own into the caller's `buffer` of `capacity`
/// bytes (NULL only when `capacity` is 0). On success `*size_out` is the blob's length.
/// If the blob does not fit, nothing is written to `buffer`, the result is
/// `NOOB_ERR_BUFFER_TOO_SMALL` and `*size_out` is the size needed (so a call with
/// `capacity` 0 asks for the size).
///
/// Errors: `NOOB_ERR_NULL_POINTER` (`value` or `size_out`, or `buffer` with a non-zero
/// capacity), `NOOB_ERR_INVALID_ARGUMENT` (no such node), `NOOB_ERR_BUFFER_TOO_SMALL`.
///
/// # Safety
/// `value` must be NULL or a live value; `buffer` must point to `capacity` writable
/// bytes; `size_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_value_node_encode_into(
    value: *const noob_value,
    node: usize,
    buffer: *mut u8,
    capacity: usize,
    size_out: *mut usize,
) -> noob_result {
    guard("noob_value_node_encode_into", || {
        // SAFETY: forwarded contract.
        let node = unsafe { self::node(value, node) }?;
        if size_out.is_null() {
            return Err(Failure::new(
                noob_result::NOOB_ERR_NULL_POINTER,
                "`size_out` is NULL",
            ));
        }
        // SAFETY: forwarded contract (NULL refused unless the capacity is 0).
        let view = unsafe { bytes(buffer, capacity, "buffer") }?;
        let target: &mut [u8] = if view.is_empty() {
            &mut []
        } else {
            // SAFETY: the caller promised `capacity` writable bytes at `buffer`.
            unsafe { std::slice::from_raw_parts_mut(buffer, capacity) }
        };
        match node.encode_into(target) {
            Some(written) => {
                // SAFETY: checked non-NULL; promised writable.
                unsafe { size_out.write(written) };
                Ok(())
            }
            None => {
                let needed = node.encoded_len();
                // SAFETY: as above; this output is documented for this error.
                unsafe { size_out.write(needed) };
                Err(Failure::new(
                    noob_result::NOOB_ERR_BUFFER_TOO_SMALL,
                    format!("the blob needs {needed} bytes, the buffer has {capacity}"),
                ))
            }
        }
    })
}

/// Encodes node `node` as a new library-owned blob. On success `*bytes_out` owns it:
/// free it exactly once with `noob_bytes_free`.
///
/// Errors: `NOOB_ERR_NULL_POINTER`, `NOOB_ERR_INVALID_ARGUMENT` (no such node).
///
/// # Safety
/// `value` must be NULL or a live value; `bytes_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_value_node_encode(
    value: *const noob_value,
    node: usize,
    bytes_out: *mut *mut noob_bytes,
) -> noob_result {
    guard("noob_value_node_encode", || {
        // SAFETY: forwarded contract.
        let node = unsafe { self::node(value, node) }?;
        let out = out_ptr(bytes_out, "bytes_out")?;
        let data = node.encode();
        // SAFETY: checked non-NULL; promised writable.
        unsafe { out.write(Box::into_raw(Box::new(noob_bytes { data }))) };
        Ok(())
    })
}

/// Encodes `count` nodes in parallel (on the library's worker threads) into one
/// library-owned list of blobs, in order: blob `i` holds node `nodes[i]` of
/// `values[i]`, or the root of `values[i]` when `nodes` is NULL. `values` may be NULL
/// only when `count` is 0. On success `*list_out` owns the list: free it exactly once
/// with `noob_bytes_list_free`. The values must stay alive until the call returns.
///
/// Errors (nothing is output): `NOOB_ERR_NULL_POINTER` (`values`, any of its entries,
/// or `list_out`; the message gives the index), `NOOB_ERR_INVALID_ARGUMENT` (no such
/// node; the message gives the index).
///
/// # Safety
/// `values` must point to `count` readable pointers, each NULL or a live value;
/// `nodes` NULL or `count` readable node numbers; `list_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_value_encode_batch(
    values: *const *const noob_value,
    nodes: *const usize,
    count: usize,
    list_out: *mut *mut noob_bytes_list,
) -> noob_result {
    guard("noob_value_encode_batch", || {
        let out = out_ptr(list_out, "list_out")?;
        if count == 0 {
            // SAFETY: checked non-NULL; promised writable.
            unsafe {
                out.write(Box::into_raw(Box::new(noob_bytes_list {
                    blobs: Vec::new(),
                })))
            };
            return Ok(());
        }
        if values.is_null() {
            return Err(Failure::new(
                noob_result::NOOB_ERR_NULL_POINTER,
                "`values` is NULL",
            ));
        }
        // SAFETY: the caller promised `count` readable pointers (and node numbers).
        let values = unsafe { array(values, count, "values") }?;
        let nodes = if nodes.is_null() {
            None
        } else {
            // SAFETY: as above.
            Some(unsafe { array(nodes, count, "nodes") }?)
        };
        let mut refs = Vec::with_capacity(count);
        for (i, &value) in values.iter().enumerate() {
            let index = nodes.map_or(NOOB_VALUE_ROOT, |nodes| nodes[i]);
            // SAFETY: each entry is NULL or a live value, as the caller promised.
            let node = unsafe { self::node(value, index) }.map_err(|mut failure| {
                failure.message = format!("values[{i}]: {}", failure.message);
                failure
            })?;
            refs.push(node);
        }
        let blobs: Vec<Vec<u8>> = refs.par_iter().map(|node| node.encode()).collect();
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
    // SAFETY: the caller passes ownership of a blob made by this module.
    unsafe { free_handle("noob_bytes_free", bytes) };
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
        let blob = list.blobs.get(index).ok_or_else(|| {
            Failure::new(
                noob_result::NOOB_ERR_INVALID_ARGUMENT,
                format!(
                    "index {index} is out of range for a list of {} blobs",
                    list.blobs.len()
                ),
            )
        })?;
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
    // SAFETY: the caller passes ownership of a list made by this module.
    unsafe { free_handle("noob_bytes_list_free", list) };
}
