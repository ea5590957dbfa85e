//! Scheduler-level state (document §6-§9, §11): live epoch sorters, the completion log,
//! subepochs of map nodes, `previous_epoch` hand-over and exhaustion.
//!
//! Items are interned ids ([`super::intern`]); epochs are [`Epoch`] values. Every method
//! mirrors the noob-core 0.2.1 method of the same name; where the reference panics this
//! returns a [`NoobError`] (or `[]` where the document recommends it).
//!
//! Thread safety: `Send + Sync`; every mutating method takes `&mut self`, so callers that
//! share one scheduler between threads must lock around it.

use super::epoch::Epoch;
use super::error::{unknown_item, NoobError};
use super::intern::{self, InternBatch, ItemId, ItemKind, META, PREV};
use super::sorter::{Sorter, SorterError, SorterState};
use super::template::{EdgeSpec, NodeSpec, Template};
use hashbrown::{HashMap, HashSet};
use indexmap::{IndexMap, IndexSet};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Most completed roots kept in the log (§6).
const EPOCH_LOG_LEN: usize = 1000;

type Result<T> = std::result::Result<T, NoobError>;

/// One `update()` event: `(epoch, node, signal, no_event, exhausted)`. `signal` is `None`
/// when the event has none or names a signal unknown to the process.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpdateEvent {
    pub epoch: Epoch,
    pub node: ItemId,
    pub signal: Option<ItemId>,
    pub no_event: bool,
    pub exhausted: bool,
}

/// Flags of a node: enabled, stateful.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Flags {
    enabled: bool,
    stateful: Option<bool>,
}

/// The noob-core `Scheduler`.
pub struct Scheduler {
    nodes: IndexMap<ItemId, Flags>,
    edges: Vec<EdgeSpec>,
    /// source node -> target nodes, in edge order (all edges).
    adjacency: HashMap<ItemId, Vec<ItemId>>,
    template: Arc<Template>,
    graph_items: HashSet<ItemId>,
    source_nodes: Vec<ItemId>,
    source_set: HashSet<ItemId>,
    epochs: BTreeMap<Epoch, Sorter>,
    epoch_log: BTreeSet<u32>,
    next_epoch: u64,
    subepochs: HashMap<Epoch, IndexSet<Epoch>>,
    subgraph_templates: HashMap<ItemId, Arc<Template>>,
    downstream_cache: HashMap<ItemId, Arc<[ItemId]>>,
    exclusive_cache: HashMap<(ItemId, ItemId), Arc<[ItemId]>>,
    exhausted: bool,
}

/// A node as given by name: `(id, enabled, stateful)`.
pub type NodeByName<'a> = (&'a str, bool, Option<bool>);
/// An edge as given by name: `(source, signal, target, slot, required)`.
pub type EdgeByName<'a> = (&'a str, &'a str, &'a str, &'a str, bool);

impl Scheduler {
    /// `Scheduler(nodes, edges)` from names, interning in the reference's order (§2.2).
    pub fn from_names(nodes: &[NodeByName<'_>], edges: &[EdgeByName<'_>]) -> Scheduler {
        // A repeated id keeps its first position and its last flags.
        let mut by_name: IndexMap<&str, Flags> = IndexMap::new();
        for &(name, enabled, stateful) in nodes {
            by_name.insert(name, Flags { enabled, stateful });
        }
        let mut batch = InternBatch::new();
        let mut disabled: HashSet<ItemId> = HashSet::new();
        for (name, flags) in &by_name {
            if !flags.enabled {
                disabled.insert(batch.node(name));
            }
        }
        // Interning order of the reference: target; then, if the target is enabled, the
        // signal (and its node) and the slot. Edges into disabled targets are skipped by the
        // reference; their names are interned here only after the node list.
        let mut edge_specs: Vec<Option<EdgeSpec>> = Vec::with_capacity(edges.len());
        for &(source, signal, target, slot, required) in edges {
            let target_id = batch.node(target);
            if disabled.contains(&target_id) {
                edge_specs.push(None);
                continue;
            }
            let signal_id = batch.signal(source, signal);
            let slot_id = batch.slot(target, slot);
            edge_specs.push(Some(EdgeSpec {
                source: batch.node(source),
                signal: signal_id,
                target: target_id,
                slot: slot_id,
                required,
            }));
        }
        let node_specs: Vec<NodeSpec> = by_name
            .iter()
            .map(|(name, f)| NodeSpec {
                node: batch.node(name),
                enabled: f.enabled,
                stateful: f.stateful,
            })
            .collect();
        let edge_specs: Vec<EdgeSpec> = edge_specs
            .into_iter()
            .zip(edges)
            .map(|(spec, &(source, signal, target, slot, required))| {
                spec.unwrap_or_else(|| EdgeSpec {
                    source: batch.node(source),
                    signal: batch.signal(source, signal),
                    target: batch.node(target),
                    slot: batch.slot(target, slot),
                    required,
                })
            })
            .collect();
        drop(batch);
        Scheduler::new(&node_specs, edge_specs)
    }

    /// `Scheduler(nodes, edges)` from interned ids (repeated nodes: first position, last flags).
    pub fn new(nodes: &[NodeSpec], edges: Vec<EdgeSpec>) -> Scheduler {
        let mut flags: IndexMap<ItemId, Flags> = IndexMap::new();
        for n in nodes {
            flags.insert(
                n.node,
                Flags {
                    enabled: n.enabled,
                    stateful: n.stateful,
                },
            );
        }
        let mut adjacency: HashMap<ItemId, Vec<ItemId>> = HashMap::new();
        for e in &edges {
            adjacency.entry(e.source).or_default().push(e.target);
        }
        let template = Template::build(&specs(&flags), &edges);
        let graph_items = template.gids.iter().copied().collect();
        let source_nodes = template.source_nodes();
        Scheduler {
            source_set: source_nodes.iter().copied().collect(),
            source_nodes,
            graph_items,
            template,
            nodes: flags,
            edges,
            adjacency,
            epochs: BTreeMap::new(),
            epoch_log: BTreeSet::new(),
            next_epoch: 0,
            subepochs: HashMap::new(),
            subgraph_templates: HashMap::new(),
            downstream_cache: HashMap::new(),
            exclusive_cache: HashMap::new(),
            exhausted: false,
        }
    }

    fn check_item(&self, item: ItemId) -> Result<(ItemKind, ItemId)> {
        intern::kind_of(item).ok_or_else(|| unknown_item(item))
    }

    // ----- properties ------------------------------------------------------------------

    /// The `exhausted` property (§11).
    pub fn exhausted(&self) -> bool {
        self.exhausted
    }

    /// The `epoch_log` property: completed roots, ascending.
    pub fn epoch_log(&self) -> Vec<u32> {
        self.epoch_log.iter().copied().collect()
    }

    /// The `subepochs` property: each epoch with registered subepochs, and those in
    /// registration order.
    pub fn subepochs(&self) -> Vec<(Epoch, Vec<Epoch>)> {
        let mut out: Vec<(Epoch, Vec<Epoch>)> = self
            .subepochs
            .iter()
            .map(|(e, s)| (e.clone(), s.iter().cloned().collect()))
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    /// `source_nodes()` (§4.5).
    pub fn source_nodes(&self) -> &[ItemId] {
        &self.source_nodes
    }

    /// The current template (rebuilt on exhaustion).
    pub fn template(&self) -> &Arc<Template> {
        &self.template
    }

    /// Number of live sorters (roots and subepochs).
    pub fn live_epochs(&self) -> usize {
        self.epochs.len()
    }

    // ----- epoch creation --------------------------------------------------------------

    /// `add_epoch()` (§7.1).
    pub fn add_epoch(&mut self) -> Result<Epoch> {
        let root = u32::try_from(self.next_epoch)
            .map_err(|_| NoobError::Value("no epoch numbers are left (2**32 used)".into()))?;
        self.next_epoch += 1;
        self.init_graph(root)?;
        Ok(Epoch::root_of(root))
    }

    /// `add_epoch_at(epoch)` (§7.2).
    pub fn add_epoch_at(&mut self, epoch: &Epoch) -> Result<Epoch> {
        if self.epochs.contains_key(epoch) {
            return Err(NoobError::EpochExists(epoch.clone()));
        }
        if self.epoch_completed(epoch) {
            return Err(NoobError::EpochCompleted(epoch.clone()));
        }
        self.next_epoch = self.next_epoch.max(epoch.root() as u64 + 1);
        if epoch.is_root() {
            self.init_graph(epoch.root())?;
        } else {
            self.init_subgraph(epoch)?;
        }
        Ok(epoch.clone())
    }

    fn init_graph(&mut self, root: u32) -> Result<()> {
        let mut sorter = Sorter::new(self.template.clone());
        if root == 0 || self.epoch_completed(&Epoch::root_of(root - 1)) {
            match sorter.done(&[PREV]) {
                Ok(()) | Err(SorterError::NotAdded(_)) => {}
                Err(e) => return Err(e.into()),
            }
        }
        if sorter.is_active() {
            self.epochs.insert(Epoch::root_of(root), sorter);
        } else {
            // Nothing can ever run in it: born completed.
            self.epoch_log.insert(root);
        }
        Ok(())
    }

    fn init_subgraph(&mut self, epoch: &Epoch) -> Result<()> {
        let Some(parent) = epoch.parent() else {
            return Err(NoobError::Value(format!(
                "Cannot create a subepoch for root epoch {epoch}"
            )));
        };
        let (map_node, _) = epoch.leaf().expect("a subepoch has a leaf");
        let template = self.subgraph_template(map_node);
        if !self.epochs.contains_key(&parent) {
            if parent.is_root() {
                self.init_graph(parent.root())?;
            } else {
                self.init_subgraph(&parent)?;
            }
        }
        // A parent born completed (nothing can run) has no sorter: neither has its subepoch.
        let Some(p) = self.epochs.get(&parent) else {
            return Ok(());
        };
        let mut sub = Sorter::new(template.clone());
        let mut exclude: HashSet<ItemId> = p.signals_of(map_node).into_iter().collect();
        exclude.insert(map_node);
        for &key in &template.gids {
            if p.has_ran(key) {
                sub.done(&[key])?;
            } else if p.is_done(key) && !exclude.contains(&key) {
                sub.mark_expired(&[key], false);
            } else if p.is_out(key) {
                sub.mark_out_item(key);
            }
        }
        let done_in_parent = p.is_done(map_node);
        for ancestor in epoch.parents() {
            self.subepochs
                .entry(ancestor)
                .or_default()
                .insert(epoch.clone());
        }
        self.epochs.insert(epoch.clone(), sub);
        if !done_in_parent {
            self.expire(&parent, map_node, false, false)?;
        }
        Ok(())
    }

    /// Nodes reachable from `node` over all edges (`node` first), in the reference's
    /// discovery order; paths through `exclude` are not followed.
    fn downstream(&self, node: ItemId, exclude: Option<ItemId>) -> Vec<ItemId> {
        let mut found: IndexSet<ItemId> = IndexSet::new();
        found.insert(node);
        let mut stack = vec![node];
        while let Some(current) = stack.pop() {
            if let Some(next) = self.adjacency.get(&current) {
                for &s in next {
                    if Some(s) != exclude && found.insert(s) {
                        stack.push(s);
                    }
                }
            }
        }
        found.into_iter().collect()
    }

    fn downstream_cached(&mut self, node: ItemId) -> Arc<[ItemId]> {
        if let Some(d) = self.downstream_cache.get(&node) {
            return d.clone();
        }
        let d: Arc<[ItemId]> = self.downstream(node, None).into();
        self.downstream_cache.insert(node, d.clone());
        d
    }

    fn subgraph_template(&mut self, map_node: ItemId) -> Arc<Template> {
        if let Some(t) = self.subgraph_templates.get(&map_node) {
            return t.clone();
        }
        let down = self.downstream_cached(map_node);
        let members: HashSet<ItemId> = down.iter().copied().collect();
        let nodes: Vec<NodeSpec> = down
            .iter()
            .filter_map(|n| {
                self.nodes.get(n).map(|f| NodeSpec {
                    node: *n,
                    enabled: f.enabled,
                    stateful: f.stateful,
                })
            })
            .collect();
        let edges: Vec<EdgeSpec> = self
            .edges
            .iter()
            .filter(|e| members.contains(&e.target))
            .copied()
            .collect();
        let t = Template::build(&nodes, &edges);
        self.subgraph_templates.insert(map_node, t.clone());
        t
    }

    /// Nodes downstream of `k` that are not reachable from `x` without passing `k` (§8.3).
    fn exclusive(&mut self, k: ItemId, x: ItemId) -> Arc<[ItemId]> {
        if let Some(e) = self.exclusive_cache.get(&(k, x)) {
            return e.clone();
        }
        let down_k = self.downstream_cached(k);
        let down_x: HashSet<ItemId> = self.downstream(x, Some(k)).into_iter().collect();
        let e: Arc<[ItemId]> = down_k
            .iter()
            .copied()
            .filter(|n| *n != k && !down_x.contains(n))
            .collect::<Vec<_>>()
            .into();
        self.exclusive_cache.insert((k, x), e.clone());
        e
    }

    // ----- queries ---------------------------------------------------------------------

    /// `epoch_completed(epoch)` (§6).
    pub fn epoch_completed(&self, epoch: &Epoch) -> bool {
        match self.epoch_log.first() {
            None => false,
            Some(&first) => {
                (epoch.root() < first || self.epoch_log.contains(&epoch.root()))
                    && !self.epochs.contains_key(epoch)
            }
        }
    }

    /// `is_active()` (§7.3).
    pub fn is_active(&self) -> bool {
        self.epochs.values().any(Sorter::is_active)
    }

    /// `is_active_at(epoch)` (§7.4): its sorter, or any registered subepoch, is active.
    pub fn is_active_at(&self, epoch: &Epoch) -> bool {
        self.epochs.get(epoch).is_some_and(Sorter::is_active)
            || self.subepochs.get(epoch).is_some_and(|subs| {
                subs.iter()
                    .any(|s| self.epochs.get(s).is_some_and(Sorter::is_active))
            })
    }

    /// `first_active_epoch()` (§7.14).
    pub fn first_active_epoch(&self) -> Option<Epoch> {
        let mut last_root = None;
        for epoch in self.epochs.keys() {
            if last_root == Some(epoch.root()) {
                continue;
            }
            last_root = Some(epoch.root());
            let root = Epoch::root_of(epoch.root());
            if self.is_active_at(&root) {
                return Some(root);
            }
        }
        None
    }

    /// `sources_finished(epoch)` (§7.15).
    pub fn sources_finished(&self, epoch: &Epoch) -> bool {
        if self.epoch_completed(epoch) {
            return true;
        }
        self.epochs
            .get(epoch)
            .is_some_and(|s| s.all_done(&self.source_nodes))
    }

    /// `node_is_ready(node, epoch, subepochs)` (§7.8).
    pub fn node_is_ready(&self, node: ItemId, epoch: &Epoch, subepochs: bool) -> Result<bool> {
        self.check_item(node)?;
        let own = self.epochs.get(epoch).is_some_and(|s| s.is_ready(node));
        if subepochs {
            if let Some(subs) = self.subepochs.get(epoch) {
                return Ok(own
                    || subs
                        .iter()
                        .any(|e| self.epochs.get(e).is_some_and(|s| s.is_ready(node))));
            }
        }
        Ok(own)
    }

    /// `node_is_done(node, epoch)` (§7.9).
    pub fn node_is_done(&self, node: ItemId, epoch: &Epoch) -> Result<bool> {
        self.check_item(node)?;
        if self.epoch_completed(epoch) {
            return Ok(true);
        }
        let done_in = |e: &Epoch| self.epochs.get(e).is_some_and(|s| s.is_done(node));
        Ok(match self.subepochs.get(epoch) {
            Some(subs) => done_in(epoch) && subs.iter().all(done_in),
            None => done_in(epoch),
        })
    }

    /// `has_cycle()` (§7.16).
    pub fn has_cycle(&self) -> bool {
        self.template.has_cycle()
    }

    /// `generations()` (§7.17).
    pub fn generations(&self) -> Vec<Vec<ItemId>> {
        Sorter::new(self.template.clone()).generations()
    }

    /// `upstream_nodes(node)` (§7.19): node ids, ascending.
    pub fn upstream_nodes(&self, node: ItemId) -> Result<Vec<ItemId>> {
        let t = &self.template;
        let Some(local) = t.local_of(node).filter(|_| self.check_item(node).is_ok()) else {
            return Err(match intern::kind_of(node) {
                Some(_) => NoobError::NotAdded(format!("Node {node} was not added")),
                None => NoobError::NotAdded(format!(
                    "Node with id {node} was not added when the scheduler was created"
                )),
            });
        };
        let mut out: BTreeSet<ItemId> = BTreeSet::new();
        let node_part = |g: ItemId| intern::kind_of(g).map_or(g, |(_, n)| n);
        for l in 0..t.len() as u32 {
            if t.opt_succ
                .row(l)
                .iter()
                .any(|&s| t.slot_node[s as usize] == local)
            {
                out.insert(node_part(t.gids[l as usize]));
            }
        }
        for &p in t.pred.row(local) {
            out.insert(node_part(t.gids[p as usize]));
        }
        out.remove(&META);
        Ok(out.into_iter().collect())
    }

    /// `get_epoch_state(epoch)` (§7.20).
    pub fn epoch_state(&self, epoch: &Epoch) -> Result<SorterState> {
        self.epochs
            .get(epoch)
            .map(Sorter::state)
            .ok_or_else(|| NoobError::NotAdded(format!("Epoch {epoch} does not exist")))
    }

    // ----- handing out -----------------------------------------------------------------

    /// `get_ready()` (§7.6): `(epoch, node)` over all sorters in epoch order.
    pub fn get_ready(&mut self) -> Vec<(Epoch, ItemId)> {
        let mut out = Vec::new();
        for (epoch, sorter) in self.epochs.iter_mut() {
            for node in sorter.get_ready() {
                out.push((epoch.clone(), node));
            }
        }
        out
    }

    /// `get_ready_at(epoch)` (§7.7): the epoch and its subepochs, in epoch order.
    pub fn get_ready_at(&mut self, epoch: &Epoch) -> Vec<(Epoch, ItemId)> {
        let list: Vec<Epoch> = match self.subepochs.get(epoch) {
            Some(subs) => {
                let mut list: Vec<Epoch> = subs.iter().cloned().collect();
                list.push(epoch.clone());
                list.sort();
                list
            }
            None => vec![epoch.clone()],
        };
        let mut out = Vec::new();
        for e in list {
            if let Some(sorter) = self.epochs.get_mut(&e) {
                for node in sorter.get_ready() {
                    out.push((e.clone(), node));
                }
            }
        }
        out
    }

    // ----- finishing -------------------------------------------------------------------

    /// `done(epoch, item, with_signals)` (§7.10); returns the epochs that ended.
    pub fn done(&mut self, epoch: &Epoch, item: ItemId, with_signals: bool) -> Result<Vec<Epoch>> {
        let (kind, node) = self.check_item(item)?;
        if self.epoch_completed(epoch) {
            return Ok(Vec::new());
        }
        if !self.epochs.contains_key(epoch) {
            if self.exhausted {
                return Ok(Vec::new());
            }
            self.add_epoch_at(epoch)?;
            if !self.epochs.contains_key(epoch) {
                // Born completed (the reference panics here).
                return Ok(Vec::new());
            }
        }
        if let Some(missing) = epoch
            .parents()
            .into_iter()
            .find(|p| !self.epochs.contains_key(p))
        {
            return Err(NoobError::NotAdded(format!(
                "Epoch {missing}, an ancestor of {epoch}, does not exist"
            )));
        }
        let has_subs = self.subepochs.get(epoch).is_some_and(|s| !s.is_empty());
        let sorter = self.epochs.get_mut(epoch).expect("created above");
        match sorter.done(&[item]) {
            Ok(()) => {}
            Err(SorterError::AlreadyDone(_)) if has_subs => {}
            Err(e) => return Err(e.into()),
        }
        self.done_subepochs(epoch, item, node)?;
        if kind == ItemKind::Node && with_signals {
            let sorter = self.epochs.get_mut(epoch).expect("still live");
            sorter.done_pending_signals(item)?;
        }
        for parent in epoch.parents() {
            if let Some(p) = self.epochs.get_mut(&parent) {
                p.mark_expired(&[item], false);
            }
        }
        if epoch.is_root()
            && !self.exhausted
            && self.source_set.contains(&item)
            && self.sources_finished(epoch)
        {
            if let Ok(next) = epoch.checked_add(1) {
                if !self.epochs.contains_key(&next) && !self.epoch_completed(&next) {
                    self.add_epoch_at(&next)?;
                }
            }
        }
        if !self.is_active_at(epoch) {
            return self.end_epoch(epoch);
        }
        Ok(Vec::new())
    }

    /// §8.3: replay a parent completion in its subepochs and expire the exclusive nodes.
    fn done_subepochs(&mut self, epoch: &Epoch, item: ItemId, node: ItemId) -> Result<()> {
        let subs: Vec<Epoch> = match self.subepochs.get(epoch) {
            Some(s) if !s.is_empty() => s.iter().cloned().collect(),
            _ => return Ok(()),
        };
        for sub in subs {
            match self.epochs.get(&sub) {
                Some(s) if !s.has_ran(item) && s.has_key(item) => {}
                _ => continue,
            }
            let (leaf, _) = sub.leaf().expect("a subepoch has a leaf");
            let exclusive = self.exclusive(node, leaf);
            let sorter = self.epochs.get_mut(&sub).expect("checked above");
            if sorter.is_done(item) {
                sorter.resurrect(&[item])?;
            }
            sorter.done(&[item])?;
            sorter.mark_expired(&exclusive, true);
        }
        Ok(())
    }

    /// `expire(epoch, item, with_signals, unlock_optionals)` (§7.11).
    pub fn expire(
        &mut self,
        epoch: &Epoch,
        item: ItemId,
        with_signals: bool,
        unlock_optionals: bool,
    ) -> Result<Vec<Epoch>> {
        let (kind, node) = self.check_item(item)?;
        if self.epoch_completed(epoch) {
            return Ok(Vec::new());
        }
        if !self.epochs.contains_key(epoch) {
            self.add_epoch_at(epoch)?;
            if !self.epochs.contains_key(epoch) {
                return Ok(Vec::new());
            }
        }
        let sorter = self.epochs.get_mut(epoch).expect("created above");
        sorter.mark_expired(&[item], unlock_optionals);
        let mut ended = Vec::new();
        if kind == ItemKind::Node && with_signals {
            for signal in sorter.signals_of(item) {
                ended.extend(self.expire(epoch, signal, with_signals, unlock_optionals)?);
            }
        }
        if let Some(subs) = self.subepochs.get(epoch) {
            let subs: Vec<Epoch> = subs
                .iter()
                .filter(|s| {
                    s.leaf().is_some_and(|(n, _)| n != node) && self.epochs.contains_key(*s)
                })
                .cloned()
                .collect();
            for sub in subs {
                ended.extend(self.expire(&sub, item, with_signals, unlock_optionals)?);
            }
        }
        if !self.is_active_at(epoch) && !self.epoch_completed(epoch) {
            ended.extend(self.end_epoch(epoch)?);
        }
        Ok(ended)
    }

    /// `end_epoch(epoch)` (§7.13); returns the epochs that ended, this one last.
    pub fn end_epoch(&mut self, epoch: &Epoch) -> Result<Vec<Epoch>> {
        let mut ended = Vec::new();
        if let Ok(next) = epoch.checked_add(1) {
            if next.is_root()
                && !self.exhausted
                && !self.epochs.contains_key(&next)
                && !self.epoch_completed(&next)
            {
                self.add_epoch_at(&next)?;
            }
            if epoch.is_root() || self.epochs.contains_key(&next) {
                match self.done(&next, PREV, false) {
                    Ok(list) => ended.extend(list),
                    Err(
                        NoobError::AlreadyDone(_)
                        | NoobError::NotAdded(_)
                        | NoobError::EpochCompleted(_),
                    ) => {}
                    Err(e) => return Err(e),
                }
            }
        }
        if epoch.is_root() {
            self.epoch_log.insert(epoch.root());
            if self.epoch_log.len() > EPOCH_LOG_LEN {
                self.epoch_log.pop_first();
            }
            if let Some(subs) = self.subepochs.remove(epoch) {
                for sub in subs {
                    self.epochs.remove(&sub);
                }
            }
            self.epochs.remove(epoch);
        } else {
            let parent = epoch.parent().expect("a subepoch has a parent");
            if !self.is_active_at(&parent) {
                ended.extend(self.end_epoch(&parent)?);
            }
        }
        ended.push(epoch.clone());
        Ok(ended)
    }

    /// `update(events)` (§7.12).
    pub fn update(&mut self, events: Vec<UpdateEvent>) -> Result<Vec<Epoch>> {
        let mut events: Vec<UpdateEvent> = events
            .into_iter()
            .filter(|e| self.graph_items.contains(&e.node))
            .map(|mut e| {
                if e.signal.is_some_and(|s| !self.graph_items.contains(&s)) {
                    e.signal = None;
                }
                e
            })
            .collect();
        events.sort_by_key(|e| Reverse(e.epoch.len()));
        // First sight of each (epoch, node) pair; a short list needs no hash set.
        let mut seen_list: Vec<(&Epoch, ItemId)> = Vec::new();
        let mut seen_set: HashSet<(&Epoch, ItemId)> = HashSet::new();
        let small = events.len() <= 16;
        let mut first: Vec<bool> = Vec::with_capacity(events.len());
        for e in &events {
            let key = (&e.epoch, e.node);
            first.push(if small {
                let new = !seen_list.contains(&key);
                if new {
                    seen_list.push(key);
                }
                new
            } else {
                seen_set.insert(key)
            });
        }
        drop((seen_list, seen_set));
        let mut ended = Vec::new();
        for (e, first) in events.into_iter().zip(first) {
            if first {
                if e.exhausted {
                    self.exhaust_node(e.node);
                }
                match self.done(&e.epoch, e.node, false) {
                    Ok(list) if !list.is_empty() => {
                        ended.extend(list);
                        continue;
                    }
                    Ok(_) | Err(NoobError::AlreadyDone(_) | NoobError::NotAdded(_)) => {}
                    Err(err) => return Err(err),
                }
            }
            if let Some(signal) = e.signal {
                if e.no_event || e.exhausted {
                    ended.extend(self.expire(&e.epoch, signal, true, true)?);
                } else {
                    ended.extend(self.done(&e.epoch, signal, true)?);
                }
            }
        }
        Ok(ended)
    }

    /// §11.2: disable `node` and rebuild the template.
    fn exhaust_node(&mut self, node: ItemId) {
        self.nodes
            .entry(node)
            .and_modify(|f| f.enabled = false)
            .or_insert(Flags {
                enabled: false,
                stateful: None,
            });
        self.template = Template::build(&specs(&self.nodes), &self.edges);
        self.exhausted = self.template.exhausted();
    }
}

fn specs(flags: &IndexMap<ItemId, Flags>) -> Vec<NodeSpec> {
    flags
        .iter()
        .map(|(&node, f)| NodeSpec {
            node,
            enabled: f.enabled,
            stateful: f.stateful,
        })
        .collect()
}
