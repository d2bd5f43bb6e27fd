"""Crash safety: ``kill -9`` real processes at random moments, restart, check nothing is lost.

Three scenarios, each a real child process killed with SIGKILL:

- ``ingest``: ``python -m assistant ingest DOCS`` over a folder whose files change between
  runs (so documents are added and replaced, with more or fewer chunks). Half the kill
  points are random moments; the other half are the named steps between two writes
  (``ASSISTANT_CRASH_AT``: vectors computed, journal written, chunks written, old chunks
  pruned), so every step is hit on every run. After each kill a fresh process recovers and
  checks: no document half-indexed (chunks of two versions, missing chunks), every document
  acknowledged before is still listed, then re-running the ingest completes with every
  file indexed at its current content.
- ``records``: a process creates and edits templates, grades answers and promotes them to
  the gold set, printing each acknowledged write; killed at a random moment (or between
  the gold file and the database row of a promotion). Then: the SQLite file passes
  ``integrity_check``, every acknowledged write is there, each template's version rows
  agree with its version, and the gold file parses and holds every acknowledged promotion.
- ``app``: the web API server (start-up indexing, then uploads from a client thread) killed at
  a random moment; a fresh process recovers and checks that no document is half-indexed and
  every upload the server acknowledged (HTTP 200) is listed.

Usage: .venv/bin/python -m bench.crash [--points 50] [--seed 7] [--scenarios ingest,records,app]
       [--out bench-results]
Writes bench-results/crash.{json,md}; the exit status is 1 when any point is inconsistent.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.config import PROJECT_ROOT

FIXTURE_KB = PROJECT_ROOT / "tests" / "data" / "knowledge"
INGEST_STEPS = ("ingest.embedded", "ingest.journaled", "ingest.written", "ingest.pruned")
RECORD_STEPS = ("promote.written",)
SENTENCES = [
    "企业申请认定时须注册成立一年以上，通过自主研发、受让、受赠、并购等方式获得知识产权。",
    "研究开发费用总额占同期销售收入总额的比例符合要求，其中在中国境内发生的比例不低于百分之六十。",
    "从事研发和相关技术创新活动的科技人员占企业当年职工总数的比例不低于百分之十。",
    "近一年高新技术产品收入占企业同期总收入的比例不低于百分之六十。",
    "企业申请认定前一年内未发生重大安全、重大质量事故或严重环境违法行为。",
    "科技型中小企业须依法在中国境内注册的居民企业，职工总数不超过五百人。",
    "评价指标包括科技人员、研发投入、科技成果三类，满分一百分，综合得分不低于六十分。",
]


@dataclass
class Outcome:
    """What one kill point found."""

    scenario: str
    mode: str
    killed_at: float | None
    problems: list[str] = field(default_factory=list)
    acknowledged: int = 0


def _env(data: Path, **extra: str) -> dict[str, str]:
    env = dict(
        os.environ,
        ASSISTANT_DATA_DIR=str(data),
        ASSISTANT_EMBEDDINGS="hashing",
        ASSISTANT_KNOWLEDGE_DIR=str(FIXTURE_KB),
        **extra,
    )
    env.pop("ASSISTANT_CRASH_AT", None)
    env.update(extra)
    return env


def _write_docs(folder: Path, rng: random.Random, files: int, changed: int) -> None:
    """Create ``files`` documents, or rewrite ``changed`` of them with new content."""
    folder.mkdir(parents=True, exist_ok=True)
    names = [folder / f"notice-{i:02d}.txt" for i in range(files)]
    todo = [n for n in names if not n.exists()] or rng.sample(names, changed)
    for path in todo:
        paragraphs = rng.randint(4, 40)
        stamp = rng.randrange(10**9)
        text = "\n\n".join(
            f"第{p + 1}条 " + "".join(rng.choice(SENTENCES) for _ in range(rng.randint(2, 6)))
            for p in range(paragraphs)
        )
        path.write_text(f"关于科技企业认定的通知（第{stamp}号）\n\n{text}\n", encoding="utf-8")


def _run_killed(
    cmd: list[str], env: dict[str, str], delay: float | None, timeout: float = 300
) -> float | None:
    """Run ``cmd``; SIGKILL it after ``delay`` seconds (None: let it finish or kill itself).
    Returns when it was killed (None when it ended by itself first)."""
    proc = subprocess.Popen(
        cmd, cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        proc.wait(timeout=delay if delay is not None else timeout)
        return None
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        return delay


# ------------------------------------------------------------------ ingest scenario


def verify_ingest(docs: Path, acknowledged: list[str]) -> dict[str, Any]:
    """Run in a fresh process after a kill: recover, check, re-run, check again."""
    from assistant.config import Settings
    from assistant.factory import build_search
    from assistant.search.ingest import expand_paths, file_doc_id
    from assistant.search.journal import inconsistencies

    stack = build_search(Settings())
    indexer, store = stack.indexer, stack.store
    indexer.recover()
    problems = [f"after recovery: {p}" for p in inconsistencies(store)]
    listed = store.documents()
    problems += [f"acknowledged {d} lost" for d in acknowledged if d not in listed]
    results = indexer.ingest_files([docs])
    problems += [
        f"re-run: {r.source} {r.status} {r.message}" for r in results if r.status == "failed"
    ]
    problems += [f"after re-run: {p}" for p in inconsistencies(store)]
    listed = store.documents()
    for path in expand_paths([docs]):
        want = indexer.prepare_file(path).content_hash
        got = listed.get(file_doc_id(path), {}).get("content_hash")
        if got != want:
            problems.append(f"after re-run: {path.name} is not at its current content")
    return {"problems": problems, "documents": sorted(listed)}


def ingest_points(work: Path, points: int, rng: random.Random) -> list[Outcome]:
    """Kill ``ingest`` ``points`` times (half at named steps, half at random moments)."""
    data, docs = work / "data", work / "docs"
    _write_docs(docs, rng, files=24, changed=0)
    ingest = [sys.executable, "-m", "assistant", "ingest", str(docs)]
    verify = [sys.executable, "-m", "bench.crash", "_verify-ingest", str(docs)]
    start = time.monotonic()
    subprocess.run(ingest, cwd=PROJECT_ROOT, env=_env(data), check=True, capture_output=True)
    full = time.monotonic() - start
    acknowledged = _verify(verify, data, [])["documents"]
    outcomes = []
    for n in range(points):
        _write_docs(docs, rng, files=24, changed=rng.randint(1, 12))
        if n % 2 == 0:
            step = INGEST_STEPS[(n // 2) % len(INGEST_STEPS)]
            _run_killed(ingest, _env(data, ASSISTANT_CRASH_AT=step), None)
            outcome = Outcome("ingest", step, None)
        else:
            delay = rng.uniform(0.3 * full, 1.1 * full)
            outcome = Outcome("ingest", "random", _run_killed(ingest, _env(data), delay))
        report = _verify(verify, data, acknowledged)
        outcome.problems = report["problems"]
        acknowledged = report["documents"]
        outcomes.append(outcome)
    return outcomes


def _verify(cmd: list[str], data: Path, acknowledged: list[str]) -> dict[str, Any]:
    out = subprocess.run(
        [*cmd, json.dumps(acknowledged)],
        cwd=PROJECT_ROOT,
        env=_env(data),
        capture_output=True,
        text=True,
        timeout=600,
    )
    if out.returncode != 0:
        return {"problems": [f"verifier failed: {out.stderr[-500:]}"], "documents": acknowledged}
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


# ------------------------------------------------------------------ records scenario


def records_workload(seed: int) -> None:
    """Templates, grades and promotions in a loop, one ``ACK`` line per acknowledged write."""
    from assistant.application import Application
    from assistant.config import Settings
    from assistant.review.console import ReviewConsole
    from assistant.review.grade_store import ReviewStore
    from assistant.review.promote import Correction
    from assistant.store.accounts import User
    from assistant.store.db import SessionStore
    from assistant.templates.template_store import TemplateStore

    rng = random.Random(seed)
    services = Application(Settings())
    accounts = services.accounts()
    engine = services._engine_locked()
    templates = TemplateStore(engine, services.knowledge, accounts)
    console = ReviewConsole(services, ReviewStore(engine))
    sessions = SessionStore(engine)
    staff, evaluator = User("crash-staff", "staff"), User("crash-eval", "evaluator")
    grades = ("correct", "partly", "wrong")

    def ack(*parts: object) -> None:
        print("ACK", json.dumps(parts, ensure_ascii=False), flush=True)

    for i in range(10**6):
        tag = f"{seed}-{i}"
        body = {
            "title": f"模板{tag}",
            "triggers": [f"问题{tag}"],
            "body": "答复" * rng.randint(1, 50),
        }
        row = templates.create(staff, body)
        ack("template", row["id"], row["version"])
        row = templates.update(staff, row["id"], {**body, "body": f"新答复{tag}"})
        ack("template", row["id"], row["version"])
        session = sessions.new_id()
        sessions.save_turn(session, f"问{tag}", {"answer": "答", "programs": ["hnte"]}, {}, {})
        message = console.store.answers(limit=1)[0].id
        grade = rng.choice(grades)
        console.grade(evaluator, message, grade, grade)
        ack("grade", message, grade)
        question = f"高企研发费用占比要求是多少（{tag}）？"
        console.promote(evaluator, message, Correction(question, "hnte", "threshold", [["5%"]], []))
        ack("promote", question)


def verify_records(data: Path, gold: Path, acks: list[list[Any]]) -> list[str]:
    """Check a data dir and gold folder after a killed records workload (in this process:
    SQLite is safe to open from several processes)."""
    import sqlite3

    import yaml

    if not (data / "assistant.db").exists():  # killed while starting up
        return [f"acknowledged {a} lost" for a in acks]
    problems: list[str] = []
    db = sqlite3.connect(data / "assistant.db")
    try:
        tables = {t for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "review_promotions" not in tables:  # killed while the schema was being created
            return [f"acknowledged {a} lost" for a in acks]
        if db.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            problems.append("SQLite integrity_check failed")
        versions = dict(db.execute("SELECT id, version FROM answer_templates").fetchall())
        history = dict(
            db.execute("SELECT template_id, MAX(version) FROM answer_template_versions GROUP BY 1")
        )
        for tid, version in versions.items():
            if history.get(tid) != version:
                problems.append(f"template {tid}: version {version}, history {history.get(tid)}")
        stored_grades = dict(
            db.execute("SELECT message_id, answer_grade FROM review_grades").fetchall()
        )
        promoted_rows = {q for (q,) in db.execute("SELECT question FROM review_promotions")}
    finally:
        db.close()
    target = gold / "promoted.yaml"
    items = yaml.safe_load(target.read_text(encoding="utf-8")) if target.exists() else []
    questions = {i["question"] for i in items or []}
    for kind, *rest in acks:
        if kind == "template" and versions.get(rest[0], 0) < rest[1]:
            problems.append(f"acknowledged template {rest[0]} v{rest[1]} lost")
        if kind == "grade" and stored_grades.get(rest[0]) != rest[1]:
            problems.append(f"acknowledged grade of message {rest[0]} lost")
        if kind == "promote" and rest[0] not in questions:
            problems.append(f"acknowledged promotion {rest[0]} lost")
    problems += [
        f"promotion {q} recorded but not in the gold file" for q in promoted_rows - questions
    ]
    return problems


def records_points(work: Path, points: int, rng: random.Random) -> list[Outcome]:
    """Kill the records workload ``points`` times, checking after each."""
    data, gold = work / "records-data", work / "gold"
    outcomes = []
    acks: list[list[Any]] = []
    for n in range(points):
        step = RECORD_STEPS[0] if n % 4 == 3 else None
        env = _env(
            data, ASSISTANT_GOLD_DIR=str(gold), **({"ASSISTANT_CRASH_AT": step} if step else {})
        )
        cmd = [sys.executable, "-m", "bench.crash", "_records", str(rng.randrange(10**6))]
        proc = subprocess.Popen(
            cmd,
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        delay = None if step else rng.uniform(3.0, 8.0)
        try:
            out, err = proc.communicate(timeout=delay if delay is not None else 300)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            out, err = proc.communicate()
        new = [json.loads(line[4:]) for line in out.splitlines() if line.startswith("ACK ")]
        acks += new
        if proc.returncode != -signal.SIGKILL:
            problems = [f"workload ended by itself ({proc.returncode}): {err[-800:]}"]
        else:
            problems = verify_records(data, gold, acks)
        outcomes.append(Outcome("records", step or "random", delay, problems, len(new)))
    return outcomes


# ------------------------------------------------------------------ app scenario


def serve_api(port: int) -> None:
    """The web API as the app runs it (start-up indexing, then requests), without the Gradio
    pages, which only slow each restart down."""
    import uvicorn

    from assistant.application import Application
    from assistant.config import Settings
    from assistant.web.api import create_api

    services = Application(Settings())
    services.index_knowledge()  # as the app's start-up thread does: recovery runs first
    uvicorn.run(create_api(services), host="127.0.0.1", port=port, log_level="error")


def _upload(url: str, token: str, name: str, data: bytes) -> str | None:
    """POST one file; the doc id when the server acknowledged it."""
    import urllib.request
    import uuid

    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: text/plain\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(
        f"{url}/api/documents",
        data=body,
        method="POST",
        headers={
            "content-type": f"multipart/form-data; boundary={boundary}",
            "authorization": f"Bearer {token}",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return str(json.loads(r.read())["doc_id"])
    except OSError:
        return None


def verify_app(acknowledged: list[str]) -> dict[str, Any]:
    """Run in a fresh process after the server was killed: recover, then check."""
    from assistant.config import Settings
    from assistant.factory import build_search
    from assistant.search.journal import inconsistencies

    stack = build_search(Settings())
    stack.indexer.recover()
    problems = inconsistencies(stack.store)
    listed = stack.store.documents()
    problems += [f"acknowledged upload {d} lost" for d in acknowledged if d not in listed]
    return {"problems": problems, "documents": sorted(listed)}


def app_points(work: Path, points: int, rng: random.Random) -> list[Outcome]:
    """Kill the API server ``points`` times while a client uploads documents."""
    import threading
    import urllib.request

    from assistant.config import Settings
    from assistant.store.accounts import AccountStore
    from assistant.store.db import make_engine

    data, docs = work / "app-data", work / "app-docs"
    _write_docs(docs, rng, files=12, changed=0)
    accounts = AccountStore(make_engine(Settings(data_dir=data)))
    accounts.add_user("crash-app", "staff", "a-long-secret-42")
    token = accounts.create_token("crash-app")
    acknowledged: list[str] = []
    outcomes = []
    for _ in range(points):
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [sys.executable, "-m", "bench.crash", "_serve", str(port)],
            cwd=PROJECT_ROOT,
            env=_env(data),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{url}/api/health", timeout=2).close()
                break
            except OSError:
                time.sleep(0.2)
        stop = threading.Event()
        acked_now: list[str] = []

        def client(
            url: str = url, acked: list[str] = acked_now, stop: threading.Event = stop
        ) -> None:
            while not stop.is_set():
                _write_docs(docs, rng, files=12, changed=1)
                path = rng.choice(sorted(docs.iterdir()))
                doc_id = _upload(url, token, path.name, path.read_bytes())
                if doc_id:
                    acked.append(doc_id)

        worker = threading.Thread(target=client)
        worker.start()
        delay = rng.uniform(0.5, 4.0)
        time.sleep(delay)
        server.send_signal(signal.SIGKILL)
        server.wait()
        stop.set()
        worker.join()
        acknowledged = sorted(set(acknowledged) | set(acked_now))
        report = _verify([sys.executable, "-m", "bench.crash", "_verify-app"], data, acknowledged)
        outcomes.append(Outcome("app", "random", delay, report["problems"], len(acked_now)))
    return outcomes


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ------------------------------------------------------------------ command


def run(points: int, seed: int, scenarios: list[str]) -> dict[str, Any]:
    """``points`` kill points per scenario; the report as a dict."""
    rng = random.Random(seed)
    outcomes: list[Outcome] = []
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="crash-") as tmp:
        work = Path(tmp)
        if "ingest" in scenarios:
            outcomes += ingest_points(work, points, rng)
        if "records" in scenarios:
            outcomes += records_points(work, points, rng)
        if "app" in scenarios:
            outcomes += app_points(work, points, rng)
    bad = [o for o in outcomes if o.problems]
    modes: dict[str, int] = {}
    for o in outcomes:
        modes[f"{o.scenario}:{o.mode}"] = modes.get(f"{o.scenario}:{o.mode}", 0) + 1
    return {
        "kill_points": len(outcomes),
        "inconsistent": len(bad),
        "by_step": modes,
        "ingest_finished_before_the_kill": sum(
            1 for o in outcomes if o.scenario == "ingest" and o.mode == "random" and not o.killed_at
        ),
        "records_acknowledged": sum(o.acknowledged for o in outcomes if o.scenario == "records"),
        "uploads_acknowledged": sum(o.acknowledged for o in outcomes if o.scenario == "app"),
        "problems": [{"scenario": o.scenario, "mode": o.mode, "problems": o.problems} for o in bad],
        "seconds": round(time.monotonic() - start, 1),
    }


def main(argv: list[str] | None = None) -> int:
    """Command line (and the internal steps run in child processes)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["_verify-ingest"]:
        print(json.dumps(verify_ingest(Path(argv[1]), json.loads(argv[2])), ensure_ascii=False))
        return 0
    if argv[:1] == ["_verify-app"]:
        print(json.dumps(verify_app(json.loads(argv[1])), ensure_ascii=False))
        return 0
    if argv[:1] == ["_serve"]:
        serve_api(int(argv[1]))
        return 0
    if argv[:1] == ["_records"]:
        records_workload(int(argv[1]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=50, help="kill points per scenario")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--scenarios", default="ingest,records,app")
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "bench-results")
    args = parser.parse_args(argv)
    from assistant.config import offline_environment
    from bench.common import machine, write_report

    offline_environment()
    result = run(args.points, args.seed, args.scenarios.split(","))
    result["machine"] = machine()
    rows = [
        ("kill points", str(result["kill_points"])),
        ("inconsistent", str(result["inconsistent"])),
        *((k, str(v)) for k, v in sorted(result["by_step"].items())),
        ("seconds", str(result["seconds"])),
    ]
    write_report("crash", result, rows, args.out)
    return 1 if result["inconsistent"] else 0


if __name__ == "__main__":
    sys.exit(main())
