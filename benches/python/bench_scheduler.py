"""FastScheduler from Python, side by side with graphlib, the pure-Python Kahn
scheduler (PyKahn from the shared baselines), rustworkx's TopologicalSorter (when
installed) and noob-core 0.2.1 (in another interpreter, which has its own
``noob_core``), on the shared scheduler graphs.

    python benches/python/bench_scheduler.py [--repeats 5] [--oracle-python /work/oraclevenv/bin/python]
    python benches/python/bench_scheduler.py --scale            # the 1,000,000-node rows (with rustworkx)

Per graph and implementation: median ns per node over interleaved repeats (machine
noise hits every row alike) of

* build: graphlib ``TopologicalSorter(deps)`` + ``prepare()``; PyKahn ``PyKahn(nodes,
  edges)``; rustworkx ``PyDiGraph`` + ``add_nodes_from`` + ``add_edges_from_no_data``
  (names mapped to indices in Python) + ``TopologicalSorter``; noob_core
  ``FastScheduler(edges, nodes=nodes)`` and ``FastScheduler(deps)``.
* drive, batch: one call per batch to take every ready node and one to mark them done
  (graphlib ``done(*batch)``, rustworkx ``done(list)``, noob_core
  ``mark_done_many(batch)``, which returns the newly ready nodes, and ``done(*batch)``,
  which returns nothing as the other two); PyKahn has no batch call.
* drive, one at a time: the same loop marking each node with its own call (graphlib
  ``done(n)``, rustworkx ``done(i)``, PyKahn and noob_core ``mark_done(n)`` returning
  the newly ready nodes, noob_core's seed ``mark_completed(n)``).

Then ``run()`` with a trivial callback (the per-node cost of calling Python from the
native workers).
"""

from __future__ import annotations

import argparse
import gc
import graphlib
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

SHARED = Path(__file__).resolve().parents[3] / "shared" / "bench"
sys.path.insert(0, str(SHARED))
import workloads as w  # noqa: E402
from baseline_bench import PyKahn  # noqa: E402

from noob_core import FastScheduler  # noqa: E402

try:
    import rustworkx as rx
except ImportError:
    rx = None

GRAPHS = {
    "layered 100": lambda: w.layered(10, 10),
    "layered 1,000": lambda: w.layered(10, 100),
    "layered 10,000": lambda: w.layered(100, 100),
    "wide 10,000": lambda: w.wide(10_000),
    "chain 10,000": lambda: w.chain(10_000),
    "diamond 100x100": lambda: w.diamond_lattice(100),
}


def timed(fn, setup=None) -> float:
    if setup is not None:
        setup()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def rows_for(nodes, edges):
    """{(impl, measure): (setup, timed fn)} for one graph; every drive checks its count."""
    n = len(nodes)
    deps = w.to_deps(nodes, edges)
    rows = {}

    def graphlib_build():
        ts = graphlib.TopologicalSorter(deps)
        ts.prepare()

    state = {}

    def graphlib_setup():
        state["ts"] = ts = graphlib.TopologicalSorter(deps)
        ts.prepare()

    def graphlib_batch():
        ts = state["ts"]
        count = 0
        while ts.is_active():
            batch = ts.get_ready()
            count += len(batch)
            ts.done(*batch)
        assert count == n

    def graphlib_one():
        ts = state["ts"]
        count = 0
        while ts.is_active():
            for x in ts.get_ready():
                ts.done(x)
                count += 1
        assert count == n

    rows[("graphlib", "build")] = (None, graphlib_build)
    rows[("graphlib", "batch")] = (graphlib_setup, graphlib_batch)
    rows[("graphlib", "one")] = (graphlib_setup, graphlib_one)

    kahn = PyKahn(nodes, edges)

    def kahn_one():
        count = 0
        while not kahn.is_done():
            for x in kahn.get_ready():
                kahn.mark_done(x)
                count += 1
        assert count == n

    rows[("PyKahn", "build")] = (None, lambda: PyKahn(nodes, edges))
    rows[("PyKahn", "one")] = (kahn.reset, kahn_one)

    if rx is not None:

        def rx_build():
            g = rx.PyDiGraph()
            index = dict(zip(nodes, g.add_nodes_from(nodes)))
            g.add_edges_from_no_data([(index[a], index[b]) for a, b in edges])
            return g, rx.TopologicalSorter(g)

        graph = rx_build()[0]

        def rx_setup():
            state["rx"] = rx.TopologicalSorter(graph)

        def rx_batch():
            ts = state["rx"]
            count = 0
            while ts.is_active():
                batch = ts.get_ready()
                count += len(batch)
                ts.done(batch)
            assert count == n

        def rx_one():
            ts = state["rx"]
            count = 0
            while ts.is_active():
                for x in ts.get_ready():
                    ts.done(x)
                    count += 1
            assert count == n

        rows[("rustworkx", "build")] = (None, rx_build)
        rows[("rustworkx", "batch")] = (rx_setup, rx_batch)
        rows[("rustworkx", "one")] = (rx_setup, rx_one)

    s = FastScheduler(edges, nodes=nodes)

    def ours_batch():
        count = 0
        while not s.is_done():
            batch = s.get_ready()
            count += len(batch)
            s.mark_done_many(batch)
        assert count == n

    def ours_done():
        count = 0
        while s.is_active():
            batch = s.get_ready()
            count += len(batch)
            s.done(*batch)
        assert count == n

    def ours_one():
        count = 0
        while not s.is_done():
            for x in s.get_ready():
                s.mark_done(x)
                count += 1
        assert count == n

    def ours_seed():
        count = 0
        while not s.is_complete():
            for x in s.get_ready_nodes():
                s.mark_completed(x)
                count += 1
        assert count == n

    rows[("noob_core", "build")] = (None, lambda: FastScheduler(edges, nodes=nodes))
    rows[("noob_core", "build deps")] = (None, lambda: FastScheduler(deps))
    rows[("noob_core", "batch")] = (s.reset, ours_batch)
    rows[("noob_core", "batch done")] = (s.reset, ours_done)
    rows[("noob_core", "one")] = (s.reset, ours_one)
    rows[("noob_core", "seed")] = (s.reset, ours_seed)
    rows[("noob_core", "run 1")] = (None, lambda: s.run(lambda node: None, workers=1))
    rows[("noob_core", "run 2")] = (None, lambda: s.run(lambda node: None, workers=2))
    return rows


ORACLE = r"""
import json, sys, time, statistics
sys.path.insert(0, sys.argv[1])
import workloads as w
from noob_core import Scheduler
nodes, edges = getattr(w, sys.argv[2])(*map(int, sys.argv[3].split(",")))
nn, ee = w.to_noob_core(nodes, edges)
builds, drives = [], []
for _ in range(int(sys.argv[4])):
    t = time.perf_counter(); s = Scheduler(nn, ee); builds.append(time.perf_counter() - t)
    t = time.perf_counter(); ep = s.add_epoch(); count = 0
    while s.is_active_at(ep):
        for e, x in s.get_ready_at(ep):
            s.done(e, x); count += 1
    drives.append(time.perf_counter() - t)
    assert count == len(nodes)
print(json.dumps({"build": statistics.median(builds) / len(nodes), "one": statistics.median(drives) / len(nodes)}))
"""

ORACLE_ARGS = {"layered 100": ("layered", "10,10"), "layered 1,000": ("layered", "10,100")}


def oracle(python: str, graph: str, repeats: int) -> dict[str, float]:
    if graph not in ORACLE_ARGS:
        return {}
    kind, args = ORACLE_ARGS[graph]
    try:
        out = subprocess.run(
            [python, "-c", ORACLE, str(SHARED), kind, args, str(repeats)],
            capture_output=True, text=True, timeout=120, check=True,
            env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},  # its own noob_core
        )
        return json.loads(out.stdout)
    except (OSError, subprocess.SubprocessError, ValueError) as error:
        print(f"# noob-core 0.2.1 rows skipped: {error}", file=sys.stderr)
        return {}


def fmt(ns: float | None) -> str:
    if ns is None:
        return "—"
    return f"{ns:,.0f}" if ns >= 100 else f"{ns:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--oracle-python", default="/work/oraclevenv/bin/python")
    parser.add_argument("--graph", action="append", help="only these graphs (names as in the table)")
    parser.add_argument("--scale", action="store_true", help="the 1,000,000-node rows instead")
    args = parser.parse_args()
    if args.scale:
        return scale()
    print(f"Python {sys.version.split()[0]}, {args.repeats} interleaved repeats, median ns per node"
          f"{'' if rx else ' (rustworkx not installed)'}\n")
    table = []
    for graph, make in GRAPHS.items():
        if args.graph and graph not in args.graph:
            continue
        nodes, edges = make()
        rows = rows_for(nodes, edges)
        samples = {key: [] for key in rows}
        for _ in range(args.repeats):
            for key, (setup, fn) in rows.items():
                gc.collect()
                samples[key].append(timed(fn, setup) / len(nodes) * 1e9)
        med = {key: statistics.median(v) for key, v in samples.items()}
        old = {k: v * 1e9 for k, v in oracle(args.oracle_python, graph, min(args.repeats, 3)).items()}
        table.append((graph, len(nodes), len(edges), med, old))

    print("| graph | measure | noob_core | graphlib | PyKahn | rustworkx | noob-core 0.2.1 | vs graphlib | vs PyKahn | vs rustworkx |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for graph, n, e, med, old in table:
        label = f"{graph} ({n:,} nodes, {e:,} edges)"
        lines = [
            ("build (edges)", med.get(("noob_core", "build")), "build", "build"),
            ("build (deps dict)", med.get(("noob_core", "build deps")), "build", "build"),
            ("drive, batch: mark_done_many(batch)", med.get(("noob_core", "batch")), "batch", None),
            ("drive, batch: done(*batch)", med.get(("noob_core", "batch done")), "batch", None),
            ("drive, one at a time: mark_done(n)", med.get(("noob_core", "one")), "one", "one"),
            ("drive, one at a time: mark_completed(n)", med.get(("noob_core", "seed")), "one", "one"),
        ]
        for measure, ours, peer, old_key in lines:
            graphlib_ns = med.get(("graphlib", peer))
            kahn = med.get(("PyKahn", "one" if peer != "build" else "build"))
            rxw = med.get(("rustworkx", peer))
            ratio = lambda peer_ns: f"{peer_ns / ours:.1f}x" if peer_ns and ours else "—"  # noqa: E731
            print(f"| {label} | {measure} | **{fmt(ours)}** | {fmt(graphlib_ns)} | {fmt(kahn)} | {fmt(rxw)} | "
                  f"{fmt(old.get(old_key) if old_key else None)} | {ratio(graphlib_ns)} | {ratio(kahn)} | {ratio(rxw)} |")
            label = ""
    print("\nrun() with a trivial callback (`lambda node: None`), ns per node:\n")
    print("| graph | workers=1 | workers=2 |")
    print("|---|---|---|")
    for graph, n, e, med, old in table:
        print(f"| {graph} | {fmt(med[('noob_core', 'run 1')])} | {fmt(med[('noob_core', 'run 2')])} |")


def scale() -> None:
    """Build and drive 1,000,000-node graphs (builds interleaved with rustworkx's, as in
    the main table: names mapped to indices in Python); heap bytes per node and edge."""
    print("| graph | nodes | edges | build (edges) ns/node | build (deps dict) ns/node | rustworkx build ns/node "
          "| vs rustworkx | drive (batch) ns/node | rustworkx drive (batch) ns/node | native heap | heap B/node |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for label, make in (
        ("layered 100x10,000", lambda: w.layered(100, 10_000)),
        ("chain 1,000,000", lambda: w.chain(1_000_000)),
        ("wide 1,000,000", lambda: w.wide(1_000_000)),
    ):
        nodes, edges = make()
        n, e = len(nodes), len(edges)
        deps = w.to_deps(nodes, edges)

        def rx_build():
            g = rx.PyDiGraph()
            index = dict(zip(nodes, g.add_nodes_from(nodes)))
            g.add_edges_from_no_data([(index[a], index[b]) for a, b in edges])
            return g, rx.TopologicalSorter(g)

        builds: dict[str, list[float]] = {"edges": [], "deps": [], "rx": []}
        makers = {"edges": lambda: FastScheduler(edges, nodes=nodes), "deps": lambda: FastScheduler(deps)}
        if rx is not None:
            makers["rx"] = rx_build
        for _ in range(3):
            for key, fn in makers.items():
                gc.collect()
                start = time.perf_counter()
                built = fn()
                builds[key].append(time.perf_counter() - start)
                del built
        s = FastScheduler(edges, nodes=nodes)
        graph = rx_build()[0] if rx is not None else None
        drives, rx_drives = [], []
        for _ in range(3):
            s.reset()
            gc.collect()
            start = time.perf_counter()
            count = 0
            while not s.is_done():
                batch = s.get_ready()
                count += len(batch)
                s.mark_done_many(batch)
            drives.append(time.perf_counter() - start)
            assert count == n
            if graph is not None:
                ts = rx.TopologicalSorter(graph)
                gc.collect()
                start = time.perf_counter()
                while ts.is_active():
                    ts.done(ts.get_ready())
                rx_drives.append(time.perf_counter() - start)
        info = s.info()
        per = {key: statistics.median(v) / n * 1e9 for key, v in builds.items() if v}
        rx_ns = per.get("rx")
        rx_drive = statistics.median(rx_drives) / n * 1e9 if rx_drives else None
        ratio = f"{rx_ns / per['edges']:.1f}x / {rx_ns / per['deps']:.1f}x" if rx_ns else "—"
        print(f"| {label} | {n:,} | {e:,} | {per['edges']:.0f} | {per['deps']:.0f} | {fmt(rx_ns)} | "
              f"{ratio} | "
              f"{statistics.median(drives) / n * 1e9:.0f} | {fmt(rx_drive)} | {info.heap_bytes / 2**20:.1f} MiB | "
              f"{info.heap_bytes / n:.1f} |")
        del s, graph
    # Bytes per edge and per node: the same 1,000,000 names with 1 and with 2 edges per node.
    names = [f"n{i}" for i in range(1_000_000)]
    one = list(zip(names, names[1:]))
    two = one + list(zip(names, names[2:]))
    heaps = []
    for edges in (one, two):
        s = FastScheduler(edges)
        heaps.append((len(edges), s.info().heap_bytes))
        del s
    (e1, h1), (e2, h2) = heaps
    per_edge = (h2 - h1) / (e2 - e1)
    name_bytes = sum(len(x) + 1 for x in names)
    per_node = (h1 - e1 * per_edge - name_bytes) / len(names)
    print(f"\nNative heap = name bytes (+1 NUL each) + {per_node:.1f} B per node + {per_edge:.1f} B per edge "
          f"(1,000,000 nodes with {e1:,} and {e2:,} edges: {h1 / 2**20:.1f} and {h2 / 2**20:.1f} MiB). "
          "The Python side adds a tuple of the names (8 B per node) and the C name table (16 B per slot, 2-4 slots per node; the strings are the caller's).")

if __name__ == "__main__":
    main()
