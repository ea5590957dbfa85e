//! Interned names: node ids and signal names become dense `u32` ids, so hot
//! paths compare and hash integers instead of strings.
//!
//! Ids start at 0 and are handed out in interning order. A name is never
//! forgotten while the interner lives, so an id stays valid (and keeps naming
//! the same text) for the interner's whole life.
//!
//! Thread safety: every method may be called from many threads at once.
//! Looking up a name by id takes no lock.

use foldhash::fast::RandomState;
use parking_lot::RwLock;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};

/// An interned name's id.
pub type NameId = u32;

/// How many names one interner can hold: every `u32` but `u32::MAX`, which
/// stays free so that bindings can use it as "no name".
pub(crate) const MAX_NAMES: u32 = u32::MAX;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InternError {
    /// Names must not be empty.
    Empty,
    /// [`MAX_NAMES`] names are interned already.
    Full,
}

pub struct Interner {
    ids: RwLock<HashMap<Box<str>, NameId, RandomState>>,
    /// `names[id]`, append-only. The boxed text never moves or changes once
    /// pushed, which is what lets [`Interner::name`] lend it for `&self`'s life.
    names: RwLock<Vec<Box<str>>>,
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
            names: RwLock::new(Vec::new()),
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
        let mut names = self.names.write();
        let id = u32::try_from(names.len())
            .ok()
            .filter(|id| *id < MAX_NAMES)
            .ok_or(InternError::Full)?;
        names.push(name.into());
        // Published after the name is in place: an id below `count` always has a name.
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
        let names = self.names.read();
        let text: &str = names.get(id as usize)?;
        let ptr: *const str = text;
        // SAFETY: the boxed text is owned by `self.names`, which only ever grows:
        // no box is removed, replaced or mutated before the interner is dropped.
        // Growing the vector moves the boxes, never the text they point to. So
        // the text lives, unchanged, as long as `&self`.
        Some(unsafe { &*ptr })
    }

    /// How many names are interned.
    pub fn len(&self) -> usize {
        self.count.load(Ordering::Acquire) as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
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
