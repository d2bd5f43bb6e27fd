"""Passage sentences as statements that stand on their own.

A passage is Markdown: paragraphs, headings, lists introduced by a line ending in 「：」, list
items ending in 「；」. Split into sentences, some pieces are not statements: a heading
(「门槛按最近一年的销售收入分三档」), a list's introduction (「…报送以下书面材料：」) and a list
item, whose meaning hangs on its introduction (「申报材料清单；」 under 「本库没有找到以下信息：」).
The answer's first paragraph must be a full sentence, so a piece chosen to open it is read in
its place in the passage:

- a list item is prefixed with its introduction (the item alone can even say the opposite:
  「在申请认定过程中存在严重弄虚作假行为；」 under 「有下列行为之一的，取消资格：」);
- an introduction is completed with the heads of its items (「…：申请书、营业执照等 8 项。」);
- a bold point is followed by the first sentence of the line it sums up;
- a clause ending in 「；」 or 「：」 ends in 「。」.

Headings are never candidates. The module also trims from a quoted passage the lines its
answer's first paragraph already says, so the details do not open by repeating it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.core.chunking import sentences

_HEADING = re.compile(r"^\s*#+\s")
# A line that is all bold and does not end a sentence is a heading (「**精细化指标**」);
# one ending in 「：」 introduces what follows and is kept.
_BOLD_HEADING = re.compile(r"^\s*\*\*[^*]+\*\*\s*$")
_ITEM = re.compile(
    r"^(\s*)(?:[-*+]\s+|\d+[.、)）]\s*|[（(][一二三四五六七八九十\d]+[)）]\s*|[一二三四五六七八九十]+、\s*)"
)
_INTRO_END = ("：", ":")
_CLAUSE_END = "；;：:，,、 "
_STOP = ("。", "！", "？", "!", "?", "…")
# Where an item's head ends: its label (「由来：…」) or its first clause.
_HEAD_END = re.compile(r"[：:，,；;。（(]")
MAX_HEADS = 3


def plain(markdown: str) -> str:
    """Markdown emphasis and list markers removed (sentences read as text)."""
    text = re.sub(r"\*\*|__|`", "", markdown)
    return re.sub(r"^\s*(?:[-*]|\d+[.、]|#+)\s*", "", text, flags=re.MULTILINE)


@dataclass(frozen=True)
class _Line:
    kind: str  # heading | item | table | text | blank
    indent: int
    raw: str
    sentences: tuple[str, ...]


def _lines(markdown: str) -> list[_Line]:
    out = []
    for raw in markdown.split("\n"):
        said = tuple(sentences(plain(raw)))
        item = _ITEM.match(raw)
        if not raw.strip():
            kind = "blank"
        elif _HEADING.match(raw) or (
            _BOLD_HEADING.match(raw) and not raw.rstrip().rstrip("*").endswith(_STOP)
        ):
            kind = "heading"
        elif raw.lstrip().startswith("|"):
            kind = "table"
        elif item:
            kind = "item"
        else:
            kind = "text"
        indent = len(item.group(1)) if item else len(raw) - len(raw.lstrip())
        out.append(_Line(kind, indent, raw, said))
    return out


def candidate_sentences(markdown: str) -> list[str]:
    """Every sentence of the passage that is not a heading, in order."""
    return [s for line in _lines(markdown) if line.kind != "heading" for s in line.sentences]


def sentences_under_headings(markdown: str) -> list[tuple[str, str]]:
    r"""Every sentence of :func:`candidate_sentences` with the heading it stands under
    ('' before the first): 「5%（含）至6%：40分」 is read under 「算法一：研发费用总额 ÷
    销售收入总额」.

    >>> sentences_under_headings("**算法一：研发费用 ÷ 销售收入**\n- 6%及以上：50分")
    [('6%及以上：50分', '算法一：研发费用 ÷ 销售收入')]
    """
    out: list[tuple[str, str]] = []
    heading = ""
    lines = _lines(markdown)
    for i, line in enumerate(lines):
        if line.kind == "heading":
            heading = " ".join(line.sentences).strip()
        elif not (_is_rule(line) or (i + 1 < len(lines) and _is_rule(lines[i + 1]))):
            # a table's header row and its rule say nothing on their own
            out += [(s, heading) for s in line.sentences]
    return out


def _is_rule(line: _Line) -> bool:
    """Whether a line is a Markdown table's rule (「| --- | :-: |」)."""
    return line.kind == "table" and set(line.raw.replace("|", "").strip()) <= set("-: ")


def full_stop(text: str) -> str:
    """The text ending as a sentence: a trailing 「；」「：」「，」 becomes 「。」.

    >>> full_stop("主营业务收入占营业收入比重≥70%；"), full_stop("可以。")
    ('主营业务收入占营业收入比重≥70%。', '可以。')
    """
    text = text.rstrip().rstrip(_CLAUSE_END)
    return text if not text or text.endswith(_STOP) else text + "。"


def statement(sentence: str, markdown: str) -> str:
    """``sentence`` of the passage ``markdown`` as a full sentence that stands alone (see the
    module docstring); a sentence not found in the passage only gets its full stop."""
    lines = _lines(markdown)
    found = next((i for i, line in enumerate(lines) if sentence in line.sentences), None)
    if found is None:
        return full_stop(sentence)
    line = lines[found]
    if line.kind == "table":
        return _row_statement(lines, found, sentence)
    text = sentence
    # An item's first sentence, and a clause of it ending in 「；」, continue its introduction.
    if line.kind == "item" and (line.sentences[0] == sentence or sentence.endswith(("；", ";"))):
        intro = _intro_before(lines, found)
        if intro:
            text = intro + text.rstrip(_CLAUSE_END)
    if text.endswith(_INTRO_END) and line.sentences[-1] == sentence:
        heads = _heads_after(lines, found)
        if heads:
            more = f"等 {len(heads)} 项" if len(heads) > MAX_HEADS else ""
            text += "、".join(heads[:MAX_HEADS]) + more
    # A bold point (「**1. 用三年合计相除，不是三年比例取平均。**」) is the summary of the
    # line under it: the lead says both, so it is not a label standing alone.
    if _BOLD_HEADING.match(line.raw) and line.sentences[-1] == sentence:
        following = lines[found + 1] if found + 1 < len(lines) else None
        if following is not None and following.kind == "text" and following.sentences:
            return full_stop(text) + full_stop(following.sentences[0])
    return full_stop(text)


def _cells(row: str) -> list[str]:
    return [plain(c).strip() for c in row.strip().strip("|").split("|")]


def _row_statement(lines: list[_Line], at: int, sentence: str) -> str:
    """A whole table row read with its table's header: 「| 性质 | 评价入库 | 认定 |」 under
    「| 对比项 | 科技型中小企业 | 高新技术企业 |」 says 「性质：科技型中小企业——评价入库；
    高新技术企业——认定。」 A piece of a row, or a row of a table without a header, only gets
    its full stop."""
    start = at
    while start > 0 and lines[start - 1].kind == "table":
        start -= 1
    header, cells = _cells(lines[start].raw), _cells(lines[at].raw)
    whole = sentence.strip().startswith("|") and sentence.strip().endswith("|")
    ruled = start + 1 < len(lines) and _is_rule(lines[start + 1])
    if not whole or at <= start + 1 or not ruled or len(header) != len(cells) or len(cells) < 2:
        return full_stop(sentence)
    parts = [f"{h}——{c}" if h else c for h, c in zip(header[1:], cells[1:], strict=True) if c]
    return full_stop(f"{cells[0]}：" + "；".join(parts))


def _intro_before(lines: list[_Line], at: int) -> str:
    """The introduction (a sentence ending in 「：」) of the list item at ``at``, or ''."""
    indent = lines[at].indent
    for line in reversed(lines[:at]):
        if line.kind == "blank" or (line.kind == "item" and line.indent >= indent):
            continue
        if line.kind in ("text", "item") and line.sentences:
            last = line.sentences[-1]
            return last if last.endswith(_INTRO_END) else ""
        return ""
    return ""


def _heads_after(lines: list[_Line], at: int) -> list[str]:
    """The heads of the list items introduced by the line at ``at``."""
    heads: list[str] = []
    indent: int | None = None
    for line in lines[at + 1 :]:
        if line.kind == "blank":
            continue
        if line.kind != "item":
            break
        if indent is None:
            indent = line.indent
        if line.indent < indent:
            break
        if line.indent == indent and line.sentences:
            head = _HEAD_END.split(line.sentences[0], maxsplit=1)[0].strip()
            if head:
                heads.append(head)
    return heads


def _bare(text: str) -> str:
    return plain(text).strip().rstrip(_CLAUSE_END + "。！？!?")


def trim_repeated(lead: str, markdown: str) -> str:
    """The passage without the sentences of its opening lines that the answer's first
    paragraph ``lead`` already says (so the details continue where the first paragraph
    stops): whole lines while they are all said, then the said sentences of the next line."""
    said = _bare(lead)
    lines = markdown.strip().split("\n")
    while lines:
        raw = lines[0]
        if not raw.strip():
            lines.pop(0)
            continue
        pieces = list(sentences(plain(raw)))
        kept = [p for p in pieces if len(_bare(p)) < 4 or _bare(p) not in said]
        if kept == pieces:
            break
        if kept:
            marker = _ITEM.match(raw)
            lines[0] = (marker.group(0) if marker else "") + "".join(kept)
            break
        lines.pop(0)
    return "\n".join(lines).strip()
