"""The retrieval set (eval/sets/retrieval): plain-Chinese questions for every program, each
answered by a knowledge article that must be in the top 5 with the real e5 model."""

from __future__ import annotations

from collections import Counter

import pytest

from assistant.config import PROJECT_ROOT, Settings
from assistant.core.knowledge import PROGRAM_IDS, load_knowledge
from assistant.factory import build_search
from eval.metrics import dedupe, hit_at_k, reciprocal_rank
from eval.sets import load_retrieval_set

ITEMS = load_retrieval_set()


def test_the_set_covers_every_program_and_points_at_real_articles():
    knowledge = load_knowledge(PROJECT_ROOT / "knowledge")
    ids = {a.id for a in knowledge.articles}
    assert len(ITEMS) >= 40
    per_program = Counter(item.program for item in ITEMS)
    assert set(per_program) == set(PROGRAM_IDS)
    assert min(per_program.values()) >= 5
    for item in ITEMS:
        assert set(item.expected) <= ids, item
    assert len({item.question for item in ITEMS}) == len(ITEMS)


@pytest.mark.model
def test_the_answering_article_is_in_the_top_5(tmp_path, e5):
    stack = build_search(Settings(data_dir=tmp_path), embeddings=e5)
    stack.indexer.index_knowledge(stack.knowledge)
    hits, rr, misses = 0, 0.0, []
    for item in ITEMS:
        ranked = dedupe(
            p.doc_id.removeprefix("kb-") for p in stack.retriever.search(item.question, 10)
        )
        expected = set(item.expected)
        hit = hit_at_k(ranked, expected, 5)
        hits += hit
        rr += reciprocal_rank(ranked, expected)
        if not hit:
            misses.append(f"{item.question} -> want {item.expected}, got {ranked[:3]}")
    hit_rate, mrr = hits / len(ITEMS), rr / len(ITEMS)
    print(f"\nretrieval set: {len(ITEMS)} questions, hit@5 {hit_rate:.3f}, MRR {mrr:.3f}")
    print("\n".join(misses))
    assert hits >= 40
    assert hit_rate >= 0.95, misses
    assert mrr >= 0.85
