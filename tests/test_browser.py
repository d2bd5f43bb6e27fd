"""The product in a real browser (Playwright driving Debian's chromium): chat with a citation,
the all-programs self-check, both checklist downloads, and the staff-only upload.

Screenshots go to test-artifacts/ (git-ignored) to be looked at. Skipped when no chromium is
installed (``.ci/run`` installs it).
"""

from __future__ import annotations

import shutil

import pytest

from assistant.config import PROJECT_ROOT
from tests.conftest import running_app

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM, reason="no chromium (apt-get install chromium)"),
]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    with running_app(tmp_path_factory.mktemp("browser")) as url:
        yield url


@pytest.fixture(scope="module")
def page(app_url):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        context = browser.new_context(
            viewport={"width": 1280, "height": 900}, accept_downloads=True
        )
        pg = context.new_page()
        pg.goto(app_url)
        pg.wait_for_selector("text=智能问答", timeout=60_000)
        yield pg
        browser.close()


def test_chat_answers_with_a_citation(page):
    page.get_by_role("tab", name="智能问答").click()
    page.get_by_label("您的问题").fill("高新技术企业证书的有效期是几年？")
    page.get_by_role("button", name="发送").click()
    page.wait_for_selector("text=依据", timeout=60_000)
    page.wait_for_function("document.body.innerText.includes('《')", timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / "chat.png"), full_page=True)
    assert "有效期" in page.inner_text("body")


def test_self_check_ranks_all_programs(page):
    page.get_by_role("tab", name="资格自测").click()
    page.get_by_role("button", name="开始评估").click()
    page.wait_for_selector("text=可申报项目排序", timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / "selfcheck.png"), full_page=True)
    body = page.inner_text("body")
    assert "科技型中小企业评价" in body
    assert "高新技术企业认定" in body


def test_checklist_downloads_both_files(page, tmp_path):
    page.get_by_role("tab", name="申报清单").click()
    page.get_by_role("button", name="生成清单").click()
    page.wait_for_selector("text=申报材料清单", timeout=60_000)
    page.wait_for_selector("a[download$='.xlsx']", timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / "checklist.png"), full_page=True)
    saved = []
    for suffix in (".xlsx", ".docx"):
        with page.expect_download() as info:
            page.locator(f"a[download$='{suffix}']").first.click()
        target = tmp_path / info.value.suggested_filename
        info.value.save_as(target)
        saved.append(target)
    assert sorted(p.suffix for p in saved) == [".docx", ".xlsx"]
    assert all(p.stat().st_size > 1000 for p in saved)


def test_the_knowledge_upload_needs_a_staff_token(page, tmp_path):
    page.get_by_role("tab", name="知识库").click()
    doc = tmp_path / "notice.txt"
    doc.write_text("泉城好品第三批遴选通知。", encoding="utf-8")
    page.locator("input[type=file]").last.set_input_files(str(doc))
    page.get_by_role("button", name="上传并索引").click()
    page.wait_for_selector("text=请先输入有效的员工或管理员令牌", timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / "knowledge.png"), full_page=True)
