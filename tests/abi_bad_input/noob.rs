//! noob drop-in exports with NULL handles and pointers, zero lengths, invalid UTF-8, bad
//! epoch encodings, unknown item ids, malformed events; outputs stay untouched and the
//! scheduler unchanged after a refused call. Each check also drives the good path once so
//! the encodings are exercised.

use super::common::assert_fails;
use noob_core::ffi::noob::*;
use noob_core::ffi::result::noob_result::*;
use std::ffi::c_char;
use std::ptr::{null, null_mut};

pub const CHECKS: super::Checks = &[
    ("noob_item_intern_node", item_intern_node),
    ("noob_item_lookup_node", item_lookup_node),
    ("noob_item_lookup_signal", item_lookup_signal),
    ("noob_item_describe", item_describe),
    ("noob_epoch_scheduler_new", scheduler_new),
    ("noob_epoch_scheduler_free", scheduler_free),
    ("noob_epoch_scheduler_add_epoch", add_epoch),
    ("noob_epoch_scheduler_add_epoch_at", add_epoch_at),
    ("noob_epoch_scheduler_end_epoch", end_epoch),
    ("noob_epoch_scheduler_epoch_query", epoch_query),
    ("noob_epoch_scheduler_status", status),
    ("noob_epoch_scheduler_is_active", is_active),
    ("noob_epoch_scheduler_node_query", node_query),
    ("noob_epoch_scheduler_get_ready", get_ready),
    ("noob_epoch_scheduler_finish", finish),
    ("noob_epoch_scheduler_update", update),
    ("noob_epoch_scheduler_list", list),
    ("noob_epoch_scheduler_upstream_nodes", upstream_nodes),
    ("noob_epoch_scheduler_epoch_state", epoch_state),
];

const INVALID_UTF8: &[u8] = b"ab\xffcd";
const UNUSED: u32 = 0xdead_beef;

fn c(text: &[u8]) -> *const c_char {
    text.as_ptr().cast()
}

/// A name view from the library as text.
///
/// # Safety
/// `p` must be readable for `n` bytes of UTF-8.
unsafe fn text_of<'a>(p: *const c_char, n: usize) -> &'a str {
    // SAFETY: forwarded contract.
    std::str::from_utf8(unsafe { std::slice::from_raw_parts(p.cast::<u8>(), n) }).unwrap()
}

fn empty_words() -> noob_words {
    noob_words {
        words: null(),
        len: 7777,
    }
}

fn words(view: &noob_words) -> Vec<u32> {
    if view.len == 0 {
        return Vec::new();
    }
    // SAFETY: the library's view is valid until the next call on the scheduler.
    unsafe { std::slice::from_raw_parts(view.words, view.len) }.to_vec()
}

fn node_id(name: &str) -> u32 {
    let mut id = UNUSED;
    // SAFETY: valid text and out pointer.
    let r = unsafe { noob_item_intern_node(c(name.as_bytes()), name.len(), &mut id) };
    assert_eq!(r, NOOB_OK);
    id
}

fn signal_id(node: &str, signal: &str) -> u32 {
    let mut id = UNUSED;
    // SAFETY: valid texts and out pointer.
    let r = unsafe {
        noob_item_lookup_signal(
            c(node.as_bytes()),
            node.len(),
            c(signal.as_bytes()),
            signal.len(),
            &mut id,
        )
    };
    assert_eq!(r, NOOB_OK, "signal ({node}, {signal})");
    id
}

/// Names back to back and their byte lengths, as `noob_epoch_scheduler_new` takes them.
fn pack(names: &[&str]) -> (String, Vec<usize>) {
    (names.concat(), names.iter().map(|n| n.len()).collect())
}

/// `a.x -> b.t` (required), `b.y -.-> c.u` (optional); `a` stateful. Node names get a
/// per-check prefix so checks on parallel threads do not share graphs.
fn scheduler(prefix: &str) -> *mut noob_epoch_scheduler {
    let (a, b, c_) = (
        format!("{prefix}_a"),
        format!("{prefix}_b"),
        format!("{prefix}_c"),
    );
    let (node_text, node_lens) = pack(&[&a, &b, &c_]);
    let flags = [
        NOOB_NODE_ENABLED | NOOB_NODE_STATEFUL_SET | NOOB_NODE_STATEFUL,
        NOOB_NODE_ENABLED,
        NOOB_NODE_ENABLED | NOOB_NODE_STATEFUL_SET,
    ];
    let (edge_text, edge_lens) = pack(&[&a, "x", &b, "t", &b, "y", &c_, "u"]);
    let required = [1u8, 0];
    let mut s = null_mut();
    // SAFETY: valid texts, arrays and out pointer.
    let r = unsafe {
        noob_epoch_scheduler_new(
            c(node_text.as_bytes()),
            node_text.len(),
            node_lens.as_ptr(),
            flags.as_ptr(),
            3,
            c(edge_text.as_bytes()),
            edge_text.len(),
            edge_lens.as_ptr(),
            required.as_ptr(),
            2,
            &mut s,
        )
    };
    assert_eq!(r, NOOB_OK);
    s
}

fn free(s: *mut noob_epoch_scheduler) {
    // SAFETY: a live scheduler, freed once.
    unsafe { noob_epoch_scheduler_free(s) };
}

fn add(s: *mut noob_epoch_scheduler) -> u32 {
    let mut root = UNUSED;
    // SAFETY: live scheduler, valid out pointer.
    assert_eq!(
        unsafe { noob_epoch_scheduler_add_epoch(s, &mut root) },
        NOOB_OK
    );
    root
}

fn ready_all(s: *mut noob_epoch_scheduler) -> Vec<u32> {
    let mut view = empty_words();
    // SAFETY: live scheduler, valid out pointer.
    let r = unsafe { noob_epoch_scheduler_get_ready(s, true, 0, null(), 0, &mut view) };
    assert_eq!(r, NOOB_OK);
    words(&view)
}

fn active(s: *const noob_epoch_scheduler) -> bool {
    let mut a = false;
    // SAFETY: live scheduler, valid out pointer.
    assert_eq!(
        unsafe { noob_epoch_scheduler_is_active(s, &mut a) },
        NOOB_OK
    );
    a
}

fn is_active_at(s: *const noob_epoch_scheduler, root: u32) -> bool {
    let mut a = false;
    // SAFETY: live scheduler, valid out pointer.
    let r = unsafe {
        noob_epoch_scheduler_epoch_query(s, NOOB_QUERY_IS_ACTIVE_AT, root, null(), 0, &mut a)
    };
    assert_eq!(r, NOOB_OK);
    a
}

fn item_intern_node() {
    let mut id = UNUSED;
    // SAFETY: pointers below are valid or NULL as stated.
    unsafe {
        assert_fails(
            noob_item_intern_node(c(b"x"), 1, null_mut()),
            NOOB_ERR_NULL_POINTER,
            "noob_item_intern_node",
        );
        assert_fails(
            noob_item_intern_node(null(), 3, &mut id),
            NOOB_ERR_NULL_POINTER,
            "noob_item_intern_node",
        );
        assert_fails(
            noob_item_intern_node(c(INVALID_UTF8), INVALID_UTF8.len(), &mut id),
            NOOB_ERR_INVALID_UTF8,
            "noob_item_intern_node",
        );
        assert_eq!(id, UNUSED);
        // An empty name is a name; interning is idempotent.
        assert_eq!(noob_item_intern_node(null(), 0, &mut id), NOOB_OK);
        let again = node_id("");
        assert_eq!(id, again);
        // The reserved names are pre-seeded: "meta" 1, "tube" 2, "input" 3, "assets" 4.
        assert_eq!(
            [
                node_id("meta"),
                node_id("tube"),
                node_id("input"),
                node_id("assets")
            ],
            [1, 2, 3, 4]
        );
    }
}

fn item_lookup_node() {
    let mut id = UNUSED;
    // SAFETY: pointers below are valid or NULL as stated.
    unsafe {
        let never = b"never-seen-node-name-for-lookup";
        assert_fails(
            noob_item_lookup_node(c(never), never.len(), &mut id),
            NOOB_ERR_ITEM_NOT_ADDED,
            "noob_item_lookup_node",
        );
        assert_fails(
            noob_item_lookup_node(c(b"input"), 5, null_mut()),
            NOOB_ERR_NULL_POINTER,
            "noob_item_lookup_node",
        );
        assert_fails(
            noob_item_lookup_node(null(), 5, &mut id),
            NOOB_ERR_NULL_POINTER,
            "noob_item_lookup_node",
        );
        assert_fails(
            noob_item_lookup_node(c(INVALID_UTF8), INVALID_UTF8.len(), &mut id),
            NOOB_ERR_INVALID_UTF8,
            "noob_item_lookup_node",
        );
        assert_eq!(id, UNUSED);
        // Looking up does not intern.
        assert_fails(
            noob_item_lookup_node(c(never), never.len(), &mut id),
            NOOB_ERR_ITEM_NOT_ADDED,
            "noob_item_lookup_node",
        );
        assert_eq!(noob_item_lookup_node(c(b"input"), 5, &mut id), NOOB_OK);
        assert_eq!(id, 3);
    }
}

fn item_lookup_signal() {
    let s = scheduler("lookup_signal");
    let mut id = UNUSED;
    // SAFETY: pointers below are valid or NULL as stated.
    unsafe {
        assert_fails(
            noob_item_lookup_signal(c(b"lookup_signal_a"), 15, c(b"nope"), 4, &mut id),
            NOOB_ERR_ITEM_NOT_ADDED,
            "noob_item_lookup_signal",
        );
        assert_fails(
            noob_item_lookup_signal(c(b"lookup_signal_a"), 15, null(), 1, &mut id),
            NOOB_ERR_NULL_POINTER,
            "noob_item_lookup_signal",
        );
        assert_fails(
            noob_item_lookup_signal(c(INVALID_UTF8), INVALID_UTF8.len(), c(b"x"), 1, &mut id),
            NOOB_ERR_INVALID_UTF8,
            "noob_item_lookup_signal",
        );
        assert_fails(
            noob_item_lookup_signal(c(b"lookup_signal_a"), 15, c(b"x"), 1, null_mut()),
            NOOB_ERR_NULL_POINTER,
            "noob_item_lookup_signal",
        );
        assert_eq!(id, UNUSED);
        // ("meta", "previous_epoch") is id 0.
        assert_eq!(
            noob_item_lookup_signal(c(b"meta"), 4, c(b"previous_epoch"), 14, &mut id),
            NOOB_OK
        );
        assert_eq!(id, 0);
    }
    assert_ne!(signal_id("lookup_signal_a", "x"), UNUSED);
    free(s);
}

fn item_describe() {
    let s = scheduler("describe");
    let sig = signal_id("describe_b", "y");
    let mut item = noob_item {
        kind: UNUSED,
        node: UNUSED,
        node_name: null(),
        node_name_len: 0,
        name: null(),
        name_len: 0,
    };
    // SAFETY: valid out pointer or NULL as stated; views are valid for the process.
    unsafe {
        assert_fails(
            noob_item_describe(u32::MAX - 1, &mut item),
            NOOB_ERR_NOT_FOUND,
            "noob_item_describe",
        );
        assert_eq!(item.kind, UNUSED);
        assert_fails(
            noob_item_describe(sig, null_mut()),
            NOOB_ERR_NULL_POINTER,
            "noob_item_describe",
        );
        assert_eq!(noob_item_describe(sig, &mut item), NOOB_OK);
        assert_eq!(item.kind, NOOB_ITEM_SIGNAL);
        assert_eq!(item.node, node_id("describe_b"));
        let text = |p: *const c_char, n: usize| {
            std::str::from_utf8(std::slice::from_raw_parts(p.cast::<u8>(), n)).unwrap()
        };
        assert_eq!(text(item.node_name, item.node_name_len), "describe_b");
        assert_eq!(text(item.name, item.name_len), "y");
    }
    free(s);
}

fn scheduler_new() {
    let mut s = null_mut();
    let flags = [NOOB_NODE_ENABLED];
    let f = "noob_epoch_scheduler_new";
    // SAFETY: pointers below are valid for their lengths, or NULL as stated.
    unsafe {
        #[allow(clippy::type_complexity)]
        let call = |(names, lens): (&[u8], &[usize]),
                    flags: &[u8],
                    count: usize,
                    (edges, edge_lens): (&[u8], &[usize]),
                    req: &[u8],
                    ec: usize,
                    out| {
            noob_epoch_scheduler_new(
                c(names),
                names.len(),
                lens.as_ptr(),
                flags.as_ptr(),
                count,
                c(edges),
                edges.len(),
                edge_lens.as_ptr(),
                req.as_ptr(),
                ec,
                out,
            )
        };
        let none: (&[u8], &[usize]) = (b"", &[]);
        assert_fails(
            call((b"a", &[1]), &flags, 1, none, &[], 0, null_mut()),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        // NULL texts and arrays with non-zero lengths.
        let one = [1usize];
        let four = [1usize; 4];
        assert_fails(
            noob_epoch_scheduler_new(
                null(),
                1,
                one.as_ptr(),
                flags.as_ptr(),
                1,
                null(),
                0,
                null(),
                null(),
                0,
                &mut s,
            ),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_epoch_scheduler_new(
                c(b"a"),
                1,
                null(),
                flags.as_ptr(),
                1,
                null(),
                0,
                null(),
                null(),
                0,
                &mut s,
            ),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_epoch_scheduler_new(
                c(b"a"),
                1,
                one.as_ptr(),
                null(),
                1,
                null(),
                0,
                null(),
                null(),
                0,
                &mut s,
            ),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_epoch_scheduler_new(
                null(),
                0,
                null(),
                null(),
                0,
                c(b"axbt"),
                4,
                null(),
                [1u8].as_ptr(),
                1,
                &mut s,
            ),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_epoch_scheduler_new(
                null(),
                0,
                null(),
                null(),
                0,
                c(b"axbt"),
                4,
                four.as_ptr(),
                null(),
                1,
                &mut s,
            ),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        // Invalid UTF-8 in either text; a length that cuts a character in two.
        assert_fails(
            call((INVALID_UTF8, &[5]), &flags, 1, none, &[], 0, &mut s),
            NOOB_ERR_INVALID_UTF8,
            f,
        );
        assert_fails(
            call(none, &[], 0, (INVALID_UTF8, &[1, 1, 1, 2]), &[1], 1, &mut s),
            NOOB_ERR_INVALID_UTF8,
            f,
        );
        let two = [NOOB_NODE_ENABLED; 2];
        assert_fails(
            call(("é".as_bytes(), &[1, 1]), &two, 2, none, &[], 0, &mut s),
            NOOB_ERR_INVALID_UTF8,
            f,
        );
        // The lengths must sum to the text's length, in either direction.
        assert_fails(
            call((b"ab", &[1]), &flags, 1, none, &[], 0, &mut s),
            NOOB_ERR_INVALID_ARGUMENT,
            f,
        );
        assert_fails(
            call((b"ab", &[3]), &flags, 1, none, &[], 0, &mut s),
            NOOB_ERR_INVALID_ARGUMENT,
            f,
        );
        assert_fails(
            call((b"ab", &[1, usize::MAX]), &two, 2, none, &[], 0, &mut s),
            NOOB_ERR_INVALID_ARGUMENT,
            f,
        );
        assert_fails(
            call(none, &[], 0, (b"axbt", &[1, 1, 1, 0]), &[1], 1, &mut s),
            NOOB_ERR_INVALID_ARGUMENT,
            f,
        );
        // A misaligned lengths array is refused, not read.
        let backing = [0usize, 1, 0];
        let misaligned = backing
            .as_ptr()
            .cast::<u8>()
            .wrapping_add(1)
            .cast::<usize>();
        assert_fails(
            noob_epoch_scheduler_new(
                c(b"a"),
                1,
                misaligned,
                flags.as_ptr(),
                1,
                null(),
                0,
                null(),
                null(),
                0,
                &mut s,
            ),
            NOOB_ERR_INVALID_ARGUMENT,
            f,
        );
        // An edge count whose name count overflows.
        assert_fails(
            noob_epoch_scheduler_new(
                null(),
                0,
                null(),
                null(),
                0,
                null(),
                0,
                four.as_ptr(),
                [1u8].as_ptr(),
                usize::MAX / 2,
                &mut s,
            ),
            NOOB_ERR_INVALID_ARGUMENT,
            f,
        );
        // Flags and `required` out of range.
        assert_fails(
            call((b"a", &[1]), &[8], 1, none, &[], 0, &mut s),
            NOOB_ERR_INVALID_ARGUMENT,
            f,
        );
        assert_fails(
            call((b"a", &[1]), &[NOOB_NODE_STATEFUL], 1, none, &[], 0, &mut s),
            NOOB_ERR_INVALID_ARGUMENT,
            f,
        );
        assert_fails(
            call(none, &[], 0, (b"axbt", &[1, 1, 1, 1]), &[2], 1, &mut s),
            NOOB_ERR_INVALID_ARGUMENT,
            f,
        );
        assert!(s.is_null(), "no scheduler written on failure");
        // The empty graph is accepted (its epochs are born completed).
        assert_eq!(call(none, &[], 0, none, &[], 0, &mut s), NOOB_OK);
        assert!(!s.is_null());
        assert_eq!(add(s), 0);
        assert!(!active(s));
        free(s);
        // Any name is valid, NUL bytes and the empty name included: `new\0a` -> ``
        // (required), `` -> `né\0` (optional), over signals and slots named alike.
        let names = ["new\0a", "", "new_né\0"];
        let (text, lens) = pack(&names);
        let node_flags = [NOOB_NODE_ENABLED; 3];
        let (edges, edge_lens) = pack(&[names[0], "s\0", "", "", "", "\0", names[2], "é"]);
        let mut s = null_mut();
        assert_eq!(
            call(
                (text.as_bytes(), &lens),
                &node_flags,
                3,
                (edges.as_bytes(), &edge_lens),
                &[1, 0],
                2,
                &mut s
            ),
            NOOB_OK
        );
        let mut view = empty_words();
        assert_eq!(
            noob_epoch_scheduler_list(s, NOOB_LIST_GENERATIONS, &mut view),
            NOOB_OK
        );
        let ids = names.map(node_id);
        assert_eq!(words(&view), [1, ids[0], 1, ids[1], 1, ids[2]]);
        for (id, name) in ids.iter().zip(names) {
            let mut item = std::mem::zeroed::<noob_item>();
            assert_eq!(noob_item_describe(*id, &mut item), NOOB_OK);
            assert_eq!(text_of(item.node_name, item.node_name_len), name);
        }
        let mut item = std::mem::zeroed::<noob_item>();
        let sig = signal_id("new\0a", "s\0");
        assert_eq!(noob_item_describe(sig, &mut item), NOOB_OK);
        assert_eq!(
            (
                item.kind,
                text_of(item.node_name, item.node_name_len),
                text_of(item.name, item.name_len)
            ),
            (NOOB_ITEM_SIGNAL, "new\0a", "s\0")
        );
        // No name was split at its NUL byte.
        let mut id = UNUSED;
        assert_fails(
            noob_item_lookup_node(c(b"new"), 3, &mut id),
            NOOB_ERR_ITEM_NOT_ADDED,
            "noob_item_lookup_node",
        );
        assert_eq!(id, UNUSED);
        free(s);
    }
}

fn scheduler_free() {
    // NULL is accepted; a live scheduler is freed once.
    // SAFETY: NULL is documented as accepted.
    unsafe { noob_epoch_scheduler_free(null_mut()) };
    free(scheduler("free"));
}

fn add_epoch() {
    let s = scheduler("add_epoch");
    let mut root = UNUSED;
    // SAFETY: NULL pointers as stated.
    unsafe {
        assert_fails(
            noob_epoch_scheduler_add_epoch(null_mut(), &mut root),
            NOOB_ERR_NULL_POINTER,
            "noob_epoch_scheduler_add_epoch",
        );
        assert_fails(
            noob_epoch_scheduler_add_epoch(s, null_mut()),
            NOOB_ERR_NULL_POINTER,
            "noob_epoch_scheduler_add_epoch",
        );
    }
    assert_eq!(root, UNUSED);
    assert!(!active(s), "the refused calls created nothing");
    assert_eq!((add(s), add(s)), (0, 1));
    free(s);
}

fn add_epoch_at() {
    let s = scheduler("add_epoch_at");
    let f = "noob_epoch_scheduler_add_epoch_at";
    let a = node_id("add_epoch_at_a");
    // SAFETY: pointers below are valid or NULL as stated.
    unsafe {
        assert_fails(
            noob_epoch_scheduler_add_epoch_at(null_mut(), 0, null(), 0),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_epoch_scheduler_add_epoch_at(s, 0, null(), 1),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        let sig = signal_id("add_epoch_at_a", "x");
        assert_fails(
            noob_epoch_scheduler_add_epoch_at(s, 0, [sig, 0].as_ptr(), 1),
            NOOB_ERR_INVALID_ARGUMENT,
            f,
        );
        assert_fails(
            noob_epoch_scheduler_add_epoch_at(s, 0, [u32::MAX - 3, 0].as_ptr(), 1),
            NOOB_ERR_INVALID_ARGUMENT,
            f,
        );
        assert_fails(
            noob_epoch_scheduler_add_epoch_at(s, 0, [a, 0].as_ptr(), NOOB_EPOCH_MAX_DEPTH + 1),
            NOOB_ERR_INVALID_ARGUMENT,
            f,
        );
        assert!(!active(s), "refused calls created nothing");
        assert_eq!(noob_epoch_scheduler_add_epoch_at(s, 5, null(), 0), NOOB_OK);
        assert_fails(
            noob_epoch_scheduler_add_epoch_at(s, 5, null(), 0),
            NOOB_ERR_EPOCH_EXISTS,
            f,
        );
        assert!(super::common::last_error().ends_with(": 5"));
        assert_eq!(add(s), 6);
        assert_eq!(
            noob_epoch_scheduler_add_epoch_at(s, 6, [a, 0].as_ptr(), 1),
            NOOB_OK
        );
    }
    free(s);
}

fn end_epoch() {
    let s = scheduler("end_epoch");
    let f = "noob_epoch_scheduler_end_epoch";
    let mut view = empty_words();
    // SAFETY: pointers below are valid or NULL as stated.
    unsafe {
        assert_fails(
            noob_epoch_scheduler_end_epoch(null_mut(), 0, null(), 0, &mut view),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_epoch_scheduler_end_epoch(s, 0, null(), 0, null_mut()),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_epoch_scheduler_end_epoch(s, 0, null(), 2, &mut view),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_eq!(view.len, 7777);
        assert!(!active(s));
        // end_epoch(3) creates 4, whose only source (stateful) becomes ready; 3 is logged.
        assert_eq!(
            noob_epoch_scheduler_end_epoch(s, 3, null(), 0, &mut view),
            NOOB_OK
        );
        assert_eq!(words(&view), [0, 3]);
        let mut done = false;
        assert_eq!(
            noob_epoch_scheduler_epoch_query(
                s,
                NOOB_QUERY_EPOCH_COMPLETED,
                2,
                null(),
                0,
                &mut done
            ),
            NOOB_OK
        );
        assert!(
            done,
            "every root below the smallest logged one is completed"
        );
    }
    assert!(is_active_at(s, 4));
    free(s);
}

fn epoch_query() {
    let s = scheduler("epoch_query");
    let f = "noob_epoch_scheduler_epoch_query";
    let mut answer = true;
    // SAFETY: pointers below are valid or NULL as stated.
    unsafe {
        assert_fails(
            noob_epoch_scheduler_epoch_query(null(), 0, 0, null(), 0, &mut answer),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_epoch_scheduler_epoch_query(s, 0, 0, null(), 0, null_mut()),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_epoch_scheduler_epoch_query(s, 3, 0, null(), 0, &mut answer),
            NOOB_ERR_INVALID_ARGUMENT,
            f,
        );
        assert_fails(
            noob_epoch_scheduler_epoch_query(s, 0, 0, [0, 7].as_ptr(), 1, &mut answer),
            NOOB_ERR_INVALID_ARGUMENT,
            f,
        );
        // A misaligned path is refused, not read.
        let path = [0u32, 1, 0];
        let misaligned = (path.as_ptr() as *const u8).add(1).cast::<u32>();
        assert_fails(
            noob_epoch_scheduler_epoch_query(s, 0, 0, misaligned, 1, &mut answer),
            NOOB_ERR_INVALID_ARGUMENT,
            f,
        );
        assert!(answer, "untouched");
        for q in [
            NOOB_QUERY_IS_ACTIVE_AT,
            NOOB_QUERY_EPOCH_COMPLETED,
            NOOB_QUERY_SOURCES_FINISHED,
        ] {
            assert_eq!(
                noob_epoch_scheduler_epoch_query(s, q, 9, null(), 0, &mut answer),
                NOOB_OK
            );
            assert!(!answer, "query {q} on an unknown epoch");
        }
    }
    add(s);
    assert!(is_active_at(s, 0));
    free(s);
}

fn status() {
    let s = scheduler("status");
    let f = "noob_epoch_scheduler_status";
    let (mut a, mut e, mut cy, mut found, mut root) = (true, true, true, true, UNUSED);
    // SAFETY: pointers below are valid or NULL as stated.
    unsafe {
        assert_fails(
            noob_epoch_scheduler_status(null(), &mut a, &mut e, &mut cy, &mut found, &mut root),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_epoch_scheduler_status(s, &mut a, &mut e, &mut cy, &mut found, null_mut()),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_epoch_scheduler_status(s, null_mut(), &mut e, &mut cy, &mut found, &mut root),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_eq!((a, e, cy, found, root), (true, true, true, true, UNUSED));
        assert_eq!(
            noob_epoch_scheduler_status(s, &mut a, &mut e, &mut cy, &mut found, &mut root),
            NOOB_OK
        );
        assert_eq!((a, e, cy, found), (false, false, false, false));
        add(s);
        add(s);
        assert_eq!(
            noob_epoch_scheduler_status(s, &mut a, &mut e, &mut cy, &mut found, &mut root),
            NOOB_OK
        );
        assert_eq!((a, found, root), (true, true, 0));
    }
    free(s);
}

fn is_active() {
    let s = scheduler("is_active");
    let mut a = true;
    // SAFETY: NULL pointers as stated.
    unsafe {
        assert_fails(
            noob_epoch_scheduler_is_active(null(), &mut a),
            NOOB_ERR_NULL_POINTER,
            "noob_epoch_scheduler_is_active",
        );
        assert_fails(
            noob_epoch_scheduler_is_active(s, null_mut()),
            NOOB_ERR_NULL_POINTER,
            "noob_epoch_scheduler_is_active",
        );
    }
    assert!(a);
    assert!(!active(s));
    add(s);
    assert!(active(s));
    free(s);
}

fn node_query() {
    let s = scheduler("node_query");
    let f = "noob_epoch_scheduler_node_query";
    let a = node_id("node_query_a");
    let sig = signal_id("node_query_a", "x");
    let mut answer = true;
    add(s);
    // SAFETY: pointers below are valid or NULL as stated.
    unsafe {
        assert_fails(
            noob_epoch_scheduler_node_query(null(), a, 0, null(), 0, false, false, &mut answer),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_epoch_scheduler_node_query(s, a, 0, null(), 0, false, false, null_mut()),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_epoch_scheduler_node_query(
                s,
                u32::MAX - 5,
                0,
                null(),
                0,
                false,
                false,
                &mut answer,
            ),
            NOOB_ERR_ITEM_NOT_ADDED,
            f,
        );
        assert_fails(
            noob_epoch_scheduler_node_query(s, sig, 0, null(), 0, true, false, &mut answer),
            NOOB_ERR_INVALID_ARGUMENT,
            f,
        );
        assert!(answer);
        assert_eq!(
            noob_epoch_scheduler_node_query(s, a, 0, null(), 0, false, false, &mut answer),
            NOOB_OK
        );
        assert!(answer, "the stateful source of epoch 0 is ready");
        assert_eq!(
            noob_epoch_scheduler_node_query(s, a, 0, null(), 0, true, false, &mut answer),
            NOOB_OK
        );
        assert!(!answer);
    }
    free(s);
}

fn get_ready() {
    let s = scheduler("get_ready");
    let f = "noob_epoch_scheduler_get_ready";
    let a = node_id("get_ready_a");
    let mut view = empty_words();
    add(s);
    // SAFETY: pointers below are valid or NULL as stated.
    unsafe {
        assert_fails(
            noob_epoch_scheduler_get_ready(null_mut(), true, 0, null(), 0, &mut view),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_epoch_scheduler_get_ready(s, true, 0, null(), 0, null_mut()),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_epoch_scheduler_get_ready(s, false, 0, null(), 1, &mut view),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_eq!(view.len, 7777);
        // Nothing was handed out by the refused calls: one group, epoch 0, one node.
        assert_eq!(
            noob_epoch_scheduler_get_ready(s, false, 0, null(), 0, &mut view),
            NOOB_OK
        );
        assert_eq!(words(&view), [0, 0, 1, a]);
    }
    assert_eq!(ready_all(s), Vec::<u32>::new());
    free(s);
}

fn finish() {
    let s = scheduler("finish");
    let f = "noob_epoch_scheduler_finish";
    let (a, b, c) = (
        node_id("finish_a"),
        node_id("finish_b"),
        node_id("finish_c"),
    );
    let mut view = empty_words();
    add(s);
    assert_eq!(ready_all(s), [0, 0, 1, a]);
    // SAFETY: pointers below are valid or NULL as stated.
    unsafe {
        assert_fails(
            noob_epoch_scheduler_finish(null_mut(), 0, null(), 0, a, false, true, true, &mut view),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_epoch_scheduler_finish(s, 0, null(), 0, a, false, true, true, null_mut()),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_epoch_scheduler_finish(
                s,
                0,
                null(),
                0,
                u32::MAX - 7,
                false,
                true,
                true,
                &mut view,
            ),
            NOOB_ERR_ITEM_NOT_ADDED,
            f,
        );
        // "input" is known to the process but not in this graph: done refuses, expire accepts.
        assert_fails(
            noob_epoch_scheduler_finish(s, 0, null(), 0, 3, false, true, true, &mut view),
            NOOB_ERR_ITEM_NOT_ADDED,
            f,
        );
        assert_eq!(view.len, 7777);
        assert_eq!(
            noob_epoch_scheduler_finish(s, 0, null(), 0, 3, true, true, true, &mut view),
            NOOB_OK
        );
        assert_eq!(words(&view), Vec::<u32>::new());
        assert_eq!(
            noob_epoch_scheduler_finish(s, 0, null(), 0, a, false, true, true, &mut view),
            NOOB_OK
        );
        assert_fails(
            noob_epoch_scheduler_finish(s, 0, null(), 0, a, false, true, true, &mut view),
            NOOB_ERR_ITEM_ALREADY_DONE,
            f,
        );
        // b is handed out next (with epoch 1's a, created eagerly? no: a is stateful).
        assert_eq!(ready_all(s), [0, 0, 1, b]);
        // b emits NoEvent: c is released through its optional slot and runs.
        assert_eq!(
            noob_epoch_scheduler_finish(s, 0, null(), 0, b, true, true, true, &mut view),
            NOOB_OK
        );
        assert_eq!(ready_all(s), [0, 0, 1, c]);
        assert_eq!(
            noob_epoch_scheduler_finish(s, 0, null(), 0, c, false, true, true, &mut view),
            NOOB_OK
        );
        // Epoch 0 ended (epoch 1 was created by end_epoch and waits for its a).
        assert_eq!(words(&view), [0, 0]);
    }
    free(s);
}

fn update() {
    let s = scheduler("update");
    let f = "noob_epoch_scheduler_update";
    let (a, b) = (node_id("update_a"), node_id("update_b"));
    let (ax, by) = (signal_id("update_a", "x"), signal_id("update_b", "y"));
    let mut view = empty_words();
    add(s);
    ready_all(s);
    let bad: [&[u32]; 6] = [
        &[0, a, ax, 0],                         // truncated
        &[8, a, ax, 0, 0],                      // unknown flag
        &[0, a, by, 0, 0],                      // a signal of another node
        &[0, u32::MAX - 9, NOOB_NO_ITEM, 0, 0], // never-interned node
        &[0, a, ax, 1, 0, ax, 0],               // segment node not a node id
        &[0, a, ax, 2, 0],                      // depth 2 without its words
    ];
    // SAFETY: pointers below are valid or NULL as stated.
    unsafe {
        assert_fails(
            noob_epoch_scheduler_update(null_mut(), null(), 0, &mut view),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_epoch_scheduler_update(s, null(), 5, &mut view),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_epoch_scheduler_update(s, null(), 0, null_mut()),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        for events in bad {
            assert_fails(
                noob_epoch_scheduler_update(s, events.as_ptr(), events.len(), &mut view),
                NOOB_ERR_INVALID_ARGUMENT,
                f,
            );
        }
        assert_eq!(view.len, 7777);
        // Nothing happened: a is still out, so a is not ready and b not either.
        assert_eq!(ready_all(s), Vec::<u32>::new());
        assert_eq!(
            noob_epoch_scheduler_update(s, null(), 0, &mut view),
            NOOB_OK
        );
        assert_eq!(words(&view), Vec::<u32>::new());
        let events = [0, a, ax, 0, 0];
        assert_eq!(
            noob_epoch_scheduler_update(s, events.as_ptr(), 5, &mut view),
            NOOB_OK
        );
        assert_eq!(ready_all(s), [0, 0, 1, b]);
        let twice = [0, b, by, 0, 0, 0, b, by, 0, 0];
        assert_fails(
            noob_epoch_scheduler_update(s, twice.as_ptr(), 10, &mut view),
            NOOB_ERR_ITEM_ALREADY_DONE,
            f,
        );
    }
    free(s);
}

fn list() {
    let s = scheduler("list");
    let f = "noob_epoch_scheduler_list";
    let (a, b, c) = (node_id("list_a"), node_id("list_b"), node_id("list_c"));
    let mut view = empty_words();
    // SAFETY: pointers below are valid or NULL as stated.
    unsafe {
        assert_fails(
            noob_epoch_scheduler_list(null_mut(), 0, &mut view),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_epoch_scheduler_list(s, 0, null_mut()),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_epoch_scheduler_list(s, 4, &mut view),
            NOOB_ERR_INVALID_ARGUMENT,
            f,
        );
        assert_eq!(view.len, 7777);
        assert_eq!(
            noob_epoch_scheduler_list(s, NOOB_LIST_GENERATIONS, &mut view),
            NOOB_OK
        );
        assert_eq!(words(&view), [1, a, 1, b, 1, c]);
        assert_eq!(
            noob_epoch_scheduler_list(s, NOOB_LIST_SOURCE_NODES, &mut view),
            NOOB_OK
        );
        assert_eq!(words(&view), [a]);
        assert_eq!(
            noob_epoch_scheduler_list(s, NOOB_LIST_EPOCH_LOG, &mut view),
            NOOB_OK
        );
        assert_eq!(words(&view), Vec::<u32>::new());
        add(s);
        // A subepoch of 0 made by b: parent key, one entry.
        assert_eq!(
            noob_epoch_scheduler_add_epoch_at(s, 0, [b, 2].as_ptr(), 1),
            NOOB_OK
        );
        assert_eq!(
            noob_epoch_scheduler_list(s, NOOB_LIST_SUBEPOCHS, &mut view),
            NOOB_OK
        );
        assert_eq!(words(&view), [0, 0, 1, 1, 0, b, 2]);
    }
    free(s);
}

fn upstream_nodes() {
    let s = scheduler("upstream");
    let f = "noob_epoch_scheduler_upstream_nodes";
    let (a, b, c) = (
        node_id("upstream_a"),
        node_id("upstream_b"),
        node_id("upstream_c"),
    );
    let mut view = empty_words();
    // SAFETY: pointers below are valid or NULL as stated.
    unsafe {
        assert_fails(
            noob_epoch_scheduler_upstream_nodes(null_mut(), c, &mut view),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_epoch_scheduler_upstream_nodes(s, c, null_mut()),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_epoch_scheduler_upstream_nodes(s, u32::MAX - 11, &mut view),
            NOOB_ERR_ITEM_NOT_ADDED,
            f,
        );
        assert_fails(
            noob_epoch_scheduler_upstream_nodes(s, 3, &mut view),
            NOOB_ERR_ITEM_NOT_ADDED,
            f,
        );
        assert_eq!(view.len, 7777);
        // c's optional slot u is carried by (b, y) and, through the required a.x -> b, by (a, x).
        assert_eq!(
            noob_epoch_scheduler_upstream_nodes(s, c, &mut view),
            NOOB_OK
        );
        let mut expected = vec![a, b];
        expected.sort();
        assert_eq!(words(&view), expected);
    }
    free(s);
}

fn epoch_state() {
    let s = scheduler("state");
    let f = "noob_epoch_scheduler_epoch_state";
    let a = node_id("state_a");
    let mut view = empty_words();
    // SAFETY: pointers below are valid or NULL as stated.
    unsafe {
        assert_fails(
            noob_epoch_scheduler_epoch_state(null_mut(), 0, null(), 0, &mut view),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_epoch_scheduler_epoch_state(s, 0, null(), 0, null_mut()),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_epoch_scheduler_epoch_state(s, 0, null(), 0, &mut view),
            NOOB_ERR_ITEM_NOT_ADDED,
            f,
        );
        assert_eq!(view.len, 7777);
        add(s);
        assert_eq!(
            noob_epoch_scheduler_epoch_state(s, 0, null(), 0, &mut view),
            NOOB_OK
        );
        let w = words(&view);
        // ready = [a]; out = []; done = [PREV]
        assert_eq!(&w[..6], &[1, a, 0, 1, 0, 0][..]);
    }
    free(s);
}
