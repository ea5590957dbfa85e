//! Per-run state over a shared [`Graph`]: who is waiting, ready, handed out or done.
//!
//! One [`Scheduler`] drives one run of a graph at a time; [`Scheduler::reset`] starts
//! the next run on the same graph without allocating. Both seed APIs sit on the same
//! state: `get_ready(max)` / `mark_done(node) -> newly ready` / `is_done()` (edges API)
//! and `get_all_ready()` / `mark_done` / `is_done()` (dependencies API).
//!
//! Order of ready nodes (reproducible): a run starts with the sources in id order;
//! every node is appended to one FIFO queue when its last predecessor is marked done,
//! and nodes released by the same call are appended in increasing id order (one
//! `mark_done_many` call releases them node by node, in the order the batch lists
//! them). `get_ready` hands nodes out from the front of that queue. The queue is
//! also the run's log: `queued()` lists every node made ready so far, in order.
//!
//! The seed APIs on this state:
//!
//! | seed call | here |
//! |---|---|
//! | `FastScheduler(dependencies)` / `FastScheduler(edges)` | `Graph::from_dependencies` / `Graph::from_edges`, then `Scheduler::new` |
//! | `get_ready_nodes()` | `get_all_ready()` |
//! | `get_ready(batch_size=k)` | `get_ready(k)` |
//! | `mark_completed(node)` | `mark_done(node)` (result ignored) |
//! | `mark_done(node) -> newly ready` | `mark_done(node)` |
//! | `is_complete()` / `is_done()` | `is_done()` |
//! | `reset()` | `reset()` |
//! | mark many done / get all ready in one call | `mark_done_many(nodes, max)` / `get_all_ready()` |
//!
//! A node moves Waiting → Ready → Out (handed out) → Done. Marking done a node that
//! is not Out is refused with an error that says why; a refused call changes nothing.

use super::graph::{Graph, NodeId};
use std::fmt;
use std::sync::Arc;

/// Why a `mark_done` call was refused. Nothing changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunError {
    /// The id names no node of the graph.
    UnknownNode(u64),
    /// The node was marked done before (or is listed twice in one batch).
    AlreadyDone(NodeId),
    /// The node was never handed out by `get_ready` (`ready` says whether it is
    /// waiting in the ready queue or still waiting for dependencies).
    NotHandedOut { node: NodeId, ready: bool },
    /// The newly ready nodes would not fit in the room the caller gave (`needed` of them).
    TooManyNewlyReady { needed: usize },
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunError::UnknownNode(id) => write!(f, "no node has id {id}"),
            RunError::AlreadyDone(id) => write!(f, "node {id} is already marked done"),
            RunError::NotHandedOut { node, ready: true } => write!(
                f,
                "node {node} was not handed out yet (it is ready: call get_ready first)"
            ),
            RunError::NotHandedOut { node, ready: false } => write!(
                f,
                "node {node} was not handed out (its dependencies are not all done)"
            ),
            RunError::TooManyNewlyReady { needed } => {
                write!(
                    f,
                    "{needed} nodes became ready; the output has room for fewer"
                )
            }
        }
    }
}

impl std::error::Error for RunError {}

const WAITING: u8 = 0;
const READY: u8 = 1;
const OUT: u8 = 2;
const DONE: u8 = 3;

/// Counters of a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunCounts {
    pub nodes: usize,
    /// Ready and not handed out yet.
    pub ready: usize,
    /// Handed out and not marked done yet.
    pub out: usize,
    pub done: usize,
}

/// The state of one run of a graph. See the module docs.
///
/// Thread safety: plain data (`Send + Sync`); driving it needs `&mut`, so one
/// thread at a time.
#[derive(Clone)]
pub struct Scheduler {
    graph: Arc<Graph>,
    /// Predecessors not yet done, per node.
    remaining: Vec<u32>,
    status: Vec<u8>,
    /// Every node made ready this run, in order: `[..head]` handed out, `[head..tail]`
    /// ready. One slot per node: each node is queued at most once per run.
    queue: Vec<NodeId>,
    head: usize,
    tail: usize,
    done: usize,
}

impl fmt::Debug for Scheduler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scheduler")
            .field("counts", &self.counts())
            .finish()
    }
}

impl Scheduler {
    /// A fresh run of `graph`: its sources are ready.
    pub fn new(graph: Arc<Graph>) -> Self {
        let n = graph.node_count();
        let mut scheduler = Scheduler {
            graph,
            remaining: Vec::with_capacity(n),
            status: vec![WAITING; n],
            queue: vec![0; n],
            head: 0,
            tail: 0,
            done: 0,
        };
        scheduler.reset();
        scheduler
    }

    pub fn graph(&self) -> &Arc<Graph> {
        &self.graph
    }

    /// Starts the run over: nothing done, the sources ready. O(nodes), no allocation.
    pub fn reset(&mut self) {
        self.graph.in_degrees(&mut self.remaining);
        self.status.fill(WAITING);
        let sources = self.graph.sources();
        self.queue[..sources.len()].copy_from_slice(sources);
        self.tail = sources.len();
        for &v in sources {
            self.status[v as usize] = READY;
        }
        self.head = 0;
        self.done = 0;
    }

    /// Hands out up to `max` ready nodes, in queue order.
    pub fn get_ready(&mut self, max: usize) -> &[NodeId] {
        let start = self.head;
        let end = start + max.min(self.tail - start);
        for &v in &self.queue[start..end] {
            self.status[v as usize] = OUT;
        }
        self.head = end;
        &self.queue[start..end]
    }

    /// Hands out every ready node.
    pub fn get_all_ready(&mut self) -> &[NodeId] {
        self.get_ready(usize::MAX)
    }

    /// How many nodes `get_all_ready` would hand out now.
    pub fn ready_count(&self) -> usize {
        self.tail - self.head
    }

    /// Marks a handed-out node done; returns the nodes that became ready (they are
    /// queued, not handed out).
    pub fn mark_done(&mut self, node: NodeId) -> Result<&[NodeId], RunError> {
        self.mark_one_done(node, usize::MAX)
    }

    /// `mark_done` with a limit on the newly ready, as `mark_done_many(&[node], max)`.
    pub fn mark_one_done(
        &mut self,
        node: NodeId,
        max_newly_ready: usize,
    ) -> Result<&[NodeId], RunError> {
        let fits = self
            .graph
            .contains(node)
            .then(|| self.graph.successors(node).len() <= max_newly_ready);
        if fits != Some(true) || self.status[node as usize] != OUT {
            return self.mark_done_many(&[node], max_newly_ready);
        }
        // Fast path: handed out, and the newly ready cannot exceed the limit.
        self.status[node as usize] = DONE;
        let tail = self.tail;
        self.release_successors(node);
        self.done += 1;
        Ok(&self.queue[tail..self.tail])
    }

    /// Marks every listed node done, in order; returns the nodes that became ready.
    /// If any node cannot be marked, or more than `max_newly_ready` nodes become ready,
    /// the call is refused and nothing changes.
    pub fn mark_done_many(
        &mut self,
        nodes: &[NodeId],
        max_newly_ready: usize,
    ) -> Result<&[NodeId], RunError> {
        self.check_out(nodes)?;
        let tail = self.tail;
        for &v in nodes {
            self.release_successors(v);
        }
        let released = self.tail - tail;
        if released > max_newly_ready {
            self.undo(nodes, tail);
            return Err(RunError::TooManyNewlyReady { needed: released });
        }
        self.done += nodes.len();
        Ok(&self.queue[tail..self.tail])
    }

    /// Checks every node is Out and marks it Done; on error restores what it marked.
    fn check_out(&mut self, nodes: &[NodeId]) -> Result<(), RunError> {
        for (i, &v) in nodes.iter().enumerate() {
            let refusal = match self.status.get(v as usize) {
                None => Some(RunError::UnknownNode(u64::from(v))),
                Some(&OUT) => None,
                Some(&DONE) => Some(RunError::AlreadyDone(v)),
                Some(&status) => Some(RunError::NotHandedOut {
                    node: v,
                    ready: status == READY,
                }),
            };
            if let Some(error) = refusal {
                for &w in &nodes[..i] {
                    self.status[w as usize] = OUT;
                }
                return Err(error);
            }
            self.status[v as usize] = DONE;
        }
        Ok(())
    }

    /// Branch-free on purpose: whether a successor becomes ready is unpredictable.
    /// A successor still counting down is Waiting, so its status is rewritten either
    /// as Waiting or as Ready; its id is always written at `tail`, which only moves
    /// when it became ready (`tail < node_count` here: this successor is not queued).
    fn release_successors(&mut self, v: NodeId) {
        for &s in self.graph.successors(v) {
            let left = &mut self.remaining[s as usize];
            *left -= 1;
            let ready = *left == 0;
            self.status[s as usize] = if ready { READY } else { WAITING };
            self.queue[self.tail] = s;
            self.tail += usize::from(ready);
        }
    }

    /// Exact inverse of `check_out` + `release_successors` for `nodes`.
    fn undo(&mut self, nodes: &[NodeId], tail: usize) {
        for &v in nodes {
            for &s in self.graph.successors(v) {
                self.remaining[s as usize] += 1;
            }
            self.status[v as usize] = OUT;
        }
        for &s in &self.queue[tail..self.tail] {
            self.status[s as usize] = WAITING;
        }
        self.tail = tail;
    }

    /// Every node is done (true at once for the empty graph).
    pub fn is_done(&self) -> bool {
        self.done == self.graph.node_count()
    }

    pub fn counts(&self) -> RunCounts {
        RunCounts {
            nodes: self.graph.node_count(),
            ready: self.tail - self.head,
            out: self.head - self.done,
            done: self.done,
        }
    }

    /// Where the queue's storage starts: `node_count` slots, never moved during the
    /// scheduler's life (the C ABI's live view points here).
    pub fn queue_ptr(&self) -> *const NodeId {
        self.queue.as_ptr()
    }

    /// Every node made ready so far this run, in the order it became ready.
    pub fn queued(&self) -> &[NodeId] {
        &self.queue[..self.tail]
    }

    /// Whether `node` is marked done (false for unknown ids).
    pub fn is_node_done(&self, node: NodeId) -> bool {
        self.status.get(node as usize) == Some(&DONE)
    }

    /// Heap bytes of this run's state.
    pub fn heap_bytes(&self) -> usize {
        self.remaining.capacity() * 4 + self.status.capacity() + self.queue.capacity() * 4
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduler::graph::Graph;

    fn diamond() -> Arc<Graph> {
        // a -> b, a -> c, b -> d, c -> d
        Arc::new(Graph::from_edges([("a", "b"), ("a", "c"), ("b", "d"), ("c", "d")]).unwrap())
    }

    #[test]
    fn edges_api_drive_in_insertion_order() {
        let mut s = Scheduler::new(diamond());
        assert_eq!(s.get_ready(10), &[0]);
        assert_eq!(s.mark_done(0).unwrap(), &[1, 2]);
        assert_eq!(s.get_ready(1), &[1]);
        assert_eq!(s.mark_done(1).unwrap(), &[] as &[NodeId]);
        assert_eq!(
            s.counts(),
            RunCounts {
                nodes: 4,
                ready: 1,
                out: 0,
                done: 2
            }
        );
        assert_eq!(s.get_ready(1), &[2]);
        assert_eq!(s.mark_done(2).unwrap(), &[3]);
        assert!(!s.is_done());
        assert_eq!(s.get_all_ready(), &[3]);
        s.mark_done(3).unwrap();
        assert!(s.is_done());
        assert_eq!(s.queued(), &[0, 1, 2, 3]);
        assert!(s.get_all_ready().is_empty());
    }

    #[test]
    fn refusals_are_distinct_and_change_nothing() {
        let mut s = Scheduler::new(diamond());
        assert_eq!(s.mark_done(9), Err(RunError::UnknownNode(9)));
        assert_eq!(
            s.mark_done(0),
            Err(RunError::NotHandedOut {
                node: 0,
                ready: true
            })
        );
        assert_eq!(
            s.mark_done(3),
            Err(RunError::NotHandedOut {
                node: 3,
                ready: false
            })
        );
        s.get_all_ready();
        s.mark_done(0).unwrap();
        assert_eq!(s.mark_done(0), Err(RunError::AlreadyDone(0)));
        let out = s.get_all_ready().to_vec();
        assert_eq!(out, [1, 2]);
        let before = s.counts();
        // A batch with a repeat, an unknown id or a bad node is refused as a whole.
        assert_eq!(
            s.mark_done_many(&[1, 1], usize::MAX),
            Err(RunError::AlreadyDone(1))
        );
        assert_eq!(
            s.mark_done_many(&[1, 2, 77], usize::MAX),
            Err(RunError::UnknownNode(77))
        );
        assert_eq!(s.counts(), before);
        // Too little room for the newly ready: refused, then accepted with room.
        assert_eq!(
            s.mark_done_many(&[1, 2], 0),
            Err(RunError::TooManyNewlyReady { needed: 1 })
        );
        assert_eq!(s.counts(), before);
        assert_eq!(s.mark_done_many(&[2, 1], 1).unwrap(), &[3]);
        assert_eq!(s.get_all_ready(), &[3]);
    }

    #[test]
    fn reset_starts_over_and_runs_repeat_identically() {
        let g = Arc::new(
            Graph::from_dependencies([
                ("d", vec!["b", "c"]),
                ("b", vec!["a"]),
                ("c", vec!["a"]),
                ("e", vec![]),
            ])
            .unwrap(),
        );
        let mut s = Scheduler::new(g.clone());
        let drive = |s: &mut Scheduler| {
            let mut order = Vec::new();
            while !s.is_done() {
                let batch = s.get_all_ready().to_vec();
                assert!(!batch.is_empty());
                s.mark_done_many(&batch, usize::MAX).unwrap();
                order.extend(batch);
            }
            order
        };
        let first = drive(&mut s);
        s.reset();
        assert_eq!(drive(&mut s), first);
        assert_eq!(first, g.topological_order());
    }

    #[test]
    fn empty_graph_is_done_at_once() {
        let mut s = Scheduler::new(Arc::new(
            crate::scheduler::GraphBuilder::new().build().unwrap(),
        ));
        assert!(s.is_done());
        assert!(s.get_ready(5).is_empty());
        assert_eq!(s.mark_done(0), Err(RunError::UnknownNode(0)));
    }
}
