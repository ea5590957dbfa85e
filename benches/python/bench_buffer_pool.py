"""BufferPool from Python, side by side with its peers in one process.

    .venv/bin/python benches/python/bench_buffer_pool.py [--repeats 7]

Rows (per acquire + release pair, 4096-byte buffers, the shared workloads'
BUFFER_SIZE): ``bytearray(4096)`` allocate and drop, the pure-Python list pool of
``../shared/bench/baseline_bench.py`` (``free.pop()`` else new, ``append``), the same
with a ``threading.Lock``, ``noob_core.BufferPool`` acquire + release, and the same
also touching ``.view`` (what a user writing into the buffer pays). Repeats are
interleaved so machine noise hits every row alike; the table gives the median and
the ratio to the list pool.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import timeit
from pathlib import Path

SHARED = Path(__file__).resolve().parents[3] / "shared" / "bench"
sys.path.insert(0, str(SHARED))
from workloads import BUFFER_SIZE, POOL_SIZE  # noqa: E402

from noob_core import BufferPool  # noqa: E402


class ListPool:
    """The pure-Python pool of the baselines."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.free: list[bytearray] = []

    def acquire(self) -> bytearray:
        return self.free.pop() if self.free else bytearray(self.size)

    def release(self, buf: bytearray) -> None:
        self.free.append(buf)


class LockedListPool(ListPool):
    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.lock = threading.Lock()

    def acquire(self) -> bytearray:
        with self.lock:
            return super().acquire()

    def release(self, buf: bytearray) -> None:
        with self.lock:
            super().release(buf)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()

    list_pool = ListPool(BUFFER_SIZE)
    locked_pool = LockedListPool(BUFFER_SIZE)
    pool = BufferPool(BUFFER_SIZE, POOL_SIZE, prefill=POOL_SIZE)

    def noob_pair() -> None:
        pool.acquire().release()

    def noob_pair_view() -> None:
        buf = pool.acquire()
        buf.view[0] = 1
        buf.release()

    rows = {
        "bytearray(4096) allocate + drop": "bytearray(4096)",
        "Python list pool acquire + release": lambda: list_pool.release(list_pool.acquire()),
        "list pool + threading.Lock": lambda: locked_pool.release(locked_pool.acquire()),
        "noob_core.BufferPool acquire + release": noob_pair,
        "noob_core.BufferPool acquire + .view write + release": noob_pair_view,
    }
    timers = {name: timeit.Timer(stmt) for name, stmt in rows.items()}
    loops = {name: timer.autorange()[0] for name, timer in timers.items()}
    samples: dict[str, list[float]] = {name: [] for name in rows}
    for _ in range(args.repeats):
        for name, timer in timers.items():
            samples[name].append(timer.timeit(loops[name]) / loops[name])
    base = statistics.median(samples["Python list pool acquire + release"])
    print(f"Python {sys.version.split()[0]}, {args.repeats} interleaved repeats, median per pair")
    print(f"| row | ns per pair | vs list pool |\n|---|---|---|")
    for name in rows:
        median = statistics.median(samples[name])
        print(f"| {name} | {median * 1e9:.0f} | {median / base:.2f}x |")
    pool.close()


if __name__ == "__main__":
    main()
