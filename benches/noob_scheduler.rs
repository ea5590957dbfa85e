//! The noob drop-in core (no FFI): construction of layered graphs (10,000 nodes of depth
//! 100 and 100,000 nodes of depth 1,000, as `workloads.to_noob_core` builds them, plus a
//! variant where every tenth node also feeds a `return` node through an optional edge),
//! the per-epoch sorter `add_epoch` creates on the 10,000-node graph, and driving one epoch
//! node by node with `get_ready` + `update` (what noob's runners do), reported per graph.
//!
//! `cargo bench --bench noob_scheduler`

#[path = "support/workloads.rs"]
mod support;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use noob_core::noob::intern;
use noob_core::noob::sorter::Sorter;
use noob_core::noob::{Scheduler, UpdateEvent};
use std::hint::black_box;

type Nodes = Vec<(String, bool, Option<bool>)>;
type Edges = Vec<(String, String, String, String, bool)>;

fn graph(layers: u32, width: u32, with_return: bool) -> (Nodes, Edges) {
    let w = support::layered(layers, width, 42);
    let mut nodes: Nodes = w.names.iter().map(|n| (n.clone(), true, None)).collect();
    let mut edges: Edges = w
        .edge_names()
        .into_iter()
        .map(|(s, t)| {
            (
                s.to_string(),
                "value".into(),
                t.to_string(),
                "x".into(),
                true,
            )
        })
        .collect();
    if with_return {
        for (i, n) in w.names.iter().enumerate().step_by(10) {
            edges.push((
                n.clone(),
                "value".into(),
                "return".into(),
                format!("in{i}"),
                false,
            ));
        }
        nodes.push(("return".into(), true, None));
    }
    (nodes, edges)
}

fn build(nodes: &Nodes, edges: &Edges) -> Scheduler {
    let n: Vec<(&str, bool, Option<bool>)> =
        nodes.iter().map(|(a, e, s)| (a.as_str(), *e, *s)).collect();
    let e: Vec<(&str, &str, &str, &str, bool)> = edges
        .iter()
        .map(|(a, b, c, d, r)| (a.as_str(), b.as_str(), c.as_str(), d.as_str(), *r))
        .collect();
    Scheduler::from_names(&n, &e)
}

fn construction(c: &mut Criterion) {
    let mut group = c.benchmark_group("noob construction");
    group.sample_size(10);
    for (name, layers, width, ret) in [
        ("10000 nodes depth 100", 100, 100, false),
        ("10000 nodes depth 100 + optional return", 100, 100, true),
        ("100000 nodes depth 1000", 1000, 100, false),
    ] {
        let (nodes, edges) = graph(layers, width, ret);
        group.throughput(Throughput::Elements(nodes.len() as u64));
        group.bench_function(name, |b| b.iter(|| black_box(build(&nodes, &edges))));
    }
    group.finish();
}

fn epochs(c: &mut Criterion) {
    let (nodes, edges) = graph(100, 100, true);
    let mut sched = build(&nodes, &edges);
    let mut group = c.benchmark_group("noob epoch, 10000+1 nodes");
    group.sample_size(20);
    // What `add_epoch` copies: the per-epoch arrays of a new sorter (the template is shared).
    let template = sched.template().clone();
    group.bench_function("new epoch sorter (what add_epoch copies)", |b| {
        b.iter(|| black_box(Sorter::new(template.clone())));
    });
    drop(sched.add_epoch());
    group.throughput(Throughput::Elements(nodes.len() as u64));
    group.bench_function("drive one epoch (get_ready + update per node)", |b| {
        b.iter_batched(
            || build(&nodes, &edges),
            |mut s| {
                let epoch = s.add_epoch().unwrap();
                loop {
                    let ready = s.get_ready_at(&epoch);
                    if ready.is_empty() {
                        break;
                    }
                    for (e, node) in ready {
                        let name = intern::node_name(node).unwrap();
                        let signal = intern::lookup_signal(&name, "value");
                        s.update(vec![UpdateEvent {
                            epoch: e,
                            node,
                            signal,
                            no_event: false,
                            exhausted: false,
                        }])
                        .unwrap();
                    }
                }
                black_box(s)
            },
            BatchSize::PerIteration,
        );
    });
    group.finish();
}

/// The same drive through the C ABI, with the word encodings a Python wrapper uses: one
/// `get_ready` call per batch, one `update` call per node.
fn epochs_c_abi(c: &mut Criterion) {
    use noob_core::ffi::noob::*;
    use noob_core::ffi::result::noob_result::NOOB_OK;
    use std::ptr::{null, null_mut};
    let (nodes, edges) = graph(100, 100, true);
    let node_text: String = nodes.iter().map(|(n, _, _)| n.as_str()).collect();
    let node_lens: Vec<usize> = nodes.iter().map(|(n, _, _)| n.len()).collect();
    let flags = vec![NOOB_NODE_ENABLED; nodes.len()];
    let mut edge_text = String::new();
    let mut edge_lens = Vec::new();
    for (a, b, c, d, _) in &edges {
        for name in [a, b, c, d] {
            edge_text.push_str(name);
            edge_lens.push(name.len());
        }
    }
    let required: Vec<u8> = edges.iter().map(|e| u8::from(e.4)).collect();
    let mut group = c.benchmark_group("noob epoch through the C ABI, 10000+1 nodes");
    group.sample_size(20);
    group.throughput(Throughput::Elements(nodes.len() as u64));
    group.bench_function("drive one epoch (get_ready + update per node)", |b| {
        b.iter_batched(
            || {
                let mut s = null_mut();
                // SAFETY: valid texts, arrays and out pointer.
                let r = unsafe {
                    noob_epoch_scheduler_new(
                        node_text.as_ptr().cast(),
                        node_text.len(),
                        node_lens.as_ptr(),
                        flags.as_ptr(),
                        flags.len(),
                        edge_text.as_ptr().cast(),
                        edge_text.len(),
                        edge_lens.as_ptr(),
                        required.as_ptr(),
                        required.len(),
                        &mut s,
                    )
                };
                assert_eq!(r, NOOB_OK);
                s
            },
            |s| {
                let mut root = 0;
                let mut view = noob_words {
                    words: null(),
                    len: 0,
                };
                let mut events: Vec<u32> = Vec::with_capacity(5);
                // SAFETY: a live scheduler; views are read before the next call.
                unsafe {
                    assert_eq!(noob_epoch_scheduler_add_epoch(s, &mut root), NOOB_OK);
                    loop {
                        let r =
                            noob_epoch_scheduler_get_ready(s, false, root, null(), 0, &mut view);
                        assert_eq!(r, NOOB_OK);
                        if view.len == 0 {
                            break;
                        }
                        let words = std::slice::from_raw_parts(view.words, view.len).to_vec();
                        let mut at = 0;
                        while at < words.len() {
                            let (depth, epoch_root) = (words[at], words[at + 1]);
                            let count = words[at + 2 + 2 * depth as usize] as usize;
                            let ids = at + 3 + 2 * depth as usize;
                            for &node in &words[ids..ids + count] {
                                let name = intern::node_name(node).unwrap();
                                let signal =
                                    intern::lookup_signal(&name, "value").unwrap_or(NOOB_NO_ITEM);
                                events.clear();
                                events.extend([0, node, signal, 0, epoch_root]);
                                let r = noob_epoch_scheduler_update(
                                    s,
                                    events.as_ptr(),
                                    events.len(),
                                    &mut view,
                                );
                                assert_eq!(r, NOOB_OK);
                            }
                            at = ids + count;
                        }
                    }
                    noob_epoch_scheduler_free(s);
                }
            },
            BatchSize::PerIteration,
        );
    });
    group.finish();
}

criterion_group!(benches, construction, epochs, epochs_c_abi);
criterion_main!(benches);
