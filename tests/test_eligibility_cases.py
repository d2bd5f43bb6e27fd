"""Named eligibility cases: eval/sets/eligibility/*.yaml run through the real engine.

Each case is a small YAML mapping (see eval/sets/eligibility/README.md): a program, an
application date, a profile (optionally a base profile from tests/data/profiles/ deep-merged
with overrides, where ``null`` deletes a key) and the expected verdict and condition statuses.
The expectations were computed by hand from the domain facts (facts.md), independently of the
engine, so a failure here means the engine, a rule or the case is wrong. The evaluation
harness (``python -m eval run --set eligibility``) reports the same cases as accuracies.
"""

from __future__ import annotations

from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from assistant.core.knowledge import PROGRAM_IDS, Knowledge, load_knowledge
from eval.eligibility import as_of, load_cases, run_case

PROJECT = Path(__file__).parent.parent

CASE_KEYS = {"name", "program", "as_of", "base", "profile", "expect", "source", "note"}
EXPECT_KEYS = {"verdict", "conditions"}
VERDICTS = {"eligible", "not_eligible", "insufficient_info", "needs_review"}
STATUSES = {"pass", "fail", "unknown", "manual"}
MIN_CASES = 80
MIN_HNTE_TECH_SME = 50
MIN_PER_PROGRAM = 3

CASES = load_cases()


@cache
def _knowledge() -> Knowledge:
    return load_knowledge(PROJECT / "knowledge")


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
    if case["program"] not in knowledge.rules:
        pytest.fail(f"{case['program']} has no rules.yaml yet")
    result = run_case(knowledge, case)
    assert not result.problems, (
        f"{case['_file']} [{result.rules_version}] source {case['source']}:\n  "
        + "\n  ".join(result.problems)
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
        version = rules.version_on(as_of(case))
        known = {c.id for c in version.conditions} if version else set()
        for cid in (case.get("expect") or {}).get("conditions") or {}:
            if cid not in known:
                problems.append(f"{case['_file']} ({case.get('name')}): {cid} not in {program}")
    assert not problems, "\n".join(problems)
