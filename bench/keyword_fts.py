"""In-memory BM25 vs SQLite FTS5 over the same stored jieba tokens, on a bench.scale index.

The question this answers: would a keyword index persisted in SQLite FTS5 (shared by every
worker on a machine, nothing built at start) rank like the in-memory BM25 and answer fast
enough? For each retrieval gold question it compares the two top-50 keyword rankings
(overlap, and whether the gold article is in the top 5 of each) and times both. FTS5 scores
with its own BM25 (k1 = 1.2) and tokenises the stored tokens with its ``unicode61``
tokenizer over space-separated tokens, so the rankings differ a little; the figures say how
much.

Usage: .venv/bin/python -m bench.keyword_fts [--size 10000]  (after ``bench.scale`` built it)
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from assistant.config import PROJECT_ROOT, Settings, offline_environment
from assistant.core.knowledge import load_knowledge
from assistant.factory import build_search
from assistant.search.chunk_store import StoredChunk
from assistant.search.keyword import KeywordIndex
from assistant.search.onnx_e5 import OnnxE5Embeddings
from bench.common import machine, percentiles, write_report
from eval.sets import load_retrieval_set

TOP = 50


def fts_database(chunks: list[StoredChunk], index: KeywordIndex, path: Path) -> sqlite3.Connection:
    """An FTS5 table of the chunks' index tokens (space-separated), built at ``path``."""
    db = sqlite3.connect(str(path))
    db.execute("CREATE VIRTUAL TABLE kw USING fts5(cid UNINDEXED, tokens)")
    rows = []
    for chunk in chunks:
        terms = index.tokenizer.index_terms(chunk)
        rows.append((chunk.id, " ".join(t for t, n in terms.items() for _ in range(n))))
    with db:
        db.executemany("INSERT INTO kw VALUES (?, ?)", rows)
    return db


def fts_top(db: sqlite3.Connection, terms: list[str]) -> list[str]:
    """The top chunk ids for the query terms, by FTS5's BM25."""
    phrases = " OR ".join('"' + t.replace('"', '""') + '"' for t in dict.fromkeys(terms))
    if not phrases:
        return []
    sql = "SELECT cid FROM kw WHERE kw MATCH ? ORDER BY bm25(kw) LIMIT ?"
    return [row[0] for row in db.execute(sql, (phrases, TOP))]


def memory_top(index: KeywordIndex, query: str) -> list[str]:
    """The top chunk ids of the in-memory BM25 (as the retriever picks its candidates)."""
    scores = index.scores(query)
    part = np.argpartition(-scores, TOP)[:TOP] if len(scores) > TOP else np.arange(len(scores))
    top = part[np.argsort(-scores[part], kind="stable")]
    return [index.chunks[i].id for i in top if scores[i] > 0]


def measure(size: int, data: Path) -> dict[str, Any]:
    """Compare the two indexes on the ``size`` collection of bench.scale."""
    knowledge = load_knowledge(PROJECT_ROOT / "knowledge")
    settings = Settings(data_dir=data / f"scale-{size}")
    stack = build_search(
        settings,
        knowledge=knowledge,
        # The embedder bench.scale recorded; it never loads (only texts and tokens are read).
        embeddings=OnnxE5Embeddings(PROJECT_ROOT / "data" / "models" / "multilingual-e5-small"),
        collection=f"scale-{size}-t",
    )
    chunks = list(stack.store.iter_chunks())
    t0 = time.perf_counter()
    index = KeywordIndex(chunks, stack.retriever.tokenizer)
    memory_build = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        db = fts_database(chunks, index, Path(tmp) / "kw.sqlite")
        fts_build = time.perf_counter() - t0
        items = load_retrieval_set()
        mem_ms, fts_ms, overlap, mem_hits, fts_hits = [], [], [], 0, 0
        for item in items:
            terms = index.tokenizer.query_tokens(item.question)
            t0 = time.perf_counter()
            mem = memory_top(index, item.question)
            mem_ms.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            fts = fts_top(db, terms)
            fts_ms.append((time.perf_counter() - t0) * 1000)
            overlap.append(len(set(mem) & set(fts)) / max(len(mem), 1))
            expected = {f"kb-{e}" for e in item.expected}
            mem_hits += any(cid.split("#")[0] in expected for cid in mem[:5])
            fts_hits += any(cid.split("#")[0] in expected for cid in fts[:5])
        db.close()
    return {
        "chunks": len(chunks),
        "memory_build_s": round(memory_build, 2),
        "fts_build_s": round(fts_build, 2),
        "memory_query": percentiles(mem_ms),
        "fts_query": percentiles(fts_ms),
        "top50_overlap": round(float(np.mean(overlap)), 3),
        "keyword_recall_at_5": {
            "memory": round(mem_hits / len(items), 4),
            "fts": round(fts_hits / len(items), 4),
        },
        "questions": len(items),
    }


def main() -> None:
    """Run and write bench-results/keyword_fts.{json,md}."""
    offline_environment()
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=10000)
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "bench-results")
    parser.add_argument("--data", type=Path, default=PROJECT_ROOT / "data" / "bench-scale")
    args = parser.parse_args()
    r = measure(args.size, args.data)
    rows = [
        ("chunks", str(r["chunks"])),
        ("build: memory / FTS5", f"{r['memory_build_s']} s / {r['fts_build_s']} s"),
        (
            "keyword query p95: memory / FTS5",
            f"{r['memory_query']['p95_ms']} / {r['fts_query']['p95_ms']} ms",
        ),
        ("top-50 overlap", str(r["top50_overlap"])),
        (
            "keyword-only recall@5: memory / FTS5",
            f"{r['keyword_recall_at_5']['memory']} / {r['keyword_recall_at_5']['fts']}",
        ),
    ]
    write_report("keyword_fts", {"machine": machine(), **r}, rows, args.out)


if __name__ == "__main__":
    main()
