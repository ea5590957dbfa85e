//! One shard of the store: the events of the (node, signal) keys that hash to
//! it, each key's events sorted by (epoch, id), and the epochs present here.
//!
//! Sharding by key (not by epoch) puts everything an add touches, and the
//! latest event of a key, under one lock. Clearing an epoch visits every shard
//! that holds it (it is done once per epoch, not per event).
//!
//! Not synchronised: the store keeps each shard under its own lock.

use foldhash::fast::FixedState;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

/// One stored event of a key (the key is the map entry's): 40 bytes plus the
/// shared value.
#[derive(Clone, Debug)]
pub(crate) struct Slot {
    pub epoch: u64,
    pub id: u64,
    pub timestamp: f64,
    pub value: Arc<[u8]>,
}

impl Slot {
    fn order(&self) -> (u64, u64) {
        (self.epoch, self.id)
    }
}

/// A key's events sorted by (epoch, id): the latest event is the last one.
#[derive(Debug, Default)]
pub(crate) struct KeyEvents {
    slots: VecDeque<Slot>,
}

impl KeyEvents {
    fn insert(&mut self, slot: Slot) {
        // Streaming adds land at the end; adds to older epochs (or an id drawn
        // before a concurrent add's) are placed where they sort.
        if self
            .slots
            .back()
            .map_or(true, |last| last.order() < slot.order())
        {
            self.slots.push_back(slot);
        } else {
            let at = self.slots.partition_point(|s| s.order() < slot.order());
            self.slots.insert(at, slot);
        }
    }

    /// The slots of `epoch`, oldest first.
    pub fn epoch(&self, epoch: u64) -> impl Iterator<Item = &Slot> {
        let start = match self.slots.back() {
            // The common case: the newest epoch.
            Some(last) if last.epoch < epoch => self.slots.len(),
            _ => self.slots.partition_point(|s| s.epoch < epoch),
        };
        self.slots
            .range(start..)
            .take_while(move |s| s.epoch == epoch)
    }

    pub fn latest(&self) -> Option<&Slot> {
        self.slots.back()
    }

    /// Removes the slots of `epoch`; returns (events, bytes) removed.
    fn remove_epoch(&mut self, epoch: u64) -> (usize, usize) {
        let (mut count, mut bytes) = (0, 0);
        match (self.slots.front(), self.slots.back()) {
            // Clearing the oldest epochs, most keys hold none of them: O(1).
            (Some(first), Some(last)) if first.epoch > epoch || last.epoch < epoch => {
                return (0, 0)
            }
            (None, _) | (_, None) => return (0, 0),
            _ => {}
        }
        if self.slots.front().is_some_and(|s| s.epoch == epoch) {
            while let Some(slot) = self.slots.pop_front_if_epoch(epoch) {
                count += 1;
                bytes += slot.value.len();
            }
        } else {
            let start = self.slots.partition_point(|s| s.epoch < epoch);
            let end = self.slots.partition_point(|s| s.epoch <= epoch);
            for slot in self.slots.drain(start..end) {
                count += 1;
                bytes += slot.value.len();
            }
        }
        if self.slots.is_empty() {
            // A key that comes back later starts small again.
            self.slots = VecDeque::new();
        }
        (count, bytes)
    }
}

trait PopFrontIf {
    fn pop_front_if_epoch(&mut self, epoch: u64) -> Option<Slot>;
}

impl PopFrontIf for VecDeque<Slot> {
    fn pop_front_if_epoch(&mut self, epoch: u64) -> Option<Slot> {
        if self.front()?.epoch == epoch {
            self.pop_front()
        } else {
            None
        }
    }
}

#[derive(Debug, Default)]
pub(crate) struct Shard {
    keys: HashMap<u64, KeyEvents, FixedState>,
    /// The epochs with events in this shard and how many, ascending.
    epochs: VecDeque<(u64, usize)>,
    pub events: usize,
    pub bytes: usize,
}

impl Shard {
    pub fn insert(&mut self, key: u64, slot: Slot) {
        let epoch = slot.epoch;
        self.events += 1;
        self.bytes += slot.value.len();
        self.keys.entry(key).or_default().insert(slot);
        match self.epochs.back_mut() {
            Some((last, count)) if *last == epoch => *count += 1,
            Some((last, _)) if *last > epoch => {
                match self.epochs.binary_search_by_key(&epoch, |(e, _)| *e) {
                    Ok(at) => self.epochs[at].1 += 1,
                    Err(at) => self.epochs.insert(at, (epoch, 1)),
                }
            }
            _ => self.epochs.push_back((epoch, 1)),
        }
    }

    #[cfg(test)]
    pub fn key_count(&self) -> usize {
        self.keys.len()
    }

    pub fn key(&self, key: u64) -> Option<&KeyEvents> {
        self.keys.get(&key)
    }

    /// Removes every event of `epoch`; returns (events, bytes) removed.
    pub fn remove_epoch(&mut self, epoch: u64) -> (usize, usize) {
        let Ok(at) = self.epochs.binary_search_by_key(&epoch, |(e, _)| *e) else {
            return (0, 0);
        };
        self.epochs.remove(at);
        let (mut count, mut bytes) = (0, 0);
        self.keys.retain(|_, events| {
            let (c, b) = events.remove_epoch(epoch);
            count += c;
            bytes += b;
            !events.slots.is_empty()
        });
        self.events -= count;
        self.bytes -= bytes;
        (count, bytes)
    }

    /// Every event of `epoch` here, with its key, in no particular order.
    pub fn epoch_slots(&self, epoch: u64, mut each: impl FnMut(u64, &Slot)) {
        if self
            .epochs
            .binary_search_by_key(&epoch, |(e, _)| *e)
            .is_err()
        {
            return;
        }
        for (&key, events) in &self.keys {
            for slot in events.epoch(epoch) {
                each(key, slot);
            }
        }
    }

    pub fn epochs(&self) -> impl Iterator<Item = u64> + '_ {
        self.epochs.iter().map(|(epoch, _)| *epoch)
    }

    /// (oldest, newest) epoch here.
    pub fn epoch_range(&self) -> Option<(u64, u64)> {
        Some((self.epochs.front()?.0, self.epochs.back()?.0))
    }

    pub fn clear(&mut self) {
        *self = Shard::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(epoch: u64, id: u64) -> Slot {
        Slot {
            epoch,
            id,
            timestamp: 0.0,
            value: Arc::from(&[1u8, 2][..]),
        }
    }

    fn ids(events: &KeyEvents, epoch: u64) -> Vec<u64> {
        events.epoch(epoch).map(|s| s.id).collect()
    }

    #[test]
    fn slots_stay_sorted_by_epoch_then_id() {
        let mut events = KeyEvents::default();
        for (epoch, id) in [(5, 10), (5, 12), (3, 13), (5, 11), (9, 14), (3, 2)] {
            events.insert(slot(epoch, id));
        }
        assert_eq!(ids(&events, 5), vec![10, 11, 12]);
        assert_eq!(ids(&events, 3), vec![2, 13]);
        assert_eq!(ids(&events, 4), Vec::<u64>::new());
        assert_eq!(ids(&events, 10), Vec::<u64>::new());
        assert_eq!(events.latest().map(|s| s.id), Some(14));
        assert_eq!(events.remove_epoch(5), (3, 6));
        assert_eq!(events.remove_epoch(3), (2, 4));
        assert_eq!(events.remove_epoch(3), (0, 0));
        assert_eq!(ids(&events, 9), vec![14]);
    }

    #[test]
    fn shard_counts_epochs_and_forgets_empty_keys() {
        let mut shard = Shard::default();
        shard.insert(1, slot(7, 1));
        shard.insert(2, slot(7, 2));
        shard.insert(1, slot(8, 3));
        shard.insert(2, slot(6, 4));
        assert_eq!(shard.epochs().collect::<Vec<_>>(), vec![6, 7, 8]);
        assert_eq!(shard.epoch_range(), Some((6, 8)));
        assert_eq!((shard.events, shard.bytes), (4, 8));
        assert_eq!(shard.remove_epoch(7), (2, 4));
        assert_eq!(shard.remove_epoch(7), (0, 0));
        assert_eq!(shard.remove_epoch(6), (1, 2));
        assert!(
            shard.key(2).is_none(),
            "a key with no events left is dropped"
        );
        let mut seen = Vec::new();
        shard.epoch_slots(8, |key, slot| seen.push((key, slot.id)));
        assert_eq!(seen, vec![(1, 3)]);
        assert_eq!((shard.events, shard.bytes), (1, 2));
    }
}
