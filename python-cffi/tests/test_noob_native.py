"""The C half of the noob drop-in (``noob_core._noob``): bad input never crashes, and no
call leaks a reference or memory, on its fast path or its error paths."""

from __future__ import annotations

import gc
import struct
import sys
import tracemalloc

import pytest

from noob_core import Epoch, Scheduler, _noob
from noob_core.exceptions import EpochExistsError, NotAddedError

NODES = [("nat_a", True, None), ("nat_b", True, None)]
EDGES = [("nat_a", "value", "nat_b", "x", True)]


def scheduler() -> Scheduler:
    return Scheduler(NODES, EDGES)


@pytest.mark.parametrize(
    "call",
    [
        lambda: Epoch(None),
        lambda: Epoch(1, 5),
        lambda: Epoch(1, [("nat_a", "x")]),
        lambda: Epoch(1, [(b"nat_a", 1)]),
        lambda: Epoch(1, 2, 3),
        lambda: Epoch(1, bogus=2),
        lambda: Epoch(3) + "1",
        lambda: Epoch(3) - None,
        lambda: Epoch(3) / 5,
        lambda: Epoch(3) / (1, 2),
        lambda: Epoch(3) / ("nat_a", "x"),
        lambda: Epoch(3)["0"],
        lambda: Epoch(3) < 3,
        lambda: Epoch(3).make_subepochs(1, 2),
        lambda: Epoch(3).make_subepochs("nat_a"),
        lambda: Epoch(3).make_subepochs("nat_a", "2"),
        lambda: _noob.from_key("x"),
        lambda: _noob.from_key(()),
        lambda: _noob.from_key((1, 2)),
        lambda: _noob.setup(),
        lambda: _noob.setup(*([int] + [None] * 12)),
    ],
)
def test_epoch_bad_input_raises_type_error(call):
    with pytest.raises(TypeError):
        call()


def test_epoch_bad_values():
    with pytest.raises(OverflowError):
        Epoch(2**32 - 1) + 1
    with pytest.raises(ValueError):
        Epoch(0) - 1
    with pytest.raises(IndexError):
        Epoch(3)[2**70]
    with pytest.raises(OverflowError):
        _noob.from_key((2**32,))
    with pytest.raises(AttributeError, match="not writable"):
        Epoch(3).parents = []  # type: ignore[misc]
    with pytest.raises(AttributeError, match="no attribute"):
        del Epoch(3).anything  # type: ignore[attr-defined]


def test_epoch_fast_and_slow_paths_agree():
    class Index:
        def __index__(self) -> int:
            return 7

    class Name(str):
        pass

    fast = Epoch(7, [("nat_a", 7)])
    assert Epoch(Index(), [(Name("nat_a"), Index())]) == fast
    assert Epoch(7, ((Name("nat_a"), 7),)) == fast
    assert Epoch(7) / (Name("nat_a"), Index()) == fast
    assert Epoch(7, [("nat_a", 7)] * 20) == Epoch(7, tuple([("nat_a", 7)] * 20))  # > 16 segments
    assert type(fast) is Epoch and type(fast + 1) is Epoch and type(fast.parent) is Epoch


@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.is_active_at("0"),
        lambda s: s.is_active_at(-1),
        lambda s: s.is_active_at(2**40),
        lambda s: s.get_ready_at(None),
        lambda s: s.add_epoch_at(1.0),
        lambda s: s.end_epoch([0]),
        lambda s: s.node_is_ready(1, Epoch(0), True),
        lambda s: s.node_is_ready("nat_a", 0, True),
        lambda s: s.node_is_ready("nat_a", Epoch(0), 1),
        lambda s: s.node_is_ready("nat_a", Epoch(0)),
        lambda s: s.node_is_done("nat_a", Epoch(0), True),
        lambda s: s.done(Epoch(0)),
        lambda s: s.done(Epoch(0), "nat_a", bogus=1),
        lambda s: s.done(Epoch(0), "nat_a", None, with_signals=1),
        lambda s: s.done(Epoch(0), "nat_a", "value", True, signal="value"),
        lambda s: s.expire(Epoch(0), "nat_a", None, True, "yes"),
        lambda s: s.done(Epoch(0), 5),
        lambda s: s.update(5),
        lambda s: s.update("abc"),
        lambda s: s.update([1]),
        lambda s: s.update([(Epoch(0), "nat_a", "value", 1, False)]),
        lambda s: s.update([(Epoch(0), "nat_a", 5, False, False)]),
        lambda s: s.update([("0", "nat_a", "value", False, False)]),
        lambda s: s._update_words(["x"]),
        lambda s: s._update_words(5),
        lambda s: s._list("0"),
        lambda s: s._epoch_state(0),
        lambda s: s.get_epoch_state(0),
    ],
)
def test_scheduler_bad_input_raises_type_error(call):
    s = scheduler()
    with pytest.raises(TypeError):
        call(s)
    # and nothing changed: the graph still runs
    epoch = s.add_epoch()
    assert s.get_ready_at(epoch) == [(epoch, "nat_a")]


def test_scheduler_unknown_names_and_unbuilt_handle():
    s = scheduler()
    with pytest.raises(NotAddedError):
        s.node_is_ready("nat_never_seen", Epoch(0), False)
    with pytest.raises(NotAddedError):
        s.done(Epoch(0), "nat_a", "never_a_signal")
    with pytest.raises(ValueError):
        s._update_words([0, 1, 2])  # malformed encoding: the library refuses it
    # Built in __new__ as in noob-core: __init__ is object's and ignores its arguments, so
    # the handle never changes under a live object; the private builder refuses a rebuild.
    assert Scheduler.__init__ is object.__init__
    assert s.__init__([("nat_other", True, None)], []) is None
    with pytest.raises(RuntimeError, match="already initialised"):
        s._build(b"", b"", b"", b"", b"", b"")
    assert s.get_ready_at(s.add_epoch())[0][1] == "nat_a"
    # The lengths buffers must match the counts (the library reads that many entries).
    fresh = _noob._SchedulerBase.__new__(Scheduler)
    with pytest.raises(ValueError, match="length buffer"):
        fresh._build(b"ab", b"\x02", b"\x01", b"", b"", b"")
    with pytest.raises(ValueError, match="length buffer"):
        fresh._build(b"", b"", b"", b"abcd", struct.pack("3N", 1, 1, 1), b"\x01")
    with pytest.raises(RuntimeError, match="not initialised"):
        fresh.add_epoch()
    with pytest.raises(TypeError, match="missing 2 required positional arguments"):
        Scheduler.__new__(Scheduler)
    unbuilt = _noob._SchedulerBase.__new__(Scheduler)
    with pytest.raises(RuntimeError, match="not initialised"):
        unbuilt.add_epoch()
    with pytest.raises(RuntimeError):
        _noob._SchedulerBase().is_active()


def workload(s: Scheduler, name: str) -> None:
    """Every C entry point once, on the fast path and on error paths."""
    epoch = s.add_epoch()
    sub = epoch / ("nat_a", 0)
    hash(sub), sub == epoch, sub < epoch, sub.parents, sub.leaf, sub.path, repr(sub)
    epoch + 1, sub - 0, list(sub), len(sub), sub[-1], epoch.make_subepochs(name, 2)
    Epoch(epoch.root, [(name, 1)]), Epoch(True), Epoch(epoch.root, ((name, 1),))
    s.is_active(), s.is_active_at(epoch), s.epoch_completed(epoch.root), s.sources_finished(epoch)
    s.first_active_epoch(), s.exhausted, s.has_cycle(), s.get_ready()
    s.node_is_ready("nat_a", epoch, True), s.node_is_done("nat_b", epoch)
    for bad in (lambda: s.add_epoch_at(epoch), lambda: s.is_active_at("x"), lambda: Epoch(-1),
                lambda: s.update([(epoch, "nat_a", "value", 1, 0)]), lambda: epoch / ("a", -1),
                lambda: s.done(epoch, "nat_zz"), lambda: epoch.make_subepochs(name, -1)):  # fmt: skip
        try:
            bad()
        except (TypeError, ValueError, OverflowError, EpochExistsError, NotAddedError):
            pass
    s.update([(epoch, "nat_a", "value", False, False), (epoch, "nat_never", "value", False, False)])
    s.get_ready_at(epoch)
    s.done(epoch, "nat_b", with_signals=True)
    s.end_epoch(epoch), s.generations(), s.source_nodes(), s.epoch_log, s.subepochs


def test_no_reference_leaks():
    s = scheduler()
    epoch = Epoch(3)
    name = "nat_refcount_name"
    workload(s, name)
    before = sys.getrefcount(epoch), sys.getrefcount(name), sys.getrefcount(s)
    for _ in range(200):
        workload(s, name)
        s.is_active_at(epoch)
        try:
            s.add_epoch_at(epoch)
        except EpochExistsError:
            pass
        epoch / (name, 1)
    assert (sys.getrefcount(epoch), sys.getrefcount(name), sys.getrefcount(s)) == before


def test_no_memory_growth():
    # every epoch is ended, so the scheduler's own state stays bounded; what grows is a leak
    s = scheduler()
    for _ in range(300):
        workload(s, "nat_mem_name")
    gc.collect()
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        for _ in range(3000):
            workload(s, "nat_mem_name")
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - start
    finally:
        tracemalloc.stop()
    assert grown < 64 * 1024, grown


def test_threads_share_a_scheduler():
    # No Python-level lock any more: the GIL, held through every call on the handle,
    # serialises threads. Each thread drives its own epochs to the end on one scheduler.
    import threading

    nodes = [(f"thr_{i}", True, None) for i in range(20)]
    edges = [(f"thr_{i}", "value", f"thr_{i + 1}", "x", True) for i in range(19)]
    s = Scheduler(nodes, edges)
    finished: list[int] = []
    errors: list[BaseException] = []

    def drive() -> None:
        try:
            for _ in range(50):
                epoch = s.add_epoch()
                while s.is_active_at(epoch):
                    ready = s.get_ready_at(epoch)
                    s.update([(e, node, "value", False, False) for e, node in ready])
                assert s.epoch_completed(epoch)
                finished.append(epoch.root)
        except BaseException as error:  # reported below, with the thread's traceback
            errors.append(error)

    threads = [threading.Thread(target=drive) for _ in range(4)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as the interpreter allows
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert not errors, errors
    assert len(set(finished)) == 200  # every epoch its own (roots need not be consecutive)
    assert s.epoch_log >= set(finished)
