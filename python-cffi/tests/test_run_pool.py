"""FastScheduler.run() on the library's persistent worker threads: reuse across runs,
concurrent and nested runs, and runs in a forked child."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from noob_core import FastScheduler

FAN = [("src", f"w{i}") for i in range(20)] + [(f"w{i}", "sink") for i in range(20)]


def run_checked(s: FastScheduler, workers: int) -> set[int]:
    """Runs every node once after its dependencies; returns the calling threads."""
    done, threads, lock = set(), set(), threading.Lock()

    def fn(node):
        with lock:
            if node.startswith("w"):
                assert "src" in done
            if node == "sink":
                assert len(done) == 21
            assert node not in done
            done.add(node)
            threads.add(threading.get_ident())

    summary = s.run(fn, workers=workers)
    assert (summary.ran, summary.failed, summary.skipped) == (22, 0, 0)
    assert summary.workers == workers
    return threads


def test_consecutive_runs_reuse_worker_threads():
    s = FastScheduler(FAN)
    me = threading.get_ident()
    helpers: set[int] = set()
    runs = 40
    for _ in range(runs):
        helpers |= run_checked(s, 2) - {me}
    # A thread per run would give about one new thread ident per run that a helper
    # took part in (idents can be reused, so this only bounds from above).
    assert len(helpers) <= runs // 4


def test_concurrent_runs_of_one_scheduler_from_python_threads():
    s = FastScheduler(FAN)
    errors: list[BaseException] = []

    def loop():
        try:
            for workers in (2, 3) * 10:
                run_checked(s, workers)
        except BaseException as error:  # noqa: BLE001 (reported below)
            errors.append(error)

    threads = [threading.Thread(target=loop) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    assert errors == []


def test_a_callback_may_run_a_nested_graph():
    outer = FastScheduler([("a", "b"), ("a", "c"), ("b", "d"), ("c", "d")])
    inner = FastScheduler(FAN)
    counts, lock = [], threading.Lock()

    def fn(node):
        summary = inner.run(lambda _: None, workers=2)
        with lock:
            counts.append(summary.ran)

    summary = outer.run(fn, workers=2)
    assert summary.ran == 4
    assert counts == [22] * 4


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_runs_in_a_forked_child():
    s = FastScheduler(FAN)
    run_checked(s, 2)  # the parent's pool exists now
    pid = os.fork()
    if pid == 0:  # the child: the parent's helper threads are not here
        code = 1
        try:
            for _ in range(5):
                run_checked(s, 2)
            code = 0
        finally:
            sys.stdout.flush()
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    run_checked(s, 2)  # and the parent's pool still works
