//! C ABI of the noob drop-in: the process-wide item interner and the epoch scheduler that
//! noob 1003.0.2 drives (the `Scheduler` of noob-core 0.2.1), one C call per Python method.
//!
//! Encodings (all `uint32_t` words):
//! * **Items** (nodes, signals, slots) are interned ids, the same in every scheduler of the
//!   process (`noob_item_*`). An id that was never handed out gives `NOOB_ERR_ITEM_NOT_ADDED`.
//! * **Epoch arguments** are `root, path, depth`: `path` holds `2 * depth` words
//!   `node_1, index_1, ..., node_depth, index_depth` (node = an interned *node* id); a root
//!   epoch is `depth = 0` and `path` may then be NULL.
//! * **Epoch outputs** are `depth, root, node_1, index_1, ...` (`2 + 2 * depth` words).
//! * **Lists** come back as a [`noob_words`] view of an array the scheduler owns, valid
//!   until the next call on the same scheduler (copy it right away, e.g. `ffi.unpack`).
//!   Each function documents its layout.
//!
//! Failures that noob-core raises as exceptions have their own codes: 40
//! `NOOB_ERR_EPOCH_COMPLETED` (`EpochCompletedError`), 41 `NOOB_ERR_EPOCH_EXISTS`
//! (`EpochExistsError`), 42 `NOOB_ERR_ITEM_NOT_ADDED` (`NotAddedError`), 43
//! `NOOB_ERR_ITEM_ALREADY_DONE` (`AlreadyDoneError`), 44 `NOOB_ERR_EPOCH_VALUE` (`ValueError`).
//! Their detail message (after the `function: ` prefix) is noob-core's message: for 40 and
//! 41 just the epoch's repr.

use super::boundary::{
    array, bytes, free_handle, guard, handle, handle_mut, out_ptr, text, Failure,
};
use super::result::noob_result;
use crate::noob::intern::{self, ItemKind};
use crate::noob::{Epoch, NoobError, Scheduler, UpdateEvent};
use std::ffi::c_char;

/// `noob_epoch_scheduler_update` event flag: the value is `NoEvent`.
pub const NOOB_EVENT_NO_EVENT: u32 = 1;
/// `noob_epoch_scheduler_update` event flag: the value is `Exhausted`.
pub const NOOB_EVENT_EXHAUSTED: u32 = 2;
/// Node flag for `noob_epoch_scheduler_new`: the node is enabled.
pub const NOOB_NODE_ENABLED: u8 = 1;
/// Node flag for `noob_epoch_scheduler_new`: `stateful` is given (else it is `None`).
pub const NOOB_NODE_STATEFUL_SET: u8 = 2;
/// Node flag for `noob_epoch_scheduler_new`: `stateful` is `True` (with `STATEFUL_SET`).
pub const NOOB_NODE_STATEFUL: u8 = 4;
/// Item kind in [`noob_item`]: a node.
pub const NOOB_ITEM_NODE: u32 = 0;
/// Item kind in [`noob_item`]: a signal `(node, signal)`.
pub const NOOB_ITEM_SIGNAL: u32 = 1;
/// Item kind in [`noob_item`]: a slot `(node, slot)`.
pub const NOOB_ITEM_SLOT: u32 = 2;
/// Deepest subepoch path an epoch argument may have.
pub const NOOB_EPOCH_MAX_DEPTH: usize = 65536;
/// The signal id meaning "no signal" in an update event.
pub const NOOB_NO_ITEM: u32 = 4294967295;

const _: () = {
    assert!(NOOB_ITEM_NODE == ItemKind::Node as u32);
    assert!(NOOB_ITEM_SIGNAL == ItemKind::Signal as u32);
    assert!(NOOB_ITEM_SLOT == ItemKind::Slot as u32);
    assert!(NOOB_NO_ITEM == u32::MAX);
};

/// The noob-core `Scheduler`: epochs, their sorters, the completion log, subepochs.
///
/// Thread safety: one owner; never used by two threads at once (a Python wrapper shared
/// between threads must lock around every call). Different schedulers may be used on
/// different threads at once; the item interner they share is thread-safe.
#[allow(non_camel_case_types)]
pub struct noob_epoch_scheduler {
    core: Scheduler,
    out: Vec<u32>,
}

/// A borrowed array of words owned by the library.
#[allow(non_camel_case_types)]
#[repr(C)]
pub struct noob_words {
    pub words: *const u32,
    pub len: usize,
}

/// What an interned item is. The texts are borrowed from the interner and stay valid, and
/// unchanged, for the life of the process; they are UTF-8 and not NUL-terminated.
#[allow(non_camel_case_types)]
#[repr(C)]
pub struct noob_item {
    /// `NOOB_ITEM_NODE`, `NOOB_ITEM_SIGNAL` or `NOOB_ITEM_SLOT`.
    pub kind: u32,
    /// The node part's id (the item itself for a node).
    pub node: u32,
    pub node_name: *const c_char,
    pub node_name_len: usize,
    /// The signal or slot name; equals the node name for a node.
    pub name: *const c_char,
    pub name_len: usize,
}

impl From<NoobError> for Failure {
    fn from(e: NoobError) -> Self {
        let code = match e {
            NoobError::EpochCompleted(_) => noob_result::NOOB_ERR_EPOCH_COMPLETED,
            NoobError::EpochExists(_) => noob_result::NOOB_ERR_EPOCH_EXISTS,
            NoobError::NotAdded(_) => noob_result::NOOB_ERR_ITEM_NOT_ADDED,
            NoobError::AlreadyDone(_) => noob_result::NOOB_ERR_ITEM_ALREADY_DONE,
            NoobError::Value(_) => noob_result::NOOB_ERR_EPOCH_VALUE,
        };
        Failure::new(code, e.to_string())
    }
}

/// Reads `len` words; NULL only with `len == 0`.
///
/// # Safety
/// A non-NULL `ptr` must point to `len` readable words.
unsafe fn words<'a>(ptr: *const u32, len: usize, name: &str) -> Result<&'a [u32], Failure> {
    // SAFETY: the caller guarantees `len` readable words at a non-NULL `ptr`.
    unsafe { array(ptr, len, name) }
}

fn invalid(message: String) -> Failure {
    Failure::new(noob_result::NOOB_ERR_INVALID_ARGUMENT, message)
}

fn check_segments(path: &[u32]) -> Result<Vec<(u32, u32)>, Failure> {
    path.chunks_exact(2)
        .map(|pair| match intern::kind_of(pair[0]) {
            Some((ItemKind::Node, _)) => Ok((pair[0], pair[1])),
            _ => Err(invalid(format!(
                "epoch segment node {} is not an interned node id",
                pair[0]
            ))),
        })
        .collect()
}

/// Decodes an epoch argument.
///
/// # Safety
/// A non-NULL `path` must point to `2 * depth` readable words.
unsafe fn epoch_arg(root: u32, path: *const u32, depth: usize) -> Result<Epoch, Failure> {
    if depth > NOOB_EPOCH_MAX_DEPTH {
        return Err(invalid(format!(
            "epoch depth {depth} exceeds NOOB_EPOCH_MAX_DEPTH"
        )));
    }
    // SAFETY: forwarded contract.
    let path = unsafe { words(path, depth * 2, "path") }?;
    Ok(Epoch::new(root, check_segments(path)?))
}

fn push_epoch(out: &mut Vec<u32>, e: &Epoch) {
    e.write_words(out);
}

fn item_arg(item: u32) -> Result<u32, Failure> {
    match intern::kind_of(item) {
        Some(_) => Ok(item),
        None => Err(Failure::new(
            noob_result::NOOB_ERR_ITEM_NOT_ADDED,
            format!(
                "item id {item} was never interned: nodes and signals must be added when the \
                 scheduler is created"
            ),
        )),
    }
}

fn node_arg(item: u32) -> Result<u32, Failure> {
    match intern::kind_of(item) {
        Some((ItemKind::Node, _)) => Ok(item),
        Some(_) => Err(invalid(format!("item id {item} is not a node"))),
        None => Err(Failure::new(
            noob_result::NOOB_ERR_ITEM_NOT_ADDED,
            format!("Node with id {item} was not added when creating the scheduler"),
        )),
    }
}

impl noob_epoch_scheduler {
    /// Fills the output buffer and returns its view.
    fn emit(&mut self, fill: impl FnOnce(&mut Vec<u32>)) -> noob_words {
        self.out.clear();
        fill(&mut self.out);
        noob_words {
            words: self.out.as_ptr(),
            len: self.out.len(),
        }
    }

    fn emit_epochs(&mut self, list: &[Epoch]) -> noob_words {
        self.emit(|out| {
            for e in list {
                push_epoch(out, e);
            }
        })
    }
}

/// Cuts `text` into `lens.len()` names lying back to back (name `i` is `lens[i]` bytes);
/// the lengths must sum to `text.len()` and each cut must fall between UTF-8 characters.
fn cut_names<'a>(text: &'a str, lens: &[usize], name: &str) -> Result<Vec<&'a str>, Failure> {
    let mut names = Vec::with_capacity(lens.len());
    let mut start = 0usize;
    for (i, &len) in lens.iter().enumerate() {
        let end = start
            .checked_add(len)
            .filter(|&end| end <= text.len())
            .ok_or_else(|| {
                invalid(format!(
                    "`{name}_lens[{i}]` = {len} runs past the {} bytes of `{name}s`",
                    text.len()
                ))
            })?;
        let part = text.get(start..end).ok_or_else(|| {
            Failure::new(
                noob_result::NOOB_ERR_INVALID_UTF8,
                format!(
                    "`{name}_lens[{i}]` cuts `{name}s` inside a UTF-8 character (name {i} \
                     spans bytes {start}..{end})"
                ),
            )
        })?;
        names.push(part);
        start = end;
    }
    if start != text.len() {
        return Err(invalid(format!(
            "`{name}_lens` sum to {start}, not the {} bytes of `{name}s`",
            text.len()
        )));
    }
    Ok(names)
}

// ----- items ------------------------------------------------------------------------------

/// Interns node `name` (UTF-8, `len` bytes, not NUL-terminated) and writes its id to
/// `*id_out`. Used for epoch path segments (`Epoch(root, path)`, `epoch / (node, i)`,
/// `make_subepochs`, `Epoch.from_wire`), which intern names on the spot.
///
/// Errors: `NOOB_ERR_NULL_POINTER` (`name` NULL with `len > 0`, or `id_out` NULL),
/// `NOOB_ERR_INVALID_UTF8`.
///
/// Thread safety: safe from any thread.
///
/// # Safety
/// `name` must be NULL or readable for `len` bytes; `id_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_item_intern_node(
    name: *const c_char,
    len: usize,
    id_out: *mut u32,
) -> noob_result {
    guard("noob_item_intern_node", || {
        let id_out = out_ptr(id_out, "id_out")?;
        // SAFETY: caller guarantees `len` readable bytes.
        let name = unsafe { text(name, len, "name") }?;
        let id = intern::intern_node(name);
        // SAFETY: checked non-NULL output pointer.
        unsafe { id_out.write(id) };
        Ok(())
    })
}

/// Looks up node `node` without interning it; writes its id to `*id_out`.
///
/// Errors: `NOOB_ERR_ITEM_NOT_ADDED` if the process never saw the name (noob-core panics
/// there; the Python layer should raise `NotAddedError`), `NOOB_ERR_NULL_POINTER`,
/// `NOOB_ERR_INVALID_UTF8`. `*id_out` is written only on success.
///
/// Thread safety: safe from any thread.
///
/// # Safety
/// `node` must be NULL or readable for `node_len` bytes; `id_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_item_lookup_node(
    node: *const c_char,
    node_len: usize,
    id_out: *mut u32,
) -> noob_result {
    guard("noob_item_lookup_node", || {
        let id_out = out_ptr(id_out, "id_out")?;
        // SAFETY: caller guarantees `node_len` readable bytes.
        let node = unsafe { text(node, node_len, "node") }?;
        let id = intern::lookup_node(node).ok_or_else(|| {
            Failure::new(
                noob_result::NOOB_ERR_ITEM_NOT_ADDED,
                format!("Node '{node}' was not added when creating the scheduler"),
            )
        })?;
        // SAFETY: checked non-NULL output pointer.
        unsafe { id_out.write(id) };
        Ok(())
    })
}

/// Looks up signal `(node, signal)` without interning it; writes its id to `*id_out`.
///
/// Errors: `NOOB_ERR_ITEM_NOT_ADDED` if the process never saw that signal,
/// `NOOB_ERR_NULL_POINTER`, `NOOB_ERR_INVALID_UTF8`.
///
/// Thread safety: safe from any thread.
///
/// # Safety
/// `node`/`signal` must be NULL or readable for their lengths; `id_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_item_lookup_signal(
    node: *const c_char,
    node_len: usize,
    signal: *const c_char,
    signal_len: usize,
    id_out: *mut u32,
) -> noob_result {
    guard("noob_item_lookup_signal", || {
        let id_out = out_ptr(id_out, "id_out")?;
        // SAFETY: caller guarantees the readable lengths.
        let node = unsafe { text(node, node_len, "node") }?;
        // SAFETY: as above.
        let signal = unsafe { text(signal, signal_len, "signal") }?;
        let id = intern::lookup_signal(node, signal).ok_or_else(|| {
            Failure::new(
                noob_result::NOOB_ERR_ITEM_NOT_ADDED,
                format!(
                    "Signal ({node:?}, {signal:?}): nodes and signals must be added when the \
                     scheduler is created"
                ),
            )
        })?;
        // SAFETY: checked non-NULL output pointer.
        unsafe { id_out.write(id) };
        Ok(())
    })
}

/// Describes interned item `id` (kind, node part, names) into `*item_out`.
///
/// Errors: `NOOB_ERR_NOT_FOUND` for an id never handed out, `NOOB_ERR_NULL_POINTER`.
///
/// Thread safety: safe from any thread; the name views stay valid for the process.
///
/// # Safety
/// `item_out` must be NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_item_describe(id: u32, item_out: *mut noob_item) -> noob_result {
    guard("noob_item_describe", || {
        let item_out = out_ptr(item_out, "item_out")?;
        let item = intern::with_names(id, |kind, node, name| {
            let name = name.unwrap_or(node);
            noob_item {
                kind: kind as u32,
                node: 0,
                node_name: node.as_ptr().cast(),
                node_name_len: node.len(),
                name: name.as_ptr().cast(),
                name_len: name.len(),
            }
        });
        let Some(mut item) = item else {
            return Err(Failure::new(
                noob_result::NOOB_ERR_NOT_FOUND,
                format!("no item has id {id}"),
            ));
        };
        item.node = intern::kind_of(id).map_or(id, |(_, n)| n);
        // SAFETY: checked non-NULL output pointer.
        unsafe { item_out.write(item) };
        Ok(())
    })
}

// ----- construction -----------------------------------------------------------------------

/// `Scheduler(nodes, edges)`. Names are UTF-8 and passed back to back, with their byte
/// lengths beside them (names may be empty and may contain any character, NUL included):
/// node `i` is named by the `node_name_lens[i]` bytes of `node_names` after the earlier
/// names, and `node_flags[i]` holds its flags (`NOOB_NODE_*`); edge `j` is named by the
/// four names `4j .. 4j + 4` (source, signal, target, slot) of `edge_names`, whose lengths
/// are `edge_name_lens[4j .. 4j + 4]`, and `edge_required[j]` is 1 for a required edge, 0
/// for an optional one. Each `*_lens` array must sum to its text's length. A repeated node
/// keeps its first position and its last flags. Writes the new scheduler to
/// `*scheduler_out`; free it with `noob_epoch_scheduler_free`. The arrays are only read
/// during the call.
///
/// Errors: `NOOB_ERR_NULL_POINTER`, `NOOB_ERR_INVALID_UTF8` (a text is not UTF-8, or a
/// length cuts a character in two), `NOOB_ERR_INVALID_ARGUMENT` (the lengths do not sum to
/// the text's length, `edge_count * 4` overflows, a `*_lens` array is misaligned, a flag
/// or `required` value is out of range). `*scheduler_out` is written only on success.
///
/// Thread safety: safe from any thread.
///
/// # Safety
/// Each pointer must be NULL (only with a zero length or count) or readable for its length:
/// `node_names` for `node_names_len` bytes, `node_name_lens` for `node_count` entries,
/// `node_flags` for `node_count` bytes, `edge_names` for `edge_names_len` bytes,
/// `edge_name_lens` for `4 * edge_count` entries, `edge_required` for `edge_count` bytes;
/// `scheduler_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_epoch_scheduler_new(
    node_names: *const c_char,
    node_names_len: usize,
    node_name_lens: *const usize,
    node_flags: *const u8,
    node_count: usize,
    edge_names: *const c_char,
    edge_names_len: usize,
    edge_name_lens: *const usize,
    edge_required: *const u8,
    edge_count: usize,
    scheduler_out: *mut *mut noob_epoch_scheduler,
) -> noob_result {
    guard("noob_epoch_scheduler_new", || {
        let scheduler_out = out_ptr(scheduler_out, "scheduler_out")?;
        // SAFETY: caller guarantees the readable lengths.
        let names_text = unsafe { text(node_names, node_names_len, "node_names") }?;
        // SAFETY: as above.
        let flags = unsafe { bytes(node_flags, node_count, "node_flags") }?;
        // SAFETY: as above.
        let edges_text = unsafe { text(edge_names, edge_names_len, "edge_names") }?;
        // SAFETY: as above.
        let required = unsafe { bytes(edge_required, edge_count, "edge_required") }?;
        let edge_name_count = edge_count.checked_mul(4).ok_or_else(|| {
            invalid(format!(
                "edge_count {edge_count} is larger than any array can be"
            ))
        })?;
        // SAFETY: caller guarantees `node_count` and `4 * edge_count` readable lengths.
        let (node_lens, edge_lens) = unsafe {
            (
                array(node_name_lens, node_count, "node_name_lens")?,
                array(edge_name_lens, edge_name_count, "edge_name_lens")?,
            )
        };
        let names = cut_names(names_text, node_lens, "node_name")?;
        let edge_parts = cut_names(edges_text, edge_lens, "edge_name")?;
        let mut nodes = Vec::with_capacity(node_count);
        for (i, (&name, &f)) in names.iter().zip(flags).enumerate() {
            if f & !(NOOB_NODE_ENABLED | NOOB_NODE_STATEFUL_SET | NOOB_NODE_STATEFUL) != 0
                || (f & NOOB_NODE_STATEFUL != 0 && f & NOOB_NODE_STATEFUL_SET == 0)
            {
                return Err(invalid(format!(
                    "node_flags[{i}] = {f} is not a valid flag set"
                )));
            }
            let stateful = (f & NOOB_NODE_STATEFUL_SET != 0).then_some(f & NOOB_NODE_STATEFUL != 0);
            nodes.push((name, f & NOOB_NODE_ENABLED != 0, stateful));
        }
        let mut edges = Vec::with_capacity(edge_count);
        for (i, (parts, &r)) in edge_parts.chunks_exact(4).zip(required).enumerate() {
            if r > 1 {
                return Err(invalid(format!("edge_required[{i}] = {r} is not 0 or 1")));
            }
            edges.push((parts[0], parts[1], parts[2], parts[3], r == 1));
        }
        let scheduler = Box::new(noob_epoch_scheduler {
            core: Scheduler::from_names(&nodes, &edges),
            out: Vec::new(),
        });
        // SAFETY: checked non-NULL output pointer.
        unsafe { scheduler_out.write(Box::into_raw(scheduler)) };
        Ok(())
    })
}

/// Frees a scheduler (NULL is accepted). Call exactly once per scheduler; views it
/// returned become invalid.
///
/// Thread safety: the last call on the handle.
///
/// # Safety
/// `scheduler` must be NULL or a scheduler from `noob_epoch_scheduler_new` not freed yet.
#[no_mangle]
pub unsafe extern "C" fn noob_epoch_scheduler_free(scheduler: *mut noob_epoch_scheduler) {
    // SAFETY: the caller passes a pointer from `noob_epoch_scheduler_new`, once.
    unsafe { free_handle("noob_epoch_scheduler_free", scheduler) };
}

// ----- epochs -----------------------------------------------------------------------------

/// `add_epoch()`: creates the next root epoch and writes its root to `*root_out`.
///
/// Errors: `NOOB_ERR_NULL_POINTER`, `NOOB_ERR_EPOCH_VALUE` once all 2**32 roots are used.
///
/// Thread safety: see `noob_epoch_scheduler`.
///
/// # Safety
/// `scheduler` must be NULL or a live scheduler not used elsewhere during the call; `path`
/// NULL or readable for `2 * depth` words, `events` for `events_len` words; output pointers
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_epoch_scheduler_add_epoch(
    scheduler: *mut noob_epoch_scheduler,
    root_out: *mut u32,
) -> noob_result {
    guard("noob_epoch_scheduler_add_epoch", || {
        let root_out = out_ptr(root_out, "root_out")?;
        // SAFETY: caller contract of the handle.
        let s = unsafe { handle_mut(scheduler, "scheduler") }?;
        let e = s.core.add_epoch()?;
        // SAFETY: checked non-NULL output pointer.
        unsafe { root_out.write(e.root()) };
        Ok(())
    })
}

/// `add_epoch_at(epoch)`: creates the epoch (a root, or a subepoch with its parents).
///
/// Errors: `NOOB_ERR_EPOCH_EXISTS` (it has a sorter), `NOOB_ERR_EPOCH_COMPLETED`,
/// `NOOB_ERR_EPOCH_VALUE`, `NOOB_ERR_ITEM_ALREADY_DONE` (copying the parent state),
/// `NOOB_ERR_NULL_POINTER`, `NOOB_ERR_INVALID_ARGUMENT` (bad epoch encoding).
///
/// Thread safety: see `noob_epoch_scheduler`.
///
/// # Safety
/// `scheduler` must be NULL or a live scheduler not used elsewhere during the call; `path`
/// NULL or readable for `2 * depth` words, `events` for `events_len` words; output pointers
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_epoch_scheduler_add_epoch_at(
    scheduler: *mut noob_epoch_scheduler,
    root: u32,
    path: *const u32,
    depth: usize,
) -> noob_result {
    guard("noob_epoch_scheduler_add_epoch_at", || {
        // SAFETY: caller contract of the handle and the path.
        let (s, e) = unsafe {
            (
                handle_mut(scheduler, "scheduler")?,
                epoch_arg(root, path, depth)?,
            )
        };
        s.core.add_epoch_at(&e)?;
        Ok(())
    })
}

/// `end_epoch(epoch)`: declares the epoch finished. `*ended_out` lists the epochs that
/// ended, in order (epoch outputs back to back), this one last.
///
/// Errors: as `noob_epoch_scheduler_add_epoch_at`.
///
/// Thread safety: see `noob_epoch_scheduler`.
///
/// # Safety
/// `scheduler` must be NULL or a live scheduler not used elsewhere during the call; `path`
/// NULL or readable for `2 * depth` words, `events` for `events_len` words; output pointers
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_epoch_scheduler_end_epoch(
    scheduler: *mut noob_epoch_scheduler,
    root: u32,
    path: *const u32,
    depth: usize,
    ended_out: *mut noob_words,
) -> noob_result {
    guard("noob_epoch_scheduler_end_epoch", || {
        let ended_out = out_ptr(ended_out, "ended_out")?;
        // SAFETY: caller contract of the handle and the path.
        let (s, e) = unsafe {
            (
                handle_mut(scheduler, "scheduler")?,
                epoch_arg(root, path, depth)?,
            )
        };
        let ended = s.core.end_epoch(&e)?;
        let view = s.emit_epochs(&ended);
        // SAFETY: checked non-NULL output pointer.
        unsafe { ended_out.write(view) };
        Ok(())
    })
}

/// Boolean queries on an epoch, selected by `query`:
/// 0 `is_active_at`, 1 `epoch_completed`, 2 `sources_finished`.
fn epoch_query(core: &Scheduler, query: u32, e: &Epoch) -> Result<bool, Failure> {
    Ok(match query {
        NOOB_QUERY_IS_ACTIVE_AT => core.is_active_at(e),
        NOOB_QUERY_EPOCH_COMPLETED => core.epoch_completed(e),
        NOOB_QUERY_SOURCES_FINISHED => core.sources_finished(e),
        other => return Err(invalid(format!("unknown epoch query {other}"))),
    })
}

/// `noob_epoch_scheduler_epoch_query`: `is_active_at(epoch)`.
pub const NOOB_QUERY_IS_ACTIVE_AT: u32 = 0;
/// `noob_epoch_scheduler_epoch_query`: `epoch_completed(epoch)`.
pub const NOOB_QUERY_EPOCH_COMPLETED: u32 = 1;
/// `noob_epoch_scheduler_epoch_query`: `sources_finished(epoch)`.
pub const NOOB_QUERY_SOURCES_FINISHED: u32 = 2;

/// A yes/no question about one epoch: `query` is `NOOB_QUERY_IS_ACTIVE_AT`,
/// `NOOB_QUERY_EPOCH_COMPLETED` or `NOOB_QUERY_SOURCES_FINISHED`; the answer goes to
/// `*answer_out`. Changes nothing.
///
/// Errors: `NOOB_ERR_NULL_POINTER`, `NOOB_ERR_INVALID_ARGUMENT` (unknown query, bad epoch).
///
/// Thread safety: see `noob_epoch_scheduler` (read-only).
///
/// # Safety
/// `scheduler` must be NULL or a live scheduler not used elsewhere during the call; `path`
/// NULL or readable for `2 * depth` words, `events` for `events_len` words; output pointers
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_epoch_scheduler_epoch_query(
    scheduler: *const noob_epoch_scheduler,
    query: u32,
    root: u32,
    path: *const u32,
    depth: usize,
    answer_out: *mut bool,
) -> noob_result {
    guard("noob_epoch_scheduler_epoch_query", || {
        let answer_out = out_ptr(answer_out, "answer_out")?;
        // SAFETY: caller contract of the handle and the path.
        let (s, e) = unsafe {
            (
                handle(scheduler, "scheduler")?,
                epoch_arg(root, path, depth)?,
            )
        };
        let answer = epoch_query(&s.core, query, &e)?;
        // SAFETY: checked non-NULL output pointer.
        unsafe { answer_out.write(answer) };
        Ok(())
    })
}

/// The scheduler-wide state in one call: `is_active()`, the `exhausted` property,
/// `has_cycle()`, and `first_active_epoch()` (`*first_active_found_out` false for `None`,
/// else its root in `*first_active_root_out`). Changes nothing.
///
/// Errors: `NOOB_ERR_NULL_POINTER` (any pointer).
///
/// Thread safety: see `noob_epoch_scheduler` (read-only).
///
/// # Safety
/// `scheduler` must be NULL or a live scheduler not used elsewhere during the call; `path`
/// NULL or readable for `2 * depth` words, `events` for `events_len` words; output pointers
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_epoch_scheduler_status(
    scheduler: *const noob_epoch_scheduler,
    active_out: *mut bool,
    exhausted_out: *mut bool,
    has_cycle_out: *mut bool,
    first_active_found_out: *mut bool,
    first_active_root_out: *mut u32,
) -> noob_result {
    guard("noob_epoch_scheduler_status", || {
        let active_out = out_ptr(active_out, "active_out")?;
        let exhausted_out = out_ptr(exhausted_out, "exhausted_out")?;
        let has_cycle_out = out_ptr(has_cycle_out, "has_cycle_out")?;
        let found_out = out_ptr(first_active_found_out, "first_active_found_out")?;
        let root_out = out_ptr(first_active_root_out, "first_active_root_out")?;
        // SAFETY: caller contract of the handle.
        let s = unsafe { handle(scheduler, "scheduler") }?;
        let first = s.core.first_active_epoch();
        // SAFETY: checked non-NULL output pointers.
        unsafe {
            active_out.write(s.core.is_active());
            exhausted_out.write(s.core.exhausted());
            has_cycle_out.write(s.core.has_cycle());
            found_out.write(first.is_some());
            root_out.write(first.map_or(0, |e| e.root()));
        }
        Ok(())
    })
}

/// `is_active()` alone (the hot call of noob's `iter_ready`): writes to `*active_out`.
///
/// Errors: `NOOB_ERR_NULL_POINTER`.
///
/// Thread safety: see `noob_epoch_scheduler` (read-only).
///
/// # Safety
/// `scheduler` must be NULL or a live scheduler not used elsewhere during the call; `path`
/// NULL or readable for `2 * depth` words, `events` for `events_len` words; output pointers
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_epoch_scheduler_is_active(
    scheduler: *const noob_epoch_scheduler,
    active_out: *mut bool,
) -> noob_result {
    guard("noob_epoch_scheduler_is_active", || {
        let active_out = out_ptr(active_out, "active_out")?;
        // SAFETY: caller contract of the handle.
        let s = unsafe { handle(scheduler, "scheduler") }?;
        // SAFETY: checked non-NULL output pointer.
        unsafe { active_out.write(s.core.is_active()) };
        Ok(())
    })
}

/// `node_is_ready(node, epoch, subepochs)` (`subepochs` true also looks into the epoch's
/// registered subepochs) when `done_query` is false, `node_is_done(node, epoch)` when it
/// is true. Changes nothing.
///
/// Errors: `NOOB_ERR_ITEM_NOT_ADDED` (node id never interned), `NOOB_ERR_INVALID_ARGUMENT`
/// (not a node id, bad epoch), `NOOB_ERR_NULL_POINTER`.
///
/// Thread safety: see `noob_epoch_scheduler` (read-only).
///
/// # Safety
/// `scheduler` must be NULL or a live scheduler not used elsewhere during the call; `path`
/// NULL or readable for `2 * depth` words, `events` for `events_len` words; output pointers
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_epoch_scheduler_node_query(
    scheduler: *const noob_epoch_scheduler,
    node: u32,
    root: u32,
    path: *const u32,
    depth: usize,
    done_query: bool,
    subepochs: bool,
    answer_out: *mut bool,
) -> noob_result {
    guard("noob_epoch_scheduler_node_query", || {
        let answer_out = out_ptr(answer_out, "answer_out")?;
        // SAFETY: caller contract of the handle and the path.
        let (s, e) = unsafe {
            (
                handle(scheduler, "scheduler")?,
                epoch_arg(root, path, depth)?,
            )
        };
        let node = node_arg(node)?;
        let answer = if done_query {
            s.core.node_is_done(node, &e)?
        } else {
            s.core.node_is_ready(node, &e, subepochs)?
        };
        // SAFETY: checked non-NULL output pointer.
        unsafe { answer_out.write(answer) };
        Ok(())
    })
}

// ----- handing out ------------------------------------------------------------------------

fn emit_ready(s: &mut noob_epoch_scheduler, pairs: Vec<(Epoch, u32)>) -> noob_words {
    s.emit(|out| {
        let mut i = 0;
        while i < pairs.len() {
            let e = &pairs[i].0;
            let mut j = i;
            while j < pairs.len() && pairs[j].0 == *e {
                j += 1;
            }
            push_epoch(out, e);
            out.push((j - i) as u32);
            out.extend(pairs[i..j].iter().map(|p| p.1));
            i = j;
        }
    })
}

/// `get_ready()` over every live epoch (epoch order) when `all_epochs` is true, else
/// `get_ready_at(epoch)` (the epoch and its registered subepochs, in epoch order). Everything
/// returned is now handed out. `*ready_out` holds groups, one per epoch with ready nodes:
/// an epoch output, then `count`, then `count` node ids in batch order.
///
/// Errors: `NOOB_ERR_NULL_POINTER`, `NOOB_ERR_INVALID_ARGUMENT` (bad epoch; ignored when
/// `all_epochs`).
///
/// Thread safety: see `noob_epoch_scheduler`.
///
/// # Safety
/// `scheduler` must be NULL or a live scheduler not used elsewhere during the call; `path`
/// NULL or readable for `2 * depth` words, `events` for `events_len` words; output pointers
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_epoch_scheduler_get_ready(
    scheduler: *mut noob_epoch_scheduler,
    all_epochs: bool,
    root: u32,
    path: *const u32,
    depth: usize,
    ready_out: *mut noob_words,
) -> noob_result {
    guard("noob_epoch_scheduler_get_ready", || {
        let ready_out = out_ptr(ready_out, "ready_out")?;
        // SAFETY: caller contract of the handle.
        let s = unsafe { handle_mut(scheduler, "scheduler") }?;
        let pairs = if all_epochs {
            s.core.get_ready()
        } else {
            // SAFETY: caller contract of the path.
            let e = unsafe { epoch_arg(root, path, depth) }?;
            s.core.get_ready_at(&e)
        };
        let view = emit_ready(s, pairs);
        // SAFETY: checked non-NULL output pointer.
        unsafe { ready_out.write(view) };
        Ok(())
    })
}

// ----- finishing --------------------------------------------------------------------------

/// `done(epoch, item, with_signals=...)` when `expire` is false, `expire(epoch, item,
/// with_signals=..., unlock_optionals=...)` when it is true (`unlock_optionals` is ignored
/// for `done`). `item` is a node id or a signal id. `*ended_out` lists the epochs that
/// ended, in order (epoch outputs back to back).
///
/// Errors: `NOOB_ERR_ITEM_ALREADY_DONE`, `NOOB_ERR_ITEM_NOT_ADDED` (item not in this epoch's graph, or
/// never interned), `NOOB_ERR_EPOCH_VALUE`, `NOOB_ERR_EPOCH_COMPLETED`/`EXISTS` (from the
/// implicit `add_epoch_at`), `NOOB_ERR_NULL_POINTER`, `NOOB_ERR_INVALID_ARGUMENT`. On
/// failure the scheduler may have changed as noob-core's would (effects so far remain).
///
/// Thread safety: see `noob_epoch_scheduler`.
///
/// # Safety
/// `scheduler` must be NULL or a live scheduler not used elsewhere during the call; `path`
/// NULL or readable for `2 * depth` words, `events` for `events_len` words; output pointers
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_epoch_scheduler_finish(
    scheduler: *mut noob_epoch_scheduler,
    root: u32,
    path: *const u32,
    depth: usize,
    item: u32,
    expire: bool,
    with_signals: bool,
    unlock_optionals: bool,
    ended_out: *mut noob_words,
) -> noob_result {
    guard("noob_epoch_scheduler_finish", || {
        let ended_out = out_ptr(ended_out, "ended_out")?;
        // SAFETY: caller contract of the handle and the path.
        let (s, e) = unsafe {
            (
                handle_mut(scheduler, "scheduler")?,
                epoch_arg(root, path, depth)?,
            )
        };
        let item = item_arg(item)?;
        let ended = if expire {
            s.core.expire(&e, item, with_signals, unlock_optionals)?
        } else {
            s.core.done(&e, item, with_signals)?
        };
        let view = s.emit_epochs(&ended);
        // SAFETY: checked non-NULL output pointer.
        unsafe { ended_out.write(view) };
        Ok(())
    })
}

/// `update(events)`. `events` holds `events_len` words: per event `flags`
/// (`NOOB_EVENT_NO_EVENT`, `NOOB_EVENT_EXHAUSTED`), the node id, the signal id
/// (`NOOB_NO_ITEM` when the signal is unknown to the process: the event then only
/// finishes its node), then the epoch as `depth, root, node_1, index_1, ...`. Events whose
/// node is not in the graph are dropped, as noob-core does (a name the process never saw
/// cannot be in the graph: leave such events out). `*ended_out` lists the epochs that
/// ended, in order.
///
/// Errors: `NOOB_ERR_ITEM_ALREADY_DONE` (a signal reported twice for an epoch without
/// subepochs), other codes as `noob_epoch_scheduler_finish`, `NOOB_ERR_INVALID_ARGUMENT`
/// (malformed events: nothing happened then), `NOOB_ERR_NULL_POINTER`.
///
/// Thread safety: see `noob_epoch_scheduler`.
///
/// # Safety
/// `scheduler` must be NULL or a live scheduler not used elsewhere during the call; `path`
/// NULL or readable for `2 * depth` words, `events` for `events_len` words; output pointers
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_epoch_scheduler_update(
    scheduler: *mut noob_epoch_scheduler,
    events: *const u32,
    events_len: usize,
    ended_out: *mut noob_words,
) -> noob_result {
    guard("noob_epoch_scheduler_update", || {
        let ended_out = out_ptr(ended_out, "ended_out")?;
        // SAFETY: caller contract of the handle.
        let s = unsafe { handle_mut(scheduler, "scheduler") }?;
        // SAFETY: caller guarantees `events_len` readable words.
        let mut rest = unsafe { words(events, events_len, "events") }?;
        let mut list = Vec::new();
        while !rest.is_empty() {
            if rest.len() < 5 {
                return Err(invalid(format!(
                    "event {} is truncated ({} words left)",
                    list.len(),
                    rest.len()
                )));
            }
            let (flags, node, signal) = (rest[0], rest[1], rest[2]);
            if flags & !(NOOB_EVENT_NO_EVENT | NOOB_EVENT_EXHAUSTED) != 0 {
                return Err(invalid(format!(
                    "event {} has unknown flags {flags}",
                    list.len()
                )));
            }
            let (epoch, used) = Epoch::from_words(&rest[3..])
                .map_err(|e| invalid(format!("event {}: {e}", list.len())))?;
            if intern::kind_of(node).is_none() {
                return Err(invalid(format!(
                    "event {}: node id {node} was never interned",
                    list.len()
                )));
            }
            let signal = match signal {
                NOOB_NO_ITEM => None,
                id => match intern::kind_of(id) {
                    Some((ItemKind::Signal, n)) if n == node => Some(id),
                    _ => {
                        return Err(invalid(format!(
                            "event {}: {id} is not a signal id of node {node}",
                            list.len()
                        )))
                    }
                },
            };
            list.push(UpdateEvent {
                epoch,
                node,
                signal,
                no_event: flags & NOOB_EVENT_NO_EVENT != 0,
                exhausted: flags & NOOB_EVENT_EXHAUSTED != 0,
            });
            rest = &rest[3 + used..];
        }
        let ended = s.core.update(list)?;
        let view = s.emit_epochs(&ended);
        // SAFETY: checked non-NULL output pointer.
        unsafe { ended_out.write(view) };
        Ok(())
    })
}

// ----- graph queries ----------------------------------------------------------------------

/// `noob_epoch_scheduler_list`: `generations()` as batches `count, id...`.
pub const NOOB_LIST_GENERATIONS: u32 = 0;
/// `noob_epoch_scheduler_list`: `source_nodes()` as ids.
pub const NOOB_LIST_SOURCE_NODES: u32 = 1;
/// `noob_epoch_scheduler_list`: the `epoch_log` property as roots, ascending.
pub const NOOB_LIST_EPOCH_LOG: u32 = 2;
/// `noob_epoch_scheduler_list`: the `subepochs` property as groups: an epoch output (the
/// key), `count`, then `count` epoch outputs (its subepochs in registration order).
pub const NOOB_LIST_SUBEPOCHS: u32 = 3;

/// One of the list-valued queries (`NOOB_LIST_*`), encoded as that constant documents,
/// into `*list_out`. Changes no scheduling state.
///
/// Errors: `NOOB_ERR_NULL_POINTER`, `NOOB_ERR_INVALID_ARGUMENT` (unknown list).
///
/// Thread safety: see `noob_epoch_scheduler`.
///
/// # Safety
/// `scheduler` must be NULL or a live scheduler not used elsewhere during the call; `path`
/// NULL or readable for `2 * depth` words, `events` for `events_len` words; output pointers
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_epoch_scheduler_list(
    scheduler: *mut noob_epoch_scheduler,
    list: u32,
    list_out: *mut noob_words,
) -> noob_result {
    guard("noob_epoch_scheduler_list", || {
        let list_out = out_ptr(list_out, "list_out")?;
        // SAFETY: caller contract of the handle.
        let s = unsafe { handle_mut(scheduler, "scheduler") }?;
        let view = match list {
            NOOB_LIST_GENERATIONS => {
                let generations = s.core.generations();
                s.emit(|out| {
                    for batch in &generations {
                        out.push(batch.len() as u32);
                        out.extend_from_slice(batch);
                    }
                })
            }
            NOOB_LIST_SOURCE_NODES => {
                let sources = s.core.source_nodes().to_vec();
                s.emit(|out| out.extend_from_slice(&sources))
            }
            NOOB_LIST_EPOCH_LOG => {
                let log = s.core.epoch_log();
                s.emit(|out| out.extend_from_slice(&log))
            }
            NOOB_LIST_SUBEPOCHS => {
                let subs = s.core.subepochs();
                s.emit(|out| {
                    for (key, list) in &subs {
                        push_epoch(out, key);
                        out.push(list.len() as u32);
                        for e in list {
                            push_epoch(out, e);
                        }
                    }
                })
            }
            other => return Err(invalid(format!("unknown list {other}"))),
        };
        // SAFETY: checked non-NULL output pointer.
        unsafe { list_out.write(view) };
        Ok(())
    })
}

/// `upstream_nodes(node)`: node ids (a set; ascending), into `*nodes_out`.
///
/// Errors: `NOOB_ERR_ITEM_NOT_ADDED` (never interned, or not in this graph),
/// `NOOB_ERR_INVALID_ARGUMENT` (not a node id), `NOOB_ERR_NULL_POINTER`.
///
/// Thread safety: see `noob_epoch_scheduler`.
///
/// # Safety
/// `scheduler` must be NULL or a live scheduler not used elsewhere during the call; `path`
/// NULL or readable for `2 * depth` words, `events` for `events_len` words; output pointers
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_epoch_scheduler_upstream_nodes(
    scheduler: *mut noob_epoch_scheduler,
    node: u32,
    nodes_out: *mut noob_words,
) -> noob_result {
    guard("noob_epoch_scheduler_upstream_nodes", || {
        let nodes_out = out_ptr(nodes_out, "nodes_out")?;
        // SAFETY: caller contract of the handle.
        let s = unsafe { handle_mut(scheduler, "scheduler") }?;
        let node = node_arg(node)?;
        let nodes = s.core.upstream_nodes(node)?;
        let view = s.emit(|out| out.extend_from_slice(&nodes));
        // SAFETY: checked non-NULL output pointer.
        unsafe { nodes_out.write(view) };
        Ok(())
    })
}

/// `get_epoch_state(epoch)` into `*state_out`: six id lists `count, id...` (ready, out,
/// done, disabled, ran, pending), then `npassedout` and `nfinished` (each two words, low
/// then high half of a two's-complement 64-bit value), then `count` info records: item,
/// `nqueue` (32-bit two's complement), successors `count, id...`, predecessors
/// `count, id...`, optional predecessors `count, (signal, slot)...`, optional successors
/// `count, slot...`.
///
/// Errors: `NOOB_ERR_ITEM_NOT_ADDED` (the epoch has no sorter), `NOOB_ERR_NULL_POINTER`,
/// `NOOB_ERR_INVALID_ARGUMENT`.
///
/// Thread safety: see `noob_epoch_scheduler`.
///
/// # Safety
/// `scheduler` must be NULL or a live scheduler not used elsewhere during the call; `path`
/// NULL or readable for `2 * depth` words, `events` for `events_len` words; output pointers
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_epoch_scheduler_epoch_state(
    scheduler: *mut noob_epoch_scheduler,
    root: u32,
    path: *const u32,
    depth: usize,
    state_out: *mut noob_words,
) -> noob_result {
    guard("noob_epoch_scheduler_epoch_state", || {
        let state_out = out_ptr(state_out, "state_out")?;
        // SAFETY: caller contract of the handle and the path.
        let (s, e) = unsafe {
            (
                handle_mut(scheduler, "scheduler")?,
                epoch_arg(root, path, depth)?,
            )
        };
        let st = s.core.epoch_state(&e)?;
        let view = s.emit(|out| {
            for list in [
                &st.ready,
                &st.out,
                &st.done,
                &st.disabled,
                &st.ran,
                &st.pending,
            ] {
                out.push(list.len() as u32);
                out.extend_from_slice(list);
            }
            for v in [st.npassedout, st.nfinished] {
                out.push(v as u64 as u32);
                out.push(((v as u64) >> 32) as u32);
            }
            out.push(st.info.len() as u32);
            for i in &st.info {
                out.push(i.item);
                out.push(i.nqueue as i32 as u32);
                for list in [&i.successors, &i.predecessors] {
                    out.push(list.len() as u32);
                    out.extend_from_slice(list);
                }
                out.push(i.optional_predecessors.len() as u32);
                for &(a, b) in &i.optional_predecessors {
                    out.push(a);
                    out.push(b);
                }
                out.push(i.optional_successors.len() as u32);
                out.extend_from_slice(&i.optional_successors);
            }
        });
        // SAFETY: checked non-NULL output pointer.
        unsafe { state_out.write(view) };
        Ok(())
    })
}
