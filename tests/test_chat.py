"""The chat assistant: facts over turns, corrections, program switches, restarts, refusals.

Uses the shipped knowledge base with the fast hashing embedder (retrieval quality with the
real model is measured by tests/test_answers_eval.py).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.chat.extract import extract_facts
from assistant.config import PROJECT_ROOT, Settings
from assistant.core.knowledge import load_knowledge
from assistant.errors import InputError
from assistant.factory import build_chat, build_search

DAY = dt.date(2026, 11, 22)
WORDS = load_knowledge(PROJECT_ROOT / "knowledge").vocabulary


@pytest.fixture(scope="module")
def chat_settings(tmp_path_factory):
    return Settings(data_dir=tmp_path_factory.mktemp("chat"), embeddings="hashing")


@pytest.fixture(scope="module")
def chat(chat_settings):
    stack = build_search(chat_settings)
    stack.indexer.index_knowledge(stack.knowledge)
    return build_chat(chat_settings, stack)


def test_facts_given_over_several_turns_lead_to_an_assessment(chat):
    first = chat.ask(
        "我们是济南的软件公司，2018年3月15日成立，职工120人，其中研发人员30人", as_of=DAY
    )
    sid = first["session_id"]
    chat.ask("去年营收4800万，前年4000万，大前年3500万", session_id=sid, as_of=DAY)
    chat.ask("研发费用去年260万，前年220万，大前年190万", session_id=sid, as_of=DAY)
    answer = chat.ask("能评高企吗？", session_id=sid, as_of=DAY)
    assessment = answer["assessment"]
    assert assessment["program"] == "hnte"
    by_id = {c["id"]: c for c in assessment["conditions"]}
    assert by_id["hnte.rd_expense_ratio"]["status"] == "pass"
    assert by_id["hnte.tech_staff_ratio"]["status"] == "pass"
    assert "5.45%" in answer["answer"]
    assert answer["citations"]
    assert answer["missing_fields"]  # e.g. 总收入, 高新收入: asked for next
    assert "请补充" in answer["answer"]


def test_a_traditional_follow_up_asking_fit_gets_the_assessment(chat):
    """Found by the dialogues set: 「能申請…嗎」 was not read as asking whether they fit."""
    sid = chat.ask("我們去年營收4800萬，職工120人，研發人員30人", as_of=DAY)["session_id"]
    answer = chat.ask("能申請科技型中小企業嗎？", session_id=sid, as_of=DAY)
    assert answer["assessment"] is not None
    assert answer["assessment"]["program"] == "tech_sme"
    assert answer["assessment"]["verdict"] == "insufficient_info"


def test_a_correction_replaces_the_earlier_value(chat):
    sid = chat.ask("去年营收5000万，研发投入是200万", as_of=DAY)["session_id"]
    chat.ask("说错了，研发投入是300万", session_id=sid, as_of=DAY)
    facts, _ = chat.sessions.load(sid)
    assert facts["financials.2025.rd_expense"] == 300


def test_switching_program_keeps_the_facts(chat):
    sid = chat.ask("我们去年营收1200万，职工80人，研发人员20人，能申请科技型中小企业吗", as_of=DAY)[
        "session_id"
    ]
    switched = chat.ask("那专精特新呢？", session_id=sid, as_of=DAY)
    assert switched["programs"] == ["srdi_sme"]
    assert switched["assessment"]["program"] == "srdi_sme"
    revenue = next(c for c in switched["assessment"]["conditions"] if c["id"] == "srdi_sme.revenue")
    # 1200 < 1500 under 2号, unless new equity of ≥ 2000万 in two years: asked for next
    assert revenue["status"] == "unknown"
    assert "equity_financing_2y" in revenue["missing"]


def test_a_session_survives_a_restart(chat_settings, chat):
    sid = chat.ask("我们去年营收4800万，员工120人", as_of=DAY)["session_id"]
    again = build_chat(chat_settings, build_search(chat_settings))  # as after a restart
    facts, _ = again.sessions.load(sid)
    assert facts["financials.2025.revenue"] == 4800
    assert facts["employees"] == 120


def test_which_programs_fit_ranks_them_with_gaps(chat):
    text = (
        "我们聊城的轴承制造企业，2009年6月1日成立，职工300人，研发24人；"
        "2023年营收6000万，2024年7000万，2025年8000万；研发费用2023年200万，2024年250万，2025年300万；"
        "有1项发明专利"
    )
    sid = chat.ask(text, as_of=DAY)["session_id"]
    ranking = chat.ask("我们能申请哪些项目？", session_id=sid, as_of=DAY)
    assert "由近到远排序" in ranking["answer"]
    gaps = chat.ask("离高企还差什么？", session_id=sid, as_of=DAY)
    assert "科技人员需增加 6 人" in gaps["answer"]
    assert "近三年研发费用合计需增加 90 万元" in gaps["answer"]


@pytest.mark.parametrize(
    "question", ["今天济南天气怎么样", "帮我写一首关于春天的诗", "推荐几只股票"]
)
def test_out_of_scope_questions_are_refused_without_citations(chat, question):
    answer = chat.ask(question, as_of=DAY)
    assert answer["refused"] is True
    assert answer["citations"] == []
    assert not any(ch.isdigit() for ch in answer["answer"])


def test_a_traditional_question_gets_a_traditional_answer(chat):
    answer = chat.ask("高新技術企業的有效期是幾年？", as_of=DAY)
    assert not answer["refused"]
    assert "高新技術企業" in answer["answer"] or "有效期" in answer["answer"]
    assert "企业" not in answer["answer"]


@pytest.mark.parametrize("question", ["", "   ", "高企" * 50_000])
def test_empty_and_huge_questions_get_clear_errors(chat, question):
    with pytest.raises(InputError, match="问题"):
        chat.ask(question)


def test_bad_session_ids_are_refused(chat):
    with pytest.raises(InputError, match="session id"):
        chat.ask("高企条件", session_id="../../etc/passwd")


def test_injection_text_is_inert(chat):
    answer = chat.ask(
        "高企条件'; DROP TABLE chat_sessions; -- <script>alert(1)</script>", as_of=DAY
    )
    assert chat.sessions.load(answer["session_id"])  # the table still works
    assert isinstance(answer["answer"], str)


def test_ask_cli_remembers_the_session_across_processes(tmp_path):
    env = dict(os.environ, ASSISTANT_DATA_DIR=str(tmp_path), ASSISTANT_EMBEDDINGS="hashing")

    def ask(*args):
        proc = subprocess.run(
            [sys.executable, "-m", "assistant", "ask", *args, "--as-of", "2026-11-22", "--json"],
            capture_output=True,
            text=True,
            cwd=PROJECT_ROOT,
            env=env,
            timeout=300,
        )
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)

    first = ask("我们职工200人，研发人员15人")
    second = ask("能评高企吗", "--session", first["session_id"])
    staff = next(
        c for c in second["assessment"]["conditions"] if c["id"] == "hnte.tech_staff_ratio"
    )
    assert staff["status"] == "fail"
    assert set(second) >= {
        "answer",
        "programs",
        "assessment",
        "citations",
        "missing_fields",
        "template_id",
        "refused",
        "session_id",
        "backend",
    }
    assert second["backend"] == "grounded"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_the_extractor_never_crashes_on_arbitrary_text(text):
    result = extract_facts(text, DAY, WORDS)
    assert isinstance(result.facts, dict)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "去年",
                "营收",
                "研发",
                "4800万",
                "1.2亿",
                "三千五百万",
                "人",
                "员工",
                "，",
                "说错了",
                "是",
                "百分之十",
                "两项",
                "发明专利",
                "2019年",
                "成立",
                "济南",
            ]
        ),
        max_size=20,
    )
)
def test_the_extractor_never_crashes_on_domain_word_salad(words):
    extract_facts("".join(words), DAY, WORDS)
