//! The process-wide item interner (behaviour document §2.2).
//!
//! Every item (a node `N`, a signal `(N, s)` or a slot `(N, t)`) gets a dense `u32` id the
//! first time anything in the process names it, and keeps it for the life of the process:
//! all schedulers and all epochs share one interner. The ids are observable: epoch
//! segments order by the id of their node (§3.4). The interner is pre-seeded with
//! `("meta", "previous_epoch")` = 0, `"meta"` = 1, `"tube"` = 2, `"input"` = 3 and
//! `"assets"` = 4, as in noob-core 0.2.1.
//!
//! Thread safety: every function here is safe from any thread (one `RwLock`; lookups take
//! the read lock, interning the write lock).

use hashbrown::{DefaultHashBuilder, HashTable};
use parking_lot::RwLock;
use std::fmt::Write as _;
use std::hash::BuildHasher;
use std::sync::OnceLock;

/// An interned item's id.
pub type ItemId = u32;

/// `("meta", "previous_epoch")`: the signal stateful nodes wait on.
pub(crate) const PREV: ItemId = 0;
/// The `"meta"` pseudo-node.
pub(crate) const META: ItemId = 1;
/// `"tube"`: names the root component of an epoch.
pub(crate) const TUBE: ItemId = 2;
/// The `"input"` virtual node.
pub(crate) const INPUT: ItemId = 3;
/// The `"assets"` virtual node.
pub(crate) const ASSETS: ItemId = 4;

/// What an item is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum ItemKind {
    /// A node `N`.
    Node = 0,
    /// A signal `(N, s)`: a named output of node `N`.
    Signal = 1,
    /// A slot `(N, t)`: a named input of node `N`.
    Slot = 2,
}

struct Entry {
    kind: ItemKind,
    /// The node part: the item itself for a node.
    node: ItemId,
    name: Box<str>,
}

struct Interner {
    entries: Vec<Entry>,
    index: HashTable<ItemId>,
    hasher: DefaultHashBuilder,
}

/// The `node` field of node entries.
const NODE: ItemId = u32::MAX;

fn key_hash(hasher: &DefaultHashBuilder, kind: ItemKind, node: ItemId, name: &str) -> u64 {
    hasher.hash_one((kind as u8, node, name))
}

impl Interner {
    fn seeded() -> Self {
        let mut interner = Interner {
            entries: Vec::new(),
            index: HashTable::new(),
            hasher: DefaultHashBuilder::default(),
        };
        // The seed order of the reference: the signal first, then its node.
        interner.push(ItemKind::Signal, META, "previous_epoch");
        for name in ["meta", "tube", "input", "assets"] {
            interner.push(ItemKind::Node, NODE, name);
        }
        interner
    }

    fn len(&self) -> ItemId {
        self.entries.len() as ItemId
    }

    fn push(&mut self, kind: ItemKind, node: ItemId, name: &str) -> ItemId {
        let id = self.len();
        assert!(id < u32::MAX, "the item interner is full (2**32 - 1 items)");
        let hash = key_hash(&self.hasher, kind, node, name);
        self.entries.push(Entry {
            kind,
            node,
            name: name.into(),
        });
        let (entries, hasher) = (&self.entries, &self.hasher);
        self.index.insert_unique(hash, id, |&other| {
            let e = &entries[other as usize];
            key_hash(hasher, e.kind, e.node, &e.name)
        });
        id
    }

    fn find(&self, kind: ItemKind, node: ItemId, name: &str) -> Option<ItemId> {
        let hash = key_hash(&self.hasher, kind, node, name);
        self.index
            .find(hash, |&id| {
                let e = &self.entries[id as usize];
                e.kind == kind && e.node == node && *e.name == *name
            })
            .copied()
    }

    fn get_or_push(&mut self, kind: ItemKind, node: ItemId, name: &str) -> ItemId {
        match self.find(kind, node, name) {
            Some(id) => id,
            None => self.push(kind, node, name),
        }
    }
}

fn global() -> &'static RwLock<Interner> {
    static INTERNER: OnceLock<RwLock<Interner>> = OnceLock::new();
    INTERNER.get_or_init(|| RwLock::new(Interner::seeded()))
}

/// Interns in bulk under one write lock (what a scheduler constructor does).
pub struct InternBatch<'a> {
    guard: parking_lot::RwLockWriteGuard<'a, Interner>,
}

impl InternBatch<'_> {
    /// Starts a batch.
    pub fn new() -> InternBatch<'static> {
        InternBatch {
            guard: global().write(),
        }
    }

    /// The id of node `name`, interning it if new.
    pub fn node(&mut self, name: &str) -> ItemId {
        self.guard.get_or_push(ItemKind::Node, NODE, name)
    }

    /// The id of signal `(node, signal)`; interns the signal, then (if new) its node.
    pub fn signal(&mut self, node: &str, signal: &str) -> ItemId {
        let node = self.node(node);
        self.guard.get_or_push(ItemKind::Signal, node, signal)
    }

    /// The id of slot `(node, slot)`, interning the node and the slot if new.
    pub fn slot(&mut self, node: &str, slot: &str) -> ItemId {
        let node = self.node(node);
        self.guard.get_or_push(ItemKind::Slot, node, slot)
    }
}

/// The id of node `name`, interning it if new.
pub fn intern_node(name: &str) -> ItemId {
    if let Some(id) = lookup_node(name) {
        return id;
    }
    InternBatch::new().node(name)
}

/// The id of signal `(node, signal)`, interning both if new.
pub fn intern_signal(node: &str, signal: &str) -> ItemId {
    InternBatch::new().signal(node, signal)
}

/// The id of node `name` if the process has seen it.
pub fn lookup_node(name: &str) -> Option<ItemId> {
    global().read().find(ItemKind::Node, NODE, name)
}

/// The id of signal `(node, signal)` if the process has seen it.
pub fn lookup_signal(node: &str, signal: &str) -> Option<ItemId> {
    let interner = global().read();
    let node = interner.find(ItemKind::Node, NODE, node)?;
    interner.find(ItemKind::Signal, node, signal)
}

/// How many items the process has interned (ids are `0..count`).
pub fn count() -> ItemId {
    global().read().len()
}

/// Kind and node part of an item, or `None` for an id never handed out.
pub fn kind_of(id: ItemId) -> Option<(ItemKind, ItemId)> {
    let interner = global().read();
    interner.entries.get(id as usize).map(|e| match e.kind {
        ItemKind::Node => (ItemKind::Node, id),
        kind => (kind, e.node),
    })
}

/// Calls `f` with the item's kind, node name and (for signals and slots) own name.
pub fn with_names<R>(id: ItemId, f: impl FnOnce(ItemKind, &str, Option<&str>) -> R) -> Option<R> {
    let interner = global().read();
    let entry = interner.entries.get(id as usize)?;
    Some(match entry.kind {
        ItemKind::Node => f(ItemKind::Node, &entry.name, None),
        kind => {
            let node = &interner.entries[entry.node as usize].name;
            f(kind, node, Some(&entry.name))
        }
    })
}

/// The node name of an item (its own name for a node).
pub fn node_name(id: ItemId) -> Option<String> {
    with_names(id, |_, node, _| node.to_string())
}

/// Debug form of items as the reference prints them in error messages:
/// `[Node("a"), Signal("a", "x")]`.
pub fn describe(ids: &[ItemId]) -> String {
    let mut text = String::from("[");
    for (i, &id) in ids.iter().enumerate() {
        if i > 0 {
            text.push_str(", ");
        }
        let one = with_names(id, |kind, node, name| match (kind, name) {
            (ItemKind::Node, _) => format!("Node({node:?})"),
            (ItemKind::Signal, Some(s)) => format!("Signal({node:?}, {s:?})"),
            (_, s) => format!("Slot({node:?}, {:?})", s.unwrap_or_default()),
        });
        let _ = write!(text, "{}", one.unwrap_or_else(|| format!("<item {id}>")));
    }
    text.push(']');
    text
}
