//! The noob drop-in: the scheduling core that noob 1003.0.2 expects from noob-core 0.2.1
//! (`/work/shared/docs/noob-core-behaviour.md`), in plain Rust.
//!
//! * [`intern`]: the process-wide item interner (nodes, signals, slots).
//! * [`epoch`]: [`Epoch`], root plus subepoch path, ordered by intern ids.
//! * [`template`]: the graph built once per scheduler (incl. optional-chain marks).
//! * [`sorter`]: the cheap per-epoch state machine over a shared template.
//! * [`scheduler`]: epochs, completion log, subepochs, `previous_epoch`, exhaustion.
//! * [`error`]: [`NoobError`], one variant per Python exception class.
//!
//! The graph core of [`crate::scheduler`] is not reused here: noob graphs may have
//! cycles (reported by `has_cycle`, not refused), their items are node *and* signal
//! vertices added incrementally with order-dependent bookkeeping, and names are interned
//! process-wide rather than per graph.

pub mod epoch;
pub mod error;
pub mod intern;
pub mod scheduler;
pub mod sorter;
pub mod template;

pub use epoch::{Epoch, EpochError};
pub use error::NoobError;
pub use intern::{ItemId, ItemKind};
pub use scheduler::{Scheduler, UpdateEvent};
pub use sorter::{ItemInfo, SorterState};
pub use template::{EdgeSpec, NodeSpec, Template};

#[cfg(test)]
mod tests;
