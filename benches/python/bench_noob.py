"""The noob drop-in from Python: this package against noob-core 0.2.1, through noob 1003.0.2.

    python benches/python/bench_noob.py [--repeats 5] [--oracle-python /work/oraclevenv/bin/python]

Run it with an interpreter that has this package and noob==1003.0.2 installed. The
noob-core 0.2.1 side runs as a subprocess of ``--oracle-python`` (an environment with
``noob-core==0.2.1``); when that environment lacks noob or pydantic, the directory that
holds this interpreter's noob is appended to the child's ``sys.path`` *after* its own
site-packages, so the child's ``noob_core`` stays noob-core 0.2.1 (each row reports which
``noob_core`` it ran).

Rows (medians over ``--repeats`` interleaved runs):

* per node: one epoch of a layered DAG (``workloads.layered``, all edges required,
  1,000 nodes) driven through noob's own ``noob.scheduler.Scheduler`` wrapper the way the
  sync runner does it (``iter_epoch`` batches of ``NodeReady`` meta events, one
  ``update`` per batch with one event per node), µs per node;
* per node, raw: the same epoch driven on ``noob_core.Scheduler`` itself (``is_active_at``,
  ``get_ready_at``, ``update`` per batch), i.e. without noob's own per-node Python;
* construction: ``Scheduler(nodes, edges)`` of layered graphs, 1,000 / 10,000 / 100,000
  nodes for this package; noob-core 0.2.1 only up to 2,000 nodes by default (its
  10,000-node build takes about a minute: ``--oracle-max-nodes`` raises the cap);
* add_epoch on a 10,000-node graph (noob-core copies the whole graph per epoch);
* ``SynchronousRunner.process()`` of the example tube (python-cffi/examples/noob_example:
  stateful sources, NoEvent, map/gather subepochs, a gather across epochs, optional
  inputs), µs per process() call.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve()
REPO = HERE.parents[2]
sys.path.insert(0, str(REPO.parent / "shared" / "bench"))
sys.path.insert(0, str(REPO / "python-cffi" / "examples"))

GRAPHS = {1_000: (10, 100), 2_000: (20, 100), 10_000: (100, 100), 100_000: (100, 1000)}


def graph_args(n: int):
    from workloads import layered, to_noob_core

    layers, width = GRAPHS[n]
    return to_noob_core(*layered(layers, width, seed=42))


# ----- measurements, run in whichever process has the noob_core under test ---------------


def per_node(repeats: int, nodes: int = 1_000) -> list[float]:
    """µs per node of one epoch through noob's Scheduler wrapper."""
    from noob.edge import Edge
    from noob.node import NodeSpecification
    from noob.scheduler import Scheduler

    node_args, edge_args = graph_args(nodes)
    specs = {n: NodeSpecification(type="bench.node", id=n) for n, _, _ in node_args}
    edges = [Edge(source_node=s, source_signal=g, target_node=t, target_slot=x, required=r)
             for s, g, t, x, r in edge_args]  # fmt: skip
    scheduler = Scheduler(nodes=specs, edges=edges)
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        ran = 0
        for batch in scheduler.iter_epoch():
            events = [
                {"epoch": ready["epoch"], "node_id": ready["value"], "signal": "value", "value": 1}
                for ready in batch
            ]
            ran += len(events)
            scheduler.update(events)
        elapsed = time.perf_counter() - start
        assert ran == nodes, ran
        out.append(elapsed / nodes * 1e6)
    return out


def per_node_raw(repeats: int, nodes: int = 1_000) -> list[float]:
    """µs per node of one epoch driven on noob_core.Scheduler directly (no noob): the
    runner's calls without noob's meta events (is_active_at, get_ready_at, update)."""
    from noob_core import Scheduler

    scheduler = Scheduler(*graph_args(nodes))
    out = []
    for _ in range(repeats):
        epoch = scheduler.first_active_epoch() or scheduler.add_epoch()
        start = time.perf_counter()
        ran = 0
        while scheduler.is_active_at(epoch):
            batch = scheduler.get_ready_at(epoch)
            ran += len(batch)
            scheduler.update([(e, node, "value", False, False) for e, node in batch])
        elapsed = time.perf_counter() - start
        assert ran == nodes, ran
        out.append(elapsed / nodes * 1e6)
    return out


def construction(n: int, repeats: int) -> list[float]:
    from noob_core import Scheduler

    node_args, edge_args = graph_args(n)
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        Scheduler(node_args, edge_args)
        out.append((time.perf_counter() - start) * 1e3)
    return out


def add_epoch(n: int, repeats: int) -> list[float]:
    from noob_core import Scheduler

    scheduler = Scheduler(*graph_args(n))
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        scheduler.add_epoch()
        out.append((time.perf_counter() - start) * 1e6)
    return out


def process(repeats: int, calls: int = 300) -> list[float]:
    from noob import Tube
    from noob.runner import SynchronousRunner

    tube = Tube.from_specification(REPO / "python-cffi" / "examples" / "noob_example" / "tube.yaml")
    runner = SynchronousRunner(tube)
    runner.init()
    for _ in range(10):
        runner.process()
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            runner.process()
        out.append((time.perf_counter() - start) / calls * 1e6)
    runner.deinit()
    return out


def measure(which: str, repeats: int, max_nodes: int) -> dict:
    import noob_core

    result: dict = {"noob_core": f"{noob_core.__file__} ({getattr(noob_core, '__version__', '0.2.x')})"}
    if which in ("all", "per_node"):
        result["per_node_us"] = per_node(repeats)
        result["per_node_raw_us"] = per_node_raw(repeats)
    if which in ("all", "construction"):
        result["construction_ms"] = {
            n: construction(n, 1 if n >= 10_000 else repeats) for n in GRAPHS if n <= max_nodes
        }
        if 10_000 <= max_nodes:
            result["add_epoch_10000_us"] = add_epoch(10_000, repeats)
    if which in ("all", "process"):
        result["process_us"] = process(repeats)
    return result


# ----- orchestration ---------------------------------------------------------------------


def run_oracle(python: str, which: str, repeats: int, max_nodes: int) -> dict:
    import noob

    noob_dir = str(Path(noob.__file__).resolve().parents[1])
    code = (
        "import sys, json; "
        f"sys.path.append({noob_dir!r}); sys.path.insert(0, {str(HERE.parent)!r}); "
        "import bench_noob as b; "
        f"print(json.dumps(b.measure({which!r}, {repeats}, {max_nodes})))"
    )
    out = subprocess.run([python, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--oracle-python", default="/work/oraclevenv/bin/python")
    parser.add_argument("--oracle-max-nodes", type=int, default=2_000)
    args = parser.parse_args()

    ours = measure("all", args.repeats, max(GRAPHS))
    try:
        oracle = run_oracle(args.oracle_python, "all", args.repeats, args.oracle_max_nodes)
    except (OSError, subprocess.CalledProcessError) as error:
        print(f"noob-core 0.2.1 side not run: {error}", file=sys.stderr)
        oracle = {}

    med = statistics.median
    print(f"ours:   {ours['noob_core']}")
    print(f"oracle: {oracle.get('noob_core', '(not run)')}")
    print()
    print("| measurement | noob_core (ours) | noob-core 0.2.1 | ratio |")
    print("|---|---:|---:|---:|")

    def row(name: str, mine: float, theirs: float | None, unit: str) -> None:
        ratio = f"{theirs / mine:.1f}x" if theirs else "-"
        other = f"{theirs:,.2f} {unit}" if theirs else "-"
        print(f"| {name} | {mine:,.2f} {unit} | {other} | {ratio} |")

    row("per node, 1,000-node epoch via noob's Scheduler", med(ours["per_node_us"]),
        med(oracle["per_node_us"]) if oracle else None, "µs")  # fmt: skip
    row("per node, same epoch on the core directly", med(ours["per_node_raw_us"]),
        med(oracle["per_node_raw_us"]) if oracle else None, "µs")  # fmt: skip
    for n, times in ours["construction_ms"].items():
        theirs = oracle.get("construction_ms", {}).get(str(n))
        row(f"Scheduler(...) {int(n):,} nodes", med(times), med(theirs) if theirs else None, "ms")
    theirs = oracle.get("add_epoch_10000_us")
    row("add_epoch, 10,000 nodes", med(ours["add_epoch_10000_us"]), med(theirs) if theirs else None, "µs")
    row("SynchronousRunner.process(), example tube", med(ours["process_us"]),
        med(oracle["process_us"]) if oracle else None, "µs")  # fmt: skip


if __name__ == "__main__":
    main()
