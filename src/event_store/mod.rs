//! FastEventStore: concurrent, bounded storage of the events a pipeline emits.
//!
//! Events are keyed by (node, signal, epoch); each key holds its events in
//! insertion order (id order). An event has a 64-bit id (unique and increasing within a
//! store; layout in [`event`]), node and signal names (interned as [`NameId`]s,
//! see [`interner`]), an epoch (`u64`), a timestamp (seconds, as `time.time()`
//! gives) and an opaque value (bytes, shared by reference counting).
//!
//! A store may bound what it retains ([`Retention`], the seed's `cache_size`):
//! beyond it whole oldest epochs are evicted (see [`eviction`]).
//!
//! Thread safety: an [`EventStore`] may be used from many threads at once.

pub mod event;
pub mod eviction;
pub mod interner;
mod payloads;
mod shard;
pub mod shared_bytes;
pub mod store;
pub(crate) mod value;
#[doc(hidden)]
pub mod workload;

pub use event::Event;
pub use eviction::Retention;
pub use interner::{Interner, NameId};
pub use store::{EventStore, NewEvent, StoreError, StoreStats};
