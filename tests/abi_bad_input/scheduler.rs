//! Scheduler exports with NULL, zero lengths, invalid UTF-8, bad names, unknown ids,
//! cycles, small buffers, misuse of a run, and failing callbacks.

use super::common::assert_fails;
use noob_core::ffi::result::noob_result::{self, *};
use noob_core::ffi::scheduler::*;
use std::ffi::c_void;
use std::ptr::{null, null_mut};

pub const CHECKS: super::Checks = &[
    ("noob_graph_builder_new", builder_new),
    ("noob_graph_builder_reserve", builder_reserve),
    ("noob_graph_builder_add_node", builder_add_node),
    ("noob_graph_builder_add_nodes", builder_add_nodes),
    ("noob_graph_builder_add_edge", builder_add_edge),
    ("noob_graph_builder_add_edges", builder_add_edges),
    ("noob_graph_builder_add_edge_names", builder_add_edge_names),
    ("noob_graph_builder_add_edges_text", builder_add_edges_text),
    (
        "noob_graph_builder_add_dependencies",
        builder_add_dependencies,
    ),
    ("noob_graph_builder_node_count", builder_node_count),
    ("noob_graph_builder_build", builder_build),
    ("noob_graph_builder_cycle", builder_cycle),
    ("noob_graph_builder_free", builder_free),
    ("noob_graph_free", graph_free),
    ("noob_graph_get_info", graph_get_info),
    ("noob_graph_node_id", graph_node_id),
    ("noob_graph_node_name", graph_node_name),
    ("noob_graph_names", graph_names),
    ("noob_graph_successors", graph_successors),
    ("noob_graph_predecessors", graph_predecessors),
    ("noob_graph_topological_order", graph_topological_order),
    ("noob_graph_generations", graph_generations),
    ("noob_graph_run", graph_run),
    ("noob_scheduler_new", scheduler_new),
    ("noob_scheduler_reset", scheduler_reset),
    ("noob_scheduler_get_ready", scheduler_get_ready),
    ("noob_scheduler_mark_done", scheduler_mark_done),
    ("noob_scheduler_mark_done_many", scheduler_mark_done_many),
    ("noob_scheduler_finish", scheduler_finish),
    ("noob_scheduler_get_view", scheduler_get_view),
    ("noob_scheduler_is_done", scheduler_is_done),
    ("noob_scheduler_get_counts", scheduler_get_counts),
    ("noob_scheduler_free", scheduler_free),
];

const INVALID_UTF8: &[u8] = b"ab\xffcd";

fn builder() -> *mut noob_graph_builder {
    let mut b = null_mut();
    // SAFETY: valid out pointer.
    assert_eq!(unsafe { noob_graph_builder_new(&mut b) }, NOOB_OK);
    b
}

fn node_count(b: *const noob_graph_builder) -> usize {
    let mut count = usize::MAX;
    // SAFETY: live builder, valid out pointer.
    assert_eq!(
        unsafe { noob_graph_builder_node_count(b, &mut count) },
        NOOB_OK
    );
    count
}

/// Builds a graph from NUL-separated (from, to) name pairs.
fn graph(edges: &str) -> *mut noob_graph {
    let b = builder();
    let mut g = null_mut();
    // SAFETY: live builder; the text is readable; valid out pointer.
    unsafe {
        assert_eq!(
            noob_graph_builder_add_edges_text(b, edges.as_ptr().cast(), edges.len()),
            NOOB_OK
        );
        assert_eq!(noob_graph_builder_build(b, &mut g), NOOB_OK);
        noob_graph_builder_free(b);
    }
    g
}

/// a -> b, a -> c, b -> d, c -> d
fn diamond() -> *mut noob_graph {
    graph("a\0b\0a\0c\0b\0d\0c\0d")
}

fn info(g: *const noob_graph) -> noob_graph_info {
    let mut info = noob_graph_info {
        node_count: 0,
        edge_count: 0,
        repeated_edges: 0,
        generation_count: 0,
        heap_bytes: 0,
    };
    // SAFETY: live graph, valid out pointer.
    assert_eq!(unsafe { noob_graph_get_info(g, &mut info) }, NOOB_OK);
    info
}

fn scheduler(g: *const noob_graph) -> *mut noob_scheduler {
    let mut s = null_mut();
    // SAFETY: live graph, valid out pointer.
    assert_eq!(unsafe { noob_scheduler_new(g, &mut s) }, NOOB_OK);
    s
}

fn counts(s: *const noob_scheduler) -> (usize, usize, usize, usize) {
    let mut c = noob_scheduler_counts {
        node_count: 0,
        ready: 0,
        handed_out: 0,
        done: 0,
    };
    // SAFETY: live scheduler, valid out pointer.
    assert_eq!(unsafe { noob_scheduler_get_counts(s, &mut c) }, NOOB_OK);
    (c.node_count, c.ready, c.handed_out, c.done)
}

fn get_ready(s: *mut noob_scheduler, max: usize) -> Vec<u32> {
    let mut ids = [0u32; 16];
    let mut count = 0;
    // SAFETY: live scheduler; the array has 16 entries.
    let rc = unsafe { noob_scheduler_get_ready(s, max, ids.as_mut_ptr(), ids.len(), &mut count) };
    assert_eq!(rc, NOOB_OK);
    ids[..count].to_vec()
}

fn builder_new() {
    // SAFETY: NULL out pointer is the bad input under test.
    unsafe {
        assert_fails(
            noob_graph_builder_new(null_mut()),
            NOOB_ERR_NULL_POINTER,
            "noob_graph_builder_new",
        )
    };
}

fn builder_reserve() {
    let b = builder();
    // SAFETY: NULL or live builder.
    unsafe {
        assert_fails(
            noob_graph_builder_reserve(null_mut(), 1, 1),
            NOOB_ERR_NULL_POINTER,
            "noob_graph_builder_reserve",
        );
        assert_fails(
            noob_graph_builder_reserve(b, usize::MAX, 0),
            NOOB_ERR_LIMIT_EXCEEDED,
            "noob_graph_builder_reserve",
        );
        assert_fails(
            noob_graph_builder_reserve(b, 0, usize::MAX),
            NOOB_ERR_LIMIT_EXCEEDED,
            "noob_graph_builder_reserve",
        );
        assert_eq!(noob_graph_builder_reserve(b, 0, 0), NOOB_OK);
        assert_eq!(noob_graph_builder_reserve(b, 100, 100), NOOB_OK);
        noob_graph_builder_free(b);
    }
}

fn builder_add_node() {
    let b = builder();
    let mut id = 77u32;
    // SAFETY: pointers are NULL or describe live buffers of the given lengths.
    unsafe {
        let f = "noob_graph_builder_add_node";
        assert_fails(
            noob_graph_builder_add_node(null_mut(), c"a".as_ptr(), 1, &mut id),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_graph_builder_add_node(b, null(), 3, &mut id),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_graph_builder_add_node(b, null(), 0, &mut id),
            NOOB_ERR_INVALID_ARGUMENT,
            f,
        );
        assert_fails(
            noob_graph_builder_add_node(
                b,
                INVALID_UTF8.as_ptr().cast(),
                INVALID_UTF8.len(),
                &mut id,
            ),
            NOOB_ERR_INVALID_UTF8,
            f,
        );
        assert_fails(
            noob_graph_builder_add_node(b, c"x".as_ptr(), 0, &mut id),
            NOOB_ERR_INVALID_ARGUMENT,
            f,
        );
        let with_nul = b"a\0b";
        assert_fails(
            noob_graph_builder_add_node(b, with_nul.as_ptr().cast(), 3, &mut id),
            NOOB_ERR_INVALID_ARGUMENT,
            f,
        );
        assert_eq!(id, 77, "outputs untouched on failure");
        assert_eq!(node_count(b), 0, "nothing added by refused calls");
        assert_eq!(
            noob_graph_builder_add_node(b, c"a".as_ptr(), 1, &mut id),
            NOOB_OK
        );
        assert_eq!(id, 0);
        assert_eq!(
            noob_graph_builder_add_node(b, c"bb".as_ptr(), 2, null_mut()),
            NOOB_OK
        );
        assert_eq!(
            noob_graph_builder_add_node(b, c"a".as_ptr(), 1, &mut id),
            NOOB_OK
        );
        assert_eq!(
            (id, node_count(b)),
            (0, 2),
            "a name added twice keeps its id"
        );
        noob_graph_builder_free(b);
    }
}

fn builder_add_nodes() {
    let b = builder();
    let mut ids = [99u32; 4];
    let mut count = 12345usize;
    // SAFETY: pointers are NULL or describe live buffers of the given lengths.
    unsafe {
        let f = "noob_graph_builder_add_nodes";
        let list = "a\0b\0c\0";
        assert_fails(
            noob_graph_builder_add_nodes(
                null_mut(),
                list.as_ptr().cast(),
                list.len(),
                ids.as_mut_ptr(),
                4,
                &mut count,
            ),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_graph_builder_add_nodes(b, null(), 2, ids.as_mut_ptr(), 4, &mut count),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_graph_builder_add_nodes(
                b,
                list.as_ptr().cast(),
                list.len(),
                null_mut(),
                4,
                &mut count,
            ),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_graph_builder_add_nodes(
                b,
                INVALID_UTF8.as_ptr().cast(),
                INVALID_UTF8.len(),
                ids.as_mut_ptr(),
                4,
                &mut count,
            ),
            NOOB_ERR_INVALID_UTF8,
            f,
        );
        for bad in ["a\0\0b", "\0", "a\0\0"] {
            assert_fails(
                noob_graph_builder_add_nodes(
                    b,
                    bad.as_ptr().cast(),
                    bad.len(),
                    ids.as_mut_ptr(),
                    4,
                    &mut count,
                ),
                NOOB_ERR_INVALID_ARGUMENT,
                f,
            );
        }
        assert_eq!(
            (ids, count),
            ([99; 4], 12345),
            "outputs untouched on failure"
        );
        assert_fails(
            noob_graph_builder_add_nodes(
                b,
                list.as_ptr().cast(),
                list.len(),
                ids.as_mut_ptr(),
                2,
                &mut count,
            ),
            NOOB_ERR_BUFFER_TOO_SMALL,
            f,
        );
        assert_eq!(count, 3, "the size needed is reported");
        assert_eq!(node_count(b), 0, "nothing added by refused calls");
        // Empty text: no names.
        assert_eq!(
            noob_graph_builder_add_nodes(b, null(), 0, null_mut(), 0, &mut count),
            NOOB_OK
        );
        assert_eq!(count, 0);
        assert_eq!(
            noob_graph_builder_add_nodes(
                b,
                list.as_ptr().cast(),
                list.len(),
                ids.as_mut_ptr(),
                4,
                &mut count
            ),
            NOOB_OK
        );
        assert_eq!((&ids[..3], count), (&[0, 1, 2][..], 3));
        let more = "c\0d"; // no trailing NUL; "c" is known
        assert_eq!(
            noob_graph_builder_add_nodes(
                b,
                more.as_ptr().cast(),
                more.len(),
                ids.as_mut_ptr(),
                4,
                null_mut()
            ),
            NOOB_OK
        );
        assert_eq!(&ids[..2], &[2, 3]);
        noob_graph_builder_free(b);
    }
}

fn builder_add_edge() {
    let b = builder();
    // SAFETY: NULL or live builder; name buffers are live.
    unsafe {
        let f = "noob_graph_builder_add_edge";
        assert_fails(
            noob_graph_builder_add_edge(null_mut(), 0, 1),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_graph_builder_add_edge(b, 0, 1),
            NOOB_ERR_UNKNOWN_NODE,
            f,
        );
        noob_graph_builder_add_node(b, c"a".as_ptr(), 1, null_mut());
        noob_graph_builder_add_node(b, c"b".as_ptr(), 1, null_mut());
        assert_fails(
            noob_graph_builder_add_edge(b, 0, u32::MAX),
            NOOB_ERR_UNKNOWN_NODE,
            f,
        );
        assert_eq!(noob_graph_builder_add_edge(b, 0, 1), NOOB_OK);
        assert_eq!(
            noob_graph_builder_add_edge(b, 0, 1),
            NOOB_OK,
            "repeats are accepted"
        );
        let mut g = null_mut();
        assert_eq!(noob_graph_builder_build(b, &mut g), NOOB_OK);
        let i = info(g);
        assert_eq!((i.node_count, i.edge_count, i.repeated_edges), (2, 1, 1));
        noob_graph_free(g);
        noob_graph_builder_free(b);
    }
}

fn builder_add_edges() {
    let b = builder();
    // SAFETY: pointers are NULL or describe live arrays of the given lengths.
    unsafe {
        let f = "noob_graph_builder_add_edges";
        let list = "a\0b\0c";
        noob_graph_builder_add_nodes(
            b,
            list.as_ptr().cast(),
            list.len(),
            null_mut(),
            0,
            null_mut(),
        );
        let pairs = [0u32, 1, 1, 2];
        assert_fails(
            noob_graph_builder_add_edges(null_mut(), pairs.as_ptr(), 2),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_graph_builder_add_edges(b, null(), 2),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_graph_builder_add_edges(b, pairs.as_ptr(), usize::MAX),
            NOOB_ERR_INVALID_ARGUMENT,
            f,
        );
        let bad = [0u32, 1, 1, 3];
        assert_fails(
            noob_graph_builder_add_edges(b, bad.as_ptr(), 2),
            NOOB_ERR_UNKNOWN_NODE,
            f,
        );
        assert_eq!(noob_graph_builder_add_edges(b, null(), 0), NOOB_OK);
        assert_eq!(noob_graph_builder_add_edges(b, pairs.as_ptr(), 2), NOOB_OK);
        let mut g = null_mut();
        assert_eq!(noob_graph_builder_build(b, &mut g), NOOB_OK);
        // The refused batch added nothing: only the two good edges exist.
        assert_eq!(info(g).edge_count, 2);
        noob_graph_free(g);
        noob_graph_builder_free(b);
    }
}

fn builder_add_edge_names() {
    let b = builder();
    // SAFETY: pointers are NULL or describe live buffers of the given lengths.
    unsafe {
        let f = "noob_graph_builder_add_edge_names";
        let (a, x) = (c"a".as_ptr(), c"x".as_ptr());
        assert_fails(
            noob_graph_builder_add_edge_names(null_mut(), a, 1, x, 1),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_graph_builder_add_edge_names(b, null(), 1, x, 1),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_graph_builder_add_edge_names(b, a, 1, null(), 1),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_graph_builder_add_edge_names(b, a, 1, x, 0),
            NOOB_ERR_INVALID_ARGUMENT,
            f,
        );
        assert_fails(
            noob_graph_builder_add_edge_names(
                b,
                a,
                1,
                INVALID_UTF8.as_ptr().cast(),
                INVALID_UTF8.len(),
            ),
            NOOB_ERR_INVALID_UTF8,
            f,
        );
        assert_eq!(node_count(b), 0, "a refused edge adds neither node");
        assert_eq!(noob_graph_builder_add_edge_names(b, a, 1, x, 1), NOOB_OK);
        assert_eq!(node_count(b), 2);
        noob_graph_builder_free(b);
    }
}

fn builder_add_edges_text() {
    let b = builder();
    // SAFETY: pointers are NULL or describe live buffers of the given lengths.
    unsafe {
        let f = "noob_graph_builder_add_edges_text";
        let list = "a\0b\0b\0c\0";
        assert_fails(
            noob_graph_builder_add_edges_text(null_mut(), list.as_ptr().cast(), list.len()),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_graph_builder_add_edges_text(b, null(), 1),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        for bad in ["a\0b\0c", "a\0\0", "\0b"] {
            assert_fails(
                noob_graph_builder_add_edges_text(b, bad.as_ptr().cast(), bad.len()),
                NOOB_ERR_INVALID_ARGUMENT,
                f,
            );
        }
        assert_fails(
            noob_graph_builder_add_edges_text(b, INVALID_UTF8.as_ptr().cast(), INVALID_UTF8.len()),
            NOOB_ERR_INVALID_UTF8,
            f,
        );
        assert_eq!(node_count(b), 0);
        assert_eq!(noob_graph_builder_add_edges_text(b, null(), 0), NOOB_OK);
        assert_eq!(
            noob_graph_builder_add_edges_text(b, list.as_ptr().cast(), list.len()),
            NOOB_OK
        );
        assert_eq!(node_count(b), 3);
        noob_graph_builder_free(b);
    }
}

fn builder_add_dependencies() {
    let b = builder();
    // SAFETY: pointers are NULL or describe live buffers of the given lengths.
    unsafe {
        let f = "noob_graph_builder_add_dependencies";
        // {"c": ["a", "b"], "b": ["a"], "a": []}
        let list = "c\0a\0b\0b\0a\0a";
        let counts = [2u32, 1, 0];
        let (p, n) = (list.as_ptr().cast(), list.len());
        assert_fails(
            noob_graph_builder_add_dependencies(null_mut(), p, n, counts.as_ptr(), 3),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_graph_builder_add_dependencies(b, null(), n, counts.as_ptr(), 3),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_graph_builder_add_dependencies(b, p, n, null(), 3),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_graph_builder_add_dependencies(b, p, n, counts.as_ptr(), 2),
            NOOB_ERR_INVALID_ARGUMENT,
            f,
        );
        let too_many = [2u32, 2, 0];
        assert_fails(
            noob_graph_builder_add_dependencies(b, p, n, too_many.as_ptr(), 3),
            NOOB_ERR_INVALID_ARGUMENT,
            f,
        );
        let empty_name = "c\0\0b";
        assert_fails(
            noob_graph_builder_add_dependencies(
                b,
                empty_name.as_ptr().cast(),
                empty_name.len(),
                [2u32].as_ptr(),
                1,
            ),
            NOOB_ERR_INVALID_ARGUMENT,
            f,
        );
        assert_fails(
            noob_graph_builder_add_dependencies(
                b,
                INVALID_UTF8.as_ptr().cast(),
                INVALID_UTF8.len(),
                [0u32].as_ptr(),
                1,
            ),
            NOOB_ERR_INVALID_UTF8,
            f,
        );
        assert_eq!(node_count(b), 0, "refused calls add nothing");
        assert_eq!(
            noob_graph_builder_add_dependencies(b, null(), 0, null(), 0),
            NOOB_OK
        );
        assert_eq!(
            noob_graph_builder_add_dependencies(b, p, n, counts.as_ptr(), 3),
            NOOB_OK
        );
        let mut g = null_mut();
        assert_eq!(noob_graph_builder_build(b, &mut g), NOOB_OK);
        let mut order: *const u32 = null();
        let mut len = 0;
        noob_graph_topological_order(g, &mut order, &mut len);
        // Ids: c=0, a=1, b=2; order a, b, c.
        assert_eq!(std::slice::from_raw_parts(order, len), &[1, 2, 0]);
        assert_eq!(info(g).edge_count, 3);
        noob_graph_free(g);
        noob_graph_builder_free(b);
    }
}

fn builder_node_count() {
    let b = builder();
    let mut count = 5usize;
    // SAFETY: NULL or live pointers.
    unsafe {
        let f = "noob_graph_builder_node_count";
        assert_fails(
            noob_graph_builder_node_count(null(), &mut count),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_graph_builder_node_count(b, null_mut()),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_eq!(count, 5);
        noob_graph_builder_free(b);
    }
}

fn builder_build() {
    let b = builder();
    let sentinel = 0x1 as *mut noob_graph;
    let mut g = sentinel;
    // SAFETY: NULL or live pointers; the text is readable.
    unsafe {
        let f = "noob_graph_builder_build";
        assert_fails(
            noob_graph_builder_build(null_mut(), &mut g),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_graph_builder_build(b, null_mut()),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        let cyclic = "s\0a\0a\0b\0b\0a";
        noob_graph_builder_add_edges_text(b, cyclic.as_ptr().cast(), cyclic.len());
        assert_fails(noob_graph_builder_build(b, &mut g), NOOB_ERR_CYCLE, f);
        assert!(
            super::common::last_error().contains(r#""a" -> "b" -> "a""#),
            "{}",
            super::common::last_error()
        );
        assert_eq!(g, sentinel, "outputs untouched on failure");
        assert_eq!(
            node_count(b),
            3,
            "a failed build leaves the builder unchanged"
        );
        // A self-loop is a cycle too.
        let b2 = builder();
        noob_graph_builder_add_edge_names(b2, c"x".as_ptr(), 1, c"x".as_ptr(), 1);
        assert_fails(noob_graph_builder_build(b2, &mut g), NOOB_ERR_CYCLE, f);
        noob_graph_builder_free(b2);
        // An empty builder builds the empty graph; a built builder is empty and reusable.
        let b3 = builder();
        assert_eq!(noob_graph_builder_build(b3, &mut g), NOOB_OK);
        assert_eq!(info(g).node_count, 0);
        noob_graph_free(g);
        noob_graph_builder_free(b3);
        noob_graph_builder_free(b);
    }
}

fn builder_cycle() {
    let b = builder();
    let mut ids: *const u32 = null();
    let mut count = 9usize;
    // SAFETY: NULL or live pointers; views read within their count.
    unsafe {
        let f = "noob_graph_builder_cycle";
        assert_fails(
            noob_graph_builder_cycle(null(), &mut ids, &mut count),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_graph_builder_cycle(b, null_mut(), &mut count),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_graph_builder_cycle(b, &mut ids, null_mut()),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_eq!(count, 9);
        assert_eq!(noob_graph_builder_cycle(b, &mut ids, &mut count), NOOB_OK);
        assert_eq!(count, 0, "no build failed yet");
        let cyclic = "s\0a\0a\0b\0b\0c\0c\0a";
        noob_graph_builder_add_edges_text(b, cyclic.as_ptr().cast(), cyclic.len());
        let mut g = null_mut();
        assert_eq!(noob_graph_builder_build(b, &mut g), NOOB_ERR_CYCLE);
        assert_eq!(noob_graph_builder_cycle(b, &mut ids, &mut count), NOOB_OK);
        assert_eq!(std::slice::from_raw_parts(ids, count), &[1, 2, 3]);
        noob_graph_builder_free(b);
    }
}

fn builder_free() {
    // SAFETY: NULL is accepted.
    unsafe { noob_graph_builder_free(null_mut()) };
}

fn graph_free() {
    // SAFETY: NULL is accepted; a scheduler outlives its graph handle.
    unsafe {
        noob_graph_free(null_mut());
        let g = diamond();
        let s = scheduler(g);
        noob_graph_free(g);
        assert_eq!(get_ready(s, usize::MAX), [0]);
        noob_scheduler_free(s);
    }
}

fn graph_get_info() {
    let g = diamond();
    // SAFETY: NULL or live pointers.
    unsafe {
        let f = "noob_graph_get_info";
        let mut i = info(g);
        assert_eq!((i.node_count, i.edge_count, i.generation_count), (4, 4, 3));
        assert!(i.heap_bytes > 0);
        assert_fails(
            noob_graph_get_info(null(), &mut i),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(noob_graph_get_info(g, null_mut()), NOOB_ERR_NULL_POINTER, f);
        noob_graph_free(g);
    }
}

fn graph_node_id() {
    let g = diamond();
    let mut id = 42u32;
    // SAFETY: NULL or live pointers with their lengths.
    unsafe {
        let f = "noob_graph_node_id";
        assert_fails(
            noob_graph_node_id(null(), c"a".as_ptr(), 1, &mut id),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_graph_node_id(g, null(), 1, &mut id),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_graph_node_id(g, c"a".as_ptr(), 1, null_mut()),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_graph_node_id(g, INVALID_UTF8.as_ptr().cast(), 5, &mut id),
            NOOB_ERR_INVALID_UTF8,
            f,
        );
        assert_fails(
            noob_graph_node_id(g, c"zz".as_ptr(), 2, &mut id),
            NOOB_ERR_UNKNOWN_NODE,
            f,
        );
        assert_fails(
            noob_graph_node_id(g, null(), 0, &mut id),
            NOOB_ERR_UNKNOWN_NODE,
            f,
        );
        assert_eq!(id, 42);
        assert_eq!(noob_graph_node_id(g, c"d".as_ptr(), 1, &mut id), NOOB_OK);
        assert_eq!(id, 3);
        noob_graph_free(g);
    }
}

fn graph_node_name() {
    let g = diamond();
    let mut name: *const std::ffi::c_char = null();
    let mut len = 7usize;
    // SAFETY: NULL or live pointers; the view is read within its length (+ NUL).
    unsafe {
        let f = "noob_graph_node_name";
        assert_fails(
            noob_graph_node_name(null(), 0, &mut name, &mut len),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_graph_node_name(g, 0, null_mut(), &mut len),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_graph_node_name(g, 0, &mut name, null_mut()),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_graph_node_name(g, 4, &mut name, &mut len),
            NOOB_ERR_UNKNOWN_NODE,
            f,
        );
        assert_eq!((name, len), (null(), 7));
        assert_eq!(noob_graph_node_name(g, 2, &mut name, &mut len), NOOB_OK);
        assert_eq!(std::ffi::CStr::from_ptr(name).to_str().unwrap(), "c");
        assert_eq!(len, 1);
        noob_graph_free(g);
    }
}

fn graph_names() {
    let g = diamond();
    let mut text: *const std::ffi::c_char = null();
    let mut len = 0usize;
    // SAFETY: NULL or live pointers; the view is read within its length.
    unsafe {
        let f = "noob_graph_names";
        assert_fails(
            noob_graph_names(null(), &mut text, &mut len),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_graph_names(g, null_mut(), &mut len),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_graph_names(g, &mut text, null_mut()),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_eq!(noob_graph_names(g, &mut text, &mut len), NOOB_OK);
        assert_eq!(
            std::slice::from_raw_parts(text.cast::<u8>(), len),
            b"a\0b\0c\0d\0"
        );
        noob_graph_free(g);
    }
}

type ViewFn =
    unsafe extern "C" fn(*const noob_graph, u32, *mut *const u32, *mut usize) -> noob_result;

fn check_adjacency(function: ViewFn, f: &str, expected_for_a: &[u32], expected_for_d: &[u32]) {
    let g = diamond();
    let mut ids: *const u32 = null();
    let mut count = 3usize;
    // SAFETY: NULL or live pointers; views read within their count.
    unsafe {
        assert_fails(
            function(null(), 0, &mut ids, &mut count),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            function(g, 0, null_mut(), &mut count),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            function(g, 0, &mut ids, null_mut()),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            function(g, 4, &mut ids, &mut count),
            NOOB_ERR_UNKNOWN_NODE,
            f,
        );
        assert_eq!(count, 3);
        assert_eq!(function(g, 0, &mut ids, &mut count), NOOB_OK);
        assert_eq!(std::slice::from_raw_parts(ids, count), expected_for_a);
        assert_eq!(function(g, 3, &mut ids, &mut count), NOOB_OK);
        assert_eq!(std::slice::from_raw_parts(ids, count), expected_for_d);
        noob_graph_free(g);
    }
}

fn graph_successors() {
    check_adjacency(noob_graph_successors, "noob_graph_successors", &[1, 2], &[]);
}

fn graph_predecessors() {
    check_adjacency(
        noob_graph_predecessors,
        "noob_graph_predecessors",
        &[],
        &[1, 2],
    );
}

fn graph_topological_order() {
    let g = diamond();
    let mut ids: *const u32 = null();
    let mut count = 0usize;
    // SAFETY: NULL or live pointers; views read within their count.
    unsafe {
        let f = "noob_graph_topological_order";
        assert_fails(
            noob_graph_topological_order(null(), &mut ids, &mut count),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_graph_topological_order(g, null_mut(), &mut count),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_graph_topological_order(g, &mut ids, null_mut()),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_eq!(
            noob_graph_topological_order(g, &mut ids, &mut count),
            NOOB_OK
        );
        assert_eq!(std::slice::from_raw_parts(ids, count), &[0, 1, 2, 3]);
        noob_graph_free(g);
    }
}

fn graph_generations() {
    let g = diamond();
    let mut starts: *const u32 = null();
    let mut count = 0usize;
    // SAFETY: NULL or live pointers; views read within their count.
    unsafe {
        let f = "noob_graph_generations";
        assert_fails(
            noob_graph_generations(null(), &mut starts, &mut count),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_graph_generations(g, null_mut(), &mut count),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_graph_generations(g, &mut starts, null_mut()),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_eq!(noob_graph_generations(g, &mut starts, &mut count), NOOB_OK);
        assert_eq!(std::slice::from_raw_parts(starts, count + 1), &[0, 1, 3, 4]);
        noob_graph_free(g);
    }
}

unsafe extern "C" fn count_calls(user_data: *mut c_void, _node: u32) -> u32 {
    // SAFETY: the tests pass a live AtomicUsize.
    let calls = unsafe { &*(user_data as *const std::sync::atomic::AtomicUsize) };
    calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    0
}

unsafe extern "C" fn fail_node_1(_user_data: *mut c_void, node: u32) -> u32 {
    if node == 1 {
        999
    } else {
        0
    }
}

fn empty_summary() -> noob_run_summary {
    noob_run_summary {
        ran: 0,
        failed: 0,
        skipped: 0,
        workers: 0,
        first_failed_node: 0,
        first_failed_code: 0,
    }
}

fn graph_run() {
    let g = diamond();
    let calls = std::sync::atomic::AtomicUsize::new(0);
    let data = &calls as *const _ as *mut c_void;
    let mut status = [0u8; 4];
    let mut summary = empty_summary();
    // SAFETY: NULL or live pointers; the callbacks match their user data.
    unsafe {
        let f = "noob_graph_run";
        let st = status.as_mut_ptr();
        assert_fails(
            noob_graph_run(null(), 1, 0, Some(count_calls), data, st, 4, &mut summary),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_graph_run(g, 1, 0, None, data, st, 4, &mut summary),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_graph_run(g, 1, 2, Some(count_calls), data, st, 4, &mut summary),
            NOOB_ERR_INVALID_ARGUMENT,
            f,
        );
        assert_fails(
            noob_graph_run(g, 5000, 0, Some(count_calls), data, st, 4, &mut summary),
            NOOB_ERR_INVALID_ARGUMENT,
            f,
        );
        assert_fails(
            noob_graph_run(g, 1, 0, Some(count_calls), data, st, 3, &mut summary),
            NOOB_ERR_BUFFER_TOO_SMALL,
            f,
        );
        assert_eq!(
            calls.load(std::sync::atomic::Ordering::SeqCst),
            0,
            "refused runs call nothing"
        );
        assert_eq!((status, summary.workers), ([0; 4], 0), "outputs untouched");
        // Outputs are optional.
        assert_eq!(
            noob_graph_run(g, 2, 0, Some(count_calls), data, null_mut(), 0, null_mut()),
            NOOB_OK
        );
        assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 4);
        assert_eq!(
            noob_graph_run(g, 2, 0, Some(count_calls), data, st, 4, &mut summary),
            NOOB_OK
        );
        assert_eq!(status, [NOOB_NODE_RAN; 4]);
        assert_eq!(
            (summary.ran, summary.failed, summary.first_failed_node),
            (4, 0, u32::MAX)
        );
        // A failing callback: its dependents are skipped, the report is written.
        assert_fails(
            noob_graph_run(g, 2, 0, Some(fail_node_1), null_mut(), st, 4, &mut summary),
            NOOB_ERR_CALLBACK_FAILED,
            f,
        );
        assert!(super::common::last_error().contains(r#"node 1 ("b") returned 999"#));
        assert_eq!(
            status,
            [
                NOOB_NODE_RAN,
                NOOB_NODE_FAILED,
                NOOB_NODE_RAN,
                NOOB_NODE_SKIPPED
            ]
        );
        assert_eq!(
            (
                summary.ran,
                summary.failed,
                summary.skipped,
                summary.first_failed_node,
                summary.first_failed_code
            ),
            (2, 1, 1, 1, 999)
        );
        // Flags: stop on failure (one worker: deterministic).
        assert_fails(
            noob_graph_run(
                g,
                1,
                NOOB_RUN_STOP_ON_FAILURE,
                Some(fail_node_1),
                null_mut(),
                st,
                4,
                &mut summary,
            ),
            NOOB_ERR_CALLBACK_FAILED,
            f,
        );
        assert_eq!(summary.failed, 1);
        noob_graph_free(g);
        // The empty graph runs nothing and succeeds.
        let empty = graph("");
        assert_eq!(
            noob_graph_run(
                empty,
                0,
                0,
                Some(fail_node_1),
                null_mut(),
                null_mut(),
                0,
                &mut summary
            ),
            NOOB_OK
        );
        assert_eq!(summary.ran, 0);
        noob_graph_free(empty);
    }
}

fn scheduler_new() {
    let mut s = null_mut();
    let g = diamond();
    // SAFETY: NULL or live pointers.
    unsafe {
        assert_fails(
            noob_scheduler_new(null(), &mut s),
            NOOB_ERR_NULL_POINTER,
            "noob_scheduler_new",
        );
        assert_fails(
            noob_scheduler_new(g, null_mut()),
            NOOB_ERR_NULL_POINTER,
            "noob_scheduler_new",
        );
        assert!(s.is_null());
        noob_graph_free(g);
    }
}

fn scheduler_reset() {
    let g = diamond();
    let s = scheduler(g);
    // SAFETY: NULL or live handles.
    unsafe {
        assert_fails(
            noob_scheduler_reset(null_mut()),
            NOOB_ERR_NULL_POINTER,
            "noob_scheduler_reset",
        );
        assert_eq!(get_ready(s, 5), [0]);
        assert_eq!(
            noob_scheduler_mark_done(s, 0, null_mut(), 0, null_mut()),
            NOOB_OK
        );
        assert_eq!(noob_scheduler_reset(s), NOOB_OK);
        assert_eq!(counts(s), (4, 1, 0, 0));
        assert_eq!(get_ready(s, 5), [0]);
        noob_scheduler_free(s);
        noob_graph_free(g);
    }
}

fn scheduler_get_ready() {
    let g = graph("a\0x\0b\0x\0c\0x");
    let s = scheduler(g);
    let mut ids = [7u32; 3];
    let mut count = 11usize;
    // SAFETY: NULL or live pointers; arrays have the stated capacity.
    unsafe {
        let f = "noob_scheduler_get_ready";
        assert_fails(
            noob_scheduler_get_ready(null_mut(), 9, ids.as_mut_ptr(), 3, &mut count),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_scheduler_get_ready(s, 9, null_mut(), 3, &mut count),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_scheduler_get_ready(s, 9, ids.as_mut_ptr(), 3, null_mut()),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_eq!(count, 11);
        assert_fails(
            noob_scheduler_get_ready(s, 9, ids.as_mut_ptr(), 2, &mut count),
            NOOB_ERR_BUFFER_TOO_SMALL,
            f,
        );
        assert_eq!(count, 3, "the size needed");
        assert_eq!(ids, [7; 3]);
        assert_eq!(
            counts(s),
            (4, 3, 0, 0),
            "nothing handed out by a refused call"
        );
        // max limits the batch; max 0 hands out nothing.
        assert_eq!(
            noob_scheduler_get_ready(s, 0, null_mut(), 0, &mut count),
            NOOB_OK
        );
        assert_eq!(count, 0);
        assert_eq!(
            noob_scheduler_get_ready(s, 2, ids.as_mut_ptr(), 2, &mut count),
            NOOB_OK
        );
        assert_eq!((count, &ids[..2]), (2, &[0, 2][..]));
        assert_eq!(get_ready(s, usize::MAX), [3]);
        noob_scheduler_free(s);
        noob_graph_free(g);
    }
}

fn scheduler_mark_done() {
    let g = diamond();
    let s = scheduler(g);
    let mut newly = [5u32; 2];
    let mut count = 8usize;
    // SAFETY: NULL or live pointers; arrays have the stated capacity.
    unsafe {
        let f = "noob_scheduler_mark_done";
        let out = newly.as_mut_ptr();
        assert_fails(
            noob_scheduler_mark_done(null_mut(), 0, out, 2, &mut count),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_scheduler_mark_done(s, 0, null_mut(), 2, &mut count),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_scheduler_mark_done(s, 9, out, 2, &mut count),
            NOOB_ERR_UNKNOWN_NODE,
            f,
        );
        assert_fails(
            noob_scheduler_mark_done(s, 0, out, 2, &mut count),
            NOOB_ERR_NOT_HANDED_OUT,
            f,
        );
        assert!(
            super::common::last_error().contains(r#"node 0 ("a")"#),
            "{}",
            super::common::last_error()
        );
        assert_fails(
            noob_scheduler_mark_done(s, 3, out, 2, &mut count),
            NOOB_ERR_NOT_HANDED_OUT,
            f,
        );
        assert_eq!((newly, count), ([5; 2], 8));
        assert_eq!(get_ready(s, 1), [0]);
        assert_fails(
            noob_scheduler_mark_done(s, 0, out, 1, &mut count),
            NOOB_ERR_BUFFER_TOO_SMALL,
            f,
        );
        assert_eq!(count, 2, "the size needed");
        assert_eq!(counts(s), (4, 0, 1, 0), "a refused call changes nothing");
        assert_eq!(noob_scheduler_mark_done(s, 0, out, 2, &mut count), NOOB_OK);
        assert_eq!((count, newly), (2, [1, 2]));
        assert_fails(
            noob_scheduler_mark_done(s, 0, out, 2, &mut count),
            NOOB_ERR_ALREADY_DONE,
            f,
        );
        noob_scheduler_free(s);
        noob_graph_free(g);
    }
}

fn scheduler_mark_done_many() {
    let g = diamond();
    let s = scheduler(g);
    let mut newly = [5u32; 4];
    let mut count = 8usize;
    // SAFETY: NULL or live pointers; arrays have the stated lengths.
    unsafe {
        let f = "noob_scheduler_mark_done_many";
        let out = newly.as_mut_ptr();
        assert_eq!(get_ready(s, 1), [0]);
        noob_scheduler_mark_done(s, 0, null_mut(), 0, null_mut());
        assert_eq!(get_ready(s, 9), [1, 2]);
        let both = [1u32, 2];
        assert_fails(
            noob_scheduler_mark_done_many(null_mut(), both.as_ptr(), 2, out, 4, &mut count),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_scheduler_mark_done_many(s, null(), 2, out, 4, &mut count),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_scheduler_mark_done_many(s, both.as_ptr(), usize::MAX, out, 4, &mut count),
            NOOB_ERR_INVALID_ARGUMENT,
            f,
        );
        let twice = [1u32, 1];
        assert_fails(
            noob_scheduler_mark_done_many(s, twice.as_ptr(), 2, out, 4, &mut count),
            NOOB_ERR_ALREADY_DONE,
            f,
        );
        let unknown = [1u32, 2, 40];
        assert_fails(
            noob_scheduler_mark_done_many(s, unknown.as_ptr(), 3, out, 4, &mut count),
            NOOB_ERR_UNKNOWN_NODE,
            f,
        );
        let waiting = [1u32, 3];
        assert_fails(
            noob_scheduler_mark_done_many(s, waiting.as_ptr(), 2, out, 4, &mut count),
            NOOB_ERR_NOT_HANDED_OUT,
            f,
        );
        assert_fails(
            noob_scheduler_mark_done_many(s, both.as_ptr(), 2, out, 0, &mut count),
            NOOB_ERR_BUFFER_TOO_SMALL,
            f,
        );
        assert_eq!(count, 1);
        assert_eq!(newly, [5; 4]);
        assert_eq!(counts(s), (4, 0, 2, 1), "refused batches change nothing");
        assert_eq!(
            noob_scheduler_mark_done_many(s, null(), 0, out, 4, &mut count),
            NOOB_OK
        );
        assert_eq!(count, 0);
        assert_eq!(
            noob_scheduler_mark_done_many(s, both.as_ptr(), 2, out, 4, &mut count),
            NOOB_OK
        );
        assert_eq!((count, newly[0]), (1, 3));
        noob_scheduler_free(s);
        noob_graph_free(g);
    }
}

fn scheduler_finish() {
    let g = diamond();
    let s = scheduler(g);
    // SAFETY: NULL or live handles.
    unsafe {
        let f = "noob_scheduler_finish";
        assert_fails(
            noob_scheduler_finish(null_mut(), 0),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(noob_scheduler_finish(s, 4), NOOB_ERR_UNKNOWN_NODE, f);
        assert_fails(noob_scheduler_finish(s, 0), NOOB_ERR_NOT_HANDED_OUT, f);
        assert_eq!(counts(s), (4, 1, 0, 0), "a refused call changes nothing");
        assert_eq!(get_ready(s, 1), [0]);
        assert_eq!(noob_scheduler_finish(s, 0), NOOB_OK);
        assert_fails(noob_scheduler_finish(s, 0), NOOB_ERR_ALREADY_DONE, f);
        assert_eq!(counts(s), (4, 2, 0, 1));
        noob_scheduler_free(s);
        noob_graph_free(g);
    }
}

fn scheduler_get_view() {
    let g = diamond();
    let s = scheduler(g);
    let sentinel = 0x1 as *const noob_scheduler_view;
    let mut view = sentinel;
    // SAFETY: NULL or live pointers; the view is read between calls, on this thread.
    unsafe {
        let f = "noob_scheduler_get_view";
        assert_fails(
            noob_scheduler_get_view(null(), &mut view),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_scheduler_get_view(s, null_mut()),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_eq!(view, sentinel);
        assert_eq!(noob_scheduler_get_view(s, &mut view), NOOB_OK);
        // Read the view by value between calls: the library updates it in place.
        let snap = || view.read();
        let v = snap();
        assert_eq!(
            (v.node_count, v.handed_out_end, v.queued_end, v.done),
            (4, 0, 1, 0)
        );
        assert_eq!(get_ready(s, 9), [0]);
        assert_eq!((snap().handed_out_end, snap().queued_end), (1, 1));
        let before = snap().queued_end;
        assert_eq!(noob_scheduler_finish(s, 0), NOOB_OK);
        let v = snap();
        let newly = std::slice::from_raw_parts(v.queue.add(before), v.queued_end - before);
        assert_eq!(newly, &[1, 2], "the newly ready, read from the view");
        assert_eq!(v.done, 1);
        assert_fails(
            noob_scheduler_finish(s, 0),
            NOOB_ERR_ALREADY_DONE,
            "noob_scheduler_finish",
        );
        assert_eq!(
            (snap().queued_end, snap().done),
            (3, 1),
            "unchanged by a refused call"
        );
        assert_eq!(noob_scheduler_reset(s), NOOB_OK);
        let v = snap();
        assert_eq!(
            (v.handed_out_end, v.queued_end, v.done),
            (0, 1, 0),
            "reset updates it"
        );
        noob_scheduler_free(s);
        noob_graph_free(g);
    }
}

fn scheduler_is_done() {
    let g = graph("");
    let s = scheduler(g);
    let mut done = false;
    // SAFETY: NULL or live pointers.
    unsafe {
        let f = "noob_scheduler_is_done";
        assert_fails(
            noob_scheduler_is_done(null(), &mut done),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_scheduler_is_done(s, null_mut()),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert!(!done);
        assert_eq!(noob_scheduler_is_done(s, &mut done), NOOB_OK);
        assert!(done, "the empty graph is done at once");
        noob_scheduler_free(s);
        noob_graph_free(g);
    }
}

fn scheduler_get_counts() {
    let g = diamond();
    let s = scheduler(g);
    // SAFETY: NULL or live pointers.
    unsafe {
        let f = "noob_scheduler_get_counts";
        let mut c = noob_scheduler_counts {
            node_count: 1,
            ready: 2,
            handed_out: 3,
            done: 4,
        };
        assert_fails(
            noob_scheduler_get_counts(null(), &mut c),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_fails(
            noob_scheduler_get_counts(s, null_mut()),
            NOOB_ERR_NULL_POINTER,
            f,
        );
        assert_eq!((c.node_count, c.ready, c.handed_out, c.done), (1, 2, 3, 4));
        assert_eq!(counts(s), (4, 1, 0, 0));
        noob_scheduler_free(s);
        noob_graph_free(g);
    }
}

fn scheduler_free() {
    // SAFETY: NULL is accepted.
    unsafe { noob_scheduler_free(null_mut()) };
}
