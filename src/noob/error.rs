//! Errors of the noob drop-in, one variant per Python exception class of
//! `noob_core.exceptions` (document §1.1) plus `ValueError`.

use super::epoch::{Epoch, EpochError};
use super::intern::{self, ItemId};
use super::sorter::SorterError;
use std::fmt;

/// Why a scheduler call failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NoobError {
    /// `EpochCompletedError`: the epoch is already completed (message: the epoch's repr).
    EpochCompleted(Epoch),
    /// `EpochExistsError`: the epoch already has a sorter (message: the epoch's repr).
    EpochExists(Epoch),
    /// `NotAddedError`: an item or epoch the graph does not have.
    NotAdded(String),
    /// `AlreadyDoneError`: an item already done, or resurrecting one that ran.
    AlreadyDone(String),
    /// A plain `ValueError` (subepoch of a root, negative epoch, overflow).
    Value(String),
}

impl fmt::Display for NoobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NoobError::EpochCompleted(e) | NoobError::EpochExists(e) => write!(f, "{e}"),
            NoobError::NotAdded(m) | NoobError::AlreadyDone(m) | NoobError::Value(m) => {
                f.write_str(m)
            }
        }
    }
}

impl std::error::Error for NoobError {}

impl From<SorterError> for NoobError {
    fn from(e: SorterError) -> Self {
        match e {
            SorterError::AlreadyDone(items) => NoobError::AlreadyDone(format!(
                "node(s) {} were already marked done",
                intern::describe(&items)
            )),
            SorterError::NotAdded(items) => NoobError::NotAdded(format!(
                "node(s) {} were not added using add()",
                intern::describe(&items)
            )),
            SorterError::NotExpired(items) => NoobError::AlreadyDone(format!(
                "node(s) {} were marked done, not expired! can only resurrect expired nodes.",
                intern::describe(&items)
            )),
        }
    }
}

impl From<EpochError> for NoobError {
    fn from(e: EpochError) -> Self {
        NoobError::Value(e.to_string())
    }
}

/// `NotAddedError` for a name the process never saw.
pub(crate) fn unknown_item(id: ItemId) -> NoobError {
    NoobError::NotAdded(format!(
        "item id {id} is not known to this process: nodes and signals must be added when the \
         scheduler is created"
    ))
}
