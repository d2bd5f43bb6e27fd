"""Pages of a long list (20 rows a page) and the pager line under it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

PAGE_SIZE = 20
T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of rows: ``number`` counts from 1 and is clamped into ``1..pages``."""

    rows: list[T]
    number: int
    pages: int
    total: int

    @property
    def caption(self) -> str:
        """「第 2 / 12 页，共 238 条」."""
        return f"第 {self.number} / {self.pages} 页，共 {self.total} 条"


def paginate(items: Sequence[T], number: int | float | None, size: int = PAGE_SIZE) -> Page[T]:
    """The page ``number`` of ``items`` (out-of-range numbers give the first or last page).

    >>> p = paginate(list(range(45)), 9)
    >>> (p.number, p.pages, p.rows[0], len(p.rows), p.caption)
    (3, 3, 40, 5, '第 3 / 3 页，共 45 条')
    >>> paginate([], 1).caption
    '第 1 / 1 页，共 0 条'
    """
    pages = max(1, -(-len(items) // size))
    current = min(max(1, int(number or 1)), pages)
    start = (current - 1) * size
    return Page(list(items[start : start + size]), current, pages, len(items))
