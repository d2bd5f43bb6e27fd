"""The 资格自测 form: the profile fields grouped with their units, and the conversion between the
form's values and the profile JSON (pure, tested without a browser).

The JSON stays the source of truth: the form edits only the paths it shows and leaves every
other key (other years, extra notes) as it was, so importing a profile, editing it in the
form and exporting it loses nothing. An empty form field removes its key (unknown is not 0).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from assistant.core.results import Assessment, Score
from assistant.errors import InputError

Kind = str  # "text" | "date" | "int" | "money" | "number" | "bool" | "choice" | "multi"


@dataclass(frozen=True)
class FieldSpec:
    """One form field: where it lives in the profile, how it is shown and parsed."""

    path: str
    label: str
    kind: Kind
    unit: str = ""
    choices: tuple[tuple[str, str], ...] = ()  # (shown, stored)

    @property
    def caption(self) -> str:
        """The label with its unit, e.g. 「营业收入（万元）」."""
        return f"{self.label}（{self.unit}）" if self.unit else self.label


YES_NO = (("是", "true"), ("否", "false"))
SECTORS = (("制造业", "manufacturing"), ("农业", "agriculture"), ("服务业", "service"))
RD_LEVELS = (("国家级", "national"), ("省级", "provincial"), ("市级", "municipal"), ("无", "none"))
NONE_HELD = "__none__"  # an explicit "none": nothing ticked means "not known"
NONE_CHOICE = ("以上均无", NONE_HELD)
YEARLY = (
    ("revenue", "营业收入"),
    ("main_business_revenue", "主营业务收入"),
    ("total_income", "总收入"),
    ("hightech_revenue", "高新技术产品(服务)收入"),
    ("rd_expense", "研发费用"),
    ("rd_expense_domestic", "境内研发费用"),
    ("total_costs", "成本费用总额"),
    ("total_assets", "年末资产总额"),
    ("total_liabilities", "年末负债总额"),
    ("net_profit", "净利润（亏损填负数）"),
)

BASIC = (
    FieldSpec("name", "企业名称", "text"),
    FieldSpec("credit_code", "统一社会信用代码", "text"),
    FieldSpec("region.province", "所在省份", "text"),
    FieldSpec("region.city", "所在城市", "text"),
    FieldSpec("region.district", "所在区县", "text"),
    FieldSpec("registered_on", "注册成立日期", "date", "YYYY-MM-DD"),
    FieldSpec("operating_in_city_since", "在本市连续经营起始日期", "date", "YYYY-MM-DD"),
    FieldSpec("sector", "所属行业", "choice", choices=SECTORS),
    FieldSpec("tech_field", "核心技术所属高新技术领域", "text"),
    FieldSpec("qualifications", "已获得的资质", "multi"),  # choices: see form_groups
)
STAFF = (
    FieldSpec("employees", "职工总数", "int", "人"),
    FieldSpec("tech_staff", "科技人员数", "int", "人"),
)
INNOVATION = (
    FieldSpec("rd_expense_3y_total", "近三年研发费用合计", "money", "万元"),
    FieldSpec("revenue_3y_total", "近三年销售收入合计", "money", "万元"),
    FieldSpec("transformations_3y", "近三年科技成果转化", "int", "项"),
    FieldSpec("rd_institution_level", "研发机构级别", "choice", choices=RD_LEVELS),
    FieldSpec("led_standards_5y", "近5年牵头制定标准", "int", "项"),
    FieldSpec("equity_financing_2y", "近2年新增股权融资", "money", "万元"),
    FieldSpec("equity_financing_3y", "近3年新增股权融资", "money", "万元"),
)
IP = (
    FieldSpec("ip.invention_patents", "发明专利", "int", "项"),
    FieldSpec("ip.utility_models", "实用新型专利", "int", "项"),
    FieldSpec("ip.design_patents", "外观设计专利", "int", "项"),
    FieldSpec("ip.software_copyrights", "软件著作权", "int", "项"),
    FieldSpec("ip.ic_layouts", "集成电路布图设计", "int", "项"),
    FieldSpec("ip.plant_varieties", "植物新品种", "int", "项"),
    FieldSpec("ip.new_drugs", "国家新药", "int", "项"),
    FieldSpec("ip.trademarks", "注册商标", "int", "件"),
)
MARKET = (
    FieldSpec("niche_market_years", "从事细分市场年限", "number", "年"),
    FieldSpec("market.share_pct", "主导产品细分市场占有率", "number", "%"),
    FieldSpec("market.national_rank", "主导产品全国排名", "int", "名"),
    FieldSpec("market.province_rank", "主导产品全省排名", "int", "名"),
    FieldSpec("has_own_trademark", "拥有自主品牌商标", "bool", choices=YES_NO),
    FieldSpec("quality_management_certified", "质量管理体系认证有效", "bool", choices=YES_NO),
)
COMPLIANCE = (
    FieldSpec("compliance.major_incident_last_year", "近一年重大安全/质量/环境事故", "bool"),
    FieldSpec("compliance.major_incident_last_3y", "近三年重大安全/质量/环境事故", "bool"),
    FieldSpec("compliance.abnormal_or_dishonest_list", "列入经营异常或严重失信名单", "bool"),
    FieldSpec("compliance.failed_spot_check_3y", "近三年监督抽查不合格", "bool"),
    FieldSpec("compliance.bad_credit_3y", "近三年不良信用记录", "bool"),
)


def form_years(as_of: dt.date) -> list[int]:
    """The three completed fiscal years before ``as_of`` (the years the rules look at)."""
    return [as_of.year - 3, as_of.year - 2, as_of.year - 1]


def form_groups(
    years: list[int], titles: Sequence[tuple[str, str]] = ()
) -> list[tuple[str, list[FieldSpec]]]:
    """The form's groups in display order, yearly money fields for ``years``; ``titles``
    (shown, id) are the qualifications offered (the knowledge base's titles,
    :func:`assistant.core.names.title_choices`), followed by 以上均无. Converting values
    needs no titles, showing the form does."""
    financial = [
        FieldSpec(f"financials.{year}.{key}", f"{year}年{label}", "money", "万元")
        for year in years
        for key, label in YEARLY
    ]
    held = FieldSpec("qualifications", "已获得的资质", "multi", choices=(*titles, NONE_CHOICE))
    basic = [held if f.path == held.path else f for f in BASIC]
    return [
        ("基本情况", basic),
        ("人员", list(STAFF)),
        ("财务数据（单位：万元）", financial),
        ("研发与创新", list(INNOVATION)),
        ("知识产权（有效数量）", list(IP)),
        ("市场与品牌", list(MARKET)),
        ("合规情况", list(COMPLIANCE)),
    ]


def form_fields(years: list[int]) -> list[FieldSpec]:
    """Every field of the form, flat, in display order."""
    return [f for _, fields in form_groups(years) for f in fields]


def _get(data: dict[str, Any], path: str) -> Any:
    node: Any = data
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    node = data
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = {}
            node[part] = child
        node = child
    node[parts[-1]] = value


def _delete(data: dict[str, Any], path: str) -> None:
    parts = path.split(".")
    chain = [data]
    for part in parts[:-1]:
        child = chain[-1].get(part)
        if not isinstance(child, dict):
            return
        chain.append(child)
    chain[-1].pop(parts[-1], None)
    for parent, part in zip(reversed(chain[:-1]), reversed(parts[:-1]), strict=True):
        if parent.get(part) == {}:  # drop containers the removal emptied
            del parent[part]


def to_form_value(spec: FieldSpec, value: Any) -> Any:
    """A profile value as the form component shows it (None/[] for unknown)."""
    if spec.kind == "multi":
        if not isinstance(value, list):
            return []
        return [v for v in value if isinstance(v, str)] or [NONE_HELD]
    if value is None:
        return None
    if spec.kind == "bool" and isinstance(value, bool):
        return "是" if value else "否"
    if spec.kind == "choice":
        shown = {stored: label for label, stored in spec.choices}
        return shown.get(str(value), str(value))
    if spec.kind in ("int", "money", "number") and isinstance(value, int | float):
        return str(int(value)) if float(value).is_integer() else str(value)
    return str(value)


def from_form_value(spec: FieldSpec, value: Any) -> Any:
    """A form value as the profile stores it; None means 'leave the field out'.

    Raises:
        InputError: a figure that is not a number, or a date that is not YYYY-MM-DD (the
            message names the field).
    """
    if spec.kind == "multi":
        if not value:
            return None
        return [v for v in value if v != NONE_HELD]
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if spec.kind == "bool":
        return {"是": True, "否": False}.get(str(value))
    if spec.kind == "choice":
        stored = dict(spec.choices)
        return stored.get(str(value), str(value))
    if spec.kind in ("int", "money", "number"):
        return _number(spec, value)
    if spec.kind == "date":
        try:
            return dt.date.fromisoformat(str(value).strip()).isoformat()
        except ValueError as exc:
            raise InputError(f"{spec.label}：日期请写成 YYYY-MM-DD（如 2019-05-20）") from exc
    return str(value).strip()


def _number(spec: FieldSpec, value: Any) -> int | float:
    try:
        number = float(str(value).replace(",", "").strip())
    except ValueError as exc:
        raise InputError(f"{spec.caption}：请填写数字（收到 '{value}'）") from exc
    if spec.kind == "int" and not number.is_integer():
        raise InputError(f"{spec.caption}：请填写整数（收到 '{value}'）")
    return int(number) if number.is_integer() else number


def profile_to_form(profile: dict[str, Any], years: list[int]) -> list[Any]:
    """The form values for a profile, in :func:`form_fields` order."""
    return [to_form_value(f, _get(profile, f.path)) for f in form_fields(years)]


def form_to_profile(base: dict[str, Any], years: list[int], values: list[Any]) -> dict[str, Any]:
    """``base`` with the form's fields applied (set when filled, removed when empty).

    Raises:
        InputError: a field whose value cannot be read (the message names it).
    """
    fields = form_fields(years)
    if len(values) != len(fields):
        raise InputError(f"表单字段数不对：应为 {len(fields)} 个，收到 {len(values)} 个")
    profile = _deep_copy(base)
    for spec, value in zip(fields, values, strict=True):
        stored = from_form_value(spec, value)
        if stored is None:
            _delete(profile, spec.path)
        else:
            _set(profile, spec.path, stored)
    return profile


def _deep_copy(data: dict[str, Any]) -> dict[str, Any]:
    return {k: _deep_copy(v) if isinstance(v, dict) else v for k, v in data.items()}


def score_chart_html(results: Sequence[Assessment]) -> str:
    """An SVG bar per rubric score: the sure points, the still-open range, and the pass line.

    Returns an empty string when no result has a rubric score.
    """
    rows = [(r["program_name"], score) for r in results if (score := r.get("score"))]
    if not rows:
        return ""
    width, label_w, bar_h, gap = 640, 190, 22, 16
    height = len(rows) * (bar_h + gap) + 30
    scale = (width - label_w - 150) / 100  # room for the figures after the bar
    parts = [
        f'<svg role="img" aria-label="评分与通过线" viewBox="0 0 {width} {height}" '
        f'width="100%" style="max-width:{width}px;font-size:12px">'
    ]
    for i, (program_name, score) in enumerate(rows):
        y = i * (bar_h + gap) + 10
        parts.append(_score_bar(program_name, score, y, label_w, bar_h, scale))
    legend_y = height - 8
    parts.append(
        f'<rect x="{label_w}" y="{legend_y - 9}" width="10" height="10" fill="#2563eb"/>'
        f'<text x="{label_w + 14}" y="{legend_y}">已确定得分</text>'
        f'<rect x="{label_w + 90}" y="{legend_y - 9}" width="10" height="10" fill="#93c5fd"/>'
        f'<text x="{label_w + 104}" y="{legend_y}">待评审可能得分</text>'
        f'<line x1="{label_w + 210}" x2="{label_w + 210}" y1="{legend_y - 10}" '
        f'y2="{legend_y}" stroke="#dc2626" stroke-width="2"/>'
        f'<text x="{label_w + 216}" y="{legend_y}">通过线</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


def _score_bar(
    program_name: str, score: Score, y: int, label_w: int, bar_h: int, scale: float
) -> str:
    """One rubric's bar, scaled to percent of the rubric's maximum."""
    import html

    top = float(score["max"]) or 1.0
    figures = (score["total_min"], score["total_max"], score["pass_line"])
    low, high, line = (float(v) / top * 100 for v in figures)
    name = html.escape(f"{program_name}·{score['title']}")[:40]
    span = (
        f"{score['total_min']}"
        if score["total_min"] == score["total_max"]
        else f"{score['total_min']}–{score['total_max']}"
    )
    x_line = label_w + line * scale
    return (
        f'<text x="0" y="{y + 15}">{name}</text>'
        f'<rect x="{label_w}" y="{y}" width="{100 * scale:.1f}" height="{bar_h}" fill="#f1f5f9"/>'
        f'<rect x="{label_w}" y="{y}" width="{high * scale:.1f}" height="{bar_h}" '
        f'fill="#93c5fd"/>'
        f'<rect x="{label_w}" y="{y}" width="{low * scale:.1f}" height="{bar_h}" fill="#2563eb"/>'
        f'<line x1="{x_line:.1f}" x2="{x_line:.1f}" y1="{y - 3}" y2="{y + bar_h + 3}" '
        f'stroke="#dc2626" stroke-width="2"/>'
        f'<text x="{label_w + 100 * scale + 4:.0f}" y="{y + 15}">'
        f"{html.escape(span)}/{score['max']}（线 {score['pass_line']}）</text>"
    )
