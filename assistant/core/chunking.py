"""Split documents into retrievable chunks that follow their structure.

Policy texts are split at their own structure: Markdown headings, 第X章/第X节, 第X条 and
一、 sections; an over-long section is split further at its items (（一）, 1.) and then at
sentences. News-like text without such structure is cut into windows of sentences that
overlap by one sentence, so a fact spanning two windows is never lost.

Each chunk keeps its heading path (e.g. 「第三章 认定条件 > 第十一条」), which becomes the
citation's article and is prefixed to the indexed text so the title words are searchable.
Pure: standard library only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CHUNKER_VERSION = "2"
"""Bumped whenever chunk boundaries change, so every document is re-indexed once."""

_NUM = "一二三四五六七八九十百零〇两"
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*$")
_CHAPTER = re.compile(rf"^第[{_NUM}\d]+[章编]\s*(.*)$")
_SECTION = re.compile(rf"^第[{_NUM}\d]+节\s*(.*)$")
_ARTICLE = re.compile(rf"^(第[{_NUM}\d]+条)(?:\s+|(?=[^\s]))(.*)$")
_CN_ENUM = re.compile(rf"^[{_NUM}]+、\s*(.+)$")
_ITEM = re.compile(rf"^(?:[（(][{_NUM}\d]+[）)]|\d+[.．、](?!\d))")
_WS = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"(?<=[。！？；!?;])")


@dataclass(frozen=True)
class Chunk:
    """A retrievable piece of a document.

    Attributes:
        index: Position in the document (0-based); part of the stable chunk id.
        path: Heading path, e.g. ``第三章 认定条件 > 第十一条``; empty for plain text.
        text: The chunk's own text (original script, for display).
    """

    index: int
    path: str
    text: str

    @property
    def article(self) -> str:
        """The innermost heading, used as the citation's article or section."""
        return self.path.rsplit(" > ", 1)[-1] if self.path else ""


@dataclass
class _Section:
    path: tuple[str, ...]
    lines: list[str]


def chunk_text(
    text: str, *, max_chars: int = 500, window_chars: int = 300, whole_under: int = 0
) -> list[Chunk]:
    """Split a document's text into chunks.

    Args:
        text: The whole document (any script).
        max_chars: Longest structured chunk before it is split at items and sentences.
        window_chars: Target size of a window for unstructured text.
        whole_under: Keep a text of at most this many characters as one chunk (used
            for knowledge articles, which are written as self-contained passages: their
            sections alone lose the question they answer).

    Returns:
        The chunks in document order (empty for a blank text).

    >>> doc = "第一章 总则\\n第一条 为了规范。\\n第二条 本办法所称企业。\\n第三条 原则。"
    >>> [(c.article, c.text) for c in chunk_text(doc)]
    [('第一条', '为了规范。'), ('第二条', '本办法所称企业。'), ('第三条', '原则。')]
    >>> chunk_text(doc)[0].path
    '第一章 总则 > 第一条'
    """
    if text.strip() and len(text.strip()) <= whole_under:
        return [Chunk(index=0, path="", text=text.strip())]
    lines = [ln.strip() for ln in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    sections = _split_sections(lines)
    structured = sum(1 for s in sections if s.path) >= 2
    pieces: list[tuple[str, str]] = []
    if structured:
        for section in sections:
            body = "\n".join(ln for ln in section.lines if ln).strip()
            if body:
                path = " > ".join(section.path)
                pieces.extend((path, part) for part in _split_long(body, max_chars))
    else:
        body = "\n".join(lines)
        pieces = [("", w) for w in _windows(body, window_chars)]
    return [Chunk(index=i, path=p, text=t) for i, (p, t) in enumerate(pieces)]


def _heading(line: str) -> tuple[int, str, str] | None:
    """Classify a line as a heading: (level, label, rest-of-line body) or None."""
    if m := _MD_HEADING.match(line):
        return len(m.group(1)), m.group(2), ""
    if m := _CHAPTER.match(line):
        return 1, line, ""
    if m := _SECTION.match(line):
        return 2, line, ""
    if m := _ARTICLE.match(line):
        return 3, m.group(1), m.group(2)
    if (m := _CN_ENUM.match(line)) and len(line) <= 40:
        return 3, line, ""
    return None


def _split_sections(lines: list[str]) -> list[_Section]:
    sections = [_Section(path=(), lines=[])]
    stack: list[tuple[int, str]] = []
    for line in lines:
        head = _heading(line)
        if head is None:
            sections[-1].lines.append(line)
            continue
        level, label, rest = head
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, label))
        path = tuple(_WS.sub(" ", lbl) for _, lbl in stack)
        sections.append(_Section(path=path, lines=[rest] if rest else []))
    return sections


def _split_long(body: str, max_chars: int) -> list[str]:
    if len(body) <= max_chars:
        return [body]
    parts: list[str] = []
    current = ""
    for unit in _units(body, max_chars):
        if current and len(current) + len(unit) + 1 > max_chars:
            parts.append(current)
            current = unit
        else:
            current = f"{current}\n{unit}" if current else unit
    if current:
        parts.append(current)
    return parts


def _units(body: str, max_chars: int) -> list[str]:
    """Items (lines starting with （一）/1.) or lines; over-long ones cut at sentences."""
    units: list[str] = []
    for line in body.split("\n"):
        if _ITEM.match(line) or not units:
            units.append(line)
        else:
            units[-1] = f"{units[-1]}\n{line}"
    out: list[str] = []
    for unit in units:
        out.extend([unit] if len(unit) <= max_chars else _windows(unit, max_chars, overlap=False))
    return out


def sentences(text: str) -> list[str]:
    """Split Chinese text at sentence ends and line breaks.

    >>> sentences("第一句。第二句！\\n第三行")
    ['第一句。', '第二句！', '第三行']
    """
    out: list[str] = []
    for line in text.split("\n"):
        out.extend(s.strip() for s in _SENTENCE_END.split(line) if s.strip())
    return out


def _windows(text: str, target: int, *, overlap: bool = True) -> list[str]:
    sents = sentences(text)
    windows: list[str] = []
    current: list[str] = []
    size = 0
    for sent in sents:
        for piece in _hard_wrap(sent, target):
            if current and size + len(piece) > target:
                windows.append("".join(current))
                current = current[-1:] if overlap else []
                size = sum(len(s) for s in current)
            current.append(piece)
            size += len(piece)
    if current and (not windows or "".join(current) not in windows[-1]):
        windows.append("".join(current))
    return windows


def _hard_wrap(sentence: str, target: int) -> list[str]:
    """Cut a sentence with no punctuation (a table row, a run-on line) into pieces."""
    return [sentence[i : i + target] for i in range(0, len(sentence), target)] or [sentence]
