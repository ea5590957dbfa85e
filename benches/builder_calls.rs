//! A fixed amount of C-builder work, for instruction counts on a noisy machine
//! (criterion's timings on a loaded 2-core box differ by up to 2x between runs).
//! Builds each dict workload (10KB, 100KB, 1MB) through the `noob_value_builder_*`
//! calls, one call per value, then `noob_value_builder_build_encoded`, `ITERS` times
//! (default 20), and prints the blob sizes and the wall time per build.
//!
//! ```text
//! cargo bench --bench builder_calls --no-run
//! valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.out \
//!     target/release/deps/builder_calls-<hash> 20
//! callgrind_annotate /tmp/cg.out | head -40
//! ```
//!
//! Instructions per blob byte = (Ir of `run` - Ir of a 0-iteration run) / (iterations x bytes).

use noob_core::ffi::result::noob_result;
use noob_core::ffi::serializer::*;
use std::hint::black_box;
use std::ptr::null_mut;
use std::time::Instant;

#[path = "support/serializer_workloads.rs"]
mod workloads;
use workloads::{make_dict, push_c};

#[inline(never)]
fn run(builder: *mut noob_value_builder, value: &noob_core::serializer::Value) -> usize {
    push_c(builder, black_box(value));
    let mut bytes = null_mut();
    // SAFETY: a live builder; the blob is freed right away.
    unsafe {
        assert_eq!(
            noob_value_builder_build_encoded(builder, &mut bytes),
            noob_result::NOOB_OK
        );
        let (mut data, mut len) = (std::ptr::null(), 0);
        assert_eq!(
            noob_bytes_get(bytes, &mut data, &mut len),
            noob_result::NOOB_OK
        );
        noob_bytes_free(bytes);
        len
    }
}

fn main() {
    let iters: u32 = std::env::args()
        .skip(1)
        .find(|arg| !arg.starts_with('-'))
        .map_or(20, |arg| arg.parse().expect("iterations: a number"));
    let mut builder = null_mut();
    // SAFETY: a valid out pointer; freed at the end.
    assert_eq!(
        unsafe { noob_value_builder_new(&mut builder) },
        noob_result::NOOB_OK
    );
    for (name, units) in [("10KB dict", 43), ("100KB dict", 452), ("1MB dict", 4615)] {
        let value = make_dict(units, 1);
        let mut len = 0;
        let start = Instant::now();
        for _ in 0..iters {
            len = run(builder, &value);
        }
        let per = start.elapsed().as_secs_f64() / f64::from(iters.max(1));
        println!(
            "{name}: {len} B, {:.1} us/build, {:.0} MiB/s",
            per * 1e6,
            len as f64 / per / 1048576.0
        );
    }
    // SAFETY: made above.
    unsafe { noob_value_builder_free(builder) };
}
