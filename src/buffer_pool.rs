//! BufferPool: pre-allocated, fixed-size byte buffers lent out and taken back.
//!
//! Buffers are identified by a [`BufferToken`], never by their address, so a
//! release can be checked (twice? another pool's? never lent?) without touching
//! memory the caller may have lost track of. The pool keeps at most
//! `max_pooled` idle buffers; buffers released beyond that are freed, so the
//! memory it retains is bounded while the number it lends is not.
//!
//! The one address this module hands out is the start of a lent buffer: it is
//! valid for `buffer_size` bytes until the buffer is released or the pool is
//! dropped, and no other holder gets it meanwhile.

use parking_lot::Mutex;
use std::alloc::{self, Layout};
use std::fmt;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU16, Ordering};

/// Buffers are aligned for SIMD loads and so that two buffers never share a cache line.
const BUFFER_ALIGN: usize = 64;
const SLOT_BITS: u32 = 24;
const GENERATION_BITS: u32 = 24;
const SLOT_MASK: u64 = (1 << SLOT_BITS) - 1;
const GENERATION_MASK: u32 = (1 << GENERATION_BITS) - 1;
/// How many buffers one pool can lend at once (a slot index has 24 bits).
pub(crate) const MAX_OUTSTANDING: usize = 1 << SLOT_BITS;

/// Distinguishes pools inside tokens; 0 is never used, so token 0 is never valid.
static NEXT_POOL_TAG: AtomicU16 = AtomicU16::new(1);

/// Names one lease: `pool tag (16 bits) | generation (24) | slot (24)`.
///
/// The generation changes every time a slot is lent, so a token kept after its
/// buffer was released never matches a later lease of the same slot (until the
/// 24-bit generation wraps, 16.7 million leases of that one slot later).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BufferToken(pub u64);

impl BufferToken {
    fn new(pool_tag: u16, generation: u32, slot: u32) -> Self {
        BufferToken(
            (u64::from(pool_tag) << (SLOT_BITS + GENERATION_BITS))
                | (u64::from(generation) << SLOT_BITS)
                | u64::from(slot),
        )
    }
    fn pool_tag(self) -> u16 {
        (self.0 >> (SLOT_BITS + GENERATION_BITS)) as u16
    }
    fn generation(self) -> u32 {
        ((self.0 >> SLOT_BITS) as u32) & GENERATION_MASK
    }
    fn slot(self) -> usize {
        (self.0 & SLOT_MASK) as usize
    }
}

/// A lent buffer: its token and where its bytes are.
#[derive(Clone, Copy, Debug)]
pub struct BufferLease {
    pub token: BufferToken,
    pub data: NonNull<u8>,
    pub len: usize,
}

/// Counters of a pool, read together under its lock.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PoolStats {
    pub buffer_size: usize,
    pub max_pooled: usize,
    /// Idle buffers ready to lend.
    pub pooled: usize,
    /// Buffers lent and not yet released.
    pub outstanding: usize,
    /// Acquires served from an idle buffer.
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
    /// Already [`MAX_OUTSTANDING`] buffers are lent.
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
                "the pool already lends {MAX_OUTSTANDING} buffers, its maximum"
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

/// One zeroed, aligned allocation of the pool's buffer size, freed on drop.
struct Block {
    ptr: NonNull<u8>,
    layout: Layout,
}

// SAFETY: a Block owns its allocation exclusively; moving it between threads moves that ownership.
unsafe impl Send for Block {}

impl Block {
    fn allocate(layout: Layout) -> Result<Self, PoolError> {
        // SAFETY: the layout's size is non-zero (checked in `BufferPool::new`).
        let raw = unsafe { alloc::alloc_zeroed(layout) };
        NonNull::new(raw)
            .map(|ptr| Block { ptr, layout })
            .ok_or(PoolError::OutOfMemory(layout.size()))
    }
}

impl Drop for Block {
    fn drop(&mut self) {
        // SAFETY: allocated in `allocate` with this same layout, freed only here.
        unsafe { alloc::dealloc(self.ptr.as_ptr(), self.layout) }
    }
}

struct Slot {
    generation: u32,
    lent: bool,
    block: Option<Block>,
}

struct PoolState {
    slots: Vec<Slot>,
    /// Idle slots that hold a block, most recently released last (reused first: warm in cache).
    idle: Vec<u32>,
    /// Slots without a block, reusable for the next miss.
    vacant: Vec<u32>,
    outstanding: usize,
    hits: u64,
    misses: u64,
    discarded: u64,
}

/// A thread-safe pool of fixed-size buffers.
pub struct BufferPool {
    tag: u16,
    layout: Layout,
    max_pooled: usize,
    state: Mutex<PoolState>,
}

impl fmt::Debug for BufferPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BufferPool")
            .field("tag", &self.tag)
            .field("stats", &self.stats())
            .finish()
    }
}

impl BufferPool {
    /// A pool of `buffer_size`-byte buffers keeping at most `max_pooled` idle ones.
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
            tag,
            layout,
            max_pooled,
            state: Mutex::new(PoolState {
                slots: Vec::new(),
                idle: Vec::with_capacity(max_pooled.min(1 << 16)),
                vacant: Vec::new(),
                outstanding: 0,
                hits: 0,
                misses: 0,
                discarded: 0,
            }),
        })
    }

    pub fn buffer_size(&self) -> usize {
        self.layout.size()
    }

    pub fn max_pooled(&self) -> usize {
        self.max_pooled
    }

    /// Allocates idle buffers until `count` are idle (never beyond `max_pooled`);
    /// returns how many were added.
    pub fn prefill(&self, count: usize) -> Result<usize, PoolError> {
        let mut added = 0;
        loop {
            // Allocate outside the lock: zeroing a large buffer must not stall other threads.
            {
                let state = self.state.lock();
                if state.idle.len() >= count.min(self.max_pooled) {
                    return Ok(added);
                }
            }
            let block = Block::allocate(self.layout)?;
            let mut state = self.state.lock();
            if state.idle.len() >= count.min(self.max_pooled) {
                return Ok(added);
            }
            let slot = Self::new_slot(&mut state, Some(block))?;
            state.idle.push(slot);
            added += 1;
        }
    }

    /// Lends a buffer: an idle one if there is one (a hit), else a new zeroed one (a miss).
    /// A reused buffer still holds what its previous holder wrote.
    pub fn acquire(&self) -> Result<BufferLease, PoolError> {
        let mut state = self.state.lock();
        let slot_index = match state.idle.pop() {
            Some(index) => {
                state.hits += 1;
                index
            }
            None => {
                drop(state);
                let block = Block::allocate(self.layout)?;
                state = self.state.lock();
                state.misses += 1;
                Self::new_slot(&mut state, Some(block))?
            }
        };
        state.outstanding += 1;
        let slot = &mut state.slots[slot_index as usize];
        slot.lent = true;
        slot.generation = (slot.generation + 1) & GENERATION_MASK;
        let data = slot
            .block
            .as_ref()
            .expect("a slot being lent holds a block")
            .ptr;
        Ok(BufferLease {
            token: BufferToken::new(self.tag, slot.generation, slot_index),
            data,
            len: self.layout.size(),
        })
    }

    /// Takes a lent buffer back. A token that is not currently lent by this pool is
    /// refused and changes nothing.
    pub fn release(&self, token: BufferToken) -> Result<(), PoolError> {
        if token.pool_tag() != self.tag {
            // Tag 0 is no pool's: such a token was never lent at all.
            return Err(if token.pool_tag() == 0 {
                PoolError::NotOutstanding(token)
            } else {
                PoolError::WrongPool(token)
            });
        }
        let discarded_block;
        {
            let mut state = self.state.lock();
            let max_pooled = self.max_pooled;
            let keep = state.idle.len() < max_pooled;
            let slot = match state.slots.get_mut(token.slot()) {
                Some(slot) if slot.lent && slot.generation == token.generation() => slot,
                _ => return Err(PoolError::NotOutstanding(token)),
            };
            slot.lent = false;
            state.outstanding -= 1;
            let index = token.slot() as u32;
            if keep {
                state.idle.push(index);
                return Ok(());
            }
            discarded_block = state.slots[token.slot()].block.take();
            state.vacant.push(index);
            state.discarded += 1;
        }
        // Freed outside the lock.
        drop(discarded_block);
        Ok(())
    }

    pub fn stats(&self) -> PoolStats {
        let state = self.state.lock();
        PoolStats {
            buffer_size: self.layout.size(),
            max_pooled: self.max_pooled,
            pooled: state.idle.len(),
            outstanding: state.outstanding,
            hits: state.hits,
            misses: state.misses,
            discarded: state.discarded,
        }
    }

    fn new_slot(state: &mut PoolState, block: Option<Block>) -> Result<u32, PoolError> {
        if let Some(index) = state.vacant.pop() {
            state.slots[index as usize].block = block;
            return Ok(index);
        }
        if state.slots.len() >= MAX_OUTSTANDING {
            return Err(PoolError::TooManyOutstanding);
        }
        state.slots.push(Slot {
            generation: 0,
            lent: false,
            block,
        });
        Ok((state.slots.len() - 1) as u32)
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
        assert_eq!(stats.pooled, 2);
        assert_eq!(stats.discarded, 3);
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
        assert!(stats.pooled <= 8);
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
