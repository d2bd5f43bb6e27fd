"""Generated client lists: plausible random company profiles and the sheet a service centre
would hold for them (template headers), for the screening benchmark and tests.

Figures are drawn around the thresholds the programs use (科技人员 10 %, 研发 3–6 %, 营收
1,000 万元 ...) so that every verdict occurs.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path
from typing import Any

from assistant.staff.columns import COLUMNS, YEAR_COLUMNS


def random_profile(rng: random.Random, index: int, as_of: dt.date) -> dict[str, Any]:
    """One company profile (money in 万元)."""
    employees = rng.randint(8, 600)
    revenue = round(rng.lognormvariate(7.6, 1.0))
    years = [as_of.year - 3, as_of.year - 2, as_of.year - 1]
    financials = {}
    for i, year in enumerate(years):
        rev = max(50, round(revenue * (0.8 + 0.1 * i) * rng.uniform(0.9, 1.1)))
        rd = round(rev * rng.uniform(0.01, 0.09), 1)
        assets = round(rev * rng.uniform(0.6, 1.6))
        financials[str(year)] = {
            "revenue": rev,
            "main_business_revenue": round(rev * rng.uniform(0.6, 1.0)),
            "total_income": round(rev * 1.02),
            "hightech_revenue": round(rev * rng.uniform(0.3, 0.95)),
            "rd_expense": rd,
            "rd_expense_domestic": round(rd * rng.uniform(0.5, 1.0), 1),
            "total_costs": round(rev * rng.uniform(0.7, 0.97)),
            "total_assets": assets,
            "total_liabilities": round(assets * rng.uniform(0.2, 0.8)),
            "net_profit": round(rev * rng.uniform(-0.05, 0.15)),
        }
    registered = as_of - dt.timedelta(days=rng.randint(200, 365 * 15))
    return {
        "name": f"山东测试{index:04d}科技有限公司",
        "region": {"province": "山东省", "city": rng.choice(["济南市", "聊城市", "青岛市"])},
        "registered_on": registered.isoformat(),
        "sector": rng.choice(["manufacturing", "service"]),
        "tech_field": "电子信息",
        "employees": employees,
        "tech_staff": round(employees * rng.uniform(0.04, 0.4)),
        "financials": financials,
        "ip": {
            "invention_patents": rng.choice([0, 0, 1, 2, 5]),
            "utility_models": rng.randint(0, 12),
            "software_copyrights": rng.randint(0, 10),
        },
        "transformations_3y": rng.randint(0, 20),
        "niche_market_years": rng.randint(1, 12),
        "has_own_trademark": rng.random() < 0.7,
        "quality_management_certified": rng.random() < 0.5,
        "compliance": {
            "major_incident_last_year": rng.random() < 0.03,
            "major_incident_last_3y": rng.random() < 0.05,
            "abnormal_or_dishonest_list": rng.random() < 0.03,
            "failed_spot_check_3y": False,
            "bad_credit_3y": False,
        },
        "qualifications": rng.choice([[], [], ["tech_sme"], ["innovative_sme"]]),
    }


def profiles(count: int, as_of: dt.date, seed: int = 19) -> list[dict[str, Any]]:
    """``count`` reproducible profiles."""
    rng = random.Random(seed)
    return [random_profile(rng, i, as_of) for i in range(1, count + 1)]


def _get(data: dict[str, Any], path: str) -> Any:
    node: Any = data
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


_SECTOR = {"manufacturing": "制造业", "service": "服务业", "agriculture": "农业"}


def cell(path: str, value: Any, program_names: dict[str, str]) -> Any:
    """A profile value as staff would type it in the template."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if path == "sector":
        return _SECTOR[value]
    if path == "qualifications":
        return "、".join(program_names[q] for q in value) or None
    return value


def sheet_rows(
    items: list[dict[str, Any]], years: list[int], program_names: dict[str, str]
) -> tuple[list[str], list[list[Any]]]:
    """Template headers and one row per profile."""
    columns = [(c.header(), c.path) for c in COLUMNS]
    columns += [(c.header(y), c.field(y)) for y in years for c in YEAR_COLUMNS]
    rows = [[cell(p, _get(d, p), program_names) for _, p in columns] for d in items]
    return [h for h, _ in columns], rows


def write_xlsx(path: Path, header: list[str], rows: list[list[Any]]) -> Path:
    """A plain one-sheet workbook."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(str(path))
    return path


def write_csv(path: Path, header: list[str], rows: list[list[Any]]) -> Path:
    """A UTF-8 CSV with BOM (as Excel saves it)."""
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows([["" if v is None else v for v in row] for row in rows])
    return path
