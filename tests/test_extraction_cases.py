"""Company facts from Chinese text: the named cases in tests/cases/extraction/*.yaml.

Each case lists every fact its text states; the extractor must find exactly those.
Design decision: a Shandong city implies ``region.province: 山东省`` (there is one 济南),
so that fact is expected whenever such a city is named.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from assistant.chat.extract import extract_facts
from assistant.config import PROJECT_ROOT
from assistant.core.knowledge import load_knowledge

WORDS = load_knowledge(PROJECT_ROOT / "knowledge").vocabulary
CASES_DIR = Path(__file__).parent / "cases" / "extraction"
CASES = [
    case
    for path in sorted(CASES_DIR.glob("*.yaml"))
    for case in yaml.safe_load(path.read_text(encoding="utf-8"))
]
SHANDONG = (
    "济南市",
    "青岛市",
    "淄博市",
    "枣庄市",
    "东营市",
    "烟台市",
    "潍坊市",
    "济宁市",
    "泰安市",
    "威海市",
    "日照市",
    "临沂市",
    "德州市",
    "聊城市",
    "滨州市",
    "菏泽市",
)


def _expected(case):
    expect = dict(case["expect"] or {})
    if expect.get("region.city") in SHANDONG:
        expect.setdefault("region.province", "山东省")
    return expect


def _normal(facts):
    out = {}
    for key, value in facts.items():
        if key.startswith("_"):
            continue
        if key == "qualifications":
            value = sorted(value)
        elif isinstance(value, float) and value.is_integer():
            value = int(value)
        out[key] = value
    return out


def test_there_are_enough_cases():
    assert len(CASES) >= 60
    assert sum(1 for c in CASES if not c["expect"]) >= 8


@pytest.mark.parametrize("case", CASES, ids=[c["text"][:30] for c in CASES])
def test_extraction_case(case):
    day = case.get("as_of") or dt.date(2026, 11, 22)
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    got = _normal(extract_facts(case["text"], day, WORDS).facts)
    assert got == _normal(_expected(case))
