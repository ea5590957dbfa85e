//! C ABI of the event store.
//!
//! Names cross as pointer + length UTF-8 (not NUL-terminated), values as
//! pointer + length bytes. Hot paths take interned name ids (`uint32_t`) from
//! `noob_event_store_intern`. Results come back in a `noob_event_list`, whose
//! borrowed views stay valid until the list is freed.

use super::boundary::{
    array, array_mut, bytes, free_handle, guard, handle, handle_mut, out_ptr, text, write_optional,
    Failure, OutPtr,
};
use super::result::noob_result;
use crate::event_store::interner::{Interner, NameId, MAX_NAMES};
use crate::event_store::store::MAX_VALUE_LEN;
use crate::event_store::{Event, EventStore, NewEvent, Retention, StoreError};
use smallvec::SmallVec;
use std::ffi::c_char;
use std::sync::{Arc, OnceLock};

/// The largest value one event may carry, in bytes (1 GiB).
pub const NOOB_EVENT_STORE_MAX_VALUE_LEN: usize = 1073741824;
const _: () = assert!(NOOB_EVENT_STORE_MAX_VALUE_LEN == MAX_VALUE_LEN);

/// How many names (node and signal names together) one store can intern.
pub const NOOB_EVENT_STORE_MAX_NAMES: u32 = 16777215;
const _: () = assert!(NOOB_EVENT_STORE_MAX_NAMES == MAX_NAMES);

/// A store of events keyed by (node, signal, epoch); each key holds its events
/// in the order they were added.
///
/// An event has a 64-bit id, a node and a signal name, an epoch, a timestamp
/// (seconds, as a double) and a value (bytes). Ids are `prefix << 32 | n`: a
/// 31-bit prefix drawn from the OS random source when the store is created over
/// a count of the events added to it, so ids are unique and increasing within a
/// store, fit a signed 64-bit integer, and stores on different machines do not
/// collide. After 2^32 events the count carries into the prefix (ids stay
/// unique and increasing); adds fail with `NOOB_ERR_IDS_EXHAUSTED` only after
/// 2^63 ids.
///
/// Retention (the seed's `cache_size`): a store may bound the events and/or
/// value bytes it retains. After an add goes over a bound, whole epochs are
/// evicted, smallest epoch number first, until the store is at or below the
/// bound less 1/64th of it (the bound itself for bounds under 64: eviction in
/// steps keeps its cost per add small), except that the newest (largest) epoch
/// is never evicted. Evicted events are counted in the stats and are afterwards
/// simply not found; an evicted epoch stays evicted (a later add to an epoch at
/// or below `highest_evicted_epoch` succeeds and is evicted at once). With adds
/// on several threads the bound may be exceeded briefly, by the adds that race
/// an eviction.
///
/// Thread safety: every function may be called on the same store from many
/// threads at once, except `noob_event_store_free`, which must be the last call
/// on it. `noob_event_store_close` may run concurrently with anything else.
#[allow(non_camel_case_types)]
pub struct noob_event_store {
    store: EventStore,
}

/// Events returned by a get, in a library-owned list.
///
/// The views it hands out (names, values) are borrowed from the list and stay
/// valid, unchanged, until `noob_event_list_free(list)`, even if another
/// thread clears or evicts the events' epoch, closes the store, or frees the
/// store meanwhile.
///
/// A list may also be made empty with `noob_event_list_new` and refilled by
/// the `*_into` gets, which reuse its memory (a one-event refill allocates
/// nothing). A refill replaces the list's events: views taken from it before
/// become invalid.
///
/// Thread safety: a list may be read from many threads at once, but a refill
/// (`*_into`) must not run while any other call uses the same list.
/// `noob_event_list_free` must be the last call on it.
#[allow(non_camel_case_types)]
pub struct noob_event_list {
    /// One-event lists (a latest, most single gets) need no allocation but the list's own.
    events: SmallVec<[Event; 1]>,
    views: SmallVec<[noob_event_view; 1]>,
    /// Keeps the name texts the views point to alive (None: never filled).
    interner: Option<Arc<Interner>>,
    columns: OnceLock<Columns>,
}

/// One event, borrowed from a `noob_event_list`: every pointer is valid until
/// that list is freed. Texts are UTF-8 and not NUL-terminated.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Clone, Copy)]
pub struct noob_event_view {
    pub id: u64,
    pub epoch: u64,
    /// Seconds, as given to the add.
    pub timestamp: f64,
    /// Interned name ids.
    pub node: u32,
    pub signal: u32,
    pub node_name: *const c_char,
    pub node_name_len: usize,
    pub signal_name: *const c_char,
    pub signal_name_len: usize,
    /// `value_len` bytes; never NULL (an empty value points to a valid, empty buffer).
    pub value: *const u8,
    pub value_len: usize,
}

/// A list's events as parallel arrays (for bindings that convert whole arrays
/// at once), each `len` long, borrowed from the list until it is freed.
/// `values` holds every value back to back: event `i`'s value is the bytes
/// `values[value_offsets[i] .. value_offsets[i + 1]]` (`value_offsets` has
/// `len + 1` entries; `values` may be NULL when all values are empty).
#[allow(non_camel_case_types)]
#[repr(C)]
pub struct noob_event_columns {
    pub len: usize,
    pub ids: *const u64,
    pub epochs: *const u64,
    pub timestamps: *const f64,
    pub nodes: *const u32,
    pub signals: *const u32,
    pub values: *const u8,
    pub value_offsets: *const usize,
}

struct Columns {
    ids: Vec<u64>,
    epochs: Vec<u64>,
    timestamps: Vec<f64>,
    nodes: Vec<u32>,
    signals: Vec<u32>,
    values: Vec<u8>,
    value_offsets: Vec<usize>,
}

// SAFETY: the raw pointers in the views point into `events` (values inline in
// the list's own events, or shared, immutable `SharedBytes` blocks; neither
// moves or changes until the list is refilled or freed) and into the interner's names (immutable, kept alive by
// `interner`). A list is mutated only by a refill, which its contract makes
// exclusive; otherwise it is read-only, so sharing and sending it between
// threads is sound.
unsafe impl Send for noob_event_list {}
// SAFETY: as above.
unsafe impl Sync for noob_event_list {}

/// A store's counters. Each is read atomically, not all at one instant.
#[allow(non_camel_case_types)]
#[repr(C)]
pub struct noob_event_store_stats {
    /// Events retained.
    pub events: usize,
    /// Bytes of the retained events' values.
    pub bytes: usize,
    /// Epochs retained.
    pub epochs: usize,
    /// Names interned.
    pub names: usize,
    /// Events ever added.
    pub added: u64,
    /// Events and epochs removed by `noob_event_store_clear_epoch`.
    pub cleared_events: u64,
    pub cleared_epochs: u64,
    /// Events and epochs evicted by the retention bound.
    pub evicted_events: u64,
    pub evicted_epochs: u64,
    /// The largest epoch evicted so far; meaningful only if `evicted_epochs > 0`.
    pub highest_evicted_epoch: u64,
    /// The bounds given to `noob_event_store_new` (0: none).
    pub max_events: usize,
    pub max_bytes: usize,
    /// The random 31-bit prefix of this store's event ids.
    pub id_prefix: u32,
}

impl From<StoreError> for Failure {
    fn from(error: StoreError) -> Self {
        let code = match error {
            StoreError::Closed => noob_result::NOOB_ERR_STORE_CLOSED,
            StoreError::UnknownName(_) => noob_result::NOOB_ERR_UNKNOWN_NAME,
            StoreError::EmptyName => noob_result::NOOB_ERR_INVALID_ARGUMENT,
            StoreError::TooManyNames | StoreError::ValueTooLarge(_) => {
                noob_result::NOOB_ERR_LIMIT_EXCEEDED
            }
            StoreError::IdsExhausted => noob_result::NOOB_ERR_IDS_EXHAUSTED,
            StoreError::NoRandomness(_) => noob_result::NOOB_ERR_NO_RANDOMNESS,
            StoreError::OutOfMemory(_) => noob_result::NOOB_ERR_OUT_OF_MEMORY,
        };
        Failure::new(code, error.to_string())
    }
}

impl noob_event_list {
    fn empty() -> Box<Self> {
        Box::new(noob_event_list {
            events: SmallVec::new(),
            views: SmallVec::new(),
            interner: None,
            columns: OnceLock::new(),
        })
    }

    fn new(store: &EventStore, events: impl IntoIterator<Item = Event>) -> Box<Self> {
        let mut list = Self::empty();
        list.replace(store, events.into_iter().collect());
        list
    }

    /// Makes the list hold `events` (dropping what it held) and rebuilds its
    /// views, reusing its buffers.
    fn replace(&mut self, store: &EventStore, events: SmallVec<[Event; 1]>) {
        if !self
            .interner
            .as_ref()
            .is_some_and(|held| Arc::ptr_eq(held, store.interner()))
        {
            self.interner = Some(Arc::clone(store.interner()));
        }
        self.events = events;
        self.columns = OnceLock::new();
        self.views.clear();
        let interner = self.interner.as_deref().expect("set above");
        self.views.extend(self.events.iter().map(|event| {
            let node = interner.name(event.node()).unwrap_or("");
            let signal = interner.name(event.signal()).unwrap_or("");
            let value = event.value();
            noob_event_view {
                id: event.id(),
                epoch: event.epoch(),
                timestamp: event.timestamp(),
                node: event.node(),
                signal: event.signal(),
                node_name: node.as_ptr().cast(),
                node_name_len: node.len(),
                signal_name: signal.as_ptr().cast(),
                signal_name_len: signal.len(),
                value: value.as_ptr(),
                value_len: value.len(),
            }
        }));
    }

    fn columns(&self) -> &Columns {
        self.columns.get_or_init(|| {
            let events = &self.events;
            let mut value_offsets = Vec::with_capacity(events.len() + 1);
            value_offsets.push(0);
            let mut total = 0;
            for event in events {
                total += event.value().len();
                value_offsets.push(total);
            }
            let mut values = Vec::with_capacity(total);
            for event in events {
                values.extend_from_slice(event.value());
            }
            Columns {
                ids: events.iter().map(Event::id).collect(),
                epochs: events.iter().map(Event::epoch).collect(),
                timestamps: events.iter().map(Event::timestamp).collect(),
                nodes: events.iter().map(Event::node).collect(),
                signals: events.iter().map(Event::signal).collect(),
                values,
                value_offsets,
            }
        })
    }
}

/// Hands a new list to C.
///
/// # Safety
/// `out` must have been checked by `out_ptr` and be writable.
unsafe fn give_list(
    out: OutPtr<*mut noob_event_list>,
    store: &EventStore,
    events: impl IntoIterator<Item = Event>,
) {
    let list = Box::into_raw(noob_event_list::new(store, events));
    // SAFETY: forwarded.
    unsafe { out.write(list) };
}

fn check_store_open(store: &EventStore) -> Result<(), Failure> {
    if store.is_closed() {
        Err(StoreError::Closed.into())
    } else {
        Ok(())
    }
}

// ---- store lifetime --------------------------------------------------------

/// Creates an empty event store. `max_events` bounds the events it retains
/// and `max_bytes` the bytes of their values (0: no bound); see
/// `noob_event_store` for how eviction works. A bound is checked after every
/// add.
///
/// Errors: `NOOB_ERR_NULL_POINTER` if `store_out` is NULL,
/// `NOOB_ERR_NO_RANDOMNESS` if the OS random source fails. On success
/// `*store_out` owns the store: free it exactly once with `noob_event_store_free`.
///
/// # Safety
/// `store_out` must be NULL or valid for writing a pointer.
#[no_mangle]
pub unsafe extern "C" fn noob_event_store_new(
    max_events: usize,
    max_bytes: usize,
    store_out: *mut *mut noob_event_store,
) -> noob_result {
    guard("noob_event_store_new", || {
        let out = out_ptr(store_out, "store_out")?;
        let retention = Retention {
            max_events: (max_events != 0).then_some(max_events),
            max_bytes: (max_bytes != 0).then_some(max_bytes),
        };
        let store = EventStore::new(retention)?;
        // SAFETY: checked non-NULL; the caller promised it is writable.
        unsafe { out.write(Box::into_raw(Box::new(noob_event_store { store }))) };
        Ok(())
    })
}

/// Closes the store: drops every event it holds; afterwards every call on it
/// but this one and `noob_event_store_free` fails with `NOOB_ERR_STORE_CLOSED`.
/// Closing twice is fine. Lists obtained before stay valid. Safe to call while
/// other threads use the store (their calls either complete before the close or
/// fail with `NOOB_ERR_STORE_CLOSED`; events they add are dropped by the close).
///
/// # Safety
/// `store` must be NULL or a live store.
#[no_mangle]
pub unsafe extern "C" fn noob_event_store_close(store: *const noob_event_store) -> noob_result {
    guard("noob_event_store_close", || {
        // SAFETY: the caller promised a live store or NULL.
        let store = unsafe { handle(store, "store") }?;
        store.store.close();
        Ok(())
    })
}

/// Frees the store. Lists obtained from it stay valid until they are freed.
/// NULL is accepted and does nothing. Call it exactly once per store, after
/// every other call on the store has returned.
///
/// # Safety
/// `store` must be NULL or a store from `noob_event_store_new` not freed before.
#[no_mangle]
pub unsafe extern "C" fn noob_event_store_free(store: *mut noob_event_store) {
    // SAFETY: the caller passes ownership of a store made by `noob_event_store_new`.
    unsafe { free_handle("noob_event_store_free", store) };
}

// ---- names -----------------------------------------------------------------

/// Interns a node or signal name (nodes and signals share one id space) and
/// writes its id, the same for the same text for the store's whole life, to
/// `*id_out`. Ids are dense, from 0, in interning order.
///
/// Errors: `NOOB_ERR_NULL_POINTER`, `NOOB_ERR_INVALID_UTF8`,
/// `NOOB_ERR_INVALID_ARGUMENT` (empty name), `NOOB_ERR_LIMIT_EXCEEDED`
/// (`NOOB_EVENT_STORE_MAX_NAMES` names already), `NOOB_ERR_STORE_CLOSED`.
///
/// # Safety
/// `store` must be NULL or a live store; `name` NULL or `name_len` readable
/// bytes; `id_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_event_store_intern(
    store: *const noob_event_store,
    name: *const c_char,
    name_len: usize,
    id_out: *mut u32,
) -> noob_result {
    guard("noob_event_store_intern", || {
        // SAFETY: the caller's promises, forwarded.
        let store = unsafe { handle(store, "store") }?;
        let out = out_ptr(id_out, "id_out")?;
        // SAFETY: as above.
        let name = unsafe { text(name, name_len, "name") }?;
        let id = store.store.intern(name)?;
        // SAFETY: checked non-NULL; promised writable.
        unsafe { out.write(id) };
        Ok(())
    })
}

/// Writes the id of an already interned name to `*id_out`; never interns.
///
/// Errors: `NOOB_ERR_UNKNOWN_NAME` if the name was never interned,
/// `NOOB_ERR_NULL_POINTER`, `NOOB_ERR_INVALID_UTF8`, `NOOB_ERR_STORE_CLOSED`.
///
/// # Safety
/// As for `noob_event_store_intern`.
#[no_mangle]
pub unsafe extern "C" fn noob_event_store_lookup(
    store: *const noob_event_store,
    name: *const c_char,
    name_len: usize,
    id_out: *mut u32,
) -> noob_result {
    guard("noob_event_store_lookup", || {
        // SAFETY: the caller's promises, forwarded.
        let store = unsafe { handle(store, "store") }?;
        let out = out_ptr(id_out, "id_out")?;
        // SAFETY: as above.
        let name = unsafe { text(name, name_len, "name") }?;
        if store.store.is_closed() {
            return Err(StoreError::Closed.into());
        }
        let id = store.store.lookup(name).ok_or_else(|| {
            Failure::new(
                noob_result::NOOB_ERR_UNKNOWN_NAME,
                format!("name {name:?} was never interned in this event store"),
            )
        })?;
        // SAFETY: checked non-NULL; promised writable.
        unsafe { out.write(id) };
        Ok(())
    })
}

/// Writes the text of name id `id` to `*name_out` (UTF-8, not NUL-terminated,
/// valid until the store and every list obtained from it are freed) and its
/// length to `*name_len_out`. Works on a closed store too.
///
/// Errors: `NOOB_ERR_UNKNOWN_NAME`, `NOOB_ERR_NULL_POINTER`.
///
/// # Safety
/// `store` must be NULL or a live store; the outputs NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_event_store_name(
    store: *const noob_event_store,
    id: u32,
    name_out: *mut *const c_char,
    name_len_out: *mut usize,
) -> noob_result {
    guard("noob_event_store_name", || {
        // SAFETY: the caller's promise.
        let store = unsafe { handle(store, "store") }?;
        let name_out = out_ptr(name_out, "name_out")?;
        let len_out = out_ptr(name_len_out, "name_len_out")?;
        let name = store.store.name(id).ok_or(StoreError::UnknownName(id))?;
        // SAFETY: checked non-NULL; promised writable.
        unsafe {
            name_out.write(name.as_ptr().cast());
            len_out.write(name.len());
        }
        Ok(())
    })
}

// ---- adding ----------------------------------------------------------------

/// Adds an event by interned ids and writes its id to `*id_out` (which may be
/// NULL). The value's bytes are copied; `value` may be NULL when `value_len`
/// is 0. The timestamp is stored as given.
///
/// Errors, each adding nothing: `NOOB_ERR_UNKNOWN_NAME` (an id never
/// interned), `NOOB_ERR_NULL_POINTER`, `NOOB_ERR_LIMIT_EXCEEDED` (value longer
/// than `NOOB_EVENT_STORE_MAX_VALUE_LEN`), `NOOB_ERR_OUT_OF_MEMORY` (the
/// allocator could not hold the value), `NOOB_ERR_STORE_CLOSED`,
/// `NOOB_ERR_IDS_EXHAUSTED`.
///
/// # Safety
/// `store` must be NULL or a live store; `value` NULL or `value_len` readable
/// bytes; `id_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_event_store_add(
    store: *const noob_event_store,
    node: u32,
    signal: u32,
    epoch: u64,
    value: *const u8,
    value_len: usize,
    timestamp: f64,
    id_out: *mut u64,
) -> noob_result {
    guard("noob_event_store_add", || {
        // SAFETY: the caller's promises, forwarded.
        let store = unsafe { handle(store, "store") }?;
        // SAFETY: as above.
        let value = unsafe { bytes(value, value_len, "value") }?;
        let id = store.store.add(node, signal, epoch, value, timestamp)?;
        // SAFETY: NULL or promised writable.
        unsafe { write_optional(id_out, id) };
        Ok(())
    })
}

/// Adds an event by names, interning them, and writes its id to `*id_out`
/// (which may be NULL).
///
/// Errors: as `noob_event_store_add`, plus `NOOB_ERR_INVALID_UTF8` and
/// `NOOB_ERR_INVALID_ARGUMENT` (an empty name).
///
/// # Safety
/// As for `noob_event_store_add`; `node`/`signal` NULL or readable for their lengths.
#[no_mangle]
pub unsafe extern "C" fn noob_event_store_add_named(
    store: *const noob_event_store,
    node: *const c_char,
    node_len: usize,
    signal: *const c_char,
    signal_len: usize,
    epoch: u64,
    value: *const u8,
    value_len: usize,
    timestamp: f64,
    id_out: *mut u64,
) -> noob_result {
    guard("noob_event_store_add_named", || {
        // SAFETY: the caller's promises, forwarded.
        let store = unsafe { handle(store, "store") }?;
        // SAFETY: as above.
        let (node, signal, value) = unsafe {
            (
                text(node, node_len, "node")?,
                text(signal, signal_len, "signal")?,
                bytes(value, value_len, "value")?,
            )
        };
        let id = store
            .store
            .add_named(node, signal, epoch, value, timestamp)?;
        // SAFETY: NULL or promised writable.
        unsafe { write_optional(id_out, id) };
        Ok(())
    })
}

/// Adds `count` events in one call, given as parallel arrays of `count`
/// entries: event `i` is (`nodes[i]`, `signals[i]`, `epochs[i]`,
/// `timestamps[i]`) with value `values[o_i .. o_i + value_lens[i]]`, where the
/// values lie back to back in `values` (`o_i` is the sum of the earlier
/// lengths, and `values_len` must equal the sum of all of them). The events
/// get consecutive ids, in array order, written to `ids_out` (`count` entries,
/// or NULL).
///
/// Every event is checked before any is added: on any error nothing is added
/// and `ids_out` is untouched. Errors: as `noob_event_store_add`, plus
/// `NOOB_ERR_INVALID_ARGUMENT` if the lengths do not sum to `values_len` or an
/// array is misaligned. Other threads may see the batch's events appear in
/// parts (up to 16 of a shard's at a time), each event whole. (A close racing
/// with the batch empties whatever part of it was added and the call fails
/// with `NOOB_ERR_STORE_CLOSED`.)
///
/// # Safety
/// `store` must be NULL or a live store; each array NULL (only when `count`,
/// or `values_len`, is 0) or readable for its length; `ids_out` NULL or
/// writable for `count` entries.
#[no_mangle]
pub unsafe extern "C" fn noob_event_store_add_batch(
    store: *const noob_event_store,
    count: usize,
    nodes: *const u32,
    signals: *const u32,
    epochs: *const u64,
    timestamps: *const f64,
    values: *const u8,
    values_len: usize,
    value_lens: *const usize,
    ids_out: *mut u64,
) -> noob_result {
    guard("noob_event_store_add_batch", || {
        // SAFETY: the caller's promises, forwarded.
        let store = unsafe { handle(store, "store") }?;
        // SAFETY: as above.
        let (nodes, signals, epochs, timestamps, values, value_lens) = unsafe {
            (
                array(nodes, count, "nodes")?,
                array(signals, count, "signals")?,
                array(epochs, count, "epochs")?,
                array(timestamps, count, "timestamps")?,
                bytes(values, values_len, "values")?,
                array(value_lens, count, "value_lens")?,
            )
        };
        let ids_out = if ids_out.is_null() {
            None
        } else {
            // SAFETY: non-NULL and promised writable for `count` entries.
            Some(unsafe { array_mut(ids_out, count, "ids_out") }?)
        };
        let mut offset = 0usize;
        let mut batch = Vec::with_capacity(count);
        for i in 0..count {
            let end = offset
                .checked_add(value_lens[i])
                .filter(|end| *end <= values.len())
                .ok_or_else(|| {
                    Failure::new(
                        noob_result::NOOB_ERR_INVALID_ARGUMENT,
                        format!("value_lens[{i}] runs past values_len {}", values.len()),
                    )
                })?;
            batch.push(NewEvent {
                node: nodes[i],
                signal: signals[i],
                epoch: epochs[i],
                timestamp: timestamps[i],
                value: &values[offset..end],
            });
            offset = end;
        }
        if offset != values.len() {
            return Err(Failure::new(
                noob_result::NOOB_ERR_INVALID_ARGUMENT,
                format!(
                    "value_lens sum to {offset}, not values_len {}",
                    values.len()
                ),
            ));
        }
        store.store.add_batch(&batch, ids_out)?;
        Ok(())
    })
}

// ---- reading ---------------------------------------------------------------

/// Writes to `*list_out` a new list of the events of (`node`, `signal`,
/// `epoch`), oldest first. No such events (unknown ids, an epoch cleared,
/// evicted or never added) is an empty list, not an error. Free the list with
/// `noob_event_list_free`.
///
/// Errors: `NOOB_ERR_NULL_POINTER`, `NOOB_ERR_STORE_CLOSED`.
///
/// # Safety
/// `store` must be NULL or a live store; `list_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_event_store_get(
    store: *const noob_event_store,
    node: u32,
    signal: u32,
    epoch: u64,
    list_out: *mut *mut noob_event_list,
) -> noob_result {
    guard("noob_event_store_get", || {
        // SAFETY: the caller's promise.
        let store = unsafe { handle(store, "store") }?;
        let out = out_ptr(list_out, "list_out")?;
        let events = store.store.get(node, signal, epoch)?;
        // SAFETY: checked; promised writable.
        unsafe { give_list(out, &store.store, events) };
        Ok(())
    })
}

/// As `noob_event_store_get`, by names (never interned: an empty list).
///
/// Errors: as `noob_event_store_get`, plus `NOOB_ERR_INVALID_UTF8`.
///
/// # Safety
/// As for `noob_event_store_get`; names NULL or readable for their lengths.
#[no_mangle]
pub unsafe extern "C" fn noob_event_store_get_named(
    store: *const noob_event_store,
    node: *const c_char,
    node_len: usize,
    signal: *const c_char,
    signal_len: usize,
    epoch: u64,
    list_out: *mut *mut noob_event_list,
) -> noob_result {
    guard("noob_event_store_get_named", || {
        // SAFETY: the caller's promises, forwarded.
        let store = unsafe { handle(store, "store") }?;
        let out = out_ptr(list_out, "list_out")?;
        // SAFETY: as above.
        let (node, signal) = unsafe {
            (
                text(node, node_len, "node")?,
                text(signal, signal_len, "signal")?,
            )
        };
        let events = store.store.get_named(node, signal, epoch)?;
        // SAFETY: checked; promised writable.
        unsafe { give_list(out, &store.store, events) };
        Ok(())
    })
}

/// Writes to `*list_out` a new list holding the latest event of (`node`,
/// `signal`): the last one added in the largest epoch that holds one (noob's
/// `epoch=-1`). If no retained epoch holds one, the list is empty.
///
/// Errors: `NOOB_ERR_NULL_POINTER`, `NOOB_ERR_STORE_CLOSED`.
///
/// # Safety
/// As for `noob_event_store_get`.
#[no_mangle]
pub unsafe extern "C" fn noob_event_store_get_latest(
    store: *const noob_event_store,
    node: u32,
    signal: u32,
    list_out: *mut *mut noob_event_list,
) -> noob_result {
    guard("noob_event_store_get_latest", || {
        // SAFETY: the caller's promise.
        let store = unsafe { handle(store, "store") }?;
        let out = out_ptr(list_out, "list_out")?;
        let event = store.store.latest(node, signal)?;
        // SAFETY: checked; promised writable.
        unsafe { give_list(out, &store.store, event) };
        Ok(())
    })
}

/// As `noob_event_store_get_latest`, by names.
///
/// Errors: as `noob_event_store_get_latest`, plus `NOOB_ERR_INVALID_UTF8`.
///
/// # Safety
/// As for `noob_event_store_get_named`.
#[no_mangle]
pub unsafe extern "C" fn noob_event_store_get_latest_named(
    store: *const noob_event_store,
    node: *const c_char,
    node_len: usize,
    signal: *const c_char,
    signal_len: usize,
    list_out: *mut *mut noob_event_list,
) -> noob_result {
    guard("noob_event_store_get_latest_named", || {
        // SAFETY: the caller's promises, forwarded.
        let store = unsafe { handle(store, "store") }?;
        let out = out_ptr(list_out, "list_out")?;
        // SAFETY: as above.
        let (node, signal) = unsafe {
            (
                text(node, node_len, "node")?,
                text(signal, signal_len, "signal")?,
            )
        };
        let event = store.store.latest_named(node, signal)?;
        // SAFETY: checked; promised writable.
        unsafe { give_list(out, &store.store, event) };
        Ok(())
    })
}

/// Gets `count` keys in one call: key `i` is (`nodes[i]`, `signals[i]`,
/// `epochs[i]`). Writes one list holding the events of every key in turn
/// (each key's oldest first) to `*list_out`, and how many belong to key `i` to
/// `counts_out[i]`: key `i`'s events start at the sum of the earlier counts.
///
/// Errors: `NOOB_ERR_NULL_POINTER`, `NOOB_ERR_INVALID_ARGUMENT` (misaligned
/// array), `NOOB_ERR_STORE_CLOSED`; outputs are untouched on error.
///
/// # Safety
/// `store` must be NULL or a live store; the arrays NULL (only when `count`
/// is 0) or readable, `counts_out` writable, for `count` entries; `list_out`
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_event_store_get_batch(
    store: *const noob_event_store,
    count: usize,
    nodes: *const u32,
    signals: *const u32,
    epochs: *const u64,
    counts_out: *mut usize,
    list_out: *mut *mut noob_event_list,
) -> noob_result {
    guard("noob_event_store_get_batch", || {
        // SAFETY: the caller's promises, forwarded.
        let store = unsafe { handle(store, "store") }?;
        let out = out_ptr(list_out, "list_out")?;
        // SAFETY: as above.
        let (nodes, signals, epochs, counts_out) = unsafe {
            (
                array(nodes, count, "nodes")?,
                array(signals, count, "signals")?,
                array(epochs, count, "epochs")?,
                array_mut(counts_out, count, "counts_out")?,
            )
        };
        let keys: Vec<(NameId, NameId, u64)> = (0..count)
            .map(|i| (nodes[i], signals[i], epochs[i]))
            .collect();
        let mut events = Vec::with_capacity(count);
        let mut counts = vec![0; count];
        store.store.get_many_into(&keys, &mut events, &mut counts)?;
        counts_out.copy_from_slice(&counts);
        // SAFETY: checked; promised writable.
        unsafe { give_list(out, &store.store, events) };
        Ok(())
    })
}

/// Writes to `*list_out` a new list of every event of `epoch`, in the order
/// they were added (id order). An epoch that does not exist gives an empty list.
///
/// Errors: `NOOB_ERR_NULL_POINTER`, `NOOB_ERR_STORE_CLOSED`.
///
/// # Safety
/// As for `noob_event_store_get`.
#[no_mangle]
pub unsafe extern "C" fn noob_event_store_get_epoch(
    store: *const noob_event_store,
    epoch: u64,
    list_out: *mut *mut noob_event_list,
) -> noob_result {
    guard("noob_event_store_get_epoch", || {
        // SAFETY: the caller's promise.
        let store = unsafe { handle(store, "store") }?;
        let out = out_ptr(list_out, "list_out")?;
        let events = store.store.epoch_events(epoch)?;
        // SAFETY: checked; promised writable.
        unsafe { give_list(out, &store.store, events) };
        Ok(())
    })
}

/// Writes the retained epochs, ascending, to `epochs_out` (room for
/// `capacity`) and how many there are to `*count_out`. If they do not fit,
/// fails with `NOOB_ERR_BUFFER_TOO_SMALL`, writes only `*count_out` (the
/// capacity needed) and leaves `epochs_out` untouched. `epochs_out` may be NULL
/// with `capacity` 0 to ask for the count.
///
/// Errors: `NOOB_ERR_NULL_POINTER`, `NOOB_ERR_BUFFER_TOO_SMALL`, `NOOB_ERR_STORE_CLOSED`.
///
/// # Safety
/// `store` must be NULL or a live store; `epochs_out` NULL or writable for
/// `capacity` entries; `count_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_event_store_epochs(
    store: *const noob_event_store,
    epochs_out: *mut u64,
    capacity: usize,
    count_out: *mut usize,
) -> noob_result {
    guard("noob_event_store_epochs", || {
        // SAFETY: the caller's promises, forwarded.
        let store = unsafe { handle(store, "store") }?;
        let count_out = out_ptr(count_out, "count_out")?;
        // SAFETY: as above.
        let room = unsafe { array_mut(epochs_out, capacity, "epochs_out") }?;
        let epochs = store.store.epochs()?;
        if epochs.len() > room.len() {
            // SAFETY: checked non-NULL; promised writable.
            unsafe { count_out.write(epochs.len()) };
            return Err(Failure::new(
                noob_result::NOOB_ERR_BUFFER_TOO_SMALL,
                format!(
                    "{} epochs do not fit in a capacity of {capacity}",
                    epochs.len()
                ),
            ));
        }
        room[..epochs.len()].copy_from_slice(&epochs);
        // SAFETY: checked non-NULL; promised writable.
        unsafe { count_out.write(epochs.len()) };
        Ok(())
    })
}

/// Like `noob_event_store_get`, but refills `list` (from `noob_event_list_new`
/// or any get) instead of making a new one: its earlier views become invalid.
/// On error the list is left as it was.
///
/// Errors: `NOOB_ERR_NULL_POINTER`, `NOOB_ERR_STORE_CLOSED`.
///
/// # Safety
/// `store` must be NULL or a live store; `list` NULL or a live list that no
/// other call uses meanwhile.
#[no_mangle]
pub unsafe extern "C" fn noob_event_store_get_into(
    store: *const noob_event_store,
    node: u32,
    signal: u32,
    epoch: u64,
    list: *mut noob_event_list,
) -> noob_result {
    guard("noob_event_store_get_into", || {
        // SAFETY: the caller's promises, forwarded.
        let store = unsafe { handle(store, "store") }?;
        // SAFETY: as above.
        let list = unsafe { handle_mut(list, "list") }?;
        check_store_open(&store.store)?;
        let mut events = SmallVec::new();
        store
            .store
            .get_each(node, signal, epoch, |event| events.push(event))?;
        list.replace(&store.store, events);
        Ok(())
    })
}

/// Like `noob_event_store_get_latest`, but refills `list` instead of making a
/// new one (no allocation at all once the list exists): its earlier views
/// become invalid. On error the list is left as it was.
///
/// Errors: `NOOB_ERR_NULL_POINTER`, `NOOB_ERR_STORE_CLOSED`.
///
/// # Safety
/// As for `noob_event_store_get_into`.
#[no_mangle]
pub unsafe extern "C" fn noob_event_store_get_latest_into(
    store: *const noob_event_store,
    node: u32,
    signal: u32,
    list: *mut noob_event_list,
) -> noob_result {
    guard("noob_event_store_get_latest_into", || {
        // SAFETY: the caller's promises, forwarded.
        let store = unsafe { handle(store, "store") }?;
        // SAFETY: as above.
        let list = unsafe { handle_mut(list, "list") }?;
        let event = store.store.latest(node, signal)?;
        list.replace(&store.store, event.into_iter().collect());
        Ok(())
    })
}

/// Like `noob_event_store_get_batch`, but refills `list` instead of making a
/// new one: its earlier views become invalid. On error neither the list nor
/// `counts_out` is changed.
///
/// Errors: as `noob_event_store_get_batch`.
///
/// # Safety
/// As for `noob_event_store_get_batch`; `list` NULL or a live list that no
/// other call uses meanwhile.
#[no_mangle]
pub unsafe extern "C" fn noob_event_store_get_batch_into(
    store: *const noob_event_store,
    count: usize,
    nodes: *const u32,
    signals: *const u32,
    epochs: *const u64,
    counts_out: *mut usize,
    list: *mut noob_event_list,
) -> noob_result {
    guard("noob_event_store_get_batch_into", || {
        // SAFETY: the caller's promises, forwarded.
        let store = unsafe { handle(store, "store") }?;
        // SAFETY: as above.
        let list = unsafe { handle_mut(list, "list") }?;
        // SAFETY: as above.
        let (nodes, signals, epochs, counts_out) = unsafe {
            (
                array(nodes, count, "nodes")?,
                array(signals, count, "signals")?,
                array(epochs, count, "epochs")?,
                array_mut(counts_out, count, "counts_out")?,
            )
        };
        let keys: Vec<(NameId, NameId, u64)> = (0..count)
            .map(|i| (nodes[i], signals[i], epochs[i]))
            .collect();
        let mut events = Vec::with_capacity(count);
        let mut counts = vec![0; count];
        store.store.get_many_into(&keys, &mut events, &mut counts)?;
        counts_out.copy_from_slice(&counts);
        list.replace(&store.store, SmallVec::from_vec(events));
        Ok(())
    })
}

// ---- removing and size -----------------------------------------------------

/// Removes every event of `epoch` and writes how many there were to
/// `*removed_out` (which may be NULL). An epoch that does not exist removes 0:
/// not an error. Lists obtained before keep their events.
///
/// Errors: `NOOB_ERR_NULL_POINTER`, `NOOB_ERR_STORE_CLOSED`.
///
/// # Safety
/// `store` must be NULL or a live store; `removed_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_event_store_clear_epoch(
    store: *const noob_event_store,
    epoch: u64,
    removed_out: *mut usize,
) -> noob_result {
    guard("noob_event_store_clear_epoch", || {
        // SAFETY: the caller's promise.
        let store = unsafe { handle(store, "store") }?;
        let removed = store.store.clear_epoch(epoch)?;
        // SAFETY: NULL or promised writable.
        unsafe { write_optional(removed_out, removed) };
        Ok(())
    })
}

/// Writes the number of events retained to `*len_out`.
///
/// Errors: `NOOB_ERR_NULL_POINTER`, `NOOB_ERR_STORE_CLOSED`.
///
/// # Safety
/// `store` must be NULL or a live store; `len_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_event_store_len(
    store: *const noob_event_store,
    len_out: *mut usize,
) -> noob_result {
    guard("noob_event_store_len", || {
        // SAFETY: the caller's promise.
        let store = unsafe { handle(store, "store") }?;
        let out = out_ptr(len_out, "len_out")?;
        if store.store.is_closed() {
            return Err(StoreError::Closed.into());
        }
        // SAFETY: checked non-NULL; promised writable.
        unsafe { out.write(store.store.len()) };
        Ok(())
    })
}

/// Reads the store's counters (also on a closed store, which retains nothing).
///
/// Errors: `NOOB_ERR_NULL_POINTER`.
///
/// # Safety
/// `store` must be NULL or a live store; `stats_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_event_store_get_stats(
    store: *const noob_event_store,
    stats_out: *mut noob_event_store_stats,
) -> noob_result {
    guard("noob_event_store_get_stats", || {
        // SAFETY: the caller's promise.
        let store = unsafe { handle(store, "store") }?;
        let out = out_ptr(stats_out, "stats_out")?;
        let stats = store.store.stats();
        // SAFETY: checked non-NULL; promised writable.
        unsafe {
            out.write(noob_event_store_stats {
                events: stats.events,
                bytes: stats.bytes,
                epochs: stats.epochs,
                names: stats.names,
                added: stats.added,
                cleared_events: stats.cleared_events,
                cleared_epochs: stats.cleared_epochs,
                evicted_events: stats.evicted_events,
                evicted_epochs: stats.evicted_epochs,
                highest_evicted_epoch: stats.highest_evicted_epoch.unwrap_or(0),
                max_events: stats.retention.max_events.unwrap_or(0),
                max_bytes: stats.retention.max_bytes.unwrap_or(0),
                id_prefix: stats.id_prefix,
            })
        };
        Ok(())
    })
}

// ---- lists -----------------------------------------------------------------

/// Makes an empty list to refill with the `*_into` gets (see
/// `noob_event_list`). Free it with `noob_event_list_free`.
///
/// Errors: `NOOB_ERR_NULL_POINTER`.
///
/// # Safety
/// `list_out` must be NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_event_list_new(list_out: *mut *mut noob_event_list) -> noob_result {
    guard("noob_event_list_new", || {
        let out = out_ptr(list_out, "list_out")?;
        // SAFETY: checked non-NULL; promised writable.
        unsafe { out.write(Box::into_raw(noob_event_list::empty())) };
        Ok(())
    })
}

/// Writes the list's views, an array of `*len_out` events valid until the list
/// is freed, to `*views_out` (NULL when the list is empty).
///
/// Errors: `NOOB_ERR_NULL_POINTER`.
///
/// # Safety
/// `list` must be NULL or a live list; the outputs NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_event_list_views(
    list: *const noob_event_list,
    views_out: *mut *const noob_event_view,
    len_out: *mut usize,
) -> noob_result {
    guard("noob_event_list_views", || {
        // SAFETY: the caller's promise.
        let list = unsafe { handle(list, "list") }?;
        let views_out = out_ptr(views_out, "views_out")?;
        let len_out = out_ptr(len_out, "len_out")?;
        let views = if list.views.is_empty() {
            std::ptr::null()
        } else {
            list.views.as_ptr()
        };
        // SAFETY: checked non-NULL; promised writable.
        unsafe {
            views_out.write(views);
            len_out.write(list.views.len());
        }
        Ok(())
    })
}

/// Copies the view of event `index` to `*view_out` (its pointers stay
/// borrowed from the list).
///
/// Errors: `NOOB_ERR_NULL_POINTER`, `NOOB_ERR_INVALID_ARGUMENT` (`index` not
/// below the list's length).
///
/// # Safety
/// `list` must be NULL or a live list; `view_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_event_list_get(
    list: *const noob_event_list,
    index: usize,
    view_out: *mut noob_event_view,
) -> noob_result {
    guard("noob_event_list_get", || {
        // SAFETY: the caller's promise.
        let list = unsafe { handle(list, "list") }?;
        let out = out_ptr(view_out, "view_out")?;
        let view = list.views.get(index).ok_or_else(|| {
            Failure::new(
                noob_result::NOOB_ERR_INVALID_ARGUMENT,
                format!(
                    "index {index} is not below the list's length {}",
                    list.views.len()
                ),
            )
        })?;
        // SAFETY: checked non-NULL; promised writable.
        unsafe { out.write(*view) };
        Ok(())
    })
}

/// Writes the list's events as parallel arrays to `*columns_out` (see
/// `noob_event_columns`; built on the first call, which copies the values
/// once; later calls return the same arrays). Valid until the list is freed.
///
/// Errors: `NOOB_ERR_NULL_POINTER`.
///
/// # Safety
/// `list` must be NULL or a live list; `columns_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_event_list_columns(
    list: *const noob_event_list,
    columns_out: *mut noob_event_columns,
) -> noob_result {
    guard("noob_event_list_columns", || {
        // SAFETY: the caller's promise.
        let list = unsafe { handle(list, "list") }?;
        let out = out_ptr(columns_out, "columns_out")?;
        let columns = list.columns();
        let values = if columns.values.is_empty() {
            std::ptr::null()
        } else {
            columns.values.as_ptr()
        };
        // SAFETY: checked non-NULL; promised writable.
        unsafe {
            out.write(noob_event_columns {
                len: columns.ids.len(),
                ids: columns.ids.as_ptr(),
                epochs: columns.epochs.as_ptr(),
                timestamps: columns.timestamps.as_ptr(),
                nodes: columns.nodes.as_ptr(),
                signals: columns.signals.as_ptr(),
                values,
                value_offsets: columns.value_offsets.as_ptr(),
            })
        };
        Ok(())
    })
}

/// Frees a list; every view and pointer borrowed from it becomes invalid.
/// NULL is accepted and does nothing. Call it exactly once per list, after
/// every other call on it has returned.
///
/// # Safety
/// `list` must be NULL or a list from this library not freed before.
#[no_mangle]
pub unsafe extern "C" fn noob_event_list_free(list: *mut noob_event_list) {
    // SAFETY: the caller passes ownership of a list made by this library.
    unsafe { free_handle("noob_event_list_free", list) };
}
