//! Event store through the C ABI, on the shared workload (`workloads.events`,
//! 64 B values; keys from `lookup_keys` / `batch_keys`), one run.
//!
//! `cargo bench --bench event_store`
//!
//! * `add/*`: `noob_event_store_add` with interned ids. `fresh` fills a new,
//!   unbounded store per sample (growth and page faults included);
//!   `bounded` adds to a store kept at 100,000 events, so every add also pays
//!   its share of evicting old epochs (the streaming steady state); `two
//!   epochs in flight` delivers each pair of epochs newer first. `2 threads`
//!   runs the same on two threads, each adding every other epoch (`own
//!   epochs`, all nodes) or the events of half the nodes (`own nodes`);
//!   `bounded 6.4 MB` bounds the store's bytes instead of its events.
//! * `add_batch/1000`: one `noob_event_store_add_batch` call of 1,000 events.
//! * `get/*` on a store holding 1,000,000 events: `latest` (list made and
//!   freed per call; `refilled list`: one list refilled by
//!   `noob_event_store_get_latest_into`), `cold` single gets in the scattered `lookup_keys` order
//!   (list made and freed, or one list refilled by `noob_event_store_get_into`),
//!   `batch cold` 1,000 keys of that order per call (each call the next 1,000),
//!   `batch 1000` one `noob_event_store_get_batch` of `batch_keys` (the same
//!   1,000 keys every call: the Python bench's batch), with the values copied out
//!   by `noob_event_list_columns`, or into one refilled list read by views;
//!   `latest (Rust API)` is `EventStore::latest` without the C boundary.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use noob_core::event_store::workload::{self, WorkloadEvent};
use noob_core::event_store::{EventStore, Retention};
use noob_core::ffi::event_store::*;
use noob_core::ffi::result::noob_result::NOOB_OK;
use std::hint::black_box;
use std::ptr::{null_mut, NonNull};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Barrier;
use std::time::{Duration, Instant};

const EVENTS: u64 = 1_000_000;
const BOUND: usize = 100_000;

/// A store handle that may be shared with threads (the store is thread-safe).
#[derive(Clone, Copy)]
struct Store(NonNull<noob_event_store>);
// SAFETY: noob_event_store is documented safe to use from many threads at once.
unsafe impl Send for Store {}
// SAFETY: as above.
unsafe impl Sync for Store {}

impl Store {
    fn new(max_events: usize) -> Self {
        Self::bounded(max_events, 0)
    }

    fn bounded(max_events: usize, max_bytes: usize) -> Self {
        let mut store = null_mut();
        // SAFETY: valid out pointer.
        assert_eq!(
            unsafe { noob_event_store_new(max_events, max_bytes, &mut store) },
            NOOB_OK
        );
        Store(NonNull::new(store).unwrap())
    }

    fn ptr(self) -> *const noob_event_store {
        self.0.as_ptr()
    }

    fn intern(self, name: &str) -> u32 {
        let mut id = 0;
        // SAFETY: live store, valid text and out pointer.
        let code = unsafe {
            noob_event_store_intern(self.ptr(), name.as_ptr().cast(), name.len(), &mut id)
        };
        assert_eq!(code, NOOB_OK);
        id
    }

    fn free(self) {
        // SAFETY: made by `new`, freed once, no other call in flight.
        unsafe { noob_event_store_free(self.0.as_ptr()) }
    }
}

/// Interned (node, signal) ids of the workload's names, in pool order.
struct Ids {
    nodes: Vec<u32>,
    signals: Vec<u32>,
}

impl Ids {
    fn intern(store: Store) -> Self {
        Ids {
            nodes: (0..workload::NODES)
                .map(|i| store.intern(&workload::node_name(i)))
                .collect(),
            signals: workload::SIGNALS.iter().map(|s| store.intern(s)).collect(),
        }
    }

    fn key(&self, key: workload::Key) -> (u32, u32) {
        (self.nodes[key.node], self.signals[key.signal])
    }
}

/// Adds `events[from..]` cycling, `count` of them, with epochs shifted by
/// `epoch_base` plus the cycle's offset so epochs keep increasing.
fn add_run(
    store: Store,
    ids: &Ids,
    events: &[WorkloadEvent],
    start: u64,
    count: u64,
    epoch_base: u64,
) {
    let n = events.len() as u64;
    let epochs_per_cycle = epoch_span(events);
    for i in start..start + count {
        let event = &events[(i % n) as usize];
        let (node, signal) = ids.key(event.key);
        let epoch = epoch_base + event.key.epoch + (i / n) * epochs_per_cycle;
        // SAFETY: live store, valid value.
        let code = unsafe {
            noob_event_store_add(
                store.ptr(),
                node,
                signal,
                epoch,
                event.value.as_ptr(),
                event.value.len(),
                event.timestamp,
                null_mut(),
            )
        };
        debug_assert_eq!(code, NOOB_OK);
        black_box(code);
    }
}

/// The epochs `events` cover (largest + 1): a run that cycles through them
/// shifts each cycle by this much, so epochs never go back (a half of the
/// workload covers all of its epochs with half of its events).
fn epoch_span(events: &[WorkloadEvent]) -> u64 {
    events
        .iter()
        .map(|e| e.key.epoch)
        .max()
        .map_or(0, |m| m + 1)
}

/// Columns of a slice of the workload for `noob_event_store_add_batch`.
struct BatchColumns {
    nodes: Vec<u32>,
    signals: Vec<u32>,
    epochs: Vec<u64>,
    times: Vec<f64>,
    values: Vec<u8>,
    /// Offset of each event's value in `values`, plus the end.
    offsets: Vec<usize>,
    lens: Vec<usize>,
    span: u64,
}

impl BatchColumns {
    fn new(ids: &Ids, events: &[WorkloadEvent]) -> Self {
        let mut offsets = vec![0];
        for e in events {
            offsets.push(offsets.last().unwrap() + e.value.len());
        }
        BatchColumns {
            nodes: events.iter().map(|e| ids.key(e.key).0).collect(),
            signals: events.iter().map(|e| ids.key(e.key).1).collect(),
            epochs: events.iter().map(|e| e.key.epoch).collect(),
            times: events.iter().map(|e| e.timestamp).collect(),
            values: events
                .iter()
                .flat_map(|e| e.value.iter().copied())
                .collect(),
            offsets,
            lens: events.iter().map(|e| e.value.len()).collect(),
            span: epoch_span(events),
        }
    }

    /// `count` calls of `BATCH` events each, from batch number `start` on
    /// (cycling through the columns with epochs shifted as in `add_run`).
    fn run(&self, store: Store, start: u64, count: u64, epochs: &mut Vec<u64>) {
        let batches = (self.nodes.len() / BATCH) as u64;
        for k in start..start + count {
            let at = (k % batches) as usize * BATCH;
            let shift = (k / batches) * self.span;
            epochs.clear();
            epochs.extend(self.epochs[at..at + BATCH].iter().map(|e| e + shift));
            let values = &self.values[self.offsets[at]..self.offsets[at + BATCH]];
            // SAFETY: every array holds BATCH entries; values match the lengths.
            let code = unsafe {
                noob_event_store_add_batch(
                    store.ptr(),
                    BATCH,
                    self.nodes[at..].as_ptr(),
                    self.signals[at..].as_ptr(),
                    epochs.as_ptr(),
                    self.times[at..].as_ptr(),
                    values.as_ptr(),
                    values.len(),
                    self.lens[at..].as_ptr(),
                    null_mut(),
                )
            };
            assert_eq!(code, NOOB_OK);
        }
    }
}

const BATCH: usize = 1000;

/// `per_thread` batches on each of two threads, thread t adding `columns[t]`
/// (its own nodes); returns the wall time.
fn batch_two_threads(
    store: Store,
    columns: &[BatchColumns; 2],
    per_thread: u64,
    cursor: &AtomicU64,
) -> Duration {
    let barrier = Barrier::new(3);
    let start_index = cursor.fetch_add(per_thread, Ordering::Relaxed);
    std::thread::scope(|scope| {
        for columns in columns {
            let barrier = &barrier;
            scope.spawn(move || {
                let mut epochs = Vec::with_capacity(BATCH);
                barrier.wait();
                columns.run(store, start_index, per_thread, &mut epochs);
                barrier.wait();
            });
        }
        barrier.wait();
        let start = Instant::now();
        barrier.wait();
        start.elapsed()
    })
}

/// Two threads, thread t adding `per_thread` events of `halves[t]`; returns
/// the wall time.
fn add_two_threads(
    store: Store,
    ids: &Ids,
    halves: &[Vec<WorkloadEvent>; 2],
    per_thread: u64,
    cursor: &AtomicU64,
) -> Duration {
    let barrier = Barrier::new(3);
    let start_index = cursor.fetch_add(per_thread, Ordering::Relaxed);
    std::thread::scope(|scope| {
        for half in halves {
            let barrier = &barrier;
            scope.spawn(move || {
                barrier.wait();
                add_run(store, ids, half, start_index, per_thread, 0);
                barrier.wait();
            });
        }
        barrier.wait();
        let start = Instant::now();
        barrier.wait();
        start.elapsed()
    })
}

/// The workload split in two by `side`: (even, odd).
fn split_by(
    events: &[WorkloadEvent],
    side: fn(&WorkloadEvent) -> usize,
) -> [Vec<WorkloadEvent>; 2] {
    [0, 1].map(|parity| {
        events
            .iter()
            .filter(|e| side(e) % 2 == parity)
            .cloned()
            .collect()
    })
}

/// One `noob_event_store_get_batch_into` of the keys given as columns,
/// refilling `list` (used by this thread alone), then its views read.
fn get_batch_into(
    store: Store,
    (nodes, signals, epochs): (&[u32], &[u32], &[u64]),
    counts: &mut [usize],
    list: *mut noob_event_list,
) {
    assert!(
        signals.len() == nodes.len() && epochs.len() == nodes.len() && counts.len() == nodes.len()
    );
    // SAFETY: every array holds nodes.len() entries; the list is live and this thread's.
    unsafe {
        let code = noob_event_store_get_batch_into(
            store.ptr(),
            nodes.len(),
            nodes.as_ptr(),
            signals.as_ptr(),
            epochs.as_ptr(),
            counts.as_mut_ptr(),
            list,
        );
        assert_eq!(code, NOOB_OK);
        let (mut views, mut len) = (std::ptr::null(), 0);
        noob_event_list_views(list, &mut views, &mut len);
        black_box(views);
    }
}

fn adds(c: &mut Criterion) {
    let events = workload::events(EVENTS, 7, 64);
    // Own nodes: as when a pipeline's nodes run on different workers. Own
    // epochs: every other epoch each (all nodes), as when epochs run
    // concurrently.
    let halves = split_by(&events, |e| e.key.node);
    let epoch_halves = split_by(&events, |e| e.key.epoch as usize);
    let mut group = c.benchmark_group("event_store/add");
    group.throughput(Throughput::Elements(1));
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(4));

    group.bench_function("fresh, 1 thread", |b| {
        b.iter_custom(|iters| {
            let store = Store::new(0);
            let ids = Ids::intern(store);
            let start = Instant::now();
            add_run(store, &ids, &events, 0, iters, 0);
            let elapsed = start.elapsed();
            store.free();
            elapsed
        })
    });

    let store = Store::new(BOUND);
    let ids = Ids::intern(store);
    let cursor = AtomicU64::new(0);
    add_run(store, &ids, &events, 0, BOUND as u64, 0);
    cursor.store(BOUND as u64, Ordering::Relaxed);
    group.bench_function("bounded 100k, 1 thread", |b| {
        b.iter_custom(|iters| {
            let start_index = cursor.fetch_add(iters, Ordering::Relaxed);
            let start = Instant::now();
            add_run(store, &ids, &events, start_index, iters, 0);
            start.elapsed()
        })
    });

    // Epochs in flight together: each pair of epochs arrives newer first, so an
    // older epoch's events land behind a key's newest (as with a pipeline that
    // runs epochs concurrently and finishes them out of order).
    let swapped: Vec<WorkloadEvent> = (0..events.len())
        .map(|i| {
            let per = workload::EVENTS_PER_EPOCH as usize;
            let partner = ((i / per) ^ 1) * per + i % per;
            events[partner.min(events.len() - 1)].clone()
        })
        .collect();
    let store_swapped = Store::new(BOUND);
    let ids_swapped = Ids::intern(store_swapped);
    add_run(store_swapped, &ids_swapped, &swapped, 0, BOUND as u64, 0);
    let cursor_swapped = AtomicU64::new(BOUND as u64);
    group.bench_function("bounded 100k, 1 thread, two epochs in flight", |b| {
        b.iter_custom(|iters| {
            let start_index = cursor_swapped.fetch_add(iters, Ordering::Relaxed);
            let start = Instant::now();
            add_run(store_swapped, &ids_swapped, &swapped, start_index, iters, 0);
            start.elapsed()
        })
    });
    store_swapped.free();

    for (name, split) in [("own epochs", &epoch_halves), ("own nodes", &halves)] {
        group.bench_function(format!("fresh, 2 threads, {name}"), |b| {
            b.iter_custom(|iters| {
                let store = Store::new(0);
                let ids = Ids::intern(store);
                let local = AtomicU64::new(0);
                let per_thread = iters.div_ceil(2);
                let elapsed = add_two_threads(store, &ids, split, per_thread, &local);
                store.free();
                elapsed
            })
        });
        // A store of its own: another split's cycles leave it at other epochs.
        let store = Store::new(BOUND);
        let ids = Ids::intern(store);
        add_run(store, &ids, &events, 0, BOUND as u64, 0);
        let cursor = AtomicU64::new(BOUND as u64);
        group.bench_function(format!("bounded 100k, 2 threads, {name}"), |b| {
            b.iter_custom(|iters| {
                let per_thread = iters.div_ceil(2);
                add_two_threads(store, &ids, split, per_thread, &cursor)
            })
        });
        store.free();
    }
    // A byte bound instead: 100,000 of the workload's 64-byte values.
    let by_bytes = Store::bounded(0, BOUND * 64);
    let ids_by_bytes = Ids::intern(by_bytes);
    add_run(by_bytes, &ids_by_bytes, &events, 0, BOUND as u64, 0);
    let cursor_by_bytes = AtomicU64::new(BOUND as u64);
    group.bench_function("bounded 6.4 MB, 2 threads, own nodes", |b| {
        b.iter_custom(|iters| {
            let per_thread = iters.div_ceil(2);
            add_two_threads(
                by_bytes,
                &ids_by_bytes,
                &halves,
                per_thread,
                &cursor_by_bytes,
            )
        })
    });
    by_bytes.free();
    store.free();
    group.finish();

    let mut group = c.benchmark_group("event_store/add_batch");
    group.throughput(Throughput::Elements(1000));
    group.sample_size(20);
    let store = Store::new(BOUND);
    let ids = Ids::intern(store);
    let batch = &events[..1000];
    let nodes: Vec<u32> = batch.iter().map(|e| ids.key(e.key).0).collect();
    let signals: Vec<u32> = batch.iter().map(|e| ids.key(e.key).1).collect();
    let times: Vec<f64> = batch.iter().map(|e| e.timestamp).collect();
    let values: Vec<u8> = batch.iter().flat_map(|e| e.value.iter().copied()).collect();
    let lens: Vec<usize> = batch.iter().map(|e| e.value.len()).collect();
    let mut ids_out = vec![0u64; 1000];
    let mut round = 0u64;
    group.bench_function(BenchmarkId::new("bounded 100k", 1000), |b| {
        b.iter(|| {
            round += 1;
            let epochs: Vec<u64> = batch.iter().map(|e| e.key.epoch + round * 50).collect();
            // SAFETY: every array holds 1,000 entries; values match the lengths.
            let code = unsafe {
                noob_event_store_add_batch(
                    store.ptr(),
                    1000,
                    nodes.as_ptr(),
                    signals.as_ptr(),
                    epochs.as_ptr(),
                    times.as_ptr(),
                    values.as_ptr(),
                    values.len(),
                    lens.as_ptr(),
                    ids_out.as_mut_ptr(),
                )
            };
            assert_eq!(code, NOOB_OK);
        })
    });
    store.free();

    // The same, as consecutive batches of the workload (each call the next
    // 1,000 events), on one thread or on two threads with their own nodes.
    let fresh_ids = |store: Store| {
        let ids = Ids::intern(store);
        let all = BatchColumns::new(&ids, &events);
        let halves = [0, 1].map(|t| BatchColumns::new(&ids, &halves[t]));
        (all, halves)
    };
    group.bench_function(BenchmarkId::new("fresh, 1 thread", 1000), |b| {
        b.iter_custom(|iters| {
            let store = Store::new(0);
            let (all, _) = fresh_ids(store);
            let mut epochs = Vec::with_capacity(BATCH);
            let start = Instant::now();
            all.run(store, 0, iters, &mut epochs);
            let elapsed = start.elapsed();
            store.free();
            elapsed
        })
    });
    group.bench_function(BenchmarkId::new("fresh, 2 threads, own nodes", 1000), |b| {
        b.iter_custom(|iters| {
            let store = Store::new(0);
            let (_, halves) = fresh_ids(store);
            let elapsed = batch_two_threads(store, &halves, iters.div_ceil(2), &AtomicU64::new(0));
            store.free();
            elapsed
        })
    });
    let store = Store::new(BOUND);
    let (all, halves) = fresh_ids(store);
    let mut epochs = Vec::with_capacity(BATCH);
    all.run(store, 0, (BOUND / BATCH) as u64, &mut epochs);
    let cursor = AtomicU64::new((BOUND / BATCH) as u64);
    group.bench_function(BenchmarkId::new("bounded 100k, 1 thread", 1000), |b| {
        b.iter_custom(|iters| {
            let start_index = cursor.fetch_add(iters, Ordering::Relaxed);
            let start = Instant::now();
            all.run(store, start_index, iters, &mut epochs);
            start.elapsed()
        })
    });
    group.bench_function(
        BenchmarkId::new("bounded 100k, 2 threads, own nodes", 1000),
        |b| b.iter_custom(|iters| batch_two_threads(store, &halves, iters.div_ceil(2), &cursor)),
    );
    store.free();
    group.finish();
}

fn gets(c: &mut Criterion) {
    let events = workload::events(EVENTS, 7, 64);
    let store = Store::new(0);
    let ids = Ids::intern(store);
    add_run(store, &ids, &events, 0, EVENTS, 0);
    drop(events);

    let mut group = c.benchmark_group("event_store/get");
    group.sample_size(30);
    group.throughput(Throughput::Elements(1));
    let hot: Vec<(u32, u32)> = workload::lookup_keys(EVENTS, 150, true, 7)
        .into_iter()
        .map(|key| ids.key(key))
        .collect();
    let mut k = 0;
    group.bench_function("latest", |b| {
        b.iter(|| {
            k = (k + 1) % hot.len();
            let (node, signal) = hot[k];
            let mut list = null_mut();
            // SAFETY: live store; the list is freed at once.
            unsafe {
                noob_event_store_get_latest(store.ptr(), node, signal, &mut list);
                let mut view = std::mem::zeroed::<noob_event_view>();
                noob_event_list_get(list, 0, &mut view);
                black_box(view.value);
                noob_event_list_free(list);
            }
        })
    });

    let mut reused = null_mut();
    // SAFETY: valid out pointer; freed below.
    assert_eq!(unsafe { noob_event_list_new(&mut reused) }, NOOB_OK);
    let mut k = 0;
    group.bench_function("latest, refilled list", |b| {
        b.iter(|| {
            k = (k + 1) % hot.len();
            let (node, signal) = hot[k];
            // SAFETY: live store; the list is used by this thread alone.
            unsafe {
                noob_event_store_get_latest_into(store.ptr(), node, signal, reused);
                let mut view = std::mem::zeroed::<noob_event_view>();
                noob_event_list_get(reused, 0, &mut view);
                black_box(view.value);
            }
        })
    });
    // SAFETY: made above, freed once.
    unsafe { noob_event_list_free(reused) };

    // The same through the Rust API (no list, no C boundary), for comparison.
    let core = EventStore::new(Retention::UNBOUNDED).unwrap();
    for event in workload::events(20_000, 7, 64) {
        let (node, signal, epoch) = event.key.names();
        core.add_named(&node, signal, epoch, &event.value, event.timestamp)
            .unwrap();
    }
    let core_keys: Vec<(u32, u32)> = workload::lookup_keys(20_000, 150, true, 7)
        .into_iter()
        .map(|key| {
            let (node, signal, _) = key.names();
            (core.lookup(&node).unwrap(), core.lookup(signal).unwrap())
        })
        .collect();
    let mut k = 0;
    group.bench_function("latest (Rust API)", |b| {
        b.iter(|| {
            k = (k + 1) % core_keys.len();
            let (node, signal) = core_keys[k];
            black_box(core.latest(node, signal).unwrap());
        })
    });
    drop(core);

    let cold: Vec<(u32, u32, u64)> = workload::lookup_keys(EVENTS, EVENTS, false, 7)
        .into_iter()
        .map(|key| {
            let (node, signal) = ids.key(key);
            (node, signal, key.epoch)
        })
        .collect();
    let mut k = 0;
    group.bench_function("cold", |b| {
        b.iter(|| {
            k = (k + 1) % cold.len();
            let (node, signal, epoch) = cold[k];
            let mut list = null_mut();
            // SAFETY: live store; the list is freed at once.
            unsafe {
                noob_event_store_get(store.ptr(), node, signal, epoch, &mut list);
                let mut view = std::mem::zeroed::<noob_event_view>();
                noob_event_list_get(list, 0, &mut view);
                black_box(view.value);
                noob_event_list_free(list);
            }
        })
    });

    let mut reused = null_mut();
    // SAFETY: valid out pointer; freed below.
    assert_eq!(unsafe { noob_event_list_new(&mut reused) }, NOOB_OK);
    let mut k = 0;
    group.bench_function("cold, refilled list", |b| {
        b.iter(|| {
            k = (k + 1) % cold.len();
            let (node, signal, epoch) = cold[k];
            // SAFETY: live store; the list is used by this thread alone.
            unsafe {
                noob_event_store_get_into(store.ptr(), node, signal, epoch, reused);
                let mut view = std::mem::zeroed::<noob_event_view>();
                noob_event_list_get(reused, 0, &mut view);
                black_box(view.value);
            }
        })
    });

    // 1,000 cold keys per call, each call the next 1,000 of the scattered order.
    let mut start = 0;
    let mut cold_counts = vec![0usize; 1000];
    group.throughput(Throughput::Elements(1000));
    group.bench_function(BenchmarkId::new("batch cold, refilled list", 1000), |b| {
        b.iter(|| {
            start = (start + 1000) % (cold.len() - 1000);
            let keys = &cold[start..start + 1000];
            let nodes: Vec<u32> = keys.iter().map(|k| k.0).collect();
            let signals: Vec<u32> = keys.iter().map(|k| k.1).collect();
            let epochs: Vec<u64> = keys.iter().map(|k| k.2).collect();
            get_batch_into(store, (&nodes, &signals, &epochs), &mut cold_counts, reused);
        })
    });

    let keys = workload::batch_keys(EVENTS, 1000, 7);
    let nodes: Vec<u32> = keys.iter().map(|k| ids.key(*k).0).collect();
    let signals: Vec<u32> = keys.iter().map(|k| ids.key(*k).1).collect();
    let epochs: Vec<u64> = keys.iter().map(|k| k.epoch).collect();
    let mut counts = vec![0usize; 1000];
    group.throughput(Throughput::Elements(1000));
    group.bench_function(BenchmarkId::new("batch", 1000), |b| {
        b.iter(|| {
            let mut list = null_mut();
            // SAFETY: arrays of 1,000 entries; the list is freed at once.
            unsafe {
                let code = noob_event_store_get_batch(
                    store.ptr(),
                    1000,
                    nodes.as_ptr(),
                    signals.as_ptr(),
                    epochs.as_ptr(),
                    counts.as_mut_ptr(),
                    &mut list,
                );
                assert_eq!(code, NOOB_OK);
                let mut columns = std::mem::zeroed::<noob_event_columns>();
                noob_event_list_columns(list, &mut columns);
                black_box(columns.values);
                noob_event_list_free(list);
            }
        })
    });
    let mut counts = vec![0usize; 1000];
    group.bench_function(BenchmarkId::new("batch, refilled list", 1000), |b| {
        b.iter(|| get_batch_into(store, (&nodes, &signals, &epochs), &mut counts, reused))
    });
    // SAFETY: made above, freed once.
    unsafe { noob_event_list_free(reused) };
    group.finish();
    store.free();
}

criterion_group!(benches, adds, gets);
criterion_main!(benches);
