"""FastSerializer from Python, side by side with pickle 5, marshal, msgpack and
ormsgpack (the last two when installed), on the shared serialization payloads.

    python benches/python/bench_serializer.py [--repeats 5]

Per payload and format: median µs per serialize and per deserialize over interleaved
repeats (so machine noise hits every row alike), and the ratio to pickle and to
ormsgpack. The batch row is 1,000 small dicts, one blob each (``batch_serialize``
against a list comprehension of ``pickle.dumps``).
"""

from __future__ import annotations

import argparse
import marshal
import pickle
import statistics
import sys
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "shared" / "bench"))
from workloads import serialization_payloads  # noqa: E402

from noob_core import FastSerializer  # noqa: E402

try:
    import msgpack
except ImportError:
    msgpack = None
try:
    import ormsgpack
except ImportError:
    ormsgpack = None


def codecs(batch: bool):
    def each(dumps, loads):
        if not batch:
            return dumps, loads
        return (lambda items: [dumps(x) for x in items]), (lambda blobs: [loads(b) for b in blobs])

    rows = {
        "noob_core": (FastSerializer.batch_serialize, FastSerializer.batch_deserialize)
        if batch
        else (FastSerializer.serialize, FastSerializer.deserialize),
        "pickle 5": each(lambda x: pickle.dumps(x, 5), pickle.loads),
        "marshal": each(marshal.dumps, marshal.loads),
    }
    if msgpack is not None:
        rows["msgpack"] = each(msgpack.packb, msgpack.unpackb)
    if ormsgpack is not None:
        rows["ormsgpack"] = each(ormsgpack.packb, ormsgpack.unpackb)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(f"Python {sys.version.split()[0]}, {args.repeats} interleaved repeats, median µs per op")
    print("| payload | format | serialize µs | deserialize µs | ser. vs pickle | deser. vs pickle | size B |")
    print("|---|---|---|---|---|---|---|")
    for name, obj in serialization_payloads().items():
        batch = name.startswith("Batch")
        rows = codecs(batch)
        timers = {}
        sizes = {}
        for codec, (dumps, loads) in rows.items():
            blob = dumps(obj)
            sizes[codec] = sum(map(len, blob)) if batch else len(blob)
            timers[(codec, "ser")] = timeit.Timer(lambda d=dumps: d(obj))
            timers[(codec, "de")] = timeit.Timer(lambda l=loads, b=blob: l(b))
        loops = {key: timer.autorange()[0] for key, timer in timers.items()}
        samples = {key: [] for key in timers}
        for _ in range(args.repeats):
            for key, timer in timers.items():
                samples[key].append(timer.timeit(loops[key]) / loops[key] * 1e6)
        med = {key: statistics.median(values) for key, values in samples.items()}
        for codec in rows:
            ser, de = med[(codec, "ser")], med[(codec, "de")]
            print(
                f"| {name} | {codec} | {ser:.1f} | {de:.1f} | "
                f"{ser / med[('pickle 5', 'ser')]:.2f}x | {de / med[('pickle 5', 'de')]:.2f}x | {sizes[codec]:,} |"
            )


if __name__ == "__main__":
    main()
