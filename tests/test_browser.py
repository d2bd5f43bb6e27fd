"""The product in a real browser (Playwright driving Debian's chromium): chat with a citation,
the self-check from the form, both checklist downloads, and the pages behind the login
(redirect when logged out, open after login, knowledge upload, audit log).

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


STAFF_PASSWORD = "staff-password-42"
ADMIN_PASSWORD = "admin-password-42"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    from assistant.config import Settings
    from assistant.store.accounts import AccountStore
    from assistant.store.db import make_engine

    folder = tmp_path_factory.mktemp("browser")
    accounts = AccountStore(make_engine(Settings(data_dir=folder)))
    accounts.add_user("zhang", "staff", STAFF_PASSWORD)
    accounts.add_user("root", "admin", ADMIN_PASSWORD)
    return folder


@pytest.fixture(scope="module")
def app_url(data_dir):
    with running_app(data_dir) as url:
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


def test_self_check_from_the_form_shows_verdicts_and_the_score_chart(page):
    page.get_by_role("tab", name="资格自测").click()
    page.get_by_label("职工总数（人）").fill("200")
    page.get_by_label("科技人员数（人）").fill("25")
    page.get_by_role("button", name="开始评估").click()
    page.wait_for_selector("text=可申报项目排序", timeout=60_000)
    page.wait_for_selector("svg[aria-label='评分与通过线']", timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / "selfcheck.png"), full_page=True)
    body = page.inner_text("body")
    assert "科技型中小企业评价" in body
    assert "高新技术企业认定" in body
    # 25 / 200 = 12.5 %: the hnte tech-staff share as typed into the form, not the example's.
    assert "12.5" in body


def test_markup_typed_into_the_chat_and_the_form_never_runs(page):
    bait = '<img src=x onerror="window.__pwned=1">'
    page.get_by_role("tab", name="智能问答").click()
    page.get_by_label("您的问题").fill(f"{bait}高新技术企业证书的有效期是几年？")
    page.get_by_role("button", name="发送").click()
    page.wait_for_function("document.body.innerText.split('有效期').length > 3", timeout=60_000)
    page.get_by_role("tab", name="资格自测").click()
    page.get_by_label("企业名称").fill(bait)
    page.get_by_role("button", name="开始评估").click()
    page.wait_for_selector("text=可申报项目排序", timeout=60_000)
    page.wait_for_timeout(500)
    assert page.evaluate("window.__pwned") is None


def test_the_phone_width_page_is_usable(page, app_url):
    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_role("tab", name="智能问答").click()
    page.screenshot(path=str(ARTIFACTS / "phone-chat.png"), full_page=False)
    assert page.get_by_role("button", name="发送").is_visible()
    page.set_viewport_size({"width": 1280, "height": 900})


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


def test_staff_page_redirects_to_login_then_uploads(page, app_url, data_dir, tmp_path):
    page.goto(f"{app_url}/staff/")
    page.wait_for_selector("text=登录：员工工作台", timeout=30_000)
    assert "/login?next=/staff/" in page.url
    page.screenshot(path=str(ARTIFACTS / "login.png"), full_page=True)
    page.get_by_label("用户名").fill("zhang")
    page.get_by_label("密码").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector("text=已登录：", timeout=60_000)
    assert page.url.endswith("/staff/")
    doc = tmp_path / "泉城好品第三批通知.txt"
    doc.write_text("泉城好品第三批遴选通知：申报截止日期另行公布。", encoding="utf-8")
    page.locator("input[type=file]").first.set_input_files(str(doc))
    page.get_by_role("button", name="上传并索引").click()
    page.wait_for_selector("text=完成：1 个文件", timeout=60_000)
    page.wait_for_selector("text=泉城好品第三批通知", timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / "staff-knowledge.png"), full_page=True)
    assert "已添加" in page.inner_text("body")
    # The staff account may not open the admin page.
    page.goto(f"{app_url}/admin/")
    page.wait_for_selector("text=无权打开该页面", timeout=30_000)
    log = (data_dir / "app.log").read_text(encoding="utf-8")
    assert STAFF_PASSWORD not in log


def test_admin_sees_the_upload_in_the_audit_log(page, app_url):
    page.goto(f"{app_url}/logout")
    page.goto(f"{app_url}/admin/")
    page.get_by_label("用户名").fill("root")
    page.get_by_label("密码").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector("text=document.ingest", timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / "admin-audit.png"), full_page=True)
    assert "泉城好品第三批通知.txt" in page.inner_text("body")
