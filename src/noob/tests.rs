//! Unit tests of the noob drop-in core. The scheduling behaviours (summary items 2-15 of
//! the behaviour document) are checked against outputs recorded from noob-core 0.2.1 by
//! `tests/noob_fixtures.rs`; these tests cover the value types, the interner and
//! construction on large graphs, with expected values probed from the same oracle.

use super::intern::{self, ItemKind, ASSETS, INPUT, META, PREV, TUBE};
use super::template::{EdgeSpec, NodeSpec, Template};
use super::*;

fn node(name: &str) -> ItemId {
    intern::intern_node(name)
}

#[test]
fn the_interner_is_pre_seeded_like_noob_core() {
    assert_eq!(intern::lookup_signal("meta", "previous_epoch"), Some(PREV));
    assert_eq!(intern::lookup_node("meta"), Some(META));
    assert_eq!(intern::lookup_node("tube"), Some(TUBE));
    assert_eq!(intern::lookup_node("input"), Some(INPUT));
    assert_eq!(intern::lookup_node("assets"), Some(ASSETS));
    assert_eq!(intern::kind_of(PREV), Some((ItemKind::Signal, META)));
    assert_eq!(intern::kind_of(TUBE), Some((ItemKind::Node, TUBE)));
    assert_eq!(intern::kind_of(u32::MAX - 1), None);
}

#[test]
fn interning_is_idempotent_and_kinds_are_separate() {
    let n = node("unit_intern_n");
    assert_eq!(node("unit_intern_n"), n);
    let s = intern::intern_signal("unit_intern_n", "value");
    assert_eq!(intern::lookup_signal("unit_intern_n", "value"), Some(s));
    assert_ne!(s, n);
    assert_eq!(intern::kind_of(s), Some((ItemKind::Signal, n)));
    assert_eq!(intern::lookup_signal("unit_intern_n", "other"), None);
    assert_eq!(intern::lookup_node("unit_intern_never"), None);
    assert_eq!(
        intern::describe(&[n, s]),
        "[Node(\"unit_intern_n\"), Signal(\"unit_intern_n\", \"value\")]"
    );
}

#[test]
fn epoch_orders_by_root_then_segment_intern_id_with_prefixes_first() {
    // Probed on noob-core 0.2.1 (fresh process, `a` interned before `b`):
    // Epoch(0)/("z",5) < Epoch(1) < Epoch(1)/("a",0) < Epoch(1)/("b",0) < Epoch(2).
    let (a, b, z) = (node("unit_ord_a"), node("unit_ord_b"), node("unit_ord_z"));
    assert!(a < b);
    let e = Epoch::root_of;
    let chain = [
        e(0).child(z, 5),
        e(1),
        e(1).child(a, 0),
        e(1).child(b, 0),
        e(2),
    ];
    for pair in chain.windows(2) {
        assert!(pair[0] < pair[1], "{:?} < {:?}", pair[0], pair[1]);
    }
    // Epoch(0)/("m",5) < Epoch(0)/("m",5)/("q",0) < Epoch(0)/("m",6); Epoch(1) > (0, a, 100).
    let (m, q) = (node("unit_ord_m"), node("unit_ord_q"));
    assert!(e(0).child(m, 5) < e(0).child(m, 5).child(q, 0));
    assert!(e(0).child(m, 5).child(q, 0) < e(0).child(m, 6));
    assert!(e(1) > e(0).child(a, 100));
    // Ordering follows intern ids, not names: `y2` interned before `x2` sorts first.
    let (y2, x2) = (node("unit_ord_y2"), node("unit_ord_x2"));
    assert!(e(0).child(y2, 0) < e(0).child(x2, 0));
}

#[test]
fn epoch_accessors_arithmetic_and_text() {
    let (a, b) = (node("a"), node("b"));
    let e = Epoch::root_of(3).child(a, 1).child(b, 2);
    assert_eq!(e.len(), 3);
    assert_eq!(e.get(0), Some((TUBE, 3)));
    assert_eq!(e.get(2), Some((b, 2)));
    assert_eq!(e.get(3), None);
    assert_eq!(e.leaf(), Some((b, 2)));
    assert_eq!(
        e.parents(),
        vec![Epoch::root_of(3).child(a, 1), Epoch::root_of(3)]
    );
    assert_eq!(e.parent(), Some(Epoch::root_of(3).child(a, 1)));
    assert_eq!(Epoch::root_of(3).parent(), None);
    assert!(Epoch::root_of(3).parents().is_empty());
    assert_eq!(e.root_epoch(), Epoch::root_of(3));
    // + and - act on the last component.
    assert_eq!(
        e.checked_add(1).unwrap(),
        Epoch::root_of(3).child(a, 1).child(b, 3)
    );
    assert_eq!(Epoch::root_of(3).checked_add(2).unwrap(), Epoch::root_of(5));
    assert_eq!(Epoch::root_of(0).checked_sub(1), Err(EpochError::Negative));
    assert_eq!(
        Epoch::root_of(u32::MAX).checked_add(1),
        Err(EpochError::Overflow)
    );
    assert_eq!(
        Epoch::root_of(2).make_subepochs(a, 3),
        vec![
            Epoch::root_of(2).child(a, 0),
            Epoch::root_of(2).child(a, 1),
            Epoch::root_of(2).child(a, 2)
        ]
    );
    assert!(Epoch::root_of(2).make_subepochs(a, 0).is_empty());
    // repr as the reference prints it.
    assert_eq!(Epoch::root_of(7).to_string(), "7");
    assert_eq!(e.to_string(), "(3, ('a', 1), ('b', 2))");
    // Names go in raw, as noob-core 0.2.1 prints them: no escaping, no change of quotes.
    let quote = node("it's\0\\\n");
    assert_eq!(
        Epoch::root_of(0).child(quote, 0).to_string(),
        "(0, ('it's\0\\\n', 0))"
    );
}

#[test]
fn epoch_words_round_trip_and_reject_non_nodes() {
    let (a, b) = (node("a"), node("b"));
    let e = Epoch::root_of(9).child(a, 4).child(b, 0);
    let mut words = Vec::new();
    e.write_words(&mut words);
    assert_eq!(words.len(), e.word_len());
    words.push(12345); // trailing words are not part of the epoch
    assert_eq!(Epoch::from_words(&words), Ok((e, 6)));
    assert!(Epoch::from_words(&[]).is_err());
    assert!(Epoch::from_words(&[2, 0, a, 1]).is_err());
    assert!(matches!(
        Epoch::from_words(&[1, 0, PREV, 1]),
        Err(EpochError::Malformed(_))
    ));
}

#[test]
fn noob_errors_map_to_the_reference_messages() {
    let e = Epoch::root_of(1).child(node("b"), 0);
    assert_eq!(
        NoobError::EpochExists(e.clone()).to_string(),
        "(1, ('b', 0))"
    );
    assert_eq!(
        NoobError::EpochCompleted(Epoch::root_of(0)).to_string(),
        "0"
    );
    let mut s = Scheduler::from_names(
        &[("unit_err_a", true, None), ("unit_err_b", true, None)],
        &[("unit_err_a", "v", "unit_err_b", "x", true)],
    );
    let e0 = s.add_epoch().unwrap();
    let a = node("unit_err_a");
    assert_eq!(s.done(&e0, a, false), Ok(vec![]));
    assert_eq!(
        s.done(&e0, a, false),
        Err(NoobError::AlreadyDone(
            "node(s) [Node(\"unit_err_a\")] were already marked done".into()
        ))
    );
    assert_eq!(
        s.done(&e0, INPUT, true),
        Err(NoobError::NotAdded(
            "node(s) [Node(\"input\")] were not added using add()".into()
        ))
    );
    assert_eq!(s.expire(&e0, INPUT, true, true), Ok(vec![]));
    assert_eq!(
        s.add_epoch_at(&e0),
        Err(NoobError::EpochExists(Epoch::root_of(0)))
    );
}

fn layered(layers: u32, width: u32, optional_every: usize) -> (Vec<NodeSpec>, Vec<EdgeSpec>) {
    // The `workloads.layered` shape (2 parents a layer back), enough for size checks.
    let name = |l: u32, c: u32| format!("unit_big_{l}_{c}");
    let mut nodes = Vec::new();
    let mut edges = Vec::new();
    let mut batch = intern::InternBatch::new();
    for l in 0..layers {
        for c in 0..width {
            let id = batch.node(&name(l, c));
            nodes.push(NodeSpec {
                node: id,
                enabled: true,
                stateful: None,
            });
            if l == 0 {
                continue;
            }
            for p in [c, (c * 7 + 3) % width] {
                let src = name(l - 1, p);
                let required =
                    optional_every == 0 || (l * width + c) as usize % optional_every != 0;
                edges.push(EdgeSpec {
                    source: batch.node(&src),
                    signal: batch.signal(&src, "value"),
                    target: id,
                    slot: batch.slot(&name(l, c), if p == c { "x" } else { "y" }),
                    required,
                });
            }
        }
    }
    (nodes, edges)
}

#[test]
fn large_layered_templates_build_with_every_key_and_generation() {
    for (layers, width, optional_every) in [(100, 100, 0), (30, 50, 7)] {
        let (nodes, edges) = layered(layers, width, optional_every);
        let t = Template::build(&nodes, &edges);
        // Every node and every used signal (all but the last layer's) is a key.
        assert_eq!(t.len() as u32, layers * width + (layers - 1) * width);
        assert!(!t.exhausted());
        assert!(!t.has_cycle());
        assert_eq!(t.source_nodes().len() as u32, width);
        let generations = sorter::Sorter::new(t.clone()).generations();
        assert_eq!(generations.len() as u32, layers);
        assert!(generations.iter().all(|g| g.len() as u32 == width));
    }
}

#[test]
fn a_self_loop_and_a_cycle_are_reported_not_refused() {
    let mut s = Scheduler::from_names(
        &[("unit_cyc_a", true, None)],
        &[("unit_cyc_a", "v", "unit_cyc_a", "x", true)],
    );
    assert!(s.has_cycle());
    assert!(s.generations().is_empty());
    let e = s.add_epoch().unwrap();
    assert!(
        s.epoch_completed(&e),
        "a graph that can never run is born completed"
    );
}

#[test]
fn epochs_share_the_template_and_copy_only_counters() {
    let (nodes, edges) = layered(20, 20, 0);
    let mut s = Scheduler::new(&nodes, edges);
    let before = std::sync::Arc::strong_count(s.template());
    for _ in 0..5 {
        s.add_epoch().unwrap();
    }
    assert_eq!(s.live_epochs(), 5);
    assert_eq!(std::sync::Arc::strong_count(s.template()), before + 5);
}
