"""The hard conditions of 高企, 科技型中小企业 and 专精特新 (2026), written a second time.

This is the check on the engine: a plain, literal reading of the texts in tests/data/official/
(copied verbatim from the official documents and the project's fact sheet), with its own
profile reading, its own fiscal-year arithmetic and its own thresholds. It imports nothing
from ``assistant`` and reads nothing under ``knowledge/``, so a wrong threshold in the rules
data or a rounding slip in the engine shows up as a disagreement.

Numbers are ``Fraction`` built from the decimal text of each figure (174.48 -> 4362/25);
a ratio test ``a / b >= t %`` is done as ``100 * a >= t * b`` with a positive ``b``.

Statuses: ``pass``, ``fail``, ``unknown`` (a figure the condition needs is absent) and
``manual`` (the text leaves the judgement to reviewers). Combinations use the ordinary
three-valued reading: *all* fails if any part fails, else is unknown if any part is unknown;
*any* passes if any part passes, else is unknown if any part is unknown.

Readings chosen where the text leaves room (each is recorded in the README):

- 注册成立一年以上 (32号 第十一条(一)) is 365 calendar days or more on the application date
  (195号 三(一), facts.md H1).
- 近三个会计年度 are the three calendar years before the application year; a firm that
  existed for part of them uses the years from its registration year on (第十一条(五):
  实际经营期不满三年的按实际经营时间计算); a firm registered in the application year itself
  has no such year, and its last fiscal year's figures are used.
- 最近一年销售收入 picks the band with the upper bound included (「5,000万元（含）」,
  「2亿元（含）」); 「2亿元以上」 is more than 20,000 万元.
- 115号 第六条(二) 年销售收入 and 资产总额 are the last fiscal year's.
- 115号 第七条 研发投入 (1)/(2) use the last fiscal year; the firm takes the better measure.
- A ratio whose denominator is zero (no sales, no R&D, no assets) does not meet its line.
- 专精特新 (2号, third-party account): 细分市场占有率较为靠前 has no numeric line and the
  发展评价得分 is computed by the platform, so both are ``manual``; the SME-size check is
  ``manual`` too, but ``unknown`` while the headcount or last year's revenue is absent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from fractions import Fraction
from typing import Any

PASS, FAIL, UNKNOWN, MANUAL = "pass", "fail", "unknown", "manual"

# Thresholds, each with the words of the text it comes from (a test finds every quote in
# tests/data/official/, so a typo here cannot hide).
HNTE_MIN_DAYS = 365  # 「注册成立一年以上」; facts.md H1: ≥ 365 calendar days
HNTE_TECH_STAFF_PCT = 10  # 「比例不低于10%」
HNTE_RD_BANDS = ((5000, 5), (20000, 4), (None, 3))  # 「小于5,000万元（含）…不低于5%」 …
HNTE_DOMESTIC_PCT = 60  # 「境内…比例不低于60%」
HNTE_HIGHTECH_PCT = 60  # 「近一年高新技术产品（服务）收入…不低于60%」
HNTE_FIELDS = (
    "电子信息",
    "生物与新医药",
    "航空航天",
    "新材料",
    "高技术服务",
    "新能源与节能",
    "资源与环境",
    "先进制造与自动化",
)
SME_MAX_STAFF = 500  # 「职工总数不超过500人」
SME_MAX_REVENUE = 20000  # 「年销售收入不超过2亿元」 (万元)
SME_MAX_ASSETS = 20000  # 「资产总额不超过2亿元」 (万元)
SME_PASS_SCORE = 60  # 「所得分值不低于60分，且科技人员指标得分不得为0分」
SME_STAFF_POINTS = ((30, 20), (25, 16), (20, 12), (15, 8), (10, 4))  # 第七条 1. A–E
SME_RD_REVENUE_POINTS = ((6, 50), (5, 40), (4, 30), (3, 20), (2, 10))  # 第七条 2.(1)
SME_RD_COST_POINTS = ((30, 50), (25, 40), (20, 30), (15, 20), (10, 10))  # 第七条 2.(2)
SME_AWARD_YEARS = 5  # 第八条(二) 「近五年内获得过国家级科技奖励，并在获奖单位中排在前三名」
SRDI_NICHE_YEARS = 3  # facts.md §2.2: ≥ 3 years in the niche by last year-end
SRDI_REVENUE = 1500  # ≥ 1,500万元
SRDI_EQUITY = 2000  # or new equity in the last 2 years ≥ 2,000万元
SRDI_MAIN_PCT = 80  # main business ≥ 80 % of revenue
SRDI_DEBT_PCT = 80  # debt ratio at last year-end ≤ 80 %
SRDI_RD_MIN = 100  # each of the last 2 years ≥ 100万元 …
SRDI_RD_PCT = 3  # … and ≥ 3 % of that year's revenue
SRDI_AWARD_YEARS = 3  # provincial-or-higher award in the last 3 years, top 3
CLASS_I = ("invention_patents", "plant_varieties", "new_drugs", "ic_layouts")
CLASS_II = ("utility_models", "design_patents", "software_copyrights")

QUOTES = {
    "hnte-2016-32-article11.txt": (
        "企业申请认定时须注册成立一年以上",
        "占企业当年职工总数的比例不低于10%",
        "最近一年销售收入小于5,000万元（含）的企业，比例不低于5%",
        "最近一年销售收入在5,000万元至2亿元（含）的企业，比例不低于4%",
        "最近一年销售收入在2亿元以上的企业，比例不低于3%",
        "实际经营期不满三年的按实际经营时间计算",
        "占全部研究开发费用总额的比例不低于60%",
        "近一年高新技术产品（服务）收入占企业同期总收入的比例不低于60%",
        "企业申请认定前一年内未发生重大安全、重大质量事故或严重环境违法行为",
    ),
    "tech-sme-2017-115-articles6-9.txt": (
        "职工总数不超过500人、年销售收入不超过2亿元、资产总额不超过2亿元",
        "所得分值不低于60分，且科技人员指标得分不得为0分",
        "A. 30%(含)以上(20分)",
        "E. 10%(含)-15%(4分)",
        "A. 6%(含)以上(50分)",
        "E. 2%(含)-3%(10分)",
        "A. 30%(含)以上(50分)",
        "E. 10%(含)-15%(10分)",
        "A. 1项及以上Ⅰ类知识产权(30分)",
        "B. 4项及以上Ⅱ类知识产权(24分)",
        "企业近五年内获得过国家级科技奖励，并在获奖单位中排在前三名",
        "企业拥有经认定的省部级以上研发机构",
        "企业近五年内主导制定过国际标准、国家标准或行业标准",
    ),
    "facts-excerpts.md": (
        "**≥ 365 calendar days**",
        "**Last-year operating revenue ≥ 1,500万元**",
        "**new equity investment in the last 2 years ≥ 2,000万元**",
        "**Main-business revenue ≥ 80%**",
        "**Debt-to-asset ratio at last year-end ≤ 80%.**",
        "**each of the last 2 years ≥ 100万元 and ≥ 3% of that year's operating revenue**",
        "**≥ 1 Class I IP**",
        "a provincial-or-higher S&T award in the last 3 years with the firm ranked in the top 3",
        "**There is no numeric line**",
        "**≥ 3 years by the end of last year**",
    ),
}


class Absent(Exception):
    """A figure the condition needs is not in the profile."""


def _get(profile: dict[str, Any], *path: str) -> Any:
    node: Any = profile
    for key in path:
        if not isinstance(node, dict) or key not in node:
            raise Absent(".".join(path))
        node = node[key]
    return node


def _number(profile: dict[str, Any], *path: str) -> Fraction:
    value = _get(profile, *path)
    if value is None or isinstance(value, bool):
        raise Absent(".".join(path))
    return Fraction(repr(value)) if isinstance(value, float) else Fraction(value)


def _year(profile: dict[str, Any], year: int, key: str) -> Fraction:
    return _number(profile, "financials", str(year), key)


def _flag(profile: dict[str, Any], *path: str) -> bool:
    value = _get(profile, *path)
    if not isinstance(value, bool):
        raise Absent(".".join(path))
    return value


def _incident(profile: dict[str, Any], period: str, other: str, settles: bool) -> bool:
    """An incident in ``period``; the other, nested period's answer settles it when it is
    ``settles`` (none in three years: none last year; one last year: one in three years)."""
    try:
        return _flag(profile, "compliance", period)
    except Absent:
        if _get(profile, "compliance", other) is settles:
            return settles
        raise


def _incident_last_year(profile: dict[str, Any]) -> bool:
    return _incident(profile, "major_incident_last_year", "major_incident_last_3y", False)


def _incident_last_3y(profile: dict[str, Any]) -> bool:
    return _incident(profile, "major_incident_last_3y", "major_incident_last_year", True)


def _status(test: Callable[[], bool]) -> str:
    try:
        return PASS if test() else FAIL
    except Absent:
        return UNKNOWN


def _all(*statuses: str) -> str:
    for status in (FAIL, UNKNOWN, MANUAL):
        if status in statuses:
            return status
    return PASS


def _any(*statuses: str) -> str:
    for status in (PASS, UNKNOWN, MANUAL):
        if status in statuses:
            return status
    return FAIL


def _at_least_pct(part: Fraction, whole: Fraction, pct: int) -> bool:
    return whole > 0 and 100 * part >= pct * whole


def _at_most_pct(part: Fraction, whole: Fraction, pct: int) -> bool:
    return whole > 0 and 100 * part <= pct * whole


def _registered(profile: dict[str, Any]) -> dt.date:
    value = _get(profile, "registered_on")
    if not isinstance(value, str):
        raise Absent("registered_on")
    return dt.date.fromisoformat(value)


def _window(profile: dict[str, Any], as_of: dt.date) -> list[int]:
    """近三个会计年度: the three years before the application year, from the registration
    year on; the last fiscal year alone for a firm registered in the application year."""
    last = as_of.year - 1
    years = [last - 2, last - 1, last]
    try:
        first = _registered(profile).year
    except Absent:
        return years
    return [y for y in years if y >= first] or [last]


def _ip_count(profile: dict[str, Any], kinds: tuple[str, ...]) -> int:
    ip = _get(profile, "ip")
    if ip is None:
        return 0
    return sum(int(ip.get(kind) or 0) for kind in kinds)


def _award_ok(profile: dict[str, Any], as_of: dt.date, levels: tuple[str, ...], years: int) -> bool:
    award = _get(profile, "st_award")
    if award is None:
        return False
    level, year, rank = award.get("level"), award.get("year"), award.get("rank")
    if level is None or year is None or rank is None:
        return False
    return level in levels and as_of.year - int(year) <= years and int(rank) <= 3


# ---- 高新技术企业 (32号 第十一条) ------------------------------------------------------
def hnte(profile: dict[str, Any], as_of: dt.date) -> dict[str, str]:
    """Statuses of the checkable hard conditions of 高企 (the innovation score, which
    experts give, is not read here)."""
    last = as_of.year - 1
    years = _window(profile, as_of)

    def rd_ratio() -> bool:
        rd = sum(_year(profile, y, "rd_expense") for y in years)
        sales = sum(_year(profile, y, "revenue") for y in years)
        last_sales = _year(profile, last, "revenue")
        pct = next(p for upto, p in HNTE_RD_BANDS if upto is None or last_sales <= upto)
        return _at_least_pct(Fraction(rd), Fraction(sales), pct)

    def domestic() -> bool:
        home = sum(_year(profile, y, "rd_expense_domestic") for y in years)
        rd = sum(_year(profile, y, "rd_expense") for y in years)
        return _at_least_pct(Fraction(home), Fraction(rd), HNTE_DOMESTIC_PCT)

    def incident_free() -> bool:
        return not _incident_last_year(profile)

    return {
        "hnte.registration_age": _status(
            lambda: (as_of - _registered(profile)).days >= HNTE_MIN_DAYS
        ),
        "hnte.core_ip": _status(lambda: _ip_count(profile, CLASS_I + CLASS_II) >= 1),
        "hnte.tech_field": _status(lambda: _get(profile, "tech_field") in HNTE_FIELDS),
        "hnte.tech_staff_ratio": _status(
            lambda: _at_least_pct(
                _number(profile, "tech_staff"), _number(profile, "employees"), HNTE_TECH_STAFF_PCT
            )
        ),
        "hnte.rd_expense_ratio": _status(rd_ratio),
        "hnte.domestic_rd_share": _status(domestic),
        "hnte.hightech_revenue_share": _status(
            lambda: _at_least_pct(
                _year(profile, last, "hightech_revenue"),
                _year(profile, last, "total_income"),
                HNTE_HIGHTECH_PCT,
            )
        ),
        "hnte.clean_record": _status(incident_free),
    }


# ---- 科技型中小企业 (115号 第六条至第八条) -----------------------------------------------
def _points(value: Fraction, bands: tuple[tuple[int, int], ...]) -> int:
    return next((points for low, points in bands if value >= low), 0)


def _range(read: Callable[[], int], most: int) -> tuple[int, int]:
    """Points of an indicator, or every possible score while its figures are absent."""
    try:
        points = read()
    except Absent:
        return 0, most
    return points, points


def tech_sme_score(profile: dict[str, Any], as_of: dt.date) -> str:
    """第六条(五): the 第七条 score ≥ 60 with a non-zero 科技人员 score."""
    last = as_of.year - 1

    def staff() -> int:
        employees = _number(profile, "employees")
        if employees == 0:
            return 0
        return _points(100 * _number(profile, "tech_staff") / employees, SME_STAFF_POINTS)

    def rd_measure(key: str, bands: tuple[tuple[int, int], ...]) -> int:
        base = _year(profile, last, key)
        if base == 0:
            return 0
        return _points(100 * _year(profile, last, "rd_expense") / base, bands)

    def ip() -> int:
        if _ip_count(profile, CLASS_I) >= 1:
            return 30
        return {0: 0, 1: 6, 2: 12, 3: 18}.get(_ip_count(profile, CLASS_II), 24)

    staff_low, staff_high = _range(staff, 20)
    revenue_low, revenue_high = _range(lambda: rd_measure("revenue", SME_RD_REVENUE_POINTS), 50)
    cost_low, cost_high = _range(lambda: rd_measure("total_costs", SME_RD_COST_POINTS), 50)
    ip_low, ip_high = _range(ip, 30)
    low = staff_low + max(revenue_low, cost_low) + ip_low
    high = staff_high + max(revenue_high, cost_high) + ip_high
    if staff_high == 0 or high < SME_PASS_SCORE:
        return FAIL
    if low >= SME_PASS_SCORE and staff_low > 0:
        return PASS
    return UNKNOWN


def tech_sme(profile: dict[str, Any], as_of: dt.date) -> dict[str, str]:
    """Statuses of 115号 第六条 (二)(四)(五) with the 第八条 direct routes."""
    last = as_of.year - 1
    size = _all(
        _status(lambda: _number(profile, "employees") <= SME_MAX_STAFF),
        _status(lambda: _year(profile, last, "revenue") <= SME_MAX_REVENUE),
        _status(lambda: _year(profile, last, "total_assets") <= SME_MAX_ASSETS),
    )
    clean = _all(
        _status(lambda: not _incident_last_year(profile)),
        _status(lambda: not _flag(profile, "compliance", "abnormal_or_dishonest_list")),
    )
    direct = _any(
        tech_sme_score(profile, as_of),
        _status(lambda: "hnte" in _get(profile, "qualifications")),
        _status(lambda: _award_ok(profile, as_of, ("national",), SME_AWARD_YEARS)),
        _status(lambda: _get(profile, "rd_institution_level") in ("national", "provincial")),
        _status(lambda: _number(profile, "led_standards_5y") >= 1),
    )
    return {
        "tech_sme.enterprise_size": size,
        "tech_sme.compliance": clean,
        "tech_sme.score_or_direct": direct,
    }


# ---- 专精特新中小企业 (工信部企业〔2026〕2号, from 2026-04-01; third-party account) -------
def srdi_sme_2026(profile: dict[str, Any], as_of: dt.date) -> dict[str, str]:
    """Statuses of the 2号 conditions as facts.md §2.2 reports them."""
    last = as_of.year - 1

    def rd_each_year() -> str:
        # 「每年都须」: each year on its own, so a known year below the limit fails the
        # condition whatever the other year holds.
        years = (last - 1, last)

        def amount(year: int) -> str:
            return _status(lambda: _year(profile, year, "rd_expense") >= SRDI_RD_MIN)

        def share(year: int) -> str:
            return _status(
                lambda: _at_least_pct(
                    _year(profile, year, "rd_expense"), _year(profile, year, "revenue"), SRDI_RD_PCT
                )
            )

        return _all(_all(*map(amount, years)), _all(*map(share, years)))

    def size_figures() -> str:
        _number(profile, "employees")
        _year(profile, last, "revenue")
        return MANUAL

    try:
        sme_scope = size_figures()
    except Absent:
        sme_scope = UNKNOWN
    quals = lambda: _get(profile, "qualifications")  # noqa: E731
    return {
        "srdi_sme.tier1_title": _any(
            _status(lambda: "tech_sme" in quals()),
            _status(lambda: "innovative_sme" in quals()),
        ),
        "srdi_sme.niche_years": _status(
            lambda: _number(profile, "niche_market_years") >= SRDI_NICHE_YEARS
        ),
        "srdi_sme.revenue": _any(
            _status(lambda: _year(profile, last, "revenue") >= SRDI_REVENUE),
            _status(lambda: _number(profile, "equity_financing_2y") >= SRDI_EQUITY),
        ),
        "srdi_sme.main_business_share": _status(
            lambda: _at_least_pct(
                _year(profile, last, "main_business_revenue"),
                _year(profile, last, "revenue"),
                SRDI_MAIN_PCT,
            )
        ),
        "srdi_sme.debt_ratio": _status(
            lambda: _at_most_pct(
                _year(profile, last, "total_liabilities"),
                _year(profile, last, "total_assets"),
                SRDI_DEBT_PCT,
            )
        ),
        "srdi_sme.rd": rd_each_year(),
        "srdi_sme.ip": _any(
            _status(lambda: _ip_count(profile, CLASS_I) >= 1),
            _status(
                lambda: _award_ok(profile, as_of, ("national", "provincial"), SRDI_AWARD_YEARS)
            ),
            _status(lambda: _get(profile, "rd_institution_level") in ("national", "provincial")),
        ),
        "srdi_sme.market_share": MANUAL,
        "srdi_sme.development_score": MANUAL,
        "srdi_sme.compliance": _all(
            _status(lambda: not _incident_last_3y(profile)),
            _status(lambda: not _flag(profile, "compliance", "abnormal_or_dishonest_list")),
        ),
        "srdi_sme.sme_scope": sme_scope,
    }


PROGRAMS: dict[str, Callable[[dict[str, Any], dt.date], dict[str, str]]] = {
    "hnte": hnte,
    "tech_sme": tech_sme,
    "srdi_sme": srdi_sme_2026,
}
"""Programs the reference reads (专精特新 from 2026-04-01 only)."""
SRDI_2026_FROM = dt.date(2026, 4, 1)
