"""Search at 1k / 10k / 100k chunks: hybrid latency, recall@5 and the BM25 index's cost.

The index holds the real knowledge articles (embedded with e5-onnx) plus generated
distractor passages: three sentences of the knowledge base each, as ``bench.search``
writes them. Embedding 100,000 passages would take hours on 2 cores, so a distractor's
vector is the normalised mean of the real vectors of its three sentences (each sentence
embedded once with the real model and cached). Such a vector lies where the passage's
meaning is, among the real articles, which is what makes it a distractor; the figures are
for that corpus, not for 100,000 real documents.

For each size: the time to add the distractors to chroma, the in-memory BM25 index's build
time and memory (what every worker pays at start and after each change), BM25 scoring
alone, and the hybrid search's p50/p95 and recall@5 over the retrieval gold set. Recall
counts only the knowledge article the gold item names; a distractor is built from the
knowledge base's own sentences and may quote the very sentence that answers, so recall at
10k/100k is a lower bound of what a reader would judge relevant.

Usage: .venv/bin/python -m bench.scale [--sizes 1000,10000,100000] [--queries 144]
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path
from typing import Any

import numpy as np

from assistant.config import PROJECT_ROOT, Settings, offline_environment
from assistant.core.chunking import sentences
from assistant.core.knowledge import Knowledge, load_knowledge
from assistant.factory import SearchStack, build_search
from assistant.search.chunk_store import StoredChunk
from assistant.search.embeddings import CachedEmbeddings, NamedEmbeddings
from assistant.search.keyword import KeywordIndex, Tokenizer
from assistant.search.onnx_e5 import OnnxE5Embeddings
from bench.common import machine, percentiles, write_report
from eval.sets import load_retrieval_set

MODEL_DIR = PROJECT_ROOT / "data" / "models" / "multilingual-e5-small"


def distractors(
    knowledge: Knowledge, embeddings: NamedEmbeddings, tokenizer: Tokenizer, n: int, seed: int = 7
) -> tuple[list[StoredChunk], np.ndarray]:
    """``n`` generated passages and their vectors (mean of real sentence vectors), with their
    BM25 tokens stored as ingestion stores them."""
    pool = sorted({s for a in knowledge.articles for s in sentences(a.body) if len(s) >= 12})
    sentence_vectors = np.asarray(embeddings.embed_documents(pool), dtype=np.float32)
    rng = random.Random(seed)
    chunks, vectors = [], np.zeros((n, sentence_vectors.shape[1]), dtype=np.float32)
    for i in range(n):
        picks = rng.sample(range(len(pool)), 3)
        text = "".join(pool[j] for j in picks)
        doc = f"gen-{i // 50:05d}"
        meta: dict[str, str | int | float | bool] = {
            "doc_id": doc,
            "doc_type": "upload",
            "program": "",
            "title": f"第{i // 50}篇",
            "chunk_index": i % 50,
            "article": f"第{i % 50 + 1}段",
            "display": text,
            "content_hash": doc,
        }
        chunk = StoredChunk(f"{doc}#{i % 50:04d}", text, meta)
        chunks.append(StoredChunk(chunk.id, text, {**meta, **tokenizer.stored_terms(chunk)}))
        mean = sentence_vectors[picks].mean(axis=0)
        vectors[i] = mean / np.linalg.norm(mean)
    return chunks, vectors


def rss_mb() -> float:
    """Resident memory of this process now (MiB)."""
    import psutil

    return float(psutil.Process().memory_info().rss / 2**20)


def one_size(
    size: int, data: Path, embeddings: NamedEmbeddings, knowledge: Knowledge, queries: int
) -> dict[str, Any]:
    """Build (or reuse) an index of ``size`` chunks and measure it."""
    settings = Settings(data_dir=data / f"scale-{size}")
    stack: SearchStack = build_search(
        settings, knowledge=knowledge, embeddings=embeddings, collection=f"scale-{size}-t"
    )
    stack.indexer.index_knowledge(knowledge)
    articles = stack.store.count()
    add_s = None
    if stack.store.count() < size:
        tokenizer = stack.retriever.tokenizer
        chunks, vectors = distractors(knowledge, embeddings, tokenizer, max(0, size - articles))
        t0 = time.perf_counter()
        stack.store.add(chunks, vectors.tolist())
        add_s = round(time.perf_counter() - t0, 1)
    total = stack.store.count()

    before = rss_mb()
    t0 = time.perf_counter()
    chunks_all = list(stack.store.iter_chunks())
    fetch_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    index = KeywordIndex(chunks_all, stack.retriever.tokenizer)
    build_s = time.perf_counter() - t0
    bm25_mb = rss_mb() - before
    del index, chunks_all

    items = load_retrieval_set()[:queries]
    stack.retriever.keyword_index()  # built once, as a warm worker has it
    for item in items[:10]:
        stack.retriever.search(item.question, 5)
    hybrid, keyword_only, hits = [], [], 0
    index = stack.retriever.keyword_index()
    for item in items:
        t0 = time.perf_counter()
        found = stack.retriever.search(item.question, 5)
        hybrid.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        index.scores(item.question)
        keyword_only.append((time.perf_counter() - t0) * 1000)
        expected = {f"kb-{e}" for e in item.expected}
        hits += any(p.doc_id in expected for p in found)
    return {
        "chunks": total,
        "chroma_add_s": add_s,
        "bm25_fetch_s": round(fetch_s, 1),
        "bm25_build_s": round(build_s, 1),
        "bm25_memory_mb": round(bm25_mb, 1),
        "bm25_score": percentiles(keyword_only),
        "search": percentiles(hybrid),
        "recall_at_5": round(hits / len(items), 4),
        "questions": len(items),
    }


def measure(sizes: list[int], data: Path, queries: int) -> dict[str, Any]:
    """Every size, smallest first."""
    knowledge = load_knowledge(PROJECT_ROOT / "knowledge")
    raw = OnnxE5Embeddings(MODEL_DIR)
    embeddings = CachedEmbeddings(raw, data / f"{raw.name}-vectors.sqlite")
    return {str(n): one_size(n, data, embeddings, knowledge, queries) for n in sorted(sizes)}


def rows(result: dict[str, Any]) -> list[tuple[str, str]]:
    """Table rows of a result."""
    table = []
    for size, r in result.items():
        s = r["search"]
        table.append((f"search p50/p95 @{size}", f"{s['p50_ms']} / {s['p95_ms']} ms"))
        table.append((f"recall@5 @{size}", f"{r['recall_at_5']}"))
        table.append(
            (
                f"BM25 @{size}",
                f"build {r['bm25_build_s']} s (+{r['bm25_fetch_s']} s fetch), "
                f"{r['bm25_memory_mb']} MiB, score p95 {r['bm25_score']['p95_ms']} ms",
            )
        )
    return table


def main() -> None:
    """Run the sizes and write bench-results/scale.{json,md}."""
    offline_environment()
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--queries", type=int, default=144)
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "bench-results")
    parser.add_argument("--data", type=Path, default=PROJECT_ROOT / "data" / "bench-scale")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    result = measure(sizes, args.data, args.queries)
    write_report("scale", {"machine": machine(), "sizes": result}, rows(result), args.out)


if __name__ == "__main__":
    main()
