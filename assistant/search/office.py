"""Word and spreadsheet files as text: .docx, .doc (via LibreOffice), .xlsx, .csv.

Word: the body in order (paragraphs and tables interleaved as they appear), page headers
first, the first heading as the declared title, list numbers rendered
from the document's own numbering definitions, and every table row written so that each
value stays next to its header or label (「联系电话：0531-82037229」). Spreadsheets: one line
per row, each value after its column header. python-docx and openpyxl load lazily.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from assistant.errors import DocumentError
from assistant.search.cleaning import is_label, row_text

MAX_ROWS = 100_000
"""Spreadsheet rows read at most (a larger sheet is a database export, not a document)."""
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_CN_NUM = "零一二三四五六七八九十"


def read_docx(path: Path) -> tuple[str, str]:
    """The text of a .docx file and its declared title (core properties).

    Raises:
        DocumentError: not a readable .docx file.
    """
    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError

    try:
        doc = Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise DocumentError(
            f"{path}：无法读取 Word 文件（{type(exc).__name__}），文件已损坏或不是 .docx；"
            "请用 Word 或 WPS 重新另存为 .docx"
        ) from exc
    lines = _header_lines(doc)
    numbering = _Numbering(doc)
    first_heading = ""
    for kind, item in _body_items(doc):
        if kind == "table":
            lines.extend(_table_lines(item))
            continue
        text = item.text.strip()
        if not text:
            continue
        if _heading_level(item):
            # The first heading is what the author styled as the title; headings stay plain
            # lines (the chunker finds 第X条 / 一、 sections by their own shape).
            first_heading = first_heading or text
            lines.append(text)
        else:
            lines.append(numbering.prefix(item) + text)
    title = str(doc.core_properties.title or "") or first_heading
    return "\n".join(lines), title


def convert_doc(path: Path, workdir: Path) -> Path:
    """Convert an old Word .doc into .docx with LibreOffice (headless).

    Raises:
        DocumentError: no converter installed, or the conversion failed.
    """
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None:
        raise DocumentError(
            f"{path}：旧版 Word（.doc）需要 LibreOffice 转换，本机未安装；请用 Word/WPS "
            "另存为 .docx 后上传，或由管理员安装 LibreOffice（apt install libreoffice-writer）"
        )
    cmd = [office, "--headless", "--norestore", "--convert-to", "docx", "--outdir"]
    profile = f"-env:UserInstallation=file://{workdir / 'lo-profile'}"  # no shared lock
    try:
        subprocess.run(
            [*cmd, str(workdir), profile, str(path)],
            check=True,
            capture_output=True,
            timeout=180,
        )
    except (subprocess.SubprocessError, OSError) as exc:
        raise DocumentError(
            f"{path}：LibreOffice 转换 .doc 失败（{type(exc).__name__}）；请用 Word/WPS 另存为 "
            ".docx 后上传"
        ) from exc
    out = workdir / f"{path.stem}.docx"
    if not out.is_file():
        raise DocumentError(f"{path}：LibreOffice 没有生成 .docx；文件可能已损坏，请另存为 .docx")
    return out


def read_doc(path: Path) -> tuple[str, str]:
    """The text of an old Word .doc, converted by LibreOffice first."""
    with tempfile.TemporaryDirectory(prefix="assistant-doc-") as tmp:
        return read_docx(convert_doc(path, Path(tmp)))


def read_xlsx(path: Path) -> str:
    """Every sheet's rows, each value after its column header.

    Raises:
        DocumentError: not a readable .xlsx file, or too many rows.
    """
    from openpyxl import load_workbook

    try:
        book = load_workbook(str(path), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        raise DocumentError(
            f"{path}：无法读取 Excel 文件（{type(exc).__name__}），文件已损坏、加密或不是 .xlsx；"
            "请用 Excel/WPS 另存为未加密的 .xlsx（旧版 .xls 也请另存为 .xlsx）"
        ) from exc
    parts = []
    try:
        for sheet in book.worksheets:
            rows = ([_cell(v) for v in row] for row in sheet.iter_rows(values_only=True))
            parts.append(_rows_text(path, rows, heading=str(sheet.title)))
    finally:
        book.close()
    return "\n".join(p for p in parts if p)


def read_csv(path: Path, text: str) -> str:
    """Rows of a decoded CSV file, each value after its column header."""
    sample = text[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t|，")
    except csv.Error:
        dialect = csv.excel
    rows = ([c.strip() for c in row] for row in csv.reader(io.StringIO(text), dialect))
    return _rows_text(path, rows, heading="")


def _rows_text(path: Path, rows: Iterator[list[str]], heading: str) -> str:
    """A table as lines: headings above the header row, then one line per row.

    The header row is the first with at least two filled cells; single-cell rows above it
    are the sheet's title ("2022年度专精特新中小企业名单").
    """
    lines: list[str] = []
    headers: list[str] | None = None
    count = 0
    for row in rows:
        count += 1
        if count > MAX_ROWS:
            raise DocumentError(f"{path}：超过 {MAX_ROWS} 行；请拆分表格，或只上传需要检索的部分")
        filled = [c for c in row if c]
        if not filled:
            continue
        if headers is None:
            if len(filled) >= 2:
                headers = row
            else:
                lines.append(f"# {filled[0]}")
            continue
        lines.append(row_text(row, headers))
    named = heading and not re.fullmatch(r"(?i)sheet\d*|工作表\d*", heading)
    if lines and named and not any(line.startswith("# ") for line in lines):
        lines.insert(0, f"# {heading}")  # a named sheet without a title row: its name
    return "\n".join(lines)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat") and not isinstance(value, str):
        text = str(value.isoformat())
        return text[:10] if text.endswith("T00:00:00") else text
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _body_items(doc: Any) -> Iterator[tuple[str, Any]]:
    """Paragraphs and tables in the order they appear in the body."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for child in doc.element.body.iterchildren():
        if child.tag == f"{_W}p":
            yield "paragraph", Paragraph(child, doc)
        elif child.tag == f"{_W}tbl":
            yield "table", Table(child, doc)


def _header_lines(doc: Any) -> list[str]:
    """Distinct page-header lines (issuer and 文号 often sit there)."""
    seen: dict[str, None] = {}
    for section in doc.sections:
        try:
            header = section.header
            if header.is_linked_to_previous and seen:
                continue
            for paragraph in header.paragraphs:
                if paragraph.text.strip():
                    seen[paragraph.text.strip()] = None
        except (KeyError, ValueError, AttributeError):  # a damaged header part: skip it
            continue
    return list(seen)


def _heading_level(paragraph: Any) -> int:
    name = str(getattr(paragraph.style, "name", "") or "")
    match = re.match(r"^(?:Heading|标题|Title)\s*(\d?)$", name)
    if not match:
        return 0
    return int(match.group(1) or 1)


def _table_lines(table: Any) -> list[str]:
    """A Word table: label/value pairs, or a header row over data rows."""
    grid: list[list[str]] = []
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:
            if id(cell._tc) in seen:  # a merged cell is returned once per grid column
                continue
            seen.add(id(cell._tc))
            cells.append(cell.text.strip())
        if any(cells):
            grid.append(cells)
    if not grid:
        return []
    width = max(len(r) for r in grid)
    if width == 1:
        return [r[0] for r in grid if r[0]]
    # Label/value tables (联系人 | 张三 | 联系电话 | 0531-…): even width, label column(s).
    pairs = width % 2 == 0 and all(is_label(r[0]) for r in grid if len(r) == width)
    if pairs and (width == 2 or not _header_like(grid)):
        return [row_text(r, pairs=True) for r in grid]
    headers, rows = grid[0], grid[1:]
    if not rows:
        return [row_text(headers)]
    return [row_text(r, headers if len(r) == len(headers) else None) for r in rows]


def _header_like(grid: list[list[str]]) -> bool:
    """The first row names columns: all labels, and the rows below are not."""
    first = grid[0]
    below = [c for r in grid[1:] for c in r[1::2]]
    return all(is_label(c) for c in first if c) and not all(is_label(c) for c in below)


class _Numbering:
    """Renders list numbers (1. / （一） / 一、) from the document's numbering part."""

    def __init__(self, doc: Any) -> None:
        self._formats: dict[tuple[str, int], tuple[str, str, int]] = {}
        self._counters: dict[tuple[str, int], int] = {}
        try:
            root = doc.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            return
        abstract = {a.get(f"{_W}abstractNumId"): a for a in root.iter(f"{_W}abstractNum")}
        for num in root.iter(f"{_W}num"):
            ref = num.find(f"{_W}abstractNumId")
            definition = abstract.get(ref.get(f"{_W}val") if ref is not None else None)
            if definition is None:
                continue
            for lvl in definition.iter(f"{_W}lvl"):
                fmt = lvl.find(f"{_W}numFmt")
                text = lvl.find(f"{_W}lvlText")
                start = lvl.find(f"{_W}start")
                self._formats[(str(num.get(f"{_W}numId")), int(lvl.get(f"{_W}ilvl", "0")))] = (
                    fmt.get(f"{_W}val") if fmt is not None else "decimal",
                    text.get(f"{_W}val") if text is not None else "%1.",
                    int(start.get(f"{_W}val")) if start is not None else 1,
                )

    def prefix(self, paragraph: Any) -> str:
        num_pr = _num_pr(paragraph)
        if num_pr is None:
            return ""
        num_id = num_pr.find(f"{_W}numId")
        ilvl = num_pr.find(f"{_W}ilvl")
        key = (
            str(num_id.get(f"{_W}val")) if num_id is not None else "0",
            int(ilvl.get(f"{_W}val")) if ilvl is not None else 0,
        )
        fmt, template, start = self._formats.get(key, ("decimal", "%1.", 1))
        if key[0] == "0" or fmt == "none":
            return ""
        count = self._counters.get(key, start - 1) + 1
        self._counters[key] = count
        for deeper in [k for k in self._counters if k[0] == key[0] and k[1] > key[1]]:
            del self._counters[deeper]  # a new parent item restarts its sub-items
        if fmt == "bullet":
            return "• "
        number = _chinese(count) if fmt.startswith(("chinese", "ideograph")) else str(count)
        rendered = re.sub(r"%\d", number, template)
        return rendered if rendered.endswith(("、", "）", ")", " ")) else f"{rendered} "


def _num_pr(paragraph: Any) -> Any:
    """The paragraph's numbering: its own, or its style's (「List Number」 carries it)."""
    num_pr = paragraph._p.find(f"{_W}pPr/{_W}numPr")
    style = getattr(paragraph, "style", None)
    while num_pr is None and style is not None:
        num_pr = style.element.find(f"{_W}pPr/{_W}numPr")
        style = style.base_style
    return num_pr


def _chinese(n: int) -> str:
    """1..99 in Chinese numerals (list numbers)."""
    if n <= 10:
        return _CN_NUM[n]
    tens, ones = divmod(n, 10)
    return f"{_CN_NUM[tens] if tens > 1 else ''}十{_CN_NUM[ones] if ones else ''}"
