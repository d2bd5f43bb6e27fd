"""The embedders side by side: torch fp32, ONNX fp32, ONNX int8 on the same passages.

Each embedder runs in a process of its own (so its load time and memory are its own) over
the same chunk texts of real knowledge articles, sorted by length and batched as the
indexer does. Reports passages/s by the wall clock and per CPU-second (the second is
steadier on a machine shared with other work), the load time, the resident memory after
loading and after the run, each vector's cosine to the torch model's, and one question's
latency with one thread (as a web worker embeds it). Then the full
ingestion pipeline with e5-onnx on the same passages, and its ratio to the raw embedder.

Usage: .venv/bin/python -m bench.embedders [--passages 120] [--out bench-results]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from assistant.config import PROJECT_ROOT, Settings, offline_environment
from bench.common import machine, percentiles, write_report

MODEL_DIR = PROJECT_ROOT / "data" / "models" / "multilingual-e5-small"
KINDS = ("torch-fp32", "onnx-fp32", "onnx-int8")


def sample_texts(n: int) -> list[str]:
    """Chunk texts of the first knowledge articles, as the indexer embeds them."""
    from assistant.core.knowledge import load_knowledge
    from assistant.factory import build_search
    from assistant.search.embeddings import HashingEmbeddings

    knowledge = load_knowledge(PROJECT_ROOT / "knowledge")
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), embeddings="hashing")
        stack = build_search(settings, knowledge=knowledge, embeddings=HashingEmbeddings())
        prepared = [stack.indexer._prepare_article(a, knowledge) for a in knowledge.articles]
    texts = [c.text for p in prepared for c in p.chunks]
    return texts[:n]


def make(kind: str, threads: int = 0) -> Any:
    """The raw embedder of a kind (no vector cache); ``threads`` 0: every core."""
    if kind == "torch-fp32":
        from assistant.search.embeddings import E5Embeddings

        return E5Embeddings(MODEL_DIR, threads=threads)
    from assistant.search.onnx_e5 import OnnxE5Embeddings

    precision = "int8" if kind == "onnx-int8" else "fp32"
    return OnnxE5Embeddings(MODEL_DIR, precision=precision, threads=threads)


def run_one(kind: str, texts: list[str], vectors_out: Path) -> dict[str, Any]:
    """Load one embedder and embed the texts (called in a process of its own)."""
    import psutil

    proc = psutil.Process()
    rss0 = proc.memory_info().rss
    t0 = time.perf_counter()
    emb = make(kind)
    emb.embed_documents(texts[:2])  # loads the model
    load_s = time.perf_counter() - t0
    rss_loaded = proc.memory_info().rss
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    vectors: list[list[float]] = [[] for _ in texts]
    wall0, cpu0 = time.perf_counter(), time.process_time()
    for start in range(0, len(order), 32):
        batch = order[start : start + 32]
        for i, v in zip(batch, emb.embed_documents([texts[i] for i in batch]), strict=True):
            vectors[i] = v
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    np.save(vectors_out, np.asarray(vectors, dtype=np.float32))
    return {
        **question_latency(kind),
        "load_s": round(load_s, 2),
        "rss_loaded_mb": round((rss_loaded - rss0) / 2**20, 1),
        "rss_after_mb": round(proc.memory_info().rss / 2**20, 1),
        "passages_per_s": round(len(texts) / wall, 2),
        "passages_per_cpu_s": round(len(texts) / cpu, 2),
    }


def question_latency(kind: str) -> dict[str, float]:
    """One question at a time with one thread, as a web worker on 2 cores embeds them: the
    cost of a question's vector is mostly reading the weights, not arithmetic."""
    from eval.answers import load_answer_set

    emb = make(kind, threads=1)
    questions = [item.question for item in load_answer_set()][:60]
    emb.embed_query(questions[0])
    times = []
    for question in questions:
        t0 = time.perf_counter()
        emb.embed_query(question)
        times.append((time.perf_counter() - t0) * 1000)
    latency = percentiles(times)
    return {"query_p50_ms": latency["p50_ms"], "query_p95_ms": latency["p95_ms"]}


def ingest_ratio(texts: list[str]) -> dict[str, Any]:
    """The indexing pipeline with e5-onnx vs its raw embedder on the same passages."""
    from assistant.factory import build_search
    from assistant.search.onnx_e5 import OnnxE5Embeddings

    raw = OnnxE5Embeddings(MODEL_DIR)
    raw.embed_documents(texts[:2])
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "docs"
        folder.mkdir()
        for i in range(0, len(texts), 5):  # files of 5 passages, one heading each
            body = "\n".join(f"## 第{j}段\n{t}" for j, t in enumerate(texts[i : i + 5]))
            (folder / f"doc{i:04d}.md").write_text(body, encoding="utf-8")
        settings = Settings(data_dir=Path(tmp) / "data")
        stack = build_search(settings, embeddings=raw, collection="ingest-ratio")
        chunk_texts = [
            c.text
            for p in sorted(folder.glob("*.md"))
            for c in stack.indexer.prepare_file(p).chunks
        ]
        t0 = time.perf_counter()
        raw.embed_documents(sorted(chunk_texts, key=len))
        raw_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        results = stack.indexer.ingest_files([folder])
        pipe_s = time.perf_counter() - t0
    chunks = sum(r.chunks for r in results)
    return {
        "chunks": chunks,
        "raw_passages_per_s": round(len(chunk_texts) / raw_s, 2),
        "ingest_chunks_per_s": round(chunks / pipe_s, 2),
        "ingest_vs_raw": round((chunks / pipe_s) / (len(chunk_texts) / raw_s), 3),
    }


def measure(passages: int) -> dict[str, Any]:
    """Every embedder in its own process, then cosines to torch and the ingestion ratio."""
    texts = sample_texts(passages)
    out: dict[str, Any] = {"passages": len(texts)}
    with tempfile.TemporaryDirectory() as tmp:
        texts_file = Path(tmp) / "texts.json"
        texts_file.write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
        for kind in KINDS:
            done = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "bench.embedders",
                    "--one",
                    kind,
                    "--texts",
                    str(texts_file),
                ],
                cwd=PROJECT_ROOT,
                capture_output=True,
                text=True,
                check=True,
            )
            out[kind] = json.loads(done.stdout.strip().splitlines()[-1])
        base = np.load(Path(tmp) / "torch-fp32.npy")
        for kind in KINDS[1:]:
            cosine = (np.load(Path(tmp) / f"{kind}.npy") * base).sum(axis=1)
            out[kind]["cosine_to_torch_min"] = round(float(cosine.min()), 4)
            out[kind]["cosine_to_torch_mean"] = round(float(cosine.mean()), 4)
    torch_rate = out["torch-fp32"]["passages_per_s"]
    for kind in KINDS[1:]:
        out[kind]["speedup_vs_torch"] = round(out[kind]["passages_per_s"] / torch_rate, 2)
        out[kind]["cpu_speedup_vs_torch"] = round(
            out[kind]["passages_per_cpu_s"] / out["torch-fp32"]["passages_per_cpu_s"], 2
        )
    out["ingest_e5_onnx"] = ingest_ratio(texts)
    return out


def rows(result: dict[str, Any]) -> list[tuple[str, str]]:
    """Table rows of a result."""
    table = []
    for kind in KINDS:
        r = result[kind]
        extra = ""
        if "speedup_vs_torch" in r:
            extra = f" (×{r['speedup_vs_torch']} torch; cosine ≥ {r['cosine_to_torch_min']})"
        table.append((f"{kind} passages/s", f"{r['passages_per_s']}{extra}"))
        table.append((f"{kind} load", f"{r['load_s']} s, +{r['rss_loaded_mb']} MiB"))
        table.append((f"{kind} one question, 1 thread", f"p50 {r['query_p50_ms']} ms"))
    ing = result["ingest_e5_onnx"]
    table.append(("ingestion e5-onnx", f"{ing['ingest_chunks_per_s']} chunks/s"))
    table.append(("ingestion / raw embedder", f"{ing['ingest_vs_raw']:.0%}"))
    return table


def main() -> None:
    """Run the comparison (or, with --one, one embedder for the parent process)."""
    offline_environment()
    parser = argparse.ArgumentParser()
    parser.add_argument("--passages", type=int, default=120)
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "bench-results")
    parser.add_argument("--one", choices=KINDS, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--texts", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        texts = json.loads(args.texts.read_text(encoding="utf-8"))
        print(json.dumps(run_one(args.one, texts, args.texts.parent / f"{args.one}.npy")))
        return
    result = {"machine": machine(), **measure(args.passages)}
    write_report("embedders", result, rows(result), args.out)


if __name__ == "__main__":
    main()
