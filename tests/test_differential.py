"""The engine against an independent reference (tests/reference/), condition by condition.

Profiles are drawn on the lines the rules draw (see tests/reference/profiles.py); 1,000 per
run under hypothesis, from the seed in the pytest header (``DIFFERENTIAL_SEED`` repeats a
run). A planted off-by-one in a copy of the rules data must be caught.
"""

from __future__ import annotations

import os
import re
import shutil
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from assistant.core.knowledge import Knowledge, load_knowledge
from tests.reference import conditions
from tests.reference.differential import SEED, disagreements, run
from tests.reference.profiles import HypothesisSource, generate

PROJECT = Path(__file__).parent.parent
OFFICIAL = Path(__file__).parent / "data" / "official"
EXAMPLES = int(os.environ.get("DIFFERENTIAL_EXAMPLES", "1000"))


@cache
def _knowledge() -> Knowledge:
    return load_knowledge(PROJECT / "knowledge")


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@seed(SEED)
@given(st.data())
def test_engine_agrees_with_the_reference_on_every_condition(data: st.DataObject) -> None:
    profile, as_of = generate(HypothesisSource(data))
    bad = disagreements(_knowledge(), profile, as_of)
    assert not bad, (
        f"engine and reference disagree (seed {SEED}; repeat with DIFFERENTIAL_SEED={SEED}) "
        f"on {as_of}: {bad}"
    )


def test_the_reference_quotes_its_sources_word_for_word() -> None:
    for name, quotes in conditions.QUOTES.items():
        text = (OFFICIAL / name).read_text(encoding="utf-8")
        for quote in quotes:
            assert quote in text, f"{name}: {quote!r}"


# Each plant moves one threshold by one unit (or makes a bound strict); the generator is
# aimed at the lines that threshold draws, so a few hundred profiles are enough.
PLANTS = {
    "registration 365 -> 366 days": (
        ("none",),
        "hnte",
        '{fact: days_registered, op: ">=", value: 365',
        '{fact: days_registered, op: ">=", value: 366',
    ),
    "R&D band edge 5000 -> 4999.99": (
        ("rd_band_edge",),
        "hnte",
        "{upto: 5000, value: 5",
        "{upto: 4999.99, value: 5",
    ),
    "tech staff >= 10 -> > 10": (
        ("staff_line",),
        "hnte",
        '{fact: tech_staff_ratio, op: ">=", value: 10',
        '{fact: tech_staff_ratio, op: ">", value: 10',
    ),
    "size 500 -> 499 staff": (
        ("size_line",),
        "tech_sme",
        '{fact: employees, op: "<=", value: 500',
        '{fact: employees, op: "<=", value: 499',
    ),
    "debt ratio <= 80 -> < 80": (
        ("srdi_debt_line",),
        "srdi_sme",
        '{fact: debt_ratio_last_year, op: "<=", value: 80',
        '{fact: debt_ratio_last_year, op: "<", value: 80',
    ),
}


@pytest.mark.parametrize("plant", sorted(PLANTS))
def test_a_planted_off_by_one_is_caught(plant: str, tmp_path: Path) -> None:
    focuses, program, before, after = PLANTS[plant]
    kb = tmp_path / "knowledge"
    shutil.copytree(PROJECT / "knowledge", kb)
    rules = kb / "programs" / program / "rules.yaml"
    text = rules.read_text(encoding="utf-8")
    assert text.count(before) >= 1, f"the plant no longer matches the rules: {before!r}"
    rules.write_text(text.replace(before, after), encoding="utf-8")
    planted = load_knowledge(kb)
    report = run(planted, 200, seed=20261122, focuses=focuses)
    assert report.disagreements > 0, f"{plant}: not caught in {report.profiles} profiles"
    clean = run(_knowledge(), 200, seed=20261122, focuses=focuses)
    assert clean.disagreements == 0, clean.examples


def test_the_plants_edit_only_one_threshold() -> None:
    for _, program, before, after in PLANTS.values():
        text = (PROJECT / "knowledge" / "programs" / program / "rules.yaml").read_text()
        assert text.count(before) == 1
        changed = [(a, b) for a, b in zip(before, after, strict=False) if a != b]
        assert changed
        assert re.sub(r"[\d.<>=]", "", before) == re.sub(r"[\d.<>=]", "", after)
