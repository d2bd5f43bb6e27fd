"""Checklist exports: Markdown, an Excel workbook and a Word document.

The workbook has two sheets: 申报清单 (one row per material) and 测算数据 (the computed
figures with how each was computed). The Word document has a heading, the company and
date, and a bordered table. Both set a Chinese font explicitly (宋体 for text, 黑体 for
headings): Word and Excel otherwise fall back to a Latin font and render Chinese with
whatever the viewer substitutes. openpyxl and python-docx are imported lazily.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from assistant.core.results import Checklist, ChecklistRow

STATUS_TEXT = {
    "ready": "已具备",
    "prefilled": "已预填",
    "missing": "待准备",
    "needs_attention": "需注意",
    "not_applicable": "不适用",
}
BODY_FONT = "宋体"
HEAD_FONT = "黑体"
FORMULA_START = ("=", "+", "-", "@")  # what spreadsheet programs read as a formula
_COLUMNS = ("序号", "材料", "状态", "预填内容", "证明材料", "注意事项", "政策依据")


def _citation(item: ChecklistRow) -> str:
    c = item["citation"]
    return " ".join(x for x in (f"《{c['document']}》", c["doc_no"] or "", c["article"]) if x)


def _rows(checklist: Checklist) -> list[tuple[str, ...]]:
    return [
        (
            str(i),
            it["title"],
            STATUS_TEXT[it["status"]],
            it.get("prefill") or "",
            it.get("evidence") or "",
            it.get("notes") or "",
            _citation(it),
        )
        for i, it in enumerate(checklist["items"], 1)
    ]


def _heading(checklist: Checklist) -> str:
    company = checklist.get("company") or "（未填写企业名称）"
    return f"{checklist['program_name']} 申报材料清单 — {company}（{checklist['as_of']}）"


def to_markdown(checklist: Checklist) -> str:
    """The checklist as a Markdown document with a table."""

    def cell(text: str) -> str:
        return text.replace("|", "｜").replace("\n", " ")

    lines = [f"# {_heading(checklist)}", ""]
    summary = "，".join(f"{STATUS_TEXT[k]} {v} 项" for k, v in checklist["summary"].items() if v)
    lines += [
        f"汇总：{summary}",
        "",
        "| " + " | ".join(_COLUMNS) + " |",
        "|" + "---|" * len(_COLUMNS),
    ]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in _rows(checklist)]
    if checklist.get("figures"):
        lines += ["", "## 测算数据", "", "| 项目 | 数值 | 计算过程 |", "|---|---|---|"]
        lines += [
            f"| {cell(f['name'])} | {cell(f['value'])} | {cell(f['basis'])} |"
            for f in checklist["figures"]
        ]
    for warning in checklist.get("warnings") or []:
        lines += ["", f"> 注意：{warning}"]
    return "\n".join(lines) + "\n"


def to_xlsx(checklist: Checklist, path: Path) -> Path:
    """Write the workbook (sheets 申报清单 and 测算数据)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    head_font = Font(name=HEAD_FONT, bold=True)
    body_font = Font(name=BODY_FONT)
    fill = PatternFill("solid", fgColor="DDEBF7")
    wb = Workbook()
    sheet = wb.active
    sheet.title = "申报清单"
    sheet.append([_heading(checklist)])
    sheet["A1"].font = Font(name=HEAD_FONT, bold=True, size=13)
    sheet.append(list(_COLUMNS))
    for row in _rows(checklist):
        sheet.append(list(row))
    widths = (6, 34, 10, 48, 40, 48, 36)
    for col, width in enumerate(widths, 1):
        sheet.column_dimensions[chr(64 + col)].width = width
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            _as_text(cell)
            cell.font = head_font if cell.row == 2 else body_font
            cell.border = border
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if cell.row == 2:
                cell.fill = fill
    figures = wb.create_sheet("测算数据")
    figures.append(["项目", "数值", "计算过程"])
    for f in checklist.get("figures") or []:
        figures.append([f["name"], f["value"], f["basis"]])
    for letter, width in zip("ABC", (30, 24, 60), strict=True):
        figures.column_dimensions[letter].width = width
    for row in figures.iter_rows():
        for cell in row:
            _as_text(cell)
            cell.font = head_font if cell.row == 1 else body_font
            cell.border = border
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(str(path))
    return path


def _as_text(cell: Any) -> None:
    """Keep text that starts like a formula ("=HYPERLINK(…)" typed as a company name) as text:
    openpyxl would otherwise store it as a formula that Excel runs when the file is opened."""
    if isinstance(cell.value, str) and cell.value[:1] in FORMULA_START:
        cell.data_type = "s"


def _east_asian(run: Any, name: str) -> None:
    """Set a run's font for Chinese text too (python-docx sets only the Latin font)."""
    from docx.oxml.ns import qn

    run.font.name = name
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), name)


def to_docx(checklist: Checklist, path: Path) -> Path:
    """Write the Word document with a bordered table."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm, Pt

    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    for margin in ("left_margin", "right_margin"):
        setattr(section, margin, Cm(1.5))
    title = doc.add_paragraph()
    _east_asian(title.add_run(_heading(checklist)), HEAD_FONT)
    title.runs[0].font.size = Pt(15)
    title.runs[0].bold = True
    summary = "，".join(f"{STATUS_TEXT[k]} {v} 项" for k, v in checklist["summary"].items() if v)
    _east_asian(doc.add_paragraph().add_run(f"汇总：{summary}"), BODY_FONT)
    _table(doc, list(_COLUMNS), [list(r) for r in _rows(checklist)])
    if checklist.get("figures"):
        _east_asian(doc.add_paragraph().add_run("测算数据"), HEAD_FONT)
        rows = [[f["name"], f["value"], f["basis"]] for f in checklist["figures"]]
        _table(doc, ["项目", "数值", "计算过程"], rows)
    for warning in checklist.get("warnings") or []:
        _east_asian(doc.add_paragraph().add_run(f"注意：{warning}"), BODY_FONT)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    return path


def _table(doc: Any, header: list[str], rows: list[list[str]]) -> None:
    from docx.shared import Pt

    table = doc.add_table(rows=1 + len(rows), cols=len(header))
    table.style = "Table Grid"
    for r, values in enumerate([header, *rows]):
        for c, value in enumerate(values):
            run = table.cell(r, c).paragraphs[0].add_run(value)
            run.font.size = Pt(9)
            run.bold = r == 0
            _east_asian(run, HEAD_FONT if r == 0 else BODY_FONT)
