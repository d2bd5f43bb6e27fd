"""Real PDF, DOCX and text files are read; broken ones get a clear one-line error."""

from __future__ import annotations

import pytest

from assistant.errors import DocumentError
from assistant.search.readers import read_document
from tests.conftest import DOCS
from tests.docgen import HNTE_PDF_LINES, make_docx, make_pdf

MB = 2**20


def test_generated_pdf_is_read_with_its_chinese_text(tmp_path):
    doc = read_document(make_pdf(tmp_path / "hnte.pdf", HNTE_PDF_LINES), max_bytes=MB)
    assert doc.fmt == "pdf"
    assert "科技人员占企业当年职工总数的比例不低于10%" in doc.text
    assert doc.title == "高新技术企业认定管理办法（节选）"


def test_generated_docx_paragraphs_and_table_are_read(tmp_path):
    path = make_docx(
        tmp_path / "notice.docx",
        ["关于开展2026年科技型中小企业评价工作的通知", "工企业函〔2026〕160号", "各有关单位："],
        table=[["指标", "分值"], ["科技人员", "20"]],
    )
    doc = read_document(path, max_bytes=MB)
    assert doc.doc_no == "工企业函〔2026〕160号"
    assert "科技人员：20" in doc.text  # a two-column table reads as label：value


def test_markdown_front_matter_title_is_used_and_stripped(tmp_path):
    path = tmp_path / "a.md"
    path.write_text("---\ntitle: 测试标题\n---\n# 正文标题\n内容。", encoding="utf-8")
    doc = read_document(path, max_bytes=MB)
    assert doc.title == "测试标题"
    assert "title:" not in doc.text


def test_gb18030_text_files_are_decoded(tmp_path):
    path = tmp_path / "gbk.txt"
    path.write_bytes("泉城好品申报通知\n内容".encode("gb18030"))
    assert read_document(path, max_bytes=MB).title == "泉城好品申报通知"


def test_traditional_documents_keep_their_original_text():
    doc = read_document(DOCS / "quancheng_batch2_traditional.txt", max_bytes=MB)
    assert "泉城好品區域公共品牌" in doc.text


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("broken.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog", "无法读取 PDF"),
        ("broken.docx", b"PK\x03\x04 not really a zip", "无法读取 Word 文件"),
        ("broken.xlsx", b"PK\x03\x04 not really a zip", "无法读取 Excel 文件"),
        ("empty.txt", b"", "文件是空的"),
        ("blank.txt", b"   \n\n", "没有可读的文字"),
        ("tool.exe", b"whatever", "不支持的文件类型 '.exe'"),
        ("binary.txt", bytes([0x80, 0xFF, 0x00, 0xFE]) * 8, "另存为 UTF-8"),
    ],
)
def test_bad_files_raise_document_errors_naming_the_file(tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DocumentError) as err:
        read_document(path, max_bytes=MB)
    assert expected in str(err.value)
    assert name in str(err.value)
    assert "\n" not in str(err.value)


def test_a_pdf_without_text_layer_is_reported_as_needing_ocr(tmp_path):
    from reportlab.pdfgen import canvas

    path = tmp_path / "scan.pdf"
    pdf = canvas.Canvas(str(path))
    pdf.rect(50, 50, 200, 200, fill=1)
    pdf.save()
    with pytest.raises(DocumentError, match="没有文字层"):
        read_document(path, max_bytes=MB)


def test_oversized_files_are_refused_before_reading(tmp_path):
    path = tmp_path / "big.txt"
    path.write_text("很长" * 2000, encoding="utf-8")
    with pytest.raises(DocumentError, match=r"超过 .* 的上限"):
        read_document(path, max_bytes=1000)
