"""FastEventStore from Python, side by side with the Python nested-dict store
(``DictStore`` from the shared baselines) and noob 1003.0.2's EventStore, on the
shared 1M-event workload (``workloads.events``, 64 B values, 20 events per epoch).

    python benches/python/bench_event_store.py [--n 1000000] [--repeats 3] [--ours python-cffi]

noob 1003.0.2 needs the PyO3 ``noob-core`` 0.2.1, which is also imported as
``noob_core``. So run this in a venv holding ``noob==1003.0.2 noob-core==0.2.1``
and pass ``--ours`` the folder that holds *our* built ``noob_core`` package (after
``pip install -e ./python-cffi`` or ``python setup.py build_ext --inplace`` there):
it is then loaded under the name ``noob_core_cffi``. Without noob installed, the
noob column is left out; without ``--ours``, ``import noob_core`` must be ours.

Rows, as in /work/shared/docs/baselines.md: adds with the garbage collector on
(wall time per event, median of the repeats, the three stores interleaved in each
repeat so that machine noise hits them alike); cold gets (every event once, in a
scattered order: ``lookup_keys(n, mode='cold')``); cached gets (1,000 hot keys
cycled); batch get of one 1,000-key list (``batch_keys``; noob has no batch call,
so its row is a list comprehension of ``get``); clear_epoch of every epoch; memory
per stored event (RSS growth while adding, each store in a fresh subprocess, with
values made as they are added, as a real producer would); and two threads against
one store next to one thread doing the same work (FastEventStore calls release the
GIL; the dict store's cannot run in parallel).
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import timeit
from pathlib import Path

SHARED = Path(__file__).resolve().parents[3] / "shared" / "bench"
sys.path.insert(0, str(SHARED))
import workloads as w  # noqa: E402
from baseline_bench import DictStore  # noqa: E402


def load_ours(folder: str | None):
    """Our noob_core package: ``import noob_core``, or from ``folder`` under an alias."""
    if folder is None:
        import noob_core

        if not hasattr(noob_core, "FastEventStore"):
            raise SystemExit("this noob_core is not ours (no FastEventStore): pass --ours")
        return noob_core
    pkg = Path(folder).resolve() / "noob_core"
    spec = importlib.util.spec_from_file_location(
        "noob_core_cffi", pkg / "__init__.py", submodule_search_locations=[str(pkg)]
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["noob_core_cffi"] = module
    spec.loader.exec_module(module)
    return module


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


# ------------------------------------------------------------------ drivers


def drive_add(add, evs):
    for node, sig, ep, val, ts in evs:
        add(node, sig, ep, val, ts)


def drive_add1(add, evs):
    for ev in evs:
        add(ev)


def drive_get(get, keys):
    for node, sig, ep in keys:
        get(node, sig, ep)


def timed(fn, gc_on: bool = True) -> tuple[float, float]:
    """(wall, cpu) seconds of one call, GC on by default (as in a real program)."""
    gc.collect()
    if not gc_on:
        gc.disable()
    c0, t0 = time.process_time(), time.perf_counter()
    fn()
    t1, c1 = time.perf_counter(), time.process_time()
    gc.enable()
    return t1 - t0, c1 - c0


def micro(stmt: str, glb: dict, repeats: int) -> list[float]:
    t = timeit.Timer(stmt, globals=glb)
    number, _ = t.autorange()
    return [x / number for x in t.repeat(repeats, number)]


class Results:
    def __init__(self) -> None:
        self.rows: dict[str, dict[str, list[float]]] = {}
        self.cpu: dict[str, dict[str, list[float]]] = {}

    def add(self, row: str, impl: str, seconds: float, cpu: float | None = None) -> None:
        self.rows.setdefault(row, {}).setdefault(impl, []).append(seconds)
        if cpu is not None:
            self.cpu.setdefault(row, {}).setdefault(impl, []).append(cpu)

    def median(self, row: str, impl: str) -> float | None:
        got = self.rows.get(row, {}).get(impl)
        return statistics.median(got) if got else None


# ------------------------------------------------------------------ memory (subprocess)


def memory_child(kind: str, n: int, ours_folder: str | None) -> None:
    """Print the RSS growth per event of filling one store with n events."""
    if kind == "ours":
        nc = load_ours(ours_folder)
        store = nc.FastEventStore(cache_size=0)
        add = store.add_event
    elif kind == "dict":
        store = DictStore()
        add = store.add_event
    else:
        from noob.event import EventMaker
        from noob.store import EventStore
        from noob_core import Epoch

        store = EventStore()
        maker = EventMaker(prefix=1)
        epochs = [Epoch(i) for i in range(n // w.EVENTS_PER_EPOCH + 1)]
    gc.collect()
    before = rss_bytes()
    if kind == "noob":
        for node, sig, ep, val, ts in w.events(n):
            store.add(maker.new_event(val, epochs[ep], node_id=node, signal=sig, timestamp=ts))
    else:
        for node, sig, ep, val, ts in w.events(n):  # values made as they are added
            add(node, sig, ep, val, ts)
    gc.collect()
    after = rss_bytes()
    print(json.dumps({"kind": kind, "bytes_per_event": (after - before) / n}))


def memory_rows(kinds: list[str], n: int, ours_folder: str | None, res: Results) -> None:
    for kind in kinds:
        cmd = [sys.executable, __file__, "--memory-child", kind, "--n", str(n)]
        if ours_folder:
            cmd += ["--ours", ours_folder]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        res.add("memory", kind, json.loads(out.strip().splitlines()[-1])["bytes_per_event"])


# ------------------------------------------------------------------ GIL


def gil_rows(nc, n: int) -> None:
    """Does a long library call let other Python threads run? A ticker thread
    loops on time.perf_counter(); we record its longest gap while the main thread
    is inside one call. A call holding the GIL stalls the ticker for its whole
    length; one that releases it stalls it for scheduling slices only. This does
    not depend on how many cores are free, unlike a speed-up."""
    evs = list(w.events(n))
    store = nc.FastEventStore(cache_size=0)
    store.add_events(evs[:1000])  # names interned, store warm
    keys = w.lookup_keys(n, n, mode="cold")
    evs_by_epoch = evs  # one call adding n events
    numbers = [((i * 2654435761) % 1_000_003) for i in range(n * 3)]
    es = sys.modules[type(store).__module__]
    ids = store._ids
    n_ids = array_of("I", [ids[k[0]] for k in keys])
    s_ids = array_of("I", [ids[k[1]] for k in keys])
    e_ids = array_of("Q", [k[2] for k in keys])
    ffi, lib = es.ffi, es.lib
    counts = ffi.new("size_t[]", len(keys))
    out = ffi.new("noob_event_list **")

    def native_batch_get():  # one cffi call: n cold gets inside the library
        code = lib.noob_event_store_get_batch(
            store._handle, len(keys), ffi.from_buffer("uint32_t[]", n_ids), ffi.from_buffer("uint32_t[]", s_ids),
            ffi.from_buffer("uint64_t[]", e_ids), counts, out,
        )
        assert code == 0
        lib.noob_event_list_free(out[0])

    add_nodes = array_of("I", [store.intern(e[0]) for e in evs_by_epoch])
    add_signals = array_of("I", [store.intern(e[1]) for e in evs_by_epoch])
    add_epochs = array_of("Q", [e[2] for e in evs_by_epoch])
    add_stamps = array_of("d", [e[4] for e in evs_by_epoch])
    add_values = b"".join(e[3] for e in evs_by_epoch)
    add_lens = ffi.new("size_t[]", [len(e[3]) for e in evs_by_epoch])

    def native_add():  # one cffi call adding n events
        code = lib.noob_event_store_add_batch(
            store._handle, n, ffi.from_buffer("uint32_t[]", add_nodes), ffi.from_buffer("uint32_t[]", add_signals),
            ffi.from_buffer("uint64_t[]", add_epochs), ffi.from_buffer("double[]", add_stamps), add_values,
            len(add_values), add_lens, ffi.NULL,
        )
        assert code == 0

    rows = [
        (f"noob_event_store_get_batch, {n:,} cold keys, one cffi call", native_batch_get),
        (f"noob_event_store_add_batch of {n:,} events, one cffi call", native_add),
        (f"list.sort() of {len(numbers):,} ints (C code holding the GIL, for contrast)", lambda: sorted(numbers)),
    ]
    print("\nGIL: longest stall of a Python ticker thread while the main thread is in one call\n")
    print("| call | call time | ticker's longest gap | ticks during the call |")
    print("|---|---|---|---|")
    for label, fn in rows:
        state = {"on": False, "stop": False}
        gaps = []

        def ticker():
            last = time.perf_counter()
            longest, ticks = 0.0, 0
            while not state["stop"]:
                now = time.perf_counter()
                if state["on"]:
                    longest = max(longest, now - last)
                    ticks += 1
                last = now
            gaps.append((longest, ticks))

        gc.collect()
        gc.disable()  # a collection would stall the ticker whatever the call does
        t = threading.Thread(target=ticker)
        t.start()
        time.sleep(0.05)
        state["on"] = True
        t0 = time.perf_counter()
        fn()
        t1 = time.perf_counter()
        state["on"] = False
        state["stop"] = True
        t.join()
        gc.enable()
        longest, ticks = gaps[0]
        print(f"| {label} | {fmt_time(t1 - t0)} | {fmt_time(longest)} | {ticks:,} |")

    # The machine's own ceiling for a two-thread speed-up: hashlib releases the GIL
    # for large inputs, so two threads hashing run in parallel if two cores are free.
    import hashlib

    data = bytes(100_000_000)
    print("\nControl: two threads hashing 100 MB each (hashlib releases the GIL)\n")
    print("| threads | wall | cpu/wall |")
    print("|---|---|---|")
    for k in (1, 2):
        wall, cpu = run_threads([threading.Thread(target=lambda: hashlib.sha256(data).digest()) for _ in range(k)])
        print(f"| {k} | {fmt_time(wall)} | {cpu / wall:.2f} |")

    frame_rows(nc)


def frame_rows(nc, frames: int = 1200, size: int = 1 << 20) -> None:
    """Camera frames: 1 MiB values added one `add_event` at a time to one
    bounded store, by one thread, then split over two threads (a camera each).
    The store copies each frame with the GIL released, so two Python threads
    add in parallel when two cores are free."""
    frame = bytes(range(256)) * (size // 256)
    print(f"\nCamera frames: {frames:,} frames of {size >> 20} MiB each, add_event, one store (cache_size=256)\n")
    print("| threads | wall | per frame | GB/s | cpu/wall | speed-up |")
    print("|---|---|---|---|---|---|")
    one = None
    for k in (1, 2, 1, 2):
        store = nc.FastEventStore(cache_size=256)

        def camera(index, count=frames // k, store=store):
            add = store.add_event
            node = f"camera{index}"
            for epoch in range(count):
                add(node, "frame", epoch, frame, 0.0)

        wall, cpu = run_threads([threading.Thread(target=camera, args=(i,)) for i in range(k)])
        assert store.stats().added == frames
        store.close()
        one = wall if k == 1 else one
        print(
            f"| {k} | {fmt_time(wall)} | {fmt_time(wall / frames)} | {frames * size / wall / 1e9:.1f} "
            f"| {cpu / wall:.2f} | {one / wall:.2f}x |"
        )


def run_threads(threads: list[threading.Thread]) -> tuple[float, float]:
    """Starts and joins `threads`; returns (wall seconds, process CPU seconds)."""
    c0, t0 = time.process_time(), time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - t0, time.process_time() - c0


def array_of(code, items):
    from array import array

    return array(code, items)


# ------------------------------------------------------------------ main


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--ours", default=None, help="folder holding our built noob_core package")
    ap.add_argument("--no-noob", action="store_true")
    ap.add_argument("--gil", action="store_true", help="only the GIL rows (quick)")
    ap.add_argument("--memory-child", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    n, repeats = args.n, args.repeats
    if args.memory_child:
        memory_child(args.memory_child, n, args.ours)
        return

    nc = load_ours(args.ours)
    if args.gil:
        gil_rows(nc, n)
        return
    FastEventStore = nc.FastEventStore
    noob = None
    if not args.no_noob:
        try:
            from noob.event import EventMaker
            from noob.store import EventStore
            from noob_core import Epoch

            noob = (EventMaker, EventStore, Epoch)
        except ImportError as exc:
            print(f"# noob not importable ({exc}); its column is left out", file=sys.stderr)

    t0 = time.perf_counter()
    evs = list(w.events(n))
    cold = w.lookup_keys(n, mode="cold")
    hot = w.lookup_keys(n, n, mode="cached")
    batch = w.batch_keys(n, 1000)
    n_epochs = n // w.EVENTS_PER_EPOCH
    impls = ["ours", "dict"]
    if noob:
        EventMaker, EventStore, Epoch = noob
        epochs = [Epoch(i) for i in range(n_epochs + 1)]
        maker = EventMaker(prefix=1)
        nevs = [
            maker.new_event(val, epochs[ep], node_id=node, signal=sig, timestamp=ts) for node, sig, ep, val, ts in evs
        ]
        cold_n = [(a, b, epochs[e]) for a, b, e in cold]
        hot_objs: dict = {}
        hot_n = [hot_objs.setdefault(k, (k[0], k[1], epochs[k[2]])) for k in hot]
        batch_n = [(a, b, epochs[e]) for a, b, e in batch]
        impls.append("noob")
    print(f"# workload ready in {time.perf_counter() - t0:.1f} s; load {os.getloadavg()[0]:.1f}", file=sys.stderr)

    res = Results()

    def make(impl):
        if impl == "ours":
            return FastEventStore(cache_size=0)
        if impl == "dict":
            return DictStore()
        return EventStore()

    def fill(impl, store):
        if impl == "noob":
            drive_add1(store.add, nevs)
        else:
            drive_add(store.add_event, evs)

    # Adds, GC on, interleaved. Our batch add in 1,000-event calls too.
    chunks = [evs[i : i + 1000] for i in range(0, n, 1000)]
    for r in range(repeats):
        for impl in impls:
            store = make(impl)
            wall, cpu = timed(lambda: fill(impl, store))
            res.add("add", impl, wall / n, cpu / n)
            del store
            gc.collect()
        store = FastEventStore(cache_size=0)

        def add_chunks(add_events=store.add_events):
            for c in chunks:
                add_events(c)  # ids dropped, as drive_add drops add_event's

        wall, cpu = timed(add_chunks)
        res.add("add batch", "ours", wall / n, cpu / n)
        del store
        print(f"# add repeat {r + 1}/{repeats} done", file=sys.stderr)

    # Gets against one filled store each.
    stores = {}
    for impl in impls:
        stores[impl] = make(impl)
        fill(impl, stores[impl])
    first = cold[0]
    check = stores["ours"].get_events(*first)
    assert check and check[0].node_id == first[0]
    assert [e.value for e in check] == [v for _, v, _ in stores["dict"].get_events(*first)]
    keys = {"ours": (cold, hot, batch), "dict": (cold, hot, batch)}
    if noob:
        keys["noob"] = (cold_n, hot_n, batch_n)
    for r in range(repeats):
        for impl in impls:
            get = stores[impl].get if impl == "noob" else stores[impl].get_events
            c, h, _ = keys[impl]
            wall, cpu = timed(lambda: drive_get(get, c))
            res.add("get cold", impl, wall / n, cpu / n)
            wall, cpu = timed(lambda: drive_get(get, h))
            res.add("get cached", impl, wall / n, cpu / n)
    # Where a cold get's time goes: the two cffi calls alone, names already ids.
    es = sys.modules[type(stores["ours"]).__module__]
    ids = stores["ours"]._ids
    cold_ids = [(ids[a], ids[b], e) for a, b, e in cold]
    lst, views, size, _, _ = es._tls.get
    handle, get_into, list_views = stores["ours"]._handle, es._get_into, es._views

    def floor():
        for a, b, e in cold_ids:
            get_into(handle, a, b, e, lst)
            list_views(lst, views, size)

    for r in range(repeats):
        wall, cpu = timed(floor)
        res.add("get cold floor", "ours", wall / n, cpu / n)
    del cold_ids
    # Where a batch get's time goes: the library's part (one cffi call refilling the
    # thread's list, names already ids, arrays ready) and the Python objects' part
    # (building the same FastEvent lists again from that list's views).
    b_ours = keys["ours"][2]
    b_nodes, b_signals, b_epochs = zip(*b_ours)
    b_count = len(b_ours)
    b_arrays = (
        es._from_buffer("uint32_t[]", array_of("I", [ids[x] for x in b_nodes])),
        es._from_buffer("uint32_t[]", array_of("I", [ids[x] for x in b_signals])),
        es._from_buffer("uint64_t[]", array_of("Q", b_epochs)),
    )
    b_counts = es.ffi.new("size_t[]", b_count)
    b_counts_addr = int(es.ffi.cast("uintptr_t", b_counts))
    _, _, _, views_addr, size_addr = es._tls.get
    names = stores["ours"]._names

    def batch_library():
        assert not es._batch_into(handle, b_count, *b_arrays, b_counts, lst)
        list_views(lst, views, size)

    def batch_objects():
        es._grouped(views_addr, size_addr, b_counts_addr, b_count, names, b_nodes, b_signals, b_epochs)

    glb = {"lib": batch_library, "objs": batch_objects}
    for x in micro("lib()", glb, max(5, repeats)):
        res.add("batch library", "ours", x / b_count)
    batch_library()
    for x in micro("objs()", glb, max(5, repeats)):
        res.add("batch objects", "ours", x / b_count)
    for impl in impls:
        b = keys[impl][2]
        if impl == "noob":
            s = micro("[g(a, b, e) for a, b, e in keys]", {"g": stores[impl].get, "keys": b}, max(5, repeats))
        else:
            s = micro("bg(keys)", {"bg": stores[impl].batch_get_events, "keys": b}, max(5, repeats))
        for x in s:
            res.add("batch get", impl, x / len(b))
    print("# gets done", file=sys.stderr)

    # Two threads on one store (each half of the cold keys / half of the adds) next
    # to one thread doing all of it. Only the library's work runs in parallel.
    for r in range(repeats):
        for impl in ("ours", "dict"):
            store = stores[impl]
            get = store.get_events
            halves = [cold[0::2], cold[1::2]]
            wall1, cpu1 = timed(lambda: drive_get(get, cold))
            threads = [threading.Thread(target=drive_get, args=(get, half)) for half in halves]

            def run_threads():
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()

            wall2, cpu2 = timed(run_threads)
            res.add("get cold, 1 thread", impl, wall1 / n, cpu1 / wall1)
            res.add("get cold, 2 threads", impl, wall2 / n, cpu2 / wall2)
            # Batch gets: 2 threads x 200 batches vs 1 thread x 400.
            bg = store.batch_get_events
            wall1, cpu1 = timed(lambda: [bg(batch) for _ in range(400)])
            threads = [threading.Thread(target=lambda: [bg(batch) for _ in range(200)]) for _ in range(2)]
            wall2, cpu2 = timed(run_threads)
            res.add("batch get, 1 thread", impl, wall1 / 400_000, cpu1 / wall1)
            res.add("batch get, 2 threads", impl, wall2 / 400_000, cpu2 / wall2)
    print("# threads done", file=sys.stderr)

    # clear_epoch of every epoch (the first repeat reuses the stores filled for the gets).
    for r in range(repeats):
        for impl in impls:
            store = stores.pop(impl, None)
            if store is None:
                store = make(impl)
                fill(impl, store)
            if impl == "noob":
                clear, targets = store.clear, epochs[:n_epochs]
            else:
                clear, targets = store.clear_epoch, range(n_epochs)
            wall, cpu = timed(lambda: [clear(e) for e in targets])
            res.add("clear_epoch", impl, wall / n_epochs, cpu / n_epochs)
            del store, clear
            gc.collect()
    del evs, chunks
    if noob:
        del nevs
    gc.collect()
    memory_rows(impls, n, args.ours, res)
    report(res, impls, n, repeats)
    gil_rows(nc, n)


def fmt_time(s: float | None) -> str:
    if s is None:
        return "n/a"
    if s >= 1e-3:
        return f"{s * 1e3:.2f} ms"
    if s >= 1e-6:
        return f"{s * 1e6:.2f} µs"
    return f"{s * 1e9:.0f} ns"


def report(res: Results, impls: list[str], n: int, repeats: int) -> None:
    import importlib.metadata as md

    noob_v = ""
    if "noob" in impls:
        noob_v = f" {md.version('noob')}"
    print(f"\nFastEventStore, {n:,} events, median of {repeats} repeats (batch get: >= 5); load {os.getloadavg()[0]:.1f}\n")
    head = "| row | FastEventStore | Python nested dict | dict / ours | goal | met? |"
    sep = "|---|---|---|---|---|---|"
    if "noob" in impls:
        head = head.replace("| dict / ours |", f"| noob{noob_v} EventStore | dict / ours | noob / ours |")
        sep += "---|---|"
    print(head)
    print(sep)
    goals = {"add": 3.0, "get cold": 2.0, "batch get": 3.0}
    labels = {
        "add": "add_event, GC on, per event",
        "add batch": "add_events (1,000 per call), GC on, per event",
        "get cold": "get_events cold (1M distinct keys, scattered)",
        "get cold floor": "(cold: the library's get through two cffi calls, ids pre-interned)",
        "get cached": "get_events cached (1,000 hot keys cycled)",
        "batch get": "batch_get_events, 1,000 keys, per key",
        "batch library": "(batch: the library's part, one cffi call + views)",
        "batch objects": "(batch: building the FastEvent lists alone)",
        "clear_epoch": "clear_epoch (20 events), per epoch",
    }
    for row, label in labels.items():
        ours = res.median(row, "ours")
        d = res.median("add" if row == "add batch" else row, "dict")
        cells = [label, fmt_time(ours), fmt_time(d)]
        if "noob" in impls:
            nb = res.median("add" if row == "add batch" else row, "noob")
            cells.append(fmt_time(nb))
        ratio = d / ours if d and ours else None
        cells.append(f"{ratio:.2f}x" if ratio else "n/a")
        if "noob" in impls:
            cells.append(f"{nb / ours:.2f}x" if nb and ours else "n/a")
        goal = goals.get(row)
        cells.append(f">= {goal:.0f}x vs dict" if goal else "")
        cells.append(("yes" if ratio >= goal else "**no**") if goal and ratio else "")
        print("| " + " | ".join(cells) + " |")
    ours, d = res.median("memory", "ours"), res.median("memory", "dict")
    cells = ["memory per stored event (RSS growth)", f"{ours:.0f} B", f"{d:.0f} B"]
    if "noob" in impls:
        nb = res.median("memory", "noob")
        cells.append(f"{nb:.0f} B")
    cells.append(f"{d / ours:.2f}x less" if ours > 0 else "n/a")
    if "noob" in impls:
        cells.append(f"{nb / ours:.2f}x less" if ours > 0 else "n/a")
    cells += ["<= 1/3 of dict", "yes" if ours * 3 <= d else "**no**"]
    print("| " + " | ".join(cells) + " |")

    print("\nTwo threads against one store (same work split in two) vs one thread; wall time per")
    print("key, and the process's CPU seconds per wall second (above 1: threads ran at once):\n")
    print("| row | FastEventStore 1 thread | 2 threads | speed-up | dict 1 thread | 2 threads | speed-up |")
    print("|---|---|---|---|---|---|---|")

    def par(row, impl):
        got = res.cpu.get(row, {}).get(impl)
        return f"{statistics.median(got):.2f}" if got else "?"

    for row in ("get cold", "batch get"):
        r1, r2 = f"{row}, 1 thread", f"{row}, 2 threads"
        o1, o2 = res.median(r1, "ours"), res.median(r2, "ours")
        d1, d2 = res.median(r1, "dict"), res.median(r2, "dict")
        print(
            f"| {row}, per key | {fmt_time(o1)} (cpu/wall {par(r1, 'ours')}) | {fmt_time(o2)} "
            f"(cpu/wall {par(r2, 'ours')}) | {o1 / o2:.2f}x | {fmt_time(d1)} (cpu/wall {par(r1, 'dict')}) | "
            f"{fmt_time(d2)} (cpu/wall {par(r2, 'dict')}) | {d1 / d2:.2f}x |"
        )
    raw = {row: {impl: v for impl, v in impls_.items()} for row, impls_ in res.rows.items()}
    print("\n<!-- raw per-op seconds: " + json.dumps(raw) + " -->")


if __name__ == "__main__":
    main()
