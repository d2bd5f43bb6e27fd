"""Index tokens stored with the chunks: the BM25 index is the same without re-tokenising."""

from __future__ import annotations

import numpy as np

from assistant.factory import build_search
from assistant.search.keyword import TOKENS_KEY, VOCAB_KEY, KeywordIndex, Tokenizer


def test_stored_tokens_build_the_same_index(settings):
    stack = build_search(settings)
    stack.indexer.index_knowledge(stack.knowledge)
    chunks = list(stack.store.iter_chunks())
    assert chunks
    assert all(c.metadata[VOCAB_KEY] == stack.retriever.tokenizer.fingerprint for c in chunks)
    fresh = Tokenizer(["研发费用占比"])  # another dictionary: stored tokens are not trusted
    assert fresh.fingerprint != stack.retriever.tokenizer.fingerprint
    stripped = [
        type(c)(c.id, c.text, {k: v for k, v in c.metadata.items() if k != TOKENS_KEY})
        for c in chunks
    ]
    stored = KeywordIndex(chunks, stack.retriever.tokenizer)
    redone = KeywordIndex(stripped, stack.retriever.tokenizer)
    for query in ("研发费用占销售收入的比例", "高新技术企业有效期几年", "职工总数"):
        assert np.array_equal(stored.scores(query), redone.scores(query)), query


def test_tokens_of_another_dictionary_are_redone(settings):
    stack = build_search(settings)
    stack.indexer.index_knowledge(stack.knowledge)
    chunk = next(iter(stack.store.iter_chunks()))
    wrong = type(chunk)(chunk.id, chunk.text, {**chunk.metadata, TOKENS_KEY: "假\x1f词"})
    assert "假" in stack.retriever.tokenizer.index_terms(wrong)
    other = Tokenizer()
    assert "假" not in other.index_terms(wrong)  # not its fingerprint: tokenised anew


def test_a_synonym_the_question_did_not_say_weighs_less_than_its_own_words():
    from assistant.search.chunk_store import StoredChunk

    tokenizer = Tokenizer(["研发费用", "研究开发"], {"研发": ["研究开发"]})
    own, added = tokenizer.weighted_query_tokens("研发费用占比")
    assert "研究开发" in added
    assert not set(own) & set(added)
    # One chunk repeats the synonym, the other carries the question's own words once each:
    # the own words win (with the synonym weighing fully, the repetition won).
    chunks = [
        StoredChunk("a", "研究开发活动的研究开发组织和研究开发记录，研发费用", {}),
        StoredChunk("b", "研发费用占比的门槛", {}),
    ]
    scores = KeywordIndex(chunks, tokenizer).scores("研发费用占比")
    assert scores[1] > scores[0]


def test_a_year_named_relative_to_today_stays_whole_before_report():
    # 「明年报」 is next year's application; 年报 (the annual report) is a domain word.
    from assistant.search.keyword import Tokenizer

    tokenizer = Tokenizer(["年报"])
    assert "年报" not in tokenizer.tokens("明年报的话算哪几年")
    assert "明年" in tokenizer.tokens("明年报的话算哪几年")
    assert "年报" in tokenizer.tokens("高企年报什么时候报")
