"""``python app.py`` starts the web app, which serves the Chinese page and answers a search."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

from assistant.config import PROJECT_ROOT
from assistant.factory import build_search
from assistant.web.app import format_passages
from tests.conftest import FIXTURE_KB


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_app_py_serves_the_page(tmp_path):
    port = _free_port()
    env = dict(
        os.environ,
        ASSISTANT_DATA_DIR=str(tmp_path),
        ASSISTANT_EMBEDDINGS="hashing",
        ASSISTANT_KNOWLEDGE_DIR=str(FIXTURE_KB),
        ASSISTANT_PORT=str(port),
    )
    proc = subprocess.Popen(
        [sys.executable, "app.py"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as resp:
                    page = resp.read().decode()
                    break
            except OSError as exc:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(
                        f"app did not start: {proc.stderr.read() if proc.stderr else ''}"
                    ) from exc
                time.sleep(0.5)
        assert "申报助手" in page
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=5) as resp:
            assert json.loads(resp.read())["status"] == "ok"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/docs", timeout=5) as resp:
            assert resp.status == 200
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_search_handler_renders_citations_and_reported_notes(settings):
    stack = build_search(settings)
    stack.indexer.index_knowledge(stack.knowledge)
    text = format_passages(stack, "研发投入要占营收多少才能评高企", "")
    assert "《高新技术企业认定管理办法》 国科发火〔2016〕32号 第十一条第（五）项" in text
    assert "无法检索" in format_passages(stack, "", "")
