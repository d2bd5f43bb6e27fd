"""Registration known only to the year or month: the engine decides at both ends of it.

When the user says 「2021年注册」 the registration day lies somewhere in 2021. No fixed rule
(「满一年」, 365 days …) can say whether that is enough: 好品山东 needs five full years, 高企
365 days, 泉城好品 three years in the city, and a rule version can change on a date. So the
engine evaluates the company on the first and on the last possible day; what agrees at both
ends is decided, what differs is open (``unknown``) and asks for the exact date.

Pure: the engine's results in, merged results and Chinese notes out.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from assistant.core.assessment import assess, verdict
from assistant.core.knowledge import Knowledge
from assistant.core.matching import VERDICT_ORDER, match
from assistant.core.profile import Profile
from assistant.core.results import Assessment, ConditionResult, MatchResult, MatchRow, Question

STATUS_TEXT = {"pass": "符合", "fail": "不符合", "unknown": "待补充", "manual": "需评审"}
ASK_DATE = "请提供营业执照上的成立日期。"


def registration_span(facts: dict[str, Any]) -> tuple[dt.date, dt.date, str] | None:
    """The first and last possible registration day when only a year or month is known.

    >>> registration_span({"registered_year": 2021})
    (datetime.date(2021, 1, 1), datetime.date(2021, 12, 31), '2021年')
    >>> registration_span({"registered_month": "2024-02"})[1]
    datetime.date(2024, 2, 29)
    >>> registration_span({"registered_on": "2021-05-01", "registered_year": 2021}) is None
    True
    """
    if "registered_on" in facts:
        return None
    month = facts.get("registered_month")
    if isinstance(month, str) and re.fullmatch(r"\d{4}-\d{2}", month):
        year, mon = (int(x) for x in month.split("-"))
        if 1 <= mon <= 12:
            first = dt.date(year, mon, 1)
            last = dt.date(year + mon // 12, mon % 12 + 1, 1) - dt.timedelta(days=1)
            return first, last, f"{year}年{mon}月"
    year_value = facts.get("registered_year")
    if isinstance(year_value, int) and 1900 < year_value < 2200:
        return dt.date(year_value, 1, 1), dt.date(year_value, 12, 31), f"{year_value}年"
    return None


def period_note(facts: dict[str, Any], depends_on_date: Sequence[str]) -> list[str]:
    """The note that says how a registration period was evaluated (none without a period).

    ``depends_on_date`` names the programs whose result differs between the two ends.

    >>> note = period_note({"registered_year": 2021}, ["好品山东区域公共品牌"])[0]
    >>> note.split("分别判断，")[1]
    '好品山东区域公共品牌的结论取决于具体日期，请提供营业执照上的成立日期。'
    >>> period_note({"registered_year": 2015}, [])[0].split("分别判断，")[1]
    '结论相同，不受具体日期影响。'
    """
    span = registration_span(facts)
    if span is None:
        return []
    first, last, label = span
    names = "、".join(dict.fromkeys(depends_on_date))
    tail = (
        f"，{names}的结论取决于具体日期，{ASK_DATE}" if names else "，结论相同，不受具体日期影响。"
    )
    return [f"您只说了成立于{label}：按该期间第一天（{first}）和最后一天（{last}）分别判断{tail}"]


def merge_ends(runs: Sequence[Assessment]) -> tuple[Assessment, bool]:
    """One assessment from the runs at both ends of the registration period, and whether
    they differ: a condition whose status differs is ``unknown`` and asks for the date."""
    base = runs[0]
    if len(runs) == 1:
        return base, False
    other = {c["id"]: c for c in runs[1]["conditions"]}
    conditions: list[ConditionResult] = []
    changed = False
    for c in base["conditions"]:
        twin = other.get(c["id"], c)
        if twin["status"] == c["status"]:
            conditions.append(c)
            continue
        changed = True
        conditions.append(
            {
                **c,
                "status": "unknown",
                "actual": f"{c['actual']} / {twin['actual']}",
                "missing": list(dict.fromkeys([*c["missing"], "registered_on"])),
                "explanation": (
                    f"{c['title']}：按最早日期{STATUS_TEXT[c['status']]}，按最晚日期"
                    f"{STATUS_TEXT[twin['status']]}，取决于具体成立日期。"
                ),
            }
        )
    if not changed:
        return base, False
    missing = list(dict.fromkeys(m for c in conditions for m in c["missing"]))
    questions = {q["field"]: q for q in [*base["questions"], *runs[1]["questions"]]}
    merged: Assessment = {
        **base,
        "conditions": conditions,
        "verdict": verdict({c["status"] for c in conditions}),
        "missing_fields": missing,
        "questions": [_question(questions, m) for m in missing],
    }
    return merged, True


def _question(questions: dict[str, Question], field: str) -> Question:
    """The engine's question for a missing field (the date's, for the one merging added)."""
    return questions.get(field) or {"field": field, "question": ASK_DATE}


def match_at_ends(
    knowledge: Knowledge, profiles: Sequence[Profile], as_of: dt.date
) -> tuple[MatchResult, list[str]]:
    """The engine's ranking of every program, and the names of the programs whose result
    depends on the exact registration day.

    ``profiles`` is one profile, or the profiles on the first and last day of the period.
    A program that ranks alike at both ends keeps its row from the last day; one that
    differs takes the merged assessment (the differing conditions open) and keeps only the
    gaps of conditions that fail at both ends, since a gap such as 「还需 199 天」 holds at
    one end only.
    """
    runs = [match(knowledge, p, as_of) for p in profiles]
    if len(runs) == 1:
        return runs[0], []
    early = {row["program"]: row for row in runs[0]["programs"]}
    rows: list[MatchRow] = []
    depends: list[str] = []
    for row in runs[-1]["programs"]:
        twin = early[row["program"]]
        if (twin["verdict"], twin["failing"], twin["unknown"]) == (
            row["verdict"],
            row["failing"],
            row["unknown"],
        ):
            rows.append(row)
            continue
        merged, _ = merge_ends([assess(knowledge, row["program"], p, as_of) for p in profiles])
        failing = [c["id"] for c in merged["conditions"] if c["status"] == "fail"]
        depends.append(row["program_name"])
        rows.append(
            {
                **row,
                "verdict": merged["verdict"],
                "missing_fields": merged["missing_fields"],
                "failing": failing,
                "unknown": [c["id"] for c in merged["conditions"] if c["status"] == "unknown"],
                "gaps": [g for g in row["gaps"] if g["condition"] in failing],
            }
        )
    # The engine's order, with the programs whose verdict changed moved to their verdict.
    rows.sort(key=lambda r: (VERDICT_ORDER[r["verdict"]], r["rank"]))
    for rank, row in enumerate(rows, 1):
        row["rank"] = rank
    return {**runs[-1], "programs": rows}, depends
