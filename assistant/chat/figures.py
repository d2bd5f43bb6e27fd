"""Money and counts read clause by clause: a field keyword with the amount or count next to
it (「研发投入260万」, 「2项发明专利」), lists of figures for several years (分别, 每年都是), and a
bare figure that continues the last field (「说错了，是700万」, 「前年3500万」).

Pure: standard library plus the number parser.
"""

from __future__ import annotations

import datetime as dt
import re

from assistant.chat.fact_cues import BOUND, NEG, YEAR_TOKEN, Extraction, years_in
from assistant.chat.numbers import NUMBER, first_amount, first_count

_MONEY = [
    (r"高新技术产品(?:（服务）|\(服务\)|和服务|服务)?收入|高新(?:产品)?收入", "hightech_revenue"),
    (
        r"主营业务收入|主营收入|主营业务|"
        # 「主营4,800万」, 「主营应该是2,300万」: 主营 alone names the field before its figure
        r"主营(?=\s*(?:应该|应|大概|大约|约|其实|实际|只)?\s*(?:是|为|有)?\s*"
        r"(?:[\d一二三四五六七八九两]|大前年|前年|去年|今年))",
        "main_business_revenue",
    ),
    (r"总收入|收入总额", "total_income"),
    (r"境内(?:的)?研发(?:费用|投入|支出)?", "rd_expense_domestic"),
    (
        r"研发投入|研发费用|研发经费|研发支出|研究开发费用|研发(?!人|团队|机构|中心|部)",
        "rd_expense",
    ),
    (r"成本费用总额|成本费用", "total_costs"),
    (r"净资产|所有者权益", "net_assets"),
    (r"资产总额|总资产|资产", "total_assets"),
    (r"负债总额|总负债|负债", "total_liabilities"),
    (r"净利润|利润|盈利|净利|赚了", "net_profit"),
    (
        r"营业收入|营收|销售收入|销售额|年收入|收入|产值|营业额|卖了|"
        r"销售(?=\s*(?:\d|[一二两三四五六七八九十]))",
        "revenue",
    ),
]
_COUNTS = [
    (
        r"研发人员|科技人员|技术人员|研发团队|研发的人|(?:搞|做)研发的|"
        # 「5个员工，3个是研发」: people counted, then what they do
        r"(?<=[个名位人])(?:是|搞|做)?研发(?![费投经支])|"
        r"研发(?=\d|[一二两三四五六七八九十]+[个名人位])",
        "tech_staff",
    ),
    # (not the 职工 inside 兼职工程师)
    (r"员工|职工(?!程师)|人数|在职|雇员|工人|人员", "employees"),
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
# 「X人员」 with a qualifier before it names part of the staff; these qualifiers name all of it.
_SUBSET_STAFF = re.compile(
    r"(?<!全体|在职|所有|全部|公司|企业|我们|单位)(?<=[\u4e00-\u9fff]{2})人员$"
)
_COUNT_NEEDS = {  # counts that only count with a context word in the clause
    "led_standards_5y": r"牵头|主导|起草|制定",
    "transformations_3y": r"转化",
    "ip.trademarks": r"注册|件|个",
}


_AMOUNT_TEXT = rf"{NUMBER}\s*(?:多)?\s*(?:个亿|亿元|亿(?:零?{NUMBER}\s*万元?)?|千万|万元|万|元)"
_AMOUNT_SPLIT = re.compile(_AMOUNT_TEXT)
_FIELD_ALT = "|".join(f"(?:{pattern})" for pattern, _ in _MONEY)
# A list item may leave its unit to the last one (「分别150、140、160万」); years may sit
# between the field and the list (「研发2023-2025年分别…」).
_LIST_ITEM = rf"(?:{_AMOUNT_TEXT}|{NUMBER}(?![\d.万亿元千年月日个件项人名%％]))"
_LIST = re.compile(
    rf"({_FIELD_ALT})[^，。；、\d]{{0,6}}?(?:\d{{4}}\s*年?\s*(?:到|至|-|—|~)\s*\d{{4}}\s*年)?"
    rf"[^，。；、\d]{{0,4}}?(?:分别)?(?:是|为|有)?\s*"
    rf"((?:{_LIST_ITEM}\s*[、和及]\s*){{1,2}}{_AMOUNT_TEXT})"
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
    named = years_in(text, as_of)
    return named if ordered else sorted(named)


def respectively(
    sentence: str, as_of: dt.date, out: Extraction, remembered: list[int]
) -> tuple[str, list[int]]:
    """Lists of figures for several years (「2023到2025年营收3500万、4000万、4800万」,
    「营收分别是…」), assigned oldest to newest; without stated years, the last fiscal
    years. The list is then removed from the sentence."""
    years = _years_context(sentence, as_of) or remembered
    for match in list(_LIST.finditer(sentence)):
        key = next((k for pattern, k in _MONEY if re.fullmatch(pattern, match.group(1))), None)
        amounts = _list_amounts(match.group(2))
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


_PERIOD = (
    r"(?:(\d{1,2})\s*月?\s*(?:到|至|-|—|~|～)\s*(\d{1,2})\s*月份?|(上|下)半年)"
    r"[^，,。；\d]{0,5}?(\d+)\s*(?:个|名|位)?人"
)
_MONTHLY = re.compile(
    r"(科技人员|研发人员|技术人员|职工|员工|人数)[^，,。；\d]{0,4}?"
    rf"((?:{_PERIOD}[，,、；]?\s*){{2,}})"
)


def monthly_headcounts(sentence: str, out: Extraction) -> str:
    """Headcounts by part of the year (「科技人员1月到6月每月8人，7月到12月每月14人」,
    「上半年80人下半年100人」) as their monthly average, the measure the rules use
    (195号: 月平均人数); the phrase is then removed from the sentence."""
    for match in list(_MONTHLY.finditer(sentence)):
        weighted = months = 0
        for m in re.finditer(_PERIOD, match.group(2)):
            span = 6 if m.group(3) else int(m.group(2)) - int(m.group(1)) + 1
            if not 0 < span <= 12:
                break
            weighted, months = weighted + span * int(m.group(4)), months + span
        else:
            if not 0 < months <= 12:
                continue
            key = "employees" if match.group(1) in ("职工", "员工", "人数") else "tech_staff"
            average = weighted / months
            whole = int(average + 0.5)
            out.facts[key] = whole
            if average != whole:
                out.notes.append(f"按月平均计算为 {average:.2f} 人，取整为 {whole} 人")
            sentence = sentence.replace(match.group(0), "　" * len(match.group(0)))
    return sentence


def _list_amounts(text: str) -> list[float | None]:
    """The amounts of a list, a bare item taking the last item's unit (「150、140、160万」
    is 150万, 140万, 160万; 「1.5、1.8、2亿」 is in 亿).

    >>> _list_amounts("150、140、160万")
    [150.0, 140.0, 160.0]
    >>> _list_amounts("1.5、1.8、2亿")
    [15000.0, 18000.0, 20000.0]
    """
    items = [i.strip() for i in re.split(r"[、和及]", text) if i.strip()]
    unit = re.search(r"(个亿|亿元|亿|千万|万元|万|元)$", items[-1])
    suffix = unit.group(1) if unit else ""
    return [first_amount(i if re.search(r"[万亿元]$", i) else f"{i}{suffix}") for i in items]


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


def clause_facts(
    clause: str,
    year: int,
    out: Extraction,
    last_field: str | None,
    correcting: bool,
    three_years: bool,
    upcoming: str = "",
) -> str | None:
    """Read one clause's money and counts into ``out``; the field the clause ends on (what
    a bare figure in the next clause continues). ``upcoming`` is the clause after it."""
    if re.search(r"融资|融了|股权投资|投资人|投资机构|实缴|(?:天使|[A-Da-d]\+?)\s*轮", clause):
        amount = first_amount(clause)
        if amount is not None:
            key = (
                "equity_financing_3y"
                if re.search(r"(?:三|(?<!\d)3)年", clause)
                else "equity_financing_2y"
            )
            out.facts[key] = amount
        return last_field
    # 「三年研发2000万」: three years right before the field state their total.
    totals = three_years and bool(
        re.search(r"合计|一共|总共|累计|总计|加起来|总额", clause)
        or re.search(
            r"(?:三|(?<!\d)3)(?:个)?(?:会计)?年(?:的|来|里)?\s*(?:研发|营收|收入|销售)", clause
        )
        # 「收入三年8,200万」: the period between the field and its amount
        or re.search(rf"(?:研发|营收|收入|销售)\s*(?:近|最近)?{_THREE_YEARS}", clause)
    )
    found = _money(clause, year, out, totals) or _count(clause, out)
    if found:
        return found
    if (correcting or _topic_only(clause)) and (named := _named_field(clause, year)):
        # 「研发投入说错了，是200万」, 「营收的话大概 两千万吧」: the field is named in one
        # clause and its figure follows in the next, which continues it.
        return named
    # 「做外贸的，80个人」: a headcount with no word for it is the company's, unless it
    # continues a head count just stated (「技术人员17人，说错了，是15人」).
    fresh = last_field not in ("employees", "tech_staff") and "employees" not in out.facts
    if fresh and (bare := _bare_headcount(clause, out)):
        return bare
    if not last_field:
        return last_field
    return _continue(clause, year, out, last_field, correcting, upcoming)


def _topic_only(clause: str) -> bool:
    """Whether a short clause only names what comes next (「营收的话大概」, 「去年研发」):
    not one that says the figure is unknown or asks for it (「收入这块不太清楚」)."""
    return len(clause) <= 12 and not re.search(r"不|没|清楚|知道|多少|几|吗|呢|[？?]", clause)


def fields_named(text: str) -> list[str]:
    """The fields a text names by keyword (money fields as their bare key, ``rd_expense``;
    counts as their path, ``tech_staff``), whether or not a figure follows."""
    found = [key for pattern, key in _COUNTS if re.search(pattern, text)]
    return found + [key for pattern, key in _MONEY if re.search(pattern, text)]


def without_figures(text: str) -> str:
    """The text less its money fields and amounts, and its counts with what they count
    (「庆祝公司营收破三千万」 -> 「庆祝公司破」): what a message asks besides the figures.

    >>> without_figures("帮我写个朋友圈文案，庆祝营收破三千万，公司30个人")
    '帮我写个朋友圈文案，庆祝破，公司'
    """
    text = _AMOUNT_SPLIT.sub("", _KEYWORDS.sub("", text))
    return re.sub(rf"{NUMBER}\s*(?:多|来)?\s*(?:个|名|位)?(?:人|员工|职工)?", "", text)


def _named_field(clause: str, year: int) -> str | None:
    """The field a clause names without a figure (「收入写错了」), else None. Counts are
    looked for first: 「研发的人」 names people, not the R&D amount 「研发」 alone would."""
    for pattern, key in _COUNTS:
        if re.search(pattern, clause) and not (
            key in _COUNT_NEEDS and not re.search(_COUNT_NEEDS[key], clause)
        ):
            return key
    for pattern, key in _MONEY:
        if re.search(pattern, clause):
            return f"financials.{year}.{key}"
    return None


def _continue(
    clause: str, year: int, out: Extraction, last_field: str, correcting: bool, upcoming: str = ""
) -> str | None:
    """A figure with no field keyword continues the last field (「说错了，是700万」,
    「前年3500万，大前年3000万」); only figures with a unit count, so 「ISO9001」 does not.
    A year's row that repeats the fields of the row before (「23年营收2,600万、研发140万；
    24年3,050万、研发160万」) opens with that row's first field."""
    money = last_field.startswith(("financials", "rd_expense_3y", "revenue_3y", "equity"))
    if money:
        value = first_amount(clause, bare_is_wan=False)
    else:
        # a count continues only with its measure word (「是9人」): 「近一年」 and the year of
        # 「2023到2025年」 are not counts
        # (「也在150人里」 says where a count belongs, it is no new count)
        counted = re.search(
            rf"({NUMBER})\s*(?:多)?\s*[人名个位项件种套家](?!\s*(?:里|中|当中|之中|以内))", clause
        )
        if counted is None and correcting:
            # a corrected count may come bare (「人数说错了，是520」); a figure with
            # another unit (%, 天, 万) is no count
            counted = re.fullmatch(r"\D{0,6}?(\d+)\s*(?:[，。！!]|$)\D{0,8}", clause)
        value = first_count(counted.group(1)) if counted else None
    if (
        value is None
        and correcting
        and last_field.startswith("financials.")
        and re.search(YEAR_TOKEN, clause)
        and last_field in out.facts
    ):
        # 「去年营收5000万……哦不，那是前年的」: the figure belongs to another year
        moved = f"financials.{year}.{last_field.split('.')[2]}"
        out.facts[moved] = out.facts.pop(last_field)
        return moved
    if value is None or (not money and not correcting):
        return last_field
    target = last_field
    if last_field in ("rd_expense_3y_total", "revenue_3y_total") and re.search(YEAR_TOKEN, clause):
        key = "rd_expense" if last_field.startswith("rd") else "revenue"
        # one year's R&D cannot exceed the three-year total: then the figure is revenue
        if key == "rd_expense" and value > out.facts.get("rd_expense_3y_total", value):
            key = "revenue"
        target = f"financials.{year}.{key}"
    elif last_field.startswith("financials.") and (not correcting or re.search(YEAR_TOKEN, clause)):
        # 「说错了，是75万，45万是前年的」: a year the clause names wins over the correction's
        key = last_field.split(".")[2]
        if _repeats_row(clause, upcoming, out.order):
            key = out.order[0]
        target = f"financials.{year}.{key}"
    if target.startswith("financials."):
        return _store(target.split(".")[2], value, clause, year, out, totals=False)
    out.facts[target] = value
    return target


def _repeats_row(clause: str, upcoming: str, order: list[str]) -> bool:
    """Whether a bare amount opening a year's clause starts a row in the order of the row
    before: the next clause names that row's second field."""
    if len(order) < 2 or not re.search(YEAR_TOKEN, clause):
        return False
    named = list(_KEYWORDS.finditer(upcoming))
    return bool(named) and _MONEY[int(str(named[0].lastgroup)[1:])][1] == order[1]


_SHARE_OF = re.compile(r"\s*(?:的)?(?:占|比例|比重)")
_THREE_YEARS = r"(?:三|3)\s*(?:个)?(?:会计)?年"
# Three years said between a field and its amount (「收入三年8,200万」): the amount, a
# three-year total, follows them.
_PERIOD_AFTER = re.compile(rf"^\s*(?:近|最近)?{_THREE_YEARS}(?:的|来|里)?")


_KEYWORDS = re.compile("|".join(f"(?P<k{i}>{pattern})" for i, (pattern, _) in enumerate(_MONEY)))


def _several(clause: str, year: int, out: Extraction, totals: bool) -> str | None:
    """Several fields with their amounts in one clause (「大前年收入2,000万研发90万」), each
    amount after its keyword; a bare amount opening the clause (「前年2,600万研发130万」)
    takes the field the last such clause named before the first one named here. None
    when the clause holds fewer than two such amounts (the one-field reader reads it)."""
    found = [
        (m, _MONEY[int(str(m.lastgroup)[1:])][1])
        for m in _KEYWORDS.finditer(clause)
        if not _SHARE_OF.match(clause[m.end() :])
    ]
    if not found:
        return None
    ends = [m.start() for m, _ in found[1:]] + [len(clause)]
    pairs: list[tuple[str, float, str]] = []
    for (m, key), end in zip(found, ends, strict=True):
        amount = first_amount(clause[m.end() : end])
        if amount is not None:
            pairs.append((key, amount, clause[m.end() : end]))
    opening = first_amount(clause[: found[0][0].start()])
    keys = [key for key, _, _ in pairs]
    if opening is not None and keys and keys[0] in out.order[1:]:
        before = out.order[out.order.index(keys[0]) - 1]
        pairs.insert(0, (before, opening, clause[: found[0][0].start()]))
    if len(pairs) < 2:
        return None
    paths = [_store(key, amount, part, year, out, totals) for key, amount, part in pairs]
    out.order = [key for key, _, _ in pairs]
    return paths[-1]


def _store(key: str, amount: float, said: str, year: int, out: Extraction, totals: bool) -> str:
    """Record a field's amount (a loss said with 亏 is negative; R&D and revenue under
    three years stated are the totals); returns its path."""
    if key == "net_profit" and re.search(r"亏", said):
        amount = -abs(amount)
    if totals and key in ("rd_expense", "revenue"):
        path = "rd_expense_3y_total" if key == "rd_expense" else "revenue_3y_total"
    else:
        path = f"financials.{year}.{key}"
        # the fields stated in a row, in order: a row opening with its first field again
        # starts the next one
        out.order = [key] if out.order[:1] == [key] else [*out.order, key]
    out.facts[path] = amount
    return path


def _money(clause: str, year: int, out: Extraction, totals: bool) -> str | None:
    if (several := _several(clause, year, out, totals)) is not None:
        return several
    for pattern, key in _MONEY:
        match = re.search(pattern, clause)
        if not match:
            continue
        rest = _PERIOD_AFTER.sub("", clause[match.end() :])
        if _SHARE_OF.match(rest):
            continue  # 「营收4200万 研发占3.5%」: a share, not an amount (attributes reads it)
        figure = _AMOUNT_SPLIT.search(rest)
        if figure and _KEYWORDS.search(rest[: figure.start()]):
            continue  # 「研发：我们2024年营收1.1亿」: the amount is the nearer field's
        amount = first_amount(rest)
        if amount is None:
            amount = first_amount(clause[: match.start()])
        if amount is None:
            return None
        return _store(key, amount, clause, year, out, totals)
    loss = first_amount(clause)
    if re.search(r"亏损|亏了", clause) and loss is not None:
        path = f"financials.{year}.net_profit"
        out.facts[path] = -abs(loss)
        return path
    return None


def _count_near(clause: str, start: int, end: int, key: str = "") -> int | None:
    """The count right before a keyword (「2项发明专利」), else the one after it. A head
    count is never counted in 家 or 项 (「另一家客户：职工520人」 has no staff of one)."""
    units = "个名位人" if key in ("employees", "tech_staff") else "项件个种套名位人家"
    before = re.search(
        rf"({NUMBER})\s*(?:多)?\s*(?:[{units}]\s*[^，。\d]{{0,6}}|(?:的)?\s*)$",
        clause[:start],
    )
    if before:
        value = first_count(before.group(1))
        if value is not None:
            return value
    # A bound is not the count (「职工人数超过500人还能评吗」 says more than 500).
    if _COUNT_BOUND.match(clause[end:]):
        return None
    # A period after the keyword is not the count (「科技成果转化三年一共做了9项」).
    after = re.sub(rf"{NUMBER}\s*(?:个)?(?:年|月)(?!\d)", "", clause[end : end + 16])[:12]
    # The unit is read past the window's end: the number may sit at its edge
    # (「科技人员累计实际工作时间在183天」).
    following = clause[end : end + 20]
    if re.match(rf"[^，。]{{0,6}}?{NUMBER}\s*[%％]", following):
        return None
    # A duration is not a headcount: 「科技人员累计工作183天以上」 states a rule's term.
    if re.match(rf"[^，。]{{0,10}}?{NUMBER}\s*(?:天|日|个月|小时|周|工作日)", following):
        return None
    return first_count(after)


_COUNT_BOUND = re.compile(rf"\s*(?:数|总数|人数)?\s*(?:要|在|是)?\s*(?:{BOUND})")


def _a_part(clause: str, match: re.Match[str], key: str) -> bool:
    """Whether the keyword names a part of what it counts, not its total: part of the staff
    (研发人员, 销售人员 for 员工), or some of the counted (「科技人员里有5个是兼职的」)."""
    if re.match(r"\s*(?:里|中|当中|里面|之中)", clause[match.end() :]):
        return True
    if key != "employees":
        return False
    if re.search(r"研发|科技|技术", clause[max(0, match.start() - 3) : match.start()]):
        return True
    return bool(_SUBSET_STAFF.search(clause[: match.start()] + match.group()))


def _bare_headcount(clause: str, out: Extraction) -> str | None:
    """A headcount with no word for it is the company's (「做外贸的，80个人」)."""
    alone = re.fullmatch(
        rf"(?:我们|我司|公司|全公司|企业|厂里|单位|这个|子公司|自己)*"
        rf"(?:一共|总共|共|有|是|大概|大约|只有|就|才|其实)*\s*"
        rf"({NUMBER})\s*(?:多|来)?\s*(?:个)?人(?:左右|上下)?",
        clause.strip(),
    )
    value = first_count(alone.group(1)) if alone else None
    if value is None:
        return None
    out.facts["employees"] = value
    return "employees"


# 「一个软著能不能重复用」 asks about any software copyright, not the company's one.
_GENERIC_ONE = re.compile(r"^(?:那|那么|如果|假如)?\s*一[个件项]")
_ASKING = re.compile(r"吗|能不能|可不可以|是否|算不算|怎么|如何|[？?]")


def _count(clause: str, out: Extraction) -> str | None:
    if _GENERIC_ONE.search(clause.strip()) and _ASKING.search(clause):
        return None
    found = None
    for pattern, key in _COUNTS:
        match = re.search(pattern, clause)
        if not match:
            continue
        if key in _COUNT_NEEDS and not re.search(_COUNT_NEEDS[key], clause):
            continue
        if _a_part(clause, match, key):
            continue
        if re.search(rf"{NEG}\s*$", clause[: match.start()]):
            out.facts[key] = 0
            found = key
            continue
        if re.search(
            r"占比|比例|百分之|占[^，。\d]{0,4}(?:[\d.]+\s*[%％]|[一二三四五六七八九十两]成)",
            clause,
        ):
            continue
        value = _count_near(clause, match.start(), match.end(), key)
        if value is not None:
            out.facts[key] = value
            found = key
            clause = (
                clause[: match.start()]
                + "　" * (match.end() - match.start())
                + clause[match.end() :]
            )
    return found
