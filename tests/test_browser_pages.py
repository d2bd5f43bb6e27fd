"""Every page as its users see it, in Debian's chromium at 1280 and 390 px (a Chinese font, no
emoji font, as in CI): answers that open with the verdict and fold the rest, no internal source
codes and no English UI strings on any page, the staff list 20 rows a page, an axe-core
accessibility check, links by role, and three scripted tasks (an SME owner to a downloaded
高企 checklist, staff from an upload to a chat answer, an evaluator to kappa).

axe-core comes from the npm registry into the git-ignored data dir (never committed). Screenshots
go to test-artifacts/pages-*.png to be looked at. Skipped without chromium (or without npm for
the accessibility test).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from assistant.config import PROJECT_ROOT, Settings
from assistant.store.accounts import AccountStore
from assistant.store.db import make_engine
from tests.conftest import running_app

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
AXE_VERSION = "4.14.1"
AXE_DIR = PROJECT_ROOT / "data" / "test-cache" / f"axe-core-{AXE_VERSION}"
PASSWORDS = {"zhang": "staff-secret-42", "eve": "eval-secret-42", "root": "admin-secret-42"}
ROLES = {"zhang": "staff", "eve": "evaluator", "root": "admin"}
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
ELIGIBILITY = "我们去年营收4800万，研发投入260万，职工120人其中研发人员30人，能评高企吗？"
# Internal source codes of the research notes (P12, SEED, [3P], facts.md): never on a page.
INTERNAL_CODE = re.compile(r"（P\d+|P\d+，SEED|\bSEED\b|\[3P\]|facts\.md")
# Latin words a Chinese user may see: file types, formats and the date pattern.
ALLOWED_LATIN = {
    "json",
    "csv",
    "excel",
    "word",
    "markdown",
    "pdf",
    "docx",
    "xlsx",
    "txt",
    "yyyy",
    "utc",
    "iso",  # standards named in the knowledge (ISO 9001)
}
# Data a page shows as it is, not UI words: program ids (staff type them into the template
# form, whose label gives one as an example) and the test's account names.
ALLOWED_LATIN |= {"hnte", "tech_sme", "innovative_sme", "srdi_sme", "little_giant"}
ALLOWED_LATIN |= {"zhang", "eve", "root", "ann"}
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM, reason="no chromium (apt-get install chromium)"),
]


def _get(url: str, token: str = "") -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as r:
        return json.loads(r.read())


def _post(url: str, body: dict, token: str = "") -> dict:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url, json.dumps(body).encode(), headers)
    with urllib.request.urlopen(req, timeout=120) as r:
        return json.loads(r.read())


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """The app on a fresh data dir with a staff, an evaluator and an admin account, and a
    second evaluator (bearer token) whose grades make kappa computable; yields (url, token)."""
    data = tmp_path_factory.mktemp("browser-pages")
    accounts = AccountStore(make_engine(Settings(data_dir=data)))
    for name, password in PASSWORDS.items():
        accounts.add_user(name, ROLES[name], password)
    accounts.add_user("ann", "evaluator", "ann-secret-42")
    token = accounts.create_token("ann")
    with running_app(data) as url:
        deadline = time.monotonic() + 300
        while not _get(f"{url}/api/health")["index"].startswith("就绪"):
            assert time.monotonic() < deadline, "knowledge was not indexed in time"
            time.sleep(1)
        yield url, token


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


def _context(browser, size, locale="en-US"):
    """A fresh browser context; the locale is English on purpose: the pages must be Chinese
    whatever the browser's language."""
    return browser.new_context(viewport=size, locale=locale, accept_downloads=True)


def _login(page, url, name, path):
    page.goto(f"{url}/login?next={path}")
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill(PASSWORDS[name])
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector("text=已登录", timeout=60_000)


def _open_public(page, url):
    page.goto(url)
    page.wait_for_selector("text=智能问答", timeout=60_000)


def _ask(page, question):
    page.get_by_role("tab", name="智能问答").click()
    page.get_by_label("您的问题").fill(question)
    page.get_by_role("button", name="发送").click()


VISIBLE_STRINGS = """() => {
  const out = new Set();
  const visible = (el) => {
    const s = getComputedStyle(el);
    return el.getClientRects().length > 0 && s.visibility !== 'hidden' && s.display !== 'none';
  };
  const skip = (el) => el.closest('code, pre, .cm-editor, [data-testid="bot"] code');
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const el = node.parentElement;
    const text = node.textContent.trim();
    if (text && el && visible(el) && !skip(el) && !el.closest('script, style')) out.add(text);
  }
  for (const el of document.querySelectorAll('[placeholder], [aria-label], [title], button')) {
    if (!visible(el) || skip(el)) continue;
    for (const attr of ['placeholder', 'aria-label', 'title']) {
      const v = el.getAttribute(attr);
      if (v && v.trim()) out.add(v.trim());
    }
  }
  return [...out];
}"""


def visible_strings(page) -> list[str]:
    """Every visible string of the page: text and the placeholder, aria-label and title
    attributes (code and the JSON editor excluded: data, not UI)."""
    return page.evaluate(VISIBLE_STRINGS)


def english_strings(strings: list[str]) -> list[str]:
    """The strings with a Latin word (3+ letters) that is not an allowed file type or
    format (identifiers such as kb-hnte-validity are shown as code and not collected)."""
    bad = []
    for s in strings:
        words = re.findall(r"[A-Za-z_]{3,}", s)
        if any(w.lower() not in ALLOWED_LATIN for w in words):
            bad.append(s)
    return bad


def _check_page_text(page, name):
    strings = visible_strings(page)
    (ARTIFACTS / f"pages-{name}-strings.txt").write_text("\n".join(strings), encoding="utf-8")
    text = "\n".join(strings)
    assert not INTERNAL_CODE.search(text), INTERNAL_CODE.search(text)
    assert english_strings(strings) == []


def _axe_script() -> Path | None:
    """axe-core from the npm registry, installed once into the git-ignored data dir."""
    target = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
    if target.exists():
        return target
    npm = shutil.which("npm")
    if not npm:
        return None
    AXE_DIR.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", "--silent", f"axe-core@{AXE_VERSION}"],
        cwd=AXE_DIR,
        check=True,
        timeout=300,
    )
    return target if target.exists() else None


def _axe(page, script: Path) -> list[dict]:
    """The serious and critical axe violations of the page (WCAG 2 A/AA rules)."""
    page.add_script_tag(path=str(script))
    result = page.evaluate(
        """async () => (await axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})).violations"""
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "nodes": [n["target"] for n in v["nodes"][:5]],
            "help": v["help"],
        }
        for v in result
        if v["impact"] in ("serious", "critical")
    ]


# ---- the chat answer ----


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["390", "1280"])
def test_an_eligibility_answer_opens_with_the_verdict_within_one_phone_screen(app, browser, size):
    url, _ = app
    context = _context(browser, size)
    page = context.new_page()
    _open_public(page, url)
    _ask(page, ELIGIBILITY)
    fold = page.locator("details.sbzs-fold").first
    fold.wait_for(timeout=60_000)
    page.wait_for_timeout(500)
    height = page.evaluate(
        """() => {
          const summary = document.querySelector('details.sbzs-fold > summary');
          const bubble = summary.closest('.message, [data-testid="bot"]') || summary.parentElement;
          return summary.getBoundingClientRect().bottom - bubble.getBoundingClientRect().top;
        }"""
    )
    fold.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / f"pages-chat-eligibility-{size['width']}.png"))
    page.screenshot(
        path=str(ARTIFACTS / f"pages-chat-eligibility-{size['width']}-full.png"), full_page=True
    )
    assert 0 < height <= PHONE["height"], f"first fold {height:.0f}px below the answer's top"
    folds = page.locator("details.sbzs-fold")
    titles = [folds.nth(i).locator("summary").inner_text() for i in range(folds.count())]
    assert titles[0] == "逐条说明"
    assert "依据" in titles
    assert all(not folds.nth(i).evaluate("d => d.open") for i in range(folds.count()))
    bot_text = page.locator("details.sbzs-fold").first.evaluate(
        "d => d.closest('.message, [data-testid=\"bot\"]').innerText"
    )
    assert "高新技术企业认定" in bot_text.split("逐条说明")[0]
    # status marks are words (the test browser has no emoji font)
    folds.first.locator("summary").click()
    labels = page.locator(".sbzs-st")
    assert labels.count() >= 3
    assert {labels.nth(i).inner_text() for i in range(labels.count())} <= {
        "符合",
        "不符合",
        "待补充",
        "需评审",
    }
    page.screenshot(path=str(ARTIFACTS / f"pages-chat-opened-{size['width']}.png"))
    _check_page_text(page, f"chat-{size['width']}")
    context.close()


def test_the_citations_panel_lists_sources_compactly_and_marks_the_lead(app, browser):
    url, _ = app
    context = _context(browser, DESKTOP)
    page = context.new_page()
    _open_public(page, url)
    _ask(page, "高新技术企业证书的有效期是几年？")
    page.wait_for_selector(".sbzs-cites li", timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / "pages-citations.png"), full_page=True)
    items = page.locator(".sbzs-cites li")
    assert items.count() >= 1
    for i in range(items.count()):
        summary = items.nth(i).locator("summary").inner_text()
        assert summary.startswith("《")
    # passages are shown on demand: only the source of the direct answer is open
    opened = page.locator(".sbzs-cites details[open]").count()
    assert opened == page.locator(".sbzs-cites li.sbzs-lead").count() <= items.count()
    context.close()


# ---- every page: no internal codes, no English, screenshots, axe ----

PAGES = [
    ("public-chat", None, "/", "智能问答"),
    ("public-search", None, "/", "知识检索"),
    ("public-selfcheck", None, "/", "资格自测"),
    ("public-checklist", None, "/", "申报清单"),
    ("staff-knowledge", "zhang", "/staff/", "知识库管理"),
    ("staff-templates", "zhang", "/staff/", "答复模板"),
    ("review-queue", "eve", "/review/", "答案评审"),
    ("review-dashboard", "eve", "/review/", "评审统计"),
    ("admin-audit", "root", "/admin/", "审计日志"),
    ("admin-users", "root", "/admin/", "用户"),
]


def _open(browser, url, size, who, path, tab):
    context = _context(browser, size)
    page = context.new_page()
    if who:
        _login(page, url, who, path)
    else:
        _open_public(page, url)
    _tab(page, tab)
    page.wait_for_timeout(1500)
    return context, page


def _tab(page, name):
    """Open a tab, also when a narrow screen moved it into Gradio's 「更多标签页」 menu."""
    tab = page.get_by_role("tab", name=name)
    if not tab.count():
        page.get_by_label("更多标签页").click()
        page.locator(".overflow-dropdown button", has_text=name).click()
        return
    tab.first.click()


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["1280", "390"])
@pytest.mark.parametrize(("name", "who", "path", "tab"), PAGES, ids=[p[0] for p in PAGES])
def test_each_page_is_chinese_without_internal_codes(app, browser, size, name, who, path, tab):
    url, _ = app
    context, page = _open(browser, url, size, who, path, tab)
    if name == "public-selfcheck":
        page.get_by_role("button", name="开始评估").click()
        page.wait_for_selector("text=可申报项目排序", timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / f"pages-{name}-{size['width']}.png"), full_page=True)
    _check_page_text(page, f"{name}-{size['width']}")
    context.close()


@pytest.mark.parametrize(("name", "who", "path", "tab"), PAGES, ids=[p[0] for p in PAGES])
def test_each_page_passes_the_axe_check(app, browser, name, who, path, tab):
    script = _axe_script()
    if script is None:
        pytest.skip("no npm to install axe-core")
    url, _ = app
    context, page = _open(browser, url, DESKTOP, who, path, tab)
    violations = _axe(page, script)
    (ARTIFACTS / f"pages-{name}-axe.json").write_text(
        json.dumps(violations, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    context.close()
    assert violations == []


# ---- lists, ranking, navigation ----


def test_the_staff_list_shows_20_rows_a_page_searches_and_removes_after_confirming(app, browser):
    url, _ = app
    context = _context(browser, DESKTOP)
    page = context.new_page()
    _login(page, url, "zhang", "/staff/")
    rows = page.locator(".sbzs-doc-row")
    rows.first.wait_for(timeout=60_000)
    assert rows.count() == 20
    caption = page.locator("#doc-list-caption").inner_text()
    total = int(re.search(r"共 (\d+) 条", caption).group(1))
    assert total > 200  # every knowledge article, 20 at a time
    # each article under its own title (not its source document's)
    titles = [rows.nth(i).locator("strong").inner_text() for i in range(20)]
    assert len(set(titles)) == 20
    page.get_by_role("button", name="下一页").click()
    page.wait_for_selector("text=第 2 /", timeout=30_000)
    assert rows.count() == 20
    assert rows.first.locator("strong").inner_text() not in titles
    page.get_by_label("搜索文档（标题、项目、编号或文件名）").fill("有效期")
    page.get_by_role("button", name="搜索", exact=True).click()
    page.wait_for_selector("text=（搜索：有效期）", timeout=30_000)
    found = rows.count()
    assert 0 < found <= 20
    first = rows.first.locator("strong").inner_text()
    _ask_to_remove(page, rows.first)
    page.screenshot(path=str(ARTIFACTS / "pages-staff-confirm.png"), full_page=True)
    rows.first.get_by_role("button", name="取消").click()
    rows.first.get_by_role("button", name="删除").wait_for(timeout=30_000)
    assert rows.first.locator("strong").inner_text() == first  # nothing removed
    _ask_to_remove(page, rows.first)
    rows.first.get_by_role("button", name="确认删除").click()
    page.wait_for_selector("text=已删除", timeout=30_000)
    page.wait_for_function(
        "n => document.querySelectorAll('.sbzs-doc-row').length === n", arg=found - 1
    )
    assert first not in page.inner_text("body").split("已删除")[1]
    page.get_by_role("button", name="重新索引知识库").click()  # restore it for the others
    page.wait_for_selector("text=完成：就绪", timeout=300_000)
    context.close()


def _ask_to_remove(page, row):
    """Click 删除 until the row asks 确认删除. The list is re-drawn after every change; a click
    that lands while the previous drawing is replaced is lost, as a person would see and
    click again."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for _ in range(3):
        page.wait_for_timeout(800)  # let the last re-drawing settle
        row.get_by_role("button", name="删除").click()
        try:
            row.get_by_role("button", name="确认删除").wait_for(timeout=10_000)
            return
        except PlaywrightTimeout:
            continue
    raise AssertionError("删除 never asked for confirmation")


def test_the_ranking_has_one_row_per_program_with_real_progress_bars(app, browser):
    url, _ = app
    context = _context(browser, DESKTOP)
    page = context.new_page()
    _open_public(page, url)
    page.get_by_role("tab", name="资格自测").click()
    page.get_by_role("button", name="开始评估").click()
    page.wait_for_selector("table.sbzs-rank", timeout=60_000)
    rows = page.locator("table.sbzs-rank tbody tr")
    programs = len(_get(f"{url}/api/programs"))
    assert rows.count() == programs
    for i in range(rows.count()):
        cells = rows.nth(i).locator("td")
        assert cells.nth(0).inner_text().strip() == str(i + 1)
        assert cells.nth(1).inner_text().strip()
    bars = page.locator("table.sbzs-rank progress")
    assert bars.count() >= 1
    assert "█" not in page.inner_text("body")
    page.locator("table.sbzs-rank").screenshot(path=str(ARTIFACTS / "pages-ranking.png"))
    context.close()


@pytest.mark.parametrize(
    ("who", "path", "shown", "hidden"),
    [
        ("eve", "/review/", ["答案评审"], ["员工工作台", "管理"]),
        ("zhang", "/staff/", ["员工工作台"], ["答案评审", "管理"]),
        ("root", "/admin/", ["员工工作台", "答案评审", "管理"], []),
    ],
)
def test_the_header_names_the_role_and_links_only_to_its_pages(
    app, browser, who, path, shown, hidden
):
    url, _ = app
    context = _context(browser, DESKTOP)
    page = context.new_page()
    _login(page, url, who, path)
    header = page.locator(".prose.sbzs-header")
    header.locator("a").first.wait_for(timeout=30_000)
    links = [header.locator("a").nth(i).inner_text() for i in range(header.locator("a").count())]
    role = {"zhang": "员工", "eve": "评审员", "root": "管理员"}[who]
    assert f"角色：{role}" in header.inner_text()
    assert all(s in links for s in shown)
    assert not any(h in links for h in hidden)
    context.close()


# ---- scripted tasks ----


class Actions:
    """Counts what the user does (clicks, typing, choosing)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, step):
        self.count += 1
        return step


def test_an_sme_owner_gets_a_prefilled_hnte_checklist_in_at_most_six_actions(
    app, browser, tmp_path
):
    from openpyxl import load_workbook

    url, _ = app
    context = _context(browser, PHONE)
    page = context.new_page()
    act = Actions()
    _open_public(page, url)  # the home page
    act(page.get_by_role("tab", name="资格自测").click())
    act(page.get_by_label("职工总数（人）").fill("150"))
    act(page.get_by_role("tab", name="申报清单").click())
    act(page.get_by_role("button", name="生成清单").click())
    page.wait_for_selector("a[download$='.xlsx']", timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / "pages-task-sme-checklist.png"), full_page=True)
    with page.expect_download() as info:
        act(page.locator("a[download$='.xlsx']").first.click())
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    context.close()
    assert act.count <= 6
    assert target.name.startswith("hnte")
    sheet = load_workbook(target).active
    cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert any("150" in c for c in cells)  # the typed figure, pre-filled
    assert any("已预填" in c for c in cells)


def test_staff_upload_a_document_and_find_it_answered_in_chat(app, browser, tmp_path):
    url, _ = app
    context = _context(browser, DESKTOP)
    staff = context.new_page()
    _login(staff, url, "zhang", "/staff/")
    doc = tmp_path / "聊城优品第二批遴选通知.txt"
    doc.write_text(
        "聊城优品第二批遴选通知\n\n聊城优品第二批遴选的网上申报截止日期为2027年3月15日，"
        "逾期不予受理。申报企业须在聊城市注册。",
        encoding="utf-8",
    )
    staff.locator("input[type=file]").first.set_input_files(str(doc))
    staff.get_by_role("button", name="上传并索引").click()
    staff.wait_for_selector("text=完成：1 个文件", timeout=60_000)
    staff.get_by_label("搜索文档（标题、项目、编号或文件名）").fill("第二批遴选")
    staff.get_by_role("button", name="搜索", exact=True).click()
    staff.wait_for_selector(".sbzs-doc-row >> text=聊城优品第二批遴选通知", timeout=30_000)
    staff.screenshot(path=str(ARTIFACTS / "pages-task-staff-upload.png"), full_page=True)
    public = context.new_page()
    _open_public(public, url)
    _ask(public, "聊城优品第二批遴选的申报截止日期是哪天？")
    public.wait_for_selector(".sbzs-cites li", timeout=60_000)
    public.screenshot(path=str(ARTIFACTS / "pages-task-staff-chat.png"), full_page=True)
    body = public.inner_text("body")
    context.close()
    assert "2027年3月15日" in body
    assert "聊城优品第二批遴选通知" in body


def test_an_evaluator_grades_two_answers_and_sees_kappa(app, browser):
    url, token = app
    for question in ("高新技术企业证书的有效期是几年？", "泉城好品申报需要哪些条件？"):
        _post(f"{url}/api/ask", {"question": question})
    queue = _get(f"{url}/api/reviews/queue", token)
    messages = [q["message_id"] for q in queue][:2]
    for number, grade in zip(messages, ("correct", "wrong"), strict=True):
        _post(
            f"{url}/api/reviews",
            {"message_id": number, "answer_grade": grade, "citation_grade": "correct"},
            token,
        )
    context = _context(browser, DESKTOP)
    page = context.new_page()
    _login(page, url, "eve", "/review/")
    field = page.get_by_label("消息编号").first
    graded = ""
    for number in messages:
        if graded:
            # A grade reloads the queue, which puts its first item into the number field.
            # Typing while that reload is under way can land beside its value ("11"), so wait
            # until the field holds the reloaded item, as a user sees it before typing.
            page.wait_for_function(
                "([el, graded]) => el.value !== '' && el.value !== graded",
                arg=[field.element_handle(), graded],
                timeout=60_000,
            )
        field.fill(str(number))
        field.press("Enter")
        # a regex with a digit guard: "消息 #1" must not match "消息 #11"
        page.wait_for_selector(f"text=/消息 #{number}(?!\\d)/", timeout=60_000)
        page.get_by_label("正确", exact=True).first.check()
        page.get_by_label("正确", exact=True).nth(1).check()
        page.get_by_role("button", name="提交评分").click()
        # Either outcome ends the wait, so a refused grade fails with its reason on record.
        page.wait_for_selector(f"text=/消息 #{number} 的评分|未保存评分/", timeout=60_000)
        body = page.inner_text("body")
        assert f"消息 #{number} 的评分" in body, body[-1500:]
        graded = str(number)
    page.get_by_role("tab", name="评审统计").click()
    page.get_by_role("button", name="刷新统计").click()
    page.wait_for_selector("text=共评回答", timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / "pages-task-kappa.png"), full_page=True)
    body = page.inner_text("body")
    context.close()
    assert re.search(r"-?\d\.\d{3}（2 条共评回答", body) or "2 条共评回答全部为同一等级" in body


def test_staff_retire_a_template_only_after_confirming(app, browser):
    url, _ = app
    context = _context(browser, DESKTOP)
    page = context.new_page()
    _login(page, url, "zhang", "/staff/")
    page.get_by_role("tab", name="答复模板").click()
    page.get_by_label("标题", exact=True).fill("高企有效期（测试停用）")
    page.get_by_label("触发问法（每行一个）").fill("高企证书几年有效？")
    page.get_by_label("正文（Markdown，可用占位符）").fill("高新技术企业资格有效期为三年。")
    page.get_by_label("项目编号（逗号分隔，如 hnte）").fill("hnte")
    page.get_by_label("引用条目（知识条目编号，逗号分隔）").fill("hnte-validity")
    page.get_by_role("button", name="保存为新模板").click()
    page.wait_for_selector("text=已创建草稿模板", timeout=60_000)
    question = page.get_by_text("确定停用吗？")
    page.get_by_role("button", name="停用", exact=True).click()
    question.wait_for(timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "pages-template-confirm.png"), full_page=True)
    page.get_by_role("button", name="取消").click()
    question.wait_for(state="hidden", timeout=30_000)
    assert "已停用" not in page.inner_text("body")
    page.get_by_role("button", name="停用", exact=True).click()
    page.get_by_role("button", name="确认停用").click()
    page.wait_for_selector("text=已停用 #", timeout=60_000)
    context.close()
