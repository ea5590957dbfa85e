//! Rust port of the graph generators in `shared/bench/workloads.py`: the same LCG,
//! the same node names in the same order, the same edges in the same order.
//!
//! Shared by the benches (`mod support` in a bench) and the tests (included with
//! `#[path]`), so both drive the graphs every benchmark in the project uses.

#![allow(dead_code)] // each includer uses a different subset

/// The 64-bit LCG of `workloads.Lcg`, as the event-store workload port has it.
pub use noob_core::event_store::workload::Lcg;

/// A generated graph: names in a topological order, edges as `(source, target)`
/// indices into `names` (`target` depends on `source`), in the Python edge order.
pub struct Workload {
    pub names: Vec<String>,
    pub edges: Vec<(u32, u32)>,
}

impl Workload {
    /// The edges as name pairs, as the Python generator returns them.
    pub fn edge_names(&self) -> Vec<(&str, &str)> {
        self.edges
            .iter()
            .map(|&(s, t)| {
                (
                    self.names[s as usize].as_str(),
                    self.names[t as usize].as_str(),
                )
            })
            .collect()
    }
}

/// `layered(layers, width, seed)`: node `n{L}_{c}` has index `L * width + c`.
pub fn layered(layers: u32, width: u32, seed: u64) -> Workload {
    assert!(layers >= 1 && width >= 1, "layers and width must be >= 1");
    let mut rng = Lcg::new(seed);
    let names = (0..layers)
        .flat_map(|l| (0..width).map(move |c| format!("n{l}_{c}")))
        .collect();
    let mut edges = Vec::new();
    let mut seen = Vec::with_capacity(3);
    for l in 1..layers {
        let back = u64::from(l.min(4));
        for c in 0..width {
            let target = l * width + c;
            let k = 1 + rng.draw(3);
            seen.clear();
            for _ in 0..k {
                let span = 1 + rng.draw(back) as u32;
                let col = rng.draw(u64::from(width)) as u32;
                let source = (l - span) * width + col;
                if !seen.contains(&source) {
                    seen.push(source);
                    edges.push((source, target));
                }
            }
        }
    }
    Workload { names, edges }
}

/// `wide(n)`: `src` (index 0) fans out to `w0..w{n-1}`, which all feed `sink` (last).
pub fn wide(n: u32) -> Workload {
    let mut names = Vec::with_capacity(n as usize + 2);
    names.push("src".to_string());
    names.extend((0..n).map(|i| format!("w{i}")));
    names.push("sink".to_string());
    let sink = n + 1;
    let edges = (1..=n)
        .map(|m| (0, m))
        .chain((1..=n).map(|m| (m, sink)))
        .collect();
    Workload { names, edges }
}

/// `chain(n)`: `c0 -> c1 -> ... -> c{n-1}`.
pub fn chain(n: u32) -> Workload {
    Workload {
        names: (0..n).map(|i| format!("c{i}")).collect(),
        edges: (1..n).map(|i| (i - 1, i)).collect(),
    }
}

/// `diamond_lattice(k)`: `d{i}_{j}` (index `i * k + j`) depends on `d{i-1}_{j}` and `d{i}_{j-1}`.
pub fn diamond_lattice(k: u32) -> Workload {
    let names = (0..k)
        .flat_map(|i| (0..k).map(move |j| format!("d{i}_{j}")))
        .collect();
    let mut edges = Vec::new();
    for i in 0..k {
        for j in 0..k {
            if i > 0 {
                edges.push(((i - 1) * k + j, i * k + j));
            }
            if j > 0 {
                edges.push((i * k + j - 1, i * k + j));
            }
        }
    }
    Workload { names, edges }
}
