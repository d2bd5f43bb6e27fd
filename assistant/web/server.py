"""Run the web app in several worker processes that share one index and one database.

One Python process uses one core for the request path, so the app runs
``ASSISTANT_WORKERS`` uvicorn workers (default: one per core). They share state only
through services made for several clients:

* the chunk index: a chroma server. On one machine with no ``ASSISTANT_CHROMA_URL`` this
  module starts ``chroma run`` over ``data/chroma`` itself (the same folder the embedded
  store uses, so one and several workers read the same index) and stops it on exit. An
  embedded chroma store is not safe to open from several processes, so it is used only
  with one worker;
* sessions, accounts, the indexer lease: the database, SQLite in WAL mode on one machine
  (several readers, one writer at a time, enough for chat sessions), or PostgreSQL
  (``ASSISTANT_DATABASE_URL``) across machines.

Across machines, run ``chroma run`` and PostgreSQL once and give every machine
``ASSISTANT_CHROMA_URL`` and ``ASSISTANT_DATABASE_URL``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.config import Settings
from assistant.errors import RetrievalError

if TYPE_CHECKING:
    from fastapi import FastAPI

log = logging.getLogger(__name__)


def app_from_environment() -> FastAPI:
    """The app of one worker process (uvicorn's factory: settings from the environment)."""
    from assistant.cli import offline_environment
    from assistant.web.app import create_app

    offline_environment()
    return create_app(Settings())


def serve(settings: Settings) -> None:
    """Serve on ``settings.host:settings.port`` with ``settings.worker_count`` workers."""
    import uvicorn

    workers = settings.worker_count
    if workers == 1:
        from assistant.web.app import create_app

        uvicorn.run(create_app(settings), host=settings.host, port=settings.port)
        return
    with shared_chroma(settings) as chroma_url:
        env = worker_environment(settings, chroma_url)
        os.environ.update(env)  # uvicorn's workers are spawned: they inherit this
        log.info("starting %d workers (chroma %s)", workers, chroma_url)
        uvicorn.run(
            "assistant.web.server:app_from_environment",
            factory=True,
            host=settings.host,
            port=settings.port,
            workers=workers,
        )


def worker_environment(settings: Settings, chroma_url: str) -> dict[str, str]:
    """What every worker must share: the chroma server, and its share of the cores."""
    env = {"ASSISTANT_CHROMA_URL": chroma_url}
    if not settings.embed_threads:
        # onnxruntime takes every core by default; N workers doing so would fight over
        # them, so each gets its share.
        share = max(1, (os.cpu_count() or 1) // settings.worker_count)
        env["ASSISTANT_EMBED_THREADS"] = str(share)
    return env


@contextlib.contextmanager
def shared_chroma(settings: Settings) -> Iterator[str]:
    """The configured chroma server's URL, or a local one started (and stopped) here."""
    if settings.chroma_url:
        yield settings.chroma_url
        return
    with chroma_server(settings.chroma_dir, settings.data_dir / "chroma-server.log") as url:
        yield url


@contextlib.contextmanager
def chroma_server(path: Path, log_path: Path, *, timeout: float = 60.0) -> Iterator[str]:
    """``chroma run`` over ``path`` on a free loopback port, until the block ends.

    Raises:
        RetrievalError: the chroma command is missing or the server does not come up.
    """
    exe = shutil.which("chroma", path=str(Path(sys.executable).parent)) or shutil.which("chroma")
    if exe is None:
        raise RetrievalError("the 'chroma' command is missing; reinstall requirements.txt")
    path.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with log_path.open("ab") as out:
        proc = subprocess.Popen(
            [exe, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=dict(os.environ, ANONYMIZED_TELEMETRY="False"),
        )
    try:
        _wait_for(url, proc, timeout, log_path)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def _wait_for(url: str, proc: subprocess.Popen[bytes], timeout: float, log_path: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RetrievalError(f"the chroma server stopped at start; see {log_path}")
        try:
            with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise RetrievalError(f"the chroma server did not answer within {timeout:g} s; see {log_path}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
