"""Run the engine and the reference on the same profiles and list where they disagree.

Used by tests/test_differential.py (1,000 profiles under hypothesis) and by
``python -m bench.differential`` (10,000 profiles). The seed comes from the environment
variable ``DIFFERENTIAL_SEED`` (default: a random one); it is printed in the pytest header
and in the benchmark's report, so any run can be repeated exactly.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from assistant.core.assessment import assess
from assistant.core.knowledge import Knowledge
from assistant.core.profile import validate_profile
from tests.reference.conditions import PROGRAMS, SRDI_2026_FROM
from tests.reference.profiles import FOCUSES, RandomSource, generate

SEED = int(os.environ.get("DIFFERENTIAL_SEED") or random.SystemRandom().randrange(2**32))
"""This run's seed (``DIFFERENTIAL_SEED`` to repeat one)."""


def disagreements(
    knowledge: Knowledge, profile: dict[str, Any], as_of: dt.date
) -> list[dict[str, Any]]:
    """Every condition the reference reads where the engine says something else."""
    checked = validate_profile(profile, source="差分测试画像")
    out = []
    for program, reference in PROGRAMS.items():
        if program == "srdi_sme" and as_of < SRDI_2026_FROM:
            continue
        result = assess(knowledge, program, checked, as_of)
        engine = {c["id"]: c for c in result["conditions"]}
        for cid, want in reference(profile, as_of).items():
            got = engine.get(cid, {}).get("status")
            if got != want:
                explanation = engine.get(cid, {}).get("explanation", "(no such condition)")
                out.append(
                    {
                        "condition": cid,
                        "reference": want,
                        "engine": got,
                        "explanation": explanation,
                    }
                )
    return out


@dataclass
class Report:
    """The outcome of a run."""

    seed: int
    profiles: int = 0
    comparisons: int = 0
    seconds: float = 0.0
    by_condition: dict[str, dict[str, int]] = field(default_factory=dict)
    examples: list[dict[str, Any]] = field(default_factory=list)

    @property
    def disagreements(self) -> int:
        """Conditions on which engine and reference differ, over all profiles."""
        return sum(c["disagree"] for c in self.by_condition.values())


def run(
    knowledge: Knowledge,
    count: int,
    seed: int,
    keep: int = 5,
    focuses: Sequence[str] = FOCUSES,
) -> Report:
    """``count`` profiles from ``seed``; statuses tallied per condition."""
    source = RandomSource(random.Random(seed))
    report = Report(seed)
    start = time.perf_counter()
    for _ in range(count):
        profile, as_of = generate(source, focuses)
        report.profiles += 1
        bad = {d["condition"]: d for d in disagreements(knowledge, profile, as_of)}
        for program, reference in PROGRAMS.items():
            if program == "srdi_sme" and as_of < SRDI_2026_FROM:
                continue
            for cid, status in reference(profile, as_of).items():
                row = report.by_condition.setdefault(
                    cid, {"pass": 0, "fail": 0, "unknown": 0, "manual": 0, "disagree": 0}
                )
                row[status] += 1
                report.comparisons += 1
                if cid in bad:
                    row["disagree"] += 1
                    if len(report.examples) < keep:
                        report.examples.append(
                            {"as_of": as_of.isoformat(), "profile": profile, **bad[cid]}
                        )
    report.seconds = time.perf_counter() - start
    return report
