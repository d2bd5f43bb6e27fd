"""How answers and lists are shaped for the pages, without a browser: the direct answer first and
the details in ``####`` sections, status words (no emoji), the folds and colours of the web
chat, the compact citations panel, no internal source codes in any title, answer or export,
the staff document list (20 rows a page, searchable, each article under its own title), the
links by role, and the Chinese-language page script.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.chat.compose import compose_assessment, compose_match
from assistant.config import PROJECT_ROOT, Settings
from assistant.core.assessment import assess, checklist
from assistant.core.knowledge import load_knowledge
from assistant.core.matching import match
from assistant.core.profile import validate_profile
from assistant.store.accounts import User
from assistant.web.paging import paginate
from assistant.web.render import answer_html, citations_html, fold_sections, status_html
from tests.conftest import FIXTURE_KB

DAY = dt.date(2026, 11, 22)
EXAMPLES = PROJECT_ROOT / "assistant" / "web" / "examples"
INTERNAL_CODE = re.compile(r"（P\d+|P\d+，SEED|\bSEED\b|\[3P\]|facts\.md")
EMOJI = re.compile("[\u2600-\u27bf\U0001f300-\U0001faff\u2b1c\u2b50]")
STATUS_WORDS = {"符合", "不符合", "待补充", "需评审"}


@pytest.fixture(scope="module")
def knowledge():
    return load_knowledge(PROJECT_ROOT / "knowledge")


def _profile(name: str):
    return validate_profile(json.loads((EXAMPLES / name).read_text(encoding="utf-8")))


def _lead_and_sections(markdown: str) -> tuple[str, list[str]]:
    parts = re.split(r"^#### +(.+)$", markdown, flags=re.MULTILINE)
    return parts[0].strip(), parts[1::2]


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"[。！？]", text) if s.strip()]


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.glob("*.json")))
@pytest.mark.parametrize("program", ["hnte", "tech_sme", "srdi_sme", "quancheng_haopin"])
def test_an_assessment_opens_with_the_verdict_then_folds_the_details(knowledge, example, program):
    result = assess(knowledge, program, _profile(example), DAY)
    text = compose_assessment([result], ["注：示例说明"])
    lead, sections = _lead_and_sections(text)
    assert 1 <= len(_sentences(lead)) <= 2
    assert len(lead) <= 160  # a few lines on a phone
    assert result["program_name"] in lead
    assert sections[0] == "逐条说明"
    assert sections[-1] == "依据"
    assert ("还需要补充" in sections) == bool(result["questions"])
    if result["verdict"] == "not_eligible":
        failing = [c["title"] for c in result["conditions"] if c["status"] == "fail"]
        assert failing[0] in lead  # what decides the verdict is named at once
    # one line per condition, each starting with its status word; no emoji anywhere
    marks = re.findall(r"^- 【(.+?)】", text, flags=re.MULTILINE)
    assert len(marks) == len(result["conditions"])
    assert set(marks) <= STATUS_WORDS
    assert not EMOJI.search(text)
    assert "注：示例说明" in text.split("#### 依据")[1]


def test_several_assessments_share_one_lead_and_one_list_of_sources(knowledge):
    profile = _profile("liaocheng_bearing.json")
    results = [assess(knowledge, p, profile, DAY) for p in ("hnte", "tech_sme")]
    text = compose_assessment(results, [])
    lead, sections = _lead_and_sections(text)
    assert "高新技术企业认定" in lead
    assert "科技型中小企业评价" in lead
    assert sections.count("依据") == 1
    sources = re.findall(r"^\d+\. 《", text.split("#### 依据")[1], flags=re.MULTILINE)
    assert len(sources) == len(set(re.findall(r"^\d+\. (.+)$", text, flags=re.MULTILINE)))


def test_gaps_passed_in_get_their_own_section_after_the_conditions(knowledge):
    result = assess(knowledge, "hnte", _profile("liaocheng_bearing.json"), DAY)
    gaps = [{"text": "科技人员需增加 6 人（科技人员占职工总数比例，需 ≥ 30 人）"}]
    _, sections = _lead_and_sections(compose_assessment([result], [], gaps))
    assert sections.index("还差多少") == sections.index("逐条说明") + 1


def test_the_ranking_and_the_gaps_answer_lead_with_the_result(knowledge):
    ranking = match(knowledge, _profile("liaocheng_bearing.json"), DAY)
    lead, sections = _lead_and_sections(compose_match(ranking, []))
    top = ranking["programs"][0]["program_name"]
    assert top in lead
    assert "由近到远" in lead
    assert sections[0] == "各项目排序"
    gaps = compose_match(ranking, ["hnte"])
    lead, sections = _lead_and_sections(gaps)
    assert lead.startswith("按您提供的信息，高新技术企业认定")
    assert "科技人员需增加" in lead
    assert sections[0] == "还差多少"


def test_the_web_chat_folds_each_section_and_colours_the_status_words():
    text = (
        "按您提供的信息，**不符合**。\n\n#### 逐条说明\n\n- 【不符合】甲\n- 【符合】乙"
        "\n\n#### 依据\n\n1. 《办法》"
    )
    shown = answer_html(text)
    assert shown.startswith("按您提供的信息")
    assert shown.count('<details class="sbzs-fold">') == 2
    assert "<details open" not in shown  # closed by default
    assert status_html("不符合") in shown
    assert status_html("符合") in shown
    assert "【" not in shown
    assert fold_sections("只有一句话。") == "只有一句话。"


def test_the_citations_panel_is_compact_and_marks_the_source_of_the_lead(knowledge):
    lead_text = "高新技术企业资格自颁发证书之日起有效期为三年。"
    answer = {
        "answer": f"**{lead_text}**\n\n#### 依据\n\n1. 《办法》",
        "citations": [
            {
                "document": "高新技术企业认定管理办法",
                "doc_no": "国科发火〔2016〕32号",
                "article": "第十六条",
                "source_id": "kb-hnte-validity",
                "text": f"通过认定的高新技术企业，{lead_text}企业应在期满前三个月内提出复审申请。",
            },
            {
                "document": "上传的通知",
                "doc_no": None,
                "article": "第1段",
                "source_id": "upload-x",
                "text": "<script>alert(1)</script>无关的段落。",
            },
        ],
    }
    shown = citations_html(answer, knowledge)
    items = re.findall(r"<li.*?</li>", shown)
    assert len(items) == 2
    assert 'class="sbzs-lead"' in items[0]
    assert "<details open>" in items[0]
    assert f"<mark>{lead_text}</mark>" in items[0]
    assert "《高新技术企业认定管理办法》 国科发火〔2016〕32号 第十六条" in items[0]
    assert "sbzs-lead" not in items[1]
    assert "<details>" in items[1]
    assert "<script>" not in shown  # passages are escaped
    assert "没有引用" in citations_html({"refused": True, "citations": []})


def test_no_internal_source_code_in_any_title_note_or_name(knowledge):
    texts = [d.title for d in knowledge.documents.values()]
    texts += [d.note or "" for d in knowledge.documents.values()]
    texts += [d.issuer for d in knowledge.documents.values()]
    texts += [a.meta.title for a in knowledge.articles]
    texts += [p.name for p in knowledge.programs.values()]
    found = [t for t in texts if INTERNAL_CODE.search(t)]
    assert found == []


def test_no_internal_source_code_in_answers_checklists_or_exports(knowledge, tmp_path):
    from assistant import export

    outputs = []
    for example in sorted(EXAMPLES.glob("*.json")):
        profile = validate_profile(json.loads(example.read_text(encoding="utf-8")))
        results = [assess(knowledge, p, profile, DAY) for p in knowledge.rules]
        outputs.append(compose_assessment(results, []))
        outputs.append(compose_match(match(knowledge, profile, DAY), []))
        for program in knowledge.rules:
            result = checklist(knowledge, program, profile, DAY)
            outputs.append(json.dumps(result, ensure_ascii=False))
            docx = export.to_docx(result, tmp_path / f"{program}.docx")
            outputs.append(_docx_text(docx))
    found = [m.group(0) for text in outputs for m in INTERNAL_CODE.finditer(text)]
    assert found == []


def _docx_text(path: Path) -> str:
    from docx import Document

    doc = Document(str(path))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def test_pages_of_twenty_rows():
    page = paginate(list(range(238)), 12)
    assert (page.number, page.pages, len(page.rows)) == (12, 12, 18)
    assert paginate(list(range(238)), 0).rows == list(range(20))


@pytest.fixture(scope="module")
def app_env(tmp_path_factory):
    from assistant.web.app import create_app

    settings = Settings(
        data_dir=tmp_path_factory.mktemp("pages"), knowledge_dir=FIXTURE_KB, embeddings="hashing"
    )
    app = create_app(settings, index_in_background=False)
    services = app.state.services
    services.index_knowledge()
    return app, services


def test_the_document_list_shows_each_article_under_its_own_title(app_env):
    from assistant.web import staff_pages

    _, services = app_env
    staff = User("sara", "staff")
    rows = staff_pages.document_rows(services, staff)
    articles = {f"kb-{a.id}": a for a in services.knowledge.articles}
    assert {r.doc_id for r in rows} == set(articles)
    for r in rows:
        article = articles[r.doc_id]
        assert r.title == article.meta.title
        assert r.source == article.document.title
        assert r.program == services.knowledge.programs[article.meta.program].name
        assert r.effective == article.meta.effective.isoformat()
    first = staff_pages.document_page(services, staff, "", 1)
    assert len(first.rows) == min(20, len(rows))
    word = rows[0].title[:4]
    found = staff_pages.document_rows(services, staff, word)
    assert found
    assert all(word in r.title + r.doc_id + r.program + r.source for r in found)
    html_row = staff_pages.row_html(rows[0])
    assert rows[0].title in html_row
    assert rows[0].doc_id in html_row


def test_the_header_links_only_to_the_pages_of_the_role():
    from assistant.web.pages import header_line

    evaluator = header_line(User("eve", "evaluator"))
    assert "角色：**评审员**" in evaluator
    assert "(/review/)" in evaluator
    assert "(/staff/)" not in evaluator
    assert "(/admin/)" not in evaluator
    staff = header_line(User("sara", "staff"))
    assert "(/staff/)" in staff
    assert "(/review/)" not in staff
    assert "(/admin/)" not in staff
    admin = header_line(User("ada", "admin"))
    assert all(p in admin for p in ("(/staff/)", "(/review/)", "(/admin/)"))


@pytest.mark.parametrize("path", ["/", "/staff/"])
def test_the_pages_are_served_in_chinese_whatever_the_browser(app_env, path):
    app, _ = app_env
    client = TestClient(app, follow_redirects=False)
    headers = {"accept": "text/html", "accept-language": "en-US", "accept-encoding": "gzip, br"}
    response = client.get(path, headers=headers)
    if path == "/staff/":
        assert response.status_code == 303  # behind the login: only the public page here
        return
    assert response.status_code == 200
    body = response.text
    assert 'lang="zh-CN"' in body
    head = body.split("<head>", 1)[1]
    assert head.startswith("<script>")
    assert "zh-CN" in head[:300]
    assert int(response.headers["content-length"]) == len(response.content)
    assert client.get("/api/health").json()["status"] == "ok"  # other responses untouched


def test_an_api_only_worker_answers_the_api_and_builds_no_page(tmp_path):
    """A worker the front never sends a page request to is built without the Gradio pages."""
    from fastapi.testclient import TestClient

    from assistant.web.app import create_app

    settings = Settings(data_dir=tmp_path, knowledge_dir=FIXTURE_KB, embeddings="hashing")
    app = create_app(settings, index_in_background=False, pages=False)
    app.state.services.index_knowledge()
    client = TestClient(app)
    assert client.get("/").status_code == 404
    assert "就绪" in client.get("/api/health").json()["index"]
    answer = client.post("/api/ask", json={"question": "高企认定对研发费用有什么要求"}).json()
    assert answer["citations"]
    paths = {getattr(route, "path", "") for route in app.routes}
    assert not any(p.startswith(("/staff", "/review", "/admin")) for p in paths if p)
