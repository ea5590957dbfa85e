"""noob_core demo, Python side: pooled frame buffers filled in place, no copies,
from several threads at once."""

from __future__ import annotations

import threading

import noob_core
from noob_core import BufferPool, FastEventStore, FastScheduler, FastSerializer
from noob_core.exceptions import NoobCoreError

FRAME_BYTES = 640 * 480


def buffer_pool_demo() -> None:
    with BufferPool(buffer_size=FRAME_BYTES, max_pooled=8, prefill=4) as pool:
        # A frame is written straight into the pool's memory and handed on as a view.
        with pool.acquire() as frame:
            frame[0:4] = b"\x01\x02\x03\x04"
            view = frame.view  # memoryview over the same bytes: zero copies
            print(f"frame: {len(frame)} bytes, first bytes {view[0:4].tolist()}")
            del view

        def camera(worker: int) -> None:
            for i in range(250):
                with pool.acquire() as buf:
                    buf[0:2] = bytes([worker, i & 0xFF])

        threads = [threading.Thread(target=camera, args=(w,)) for w in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        s = pool.stats()
        print(
            f"buffer pool: 1001 frames through {s.max_pooled} pooled buffers from 4 threads: "
            f"{s.hits} hits, {s.misses} misses, {s.pooled} pooled, {s.outstanding} outstanding"
        )

        buf = pool.acquire()
        buf.release()
        try:
            buf.release()
        except NoobCoreError as error:
            print(f"releasing a buffer twice: {type(error).__name__}: {error}")


def serializer_demo() -> None:
    import pickle
    import time

    record = {"camera": "left", "index": 42, "exposure_ms": 8.5, "pixels": bytes(FRAME_BYTES)}
    blob = FastSerializer.serialize_dict(record)
    assert FastSerializer.deserialize_dict(blob) == record
    events = [{"node": f"n{i % 50}", "signal": "value", "epoch": i // 20, "value": i * 0.5} for i in range(10_000)]
    start = time.perf_counter()
    blobs = FastSerializer.batch_serialize(events)
    back = FastSerializer.batch_deserialize(blobs)
    ours = time.perf_counter() - start
    start = time.perf_counter()
    pickled = [pickle.loads(pickle.dumps(e, 5)) for e in events]
    theirs = time.perf_counter() - start
    assert back == events == pickled
    print(
        f"serializer: frame record {len(blob):,} bytes; 10,000 event dicts round-tripped in "
        f"{ours * 1e3:.1f} ms (pickle: {theirs * 1e3:.1f} ms)"
    )
    try:
        FastSerializer.deserialize(blob[:-1])
    except NoobCoreError as error:
        print(f"decoding a truncated blob: {type(error).__name__}: {error}")


def event_store_demo() -> None:
    # A bounded store: beyond 200 events, whole oldest epochs are evicted.
    with FastEventStore(cache_size=200) as store:
        for epoch in range(100):
            store.add_events([(f"camera{c}", "frame", epoch, bytes([c, epoch]) * 32, None) for c in range(4)])
        s = store.stats()
        latest = store.get_latest("camera0", "frame")
        assert latest is not None
        print(
            f"event store (cache_size 200): {s.added} events over 100 epochs, {s.events} kept in "
            f"{s.epochs} epochs, {s.evicted_epochs} oldest evicted; latest camera0 frame: "
            f"epoch {latest.epoch}, {len(latest.value)} bytes"
        )
        batch = store.batch_get_events([("camera1", "frame", 99), ("camera2", "frame", 0)])
        print(f"batch get of epoch 99 and evicted epoch 0: {[len(found) for found in batch]} events")
def scheduler_demo() -> None:
    import graphlib
    import time

    # A camera pipeline: each node lists what it depends on (graphlib's form).
    deps = {"denoise": ["camera"], "detect": ["camera"], "track": ["denoise", "detect"], "save": ["track"]}
    with FastScheduler(deps) as pipeline:
        ran = []
        summary = pipeline.run(ran.append, workers=2)
        print(f"scheduler: {summary.ran} nodes ran on {summary.workers} threads: {' -> '.join(ran)}")
    # 10,000 nodes in 100 layers, driven batch by batch, next to graphlib.
    layers = [[f"n{i}_{j}" for j in range(100)] for i in range(100)]
    big = {
        node: [layers[i - 1][(j * 7 + k) % 100] for k in range(2)] if i else []
        for i in range(100)
        for j, node in enumerate(layers[i])
    }
    start = time.perf_counter()
    s = FastScheduler(big)
    while not s.is_done():
        s.mark_done_many(s.get_ready())
    ours = time.perf_counter() - start
    start = time.perf_counter()
    ts = graphlib.TopologicalSorter(big)
    ts.prepare()
    while ts.is_active():
        ts.done(*ts.get_ready())
    theirs = time.perf_counter() - start
    print(f"scheduler: 10,000-node graph built and driven in {ours * 1e3:.1f} ms (graphlib: {theirs * 1e3:.1f} ms)")
    try:
        FastScheduler({**deps, "camera": ["save"]})
    except NoobCoreError as error:
        print(f"a pipeline with a loop: {type(error).__name__}: {error}")


if __name__ == "__main__":
    print(f"noob_core {noob_core.__version__} (Python)")
    buffer_pool_demo()
    serializer_demo()
    event_store_demo()
    scheduler_demo()
