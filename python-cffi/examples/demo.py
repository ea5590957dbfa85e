"""noob_core demo, Python side: pooled frame buffers filled in place, no copies,
from several threads at once."""

from __future__ import annotations

import threading

import noob_core
from noob_core import BufferPool, FastSerializer
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


if __name__ == "__main__":
    print(f"noob_core {noob_core.__version__} (Python)")
    buffer_pool_demo()
    serializer_demo()
