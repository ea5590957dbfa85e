//! Serializer exports with NULL handles and pointers, zero lengths, invalid UTF-8,
//! calls out of order, wrong types, out-of-range indexes and hostile blobs. Refused
//! calls must leave their outputs and the builder's state untouched.

use super::common::{assert_fails, last_error};
use noob_core::ffi::result::noob_result::*;
use noob_core::ffi::serializer::*;
use std::ffi::c_char;
use std::ptr::{null, null_mut};

pub const CHECKS: super::Checks = &[
    ("noob_value_builder_new", builder_new),
    ("noob_value_builder_push_null", push_null),
    ("noob_value_builder_push_bool", push_bool),
    ("noob_value_builder_push_int", push_int),
    ("noob_value_builder_push_float", push_float),
    ("noob_value_builder_push_str", push_str),
    ("noob_value_builder_push_bytes", push_bytes),
    ("noob_value_builder_begin_list", begin_list),
    ("noob_value_builder_end_list", end_list),
    ("noob_value_builder_begin_dict", begin_dict),
    ("noob_value_builder_push_key", push_key),
    ("noob_value_builder_end_dict", end_dict),
    ("noob_value_builder_reset", reset),
    ("noob_value_builder_build", build),
    ("noob_value_builder_build_encoded", build_encoded),
    ("noob_value_builder_free", builder_free),
    ("noob_value_decode", decode),
    ("noob_value_node_count", node_count),
    ("noob_value_free", value_free),
    ("noob_value_node_type", node_type),
    ("noob_value_node_len", node_len),
    ("noob_value_node_get_bool", get_bool),
    ("noob_value_node_get_int", get_int),
    ("noob_value_node_get_float", get_float),
    ("noob_value_node_get_str", get_str),
    ("noob_value_node_get_bytes", get_bytes),
    ("noob_value_node_list_get", list_get),
    ("noob_value_node_dict_entry", dict_entry),
    ("noob_value_node_dict_find", dict_find),
    ("noob_value_node_encoded_size", encoded_size),
    ("noob_value_node_encode_into", encode_into),
    ("noob_value_node_encode", encode),
    ("noob_value_encode_batch", encode_batch),
    ("noob_value_visit", visit),
    ("noob_value_visit_blob", visit_blob),
    ("noob_bytes_get", bytes_get),
    ("noob_bytes_free", bytes_free),
    ("noob_bytes_list_len", list_len),
    ("noob_bytes_list_get", list_get_blob),
    ("noob_bytes_list_free", list_free),
];

fn new_builder() -> *mut noob_value_builder {
    let mut builder = null_mut();
    // SAFETY: valid out pointer.
    assert_eq!(unsafe { noob_value_builder_new(&mut builder) }, NOOB_OK);
    builder
}

/// Takes the builder's blob (which must be complete) as a Rust vector.
fn take_blob(builder: *mut noob_value_builder) -> Vec<u8> {
    let mut blob = null_mut();
    // SAFETY: live builder and blob; the blob is freed here.
    unsafe {
        assert_eq!(
            noob_value_builder_build_encoded(builder, &mut blob),
            NOOB_OK,
            "{}",
            last_error()
        );
        let (mut data, mut len) = (null(), 0);
        assert_eq!(noob_bytes_get(blob, &mut data, &mut len), NOOB_OK);
        let copy = std::slice::from_raw_parts(data, len).to_vec();
        noob_bytes_free(blob);
        copy
    }
}

/// Whether the builder's current contents form the given blob, without disturbing a
/// builder that is mid-value: a refused call must not have changed a thing.
fn assert_builder_unchanged_then_finish(
    builder: *mut noob_value_builder,
    finish: impl FnOnce(*mut noob_value_builder),
    expected: &[u8],
) {
    finish(builder);
    assert_eq!(take_blob(builder), expected);
}

/// `{"k": [1, "s"]}` pushed through the builder, as a blob.
fn sample_blob() -> Vec<u8> {
    let builder = new_builder();
    // SAFETY: live builder; strings point to their stated lengths.
    unsafe {
        assert_eq!(noob_value_builder_begin_dict(builder), NOOB_OK);
        assert_eq!(
            noob_value_builder_push_key(builder, c"k".as_ptr(), 1),
            NOOB_OK
        );
        assert_eq!(noob_value_builder_begin_list(builder), NOOB_OK);
        assert_eq!(noob_value_builder_push_int(builder, 1), NOOB_OK);
        assert_eq!(
            noob_value_builder_push_str(builder, c"s".as_ptr(), 1),
            NOOB_OK
        );
        assert_eq!(noob_value_builder_end_list(builder), NOOB_OK);
        assert_eq!(noob_value_builder_end_dict(builder), NOOB_OK);
    }
    let blob = take_blob(builder);
    // SAFETY: made above.
    unsafe { noob_value_builder_free(builder) };
    blob
}

/// A decoded value covering every kind:
/// `{"n": null, "b": true, "i": -5, "f": 2.5, "s": "hé", "y": b"\x00\xff", "l": [7], "d": {}}`.
fn every_kind() -> *mut noob_value {
    let builder = new_builder();
    let mut value = null_mut();
    // SAFETY: live builder; pointers with their lengths.
    unsafe {
        let key = |k: &str| {
            assert_eq!(
                noob_value_builder_push_key(builder, k.as_ptr().cast(), k.len()),
                NOOB_OK
            )
        };
        assert_eq!(noob_value_builder_begin_dict(builder), NOOB_OK);
        key("n");
        assert_eq!(noob_value_builder_push_null(builder), NOOB_OK);
        key("b");
        assert_eq!(noob_value_builder_push_bool(builder, true), NOOB_OK);
        key("i");
        assert_eq!(noob_value_builder_push_int(builder, -5), NOOB_OK);
        key("f");
        assert_eq!(noob_value_builder_push_float(builder, 2.5), NOOB_OK);
        key("s");
        let text = "hé";
        assert_eq!(
            noob_value_builder_push_str(builder, text.as_ptr().cast(), text.len()),
            NOOB_OK
        );
        key("y");
        assert_eq!(
            noob_value_builder_push_bytes(builder, [0u8, 0xff].as_ptr(), 2),
            NOOB_OK
        );
        key("l");
        assert_eq!(noob_value_builder_begin_list(builder), NOOB_OK);
        assert_eq!(noob_value_builder_push_int(builder, 7), NOOB_OK);
        assert_eq!(noob_value_builder_end_list(builder), NOOB_OK);
        key("d");
        assert_eq!(noob_value_builder_begin_dict(builder), NOOB_OK);
        assert_eq!(noob_value_builder_end_dict(builder), NOOB_OK);
        assert_eq!(noob_value_builder_end_dict(builder), NOOB_OK);
        assert_eq!(noob_value_builder_build(builder, &mut value), NOOB_OK);
        noob_value_builder_free(builder);
    }
    value
}

const ROOT: usize = NOOB_VALUE_ROOT;

/// The node under `key` of dict node `dict`.
fn find(value: *const noob_value, dict: usize, key: &str) -> usize {
    let mut node = usize::MAX;
    // SAFETY: live value; key with its length.
    let code = unsafe {
        noob_value_node_dict_find(value, dict, key.as_ptr().cast(), key.len(), &mut node)
    };
    assert_eq!(code, NOOB_OK, "{}", last_error());
    node
}

fn decoded(blob: &[u8]) -> *mut noob_value {
    let mut value = null_mut();
    // SAFETY: the blob with its length.
    assert_eq!(
        unsafe { noob_value_decode(blob.as_ptr(), blob.len(), &mut value) },
        NOOB_OK
    );
    value
}

/// An unknown node number for `value`.
fn past_end(value: *const noob_value) -> usize {
    let mut count = 0;
    // SAFETY: live value.
    assert_eq!(unsafe { noob_value_node_count(value, &mut count) }, NOOB_OK);
    count
}

const SENTINEL: usize = 0xDEAD;

fn builder_new() {
    // SAFETY: NULL output is refused.
    unsafe {
        assert_fails(
            noob_value_builder_new(null_mut()),
            NOOB_ERR_NULL_POINTER,
            "noob_value_builder_new",
        );
    }
}

/// Every scalar push: NULL builder, a value where a key is due, a second root.
fn check_scalar_push(
    function: &str,
    push: unsafe fn(*mut noob_value_builder) -> noob_core::ffi::result::noob_result,
) {
    // SAFETY: NULL is refused before use; live builders are freed at the end.
    unsafe {
        assert_fails(push(null_mut()), NOOB_ERR_NULL_POINTER, function);
        let builder = new_builder();
        assert_eq!(noob_value_builder_begin_dict(builder), NOOB_OK);
        assert_fails(push(builder), NOOB_ERR_BUILDER_STATE, function);
        assert!(last_error().contains("key"), "{}", last_error());
        assert_builder_unchanged_then_finish(
            builder,
            |b| assert_eq!(noob_value_builder_end_dict(b), NOOB_OK),
            &[0x89, b'N', b'O', b'B', 1, 8, 0, 0, 0, 0],
        );
        assert_eq!(push(builder), NOOB_OK);
        assert_fails(push(builder), NOOB_ERR_BUILDER_STATE, function);
        assert!(last_error().contains("complete"), "{}", last_error());
        let blob = take_blob(builder);
        assert_eq!(&blob[..5], &[0x89, b'N', b'O', b'B', 1]);
        noob_value_builder_free(builder);
    }
}

fn push_null() {
    check_scalar_push("noob_value_builder_push_null", |b| unsafe {
        noob_value_builder_push_null(b)
    });
}

fn push_bool() {
    check_scalar_push("noob_value_builder_push_bool", |b| unsafe {
        noob_value_builder_push_bool(b, true)
    });
}

fn push_int() {
    check_scalar_push("noob_value_builder_push_int", |b| unsafe {
        noob_value_builder_push_int(b, i64::MIN)
    });
}

fn push_float() {
    check_scalar_push("noob_value_builder_push_float", |b| unsafe {
        noob_value_builder_push_float(b, f64::NAN)
    });
}

fn push_str() {
    check_scalar_push("noob_value_builder_push_str", |b| unsafe {
        noob_value_builder_push_str(b, c"x".as_ptr(), 1)
    });
    // SAFETY: pointers with their lengths, or NULL.
    unsafe {
        let builder = new_builder();
        assert_eq!(noob_value_builder_begin_list(builder), NOOB_OK);
        assert_fails(
            noob_value_builder_push_str(builder, null(), 3),
            NOOB_ERR_NULL_POINTER,
            "noob_value_builder_push_str",
        );
        let bad = b"ok\xc3\x28";
        assert_fails(
            noob_value_builder_push_str(builder, bad.as_ptr().cast(), bad.len()),
            NOOB_ERR_INVALID_UTF8,
            "noob_value_builder_push_str",
        );
        assert!(last_error().contains("offset 2"), "{}", last_error());
        // NULL with length 0 is the empty string.
        assert_eq!(noob_value_builder_push_str(builder, null(), 0), NOOB_OK);
        assert_builder_unchanged_then_finish(
            builder,
            |b| assert_eq!(noob_value_builder_end_list(b), NOOB_OK),
            &[0x89, b'N', b'O', b'B', 1, 7, 1, 0, 0, 0, 5, 0, 0, 0, 0],
        );
        noob_value_builder_free(builder);
    }
}

fn push_bytes() {
    check_scalar_push("noob_value_builder_push_bytes", |b| unsafe {
        noob_value_builder_push_bytes(b, [1u8].as_ptr(), 1)
    });
    // SAFETY: as above.
    unsafe {
        let builder = new_builder();
        assert_fails(
            noob_value_builder_push_bytes(builder, null(), 1),
            NOOB_ERR_NULL_POINTER,
            "noob_value_builder_push_bytes",
        );
        assert_eq!(noob_value_builder_push_bytes(builder, null(), 0), NOOB_OK);
        assert_eq!(
            take_blob(builder),
            [0x89, b'N', b'O', b'B', 1, 6, 0, 0, 0, 0]
        );
        noob_value_builder_free(builder);
    }
}

fn begin_list() {
    // SAFETY: as above.
    unsafe {
        assert_fails(
            noob_value_builder_begin_list(null_mut()),
            NOOB_ERR_NULL_POINTER,
            "noob_value_builder_begin_list",
        );
        let builder = new_builder();
        for _ in 0..NOOB_VALUE_MAX_DEPTH {
            assert_eq!(noob_value_builder_begin_list(builder), NOOB_OK);
        }
        assert_fails(
            noob_value_builder_begin_list(builder),
            NOOB_ERR_LIMIT_EXCEEDED,
            "noob_value_builder_begin_list",
        );
        for _ in 0..NOOB_VALUE_MAX_DEPTH {
            assert_eq!(noob_value_builder_end_list(builder), NOOB_OK);
        }
        let blob = take_blob(builder);
        assert_eq!(
            blob.len(),
            5 + 5 * NOOB_VALUE_MAX_DEPTH,
            "the refused begin wrote nothing"
        );
        noob_value_builder_free(builder);
    }
}

fn end_list() {
    // SAFETY: as above.
    unsafe {
        assert_fails(
            noob_value_builder_end_list(null_mut()),
            NOOB_ERR_NULL_POINTER,
            "noob_value_builder_end_list",
        );
        let builder = new_builder();
        assert_fails(
            noob_value_builder_end_list(builder),
            NOOB_ERR_BUILDER_STATE,
            "noob_value_builder_end_list",
        );
        assert_eq!(noob_value_builder_begin_dict(builder), NOOB_OK);
        assert_fails(
            noob_value_builder_end_list(builder),
            NOOB_ERR_BUILDER_STATE,
            "noob_value_builder_end_list",
        );
        assert_builder_unchanged_then_finish(
            builder,
            |b| assert_eq!(noob_value_builder_end_dict(b), NOOB_OK),
            &[0x89, b'N', b'O', b'B', 1, 8, 0, 0, 0, 0],
        );
        noob_value_builder_free(builder);
    }
}

fn begin_dict() {
    // SAFETY: as above.
    unsafe {
        assert_fails(
            noob_value_builder_begin_dict(null_mut()),
            NOOB_ERR_NULL_POINTER,
            "noob_value_builder_begin_dict",
        );
        let builder = new_builder();
        assert_eq!(noob_value_builder_begin_dict(builder), NOOB_OK);
        assert_fails(
            noob_value_builder_begin_dict(builder),
            NOOB_ERR_BUILDER_STATE,
            "noob_value_builder_begin_dict",
        );
        noob_value_builder_free(builder);
    }
}

fn push_key() {
    // SAFETY: as above.
    unsafe {
        assert_fails(
            noob_value_builder_push_key(null_mut(), c"k".as_ptr(), 1),
            NOOB_ERR_NULL_POINTER,
            "noob_value_builder_push_key",
        );
        let builder = new_builder();
        assert_fails(
            noob_value_builder_push_key(builder, c"k".as_ptr(), 1),
            NOOB_ERR_BUILDER_STATE,
            "noob_value_builder_push_key",
        );
        assert_eq!(noob_value_builder_begin_dict(builder), NOOB_OK);
        assert_fails(
            noob_value_builder_push_key(builder, null(), 1),
            NOOB_ERR_NULL_POINTER,
            "noob_value_builder_push_key",
        );
        let bad = b"\xff";
        assert_fails(
            noob_value_builder_push_key(builder, bad.as_ptr().cast(), 1),
            NOOB_ERR_INVALID_UTF8,
            "noob_value_builder_push_key",
        );
        assert_eq!(
            noob_value_builder_push_key(builder, c"k".as_ptr(), 1),
            NOOB_OK
        );
        assert_fails(
            noob_value_builder_push_key(builder, c"j".as_ptr(), 1),
            NOOB_ERR_BUILDER_STATE,
            "noob_value_builder_push_key",
        );
        assert_eq!(noob_value_builder_push_null(builder), NOOB_OK);
        assert_fails(
            noob_value_builder_push_key(builder, c"k".as_ptr(), 1),
            NOOB_ERR_DUPLICATE_KEY,
            "noob_value_builder_push_key",
        );
        // The empty key (NULL, 0) is a key like any other.
        assert_eq!(noob_value_builder_push_key(builder, null(), 0), NOOB_OK);
        assert_eq!(noob_value_builder_push_null(builder), NOOB_OK);
        assert_builder_unchanged_then_finish(
            builder,
            |b| assert_eq!(noob_value_builder_end_dict(b), NOOB_OK),
            &[
                0x89, b'N', b'O', b'B', 1, 8, 2, 0, 0, 0, 1, 0, 0, 0, b'k', 0, 0, 0, 0, 0, 0,
            ],
        );
        noob_value_builder_free(builder);
    }
}

fn end_dict() {
    // SAFETY: as above.
    unsafe {
        assert_fails(
            noob_value_builder_end_dict(null_mut()),
            NOOB_ERR_NULL_POINTER,
            "noob_value_builder_end_dict",
        );
        let builder = new_builder();
        assert_fails(
            noob_value_builder_end_dict(builder),
            NOOB_ERR_BUILDER_STATE,
            "noob_value_builder_end_dict",
        );
        assert_eq!(noob_value_builder_begin_dict(builder), NOOB_OK);
        assert_eq!(
            noob_value_builder_push_key(builder, c"k".as_ptr(), 1),
            NOOB_OK
        );
        assert_fails(
            noob_value_builder_end_dict(builder),
            NOOB_ERR_BUILDER_STATE,
            "noob_value_builder_end_dict",
        );
        assert_eq!(noob_value_builder_push_bool(builder, false), NOOB_OK);
        assert_eq!(noob_value_builder_end_dict(builder), NOOB_OK);
        assert_eq!(
            take_blob(builder),
            [0x89, b'N', b'O', b'B', 1, 8, 1, 0, 0, 0, 1, 0, 0, 0, b'k', 1]
        );
        noob_value_builder_free(builder);
    }
}

fn reset() {
    // SAFETY: as above.
    unsafe {
        assert_fails(
            noob_value_builder_reset(null_mut()),
            NOOB_ERR_NULL_POINTER,
            "noob_value_builder_reset",
        );
        let builder = new_builder();
        assert_eq!(noob_value_builder_begin_list(builder), NOOB_OK);
        assert_eq!(noob_value_builder_reset(builder), NOOB_OK);
        assert_eq!(noob_value_builder_push_int(builder, 1), NOOB_OK);
        assert_eq!(
            take_blob(builder),
            [0x89, b'N', b'O', b'B', 1, 3, 1, 0, 0, 0, 0, 0, 0, 0]
        );
        noob_value_builder_free(builder);
    }
}

fn build() {
    // SAFETY: as above.
    unsafe {
        let sentinel = 0x10 as *mut noob_value;
        let mut value = sentinel;
        assert_fails(
            noob_value_builder_build(null_mut(), &mut value),
            NOOB_ERR_NULL_POINTER,
            "noob_value_builder_build",
        );
        let builder = new_builder();
        assert_fails(
            noob_value_builder_build(builder, &mut value),
            NOOB_ERR_BUILDER_STATE,
            "noob_value_builder_build",
        );
        assert_eq!(noob_value_builder_begin_list(builder), NOOB_OK);
        assert_fails(
            noob_value_builder_build(builder, &mut value),
            NOOB_ERR_BUILDER_STATE,
            "noob_value_builder_build",
        );
        assert_eq!(noob_value_builder_end_list(builder), NOOB_OK);
        assert_fails(
            noob_value_builder_build(builder, null_mut()),
            NOOB_ERR_NULL_POINTER,
            "noob_value_builder_build",
        );
        assert_eq!(value, sentinel, "outputs are written only on success");
        assert_eq!(noob_value_builder_build(builder, &mut value), NOOB_OK);
        let mut len = 99;
        assert_eq!(noob_value_node_len(value, ROOT, &mut len), NOOB_OK);
        assert_eq!(len, 0);
        // The builder is empty again.
        assert_fails(
            noob_value_builder_build(builder, &mut value),
            NOOB_ERR_BUILDER_STATE,
            "noob_value_builder_build",
        );
        noob_value_free(value);
        noob_value_builder_free(builder);
    }
}

fn build_encoded() {
    // SAFETY: as above.
    unsafe {
        let sentinel = 0x10 as *mut noob_bytes;
        let mut blob = sentinel;
        assert_fails(
            noob_value_builder_build_encoded(null_mut(), &mut blob),
            NOOB_ERR_NULL_POINTER,
            "noob_value_builder_build_encoded",
        );
        let builder = new_builder();
        assert_fails(
            noob_value_builder_build_encoded(builder, &mut blob),
            NOOB_ERR_BUILDER_STATE,
            "noob_value_builder_build_encoded",
        );
        assert_eq!(noob_value_builder_push_null(builder), NOOB_OK);
        assert_fails(
            noob_value_builder_build_encoded(builder, null_mut()),
            NOOB_ERR_NULL_POINTER,
            "noob_value_builder_build_encoded",
        );
        assert_eq!(blob, sentinel);
        assert_eq!(take_blob(builder), [0x89, b'N', b'O', b'B', 1, 0]);
        noob_value_builder_free(builder);
    }
}

fn builder_free() {
    // SAFETY: NULL is a no-op; a builder mid-value is freed whole.
    unsafe {
        noob_value_builder_free(null_mut());
        let builder = new_builder();
        assert_eq!(noob_value_builder_begin_dict(builder), NOOB_OK);
        noob_value_builder_free(builder);
    }
}

fn decode() {
    let good = sample_blob();
    // SAFETY: pointers with their lengths, or NULL.
    unsafe {
        let sentinel = 0x10 as *mut noob_value;
        let mut value = sentinel;
        assert_fails(
            noob_value_decode(good.as_ptr(), good.len(), null_mut()),
            NOOB_ERR_NULL_POINTER,
            "noob_value_decode",
        );
        assert_fails(
            noob_value_decode(null(), 5, &mut value),
            NOOB_ERR_NULL_POINTER,
            "noob_value_decode",
        );
        assert_fails(
            noob_value_decode(null(), 0, &mut value),
            NOOB_ERR_DECODE,
            "noob_value_decode",
        );
        assert!(last_error().contains("offset 0"), "{}", last_error());
        // Every truncation, and trailing garbage, with the offset in the message.
        for len in 0..good.len() {
            assert_fails(
                noob_value_decode(good.as_ptr(), len, &mut value),
                NOOB_ERR_DECODE,
                "noob_value_decode",
            );
            assert!(last_error().contains("offset"), "{}", last_error());
        }
        let mut longer = good.clone();
        longer.push(0);
        assert_fails(
            noob_value_decode(longer.as_ptr(), longer.len(), &mut value),
            NOOB_ERR_DECODE,
            "noob_value_decode",
        );
        assert!(
            last_error().contains(&format!("offset {}", good.len())),
            "{}",
            last_error()
        );
        // Lying length, unknown version, wrong magic.
        let lying = [0x89, b'N', b'O', b'B', 1, 7, 0xff, 0xff, 0xff, 0x7f];
        assert_fails(
            noob_value_decode(lying.as_ptr(), lying.len(), &mut value),
            NOOB_ERR_DECODE,
            "noob_value_decode",
        );
        assert!(last_error().contains("offset 6"), "{}", last_error());
        for bad in [&b"\x89NOB\x09\x00"[..], b"PK\x03\x04\x00\x00"] {
            assert_fails(
                noob_value_decode(bad.as_ptr(), bad.len(), &mut value),
                NOOB_ERR_DECODE,
                "noob_value_decode",
            );
        }
        assert_eq!(value, sentinel, "outputs are written only on success");
        assert_eq!(
            noob_value_decode(good.as_ptr(), good.len(), &mut value),
            NOOB_OK
        );
        noob_value_free(value);
    }
}

fn node_count() {
    // SAFETY: as above.
    unsafe {
        let mut count = SENTINEL;
        assert_fails(
            noob_value_node_count(null(), &mut count),
            NOOB_ERR_NULL_POINTER,
            "noob_value_node_count",
        );
        let value = every_kind();
        assert_fails(
            noob_value_node_count(value, null_mut()),
            NOOB_ERR_NULL_POINTER,
            "noob_value_node_count",
        );
        assert_eq!(count, SENTINEL);
        assert_eq!(noob_value_node_count(value, &mut count), NOOB_OK);
        assert_eq!(count, 10, "the dict, its 8 values and the list's item");
        noob_value_free(value);
    }
}

fn value_free() {
    // SAFETY: NULL is a no-op.
    unsafe {
        noob_value_free(null_mut());
        noob_value_free(every_kind());
    }
}

fn node_type() {
    let value = every_kind();
    // SAFETY: a live value; NULLs and unknown nodes are refused.
    unsafe {
        let mut kind = noob_value_type::NOOB_VALUE_LIST;
        let f = "noob_value_node_type";
        assert_fails(
            noob_value_node_type(null(), ROOT, &mut kind),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_value_node_type(value, ROOT, null_mut()),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        for unknown in [past_end(value), usize::MAX] {
            assert_fails(
                noob_value_node_type(value, unknown, &mut kind),
                NOOB_ERR_INVALID_ARGUMENT,
                f,
            );
        }
        assert_eq!(kind, noob_value_type::NOOB_VALUE_LIST);
        for (key, expected) in [
            ("n", noob_value_type::NOOB_VALUE_NULL),
            ("b", noob_value_type::NOOB_VALUE_BOOL),
            ("i", noob_value_type::NOOB_VALUE_INT),
            ("f", noob_value_type::NOOB_VALUE_FLOAT),
            ("s", noob_value_type::NOOB_VALUE_STR),
            ("y", noob_value_type::NOOB_VALUE_BYTES),
            ("l", noob_value_type::NOOB_VALUE_LIST),
            ("d", noob_value_type::NOOB_VALUE_DICT),
        ] {
            assert_eq!(
                noob_value_node_type(value, find(value, ROOT, key), &mut kind),
                NOOB_OK
            );
            assert_eq!(kind, expected, "{key}");
        }
        noob_value_free(value);
    }
}

fn node_len() {
    let value = every_kind();
    // SAFETY: as above.
    unsafe {
        let mut len = SENTINEL;
        let f = "noob_value_node_len";
        assert_fails(
            noob_value_node_len(null(), ROOT, &mut len),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_value_node_len(value, ROOT, null_mut()),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_value_node_len(value, past_end(value), &mut len),
            NOOB_ERR_INVALID_ARGUMENT,
            f,
        );
        for key in ["n", "b", "i", "f"] {
            assert_fails(
                noob_value_node_len(value, find(value, ROOT, key), &mut len),
                NOOB_ERR_WRONG_TYPE,
                f,
            );
        }
        assert_eq!(len, SENTINEL);
        for (key, expected) in [("s", 3), ("y", 2), ("l", 1), ("d", 0)] {
            assert_eq!(
                noob_value_node_len(value, find(value, ROOT, key), &mut len),
                NOOB_OK
            );
            assert_eq!(len, expected, "{key}");
        }
        assert_eq!(noob_value_node_len(value, ROOT, &mut len), NOOB_OK);
        assert_eq!(len, 8);
        noob_value_free(value);
    }
}

type Getter<T> =
    unsafe extern "C" fn(*const noob_value, usize, *mut T) -> noob_core::ffi::result::noob_result;

/// A scalar getter: NULL value, NULL output, unknown node, wrong kind (output
/// untouched), right kind.
fn check_getter<T: Copy + PartialEq + std::fmt::Debug>(
    function: &str,
    get: Getter<T>,
    key: &str,
    sentinel: T,
    expected: T,
) {
    let value = every_kind();
    // SAFETY: a live value; NULLs and unknown nodes are refused.
    unsafe {
        let node = find(value, ROOT, key);
        let mut out = sentinel;
        assert_fails(get(null(), node, &mut out), NOOB_ERR_NULL_POINTER, function);
        assert_fails(
            get(value, node, null_mut()),
            NOOB_ERR_NULL_POINTER,
            function,
        );
        assert_fails(
            get(value, past_end(value), &mut out),
            NOOB_ERR_INVALID_ARGUMENT,
            function,
        );
        for other in ["n", "b", "i", "f", "s", "y", "l", "d"]
            .into_iter()
            .filter(|k| *k != key)
        {
            assert_fails(
                get(value, find(value, ROOT, other), &mut out),
                NOOB_ERR_WRONG_TYPE,
                function,
            );
        }
        assert_eq!(out, sentinel, "outputs are written only on success");
        assert_eq!(get(value, node, &mut out), NOOB_OK);
        assert_eq!(out, expected);
        noob_value_free(value);
    }
}

fn get_bool() {
    check_getter(
        "noob_value_node_get_bool",
        noob_value_node_get_bool,
        "b",
        false,
        true,
    );
}

fn get_int() {
    check_getter(
        "noob_value_node_get_int",
        noob_value_node_get_int,
        "i",
        0,
        -5,
    );
}

fn get_float() {
    check_getter(
        "noob_value_node_get_float",
        noob_value_node_get_float,
        "f",
        0.0,
        2.5,
    );
}

type ViewGetter<P> = unsafe extern "C" fn(
    *const noob_value,
    usize,
    *mut *const P,
    *mut usize,
) -> noob_core::ffi::result::noob_result;

/// A borrowed-view getter (str or bytes).
fn check_view_getter<P: Copy>(
    function: &str,
    get: ViewGetter<P>,
    key: &str,
    wrong: &str,
    expected: &[u8],
) {
    let value = every_kind();
    // SAFETY: as above; the view is read while the value is alive.
    unsafe {
        let node = find(value, ROOT, key);
        let (mut data, mut len): (*const P, usize) = (null(), SENTINEL);
        assert_fails(
            get(null(), node, &mut data, &mut len),
            NOOB_ERR_NULL_POINTER,
            function,
        );
        assert_fails(
            get(value, node, null_mut(), &mut len),
            NOOB_ERR_NULL_POINTER,
            function,
        );
        assert_fails(
            get(value, node, &mut data, null_mut()),
            NOOB_ERR_NULL_POINTER,
            function,
        );
        assert_fails(
            get(value, past_end(value), &mut data, &mut len),
            NOOB_ERR_INVALID_ARGUMENT,
            function,
        );
        assert_fails(
            get(value, find(value, ROOT, wrong), &mut data, &mut len),
            NOOB_ERR_WRONG_TYPE,
            function,
        );
        assert_fails(
            get(value, ROOT, &mut data, &mut len),
            NOOB_ERR_WRONG_TYPE,
            function,
        );
        assert!(
            data.is_null() && len == SENTINEL,
            "outputs are written only on success"
        );
        assert_eq!(get(value, node, &mut data, &mut len), NOOB_OK);
        assert_eq!(std::slice::from_raw_parts(data.cast::<u8>(), len), expected);
        noob_value_free(value);
    }
}

fn get_str() {
    check_view_getter::<c_char>(
        "noob_value_node_get_str",
        noob_value_node_get_str,
        "s",
        "y",
        "hé".as_bytes(),
    );
}

fn get_bytes() {
    check_view_getter::<u8>(
        "noob_value_node_get_bytes",
        noob_value_node_get_bytes,
        "y",
        "s",
        &[0, 0xff],
    );
}

fn list_get() {
    let value = every_kind();
    let list = find(value, ROOT, "l");
    // SAFETY: as above.
    unsafe {
        let mut item = SENTINEL;
        let f = "noob_value_node_list_get";
        assert_fails(
            noob_value_node_list_get(null(), list, 0, &mut item),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_value_node_list_get(value, list, 0, null_mut()),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_value_node_list_get(value, past_end(value), 0, &mut item),
            NOOB_ERR_INVALID_ARGUMENT,
            f,
        );
        assert_fails(
            noob_value_node_list_get(value, ROOT, 0, &mut item),
            NOOB_ERR_WRONG_TYPE,
            f,
        );
        for index in [1, usize::MAX] {
            assert_fails(
                noob_value_node_list_get(value, list, index, &mut item),
                NOOB_ERR_INVALID_ARGUMENT,
                f,
            );
        }
        assert_eq!(item, SENTINEL);
        assert_eq!(noob_value_node_list_get(value, list, 0, &mut item), NOOB_OK);
        let mut n = 0;
        assert_eq!(noob_value_node_get_int(value, item, &mut n), NOOB_OK);
        assert_eq!(n, 7);
        noob_value_free(value);
    }
}

fn dict_entry() {
    let value = every_kind();
    // SAFETY: as above.
    unsafe {
        let (mut key, mut key_len, mut item) = (null(), SENTINEL, SENTINEL);
        let f = "noob_value_node_dict_entry";
        let entry = |node: usize,
                     index: usize,
                     key: *mut *const c_char,
                     key_len: *mut usize,
                     item: *mut usize| {
            noob_value_node_dict_entry(value, node, index, key, key_len, item)
        };
        assert_fails(
            noob_value_node_dict_entry(null(), ROOT, 0, &mut key, &mut key_len, &mut item),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            entry(ROOT, 0, null_mut(), &mut key_len, &mut item),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            entry(ROOT, 0, &mut key, null_mut(), &mut item),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            entry(ROOT, 0, &mut key, &mut key_len, null_mut()),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            entry(past_end(value), 0, &mut key, &mut key_len, &mut item),
            NOOB_ERR_INVALID_ARGUMENT,
            f,
        );
        assert_fails(
            entry(find(value, ROOT, "l"), 0, &mut key, &mut key_len, &mut item),
            NOOB_ERR_WRONG_TYPE,
            f,
        );
        assert_fails(
            entry(ROOT, 8, &mut key, &mut key_len, &mut item),
            NOOB_ERR_INVALID_ARGUMENT,
            f,
        );
        assert_fails(
            entry(find(value, ROOT, "d"), 0, &mut key, &mut key_len, &mut item),
            NOOB_ERR_INVALID_ARGUMENT,
            f,
        );
        assert!(key.is_null() && key_len == SENTINEL && item == SENTINEL);
        // Entries keep their order.
        let mut keys = String::new();
        for index in 0..8 {
            assert_eq!(
                entry(ROOT, index, &mut key, &mut key_len, &mut item),
                NOOB_OK
            );
            let text = std::slice::from_raw_parts(key.cast::<u8>(), key_len);
            keys.push_str(std::str::from_utf8(text).unwrap());
        }
        assert_eq!(keys, "nbifsyld");
        noob_value_free(value);
    }
}

fn dict_find() {
    let value = every_kind();
    // SAFETY: as above.
    unsafe {
        let mut item = SENTINEL;
        let f = "noob_value_node_dict_find";
        let key = c"i".as_ptr();
        assert_fails(
            noob_value_node_dict_find(null(), ROOT, key, 1, &mut item),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_value_node_dict_find(value, ROOT, null(), 1, &mut item),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_value_node_dict_find(value, ROOT, key, 1, null_mut()),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_value_node_dict_find(value, past_end(value), key, 1, &mut item),
            NOOB_ERR_INVALID_ARGUMENT,
            f,
        );
        assert_fails(
            noob_value_node_dict_find(value, ROOT, b"\xff".as_ptr().cast(), 1, &mut item),
            NOOB_ERR_INVALID_UTF8,
            f,
        );
        assert_fails(
            noob_value_node_dict_find(value, ROOT, c"zz".as_ptr(), 2, &mut item),
            NOOB_ERR_NOT_FOUND,
            f,
        );
        assert_fails(
            noob_value_node_dict_find(value, ROOT, null(), 0, &mut item),
            NOOB_ERR_NOT_FOUND,
            f,
        );
        assert_fails(
            noob_value_node_dict_find(value, find(value, ROOT, "l"), key, 1, &mut item),
            NOOB_ERR_WRONG_TYPE,
            f,
        );
        assert_eq!(item, SENTINEL);
        noob_value_free(value);
    }
}

fn encoded_size() {
    let blob = sample_blob();
    let value = decoded(&blob);
    // SAFETY: as above.
    unsafe {
        let mut size = SENTINEL;
        let f = "noob_value_node_encoded_size";
        assert_fails(
            noob_value_node_encoded_size(null(), ROOT, &mut size),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_value_node_encoded_size(value, ROOT, null_mut()),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_value_node_encoded_size(value, past_end(value), &mut size),
            NOOB_ERR_INVALID_ARGUMENT,
            f,
        );
        assert_eq!(size, SENTINEL);
        assert_eq!(
            noob_value_node_encoded_size(value, ROOT, &mut size),
            NOOB_OK
        );
        assert_eq!(size, blob.len());
        // A child node encodes on its own: [1, "s"] is 5 + 5 + 9 + 6 bytes.
        assert_eq!(
            noob_value_node_encoded_size(value, find(value, ROOT, "k"), &mut size),
            NOOB_OK
        );
        assert_eq!(size, 25);
        noob_value_free(value);
    }
}

fn encode_into() {
    let blob = sample_blob();
    let value = decoded(&blob);
    // SAFETY: as above; buffers with their capacities.
    unsafe {
        let f = "noob_value_node_encode_into";
        let mut buffer = vec![0xAAu8; blob.len() + 3];
        let (ptr, cap) = (buffer.as_mut_ptr(), buffer.len());
        let mut size = SENTINEL;
        assert_fails(
            noob_value_node_encode_into(null(), ROOT, ptr, cap, &mut size),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_value_node_encode_into(value, ROOT, ptr, cap, null_mut()),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_value_node_encode_into(value, ROOT, null_mut(), 10, &mut size),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_value_node_encode_into(value, past_end(value), ptr, cap, &mut size),
            NOOB_ERR_INVALID_ARGUMENT,
            f,
        );
        assert_eq!(size, SENTINEL);
        // Capacity 0 (NULL buffer) asks for the size.
        assert_fails(
            noob_value_node_encode_into(value, ROOT, null_mut(), 0, &mut size),
            NOOB_ERR_BUFFER_TOO_SMALL,
            f,
        );
        assert_eq!(size, blob.len());
        assert_fails(
            noob_value_node_encode_into(value, ROOT, ptr, blob.len() - 1, &mut size),
            NOOB_ERR_BUFFER_TOO_SMALL,
            f,
        );
        assert_eq!(size, blob.len());
        assert!(
            last_error().contains(&blob.len().to_string()),
            "{}",
            last_error()
        );
        assert!(
            buffer.iter().all(|&b| b == 0xAA),
            "nothing written when too small"
        );
        assert_eq!(
            noob_value_node_encode_into(value, ROOT, ptr, cap, &mut size),
            NOOB_OK
        );
        assert_eq!(size, blob.len());
        assert_eq!(&buffer[..size], &blob[..]);
        assert!(buffer[size..].iter().all(|&b| b == 0xAA));
        noob_value_free(value);
    }
}

fn encode() {
    let blob = sample_blob();
    let value = decoded(&blob);
    // SAFETY: as above.
    unsafe {
        let sentinel = 0x10 as *mut noob_bytes;
        let mut encoded = sentinel;
        let f = "noob_value_node_encode";
        assert_fails(
            noob_value_node_encode(null(), ROOT, &mut encoded),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_value_node_encode(value, ROOT, null_mut()),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_value_node_encode(value, past_end(value), &mut encoded),
            NOOB_ERR_INVALID_ARGUMENT,
            f,
        );
        assert_eq!(encoded, sentinel);
        assert_eq!(noob_value_node_encode(value, ROOT, &mut encoded), NOOB_OK);
        let (mut data, mut len) = (null(), 0);
        assert_eq!(noob_bytes_get(encoded, &mut data, &mut len), NOOB_OK);
        assert_eq!(std::slice::from_raw_parts(data, len), &blob[..]);
        noob_bytes_free(encoded);
        noob_value_free(value);
    }
}

fn encode_batch() {
    let first = every_kind();
    let blob = sample_blob();
    let second = decoded(&blob);
    // SAFETY: as above; arrays with their counts.
    unsafe {
        let f = "noob_value_encode_batch";
        let sentinel = 0x10 as *mut noob_bytes_list;
        let mut list = sentinel;
        let values = [first.cast_const(), second.cast_const(), first.cast_const()];
        let nodes = [ROOT, ROOT, find(first, ROOT, "l")];
        assert_fails(
            noob_value_encode_batch(values.as_ptr(), nodes.as_ptr(), 3, null_mut()),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_value_encode_batch(null(), nodes.as_ptr(), 3, &mut list),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        let with_null = [first.cast_const(), null()];
        assert_fails(
            noob_value_encode_batch(with_null.as_ptr(), null(), 2, &mut list),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert!(last_error().contains("values[1]"), "{}", last_error());
        let unknown = [ROOT, past_end(second), ROOT];
        assert_fails(
            noob_value_encode_batch(values.as_ptr(), unknown.as_ptr(), 3, &mut list),
            NOOB_ERR_INVALID_ARGUMENT,
            f,
        );
        assert!(last_error().contains("values[1]"), "{}", last_error());
        // Misaligned arrays are refused, not read.
        let misaligned_nodes = (nodes.as_ptr() as *const u8).add(1).cast::<usize>();
        assert_fails(
            noob_value_encode_batch(values.as_ptr(), misaligned_nodes, 3, &mut list),
            NOOB_ERR_INVALID_ARGUMENT,
            f,
        );
        let misaligned_values = (values.as_ptr() as *const u8)
            .add(1)
            .cast::<*const noob_value>();
        assert_fails(
            noob_value_encode_batch(misaligned_values, nodes.as_ptr(), 3, &mut list),
            NOOB_ERR_INVALID_ARGUMENT,
            f,
        );
        assert_eq!(list, sentinel);
        // Zero values (NULL arrays) give an empty list.
        assert_eq!(
            noob_value_encode_batch(null(), null(), 0, &mut list),
            NOOB_OK
        );
        let mut len = SENTINEL;
        assert_eq!(noob_bytes_list_len(list, &mut len), NOOB_OK);
        assert_eq!(len, 0);
        noob_bytes_list_free(list);
        assert_eq!(
            noob_value_encode_batch(values.as_ptr(), nodes.as_ptr(), 3, &mut list),
            NOOB_OK
        );
        assert_eq!(noob_bytes_list_len(list, &mut len), NOOB_OK);
        assert_eq!(len, 3);
        let (mut data, mut size) = (null(), 0);
        assert_eq!(noob_bytes_list_get(list, 1, &mut data, &mut size), NOOB_OK);
        assert_eq!(std::slice::from_raw_parts(data, size), &blob[..]);
        assert_eq!(noob_bytes_list_get(list, 2, &mut data, &mut size), NOOB_OK);
        assert_eq!(
            std::slice::from_raw_parts(data, size),
            [0x89, b'N', b'O', b'B', 1, 7, 1, 0, 0, 0, 3, 7, 0, 0, 0, 0, 0, 0, 0]
        );
        noob_bytes_list_free(list);
        // NULL nodes: the roots.
        assert_eq!(
            noob_value_encode_batch(values.as_ptr(), null(), 2, &mut list),
            NOOB_OK
        );
        assert_eq!(noob_bytes_list_get(list, 1, &mut data, &mut size), NOOB_OK);
        assert_eq!(std::slice::from_raw_parts(data, size), &blob[..]);
        noob_bytes_list_free(list);
        noob_value_free(second);
        noob_value_free(first);
    }
}

fn bytes_get() {
    // SAFETY: as above.
    unsafe {
        let (mut data, mut len) = (null(), 99usize);
        let f = "noob_bytes_get";
        assert_fails(
            noob_bytes_get(null(), &mut data, &mut len),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        let builder = new_builder();
        assert_eq!(noob_value_builder_push_null(builder), NOOB_OK);
        let mut blob = null_mut();
        assert_eq!(
            noob_value_builder_build_encoded(builder, &mut blob),
            NOOB_OK
        );
        assert_fails(
            noob_bytes_get(blob, null_mut(), &mut len),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_bytes_get(blob, &mut data, null_mut()),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert!(data.is_null() && len == 99);
        noob_bytes_free(blob);
        noob_value_builder_free(builder);
    }
}

fn bytes_free() {
    // SAFETY: NULL is a no-op.
    unsafe { noob_bytes_free(null_mut()) };
}

fn make_list() -> *mut noob_bytes_list {
    let value = every_kind();
    let mut list = null_mut();
    let values = [value.cast_const()];
    // SAFETY: one live value.
    unsafe {
        assert_eq!(
            noob_value_encode_batch(values.as_ptr(), null(), 1, &mut list),
            NOOB_OK
        );
        // The list owns its blobs: freeing the value does not affect it.
        noob_value_free(value);
    }
    list
}

fn list_len() {
    // SAFETY: as above.
    unsafe {
        let mut len = 99usize;
        assert_fails(
            noob_bytes_list_len(null(), &mut len),
            NOOB_ERR_NULL_POINTER,
            "noob_bytes_list_len",
        );
        let list = make_list();
        assert_fails(
            noob_bytes_list_len(list, null_mut()),
            NOOB_ERR_NULL_POINTER,
            "noob_bytes_list_len",
        );
        assert_eq!(len, 99);
        noob_bytes_list_free(list);
    }
}

fn list_get_blob() {
    // SAFETY: as above.
    unsafe {
        let (mut data, mut len) = (null(), 99usize);
        let f = "noob_bytes_list_get";
        assert_fails(
            noob_bytes_list_get(null(), 0, &mut data, &mut len),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        let list = make_list();
        assert_fails(
            noob_bytes_list_get(list, 0, null_mut(), &mut len),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_bytes_list_get(list, 0, &mut data, null_mut()),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_bytes_list_get(list, 1, &mut data, &mut len),
            NOOB_ERR_INVALID_ARGUMENT,
            f,
        );
        assert!(data.is_null() && len == 99);
        assert_eq!(noob_bytes_list_get(list, 0, &mut data, &mut len), NOOB_OK);
        let mut value = null_mut();
        assert_eq!(noob_value_decode(data, len, &mut value), NOOB_OK);
        noob_value_free(value);
        noob_bytes_list_free(list);
    }
}

fn list_free() {
    // SAFETY: NULL is a no-op.
    unsafe {
        noob_bytes_list_free(null_mut());
        noob_bytes_list_free(make_list());
    }
}

/// Records visitor events as text; stops (returns 7) at the event named `stop_at`.
struct Recorder {
    events: Vec<String>,
    stop_at: &'static str,
}

unsafe fn record(userdata: *mut std::ffi::c_void, event: String) -> i32 {
    // SAFETY: every test passes a live `Recorder` as userdata.
    let recorder = unsafe { &mut *userdata.cast::<Recorder>() };
    let stop = event.starts_with(recorder.stop_at);
    recorder.events.push(event);
    if stop {
        7
    } else {
        0
    }
}

unsafe fn text_of(text: *const c_char, len: usize) -> String {
    // SAFETY: the library passes `len` bytes of UTF-8.
    String::from_utf8(unsafe { std::slice::from_raw_parts(text.cast::<u8>(), len) }.to_vec())
        .unwrap()
}

unsafe extern "C" fn on_null(u: *mut std::ffi::c_void) -> i32 {
    unsafe { record(u, "null".into()) }
}
unsafe extern "C" fn on_bool(u: *mut std::ffi::c_void, v: bool) -> i32 {
    unsafe { record(u, format!("bool {v}")) }
}
unsafe extern "C" fn on_int(u: *mut std::ffi::c_void, v: i64) -> i32 {
    unsafe { record(u, format!("int {v}")) }
}
unsafe extern "C" fn on_float(u: *mut std::ffi::c_void, v: f64) -> i32 {
    unsafe { record(u, format!("float {v}")) }
}
unsafe extern "C" fn on_str(u: *mut std::ffi::c_void, t: *const c_char, n: usize) -> i32 {
    unsafe { record(u, format!("str {}", text_of(t, n))) }
}
unsafe extern "C" fn on_bytes(u: *mut std::ffi::c_void, d: *const u8, n: usize) -> i32 {
    unsafe { record(u, format!("bytes {:?}", std::slice::from_raw_parts(d, n))) }
}
unsafe extern "C" fn on_begin_list(u: *mut std::ffi::c_void, n: usize) -> i32 {
    unsafe { record(u, format!("[{n}")) }
}
unsafe extern "C" fn on_end_list(u: *mut std::ffi::c_void) -> i32 {
    unsafe { record(u, "]".into()) }
}
unsafe extern "C" fn on_begin_dict(u: *mut std::ffi::c_void, n: usize) -> i32 {
    unsafe { record(u, format!("{{{n}")) }
}
unsafe extern "C" fn on_key(u: *mut std::ffi::c_void, t: *const c_char, n: usize) -> i32 {
    unsafe { record(u, format!("key {}", text_of(t, n))) }
}
unsafe extern "C" fn on_end_dict(u: *mut std::ffi::c_void) -> i32 {
    unsafe { record(u, "}".into()) }
}

fn full_visitor() -> noob_value_visitor {
    noob_value_visitor {
        on_null: Some(on_null),
        on_bool: Some(on_bool),
        on_int: Some(on_int),
        on_float: Some(on_float),
        on_str: Some(on_str),
        on_bytes: Some(on_bytes),
        on_begin_list: Some(on_begin_list),
        on_end_list: Some(on_end_list),
        on_begin_dict: Some(on_begin_dict),
        on_key: Some(on_key),
        on_end_dict: Some(on_end_dict),
    }
}

fn visit() {
    let value = every_kind();
    let visitor = full_visitor();
    let mut recorder = Recorder {
        events: Vec::new(),
        stop_at: "never",
    };
    let userdata = (&mut recorder as *mut Recorder).cast::<std::ffi::c_void>();
    let f = "noob_value_visit";
    // SAFETY: a live value, a valid visitor and recorder; NULLs are refused.
    unsafe {
        assert_fails(
            noob_value_visit(null(), ROOT, &visitor, userdata),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_value_visit(value, ROOT, null(), userdata),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_value_visit(value, past_end(value), &visitor, userdata),
            NOOB_ERR_INVALID_ARGUMENT,
            f,
        );
        assert!(recorder.events.is_empty(), "refused walks call nothing");
        assert_eq!(noob_value_visit(value, ROOT, &visitor, userdata), NOOB_OK);
        let expected = [
            "{8",
            "key n",
            "null",
            "key b",
            "bool true",
            "key i",
            "int -5",
            "key f",
            "float 2.5",
            "key s",
            "str hé",
            "key y",
            "bytes [0, 255]",
            "key l",
            "[1",
            "int 7",
            "]",
            "key d",
            "{0",
            "}",
            "}",
        ];
        assert_eq!(recorder.events, expected);
        // A callback that asks to stop ends the walk there.
        recorder.events.clear();
        recorder.stop_at = "str";
        assert_fails(
            noob_value_visit(value, ROOT, &visitor, userdata),
            NOOB_ERR_CALLBACK,
            f,
        );
        assert!(
            last_error().contains("on_str") && last_error().contains('7'),
            "{}",
            last_error()
        );
        assert_eq!(recorder.events.last().unwrap(), "str hé");
        assert_eq!(recorder.events.len(), 11);
        // NULL callbacks skip their events; a sub-tree can be walked alone.
        recorder.events.clear();
        recorder.stop_at = "never";
        let only_ints = noob_value_visitor {
            on_int: Some(on_int),
            ..Default::default()
        };
        assert_eq!(noob_value_visit(value, ROOT, &only_ints, userdata), NOOB_OK);
        assert_eq!(recorder.events, ["int -5", "int 7"]);
        recorder.events.clear();
        assert_eq!(
            noob_value_visit(value, find(value, ROOT, "l"), &visitor, userdata),
            NOOB_OK
        );
        assert_eq!(recorder.events, ["[1", "int 7", "]"]);
        noob_value_free(value);
    }
}

fn visit_blob() {
    let blob = sample_blob();
    let visitor = full_visitor();
    let mut recorder = Recorder {
        events: Vec::new(),
        stop_at: "never",
    };
    let userdata = (&mut recorder as *mut Recorder).cast::<std::ffi::c_void>();
    let f = "noob_value_visit_blob";
    // SAFETY: the blob with its length, a valid visitor and recorder; NULLs are refused.
    unsafe {
        assert_fails(
            noob_value_visit_blob(blob.as_ptr(), blob.len(), null(), userdata),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_value_visit_blob(null(), 3, &visitor, userdata),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_value_visit_blob(null(), 0, &visitor, userdata),
            NOOB_ERR_DECODE,
            f,
        );
        // An invalid blob calls nothing, even when its start is valid.
        let mut bad = blob.clone();
        bad.push(0);
        assert_fails(
            noob_value_visit_blob(bad.as_ptr(), bad.len(), &visitor, userdata),
            NOOB_ERR_DECODE,
            f,
        );
        assert!(
            last_error().contains(&format!("offset {}", blob.len())),
            "{}",
            last_error()
        );
        assert!(
            recorder.events.is_empty(),
            "no callback before the blob is validated"
        );
        assert_eq!(
            noob_value_visit_blob(blob.as_ptr(), blob.len(), &visitor, userdata),
            NOOB_OK
        );
        assert_eq!(
            recorder.events,
            ["{1", "key k", "[2", "int 1", "str s", "]", "}"]
        );
        recorder.events.clear();
        recorder.stop_at = "int";
        assert_fails(
            noob_value_visit_blob(blob.as_ptr(), blob.len(), &visitor, userdata),
            NOOB_ERR_CALLBACK,
            f,
        );
        assert_eq!(recorder.events, ["{1", "key k", "[2", "int 1"]);
    }
}
