"""Retrieval evaluation over eval/sets/retrieval: rank knowledge articles for each question.

The expected articles of an item are *alternatives*: each of them answers the question. So
``recall_at_k`` is answer recall, the share of questions with at least one expected article
in the top ``k`` (what the product needs: one passage that answers); ``ndcg_at_10`` rewards
ranking all of them high, ``mrr`` the first one early. Passages are deduplicated to their
article, in rank order, before scoring.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from eval.metrics import dedupe, hit_at_k, mean, ndcg_at_k, reciprocal_rank
from eval.sets import RetrievalItem

DEPTH = 10


@dataclass
class Ranked:
    """One question's ranking."""

    item: RetrievalItem
    ranked: list[str]
    ms: float = 0.0

    @property
    def relevant(self) -> set[str]:
        """The articles that answer the question."""
        return set(self.item.expected)


def rank(retriever: Any, item: RetrievalItem) -> Ranked:
    """The article ids the retriever ranks for the question (top ``DEPTH`` passages)."""
    start = time.perf_counter()
    passages = retriever.search(item.question, DEPTH)
    ms = (time.perf_counter() - start) * 1000
    ids = dedupe(str(p.doc_id).removeprefix("kb-") for p in passages)
    return Ranked(item, ids, ms)


def run(retriever: Any, items: list[RetrievalItem]) -> list[Ranked]:
    """Rank every question."""
    return [rank(retriever, item) for item in items]


def metrics(results: list[Ranked]) -> dict[str, float]:
    """recall@1, recall@5, MRR and nDCG@10 (rounded to 4 places)."""
    values = {
        "recall_at_1": mean(hit_at_k(r.ranked, r.relevant, 1) for r in results),
        "recall_at_5": mean(hit_at_k(r.ranked, r.relevant, 5) for r in results),
        "mrr": mean(reciprocal_rank(r.ranked, r.relevant) for r in results),
        "ndcg_at_10": mean(ndcg_at_k(r.ranked, r.relevant, 10) for r in results),
    }
    return {k: round(v, 4) for k, v in values.items()}
