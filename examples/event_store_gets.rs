//! Cold gets on the shared workload (1M events, 64 B values), for profilers:
//! fills a store, then runs `count` single gets (`single`) or the same keys in
//! batches of 1,000 (`batch`), in the scattered `lookup_keys` order, through the
//! Rust API. Prints the mean time per key (CPU time of this thread).
//!
//! `cargo run --release --example event_store_gets -- single|batch [count]`
//!
//! Under cachegrind with a 2 MiB last level (this machine's L2 per core), the
//! misses per key of each function show how many lines a lookup waits for:
//! `valgrind --tool=cachegrind --cache-sim=yes --LL=2097152,16,64
//! target/release/examples/event_store_gets single 200000`

use noob_core::event_store::{workload, Event, EventStore, Retention};
use std::hint::black_box;

/// This thread's CPU time in ns (immune to time spent descheduled on a busy machine).
fn thread_cpu_ns() -> u64 {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").expect("Linux /proc");
    stat.split_whitespace().next().unwrap().parse().unwrap()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "single".into());
    let count: u64 = args.next().map_or(200_000, |a| a.parse().unwrap());
    const N: u64 = 1_000_000;
    let store = EventStore::new(Retention::UNBOUNDED).unwrap();
    let (nodes, signals) = workload::intern_pool(&store).unwrap();
    for event in workload::events(N, 7, 64) {
        let key = event.key;
        store
            .add(
                nodes[key.node],
                signals[key.signal],
                key.epoch,
                &event.value,
                event.timestamp,
            )
            .unwrap();
    }
    let keys: Vec<(u32, u32, u64)> = workload::lookup_keys(N, count.min(N), false, 7)
        .into_iter()
        .map(|key| (nodes[key.node], signals[key.signal], key.epoch))
        .collect();
    let start = thread_cpu_ns();
    let mut found = 0usize;
    match mode.as_str() {
        "single" => {
            for &(node, signal, epoch) in &keys {
                found += store
                    .get_each(node, signal, epoch, |event: Event| {
                        black_box(event.value()[0]);
                    })
                    .unwrap();
            }
        }
        "batch" => {
            let mut out = Vec::with_capacity(1000);
            let mut counts = vec![0; 1000];
            for chunk in keys.chunks(1000) {
                out.clear();
                store
                    .get_many_into(chunk, &mut out, &mut counts[..chunk.len()])
                    .unwrap();
                for event in &out {
                    black_box(event.value()[0]);
                }
                found += out.len();
            }
        }
        other => panic!("mode is single or batch, not {other}"),
    }
    let elapsed = thread_cpu_ns() - start;
    assert_eq!(found, keys.len(), "every key holds one event");
    println!(
        "{mode}: {} keys, {:.0} ns per key (thread CPU time)",
        keys.len(),
        elapsed as f64 / keys.len() as f64
    );
}
