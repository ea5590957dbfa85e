//! One shard of the store: the events of the (node, signal) keys whose node
//! maps to it, each key's events sorted by (epoch, id), and the epochs
//! present here with their value bytes.
//!
//! Sharding by key (not by epoch) puts everything an add touches, and the
//! latest event of a key, under one lock. Clearing an epoch visits every shard
//! that holds it (it is done once per epoch, not per event).
//!
//! Not synchronised: the store keeps each shard under its own lock.

use super::payloads::Payloads;
use super::shared_bytes::{prefetch, SharedBytes};
use super::value::Value;
use foldhash::fast::FixedState;
use std::collections::{HashMap, VecDeque};

/// An event to insert into a key.
#[derive(Clone, Debug)]
pub(crate) struct Slot {
    pub epoch: u64,
    pub id: u64,
    pub timestamp: f64,
    pub value: Value,
}

/// What a key keeps per event besides its epoch: 88 bytes, a short value inline
/// (one record to read: see `value.rs`).
#[derive(Clone, Debug)]
pub(crate) struct Payload {
    pub id: u64,
    pub timestamp: f64,
    pub value: Value,
}

/// Every `SAMPLE`-th event's epoch is also kept in a small index.
const SAMPLE: u64 = 8;

/// A key's events sorted by (epoch, id): the latest event is the last one.
///
/// Epochs are kept apart from the rest, densely, plus a sample of every
/// [`SAMPLE`]-th of them (about 1 byte per event): finding an epoch in a long
/// history searches the small sample (which stays in cache for busy keys)
/// and then one cache line of epochs.
///
/// Events are numbered from the key's creation ("logical" index; position in
/// the deques + `popped`). `samples[j]` is the epoch of logical index
/// `SAMPLE * (first_sample + j)`, for every such index still present.
#[derive(Debug, Default)]
pub(crate) struct KeyEvents {
    epochs: VecDeque<u64>,
    payloads: Payloads,
    samples: VecDeque<u64>,
    first_sample: u64,
    /// Events removed from the front since the key was created.
    popped: u64,
    /// The first epoch (0 when empty), kept here so that evicting an epoch
    /// skips the keys that do not hold it without reading their deques (an
    /// eviction visits every key of a shard; most keys' oldest event is newer).
    oldest: u64,
}

impl KeyEvents {
    fn insert(&mut self, slot: Slot) {
        let Slot {
            epoch,
            id,
            timestamp,
            value,
        } = slot;
        let payload = Payload {
            id,
            timestamp,
            value,
        };
        // Streaming adds land at the end; adds to older epochs (or an id drawn
        // before a concurrent add's) are placed where they sort.
        let at_end = match (self.epochs.back(), self.payloads.back()) {
            (Some(&last_epoch), Some(last)) => (last_epoch, last.id) < (epoch, id),
            _ => true,
        };
        if at_end {
            if self.epochs.is_empty() {
                self.oldest = epoch;
            }
            let logical = self.popped + self.epochs.len() as u64;
            if logical % SAMPLE == 0 {
                if self.samples.is_empty() {
                    self.first_sample = logical / SAMPLE;
                }
                self.samples.push_back(epoch);
            }
            self.epochs.push_back(epoch);
            self.payloads.push_back(payload);
        } else {
            let mut at = self.lower_bound(epoch);
            while at < self.epochs.len()
                && self.epochs[at] == epoch
                && self.payloads.get(at).is_some_and(|p| p.id < id)
            {
                at += 1;
            }
            if at == 0 {
                self.oldest = epoch;
            }
            self.epochs.insert(at, epoch);
            self.payloads.insert(at, payload);
            // Later events moved up by one: sample them again.
            self.resample_from(at);
        }
    }

    /// Updates the sample after the events from position `at` on moved within
    /// the deques (an insert or a removal there): the samples before `at` stay.
    /// An add to an epoch just behind the newest (epochs running concurrently)
    /// then costs a few samples, not the whole key.
    fn resample_from(&mut self, at: usize) {
        if self.samples.is_empty() {
            return self.resample();
        }
        let end = self.popped + self.epochs.len() as u64;
        let from = (self.popped + at as u64).div_ceil(SAMPLE);
        let mut j = from.saturating_sub(self.first_sample) as usize;
        loop {
            let logical = SAMPLE * (self.first_sample + j as u64);
            if logical >= end {
                break;
            }
            let epoch = self.epochs[(logical - self.popped) as usize];
            match self.samples.get_mut(j) {
                Some(sample) => *sample = epoch,
                None => self.samples.push_back(epoch),
            }
            j += 1;
        }
        self.samples.truncate(j);
    }

    /// Rebuilds the sample after events moved within the deques.
    fn resample(&mut self) {
        self.samples.clear();
        self.first_sample = self.popped.div_ceil(SAMPLE);
        let end = self.popped + self.epochs.len() as u64;
        let mut logical = self.first_sample * SAMPLE;
        while logical < end {
            self.samples
                .push_back(self.epochs[(logical - self.popped) as usize]);
            logical += SAMPLE;
        }
    }

    /// Removes `count` events from the front, moving their values to `sink`.
    fn pop_front(&mut self, count: usize, sink: &mut Vec<SharedBytes>) {
        for _ in 0..count {
            self.epochs.pop_front();
            if let Some(shared) = self
                .payloads
                .pop_front()
                .and_then(|p| p.value.into_shared())
            {
                sink.push(shared);
            }
        }
        self.popped += count as u64;
        self.oldest = self.epochs.front().copied().unwrap_or(0);
        while !self.samples.is_empty() && self.first_sample * SAMPLE < self.popped {
            self.samples.pop_front();
            self.first_sample += 1;
        }
    }

    /// The position of the first event whose epoch is not below `epoch`:
    /// a binary search of the sample, then of at most `SAMPLE` epochs.
    fn lower_bound(&self, epoch: u64) -> usize {
        self.lower_bound_with(epoch, |_, _| {})
    }

    /// As `lower_bound`, prefetching the payloads of the window the sample
    /// leaves to search.
    fn lower_bound_prefetching(&self, epoch: u64) -> usize {
        self.lower_bound_with(epoch, |lo, hi| {
            for at in lo..=hi {
                self.prefetch_payload(at);
            }
        })
    }

    /// `lower_bound`, calling `window(lo, hi)` with the bounds of the final
    /// search (the answer lies in `lo..=hi`) before it runs.
    #[inline]
    fn lower_bound_with(&self, epoch: u64, window: impl FnOnce(usize, usize)) -> usize {
        let (lo, hi) = self.window(epoch);
        if lo < hi {
            window(lo, hi);
        }
        self.finish_lower_bound(epoch, lo, hi)
    }

    /// The first step of `lower_bound`: bounds `lo..=hi` of the answer, from
    /// the sample alone (`lo == hi`: that is the answer).
    #[inline]
    fn window(&self, epoch: u64) -> (usize, usize) {
        let epochs = &self.epochs;
        let (Some(&first), Some(&last)) = (epochs.front(), epochs.back()) else {
            return (0, 0);
        };
        if epoch <= first {
            return (0, 0);
        }
        if epoch > last {
            return (epochs.len(), epochs.len());
        }
        // samples[..j] < epoch <= samples[j..]: the answer lies after sample
        // j - 1 and at or before sample j.
        let j = guided_partition_point(&self.samples, epoch);
        let position = |j: usize| (SAMPLE * (self.first_sample + j as u64) - self.popped) as usize;
        let lo = if j == 0 { 0 } else { position(j - 1) + 1 };
        let hi = if j == self.samples.len() {
            epochs.len()
        } else {
            position(j)
        };
        (lo, hi)
    }

    /// The second step: bisects the epochs in `lo..hi`.
    #[inline]
    fn finish_lower_bound(&self, epoch: u64, mut lo: usize, mut hi: usize) -> usize {
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.epochs[mid] < epoch {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    /// For a batch: the first step of a lookup of `epoch`, prefetching the
    /// epochs that the second step ([`finish_span`](Self::finish_span)) reads.
    #[inline]
    pub fn start_span(&self, epoch: u64) -> (usize, usize) {
        let (lo, hi) = self.window(epoch);
        if let Some(first) = self.epochs.get(lo) {
            prefetch(first as *const u64);
        }
        if let Some(last) = self.epochs.get(hi) {
            prefetch(last as *const u64);
        }
        (lo, hi)
    }

    /// For a batch: the rest of [`span`](Self::span), from what
    /// [`start_span`](Self::start_span) gave; prefetches the first payload found.
    #[inline]
    pub fn finish_span(&self, epoch: u64, (lo, hi): (usize, usize)) -> (usize, usize) {
        let start = self.finish_lower_bound(epoch, lo, hi);
        let count = self.count_from(start, epoch);
        if count > 0 {
            self.prefetch_payload(start);
        }
        (start, count)
    }

    fn count_from(&self, start: usize, epoch: u64) -> usize {
        self.epochs
            .range(start..)
            .take_while(|&&e| e == epoch)
            .count()
    }

    /// The events of `epoch`, oldest first.
    pub fn epoch(&self, epoch: u64) -> impl Iterator<Item = &Payload> {
        let (start, count) = self.span(epoch);
        self.payloads.range(start..start + count)
    }

    /// Where the events of `epoch` are: (position of the first, how many).
    ///
    /// A cold lookup waits on the line of epochs it searches, then on the
    /// payload, then on the value: once the sample has narrowed the search to
    /// at most `SAMPLE` events, their payloads are prefetched, so the payload's
    /// cache miss overlaps the epochs' instead of following it.
    pub fn span(&self, epoch: u64) -> (usize, usize) {
        let start = self.lower_bound_prefetching(epoch);
        (start, self.count_from(start, epoch))
    }

    /// The payload at `position` (as given by [`span`](Self::span)).
    #[inline]
    pub fn payload(&self, position: usize) -> &Payload {
        self.payloads
            .get(position)
            .expect("a position from span is below len")
    }

    /// Asks the CPU to load the payload at `position` (a hint, no effect on
    /// behaviour; positions past the end are ignored).
    #[inline]
    pub fn prefetch_payload(&self, position: usize) {
        if let Some(payload) = self.payloads.get(position) {
            // A payload spans two cache lines at most: its first and last byte.
            let first = payload as *const Payload as *const u8;
            prefetch(first);
            prefetch(first.wrapping_add(std::mem::size_of::<Payload>() - 1));
        }
    }

    /// The latest event and its epoch.
    pub fn latest(&self) -> Option<(u64, &Payload)> {
        Some((*self.epochs.back()?, self.payloads.back()?))
    }

    /// Removes the events of `epoch`, moving their values to `sink` without
    /// reading them (they are usually cold by now); returns how many.
    fn remove_epoch(&mut self, epoch: u64, sink: &mut Vec<SharedBytes>) -> usize {
        if epoch < self.oldest {
            return 0;
        }
        match (self.epochs.front(), self.epochs.back()) {
            // Clearing the oldest epochs, most keys hold none of them: O(1).
            (Some(&first), Some(&last)) if first <= epoch && epoch <= last => {}
            _ => return 0,
        }
        let start = self.lower_bound(epoch);
        let count = self
            .epochs
            .range(start..)
            .take_while(|&&e| e == epoch)
            .count();
        if count == 0 {
            return 0;
        }
        if start == 0 {
            self.pop_front(count, sink);
        } else {
            self.epochs.drain(start..start + count);
            self.payloads
                .remove_range(start, count, |p| sink.extend(p.value.into_shared()));
            self.resample_from(start);
        }
        if self.epochs.is_empty() {
            // A key that comes back later starts small again.
            *self = KeyEvents::default();
        }
        count
    }

    /// Removes the events of every epoch below `floor` (the key's front),
    /// moving their values to `sink`; returns how many.
    fn remove_below(&mut self, floor: u64, sink: &mut Vec<SharedBytes>) -> usize {
        if self.epochs.is_empty() || self.oldest >= floor {
            return 0;
        }
        let count = self.lower_bound(floor);
        self.pop_front(count, sink);
        if self.epochs.is_empty() {
            *self = KeyEvents::default();
        }
        count
    }

    fn is_empty(&self) -> bool {
        self.epochs.is_empty()
    }
}

/// `samples.partition_point(|&s| s < epoch)` for ascending `samples`, searched
/// from where `epoch` would sit if the samples were evenly spaced, galloping
/// outwards from that guess, then bisecting what the gallop bracketed.
///
/// A key's epochs usually advance at a steady pace, so the guess is within a
/// sample or two of the answer: two or three probes (one or two cache lines)
/// instead of a bisection's `log2(len)` dependent probes, which on a long
/// history (800 samples for 6,700 events) are ten loads, mostly missing L1.
/// Uneven spacing costs more probes, never a wrong answer.
fn guided_partition_point(samples: &VecDeque<u64>, epoch: u64) -> usize {
    let len = samples.len();
    let (Some(&first), Some(&last)) = (samples.front(), samples.back()) else {
        return 0;
    };
    if epoch <= first {
        return 0;
    }
    if epoch > last {
        return len;
    }
    // Now samples[0] < epoch <= samples[len - 1] (so len >= 2): find lo < hi
    // with samples[lo] < epoch <= samples[hi].
    // A guess in floating point (no 128-bit division); any index is correct.
    let fraction = (epoch - first) as f64 / (last - first) as f64;
    let guess = ((fraction * (len - 1) as f64) as usize).min(len - 1);
    let (mut lo, mut hi);
    let mut step = 1;
    if samples[guess] < epoch {
        lo = guess;
        hi = (lo + step).min(len - 1);
        // Ends at len - 1 at the latest, where samples[len - 1] >= epoch.
        while samples[hi] < epoch {
            lo = hi;
            step *= 2;
            hi = (lo + step).min(len - 1);
        }
    } else {
        hi = guess;
        lo = hi.saturating_sub(step);
        // Ends at 0 at the latest, where samples[0] < epoch.
        while samples[lo] >= epoch {
            hi = lo;
            step *= 2;
            lo = hi.saturating_sub(step);
        }
    }
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if samples[mid] < epoch {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    hi
}

/// An epoch held by a shard, with its events and value bytes there (24 bytes
/// per epoch per shard holding it). Eviction plans from these counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct EpochCount {
    pub epoch: u64,
    pub events: usize,
    pub bytes: usize,
}

#[derive(Debug, Default)]
pub(crate) struct Shard {
    keys: HashMap<u64, KeyEvents, FixedState>,
    /// The epochs with events in this shard, ascending, with the value bytes
    /// each holds here.
    epochs: VecDeque<EpochCount>,
    pub events: usize,
    pub bytes: usize,
}

impl EpochCount {
    fn new(epoch: u64) -> Self {
        EpochCount {
            epoch,
            events: 0,
            bytes: 0,
        }
    }
}

impl Shard {
    pub fn insert(&mut self, key: u64, slot: Slot) {
        let epoch = slot.epoch;
        let bytes = slot.value.len();
        self.events += 1;
        self.bytes += bytes;
        self.keys.entry(key).or_default().insert(slot);
        let at = match self.epochs.back() {
            Some(last) if last.epoch == epoch => self.epochs.len() - 1,
            Some(last) if last.epoch > epoch => {
                match self.epochs.binary_search_by_key(&epoch, |c| c.epoch) {
                    Ok(at) => at,
                    Err(at) => {
                        self.epochs.insert(at, EpochCount::new(epoch));
                        at
                    }
                }
            }
            _ => {
                self.epochs.push_back(EpochCount::new(epoch));
                self.epochs.len() - 1
            }
        };
        let count = &mut self.epochs[at];
        count.events += 1;
        count.bytes += bytes;
    }

    #[cfg(test)]
    pub fn key_count(&self) -> usize {
        self.keys.len()
    }

    pub fn key(&self, key: u64) -> Option<&KeyEvents> {
        self.keys.get(&key)
    }

    /// Removes every event of `epoch`, moving their values to `sink` (to be
    /// dropped once the shard's lock is released); returns how many.
    pub fn remove_epoch(&mut self, epoch: u64, sink: &mut Vec<SharedBytes>) -> usize {
        // Streaming pipelines clear and evict their oldest epoch: the front.
        let removed = if self.epochs.front().is_some_and(|c| c.epoch == epoch) {
            self.epochs.pop_front()
        } else {
            match self.epochs.binary_search_by_key(&epoch, |c| c.epoch) {
                Ok(at) => self.epochs.remove(at),
                Err(_) => None,
            }
        };
        let Some(removed) = removed else {
            return 0;
        };
        // Evicting the oldest epoch pops each holding key's first events,
        // written long ago: ask for all their lines first, so that the misses
        // overlap instead of coming one key at a time.
        for events in self.keys.values() {
            if events.oldest == epoch {
                events.prefetch_payload(0);
                events.prefetch_payload(1);
            }
        }
        let mut count = 0;
        self.keys.retain(|_, events| {
            count += events.remove_epoch(epoch, sink);
            !events.is_empty()
        });
        self.events -= count;
        self.bytes -= removed.bytes;
        count
    }

    /// Appends the counts of the epochs held here up to `last` (inclusive),
    /// oldest first.
    pub fn epoch_counts_through(&self, last: u64, out: &mut Vec<EpochCount>) {
        out.extend(self.epochs.iter().take_while(|c| c.epoch <= last));
    }

    /// Removes every event of the epochs below `floor`, moving their values to
    /// `sink`; returns how many events. One pass over the keys whatever the
    /// number of epochs.
    pub fn remove_below(&mut self, floor: u64, sink: &mut Vec<SharedBytes>) -> usize {
        let (mut bytes, mut popped) = (0, false);
        while let Some(count) = self.epochs.front().filter(|c| c.epoch < floor) {
            bytes += count.bytes;
            self.epochs.pop_front();
            popped = true;
        }
        if !popped {
            return 0;
        }
        // The records popped were written long ago: ask for their lines
        // first, so that the misses of all keys overlap.
        for events in self.keys.values() {
            if events.oldest < floor {
                events.prefetch_payload(0);
            }
        }
        let mut count = 0;
        self.keys.retain(|_, events| {
            count += events.remove_below(floor, sink);
            !events.is_empty()
        });
        self.events -= count;
        self.bytes -= bytes;
        count
    }

    /// Every event of `epoch` here, with its key, in no particular order.
    pub fn epoch_slots(&self, epoch: u64, mut each: impl FnMut(u64, &Payload)) {
        if self
            .epochs
            .binary_search_by_key(&epoch, |c| c.epoch)
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
        self.epochs.iter().map(|c| c.epoch)
    }

    /// (oldest, newest) epoch here.
    pub fn epoch_range(&self) -> Option<(u64, u64)> {
        Some((self.epochs.front()?.epoch, self.epochs.back()?.epoch))
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
            value: Value::copy_from(&[1u8, 2]).unwrap(),
        }
    }

    /// A slot whose value has its own shared block (too long to be inline).
    fn long_slot(epoch: u64, id: u64) -> Slot {
        Slot {
            value: Value::copy_from(&[3u8; 100]).unwrap(),
            ..slot(epoch, id)
        }
    }

    fn ids(events: &KeyEvents, epoch: u64) -> Vec<u64> {
        events.epoch(epoch).map(|s| s.id).collect()
    }

    #[test]
    fn slots_stay_sorted_by_epoch_then_id() {
        let mut events = KeyEvents::default();
        for (epoch, id) in [(5, 10), (5, 12), (3, 13), (5, 11), (9, 14), (3, 2)] {
            events.insert(long_slot(epoch, id));
        }
        assert_eq!(ids(&events, 5), vec![10, 11, 12]);
        assert_eq!(ids(&events, 3), vec![2, 13]);
        assert_eq!(ids(&events, 4), Vec::<u64>::new());
        assert_eq!(ids(&events, 10), Vec::<u64>::new());
        assert_eq!(events.latest().map(|(e, p)| (e, p.id)), Some((9, 14)));
        let mut sink = Vec::new();
        assert_eq!(events.remove_epoch(5, &mut sink), 3);
        assert_eq!(events.remove_epoch(3, &mut sink), 2);
        assert_eq!(events.remove_epoch(3, &mut sink), 0);
        assert_eq!(sink.len(), 5, "shared blocks go to the sink");
        assert_eq!(ids(&events, 9), vec![14]);

        // Inline values have no block to free outside the lock.
        let mut events = KeyEvents::default();
        events.insert(slot(1, 1));
        events.insert(long_slot(1, 2));
        let mut sink = Vec::new();
        assert_eq!(events.remove_epoch(1, &mut sink), 2);
        assert_eq!(sink.len(), 1);
    }

    #[test]
    fn guided_search_agrees_with_partition_point() {
        let mut lcg = crate::event_store::workload::Lcg::new(99u64);
        let mut next = |n: u64| lcg.draw(n);
        for round in 0..400 {
            let len = next(60) as usize;
            // Even, random, clustered (many repeats) and wildly uneven gaps.
            let mut samples: Vec<u64> = (0..len)
                .map(|i| match round % 4 {
                    0 => i as u64 * 5,
                    1 => next(1000),
                    2 => next(4),
                    _ => {
                        if next(2) == 0 {
                            next(10)
                        } else {
                            u64::MAX - next(10)
                        }
                    }
                })
                .collect();
            samples.sort_unstable();
            let deque: VecDeque<u64> = samples.iter().copied().collect();
            let probes = samples
                .iter()
                .flat_map(|&e| [e.saturating_sub(1), e, e.saturating_add(1)])
                .chain([0, 1, u64::MAX, next(1000)]);
            for probe in probes {
                assert_eq!(
                    guided_partition_point(&deque, probe),
                    samples.partition_point(|&s| s < probe),
                    "{probe} in {samples:?}"
                );
            }
        }
    }

    #[test]
    fn lower_bound_agrees_with_a_linear_scan() {
        // Even, clustered and very uneven epoch spacings, with repeats.
        let shapes: Vec<Vec<u64>> = vec![
            (0..500).map(|i| i * 7).collect(),
            (0..500).map(|i| i / 5).collect(),
            (0..500)
                .map(|i| if i < 490 { i } else { 1 << 40 })
                .collect(),
            (0..500).map(|i| (i * i) as u64).collect(),
            vec![3],
            vec![1, u64::MAX],
        ];
        for epochs in shapes {
            let mut events = KeyEvents::default();
            for (id, &epoch) in epochs.iter().enumerate() {
                events.insert(slot(epoch, id as u64));
            }
            let probes = epochs
                .iter()
                .flat_map(|&e| [e.saturating_sub(1), e, e.saturating_add(1)])
                .chain([0, u64::MAX]);
            for probe in probes {
                let expected = epochs
                    .iter()
                    .position(|&e| e >= probe)
                    .unwrap_or(epochs.len());
                assert_eq!(
                    events.lower_bound(probe),
                    expected,
                    "{probe} in {:?}..",
                    &epochs[..3.min(epochs.len())]
                );
                let count = epochs.iter().filter(|&&e| e == probe).count();
                assert_eq!(
                    events.span(probe),
                    (expected, count),
                    "the prefetching search"
                );
                let started = events.start_span(probe);
                assert_eq!(
                    events.finish_span(probe, started),
                    (expected, count),
                    "in two steps"
                );
            }
        }
    }

    /// Random adds (mostly in order), clears at the front and in the middle:
    /// the sample stays exact and lookups agree with a plain model.
    #[test]
    fn sampled_index_survives_pops_inserts_and_middle_clears() {
        let mut events = KeyEvents::default();
        let mut model: Vec<(u64, u64)> = Vec::new();
        let mut lcg = crate::event_store::workload::Lcg::new(12345u64);
        let mut next = |n: u64| lcg.draw(n);
        let mut id = 0;
        for step in 0..6000u64 {
            match next(20) {
                0 => {
                    // Clear the oldest epoch, or one in the middle.
                    if let Some(&(epoch, _)) =
                        model.get(if next(2) == 0 { 0 } else { model.len() / 2 })
                    {
                        let removed = events.remove_epoch(epoch, &mut Vec::new());
                        let before = model.len();
                        model.retain(|(e, _)| *e != epoch);
                        assert_eq!(removed, before - model.len());
                    }
                }
                1 | 2 => {
                    // An add to an older epoch, anywhere or just behind the newest.
                    id += 1;
                    let epoch = if next(2) == 0 {
                        next(step / 3 + 1)
                    } else {
                        (step / 3).saturating_sub(next(3))
                    };
                    events.insert(slot(epoch, id));
                    model.push((epoch, id));
                    model.sort_unstable();
                }
                _ => {
                    id += 1;
                    let epoch = step / 3;
                    events.insert(slot(epoch, id));
                    model.push((epoch, id));
                    model.sort_unstable();
                }
            }
            if step % 11 == 0 || step > 5900 {
                let mut fresh = KeyEvents {
                    epochs: events.epochs.clone(),
                    payloads: events.payloads.clone(),
                    popped: events.popped,
                    ..KeyEvents::default()
                };
                fresh.resample();
                assert_eq!(events.samples, fresh.samples, "step {step}");
                assert_eq!(events.first_sample, fresh.first_sample);
                assert_eq!(events.oldest, events.epochs.front().copied().unwrap_or(0));
                for probe in [0, step / 6, step / 3, step / 3 + 1, next(step + 1)] {
                    let expected: Vec<u64> = model
                        .iter()
                        .filter(|(e, _)| *e == probe)
                        .map(|(_, id)| *id)
                        .collect();
                    assert_eq!(
                        ids(&events, probe),
                        expected,
                        "epoch {probe} at step {step}"
                    );
                }
            }
        }
    }

    #[test]
    fn epoch_counts_and_remove_below() {
        let mut shard = Shard::default();
        // Key 1 holds epochs 1..=5 (epoch 3 added last), key 2 epochs 4 and 9.
        for (key, epoch, id) in [(1, 1, 1), (1, 2, 2), (1, 4, 3), (2, 4, 4), (1, 5, 5)] {
            shard.insert(key, long_slot(epoch, id));
        }
        shard.insert(2, slot(9, 6));
        shard.insert(1, slot(3, 7));
        let mut counts = Vec::new();
        shard.epoch_counts_through(4, &mut counts);
        let seen: Vec<_> = counts
            .iter()
            .map(|c| (c.epoch, c.events, c.bytes))
            .collect();
        assert_eq!(seen, [(1, 1, 100), (2, 1, 100), (3, 1, 2), (4, 2, 200)]);
        counts.clear();
        shard.epoch_counts_through(u64::MAX, &mut counts);
        assert_eq!(counts.len(), 6);

        let mut sink = Vec::new();
        assert_eq!(shard.remove_below(1, &mut sink), 0);
        assert_eq!(shard.remove_below(5, &mut sink), 5);
        assert_eq!(sink.len(), 4, "the long values");
        assert_eq!((shard.events, shard.bytes), (2, 102));
        assert_eq!(shard.epochs().collect::<Vec<_>>(), vec![5, 9]);
        assert_eq!(ids(shard.key(1).unwrap(), 5), vec![5]);
        assert_eq!(ids(shard.key(2).unwrap(), 9), vec![6]);
        assert_eq!(shard.remove_below(10, &mut sink), 2);
        assert!(shard.key(1).is_none() && shard.key(2).is_none());
        assert_eq!(
            (shard.events, shard.bytes, shard.epoch_range()),
            (0, 0, None)
        );
    }

    #[test]
    fn shard_counts_epochs_and_forgets_empty_keys() {
        let mut shard = Shard::default();
        shard.insert(1, long_slot(7, 1));
        shard.insert(2, slot(7, 2));
        shard.insert(1, slot(8, 3));
        shard.insert(2, long_slot(6, 4));
        assert_eq!(shard.epochs().collect::<Vec<_>>(), vec![6, 7, 8]);
        assert_eq!(shard.epoch_range(), Some((6, 8)));
        assert_eq!((shard.events, shard.bytes), (4, 204));
        let mut sink = Vec::new();
        assert_eq!(shard.remove_epoch(7, &mut sink), 2);
        assert_eq!(shard.remove_epoch(7, &mut sink), 0);
        assert_eq!(shard.remove_epoch(6, &mut sink), 1);
        assert_eq!(sink.iter().map(|v| v.len()).sum::<usize>(), 200);
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
