"""Templates in the chat (hashing embedder, shipped knowledge): a paraphrase gets the
approved template filled from the session's company facts; drafts, retired and stale
templates, other programs and unrelated questions do not; verdicts stay the engine's."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from assistant.config import Settings
from assistant.factory import build_chat
from assistant.store.accounts import User
from assistant.web.chat_tab import template_note
from tests.test_templates import HNTE_RD, SRDI_RD

TODAY = dt.date(2026, 11, 22)
STAFF = User("alice", "staff")
COMPANY = {
    "name": "济南云帆软件科技有限公司",
    "financials": {
        "2023": {"revenue": 3500, "rd_expense": 200},
        "2024": {"revenue": 4000, "rd_expense": 260},
        "2025": {"revenue": 4800, "rd_expense": 300},
    },
}
PARAPHRASE = "高企的研发费用占比有啥要求"


@pytest.fixture
def chat(tmp_path):
    return build_chat(
        Settings(data_dir=tmp_path / "data", embeddings="hashing", template_threshold=0.6)
    )


@pytest.fixture
def store(chat):
    return chat.templates.store


def test_a_paraphrase_gets_the_approved_template_filled_from_the_session(chat, store):
    t = store.approve(STAFF, store.create(STAFF, HNTE_RD)["id"], TODAY)
    first = chat.ask("先介绍下我们公司的情况", profile=COMPANY, as_of=TODAY)
    assert first["template_id"] is None
    answer = chat.ask(PARAPHRASE, session_id=first["session_id"], as_of=TODAY)
    assert answer["template_id"] == t["id"]
    assert answer["template"]["title"] == HNTE_RD["title"]
    assert answer["answer"].startswith("济南云帆软件科技有限公司您好：高新技术企业认定要求")
    assert "贵公司为 6.18%" in answer["answer"]  # (200+260+300) / (3500+4000+4800)
    assert "请补充" not in answer["answer"]
    [cite] = answer["citations"]
    assert cite["source_id"] == "kb-hnte-rd-expense-ratio"
    assert set(cite) == {"document", "doc_no", "article", "source_id", "text"}
    assert cite["doc_no"] == "国科发火〔2016〕32号"
    assert answer["refused"] is False
    assert answer["template_suggestions"] == []
    assert "已审核答复模板：「高企研发费用占比要求」" in template_note(answer)
    used = store.get(t["id"])
    assert used["hits"] == 1
    assert used["last_used"] is not None
    history = chat.sessions.history(first["session_id"])
    assert history[-1]["answer"]["template_id"] == t["id"]


def test_without_company_facts_the_placeholders_ask_for_them(chat, store):
    t = store.approve(STAFF, store.create(STAFF, HNTE_RD)["id"], TODAY)
    answer = chat.ask(PARAPHRASE, as_of=TODAY)
    assert answer["template_id"] == t["id"]
    assert answer["answer"].startswith("（请补充：企业名称）您好：高新技术企业认定要求")
    assert "（请补充：研发费用占比）" in answer["answer"]
    assert "financials.2025.revenue" in answer["missing_fields"]


def test_drafts_retired_and_stale_templates_never_answer(chat, store):
    draft = store.create(STAFF, HNTE_RD)
    answer = chat.ask(PARAPHRASE, as_of=TODAY)
    assert answer["template_id"] is None
    assert answer["template"] is None
    assert answer["template_suggestions"][0]["id"] == draft["id"]
    assert answer["template_suggestions"][0]["status"] == "草稿"
    assert answer["template_suggestions"][0]["score"] >= 0.6  # close, but only a draft
    store.approve(STAFF, draft["id"], TODAY)
    store.retire(STAFF, draft["id"])
    assert chat.ask(PARAPHRASE, as_of=TODAY)["template_id"] is None
    srdi = store.approve(STAFF, store.create(STAFF, SRDI_RD)["id"], dt.date(2026, 3, 15))
    question = "专精特新中小企业对研发费用有啥要求"
    assert chat.ask(question, as_of=dt.date(2026, 3, 20))["template_id"] == srdi["id"]
    after = chat.ask(question, as_of=dt.date(2026, 4, 2))
    assert after["template_id"] is None
    assert after["template_suggestions"][0]["status"] == "需复核"
    assert store.get(srdi["id"])["hits"] == 1


def test_other_programs_and_unrelated_questions_do_not_match(chat, store):
    t = store.approve(STAFF, store.create(STAFF, HNTE_RD)["id"], TODAY)
    other = chat.ask("科技型中小企业对研发费用占比有什么要求？", as_of=TODAY)
    assert other["template_id"] is None
    close = other["template_suggestions"][0]
    assert close["id"] == t["id"]
    assert close["score"] >= 0.6  # the wording alone would match; the program does not
    unrelated = chat.ask("泉城好品申报需要哪些材料？", as_of=TODAY)
    assert unrelated["template_id"] is None
    assert unrelated["template_suggestions"][0]["score"] < 0.6
    assert store.get(t["id"])["hits"] == 0


def test_eligibility_verdicts_come_from_the_engine(chat, store):
    store.approve(
        STAFF,
        store.create(STAFF, {**HNTE_RD, "triggers": ["研发费用占比够不够，能评高企吗"]})["id"],
        TODAY,
    )
    answer = chat.ask("研发费用占比够不够，能评高企吗", profile=COMPANY, as_of=TODAY)
    assert answer["template_id"] is None
    assert answer["assessment"]["program"] == "hnte"


def test_a_traditional_question_gets_the_template_in_traditional(chat, store):
    t = store.approve(STAFF, store.create(STAFF, HNTE_RD)["id"], TODAY)
    answer = chat.ask("高企的研發費用佔比有啥要求", as_of=TODAY)
    assert answer["template_id"] == t["id"]
    assert "高新技術企業認定" in answer["answer"]


def test_the_llm_tool_finds_the_template(chat, store):
    t = store.approve(STAFF, store.create(STAFF, HNTE_RD)["id"], TODAY)
    tool = chat.tools()["find_template"]
    found = json.loads(tool(PARAPHRASE))
    assert found["template_id"] == t["id"]
    assert "研发费用" in found["answer"]
    assert "暂无" in tool("泉城好品申报需要哪些材料？")
    assert store.get(t["id"])["hits"] == 0  # a tool call is not an answer
