//! The event store through its C ABI, as a C program would use it: round
//! trips, batch calls, list lifetimes, retention, and many threads at once.

use noob_core::event_store::workload;
use noob_core::ffi::event_store::*;
use noob_core::ffi::result::noob_result::*;
use std::collections::HashSet;
use std::ptr::{null, null_mut, NonNull};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

/// The store handle, shared by threads as the C contract allows.
#[derive(Clone, Copy)]
struct Store(NonNull<noob_event_store>);
// SAFETY: the store is documented safe to use from many threads at once.
unsafe impl Send for Store {}
// SAFETY: as above.
unsafe impl Sync for Store {}

impl Store {
    fn new(max_events: usize) -> Self {
        let mut store = null_mut();
        // SAFETY: valid out pointer.
        assert_eq!(
            unsafe { noob_event_store_new(max_events, 0, &mut store) },
            NOOB_OK
        );
        Store(NonNull::new(store).unwrap())
    }
    fn ptr(self) -> *const noob_event_store {
        self.0.as_ptr()
    }
    fn intern(self, name: &str) -> u32 {
        let mut id = u32::MAX;
        // SAFETY: live store, valid text.
        let code = unsafe {
            noob_event_store_intern(self.ptr(), name.as_ptr().cast(), name.len(), &mut id)
        };
        assert_eq!(code, NOOB_OK);
        id
    }
    fn add(self, node: u32, signal: u32, epoch: u64, value: &[u8], ts: f64) -> u64 {
        let mut id = 0;
        // SAFETY: live store, valid value.
        let code = unsafe {
            noob_event_store_add(
                self.ptr(),
                node,
                signal,
                epoch,
                value.as_ptr(),
                value.len(),
                ts,
                &mut id,
            )
        };
        assert_eq!(code, NOOB_OK);
        id
    }
    fn get(self, node: u32, signal: u32, epoch: u64) -> List {
        let mut list = null_mut();
        // SAFETY: live store, valid out pointer.
        assert_eq!(
            unsafe { noob_event_store_get(self.ptr(), node, signal, epoch, &mut list) },
            NOOB_OK
        );
        List(list)
    }
    fn stats(self) -> noob_event_store_stats {
        // SAFETY: plain-data struct; zero is a valid value.
        let mut stats = unsafe { std::mem::zeroed() };
        // SAFETY: live store, valid out pointer.
        assert_eq!(
            unsafe { noob_event_store_get_stats(self.ptr(), &mut stats) },
            NOOB_OK
        );
        stats
    }
    fn clear(self, epoch: u64) -> usize {
        let mut removed = usize::MAX;
        // SAFETY: live store, valid out pointer.
        assert_eq!(
            unsafe { noob_event_store_clear_epoch(self.ptr(), epoch, &mut removed) },
            NOOB_OK
        );
        removed
    }
    fn free(self) {
        // SAFETY: made by `new`, freed once after every other call.
        unsafe { noob_event_store_free(self.0.as_ptr()) }
    }
}

/// An owned list, freed on drop.
struct List(*mut noob_event_list);
// SAFETY: lists are immutable and documented safe to read from many threads.
unsafe impl Send for List {}

impl List {
    fn views(&self) -> &[noob_event_view] {
        let (mut views, mut len) = (null(), 0);
        // SAFETY: live list, valid out pointers.
        assert_eq!(
            unsafe { noob_event_list_views(self.0, &mut views, &mut len) },
            NOOB_OK
        );
        if len == 0 {
            return &[];
        }
        // SAFETY: the library promises `len` views valid until the list is freed.
        unsafe { std::slice::from_raw_parts(views, len) }
    }
    fn columns(&self) -> noob_event_columns {
        // SAFETY: plain-data struct; zero is a valid value.
        let mut columns = unsafe { std::mem::zeroed() };
        // SAFETY: live list, valid out pointer.
        assert_eq!(
            unsafe { noob_event_list_columns(self.0, &mut columns) },
            NOOB_OK
        );
        columns
    }
}

impl Drop for List {
    fn drop(&mut self) {
        // SAFETY: owned, freed once.
        unsafe { noob_event_list_free(self.0) }
    }
}

fn value(view: &noob_event_view) -> &[u8] {
    // SAFETY: valid while the list lives, which outlives `view`.
    unsafe { std::slice::from_raw_parts(view.value, view.value_len) }
}

fn text(ptr: *const std::ffi::c_char, len: usize) -> &'static str {
    // SAFETY: the test keeps the list or store alive while it reads; UTF-8 by contract.
    std::str::from_utf8(unsafe { std::slice::from_raw_parts(ptr.cast::<u8>(), len) }).unwrap()
}

#[test]
fn views_and_columns_round_trip() {
    let store = Store::new(0);
    let (node, signal) = (store.intern("camera"), store.intern("frame"));
    let first = store.add(node, signal, 3, b"one", 1.5);
    let second = store.add(node, signal, 3, b"", 2.5);
    let list = store.get(node, signal, 3);
    let views = list.views();
    assert_eq!(views.len(), 2);
    assert_eq!((views[0].id, views[1].id), (first, second));
    assert_eq!(value(&views[0]), b"one");
    assert_eq!(value(&views[1]), b"");
    assert!(
        !views[1].value.is_null(),
        "an empty value still points somewhere valid"
    );
    assert_eq!(text(views[0].node_name, views[0].node_name_len), "camera");
    assert_eq!(
        text(views[1].signal_name, views[1].signal_name_len),
        "frame"
    );
    assert_eq!((views[0].epoch, views[0].timestamp), (3, 1.5));
    assert_eq!((views[0].node, views[0].signal), (node, signal));

    let columns = list.columns();
    assert_eq!(columns.len, 2);
    // SAFETY: `len` (+1 for offsets) entries, valid while the list lives.
    unsafe {
        assert_eq!(std::slice::from_raw_parts(columns.ids, 2), &[first, second]);
        assert_eq!(
            std::slice::from_raw_parts(columns.timestamps, 2),
            &[1.5, 2.5]
        );
        assert_eq!(std::slice::from_raw_parts(columns.epochs, 2), &[3, 3]);
        assert_eq!(
            std::slice::from_raw_parts(columns.value_offsets, 3),
            &[0, 3, 3]
        );
        assert_eq!(std::slice::from_raw_parts(columns.values, 3), b"one");
    }
    let again = list.columns();
    assert_eq!(again.ids, columns.ids, "columns are built once");
    drop(list);
    store.free();
}

#[test]
fn batch_add_and_batch_get_on_the_workload() {
    let store = Store::new(0);
    let nodes_ids: Vec<u32> = (0..workload::NODES)
        .map(|i| store.intern(&workload::node_name(i)))
        .collect();
    let signal_ids: Vec<u32> = workload::SIGNALS.iter().map(|s| store.intern(s)).collect();
    let events = workload::events(5000, 7, 64);
    let mut all_ids = Vec::new();
    for chunk in events.chunks(1000) {
        let nodes: Vec<u32> = chunk.iter().map(|e| nodes_ids[e.key.node]).collect();
        let signals: Vec<u32> = chunk.iter().map(|e| signal_ids[e.key.signal]).collect();
        let epochs: Vec<u64> = chunk.iter().map(|e| e.key.epoch).collect();
        let times: Vec<f64> = chunk.iter().map(|e| e.timestamp).collect();
        let values: Vec<u8> = chunk.iter().flat_map(|e| e.value.clone()).collect();
        let lens: Vec<usize> = chunk.iter().map(|e| e.value.len()).collect();
        let mut ids = vec![0u64; chunk.len()];
        // SAFETY: every array holds `chunk.len()` entries; values match lens.
        let code = unsafe {
            noob_event_store_add_batch(
                store.ptr(),
                chunk.len(),
                nodes.as_ptr(),
                signals.as_ptr(),
                epochs.as_ptr(),
                times.as_ptr(),
                values.as_ptr(),
                values.len(),
                lens.as_ptr(),
                ids.as_mut_ptr(),
            )
        };
        assert_eq!(code, NOOB_OK);
        all_ids.extend(ids);
    }
    assert!(
        all_ids.windows(2).all(|w| w[0] + 1 == w[1]),
        "consecutive ids in array order"
    );

    let keys = workload::batch_keys(5000, 1000, 7);
    let nodes: Vec<u32> = keys.iter().map(|k| nodes_ids[k.node]).collect();
    let signals: Vec<u32> = keys.iter().map(|k| signal_ids[k.signal]).collect();
    let epochs: Vec<u64> = keys.iter().map(|k| k.epoch).collect();
    let mut counts = vec![0usize; 1000];
    let mut list = null_mut();
    // SAFETY: arrays of 1000 entries; valid out pointers.
    let code = unsafe {
        noob_event_store_get_batch(
            store.ptr(),
            1000,
            nodes.as_ptr(),
            signals.as_ptr(),
            epochs.as_ptr(),
            counts.as_mut_ptr(),
            &mut list,
        )
    };
    assert_eq!(code, NOOB_OK);
    let list = List(list);
    assert!(
        counts.iter().all(|&c| c == 1),
        "every workload key holds one event"
    );
    let views = list.views();
    for (view, key) in views.iter().zip(&keys) {
        let event = events
            .iter()
            .find(|e| e.key == *key)
            .expect("batch keys name existing events");
        assert_eq!(value(view), &event.value[..]);
        assert_eq!(view.timestamp, event.timestamp);
        assert_eq!(
            (view.node, view.signal, view.epoch),
            (nodes_ids[key.node], signal_ids[key.signal], key.epoch)
        );
    }

    let mut epochs_out = vec![0u64; 300];
    let mut count = 0;
    // SAFETY: room for 300 epochs.
    let code =
        unsafe { noob_event_store_epochs(store.ptr(), epochs_out.as_mut_ptr(), 300, &mut count) };
    assert_eq!(code, NOOB_OK);
    assert_eq!(&epochs_out[..count], &(0..250).collect::<Vec<u64>>()[..]);

    let mut epoch_list = null_mut();
    // SAFETY: live store, valid out pointer.
    assert_eq!(
        unsafe { noob_event_store_get_epoch(store.ptr(), 17, &mut epoch_list) },
        NOOB_OK
    );
    let epoch_list = List(epoch_list);
    let ids: Vec<u64> = epoch_list.views().iter().map(|v| v.id).collect();
    assert_eq!(
        ids,
        all_ids[17 * 20..18 * 20],
        "an epoch's events in the order they were added"
    );
    drop((list, epoch_list));
    store.free();
}

#[test]
fn latest_across_epochs_and_retention() {
    let store = Store::new(100);
    let (n, s) = (store.intern("n"), store.intern("s"));
    let mut latest_id = 0;
    for i in 0..1000u64 {
        latest_id = store.add(n, s, i / 10, &i.to_le_bytes(), i as f64);
    }
    let stats = store.stats();
    assert_eq!(
        (stats.events, stats.epochs, stats.max_events),
        (100, 10, 100)
    );
    assert_eq!(
        (
            stats.evicted_events,
            stats.evicted_epochs,
            stats.highest_evicted_epoch
        ),
        (900, 90, 89)
    );
    assert!(
        store.get(n, s, 50).views().is_empty(),
        "an evicted event is not found"
    );
    let mut list = null_mut();
    // SAFETY: live store, valid out pointer.
    assert_eq!(
        unsafe { noob_event_store_get_latest(store.ptr(), n, s, &mut list) },
        NOOB_OK
    );
    let list = List(list);
    assert_eq!(list.views()[0].id, latest_id);
    assert_eq!(list.views()[0].epoch, 99);
    // Clearing the newest epoch makes the one before it the latest.
    assert_eq!(store.clear(99), 10);
    let mut list2 = null_mut();
    let (name, len) = ("n".as_ptr().cast(), 1);
    // SAFETY: live store, valid names and out pointer.
    let code = unsafe {
        noob_event_store_get_latest_named(
            store.ptr(),
            name,
            len,
            "s".as_ptr().cast(),
            1,
            &mut list2,
        )
    };
    assert_eq!(code, NOOB_OK);
    let list2 = List(list2);
    assert_eq!(list2.views()[0].epoch, 98);
    assert_eq!(
        value(&list.views()[0]),
        &999u64.to_le_bytes(),
        "the old list still holds its event"
    );
    drop((list, list2));
    store.free();
}

/// Writers, readers holding lists across clears, and a clearer, all through
/// the ABI at once. Afterwards: ids unique, every event either still stored
/// or counted by exactly one clear, and every list read stayed intact.
#[test]
fn many_threads_through_the_abi() {
    const WRITERS: u64 = 3;
    const PER_WRITER: u64 = 10_000;
    let store = Store::new(0);
    let names: Vec<u32> = (0..6).map(|i| store.intern(&format!("node{i}"))).collect();
    let signal = store.intern("value");
    let done = Arc::new(AtomicBool::new(false));
    let cleared = Arc::new(AtomicUsize::new(0));

    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let names = names.clone();
            std::thread::spawn(move || {
                let mut ids = Vec::new();
                for i in 0..PER_WRITER {
                    let node = names[((i + w) % 6) as usize];
                    let payload = [w.to_le_bytes(), i.to_le_bytes()].concat();
                    ids.push(store.add(node, signal, i / 25, &payload, i as f64));
                }
                ids
            })
        })
        .collect();
    let readers: Vec<_> = (0..2)
        .map(|r| {
            let (names, done) = (names.clone(), Arc::clone(&done));
            std::thread::spawn(move || {
                let mut held = Vec::new();
                let mut round = 0u64;
                while !done.load(Ordering::Relaxed) {
                    round += 1;
                    let list =
                        store.get(names[(round % 6) as usize], signal, (round * 7 + r) % 400);
                    held.push(list);
                    if held.len() > 50 {
                        // Lists taken long ago, maybe cleared since: still intact.
                        for list in held.drain(..25) {
                            for view in list.views() {
                                let bytes = value(view);
                                let i = u64::from_le_bytes(bytes[8..].try_into().unwrap());
                                assert_eq!(view.epoch, i / 25);
                                assert_eq!(view.timestamp, i as f64);
                            }
                        }
                    }
                }
            })
        })
        .collect();
    let clearer = {
        let cleared = Arc::clone(&cleared);
        std::thread::spawn(move || {
            for epoch in (0..400).step_by(4) {
                cleared.fetch_add(store.clear(epoch), Ordering::Relaxed);
                std::thread::yield_now();
            }
        })
    };

    let mut ids = HashSet::new();
    for writer in writers {
        for id in writer.join().unwrap() {
            assert!(ids.insert(id), "id {id} handed out twice");
        }
    }
    clearer.join().unwrap();
    done.store(true, Ordering::Relaxed);
    for reader in readers {
        reader.join().unwrap();
    }
    let stats = store.stats();
    let total = (WRITERS * PER_WRITER) as usize;
    assert_eq!(stats.added as usize, total);
    assert_eq!(stats.events + cleared.load(Ordering::Relaxed), total);
    assert_eq!(
        stats.cleared_events as usize,
        cleared.load(Ordering::Relaxed)
    );
    store.free();
}

/// A refilled list drops its old events and reuses its memory; lists filled
/// from two stores keep each store's names.
#[test]
fn refilled_lists() {
    let store = Store::new(0);
    let (n, s) = (store.intern("n"), store.intern("s"));
    for epoch in 0..100u64 {
        store.add(n, s, epoch, &epoch.to_le_bytes(), 0.0);
    }
    let mut list = null_mut();
    // SAFETY: valid out pointer.
    assert_eq!(unsafe { noob_event_list_new(&mut list) }, NOOB_OK);
    let list = List(list);
    for epoch in 0..100u64 {
        // SAFETY: live store and list, used by this thread alone.
        assert_eq!(
            unsafe { noob_event_store_get_into(store.ptr(), n, s, epoch, list.0) },
            NOOB_OK
        );
        let views = list.views();
        assert_eq!(views.len(), 1);
        assert_eq!(value(&views[0]), &epoch.to_le_bytes());
    }
    // SAFETY: as above.
    assert_eq!(
        unsafe { noob_event_store_get_latest_into(store.ptr(), n, s, list.0) },
        NOOB_OK
    );
    assert_eq!(list.views()[0].epoch, 99);

    let other = Store::new(0);
    let (x, y) = (other.intern("xx"), other.intern("yy"));
    other.add(x, y, 5, b"other", 0.0);
    // SAFETY: as above.
    assert_eq!(
        unsafe { noob_event_store_get_latest_into(other.ptr(), x, y, list.0) },
        NOOB_OK
    );
    store.free();
    other.free();
    let view = &list.views()[0];
    assert_eq!(
        text(view.node_name, view.node_name_len),
        "xx",
        "names outlive both stores"
    );
    assert_eq!(value(view), b"other");
}

/// Views stay valid and unchanged until their list is freed, whether the
/// value is short (kept inline in the store, copied into the list) or long
/// (a shared block): through a clear, a close and the store's free.
#[test]
fn views_of_inline_and_shared_values_outlive_clear_close_and_free() {
    let store = Store::new(0);
    let (node, signal) = (store.intern("n"), store.intern("s"));
    let short: Vec<u8> = (0..64u8).collect();
    let long: Vec<u8> = (0..200u8).rev().collect();
    store.add(node, signal, 1, &short, 1.0);
    store.add(node, signal, 1, &long, 2.0);
    store.add(node, signal, 1, &short[..5], 3.0);
    let list = store.get(node, signal, 1);
    let views = list.views();
    assert_eq!(views.len(), 3);
    let addresses: Vec<*const u8> = views.iter().map(|v| v.value).collect();
    assert_eq!(store.clear(1), 3);
    // New events where the old ones were.
    store.add(node, signal, 1, &[0xEE; 64], 4.0);
    // SAFETY: live store; nothing else uses it.
    assert_eq!(unsafe { noob_event_store_close(store.ptr()) }, NOOB_OK);
    store.free();
    let views = list.views();
    assert_eq!(value(&views[0]), &short[..]);
    assert_eq!(value(&views[1]), &long[..]);
    assert_eq!(value(&views[2]), &short[..5]);
    let after: Vec<*const u8> = views.iter().map(|v| v.value).collect();
    assert_eq!(addresses, after, "views do not move");
    assert_eq!(text(views[0].node_name, views[0].node_name_len), "n");
}
