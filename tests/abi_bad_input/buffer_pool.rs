//! Buffer pool exports with NULL, zero sizes, foreign and stale tokens.

use super::common::assert_fails;
use noob_core::ffi::buffer_pool::*;
use noob_core::ffi::result::noob_result::{self, *};
use std::ptr::{null, null_mut};

pub const CHECKS: super::Checks = &[
    ("noob_buffer_pool_new", new),
    ("noob_buffer_pool_prefill", prefill),
    ("noob_buffer_pool_acquire", acquire),
    ("noob_buffer_pool_release", release),
    ("noob_buffer_pool_get_stats", get_stats),
    ("noob_buffer_pool_free", free),
];

fn make_pool(size: usize, max_pooled: usize) -> *mut noob_buffer_pool {
    let mut pool = null_mut();
    // SAFETY: valid out pointer.
    assert_eq!(
        unsafe { noob_buffer_pool_new(size, max_pooled, &mut pool) },
        NOOB_OK
    );
    pool
}

fn stats(pool: *const noob_buffer_pool) -> noob_buffer_pool_stats {
    let mut stats = noob_buffer_pool_stats {
        buffer_size: 0,
        max_pooled: 0,
        pooled: 0,
        outstanding: 0,
        hits: 0,
        misses: 0,
        discarded: 0,
    };
    // SAFETY: live pool, valid out pointer.
    assert_eq!(
        unsafe { noob_buffer_pool_get_stats(pool, &mut stats) },
        NOOB_OK
    );
    stats
}

fn empty_buffer() -> noob_buffer {
    noob_buffer {
        data: null_mut(),
        len: 0,
        token: 0,
    }
}

fn new() {
    let sentinel = 0x1 as *mut noob_buffer_pool;
    let mut pool = sentinel;
    // SAFETY: out pointers are valid or NULL, as the function allows.
    unsafe {
        assert_fails(
            noob_buffer_pool_new(4096, 4, null_mut()),
            NOOB_ERR_NULL_POINTER,
            "noob_buffer_pool_new",
        );
        assert_fails(
            noob_buffer_pool_new(0, 4, &mut pool),
            NOOB_ERR_INVALID_ARGUMENT,
            "noob_buffer_pool_new",
        );
        assert_fails(
            noob_buffer_pool_new(usize::MAX, 4, &mut pool),
            NOOB_ERR_INVALID_ARGUMENT,
            "noob_buffer_pool_new",
        );
    }
    assert_eq!(pool, sentinel, "outputs are written only on success");
    // max_pooled 0 is valid: nothing is kept idle.
    let pool = make_pool(8, 0);
    // SAFETY: made above.
    unsafe { noob_buffer_pool_free(pool) };
}

fn prefill() {
    // SAFETY: NULL handle is refused before use; the live pool is freed at the end.
    unsafe {
        assert_fails(
            noob_buffer_pool_prefill(null(), 3, null_mut()),
            NOOB_ERR_NULL_POINTER,
            "noob_buffer_pool_prefill",
        );
        let pool = make_pool(64, 2);
        let mut added = 99usize;
        assert_eq!(noob_buffer_pool_prefill(pool, 0, &mut added), NOOB_OK);
        assert_eq!(added, 0);
        assert_eq!(
            noob_buffer_pool_prefill(pool, 10, null_mut()),
            NOOB_OK,
            "added_out may be NULL"
        );
        assert_eq!(stats(pool).pooled, 2);
        noob_buffer_pool_free(pool);
    }
}

fn acquire() {
    // SAFETY: as above.
    unsafe {
        let mut buffer = empty_buffer();
        assert_fails(
            noob_buffer_pool_acquire(null(), &mut buffer),
            NOOB_ERR_NULL_POINTER,
            "noob_buffer_pool_acquire",
        );
        let pool = make_pool(64, 2);
        assert_fails(
            noob_buffer_pool_acquire(pool, null_mut()),
            NOOB_ERR_NULL_POINTER,
            "noob_buffer_pool_acquire",
        );
        assert_eq!(
            stats(pool).outstanding,
            0,
            "a refused acquire lends nothing"
        );
        assert!(buffer.data.is_null());
        noob_buffer_pool_free(pool);
    }
}

fn release() {
    // SAFETY: as above.
    unsafe {
        assert_fails(
            noob_buffer_pool_release(null(), 1),
            NOOB_ERR_NULL_POINTER,
            "noob_buffer_pool_release",
        );
        let pool = make_pool(64, 2);
        let other = make_pool(64, 2);
        let mut buffer = empty_buffer();
        assert_eq!(noob_buffer_pool_acquire(pool, &mut buffer), NOOB_OK);
        buffer.data.write_bytes(0xAB, buffer.len);
        let expect = |code: noob_result, token: u64| {
            assert_fails(
                noob_buffer_pool_release(pool, token),
                code,
                "noob_buffer_pool_release",
            )
        };
        expect(NOOB_ERR_NOT_OUTSTANDING, 0);
        expect(NOOB_ERR_WRONG_POOL, u64::MAX);
        expect(NOOB_ERR_NOT_OUTSTANDING, buffer.token + 1);
        assert_fails(
            noob_buffer_pool_release(other, buffer.token),
            NOOB_ERR_WRONG_POOL,
            "noob_buffer_pool_release",
        );
        assert_eq!(
            stats(pool).outstanding,
            1,
            "refused releases change nothing"
        );
        assert_eq!(noob_buffer_pool_release(pool, buffer.token), NOOB_OK);
        expect(NOOB_ERR_NOT_OUTSTANDING, buffer.token);
        let after = stats(pool);
        assert_eq!(
            (after.outstanding, after.pooled),
            (0, 1),
            "double release corrupts nothing"
        );
        noob_buffer_pool_free(pool);
        noob_buffer_pool_free(other);
    }
}

fn get_stats() {
    // SAFETY: as above.
    unsafe {
        assert_fails(
            noob_buffer_pool_get_stats(null(), null_mut()),
            NOOB_ERR_NULL_POINTER,
            "noob_buffer_pool_get_stats",
        );
        let pool = make_pool(64, 2);
        assert_fails(
            noob_buffer_pool_get_stats(pool, null_mut()),
            NOOB_ERR_NULL_POINTER,
            "noob_buffer_pool_get_stats",
        );
        noob_buffer_pool_free(pool);
    }
}

fn free() {
    // SAFETY: NULL is documented as a no-op; a pool with a buffer still lent is freed whole.
    unsafe {
        noob_buffer_pool_free(null_mut());
        let pool = make_pool(64, 2);
        let mut buffer = empty_buffer();
        assert_eq!(noob_buffer_pool_acquire(pool, &mut buffer), NOOB_OK);
        noob_buffer_pool_free(pool);
    }
}
