"""Exact arithmetic: a company exactly on a line meets it, and what is shown agrees.

Each derived ratio the rules compare is placed exactly on its line (pass) and one cent or
one person beside it (fail); the figures are chosen so that binary floating point gets
them wrong, which each test asserts first, so the test shows what exactness buys.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from assistant.core.assessment import assess
from assistant.core.exact import exact, fixed
from assistant.core.facts import Facts
from assistant.core.knowledge import Knowledge, load_knowledge
from assistant.core.matching import match
from assistant.core.profile import validate_profile

PROJECT = Path(__file__).parent.parent
DAY = dt.date(2026, 11, 22)


@cache
def _knowledge() -> Knowledge:
    return load_knowledge(PROJECT / "knowledge")


def _condition(program: str, data: dict[str, Any], cid: str, day: dt.date = DAY) -> dict[str, Any]:
    result = assess(_knowledge(), program, validate_profile(data), day)
    return next(c for c in result["conditions"] if c["id"] == cid)


def _years(**by_key: tuple[float, ...]) -> dict[str, dict[str, float]]:
    """Figures for 2023, 2024, 2025 by key."""
    years = ("2023", "2024", "2025")
    return {
        y: {k: v[i] for k, v in by_key.items() if v[i] is not None} for i, y in enumerate(years)
    }


def _hnte(rd: tuple[float, ...], revenue: tuple[float, ...]) -> dict[str, Any]:
    return {
        "registered_on": "2015-03-01",
        "financials": _years(rd_expense=rd, revenue=revenue),
    }


# ---- the two profiles of the report ---------------------------------------------------
def test_five_percent_exactly_meets_the_five_percent_line() -> None:
    rd, revenue = (174.48, 191.93, 215.19), (2871.6, 3996.0, 4764.4)
    assert sum(rd) / sum(revenue) * 100 < 5  # what floats make of it
    row = _condition("hnte", _hnte(rd, revenue), "hnte.rd_expense_ratio")
    assert row["status"] == "pass", row["explanation"]
    assert row["actual"] == "近三个会计年度研发费用总额占同期销售收入总额比例 5%"
    assert "581.6 万元 ÷ 销售收入合计 11,632 万元 = 5.00%" in row["explanation"]
    assert "符合要求" in row["explanation"]
    assert "最近一年销售收入 ≤ 5000万元" in row["required"]


def test_four_percent_exactly_meets_the_four_percent_line() -> None:
    rd, revenue = (164.89, 178.45, 165.84), (3203.12, 3118.09, 6408.29)
    assert sum(rd) / sum(revenue) * 100 < 4
    row = _condition("hnte", _hnte(rd, revenue), "hnte.rd_expense_ratio")
    assert row["status"] == "pass", row["explanation"]
    assert "509.18 万元 ÷ 销售收入合计 12,729.5 万元 = 4.00%" in row["explanation"]
    assert "5000万元以上至2亿元" in row["required"]


def test_one_cent_less_fails_and_is_not_shown_as_the_line() -> None:
    rd, revenue = (174.48, 191.93, 215.18), (2871.6, 3996.0, 4764.4)
    row = _condition("hnte", _hnte(rd, revenue), "hnte.rd_expense_ratio")
    assert row["status"] == "fail"
    # 581.59 / 11632 = 4.99991…%: never 「5%」 or 「5.00%」 next to 不符合
    assert row["actual"] == "近三个会计年度研发费用总额占同期销售收入总额比例 4.9999%"
    assert "= 4.9999%" in row["explanation"]
    assert "5.00%" not in row["explanation"]


# ---- one test per kind of derived ratio at exactly its line ---------------------------
def test_domestic_rd_share_at_sixty_percent() -> None:
    rd, home = (179.35, 81.27, 176.13), (87.35, 87.35, 87.35)
    assert sum(home) / sum(rd) * 100 < 60
    data = _hnte(rd, (100.0, 100.0, 100.0))
    data["financials"] = _years(rd_expense=rd, rd_expense_domestic=home, revenue=(100, 100, 100))
    assert _condition("hnte", data, "hnte.domestic_rd_share")["status"] == "pass"
    data["financials"]["2025"]["rd_expense_domestic"] = 87.34
    assert _condition("hnte", data, "hnte.domestic_rd_share")["status"] == "fail"


def test_hightech_revenue_share_at_sixty_percent() -> None:
    data = {"financials": {"2025": {"hightech_revenue": 9898.89, "total_income": 16498.15}}}
    assert 9898.89 / 16498.15 * 100 < 60
    assert _condition("hnte", data, "hnte.hightech_revenue_share")["status"] == "pass"
    data["financials"]["2025"]["hightech_revenue"] = 9898.88
    assert _condition("hnte", data, "hnte.hightech_revenue_share")["status"] == "fail"


def test_tech_staff_ratio_at_ten_percent_and_one_person_less() -> None:
    assert (
        _condition("hnte", {"employees": 70, "tech_staff": 7}, "hnte.tech_staff_ratio")["status"]
        == "pass"
    )
    row = _condition("hnte", {"employees": 71, "tech_staff": 7}, "hnte.tech_staff_ratio")
    assert row["status"] == "fail"
    assert row["actual"].endswith("9.86%")


def test_debt_ratio_at_eighty_percent() -> None:
    day = dt.date(2026, 6, 1)
    data = {"financials": {"2025": {"total_assets": 2993.45, "total_liabilities": 2394.76}}}
    assert 2394.76 / 2993.45 * 100 > 80  # floats would fail the firm
    assert _condition("srdi_sme", data, "srdi_sme.debt_ratio", day)["status"] == "pass"
    data["financials"]["2025"]["total_liabilities"] = 2394.77
    assert _condition("srdi_sme", data, "srdi_sme.debt_ratio", day)["status"] == "fail"


def test_main_business_share_at_eighty_percent() -> None:
    day = dt.date(2026, 6, 1)
    data = {"financials": {"2025": {"revenue": 21211.15, "main_business_revenue": 16968.92}}}
    assert 16968.92 / 21211.15 * 100 < 80
    assert _condition("srdi_sme", data, "srdi_sme.main_business_share", day)["status"] == "pass"
    data["financials"]["2025"]["main_business_revenue"] = 16968.91
    assert _condition("srdi_sme", data, "srdi_sme.main_business_share", day)["status"] == "fail"


def test_srdi_rd_intensity_at_three_percent_each_year() -> None:
    day = dt.date(2026, 6, 1)
    data = {
        "financials": {
            "2024": {"revenue": 18102.0, "rd_expense": 543.06},
            "2025": {"revenue": 18102.0, "rd_expense": 543.06},
        }
    }
    assert 543.06 / 18102.0 * 100 < 3
    assert _condition("srdi_sme", data, "srdi_sme.rd", day)["status"] == "pass"
    data["financials"]["2025"]["rd_expense"] = 543.05
    row = _condition("srdi_sme", data, "srdi_sme.rd", day)
    assert row["status"] == "fail"
    assert "2.9999%" in row["actual"]


def test_compound_revenue_growth_at_five_percent() -> None:
    day = dt.date(2026, 6, 1)
    data = {"financials": {"2023": {"revenue": 76792.0}, "2025": {"revenue": 84663.18}}}
    assert (84663.18 / 76792.0) ** 0.5 - 1 < 0.05  # √1.1025 = 1.05
    assert _condition("little_giant", data, "little_giant.revenue_growth", day)["status"] == "pass"
    data["financials"]["2025"]["revenue"] = 84663.17
    row = _condition("little_giant", data, "little_giant.revenue_growth", day)
    assert row["status"] == "fail"
    assert "5%" not in row["actual"]


def test_average_main_business_growth_at_five_percent() -> None:
    day = dt.date(2026, 3, 31)  # 63号: 近2年主营业务收入平均增长率 ≥ 5%
    figures = {"2023": 82677.0, "2024": 82677.0, "2025": 90944.7}  # ½ × (1 + 1.1) − 1 = 5 %
    data = {"financials": {y: {"main_business_revenue": v} for y, v in figures.items()}}
    assert (82677.0 / 82677.0 + 90944.7 / 82677.0) / 2 - 1 < 0.05
    row = _condition("little_giant", data, "little_giant.main_business_growth", day)
    assert row["status"] == "pass"
    data["financials"]["2025"]["main_business_revenue"] = 90944.69
    assert (
        _condition("little_giant", data, "little_giant.main_business_growth", day)["status"]
        == "fail"
    )


def _item(program: str, data: dict[str, Any], path: tuple[str, ...], day: dt.date) -> Any:
    score = assess(_knowledge(), program, validate_profile(data), day)["score"]
    node: Any = score
    for item_id in path:
        node = next(i for i in node["items"] if i["id"] == item_id)
    return node["min"], node["max_points"]


def test_tech_sme_rd_bands_include_their_lower_bound() -> None:
    data = {"financials": {"2025": {"revenue": 91024.6, "rd_expense": 4551.23}}}
    assert 4551.23 / 91024.6 * 100 < 5
    assert _item("tech_sme", data, ("rd", "rd_revenue"), DAY) == (40, 40)  # 5 % (含): 40
    data["financials"]["2025"]["rd_expense"] = 4551.22
    assert _item("tech_sme", data, ("rd", "rd_revenue"), DAY) == (30, 30)
    data["financials"]["2025"] = {"rd_expense": 5114.07, "total_costs": 17046.9}
    assert 5114.07 / 17046.9 * 100 < 30
    assert _item("tech_sme", data, ("rd", "rd_costs"), DAY) == (50, 50)  # 30 % (含): 50


def test_hnte_growth_rates_at_the_five_percent_band() -> None:
    # ½ × (Y2/Y1 + Y3/Y2) − 1 = ½ × (1.05 + 1.05) − 1 = 5 %: the 3–4 point band
    sales = {"2023": 33856.0, "2024": 35548.8, "2025": 37326.24}
    assert (35548.8 / 33856.0 + 37326.24 / 35548.8) / 2 - 1 < 0.05
    data = {
        "registered_on": "2015-03-01",
        "financials": {
            y: {"revenue": v, "total_assets": v, "total_liabilities": 0} for y, v in sales.items()
        },
    }
    assert _item("hnte", data, ("growth", "sales_growth"), DAY) == (3, 4)
    assert _item("hnte", data, ("growth", "net_asset_growth"), DAY) == (3, 4)
    data["financials"]["2025"]["revenue"] = 37326.23
    assert _item("hnte", data, ("growth", "sales_growth"), DAY) == (1, 2)


def test_transformations_per_year_at_five() -> None:
    data = {"registered_on": "2015-03-01", "transformations_3y": 15}
    assert _item("hnte", data, ("transformation",), DAY) == (25, 30)


# ---- reading, showing, matching -------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "read"),
    [
        (174.48, Fraction(17448, 100)),
        (0.1 + 0.2, Fraction(3, 10)),  # binary noise from arithmetic before the engine
        (Decimal("2.50"), Fraction(5, 2)),
        (120, 120),
        (1e20, Fraction(10**20)),
    ],
)
def test_figures_are_read_as_the_decimals_they_were_written_as(value: Any, read: Any) -> None:
    assert exact(value) == read


def test_a_shown_figure_is_never_a_whole_number_it_is_not() -> None:
    assert fixed(Fraction(4999996, 1000000)) == "4.999996"
    assert fixed(Fraction(5000004, 1000000), strip=True) == "5.000004"
    assert fixed(Fraction(5447154, 1000000)) == "5.45"
    assert fixed(5) == "5.00"
    assert fixed(Fraction(5)) == "5.00"


def test_profiles_parsed_with_decimals_are_accepted() -> None:
    data = {"employees": Decimal("70"), "tech_staff": 7, "financials": {}}
    data["financials"] = {"2025": {"revenue": Decimal("4764.4")}}
    facts = Facts(validate_profile(data), DAY)
    assert facts.get("tech_staff_ratio").value == 10
    assert facts.get("last_year_revenue").value == Fraction(47644, 10)


def test_a_non_finite_figure_is_refused_with_its_field() -> None:
    from assistant.errors import InputError

    with pytest.raises(InputError, match=r"financials\.2025\.revenue.*有限的数字"):
        validate_profile({"financials": {"2025": {"revenue": float("nan")}}})


def test_a_gap_is_the_smallest_change_at_the_profiles_precision() -> None:
    rd, revenue = (174.48, 191.93, 215.18), (2871.6, 3996.0, 4764.4)
    data = {**_hnte(rd, revenue), "employees": 100, "tech_staff": 20}
    result = match(_knowledge(), validate_profile(data), DAY)
    hnte = next(p for p in result["programs"] if p["program"] == "hnte")
    gap = next(g for g in hnte["gaps"] if g["condition"] == "hnte.rd_expense_ratio")
    assert gap["delta"] == 0.01
    assert gap["unit"] == "万元"
    assert gap["change"] == {"financials.2025.rd_expense": 215.19}
    assert "需增加 0.01 万元" in gap["text"]
    assert "需 ≥ 581.6 万元" in gap["text"]


def test_a_whole_number_profile_keeps_whole_number_gaps() -> None:
    data = {**_hnte((170, 190, 210), (2800, 4000, 4800)), "employees": 100, "tech_staff": 20}
    result = match(_knowledge(), validate_profile(data), DAY)
    hnte = next(p for p in result["programs"] if p["program"] == "hnte")
    gap = next(g for g in hnte["gaps"] if g["condition"] == "hnte.rd_expense_ratio")
    assert gap["delta"] == 10
    assert isinstance(gap["delta"], int)


def test_figures_from_a_json_file_reach_the_engine_exactly(tmp_path: Path) -> None:
    import json
    import os
    import subprocess
    import sys

    def cli(*args: str) -> Any:
        env = dict(os.environ, ASSISTANT_DATA_DIR=str(tmp_path / "data"))
        out = subprocess.run(
            [sys.executable, "-m", "assistant", *args, "--as-of", "2026-11-22", "--json"],
            capture_output=True,
            text=True,
            cwd=PROJECT,
            env=env,
            timeout=300,
            check=True,
        )
        return json.loads(out.stdout)

    on_line = tmp_path / "on_line.json"  # written as a company would type it
    on_line.write_text(
        '{"registered_on": "2015-03-01", "employees": 100, "tech_staff": 20, "financials": {'
        '"2023": {"rd_expense": 174.48, "revenue": 2871.6},'
        '"2024": {"rd_expense": 191.93, "revenue": 3996.0},'
        '"2025": {"rd_expense": 215.18, "revenue": 4764.4}}}',
        encoding="utf-8",
    )
    result = cli("check", "hnte", "--profile", str(on_line))
    row = next(c for c in result["conditions"] if c["id"] == "hnte.rd_expense_ratio")
    assert row["status"] == "fail"
    assert row["actual"].endswith("4.9999%")
    gaps = next(
        p for p in cli("match", "--profile", str(on_line))["programs"] if p["program"] == "hnte"
    )
    gap = next(g for g in gaps["gaps"] if g["condition"] == "hnte.rd_expense_ratio")
    assert gap["delta"] == 0.01
    on_line.write_text(on_line.read_text().replace("215.18", "215.19"), encoding="utf-8")
    result = cli("check", "hnte", "--profile", str(on_line))
    row = next(c for c in result["conditions"] if c["id"] == "hnte.rd_expense_ratio")
    assert row["status"] == "pass"
