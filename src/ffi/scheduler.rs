//! C ABI of the scheduler: a graph builder, the immutable shared graph, per-run
//! schedulers, and parallel runs with a C callback.
//!
//! Names cross as pointer + length (UTF-8, not NUL-terminated); lists of names
//! cross as one text with the names separated by NUL bytes (a trailing NUL is
//! allowed), which Python produces with `"\0".join(names).encode()` and splits
//! with `text.split("\0")`. Node ids are `uint32_t`, dense, in the order the names
//! were first added. Lists of ids cross as arrays the caller provides, with the
//! count written to `*count_out`; a too-small array gives
//! `NOOB_ERR_BUFFER_TOO_SMALL` with the size needed in `*count_out` and no other
//! effect. An array of `node_count` entries is always large enough.
//!
//! Typical use: `noob_graph_builder_new`, add names (`_add_nodes`, one call for
//! all) and edges (`_add_edges` with id pairs, or `_add_edges_text` with names,
//! which adds undeclared nodes; by-id edges to unknown ids are refused),
//! `_build` (a cycle is `NOOB_ERR_CYCLE`; `_cycle` gives its ids), then
//! `noob_graph_names` once to map ids to names, and either `noob_graph_run`
//! (parallel, callback per node) or `noob_scheduler_new` and a drive:
//! `noob_scheduler_get_ready` (a batch of ids), `noob_scheduler_mark_done` (one,
//! newly ready ids out) or `noob_scheduler_mark_done_many` (a batch),
//! `noob_scheduler_is_done`, `noob_scheduler_reset` for the next run.

use super::boundary::{
    array, free_handle, guard, handle, handle_mut, null_failure, out_ptr, text, write_optional,
    Failure, OutArray, OutPtr,
};
use super::result::noob_result;
use crate::scheduler::graph::{MAX_NAME_BYTES, MAX_NODES};
use crate::scheduler::parallel::MAX_WORKERS;
use crate::scheduler::{
    run_parallel, Graph, GraphBuilder, GraphError, NodeFailure, NodeId, NodeStatus,
    ParallelOptions, RunError, Scheduler,
};
use std::ffi::{c_char, c_void};
use std::sync::Arc;

/// `noob_graph_run` flag: after the first failure, skip every node not started yet.
pub const NOOB_RUN_STOP_ON_FAILURE: u32 = 1;
/// Status of a node after `noob_graph_run`: its callback returned `NOOB_OK`.
pub const NOOB_NODE_RAN: u8 = 1;
/// Status of a node after `noob_graph_run`: its callback returned another code.
pub const NOOB_NODE_FAILED: u8 = 2;
/// Status of a node after `noob_graph_run`: not called (a dependency failed or was
/// skipped, or the run stopped early).
pub const NOOB_NODE_SKIPPED: u8 = 3;
/// Most worker threads one `noob_graph_run` may use.
pub const NOOB_RUN_MAX_WORKERS: u32 = 1024;

const _: () = {
    assert!(NOOB_NODE_RAN == NodeStatus::Ran as u8);
    assert!(NOOB_NODE_FAILED == NodeStatus::Failed as u8);
    assert!(NOOB_NODE_SKIPPED == NodeStatus::Skipped as u8);
    assert!(NOOB_RUN_MAX_WORKERS as usize == MAX_WORKERS);
};

/// Collects nodes and edges for a graph.
///
/// Thread safety: one owner; never used by two threads at once.
#[allow(non_camel_case_types)]
pub struct noob_graph_builder {
    builder: GraphBuilder,
    /// The cycle found by the last failed build.
    cycle: Vec<NodeId>,
}

/// An immutable, checked dependency graph (a DAG).
///
/// Thread safety: immutable; every function taking a `const noob_graph *` may be
/// called from many threads at once, except `noob_graph_free`, which must be the
/// last call on the handle. Schedulers made from it keep the graph alive on their own.
#[allow(non_camel_case_types)]
pub struct noob_graph {
    graph: Arc<Graph>,
}

/// The state of one run of a graph: which nodes are ready, handed out, done.
///
/// Thread safety: one owner; never used by two threads at once. Different
/// schedulers of one graph may be used on different threads at once.
#[allow(non_camel_case_types)]
pub struct noob_scheduler {
    run: Scheduler,
    /// Kept current by every call that changes the run (see `noob_scheduler_get_view`).
    view: noob_scheduler_view,
}

impl noob_scheduler {
    fn new(run: Scheduler) -> Self {
        let mut scheduler = noob_scheduler {
            run,
            view: noob_scheduler_view {
                queue: std::ptr::null(),
                node_count: 0,
                handed_out_end: 0,
                queued_end: 0,
                done: 0,
            },
        };
        scheduler.refresh();
        scheduler
    }

    fn refresh(&mut self) {
        let counts = self.run.counts();
        let handed_out_end = counts.done + counts.out;
        self.view = noob_scheduler_view {
            queue: self.run.queue_ptr(),
            node_count: counts.nodes,
            handed_out_end,
            queued_end: handed_out_end + counts.ready,
            done: counts.done,
        };
    }
}

/// A live, read-only view of a run, kept current by the library after every call
/// that changes the run (see `noob_scheduler_get_view`).
///
/// `queue` lists every node made ready in this run, in order: `queue[0..handed_out_end]`
/// were handed out, `queue[handed_out_end..queued_end]` are ready and not handed out yet.
/// The nodes a mark-done call made ready are the entries between `queued_end` before and
/// after the call. The run is complete when `done == node_count`.
#[allow(non_camel_case_types)]
#[repr(C)]
pub struct noob_scheduler_view {
    /// `node_count` slots; entries at and beyond `queued_end` are meaningless.
    pub queue: *const u32,
    pub node_count: usize,
    pub handed_out_end: usize,
    pub queued_end: usize,
    pub done: usize,
}

/// Sizes of a graph.
#[allow(non_camel_case_types)]
#[repr(C)]
pub struct noob_graph_info {
    pub node_count: usize,
    /// Distinct edges.
    pub edge_count: usize,
    /// Edges given to the builder that repeated an earlier one (kept once).
    pub repeated_edges: usize,
    /// Generations: 0 for the empty graph, else the node count of the longest path.
    pub generation_count: usize,
    /// Heap bytes the graph holds (names, index, adjacency, order).
    pub heap_bytes: usize,
}

/// Counters of a run.
#[allow(non_camel_case_types)]
#[repr(C)]
pub struct noob_scheduler_counts {
    pub node_count: usize,
    /// Ready and not handed out yet.
    pub ready: usize,
    /// Handed out and not marked done yet.
    pub handed_out: usize,
    pub done: usize,
}

/// The outcome of `noob_graph_run`.
#[allow(non_camel_case_types)]
#[repr(C)]
pub struct noob_run_summary {
    pub ran: usize,
    pub failed: usize,
    pub skipped: usize,
    /// Workers the run had, the calling thread included (the calling thread plus the
    /// pool threads handed the run; fewer than asked only if a thread failed to start).
    pub workers: u32,
    /// The failed node with the smallest id, or `UINT32_MAX` if none failed.
    pub first_failed_node: u32,
    /// The code its callback returned (0 if none failed).
    pub first_failed_code: u32,
}

/// Called once per node by `noob_graph_run`; returns `NOOB_OK` (0) on success, any
/// other value on failure (the value is reported, not interpreted).
#[allow(non_camel_case_types)]
pub type noob_node_callback =
    Option<unsafe extern "C" fn(user_data: *mut c_void, node: u32) -> u32>;

impl From<GraphError> for Failure {
    fn from(error: GraphError) -> Self {
        let code = match error {
            GraphError::InvalidName(_) => noob_result::NOOB_ERR_INVALID_ARGUMENT,
            GraphError::UnknownNode(_) => noob_result::NOOB_ERR_UNKNOWN_NODE,
            GraphError::Cycle { .. } => noob_result::NOOB_ERR_CYCLE,
            GraphError::TooLarge(_) => noob_result::NOOB_ERR_LIMIT_EXCEEDED,
            GraphError::OutOfMemory(_) => noob_result::NOOB_ERR_OUT_OF_MEMORY,
        };
        Failure::new(code, error.to_string())
    }
}

/// A run error, with node names where the graph has them.
fn run_failure(graph: &Graph, error: RunError) -> Failure {
    let code = match error {
        RunError::UnknownNode(_) => noob_result::NOOB_ERR_UNKNOWN_NODE,
        RunError::AlreadyDone(_) => noob_result::NOOB_ERR_ALREADY_DONE,
        RunError::NotHandedOut { .. } => noob_result::NOOB_ERR_NOT_HANDED_OUT,
        RunError::TooManyNewlyReady { .. } => noob_result::NOOB_ERR_BUFFER_TOO_SMALL,
    };
    let mut message = error.to_string();
    if let RunError::AlreadyDone(node) | RunError::NotHandedOut { node, .. } = error {
        if let Some(name) = graph.node_name(node) {
            message = message.replacen(
                &format!("node {node}"),
                &format!("node {node} ({name:?})"),
                1,
            );
        }
    }
    Failure::new(code, message)
}

fn too_small(count_out: *mut usize, needed: usize, cap: usize, what: &str) -> Failure {
    // SAFETY: NULL or promised writable.
    unsafe { write_optional(count_out, needed) };
    Failure::new(
        noob_result::NOOB_ERR_BUFFER_TOO_SMALL,
        format!("{what}: {needed} ids to write, room for {cap}"),
    )
}

/// Splits a NUL-separated list of names; an empty text is no names.
fn split_names(list: &str) -> impl Iterator<Item = &str> {
    let body = list.strip_suffix('\0').unwrap_or(list);
    let empty = list.is_empty();
    // A byte loop: names are short, and a memchr call per name costs more.
    body.as_bytes()
        .split(|&byte| byte == 0)
        .filter(move |_| !empty)
        .map(|name| {
            // SAFETY: `list` is UTF-8 and NUL is a one-byte character, so every piece
            // between NULs is UTF-8 too.
            unsafe { std::str::from_utf8_unchecked(name) }
        })
}

/// Writes a borrowed view of ids.
///
/// # Safety
/// Both out pointers must be checked non-NULL and writable.
unsafe fn write_view(ids_out: OutPtr<*const u32>, count_out: OutPtr<usize>, view: &[u32]) {
    // SAFETY: forwarded.
    unsafe {
        ids_out.write(view.as_ptr());
        count_out.write(view.len());
    }
}

// ---------------------------------------------------------------------------
// Builder
// ---------------------------------------------------------------------------

/// Creates an empty graph builder. On success `*builder_out` owns it: free it
/// exactly once with `noob_graph_builder_free` (also after a successful build).
///
/// Errors: `NOOB_ERR_NULL_POINTER`.
///
/// # Safety
/// `builder_out` must be NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_graph_builder_new(
    builder_out: *mut *mut noob_graph_builder,
) -> noob_result {
    guard("noob_graph_builder_new", || {
        let out = out_ptr(builder_out, "builder_out")?;
        let builder = Box::new(noob_graph_builder {
            builder: GraphBuilder::new(),
            cycle: Vec::new(),
        });
        // SAFETY: checked non-NULL; promised writable.
        unsafe { out.write(Box::into_raw(builder)) };
        Ok(())
    })
}

/// Reserves room for `nodes` more nodes and `edges` more edges (an optimisation only).
///
/// Errors: `NOOB_ERR_NULL_POINTER`, `NOOB_ERR_LIMIT_EXCEEDED` (more than a graph
/// can hold), `NOOB_ERR_OUT_OF_MEMORY` (the builder's content is unchanged).
///
/// # Safety
/// `builder` must be NULL or a live builder.
#[no_mangle]
pub unsafe extern "C" fn noob_graph_builder_reserve(
    builder: *mut noob_graph_builder,
    nodes: usize,
    edges: usize,
) -> noob_result {
    guard("noob_graph_builder_reserve", || {
        // SAFETY: the caller promised a live builder or NULL.
        let b = unsafe { handle_mut(builder, "builder") }?;
        b.builder.reserve(nodes, edges)?;
        Ok(())
    })
}

/// Adds a node named by `name_len` bytes at `name` (UTF-8, non-empty, no NUL byte)
/// and writes its id to `*id_out` (may be NULL). A name added before gives its
/// existing id and adds nothing.
///
/// Errors: `NOOB_ERR_NULL_POINTER` (`builder`, or `name` with a non-zero length),
/// `NOOB_ERR_INVALID_UTF8`, `NOOB_ERR_INVALID_ARGUMENT` (empty, or contains NUL),
/// `NOOB_ERR_LIMIT_EXCEEDED`.
///
/// # Safety
/// `builder` must be NULL or a live builder; `name` NULL or `name_len` readable
/// bytes; `id_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_graph_builder_add_node(
    builder: *mut noob_graph_builder,
    name: *const c_char,
    name_len: usize,
    id_out: *mut u32,
) -> noob_result {
    guard("noob_graph_builder_add_node", || {
        // SAFETY: the caller promised a live builder or NULL.
        let b = unsafe { handle_mut(builder, "builder") }?;
        // SAFETY: the caller promised `name_len` readable bytes.
        let name = unsafe { text(name, name_len, "name") }?;
        let id = b.builder.add_node(name)?;
        // SAFETY: NULL or promised writable.
        unsafe { write_optional(id_out, id) };
        Ok(())
    })
}

/// Adds many nodes in one call: `names_len` bytes at `names` hold the names
/// separated by NUL bytes (`"a\0b\0c"`; one trailing NUL allowed; an empty text
/// is no names). Writes each name's id, in order, to `ids_out` (which may be NULL
/// with `ids_cap` 0 if the ids are not wanted) and the number of names to
/// `*count_out` (may be NULL). Every name is checked before any is added, so a
/// refused call adds nothing.
///
/// Errors: `NOOB_ERR_NULL_POINTER`, `NOOB_ERR_INVALID_UTF8`,
/// `NOOB_ERR_INVALID_ARGUMENT` (an empty name), `NOOB_ERR_LIMIT_EXCEEDED`,
/// `NOOB_ERR_BUFFER_TOO_SMALL` (`ids_out` given with fewer than the number of names
/// entries; that number is written to `*count_out`).
///
/// # Safety
/// `builder` NULL or live; `names` NULL or `names_len` readable bytes; `ids_out` NULL
/// or `ids_cap` writable ids; `count_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_graph_builder_add_nodes(
    builder: *mut noob_graph_builder,
    names: *const c_char,
    names_len: usize,
    ids_out: *mut u32,
    ids_cap: usize,
    count_out: *mut usize,
) -> noob_result {
    guard("noob_graph_builder_add_nodes", || {
        // SAFETY: the caller promised a live builder or NULL.
        let b = unsafe { handle_mut(builder, "builder") }?;
        // SAFETY: the caller promised `names_len` readable bytes.
        let list = unsafe { text(names, names_len, "names") }?;
        let out = OutArray::new(ids_out, ids_cap, "ids_out")?;
        let mut count = 0usize;
        for name in split_names(list) {
            if name.is_empty() {
                return Err(Failure::new(
                    noob_result::NOOB_ERR_INVALID_ARGUMENT,
                    format!("name {count} of the list is empty"),
                ));
            }
            count += 1;
        }
        if !ids_out.is_null() && count > ids_cap {
            return Err(too_small(count_out, count, ids_cap, "ids_out"));
        }
        if b.builder.node_count() + count > MAX_NODES || list.len() > MAX_NAME_BYTES {
            return Err(Failure::new(
                noob_result::NOOB_ERR_LIMIT_EXCEEDED,
                "too many nodes or name bytes",
            ));
        }
        b.builder.reserve(count, 0)?;
        b.builder.reserve_name_bytes(list.len() + 1)?;
        for (i, name) in split_names(list).enumerate() {
            let id = b.builder.add_node(name)?;
            if !ids_out.is_null() {
                // SAFETY: i < count <= ids_cap, and ids_out is writable for ids_cap.
                unsafe { out.set(i, id) };
            }
        }
        // SAFETY: NULL or promised writable.
        unsafe { write_optional(count_out, count) };
        Ok(())
    })
}

/// Adds the edge `from -> to` between existing nodes: `to` depends on `from`. A
/// repeated edge is kept once; a self-loop is accepted here and refused by
/// `noob_graph_builder_build` as a cycle.
///
/// Errors: `NOOB_ERR_NULL_POINTER`, `NOOB_ERR_UNKNOWN_NODE`, `NOOB_ERR_LIMIT_EXCEEDED`.
///
/// # Safety
/// `builder` must be NULL or a live builder.
#[no_mangle]
pub unsafe extern "C" fn noob_graph_builder_add_edge(
    builder: *mut noob_graph_builder,
    from: u32,
    to: u32,
) -> noob_result {
    guard("noob_graph_builder_add_edge", || {
        // SAFETY: the caller promised a live builder or NULL.
        let b = unsafe { handle_mut(builder, "builder") }?;
        b.builder.add_edge(from, to)?;
        Ok(())
    })
}

/// Adds `pair_count` edges between existing nodes: `pairs[2*i]` -> `pairs[2*i+1]`.
/// Every id is checked first, so a refused call adds nothing.
///
/// Errors: `NOOB_ERR_NULL_POINTER` (`pairs` NULL with a non-zero count),
/// `NOOB_ERR_UNKNOWN_NODE`, `NOOB_ERR_LIMIT_EXCEEDED`, `NOOB_ERR_INVALID_ARGUMENT`
/// (a count no array can have).
///
/// # Safety
/// `builder` NULL or live; `pairs` NULL or `2 * pair_count` readable ids.
#[no_mangle]
pub unsafe extern "C" fn noob_graph_builder_add_edges(
    builder: *mut noob_graph_builder,
    pairs: *const u32,
    pair_count: usize,
) -> noob_result {
    guard("noob_graph_builder_add_edges", || {
        // SAFETY: the caller promised a live builder or NULL.
        let b = unsafe { handle_mut(builder, "builder") }?;
        let len = pair_count.checked_mul(2).ok_or_else(|| {
            Failure::new(
                noob_result::NOOB_ERR_INVALID_ARGUMENT,
                "`pair_count` is too large",
            )
        })?;
        // SAFETY: the caller promised 2 * pair_count readable ids.
        let pairs = unsafe { array(pairs, len, "pairs") }?;
        let nodes = b.builder.node_count();
        if let Some(&bad) = pairs.iter().find(|&&id| id as usize >= nodes) {
            return Err(GraphError::UnknownNode(u64::from(bad)).into());
        }
        if b.builder.edge_count() + pair_count > u32::MAX as usize {
            return Err(GraphError::TooLarge("edges").into());
        }
        b.builder.reserve(0, pair_count)?;
        for pair in pairs.chunks_exact(2) {
            b.builder.add_edge(pair[0], pair[1])?;
        }
        Ok(())
    })
}

/// Adds the edge `from -> to` by name, adding either node if it is new (`from`
/// first). Both names are checked before anything is added.
///
/// Errors: `NOOB_ERR_NULL_POINTER`, `NOOB_ERR_INVALID_UTF8`,
/// `NOOB_ERR_INVALID_ARGUMENT` (an empty name, or one with a NUL byte),
/// `NOOB_ERR_LIMIT_EXCEEDED`.
///
/// # Safety
/// `builder` NULL or live; each name NULL or its length in readable bytes.
#[no_mangle]
pub unsafe extern "C" fn noob_graph_builder_add_edge_names(
    builder: *mut noob_graph_builder,
    from: *const c_char,
    from_len: usize,
    to: *const c_char,
    to_len: usize,
) -> noob_result {
    guard("noob_graph_builder_add_edge_names", || {
        // SAFETY: the caller promised a live builder or NULL.
        let b = unsafe { handle_mut(builder, "builder") }?;
        // SAFETY: the caller promised readable bytes for both names.
        let (from, to) = unsafe { (text(from, from_len, "from")?, text(to, to_len, "to")?) };
        b.builder.add_edge_by_name(from, to)?;
        Ok(())
    })
}

/// Adds many edges by name in one call: `names_len` bytes at `names` hold
/// NUL-separated names taken in pairs, `from` then `to` (`"a\0b\0a\0c"` adds
/// a -> b and a -> c). New names become nodes in order of first mention. Every
/// name is checked first, so a refused call adds nothing.
///
/// Errors: `NOOB_ERR_NULL_POINTER`, `NOOB_ERR_INVALID_UTF8`,
/// `NOOB_ERR_INVALID_ARGUMENT` (an empty name, or an odd number of names),
/// `NOOB_ERR_LIMIT_EXCEEDED`.
///
/// # Safety
/// `builder` NULL or live; `names` NULL or `names_len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn noob_graph_builder_add_edges_text(
    builder: *mut noob_graph_builder,
    names: *const c_char,
    names_len: usize,
) -> noob_result {
    guard("noob_graph_builder_add_edges_text", || {
        // SAFETY: the caller promised a live builder or NULL.
        let b = unsafe { handle_mut(builder, "builder") }?;
        // SAFETY: the caller promised `names_len` readable bytes.
        let list = unsafe { text(names, names_len, "names") }?;
        let mut count = 0usize;
        for name in split_names(list) {
            if name.is_empty() {
                return Err(Failure::new(
                    noob_result::NOOB_ERR_INVALID_ARGUMENT,
                    format!("name {count} of the list is empty"),
                ));
            }
            count += 1;
        }
        if count % 2 != 0 {
            return Err(Failure::new(
                noob_result::NOOB_ERR_INVALID_ARGUMENT,
                format!("{count} names do not form (from, to) pairs"),
            ));
        }
        if b.builder.node_count() + count > MAX_NODES
            || list.len() > MAX_NAME_BYTES
            || b.builder.edge_count() + count / 2 > u32::MAX as usize
        {
            return Err(Failure::new(
                noob_result::NOOB_ERR_LIMIT_EXCEEDED,
                "too many nodes, edges or name bytes",
            ));
        }
        b.builder.reserve(0, count / 2)?;
        let mut list = split_names(list);
        while let (Some(from), Some(to)) = (list.next(), list.next()) {
            b.builder.add_edge_by_name(from, to)?;
        }
        Ok(())
    })
}

/// Adds a whole `{node: [dependencies]}` mapping in one call. `names_len` bytes at
/// `names` hold NUL-separated names, group after group: a node, then its
/// `dep_counts[i]` dependencies, for `i` in `0..group_count` (Python:
/// `"\0".join(chain.from_iterable((n, *ds) for n, ds in deps.items()))` and
/// `array("I", map(len, deps.values()))`). Each node is added before its
/// dependencies; a dependency never declared is added as a node (a source, unless it
/// has a group of its own later); an edge `dependency -> node` is added for each.
/// Everything is checked first, so a refused call adds nothing.
///
/// Errors: `NOOB_ERR_NULL_POINTER` (`builder`; `names` or `dep_counts` NULL with a
/// non-zero length), `NOOB_ERR_INVALID_UTF8`, `NOOB_ERR_INVALID_ARGUMENT` (an empty
/// name, or a name count other than `group_count` plus the sum of `dep_counts`),
/// `NOOB_ERR_LIMIT_EXCEEDED`.
///
/// # Safety
/// `builder` NULL or live; `names` NULL or `names_len` readable bytes; `dep_counts`
/// NULL or `group_count` readable counts.
#[no_mangle]
pub unsafe extern "C" fn noob_graph_builder_add_dependencies(
    builder: *mut noob_graph_builder,
    names: *const c_char,
    names_len: usize,
    dep_counts: *const u32,
    group_count: usize,
) -> noob_result {
    guard("noob_graph_builder_add_dependencies", || {
        // SAFETY: the caller promised a live builder or NULL.
        let b = unsafe { handle_mut(builder, "builder") }?;
        // SAFETY: the caller promised `names_len` readable bytes.
        let list = unsafe { text(names, names_len, "names") }?;
        // SAFETY: the caller promised `group_count` readable counts.
        let counts = unsafe { array(dep_counts, group_count, "dep_counts") }?;
        let mut count = 0usize;
        for name in split_names(list) {
            if name.is_empty() {
                return Err(Failure::new(
                    noob_result::NOOB_ERR_INVALID_ARGUMENT,
                    format!("name {count} of the list is empty"),
                ));
            }
            count += 1;
        }
        let edges: usize = counts.iter().map(|&c| c as usize).sum();
        if count != group_count + edges {
            return Err(Failure::new(
                noob_result::NOOB_ERR_INVALID_ARGUMENT,
                format!(
                    "{count} names, but {group_count} nodes with {edges} dependencies need {}",
                    group_count + edges
                ),
            ));
        }
        if b.builder.node_count() + count > MAX_NODES
            || list.len() > MAX_NAME_BYTES
            || b.builder.edge_count() + edges > u32::MAX as usize
        {
            return Err(Failure::new(
                noob_result::NOOB_ERR_LIMIT_EXCEEDED,
                "too many nodes, edges or name bytes",
            ));
        }
        b.builder.reserve(group_count, edges)?;
        b.builder.reserve_name_bytes(list.len() + 1)?;
        let mut list = split_names(list);
        for &deps in counts {
            let node = b.builder.add_node(list.next().unwrap_or_default())?;
            for _ in 0..deps {
                let dep = b.builder.add_node(list.next().unwrap_or_default())?;
                b.builder.add_edge(dep, node)?;
            }
        }
        Ok(())
    })
}

/// Writes the number of nodes added so far to `*count_out`.
///
/// Errors: `NOOB_ERR_NULL_POINTER`.
///
/// # Safety
/// `builder` NULL or live; `count_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_graph_builder_node_count(
    builder: *const noob_graph_builder,
    count_out: *mut usize,
) -> noob_result {
    guard("noob_graph_builder_node_count", || {
        // SAFETY: the caller promised a live builder or NULL.
        let b = unsafe { handle(builder, "builder") }?;
        let out = out_ptr(count_out, "count_out")?;
        // SAFETY: checked non-NULL; promised writable.
        unsafe { out.write(b.builder.node_count()) };
        Ok(())
    })
}

/// Checks the graph and freezes it into `*graph_out`, which the caller then owns
/// (free it with `noob_graph_free`). On success the builder is left empty (its
/// content moved into the graph); it must still be freed. Linear in nodes + edges.
///
/// Errors: `NOOB_ERR_NULL_POINTER`, `NOOB_ERR_CYCLE` (the detail message names the
/// nodes of one cycle; `noob_graph_builder_cycle` gives their ids; the builder is
/// unchanged).
///
/// # Safety
/// `builder` NULL or live; `graph_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_graph_builder_build(
    builder: *mut noob_graph_builder,
    graph_out: *mut *mut noob_graph,
) -> noob_result {
    guard("noob_graph_builder_build", || {
        // SAFETY: the caller promised a live builder or NULL.
        let b = unsafe { handle_mut(builder, "builder") }?;
        let out = out_ptr(graph_out, "graph_out")?;
        match b.builder.build() {
            Ok(graph) => {
                b.cycle.clear();
                let graph = Box::new(noob_graph {
                    graph: Arc::new(graph),
                });
                // SAFETY: checked non-NULL; promised writable.
                unsafe { out.write(Box::into_raw(graph)) };
                Ok(())
            }
            Err(error) => {
                if let GraphError::Cycle { nodes, .. } = &error {
                    b.cycle.clone_from(nodes);
                }
                Err(error.into())
            }
        }
    })
}

/// The cycle found by the builder's last failed `noob_graph_builder_build`, as a
/// borrowed view of `*count_out` ids (0 if the last build found none): each node
/// depends on the one before it, the first on the last; it starts at the smallest
/// id. The view is valid until the next call that changes the builder or frees it.
///
/// Errors: `NOOB_ERR_NULL_POINTER`.
///
/// # Safety
/// `builder` NULL or live; `ids_out` and `count_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_graph_builder_cycle(
    builder: *const noob_graph_builder,
    ids_out: *mut *const u32,
    count_out: *mut usize,
) -> noob_result {
    guard("noob_graph_builder_cycle", || {
        // SAFETY: the caller promised a live builder or NULL.
        let b = unsafe { handle(builder, "builder") }?;
        let ids_out = out_ptr(ids_out, "ids_out")?;
        let count_out = out_ptr(count_out, "count_out")?;
        // SAFETY: both checked non-NULL; promised writable.
        unsafe { write_view(ids_out, count_out, &b.cycle) };
        Ok(())
    })
}

/// Frees a builder. NULL is accepted and does nothing. Call it exactly once.
///
/// # Safety
/// `builder` must be NULL or a builder from `noob_graph_builder_new` not freed before.
#[no_mangle]
pub unsafe extern "C" fn noob_graph_builder_free(builder: *mut noob_graph_builder) {
    // SAFETY: the caller passes ownership of a builder made by `_new`.
    unsafe { free_handle("noob_graph_builder_free", builder) };
}

// ---------------------------------------------------------------------------
// Graph
// ---------------------------------------------------------------------------

/// Frees a graph handle. NULL is accepted and does nothing. Call it exactly once,
/// after every other call on this handle has returned. Schedulers made from the
/// graph stay usable (they share it); borrowed views from this handle end here.
///
/// # Safety
/// `graph` must be NULL or a graph from `noob_graph_builder_build` not freed before.
#[no_mangle]
pub unsafe extern "C" fn noob_graph_free(graph: *mut noob_graph) {
    // SAFETY: the caller passes ownership of a graph made by `_build`.
    unsafe { free_handle("noob_graph_free", graph) };
}

/// Writes the graph's sizes to `*info_out`.
///
/// Errors: `NOOB_ERR_NULL_POINTER`.
///
/// # Safety
/// `graph` NULL or live; `info_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_graph_get_info(
    graph: *const noob_graph,
    info_out: *mut noob_graph_info,
) -> noob_result {
    guard("noob_graph_get_info", || {
        // SAFETY: the caller promised a live graph or NULL.
        let g = &unsafe { handle(graph, "graph") }?.graph;
        let out = out_ptr(info_out, "info_out")?;
        // SAFETY: checked non-NULL; promised writable.
        unsafe {
            out.write(noob_graph_info {
                node_count: g.node_count(),
                edge_count: g.edge_count(),
                repeated_edges: g.repeated_edges(),
                generation_count: g.generation_count(),
                heap_bytes: g.heap_bytes(),
            })
        };
        Ok(())
    })
}

/// Looks a node up by name and writes its id to `*id_out`.
///
/// Errors: `NOOB_ERR_NULL_POINTER`, `NOOB_ERR_INVALID_UTF8`, `NOOB_ERR_UNKNOWN_NODE`.
///
/// # Safety
/// `graph` NULL or live; `name` NULL or `name_len` readable bytes; `id_out` NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn noob_graph_node_id(
    graph: *const noob_graph,
    name: *const c_char,
    name_len: usize,
    id_out: *mut u32,
) -> noob_result {
    guard("noob_graph_node_id", || {
        // SAFETY: the caller promised a live graph or NULL.
        let g = &unsafe { handle(graph, "graph") }?.graph;
        // SAFETY: the caller promised `name_len` readable bytes.
        let name = unsafe { text(name, name_len, "name") }?;
        let out = out_ptr(id_out, "id_out")?;
        let id = g.node_id(name).ok_or_else(|| {
            Failure::new(
                noob_result::NOOB_ERR_UNKNOWN_NODE,
                format!("no node is named {name:?}"),
            )
        })?;
        // SAFETY: checked non-NULL; promised writable.
        unsafe { out.write(id) };
        Ok(())
    })
}

/// A borrowed view of node `id`'s name: `*len_out` bytes of UTF-8 at `*name_out`,
/// followed by a NUL (so it is also a C string). Valid until `noob_graph_free`.
///
/// Errors: `NOOB_ERR_NULL_POINTER`, `NOOB_ERR_UNKNOWN_NODE`.
///
/// # Safety
/// `graph` NULL or live; `name_out`, `len_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_graph_node_name(
    graph: *const noob_graph,
    id: u32,
    name_out: *mut *const c_char,
    len_out: *mut usize,
) -> noob_result {
    guard("noob_graph_node_name", || {
        // SAFETY: the caller promised a live graph or NULL.
        let g = &unsafe { handle(graph, "graph") }?.graph;
        let name_out = out_ptr(name_out, "name_out")?;
        let len_out = out_ptr(len_out, "len_out")?;
        let name = g
            .node_name(id)
            .ok_or_else(|| Failure::from(GraphError::UnknownNode(u64::from(id))))?;
        // SAFETY: both checked non-NULL; promised writable.
        unsafe {
            name_out.write(name.as_ptr().cast());
            len_out.write(name.len());
        }
        Ok(())
    })
}

/// A borrowed view of every name in id order, each followed by a NUL byte
/// (`"a\0b\0"`): `*len_out` bytes at `*text_out`. In Python:
/// `ffi.unpack(text, n).decode().split("\0")[:-1]`. Valid until `noob_graph_free`.
///
/// Errors: `NOOB_ERR_NULL_POINTER`.
///
/// # Safety
/// `graph` NULL or live; `text_out`, `len_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_graph_names(
    graph: *const noob_graph,
    text_out: *mut *const c_char,
    len_out: *mut usize,
) -> noob_result {
    guard("noob_graph_names", || {
        // SAFETY: the caller promised a live graph or NULL.
        let g = &unsafe { handle(graph, "graph") }?.graph;
        let text_out = out_ptr(text_out, "text_out")?;
        let len_out = out_ptr(len_out, "len_out")?;
        let names = g.names_text();
        // SAFETY: both checked non-NULL; promised writable.
        unsafe {
            text_out.write(names.as_ptr().cast());
            len_out.write(names.len());
        }
        Ok(())
    })
}

/// A borrowed view of the nodes that depend directly on `id` (increasing id order).
/// Valid until `noob_graph_free`.
///
/// Errors: `NOOB_ERR_NULL_POINTER`, `NOOB_ERR_UNKNOWN_NODE`.
///
/// # Safety
/// `graph` NULL or live; `ids_out`, `count_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_graph_successors(
    graph: *const noob_graph,
    id: u32,
    ids_out: *mut *const u32,
    count_out: *mut usize,
) -> noob_result {
    // SAFETY: forwarded contract.
    unsafe {
        neighbour_view(
            "noob_graph_successors",
            graph,
            id,
            ids_out,
            count_out,
            Graph::successors,
        )
    }
}

/// A borrowed view of the nodes `id` depends on directly (in the order their edges
/// were added). Valid until `noob_graph_free`.
///
/// Errors: `NOOB_ERR_NULL_POINTER`, `NOOB_ERR_UNKNOWN_NODE`.
///
/// # Safety
/// `graph` NULL or live; `ids_out`, `count_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_graph_predecessors(
    graph: *const noob_graph,
    id: u32,
    ids_out: *mut *const u32,
    count_out: *mut usize,
) -> noob_result {
    // SAFETY: forwarded contract.
    unsafe {
        neighbour_view(
            "noob_graph_predecessors",
            graph,
            id,
            ids_out,
            count_out,
            Graph::predecessors,
        )
    }
}

/// The shared body of `noob_graph_successors` and `noob_graph_predecessors`.
///
/// # Safety
/// As for those two exports.
unsafe fn neighbour_view(
    function: &'static str,
    graph: *const noob_graph,
    id: u32,
    ids_out: *mut *const u32,
    count_out: *mut usize,
    neighbours: fn(&Graph, u32) -> &[u32],
) -> noob_result {
    guard(function, || {
        // SAFETY: the caller promised a live graph or NULL.
        let g = &unsafe { handle(graph, "graph") }?.graph;
        let ids_out = out_ptr(ids_out, "ids_out")?;
        let count_out = out_ptr(count_out, "count_out")?;
        if !g.contains(id) {
            return Err(GraphError::UnknownNode(u64::from(id)).into());
        }
        // SAFETY: both checked non-NULL; promised writable.
        unsafe { write_view(ids_out, count_out, neighbours(g, id)) };
        Ok(())
    })
}

/// A borrowed view of every node in a topological order: generation by generation;
/// generation 0 is the sources in id order, and each later one is in the order a
/// scheduler makes its nodes ready when driven a generation at a time. Valid until
/// `noob_graph_free`.
///
/// Errors: `NOOB_ERR_NULL_POINTER`.
///
/// # Safety
/// `graph` NULL or live; `ids_out`, `count_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_graph_topological_order(
    graph: *const noob_graph,
    ids_out: *mut *const u32,
    count_out: *mut usize,
) -> noob_result {
    guard("noob_graph_topological_order", || {
        // SAFETY: the caller promised a live graph or NULL.
        let g = &unsafe { handle(graph, "graph") }?.graph;
        let ids_out = out_ptr(ids_out, "ids_out")?;
        let count_out = out_ptr(count_out, "count_out")?;
        // SAFETY: both checked non-NULL; promised writable.
        unsafe { write_view(ids_out, count_out, g.topological_order()) };
        Ok(())
    })
}

/// The generations as a borrowed view of `*generation_count_out + 1` offsets into
/// `noob_graph_topological_order`: generation `g` is `order[starts[g]..starts[g+1]]`
/// (the nodes whose longest path from a source has `g` edges). Valid until
/// `noob_graph_free`.
///
/// Errors: `NOOB_ERR_NULL_POINTER`.
///
/// # Safety
/// `graph` NULL or live; `starts_out`, `generation_count_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_graph_generations(
    graph: *const noob_graph,
    starts_out: *mut *const u32,
    generation_count_out: *mut usize,
) -> noob_result {
    guard("noob_graph_generations", || {
        // SAFETY: the caller promised a live graph or NULL.
        let g = &unsafe { handle(graph, "graph") }?.graph;
        let starts_out = out_ptr(starts_out, "starts_out")?;
        let count_out = out_ptr(generation_count_out, "generation_count_out")?;
        // SAFETY: both checked non-NULL; promised writable.
        unsafe {
            starts_out.write(g.generation_starts().as_ptr());
            count_out.write(g.generation_count());
        }
        Ok(())
    })
}

struct UserData(*mut c_void);
// SAFETY: the caller of `noob_graph_run` promises the callback may be called with this
// pointer from several threads at once (documented on the function).
unsafe impl Sync for UserData {}

/// Runs `callback(user_data, node)` once for every node of the graph on `workers`
/// threads (0: one per CPU; the calling thread is one of them), each node as soon as
/// all its predecessors' callbacks have returned `NOOB_OK`. A callback that returns
/// another value fails its node: every node depending on it, directly or not, is
/// skipped (not called); the others still run, unless `flags` has
/// `NOOB_RUN_STOP_ON_FAILURE`, which skips every node not started yet.
///
/// Outputs: if `status_out` is not NULL it receives one `NOOB_NODE_*` byte per node
/// id (`status_cap` must be at least the node count); `*summary_out` (may be NULL)
/// the counts and the first failure. Both are written when the call returns `NOOB_OK`
/// (every node ran) and when it returns `NOOB_ERR_CALLBACK_FAILED` (some failed; the
/// detail message names the first).
///
/// Callback rules: it is called from the calling thread and from the library's worker
/// threads (a pool started by the first run with 2 or more workers, reused by later
/// runs, each thread ending after 2 s without a run), and every call has returned
/// before `noob_graph_run` returns; up to `workers` calls run at once, with the same
/// `user_data`, so it must be safe for that; each node is called at most once, and a
/// node's call starts after its predecessors' calls returned and sees their memory
/// effects. It may call any function of this library (read-only graph calls on this
/// graph, other schedulers, even a nested run), but must not unwind or longjmp out.
/// Freeing this graph handle from a callback does not end the run (it keeps the graph
/// alive), but is a mistake for every other use of the handle.
///
/// Errors: `NOOB_ERR_NULL_POINTER` (`graph`, `callback`), `NOOB_ERR_INVALID_ARGUMENT`
/// (unknown flag bits, more than `NOOB_RUN_MAX_WORKERS` workers),
/// `NOOB_ERR_BUFFER_TOO_SMALL` (`status_cap` below the node count; the run does not
/// start), `NOOB_ERR_CALLBACK_FAILED`.
///
/// # Safety
/// `graph` NULL or live; `status_out` NULL or `status_cap` writable bytes;
/// `summary_out` NULL or writable; `callback` safe to call as described.
#[no_mangle]
pub unsafe extern "C" fn noob_graph_run(
    graph: *const noob_graph,
    workers: u32,
    flags: u32,
    callback: noob_node_callback,
    user_data: *mut c_void,
    status_out: *mut u8,
    status_cap: usize,
    summary_out: *mut noob_run_summary,
) -> noob_result {
    guard("noob_graph_run", || {
        // SAFETY: the caller promised a live graph or NULL.
        let g = Arc::clone(&unsafe { handle(graph, "graph") }?.graph);
        let callback = callback.ok_or_else(|| null_failure("callback"))?;
        if flags & !NOOB_RUN_STOP_ON_FAILURE != 0 {
            return Err(Failure::new(
                noob_result::NOOB_ERR_INVALID_ARGUMENT,
                format!("unknown flag bits {:#x}", flags & !NOOB_RUN_STOP_ON_FAILURE),
            ));
        }
        if workers > NOOB_RUN_MAX_WORKERS {
            return Err(Failure::new(
                noob_result::NOOB_ERR_INVALID_ARGUMENT,
                format!("{workers} workers; at most {NOOB_RUN_MAX_WORKERS}"),
            ));
        }
        let n = g.node_count();
        if !status_out.is_null() && status_cap < n {
            return Err(Failure::new(
                noob_result::NOOB_ERR_BUFFER_TOO_SMALL,
                format!("status_out: {n} nodes, room for {status_cap}"),
            ));
        }
        let options = ParallelOptions {
            workers: workers as usize,
            stop_on_failure: flags & NOOB_RUN_STOP_ON_FAILURE != 0,
        };
        let data = UserData(user_data);
        let data = &data;
        let report = run_parallel(&g, &options, move |node| {
            // SAFETY: the caller promised the callback and user data are safe to use
            // like this (see the doc above).
            match unsafe { callback(data.0, node) } {
                0 => Ok(()),
                code => Err(code),
            }
        });
        let first = report.failures.first();
        let (first_node, first_code) = match first {
            Some((node, NodeFailure::Error(code))) => (*node, *code),
            Some((node, NodeFailure::Panic(_))) => (*node, noob_result::NOOB_ERR_PANIC as u32),
            None => (u32::MAX, 0),
        };
        if !status_out.is_null() {
            // SAFETY: status_out is writable for status_cap >= n bytes.
            let out = unsafe { std::slice::from_raw_parts_mut(status_out, n) };
            for (slot, status) in out.iter_mut().zip(&report.status) {
                *slot = *status as u8;
            }
        }
        let summary = noob_run_summary {
            ran: report.ran,
            failed: report.failed,
            skipped: report.skipped,
            workers: report.workers as u32,
            first_failed_node: first_node,
            first_failed_code: first_code,
        };
        // SAFETY: NULL or promised writable.
        unsafe { write_optional(summary_out, summary) };
        if report.failed > 0 {
            let name = g.node_name(first_node).unwrap_or_default();
            return Err(Failure::new(
                noob_result::NOOB_ERR_CALLBACK_FAILED,
                format!(
                    "{} of {n} nodes failed, {} skipped; first: node {first_node} ({name:?}) returned {first_code}",
                    report.failed, report.skipped
                ),
            ));
        }
        Ok(())
    })
}

// ---------------------------------------------------------------------------
// Scheduler (one run)
// ---------------------------------------------------------------------------

/// Starts a run of `graph`: its sources are ready. On success `*scheduler_out` owns
/// the run (free it with `noob_scheduler_free`); it shares the graph, which stays
/// alive until both the graph handle and every scheduler of it are freed.
///
/// Errors: `NOOB_ERR_NULL_POINTER`.
///
/// # Safety
/// `graph` NULL or live; `scheduler_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_scheduler_new(
    graph: *const noob_graph,
    scheduler_out: *mut *mut noob_scheduler,
) -> noob_result {
    guard("noob_scheduler_new", || {
        // SAFETY: the caller promised a live graph or NULL.
        let g = Arc::clone(&unsafe { handle(graph, "graph") }?.graph);
        let out = out_ptr(scheduler_out, "scheduler_out")?;
        let scheduler = Box::new(noob_scheduler::new(Scheduler::new(g)));
        // SAFETY: checked non-NULL; promised writable.
        unsafe { out.write(Box::into_raw(scheduler)) };
        Ok(())
    })
}

/// Starts the run over: nothing done, the sources ready. O(nodes), no allocation.
///
/// Errors: `NOOB_ERR_NULL_POINTER`.
///
/// # Safety
/// `scheduler` must be NULL or a live scheduler.
#[no_mangle]
pub unsafe extern "C" fn noob_scheduler_reset(scheduler: *mut noob_scheduler) -> noob_result {
    guard("noob_scheduler_reset", || {
        // SAFETY: the caller promised a live scheduler or NULL.
        let h = unsafe { handle_mut(scheduler, "scheduler") }?;
        h.run.reset();
        h.refresh();
        Ok(())
    })
}

/// Hands out up to `max` ready nodes (`SIZE_MAX`: all of them) in queue order,
/// writing their ids to `ids_out` and their number to `*count_out`. Ready order: the
/// sources in id order, then every node in the order it became ready (nodes released
/// by one `mark_done` call in increasing id order).
///
/// Errors: `NOOB_ERR_NULL_POINTER` (`scheduler`, `count_out`, or `ids_out` with a
/// non-zero `ids_cap`), `NOOB_ERR_BUFFER_TOO_SMALL` (more than `ids_cap` nodes would
/// be handed out: nothing is, and the number is written to `*count_out`).
///
/// # Safety
/// `scheduler` NULL or live; `ids_out` NULL or `ids_cap` writable ids; `count_out`
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_scheduler_get_ready(
    scheduler: *mut noob_scheduler,
    max: usize,
    ids_out: *mut u32,
    ids_cap: usize,
    count_out: *mut usize,
) -> noob_result {
    guard("noob_scheduler_get_ready", || {
        // SAFETY: the caller promised a live scheduler or NULL.
        let h = unsafe { handle_mut(scheduler, "scheduler") }?;
        let out = OutArray::new(ids_out, ids_cap, "ids_out")?;
        let count = out_ptr(count_out, "count_out")?;
        let wanted = max.min(h.run.ready_count());
        if wanted > ids_cap {
            return Err(too_small(count_out, wanted, ids_cap, "ids_out"));
        }
        let handed = h.run.get_ready(wanted);
        // SAFETY: handed.len() == wanted <= ids_cap; both pointers promised writable.
        unsafe {
            out.write(handed);
            count.write(handed.len());
        }
        h.refresh();
        Ok(())
    })
}

/// Marks the handed-out node `node` done and writes the nodes that became ready
/// (queued for `noob_scheduler_get_ready`, not handed out) to `newly_ready_out`,
/// their number to `*count_out`. `newly_ready_out` may be NULL (with `cap` 0) if
/// they are not wanted: then it is never too small. `count_out` may be NULL.
///
/// Errors, each changing nothing: `NOOB_ERR_NULL_POINTER`, `NOOB_ERR_UNKNOWN_NODE`,
/// `NOOB_ERR_ALREADY_DONE`, `NOOB_ERR_NOT_HANDED_OUT` (ready but not handed out yet,
/// or still waiting for dependencies), `NOOB_ERR_BUFFER_TOO_SMALL` (more newly ready
/// nodes than `cap`: the number is written to `*count_out`).
///
/// # Safety
/// `scheduler` NULL or live; `newly_ready_out` NULL or `cap` writable ids;
/// `count_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_scheduler_mark_done(
    scheduler: *mut noob_scheduler,
    node: u32,
    newly_ready_out: *mut u32,
    cap: usize,
    count_out: *mut usize,
) -> noob_result {
    // SAFETY: forwarded contract (one id at `&node`).
    unsafe {
        mark_done_impl(
            "noob_scheduler_mark_done",
            scheduler,
            &node,
            1,
            newly_ready_out,
            cap,
            count_out,
        )
    }
}

/// Marks `count` handed-out nodes done in one call, in order, and writes every node
/// that became ready to `newly_ready_out` and their number to `*count_out`, as
/// `noob_scheduler_mark_done` does. If any node cannot be marked (unknown, done
/// already, not handed out, or listed twice), nothing changes and the error is
/// reported for the first such node.
///
/// Errors: as `noob_scheduler_mark_done`; `NOOB_ERR_NULL_POINTER` also for `nodes`
/// NULL with a non-zero count.
///
/// # Safety
/// `scheduler` NULL or live; `nodes` NULL or `count` readable ids; `newly_ready_out`
/// NULL or `cap` writable ids; `count_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_scheduler_mark_done_many(
    scheduler: *mut noob_scheduler,
    nodes: *const u32,
    count: usize,
    newly_ready_out: *mut u32,
    cap: usize,
    count_out: *mut usize,
) -> noob_result {
    // SAFETY: forwarded contract.
    unsafe {
        mark_done_impl(
            "noob_scheduler_mark_done_many",
            scheduler,
            nodes,
            count,
            newly_ready_out,
            cap,
            count_out,
        )
    }
}

/// # Safety
/// As `noob_scheduler_mark_done_many`.
unsafe fn mark_done_impl(
    function: &'static str,
    scheduler: *mut noob_scheduler,
    nodes: *const u32,
    count: usize,
    newly_ready_out: *mut u32,
    cap: usize,
    count_out: *mut usize,
) -> noob_result {
    guard(function, || {
        // SAFETY: the caller promised a live scheduler or NULL.
        let h = unsafe { handle_mut(scheduler, "scheduler") }?;
        // SAFETY: the caller promised `count` readable ids.
        let nodes = unsafe { array(nodes, count, "nodes") }?;
        let out = OutArray::new(newly_ready_out, cap, "newly_ready_out")?;
        let limit = if newly_ready_out.is_null() {
            usize::MAX
        } else {
            cap
        };
        let s = &mut h.run;
        let result = match *nodes {
            [one] => s.mark_one_done(one, limit),
            _ => s.mark_done_many(nodes, limit),
        };
        let outcome = match result {
            Ok(newly) => {
                // SAFETY: newly.len() <= limit == cap when the array is given.
                unsafe {
                    if !newly_ready_out.is_null() {
                        out.write(newly);
                    }
                    write_optional(count_out, newly.len());
                }
                Ok(())
            }
            Err(RunError::TooManyNewlyReady { needed }) => {
                Err(too_small(count_out, needed, cap, "newly_ready_out"))
            }
            Err(error) => Err(run_failure(s.graph(), error)),
        };
        h.refresh();
        outcome
    })
}

/// Marks the handed-out node `node` done, as `noob_scheduler_mark_done` with no
/// outputs: two arguments, for callers that pay per argument (cffi). The nodes it
/// made ready are read from the view (`noob_scheduler_get_view`): the queue entries
/// between `queued_end` before and after the call.
///
/// Errors, each changing nothing: `NOOB_ERR_NULL_POINTER`, `NOOB_ERR_UNKNOWN_NODE`,
/// `NOOB_ERR_ALREADY_DONE`, `NOOB_ERR_NOT_HANDED_OUT`.
///
/// # Safety
/// `scheduler` must be NULL or a live scheduler.
#[no_mangle]
pub unsafe extern "C" fn noob_scheduler_finish(
    scheduler: *mut noob_scheduler,
    node: u32,
) -> noob_result {
    guard("noob_scheduler_finish", || {
        // SAFETY: the caller promised a live scheduler or NULL.
        let h = unsafe { handle_mut(scheduler, "scheduler") }?;
        let outcome = match h.run.mark_one_done(node, usize::MAX) {
            Ok(_) => Ok(()),
            Err(error) => Err(run_failure(h.run.graph(), error)),
        };
        h.refresh();
        outcome
    })
}

/// Writes a pointer to the scheduler's live view (`noob_scheduler_view`) to
/// `*view_out`. The view stays valid, and is updated in place by every call that
/// changes the run, until `noob_scheduler_free`; read it on the thread that owns the
/// scheduler, between calls. With it a caller needs no call to learn how many nodes
/// are ready or done, or which nodes a mark-done call made ready.
///
/// Errors: `NOOB_ERR_NULL_POINTER`.
///
/// # Safety
/// `scheduler` NULL or live; `view_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_scheduler_get_view(
    scheduler: *const noob_scheduler,
    view_out: *mut *const noob_scheduler_view,
) -> noob_result {
    guard("noob_scheduler_get_view", || {
        // SAFETY: the caller promised a live scheduler or NULL.
        let h = unsafe { handle(scheduler, "scheduler") }?;
        let out = out_ptr(view_out, "view_out")?;
        // SAFETY: checked non-NULL; promised writable.
        unsafe { out.write(&h.view) };
        Ok(())
    })
}

/// Writes whether every node is done to `*done_out` (true at once for an empty graph).
///
/// Errors: `NOOB_ERR_NULL_POINTER`.
///
/// # Safety
/// `scheduler` NULL or live; `done_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_scheduler_is_done(
    scheduler: *const noob_scheduler,
    done_out: *mut bool,
) -> noob_result {
    guard("noob_scheduler_is_done", || {
        // SAFETY: the caller promised a live scheduler or NULL.
        let s = &unsafe { handle(scheduler, "scheduler") }?.run;
        let out = out_ptr(done_out, "done_out")?;
        // SAFETY: checked non-NULL; promised writable.
        unsafe { out.write(s.is_done()) };
        Ok(())
    })
}

/// Writes the run's counters to `*counts_out`.
///
/// Errors: `NOOB_ERR_NULL_POINTER`.
///
/// # Safety
/// `scheduler` NULL or live; `counts_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn noob_scheduler_get_counts(
    scheduler: *const noob_scheduler,
    counts_out: *mut noob_scheduler_counts,
) -> noob_result {
    guard("noob_scheduler_get_counts", || {
        // SAFETY: the caller promised a live scheduler or NULL.
        let s = &unsafe { handle(scheduler, "scheduler") }?.run;
        let out = out_ptr(counts_out, "counts_out")?;
        let c = s.counts();
        // SAFETY: checked non-NULL; promised writable.
        unsafe {
            out.write(noob_scheduler_counts {
                node_count: c.nodes,
                ready: c.ready,
                handed_out: c.out,
                done: c.done,
            })
        };
        Ok(())
    })
}

/// Frees a scheduler. NULL is accepted and does nothing. Call it exactly once.
///
/// # Safety
/// `scheduler` must be NULL or a scheduler from `noob_scheduler_new` not freed before.
#[no_mangle]
pub unsafe extern "C" fn noob_scheduler_free(scheduler: *mut noob_scheduler) {
    // SAFETY: the caller passes ownership of a scheduler made by `_new`.
    unsafe { free_handle("noob_scheduler_free", scheduler) };
}
