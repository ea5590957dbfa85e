"""A small processing pipeline run by noob_core's FastScheduler.

    load -> denoise -> detect ----> report
        \\-> calibrate ------------/

Each stage is a Python function; ``run`` calls each as soon as the stages it
depends on have returned, on two native worker threads. Stages that release the
GIL (numpy, I/O, sleeping) overlap: here ``denoise`` and ``calibrate`` do.
The same graph is then driven step by step, as an event loop would.
"""

from __future__ import annotations

import time

from noob_core import FastScheduler
from noob_core.exceptions import NodeFailedError

results: dict[str, object] = {}


def load() -> None:
    results["raw"] = [((i * 7919) % 101) - 50 + (400 if i % 512 == 0 else 0) for i in range(4096)]


def denoise() -> None:
    time.sleep(0.05)  # stands for work that releases the GIL
    raw = results["raw"]
    results["clean"] = [sum(raw[max(0, i - 2) : i + 3]) / len(raw[max(0, i - 2) : i + 3]) for i in range(len(raw))]


def calibrate() -> None:
    time.sleep(0.05)
    results["gain"] = 1 / max(results["raw"])


def detect() -> None:
    results["events"] = sum(1 for x in results["clean"] if x > 50)


def report() -> None:
    results["mean"] = sum(results["clean"]) * results["gain"] / len(results["clean"])


STAGES = {f.__name__: f for f in (load, denoise, calibrate, detect, report)}
DEPENDS_ON = {"denoise": ["load"], "calibrate": ["load"], "detect": ["denoise"], "report": ["detect", "calibrate"]}


def main() -> None:
    with FastScheduler(DEPENDS_ON) as pipeline:
        start = time.perf_counter()
        summary = pipeline.run(lambda stage: STAGES[stage](), workers=2)
        took = time.perf_counter() - start
        print(
            f"pipeline: {summary.ran} stages on {summary.workers} workers in {took * 1e3:.0f} ms "
            f"(denoise and calibrate overlapped): {results['events']} events, mean {results['mean']:.4f}"
        )
        print("generations:", pipeline.generations())

        # Step by step: hand out what is ready, run it, mark it done.
        steps = []
        while not pipeline.is_done():
            batch = pipeline.get_ready()
            for stage in batch:
                STAGES[stage]()
            pipeline.mark_done_many(batch)
            steps.append(" ".join(batch))
        print("step by step:", " | ".join(steps))

        # A failing stage: its dependents are skipped, the error names it.
        def flaky(stage: str) -> None:
            if stage == "calibrate":
                raise ZeroDivisionError("no signal")
            STAGES[stage]()

        try:
            pipeline.run(flaky, workers=2)
        except NodeFailedError as error:
            print(f"with a failing stage: {error} (skipped: {error.skipped})")


if __name__ == "__main__":
    main()
