"""Pre-filled application tables (高企 申请书, 科技型 信息表): every figure equals the engine's
derived fact or the profile field, missing facts are 「（请补充）」, every table cites its
article; the Word and Excel files open in LibreOffice (converted headless to PDF, rendered to
PNG in test-artifacts/ to be looked at) with a Chinese font embedded.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import pytest
from docx import Document
from openpyxl import load_workbook

from assistant.config import PROJECT_ROOT
from assistant.core.facts import DERIVED, Facts
from assistant.core.knowledge import load_knowledge
from assistant.core.profile import MISSING, validate_profile
from assistant.errors import InputError
from assistant.staff.forms import TO_FILL, build_forms, write_docx, write_xlsx

AS_OF = dt.date(2026, 5, 1)
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
PROFILE = {
    "name": "济南云帆软件科技有限公司",
    "region": {"province": "山东省", "city": "济南市", "district": "高新区"},
    "registered_on": "2018-03-15",
    "sector": "service",
    "tech_field": "电子信息",
    "employees": 137,
    "tech_staff": 31,
    "financials": {
        "2023": {"revenue": 3512, "rd_expense": 191.5, "rd_expense_domestic": 190},
        "2024": {"revenue": 4003, "rd_expense": 222, "rd_expense_domestic": 220},
        "2025": {
            "revenue": 4811,
            "total_income": 4907,
            "hightech_revenue": 4123,
            "rd_expense": 263,
            "rd_expense_domestic": 250,
            "total_costs": 4310,
            "total_assets": 6020,
            "total_liabilities": 2530,
        },
    },
    "ip": {"invention_patents": 3, "software_copyrights": 11, "trademarks": 2},
    "transformations_3y": 14,
}


@pytest.fixture(scope="module")
def knowledge():
    return load_knowledge(PROJECT_ROOT / "knowledge")


@pytest.fixture(scope="module")
def profile():
    return validate_profile(PROFILE)


def _check_cell(cell, facts, profile) -> bool:
    """Whether a filled cell is what the engine or the profile says (True: a figure)."""
    if cell.fact in DERIVED:
        value = facts.get(cell.fact).value
        expected = value if isinstance(value, int) else round(float(value), 2)
        assert cell.value == expected, cell.fact
        assert cell.note  # how it was obtained
        if "ratio" in cell.fact or "share" in cell.fact:
            assert "÷" in cell.note, cell.fact  # the formula and the computation
        return True
    if cell.fact.startswith("ip.") and cell.fact.split(".")[1] not in PROFILE["ip"]:
        assert cell.value == 0  # as the engine counts an unlisted IP kind
        return False
    raw = profile.get(cell.fact)
    if raw is MISSING:
        assert cell.value is None, cell.fact
        assert cell.text() == TO_FILL
        return False
    assert cell.value == {"service": "服务业"}.get(raw, raw), cell.fact
    return True


@pytest.mark.parametrize("program", ["hnte", "tech_sme"])
def test_every_figure_is_the_engine_s_or_the_profile_s(knowledge, profile, program):
    forms = build_forms(knowledge, program, profile, AS_OF)
    facts = Facts(profile, AS_OF)
    checked = 0
    for table in forms["tables"]:
        assert table.citation["document"]
        assert table.citation["article"]
        assert table.cite().startswith("依据：《")
        cells = [c for row in table.rows for c in row if c.fact and c.fact != "region"]
        checked += sum(_check_cell(c, facts, profile) for c in cells)
    assert checked > 10
    titles = [t.title for t in forms["tables"]]
    assert titles[:4] == ["企业基本信息", "知识产权汇总", "人力资源情况", "近三年经营与研发费用"]
    if program == "hnte":
        assert titles[4:] == ["高新技术产品（服务）收入", "创新能力评价自评"]


def test_missing_facts_are_to_be_filled_never_invented(knowledge, profile):
    forms = build_forms(knowledge, "hnte", profile, AS_OF)
    basic = forms["tables"][0]
    code = next(r for r in basic.rows if r[0].value == "统一社会信用代码")
    assert code[1].value is None
    assert code[1].text() == TO_FILL
    finance = next(t for t in forms["tables"] if t.key == "finance")
    total_income = next(r for r in finance.rows if r[0].value == "总收入")
    assert [c.value for c in total_income[1:4]] == [None, None, 4907]


def test_other_programs_have_no_invented_forms(knowledge, profile):
    with pytest.raises(InputError, match="hnte, tech_sme"):
        build_forms(knowledge, "srdi_sme", profile, AS_OF)


def test_files_carry_the_figures_notes_and_citations(tmp_path, knowledge, profile):
    forms = build_forms(knowledge, "hnte", profile, AS_OF)
    xlsx = write_xlsx(forms, tmp_path / "hnte.xlsx")
    docx = write_docx(forms, tmp_path / "hnte.docx")
    book = load_workbook(xlsx)
    assert book.sheetnames == [t.title for t in forms["tables"]]
    staff = book["人力资源情况"]
    ratio = next(r for r in staff.iter_rows() if r[0].value == "科技人员占职工总数比例（%）")
    assert ratio[1].value == round(31 / 137 * 100, 2)
    assert "31 ÷ 137" in ratio[1].comment.text
    texts = [c.value for r in staff.iter_rows() for c in r]
    assert TO_FILL in texts
    assert any(str(t).startswith("依据：《高新技术企业认定管理工作指引》") for t in texts)
    document = Document(str(docx))
    body = "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    assert "22.63" in body
    assert TO_FILL in body
    assert "12,326" in body  # 3,512 + 4,003 + 4,811
    paragraphs = "\n".join(p.text for p in document.paragraphs)
    assert "依据：《高新技术企业认定管理办法》国科发火〔2016〕32号" in paragraphs


@pytest.mark.skipif(not SOFFICE or not shutil.which("pdftoppm"), reason="no LibreOffice/poppler")
@pytest.mark.parametrize("program", ["hnte", "tech_sme"])
def test_libreoffice_opens_them_with_chinese_fonts(tmp_path, knowledge, profile, program):
    forms = build_forms(knowledge, program, profile, AS_OF)
    files = [
        write_docx(forms, tmp_path / f"{program}.docx"),
        write_xlsx(forms, tmp_path / f"{program}-表.xlsx"),
    ]
    out = tmp_path / "pdf"
    for path in files:
        subprocess.run(
            [
                SOFFICE,
                f"-env:UserInstallation=file://{tmp_path}/lo-profile",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                str(out),
                str(path),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
    ARTIFACTS.mkdir(exist_ok=True)
    for path in files:
        pdf = out / f"{path.stem}.pdf"
        assert pdf.stat().st_size > 5000
        fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
        assert any(k in fonts for k in ("WenQuanYi", "WQY", "Noto", "CJK", "Song", "Hei")), fonts
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
        assert "企业基本信息" in text or "济南云帆" in text
        assert "137" in text
        target = ARTIFACTS / f"forms-{path.stem}"
        subprocess.run(
            ["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "2", str(pdf), str(target)],
            check=True,
            timeout=120,
        )
        assert list(ARTIFACTS.glob(f"forms-{path.stem}*.png"))
