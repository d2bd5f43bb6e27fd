"""The eligibility engine: rules + a profile + a date -> an assessment (contract shape).

Pure. Four statuses per condition: ``pass``, ``fail``, ``unknown`` (a needed profile fact is
missing) and ``manual`` (an expert's judgement remains). They combine as:

- ``all``: fail if any part fails, else unknown if any is unknown, else manual if any is
  manual, else pass;
- ``any``: pass if any part passes, else unknown, else manual, else fail;
- the verdict is ``not_eligible`` if any condition fails, else ``insufficient_info`` if any
  is unknown, else ``needs_review`` if any is manual, else ``eligible``.

Scores are computed as ranges: items whose facts are missing, or that experts score,
contribute their whole possible range, so ``total_min``/``total_max`` bound the total.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from assistant.core.exact import compare, fixed, is_number
from assistant.core.facts import DERIVED_DOCS, Facts, FactValue
from assistant.core.results import Score, ScoreItem, Status
from assistant.core.rules import (
    OP_TEXT,
    AllOf,
    AnyOf,
    Banded,
    Compare,
    Condition,
    Item,
    Not,
    Rubric,
    RuleVersion,
    ScoreTest,
    Test,
)

NOT_APPLICABLE = "本企业不适用该条件"
VALUE_TEXT = {
    "manufacturing": "制造业",
    "agriculture": "农业",
    "service": "服务业",
    "national": "国家级",
    "provincial": "省级",
    "municipal": "市级",
    "none": "无",
}
_NEG: dict[Status, Status] = {
    "pass": "fail",
    "fail": "pass",
    "unknown": "unknown",
    "manual": "manual",
}


@dataclass
class Outcome:
    """The result of evaluating a test."""

    status: Status
    actual: list[str] = field(default_factory=list)
    required: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    used: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ItemScore:
    """Points of one rubric item (a range when not all is known)."""

    id: str
    title: str
    low: float
    high: float
    max: float
    basis: str
    missing: tuple[str, ...] = ()
    expert: bool = False
    children: tuple[ItemScore, ...] = ()

    def to_dict(self) -> ScoreItem:
        """Contract-style item."""
        out: ScoreItem = {
            "id": self.id,
            "title": self.title,
            "min": _num(self.low),
            "max_points": _num(self.high),
            "max": _num(self.max),
            "basis": self.basis,
            "expert": self.expert,
        }
        if self.children:
            out["items"] = [c.to_dict() for c in self.children]
        return out


@dataclass(frozen=True)
class ScoreResult:
    """A rubric's total range and its status."""

    rubric: Rubric
    low: float
    high: float
    items: tuple[ItemScore, ...]
    status: Status
    reason: str
    missing: tuple[str, ...]

    def to_dict(self) -> Score:
        """The contract's ``score`` object."""
        return {
            "id": self.rubric.id,
            "title": self.rubric.title,
            "total_min": _num(self.low),
            "total_max": _num(self.high),
            "max": _num(self.rubric.max),
            "pass_line": _num(self.rubric.pass_min),
            "status": self.status,
            "reason": self.reason,
            "items": [i.to_dict() for i in self.items],
        }


def _num(x: float) -> float | int:
    return int(x) if float(x).is_integer() else round(x, 2)


class Evaluator:
    """Evaluates one rule version's tests and rubrics against one company's facts.

    When the facts do not explain (``Facts(..., explain=False)``), only statuses, points,
    missing and used fields are computed: the texts that show figures (``actual``,
    ``required``, ``details``, an item's basis, a score's reason) are left empty. Statuses
    never depend on those texts, and the gap search, which evaluates thousands of changed
    profiles for their status alone, would otherwise spend most of its time formatting.
    """

    def __init__(
        self, version: RuleVersion, facts: Facts, label: Callable[[str], str] | None = None
    ) -> None:
        """Bind the rules to the facts; ``label`` names profile fields in Chinese."""
        self.version = version
        self.facts = facts
        self.explain = facts.explain
        self.label = label or (lambda name: name)
        self._scores: dict[str, ScoreResult] = {}

    # ---- tests -------------------------------------------------------------------
    def test(self, test: Test) -> Outcome:
        """Evaluate a test tree."""
        if isinstance(test, Compare):
            return self.compare(test)
        if isinstance(test, AllOf | AnyOf):
            return self.combine(test)
        if isinstance(test, Not):
            inner = self.test(test.part)
            inner.status = _NEG[inner.status]
            return inner
        return self.score_test(test)

    def combine(self, test: AllOf | AnyOf) -> Outcome:
        parts = [self.test(p) for p in test.parts]
        statuses = {p.status for p in parts}
        decisive: Status = "fail" if isinstance(test, AllOf) else "pass"
        other: Status = "pass" if decisive == "fail" else "fail"
        status: Status = next((s for s in (decisive, "unknown", "manual") if s in statuses), other)
        out = Outcome(status)
        for p in parts:
            if isinstance(test, AnyOf) and status == "pass" and p.status != "pass":
                continue  # the route that passed explains the result
            out.actual += p.actual
            out.required += p.required
            out.missing += p.missing if status == "unknown" else []
            out.used += p.used
            out.notes += p.notes
            out.details += p.details
        if isinstance(test, AnyOf) and status != "pass":
            out.required = ["以下任一：" + "；或 ".join(r for p in parts for r in p.required)]
        return out

    def compare(self, test: Compare) -> Outcome:
        fact = self.facts.get(test.fact)
        threshold, band_label, band_fact = self.threshold(test)
        out = Outcome("unknown", notes=list(fact.notes))
        if self.explain:
            label = DERIVED_DOCS.get(test.fact) or self.label(test.fact)
            required = f"{label} {OP_TEXT[test.op]} {_show(threshold, test.unit)}"
            if band_label:
                required += f"（{band_label}）"
            out.required.append(required)
        if band_fact is not None:
            out.notes += band_fact.notes
            out.used += band_fact.used
            if not band_fact.known:
                out.missing += band_fact.missing
                return out
        if not fact.known:
            if _below_limit(test, fact, threshold) or _above_limit(test, fact, threshold):
                return self._failed_by_bound(out, test, fact, threshold)
            out.missing += list(fact.missing)
            return out
        out.used += fact.used
        out.status = "pass" if _apply(test.op, fact.value, threshold) else "fail"
        if self.explain:
            value = fact.value
            if isinstance(value, list | tuple):  # title ids by name (hnte: 高新技术企业)
                value = [self.label(v) for v in value]
            shown = _show_against(value, test, threshold, out.status)
            out.actual.append(f"{label} {shown}")
        if fact.detail:
            out.details.append(fact.detail)
        return out

    def _failed_by_bound(
        self, out: Outcome, test: Compare, fact: FactValue, threshold: Any
    ) -> Outcome:
        """Known years already break the limit: no missing year changes it (a year under a
        「每年都须」 floor; two loss years in a row under a cap of fewer than two)."""
        out.status = "fail"
        out.used += fact.used
        if self.explain:
            label = DERIVED_DOCS.get(test.fact) or self.label(test.fact)
            if fact.at_least is not None and _above_limit(test, fact, threshold):
                shown = _show_against(fact.at_least, test, threshold, "fail")
                out.actual.append(
                    f"{label} 至少 {shown}（已知的年份已超出要求，其余年份不改变结果）"
                )
            else:
                shown = _show_against(fact.at_most, test, threshold, "fail")
                out.actual.append(
                    f"{label} 至多 {shown}（已知的年份已低于要求，其余年份不改变结果）"
                )
        if fact.detail:
            out.details.append(fact.detail)
        return out

    def threshold(self, test: Compare) -> tuple[Any, str, FactValue | None]:
        """The comparison value, resolving a banded threshold."""
        if not isinstance(test.value, Banded):
            return test.value, "", None
        by = self.facts.get(test.value.by)
        if not by.known or by.value is None:
            bands = ""
            if self.explain:
                bands = "；".join(
                    f"{b.label}：{_show(b.value, test.unit)}" for b in test.value.bands
                )
            return None, bands, by
        for band in test.value.bands:
            if band.upto is None or compare("<=", by.value, band.upto):
                return band.value, band.label, by
        raise AssertionError("unreachable: the last band has no upper bound")

    def score_test(self, test: ScoreTest) -> Outcome:
        result = self.score(test.rubric)
        # A failed score stays failed whatever else is learnt (a veto item at 0, a part
        # below its minimum, a best case below the line): its unknowns are not asked for.
        missing = [] if result.status == "fail" else list(result.missing)
        out = Outcome(result.status, missing=missing)
        if self.explain:
            out.actual.append(f"{result.rubric.title} {_range(result.low, result.high)} 分")
            out.required.append(f"{result.rubric.title} ≥ {_num(result.rubric.pass_min)} 分")
            out.notes.append(result.reason)
        return out

    # ---- scores ------------------------------------------------------------------
    def score(self, rubric_id: str) -> ScoreResult:
        """Score a rubric of the version (cached)."""
        if rubric_id not in self._scores:
            self._scores[rubric_id] = self._score(self.version.rubric(rubric_id))
        return self._scores[rubric_id]

    def _score(self, rubric: Rubric) -> ScoreResult:
        items = tuple(self.item(i) for i in rubric.items)
        low = min(rubric.max, sum(i.low for i in items))
        high = min(rubric.max, sum(i.high for i in items))
        missing = tuple(dict.fromkeys(m for i in items for m in _all_missing(i)))
        vetoed = [i for i in items if i.id in rubric.veto and i.high == 0]
        open_veto = [i for i in items if i.id in rubric.veto and i.low == 0 < i.high]
        short = [i for i in _flatten(items) if _min_points(rubric, i) > i.high]
        # A part whose range straddles its sub-minimum keeps the total from passing yet.
        open_min = [i for i in _flatten(items) if i.low < _min_points(rubric, i) <= i.high]
        if vetoed:
            why = f"（{vetoed[0].basis}）" if vetoed[0].basis else ""
            reason = f"「{vetoed[0].title}」得分为0{why}，不能通过"
            return ScoreResult(rubric, low, high, items, "fail", reason, missing)
        if short:
            return ScoreResult(
                rubric,
                low,
                high,
                items,
                "fail",
                f"「{short[0].title}」未达到该部分的最低分",
                missing,
            )
        if high < rubric.pass_min:
            reason = f"最高可能得分 {_num(high)} 分，低于 {_num(rubric.pass_min)} 分"
            return ScoreResult(rubric, low, high, items, "fail", reason, missing)
        if low >= rubric.pass_min and not open_veto and not open_min:
            reason = f"最低可能得分 {_num(low)} 分，已达到 {_num(rubric.pass_min)} 分"
            return ScoreResult(rubric, low, high, items, "pass", reason, missing)
        if missing:
            reason = f"得分范围 {_range(low, high)} 分，补充资料后可进一步确定"
            return ScoreResult(rubric, low, high, items, "unknown", reason, missing)
        reason = (
            f"可计算部分得分范围 {_range(low, high)} 分，其余需专家评审，"
            f"能否达到 {_num(rubric.pass_min)} 分待评审"
        )
        return ScoreResult(rubric, low, high, items, "manual", reason, missing)

    def item(self, item: Item) -> ItemScore:
        """Points of one item."""
        if item.expert is not None:
            return ItemScore(
                item.id,
                item.title,
                item.expert[0],
                item.expert[1],
                item.max,
                item.basis or "专家评分",
                expert=True,
            )
        if item.items:
            kids = tuple(self.item(i) for i in item.items)
            low = min(item.max, sum(k.low for k in kids))
            high = min(item.max, sum(k.high for k in kids))
            return ItemScore(
                item.id,
                item.title,
                low,
                high,
                item.max,
                item.basis,
                children=kids,
                expert=all(k.expert for k in kids),
            )
        if item.best_of:
            options = [self.item(i) for i in item.best_of]
            best = max(options, key=lambda o: (o.low, o.high))
            high = max(o.high for o in options)
            low = max(o.low for o in options)
            missing = tuple(m for o in options for m in o.missing)
            basis = f"取较高者：{best.title}（{best.basis}）"
            return ItemScore(
                item.id, item.title, low, high, item.max, basis, missing, children=tuple(options)
            )
        return self.cases(item)

    def cases(self, item: Item) -> ItemScore:
        lows: list[float] = []
        highs: list[float] = []
        missing: list[str] = []
        below: tuple[Outcome, Any] | None = None  # the last band the figure fell short of
        for case in item.cases:
            outcome = self.test(case.when) if case.when is not None else Outcome("pass")
            if outcome.status == "fail":
                below = (outcome, case.when)
                continue
            lows.append(case.points[0])
            highs.append(case.points[1])
            if outcome.status == "pass":
                basis = ""
                if self.explain:
                    basis = "；".join(outcome.actual + outcome.details) or _short_of(below)
                if not missing:
                    return ItemScore(
                        item.id, item.title, case.points[0], case.points[1], item.max, basis
                    )
                break
            missing += outcome.missing
        return ItemScore(
            item.id,
            item.title,
            min(lows),
            max(highs),
            item.max,
            "缺少资料：" + "、".join(dict.fromkeys(missing)),
            tuple(dict.fromkeys(missing)),
        )


def _flatten(items: tuple[ItemScore, ...]) -> list[ItemScore]:
    out: list[ItemScore] = []
    for i in items:
        out.append(i)
        out += _flatten(i.children)
    return out


def _all_missing(item: ItemScore) -> list[str]:
    return list(item.missing) + [m for c in item.children for m in _all_missing(c)]


def _short_of(below: tuple[Outcome, Any] | None) -> str:
    """The basis of a fallback band (「其他情形」): the figure and the lowest band it missed
    (「科技人员占比 7.5%，未达到 ≥ 10%」), so the 0 points say why."""
    if below is None or not below[0].actual:
        return "其他情形"
    outcome, test = below
    actual = "；".join(outcome.actual)
    if isinstance(test, Compare):
        return f"{actual}，未达到 {OP_TEXT[test.op]} {_show(test.value, test.unit)}"
    return f"{actual}，未达到 {'；'.join(outcome.required)}"


def _min_points(rubric: Rubric, score: ItemScore) -> float:
    """The item's sub-minimum (0 when it has none)."""
    return rubric.sub_minimums.get(score.id, 0.0)


def _apply(op: str, actual: Any, expected: Any) -> bool:
    if op == "is_true":
        return actual is True
    if op == "is_false":
        return actual is False or actual is None
    if actual is None:
        return op in ("not_in", "not_contains", "!=")
    if op in ("contains", "not_contains"):
        found = expected in (actual or [])
        return found if op == "contains" else not found
    if op in ("in", "not_in"):
        found = actual in expected
        return found if op == "in" else not found
    if is_number(actual) and is_number(expected):
        return compare(op, actual, expected)  # exact: 5 % of 11,632 is 581.6, not a hair less
    comparisons = {
        ">=": actual >= expected,
        ">": actual > expected,
        "<=": actual <= expected,
        "<": actual < expected,
        "==": actual == expected,
        "!=": actual != expected,
    }
    return bool(comparisons[op])


def _show(value: Any, unit: str) -> str:
    if value is None:
        return "无"
    if isinstance(value, bool):
        return "是" if value else "否"
    if is_number(value) and not isinstance(value, int):
        return f"{fixed(value, strip=True)}{unit}"
    if isinstance(value, list | tuple):
        return "、".join(VALUE_TEXT.get(str(v), str(v)) for v in value) or "无"
    return f"{VALUE_TEXT.get(str(value), value)}{unit}"


def _below_limit(test: Compare, fact: FactValue, threshold: Any) -> bool:
    """Whether an unknown minimum's bound already fails a lower limit (≥ or >)."""
    return (
        fact.at_most is not None
        and test.op in (">=", ">")
        and is_number(threshold)
        and not _apply(test.op, fact.at_most, threshold)
    )


def _above_limit(test: Compare, fact: FactValue, threshold: Any) -> bool:
    """Whether an unknown maximum's bound already fails an upper limit (≤ or <)."""
    return (
        fact.at_least is not None
        and test.op in ("<=", "<")
        and is_number(threshold)
        and not _apply(test.op, fact.at_least, threshold)
    )


def _show_against(value: Any, test: Compare, threshold: Any, status: Status) -> str:
    """The value for display, with as many decimals as it takes for the shown figure to
    agree with the status (a value just under a line of 5 never reads 「5」)."""
    if not (is_number(value) and is_number(threshold)) or isinstance(value, int):
        return _show(value, test.unit)
    for places in range(2, 13):
        text = fixed(value, places, strip=True)
        if compare(test.op, Decimal(text.replace(",", "")), threshold) == (status == "pass"):
            break
    return f"{text}{test.unit}"


def _range(low: float, high: float) -> str:
    return f"{_num(low)}" if low == high else f"{_num(low)}–{_num(high)}"


def evaluate_condition(evaluator: Evaluator, cond: Condition) -> Outcome:
    """Evaluate one condition, including manual ones and their prerequisites."""
    if cond.applies_when is not None:
        applies = evaluator.test(cond.applies_when)
        if applies.status == "fail":
            return Outcome(
                "pass",
                actual=[NOT_APPLICABLE],
                required=[cond.required or "—"],
                used=applies.used,
                details=applies.actual,
            )
    if cond.kind == "manual":
        out = Outcome("manual", required=[cond.required or "由专家审核"])
        for need in cond.needs:
            fact = evaluator.facts.get(need)
            if not fact.known:
                out.missing += list(fact.missing)
        if out.missing:
            out.status = "unknown"
        return out
    assert cond.test is not None
    out = evaluator.test(cond.test)
    if cond.required:
        out.required = [cond.required]
    return out


def as_of_default(as_of: dt.date | None) -> dt.date:
    """Today when no date is given."""
    return as_of or dt.date.today()
