"""Numbers as people write them in Chinese: 4800万, 1.2亿, 三千五百万, 2个亿, 百分之十, 两项.

Locating a figure and its unit is done here (the unit decides 万元 vs 元, and 「多」「余」 mean
"a little more than"); amounts that mix magnitudes (三亿五千万, 4千5百万, 1亿2000万) are
converted by ``cn2an``, which reads them correctly (measured in bench/numbers.py: jionlp's
money parser reads 1亿2000万 as 2.2亿, and neither library reads 一点五亿 or knows fiscal
years, which the hand-written code does). Words of quantity (一共, 合计, 大概, 左右, 差不多, 约 …)
are masked first, so the 一 of 一共 is never a number.

Pure and total: every function returns ``None`` instead of raising on text it cannot read.
"""

from __future__ import annotations

import re

_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
CN_NUM = "零〇一二两三四五六七八九十百千"
NUMBER = rf"(?:\d[\d,，]*(?:\.\d+)?|[{CN_NUM}]+(?:点[{CN_NUM}]+)?)"
AMOUNT = re.compile(
    rf"(?P<num>{NUMBER})\s*(?P<more>多|余)?\s*(?P<unit>个亿|亿元|亿|千万元|千万|万元|万|元)?"
)
# Words that qualify a figure but are not one; the 一 in them must not be read as 1.
QUANTITY_WORDS = re.compile(
    r"一共|总共|合计|共计|累计|总计|大概|大约|左右|差不多|约|将近|接近|一起|一下|一些|一般|一直"
    r"|一家|一定|一样|一致|统一|唯一|之一|一旦|一并|一同|一切"
)
# The longest run of numerals and magnitudes from a match's start: 三亿五千万, 4千5百万.
_COMPOUND = re.compile(
    rf"(?:\d+(?:\.\d+)?|[{CN_NUM}点])(?:[\d.{CN_NUM}万亿点])*(?:多|余)?(?:个亿|亿元|亿|万元|万|元)?"
)
PERCENT = re.compile(rf"(?:百分之(?P<cn>{NUMBER}))|(?:(?P<num>\d+(?:\.\d+)?)\s*[%％])")


def mask_quantity_words(text: str) -> str:
    """The text with words of quantity blanked (same length, so positions still match).

    >>> mask_quantity_words("职工一共60人")
    '职工　　60人'
    """
    return QUANTITY_WORDS.sub(lambda m: "　" * len(m.group(0)), text)


def compound_amount_in_wan(span: str) -> float | None:
    """An amount mixing magnitudes, in 万元 (``cn2an`` does the arithmetic below 亿).

    >>> compound_amount_in_wan("三亿五千万"), compound_amount_in_wan("4千5百万")
    (35000.0, 4500.0)
    >>> compound_amount_in_wan("1亿2000万元"), compound_amount_in_wan("一万二千元")
    (12000.0, 1.2)
    >>> compound_amount_in_wan("1亿16万"), compound_amount_in_wan("两亿零五百万")
    (10016.0, 20500.0)
    """
    core = re.sub(r"个|多|余|元$", "", span)
    if not core or "点" in core:
        return None
    # 亿 and 万 are split here: cn2an reads 1亿16万 as 1亿零6万.
    split = re.fullmatch(r"([^亿万]+)亿(?:零?([^亿万]+)万)?", core)
    if split:
        high, low = _magnitude_part(split.group(1)), _magnitude_part(split.group(2) or "0")
        if high is None or low is None:
            return None
        return round(high * 10000 + low, 4)
    value = _magnitude_part(core)
    return None if value is None else round(value / 10000, 4)


def _magnitude_part(text: str) -> float | None:
    """A number that may mix digits and 千/百/万 (4千5百万, 一千二百, 3500)."""
    import cn2an  # type: ignore[import-untyped]  # lazy: only mixed-magnitude amounts need it

    plain = parse_number(text)
    if plain is not None:
        return plain
    try:
        return float(cn2an.cn2an(text, "smart"))
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return None


def chinese_integer(text: str) -> int | None:
    """Parse a Chinese numeral below 10,000.

    >>> chinese_integer("三千五百"), chinese_integer("十二"), chinese_integer("两")
    (3500, 12, 2)
    >>> chinese_integer("一百零五"), chinese_integer("三百八"), chinese_integer("一千二")
    (105, 380, 1200)
    >>> chinese_integer("abc") is None
    True
    """
    if not text or any(ch not in _DIGITS and ch not in _SMALL_UNITS for ch in text):
        return None
    total, digit, unit = 0, None, 0
    for ch in text:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        else:
            unit = _SMALL_UNITS[ch]
            total += (1 if digit is None else digit) * unit
            digit = None
    # Spoken numbers drop the last unit: 三百八 is 380 and 一千二 is 1200 (三百零八 is 308).
    if digit and unit >= 100 and text[-2] != "零":
        return total + digit * unit // 10
    return total + (digit or 0)


def parse_number(text: str) -> float | None:
    """Arabic or Chinese digits, with 点 as the decimal point.

    >>> parse_number("1,200"), parse_number("4800"), parse_number("一点五"), parse_number("二十")
    (1200.0, 4800.0, 1.5, 20.0)
    """
    text = text.replace("，", ",").strip()
    if re.fullmatch(r"\d[\d,]*(?:\.\d+)?", text):
        return float(text.replace(",", ""))
    if "点" in text:
        whole, _, frac = text.partition("点")
        base = chinese_integer(whole)
        digits = [_DIGITS.get(ch) for ch in frac]
        if base is None or None in digits:
            return None
        return float(f"{base}." + "".join(str(d) for d in digits))
    value = chinese_integer(text)
    return float(value) if value is not None else None


def amount_in_wan(number: str, unit: str | None, *, bare_is_wan: bool = True) -> float | None:
    """An amount converted to 万元.

    >>> amount_in_wan("1.2", "亿"), amount_in_wan("三千五百", "万"), amount_in_wan("2", "个亿")
    (12000.0, 3500.0, 20000.0)
    >>> amount_in_wan("48000000", "元"), amount_in_wan("4800", None)
    (4800.0, 4800.0)
    """
    value = parse_number(number)
    if value is None:
        return None
    scale = {
        "个亿": 10000.0,
        "亿": 10000.0,
        "亿元": 10000.0,
        "千万": 1000.0,
        "千万元": 1000.0,
        "万": 1.0,
        "万元": 1.0,
        "元": 1 / 10000,
    }
    if unit:
        return round(value * scale[unit], 4)
    if not bare_is_wan:
        return None
    # A bare figure is read as 万元 (how owners usually speak of revenue); one of six
    # digits or more can only be 元 (650000 万元 would be 65 亿 of R&D for an SME).
    return round(value / 10000, 4) if value >= 100_000 else value


def first_amount(text: str, *, bare_is_wan: bool = True) -> float | None:
    """The first amount in a text, in 万元.

    >>> first_amount("去年营收大概5000多万元"), first_amount("研发投入八百万")
    (5000.0, 800.0)
    >>> first_amount("没有数字") is None
    True
    """
    text = mask_quantity_words(text)
    for match in AMOUNT.finditer(text):
        if not re.search(r"\d|[一二两三四五六七八九十]", match.group("num")):
            continue
        if re.fullmatch(r"(19|20)\d\d", match.group("num")) and not match.group("unit"):
            continue  # a year, not an amount
        after = text[match.end() :]
        if not match.group("unit") and re.match(
            r"\s*(?:多|余)?\s*[人名位项件个年月日号%％]", after
        ):
            continue  # a count, a date part or a percentage, not an amount
        if not match.group("unit") and not re.match(r"\d", match.group("num")):
            continue  # a bare Chinese numeral (一共, 一起) is not an amount
        span = _COMPOUND.match(text, match.start())
        if (
            span
            and len(span.group(0)) > len(match.group(0).rstrip())
            and re.search(r"[万亿]", span.group(0))
            and re.search(r"[万亿]\S*[\d一二两三四五六七八九十百千]|[千百]", span.group(0))
        ):
            compound = compound_amount_in_wan(span.group(0))
            if compound is not None:
                return compound
        value = amount_in_wan(match.group("num"), match.group("unit"), bare_is_wan=bare_is_wan)
        if value is not None:
            return value
    return None


_TENTHS = re.compile(
    r"(?<![\d.])([一二三四五六七八九十两]|\d(?:\.\d)?)\s*成(?![本立果员交功长绩就熟])"
)


def first_percent(text: str) -> float | None:
    """The first percentage in a text.

    >>> first_percent("占比百分之十"), first_percent("大约25%左右"), first_percent("无")
    (10.0, 25.0, None)
    >>> first_percent("占九成以上"), first_percent("三成的成本")
    (90.0, 30.0)
    """
    match = PERCENT.search(mask_quantity_words(text))
    if not match:
        # 「九成以上」, 「三成」: tenths said as 成 (not 成本, 成立, 成果 …)
        tenths = _TENTHS.search(text)
        if tenths is None:
            return None
        value = parse_number(tenths.group(1))
        return None if value is None or not 0 < value <= 10 else value * 10
    return parse_number(match.group("cn") or match.group("num"))


def first_count(text: str) -> int | None:
    """The first whole count in a text (a year is not a count).

    >>> first_count("两项发明专利"), first_count("员工一百人"), first_count("12个")
    (2, 100, 12)
    """
    text = mask_quantity_words(text)
    for match in re.finditer(rf"{NUMBER}", text):
        raw = match.group(0)
        if re.fullmatch(r"(19|20)\d\d", raw) and text[match.end() : match.end() + 1] in "年-/.":
            continue
        value = parse_number(raw)
        if value is not None and value.is_integer():
            return int(value)
    return None
