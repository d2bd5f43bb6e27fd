"""Shared helpers for benchmarks: percentiles, memory, JSON + Markdown table output."""

from __future__ import annotations

import json
import platform
import resource
import statistics
from pathlib import Path
from typing import Any

from eval.metrics import percentile


def seed_vector_cache(data_dir: Path) -> None:
    """Link the project's built models and copy its passage vectors into a bench data dir, so
    a bench's first start builds no model and its first indexing of knowledge/ embeds nothing
    again (vectors are keyed by text and by embedder, so a copy can never give a wrong one)."""
    import shutil

    from assistant.config import PROJECT_ROOT

    (data_dir / "index").mkdir(parents=True, exist_ok=True)
    models = PROJECT_ROOT / "data" / "models"
    if models.is_dir() and not (data_dir / "models").exists():
        (data_dir / "models").symlink_to(models.resolve(), target_is_directory=True)
    for cache in sorted((PROJECT_ROOT / "data" / "index").glob("*-vectors.sqlite")):
        if not (data_dir / "index" / cache.name).exists():
            shutil.copy(cache, data_dir / "index" / cache.name)


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    """p50/p95/p99/mean/max of latency samples in milliseconds."""
    ordered = sorted(samples_ms)

    def pct(p: float) -> float:
        return round(percentile(ordered, p), 2)  # nearest rank, as the eval harness reports

    return {
        "n": len(ordered),
        "p50_ms": pct(50),
        "p95_ms": pct(95),
        "p99_ms": pct(99),
        "mean_ms": round(statistics.fmean(ordered), 2),
        "max_ms": round(ordered[-1], 2),
    }


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    import os

    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "machine": platform.machine(),
    }


def write_report(name: str, result: dict[str, Any], rows: list[tuple[str, str]], out: Path) -> None:
    """Write ``<name>.json`` and ``<name>.md`` (a two-column table) and print the table."""
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.json").write_text(json.dumps(result, indent=1, ensure_ascii=False))
    table = "| metric | value |\n|---|---|\n" + "\n".join(f"| {k} | {v} |" for k, v in rows)
    (out / f"{name}.md").write_text(table + "\n")
    print(json.dumps(result, indent=1, ensure_ascii=False))
    print(table)
