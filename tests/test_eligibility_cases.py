"""Named eligibility cases: tests/cases/eligibility/*.yaml run through the real engine.

Each case is a small YAML mapping (see tests/cases/eligibility/README.md): a program, an
application date, a profile (optionally a base profile from tests/data/profiles/ deep-merged
with overrides, where ``null`` deletes a key) and the expected verdict and condition statuses.
The expectations were computed by hand from the domain facts (facts.md), independently of the
engine, so a failure here means the engine, a rule or the case is wrong.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from assistant.core.assessment import assess
from assistant.core.knowledge import PROGRAM_IDS, Knowledge, load_knowledge
from assistant.core.profile import validate_profile

TESTS = Path(__file__).parent
PROJECT = TESTS.parent
CASES_DIR = TESTS / "cases" / "eligibility"
PROFILES_DIR = TESTS / "data" / "profiles"

CASE_KEYS = {"name", "program", "as_of", "base", "profile", "expect", "source", "note"}
EXPECT_KEYS = {"verdict", "conditions"}
VERDICTS = {"eligible", "not_eligible", "insufficient_info", "needs_review"}
STATUSES = {"pass", "fail", "unknown", "manual"}
MIN_CASES = 80
MIN_HNTE_TECH_SME = 50
MIN_PER_PROGRAM = 3


def _str_keys(node: Any) -> Any:
    """YAML reads ``2025:`` as an int key; profiles key fiscal years by strings."""
    if isinstance(node, dict):
        return {str(k): _str_keys(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_str_keys(v) for v in node]
    return node


def deep_merge(base: dict[str, Any], overlay: dict[str, Any]) -> dict[str, Any]:
    """``overlay`` merged onto a copy of ``base``: mappings merge, ``None`` deletes a key,
    anything else (lists included) replaces.

    >>> deep_merge({"a": {"b": 1, "c": 2}, "d": 3}, {"a": {"b": None, "e": 4}, "d": [1]})
    {'a': {'c': 2, 'e': 4}, 'd': [1]}
    """
    out = copy.deepcopy(base)
    for key, value in overlay.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        elif isinstance(value, dict):
            out[key] = deep_merge({}, value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _load_cases() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        assert isinstance(raw, list), f"{path.name}: expected a YAML list of cases"
        for i, case in enumerate(raw):
            assert isinstance(case, dict), f"{path.name}[{i}]: a case is a mapping"
            case = dict(case)
            case["_file"] = f"{path.name}[{i}]"
            cases.append(case)
    return cases


CASES = _load_cases()


@cache
def _knowledge() -> Knowledge:
    return load_knowledge(PROJECT / "knowledge")


def _as_of(case: dict[str, Any]) -> dt.date:
    value = case["as_of"]
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def build_profile(case: dict[str, Any]) -> dict[str, Any]:
    """The case's profile: base JSON (if any) deep-merged with ``profile``."""
    import json

    base: dict[str, Any] = {}
    if case.get("base"):
        base = json.loads((PROFILES_DIR / f"{case['base']}.json").read_text(encoding="utf-8"))
    return deep_merge(base, _str_keys(case.get("profile") or {}))


def _check_shape(case: dict[str, Any]) -> None:
    where = f"{case['_file']} ({case.get('name')!r})"
    unknown = set(case) - CASE_KEYS - {"_file"}
    assert not unknown, f"{where}: unknown keys {sorted(unknown)}"
    for key in ("name", "program", "as_of", "expect", "source"):
        assert case.get(key), f"{where}: missing '{key}'"
    assert case["program"] in PROGRAM_IDS, f"{where}: unknown program {case['program']!r}"
    expect = case["expect"]
    assert isinstance(expect, dict), f"{where}: expect must be a mapping"
    assert set(expect) <= EXPECT_KEYS, f"{where}: unknown expect keys {set(expect) - EXPECT_KEYS}"
    assert expect.get("verdict") or expect.get("conditions"), f"{where}: expects nothing"
    if "verdict" in expect:
        assert expect["verdict"] in VERDICTS, f"{where}: bad verdict {expect['verdict']!r}"
    for cid, status in (expect.get("conditions") or {}).items():
        assert status in STATUSES, f"{where}: bad status {status!r} for {cid}"
        assert cid.startswith(case["program"] + "."), (
            f"{where}: {cid} is not a {case['program']} id"
        )


@pytest.mark.parametrize("case", CASES, ids=[str(c.get("name")) for c in CASES])
def test_case(case: dict[str, Any]) -> None:
    _check_shape(case)
    knowledge = _knowledge()
    program = case["program"]
    if program not in knowledge.rules:
        pytest.fail(f"{program} has no rules.yaml yet")
    profile = validate_profile(build_profile(case), source=case["_file"])
    result = assess(knowledge, program, profile, _as_of(case))
    statuses = {c["id"]: c["status"] for c in result["conditions"]}
    expect = case["expect"]
    problems = []
    for cid, status in (expect.get("conditions") or {}).items():
        if statuses.get(cid) != status:
            cond = next((c for c in result["conditions"] if c["id"] == cid), None)
            why = cond["explanation"] if cond else "(no such condition in the version applied)"
            problems.append(f"{cid}: expected {status}, got {statuses.get(cid)} — {why}")
    if "verdict" in expect and result["verdict"] != expect["verdict"]:
        others = {k: v for k, v in statuses.items() if v != "pass"}
        problems.append(
            f"verdict: expected {expect['verdict']}, got {result['verdict']} "
            f"(non-passing conditions: {others})"
        )
    assert not problems, (
        f"{case['_file']} [{result['rules_version']}] source {case['source']}:\n  "
        + "\n  ".join(problems)
    )


def test_case_counts() -> None:
    names = Counter(str(c.get("name")) for c in CASES)
    dupes = [n for n, k in names.items() if k > 1]
    assert not dupes, f"case names must be unique: {dupes}"
    per_program = Counter(c.get("program") for c in CASES)
    assert len(CASES) >= MIN_CASES, f"only {len(CASES)} cases"
    assert per_program["hnte"] + per_program["tech_sme"] >= MIN_HNTE_TECH_SME, per_program
    thin = {p: per_program[p] for p in PROGRAM_IDS if per_program[p] < MIN_PER_PROGRAM}
    assert not thin, f"programs with fewer than {MIN_PER_PROGRAM} cases: {thin}"


def test_expected_condition_ids_exist() -> None:
    knowledge = _knowledge()
    problems = []
    for case in CASES:
        program = case.get("program")
        rules = knowledge.rules.get(str(program))
        if rules is None:
            problems.append(f"{case['_file']}: {program} has no rules")
            continue
        version = rules.version_on(_as_of(case))
        known = {c.id for c in version.conditions} if version else set()
        for cid in (case.get("expect") or {}).get("conditions") or {}:
            if cid not in known:
                problems.append(f"{case['_file']} ({case.get('name')}): {cid} not in {program}")
    assert not problems, "\n".join(problems)
