//! libnoob_core: a fast core for event-driven graph processing.
//!
//! The crate has two halves. The core modules (`buffer_pool`, ...) are plain
//! Rust: no C types, no FFI. The `ffi` module is the thin C ABI over them; it is
//! what `include/noob_core.h` describes and what the Python package calls.

// The benches' workload port (benches/support/workloads.rs) is also compiled into
// the scheduler's unit tests, and names this crate `noob_core` as the benches do.
#[cfg(test)]
extern crate self as noob_core;

pub mod buffer_pool;
pub mod event_store;
pub mod ffi;
pub mod noob;
pub mod scheduler;
pub mod serializer;

pub use buffer_pool::{BufferLease, BufferPool, BufferToken, PoolError, PoolStats};
pub use event_store::{Event, EventStore, Retention, StoreError, StoreStats};
