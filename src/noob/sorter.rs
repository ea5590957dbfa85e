//! The per-epoch sorter state machine (document §5).
//!
//! A sorter shares its immutable [`Template`] and keeps only compact per-epoch arrays:
//! `nqueue` counters, one state byte per item, the `ready` and `out` insertion-ordered sets
//! (vector plus position index, swap-removal as in the reference) and the per-slot release
//! flags. Creating one copies these arrays — a few bytes per item, never the graph.
//!
//! Items the template does not know (expired into an epoch whose graph lacks them, §5.4)
//! get local indexes after the template's.
//!
//! Thread safety: `Send + Sync`; mutation needs `&mut`.

use super::intern::{self, ItemId, ItemKind, PREV};
use super::template::{Template, F_DISABLED, F_SIGNAL};
use std::sync::Arc;

const NONE: u32 = u32::MAX;
const S_DONE: u8 = 1;
const S_RAN: u8 = 2;
/// An extra item that became a key (the reference creates an entry for it).
const S_KEY: u8 = 4;

/// Insertion-ordered set of local indexes with swap-removal.
#[derive(Clone, Debug)]
pub(crate) struct OrdSet {
    pub(crate) items: Vec<u32>,
    pos: Vec<u32>,
}

impl OrdSet {
    fn with_len(n: usize) -> Self {
        OrdSet {
            items: Vec::new(),
            pos: vec![NONE; n],
        }
    }

    fn grow(&mut self) {
        self.pos.push(NONE);
    }

    pub(crate) fn contains(&self, x: u32) -> bool {
        self.pos[x as usize] != NONE
    }

    fn insert(&mut self, x: u32) -> bool {
        if self.contains(x) {
            return false;
        }
        self.pos[x as usize] = self.items.len() as u32;
        self.items.push(x);
        true
    }

    fn swap_remove(&mut self, x: u32) -> bool {
        let at = self.pos[x as usize];
        if at == NONE {
            return false;
        }
        self.pos[x as usize] = NONE;
        let last = self.items.pop().expect("a member exists");
        if last != x {
            self.items[at as usize] = last;
            self.pos[last as usize] = at;
        }
        true
    }

    /// Order-preserving filter.
    fn retain(&mut self, mut keep: impl FnMut(u32) -> bool) {
        let before = self.items.len();
        let pos = &mut self.pos;
        self.items.retain(|&x| {
            let k = keep(x);
            if !k {
                pos[x as usize] = NONE;
            }
            k
        });
        if self.items.len() != before {
            for (i, &x) in self.items.iter().enumerate() {
                self.pos[x as usize] = i as u32;
            }
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// Why a sorter refused a batch (interned ids of the offending items).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SorterError {
    /// Items already in `done`.
    AlreadyDone(Vec<ItemId>),
    /// Items that are not keys of this sorter.
    NotAdded(Vec<ItemId>),
    /// `resurrect` of items that really ran.
    NotExpired(Vec<ItemId>),
}

/// One epoch's sorter.
#[derive(Clone, Debug)]
pub struct Sorter {
    t: Arc<Template>,
    nqueue: Vec<i32>,
    state: Vec<u8>,
    pub(crate) ready: OrdSet,
    pub(crate) out: OrdSet,
    slot_present: Vec<bool>,
    /// Items outside the template: (interned id, is a signal).
    extra: Vec<(ItemId, bool)>,
    npassedout: i64,
    nfinished: i64,
    exhausted: bool,
}

/// A sorter's state as `get_epoch_state()` reports it (interned ids).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SorterState {
    pub ready: Vec<ItemId>,
    pub out: Vec<ItemId>,
    pub done: Vec<ItemId>,
    pub disabled: Vec<ItemId>,
    pub ran: Vec<ItemId>,
    pub pending: Vec<ItemId>,
    pub npassedout: i64,
    pub nfinished: i64,
    pub info: Vec<ItemInfo>,
}

/// One key's bookkeeping in [`SorterState::info`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ItemInfo {
    pub item: ItemId,
    pub nqueue: i64,
    pub successors: Vec<ItemId>,
    pub predecessors: Vec<ItemId>,
    /// `(signal, slot)` pairs.
    pub optional_predecessors: Vec<(ItemId, ItemId)>,
    pub optional_successors: Vec<ItemId>,
}

impl Sorter {
    /// A fresh sorter for one epoch (a "clone of the template").
    pub fn new(t: Arc<Template>) -> Sorter {
        let exhausted = t.exhausted;
        let mut s = Sorter::probe(t);
        s.exhausted = exhausted;
        s
    }

    /// A fresh sorter that ignores the template's exhausted flag (used to compute it).
    pub(crate) fn probe(t: Arc<Template>) -> Sorter {
        let n = t.len();
        let mut ready = OrdSet::with_len(n);
        for &l in &t.ready {
            ready.insert(l);
        }
        Sorter {
            nqueue: t.nqueue.clone(),
            state: vec![0; n],
            ready,
            out: OrdSet::with_len(n),
            slot_present: t.slot_initial.clone(),
            extra: Vec::new(),
            npassedout: 0,
            nfinished: 0,
            exhausted: false,
            t,
        }
    }

    /// The template this sorter was cloned from.
    pub fn template(&self) -> &Arc<Template> {
        &self.t
    }

    fn base(&self) -> usize {
        self.t.len()
    }

    fn gid(&self, l: u32) -> ItemId {
        let l = l as usize;
        if l < self.base() {
            self.t.gids[l]
        } else {
            self.extra[l - self.base()].0
        }
    }

    /// Local index of any item this sorter has seen.
    pub(crate) fn local_of(&self, g: ItemId) -> Option<u32> {
        self.t.local_of(g).or_else(|| {
            self.extra
                .iter()
                .position(|&(x, _)| x == g)
                .map(|i| (self.base() + i) as u32)
        })
    }

    fn is_key(&self, l: u32) -> bool {
        (l as usize) < self.base() || self.state[l as usize] & S_KEY != 0
    }

    fn is_signal(&self, l: u32) -> bool {
        let l = l as usize;
        if l < self.base() {
            self.t.flags[l] & F_SIGNAL != 0
        } else {
            self.extra[l - self.base()].1
        }
    }

    fn is_disabled(&self, l: u32) -> bool {
        let l = l as usize;
        if l < self.base() {
            self.t.flags[l] & F_DISABLED != 0
        } else {
            self.t.disabled_set.contains(&self.extra[l - self.base()].0)
        }
    }

    fn done_l(&self, l: u32) -> bool {
        self.state[l as usize] & S_DONE != 0
    }

    /// Whether `g` is a key of this sorter.
    pub fn has_key(&self, g: ItemId) -> bool {
        self.local_of(g).is_some_and(|l| self.is_key(l))
    }

    /// Whether `g` is in `done`.
    pub fn is_done(&self, g: ItemId) -> bool {
        self.local_of(g).is_some_and(|l| self.done_l(l))
    }

    /// Whether `g` is in `ran`.
    pub fn has_ran(&self, g: ItemId) -> bool {
        self.local_of(g)
            .is_some_and(|l| self.state[l as usize] & S_RAN != 0)
    }

    /// Whether `g` is in `ready`.
    pub fn is_ready(&self, g: ItemId) -> bool {
        self.local_of(g).is_some_and(|l| self.ready.contains(l))
    }

    /// Whether `g` is in `out`.
    pub fn is_out(&self, g: ItemId) -> bool {
        self.local_of(g).is_some_and(|l| self.out.contains(l))
    }

    /// The graph signals of node `g` in this sorter (interned ids, `signals[g]` order).
    pub fn signals_of(&self, g: ItemId) -> Vec<ItemId> {
        match self.t.local_of(g) {
            Some(l) => self.t.signals.row(l).iter().map(|&s| self.gid(s)).collect(),
            None => Vec::new(),
        }
    }

    /// `done` of node `g`'s graph signals that are not done yet, as one batch.
    pub(crate) fn done_pending_signals(&mut self, g: ItemId) -> Result<(), SorterError> {
        let Some(l) = self.t.local_of(g) else {
            return Ok(());
        };
        let t = Arc::clone(&self.t);
        let row = t.signals.row(l);
        match row {
            [] => Ok(()),
            [s] if !self.done_l(*s) => self.done(&[t.gids[*s as usize]]),
            _ => {
                let pending: Vec<ItemId> = row
                    .iter()
                    .filter(|&&s| !self.done_l(s))
                    .map(|&s| t.gids[s as usize])
                    .collect();
                self.done(&pending)
            }
        }
    }

    /// §5.1 activity.
    pub fn is_active(&self) -> bool {
        !self.exhausted && (self.nfinished < self.npassedout || !self.ready.is_empty())
    }

    fn add_extra(&mut self, g: ItemId) -> u32 {
        let is_signal = matches!(intern::kind_of(g), Some((ItemKind::Signal, _)));
        self.extra.push((g, is_signal));
        self.nqueue.push(0);
        self.state.push(0);
        self.ready.grow();
        self.out.grow();
        (self.state.len() - 1) as u32
    }

    /// "expire_node": finish an item; false if it was already done.
    fn finish(&mut self, l: u32) -> bool {
        if self.done_l(l) {
            return false;
        }
        self.nfinished += 1;
        self.state[l as usize] |= S_DONE;
        self.ready.swap_remove(l);
        if !self.out.swap_remove(l) {
            self.npassedout += 1;
        }
        true
    }

    fn mark_out(&mut self, l: u32) {
        self.ready.swap_remove(l);
        self.out.insert(l);
        self.npassedout += 1;
    }

    /// §5.2: hand out the ready nodes (interned ids, `ready` order) and mark them and their
    /// signals out.
    pub fn get_ready(&mut self) -> Vec<ItemId> {
        let nodes: Vec<u32> = self
            .ready
            .items
            .iter()
            .copied()
            .filter(|&l| !self.is_signal(l))
            .collect();
        let t = Arc::clone(&self.t);
        for &l in &nodes {
            self.mark_out(l);
        }
        for &l in &nodes {
            for &s in t.signals.row(l) {
                self.mark_out(s);
            }
        }
        nodes.into_iter().map(|l| self.gid(l)).collect()
    }

    /// §5.3: finish a batch as really run.
    pub fn done(&mut self, items: &[ItemId]) -> Result<(), SorterError> {
        // The checks keep the reference's order (done before not-added); the error lists are
        // only built on failure, so the usual one-item batch allocates nothing here.
        if items.iter().any(|&g| self.is_done(g)) {
            let already = items.iter().copied().filter(|&g| self.is_done(g)).collect();
            return Err(SorterError::AlreadyDone(already));
        }
        if !items.iter().all(|&g| self.has_key(g)) {
            let missing = items
                .iter()
                .copied()
                .filter(|&g| !self.has_key(g))
                .collect();
            return Err(SorterError::NotAdded(missing));
        }
        if let [g] = items {
            let l = self.local_of(*g).expect("checked above");
            if self.finish(l) {
                self.state[l as usize] |= S_RAN;
                self.release_successors(l);
            }
            return Ok(());
        }
        let mut newly = Vec::with_capacity(items.len());
        for &g in items {
            let l = self.local_of(g).expect("checked above");
            if self.finish(l) {
                newly.push(l);
                self.state[l as usize] |= S_RAN;
            }
        }
        for l in newly {
            self.release_successors(l);
        }
        Ok(())
    }

    /// §5.3 step 4 for one newly finished item.
    fn release_successors(&mut self, l: u32) {
        let t = Arc::clone(&self.t);
        for &s in t.succ.row(l) {
            if self.done_l(s) || self.out.contains(s) {
                continue;
            }
            self.nqueue[s as usize] -= 1;
            if self.nqueue[s as usize] == 0 {
                if self.is_disabled(s) {
                    self.expire_locals(&[s], true);
                } else {
                    self.ready.insert(s);
                }
            }
        }
    }

    /// §5.4: finish items as expired; never fails.
    pub fn mark_expired(&mut self, items: &[ItemId], unlock_optionals: bool) {
        let locals: Vec<u32> = items
            .iter()
            .map(|&g| match self.local_of(g) {
                Some(l) => l,
                None => self.add_extra(g),
            })
            .collect();
        self.expire_locals(&locals, unlock_optionals);
    }

    fn expire_locals(&mut self, items: &[u32], unlock_optionals: bool) {
        let t = Arc::clone(&self.t);
        let mut newly = Vec::with_capacity(items.len());
        for &l in items {
            if self.finish(l) {
                newly.push(l);
            }
            if self.is_key(l) {
                let succ = t.succ.row(l);
                if !succ.is_empty() {
                    self.ready.retain(|x| !succ.contains(&x));
                }
            }
        }
        if !unlock_optionals {
            return;
        }
        for l in newly {
            // The reference creates an (empty) entry for an item it did not know.
            self.state[l as usize] |= S_KEY;
            for &slot in t.opt_succ.row(l) {
                let m = t.slot_node[slot as usize];
                if self.slot_present[slot as usize] {
                    self.slot_present[slot as usize] = false;
                    self.nqueue[m as usize] -= 1;
                }
                if self.nqueue[m as usize] == 0 && !self.done_l(m) && !self.out.contains(m) {
                    if self.is_disabled(m) {
                        self.finish(m);
                    } else {
                        self.ready.insert(m);
                    }
                }
            }
        }
    }

    /// §5.5: undo expiry of items that did not run.
    pub fn resurrect(&mut self, items: &[ItemId]) -> Result<(), SorterError> {
        let ran: Vec<ItemId> = items.iter().copied().filter(|&g| self.has_ran(g)).collect();
        if !ran.is_empty() {
            return Err(SorterError::NotExpired(ran));
        }
        for &g in items {
            let Some(l) = self.local_of(g) else { continue };
            if self.is_disabled(l) || !self.done_l(l) {
                continue;
            }
            self.state[l as usize] &= !S_DONE;
            self.nfinished -= 1;
            self.npassedout -= 1;
            if self.is_key(l) && self.nqueue[l as usize] == 0 {
                self.ready.insert(l);
            }
        }
        Ok(())
    }

    /// Marks one item out as the subepoch state copy does (§8.2 step 3).
    pub(crate) fn mark_out_item(&mut self, g: ItemId) {
        if let Some(l) = self.local_of(g) {
            self.mark_out(l);
        }
    }

    /// §7.17 on this sorter (consumes it): batches of node ids.
    pub fn generations(self) -> Vec<Vec<ItemId>> {
        self.generations_up_to(usize::MAX)
    }

    /// The first `limit` batches of [`Sorter::generations`].
    pub(crate) fn generations_up_to(mut self, limit: usize) -> Vec<Vec<ItemId>> {
        let mut batches = Vec::new();
        if self.is_ready(PREV) {
            let _ = self.done(&[PREV]);
        }
        while self.is_active() && batches.len() < limit {
            let batch = self.get_ready();
            let out: Vec<ItemId> = self.out.items.iter().map(|&l| self.gid(l)).collect();
            if batch.is_empty() && out.is_empty() {
                // Active only through counters that can never settle; the reference would
                // spin here forever.
                break;
            }
            batches.push(batch);
            let _ = self.done(&out);
        }
        batches
    }

    /// Whether every item in `items` is done here.
    pub fn all_done(&self, items: &[ItemId]) -> bool {
        items.iter().all(|&g| self.is_done(g))
    }

    /// The state export of §7.20.
    pub fn state(&self) -> SorterState {
        let n = self.state.len() as u32;
        let ids = |f: &dyn Fn(u32) -> bool| (0..n).filter(|&l| f(l)).map(|l| self.gid(l)).collect();
        let ready: Vec<ItemId> = self.ready.items.iter().map(|&l| self.gid(l)).collect();
        let out: Vec<ItemId> = self.out.items.iter().map(|&l| self.gid(l)).collect();
        let done = ids(&|l| self.done_l(l));
        let ran = ids(&|l| self.state[l as usize] & S_RAN != 0);
        let pending = ids(&|l| {
            self.is_key(l)
                && !self.ready.contains(l)
                && !self.out.contains(l)
                && self.state[l as usize] & (S_DONE | S_RAN) == 0
                && !self.is_disabled(l)
        });
        let t = &self.t;
        let info = (0..n)
            .filter(|&l| self.is_key(l))
            .map(|l| {
                let base = (l as usize) < self.base();
                ItemInfo {
                    item: self.gid(l),
                    nqueue: self.nqueue[l as usize] as i64,
                    successors: t.succ.row(l).iter().map(|&s| self.gid(s)).collect(),
                    predecessors: t.pred.row(l).iter().map(|&s| self.gid(s)).collect(),
                    optional_predecessors: if base {
                        t.opt_pred.row(l).to_vec()
                    } else {
                        Vec::new()
                    },
                    optional_successors: t
                        .opt_succ
                        .row(l)
                        .iter()
                        .map(|&s| t.slot_gid[s as usize])
                        .collect(),
                }
            })
            .collect();
        SorterState {
            ready,
            out,
            done,
            disabled: t.disabled.clone(),
            ran,
            pending,
            npassedout: self.npassedout,
            nfinished: self.nfinished,
            info,
        }
    }
}
