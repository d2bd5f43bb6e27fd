"""Company facts from what people type: 「我们去年营收4800万，研发投入260万，员工120人」.

The text is cut into sentences and clauses. Each clause sets its fiscal year (去年, 前年,
2024年 …, carried to the following clauses); a field keyword with the amount or count next
to it gives a fact under its profile path (``financials.2025.revenue``). Lists with 分别
(「大前年、前年、去年营收分别是3500万、4000万、4800万」) are assigned in order. A clause with a
figure but no keyword continues the last field: a correction after 「说错了」, or the same
figure for another year. Later values win, so corrections replace earlier ones. Clauses
that state requirements or hypotheticals (要求, 如果, 明年 …) are not facts. The extractor
never raises: on text it cannot read it returns nothing (a property test feeds it
arbitrary text).

This module cuts the text and walks its clauses; :mod:`assistant.chat.figures` reads the
money and counts of each clause, :mod:`assistant.chat.attributes` what the whole message
says about the company, and both share the cues of :mod:`assistant.chat.fact_cues`.

Pure: standard library plus the number parser.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from typing import Any

from assistant.chat.attributes import read_attributes
from assistant.chat.fact_cues import (
    CORRECTION,
    NOT_FACT,
    YEAR_TOKEN,
    Extraction,
    four_digit_years,
    year_of,
)
from assistant.chat.figures import clause_facts, monthly_headcounts, respectively
from assistant.chat.numbers import CN_NUM
from assistant.core.text import normalize
from assistant.core.vocabulary import Vocabulary

__all__ = ["Extraction", "extract_facts"]

_SENTENCE = re.compile(r"[。；;！!？?\n]")
# Spaces between Chinese words separate fragments typed without punctuation
# (「青岛的 做传感器 去年营收三千万 研发投了两百万」).
_CLAUSE = re.compile(
    r"([，、]|(?<!\d),|,(?!\d)|其中|另外|此外|还有|同时|(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])|"
    # a pasted table's cells: 「营业收入 2024年 5,200万 / 2025年 5,500万」
    r"\s*[/／|｜]\s*|"
    # 「营业收入18000000 研发投入650000」: a figure ends its fragment (not 「有 5 件」)
    r"(?<=[\d%％])\s+(?=[\u4e00-\u9fff])(?![件个项人名家万亿元年月日位台款种次倍分])|"
    # 「净资产1000万 2024年1200万」: a year opening the next figure ends the fragment
    r"(?<=[\u4e00-\u9fff])\s+(?=\d{4}\s*年))"
)
# A clause that opens with a year-end and names no year (「年底负债900万」).
_YEAR_END = re.compile(r"\s*(?:年底|年末)")
# After these a bare figure is about others, not the last field (「是5个，另外3个是售后」).
_OTHERS = ("另外", "此外")


def extract_facts(text: str, as_of: dt.date, words: Vocabulary) -> Extraction:
    """Read company facts from a message. Never raises.

    ``words`` (the knowledge base's vocabulary) says which cities, technology fields and
    title names there are; with an empty one, none are read.

    >>> day = dt.date(2026, 11, 22)
    >>> extract_facts("我们去年营收4800万，研发投入260万", day, Vocabulary()).facts
    {'financials.2025.revenue': 4800.0, 'financials.2025.rd_expense': 260.0}
    """
    out = Extraction()
    with contextlib.suppress(ValueError, ArithmeticError, IndexError, KeyError):  # never a crash
        _extract(_dated(_digits(normalize(text or "")[:5000]), as_of), as_of, words, out)
    return out


def _digits(text: str) -> str:
    """Chinese-digit dates to Arabic digits (二〇一七年 -> 2017年, 十月九日 -> 10月9日)."""
    table = str.maketrans("〇零一二三四五六七八九", "00123456789")

    def year(match: re.Match[str]) -> str:
        return match.group(1).translate(table) + "年"

    text = re.sub(r"([〇零一二三四五六七八九]{4})年", year, text)

    def small(match: re.Match[str]) -> str:
        from assistant.chat.numbers import chinese_integer

        value = chinese_integer(match.group(1))
        return f"{value}{match.group(2)}" if value is not None else match.group(0)

    # 「一百来万」, 「300来人」: 来 after a number approximates as 多 does.
    text = re.sub(rf"(?<=[\d{CN_NUM}])来(?=\s*[万亿元个人名位项件])", "多", text)
    text = re.sub(rf"(?<=\d年)([{CN_NUM}]{{1,3}})(月)", small, text)
    return re.sub(rf"(?<=\d月)([{CN_NUM}]{{1,3}})([日号])", small, text)


# A year named relative to today, before a month: 「前年8月搬到济南」 is a date.
_RELATIVE_MONTH = re.compile(r"(大前年|前年|去年|上年|今年)(?=\s*\d{1,2}\s*月)")


def _dated(text: str, as_of: dt.date) -> str:
    """Relative years before a month as calendar years (前年8月 -> 2024年8月); a relative
    year before a figure (去年营收) is left to the figure's year reading.

    >>> _dated("前年8月才搬到济南", dt.date(2026, 12, 7))
    '2024年8月才搬到济南'
    """
    text = _RELATIVE_MONTH.sub(lambda m: f"{year_of(m.group(1), as_of, as_of.year)}年", text)
    return four_digit_years(text, as_of)


def _extract(text: str, as_of: dt.date, words: Vocabulary, out: Extraction) -> None:
    read_attributes(text, as_of, words, out)
    year = as_of.year - 1
    last_field: str | None = None
    years_list: list[int] = []
    for sentence in _SENTENCE.split(text):
        sentence, years_list = respectively(sentence, as_of, out, years_list)
        sentence = monthly_headcounts(sentence, out)
        correcting, three_years = False, False
        pieces = _CLAUSE.split(sentence)  # clause, separator, clause, …
        named: set[int] = set()  # the years the sentence has named so far
        for index in range(0, len(pieces), 2):
            clause = pieces[index].strip()
            if not clause or NOT_FACT.search(clause):
                continue
            after = pieces[index - 1] if index else ""
            year = year_of(clause, as_of, year)
            if re.search(YEAR_TOKEN, clause):
                named.add(year)
            elif len(named) > 1 and _YEAR_END.match(clause):
                # 「主营收入去年3100万、前年2500万，年底负债900万」: a year-end said after
                # several years is the latest one's (上年末), not the last one named
                year = max(named)
            correcting = correcting or bool(CORRECTION.search(clause))
            three_years = three_years or bool(
                re.search(r"近?(?:三|(?<!\d)3)(?:个)?(?:会计|自然)?年", clause)
            )
            follows = None if after in _OTHERS else last_field
            before = dict(out.facts)
            upcoming = pieces[index + 2].strip() if index + 2 < len(pieces) else ""
            new_field = clause_facts(clause, year, out, follows, correcting, three_years, upcoming)
            if (
                after == "其中"
                and _part_of_total(last_field, new_field)
                and not re.search(YEAR_TOKEN, clause)  # 「其中去年400万」 is that year's
            ):
                # 「三年研发600万，其中委托德国的有300万」, 「2023年研发300万，其中委托德国
                # 130万」: a part of the figure just stated, not a year's figure nor a new
                # total (where it was spent gives what was spent at home).
                part = out.facts.get(new_field) if new_field else None
                out.facts = before
                _domestic_share(clause, last_field, part, out)
                new_field = last_field
            new_field = new_field if new_field is not None or follows is not None else last_field
            if new_field != last_field:
                # a correction word after the figure corrects it in the next clause
                correcting = bool(CORRECTION.search(re.split(r"\d", clause)[-1]))
            last_field = new_field


_FOREIGN = re.compile(
    r"境外|国外|海外|外国|国际|德国|美国|日本|韩国|英国|法国|意大利|以色列|新加坡|瑞士|荷兰|"
    r"香港|澳门|台湾"
)


def _part_of_total(total: str | None, field: str | None) -> bool:
    """Whether ``field`` is the figure ``total`` itself (a bare figure continued it), or a
    yearly figure of the family a three-year total sums (rd_expense in rd_expense_3y_total)."""
    if not (total and field):
        return False
    return field == total or (
        total.endswith("_3y_total")
        and field.startswith("financials.")
        and field.split(".")[-1] == total.removesuffix("_3y_total")
    )


def _domestic_share(clause: str, total: str | None, part: Any, out: Extraction) -> None:
    """A part of the R&D said to be spent abroad (委托德国…) or at home (境内): of a year's
    R&D, that year's domestic R&D; of the three-year R&D, the stated domestic share."""
    yearly = bool(total and total.startswith("financials.") and total.endswith(".rd_expense"))
    whole = out.facts.get(total) if total and (yearly or total == "rd_expense_3y_total") else None
    if not (
        isinstance(whole, float | int) and isinstance(part, float | int) and 0 <= part <= whole
    ):
        return
    if re.search(r"境内|国内", clause):
        domestic = part
    elif _FOREIGN.search(clause):
        domestic = whole - part
    else:
        return
    if yearly and total:
        out.facts[total.replace(".rd_expense", ".rd_expense_domestic")] = domestic
    else:
        out.facts["stated.domestic_rd_share"] = round(domestic / whole * 100, 2)
