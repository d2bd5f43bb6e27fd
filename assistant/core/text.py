"""Chinese text normalisation: traditional -> simplified, full-width -> half-width.

Indexing and matching work on the normalised form; the original text is kept for display.
OpenCC (a C++ library with its dictionaries inside the wheel) does the character
conversion; it is loaded once, lazily.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from typing import Protocol


class _Converter(Protocol):
    def convert(self, text: str) -> str: ...


@cache
def _converter(config: str) -> _Converter:
    import opencc

    converter: _Converter = opencc.OpenCC(config)
    return converter


_SPACES = re.compile(r"[ \t\u3000\xa0]+")


def to_simplified(text: str) -> str:
    """Convert traditional Chinese characters to simplified ones.

    >>> to_simplified("高新技術企業認定管理辦法")
    '高新技术企业认定管理办法'
    """
    return _converter("t2s").convert(text)


def to_traditional(text: str) -> str:
    """Convert simplified Chinese to traditional (for answers to traditional questions).

    >>> to_traditional("研发费用")
    '研發費用'
    """
    return _converter("s2t").convert(text)


def fold_width(text: str) -> str:
    """Map full-width ASCII letters, digits and signs to half-width; keep CJK punctuation.

    >>> fold_width("ＡＢＣ１２３％，")
    'ABC123%，'
    """
    out = []
    for ch in text:
        code = ord(ch)
        if 0xFF01 <= code <= 0xFF5E and ch not in "，；：？！（）":
            out.append(unicodedata.normalize("NFKC", ch))
        elif ch == "\u3000":
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


def normalize(text: str) -> str:
    """The form used for indexing and matching: simplified, half-width, single spaces.

    >>> normalize("研發費用　佔５％")
    '研发费用 占5%'
    """
    return _SPACES.sub(" ", to_simplified(fold_width(text))).strip()


def traditional_ratio(text: str) -> float:
    """Share of Han characters that change under traditional -> simplified conversion."""
    han = [c for c in text if "\u4e00" <= c <= "\u9fff"]
    if not han:
        return 0.0
    simplified = to_simplified("".join(han))
    changed = sum(1 for a, b in zip(han, simplified, strict=False) if a != b)
    return changed / len(han)


def check_question(text: str, limit: int) -> str:
    """The question stripped; empty or over-long questions are refused clearly.

    >>> check_question("  高企条件 ", 100)
    '高企条件'

    Raises:
        InputError: empty, or longer than ``limit`` characters.
    """
    from assistant.errors import InputError

    text = (text or "").strip()
    if not text:
        raise InputError("问题为空，请输入要问的问题")
    if len(text) > limit:
        raise InputError(f"问题有 {len(text)} 个字，请控制在 {limit} 字以内，一次问一件事")
    return text


def is_traditional(text: str, threshold: float = 0.08) -> bool:
    """Whether a text is written in traditional characters.

    About a fifth of common characters differ between the scripts, so a share above 8 %
    of changed characters is a clear signal; a simplified text scores 0.

    >>> is_traditional("研發費用要佔營收多少才能評高企？")
    True
    >>> is_traditional("研发费用要占营收多少才能评高企？")
    False
    """
    return traditional_ratio(text) >= threshold


# Messages typed without punctuation separate their statements with spaces (「烟台 做海洋
# 生物提取的 高企证书拿到以后管几年？」): a space between Chinese words, or after a figure,
# ends a clause as a comma does.
_CLAUSE_END = re.compile(r"(?<=[，,。；;！!？?\n])|(?<=[\u4e00-\u9fff\d%％])\s+(?=[\u4e00-\u9fff])")


def clauses(text: str) -> list[str]:
    """The message's clauses, each with its closing punctuation.

    >>> clauses("烟台 做海洋生物提取的 高企证书管几年？好的，谢谢")
    ['烟台', '做海洋生物提取的', '高企证书管几年？', '好的，', '谢谢']
    """
    return [c for c in _CLAUSE_END.split(text) if c and c.strip()]
