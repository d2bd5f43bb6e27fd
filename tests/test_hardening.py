"""Limits before work, identity before validation, rates, security headers, health as data."""

from __future__ import annotations

import contextlib
import inspect
import json
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from starlette.routing import Route

from assistant.application import Application
from assistant.config import Settings
from assistant.web.api import create_api
from assistant.web.app import create_app
from assistant.web.guard import JSON_LIMIT, protected_roles
from tests.conftest import FIXTURE_KB, free_port

PASSWORD = "a-long-secret-42"


def _settings(tmp_path, **extra) -> Settings:
    return Settings(
        data_dir=tmp_path / "data", knowledge_dir=FIXTURE_KB, embeddings="hashing", **extra
    )


def _with_users(services: Application) -> dict[str, str]:
    store = services.accounts()
    for name, role in (("wang", "staff"), ("li", "evaluator"), ("boss", "admin")):
        store.add_user(name, role, PASSWORD)
    return {name: store.create_token(name) for name in ("wang", "li", "boss")}


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@contextlib.contextmanager
def served(app) -> Iterator[str]:
    """A real uvicorn server (HTTP/1.1 over a socket, as clients meet it) in a thread."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def _multipart(name: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    return head + data + f"\r\n--{boundary}--\r\n".encode(), boundary


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=120) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


# ---------------------------------------------------------------- health as data


def test_health_reports_the_index_state_as_data_and_ready_only_after_indexing(tmp_path):
    services = Application(_settings(tmp_path))
    client = TestClient(create_api(services))
    before = client.get("/api/health").json()
    assert before["status"] == "ok"
    assert "index" in before
    assert "programs" in before
    assert before["ready"] is False
    assert before["index_state"]["state"] == "indexing"
    assert set(before["index_state"]) == {"state", "done", "total", "error"}
    assert before["versions"]["knowledge"]
    assert before["versions"]["rules"]["hnte"]
    assert client.get("/api/health", params={"require": "ready"}).status_code == 503
    services.index_knowledge()
    after = client.get("/api/health", params={"require": "ready"})
    assert after.status_code == 200
    body = after.json()
    assert body["ready"] is True
    assert body["index_state"]["state"] == "ready"
    assert body["index_state"]["done"] == body["index_state"]["total"] > 0
    assert body["index_state"]["error"] is None


def test_an_answer_given_while_indexing_says_so(tmp_path):
    services = Application(_settings(tmp_path))
    services.index_knowledge()
    client = TestClient(create_api(services))
    services.index.start()
    services.index.progress(96, 238)  # a re-index under way, as after a start
    body = client.post("/api/ask", json={"question": "高企认定需要什么条件"}).json()
    assert body["index_state"] == {"state": "indexing", "done": 96, "total": 238, "error": None}
    assert "知识库正在更新（96/238），回答可能不完整" in body["answer"]
    assert body["notice"] == "知识库正在更新（96/238），回答可能不完整"
    services.index.finish(5, "")
    done = client.post("/api/ask", json={"question": "高企认定需要什么条件"}).json()
    assert done["index_state"]["state"] == "ready"
    assert done["notice"] is None
    assert "知识库正在更新" not in done["answer"]


def test_a_failed_index_shows_as_error_in_health(tmp_path, monkeypatch):
    services = Application(_settings(tmp_path))
    client = TestClient(create_api(services))

    def broken(*_a, **_k):
        raise OSError("No space left on device")

    monkeypatch.setattr(type(services.search_stack().indexer), "index_knowledge", broken)
    with pytest.raises(OSError, match="No space"):
        services.index_knowledge()
    state = client.get("/api/health").json()["index_state"]
    assert state["state"] == "error"
    assert "No space left" in state["error"]


# ---------------------------------------------------------------- identity before validation


def _protected_routes(api) -> list[tuple[str, str]]:
    """Every API route whose handler checks a role, with a concrete path."""
    out = []
    for route in api.routes:
        if not isinstance(route, Route) or not route.path.startswith("/api/"):
            continue
        if "require(services" not in inspect.getsource(route.endpoint):
            continue
        path = route.path.replace("{template_id}", "1").replace("{doc_id}", "x")
        path = path.replace("{name}", "wang")
        out.extend((m, path) for m in sorted(route.methods or ()) if m != "HEAD")
    return out


def test_every_protected_route_checks_identity_before_the_body(tmp_path):
    services = Application(_settings(tmp_path))
    tokens = _with_users(services)
    api = create_api(services)
    client = TestClient(api)
    routes = _protected_routes(api)
    assert len(routes) >= 15
    for method, path in routes:
        assert protected_roles(path) is not None, f"{path} is not in guard.PROTECTED"
        r = client.request(method, path, content=b"{not json", headers={"content-type": "x"})
        assert r.status_code == 401, (method, path, r.status_code, r.text)
        assert r.json()["error"]["code"] == "unauthorized"
    r = client.post("/api/templates", json={"title": 1}, headers=_auth(tokens["li"]))
    assert r.status_code == 403
    r = client.post("/api/templates", json={"title": 1}, headers=_auth(tokens["wang"]))
    assert r.status_code == 400  # known and allowed: now the body is checked


# ---------------------------------------------------------------- body limits


def test_json_bodies_over_the_limit_get_a_chinese_413(tmp_path):
    client = TestClient(create_api(Application(_settings(tmp_path))))
    r = client.post(
        "/api/check", content=b" " * (JSON_LIMIT + 1), headers={"content-type": "application/json"}
    )
    assert r.status_code == 413
    assert "1 MB" in r.json()["error"]["message"]

    def chunks():  # no Content-Length: the limit is counted while reading
        for _ in range(3):
            yield b" " * (JSON_LIMIT // 2)

    r = client.post("/api/check", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "too_large"


def test_uploads_follow_the_document_limit_and_a_client_still_sending_reads_the_413(tmp_path):
    services = Application(_settings(tmp_path, max_file_mb=3))
    tokens = _with_users(services)
    with served(create_api(services)) as url:
        text = ("高新技术企业认定管理办法第十一条规定研发费用比例。\n" * 14_000).encode()
        assert JSON_LIMIT < len(text) < 3 * 2**20  # over the JSON limit, under the file limit
        body, boundary = _multipart("notice.txt", text)
        headers = {
            "content-type": f"multipart/form-data; boundary={boundary}",
            **_auth(tokens["wang"]),
        }
        status, answer = _post(f"{url}/api/documents", body, headers)
        assert status == 200, answer
        assert answer["status"] == "added"
        # 8 MiB: urllib is still sending when the server knows it is too much.
        body, boundary = _multipart("big.txt", b"x" * (8 * 2**20))
        headers["content-type"] = f"multipart/form-data; boundary={boundary}"
        status, answer = _post(f"{url}/api/documents", body, headers)
        assert status == 413
        assert "3 MB" in answer["error"]["message"]
        assert not (services.settings.data_dir / "uploads" / "big.txt").exists()


def test_upload_names_cannot_escape_or_carry_control_characters(tmp_path):
    services = Application(_settings(tmp_path))
    tokens = _with_users(services)
    client = TestClient(create_api(services))
    name = "../../etc/\x1b[31m通知\r\n.txt"
    r = client.post(
        "/api/documents",
        files={"file": (name, "高新技术企业认定的研发费用比例要求。".encode())},
        headers=_auth(tokens["wang"]),
    )
    assert r.status_code == 200, r.text
    saved = [p.name for p in (services.settings.data_dir / "uploads").iterdir()]
    assert len(saved) == 1
    assert saved[0].endswith(".txt")
    assert "通知" in saved[0]
    assert all(ch.isprintable() for ch in saved[0])
    assert "/" not in saved[0]
    assert not (tmp_path / "etc").exists()


# ---------------------------------------------------------------- rates


def test_logins_lock_per_account_until_an_admin_lifts_it_and_it_is_audited(tmp_path):
    app = create_app(_settings(tmp_path, login_failures=3), index_in_background=False)
    services = app.state.services
    tokens = _with_users(services)
    client = TestClient(app, follow_redirects=False)
    for _ in range(3):
        r = client.post("/login", data={"name": "wang", "password": "wrong-password"})
        assert r.status_code == 401
    r = client.post("/login", data={"name": "wang", "password": PASSWORD})
    assert r.status_code == 429  # locked: even the right password waits
    assert "锁定" in r.text
    assert r.headers["retry-after"]
    assert client.post("/login", data={"name": "li", "password": PASSWORD}).status_code == 303
    r = client.post("/api/users/wang/unlock", headers=_auth(tokens["wang"]))
    assert r.status_code == 403  # only an admin lifts it
    r = client.post("/api/users/wang/unlock", headers=_auth(tokens["boss"]))
    assert r.status_code == 200
    assert client.post("/login", data={"name": "wang", "password": PASSWORD}).status_code == 303
    actions = [(a["action"], a["target"]) for a in services.accounts().audit_log(50)]
    assert ("login.refused", "wang") in actions
    assert ("login.unlock", "wang") in actions


def test_logins_are_limited_per_address(tmp_path):
    app = create_app(_settings(tmp_path, login_per_address=4), index_in_background=False)
    _with_users(app.state.services)
    client = TestClient(app, follow_redirects=False)
    for i in range(4):  # different names: no account lock, only the address counts
        assert client.post("/login", data={"name": f"x{i}", "password": "p"}).status_code == 401
    r = client.post("/login", data={"name": "wang", "password": PASSWORD})
    assert r.status_code == 429


def test_questions_are_limited_per_client(tmp_path):
    client = TestClient(create_api(Application(_settings(tmp_path, ask_per_minute=3))))
    for _ in range(3):
        assert client.post("/api/ask", json={}).status_code == 400
    r = client.post("/api/ask", json={"question": "高企认定条件"})
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) >= 1
    assert "秒后再试" in r.json()["error"]["message"]


# ---------------------------------------------------------------- headers


def test_pages_carry_security_headers_and_https_cookies_are_secure(tmp_path):
    app = create_app(_settings(tmp_path), index_in_background=False)
    _with_users(app.state.services)
    client = TestClient(app, follow_redirects=False)
    for path in ("/", "/login", "/api/health"):
        r = client.get(path)
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["x-content-type-options"] == "nosniff"
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    plain = client.post("/login", data={"name": "wang", "password": PASSWORD})
    assert "secure" not in plain.headers["set-cookie"].lower()
    https = TestClient(app, base_url="https://testserver", follow_redirects=False)
    r = https.post("/login", data={"name": "wang", "password": PASSWORD})
    assert r.status_code == 303
    assert "secure" in r.headers["set-cookie"].lower()
