//! FastScheduler: topological scheduling and parallel execution of DAGs.
//!
//! * [`graph`]: the immutable, shareable [`Graph`] (interned names, CSR adjacency,
//!   topological order, generations, cycle detection) and its [`GraphBuilder`].
//! * [`run`]: [`Scheduler`], the cheap per-run state (ready queue in insertion order,
//!   handed-out and done tracking, reset) behind both seed APIs.
//! * [`parallel`]: [`run_parallel`], every node through a function on worker threads.
//!
//! The graph knows nothing of runs, and a run only borrows the graph (`Arc`), so a
//! later layer (epochs, signals, optional edges) can keep many runs of one graph.

pub mod graph;
pub mod parallel;
mod pool;
pub mod run;

pub use graph::{Graph, GraphBuilder, GraphError, NodeId};
pub use parallel::{run_parallel, NodeFailure, NodeStatus, ParallelOptions, RunReport};
pub use run::{RunCounts, RunError, Scheduler};

#[cfg(test)]
mod tests;
