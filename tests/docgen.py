"""Generate real PDF and DOCX files with Chinese text for ingestion tests."""

from __future__ import annotations

from pathlib import Path


def make_pdf(path: Path, lines: list[str]) -> Path:
    """A text-layer PDF (reportlab's built-in Chinese CID font, no font file needed)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    pdf = canvas.Canvas(str(path))
    pdf.setFont("STSong-Light", 11)
    y = 800
    for line in lines:
        if y < 60:
            pdf.showPage()
            pdf.setFont("STSong-Light", 11)
            y = 800
        pdf.drawString(50, y, line)
        y -= 18
    pdf.save()
    return path


def make_docx(path: Path, paragraphs: list[str], table: list[list[str]] | None = None) -> Path:
    """A Word document with paragraphs and, optionally, a table."""
    from docx import Document

    doc = Document()
    for text in paragraphs:
        doc.add_paragraph(text)
    if table:
        grid = doc.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    doc.save(str(path))
    return path


HNTE_PDF_LINES = [
    "高新技术企业认定管理办法（节选）",
    "第十条 企业获得高新技术企业资格后，自高新技术企业证书颁发之日所在年度起享受税收优惠。",
    "第十一条 认定为高新技术企业须同时满足以下条件：",
    "（一）企业申请认定时须注册成立一年以上；",
    "（四）企业从事研发和相关技术创新活动的科技人员占企业当年职工总数的比例不低于10%；",
    "第十二条 高新技术企业认定程序如下：企业自我评价、注册登记、准备并提交材料。",
]
