"""Generated dialogues: random company profiles told to the chat as an owner would.

Written from the company profile schema (fields, units: money in 万元, fiscal years, counts)
and kept apart from the chat's extractor: this module has its own word lists and imports
nothing from ``assistant.chat``, so the extractor cannot be fitted to it by sharing code.
A profile is drawn at random, then rendered as one to four Chinese messages in varied surface
forms: Arabic or Chinese numerals, 万/亿/元, several years as a list in either order or as
去年/前年/大前年, synonyms of each field, filler words, a wrong figure corrected later (with
or without a correction word), a switch to another program, and one dialogue in ten in
traditional characters. After the last turn, the
chat's assessment must equal the engine's assessment of the profile itself.

Pure: ``random.Random`` in, plain data out.
"""

from __future__ import annotations

import copy
import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

PROGRAMS = {
    "hnte": ["高企", "高新技术企业", "国家高新技术企业"],
    "tech_sme": ["科技型中小企业", "科小", "科技型中小企业评价"],
    "srdi_sme": ["专精特新中小企业", "专精特新"],
}
CITIES = ["济南", "青岛", "烟台", "潍坊", "临沂", "淄博", "威海", "聊城"]
TECH_FIELDS = ["电子信息", "新材料", "先进制造与自动化", "生物与新医药", "新能源与节能"]
REVENUE_WORDS = ["营收", "营业收入", "销售收入"]
RD_WORDS = ["研发费用", "研发投入", "研发经费"]
STAFF_WORDS = ["员工", "职工", "职工人数", "员工人数"]
TECH_WORDS = ["研发人员", "科技人员", "技术人员"]
FILLERS = ["", "", "嗯，", "那个，", "对了，", "您好，", "补充一下，"]
OWNERS = ["我们", "我们公司", "我司", "公司", ""]
CORRECTIONS = ["说错了，", "不好意思，", "更正一下，", "刚才记错了，", "哦不对，", ""]
QUESTIONS = ["能评{p}吗？", "我们能申请{p}吗？", "我们这样能评{p}吗？", "够{p}的条件吗？"]
SWITCHES = ["那{p}呢？", "{p}呢？", "那{p}怎么样？"]
_CN_DIGITS = "零一二三四五六七八九"


@dataclass
class GeneratedDialogue:
    """A profile, the messages that tell it, and the program asked about last."""

    seed: int
    profile: dict[str, Any]
    turns: list[str]
    program: str
    forms: list[str] = field(default_factory=list)


def fiscal_years(as_of: dt.date) -> list[int]:
    """The three fiscal years before the application year, oldest first."""
    return [as_of.year - 3, as_of.year - 2, as_of.year - 1]


def draw_profile(rng: random.Random, as_of: dt.date) -> dict[str, Any]:
    """A random profile in the schema's JSON (every field optional, money in 万元)."""
    profile: dict[str, Any] = {}
    if rng.random() < 0.85:
        start = dt.date(2008, 1, 1).toordinal()
        end = (as_of - dt.timedelta(days=60)).toordinal()
        profile["registered_on"] = dt.date.fromordinal(rng.randint(start, end)).isoformat()
    if rng.random() < 0.5:
        profile["region"] = {"province": "山东省", "city": rng.choice(CITIES) + "市"}
    if rng.random() < 0.9:
        employees = rng.choice([rng.randint(8, 99), rng.randint(100, 600)])
        profile["employees"] = employees
        if rng.random() < 0.9:
            share = rng.choice([rng.uniform(0.02, 0.12), rng.uniform(0.05, 0.5)])
            profile["tech_staff"] = max(1, min(employees, round(employees * share)))
    if rng.random() < 0.9:
        profile["financials"] = _financials(rng, as_of, profile)
    if rng.random() < 0.6 and (ip := _ip(rng)):
        profile["ip"] = ip
    if rng.random() < 0.5:
        profile["tech_field"] = rng.choice(TECH_FIELDS)
    if rng.random() < 0.5:
        profile["compliance"] = {"major_incident_last_year": rng.random() < 0.1}
    return profile


def _ip(rng: random.Random) -> dict[str, int]:
    tops = (("invention_patents", 5), ("utility_models", 12), ("software_copyrights", 9))
    return {key: rng.randint(0, top) for key, top in tops if rng.random() < 0.6}


def _financials(rng: random.Random, as_of: dt.date, profile: dict[str, Any]) -> dict[str, Any]:
    years = fiscal_years(as_of)
    base = rng.choice([rng.randint(80, 900), rng.randint(1000, 9000), rng.randint(10, 40) * 500])
    revenue = {}
    for i, year in enumerate(years):
        revenue[year] = max(10, round(base * (1 + rng.uniform(-0.1, 0.4)) ** i))
    fin: dict[str, Any] = {str(y): {"revenue": revenue[y]} for y in years}
    if rng.random() < 0.85:
        ratio = rng.uniform(0.01, 0.1)
        if rng.random() < 0.25:
            profile["rd_expense_3y_total"] = max(1, round(sum(revenue.values()) * ratio))
        else:
            for y in years:
                fin[str(y)]["rd_expense"] = max(
                    1, round(revenue[y] * ratio * rng.uniform(0.8, 1.2))
                )
    if rng.random() < 0.4:
        last = str(years[-1])
        fin[last]["total_assets"] = max(10, round(revenue[years[-1]] * rng.uniform(0.5, 3)))
    if rng.random() < 0.2:
        last = str(years[-1])
        fin[last]["hightech_revenue"] = round(fin[last]["revenue"] * rng.uniform(0.3, 0.95))
    return fin


# ------------------------------------------------------------------------------ numerals


def chinese_numeral(value: int) -> str:
    """A whole number below 100,000,000 in Chinese numerals (3500 -> 三千五百)."""
    if value == 0:
        return "零"
    if value >= 10000:
        high, low = divmod(value, 10000)
        text = chinese_numeral(high) + "万"
        if low:
            text += ("零" if low < 1000 else "") + chinese_numeral(low)
        return text
    digits = [(value // 1000) % 10, (value // 100) % 10, (value // 10) % 10, value % 10]
    units = ["千", "百", "十", ""]
    out, zero = "", False
    for digit, unit in zip(digits, units, strict=True):
        if digit == 0:
            zero = bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += _CN_DIGITS[digit] + unit
    if out.startswith("一十"):
        out = out[1:]
    return out


def spoken(text: str, rng: random.Random) -> str:
    """二千/二百 as people say them: 两千/两百 (sometimes)."""
    if rng.random() < 0.5:
        return text.replace("二千", "两千").replace("二百", "两百").replace("二万", "两万")
    return text


def say_money(rng: random.Random, wan: int, forms: list[str]) -> str:
    """An amount in 万元 in one of several surface forms."""
    choice = rng.random()
    if wan >= 10000 and wan % 1000 == 0 and choice < 0.3:
        forms.append("亿")
        return f"{wan / 10000:g}亿"
    if wan >= 10000 and wan % 10000 and choice < 0.4:
        forms.append("亿万")
        high, low = divmod(wan, 10000)
        return f"{high}亿{low}万"
    if choice < 0.55 and wan < 10000:
        forms.append("中文万")
        return spoken(chinese_numeral(wan), rng) + rng.choice(["万", "万元"])
    if choice < 0.65:
        forms.append("元")
        return f"{wan * 10000}元"
    if choice < 0.75 and wan >= 1000:
        forms.append("千分位")
        return f"{wan:,}万"
    forms.append("数字万")
    return f"{wan}" + rng.choice(["万", "万元"])


def say_count(rng: random.Random, count: int, unit: str, forms: list[str]) -> str:
    """A count in Arabic or Chinese numerals, with a measure word."""
    if rng.random() < 0.3 and count > 0:
        forms.append("中文数")
        return spoken(chinese_numeral(count), rng) + unit
    return f"{count}{unit}"


def say_date(rng: random.Random, iso: str, forms: list[str]) -> str:
    """A date as 2018年3月15日, 2018-03-15 or in Chinese digits."""
    day = dt.date.fromisoformat(iso)
    choice = rng.random()
    if choice < 0.2:
        forms.append("日期-")
        return iso
    if choice < 0.35:
        forms.append("中文日期")
        year = "".join("〇一二三四五六七八九"[int(d)] for d in str(day.year))
        return f"{year}年{chinese_numeral(day.month)}月{chinese_numeral(day.day)}日"
    return f"{day.year}年{day.month}月{day.day}" + rng.choice(["日", "号"])


def say_year(rng: random.Random, year: int, as_of: dt.date, forms: list[str]) -> str:
    """A fiscal year as 2025年 or 去年/前年/大前年."""
    back = as_of.year - year
    if rng.random() < 0.5 and 1 <= back <= 3:
        forms.append("去年前年")
        return ["去年", "前年", "大前年"][back - 1]
    return f"{year}年"


# ------------------------------------------------------------------------------ rendering


def render(
    rng: random.Random, profile: dict[str, Any], as_of: dt.date, seed: int = 0
) -> GeneratedDialogue:
    """The messages of one dialogue: fact turns (a wrong figure may be corrected in the same
    message or a later turn), then the question, and sometimes a switch to another program."""
    forms: list[str] = []
    correction = _correction(rng, profile, as_of, forms)
    clauses, later = _told(rng, profile, correction, as_of, forms)
    switch = rng.random() < 0.35
    # at most five messages: the fact turns, a correction, the question, a switch
    room = 5 - 1 - bool(later) - switch
    groups = rng.randint(1, max(1, min(room, 3, len(clauses))))
    turns: list[str] = []
    for g in range(groups):
        part = clauses[g::groups]
        if part:
            turns.append(rng.choice(FILLERS) + rng.choice(OWNERS) + "，".join(part) + "。")
    if later:
        turns.append(later)
    first, last = rng.sample(list(PROGRAMS), 2)
    question = rng.choice(QUESTIONS).format(p=rng.choice(PROGRAMS[first]))
    program = first
    _ask(rng, turns, question, single=correction is None, forms=forms)
    if switch:
        turns.append(rng.choice(SWITCHES).format(p=rng.choice(PROGRAMS[last])))
        program = last
        forms.append("换项目")
    if rng.random() < 0.1:
        turns = [_traditional(t) for t in turns]
        forms.append("繁体")
    return GeneratedDialogue(seed, profile, turns, program, forms)


def _told(
    rng: random.Random,
    profile: dict[str, Any],
    correction: tuple[str, Any, str] | None,
    as_of: dt.date,
    forms: list[str],
) -> tuple[list[str], str]:
    """The fact clauses in random order (the wrong figure in place of the right one) and the
    later correcting message ("" when corrected in the same message or not at all)."""
    told = copy.deepcopy(profile)
    if correction is None:
        clauses = _clauses(rng, told, as_of, forms)
        rng.shuffle(clauses)
        return clauses, ""
    path, wrong, message = correction
    *parents, key = path.split(".")
    node = told
    for step in parents:
        node = node[step]
    node[key] = wrong
    if path in ("employees", "tech_staff") and rng.random() < 0.3:
        # corrected in the same message, right after the wrong figure
        told.pop(path)
        word = rng.choice(STAFF_WORDS if path == "employees" else TECH_WORDS)
        fix = rng.choice(["哦不", "不对", "说错了"])
        clauses = [
            *_clauses(rng, told, as_of, forms),
            f"{word}{wrong}人，{fix}，是{profile[path]}人",
        ]
        forms.append("同句更正")
        rng.shuffle(clauses)
        return clauses, ""
    clauses = _clauses(rng, told, as_of, forms)
    rng.shuffle(clauses)
    return clauses, message


def _ask(
    rng: random.Random, turns: list[str], question: str, *, single: bool, forms: list[str]
) -> None:
    """Ask in its own message, or (without a correction) with the last facts, after or before."""
    merge = rng.random()
    if turns and merge < 0.3 and len(turns) < 3 and single:
        turns[-1] = turns[-1].rstrip("。") + "，" + question
        forms.append("问句合并")
    elif turns and merge < 0.4 and single:
        turns[-1] = question.replace("？", "，") + turns[-1]
        forms.append("问句在前")
    else:
        turns.append(question)


def _traditional(text: str) -> str:
    """The message in traditional characters (as owners in some places type)."""
    import opencc

    return str(opencc.OpenCC("s2t").convert(text))


def _clauses(
    rng: random.Random, profile: dict[str, Any], as_of: dt.date, forms: list[str]
) -> list[str]:
    out = []
    if "registered_on" in profile:
        date = say_date(rng, profile["registered_on"], forms)
        out.append(
            rng.choice([f"{date}成立", f"成立于{date}", f"{date}注册的", f"注册时间是{date}"])
        )
    if "region" in profile:
        city = profile["region"]["city"]
        out.append(rng.choice([f"在{city}", f"是{city}的企业", f"注册在{city}"]))
    if "employees" in profile:
        word = rng.choice(STAFF_WORDS)
        count = say_count(rng, profile["employees"], rng.choice(["人", "名"]), forms)
        style = rng.random()
        if style < 0.15:
            forms.append("左右")
            out.append(f"{word}{count}左右")
        elif style < 0.3:
            forms.append("个员工")
            many = say_count(rng, profile["employees"], "个", forms)
            out.append(f"有{many}{rng.choice(['员工', '职工'])}")
        else:
            qty = rng.choice(["", "一共", "大概", "差不多", "总共", "约"])
            out.append(f"{word}{qty}{count}")
    if "tech_staff" in profile:
        word = rng.choice(TECH_WORDS)
        out.append(
            f"{word}{say_count(rng, profile['tech_staff'], rng.choice(['人', '名', '个']), forms)}"
        )
    out += _money_clauses(rng, profile, as_of, forms)
    out += _ip_clauses(rng, profile, forms)
    if "tech_field" in profile:
        out.append(rng.choice([f"做{profile['tech_field']}的", f"属于{profile['tech_field']}领域"]))
    incident = (profile.get("compliance") or {}).get("major_incident_last_year")
    if incident is False:
        out.append(
            rng.choice(
                ["近一年没出过安全事故", "去年没发生过重大安全、质量事故", "近一年也没有环境违法"]
            )
        )
    elif incident is True:
        out.append("近一年发生过一次重大安全事故")
    return out


def _ip_clauses(rng: random.Random, profile: dict[str, Any], forms: list[str]) -> list[str]:
    out = []
    for key, words in (
        ("invention_patents", ["发明专利", "件发明专利"]),
        ("utility_models", ["实用新型", "项实用新型专利"]),
        ("software_copyrights", ["软件著作权", "项软著"]),
    ):
        count = (profile.get("ip") or {}).get(key)
        if count is None:
            continue
        if count == 0:
            out.append(f"没有{words[0]}")
        elif rng.random() < 0.5:
            out.append(f"{words[0]}{say_count(rng, count, rng.choice(['项', '件', '个']), forms)}")
        else:
            out.append(f"有{say_count(rng, count, '', forms)}{words[1]}")
    return out


def _money_clauses(
    rng: random.Random, profile: dict[str, Any], as_of: dt.date, forms: list[str]
) -> list[str]:
    fin = profile.get("financials") or {}
    out = []
    years = [y for y in fiscal_years(as_of) if str(y) in fin]
    for key, words in (("revenue", REVENUE_WORDS), ("rd_expense", RD_WORDS)):
        values = [(y, fin[str(y)][key]) for y in years if key in fin[str(y)]]
        if values:
            out.append(_series(rng, rng.choice(words), values, as_of, forms))
    if "rd_expense_3y_total" in profile:
        word = rng.choice(RD_WORDS)
        amount = say_money(rng, profile["rd_expense_3y_total"], forms)
        out.append(rng.choice([f"近三年{word}合计{amount}", f"{word}三年一共{amount}"]))
        forms.append("三年合计")
    last = as_of.year - 1
    figures = fin.get(str(last)) or {}
    if "total_assets" in figures:
        year = say_year(rng, last, as_of, forms)
        out.append(
            f"{year}年末资产总额{say_money(rng, figures['total_assets'], forms)}".replace(
                "年年末", "年末"
            )
        )
    if "hightech_revenue" in figures:
        year = say_year(rng, last, as_of, forms)
        out.append(f"{year}高新技术产品收入{say_money(rng, figures['hightech_revenue'], forms)}")
    return out


def _series(
    rng: random.Random, word: str, values: list[tuple[int, int]], as_of: dt.date, forms: list[str]
) -> str:
    """Several years of one figure: a 分别 list, a range, or year by year in either order."""
    style = rng.random()
    if len(values) == 3 and style < 0.3:
        forms.append("年份区间")
        amounts = "、".join(say_money(rng, v, forms) for _, v in values)
        return f"{values[0][0]}到{values[-1][0]}年{word}{amounts}"
    if len(values) >= 2 and style < 0.55:
        forms.append("分别")
        ordered = values if rng.random() < 0.5 else values[::-1]
        years = "、".join(say_year(rng, y, as_of, forms) for y, _ in ordered)
        amounts = "、".join(say_money(rng, v, forms) for _, v in ordered)
        return f"{years}{word}分别是{amounts}"
    ordered = values if rng.random() < 0.5 else values[::-1]
    if ordered is not values:
        forms.append("倒序")
    parts = [
        f"{say_year(rng, y, as_of, forms)}{word if i == 0 else ''}{say_money(rng, v, forms)}"
        for i, (y, v) in enumerate(ordered)
    ]
    return "，".join(parts)


def _correction(
    rng: random.Random, profile: dict[str, Any], as_of: dt.date, forms: list[str]
) -> tuple[str, Any, str] | None:
    """A figure said wrong at first: (field path, wrong value, the later message with the
    right one, with or without a correction word)."""
    if rng.random() > 0.35:
        return None
    last = str(as_of.year - 1)
    options: list[str] = [k for k in ("employees", "tech_staff") if k in profile]
    if "revenue" in (profile.get("financials") or {}).get(last, {}):
        options.append(f"financials.{last}.revenue")
    if not options:
        return None
    key = rng.choice(options)
    lead = rng.choice(CORRECTIONS)
    forms.append("更正" if lead else "无更正词")
    if key.startswith("financials."):
        right = profile["financials"][last]["revenue"]
        wrong = right + rng.choice([-100, 100, 300, 1000])
        if wrong <= 0:
            return None
        year = say_year(rng, int(last), as_of, forms)
        tail = rng.choice(["是{v}", "应该是{v}", "其实是{v}"]).format(
            v=say_money(rng, right, forms)
        )
        return key, wrong, f"{lead}{year}{rng.choice(REVENUE_WORDS)}{tail}。"
    right = profile[key]
    wrong = max(0, right + rng.choice([-3, -2, 2, 5, 10]))
    if key == "tech_staff" and "employees" in profile:
        wrong = min(wrong, profile["employees"])
    if key == "employees" and "tech_staff" in profile:
        wrong = max(wrong, profile["tech_staff"])
    if wrong == right:
        return None
    word = rng.choice(STAFF_WORDS if key == "employees" else TECH_WORDS)
    tail = rng.choice(["是{v}人", "应该是{v}人", "其实是{v}人"]).format(v=right)
    return key, wrong, f"{lead}{word}{tail}。"


def generate(seed: int, as_of: dt.date) -> GeneratedDialogue:
    """One dialogue from a seed (the same seed gives the same dialogue)."""
    rng = random.Random(seed)
    return render(rng, draw_profile(rng, as_of), as_of, seed)
