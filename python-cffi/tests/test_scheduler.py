"""FastScheduler from Python: both seed APIs, ready order, errors, cycles, parallel runs."""

from __future__ import annotations

import gc
import graphlib
import threading
import time

import pytest

from noob_core import FastScheduler, RunSummary
from noob_core.exceptions import (
    AlreadyMarkedDoneError,
    CycleError,
    GraphError,
    InvalidArgumentError,
    InvalidUtf8Error,
    NodeFailedError,
    NotHandedOutError,
    SchedulerClosedError,
    UnknownNodeError,
)

# a -> b -> d, a -> c -> d, e alone; "x" declared after its dependent.
DEPS = {"b": ["a"], "c": ["a"], "d": ["b", "c"], "e": []}
EDGES = [("a", "b"), ("a", "c"), ("b", "d"), ("c", "d")]


def drive_batches(s: FastScheduler) -> list[list[str]]:
    """Drive with the batch API; returns the batches handed out."""
    batches = []
    while not s.is_done():
        batch = s.get_ready()
        assert batch, "not done, yet nothing ready"
        batches.append(list(batch))
        s.mark_done_many(batch)
    return batches


def test_dependencies_seed_api():
    s = FastScheduler(DEPS)
    # Ids follow first mention: each key, then its dependencies.
    assert s.nodes == ["b", "a", "c", "d", "e"]
    assert len(s) == 5 and "a" in s and "zz" not in s
    assert not s.is_complete()
    assert s.get_ready_nodes() == ("a", "e")  # sources in id order
    assert s.get_ready_nodes() == ()  # handed out already
    assert s.mark_completed("a") is None
    assert s.get_ready_nodes() == ("b", "c")
    s.mark_completed("e")
    s.mark_completed("c")
    s.mark_completed("b")
    assert s.get_ready_nodes() == ("d",)
    s.mark_completed("d")
    assert s.is_complete() and s.get_ready_nodes() == ()
    s.reset()
    assert not s.is_complete()
    assert s.get_ready_nodes() == ("a", "e")


def test_edges_seed_api():
    s = FastScheduler(EDGES, nodes=["e"])
    assert s.nodes == ["e", "a", "b", "c", "d"]
    assert s.get_ready(batch_size=1) == ("e",)
    assert s.get_ready(batch_size=5) == ("a",)
    assert s.mark_done("e") == ()
    assert s.mark_done("a") == ("b", "c")  # released by one call: in id order
    assert s.get_ready(batch_size=1) == ("b",)
    assert s.mark_done("b") == ()  # d still waits for c
    assert s.get_ready() == ("c",)
    assert not s.is_done()
    assert s.mark_done("c") == ("d",)
    assert s.get_ready(batch_size=0) == ()
    assert s.get_ready() == ("d",)
    assert s.mark_done("d") == () and s.is_done()


def test_batch_api_and_reproducible_order():
    s = FastScheduler.from_edges(EDGES, nodes=["e"])
    assert drive_batches(s) == [["e", "a"], ["b", "c"], ["d"]]
    s.reset()
    assert drive_batches(s) == [["e", "a"], ["b", "c"], ["d"]]
    assert s.counts() == {"node_count": 5, "ready": 0, "handed_out": 0, "done": 5}


def test_graphlib_style_drive_with_done():
    s = FastScheduler(DEPS)
    order = []
    while s.is_active():
        batch = s.get_ready()
        order.append(batch)
        assert s.done(*batch) is None
    assert order == [("a", "e"), ("b", "c"), ("d",)]
    s.reset()
    s.get_ready()
    s.done("e")  # a subset: looked up by name
    with pytest.raises(AlreadyMarkedDoneError):
        s.done("a", "e")
    with pytest.raises(UnknownNodeError):
        s.done("zz")
    s.done("a")
    assert s.get_ready() == ("b", "c") and s.counts()["done"] == 2


def test_is_done_agrees_with_the_library_after_refused_marks():
    s = FastScheduler(EDGES)
    s.get_ready()
    for bad in (["a", "a"], ["a", "b"], ["zz"]):
        with pytest.raises(GraphError):
            s.mark_done_many(bad)
    assert s.counts()["done"] == 0 and not s.is_done()
    s.mark_done("a")
    with pytest.raises(AlreadyMarkedDoneError):
        s.mark_completed("a")
    while not s.is_done():
        s.mark_done_many(s.get_ready())
    assert s.counts()["done"] == 4


def test_mark_done_many_with_the_latest_batch_or_an_older_one():
    s = FastScheduler(EDGES, nodes=["e"])
    first = s.get_ready()
    assert s.mark_done_many(first) == ("b", "c")  # the latest batch: its ids are reused
    with pytest.raises(AlreadyMarkedDoneError):
        s.mark_done_many(first)
    second = s.get_ready()
    with pytest.raises(AlreadyMarkedDoneError):
        s.mark_done_many(first)  # an older batch: looked up by name, still checked
    s.reset()
    with pytest.raises(NotHandedOutError):
        s.mark_done_many(second)  # reset forgets the latest batch too
    assert s.get_ready() == ("e", "a")
    assert s.mark_done_many(list(s.get_ready()) + ["e", "a"]) == ("b", "c")
    s.get_ready()
    with pytest.raises(UnknownNodeError, match="nope"):
        s.mark_done_many(n for n in ("b", "nope"))  # any iterable, even a generator
    assert s.mark_done_many(n for n in ("c", "b")) == ("d",)


def test_ready_order_is_the_order_nodes_became_ready():
    # z is released before y (z's last dependency finishes first), although y has the smaller id.
    s = FastScheduler([("p", "y"), ("q", "y"), ("p", "z")])
    assert s.get_ready() == ("p", "q")
    assert s.mark_done("p") == ("z",)
    assert s.mark_done("q") == ("y",)
    assert s.get_ready() == ("z", "y")


def test_matches_graphlib_on_a_layered_graph():
    import random

    rng = random.Random(5)
    layers = [[f"n{i}_{j}" for j in range(20)] for i in range(10)]
    deps = {n: [] for n in layers[0]}
    for i in range(1, 10):
        for n in layers[i]:
            deps[n] = rng.sample(layers[i - 1], 2) + rng.sample(layers[max(0, i - 3)], 1)
    ts = graphlib.TopologicalSorter(deps)
    ts.prepare()
    expected = []
    while ts.is_active():
        ready = sorted(ts.get_ready())
        expected.append(ready)
        ts.done(*ready)
    s = FastScheduler(deps)
    got = [sorted(b) for b in drive_batches(s)]
    assert got == expected
    assert [sorted(g) for g in s.generations()] == expected
    order = s.topological_order()
    assert sorted(order) == sorted(deps)
    position = {n: i for i, n in enumerate(order)}
    for n, ds in deps.items():
        assert all(position[d] < position[n] for d in ds)


def test_queries():
    s = FastScheduler(DEPS)
    assert s.successors("a") == ["b", "c"]
    assert s.predecessors("d") == ["b", "c"]
    assert s.predecessors("a") == [] and s.successors("e") == []
    assert s.generations() == [["a", "e"], ["b", "c"], ["d"]]
    assert s.topological_order() == ["a", "e", "b", "c", "d"]
    info = s.info()
    assert (info.node_count, info.edge_count, info.repeated_edges, info.generation_count) == (5, 4, 0, 3)
    assert info.heap_bytes > 0
    with pytest.raises(UnknownNodeError):
        s.successors("nope")
    with pytest.raises(UnknownNodeError):
        s.predecessors(3)


def test_empty_graph():
    for s in (FastScheduler({}), FastScheduler([]), FastScheduler()):
        assert s.is_done() and s.get_ready() == () and s.mark_done_many([]) == ()
        assert s.generations() == [] and s.topological_order() == [] and len(s) == 0
        assert s.run(lambda n: pytest.fail("no node to run")) == RunSummary(0, 0, 0, 1)


def test_isolated_nodes():
    s = FastScheduler(nodes=["x", "y"])
    assert s.get_ready() == ("x", "y")
    assert s.mark_done_many(["y", "x"]) == () and s.is_done()
    assert s.generations() == [["x", "y"]]


def test_duplicate_edges_and_nodes_are_kept_once():
    s = FastScheduler([("a", "b"), ("a", "b"), ("b", "c")], nodes=["a", "a"])
    info = s.info()
    assert (info.node_count, info.edge_count, info.repeated_edges) == (3, 2, 1)
    s = FastScheduler({"b": ["a", "a"]})
    assert s.info().repeated_edges == 1 and s.predecessors("b") == ["a"]
    assert drive_batches(s) == [["a"], ["b"]]


def test_cycle_names_its_nodes():
    with pytest.raises(CycleError) as info:
        FastScheduler([("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")])
    # Each node depends on the one before it, starting at the smallest id.
    assert info.value.nodes == ["a", "b", "c"]
    assert '"a" -> "b" -> "c" -> "a"' in str(info.value)
    with pytest.raises(CycleError) as info:
        FastScheduler({"x": ["y"], "y": ["x"], "z": []})
    assert info.value.nodes == ["x", "y"]
    assert isinstance(info.value, (GraphError, ValueError))


def test_self_loop_is_a_cycle():
    with pytest.raises(CycleError) as info:
        FastScheduler([("a", "b"), ("b", "b")])
    assert info.value.nodes == ["b"]
    with pytest.raises(CycleError):
        FastScheduler({"s": ["s"]})


def test_bad_names():
    with pytest.raises(InvalidArgumentError):
        FastScheduler([("", "b")])
    with pytest.raises(InvalidArgumentError):
        FastScheduler(nodes=[""])
    with pytest.raises(InvalidArgumentError, match="NUL"):
        FastScheduler([("a\0b", "c")])
    with pytest.raises(InvalidArgumentError, match="NUL"):
        FastScheduler({"a": ["b\0"]})
    with pytest.raises(InvalidUtf8Error):  # a lone surrogate is not UTF-8
        FastScheduler([("a", "\udc80")])
    with pytest.raises(TypeError):
        FastScheduler([("a", 1)])
    with pytest.raises(TypeError):
        FastScheduler({"a": "bc"})
    with pytest.raises(TypeError):
        FastScheduler([("a", "b", "c")])
    with pytest.raises(TypeError):
        FastScheduler("ab")
    # Unicode names round-trip.
    s = FastScheduler([("caméra", "naïve ✓")])
    assert s.get_ready() == ("caméra",) and s.mark_done("caméra") == ("naïve ✓",)


def test_marking_errors_are_distinct_and_change_nothing():
    s = FastScheduler(EDGES)
    with pytest.raises(UnknownNodeError, match="nope"):
        s.mark_done("nope")
    with pytest.raises(UnknownNodeError):
        s.mark_completed(None)
    with pytest.raises(NotHandedOutError, match="a"):
        s.mark_done("a")  # ready, not handed out yet
    with pytest.raises(NotHandedOutError):
        s.mark_done("d")  # still waiting
    assert s.get_ready() == ("a",)
    assert s.mark_done("a") == ("b", "c")
    with pytest.raises(AlreadyMarkedDoneError, match="a"):
        s.mark_done("a")
    assert s.get_ready() == ("b", "c")
    # A refused batch changes nothing, and reports its first bad node.
    with pytest.raises(AlreadyMarkedDoneError):
        s.mark_done_many(["b", "a"])
    with pytest.raises(AlreadyMarkedDoneError):
        s.mark_done_many(["b", "b"])
    with pytest.raises(UnknownNodeError, match="zz"):
        s.mark_done_many(["b", "zz"])
    with pytest.raises(NotHandedOutError):
        s.mark_done_many(["b", "d"])
    many = ["b"] * 10  # more names than nodes
    with pytest.raises(AlreadyMarkedDoneError):
        s.mark_done_many(many)
    assert s.counts()["handed_out"] == 2
    assert s.mark_done_many(["c", "b"]) == ("d",)
    # Error classes: each also a built-in one.
    assert issubclass(UnknownNodeError, KeyError)
    assert issubclass(AlreadyMarkedDoneError, ValueError) and issubclass(NotHandedOutError, ValueError)
    with pytest.raises(InvalidArgumentError):
        s.get_ready(batch_size=-1)


def test_close_and_context_manager():
    with FastScheduler(EDGES) as s:
        assert s.get_ready() == ("a",)
    assert s.closed and "closed" in repr(s)
    for call in (s.get_ready, s.is_done, s.reset, s.info, s.generations, lambda: s.mark_done("a"),
                 lambda: s.mark_done_many(["a"]), lambda: s.run(print)):
        with pytest.raises(SchedulerClosedError):
            call()
    s.close()  # twice is fine
    # Dropping an open scheduler frees it through the garbage collector.
    FastScheduler(EDGES)
    gc.collect()


def test_run_calls_every_node_after_its_dependencies():
    s = FastScheduler(DEPS)
    for workers in (1, 2, 4, 0):
        seen, lock = [], threading.Lock()

        def fn(node):
            with lock:
                for dep in DEPS.get(node, []):
                    assert dep in seen
                seen.append(node)

        summary = s.run(fn, workers=workers)
        assert sorted(seen) == sorted(s.nodes)
        assert (summary.ran, summary.failed, summary.skipped) == (5, 0, 0)
        assert summary.workers >= 1
    order = []
    s.run(order.append, workers=1)
    assert order == s.topological_order()  # one worker: the calling thread, in order


def test_run_failures_are_collected_and_reraised():
    s = FastScheduler([("a", "b"), ("b", "c"), ("a", "d"), ("x", "y"), ("x", "z")])

    def fn(node):
        if node in ("b", "y"):
            raise ValueError(f"bad {node}")

    for workers in (1, 3):
        with pytest.raises(NodeFailedError) as info:
            s.run(fn, workers=workers)
        error = info.value
        assert list(error.failures) == ["b", "y"]
        assert all(isinstance(e, ValueError) for e in error.failures.values())
        assert str(error.failures["y"]) == "bad y"
        assert error.skipped == ["c"]
        assert (error.summary.ran, error.summary.failed, error.summary.skipped) == (4, 2, 1)
        assert "'b'" in str(error) and "'y'" in str(error) and "bad b" in str(error)
        assert isinstance(error.__cause__, ValueError)
    # stop_on_failure with one worker: no call after the first failure.
    calls = []

    def failing(node):
        calls.append(node)
        raise RuntimeError("stop here")

    with pytest.raises(NodeFailedError) as info:
        s.run(failing, workers=1, stop_on_failure=True)
    assert len(calls) == 1 and info.value.summary.failed == 1
    assert info.value.summary.skipped == len(s) - 1


def test_run_keyboard_interrupt_stops_and_is_reraised():
    s = FastScheduler(nodes=[f"n{i}" for i in range(50)])
    calls = []

    def fn(node):
        calls.append(node)
        if node == "n3":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        s.run(fn, workers=1)
    assert calls == ["n0", "n1", "n2", "n3"]


def test_run_bad_arguments():
    s = FastScheduler(EDGES)
    with pytest.raises(TypeError):
        s.run(42)
    with pytest.raises(InvalidArgumentError):
        s.run(print, workers=-1)
    with pytest.raises(InvalidArgumentError):
        s.run(print, workers=100_000)  # above NOOB_RUN_MAX_WORKERS


def test_run_in_parallel_overlaps_calls_that_release_the_gil():
    s = FastScheduler([("src", f"w{i}") for i in range(4)])
    active, peak, lock = [0], [0], threading.Lock()

    def fn(node):
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        time.sleep(0.02)
        with lock:
            active[0] -= 1

    s.run(fn, workers=4)
    assert peak[0] >= 2


def test_run_callback_may_use_the_scheduler():
    s = FastScheduler(EDGES)
    got = {}
    s.run(lambda node: got.setdefault(node, s.successors(node)), workers=2)
    assert got == {n: s.successors(n) for n in s.nodes}


def test_drives_from_many_threads_are_serialized():
    # One scheduler, several threads taking and finishing nodes: every node once.
    n = 2000
    s = FastScheduler([(f"a{i}", f"b{i}") for i in range(n)])
    taken, errors = [], []

    def worker():
        try:
            while not s.is_done():
                batch = s.get_ready(batch_size=7)
                taken.extend(batch)
                if batch:
                    s.mark_done_many(batch)
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(taken) == sorted(s.nodes)


def test_large_graph_builds_and_drives():
    n = 100_000
    edges = [(f"n{i}", f"n{i + 1}") for i in range(0, n - 1, 2)] + [(f"n{i}", f"n{i + 2}") for i in range(0, n - 2, 2)]
    s = FastScheduler(edges)
    assert len(s) == n
    done = 0
    while not s.is_done():
        batch = s.get_ready()
        done += len(batch)
        s.mark_done_many(batch)
    assert done == n
