"""When a program can be applied for, read against today: 「今年还能报吗」 on 7 December.

The knowledge base's calendar (``calendar.yaml``) holds the application windows and deadlines
of each program. A question asking when one can apply gets, first, where today stands
against them: a window in progress, one still to come, or — once this year's has closed —
that the next is expected about a year later (said as an expectation, not a date: the next
notice sets it). Pure: the knowledge and the day are passed in.
"""

from __future__ import annotations

import datetime as dt
import re

from assistant.core.knowledge import Knowledge
from assistant.core.knowledge.schema import CalendarEvent

# Asking when one can apply (not when a report is due or a result comes out).
_APPLY_WHEN = re.compile(
    r"(?:什么时候|何时|啥时候|哪天|几月|几号|最早|等到|一般)[^，。？?]{0,6}(?:报|申报|申请|评|开始|受理)|"
    r"(?:申报|申请|受理|报名|(?<![年填])报(?![表告送备]))[^，。？?]{0,4}"
    r"(?:什么时候|何时|啥时候|截止|窗口)|"
    r"今年还(?:能|可以|来得及)|还来得及|明年(?:能|可以|再)报"
)
# What the question asks about when it is a holder's duty or an outcome, not applying.
_NOT_APPLYING = re.compile(
    r"(?<![明今去前后])年报|年度报告|报表|填报|年度发展|更新|复审|公示|结果|到期|换证|领证|备案"
)
# 「明年报的话算哪几年」: which fiscal years an application in a given year reads.
_WHICH_YEARS = re.compile(r"哪(?:几|三|两|一)?(?:个)?(?:会计)?年|哪些年|算哪")
_APPLYING_IN = re.compile(
    r"(明年|今年|后年|20\d\d\s*年)\s*(?:再|才|去|要)?(?:重新)?(?:报|申报|申请|认定|评)"
)


def years_line(knowledge: Knowledge, program: str, question: str, day: dt.date) -> str:
    """The fiscal years whose figures an application in the year the question names is
    judged on, read from the program's own rules on a day of that year (the yearly
    figures an empty profile lacks); "" when the question asks no such thing.

    >>> from assistant.config import PROJECT_ROOT
    >>> from assistant.core.knowledge import load_knowledge
    >>> kb = load_knowledge(PROJECT_ROOT / "knowledge")
    >>> years_line(kb, "hnte", "明年报的话算哪几年", dt.date(2026, 12, 7))
    '2027年申报高新技术企业认定，看的是2024、2025、2026年度的数据（申报当年不算）。'
    """
    from assistant.chat.dialogue import assess_facts

    named = _APPLYING_IN.search(question)
    if not named or not _WHICH_YEARS.search(question) or program not in knowledge.rules:
        return ""
    word = named.group(1)
    year = {"今年": day.year, "明年": day.year + 1, "后年": day.year + 2}.get(word)
    year = year or int(word[:4])
    assessed = assess_facts(knowledge, [program], {}, dt.date(year, 7, 1))
    years = sorted(
        {
            int(m.group(1))
            for r in assessed.results
            for field in r["missing_fields"]
            if (m := re.match(r"financials\.(\d{4})\.", field))
        }
    )
    if not years:
        return ""
    name = knowledge.programs[program].name
    listed = "、".join(str(y) for y in years)
    return f"{year}年申报{name}，看的是{listed}年度的数据（申报当年不算）。"


def asks_when_to_apply(question: str) -> bool:
    """Whether the question asks when the company can apply.

    >>> asks_when_to_apply("那今年还能报吗"), asks_when_to_apply("高企年报什么时候报")
    (True, False)
    >>> asks_when_to_apply("高企年度发展情况报表什么时候交？")
    False
    """
    return bool(_APPLY_WHEN.search(question)) and not _NOT_APPLYING.search(question)


def window_line(knowledge: Knowledge, program: str, day: dt.date) -> str:
    """Where ``day`` stands against the program's application windows (that none is
    recorded when the calendar has none for it; "" when none falls near ``day``)."""
    events = [e for e in knowledge.calendar if e.for_ == "applicants" and program in e.programs]
    name = knowledge.programs[program].name
    if not events:
        # Saying so beats answering 「今年还来得及吗」 with whatever passage is nearest.
        return f"{name}：本库没有记录它的申报时间，今年是否还能报，请以主管部门当年的通知为准。"
    spans = sorted((span, e) for e in events if (span := _span_near(e, day)) is not None)
    if not spans:
        return ""
    running = [(s, e) for s, e in spans if s[0] <= day <= s[1]]
    coming = [(s, e) for s, e in spans if s[0] > day]
    if running:
        (start, end), event = running[0]
        return f"{name}：{event.title}正在进行（{_dates(start, end)}），{_tag(event)}。"
    if coming:
        (start, end), event = coming[0]
        if start == end:  # a deadline still ahead
            left = (start - day).days
            return f"{name}：{event.title}为{_date(start)}（还有{left}天），{_tag(event)}。"
        return f"{name}：{event.title}在{_dates(start, end)}，尚未开始，{_tag(event)}。"
    # Past: the year's main window (the longest span; a one-day deadline only without one).
    (start, end), event = max(
        spans, key=lambda se: ((se[0][1] - se[0][0]).days, -se[0][0].toordinal())
    )
    when = f"在{_date(end)}" if start == end else f"为{_dates(start, end)}"
    if event.yearly is not None:  # a fixed yearly date: next year's is known
        following = _date(end.replace(year=end.year + 1))
        return f"{name}：{event.title}{when}，今年已过；下一次为{following}（{_tag(event)}）。"
    return (
        f"{name}：{event.title}{when}，今年已过；下一次预计在{end.year + 1}年同期前后，"
        f"以{end.year + 1}年的通知为准（{_tag(event)}）。"
    )


def _span_near(event: CalendarEvent, day: dt.date) -> tuple[dt.date, dt.date] | None:
    """The event's occurrence this year (a yearly one) or its own dates (a one-off one),
    when it falls in the year around ``day``."""
    if event.yearly is not None:
        month, date = (int(x) for x in event.yearly.split("-"))
        when = dt.date(day.year, month, date)
        return (when, when)
    if event.start is None:
        return None
    end = event.end or event.start
    return (event.start, end) if abs((end - day).days) <= 366 else None


def _tag(event: CalendarEvent) -> str:
    return (
        "该日期为官方文件所定" if event.confidence == "official" else "据公开报道，以官方通知为准"
    )


def _date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _dates(start: dt.date, end: dt.date) -> str:
    if start == end:
        return _date(start)
    tail = f"{end.month}月{end.day}日" if end.year == start.year else _date(end)
    return f"{_date(start)}至{tail}"
