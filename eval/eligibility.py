"""Named eligibility cases (eval/sets/eligibility/*.yaml) run through the real engine.

Each case is a small YAML mapping (format: eval/sets/eligibility/README.md): a program, an
application date, a profile (optionally a base profile from tests/data/profiles/ deep-merged
with overrides, where ``null`` deletes a key) and the expected verdict and condition
statuses. The expectations were computed by hand from the domain facts (facts.md),
independently of the engine, so a mismatch means the engine, a rule or the case is wrong.

Metrics: ``verdict_accuracy`` over the cases that expect a verdict; ``condition_accuracy``
over every condition status the cases give (a condition missing from the result counts as
wrong).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from eval.errors import BadInput
from eval.metrics import mean_or_none

if TYPE_CHECKING:
    from assistant.core.knowledge import Knowledge

PROJECT = Path(__file__).resolve().parent.parent
CASES_DIR = Path(__file__).parent / "sets" / "eligibility"
# Base company profiles shared with the other tests and the benchmarks.
PROFILES_DIR = PROJECT / "tests" / "data" / "profiles"


def str_keys(node: Any) -> Any:
    """YAML reads ``2025:`` as an int key; profiles key fiscal years by strings.

    >>> str_keys({2025: {"revenue": 1}, "ip": [{3: 4}]})
    {'2025': {'revenue': 1}, 'ip': [{'3': 4}]}
    """
    if isinstance(node, dict):
        return {str(k): str_keys(v) for k, v in node.items()}
    if isinstance(node, list):
        return [str_keys(v) for v in node]
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


def load_cases(folder: Path = CASES_DIR) -> list[dict[str, Any]]:
    """Every case of every ``*.yaml`` file, each with ``_file`` saying where it came from.

    Raises:
        ValueError: a file is not a list of mappings.
    """
    cases: list[dict[str, Any]] = []
    for path in sorted(folder.glob("*.yaml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        if not isinstance(raw, list):
            raise ValueError(f"{path}: expected a YAML list of cases")
        for i, case in enumerate(raw):
            if not isinstance(case, dict):
                raise ValueError(f"{path}[{i}]: a case is a mapping")
            cases.append({**case, "_file": f"{path.name}[{i}]"})
    return cases


def as_of(case: dict[str, Any]) -> dt.date:
    """The case's application date."""
    value = case["as_of"]
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def build_profile(case: dict[str, Any], profiles: Path = PROFILES_DIR) -> dict[str, Any]:
    """The case's profile: base JSON (if any) deep-merged with ``profile``."""
    base: dict[str, Any] = {}
    if case.get("base"):
        base = json.loads((profiles / f"{case['base']}.json").read_text(encoding="utf-8"))
    return deep_merge(base, str_keys(case.get("profile") or {}))


@dataclass
class CaseResult:
    """One case compared with the engine's assessment."""

    case: dict[str, Any]
    verdict: str | None
    statuses: dict[str, str]
    rules_version: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def program(self) -> str:
        """The case's program id."""
        return str(self.case["program"])

    @property
    def verdict_ok(self) -> bool | None:
        """Whether the expected verdict was given (None: the case expects none)."""
        want = self.case["expect"].get("verdict")
        return None if want is None else self.verdict == want

    @property
    def condition_hits(self) -> list[bool]:
        """One entry per expected condition status: whether the engine agreed."""
        expected = self.case["expect"].get("conditions") or {}
        return [self.statuses.get(cid) == status for cid, status in expected.items()]


def run_case(knowledge: Knowledge, case: dict[str, Any]) -> CaseResult:
    """Assess the case's profile and compare with its expectations."""
    from assistant.core.assessment import assess
    from assistant.core.profile import validate_profile

    profile = validate_profile(build_profile(case), source=case["_file"])
    result = assess(knowledge, case["program"], profile, as_of(case))
    statuses: dict[str, str] = {c["id"]: c["status"] for c in result["conditions"]}
    out = CaseResult(case, result["verdict"], statuses, result["rules_version"])
    expect = case["expect"]
    for cid, status in (expect.get("conditions") or {}).items():
        if statuses.get(cid) != status:
            cond = next((c for c in result["conditions"] if c["id"] == cid), None)
            why = cond["explanation"] if cond else "(no such condition in the version applied)"
            out.problems.append(f"{cid}: expected {status}, got {statuses.get(cid)} — {why}")
    if "verdict" in expect and result["verdict"] != expect["verdict"]:
        others = {k: v for k, v in statuses.items() if v != "pass"}
        out.problems.append(
            f"verdict: expected {expect['verdict']}, got {result['verdict']} "
            f"(non-passing conditions: {others})"
        )
    return out


def run(knowledge: Knowledge, cases: list[dict[str, Any]]) -> list[CaseResult]:
    """Every case through the engine.

    Raises:
        BadInput: a case is malformed (unknown program or base profile, invalid profile).
    """
    from assistant.errors import AssistantError

    out = []
    for case in cases:
        try:
            out.append(run_case(knowledge, case))
        except (AssistantError, OSError, KeyError, ValueError) as exc:
            where = f"{case.get('_file')} ({case.get('name')!r})"
            raise BadInput(f"eligibility case {where}: {exc}") from exc
    return out


def metrics(results: list[CaseResult]) -> dict[str, float | None]:
    """Verdict accuracy and per-condition accuracy (rounded to 4 places; None when no case
    gives a verdict or a condition status)."""
    verdicts = mean_or_none(r.verdict_ok for r in results if r.verdict_ok is not None)
    conditions = mean_or_none(hit for r in results for hit in r.condition_hits)
    return {
        "verdict_accuracy": None if verdicts is None else round(verdicts, 4),
        "condition_accuracy": None if conditions is None else round(conditions, 4),
    }


def counts(results: list[CaseResult]) -> dict[str, int]:
    """How many cases, verdicts and condition statuses were checked."""
    return {
        "cases": len(results),
        "verdicts": sum(r.verdict_ok is not None for r in results),
        "conditions": sum(len(r.condition_hits) for r in results),
    }
