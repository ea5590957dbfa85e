//! Event store exports with NULL, empty and invalid names, unknown ids,
//! mismatched batch lengths, a closed store, and outputs left alone on failure.

use super::common::assert_fails;
use noob_core::ffi::event_store::*;
use noob_core::ffi::result::noob_result::*;
use std::ffi::c_char;
use std::ptr::{null, null_mut};

pub const CHECKS: super::Checks = &[
    ("noob_event_store_new", new),
    ("noob_event_store_close", close),
    ("noob_event_store_free", free),
    ("noob_event_store_intern", intern),
    ("noob_event_store_lookup", lookup),
    ("noob_event_store_name", name),
    ("noob_event_store_add", add),
    ("noob_event_store_add_named", add_named),
    ("noob_event_store_add_batch", add_batch),
    ("noob_event_store_get", get),
    ("noob_event_store_get_named", get_named),
    ("noob_event_store_get_latest", get_latest),
    ("noob_event_store_get_latest_named", get_latest_named),
    ("noob_event_store_get_batch", get_batch),
    ("noob_event_store_get_epoch", get_epoch),
    ("noob_event_store_epochs", epochs),
    ("noob_event_store_clear_epoch", clear_epoch),
    ("noob_event_store_len", len),
    ("noob_event_store_get_stats", get_stats),
    ("noob_event_list_views", list_views),
    ("noob_event_list_get", list_get),
    ("noob_event_list_columns", list_columns),
    ("noob_event_list_free", list_free),
    ("noob_event_list_new", list_new),
    ("noob_event_store_get_into", get_into),
    ("noob_event_store_get_latest_into", get_latest_into),
    ("noob_event_store_get_batch_into", get_batch_into),
];

const BAD_UTF8: &[u8] = b"no\xffde";
const LIST_SENTINEL: *mut noob_event_list = 0x8 as *mut noob_event_list;

fn c(text: &[u8]) -> *const c_char {
    text.as_ptr().cast()
}

fn make_store() -> *mut noob_event_store {
    let mut store = null_mut();
    // SAFETY: valid out pointer.
    assert_eq!(unsafe { noob_event_store_new(0, 0, &mut store) }, NOOB_OK);
    store
}

fn intern_name(store: *const noob_event_store, name: &str) -> u32 {
    let mut id = u32::MAX;
    // SAFETY: live store, valid name and out pointer.
    let code = unsafe { noob_event_store_intern(store, c(name.as_bytes()), name.len(), &mut id) };
    assert_eq!(code, NOOB_OK);
    id
}

/// A store holding one event ("n", "s", epoch 1, value "v") and its ids.
fn store_with_event() -> (*mut noob_event_store, u32, u32) {
    let store = make_store();
    let (n, s) = (intern_name(store, "n"), intern_name(store, "s"));
    // SAFETY: live store, valid value.
    let code = unsafe { noob_event_store_add(store, n, s, 1, b"v".as_ptr(), 1, 0.5, null_mut()) };
    assert_eq!(code, NOOB_OK);
    (store, n, s)
}

fn stats(store: *const noob_event_store) -> noob_event_store_stats {
    let mut stats = noob_event_store_stats {
        events: 0,
        bytes: 0,
        epochs: 0,
        names: 0,
        added: 0,
        cleared_events: 0,
        cleared_epochs: 0,
        evicted_events: 0,
        evicted_epochs: 0,
        highest_evicted_epoch: 0,
        max_events: 0,
        max_bytes: 0,
        id_prefix: 0,
    };
    // SAFETY: live store, valid out pointer.
    assert_eq!(
        unsafe { noob_event_store_get_stats(store, &mut stats) },
        NOOB_OK
    );
    stats
}

/// (events, bytes, names, added): what a refused call must not change.
fn state(store: *const noob_event_store) -> (usize, usize, usize, u64) {
    let s = stats(store);
    (s.events, s.bytes, s.names, s.added)
}

fn list_len(list: *const noob_event_list) -> usize {
    let (mut views, mut len) = (null(), usize::MAX);
    // SAFETY: live list, valid out pointers.
    assert_eq!(
        unsafe { noob_event_list_views(list, &mut views, &mut len) },
        NOOB_OK
    );
    len
}

fn closed_store() -> *mut noob_event_store {
    let (store, _, _) = store_with_event();
    // SAFETY: live store.
    assert_eq!(unsafe { noob_event_store_close(store) }, NOOB_OK);
    store
}

fn new() {
    let sentinel = 0x8 as *mut noob_event_store;
    let mut store = sentinel;
    // SAFETY: NULL out pointer is refused before use.
    unsafe {
        assert_fails(
            noob_event_store_new(10, 0, null_mut()),
            NOOB_ERR_NULL_POINTER,
            "noob_event_store_new",
        );
    }
    assert_eq!(store, sentinel);
    // Every bound, including "none" (0) and the largest, is valid.
    for (events, bytes) in [(0, 0), (1, 0), (0, 1), (usize::MAX, usize::MAX)] {
        // SAFETY: valid out pointer; freed below.
        unsafe {
            assert_eq!(noob_event_store_new(events, bytes, &mut store), NOOB_OK);
            assert_eq!(stats(store).max_events, events);
            noob_event_store_free(store);
        }
    }
}

fn close() {
    // SAFETY: NULL is refused; the store is live until freed.
    unsafe {
        assert_fails(
            noob_event_store_close(null()),
            NOOB_ERR_NULL_POINTER,
            "noob_event_store_close",
        );
        let store = closed_store();
        assert_eq!(
            noob_event_store_close(store),
            NOOB_OK,
            "closing twice is fine"
        );
        assert_eq!(stats(store).events, 0);
        noob_event_store_free(store);
    }
}

fn free() {
    // SAFETY: NULL is a no-op; a list outlives its freed store.
    unsafe {
        noob_event_store_free(null_mut());
        let (store, n, s) = store_with_event();
        let mut list = null_mut();
        assert_eq!(noob_event_store_get(store, n, s, 1, &mut list), NOOB_OK);
        noob_event_store_free(store);
        let mut view = std::mem::zeroed::<noob_event_view>();
        assert_eq!(noob_event_list_get(list, 0, &mut view), NOOB_OK);
        assert_eq!(std::slice::from_raw_parts(view.value, view.value_len), b"v");
        let name = std::slice::from_raw_parts(view.node_name.cast::<u8>(), view.node_name_len);
        assert_eq!(name, b"n", "names stay valid after the store is freed");
        noob_event_list_free(list);
    }
}

fn intern() {
    // SAFETY: every pointer is valid or NULL as stated.
    unsafe {
        let mut id = 77u32;
        assert_fails(
            noob_event_store_intern(null(), c(b"a"), 1, &mut id),
            NOOB_ERR_NULL_POINTER,
            "noob_event_store_intern",
        );
        let store = make_store();
        let expect = |code, name: *const c_char, len, id_out: *mut u32| {
            assert_fails(
                noob_event_store_intern(store, name, len, id_out),
                code,
                "noob_event_store_intern",
            )
        };
        expect(NOOB_ERR_NULL_POINTER, c(b"a"), 1, null_mut());
        expect(NOOB_ERR_NULL_POINTER, null(), 3, &mut id);
        expect(NOOB_ERR_INVALID_ARGUMENT, null(), 0, &mut id);
        expect(NOOB_ERR_INVALID_ARGUMENT, c(b"x"), 0, &mut id);
        expect(NOOB_ERR_INVALID_UTF8, c(BAD_UTF8), BAD_UTF8.len(), &mut id);
        assert_eq!(id, 77, "outputs are written only on success");
        assert_eq!(stats(store).names, 0, "refused names are not interned");
        // Names with NUL bytes and non-ASCII text are ordinary names.
        let odd = "a\0b\u{e9}";
        assert_eq!(intern_name(store, odd), 0);
        assert_eq!(intern_name(store, odd), 0);
        noob_event_store_close(store);
        expect(NOOB_ERR_STORE_CLOSED, c(b"z"), 1, &mut id);
        noob_event_store_free(store);
    }
}

fn lookup() {
    // SAFETY: as above.
    unsafe {
        let mut id = 77u32;
        assert_fails(
            noob_event_store_lookup(null(), c(b"a"), 1, &mut id),
            NOOB_ERR_NULL_POINTER,
            "noob_event_store_lookup",
        );
        let (store, n, _) = store_with_event();
        let expect = |code, name: *const c_char, len, id_out: *mut u32| {
            assert_fails(
                noob_event_store_lookup(store, name, len, id_out),
                code,
                "noob_event_store_lookup",
            )
        };
        expect(NOOB_ERR_UNKNOWN_NAME, c(b"zz"), 2, &mut id);
        expect(NOOB_ERR_UNKNOWN_NAME, null(), 0, &mut id);
        expect(NOOB_ERR_INVALID_UTF8, c(BAD_UTF8), BAD_UTF8.len(), &mut id);
        expect(NOOB_ERR_NULL_POINTER, c(b"n"), 1, null_mut());
        assert_eq!(id, 77);
        assert_eq!(stats(store).names, 2, "a lookup never interns");
        assert_eq!(noob_event_store_lookup(store, c(b"n"), 1, &mut id), NOOB_OK);
        assert_eq!(id, n);
        noob_event_store_close(store);
        expect(NOOB_ERR_STORE_CLOSED, c(b"n"), 1, &mut id);
        noob_event_store_free(store);
    }
}

fn name() {
    // SAFETY: as above.
    unsafe {
        let (mut text, mut len) = (c(b"sentinel"), 99usize);
        assert_fails(
            noob_event_store_name(null(), 0, &mut text, &mut len),
            NOOB_ERR_NULL_POINTER,
            "noob_event_store_name",
        );
        let (store, n, _) = store_with_event();
        assert_fails(
            noob_event_store_name(store, 999, &mut text, &mut len),
            NOOB_ERR_UNKNOWN_NAME,
            "noob_event_store_name",
        );
        assert_fails(
            noob_event_store_name(store, u32::MAX, &mut text, &mut len),
            NOOB_ERR_UNKNOWN_NAME,
            "noob_event_store_name",
        );
        assert_fails(
            noob_event_store_name(store, n, null_mut(), &mut len),
            NOOB_ERR_NULL_POINTER,
            "noob_event_store_name",
        );
        assert_fails(
            noob_event_store_name(store, n, &mut text, null_mut()),
            NOOB_ERR_NULL_POINTER,
            "noob_event_store_name",
        );
        assert_eq!(len, 99);
        noob_event_store_close(store);
        assert_eq!(
            noob_event_store_name(store, n, &mut text, &mut len),
            NOOB_OK,
            "names stay readable on a closed store"
        );
        assert_eq!(std::slice::from_raw_parts(text.cast::<u8>(), len), b"n");
        noob_event_store_free(store);
    }
}

fn add() {
    // SAFETY: as above.
    unsafe {
        let mut id = 5u64;
        assert_fails(
            noob_event_store_add(null(), 0, 0, 1, b"v".as_ptr(), 1, 0.0, &mut id),
            NOOB_ERR_NULL_POINTER,
            "noob_event_store_add",
        );
        let (store, n, s) = store_with_event();
        let before = state(store);
        let id_ptr: *mut u64 = &mut id;
        let expect = |code, node, signal, value: *const u8, len| {
            assert_fails(
                noob_event_store_add(store, node, signal, 1, value, len, 0.0, id_ptr),
                code,
                "noob_event_store_add",
            )
        };
        expect(NOOB_ERR_UNKNOWN_NAME, 999, s, b"v".as_ptr(), 1);
        expect(NOOB_ERR_UNKNOWN_NAME, n, u32::MAX, b"v".as_ptr(), 1);
        expect(NOOB_ERR_NULL_POINTER, n, s, null(), 4);
        // A value past the largest is refused before it is copied (the zeroed
        // allocation is only reserved, never touched).
        let huge = vec![0u8; NOOB_EVENT_STORE_MAX_VALUE_LEN + 1];
        expect(NOOB_ERR_LIMIT_EXCEEDED, n, s, huge.as_ptr(), huge.len());
        drop(huge);
        let one = [0u8; 1];
        // A length no object can have is refused before a slice is formed.
        expect(NOOB_ERR_INVALID_ARGUMENT, n, s, one.as_ptr(), usize::MAX);
        assert_eq!(id, 5, "outputs are written only on success");
        assert_eq!(state(store), before, "refused adds change nothing");
        // Zero-length values (NULL or not), odd timestamps, any epoch: all valid.
        for (value, epoch, ts) in [
            (null(), 0, f64::NAN),
            (one.as_ptr(), u64::MAX, f64::INFINITY),
        ] {
            assert_eq!(
                noob_event_store_add(store, n, s, epoch, value, 0, ts, &mut id),
                NOOB_OK
            );
        }
        assert_eq!(
            noob_event_store_add(store, n, s, 2, one.as_ptr(), 1, 0.0, null_mut()),
            NOOB_OK,
            "id_out may be NULL"
        );
        assert_eq!(stats(store).events, 4);
        noob_event_store_close(store);
        expect(NOOB_ERR_STORE_CLOSED, n, s, b"v".as_ptr(), 1);
        noob_event_store_free(store);
    }
}

fn add_named() {
    // SAFETY: as above.
    unsafe {
        let mut id = 5u64;
        let v = b"v".as_ptr();
        assert_fails(
            noob_event_store_add_named(null(), c(b"n"), 1, c(b"s"), 1, 0, v, 1, 0.0, &mut id),
            NOOB_ERR_NULL_POINTER,
            "noob_event_store_add_named",
        );
        let (store, _, _) = store_with_event();
        let before = state(store);
        let id_ptr: *mut u64 = &mut id;
        let expect = |code, node: *const c_char, node_len, signal: *const c_char, signal_len| {
            assert_fails(
                noob_event_store_add_named(
                    store, node, node_len, signal, signal_len, 3, v, 1, 0.0, id_ptr,
                ),
                code,
                "noob_event_store_add_named",
            )
        };
        expect(NOOB_ERR_INVALID_ARGUMENT, c(b"n"), 0, c(b"s"), 1);
        expect(NOOB_ERR_INVALID_ARGUMENT, c(b"n"), 1, null(), 0);
        expect(NOOB_ERR_NULL_POINTER, null(), 2, c(b"s"), 1);
        expect(
            NOOB_ERR_INVALID_UTF8,
            c(BAD_UTF8),
            BAD_UTF8.len(),
            c(b"s"),
            1,
        );
        expect(
            NOOB_ERR_INVALID_UTF8,
            c(b"n"),
            1,
            c(BAD_UTF8),
            BAD_UTF8.len(),
        );
        assert_eq!(id, 5);
        assert_eq!(state(store), before, "refused adds intern and add nothing");
        assert_eq!(
            noob_event_store_add_named(store, c(b"new"), 3, c(b"s"), 1, 3, v, 1, 0.0, &mut id),
            NOOB_OK
        );
        assert_eq!(stats(store).names, 3);
        noob_event_store_close(store);
        expect(NOOB_ERR_STORE_CLOSED, c(b"n"), 1, c(b"s"), 1);
        noob_event_store_free(store);
    }
}

fn add_batch() {
    // SAFETY: every array is valid for the count given, or NULL as stated.
    unsafe {
        let mut ids = [7u64; 3];
        assert_fails(
            noob_event_store_add_batch(
                null(),
                0,
                null(),
                null(),
                null(),
                null(),
                null(),
                0,
                null(),
                null_mut(),
            ),
            NOOB_ERR_NULL_POINTER,
            "noob_event_store_add_batch",
        );
        let (store, n, s) = store_with_event();
        let before = state(store);
        let nodes = [n, n, n];
        let signals = [s, s, s];
        let epochs = [1u64, 2, 2];
        let times = [0.0f64; 3];
        let values = b"aabbbc";
        let lens = [2usize, 3, 1];
        let call = |nodes: *const u32,
                    signals: *const u32,
                    values_len,
                    lens: *const usize,
                    ids: *mut u64| {
            noob_event_store_add_batch(
                store,
                3,
                nodes,
                signals,
                epochs.as_ptr(),
                times.as_ptr(),
                values.as_ptr(),
                values_len,
                lens,
                ids,
            )
        };
        let name = "noob_event_store_add_batch";
        let bad_signals = [s, 999, s];
        assert_fails(
            call(
                nodes.as_ptr(),
                bad_signals.as_ptr(),
                6,
                lens.as_ptr(),
                ids.as_mut_ptr(),
            ),
            NOOB_ERR_UNKNOWN_NAME,
            name,
        );
        assert_fails(
            call(null(), signals.as_ptr(), 6, lens.as_ptr(), ids.as_mut_ptr()),
            NOOB_ERR_NULL_POINTER,
            name,
        );
        assert_fails(
            call(
                nodes.as_ptr(),
                signals.as_ptr(),
                6,
                null(),
                ids.as_mut_ptr(),
            ),
            NOOB_ERR_NULL_POINTER,
            name,
        );
        assert_fails(
            call(
                nodes.as_ptr(),
                signals.as_ptr(),
                5,
                lens.as_ptr(),
                ids.as_mut_ptr(),
            ),
            NOOB_ERR_INVALID_ARGUMENT,
            name,
        );
        let long_lens = [2usize, 3, 5];
        assert_fails(
            call(
                nodes.as_ptr(),
                signals.as_ptr(),
                6,
                long_lens.as_ptr(),
                ids.as_mut_ptr(),
            ),
            NOOB_ERR_INVALID_ARGUMENT,
            name,
        );
        let overflow = [usize::MAX, 2, 0];
        assert_fails(
            call(
                nodes.as_ptr(),
                signals.as_ptr(),
                6,
                overflow.as_ptr(),
                ids.as_mut_ptr(),
            ),
            NOOB_ERR_INVALID_ARGUMENT,
            name,
        );
        let misaligned = (nodes.as_ptr() as *const u8).add(1).cast::<u32>();
        assert_fails(
            call(
                misaligned,
                signals.as_ptr(),
                6,
                lens.as_ptr(),
                ids.as_mut_ptr(),
            ),
            NOOB_ERR_INVALID_ARGUMENT,
            name,
        );
        assert_eq!(ids, [7; 3], "ids_out is untouched on failure");
        assert_eq!(state(store), before, "a refused batch adds nothing");

        assert_eq!(
            call(
                nodes.as_ptr(),
                signals.as_ptr(),
                6,
                lens.as_ptr(),
                ids.as_mut_ptr()
            ),
            NOOB_OK
        );
        assert!(ids[0] < ids[1] && ids[1] < ids[2]);
        assert_eq!(
            call(
                nodes.as_ptr(),
                signals.as_ptr(),
                6,
                lens.as_ptr(),
                null_mut()
            ),
            NOOB_OK,
            "ids_out may be NULL"
        );
        let empty = noob_event_store_add_batch(
            store,
            0,
            null(),
            null(),
            null(),
            null(),
            null(),
            0,
            null(),
            null_mut(),
        );
        assert_eq!(empty, NOOB_OK, "an empty batch is fine");
        assert_eq!(stats(store).events, 7);
        noob_event_store_close(store);
        assert_fails(
            call(
                nodes.as_ptr(),
                signals.as_ptr(),
                6,
                lens.as_ptr(),
                ids.as_mut_ptr(),
            ),
            NOOB_ERR_STORE_CLOSED,
            name,
        );
        noob_event_store_free(store);
    }
}

fn get() {
    // SAFETY: as above.
    unsafe {
        let mut list = LIST_SENTINEL;
        assert_fails(
            noob_event_store_get(null(), 0, 0, 1, &mut list),
            NOOB_ERR_NULL_POINTER,
            "noob_event_store_get",
        );
        let (store, n, s) = store_with_event();
        assert_fails(
            noob_event_store_get(store, n, s, 1, null_mut()),
            NOOB_ERR_NULL_POINTER,
            "noob_event_store_get",
        );
        assert_eq!(list, LIST_SENTINEL);
        // Unknown ids and missing epochs are empty lists, not errors.
        for (node, signal, epoch) in [(999, s, 1), (n, u32::MAX, 1), (n, s, 0), (n, s, u64::MAX)] {
            assert_eq!(
                noob_event_store_get(store, node, signal, epoch, &mut list),
                NOOB_OK
            );
            assert_eq!(list_len(list), 0);
            noob_event_list_free(list);
        }
        noob_event_store_close(store);
        list = LIST_SENTINEL;
        assert_fails(
            noob_event_store_get(store, n, s, 1, &mut list),
            NOOB_ERR_STORE_CLOSED,
            "noob_event_store_get",
        );
        assert_eq!(list, LIST_SENTINEL);
        noob_event_store_free(store);
    }
}

fn get_named() {
    // SAFETY: as above.
    unsafe {
        let mut list = LIST_SENTINEL;
        let name = "noob_event_store_get_named";
        assert_fails(
            noob_event_store_get_named(null(), c(b"n"), 1, c(b"s"), 1, 1, &mut list),
            NOOB_ERR_NULL_POINTER,
            name,
        );
        let (store, _, _) = store_with_event();
        assert_fails(
            noob_event_store_get_named(store, c(b"n"), 1, c(b"s"), 1, 1, null_mut()),
            NOOB_ERR_NULL_POINTER,
            name,
        );
        assert_fails(
            noob_event_store_get_named(store, null(), 1, c(b"s"), 1, 1, &mut list),
            NOOB_ERR_NULL_POINTER,
            name,
        );
        assert_fails(
            noob_event_store_get_named(
                store,
                c(BAD_UTF8),
                BAD_UTF8.len(),
                c(b"s"),
                1,
                1,
                &mut list,
            ),
            NOOB_ERR_INVALID_UTF8,
            name,
        );
        assert_eq!(list, LIST_SENTINEL);
        // Unknown and empty names find nothing and intern nothing.
        for (node, len) in [(c(b"zz"), 2), (null(), 0)] {
            assert_eq!(
                noob_event_store_get_named(store, node, len, c(b"s"), 1, 1, &mut list),
                NOOB_OK
            );
            assert_eq!(list_len(list), 0);
            noob_event_list_free(list);
        }
        assert_eq!(stats(store).names, 2);
        assert_eq!(
            noob_event_store_get_named(store, c(b"n"), 1, c(b"s"), 1, 1, &mut list),
            NOOB_OK
        );
        assert_eq!(list_len(list), 1);
        noob_event_list_free(list);
        noob_event_store_close(store);
        assert_fails(
            noob_event_store_get_named(store, c(b"n"), 1, c(b"s"), 1, 1, &mut list),
            NOOB_ERR_STORE_CLOSED,
            name,
        );
        noob_event_store_free(store);
    }
}

fn get_latest() {
    // SAFETY: as above.
    unsafe {
        let mut list = LIST_SENTINEL;
        let name = "noob_event_store_get_latest";
        assert_fails(
            noob_event_store_get_latest(null(), 0, 0, &mut list),
            NOOB_ERR_NULL_POINTER,
            name,
        );
        let (store, n, s) = store_with_event();
        assert_fails(
            noob_event_store_get_latest(store, n, s, null_mut()),
            NOOB_ERR_NULL_POINTER,
            name,
        );
        assert_eq!(list, LIST_SENTINEL);
        assert_eq!(
            noob_event_store_get_latest(store, 999, 0, &mut list),
            NOOB_OK
        );
        assert_eq!(list_len(list), 0, "unknown ids: an empty list");
        noob_event_list_free(list);
        // A cleared epoch is not found.
        assert_eq!(noob_event_store_clear_epoch(store, 1, null_mut()), NOOB_OK);
        assert_eq!(noob_event_store_get_latest(store, n, s, &mut list), NOOB_OK);
        assert_eq!(list_len(list), 0);
        noob_event_list_free(list);
        noob_event_store_close(store);
        assert_fails(
            noob_event_store_get_latest(store, n, s, &mut list),
            NOOB_ERR_STORE_CLOSED,
            name,
        );
        noob_event_store_free(store);
    }
}

fn get_latest_named() {
    // SAFETY: as above.
    unsafe {
        let mut list = LIST_SENTINEL;
        let name = "noob_event_store_get_latest_named";
        assert_fails(
            noob_event_store_get_latest_named(null(), c(b"n"), 1, c(b"s"), 1, &mut list),
            NOOB_ERR_NULL_POINTER,
            name,
        );
        let (store, _, _) = store_with_event();
        assert_fails(
            noob_event_store_get_latest_named(store, c(b"n"), 1, c(b"s"), 1, null_mut()),
            NOOB_ERR_NULL_POINTER,
            name,
        );
        assert_fails(
            noob_event_store_get_latest_named(
                store,
                c(b"n"),
                1,
                c(BAD_UTF8),
                BAD_UTF8.len(),
                &mut list,
            ),
            NOOB_ERR_INVALID_UTF8,
            name,
        );
        assert_fails(
            noob_event_store_get_latest_named(store, c(b"n"), 1, null(), 1, &mut list),
            NOOB_ERR_NULL_POINTER,
            name,
        );
        assert_eq!(list, LIST_SENTINEL);
        assert_eq!(
            noob_event_store_get_latest_named(store, c(b"n"), 1, c(b"zz"), 2, &mut list),
            NOOB_OK
        );
        assert_eq!(list_len(list), 0);
        noob_event_list_free(list);
        assert_eq!(
            noob_event_store_get_latest_named(store, c(b"n"), 1, c(b"s"), 1, &mut list),
            NOOB_OK
        );
        assert_eq!(list_len(list), 1);
        noob_event_list_free(list);
        noob_event_store_close(store);
        assert_fails(
            noob_event_store_get_latest_named(store, c(b"n"), 1, c(b"s"), 1, &mut list),
            NOOB_ERR_STORE_CLOSED,
            name,
        );
        noob_event_store_free(store);
    }
}

fn get_batch() {
    // SAFETY: as above.
    unsafe {
        let name = "noob_event_store_get_batch";
        let mut list = LIST_SENTINEL;
        let mut counts = [9usize; 3];
        assert_fails(
            noob_event_store_get_batch(null(), 0, null(), null(), null(), null_mut(), &mut list),
            NOOB_ERR_NULL_POINTER,
            name,
        );
        let (store, n, s) = store_with_event();
        let nodes = [n, 999, n];
        let signals = [s, s, s];
        let epochs = [1u64, 1, 5];
        let call = |nodes: *const u32, counts: *mut usize, list: *mut *mut noob_event_list| {
            noob_event_store_get_batch(
                store,
                3,
                nodes,
                signals.as_ptr(),
                epochs.as_ptr(),
                counts,
                list,
            )
        };
        assert_fails(
            call(null(), counts.as_mut_ptr(), &mut list),
            NOOB_ERR_NULL_POINTER,
            name,
        );
        assert_fails(
            call(nodes.as_ptr(), null_mut(), &mut list),
            NOOB_ERR_NULL_POINTER,
            name,
        );
        assert_fails(
            call(nodes.as_ptr(), counts.as_mut_ptr(), null_mut()),
            NOOB_ERR_NULL_POINTER,
            name,
        );
        let misaligned = (counts.as_mut_ptr() as *mut u8).add(1).cast::<usize>();
        assert_fails(
            call(nodes.as_ptr(), misaligned, &mut list),
            NOOB_ERR_INVALID_ARGUMENT,
            name,
        );
        assert_eq!(
            (counts, list),
            ([9; 3], LIST_SENTINEL),
            "outputs untouched on failure"
        );
        assert_eq!(
            call(nodes.as_ptr(), counts.as_mut_ptr(), &mut list),
            NOOB_OK
        );
        assert_eq!(counts, [1, 0, 0], "unknown ids and epochs count 0");
        assert_eq!(list_len(list), 1);
        noob_event_list_free(list);
        assert_eq!(
            noob_event_store_get_batch(store, 0, null(), null(), null(), null_mut(), &mut list),
            NOOB_OK,
            "an empty batch gives an empty list"
        );
        assert_eq!(list_len(list), 0);
        noob_event_list_free(list);
        noob_event_store_close(store);
        list = LIST_SENTINEL;
        assert_fails(
            call(nodes.as_ptr(), counts.as_mut_ptr(), &mut list),
            NOOB_ERR_STORE_CLOSED,
            name,
        );
        assert_eq!(list, LIST_SENTINEL);
        noob_event_store_free(store);
    }
}

fn get_epoch() {
    // SAFETY: as above.
    unsafe {
        let name = "noob_event_store_get_epoch";
        let mut list = LIST_SENTINEL;
        assert_fails(
            noob_event_store_get_epoch(null(), 1, &mut list),
            NOOB_ERR_NULL_POINTER,
            name,
        );
        let (store, _, _) = store_with_event();
        assert_fails(
            noob_event_store_get_epoch(store, 1, null_mut()),
            NOOB_ERR_NULL_POINTER,
            name,
        );
        assert_eq!(noob_event_store_get_epoch(store, 42, &mut list), NOOB_OK);
        assert_eq!(list_len(list), 0, "a missing epoch is an empty list");
        noob_event_list_free(list);
        noob_event_store_close(store);
        assert_fails(
            noob_event_store_get_epoch(store, 1, &mut list),
            NOOB_ERR_STORE_CLOSED,
            name,
        );
        noob_event_store_free(store);
    }
}

fn epochs() {
    // SAFETY: as above.
    unsafe {
        let name = "noob_event_store_epochs";
        let mut count = 99usize;
        let mut room = [7u64; 2];
        assert_fails(
            noob_event_store_epochs(null(), room.as_mut_ptr(), 2, &mut count),
            NOOB_ERR_NULL_POINTER,
            name,
        );
        let (store, n, s) = store_with_event();
        assert_eq!(
            noob_event_store_add(store, n, s, 3, null(), 0, 0.0, null_mut()),
            NOOB_OK
        );
        assert_fails(
            noob_event_store_epochs(store, room.as_mut_ptr(), 2, null_mut()),
            NOOB_ERR_NULL_POINTER,
            name,
        );
        assert_fails(
            noob_event_store_epochs(store, null_mut(), 2, &mut count),
            NOOB_ERR_NULL_POINTER,
            name,
        );
        assert_fails(
            noob_event_store_epochs(store, room.as_mut_ptr(), 1, &mut count),
            NOOB_ERR_BUFFER_TOO_SMALL,
            name,
        );
        assert_eq!(
            (count, room),
            (2, [7, 7]),
            "the size needed, and nothing else, is written"
        );
        count = 99;
        assert_fails(
            noob_event_store_epochs(store, null_mut(), 0, &mut count),
            NOOB_ERR_BUFFER_TOO_SMALL,
            name,
        );
        assert_eq!(count, 2);
        assert_eq!(
            noob_event_store_epochs(store, room.as_mut_ptr(), 2, &mut count),
            NOOB_OK
        );
        assert_eq!(room, [1, 3]);
        noob_event_store_close(store);
        assert_fails(
            noob_event_store_epochs(store, room.as_mut_ptr(), 2, &mut count),
            NOOB_ERR_STORE_CLOSED,
            name,
        );
        noob_event_store_free(store);
    }
}

fn clear_epoch() {
    // SAFETY: as above.
    unsafe {
        let name = "noob_event_store_clear_epoch";
        let mut removed = 99usize;
        assert_fails(
            noob_event_store_clear_epoch(null(), 1, &mut removed),
            NOOB_ERR_NULL_POINTER,
            name,
        );
        let (store, n, s) = store_with_event();
        let mut list = null_mut();
        assert_eq!(noob_event_store_get(store, n, s, 1, &mut list), NOOB_OK);
        assert_eq!(
            noob_event_store_clear_epoch(store, 12345, &mut removed),
            NOOB_OK
        );
        assert_eq!(removed, 0, "a missing epoch removes nothing");
        assert_eq!(
            noob_event_store_clear_epoch(store, 1, null_mut()),
            NOOB_OK,
            "removed_out may be NULL"
        );
        assert_eq!(
            noob_event_store_clear_epoch(store, 1, &mut removed),
            NOOB_OK
        );
        assert_eq!(removed, 0, "clearing twice removes nothing the second time");
        let mut view = std::mem::zeroed::<noob_event_view>();
        assert_eq!(noob_event_list_get(list, 0, &mut view), NOOB_OK);
        assert_eq!(
            std::slice::from_raw_parts(view.value, view.value_len),
            b"v",
            "a list outlives a clear"
        );
        noob_event_list_free(list);
        noob_event_store_close(store);
        assert_fails(
            noob_event_store_clear_epoch(store, 1, &mut removed),
            NOOB_ERR_STORE_CLOSED,
            name,
        );
        noob_event_store_free(store);
    }
}

fn len() {
    // SAFETY: as above.
    unsafe {
        let name = "noob_event_store_len";
        let mut len = 99usize;
        assert_fails(
            noob_event_store_len(null(), &mut len),
            NOOB_ERR_NULL_POINTER,
            name,
        );
        let (store, _, _) = store_with_event();
        assert_fails(
            noob_event_store_len(store, null_mut()),
            NOOB_ERR_NULL_POINTER,
            name,
        );
        assert_eq!(len, 99);
        assert_eq!(noob_event_store_len(store, &mut len), NOOB_OK);
        assert_eq!(len, 1);
        noob_event_store_close(store);
        assert_fails(
            noob_event_store_len(store, &mut len),
            NOOB_ERR_STORE_CLOSED,
            name,
        );
        noob_event_store_free(store);
    }
}

fn get_stats() {
    // SAFETY: as above.
    unsafe {
        let name = "noob_event_store_get_stats";
        assert_fails(
            noob_event_store_get_stats(null(), null_mut()),
            NOOB_ERR_NULL_POINTER,
            name,
        );
        let store = closed_store();
        assert_fails(
            noob_event_store_get_stats(store, null_mut()),
            NOOB_ERR_NULL_POINTER,
            name,
        );
        let after = stats(store);
        assert_eq!(
            (after.events, after.added),
            (0, 1),
            "a closed store still reports"
        );
        noob_event_store_free(store);
    }
}

fn list_views() {
    // SAFETY: as above.
    unsafe {
        let name = "noob_event_list_views";
        let (mut views, mut len) = (0x8 as *const noob_event_view, 99usize);
        assert_fails(
            noob_event_list_views(null(), &mut views, &mut len),
            NOOB_ERR_NULL_POINTER,
            name,
        );
        let (store, n, s) = store_with_event();
        let mut list = null_mut();
        assert_eq!(noob_event_store_get(store, n, s, 1, &mut list), NOOB_OK);
        assert_fails(
            noob_event_list_views(list, null_mut(), &mut len),
            NOOB_ERR_NULL_POINTER,
            name,
        );
        assert_fails(
            noob_event_list_views(list, &mut views, null_mut()),
            NOOB_ERR_NULL_POINTER,
            name,
        );
        assert_eq!(len, 99);
        noob_event_list_free(list);
        assert_eq!(noob_event_store_get(store, n, s, 9, &mut list), NOOB_OK);
        assert_eq!(noob_event_list_views(list, &mut views, &mut len), NOOB_OK);
        assert_eq!((views, len), (null(), 0), "an empty list has no views");
        noob_event_list_free(list);
        noob_event_store_free(store);
    }
}

fn list_get() {
    // SAFETY: as above.
    unsafe {
        let name = "noob_event_list_get";
        let mut view = std::mem::zeroed::<noob_event_view>();
        view.id = 42;
        assert_fails(
            noob_event_list_get(null(), 0, &mut view),
            NOOB_ERR_NULL_POINTER,
            name,
        );
        let (store, n, s) = store_with_event();
        let mut list = null_mut();
        assert_eq!(noob_event_store_get(store, n, s, 1, &mut list), NOOB_OK);
        assert_fails(
            noob_event_list_get(list, 0, null_mut()),
            NOOB_ERR_NULL_POINTER,
            name,
        );
        assert_fails(
            noob_event_list_get(list, 1, &mut view),
            NOOB_ERR_INVALID_ARGUMENT,
            name,
        );
        assert_fails(
            noob_event_list_get(list, usize::MAX, &mut view),
            NOOB_ERR_INVALID_ARGUMENT,
            name,
        );
        assert_eq!(view.id, 42);
        noob_event_list_free(list);
        noob_event_store_free(store);
    }
}

fn list_columns() {
    // SAFETY: as above.
    unsafe {
        let name = "noob_event_list_columns";
        let mut columns = std::mem::zeroed::<noob_event_columns>();
        columns.len = 42;
        assert_fails(
            noob_event_list_columns(null(), &mut columns),
            NOOB_ERR_NULL_POINTER,
            name,
        );
        let (store, n, s) = store_with_event();
        let mut list = null_mut();
        assert_eq!(noob_event_store_get(store, n, s, 7, &mut list), NOOB_OK);
        assert_fails(
            noob_event_list_columns(list, null_mut()),
            NOOB_ERR_NULL_POINTER,
            name,
        );
        assert_eq!(columns.len, 42);
        assert_eq!(noob_event_list_columns(list, &mut columns), NOOB_OK);
        assert_eq!(columns.len, 0);
        assert!(columns.values.is_null(), "no values: NULL");
        assert_eq!(*columns.value_offsets, 0);
        noob_event_list_free(list);
        noob_event_store_free(store);
    }
}

fn list_free() {
    // SAFETY: NULL is a no-op.
    unsafe { noob_event_list_free(null_mut()) };
}

fn new_list() -> *mut noob_event_list {
    let mut list = null_mut();
    // SAFETY: valid out pointer.
    assert_eq!(unsafe { noob_event_list_new(&mut list) }, NOOB_OK);
    list
}

/// The ids a list holds.
fn list_ids(list: *const noob_event_list) -> Vec<u64> {
    let (mut views, mut len) = (null(), 0);
    // SAFETY: live list, valid out pointers; views valid while it lives.
    unsafe {
        assert_eq!(noob_event_list_views(list, &mut views, &mut len), NOOB_OK);
        (0..len).map(|i| (*views.add(i)).id).collect()
    }
}

fn list_new() {
    // SAFETY: NULL is refused; the list made is freed.
    unsafe {
        assert_fails(
            noob_event_list_new(null_mut()),
            NOOB_ERR_NULL_POINTER,
            "noob_event_list_new",
        );
        let list = new_list();
        assert_eq!(list_len(list), 0);
        let mut columns = std::mem::zeroed::<noob_event_columns>();
        assert_eq!(noob_event_list_columns(list, &mut columns), NOOB_OK);
        assert_eq!(columns.len, 0);
        noob_event_list_free(list);
    }
}

fn get_into() {
    // SAFETY: as above.
    unsafe {
        let name = "noob_event_store_get_into";
        let list = new_list();
        assert_fails(
            noob_event_store_get_into(null(), 0, 0, 1, list),
            NOOB_ERR_NULL_POINTER,
            name,
        );
        let (store, n, s) = store_with_event();
        assert_fails(
            noob_event_store_get_into(store, n, s, 1, null_mut()),
            NOOB_ERR_NULL_POINTER,
            name,
        );
        assert_eq!(noob_event_store_get_into(store, n, s, 1, list), NOOB_OK);
        let held = list_ids(list);
        assert_eq!(held.len(), 1);
        assert_eq!(noob_event_store_get_into(store, 999, s, 1, list), NOOB_OK);
        assert_eq!(list_len(list), 0, "unknown ids refill with nothing");
        assert_eq!(noob_event_store_get_into(store, n, s, 1, list), NOOB_OK);
        noob_event_store_close(store);
        assert_fails(
            noob_event_store_get_into(store, n, s, 1, list),
            NOOB_ERR_STORE_CLOSED,
            name,
        );
        assert_eq!(
            list_ids(list),
            held,
            "a refused refill leaves the list as it was"
        );
        noob_event_store_free(store);
        noob_event_list_free(list);
    }
}

fn get_latest_into() {
    // SAFETY: as above.
    unsafe {
        let name = "noob_event_store_get_latest_into";
        let list = new_list();
        assert_fails(
            noob_event_store_get_latest_into(null(), 0, 0, list),
            NOOB_ERR_NULL_POINTER,
            name,
        );
        let (store, n, s) = store_with_event();
        assert_fails(
            noob_event_store_get_latest_into(store, n, s, null_mut()),
            NOOB_ERR_NULL_POINTER,
            name,
        );
        assert_eq!(noob_event_store_get_latest_into(store, n, s, list), NOOB_OK);
        let held = list_ids(list);
        assert_eq!(held.len(), 1);
        noob_event_store_close(store);
        assert_fails(
            noob_event_store_get_latest_into(store, n, s, list),
            NOOB_ERR_STORE_CLOSED,
            name,
        );
        assert_eq!(
            list_ids(list),
            held,
            "a refused refill leaves the list as it was"
        );
        noob_event_store_free(store);
        noob_event_list_free(list);
    }
}

fn get_batch_into() {
    // SAFETY: as above.
    unsafe {
        let name = "noob_event_store_get_batch_into";
        let list = new_list();
        let mut counts = [9usize; 2];
        assert_fails(
            noob_event_store_get_batch_into(null(), 0, null(), null(), null(), null_mut(), list),
            NOOB_ERR_NULL_POINTER,
            name,
        );
        let (store, n, s) = store_with_event();
        let (nodes, signals, epochs) = ([n, n], [s, s], [1u64, 2]);
        let call = |nodes: *const u32, counts: *mut usize, list: *mut noob_event_list| {
            noob_event_store_get_batch_into(
                store,
                2,
                nodes,
                signals.as_ptr(),
                epochs.as_ptr(),
                counts,
                list,
            )
        };
        assert_fails(
            call(nodes.as_ptr(), counts.as_mut_ptr(), null_mut()),
            NOOB_ERR_NULL_POINTER,
            name,
        );
        assert_fails(
            call(null(), counts.as_mut_ptr(), list),
            NOOB_ERR_NULL_POINTER,
            name,
        );
        assert_fails(
            call(nodes.as_ptr(), null_mut(), list),
            NOOB_ERR_NULL_POINTER,
            name,
        );
        assert_eq!(counts, [9, 9]);
        assert_eq!(
            list_len(list),
            0,
            "refused refills leave the list as it was"
        );
        assert_eq!(call(nodes.as_ptr(), counts.as_mut_ptr(), list), NOOB_OK);
        assert_eq!((counts, list_len(list)), ([1, 0], 1));
        noob_event_store_close(store);
        assert_fails(
            call(nodes.as_ptr(), counts.as_mut_ptr(), list),
            NOOB_ERR_STORE_CLOSED,
            name,
        );
        assert_eq!((counts, list_len(list)), ([1, 0], 1));
        noob_event_store_free(store);
        noob_event_list_free(list);
    }
}
