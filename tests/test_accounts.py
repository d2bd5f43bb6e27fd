"""Accounts, tokens, roles on the write routes, the audit log, and safe uploads."""

from __future__ import annotations

import io
import os
import sqlite3
import subprocess
import sys

import pytest
from fastapi.testclient import TestClient

from assistant.application import Application
from assistant.config import PROJECT_ROOT, Settings
from assistant.errors import InputError
from assistant.store.accounts import AccountStore
from assistant.store.db import make_engine
from assistant.web.api import create_api

PASSWORD = "a-long-secret-42"


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    settings = Settings(data_dir=tmp_path_factory.mktemp("acc"), embeddings="hashing")
    services = Application(settings)
    store = services.accounts()
    store.add_user("wang", "staff", PASSWORD)
    store.add_user("li", "evaluator", PASSWORD)
    store.add_user("boss", "admin", PASSWORD)
    tokens = {name: store.create_token(name) for name in ("wang", "li", "boss")}
    return settings, services, TestClient(create_api(services)), tokens


def _auth(token):
    return {"Authorization": f"Bearer {token}"}


def test_passwords_and_tokens_are_never_stored_in_clear(env):
    settings, _, _, tokens = env
    dump = "\n".join(sqlite3.connect(settings.data_dir / "assistant.db").iterdump())
    assert PASSWORD not in dump
    assert tokens["wang"] not in dump
    assert "scrypt$" in dump


def test_authentication_and_bad_accounts(env):
    _, services, _, _ = env
    store = services.accounts()
    assert store.authenticate("wang", PASSWORD).role == "staff"
    assert store.authenticate("wang", "wrong-password") is None
    with pytest.raises(InputError, match="at least"):
        store.add_user("zhao", "staff", "short")
    with pytest.raises(InputError, match="role"):
        store.add_user("zhao", "root", PASSWORD)
    with pytest.raises(InputError, match="exists"):
        store.add_user("wang", "staff", PASSWORD)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/documents"),
        ("post", "/api/reindex"),
        ("delete", "/api/documents/file-x"),
        ("get", "/api/audit"),
    ],
)
def test_write_and_staff_routes_refuse_anonymous_requests(env, method, path):
    _, _, client, _ = env
    response = getattr(client, method)(path)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    bad = getattr(client, method)(path, headers=_auth("sbz_forged"))
    assert bad.status_code == 401


def test_wrong_roles_are_refused(env):
    _, _, client, tokens = env
    assert client.get("/api/documents", headers=_auth(tokens["li"])).status_code == 403
    assert client.get("/api/audit", headers=_auth(tokens["wang"])).status_code == 403
    assert client.get("/api/audit", headers=_auth(tokens["boss"])).status_code == 200


def test_staff_upload_list_remove_are_audited(env):
    _, services, client, tokens = env
    files = {
        "file": (
            "../../etc/evil.txt",
            io.BytesIO("泉城好品第三批公布。共有50个品牌入选。".encode()),
            "text/plain",
        )
    }
    r = client.post("/api/documents", headers=_auth(tokens["wang"]), files=files)
    assert r.status_code == 200, r.text
    saved = services.settings.data_dir / "uploads" / "evil.txt"
    assert saved.is_file()  # the name was reduced to its last part, inside uploads/
    docs = client.get("/api/documents", headers=_auth(tokens["wang"])).json()
    doc = next(d for d in docs if d["source"] == str(saved))
    assert doc["chunks"] >= 1
    gone = client.delete(f"/api/documents/{doc['doc_id']}", headers=_auth(tokens["wang"]))
    assert gone.json()["status"] == "removed"
    assert (
        client.delete(f"/api/documents/{doc['doc_id']}", headers=_auth(tokens["wang"])).status_code
        == 404
    )
    log = client.get("/api/audit", headers=_auth(tokens["boss"])).json()
    actions = [(e["user"], e["action"]) for e in log]
    assert ("wang", "document.ingest") in actions
    assert ("wang", "document.remove") in actions
    csv_text = client.get("/api/audit?format=csv", headers=_auth(tokens["boss"])).text
    assert "document.remove" in csv_text


def test_unsupported_uploads_are_refused(env):
    _, _, client, tokens = env
    files = {"file": ("run.sh", io.BytesIO(b"rm -rf /"), "text/plain")}
    r = client.post("/api/documents", headers=_auth(tokens["wang"]), files=files)
    assert r.status_code == 400
    assert ".md" in r.json()["error"]["message"]


def test_users_cli_creates_accounts_without_echoing_the_password(tmp_path):
    env = dict(os.environ, ASSISTANT_DATA_DIR=str(tmp_path))
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "assistant",
            "users",
            "add",
            "zhang",
            "--role",
            "staff",
            "--password-stdin",
        ],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert PASSWORD not in proc.stdout + proc.stderr
    store = AccountStore(make_engine(Settings(data_dir=tmp_path)))
    assert store.authenticate("zhang", PASSWORD) is not None
    weak = subprocess.run(
        [
            sys.executable,
            "-m",
            "assistant",
            "users",
            "add",
            "zhou",
            "--role",
            "staff",
            "--password-stdin",
            "--json",
        ],
        input="123\n",
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env=env,
        timeout=60,
    )
    assert weak.returncode == 2
