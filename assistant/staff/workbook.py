"""Workbooks of the screening: the empty input template and the result.

The result has a 汇总 sheet (one row per company, one column per program, each cell the
verdict in words and coloured by it, with an autofilter so staff can filter e.g. every
「符合」 for 高企), one sheet per program (verdict, rank, failing and missing conditions and
the smallest gaps), 错误与提示 (row, column, what is wrong) and 说明 (date, rule versions,
how to read it). Fonts are set to 宋体/黑体 as in the checklist exports. openpyxl is imported
lazily.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from assistant.core.knowledge import PROGRAM_IDS, Knowledge
from assistant.core.results import ScreenResult
from assistant.export import BODY_FONT, HEAD_FONT, _as_text
from assistant.staff.columns import COLUMNS, template_columns

VERDICT_WORD = {
    "eligible": "符合",
    "needs_review": "需评审",
    "insufficient_info": "待补充",
    "not_eligible": "不符合",
}
VERDICT_FILL = {
    "eligible": "C6EFCE",
    "needs_review": "FFEB9C",
    "insufficient_info": "DDEBF7",
    "not_eligible": "FFC7CE",
}
LEVEL_WORD = {"error": "错误（已忽略）", "warning": "提示"}
_HEAD_FILL = "D9D9D9"


def _named_styles(book: Any) -> None:
    """Register the 表头 and 正文 styles once per workbook: a cell then refers to a style by
    name instead of carrying its own font, border and alignment (several times faster for
    the tens of thousands of cells of a large screening)."""
    from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side

    if "正文" in book.named_styles:
        return
    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="top")
    head = NamedStyle("表头", font=Font(name=HEAD_FONT, bold=True), border=border, alignment=wrap)
    head.fill = PatternFill("solid", fgColor=_HEAD_FILL)
    book.add_named_style(head)
    book.add_named_style(
        NamedStyle("正文", font=Font(name=BODY_FONT), border=border, alignment=wrap)
    )


def _fill(color: str) -> Any:
    from openpyxl.styles import PatternFill

    return PatternFill("solid", fgColor=color)


def _write(sheet: Any, header: list[str], rows: list[list[Any]], widths: list[int]) -> None:
    from openpyxl.utils import get_column_letter

    _named_styles(sheet.parent)
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    for cells in sheet.iter_rows():
        for cell in cells:
            _as_text(cell)
            cell.style = "表头" if cell.row == 1 else "正文"
    for i, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.freeze_panes = "C2" if len(header) > 2 else "A2"
    sheet.row_dimensions[1].height = 32  # two lines of a long program name
    sheet.page_setup.orientation = "landscape"
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    if rows:
        sheet.auto_filter.ref = sheet.dimensions


def _condition_titles(knowledge: Knowledge, program: str, as_of: dt.date) -> dict[str, str]:
    rules = knowledge.rules.get(program)
    version = rules.version_on(as_of) if rules else None
    return {c.id: c.title for c in version.conditions} if version else {}


def write_result(knowledge: Knowledge, result: ScreenResult, path: Path) -> Path:
    """Write the screening result workbook to ``path``."""
    from openpyxl import Workbook

    as_of = dt.date.fromisoformat(result["as_of"])
    companies = result["companies"]
    programs = sorted(
        (p for p in knowledge.programs if p in knowledge.rules),
        key=lambda p: (PROGRAM_IDS.index(p) if p in PROGRAM_IDS else len(PROGRAM_IDS), p),
    )
    names = {p: knowledge.programs[p].name for p in programs}
    fills = {verdict: _fill(color) for verdict, color in VERDICT_FILL.items()}
    book = Workbook()
    summary = book.active
    summary.title = "汇总"
    rows = []
    for c in companies:
        by_id = {p["program"]: p for p in c["programs"]}
        best = min(c["programs"], key=lambda p: p["rank"]) if c["programs"] else None
        rows.append(
            [c["row"], c["name"] or "（未填写名称）"]
            + [VERDICT_WORD[by_id[p]["verdict"]] if p in by_id else "—" for p in programs]
            + [names[best["program"]] if best else ""]
        )
    _write(
        summary,
        ["行号", "企业名称", *(names[p] for p in programs), "最接近的项目"],
        rows,
        [6, 30, *([13] * len(programs)), 18],
    )
    for r, c in enumerate(companies, 2):
        by_id = {p["program"]: p for p in c["programs"]}
        for i, p in enumerate(programs, 3):
            if p in by_id:
                summary.cell(r, i).fill = fills[by_id[p]["verdict"]]
    for p in programs:
        titles = _condition_titles(knowledge, p, as_of)
        sheet = book.create_sheet(_sheet_name(names[p]))
        detail = []
        for c in companies:
            row = next((x for x in c["programs"] if x["program"] == p), None)
            if row is None:
                continue
            detail.append(
                [
                    c["row"],
                    c["name"] or "（未填写名称）",
                    VERDICT_WORD[row["verdict"]],
                    row["rank"],
                    "；".join(titles.get(i, i) for i in row["failing"]),
                    "；".join(titles.get(i, i) for i in row["unknown"]),
                    "；".join(g["text"] for g in row["gaps"]),
                ]
            )
        _write(
            sheet,
            ["行号", "企业名称", "结论", "排名", "不符合的条件", "待补充的条件", "最小差距"],
            detail,
            [6, 30, 10, 6, 36, 36, 60],
        )
        for r, values in enumerate(detail, 2):
            verdict = next(k for k, v in VERDICT_WORD.items() if v == values[2])
            sheet.cell(r, 3).fill = fills[verdict]
    errors = book.create_sheet("错误与提示")
    _write(
        errors,
        ["行号", "列号", "列", "问题", "级别"],
        [
            [e["row"], e.get("letter", ""), e["column"], e["message"], LEVEL_WORD[e["level"]]]
            for e in result["errors"]
        ],
        [6, 6, 32, 80, 14],
    )
    notes = book.create_sheet("说明")
    versions = [
        [names[p], knowledge.rules[p].version_on(as_of).label]  # type: ignore[union-attr]
        for p in programs
        if knowledge.rules[p].version_on(as_of) is not None
    ]
    _write(
        notes,
        ["项目", "适用规则（筛查日）"],
        [
            ["筛查日期", result["as_of"]],
            ["来源文件", result.get("file", "")],
            ["企业数", len(companies)],
            ["错误与提示", len(result["errors"])],
            *versions,
            ["颜色", "绿=符合，黄=需专家评审，蓝=资料不足待补充，红=不符合"],
            ["依据", "逐条结论与 python -m assistant check/match 相同；以官方通知原文为准"],
        ],
        [20, 70],
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(str(path))
    return path


def _sheet_name(name: str) -> str:
    for ch in "[]:*?/\\":
        name = name.replace(ch, "")
    return name[:31]


def write_template(path: Path, as_of: dt.date) -> Path:
    """The empty input sheet: Chinese headers with units, one example row (skipped by the
    screening: its name starts with 示例：) and a 填写说明 sheet."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font

    years = [as_of.year - 3, as_of.year - 2, as_of.year - 1]
    columns = template_columns(years)
    book = Workbook()
    sheet = book.active
    sheet.title = "企业名单"
    _write(
        sheet,
        [h for h, _, _ in columns],
        [[e for _, _, e in columns]],
        [max(10, min(40, len(h) * 2)) for h, _, _ in columns],
    )
    for i, (_, field, _) in enumerate(columns, 1):
        sheet.cell(1, i).comment = Comment(f"字段：{field}", "申报助手")
        sheet.cell(2, i).font = Font(name=BODY_FONT, italic=True, color="808080")
    sheet.auto_filter.ref = None
    sheet.sheet_properties.pageSetUpPr.fitToPage = False  # a sheet to fill in, not to print
    guide = book.create_sheet("填写说明")
    _write(
        guide,
        ["说明"],
        [
            ["每行一家企业；第2行是示例（企业名称以「示例：」开头的行不参与筛查），可删除。"],
            ["金额一律以万元填写（只填数字）；若按元填写，请把列名改为「（元）」，会自动换算。"],
            [
                "年度数据可增加任意年份的列，列名如「2022年营业收入（万元）」；"
                f"{as_of.year}年申报使用{years[0]}–{years[-1]}年的数据。"
            ],
            ["是/否 列填写「是」或「否」；日期写作 2018-03-15。空白表示未知，相关条件判为待补充。"],
            ["列名也可以用字段路径（系统对接用），如 employees、financials.2025.revenue。"],
            *[[f"{c.header()}：{c.path}"] for c in COLUMNS],
        ],
        [100],
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(str(path))
    return path
