"""Dependencies that fail: the chroma server going away under load and coming back, a
read-only data directory, SQLite busy under concurrent writers."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.application import Application
from assistant.config import PROJECT_ROOT, Settings
from assistant.web.api import create_api
from tests.conftest import FIXTURE_KB, free_port


def _start_chroma(path: Path, port: int) -> subprocess.Popen[bytes]:
    import chromadb

    chroma = Path(shutil.which("chroma") or PROJECT_ROOT / ".venv" / "bin" / "chroma")
    proc = subprocess.Popen(
        [str(chroma), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            chromadb.HttpClient(host="127.0.0.1", port=port).heartbeat()
            return proc
        except Exception:
            if time.monotonic() > deadline:
                proc.kill()
                pytest.fail("chroma server did not start")
            time.sleep(0.3)


@pytest.mark.server
def test_chroma_server_outage_under_load_gives_503_then_recovers_without_restart(tmp_path):
    port = free_port()
    server = _start_chroma(tmp_path / "chroma", port)
    try:
        settings = Settings(
            data_dir=tmp_path / "data",
            knowledge_dir=FIXTURE_KB,
            embeddings="hashing",
            chroma_url=f"http://127.0.0.1:{port}",
            ask_per_minute=100_000,
        )
        services = Application(settings)
        services.index_knowledge()
        client = TestClient(create_api(services))
        body = {"question": "高企研发费用比例", "k": 3}
        assert client.post("/api/search", json=body).status_code == 200
        statuses: list[int] = []
        stop = threading.Event()

        def load() -> None:
            while not stop.is_set():
                statuses.append(client.post("/api/search", json=body).status_code)

        workers = [threading.Thread(target=load) for _ in range(3)]
        for w in workers:
            w.start()
        time.sleep(1)
        server.terminate()
        server.wait(30)
        time.sleep(1)
        down = client.post("/api/search", json=body)
        assert down.status_code == 503
        assert "chroma" in down.json()["error"]["message"]
        assert "请稍后再试" in down.json()["error"]["message"]
        ask = client.post("/api/ask", json={"question": "高企认定条件"})
        assert ask.status_code == 503
        server = _start_chroma(tmp_path / "chroma", port)
        time.sleep(1)
        stop.set()
        for w in workers:
            w.join()
        assert set(statuses) <= {200, 503}, statuses  # never a 500
        assert 503 in statuses
        assert client.post("/api/search", json=body).status_code == 200  # same process
        assert client.post("/api/ask", json={"question": "高企认定条件"}).status_code == 200
    finally:
        server.terminate()
        server.wait(30)


def test_a_read_only_database_gives_a_clear_503_and_keeps_the_data(tmp_path):
    import assistant.review.grade_store
    import assistant.templates.models  # noqa: F401 - every table exists before it turns read-only

    writable = Settings(data_dir=tmp_path / "data", knowledge_dir=FIXTURE_KB, embeddings="hashing")
    accounts = Application(writable).accounts()
    accounts.add_user("wang", "staff", "a-long-secret-42")
    token = accounts.create_token("wang")
    db = (tmp_path / "data" / "assistant.db").resolve()
    # The same file opened read-only, as on a read-only mount (chmod does not stop root).
    read_only = writable.model_copy(
        update={"database_url": f"sqlite:///file:{db}?mode=ro&uri=true"}
    )
    client = TestClient(create_api(Application(read_only)))
    r = client.post(
        "/api/templates",
        json={"title": "t", "triggers": ["q"], "body": "b"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 503, r.text
    assert r.json()["error"]["code"] == "storage_unavailable"
    assert "请稍后再试" in r.json()["error"]["message"]
    assert accounts.authenticate("wang", "a-long-secret-42") is not None  # nothing damaged


def test_a_full_or_read_only_index_store_is_a_retrieval_error():
    from assistant.errors import RetrievalError
    from assistant.search.chunk_store import unavailable

    for exc in (
        OSError(28, "No space left on device"),
        RuntimeError("attempt to write a readonly database"),
        ConnectionRefusedError(111, "refused"),
    ):
        assert isinstance(unavailable(exc), RetrievalError)
    assert unavailable(KeyError("a bug")) is None  # bugs stay bugs


WRITER = """
import sys
from assistant.config import Settings
from assistant.store.accounts import AccountStore, User
from assistant.store.db import make_engine
store = AccountStore(make_engine(Settings()))
for i in range(int(sys.argv[2])):
    store.audit(User(sys.argv[1], "staff"), "busy.write", f"{sys.argv[1]}-{i}")
    print(i, flush=True)
"""


def test_concurrent_writer_processes_lose_no_write(tmp_path):
    env = dict(os.environ, ASSISTANT_DATA_DIR=str(tmp_path / "data"))
    from assistant.store.accounts import AccountStore
    from assistant.store.db import make_engine

    store = AccountStore(make_engine(Settings(data_dir=tmp_path / "data")))
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, f"w{n}", "150"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(4)
    ]
    acknowledged = 0
    for proc in writers:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err[-1000:]
        acknowledged += len(out.split())
    rows = [r for r in store.audit_log(10_000) if r["action"] == "busy.write"]
    assert acknowledged == 600
    assert len(rows) == 600
    assert len({r["target"] for r in rows}) == 600
