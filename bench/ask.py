"""Benchmark grounded ``ask`` with the real e5 model, warm, on 2 cores (goal p95 ≤ 300 ms).

Runs every question of eval/sets/answers (fresh session each) after the evaluation's own
warm-up (model, keyword index, the knowledge base's sentence vectors) and a warm-up pass, and
reports per question the wall latency and the CPU time of the process (``time.process_time``:
every thread, so e5's too). On a shared machine the wall figures grow with the load while the
CPU figures do not, so both are reported, with the load average. Also counted: the e5 calls a
question makes (query embeddings, sentences embedded because they were not cached).
Writes bench-results/ask.{json,md}.
Usage: .venv/bin/python -m bench.ask [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from assistant.config import PROJECT_ROOT, Settings, offline_environment
from assistant.factory import build_chat, build_search
from assistant.search.embeddings import CachedEmbeddings, E5Embeddings, NamedEmbeddings
from bench.common import machine, peak_rss_mb, percentiles, seed_vector_cache, write_report
from eval.answers import Graded, load_answer_set, run, summary

P95_GOAL_MS = 300


class CountingEmbeddings(NamedEmbeddings):
    """Passes calls to the model and counts them (what a question costs in e5 calls)."""

    def __init__(self, inner: NamedEmbeddings) -> None:
        """Wrap ``inner``."""
        self.inner = inner
        self.name = inner.name
        self.dimensions = inner.dimensions
        self.queries = 0
        self.documents = 0

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Count the texts, then embed them."""
        self.documents += len(texts)
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        """Count the query, then embed it."""
        self.queries += 1
        return self.inner.embed_query(text)


def main() -> None:
    """Warm up, then time every question (``--repeat`` times)."""
    offline_environment()
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "bench-results")
    parser.add_argument("--data", type=Path, default=PROJECT_ROOT / "data" / "bench-ask")
    parser.add_argument("--repeat", type=int, default=1, help="timed passes over the set")
    args = parser.parse_args()
    from eval.harness import warm_up

    settings = Settings(data_dir=args.data)
    seed_vector_cache(args.data)  # the project's vectors: a first run embeds nothing again
    model = CountingEmbeddings(
        E5Embeddings(PROJECT_ROOT / "data" / "models" / "multilingual-e5-small")
    )
    cache = args.data / "index" / f"{model.name}-vectors.sqlite"
    stack = build_search(settings, embeddings=CachedEmbeddings(model, cache))
    stack.indexer.index_knowledge(stack.knowledge)
    chat = build_chat(settings, stack)
    items = load_answer_set()
    warm_up(stack.retriever, chat)  # as the evaluation does: sentence vectors cached once
    run(chat, items[:20])  # warm-up: model, keyword index, database
    load_before = os.getloadavg()
    results: list[Graded] = []
    cpu_ms: list[float] = []
    queries, documents = model.queries, model.documents
    start = time.perf_counter()
    for _ in range(max(1, args.repeat)):
        for item in items:
            cpu = time.process_time()
            results += run(chat, [item])
            cpu_ms.append((time.process_time() - cpu) * 1000)
    wall = time.perf_counter() - start
    asked = len(results)
    latency = percentiles([r.ms for r in results])
    cpu_stats = percentiles(cpu_ms)
    stats = summary(results[: len(items)])
    result = {
        "machine": machine(),
        "load_average": [round(x, 1) for x in (*load_before, *os.getloadavg())],
        "questions": len(items),
        "asked": asked,
        "latency": latency,
        "cpu": cpu_stats,
        "cpu_ms_per_ask": cpu_stats["mean_ms"],
        "qps": round(asked / wall, 1),
        "cpu_qps": round(1000 / cpu_stats["mean_ms"], 1) if cpu_stats["mean_ms"] else None,
        "query_embeddings_per_ask": round((model.queries - queries) / asked, 2),
        "sentences_embedded_per_ask": round((model.documents - documents) / asked, 2),
        "pass_rate": stats["pass_rate"],
        "peak_rss_mb": peak_rss_mb(),
        "goals": {"p95_ms_max": P95_GOAL_MS},
    }
    rows = [
        ("questions", f"{len(items)} × {max(1, args.repeat)}"),
        ("ask p50 / p95 / p99 (wall)", _triple(latency) + f" (goal p95 ≤ {P95_GOAL_MS} ms)"),
        ("ask p50 / p95 / p99 (CPU)", _triple(cpu_stats)),
        ("CPU per ask (mean)", f"{cpu_stats['mean_ms']} ms"),
        ("throughput", f"{result['qps']} questions/s (1 client)"),
        ("throughput by CPU", f"{result['cpu_qps']} questions per CPU-second"),
        ("e5 query embeddings per ask", str(result["query_embeddings_per_ask"])),
        ("sentences embedded per ask", str(result["sentences_embedded_per_ask"])),
        ("answers passing", f"{stats['pass_rate']:.1%}"),
        ("peak memory", f"{result['peak_rss_mb']} MiB"),
        ("load average (1/5/15 min, before → after)", _load(result["load_average"])),
    ]
    write_report("ask", result, rows, args.out)


def _triple(stats: dict[str, float]) -> str:
    return f"{stats['p50_ms']} / {stats['p95_ms']} / {stats['p99_ms']} ms"


def _load(values: list[float]) -> str:
    return f"{'/'.join(map(str, values[:3]))} → {'/'.join(map(str, values[3:]))}"


if __name__ == "__main__":
    main()
