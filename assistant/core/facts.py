"""Facts about a company on a date: profile fields and derived figures.

A fact is read by name: either a dotted profile path (``employees``, ``ip.invention_patents``,
``financials.2025.revenue``) or the name of a derived fact below (``rd_ratio_3y``). Derived
facts are small pure functions; each docstring cites the rule it implements. Every read
returns a :class:`FactValue` that says which profile fields were used, which are missing,
and which approximations were made, so a verdict can explain itself.

Years: for an application on ``as_of``, "last year" is ``as_of.year - 1`` and "the last
three fiscal years" are the three before ``as_of.year`` (contract).

Percentages are returned in percent (5.45 means 5.45 %), amounts in 万元. Numbers are exact
(:mod:`assistant.core.exact`): a profile figure is read as the decimal it was written as,
whole counts stay ``int`` and every other figure (sums, quotients) is an exact
:class:`~assistant.core.exact.Ratio`, so a figure exactly on a line compares equal to it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from assistant.core.exact import Ratio, amount, exact, fixed, is_number, ratio, sqrt
from assistant.core.exact import total as exact_total
from assistant.core.profile import MISSING, Profile


@dataclass(frozen=True)
class FactValue:
    """The value of a fact, with provenance.

    Attributes:
        value: The value; ``None`` when it cannot be determined or the company has none.
        known: False when a needed profile field is missing (the value is then None).
        missing: Profile fields that are needed but absent.
        used: Profile fields the value was computed from.
        notes: Approximations and explanations (Chinese), e.g. 「总收入缺失，按营业收入计算」.
        detail: Display string of the computation, e.g. 「670 ÷ 12300 = 5.45%」.
        at_most: For an unknown minimum over years, the smallest of the years known: the
            value cannot exceed it, so a lower limit it is below already fails.
        at_least: For an unknown maximum over years, what the years known already reach:
            an upper limit it is over already fails.
    """

    value: Any
    known: bool = True
    missing: tuple[str, ...] = ()
    used: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    detail: str = ""
    at_most: Any = None
    at_least: Any = None


_EVERYTHING = ""
"""A read of the whole profile (overlaps every path)."""


def _overlaps(read: str, changed: str) -> bool:
    """Whether changing the value at ``changed`` can change the value read at ``read``:
    the same path, one inside the other, or a read of the whole profile.

    >>> _overlaps("ip", "ip.utility_models"), _overlaps("financials.2025.revenue", "revenue")
    (True, False)
    """
    if read in (_EVERYTHING, changed):
        return True
    return read.startswith(changed + ".") or changed.startswith(read + ".")


def _unknown(*missing: str, used: tuple[str, ...] = ()) -> FactValue:
    return FactValue(None, known=False, missing=tuple(dict.fromkeys(missing)), used=used)


def _fmt(x: Any) -> str:
    return fixed(x, strip=True)


def _fixed(x: Any) -> str:
    """A computed figure in a detail line: two decimals, no thousands commas."""
    return fixed(x, grouping=False)


class Facts:
    """Reads facts from a profile as of a date.

    >>> from assistant.core.profile import validate_profile
    >>> facts = Facts(validate_profile({"employees": 120, "tech_staff": 30}), dt.date(2026, 11, 22))
    >>> facts.get("tech_staff_ratio").value
    Ratio(25, 1)
    >>> facts.get("registered_on").known
    False

    Each fact remembers the profile paths it read (:meth:`reads`), so the facts of a
    profile that differs only in some fields can take over every fact that read none of
    them (:meth:`reuse`).
    """

    def __init__(self, profile: Profile, as_of: dt.date, *, explain: bool = True) -> None:
        """Bind a profile to an application date. With ``explain`` false the values are
        the same but no ``detail`` line is composed (the gap search reads facts of
        thousands of changed profiles and shows none of them; formatting exact figures
        for display is most of the cost of a read)."""
        self._profile = profile
        self.as_of = as_of
        self.explain = explain
        self.last_year = as_of.year - 1
        self._cache: dict[str, FactValue] = {}
        self._reads: dict[str, frozenset[str]] = {}
        self._reading: list[set[str]] = []  # the paths read by each fact being derived

    @property
    def profile(self) -> Profile:
        """The profile. A fact derived from it directly (not through :meth:`read`) counts
        as having read all of it, so it is never taken over by :meth:`reuse`."""
        if self._reading:
            self._reading[-1].add(_EVERYTHING)
        return self._profile

    def read(self, path: str) -> Any:
        """The profile value at ``path`` (:data:`MISSING` when absent), recorded as read
        by the fact being derived."""
        if self._reading:
            self._reading[-1].add(path)
        return self._profile.get(path)

    def get(self, name: str) -> FactValue:
        """The fact ``name`` (derived or a profile path).

        A derived fact the figures cannot give falls back to a ratio the company stated
        directly (profile ``stated``, e.g. from 「研发费用占营收7%」 in a chat), with a note.
        """
        if name not in self._cache:
            self._reading.append(set())
            try:
                derive = DERIVED.get(name)
                value = derive(self) if derive else self.field(name)
                stated = self.read(f"stated.{name}")
                if derive and not value.known and is_number(stated):
                    note = _STATED_NOTES.get(name, "按您直接提供的比例计算")
                    value = FactValue(amount(stated), used=(f"stated.{name}",), notes=(note,))
            finally:
                reads = frozenset(self._reading.pop())
            self._cache[name] = value
            self._reads[name] = reads
        if self._reading:  # a fact derived from this one read what this one read
            self._reading[-1].update(self._reads[name])
        return self._cache[name]

    def reads(self, name: str) -> frozenset[str]:
        """The profile paths the (already derived) fact ``name`` read."""
        return self._reads[name]

    def reuse(self, base: Facts, changed: Iterable[str]) -> None:
        """Take over the facts ``base`` derived that read none of the ``changed`` paths
        (``base``: the same date and mode, on a profile that differs from this one only
        at those paths). The gap search moves one or two figures thousands of times;
        every other fact of the condition keeps its value."""
        if base.as_of != self.as_of or base.explain != self.explain:
            raise ValueError("facts can only be reused for the same date and mode")
        paths = tuple(changed)
        for name, value in base._cache.items():
            reads = base._reads[name]
            if not any(_overlaps(read, path) for read in reads for path in paths):
                self._cache.setdefault(name, value)
                self._reads.setdefault(name, reads)

    def describe(self, compose: Callable[[], str]) -> str:
        """The detail line ``compose`` makes, or "" when not explaining."""
        return compose() if self.explain else ""

    def field(self, path: str) -> FactValue:
        """A raw profile field; an explicit ``null`` is a known absence. A number is read
        exactly (a float as the decimal it was written as)."""
        value = self.read(path)
        if value is MISSING:
            return self._implied(path)
        return FactValue(exact(value), used=(path,))

    def _implied(self, path: str) -> FactValue:
        """A missing yes/no fact another period's answer settles (none in three years:
        none last year), else unknown."""
        if path in _IMPLIED:
            other, when, note = _IMPLIED[path]
            if self.read(other) is when:
                return FactValue(when, used=(other,), notes=(note,))
        if (share := _SHARE_OF_REVENUE.match(path)) is not None:
            return self._from_share(path, share.group(1), share.group(2))
        return _unknown(path)

    def _from_share(self, path: str, year: str, key: str) -> FactValue:
        """A year's amount stated as a share of that year's revenue (「前年营收4200万，研发
        占3.5%」): revenue × share, once both are known."""
        share_path, note = _SHARES[key]
        share, revenue = (
            self.read(f"financials.{year}.{share_path}"),
            self.read(f"financials.{year}.revenue"),
        )
        if not (is_number(share) and is_number(revenue)):
            return _unknown(path)
        value = ratio(exact(revenue) * exact(share), 100, 1)
        used = (f"financials.{year}.revenue", f"financials.{year}.{share_path}")
        detail = self.describe(lambda: f"{_fmt(exact(revenue))} × {_fixed(exact(share))}%")
        return FactValue(value, used=used, notes=(note,), detail=detail)

    def amount(self, path: str) -> Ratio | None:
        """A non-yearly figure as an exact amount, or None when absent or not a number."""
        value = self.read(path)
        return amount(value) if is_number(value) else None

    def year_field(self, year: int, key: str) -> FactValue:
        """A yearly figure, e.g. ``financials.2025.revenue``."""
        return self.field(f"financials.{year}.{key}")

    def years_window(self, count: int) -> list[int]:
        """The ``count`` fiscal years before ``as_of``, oldest first, limited to the
        years the company existed (a firm operating less than that uses its actual
        period; 195号 三(六))."""
        years = list(range(self.last_year - count + 1, self.last_year + 1))
        registered = self.read("registered_on")
        if isinstance(registered, str):
            first = dt.date.fromisoformat(registered).year
            years = [y for y in years if y >= first] or years[-1:]
        return years

    def year_sum(self, key: str, years: list[int]) -> FactValue:
        """Sum of a yearly figure over years; unknown if any year is missing."""
        parts = [self.year_field(y, key) for y in years]
        missing = [m for p in parts for m in p.missing]
        used = tuple(u for p in parts for u in p.used)
        if missing:
            return _unknown(*missing, used=used)
        total = exact_total(p.value for p in parts)
        detail = self.describe(lambda: " + ".join(_fmt(p.value) for p in parts))
        return FactValue(total, used=used, detail=detail)


# Yearly amounts a company may state as a share (in %) of the same year's revenue:
# amount key -> (share key, note).
_SHARES: dict[str, tuple[str, str]] = {
    "rd_expense": ("rd_share", "按您说的研发费用占营业收入比例折算"),
}
_SHARE_OF_REVENUE = re.compile(rf"financials\.(\d{{4}})\.({'|'.join(_SHARES)})$")

Derive = Callable[[Facts], FactValue]
DERIVED: dict[str, Derive] = {}

# Yes/no facts over nested periods: the last year lies within the last three, so 「近三年
# 没有重大事故」 answers the one-year question and an incident last year the three-year one.
# path: (the other period's path, the value that settles this one, note)
_IMPLIED: dict[str, tuple[str, bool, str]] = {
    "compliance.major_incident_last_year": (
        "compliance.major_incident_last_3y",
        False,
        "按近三年未发生重大事故推定",
    ),
    "compliance.major_incident_last_3y": (
        "compliance.major_incident_last_year",
        True,
        "近一年发生过重大事故，近三年亦然",
    ),
}
DERIVED_DOCS: dict[str, str] = {}


def derived(name: str, label: str) -> Callable[[Derive], Derive]:
    """Register a derived fact under ``name`` with a Chinese label."""

    def register(func: Derive) -> Derive:
        DERIVED[name] = func
        DERIVED_DOCS[name] = label
        return func

    return register


def _ratio(f: Facts, num: FactValue, den: FactValue, *, percent: bool = True) -> FactValue:
    missing = num.missing + den.missing
    used = num.used + den.used
    notes = num.notes + den.notes
    if missing:
        return FactValue(None, known=False, missing=missing, used=used, notes=notes)
    if num.value is None:
        return FactValue(None, used=used, notes=notes)
    if not den.value:
        return FactValue(None, used=used, notes=(*notes, "分母为0，无法计算比例"))
    value = ratio(num.value, den.value, 100 if percent else 1)
    unit = "%" if percent else ""
    detail = f.describe(lambda: f"{_fmt(num.value)} ÷ {_fmt(den.value)} = {_fixed(value)}{unit}")
    return FactValue(value, used=used, notes=notes, detail=detail)


@derived("days_registered", "注册成立天数")
def _days_registered(f: Facts) -> FactValue:
    """Calendar days from registration to the application date (195号 三(一): ≥ 365)."""
    reg = f.field("registered_on")
    if not reg.known:
        return reg
    days = (f.as_of - dt.date.fromisoformat(reg.value)).days
    return FactValue(
        days,
        used=reg.used,
        detail=f.describe(lambda: f"{reg.value} 至 {f.as_of.isoformat()} 共 {days} 天"),
    )


def _years_between(start: dt.date, end: dt.date) -> Ratio:
    """Whole anniversaries plus the fraction of the current year, so that ``>= 5`` holds
    exactly from the fifth anniversary on (a day count / 365.25 is off around leap years).

    >>> _years_between(dt.date(2021, 11, 22), dt.date(2026, 11, 22))
    Ratio(5, 1)
    >>> _years_between(dt.date(2021, 11, 23), dt.date(2026, 11, 22)) < 5
    True
    """
    full = end.year - start.year - ((end.month, end.day) < (start.month, start.day))
    if full < 0:
        return ratio((end - start).days, 365)
    anniversary = _add_years(start, full)
    following = _add_years(start, full + 1)
    return amount(full + ratio((end - anniversary).days, (following - anniversary).days))


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@derived("years_registered", "注册成立年数")
def _years_registered(f: Facts) -> FactValue:
    """Years from registration to the application date."""
    reg = f.field("registered_on")
    if not reg.known:
        return reg
    years = _years_between(dt.date.fromisoformat(reg.value), f.as_of)
    detail = f.describe(lambda: f"自 {reg.value} 起约 {_fixed(years)} 年")
    return FactValue(years, used=reg.used, detail=detail)


@derived("years_in_city", "在现所在城市连续经营年数")
def _years_in_city(f: Facts) -> FactValue:
    """Years operating in the current city (defaults to registration, schema)."""
    since = f.field("operating_in_city_since")
    notes: tuple[str, ...] = ()
    if not since.known:
        since = f.field("registered_on")
        notes = ("未填写在本市经营起始日期，按注册成立日期计算",)
        if not since.known:
            return _unknown("operating_in_city_since", "registered_on")
    years = _years_between(dt.date.fromisoformat(since.value), f.as_of)
    detail = f.describe(lambda: f"自 {since.value} 起约 {_fixed(years)} 年")
    return FactValue(years, used=since.used, notes=notes, detail=detail)


@derived("tech_staff_ratio", "科技人员占职工总数比例")
def _tech_staff_ratio(f: Facts) -> FactValue:
    """科技人员 ÷ 职工总数, in percent (32号 第十一条(四); 115号 第七条)."""
    return _ratio(f, f.field("tech_staff"), f.field("employees"))


@derived("last_year_revenue", "最近一年销售收入")
def _last_year_revenue(f: Facts) -> FactValue:
    """Sales revenue of the last fiscal year (selects the 高企 R&D band, 32号 第十一条(五))."""
    return f.year_field(f.last_year, "revenue")


@derived("last_year_total_assets", "上年末资产总额")
def _last_year_total_assets(f: Facts) -> FactValue:
    """Year-end total assets of the last fiscal year (115号 第六条(二): ≤ 2亿元)."""
    return f.year_field(f.last_year, "total_assets")


@derived("rd_ratio_3y", "近三个会计年度研发费用总额占同期销售收入总额比例")
def _rd_ratio_3y(f: Facts) -> FactValue:
    """Three-year R&D total ÷ three-year sales total (a ratio of totals, not an average
    of yearly ratios; 32号 第十一条(五), 195号 三(六))."""
    years = f.years_window(3)
    rd, rev = f.year_sum("rd_expense", years), f.year_sum("revenue", years)
    notes: tuple[str, ...] = ()
    stated_rd, stated_rev = f.amount("rd_expense_3y_total"), f.amount("revenue_3y_total")
    if not rd.known and stated_rd is not None:
        rd = FactValue(stated_rd, used=("rd_expense_3y_total",))
        notes += ("使用填写的近三年研发费用合计",)
    if not rev.known and stated_rev is not None:
        rev = FactValue(stated_rev, used=("revenue_3y_total",))
        notes += ("使用填写的近三年销售收入合计",)
    result = _ratio(f, rd, rev)
    if len(years) < 3 and result.known:
        notes += (f"企业经营不满三年，按实际经营年度 {years[0]}–{years[-1]} 计算",)
    span = f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0])
    detail = ""
    if result.value is not None:
        detail = f.describe(
            lambda: (
                f"{span} 研发费用合计 {_fmt(rd.value)} 万元 ÷ 销售收入合计 "
                f"{_fmt(rev.value)} 万元 = {_fixed(result.value)}%"
            )
        )
    return FactValue(
        result.value, result.known, result.missing, result.used, result.notes + notes, detail
    )


@derived("rd_3y_total", "近三年研发费用合计")
def _rd_3y_total(f: Facts) -> FactValue:
    """R&D total over the last three fiscal years (万元)."""
    total = f.year_sum("rd_expense", f.years_window(3))
    stated = f.amount("rd_expense_3y_total")
    if not total.known and stated is not None:
        return FactValue(stated, used=("rd_expense_3y_total",))
    return total


@derived("revenue_3y_total", "近三年销售收入合计")
def _revenue_3y_total(f: Facts) -> FactValue:
    """Sales total over the last three fiscal years (万元)."""
    total = f.year_sum("revenue", f.years_window(3))
    stated = f.amount("revenue_3y_total")
    if not total.known and stated is not None:
        return FactValue(stated, used=("revenue_3y_total",))
    return total


@derived("domestic_rd_share", "境内研发费用占研发费用总额比例")
def _domestic_rd_share(f: Facts) -> FactValue:
    """R&D spent in China ÷ all R&D over the last three fiscal years (32号 第十一条(五))."""
    years = f.years_window(3)
    return _ratio(f, f.year_sum("rd_expense_domestic", years), f.year_sum("rd_expense", years))


@derived("hightech_revenue_share", "近一年高新技术产品(服务)收入占总收入比例")
def _hightech_revenue_share(f: Facts) -> FactValue:
    """Last year's high-tech revenue ÷ 总收入 (32号 第十一条(六)); when 总收入 is missing,
    营业收入 is used and the result says so (总收入 is usually larger, so this may
    overstate the share)."""
    num = f.year_field(f.last_year, "hightech_revenue")
    den = f.year_field(f.last_year, "total_income")
    if not den.known:
        alt = f.year_field(f.last_year, "revenue")
        if alt.known:
            note = "总收入未填写，暂按营业收入计算（总收入通常更大，实际比例可能更低）"
            den = FactValue(alt.value, used=alt.used, notes=(note,))
    return _ratio(f, num, den)


def _ip(f: Facts, keys: tuple[str, ...]) -> FactValue:
    ip = f.read("ip")
    if ip is MISSING or ip is None:
        return _unknown("ip") if ip is MISSING else FactValue(0, used=("ip",))
    # Kinds not listed are taken as none: a profile's ip object lists the IP it has
    # (an empty object means no IP).
    count = int(sum(ip.get(k) or 0 for k in keys))
    return FactValue(count, used=("ip",))


CLASS_I = ("invention_patents", "plant_varieties", "new_drugs", "ic_layouts")
CLASS_II = ("utility_models", "design_patents", "software_copyrights")


@derived("ip_class_i", "Ⅰ类知识产权数量")
def _ip_class_i(f: Facts) -> FactValue:
    """Class I IP: invention patents, plant varieties, new drugs, IC layouts (195号 三(二))."""
    return _ip(f, CLASS_I)


@derived("ip_class_ii", "Ⅱ类知识产权数量")
def _ip_class_ii(f: Facts) -> FactValue:
    """Class II IP: utility models, designs, software copyrights; trademarks do not count."""
    return _ip(f, CLASS_II)


@derived("ip_total", "有效知识产权数量（不含商标）")
def _ip_total(f: Facts) -> FactValue:
    """Class I + Class II (trademarks are not IP for these programs)."""
    return _ip(f, CLASS_I + CLASS_II)


@derived("transformations_per_year", "近三年科技成果转化年平均数")
def _transformations_per_year(f: Facts) -> FactValue:
    """Average results transformed per year over the last three years (195号 三(七))."""
    total = f.field("transformations_3y")
    if not total.known or total.value is None:
        return total
    avg = ratio(total.value, 3)
    detail = f.describe(lambda: f"{total.value} ÷ 3 = {_fixed(avg)} 项/年")
    return FactValue(avg, used=total.used, detail=detail)


def _growth(f: Facts, values: list[FactValue], label: str) -> FactValue:
    missing = [m for v in values for m in v.missing]
    used = tuple(u for v in values for u in v.used)
    if missing:
        return _unknown(*missing, used=used)
    if len(values) < 2:
        return FactValue(None, used=used, notes=(f"经营不足两个会计年度，无法计算{label}增长率",))
    if len(values) == 2:  # operating under three years: the actual period (195号)
        first, last = (amount(v.value) for v in values)
        if first == 0:
            return FactValue(None, used=used, notes=(f"第一年{label}为0，该项得0分",))
        rate = ratio(last, first) - 1
        note = f"经营不满三年，按实际经营期计算：{_fmt(last)}/{_fmt(first)} − 1"
        return FactValue(amount(rate * 100), used=used, notes=(note,))
    y1, y2, y3 = (amount(v.value) for v in values)
    if y2 == 0:
        return FactValue(None, used=used, notes=(f"第二年{label}为0，该项得0分",))
    if y1 == 0:  # 195号: a zero first year -> computed on the last two years
        rate = ratio(y3, y2) - 1
        return FactValue(amount(rate * 100), used=used, notes=(f"第一年{label}为0，按后两年计算",))
    percent = amount(((ratio(y2, y1) + ratio(y3, y2)) / 2 - 1) * 100)
    detail = f.describe(
        lambda: f"½ × ({_fmt(y2)}/{_fmt(y1)} + {_fmt(y3)}/{_fmt(y2)}) − 1 = {_fixed(percent)}%"
    )
    return FactValue(percent, used=used, detail=detail)


def _net_assets(f: Facts, year: int) -> FactValue:
    """Year-end net assets: as stated (净资产), else assets less liabilities."""
    stated = f.year_field(year, "net_assets")
    if stated.known:
        return stated
    assets, debts = f.year_field(year, "total_assets"), f.year_field(year, "total_liabilities")
    if not (assets.known and debts.known):
        return _unknown(*(assets.missing + debts.missing))
    return FactValue(assets.value - debts.value, used=assets.used + debts.used)


@derived("net_asset_growth", "净资产增长率")
def _net_asset_growth(f: Facts) -> FactValue:
    """½ × (Y2/Y1 + Y3/Y2) − 1 of year-end net assets (195号 三(七) 企业成长性); a firm
    operating under three years uses its actual period."""
    years = f.years_window(3)
    return _growth(f, [_net_assets(f, y) for y in years], "净资产")


@derived("sales_growth", "销售收入增长率")
def _sales_growth(f: Facts) -> FactValue:
    """½ × (Y2/Y1 + Y3/Y2) − 1 of sales revenue (195号 三(七) 企业成长性); a firm operating
    under three years uses its actual period."""
    years = f.years_window(3)
    return _growth(f, [f.year_field(y, "revenue") for y in years], "销售收入")


@derived("rd_ratio_last_year", "最近一年研发费用占销售收入比例")
def _rd_ratio_last_year(f: Facts) -> FactValue:
    """Last year's R&D ÷ sales revenue (115号 第七条 option a; 63号 annex 1); the share
    itself when it was stated and revenue is not known."""
    value = _ratio(f, f.year_field(f.last_year, "rd_expense"), f.year_field(f.last_year, "revenue"))
    share = f.read(f"financials.{f.last_year}.rd_share")
    if value.known or not is_number(share):
        return value
    return FactValue(
        exact(share),
        used=(f"financials.{f.last_year}.rd_share",),
        notes=(_SHARES["rd_expense"][1],),
    )


@derived("rd_cost_ratio_last_year", "最近一年研发费用占成本费用总额比例")
def _rd_cost_ratio_last_year(f: Facts) -> FactValue:
    """Last year's R&D ÷ total costs and expenses (115号 第七条 option b)."""
    return _ratio(
        f, f.year_field(f.last_year, "rd_expense"), f.year_field(f.last_year, "total_costs")
    )


@derived("debt_ratio_last_year", "上年末资产负债率")
def _debt_ratio(f: Facts) -> FactValue:
    """Year-end liabilities ÷ assets of the last fiscal year."""
    return _ratio(
        f, f.year_field(f.last_year, "total_liabilities"), f.year_field(f.last_year, "total_assets")
    )


@derived("main_business_share", "主营业务收入占营业收入比例")
def _main_business_share(f: Facts) -> FactValue:
    """Last year's main-business revenue ÷ operating revenue."""
    return _ratio(
        f, f.year_field(f.last_year, "main_business_revenue"), f.year_field(f.last_year, "revenue")
    )


@derived("revenue_growth_last_year", "最近一年营业收入增长率")
def _revenue_growth_last_year(f: Facts) -> FactValue:
    """Last year's revenue ÷ the year before − 1, in percent."""
    now, before = f.year_field(f.last_year, "revenue"), f.year_field(f.last_year - 1, "revenue")
    quotient = _ratio(f, now, before, percent=False)
    if not quotient.known or quotient.value is None:
        return quotient
    rate = amount((quotient.value - 1) * 100)
    return FactValue(
        rate,
        used=quotient.used,
        detail=f.describe(
            lambda: f"{_fmt(now.value)} ÷ {_fmt(before.value)} − 1 = {_fixed(rate)}%"
        ),
    )


@derived("main_business_growth_last_year", "最近一年主营业务收入增长率")
def _main_growth_last_year(f: Facts) -> FactValue:
    """Last year's main-business revenue ÷ the year before − 1 (63号 annex 1)."""
    now = f.year_field(f.last_year, "main_business_revenue")
    before = f.year_field(f.last_year - 1, "main_business_revenue")
    quotient = _ratio(f, now, before, percent=False)
    if not quotient.known or quotient.value is None:
        return quotient
    return FactValue(amount((quotient.value - 1) * 100), used=quotient.used)


@derived("revenue_cagr_2y", "近两年营业收入复合增长率")
def _revenue_cagr_2y(f: Facts) -> FactValue:
    """(revenue last year ÷ revenue three years ago)^(1/2) − 1, in percent (小巨人 2号)."""
    now, base = f.year_field(f.last_year, "revenue"), f.year_field(f.last_year - 2, "revenue")
    quotient = _ratio(f, now, base, percent=False)
    if not quotient.known or quotient.value is None:
        return quotient
    rate = amount((sqrt(quotient.value) - 1) * 100)
    return FactValue(
        rate,
        used=quotient.used,
        detail=f.describe(
            lambda: f"({_fmt(now.value)} ÷ {_fmt(base.value)})^½ − 1 = {_fixed(rate)}%"
        ),
    )


@derived("rd_min_last_2y", "近两年每年研发费用的较小值")
def _rd_min_last_2y(f: Facts) -> FactValue:
    """The smaller yearly R&D of the last two years (每年均不低于 tests)."""
    parts = [f.year_field(y, "rd_expense") for y in (f.last_year - 1, f.last_year)]
    missing = [m for p in parts for m in p.missing]
    if missing:
        return _partial_minimum(parts, missing)
    return FactValue(
        amount(min(p.value for p in parts)), used=tuple(u for p in parts for u in p.used)
    )


def _partial_minimum(parts: list[FactValue], missing: list[str]) -> FactValue:
    """An unknown minimum over years, bounded by the years known (a year below a lower
    limit fails it whatever the missing years hold)."""
    known = [p for p in parts if p.known]
    if any(p.value is None for p in known):
        # a year with no ratio (no revenue) fails as it does when every year is known
        return FactValue(None, used=tuple(u for p in known for u in p.used))
    if not known:
        return _unknown(*missing)
    low = min(p.value for p in known)
    return FactValue(
        None,
        known=False,
        missing=tuple(dict.fromkeys(missing)),
        used=tuple(u for p in known for u in p.used),
        detail="；".join(p.detail for p in known if p.detail),
        at_most=low,
    )


@derived("rd_ratio_min_last_2y", "近两年每年研发费用占营业收入比例的较小值")
def _rd_ratio_min_last_2y(f: Facts) -> FactValue:
    """The smaller of the last two years' R&D ÷ revenue ratios, in percent."""
    ratios = [
        _ratio(f, f.year_field(y, "rd_expense"), f.year_field(y, "revenue"))
        for y in (f.last_year - 1, f.last_year)
    ]
    missing = [m for r in ratios for m in r.missing]
    if missing:
        return _partial_minimum(ratios, missing)
    if any(r.value is None for r in ratios):
        return FactValue(None, used=tuple(u for r in ratios for u in r.used))
    low = min(r.value for r in ratios)
    return FactValue(
        low,
        used=tuple(u for r in ratios for u in r.used),
        detail=f.describe(lambda: "；".join(r.detail for r in ratios)),
    )


@derived("rd_total_last_2y", "近两年研发费用合计")
def _rd_total_last_2y(f: Facts) -> FactValue:
    """R&D total over the last two fiscal years (万元; 小巨人 2号)."""
    return f.year_sum("rd_expense", [f.last_year - 1, f.last_year])


@derived("rd_avg_last_2y", "近两年研发费用年平均")
def _rd_avg_last_2y(f: Facts) -> FactValue:
    """Average yearly R&D over the last two fiscal years (万元; 63号 annex 2)."""
    total = f.year_sum("rd_expense", [f.last_year - 1, f.last_year])
    if not total.known:
        return total
    return FactValue(ratio(total.value, 2), used=total.used)


# What a stated fact that is not a ratio was read from (see Facts.get).
_STATED_NOTES = {"max_consecutive_loss_years_5y": "按您说明的亏损年数判断"}


@derived("max_consecutive_loss_years_5y", "近五年最长连续亏损年数")
def _losses(f: Facts) -> FactValue:
    """Longest run of loss-making years among the last five (好品山东 base condition 3).
    A year is a loss by its net profit, or by its ``loss`` flag when the amount was not
    given (「2023年和2024年连续亏损了」). With years unknown, the runs among the known
    ones are a lower bound: two loss years in a row already fail a cap of fewer than two."""
    losses: list[bool | None] = []
    used: list[str] = []
    missing: list[str] = []
    for year in range(f.last_year - 4, f.last_year + 1):
        profit = f.year_field(year, "net_profit")
        flag = f.read(f"financials.{year}.loss")
        if profit.known:
            losses.append(profit.value < 0)
            used += profit.used
        elif isinstance(flag, bool):
            losses.append(flag)
            used.append(f"financials.{year}.loss")
        else:
            losses.append(None)
            missing += profit.missing
    run = best = 0
    for loss in losses:
        run = run + 1 if loss else 0
        best = max(best, run)
    if missing:
        return FactValue(
            None, known=False, missing=tuple(missing), used=tuple(used), at_least=best or None
        )
    return FactValue(best, used=tuple(used))


@derived("st_award_age_years", "科技奖励距今年数")
def _award_age(f: Facts) -> FactValue:
    """Years since the company's best science & technology award (null = none)."""
    award = f.read("st_award")
    if award is MISSING:
        return _unknown("st_award")
    if award is None or award.get("year") is None:
        return FactValue(None, used=("st_award",))
    return FactValue(f.as_of.year - int(award["year"]), used=("st_award",))


def award_fact(key: str) -> Derive:
    """A field of the award, where an explicit null award means 'none' (known)."""

    def read(f: Facts) -> FactValue:
        award = f.read("st_award")
        if award is MISSING:
            return _unknown("st_award")
        if award is None:
            return FactValue(None, used=("st_award",))
        return FactValue(award.get(key), used=("st_award",))

    return read


DERIVED["st_award_level"] = award_fact("level")
DERIVED_DOCS["st_award_level"] = "科技奖励级别"
DERIVED["st_award_rank"] = award_fact("rank")
DERIVED_DOCS["st_award_rank"] = "科技奖励排名"


def _full_years(start: dt.date, end: dt.date) -> int:
    """Completed years from ``start`` to ``end``, counted by anniversaries.

    >>> _full_years(dt.date(2021, 11, 22), dt.date(2026, 11, 22))
    5
    >>> _full_years(dt.date(2021, 11, 23), dt.date(2026, 11, 22))
    4
    """
    years = end.year - start.year
    if (end.month, end.day) < (start.month, start.day):
        years -= 1
    return max(years, 0)


def _full_years_since(f: Facts, path: str, notes: tuple[str, ...] = ()) -> FactValue:
    since = f.field(path)
    if not since.known or since.value is None:
        return _unknown(path)
    years = _full_years(dt.date.fromisoformat(since.value), f.as_of)
    detail = f.describe(lambda: f"{since.value} 至 {f.as_of.isoformat()} 满 {years} 周年")
    return FactValue(years, used=since.used, notes=notes, detail=detail)


@derived("full_years_registered", "注册成立满整年数")
def _full_years_registered(f: Facts) -> FactValue:
    """Completed years since registration on the application date (满N年 means the Nth
    anniversary has been reached; 好品山东 基础条件1: 连续经营 ≥ 5年). Unlike
    ``years_registered`` (a fraction), it is a whole number of anniversaries."""
    return _full_years_since(f, "registered_on")


@derived("full_years_in_city", "在现所在城市连续经营满整年数")
def _full_years_in_city(f: Facts) -> FactValue:
    """Completed years operating in the current city, by anniversaries (泉城好品 基本条件1:
    在济南连续经营 ≥ 3年); falls back to the registration date, as ``years_in_city`` does."""
    if f.field("operating_in_city_since").value is not None:
        return _full_years_since(f, "operating_in_city_since")
    if not f.field("registered_on").known:
        return _unknown("operating_in_city_since", "registered_on")
    note = "未填写在本市经营起始日期，按注册成立日期计算"
    return _full_years_since(f, "registered_on", (note,))


@derived("last_year_rd_expense", "最近一年研发费用")
def _last_year_rd_expense(f: Facts) -> FactValue:
    """R&D expense of the last fiscal year (万元; 专精特新 63号: 上年研发费用 ≥ 100万元)."""
    return f.year_field(f.last_year, "rd_expense")


@derived("net_profit_margin_last_year", "上年净利润率")
def _net_profit_margin_last_year(f: Facts) -> FactValue:
    """Last year's net profit ÷ operating revenue, in percent (专精特新 63号 评分表 精细化:
    上年净利润率)."""
    return _ratio(f, f.year_field(f.last_year, "net_profit"), f.year_field(f.last_year, "revenue"))


@derived("main_business_growth_avg_2y", "近2年主营业务收入平均增长率")
def _main_business_growth_avg_2y(f: Facts) -> FactValue:
    """Average of the last two yearly main-business revenue growth rates,
    ½ × (Y2/Y1 + Y3/Y2) − 1, in percent (小巨人 63号 专业化: 近2年主营业务收入平均增长率
    ≥ 5%). A zero base year makes the rate undeterminable (None)."""
    years = [f.last_year - 2, f.last_year - 1, f.last_year]
    parts = [f.year_field(y, "main_business_revenue") for y in years]
    missing = [m for p in parts for m in p.missing]
    used = tuple(u for p in parts for u in p.used)
    if missing:
        return _unknown(*missing, used=used)
    y1, y2, y3 = (amount(p.value) for p in parts)
    if y1 == 0 or y2 == 0:
        return FactValue(None, used=used, notes=("基期主营业务收入为0，无法计算增长率",))
    percent = amount(((ratio(y2, y1) + ratio(y3, y2)) / 2 - 1) * 100)
    detail = f.describe(
        lambda: f"½ × ({_fmt(y2)}/{_fmt(y1)} + {_fmt(y3)}/{_fmt(y2)}) − 1 = {_fixed(percent)}%"
    )
    return FactValue(percent, used=used, detail=detail)


@derived("ip_software_copyrights", "软件著作权数量")
def _ip_software_copyrights(f: Facts) -> FactValue:
    """Software copyrights (创新型中小企业 63号附件1: counted as Class II without the
    2-year maintenance rule that applies to utility models and designs). Like
    ``ip_class_ii``, a kind not listed is taken as none once any Class II kind is given."""
    ip = f.read("ip")
    if ip is MISSING or ip is None:
        return _unknown("ip") if ip is MISSING else FactValue(0, used=("ip",))
    if not any(is_number(ip.get(k)) for k in CLASS_II):
        return _unknown(*(f"ip.{k}" for k in CLASS_II))
    return FactValue(int(ip.get("software_copyrights") or 0), used=("ip.software_copyrights",))


KNOWN_FACTS: frozenset[str] = frozenset(DERIVED)
"""Every derived fact name (the loader checks rules only use these or profile paths)."""
