//! BufferPool: pre-allocated, fixed-size byte buffers lent out and taken back.
//!
//! Buffers are identified by a [`BufferToken`], never by their address, so a
//! release can be checked (twice? another pool's? never lent?) without touching
//! memory the caller may have lost track of.
//!
//! Speed: a thread that releases a buffer keeps it in a one-buffer, per-thread
//! cache and gets it back on its next acquire from the same pool, with no atomic
//! read-modify-write and no lock; a release costs one compare-and-swap on the
//! buffer's state (which is what makes a double release detectable even from two
//! threads at once). Everything else goes through the pool's shared idle list
//! under a lock.
//!
//! Memory: the shared idle list keeps at most `max_pooled` buffers; released
//! buffers beyond that are freed. Each thread's cache holds at most one buffer
//! more (of the pool it last released into), given back to the pool when the
//! thread exits. With `max_pooled == 0` nothing is kept at all.
//!
//! The one address this module hands out is the start of a lent buffer: it is
//! valid for `buffer_size` bytes until the buffer is released or the pool is
//! dropped, and no other holder gets it meanwhile.

use parking_lot::Mutex;
use std::alloc::{self, Layout};
use std::cell::RefCell;
use std::fmt;
use std::ptr::{self, NonNull};
use std::sync::atomic::{AtomicPtr, AtomicU16, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock, Weak};

/// Buffers are aligned for SIMD loads and so that two buffers never share a cache line.
const BUFFER_ALIGN: usize = 64;
const SLOT_BITS: u32 = 24;
const GENERATION_BITS: u32 = 24;
const SLOT_MASK: u64 = (1 << SLOT_BITS) - 1;
const GENERATION_MASK: u64 = (1 << GENERATION_BITS) - 1;
/// How many buffers one pool can hold at once, lent or idle (a slot index has 24 bits).
pub(crate) const MAX_OUTSTANDING: usize = 1 << SLOT_BITS;

/// Slots live in chunks that never move: chunk `c` holds `FIRST_CHUNK << c` slots.
const FIRST_CHUNK: usize = 64;
const CHUNKS: usize = 19; // 64 * (2^19 - 1) slots >= MAX_OUTSTANDING

/// Distinguishes pools inside tokens; 0 is never used, so token 0 is never valid.
static NEXT_POOL_TAG: AtomicU16 = AtomicU16::new(1);

/// Names one lease: `pool tag (16 bits) | generation (24) | slot (24)`.
///
/// The generation changes every time a slot is lent, so a token kept after its
/// buffer was released never matches a later lease of the same slot (until the
/// 24-bit generation wraps, 16.7 million leases of that one slot later). Tags are
/// 16 bits: a token of a pool created 65,536 pools earlier may look like this one's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BufferToken(pub u64);

impl BufferToken {
    fn new(pool_tag: u16, generation: u64, slot: u32) -> Self {
        BufferToken(
            (u64::from(pool_tag) << (SLOT_BITS + GENERATION_BITS))
                | (generation << SLOT_BITS)
                | u64::from(slot),
        )
    }
    fn pool_tag(self) -> u16 {
        (self.0 >> (SLOT_BITS + GENERATION_BITS)) as u16
    }
    fn generation(self) -> u64 {
        (self.0 >> SLOT_BITS) & GENERATION_MASK
    }
    fn slot(self) -> u32 {
        (self.0 & SLOT_MASK) as u32
    }
}

/// A lent buffer: its token and where its bytes are.
#[derive(Clone, Copy, Debug)]
pub struct BufferLease {
    pub token: BufferToken,
    pub data: NonNull<u8>,
    pub len: usize,
}

/// Counters of a pool. `stats` walks every slot, so it costs O(buffers held).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PoolStats {
    pub buffer_size: usize,
    pub max_pooled: usize,
    /// Idle buffers ready to lend: the shared idle list plus the per-thread caches.
    pub pooled: usize,
    /// Buffers lent and not yet released.
    pub outstanding: usize,
    /// Acquires served by an idle buffer.
    pub hits: u64,
    /// Acquires that had to allocate.
    pub misses: u64,
    /// Releases that freed the buffer because `max_pooled` idle ones were already kept.
    pub discarded: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PoolError {
    /// `buffer_size` is 0 or too large for one allocation.
    InvalidSize(usize),
    /// The allocator had no memory for a buffer.
    OutOfMemory(usize),
    /// Already [`MAX_OUTSTANDING`] buffers are held.
    TooManyOutstanding,
    /// The token belongs to another pool.
    WrongPool(BufferToken),
    /// The token names no buffer currently lent by this pool (released twice, or never lent).
    NotOutstanding(BufferToken),
}

impl fmt::Display for PoolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PoolError::InvalidSize(size) => write!(
                f,
                "buffer_size {size} is invalid: it must be between 1 and {} bytes",
                isize::MAX as usize - BUFFER_ALIGN
            ),
            PoolError::OutOfMemory(size) => {
                write!(f, "could not allocate a buffer of {size} bytes")
            }
            PoolError::TooManyOutstanding => write!(
                f,
                "the pool already holds {MAX_OUTSTANDING} buffers, its maximum"
            ),
            PoolError::WrongPool(token) => {
                write!(f, "buffer token {:#x} belongs to another pool", token.0)
            }
            PoolError::NotOutstanding(token) => write!(
                f,
                "buffer token {:#x} is not lent by this pool (released twice, or never acquired)",
                token.0
            ),
        }
    }
}

impl std::error::Error for PoolError {}

/// A slot's state word: `generation << 2 | kind`.
mod state {
    /// Not lent: in the shared idle list, or vacant (no memory).
    pub(crate) const FREE: u64 = 0;
    /// Idle in one thread's cache.
    pub(crate) const CACHED: u64 = 1;
    pub(crate) const LENT: u64 = 2;

    pub fn make(generation: u64, kind: u64) -> u64 {
        (generation << 2) | kind
    }
    pub fn kind(word: u64) -> u64 {
        word & 3
    }
    pub fn generation(word: u64) -> u64 {
        word >> 2
    }
}

#[derive(Default)]
struct Slot {
    state: AtomicU64,
    /// Times this slot was lent; written only by the thread that owns the slot at that moment.
    leases: AtomicU64,
    /// The buffer's memory, or null for a vacant slot.
    data: AtomicPtr<u8>,
}

/// The part of the pool only touched under its lock.
struct Shelf {
    /// Idle slots in the shared list, most recently released last (reused first: warm in cache).
    idle: Vec<u32>,
    /// Slots without memory, reusable for the next miss.
    vacant: Vec<u32>,
    misses: u64,
    discarded: u64,
}

struct Shared {
    tag: u16,
    layout: Layout,
    max_pooled: usize,
    chunks: [OnceLock<Box<[Slot]>>; CHUNKS],
    /// Slots created so far; published after the slot is ready.
    slot_count: AtomicUsize,
    shelf: Mutex<Shelf>,
}

/// A thread's one-buffer cache: the pool it last released into, and maybe one idle slot of it.
struct ThreadCache {
    pool: Weak<Shared>,
    slot: Option<u32>,
}

impl Drop for ThreadCache {
    fn drop(&mut self) {
        // The thread is ending: hand its cached buffer back so the pool can lend it again.
        if let (Some(slot), Some(pool)) = (self.slot.take(), self.pool.upgrade()) {
            pool.return_cached(slot);
        }
    }
}

thread_local! {
    static CACHE: RefCell<ThreadCache> = const {
        RefCell::new(ThreadCache { pool: Weak::new(), slot: None })
    };
}

fn chunk_of(index: usize) -> (usize, usize) {
    let shifted = index + FIRST_CHUNK;
    let chunk = (usize::BITS - 1 - shifted.leading_zeros()) as usize
        - FIRST_CHUNK.trailing_zeros() as usize;
    (chunk, shifted - (FIRST_CHUNK << chunk))
}

impl Shared {
    fn slot(&self, index: u32) -> Option<&Slot> {
        if index as usize >= self.slot_count.load(Ordering::Acquire) {
            return None;
        }
        let (chunk, offset) = chunk_of(index as usize);
        self.chunks[chunk].get().map(|slots| &slots[offset])
    }

    fn allocate(&self) -> Result<NonNull<u8>, PoolError> {
        // SAFETY: the layout's size is non-zero (checked in `BufferPool::new`).
        NonNull::new(unsafe { alloc::alloc_zeroed(self.layout) })
            .ok_or(PoolError::OutOfMemory(self.layout.size()))
    }

    fn deallocate(&self, data: *mut u8) {
        if !data.is_null() {
            // SAFETY: every non-null `data` came from `allocate` with this layout and is
            // freed once: it is swapped out of its slot before being freed.
            unsafe { alloc::dealloc(data, self.layout) }
        }
    }

    /// Puts `data` into a vacant or new slot (under the lock); the slot stays FREE.
    fn shelve_new(&self, shelf: &mut Shelf, data: NonNull<u8>) -> Result<u32, PoolError> {
        let index = match shelf.vacant.pop() {
            Some(index) => index,
            None => {
                let count = self.slot_count.load(Ordering::Relaxed);
                if count >= MAX_OUTSTANDING {
                    return Err(PoolError::TooManyOutstanding);
                }
                let (chunk, _) = chunk_of(count);
                self.chunks[chunk]
                    .get_or_init(|| (0..FIRST_CHUNK << chunk).map(|_| Slot::default()).collect());
                self.slot_count.store(count + 1, Ordering::Release);
                count as u32
            }
        };
        let slot = self.slot(index).expect("slot was just created");
        slot.data.store(data.as_ptr(), Ordering::Relaxed);
        Ok(index)
    }

    /// Marks a FREE or CACHED slot lent (its owner is the caller) and makes its lease.
    fn lend(&self, index: u32, slot: &Slot) -> BufferLease {
        let generation =
            (state::generation(slot.state.load(Ordering::Relaxed)) + 1) & GENERATION_MASK;
        slot.state
            .store(state::make(generation, state::LENT), Ordering::Release);
        slot.leases
            .store(slot.leases.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
        let data =
            NonNull::new(slot.data.load(Ordering::Relaxed)).expect("an idle slot holds memory");
        BufferLease {
            token: BufferToken::new(self.tag, generation, index),
            data,
            len: self.layout.size(),
        }
    }

    /// Shelves a slot that its caller just marked FREE: idle if there is room, else freed.
    fn shelve_released(&self, index: u32) {
        let slot = self.slot(index).expect("a released slot exists");
        let discarded = {
            let mut shelf = self.shelf.lock();
            if shelf.idle.len() < self.max_pooled {
                shelf.idle.push(index);
                return;
            }
            shelf.vacant.push(index);
            shelf.discarded += 1;
            slot.data.swap(ptr::null_mut(), Ordering::Relaxed)
        };
        self.deallocate(discarded);
    }

    fn return_cached(&self, index: u32) {
        if let Some(slot) = self.slot(index) {
            let word = slot.state.load(Ordering::Relaxed);
            slot.state.store(
                state::make(state::generation(word), state::FREE),
                Ordering::Release,
            );
            self.shelve_released(index);
        }
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        for slots in self.chunks.iter().filter_map(OnceLock::get) {
            for slot in slots.iter() {
                self.deallocate(slot.data.swap(ptr::null_mut(), Ordering::Relaxed));
            }
        }
    }
}

/// A thread-safe pool of fixed-size buffers.
pub struct BufferPool {
    shared: Arc<Shared>,
}

impl fmt::Debug for BufferPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BufferPool")
            .field("tag", &self.shared.tag)
            .field("stats", &self.stats())
            .finish()
    }
}

impl BufferPool {
    /// A pool of `buffer_size`-byte buffers keeping at most `max_pooled` idle ones
    /// in its shared list.
    pub fn new(buffer_size: usize, max_pooled: usize) -> Result<Self, PoolError> {
        if buffer_size == 0 {
            return Err(PoolError::InvalidSize(buffer_size));
        }
        let layout = Layout::from_size_align(buffer_size, BUFFER_ALIGN)
            .map_err(|_| PoolError::InvalidSize(buffer_size))?;
        let mut tag = NEXT_POOL_TAG.fetch_add(1, Ordering::Relaxed);
        if tag == 0 {
            tag = NEXT_POOL_TAG.fetch_add(1, Ordering::Relaxed);
        }
        Ok(BufferPool {
            shared: Arc::new(Shared {
                tag,
                layout,
                max_pooled,
                chunks: Default::default(),
                slot_count: AtomicUsize::new(0),
                shelf: Mutex::new(Shelf {
                    idle: Vec::with_capacity(max_pooled.min(1 << 16)),
                    vacant: Vec::new(),
                    misses: 0,
                    discarded: 0,
                }),
            }),
        })
    }

    pub fn buffer_size(&self) -> usize {
        self.shared.layout.size()
    }

    pub fn max_pooled(&self) -> usize {
        self.shared.max_pooled
    }

    /// Allocates idle buffers until `count` are in the shared idle list (never beyond
    /// `max_pooled`); returns how many were added.
    pub fn prefill(&self, count: usize) -> Result<usize, PoolError> {
        let target = count.min(self.shared.max_pooled);
        let mut added = 0;
        loop {
            if self.shared.shelf.lock().idle.len() >= target {
                return Ok(added);
            }
            // Allocate outside the lock: zeroing a large buffer must not stall other threads.
            let data = self.shared.allocate()?;
            let mut shelf = self.shared.shelf.lock();
            if shelf.idle.len() >= target {
                drop(shelf);
                self.shared.deallocate(data.as_ptr());
                return Ok(added);
            }
            let index = self.shared.shelve_new(&mut shelf, data)?;
            shelf.idle.push(index);
            added += 1;
        }
    }

    /// Lends a buffer: this thread's cached one, else one from the shared idle list
    /// (both hits), else a new zeroed one (a miss). A reused buffer still holds what
    /// its previous holder wrote.
    pub fn acquire(&self) -> Result<BufferLease, PoolError> {
        let shared = &*self.shared;
        let cached = CACHE.with(|cache| {
            let mut cache = cache.borrow_mut();
            if ptr::eq(cache.pool.as_ptr(), shared) {
                cache.slot.take()
            } else {
                None
            }
        });
        if let Some(index) = cached {
            let slot = shared.slot(index).expect("a cached slot exists");
            return Ok(shared.lend(index, slot));
        }
        let mut shelf = shared.shelf.lock();
        let index = match shelf.idle.pop() {
            Some(index) => index,
            None => {
                drop(shelf);
                let data = shared.allocate()?;
                shelf = shared.shelf.lock();
                shelf.misses += 1;
                match shared.shelve_new(&mut shelf, data) {
                    Ok(index) => index,
                    Err(error) => {
                        shelf.misses -= 1;
                        drop(shelf);
                        shared.deallocate(data.as_ptr());
                        return Err(error);
                    }
                }
            }
        };
        let slot = shared.slot(index).expect("a shelved slot exists");
        Ok(shared.lend(index, slot))
    }

    /// Takes a lent buffer back. A token that is not currently lent by this pool is
    /// refused and changes nothing.
    ///
    /// The buffer goes to this thread's cache unless that already holds one of this
    /// pool (a buffer cached for another pool is handed back to it), else to the
    /// shared idle list if it has room, else it is freed.
    pub fn release(&self, token: BufferToken) -> Result<(), PoolError> {
        let shared = &*self.shared;
        if token.pool_tag() != shared.tag {
            // Tag 0 is no pool's: such a token was never lent at all.
            return Err(if token.pool_tag() == 0 {
                PoolError::NotOutstanding(token)
            } else {
                PoolError::WrongPool(token)
            });
        }
        let index = token.slot();
        let slot = shared.slot(index).ok_or(PoolError::NotOutstanding(token))?;
        let lent = state::make(token.generation(), state::LENT);
        // This thread's cache takes the buffer unless it already holds one of this pool.
        let cacheable = shared.max_pooled > 0
            && CACHE.with(|cache| {
                let cache = cache.borrow();
                cache.slot.is_none() || !ptr::eq(cache.pool.as_ptr(), shared)
            });
        let kind = if cacheable {
            state::CACHED
        } else {
            state::FREE
        };
        // The one atomic read-modify-write of a release: only one of two racing
        // releases of the same lease can win it.
        slot.state
            .compare_exchange(
                lent,
                state::make(token.generation(), kind),
                Ordering::AcqRel,
                Ordering::Relaxed,
            )
            .map_err(|_| PoolError::NotOutstanding(token))?;
        if !cacheable {
            shared.shelve_released(index);
            return Ok(());
        }
        let evicted = CACHE.with(|cache| {
            let mut cache = cache.borrow_mut();
            if ptr::eq(cache.pool.as_ptr(), shared) {
                cache.slot = Some(index);
                return None;
            }
            let pool = std::mem::replace(&mut cache.pool, Arc::downgrade(&self.shared));
            cache.slot.replace(index).map(|slot| (pool, slot))
        });
        // A buffer cached for another pool goes back to that pool (if it still exists).
        if let Some((pool, slot)) = evicted {
            if let Some(pool) = pool.upgrade() {
                pool.return_cached(slot);
            }
        }
        Ok(())
    }

    pub fn stats(&self) -> PoolStats {
        let shared = &*self.shared;
        let (idle, misses, discarded) = {
            let shelf = shared.shelf.lock();
            (shelf.idle.len(), shelf.misses, shelf.discarded)
        };
        let (mut cached, mut outstanding, mut leases) = (0, 0, 0);
        for index in 0..shared.slot_count.load(Ordering::Acquire) {
            let slot = shared.slot(index as u32).expect("counted slots exist");
            match state::kind(slot.state.load(Ordering::Acquire)) {
                state::CACHED => cached += 1,
                state::LENT => outstanding += 1,
                _ => {}
            }
            leases += slot.leases.load(Ordering::Relaxed);
        }
        PoolStats {
            buffer_size: shared.layout.size(),
            max_pooled: shared.max_pooled,
            pooled: idle + cached,
            outstanding,
            hits: leases.saturating_sub(misses),
            misses,
            discarded,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::sync::Arc;

    fn write_and_read(lease: &BufferLease, byte: u8) -> u8 {
        // SAFETY: the lease is outstanding, so its `len` bytes are ours alone.
        let bytes = unsafe { std::slice::from_raw_parts_mut(lease.data.as_ptr(), lease.len) };
        bytes.fill(byte);
        bytes[lease.len - 1]
    }

    #[test]
    fn new_buffers_are_zeroed_and_sized() {
        let pool = BufferPool::new(100, 4).unwrap();
        let lease = pool.acquire().unwrap();
        assert_eq!(lease.len, 100);
        assert_eq!(lease.data.as_ptr() as usize % BUFFER_ALIGN, 0);
        // SAFETY: outstanding lease.
        let bytes = unsafe { std::slice::from_raw_parts(lease.data.as_ptr(), lease.len) };
        assert!(bytes.iter().all(|&b| b == 0));
        pool.release(lease.token).unwrap();
    }

    #[test]
    fn zero_size_is_refused() {
        assert_eq!(
            BufferPool::new(0, 1).unwrap_err(),
            PoolError::InvalidSize(0)
        );
        assert!(matches!(
            BufferPool::new(usize::MAX, 1),
            Err(PoolError::InvalidSize(_))
        ));
    }

    #[test]
    fn released_buffer_is_reused_as_a_hit() {
        let pool = BufferPool::new(64, 2).unwrap();
        let first = pool.acquire().unwrap();
        write_and_read(&first, 7);
        pool.release(first.token).unwrap();
        let second = pool.acquire().unwrap();
        assert_eq!(second.data, first.data);
        assert_ne!(second.token, first.token, "a new lease gets a new token");
        let stats = pool.stats();
        assert_eq!((stats.hits, stats.misses, stats.outstanding), (1, 1, 1));
        pool.release(second.token).unwrap();
    }

    #[test]
    fn double_release_is_refused_and_changes_nothing() {
        let pool = BufferPool::new(64, 2).unwrap();
        let lease = pool.acquire().unwrap();
        pool.release(lease.token).unwrap();
        let before = pool.stats();
        assert_eq!(
            pool.release(lease.token),
            Err(PoolError::NotOutstanding(lease.token))
        );
        assert_eq!(pool.stats(), before);
    }

    #[test]
    fn stale_token_does_not_release_a_later_lease() {
        let pool = BufferPool::new(64, 2).unwrap();
        let old = pool.acquire().unwrap();
        pool.release(old.token).unwrap();
        let new = pool.acquire().unwrap();
        assert_eq!(new.data, old.data);
        assert!(matches!(
            pool.release(old.token),
            Err(PoolError::NotOutstanding(_))
        ));
        assert_eq!(pool.stats().outstanding, 1);
        pool.release(new.token).unwrap();
    }

    #[test]
    fn token_from_another_pool_is_refused() {
        let a = BufferPool::new(64, 2).unwrap();
        let b = BufferPool::new(64, 2).unwrap();
        let lease = a.acquire().unwrap();
        assert_eq!(
            b.release(lease.token),
            Err(PoolError::WrongPool(lease.token))
        );
        assert_eq!(a.stats().outstanding, 1);
        a.release(lease.token).unwrap();
    }

    #[test]
    fn forged_tokens_are_refused() {
        let pool = BufferPool::new(64, 2).unwrap();
        assert!(pool.release(BufferToken(0)).is_err());
        assert!(pool.release(BufferToken(u64::MAX)).is_err());
        let lease = pool.acquire().unwrap();
        let same_pool_unknown_slot = BufferToken(lease.token.0 + 5);
        assert!(matches!(
            pool.release(same_pool_unknown_slot),
            Err(PoolError::NotOutstanding(_))
        ));
    }

    #[test]
    fn idle_buffers_are_bounded_by_max_pooled() {
        let pool = BufferPool::new(32, 2).unwrap();
        let leases: Vec<_> = (0..5).map(|_| pool.acquire().unwrap()).collect();
        for lease in &leases {
            pool.release(lease.token).unwrap();
        }
        let stats = pool.stats();
        // Two in the shared list, one in this thread's cache.
        assert_eq!(stats.pooled, 3);
        assert_eq!(stats.discarded, 2);
        assert_eq!(stats.outstanding, 0);
        assert_eq!(stats.misses, 5);
    }

    #[test]
    fn prefill_stops_at_max_pooled() {
        let pool = BufferPool::new(32, 3).unwrap();
        assert_eq!(pool.prefill(10).unwrap(), 3);
        assert_eq!(pool.prefill(10).unwrap(), 0);
        assert_eq!(pool.stats().pooled, 3);
        pool.acquire().unwrap();
        assert_eq!(pool.stats().hits, 1);
    }

    #[test]
    fn max_pooled_zero_never_keeps_a_buffer() {
        let pool = BufferPool::new(32, 0).unwrap();
        let lease = pool.acquire().unwrap();
        pool.release(lease.token).unwrap();
        assert_eq!(pool.stats().pooled, 0);
        assert_eq!(pool.stats().discarded, 1);
        assert_eq!(pool.prefill(5).unwrap(), 0);
    }

    #[test]
    fn many_threads_never_share_a_buffer() {
        let pool = Arc::new(BufferPool::new(256, 8).unwrap());
        let threads: Vec<_> = (0..4u8)
            .map(|t| {
                let pool = Arc::clone(&pool);
                std::thread::spawn(move || {
                    for round in 0..2_000u32 {
                        let lease = pool.acquire().unwrap();
                        let mark = t.wrapping_mul(31).wrapping_add(round as u8);
                        write_and_read(&lease, mark);
                        std::thread::yield_now();
                        // SAFETY: still lent to this thread.
                        let bytes =
                            unsafe { std::slice::from_raw_parts(lease.data.as_ptr(), lease.len) };
                        assert!(bytes.iter().all(|&b| b == mark), "buffer shared");
                        pool.release(lease.token).unwrap();
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        let stats = pool.stats();
        assert_eq!(stats.outstanding, 0);
        assert_eq!(stats.hits + stats.misses, 8_000);
        // The shared list plus at most one per thread; the threads have exited and
        // handed their cached buffer back, so only the shared list is left.
        assert!(stats.pooled <= 8, "{stats:?}");
    }

    #[test]
    fn a_thread_hands_its_cached_buffer_back_when_it_exits() {
        let pool = Arc::new(BufferPool::new(64, 4).unwrap());
        let worker = Arc::clone(&pool);
        std::thread::spawn(move || {
            let lease = worker.acquire().unwrap();
            worker.release(lease.token).unwrap();
        })
        .join()
        .unwrap();
        let stats = pool.stats();
        assert_eq!((stats.pooled, stats.outstanding), (1, 0));
        let lease = pool.acquire().unwrap();
        assert_eq!(pool.stats().hits, 1, "the returned buffer is reused");
        pool.release(lease.token).unwrap();
    }

    #[test]
    fn cached_buffer_of_a_dropped_pool_is_never_reused() {
        let old = BufferPool::new(64, 4).unwrap();
        let lease = old.acquire().unwrap();
        old.release(lease.token).unwrap(); // now in this thread's cache
        drop(old);
        let new = BufferPool::new(64, 4).unwrap();
        let fresh = new.acquire().unwrap();
        assert_eq!(new.stats().misses, 1);
        new.release(fresh.token).unwrap();
        assert_eq!(new.stats().pooled, 1, "the cache now serves the new pool");
    }

    #[test]
    fn switching_pools_hands_the_cached_buffer_back() {
        let a = BufferPool::new(64, 4).unwrap();
        let b = BufferPool::new(64, 4).unwrap();
        let from_a = a.acquire().unwrap();
        let from_b = b.acquire().unwrap();
        a.release(from_a.token).unwrap(); // cached for a
        b.release(from_b.token).unwrap(); // cached for b; a's goes to a's shared list
        assert_eq!((a.stats().pooled, b.stats().pooled), (1, 1));
        let again = a.acquire().unwrap();
        assert_eq!(again.data, from_a.data);
        assert_eq!(a.stats().hits, 1);
        a.release(again.token).unwrap();
    }

    #[test]
    fn racing_double_releases_succeed_once() {
        let pool = Arc::new(BufferPool::new(64, 2).unwrap());
        for _ in 0..200 {
            let token = pool.acquire().unwrap().token;
            let racers: Vec<_> = (0..2)
                .map(|_| {
                    let pool = Arc::clone(&pool);
                    std::thread::spawn(move || pool.release(token).is_ok())
                })
                .collect();
            let wins = racers
                .into_iter()
                .map(|racer| racer.join().unwrap())
                .filter(|won| *won)
                .count();
            assert_eq!(wins, 1, "exactly one of two racing releases wins");
        }
        assert_eq!(pool.stats().outstanding, 0);
    }

    #[test]
    fn outstanding_tokens_are_unique() {
        let pool = BufferPool::new(16, 4).unwrap();
        let leases: Vec<_> = (0..100).map(|_| pool.acquire().unwrap()).collect();
        let tokens: HashSet<_> = leases.iter().map(|l| l.token).collect();
        let addresses: HashSet<_> = leases.iter().map(|l| l.data).collect();
        assert_eq!(tokens.len(), 100);
        assert_eq!(addresses.len(), 100);
    }
}
