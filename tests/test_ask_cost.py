"""What one ``ask`` costs: the lead scorer reads each sentence once, asks the keyword index
for the focus weights once per question, and a turn embeds a query text once; none of it
changes which sentence leads. Hashing embedder (no model), the shipped knowledge base."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.chat.lead import LeadScorer
from assistant.config import Settings
from assistant.factory import build_chat, build_search
from assistant.search.embeddings import QUERIES_KEPT, CachedEmbeddings, HashingEmbeddings
from assistant.search.retrieval import _near_positions

QUESTIONS = (
    "高企认定的科技人员是否有学历要求？",
    "高新技术企业资格有效期几年？",
    "科技型中小企业评价分值低于60分还能入库吗？",
    "专精特新中小企业的申报材料有哪些？",
)


class Counting(HashingEmbeddings):
    """The hashing embedder, counting what it is asked to embed."""

    def __init__(self) -> None:
        super().__init__(512)
        self.queries: Counter[str] = Counter()
        self.documents = 0

    def embed_query(self, text: str) -> list[float]:
        self.queries[text] += 1
        return super().embed_query(text)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.documents += len(texts)
        return super().embed_documents(texts)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cost")
    settings = Settings(data_dir=folder, embeddings="hashing")
    model = Counting()
    search = build_search(settings, embeddings=CachedEmbeddings(model, folder / "vectors.sqlite"))
    search.indexer.index_knowledge(search.knowledge)
    return build_chat(settings, search), search, model


def _scorer(chat, idf, programs_of):
    """A scorer over the same parts as the chat's, with counting hooks."""
    base = chat.leads
    return LeadScorer(
        base.embeddings,
        base.tokenizer,
        idf,
        base.strip,
        programs_of,
        chat.knowledge.glossary.synonyms,
    )


def test_a_warm_scorer_reads_each_sentence_once_and_leads_as_a_fresh_one(stack):
    chat, search, model = stack
    seen: Counter[str] = Counter()
    idf_calls: Counter[str] = Counter()
    index = search.retriever.keyword_index()

    def programs_of(text: str) -> list[str]:
        seen[text] += 1
        return chat.intents.programs(text)

    def idf(term: str) -> float | None:
        idf_calls[term] += 1
        return index.idf(term)

    warm = _scorer(chat, idf, programs_of)
    for question in QUESTIONS:
        passages = search.retriever.search(question, 8)
        shape = warm.shape(question)
        first = warm.choose(question, passages, shape)
        calls = sum(idf_calls.values())
        embedded = model.documents
        again = warm.choose(question, passages, warm.shape(question))
        fresh = _scorer(chat, index.idf, chat.intents.programs)
        cold = fresh.choose(question, passages, fresh.shape(question))
        assert first == again == cold, question
        # the second choice: no sentence embedded or scanned for programs again, and the
        # focus weights read once (one idf look-up per focus term)
        assert model.documents == embedded, question
        assert sum(idf_calls.values()) - calls == len(shape.focus), question
    sentences = [n for text, n in seen.items() if text not in QUESTIONS]
    assert sentences
    assert max(sentences) == 1
    assert warm.shape(QUESTIONS[0]) is warm.shape(QUESTIONS[0])


def test_a_turn_embeds_each_query_text_once(stack):
    chat, _search, model = stack
    model.queries.clear()
    chat.ask("高企的研发费用占销售收入的比例要求是多少？")
    # the expanded query for retrieval and the question for the lead: one model call each
    assert len(model.queries) == 2
    assert max(model.queries.values()) == 1


def test_the_query_cache_is_bounded_and_returns_the_model_s_vector(tmp_path):
    model = Counting()
    cached = CachedEmbeddings(model, tmp_path / "v.sqlite")
    first = cached.embed_query("研发费用占比")
    first.append(9.0)  # a caller changing its list does not change the cache
    assert cached.embed_query("研发费用占比") == model.embed_query("研发费用占比")
    assert model.queries["研发费用占比"] == 2  # once through the cache, once directly
    for n in range(QUERIES_KEPT + 1):
        cached.embed_query(f"问题{n}")
    cached.embed_query("研发费用占比")
    assert model.queries["研发费用占比"] == 3  # pushed out by newer queries


def _near_by_brute_force(text: str, name: str) -> list[int]:
    size = len(name)
    return [
        i
        for i in range(len(text) - size + 1)
        if sum(a != b for a, b in zip(text[i : i + size], name, strict=True)) == 1
    ]


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet="高新技术企业泉城好品山东", max_size=30),
    st.text(alphabet="高新技术企业泉城好品山东", min_size=2, max_size=8),
)
def test_one_typo_positions_match_a_comparison_at_every_position(text, name):
    assert _near_positions(text, name) == _near_by_brute_force(text, name)
