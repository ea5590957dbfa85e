//! Tests of the event store core.

use super::*;
use crate::event_store::workload;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

fn store() -> EventStore {
    EventStore::with_id_prefix(Retention::UNBOUNDED, 0x1234)
}

fn ids(events: &[Event]) -> Vec<u64> {
    events.iter().map(Event::id).collect()
}

#[test]
fn add_and_get_keep_insertion_order_per_key() {
    let store = store();
    let a = store.add_named("a", "x", 1, b"first", 1.0).unwrap();
    let b = store.add_named("a", "x", 1, b"second", 2.0).unwrap();
    let other = store.add_named("a", "y", 1, b"other", 3.0).unwrap();
    assert_eq!(a, 0x1234 << 32);
    assert!(a < b && b < other);
    let events = store.get_named("a", "x", 1).unwrap();
    assert_eq!(ids(&events), vec![a, b]);
    assert_eq!(events[1].value(), b"second");
    assert_eq!(events[1].timestamp(), 2.0);
    assert_eq!(events[1].epoch(), 1);
    assert_eq!(store.name(events[1].node()), Some("a"));
    assert_eq!(store.name(events[1].signal()), Some("x"));
    assert_eq!(store.len(), 3);
    assert_eq!(store.bytes(), 5 + 6 + 5);
    assert_eq!(store.stats().added, 3);
}

#[test]
fn unknown_keys_and_names_find_nothing() {
    let store = store();
    store.add_named("a", "x", 1, b"v", 0.0).unwrap();
    assert!(store.get_named("a", "x", 2).unwrap().is_empty());
    assert!(store.get_named("nobody", "x", 1).unwrap().is_empty());
    assert_eq!(store.lookup("nobody"), None, "a get never interns");
    assert_eq!(store.latest_named("a", "nobody").unwrap(), None);
    let a = store.lookup("a").unwrap();
    assert!(store.get(a, 999, 1).unwrap().is_empty());
    assert_eq!(store.latest(999, a).unwrap(), None);
    assert!(store.epoch_events(7).unwrap().is_empty());
}

#[test]
fn bad_input_is_refused_and_changes_nothing() {
    let store = store();
    let a = store.intern("a").unwrap();
    store.add(a, a, 0, b"kept", 0.0).unwrap();
    let before = store.stats();
    assert_eq!(
        store.add(a, 7, 0, b"v", 0.0),
        Err(StoreError::UnknownName(7))
    );
    assert_eq!(
        store.add_named("", "x", 0, b"v", 0.0),
        Err(StoreError::EmptyName)
    );
    assert_eq!(store.intern(""), Err(StoreError::EmptyName));
    assert_eq!(
        check_value_len(MAX_VALUE_LEN + 1),
        Err(StoreError::ValueTooLarge(MAX_VALUE_LEN + 1))
    );
    assert_eq!(check_value_len(MAX_VALUE_LEN), Ok(()));
    let batch = [
        NewEvent {
            node: a,
            signal: a,
            epoch: 1,
            timestamp: 0.0,
            value: b"ok",
        },
        NewEvent {
            node: a,
            signal: 99,
            epoch: 1,
            timestamp: 0.0,
            value: b"bad",
        },
    ];
    assert_eq!(
        store.add_batch(&batch, None),
        Err(StoreError::UnknownName(99))
    );
    assert_eq!(store.stats(), before, "refused calls add nothing");
    assert_eq!(ids(&store.get(a, a, 0).unwrap()).len(), 1);
}

#[test]
fn zero_length_values_are_events_too() {
    let store = store();
    store.add_named("a", "x", 3, b"", 1.5).unwrap();
    let events = store.get_named("a", "x", 3).unwrap();
    assert_eq!(events.len(), 1);
    assert!(events[0].value().is_empty());
}

#[test]
fn latest_is_last_event_of_largest_epoch_and_survives_clears() {
    let store = store();
    let e5 = store.add_named("n", "s", 5, b"5", 0.0).unwrap();
    let e9a = store.add_named("n", "s", 9, b"9a", 0.0).unwrap();
    let e9b = store.add_named("n", "s", 9, b"9b", 0.0).unwrap();
    store.add_named("n", "s", 7, b"7", 0.0).unwrap();
    store.add_named("n", "other", 12, b"o", 0.0).unwrap();
    let latest = |store: &EventStore| store.latest_named("n", "s").unwrap().map(|e| e.id());
    assert_eq!(
        latest(&store),
        Some(e9b),
        "an older epoch added later does not win"
    );
    assert_ne!(e9a, e9b);
    assert_eq!(store.clear_epoch(9).unwrap(), 2);
    let e7 = store.get_named("n", "s", 7).unwrap()[0].id();
    assert_eq!(
        latest(&store),
        Some(e7),
        "falls back to the next epoch holding the key"
    );
    assert_eq!(latest(&store), Some(e7), "again");
    store.clear_epoch(7).unwrap();
    assert_eq!(latest(&store), Some(e5));
    store.clear_epoch(5).unwrap();
    assert_eq!(latest(&store), None);
    let keys: usize = store
        .shards
        .iter()
        .map(|c| c.shard.read().key_count())
        .sum();
    assert_eq!(keys, 1, "keys with no events left are forgotten");
    let again = store.add_named("n", "s", 1, b"1", 0.0).unwrap();
    assert_eq!(latest(&store), Some(again));
}

#[test]
fn events_outlive_clear_and_close() {
    let store = store();
    store.add_named("a", "x", 1, b"payload", 0.0).unwrap();
    let held = store.get_named("a", "x", 1).unwrap();
    assert_eq!(store.clear_epoch(1).unwrap(), 1);
    assert_eq!(
        store.clear_epoch(1).unwrap(),
        0,
        "clearing a missing epoch removes nothing"
    );
    assert_eq!(held[0].value(), b"payload");
    let stats = store.stats();
    assert_eq!((stats.events, stats.bytes, stats.epochs), (0, 0, 0));
    assert_eq!((stats.cleared_events, stats.cleared_epochs), (1, 1));

    store.add_named("a", "x", 2, b"again", 0.0).unwrap();
    let held = store.epoch_events(2).unwrap();
    store.close();
    store.close();
    assert!(store.is_closed());
    assert_eq!(held[0].value(), b"again");
    assert_eq!(store.len(), 0);
    let a = store.lookup("a").unwrap();
    assert_eq!(store.add(a, a, 1, b"", 0.0), Err(StoreError::Closed));
    assert_eq!(store.get(a, a, 2), Err(StoreError::Closed));
    assert_eq!(store.latest(a, a), Err(StoreError::Closed));
    assert_eq!(store.clear_epoch(2), Err(StoreError::Closed));
    assert_eq!(store.intern("new"), Err(StoreError::Closed));
    assert_eq!(store.epochs(), Err(StoreError::Closed));
    assert_eq!(store.add_batch(&[], None), Err(StoreError::Closed));
}

#[test]
fn batch_add_and_batch_get() {
    let store = store();
    let n = store.intern("n").unwrap();
    let s = store.intern("s").unwrap();
    let values: Vec<Vec<u8>> = (0..50u8).map(|i| vec![i; i as usize]).collect();
    let batch: Vec<NewEvent> = values
        .iter()
        .enumerate()
        .map(|(i, value)| NewEvent {
            node: n,
            signal: s,
            epoch: i as u64 / 20,
            timestamp: i as f64,
            value,
        })
        .collect();
    let mut new_ids = vec![0; batch.len()];
    store.add_batch(&batch, Some(&mut new_ids)).unwrap();
    assert!(new_ids.windows(2).all(|w| w[0] < w[1]));
    let keys = [(n, s, 0), (n, s, 7), (n, s, 2), (s, n, 0)];
    let mut out = Vec::new();
    let mut counts = [usize::MAX; 4];
    store.get_many_into(&keys, &mut out, &mut counts).unwrap();
    assert_eq!(counts, [20, 0, 10, 0]);
    assert_eq!(ids(&out[..20]), new_ids[..20]);
    assert_eq!(ids(&out[20..]), new_ids[40..]);
    assert_eq!(out[25].value(), &values[45][..]);
    let lists = store.get_many(&keys).unwrap();
    assert_eq!(
        lists.iter().map(Vec::len).collect::<Vec<_>>(),
        vec![20, 0, 10, 0]
    );
    assert_eq!(store.epochs().unwrap(), vec![0, 1, 2]);
    assert_eq!(ids(&store.epoch_events(1).unwrap()), new_ids[20..40]);
}

#[test]
fn epoch_iteration_is_in_id_order_across_keys() {
    let store = store();
    let mut added = Vec::new();
    for i in 0..100u32 {
        let name = format!("n{}", i % 13);
        added.push(
            store
                .add_named(&name, "s", 4, &i.to_le_bytes(), 0.0)
                .unwrap(),
        );
    }
    assert_eq!(ids(&store.epoch_events(4).unwrap()), added);
}

#[test]
fn retention_evicts_whole_oldest_epochs() {
    let store = EventStore::with_id_prefix(Retention::events(100), 1);
    let a = store.intern("a").unwrap();
    for i in 0..1000u64 {
        store.add(a, a, i / 20, &i.to_le_bytes(), 0.0).unwrap();
        assert!(store.len() <= 100);
    }
    let stats = store.stats();
    assert_eq!(stats.events, 100);
    assert_eq!(store.epochs().unwrap(), (45..50).collect::<Vec<_>>());
    assert_eq!((stats.evicted_events, stats.evicted_epochs), (900, 45));
    assert_eq!(stats.highest_evicted_epoch, Some(44));
    assert_eq!(stats.added, 1000);
    assert!(
        store.get(a, a, 3).unwrap().is_empty(),
        "evicted is simply not found"
    );
    assert_eq!(store.latest(a, a).unwrap().unwrap().epoch(), 49);

    // The newest epoch is never torn, even when it alone exceeds the bound.
    for i in 0..500u64 {
        store.add(a, a, 100, &i.to_le_bytes(), 0.0).unwrap();
    }
    assert_eq!(store.epochs().unwrap(), vec![100]);
    assert_eq!(store.len(), 500);

    // An add to an epoch older than all others in a full store goes at once.
    let id = store.add(a, a, 2, b"late", 0.0).unwrap();
    assert!(store.get(a, a, 2).unwrap().is_empty());
    assert!(id > 0);
    assert_eq!(store.len(), 500);
}

#[test]
fn retention_evicts_in_steps_down_to_the_low_mark() {
    // Bound 3,200: a step evicts whole oldest epochs down to 3,150 (1/64 less).
    let store = EventStore::with_id_prefix(Retention::events(3200), 1);
    let names: Vec<NameId> = (0..10)
        .map(|i| store.intern(&format!("n{i}")).unwrap())
        .collect();
    let (mut steps, mut evicted) = (0, 0);
    for i in 0..20_000u64 {
        // 20 events an epoch over ten nodes; now and then one for an older epoch.
        let epoch = if i % 97 == 0 {
            (i / 20).saturating_sub(30)
        } else {
            i / 20
        };
        store
            .add(names[(i % 10) as usize], names[0], epoch, b"v", 0.0)
            .unwrap();
        let len = store.len();
        assert!(len <= 3200, "over the bound: {len}");
        let now = store.stats().evicted_events;
        if now != evicted {
            assert!(
                (3100..=3150).contains(&len),
                "a step ends at the low mark: {len}"
            );
            steps += 1;
            evicted = now;
        }
    }
    let stats = store.stats();
    assert_eq!(stats.events as u64 + stats.evicted_events, 20_000);
    let highest = stats.highest_evicted_epoch.unwrap();
    assert_eq!(
        stats.evicted_epochs,
        highest + 1,
        "every epoch up to it went"
    );
    let epochs = store.epochs().unwrap();
    assert_eq!(epochs, (highest + 1..1000).collect::<Vec<_>>());
    for epoch in [0, highest] {
        assert!(store.get(names[1], names[0], epoch).unwrap().is_empty());
    }
    assert!(
        (250..=400).contains(&steps),
        "steps of about 50 events, not one per epoch: {steps}"
    );
}

#[test]
fn an_evicted_epoch_stays_evicted() {
    let store = EventStore::with_id_prefix(Retention::events(100), 1);
    // Consecutive ids map to distinct shards: the first four names fill the
    // store, the other four land in shards that never held an evicted epoch.
    let names: Vec<NameId> = (0..8)
        .map(|i| store.intern(&format!("n{i}")).unwrap())
        .collect();
    for i in 0..200u64 {
        store
            .add(names[(i % 4) as usize], names[0], i / 10, b"v", 0.0)
            .unwrap();
    }
    let highest = store.stats().highest_evicted_epoch.unwrap();
    for epoch in store.epochs().unwrap() {
        store.clear_epoch(epoch).unwrap();
    }
    assert_eq!(store.len(), 0, "room for anything now");
    let evicted = store.stats().evicted_events;
    // Whichever shard the node lands in, an add to an evicted epoch goes at once.
    for (i, &node) in names.iter().enumerate() {
        store
            .add(node, names[0], highest - (i as u64 % 2), b"late", 0.0)
            .unwrap();
    }
    assert_eq!(store.len(), 0);
    assert_eq!(store.stats().evicted_events, evicted + 8);
    store
        .add(names[3], names[0], highest + 1, b"kept", 0.0)
        .unwrap();
    assert_eq!(store.get(names[3], names[0], highest + 1).unwrap().len(), 1);
}

#[test]
fn a_byte_bound_holds_across_shards_and_threads() {
    // One thread, many nodes (all shards), values of many sizes: within the
    // bound after every add, each add reading only its own shard's bytes.
    let retention = Retention {
        max_events: None,
        max_bytes: Some(50_000),
    };
    let store = EventStore::with_id_prefix(retention, 1);
    let names: Vec<NameId> = (0..32)
        .map(|i| store.intern(&format!("n{i}")).unwrap())
        .collect();
    let mut lcg = workload::Lcg::new(5);
    for i in 0..20_000u64 {
        let len = lcg.draw(300) as usize;
        let node = names[lcg.draw(32) as usize];
        store.add(node, node, i / 25, &vec![1u8; len], 0.0).unwrap();
        assert!(
            store.bytes() <= 50_000,
            "{} bytes after add {i}",
            store.bytes()
        );
    }
    assert!(
        store.bytes() > 40_000,
        "eviction steps go to the low mark only"
    );

    // Four threads: within the bound once they are done and one more add looked.
    let store = Arc::new(EventStore::with_id_prefix(retention, 2));
    let names: Vec<NameId> = (0..32)
        .map(|i| store.intern(&format!("n{i}")).unwrap())
        .collect();
    let threads: Vec<_> = (0..4u64)
        .map(|t| {
            let (store, names) = (Arc::clone(&store), names.clone());
            std::thread::spawn(move || {
                for i in 0..10_000u64 {
                    let node = names[((i + t * 8) % 32) as usize];
                    store
                        .add(node, node, i / 25, &vec![2u8; (i % 200) as usize], 0.0)
                        .unwrap();
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    store
        .add(names[0], names[0], 10_000, &[3u8; 100], 0.0)
        .unwrap();
    let stats = store.stats();
    assert!(stats.bytes <= 50_000, "{} bytes retained", stats.bytes);
    assert_eq!(stats.events as u64 + stats.evicted_events, 40_001);
}

#[test]
fn retention_by_bytes() {
    let retention = Retention {
        max_events: None,
        max_bytes: Some(1000),
    };
    let store = EventStore::with_id_prefix(retention, 1);
    let a = store.intern("a").unwrap();
    for epoch in 0..10 {
        store.add(a, a, epoch, &[0u8; 300], 0.0).unwrap();
        assert!(store.bytes() <= 1000);
    }
    assert_eq!(store.epochs().unwrap(), vec![7, 8, 9]);
    assert_eq!(store.stats().evicted_epochs, 7);
}

#[test]
fn many_keys_and_epochs_answer_exactly() {
    let store = store();
    let mut expected: HashMap<(String, u64), Vec<u64>> = HashMap::new();
    for i in 0..2000u64 {
        let node = format!("n{}", i % 97);
        let id = store.add_named(&node, "s", i % 3, b"v", 0.0).unwrap();
        expected.entry((node, i % 3)).or_default().push(id);
    }
    for ((node, epoch), want) in expected {
        assert_eq!(ids(&store.get_named(&node, "s", epoch).unwrap()), want);
    }
}

#[test]
fn workload_round_trip() {
    let store = store();
    let events = workload::events(20_000, 7, 64);
    for event in &events {
        let (node, signal, epoch) = event.key.names();
        store
            .add_named(&node, signal, epoch, &event.value, event.timestamp)
            .unwrap();
    }
    assert_eq!(store.len(), 20_000);
    assert_eq!(store.stats().epochs, 1000);
    for (i, event) in events.iter().enumerate().step_by(7) {
        let (node, signal, epoch) = event.key.names();
        let found = store.get_named(&node, signal, epoch).unwrap();
        assert_eq!(found.len(), 1, "workload keys hold one event each");
        assert_eq!(found[0].value(), &event.value[..]);
        assert_eq!(found[0].timestamp(), event.timestamp);
        assert_eq!(found[0].id(), (0x1234 << 32) + i as u64);
    }
}

/// Many threads add, read and clear at once; afterwards every added event is
/// either still stored (once, intact) or was counted by exactly one clear.
#[test]
fn concurrent_adds_gets_and_clears_lose_and_duplicate_nothing() {
    const WRITERS: u64 = 4;
    const PER_WRITER: u64 = 20_000;
    let store = Arc::new(EventStore::with_id_prefix(Retention::UNBOUNDED, 9));
    let names: Vec<NameId> = (0..8)
        .map(|i| store.intern(&format!("n{i}")).unwrap())
        .collect();
    let stop = Arc::new(AtomicBool::new(false));

    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let (store, names) = (Arc::clone(&store), names.clone());
            std::thread::spawn(move || {
                let mut mine = Vec::with_capacity(PER_WRITER as usize);
                for i in 0..PER_WRITER {
                    // Shared epochs: every writer adds to epoch i / 50.
                    let epoch = i / 50;
                    let node = names[(i % 8) as usize];
                    let signal = names[(w % 8) as usize];
                    let value = [w.to_le_bytes(), i.to_le_bytes()].concat();
                    let id = if i % 10 == 0 {
                        let batch = [NewEvent {
                            node,
                            signal,
                            epoch,
                            timestamp: i as f64,
                            value: &value,
                        }];
                        let mut out = [0];
                        store.add_batch(&batch, Some(&mut out)).unwrap();
                        out[0]
                    } else {
                        store.add(node, signal, epoch, &value, i as f64).unwrap()
                    };
                    mine.push((id, w, i));
                }
                mine
            })
        })
        .collect();

    let readers: Vec<_> = (0..2)
        .map(|r| {
            let (store, names, stop) = (Arc::clone(&store), names.clone(), Arc::clone(&stop));
            std::thread::spawn(move || {
                let mut seen = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    for (k, &node) in names.iter().enumerate() {
                        let signal = names[(k + r) % 8];
                        if let Some(event) = store.latest(node, signal).unwrap() {
                            assert_eq!((event.node(), event.signal()), (node, signal));
                            seen += 1;
                        }
                        let epoch = seen % 400;
                        let events = store.get(node, signal, epoch).unwrap();
                        assert!(events.windows(2).all(|w| w[0].id() < w[1].id()));
                        for event in events {
                            let w = u64::from_le_bytes(event.value()[..8].try_into().unwrap());
                            assert_eq!(names[(w % 8) as usize], signal, "value matches its key");
                        }
                    }
                    // A batch over every key of a few epochs: groups lock several
                    // shards at once while writers and the clearer lock them too.
                    let keys: Vec<(NameId, NameId, u64)> = (0..100u64)
                        .map(|k| {
                            let epoch = (seen + k / 64) % 400;
                            (
                                names[(k % 8) as usize],
                                names[((k / 8) % 8) as usize],
                                epoch,
                            )
                        })
                        .collect();
                    let mut out = Vec::new();
                    let mut counts = vec![usize::MAX; keys.len()];
                    store.get_many_into(&keys, &mut out, &mut counts).unwrap();
                    assert_eq!(counts.iter().sum::<usize>(), out.len());
                    let mut at = 0;
                    for (&(node, signal, epoch), &count) in keys.iter().zip(&counts) {
                        let mine = &out[at..at + count];
                        at += count;
                        assert!(mine.windows(2).all(|w| w[0].id() < w[1].id()));
                        for event in mine {
                            assert_eq!(
                                (event.node(), event.signal(), event.epoch()),
                                (node, signal, epoch)
                            );
                            let w = u64::from_le_bytes(event.value()[..8].try_into().unwrap());
                            assert_eq!(names[(w % 8) as usize], signal, "value matches its key");
                        }
                    }
                }
                seen
            })
        })
        .collect();

    let clearer = {
        let store = Arc::clone(&store);
        std::thread::spawn(move || {
            let mut cleared = 0usize;
            // Clear some epochs while they are still being written.
            for epoch in (0..400).step_by(3) {
                cleared += store.clear_epoch(epoch).unwrap();
                std::thread::yield_now();
            }
            cleared
        })
    };

    let mut all = Vec::new();
    for writer in writers {
        all.extend(writer.join().unwrap());
    }
    let cleared = clearer.join().unwrap();
    stop.store(true, Ordering::Relaxed);
    for reader in readers {
        reader.join().unwrap();
    }

    let total = WRITERS * PER_WRITER;
    let unique: HashSet<u64> = all.iter().map(|(id, _, _)| *id).collect();
    assert_eq!(unique.len() as u64, total, "ids are unique");
    let stats = store.stats();
    assert_eq!(stats.added, total);
    assert_eq!(
        stats.events + cleared,
        total as usize,
        "nothing lost, nothing counted twice"
    );
    assert_eq!(stats.cleared_events as usize, cleared);

    let by_id: HashMap<u64, (u64, u64)> = all.iter().map(|&(id, w, i)| (id, (w, i))).collect();
    let mut stored = 0;
    let mut seen = HashSet::new();
    for epoch in store.epochs().unwrap() {
        for event in store.epoch_events(epoch).unwrap() {
            assert!(seen.insert(event.id()), "event stored twice");
            let (w, i) = by_id[&event.id()];
            assert_eq!(
                event.value(),
                &[w.to_le_bytes(), i.to_le_bytes()].concat()[..]
            );
            assert_eq!(event.epoch(), i / 50);
            stored += 1;
        }
    }
    assert_eq!(stored, stats.events);
    // Latest agrees with a scan of what is left.
    for &node in &names {
        for &signal in &names {
            let expected = store
                .epochs()
                .unwrap()
                .into_iter()
                .rev()
                .find_map(|epoch| store.get(node, signal, epoch).unwrap().pop());
            assert_eq!(store.latest(node, signal).unwrap(), expected);
        }
    }
}

#[test]
fn concurrent_close_leaves_nothing_behind() {
    for _ in 0..20 {
        let store = Arc::new(EventStore::with_id_prefix(Retention::UNBOUNDED, 2));
        let a = store.intern("a").unwrap();
        let writers: Vec<_> = (0..2)
            .map(|t| {
                let store = Arc::clone(&store);
                std::thread::spawn(move || {
                    for i in 0..5_000u64 {
                        match store.add(a, a, i % 37 + t, b"v", 0.0) {
                            Ok(_) => {}
                            Err(StoreError::Closed) => return,
                            Err(other) => panic!("{other}"),
                        }
                    }
                })
            })
            .collect();
        std::thread::yield_now();
        store.close();
        for writer in writers {
            writer.join().unwrap();
        }
        assert_eq!(store.len(), 0);
        assert_eq!(store.bytes(), 0);
        assert_eq!(store.epochs().unwrap_err(), StoreError::Closed);
        for cell in store.shards.iter() {
            assert_eq!(cell.shard.read().epochs().count(), 0);
        }
    }
}

/// Threads adding to a bounded store at once: nothing is lost (every event is
/// retained or counted as evicted), ids stay unique, and once the adds stop
/// the bound holds again after one more add.
#[test]
fn concurrent_adds_to_a_bounded_store() {
    const THREADS: u64 = 4;
    const PER_THREAD: u64 = 20_000;
    let store = Arc::new(EventStore::with_id_prefix(Retention::events(1_000), 3));
    let names: Vec<NameId> = (0..16)
        .map(|i| store.intern(&format!("n{i}")).unwrap())
        .collect();
    let threads: Vec<_> = (0..THREADS)
        .map(|t| {
            let (store, names) = (Arc::clone(&store), names.clone());
            std::thread::spawn(move || {
                let node = |i: u64| names[((i + t * 4) % 16) as usize];
                if t % 2 == 0 {
                    (0..PER_THREAD)
                        .map(|i| store.add(node(i), node(i), i / 10, b"v", 0.0).unwrap())
                        .collect::<Vec<_>>()
                } else {
                    // Batches of one epoch's ten events (locks held for
                    // parts of a batch, evictions handed to this thread).
                    let mut ids = vec![0; PER_THREAD as usize];
                    for (epoch, out) in ids.chunks_mut(10).enumerate() {
                        let events: Vec<NewEvent<'_>> = (0..10)
                            .map(|k| {
                                let i = epoch as u64 * 10 + k;
                                NewEvent {
                                    node: node(i),
                                    signal: node(i),
                                    epoch: epoch as u64,
                                    timestamp: 0.0,
                                    value: b"v",
                                }
                            })
                            .collect();
                        store.add_batch(&events, Some(out)).unwrap();
                    }
                    ids
                }
            })
        })
        .collect();
    let mut ids = HashSet::new();
    for thread in threads {
        for id in thread.join().unwrap() {
            assert!(ids.insert(id));
        }
    }
    let stats = store.stats();
    let total = THREADS * PER_THREAD;
    assert_eq!(stats.added, total);
    assert_eq!(stats.events as u64 + stats.evicted_events, total);
    assert!(stats.evicted_epochs > 0);
    store
        .add(names[0], names[0], PER_THREAD, b"last", 0.0)
        .unwrap();
    assert!(store.len() <= 1_000, "{} events retained", store.len());
    let epochs = store.epochs().unwrap();
    assert_eq!(epochs.last(), Some(&PER_THREAD));
    assert!(epochs.windows(2).all(|w| w[0] < w[1]));
    assert!(
        store.stats().highest_evicted_epoch < Some(PER_THREAD),
        "the newest epoch is never evicted"
    );
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]

    /// A batch get (keys located in groups, several shards locked at once)
    /// answers exactly what one get per key answers, in key order: many
    /// nodes (so many shards), several events per key, adds to older epochs,
    /// epochs cleared, unknown names and repeated keys.
    #[test]
    fn batch_get_equals_one_get_per_key(
        adds in proptest::collection::vec((0u32..40, 0u32..3, 0u64..30), 1..400),
        clears in proptest::collection::vec(0u64..30, 0..5),
        keys in proptest::collection::vec((0u32..44, 0u32..4, 0u64..32), 0..200),
    ) {
        let store = store();
        let nodes: Vec<NameId> = (0..40).map(|i| store.intern(&format!("node{i}")).unwrap()).collect();
        let signals: Vec<NameId> = (0..3).map(|i| store.intern(&format!("sig{i}")).unwrap()).collect();
        for (i, &(node, signal, epoch)) in adds.iter().enumerate() {
            let value = (i as u32).to_le_bytes();
            store.add(nodes[node as usize], signals[signal as usize], epoch, &value, i as f64).unwrap();
        }
        for epoch in clears {
            store.clear_epoch(epoch).unwrap();
        }
        // Ids past the interned ones are names never interned.
        let id = |table: &[NameId], i: u32| table.get(i as usize).copied().unwrap_or(1000 + i);
        let keys: Vec<(NameId, NameId, u64)> = keys
            .iter()
            .map(|&(n, s, e)| (id(&nodes, n), id(&signals, s), e))
            .collect();
        let mut out = Vec::new();
        let mut counts = vec![usize::MAX; keys.len()];
        store.get_many_into(&keys, &mut out, &mut counts).unwrap();
        let mut expected = Vec::new();
        let mut expected_counts = Vec::new();
        for &(node, signal, epoch) in &keys {
            let events = store.get(node, signal, epoch).unwrap();
            expected_counts.push(events.len());
            expected.extend(events);
        }
        proptest::prop_assert_eq!(counts, expected_counts);
        proptest::prop_assert_eq!(out, expected);
    }

    /// Adding events in batches (grouped by shard, one id reservation per
    /// batch, short values copied under the lock, long ones allocated
    /// before) leaves the store exactly as adding them one by one: the same
    /// ids (consecutive, increasing in add order), the same events per key
    /// and epoch, the same counters. Many nodes (so many shards), adds to
    /// older epochs, values either side of the inline limit.
    #[test]
    fn batch_add_equals_single_adds(
        adds in proptest::collection::vec((0u32..40, 0u32..3, 0u64..30, 0usize..100), 1..500),
        cuts in proptest::collection::vec(0usize..500, 0..6),
    ) {
        let (single, batched) = (store(), store());
        let names = |store: &EventStore| -> (Vec<NameId>, Vec<NameId>) {
            (
                (0..40).map(|i| store.intern(&format!("node{i}")).unwrap()).collect(),
                (0..3).map(|i| store.intern(&format!("sig{i}")).unwrap()).collect(),
            )
        };
        let (nodes, signals) = names(&single);
        proptest::prop_assert_eq!(names(&batched), (nodes.clone(), signals.clone()));
        let values: Vec<Vec<u8>> = adds
            .iter()
            .enumerate()
            .map(|(i, &(.., len))| (0..len).map(|j| (i + j) as u8).collect())
            .collect();
        let events: Vec<NewEvent> = adds
            .iter()
            .zip(&values)
            .enumerate()
            .map(|(i, (&(node, signal, epoch, _), value))| NewEvent {
                node: nodes[node as usize],
                signal: signals[signal as usize],
                epoch,
                timestamp: i as f64,
                value,
            })
            .collect();
        let single_ids: Vec<u64> = events
            .iter()
            .map(|e| single.add(e.node, e.signal, e.epoch, e.value, e.timestamp).unwrap())
            .collect();
        let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c % (events.len() + 1)).collect();
        cuts.extend([0, events.len()]);
        cuts.sort_unstable();
        let mut batched_ids = vec![0; events.len()];
        for cut in cuts.windows(2) {
            let (from, to) = (cut[0], cut[1]);
            batched.add_batch(&events[from..to], Some(&mut batched_ids[from..to])).unwrap();
        }
        proptest::prop_assert!(batched_ids.windows(2).all(|w| w[0] < w[1]), "ids increase");
        proptest::prop_assert_eq!(&batched_ids, &single_ids);
        for &node in &nodes {
            for &signal in &signals {
                for epoch in 0..30 {
                    proptest::prop_assert_eq!(
                        batched.get(node, signal, epoch).unwrap(),
                        single.get(node, signal, epoch).unwrap()
                    );
                }
                proptest::prop_assert_eq!(
                    batched.latest(node, signal).unwrap(),
                    single.latest(node, signal).unwrap()
                );
            }
        }
        proptest::prop_assert_eq!(batched.stats(), single.stats());
    }
}
