"""Company attributes read over the whole message rather than clause by clause: when it
was registered or moved, the titles it holds, its compliance record, trademark and quality
certification, city and district, sector and technology field, R&D institution and awards,
market position and the ratios people state directly.

Pure: standard library plus the number parser.
"""

from __future__ import annotations

import calendar
import contextlib
import datetime as dt
import re

from assistant.chat.fact_cues import BOUND, CORRECTION, NEG, NOT_FACT, Extraction, years_in
from assistant.chat.numbers import NUMBER, first_amount, first_count, first_percent
from assistant.core.profile import IP_KINDS
from assistant.core.text import clauses
from assistant.core.vocabulary import Regions, TitlePattern, Vocabulary

# A title followed by its award (「科技型中小企业今年刚入库」, 「小巨人已经评上了」).
_HELD_AFTER = (
    r"\s*(?:企业)?(?:今年|去年|前年)?(?:(?:刚|已经|已|早就)(?:入库|入选|认定|评上|拿到|获批)|"
    r"(?:入库|入选|评上|拿到|获批)了)"
)
_NOT_HELD_AFTER = (
    r"\s*(?:企业)?(?:资质|证书)?(?:还|也|都)?(?:没|未)(?:有)?(?:评上|拿到|入选|认定|入库|获批|申请)"
)
_PROOF = r"\s*(?:的)?(?:证书|入库编号|登记编号|编号|资质|称号|资格|牌子)"
_HOLD = (
    r"(?:已经?是|是|也是|属于|已(?:被)?认定为?|认定为|评上了?|入选了?|取得了?|拿到了?"
    r"|获得了?|已入库|入库了?)"
)


def read_attributes(text: str, as_of: dt.date, words: Vocabulary, out: Extraction) -> None:
    """Every attribute the message states, in an order where later readers see earlier facts
    (the years in the city yield to a stated move date)."""
    _registration(text, as_of, out)
    _titles(text, words.titles, out)
    _booleans(text, out)
    _no_ip(text, out)
    _loss_years(text, as_of, out)
    _region(text, words.regions, out)
    _sector(text, words.tech_fields.names, out)
    _institution_and_award(text, as_of, out)
    _market(text, out)
    _ratios(text, as_of, out)
    _operating_years(text, as_of, out)


# What links 成立/注册 to its date: 于, 在, 是, 为, 时间是, 日期为, 的时间是 … (not a figure).
_LINK = r"(?:的)?(?:时间|日期)?(?:是|为|于|在)?"
# What names the registration before its date; the business licence shows it
# (「营业执照上写的是2025年11月10日」).
_REG = r"(?:成立|注册|营业执照上?(?:写的|显示的?|登记的|印的)?)"


def _registration(text: str, as_of: dt.date, out: Extraction) -> None:
    date = r"(20\d\d|19\d\d)\s*(?:年|-|\.|/)\s*(\d{1,2})\s*(?:月|-|\.|/)\s*(\d{1,2})\s*[日号]?"
    moved = re.search(rf"{date}[^，。]{{0,6}}(?:搬到|迁到|迁入|搬来|落户)", text)
    if moved:
        with contextlib.suppress(ValueError):
            out.facts["operating_in_city_since"] = dt.date(
                *(int(g) for g in moved.groups())
            ).isoformat()
        return
    moved_month = re.search(
        r"(20\d\d|19\d\d)\s*年\s*(\d{1,2})\s*月份?[^，。\d]{0,6}(?:搬到|迁到|迁入|搬来|落户)", text
    )
    if moved_month and 1 <= int(moved_month.group(2)) <= 12:
        # A month without its day counts from the month's last day: a period in the city
        # is never taken for longer than it may be.
        in_year, in_month = int(moved_month.group(1)), int(moved_month.group(2))
        last = calendar.monthrange(in_year, in_month)[1]
        out.facts["operating_in_city_since"] = dt.date(in_year, in_month, last).isoformat()
        return
    full = re.search(rf"{date}[^，。]{{0,8}}(?:成立|注册)", text) or re.search(
        rf"{_REG}{_LINK}\s*{date}", text
    )
    if full:
        with contextlib.suppress(ValueError):
            out.facts["registered_on"] = dt.date(*(int(g) for g in full.groups())).isoformat()
        return
    month = re.search(
        r"(20\d\d|19\d\d)\s*年\s*(\d{1,2})\s*月份?[^，。\d]{0,6}(?:成立|注册)", text
    ) or re.search(rf"{_REG}{_LINK}\s*(20\d\d|19\d\d)\s*年\s*(\d{{1,2}})\s*月", text)
    if month and 1 <= int(month.group(2)) <= 12:
        out.facts["registered_month"] = f"{month.group(1)}-{int(month.group(2)):02d}"
        return
    years = re.findall(r"(20\d\d|19\d\d)\s*年(?:\s*\d{1,2}\s*月)?[^，。]{0,8}(?:成立|注册)", text)
    years += re.findall(rf"{_REG}{_LINK}\s*(20\d\d|19\d\d)\s*年", text)
    if years:
        year = int(years[0])
        if CORRECTION.search(text):  # 「2017年成立，记错了，是2016年」
            later = re.findall(r"(?:是|应该是)\s*(20\d\d|19\d\d)\s*年", text)
            year = int(later[-1]) if later else year
        out.facts["registered_year"] = year
        return
    # 「成立12年」, 「注册了5年多」: as many full years before today (as 「在济南干了8年」).
    age = re.search(rf"(?:成立|注册)(?:了|有)?\s*({NUMBER})\s*(?:多|来)?\s*(?:个)?年", text)
    years_old = first_count(age.group(1)) if age else None
    if years_old is not None and 0 < years_old < 100 and not NOT_FACT.search(text):
        with contextlib.suppress(ValueError):
            out.facts["registered_on"] = as_of.replace(year=as_of.year - years_old).isoformat()
            out.rough.append("registered_on")


def _titles(text: str, titles: tuple[TitlePattern, ...], out: Extraction) -> None:
    if re.search(r"(?:什么|任何)资质都(?:还)?没有|没有任何资质|还没有(?:任何)?资质", text):
        out.facts["qualifications"] = []
        out.lacking.extend(dict.fromkeys(t.title for t in titles))
        return
    held: list[str] = []
    lacking: list[str] = []
    for clause in clauses(text):
        if NOT_FACT.search(clause) or re.search(
            r"能不能|可以吗|能否|吗|呢|怎么|如何|啥|什么|多少|哪|有没有|是不是|可不可以", clause
        ):
            continue
        masked = clause
        for title in titles:
            match = re.search(title.pattern, masked)
            if not match:
                continue
            before = masked[max(0, match.start() - 8) : match.start()]
            after = masked[match.end() : match.end() + 8]
            if re.search(rf"{NEG}[^，。]{{0,3}}$", before) or re.match(_NOT_HELD_AFTER, after):
                # a name may deny more than its title (no level said: both levels)
                lacking.extend(title.denies or (title.title,))
            elif (
                re.search(_HOLD, before)
                or re.match(_HELD_AFTER, after)
                # 「我们有科技型中小企业入库编号」, 「有高企证书」: holding its proof
                or (re.search(r"(?<![还没])有了?\s*$", before) and re.match(_PROOF, after))
            ):
                held.append(title.title)
            masked = (
                masked[: match.start()]
                + "　" * (match.end() - match.start())
                + masked[match.end() :]
            )
    if held or lacking:
        # A negated title tells the list is known: none held unless said
        out.facts["qualifications"] = list(dict.fromkeys(held))
        out.lacking.extend(dict.fromkeys(t for t in lacking if t not in held))
    if re.search(
        r"没(?:有)?(?:拿过|拿到过|融过|做过)?(?:任何)?(?:股权)?(?:融资|投资)|没融过资", text
    ):
        out.facts.setdefault("equity_financing_2y", 0)
        out.facts.setdefault("equity_financing_3y", 0)


# What a denial of IP covers (「没有任何专利软著」): trademarks are not counted as IP here.
_IP_WORDS = {
    "知识产权": tuple(k for k in IP_KINDS if k != "trademarks"),
    "专利": ("invention_patents", "utility_models", "design_patents"),
    "软著": ("software_copyrights",),
    "软件著作权": ("software_copyrights",),
    "著作权": ("software_copyrights",),
}
_IP_GROUP = r"(?:知识产权|专利|软件著作权|软著|著作权|[、和与及跟或])+"
_NO_IP = re.compile(
    rf"{NEG}\s*(?:任何|什么|啥)?(?:的)?({_IP_GROUP})(?![\u4e00-\u9fff]*(?:吗|么))"
    rf"|一[个件项]({_IP_GROUP})(?:都|也)没有?"
    rf"|({_IP_GROUP})(?:一[个件项])?(?:都|也|全)(?:没有|没|无)"
)


def _no_ip(text: str, out: Extraction) -> None:
    """Kinds of IP the company says it has none of, as zero counts (a count said in the
    same message wins: the clause readers come after)."""
    for clause in clauses(text):
        if NOT_FACT.search(clause) or re.search(r"吗|能不能|是否|要不要", clause):
            continue
        for match in _NO_IP.finditer(clause):
            group = next(g for g in match.groups() if g)
            for word, kinds in _IP_WORDS.items():
                if word in group and not (word == "著作权" and "软件著作权" in group):
                    for kind in kinds:
                        out.facts.setdefault(f"ip.{kind}", 0)


_LOSS = re.compile(r"亏损|亏了|亏本|赔钱|赔了|净利润为负|利润为负")
_NO_LOSS = re.compile(
    r"(?:没有|没|未|无|不曾)(?:出现|发生)?过?(?:任何)?(?:连续)?(?:亏损|亏过|亏本)|都(?:是)?盈利|一直(?:都)?盈利|年年盈利"
)
_RECENT = re.compile(r"(?:近|最近|这)\s*([两二三五2-5几])\s*(?:个)?(?:会计)?年")


# 「有一年亏损」, 「只亏了一年」: how many years were losses, not which.
_LOSS_COUNT = re.compile(
    r"(?:有|只有|就|仅|仅有)\s*([一两二12])\s*(?:个)?年(?:是)?(?:亏损|亏了|亏本|亏)|"
    r"(?:亏损|亏)(?:了)?\s*([一两二12])\s*(?:个)?年"
)
# 「2022、2023年」: years listed with the 年 only after the last.
_YEAR_LIST = re.compile(r"(?<!\d)(\d{4})(?=\s*[、和及与]\s*\d{4}\s*年)")


def _loss_years(text: str, as_of: dt.date, out: Extraction) -> None:
    """Loss or profit years said without the amount (「2023年和2024年连续亏损了」,
    「近五年没亏过」) as yearly ``loss`` flags; a net profit given decides its year. A count
    of loss years without which ones (「近五年里有一年亏损」) bounds the longest run."""
    for clause in clauses(_YEAR_LIST.sub(r"\1年", text)):
        if NOT_FACT.search(clause) or re.search(r"吗|能不能|是否|要求|如果", clause):
            continue
        denied = bool(_NO_LOSS.search(clause))
        loss = not denied and bool(_LOSS.search(clause))
        if not (loss or denied) or first_amount(clause) is not None:
            continue
        years = years_in(clause, as_of)
        counted = _LOSS_COUNT.search(clause)
        if loss and counted:
            said = counted.group(1) or counted.group(2)
            many = {"一": 1, "两": 2, "二": 2}.get(said) or int(said)
            # one loss year is a run of one; two are a run of two only when consecutive
            if many == 1 or re.search(r"连续", clause):
                out.facts.setdefault("stated.max_consecutive_loss_years_5y", many)
            if len(years) != many:
                continue  # the years named are not the loss years
        recent = _RECENT.search(clause)
        if not years and recent:
            count = {"两": 2, "二": 2, "三": 3, "五": 5, "几": 3}.get(recent.group(1))
            count = count or int(recent.group(1))
            years = list(range(as_of.year - count, as_of.year))
        for year in years:
            out.facts.setdefault(f"financials.{year}.loss", loss)


def _flag(text: str, positive: str, negative: str) -> bool | None:
    if re.search(negative, text):
        return False
    if re.search(positive, text):
        return True
    return None


def _booleans(text: str, out: Extraction) -> None:
    # 「还必须有质量管理体系认证吗」 asks about a requirement; it states nothing.
    # Clauses typed with spaces for commas count as clauses (「近几年没出过事故 能评上吗」).
    text = "，".join(
        c.rstrip("，,。；;！!？?")
        for c in clauses(text)
        if not re.search(r"必须|要求|需要|须|是否|要不要|吗", c)
    )
    accident = r"(?:重大)?(?:安全|质量|环境)?(?:生产)?事故|环境违法|环保处罚"
    where = next((c for c in re.split(r"[，,。；;]", text) if re.search(accident, c)), "")
    # 「近几年」, 「这几年」 speak of several years: read as the three-year period.
    incident_key = (
        "compliance.major_incident_last_3y"
        if re.search(r"近?(?:三|(?<!\d)3)年|[近这]几年|这些年", where)
        else "compliance.major_incident_last_year"
    )
    flags = {
        incident_key: _flag(
            text,
            rf"(?:发生|出)(?:过|了)?[^，。]{{0,4}}?(?:{accident})|有过?(?:{accident})",
            rf"{NEG}\s*(?:发生|出)?过?(?:任何)?[^，。；;]{{0,10}}?(?:{accident})"
            rf"|(?:{accident})\s*(?:都)?(?:没有|无)",
        ),
        "compliance.failed_spot_check_3y": _flag(
            text,
            r"(?:抽查|抽检)[^，。]{0,8}不合格",
            r"(?:抽查|抽检)[^，。不]{0,6}(?:都|均|全部|全)?合格|"
            # 「近三年没有抽检不合格」, 「抽检没出现过不合格」
            rf"{NEG}\s*(?:出现|发生)?(?:过)?(?:被)?(?:抽查|抽检)[^，。]{{0,8}}不合格|"
            rf"(?:抽查|抽检)[^，。]{{0,6}}{NEG}\s*(?:出现|发生)?(?:过)?不合格",
        ),
        "compliance.abnormal_or_dishonest_list": _flag(
            text,
            r"(?:被)?列入(?:了)?(?:经营)?异常|(?:是|被列为)失信|失信被执行|"
            r"(?<!不)(?<!没)在(?:经营)?异常名录(?:里|中|内|上)",
            rf"{NEG}\s*(?:被)?(?:列入|上|进)?(?:过)?(?:经营异常|异常名录|失信)|"
            r"(?:经营异常|失信)(?:记录)?(?:都)?(?:没有|无)|"
            r"不在[^，。；;]{0,6}?(?:经营异常|异常名录|失信)",
        ),
        "compliance.bad_credit_3y": _flag(
            text,
            r"有(?:过)?[^，。]{0,4}不良(?:信用)?记录",
            rf"{NEG}\s*(?:任何)?不良(?:信用)?记录|信用(?:良好|很好)",
        ),
        "has_own_trademark": _flag(
            text,
            r"有(?:自己的|自主的?|自有的?)(?:注册)?(?:品牌)?商标|自主品牌|自有品牌|有自己的品牌|"
            r"(?<![没无])有(?:\d+\s*[个件项])?注册商标",
            rf"{NEG}\s*(?:自己的|自主)?(?:注册)?(?:品牌)?商标|商标[^，。]{{0,6}}(?:别人|他人)[^，。]{{0,4}}授权|授权使用",
        ),
        "quality_management_certified": _flag(
            text,
            r"ISO\s*9001|质量管理体系认证|通过了?质量(?:管理)?体系",
            rf"{NEG}\s*(?:通过)?(?:ISO|质量管理体系|质量体系)",
        ),
    }
    out.facts.update({k: v for k, v in flags.items() if v is not None})


def located_elsewhere(text: str, regions: Regions) -> str | None:
    """The region outside the province served where the message places the company
    (「我们是河北石家庄的企业」, 「公司注册在江苏」), else None. A region merely talked
    about (「深圳的高企补贴」) does not place it.

    >>> located_elsewhere("我们是河北石家庄的企业，能报高企吗", Regions(other_regions=("河北",)))
    '河北'
    >>> located_elsewhere("深圳的高企补贴有多少", Regions(other_regions=("深圳",)))
    """
    if not regions.other_regions:
        return None
    names = "|".join(map(re.escape, regions.other_regions))
    found = re.search(
        rf"(?:我们|我司|本公司|我公司|咱们|公司|企业|厂)\s*(?:是|在|位于|注册在|地处|来自)\s*"
        rf"(?:在)?({names})",
        text,
    )
    return found.group(1) if found else None


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
    elif elsewhere := located_elsewhere(text, regions):
        # 「我们是河北石家庄的企业」: the company is outside the province served; its
        # province is kept as said (the provincial brands then fail on it).
        out.facts["region.province"] = elsewhere
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


# What a company makes says its sector when it does not name one (「主要生产食品机械」):
# the heads of manufactured goods after a verb of making. 「做阀门的」 may trade valves, so
# 做 says nothing (the assistant asks); nor are trades read as 服务业.
_MADE_GOODS = (
    r"设备|机械|机床|阀门|泵|电机|器械|仪器|仪表|装备|零部件|配件|部件|材料|化工|钢|铸件|铸造|模具|"
    r"轴承|管件|管材|电缆|线缆|涂料|塑料|橡胶|玻璃|陶瓷|纺织|服装|家具|包装|食品|饮料|药品|制药|"
    r"芯片|电池|汽车|车辆|轮胎|电子元器件|传感器|机器人"
)
_MAKING = r"(?:生产|制造|加工|造)"


def _sector(text: str, tech_fields: tuple[str, ...], out: Extraction) -> None:
    if re.search(r"制造业|制造企业|生产型|工厂|加工厂", text):
        out.facts["sector"] = "manufacturing"
    elif re.search(r"农业|种植|养殖|农产品|合作社", text):
        out.facts["sector"] = "agriculture"
    elif re.search(r"服务业|服务型企业|服务企业", text):
        out.facts["sector"] = "service"
    elif re.search(rf"{_MAKING}[^，。；\d]{{0,8}}?(?:{_MADE_GOODS})", text):
        out.facts["sector"] = "manufacturing"

    for name in tech_fields:
        if name in text:
            out.facts["tech_field"] = name
            break
    niche = re.search(
        r"(?:深耕|专注|做了|从事|细分(?:领域|市场)?|这个领域|这行)[^，。]{0,12}?"
        r"(\d+|[一二两三四五六七八九十]+)\s*(?:多)?年(半)?",
        text,
    )
    if niche:
        years = first_count(niche.group(1))
        if years is not None:
            # 「两年半」 is two and a half years: a half counts, it may decide 满3年
            out.facts["niche_market_years"] = years + 0.5 if niche.group(2) else years


def _institution_and_award(text: str, as_of: dt.date, out: Extraction) -> None:
    unit = (
        r"企业技术中心|技术中心|工程技术研究中心|工程研究中心|重点实验室|工程实验室"
        r"|研发中心|研究院|研发机构"
    )
    if re.search(rf"{NEG}[^，。]{{0,4}}(?:{unit})", text):
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
        years = years_in(text[: award.end() + 4], as_of)
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
        # 「研发占3.5%」 leaves the whole unsaid: R&D is stated as a share of revenue
        r"研发(?:费用|投入|经费)?(?:近|最近)?(?:三|3|两|2)?(?:个)?(?:年)?(?:平均|合计)?"
        r"(?:占|占到|占了)(?:(?:营收|营业收入|销售收入|收入)(?:的)?"
        r"(?:比例|比重)?|比(?:例|重)?|(?=\s*(?:\d|百分之)))",
        "rd_ratio_last_year",
    ),
    (r"(?:资产)?负债率", "debt_ratio_last_year"),
    (
        # 「主营业务收入占85%」: a share said with no whole is of the revenue
        r"主营(?:业务)?(?:收入)?(?:占(?:了|到)?(?:营收|营业收入|收入)(?:的)?(?:比例|比重)?|占比|"
        r"占(?:了|到)?(?=\s*(?:\d|百分之|[一二三四五六七八九]成)))",
        "main_business_share",
    ),
    (
        r"主营(?:业务)?(?:收入)?(?:比(?:前年|上年|上一年)|同比)?(?:增长|涨)(?:了)?(?:率)?",
        "main_business_growth_last_year",
    ),
    (r"(?:营收|营业收入|销售收入)增长(?:率)?", "revenue_growth_last_year"),
    (
        r"(?:科技|研发|技术)人员(?:数)?(?:占比|占(?:职工|员工)(?:总数|总人数)?(?:的)?(?:比例|比重)?|"
        r"占(?:的)?(?:比例|比重)|占(?:了|到)?(?=\s*(?:\d|百分之|[一二三四五六七八九]成)))",
        "tech_staff_ratio",
    ),
    (
        r"高新(?:技术)?(?:产品|服务)?(?:[（(]服务[）)])?收入(?:约|大约|大概)?"
        r"(?:占比|占(?:同期)?(?:企业)?(?:总收入|营收|收入)(?:的)?(?:比例|比重)?)",
        "hightech_revenue_share",
    ),
    (
        r"境内(?:的)?研发(?:费用)?(?:占比|占(?:全部|总)?研发(?:费用)?(?:的)?(?:比例|比重)?)",
        "domestic_rd_share",
    ),
]
# 「研发费用均在境内发生」: all of it domestic.
_ALL_DOMESTIC = re.compile(r"研发(?:费用|投入)?(?:都|均|全部|全)(?:在)?(?:境内|国内)")


def _ratios(text: str, as_of: dt.date, out: Extraction) -> None:
    """Ratios people state directly (「研发费用占营收7%」, 「负债率40%」): kept as stated
    values of the derived facts, used when the figures behind them are not known."""
    if _ALL_DOMESTIC.search(text):
        out.facts["stated.domestic_rd_share"] = 100.0
    for pattern, key in _RATIOS:
        for match in re.finditer(pattern, text):
            window = text[match.end() : match.end() + 12]
            percent = first_percent(window)
            if percent is None or _RULE_TALK.search(_clause_at(text, match.start())):
                continue
            if _BOUND.search(window):
                continue  # 「负债率超过80%」, 「占比不到3%」: a bound, not the figure
            # 「近三年研发费用占销售收入4.6%」 states the three-year ratio 高企 checks.
            clause = re.split(r"[，。；,;]", text[: match.end()])[-1]
            if key == "rd_ratio_last_year" and re.search(r"(?:两|2)\s*(?:个)?年", match.group(0)):
                continue  # a two-year average is neither year's share
            if key == "rd_ratio_last_year" and re.search(r"(?:近|最近)?(?:三|3)年", clause):
                out.facts["stated.rd_ratio_3y"] = percent
            elif key == "rd_ratio_last_year":
                _rd_share(text[: match.start()], percent, as_of, out)
            else:
                out.facts.setdefault(f"stated.{key}", percent)


# A percent said as a bound (「超过80%」, 「不到八成」) is no figure: stored as the figure, it
# would pass the very limit it says the company misses (不到3% read as 3% meets ≥3%).
_BOUND = re.compile(rf"^[^，。；,;\d一二三四五六七八九十]*(?:{BOUND})")
# A ratio in a clause about a rule (「高企要求科技人员占10%以上，是按年底人数算吗」) is the
# rule's, not the company's.
_RULE_TALK = re.compile(r"要求|必须|须")


def _clause_at(text: str, index: int) -> str:
    """The clause (between punctuation) that holds ``text[index]``."""
    start = max(text.rfind(p, 0, index) for p in "，。；,;！!？?\n") + 1
    ends = [e for p in "，。；,;！!？?\n" if (e := text.find(p, index)) >= 0]
    return text[start : min(ends) + 1 if ends else len(text)]


def _rd_share(before: str, percent: float, as_of: dt.date, out: Extraction) -> None:
    """「前年营收4200万 研发占3.5%」: a year's R&D as a share of that year's revenue (the year
    last named in the sentence, else the last fiscal year). The engine turns it into the
    amount once the year's revenue is known."""
    sentence = re.split(r"[。；;！!？?\n]", before)[-1]
    named = years_in(sentence, as_of)
    year = named[-1] if named else as_of.year - 1
    out.facts.setdefault(f"financials.{year}.rd_share", percent)


def _operating_years(text: str, as_of: dt.date, out: Extraction) -> None:
    """「在济南干了5年」: operating in the city since as many years before ``as_of``."""
    match = re.search(rf"在([^，。]{{1,8}}?)(?:干|经营|开|办|做)了\s*({NUMBER})\s*(?:多)?年", text)
    if match and re.search(r"市场|领域|行业|细分|这行", match.group(1)):
        return  # 「在细分市场做了三年」 is the niche, not a place
    if match and "operating_in_city_since" not in out.facts:
        years = first_count(match.group(2))
        if years is not None and 0 < years < 100:
            with contextlib.suppress(ValueError):
                out.facts["operating_in_city_since"] = as_of.replace(
                    year=as_of.year - years
                ).isoformat()
                out.rough.append("operating_in_city_since")


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
