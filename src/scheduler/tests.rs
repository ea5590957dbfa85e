//! Tests across the scheduler modules: the shared workloads, property tests that
//! every order produced is topological, and the million-node graph.

#[path = "../../benches/support/workloads.rs"]
mod workloads;

use super::*;
use proptest::prelude::*;
use std::collections::HashSet;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::Arc;
use workloads::{chain, diamond_lattice, layered, wide, Workload};

fn build(w: &Workload) -> Graph {
    let mut b = GraphBuilder::new();
    b.reserve(w.names.len(), w.edges.len()).unwrap();
    b.reserve_name_bytes(w.names.iter().map(|n| n.len() + 1).sum())
        .unwrap();
    for name in &w.names {
        b.add_node(name).unwrap();
    }
    for &(s, t) in &w.edges {
        b.add_edge(s, t).unwrap();
    }
    b.build().unwrap()
}

/// `order` lists every node of `graph` once, each after all its predecessors.
fn assert_topological(graph: &Graph, order: &[NodeId]) {
    assert_eq!(order.len(), graph.node_count());
    let mut position = vec![usize::MAX; graph.node_count()];
    for (i, &v) in order.iter().enumerate() {
        assert_eq!(position[v as usize], usize::MAX, "node {v} listed twice");
        position[v as usize] = i;
    }
    for v in 0..graph.node_count() as NodeId {
        for &p in graph.predecessors(v) {
            assert!(
                position[p as usize] < position[v as usize],
                "{p} must precede {v}"
            );
        }
    }
}

/// Each node's generation is one more than its latest predecessor's.
fn assert_generations(graph: &Graph) {
    let mut generation = vec![usize::MAX; graph.node_count()];
    for g in 0..graph.generation_count() {
        for &v in graph.generation(g) {
            generation[v as usize] = g;
        }
    }
    for v in 0..graph.node_count() as NodeId {
        let expected = graph
            .predecessors(v)
            .iter()
            .map(|&p| generation[p as usize] + 1)
            .max()
            .unwrap_or(0);
        assert_eq!(generation[v as usize], expected, "generation of {v}");
    }
}

#[test]
fn workloads_match_the_python_generators() {
    // Counts from `python3 workloads.py` (shared/bench) and baselines.md.
    let cases = [
        (layered(100, 100, 42), 10_000, 19_843, 73),
        (layered(10, 10, 42), 100, 190, 10),
        (layered(10, 100, 42), 1_000, 1_814, 10),
        (wide(10_000), 10_002, 20_000, 3),
        (chain(1_000), 1_000, 999, 1_000),
        (diamond_lattice(32), 1_024, 1_984, 63),
    ];
    for (w, nodes, edges, generations) in cases {
        let g = build(&w);
        assert_eq!(
            (g.node_count(), g.edge_count(), g.generation_count()),
            (nodes, edges, generations)
        );
        assert_eq!(g.repeated_edges(), 0);
        assert_topological(&g, g.topological_order());
        assert_generations(&g);
    }
    let w = layered(100, 100, 42);
    let edges = w.edge_names();
    assert_eq!(
        &edges[..3],
        &[("n0_38", "n1_0"), ("n0_94", "n1_0"), ("n0_10", "n1_1")]
    );
    assert_eq!(
        &edges[edges.len() - 2..],
        &[("n96_16", "n99_99"), ("n96_88", "n99_99")]
    );
    let w = layered(10, 10, 42);
    assert_eq!(
        &w.edge_names()[..3],
        &[("n0_8", "n1_0"), ("n0_4", "n1_0"), ("n0_0", "n1_1")]
    );
}

#[test]
fn name_built_and_id_built_graphs_agree() {
    let w = layered(20, 30, 7);
    let by_id = build(&w);
    let by_name = Graph::from_edges(w.edge_names()).unwrap();
    // Names are added in first-mention order there, so compare through names.
    for v in 0..by_id.node_count() as NodeId {
        let name = by_id.node_name(v).unwrap();
        let Some(u) = by_name.node_id(name) else {
            assert!(by_id.predecessors(v).is_empty() && by_id.successors(v).is_empty());
            continue;
        };
        let mut a: Vec<_> = by_id
            .successors(v)
            .iter()
            .map(|&s| by_id.node_name(s))
            .collect();
        let mut b: Vec<_> = by_name
            .successors(u)
            .iter()
            .map(|&s| by_name.node_name(s))
            .collect();
        a.sort();
        b.sort();
        assert_eq!(a, b);
    }
}

#[test]
fn a_million_nodes_build_and_drive() {
    // Not timed (benches time); about 2 s in a debug build. 1,000 layers of 1,000.
    let w = layered(1_000, 1_000, 42);
    let graph = Arc::new(build(&w));
    drop(w);
    assert_eq!(graph.node_count(), 1_000_000);
    let mut s = Scheduler::new(graph.clone());
    let mut driven = 0usize;
    while !s.is_done() {
        let batch = s.get_all_ready().to_vec();
        assert!(!batch.is_empty(), "stalled after {driven} nodes");
        driven += batch.len();
        s.mark_done_many(&batch, usize::MAX).unwrap();
    }
    assert_eq!(driven, 1_000_000);
    assert_eq!(s.queued(), graph.topological_order());
    let per_node = graph.heap_bytes() as f64 / graph.node_count() as f64;
    eprintln!(
        "1M-node graph: {} edges, {} generations, graph {:.1} B/node ({} B total), run state {:.1} B/node",
        graph.edge_count(),
        graph.generation_count(),
        per_node,
        graph.heap_bytes(),
        s.heap_bytes() as f64 / graph.node_count() as f64
    );
}

/// A random DAG: node `i` gets a random name-order rank; edges go from lower to
/// higher rank, so the id order is not a topological order.
fn arb_dag() -> impl Strategy<Value = (usize, Vec<(u32, u32)>)> {
    (0usize..40).prop_flat_map(|n| {
        let rank = Just((0..n as u32).collect::<Vec<_>>()).prop_shuffle();
        let pairs = proptest::collection::vec((0..n.max(1) as u32, 0..n.max(1) as u32), 0..=n * 3);
        (Just(n), rank, pairs).prop_map(|(n, rank, pairs)| {
            let edges = pairs
                .into_iter()
                .filter(|(a, b)| a != b && (*a as usize) < n && (*b as usize) < n)
                .map(|(a, b)| {
                    if rank[a as usize] < rank[b as usize] {
                        (a, b)
                    } else {
                        (b, a)
                    }
                })
                .collect();
            (n, edges)
        })
    })
}

fn build_ids(n: usize, edges: &[(u32, u32)]) -> Result<Graph, GraphError> {
    let mut b = GraphBuilder::new();
    for i in 0..n {
        b.add_node(&format!("v{i}")).unwrap();
    }
    for &(s, t) in edges {
        b.add_edge(s, t).unwrap();
    }
    b.build()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn every_order_produced_is_topological(
        (n, edges) in arb_dag(),
        choices in proptest::collection::vec(0usize..1000, 0..200),
    ) {
        let graph = Arc::new(build_ids(n, &edges).unwrap());
        let distinct: HashSet<_> = edges.iter().collect();
        prop_assert_eq!(graph.edge_count(), distinct.len());
        assert_topological(&graph, graph.topological_order());
        assert_generations(&graph);

        // Drive with batch sizes and completion orders taken from `choices`.
        let mut s = Scheduler::new(graph.clone());
        let mut choice = choices.into_iter().cycle();
        let mut next = move || choice.next().unwrap_or(0);
        let mut out: Vec<NodeId> = Vec::new();
        let mut completed = Vec::new();
        while !s.is_done() {
            let take = 1 + next() % 4;
            out.extend_from_slice(s.get_ready(take));
            prop_assert!(!out.is_empty(), "nothing handed out and not done");
            let k = 1 + next() % out.len();
            let mut batch = Vec::new();
            for _ in 0..k {
                let i = next() % out.len();
                batch.push(out.swap_remove(i));
            }
            if batch.len() == 1 {
                s.mark_done(batch[0]).unwrap();
            } else {
                s.mark_done_many(&batch, usize::MAX).unwrap();
            }
            completed.extend(batch);
        }
        assert_topological(&graph, &completed);
        assert_topological(&graph, s.queued());

        // And in parallel: every node runs after its predecessors.
        let clock = AtomicUsize::new(1);
        let at: Vec<AtomicUsize> = (0..n).map(|_| AtomicUsize::new(0)).collect();
        let report = run_parallel(&graph, &ParallelOptions { workers: 3, stop_on_failure: false }, |v| {
            for &p in graph.predecessors(v) {
                if at[p as usize].load(Ordering::SeqCst) == 0 {
                    return Err(p);
                }
            }
            at[v as usize].store(clock.fetch_add(1, Ordering::SeqCst), Ordering::SeqCst);
            Ok(())
        });
        prop_assert!(report.all_ran(), "{:?}", report.failures);
    }

    #[test]
    fn a_back_edge_is_reported_as_a_real_cycle(
        (n, edges) in arb_dag(),
        pick in 0usize..1000,
    ) {
        prop_assume!(!edges.is_empty());
        // Reverse the end of some path: pick an edge (a, b); add b -> a.
        let (a, b) = edges[pick % edges.len()];
        let mut with_cycle = edges.clone();
        with_cycle.push((b, a));
        let Err(GraphError::Cycle { nodes, names }) = build_ids(n, &with_cycle) else {
            panic!("cycle not detected");
        };
        prop_assert_eq!(nodes.len(), names.len());
        let set: HashSet<_> = with_cycle.iter().copied().collect();
        for i in 0..nodes.len() {
            let (from, to) = (nodes[i], nodes[(i + 1) % nodes.len()]);
            prop_assert!(set.contains(&(from, to)), "{} -> {} is not an edge", from, to);
        }
        prop_assert_eq!(nodes.iter().min(), Some(&nodes[0]));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 100, ..ProptestConfig::default() })]

    #[test]
    fn failures_skip_exactly_their_descendants(
        (n, edges) in arb_dag(),
        failing in proptest::collection::vec(0u32..40, 0..4),
        workers in 1usize..4,
    ) {
        let graph = build_ids(n, &edges).unwrap();
        let failing: HashSet<u32> = failing.into_iter().filter(|&v| (v as usize) < n).collect();
        let mut doomed = vec![false; n];
        let mut stack: Vec<u32> = failing.iter().copied().collect();
        while let Some(v) = stack.pop() {
            for &s in graph.successors(v) {
                if !doomed[s as usize] {
                    doomed[s as usize] = true;
                    stack.push(s);
                }
            }
        }
        let report = run_parallel(&graph, &ParallelOptions { workers, stop_on_failure: false }, |v| {
            if failing.contains(&v) { Err(v) } else { Ok(()) }
        });
        for v in 0..n as u32 {
            let want = if doomed[v as usize] {
                NodeStatus::Skipped
            } else if failing.contains(&v) {
                NodeStatus::Failed
            } else {
                NodeStatus::Ran
            };
            prop_assert_eq!(report.status[v as usize], want, "node {}", v);
        }
        let failed: Vec<u32> = report.failures.iter().map(|(v, _)| *v).collect();
        let mut expected: Vec<u32> = failing.iter().copied().filter(|&v| !doomed[v as usize]).collect();
        expected.sort_unstable();
        prop_assert_eq!(failed, expected);
        prop_assert_eq!(report.ran + report.failed + report.skipped, n);
    }
}

#[test]
fn parallel_runs_of_the_shared_workloads() {
    for w in [
        layered(30, 40, 1),
        wide(500),
        chain(300),
        diamond_lattice(20),
    ] {
        let graph = build(&w);
        let counter = AtomicU32::new(0);
        let report = run_parallel(
            &graph,
            &ParallelOptions {
                workers: 2,
                stop_on_failure: false,
            },
            |_| -> Result<(), ()> {
                counter.fetch_add(1, Ordering::Relaxed);
                Ok(())
            },
        );
        assert!(report.all_ran());
        assert_eq!(counter.load(Ordering::Relaxed) as usize, graph.node_count());
    }
}
