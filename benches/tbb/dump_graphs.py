"""Write the shared benchmark graphs as text for the C++ side-by-side benchmark.

    python benches/tbb/dump_graphs.py OUT_DIR

Each file `<name>.txt` holds the node count, then one line per node name (in the
generator's topological order), then the edge count, then `from to` index pairs.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "shared" / "bench"))
from workloads import layered, wide  # noqa: E402

GRAPHS = {"layered_10000": layered(100, 100, seed=42), "wide_10000": wide(10000)}


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    out.mkdir(parents=True, exist_ok=True)
    for name, (nodes, edges) in GRAPHS.items():
        index = {node: i for i, node in enumerate(nodes)}
        lines = [str(len(nodes)), *nodes, str(len(edges))]
        lines += [f"{index[a]} {index[b]}" for a, b in edges]
        (out / f"{name}.txt").write_text("\n".join(lines) + "\n")
        print(f"{name}: {len(nodes)} nodes, {len(edges)} edges")


if __name__ == "__main__":
    main()
