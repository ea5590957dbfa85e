//! The immutable dependency graph: interned node names, compact adjacency (CSR) in
//! both directions, and the topological order and generations computed once.
//!
//! A [`GraphBuilder`] collects names and edges; [`GraphBuilder::build`] checks the
//! graph (a cycle is an error naming the nodes that form it) and freezes it into a
//! [`Graph`]. A `Graph` never changes afterwards, so it is `Send + Sync` and one
//! graph (usually behind an `Arc`) serves any number of runs on any threads.
//!
//! Node ids are dense `u32`s in the order names were first added (`0..node_count`).
//! Names are non-empty UTF-8 without NUL bytes; edges between the same two nodes
//! are kept once (the first); an edge from a node to itself is a cycle.

use hashbrown::{DefaultHashBuilder, HashTable};
use std::fmt;
use std::hash::BuildHasher;
use std::ops::Range;

/// A node's id: its position in the order names were first added.
pub type NodeId = u32;

/// Most nodes a graph can hold (ids are `u32`; `u32::MAX` itself is never an id).
pub(crate) const MAX_NODES: usize = u32::MAX as usize;
/// Most distinct edges a graph can hold (adjacency offsets are `u32`).
pub(crate) const MAX_EDGES: usize = u32::MAX as usize;
/// Most bytes all names together can take, one NUL terminator each included.
pub(crate) const MAX_NAME_BYTES: usize = u32::MAX as usize;

/// Why a graph could not be built or extended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GraphError {
    /// A name is empty or contains a NUL byte.
    InvalidName(String),
    /// An id that names no node of this builder or graph.
    UnknownNode(u64),
    /// The graph has a cycle: `nodes[i + 1]` depends on `nodes[i]`, and `nodes[0]`
    /// on the last one (a self-loop is a cycle of one node). Starts at the smallest id.
    Cycle {
        nodes: Vec<NodeId>,
        names: Vec<String>,
    },
    /// A capacity (`MAX_NODES`, `MAX_EDGES`, `MAX_NAME_BYTES`) would be exceeded.
    TooLarge(&'static str),
    /// Memory for an explicit reservation could not be allocated.
    OutOfMemory(&'static str),
}

impl fmt::Display for GraphError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GraphError::InvalidName(why) => write!(f, "invalid node name: {why}"),
            GraphError::UnknownNode(id) => write!(f, "no node has id {id}"),
            GraphError::Cycle { names, .. } => {
                write!(f, "the graph has a cycle: ")?;
                for name in names {
                    write!(f, "{name:?} -> ")?;
                }
                write!(f, "{:?}", names[0])
            }
            GraphError::TooLarge(what) => write!(f, "too many {what}"),
            GraphError::OutOfMemory(what) => write!(f, "out of memory reserving {what}"),
        }
    }
}

impl std::error::Error for GraphError {}

/// Interned names: one text holding every name followed by a NUL, start offsets,
/// and a hash table keyed by the name text (no per-name allocation).
#[derive(Clone, Default)]
struct Names {
    text: String,
    /// `starts[id]` is where name `id` begins in `text`; one more entry marks the end.
    starts: Vec<u32>,
    index: HashTable<Slot>,
    hasher: DefaultHashBuilder,
}

/// A table entry carries the name's start, so a lookup reads the text directly
/// (its NUL terminator confirms the length) without a detour through `starts`.
#[derive(Clone, Copy)]
struct Slot {
    id: NodeId,
    start: u32,
}

/// Whether the name starting at `start` in `text` is `name`.
fn name_is(text: &[u8], start: u32, name: &[u8]) -> bool {
    let start = start as usize;
    match text.get(start..start + name.len() + 1) {
        Some(stored) => stored[name.len()] == 0 && short_eq(&stored[..name.len()], name),
        None => false,
    }
}

/// Equality of two slices of the same length, without a `memcmp` call for the short
/// names that are the rule (two overlapping word loads cover 4 to 16 bytes).
fn short_eq(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    debug_assert_eq!(n, b.len());
    let word = |s: &[u8], at: usize| u64::from_le_bytes(s[at..at + 8].try_into().unwrap());
    let half = |s: &[u8], at: usize| u32::from_le_bytes(s[at..at + 4].try_into().unwrap());
    match n {
        0..=3 => a.iter().zip(b).all(|(x, y)| x == y),
        4..=7 => half(a, 0) == half(b, 0) && half(a, n - 4) == half(b, n - 4),
        8..=16 => word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8),
        _ => a == b,
    }
}

/// The name starting at `start` (up to its NUL terminator).
fn name_from(text: &str, start: u32) -> &str {
    let rest = &text[start as usize..];
    &rest[..rest.find('\0').unwrap_or(rest.len())]
}

impl Names {
    fn len(&self) -> usize {
        self.starts.len().saturating_sub(1)
    }

    fn get(&self, id: NodeId) -> Option<&str> {
        let id = id as usize;
        if id >= self.len() {
            return None;
        }
        let (start, end) = (self.starts[id] as usize, self.starts[id + 1] as usize - 1);
        Some(&self.text[start..end])
    }

    fn find(&self, name: &str) -> Option<NodeId> {
        let hash = self.hasher.hash_one(name);
        let text = self.text.as_bytes();
        self.index
            .find(hash, |slot| name_is(text, slot.start, name.as_bytes()))
            .map(|slot| slot.id)
    }

    /// Whether `count` more names of `bytes` bytes in all (terminators excluded) fit.
    fn check_room(&self, count: usize, bytes: usize) -> Result<(), GraphError> {
        if self.len() + count > MAX_NODES {
            return Err(GraphError::TooLarge("nodes"));
        }
        if self.text.len() + bytes + count > MAX_NAME_BYTES {
            return Err(GraphError::TooLarge("name bytes"));
        }
        Ok(())
    }

    /// The id of `name`, adding it if it is new (one hash-table probe either way).
    fn intern(&mut self, name: &str) -> Result<NodeId, GraphError> {
        validate_name(name)?;
        self.check_room(1, name.len())?;
        Ok(self.intern_valid(name))
    }

    /// `intern` for a name already validated, with room checked.
    fn intern_valid(&mut self, name: &str) -> NodeId {
        let hash = self.hasher.hash_one(name);
        let (text, hasher) = (&self.text, &self.hasher);
        let entry = self.index.entry(
            hash,
            |slot| name_is(text.as_bytes(), slot.start, name.as_bytes()),
            |slot| hasher.hash_one(name_from(text, slot.start)),
        );
        let vacant = match entry {
            hashbrown::hash_table::Entry::Occupied(found) => return found.get().id,
            hashbrown::hash_table::Entry::Vacant(vacant) => vacant,
        };
        if self.starts.is_empty() {
            self.starts.push(0);
        }
        let id = (self.starts.len() - 1) as NodeId;
        let start = self.text.len() as u32;
        vacant.insert(Slot { id, start });
        self.text.push_str(name);
        self.text.push('\0');
        self.starts.push(self.text.len() as u32);
        id
    }

    fn try_reserve(&mut self, nodes: usize) -> Result<(), GraphError> {
        let no_memory = |_| GraphError::OutOfMemory("nodes");
        self.starts
            .try_reserve(nodes + usize::from(self.starts.is_empty()))
            .map_err(no_memory)?;
        let (text, hasher) = (&self.text, &self.hasher);
        self.index
            .try_reserve(nodes, |slot| hasher.hash_one(name_from(text, slot.start)))
            .map_err(|_| GraphError::OutOfMemory("nodes"))
    }

    fn heap_bytes(&self) -> usize {
        self.text.capacity()
            + self.starts.capacity() * 4
            // hashbrown: one 8-byte slot plus one control byte per bucket
            + self.index.capacity() * 8 / 7 * 9
    }
}

fn validate_name(name: &str) -> Result<(), GraphError> {
    if name.is_empty() {
        return Err(GraphError::InvalidName("a name must not be empty".into()));
    }
    if let Some(at) = name.bytes().position(|b| b == 0) {
        return Err(GraphError::InvalidName(format!(
            "a name must not contain a NUL byte ({:?} has one at byte {at})",
            name.replace('\0', "\\0")
        )));
    }
    Ok(())
}

/// Collects nodes and edges; [`build`](Self::build) turns them into a [`Graph`].
///
/// Thread safety: plain data (`Send + Sync`); mutation needs `&mut`.
#[derive(Clone, Default)]
pub struct GraphBuilder {
    names: Names,
    edges: Vec<(NodeId, NodeId)>,
}

impl GraphBuilder {
    pub fn new() -> Self {
        GraphBuilder::default()
    }

    /// Reserves room for `nodes` more names and `edges` more edges. Errors:
    /// `TooLarge` beyond the limits, `OutOfMemory` (nothing else changes).
    pub fn reserve(&mut self, nodes: usize, edges: usize) -> Result<(), GraphError> {
        if self.names.len() + nodes > MAX_NODES {
            return Err(GraphError::TooLarge("nodes"));
        }
        if self.edges.len() + edges > MAX_EDGES {
            return Err(GraphError::TooLarge("edges"));
        }
        self.names.try_reserve(nodes)?;
        self.edges
            .try_reserve(edges)
            .map_err(|_| GraphError::OutOfMemory("edges"))
    }

    /// Reserves room for `bytes` more bytes of names (each name takes its length + 1).
    pub fn reserve_name_bytes(&mut self, bytes: usize) -> Result<(), GraphError> {
        if self.names.text.len() + bytes > MAX_NAME_BYTES {
            return Err(GraphError::TooLarge("name bytes"));
        }
        self.names
            .text
            .try_reserve(bytes)
            .map_err(|_| GraphError::OutOfMemory("name bytes"))
    }

    /// The id of `name`, adding the node if it is new (adding a name twice gives the
    /// same id). Errors: `InvalidName` (empty, or contains NUL), `TooLarge`.
    pub fn add_node(&mut self, name: &str) -> Result<NodeId, GraphError> {
        self.names.intern(name)
    }

    /// Adds the edge `from -> to` (`to` depends on `from`) between existing nodes.
    /// A repeated edge is accepted and kept once by `build`; a self-loop is accepted
    /// here and reported by `build` as a cycle. Errors: `UnknownNode`, `TooLarge`.
    pub fn add_edge(&mut self, from: NodeId, to: NodeId) -> Result<(), GraphError> {
        let count = self.names.len();
        for id in [from, to] {
            if id as usize >= count {
                return Err(GraphError::UnknownNode(u64::from(id)));
            }
        }
        if self.edges.len() >= MAX_EDGES {
            return Err(GraphError::TooLarge("edges"));
        }
        self.edges.push((from, to));
        Ok(())
    }

    /// Adds `from -> to` by name, adding either node if it is new (`from` first).
    /// Both names are checked before anything is added, so a refused call changes nothing.
    pub fn add_edge_by_name(
        &mut self,
        from: &str,
        to: &str,
    ) -> Result<(NodeId, NodeId), GraphError> {
        validate_name(from)?;
        validate_name(to)?;
        // Room for both as new names, so that interning cannot fail half-way.
        self.names.check_room(2, from.len() + to.len())?;
        if self.edges.len() >= MAX_EDGES {
            return Err(GraphError::TooLarge("edges"));
        }
        let from = self.names.intern_valid(from);
        let to = self.names.intern_valid(to);
        self.edges.push((from, to));
        Ok((from, to))
    }

    /// Nodes added so far.
    pub fn node_count(&self) -> usize {
        self.names.len()
    }

    /// Edges added so far, repeats included.
    pub fn edge_count(&self) -> usize {
        self.edges.len()
    }

    pub fn node_id(&self, name: &str) -> Option<NodeId> {
        self.names.find(name)
    }

    pub fn node_name(&self, id: NodeId) -> Option<&str> {
        self.names.get(id)
    }

    /// Checks the graph and freezes it. On success the builder is left empty (its
    /// names and edges moved into the graph); on error it is unchanged.
    ///
    /// Errors: `Cycle` with the nodes of one cycle. Linear in nodes + edges.
    pub fn build(&mut self) -> Result<Graph, GraphError> {
        let adjacency = Adjacency::new(self.names.len(), &self.edges);
        let (order, generation_starts) = match topological_generations(&adjacency) {
            Ok(found) => found,
            Err(cycle) => {
                let names = cycle
                    .iter()
                    .map(|&id| self.names.get(id).unwrap_or_default().to_string())
                    .collect();
                return Err(GraphError::Cycle {
                    nodes: cycle,
                    names,
                });
            }
        };
        let repeated_edges = self.edges.len() - adjacency.succ.len();
        let mut names = std::mem::take(&mut self.names);
        if names.starts.is_empty() {
            names.starts.push(0);
        }
        self.edges = Vec::new();
        Ok(Graph {
            names,
            adjacency,
            order,
            generation_starts,
            repeated_edges,
        })
    }
}

/// Both directions of the adjacency, compressed (CSR): the successors of `v` are
/// `succ[succ_starts[v]..succ_starts[v + 1]]`, in increasing id order; predecessors
/// likewise, in the order their edges were added.
#[derive(Clone)]
struct Adjacency {
    succ_starts: Vec<u32>,
    succ: Vec<NodeId>,
    pred_starts: Vec<u32>,
    pred: Vec<NodeId>,
}

impl Adjacency {
    /// Counting sort of the edges by target (stable), repeats dropped, then the
    /// successor lists derived from the predecessor lists. O(nodes + edges).
    fn new(n: usize, edges: &[(NodeId, NodeId)]) -> Self {
        let mut pred_starts = vec![0u32; n + 1];
        for &(_, to) in edges {
            pred_starts[to as usize + 1] += 1;
        }
        for v in 0..n {
            pred_starts[v + 1] += pred_starts[v];
        }
        let mut cursor = pred_starts.clone();
        let mut pred = vec![0 as NodeId; edges.len()];
        for &(from, to) in edges {
            let slot = &mut cursor[to as usize];
            pred[*slot as usize] = from;
            *slot += 1;
        }
        // Drop repeats: `seen[p].0 == v` means p is already a predecessor of v; `.1`
        // counts p's successors. One array, so one cache miss per edge for both.
        let mut seen = vec![(u32::MAX, 0u32); n];
        let mut kept = 0usize;
        for v in 0..n {
            let (start, end) = (pred_starts[v] as usize, pred_starts[v + 1] as usize);
            pred_starts[v] = kept as u32;
            for i in start..end {
                let p = pred[i];
                let entry = &mut seen[p as usize];
                if entry.0 != v as u32 {
                    *entry = (v as u32, entry.1 + 1);
                    pred[kept] = p;
                    kept += 1;
                }
            }
        }
        pred_starts[n] = kept as u32;
        pred.truncate(kept);
        pred.shrink_to_fit();

        let mut succ_starts = Vec::with_capacity(n + 1);
        succ_starts.push(0u32);
        let mut total = 0u32;
        for &(_, degree) in &seen {
            total += degree;
            succ_starts.push(total);
        }
        drop(seen);
        let mut cursor = succ_starts.clone();
        let mut succ = vec![0 as NodeId; kept];
        for v in 0..n {
            for &p in &pred[pred_starts[v] as usize..pred_starts[v + 1] as usize] {
                let slot = &mut cursor[p as usize];
                succ[*slot as usize] = v as NodeId;
                *slot += 1;
            }
        }
        Adjacency {
            succ_starts,
            succ,
            pred_starts,
            pred,
        }
    }

    fn node_count(&self) -> usize {
        self.pred_starts.len() - 1
    }

    fn successors(&self, v: NodeId) -> &[NodeId] {
        let v = v as usize;
        &self.succ[self.succ_starts[v] as usize..self.succ_starts[v + 1] as usize]
    }

    fn predecessors(&self, v: NodeId) -> &[NodeId] {
        let v = v as usize;
        &self.pred[self.pred_starts[v] as usize..self.pred_starts[v + 1] as usize]
    }

    fn in_degrees(&self, out: &mut Vec<u32>) {
        out.clear();
        out.extend(self.pred_starts.windows(2).map(|w| w[1] - w[0]));
    }
}

/// Kahn's algorithm with a FIFO queue: sources in id order, then each node when its
/// last predecessor is processed, successors in id order. The queue is ordered by
/// generation (longest path from a source), so generations are contiguous runs of
/// it. Returns the order and the start of each generation (plus the end), or the
/// nodes of one cycle.
fn topological_generations(adj: &Adjacency) -> Result<(Vec<NodeId>, Vec<u32>), Vec<NodeId>> {
    let n = adj.node_count();
    let mut remaining = Vec::with_capacity(n);
    adj.in_degrees(&mut remaining);
    let mut order: Vec<NodeId> = Vec::with_capacity(n);
    order.extend((0..n as NodeId).filter(|&v| remaining[v as usize] == 0));
    let mut starts = vec![0u32];
    let mut head = 0;
    while head < order.len() {
        let end = order.len();
        starts.push(end as u32);
        while head < end {
            let v = order[head];
            head += 1;
            for &s in adj.successors(v) {
                let left = &mut remaining[s as usize];
                *left -= 1;
                if *left == 0 {
                    order.push(s);
                }
            }
        }
    }
    if order.len() == n {
        starts.shrink_to_fit();
        return Ok((order, starts));
    }
    Err(find_cycle(adj, &remaining))
}

/// A node left over by Kahn's algorithm has `remaining > 0`, so at least one of its
/// predecessors is left over too: walking such predecessors must revisit a node.
fn find_cycle(adj: &Adjacency, remaining: &[u32]) -> Vec<NodeId> {
    let left_over = |v: NodeId| remaining[v as usize] > 0;
    let start = (0..adj.node_count() as NodeId)
        .find(|&v| left_over(v))
        .expect("Kahn left nodes over");
    let mut position = vec![u32::MAX; adj.node_count()];
    let mut path = Vec::new();
    let mut v = start;
    while position[v as usize] == u32::MAX {
        position[v as usize] = path.len() as u32;
        path.push(v);
        v = *adj
            .predecessors(v)
            .iter()
            .find(|&&p| left_over(p))
            .expect("a left-over node has a left-over predecessor");
    }
    // path[k+1] is a predecessor of path[k]: reverse for the direction of the edges.
    let mut cycle = path.split_off(position[v as usize] as usize);
    cycle.reverse();
    let smallest = (0..cycle.len()).min_by_key(|&i| cycle[i]).unwrap_or(0);
    cycle.rotate_left(smallest);
    cycle
}

/// An immutable, checked DAG. See the module docs.
///
/// Thread safety: immutable, `Send + Sync`; share it with `Arc`.
#[derive(Clone)]
pub struct Graph {
    names: Names,
    adjacency: Adjacency,
    order: Vec<NodeId>,
    generation_starts: Vec<u32>,
    repeated_edges: usize,
}

impl fmt::Debug for Graph {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Graph")
            .field("nodes", &self.node_count())
            .field("edges", &self.edge_count())
            .field("generations", &self.generation_count())
            .finish()
    }
}

impl Graph {
    /// Builds a graph from name pairs (`to` depends on `from`), nodes added in order of
    /// first mention.
    pub fn from_edges<'a>(
        edges: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Graph, GraphError> {
        let mut builder = GraphBuilder::new();
        for (from, to) in edges {
            builder.add_edge_by_name(from, to)?;
        }
        builder.build()
    }

    /// Builds a graph from `(node, dependencies)` pairs: each node is added before its
    /// dependencies, and a dependency never declared as a node is added as a source.
    pub fn from_dependencies<'a, D>(
        dependencies: impl IntoIterator<Item = (&'a str, D)>,
    ) -> Result<Graph, GraphError>
    where
        D: IntoIterator<Item = &'a str>,
    {
        let mut builder = GraphBuilder::new();
        for (node, deps) in dependencies {
            let node = builder.add_node(node)?;
            for dep in deps {
                let dep = builder.add_node(dep)?;
                builder.add_edge(dep, node)?;
            }
        }
        builder.build()
    }

    pub fn node_count(&self) -> usize {
        self.names.len()
    }

    /// Distinct edges (repeats dropped).
    pub fn edge_count(&self) -> usize {
        self.adjacency.succ.len()
    }

    /// How many edges given to the builder repeated an earlier one and were dropped.
    pub fn repeated_edges(&self) -> usize {
        self.repeated_edges
    }

    pub fn node_id(&self, name: &str) -> Option<NodeId> {
        self.names.find(name)
    }

    pub fn node_name(&self, id: NodeId) -> Option<&str> {
        self.names.get(id)
    }

    /// Every name in id order, each followed by a NUL byte (`"a\0b\0"`).
    pub fn names_text(&self) -> &str {
        &self.names.text
    }

    pub fn contains(&self, id: NodeId) -> bool {
        (id as usize) < self.node_count()
    }

    /// Nodes that depend directly on `id`, in increasing id order. Panics on an unknown id.
    pub fn successors(&self, id: NodeId) -> &[NodeId] {
        self.adjacency.successors(id)
    }

    /// Nodes `id` depends on directly, in the order their edges were added. Panics on an
    /// unknown id.
    pub fn predecessors(&self, id: NodeId) -> &[NodeId] {
        self.adjacency.predecessors(id)
    }

    /// Writes every node's number of distinct predecessors into `out`.
    pub fn in_degrees(&self, out: &mut Vec<u32>) {
        self.adjacency.in_degrees(out)
    }

    /// All nodes in a topological order: generation by generation (see `generation`).
    pub fn topological_order(&self) -> &[NodeId] {
        &self.order
    }

    /// How many generations: 0 for the empty graph, else the longest path's node count.
    pub fn generation_count(&self) -> usize {
        self.generation_starts.len() - 1
    }

    /// Generation `g`: the nodes whose longest path from a source has `g` edges.
    /// Generation 0 is the sources in id order; the nodes of a later generation are in
    /// the order a FIFO drive makes them ready. Panics if `g >= generation_count()`.
    pub fn generation(&self, g: usize) -> &[NodeId] {
        &self.order[self.generation_range(g)]
    }

    /// Where each generation starts in `topological_order()`, plus its length at the end.
    pub fn generation_starts(&self) -> &[u32] {
        &self.generation_starts
    }

    fn generation_range(&self, g: usize) -> Range<usize> {
        self.generation_starts[g] as usize..self.generation_starts[g + 1] as usize
    }

    /// Nodes with no predecessor, in id order.
    pub fn sources(&self) -> &[NodeId] {
        if self.generation_count() == 0 {
            &[]
        } else {
            self.generation(0)
        }
    }

    /// Heap bytes held by the graph (names, index, adjacency, order).
    pub fn heap_bytes(&self) -> usize {
        let a = &self.adjacency;
        self.names.heap_bytes()
            + (a.succ_starts.capacity()
                + a.succ.capacity()
                + a.pred_starts.capacity()
                + a.pred.capacity()
                + self.order.capacity()
                + self.generation_starts.capacity())
                * 4
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(graph: &Graph, ids: &[NodeId]) -> Vec<String> {
        ids.iter()
            .map(|&id| graph.node_name(id).unwrap().to_string())
            .collect()
    }

    #[test]
    fn ids_follow_first_mention_and_adjacency_is_both_ways() {
        let g = Graph::from_edges([("a", "c"), ("b", "c"), ("a", "b"), ("c", "d")]).unwrap();
        assert_eq!(g.node_count(), 4);
        assert_eq!(g.node_id("a"), Some(0));
        assert_eq!(g.node_id("c"), Some(1));
        assert_eq!(g.node_id("b"), Some(2));
        assert_eq!(g.node_id("zz"), None);
        assert_eq!(g.names_text(), "a\0c\0b\0d\0");
        assert_eq!(g.successors(0), &[1, 2]);
        assert_eq!(g.predecessors(1), &[0, 2]);
        assert_eq!(names(&g, g.topological_order()), ["a", "b", "c", "d"]);
        assert_eq!(g.generation_count(), 4);
        assert_eq!(g.sources(), &[0]);
    }

    #[test]
    fn generations_group_nodes_by_longest_path() {
        let g = Graph::from_dependencies([
            ("x", vec![]),
            ("y", vec!["x"]),
            ("z", vec!["x", "y"]),
            ("w", vec![]),
            ("v", vec!["w"]),
        ])
        .unwrap();
        let gens: Vec<Vec<String>> = (0..g.generation_count())
            .map(|i| names(&g, g.generation(i)))
            .collect();
        assert_eq!(gens, [vec!["x", "w"], vec!["y", "v"], vec!["z"]]);
        assert_eq!(g.generation_starts(), &[0, 2, 4, 5]);
    }

    #[test]
    fn repeated_edges_are_kept_once() {
        let g = Graph::from_edges([("a", "b"), ("a", "b"), ("b", "c"), ("a", "b")]).unwrap();
        assert_eq!(g.edge_count(), 2);
        assert_eq!(g.repeated_edges(), 2);
        assert_eq!(g.predecessors(1), &[0]);
        assert_eq!(g.successors(0), &[1]);
    }

    #[test]
    fn a_cycle_is_reported_with_its_nodes_in_edge_direction() {
        let err = Graph::from_edges([("s", "a"), ("a", "b"), ("b", "c"), ("c", "a"), ("c", "t")])
            .unwrap_err();
        let GraphError::Cycle { nodes, names } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(nodes, &[1, 2, 3]);
        assert_eq!(names, &["a", "b", "c"]);
        assert_eq!(
            err.to_string(),
            r#"the graph has a cycle: "a" -> "b" -> "c" -> "a""#
        );
    }

    #[test]
    fn a_self_loop_is_a_cycle_of_one() {
        let mut b = GraphBuilder::new();
        let a = b.add_node("a").unwrap();
        let x = b.add_node("x").unwrap();
        b.add_edge(x, a).unwrap();
        b.add_edge(a, a).unwrap();
        let err = b.build().unwrap_err();
        assert_eq!(
            err,
            GraphError::Cycle {
                nodes: vec![0],
                names: vec!["a".into()]
            }
        );
        // The builder is unchanged by a failed build.
        assert_eq!((b.node_count(), b.edge_count()), (2, 2));
    }

    #[test]
    fn bad_names_and_unknown_ids_are_refused_without_change() {
        let mut b = GraphBuilder::new();
        assert!(matches!(b.add_node(""), Err(GraphError::InvalidName(_))));
        assert!(matches!(
            b.add_node("a\0b"),
            Err(GraphError::InvalidName(_))
        ));
        assert!(matches!(
            b.add_edge_by_name("ok", ""),
            Err(GraphError::InvalidName(_))
        ));
        assert_eq!(b.node_count(), 0, "a refused edge adds neither node");
        let a = b.add_node("a").unwrap();
        assert_eq!(b.add_node("a").unwrap(), a);
        assert_eq!(b.add_edge(a, 7), Err(GraphError::UnknownNode(7)));
        assert_eq!(b.edge_count(), 0);
    }

    #[test]
    fn empty_graph_and_isolated_nodes() {
        let g = GraphBuilder::new().build().unwrap();
        assert_eq!(
            (g.node_count(), g.edge_count(), g.generation_count()),
            (0, 0, 0)
        );
        assert!(g.topological_order().is_empty() && g.sources().is_empty());
        assert_eq!(g.node_name(0), None);
        let mut b = GraphBuilder::new();
        for name in ["p", "q", "r"] {
            b.add_node(name).unwrap();
        }
        let g = b.build().unwrap();
        assert_eq!(b.node_count(), 0, "a successful build empties the builder");
        assert_eq!(g.generation_count(), 1);
        assert_eq!(g.sources(), &[0, 1, 2]);
        assert_eq!(g.node_name(2), Some("r"));
    }

    #[test]
    fn short_eq_matches_slice_equality_at_every_length() {
        let a: Vec<u8> = (0..40u8).collect();
        for len in 0..40 {
            assert!(short_eq(&a[..len], &a[..len]));
            for flip in 0..len {
                let mut b = a[..len].to_vec();
                b[flip] ^= 0x20;
                assert!(!short_eq(&a[..len], &b), "len {len}, byte {flip}");
            }
        }
        // A stored name that is longer than the one looked up does not match.
        let g = Graph::from_edges([("abcdefgh_long", "ab")]).unwrap();
        assert_eq!(g.node_id("abcdefgh"), None);
        assert_eq!(g.node_id("abcdefgh_long"), Some(0));
        assert_eq!(g.node_id("a"), None);
    }

    #[test]
    fn unicode_names_round_trip() {
        let g = Graph::from_edges([("ünï", "çødé"), ("çødé", "名前")]).unwrap();
        assert_eq!(g.node_name(2), Some("名前"));
        assert_eq!(g.node_id("çødé"), Some(1));
    }
}
