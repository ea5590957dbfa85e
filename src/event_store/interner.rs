//! Interned names: node ids and signal names become dense `u32` ids, so hot
//! paths compare and hash integers instead of strings.
//!
//! Ids start at 0 and are handed out in interning order. A name is never
//! forgotten while the interner lives, so an id stays valid (and keeps naming
//! the same text) for the interner's whole life.
//!
//! Thread safety: every method may be called from many threads at once.
//! Looking up a name by id takes no lock and writes no shared memory: names
//! live in chunks of doubling size (`2^k` names in chunk `k`), each name in a
//! `OnceLock` that is set once and never changed.

use foldhash::fast::RandomState;
use parking_lot::RwLock;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

/// An interned name's id.
pub type NameId = u32;

/// How many names one interner can hold (2^24 - 1: ids stay far below `u32::MAX`,
/// which bindings may use as "no name", and the largest chunk of the name
/// table stays a modest allocation).
pub(crate) const MAX_NAMES: u32 = (1 << 24) - 1;
const CHUNKS: usize = 24;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InternError {
    /// Names must not be empty.
    Empty,
    /// [`MAX_NAMES`] names are interned already.
    Full,
}

/// `2^k` name slots, each set once.
type Chunk = Box<[OnceLock<Box<str>>]>;

pub struct Interner {
    ids: RwLock<HashMap<Box<str>, NameId, RandomState>>,
    /// Id `i` lives in chunk `k = log2(i + 1)` at `i + 1 - 2^k`. Written only
    /// while `ids` is locked for writing.
    chunks: [OnceLock<Chunk>; CHUNKS],
    /// `names.len()`, readable without the lock (checked on every add by id).
    count: AtomicU32,
}

impl std::fmt::Debug for Interner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Interner")
            .field("names", &self.len())
            .finish()
    }
}

impl Default for Interner {
    fn default() -> Self {
        Self::new()
    }
}

impl Interner {
    pub fn new() -> Self {
        Interner {
            ids: RwLock::new(HashMap::default()),
            chunks: std::array::from_fn(|_| OnceLock::new()),
            count: AtomicU32::new(0),
        }
    }

    /// The id of `name`, interning it first if it is new.
    pub fn intern(&self, name: &str) -> Result<NameId, InternError> {
        if name.is_empty() {
            return Err(InternError::Empty);
        }
        if let Some(&id) = self.ids.read().get(name) {
            return Ok(id);
        }
        let mut ids = self.ids.write();
        // Another thread may have interned it between the two locks.
        if let Some(&id) = ids.get(name) {
            return Ok(id);
        }
        let id = self.count.load(Ordering::Relaxed);
        if id >= MAX_NAMES {
            return Err(InternError::Full);
        }
        let (chunk, offset) = locate(id);
        let slots = self.chunks[chunk]
            .get_or_init(|| (0..1usize << chunk).map(|_| OnceLock::new()).collect());
        // Set before the count is published: an id below `count` always has a name.
        let _ = slots[offset].set(name.into());
        self.count.store(id + 1, Ordering::Release);
        ids.insert(name.into(), id);
        Ok(id)
    }

    /// The id of `name` if it was interned; never interns.
    pub fn lookup(&self, name: &str) -> Option<NameId> {
        self.ids.read().get(name).copied()
    }

    /// Whether `id` names an interned name.
    #[inline]
    pub fn contains(&self, id: NameId) -> bool {
        id < self.count.load(Ordering::Acquire)
    }

    /// The text of `id`, borrowed for as long as the interner lives.
    pub fn name(&self, id: NameId) -> Option<&str> {
        if id >= MAX_NAMES {
            return None;
        }
        let (chunk, offset) = locate(id);
        self.chunks[chunk]
            .get()?
            .get(offset)?
            .get()
            .map(|name| &**name)
    }

    /// How many names are interned.
    pub fn len(&self) -> usize {
        self.count.load(Ordering::Acquire) as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// (chunk, offset) of an id below [`MAX_NAMES`].
#[inline]
fn locate(id: NameId) -> (usize, usize) {
    let position = id as u64 + 1;
    let chunk = 63 - position.leading_zeros() as usize;
    (chunk, (position - (1 << chunk)) as usize)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn same_name_same_id_and_dense_ids() {
        let interner = Interner::new();
        assert_eq!(interner.intern("a"), Ok(0));
        assert_eq!(interner.intern("b"), Ok(1));
        assert_eq!(interner.intern("a"), Ok(0));
        assert_eq!(interner.lookup("b"), Some(1));
        assert_eq!(interner.lookup("c"), None);
        assert_eq!(interner.len(), 2);
        assert_eq!(interner.name(1), Some("b"));
        assert_eq!(interner.name(2), None);
        assert!(interner.contains(1) && !interner.contains(2));
    }

    #[test]
    fn ids_map_to_chunks_without_gaps() {
        assert_eq!(locate(0), (0, 0));
        assert_eq!(locate(1), (1, 0));
        assert_eq!(locate(2), (1, 1));
        assert_eq!(locate(3), (2, 0));
        assert_eq!(locate(MAX_NAMES - 1), (CHUNKS - 1, (1 << (CHUNKS - 1)) - 1));
        assert_eq!(
            locate(MAX_NAMES).0,
            CHUNKS,
            "one name more would need a chunk more"
        );
    }

    #[test]
    fn empty_names_are_refused() {
        let interner = Interner::new();
        assert_eq!(interner.intern(""), Err(InternError::Empty));
        assert!(interner.is_empty());
    }

    #[test]
    fn borrowed_names_survive_growth() {
        let interner = Interner::new();
        interner.intern("first").unwrap();
        let first = interner.name(0).unwrap();
        for i in 0..10_000 {
            interner.intern(&format!("n{i}")).unwrap();
        }
        assert_eq!(first, "first");
    }

    #[test]
    fn concurrent_interning_agrees_on_ids() {
        let interner = Arc::new(Interner::new());
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let interner = Arc::clone(&interner);
                std::thread::spawn(move || {
                    (0..500)
                        .map(|i| {
                            let name = format!("name{}", (i * 7 + t) % 500);
                            (name.clone(), interner.intern(&name).unwrap())
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut seen = std::collections::HashMap::new();
        for thread in threads {
            for (name, id) in thread.join().unwrap() {
                assert_eq!(*seen.entry(name.clone()).or_insert(id), id);
                assert_eq!(interner.name(id), Some(name.as_str()));
            }
        }
        assert_eq!(interner.len(), 500);
    }
}
