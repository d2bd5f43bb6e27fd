"""Rules as data: the format of ``rules.yaml`` and its parser.

A program's ``rules.yaml`` holds dated versions; each version has conditions (the contract's
condition ids) and rubrics. A condition's test is a tree over a closed vocabulary:

- a comparison ``{fact, op, value}`` with ``op`` one of :data:`OPERATORS`; ``value`` may be
  banded: ``{by: <fact>, bands: [{upto: 5000, value: 5, label: ...}, {value: 3, ...}]}`` picks
  the threshold by another fact (the first band whose ``upto`` is >= that fact; the last
  band has no ``upto``);
- ``{all: [...]}``, ``{any: [...]}``, ``{not: ...}``;
- ``{score: <rubric id>}``: the rubric's total reaches its pass line (and its vetoes hold).

A condition may carry ``applies_when`` (a test): when it fails, the condition does not apply
to this company and counts as ``pass`` with the explanation 「不适用」 (e.g. a manufacturing-
only manual condition for a service firm); when it is unknown, the condition is evaluated.

A rubric item scores points either by ``cases`` (first matching ``when`` wins, a case
without ``when`` is the default), by ``fact`` + ``bands`` (``[{min: 30, points: 20}, ...,
{points: 0}]``, lower bounds inclusive; ``unit`` names the figure's unit), by
``best_of`` (the firm picks the better of several measures), by ``items`` (a group,
capped at its ``max``, optionally with a sub-minimum ``min_points``), or as
``expert: [lo, hi]`` (scored by experts; unknown here).
Points may be a number or a range ``[lo, hi]`` (195号 scores bands as ranges).

Parsing is pure and strict: unknown keys, unknown operators and unknown facts are errors
naming the file and the path inside it.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

from assistant.core.exact import Number, Ratio, amount, exact, is_number

OPERATORS = (
    ">=",
    ">",
    "<=",
    "<",
    "==",
    "!=",
    "in",
    "not_in",
    "contains",
    "not_contains",
    "is_true",
    "is_false",
)
_UNARY = ("is_true", "is_false")
OP_TEXT = {
    ">=": "≥",
    ">": ">",
    "<=": "≤",
    "<": "<",
    "==": "=",
    "!=": "≠",
    "in": "属于",
    "not_in": "不属于",
    "contains": "包含",
    "not_contains": "不包含",
    "is_true": "是",
    "is_false": "否",
}


class RuleFormatError(ValueError):
    """A rules file does not follow the format; the message names the path inside it."""


@dataclass(frozen=True)
class Band:
    """One band of a banded threshold: applies while the ``by`` fact is <= ``upto``."""

    value: Ratio
    label: str
    upto: Number | None = None


@dataclass(frozen=True)
class Banded:
    """A threshold chosen by another fact's value."""

    by: str
    bands: tuple[Band, ...]


@dataclass(frozen=True)
class Compare:
    """``fact op value``."""

    fact: str
    op: str
    value: Any = None
    unit: str = ""


@dataclass(frozen=True)
class AllOf:
    """Every part holds."""

    parts: tuple[Test, ...]


@dataclass(frozen=True)
class AnyOf:
    """At least one part holds."""

    parts: tuple[Test, ...]


@dataclass(frozen=True)
class Not:
    """The part does not hold."""

    part: Test


@dataclass(frozen=True)
class ScoreTest:
    """A rubric's total reaches its pass line."""

    rubric: str


Test = Compare | AllOf | AnyOf | Not | ScoreTest
Points = tuple[float, float]


@dataclass(frozen=True)
class Case:
    """Points awarded when ``when`` holds (``when`` None: the default case)."""

    points: Points
    when: Test | None = None


@dataclass(frozen=True)
class Item:
    """A rubric item (see the module docstring for the kinds)."""

    id: str
    title: str
    max: float
    cases: tuple[Case, ...] = ()
    best_of: tuple[Item, ...] = ()
    items: tuple[Item, ...] = ()
    expert: Points | None = None
    min_points: float | None = None
    basis: str = ""


@dataclass(frozen=True)
class Rubric:
    """A scoring table with a pass line."""

    id: str
    title: str
    article: str
    max: float
    pass_min: float
    items: tuple[Item, ...]
    veto: tuple[str, ...] = ()

    @cached_property
    def sub_minimums(self) -> dict[str, float]:
        """The sub-minimum of each item that has one, by item id (the first item of an id,
        depth first), worked out once: every scoring of every company looks them up."""
        found: dict[str, float] = {}

        def walk(items: tuple[Item, ...]) -> None:
            for item in items:
                points = item.min_points
                found.setdefault(item.id, 0.0 if points is None else float(points))
                walk(item.items + item.best_of)

        walk(self.items)
        return found


@dataclass(frozen=True)
class Condition:
    """A hard condition with its contract id."""

    id: str
    title: str
    article: str
    kind: Literal["check", "manual"]
    test: Test | None
    required: str = ""
    evidence: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    unit: str = ""
    applies_when: Test | None = None


@dataclass(frozen=True)
class RuleVersion:
    """The rules in force from ``effective`` to ``expires`` (inclusive)."""

    label: str
    document: str
    effective: dt.date
    expires: dt.date | None
    conditions: tuple[Condition, ...]
    rubrics: tuple[Rubric, ...] = ()
    note: str = ""

    def in_force(self, day: dt.date) -> bool:
        """Whether this version applies on ``day``."""
        return self.effective <= day and (self.expires is None or day <= self.expires)

    def rubric(self, rubric_id: str) -> Rubric:
        """Look up a rubric of this version."""
        for rubric in self.rubrics:
            if rubric.id == rubric_id:
                return rubric
        raise KeyError(rubric_id)


@dataclass(frozen=True)
class ProgramRules:
    """All rule versions of one program."""

    program: str
    versions: tuple[RuleVersion, ...]
    facts_used: frozenset[str] = field(default_factory=frozenset)

    def version_on(self, day: dt.date) -> RuleVersion | None:
        """The version in force on ``day`` (None before the first one)."""
        for version in self.versions:
            if version.in_force(day):
                return version
        return None


class _Parser:
    """Turns the YAML mapping into the dataclasses above, collecting the facts used."""

    def __init__(self, is_fact: Any) -> None:
        self.is_fact = is_fact
        self.facts: set[str] = set()

    def err(self, where: str, message: str) -> RuleFormatError:
        return RuleFormatError(f"at '{where}': {message}")

    def keys(self, raw: Any, where: str, allowed: set[str], required: set[str]) -> dict[str, Any]:
        if not isinstance(raw, dict):
            raise self.err(where, "expected a mapping")
        unknown = set(raw) - allowed
        if unknown:
            raise self.err(where, f"unknown key(s) {sorted(unknown)}; allowed: {sorted(allowed)}")
        lacking = required - set(raw)
        if lacking:
            raise self.err(where, f"missing key(s) {sorted(lacking)}")
        return raw

    def number(self, raw: Any, where: str) -> Any:
        """A numeric threshold, read exactly."""
        if not is_number(raw):
            raise self.err(where, f"expected a number, got {raw!r}")
        return exact(raw)

    def fact(self, name: Any, where: str) -> str:
        if not isinstance(name, str) or not self.is_fact(name):
            raise self.err(where, f"unknown fact {name!r}: use a profile field or a derived fact")
        self.facts.add(name)
        return name

    def test(self, raw: Any, where: str) -> Test:
        if isinstance(raw, dict) and "all" in raw:
            self.keys(raw, where, {"all"}, {"all"})
            return AllOf(self.tests(raw["all"], f"{where}.all"))
        if isinstance(raw, dict) and "any" in raw:
            self.keys(raw, where, {"any"}, {"any"})
            return AnyOf(self.tests(raw["any"], f"{where}.any"))
        if isinstance(raw, dict) and "not" in raw:
            self.keys(raw, where, {"not"}, {"not"})
            return Not(self.test(raw["not"], f"{where}.not"))
        if isinstance(raw, dict) and "score" in raw:
            self.keys(raw, where, {"score"}, {"score"})
            return ScoreTest(str(raw["score"]))
        raw = self.keys(raw, where, {"fact", "op", "value", "unit"}, {"fact", "op"})
        op = raw["op"]
        if op not in OPERATORS:
            raise self.err(f"{where}.op", f"unknown operator {op!r}; use one of {OPERATORS}")
        if op not in _UNARY and "value" not in raw:
            raise self.err(where, f"operator {op!r} needs a 'value'")
        # a threshold is exact: 0.1 is one tenth, not the float nearest to it
        raw_value = raw.get("value")
        value = (
            self.banded(raw_value, f"{where}.value")
            if isinstance(raw_value, dict)
            else exact(raw_value)
        )
        return Compare(self.fact(raw["fact"], f"{where}.fact"), op, value, str(raw.get("unit", "")))

    def tests(self, raw: Any, where: str) -> tuple[Test, ...]:
        if not isinstance(raw, list) or not raw:
            raise self.err(where, "expected a non-empty list of tests")
        return tuple(self.test(part, f"{where}[{i}]") for i, part in enumerate(raw))

    def banded(self, raw: Any, where: str) -> Banded:
        raw = self.keys(raw, where, {"by", "bands"}, {"by", "bands"})
        bands = []
        for i, band in enumerate(raw["bands"] or []):
            band = self.keys(
                band, f"{where}.bands[{i}]", {"upto", "value", "label"}, {"value", "label"}
            )
            upto = band.get("upto")
            bands.append(
                Band(
                    amount(self.number(band["value"], f"{where}.bands[{i}].value")),
                    str(band["label"]),
                    None if upto is None else self.number(upto, f"{where}.bands[{i}].upto"),
                )
            )
        if not bands or bands[-1].upto is not None:
            raise self.err(where, "the last band must have no 'upto' (it covers the rest)")
        return Banded(self.fact(raw["by"], f"{where}.by"), tuple(bands))

    def points(self, raw: Any, where: str) -> Points:
        if isinstance(raw, int | float):
            return (float(raw), float(raw))
        if isinstance(raw, list) and len(raw) == 2 and all(isinstance(x, int | float) for x in raw):
            return (float(raw[0]), float(raw[1]))
        raise self.err(where, "points must be a number or [low, high]")

    def item(self, raw: Any, where: str) -> Item:
        allowed = {
            "id",
            "title",
            "max",
            "cases",
            "fact",
            "bands",
            "best_of",
            "items",
            "expert",
            "min_points",
            "basis",
            "unit",
        }
        raw = self.keys(raw, where, allowed, {"id", "title", "max"})
        kinds = [k for k in ("cases", "bands", "best_of", "items", "expert") if k in raw]
        if len(kinds) != 1:
            raise self.err(where, "give exactly one of cases, fact+bands, best_of, items, expert")
        kind = kinds[0]
        cases: tuple[Case, ...] = ()
        expert: Points | None = None
        subs: tuple[Item, ...] = ()
        if kind == "cases":
            cases = self.cases(raw["cases"], f"{where}.cases")
        elif kind == "bands":
            fact = self.fact(raw.get("fact"), f"{where}.fact")
            unit = str(raw.get("unit", ""))
            cases = self.bands(fact, raw["bands"], f"{where}.bands", unit)
        elif kind == "expert":
            expert = self.points(raw["expert"], f"{where}.expert")
        else:
            subs = tuple(
                self.item(s, f"{where}.{kind}[{i}]") for i, s in enumerate(raw[kind] or [])
            )
            if not subs:
                raise self.err(f"{where}.{kind}", "expected a non-empty list of items")
        return Item(
            str(raw["id"]),
            str(raw["title"]),
            float(raw["max"]),
            cases=cases,
            expert=expert,
            min_points=raw.get("min_points"),
            basis=str(raw.get("basis", "")),
            best_of=subs if kind == "best_of" else (),
            items=subs if kind == "items" else (),
        )

    def cases(self, raw: Any, where: str) -> tuple[Case, ...]:
        if not isinstance(raw, list) or not raw:
            raise self.err(where, "expected a non-empty list of cases")
        out = []
        for i, case in enumerate(raw):
            case = self.keys(case, f"{where}[{i}]", {"when", "points"}, {"points"})
            when = self.test(case["when"], f"{where}[{i}].when") if "when" in case else None
            out.append(Case(self.points(case["points"], f"{where}[{i}].points"), when))
        if out[-1].when is not None:
            raise self.err(where, "the last case must have no 'when' (the default)")
        return tuple(out)

    def bands(self, fact: str, raw: Any, where: str, unit: str = "") -> tuple[Case, ...]:
        if not isinstance(raw, list) or not raw:
            raise self.err(where, "expected a non-empty list of bands")
        out = []
        for i, band in enumerate(raw):
            band = self.keys(band, f"{where}[{i}]", {"min", "points"}, {"points"})
            low = amount(self.number(band["min"], f"{where}[{i}].min")) if "min" in band else None
            when = Compare(fact, ">=", low, unit) if low is not None else None
            out.append(Case(self.points(band["points"], f"{where}[{i}].points"), when))
        if out[-1].when is not None:
            raise self.err(where, "the last band must have no 'min' (the rest)")
        return tuple(out)

    def rubric(self, raw: Any, where: str) -> Rubric:
        raw = self.keys(
            raw,
            where,
            {"id", "title", "article", "max", "pass_min", "items", "veto"},
            {"id", "title", "article", "max", "pass_min", "items"},
        )
        items = tuple(self.item(s, f"{where}.items[{i}]") for i, s in enumerate(raw["items"] or []))
        return Rubric(
            str(raw["id"]),
            str(raw["title"]),
            str(raw["article"]),
            float(raw["max"]),
            float(raw["pass_min"]),
            items,
            tuple(raw.get("veto") or ()),
        )

    def condition(self, raw: Any, where: str) -> Condition:
        raw = self.keys(
            raw,
            where,
            {
                "id",
                "title",
                "article",
                "kind",
                "test",
                "required",
                "evidence",
                "needs",
                "unit",
                "applies_when",
            },
            {"id", "title", "article"},
        )
        kind = raw.get("kind", "check")
        if kind not in ("check", "manual"):
            raise self.err(f"{where}.kind", "use check or manual")
        if kind == "check" and "test" not in raw:
            raise self.err(where, "a check condition needs a 'test'")
        if kind == "manual" and not raw.get("evidence"):
            raise self.err(where, "a manual condition lists the 'evidence' an expert looks at")
        test = self.test(raw["test"], f"{where}.test") if "test" in raw else None
        needs = tuple(self.fact(n, f"{where}.needs") for n in raw.get("needs") or ())
        applies = raw.get("applies_when")
        applies_when = self.test(applies, f"{where}.applies_when") if applies else None
        return Condition(
            str(raw["id"]),
            str(raw["title"]),
            str(raw["article"]),
            kind,
            test,
            str(raw.get("required", "")),
            tuple(raw.get("evidence") or ()),
            needs,
            str(raw.get("unit", "")),
            applies_when,
        )

    def version(self, raw: Any, where: str) -> RuleVersion:
        raw = self.keys(
            raw,
            where,
            {"label", "document", "effective", "expires", "conditions", "rubrics", "note"},
            {"label", "document", "effective", "conditions"},
        )
        conditions = tuple(
            self.condition(c, f"{where}.conditions[{i}]")
            for i, c in enumerate(raw["conditions"] or [])
        )
        rubrics = tuple(
            self.rubric(r, f"{where}.rubrics[{i}]") for i, r in enumerate(raw.get("rubrics") or [])
        )
        return RuleVersion(
            str(raw["label"]),
            str(raw["document"]),
            _date(raw["effective"], where),
            _date(raw["expires"], where) if raw.get("expires") else None,
            conditions,
            rubrics,
            str(raw.get("note", "")),
        )


def _date(value: Any, where: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise RuleFormatError(f"at '{where}': {value!r} is not a date YYYY-MM-DD") from exc


def parse_rules(raw: Any, is_fact: Any) -> ProgramRules:
    """Parse a ``rules.yaml`` mapping.

    Args:
        raw: The parsed YAML.
        is_fact: Predicate telling whether a fact name exists.

    Raises:
        RuleFormatError: the format is not followed; the message names the path.
    """
    parser = _Parser(is_fact)
    raw = parser.keys(raw, "(top)", {"program", "versions"}, {"program", "versions"})
    if not isinstance(raw["versions"], list) or not raw["versions"]:
        raise RuleFormatError("at 'versions': expected a non-empty list")
    versions = tuple(parser.version(v, f"versions[{i}]") for i, v in enumerate(raw["versions"]))
    ordered = sorted(versions, key=lambda v: v.effective)
    for earlier, later in itertools.pairwise(ordered):
        if earlier.expires is None or earlier.expires >= later.effective:
            raise RuleFormatError(
                f"at 'versions': '{earlier.label}' overlaps '{later.label}'; set its 'expires' "
                f"before {later.effective.isoformat()}"
            )
    for version in versions:
        rubric_ids = {r.id for r in version.rubrics}
        for cond in version.conditions:
            for ref in _score_refs(cond.test):
                if ref not in rubric_ids:
                    raise RuleFormatError(
                        f"at '{version.label}' condition '{cond.id}': unknown rubric '{ref}'"
                    )
    return ProgramRules(str(raw["program"]), tuple(ordered), frozenset(parser.facts))


def _score_refs(test: Test | None) -> list[str]:
    if isinstance(test, ScoreTest):
        return [test.rubric]
    if isinstance(test, AllOf | AnyOf):
        return [r for part in test.parts for r in _score_refs(part)]
    if isinstance(test, Not):
        return _score_refs(test.part)
    return []


def is_known_fact(name: str, derived: frozenset[str], schema_paths: frozenset[str]) -> bool:
    """Whether ``name`` is a derived fact or a profile path the schema defines.

    Year-keyed paths are written with the year, ``financials.2025.revenue``; rules use the
    derived yearly facts instead, so only non-year paths are accepted here.

    >>> is_known_fact("employees", frozenset(), frozenset({"employees"}))
    True
    >>> is_known_fact("staff", frozenset(), frozenset({"employees"}))
    False
    """
    return name in derived or name in schema_paths
