"""Load: 20 concurrent users asking the running web app for 60 s (loopback only).

Starts ``python app.py`` on a free loopback port with the real model, waits until the index
is ready, then N threads post questions from eval/sets/answers to ``/api/ask`` until the
time is up. Reports requests, errors, latency percentiles and throughput as JSON and a table
(bench-results/load.{json,md}). Bounded in time and count; stops by itself.
Usage: .venv/bin/python -m bench.load [--users 20] [--seconds 60]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from assistant.config import PROJECT_ROOT
from bench.common import machine, percentiles, write_report
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


def _start(data: Path) -> tuple[subprocess.Popen[bytes], str]:
    """Start the app with the real model on a free loopback port; wait until it is ready."""
    (data / "index").mkdir(parents=True, exist_ok=True)
    cache = PROJECT_ROOT / "data" / "test-cache" / "e5-vectors.sqlite"
    if cache.is_file() and not (data / "index" / "e5-small-vectors.sqlite").exists():
        shutil.copy(cache, data / "index" / "e5-small-vectors.sqlite")
    port = _free_port()
    # Every simulated user comes from 127.0.0.1: lift the per-client question limit.
    env = dict(
        os.environ,
        ASSISTANT_DATA_DIR=str(data),
        ASSISTANT_PORT=str(port),
        ASSISTANT_ASK_PER_MINUTE="1000000",
    )
    log = (data / "app.log").open("wb")  # the app's own log, to read after a failure
    proc = subprocess.Popen(
        [sys.executable, "app.py"], cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 600
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/api/health", timeout=5) as r:
                if "就绪" in json.loads(r.read())["index"]:
                    return proc, base
        except OSError:
            pass
        time.sleep(1)
    proc.terminate()
    raise SystemExit("the app did not become ready")


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
    """Run the load and write the report."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "bench-results")
    args = parser.parse_args()
    proc, base = _start(PROJECT_ROOT / "data" / "bench-load")
    try:
        samples, errors, wall = _load(base, args.users, args.seconds)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    lat = percentiles(samples)
    result = {
        "machine": machine(),
        "users": args.users,
        "seconds": args.seconds,
        "requests": len(samples),
        "errors": len(errors),
        "error_samples": errors[:5],
        "latency": lat,
        "rps": round(len(samples) / wall, 1),
    }
    rows = [
        ("concurrent users", str(args.users)),
        ("duration", f"{args.seconds:g} s"),
        ("requests", str(len(samples))),
        ("errors", str(len(errors))),
        ("latency p50", f"{lat['p50_ms']} ms"),
        ("latency p95", f"{lat['p95_ms']} ms"),
        ("throughput", f"{result['rps']} requests/s"),
    ]
    write_report("load", result, rows, args.out)


if __name__ == "__main__":
    main()
