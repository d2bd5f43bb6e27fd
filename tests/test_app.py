"""``python app.py`` starts the web app, which serves the Chinese page and answers a search."""

from __future__ import annotations

import json
import urllib.request

from assistant.application import Application
from assistant.web.app import format_passages
from tests.conftest import FIXTURE_KB, running_app


def test_app_py_serves_the_page(tmp_path):
    with running_app(tmp_path, ASSISTANT_KNOWLEDGE_DIR=str(FIXTURE_KB)) as url:
        with urllib.request.urlopen(f"{url}/", timeout=5) as resp:
            assert "申报助手" in resp.read().decode()
        with urllib.request.urlopen(f"{url}/api/health", timeout=5) as resp:
            assert json.loads(resp.read())["status"] == "ok"
        with urllib.request.urlopen(f"{url}/docs", timeout=5) as resp:
            assert resp.status == 200


def test_search_handler_renders_citations_and_reported_notes(settings):
    app = Application(settings)
    app.index_knowledge()
    text = format_passages(app, "研发投入要占营收多少才能评高企", "")
    assert "《高新技术企业认定管理办法》 国科发火〔2016〕32号 第十一条第（五）项" in text
    assert "无法检索" in format_passages(app, "", "")
