"""Placeholders in a template body, filled from the company facts of the conversation.

A placeholder is a name in braces: ``{企业名称}``, ``{项目}``, ``{研发费用占比}``. Names map to
profile fields (``name``, ``employees`` …) and to the engine's derived facts
(:mod:`assistant.core.facts`, e.g. ``rd_ratio_3y``), so a computed figure is the same one the
eligibility engine uses. A figure the conversation has not given stays a visible request,
「（请补充：研发费用占比）」, never a made-up number. Unknown names are refused when a template
is saved, so a typo cannot reach an answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from assistant.core.exact import fixed, is_number
from assistant.core.facts import DERIVED, DERIVED_DOCS, Facts
from assistant.core.knowledge import Knowledge

PLACEHOLDER = re.compile(r"\{([^{}\n]{1,40})\}")
PROGRAM_PLACEHOLDERS = ("项目", "项目名称")

# Chinese name -> (fact name, unit). "%": percent with two decimals; "text": as given.
ALIASES: dict[str, tuple[str, str]] = {
    "企业名称": ("name", "text"),
    "公司名称": ("name", "text"),
    "所在城市": ("region.city", "text"),
    "所在区县": ("region.district", "text"),
    "成立日期": ("registered_on", "text"),
    "研发费用占比": ("rd_ratio_3y", "%"),
    "近三年研发费用占比": ("rd_ratio_3y", "%"),
    "上年研发费用占比": ("rd_ratio_last_year", "%"),
    "科技人员占比": ("tech_staff_ratio", "%"),
    "高新技术产品收入占比": ("hightech_revenue_share", "%"),
    "资产负债率": ("debt_ratio_last_year", "%"),
    "主营业务收入占比": ("main_business_share", "%"),
    "营业收入增长率": ("revenue_growth_last_year", "%"),
    "职工总数": ("employees", "人"),
    "科技人员数": ("tech_staff", "人"),
    "上年营业收入": ("last_year_revenue", "万元"),
    "营业收入": ("last_year_revenue", "万元"),
    "销售收入": ("last_year_revenue", "万元"),
    "上年研发费用": ("last_year_rd_expense", "万元"),
    "研发费用": ("last_year_rd_expense", "万元"),
    "近三年研发费用合计": ("rd_3y_total", "万元"),
    "近三年销售收入合计": ("revenue_3y_total", "万元"),
    "成立年数": ("full_years_registered", "年"),
    "知识产权数量": ("ip_total", "项"),
    "Ⅰ类知识产权数量": ("ip_class_i", "项"),
    "发明专利数": ("ip.invention_patents", "项"),
}


@dataclass(frozen=True)
class Filled:
    """A filled body, the placeholders still open and the profile fields they need."""

    text: str
    missing: tuple[str, ...]
    missing_fields: tuple[str, ...] = ()


def placeholders(body: str) -> list[str]:
    """The placeholder names of a body, in order of first use.

    >>> placeholders("{企业名称}申报{项目}，研发费用占比{研发费用占比}，{企业名称}")
    ['企业名称', '项目', '研发费用占比']
    """
    return list(dict.fromkeys(m.strip() for m in PLACEHOLDER.findall(body)))


def resolve(name: str, knowledge: Knowledge) -> tuple[str, str] | None:
    """The fact name and unit a placeholder stands for (None: unknown name).

    Besides :data:`ALIASES`, a derived fact's or profile field's own name or Chinese label
    works (``{rd_ratio_3y}``, ``{近三年研发费用合计}``, ``{职工总数}``).
    """
    if name in ALIASES:
        return ALIASES[name]
    if name in DERIVED:
        return name, _unit_of(DERIVED_DOCS[name])
    for fact, label in DERIVED_DOCS.items():
        if label == name:
            return fact, _unit_of(label)
    if name in knowledge.fields:
        return name, "text"
    for path, text in knowledge.fields.items():
        if text.label == name and "*" not in path:
            return path, "text"
    return None


def _unit_of(label: str) -> str:
    return "%" if ("比例" in label or label.endswith("率")) else ""


def unknown_placeholders(body: str, knowledge: Knowledge) -> list[str]:
    """Placeholders that name no fact (refused when a template is saved)."""
    return [
        n
        for n in placeholders(body)
        if n not in PROGRAM_PLACEHOLDERS and resolve(n, knowledge) is None
    ]


def fill(body: str, knowledge: Knowledge, facts: Facts | None, programs: Iterable[str]) -> Filled:
    """Fill a body's placeholders; the unfillable ones become 「（请补充：名称）」.

    Args:
        body: The template's Markdown body.
        knowledge: For program names and field labels.
        facts: The conversation's company facts (None: nothing known).
        programs: Program ids for ``{项目}`` (the question's, else the template's tags).
    """
    names = [knowledge.programs[p].name for p in programs if p in knowledge.programs]
    missing: list[str] = []
    fields: list[str] = []

    def replace(match: re.Match[str]) -> str:
        name = match.group(1).strip()
        if name in PROGRAM_PLACEHOLDERS:
            value = "、".join(names) or None
        else:
            value, needed = _fact_value(name, knowledge, facts)
            fields.extend(needed)
        if value is None:
            missing.append(name)
            return f"（请补充：{name}）"
        return value

    text = PLACEHOLDER.sub(replace, body)
    return Filled(text, tuple(dict.fromkeys(missing)), tuple(dict.fromkeys(fields)))


def _fact_value(
    name: str, knowledge: Knowledge, facts: Facts | None
) -> tuple[str | None, tuple[str, ...]]:
    """The formatted value, or None and the profile fields that would give it."""
    target = resolve(name, knowledge)
    if target is None:
        return None, ()
    fact, unit = target
    if facts is None:
        return None, (fact,) if "." in fact or fact not in DERIVED else ()
    value = facts.get(fact)
    if not value.known or value.value is None or isinstance(value.value, dict | list):
        return None, value.missing
    return format_value(value.value, unit), ()


def format_value(value: object, unit: str) -> str:
    """A fact for display: percentages with two decimals, amounts without trailing zeros.

    >>> format_value(5.4545, "%"), format_value(4800.0, "万元"), format_value(120, "人")
    ('5.45%', '4,800 万元', '120 人')
    """
    if not is_number(value):
        return str(value)
    if unit == "%":
        return f"{fixed(value)}%"
    number = fixed(value, strip=True)
    return f"{number} {unit}" if unit and unit != "text" else number
