"""A registration known only to the year: the engine decides at both ends of the year.

好品山东 needs 连续经营满5年 (whole anniversaries, rules.yaml of haopin_shandong). On
2026-06-15 a company registered on 2021-01-01 has had its fifth anniversary, one registered
on 2021-12-31 has not: 「2021年注册」 alone cannot decide the condition. For 2015 both ends
are past the fifth anniversary, so the year alone decides it.
"""

from __future__ import annotations

import datetime as dt

import pytest

from assistant.chat.dialogue import assess_facts
from assistant.chat.period import match_at_ends
from assistant.config import PROJECT_ROOT
from assistant.core.assessment import assess
from assistant.core.knowledge import Knowledge, load_knowledge
from assistant.core.profile import Profile

DAY = dt.date(2026, 6, 15)
CONDITION = "haopin_shandong.operating_years"


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    return load_knowledge(PROJECT_ROOT / "knowledge")


def _status_on(knowledge: Knowledge, registered: str) -> str:
    result = assess(knowledge, "haopin_shandong", Profile({"registered_on": registered}), DAY)
    return next(c["status"] for c in result["conditions"] if c["id"] == CONDITION)


def test_the_two_ends_of_2021_really_disagree(knowledge):
    # the premise of the next test, from the engine itself
    assert _status_on(knowledge, "2021-01-01") == "pass"
    assert _status_on(knowledge, "2021-12-31") == "fail"


def test_a_year_decisive_at_one_end_only_is_open_and_asks_for_the_date(knowledge):
    assessed = assess_facts(knowledge, ["haopin_shandong"], {"registered_year": 2021}, DAY)
    [result] = assessed.results
    years = next(c for c in result["conditions"] if c["id"] == CONDITION)
    assert years["status"] == "unknown"
    assert "registered_on" in years["missing"]
    assert "取决于具体成立日期" in years["explanation"]
    assert "registered_on" in result["missing_fields"]
    assert assessed.depends_on_date == ["好品山东区域公共品牌"]
    [note] = assessed.notes
    assert "2021-01-01" in note
    assert "2021-12-31" in note
    assert "好品山东区域公共品牌的结论取决于具体日期" in note
    assert "请提供营业执照上的成立日期" in note
    assert "不受具体日期影响" not in note


def test_a_year_decisive_at_both_ends_is_decided(knowledge):
    assessed = assess_facts(knowledge, ["haopin_shandong"], {"registered_year": 2015}, DAY)
    [result] = assessed.results
    years = next(c for c in result["conditions"] if c["id"] == CONDITION)
    assert years["status"] == "pass"
    assert "registered_on" not in result["missing_fields"]
    assert assessed.depends_on_date == []
    [note] = assessed.notes
    assert "结论相同，不受具体日期影响" in note


def test_the_ranking_of_a_year_is_taken_at_both_ends(knowledge):
    facts = {"registered_year": 2021, "employees": 50}
    profiles = assess_facts(knowledge, [], facts, DAY).profiles
    assert [p.get("registered_on") for p in profiles] == ["2021-01-01", "2021-12-31"]
    ranking, depends = match_at_ends(knowledge, profiles, DAY)
    row = next(r for r in ranking["programs"] if r["program"] == "haopin_shandong")
    # at the last day alone it would be 不符合 with 「还需 … 天」; the year cannot say that
    assert row["verdict"] == "insufficient_info"
    assert CONDITION in row["unknown"]
    assert CONDITION not in row["failing"]
    assert all(g["condition"] != CONDITION for g in row["gaps"])
    assert "registered_on" in row["missing_fields"]
    assert depends == ["好品山东区域公共品牌"]
    assert [r["rank"] for r in ranking["programs"]] == list(range(1, len(ranking["programs"]) + 1))


def test_a_ranking_of_a_decisive_year_equals_the_ranking_of_either_end(knowledge):
    facts = {"registered_year": 2015, "employees": 50}
    profiles = assess_facts(knowledge, [], facts, DAY).profiles
    ranking, depends = match_at_ends(knowledge, profiles, DAY)
    assert depends == []
    assert ranking == match_at_ends(knowledge, profiles[-1:], DAY)[0]
