"""FastEventStore from Python: behaviour, bad input, eviction, threads, closing."""

from __future__ import annotations

import gc
import mmap
import threading
import weakref

import pytest

from noob_core import BufferPool, FastEvent, FastEventStore
from noob_core.exceptions import (
    InvalidArgumentError,
    InvalidUtf8Error,
    LimitExceededError,
    StoreClosedError,
    UnknownNameError,
)


@pytest.fixture
def store():
    with FastEventStore(cache_size=0) as s:
        yield s


def test_add_and_get(store):
    first = store.add_event("camera", "frame", 3, b"abc", 1.5)
    second = store.add_event("camera", "frame", 3, b"de", 2.5)
    store.add_event("camera", "meta", 3, b"", 3.5)
    assert first < second
    assert len(store) == 3
    got = store.get_events("camera", "frame", 3)
    assert got == [
        FastEvent(first, "camera", "frame", 3, 1.5, b"abc"),
        FastEvent(second, "camera", "frame", 3, 2.5, b"de"),
    ]
    ev = got[0]
    assert (ev.id, ev.node_id, ev.signal, ev.epoch, ev.timestamp, ev.value) == (first, "camera", "frame", 3, 1.5, b"abc")
    assert type(ev.value) is bytes and type(ev.node_id) is str
    assert store.get_events("camera", "meta", 3)[0].value == b""


def test_fast_event_is_read_only():
    ev = FastEvent(1, "n", "s", 0, 0.0, b"v")
    with pytest.raises(AttributeError):
        ev.value = b"other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        ev[0] = 2  # type: ignore[index]


def test_timestamp_defaults_to_now(store):
    import time

    before = time.time()
    store.add_event("n", "s", 0, b"v")
    (ev,) = store.get_events("n", "s", 0)
    assert before <= ev.timestamp <= time.time()


def test_values_are_read_in_place_and_copied_once(store):
    data = bytearray(b"mutable")
    store.add_event("n", "s", 0, data, 0.0)
    store.add_event("n", "s", 0, memoryview(b"0123456789")[2:5], 0.0)
    store.add_event("n", "s", 0, memoryview(bytearray(b"\x01\x00\x02\x00")).cast("H"), 0.0)
    data[0:1] = b"X"  # the store kept its own copy
    values = [e.value for e in store.get_events("n", "s", 0)]
    assert values == [b"mutable", b"234", b"\x01\x00\x02\x00"]


def test_pooled_buffer_value(store):
    with BufferPool(16, 1) as pool, pool.acquire() as buf:
        buf[0:5] = b"frame"
        store.add_event("cam", "frame", 0, buf, 0.0)
    assert store.get_events("cam", "frame", 0)[0].value == b"frame" + bytes(11)


def test_wrong_value_type(store):
    with pytest.raises(TypeError, match="str"):
        store.add_event("n", "s", 0, "text", 0.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        store.add_event(1, "s", 0, b"", 0.0)  # type: ignore[arg-type]
    # None is Python's NULL: refused with a TypeError wherever a name or value goes.
    with pytest.raises(TypeError):
        store.add_event(None, "s", 0, b"", 0.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        store.add_event("n", "s", 0, None, 0.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        store.get_events("n", None, 0)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        store.add_events([("n", "s", 0, None, 0.0)])  # type: ignore[list-item]
    assert len(store) == 0


def test_latest_across_epochs(store):
    for epoch in range(5):
        store.add_event("n", "s", epoch, bytes([epoch]), float(epoch))
    store.add_event("n", "s", 4, b"last", 9.0)
    store.add_event("n", "other", 7, b"x", 0.0)
    latest = store.get_latest("n", "s")
    assert latest is not None and latest.epoch == 4 and latest.value == b"last"
    assert store.get_events("n", "s", -1) == [latest]
    store.clear_epoch(4)
    assert store.get_latest("n", "s").value == bytes([3])
    assert store.get_latest("n", "nothing") is None
    assert store.get_events("unknown", "s", -1) == []


def test_batch_get(store):
    ids = [store.add_event(f"n{i % 3}", "s", i // 3, bytes([i]), float(i)) for i in range(9)]
    keys = [("n0", "s", 0), ("n1", "s", 2), ("nobody", "s", 0), ("n2", "s", 99), ("n0", "s", -1)]
    got = store.batch_get_events(keys)
    assert got == [store.get_events(*k) for k in keys]
    assert [len(g) for g in got] == [1, 1, 0, 0, 1]
    assert got[0][0].id == ids[0] and got[1][0].value == bytes([7]) and got[4][0].epoch == 2
    assert store.batch_get_events([]) == []
    assert store.batch_get_events(iter([("n1", "s", 0)])) == [store.get_events("n1", "s", 0)]
    with pytest.raises(ValueError):
        store.batch_get_events([("n0", "s")])  # type: ignore[list-item]


def test_batch_add_all_or_nothing(store):
    ids = store.add_events([("a", "s", 1, b"x", 0.1), ("b", "s", 1, bytearray(b"yy"), None), ("a", "s", 2, b"zzz", 0.3)])
    assert ids == [ids[0], ids[0] + 1, ids[0] + 2]
    assert [e.value for e in store.epoch_events(1)] == [b"x", b"yy"]
    assert store.get_events("a", "s", 2)[0].timestamp == 0.3
    with pytest.raises(InvalidArgumentError):
        store.add_events([("a", "s", 3, b"ok", 0.0), ("", "s", 3, b"bad", 0.0)])
    with pytest.raises(TypeError):
        store.add_events([("a", "s", 3, b"ok", 0.0), ("a", "s", 3, 12, 0.0)])
    assert len(store) == 3 and store.get_events("a", "s", 3) == []
    assert store.add_events([]) == []


def test_epoch_iteration_epochs_and_clear(store):
    for i in range(6):
        store.add_event(f"n{i % 2}", "s", 10 + i % 3, bytes([i]), float(i))
    assert store.epochs() == [10, 11, 12]
    assert [e.value for e in store.iter_epoch(10)] == [b"\x00", b"\x03"]
    every = list(store)  # epochs ascending, each in insertion order
    assert every == store.epoch_events(10) + store.epoch_events(11) + store.epoch_events(12)
    assert [e.epoch for e in every] == [10, 10, 11, 11, 12, 12]
    assert all(a.id < b.id for a, b in zip(every, every[1:]) if a.epoch == b.epoch)
    assert store.clear_epoch(11) == 2
    assert store.clear_epoch(11) == 0  # already gone: 0, not an error
    assert store.clear_epoch(12345) == 0  # never existed
    assert store.epochs() == [10, 12] and len(store) == 4
    s = store.stats()
    assert (s.added, s.events, s.cleared_events, s.cleared_epochs, s.evicted_events) == (6, 4, 2, 1, 0)
    assert s.highest_evicted_epoch is None and s.names == 3


def test_returned_events_survive_clear_and_close():
    s = FastEventStore(0)
    s.add_event("n", "s", 0, b"kept", 0.0)
    got = s.get_events("n", "s", 0)
    s.clear_epoch(0)
    s.close()
    assert got[0].value == b"kept"


def test_bounded_store_evicts_whole_oldest_epochs():
    with FastEventStore(cache_size=10) as s:
        for epoch in range(6):
            s.add_events([("n", "sig", epoch, b"v", 0.0)] * 4)
        st = s.stats()
        assert st.max_events == 10 and st.events == len(s) <= 10
        assert st.evicted_events == 24 - st.events and st.evicted_epochs * 4 == st.evicted_events
        assert st.highest_evicted_epoch == st.evicted_epochs - 1
        assert s.get_events("n", "sig", 0) == []  # evicted: simply not found
        assert len(s.get_events("n", "sig", 5)) == 4
        assert s.epochs()[0] == st.highest_evicted_epoch + 1
    with FastEventStore(cache_size=0, max_bytes=250) as s:
        for epoch in range(5):
            s.add_event("n", "s", epoch, bytes(100), 0.0)
        st = s.stats()
        assert st.bytes <= 250 and st.events == 2 and st.evicted_epochs == 3
    # The default is the seed's bound.
    with FastEventStore() as s:
        assert s.stats().max_events == 10000


def test_bad_names(store):
    with pytest.raises(InvalidArgumentError):
        store.add_event("", "s", 0, b"v", 0.0)
    with pytest.raises(InvalidUtf8Error):
        store.add_event("bad\udcff", "s", 0, b"v", 0.0)  # a lone surrogate is not UTF-8
    with pytest.raises(InvalidUtf8Error):
        store.add_event(b"\xff\xfe", "s", 0, b"v", 0.0)
    assert len(store) == 0
    # Bytes names are UTF-8 text: the same name as the str.
    store.add_event(b"node", "s", 0, b"v", 0.0)
    assert store.get_events("node", "s", 0)[0].node_id == "node"
    # Gets: never interned (empty too) is not found; invalid UTF-8 is refused.
    assert store.get_events("", "s", 0) == []
    assert store.get_events("never", "s", 0) == []
    with pytest.raises(InvalidUtf8Error):
        store.get_events("x\udcff", "s", 0)
    with pytest.raises(UnknownNameError):
        store.name_id("never")
    assert store.name_id("node") == store.intern("node")


def test_bad_epochs(store):
    store.add_event("n", "s", 2**64 - 1, b"max", 0.0)
    assert store.get_events("n", "s", 2**64 - 1)[0].value == b"max"
    for epoch in (-2, 2**64):
        with pytest.raises(OverflowError):
            store.add_event("n", "s", epoch, b"v", 0.0)
        with pytest.raises(OverflowError):
            store.get_events("n", "s", epoch)
        with pytest.raises(OverflowError):
            store.batch_get_events([("n", "s", epoch)])
    with pytest.raises(OverflowError):
        store.clear_epoch(-1)
    assert len(store) == 1


def test_zero_length_and_very_large_values(store):
    store.add_event("n", "s", 0, b"", 0.0)
    store.add_event("n", "s", 0, bytearray(), 0.0)
    store.add_event("n", "s", 0, memoryview(b""), 0.0)
    assert [e.value for e in store.get_events("n", "s", 0)] == [b"", b"", b""]
    big = bytes(8 << 20)
    store.add_event("n", "s", 1, big, 0.0)
    assert store.get_events("n", "s", 1)[0].value == big
    # Over the 1 GiB limit: refused before it is read (an untouched anonymous map).
    with mmap.mmap(-1, (1 << 30) + 1) as huge:
        with pytest.raises(LimitExceededError):
            store.add_event("n", "s", 2, huge, 0.0)
    assert len(store) == 4 and store.get_events("n", "s", 2) == []


def test_closed_store_refuses_everything(store):
    store.add_event("n", "s", 0, b"v", 0.0)
    store.close()
    assert store.closed
    for call in (
        lambda: store.add_event("n", "s", 0, b"v", 0.0),
        lambda: store.add_event("new", "s", 0, b"v", 0.0),
        lambda: store.add_events([("n", "s", 0, b"v", 0.0)]),
        lambda: store.get_events("n", "s", 0),
        lambda: store.get_events("unknown", "s", 0),
        lambda: store.get_latest("n", "s"),
        lambda: store.batch_get_events([("n", "s", 0)]),
        lambda: store.clear_epoch(0),
        lambda: store.epoch_events(0),
        lambda: store.epochs(),
        lambda: len(store),
    ):
        with pytest.raises(StoreClosedError):
            call()
    assert store.stats().events == 0 and store.stats().added == 1
    store.close()  # twice is fine
    assert "closed" in repr(store)


def test_store_is_freed_when_dropped():
    s = FastEventStore(0)
    s.add_event("n", "s", 0, b"v" * 1000, 0.0)
    ref = weakref.ref(s)
    del s
    gc.collect()
    assert ref() is None


def test_threads_add_get_and_clear_at_once():
    """Writers add, readers get and batch-get, a clearer clears epochs it owns,
    all on one store: nothing lost or duplicated, ids unique, values whole."""
    store = FastEventStore(cache_size=0)
    writers, epochs, per_epoch = 4, 200, 5
    ids: list[list[int]] = [[] for _ in range(writers)]
    errors: list[BaseException] = []
    start = threading.Barrier(writers + 2)

    def writer(w: int) -> None:
        try:
            start.wait()
            for e in range(epochs):
                if e % 2:
                    ids[w].extend(store.add_events([(f"w{w}", "v", e, f"{w}:{e}:{i}".encode(), 0.0) for i in range(per_epoch)]))
                else:
                    for i in range(per_epoch):
                        ids[w].append(store.add_event(f"w{w}", "v", e, f"{w}:{e}:{i}".encode(), 0.0))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    def reader() -> None:
        try:
            start.wait()
            for r in range(3000):
                latest = store.get_latest("w0", "v")
                if latest is not None:
                    w, e, _ = latest.value.decode().split(":")
                    assert w == "0" and int(e) == latest.epoch
                for got in store.batch_get_events([("w1", "v", r % epochs), ("w2", "v", r % epochs)]):
                    assert len(got) in (0, 1, 2, 3, 4, 5)
                if r % 10 == 0:
                    store.clear_epoch(1000 + r)  # epochs nobody writes: clears nothing
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    def clearer() -> None:
        try:
            start.wait()
            for e in range(epochs):
                store.clear_epoch(10_000 + e)
                store.add_event("c", "v", 10_000 + e, b"x", 0.0)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(writers)]
    threads += [threading.Thread(target=reader)]
    threads += [threading.Thread(target=clearer)]
    # The clearer and reader share the barrier with the writers (writers + 2 parties).
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    every = [i for per in ids for i in per]
    assert len(every) == writers * epochs * per_epoch
    assert len(set(every)) == len(every)
    for w in range(writers):
        assert ids[w] == sorted(ids[w])  # increasing within a thread
        for e in range(epochs):
            got = store.get_events(f"w{w}", "v", e)
            assert [g.value for g in got] == [f"{w}:{e}:{i}".encode() for i in range(per_epoch)]
            assert [g.id for g in got] == ids[w][e * per_epoch : (e + 1) * per_epoch]
    st = store.stats()
    assert st.added == len(every) + epochs
    assert st.events == len(every) + epochs  # the clearer's epochs were cleared before they were added
    store.close()


def test_close_while_threads_use_the_store():
    store = FastEventStore(cache_size=0)
    outcomes: list[str] = []

    def worker(w: int) -> None:
        for i in range(5000):
            try:
                store.add_event(f"n{w}", "s", i, b"v", 0.0)
                store.get_events(f"n{w}", "s", i)
            except StoreClosedError:
                outcomes.append("closed")
                return
        outcomes.append("finished")

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(3)]
    for t in threads:
        t.start()
    store.close()
    for t in threads:
        t.join()
    assert len(outcomes) == 3
    assert store.stats().events == 0
