"""The columns of a client list: Chinese headers (with units) or profile field paths, and how
each cell becomes a profile value.

A header is matched after normalisation (spaces removed, full-width brackets made ASCII, the
unit in brackets set aside), so 「2025年 营业收入（万元）」, 「2025年营业收入(万元)」 and
``financials.2025.revenue`` are the same column. Yearly figures accept any fiscal year.

Money is 万元 in the profile. A cell or a header in 元 is converted (÷ 10,000) with a
warning; so is a figure in a 万元 column of 1,000,000 or more (100 亿元 — no company these
programs serve is that large, while 4,800 万元 typed in 元 is 48,000,000). The conversion is
always reported, row and column, so a wrong guess is seen and corrected.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from assistant.core.profile import YUAN_SUSPECT_WAN

Kind = str  # text, count, wan, date, bool, sector, level, quals, pct, years, award_level


@dataclass(frozen=True)
class Column:
    """A profile field as a spreadsheet column.

    Attributes:
        path: The profile path (a ``{year}`` placeholder for yearly figures).
        label: The Chinese header without unit.
        unit: The unit shown in the header (万元, 人, 件 ...), or "".
        kind: How a cell is read (see :func:`parse_cell`).
        example: The template's example value.
        aliases: Other header labels accepted for this column.
    """

    path: str
    label: str
    unit: str
    kind: Kind
    example: Any = None
    aliases: tuple[str, ...] = ()

    def header(self, year: int | None = None) -> str:
        """The template header, e.g. 「2025年营业收入（万元）」."""
        label = f"{year}年{self.label}" if year is not None else self.label
        return f"{label}（{self.unit}）" if self.unit else label

    def field(self, year: int | None = None) -> str:
        """The profile path for this column (and fiscal year)."""
        return self.path.format(year=year) if year is not None else self.path


_YES = {"是", "有", "y", "yes", "true", "1", "√", "✓"}
_NO = {"否", "无", "没有", "n", "no", "false", "0", "×", "✗"}
_SECTOR = {
    "制造业": "manufacturing",
    "制造": "manufacturing",
    "工业": "manufacturing",
    "服务业": "service",
    "服务": "service",
    "农业": "agriculture",
    "manufacturing": "manufacturing",
    "service": "service",
    "agriculture": "agriculture",
}
_LEVEL = {
    "国家级": "national",
    "省级": "provincial",
    "省部级": "provincial",
    "市级": "municipal",
    "无": "none",
    "没有": "none",
    "national": "national",
    "provincial": "provincial",
    "municipal": "municipal",
    "none": "none",
}
_AWARD = {"国家级": "national", "省级": "provincial", "national": "national"}
_AWARD["provincial"] = "provincial"

COLUMNS: tuple[Column, ...] = (
    Column("name", "企业名称", "", "text", "示例：济南云帆软件科技有限公司"),
    Column("credit_code", "统一社会信用代码", "", "text", "91370100MA3C5XXXXX", ("信用代码",)),
    Column("region.province", "所在省份", "", "text", "山东省", ("省份", "省")),
    Column("region.city", "所在城市", "", "text", "济南市", ("城市", "市", "所在市")),
    Column("region.district", "所在区县", "", "text", "高新区", ("区县", "区")),
    Column(
        "registered_on",
        "注册成立日期",
        "年-月-日",
        "date",
        "2018-03-15",
        ("成立日期", "注册日期", "注册时间"),
    ),
    Column("operating_in_city_since", "在本市连续经营的起始日期", "年-月-日", "date", None, ()),
    Column("sector", "所属行业大类", "制造业/服务业/农业", "sector", "服务业", ("行业",)),
    Column(
        "tech_field",
        "核心技术所属高新技术领域",
        "",
        "text",
        "电子信息",
        ("技术领域", "高新技术领域"),
    ),
    Column("employees", "职工总数", "人", "count", 120, ("职工人数", "员工总数", "从业人数")),
    Column("tech_staff", "科技人员数", "人", "count", 30, ("科技人员", "科技人员人数")),
    Column("ip.invention_patents", "发明专利数", "件", "count", 2, ("发明专利",)),
    Column("ip.utility_models", "实用新型专利数", "件", "count", 0, ("实用新型专利", "实用新型")),
    Column("ip.design_patents", "外观设计专利数", "件", "count", 0, ("外观设计专利", "外观设计")),
    Column("ip.software_copyrights", "软件著作权数", "件", "count", 12, ("软件著作权", "软著")),
    Column("ip.ic_layouts", "集成电路布图设计数", "件", "count", None, ("集成电路布图设计",)),
    Column("ip.plant_varieties", "植物新品种数", "件", "count", None, ("植物新品种",)),
    Column("ip.new_drugs", "国家新药数", "件", "count", None, ("国家新药",)),
    Column("ip.trademarks", "注册商标数", "件", "count", 1, ("注册商标", "商标")),
    Column("rd_expense_3y_total", "近三年研发费用合计", "万元", "wan", None, ()),
    Column("revenue_3y_total", "近三年销售收入合计", "万元", "wan", None, ()),
    Column("transformations_3y", "近三年科技成果转化数量", "项", "count", 15, ("成果转化数",)),
    Column("niche_market_years", "从事细分市场年限", "年", "years", None, ()),
    Column("equity_financing_2y", "近2年新增股权融资额", "万元", "wan", None, ()),
    Column("equity_financing_3y", "近3年新增股权融资额", "万元", "wan", None, ()),
    Column(
        "qualifications",
        "已获得的资质",
        "项目名称，用顿号分隔",
        "quals",
        None,
        ("已有资质", "资质"),
    ),
    Column(
        "rd_institution_level",
        "研发机构级别",
        "国家级/省级/市级/无",
        "level",
        None,
        ("研发机构",),
    ),
    Column("led_standards_5y", "近5年牵头制定的标准数", "项", "count", None, ()),
    Column("st_award.level", "科技奖励级别", "国家级/省级", "award_level", None, ()),
    Column("st_award.year", "科技奖励获奖年份", "年", "count", None, ()),
    Column("st_award.rank", "科技奖励排名", "名", "count", None, ()),
    Column("market.share_pct", "主导产品细分市场占有率", "%", "pct", None, ("市场占有率",)),
    Column("market.national_rank", "主导产品全国排名", "名", "count", None, ()),
    Column("market.province_rank", "主导产品全省排名", "名", "count", None, ()),
    Column("has_own_trademark", "是否拥有自主商标", "是/否", "bool", "是", ()),
    Column("quality_management_certified", "质量管理体系认证", "是/否", "bool", None, ()),
    Column(
        "compliance.major_incident_last_year",
        "近一年重大安全、质量事故或严重环境违法",
        "是/否",
        "bool",
        "否",
        ("近一年重大安全、质量事故或严重环境违法情况",),
    ),
    Column(
        "compliance.major_incident_last_3y",
        "近三年重大安全、质量、环境事故",
        "是/否",
        "bool",
        "否",
        ("近三年重大安全、质量、环境事故情况",),
    ),
    Column(
        "compliance.abnormal_or_dishonest_list",
        "列入经营异常名录或严重失信名单",
        "是/否",
        "bool",
        "否",
        ("经营异常名录或严重失信名单情况",),
    ),
    Column("compliance.failed_spot_check_3y", "近三年监督抽查不合格", "是/否", "bool", "否", ()),
    Column("compliance.bad_credit_3y", "近三年不良信用记录", "是/否", "bool", "否", ()),
)
"""The non-yearly columns, in template order."""

YEAR_COLUMNS: tuple[Column, ...] = (
    Column("financials.{year}.revenue", "营业收入", "万元", "wan", None, ("销售收入",)),
    Column("financials.{year}.main_business_revenue", "主营业务收入", "万元", "wan"),
    Column("financials.{year}.total_income", "总收入", "万元", "wan"),
    Column(
        "financials.{year}.hightech_revenue",
        "高新技术产品(服务)收入",
        "万元",
        "wan",
        None,
        ("高新技术产品收入", "高新技术产品（服务）收入"),
    ),
    Column(
        "financials.{year}.rd_expense",
        "研发费用",
        "万元",
        "wan",
        None,
        ("研究开发费用", "研发费用总额", "研发投入"),
    ),
    Column(
        "financials.{year}.rd_expense_domestic",
        "境内研发费用",
        "万元",
        "wan",
        None,
        ("境内研究开发费用",),
    ),
    Column("financials.{year}.total_costs", "成本费用总额", "万元", "wan", None, ("成本费用",)),
    Column(
        "financials.{year}.total_assets", "末资产总额", "万元", "wan", None, ("资产总额", "总资产")
    ),
    Column(
        "financials.{year}.total_liabilities",
        "末负债总额",
        "万元",
        "wan",
        None,
        ("负债总额", "总负债"),
    ),
    Column(
        "financials.{year}.net_assets",
        "末净资产",
        "万元",
        "wan",
        None,
        ("净资产", "所有者权益"),
    ),
    Column("financials.{year}.net_profit", "净利润", "万元", "signed_wan"),
)
"""The yearly columns: one per fiscal year in a sheet (「2025年营业收入（万元）」)."""

YEAR_EXAMPLES: dict[str, tuple[float, float, float]] = {
    "revenue": (3500, 4000, 4800),
    "total_income": (3550, 4050, 4900),
    "hightech_revenue": (2900, 3400, 4100),
    "rd_expense": (190, 220, 260),
    "rd_expense_domestic": (190, 220, 250),
    "total_costs": (3100, 3550, 4300),
    "total_assets": (4200, 5100, 6000),
    "total_liabilities": (1900, 2200, 2500),
    "net_assets": (2300, 2900, 3500),
    "net_profit": (310, 380, 420),
}
"""The example row's yearly figures (oldest year first)."""

KEY_COLUMNS = ("name", "registered_on", "employees", "tech_staff")
"""Columns without which most conditions stay 待补充: a sheet lacking one is told so."""
KEY_YEAR_FIELDS = ("revenue", "rd_expense")


class CellError(ValueError):
    """A cell that cannot be read; the message (Chinese) says what to write instead."""


def normalise(header: str) -> tuple[str, str]:
    """The header's label (spaces and markers removed, brackets ASCII) and its unit.

    >>> normalise(" 2025年 营业收入（万元）")
    ('2025年营业收入', '万元')
    >>> normalise("financials.2025.revenue")
    ('financials.2025.revenue', '')
    """
    text = re.sub(r"\s+", "", str(header or ""))
    text = text.translate(str.maketrans("（）【】[]", "()()()")).strip("*＊")
    unit = ""
    match = re.search(r"\(([^()]*)\)$", text)
    if match and not text.endswith("(服务)"):
        unit = match.group(1)
        text = text[: match.start()]
    return text, unit


def _key(label: str) -> str:
    return normalise(label)[0].lower()


_BY_LABEL: dict[str, Column] = {}
for _col in COLUMNS:
    for _name in (_col.label, _col.path, *_col.aliases):
        _BY_LABEL[_key(_name)] = _col
_YEAR_BY_LABEL: dict[str, Column] = {}
for _col in YEAR_COLUMNS:
    for _name in (_col.label, _col.label.removeprefix("末"), *_col.aliases):
        _YEAR_BY_LABEL[_key(_name)] = _col
_PATH_YEAR = re.compile(r"^financials\.(\d{4})\.([a-z_]+)$")
_LABEL_YEAR = re.compile(r"^(\d{4})(?:年度|年)?(末)?(.+)$")


@dataclass(frozen=True)
class Resolved:
    """A header matched to a column: the profile path, and the factor from the header's unit
    to the profile's (e.g. 0.0001 for a header in 元)."""

    column: Column
    path: str
    factor: float = 1.0
    note: str = ""


def resolve(header: str) -> Resolved | None:
    """The column a header names, or None when it names none.

    >>> resolve("2024年研究开发费用（元）").path, resolve("2024年研究开发费用（元）").factor
    ('financials.2024.rd_expense', 0.0001)
    >>> resolve("ip.invention_patents").column.label
    '发明专利数'
    """
    label, unit = normalise(header)
    if not label:
        return None
    found = _PATH_YEAR.match(label)
    if found:
        year, key = found.groups()
        for col in YEAR_COLUMNS:
            if col.path == f"financials.{{year}}.{key}":
                return _with_unit(col, col.field(int(year)), unit)
        return None
    column = _BY_LABEL.get(label.lower())
    if column is not None:
        return _with_unit(column, column.path, unit)
    found = _LABEL_YEAR.match(label)
    if found:
        year, _end, rest = found.groups()
        column = _YEAR_BY_LABEL.get(rest.lower())
        if column is not None and 1990 <= int(year) <= 2100:
            return _with_unit(column, column.field(int(year)), unit)
    return None


def _with_unit(column: Column, path: str, unit: str) -> Resolved:
    if column.kind not in ("wan", "signed_wan") or unit in ("", "万元", "万"):
        return Resolved(column, path)
    if unit == "元":
        return Resolved(column, path, 1e-4, "此列标明单位为元，已按 ÷10000 换算为万元")
    if unit in ("亿元", "亿"):
        return Resolved(column, path, 1e4, "此列标明单位为亿元，已按 ×10000 换算为万元")
    if unit in ("千元",):
        return Resolved(column, path, 0.1, "此列标明单位为千元，已按 ÷10 换算为万元")
    return Resolved(column, path)


def template_columns(years: list[int]) -> list[tuple[str, str, Any]]:
    """(header, path, example) of the template: the fields, then each year's figures."""
    out = [(c.header(), c.path, c.example) for c in COLUMNS]
    for i, year in enumerate(years):
        for col in YEAR_COLUMNS:
            key = col.path.rsplit(".", 1)[1]
            example = YEAR_EXAMPLES.get(key, (None, None, None))[i % 3] if len(years) == 3 else None
            out.append((col.header(year), col.field(year), example))
    return out


def parse_cell(value: Any, resolved: Resolved, program_names: dict[str, str]) -> tuple[Any, str]:
    """A cell as a profile value, and a warning ("" when none).

    Raises:
        CellError: the cell cannot be read as this column's kind (the message says why).
    """
    if isinstance(value, str):
        value = value.strip()
    if value is None or value == "":
        return None, ""
    kind = resolved.column.kind
    if kind in ("wan", "signed_wan"):
        return _money(value, resolved, signed=kind == "signed_wan")
    if kind == "quals":
        return _qualifications(str(value), program_names), ""
    return _READERS[kind](value, resolved.column), ""


def _text(value: Any, column: Column) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def _count(value: Any, column: Column) -> int:
    number = _number(value)
    if not float(number).is_integer():
        raise CellError(f"应为整数，填写的是「{value}」")
    return int(number)


def _percent(value: Any, column: Column) -> float:
    number = _number(value)
    if not 0 <= number <= 100:
        raise CellError(f"占有率应在 0–100 之间（单位 %），填写的是「{value}」")
    return number


def _bool(value: Any, column: Column) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise CellError(f"请填写「是」或「否」，填写的是「{value}」")


def _choice(table: dict[str, str]) -> Callable[[Any, Column], str]:
    def read(value: Any, column: Column) -> str:
        text = str(value).strip()
        found = table.get(text.lower()) or table.get(text)
        if found is None:
            raise CellError(f"请填写 {column.unit} 之一，填写的是「{value}」")
        return found

    return read


_READERS: dict[str, Callable[[Any, Column], Any]] = {
    "text": _text,
    "count": _count,
    "years": lambda value, column: _number(value),
    "pct": _percent,
    "date": lambda value, column: _date(value),
    "bool": _bool,
    "sector": _choice(_SECTOR),
    "level": _choice(_LEVEL),
    "award_level": _choice(_AWARD),
}


_NUMBER = re.compile(r"^([-+]?\d+(?:\.\d+)?)(万元|万|亿元|亿|千元|元|人|件|项|个|年|%|名)?$")


def _number(value: Any) -> float:
    if isinstance(value, bool):
        raise CellError(f"应为数字，填写的是「{value}」")
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = str(value).replace(",", "").replace("，", "").replace(" ", "")
        match = _NUMBER.match(text)
        if not match:
            raise CellError(f"应为数字（不带单位和文字），填写的是「{value}」")
        number = float(match.group(1))
    if number < 0:
        raise CellError(f"不能为负数，填写的是「{value}」")
    return number


def _money(value: Any, resolved: Resolved, *, signed: bool) -> tuple[float, str]:
    factor, note = resolved.factor, resolved.note
    if isinstance(value, bool):
        raise CellError(f"应为金额（万元），填写的是「{value}」")
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = str(value).replace(",", "").replace("，", "").replace(" ", "")
        match = _NUMBER.match(text)
        if not match or match.group(2) not in (None, "万元", "万", "亿元", "亿", "千元", "元"):
            raise CellError(f"应为金额（万元，只填数字），填写的是「{value}」")
        number = float(match.group(1))
        suffix = match.group(2)
        if suffix == "元":
            factor, note = 1e-4, f"填写的「{value}」单位为元，已按 ÷10000 换算为万元"
        elif suffix in ("亿元", "亿"):
            factor, note = 1e4, f"填写的「{value}」单位为亿元，已按 ×10000 换算为万元"
        elif suffix == "千元":
            factor, note = 0.1, f"填写的「{value}」单位为千元，已按 ÷10 换算为万元"
        elif suffix in ("万元", "万"):
            factor, note = 1.0, ""
    if number < 0 and not signed:
        raise CellError(f"金额不能为负数，填写的是「{value}」")
    wan = number * factor
    if factor == 1.0 and abs(wan) >= YUAN_SUSPECT_WAN:
        converted = wan / 10_000
        return _tidy(converted), (
            f"「{value}」万元即 {wan / 10_000:g} 亿元，像是按元填写的；已按 ÷10000 换算为 "
            f"{_tidy(converted):g} 万元，如有误请改正后重新筛查"
        )
    return _tidy(wan), note


def _tidy(number: float) -> float:
    """Round away binary noise of a unit conversion (4.8e7 × 1e-4 = 4800.000000000001)."""
    rounded = round(number, 6)
    return int(rounded) if float(rounded).is_integer() else rounded


def _date(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    match = re.match(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$", text)
    if not match:
        raise CellError(f"应为日期，如 2018-03-15，填写的是「{value}」")
    try:
        return dt.date(*(int(g) for g in match.groups())).isoformat()
    except ValueError as exc:
        raise CellError(f"不是有效的日期：「{value}」") from exc


def _qualifications(text: str, program_names: dict[str, str]) -> list[str]:
    ids = []
    for part in re.split(r"[、,，;；/\s]+", text):
        if not part or part in ("无", "没有"):
            continue
        found = program_names.get(part) or next(
            (pid for name, pid in program_names.items() if part in name or name in part), None
        )
        if found is None:
            example = next(iter(program_names), "")
            raise CellError(f"无法识别的资质「{part}」；请写项目名称，如 {example}")
        ids.append(found)
    return list(dict.fromkeys(ids))
