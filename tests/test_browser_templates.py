"""答复模板 in a real browser: staff log in, save a public chat answer as a draft template,
approve it, and a paraphrase in the public chat is answered from it (with the note).

Screenshots go to test-artifacts/templates-*.png. Skipped without chromium.
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
from tests.conftest import running_app

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
PASSWORD = "staff-secret-42"
QUESTION = "高企证书有效期几年？"
PARAPHRASE = "高企的证书有效期是几年？"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM, reason="no chromium (apt-get install chromium)"),
]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    data = tmp_path_factory.mktemp("browser-templates")
    AccountStore(make_engine(Settings(data_dir=data))).add_user("tina", "staff", PASSWORD)
    # the hashing embedder scores paraphrases lower than e5: its own threshold
    with running_app(data, ASSISTANT_TEMPLATE_THRESHOLD="0.6") as url:
        deadline = time.monotonic() + 300
        while "就绪" not in _health(url)["index"]:
            assert time.monotonic() < deadline, "knowledge was not indexed in time"
            time.sleep(1)
        yield url


def _health(url):
    with urllib.request.urlopen(f"{url}/api/health", timeout=10) as r:
        return json.loads(r.read())


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield b
        b.close()


def _ask(page, question):
    page.get_by_role("tab", name="智能问答").click()
    page.get_by_label("您的问题").fill(question)
    page.get_by_role("button", name="发送").click()


def test_staff_turn_a_chat_answer_into_a_template_that_answers_a_paraphrase(app_url, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    public = context.new_page()
    public.goto(app_url)
    public.wait_for_selector("text=智能问答", timeout=60_000)
    _ask(public, QUESTION)
    public.wait_for_function("document.body.innerText.includes('依据')", timeout=60_000)
    public.wait_for_function("document.body.innerText.includes('《')", timeout=60_000)

    staff = context.new_page()
    staff.goto(f"{app_url}/login?next=/staff/")
    staff.fill("#name", "tina")
    staff.fill("#password", PASSWORD)
    staff.get_by_role("button", name="登录").click()
    staff.wait_for_selector("text=员工工作台", timeout=60_000)
    staff.get_by_role("tab", name="答复模板").click()
    staff.get_by_role("button", name="刷新最近回答").click()
    staff.get_by_label("最近的回答").click()
    staff.get_by_role("option", name=QUESTION, exact=False).first.click()
    staff.get_by_label("模板标题（可选，默认用问题）").fill("高企有效期（标准答复）")
    staff.get_by_role("button", name="存为草稿模板").click()
    staff.wait_for_selector("text=已保存为草稿模板", timeout=60_000)
    staff.wait_for_function(  # the new draft is selected and opened in the editor
        "document.body.innerText.includes('草稿 · 第 1 版')", timeout=60_000
    )
    assert staff.get_by_label("触发问法（每行一个）").input_value() == QUESTION
    staff.get_by_role("button", name="审核通过").click()
    staff.wait_for_selector("text=已审核通过", timeout=60_000)
    picker = staff.get_by_label("选择模板")
    staff.wait_for_function(
        "el => el.value.endsWith('（已审核）')", arg=picker.element_handle(), timeout=30_000
    )
    staff.get_by_role("button", name="搜索").click()
    staff.wait_for_function(
        "document.body.innerText.includes('高企有效期（标准答复）')", timeout=60_000
    )
    staff.screenshot(path=str(ARTIFACTS / "templates-staff.png"), full_page=True)
    assert "已审核" in staff.inner_text("body")

    _ask(public, PARAPHRASE)
    public.wait_for_selector("text=已审核答复模板", timeout=60_000)
    public.screenshot(path=str(ARTIFACTS / "templates-chat.png"), full_page=True)
    body = public.inner_text("body")
    assert "高企有效期（标准答复）" in body
    assert "有效期" in body
    context.close()
