"""Application checklists: the format of ``checklist.yaml`` and the pre-check.

A program's ``checklist.yaml`` lists the application materials::

    program: hnte
    items:
      - id: hnte.audit_rd_3y                 # "<program>.<slug>", stable
        title: 近三个会计年度研发费用专项审计或鉴证报告
        article: hnte-materials              # knowledge article id (the citation)
        evidence: 具备资质的中介机构出具……       # what satisfies the item
        prefill: [rd_by_year, rd_3y]         # figures computed from the profile (FIGURES below)
        condition: hnte.rd_expense_ratio     # optional: the rule this material proves
        ready_when: {fact: has_own_trademark, op: is_true}   # optional test: the firm holds it
        applies_when: {fact: sector, op: in, value: [manufacturing]}  # optional test
        standard: true                       # optional: every registered firm holds it (营业执照)
        notes: 常见错误……

Status of an item, first rule that applies:

1. ``not_applicable`` when ``applies_when`` fails;
2. ``needs_attention`` when its ``condition`` fails, or a figure it uses carries a warning
   (e.g. an amount that looks like 元 instead of 万元);
3. ``missing`` when its condition or a pre-fill figure lacks profile facts (the fields are
   listed), or ``ready_when`` does not hold (the firm must obtain it first);
4. ``ready`` when ``ready_when`` holds, the item is ``standard``, or its condition passes
   and there is nothing to pre-fill;
5. ``prefilled`` when figures were computed;
6. ``missing`` otherwise: a document still to prepare.

Pure: standard library plus the core modules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from assistant.core.eligibility import Evaluator, evaluate_condition
from assistant.core.exact import fixed, is_number
from assistant.core.exact import ratio as exact_ratio
from assistant.core.facts import CLASS_I, CLASS_II, Facts, FactValue
from assistant.core.profile import MISSING, Profile
from assistant.core.results import ChecklistStatus, PrecheckedItem
from assistant.core.results import Figure as FigureJSON
from assistant.core.rules import RuleFormatError, Test, _Parser

STATUSES: tuple[ChecklistStatus, ...] = (
    "ready",
    "prefilled",
    "missing",
    "needs_attention",
    "not_applicable",
)


@dataclass(frozen=True)
class ChecklistItem:
    """One material of a program's checklist."""

    id: str
    title: str
    article: str
    evidence: str
    prefill: tuple[str, ...] = ()
    condition: str | None = None
    ready_when: Test | None = None
    applies_when: Test | None = None
    standard: bool = False
    notes: str = ""


@dataclass(frozen=True)
class Figure:
    """A computed figure for the 'computed figures' sheet."""

    name: str
    value: str
    basis: str = ""


@dataclass
class Prefill:
    """The text of a pre-fill figure, what it lacks and the figures behind it."""

    text: str | None
    missing: list[str] = field(default_factory=list)
    used: list[str] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)


def parse_checklist(
    raw: Any, is_fact: Callable[[str], bool]
) -> tuple[str, tuple[ChecklistItem, ...]]:
    """Parse a ``checklist.yaml`` mapping into (program id, items).

    Raises:
        RuleFormatError: the format is not followed; the message names the path.
    """
    parser = _Parser(is_fact)
    raw = parser.keys(raw, "(top)", {"program", "items"}, {"program", "items"})
    if not isinstance(raw["items"], list) or not raw["items"]:
        raise RuleFormatError("at 'items': expected a non-empty list")
    allowed = {
        "id",
        "title",
        "article",
        "evidence",
        "prefill",
        "condition",
        "ready_when",
        "applies_when",
        "standard",
        "notes",
    }
    items = []
    for i, entry in enumerate(raw["items"]):
        where = f"items[{i}]"
        entry = parser.keys(entry, where, allowed, {"id", "title", "article", "evidence"})
        prefill = tuple(entry.get("prefill") or ())
        unknown = [p for p in prefill if p not in FIGURES]
        if unknown:
            raise RuleFormatError(
                f"at '{where}.prefill': unknown figure(s) {unknown}; use {sorted(FIGURES)}"
            )
        items.append(
            ChecklistItem(
                id=str(entry["id"]),
                title=str(entry["title"]),
                article=str(entry["article"]),
                evidence=str(entry["evidence"]),
                prefill=prefill,
                condition=entry.get("condition"),
                ready_when=parser.test(entry["ready_when"], f"{where}.ready_when")
                if "ready_when" in entry
                else None,
                applies_when=parser.test(entry["applies_when"], f"{where}.applies_when")
                if "applies_when" in entry
                else None,
                standard=bool(entry.get("standard", False)),
                notes=str(entry.get("notes", "")),
            )
        )
    ids = [it.id for it in items]
    if len(ids) != len(set(ids)):
        raise RuleFormatError("at 'items': an item id is repeated")
    return str(raw["program"]), tuple(items)


# ---- pre-fill figures --------------------------------------------------------------
def _n(x: Any) -> str:
    return fixed(x, strip=True)


def _from(fact: FactValue, text: str | None, name: str, basis: str = "") -> Prefill:
    if not fact.known:
        return Prefill(None, list(fact.missing), list(fact.used))
    figures = [Figure(name, text or "", basis or fact.detail)] if text else []
    return Prefill(text, [], list(fact.used), figures)


def _company(f: Facts) -> Prefill:
    parts, missing = [], []
    for key, label in (
        ("name", "企业名称"),
        ("credit_code", "统一社会信用代码"),
        ("registered_on", "成立日期"),
    ):
        value = f.profile.get(key)
        if value is not MISSING:
            parts.append(f"{label}：{value}")
        elif key == "name":  # the rest is optional for a pre-fill
            missing.append(key)
    region = f.profile.get("region")
    if isinstance(region, dict):
        parts.append(
            "注册地：" + "".join(str(region.get(k, "")) for k in ("province", "city", "district"))
        )
    text = "；".join(parts) or None
    return Prefill(text, missing, [], [Figure("企业基本信息", text or "")] if text else [])


def _headcount(f: Facts) -> Prefill:
    ratio = f.get("tech_staff_ratio")
    if not ratio.known:
        return Prefill(None, list(ratio.missing))
    e, t = f.profile.get("employees"), f.profile.get("tech_staff")
    text = f"职工总数 {e} 人，科技人员 {t} 人，占 {fixed(ratio.value)}%"
    return Prefill(
        text, [], list(ratio.used), [Figure("科技人员占比", f"{fixed(ratio.value)}%", ratio.detail)]
    )


def _rd_by_year(f: Facts) -> Prefill:
    rows: list[str] = []
    missing: list[str] = []
    figures: list[Figure] = []
    for year in f.years_window(3):
        rd, rev = f.year_field(year, "rd_expense"), f.year_field(year, "revenue")
        if not (rd.known and rev.known):
            missing += rd.missing + rev.missing
            continue
        share = f"{fixed(exact_ratio(rd.value, rev.value) * 100)}%" if rev.value else "—"
        rows.append(
            f"{year}年 研发费用 {_n(rd.value)} 万元 / 销售收入 {_n(rev.value)} 万元（{share}）"
        )
        figures.append(
            Figure(f"{year}年研发费用占销售收入比例", share, f"{_n(rd.value)} ÷ {_n(rev.value)}")
        )
    return Prefill("；".join(rows) or None, missing, [], figures)


def _rd_3y(f: Facts) -> Prefill:
    ratio, total = f.get("rd_ratio_3y"), f.get("rd_3y_total")
    if not ratio.known or ratio.value is None:
        return Prefill(None, list(ratio.missing))
    years = f.years_window(3)
    text = (
        f"{years[0]}–{years[-1]} 研发费用合计 {_n(total.value)} 万元，"
        f"占销售收入 {fixed(ratio.value)}%"
    )
    return Prefill(
        text,
        [],
        list(ratio.used),
        [Figure("近三年研发费用占销售收入比例", f"{fixed(ratio.value)}%", ratio.detail)],
    )


def _domestic_rd(f: Facts) -> Prefill:
    share = f.get("domestic_rd_share")
    text = (
        f"境内研发费用占比 {fixed(share.value)}%"
        if share.known and share.value is not None
        else None
    )
    return _from(share, text, "境内研发费用占比")


def _hightech_share(f: Facts) -> Prefill:
    share = f.get("hightech_revenue_share")
    text = None
    if share.known and share.value is not None:
        text = f"{f.last_year}年 高新技术产品（服务）收入占总收入 {fixed(share.value)}%"
        if share.notes:
            text += f"（{share.notes[0]}）"
    return _from(share, text, "高新技术产品（服务）收入占比")


def _ip_list(f: Facts) -> Prefill:
    ip = f.profile.get("ip")
    if ip is MISSING:
        return Prefill(None, ["ip"])
    names = {
        "invention_patents": "发明专利",
        "plant_varieties": "植物新品种",
        "new_drugs": "国家新药",
        "ic_layouts": "集成电路布图设计",
        "utility_models": "实用新型",
        "design_patents": "外观设计",
        "software_copyrights": "软件著作权",
    }
    ip = ip or {}
    class_i = [f"{names[k]} {ip[k]} 项" for k in CLASS_I if ip.get(k)]
    class_ii = [f"{names[k]} {ip[k]} 项" for k in CLASS_II if ip.get(k)]
    text = f"Ⅰ类：{'、'.join(class_i) or '无'}；Ⅱ类：{'、'.join(class_ii) or '无'}"
    if ip.get("trademarks"):
        text += f"（注册商标 {ip['trademarks']} 件不计入知识产权）"
    figures = [
        Figure("Ⅰ类知识产权", str(sum(ip.get(k) or 0 for k in CLASS_I))),
        Figure("Ⅱ类知识产权", str(sum(ip.get(k) or 0 for k in CLASS_II))),
    ]
    return Prefill(text, [], ["ip"], figures)


def _growth(f: Facts) -> Prefill:
    net, sales = f.get("net_asset_growth"), f.get("sales_growth")
    missing = list(net.missing) + list(sales.missing)
    if missing:
        return Prefill(None, missing)

    def fmt(v: FactValue) -> str:
        return "—" if v.value is None else f"{fixed(v.value)}%"

    text = f"净资产增长率 {fmt(net)}，销售收入增长率 {fmt(sales)}"
    return Prefill(
        text,
        [],
        list(net.used + sales.used),
        [
            Figure("净资产增长率", fmt(net), net.detail),
            Figure("销售收入增长率", fmt(sales), sales.detail),
        ],
    )


def _fact_figure(name: str, label: str, unit: str) -> Callable[[Facts], Prefill]:
    def compute(f: Facts) -> Prefill:
        fact = f.get(name)
        if not fact.known or fact.value is None:
            return Prefill(None, list(fact.missing))
        value = f"{_n(fact.value)}{unit}" if is_number(fact.value) else str(fact.value)
        return Prefill(
            f"{label} {value}", [], list(fact.used), [Figure(label, value.strip(), fact.detail)]
        )

    return compute


def _financial_years(f: Facts) -> Prefill:
    rows: list[str] = []
    missing: list[str] = []
    figures: list[Figure] = []
    for year in f.years_window(3):
        rev, assets = f.year_field(year, "revenue"), f.year_field(year, "total_assets")
        if not rev.known:
            missing += rev.missing
            continue
        row = f"{year}年 营业收入 {_n(rev.value)} 万元"
        if assets.known:
            row += f"，资产总额 {_n(assets.value)} 万元"
        rows.append(row)
        figures.append(Figure(f"{year}年营业收入", f"{_n(rev.value)} 万元"))
    return Prefill("；".join(rows) or None, missing, [], figures)


def _qualifications(f: Facts) -> Prefill:
    quals = f.profile.get("qualifications")
    if quals is MISSING:
        return Prefill(None, ["qualifications"])
    text = "已持有：" + ("、".join(quals) if quals else "无")
    return Prefill(text, [], ["qualifications"])


FIGURES: dict[str, Callable[[Facts], Prefill]] = {
    "company": _company,
    "headcount": _headcount,
    "rd_by_year": _rd_by_year,
    "rd_3y": _rd_3y,
    "domestic_rd": _domestic_rd,
    "hightech_share": _hightech_share,
    "ip_list": _ip_list,
    "growth": _growth,
    "financial_years": _financial_years,
    "qualifications": _qualifications,
    "transformations": _fact_figure("transformations_per_year", "近三年年均成果转化", " 项/年"),
    "rd_last_2y": _fact_figure("rd_total_last_2y", "近两年研发费用合计", " 万元"),
    "rd_ratio_last_year": _fact_figure("rd_ratio_last_year", "最近一年研发费用占营业收入", "%"),
    "debt_ratio": _fact_figure("debt_ratio_last_year", "上年末资产负债率", "%"),
    "main_business_share": _fact_figure("main_business_share", "主营业务收入占比", "%"),
    "revenue_last_year": _fact_figure("last_year_revenue", "最近一年营业收入", " 万元"),
    "years_registered": _fact_figure("years_registered", "成立年限", " 年"),
    "years_in_city": _fact_figure("years_in_city", "在本市连续经营", " 年"),
    "revenue_growth": _fact_figure("revenue_cagr_2y", "近两年营业收入复合增长率", "%"),
}
"""Pre-fill figures by name (referenced from checklist.yaml ``prefill``)."""


def precheck_item(
    item: ChecklistItem, evaluator: Evaluator, conditions: dict[str, Any], profile: Profile
) -> tuple[PrecheckedItem, list[FigureJSON]]:
    """The status, pre-fill and notes of one item, and the figures behind its pre-fill."""
    fills = [FIGURES[name](evaluator.facts) for name in item.prefill]
    text = "；".join(p.text for p in fills if p.text) or None
    missing = [m for p in fills for m in p.missing]
    used = [u for p in fills for u in p.used]
    warnings = [w for w in profile.warnings if any(w.startswith(u) for u in used)]
    status, reason = _status(item, evaluator, conditions, fills, warnings, missing)
    row: PrecheckedItem = {
        "id": item.id,
        "title": item.title,
        "status": status,
        "prefill": text,
        "notes": "；".join(x for x in (reason, item.notes, *warnings) if x),
        "evidence": item.evidence,
        "missing": list(dict.fromkeys(missing)),
    }
    figures: list[FigureJSON] = [
        {"name": f.name, "value": f.value, "basis": f.basis} for p in fills for f in p.figures
    ]
    return row, figures


def _status(
    item: ChecklistItem,
    evaluator: Evaluator,
    conditions: dict[str, Any],
    fills: list[Prefill],
    warnings: list[str],
    missing: list[str],
) -> tuple[ChecklistStatus, str]:
    if item.applies_when is not None and evaluator.test(item.applies_when).status == "fail":
        return "not_applicable", "本企业不适用"
    cond = conditions.get(item.condition) if item.condition else None
    early = _blocking(cond, warnings, missing)
    if early:
        return early
    if item.ready_when is not None:
        state = evaluator.test(item.ready_when).status
        if state == "pass":
            return "ready", "企业已具备"
        return "missing", "需先取得或办理" if state == "fail" else "请确认是否已具备"
    if item.standard:
        return "ready", "企业已具备，附复印件即可"
    if cond is not None and cond.status == "pass" and not any(p.text for p in fills):
        return "ready", "根据已填资料，该项条件已满足，附证明材料即可"
    if any(p.text for p in fills):
        return "prefilled", ""
    return "missing", "需准备"


def _blocking(
    cond: Any, warnings: list[str], missing: list[str]
) -> tuple[ChecklistStatus, str] | None:
    """needs_attention / missing verdicts that override everything but not_applicable."""
    if cond is not None and cond.status == "fail":
        return "needs_attention", "相关条件目前不满足：" + "；".join(cond.actual or cond.required)
    if warnings:
        return "needs_attention", "请核对数据单位"
    if cond is not None and cond.status == "unknown":
        missing.extend(cond.missing)
        return "missing", "缺少判断所需的资料"
    if missing:
        return "missing", "缺少预填所需的资料"
    return None


def precheck(
    items: tuple[ChecklistItem, ...],
    evaluator: Evaluator | None,
    facts: Facts,
    profile: Profile,
    conditions_spec: dict[str, Any],
) -> list[tuple[PrecheckedItem, list[FigureJSON]]]:
    """Pre-check every item of a checklist: each item's row and its figures."""
    from assistant.core.rules import RuleVersion

    if evaluator is None:
        evaluator = Evaluator(RuleVersion("", "", dt.date.min, None, ()), facts)
    outcomes = {cid: evaluate_condition(evaluator, cond) for cid, cond in conditions_spec.items()}
    return [precheck_item(item, evaluator, outcomes, profile) for item in items]
