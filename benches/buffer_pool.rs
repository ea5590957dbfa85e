//! Buffer pool through the C ABI against malloc/free of the same size, one run.
//!
//! `cargo bench --bench buffer_pool`

use criterion::{criterion_group, criterion_main, Criterion};
use noob_core::ffi::buffer_pool::{
    noob_buffer, noob_buffer_pool, noob_buffer_pool_acquire, noob_buffer_pool_free,
    noob_buffer_pool_new, noob_buffer_pool_prefill, noob_buffer_pool_release,
};
use noob_core::ffi::result::noob_result;
use std::hint::black_box;
use std::ptr;

extern "C" {
    fn malloc(size: usize) -> *mut u8;
    fn free(ptr: *mut u8);
}

const SIZES: [usize; 2] = [4096, 65536];

fn acquire_release(c: &mut Criterion) {
    let mut group = c.benchmark_group("acquire+release");
    for size in SIZES {
        let mut pool: *mut noob_buffer_pool = ptr::null_mut();
        // SAFETY: valid out pointers; the pool is freed at the end of the loop body.
        unsafe {
            assert_eq!(
                noob_buffer_pool_new(size, 64, &mut pool),
                noob_result::NOOB_OK
            );
            assert_eq!(
                noob_buffer_pool_prefill(pool, 64, ptr::null_mut()),
                noob_result::NOOB_OK
            );
        }
        let mut buffer = noob_buffer {
            data: ptr::null_mut(),
            len: 0,
            token: 0,
        };
        group.bench_function(format!("noob_buffer_pool/{size}"), |b| {
            b.iter(|| unsafe {
                // SAFETY: live pool, writable out struct.
                noob_buffer_pool_acquire(pool, &mut buffer);
                black_box(buffer.data).write(1);
                noob_buffer_pool_release(pool, buffer.token)
            })
        });
        group.bench_function(format!("malloc+free/{size}"), |b| {
            b.iter(|| unsafe {
                // SAFETY: plain libc allocation, freed at once.
                let data = malloc(black_box(size));
                black_box(data).write(1);
                free(data)
            })
        });
        // SAFETY: made above, freed once.
        unsafe { noob_buffer_pool_free(pool) };
    }
    group.finish();
}

criterion_group!(benches, acquire_release);
criterion_main!(benches);
