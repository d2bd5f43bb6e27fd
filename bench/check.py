"""Benchmark the eligibility engine: ``check all`` for one profile, warm, on 2 cores.

Goal: p95 at most 20 ms. Writes bench-results/check.{json,md}.
Usage: .venv/bin/python -m bench.check [--runs 500]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from pathlib import Path

from assistant.config import PROJECT_ROOT
from assistant.core.assessment import assess, checklist
from assistant.core.knowledge import load_knowledge
from assistant.core.profile import validate_profile
from bench.common import machine, peak_rss_mb, percentiles, write_report

PROFILES = PROJECT_ROOT / "assistant" / "web" / "examples"


def main() -> None:
    """Time check-all and checklist for each example profile."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "bench-results")
    args = parser.parse_args()
    t0 = time.perf_counter()
    knowledge = load_knowledge(PROJECT_ROOT / "knowledge")
    load_ms = (time.perf_counter() - t0) * 1000
    profiles = [
        validate_profile(json.loads(p.read_text())) for p in sorted(PROFILES.glob("*.json"))
    ]
    day = dt.date(2026, 11, 22)
    programs = list(knowledge.rules)
    for profile in profiles:  # warm-up
        [assess(knowledge, p, profile, day) for p in programs]
    check_ms, list_ms = [], []
    for i in range(args.runs):
        profile = profiles[i % len(profiles)]
        t0 = time.perf_counter()
        [assess(knowledge, p, profile, day) for p in programs]
        check_ms.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        checklist(knowledge, "hnte", profile, day)
        list_ms.append((time.perf_counter() - t0) * 1000)
    check, cl = percentiles(check_ms), percentiles(list_ms)
    result = {
        "machine": machine(),
        "programs": len(programs),
        "knowledge_load_ms": round(load_ms, 1),
        "check_all": check,
        "checklist_hnte": cl,
        "peak_rss_mb": peak_rss_mb(),
        "goals": {"check_all_p95_ms_max": 20},
    }
    rows = [
        ("programs per check all", str(len(programs))),
        ("knowledge load (cold)", f"{load_ms:.0f} ms"),
        ("check all p50", f"{check['p50_ms']} ms"),
        ("check all p95", f"{check['p95_ms']} ms (goal ≤ 20 ms)"),
        ("checklist (hnte) p95", f"{cl['p95_ms']} ms"),
        ("peak memory", f"{result['peak_rss_mb']} MiB"),
    ]
    write_report("check", result, rows, args.out)


if __name__ == "__main__":
    main()
