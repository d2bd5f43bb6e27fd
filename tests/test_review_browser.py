"""The 答案评审 page in a real browser: an evaluator logs in, loads the queue (the 没用 answer
first), grades it, and sees the grade in the dashboard with its charts.

Screenshots go to test-artifacts/ (git-ignored). Skipped when no chromium is installed.
"""

from __future__ import annotations

import json
import shutil
import time
import urllib.request

import pytest

from assistant.config import PROJECT_ROOT, Settings
from assistant.store.accounts import AccountStore
from assistant.store.db import make_engine
from eval.answers import SETS, load_answer_set
from tests.conftest import running_app

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
PASSWORD = "a-long-secret-42"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM, reason="no chromium (apt-get install chromium)"),
]


def post(url: str, body: dict) -> dict:
    req = urllib.request.Request(
        url, json.dumps(body).encode(), {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=120) as r:
        return json.loads(r.read())


def wait_for_index(url: str) -> None:
    """Indexing runs in the background: answers before it ends would all be refusals."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        with urllib.request.urlopen(f"{url}/api/health", timeout=10) as r:
            if json.loads(r.read())["index"].startswith("就绪"):
                return
        time.sleep(0.5)
    raise AssertionError("the knowledge base was not indexed in 300 s")


def test_an_evaluator_grades_the_disliked_answer_and_sees_it_counted(tmp_path):
    from playwright.sync_api import sync_playwright

    data, gold = tmp_path / "data", tmp_path / "gold"
    shutil.copytree(SETS, gold)
    AccountStore(make_engine(Settings(data_dir=data))).add_user("eve", "evaluator", PASSWORD)
    ARTIFACTS.mkdir(exist_ok=True)
    with running_app(data, ASSISTANT_GOLD_DIR=str(gold)) as url:
        wait_for_index(url)
        post(f"{url}/api/ask", {"question": "高新技术企业证书的有效期是几年？"})
        disliked = post(f"{url}/api/ask", {"question": "泉城好品申报需要哪些条件？"})
        post(f"{url}/api/feedback", {"session_id": disliked["session_id"], "useful": False})
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.goto(f"{url}/review/")
            page.get_by_label("用户名").fill("eve")
            page.get_by_label("密码").fill(PASSWORD)
            page.get_by_role("button", name="登录").click()
            page.wait_for_selector("text=已登录", timeout=60_000)
            page.get_by_role("button", name="刷新队列").click()
            page.wait_for_selector("text=共 2 条待评审", timeout=60_000)
            assert page.locator("td", has_text="用户差评").count() == 1
            page.wait_for_selector("text=消息 #2", timeout=60_000)  # the first item opens
            page.wait_for_selector("text=没用 ×1，有用 ×0", timeout=60_000)
            assert "消息 #2" in page.inner_text("body")
            page.get_by_label("错误").first.check()
            page.get_by_label("部分正确").nth(1).check()
            page.get_by_role("button", name="提交评分").click()
            page.wait_for_selector("text=已保存消息 #2 的评分", timeout=60_000)
            page.wait_for_selector("text=共 1 条待评审", timeout=60_000)
            page.wait_for_selector("text=消息 #1", timeout=60_000)  # on to the next one
            page.screenshot(path=str(ARTIFACTS / "review-queue.png"), full_page=True)
            page.get_by_role("tab", name="加入标准答案集").click()
            page.get_by_label("消息编号").nth(1).fill("2")
            page.get_by_role("button", name="载入").click()
            page.wait_for_selector("text=已载入消息 #2", timeout=60_000)
            assert page.get_by_label("问题（可修改）").input_value() == "泉城好品申报需要哪些条件？"
            page.get_by_label("问题（可修改）").fill("泉城好品要满足哪些申报条件？")
            page.get_by_label("必须包含（每行一组，| 分隔备选）").fill(
                "连续经营3年|3年以上\n自主商标"
            )
            page.get_by_role("button", name="加入标准答案集").click()
            page.wait_for_selector("text=来源：review #2 by eve", timeout=60_000)
            page.screenshot(path=str(ARTIFACTS / "review-promote.png"), full_page=True)
            page.get_by_role("tab", name="评审统计").click()
            page.get_by_role("button", name="刷新统计").click()
            page.wait_for_selector("text=回答准确率", timeout=60_000)
            page.wait_for_selector("canvas, svg.marks, .vega-embed", timeout=60_000)
            page.screenshot(path=str(ARTIFACTS / "review-dashboard.png"), full_page=True)
            body = page.inner_text("body")
            browser.close()
    assert "0.0%" in body  # one answer, graded wrong
    assert "| 已加入标准答案集 | 1 条 |" not in body  # rendered as a table, not Markdown source
    assert "已加入标准答案集\n1 条" in body or "已加入标准答案集\t1 条" in body
    [item] = [i for i in load_answer_set(gold) if i.source == "review #2 by eve"]
    assert item.question == "泉城好品要满足哪些申报条件？"
    assert item.program == "quancheng_haopin"
    assert item.must_contain == [["连续经营3年", "3年以上"], ["自主商标"]]
    assert "quancheng-haopin-conditions" in item.must_cite
    assert "泉城好品" in body
