"""The engine's fast paths give the same answers as the full computation.

The gap search evaluates thousands of changed profiles per company, so it reads facts
without composing display texts (``explain=False``) and takes over every fact that read
none of the moved fields (:meth:`Facts.reuse`), and ranking reads only the verdict part of
an assessment (``assess_verdict``). They must change nothing but the cost:
these tests compare them, fact by fact, with a fresh full computation on random profiles
drawn around the rules' lines, and check the exact-arithmetic shortcuts against
``Fraction``'s own operations.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from assistant.core.assessment import assess, assess_verdict
from assistant.core.exact import Ratio, amount, compare, exact, frac, is_number, ratio, total
from assistant.core.facts import DERIVED, Facts, FactValue
from assistant.core.knowledge import load_knowledge
from assistant.core.profile import Profile, validate_profile
from assistant.errors import InputError
from tests.reference.profiles import RandomSource, generate

_MOVED = (
    "financials.{last}.rd_expense",
    "financials.{last}.revenue",
    "financials.{prev}.rd_expense",
    "financials.{last}.total_liabilities",
    "tech_staff",
    "ip.utility_models",
    "ip.invention_patents",
)


def _profiles(count: int, seed: int) -> list[tuple[dict[str, Any], dt.date]]:
    src = RandomSource(random.Random(seed))
    return [generate(src) for _ in range(count)]


def _moved(data: dict[str, Any], path: str, by: float) -> dict[str, Any] | None:
    """A copy of ``data`` with the number at ``path`` increased (None: not a number)."""
    *parents, key = path.split(".")
    copy: dict[str, Any] = dict(data)
    node = copy
    for part in parents:
        child = node.get(part)
        if not isinstance(child, dict):
            return None
        node[part] = dict(child)
        node = node[part]
    if not is_number(node.get(key)):
        return None
    node[key] = float(frac(node[key]) + frac(by))
    return copy


def _same(a: FactValue, b: FactValue) -> bool:
    return (a.value, a.known, a.missing, a.used, a.notes) == (
        b.value,
        b.known,
        b.missing,
        b.used,
        b.notes,
    ) and type(a.value) is type(b.value)


def test_facts_without_texts_have_the_same_values() -> None:
    for data, day in _profiles(150, seed=3):
        profile = validate_profile(data)
        full, quiet = Facts(profile, day), Facts(profile, day, explain=False)
        for name in DERIVED:
            shown, bare = full.get(name), quiet.get(name)
            assert _same(shown, bare), name
            assert bare.detail == ""
        assert any(full.get(name).detail for name in DERIVED)


def test_reused_facts_equal_facts_computed_afresh() -> None:
    checked = 0
    for data, day in _profiles(150, seed=5):
        last = day.year - 1
        base = Facts(Profile(data), day, explain=False)
        for name in DERIVED:
            base.get(name)
        for pattern in _MOVED:
            path = pattern.format(last=last, prev=last - 1)
            changed = _moved(data, path, 1.25)
            if changed is None:
                continue
            reused = Facts(Profile(changed), day, explain=False)
            reused.reuse(base, (path,))
            fresh = Facts(Profile(changed), day, explain=False)
            for name in DERIVED:
                assert _same(reused.get(name), fresh.get(name)), (name, path)
            checked += 1
    assert checked > 300


def test_a_fact_reads_exactly_the_fields_it_uses() -> None:
    facts = Facts(validate_profile({"employees": 120, "tech_staff": 30}), dt.date(2026, 5, 1))
    facts.get("tech_staff_ratio")
    assert facts.reads("tech_staff_ratio") == {
        "tech_staff",
        "employees",
        "stated.tech_staff_ratio",
    }
    facts.get("ip_total")
    assert "ip" in facts.reads("ip_total")


def test_a_moved_field_is_recomputed_and_the_rest_taken_over() -> None:
    day = dt.date(2026, 5, 1)
    data = {"employees": 100, "tech_staff": 9, "ip": {"utility_models": 2}}
    base = Facts(Profile(data), day, explain=False)
    base.get("tech_staff_ratio"), base.get("ip_total")
    moved = Facts(Profile({**data, "tech_staff": 10}), day, explain=False)
    moved.reuse(base, ("tech_staff",))
    assert moved.get("tech_staff_ratio").value == 10
    assert moved.get("ip_total") is base.get("ip_total")


def test_a_fact_that_reads_the_whole_profile_is_never_taken_over(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def whole(f: Facts) -> FactValue:
        return FactValue(len(f.profile.data))

    monkeypatch.setitem(DERIVED, "field_count", whole)
    day = dt.date(2026, 5, 1)
    base = Facts(Profile({"employees": 1}), day, explain=False)
    assert base.get("field_count").value == 1
    moved = Facts(Profile({"employees": 1, "tech_staff": 1}), day, explain=False)
    moved.reuse(base, ("tech_staff",))
    assert moved.get("field_count").value == 2


def test_facts_are_reused_only_for_the_same_date_and_mode() -> None:
    profile = Profile({"employees": 1})
    base = Facts(profile, dt.date(2026, 5, 1))
    with pytest.raises(ValueError, match="same date and mode"):
        Facts(profile, dt.date(2026, 5, 2)).reuse(base, ())
    with pytest.raises(ValueError, match="same date and mode"):
        Facts(profile, dt.date(2026, 5, 1), explain=False).reuse(base, ())


_NUMBERS: list[Any] = [
    0,
    7,
    -3,
    2.5,
    174.48,
    0.1 + 0.2,
    -0.01,
    Decimal("581.6"),
    Fraction(1, 3),
    Ratio(-22, 7),
    True,
]


@pytest.mark.parametrize("a", _NUMBERS)
@pytest.mark.parametrize("b", _NUMBERS)
def test_exact_shortcuts_agree_with_fraction_operations(a: Any, b: Any) -> None:
    fa, fb = Fraction(exact(a)), Fraction(exact(b))
    for op, expected in {
        ">=": fa >= fb,
        ">": fa > fb,
        "<=": fa <= fb,
        "<": fa < fb,
        "==": fa == fb,
        "!=": fa != fb,
    }.items():
        assert compare(op, a, b) is expected
    assert total([a, b, a]) == fa + fb + fa
    assert type(total([a, b])) is Ratio
    if fb:
        quotient = ratio(a, b)
        assert quotient == fa / fb
        assert type(quotient) is Ratio
        assert ratio(a, b, 100) == fa / fb * 100
    else:
        with pytest.raises(ZeroDivisionError):
            ratio(a, b)
    assert amount(a) == fa
    assert type(amount(a)) is Ratio
    assert frac(a) == fa


def test_is_number_keeps_truth_values_and_text_out() -> None:
    assert [is_number(v) for v in (1, 1.5, Decimal(2), Fraction(1, 2), Ratio(1, 2))] == [True] * 5
    assert not any(is_number(v) for v in (True, False, None, "3", [1]))


def test_the_verdict_part_equals_the_full_assessment() -> None:
    knowledge = load_knowledge(Path(__file__).parent.parent / "knowledge")
    for data, day in _profiles(60, seed=11):
        profile = validate_profile(data)
        for program in knowledge.rules:
            try:
                full = assess(knowledge, program, profile, day)
            except InputError:
                with pytest.raises(InputError):
                    assess_verdict(knowledge, program, profile, day)
                continue
            brief = assess_verdict(knowledge, program, profile, day)
            assert brief == {
                "program": full["program"],
                "program_name": full["program_name"],
                "rules_version": full["rules_version"],
                "verdict": full["verdict"],
                "conditions": [
                    {"id": c["id"], "status": c["status"], "missing": c["missing"]}
                    for c in full["conditions"]
                ],
                "missing_fields": full["missing_fields"],
            }
