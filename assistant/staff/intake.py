"""Reading a client list (.xlsx or .csv) into header texts and rows of cells.

Hand-made sheets often have a title row merged across the table and two header rows where a
merged 「2025年」 spans 「营业收入（万元）」 and 「研发费用（万元）」 below it. Merged cells are
spread over the cells they cover; a title row (one text spanning every used column) is
skipped; the header is as deep as the deepest merged cell that starts in its first row, and
each column's header joins the distinct texts of its header rows from top to bottom
(「2025年」 + 「营业收入（万元）」 = 「2025年营业收入（万元）」).

Rows keep the spreadsheet's own numbers (as Excel shows them), so an error names the row a
person can find. openpyxl is imported lazily.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.errors import InputError

MAX_ROWS = 20_000
Merge = tuple[int, int, int, int]  # first row, first column, last row, last column (0-based)
MAX_COLUMNS = 400


@dataclass(frozen=True)
class Sheet:
    """A table read from a file: one header per column and the data rows.

    Attributes:
        headers: The header text of each column ("" for a column without one).
        letters: The spreadsheet column name of each column (A, B, ... AA).
        rows: (row number, cells) of every non-empty data row.
        header_row: The number of the last header row.
        notes: What the reader did that the user should know (Chinese).
    """

    headers: list[str]
    letters: list[str]
    rows: list[tuple[int, list[Any]]]
    header_row: int = 1
    notes: list[str] = field(default_factory=list)


def column_letter(index: int) -> str:
    """The spreadsheet name of a 0-based column index.

    >>> column_letter(0), column_letter(25), column_letter(26)
    ('A', 'Z', 'AA')
    """
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def read_sheet(data: bytes, filename: str) -> Sheet:
    """Read the first worksheet of an .xlsx, or a .csv (UTF-8 or GB18030).

    Raises:
        InputError: not an .xlsx/.csv, unreadable, empty or too large (message in Chinese,
            naming the file).
    """
    suffix = Path(filename).suffix.lower()
    if suffix == ".csv":
        grid = _csv_grid(data, filename)
        merged: list[Merge] = []
    elif suffix in (".xlsx", ".xlsm"):
        grid, merged = _xlsx_grid(data, filename)
    else:
        raise InputError(f"文件「{filename}」：请上传 .xlsx 或 .csv 文件（可先下载筛查模板）")
    if not any(any(_filled(v) for v in row) for row in grid):
        raise InputError(f"文件「{filename}」是空的：第一行应为列名，其后每行一家企业")
    if len(grid) > MAX_ROWS:
        raise InputError(f"文件「{filename}」超过 {MAX_ROWS} 行，请分批筛查")
    return _table(grid, merged)


def _filled(value: Any) -> bool:
    return value is not None and str(value).strip() != ""


def _csv_grid(data: bytes, filename: str) -> list[list[Any]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InputError(f"文件「{filename}」的编码无法识别，请另存为 UTF-8 的 CSV")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel  # type: ignore[assignment]
    return [list(row) for row in csv.reader(io.StringIO(text), dialect)]


def _xlsx_grid(data: bytes, filename: str) -> tuple[list[list[Any]], list[Merge]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise InputError(f"文件「{filename}」无法作为 Excel 工作簿打开（{exc}）") from exc
    sheet = book.worksheets[0]
    for candidate in book.worksheets:
        if candidate.title in ("企业名单", "客户名单"):
            sheet = candidate
    width = min(sheet.max_column or 0, MAX_COLUMNS)
    grid = [list(row) for row in sheet.iter_rows(max_col=width, values_only=True)]
    merged: list[Merge] = []
    for rng in sheet.merged_cells.ranges:
        r0, c0, r1, c1 = rng.min_row - 1, rng.min_col - 1, rng.max_row - 1, rng.max_col - 1
        value = grid[r0][c0] if r0 < len(grid) and c0 < len(grid[r0]) else None
        for r in range(r0, min(r1, len(grid) - 1) + 1):
            for c in range(c0, min(c1, width - 1) + 1):
                grid[r][c] = value
        merged.append((r0, c0, r1, c1))
    return grid, merged


def _second_header(top: list[Any], below: list[Any], groups: list[Merge]) -> bool:
    """Whether the row under a header with group cells is a second header row rather than
    the first company: under each group only labels (text, not figures), and elsewhere
    nothing new (empty, or the same text spread down from a merged cell above)."""
    inside = {c for g in groups for c in range(g[1], g[3] + 1)}
    for c, value in enumerate(below):
        if c in inside:
            if not (isinstance(value, str) and value.strip() and not _is_number(value)):
                return False
        elif _filled(value) and value != top[c]:
            return False
    return True


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", ""))
    except ValueError:
        return False
    return True


def _table(grid: list[list[Any]], merged: list[Merge]) -> Sheet:
    width = max(len(r) for r in grid)
    grid = [list(r) + [None] * (width - len(r)) for r in grid]
    first = next(i for i, row in enumerate(grid) if any(_filled(v) for v in row))
    notes = []
    used = [c for c in range(width) if any(_filled(row[c]) for row in grid)]
    title = [m for m in merged if m[0] == first and m[1] <= used[0] and m[3] >= used[-1]]
    if title and len(used) > 1:
        notes.append(f"第 {first + 1} 行是跨列合并的标题「{grid[first][used[0]]}」，已跳过")
        first = title[0][2] + 1
    depth = max([m[2] - first + 1 for m in merged if m[0] == first and m[2] > m[0]] + [1])
    groups = [m for m in merged if m[0] == first and m[3] > m[1] and m[2] == m[0]]
    if groups and first + 1 < len(grid) and _second_header(grid[first], grid[first + 1], groups):
        depth = max(depth, 2)  # a group header spanning columns has its labels below it
    header_rows = grid[first : first + depth]
    headers = []
    for c in range(width):
        parts: list[str] = []
        for row in header_rows:
            text = str(row[c]).strip() if _filled(row[c]) else ""
            if text and text not in parts:
                parts.append(text)
        headers.append("".join(parts))
    if depth > 1:
        notes.append(f"第 {first + 1}–{first + depth} 行为合并的多行表头，已逐列合成列名")
    rows = [
        (number + 1, row)
        for number, row in enumerate(grid)
        if number >= first + depth and any(_filled(v) for v in row)
    ]
    letters = [column_letter(c) for c in range(width)]
    return Sheet(headers, letters, rows, first + depth, notes)
