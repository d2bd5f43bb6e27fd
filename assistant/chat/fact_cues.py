"""What the fact readers share: the :class:`Extraction` they fill, the cue words that
change what a clause states (a negation, a correction, a requirement or hypothetical that is
no fact) and the fiscal year a clause names (去年, 前年, 2024年 …).

Pure: standard library only.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

NEG = r"(?:没有|没|无|未|不曾|从未|从来没有?|还没有?|不是|并非|尚未)"
CORRECTION = re.compile(
    r"说错|写错|填错|打错|搞错|弄错|记错|看错|算错|数错|记混|搞混|错了|不对|更正|应该是|纠正|改成|"
    r"改为|其实是|哦不|"
    r"不好意思|实际(?:上)?是|授权了?|修改|更改|sorry|"
    # the earlier figure was another entity's or on another basis
    r"是集团的|是合并(?:报表)?的|合并报表|是含税的|是母公司的|是总部的|"
    # a figure left out of an earlier one (added to it: corrections.added_to_held)
    r"少算|漏算|没算进|没算上|没加上|没加进|少报|漏报"
)
# Words that say a figure is a bound, not the figure (「超过80%」, 「不到50人」); the first six
# say it is above.
ABOVE_WORDS = ("超过", "超出", "高于", "大于", "多于", "不止")
BOUND = "|".join((*ABOVE_WORDS, "低于", "不到", "不足", "少于", "小于"))
NOT_FACT = re.compile(
    # 「不是2800万」 names the figure being replaced, not a new one
    r"^\s*(?:而|可|但)?(?:不是|并非|并不是)\s*[\d一二两三四五六七八九十]|"
    r"要求|门槛|标准是|至少|需要|须|如果|假如|要是|明年|对吧|是不是|应该达到|"
    # 「5000万的话」 supposes a figure; 「营收的话两千万」 only names the topic
    r"(?:\d|[万亿元人个项件%])[^，。]{0,4}的话|"
    # 「按5000万算还差多少」 takes a figure as the basis of a sum, it states none
    r"按(?:照)?\s*[\d一二两三四五六七八九十][^，。]{0,6}(?:算|计算)"
)
_YEAR_WORDS = [
    ("大前年", 3),
    ("前年", 2),
    ("去年", 1),
    ("上年", 1),
    ("上一年", 1),
    ("今年", 0),
    ("本年", 0),
]
YEAR_TOKEN = r"大前年|前年|去年|今年|\d{4}年"


@dataclass
class Extraction:
    """Facts found in a text (dotted profile paths -> values) and notes on assumptions."""

    facts: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    # Titles the text says the company does not hold (「我们不是高端品牌培育企业」).
    lacking: list[str] = field(default_factory=list)
    # Facts read from a rough statement (「成立12年」, 「在济南干了8年」): they do not
    # replace the same fact held from a precise one (a date said earlier).
    rough: list[str] = field(default_factory=list)
    # The money fields the last clause named, in order (「大前年收入2,000万研发90万」): a
    # clause opening with a bare amount (「前年2,600万研发130万」) repeats that order.
    order: list[str] = field(default_factory=list)


def year_of(clause: str, as_of: dt.date, current: int) -> int:
    """The fiscal year a clause names, else ``current`` (the year carried from before)."""
    for word, back in _YEAR_WORDS:
        if word in clause:
            return as_of.year - back
    match = re.search(
        r"(20\d\d)\s*年(?!\s*\d{0,2}\s*月?\s*\d{0,2}\s*[日号]?[^，。]{0,8}(?:成立|注册))", clause
    )
    if match and 1990 < int(match.group(1)) <= as_of.year:
        return int(match.group(1))
    return current


def years_in(text: str, as_of: dt.date) -> list[int]:
    """Every year the text names (去年, 2024年 …), in the order named."""
    out = []
    for token in re.findall(YEAR_TOKEN, text):
        back = dict(_YEAR_WORDS).get(token)
        out.append(as_of.year - back if back is not None else int(token[:4]))
    return out


# 「24年营收1600万」, 「研发24年500万、25年600万」, 「23-25年」: a two-digit year before a figure
# or in a range (a duration is not: 「成立12年」, 「干了15年了」).
_SHORT_RANGE = re.compile(r"(?<![\d.])(\d{2})\s*([-—~～至到、和])\s*(\d{2})\s*年")
_SHORT_YEAR = re.compile(
    r"(?<![\d.了满近有干超已快共])(\d{2})\s*年(?=\s*(?:的|底|末|度|全年)?\s*"
    r"(?:[营收销研主净利资负成职员亏盈总数]|\d))"
)


def four_digit_years(text: str, as_of: dt.date) -> str:
    """Two-digit fiscal years as four-digit ones, when they are among the last ten.

    >>> day = dt.date(2026, 12, 7)
    >>> four_digit_years("24年营收1600万，研发23-25年分别150、140、160万", day)
    '2024年营收1600万，研发2023-2025年分别150、140、160万'
    >>> four_digit_years("成立12年，干了25年了", day)
    '成立12年，干了25年了'
    """
    recent = range(as_of.year - 2010, as_of.year - 1999)

    def pair(m: re.Match[str]) -> str:
        a, b = int(m.group(1)), int(m.group(3))
        if a in recent and b in recent:
            return f"20{m.group(1)}{m.group(2)}20{m.group(3)}年"
        return m.group(0)

    def one(m: re.Match[str]) -> str:
        return f"20{m.group(1)}年" if int(m.group(1)) in recent else m.group(0)

    return _SHORT_YEAR.sub(one, _SHORT_RANGE.sub(pair, text))
