"""The rules engine on small hand-made rules: operators, logic, bands, scores, versions."""

from __future__ import annotations

import datetime as dt

import pytest

from assistant.core.eligibility import Evaluator
from assistant.core.facts import Facts
from assistant.core.profile import validate_profile
from assistant.core.rules import RuleFormatError, parse_rules

DAY = dt.date(2026, 11, 22)


def _rules(conditions, rubrics=None, **version):
    raw = {
        "program": "demo",
        "versions": [
            {
                "label": "v1",
                "document": "d",
                "effective": "2020-01-01",
                "conditions": conditions,
                "rubrics": rubrics or [],
                **version,
            }
        ],
    }
    return parse_rules(raw, lambda name: True)


def _eval(rules, profile, day=DAY):
    version = rules.version_on(day)
    return Evaluator(version, Facts(validate_profile(profile), day))


def _status(test, profile, rubrics=None):
    rules = _rules([{"id": "demo.c", "title": "t", "article": "a", "test": test}], rubrics)
    ev = _eval(rules, profile)
    return ev.test(rules.versions[0].conditions[0].test).status


@pytest.mark.parametrize(
    ("op", "value", "actual", "expected"),
    [
        (">=", 10, 10, "pass"),
        (">=", 10, 9.99, "fail"),
        (">", 10, 10, "fail"),
        ("<=", 500, 500, "pass"),
        ("<=", 500, 501, "fail"),
        ("<", 5, 4, "pass"),
        ("==", 3, 3, "pass"),
        ("!=", 3, 3, "fail"),
        ("in", [1, 2], 2, "pass"),
        ("not_in", [1, 2], 3, "pass"),
    ],
)
def test_comparison_operators(op, value, actual, expected):
    test = {"fact": "equity_financing_2y", "op": op, "value": value}
    assert _status(test, {"equity_financing_2y": actual}) == expected


def test_missing_fact_is_unknown_and_explicit_false_is_known():
    test = {"fact": "compliance.bad_credit_3y", "op": "is_false"}
    assert _status(test, {}) == "unknown"
    assert _status(test, {"compliance": {"bad_credit_3y": False}}) == "pass"
    assert _status(test, {"compliance": {"bad_credit_3y": True}}) == "fail"


@pytest.mark.parametrize(
    ("compliance", "one_year", "three_years"),
    [
        ({"major_incident_last_3y": False}, "pass", "pass"),  # none in 3 years: none last year
        ({"major_incident_last_3y": True}, "unknown", "fail"),  # it may have been earlier
        ({"major_incident_last_year": True}, "fail", "fail"),  # last year is within 3 years
        ({"major_incident_last_year": False}, "pass", "unknown"),
    ],
)
def test_an_incident_answer_for_one_period_settles_the_nested_one(
    compliance, one_year, three_years
):
    profile = {"compliance": compliance}
    last_year = {"fact": "compliance.major_incident_last_year", "op": "is_false"}
    last_3y = {"fact": "compliance.major_incident_last_3y", "op": "is_false"}
    assert _status(last_year, profile) == one_year
    assert _status(last_3y, profile) == three_years


def test_known_loss_years_in_a_row_fail_a_cap_whatever_the_missing_years_hold():
    test = {"fact": "max_consecutive_loss_years_5y", "op": "<", "value": 2}
    two = {"financials": {"2024": {"loss": True}, "2025": {"net_profit": -30}}}
    apart = {"financials": {"2023": {"loss": True}, "2025": {"loss": True}}}
    assert _status(test, two) == "fail"
    assert _status(test, apart) == "unknown"  # 2024 (and 2021–2022) may join them
    none = {"financials": {str(y): {"loss": False} for y in range(2021, 2026)}}
    assert _status(test, none) == "pass"


def test_net_assets_stated_stand_in_for_assets_less_liabilities():
    test = {"fact": "net_asset_growth", "op": ">=", "value": 20}
    stated = {
        "financials": {
            "2023": {"net_assets": 1000},
            "2024": {"net_assets": 1200},
            "2025": {"net_assets": 1500},
        }
    }
    assert _status(test, stated) == "pass"  # ½ × (1.2 + 1.25) − 1 = 22.5%
    derived = {
        "financials": {
            y: {"total_assets": a, "total_liabilities": 500}
            for y, a in (("2023", 1500), ("2024", 1700), ("2025", 2000))
        }
    }
    assert _status(test, derived) == "pass"


def test_all_any_not_follow_four_valued_logic():
    known_pass = {"fact": "employees", "op": ">=", "value": 1}
    known_fail = {"fact": "employees", "op": ">=", "value": 1000}
    unknown = {"fact": "tech_staff", "op": ">=", "value": 1}
    p = {"employees": 10}
    assert _status({"all": [known_pass, unknown]}, p) == "unknown"
    assert _status({"all": [known_fail, unknown]}, p) == "fail"
    assert _status({"any": [known_fail, unknown]}, p) == "unknown"
    assert _status({"any": [known_pass, unknown]}, p) == "pass"
    assert _status({"not": known_fail}, p) == "pass"
    assert (
        _status(
            {"fact": "qualifications", "op": "contains", "value": "hnte"},
            {"qualifications": ["hnte"]},
        )
        == "pass"
    )


def test_banded_threshold_picks_the_band_by_another_fact():
    test = {
        "fact": "equity_financing_2y",
        "op": ">=",
        "value": {
            "by": "niche_market_years",
            "bands": [{"upto": 10, "value": 5, "label": "small"}, {"value": 3, "label": "large"}],
        },
    }
    assert _status(test, {"equity_financing_2y": 4, "niche_market_years": 10}) == "fail"  # band 1
    assert _status(test, {"equity_financing_2y": 4, "niche_market_years": 10.5}) == "pass"
    assert _status(test, {"equity_financing_2y": 4}) == "unknown"


RUBRIC = [
    {
        "id": "demo.score",
        "title": "得分",
        "article": "a",
        "max": 100,
        "pass_min": 60,
        "veto": ["staff"],
        "items": [
            {
                "id": "staff",
                "title": "人员",
                "max": 20,
                "fact": "employees",
                "bands": [{"min": 100, "points": 20}, {"min": 10, "points": 4}, {"points": 0}],
            },
            {
                "id": "ip",
                "title": "知识产权",
                "max": 30,
                "cases": [
                    {"when": {"fact": "ip_class_i", "op": ">=", "value": 1}, "points": 30},
                    {"points": 0},
                ],
            },
            {"id": "expert", "title": "专家", "max": 50, "expert": [10, 50]},
        ],
    }
]


def test_score_ranges_and_statuses():
    def score(profile):
        rules = _rules(
            [{"id": "demo.c", "title": "t", "article": "a", "test": {"score": "demo.score"}}],
            RUBRIC,
        )
        return _eval(rules, profile).score("demo.score")

    full = score({"employees": 100, "ip": {"invention_patents": 1}})
    assert (full.low, full.high, full.status) == (60, 100, "pass")
    short = score({"employees": 10, "ip": {}})
    assert (short.low, short.high, short.status) == (14, 54, "fail")
    review = score({"employees": 10, "ip": {"invention_patents": 1}})
    assert (review.low, review.high, review.status) == (44, 84, "manual")
    vetoed = score({"employees": 5, "ip": {"invention_patents": 1}})
    assert vetoed.status == "fail"
    assert "人员" in vetoed.reason
    unknown = score({"employees": 100})
    assert unknown.status == "unknown"
    assert "ip" in unknown.missing


def test_versions_are_chosen_by_date_and_must_not_overlap():
    raw = {
        "program": "demo",
        "versions": [
            {
                "label": "old",
                "document": "d",
                "effective": "2022-06-01",
                "expires": "2026-03-31",
                "conditions": [],
            },
            {"label": "new", "document": "d", "effective": "2026-04-01", "conditions": []},
        ],
    }
    rules = parse_rules(raw, lambda n: True)
    assert rules.version_on(dt.date(2026, 3, 31)).label == "old"
    assert rules.version_on(dt.date(2026, 4, 1)).label == "new"
    assert rules.version_on(dt.date(2020, 1, 1)) is None
    raw["versions"][0]["expires"] = "2026-04-01"
    with pytest.raises(RuleFormatError, match="overlaps"):
        parse_rules(raw, lambda n: True)


@pytest.mark.parametrize(
    ("test", "message"),
    [
        ({"fact": "employees", "op": "approx", "value": 1}, "unknown operator"),
        ({"fact": "nonsense", "op": ">=", "value": 1}, "unknown fact"),
        ({"fact": "employees", "op": ">="}, "needs a 'value'"),
        ({"fact": "employees", "op": ">=", "value": 1, "colour": "red"}, "unknown key"),
        ({"score": "demo.nothere"}, "unknown rubric"),
    ],
)
def test_malformed_rules_are_rejected_with_their_path(test, message):
    raw = {
        "program": "demo",
        "versions": [
            {
                "label": "v",
                "document": "d",
                "effective": "2020-01-01",
                "conditions": [{"id": "demo.c", "title": "t", "article": "a", "test": test}],
            }
        ],
    }
    with pytest.raises(RuleFormatError, match=message):
        parse_rules(raw, lambda n: n != "nonsense")


def test_derived_facts_compute_the_contract_figures():
    profile = validate_profile(
        {
            "registered_on": "2025-11-22",
            "financials": {
                "2023": {
                    "revenue": 3000,
                    "rd_expense": 150,
                    "total_assets": 100,
                    "total_liabilities": 50,
                },
                "2024": {
                    "revenue": 4000,
                    "rd_expense": 200,
                    "total_assets": 150,
                    "total_liabilities": 50,
                },
                "2025": {
                    "revenue": 5200,
                    "rd_expense": 300,
                    "total_assets": 300,
                    "total_liabilities": 100,
                },
            },
        }
    )
    facts = Facts(profile, DAY)
    assert facts.get("days_registered").value == 365
    # a firm registered in 2025 uses its actual operating period: only 2025
    assert facts.get("rd_ratio_3y").value == pytest.approx(300 / 5200 * 100)
    assert facts.get("rd_ratio_3y").value != round(300 / 5200 * 100, 4)  # no rounding
    older = Facts(validate_profile({**profile.data, "registered_on": "2010-01-01"}), DAY)
    assert older.get("rd_ratio_3y").value == pytest.approx(650 / 12200 * 100)
    # net assets 50 -> 100 -> 200: ½ × (2 + 2) − 1 = 100 %
    assert older.get("net_asset_growth").value == pytest.approx(100)
    assert older.get("revenue_cagr_2y").value == pytest.approx(((5200 / 3000) ** 0.5 - 1) * 100)


def test_a_sub_minimum_that_is_not_yet_certain_keeps_the_score_open():
    rubric = [
        {
            "id": "demo.score",
            "title": "得分",
            "article": "a",
            "max": 100,
            "pass_min": 30,
            "items": [
                {
                    "id": "growth",
                    "title": "成长性",
                    "max": 30,
                    "min_points": 15,
                    "items": [
                        {
                            "id": "g1",
                            "title": "增长",
                            "max": 30,
                            "fact": "equity_financing_2y",
                            "bands": [
                                {"min": 10, "points": 30},
                                {"min": 5, "points": 10},
                                {"points": 0},
                            ],
                        }
                    ],
                },
                {"id": "fixed", "title": "其他", "max": 70, "expert": [40, 70]},
            ],
        }
    ]
    rules = _rules(
        [{"id": "demo.c", "title": "t", "article": "a", "test": {"score": "demo.score"}}], rubric
    )
    unknown = _eval(rules, {}).score("demo.score")
    assert unknown.low >= 30
    assert unknown.status == "unknown"  # 成长性 0-30 straddles its minimum of 15
    assert _eval(rules, {"equity_financing_2y": 6}).score("demo.score").status == "fail"
    assert _eval(rules, {"equity_financing_2y": 12}).score("demo.score").status == "pass"


def test_conditions_that_do_not_apply_count_as_passed():
    from assistant.core.eligibility import evaluate_condition

    rules = _rules(
        [
            {
                "id": "demo.m",
                "title": "制造业标准",
                "article": "a",
                "kind": "manual",
                "evidence": ["标准文本"],
                "applies_when": {"fact": "sector", "op": "in", "value": ["manufacturing"]},
            }
        ]
    )
    cond = rules.versions[0].conditions[0]
    assert evaluate_condition(_eval(rules, {"sector": "service"}), cond).status == "pass"
    assert evaluate_condition(_eval(rules, {"sector": "manufacturing"}), cond).status == "manual"
    assert evaluate_condition(_eval(rules, {}), cond).status == "manual"


def test_a_known_year_below_an_every_year_limit_fails_before_the_other_year_is_known():
    """「近2年每年占营业收入 ≥ 3%」: 2025 at 120 ÷ 4500 = 2.67 % already fails it, whatever
    2024 holds; with 2025 above the limit the condition waits for 2024."""
    test = {
        "all": [
            {"fact": "rd_min_last_2y", "op": ">=", "value": 100},
            {"fact": "rd_ratio_min_last_2y", "op": ">=", "value": 3},
        ]
    }
    low = {"financials": {"2025": {"revenue": 4500, "rd_expense": 120}}}
    assert _status(test, low) == "fail"
    high = {"financials": {"2025": {"revenue": 2000, "rd_expense": 120}}}
    assert _status(test, high) == "unknown"
    # a limit from above is not decided by one year's value
    assert _status({"fact": "rd_min_last_2y", "op": "<=", "value": 50}, low) == "unknown"
    facts = Facts(validate_profile(low), DAY)
    assert facts.get("rd_ratio_min_last_2y").at_most == pytest.approx(120 / 4500 * 100)
    assert not facts.get("rd_ratio_min_last_2y").known


def test_a_vetoed_score_says_why_and_asks_for_nothing_that_cannot_change_it():
    """A 0-point veto item fails the score whatever else is learnt: the condition resting on
    it asks for no more facts, and the 0 points name the figure and the band it missed."""
    rubric = [
        dict(RUBRIC[0], items=[{**RUBRIC[0]["items"][0], "unit": "人"}, *RUBRIC[0]["items"][1:]])
    ]
    rules = _rules(
        [{"id": "demo.c", "title": "t", "article": "a", "test": {"score": "demo.score"}}], rubric
    )
    ev = _eval(rules, {"employees": 5})  # the IP facts are unknown
    score = ev.score("demo.score")
    assert score.status == "fail"
    assert score.missing  # the score itself still knows what it lacks
    staff = score.items[0]
    assert staff.high == 0
    assert staff.basis.endswith("未达到 ≥ 10人"), staff.basis
    assert "未达到 ≥ 10人" in score.reason
    outcome = ev.test(rules.versions[0].conditions[0].test)
    assert outcome.status == "fail"
    assert outcome.missing == []


def test_rd_said_as_a_share_of_revenue_is_an_exact_amount_once_revenue_is_known():
    from assistant.core.exact import Ratio
    from assistant.errors import FieldError

    # 4200万 × 3.5% = 147万 exactly; without the revenue the amount stays unknown
    facts = Facts(
        validate_profile({"financials": {"2024": {"revenue": 4200, "rd_share": 3.5}}}), DAY
    )
    value = facts.year_field(2024, "rd_expense")
    assert value.value == Ratio(147)
    assert value.known
    assert "financials.2024.rd_share" in value.used
    alone = Facts(validate_profile({"financials": {"2024": {"rd_share": 3.5}}}), DAY)
    assert not alone.year_field(2024, "rd_expense").known
    # an amount said directly wins over the share
    both = {"financials": {"2024": {"revenue": 4200, "rd_share": 3.5, "rd_expense": 100}}}
    assert Facts(validate_profile(both), DAY).year_field(2024, "rd_expense").value == 100
    # last year's share is last year's ratio when the revenue is not known
    share = Facts(validate_profile({"financials": {"2025": {"rd_share": 2.8}}}), DAY)
    assert share.get("rd_ratio_last_year").value == Ratio(14, 5)
    with pytest.raises(FieldError, match="rd_share"):
        validate_profile({"financials": {"2025": {"rd_share": 280}}})
