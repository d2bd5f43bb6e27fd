"""Hybrid retrieval over the real chromadb store with the fast hashing embedder."""

from __future__ import annotations

import pytest

from assistant.errors import InputError
from assistant.factory import build_search
from tests.conftest import DOCS


@pytest.fixture
def stack(settings):
    s = build_search(settings)
    s.indexer.index_knowledge(s.knowledge)
    s.indexer.ingest_files([DOCS / "tech-sme-evaluation-2017-115.md"])
    return s


def test_the_rd_ratio_article_ranks_first_for_the_plain_question(stack):
    top = stack.retriever.search("研发投入要占营收多少才能评高企", 5)
    assert top[0].doc_id == "kb-hnte-rd-expense-ratio"
    cite = top[0].citation()
    assert cite["document"] == "高新技术企业认定管理办法"
    assert cite["doc_no"] == "国科发火〔2016〕32号"
    assert cite["article"] == "第十一条第（五）项"


def test_abbreviations_steer_to_their_program(stack):
    top = stack.retriever.search("科小的企业规模有什么要求", 3)
    assert top[0].program == "tech_sme"


def test_program_filter_is_a_hard_filter(stack):
    results = stack.retriever.search("研发费用比例", 10, program="tech_sme")
    assert results
    assert {p.program for p in results} == {"tech_sme"}


def test_doc_type_filter_separates_uploads_from_knowledge(stack):
    uploads = stack.retriever.search("科技型中小企业评价", 10, doc_type="upload")
    assert uploads
    assert {p.metadata["doc_type"] for p in uploads} == {"upload"}


def test_a_traditional_question_finds_simplified_passages(stack):
    top = stack.retriever.search("研發費用要佔銷售收入多少才能評高企", 3)
    assert top[0].doc_id == "kb-hnte-rd-expense-ratio"


def test_keyword_index_follows_changes_made_by_another_stack(settings, stack, tmp_path):
    other = build_search(settings)  # e.g. a CLI ingest next to the running app
    note = tmp_path / "n.txt"
    note.write_text("聊城市冷链物流园扩建冷库两座，总库容八千吨。", encoding="utf-8")
    other.indexer.ingest_files([note])
    assert stack.retriever.search("冷库库容", 1)[0].text.startswith("聊城市冷链物流园")


def test_a_pinned_block_asks_the_store_once_and_the_next_block_sees_changes(
    settings, stack, tmp_path, monkeypatch
):
    """A chat turn runs several searches and IDF lookups inside ``pinned()``: whether the
    index changed is one round trip to the store for all of them, and a change another
    process made meanwhile is found by the next turn."""
    store = stack.store
    asked = []
    real = store.generation

    def counted() -> str:
        asked.append(1)
        return real()

    monkeypatch.setattr(store, "generation", counted)
    retriever = stack.retriever
    with retriever.pinned():
        assert not asked  # a block that never searches never asks
        retriever.search("研发投入要占营收多少才能评高企", 5)
        retriever.search("科小的企业规模有什么要求", 3, doc_type="knowledge")
        assert retriever.keyword_index().idf("研发") is not None
        other = build_search(settings)
        note = tmp_path / "n.txt"
        note.write_text("聊城市冷链物流园扩建冷库两座，总库容八千吨。", encoding="utf-8")
        other.indexer.ingest_files([note])
        pinned_top = retriever.search("冷库库容", 1)
    assert len(asked) == 1
    assert not any(p.text.startswith("聊城市冷链物流园") for p in pinned_top)
    assert retriever.search("冷库库容", 1)[0].text.startswith("聊城市冷链物流园")
    assert len(asked) == 2


@pytest.mark.parametrize("question", ["", "   ", "高企" * 1500])
def test_empty_and_huge_questions_are_refused_clearly(stack, question):
    with pytest.raises(InputError, match="问题"):
        stack.retriever.search(question)


def test_an_empty_index_returns_nothing(settings):
    assert build_search(settings).retriever.search("高企条件") == []


def test_dense_query_spells_out_abbreviations_and_everyday_words(stack):
    expanded = stack.retriever.expand("研发投入要占营收多少才能评高企", ["hnte"])
    assert "销售收入" in expanded
    assert "研发费用" in expanded
    assert "高新技术企业认定" in expanded
    assert stack.retriever.expand("天气怎么样") == "天气怎么样"


def test_cached_embeddings_compute_each_passage_once(tmp_path):
    from assistant.search.embeddings import CachedEmbeddings, HashingEmbeddings

    class Counting(HashingEmbeddings):
        calls = 0

        def embed_documents(self, texts):
            Counting.calls += len(texts)
            return super().embed_documents(texts)

    inner = Counting(64)
    cached = CachedEmbeddings(inner, tmp_path / "c.sqlite")
    first = cached.embed_documents(["甲", "乙"])
    again = CachedEmbeddings(inner, tmp_path / "c.sqlite").embed_documents(["乙", "甲", "丙"])
    assert Counting.calls == 3
    assert again[0] == pytest.approx(first[1])
    assert again[1] == pytest.approx(first[0])
