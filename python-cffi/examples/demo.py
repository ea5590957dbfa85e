"""noob_core demo, Python side: pooled frame buffers filled in place, no copies,
from several threads at once."""

from __future__ import annotations

import threading

import noob_core
from noob_core import BufferPool
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


if __name__ == "__main__":
    print(f"noob_core {noob_core.__version__} (Python)")
    buffer_pool_demo()
