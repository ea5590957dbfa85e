"""The noob drop-in from Python: this package against noob-core 0.2.1, through noob 1003.0.2.

    python benches/python/bench_noob.py [--repeats 5] [--oracle-python /work/oraclevenv/bin/python]

Run it with an interpreter that has this package and noob==1003.0.2 installed. The
noob-core 0.2.1 side runs as a subprocess of ``--oracle-python`` (an environment with
``noob-core==0.2.1``); when that environment lacks noob or pydantic, the directory that
holds this interpreter's noob is appended to the child's ``sys.path`` *after* its own
site-packages, so the child's ``noob_core`` stays noob-core 0.2.1 (each row reports which
``noob_core`` it ran).

Each round runs one process per side (ours, then noob-core's: interleaved); inside a
process each row is the best of ``--inner`` runs; the table shows the median over the
``--repeats`` rounds. Rows:

* per node via noob's wrapper: one epoch driven through noob's own
  ``noob.scheduler.Scheduler`` the way the sync runner does it (``iter_epoch``, which adds
  the epoch, then batches of ``NodeReady`` meta events, one ``update`` per batch with one
  event per node), for the three epochs of §16.2 of the behaviour document: a 1,000-node
  layered DAG (10 x 100), a 200-node chain, a 10,000-node layered DAG (10 x 1,000: the deep
  100 x 100 one takes noob-core about a minute to build), µs per node;
* per node on the core directly: the same epochs driven on ``noob_core.Scheduler`` itself
  (``add_epoch``, ``is_active_at``, ``get_ready_at``, ``update`` per batch);
* noob's own Python: the 1,000-node wrapper row with the core replaced by a replay of its
  recorded answers, i.e. what remains with an infinitely fast core;
* Epoch micro-operations (``timeit``), ns;
* construction: ``Scheduler(nodes, edges)`` of layered graphs, 1,000 to 100,000 nodes for
  this package; noob-core 0.2.1 only up to 2,000 nodes by default (``--oracle-max-nodes``);
* add_epoch on a 10,000-node graph (noob-core copies the whole graph per epoch);
* ``SynchronousRunner.process()`` of the example tube (python-cffi/examples/noob_example:
  stateful sources, NoEvent, map/gather subepochs, a gather across epochs, optional
  inputs), µs per call, and how much of it is spent inside core calls.
"""

from __future__ import annotations

import argparse
import json
import os
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
# Epoch-driving workloads: §16.2 of the behaviour document (a 200-node chain, a 1,000-node
# layered DAG, and a 10,000-node one; the wide 10 x 1,000 shape, because noob-core needs
# about a minute to build the deep 100 x 100 one).
EPOCH_GRAPHS = {"layered_1000": ("layered", 10, 100), "chain_200": ("chain", 200, 0),
                "layered_10000": ("layered", 10, 1000)}  # fmt: skip


def graph_args(n: int):
    from workloads import layered, to_noob_core

    layers, width = GRAPHS[n]
    return to_noob_core(*layered(layers, width, seed=42))


def epoch_graph_args(name: str):
    import workloads

    kind, a, b = EPOCH_GRAPHS[name]
    graph = workloads.layered(a, b, seed=42) if kind == "layered" else workloads.chain(a)
    return workloads.to_noob_core(*graph)


# ----- measurements, run in whichever process has the noob_core under test ---------------


def noob_scheduler(name: str):
    from noob.edge import Edge
    from noob.node import NodeSpecification
    from noob.scheduler import Scheduler

    node_args, edge_args = epoch_graph_args(name)
    specs = {n: NodeSpecification(type="bench.node", id=n) for n, _, _ in node_args}
    edges = [Edge(source_node=s, source_signal=g, target_node=t, target_slot=x, required=r)
             for s, g, t, x, r in edge_args]  # fmt: skip
    return Scheduler(nodes=specs, edges=edges), len(node_args)


def drive(scheduler) -> int:
    """One epoch through noob's wrapper, as the sync runner does: ``iter_epoch`` batches of
    ``NodeReady`` meta events, one ``update`` per batch with one event per node."""
    ran = 0
    for batch in scheduler.iter_epoch():
        events = [
            {"epoch": ready["epoch"], "node_id": ready["value"], "signal": "value", "value": 1}
            for ready in batch
        ]
        ran += len(events)
        scheduler.update(events)
    return ran


def per_node(repeats: int, name: str = "layered_1000") -> list[float]:
    """µs per node of one epoch through noob's Scheduler wrapper."""
    scheduler, nodes = noob_scheduler(name)
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        ran = drive(scheduler)
        elapsed = time.perf_counter() - start
        assert ran == nodes, ran
        out.append(elapsed / nodes * 1e6)
    return out


class _Replay:
    """Stands in for the core under noob's wrapper: answers each call with what the real
    core answered in a recorded run, so timing the wrapper on it measures noob's own
    Python (plus one trivial Python call per core call)."""

    def __init__(self, answers: list) -> None:
        self.answers = answers
        self.at = 0

    def _next(self, *args):
        answer = self.answers[self.at]
        self.at += 1
        return answer

    first_active_epoch = add_epoch = epoch_completed = is_active_at = _next
    get_ready_at = update = _next

    @property
    def exhausted(self):
        return self._next()


class _Recorder:
    def __init__(self, core, answers: list) -> None:
        self.core = core
        self.answers = answers

    def __getattr__(self, name):
        if name == "exhausted":
            value = self.core.exhausted
            self.answers.append(value)
            return value
        method = getattr(self.core, name)

        def call(*args):
            value = method(*args)
            self.answers.append(value)
            return value

        return call


def per_node_noob_python(repeats: int, name: str = "layered_1000") -> list[float]:
    """µs per node of noob's own Python in ``per_node``: the same loop with the core
    replaced by a replay of its recorded answers."""
    out = []
    for _ in range(repeats):
        scheduler, nodes = noob_scheduler(name)
        answers: list = []
        scheduler._core = _Recorder(scheduler._core, answers)
        assert drive(scheduler) == nodes
        scheduler._core = _Replay(answers)
        start = time.perf_counter()
        ran = drive(scheduler)
        elapsed = time.perf_counter() - start
        assert ran == nodes, ran
        out.append(elapsed / nodes * 1e6)
    return out


def per_node_raw(repeats: int, name: str = "layered_1000") -> list[float]:
    """µs per node of one epoch driven on noob_core.Scheduler directly (no noob): the
    runner's calls without noob's meta events (add_epoch, is_active_at, get_ready_at,
    update per batch)."""
    from noob_core import Scheduler

    node_args, edge_args = epoch_graph_args(name)
    scheduler = Scheduler(node_args, edge_args)
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        epoch = scheduler.add_epoch()
        ran = 0
        while scheduler.is_active_at(epoch):
            batch = scheduler.get_ready_at(epoch)
            ran += len(batch)
            scheduler.update([(e, node, "value", False, False) for e, node in batch])
        elapsed = time.perf_counter() - start
        assert ran == len(node_args), ran
        out.append(elapsed / len(node_args) * 1e6)
    return out


EPOCH_OPS = {
    "hash(e)": "hash(e)",
    "e == f": "e == f",
    "dict[e]": "d[e]",
    "Epoch(3)": "Epoch(3)",
    "s.parents": "s.parents",
    "e + 1": "e + 1",
    "e / (node, i)": "e / ('m', 1)",
}


def epoch_ops() -> dict[str, float]:
    """ns per Epoch operation (``s`` has two path segments)."""
    import timeit

    from noob_core import Epoch

    scope = {"Epoch": Epoch, "e": Epoch(3), "f": Epoch(3), "s": Epoch(3, [("m", 1), ("n", 2)]),
             "d": {Epoch(i): i for i in range(100)}}  # fmt: skip
    number = 100_000
    return {
        name: min(timeit.repeat(stmt, globals=scope, number=number, repeat=3)) / number * 1e9
        for name, stmt in EPOCH_OPS.items()
    }


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


def process_core(calls: int = 300) -> float:
    """µs per ``process()`` spent inside core calls (timed by a thin proxy around the
    tube's core): the rest of a ``process()`` is noob's own Python, which bounds the
    ratio any core can reach."""
    from noob import Tube
    from noob.runner import SynchronousRunner

    tube = Tube.from_specification(REPO / "python-cffi" / "examples" / "noob_example" / "tube.yaml")
    runner = SynchronousRunner(tube)
    runner.init()
    for _ in range(10):
        runner.process()
    core = tube.scheduler._core
    spent = [0.0]
    clock = time.perf_counter

    class Timed:
        def __getattr__(self, name):
            attribute = getattr(core, name)
            if not callable(attribute):
                return attribute

            def call(*args):
                start = clock()
                try:
                    return attribute(*args)
                finally:
                    spent[0] += clock() - start

            return call

    tube.scheduler._core = Timed()
    for _ in range(calls):
        runner.process()
    runner.deinit()
    return spent[0] / calls * 1e6


def measure(which: str, repeats: int, max_nodes: int) -> dict:
    """Every row once (each the best of ``repeats`` runs in this process: the machine is
    shared, and noise only ever adds time; rounds are then combined by median)."""
    import noob_core

    med = min
    result: dict = {"noob_core": f"{noob_core.__file__} ({getattr(noob_core, '__version__', '0.2.x')})"}
    if which in ("all", "per_node"):
        for name in EPOCH_GRAPHS:
            result[f"wrapper {name}"] = med(per_node(repeats, name))
            result[f"raw {name}"] = med(per_node_raw(repeats, name))
        result["noob python layered_1000"] = med(per_node_noob_python(repeats))
        result["epoch_ops"] = epoch_ops()
    if which in ("all", "construction"):
        result["construction_ms"] = {
            n: med(construction(n, 1 if n >= 10_000 else repeats)) for n in GRAPHS if n <= max_nodes
        }
        if 10_000 <= max_nodes:
            result["add_epoch_10000_us"] = med(add_epoch(10_000, repeats))
    if which in ("all", "process"):
        result["process_us"] = med(process(repeats))
        result["process_core_us"] = min(process_core() for _ in range(repeats))
    return result


# ----- orchestration ---------------------------------------------------------------------


def run_side(python: str, which: str, repeats: int, max_nodes: int, extra_path: str | None) -> dict:
    code = (
        "import sys, json; "
        + (f"sys.path.append({extra_path!r}); " if extra_path else "")
        + f"sys.path.insert(0, {str(HERE.parent)!r}); "
        "import bench_noob as b; "
        f"print(json.dumps(b.measure({which!r}, {repeats}, {max_nodes})))"
    )
    env = dict(os.environ)
    if extra_path:  # the oracle side: its own noob_core, never ours from PYTHONPATH
        env.pop("PYTHONPATH", None)
    out = subprocess.run([python, "-c", code], capture_output=True, text=True, check=True, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5, help="interleaved rounds (one process per side each)")
    parser.add_argument("--inner", type=int, default=3, help="runs per row inside each process (median)")
    parser.add_argument("--oracle-python", default="/work/oraclevenv/bin/python")
    parser.add_argument("--oracle-max-nodes", type=int, default=2_000)
    parser.add_argument("--which", default="all", choices=["all", "per_node", "construction", "process"])
    args = parser.parse_args()

    import noob

    noob_dir = str(Path(noob.__file__).resolve().parents[1])
    ours_runs, oracle_runs = [], []
    for _ in range(args.repeats):  # interleaved: ours, then theirs, each round
        ours_runs.append(run_side(sys.executable, args.which, args.inner, max(GRAPHS), None))
        try:
            oracle_runs.append(run_side(args.oracle_python, args.which, args.inner, args.oracle_max_nodes, noob_dir))
        except (OSError, subprocess.CalledProcessError) as error:
            print(f"noob-core 0.2.1 side not run: {error}", file=sys.stderr)

    def med(runs: list[dict], *path: str) -> float | None:
        values = []
        for run in runs:
            for key in path:
                run = run.get(key) if isinstance(run, dict) else None
            if run is not None:
                values.append(run)
        return statistics.median(values) if values else None

    print(f"ours:   {ours_runs[0]['noob_core']}")
    print(f"oracle: {oracle_runs[0]['noob_core'] if oracle_runs else '(not run)'}")
    print(f"medians of {args.repeats} interleaved rounds, each row the best of {args.inner} runs\n")
    print("| measurement | noob_core (ours) | noob-core 0.2.1 | ratio |")
    print("|---|---:|---:|---:|")

    def row(name: str, path: tuple[str, ...], unit: str) -> None:
        mine, theirs = med(ours_runs, *path), med(oracle_runs, *path)
        if mine is None:
            return
        ratio = f"{theirs / mine:.1f}x" if theirs else "-"
        other = f"{theirs:,.2f} {unit}" if theirs else "-"
        print(f"| {name} | {mine:,.2f} {unit} | {other} | {ratio} |")

    for name in EPOCH_GRAPHS:
        row(f"per node, {name} epoch via noob's Scheduler wrapper", (f"wrapper {name}",), "µs")
        row(f"per node, {name} epoch on the core directly", (f"raw {name}",), "µs")
    row("per node, noob's own Python in the layered_1000 wrapper row (core replayed)",
        ("noob python layered_1000",), "µs")  # fmt: skip
    for op in EPOCH_OPS:
        row(f"Epoch `{op}`", ("epoch_ops", op), "ns")
    for n in GRAPHS:
        row(f"Scheduler(...) {n:,} nodes", ("construction_ms", str(n)), "ms")
    row("add_epoch, 10,000 nodes", ("add_epoch_10000_us",), "µs")
    row("SynchronousRunner.process(), example tube", ("process_us",), "µs")
    row("  of which inside core calls (timed through a proxy)", ("process_core_us",), "µs")


if __name__ == "__main__":
    main()
