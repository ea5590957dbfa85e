//! RSS growth per stored event for the shared workload (1M events, 64 B values).
//!
//! `cargo run --release --example event_store_memory [n] [value_size]`

use noob_core::event_store::{workload, EventStore, Retention};

fn rss_bytes() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("Linux /proc");
    let pages: usize = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4096
}

/// This thread's CPU time in ns (immune to time spent descheduled on a busy machine).
fn thread_cpu_ns() -> u64 {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").expect("Linux /proc");
    stat.split_whitespace().next().unwrap().parse().unwrap()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: u64 = args.next().map_or(1_000_000, |a| a.parse().unwrap());
    let size: usize = args.next().map_or(64, |a| a.parse().unwrap());
    let events = workload::events(n, 7, size);
    let store = EventStore::new(Retention::UNBOUNDED).unwrap();
    let (nodes, signals) = workload::intern_pool(&store).unwrap();
    let before = rss_bytes();
    let start = std::time::Instant::now();
    let cpu_start = thread_cpu_ns();
    for event in &events {
        store
            .add(
                nodes[event.key.node],
                signals[event.key.signal],
                event.key.epoch,
                &event.value,
                event.timestamp,
            )
            .unwrap();
    }
    let elapsed = start.elapsed();
    let cpu = thread_cpu_ns() - cpu_start;
    let after = rss_bytes();
    println!(
        "{n} events of {size} B: RSS growth {:.1} B/event; single-thread add {:.1} ns/event wall, {:.1} ns CPU",
        (after - before) as f64 / n as f64,
        elapsed.as_nanos() as f64 / n as f64,
        cpu as f64 / n as f64
    );
    drop(store);

    // Steady state: a bounded store that evicts as it goes (memory is reused).
    let store = EventStore::new(Retention::events(100_000)).unwrap();
    let (nodes, signals) = workload::intern_pool(&store).unwrap();
    let epochs_per_round = n / workload::EVENTS_PER_EPOCH;
    for round in 0..3u64 {
        let start = std::time::Instant::now();
        let cpu_start = thread_cpu_ns();
        for event in &events {
            store
                .add(
                    nodes[event.key.node],
                    signals[event.key.signal],
                    event.key.epoch + round * epochs_per_round,
                    &event.value,
                    event.timestamp,
                )
                .unwrap();
        }
        println!(
            "bounded store (100k events), round {round}: {:.1} ns/add wall, {:.1} ns CPU",
            start.elapsed().as_nanos() as f64 / n as f64,
            (thread_cpu_ns() - cpu_start) as f64 / n as f64
        );
    }

    // Two threads, each adding the events of half the nodes (fresh store):
    // each thread's CPU time per add, and the wall time of the whole run.
    for round in 0..2 {
        let store = EventStore::new(Retention::UNBOUNDED).unwrap();
        let (nodes, signals) = workload::intern_pool(&store).unwrap();
        let barrier = std::sync::Barrier::new(2);
        let start = std::time::Instant::now();
        let cpu: Vec<(u64, u64)> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..2)
                .map(|parity| {
                    let (store, nodes, signals, events, barrier) =
                        (&store, &nodes, &signals, &events, &barrier);
                    scope.spawn(move || {
                        barrier.wait();
                        let cpu_start = thread_cpu_ns();
                        let mut count = 0u64;
                        for event in events.iter().filter(|e| e.key.node % 2 == parity) {
                            store
                                .add(
                                    nodes[event.key.node],
                                    signals[event.key.signal],
                                    event.key.epoch,
                                    &event.value,
                                    event.timestamp,
                                )
                                .unwrap();
                            count += 1;
                        }
                        (thread_cpu_ns() - cpu_start, count)
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let wall = start.elapsed().as_nanos() as f64;
        let per_add: Vec<String> = cpu
            .iter()
            .map(|(ns, count)| format!("{:.1}", *ns as f64 / *count as f64))
            .collect();
        println!(
            "2 threads, own nodes, round {round}: {} ns CPU/add per thread; wall {:.1} ns per add overall",
            per_add.join(" / "),
            wall / n as f64
        );
    }
}
