"""FastScheduler's C extension (_sched.c): bad input, identity of the names,
lookups that run no node code, threads, reference counts."""

from __future__ import annotations

import gc
import sys
import threading
import types
from collections.abc import Mapping

import pytest

from noob_core import FastScheduler
from noob_core.exceptions import (
    AlreadyMarkedDoneError,
    CycleError,
    InvalidArgumentError,
    NotHandedOutError,
    SchedulerClosedError,
    UnknownNodeError,
)

EDGES = [("a", "b"), ("a", "c"), ("b", "d"), ("c", "d")]


def fresh(text: str) -> str:
    """An str object equal to ``text`` but not the same object (no interning)."""
    return "".join(list(text))


def test_results_are_the_callers_own_str_objects():
    names = [fresh("source"), fresh("left"), fresh("right")]
    s = FastScheduler([(names[0], names[1]), (names[0], names[2])])
    (first,) = s.get_ready()
    assert first is names[0]
    newly = s.mark_done(first)
    assert newly == ("left", "right") and newly[0] is names[1] and newly[1] is names[2]
    assert s.nodes[2] is names[2]


def test_equal_names_that_are_other_objects_work_everywhere():
    s = FastScheduler(EDGES)
    assert s.get_ready() == ("a",)
    assert s.mark_done(fresh("a")) == ("b", "c")
    assert s.get_ready() == ("b", "c")
    s.mark_completed(fresh("c"))
    assert s.mark_done_many([fresh("b")]) == ("d",)
    s.get_ready()
    s.done(fresh("d"))
    assert s.is_done()


def test_marking_out_of_batch_order_and_a_stale_batch():
    s = FastScheduler([("s", x) for x in "abcdef"])
    s.mark_done(s.get_ready()[0])
    batch = s.get_ready()
    # Reverse order: the in-order shortcut misses, the lookup answers.
    for node in reversed(batch):
        assert s.mark_done(node) == ()
    assert s.is_done()
    s.reset()
    old = s.get_ready()
    s.done(*old)
    new = s.get_ready()
    s.mark_done(new[1])
    with pytest.raises(AlreadyMarkedDoneError):
        s.mark_done(new[1])
    with pytest.raises(AlreadyMarkedDoneError):
        s.mark_done(old[0])  # the previous batch: looked up, already done


class Str(str):
    pass


def test_str_subclass_names_are_stored_as_str():
    s = FastScheduler({Str("b"): [Str("a")]})
    (a,) = s.get_ready()
    assert type(a) is str and a == "a"
    assert s.mark_done(Str("a")) == ("b",)
    assert type(s.nodes[1]) is str


def test_bad_graph_input_raises_and_never_crashes():
    cases = [
        ({1: []}, TypeError),
        ({"a": None}, TypeError),
        ({"a": 5}, TypeError),
        ({"a": b"bc"}, TypeError),
        ({"a": [None]}, TypeError),
        ({"a": [["b"]]}, TypeError),
        ([("a",)], TypeError),
        ([None], TypeError),
        ([5], TypeError),
        ([("a", "b"), ("a", "b", "c")], TypeError),
        ([(1, 2)], TypeError),
        ([("a", b"b")], TypeError),
        (5, TypeError),
        (b"ab", TypeError),
        ([("a", "")], InvalidArgumentError),
        ({"a": [""]}, InvalidArgumentError),
        ([("a", "x\0y")], InvalidArgumentError),
    ]
    for graph, error in cases:
        with pytest.raises(error):
            FastScheduler(graph)
    with pytest.raises(TypeError):
        FastScheduler(EDGES, nodes=5)
    with pytest.raises(TypeError):
        FastScheduler(EDGES, nodes=["a", 1])
    with pytest.raises(InvalidArgumentError):
        FastScheduler(EDGES, nodes=["\0"])


def test_other_graph_containers():
    expected = FastScheduler(EDGES).topological_order()
    assert FastScheduler(iter(EDGES)).topological_order() == expected
    assert FastScheduler(tuple(list(e) for e in EDGES)).topological_order() == expected
    deps = {"b": ["a"], "c": ("a",), "d": iter(["b", "c"])}
    assert FastScheduler(deps).topological_order() == expected
    assert FastScheduler(types.MappingProxyType({"b": ["a"], "c": ["a"], "d": ["b", "c"]})).topological_order() == expected

    class Deps(Mapping):
        def __init__(self, d):
            self.d = d

        def __getitem__(self, k):
            return self.d[k]

        def __iter__(self):
            return iter(self.d)

        def __len__(self):
            return len(self.d)

    assert FastScheduler(Deps({"b": ["a"], "c": ["a"], "d": ["b", "c"]})).topological_order() == expected
    # A str of two characters is a pair, as before (each character a node).
    assert FastScheduler(["ab"]).topological_order() == ["a", "b"]
    assert FastScheduler(nodes=iter("xyz")).nodes == ["x", "y", "z"]


def test_cycle_nodes_are_the_callers_objects():
    a, b = fresh("alpha"), fresh("beta")
    with pytest.raises(CycleError) as info:
        FastScheduler([(a, b), (b, a)])
    assert info.value.nodes == ["alpha", "beta"] and info.value.nodes[0] is a


def test_bad_drive_input():
    s = FastScheduler(EDGES)
    for node in (None, 1, ["a"], {"a"}, b"a", Str("zz")):
        with pytest.raises(UnknownNodeError):
            s.mark_done(node)
        with pytest.raises(UnknownNodeError):
            s.mark_completed(node)
        with pytest.raises(UnknownNodeError):
            s.mark_done_many([node])
        with pytest.raises(UnknownNodeError):
            s.done(node)
    with pytest.raises(TypeError):
        s.mark_done_many(5)
    with pytest.raises(TypeError):
        s.mark_done()  # type: ignore[call-arg]
    for size in (-1, 1.5, "3", None.__class__):
        with pytest.raises(InvalidArgumentError):
            s.get_ready(size)
    with pytest.raises(TypeError):
        s.get_ready(1, 2)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        s.get_ready(size=1)  # type: ignore[call-arg]
    assert s.counts() == {"node_count": 4, "ready": 1, "handed_out": 0, "done": 0}
    assert s.get_ready(batch_size=2**80) == ("a",)
    assert s.get_ready(0) == ()
    assert s.done() is None and not s.is_done()


class Key:
    """Hashes and compares as the str ``name``; ``hook`` runs in ``__hash__``."""

    def __init__(self, name, hook=None):
        self.name, self.hook = name, hook

    def __hash__(self):
        if self.hook:
            self.hook()
        return hash(self.name)

    def __eq__(self, other):
        return other == self.name


def test_node_lookups_run_no_code_of_the_node():
    # Names are looked up by their text: an object that merely hashes and compares as
    # a name is not one (and its __hash__ is never called), nor is a str subclass
    # with its own __eq__/__hash__ anything but its text.
    s = FastScheduler(EDGES)
    s.get_ready()

    def boom():
        raise ZeroDivisionError

    for call in (s.mark_done, s.mark_completed, lambda n: s.mark_done_many([n]), s.done, s._id):
        with pytest.raises(UnknownNodeError):
            call(Key("a", hook=boom))
    assert Key("a") not in s and "a" in s and Str("a") in s and "zz" not in s
    with pytest.raises(TypeError):
        [1] in s  # noqa: B015 - unhashable, as a dict's `in`

    class Odd(str):
        def __eq__(self, other):
            raise ZeroDivisionError

        __hash__ = str.__hash__

    assert s.mark_done(Odd("a")) == ("b", "c")


def test_big_batches_release_the_gil_and_refuse_atomically():
    n = 10_000
    s = FastScheduler([("root", f"x{i}") for i in range(n)] + [(f"x{i}", "sink") for i in range(n)])
    s.mark_done(s.get_ready()[0])
    batch = s.get_ready()
    assert len(batch) == n
    first = batch[: n // 2]
    assert s.mark_done_many(first) == ()
    with pytest.raises(AlreadyMarkedDoneError):
        s.mark_done_many(list(batch))  # half done already: nothing changes
    assert s.counts()["done"] == 1 + n // 2
    with pytest.raises(NotHandedOutError):
        s.done(*batch[n // 2 :], "sink")
    assert s.mark_done_many(batch[n // 2 :]) == ("sink",)


@pytest.fixture
def fast_switching():
    """Threads switch every microsecond (instead of 5 ms), so drive calls interleave."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(interval)


def test_one_scheduler_hammered_from_threads(fast_switching):
    # Per-node marks (GIL held), big batches (GIL released), counters and resets from
    # several threads: every node is handed out exactly once per run, never corrupted.
    width = 6000
    edges = [("s", f"m{i}") for i in range(width)] + [(f"m{i}", f"t{i % 50}") for i in range(width)]
    s = FastScheduler(edges)
    n = len(s)
    for _ in range(3):
        s.reset()
        taken, errors = [], []
        lock = threading.Lock()
        start = threading.Barrier(5)

        def per_node():
            start.wait()
            try:
                while not s.is_done():
                    for node in s.get_ready(batch_size=3):
                        with lock:
                            taken.append(node)
                        s.mark_done(node)
            except Exception as e:  # pragma: no cover - reported below
                errors.append(e)

        def batches():
            start.wait()
            try:
                while not s.is_done():
                    batch = s.get_ready()
                    with lock:
                        taken.extend(batch)
                    s.mark_done_many(batch)
            except Exception as e:  # pragma: no cover - reported below
                errors.append(e)

        def watcher():
            start.wait()
            try:
                while not s.is_done():
                    c = s.counts()
                    assert c["ready"] + c["handed_out"] + c["done"] <= n
            except Exception as e:  # pragma: no cover - reported below
                errors.append(e)

        threads = [threading.Thread(target=f) for f in (per_node, per_node, batches, batches, watcher)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert sorted(taken) == sorted(s.nodes)
        assert s.counts()["done"] == n


def test_close_while_other_threads_drive(fast_switching):
    s = FastScheduler([(f"a{i}", f"b{i}") for i in range(20_000)])
    errors = []
    started = threading.Barrier(3)

    def driver():
        started.wait()
        try:
            while not s.is_done():
                s.mark_done_many(s.get_ready())
        except SchedulerClosedError:
            pass
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=driver) for _ in range(2)]
    for t in threads:
        t.start()
    started.wait()
    s.close()
    for t in threads:
        t.join()
    assert errors == [] and s.closed
    with pytest.raises(SchedulerClosedError):
        s.mark_done("a0")
    with pytest.raises(SchedulerClosedError):
        s.done("a0")
    with pytest.raises(SchedulerClosedError):
        s.is_active()
    s.close()  # twice is fine


def test_reference_counts_are_balanced():
    names = [fresh(f"node{i}") for i in range(60)]
    edges = [(names[i], names[j]) for i in range(60) for j in range(i + 1, min(i + 4, 60))]
    probe = names[30]
    deps: dict[str, list[str]] = {}
    for a, b in edges:
        deps.setdefault(b, []).append(a)

    def exercise():
        s = FastScheduler(edges, nodes=names[:5])
        s2 = FastScheduler(deps)
        for sched in (s, s2):
            while not sched.is_done():
                batch = sched.get_ready(batch_size=2)
                if len(batch) == 2:
                    sched.mark_done(batch[0])
                    sched.mark_completed(batch[1])
                else:
                    sched.mark_done_many(batch)
            sched.reset()
            while sched.is_active():
                sched.done(*sched.get_ready())
            for bad in (None, "nope", [1]):
                for call in (sched.mark_done, sched.mark_completed, lambda x: sched.mark_done_many([x])):
                    try:
                        call(bad)
                    except UnknownNodeError:
                        pass
            try:
                sched.mark_done(probe)
            except AlreadyMarkedDoneError:
                pass
        for bad in ({"a": [1]}, [(probe, 1)], [(probe, "")], [(probe, probe)]):
            try:
                FastScheduler(bad)
            except (TypeError, InvalidArgumentError, CycleError):
                pass
        s.close()

    exercise()
    gc.collect()
    before = sys.getrefcount(probe)
    blocks = sys.getallocatedblocks()
    for _ in range(200):
        exercise()
    gc.collect()
    assert sys.getrefcount(probe) == before
    assert sys.getallocatedblocks() - blocks < 200
