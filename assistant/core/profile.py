"""The company profile: validation of the contract's JSON and plausibility warnings.

The schema (shared contract ``company_profile.schema.json``) makes every field optional and
allows extra fields; money is in 万元. Validation here is strict about what is present:
wrong types, negative amounts, malformed dates or fiscal years are errors naming the field;
figures that look like 元 instead of 万元 are warnings, because they are legal but likely
wrong (a revenue of 48,000,000 万元 would be 4,800 亿元).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from assistant.errors import FieldError, InputError

YEAR_FIELDS = {
    "revenue": "营业收入",
    "main_business_revenue": "主营业务收入",
    "total_income": "总收入",
    "hightech_revenue": "高新技术产品(服务)收入",
    "rd_expense": "研究开发费用",
    "rd_expense_domestic": "境内研究开发费用",
    "total_costs": "成本费用总额",
    "total_assets": "资产总额",
    "total_liabilities": "负债总额",
    "net_assets": "净资产",
    "net_profit": "净利润",
}
_SIGNED = {"net_profit"}
_COUNTS = ("employees", "tech_staff", "transformations_3y", "led_standards_5y")
IP_KINDS = (
    "invention_patents",
    "utility_models",
    "design_patents",
    "software_copyrights",
    "ic_layouts",
    "plant_varieties",
    "new_drugs",
    "trademarks",
)
WAN_FIELDS = (
    "rd_expense_3y_total",
    "revenue_3y_total",
    "equity_financing_2y",
    "equity_financing_3y",
)
_BOOLS = (
    "major_incident_last_year",
    "major_incident_last_3y",
    "abnormal_or_dishonest_list",
    "failed_spot_check_3y",
    "bad_credit_3y",
)
_ENUMS = {
    "sector": ("manufacturing", "agriculture", "service"),
    "rd_institution_level": ("national", "provincial", "municipal", "none"),
}
# 1,000,000 万元 is 100 亿元: no SME these programs serve has a yearly figure that large,
# while a figure typed in 元 (e.g. 48,000,000 for 4,800 万元) easily exceeds it.
YUAN_SUSPECT_WAN = 1_000_000
_CREDIT = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


@dataclass(frozen=True)
class Profile:
    """A validated company profile (the raw mapping plus warnings)."""

    data: dict[str, Any]
    warnings: tuple[str, ...] = field(default_factory=tuple)

    def get(self, path: str) -> Any:
        """The value at a dotted path, or :data:`MISSING` (an explicit null is ``None``)."""
        node: Any = self.data
        for part in path.split("."):
            if not isinstance(node, dict) or part not in node:
                return MISSING
            node = node[part]
        return node


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Any = _Missing()


def load_profile(path: Path) -> Profile:
    """Read and validate a profile file.

    Raises:
        InputError: unreadable file, invalid JSON or an invalid field.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}：无法读取企业信息文件（{exc}）") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{path}：第 {exc.lineno} 行第 {exc.colno} 列不是有效的 JSON（{exc.msg}）"
        ) from exc
    return validate_profile(data, source=str(path))


def validate_profile(data: Any, *, source: str = "profile") -> Profile:
    """Validate a profile mapping.

    >>> validate_profile({"employees": 120}).data["employees"]
    120
    >>> validate_profile({"employees": -1})
    Traceback (most recent call last):
    ...
    assistant.errors.FieldError: profile：字段 'employees' 须为不小于 0 的整数（现为 -1）
    """
    if not isinstance(data, dict):
        raise InputError(f"{source}：企业信息须为 JSON 对象 {{...}}")
    check = _Checker(source)
    check.scalars(data)
    check.region(data.get("region"))
    check.ip(data.get("ip"))
    check.compliance(data.get("compliance"))
    check.financials(data.get("financials"))
    check.market(data.get("market"))
    check.award(data)
    check.stated(data.get("stated"))
    check.plausibility(data)
    return Profile(data=data, warnings=tuple(check.warnings))


def _finite(value: int | float | Decimal) -> bool:
    return isinstance(value, int) or math.isfinite(value)


class _Checker:
    def __init__(self, source: str) -> None:
        self.source = source
        self.warnings: list[str] = []

    def fail(self, field_name: str, message: str) -> None:
        # The field's path stays as written in the JSON, so a person finds it in the file
        # and the chat can put the field's Chinese name beside it.
        raise FieldError(self.source, field_name, message)

    def count(self, name: str, value: Any) -> None:
        if value is None:
            return
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            whole = isinstance(value, float | Decimal) and _finite(value) and value % 1 == 0
            if whole and value >= 0:
                return
            self.fail(name, f"须为不小于 0 的整数（现为 {value!r}）")

    def wan(self, name: str, value: Any, *, signed: bool = False) -> None:
        if value is None:
            return
        # Decimal: a caller that parsed the JSON with parse_float=Decimal
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
            self.fail(name, f"须为以万元计的数字，不带单位和逗号（现为 {value!r}）")
        if not _finite(value):
            self.fail(name, f"须为有限的数字（现为 {value!r}）")
        if not signed and value < 0:
            self.fail(name, f"不能为负数（现为 {value}）")

    def date(self, name: str, value: Any) -> None:
        if value is None:
            return
        try:
            dt.date.fromisoformat(str(value))
        except ValueError:
            self.fail(name, f"须为日期 YYYY-MM-DD，如 2019-05-20（现为 {value!r}）")

    def scalars(self, data: dict[str, Any]) -> None:
        self.numbers(data)
        self.texts(data)
        self.flags(data)
        employees, tech = data.get("employees"), data.get("tech_staff")
        if (
            isinstance(employees, int | float | Decimal)
            and isinstance(tech, int | float | Decimal)
            and tech > employees
        ):
            self.fail(
                "tech_staff", f"不能多于职工总数（科技人员 {tech} 人，职工总数 {employees} 人）"
            )

    def numbers(self, data: dict[str, Any]) -> None:
        for name in _COUNTS:
            self.count(name, data.get(name))
        for name in WAN_FIELDS:
            self.wan(name, data.get(name))
        if data.get("niche_market_years") is not None:
            self.wan("niche_market_years", data["niche_market_years"])
        for name in ("registered_on", "operating_in_city_since"):
            self.date(name, data.get(name))

    def texts(self, data: dict[str, Any]) -> None:
        for name, allowed in _ENUMS.items():
            if data.get(name) is not None and data[name] not in allowed:
                self.fail(name, f"须为以下之一：{'、'.join(allowed)}（现为 {data[name]!r}）")
        for name in ("name", "tech_field"):
            if data.get(name) is not None and not isinstance(data[name], str):
                self.fail(name, "须为文字")
        if data.get("credit_code") is not None and not _CREDIT.match(str(data["credit_code"])):
            self.fail("credit_code", "须为 18 位统一社会信用代码")

    def flags(self, data: dict[str, Any]) -> None:
        for name in ("has_own_trademark", "quality_management_certified"):
            if data.get(name) is not None and not isinstance(data[name], bool):
                self.fail(name, f"须为 true 或 false（现为 {data[name]!r}）")
        quals = data.get("qualifications")
        if quals is not None and (
            not isinstance(quals, list) or not all(isinstance(q, str) for q in quals)
        ):
            self.fail("qualifications", '须为项目编号的列表，如 ["hnte"]')

    def region(self, region: Any) -> None:
        if region is None:
            return
        if not isinstance(region, dict):
            self.fail("region", '须为 JSON 对象，如 {"city": "济南市"}')
        for key in ("province", "city", "district"):
            if region.get(key) is not None and not isinstance(region[key], str):
                self.fail(f"region.{key}", "须为文字")

    def ip(self, ip: Any) -> None:
        if ip is None:
            return
        if not isinstance(ip, dict):
            self.fail("ip", '须为 JSON 对象，如 {"invention_patents": 2}')
        for key in IP_KINDS:
            self.count(f"ip.{key}", ip.get(key))

    def compliance(self, comp: Any) -> None:
        if comp is None:
            return
        if not isinstance(comp, dict):
            self.fail("compliance", "须为 JSON 对象，各项为 true 或 false")
        for key in _BOOLS:
            if comp.get(key) is not None and not isinstance(comp[key], bool):
                self.fail(f"compliance.{key}", f"须为 true 或 false（现为 {comp[key]!r}）")

    def financials(self, fin: Any) -> None:
        if fin is None:
            return
        if not isinstance(fin, dict):
            self.fail("financials", '须为按会计年度填写的 JSON 对象，如 {"2025": {...}}')
        for year, figures in fin.items():
            if not re.fullmatch(r"\d{4}", str(year)) or not 1990 <= int(year) <= 2100:
                self.fail(f"financials.{year}", '的年度须写成会计年度，如 "2025"')
            if not isinstance(figures, dict):
                self.fail(f"financials.{year}", "须为以万元计的各项数字组成的 JSON 对象")
            for key, value in figures.items():
                if key in YEAR_FIELDS:
                    self.wan(f"financials.{year}.{key}", value, signed=key in _SIGNED)
            self.year_statements(str(year), figures)

    def year_statements(self, year: str, figures: dict[str, Any]) -> None:
        """What a year may hold besides amounts, from a chat: 「研发占营收3.5%」
        (``rd_share``, a percent; the amount decides when given) and 「那年亏损了」
        (``loss``; the net profit decides when given)."""
        share = figures.get("rd_share")
        if share is not None:
            self.wan(f"financials.{year}.rd_share", share)
            if share > 100:
                self.fail(
                    f"financials.{year}.rd_share", f"是百分比，须在 0–100 之间（现为 {share}）"
                )
        loss = figures.get("loss")
        if loss is not None and not isinstance(loss, bool):
            self.fail(f"financials.{year}.loss", f"须为 true 或 false（现为 {loss!r}）")

    def market(self, market: Any) -> None:
        if market is None:
            return
        if not isinstance(market, dict):
            self.fail("market", '须为 JSON 对象，如 {"share_pct": 12}')
        share = market.get("share_pct")
        if share is not None:
            self.wan("market.share_pct", share)
            if share > 100:
                self.fail("market.share_pct", f"是百分比，须在 0–100 之间（现为 {share}）")
        for key in ("national_rank", "province_rank"):
            if market.get(key) is not None:
                self.count(f"market.{key}", market[key])

    def award(self, data: dict[str, Any]) -> None:
        award = data.get("st_award")
        if award is None:
            return
        if not isinstance(award, dict):
            self.fail(
                "st_award", '须为 null（没有）或 {"level": "national", "year": 2024, "rank": 1}'
            )
        if award.get("level") not in (None, "national", "provincial"):
            self.fail("st_award.level", "须为 national（国家级）或 provincial（省级）")
        for key in ("year", "rank"):
            self.count(f"st_award.{key}", award.get(key))

    def stated(self, stated: Any) -> None:
        """Ratios stated directly (in %), keyed by derived fact name."""
        if stated is None:
            return
        if not isinstance(stated, dict):
            self.fail(
                "stated", '须为以 % 计的比例组成的 JSON 对象，如 {"debt_ratio_last_year": 40}'
            )
        for key, value in stated.items():
            self.wan(f"stated.{key}", value, signed=key.endswith("growth_last_year"))
            if abs(value) > 1000:
                self.fail(f"stated.{key}", f"是百分比（现为 {value}）")

    def plausibility(self, data: dict[str, Any]) -> None:
        """Warn about figures that look like 元 instead of 万元."""
        for year, figures in (data.get("financials") or {}).items():
            for key, value in figures.items():
                if (
                    key in YEAR_FIELDS
                    and isinstance(value, int | float | Decimal)
                    and abs(float(value)) >= YUAN_SUSPECT_WAN
                ):
                    self.warnings.append(
                        f"financials.{year}.{key} = {value:g} 万元（{value / 10000:g} 亿元）"
                        f"像是以元填写的金额；按万元应为 {value / 10000:g}，请核对单位。"
                    )
        for key in WAN_FIELDS:
            value = data.get(key)
            if isinstance(value, int | float | Decimal) and value >= YUAN_SUSPECT_WAN:
                self.warnings.append(f"{key} = {value:g} 万元 像是以元填写的金额，请核对单位。")


PROFILE_PATHS: frozenset[str] = frozenset(
    {
        "name",
        "credit_code",
        "region.province",
        "region.city",
        "region.district",
        "registered_on",
        "operating_in_city_since",
        "sector",
        "tech_field",
        "employees",
        "tech_staff",
        "rd_expense_3y_total",
        "revenue_3y_total",
        "transformations_3y",
        "niche_market_years",
        "equity_financing_2y",
        "equity_financing_3y",
        "qualifications",
        "rd_institution_level",
        "led_standards_5y",
        "st_award",
        "market.share_pct",
        "market.national_rank",
        "market.province_rank",
        "has_own_trademark",
        "quality_management_certified",
        *(f"ip.{k}" for k in IP_KINDS),
        *(f"compliance.{k}" for k in _BOOLS),
    }
)
"""Every non-yearly field path of the contract's profile schema (a test checks the schema)."""
