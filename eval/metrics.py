"""Evaluation metrics: pure functions over ranked ids, id sets, labels and samples.

Kept free of I/O and of the product's code, so each one can be checked by hand on a small
case (tests/test_eval_metrics.py).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence


def recall_at_k(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    """Share of the relevant ids found in the top ``k``.

    >>> recall_at_k(["a", "b", "c"], {"b", "z"}, 2)
    0.5
    """
    if not relevant:
        return 0.0
    return len(relevant & set(ranked[:k])) / len(relevant)


def hit_at_k(ranked: Sequence[str], relevant: set[str], k: int) -> bool:
    """Whether any relevant id is in the top ``k``.

    >>> hit_at_k(["a", "b"], {"b"}, 1), hit_at_k(["a", "b"], {"b"}, 2)
    (False, True)
    """
    return bool(relevant & set(ranked[:k]))


def reciprocal_rank(ranked: Sequence[str], relevant: set[str]) -> float:
    """1 / rank of the first relevant id (0 when none is ranked).

    >>> reciprocal_rank(["a", "b", "c"], {"c"})
    0.3333333333333333
    """
    for rank, item in enumerate(ranked, 1):
        if item in relevant:
            return 1.0 / rank
    return 0.0


def ndcg_at_k(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    """Normalised discounted cumulative gain at ``k`` with binary relevance.

    DCG = sum over the top ``k`` of rel_i / log2(i + 1) (rank i from 1); the ideal DCG puts
    all relevant ids first (at most ``k`` of them). Unlike MRR it rewards ranking *every*
    answering article high, which matters when several articles answer one question.

    >>> round(ndcg_at_k(["x", "a"], {"a"}, 10), 4)  # 1/log2(3) over 1
    0.6309
    """
    if not relevant:
        return 0.0
    dcg = sum(
        1.0 / math.log2(rank + 1) for rank, item in enumerate(ranked[:k], 1) if item in relevant
    )
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(len(relevant), k) + 1))
    return dcg / ideal


def dedupe(ids: Iterable[str]) -> list[str]:
    """Keep the first occurrence of each id (several chunks of one document).

    >>> dedupe(["a", "b", "a", "c"])
    ['a', 'b', 'c']
    """
    return list(dict.fromkeys(ids))


def mean(values: Iterable[float]) -> float:
    """Arithmetic mean, 0.0 for no values (a set with no item of a kind scores nothing
    rather than failing the run).

    >>> mean([1, 0, 0.5]), mean([])
    (0.5, 0.0)
    """
    items = list(values)
    return sum(items) / len(items) if items else 0.0


def mean_or_none(values: Iterable[float]) -> float | None:
    """Arithmetic mean, None for no values: a metric of a group with nothing to measure
    (key facts of a group of refusals) is undefined, not 0.

    >>> mean_or_none([1, 0]), mean_or_none([])
    (0.5, None)
    """
    items = list(values)
    return sum(items) / len(items) if items else None


def percentile(samples: Sequence[float], p: float) -> float:
    """The nearest-rank ``p``-th percentile: the smallest sample with at least ``p`` % of
    the samples at or below it (0.0 for no samples). Nearest-rank never interpolates, so
    the reported latency is one that was really measured.

    >>> percentile([30, 10, 20, 40], 50), percentile([30, 10, 20, 40], 95)
    (20, 40)
    """
    if not samples:
        return 0.0
    ordered = sorted(samples)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def citation_precision(cited: set[str], gold: set[str]) -> float | None:
    """Share of the cited articles that are gold articles; None when nothing is cited
    (precision is undefined then; such items are left out of the average).

    >>> citation_precision({"a", "b", "c", "d"}, {"a", "z"})
    0.25
    """
    if not cited:
        return None
    return len(cited & gold) / len(cited)


def citation_recall(cited: set[str], gold: set[str]) -> float | None:
    """Share of the gold articles that are cited; None when there is no gold.

    >>> citation_recall({"a", "b"}, {"a", "z"})
    0.5
    """
    if not gold:
        return None
    return len(cited & gold) / len(gold)


def refusal_precision_recall(pairs: Iterable[tuple[bool, bool]]) -> tuple[float, float]:
    """Precision and recall of refusing, from (should refuse, did refuse) pairs.

    Precision: of the refusals, the share that should have been refusals. Recall: of the
    questions to refuse, the share refused. Both are 1.0 when their denominator is empty
    (no refusal made cannot be a wrong one; nothing to refuse cannot be missed).

    >>> refusal_precision_recall([(True, True), (False, True), (True, False), (False, False)])
    (0.5, 0.5)
    """
    items = list(pairs)
    made = [want for want, did in items if did]
    wanted = [did for want, did in items if want]
    precision = sum(made) / len(made) if made else 1.0
    recall = sum(wanted) / len(wanted) if wanted else 1.0
    return precision, recall
