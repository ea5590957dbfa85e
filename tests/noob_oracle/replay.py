"""Replay a noob scheduler script on any ``noob_core`` (noob-core 0.2.1, or ours).

Same line protocol and the same canonical output as ``tests/noob_replay/mod.rs``:
``python replay.py < script`` prints one line per command. ``Session`` is the
interactive form the scenario generator (``differential.py``) uses.
"""

from __future__ import annotations

import sys

import noob_core
from noob_core import Epoch, Scheduler

ERRORS = {
    "EpochCompletedError",
    "EpochExistsError",
    "NotAddedError",
    "AlreadyDoneError",
    "SchedulerExhaustedError",
}


def parse_epoch(token: str) -> Epoch:
    parts = token.split("/")
    path = []
    for seg in parts[1:]:
        node, index = seg.split(":")
        path.append((node, int(index)))
    return Epoch(int(parts[0]), path)


def fmt_epoch(e) -> str:
    comps = list(e)
    text = str(comps[0][1])
    for node, index in comps[1:]:
        text += f"/{node}:{index}"
    return text


def fmt_item(i) -> str:
    if isinstance(i, tuple):
        return f"{i[0]}.{i[1]}"
    return i


def fmt_epochs(lst) -> str:
    return " ".join(fmt_epoch(e) for e in lst) if lst else "-"


def fmt_pairs(lst) -> str:
    return " ".join(f"{fmt_item(n)}@{fmt_epoch(e)}" for e, n in lst) if lst else "-"


def fmt_set(items) -> str:
    return "{" + ",".join(sorted({fmt_item(i) for i in items})) + "}"


def fmt_state(s) -> str:
    info = []
    for item, rec in s["info"].items():
        op = sorted(f"{fmt_item(a)}>{fmt_item(b)}" for a, b in rec["optional_predecessors"].items())
        info.append(
            f"{fmt_item(item)}:q={rec['nqueue']},s={fmt_set(rec['successors'])},"
            f"p={fmt_set(rec['predecessors'])},op={{{','.join(op)}}},"
            f"os={fmt_set(rec['optional_successors'])}"
        )
    info.sort()
    return (
        f"ready={fmt_set(s['ready'])} out={fmt_set(s['out'])} done={fmt_set(s['done'])} "
        f"disabled={fmt_set(s['disabled'])} ran={fmt_set(s['ran'])} pending={fmt_set(s['pending'])} "
        f"npassedout={s['npassedout']} nfinished={s['nfinished']} info=[{' '.join(info)}]"
    )


def b(v) -> str:
    return "True" if v else "False"


class Session:
    """One scheduler driven by protocol lines; ``call`` returns (text, raw value)."""

    def __init__(self) -> None:
        self.nodes: list = []
        self.edges: list = []
        self.s = None

    def call(self, line: str):
        t = line.split(" ")
        op = t[0]
        if op == "N":
            self.nodes.append((t[1], t[2] == "1", None if t[3] == "-" else t[3] == "1"))
            return None, None
        if op == "E":
            self.edges.append((t[1], t[2], t[3], t[4], t[5] == "1"))
            return None, None
        if op == "B":
            self.s = Scheduler(self.nodes, self.edges)
            return "B: ok", None
        s = self.s
        try:
            raw = self._dispatch(s, op, t)
            text = raw[0]
            value = raw[1]
        except BaseException as exc:  # noqa: BLE001 - PanicException is a BaseException
            name = type(exc).__name__
            if name not in ERRORS and name != "ValueError":
                name = "Panic:" + name
            text, value = f"ERR {name}", exc
        return f"{op}: {text}", value

    def _dispatch(self, s, op, t):
        E = parse_epoch
        if op == "add_epoch":
            e = s.add_epoch()
            return fmt_epoch(e), e
        if op == "add_epoch_at":
            e = s.add_epoch_at(E(t[1]))
            return fmt_epoch(e), e
        if op == "is_active":
            return b(s.is_active()), None
        if op == "is_active_at":
            return b(s.is_active_at(E(t[1]))), None
        if op == "epoch_completed":
            return b(s.epoch_completed(E(t[1]))), None
        if op == "get_ready":
            r = s.get_ready()
            return fmt_pairs(r), r
        if op == "get_ready_at":
            r = s.get_ready_at(E(t[1]))
            return fmt_pairs(r), r
        if op == "node_is_ready":
            return b(s.node_is_ready(t[1], E(t[2]), t[3] == "1")), None
        if op == "node_is_done":
            return b(s.node_is_done(t[1], E(t[2]))), None
        if op == "done":
            sig = None if t[3] == "-" else t[3]
            r = s.done(E(t[1]), t[2], sig, t[4] == "1")
            return fmt_epochs(r), r
        if op == "expire":
            sig = None if t[3] == "-" else t[3]
            r = s.expire(E(t[1]), t[2], sig, t[4] == "1", t[5] == "1")
            return fmt_epochs(r), r
        if op == "update":
            events = []
            for ev in t[1].split(";"):
                if not ev:
                    continue
                f = ev.split(",")
                events.append((E(f[0]), f[1], f[2], f[3] == "1", f[4] == "1"))
            r = s.update(events)
            return fmt_epochs(r), r
        if op == "end_epoch":
            r = s.end_epoch(E(t[1]))
            return fmt_epochs(r), r
        if op == "first_active_epoch":
            e = s.first_active_epoch()
            return ("None" if e is None else fmt_epoch(e)), e
        if op == "sources_finished":
            return b(s.sources_finished(E(t[1]))), None
        if op == "has_cycle":
            return b(s.has_cycle()), None
        if op == "generations":
            g = s.generations()
            return "|".join(",".join(fmt_item(i) for i in batch) for batch in g), g
        if op == "source_nodes":
            return ",".join(fmt_item(i) for i in s.source_nodes()), None
        if op == "upstream_nodes":
            return fmt_set(s.upstream_nodes(t[1])), None
        if op == "state":
            return fmt_state(s.get_epoch_state(E(t[1]))), None
        if op == "exhausted":
            return b(s.exhausted), None
        if op == "epoch_log":
            return ",".join(str(i) for i in sorted(s.epoch_log)), None
        if op == "subepochs":
            parts = []
            for e, subs in s.subepochs.items():
                parts.append(f"{fmt_epoch(e)}=[{','.join(sorted(fmt_epoch(x) for x in subs))}]")
            return " ".join(sorted(parts)), None
        raise SystemExit(f"unknown command {op!r}")


def main() -> None:
    session = Session()
    for line in sys.stdin.read().splitlines():
        line = line.rstrip()
        if not line or line.startswith("#"):
            continue
        text, _ = session.call(line)
        if text is not None:
            print(text)


if __name__ == "__main__":
    main()
