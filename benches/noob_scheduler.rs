//! The noob drop-in core (no FFI): construction of layered graphs (10,000 nodes of depth
//! 100 and 100,000 nodes of depth 1,000, as `workloads.to_noob_core` builds them, plus a
//! variant where every tenth node also feeds a `return` node through an optional edge),
//! `add_epoch` on the 10,000-node graph, and driving one epoch node by node with
//! `get_ready` + `update` (what noob's runners do), reported per graph.
//!
//! `cargo bench --bench noob_scheduler`

#[path = "support/workloads.rs"]
mod support;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use noob_core::noob::intern;
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
    group.bench_function("add_epoch", |b| {
        b.iter(|| black_box(sched.add_epoch().unwrap()));
    });
    let value = intern::lookup_signal("n0_0", "value").unwrap();
    let _ = value;
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

criterion_group!(benches, construction, epochs);
criterion_main!(benches);
