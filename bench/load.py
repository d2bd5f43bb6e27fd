"""Load: concurrent users asking the running web app (loopback only).

Starts ``python app.py`` (``--workers`` processes) on a free loopback port with the real
model, waits until the index is ready, then for each level N threads post questions from
eval/sets/answers to ``/api/ask`` until the time is up. Reports requests, errors, latency
percentiles and throughput per level, the time from start to ready, and the resident memory
of each worker, as JSON and a table (bench-results/load.{json,md}). Stops by itself.
Usage: .venv/bin/python -m bench.load [--users 1,5,20,50] [--seconds 60] [--workers N]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

from assistant.config import PROJECT_ROOT, usable_cores
from bench.common import machine, percentiles, seed_vector_cache, write_report
from eval.answers import load_answer_set


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _post(url: str, body: dict[str, object]) -> int:
    req = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"content-type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=60) as resp:
        resp.read()
        return int(resp.status)


def _start(data: Path, workers: int = 1) -> tuple[subprocess.Popen[bytes], str, float]:
    """Start the app with the real model on a free loopback port; wait until its index is
    ready. Returns the process, its URL and the seconds from start to ready."""
    seed_vector_cache(data)
    port = _free_port()
    # Every simulated user comes from 127.0.0.1: lift the per-client question limit.
    env = dict(
        os.environ,
        ASSISTANT_DATA_DIR=str(data),
        ASSISTANT_PORT=str(port),
        ASSISTANT_ASK_PER_MINUTE="1000000",
        ASSISTANT_WORKERS=str(workers),
    )
    log = (data / "app.log").open("ab")  # the app's own log, to read after a failure
    t0 = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "app.py"], cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 900
    while proc.poll() is None and time.monotonic() < deadline:
        if _ready(base, workers):
            return proc, base, round(time.monotonic() - t0, 2)
        time.sleep(0.2)
    proc.terminate()
    raise SystemExit(f"the app did not become ready; see {data / 'app.log'}")


def _ready(base: str, workers: int) -> bool:
    """Whether the index is ready on every worker (a few health calls reach each one)."""
    try:
        for _ in range(2 * workers):
            with urllib.request.urlopen(f"{base}/api/health", timeout=5) as r:
                if "就绪" not in json.loads(r.read())["index"]:
                    return False
        return True
    except OSError:
        return False


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop the app (and, through it, its workers and chroma server)."""
    proc.terminate()
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()


def _roles(proc: subprocess.Popen[bytes]) -> list[tuple[str, Any]]:
    """The app's processes with their role: ``front`` (the router of several workers),
    ``worker`` or ``chroma`` (the shared chroma server)."""
    import psutil

    root = psutil.Process(proc.pid)
    out = []
    for p in [root, *root.children(recursive=True)]:
        try:
            cmd = " ".join(p.cmdline())
        except psutil.Error:
            continue
        if "chroma" in cmd and " run " in f" {cmd} ":
            out.append(("chroma", p))
        elif p.pid == root.pid and root.children():
            out.append(("front", p))
        else:
            out.append(("worker", p))
    return out


def worker_rss_mb(proc: subprocess.Popen[bytes]) -> dict[str, Any]:
    """Resident memory of the app's Python processes and of its chroma server (MiB)."""
    import psutil

    workers, chroma, front = [], 0.0, 0.0
    for role, p in _roles(proc):
        try:
            rss = p.memory_info().rss / 2**20
        except psutil.Error:
            continue
        if role == "chroma":
            chroma += rss
        elif role == "front":
            front = rss
        else:
            workers.append(round(rss, 1))
    return {
        "workers_mb": sorted(workers),
        "front_mb": round(front, 1),
        "chroma_mb": round(chroma, 1),
    }


def cpu_seconds(proc: subprocess.Popen[bytes] | None) -> dict[str, float]:
    """CPU seconds (user + system) used so far by the load client (this process) and by
    the app's processes, summed by role: where the cores go under load."""
    import psutil

    used = {"client": time.process_time(), "front": 0.0, "worker": 0.0, "chroma": 0.0}
    for role, p in _roles(proc) if proc is not None else []:
        try:
            times = p.cpu_times()
        except psutil.Error:
            continue
        used[role] += times.user + times.system
    return used


def run_load(
    base: str, users: int, seconds: float, proc: subprocess.Popen[bytes] | None = None
) -> dict[str, Any]:
    """One load level: requests, errors, latency percentiles, throughput and, with the app's
    process, the CPU each role used per request (client, front, workers, chroma)."""
    before = cpu_seconds(proc)
    samples, errors, wall = _load(base, users, seconds)
    after = cpu_seconds(proc)
    per_request = {
        role: round((after[role] - before[role]) * 1000 / max(len(samples), 1), 2)
        for role in before
        if proc is not None or role == "client"
    }
    return {
        "users": users,
        "seconds": seconds,
        "requests": len(samples),
        "errors": len(errors),
        "error_samples": errors[:5],
        "latency": percentiles(samples),
        "rps": round(len(samples) / wall, 1),
        "cpu_ms_per_request": per_request,
        "cpu_share": round(sum(after[r] - before[r] for r in per_request) / wall, 2),
    }


def _load(base: str, users: int, seconds: float) -> tuple[list[float], list[str], float]:
    """Threads posting questions until the time is up: latencies, errors, wall time."""
    questions = [i.question for i in load_answer_set()]
    samples: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def user(n: int) -> None:
        i = n
        while time.monotonic() < stop:
            t0 = time.perf_counter()
            try:
                body = {"question": questions[i % len(questions)], "as_of": "2026-11-22"}
                error = "" if _post(f"{base}/api/ask", body) == 200 else "status"
            except Exception as exc:  # every failure counts as an error
                error = repr(exc)
            i += users
            with lock:
                samples.append((time.perf_counter() - t0) * 1000)
                if error:
                    errors.append(error)

    threads = [threading.Thread(target=user, args=(n,)) for n in range(users)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return samples, errors, time.monotonic() - start


def main() -> None:
    """Run the load levels and write the report."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", default="20", help="comma-separated levels, e.g. 1,5,20,50")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=0, help="app workers (0: one per core)")
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "bench-results")
    parser.add_argument("--data", type=Path, default=PROJECT_ROOT / "data" / "bench-load")
    args = parser.parse_args()
    workers = args.workers or usable_cores()
    proc, base, ready_s = _start(args.data, workers)
    try:
        levels = [run_load(base, int(u), args.seconds, proc) for u in args.users.split(",")]
        memory = worker_rss_mb(proc)
    finally:
        stop(proc)
    result = {
        "machine": machine(),
        "workers": workers,
        "start_to_ready_s": ready_s,
        "levels": levels,
        "memory": memory,
    }
    rows = [("workers", str(workers)), ("start to ready", f"{ready_s} s")]
    for level in levels:
        lat = level["latency"]
        rows.append(
            (
                f"{level['users']} users, {level['seconds']:g} s",
                f"{level['rps']} req/s, p95 {lat['p95_ms']} ms, p99 {lat['p99_ms']} ms, "
                f"{level['errors']} errors",
            )
        )
        cpu = ", ".join(f"{k} {v}" for k, v in level["cpu_ms_per_request"].items())
        rows.append((f"{level['users']} users: CPU ms per request", cpu))
    rows.append(("RSS per worker", f"{memory['workers_mb']} MiB"))
    write_report("load", result, rows, args.out)


if __name__ == "__main__":
    main()
