"""English words people mix into Chinese messages (「去年revenue 5200万，R&D 280万」,
「需要做audit吗」, 「5000w」), read as the Chinese terms the fact readers, the intent and
the search know. Only what a message says is rewritten; the knowledge base is not.

Pure: standard library only.
"""

from __future__ import annotations

import re

# Longer phrases first: 「R&D expense」 before 「R&D」, 「invention patent」 before 「patent」.
_TERMS: list[tuple[str, str]] = [
    (r"r\s*&\s*d\s*(?:expenses?|spending|costs?|investment)|rd\s*expenses?", "研发费用"),
    (r"r\s*&\s*d\s*(?:staff|team|people|engineers?)", "研发人员"),
    (r"r\s*&\s*d", "研发"),
    (r"invention\s*patents?", "发明专利"),
    (r"utility\s*models?", "实用新型"),
    (r"design\s*patents?", "外观设计"),
    (r"software\s*copyrights?", "软件著作权"),
    (r"patents?", "专利"),
    (r"trade\s*marks?", "商标"),
    (r"(?:total\s*)?revenue|sales|turnover", "营收"),
    (r"net\s*profit|profit", "净利润"),
    (r"total\s*assets|assets", "资产总额"),
    (r"employees|staff|headcount", "员工"),
    (r"ratio|percentage|share", "比例"),
    (r"audit(?:\s*report)?s?", "审计报告"),
    (r"labs?|laborator(?:y|ies)|institutes?", "研发机构"),
    (r"subsid(?:y|ies)", "补贴"),
    (r"deadline", "截止时间"),
    (r"tax(?:es)?", "税"),
]
_PATTERN = re.compile(
    "|".join(f"(?P<t{i}>(?<![A-Za-z]){p}(?![A-Za-z]))" for i, (p, _) in enumerate(_TERMS)),
    re.IGNORECASE,
)
# 「IP」 in capitals is intellectual property; in lower case it may be an address.
_IP = re.compile(r"(?<![A-Za-z])IPs?(?![A-Za-z])")
# 「5000w」, 「3.5W」: w is 万 after a figure.
_WAN = re.compile(r"(?<=\d)\s*[wW](?![A-Za-z])")


def in_chinese(text: str) -> str:
    """The message with the English terms it mixes in read as Chinese.

    >>> in_chinese("去年revenue 5200万，R&D expense 280万，IP有3个invention patents")
    '去年营收 5200万，研发费用 280万，知识产权有3个发明专利'
    >>> in_chinese("销售收入正好5000w")
    '销售收入正好5000万'
    """
    if not re.search(r"[A-Za-z]", text):
        return text
    text = _WAN.sub("万", text)
    text = _IP.sub("知识产权", text)

    def chinese(match: re.Match[str]) -> str:
        index = int(next(k for k, v in match.groupdict().items() if v is not None)[1:])
        return _TERMS[index][1]

    return _PATTERN.sub(chinese, text)
