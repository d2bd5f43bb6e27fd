"""Matching and gaps: every suggested change is the true minimum, checked by the engine.

The property test perturbs the example companies (revenue, R&D, staff, IP, debt, dates),
asks for the gaps of every program, applies each suggested change and re-runs the
condition: it then passes, and the same change one unit smaller does not.
"""

from __future__ import annotations

import copy
import datetime as dt
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.config import PROJECT_ROOT
from assistant.core.calendar import to_ics, upcoming
from assistant.core.eligibility import Evaluator, evaluate_condition
from assistant.core.facts import Facts
from assistant.core.knowledge import load_knowledge
from assistant.core.matching import match, program_gaps
from assistant.core.profile import Profile, load_profile, validate_profile
from tests.conftest import TESTS

KNOWLEDGE = load_knowledge(PROJECT_ROOT / "knowledge")
PROFILES = TESTS / "data" / "profiles"
DAY = dt.date(2026, 11, 22)
BASES = {
    name: json.loads((PROFILES / f"{name}.json").read_text())
    for name in ("jinan_software", "liaocheng_bearing", "qingdao_startup")
}


def _status(program, data, condition_id, day):
    version = KNOWLEDGE.rules[program].version_on(day)
    cond = next(c for c in version.conditions if c.id == condition_id)
    return evaluate_condition(Evaluator(version, Facts(Profile(data), day)), cond).status


def _set(data, path, value):
    *parents, key = path.split(".")
    node = data
    for part in parents:
        node = node.setdefault(part, {})
    node[key] = value


def _apply(data, gaps, shrink=None):
    """Apply the gaps' changes; ``shrink`` = the gap to apply one unit smaller."""
    out = copy.deepcopy(data)
    for gap in gaps:
        for path, new in gap["change"].items():
            old = Profile(data).get(path)
            old = 0 if not isinstance(old, int | float) else old
            if gap is shrink:
                new = old + (new - old) * (abs(gap["delta"]) - 1) / abs(gap["delta"])
            _set(out, path, new)
    return out


def check_gaps_are_minimal(program, data, day):
    profile = validate_profile(data)
    gaps = program_gaps(KNOWLEDGE, program, profile, day)
    by_condition = {}
    for gap in gaps:
        by_condition.setdefault(gap["condition"], []).append(gap)
    for cid, cgaps in by_condition.items():
        closable = [g for g in cgaps if g["delta"] is not None]
        if not closable:
            continue
        if closable[0].get("date"):
            gap = closable[0]
            when = dt.date.fromisoformat(gap["date"])
            assert _status(program, data, cid, when) == "pass", gap
            assert _status(program, data, cid, when - dt.timedelta(days=1)) != "pass", gap
            continue
        groups = [[g] for g in closable] if closable[0]["alternative"] else [closable]
        for group in groups:
            assert _status(program, _apply(data, group), cid, day) == "pass", group
            for gap in group:
                smaller = _apply(data, group, shrink=gap)
                assert _status(program, smaller, cid, day) != "pass", (gap, "one unit less")


def test_liaocheng_gaps_for_hnte_are_exact():
    gaps = program_gaps(KNOWLEDGE, "hnte", load_profile(PROFILES / "liaocheng_bearing.json"), DAY)
    by = {g["condition"]: g for g in gaps}
    # 24 of 300 tech staff; 10% needs 30 -> 6 more
    assert (by["hnte.tech_staff_ratio"]["delta"], by["hnte.tech_staff_ratio"]["unit"]) == (6, "人")
    # R&D 750 over sales 21000 at the 4% band (2025 sales 8000) -> 840 needed -> 90 more
    assert (by["hnte.rd_expense_ratio"]["delta"], by["hnte.rd_expense_ratio"]["unit"]) == (
        90,
        "万元",
    )
    assert by["hnte.rd_expense_ratio"]["change"] == {"financials.2025.rd_expense": 390}


def test_registration_age_gap_is_a_date():
    gaps = program_gaps(KNOWLEDGE, "hnte", load_profile(PROFILES / "qingdao_startup.json"), DAY)
    [gap] = [g for g in gaps if g["condition"] == "hnte.registration_age"]
    assert gap["date"] == "2027-03-01"  # registered 2026-03-01: 365 days later
    assert gap["unit"] == "天"
    assert gap["delta"] == (dt.date(2027, 3, 1) - DAY).days


@pytest.mark.parametrize("name", list(BASES))
@pytest.mark.parametrize("program", sorted(KNOWLEDGE.rules))
def test_example_gaps_are_minimal(name, program):
    check_gaps_are_minimal(program, BASES[name], DAY)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    base=st.sampled_from(["jinan_software", "liaocheng_bearing"]),
    revenue=st.integers(min_value=500, max_value=30000),
    rd=st.integers(min_value=0, max_value=1500),
    staff=st.integers(min_value=20, max_value=600),
    tech=st.integers(min_value=0, max_value=100),
    patents=st.integers(min_value=0, max_value=5),
    debt=st.integers(min_value=10, max_value=95),
    program=st.sampled_from(sorted(KNOWLEDGE.rules)),
)
def test_every_suggested_change_is_the_true_minimum(
    base, revenue, rd, staff, tech, patents, debt, program
):
    data = copy.deepcopy(BASES[base])
    data["employees"], data["tech_staff"] = staff, min(tech, staff)
    data["ip"] = {**data.get("ip", {}), "invention_patents": patents}
    last = data["financials"]["2025"]
    last.update(
        revenue=revenue,
        rd_expense=rd,
        rd_expense_domestic=rd,
        main_business_revenue=revenue * 0.9,
        total_liabilities=last["total_assets"] * debt / 100,
    )
    check_gaps_are_minimal(program, data, DAY)


def test_ranking_puts_eligible_programs_first():
    result = match(KNOWLEDGE, load_profile(PROFILES / "jinan_software.json"), DAY)
    ranks = [p["verdict"] for p in result["programs"]]
    assert ranks[0] == "eligible"
    order = {"eligible": 0, "needs_review": 1, "insufficient_info": 2, "not_eligible": 3}
    assert [order[v] for v in ranks] == sorted(order[v] for v in ranks)
    assert [p["rank"] for p in result["programs"]] == list(range(1, 10))


def test_prerequisite_chain_to_little_giant():
    path = match(KNOWLEDGE, load_profile(PROFILES / "liaocheng_bearing.json"), DAY)
    giant = next(p for p in path["programs"] if p["program"] == "little_giant")
    texts = [s["text"] for s in giant["path"]]
    assert texts[0].startswith("先取得科技型中小企业入库登记")
    assert texts[1].startswith("先取得有效的专精特新中小企业资格")
    data = {**BASES["liaocheng_bearing"], "qualifications": ["srdi_sme"]}
    held = match(KNOWLEDGE, validate_profile(data), DAY)
    assert next(p for p in held["programs"] if p["program"] == "little_giant")["path"] == []


def test_the_srdi_prerequisite_applies_only_from_2026_04_01():
    profile = load_profile(PROFILES / "liaocheng_bearing.json")

    def srdi(day):
        return next(
            p for p in match(KNOWLEDGE, profile, day)["programs"] if p["program"] == "srdi_sme"
        )

    assert srdi(dt.date(2026, 3, 31))["path"] == []
    assert srdi(dt.date(2026, 4, 1))["path"]


def test_shortcuts_for_holders():
    data = {**BASES["jinan_software"], "qualifications": ["hnte", "haopin_shandong"]}
    result = {p["program"]: p for p in match(KNOWLEDGE, validate_profile(data), DAY)["programs"]}
    assert "直接确认" in result["tech_sme"]["shortcuts"][0]["text"]
    assert "无需重复申报" in result["quancheng_haopin"]["shortcuts"][0]["text"]
    quancheng = match(
        KNOWLEDGE, validate_profile({**BASES["jinan_software"], "qualifications": []}), DAY
    )
    q = next(p for p in quancheng["programs"] if p["program"] == "quancheng_haopin")
    assert q["path"][0]["text"].startswith("先入选山东省或济南市高端品牌培育企业")


def test_calendar_for_holders_and_the_ics_parses():
    from icalendar import Calendar

    data = {**BASES["jinan_software"], "qualifications": ["hnte", "tech_sme"]}
    events = upcoming(
        KNOWLEDGE, validate_profile(data), dt.date(2026, 11, 22), closest=["srdi_sme"]
    )
    ids = {(e["id"], e["start"]) for e in events}
    assert ("tech-sme-annual-update", "2027-03-31") in ids
    assert ("hnte-annual-report", "2027-05-31") in ids
    assert ("quality-sme-annual-update", "2027-05-31") not in ids  # not a holder of srdi_sme
    text = to_ics(events, company=data["name"], stamp=dt.datetime(2026, 11, 22, 8, 0))
    cal = Calendar.from_ical(text)
    vevents = [c for c in cal.walk() if c.name == "VEVENT"]
    assert len(vevents) == len(events)
    summaries = {str(v.get("summary")) for v in vevents}
    assert any("年度发展情况报表" in s for s in summaries)
    starts = {v.decoded("dtstart") for v in vevents}
    assert dt.date(2027, 5, 31) in starts
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))


def test_window_events_for_the_closest_programs():
    profile = validate_profile({**BASES["jinan_software"], "qualifications": []})
    events = upcoming(KNOWLEDGE, profile, dt.date(2026, 1, 1), closest=["tech_sme", "little_giant"])
    ids = [e["id"] for e in events]
    assert ids.index("little-giant-2026-online") < ids.index("tech-sme-window-2026")
    assert all(not e["official"] for e in events if e["id"] == "tech-sme-window-2026")


def test_a_figure_moved_for_two_parts_of_a_condition_is_one_gap_with_the_requirement():
    # 2026 专精特新: each of the last two years R&D ≥ 100万 and ≥ 3% of revenue. Last
    # year's 90万 of 4000万 fails both parts: +10 reaches 100万, +20 more reaches 3%
    # (120万). The user sees one move of 30万 and what the condition requires.
    data = {
        "financials": {
            "2024": {"revenue": 4000, "rd_expense": 150},
            "2025": {"revenue": 4000, "rd_expense": 90},
        }
    }
    gaps = [
        g
        for g in program_gaps(KNOWLEDGE, "srdi_sme", validate_profile(data), DAY)
        if g["unit"] == "万元"
    ]
    assert len(gaps) == 1
    assert gaps[0]["delta"] == 30
    assert "≥ 100万元" in gaps[0]["text"]
    assert "≥ 3%" in gaps[0]["text"]
    check_gaps_are_minimal("srdi_sme", data, DAY)
