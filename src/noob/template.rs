//! The template sorter built by the constructor (document §4), computed once per graph and
//! shared (behind an `Arc`) by every epoch sorter cloned from it.
//!
//! Construction reproduces noob-core 0.2.1's incremental `add` exactly, including the
//! order-dependent optional-chain bookkeeping of §4.4 (steps A-D) and the swap-removal
//! order of `ready`. The walks of steps B, C and D are skipped when they provably change
//! nothing — B while no optional predecessor exists anywhere, C while no item holds the
//! target in its optional successors (a per-slot holder count), D for a required edge into
//! a node without optional successors — so an all-required graph builds in O(V + E) and a
//! graph with optional edges pays only for the walks that can change a mark.
//!
//! The result is frozen into compact arrays indexed by a dense *local* item index (the
//! order items became keys, which is the reference's key order).
//!
//! Thread safety: a [`Template`] is immutable (`Send + Sync`); the builder is single-threaded.

use super::intern::{ItemId, ItemKind, ASSETS, INPUT, META, PREV, TUBE};
use super::sorter::Sorter;
use hashbrown::{DefaultHashBuilder, HashMap, HashSet};
use indexmap::IndexSet;
use std::sync::Arc;

type Set = IndexSet<ItemId, DefaultHashBuilder>;

/// A node as the constructor receives it: id, enabled, stateful (`None` = stateless).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodeSpec {
    pub node: ItemId,
    pub enabled: bool,
    pub stateful: Option<bool>,
}

/// An edge `source.signal -> target.slot` with interned ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EdgeSpec {
    pub source: ItemId,
    pub signal: ItemId,
    pub target: ItemId,
    pub slot: ItemId,
    pub required: bool,
}

/// Compressed rows: row `i` is `data[offsets[i]..offsets[i + 1]]`.
#[derive(Clone, Debug, Default)]
pub(crate) struct Csr<T> {
    offsets: Vec<u32>,
    data: Vec<T>,
}

impl<T: Copy> Csr<T> {
    fn from_rows<I: IntoIterator<Item = T>>(rows: impl Iterator<Item = I>) -> Self {
        let mut csr = Csr {
            offsets: vec![0],
            data: Vec::new(),
        };
        for row in rows {
            csr.data.extend(row);
            csr.offsets.push(csr.data.len() as u32);
        }
        csr
    }

    pub(crate) fn row(&self, i: u32) -> &[T] {
        let i = i as usize;
        match (self.offsets.get(i), self.offsets.get(i + 1)) {
            (Some(&a), Some(&b)) => &self.data[a as usize..b as usize],
            _ => &[],
        }
    }
}

/// Item flag: the item is a signal.
pub(crate) const F_SIGNAL: u8 = 1;
/// Item flag: the item is in the template's `disabled` set.
pub(crate) const F_DISABLED: u8 = 2;

/// The frozen template.
#[derive(Debug)]
pub struct Template {
    /// local index -> interned id, in key order.
    pub(crate) gids: Vec<ItemId>,
    pub(crate) local: HashMap<ItemId, u32>,
    pub(crate) flags: Vec<u8>,
    pub(crate) nqueue: Vec<i32>,
    pub(crate) succ: Csr<u32>,
    pub(crate) pred: Csr<u32>,
    /// Optional successors as indexes into the slot table, in set order.
    pub(crate) opt_succ: Csr<u32>,
    /// Optional predecessors as `(signal id, slot id)` pairs (exported by `get_epoch_state`).
    pub(crate) opt_pred: Csr<(ItemId, ItemId)>,
    /// Per local node: its graph signals (local indexes) in `signals[node]` order.
    pub(crate) signals: Csr<u32>,
    /// Slot table: interned slot id, local index of the slot's node, initially in `node.slots`.
    pub(crate) slot_gid: Vec<ItemId>,
    pub(crate) slot_node: Vec<u32>,
    pub(crate) slot_initial: Vec<bool>,
    /// Initial `ready`, local indexes in order.
    pub(crate) ready: Vec<u32>,
    /// The `disabled` set (interned ids, may include items that are not keys).
    pub(crate) disabled: Vec<ItemId>,
    pub(crate) disabled_set: HashSet<ItemId>,
    /// The §11.1 flag: sorters cloned from this template are never active.
    pub(crate) exhausted: bool,
    /// Whether the successor links have a cycle.
    cycle: bool,
}

impl Template {
    /// Number of keys.
    pub fn len(&self) -> usize {
        self.gids.len()
    }

    /// True when the template has no keys.
    pub fn is_empty(&self) -> bool {
        self.gids.is_empty()
    }

    /// The local index of a key.
    pub(crate) fn local_of(&self, gid: ItemId) -> Option<u32> {
        self.local.get(&gid).copied()
    }

    /// Whether the template counts as exhausted (§11.1).
    pub fn exhausted(&self) -> bool {
        self.exhausted
    }

    /// `source_nodes` (§4.5): keys whose predecessors are empty or just `PREV`, excluding
    /// `PREV`, `input`, `assets` and disabled items, in key order.
    pub fn source_nodes(&self) -> Vec<ItemId> {
        (0..self.len() as u32)
            .filter(|&l| {
                let gid = self.gids[l as usize];
                !matches!(gid, PREV | INPUT | ASSETS)
                    && self.flags[l as usize] & F_DISABLED == 0
                    && self
                        .pred
                        .row(l)
                        .iter()
                        .all(|&p| self.gids[p as usize] == PREV)
            })
            .map(|l| self.gids[l as usize])
            .collect()
    }

    /// Whether the successor links have a cycle (§7.16); computed once at construction.
    pub fn has_cycle(&self) -> bool {
        self.cycle
    }

    fn find_cycle(&self) -> bool {
        // Iterative three-colour depth-first search.
        let n = self.len();
        let mut colour = vec![0u8; n];
        let mut stack: Vec<(u32, usize)> = Vec::new();
        for start in 0..n as u32 {
            if colour[start as usize] != 0 {
                continue;
            }
            colour[start as usize] = 1;
            stack.push((start, 0));
            while let Some(&mut (node, ref mut next)) = stack.last_mut() {
                let row = self.succ.row(node);
                if let Some(&s) = row.get(*next) {
                    *next += 1;
                    match colour[s as usize] {
                        0 => {
                            colour[s as usize] = 1;
                            stack.push((s, 0));
                        }
                        1 => return true,
                        _ => {}
                    }
                } else {
                    colour[node as usize] = 2;
                    stack.pop();
                }
            }
        }
        false
    }

    /// Builds the template for `nodes` and `edges` (§4.3); every id must be interned, with
    /// the kind its field says (node, signal of `source`, slot of `target`).
    pub fn build(nodes: &[NodeSpec], edges: &[EdgeSpec]) -> Arc<Template> {
        let mut b = Builder::default();
        for n in nodes {
            if !n.enabled {
                b.disabled.insert(n.node);
            }
        }
        for e in edges {
            if b.disabled.contains(&e.target) {
                continue;
            }
            let pred = Pred {
                gid: e.signal,
                kind: ItemKind::Signal,
                node: e.source,
            };
            b.add(
                Target {
                    gid: e.slot,
                    node: e.target,
                    kind: ItemKind::Slot,
                },
                &[pred],
                e.required,
            );
        }
        for n in nodes {
            let target = Target {
                gid: n.node,
                node: n.node,
                kind: ItemKind::Node,
            };
            if n.enabled && !b.local.contains_key(&n.node) {
                b.add(target, &[], true);
            }
            if n.enabled && n.stateful == Some(true) {
                let prev = Pred {
                    gid: PREV,
                    kind: ItemKind::Signal,
                    node: META,
                };
                b.add(target, &[prev], true);
            }
        }
        let mut template = Arc::new(b.freeze());
        let exhausted = compute_exhausted(&template);
        // The probe sorter is gone, so this is the only reference.
        let t = Arc::get_mut(&mut template).expect("the probe sorter was dropped");
        t.exhausted = exhausted;
        t.cycle = t.find_cycle();
        template
    }
}

/// §11.1: a generations pass yields nothing, or one batch of reserved items only.
fn compute_exhausted(template: &Arc<Template>) -> bool {
    // Two batches decide it.
    let generations = Sorter::probe(template.clone()).generations_up_to(2);
    generations.is_empty()
        || (generations.len() == 1
            && generations[0]
                .iter()
                .all(|g| matches!(*g, PREV | META | TUBE | INPUT | ASSETS)))
}

#[derive(Clone, Copy)]
struct Pred {
    gid: ItemId,
    kind: ItemKind,
    /// Node part (the source node for a signal).
    node: ItemId,
}

#[derive(Clone, Copy)]
struct Target {
    /// The slot, node or signal being added.
    gid: ItemId,
    /// The item that receives the dependency: the slot's node, the node, or the signal itself.
    node: ItemId,
    kind: ItemKind,
}

#[derive(Default)]
struct Rec {
    gid: ItemId,
    kind: u8,
    nqueue: i32,
    succ: SmallSet,
    pred: SmallSet,
    opt_pred: PairMap,
    opt_succ: SmallSet,
    slots: SmallSet,
}

/// An insertion-ordered set with `IndexSet` semantics (insert keeps an existing member's
/// place, `swap_remove` moves the last member into the gap): a vector, plus a position
/// index once it is large enough for linear search to cost more. Most item sets hold one
/// to three members, so this keeps the builder small.
#[derive(Default)]
struct SmallSet {
    items: Vec<ItemId>,
    index: Option<Box<HashMap<ItemId, u32>>>,
}

impl SmallSet {
    const INDEX_FROM: usize = 16;

    fn position(&self, x: &ItemId) -> Option<usize> {
        match &self.index {
            Some(index) => index.get(x).map(|&p| p as usize),
            None => self.items.iter().position(|y| y == x),
        }
    }

    fn contains(&self, x: &ItemId) -> bool {
        self.position(x).is_some()
    }

    fn insert(&mut self, x: ItemId) -> bool {
        if self.contains(&x) {
            return false;
        }
        self.items.push(x);
        if let Some(index) = &mut self.index {
            index.insert(x, self.items.len() as u32 - 1);
        } else if self.items.len() > Self::INDEX_FROM {
            let index = self
                .items
                .iter()
                .enumerate()
                .map(|(i, &y)| (y, i as u32))
                .collect();
            self.index = Some(Box::new(index));
        }
        true
    }

    fn swap_remove(&mut self, x: &ItemId) -> bool {
        let Some(at) = self.position(x) else {
            return false;
        };
        self.items.swap_remove(at);
        if let Some(index) = &mut self.index {
            index.remove(x);
            if let Some(&moved) = self.items.get(at) {
                index.insert(moved, at as u32);
            }
        }
        true
    }

    fn iter(&self) -> std::slice::Iter<'_, ItemId> {
        self.items.iter()
    }
}

impl<'a> IntoIterator for &'a SmallSet {
    type Item = &'a ItemId;
    type IntoIter = std::slice::Iter<'a, ItemId>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

/// `optional_predecessors`: signal -> slot pairs (order is not observable).
#[derive(Default)]
struct PairMap {
    pairs: Vec<(ItemId, ItemId)>,
}

impl PairMap {
    fn get(&self, k: &ItemId) -> Option<&ItemId> {
        self.pairs.iter().find(|(a, _)| a == k).map(|(_, b)| b)
    }
    fn contains_key(&self, k: &ItemId) -> bool {
        self.get(k).is_some()
    }
    /// Returns the previous value.
    fn insert(&mut self, k: ItemId, v: ItemId) -> Option<ItemId> {
        match self.pairs.iter_mut().find(|(a, _)| *a == k) {
            Some(pair) => Some(std::mem::replace(&mut pair.1, v)),
            None => {
                self.pairs.push((k, v));
                None
            }
        }
    }
    fn swap_remove(&mut self, k: &ItemId) -> Option<ItemId> {
        let at = self.pairs.iter().position(|(a, _)| a == k)?;
        Some(self.pairs.swap_remove(at).1)
    }
    fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }
    fn iter(&self) -> impl Iterator<Item = (&ItemId, &ItemId)> {
        self.pairs.iter().map(|(a, b)| (a, b))
    }
}

/// An insertion-ordered set used as a stack (`IndexSet::pop` semantics: pushing a pending
/// member keeps its place, popping takes the last).
#[derive(Default)]
struct Stack {
    items: Set,
}

impl Stack {
    fn push(&mut self, x: ItemId) {
        self.items.insert(x);
    }
    fn pop(&mut self) -> Option<ItemId> {
        self.items.pop()
    }
}

#[derive(Default)]
struct Builder {
    recs: Vec<Rec>,
    local: HashMap<ItemId, u32>,
    signals: HashMap<ItemId, Set>,
    ready: Set,
    disabled: Set,
    /// Total optional-predecessor entries over all items (gate for step B).
    opt_pred_entries: usize,
    /// slot -> number of items whose optional successors hold it (gate for step C).
    holders: HashMap<ItemId, u32>,
}

impl Builder {
    fn touch(&mut self, gid: ItemId, kind: ItemKind) -> u32 {
        if let Some(&l) = self.local.get(&gid) {
            return l;
        }
        let l = self.recs.len() as u32;
        self.recs.push(Rec {
            gid,
            kind: if kind == ItemKind::Signal {
                F_SIGNAL
            } else {
                0
            },
            ..Rec::default()
        });
        self.local.insert(gid, l);
        l
    }

    fn rec(&self, gid: ItemId) -> &Rec {
        &self.recs[self.local[&gid] as usize]
    }

    fn add_opt_succ(&mut self, l: u32, slot: ItemId) {
        if self.recs[l as usize].opt_succ.insert(slot) {
            *self.holders.entry(slot).or_insert(0) += 1;
        }
    }

    fn add(&mut self, target: Target, preds: &[Pred], required: bool) {
        let node = target.node;
        let mut new_preds: Vec<ItemId> = Vec::with_capacity(preds.len());
        for p in preds {
            let pl = self.touch(p.gid, p.kind);
            if self.recs[pl as usize].succ.contains(&node) {
                continue;
            }
            new_preds.push(p.gid);
            self.recs[pl as usize].succ.insert(node);
            if p.kind == ItemKind::Signal && p.gid != PREV {
                self.signals.entry(p.node).or_default().insert(p.gid);
                let signal_target = Target {
                    gid: p.gid,
                    node: p.gid,
                    kind: ItemKind::Signal,
                };
                let node_pred = Pred {
                    gid: p.node,
                    kind: ItemKind::Node,
                    node: p.node,
                };
                self.add(signal_target, &[node_pred], true);
            }
            let pl = self.local[&p.gid];
            if self.recs[pl as usize].nqueue == 0 && !self.disabled.contains(&p.gid) {
                self.ready.insert(p.gid);
            }
        }
        let node_kind = if target.kind == ItemKind::Signal {
            ItemKind::Signal
        } else {
            ItemKind::Node
        };
        let ml = self.touch(node, node_kind);
        let rec = &mut self.recs[ml as usize];
        for &p in &new_preds {
            rec.pred.insert(p);
        }
        if target.kind == ItemKind::Slot {
            rec.slots.insert(target.gid);
        }
        if target.kind != ItemKind::Signal {
            self.update_optionals(target.gid, ml, preds, required);
        }
        let rec = &mut self.recs[ml as usize];
        rec.nqueue += new_preds.len() as i32;
        if rec.nqueue == 0 {
            self.ready.insert(node);
        } else {
            self.ready.swap_remove(&node);
        }
    }

    /// §4.4, steps A-D, for target `t` (slot or node) of the item at local `ml`.
    fn update_optionals(&mut self, t: ItemId, ml: u32, preds: &[Pred], required: bool) {
        // A. record
        {
            let rec = &mut self.recs[ml as usize];
            for p in preds {
                if required {
                    if rec.opt_pred.swap_remove(&p.gid).is_some() {
                        self.opt_pred_entries -= 1;
                    }
                } else if rec.opt_pred.insert(p.gid, t).is_none() {
                    self.opt_pred_entries += 1;
                }
            }
        }

        // B. look downstream (nothing can be collected while no optional predecessor exists)
        if self.opt_pred_entries > 0 {
            let mut to_visit = Stack::default();
            for &s in &self.recs[ml as usize].succ {
                to_visit.push(s);
            }
            let mut seen: HashSet<ItemId> = HashSet::new();
            let mut collected = Set::default();
            while let Some(current) = to_visit.pop() {
                let cur = self.rec(current);
                for &x in &cur.succ {
                    let xr = self.rec(x);
                    let slot = if xr.kind & F_SIGNAL == 0 {
                        xr.opt_pred.get(&current).copied()
                    } else {
                        None
                    };
                    match slot {
                        Some(slot) => {
                            collected.insert(slot);
                        }
                        None => {
                            for &y in &xr.succ {
                                if !seen.contains(&y) {
                                    to_visit.push(y);
                                }
                            }
                            seen.extend(xr.succ.iter().copied());
                        }
                    }
                }
            }
            for slot in collected {
                self.add_opt_succ(ml, slot);
            }
        }

        // C. clear stale marks upstream (only if some item holds `t`)
        if self.holders.get(&t).copied().unwrap_or(0) > 0 {
            let mut to_visit = Stack::default();
            {
                let rec = &self.recs[ml as usize];
                for p in preds {
                    if !rec.opt_pred.contains_key(&p.gid) {
                        to_visit.push(p.gid);
                    }
                }
            }
            let mut seen: HashSet<ItemId> = HashSet::new();
            while let Some(current) = to_visit.pop() {
                let cl = self.local[&current] as usize;
                if self.recs[cl].opt_succ.swap_remove(&t) {
                    if let Some(count) = self.holders.get_mut(&t) {
                        *count -= 1;
                    }
                }
                let cur = &self.recs[cl];
                for &q in &cur.pred {
                    if !seen.contains(&q) && !cur.opt_pred.contains_key(&q) {
                        to_visit.push(q);
                    }
                }
                seen.extend(cur.pred.iter().copied());
            }
        }

        // D. (re)add marks upstream
        let snapshot: Vec<ItemId> = self.recs[ml as usize].opt_succ.iter().copied().collect();
        if !required || !snapshot.is_empty() {
            let mut to_visit = Stack::default();
            for p in preds {
                to_visit.push(p.gid);
            }
            let mut seen: HashSet<ItemId> = HashSet::new();
            while let Some(current) = to_visit.pop() {
                let cl = self.local[&current];
                if self.recs[cl as usize].kind & F_SIGNAL != 0 {
                    if !required {
                        self.add_opt_succ(cl, t);
                    }
                    for &s in &snapshot {
                        self.add_opt_succ(cl, s);
                    }
                }
                let cur = &self.recs[cl as usize];
                if cur.opt_pred.is_empty() {
                    for &q in &cur.pred {
                        if !seen.contains(&q) {
                            to_visit.push(q);
                        }
                    }
                    seen.extend(cur.pred.iter().copied());
                }
            }
        }
    }

    fn freeze(self) -> Template {
        let Builder {
            recs,
            local,
            signals,
            ready,
            disabled,
            ..
        } = self;
        let lo = |g: &ItemId| local[g];
        let mut flags: Vec<u8> = recs.iter().map(|r| r.kind).collect();
        for g in &disabled {
            if let Some(&l) = local.get(g) {
                flags[l as usize] |= F_DISABLED;
            }
        }
        // Slot table: every node's slots, then any optional-successor slot not yet listed.
        let mut slot_index: HashMap<ItemId, u32> = HashMap::new();
        let (mut slot_gid, mut slot_node, mut slot_initial) = (Vec::new(), Vec::new(), Vec::new());
        for (l, r) in recs.iter().enumerate() {
            for &s in &r.slots {
                slot_index.entry(s).or_insert_with(|| {
                    slot_gid.push(s);
                    slot_node.push(l as u32);
                    slot_initial.push(true);
                    slot_gid.len() as u32 - 1
                });
            }
        }
        for r in &recs {
            for &s in &r.opt_succ {
                if slot_index.contains_key(&s) {
                    continue;
                }
                // A slot whose node never listed it (not produced by noob's edges): its node
                // part decides where a release would go.
                let node = super::intern::kind_of(s).map_or(s, |(_, n)| n);
                if let Some(&nl) = local.get(&node) {
                    slot_index.insert(s, slot_gid.len() as u32);
                    slot_gid.push(s);
                    slot_node.push(nl);
                    slot_initial.push(false);
                }
            }
        }
        let succ = Csr::from_rows(recs.iter().map(|r| r.succ.iter().map(lo)));
        let pred = Csr::from_rows(recs.iter().map(|r| r.pred.iter().map(lo)));
        let opt_succ = Csr::from_rows(
            recs.iter()
                .map(|r| r.opt_succ.iter().filter_map(|s| slot_index.get(s).copied())),
        );
        let opt_pred = Csr::from_rows(
            recs.iter()
                .map(|r| r.opt_pred.iter().map(|(&a, &b)| (a, b))),
        );
        let signals = Csr::from_rows(recs.iter().map(|r| {
            signals
                .get(&r.gid)
                .into_iter()
                .flat_map(|s| s.iter().map(lo))
                .collect::<Vec<u32>>()
        }));
        Template {
            gids: recs.iter().map(|r| r.gid).collect(),
            flags,
            nqueue: recs.iter().map(|r| r.nqueue).collect(),
            succ,
            pred,
            opt_succ,
            opt_pred,
            signals,
            slot_gid,
            slot_node,
            slot_initial,
            ready: ready.iter().map(lo).collect(),
            disabled_set: disabled.iter().copied().collect(),
            disabled: disabled.into_iter().collect(),
            local,
            exhausted: false,
            cycle: false,
        }
    }
}
