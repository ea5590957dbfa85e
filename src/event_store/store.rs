//! The event store: events keyed by (node, signal, epoch), each key holding its
//! events in the order they were added (id order; for adds racing on one key,
//! the order their ids were drawn).
//!
//! Layout: a fixed number of shards, each a lock over a [`Shard`]; all keys of
//! a node live in the same shard, which keeps each key's events sorted by
//! (epoch, id). So an add takes one lock, one atomic id and, for a value
//! longer than 64 bytes, one allocation (shorter ones are stored inline, see
//! `value.rs`); `get` and `latest` take one shared lock. Clearing or evicting
//! an epoch visits each shard holding it and frees the long values after
//! releasing the locks. Per-shard counters are mirrored in atomics (written only under
//! the shard's lock) so sizes are read without locks.
//!
//! Thread safety: [`EventStore`] is `Send + Sync`; every method may be called
//! from many threads at once. A call sees each key either before or after a
//! concurrent add, clear or eviction touching it, never half-way.

use super::event::{pack_key, unpack_key, Event, IdSource, IdsExhausted};
use super::eviction::Retention;
use super::interner::{InternError, Interner, NameId};
use super::shard::{KeyEvents, Payload, Shard, Slot};
use super::shared_bytes::SharedBytes;
use super::value::{Value, INLINE_MAX};
use crossbeam_utils::CachePadded;
use parking_lot::{Mutex, RwLock, RwLockReadGuard};
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

/// Keys a batch get locates together (see `EventStore::get_many_into`): enough
/// to overlap many cache misses, few enough that writers wait little.
const BATCH_GROUP: usize = 32;

/// What an eviction step removes: the epochs below `floor` (`epochs` of
/// them, the last `last`, holding `events` events when planned).
#[derive(Clone, Copy)]
struct EvictionPlan {
    floor: u64,
    last: u64,
    epochs: u64,
    events: usize,
}

/// How long an eviction step spins for a busy shard's own add to remove the
/// step's part before taking the shard's lock itself (a few microseconds).
const CATCH_UP_SPINS: u32 = 4096;

/// The most events a batch add inserts under one hold of a shard's lock.
const HOLD: usize = 16;

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
    /// The allocator could not hold a value of this many bytes.
    OutOfMemory(usize),
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
            StoreError::OutOfMemory(len) => {
                write!(f, "could not allocate {len} bytes for a value")
            }
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

/// A shard, its lock, and copies of its counters readable without the lock.
/// The copies are written only while the lock is held exclusively.
#[repr(align(128))]
struct ShardCell {
    shard: RwLock<Shard>,
    events: AtomicUsize,
    bytes: AtomicUsize,
    /// Oldest and newest epoch held; `oldest > newest` when empty.
    oldest: AtomicU64,
    newest: AtomicU64,
    /// Epochs below this go: set by an eviction step, carried out by whoever
    /// next writes the shard (see `EventStore::catch_up`). Only grows.
    evict_below: AtomicU64,
    /// With a byte bound: an add that takes this shard's bytes above this
    /// looks at the whole store's bytes (see `EventStore::share_byte_room`).
    bytes_look_at: AtomicUsize,
}

impl ShardCell {
    fn new() -> Self {
        ShardCell {
            shard: RwLock::new(Shard::default()),
            events: AtomicUsize::new(0),
            bytes: AtomicUsize::new(0),
            oldest: AtomicU64::new(u64::MAX),
            newest: AtomicU64::new(0),
            evict_below: AtomicU64::new(0),
            bytes_look_at: AtomicUsize::new(usize::MAX),
        }
    }

    /// Copies the shard's counters out; call before releasing the write lock.
    fn publish(&self, shard: &Shard) {
        self.events.store(shard.events, Ordering::Release);
        self.bytes.store(shard.bytes, Ordering::Release);
        let (oldest, newest) = shard.epoch_range().unwrap_or((u64::MAX, 0));
        self.oldest.store(oldest, Ordering::Release);
        self.newest.store(newest, Ordering::Release);
    }

    /// Whether `shard` (this cell's, locked) holds more bytes than its look.
    #[inline]
    fn bytes_past_look(&self, shard: &Shard) -> bool {
        shard.bytes > self.bytes_look_at.load(Ordering::Relaxed)
    }

    /// Whether the shard may hold an epoch at or below `epoch`.
    fn may_hold_below(&self, epoch: u64) -> bool {
        let oldest = self.oldest.load(Ordering::Acquire);
        oldest <= epoch && oldest <= self.newest.load(Ordering::Acquire)
    }

    /// Whether the shard may hold `epoch` (from the lock-free copies).
    fn may_hold(&self, epoch: u64) -> bool {
        self.oldest.load(Ordering::Acquire) <= epoch && epoch <= self.newest.load(Ordering::Acquire)
    }
}

/// Fields every add reads come first, together; the id counter (written by
/// every add on every thread) and the removal counters (written by clears and
/// evictions) sit on cache lines of their own, so writing them does not evict
/// the read-mostly line from the other threads' caches.
pub struct EventStore {
    /// A power of two of them.
    shards: Box<[ShardCell]>,
    interner: Arc<Interner>,
    retention: Retention,
    closed: AtomicBool,
    ids: IdSource,
    /// Events removed by clears, evictions and close, all together.
    removed: CachePadded<AtomicU64>,
    cleared_events: AtomicU64,
    cleared_epochs: AtomicU64,
    evicted_events: AtomicU64,
    evicted_epochs: AtomicU64,
    /// Largest evicted epoch + 1; 0 when none was.
    highest_evicted: AtomicU64,
    /// Held by the thread evicting for the retention bound.
    evicting: Mutex<()>,
}

impl fmt::Debug for EventStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventStore")
            .field("stats", &self.stats())
            .field("closed", &self.is_closed())
            .finish()
    }
}

/// Four shards per hardware thread, as a power of two between 8 and 128.
/// (Each shard keeps 16 bytes per epoch it holds, and clearing an epoch
/// visits each shard holding it: more shards cost memory and clear time.)
fn shard_count() -> usize {
    let threads = std::thread::available_parallelism().map_or(4, |n| n.get());
    (threads * 4).next_power_of_two().clamp(8, 128)
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
        let count = shard_count();
        let store = EventStore {
            shards: (0..count).map(|_| ShardCell::new()).collect(),
            interner: Arc::new(Interner::new()),
            retention,
            closed: AtomicBool::new(false),
            ids,
            removed: CachePadded::new(AtomicU64::new(0)),
            cleared_events: AtomicU64::new(0),
            cleared_epochs: AtomicU64::new(0),
            evicted_events: AtomicU64::new(0),
            evicted_epochs: AtomicU64::new(0),
            highest_evicted: AtomicU64::new(0),
            evicting: Mutex::new(()),
        };
        store.share_byte_room();
        store
    }

    /// A key's shard depends on its node only: all signals of a node share a
    /// shard. Node ids are dense (interning order), so `id % shards` spreads
    /// them evenly, and any `shards` consecutive ids get distinct shards:
    /// threads running different nodes mostly take different locks.
    #[inline]
    fn shard_index(&self, key: u64) -> usize {
        ((key >> 32) as usize) & (self.shards.len() - 1)
    }

    #[inline]
    fn cell(&self, key: u64) -> &ShardCell {
        &self.shards[self.shard_index(key)]
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
        // Copied (and a long value allocated) before the lock is taken.
        let value = copy_value(value)?;
        let key = pack_key(node, signal);
        let cell = self.cell(key);
        let mut evicted = Vec::new();
        let (id, look_at_bytes) = {
            let mut shard = cell.shard.write();
            // Checked under the shard lock: `close` empties each shard after
            // setting the flag, so an add either sees the flag or is emptied.
            self.check_open()?;
            let id = self.ids.take(1)?;
            shard.insert(
                key,
                Slot {
                    epoch,
                    id,
                    timestamp,
                    value,
                },
            );
            self.catch_up(cell, &mut shard, &mut evicted);
            cell.publish(&shard);
            (id, cell.bytes_past_look(&shard))
        };
        free_values(evicted);
        self.enforce_retention(self.ids.issued_through(id), look_at_bytes);
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

    /// Adds events and writes their ids to `ids_out` (if given, it must be as
    /// long as `events`). The batch draws consecutive ids in its own order.
    /// Every event is checked before any is added, so a refused batch adds
    /// nothing. Each shard's lock is taken once per `HOLD` (16) of its events,
    /// so other threads may see a batch appear in parts, each event whole.
    ///
    /// Closing the store while a batch is being added empties whatever part of
    /// it was added, as for any other event, and the batch returns `Closed`.
    pub fn add_batch(
        &self,
        events: &[NewEvent<'_>],
        ids_out: Option<&mut [u64]>,
    ) -> Result<(), StoreError> {
        if let Some(ids) = &ids_out {
            assert_eq!(ids.len(), events.len(), "ids_out must match events");
        }
        self.check_open()?;
        for event in events {
            self.check_names(event.node, event.signal)?;
            check_value(event.value)?;
        }
        if events.is_empty() {
            return Ok(());
        }
        // Group the events by shard, keeping their order within each shard:
        // a counting sort (shards are few), `order` lists event indices
        // shard by shard, `bounds[s]..bounds[s + 1]` being shard s's part.
        let shard_count = self.shards.len();
        let mut bounds = vec![0u32; shard_count + 1];
        let shard_of: Vec<u8> = events
            .iter()
            .map(|e| {
                let shard = self.shard_index(pack_key(e.node, e.signal));
                bounds[shard + 1] += 1;
                shard as u8
            })
            .collect();
        for s in 0..shard_count {
            bounds[s + 1] += bounds[s];
        }
        let mut order = vec![0u32; events.len()];
        let mut next = bounds.clone();
        for (i, &shard) in shard_of.iter().enumerate() {
            let slot = &mut next[usize::from(shard)];
            order[*slot as usize] = i as u32;
            *slot += 1;
        }
        // Long values get their blocks before any lock is taken (an allocation
        // may fail: then nothing is added); short ones are copied in place.
        let mut long_values: Vec<Option<Value>> = Vec::new();
        if events.iter().any(|e| e.value.len() > INLINE_MAX) {
            long_values = events
                .iter()
                .map(|e| {
                    if e.value.len() > INLINE_MAX {
                        copy_value(e.value).map(Some)
                    } else {
                        Ok(None)
                    }
                })
                .collect::<Result<_, _>>()?;
        }
        // One reservation: the batch's ids are consecutive, in its own order.
        let first = self.ids.take(events.len() as u64)?;
        let mut look_at_bytes = false;
        for (index, cell) in self.shards.iter().enumerate() {
            let group = &order[bounds[index] as usize..bounds[index + 1] as usize];
            // A shard's lock is held for `HOLD` events at most, so that
            // another thread waiting for it (an evicting add) spins briefly
            // instead of sleeping through the whole part of a large batch.
            for part in group.chunks(HOLD) {
                look_at_bytes |= self.insert_part(cell, part, events, &mut long_values, first)?;
            }
        }
        if let Some(ids) = ids_out {
            for (i, id) in ids.iter_mut().enumerate() {
                *id = first + i as u64;
            }
        }
        let issued = self.ids.issued_through(first + events.len() as u64 - 1);
        self.enforce_retention(issued, look_at_bytes);
        Ok(())
    }

    /// Inserts the batch's events `part` (indices into `events`, all of
    /// `cell`'s shard) under one hold of its lock; returns whether the shard's
    /// bytes went past its look (`bytes_past_look`).
    fn insert_part(
        &self,
        cell: &ShardCell,
        part: &[u32],
        events: &[NewEvent<'_>],
        long_values: &mut [Option<Value>],
        first: u64,
    ) -> Result<bool, StoreError> {
        let mut shard = cell.shard.write();
        self.check_open()?;
        for &i in part {
            let event = &events[i as usize];
            let value = match long_values.get_mut(i as usize).and_then(Option::take) {
                Some(value) => value,
                // Inline: a copy that cannot fail.
                None => copy_value(event.value).expect("short values need no allocation"),
            };
            shard.insert(
                pack_key(event.node, event.signal),
                Slot {
                    epoch: event.epoch,
                    id: first + u64::from(i),
                    timestamp: event.timestamp,
                    value,
                },
            );
        }
        let mut evicted = Vec::new();
        self.catch_up(cell, &mut shard, &mut evicted);
        cell.publish(&shard);
        let look = cell.bytes_past_look(&shard);
        drop(shard);
        free_values(evicted);
        Ok(look)
    }

    /// Evicts if the store is over its bound; `issued` is how many ids were
    /// handed out by the end of the caller's add, `look_at_bytes` whether it
    /// took its shard's bytes past the shard's look.
    #[inline]
    fn enforce_retention(&self, issued: u64, look_at_bytes: bool) {
        if !self.retention.is_bounded() {
            return;
        }
        // A cheap first look that touches no shard and not the id counter
        // (another thread's adds keep writing it): ids issued minus events
        // removed is never below the events retained. It misses the ids other
        // threads drew after ours, but each of those adds looks for itself.
        let events_maybe_over = self.retention.max_events.is_some_and(|max| {
            issued.saturating_sub(self.removed.load(Ordering::Acquire)) > max as u64
        });
        // Nor other shards' byte counts, unless this shard's went past its
        // share of the room left (the shares add up to at most the bound).
        let bytes_maybe_over = look_at_bytes && self.retention.max_bytes.is_some();
        if events_maybe_over || bytes_maybe_over {
            self.evict();
        }
    }

    /// Evicts until the store is within its bounds (the rare part of
    /// `enforce_retention`, kept out of the adds' code).
    #[cold]
    #[inline(never)]
    fn evict(&self) {
        // One evictor at a time: a thread that finds another one evicting
        // leaves the work to it (its loop re-checks the bound, including the
        // events added meanwhile) instead of racing it for the same epoch.
        let Some(_evicting) = self.evicting.try_lock() else {
            return;
        };
        loop {
            let (events, bytes) = (self.len(), self.bytes());
            if !self.retention.exceeded(events, bytes) || self.evict_step(events, bytes) == 0 {
                break;
            }
        }
        self.share_byte_room();
    }

    /// With a byte bound, gives each shard a look (`bytes_look_at`): its bytes
    /// now plus an equal share of the room left under the bound. While every
    /// shard stays at or below its look, the store is within the bound, so an
    /// add reads only its own shard's bytes; one that goes past its look makes
    /// the adding thread look at the whole store (and share the room again).
    /// Counts read while others add only make looks lower (safe).
    fn share_byte_room(&self) {
        let Some(max) = self.retention.max_bytes else {
            return;
        };
        let held: Vec<usize> = self
            .shards
            .iter()
            .map(|cell| cell.bytes.load(Ordering::Acquire))
            .collect();
        let share = max.saturating_sub(held.iter().sum()) / self.shards.len();
        for (cell, bytes) in self.shards.iter().zip(held) {
            cell.bytes_look_at.store(bytes + share, Ordering::Release);
        }
    }

    /// Removes the oldest whole epochs that bring the store down to the
    /// retention's low marks, never the newest epoch; returns how many events
    /// went. Visits each shard holding an epoch below the chosen floor once.
    /// `events` and `bytes` are what the store holds.
    fn evict_step(&self, events: usize, bytes: usize) -> usize {
        let (low_events, low_bytes) = self.retention.low_marks();
        let need_events = low_events.map_or(0, |low| events.saturating_sub(low));
        let need_bytes = low_bytes.map_or(0, |low| bytes.saturating_sub(low));
        let Some(plan) = self.plan_eviction((events, bytes), (need_events, need_bytes)) else {
            return 0;
        };
        // Each shard's part goes now if its lock is free; a shard busy with
        // another thread's add is left to that add (`catch_up`), which does
        // it in its own cache instead of waiting for this thread or making it
        // wait. Shards still behind after the others are done (held by a
        // reader, or by a long add) are then waited for.
        // Every shard gets the floor, so that a later add to an evicted epoch
        // goes at once whichever shard it lands in (an evicted epoch stays
        // evicted).
        let mut values = Vec::new();
        let mut behind = Vec::new();
        for (index, cell) in self.shards.iter().enumerate() {
            cell.evict_below.fetch_max(plan.floor, Ordering::AcqRel);
            if cell.oldest.load(Ordering::Acquire) >= plan.floor {
                continue;
            }
            match cell.shard.try_write() {
                Some(mut shard) => {
                    self.catch_up(cell, &mut shard, &mut values);
                    cell.publish(&shard);
                }
                None => behind.push(index),
            }
        }
        for index in behind {
            let cell = &self.shards[index];
            let mut spins = 0;
            while cell.oldest.load(Ordering::Acquire) < plan.floor && spins < CATCH_UP_SPINS {
                std::hint::spin_loop();
                spins += 1;
            }
            if cell.oldest.load(Ordering::Acquire) < plan.floor {
                let mut shard = cell.shard.write();
                self.catch_up(cell, &mut shard, &mut values);
                cell.publish(&shard);
            }
        }
        free_values(values);
        self.evicted_epochs
            .fetch_add(plan.epochs, Ordering::Relaxed);
        self.highest_evicted
            .fetch_max(plan.last.saturating_add(1), Ordering::Relaxed);
        plan.events
    }

    /// In a shard locked for writing: removes the epochs an eviction step
    /// left to it (below its `evict_below`), values to `sink`. Every writer
    /// calls it before `publish`; usually there is nothing to do (one load).
    #[inline]
    fn catch_up(&self, cell: &ShardCell, shard: &mut Shard, sink: &mut Vec<SharedBytes>) {
        let floor = cell.evict_below.load(Ordering::Acquire);
        if shard
            .epoch_range()
            .is_some_and(|(oldest, _)| oldest < floor)
        {
            let count = shard.remove_below(floor, sink);
            self.removed.fetch_add(count as u64, Ordering::Release);
            self.evicted_events
                .fetch_add(count as u64, Ordering::Relaxed);
        }
    }

    /// The floor of an eviction step: the smallest epoch such that the epochs
    /// below it hold the `need`ed (events, bytes), or as many as there are
    /// below the newest epoch. None if nothing may go. `held` is what the
    /// store holds.
    ///
    /// Reads the shards' epoch counts one shard lock at a time (holding
    /// several would queue behind other threads' batches and hold them up in
    /// turn), and only the oldest part of each: up to a horizon guessed from
    /// the average events (bytes) per epoch, widened if it fell short.
    fn plan_eviction(&self, held: (usize, usize), need: (usize, usize)) -> Option<EvictionPlan> {
        let (mut oldest, mut newest) = (u64::MAX, 0);
        for cell in self.shards.iter() {
            let (o, n) = (
                cell.oldest.load(Ordering::Acquire),
                cell.newest.load(Ordering::Acquire),
            );
            if o <= n {
                oldest = oldest.min(o);
                newest = newest.max(n);
            }
        }
        if oldest >= newest {
            return None;
        }
        let share = |need: usize, held: usize| need as f64 / held.max(1) as f64;
        let fraction = share(need.0, held.0).max(share(need.1, held.1));
        let mut reach = (fraction * 1.25 * (newest - oldest) as f64) as u64 + 1;
        let mut counts = Vec::new();
        let mut runs = Vec::with_capacity(self.shards.len());
        loop {
            // Never the newest epoch.
            let horizon = oldest.saturating_add(reach).min(newest - 1);
            counts.clear();
            runs.clear();
            for cell in self.shards.iter() {
                if cell.may_hold_below(horizon) {
                    let start = counts.len();
                    read_patiently(&cell.shard).epoch_counts_through(horizon, &mut counts);
                    runs.push(start..counts.len());
                }
            }
            // Merge the shards' runs (each sorted), oldest epoch first.
            let mut cursors: Vec<_> = runs
                .iter()
                .map(|run| counts[run.clone()].iter().peekable())
                .collect();
            let mut taken = (0, 0);
            let mut plan: Option<EvictionPlan> = None;
            while taken.0 < need.0 || taken.1 < need.1 {
                let next = cursors
                    .iter_mut()
                    .filter_map(|c| c.peek().map(|c| c.epoch))
                    .min();
                let Some(epoch) = next else {
                    break;
                };
                for cursor in &mut cursors {
                    if let Some(count) = cursor.next_if(|c| c.epoch == epoch) {
                        taken.0 += count.events;
                        taken.1 += count.bytes;
                    }
                }
                let epochs = plan.map_or(0, |p| p.epochs) + 1;
                plan = Some(EvictionPlan {
                    floor: epoch + 1,
                    last: epoch,
                    epochs,
                    events: taken.0,
                });
            }
            let enough = taken.0 >= need.0 && taken.1 >= need.1;
            if enough || horizon == newest - 1 {
                return plan;
            }
            reach = reach.saturating_mul(2);
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
        self.get_each(node, signal, epoch, |event| out.push(event))
    }

    /// Calls `each` with the events of (node, signal, epoch), oldest first
    /// (under the key's shard lock: `each` must not call into the store);
    /// returns how many.
    pub fn get_each(
        &self,
        node: NameId,
        signal: NameId,
        epoch: u64,
        mut each: impl FnMut(Event),
    ) -> Result<usize, StoreError> {
        self.check_open()?;
        let key = pack_key(node, signal);
        let shard = self.cell(key).shard.read();
        let mut count = 0;
        if let Some(events) = shard.key(key) {
            for payload in events.epoch(epoch) {
                each(to_event(key, epoch, payload));
                count += 1;
            }
        }
        Ok(count)
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
    ///
    /// A cold lookup is a chain of dependent cache misses (sample, epochs,
    /// payload; a long value's block); one key after another, a batch would
    /// wait on each in turn. So keys go in groups of `BATCH_GROUP` (32): the
    /// group's shards are read-locked together (in index order; no thread
    /// holding a shard lock ever waits for another, so this cannot deadlock),
    /// and each step of the lookup runs for every key of the group before the
    /// next (window from the sample, prefetching its epochs; search of the
    /// epochs, prefetching the payload; a long value's block; the copy), so the
    /// misses of a group overlap. Each key is still seen whole, before or
    /// after any concurrent add or clear.
    pub fn get_many_into(
        &self,
        keys: &[(NameId, NameId, u64)],
        out: &mut Vec<Event>,
        counts: &mut [usize],
    ) -> Result<(), StoreError> {
        assert_eq!(keys.len(), counts.len(), "counts must match keys");
        self.check_open()?;
        let mut guards: Vec<Option<RwLockReadGuard<'_, Shard>>> =
            (0..self.shards.len()).map(|_| None).collect();
        // (position of the key's first event, how many) per key of the group.
        let mut spans = [(0usize, 0usize); BATCH_GROUP];
        for (group, group_counts) in keys.chunks(BATCH_GROUP).zip(counts.chunks_mut(BATCH_GROUP)) {
            // Shards are at most 128: one bit each, locked in ascending order.
            let mut wanted = 0u128;
            for &(node, signal, _) in group {
                wanted |= 1 << self.shard_index(pack_key(node, signal));
            }
            while wanted != 0 {
                let index = wanted.trailing_zeros() as usize;
                wanted &= wanted - 1;
                guards[index] = Some(self.shards[index].shard.read());
            }
            // Each key's record, found once (a hash lookup) for all the steps.
            let mut found: [Option<&KeyEvents>; BATCH_GROUP] = [None; BATCH_GROUP];
            for (&(node, signal, _), slot) in group.iter().zip(found.iter_mut()) {
                let key = pack_key(node, signal);
                *slot = guards[self.shard_index(key)]
                    .as_ref()
                    .and_then(|shard| shard.key(key));
            }
            // Each step reads what the previous one prefetched for every key.
            for ((&(_, _, epoch), events), span) in group.iter().zip(&found).zip(spans.iter_mut()) {
                *span = events.map_or((0, 0), |events| events.start_span(epoch));
            }
            for ((&(_, _, epoch), events), span) in group.iter().zip(&found).zip(spans.iter_mut()) {
                if let Some(events) = events {
                    *span = events.finish_span(epoch, *span);
                }
            }
            for (events, &(start, count)) in found.iter().zip(&spans) {
                if let (Some(events), true) = (events, count > 0) {
                    // A long value's block (an inline one is in the payload).
                    events.payload(start).value.prefetch();
                }
            }
            for (((&(node, signal, epoch), events), &(start, count)), slot) in group
                .iter()
                .zip(&found)
                .zip(&spans)
                .zip(group_counts.iter_mut())
            {
                *slot = count;
                if let Some(events) = events {
                    let key = pack_key(node, signal);
                    out.extend(
                        (start..start + count).map(|at| to_event(key, epoch, events.payload(at))),
                    );
                }
            }
            for guard in guards.iter_mut() {
                *guard = None;
            }
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
        let shard = self.cell(key).shard.read();
        Ok(shard
            .key(key)
            .and_then(|events| events.latest())
            .map(|(epoch, p)| to_event(key, epoch, p)))
    }

    /// As [`latest`](Self::latest), by names.
    pub fn latest_named(&self, node: &str, signal: &str) -> Result<Option<Event>, StoreError> {
        self.check_open()?;
        match (self.lookup(node), self.lookup(signal)) {
            (Some(node), Some(signal)) => self.latest(node, signal),
            _ => Ok(None),
        }
    }

    /// Appends every event of `epoch`, in id order (the order they were added),
    /// to `out`; returns how many.
    pub fn epoch_into(&self, epoch: u64, out: &mut Vec<Event>) -> Result<usize, StoreError> {
        self.check_open()?;
        let before = out.len();
        for cell in self.shards.iter().filter(|cell| cell.may_hold(epoch)) {
            let shard = cell.shard.read();
            shard.epoch_slots(epoch, |key, p| out.push(to_event(key, epoch, p)));
        }
        out[before..].sort_unstable_by_key(Event::id);
        Ok(out.len() - before)
    }

    /// Every event of `epoch`, in id order.
    pub fn epoch_events(&self, epoch: u64) -> Result<Vec<Event>, StoreError> {
        let mut out = Vec::new();
        self.epoch_into(epoch, &mut out)?;
        Ok(out)
    }

    /// The retained epochs, ascending.
    pub fn epochs(&self) -> Result<Vec<u64>, StoreError> {
        self.check_open()?;
        let mut epochs = Vec::new();
        for cell in self.shards.iter() {
            epochs.extend(cell.shard.read().epochs());
        }
        epochs.sort_unstable();
        epochs.dedup();
        Ok(epochs)
    }

    // ---- removing ----------------------------------------------------------

    /// Removes every event of `epoch`; returns how many there were (0 for an
    /// epoch that does not exist). Events handed out earlier stay valid.
    pub fn clear_epoch(&self, epoch: u64) -> Result<usize, StoreError> {
        self.check_open()?;
        let mut count = 0;
        let mut values = Vec::new();
        for cell in self.shards.iter().filter(|cell| cell.may_hold(epoch)) {
            let mut shard = cell.shard.write();
            count += shard.remove_epoch(epoch, &mut values);
            cell.publish(&shard);
        }
        free_values(values);
        if count > 0 {
            self.removed.fetch_add(count as u64, Ordering::Release);
            self.cleared_events
                .fetch_add(count as u64, Ordering::Relaxed);
            self.cleared_epochs.fetch_add(1, Ordering::Relaxed);
        }
        Ok(count)
    }

    /// Drops every event and refuses all further calls with `Closed`.
    /// Idempotent. Events already handed out stay valid.
    pub fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        // Each shard is locked in turn: an add holding it finished before and is
        // emptied here; later adds see the flag.
        for cell in self.shards.iter() {
            let mut shard = cell.shard.write();
            self.removed
                .fetch_add(shard.events as u64, Ordering::Release);
            shard.clear();
            cell.publish(&shard);
        }
    }

    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    // ---- size --------------------------------------------------------------

    /// Events retained.
    pub fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|cell| cell.events.load(Ordering::Acquire))
            .sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes of the retained values.
    pub fn bytes(&self) -> usize {
        self.shards
            .iter()
            .map(|cell| cell.bytes.load(Ordering::Acquire))
            .sum()
    }

    /// The counters. `epochs` is counted over all shards under their locks:
    /// this is not a hot-path call.
    pub fn stats(&self) -> StoreStats {
        let highest = self.highest_evicted.load(Ordering::Relaxed);
        StoreStats {
            events: self.len(),
            bytes: self.bytes(),
            epochs: self.epochs().map_or(0, |epochs| epochs.len()),
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
fn to_event(key: u64, epoch: u64, payload: &Payload) -> Event {
    let (node, signal) = unpack_key(key);
    Event {
        id: payload.id,
        node,
        signal,
        epoch,
        timestamp: payload.timestamp,
        value: payload.value.clone(),
    }
}

/// A shard's read lock for an eviction plan: held by another thread's add,
/// the lock is free again within a microsecond or two (adds hold it for
/// `HOLD` events at most), so spin for it before sleeping on it as `read`
/// does after a shorter spin (a sleep and a wake-up cost tens of microseconds).
fn read_patiently(lock: &RwLock<Shard>) -> RwLockReadGuard<'_, Shard> {
    for _ in 0..CATCH_UP_SPINS {
        if let Some(guard) = lock.try_read() {
            return guard;
        }
        std::hint::spin_loop();
    }
    lock.read()
}

/// Frees removed values, outside the shard locks. They are usually cold (an
/// evicted epoch was added long ago): fetching all their headers at once
/// overlaps the cache misses instead of taking them one by one.
fn free_values(values: Vec<SharedBytes>) {
    for value in &values {
        value.prefetch();
    }
    drop(values);
}

/// Copies a value (inline, or into its own shared block if long), refusing what
/// the allocator cannot hold.
fn copy_value(value: &[u8]) -> Result<Value, StoreError> {
    Value::copy_from(value).map_err(|e| StoreError::OutOfMemory(e.0))
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
