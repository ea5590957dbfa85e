"""Differential test: noob-core 0.2.1 (the oracle) against our Rust core, step by step.

Run with the oracle's interpreter (a virtual environment with ``noob-core==0.2.1``)::

    /work/oraclevenv/bin/python tests/noob_oracle/differential.py --seeds 300 \
        --replay target/debug/examples/noob_replay

For every seed it builds a random graph (``workloads.layered`` extended with signals,
slots, optional edges, disabled and stateful nodes, ``input`` sources, a ``return``-like
sink with optional inputs, map nodes emitting subepochs), drives it like noob's runners
do (``get_ready`` → ``update`` with values, NoEvents, exhaustion; plus direct ``done``,
``expire``, ``end_epoch``, ``add_epoch_at`` and every query), and records the script and
the oracle's output line by line. The same script is then replayed by the Rust core
(``examples/noob_replay.rs``) and the outputs must be identical: same ready lists, same
ended-epoch lists, same exceptions, same state.

``--record DIR`` writes ``<seed>.script``/``<seed>.expected`` pairs (the Rust test
``tests/noob_fixtures.rs`` replays committed ones without the oracle).
Exit status 0 = all seeds agree, 1 = a mismatch (printed with its context), 2 = no oracle.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
# The shared workload generators live next to the repository (../shared/bench).
sys.path.insert(
    0,
    os.environ.get(
        "NOOB_WORKLOADS_DIR", os.path.join(HERE, os.pardir, os.pardir, os.pardir, "shared", "bench")
    ),
)

try:
    import noob_core  # noqa: F401
except ImportError:
    print("noob-core (the oracle) is not importable here; skipping", file=sys.stderr)
    sys.exit(2)

from replay import Session, fmt_epoch  # noqa: E402
from workloads import layered  # noqa: E402


def make_graph(rng: random.Random):
    layers = rng.randint(1, 5)
    width = rng.randint(1, 4)
    if rng.random() < 0.15:
        # wide graphs: item sets larger than the builder's small-set threshold (16)
        layers, width = rng.randint(2, 3), rng.randint(10, 24)
    names, pairs = layered(layers, width, seed=rng.randint(0, 10**6))
    signals = {n: ["value"] + (["aux"] if rng.random() < 0.3 else []) for n in names}
    edges = []
    for src, dst in pairs:
        sig = rng.choice(signals[src])
        slot = rng.choice(["x", "y", "z", "None"])
        edges.append((src, sig, dst, slot, rng.random() < 0.75))
    # an occasional second edge from the same signal into another slot
    for src, dst in pairs:
        if rng.random() < 0.1:
            edges.append((src, "value", dst, "w", rng.random() < 0.5))
    if width >= 10 and rng.random() < 0.5:
        # a hub: one signal feeding many slots of one node, optional and required mixed
        hub = names[0]
        sink = names[-1]
        for i in range(rng.randint(17, 30)):
            edges.append((hub, "value", sink, f"h{i}", rng.random() < 0.4))
    if rng.random() < 0.3:
        for n in names[:width]:
            if rng.random() < 0.5:
                edges.append(("input", "value", n, "inp", True))
    if rng.random() < 0.2:
        edges.append(("assets", "value", rng.choice(names), "asset", True))
    if rng.random() < 0.6:
        k = rng.randint(1, min(4 if width < 10 else 24, len(names)))
        for n in rng.sample(names, k):
            edges.append((n, rng.choice(signals[n]), "ret", n, False))
        names = names + ["ret"]
        signals["ret"] = ["value"]
    if rng.random() < 0.3:
        rng.shuffle(edges)
    elif rng.random() < 0.3:
        edges.reverse()
    nodes = []
    for n in names:
        enabled = rng.random() >= 0.06
        r = rng.random()
        stateful = True if r < 0.3 else (False if r < 0.4 else None)
        nodes.append((n, enabled, stateful))
    maps = set()
    if rng.random() < 0.4:
        candidates = [n for n in names[: max(1, len(names) - width)] if n != "ret"]
        for n in rng.sample(candidates, min(len(candidates), rng.randint(1, 2))):
            maps.add(n)
    return nodes, edges, signals, maps


def epoch_text(root: int, path=()) -> str:
    text = str(root)
    for node, index in path:
        text += f"/{node}:{index}"
    return text


def scenario(seed: int, steps: int = 80):
    """Returns (script lines, oracle output lines)."""
    rng = random.Random(seed)
    nodes, edges, signals, maps = make_graph(rng)
    session = Session()
    script, output = [], []

    def call(line):
        text, value = session.call(line)
        script.append(line)
        if text is not None:
            output.append(text)
        return text, value

    for n, en, st in nodes:
        call(f"N {n} {int(en)} {'-' if st is None else int(st)}")
    for e in edges:
        call(f"E {e[0]} {e[1]} {e[2]} {e[3]} {int(e[4])}")
    call("B")
    for q in ("source_nodes", "generations", "has_cycle", "exhausted"):
        call(q)
    node_names = [n for n, _, _ in nodes]
    known_epochs = ["0"]
    pending = []

    def some_epoch():
        if rng.random() < 0.8 and known_epochs:
            return rng.choice(known_epochs)
        return str(rng.randint(0, 6))

    for _ in range(steps):
        r = rng.random()
        if r < 0.22:
            text, value = call("get_ready")
            if text.startswith("get_ready: ERR"):
                break
            for e, n in value or []:
                pending.append((fmt_epoch(e), n, list(e)[1:]))
                if fmt_epoch(e) not in known_epochs:
                    known_epochs.append(fmt_epoch(e))
        elif r < 0.27:
            text, value = call("add_epoch")
            if value is not None:
                known_epochs.append(fmt_epoch(value))
        elif r < 0.62 and pending:
            e, n, path = pending.pop(rng.randrange(len(pending)) if rng.random() < 0.3 else 0)
            if n in ("input", "assets"):
                call(f"done {e} {n} - 1")
                continue
            events = []
            if n in maps and len(path) < 2:
                count = rng.randint(0, 3)
                for i in range(count):
                    events.append(f"{e}/{n}:{i},{n},value,0,0")
                events.append(f"{e},{n},n,0,0")
            else:
                for sig in signals.get(n, ["value"]):
                    x = rng.random()
                    if x < 0.05:
                        continue
                    no_event = x < 0.25
                    exhausted = (not no_event) and x < 0.27 and rng.random() < 0.5
                    events.append(f"{e},{n},{sig},{int(no_event)},{int(exhausted)}")
                if rng.random() < 0.03 and events:
                    events.append(events[0])  # a duplicate signal -> AlreadyDoneError
            rng.shuffle(events)
            call("update " + ";".join(events))
        elif r < 0.66:
            n = rng.choice(node_names + ["input"])
            sig = "-" if rng.random() < 0.6 else rng.choice(signals.get(n, ["value"]))
            call(f"done {some_epoch()} {n} {sig} {int(rng.random() < 0.8)}")
        elif r < 0.69:
            n = rng.choice(node_names)
            sig = "-" if rng.random() < 0.6 else rng.choice(signals.get(n, ["value"]))
            call(f"expire {some_epoch()} {n} {sig} {int(rng.random() < 0.8)} {int(rng.random() < 0.8)}")
        elif r < 0.71:
            call(f"end_epoch {some_epoch()}")
        elif r < 0.73:
            e = some_epoch()
            text, value = call(f"add_epoch_at {e}")
        else:
            q = rng.random()
            e = some_epoch()
            n = rng.choice(node_names)
            if q < 0.12:
                call("is_active")
            elif q < 0.24:
                call(f"is_active_at {e}")
            elif q < 0.34:
                call(f"epoch_completed {e}")
            elif q < 0.44:
                call(f"node_is_ready {n} {e} {int(rng.random() < 0.5)}")
            elif q < 0.54:
                call(f"node_is_done {n} {e}")
            elif q < 0.62:
                call(f"sources_finished {e}")
            elif q < 0.70:
                call("first_active_epoch")
            elif q < 0.78:
                call(f"state {e}")
            elif q < 0.84:
                call("subepochs")
            elif q < 0.90:
                call("epoch_log")
            elif q < 0.94:
                call(f"upstream_nodes {n}")
            elif q < 0.97:
                call(f"get_ready_at {e}")
            else:
                call("exhausted")
        if output and output[-1].split(": ", 1)[-1].startswith("ERR Panic"):
            # The oracle crashed (documented panics): stop here, the rest is undefined.
            script.pop()
            output.pop()
            break
    return script, output


def run_oracle(script: list[str]) -> list[str]:
    """The oracle's output for ``script`` in a fresh process (the interner is process-wide,
    so the generating session, which has seen earlier seeds, may differ)."""
    return run_ours([sys.executable, os.path.join(HERE, "replay.py")], script)


def run_ours(replay, script: list[str]) -> list[str]:
    cmd = replay if isinstance(replay, list) else [replay]
    env = dict(os.environ, RUST_BACKTRACE="0")
    proc = subprocess.run(
        cmd, input="\n".join(script) + "\n", capture_output=True, text=True, check=False, env=env
    )
    if proc.returncode != 0:
        return [f"<replay crashed: {proc.stderr.strip()}>"]
    return proc.stdout.rstrip("\n").split("\n")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=200)
    ap.add_argument("--start", type=int, default=0)
    ap.add_argument("--steps", type=int, default=80)
    ap.add_argument("--replay", default=os.path.join(HERE, "../../target/debug/examples/noob_replay"))
    ap.add_argument("--record", help="write <seed>.script / <seed>.expected here")
    ap.add_argument("--keep-going", action="store_true")
    args = ap.parse_args()
    failures = 0
    for seed in range(args.start, args.start + args.seeds):
        script, _ = scenario(seed, args.steps)
        expected = run_oracle(script)
        panic = next((i for i, line in enumerate(expected) if ": ERR Panic" in line), None)
        if panic is not None:
            # A documented oracle crash: compare only what comes before it.
            n_calls = 0
            for i, line in enumerate(script):
                if not line.startswith(("N ", "E ", "#")):
                    if n_calls == panic:
                        script = script[:i]
                        break
                    n_calls += 1
            expected = expected[:panic]
        if args.record:
            os.makedirs(args.record, exist_ok=True)
            with open(os.path.join(args.record, f"seed{seed}.script"), "w") as f:
                f.write(f"# differential scenario, seed {seed}\n" + "\n".join(script) + "\n")
            with open(os.path.join(args.record, f"seed{seed}.expected"), "w") as f:
                f.write("\n".join(expected) + "\n")
        ours = run_ours(args.replay, script)
        if ours != expected:
            failures += 1
            at = next(
                (i for i, (a, b) in enumerate(zip(ours, expected)) if a != b),
                min(len(ours), len(expected)),
            )
            print(f"seed {seed}: first difference at output line {at}")
            for line in expected[max(0, at - 3) : at]:
                print("   ", line[:300])
            print("  oracle:", expected[at][:600] if at < len(expected) else "<end>")
            print("  ours:  ", ours[at][:600] if at < len(ours) else "<end>")
            if not args.keep_going:
                print("script:")
                print("\n".join(script))
                return 1
    print(f"{args.seeds - failures}/{args.seeds} scenarios identical")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
