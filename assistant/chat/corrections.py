"""Corrections that do not name their field, placed from what the session already holds.

The field readers (:mod:`assistant.chat.figures`) place a figure by the keyword next to it.
A correction often has none: the user points at the earlier figure instead.

- **By the old value**: 「不对，650是集团的，我们只有420人」 — 650 is the session's
  ``employees``, so 420 replaces it.
- **By the old value and a year**: 「搞错了，1800万是前年的，去年是2,600万」 — the 1800 held
  for 2025 moves to 2024, and 2600 is 2025's.
- **By kind and recency**: 「修改一下，是1.02亿」 — the only figure, an amount, corrects the
  amount stated last (of the year named, when the message names one).

Only messages with a correction cue (or that say what a held figure was) are read, and
only for the figures the field readers did not place. Pure: the session's facts and the
turn each was stated in are passed in.

Two more kinds of message are placed from the session the same way:

- **A figure left out** (「科技人员少算了，还有6个」): :func:`added_to_held` adds it to the
  figure held.
- **A reply to what was asked** (「去年是四千五百万」 after the reply asked for the 2025
  revenue): :func:`reply_to_asked` fills the first asked field the figure fits.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from assistant.chat.fact_cues import CORRECTION, YEAR_TOKEN, four_digit_years, year_of, years_in
from assistant.chat.numbers import NUMBER, amount_in_wan, first_count, mask_quantity_words
from assistant.core.text import clauses

_AMOUNT = re.compile(rf"(?P<num>{NUMBER})\s*(?:多|余)?\s*(?P<unit>个亿|亿元|亿|千万|万元|万|元)")
_COUNT = re.compile(
    rf"(?<![\d.])(?P<num>{NUMBER})\s*(?P<unit>[人名位个项件])?"
    # not a duration or an amount (「干了200多天」, 「3个多月」)
    rf"(?!\s*(?:多|余)?\s*[\d.%％万亿年月天日周])"
)
_PERCENT = re.compile(r"(?<![\d.])(?P<num>\d+(?:\.\d+)?)\s*[%％]")
# Yearly fields held as a percent of another (a year's R&D share of revenue).
_SHARE = "_share"
# Counts whose unit says which fields they can be.
_PEOPLE = ("employees", "tech_staff")
_COUNTED = ("ip.",)
# A correction that moves the figure stated last to another year without repeating it.
_SAID_OF = re.compile(rf"(?:说的|指的|讲的|那个|这个|刚才的?)(?:数|数字)?(?:是|为)({YEAR_TOKEN})的")
# What follows an old value that moves it to another year: 「1800万是前年的」.
_MOVED = re.compile(rf"^\s*(?:是|为|其实是|应该是)?\s*({YEAR_TOKEN}|上年|上一年)的")


@dataclass(frozen=True)
class _Figure:
    value: float
    start: int
    end: int
    unit: str


# A figure withdrawn without a replacement (「研发那个数先别算」).
_WITHDRAW = re.compile(
    r"先别算|先不算|别算了?|不算了|先不要算|先去掉|先删掉|先不计|不要算|作废|先撤回"
)


def withdrawn(text: str, as_of: dt.date, held: Mapping[str, Any]) -> list[str]:
    """The held facts a message withdraws: those of the fields it names, of the years it
    names (every year held when it names none).

    >>> day = dt.date(2026, 12, 7)
    >>> held = {"financials.2024.rd_expense": 90, "financials.2025.rd_expense": 65}
    >>> withdrawn("研发那个24年的数先别算，审计还没出", day, held)
    ['financials.2024.rd_expense']
    >>> withdrawn("研发2024年是90万", day, held)
    []
    """
    from assistant.chat.figures import fields_named

    cue = _WITHDRAW.search(text)
    if not cue:
        return []
    # what is withdrawn is named before the cue (「研发那个24年的数」)
    named = four_digit_years(text[: cue.start()], as_of)
    years = set(years_in(named, as_of))
    out = []
    for key in fields_named(named):
        for path in held:
            parts = path.split(".")
            if path == key or (
                len(parts) == 3
                and parts[0] == "financials"
                and parts[2] == key
                and (not years or int(parts[1]) in years)
            ):
                out.append(path)
    return list(dict.fromkeys(out))


def resolve_corrections(
    text: str,
    as_of: dt.date,
    held: Mapping[str, Any],
    origin: Mapping[str, int],
    placed: Mapping[str, Any],
) -> dict[str, Any]:
    """The facts a correction message sets that the field readers could not place.

    Args:
        text: The message (normalised).
        as_of: The day (what 去年 means).
        held: The session's facts before this message.
        origin: The turn each held fact was stated in (the latest is the likeliest meant).
        placed: What the field readers found in the message (never overridden).
    """
    # 「那是含税的，不含税是1.95亿」 corrects an amount as surely as 「说错了」 does.
    cued = CORRECTION.search(text) or _SAID_OF.search(text) or _restates(text, held)
    if not cued and not re.search(r"修改|更改|不是.{1,12}是|含税", text):
        return {}
    out: dict[str, Any] = {}
    money = [p for p in held if p.startswith("financials.") and _number(held[p])]
    if (said := _SAID_OF.search(text)) and money:
        # 「哦我说的是前年的」: the amounts stated last (in the latest turn that stated any)
        # belong to that year; figures the message gives for their old year replace them.
        year = year_of(said.group(1), as_of, -1)
        turn = max(origin.get(p, 0) for p in money)
        for path in (p for p in money if origin.get(p, 0) == turn):
            if year > 0 and _with_year(path, year) != path:
                out[_with_year(path, year)] = held[path]
    if not any(_is_money(p) for p in placed):
        out.update(_resolve(_amounts(text), money, text, as_of, held, origin))
    # Counts the field readers placed are theirs (「其中科技人员30人」); the rest of the
    # message's counts may still correct another held count (「620是集团的，我们是180人」).
    counts = [
        p for p in held if p.startswith(_PEOPLE + _COUNTED) and _number(held[p]) and p not in placed
    ]
    taken = {float(v) for p, v in placed.items() if p.startswith(_PEOPLE + _COUNTED) and _number(v)}
    figures = [f for f in _counts(text) if not _inside_amount(f, text) and f.value not in taken]
    # Beside a count the readers placed, another count corrects only by quoting an old
    # value: 「员工82人，说错了，是72人」 leaves the 82 to no other field.
    out.update(_resolve(figures, counts, text, as_of, held, origin, by_kind=not taken))
    # A share said as a percent (「2.8%是前年的 去年是3.5%」) corrects a share held.
    shares = [p for p in held if p.endswith(_SHARE) and _number(held[p]) and p not in placed]
    out.update(_resolve(_percents(text), shares, text, as_of, held, origin))
    return {k: v for k, v in out.items() if k not in placed}


def unplaced_amounts(text: str) -> list[str]:
    """The amounts of money a message states (「175万」, 「30万」), as written: what a reply
    names when no reader could place them.

    >>> unplaced_amounts("对了，25年那175万里有30万是委托外面高校做的")
    ['175万', '30万']
    """
    return [text[a.start : a.end] for a in _amounts(text)]


# A figure said to have been left out of one held (「还有一笔折旧40万没算进去」).
_LEFT_OUT = re.compile(r"少算|漏算|漏了|漏掉|没算进|没算上|没加上|没加进|少报|漏报|再加上")
# The three-year total a yearly amount adds to when only the total is held.
_TOTAL_OF = {"rd_expense": "rd_expense_3y_total", "revenue": "revenue_3y_total"}


def added_to_held(text: str, held: Mapping[str, Any], placed: Mapping[str, Any]) -> dict[str, Any]:
    """The message's facts with a figure said to have been left out (「科技人员少算了，还有
    6个」, 「辅助账里还有一笔研发楼的折旧40万没算进去」) added to the figure the session
    holds for its field, or to the three-year total when no year of it is held.

    >>> added_to_held("科技人员少算了，还有6个", {"tech_staff": 13}, {"tech_staff": 6})
    {'tech_staff': 19}
    >>> added_to_held("还有40万没算进去", {"rd_expense_3y_total": 1380.0},
    ...               {"financials.2025.rd_expense": 40.0})
    {'rd_expense_3y_total': 1420.0}
    """
    if not _LEFT_OUT.search(text):
        return dict(placed)
    out: dict[str, Any] = {}
    for path, value in placed.items():
        key = path.rsplit(".", 1)[-1]
        total = _TOTAL_OF.get(key) if path.startswith("financials.") else None
        years_held = any(p.startswith("financials.") and p.endswith(f".{key}") for p in held)
        if _number(value) and _number(held.get(path)):
            out[path] = held[path] + value
        elif _number(value) and total and _number(held.get(total)) and not years_held:
            out[total] = held[total] + value
        else:
            out[path] = value
    return out


# A message that asks or supposes something is not a reply with a figure.
_NOT_A_REPLY = re.compile(r"吗|呢|么|[？?]|如果|假如|假设|要是|的话|比如|例如|多少|几")


def reply_to_asked(text: str, as_of: dt.date, asked: Sequence[str]) -> dict[str, Any]:
    """A bare figure sent as the reply to what the assistant asked for last (「去年是四千五百
    万」 after it asked for the 2025 revenue, 「55人」 after it asked for the headcount): the
    first asked field (most decisive first) the figure's kind, unit and year fit. Only a
    message with exactly one figure, naming no field and asking nothing, is such a reply.

    >>> reply_to_asked("去年是四千五百万", dt.date(2026, 12, 7),
    ...                ["ip", "financials.2025.revenue", "financials.2025.rd_expense"])
    {'financials.2025.revenue': 4500.0}
    >>> reply_to_asked("前年要是4800万呢", dt.date(2026, 12, 7), ["financials.2024.revenue"])
    {}
    """
    if _NOT_A_REPLY.search(text):
        return {}
    amounts = _amounts(text)
    counts = [f for f in _counts(text) if not _inside_amount(f, text)]
    years = years_in(text, as_of)
    if len(amounts) == 1 and not counts:
        for path in asked:
            parts = path.split(".")
            yearly = len(parts) == 3 and parts[0] == "financials" and not parts[2].endswith(_SHARE)
            if yearly and (not years or parts[1] == str(years[0])):
                return {path: amounts[0].value}
    if len(counts) == 1 and not amounts and counts[0].unit:
        for path in asked:
            if (path in _PEOPLE or path.startswith(_COUNTED)) and _unit_fits(path, counts[0].unit):
                return {path: int(counts[0].value)}
    return {}


def _restates(text: str, held: Mapping[str, Any]) -> bool:
    """Whether the message says what a figure the session holds was (「80是年底人数」,
    「650是集团的」): quoting it to explain it is a correction without a cue word."""
    for value in {held[p] for p in held if _number(held[p])}:
        shown = f"{float(value):g}"
        if re.search(
            rf"(?<![\d.]){re.escape(shown)}\s*(?:万|亿|人|个|项|件)?\s*(?:是|指的是|说的是)", text
        ):
            return True
    return False


def _resolve(
    figures: list[_Figure],
    fields: list[str],
    text: str,
    as_of: dt.date,
    held: Mapping[str, Any],
    origin: Mapping[str, int],
    *,
    by_kind: bool = True,
) -> dict[str, Any]:
    if not figures or not fields:
        return {}
    old = [(f, p) for f in figures for p in fields if abs(float(held[p]) - f.value) < 1e-6]
    if len({id(f) for f, _ in old}) > 1 and (swapped := _each_to_its_year(old, text, as_of, held)):
        return swapped
    if old:
        figure, path = max(old, key=lambda fp: origin.get(fp[1], 0))
        new = [f for f in figures if not any(f is o for o, _ in old)]
        return _by_old_value(figure, path, new, text, as_of, held)
    if len(figures) == 1 and by_kind:
        return _by_kind(figures[0], fields, text, as_of, origin)
    return {}


def _each_to_its_year(
    old: list[tuple[_Figure, str]], text: str, as_of: dt.date, held: Mapping[str, Any]
) -> dict[str, Any]:
    """Several quoted old values, each with the year it belongs to (「不对 2.8%是前年的
    去年是3.5% 说反了」): each moves to its year. Empty unless every one names a year."""
    out: dict[str, Any] = {}
    for figure in {id(f): f for f, _ in old}.values():
        path = next(p for f, p in old if f is figure)
        moved = _MOVED.match(text[figure.end :])
        year = year_of(moved.group(1) if moved else _before(text, figure), as_of, -1)
        if year <= 0 or not path.startswith("financials."):
            return {}
        out[_with_year(path, year)] = held[path]
    return out


def _by_old_value(
    figure: _Figure,
    path: str,
    new: list[_Figure],
    text: str,
    as_of: dt.date,
    held: Mapping[str, Any],
) -> dict[str, Any]:
    """The field the quoted old value holds gets the one new figure; 「…是前年的」 after the
    old value moves it to that year."""
    out: dict[str, Any] = {}
    moved = _MOVED.match(text[figure.end :])
    if moved and path.startswith("financials."):
        year = year_of(moved.group(1), as_of, -1)
        if year > 0:
            out[_with_year(path, year)] = held[path]
    if len(new) == 1:
        year = year_of(_before(text, new[0]), as_of, -1)
        target = _with_year(path, year) if year > 0 else path
        out[target] = _typed(new[0], path)
    return out


def _by_kind(
    figure: _Figure,
    fields: list[str],
    text: str,
    as_of: dt.date,
    origin: Mapping[str, int],
) -> dict[str, Any]:
    """The only figure corrects the field of its kind stated last (of the year the message
    names, when it names one)."""
    candidates = [p for p in fields if _unit_fits(p, figure.unit)]
    if not candidates or (not figure.unit and not any(_is_money(p) for p in candidates)):
        # a bare number places nothing by its kind (it may be a year, a code, a count
        # of anything); only quoting the old value names its field
        return {}
    year = year_of(_before(text, figure), as_of, -1)
    dated = [p for p in candidates if p.startswith(f"financials.{year}.")]
    latest = max(dated or candidates, key=lambda p: origin.get(p, 0))
    target = _with_year(latest, year) if year > 0 else latest
    return {target: _typed(figure, latest)}


def _amounts(text: str) -> list[_Figure]:
    out = []
    for m in _AMOUNT.finditer(text):
        value = amount_in_wan(m.group("num"), m.group("unit"))
        if value is not None:
            out.append(_Figure(value, m.start(), m.end(), m.group("unit")))
    return out


def _percents(text: str) -> list[_Figure]:
    return [
        _Figure(float(m.group("num")), m.start(), m.end(), "%") for m in _PERCENT.finditer(text)
    ]


def _counts(text: str) -> list[_Figure]:
    out = []
    for m in _COUNT.finditer(mask_quantity_words(text)):
        value = first_count(m.group("num"))
        if value is not None and not re.fullmatch(r"(?:19|20)\d\d", m.group("num")):
            out.append(_Figure(float(value), m.start(), m.end(), m.group("unit") or ""))
    return out


def _inside_amount(figure: _Figure, text: str) -> bool:
    """Whether a count is the number of an amount (「1.02亿」 is no count)."""
    return any(a.start <= figure.start < a.end for a in _amounts(text))


def _unit_fits(path: str, unit: str) -> bool:
    """Whether a bare figure's unit can be this field's: 人 counts people, 个/项/件 things."""
    if path.startswith("financials."):
        return True
    if unit and unit in "人名位":
        return path in _PEOPLE
    return path.startswith(_COUNTED) if unit else True


def _before(text: str, figure: _Figure) -> str:
    """The clause leading up to a figure (where 去年 or 2024年 names its year); a space
    between Chinese words ends a clause as a comma does (「2.8%是前年的 去年是3.5%」)."""
    head = text[: figure.start]
    if not head.strip() or re.search(r"[，,。；;！!？?]\s*$", head):
        return ""
    return clauses(head)[-1]


def _with_year(path: str, year: int) -> str:
    """A yearly figure's path for another year (other fields unchanged)."""
    parts = path.split(".")
    if not path.startswith("financials.") or len(parts) != 3:
        return path
    return f"financials.{year}.{parts[2]}"


def _typed(figure: _Figure, path: str) -> Any:
    """The figure as the field holds it: counts are whole numbers."""
    return figure.value if path.startswith("financials.") else int(figure.value)


def _is_money(path: str) -> bool:
    """Whether a profile path holds an amount (a year's figure, a total, financing)."""
    return path.startswith(("financials.", "equity_financing")) or path.endswith("_3y_total")


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
