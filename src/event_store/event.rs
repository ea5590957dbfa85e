//! One stored event, and the ids events get.
//!
//! # Event ids
//!
//! An id is a 64-bit number `prefix << 32 | sequence` where `prefix` is drawn
//! from the operating system's random source when the store is created and
//! `sequence` counts the events added to that store (from 0). So ids are unique
//! within a store, increase in the order events are added, and ids of stores on
//! different machines or processes do not collide (unless two stores draw
//! prefixes within `events added / 2^32` of each other).
//!
//! The prefix has 31 random bits (bit 63 is always 0), so an id also fits a
//! signed 64-bit integer (SQL, JSON, Java). When the 32-bit sequence wraps after
//! 2^32 events, the carry simply moves into the prefix: ids keep increasing and
//! stay unique within the store. The counter cannot run out before 2^63 events
//! (about 29,000 years at 10 million events per second); if it ever did, adds
//! would fail with [`IdsExhausted`] instead of reusing an id.

use super::value::Value;
use crossbeam_utils::CachePadded;
use std::sync::atomic::{AtomicU64, Ordering};

use super::interner::NameId;

/// An event as handed out by the store: a copy that owns its value (short
/// values copied, long ones shared with the store; see `value.rs`), so it stays
/// whole even after the event's epoch is cleared or evicted.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub(crate) id: u64,
    pub(crate) node: NameId,
    pub(crate) signal: NameId,
    pub(crate) epoch: u64,
    pub(crate) timestamp: f64,
    pub(crate) value: Value,
}

impl Event {
    pub fn id(&self) -> u64 {
        self.id
    }
    pub fn node(&self) -> NameId {
        self.node
    }
    pub fn signal(&self) -> NameId {
        self.signal
    }
    pub fn epoch(&self) -> u64 {
        self.epoch
    }
    /// Seconds since the Unix epoch, as given when the event was added.
    pub fn timestamp(&self) -> f64 {
        self.timestamp
    }
    pub fn value(&self) -> &[u8] {
        &self.value
    }
}

#[inline]
pub(crate) fn pack_key(node: NameId, signal: NameId) -> u64 {
    (u64::from(node) << 32) | u64::from(signal)
}

#[inline]
pub(crate) fn unpack_key(key: u64) -> (NameId, NameId) {
    ((key >> 32) as NameId, key as NameId)
}

/// Every id below 2^63 is usable.
const LAST_ID: u64 = (1 << 63) - 1;

/// Adding would need an id beyond 2^63 - 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IdsExhausted;

/// Hands out ids `prefix << 32`, `prefix << 32 | 1`, ...
///
/// The counter, written by every add on every thread, has a cache line of its
/// own; `first` is read-only and sits apart from it.
#[derive(Debug)]
pub(crate) struct IdSource {
    first: u64,
    next: CachePadded<AtomicU64>,
}

impl IdSource {
    /// A source with a prefix from the OS random source (a fixed fallback
    /// prefix is never used: if the OS has no randomness, this fails).
    pub fn random() -> Result<Self, getrandom::Error> {
        let prefix = u64::from(getrandom::u32()? >> 1);
        Ok(Self::with_prefix(prefix))
    }

    pub fn with_prefix(prefix: u64) -> Self {
        let first = (prefix & 0x7fff_ffff) << 32;
        IdSource {
            first,
            next: CachePadded::new(AtomicU64::new(first)),
        }
    }

    /// The 31-bit prefix drawn for this store.
    pub fn prefix(&self) -> u32 {
        (self.first >> 32) as u32
    }

    /// Reserves `count` consecutive ids and returns the first.
    #[inline]
    pub fn take(&self, count: u64) -> Result<u64, IdsExhausted> {
        let first = self.next.fetch_add(count, Ordering::Relaxed);
        match first.checked_add(count) {
            Some(end) if end - 1 <= LAST_ID || count == 0 => Ok(first),
            _ => {
                // Undo, so the counter does not keep climbing towards a wrap.
                self.next.fetch_sub(count, Ordering::Relaxed);
                Err(IdsExhausted)
            }
        }
    }

    /// How many ids were handed out.
    pub fn issued(&self) -> u64 {
        self.next.load(Ordering::Relaxed) - self.first
    }

    /// How many ids were handed out when `id` was (a lower bound of
    /// `issued` from then on that does not read the shared counter).
    #[inline]
    pub fn issued_through(&self, id: u64) -> u64 {
        id - self.first + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_carry_into_the_prefix_and_stop_at_2_pow_63() {
        let ids = IdSource::with_prefix(5);
        assert_eq!(ids.prefix(), 5);
        assert_eq!(ids.take(1), Ok(5 << 32));
        assert_eq!(ids.take(3), Ok((5 << 32) + 1));
        assert_eq!(ids.issued(), 4);

        let ids = IdSource::with_prefix(0x7fff_ffff);
        ids.next.store(LAST_ID - 1, Ordering::Relaxed);
        assert_eq!(ids.take(2), Ok(LAST_ID - 1));
        assert_eq!(ids.take(1), Err(IdsExhausted));
        assert_eq!(
            ids.take(1),
            Err(IdsExhausted),
            "a refusal leaves the counter as it was"
        );
    }

    #[test]
    fn random_prefixes_keep_bit_63_clear() {
        for _ in 0..32 {
            let ids = IdSource::random().unwrap();
            assert!(ids.prefix() < (1 << 31));
            assert_eq!(ids.take(1).unwrap() >> 63, 0);
        }
    }

    #[test]
    fn keys_pack_both_ids() {
        assert_eq!(unpack_key(pack_key(7, u32::MAX - 1)), (7, u32::MAX - 1));
    }
}
