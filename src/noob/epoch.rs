//! `Epoch`: a root number plus a path of `(map node, index)` segments (document §3).
//!
//! Ordering is lexicographic on `(root, segments...)` with a segment comparing by
//! `(intern id of its node, index)` and a proper prefix before its extensions — exactly the
//! derived order of `(u32, [(u32, u32)])`. Equality and hashing cover root and full path.
//!
//! The compact "word" encoding used across the C ABI is `[k, root, node_1, index_1, ...,
//! node_k, index_k]` (`k` = number of segments, `node_i` = interned node ids).
//!
//! Thread safety: a plain immutable value (`Send + Sync`).

use super::intern::{self, ItemId, ItemKind, TUBE};
use std::fmt;

/// One epoch: root plus subepoch path.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct Epoch {
    root: u32,
    path: Box<[(ItemId, u32)]>,
}

/// Why an epoch operation was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EpochError {
    /// Decrementing below zero (`ValueError("Negative epochs are invalid")` in Python).
    Negative,
    /// Incrementing past `2**32 - 1` (the reference silently wraps; we refuse).
    Overflow,
    /// A malformed word encoding or a segment whose node id is not an interned node.
    Malformed(String),
}

impl fmt::Display for EpochError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EpochError::Negative => f.write_str("Negative epochs are invalid"),
            EpochError::Overflow => f.write_str("epoch component would exceed 2**32 - 1"),
            EpochError::Malformed(why) => write!(f, "malformed epoch: {why}"),
        }
    }
}

impl std::error::Error for EpochError {}

impl Epoch {
    /// The root epoch `root`.
    pub fn root_of(root: u32) -> Epoch {
        Epoch {
            root,
            path: Box::new([]),
        }
    }

    /// An epoch from root and path (segment nodes are interned node ids).
    pub fn new(root: u32, path: Vec<(ItemId, u32)>) -> Epoch {
        Epoch {
            root,
            path: path.into_boxed_slice(),
        }
    }

    /// The root number.
    pub fn root(&self) -> u32 {
        self.root
    }

    /// The path segments `(node id, index)`.
    pub fn path(&self) -> &[(ItemId, u32)] {
        &self.path
    }

    /// True for a root epoch (empty path).
    pub fn is_root(&self) -> bool {
        self.path.is_empty()
    }

    /// `Epoch(root)`.
    pub fn root_epoch(&self) -> Epoch {
        Epoch::root_of(self.root)
    }

    /// The epoch without its last segment; `None` for a root.
    pub fn parent(&self) -> Option<Epoch> {
        let (_, head) = self.path.split_last()?;
        Some(Epoch {
            root: self.root,
            path: head.into(),
        })
    }

    /// All ancestors, nearest first; empty for a root.
    pub fn parents(&self) -> Vec<Epoch> {
        (0..self.path.len())
            .rev()
            .map(|n| Epoch {
                root: self.root,
                path: self.path[..n].into(),
            })
            .collect()
    }

    /// The last segment; `None` for a root.
    pub fn leaf(&self) -> Option<(ItemId, u32)> {
        self.path.last().copied()
    }

    /// 1 + number of segments (the root counts as a segment).
    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> usize {
        1 + self.path.len()
    }

    /// Component `i`: `(TUBE, root)` for 0, the `i`-th segment after that.
    pub fn get(&self, i: usize) -> Option<(ItemId, u32)> {
        if i == 0 {
            Some((TUBE, self.root))
        } else {
            self.path.get(i - 1).copied()
        }
    }

    fn with_last(&self, value: u32) -> Epoch {
        let mut out = self.clone();
        match out.path.last_mut() {
            Some(last) => last.1 = value,
            None => out.root = value,
        }
        out
    }

    fn last_value(&self) -> u32 {
        self.path.last().map_or(self.root, |s| s.1)
    }

    /// `self + k`: increments the last component.
    pub fn checked_add(&self, k: u32) -> Result<Epoch, EpochError> {
        let value = self
            .last_value()
            .checked_add(k)
            .ok_or(EpochError::Overflow)?;
        Ok(self.with_last(value))
    }

    /// `self - k`: decrements the last component.
    pub fn checked_sub(&self, k: u32) -> Result<Epoch, EpochError> {
        let value = self
            .last_value()
            .checked_sub(k)
            .ok_or(EpochError::Negative)?;
        Ok(self.with_last(value))
    }

    /// `self / (node, index)`: appends a segment.
    pub fn child(&self, node: ItemId, index: u32) -> Epoch {
        let mut path = Vec::with_capacity(self.path.len() + 1);
        path.extend_from_slice(&self.path);
        path.push((node, index));
        Epoch::new(self.root, path)
    }

    /// `[self / (node, 0), ..., self / (node, n - 1)]`.
    pub fn make_subepochs(&self, node: ItemId, n: u32) -> Vec<Epoch> {
        (0..n).map(|i| self.child(node, i)).collect()
    }

    /// Appends the word encoding `[k, root, node_1, index_1, ...]`.
    pub fn write_words(&self, out: &mut Vec<u32>) {
        out.push(self.path.len() as u32);
        out.push(self.root);
        for &(node, index) in self.path.iter() {
            out.push(node);
            out.push(index);
        }
    }

    /// Number of words `write_words` appends.
    pub fn word_len(&self) -> usize {
        2 + 2 * self.path.len()
    }

    /// Decodes one epoch from the front of `words`; returns it and the words used.
    /// Segment nodes must be interned *node* ids.
    pub fn from_words(words: &[u32]) -> Result<(Epoch, usize), EpochError> {
        let (&k, rest) = words
            .split_first()
            .ok_or_else(|| EpochError::Malformed("no segment count".into()))?;
        let k = k as usize;
        let need = 1 + 2 * k;
        if rest.len() < need {
            return Err(EpochError::Malformed(format!(
                "{k} segments need {} words, {} given",
                need + 1,
                words.len()
            )));
        }
        let root = rest[0];
        let mut path = Vec::with_capacity(k);
        for pair in rest[1..need].chunks_exact(2) {
            match intern::kind_of(pair[0]) {
                Some((ItemKind::Node, _)) => path.push((pair[0], pair[1])),
                _ => {
                    return Err(EpochError::Malformed(format!(
                        "segment node id {} is not an interned node",
                        pair[0]
                    )))
                }
            }
        }
        Ok((Epoch::new(root, path), need + 1))
    }
}

impl fmt::Display for Epoch {
    /// The reference's repr: `7` for a root, `(3, ('a', 1), ('b', 2))` for a subepoch. Names
    /// go in as they are between single quotes, nothing escaped (noob-core 0.2.1 prints
    /// `('it's', 0)` and a NUL byte as itself).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            return write!(f, "{}", self.root);
        }
        write!(f, "({}", self.root)?;
        for &(node, index) in self.path.iter() {
            let name = intern::node_name(node).unwrap_or_default();
            write!(f, ", ('{name}', {index})")?;
        }
        f.write_str(")")
    }
}
