//! Runs every node of a [`Graph`] through a function on a pool of worker threads,
//! each node as soon as all its predecessors have finished.
//!
//! Work stealing with `crossbeam-deque`: each worker owns a LIFO deque of node ids,
//! the sources start in a shared injector, and an idle worker steals half of another
//! worker's deque. Finishing a node decrements its successors' atomic counters of
//! unfinished predecessors; the worker that brings a counter to zero pushes that
//! successor onto its own deque. Tasks are plain `u32` ids: nothing is allocated per
//! node (rayon's `scope.spawn` would box a closure per node), and the end of a run
//! is detected without a shared counter written by every node.
//!
//! Threads: the calling thread is worker 0; workers `1..k` are helpers borrowed from
//! the process's persistent pool (`scheduler::pool`), started once and reused by later
//! runs. The caller returns as soon as every node has finished, without waiting for
//! the helpers to leave the run (they hold the run's state by reference count), and
//! while its run is unfinished it yields for `CALLER_SPIN_BEFORE_SLEEP` before
//! parking, so that the end of a run seldom has to wake it. A run never waits for a
//! helper to arrive: the caller alone can finish it, which is why a callback may start
//! a nested run (on any thread) without deadlock.
//!
//! Failure: when `f(node)` returns an error or panics, the node is Failed and every
//! node that depends on it, directly or not, is Skipped (never called); the others
//! still run, or, with `stop_on_failure`, every node not started yet is Skipped.
//! Every node ends Ran, Failed or Skipped, and the run always ends.
//!
//! With one worker there is no pool: the calling thread calls `f` in the graph's
//! topological order (`Graph::topological_order`), so the order is reproducible.
//!
//! Guarantees to `f`: called once per node that runs, from one of the workers (the
//! calling thread is worker 0; with one worker every call is on the calling thread);
//! up to `workers` calls at once; a node's call starts after the calls of all its
//! predecessors have returned, and sees their memory effects; every call has returned
//! before `run_parallel` returns.

use super::graph::{Graph, NodeId};
use super::pool;
use crossbeam_deque::{Injector, Steal, Stealer, Worker};
use crossbeam_utils::{Backoff, CachePadded};
use parking_lot::Mutex;
use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{fence, AtomicBool, AtomicU32, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

/// How long an idle helper yields before it parks.
const SPIN_BEFORE_SLEEP: Duration = Duration::from_micros(50);
/// How long an idle calling thread yields before it parks while its run is unfinished.
const CALLER_SPIN_BEFORE_SLEEP: Duration = Duration::from_micros(200);

/// Most workers one run may use.
pub(crate) const MAX_WORKERS: usize = 1024;

/// How a parallel run behaves.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ParallelOptions {
    /// Worker threads, the calling thread included; 0 means one per available CPU.
    /// Clamped to `MAX_WORKERS` and to the node count. Workers but the calling thread
    /// come from the persistent pool; the first run that needs more helpers than are
    /// idle starts them (about 10-15 µs each).
    pub workers: usize,
    /// After the first failure, skip every node that has not started yet.
    pub stop_on_failure: bool,
}

/// What happened to a node in a parallel run.
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NodeStatus {
    /// `f(node)` returned `Ok`.
    Ran = 1,
    /// `f(node)` returned an error or panicked.
    Failed = 2,
    /// Not called: a predecessor failed or was skipped, or the run stopped early.
    Skipped = 3,
}

/// Why a node failed.
#[derive(Debug, PartialEq, Eq)]
pub enum NodeFailure<E> {
    Error(E),
    /// `f` panicked; the panic message.
    Panic(String),
}

/// The outcome of a parallel run.
#[derive(Debug)]
pub struct RunReport<E> {
    /// Per node id.
    pub status: Vec<NodeStatus>,
    /// The failed nodes in id order, with why.
    pub failures: Vec<(NodeId, NodeFailure<E>)>,
    pub ran: usize,
    pub failed: usize,
    pub skipped: usize,
    /// Workers the run had, the calling thread included: the calling thread plus the
    /// pool helpers handed the run (fewer than asked only if the system refused to
    /// start a thread). A helper that arrives after the last node does nothing.
    pub workers: usize,
}

impl<E> RunReport<E> {
    pub fn all_ran(&self) -> bool {
        self.ran == self.status.len()
    }
}

/// A worker's parking spot.
#[derive(Default)]
struct Sleeper {
    parked: AtomicBool,
    thread: OnceLock<std::thread::Thread>,
}

/// Set in a node's status byte by a failed or skipped predecessor, before it
/// decrements the node's counter.
const POISONED: u8 = 0x80;

/// What `execute` needs from the caller, on the caller's stack; `State` refers to
/// it type-erased.
struct Ctx<'a, F, E> {
    graph: &'a Graph,
    f: &'a F,
    stop_on_failure: bool,
    failures: Mutex<Vec<(NodeId, NodeFailure<E>)>>,
}

/// `execute::<F, E>`, with the `Ctx` type erased.
type ExecuteFn = unsafe fn(
    ctx: *const (),
    state: &State,
    node: NodeId,
    deque: &Worker<NodeId>,
    pending: &mut Pending,
) -> Option<NodeId>;

/// Successors with at least this many predecessors get their counter decremented
/// in batches: a worker counts its finished predecessors of such a node locally
/// (`Pending`) and subtracts them in one atomic operation when it meets another
/// such node or runs out of work. On a wide fan-in (the 10,000-wide graph's sink)
/// the workers otherwise fight over one cache line, once per node.
const BATCHED_FAN_IN: u32 = 16;

/// A worker's not yet subtracted decrements of one fan-in node's counter.
#[derive(Default)]
struct Pending {
    node: NodeId,
    count: u32,
}

/// One run's state, shared by its workers through an `Arc`: a helper from the pool
/// may still hold it (idle, about to leave) after the caller has returned. The
/// calling thread keeps its last states (`SPARE`) and reuses one for its next run
/// once no helper holds it, so a run allocates nothing in the steady state and a
/// helper seldom frees memory the caller allocated (which made glibc's arena locks
/// bounce between the threads).
///
/// Why holding it past the caller's return is sound although `ctx` points into the
/// caller's frame: `ctx` is used in `execute` only, every `execute` returns before its
/// node is counted in `finished`, and the caller returns only after `all_finished`,
/// which is set once every node is counted. After that a helper touches only what
/// this struct owns, none of which refers to the caller's data.
struct State {
    ctx: *const (),
    execute: ExecuteFn,
    node_count: usize,
    degrees: Vec<u32>,
    remaining: Vec<AtomicU32>,
    status: Vec<AtomicU8>,
    injector: Injector<NodeId>,
    /// Each worker's deque, taken by that worker while it works on the run.
    deques: Box<[Mutex<Option<Worker<NodeId>>>]>,
    stealers: Box<[Stealer<NodeId>]>,
    /// Nodes each worker has finished, published when it goes idle.
    finished: Box<[CachePadded<AtomicUsize>]>,
    all_finished: AtomicBool,
    stop: AtomicBool,
    /// How many workers are parked or about to park.
    sleeping: AtomicUsize,
    sleepers: Box<[CachePadded<Sleeper>]>,
}

// SAFETY: `ctx` points to a `Ctx<F, E>` with `F: Sync` and `E: Send` (errors cross
// threads only through its mutex), and `Graph` is immutable; it is used only while
// valid (see the struct's doc). Everything else is `Send + Sync`.
unsafe impl Send for State {}
// SAFETY: as above.
unsafe impl Sync for State {}

impl pool::Help for State {
    fn help(&self, index: usize) {
        self.work(index);
    }
}

/// States of at most this many nodes are kept for the thread's next run (larger
/// runs are long enough that allocating is noise, and memory is not held for them).
const SPARE_MAX_NODES: usize = 1 << 16;

/// States a thread keeps: the last run's is often still held by a helper that has
/// not left it yet when the next run starts, the one before that seldom.
const SPARE_STATES: usize = 3;

thread_local! {
    /// The calling thread's states from its last parallel runs, oldest first.
    static SPARE: Cell<Vec<Arc<State>>> = const { Cell::new(Vec::new()) };
}

/// Runs `f` on every node of `graph`; see the module docs.
pub fn run_parallel<E, F>(graph: &Graph, options: &ParallelOptions, f: F) -> RunReport<E>
where
    F: Fn(NodeId) -> Result<(), E> + Sync,
    E: Send,
{
    let n = graph.node_count();
    let workers = match options.workers {
        0 => std::thread::available_parallelism().map_or(1, |w| w.get()),
        w => w,
    }
    .clamp(1, MAX_WORKERS)
    .min(n.max(1)); // never more workers than nodes
    if workers == 1 {
        return run_in_order(graph, options, f);
    }
    let ctx = Ctx {
        graph,
        f: &f,
        stop_on_failure: options.stop_on_failure,
        failures: Mutex::new(Vec::new()),
    };
    let mut state = SPARE
        .try_with(|spare| {
            let mut states = spare.take();
            let found = states
                .iter_mut()
                .position(|state| State::reusable(state, workers));
            let state = found.map(|at| states.swap_remove(at));
            spare.set(states);
            state
        })
        .ok()
        .flatten()
        .unwrap_or_else(|| Arc::new(State::new(workers)));
    Arc::get_mut(&mut state)
        .expect("a new or reusable state has no other holder")
        .reset(
            graph,
            (&ctx as *const Ctx<'_, F, E>).cast(),
            execute::<F, E>,
        );
    let job: pool::Job = state.clone();
    let hired = pool::hire(&job, workers - 1);
    drop(job);
    {
        // Returning early would leave helpers with a dangling `ctx`: `work` does not
        // panic (`f`'s panics are caught), but if it ever did, abort.
        let _abort = AbortOnUnwind(std::thread::panicking());
        state.work(0);
    }
    debug_assert!(state.all_finished.load(Ordering::Acquire));
    let report = state.report(ctx.failures.into_inner(), 1 + hired);
    if n <= SPARE_MAX_NODES {
        let _ = SPARE.try_with(|spare| {
            let mut states = spare.take();
            if states.len() == SPARE_STATES {
                states.remove(0); // the oldest
            }
            states.push(state);
            spare.set(states);
        });
    }
    report
}

impl State {
    fn new(workers: usize) -> Self {
        let deques: Vec<Worker<NodeId>> = (0..workers).map(|_| Worker::new_lifo()).collect();
        Self {
            ctx: std::ptr::null(),
            execute: |_, _, _, _, _| unreachable!("a state is reset before it runs"),
            node_count: 0,
            degrees: Vec::new(),
            remaining: Vec::new(),
            status: Vec::new(),
            injector: Injector::new(),
            stealers: deques.iter().map(Worker::stealer).collect(),
            deques: deques.into_iter().map(|d| Mutex::new(Some(d))).collect(),
            finished: (0..workers)
                .map(|_| CachePadded::new(AtomicUsize::new(0)))
                .collect(),
            all_finished: AtomicBool::new(false),
            stop: AtomicBool::new(false),
            sleeping: AtomicUsize::new(0),
            sleepers: (0..workers)
                .map(|_| CachePadded::new(Sleeper::default()))
                .collect(),
        }
    }

    /// Whether a finished run's state can serve a run with `workers` workers: no
    /// helper holds it any more and every deque is back (and empty).
    fn reusable(state: &mut Arc<State>, workers: usize) -> bool {
        let Some(state) = Arc::get_mut(state) else {
            return false;
        };
        state.deques.len() == workers
            && state.injector.is_empty()
            && state
                .deques
                .iter_mut()
                .all(|d| d.get_mut().as_ref().is_some_and(|d| d.is_empty()))
    }

    /// Ready for a run of `graph`: counters from the in-degrees, sources injected.
    fn reset(&mut self, graph: &Graph, ctx: *const (), execute: ExecuteFn) {
        let n = graph.node_count();
        self.ctx = ctx;
        self.execute = execute;
        self.node_count = n;
        graph.in_degrees(&mut self.degrees);
        self.remaining.clear();
        self.remaining
            .extend(self.degrees.iter().map(|&d| AtomicU32::new(d)));
        self.status.clear();
        self.status.resize_with(n, || AtomicU8::new(0));
        for count in self.finished.iter_mut() {
            *count.get_mut() = 0;
        }
        *self.all_finished.get_mut() = n == 0;
        *self.stop.get_mut() = false;
        *self.sleeping.get_mut() = 0;
        for sleeper in self.sleepers.iter_mut() {
            *sleeper.parked.get_mut() = false;
            sleeper.thread.take();
        }
        for &source in graph.sources() {
            self.injector.push(source);
        }
    }

    /// Works as worker `index` until every node has finished, then gives the deque back.
    fn work(&self, index: usize) {
        let Some(deque) = self.deques[index].lock().take() else {
            return;
        };
        self.work_with(index, &deque);
        *self.deques[index].lock() = Some(deque);
    }

    fn work_with(&self, index: usize, deque: &Worker<NodeId>) {
        let _ = self.sleepers[index].thread.set(std::thread::current());
        // The caller stays awake longer: it must return as soon as the run ends.
        let spin = if index == 0 {
            CALLER_SPIN_BEFORE_SLEEP
        } else {
            SPIN_BEFORE_SLEEP
        };
        let mut finished = 0usize;
        let mut pending = Pending::default();
        loop {
            // Out of work, this worker's batched decrements go in (maybe readying a node).
            let mut next = deque
                .pop()
                .or_else(|| self.steal(index, deque))
                .or_else(|| self.flush(&mut pending));
            if next.is_some() {
                while let Some(node) = next {
                    // A successor made ready by this node runs next without a deque round
                    // trip. SAFETY: `ctx` is valid until `all_finished`, which cannot be
                    // set before this node is counted (see `State`'s doc).
                    next = unsafe { (self.execute)(self.ctx, self, node, deque, &mut pending) }
                        .or_else(|| deque.pop());
                    finished += 1;
                }
                continue;
            }
            // Idle (nothing batched left): publish, then see whether the whole graph is finished.
            self.finished[index].store(finished, Ordering::SeqCst);
            if self.check_all_finished() {
                return;
            }
            let backoff = Backoff::new();
            let mut idle_since = None;
            loop {
                if self.all_finished.load(Ordering::Acquire) {
                    return;
                }
                if !self.injector.is_empty() || self.stealers.iter().any(|s| !s.is_empty()) {
                    break;
                }
                if !backoff.is_completed() {
                    backoff.snooze();
                    continue;
                }
                // Keep yielding for a while before sleeping: waking a sleeper costs the
                // pushing worker a system call, and work usually comes back quickly.
                let since = *idle_since.get_or_insert_with(Instant::now);
                if since.elapsed() < spin {
                    std::thread::yield_now();
                } else {
                    self.sleep(index);
                }
            }
        }
    }

    /// Subtracts a worker's batched decrements; returns the node if that readied it.
    fn flush(&self, pending: &mut Pending) -> Option<NodeId> {
        let count = std::mem::take(&mut pending.count);
        // AcqRel, as for single decrements.
        (count > 0
            && self.remaining[pending.node as usize].fetch_sub(count, Ordering::AcqRel) == count)
            .then_some(pending.node)
    }

    fn steal(&self, index: usize, deque: &Worker<NodeId>) -> Option<NodeId> {
        loop {
            let mut retry = false;
            match self.injector.steal_batch_and_pop(deque) {
                Steal::Success(node) => return Some(node),
                Steal::Retry => retry = true,
                Steal::Empty => {}
            }
            let count = self.stealers.len();
            for offset in 1..count {
                match self.stealers[(index + offset) % count].steal_batch_and_pop(deque) {
                    Steal::Success(node) => return Some(node),
                    Steal::Retry => retry = true,
                    Steal::Empty => {}
                }
            }
            if !retry {
                return None;
            }
        }
    }

    fn check_all_finished(&self) -> bool {
        let total: usize = self
            .finished
            .iter()
            .map(|count| count.load(Ordering::SeqCst))
            .sum();
        if total == self.node_count {
            self.all_finished.store(true, Ordering::SeqCst);
            self.wake_sleepers();
            return true;
        }
        self.all_finished.load(Ordering::Acquire)
    }

    /// Parks until new work or the end. No lock: a worker announces itself, then
    /// re-checks for work; a pusher publishes its work, then looks for sleepers
    /// (both with SeqCst, so at least one sees the other), and an unpark sent before
    /// the park makes the park return at once. The timeout is a safety net only.
    fn sleep(&self, index: usize) {
        let me = &self.sleepers[index];
        me.parked.store(true, Ordering::SeqCst);
        self.sleeping.fetch_add(1, Ordering::SeqCst);
        let idle = !self.all_finished.load(Ordering::SeqCst)
            && self.injector.is_empty()
            && self.stealers.iter().all(|s| s.is_empty());
        if idle {
            std::thread::park_timeout(Duration::from_millis(5));
        }
        self.sleeping.fetch_sub(1, Ordering::SeqCst);
        me.parked.store(false, Ordering::SeqCst);
    }

    fn wake_sleepers(&self) {
        for sleeper in self.sleepers.iter() {
            if sleeper.parked.load(Ordering::SeqCst) {
                if let Some(thread) = sleeper.thread.get() {
                    thread.unpark();
                }
            }
        }
    }

    /// The report, once `all_finished` (helpers may still hold `self`).
    fn report<E>(
        &self,
        mut failures: Vec<(NodeId, NodeFailure<E>)>,
        workers: usize,
    ) -> RunReport<E> {
        if failures.is_empty() {
            // Nothing failed, so nothing was skipped (poison and `stop` need a failure).
            let n = self.node_count;
            return RunReport {
                status: vec![NodeStatus::Ran; n],
                failures,
                ran: n,
                failed: 0,
                skipped: 0,
                workers,
            };
        }
        let mut counts = [0usize; 4];
        let status: Vec<NodeStatus> = self
            .status
            .iter()
            .map(|slot| {
                let status = match slot.load(Ordering::Relaxed) & !POISONED {
                    0 => NodeStatus::Ran,
                    2 => NodeStatus::Failed,
                    _ => NodeStatus::Skipped,
                };
                counts[status as usize] += 1;
                status
            })
            .collect();
        failures.sort_unstable_by_key(|(node, _)| *node);
        RunReport {
            ran: counts[NodeStatus::Ran as usize],
            failed: counts[NodeStatus::Failed as usize],
            skipped: counts[NodeStatus::Skipped as usize],
            status,
            failures,
            workers,
        }
    }
}

/// Runs (or skips) `node` and releases its successors; returns one that became
/// ready, for the caller to run next. The only user of `ctx`.
///
/// # Safety
/// `ctx` points to a live `Ctx<F, E>`.
unsafe fn execute<F, E>(
    ctx: *const (),
    state: &State,
    node: NodeId,
    deque: &Worker<NodeId>,
    pending: &mut Pending,
) -> Option<NodeId>
where
    F: Fn(NodeId) -> Result<(), E> + Sync,
    E: Send,
{
    // SAFETY: promised by the caller.
    let ctx = unsafe { &*ctx.cast::<Ctx<'_, F, E>>() };
    let slot = &state.status[node as usize];
    let poisoned = slot.load(Ordering::Relaxed) & POISONED != 0;
    let status = if poisoned || state.stop.load(Ordering::Relaxed) {
        NodeStatus::Skipped
    } else {
        let failure = match catch_unwind(AssertUnwindSafe(|| (ctx.f)(node))) {
            Ok(Ok(())) => None,
            Ok(Err(error)) => Some(NodeFailure::Error(error)),
            Err(payload) => Some(NodeFailure::Panic(panic_message(&*payload))),
        };
        match failure {
            None => NodeStatus::Ran,
            Some(failure) => {
                ctx.failures.lock().push((node, failure));
                if ctx.stop_on_failure {
                    state.stop.store(true, Ordering::Relaxed);
                }
                NodeStatus::Failed
            }
        }
    };
    let bad = status != NodeStatus::Ran;
    if bad {
        // Ran is the default (0): in a run without failures the status bytes are
        // only read, so workers do not bounce their cache lines.
        slot.store(status as u8, Ordering::Relaxed);
    }
    let mut keep = None;
    let mut pushed = false;
    for &s in ctx.graph.successors(node) {
        if bad {
            // Before the decrement (batched or not), so the last decrement sees it.
            state.status[s as usize].fetch_or(POISONED, Ordering::Relaxed);
        }
        let degree = state.degrees[s as usize];
        let ready = if degree == 1 {
            // This node is its only predecessor: ready now, no counter to touch (the
            // deque or this thread carries the memory effects to whoever runs it).
            Some(s)
        } else if degree >= BATCHED_FAN_IN {
            if pending.count > 0 && pending.node == s {
                pending.count += 1;
                None
            } else {
                let flushed = state.flush(pending);
                *pending = Pending { node: s, count: 1 };
                flushed
            }
        } else {
            // AcqRel: the last decrement sees every predecessor's effects (and poison).
            (state.remaining[s as usize].fetch_sub(1, Ordering::AcqRel) == 1).then_some(s)
        };
        if let Some(ready) = ready {
            if keep.is_none() {
                keep = Some(ready);
            } else {
                deque.push(ready);
                pushed = true;
            }
        }
    }
    if pushed {
        fence(Ordering::SeqCst);
        if state.sleeping.load(Ordering::Relaxed) > 0 {
            state.wake_sleepers();
        }
    }
    keep
}

/// Aborts the process if dropped during a panic that started after it was made
/// (the field: whether the thread was already panicking then).
struct AbortOnUnwind(bool);

impl Drop for AbortOnUnwind {
    fn drop(&mut self) {
        if std::thread::panicking() && !self.0 {
            std::process::abort();
        }
    }
}

/// One worker: the calling thread walks the graph's topological order, so no counter,
/// deque or atomic is needed and the call order is that order exactly.
fn run_in_order<E, F>(graph: &Graph, options: &ParallelOptions, f: F) -> RunReport<E>
where
    F: Fn(NodeId) -> Result<(), E>,
{
    let mut status = vec![NodeStatus::Ran; graph.node_count()];
    let mut poisoned = vec![false; graph.node_count()];
    let mut failures = Vec::new();
    let mut stop = false;
    for &node in graph.topological_order() {
        let outcome = if poisoned[node as usize] || stop {
            NodeStatus::Skipped
        } else {
            match catch_unwind(AssertUnwindSafe(|| f(node))) {
                Ok(Ok(())) => NodeStatus::Ran,
                Ok(Err(error)) => {
                    failures.push((node, NodeFailure::Error(error)));
                    NodeStatus::Failed
                }
                Err(payload) => {
                    failures.push((node, NodeFailure::Panic(panic_message(&*payload))));
                    NodeStatus::Failed
                }
            }
        };
        if outcome != NodeStatus::Ran {
            status[node as usize] = outcome;
            stop |= outcome == NodeStatus::Failed && options.stop_on_failure;
            for &s in graph.successors(node) {
                poisoned[s as usize] = true;
            }
        }
    }
    failures.sort_unstable_by_key(|(node, _)| *node);
    let (ran, failed, skipped) = if failures.is_empty() {
        (status.len(), 0, 0) // nothing failed, so nothing was skipped
    } else {
        let count = |wanted| status.iter().filter(|&&s| s == wanted).count();
        (
            count(NodeStatus::Ran),
            count(NodeStatus::Failed),
            count(NodeStatus::Skipped),
        )
    };
    RunReport {
        ran,
        failed,
        skipped,
        status,
        failures,
        workers: 1,
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduler::graph::Graph;
    use std::collections::HashSet;
    use std::sync::atomic::AtomicUsize;

    fn graph(edges: &[(&str, &str)]) -> Graph {
        Graph::from_edges(edges.iter().copied()).unwrap()
    }

    fn options(workers: usize, stop_on_failure: bool) -> ParallelOptions {
        ParallelOptions {
            workers,
            stop_on_failure,
        }
    }

    #[test]
    fn every_node_runs_once_after_its_predecessors() {
        let g = graph(&[("a", "b"), ("a", "c"), ("b", "d"), ("c", "d"), ("x", "d")]);
        for workers in [1, 2, 4] {
            let stamp = AtomicUsize::new(0);
            let when: Vec<AtomicUsize> = (0..g.node_count()).map(|_| AtomicUsize::new(0)).collect();
            let report = run_parallel(&g, &options(workers, false), |v| -> Result<(), ()> {
                let t = stamp.fetch_add(1, Ordering::SeqCst) + 1;
                assert_eq!(when[v as usize].swap(t, Ordering::SeqCst), 0, "ran twice");
                for &p in g.predecessors(v) {
                    let tp = when[p as usize].load(Ordering::SeqCst);
                    assert!(tp != 0 && tp < t, "ran before a predecessor");
                }
                Ok(())
            });
            assert!(report.all_ran(), "{report:?}");
            assert_eq!((report.ran, report.failed, report.skipped), (5, 0, 0));
            assert_eq!(report.workers, workers);
        }
    }

    #[test]
    fn a_failure_skips_its_dependents_only() {
        // a -> b -> c, a -> d; x -> y
        let g = graph(&[("a", "b"), ("b", "c"), ("a", "d"), ("x", "y")]);
        let b = g.node_id("b").unwrap();
        for workers in [1, 2] {
            let report = run_parallel(&g, &options(workers, false), |v| {
                if v == b {
                    Err("bad b")
                } else {
                    Ok(())
                }
            });
            let status = |name| report.status[g.node_id(name).unwrap() as usize];
            assert_eq!(status("a"), NodeStatus::Ran);
            assert_eq!(status("b"), NodeStatus::Failed);
            assert_eq!(status("c"), NodeStatus::Skipped);
            assert_eq!(status("d"), NodeStatus::Ran);
            assert_eq!(status("y"), NodeStatus::Ran);
            assert_eq!(report.failures, vec![(b, NodeFailure::Error("bad b"))]);
            assert_eq!((report.ran, report.failed, report.skipped), (4, 1, 1));
        }
    }

    #[test]
    fn a_panic_is_a_failure_and_stop_on_failure_skips_the_rest() {
        let g = graph(&[("a", "b"), ("b", "c"), ("c", "d")]);
        let report = run_parallel(&g, &options(2, true), |v| -> Result<(), ()> {
            if v == 1 {
                panic!("node {v} broke");
            }
            Ok(())
        });
        assert_eq!(
            report.status,
            [
                NodeStatus::Ran,
                NodeStatus::Failed,
                NodeStatus::Skipped,
                NodeStatus::Skipped
            ]
        );
        assert_eq!(
            report.failures,
            vec![(1, NodeFailure::Panic("node 1 broke".into()))]
        );
        // With one worker calls are sequential: after the first failure, no more calls.
        let g = graph(&[("a", "b"), ("x", "y"), ("p", "q")]);
        let calls = AtomicUsize::new(0);
        let report = run_parallel(&g, &options(1, true), |_| {
            calls.fetch_add(1, Ordering::SeqCst);
            Err("first call fails")
        });
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert_eq!((report.ran, report.failed, report.skipped), (0, 1, 5));
    }

    #[test]
    fn empty_graph_and_default_workers() {
        let g = crate::scheduler::GraphBuilder::new().build().unwrap();
        let report = run_parallel(&g, &ParallelOptions::default(), |_| -> Result<(), ()> {
            unreachable!("no node to run")
        });
        assert!(report.status.is_empty() && report.all_ran());
        assert!(report.workers >= 1);
    }

    /// Runs `graph` with `workers`, each node taking about `micros` µs; checks that
    /// every node ran once and returns the threads that called `f`.
    fn checked_run(g: &Graph, workers: usize, micros: u64) -> HashSet<std::thread::ThreadId> {
        let calls: Vec<AtomicUsize> = (0..g.node_count()).map(|_| AtomicUsize::new(0)).collect();
        let threads = Mutex::new(HashSet::new());
        let report = run_parallel(g, &options(workers, false), |v| -> Result<(), ()> {
            for &p in g.predecessors(v) {
                assert_eq!(
                    calls[p as usize].load(Ordering::SeqCst),
                    1,
                    "predecessor not run"
                );
            }
            if micros > 0 {
                std::thread::sleep(Duration::from_micros(micros));
            }
            threads.lock().insert(std::thread::current().id());
            calls[v as usize].fetch_add(1, Ordering::SeqCst);
            Ok(())
        });
        assert!(report.all_ran(), "{report:?}");
        assert_eq!(report.workers, workers.min(g.node_count()));
        assert!(calls.iter().all(|c| c.load(Ordering::SeqCst) == 1));
        threads.into_inner()
    }

    fn fan(width: usize) -> Graph {
        let edges: Vec<(String, String)> = (0..width)
            .flat_map(|i| {
                [
                    ("src".to_string(), format!("w{i}")),
                    (format!("w{i}"), "sink".to_string()),
                ]
            })
            .collect();
        Graph::from_edges(edges.iter().map(|(a, b)| (a.as_str(), b.as_str()))).unwrap()
    }

    #[test]
    fn consecutive_runs_reuse_the_pool_threads() {
        let g = fan(16);
        let me = std::thread::current().id();
        let mut helpers = HashSet::new();
        let runs = 60;
        for _ in 0..runs {
            let threads = checked_run(&g, 2, 200);
            helpers.extend(threads.into_iter().filter(|&t| t != me));
        }
        // Spawning per run would show about one new thread per run. A helper that is
        // slow to get back to the pool between two runs can make the pool start
        // another, so allow a few.
        assert!(!helpers.is_empty(), "no helper ever took part");
        assert!(
            helpers.len() <= runs / 6,
            "{} helper threads in {runs} runs",
            helpers.len()
        );
    }

    #[test]
    fn concurrent_runs_of_one_graph_from_several_threads() {
        let g = fan(200);
        let layered = {
            let mut edges = Vec::new();
            for layer in 1..20 {
                for col in 0..10 {
                    for back in [0, 3, 7] {
                        edges.push((
                            format!("n{}_{}", layer - 1, (col + back) % 10),
                            format!("n{layer}_{col}"),
                        ));
                    }
                }
            }
            Graph::from_edges(edges.iter().map(|(a, b)| (a.as_str(), b.as_str()))).unwrap()
        };
        std::thread::scope(|scope| {
            for t in 0..4 {
                let (g, layered) = (&g, &layered);
                scope.spawn(move || {
                    for r in 0..25 {
                        checked_run(
                            if (t + r) % 2 == 0 { g } else { layered },
                            2 + (t + r) % 3,
                            0,
                        );
                    }
                });
            }
        });
    }

    #[test]
    fn a_callback_may_run_a_nested_graph() {
        let outer = fan(8);
        let inner = fan(30);
        let inner_calls = AtomicUsize::new(0);
        for workers in [2, 3] {
            inner_calls.store(0, Ordering::SeqCst);
            let report = run_parallel(
                &outer,
                &options(workers, false),
                |_| -> Result<(), String> {
                    // Two levels deep: each inner node of the first level runs a small graph.
                    let nested = run_parallel(&inner, &options(2, false), |_| -> Result<(), ()> {
                        let leaf =
                            run_parallel(&fan(2), &options(2, false), |_| -> Result<(), ()> {
                                Ok(())
                            });
                        assert!(leaf.all_ran());
                        inner_calls.fetch_add(1, Ordering::SeqCst);
                        Ok(())
                    });
                    if nested.all_ran() && nested.workers == 2 {
                        Ok(())
                    } else {
                        Err(format!("{nested:?}"))
                    }
                },
            );
            assert!(report.all_ran(), "{:?}", report.failures);
            assert_eq!(
                inner_calls.load(Ordering::SeqCst),
                outer.node_count() * inner.node_count()
            );
        }
    }

    #[test]
    fn runs_after_a_failing_run_are_whole() {
        let g = fan(50);
        for round in 0..20 {
            let stop = round % 2 == 0;
            let report = run_parallel(&g, &options(2, stop), |v| -> Result<(), u32> {
                match v % 7 {
                    3 => Err(v),
                    5 if round % 4 == 1 => panic!("node {v}"),
                    _ => Ok(()),
                }
            });
            assert!(
                report.failed > 0
                    && report.status[g.node_id("sink").unwrap() as usize] == NodeStatus::Skipped
            );
            assert_eq!(report.ran + report.failed + report.skipped, g.node_count());
            checked_run(&g, 2, 0);
        }
    }

    #[test]
    fn failures_own_data_outlives_helpers() {
        // Errors that own heap data: taken out by the caller, never dropped by a helper.
        let g = fan(100);
        let (src, sink) = (g.node_id("src").unwrap(), g.node_id("sink").unwrap());
        let fails = |v: NodeId| v != src && v != sink && v % 2 == 0;
        let failing = (0..g.node_count() as NodeId).filter(|&v| fails(v)).count();
        for _ in 0..50 {
            let report = run_parallel(&g, &options(3, false), |v| {
                if fails(v) {
                    Err(vec![v; 4])
                } else {
                    Ok(())
                }
            });
            assert_eq!((report.failed, report.skipped), (failing, 1));
            assert!(report
                .failures
                .iter()
                .all(|(v, f)| *f == NodeFailure::Error(vec![*v; 4])));
        }
    }

    #[test]
    fn reused_run_state_fits_each_graph_and_worker_count() {
        // One thread, runs of different sizes and worker counts back to back (the
        // thread's spare state is reused or replaced), failing runs in between.
        let (small, big) = (fan(3), fan(300));
        let chain = graph(&[("a", "b"), ("b", "c"), ("c", "d")]);
        for round in 0..30 {
            let g = [&small, &big, &chain][round % 3];
            checked_run(g, 2 + round % 2, 0);
            let report = run_parallel(
                g,
                &options(2, false),
                |v| if v == 0 { Err(v) } else { Ok(()) },
            );
            assert_eq!(
                (report.failed, report.ran),
                (1, 0),
                "node 0 is the only source"
            );
            checked_run(g, 2, 0);
        }
    }

    #[test]
    fn wide_fan_ins_with_batched_decrements() {
        // 3 sources -> 300 mids -> 3 sinks fed by every mid (fan-in 300, the three
        // interleaved in each mid's successors) -> a tail after each sink; a fan-in of
        // exactly BATCHED_FAN_IN - 1 and BATCHED_FAN_IN too.
        let mut edges = Vec::new();
        for m in 0..300 {
            edges.push((format!("src{}", m % 3), format!("m{m}")));
            for k in 0..3 {
                edges.push((format!("m{m}"), format!("sink{k}")));
            }
        }
        for k in 0..3 {
            edges.push((format!("sink{k}"), format!("tail{k}")));
        }
        for (name, fan) in [("low", BATCHED_FAN_IN - 1), ("at", BATCHED_FAN_IN)] {
            for m in 0..fan {
                edges.push((format!("m{m}"), name.to_string()));
            }
        }
        let g = Graph::from_edges(edges.iter().map(|(a, b)| (a.as_str(), b.as_str()))).unwrap();
        assert_eq!(g.predecessors(g.node_id("sink0").unwrap()).len(), 300);
        for workers in [2, 3, 4] {
            for _ in 0..20 {
                checked_run(&g, workers, 0);
            }
            // One failing mid: the sinks, tails and "low"/"at" (m7 feeds them) are skipped.
            let bad = g.node_id("m7").unwrap();
            let report = run_parallel(&g, &options(workers, false), |v| {
                if v == bad {
                    Err(v)
                } else {
                    Ok(())
                }
            });
            for name in [
                "sink0", "sink1", "sink2", "tail0", "tail1", "tail2", "low", "at",
            ] {
                assert_eq!(
                    report.status[g.node_id(name).unwrap() as usize],
                    NodeStatus::Skipped,
                    "{name}"
                );
            }
            assert_eq!(
                (report.failed, report.skipped, report.ran),
                (1, 8, g.node_count() - 9)
            );
        }
    }
}
