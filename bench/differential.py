"""Benchmark the engine against the independent reference (tests/reference/).

Draws ``--n`` profiles concentrated on the rules' lines (default 10,000) from ``--seed``
(default: ``DIFFERENTIAL_SEED`` or a random seed, printed), compares the engine and the
reference condition by condition and reports the disagreements and the throughput.
Writes bench-results/differential.{json,md}; exits 1 on any disagreement.
Usage: .venv/bin/python -m bench.differential [--n 10000] [--seed N]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from assistant.config import PROJECT_ROOT
from assistant.core.knowledge import load_knowledge
from bench.common import machine, peak_rss_mb, write_report


def main() -> None:
    """Run the differential comparison and print JSON and a table."""
    sys.path.insert(0, str(PROJECT_ROOT))  # tests/ holds the reference
    from tests.reference.differential import SEED, run

    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "bench-results")
    args = parser.parse_args()
    knowledge = load_knowledge(PROJECT_ROOT / "knowledge")
    report = run(knowledge, args.n, args.seed)
    result = {
        "machine": machine(),
        "seed": report.seed,
        "profiles": report.profiles,
        "comparisons": report.comparisons,
        "disagreements": report.disagreements,
        "seconds": round(report.seconds, 1),
        "profiles_per_second": round(report.profiles / report.seconds, 1),
        "peak_rss_mb": peak_rss_mb(),
        "by_condition": report.by_condition,
        "examples": report.examples,
    }
    rows = [
        ("seed (DIFFERENTIAL_SEED)", str(report.seed)),
        ("profiles", str(report.profiles)),
        ("condition comparisons", str(report.comparisons)),
        ("disagreements", str(report.disagreements)),
        ("profiles / s", str(result["profiles_per_second"])),
        ("peak RSS MiB", str(result["peak_rss_mb"])),
    ] + [
        (
            cid,
            " ".join(f"{k} {v}" for k, v in counts.items()),
        )
        for cid, counts in sorted(report.by_condition.items())
    ]
    write_report("differential", result, rows, args.out)
    if report.disagreements:
        print(json.dumps(report.examples[:1], ensure_ascii=False, indent=1), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
