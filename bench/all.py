"""Every benchmark in one run, with the previous run's value beside each figure.

``python -m bench all [--quick]`` measures, in this order:

1. the embedders side by side (torch fp32, ONNX fp32, ONNX int8: passages/s, load time,
   memory, cosine to torch) and ingestion with e5-onnx against its raw embedder;
2. search at 1k / 10k / 100k chunks (p50/p95, recall@5, the BM25 index's build time and
   memory), see :mod:`bench.scale`;
3. grounded ``ask`` in process (p50/p95) and the eligibility engine's ``check all`` p95;
4. the web app under load: 1 / 5 / 20 / 50 concurrent users with one worker per core,
   then 20 users for 60 s (after 15 s unmeasured) with ``ASSISTANT_WORKERS=1`` and with
   one per core (throughput ratio, p95, p99, errors), the resident memory per worker, and
   the cold start of a worker on an existing index (process start to index ready).

Writes ``bench-results/all.json`` (the previous one is kept as ``all.previous.json``) and a
Markdown table ``all.md``. ``--quick`` runs small sizes and short loads (a smoke test of the
whole command, a few minutes); its figures are not comparable with a full run's.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from assistant.config import PROJECT_ROOT, Settings, offline_environment, usable_cores
from bench.common import machine, peak_rss_mb, percentiles, seed_vector_cache

GOALS: dict[str, str] = {
    "embed.onnx_int8_speedup": "≥ 2.5",
    "embed.onnx_int8_cosine_min": "≥ 0.99",
    "ingest.vs_raw": "≥ 0.8",
    "search.10000.p95_ms": "≤ 50",
    "search.100000.p95_ms": "≤ 120",
    "ask.p95_ms": "≤ 300",
    "check_all.p95_ms": "≤ 20",
    "compare.ratio": "≥ 1.8",
    "compare.many.p95_ms": "≤ 800",
    "compare.many.p99_ms": "≤ 2000",
    "compare.many.errors": "0",
    "cold_start.many_s": "≤ 10",
}


def embedders(quick: bool) -> dict[str, Any]:
    """Step 1: the three embedders and ingestion."""
    from bench.embedders import measure

    result = measure(24 if quick else 120)
    figures = {}
    for kind in ("torch-fp32", "onnx-fp32", "onnx-int8"):
        key = kind.replace("-", "_")
        figures[f"embed.{key}_per_s"] = result[kind]["passages_per_s"]
        figures[f"embed.{key}_per_cpu_s"] = result[kind]["passages_per_cpu_s"]
        figures[f"embed.{key}_load_s"] = result[kind]["load_s"]
        figures[f"embed.{key}_rss_mb"] = result[kind]["rss_loaded_mb"]
    figures["embed.onnx_int8_speedup"] = result["onnx-int8"]["speedup_vs_torch"]
    figures["embed.onnx_int8_cpu_speedup"] = result["onnx-int8"]["cpu_speedup_vs_torch"]
    figures["embed.onnx_int8_cosine_min"] = result["onnx-int8"]["cosine_to_torch_min"]
    figures["ingest.chunks_per_s"] = result["ingest_e5_onnx"]["ingest_chunks_per_s"]
    figures["ingest.vs_raw"] = result["ingest_e5_onnx"]["ingest_vs_raw"]
    return {"figures": figures, "detail": result}


def scale(quick: bool, data: Path) -> dict[str, Any]:
    """Step 2: search at several index sizes."""
    from bench.scale import measure

    sizes = [1000] if quick else [1000, 10000, 100000]
    result = measure(sizes, data / "bench-scale", 30 if quick else 144)
    figures = {}
    for size, r in result.items():
        figures[f"search.{size}.p50_ms"] = r["search"]["p50_ms"]
        figures[f"search.{size}.p95_ms"] = r["search"]["p95_ms"]
        figures[f"search.{size}.recall_at_5"] = r["recall_at_5"]
        figures[f"search.{size}.bm25_build_s"] = r["bm25_build_s"]
        figures[f"search.{size}.bm25_mb"] = r["bm25_memory_mb"]
    return {"figures": figures, "detail": result}


def ask(quick: bool, data: Path) -> dict[str, Any]:
    """Step 3a: grounded ask in process with the default embedder (e5), warm."""
    from assistant.factory import build_chat, build_search
    from assistant.search.embeddings import make_embeddings
    from eval.answers import load_answer_set, run, summary

    settings = Settings(data_dir=data / "bench-ask", embeddings="e5")
    seed_vector_cache(settings.data_dir)
    stack = build_search(settings, embeddings=make_embeddings(settings))
    stack.indexer.index_knowledge(stack.knowledge)
    chat = build_chat(settings, stack)
    items = load_answer_set()[: 40 if quick else None]
    run(chat, items[:10])
    results = run(chat, items)
    latency = percentiles([r.ms for r in results])
    stats = summary(results)
    figures = {
        "ask.p50_ms": latency["p50_ms"],
        "ask.p95_ms": latency["p95_ms"],
        "ask.pass_rate": stats["pass_rate"],
    }
    return {"figures": figures, "detail": {"latency": latency, "peak_rss_mb": peak_rss_mb()}}


def check(quick: bool) -> dict[str, Any]:
    """Step 3b: the eligibility engine (bench.check in its own process)."""
    with tempfile.TemporaryDirectory() as tmp:
        runs = "100" if quick else "500"
        subprocess.run(
            [sys.executable, "-m", "bench.check", "--runs", runs, "--out", tmp],
            cwd=PROJECT_ROOT,
            check=True,
            capture_output=True,
        )
        result = json.loads((Path(tmp) / "check.json").read_text())
    return {"figures": {"check_all.p95_ms": result["check_all"]["p95_ms"]}, "detail": result}


def load(quick: bool, data: Path) -> dict[str, Any]:
    """Step 4: load levels, the one-vs-many workers comparison, memory and cold start."""
    from bench.load import _start, run_load, stop, worker_rss_mb

    many = usable_cores()
    folder = data / "bench-load"
    levels_users = [1, 5] if quick else [1, 5, 20, 50]
    level_s, compare_s = (5.0, 10.0) if quick else (30.0, 60.0)
    # Each compared process first serves 20 users unmeasured: a fresh process fills its
    # caches (sentence features, question shapes, vectors) during its first seconds, and the
    # comparison is of the steady state, the same for both.
    warm_s = 3.0 if quick else 15.0
    figures: dict[str, Any] = {}
    detail: dict[str, Any] = {"workers": many}
    proc, base, first_ready = _start(folder, many)  # may index knowledge/ the first time
    try:
        detail["levels"] = [run_load(base, u, level_s, proc) for u in levels_users]
        detail["memory"] = worker_rss_mb(proc)
    finally:
        stop(proc)
    detail["first_start_s"] = first_ready
    for level in detail["levels"]:
        figures[f"load.{level['users']}users.rps"] = level["rps"]
        figures[f"load.{level['users']}users.p95_ms"] = level["latency"]["p95_ms"]
        figures[f"load.{level['users']}users.errors"] = level["errors"]
    figures["rss.worker_max_mb"] = max(detail["memory"]["workers_mb"] or [0])
    figures["rss.chroma_mb"] = detail["memory"]["chroma_mb"]
    compare: dict[str, Any] = {}
    for name, workers in (("one", 1), ("many", many)):
        proc, base, ready = _start(folder, workers)  # the index exists: a cold start
        try:
            run_load(base, 20, warm_s)
            compare[name] = run_load(base, 20, compare_s, proc)
        finally:
            stop(proc)
        compare[name]["workers"] = workers
        compare[name]["cold_start_s"] = ready
        figures[f"cold_start.{name}_s"] = ready
        figures[f"compare.{name}.rps"] = compare[name]["rps"]
        figures[f"compare.{name}.p95_ms"] = compare[name]["latency"]["p95_ms"]
        figures[f"compare.{name}.p99_ms"] = compare[name]["latency"]["p99_ms"]
        figures[f"compare.{name}.errors"] = compare[name]["errors"]
        for role, ms in compare[name]["cpu_ms_per_request"].items():
            figures[f"compare.{name}.cpu_ms.{role}"] = ms
    figures["compare.ratio"] = round(compare["many"]["rps"] / max(compare["one"]["rps"], 1e-9), 2)
    detail["compare"] = compare
    return {"figures": figures, "detail": detail}


def run_steps(quick: bool, data: Path, only: list[str] | None) -> dict[str, Any]:
    """Every step; a failing step is recorded and the others still run."""
    steps: dict[str, Callable[[], dict[str, Any]]] = {
        "embedders": lambda: embedders(quick),
        "scale": lambda: scale(quick, data),
        "ask": lambda: ask(quick, data),
        "check": lambda: check(quick),
        "load": lambda: load(quick, data),
    }
    out: dict[str, Any] = {"figures": {}, "steps": {}}
    for name, step in steps.items():
        if only and name not in only:
            continue
        t0 = time.perf_counter()
        print(f"bench all: {name} …", file=sys.stderr, flush=True)
        try:
            result = step()
            out["figures"].update(result["figures"])
            out["steps"][name] = {"seconds": round(time.perf_counter() - t0, 1), **result}
        except Exception as exc:  # one broken step must not lose the others' figures
            out["steps"][name] = {"error": repr(exc), "trace": traceback.format_exc()[-2000:]}
            print(f"bench all: {name} failed: {exc!r}", file=sys.stderr, flush=True)
    return out


def table(figures: dict[str, Any], previous: dict[str, Any]) -> str:
    """The Markdown table: metric, value, previous value, goal."""
    lines = ["| metric | value | previous | goal |", "|---|---|---|---|"]
    for key, value in figures.items():
        before = previous.get(key, "–")
        lines.append(f"| {key} | {value} | {before} | {GOALS.get(key, '')} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    """Run, compare with the previous run, write all.json and all.md."""
    offline_environment()
    parser = argparse.ArgumentParser(prog="python -m bench all")
    parser.add_argument("--quick", action="store_true", help="small sizes, short loads")
    parser.add_argument("--only", action="append", help="run only this step (repeatable)")
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "bench-results")
    parser.add_argument("--data", type=Path, default=PROJECT_ROOT / "data")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    latest = args.out / "all.json"
    previous: dict[str, Any] = {}
    if latest.is_file():
        previous = json.loads(latest.read_text()).get("figures", {})
        latest.replace(args.out / "all.previous.json")
    result = {
        "machine": machine(),
        "quick": args.quick,
        "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        **run_steps(args.quick, args.data, args.only),
    }
    result["goals"] = GOALS
    latest.write_text(json.dumps(result, indent=1, ensure_ascii=False))
    text = table(result["figures"], previous)
    (args.out / "all.md").write_text(text)
    print(text)
