"""Company facts from what people type: 「我们去年营收4800万，研发投入260万，员工120人」.

The text is cut into clauses; each clause sets its fiscal year (去年, 前年, 2024年 …, carried
to the following clauses), and a field keyword with the amount or count next to it gives a
fact under its profile path (``financials.2025.revenue``). A clause with a figure but no
keyword after 「说错了」「不对」「应该是」 corrects the last field named. Later values win, so
corrections replace earlier ones. The extractor never raises: on text it cannot read it
returns nothing (a property test feeds it arbitrary text).

Pure: standard library plus the number parser.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from assistant.chat.numbers import first_amount, first_count, first_percent
from assistant.core.text import normalize

_MONEY = [
    (r"高新技术产品(?:（服务）|\(服务\)|和服务|服务)?收入|高新(?:产品)?收入", "hightech_revenue"),
    (r"主营业务收入|主营收入|主营业务", "main_business_revenue"),
    (r"总收入|收入总额", "total_income"),
    (r"境内(?:的)?研发(?:费用|投入|支出)?", "rd_expense_domestic"),
    (
        r"研发投入|研发费用|研发经费|研发支出|研究开发费用|研发(?!人|团队|机构|中心|部)",
        "rd_expense",
    ),
    (r"成本费用总额|成本费用", "total_costs"),
    (r"资产总额|总资产|资产", "total_assets"),
    (r"负债总额|总负债|负债", "total_liabilities"),
    (r"净利润|利润|盈利|净利", "net_profit"),
    (r"营业收入|营收|销售收入|销售额|年收入|收入|产值|营业额", "revenue"),
]
_COUNTS = [
    (
        r"研发人员|科技人员|技术人员|研发团队|研发(?=\d|[一二两三四五六七八九十]+[个名人位])",
        "tech_staff",
    ),
    (r"员工|职工|人数|在职|雇员|工人|人员", "employees"),
    (r"发明专利|发明", "ip.invention_patents"),
    (r"实用新型", "ip.utility_models"),
    (r"外观设计|外观专利", "ip.design_patents"),
    (r"软件著作权|软著|著作权", "ip.software_copyrights"),
    (r"集成电路布图", "ip.ic_layouts"),
    (r"植物新品种", "ip.plant_varieties"),
    (r"注册商标", "ip.trademarks"),
    (r"成果转化", "transformations_3y"),
]
_CITIES = (
    "济南",
    "青岛",
    "淄博",
    "枣庄",
    "东营",
    "烟台",
    "潍坊",
    "济宁",
    "泰安",
    "威海",
    "日照",
    "临沂",
    "德州",
    "聊城",
    "滨州",
    "菏泽",
)
_FIELDS_8 = (
    "电子信息",
    "生物与新医药",
    "航空航天",
    "新材料",
    "高技术服务",
    "新能源与节能",
    "资源与环境",
    "先进制造与自动化",
)
_NEG = r"(?:没有|没|无|未|不曾|从未|从来没有?|还没有?|不是|并非|尚未)"
_TITLES = [
    (r"高新技术企业|高企|国高", "hnte"),
    (r"科技型中小企业|科小|科技型企业", "tech_sme"),
    (r"创新型中小企业|创新型企业", "innovative_sme"),
    (r"小巨人", "little_giant"),
    (r"专精特新", "srdi_sme"),
    (r"好品山东", "haopin_shandong"),
    (r"省级?高端品牌培育|山东省高端品牌培育", "high_end_brand_province"),
    (r"(?:济南)?市级?高端品牌培育", "high_end_brand_city"),
]
_CORRECTION = re.compile(r"说错|不对|更正|应该是|纠正|改成|改为|其实是")
_CLAUSE = re.compile(r"[，,。；;！!？?\n、]|其中|另外|此外|还有|同时")


@dataclass
class Extraction:
    """Facts found in a text (dotted profile paths -> values) and notes on assumptions."""

    facts: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def extract_facts(text: str, as_of: dt.date) -> Extraction:
    """Read company facts from a message. Never raises.

    >>> extract_facts("我们去年营收4800万，研发投入260万", dt.date(2026, 11, 22)).facts
    {'financials.2025.revenue': 4800.0, 'financials.2025.rd_expense': 260.0}
    """
    out = Extraction()
    with contextlib.suppress(ValueError, ArithmeticError, IndexError):  # never a crash
        _extract(normalize(text or "")[:5000], as_of, out)
    return out


def _extract(text: str, as_of: dt.date, out: Extraction) -> None:
    _registration(text, out)
    _titles(text, out)
    _booleans(text, out)
    _place_and_kind(text, out)
    year = as_of.year - 1
    last_field: str | None = None
    correcting = False
    for clause in (c.strip() for c in _CLAUSE.split(text)):
        if not clause:
            continue
        year = _year_of(clause, as_of, year)
        correcting = correcting or bool(_CORRECTION.search(clause))
        new_field = _clause_facts(clause, year, out, last_field, correcting)
        if new_field != last_field:
            correcting = False
        last_field = new_field


def _year_of(clause: str, as_of: dt.date, current: int) -> int:
    relative = [
        ("大前年", 3),
        ("前年", 2),
        ("去年", 1),
        ("上年", 1),
        ("上一年", 1),
        ("今年", 0),
        ("本年", 0),
    ]
    for word, back in relative:
        if word in clause:
            return as_of.year - back
    match = re.search(
        r"(20\d\d)\s*年(?!\s*\d{0,2}\s*月?\s*\d{0,2}\s*[日号]?\s*(?:成立|注册))", clause
    )
    if match and 1990 < int(match.group(1)) <= as_of.year:
        return int(match.group(1))
    return current


def _clause_facts(
    clause: str, year: int, out: Extraction, last_field: str | None, correcting: bool
) -> str | None:
    three_years = re.search(r"近?(?:三|3)年", clause) and re.search(
        r"合计|一共|总共|累计|总计|加起来", clause
    )
    if re.search(r"融资", clause):
        amount = first_amount(clause)
        if amount is not None:
            key = (
                "equity_financing_3y" if re.search(r"(?:三|3)年", clause) else "equity_financing_2y"
            )
            out.facts[key] = amount
        return last_field
    found = _money(clause, year, out, bool(three_years)) or _count(clause, out)
    if found or not last_field:
        return found or last_field
    # A figure with no field keyword continues the last field: a correction
    # (「说错了，是700万」) or the same figure for another year (「前年3500万，大前年3000万」).
    money = last_field.startswith(("financials", "rd_expense_3y", "revenue_3y", "equity"))
    value = first_amount(clause) if money else first_count(clause)
    if value is None:
        return last_field
    target = last_field
    if last_field.startswith("financials.") and not correcting:
        target = f"financials.{year}.{last_field.split('.')[2]}"
    out.facts[target] = value
    return target


def _money(clause: str, year: int, out: Extraction, three_years: bool) -> str | None:
    for pattern, key in _MONEY:
        match = re.search(pattern, clause)
        if not match:
            continue
        rest = clause[match.end() :]
        amount = first_amount(rest) if first_amount(rest) is not None else first_amount(clause)
        if amount is None:
            percent = first_percent(clause)
            if percent is not None and key == "rd_expense":
                out.facts["_rd_percent"] = percent
            return None
        if key == "net_profit" and re.search(r"亏", clause):
            amount = -abs(amount)
        if three_years and key in ("rd_expense", "revenue"):
            path = "rd_expense_3y_total" if key == "rd_expense" else "revenue_3y_total"
        else:
            path = f"financials.{year}.{key}"
        out.facts[path] = amount
        return path
    if re.search(r"亏损|亏了", clause) and first_amount(clause) is not None:
        path = f"financials.{year}.net_profit"
        out.facts[path] = -abs(first_amount(clause) or 0)
        return path
    return None


def _count(clause: str, out: Extraction) -> str | None:
    found = None
    for pattern, key in _COUNTS:
        match = re.search(pattern, clause)
        if not match:
            continue
        near = (
            clause[match.end() : match.end() + 12]
            + " "
            + clause[max(0, match.start() - 8) : match.start()]
        )
        if re.search(rf"{_NEG}\s*$", clause[: match.start()]) or re.match(
            r"\s*(?:都)?没有", clause[match.end() :]
        ):
            out.facts[key] = 0
            found = key
            continue
        value = (
            None
            if re.match(r"[^，。]{0,6}?\d+(?:\.\d+)?\s*[%％]", near)
            or re.search(r"占比|比例|百分之", clause)
            else first_count(near)
        )
        if key == "employees" and re.search(
            r"研发|科技|技术", clause[max(0, match.start() - 3) : match.start()]
        ):
            continue
        if value is not None:
            out.facts[key] = value
            found = key
            clause = (
                clause[: match.start()]
                + "　" * (match.end() - match.start())
                + clause[match.end() :]
            )
    percent = first_percent(clause)
    if (
        percent is not None
        and re.search(r"研发人员|科技人员|技术人员", clause)
        and "tech_staff" not in out.facts
    ):
        out.facts["_tech_staff_percent"] = percent
    return found


def _registration(text: str, out: Extraction) -> None:
    full = re.search(
        r"(20\d\d|19\d\d)\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?\s*(?:成立|注册)", text
    ) or re.search(
        r"(?:成立|注册)(?:于|时间是|日期是)?\s*(20\d\d|19\d\d)\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})",
        text,
    )
    if full:
        with contextlib.suppress(ValueError):
            out.facts["registered_on"] = dt.date(*(int(g) for g in full.groups())).isoformat()
        return
    year = re.search(
        r"(20\d\d|19\d\d)\s*年\s*(?:\d{1,2}\s*月\s*)?(?:成立|注册)", text
    ) or re.search(r"(?:成立|注册)(?:于|在)?\s*(20\d\d|19\d\d)\s*年", text)
    if year:
        out.facts["registered_year"] = int(year.group(1))


def _titles(text: str, out: Extraction) -> None:
    held: list[str] = []
    for clause in _CLAUSE.split(text):
        if not re.search(
            r"已经?是|已(?:被)?认定|已入库|入选|拿到|取得|获得|有.*证书|评上|认定为|是.*企业|已评",
            clause,
        ):
            continue
        if re.search(rf"{_NEG}", clause) or re.search(r"能不能|可以吗|能否|吗|呢", clause):
            continue
        masked = clause
        for pattern, title in _TITLES:
            if re.search(pattern, masked):
                held.append(title)
                masked = re.sub(pattern, "　", masked)
    if held:
        out.facts["qualifications"] = list(dict.fromkeys(held))


def _flag(text: str, positive: str, negative: str) -> bool | None:
    if re.search(negative, text):
        return False
    if re.search(positive, text):
        return True
    return None


def _booleans(text: str, out: Extraction) -> None:
    accident = r"(?:重大)?(?:安全|质量|环境)?(?:生产)?事故|环境违法|环保处罚"
    flags = {
        "compliance.major_incident_last_year": _flag(
            text,
            rf"(?:发生|出)过?(?:了)?\s*(?:{accident})|有过?(?:{accident})",
            rf"{_NEG}\s*(?:发生|出)?过?(?:任何)?\s*(?:{accident})|(?:{accident})\s*(?:都)?(?:没有|无)",
        ),
        "compliance.abnormal_or_dishonest_list": _flag(
            text,
            r"(?:被)?列入(?:了)?(?:经营)?异常|(?:是|被列为)失信|失信被执行",
            rf"{_NEG}\s*(?:被)?(?:列入)?(?:经营异常|失信)|(?:经营异常|失信)(?:记录)?(?:都)?(?:没有|无)",
        ),
        "compliance.bad_credit_3y": _flag(
            text,
            r"有(?:过)?不良(?:信用)?记录",
            rf"{_NEG}\s*(?:任何)?不良(?:信用)?记录|信用(?:良好|很好)",
        ),
        "has_own_trademark": _flag(
            text,
            r"有(?:自己的|自主的?|注册)?(?:品牌)?商标|自主品牌",
            rf"{_NEG}\s*(?:自己的|自主)?(?:品牌)?商标",
        ),
        "quality_management_certified": _flag(
            text,
            r"ISO\s*9001|质量管理体系认证|通过了?质量(?:管理)?体系",
            rf"{_NEG}\s*(?:通过)?(?:ISO|质量管理体系|质量体系)",
        ),
    }
    out.facts.update({k: v for k, v in flags.items() if v is not None})


def _place_and_kind(text: str, out: Extraction) -> None:
    _region(text, out)
    _sector(text, out)


def _region(text: str, out: Extraction) -> None:
    for city in _CITIES:
        if city in text:
            out.facts["region.city"] = f"{city}市"
            out.facts["region.province"] = "山东省"
            after = text[text.index(city) + len(city) :][:8]
            district = re.match(r"市?(?:的)?\s*([\u4e00-\u9fff]{1,4}?(?:区|县|市))", after)
            if district and district.group(1) not in ("市",):
                out.facts["region.district"] = district.group(1)
            break
    else:
        zone = re.search(r"(高新区|经开区|自贸区|[\u4e00-\u9fff]{2}区)", text)
        if zone and "山东" in text:
            out.facts["region.district"] = zone.group(1)


def _sector(text: str, out: Extraction) -> None:
    if re.search(r"制造业|制造企业|生产型|工厂|加工厂", text):
        out.facts["sector"] = "manufacturing"
    elif re.search(r"农业|种植|养殖|农产品", text):
        out.facts["sector"] = "agriculture"
    elif re.search(r"服务业|服务型企业|服务企业", text):
        out.facts["sector"] = "service"
    for name in _FIELDS_8:
        if name in text:
            out.facts["tech_field"] = name
            break
    niche = re.search(
        r"(?:深耕|专注|做了|从事)[^，。]{0,12}?(\d+|[一二两三四五六七八九十]+)\s*(?:多)?年", text
    )
    if niche:
        years = first_count(niche.group(1))
        if years is not None:
            out.facts["niche_market_years"] = years
