"""Run the web app in several worker processes that share one index and one database.

One Python process uses one core for the request path, so the app runs
``ASSISTANT_WORKERS`` worker processes (default: one per core) behind a small front in
this process that routes each request (the web pages to one worker, because Gradio keeps
a browser's state in process memory; the JSON API to the least busy). The workers share
state only through services made for several clients:

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

import asyncio
import contextlib
import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path

from assistant.application.models import models_built
from assistant.config import Settings, usable_cores
from assistant.errors import RetrievalError

log = logging.getLogger(__name__)


# Gradio keeps a browser's queue and gr.State in the memory of one process, so every
# request that is not the JSON API goes to the first worker; /api/* is stateless (sessions
# are in the database) and goes to the least busy worker. The other workers build no pages.
UI_WORKER = 0


def serve(settings: Settings) -> None:
    """Serve on ``settings.host:settings.port`` with ``settings.worker_count`` workers.

    One worker: the app in this process. Several: each worker is a process of its own on a
    loopback port, and this process is a small front that routes each request (see
    :class:`Front`); the chroma server is started here when none is configured.
    """
    import uvicorn

    workers = settings.worker_count
    if workers == 1:
        from assistant.web.app import create_app

        uvicorn.run(create_app(settings), host=settings.host, port=settings.port)
        return
    build_models_apart(settings)
    # The front imports what the workers need while the chroma server starts, then forks.
    with (
        shared_chroma(settings, while_starting=lambda: preload(settings)) as chroma_url,
        worker_processes(settings, chroma_url) as ports,
    ):
        log.info("serving %d workers on ports %s (chroma %s)", workers, ports, chroma_url)
        _run_loop(Front(ports).serve(settings.host, settings.port))


def _run_loop(main: Coroutine[object, object, None]) -> None:
    """Run the front's event loop on uvloop (pinned, with uvicorn[standard]): the front
    handles every request of every worker, and the CPU it spends comes out of the
    workers' share of the cores."""
    import uvloop

    uvloop.run(main)


def preload(settings: Settings) -> list[str]:
    """Import, once in the front, the modules every worker imports; returns their names.

    The workers are forked from this process afterwards and share these imports: each would
    otherwise pay about 2 s (chromadb, FastAPI, the app) plus the embedder's runtime
    (onnxruntime, or torch and transformers' encoder for ``e5-torch``) of CPU at start, all
    of them at once on the same cores. Nothing here starts a thread or opens a file or
    connection a worker could inherit: that is what makes the fork safe (torch, for one, is
    safe to fork before its first computation).
    """
    import importlib

    # Not gradio (≈ 2.5 s): only the pages' worker builds pages, so it imports gradio
    # itself, while the others start; imported here it would hold up every worker's fork.
    names = ["chromadb", "fastapi", "uvicorn", "assistant.web.app", "assistant.factory"]
    if settings.onnx_precision:
        names += ["onnxruntime", "tokenizers"]
    elif settings.embeddings == "e5-torch":
        # The encoder's own modules: transformers imports them lazily, at the first load.
        names += ["torch", "transformers.models.bert.modeling_bert", "tokenizers"]
    for name in names:
        importlib.import_module(name)
    return names


def build_models_apart(settings: Settings) -> None:
    """Build the embedding model once, before the workers start: each worker would otherwise
    find it missing and build it at the same time as the others.

    The build runs torch (the e5 conversion, the ONNX export) in a child process: torch's
    thread pools, once started in the front, would be copied broken into the forked workers.

    Raises:
        ModelError: the build failed (its output is in the message).
    """
    if models_built(settings):
        return
    env = dict(
        os.environ,
        ASSISTANT_DATA_DIR=str(settings.data_dir),
        ASSISTANT_EMBEDDINGS=settings.embeddings,
    )
    done = subprocess.run(
        [sys.executable, "-m", "assistant", "build-model"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        from assistant.errors import ModelError

        raise ModelError(f"无法准备嵌入模型：{(done.stderr or done.stdout)[-1500:]}")


@contextlib.contextmanager
def worker_processes(settings: Settings, chroma_url: str) -> Iterator[list[int]]:
    """Fork the worker processes (one app each, on free loopback ports); stop them after.

    Forked, not started afresh: they inherit the modules :func:`preload` imported.
    """
    import multiprocessing

    env = worker_environment(settings, chroma_url)
    ports = [_free_port() for _ in range(settings.worker_count)]
    context = multiprocessing.get_context("fork")
    procs = []
    sys.stdout.flush()  # a buffered line would otherwise be written by every child too
    sys.stderr.flush()
    for number, port in enumerate(ports):
        worker_env = dict(
            env, ASSISTANT_HOST="127.0.0.1", ASSISTANT_PORT=str(port), ASSISTANT_WORKERS="1"
        )
        log_path = settings.data_dir / f"worker-{number}.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        proc = context.Process(
            target=_worker,
            args=(worker_env, log_path, number == UI_WORKER),
            name=f"worker-{number}",
            daemon=False,
        )
        proc.start()
        procs.append(proc)
    try:
        yield ports
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.join(timeout=30)
            if proc.is_alive():
                proc.kill()
                proc.join()


def _worker(env: dict[str, str], log_path: Path, pages: bool) -> None:
    """A forked worker: its own settings from the environment, its output to its log; the
    pages only in the worker the front sends page requests to."""
    os.environ.update(env)
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    main(pages=pages)


class Front:
    """A minimal HTTP front: routes each connection's request to a worker and pipes bytes.

    Every request is sent with ``Connection: close``, so one connection carries one request
    and each request is routed on its own (keep-alive would pin later requests to the first
    one's worker). ``X-Forwarded-For`` carries the client's address (uvicorn trusts it from
    loopback), so per-address limits still see the real client.

    Args:
        ports: The workers' loopback ports; the first also serves the web pages.
        page_wait_s: How long a page request waits for the pages' worker while it starts
            (no other worker can serve it) before the front answers 503.
    """

    def __init__(self, ports: list[int], *, page_wait_s: float = 30.0) -> None:
        """Route to these workers."""
        self.ports = ports
        self.page_wait_s = page_wait_s
        self.active = [0] * len(ports)
        self._turn = 0

    async def serve(self, host: str, port: int) -> None:
        """Accept connections until SIGTERM or SIGINT."""
        import signal

        server = await asyncio.start_server(self._handle, host, port, limit=2**20)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        async with server:
            await stop.wait()

    def pick(self, path: bytes) -> int:
        """The worker for a request path: the pages' worker, or the least busy for the API."""
        if not path.startswith(b"/api/"):
            return UI_WORKER
        # Ties go round: with one request at a time, every worker still gets its share.
        count = len(self.ports)
        self._turn = (self._turn + 1) % count
        return min(range(count), key=lambda i: (self.active[i], (i - self._turn) % count))

    async def _connect(
        self, worker: int, *, api: bool
    ) -> tuple[int, asyncio.StreamReader, asyncio.StreamWriter] | None:
        """A connection to ``worker``; for the API, to any other worker that is up when it is
        not (still starting, or restarting). ``None`` when no worker can take the request."""
        count = len(self.ports)
        candidates = [(worker + step) % count for step in range(count)] if api else [worker]
        deadline = time.monotonic() + (0.0 if api else self.page_wait_s)
        while True:
            for candidate in candidates:
                try:
                    reader, writer = await asyncio.open_connection(
                        "127.0.0.1", self.ports[candidate]
                    )
                except OSError:
                    continue
                return candidate, reader, writer
            if time.monotonic() >= deadline:
                return None
            await asyncio.sleep(0.25)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 60)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError):
            writer.close()
            return
        line = head.split(b"\r\n", 1)[0].split(b" ")
        path = line[1] if len(line) > 1 else b"/"
        worker = self.pick(path)
        peer = writer.get_extra_info("peername")
        head = rewrite_head(head, str(peer[0]) if peer else "")
        self.active[worker] += 1
        try:
            upstream = await self._connect(worker, api=path.startswith(b"/api/"))
            if upstream is None:
                writer.write(_UNAVAILABLE)
                await writer.drain()
                return
            # A fallback worker carries the request: count it there.
            self.active[worker] -= 1
            worker, up_reader, up_writer = upstream
            self.active[worker] += 1
            up_writer.write(head)
            upload = asyncio.create_task(_pipe(reader, up_writer))
            await _pipe(up_reader, writer)
            upload.cancel()
            up_writer.close()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self.active[worker] -= 1
            writer.close()


_BUSY_BODY = json.dumps(
    {"error": {"code": "unavailable", "message": "服务正在启动，请几秒后重试。"}},
    ensure_ascii=False,
).encode()
_UNAVAILABLE = (
    b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json; charset=utf-8\r\n"
    b"retry-after: 2\r\nconnection: close\r\ncontent-length: "
    + str(len(_BUSY_BODY)).encode()
    + b"\r\n\r\n"
    + _BUSY_BODY
)


def rewrite_head(head: bytes, client: str) -> bytes:
    """The request head with ``Connection: close`` and the client's ``X-Forwarded-For``.

    >>> rewrite_head(b"GET / HTTP/1.1\\r\\nConnection: keep-alive\\r\\n\\r\\n", "10.0.0.9")
    b'GET / HTTP/1.1\\r\\nconnection: close\\r\\nx-forwarded-for: 10.0.0.9\\r\\n\\r\\n'
    """
    lines = head[:-4].split(b"\r\n")
    dropped = (b"connection:", b"x-forwarded-for:", b"keep-alive:")
    kept = [lines[0]] + [h for h in lines[1:] if not h.lower().startswith(dropped)]
    kept.append(b"connection: close")
    if client:
        kept.append(b"x-forwarded-for: " + client.encode())
    return b"\r\n".join(kept) + b"\r\n\r\n"


async def _pipe(source: asyncio.StreamReader, target: asyncio.StreamWriter) -> None:
    while data := await source.read(2**16):
        target.write(data)
        await target.drain()


def worker_environment(settings: Settings, chroma_url: str) -> dict[str, str]:
    """What every worker must share: the chroma server, and its share of the cores."""
    env = {"ASSISTANT_CHROMA_URL": chroma_url}
    if not settings.embed_threads:
        # torch and onnxruntime take every core by default; N workers doing so would
        # fight over them, so each gets its share.
        share = max(1, usable_cores() // settings.worker_count)
        env["ASSISTANT_EMBED_THREADS"] = str(share)
    return env


@contextlib.contextmanager
def shared_chroma(
    settings: Settings, *, while_starting: Callable[[], object] = lambda: None
) -> Iterator[str]:
    """The configured chroma server's URL, or a local one started (and stopped) here.

    ``while_starting`` runs while the server starts (it takes seconds of its own).
    """
    if settings.chroma_url:
        while_starting()
        yield settings.chroma_url
        return
    log_path = settings.data_dir / "chroma-server.log"
    with chroma_server(settings.chroma_dir, log_path, while_starting=while_starting) as url:
        yield url


@contextlib.contextmanager
def chroma_server(
    path: Path,
    log_path: Path,
    *,
    timeout: float = 60.0,
    while_starting: Callable[[], object] = lambda: None,
) -> Iterator[str]:
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
        while_starting()
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


def main(*, pages: bool = True) -> None:
    """One worker process: the app on ``ASSISTANT_HOST:ASSISTANT_PORT`` (``pages=False``:
    the JSON API only)."""
    import uvicorn

    from assistant.config import offline_environment
    from assistant.web.app import create_app

    offline_environment()
    settings = Settings()
    uvicorn.run(create_app(settings, pages=pages), host=settings.host, port=settings.port)


if __name__ == "__main__":
    main()
