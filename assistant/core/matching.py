"""Program matching and gap analysis: which programs fit, what is missing, and by when.

For every failing condition the engine looks for *levers*: profile figures whose change
would make the condition pass (more R&D, more tech staff, another patent, less debt, or
simply time for "registered ≥ 1 year"). The smallest sufficient change is found by
re-running the condition itself on the changed profile (exponential then binary search
over steps of the profile's own precision: 1 person, 1 项, and 1 万元 or 0.01 万元 when the
profile's amounts have cents of 万元), so every number shown is verified by the same engine
that gives the verdict: applying the change makes the condition pass and one step less
does not. Changes are computed exactly and written back as plain JSON numbers.

Gaps of one condition are cumulative (apply them together) unless ``alternative`` is true
(the condition is an ``any``: each alternative alone closes it). Each gap carries the
profile ``change`` it stands for (field -> new value) or, for time, the ``date`` from which
the condition holds. A gap whose ``delta`` is null cannot be closed by changing a figure
(a title still to obtain, a serious violation, an expert's judgement).

Pure: standard library plus the core modules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from assistant.core.assessment import assess_verdict
from assistant.core.eligibility import Evaluator, evaluate_condition
from assistant.core.exact import dec, fixed, frac, is_number
from assistant.core.facts import Facts
from assistant.core.knowledge import Knowledge
from assistant.core.profile import MISSING, WAN_FIELDS, YEAR_FIELDS, Profile
from assistant.core.results import (
    Assessment,
    Gap,
    MatchResult,
    MatchRow,
    PathStep,
    Shortcut,
    Status,
    VerdictResult,
)
from assistant.core.rules import AllOf, AnyOf, Compare, Condition, Item, Not, ScoreTest, Test

_LIMIT = 10_000_000  # no gap larger than this (万元, 人 ...) is worth reporting
_FINEST_PLACES = 4  # 0.0001 万元 is 1 元: no gap is stated more finely than that
_TIME_FACTS = {
    "days_registered",
    "years_registered",
    "full_years_registered",
    "years_in_city",
    "full_years_in_city",
}
VERDICT_ORDER = {"eligible": 0, "needs_review": 1, "insufficient_info": 2, "not_eligible": 3}
"""Verdicts from nearest to farthest: the first key of the ranking."""


@dataclass(frozen=True)
class Lever:
    """A profile figure whose change can close a gap.

    Attributes:
        fields: Profile paths changed by ``delta`` each ({last}/{prev} = fiscal years).
        unit: The contract unit of ``delta``: 万元, 人, 天, %, 项.
        label: What changes, in Chinese.
        sign: +1 to increase the figure, -1 to decrease it.
        scale: Field change per unit of delta (e.g. 1/365 year per day), exact.
        target: A fact (or profile field) whose value after the change the text states,
            e.g. the three-year R&D total the ratio needs.
    """

    fields: tuple[str, ...]
    unit: str
    label: str
    sign: int = 1
    scale: Fraction = Fraction(1)
    target: str = ""


def _lever(field: str, unit: str, label: str, **kw: Any) -> tuple[Lever, ...]:
    return (Lever((field,), unit, label, **kw),)


LEVERS: dict[str, tuple[Lever, ...]] = {
    "tech_staff_ratio": _lever("tech_staff", "人", "科技人员", target="tech_staff"),
    "rd_ratio_3y": (
        Lever(
            ("financials.{last}.rd_expense",), "万元", "近三年研发费用合计", target="rd_3y_total"
        ),
        Lever(("rd_expense_3y_total",), "万元", "近三年研发费用合计", target="rd_3y_total"),
    ),
    "rd_3y_total": _lever("financials.{last}.rd_expense", "万元", "近三年研发费用合计"),
    "domestic_rd_share": _lever("financials.{last}.rd_expense_domestic", "万元", "境内研发费用"),
    "hightech_revenue_share": _lever(
        "financials.{last}.hightech_revenue", "万元", "高新技术产品（服务）收入"
    ),
    "ip_total": _lever("ip.utility_models", "项", "有效知识产权（如实用新型专利）"),
    "ip_class_ii": _lever("ip.utility_models", "项", "Ⅱ类知识产权（如实用新型专利）"),
    "ip_class_i": _lever("ip.invention_patents", "项", "Ⅰ类知识产权（发明专利）"),
    "last_year_revenue": _lever(
        "financials.{last}.revenue", "万元", "最近一年营业收入", target="last_year_revenue"
    ),
    "rd_ratio_last_year": _lever("financials.{last}.rd_expense", "万元", "最近一年研发费用"),
    "rd_cost_ratio_last_year": _lever("financials.{last}.rd_expense", "万元", "最近一年研发费用"),
    "last_year_rd_expense": _lever("financials.{last}.rd_expense", "万元", "最近一年研发费用"),
    "rd_total_last_2y": _lever(
        "financials.{last}.rd_expense", "万元", "近两年研发费用合计", target="rd_total_last_2y"
    ),
    "rd_min_last_2y": (
        Lever(
            ("financials.{prev}.rd_expense", "financials.{last}.rd_expense"),
            "万元",
            "近两年每年的研发费用",
        ),
    ),
    "rd_ratio_min_last_2y": (
        Lever(
            ("financials.{prev}.rd_expense", "financials.{last}.rd_expense"),
            "万元",
            "近两年每年的研发费用",
        ),
    ),
    "rd_avg_last_2y": _lever("financials.{last}.rd_expense", "万元", "近两年研发费用"),
    "main_business_share": _lever(
        "financials.{last}.main_business_revenue", "万元", "最近一年主营业务收入"
    ),
    "debt_ratio_last_year": _lever(
        "financials.{last}.total_liabilities", "万元", "上年末负债总额", sign=-1
    ),
    "revenue_cagr_2y": _lever("financials.{last}.revenue", "万元", "最近一年营业收入"),
    "equity_financing_2y": _lever("equity_financing_2y", "万元", "近2年新增股权融资"),
    "equity_financing_3y": _lever("equity_financing_3y", "万元", "近3年新增股权融资"),
    "led_standards_5y": _lever("led_standards_5y", "项", "主导制定的国际/国家/行业标准"),
    "transformations_3y": _lever("transformations_3y", "项", "近三年科技成果转化"),
    "market.share_pct": _lever("market.share_pct", "%", "主导产品细分市场占有率"),
    "niche_market_years": _lever(
        "niche_market_years", "天", "在细分市场的经营时间", scale=Fraction(1, 365)
    ),
}
"""Levers by the fact a condition reads (time facts are handled by moving the date)."""


def match(knowledge: Knowledge, profile: Profile, as_of: dt.date) -> MatchResult:
    """Every program with its verdict, rank, failing and unknown condition ids, gaps,
    prerequisite path and shortcuts."""
    keyed: list[tuple[tuple[Any, ...], MatchRow]] = []
    for program in knowledge.rules:
        result = assess_verdict(knowledge, program, profile, as_of)
        gaps = program_gaps(knowledge, program, profile, as_of, result)
        keyed.append(
            (
                _rank_key(result, gaps),
                {
                    "program": program,
                    "program_name": result["program_name"],
                    "verdict": result["verdict"],
                    "rules_version": result["rules_version"],
                    "gaps": gaps,
                    "missing_fields": result["missing_fields"],
                    "failing": _ids(result, "fail"),
                    "unknown": _ids(result, "unknown"),
                    "path": prerequisite_path(knowledge, program, profile, as_of),
                    "shortcuts": shortcuts(knowledge, program, profile),
                    "rank": 0,  # set once every program is ranked
                },
            )
        )
    keyed.sort(key=lambda pair: pair[0])
    rows = [row for _, row in keyed]
    for rank, row in enumerate(rows, 1):
        row["rank"] = rank
    return {"as_of": as_of.isoformat(), "programs": rows}


def _ids(result: VerdictResult, status: Status) -> list[str]:
    return [c["id"] for c in result["conditions"] if c["status"] == status]


def _rank_key(result: VerdictResult, gaps: list[Gap]) -> tuple[Any, ...]:
    failing = sum(1 for c in result["conditions"] if c["status"] == "fail")
    unclosable = sum(1 for g in gaps if g["delta"] is None)
    return (
        VERDICT_ORDER[result["verdict"]],
        unclosable,
        failing,
        len(result["missing_fields"]),
        result["program"],
    )


def program_gaps(
    knowledge: Knowledge,
    program: str,
    profile: Profile,
    as_of: dt.date,
    result: VerdictResult | Assessment | None = None,
) -> list[Gap]:
    """The gaps of every failing condition of one program (``result``: its assessment,
    when already made)."""
    result = result or assess_verdict(knowledge, program, profile, as_of)
    rules = knowledge.rules[program]
    version = rules.version_on(as_of)
    assert version is not None  # assess_verdict() raised otherwise
    conditions = {c.id: c for c in version.conditions}
    gaps: list[Gap] = []
    for row in result["conditions"]:
        if row["status"] == "fail":
            gaps += condition_gaps(knowledge, conditions[row["id"]], profile, as_of)
    return gaps


def condition_gaps(
    knowledge: Knowledge, cond: Condition, profile: Profile, as_of: dt.date
) -> list[Gap]:
    """Gaps that close one failing condition (see the module docstring)."""
    searcher = _Searcher(knowledge, cond, profile, as_of)
    alternative = isinstance(cond.test, AnyOf)
    gaps: list[Gap] = []
    if alternative:
        for fact in _candidate_facts(cond.test, searcher.version_rubrics()):
            gap = searcher.single(fact)
            if gap and all(g["text"] != gap["text"] for g in gaps):
                gaps.append({**gap, "alternative": True})
            if len(gaps) == 3:
                break
    else:
        gaps = searcher.cumulative()
    if not gaps:
        gaps = [
            {
                "condition": cond.id,
                "delta": None,
                "unit": None,
                "alternative": False,
                "text": f"「{cond.title}」无法通过调整数据满足：{cond.required or '见条件说明'}",
            }
        ]
    return gaps


def smallest_passing(test: Callable[[int], bool | None], limit: int) -> int | None:
    """The smallest whole number ≥ 1 for which a monotone ``test`` holds: doubling until it
    holds, then bisecting. ``test`` returning None means "cannot go this far" (stop).

    >>> smallest_passing(lambda n: n * n >= 50, 1000)
    8
    >>> smallest_passing(lambda n: None if n > 4 else False, 1000) is None
    True
    """
    high = 1
    while not (result := test(high)):
        if result is None or high > limit:
            return None
        high *= 2
    low = high // 2  # fails (or 0)
    while high - low > 1:
        mid = (low + high) // 2
        if test(mid):
            high = mid
        else:
            low = mid
    return high


def _candidate_facts(test: Test | None, rubrics: dict[str, list[str]]) -> Iterator[str]:
    """Facts read by a test (rubric facts for score tests), in order, once each."""
    seen: set[str] = set()
    for fact in _walk(test, rubrics):
        if fact not in seen:
            seen.add(fact)
            yield fact


def _walk(test: Test | None, rubrics: dict[str, list[str]]) -> Iterator[str]:
    if isinstance(test, Compare):
        yield test.fact
    elif isinstance(test, AllOf | AnyOf):
        for part in test.parts:
            yield from _walk(part, rubrics)
    elif isinstance(test, Not):
        yield from _walk(test.part, rubrics)
    elif isinstance(test, ScoreTest):
        yield from rubrics.get(test.rubric, [])


def _item_facts(item: Item) -> Iterator[str]:
    for case in item.cases:
        yield from _walk(case.when, {})
    for sub in item.items + item.best_of:
        yield from _item_facts(sub)


class _Searcher:
    """Finds the smallest profile change that makes one condition pass."""

    def __init__(
        self, knowledge: Knowledge, cond: Condition, profile: Profile, as_of: dt.date
    ) -> None:
        self.knowledge = knowledge
        self.cond = cond
        self.profile = profile
        self.as_of = as_of
        rules = knowledge.rules[cond.id.split(".", 1)[0]]
        version = rules.version_on(as_of)
        assert version is not None
        self.version = version
        self._fields: dict[tuple[str, ...], tuple[str, ...]] = {}

    def version_rubrics(self) -> dict[str, list[str]]:
        return {r.id: [f for i in r.items for f in _item_facts(i)] for r in self.version.rubrics}

    def status(self, data: dict[str, Any], day: dt.date | None = None) -> str:
        return evaluate_condition(self.evaluator(data, day), self.cond).status

    def evaluator(
        self, data: dict[str, Any], day: dt.date | None = None, reuse: _Reuse | None = None
    ) -> Evaluator:
        """An evaluator of a (changed) profile for statuses only: no display texts.
        ``reuse``: the facts of the profile before the change and the paths changed."""
        facts = Facts(Profile(data, self.profile.warnings), day or self.as_of, explain=False)
        if reuse is not None:
            facts.reuse(*reuse)
        return Evaluator(self.version, facts, self.knowledge.label_for)

    def fields(self, lever: Lever) -> tuple[str, ...]:
        """The profile paths the lever moves, for this application date."""
        if lever.fields not in self._fields:
            last = self.as_of.year - 1
            paths = tuple(f.format(last=last, prev=last - 1) for f in lever.fields)
            self._fields[lever.fields] = paths
        return self._fields[lever.fields]

    def step(self, lever: Lever) -> Decimal:
        """The smallest change of the lever's figure at the profile's precision: 1 for
        people, 项 and days; for 万元 and %, the finest decimal the profile's own amounts
        (or the figure itself) are written with, down to 0.0001 万元 (1 元)."""
        if lever.unit == "万元":
            figures = [
                value
                for figures in (self.profile.data.get("financials") or {}).values()
                if isinstance(figures, dict)
                for key, value in figures.items()
                if key in YEAR_FIELDS
            ] + [self.profile.data.get(key) for key in WAN_FIELDS]
        elif lever.unit == "%":
            figures = [self.profile.get(path) for path in self.fields(lever)]
        else:
            return Decimal(1)
        places = max((_places(v) for v in figures if is_number(v)), default=0)
        return Decimal(1).scaleb(-min(places, _FINEST_PLACES))

    def apply(self, data: dict[str, Any], lever: Lever, delta: Decimal) -> dict[str, Any] | None:
        """The profile with the lever moved by ``delta`` (in its unit; None if it cannot
        move). The new figure is exact, written back as a plain JSON number."""
        paths = self.fields(lever)
        changed = _copy_along(data, paths)
        move = lever.sign * frac(delta) * lever.scale
        for path in paths:
            current = Profile(changed).get(path)
            if (
                current is MISSING
                and path.startswith("ip.")
                and isinstance(changed.get("ip"), dict)
            ):
                current = 0  # an IP kind not listed is none
            if not is_number(current):
                return None  # a figure the profile does not have cannot be the lever
            new = frac(current) + move
            if new < 0:
                return None
            _put(changed, path, float(new))  # the contract's change values are JSON numbers
        return changed

    def smallest(self, data: dict[str, Any], lever: Lever) -> Decimal | None:
        """The smallest delta (a whole number of steps) that makes the condition pass."""
        return self.search(lever, _Trials(self, data, lever).passes)

    def search(self, lever: Lever, test: Callable[[Decimal], bool | None]) -> Decimal | None:
        """The smallest delta for which ``test`` holds (None: the lever cannot move that
        far): first in whole units (as a person or 1 万元), then, within the last unit,
        in steps of the profile's precision. Searching whole units first keeps a pass
        window that only opens between two thresholds (e.g. a revenue band) from being
        jumped over by the doubling."""
        units = smallest_passing(lambda n: test(Decimal(n)), _LIMIT)
        step = self.step(lever)
        if units is None or step == 1:
            return None if units is None else Decimal(units)
        base = Decimal(units - 1)
        steps = smallest_passing(lambda k: test(base + k * step), int(1 / step))
        return Decimal(units) if steps is None else base + steps * step

    def days(self) -> int | None:
        """Days to wait until the condition passes (time conditions)."""
        data = self.profile.data
        return smallest_passing(
            lambda d: self.status(data, self.as_of + dt.timedelta(days=d)) == "pass", 365 * 20
        )

    def gap(self, lever: Lever, delta: Decimal, data: dict[str, Any] | None = None) -> Gap:
        base = data if data is not None else self.profile.data
        changed = self.apply(base, lever, delta) or base
        change = {path: Profile(changed).get(path) for path in self.fields(lever)}
        verb = "增加" if lever.sign > 0 else "减少"
        need = f"：{self.cond.required}" if self.cond.required else ""
        if lever.target:
            value = Facts(Profile(changed), self.as_of, explain=False).get(lever.target).value
            if is_number(value):
                need = f"，需 ≥ {fixed(value, strip=True)} {lever.unit}"
        shown = _plain(delta)
        if lever.unit == "天":
            text = (
                f"{lever.label}还需约 {shown} 天（{self.cond.title}：{self.cond.required or ''}）"
            )
        else:
            moves = _moves(Profile(base), self._enough(base, change), lever.unit)
            text = f"{lever.label}需{verb} {shown} {lever.unit}{moves}（{self.cond.title}{need}）"
        return {
            "condition": self.cond.id,
            "delta": _json_number(delta * lever.sign),
            "unit": lever.unit,
            "change": change,
            "alternative": False,
            "text": text,
        }

    def _enough(self, base: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
        """Of a move of several figures (「近两年每年的研发费用需增加 30 万元」), the one
        figure that alone makes the condition pass, when there is one (2024's R&D, not
        2025's that already meets its share); else the whole move."""
        if len(change) < 2:
            return change
        for path, value in change.items():
            alone = _copy_along(base, (path,))
            _put(alone, path, value)
            if self.status(alone) == "pass":
                return {path: value}
        return change

    def single(self, fact: str) -> Gap | None:
        if fact in _TIME_FACTS:
            days = self.days()
            if days is None:
                return None
            when = self.as_of + dt.timedelta(days=days)
            return {
                "condition": self.cond.id,
                "delta": days,
                "unit": "天",
                "change": {},
                "alternative": False,
                "date": when.isoformat(),
                "text": f"{when.isoformat()} 起满足「{self.cond.title}」，还需 {days} 天",
            }
        for lever in LEVERS.get(fact, ()):
            delta = self.smallest(self.profile.data, lever)
            if delta is not None:
                return self.gap(lever, delta)
        return None

    def cumulative(self) -> list[Gap]:
        """Close the failing parts one after the other (for ``all`` and single tests).
        A figure moved for several parts (R&D ≥ 100万 and ≥ 3% of revenue) is one gap:
        the moves added up, applied to the profile as it is."""
        steps: list[Gap | Lever] = []
        moved: dict[Lever, Decimal] = {}
        data = self.profile.data
        for fact in _candidate_facts(self.cond.test, self.version_rubrics()):
            if self.status(data) == "pass":
                break
            if fact in _TIME_FACTS:
                gap = self.single(fact)
                if gap:
                    steps.append(gap)
                continue
            for lever in LEVERS.get(fact, ()):
                delta = self._part_delta(data, lever)
                if delta:
                    if lever not in moved:
                        steps.append(lever)
                    moved[lever] = moved.get(lever, Decimal(0)) + delta
                    data = self.apply(data, lever, delta) or data
                    break
        return [self.gap(s, moved[s]) if isinstance(s, Lever) else s for s in steps]

    def _part_delta(self, data: dict[str, Any], lever: Lever) -> Decimal | None:
        """For an ``all``: the smallest delta after which this lever's part no longer fails.

        The whole condition may still fail on other parts, so the search stops at the
        point where the failing part count drops.
        """
        trials = _Trials(self, data, lever)
        whole = self.search(lever, trials.passes)
        if whole is not None:
            return whole
        before = self.failing_parts(self.evaluator(data))
        return self.search(lever, lambda delta: trials.failing_parts(delta, before))

    def failing_parts(self, evaluator: Evaluator) -> int:
        """How many parts of the condition's test fail (the test itself unless an ``all``)."""
        test = self.cond.test
        parts = test.parts if isinstance(test, AllOf) else (test,) if test else ()
        return sum(1 for p in parts if evaluator.test(p).status == "fail")


_Reuse = tuple[Facts, tuple[str, ...]]


class _Trials:
    """The condition evaluated on the profile with one lever moved by each delta tried,
    each delta evaluated once: closing one part of an ``all`` searches the same deltas
    twice (for the whole condition, then for the part), and the second search reuses the
    first one's facts and scores."""

    def __init__(self, searcher: _Searcher, data: dict[str, Any], lever: Lever) -> None:
        self.searcher = searcher
        self.data = data
        self.lever = lever
        self._evaluators: dict[Decimal, Evaluator | None] = {}
        # The condition's facts before the move: each trial recomputes only those that
        # read a field the lever moves.
        base = searcher.evaluator(data)
        evaluate_condition(base, searcher.cond)
        searcher.failing_parts(base)
        self._reuse: _Reuse = (base.facts, searcher.fields(lever))

    def evaluator(self, delta: Decimal) -> Evaluator | None:
        """The evaluator of the moved profile (None: the lever cannot move that far)."""
        if delta not in self._evaluators:
            changed = self.searcher.apply(self.data, self.lever, delta)
            found = None if changed is None else self.searcher.evaluator(changed, None, self._reuse)
            self._evaluators[delta] = found
        return self._evaluators[delta]

    def passes(self, delta: Decimal) -> bool | None:
        """Whether the whole condition passes after the move."""
        evaluator = self.evaluator(delta)
        if evaluator is None:
            return None
        return evaluate_condition(evaluator, self.searcher.cond).status == "pass"

    def failing_parts(self, delta: Decimal, before: int) -> bool | None:
        """Whether fewer parts than ``before`` fail after the move."""
        evaluator = self.evaluator(delta)
        return None if evaluator is None else self.searcher.failing_parts(evaluator) < before


def _places(value: Any) -> int:
    """Decimals a figure is written with (174.48 -> 2, 4800 -> 0)."""
    exponent = dec(value).normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _json_number(value: Decimal) -> int | float:
    """A delta as a plain JSON number: whole steps as ``int`` (as before), else the float
    whose shortest text is the exact decimal (0.01)."""
    return int(value) if value == value.to_integral_value() else float(value)


def _moves(before: Profile, after: dict[str, Any], unit: str) -> str:
    """「，即 2024年 300 → 330 万元」: each figure the gap moves, from what it is to what
    it must reach (what 「要有多少才够」 asks), its year named for a yearly figure."""
    parts = []
    for path, new in after.items():
        old = before.get(path)
        if not (is_number(old) and is_number(new)) or old == new:
            continue
        year = f"{path.split('.')[1]}年 " if path.startswith("financials.") else ""
        parts.append(f"{year}{_plain(dec(old))} → {_plain(dec(new))}")
    return f"，即 {'、'.join(parts)} {unit}" if parts else ""


def _plain(value: Decimal) -> str:
    """A delta for text: 47, 0.01, 1.5."""
    return str(int(value)) if value == value.to_integral_value() else f"{value.normalize():f}"


def _put(data: dict[str, Any], path: str, value: Any) -> None:
    """Set a dotted profile path in ``data`` (the dicts along it already copied)."""
    *parents, key = path.split(".")
    node = data
    for part in parents:
        node = node.setdefault(part, {})
    node[key] = value


def _copy_along(data: dict[str, Any], paths: tuple[str, ...]) -> dict[str, Any]:
    """A copy of ``data`` in which the dicts along ``paths`` are new (the rest is shared):
    the gap search changes one or two figures thousands of times, and a deep copy of the
    whole profile each time was most of the cost of ``match``."""
    changed = dict(data)
    for path in paths:
        node = changed
        for part in path.split(".")[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                break
            node[part] = dict(child)
            node = node[part]
    return changed


def prerequisite_path(
    knowledge: Knowledge, program: str, profile: Profile, as_of: dt.date
) -> list[PathStep]:
    """Steps to take first, in order: titles the company lacks for this program and,
    recursively, for those titles (e.g. 科技型 → 专精特新 → 小巨人)."""
    held = set(profile.data.get("qualifications") or [])
    steps: list[PathStep] = []
    _collect_path(knowledge, program, held, as_of, steps, depth=0)
    return steps


def _collect_path(
    knowledge: Knowledge,
    program: str,
    held: set[str],
    as_of: dt.date,
    steps: list[PathStep],
    depth: int,
) -> None:
    if depth > 5:
        return
    for pre in knowledge.paths.prerequisites:
        if pre.program != program or (pre.since and as_of < pre.since):
            continue
        if held & set(pre.requires_any):
            continue
        first = pre.requires_any[0]
        if first in knowledge.programs:
            _collect_path(knowledge, first, held, as_of, steps, depth + 1)
        if all(s["text"] != pre.text for s in steps):
            steps.append(
                {
                    "program": program,
                    "requires": "|".join(pre.requires_any),
                    "text": pre.text,
                    "article": pre.article,
                }
            )


def shortcuts(knowledge: Knowledge, program: str, profile: Profile) -> list[Shortcut]:
    """Titles the company holds that qualify it directly or replace the application."""
    held = set(profile.data.get("qualifications") or [])
    return [
        {"holds": s.holds, "text": s.text, "article": s.article}
        for s in knowledge.paths.shortcuts
        if s.program == program and s.holds in held
    ]
