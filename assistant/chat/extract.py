"""Company facts from what people type: 「我们去年营收4800万，研发投入260万，员工120人」.

The text is cut into sentences and clauses. Each clause sets its fiscal year (去年, 前年,
2024年 …, carried to the following clauses); a field keyword with the amount or count next
to it gives a fact under its profile path (``financials.2025.revenue``). Lists with 分别
(「大前年、前年、去年营收分别是3500万、4000万、4800万」) are assigned in order. A clause with a
figure but no keyword continues the last field: a correction after 「说错了」, or the same
figure for another year. Later values win, so corrections replace earlier ones. Clauses
that state requirements or hypotheticals (要求, 如果, 明年 …) are not facts. The extractor
never raises: on text it cannot read it returns nothing (a property test feeds it
arbitrary text).

Pure: standard library plus the number parser.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from assistant.chat.numbers import CN_NUM, NUMBER, first_amount, first_count, first_percent
from assistant.core.text import normalize
from assistant.core.vocabulary import Regions, TitlePattern, Vocabulary

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
    (r"净利润|利润|盈利|净利|赚了", "net_profit"),
    (r"营业收入|营收|销售收入|销售额|年收入|收入|产值|营业额|卖了", "revenue"),
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
    (r"集成电路布图(?:设计)?", "ip.ic_layouts"),
    (r"植物新品种", "ip.plant_varieties"),
    (r"(?:国家)?(?:一类)?新药", "ip.new_drugs"),
    (r"商标", "ip.trademarks"),
    (r"成果转化|转化了?|科技成果", "transformations_3y"),
    (r"(?:行业|国家|国际)?标准", "led_standards_5y"),
]
_COUNT_NEEDS = {  # counts that only count with a context word in the clause
    "led_standards_5y": r"牵头|主导|起草|制定",
    "transformations_3y": r"转化",
    "ip.trademarks": r"注册|件|个",
}
_NEG = r"(?:没有|没|无|未|不曾|从未|从来没有?|还没有?|不是|并非|尚未)"
_HOLD = (
    r"(?:已经?是|是|也是|属于|已(?:被)?认定为?|认定为|评上了?|入选了?|取得了?|拿到了?"
    r"|获得了?|已入库|入库了?)"
)
_CORRECTION = re.compile(
    r"说错|不对|更正|应该是|纠正|改成|改为|其实是|记错|哦不|不好意思|实际(?:上)?是|授权了?"
)
_NOT_FACT = re.compile(
    r"要求|门槛|标准是|至少|需要|须|如果|假如|要是|明年|的话|对吧|是不是|应该达到"
)
_SENTENCE = re.compile(r"[。；;！!？?\n]")
_CLAUSE = re.compile(r"[，、]|(?<!\d),|,(?!\d)|其中|另外|此外|还有|同时")
_YEAR_WORDS = [
    ("大前年", 3),
    ("前年", 2),
    ("去年", 1),
    ("上年", 1),
    ("上一年", 1),
    ("今年", 0),
    ("本年", 0),
]
_YEAR_TOKEN = r"大前年|前年|去年|今年|\d{4}年"


@dataclass
class Extraction:
    """Facts found in a text (dotted profile paths -> values) and notes on assumptions."""

    facts: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def extract_facts(text: str, as_of: dt.date, words: Vocabulary) -> Extraction:
    """Read company facts from a message. Never raises.

    ``words`` (the knowledge base's vocabulary) says which cities, technology fields and
    title names there are; with an empty one, none are read.

    >>> day = dt.date(2026, 11, 22)
    >>> extract_facts("我们去年营收4800万，研发投入260万", day, Vocabulary()).facts
    {'financials.2025.revenue': 4800.0, 'financials.2025.rd_expense': 260.0}
    """
    out = Extraction()
    with contextlib.suppress(ValueError, ArithmeticError, IndexError, KeyError):  # never a crash
        _extract(_digits(normalize(text or "")[:5000]), as_of, words, out)
    return out


def _digits(text: str) -> str:
    """Chinese-digit dates to Arabic digits (二〇一七年 -> 2017年, 十月九日 -> 10月9日)."""
    table = str.maketrans("〇零一二三四五六七八九", "00123456789")

    def year(match: re.Match[str]) -> str:
        return match.group(1).translate(table) + "年"

    text = re.sub(r"([〇零一二三四五六七八九]{4})年", year, text)

    def small(match: re.Match[str]) -> str:
        from assistant.chat.numbers import chinese_integer

        value = chinese_integer(match.group(1))
        return f"{value}{match.group(2)}" if value is not None else match.group(0)

    text = re.sub(rf"(?<=\d年)([{CN_NUM}]{{1,3}})(月)", small, text)
    return re.sub(rf"(?<=\d月)([{CN_NUM}]{{1,3}})([日号])", small, text)


def _extract(text: str, as_of: dt.date, words: Vocabulary, out: Extraction) -> None:
    _registration(text, out)
    _titles(text, words.titles, out)
    _booleans(text, out)
    _region(text, words.regions, out)
    _sector(text, words.tech_fields.names, out)
    _institution_and_award(text, as_of, out)
    _market(text, out)
    _ratios(text, out)
    _operating_years(text, as_of, out)
    year = as_of.year - 1
    last_field: str | None = None
    years_list: list[int] = []
    for sentence in _SENTENCE.split(text):
        sentence, years_list = _respectively(sentence, as_of, out, years_list)
        correcting, three_years = False, False
        for clause in (c.strip() for c in _CLAUSE.split(sentence)):
            if not clause or _NOT_FACT.search(clause):
                continue
            year = _year_of(clause, as_of, year)
            correcting = correcting or bool(_CORRECTION.search(clause))
            three_years = three_years or bool(re.search(r"近?(?:三|(?<!\d)3)年", clause))
            new_field = _clause_facts(clause, year, out, last_field, correcting, three_years)
            if new_field != last_field:
                # a correction word after the figure corrects it in the next clause
                correcting = bool(_CORRECTION.search(re.split(r"\d", clause)[-1]))
            last_field = new_field


def _year_of(clause: str, as_of: dt.date, current: int) -> int:
    for word, back in _YEAR_WORDS:
        if word in clause:
            return as_of.year - back
    match = re.search(
        r"(20\d\d)\s*年(?!\s*\d{0,2}\s*月?\s*\d{0,2}\s*[日号]?[^，。]{0,8}(?:成立|注册))", clause
    )
    if match and 1990 < int(match.group(1)) <= as_of.year:
        return int(match.group(1))
    return current


def _years_in(text: str, as_of: dt.date) -> list[int]:
    out = []
    for token in re.findall(_YEAR_TOKEN, text):
        back = dict(_YEAR_WORDS).get(token)
        out.append(as_of.year - back if back is not None else int(token[:4]))
    return out


_AMOUNT_TEXT = rf"{NUMBER}\s*(?:多)?\s*(?:个亿|亿元|亿(?:零?{NUMBER}\s*万元?)?|千万|万元|万|元)"
_AMOUNT_SPLIT = re.compile(_AMOUNT_TEXT)
_FIELD_ALT = "|".join(f"(?:{pattern})" for pattern, _ in _MONEY)
_LIST = re.compile(
    rf"({_FIELD_ALT})[^，。；、\d]{{0,6}}?(?:分别)?(?:是|为|有)?\s*"
    rf"((?:{_AMOUNT_TEXT}\s*[、和及]\s*){{1,2}}{_AMOUNT_TEXT})"
)
_RANGE = re.compile(r"(\d{4})\s*年?\s*(?:到|至|-|—|~)\s*(\d{4})\s*年")
_EACH = re.compile(
    rf"({_FIELD_ALT})[^，。；\d]{{0,6}}?(?:每年|每一年|各年|年年|均|都|各)(?:都|均)?"
    rf"(?:是|为|有)?\s*({_AMOUNT_TEXT})"
)


def _years_context(text: str, as_of: dt.date, *, ordered: bool = False) -> list[int]:
    """The fiscal years a sentence lists (2023到2025年, 近三年, 前年、去年): oldest first,
    or with ``ordered`` in the order the text names them."""
    if match := _RANGE.search(text):
        start, end = int(match.group(1)), int(match.group(2))
        return list(range(start, end + 1)) if 0 < end - start < 10 else []
    last = as_of.year - 1
    if re.search(r"近?(?:三|(?<!\d)3)年", text):
        return [last - 2, last - 1, last]
    if re.search(r"近?(?:两|二|(?<!\d)2)年", text):
        return [last - 1, last]
    named = _years_in(text, as_of)
    return named if ordered else sorted(named)


def _respectively(
    sentence: str, as_of: dt.date, out: Extraction, remembered: list[int]
) -> tuple[str, list[int]]:
    """Lists of figures for several years (「2023到2025年营收3500万、4000万、4800万」,
    「营收分别是…」), assigned oldest to newest; without stated years, the last fiscal
    years. The list is then removed from the sentence."""
    years = _years_context(sentence, as_of) or remembered
    for match in list(_LIST.finditer(sentence)):
        key = next((k for pattern, k in _MONEY if re.fullmatch(pattern, match.group(1))), None)
        amounts = [first_amount(v) for v in _AMOUNT_SPLIT.findall(match.group(2))]
        if key is None or None in amounts:
            continue
        # The years right before the list, in the order said (「去年、前年营收分别是…」
        # lists the newest first); else the sentence's years, oldest first.
        clause = re.split(r"[，,；;]", sentence[: match.start()])[-1]
        own = _years_context(clause, as_of, ordered=True)
        near = own if len(own) == len(amounts) else years
        targets = (
            near
            if len(near) == len(amounts)
            else list(range(as_of.year - len(amounts), as_of.year))
        )
        for y, amount in zip(targets, amounts, strict=True):
            out.facts[f"financials.{y}.{key}"] = amount
        sentence = sentence.replace(match.group(0), "　" * len(match.group(0)))
    if len(years) > 1:
        sentence = _each_year(sentence, years, out)
    return sentence, years


def _each_year(sentence: str, years: list[int], out: Extraction) -> str:
    """One figure for every listed year (「2023到2025年营收每年都是3000万」, 「…均为…」); the
    phrase is then removed from the sentence. Without stated years nothing is assumed."""
    for match in list(_EACH.finditer(sentence)):
        key = next((k for pattern, k in _MONEY if re.fullmatch(pattern, match.group(1))), None)
        amount = first_amount(match.group(2))
        if key is None or amount is None:
            continue
        for y in years:
            out.facts[f"financials.{y}.{key}"] = amount
        sentence = sentence.replace(match.group(0), "　" * len(match.group(0)))
    return sentence


def _clause_facts(
    clause: str,
    year: int,
    out: Extraction,
    last_field: str | None,
    correcting: bool,
    three_years: bool,
) -> str | None:
    if re.search(r"融资|融了|股权投资", clause):
        amount = first_amount(clause)
        if amount is not None:
            key = (
                "equity_financing_3y"
                if re.search(r"(?:三|(?<!\d)3)年", clause)
                else "equity_financing_2y"
            )
            out.facts[key] = amount
        return last_field
    totals = three_years and bool(re.search(r"合计|一共|总共|累计|总计|加起来", clause))
    found = _money(clause, year, out, totals) or _count(clause, out)
    if found or not last_field:
        return found or last_field
    return _continue(clause, year, out, last_field, correcting)


def _continue(
    clause: str, year: int, out: Extraction, last_field: str, correcting: bool
) -> str | None:
    """A figure with no field keyword continues the last field (「说错了，是700万」,
    「前年3500万，大前年3000万」); only figures with a unit count, so 「ISO9001」 does not."""
    money = last_field.startswith(("financials", "rd_expense_3y", "revenue_3y", "equity"))
    if money:
        value = first_amount(clause, bare_is_wan=False)
    else:
        # a count continues only with its measure word (「是9人」): 「近一年」 and the year of
        # 「2023到2025年」 are not counts
        counted = re.search(rf"({NUMBER})\s*(?:多)?\s*[人名个位项件种套家]", clause)
        value = first_count(counted.group(1)) if counted else None
    if (
        value is None
        and correcting
        and last_field.startswith("financials.")
        and re.search(_YEAR_TOKEN, clause)
        and last_field in out.facts
    ):
        # 「去年营收5000万……哦不，那是前年的」: the figure belongs to another year
        moved = f"financials.{year}.{last_field.split('.')[2]}"
        out.facts[moved] = out.facts.pop(last_field)
        return moved
    if value is None or (not money and not correcting):
        return last_field
    target = last_field
    if last_field in ("rd_expense_3y_total", "revenue_3y_total") and re.search(_YEAR_TOKEN, clause):
        key = "rd_expense" if last_field.startswith("rd") else "revenue"
        # one year's R&D cannot exceed the three-year total: then the figure is revenue
        if key == "rd_expense" and value > out.facts.get("rd_expense_3y_total", value):
            key = "revenue"
        target = f"financials.{year}.{key}"
    elif last_field.startswith("financials.") and not correcting:
        target = f"financials.{year}.{last_field.split('.')[2]}"
    out.facts[target] = value
    return target


def _money(clause: str, year: int, out: Extraction, totals: bool) -> str | None:
    for pattern, key in _MONEY:
        match = re.search(pattern, clause)
        if not match:
            continue
        rest = clause[match.end() :]
        amount = first_amount(rest)
        if amount is None:
            amount = first_amount(clause[: match.start()])
        if amount is None:
            return None
        if key == "net_profit" and re.search(r"亏", clause):
            amount = -abs(amount)
        if totals and key in ("rd_expense", "revenue"):
            path = "rd_expense_3y_total" if key == "rd_expense" else "revenue_3y_total"
        else:
            path = f"financials.{year}.{key}"
        out.facts[path] = amount
        return path
    loss = first_amount(clause)
    if re.search(r"亏损|亏了", clause) and loss is not None:
        path = f"financials.{year}.net_profit"
        out.facts[path] = -abs(loss)
        return path
    return None


def _count_near(clause: str, start: int, end: int) -> int | None:
    """The count right before a keyword (「2项发明专利」), else the one after it."""
    before = re.search(
        rf"({NUMBER})\s*(?:多)?\s*(?:[项件个种套名位人家]\s*[^，。\d]{{0,6}}|(?:的)?\s*)$",
        clause[:start],
    )
    if before:
        value = first_count(before.group(1))
        if value is not None:
            return value
    after = clause[end : end + 12]
    if re.match(rf"[^，。]{{0,6}}?{NUMBER}\s*[%％]", after):
        return None
    # A duration is not a headcount: 「科技人员累计工作183天以上」 states a rule's term.
    if re.match(rf"[^，。]{{0,10}}?{NUMBER}\s*(?:天|日|个月|小时|周|工作日)", after):
        return None
    return first_count(after)


def _count(clause: str, out: Extraction) -> str | None:
    found = None
    for pattern, key in _COUNTS:
        match = re.search(pattern, clause)
        if not match:
            continue
        if key in _COUNT_NEEDS and not re.search(_COUNT_NEEDS[key], clause):
            continue
        if key == "employees" and re.search(
            r"研发|科技|技术", clause[max(0, match.start() - 3) : match.start()]
        ):
            continue
        if re.search(rf"{_NEG}\s*$", clause[: match.start()]):
            out.facts[key] = 0
            found = key
            continue
        if re.search(r"占比|比例|百分之", clause):
            continue
        value = _count_near(clause, match.start(), match.end())
        if value is not None:
            out.facts[key] = value
            found = key
            clause = (
                clause[: match.start()]
                + "　" * (match.end() - match.start())
                + clause[match.end() :]
            )
    return found


def _registration(text: str, out: Extraction) -> None:
    date = r"(20\d\d|19\d\d)\s*(?:年|-|\.|/)\s*(\d{1,2})\s*(?:月|-|\.|/)\s*(\d{1,2})\s*[日号]?"
    moved = re.search(rf"{date}[^，。]{{0,6}}(?:搬到|迁到|迁入|搬来|落户)", text)
    if moved:
        with contextlib.suppress(ValueError):
            out.facts["operating_in_city_since"] = dt.date(
                *(int(g) for g in moved.groups())
            ).isoformat()
        return
    full = re.search(rf"{date}[^，。]{{0,8}}(?:成立|注册)", text) or re.search(
        rf"(?:成立|注册)(?:于|时间是|日期是|的时间是)?\s*{date}", text
    )
    if full:
        with contextlib.suppress(ValueError):
            out.facts["registered_on"] = dt.date(*(int(g) for g in full.groups())).isoformat()
        return
    month = re.search(r"(20\d\d|19\d\d)\s*年\s*(\d{1,2})\s*月份?[^，。\d]{0,6}(?:成立|注册)", text)
    if month and 1 <= int(month.group(2)) <= 12:
        out.facts["registered_month"] = f"{month.group(1)}-{int(month.group(2)):02d}"
        return
    years = re.findall(r"(20\d\d|19\d\d)\s*年(?:\s*\d{1,2}\s*月)?[^，。]{0,8}(?:成立|注册)", text)
    years += re.findall(r"(?:成立|注册)(?:于|在)?\s*(20\d\d|19\d\d)\s*年", text)
    if years:
        year = int(years[0])
        if _CORRECTION.search(text):  # 「2017年成立，记错了，是2016年」
            later = re.findall(r"(?:是|应该是)\s*(20\d\d|19\d\d)\s*年", text)
            year = int(later[-1]) if later else year
        out.facts["registered_year"] = year


def _titles(text: str, titles: tuple[TitlePattern, ...], out: Extraction) -> None:
    if re.search(r"(?:什么|任何)资质都(?:还)?没有|没有任何资质|还没有(?:任何)?资质", text):
        out.facts["qualifications"] = []
        return
    held: list[str] = []
    known = False  # a negated title (「还不是高端品牌培育企业」) tells the list is known
    for clause in re.split(r"[，,。；;！!？?\n]", text):
        if _NOT_FACT.search(clause) or re.search(r"能不能|可以吗|能否|吗|呢|怎么|如何", clause):
            continue
        masked = clause
        for title in titles:
            match = re.search(title.pattern, masked)
            if not match:
                continue
            before = masked[max(0, match.start() - 8) : match.start()]
            if re.search(_HOLD, before) and not re.search(_NEG, before):
                held.append(title.title)
            masked = (
                masked[: match.start()]
                + "　" * (match.end() - match.start())
                + masked[match.end() :]
            )
    if held or known:
        out.facts["qualifications"] = list(dict.fromkeys(held))
    if re.search(
        r"没(?:有)?(?:拿过|拿到过|融过|做过)?(?:任何)?(?:股权)?(?:融资|投资)|没融过资", text
    ):
        out.facts.setdefault("equity_financing_2y", 0)
        out.facts.setdefault("equity_financing_3y", 0)


def _flag(text: str, positive: str, negative: str) -> bool | None:
    if re.search(negative, text):
        return False
    if re.search(positive, text):
        return True
    return None


def _booleans(text: str, out: Extraction) -> None:
    # 「还必须有质量管理体系认证吗」 asks about a requirement; it states nothing.
    text = "，".join(
        c
        for c in re.split(r"[，,。；;！!？?]", text)
        if not re.search(r"必须|要求|需要|须|是否|要不要|吗", c)
    )
    accident = r"(?:重大)?(?:安全|质量|环境)?(?:生产)?事故|环境违法|环保处罚"
    where = next((c for c in re.split(r"[，,。；;]", text) if re.search(accident, c)), "")
    incident_key = (
        "compliance.major_incident_last_3y"
        if re.search(r"近?(?:三|(?<!\d)3)年", where)
        else "compliance.major_incident_last_year"
    )
    flags = {
        incident_key: _flag(
            text,
            rf"(?:发生|出)(?:过|了)?[^，。]{{0,4}}?(?:{accident})|有过?(?:{accident})",
            rf"{_NEG}\s*(?:发生|出)?过?(?:任何)?[^，。；;]{{0,10}}?(?:{accident})"
            rf"|(?:{accident})\s*(?:都)?(?:没有|无)",
        ),
        "compliance.failed_spot_check_3y": _flag(
            text,
            r"(?:抽查|抽检)[^，。]{0,8}不合格",
            r"(?:抽查|抽检)[^，。不]{0,6}(?:都|均|全部|全)?合格",
        ),
        "compliance.abnormal_or_dishonest_list": _flag(
            text,
            r"(?:被)?列入(?:了)?(?:经营)?异常|(?:是|被列为)失信|失信被执行",
            rf"{_NEG}\s*(?:被)?(?:列入)?(?:经营异常|失信)|(?:经营异常|失信)(?:记录)?(?:都)?(?:没有|无)",
        ),
        "compliance.bad_credit_3y": _flag(
            text,
            r"有(?:过)?[^，。]{0,4}不良(?:信用)?记录",
            rf"{_NEG}\s*(?:任何)?不良(?:信用)?记录|信用(?:良好|很好)",
        ),
        "has_own_trademark": _flag(
            text,
            r"有(?:自己的|自主的?)(?:品牌)?商标|自主品牌|有自己的品牌",
            rf"{_NEG}\s*(?:自己的|自主)?(?:品牌)?商标|商标[^，。]{{0,6}}(?:别人|他人)[^，。]{{0,4}}授权|授权使用",
        ),
        "quality_management_certified": _flag(
            text,
            r"ISO\s*9001|质量管理体系认证|通过了?质量(?:管理)?体系",
            rf"{_NEG}\s*(?:通过)?(?:ISO|质量管理体系|质量体系)",
        ),
    }
    out.facts.update({k: v for k, v in flags.items() if v is not None})


def _region(text: str, regions: Regions, out: Extraction) -> None:
    stems = regions.city_stems
    if not stems:
        return
    places = "|".join((regions.province_short, *stems))
    # Title names are not places: 好品山东, 山东省高端品牌培育, 济南市级高端品牌培育.
    not_places = [re.escape(t) for t in regions.titles_naming_places]
    if regions.title_words_after_place:
        words = "|".join(map(re.escape, regions.title_words_after_place))
        not_places.append(f"(?:{places})(?:省|市)?(?:级)?(?:{words})")
    if not_places:
        text = re.sub("|".join(not_places), "　", text)
    moved = re.search(r"(?:搬到|迁到|迁入|搬来)(?:了)?(" + "|".join(stems) + ")", text)
    cities = [c for c in stems if c in text]
    city = moved.group(1) if moved else (min(cities, key=text.index) if cities else None)
    if city:
        out.facts["region.city"] = f"{city}市"
        out.facts["region.province"] = regions.province
    elif regions.province_short in text:
        out.facts["region.province"] = regions.province
    prefix = "|".join((*(f"{c}市?" for c in stems), "市", "在", "是"))
    districts = re.findall(rf"(?:{prefix})([\u4e00-\u9fff]{{2,3}}?(?:区|县))", text)
    districts += re.findall(r"((?:高新|经开|自贸)区)", text)
    districts = [
        d
        for d in districts
        if not d.endswith(("地区", "园区", "社区", "小区", "景区", "城区", "厂区"))
    ]
    if districts:
        out.facts["region.district"] = districts[-1]  # the last one named (corrections)


def _sector(text: str, tech_fields: tuple[str, ...], out: Extraction) -> None:
    if re.search(r"制造业|制造企业|生产型|工厂|加工厂", text):
        out.facts["sector"] = "manufacturing"
    elif re.search(r"农业|种植|养殖|农产品|合作社", text):
        out.facts["sector"] = "agriculture"
    elif re.search(r"服务业|服务型企业|服务企业", text):
        out.facts["sector"] = "service"
    for name in tech_fields:
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


def _institution_and_award(text: str, as_of: dt.date, out: Extraction) -> None:
    unit = (
        r"企业技术中心|技术中心|工程技术研究中心|工程研究中心|重点实验室|工程实验室"
        r"|研发中心|研究院|研发机构"
    )
    if re.search(rf"{_NEG}[^，。]{{0,4}}(?:{unit})", text):
        out.facts["rd_institution_level"] = "none"
    else:
        level = re.search(rf"(国家|省|市)级?[^，。]{{0,6}}(?:{unit})", text)
        if level:
            out.facts["rd_institution_level"] = {
                "国家": "national",
                "省": "provincial",
                "市": "municipal",
            }[level.group(1)]
    award = re.search(
        r"(国家|省)(?:级)?[^，。]{0,4}科(?:学)?技(?:术)?(?:进步|发明)?奖|(国家|省)(?:级)?[^，。]{0,6}等奖",
        text,
    )
    if award:
        award_level = award.group(1) or award.group(2)
        out.facts["st_award.level"] = "national" if award_level == "国家" else "provincial"
        years = _years_in(text[: award.end() + 4], as_of)
        if years:
            out.facts["st_award.year"] = years[-1]
        rank = re.search(
            rf"(?:排(?:名)?第|第)\s*({NUMBER})\s*(?:名|位|完成)?", text[award.start() :]
        )
        if rank:
            value = first_count(rank.group(1))
            if value is not None:
                out.facts["st_award.rank"] = value


_RATIOS = [
    (
        r"研发(?:费用|投入|经费)?(?:占|占到|占了)(?:营收|营业收入|销售收入|收入)(?:的)?(?:比例|比重)?",
        "rd_ratio_last_year",
    ),
    (r"(?:资产)?负债率", "debt_ratio_last_year"),
    (
        r"主营(?:业务)?(?:收入)?(?:占(?:营收|营业收入|收入)(?:的)?(?:比例|比重)?|占比)",
        "main_business_share",
    ),
    (r"主营(?:业务)?(?:收入)?增长(?:率)?", "main_business_growth_last_year"),
    (r"(?:营收|营业收入|销售收入)增长(?:率)?", "revenue_growth_last_year"),
    (
        r"(?:科技|研发|技术)人员(?:占比|占(?:职工|员工)?(?:总数)?(?:的)?(?:比例|比重))",
        "tech_staff_ratio",
    ),
]


def _ratios(text: str, out: Extraction) -> None:
    """Ratios people state directly (「研发费用占营收7%」, 「负债率40%」): kept as stated
    values of the derived facts, used when the figures behind them are not known."""
    for pattern, key in _RATIOS:
        match = re.search(pattern, text)
        if match:
            percent = first_percent(text[match.end() : match.end() + 12])
            if percent is not None:
                out.facts[f"stated.{key}"] = percent


def _operating_years(text: str, as_of: dt.date, out: Extraction) -> None:
    """「在济南干了5年」: operating in the city since as many years before ``as_of``."""
    match = re.search(rf"在[^，。]{{1,8}}?(?:干|经营|开|办|做)了\s*({NUMBER})\s*(?:多)?年", text)
    if match and "operating_in_city_since" not in out.facts:
        years = first_count(match.group(1))
        if years is not None and 0 < years < 100:
            with contextlib.suppress(ValueError):
                out.facts["operating_in_city_since"] = as_of.replace(
                    year=as_of.year - years
                ).isoformat()


def _market(text: str, out: Extraction) -> None:
    share = re.search(r"(?:市场)?(?:占有率|份额|市占率)[^，。]{0,6}", text)
    if share:
        percent = first_percent(text[share.start() : share.end() + 12])
        if percent is not None:
            out.facts["market.share_pct"] = percent
    for scope, key in (
        (r"全国|国内", "market.national_rank"),
        (r"省内|全省", "market.province_rank"),
    ):
        rank = re.search(rf"(?:{scope})[^，。]{{0,6}}?(?:排(?:名)?(?:到)?第|第)\s*({NUMBER})", text)
        if rank:
            value = first_count(rank.group(1))
            if value is not None:
                out.facts[key] = value
