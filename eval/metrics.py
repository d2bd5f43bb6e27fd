"""Retrieval metrics: pure functions over ranked ids and the set of relevant ids."""

from __future__ import annotations

from collections.abc import Sequence


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


def dedupe(ids: Sequence[str]) -> list[str]:
    """Keep the first occurrence of each id (several chunks of one document).

    >>> dedupe(["a", "b", "a", "c"])
    ['a', 'b', 'c']
    """
    return list(dict.fromkeys(ids))
