"""The optional LLM path: a scripted tool-calling model, the guard and the fallbacks."""

from __future__ import annotations

import datetime as dt

import pytest
from langchain_core.messages import AIMessage

from assistant.config import Settings
from assistant.factory import build_chat, build_search
from tests.fakes import ScriptedChatModel, script, tool_call

DAY = dt.date(2026, 11, 22)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    settings = Settings(data_dir=tmp_path_factory.mktemp("llm"), embeddings="hashing")
    s = build_search(settings)
    s.indexer.index_knowledge(s.knowledge)
    return settings, s


def _chat(stack, *steps):
    settings, s = stack
    chat = build_chat(settings, s)
    chat.use_llm(script(*steps), "fake-qwen")
    return chat


def test_a_grounded_rephrasing_after_a_tool_call_is_used(stack):
    chat = _chat(
        stack,
        tool_call("search_knowledge", query="高新技术企业 科技人员占企业当年职工总数的比例"),
        AIMessage(content="高新技术企业要求科技人员占职工总数的比例不低于10%。"),
    )
    answer = chat.ask("高企对科技人员比例有什么要求？", as_of=DAY)
    assert answer["backend"] == "llm:fake-qwen"
    assert answer["answer"].startswith("高新技术企业要求科技人员")
    assert answer["citations"]
    # the model saw the tool's output: the search ran for real
    assert any("科技人员" in str(m.content) for msgs in ScriptedChatModel.seen for m in msgs)


def test_an_invented_number_falls_back_to_the_grounded_answer(stack):
    chat = _chat(
        stack,
        tool_call("search_knowledge", query="高企 科技人员"),
        AIMessage(content="高企要求科技人员比例不低于15%。"),
    )
    answer = chat.ask("高企对科技人员比例有什么要求？", as_of=DAY)
    assert answer["backend"] == "grounded"
    assert "15%" not in answer["answer"]
    assert "unsupported" in answer["llm_fallback"]


def test_a_contradicting_verdict_falls_back(stack):
    chat = _chat(
        stack,
        tool_call("assess_eligibility", program="hnte"),
        AIMessage(content="贵公司完全符合高企条件。"),
    )
    answer = chat.ask("我们职工200人，科技人员10人，能评高企吗", as_of=DAY)
    assert answer["backend"] == "grounded"
    assert answer["assessment"]["verdict"] == "not_eligible"  # the engine's, not the LLM's


def test_an_unreachable_endpoint_falls_back(stack, tmp_path):
    settings = Settings(
        data_dir=tmp_path,
        embeddings="hashing",
        llm_base_url="http://127.0.0.1:9/v1",
        llm_model="qwen",
        llm_timeout=2,
    )
    chat = build_chat(settings, stack[1])
    assert chat.phraser is not None
    answer = chat.ask("高企证书有效期几年？", as_of=DAY)
    assert answer["backend"] == "grounded"
    assert answer["llm_fallback"].startswith("unavailable")
    assert not answer["refused"]


def test_refusals_never_reach_the_llm(stack):
    chat = _chat(stack, AIMessage(content="明天晴。"))
    answer = chat.ask("明天济南天气怎么样", as_of=DAY)
    assert answer["refused"] is True
    assert answer["backend"] == "grounded"
    assert ScriptedChatModel.seen == []
