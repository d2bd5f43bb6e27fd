"""Agreement between evaluators: Cohen's kappa on the answer grade (3 categories).

Accuracy figures are only as good as the grades; kappa says whether two evaluators grading
the same answer agree more than chance would make them. An answer graded by several
evaluators contributes one pair: its first two grades (by grading time), so the two "raters"
are the first and the second grader rather than two fixed people — the usual compromise when a
pool of evaluators shares the work.

    kappa = (po - pe) / (1 - pe)

with ``po`` the share of pairs that agree and ``pe = sum_k p1(k) * p2(k)`` the agreement
expected from each rater's own category shares. When ``pe == 1`` both raters put every item
in one and the same category: kappa is 0/0, undefined, and is reported as None (with ``po``,
which is then 1) rather than as a made-up number.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from assistant.review.grades import GRADES


@dataclass(frozen=True)
class Agreement:
    """Kappa with its parts, so the dashboard can show why it is what it is."""

    pairs: int
    observed: float  # po
    expected: float  # pe
    kappa: float | None  # None: no pairs, or pe == 1 (undefined)


def cohen_kappa(pairs: Iterable[tuple[str, str]], categories: Sequence[str] = GRADES) -> Agreement:
    """Cohen's kappa of paired ratings.

    Raises:
        ValueError: a rating outside ``categories``.

    >>> cohen_kappa([("correct", "correct"), ("wrong", "wrong")]).kappa
    1.0
    >>> cohen_kappa([]).kappa is None
    True
    """
    rows = list(pairs)
    for a, b in rows:
        if a not in categories or b not in categories:
            raise ValueError(f"rating ({a!r}, {b!r}) is not one of {list(categories)}")
    n = len(rows)
    if n == 0:
        return Agreement(0, 0.0, 0.0, None)
    observed = sum(1 for a, b in rows if a == b) / n
    expected = sum(
        (sum(1 for a, _ in rows if a == k) / n) * (sum(1 for _, b in rows if b == k) / n)
        for k in categories
    )
    if abs(1.0 - expected) < 1e-12:
        return Agreement(n, observed, expected, None)
    return Agreement(n, observed, expected, (observed - expected) / (1.0 - expected))


def first_two(grades: Iterable[tuple[int, str, str]]) -> list[tuple[str, str]]:
    """Pairs of answer grades: the first two evaluators of every message graded by two or
    more. ``grades`` are (message id, evaluator, grade) in grading order.

    >>> first_two([(1, "a", "correct"), (2, "a", "wrong"), (1, "b", "partly"),
    ...            (1, "c", "wrong")])
    [('correct', 'partly')]
    """
    seen: dict[int, list[str]] = {}
    for message_id, _evaluator, grade in grades:
        seen.setdefault(message_id, []).append(grade)
    return [(g[0], g[1]) for g in seen.values() if len(g) >= 2]
