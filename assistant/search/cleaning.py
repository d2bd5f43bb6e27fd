"""Clean text read from real documents: pinyin annotations, page chrome, title and date.

Documents copied from web pages and mirror sites carry noise that would otherwise end up
in passages and titles: pinyin after each character (「濟(jì)南」), breadcrumbs, share bars,
phone/e-mail banners, editor lines, copyright footers. Lines are judged by their shape
(length, separators, density of Chinese characters, sentence punctuation, position in the
document) rather than by a list of whole strings, so unseen variants of the same chrome are
recognised too. Pure: standard library only.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass, field

_CJK = re.compile(r"[\u4e00-\u9fff]")
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
# A pinyin syllable in brackets right after a Chinese character: 濟(jì) 區(qū) 構(gòu).
_PINYIN_TONED = re.compile(
    rf"(?<=[\u4e00-\u9fff])[(（](?=[a-z{_TONED}ü]*[{_TONED}])[a-z{_TONED}ü]{{1,6}}[)）]"
)
_PINYIN_PLAIN = re.compile(r"(?<=[\u4e00-\u9fff])[(（][a-zü]{1,6}[)）]")
_PHONE = re.compile(
    r"(?<!\d)(?:0\d{2,3}[-－ ]?\d{7,8}|1[3-9]\d{9}|400[-－ ]?\d{3}[-－ ]?\d{4})(?!\d)"
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_SENTENCE_PUNCT = re.compile(r"[。；！？!?，,]")
_CRUMB_SEP = re.compile(r"\s*(?:>>|>|＞|›|»|→|/)\s*")
_FOOTER = re.compile(r"版权所有|Copyright|©|ICP[备證证]|网站标识码|公网安备|技术支持[:：]", re.I)
# Labelled lines about the page rather than the document (who edited it, how often it was
# read); 来源 and 发布日期 lines stay: they carry the issuer and the date.
_EDITOR = re.compile(
    r"^[【\[]?(?:责任编辑|責任編輯|编辑|編輯|审核|審核|校对|校對|初审|终审|浏览次数|瀏覽次數|"
    r"点击数|點擊數|阅读量|閱讀|访问量|字号|字體|字体)[】\]]?\s*[:：]"
)
# Interface words of share bars and page tools: only counted on lines whose shape is already
# a bar of short tokens, never on prose.
_UI_WORDS = frozenset(
    "收藏 公众号 公眾號 分享 分享到 打印 打印本页 关闭 关闭窗口 關閉 微信 微博 扫一扫 掃一掃 "
    "返回顶部 返回 顶部 上一篇 下一篇 评论 點讚 点赞 转发 轉發 大 中 小 字体 字號 字号 "
    "QQ空间 朋友圈 复制链接 纠错 我要纠错 保存 手机版 无障碍".split()
)
_LABEL_VALUE = re.compile(
    r"(标题|標題|名\s*称|发布机构|發布機構|成文日期|发文字号|發文字號|发布日期|發布日期|"
    r"发布时间|發布時間|索\s*引\s*号|主题分类|来源|來源|信息来源)\s*[:：]\s*"
)
_CN_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0, "○": 0, "Ｏ": 0}
_DATE_NUM = re.compile(r"((?:19|20)\d{2})\s*[年./-]\s*(\d{1,2})\s*[月./-]\s*(\d{1,2})\s*日?")
_DATE_CN = re.compile(
    r"([〇○零一二三四五六七八九Ｏ]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日"
)
_DOC_NO = re.compile(r"[\u4e00-\u9fa5]{1,12}[〔\[［(（]\d{4}[〕\]］)）]\d{1,4}[号號]")
_SALUTATION = re.compile(r"[:：]$")
_ENUMERATED = re.compile(
    r"^(?:第[一二三四五六七八九十百零〇\d]+[章节條条]|[一二三四五六七八九十]+[、.．]|"
    r"[（(][一二三四五六七八九十\d]+[）)]|\d+[、.．](?!\d))"
)
_ORG = re.compile(r"(?:厅|廳|局|委员会|委員會|政府|办公室|辦公室|中心|协会|協會|小组|小組|部|院)$")
_GENRE = re.compile(
    r"(?:通知|通告|公告|公示|决定|意见|办法|辦法|规定|規定|细则|細則|方案|指南|名单|名單|"
    r"批复|报告|函|纪要|條例|条例|规划|措施|通報|通报|须知)[”」》）)]?$"
)


@dataclass(frozen=True)
class Cleaned:
    """A document's text after cleaning, with what was found in it.

    Attributes:
        text: The text without annotations and chrome lines (original script).
        title: The real title (a 标题 field or the headline), or "" when none was found.
        date: Publication date as YYYY-MM-DD, or None.
        issuer: The issuing body (发布机构 / 来源), or None.
        doc_no: The 文号 (发文字号 field, or one near the top), or None.
        dropped: The chrome lines removed (for reports and tests).
    """

    text: str
    title: str
    date: str | None
    issuer: str | None
    doc_no: str | None
    dropped: list[str] = field(default_factory=list)


def strip_pinyin(text: str) -> str:
    """Remove pinyin annotations written after Chinese characters.

    Toned syllables are always annotations; toneless ones (neutral tone, 「么(me)」) only in
    a text that carries toned annotations too, so 「企业(a)」-style labels elsewhere survive.

    >>> strip_pinyin("濟(jì)南高新區(qū)的(de)企業(yè)")
    '濟南高新區的企業'
    >>> strip_pinyin("分为(a)类和(b)类")
    '分为(a)类和(b)类'
    """
    stripped, toned = _PINYIN_TONED.subn("", text)
    return _PINYIN_PLAIN.sub("", stripped) if toned >= 3 else stripped


def cjk_ratio(line: str) -> float:
    """Share of Chinese characters among the non-space characters of a line."""
    chars = [c for c in line if not c.isspace()]
    return sum(1 for c in chars if _CJK.match(c)) / len(chars) if chars else 0.0


def is_breadcrumb(line: str) -> bool:
    """A navigation trail: three or more short parts joined by > / › ».

    >>> is_breadcrumb("首页 > 周边 > 齐鲁 > 正文")
    True
    >>> is_breadcrumb("当前位置：首页>>政务公开>>通知公告")
    True
    >>> is_breadcrumb("研发费用占比 > 5% 的企业")
    False
    """
    line = re.sub(r"^(?:当前位置|您的位置|你的位置|當前位置)\s*[:：]\s*", "", line.strip())
    parts = [p for p in _CRUMB_SEP.split(line) if p]
    if len(parts) < 3 or _SENTENCE_PUNCT.search(line):
        return False
    return all(len(p) <= 12 and cjk_ratio(p) >= 0.5 for p in parts)


def is_contact_banner(line: str) -> bool:
    """A line of bare phone numbers, e-mails and links with no words around them.

    >>> is_contact_banner("0310-3111082 3047798688@qq.com")
    True
    >>> is_contact_banner("联系电话：0531-82037229")
    False
    """
    if not (_PHONE.search(line) or _EMAIL.search(line) or _URL.search(line)):
        return False
    rest = _URL.sub("", _EMAIL.sub("", _PHONE.sub("", line)))
    rest = re.sub(r"(?i)\b(?:qq|tel|fax|email|e-mail)\b", "", rest)
    return not _CJK.search(rest) and not re.search(r"[A-Za-z]{4,}", rest)


def is_share_bar(line: str) -> bool:
    """A bar of short interface words: 「收藏 公众号」, 「【字体：大 中 小】」.

    >>> is_share_bar("收藏 公众号")
    True
    >>> is_share_bar("【字体：大 中 小】 打印本页 关闭窗口")
    True
    >>> is_share_bar("济南 青岛 淄博")
    False
    """
    tokens = [t for t in re.split(r"[\s|｜【】\[\]:：、/·]+", line.strip()) if t]
    if not tokens or len(line) > 40 or _SENTENCE_PUNCT.search(line) or re.search(r"\d", line):
        return False
    if any(len(t) > 5 for t in tokens):
        return False
    ui = sum(1 for t in tokens if t in _UI_WORDS)
    return ui >= 2 or (ui >= 1 and len(tokens) == 1)


def is_chrome(line: str, *, edge: bool) -> bool:
    """Whether a line is page chrome rather than document text.

    Args:
        line: One stripped line.
        edge: The line sits in the top or bottom part of the document, where banners and
            footers live (a bare phone number mid-text, under 联系人, is content).
    """
    if not line:
        return False
    if is_breadcrumb(line) or is_share_bar(line) or _EDITOR.match(line):
        return True
    if _FOOTER.search(line) and len(line) <= 120:
        return True
    return edge and is_contact_banner(line)


def parse_date(text: str) -> str | None:
    """The first date in a text, as YYYY-MM-DD (Arabic or Chinese numerals).

    >>> parse_date("发布日期: 2023-04-27 10:22:40")
    '2023-04-27'
    >>> parse_date("二〇二二年六月二十三日")
    '2022-06-23'
    >>> parse_date("2018年10月8日")
    '2018-10-08'
    >>> parse_date("第2018号") is None
    True
    """
    found: list[tuple[int, str]] = []
    if m := _DATE_NUM.search(text):
        found.append((m.start(), _iso(int(m[1]), int(m[2]), int(m[3]))))
    if m := _DATE_CN.search(text):
        year = int("".join(str(_CN_DIGITS[c]) for c in m[1]))
        found.append((m.start(), _iso(year, _cn_small(m[2]), _cn_small(m[3]))))
    valid = sorted((pos, iso) for pos, iso in found if iso)
    return valid[0][1] if valid else None


def _cn_small(text: str) -> int:
    """一..三十一 as an int."""
    digits = "一二三四五六七八九"
    if "十" not in text:
        return digits.index(text) + 1
    tens, _, ones = text.partition("十")
    return (digits.index(tens) + 1 if tens else 1) * 10 + (digits.index(ones) + 1 if ones else 0)


def _iso(year: int, month: int, day: int) -> str:
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return ""


def parse_fields(lines: list[str]) -> dict[str, str]:
    """A page's metadata table: 标题, 发布机构, 成文日期, 发文字号, 发布日期 …

    Values follow their label on the same line (「发布机构：山东省工业和信息化厅」, several
    per line in a flattened table) or on the next line (one table cell per line).

    >>> parse_fields(["索引号：1137/2023 发布机构：山东省工信厅", "成文日期：", "2023-04-27"])
    {'索引号': '1137/2023', '发布机构': '山东省工信厅', '成文日期': '2023-04-27'}
    """
    out: dict[str, str] = {}
    for i, line in enumerate(lines):
        marks = list(_LABEL_VALUE.finditer(line))
        for k, m in enumerate(marks):
            end = marks[k + 1].start() if k + 1 < len(marks) else len(line)
            value = line[m.end() : end].strip()
            if not value and k + 1 == len(marks) and i + 1 < len(lines):
                nxt = lines[i + 1].strip()
                value = "" if _LABEL_VALUE.match(nxt) else nxt
            label = _canonical_label(m[1])
            if value and label not in out:
                out[label] = value
    return out


def _canonical_label(label: str) -> str:
    label = re.sub(r"\s+", "", label)
    simple = {
        "標題": "标题",
        "名称": "标题",
        "發布機構": "发布机构",
        "發文字號": "发文字号",
        "發布日期": "发布日期",
        "发布时间": "发布日期",
        "發布時間": "发布日期",
        "來源": "来源",
        "信息来源": "来源",
    }
    return simple.get(label, label)


def is_headline(line: str) -> bool:
    """Shape of a title line: mostly Chinese, 4–80 characters, not a sentence or a label.

    >>> is_headline("关于推荐第九批省级“专精特新”中小企业的通知")
    True
    >>> is_headline("各市局(办):")
    False
    >>> is_headline("0310-3111082 3047798688@qq.com")
    False
    """
    line = line.strip().lstrip("#").strip()
    if not 4 <= len(line) <= 80 or cjk_ratio(line) < 0.5:
        return False
    if line[-1] in "。；;，," or _SALUTATION.search(line) or _LABEL_VALUE.match(line):
        return False
    if parse_date(line) and len(_CJK.findall(line)) <= 6:  # a date line (二〇二二年… is all CJK)
        return False
    if _ENUMERATED.match(line):  # a section heading (一、总体要求), not the document's title
        return False
    return not (_DOC_NO.fullmatch(line) or is_breadcrumb(line) or is_share_bar(line))


def clean_document(
    text: str,
    *,
    title_hint: str = "",
    fields: dict[str, str] | None = None,
    tabular: bool = False,
) -> Cleaned:
    """Strip annotations and chrome lines; find the title, date, issuer and 文号.

    Args:
        text: The document's text as read.
        title_hint: A title the file itself declares (HTML <title>, Word or PDF
            properties); used when the text has neither a 标题 field nor a headline that
            names a kind of document.
        fields: Metadata fields read from outside the text (a web page's metadata table);
            they win over fields found in the text.
        tabular: The text is spreadsheet rows: their 「发布机构：…」 cells describe the
            rows, not the file, so no fields are read from them.
    """
    text = strip_pinyin(text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = [ln.strip() for ln in text.split("\n")]
    nonblank = [i for i, ln in enumerate(lines) if ln]
    top, bottom = set(nonblank[:8]), set(nonblank[-6:])
    kept: list[str] = []
    dropped: list[str] = []
    for i, line in enumerate(lines):
        if is_chrome(line, edge=i in top or i in bottom):
            dropped.append(line)
        else:
            kept.append(line)
    found = {} if tabular else parse_fields([ln for ln in kept[:60] if ln])
    fields = {**found, **(fields or {})}
    body = "\n".join(kept).strip()
    body = re.sub(r"\n{3,}", "\n\n", body)
    return Cleaned(
        text=body,
        title=_title(fields, kept, title_hint) or _doc_no(fields, kept) or "",
        date=_date(fields, [ln for ln in kept if ln]),
        issuer=fields.get("发布机构") or _short(fields.get("来源")) or _signatory(kept),
        doc_no=_doc_no(fields, kept),
        dropped=dropped,
    )


def _signatory(lines: list[str]) -> str | None:
    """The body that signs a notice: the short line just above the closing date."""
    tail = [ln for ln in lines if ln][-4:]
    for above, line in itertools.pairwise(tail):
        if len(line) <= 16 and parse_date(line) and _ORG.search(above) and len(above) <= 30:
            return above
    return None


def _short(value: str | None) -> str | None:
    """A 来源 value cut before any other field on its line."""
    if not value:
        return None
    value = re.split(r"\s{2,}|\s(?=\S+[:：])", value)[0].strip()
    return value if 2 <= len(value) <= 40 else None


def _title(fields: dict[str, str], lines: list[str], hint: str) -> str:
    if (t := fields.get("标题")) and is_headline(t):
        return t.strip()
    top = [ln for ln in lines if ln][:40]
    headlines = [ln.lstrip("#").strip().strip("《》") for ln in top if is_headline(ln)][:6]
    # Official documents name their kind at the end of the title (…的通知, …办法, …名单);
    # a masthead above it (「山东省工业和信息化厅文件」) does not.
    for line in headlines:
        if _GENRE.search(line):
            return line
    # A heading the author marked as one (Markdown #), or the file's declared title (Word's
    # heading style or properties, a page's <title> less the site name it often appends:
    # 「标题_山东省工业和信息化厅」).
    for line in top[:12]:
        if line.startswith("#") and is_headline(line):
            return line.lstrip("#").strip()
    declared = re.split(r"\s*(?:[-_|｜—]{1,2}|\s{2,})\s*", hint.strip())[0] if hint else ""
    if is_headline(declared):
        return declared
    return headlines[0] if headlines else ""


def _date(fields: dict[str, str], lines: list[str]) -> str | None:
    for label in ("成文日期", "发布日期"):
        if label in fields and (d := parse_date(fields[label])):
            return d
    for line in lines[:15]:
        if re.match(r"^(?:发布|發布|发表|印发|成文)(?:日期|时间|時間)", line) and (
            d := parse_date(line)
        ):
            return d
    # The signature date: a line that is only a date, near the end (notices close with it).
    for line in reversed(lines[-12:]):
        if len(line) <= 16 and (d := parse_date(line)):
            return d
    for line in lines[:10]:
        if len(line) <= 40 and (d := parse_date(line)):
            return d
    return None


def _doc_no(fields: dict[str, str], lines: list[str]) -> str | None:
    """The document's own 文号: the 发文字号 field, or one standing on a short line near the
    top (alone, or after the title); a 文号 cited inside a sentence is another document's."""
    if (v := fields.get("发文字号")) and (m := _DOC_NO.search(v)):
        return m.group(0)
    for line in [ln for ln in lines if ln][:15]:
        short = len(line) <= 70 and not _SENTENCE_PUNCT.search(line)
        if short and (m := _DOC_NO.search(line)):
            return m.group(0)
    return None


def is_field_row(line: str) -> bool:
    """A row of a page's metadata table (「索引号：…；发布机构：…」): every part is a field.

    >>> is_field_row("成文日期：2020-12-11；发文字号：鲁工信创〔2020〕217号")
    True
    >>> is_field_row("联系电话：0531-82037229")
    False
    """
    parts = [p for p in re.split(r"[；;]", line) if p.strip()]
    return bool(parts) and all(_LABEL_VALUE.match(p.strip()) for p in parts)


def row_text(cells: list[str], headers: list[str] | None = None, *, pairs: bool = False) -> str:
    """One table row as text that keeps each value with its header or label.

    With headers, every value is written after its column header; with ``pairs`` (a
    label/value table), or when the label cells end with a colon, each label is joined to
    the cell after it.

    >>> row_text(["刘筱", "0531-66605752"], ["联系人", "联系电话"])
    '联系人：刘筱；联系电话：0531-66605752'
    >>> row_text(["联系电话：", "0531-82037229", "电子信箱：", "a@b.cn"])
    '联系电话：0531-82037229；电子信箱：a@b.cn'
    >>> row_text(["济南", "青岛"])
    '济南 | 青岛'
    >>> row_text(["联系人", "刘筱"], pairs=True)
    '联系人：刘筱'
    """
    cells = [re.sub(r"\s+", " ", c).strip() for c in cells]
    if headers:
        labelled = [
            f"{_label(h)}：{v}" if _label(h) and _label(h) != v else v
            for h, v in zip(headers, cells, strict=False)
            if v
        ]
        return "；".join(labelled)
    keys = [c for c in cells[::2] if c]
    colons = bool(keys) and all(c.strip().endswith((":", "：")) for c in keys)
    if len(cells) >= 2 and len(cells) % 2 == 0 and (pairs or colons):
        return "；".join(
            f"{_label(k)}：{v}" for k, v in zip(cells[::2], cells[1::2], strict=True) if v
        )
    return " | ".join(c for c in cells if c)


def _label(cell: str) -> str:
    return cell.strip().rstrip(":：").strip()


def is_label(cell: str) -> bool:
    """A table cell that names a field: short, mostly Chinese, no sentence, often a colon.

    >>> is_label("联系电话："), is_label("电子信箱"), is_label("0531-82037229")
    (True, True, False)
    """
    core = _label(cell)
    if not core or len(core) > 10 or _SENTENCE_PUNCT.search(core) or re.search(r"\d", core):
        return False
    return cell.strip().endswith((":", "：")) or cjk_ratio(core) >= 0.8


def pipe_rows_to_text(text: str) -> str:
    """Markdown-style table rows (「| a | b |」, as extractors write them) as labelled text."""
    out = []
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped.startswith("|") and stripped.count("|") >= 3:
            cells = [c.strip() for c in stripped.strip("|").split("|")]
            if all(set(c) <= set("-: ") for c in cells):
                continue  # a markdown separator row
            line = row_text([c for c in cells if c] if len(cells) % 2 else cells)
        out.append(line)
    return "\n".join(out)
