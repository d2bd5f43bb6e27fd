"""Cold start: from ``python app.py`` to every worker reporting ``ready``, on an existing index.

``ready`` (``/api/health``) means the index is confirmed against knowledge/ and the embedding
model and keyword index are loaded, so the first question is answered at full speed. The
first start in the data folder indexes knowledge/ (not measured); each measured start after
it finds the index unchanged. Besides the wall time, the CPU seconds the whole process tree
(front, workers, chroma server) spent until ready are reported: on a shared machine the wall
time depends on the other jobs, the CPU time much less.

Usage: .venv/bin/python -m bench.coldstart [--workers 1,2] [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path
from typing import Any

from assistant.config import PROJECT_ROOT, offline_environment
from bench.common import machine, write_report
from bench.load import _start, stop


def tree_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) of a process and all its descendants so far."""
    import psutil

    root = psutil.Process(pid)
    total = 0.0
    for proc in [root, *root.children(recursive=True)]:
        try:
            times = proc.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


def one_start(data: Path, workers: int) -> dict[str, float]:
    """Start, wait until ready, read the tree's CPU time, stop."""
    proc, _, wall = _start(data, workers)
    try:
        cpu = tree_cpu_s(proc.pid)
    finally:
        stop(proc)
    return {"wall_s": wall, "cpu_s": round(cpu, 2)}


def measure(data: Path, worker_counts: list[int], runs: int) -> dict[str, Any]:
    """A first (indexing) start, then ``runs`` cold starts per worker count."""
    first = one_start(data, max(worker_counts))
    out: dict[str, Any] = {"first_start": first}
    for workers in worker_counts:
        starts = [one_start(data, workers) for _ in range(runs)]
        out[str(workers)] = {
            "starts": starts,
            "wall_median_s": round(statistics.median(s["wall_s"] for s in starts), 2),
            "cpu_median_s": round(statistics.median(s["cpu_s"] for s in starts), 2),
        }
    return out


def main() -> None:
    """Run and write bench-results/coldstart.{json,md}."""
    offline_environment()
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "bench-results")
    parser.add_argument("--data", type=Path, default=PROJECT_ROOT / "data" / "bench-load")
    args = parser.parse_args()
    counts = [int(w) for w in args.workers.split(",") if w.strip()]
    result = measure(args.data, counts, args.runs)
    rows = [
        (
            f"cold start, {w} worker(s)",
            f"{result[str(w)]['wall_median_s']} s wall, "
            f"{result[str(w)]['cpu_median_s']} s CPU (median of {args.runs})",
        )
        for w in counts
    ]
    write_report("coldstart", {"machine": machine(), **result}, rows, args.out)


if __name__ == "__main__":
    main()
