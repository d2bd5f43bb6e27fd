"""批量筛查 in a real browser (Playwright driving Debian's chromium): a staff member logs in,
uploads a client list, sees the progress, downloads the result workbook, then finds the saved
companies in 客户名册.

Screenshots go to test-artifacts/screen-*.png. Skipped without chromium.
"""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from openpyxl import load_workbook

from assistant.config import PROJECT_ROOT, Settings
from assistant.core.knowledge import load_knowledge
from assistant.store.accounts import AccountStore
from assistant.store.db import make_engine
from bench import clients
from tests.conftest import running_app

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
PASSWORD = "staff-secret-42"
COMPANIES = 150
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM, reason="no chromium (apt-get install chromium)"),
]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    data = tmp_path_factory.mktemp("browser-screen")
    AccountStore(make_engine(Settings(data_dir=data))).add_user("tina", "staff", PASSWORD)
    with running_app(data) as url:
        yield url


@pytest.fixture(scope="module")
def client_list(tmp_path_factory):
    knowledge = load_knowledge(Settings().knowledge_dir)
    names = {p.id: p.name for p in knowledge.programs.values()}
    today = dt.date.today()
    years = [today.year - 3, today.year - 2, today.year - 1]
    header, rows = clients.sheet_rows(clients.profiles(COMPANIES, today), years, names)
    rows[4][header.index("职工总数（人）")] = "不详"
    path = tmp_path_factory.mktemp("list") / "客户名单.xlsx"
    return clients.write_xlsx(path, header, rows)


@pytest.fixture(scope="module")
def page(app_url):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        context = browser.new_context(
            viewport={"width": 1280, "height": 900}, accept_downloads=True
        )
        yield context.new_page()
        browser.close()


def test_upload_progress_and_download(page, app_url, client_list, tmp_path):
    page.goto(f"{app_url}/staff/")
    page.get_by_label("用户名").fill("tina")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector("text=已登录：", timeout=60_000)
    page.get_by_role("tab", name="批量筛查").click()
    page.locator("#screen-upload input[type=file]").set_input_files(str(client_list))
    page.get_by_label("保存到客户名册").check()
    page.get_by_role("button", name="开始筛查").click()
    page.wait_for_function(
        "document.querySelector('#screen-progress').innerText.includes('正在筛查：')",
        timeout=120_000,
    )
    page.screenshot(path=str(ARTIFACTS / "screen-progress.png"), full_page=True)
    page.wait_for_selector("text=完成：", timeout=180_000)
    page.wait_for_selector("#screen-result a[download]", timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / "screen-done.png"), full_page=True)
    body = page.inner_text("body")
    assert f"筛查 {COMPANIES} 家企业" in body
    assert "职工总数" in body  # the bad cell, with its row and column
    with page.expect_download() as info:
        page.locator("#screen-result a[download]").first.click()
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    book = load_workbook(target)
    assert book.sheetnames[0] == "汇总"
    assert book["汇总"].max_row == COMPANIES + 1
    # the saved companies are in the register
    page.get_by_role("tab", name="客户名册").click()
    page.get_by_role("button", name="刷新").click()
    page.wait_for_selector(f"text=共 {COMPANIES} 家企业", timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / "screen-register.png"), full_page=True)
