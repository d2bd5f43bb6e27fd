"""Replies of the dialogue acts that are not passage answers: facts confirmed (with what
changed in an assessment in play, or the next step), one condition answered from the
engine, and the questions asked back before an assessment can start.

Markdown follows the answer convention: one short direct paragraph, then ``####`` sections.
Statuses and figures come from the engine's results; this module only arranges them.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from assistant.chat.compose import decisive_questions, ranked_missing, score_line
from assistant.chat.dialogue import (
    DialogueState,
    FactChange,
    assess_facts,
    change_lines,
    changes_between,
    condition_change_lines,
    facts_list,
    remember,
    short_value,
)
from assistant.chat.fact_cues import years_in
from assistant.chat.period import STATUS_TEXT, match_at_ends, registration_span
from assistant.core.assessment import VERDICT_TEXT
from assistant.core.exact import fixed, is_number, ratio
from assistant.core.facts import DERIVED_DOCS, Facts
from assistant.core.knowledge import Knowledge
from assistant.core.matching import program_gaps
from assistant.core.names import everyday_name, program_order
from assistant.core.profile import Profile
from assistant.core.results import Act, Assessment, ConditionChange, ConditionResult

MAX_CONDITION_LINES = 6


@dataclass
class Reply:
    """A turn's markdown with the engine results it rests on."""

    text: str
    programs: list[str]
    results: list[Assessment] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    changes: list[ConditionChange] = field(default_factory=list)
    show_assessment: bool = False
    clarify: bool = False
    # Whole assessments a condition reply decided (a condition shown fails: the verdict
    # is 不符合 whatever the others hold); the contract's ``assessment``.
    decided: list[Assessment] = field(default_factory=list)
    # The whole assessment of the one program a condition reply is about, when no
    # condition shown decides it: the contract's ``assessment`` (the overall verdict,
    # often 资料不足, beside the one condition answered).
    overall: list[Assessment] = field(default_factory=list)

    def act(self, planned: Act) -> Act:
        """The act the reply performed: ``clarify`` when it had to ask back instead."""
        return "clarify" if self.clarify else planned


def said_notes(state: DialogueState, notes: list[str]) -> list[str]:
    """The notes on assumed facts not yet said in this session (each is said once)."""
    # keyed by what was assumed (the text before 「：」), not by the conclusion that follows
    return [n for n in notes if state.once(n.split("：", 1)[0])]


def facts_reply(
    knowledge: Knowledge,
    state: DialogueState,
    stated: dict[str, Any],
    changed: list[FactChange],
    programs: list[str],
    as_of: dt.date,
    named: Sequence[str] = (),
) -> Reply:
    """Confirm the facts of a turn; re-assess what is in play (the programs the message
    names, 「回到高企，职工人数说错了」, else those assessed), or say what comes next."""
    in_play = [p for p in state.assessed if p in knowledge.rules]
    if in_play and (asked := [p for p in named if p in knowledge.rules]):
        in_play = asked  # an assessment is in play: the one named is re-run
    if in_play:
        return _reassess(knowledge, state, stated, changed, in_play, as_of)
    assessed = assess_facts(knowledge, [], state.facts, as_of)
    if assessed.problem:
        return Reply(assessed.problem, programs, clarify=True)
    lead = "好的，已记下您提供的企业信息。"
    if changed:
        lead = "好的，已按您的新说法更新。"
    parts = [lead]
    if changed:
        parts.append("#### 已更新\n\n" + "\n".join(change_lines(knowledge, changed)))
    fresh = {k: v for k, v in stated.items() if k not in {c.path for c in changed}}
    if fresh:
        parts.append("#### 已记录的信息\n\n" + "\n".join(facts_list(knowledge, fresh)))
    targets = [p for p in (programs or state.programs) if p in knowledge.rules][:3]
    if not targets and assessed.profile is not None:
        ranking = match_at_ends(knowledge, assessed.profiles, as_of)[0]["programs"]
        targets = [r["program"] for r in ranking if r["verdict"] != "not_eligible"][:3]
    results = assess_facts(knowledge, targets, state.facts, as_of)
    steps = [
        f"- {r['program_name']}：按目前的信息{VERDICT_TEXT[r['verdict']]}" for r in results.results
    ]
    questions = decisive_questions(results.results)[:3]
    if steps:
        example = everyday_name(knowledge, program_order(knowledge)[0])
        parts.append(
            f"#### 下一步\n\n可以问我「我们能评{example}吗？」这样的问题，"
            "我按已记下的全部信息逐条判断。离得最近的项目：\n" + "\n".join(steps)
        )
    if questions:
        parts.append("#### 还需要补充\n\n" + "\n".join(f"- {q}" for q in questions))
    parts += [f"> {n}" for n in said_notes(state, results.notes)]
    missing = ranked_missing(results.results)
    return Reply("\n\n".join(parts), targets, missing=missing)


def _reassess(
    knowledge: Knowledge,
    state: DialogueState,
    stated: dict[str, Any],
    changed: list[FactChange],
    programs: list[str],
    as_of: dt.date,
) -> Reply:
    assessed = assess_facts(knowledge, programs, state.facts, as_of)
    if assessed.problem:
        return Reply(assessed.problem, programs, clarify=True)
    now = remember(assessed.results)
    changes = changes_between(state.assessed, now)
    state.assessed = now
    verdicts = []
    for r in assessed.results:
        before = changes_by_verdict(changes, r["program"])
        if before:
            verdicts.append(
                f"{r['program_name']}：{VERDICT_TEXT[before]} → {VERDICT_TEXT[r['verdict']]}"
            )
        else:
            verdicts.append(f"{r['program_name']}：仍为{VERDICT_TEXT[r['verdict']]}")
    lead = "好的，已记下。按更新后的信息重新判断：" + "；".join(verdicts) + "。"
    scores = [line for r in assessed.results if (line := score_line(r))]
    if scores:
        # a corrected figure often moves the score: say where it stands now
        lead += "\n\n" + "；".join(scores) + "。"
    parts = [lead]
    condition_lines = condition_change_lines([c for c in changes if c["condition"] != "verdict"])
    if condition_lines:
        parts.append("#### 变化\n\n" + "\n".join(condition_lines))
    else:
        parts.append("#### 变化\n\n- 这次提供的信息没有改变任何条件的判断。")
    if changed:
        parts.append("#### 已更新\n\n" + "\n".join(change_lines(knowledge, changed)))
    fresh = {k: v for k, v in stated.items() if k not in {c.path for c in changed}}
    if fresh:
        parts.append("#### 已记录的信息\n\n" + "\n".join(facts_list(knowledge, fresh)))
    questions = decisive_questions(assessed.results)[:3]
    if questions:
        parts.append("#### 还需要补充\n\n" + "\n".join(f"- {q}" for q in questions))
    parts += [f"> {n}" for n in said_notes(state, assessed.notes)]
    missing = ranked_missing(assessed.results)
    return Reply(
        "\n\n".join(parts),
        programs,
        results=assessed.results,
        missing=missing,
        changes=changes,
        show_assessment=True,
    )


def changes_by_verdict(changes: list[ConditionChange], program: str) -> str | None:
    """The verdict a program had before, when this turn changed it."""
    for c in changes:
        if c["condition"] == "verdict" and c["program"] == program:
            return c["before"]
    return None


def condition_reply(
    knowledge: Knowledge,
    stated: dict[str, Any],
    facts: dict[str, Any],
    programs: list[str],
    as_of: dt.date,
    *,
    timing: bool,
    question: str = "",
) -> Reply:
    """The conditions the stated figures decide (「比例够吗」), with the engine's status,
    actual value and requirement; with ``timing``, the first day each is met. The
    conditions whose titles share most with the ``question`` come first (「研发比例够吗」
    opens with the R&D ratio, not with the registration the same figures decide)."""
    candidates = [p for p in programs if p in knowledge.rules] or list(knowledge.rules)
    empty = assess_facts(knowledge, candidates, {}, as_of)
    alone = assess_facts(knowledge, candidates, stated, as_of)
    full = assess_facts(knowledge, candidates, facts, as_of)
    rest = {k: v for k, v in facts.items() if k not in stated}
    without = assess_facts(knowledge, candidates, rest, as_of) if rest else empty
    problem = alone.problem or full.problem
    if problem:
        return Reply(problem, programs, clarify=True)
    decided, open_ = _touched(empty.results, alone.results, full.results, without.results)
    rows = sorted(decided or open_, key=lambda rc: -_shared_bigrams(question, rc[1]["title"]))
    rows = rows[:MAX_CONDITION_LINES]
    if not rows:
        return Reply(
            "您给的数字单独还决定不了任何一项条件。请说明想了解哪个项目（如"
            + "、".join(everyday_name(knowledge, p) for p in program_order(knowledge)[:2])
            + "），我按全部条件帮您判断。",
            programs,
            clarify=True,
        )
    lines, dates = _condition_lines(knowledge, rows, full.profile, facts, as_of, timing)
    r0, c0 = rows[0]
    if timing and dates:
        name, title, first = dates[0]
        lead = f"按您给的信息，{name}的「{title}」最早自 {first} 起满足。"
    else:
        lead = (
            f"按您给的信息，{r0['program_name']}的「{c0['title']}」："
            f"{short_value(c0['actual']) or '—'}，{STATUS_TEXT[c0['status']]}。"
        )
    failing = list(dict.fromkeys(r["program"] for r, c in rows if c["status"] == "fail"))
    settled = [copy.deepcopy(r) for r in full.results if r["program"] in failing]
    if settled:
        names = "、".join(r["program_name"] for r in settled)
        lead += f"因此目前**不符合**{names}的申报条件（一项不符合即不能申报）。"
    parts = [lead, "#### 逐条说明\n\n" + "\n".join(lines)]
    if not settled:
        parts.append("> 这里只判断您给出的数字所涉及的条件；是否符合整个项目，还要看其他条件。")
    results = [r for r in full.results if r["program"] in {x["program"] for x, _ in rows}]
    missing = list(dict.fromkeys(m for _, c in rows for m in c["missing"]))
    used = {c["id"] for _, c in rows}
    for r in results:
        r["conditions"] = [c for c in r["conditions"] if c["id"] in used]
    shown = list(dict.fromkeys(r["program"] for r, _ in rows))
    overall = [copy.deepcopy(r) for r in full.results if r["program"] in shown]
    return Reply(
        "\n\n".join(parts),
        shown,
        results,
        missing,
        decided=settled,
        overall=overall if len(overall) == 1 and not settled else [],
    )


Pair = tuple[Assessment, ConditionResult]


def _condition_lines(
    knowledge: Knowledge,
    rows: list[Pair],
    profile: Profile | None,
    facts: dict[str, Any],
    as_of: dt.date,
    timing: bool,
) -> tuple[list[str], list[tuple[str, str, dt.date]]]:
    """One line per condition shown (with the gap of a failing one, and with ``timing``
    its first day met), and the first days found."""
    lines: list[str] = []
    dates: list[tuple[str, str, dt.date]] = []
    for r, c in rows:
        line = _condition_line(knowledge, r, c)
        if c["status"] == "fail" and profile is not None:
            gaps = program_gaps(knowledge, r["program"], profile, as_of, r)
            line += "".join(
                f"；{g['text']}"
                for g in gaps
                if g["condition"] == c["id"] and g["delta"] is not None
            )
        if timing:
            first = first_day_met(knowledge, r["program"], c["id"], facts, as_of)
            if first is not None:
                when = "今天已满足" if first <= as_of else f"还需等到 {first}"
                line += f"；最早自 {first} 起满足（{when}）"
                dates.append((r["program_name"], c["title"], first))
        lines.append(line)
    return lines, dates


def _touched(
    empty: list[Assessment],
    alone: list[Assessment],
    full: list[Assessment],
    without: list[Assessment],
) -> tuple[list[Pair], list[Pair]]:
    """The conditions the stated figures touch, as (program result, condition over all
    facts): decided, then open. A condition is touched when the figures alone change it
    from an empty profile's, or when, beside the session's other facts, they change it
    from what those facts give without them (2023's R&D completing a three-year ratio)."""
    decided: list[Pair] = []
    open_: list[Pair] = []
    before_alone, before_rest = _by_id(empty), _by_id(without)
    after_alone, after_full = _by_id(alone), _by_id(full)
    for r in full:
        for c in r["conditions"]:
            key = (r["program"], c["id"])
            if not (
                _differ(before_alone.get(key), after_alone.get(key))
                or _differ(before_rest.get(key), after_full.get(key))
            ):
                continue
            (decided if c["status"] in ("pass", "fail") else open_).append((r, c))
    return decided, open_


def _shared_bigrams(question: str, title: str) -> int:
    """How many character pairs of a condition's title the question has."""
    pairs = {title[i : i + 2] for i in range(len(title) - 1)}
    return sum(1 for p in pairs if p in question)


def settled_line(
    knowledge: Knowledge,
    result: Mapping[str, Any],
    facts: dict[str, Any],
    stated: dict[str, Any],
    as_of: dt.date,
) -> str:
    """For 「近五年里有一年亏损，还能申报好品山东吗」 with the rest unknown: what the
    message's own figures (``stated``) settle — the conditions of ``result`` that read
    otherwise without them — before what is missing; "" when they settle nothing."""
    if not stated:
        return ""
    rest = {k: v for k, v in facts.items() if k not in stated}
    without = assess_facts(knowledge, [str(result.get("program"))], rest, as_of)
    before = {c["id"]: c for r in without.results for c in r["conditions"]}
    said = []
    for c in result.get("conditions") or []:
        old = before.get(c["id"])
        if old and (old["status"], old["actual"]) == (c["status"], c["actual"]):
            continue
        if c["status"] in ("pass", "fail"):
            said.append(f"「{c['title']}」{STATUS_TEXT[c['status']]}（{c['actual']}）")
        elif c["actual"]:
            said.append(f"「{c['title']}」还定不下来（{c['actual']}）")
    if not said:
        return ""
    return f"就您说的情况：{'；'.join(said)}。其余条件还缺信息，暂无法判断能否申请。"


def _by_id(results: list[Assessment]) -> dict[tuple[str, str], ConditionResult]:
    return {(r["program"], c["id"]): c for r in results for c in r["conditions"]}


def _differ(a: ConditionResult | None, b: ConditionResult | None) -> bool:
    """Whether two readings of a condition differ in status or in the facts missing."""
    if a is None or b is None:
        return False
    return (a["status"], tuple(a["missing"])) != (b["status"], tuple(b["missing"]))


def _condition_line(knowledge: Knowledge, r: Assessment, c: ConditionResult) -> str:
    required = f"（要求 {c['required']}）" if c.get("required") else ""
    line = f"- {r['program_name']}「{c['title']}」：{c.get('actual') or ''}{required}"
    line += f"——{STATUS_TEXT[c['status']]}"
    if c["status"] not in ("pass", "fail") and c["missing"]:
        line += "，还需要：" + "、".join(knowledge.label_for(m) for m in c["missing"][:3])
    return line


def first_day_met(
    knowledge: Knowledge, program: str, condition: str, facts: dict[str, Any], as_of: dt.date
) -> dt.date | None:
    """The first application day on which a date-dependent condition is met, found by
    bisection over the engine's own evaluation (None when it is not met within six years)."""
    span = registration_span(facts)
    start = facts.get("registered_on")
    low = dt.date.fromisoformat(start) if isinstance(start, str) else (span[0] if span else None)
    if low is None:
        return None
    high = max(as_of, low) + dt.timedelta(days=6 * 366)

    def met(day: dt.date) -> bool:
        checked = assess_facts(knowledge, [program], facts, day)
        if checked.problem or not checked.results:
            return False
        return any(
            c["id"] == condition and c["status"] == "pass" for c in checked.results[0]["conditions"]
        )

    if not met(high):
        return None
    while (high - low).days > 0:
        mid = low + dt.timedelta(days=(high - low).days // 2)
        if met(mid):
            high = mid
        else:
            low = mid + dt.timedelta(days=1)
    return high


def clarify_reply(knowledge: Knowledge, programs: list[str], as_of: dt.date) -> Reply:
    """Before any fact is known: the most decisive facts to ask for."""
    ruled = [p for p in program_order(knowledge) if p in knowledge.rules]
    # nothing named: the first two programs of the contract order (高企, 科技型中小企业)
    targets = [p for p in programs if p in knowledge.rules][:3] or ruled[:2]
    results = assess_facts(knowledge, targets, {}, as_of).results
    questions = decisive_questions(results)[:4]
    names = "、".join(r["program_name"] for r in results)
    text = (
        f"要判断能否申请{names}，需要先了解贵公司的情况。请先告诉我下面几项（可以分几次说，"
        "我会记住）：\n\n#### 还需要补充\n\n" + "\n".join(f"- {q}" for q in questions)
    )
    missing = ranked_missing(results)
    return Reply(text, targets, missing=missing, clarify=True)


def assessment_changes(
    state: DialogueState, results: list[Assessment]
) -> tuple[list[ConditionChange], list[str]]:
    """The changes since the last assessment of the same programs, and their lines."""
    now = remember(results)
    changes = changes_between(state.assessed, now)
    state.assessed = now
    return changes, condition_change_lines(changes)


# Ratios a user asks to have computed (「用2024年的研发占比是多少」): the asked ratio's
# cue, then its numerator and denominator fields of one fiscal year.
_ASKED_RATIOS = (
    (
        r"研发(?:费用|投入)?(?:的)?(?:占比|比例|比重|占)",
        "rd_expense",
        "revenue",
        "研发费用占营业收入比例",
    ),
    (
        r"主营(?:业务)?(?:收入)?(?:的)?(?:占比|比例|比重)",
        "main_business_revenue",
        "revenue",
        "主营业务收入占营业收入比例",
    ),
    (r"(?:资产)?负债率", "total_liabilities", "total_assets", "资产负债率"),
)


# The period words a derived fact's label opens with: what is left names the measure as
# people ask for it (销售收入增长率, 资产负债率, 研发费用占销售收入比例).
_LABEL_PERIOD = re.compile(r"^(?:最近一年|近一年|近三个会计年度|近三年|近两年|近2年|上年末|上年)")


def computed_line(
    knowledge: Knowledge, question: str, facts: dict[str, Any], as_of: dt.date
) -> str:
    """「销售收入增长率怎么算，我们是多少？」: the rate or share the question names, computed by
    the engine from the session's figures, with its arithmetic; "" when the question asks
    for no such figure or the figures do not give it."""
    if not facts or not re.search(r"多少|几|怎么算|算一下|算算", question):
        return ""
    asked = [
        (name, label)
        for name, label in DERIVED_DOCS.items()
        if label.endswith(("率", "比例")) and _LABEL_PERIOD.sub("", label) in question
    ]
    if not asked:
        return ""
    # The session's facts as every assessment reads them (registration periods included).
    profile = assess_facts(knowledge, [], facts, as_of).profile
    if profile is None:
        return ""
    known = Facts(profile, as_of)
    lines = []
    for name, label in asked:
        value = known.get(name)
        if value.known and is_number(value.value):
            lines.append(
                f"{label}：{fixed(value.value)}%（{value.detail}）"
                if value.detail
                else f"{label}：{fixed(value.value)}%"
            )
    return "按您给的数字，" + "；".join(lines) + "。" if lines else ""


def ratio_reply(question: str, facts: dict[str, Any], as_of: dt.date) -> Reply | None:
    """A ratio the user asks to have computed from the figures of one year (「2024年的
    研发占比是多少」), or None when the question asks for none or the figures lack.
    The year is the one the question names, else the last fiscal year."""
    if not re.search(r"多少|几|怎么算|算一下", question):
        return None
    years = years_in(question, as_of)
    year = years[-1] if years else as_of.year - 1
    for cue, top, bottom, label in _ASKED_RATIOS:
        if not re.search(cue, question):
            continue
        num = facts.get(f"financials.{year}.{top}")
        den = facts.get(f"financials.{year}.{bottom}")
        if not (is_number(num) and is_number(den)) or not den:
            return None
        value = ratio(num, den, 100)
        text = (
            f"按您给的数字，{year}年{label}为 {fixed(num, strip=True)} ÷ "
            f"{fixed(den, strip=True)} = {fixed(value)}%。"
        )
        return Reply(text, [])
    return None
