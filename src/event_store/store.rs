//! The event store: events keyed by (node, signal, epoch), each key holding its
//! events in insertion order.
//!
//! Layout: a sharded map from epoch to that epoch's [`Bucket`], so clearing or
//! evicting an epoch drops one entry; a sharded map from (node, signal) to the
//! epochs holding it and its latest event, so "latest across epochs" is one
//! lookup; the ordered set of epochs, for eviction. Names are interned.
//!
//! Lock order (never taken the other way round): epoch shard, then key shard,
//! then the epoch order. Reads of different epochs, and adds to different
//! epochs, mostly take different shard locks.
//!
//! Thread safety: [`EventStore`] is `Send + Sync`; every method may be called
//! from many threads at once. A call sees each epoch either before or after a
//! concurrent add, clear or eviction touching it, never half-way.

use super::bucket::Bucket;
use super::event::{pack_key, Event, IdSource, IdsExhausted, Stored};
use super::eviction::{EpochOrder, Retention};
use super::interner::{InternError, Interner, NameId};
use dashmap::mapref::entry::Entry;
use dashmap::DashMap;
use foldhash::fast::RandomState;
use std::collections::VecDeque;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

/// The largest value one event may carry (1 GiB).
pub(crate) const MAX_VALUE_LEN: usize = 1 << 30;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoreError {
    /// The store was closed; it holds nothing and accepts nothing.
    Closed,
    /// An id that was never interned in this store.
    UnknownName(NameId),
    /// Names must not be empty.
    EmptyName,
    /// The store holds the maximum number of names.
    TooManyNames,
    /// A value longer than [`MAX_VALUE_LEN`].
    ValueTooLarge(usize),
    /// The id counter is spent (after 2^63 ids; see the event module).
    IdsExhausted,
    /// The OS random source failed when the store was created.
    NoRandomness(String),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Closed => write!(f, "the event store is closed"),
            StoreError::UnknownName(id) => {
                write!(f, "name id {id} was never interned in this event store")
            }
            StoreError::EmptyName => write!(f, "node and signal names must not be empty"),
            StoreError::TooManyNames => write!(
                f,
                "the event store already holds {} names, its maximum",
                super::interner::MAX_NAMES
            ),
            StoreError::ValueTooLarge(len) => write!(
                f,
                "a value of {len} bytes is larger than the maximum of {MAX_VALUE_LEN} bytes"
            ),
            StoreError::IdsExhausted => write!(f, "the event store has used up its event ids"),
            StoreError::NoRandomness(why) => {
                write!(f, "could not draw the event id prefix from the OS: {why}")
            }
        }
    }
}

impl std::error::Error for StoreError {}

impl From<InternError> for StoreError {
    fn from(error: InternError) -> Self {
        match error {
            InternError::Empty => StoreError::EmptyName,
            InternError::Full => StoreError::TooManyNames,
        }
    }
}

impl From<IdsExhausted> for StoreError {
    fn from(_: IdsExhausted) -> Self {
        StoreError::IdsExhausted
    }
}

/// One event to add in a batch.
#[derive(Clone, Copy, Debug)]
pub struct NewEvent<'a> {
    pub node: NameId,
    pub signal: NameId,
    pub epoch: u64,
    pub timestamp: f64,
    pub value: &'a [u8],
}

/// Counters of a store, each read atomically (not all at one instant).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct StoreStats {
    /// Events retained.
    pub events: usize,
    /// Bytes of the retained events' values.
    pub bytes: usize,
    /// Epochs retained.
    pub epochs: usize,
    /// Names interned.
    pub names: usize,
    /// Events ever added (retained or not).
    pub added: u64,
    /// Events and epochs removed by `clear_epoch`.
    pub cleared_events: u64,
    pub cleared_epochs: u64,
    /// Events and epochs removed by the retention bound.
    pub evicted_events: u64,
    pub evicted_epochs: u64,
    /// The largest epoch evicted so far, if any was.
    pub highest_evicted_epoch: Option<u64>,
    pub retention: Retention,
    /// The random 31-bit prefix of this store's event ids.
    pub id_prefix: u32,
}

/// Per (node, signal): the epochs holding it, ascending, and the latest event
/// (the last one added in the largest of those epochs) when known.
#[derive(Debug, Default)]
struct KeyState {
    epochs: VecDeque<u64>,
    latest: Option<Stored>,
}

impl KeyState {
    fn note_add(&mut self, epoch: u64, stored: &Stored) {
        match self.epochs.back() {
            Some(&last) if last == epoch => self.latest = Some(stored.clone()),
            Some(&last) if last > epoch => {
                if let Err(at) = self.epochs.binary_search(&epoch) {
                    self.epochs.insert(at, epoch);
                }
            }
            _ => {
                self.epochs.push_back(epoch);
                self.latest = Some(stored.clone());
            }
        }
    }

    fn note_removed(&mut self, epoch: u64) {
        // Streaming pipelines clear their oldest epoch: usually the front.
        if self.epochs.front() == Some(&epoch) {
            self.epochs.pop_front();
        } else if let Ok(at) = self.epochs.binary_search(&epoch) {
            self.epochs.remove(at);
        } else {
            return;
        }
        if self.epochs.back().map_or(true, |&last| last < epoch) {
            self.latest = None;
        }
    }
}

/// Why an epoch goes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Removal {
    Cleared,
    Evicted,
}

/// Counters written on every add, kept together on their own cache lines.
#[derive(Debug, Default)]
#[repr(align(128))]
struct Totals {
    events: AtomicUsize,
    bytes: AtomicUsize,
}

pub struct EventStore {
    ids: IdSource,
    totals: Totals,
    interner: Arc<Interner>,
    epochs: DashMap<u64, Bucket, RandomState>,
    keys: DashMap<u64, KeyState, RandomState>,
    order: EpochOrder,
    retention: Retention,
    closed: AtomicBool,
    cleared_events: AtomicU64,
    cleared_epochs: AtomicU64,
    evicted_events: AtomicU64,
    evicted_epochs: AtomicU64,
    /// Largest evicted epoch + 1; 0 when none was.
    highest_evicted: AtomicU64,
}

impl fmt::Debug for EventStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventStore")
            .field("stats", &self.stats())
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl EventStore {
    /// An empty store with the given retention bound and a random id prefix.
    pub fn new(retention: Retention) -> Result<Self, StoreError> {
        let ids = IdSource::random().map_err(|e| StoreError::NoRandomness(e.to_string()))?;
        Ok(Self::with_ids(retention, ids))
    }

    /// An unbounded store.
    pub fn unbounded() -> Result<Self, StoreError> {
        Self::new(Retention::UNBOUNDED)
    }

    /// A store whose ids start at `id_prefix << 32` (for reproducible tests).
    pub fn with_id_prefix(retention: Retention, id_prefix: u32) -> Self {
        Self::with_ids(retention, IdSource::with_prefix(u64::from(id_prefix)))
    }

    fn with_ids(retention: Retention, ids: IdSource) -> Self {
        EventStore {
            ids,
            totals: Totals::default(),
            interner: Arc::new(Interner::new()),
            epochs: DashMap::with_hasher(RandomState::default()),
            keys: DashMap::with_hasher(RandomState::default()),
            order: EpochOrder::default(),
            retention,
            closed: AtomicBool::new(false),
            cleared_events: AtomicU64::new(0),
            cleared_epochs: AtomicU64::new(0),
            evicted_events: AtomicU64::new(0),
            evicted_epochs: AtomicU64::new(0),
            highest_evicted: AtomicU64::new(0),
        }
    }

    pub fn retention(&self) -> Retention {
        self.retention
    }

    // ---- names -------------------------------------------------------------

    /// The store's interner; names borrowed from it live as long as it does,
    /// which may be longer than the store.
    pub fn interner(&self) -> &Arc<Interner> {
        &self.interner
    }

    /// The id of `name`, interning it if new.
    pub fn intern(&self, name: &str) -> Result<NameId, StoreError> {
        self.check_open()?;
        Ok(self.interner.intern(name)?)
    }

    /// The id of `name` if it was interned (never interns).
    pub fn lookup(&self, name: &str) -> Option<NameId> {
        self.interner.lookup(name)
    }

    pub fn name(&self, id: NameId) -> Option<&str> {
        self.interner.name(id)
    }

    // ---- adding ------------------------------------------------------------

    /// Adds one event and returns its id.
    pub fn add(
        &self,
        node: NameId,
        signal: NameId,
        epoch: u64,
        value: &[u8],
        timestamp: f64,
    ) -> Result<u64, StoreError> {
        self.check_open()?;
        self.check_names(node, signal)?;
        check_value(value)?;
        let value: Arc<[u8]> = Arc::from(value);
        let key = pack_key(node, signal);
        let id = self.insert_run(epoch, std::iter::once((key, timestamp, value)), |_, _| {})?;
        self.enforce_retention();
        Ok(id)
    }

    /// Adds one event by names, interning them.
    pub fn add_named(
        &self,
        node: &str,
        signal: &str,
        epoch: u64,
        value: &[u8],
        timestamp: f64,
    ) -> Result<u64, StoreError> {
        let node = self.intern(node)?;
        let signal = self.intern(signal)?;
        self.add(node, signal, epoch, value, timestamp)
    }

    /// Adds events in order and writes their ids to `ids_out` (if given, it must
    /// be as long as `events`). Every event is checked before any is added, so a
    /// refused batch adds nothing. Consecutive events of one epoch are added
    /// under one lock.
    ///
    /// Closing the store while a batch is being added clears whatever part of
    /// it was added, as for any other event, and the batch returns `Closed`.
    pub fn add_batch(
        &self,
        events: &[NewEvent<'_>],
        mut ids_out: Option<&mut [u64]>,
    ) -> Result<(), StoreError> {
        if let Some(ids) = &ids_out {
            assert_eq!(ids.len(), events.len(), "ids_out must match events");
        }
        self.check_open()?;
        for event in events {
            self.check_names(event.node, event.signal)?;
            check_value(event.value)?;
        }
        let mut done = 0;
        while done < events.len() {
            let epoch = events[done].epoch;
            let run = events[done..]
                .iter()
                .take_while(|event| event.epoch == epoch)
                .count();
            let items = events[done..done + run].iter().map(|event| {
                (
                    pack_key(event.node, event.signal),
                    event.timestamp,
                    Arc::from(event.value),
                )
            });
            let offset = done;
            self.insert_run(epoch, items, |i, id| {
                if let Some(ids) = ids_out.as_deref_mut() {
                    ids[offset + i] = id;
                }
            })?;
            done += run;
            self.enforce_retention();
        }
        Ok(())
    }

    /// Inserts events of one epoch under its shard lock; returns the last id.
    fn insert_run(
        &self,
        epoch: u64,
        items: impl Iterator<Item = (u64, f64, Arc<[u8]>)>,
        mut on_id: impl FnMut(usize, u64),
    ) -> Result<u64, StoreError> {
        // The closed flag is checked under the shard lock: `close` clears each
        // shard after setting the flag, so an add either sees the flag or is
        // cleared by the close.
        let mut bucket = match self.epochs.entry(epoch) {
            Entry::Occupied(occupied) => {
                self.check_open()?;
                occupied.into_ref()
            }
            Entry::Vacant(vacant) => {
                self.check_open()?;
                self.order.insert(epoch);
                vacant.insert(Bucket::default())
            }
        };
        let mut last = 0;
        let (mut events, mut bytes) = (0, 0);
        for (i, (key, timestamp, value)) in items.enumerate() {
            // Taken under the lock, so a key's events are in id order.
            let id = self.ids.take(1)?;
            bytes += value.len();
            events += 1;
            let stored = Stored {
                key,
                id,
                timestamp,
                value,
            };
            self.keys.entry(key).or_default().note_add(epoch, &stored);
            bucket.push(stored);
            on_id(i, id);
            last = id;
        }
        // Counted under the lock, so a clear of this epoch never subtracts first.
        self.totals.events.fetch_add(events, Ordering::Relaxed);
        self.totals.bytes.fetch_add(bytes, Ordering::Relaxed);
        Ok(last)
    }

    fn enforce_retention(&self) {
        if !self.retention.is_bounded() {
            return;
        }
        while self.retention.exceeded(self.len(), self.bytes()) {
            let Some(oldest) = self.order.oldest_evictable() else {
                return;
            };
            self.remove_epoch(oldest, Removal::Evicted);
        }
    }

    // ---- reading -----------------------------------------------------------

    /// Appends the events of (node, signal, epoch), oldest first, to `out`;
    /// returns how many. Unknown names or keys, cleared and evicted epochs all
    /// give 0 events.
    pub fn get_into(
        &self,
        node: NameId,
        signal: NameId,
        epoch: u64,
        out: &mut Vec<Event>,
    ) -> Result<usize, StoreError> {
        self.check_open()?;
        let before = out.len();
        if let Some(bucket) = self.epochs.get(&epoch) {
            bucket.for_key(pack_key(node, signal), |stored| {
                out.push(stored.to_event(epoch))
            });
        }
        Ok(out.len() - before)
    }

    /// The events of (node, signal, epoch), oldest first.
    pub fn get(&self, node: NameId, signal: NameId, epoch: u64) -> Result<Vec<Event>, StoreError> {
        let mut out = Vec::new();
        self.get_into(node, signal, epoch, &mut out)?;
        Ok(out)
    }

    /// As [`get`](Self::get), by names; names never interned give no events.
    pub fn get_named(
        &self,
        node: &str,
        signal: &str,
        epoch: u64,
    ) -> Result<Vec<Event>, StoreError> {
        self.check_open()?;
        match (self.lookup(node), self.lookup(signal)) {
            (Some(node), Some(signal)) => self.get(node, signal, epoch),
            _ => Ok(Vec::new()),
        }
    }

    /// For each key in turn, appends its events to `out` and writes how many to
    /// `counts` (as long as `keys`).
    pub fn get_many_into(
        &self,
        keys: &[(NameId, NameId, u64)],
        out: &mut Vec<Event>,
        counts: &mut [usize],
    ) -> Result<(), StoreError> {
        assert_eq!(keys.len(), counts.len(), "counts must match keys");
        self.check_open()?;
        for (&(node, signal, epoch), count) in keys.iter().zip(counts) {
            *count = self.get_into(node, signal, epoch, out)?;
        }
        Ok(())
    }

    /// One list of events per key.
    pub fn get_many(&self, keys: &[(NameId, NameId, u64)]) -> Result<Vec<Vec<Event>>, StoreError> {
        self.check_open()?;
        keys.iter()
            .map(|&(node, signal, epoch)| self.get(node, signal, epoch))
            .collect()
    }

    /// The latest event of (node, signal): the last one added in the largest
    /// epoch that holds one (noob's `epoch=-1`). `None` if no retained epoch
    /// holds one.
    pub fn latest(&self, node: NameId, signal: NameId) -> Result<Option<Event>, StoreError> {
        self.check_open()?;
        let key = pack_key(node, signal);
        loop {
            let epoch = {
                let Some(state) = self.keys.get(&key) else {
                    return Ok(None);
                };
                let Some(&epoch) = state.epochs.back() else {
                    return Ok(None);
                };
                if let Some(latest) = &state.latest {
                    return Ok(Some(latest.to_event(epoch)));
                }
                epoch
            };
            // The latest epoch was cleared: find the event in the epoch now
            // last, and remember it unless something changed meanwhile.
            let found = self
                .epochs
                .get(&epoch)
                .and_then(|bucket| bucket.last_for(key).cloned());
            if let Some(stored) = found {
                if let Some(mut state) = self.keys.get_mut(&key) {
                    if state.latest.is_none() && state.epochs.back() == Some(&epoch) {
                        state.latest = Some(stored.clone());
                    }
                }
                return Ok(Some(stored.to_event(epoch)));
            }
            // That epoch went too, between the two lookups: look again.
        }
    }

    /// As [`latest`](Self::latest), by names.
    pub fn latest_named(&self, node: &str, signal: &str) -> Result<Option<Event>, StoreError> {
        self.check_open()?;
        match (self.lookup(node), self.lookup(signal)) {
            (Some(node), Some(signal)) => self.latest(node, signal),
            _ => Ok(None),
        }
    }

    /// Appends every event of `epoch`, in insertion order, to `out`; returns how many.
    pub fn epoch_into(&self, epoch: u64, out: &mut Vec<Event>) -> Result<usize, StoreError> {
        self.check_open()?;
        let Some(bucket) = self.epochs.get(&epoch) else {
            return Ok(0);
        };
        out.reserve(bucket.len());
        out.extend(bucket.entries().iter().map(|stored| stored.to_event(epoch)));
        Ok(bucket.len())
    }

    /// Every event of `epoch`, in insertion order.
    pub fn epoch_events(&self, epoch: u64) -> Result<Vec<Event>, StoreError> {
        let mut out = Vec::new();
        self.epoch_into(epoch, &mut out)?;
        Ok(out)
    }

    /// The retained epochs, ascending.
    pub fn epochs(&self) -> Result<Vec<u64>, StoreError> {
        self.check_open()?;
        Ok(self.order.all())
    }

    // ---- removing ----------------------------------------------------------

    /// Removes every event of `epoch`; returns how many there were (0 for an
    /// epoch that does not exist). Lists handed out earlier keep their events.
    pub fn clear_epoch(&self, epoch: u64) -> Result<usize, StoreError> {
        self.check_open()?;
        Ok(self.remove_epoch(epoch, Removal::Cleared))
    }

    fn remove_epoch(&self, epoch: u64, why: Removal) -> usize {
        let removed = self.epochs.remove_if(&epoch, |_, bucket| {
            // Under the epoch's shard lock, like every add to it.
            for key in bucket.distinct_keys() {
                let now_empty = match self.keys.get_mut(&key) {
                    Some(mut state) => {
                        state.note_removed(epoch);
                        state.epochs.is_empty()
                    }
                    None => false,
                };
                if now_empty {
                    self.keys
                        .remove_if(&key, |_, state| state.epochs.is_empty());
                }
            }
            self.order.remove(epoch);
            self.totals
                .events
                .fetch_sub(bucket.len(), Ordering::Relaxed);
            self.totals
                .bytes
                .fetch_sub(bucket.bytes(), Ordering::Relaxed);
            true
        });
        // The bucket (and every value no list holds) is freed here, outside the lock.
        let Some((_, bucket)) = removed else {
            return 0;
        };
        let count = bucket.len();
        match why {
            Removal::Cleared => {
                self.cleared_events
                    .fetch_add(count as u64, Ordering::Relaxed);
                self.cleared_epochs.fetch_add(1, Ordering::Relaxed);
            }
            Removal::Evicted => {
                self.evicted_events
                    .fetch_add(count as u64, Ordering::Relaxed);
                self.evicted_epochs.fetch_add(1, Ordering::Relaxed);
                self.highest_evicted
                    .fetch_max(epoch.saturating_add(1), Ordering::Relaxed);
            }
        }
        count
    }

    /// Drops every event and refuses all further calls with `Closed`.
    /// Idempotent. Events already handed out stay valid.
    pub fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        // Each shard is locked in turn: an add holding a shard finished before,
        // and is cleared here; later ones see the flag.
        self.epochs.retain(|_, bucket| {
            self.totals
                .events
                .fetch_sub(bucket.len(), Ordering::Relaxed);
            self.totals
                .bytes
                .fetch_sub(bucket.bytes(), Ordering::Relaxed);
            false
        });
        self.keys.clear();
        self.order.clear();
    }

    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    // ---- size --------------------------------------------------------------

    /// Events retained.
    pub fn len(&self) -> usize {
        self.totals.events.load(Ordering::Relaxed)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes of the retained values.
    pub fn bytes(&self) -> usize {
        self.totals.bytes.load(Ordering::Relaxed)
    }

    pub fn stats(&self) -> StoreStats {
        let highest = self.highest_evicted.load(Ordering::Relaxed);
        StoreStats {
            events: self.len(),
            bytes: self.bytes(),
            epochs: self.order.len(),
            names: self.interner.len(),
            added: self.ids.issued(),
            cleared_events: self.cleared_events.load(Ordering::Relaxed),
            cleared_epochs: self.cleared_epochs.load(Ordering::Relaxed),
            evicted_events: self.evicted_events.load(Ordering::Relaxed),
            evicted_epochs: self.evicted_epochs.load(Ordering::Relaxed),
            highest_evicted_epoch: highest.checked_sub(1),
            retention: self.retention,
            id_prefix: self.ids.prefix(),
        }
    }

    // ---- checks ------------------------------------------------------------

    #[inline]
    fn check_open(&self) -> Result<(), StoreError> {
        if self.closed.load(Ordering::Acquire) {
            Err(StoreError::Closed)
        } else {
            Ok(())
        }
    }

    #[inline]
    fn check_names(&self, node: NameId, signal: NameId) -> Result<(), StoreError> {
        for id in [node, signal] {
            if !self.interner.contains(id) {
                return Err(StoreError::UnknownName(id));
            }
        }
        Ok(())
    }
}

#[inline]
fn check_value(value: &[u8]) -> Result<(), StoreError> {
    check_value_len(value.len())
}

#[inline]
fn check_value_len(len: usize) -> Result<(), StoreError> {
    if len > MAX_VALUE_LEN {
        Err(StoreError::ValueTooLarge(len))
    } else {
        Ok(())
    }
}

#[cfg(test)]
#[path = "store_tests.rs"]
mod tests;
