//! C ABI of the buffer pool.

use super::boundary::{free_handle, guard, handle, out_ptr, write_optional, Failure};
use super::result::noob_result;
use crate::buffer_pool::{BufferPool, BufferToken, PoolError, MAX_OUTSTANDING};

/// How many buffers one pool can lend at once.
pub const NOOB_BUFFER_POOL_MAX_OUTSTANDING: usize = 16777216;
const _: () = assert!(NOOB_BUFFER_POOL_MAX_OUTSTANDING == MAX_OUTSTANDING);

/// A pool of pre-allocated, fixed-size byte buffers.
///
/// Thread safety: every function may be called on the same pool from many threads
/// at once, except `noob_buffer_pool_free`, which must be the last call on it.
#[allow(non_camel_case_types)]
pub struct noob_buffer_pool {
    pool: BufferPool,
}

/// A lent buffer. `data` points to `len` writable bytes that belong to the holder
/// alone until `noob_buffer_pool_release(pool, token)` or `noob_buffer_pool_free(pool)`;
/// after either, `data` must not be used.
#[allow(non_camel_case_types)]
#[repr(C)]
pub struct noob_buffer {
    pub data: *mut u8,
    pub len: usize,
    /// Identifies the lease; pass it to `noob_buffer_pool_release`.
    pub token: u64,
}

/// A pool's counters. Reading them walks the pool's buffers (O(buffers)); while
/// other threads lend and return buffers, they need not all be from one instant.
#[allow(non_camel_case_types)]
#[repr(C)]
pub struct noob_buffer_pool_stats {
    pub buffer_size: usize,
    pub max_pooled: usize,
    /// Idle buffers ready to lend (shared list and per-thread caches).
    pub pooled: usize,
    /// Buffers lent and not yet released.
    pub outstanding: usize,
    /// Acquires served by an idle buffer.
    pub hits: u64,
    /// Acquires that allocated a new buffer.
    pub misses: u64,
    /// Releases that freed their buffer because `max_pooled` idle ones were kept already.
    pub discarded: u64,
}

impl From<PoolError> for Failure {
    fn from(error: PoolError) -> Self {
        let code = match error {
            PoolError::InvalidSize(_) => noob_result::NOOB_ERR_INVALID_ARGUMENT,
            PoolError::OutOfMemory(_) => noob_result::NOOB_ERR_OUT_OF_MEMORY,
            PoolError::TooManyOutstanding => noob_result::NOOB_ERR_LIMIT_EXCEEDED,
            PoolError::WrongPool(_) => noob_result::NOOB_ERR_WRONG_POOL,
            PoolError::NotOutstanding(_) => noob_result::NOOB_ERR_NOT_OUTSTANDING,
        };
        Failure::new(code, error.to_string())
    }
}

/// Creates a pool of `buffer_size`-byte buffers that keeps at most `max_pooled` idle
/// buffers in its shared list (released buffers beyond that are freed), plus one per
/// thread: a thread keeps the last buffer it released and gets it back on its next
/// acquire without taking a lock, and hands it back when it exits. With
/// `max_pooled == 0` nothing is kept. No buffer is allocated yet; see
/// `noob_buffer_pool_prefill`. Buffers are 64-byte aligned.
///
/// Errors: `NOOB_ERR_INVALID_ARGUMENT` if `buffer_size` is 0 or too large,
/// `NOOB_ERR_NULL_POINTER` if `pool_out` is NULL. On success `*pool_out` owns the
/// pool: free it exactly once with `noob_buffer_pool_free`.
///
/// # Safety
/// `pool_out` must be NULL or valid for writing a pointer.
#[no_mangle]
pub unsafe extern "C" fn noob_buffer_pool_new(
    buffer_size: usize,
    max_pooled: usize,
    pool_out: *mut *mut noob_buffer_pool,
) -> noob_result {
    guard("noob_buffer_pool_new", || {
        let out = out_ptr(pool_out, "pool_out")?;
        let pool = BufferPool::new(buffer_size, max_pooled)?;
        // SAFETY: checked non-NULL; the caller promised it is writable.
        unsafe { out.write(Box::into_raw(Box::new(noob_buffer_pool { pool }))) };
        Ok(())
    })
}

/// Allocates idle buffers until `count` are in the shared list (at most `max_pooled`), so
/// that later acquires do not allocate. Writes how many were added to `added_out`
/// (which may be NULL if the count is not wanted).
///
/// # Safety
/// `pool` must be NULL or a live pool; `added_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_buffer_pool_prefill(
    pool: *const noob_buffer_pool,
    count: usize,
    added_out: *mut usize,
) -> noob_result {
    guard("noob_buffer_pool_prefill", || {
        // SAFETY: the caller promised a live pool or NULL.
        let pool = unsafe { handle(pool, "pool") }?;
        let added = pool.pool.prefill(count)?;
        // SAFETY: NULL or promised writable.
        unsafe { write_optional(added_out, added) };
        Ok(())
    })
}

/// Lends a buffer: an idle one when there is one, else a newly allocated, zeroed one.
/// A reused buffer still holds what its previous holder wrote. On success
/// `*buffer_out` describes the lease; release it exactly once.
///
/// Errors: `NOOB_ERR_NULL_POINTER`, `NOOB_ERR_OUT_OF_MEMORY`,
/// `NOOB_ERR_LIMIT_EXCEEDED` (already `NOOB_BUFFER_POOL_MAX_OUTSTANDING` lent).
///
/// # Safety
/// `pool` must be NULL or a live pool; `buffer_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_buffer_pool_acquire(
    pool: *const noob_buffer_pool,
    buffer_out: *mut noob_buffer,
) -> noob_result {
    guard("noob_buffer_pool_acquire", || {
        // SAFETY: the caller promised a live pool or NULL.
        let pool = unsafe { handle(pool, "pool") }?;
        let out = out_ptr(buffer_out, "buffer_out")?;
        let lease = pool.pool.acquire()?;
        // SAFETY: checked non-NULL; promised writable.
        unsafe {
            out.write(noob_buffer {
                data: lease.data.as_ptr(),
                len: lease.len,
                token: lease.token.0,
            })
        };
        Ok(())
    })
}

/// Takes a lent buffer back; its memory must not be used afterwards.
///
/// Errors, each leaving the pool unchanged: `NOOB_ERR_WRONG_POOL` (the token is
/// another pool's), `NOOB_ERR_NOT_OUTSTANDING` (released already, or never lent).
///
/// # Safety
/// `pool` must be NULL or a live pool.
#[no_mangle]
pub unsafe extern "C" fn noob_buffer_pool_release(
    pool: *const noob_buffer_pool,
    token: u64,
) -> noob_result {
    guard("noob_buffer_pool_release", || {
        // SAFETY: the caller promised a live pool or NULL.
        let pool = unsafe { handle(pool, "pool") }?;
        pool.pool.release(BufferToken(token))?;
        Ok(())
    })
}

/// Reads the pool's counters. It walks every buffer the pool holds: O(buffers), so
/// call it for monitoring, not on a hot path.
///
/// # Safety
/// `pool` must be NULL or a live pool; `stats_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_buffer_pool_get_stats(
    pool: *const noob_buffer_pool,
    stats_out: *mut noob_buffer_pool_stats,
) -> noob_result {
    guard("noob_buffer_pool_get_stats", || {
        // SAFETY: the caller promised a live pool or NULL.
        let pool = unsafe { handle(pool, "pool") }?;
        let out = out_ptr(stats_out, "stats_out")?;
        let stats = pool.pool.stats();
        // SAFETY: checked non-NULL; promised writable.
        unsafe {
            out.write(noob_buffer_pool_stats {
                buffer_size: stats.buffer_size,
                max_pooled: stats.max_pooled,
                pooled: stats.pooled,
                outstanding: stats.outstanding,
                hits: stats.hits,
                misses: stats.misses,
                discarded: stats.discarded,
            })
        };
        Ok(())
    })
}

/// Frees the pool and every buffer it holds, including buffers still lent: their
/// memory must not be used afterwards. NULL is accepted and does nothing. Call it
/// exactly once per pool, after every other call on the pool has returned.
///
/// # Safety
/// `pool` must be NULL or a pool from `noob_buffer_pool_new` not freed before.
#[no_mangle]
pub unsafe extern "C" fn noob_buffer_pool_free(pool: *mut noob_buffer_pool) {
    // SAFETY: the caller passes ownership of a pool made by `noob_buffer_pool_new`.
    unsafe { free_handle("noob_buffer_pool_free", pool) };
}
