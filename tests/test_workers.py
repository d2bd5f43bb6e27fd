"""Several app processes on one state: the indexer lease, the chroma server, PostgreSQL.

The cross-process test runs when ``ASSISTANT_TEST_DATABASE_URL`` names a PostgreSQL
(``. scripts/postgres.sh``; ``.ci/run`` does it).
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from assistant.config import Settings, usable_cores
from assistant.store.db import make_engine
from assistant.store.index_lock import IndexLock, LockBusy
from assistant.web.server import Front, chroma_server, worker_environment
from tests.conftest import FIXTURE_KB, MODEL_DIR, running_app

PG_URL = os.environ.get("ASSISTANT_TEST_DATABASE_URL")


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request, tmp_path):
    if request.param == "postgres":
        if not PG_URL:
            pytest.skip("no PostgreSQL: set ASSISTANT_TEST_DATABASE_URL (.ci/run does)")
        return make_engine(Settings(data_dir=tmp_path, database_url=PG_URL))
    return make_engine(Settings(data_dir=tmp_path))


def test_one_indexer_at_a_time_across_holders(engine):
    name = f"indexer-{uuid.uuid4().hex[:8]}"
    first, second = IndexLock(engine, name), IndexLock(engine, name)
    assert first.try_acquire()
    assert not second.try_acquire()
    assert first.holder_now() == first.holder
    with pytest.raises(LockBusy), second.held():
        pass
    first.release()
    with second.held():
        assert first.holder_now() == second.holder
        assert not first.try_acquire()
    assert second.holder_now() is None


def test_a_dead_holders_lease_expires(engine):
    name = f"indexer-{uuid.uuid4().hex[:8]}"
    dead = IndexLock(engine, name, ttl=0.5)
    assert dead.try_acquire()  # and never released: the process died
    alive = IndexLock(engine, name, ttl=0.5)
    assert not alive.try_acquire()
    time.sleep(0.8)
    assert alive.try_acquire()
    assert not dead.renew()  # the dead holder cannot take it back


def test_held_lease_is_renewed_while_the_work_runs(engine):
    name = f"indexer-{uuid.uuid4().hex[:8]}"
    holder = IndexLock(engine, name, ttl=0.6)
    other = IndexLock(engine, name, ttl=0.6)
    with holder.held():
        time.sleep(1.2)  # twice the lease: only the heartbeat keeps it
        assert not other.try_acquire()
    assert other.try_acquire()


def test_workers_share_the_cores_and_the_chroma_server(tmp_path):
    settings = Settings(data_dir=tmp_path, workers=2)
    env = worker_environment(settings, "http://127.0.0.1:9")
    assert env["ASSISTANT_CHROMA_URL"] == "http://127.0.0.1:9"
    assert int(env["ASSISTANT_EMBED_THREADS"]) == max(1, usable_cores() // 2)
    fixed = Settings(data_dir=tmp_path, workers=2, embed_threads=3)
    assert "ASSISTANT_EMBED_THREADS" not in worker_environment(fixed, "http://x")


@pytest.mark.model
def test_the_torch_embedder_keeps_to_its_share_of_the_cores():
    """A worker's e5 (torch) runs the threads it was given, not one per core."""
    import torch

    from assistant.search.embeddings import E5Embeddings

    before = torch.get_num_threads()
    torch.set_num_threads(3)  # whatever the process had: the embedder must set its own
    try:
        assert len(E5Embeddings(MODEL_DIR, threads=1).embed_query("研发费用")) == 384
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)


def _post(url: str, body: dict[str, object], token: str = "") -> dict[str, object]:
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers)
    with urllib.request.urlopen(req, timeout=120) as resp:
        result: dict[str, object] = json.loads(resp.read())
        return result


def _upload(url: str, path: Path, token: str) -> dict[str, object]:
    boundary = uuid.uuid4().hex
    body = (
        (
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="file"; filename="{path.name}"\r\n'
            "Content-Type: text/plain\r\n\r\n"
        ).encode()
        + path.read_bytes()
        + f"\r\n--{boundary}--\r\n".encode()
    )
    req = urllib.request.Request(
        f"{url}/api/documents",
        data=body,
        headers={
            "content-type": f"multipart/form-data; boundary={boundary}",
            "authorization": f"Bearer {token}",
        },
    )
    with urllib.request.urlopen(req, timeout=120) as resp:
        result: dict[str, object] = json.loads(resp.read())
        return result


def _wait_ready(url: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/api/health", timeout=10) as resp:
                if "就绪" in json.loads(resp.read())["index"]:
                    return
        except urllib.error.HTTPError as exc:
            if exc.code != 503:  # 503: no worker is up yet; anything else is a failure
                raise
        time.sleep(0.5)
    raise AssertionError(f"{url} did not finish indexing")


def test_two_app_processes_share_sessions_and_uploads(tmp_path):
    if not PG_URL:
        pytest.skip("no PostgreSQL: set ASSISTANT_TEST_DATABASE_URL (.ci/run does)")
    from assistant.store.accounts import AccountStore
    from assistant.store.db import SessionStore

    staff = f"staff{uuid.uuid4().hex[:6]}"
    shared = make_engine(Settings(data_dir=tmp_path, database_url=PG_URL))
    accounts, sessions = AccountStore(shared), SessionStore(shared)
    accounts.add_user(staff, "staff", "a-long-secret-42")
    token = accounts.create_token(staff)
    # A unique word, so the search can only find it in the uploaded document.
    marker = f"冷链仓储示范{uuid.uuid4().hex[:6]}"
    doc = tmp_path / "notice.txt"
    doc.write_text(
        f"关于开展{marker}项目申报工作的通知\n一、申报条件：企业须在聊城市注册，"
        f"{marker}项目的冷库容量不低于一万立方米。\n",
        encoding="utf-8",
    )
    with chroma_server(tmp_path / "chroma", tmp_path / "chroma.log") as chroma_url:
        env = {
            "ASSISTANT_CHROMA_URL": chroma_url,
            "ASSISTANT_DATABASE_URL": PG_URL,
            "ASSISTANT_KNOWLEDGE_DIR": str(FIXTURE_KB),
            "ASSISTANT_WORKERS": "1",
        }
        with (
            running_app(tmp_path / "a", **env) as one,
            running_app(tmp_path / "b", **env) as two,
        ):
            _wait_ready(one)
            _wait_ready(two)
            first = _post(
                f"{one}/api/ask",
                {"question": "我们公司有120名员工，去年营业收入5000万元，能评高企吗"},
            )
            sid = str(first["session_id"])
            second = _post(f"{two}/api/ask", {"question": "那研发费用要多少", "session_id": sid})
            assert second["session_id"] == sid
            # Process two loaded the session process one wrote, and added its turn to it.
            facts, _ = sessions.load(sid)
            assert facts.get("employees") == 120, facts
            history = [turn["question"] for turn in sessions.history(sid)]
            assert history == [
                "我们公司有120名员工，去年营业收入5000万元，能评高企吗",
                "那研发费用要多少",
            ]

            added = _upload(one, doc, token)
            assert added["status"] == "added", added
            found = _post(f"{two}/api/search", {"question": f"{marker}的冷库容量要求", "k": 3})
            passages = found["passages"]
            assert isinstance(passages, list)
            assert passages
            assert marker in passages[0]["text"], passages[0]


def test_several_workers_behind_one_port(tmp_path):
    """``ASSISTANT_WORKERS=2``: the chroma server is started for the workers, the page and the
    API answer on the one port, and an upload through it is found through it again."""
    from assistant.store.accounts import AccountStore

    data = tmp_path / "data"
    accounts = AccountStore(make_engine(Settings(data_dir=data)))
    accounts.add_user("staff1", "staff", "a-long-secret-42")
    token = accounts.create_token("staff1")
    doc = tmp_path / "notice.txt"
    doc.write_text("关于开展冷链仓储示范项目申报的通知\n冷库容量不低于一万立方米。\n", "utf-8")
    env = {"ASSISTANT_KNOWLEDGE_DIR": str(FIXTURE_KB), "ASSISTANT_WORKERS": "2"}
    with running_app(data, **env) as url:
        _wait_ready(url)
        # The front sends a request to a worker that is up; to see both answer, both must be.
        _wait_started(data / "worker-0.log", data / "worker-1.log")
        with urllib.request.urlopen(f"{url}/", timeout=60) as resp:
            assert "申报助手" in resp.read().decode()
        assert (data / "chroma-server.log").is_file()
        assert (data / "worker-0.log").is_file()
        assert (data / "worker-1.log").is_file()
        assert _upload(url, doc, token)["status"] == "added"
        for _ in range(4):  # several requests: both workers answer some of them
            found = _post(f"{url}/api/search", {"question": "冷链仓储示范项目的冷库容量", "k": 3})
            passages = found["passages"]
            assert isinstance(passages, list)
            assert "冷库容量" in passages[0]["text"]
    for worker in ("worker-0.log", "worker-1.log"):
        assert "/api/search" in (data / worker).read_text(encoding="utf-8"), worker


def _wait_started(*logs: Path, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        texts = [log.read_text(encoding="utf-8") if log.is_file() else "" for log in logs]
        if all("Application startup complete" in t for t in texts):
            return
        time.sleep(0.5)
    raise AssertionError(f"not every worker started: {[str(log) for log in logs]}")


def _answering_server(body: bytes, port: int = 0) -> tuple[int, object]:
    """A loopback server that answers every request with ``body``; (port, server)."""
    import http.server
    import threading

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server.server_address[1], server


def _through_front(ports: list[int], path: str, page_wait_s: float = 0.5) -> tuple[int, bytes]:
    """Send ``GET path`` through a :class:`Front` over ``ports``; (status, body)."""
    import asyncio

    async def run() -> tuple[int, bytes]:
        front = Front(ports, page_wait_s=page_wait_s)
        server = await asyncio.start_server(front._handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(f"GET {path} HTTP/1.1\r\nhost: x\r\n\r\n".encode())
        await writer.drain()
        raw = await asyncio.wait_for(reader.read(), 10)
        writer.close()
        server.close()
        head, _, body = raw.partition(b"\r\n\r\n")
        assert front.active == [0] * len(ports)  # every request was counted off again
        return int(head.split(b" ")[1]), body

    return asyncio.run(run())


def test_the_front_sends_api_requests_to_a_worker_that_is_up():
    dead = _free_loopback_port()
    port, server = _answering_server(b"up")
    try:
        for _ in range(4):  # whichever worker the turn picks first
            assert _through_front([dead, port], "/api/health") == (200, b"up")
        # Pages belong to the first worker: when it stays down (past the front's wait for it
        # to start) the front says so, in Chinese.
        status, body = _through_front([dead, port], "/")
        assert status == 503
        assert "正在启动" in json.loads(body)["error"]["message"]
    finally:
        server.shutdown()  # type: ignore[attr-defined]


def _free_loopback_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_fronts_preload_starts_no_thread_so_the_workers_can_be_forked(tmp_path):
    """The front forks the workers after importing their modules; a thread running in the
    front at that moment (a pool, a telemetry sender) would be copied half-way into every
    worker, so the imports must start none."""
    import subprocess
    import sys

    script = (
        "import threading\n"
        "from pathlib import Path\n"
        "from assistant.config import Settings\n"
        "from assistant.web.server import preload\n"
        f"names = preload(Settings(data_dir=Path({str(tmp_path)!r}), embeddings='e5'))\n"
        "assert 'onnxruntime' in names and 'chromadb' in names and 'torch' not in names, names\n"
        "import sys\n"
        "assert 'gradio' not in sys.modules  # the pages' worker imports it after the fork\n"
        f"names = preload(Settings(data_dir=Path({str(tmp_path)!r}), embeddings='e5-torch'))\n"
        "assert 'torch' in names, names\n"
        "print([t.name for t in threading.enumerate()])\n"
    )
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False", "GRADIO_ANALYTICS_ENABLED": "False"}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "['MainThread']", done.stdout


def test_a_page_request_waits_for_its_worker_while_it_starts():
    import threading

    port = _free_loopback_port()
    servers: list[object] = []
    starter = threading.Timer(1.0, lambda: servers.append(_answering_server(b"page", port)[1]))
    starter.start()
    try:
        assert _through_front([port], "/", page_wait_s=8.0) == (200, b"page")
    finally:
        starter.join()
        for server in servers:
            server.shutdown()  # type: ignore[attr-defined]
