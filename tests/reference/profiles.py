"""Random company profiles concentrated on the lines the rules draw.

Each profile is a plain random company with one *focus* made exact: a figure placed on a
line, one cent (0.01 万元) or one person on either side of it, the 5,000 and 20,000 万元
band edges, registrations 365 or 183 days (±1) before the application, firms younger than
three years. Money is drawn in cents of 万元 and written the way a JSON profile holds it
(174.48, or a whole 4800). A :class:`Source` gives the randomness, so the same generator
serves hypothesis (which shrinks a failure to a small profile) and a plain ``random.Random``
(the benchmark).
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import random
from collections.abc import Sequence
from typing import Any, Protocol, TypeVar

T = TypeVar("T")

FIELDS = (
    "电子信息",
    "生物与新医药",
    "新材料",
    "高技术服务",
    "先进制造与自动化",
    "资源与环境",
    "航空航天",
    "新能源与节能",
    "现代农业",
)
FOCUSES = (
    "none",
    "rd_band_edge",
    "rd_line",
    "domestic_line",
    "hightech_line",
    "staff_line",
    "size_line",
    "sme_rd_revenue_line",
    "sme_rd_cost_line",
    "srdi_main_line",
    "srdi_debt_line",
    "srdi_rd_line",
    "srdi_revenue_line",
)
Figures = dict[int, dict[str, int]]
"""Figures in cents of 万元 by fiscal year and key."""
FIRST_DAY = dt.date(2026, 4, 1)
LAST_DAY = dt.date(2027, 12, 31)


class Source(Protocol):
    """Where the randomness comes from."""

    def integer(self, low: int, high: int) -> int:
        """A whole number in [low, high]."""

    def choice(self, options: Sequence[T]) -> T:
        """One of the options."""


class RandomSource:
    """Randomness from ``random.Random`` (the benchmark)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def integer(self, low: int, high: int) -> int:
        return self.rng.randint(low, high)

    def choice(self, options: Sequence[T]) -> T:
        return options[self.rng.randrange(len(options))]


class HypothesisSource:
    """Randomness drawn from hypothesis (``st.data()``), so failures shrink."""

    def __init__(self, data: Any) -> None:
        self.data = data

    def integer(self, low: int, high: int) -> int:
        return int(self.data.draw(_integers(low, high)))

    def choice(self, options: Sequence[T]) -> T:
        return options[self.integer(0, len(options) - 1)]


@functools.cache
def _integers(low: int, high: int) -> Any:
    """A cached hypothesis strategy (building one per draw costs more than the draw)."""
    from hypothesis import strategies as st

    return st.integers(low, high)


def _wan(cents: int, src: Source) -> float | int:
    """Cents of 万元 as a JSON figure: a whole number half of the time when it is one."""
    if cents % 100 == 0 and src.integer(0, 1):
        return cents // 100
    return cents / 100


def _near(src: Source, exact: int) -> int:
    """The value on a line or one unit either side (the line twice as often); never below
    zero, since no figure of a profile can be negative (a line at 0 has only one side)."""
    return max(0, exact + src.choice((-1, 0, 0, 1)))


def _multiple(value: int, of: int) -> int:
    """``value`` moved down to a multiple of ``of`` (at least ``of``)."""
    return max(of, value - value % of)


def _registration(src: Source, as_of: dt.date) -> str | None:
    kind = src.choice(("days", "days", "young", "old", "year_edge", "missing"))
    if kind == "missing":
        return None
    if kind == "days":
        days = src.choice((365, 183)) + src.choice((-1, 0, 1))
        return (as_of - dt.timedelta(days=days)).isoformat()
    if kind == "young":  # registered during the three fiscal years or the application year
        year = as_of.year - src.integer(0, 3)
        day = dt.date(year, 1, 1) + dt.timedelta(days=src.integer(0, 364))
        return min(day, as_of).isoformat()
    if kind == "year_edge":
        year = as_of.year - src.integer(1, 3)
        return src.choice((dt.date(year, 1, 1), dt.date(year - 1, 12, 31))).isoformat()
    return (as_of - dt.timedelta(days=src.integer(3 * 365, 20 * 365))).isoformat()


def _window(registered: str | None, as_of: dt.date) -> list[int]:
    """The fiscal years an R&D ratio spans (only to aim at its line; the reference and
    the engine each decide for themselves)."""
    last = as_of.year - 1
    years = [last - 2, last - 1, last]
    if registered is None:
        return years
    first = dt.date.fromisoformat(registered).year
    return [y for y in years if y >= first] or [last]


def _split(src: Source, total: int, parts: int) -> list[int]:
    """``total`` cents in ``parts`` non-negative pieces."""
    cuts = sorted(src.integer(0, total) for _ in range(parts - 1))
    bounds = [0, *cuts, total]
    return [b - a for a, b in itertools.pairwise(bounds)]


def generate(src: Source, focuses: Sequence[str] = FOCUSES) -> tuple[dict[str, Any], dt.date]:
    """One profile and its application date, with one of ``focuses`` placed on its line."""
    as_of = FIRST_DAY + dt.timedelta(days=src.integer(0, (LAST_DAY - FIRST_DAY).days))
    last = as_of.year - 1
    years = [last - 2, last - 1, last]
    registered = _registration(src, as_of)
    employees = src.integer(1, 1000)
    cents: Figures = {}
    for year in years:
        revenue = src.integer(10_000, 4_000_000)
        rd = src.integer(0, revenue // 8)
        income = revenue + src.integer(0, revenue // 10)
        assets = src.integer(10_000, 4_000_000)
        cents[year] = {
            "revenue": revenue,
            "main_business_revenue": src.integer(revenue * 6 // 10, revenue),
            "total_income": income,
            "hightech_revenue": src.integer(income * 3 // 10, income),
            "rd_expense": rd,
            "rd_expense_domestic": src.integer(rd * 4 // 10, rd),
            "total_costs": src.integer(revenue // 2, revenue * 11 // 10),
            "total_assets": assets,
            "total_liabilities": src.integer(0, assets),
        }
    profile: dict[str, Any] = {
        "name": "差分测试企业",
        "tech_field": src.choice(FIELDS),
        "employees": employees,
        "tech_staff": src.integer(0, employees),
        "ip": {
            "invention_patents": src.choice((0, 0, 0, 1, 2)),
            "utility_models": src.integer(0, 5),
            "software_copyrights": src.integer(0, 5),
        },
        "compliance": {
            "major_incident_last_year": src.choice((False, False, False, True)),
            "major_incident_last_3y": src.choice((False, False, False, True)),
            "abnormal_or_dishonest_list": src.choice((False, False, False, True)),
        },
        "qualifications": src.choice(([], [], ["tech_sme"], ["innovative_sme"], ["hnte"])),
        "st_award": src.choice(
            (
                None,
                None,
                {
                    "level": src.choice(("national", "provincial")),
                    "year": as_of.year - src.integer(0, 7),
                    "rank": src.integer(1, 5),
                },
            )
        ),
        "rd_institution_level": src.choice(("none", "none", "municipal", "provincial")),
        "led_standards_5y": src.choice((0, 0, 0, 1)),
        "niche_market_years": src.choice((2.99, 3, 3.01, 1, 6)),
        "equity_financing_2y": _wan(src.integer(0, 300_000), src),
    }
    if registered is not None:
        profile["registered_on"] = registered
    _focus(src, src.choice(focuses), profile, cents, _window(registered, as_of), last)
    profile["financials"] = {
        str(y): {k: _wan(v, src) for k, v in figures.items()} for y, figures in cents.items()
    }
    _drop_one(src, profile, last)
    return profile, as_of


def _focus(
    src: Source, focus: str, profile: dict[str, Any], cents: Figures, window: list[int], last: int
) -> None:
    """Place one figure on its line (or one unit beside it)."""
    if focus != "none":
        FOCUS[focus](src, profile, cents, window, last)


def _rd_line(
    src: Source, profile: dict[str, Any], cents: Figures, window: list[int], last: int
) -> None:
    _rd_ratio(src, cents, window, last, edge=False)


def _rd_band_edge(
    src: Source, profile: dict[str, Any], cents: Figures, window: list[int], last: int
) -> None:
    _rd_ratio(src, cents, window, last, edge=True)


def _rd_ratio(src: Source, cents: Figures, window: list[int], last: int, *, edge: bool) -> None:
    now = cents[last]
    top = now["revenue"]
    pct = 5 if top <= 500_000 else 4 if top <= 2_000_000 else 3
    if edge:  # the band edge, and the line of the band on either side
        at = src.choice((500_000, 2_000_000))
        now["revenue"] = _near(src, at)
        pct = src.choice((5, 4)) if at == 500_000 else src.choice((4, 3))
    sales = sum(cents[y]["revenue"] for y in window)
    first = window[0]
    if first != last and cents[first]["revenue"] > sales % 100:
        cents[first]["revenue"] -= sales % 100  # a total of whole 万元: the line is exact
        sales -= sales % 100
    total = max(0, _near(src, sales * pct // 100))
    for year, part in zip(window, _split(src, total, len(window)), strict=True):
        cents[year]["rd_expense"] = part
        cents[year]["rd_expense_domestic"] = part


def _domestic(
    src: Source, profile: dict[str, Any], cents: Figures, window: list[int], last: int
) -> None:
    rd = [cents[y]["rd_expense"] for y in window]
    total = _multiple(sum(rd), 5)
    # Move the years' sum to ``total`` without taking any year below zero: the cents to
    # remove (at most 4) come from the largest years first; cents to add go to the largest.
    excess = sum(rd) - total
    for year in sorted(window, key=lambda y: -cents[y]["rd_expense"]):
        take = min(excess, cents[year]["rd_expense"]) if excess > 0 else excess
        cents[year]["rd_expense"] -= take
        excess -= take
        if not excess:
            break
    home = _near(src, total * 60 // 100)
    for year, part in zip(window, _split(src, max(0, home), len(window)), strict=True):
        cents[year]["rd_expense_domestic"] = part


def _hightech(
    src: Source, profile: dict[str, Any], cents: Figures, window: list[int], last: int
) -> None:
    now = cents[last]
    now["total_income"] = _multiple(now["total_income"], 5)
    now["hightech_revenue"] = _near(src, now["total_income"] * 60 // 100)


def _staff(
    src: Source, profile: dict[str, Any], cents: Figures, window: list[int], last: int
) -> None:
    employees = 20 * src.integer(1, 50)
    pct = src.choice((10, 10, 15, 20, 25, 30))
    profile["employees"] = employees
    profile["tech_staff"] = max(0, min(employees, _near(src, employees * pct // 100)))


def _size(
    src: Source, profile: dict[str, Any], cents: Figures, window: list[int], last: int
) -> None:
    profile["employees"] = _near(src, 500)
    profile["tech_staff"] = min(profile["tech_staff"], profile["employees"])
    cents[last]["revenue"] = _near(src, 2_000_000)
    cents[last]["total_assets"] = _near(src, 2_000_000)


def _sme_rd_revenue(
    src: Source, profile: dict[str, Any], cents: Figures, window: list[int], last: int
) -> None:
    now = cents[last]
    now["revenue"] = _multiple(now["revenue"], 100)
    now["rd_expense"] = _near(src, now["revenue"] * src.choice((2, 3, 4, 5, 6)) // 100)


def _sme_rd_cost(
    src: Source, profile: dict[str, Any], cents: Figures, window: list[int], last: int
) -> None:
    now = cents[last]
    pct = src.choice((10, 15, 20, 25, 30))
    now["rd_expense"] = _multiple(now["rd_expense"], pct)
    now["total_costs"] = _near(src, now["rd_expense"] * 100 // pct)


def _srdi_main(
    src: Source, profile: dict[str, Any], cents: Figures, window: list[int], last: int
) -> None:
    now = cents[last]
    now["revenue"] = _multiple(now["revenue"], 5)
    now["main_business_revenue"] = _near(src, now["revenue"] * 80 // 100)


def _srdi_debt(
    src: Source, profile: dict[str, Any], cents: Figures, window: list[int], last: int
) -> None:
    now = cents[last]
    now["total_assets"] = _multiple(now["total_assets"], 5)
    now["total_liabilities"] = _near(src, now["total_assets"] * 80 // 100)


def _srdi_rd(
    src: Source, profile: dict[str, Any], cents: Figures, window: list[int], last: int
) -> None:
    for year in (last - 1, last):
        figures = cents[year]
        if src.integer(0, 1):
            figures["rd_expense"] = _near(src, 10_000)  # 100 万元
        else:
            figures["revenue"] = _multiple(figures["revenue"], 100)
            figures["rd_expense"] = _near(src, figures["revenue"] * 3 // 100)


def _srdi_revenue(
    src: Source, profile: dict[str, Any], cents: Figures, window: list[int], last: int
) -> None:
    cents[last]["revenue"] = _near(src, 150_000)
    profile["equity_financing_2y"] = _wan(_near(src, 200_000), src)


FOCUS = {
    "rd_band_edge": _rd_band_edge,
    "rd_line": _rd_line,
    "domestic_line": _domestic,
    "hightech_line": _hightech,
    "staff_line": _staff,
    "size_line": _size,
    "sme_rd_revenue_line": _sme_rd_revenue,
    "sme_rd_cost_line": _sme_rd_cost,
    "srdi_main_line": _srdi_main,
    "srdi_debt_line": _srdi_debt,
    "srdi_rd_line": _srdi_rd,
    "srdi_revenue_line": _srdi_revenue,
}


def _drop_one(src: Source, profile: dict[str, Any], last: int) -> None:
    """Now and then a figure is absent, so ``unknown`` is compared too."""
    choice = src.choice(
        (
            None,
            None,
            None,
            None,
            "employees",
            "tech_staff",
            "ip",
            "registered_on",
            "qualifications",
            "st_award",
            "compliance.major_incident_last_year",
            f"financials.{last}.revenue",
            f"financials.{last - 1}.rd_expense",
            f"financials.{last}.total_assets",
        )
    )
    if choice is None:
        return
    *parents, key = choice.split(".")
    node = profile
    for part in parents:
        node = node.get(part) or {}
    if isinstance(node, dict):
        node.pop(key, None)
