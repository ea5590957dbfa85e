//! Scheduler through the C ABI on the shared workloads (`shared/bench/workloads.py`,
//! ported in `support/workloads.rs`): build, full drives (one node at a time and in
//! batches), and parallel runs with empty and ~50 µs callbacks at 1 and 2 workers,
//! and on small graphs (the fixed cost of a run).
//!
//! `cargo bench --bench scheduler` (all), or a filter: `cargo bench --bench scheduler -- drive`.
//! Throughput is in nodes, so criterion's "elem/s" inverts to time per node.

#[path = "support/workloads.rs"]
mod workloads;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use noob_core::ffi::result::noob_result;
use noob_core::ffi::scheduler::*;
use std::ffi::c_void;
use std::hint::black_box;
use std::ptr::null_mut;
use std::time::{Duration, Instant};
use workloads::{chain, diamond_lattice, layered, wide, Workload};

fn ok(code: noob_result) {
    assert_eq!(code, noob_result::NOOB_OK);
}

/// Builds through the C ABI: all names in one call, all edges as id pairs in one call.
fn build(w: &Workload, names_text: &str, pairs: &[u32]) -> *mut noob_graph {
    let mut b = null_mut();
    let mut g = null_mut();
    // SAFETY: valid out pointers; buffers live for the calls.
    unsafe {
        ok(noob_graph_builder_new(&mut b));
        ok(noob_graph_builder_add_nodes(
            b,
            names_text.as_ptr().cast(),
            names_text.len(),
            null_mut(),
            0,
            null_mut(),
        ));
        ok(noob_graph_builder_add_edges(
            b,
            pairs.as_ptr(),
            w.edges.len(),
        ));
        ok(noob_graph_builder_build(b, &mut g));
        noob_graph_builder_free(b);
    }
    g
}

fn inputs(w: &Workload) -> (String, Vec<u32>) {
    let text = w.names.join("\0");
    let pairs = w.edges.iter().flat_map(|&(s, t)| [s, t]).collect();
    (text, pairs)
}

fn graphs() -> Vec<(&'static str, Workload)> {
    vec![
        ("layered_100", layered(10, 10, 42)),
        ("layered_1000", layered(10, 100, 42)),
        ("layered_10000", layered(100, 100, 42)),
        ("wide_10000", wide(10_000)),
        ("chain_10000", chain(10_000)),
        ("diamond_100x100", diamond_lattice(100)),
    ]
}

fn build_bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("build");
    group.sample_size(10);
    for (name, w) in [
        ("layered_10000", layered(100, 100, 42)),
        ("layered_1000000", layered(1000, 1000, 42)),
    ] {
        let (text, pairs) = inputs(&w);
        group.throughput(Throughput::Elements(w.names.len() as u64));
        group.bench_function(BenchmarkId::new("ids", name), |b| {
            // SAFETY: the graph is made by `build` and freed once.
            b.iter(|| unsafe { noob_graph_free(build(&w, &text, &pairs)) })
        });
        // The shapes the Python seed APIs hand over: a dependency mapping as one
        // text plus counts, and an edge list as one text of (from, to) names.
        let mut deps: Vec<Vec<&str>> = vec![Vec::new(); w.names.len()];
        for &(s, t) in &w.edges {
            deps[t as usize].push(&w.names[s as usize]);
        }
        let mut deps_text = String::new();
        for (node, ds) in w.names.iter().zip(&deps) {
            deps_text.push_str(node);
            deps_text.push('\0');
            for d in ds {
                deps_text.push_str(d);
                deps_text.push('\0');
            }
        }
        let counts: Vec<u32> = deps.iter().map(|ds| ds.len() as u32).collect();
        group.bench_function(BenchmarkId::new("dependencies_text", name), |b| {
            // SAFETY: valid out pointers; buffers live for the calls; freed once.
            b.iter(|| unsafe {
                let (mut builder, mut graph) = (null_mut(), null_mut());
                ok(noob_graph_builder_new(&mut builder));
                ok(noob_graph_builder_add_dependencies(
                    builder,
                    deps_text.as_ptr().cast(),
                    deps_text.len(),
                    counts.as_ptr(),
                    counts.len(),
                ));
                ok(noob_graph_builder_build(builder, &mut graph));
                noob_graph_builder_free(builder);
                noob_graph_free(graph);
            })
        });
        let edges_text: String = w
            .edge_names()
            .iter()
            .flat_map(|(s, t)| [*s, "\0", *t, "\0"])
            .collect();
        group.bench_function(BenchmarkId::new("edges_text", name), |b| {
            // SAFETY: valid out pointers; buffers live for the calls; freed once.
            b.iter(|| unsafe {
                let (mut builder, mut graph) = (null_mut(), null_mut());
                ok(noob_graph_builder_new(&mut builder));
                ok(noob_graph_builder_add_edges_text(
                    builder,
                    edges_text.as_ptr().cast(),
                    edges_text.len(),
                ));
                ok(noob_graph_builder_build(builder, &mut graph));
                noob_graph_builder_free(builder);
                noob_graph_free(graph);
            })
        });
    }
    group.finish();
}

fn drive_bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("drive");
    for (name, w) in graphs() {
        let (text, pairs) = inputs(&w);
        let graph = build(&w, &text, &pairs);
        let n = w.names.len();
        let mut s = null_mut();
        // SAFETY: live graph, valid out pointer.
        unsafe { ok(noob_scheduler_new(graph, &mut s)) };
        let mut ready = vec![0u32; n];
        let mut count = 0usize;
        group.throughput(Throughput::Elements(n as u64));
        // Seed API one node at a time: reset, then get every ready node and mark each
        // done with its own call (newly ready ids written out, as the edges API returns them).
        let mut newly = vec![0u32; n];
        group.bench_function(BenchmarkId::new("one_at_a_time", name), |b| {
            // SAFETY: live scheduler; arrays of n ids are always large enough.
            b.iter(|| unsafe {
                ok(noob_scheduler_reset(s));
                let mut done = 0;
                while done < n {
                    ok(noob_scheduler_get_ready(
                        s,
                        usize::MAX,
                        ready.as_mut_ptr(),
                        n,
                        &mut count,
                    ));
                    for &id in &ready[..count] {
                        let mut k = 0;
                        ok(noob_scheduler_mark_done(
                            s,
                            id,
                            newly.as_mut_ptr(),
                            n,
                            &mut k,
                        ));
                        black_box(k);
                    }
                    done += count;
                }
            })
        });
        // Batches: one call to get all ready, one call to mark them all done.
        group.bench_function(BenchmarkId::new("batch", name), |b| {
            // SAFETY: as above.
            b.iter(|| unsafe {
                ok(noob_scheduler_reset(s));
                let mut done = 0;
                while done < n {
                    ok(noob_scheduler_get_ready(
                        s,
                        usize::MAX,
                        ready.as_mut_ptr(),
                        n,
                        &mut count,
                    ));
                    ok(noob_scheduler_mark_done_many(
                        s,
                        ready.as_ptr(),
                        count,
                        null_mut(),
                        0,
                        null_mut(),
                    ));
                    done += count;
                }
            })
        });
        // SAFETY: made above, freed once.
        unsafe {
            noob_scheduler_free(s);
            noob_graph_free(graph);
        }
    }
    group.finish();
}

unsafe extern "C" fn empty_task(_user_data: *mut c_void, node: u32) -> u32 {
    black_box(node);
    0
}

/// Spins `*user_data` rounds of a multiply-add chain the optimiser cannot remove.
unsafe extern "C" fn cpu_task(user_data: *mut c_void, node: u32) -> u32 {
    // SAFETY: the bench passes a live u64.
    let rounds = unsafe { *(user_data as *const u64) };
    let mut x = u64::from(node) | 1;
    for _ in 0..rounds {
        x = black_box(
            x.wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407),
        );
    }
    black_box(x);
    0
}

/// Rounds of `cpu_task` that take about `target` on this machine (median of 5).
fn calibrate(target: Duration) -> u64 {
    let rounds = 100_000u64;
    let mut samples: Vec<Duration> = (0..5)
        .map(|_| {
            let start = Instant::now();
            // SAFETY: a live u64 as user data.
            unsafe { cpu_task(&rounds as *const u64 as *mut c_void, 1) };
            start.elapsed()
        })
        .collect();
    samples.sort();
    let per_round = samples[2].as_secs_f64() / rounds as f64;
    (target.as_secs_f64() / per_round) as u64
}

fn run(graph: *const noob_graph, workers: u32, task: noob_node_callback, data: *mut c_void) {
    let mut summary = noob_run_summary {
        ran: 0,
        failed: 0,
        skipped: 0,
        workers: 0,
        first_failed_node: 0,
        first_failed_code: 0,
    };
    // SAFETY: live graph; the tasks never fail and read their user data as documented.
    unsafe {
        ok(noob_graph_run(
            graph,
            workers,
            0,
            task,
            data,
            null_mut(),
            0,
            &mut summary,
        ))
    };
    debug_assert_eq!(summary.workers, workers);
}

fn parallel_bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("parallel_empty");
    for (name, w) in [
        ("layered_10000", layered(100, 100, 42)),
        ("wide_10000", wide(10_000)),
    ] {
        let (text, pairs) = inputs(&w);
        let graph = build(&w, &text, &pairs);
        group.throughput(Throughput::Elements(w.names.len() as u64));
        for workers in [1u32, 2] {
            group.bench_function(BenchmarkId::new(name, format!("{workers}_workers")), |b| {
                b.iter(|| run(graph, workers, Some(empty_task), null_mut()))
            });
        }
        // SAFETY: made above, freed once.
        unsafe { noob_graph_free(graph) };
    }
    group.finish();

    // Small graphs: the fixed cost of a run (state, handing it to the pool's helpers,
    // noticing the end) dominates, as in many short runs from Python.
    let mut group = c.benchmark_group("parallel_small");
    for (name, w) in [("layered_100", layered(10, 10, 42)), ("wide_16", wide(16))] {
        let (text, pairs) = inputs(&w);
        let graph = build(&w, &text, &pairs);
        group.throughput(Throughput::Elements(w.names.len() as u64));
        for workers in [1u32, 2] {
            group.bench_function(BenchmarkId::new(name, format!("{workers}_workers")), |b| {
                b.iter(|| run(graph, workers, Some(empty_task), null_mut()))
            });
        }
        // SAFETY: made above, freed once.
        unsafe { noob_graph_free(graph) };
    }
    group.finish();

    let rounds = calibrate(Duration::from_micros(50));
    eprintln!("cpu_task: {rounds} rounds is about 50 us here");
    let mut group = c.benchmark_group("parallel_50us");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(12));
    let w = wide(10_000);
    let (text, pairs) = inputs(&w);
    let graph = build(&w, &text, &pairs);
    group.throughput(Throughput::Elements(w.names.len() as u64));
    for workers in [1u32, 2] {
        group.bench_function(
            BenchmarkId::new("wide_10000", format!("{workers}_workers")),
            |b| {
                b.iter(|| {
                    run(
                        graph,
                        workers,
                        Some(cpu_task),
                        &rounds as *const u64 as *mut c_void,
                    )
                })
            },
        );
    }
    // SAFETY: made above, freed once.
    unsafe { noob_graph_free(graph) };
    group.finish();
}

criterion_group!(benches, build_bench, drive_bench, parallel_bench);
criterion_main!(benches);
