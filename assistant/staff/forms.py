"""Pre-filled application tables for 高企 (申请书) and 科技型中小企业 (信息表).

Each table is what the application system asks for, with the row and column names of the
form, filled from the company profile: a profile fact is copied as is, a computed figure
comes from the engine's derived facts (:class:`assistant.core.facts.Facts`, the same values
the verdict used) with its formula in a note, and a fact the profile does not hold is
「（请补充）」 — never guessed. Each table cites the article that defines what it asks for
(the knowledge base's citation of the matching condition).

The tables are written to Excel (one sheet per table, notes as cell comments and in a
说明 column) and to Word (one bordered table per section, notes below). Row names follow
the 2016 申请书 (国科发火〔2016〕195号 工作指引 附件) and the indicators of 115号 附件
信息表 as published; only the measures' articles are in the knowledge base, so each table
cites the article whose indicator it reports.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.core.assessment import assess
from assistant.core.facts import Facts, FactValue
from assistant.core.knowledge import Knowledge
from assistant.core.profile import MISSING, Profile
from assistant.core.results import Assessment, ScoreItem
from assistant.errors import InputError

TO_FILL = "（请补充）"
FORM_PROGRAMS = {"hnte": "高新技术企业认定申请书", "tech_sme": "科技型中小企业信息表"}
_SECTOR = {"manufacturing": "制造业", "service": "服务业", "agriculture": "农业"}
_IP_KINDS = (
    ("Ⅰ类", "发明专利", "invention_patents"),
    ("Ⅰ类", "集成电路布图设计专有权", "ic_layouts"),
    ("Ⅰ类", "植物新品种", "plant_varieties"),
    ("Ⅰ类", "国家新药", "new_drugs"),
    ("Ⅱ类", "实用新型专利", "utility_models"),
    ("Ⅱ类", "外观设计专利", "design_patents"),
    ("Ⅱ类", "软件著作权", "software_copyrights"),
)


@dataclass(frozen=True)
class Cell:
    """A filled cell: the value (a number stays a number), and how it was obtained."""

    value: Any
    note: str = ""
    fact: str = ""  # the engine fact or profile path the value is, for checking

    def text(self) -> str:
        """The value as the table shows it."""
        return _show(self.value)


@dataclass
class Table:
    """One table of the form."""

    key: str
    title: str
    citation: dict[str, Any]
    header: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, *cells: Cell | str | None) -> None:
        """Append a row (plain strings are labels)."""
        self.rows.append([c if isinstance(c, Cell) else Cell(c or "") for c in cells])

    def cite(self) -> str:
        """「依据：《document》doc_no article」."""
        c = self.citation
        return f"依据：《{c['document']}》{c.get('doc_no') or ''} {c['article']}".strip()


def _show(value: Any) -> str:
    if value is None:
        return TO_FILL
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


class _Filler:
    """Reads profile facts and derived facts into cells."""

    def __init__(self, knowledge: Knowledge, profile: Profile, as_of: dt.date) -> None:
        self.knowledge = knowledge
        self.profile = profile
        self.facts = Facts(profile, as_of)
        self.years = [as_of.year - 3, as_of.year - 2, as_of.year - 1]
        self.last = as_of.year - 1

    def field(self, path: str, show: Any = None) -> Cell:
        """A profile fact as entered (「（请补充）」 when absent)."""
        value = self.profile.get(path)
        if value is MISSING or value is None:
            return Cell(None, "名册/画像中没有此项", path)
        return Cell(show(value) if show else value, "", path)

    def derived(self, name: str, formula: str) -> Cell:
        """A figure computed by the engine, with the formula and the computation."""
        fact: FactValue = self.facts.get(name)
        if not fact.known or fact.value is None:
            labels = "、".join(self.knowledge.label_for(m) for m in fact.missing)
            return Cell(None, f"{formula}；缺少{labels or '所需数据'}，无法计算", name)
        # The engine's figures are exact fractions; a table cell holds the rounded figure
        # (Excel stores floats), the exact computation stays in the note.
        value = fact.value if isinstance(fact.value, int) else round(float(fact.value), 2)
        detail = "；".join(x for x in (fact.detail, *fact.notes) if x)
        return Cell(value, f"{formula}" + (f"：{detail}" if detail else ""), name)

    def citation(self, condition: str, result: Assessment) -> dict[str, Any]:
        """The citation of a condition of the assessment (the article defining the figure)."""
        row = next(c for c in result["conditions"] if c["id"] == condition)
        return dict(row["citation"])


def build_forms(
    knowledge: Knowledge, program: str, profile: Profile, as_of: dt.date
) -> dict[str, Any]:
    """The pre-filled tables of a program's application form.

    Raises:
        InputError: a program whose form is not known from the official texts.
    """
    if program not in FORM_PROGRAMS:
        raise InputError(
            f"program '{program}': pre-filled tables exist for {', '.join(FORM_PROGRAMS)} "
            "(the forms of the other programs are not in the official texts we hold)"
        )
    result = assess(knowledge, program, profile, as_of)
    fill = _Filler(knowledge, profile, as_of)
    tables = _hnte(fill, result) if program == "hnte" else _tech_sme(fill, result)
    return {
        "program": program,
        "program_name": knowledge.programs[program].name,
        "form": FORM_PROGRAMS[program],
        "as_of": as_of.isoformat(),
        "company": profile.data.get("name"),
        "rules_version": result["rules_version"],
        "tables": tables,
    }


def _basic(fill: _Filler, citation: dict[str, Any], extra: list[list[Cell]]) -> Table:
    t = Table("basic", "企业基本信息", citation, ["项目", "内容", "说明"])
    region = "".join(
        str(fill.profile.get(f"region.{k}") or "") for k in ("province", "city", "district")
    )
    t.add("企业名称", fill.field("name"))
    t.add("统一社会信用代码", fill.field("credit_code"))
    t.add("注册时间", fill.field("registered_on"))
    t.add("注册类型", Cell(None, "画像中没有此项"))
    t.add("注册资本（万元）", Cell(None, "画像中没有此项"))
    t.add("所属行业", fill.field("sector", lambda v: _SECTOR.get(v, v)))
    t.add("企业所在地区", Cell(region or None, "" if region else "画像中没有此项", "region"))
    for row in extra:
        t.rows.append(row)
    t.add("法定代表人", Cell(None, "画像中没有此项"))
    t.add("联系人及联系电话", Cell(None, "画像中没有此项"))
    return t


def _ip_table(fill: _Filler, citation: dict[str, Any]) -> Table:
    t = Table("ip", "知识产权汇总", citation, ["类别", "知识产权类型", "数量（件）", "说明"])
    ip = fill.profile.get("ip")
    for klass, kind, key in _IP_KINDS:
        if isinstance(ip, dict) and ip.get(key) is None:
            cell = Cell(0, "画像的知识产权中未列此类，按 0 计（与评估一致）", f"ip.{key}")
        else:
            cell = fill.field(f"ip.{key}")
        t.add(klass, kind, cell, cell.note)
    first = "发明专利 + 集成电路布图设计 + 植物新品种 + 国家新药"
    second = "实用新型专利 + 外观设计专利 + 软件著作权"
    for label, name, formula in (
        ("Ⅰ类小计", "ip_class_i", f"Ⅰ类 = {first}"),
        ("Ⅱ类小计", "ip_class_ii", f"Ⅱ类 = {second}"),
        ("合计", "ip_total", "合计 = Ⅰ类 + Ⅱ类（注册商标不计入）"),
    ):
        cell = fill.derived(name, formula)
        t.add(label, "", cell, cell.note)
    t.notes.append(
        "逐项明细（知识产权编号、名称、授权号、授权日期、获得方式）" + TO_FILL + "，"
        "须为有效期内、对主要产品（服务）发挥核心支持作用的知识产权。"
    )
    return t


def _staff_table(fill: _Filler, citation: dict[str, Any], breakdown: bool) -> Table:
    t = Table("staff", "人力资源情况", citation, ["项目", "人数", "说明"])
    t.add("职工总数", fill.field("employees"), "在职、兼职和临时聘用人员（全年累计工作183天以上）")
    t.add("科技人员数", fill.field("tech_staff"), "直接从事研发和相关技术创新活动的人员")
    ratio = fill.derived("tech_staff_ratio", "科技人员占职工总数比例（%）= 科技人员数 ÷ 职工总数")
    t.add("科技人员占职工总数比例（%）", ratio, ratio.note)
    if breakdown:
        for group, items in (
            ("其中", ("在职人员", "兼职人员", "临时聘用人员", "外籍人员", "留学归国人员")),
            ("学历结构", ("博士", "硕士", "本科", "大专及以下")),
            ("职称结构", ("高级职称", "中级职称", "初级职称", "高级技工")),
            ("年龄结构", ("30岁及以下", "31–40岁", "41–50岁", "51岁及以上")),
        ):
            for item in items:
                t.add(f"{group}：{item}", Cell(None, "画像中没有此项"), "画像中没有此项")
    return t


def _money_years(fill: _Filler, t: Table, label: str, key: str) -> None:
    cells = [fill.field(f"financials.{y}.{key}") for y in fill.years]
    t.add(label, *cells, Cell(""), "")


def _finance_table(fill: _Filler, citation: dict[str, Any], hnte: bool) -> Table:
    header = ["项目（万元）", *(f"{y}年" for y in fill.years), "合计/比例", "说明"]
    t = Table("finance", "近三年经营与研发费用", citation, header)
    rows = [("销售收入", "revenue"), ("研究开发费用", "rd_expense")]
    if hnte:
        rows += [("其中：境内研究开发费用", "rd_expense_domestic"), ("总收入", "total_income")]
    else:
        rows += [("成本费用总额", "total_costs")]
    rows += [
        ("资产总额", "total_assets"),
        ("负债总额", "total_liabilities"),
        ("净利润", "net_profit"),
    ]
    for label, key in rows:
        _money_years(fill, t, label, key)
    # the totals column of revenue and R&D: the engine's three-year totals
    for index, name, formula in (
        (0, "revenue_3y_total", "近三年销售收入合计"),
        (1, "rd_3y_total", "近三年研究开发费用合计"),
    ):
        if hnte:
            cell = fill.derived(name, formula)
            t.rows[index][4] = cell
            t.rows[index][5] = Cell(cell.note)
    if hnte:
        ratio = fill.derived(
            "rd_ratio_3y", "近三年研究开发费用总额 ÷ 近三年销售收入总额（第十一条（五））"
        )
        t.add("研究开发费用占销售收入比例（%）", Cell(""), Cell(""), Cell(""), ratio, ratio.note)
        share = fill.derived("domestic_rd_share", "境内研究开发费用 ÷ 研究开发费用总额")
        t.add("境内研究开发费用占比（%）", Cell(""), Cell(""), Cell(""), share, share.note)
    else:
        for label, name, formula in (
            (
                "上年研发费用占销售收入比例（%）",
                "rd_ratio_last_year",
                "上年研发费用 ÷ 上年销售收入",
            ),
            (
                "上年研发费用占成本费用总额比例（%）",
                "rd_cost_ratio_last_year",
                "上年研发费用 ÷ 上年成本费用总额",
            ),
        ):
            cell = fill.derived(name, formula)
            t.add(label, Cell(""), Cell(""), Cell(""), cell, cell.note)
    t.notes.append("财务数据须出自专项审计或鉴证报告、财务会计报告或纳税申报表。")
    return t


def _hightech_table(fill: _Filler, citation: dict[str, Any]) -> Table:
    t = Table("hightech", "高新技术产品（服务）收入", citation, ["项目", "数值", "说明"])
    t.add(
        f"{fill.last}年高新技术产品（服务）收入（万元）",
        fill.field(f"financials.{fill.last}.hightech_revenue"),
        "",
    )
    t.add(f"{fill.last}年总收入（万元）", fill.field(f"financials.{fill.last}.total_income"), "")
    share = fill.derived("hightech_revenue_share", "高新技术产品（服务）收入 ÷ 同期总收入")
    t.add("占同期总收入比例（%）", share, share.note)
    for column in (
        "产品（服务）名称",
        "技术领域",
        "技术来源",
        "知识产权编号",
        "上年度销售收入（万元）",
    ):
        t.add(f"PS01 {column}", Cell(None, "逐个产品填写"), "按产品（服务）逐项填写 PS01、PS02 …")
    return t


def _score_table(fill: _Filler, citation: dict[str, Any], result: Assessment) -> Table:
    title = "创新能力评价自评" if result["program"] == "hnte" else "评价指标自评"
    t = Table("score", title, citation, ["指标", "满分", "自评得分", "依据"])
    score = result["score"]

    def points(item: ScoreItem) -> Cell:
        low, high = item.get("min"), item.get("max_points")
        if item.get("expert") and low == 0:
            return Cell(f"专家评分（0–{high}）", "需专家评审，此处不预估")
        value = low if low == high else f"{low}–{high}"
        return Cell(value, item.get("basis") or "")

    def walk(items: list[ScoreItem], depth: int) -> None:
        for item in items:
            cell = points(item)
            t.add("　" * depth + item["title"], Cell(item["max"]), cell, cell.note)
            walk(item.get("items") or [], depth + 1)

    if score:
        walk(score["items"], 0)
        low, high = score["total_min"], score["total_max"]
        total = low if low == high else f"{low}–{high}"
        t.add(
            "合计",
            Cell(score["max"]),
            Cell(total, "引擎按画像可计算部分给出的分数范围"),
            f"及格线 {score['pass_line']} 分；{score['reason'] or ''}",
        )
    return t


def _hnte(fill: _Filler, result: Assessment) -> list[Table]:
    def cite(condition: str) -> dict[str, Any]:
        return fill.citation(condition, result)

    basic = _basic(
        fill,
        cite("hnte.registration_age"),
        [
            [Cell("主要产品（服务）所属技术领域"), fill.field("tech_field"), Cell("")],
            [Cell("职工总数（人）"), fill.field("employees"), Cell("")],
            [Cell("科技人员数（人）"), fill.field("tech_staff"), Cell("")],
        ],
    )
    return [
        basic,
        _ip_table(fill, cite("hnte.core_ip")),
        _staff_table(fill, cite("hnte.tech_staff_ratio"), breakdown=True),
        _finance_table(fill, cite("hnte.rd_expense_ratio"), hnte=True),
        _hightech_table(fill, cite("hnte.hightech_revenue_share")),
        _score_table(fill, cite("hnte.innovation_score"), result),
    ]


def _tech_sme(fill: _Filler, result: Assessment) -> list[Table]:
    def cite(condition: str) -> dict[str, Any]:
        return fill.citation(condition, result)

    revenue = fill.derived("last_year_revenue", f"{fill.last}年销售收入")
    assets = fill.derived("last_year_total_assets", f"{fill.last}年末资产总额")
    basic = _basic(
        fill,
        cite("tech_sme.enterprise_size"),
        [
            [Cell("职工总数（人）"), fill.field("employees"), Cell("第六条（二）：不超过500人")],
            [Cell(f"{fill.last}年销售收入（万元）"), revenue, Cell("第六条（二）：不超过2亿元")],
            [Cell(f"{fill.last}年末资产总额（万元）"), assets, Cell("第六条（二）：不超过2亿元")],
        ],
    )
    score_cite = cite("tech_sme.score_or_direct")
    return [
        basic,
        _ip_table(fill, score_cite),
        _staff_table(fill, score_cite, breakdown=False),
        _finance_table(fill, score_cite, hnte=False),
        _score_table(fill, score_cite, result),
    ]


def _heading(forms: dict[str, Any]) -> str:
    company = forms.get("company") or TO_FILL
    return f"{forms['form']}（预填） — {company}（{forms['as_of']}）"


def write_xlsx(forms: dict[str, Any], path: Path) -> Path:
    """One sheet per table: the official rows and columns, a 说明 column, formulas as
    comments, the citation and notes below the table."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from assistant.export import BODY_FONT, HEAD_FONT

    book = Workbook()
    book.remove(book.active)
    for table in forms["tables"]:
        sheet = book.create_sheet(table.title[:31])
        sheet.append([_heading(forms)])
        sheet["A1"].font = Font(name=HEAD_FONT, bold=True, size=12)
        sheet.append([table.title])
        sheet["A2"].font = Font(name=HEAD_FONT, bold=True)
        sheet.append(table.header)
        for row in table.rows:
            sheet.append([c.value if c.value is not None else TO_FILL for c in row])
        last = sheet.max_row
        _style_table(sheet, table)
        sheet.append([])
        sheet.append([table.cite()])
        for note in table.notes:
            sheet.append([f"注：{note}"])
        for r in range(last + 1, sheet.max_row + 1):
            sheet.cell(r, 1).font = Font(name=BODY_FONT, italic=True)
        middle = 30 if len(table.header) <= 4 else 14
        for c in range(1, len(table.header) + 1):
            width = 34 if c == 1 else (48 if c == len(table.header) else middle)
            sheet.column_dimensions[get_column_letter(c)].width = width
        # printed (or converted to PDF) on one landscape page width
        sheet.page_setup.orientation = "landscape"
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(str(path))
    return path


def _style_table(sheet: Any, table: Table) -> None:
    """Borders and fonts; cells to fill in yellow; each cell's note as its comment."""
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    from assistant.export import BODY_FONT, HEAD_FONT, _as_text

    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    todo = PatternFill("solid", fgColor="FFF2CC")
    header_row = 3
    for r in range(header_row, header_row + len(table.rows) + 1):
        cells = table.rows[r - header_row - 1] if r > header_row else []
        for c in range(1, len(table.header) + 1):
            cell = sheet.cell(r, c)
            _as_text(cell)
            cell.border = border
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            cell.font = Font(name=HEAD_FONT if r == header_row else BODY_FONT, bold=r == header_row)
            source = cells[c - 1] if 1 < c <= len(cells) else None
            if source is not None and source.value is None:
                cell.fill = todo
            if source is not None and source.note:
                cell.comment = Comment(source.note, "申报助手")


def write_docx(forms: dict[str, Any], path: Path) -> Path:
    """One section per table with a bordered table, its citation and notes."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm, Pt

    from assistant.export import BODY_FONT, HEAD_FONT, _east_asian

    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE  # six columns of figures and notes
    section.page_width, section.page_height = section.page_height, section.page_width
    for margin in ("left_margin", "right_margin"):
        setattr(section, margin, Cm(1.8))
    title = doc.add_paragraph()
    run = title.add_run(_heading(forms))
    _east_asian(run, HEAD_FONT)
    run.font.size = Pt(14)
    run.bold = True
    for number, table in enumerate(forms["tables"], 1):
        head = doc.add_paragraph().add_run(f"{number}. {table.title}")
        _east_asian(head, HEAD_FONT)
        head.bold = True
        grid = doc.add_table(rows=1 + len(table.rows), cols=len(table.header))
        grid.style = "Table Grid"
        for r, values in enumerate([[Cell(h) for h in table.header], *table.rows]):
            for c, value in enumerate(values[: len(table.header)]):
                cell_run = grid.cell(r, c).paragraphs[0].add_run(value.text())
                cell_run.font.size = Pt(8.5)
                cell_run.bold = r == 0
                _east_asian(cell_run, HEAD_FONT if r == 0 else BODY_FONT)
        for line in [table.cite(), *(f"注：{n}" for n in table.notes)]:
            note = doc.add_paragraph().add_run(line)
            note.font.size = Pt(8.5)
            _east_asian(note, BODY_FONT)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    return path


def forms_json(forms: dict[str, Any]) -> dict[str, Any]:
    """The tables as JSON (``--json``): every cell with its value and note."""
    return {
        **{k: v for k, v in forms.items() if k != "tables"},
        "tables": [
            {
                "key": t.key,
                "title": t.title,
                "citation": t.citation,
                "header": t.header,
                "rows": [
                    [{"value": c.value, "note": c.note, "fact": c.fact} for c in r] for r in t.rows
                ],
                "notes": t.notes,
            }
            for t in forms["tables"]
        ],
    }
