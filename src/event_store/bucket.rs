//! The events of one epoch, in the order they were added.
//!
//! Most epochs hold a few events per (node, signal) and a few dozen in all, so
//! a bucket is a plain vector scanned linearly; once it holds more than
//! [`INDEX_FROM`] events it also keeps a hash index from key to positions so a
//! lookup in a large epoch stays O(events of that key).
//!
//! Not synchronised: the store keeps each bucket under its shard's lock.

use super::event::Stored;
use foldhash::fast::FixedState;
use std::collections::HashMap;

/// Buckets with more events than this get a key index.
const INDEX_FROM: usize = 32;

#[derive(Debug, Default)]
pub(crate) struct Bucket {
    entries: Vec<Stored>,
    /// Sum of the value lengths.
    bytes: usize,
    index: Option<HashMap<u64, Vec<u32>, FixedState>>,
}

impl Bucket {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Appends an event. Buckets grow by half their size (not double) to keep
    /// the unused tail small: memory per stored event is a goal.
    pub fn push(&mut self, stored: Stored) {
        if self.entries.len() == self.entries.capacity() {
            let extra = (self.entries.len() / 2).max(4);
            self.entries.reserve_exact(extra);
        }
        let position = self.entries.len() as u32;
        self.bytes += stored.value.len();
        if let Some(index) = &mut self.index {
            index.entry(stored.key).or_default().push(position);
        }
        self.entries.push(stored);
        if self.index.is_none() && self.entries.len() > INDEX_FROM {
            let mut index: HashMap<u64, Vec<u32>, FixedState> = HashMap::default();
            for (position, entry) in self.entries.iter().enumerate() {
                index.entry(entry.key).or_default().push(position as u32);
            }
            self.index = Some(index);
        }
    }

    /// The events of `key`, in insertion order.
    pub fn for_key(&self, key: u64, mut each: impl FnMut(&Stored)) {
        match &self.index {
            Some(index) => {
                for &position in index.get(&key).map_or(&[][..], Vec::as_slice) {
                    each(&self.entries[position as usize]);
                }
            }
            None => self
                .entries
                .iter()
                .filter(|entry| entry.key == key)
                .for_each(each),
        }
    }

    /// The last event added for `key`.
    pub fn last_for(&self, key: u64) -> Option<&Stored> {
        match &self.index {
            Some(index) => index
                .get(&key)
                .and_then(|positions| positions.last())
                .map(|&position| &self.entries[position as usize]),
            None => self.entries.iter().rev().find(|entry| entry.key == key),
        }
    }

    pub fn entries(&self) -> &[Stored] {
        &self.entries
    }

    /// The distinct keys present, in no particular order.
    pub fn distinct_keys(&self) -> Vec<u64> {
        let mut keys: Vec<u64> = match &self.index {
            Some(index) => index.keys().copied().collect(),
            None => self.entries.iter().map(|entry| entry.key).collect(),
        };
        keys.sort_unstable();
        keys.dedup();
        keys
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn stored(key: u64, id: u64) -> Stored {
        Stored {
            key,
            id,
            timestamp: id as f64,
            value: Arc::from(&id.to_le_bytes()[..]),
        }
    }

    fn ids_for(bucket: &Bucket, key: u64) -> Vec<u64> {
        let mut ids = Vec::new();
        bucket.for_key(key, |entry| ids.push(entry.id));
        ids
    }

    #[test]
    fn small_and_indexed_buckets_answer_alike() {
        let mut bucket = Bucket::default();
        for id in 0..200u64 {
            bucket.push(stored(id % 7, id));
            if id == 20 || id == 199 {
                for key in 0..8 {
                    let expected: Vec<u64> = (0..=id).filter(|i| i % 7 == key).collect();
                    assert_eq!(ids_for(&bucket, key), expected);
                    assert_eq!(bucket.last_for(key).map(|e| e.id), expected.last().copied());
                }
            }
        }
        assert!(bucket.index.is_some());
        assert_eq!(bucket.len(), 200);
        assert_eq!(bucket.bytes(), 200 * 8);
        assert_eq!(bucket.distinct_keys(), (0..7).collect::<Vec<_>>());
    }

    #[test]
    fn growth_leaves_a_small_tail() {
        let mut bucket = Bucket::default();
        for id in 0..20 {
            bucket.push(stored(id, id));
        }
        assert!(
            bucket.entries.capacity() <= 30,
            "{}",
            bucket.entries.capacity()
        );
    }
}
