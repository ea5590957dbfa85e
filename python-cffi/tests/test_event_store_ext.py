"""FastEventStore.get_events as one call of the linked C extension (_events.StoreBase):
keywords, bad input (wrong types raise TypeError, never a crash), reference counts."""

from __future__ import annotations

import gc
import sys
import threading
import time

import pytest

from noob_core import FastEvent, FastEventStore, _events
from noob_core.exceptions import StoreClosedError


@pytest.fixture
def store():
    with FastEventStore(cache_size=0) as s:
        s.add_event("node", "sig", 3, b"a", 1.5)
        s.add_event("node", "sig", 3, b"bb", 2.5)
        s.add_event("node", "sig", 7, b"latest", 3.5)
        yield s


def test_positional_keyword_and_latest(store):
    first = store.get_events("node", "sig", 3)
    assert [e.value for e in first] == [b"a", b"bb"]
    assert all(type(e) is FastEvent for e in first)
    assert first[0].node_id == "node" and first[0].signal == "sig" and first[0].epoch == 3
    assert first[0].timestamp == 1.5 and first[0].id < first[1].id
    assert store.get_events(node_id="node", signal="sig", epoch=3) == first
    assert store.get_events("node", epoch=3, signal="sig") == first
    assert [e.value for e in store.get_events("node", "sig", -1)] == [b"latest"]
    assert store.get_latest("node", "sig").value == b"latest"
    assert store.get_events("node", "sig", 4) == []
    assert store.get_events("node", "other", 3) == []  # a name never interned
    assert store.get_events("never", "sig", -1) == []
    assert store.get_latest("node", "never") is None
    # bytes names are the same names; events carry the str
    assert store.get_events(b"node", b"sig", 3) == first


def test_wrong_arguments_raise_type_error(store):
    bad_calls = [
        lambda: store.get_events(),
        lambda: store.get_events("node", "sig"),
        lambda: store.get_events("node", "sig", 3, 4),
        lambda: store.get_events("node", "sig", epoch=3, other=1),
        lambda: store.get_events("node", "sig", 3, epoch=3),
        lambda: store.get_events(1, "sig", 3),
        lambda: store.get_events(None, "sig", 3),
        lambda: store.get_events("node", ["unhashable"], 3),
        lambda: store.get_events("node", "sig", 3.0),
        lambda: store.get_events("node", "sig", "3"),
        lambda: store.get_events("node", "sig", None),
        lambda: store.get_events(bytearray(b"node"), "sig", 3),
    ]
    for call in bad_calls:
        with pytest.raises(TypeError):
            call()
    for epoch in (-2, 2**64, -(2**70)):
        with pytest.raises(OverflowError):
            store.get_events("node", "sig", epoch)
    assert len(store.get_events("node", "sig", 3)) == 2  # the store is unharmed


def test_unbound_and_misbound_base():
    base = _events.StoreBase()
    with pytest.raises(RuntimeError):
        base.get_events("n", "s", 0)
    for args in [(), (None, 0, {}, {}), (None, "1", {}, {}), (None, 1, [], {}), (None, 1, {}, None)]:
        with pytest.raises((TypeError, ValueError)):
            base._bind(*args)
    with pytest.raises(RuntimeError):
        base.get_events("n", "s", 0)
    with pytest.raises(TypeError):
        _events.setup(int, print)
    with pytest.raises(TypeError):
        _events.setup(FastEvent, 3)
    with pytest.raises(TypeError):
        _events.setup(FastEvent)


def test_closed_store_raises_the_mapped_error(store):
    store.close()
    with pytest.raises(StoreClosedError, match="closed"):
        store.get_events("node", "sig", 3)
    with pytest.raises(StoreClosedError):
        store.get_events("node", "sig", -1)


def test_reference_counts_do_not_drift(store):
    node, sig, epoch = "node", "sig", 3
    names = store._names
    gc.collect()
    before = [sys.getrefcount(x) for x in (node, sig, epoch, names, FastEvent)]
    for _ in range(20_000):
        events = store.get_events(node, sig, epoch)
        store.get_events(node, sig, -1)
        store.get_events(b"node", sig, epoch)
        store.get_events("never", sig, epoch)
        with pytest.raises(TypeError):
            store.get_events(node, sig, 1.0)
    del events
    gc.collect()
    after = [sys.getrefcount(x) for x in (node, sig, epoch, names, FastEvent)]
    assert after == before


def test_events_do_not_keep_the_store_alive_and_outlive_it():
    s = FastEventStore(0)
    s.add_event("n", "s", 0, b"v" * 100, 0.0)
    got = s.get_events("n", "s", 0)
    del s
    gc.collect()
    assert got[0].value == b"v" * 100


def test_threads_share_one_store_through_the_c_get():
    store = FastEventStore(0)
    for epoch in range(200):
        for node in range(4):
            store.add_event(f"n{node}", "s", epoch, bytes([node, epoch % 256]), float(epoch))
    errors = []

    def reader(node):
        try:
            for _ in range(20):
                for epoch in range(200):
                    (event,) = store.get_events(f"n{node}", "s", epoch)
                    assert event.value == bytes([node, epoch % 256]) and event.node_id == f"n{node}"
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_batch_get_reuses_the_keys_objects_and_matches_single_gets(store):
    big_epoch = 2**40 + 3
    store.add_event("node", "sig", big_epoch, b"far", 9.0)
    node, epoch = "".join(["no", "de"]), int(str(big_epoch))  # equal, distinct objects
    keys = [(node, "sig", epoch), ("node", "sig", 3), (b"node", "sig", 3), ("nope", "sig", 3), ("node", "sig", True)]
    got = store.batch_get_events(keys)
    assert got == [store.get_events(*key) for key in keys]
    assert got[0][0].node_id is node and got[0][0].epoch is epoch
    assert got[2][0].node_id == "node" and type(got[2][0].node_id) is str
    assert got[3] == [] and got[4] == []
    single = store.get_events(node, "sig", epoch)
    assert single[0].node_id is node and single[0].epoch is epoch
    assert store.get_events("node", "sig", -1)[0].epoch == big_epoch


def test_grouped_refuses_bad_arguments(store):
    from noob_core import event_store as es

    lst, views, size, views_addr, size_addr = es._tls.get
    # A key that is a list takes the general path, which fills this thread's list (2 events).
    store.batch_get_events([["node", "sig", 3]])
    counts = es.ffi.new("size_t[]", [2])
    counts_addr = int(es.ffi.cast("uintptr_t", counts))
    grouped = _events.grouped
    assert len(grouped(views_addr, size_addr, counts_addr, 1, store._names)[0]) == 2
    bad = [
        (views_addr, size_addr, counts_addr, 1, store._names, ("node",), ("sig",)),  # 7 arguments
        (views_addr, size_addr, counts_addr, 1, store._names, ["node"], ("sig",), (3,)),  # a list
        (views_addr, size_addr, counts_addr, "1", store._names),
        ("x", size_addr, counts_addr, 1, store._names),
    ]
    for args in bad:
        with pytest.raises(TypeError):
            grouped(*args)
    for args in [
        (views_addr, size_addr, counts_addr, 1, store._names, ("node", "x"), ("sig",), (3,)),  # wrong length
        (views_addr, size_addr, counts_addr, 2, store._names),  # counts do not add up
        (views_addr, size_addr, 0, 1, store._names),  # NULL counts
        (views_addr, size_addr, counts_addr, -1, store._names),
    ]:
        with pytest.raises(ValueError):
            grouped(*args)


def test_batch_reference_counts_do_not_drift(store):
    node, sig, epoch = "node", "sig", 3
    keys = [(node, sig, epoch), (node, sig, 7), ("never", sig, epoch)] * 10
    general = [[node, sig, epoch], (node, sig, -1)]  # the general path
    gc.collect()
    before = [sys.getrefcount(x) for x in (node, sig, epoch, 7, FastEvent)]
    for _ in range(3_000):
        got = store.batch_get_events(keys)
        store.batch_get_events(general)
        with pytest.raises(TypeError):
            store.batch_get_events([(node, ["unhashable"], epoch)])
    del got
    gc.collect()
    after = [sys.getrefcount(x) for x in (node, sig, epoch, 7, FastEvent)]
    assert after == before


class _GetsWhenCollected:
    """Cyclic garbage whose finalizer runs gets on the store (as the collector may
    do while a get is building its events)."""

    def __init__(self, store, seen):
        self.store, self.seen, self.me = store, seen, self

    def __del__(self):
        self.seen.append(self.store.get_events("n", "s", 2)[0].value)
        self.seen.append(self.store.batch_get_events([("n", "s", 1)])[0][0].value)


def test_gets_nested_in_a_get_by_the_collector_leave_its_events_whole():
    store = FastEventStore(0)
    for epoch in range(3):
        for i in range(30):
            store.add_event("n", "s", epoch, bytes([epoch, i]) * 40, float(i))
    seen = []
    threshold = gc.get_threshold()
    gc.collect()
    try:
        gc.set_threshold(1)  # collect at (almost) every allocation of a container
        for _ in range(200):
            _GetsWhenCollected(store, seen)
            got = store.get_events("n", "s", 0)
            assert [e.value for e in got] == [bytes([0, i]) * 40 for i in range(30)]
            _GetsWhenCollected(store, seen)
            (batch,) = store.batch_get_events([("n", "s", 0)])
            assert [e.value for e in batch] == [bytes([0, i]) * 40 for i in range(30)]
    finally:
        gc.set_threshold(*threshold)
    gc.collect()
    assert seen, "the finalizers ran"
    assert all(v in (bytes([2, 0]) * 40, bytes([1, 0]) * 40) for v in seen)


def test_batch_fast_and_general_paths_agree(store):
    store.add_event("other", "sig", 3, b"o", 0.5)
    keys = [("node", "sig", 3), ("other", "sig", 3), ("node", "sig", 7), ("nope", "sig", 3), ("node", "sig", 2**64 - 1)]
    fast = store.batch_get_events(keys)
    assert fast == [store.get_events(*key) for key in keys]
    assert store.batch_get_events([list(key) for key in keys]) == fast  # general path
    assert store.batch_get_events(tuple(keys)) == fast
    assert store.batch_get_events(iter(keys)) == fast
    # Latest (-1) and bad epochs go the general path and behave as before.
    assert store.batch_get_events([("node", "sig", -1)])[0][0].value == b"latest"
    for bad in (-2, 2**64):
        with pytest.raises(OverflowError):
            store.batch_get_events([("node", "sig", 3), ("node", "sig", bad)])
    with pytest.raises(TypeError):
        store.batch_get_events([("node", "sig", 3.0)])
    with pytest.raises(ValueError):
        store.batch_get_events([("node", "sig")])
    with pytest.raises(TypeError):
        store.batch_get_events([(1, "sig", 3)])
    assert store._batch(None) is None and store._batch(iter(keys)) is None  # the general path's
    with pytest.raises(RuntimeError):
        _events.StoreBase()._batch([])  # an unbound base
    store.close()
    with pytest.raises(StoreClosedError):
        store.batch_get_events(keys)


def test_batch_gets_release_the_gil_and_share_the_store_with_threads():
    store = FastEventStore(0)
    for epoch in range(300):
        for node in range(4):
            store.add_event(f"n{node}", "s", epoch, bytes([node, epoch % 256]) * 8, float(epoch))
    errors = []

    def worker(node):
        try:
            keys = [(f"n{node}", "s", epoch) for epoch in range(300)]
            for _ in range(30):
                got = store.batch_get_events(keys)
                assert [g[0].value for g in got] == [bytes([node, e % 256]) * 8 for e in range(300)]
                (single,) = store.get_events(f"n{node}", "s", 7)
                assert single.value == bytes([node, 7]) * 8
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_add_events_fast_and_general_paths_agree():
    events = [(f"n{i % 3}", "s", i // 2, bytes([i]) * (i % 70), float(i)) for i in range(40)]
    keys = [(f"n{k}", "s", e) for k in range(3) for e in range(20)]

    def seen(store, ids):
        return [
            [(e.id - ids[0], e.node_id, e.signal, e.epoch, e.value, e.timestamp) for e in got]
            for got in store.batch_get_events(keys)
        ]

    with FastEventStore(0) as fast, FastEventStore(0) as general:
        value = events[5][3]
        before = sys.getrefcount(value), sys.getrefcount(events[5])
        ids = fast.add_events(events)  # the C path
        assert (sys.getrefcount(value), sys.getrefcount(events[5])) == before
        assert ids == list(range(ids[0], ids[0] + 40))
        # bytearray values take the Python path
        other = general.add_events([(n, s, e, bytearray(v), t) for n, s, e, v, t in events])
        assert seen(fast, ids) == seen(general, other)
        assert fast.add_events(tuple(events[:2]))[0] == ids[-1] + 1
        # What the C path leaves to the Python path: it adds nothing itself.
        for odd in (
            [("a", "s", 1, b"x", None)],  # timestamp now
            [("a", "s", 1, b"x", 1)],  # an int timestamp
            [("a", "s", -1, b"x", 1.0)],  # an epoch out of range
            [("a", "s", 1, memoryview(b"x"), 1.0)],  # not bytes
            [("a", "s", 1, b"x")],  # not five fields
        ):
            assert fast._add_many(odd) is None
        assert fast._add_many(iter(events)) is None and "a" not in fast._ids
        assert fast.add_events([("a", "s", 1, b"x", 1)])[0] == ids[-1] + 3
        with pytest.raises(OverflowError):
            fast.add_events([("a", "s", 2**64, b"x", 1.0)])
        with pytest.raises(TypeError):
            fast.add_events([("a", "s", 1, b"x", 1.0), ([], "s", 1, b"x", 1.0)])  # unhashable name
        assert len(fast) == 43
        fast.close()
        with pytest.raises(StoreClosedError):
            fast.add_events(events)
    with pytest.raises(RuntimeError):
        _events.StoreBase()._add_many([])  # an unbound base


def test_add_event_in_c_and_through_the_general_path_agree():
    big = bytes(range(256)) * 80  # 20 KiB: copied with the GIL released
    calls = [
        (("a", "s", 1, b"x", 0.5), {}),
        (("a", "s"), {"epoch": 1, "value": b"yy", "timestamp": 1.5}),
        (("b", "s", 2, big), {"timestamp": 2.5}),
        (("b", "s", 2**64 - 1, b""), {}),  # no timestamp: now
    ]
    with FastEventStore(0) as fast, FastEventStore(0) as general:
        for args, kwargs in calls:
            first = fast.add_event(*args, **kwargs)
            other = general._add_event_general(*args, **kwargs)
            assert first - fast.stats().id_prefix * 2**32 == other - general.stats().id_prefix * 2**32
        for node, epoch in (("a", 1), ("b", 2)):
            got = fast.get_events(node, "s", epoch)
            want = general.get_events(node, "s", epoch)
            assert [(e.value, e.epoch, e.timestamp) for e in got] == [(e.value, e.epoch, e.timestamp) for e in want]
        (now,) = fast.get_events("b", "s", 2**64 - 1)
        assert now.value == b"" and abs(now.timestamp - time.time()) < 5
        # Inputs the C method hands to the general path, and its errors.
        fast.add_event("c", "s", 3, bytearray(b"ba"), 1)
        fast.add_event("c", "s", 3, memoryview(b"mv"))
        assert [e.value for e in fast.get_events("c", "s", 3)] == [b"ba", b"mv"]
        for epoch in (-1, 2**64):
            with pytest.raises(OverflowError):
                fast.add_event("c", "s", epoch, b"x", 0.0)
        with pytest.raises(TypeError):
            fast.add_event("c", "s", 3)  # no value
        with pytest.raises(TypeError):
            fast.add_event("c", "s", 3, b"x", 0.0, 1)
        with pytest.raises(TypeError):
            fast.add_event("c", "s", 3, b"x", stamp=0.0)
        with pytest.raises(TypeError):
            fast.add_event([], "s", 3, b"x", 0.0)  # unhashable name
        assert len(fast.get_events("c", "s", 3)) == 2
        fast.close()
        with pytest.raises(StoreClosedError):
            fast.add_event("a", "s", 1, b"x", 0.5)
    with pytest.raises(RuntimeError):
        _events.StoreBase().add_event("a", "s", 1, b"x")  # an unbound base


def test_threads_add_long_values_to_one_store():
    frame = bytes(range(256)) * 256  # 64 KiB
    with FastEventStore(cache_size=64) as store:

        def camera(index):
            for epoch in range(200):
                store.add_event(f"camera{index}", "frame", epoch, frame, float(epoch))

        threads = [threading.Thread(target=camera, args=(i,)) for i in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        stats = store.stats()
        assert stats.added == 600 and stats.events + stats.evicted_events == 600
        assert stats.events <= 64
        (last,) = store.get_events("camera1", "frame", 199)
        assert last.value == frame
