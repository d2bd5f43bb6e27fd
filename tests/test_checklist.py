"""Checklists: statuses from the profile, pre-filled figures, and exports that read back."""

from __future__ import annotations

import datetime as dt

import pytest

from assistant import export
from assistant.config import PROJECT_ROOT
from assistant.core.assessment import checklist
from assistant.core.knowledge import load_knowledge
from assistant.core.profile import load_profile, validate_profile
from tests.conftest import TESTS

DAY = dt.date(2026, 11, 22)
PROFILES = TESTS / "data" / "profiles"


@pytest.fixture(scope="module")
def knowledge():
    return load_knowledge(PROJECT_ROOT / "knowledge")


def _items(result):
    return {item["id"]: item for item in result["items"]}


def test_hnte_checklist_prefills_rd_figures_per_year_and_three_year_ratio(knowledge):
    result = checklist(knowledge, "hnte", load_profile(PROFILES / "jinan_software.json"), DAY)
    audit = _items(result)["hnte.audit_rd_3y"]
    assert audit["status"] == "prefilled"
    assert "2023年 研发费用 190 万元" in audit["prefill"]
    assert "2023–2025 研发费用合计 670 万元，占销售收入 5.45%" in audit["prefill"]
    assert _items(result)["hnte.business_license"]["status"] == "ready"
    assert audit["citation"]["doc_no"] == "国科发火〔2016〕195号"
    assert sum(result["summary"].values()) == len(result["items"])


def test_failing_conditions_mark_their_material_as_needing_attention(knowledge):
    result = checklist(knowledge, "hnte", load_profile(PROFILES / "liaocheng_bearing.json"), DAY)
    items = _items(result)
    assert items["hnte.audit_rd_3y"]["status"] == "needs_attention"
    assert items["hnte.staff_statement"]["status"] == "needs_attention"
    assert "8%" in items["hnte.staff_statement"]["notes"]


def test_missing_figures_make_items_missing_with_the_fields(knowledge):
    result = checklist(knowledge, "hnte", validate_profile({"name": "某公司"}), DAY)
    audit = _items(result)["hnte.audit_rd_3y"]
    assert audit["status"] == "missing"
    assert "financials.2025.rd_expense" in audit["missing"]


def test_yuan_figures_are_flagged_on_the_items_that_use_them(knowledge):
    data = load_profile(PROFILES / "jinan_software.json").data
    data["financials"]["2025"]["revenue"] = 48_000_000
    result = checklist(knowledge, "hnte", validate_profile(data), DAY)
    audit = _items(result)["hnte.audit_rd_3y"]
    assert audit["status"] == "needs_attention"
    assert "元" in audit["notes"]


def test_ready_when_uses_the_profile(knowledge):
    data = load_profile(PROFILES / "jinan_software.json").data
    item = "tech_sme.direct_route_evidence"
    assert (
        _items(checklist(knowledge, "tech_sme", validate_profile(data), DAY))[item]["status"]
        == "missing"
    )
    data["qualifications"] = ["hnte"]
    assert (
        _items(checklist(knowledge, "tech_sme", validate_profile(data), DAY))[item]["status"]
        == "ready"
    )


def test_every_program_with_rules_has_a_checklist_that_runs(knowledge):
    profile = load_profile(PROFILES / "jinan_software.json")
    for program in knowledge.checklists:
        result = checklist(knowledge, program, profile, DAY)
        assert result["items"], program


def test_xlsx_export_reads_back_with_both_sheets_and_chinese_font(knowledge, tmp_path):
    from openpyxl import load_workbook

    result = checklist(knowledge, "hnte", load_profile(PROFILES / "jinan_software.json"), DAY)
    wb = load_workbook(export.to_xlsx(result, tmp_path / "c.xlsx"))
    assert wb.sheetnames == ["申报清单", "测算数据"]
    sheet = wb["申报清单"]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert rows[0] == ["序号", "材料", "状态", "预填内容", "证明材料", "注意事项", "政策依据"]
    audit = next(r for r in rows if r[1] == "近三个会计年度研发费用专项审计或鉴证报告")
    assert "5.45%" in audit[3]
    assert audit[2] == "已预填"
    assert sheet.cell(3, 2).font.name == "宋体"
    figures = {r[0].value: r[1].value for r in wb["测算数据"].iter_rows(min_row=2)}
    assert figures["近三年研发费用占销售收入比例"] == "5.45%"
    assert figures["科技人员占比"] == "25.00%"


def test_docx_export_has_a_table_with_the_prefilled_figures(knowledge, tmp_path):
    from docx import Document
    from docx.oxml.ns import qn

    result = checklist(knowledge, "hnte", load_profile(PROFILES / "jinan_software.json"), DAY)
    doc = Document(str(export.to_docx(result, tmp_path / "c.docx")))
    table = doc.tables[0]
    assert [c.text for c in table.rows[0].cells][:3] == ["序号", "材料", "状态"]
    texts = [[c.text for c in row.cells] for row in table.rows]
    assert any("670 万元" in row[3] for row in texts)
    assert table.style.name == "Table Grid"
    run = table.cell(1, 1).paragraphs[0].runs[0]
    assert run._element.rPr.rFonts.get(qn("w:eastAsia")) == "宋体"
    assert "济南云帆软件科技有限公司" in doc.paragraphs[0].text


def test_markdown_export_is_a_table(knowledge):
    result = checklist(knowledge, "hnte", load_profile(PROFILES / "jinan_software.json"), DAY)
    text = export.to_markdown(result)
    assert "| 序号 | 材料 | 状态 |" in text
    assert "## 测算数据" in text
