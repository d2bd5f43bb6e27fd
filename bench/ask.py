"""Benchmark grounded ``ask`` with the real e5 model, warm, on 2 cores (goal p95 ≤ 300 ms).

Runs every question of eval/sets/answers (fresh session each) after a warm-up pass and
reports latency percentiles, throughput and the pass rate. Writes bench-results/ask.{json,md}.
Usage: .venv/bin/python -m bench.ask
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from assistant.config import PROJECT_ROOT, Settings, offline_environment
from assistant.factory import build_chat, build_search
from assistant.search.embeddings import CachedEmbeddings, E5Embeddings
from bench.common import machine, peak_rss_mb, percentiles, write_report
from eval.answers import load_answer_set, run, summary


def main() -> None:
    """Warm up, then time every question."""
    offline_environment()
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "bench-results")
    parser.add_argument("--data", type=Path, default=PROJECT_ROOT / "data" / "bench-ask")
    args = parser.parse_args()
    settings = Settings(data_dir=args.data)
    raw = E5Embeddings(PROJECT_ROOT / "data" / "models" / "multilingual-e5-small")
    stack = build_search(settings, embeddings=CachedEmbeddings(raw, args.data / "vectors.sqlite"))
    stack.indexer.index_knowledge(stack.knowledge)
    chat = build_chat(settings, stack)
    items = load_answer_set()
    run(chat, items[:20])  # warm-up: model, keyword index, database
    start = time.perf_counter()
    results = run(chat, items)
    wall = time.perf_counter() - start
    latency = percentiles([r.ms for r in results])
    stats = summary(results)
    result = {
        "machine": machine(),
        "questions": len(results),
        "latency": latency,
        "qps": round(len(results) / wall, 1),
        "pass_rate": stats["pass_rate"],
        "peak_rss_mb": peak_rss_mb(),
        "goals": {"p95_ms_max": 300},
    }
    rows = [
        ("questions", str(len(results))),
        ("ask p50", f"{latency['p50_ms']} ms"),
        ("ask p95", f"{latency['p95_ms']} ms (goal ≤ 300 ms)"),
        ("throughput", f"{result['qps']} questions/s (1 client)"),
        ("answers passing", f"{stats['pass_rate']:.1%}"),
        ("peak memory", f"{result['peak_rss_mb']} MiB"),
    ]
    write_report("ask", result, rows, args.out)


if __name__ == "__main__":
    main()
