//! The scheduler's C ABI on the shared workloads: the three ways to build give the
//! same graph as the Rust API, views match, drives through the ABI produce the
//! documented orders, and parallel runs report failures and skips.

#[path = "../benches/support/workloads.rs"]
mod workloads;

use noob_core::ffi::result::noob_result;
use noob_core::ffi::scheduler::*;
use noob_core::scheduler::{Graph, GraphBuilder, NodeId};
use std::collections::HashMap;
use std::ffi::c_void;
use std::ptr::{null, null_mut};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;
use workloads::{chain, diamond_lattice, layered, wide, Workload};

fn ok(code: noob_result) {
    assert_eq!(code, noob_result::NOOB_OK, "{code:?}");
}

fn rust_graph(w: &Workload) -> Graph {
    let mut b = GraphBuilder::new();
    for name in &w.names {
        b.add_node(name).unwrap();
    }
    for &(s, t) in &w.edges {
        b.add_edge(s, t).unwrap();
    }
    b.build().unwrap()
}

/// Builds through the ABI in one of three ways.
fn abi_graph(w: &Workload, how: &str) -> *mut noob_graph {
    let (mut b, mut g) = (null_mut(), null_mut());
    // SAFETY: valid out pointers; buffers live for each call.
    unsafe {
        ok(noob_graph_builder_new(&mut b));
        match how {
            "ids" => {
                let text = w.names.join("\0");
                let mut ids = vec![0u32; w.names.len()];
                let mut count = 0;
                ok(noob_graph_builder_add_nodes(
                    b,
                    text.as_ptr().cast(),
                    text.len(),
                    ids.as_mut_ptr(),
                    ids.len(),
                    &mut count,
                ));
                assert_eq!(count, w.names.len());
                assert!(ids.iter().enumerate().all(|(i, &id)| id as usize == i));
                let pairs: Vec<u32> = w.edges.iter().flat_map(|&(s, t)| [s, t]).collect();
                ok(noob_graph_builder_add_edges(
                    b,
                    pairs.as_ptr(),
                    w.edges.len(),
                ));
            }
            "dependencies" => {
                // Declared in name order, so ids match the workload's indices.
                let mut deps: Vec<Vec<&str>> = vec![Vec::new(); w.names.len()];
                for &(s, t) in &w.edges {
                    deps[t as usize].push(&w.names[s as usize]);
                }
                let mut text = String::new();
                for (node, ds) in w.names.iter().zip(&deps) {
                    for name in std::iter::once(node.as_str()).chain(ds.iter().copied()) {
                        text.push_str(name);
                        text.push('\0');
                    }
                }
                let counts: Vec<u32> = deps.iter().map(|d| d.len() as u32).collect();
                ok(noob_graph_builder_add_dependencies(
                    b,
                    text.as_ptr().cast(),
                    text.len(),
                    counts.as_ptr(),
                    counts.len(),
                ));
            }
            _ => {
                let text: String = w
                    .edge_names()
                    .iter()
                    .flat_map(|(s, t)| [*s, "\0", *t, "\0"])
                    .collect();
                ok(noob_graph_builder_add_edges_text(
                    b,
                    text.as_ptr().cast(),
                    text.len(),
                ));
            }
        }
        ok(noob_graph_builder_build(b, &mut g));
        noob_graph_builder_free(b);
    }
    g
}

/// All names of an ABI graph, in id order, from the one-call view.
fn abi_names(g: *const noob_graph) -> Vec<String> {
    let (mut text, mut len) = (null(), 0);
    // SAFETY: live graph; the view is read within its length.
    unsafe {
        ok(noob_graph_names(g, &mut text, &mut len));
        let bytes = std::slice::from_raw_parts(text.cast::<u8>(), len);
        let mut names: Vec<String> = std::str::from_utf8(bytes)
            .unwrap()
            .split('\0')
            .map(String::from)
            .collect();
        assert_eq!(names.pop().as_deref(), Some(""), "every name ends with NUL");
        names
    }
}

fn view(
    f: unsafe extern "C" fn(*const noob_graph, u32, *mut *const u32, *mut usize) -> noob_result,
    g: *const noob_graph,
    id: u32,
) -> Vec<u32> {
    let (mut ptr, mut len) = (null(), 0);
    // SAFETY: live graph; the view is read within its length.
    unsafe {
        ok(f(g, id, &mut ptr, &mut len));
        std::slice::from_raw_parts(ptr, len).to_vec()
    }
}

fn workloads() -> Vec<Workload> {
    vec![
        layered(10, 10, 42),
        layered(30, 50, 3),
        wide(200),
        chain(300),
        diamond_lattice(15),
    ]
}

#[test]
fn every_way_of_building_gives_the_rust_graph() {
    for w in workloads() {
        let expected = rust_graph(&w);
        for how in ["ids", "dependencies", "edges_text"] {
            let g = abi_graph(&w, how);
            let names = abi_names(g);
            // Compare through names: edges_text numbers nodes by first mention.
            let id_of: HashMap<&str, u32> = names
                .iter()
                .enumerate()
                .map(|(i, n)| (n.as_str(), i as u32))
                .collect();
            let connected = (0..expected.node_count() as NodeId).filter(|&v| {
                !(expected.successors(v).is_empty() && expected.predecessors(v).is_empty())
            });
            for v in connected {
                let name = expected.node_name(v).unwrap();
                let id = id_of[name];
                let mut theirs: Vec<&str> = view(noob_graph_successors, g, id)
                    .iter()
                    .map(|&s| names[s as usize].as_str())
                    .collect();
                let mut ours: Vec<&str> = expected
                    .successors(v)
                    .iter()
                    .map(|&s| expected.node_name(s).unwrap())
                    .collect();
                theirs.sort();
                ours.sort();
                assert_eq!(theirs, ours, "{how}: successors of {name}");
                let preds = view(noob_graph_predecessors, g, id);
                assert_eq!(preds.len(), expected.predecessors(v).len());
            }
            let mut info = noob_graph_info {
                node_count: 0,
                edge_count: 0,
                repeated_edges: 0,
                generation_count: 0,
                heap_bytes: 0,
            };
            // SAFETY: live graph, valid out pointer; freed once.
            unsafe {
                ok(noob_graph_get_info(g, &mut info));
                assert_eq!(info.edge_count, expected.edge_count());
                assert_eq!(info.generation_count, expected.generation_count());
                noob_graph_free(g);
            }
        }
    }
}

#[test]
fn abi_drives_follow_the_documented_order() {
    for w in workloads() {
        let g = abi_graph(&w, "ids");
        let n = w.names.len();
        let (mut order, mut order_len, mut starts, mut gens) = (null(), 0, null(), 0);
        // SAFETY: live graph; views read within their lengths.
        let (order, starts) = unsafe {
            ok(noob_graph_topological_order(g, &mut order, &mut order_len));
            ok(noob_graph_generations(g, &mut starts, &mut gens));
            (
                std::slice::from_raw_parts(order, order_len).to_vec(),
                std::slice::from_raw_parts(starts, gens + 1).to_vec(),
            )
        };
        assert_eq!(order_len, n);
        assert_eq!((starts[0], starts[gens]), (0, n as u32));
        let mut s = null_mut();
        let mut ready = vec![0u32; n];
        let mut newly = vec![0u32; n];
        let mut count = 0;
        // SAFETY: live handles; arrays of n ids.
        unsafe {
            ok(noob_scheduler_new(g, &mut s));
            // Batches: each batch is one generation, in the graph's order.
            let mut batches = Vec::new();
            let mut done = false;
            while !done {
                ok(noob_scheduler_get_ready(
                    s,
                    usize::MAX,
                    ready.as_mut_ptr(),
                    n,
                    &mut count,
                ));
                batches.push(ready[..count].to_vec());
                ok(noob_scheduler_mark_done_many(
                    s,
                    ready.as_ptr(),
                    count,
                    null_mut(),
                    0,
                    null_mut(),
                ));
                ok(noob_scheduler_is_done(s, &mut done));
            }
            let generations: Vec<Vec<u32>> = starts
                .windows(2)
                .map(|r| order[r[0] as usize..r[1] as usize].to_vec())
                .collect();
            assert_eq!(batches, generations);
            // One at a time, in batches of 3: the newly ready are appended to the queue.
            ok(noob_scheduler_reset(s));
            let mut queue_log = Vec::new();
            let mut expected_queue: Vec<u32> = Vec::new();
            ok(noob_scheduler_get_ready(s, 0, null_mut(), 0, &mut count));
            let mut handed = 0;
            loop {
                ok(noob_scheduler_get_ready(
                    s,
                    3,
                    ready.as_mut_ptr(),
                    n,
                    &mut count,
                ));
                if count == 0 {
                    break;
                }
                if expected_queue.is_empty() {
                    expected_queue.extend_from_slice(&generations[0]);
                }
                assert_eq!(&ready[..count], &expected_queue[handed..handed + count]);
                handed += count;
                for &id in &ready[..count].to_vec() {
                    let mut k = 0;
                    ok(noob_scheduler_mark_done(
                        s,
                        id,
                        newly.as_mut_ptr(),
                        n,
                        &mut k,
                    ));
                    expected_queue.extend_from_slice(&newly[..k]);
                    queue_log.push(id);
                }
            }
            assert_eq!(queue_log.len(), n);
            assert_eq!(expected_queue, queue_log);
            // The two-argument call plus the live view give the same drive.
            ok(noob_scheduler_reset(s));
            let mut view = null();
            ok(noob_scheduler_get_view(s, &mut view));
            // Read the view by value between calls: the library updates it in place.
            let snap = || view.read();
            let mut finished = Vec::new();
            while snap().done < snap().node_count {
                ok(noob_scheduler_get_ready(
                    s,
                    usize::MAX,
                    ready.as_mut_ptr(),
                    n,
                    &mut count,
                ));
                assert_eq!(snap().handed_out_end, snap().queued_end);
                for &id in &ready[..count].to_vec() {
                    let before = snap().queued_end;
                    ok(noob_scheduler_finish(s, id));
                    let v = snap();
                    let newly =
                        std::slice::from_raw_parts(v.queue.add(before), v.queued_end - before);
                    assert!(
                        newly.windows(2).all(|w| w[0] < w[1]),
                        "released in id order"
                    );
                    finished.push(id);
                }
            }
            assert_eq!(std::slice::from_raw_parts(snap().queue, n), &order[..]);
            assert_eq!(finished, order);
            noob_scheduler_free(s);
            noob_graph_free(g);
        }
    }
}

struct Recorder {
    fail: u32,
    calls: AtomicU32,
    seen: Mutex<Vec<u32>>,
}

unsafe extern "C" fn record(user_data: *mut c_void, node: u32) -> u32 {
    // SAFETY: the test passes a live Recorder.
    let r = unsafe { &*(user_data as *const Recorder) };
    r.calls.fetch_add(1, Ordering::SeqCst);
    r.seen.lock().unwrap().push(node);
    if node == r.fail {
        noob_result::NOOB_ERR_CALLBACK_FAILED as u32
    } else {
        0
    }
}

#[test]
fn abi_parallel_runs_skip_exactly_the_dependents_of_a_failure() {
    let w = layered(40, 30, 9);
    let expected = rust_graph(&w);
    let g = abi_graph(&w, "ids");
    let n = w.names.len();
    let fail = 5 * 30 + 7; // a node in layer 5
                           // Every descendant of `fail` is skipped; everything else runs.
    let mut descendant = vec![false; n];
    let mut stack = vec![fail];
    while let Some(v) = stack.pop() {
        for &s in expected.successors(v) {
            if !descendant[s as usize] {
                descendant[s as usize] = true;
                stack.push(s);
            }
        }
    }
    let skipped = descendant.iter().filter(|&&d| d).count();
    for workers in [1u32, 2, 3] {
        let r = Recorder {
            fail,
            calls: AtomicU32::new(0),
            seen: Mutex::new(Vec::new()),
        };
        let mut status = vec![0u8; n];
        let mut summary = noob_run_summary {
            ran: 0,
            failed: 0,
            skipped: 0,
            workers: 0,
            first_failed_node: 0,
            first_failed_code: 0,
        };
        // SAFETY: live graph; the recorder outlives the run; arrays of n bytes.
        let code = unsafe {
            noob_graph_run(
                g,
                workers,
                0,
                Some(record),
                &r as *const Recorder as *mut c_void,
                status.as_mut_ptr(),
                n,
                &mut summary,
            )
        };
        assert_eq!(code, noob_result::NOOB_ERR_CALLBACK_FAILED);
        assert_eq!(summary.workers, workers);
        assert_eq!(
            (summary.failed, summary.skipped, summary.ran),
            (1, skipped, n - 1 - skipped)
        );
        assert_eq!(
            (summary.first_failed_node, summary.first_failed_code),
            (fail, 15)
        );
        for v in 0..n {
            let want = if v == fail as usize {
                NOOB_NODE_FAILED
            } else if descendant[v] {
                NOOB_NODE_SKIPPED
            } else {
                NOOB_NODE_RAN
            };
            assert_eq!(status[v], want, "node {v}");
        }
        // Each called node once, after its predecessors.
        let seen = r.seen.into_inner().unwrap();
        assert_eq!(seen.len(), n - skipped);
        let mut position = vec![usize::MAX; n];
        for (i, &v) in seen.iter().enumerate() {
            assert_eq!(position[v as usize], usize::MAX);
            position[v as usize] = i;
        }
        for &v in &seen {
            for &p in expected.predecessors(v) {
                assert!(position[p as usize] < position[v as usize]);
            }
        }
    }
    // SAFETY: made above, freed once.
    unsafe { noob_graph_free(g) };
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

/// A graph handle that may be used from several threads (the handle is documented
/// as shareable for read-only calls and runs).
#[derive(Clone, Copy)]
struct SharedGraph(*const noob_graph);
// SAFETY: noob_graph is immutable and documented as safe to run from several threads.
unsafe impl Send for SharedGraph {}
// SAFETY: as above.
unsafe impl Sync for SharedGraph {}

/// What the nesting callback needs: the inner graph, its node count, calls made.
struct Nest {
    inner: SharedGraph,
    inner_nodes: usize,
    inner_calls: AtomicU32,
    depth: u32,
}

unsafe extern "C" fn count_call(user_data: *mut c_void, _node: u32) -> u32 {
    // SAFETY: the tests pass a live AtomicU32.
    unsafe { &*(user_data as *const AtomicU32) }.fetch_add(1, Ordering::SeqCst);
    0
}

/// Runs the inner graph with 2 workers from inside a callback (twice nested when
/// `depth` is 2); fails the node if the nested run did not run every inner node.
unsafe extern "C" fn run_nested(user_data: *mut c_void, _node: u32) -> u32 {
    // SAFETY: the test passes a live Nest.
    let nest = unsafe { &*(user_data as *const Nest) };
    let mut summary = empty_summary();
    let (callback, data): (noob_node_callback, *mut c_void) = if nest.depth > 1 {
        let deeper = Box::new(Nest {
            inner: nest.inner,
            inner_nodes: nest.inner_nodes,
            inner_calls: AtomicU32::new(0),
            depth: nest.depth - 1,
        });
        (Some(run_nested), Box::into_raw(deeper).cast())
    } else {
        (
            Some(count_call),
            (&nest.inner_calls as *const AtomicU32).cast_mut().cast(),
        )
    };
    // SAFETY: live graph; `data` is live for the call.
    let code = unsafe {
        noob_graph_run(
            nest.inner.0,
            2,
            0,
            callback,
            data,
            null_mut(),
            0,
            &mut summary,
        )
    };
    if nest.depth > 1 {
        // SAFETY: made above with Box::into_raw; the run has returned.
        let deeper = unsafe { Box::from_raw(data as *mut Nest) };
        let calls = deeper.inner_calls.load(Ordering::SeqCst) as usize;
        nest.inner_calls.fetch_add(calls as u32, Ordering::SeqCst);
    }
    if code == noob_result::NOOB_OK && summary.ran == nest.inner_nodes && summary.workers == 2 {
        0
    } else {
        99
    }
}

#[test]
fn abi_callbacks_may_run_nested_graphs_without_deadlock() {
    let outer = abi_graph(&wide(6), "ids");
    let inner = abi_graph(&layered(4, 5, 3), "ids");
    for (workers, depth) in [(2u32, 1u32), (3, 1), (2, 2)] {
        let nest = Nest {
            inner: SharedGraph(inner),
            inner_nodes: 20,
            inner_calls: AtomicU32::new(0),
            depth,
        };
        let mut summary = empty_summary();
        // SAFETY: live graph and Nest for the run.
        let code = unsafe {
            noob_graph_run(
                outer,
                workers,
                0,
                Some(run_nested),
                &nest as *const Nest as *mut c_void,
                null_mut(),
                0,
                &mut summary,
            )
        };
        assert_eq!(
            code,
            noob_result::NOOB_OK,
            "workers {workers}, depth {depth}"
        );
        assert_eq!((summary.ran, summary.workers), (8, workers));
        // Each outer node ran the inner graph; at depth 2 each inner node ran it again.
        let expected = 8 * 20usize.pow(depth);
        assert_eq!(nest.inner_calls.load(Ordering::SeqCst) as usize, expected);
    }
    // SAFETY: made above, freed once.
    unsafe {
        noob_graph_free(outer);
        noob_graph_free(inner);
    }
}

#[test]
fn abi_concurrent_and_repeated_runs_of_one_graph() {
    let w = layered(20, 15, 5);
    let n = w.names.len();
    let g = SharedGraph(abi_graph(&w, "ids"));
    let fail = 3 * 15 + 2;
    std::thread::scope(|scope| {
        for t in 0..3u32 {
            scope.spawn(move || {
                let g = g; // the whole wrapper (Send), not its pointer field
                for round in 0..30u32 {
                    let workers = 2 + (t + round) % 3;
                    let failing = round % 3 == 0;
                    let r = Recorder {
                        fail: if failing { fail } else { u32::MAX },
                        calls: AtomicU32::new(0),
                        seen: Mutex::new(Vec::new()),
                    };
                    let mut status = vec![0u8; n];
                    let mut summary = empty_summary();
                    // SAFETY: live graph and recorder; n status bytes.
                    let code = unsafe {
                        noob_graph_run(
                            g.0,
                            workers,
                            0,
                            Some(record),
                            &r as *const Recorder as *mut c_void,
                            status.as_mut_ptr(),
                            n,
                            &mut summary,
                        )
                    };
                    assert_eq!(summary.workers, workers);
                    assert_eq!(summary.ran + summary.failed + summary.skipped, n);
                    assert_eq!(r.calls.load(Ordering::SeqCst) as usize, n - summary.skipped);
                    if failing {
                        assert_eq!(code, noob_result::NOOB_ERR_CALLBACK_FAILED);
                        assert_eq!((summary.failed, summary.first_failed_node), (1, fail));
                    } else {
                        // A clean run after a failing one runs everything.
                        assert_eq!(code, noob_result::NOOB_OK);
                        assert_eq!(summary.ran, n);
                        assert!(status.iter().all(|&s| s == NOOB_NODE_RAN));
                    }
                }
            });
        }
    });
    // SAFETY: made above, freed once.
    unsafe { noob_graph_free(g.0.cast_mut()) };
}
